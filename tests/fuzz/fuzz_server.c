/* fuzz_server: the server session as the network reaches it — envelope classification and
 * opening, decoding, the state machine and the reply — through residue_server_handle_connect and
 * residue_server_handle_log.
 *
 * Each input gets a fresh server (fixed clock, deterministic RNG, a 2048-bit RSA key, max
 * 64 KiB per log) on which one unmanaged client is already registered by a real CONNECT with
 * the key pair of ../shared/vectors/A-unknown-plain (and acknowledged when op bit 0x80 is
 * set). Because clock and RNG are fixed, that client's id and AES key are the same for every
 * input; they are learnt once by decrypting the hello. A managed client "managed-fuzz" (same
 * key pair, AES-128) is configured too; op bit 0x40 registers and uses it instead of the
 * unmanaged one. Op bit 0x20 moves the clock 1000 s on after the registration (the client is
 * then dead), 0x10 runs the integrity sweep before the fuzzed packets. Then byte 0
 * (op & 7) says what the rest of the input is:
 *   0 a raw connect-port packet          1 a raw logging-port packet
 *   2 plaintext, AES-sealed with the client's key, to the connect port
 *   3 plaintext, AES-sealed, to the logging port
 *   4 plaintext, zlib + base64 + AES-sealed, to the logging port (compressed log)
 *   5 plaintext, RSA-encrypted to the server key, to the connect port
 *   6 several raw connect-port packets split at "\r\n\r\n" (state across packets)
 *   7 several plaintexts split at "\r\n\r\n", each AES-sealed, alternating connect / logging
 *
 * Invariants:
 *  - every packet gets exactly one reply packet ending in "\r\n\r\n" (connect port: plain
 *    error JSON with a §7 text, {"r":1}, a raw key-refusal text, an RSA or an AES
 *    envelope; logging port: exactly {"r":0} or {"r":1});
 *  - UNIFORM ERRORS: an AES envelope that names our client but does not decrypt with its key
 *    gets exactly the generic invalid-request reply, whatever broke (no padding oracle);
 *  - every record handed to the log sink validates, carries the envelope's client id, and a
 *    packet answered {"r":1} hands over none; at most max_items_in_bulk per packet;
 *  - the registry never exceeds max_clients; nothing leaks (LSan) when the server is freed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "residue_session.h"
#include "rp_codec.h"
#include "../unit/support/residue_seal.h"

#define KEY_DIR "../shared/vectors/A-unknown-plain/keys/"
#define NOW 1795667600u
#define MAX_BULK 5u
#define MAX_CLIENTS 64u
#define INVALID_JSON "{\"status\":1,\"ack\":0,\"error_text\":\"Invalid connection request. Are you sending it to correct port?\"}"

/* One client identity: how it registers and what the hello gave it. */
typedef struct identity {
    char connect_pkt[2048];       /* the registering CONNECT, without delimiter */
    size_t connect_len;
    char client_id[64];
    size_t id_len;                /* 0 until learnt */
    rp_aes_key key;
} identity;

typedef struct fixture {
    bool ready;
    rp_rsa_key *server_key;       /* also plays the clients' key pair */
    identity ids[2];              /* [0] unmanaged, [1] managed-fuzz */
} fixture;

static fixture fx;
static identity *me;              /* the identity of the current input */

static uint64_t fixed_clock(void *ctx)
{
    return *(const uint64_t *)ctx;
}

/* Every trace event must be printable text. */
static void trace(void *ctx, const residue_trace *ev)
{
    unsigned *n = ctx;
    (*n)++;
    FUZZ_CHECK(ev != NULL && ev->message != NULL && ev->envelope != NULL && ev->detail != NULL);
    FUZZ_CHECK(strlen(ev->detail) < 4096);
}

/* splitmix64: deterministic "random" bytes, restarted for every input. */
static int fixed_rng(void *ctx, uint8_t *out, size_t len)
{
    uint64_t *st = ctx;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
    return 0;
}

typedef struct sink_state {
    const char *id;
    size_t id_len;
    unsigned calls;
} sink_state;

static void sink(void *ctx, const char *client_id, const residue_log_request *log)
{
    sink_state *s = ctx;
    s->calls++;
    FUZZ_CHECK(client_id != NULL && log != NULL);
    FUZZ_CHECK(residue_log_request_validate(log, NULL) == 0);
    if (s->id != NULL) FUZZ_CHECK(strlen(client_id) == s->id_len && memcmp(client_id, s->id, s->id_len) == 0);
}

static void load_fixture(void)
{
    if (fx.ready) return;
    FILE *f = fopen(KEY_DIR "client-public.pem", "rb");
    if (f == NULL || rp_rsa_key_load_private_file(KEY_DIR "client-private.pem", NULL, &fx.server_key, NULL) != 0) {
        fprintf(stderr, "fuzz_server: run from the project root (needs %s)\n", KEY_DIR);
        abort();
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char b64[2048];
    size_t bl = 0;
    FUZZ_CHECK(rp_base64_encode((const uint8_t *)buf, n, b64, sizeof b64, &bl, NULL) == 0);
    int w = snprintf(fx.ids[0].connect_pkt, sizeof fx.ids[0].connect_pkt,
                     "{\"_t\":%u,\"type\":1,\"rsa_public_key\":\"%s\"}", NOW, b64);
    fx.ids[0].connect_len = (size_t)w;
    w = snprintf(fx.ids[1].connect_pkt, sizeof fx.ids[1].connect_pkt,
                 "{\"_t\":%u,\"type\":1,\"client_id\":\"managed-fuzz\"}", NOW);
    fx.ids[1].connect_len = (size_t)w;
    fx.ready = true;
}

static residue_server *new_server(uint64_t *rng_state, uint64_t *clock, unsigned *traces, unsigned op)
{
    static residue_managed_client managed[1];
    managed[0].client_id = "managed-fuzz";
    managed[0].public_key = fx.server_key;
    managed[0].key_size = 128;
    residue_server_config cfg;
    residue_server_config_defaults(&cfg);
    cfg.server_private_key = fx.server_key;
    cfg.managed_clients = managed;
    cfg.managed_count = 1;
    (void)op;
    cfg.max_items_in_bulk = MAX_BULK;
    cfg.max_clients = MAX_CLIENTS;
    cfg.max_log_size = 65536;
    cfg.logging_port = 8778;
    residue_server *srv = NULL;
    *rng_state = 42;
    *clock = NOW;
    FUZZ_CHECK(residue_server_create(&cfg, fixed_clock, clock, fixed_rng, rng_state, &srv, NULL) == 0);
    residue_server_set_trace(srv, trace, traces);
    return srv;
}

static bool is_delimited(const uint8_t *r, size_t n)
{
    return n >= 4 && memcmp(r + n - 4, "\r\n\r\n", 4) == 0;
}

/* One of the raw texts the real server sends for a client key it cannot use
 * (docs/security.md, "Client keys"). */
static bool is_key_refusal(const char *p, size_t len)
{
    static const char *const exact[] = {
        "PEM_Load: PEM object not available", "PEM_NextObject: could not locate boundary header",
        "PEM_NextObject: could not locate boundary footer", "PEM_Load: not a RSA public key",
        "BER decode error", "Could not load public key",
    };
    static const char *const prefix[] = {
        "PEM_StripEncapsulatedBoundary: '-----END ", "RSA/EME-PKCS1-v1_5: message length of ",
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        if (len == strlen(exact[i]) && memcmp(p, exact[i], len) == 0) return true;
    }
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
        if (len > strlen(prefix[i]) && memcmp(p, prefix[i], strlen(prefix[i])) == 0) return true;
    }
    return false;
}

/* The client id an AES envelope names ("<iv 32>:<id>:..."), read here independently of the
 * server: NULL when the packet has not that shape. */
static const char *named_id(const char *pkt, size_t len, size_t *id_len)
{
    const char *first = memchr(pkt, ':', len);
    if (len <= 33 || first != pkt + 32) return NULL;
    const char *end = memchr(pkt + 33, ':', len - 33);
    if (end == NULL) return NULL;
    *id_len = (size_t)(end - (pkt + 33));
    return pkt + 33;
}

static uint32_t s2c_shape(const char *p, size_t len)
{
    uint32_t m = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER);
    return rp_envelope_classify(&residue_protocol, m, p, len);
}

/* Checks that a connect-port reply is one of the shapes the server may send. */
static void check_connect_reply(const uint8_t *reply, size_t n)
{
    FUZZ_CHECK(is_delimited(reply, n));
    const char *p = (const char *)reply;
    size_t len = n - 4;
    uint32_t k = s2c_shape(p, len);
    if (k == RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_PLAIN)) {
        residue_connect_error e;
        residue_log_reply lr;
        uint8_t st[2048];
        rp_arena a;
        rp_arena_init(&a, st, sizeof st);
        bool ok = residue_connect_error_decode(p, len, &e, &a, NULL, NULL) == 0;
        rp_arena_init(&a, st, sizeof st);
        ok = ok || residue_log_reply_decode(p, len, &lr, &a, NULL, NULL) == 0;
        FUZZ_CHECK(ok);
    } else if (k == 0) {
        FUZZ_CHECK(is_key_refusal(p, len));
    } else {
        FUZZ_CHECK(k == RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_RSA_TO_CLIENT) ||
                   k == RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_AES_TO_CLIENT));
    }
}

static void do_connect(residue_server *srv, const char *pkt, size_t len)
{
    uint8_t reply[RESIDUE_SESSION_PACKET_MAX];
    size_t rl = 0;
    rp_error why;
    /* (registered now: the sweep or the clock may have removed it since it registered) */
    char me_id[64];
    memcpy(me_id, me->client_id, me->id_len);
    me_id[me->id_len] = '\0';
    residue_server_client_info info;
    bool registered = residue_server_client_info_get(srv, me_id, &info, NULL) == 0;
    int rc = residue_server_handle_connect(srv, (const uint8_t *)pkt, len, reply, sizeof reply, &rl, &why);
    FUZZ_CHECK(rc == 0);
    check_connect_reply(reply, rl);
    /* Uniform errors: an envelope naming our registered client that our key cannot open
     * (whatever broke: the IV, the base64, the padding, the text) gets the one invalid
     * reply. */
    size_t id_len = 0;
    const char *id = named_id(pkt, len, &id_len);
    if (registered && id != NULL && id_len == me->id_len && memcmp(id, me->client_id, me->id_len) == 0) {
        char *plain = malloc(len + 1);
        FUZZ_CHECK(plain != NULL);
        rs_keys k = {.session = &me->key};
        if (rs_open(&k, RESIDUE_ENVELOPE_AES_FROM_CLIENT, pkt, len, plain, len + 1, NULL, NULL,
                    NULL, NULL) != 0) {
            FUZZ_CHECK(rl == strlen(INVALID_JSON) + 4 && memcmp(reply, INVALID_JSON, rl - 4) == 0);
        }
        free(plain);
    }
    FUZZ_CHECK(residue_server_client_count(srv) <= MAX_CLIENTS);
}

static void do_log(residue_server *srv, const char *pkt, size_t len)
{
    uint8_t reply[64];
    size_t rl = 0;
    rp_error why;
    sink_state ss = {NULL, 0, 0};
    ss.id = named_id(pkt, len, &ss.id_len);
    int rc = residue_server_handle_log(srv, (const uint8_t *)pkt, len, sink, &ss, reply, sizeof reply, &rl, &why);
    FUZZ_CHECK(rc == 0);
    bool ok = rl == 11 && memcmp(reply, "{\"r\":0}\r\n\r\n", 11) == 0;
    bool bad = rl == 11 && memcmp(reply, "{\"r\":1}\r\n\r\n", 11) == 0;
    FUZZ_CHECK(ok || bad);
    if (bad) FUZZ_CHECK(ss.calls == 0);
    FUZZ_CHECK(ss.calls <= MAX_BULK);
}

/* Seals plain as `envelope` with our client's key and id, a fixed IV. */
static char *seal_as(unsigned envelope, const char *plain, size_t len, size_t *out_len)
{
    static const uint8_t iv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char id[64];
    memcpy(id, me->client_id, me->id_len);
    id[me->id_len] = '\0';
    rs_keys k = {.session = &me->key, .id = id, .iv = iv};
    size_t cap = rs_sealed_max(&k, envelope, len);
    char *w = malloc(cap);
    FUZZ_CHECK(w != NULL);
    FUZZ_CHECK(rs_seal(&k, envelope, plain, len, w, cap, out_len, NULL) == 0);
    return w;
}

static char *seal(const char *plain, size_t len, size_t *out_len)
{
    return seal_as(RESIDUE_ENVELOPE_AES_FROM_CLIENT, plain, len, out_len);
}

/* Registers (and learns, the first time) the fixture client on a fresh server. */
static void register_client(residue_server *srv, bool ack)
{
    uint8_t reply[RESIDUE_SESSION_PACKET_MAX];
    size_t rl = 0;
    FUZZ_CHECK(residue_server_handle_connect(srv, (const uint8_t *)me->connect_pkt, me->connect_len, reply,
                                        sizeof reply, &rl, NULL) == 0);
    if (me->id_len == 0) {
        char hello[512];
        size_t hl = 0;
        FUZZ_CHECK(is_delimited(reply, rl));
        rs_keys k = {.client = fx.server_key};
        FUZZ_CHECK(rs_open(&k, RESIDUE_ENVELOPE_RSA_TO_CLIENT, (const char *)reply, rl - 4, hello,
                           sizeof hello, &hl, NULL, NULL, NULL) == 0);
        residue_hello h;
        uint8_t st[1024];
        rp_arena a;
        rp_arena_init(&a, st, sizeof st);
        FUZZ_CHECK(residue_hello_decode(hello, hl, &h, &a, NULL, NULL) == 0);
        FUZZ_CHECK(h.client_id.len < sizeof me->client_id);
        memcpy(me->client_id, h.client_id.ptr, h.client_id.len);
        me->id_len = h.client_id.len;
        FUZZ_CHECK(rp_aes_key_set(&me->key, h.key.ptr, h.key.len, NULL) == 0);
    }
    if (ack) {
        char js[256];
        int n = snprintf(js, sizeof js, "{\"_t\":%u,\"type\":2,\"client_id\":\"%.*s\"}", NOW,
                         (int)me->id_len, me->client_id);
        size_t wl = 0;
        char *w = seal(js, (size_t)n, &wl);
        FUZZ_CHECK(residue_server_handle_connect(srv, (const uint8_t *)w, wl, reply, sizeof reply, &rl, NULL) == 0);
        FUZZ_CHECK(s2c_shape((const char *)reply, rl - 4) == RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_AES_TO_CLIENT));
        free(w);
    }
}

static const char *find_delim(const char *p, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(p + i, "\r\n\r\n", 4) == 0) return p + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 200000) return 0;
    load_fixture();
    uint64_t rng_state, clock;
    unsigned traces = 0, op = data[0];
    residue_server *srv = new_server(&rng_state, &clock, &traces, op);
    me = &fx.ids[(op & 0x40) ? 1 : 0];
    register_client(srv, (op & 0x80) != 0);
    if (op & 0x20) clock += 1000;
    if (op & 0x10) (void)residue_server_sweep(srv);
    /* From here on every packet handed to the server is traced as it comes in (the checks
     * at the end): packets counted by the stats minus those before, traces likewise. */
    residue_server_stats before;
    residue_server_stats_get(srv, &before);
    unsigned traces_before = traces;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    size_t wl = 0;
    char *w = NULL;
    switch (op & 7) {
    case 0: do_connect(srv, in, len); break;
    case 1: do_log(srv, in, len); break;
    case 2: w = seal(in, len, &wl); do_connect(srv, w, wl); break;
    case 3: w = seal(in, len, &wl); do_log(srv, w, wl); break;
    case 4: w = seal_as(RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT, in, len, &wl); do_log(srv, w, wl); break;
    case 5: {
        rs_keys k = {.server = fx.server_key};
        size_t cap = rs_sealed_max(&k, RESIDUE_ENVELOPE_RSA_TO_SERVER, len);
        if (len > rp_rsa_max_plaintext(fx.server_key)) break;
        w = malloc(cap);
        FUZZ_CHECK(w != NULL);
        FUZZ_CHECK(rs_seal(&k, RESIDUE_ENVELOPE_RSA_TO_SERVER, in, len, w, cap, &wl, NULL) == 0);
        do_connect(srv, w, wl);
        break;
    }
    default: {
        /* Several packets on one server: state carries over. */
        unsigned i = 0;
        while (len > 0 && i < 16) {
            const char *d = find_delim(in, len);
            size_t pl = d ? (size_t)(d - in) : len;
            if ((op & 7) == 6) {
                do_connect(srv, in, pl);
            } else {
                size_t sl = 0;
                char *s = seal(in, pl, &sl);
                if (i % 2 == 0) do_connect(srv, s, sl);
                else do_log(srv, s, sl);
                free(s);
            }
            i++;
            if (d == NULL) break;
            len -= pl + 4;
            in += pl + 4;
        }
        (void)residue_server_sweep(srv);
        break;
    }
    }
    free(w);
    residue_server_stats st;
    residue_server_stats_get(srv, &st);
    FUZZ_CHECK(st.log_rejected <= st.log_packets && st.connect_errors <= st.connect_packets);
    uint64_t handled = (st.connect_packets - before.connect_packets) + (st.log_packets - before.log_packets);
    FUZZ_CHECK(traces - traces_before >= handled);
    residue_server_free(srv);
    return 0;
}
