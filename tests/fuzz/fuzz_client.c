/* fuzz_client: the client session facing a hostile server — residue_client_receive in each state
 * that expects a reply, and residue_client_log_reply.
 *
 * Each input gets a fresh client (fixed clock, deterministic RNG, the key pair of
 * ../shared/vectors/A-unknown-plain) that has sent its CONNECT. Byte 0 says which client:
 *   bit 7: the CONNECT is RSA-encrypted to the server's public key (the 8192-bit key of
 *          ../shared/vectors/B-unknown-rsa), else plain;
 *   bit 6: a managed client (client_id "abcdefghijklmnop", the id of the fixture replies,
 *          with the same key pair), else unmanaged (its public key in the CONNECT);
 * and its low six bits (op = (byte 0 & 63) % 7) what the rest of the input is:
 *   0 a raw reply while waiting for the hello
 *   1 a hello plaintext, RSA-encrypted to the client's key by the harness
 *   2 a raw reply while waiting for the established reply (after a valid hello)
 *   3 an established plaintext, AES-sealed with the session key by the harness
 *   4 a raw logging-port reply, after the connection is established
 *   5 a TOUCH reply plaintext, AES-sealed (after established, then TOUCH)
 *   6 log records (a JSON object or array) the established client turns into a log packet with
 *     residue_client_build_log; the packet must open with the session key (and inflate) into
 *     records equal to the ones given
 *
 * The CONNECT of each of the four kinds of client is opened as the server would (with the
 * server's private key for RSA) and must be that envelope holding a CONNECT of that client
 * (type, timestamp, its id or its public key); check_connect says how often.
 *
 * Invariants: no crash; success moves the state as documented (hello -> ACK written, framed and
 * AES-enveloped; established -> ESTABLISHED with a usable logging port and bulk size); every
 * failure leaves the client DISCONNECTED with a session status (rejected / protocol / decrypt
 * / json / schema, or the session machine's refusal of a reply the state does not take:
 * RP_E_STATE "receive <Message> ... is not allowed in state <state>"), never a caller-side
 * error.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "residue_session.h"
#include "residue_profiles.h"
#include "../unit/support/residue_seal.h"

#define KEY_PATH "../shared/vectors/A-unknown-plain/keys/client-private.pem"
#define CLIENT_PUB_PATH "../shared/vectors/A-unknown-plain/keys/client-public.pem"
#define SERVER_PUB_PATH "../shared/vectors/B-unknown-rsa/keys/server-public.pem"
#define SERVER_KEY_PATH "../shared/vectors/B-unknown-rsa/keys/server-private.pem"
#define MANAGED_ID "abcdefghijklmnop"
#define NOW 1795667600u
#define HELLO "{\"status\":0,\"ack\":0,\"key\":\"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\",\"client_id\":\"abcdefghijklmnop\",\"token\":\"0123456789ABCDEF0123456789ABCDEF\"}"
#define ESTABLISHED "{\"status\":0,\"ack\":1,\"flags\":1521,\"max_bulk_size\":50,\"server_info\":{\"version\":\"2.3.6\"},\"key\":\"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\",\"client_id\":\"abcdefghijklmnop\",\"token\":\"0123456789ABCDEF0123456789ABCDEF\",\"logging_port\":8778,\"age\":259200,\"date_created\":1795667600}"

static rp_rsa_key *key(void)
{
    static rp_rsa_key *k;
    if (k == NULL && rp_rsa_key_load_private_file(KEY_PATH, NULL, &k, NULL) != 0) {
        fprintf(stderr, "fuzz_client: run from the project root (needs %s)\n", KEY_PATH);
        abort();
    }
    return k;
}

static rp_rsa_key *server_key(bool private_half)
{
    static rp_rsa_key *k[2];
    rp_error err;
    int rc = 0;
    if (k[private_half] == NULL)
        rc = private_half ? rp_rsa_key_load_private_file(SERVER_KEY_PATH, NULL, &k[1], &err)
                          : rp_rsa_key_load_public_file(SERVER_PUB_PATH, &k[0], &err);
    if (rc != 0) {
        fprintf(stderr, "fuzz_client: %s (run from the project root)\n", err.message);
        abort();
    }
    return k[private_half];
}

static uint64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return NOW;
}

static int fixed_rng(void *ctx, uint8_t *out, size_t len)
{
    uint64_t *st = ctx;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        out[i] = (uint8_t)(z ^ (z >> 27));
    }
    return 0;
}

static const rp_aes_key *session_key(void)
{
    static rp_aes_key k;
    static bool set;
    if (!set) {
        FUZZ_CHECK(rp_aes_key_from_hex(&k, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", 64, NULL) == 0);
        set = true;
    }
    return &k;
}

/* Feeds one reply; checks the state rules; returns rc. */
static int receive(residue_client *cl, const char *pkt, size_t len, residue_client_state want_on_success)
{
    uint8_t out[RESIDUE_SESSION_PACKET_MAX * 2];
    size_t ol = 12345;
    rp_error err;
    rp_error_clear(&err);
    int rc = residue_client_receive(cl, (const uint8_t *)pkt, len, out, sizeof out, &ol, &err);
    if (rc == 0) {
        FUZZ_CHECK(residue_client_get_state(cl) == want_on_success);
        if (want_on_success == RESIDUE_CLIENT_AWAIT_ESTABLISHED) {
            FUZZ_CHECK(ol > 4 && ol <= sizeof out && memcmp(out + ol - 4, "\r\n\r\n", 4) == 0);
            uint32_t m = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT);
            FUZZ_CHECK(rp_envelope_classify(&residue_protocol, m, (const char *)out, ol - 4) ==
                       RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_AES_FROM_CLIENT));
            FUZZ_CHECK(strlen(residue_client_id(cl)) > 0);
            unsigned bits = residue_client_key_bits(cl);
            FUZZ_CHECK(bits == 128 || bits == 192 || bits == 256);
        } else {
            FUZZ_CHECK(ol == 0);
            FUZZ_CHECK(residue_client_logging_port(cl) > 0);
            FUZZ_CHECK(residue_client_max_bulk_size(cl) >= 1 && residue_client_max_bulk_size(cl) <= 10000);
            FUZZ_CHECK(residue_client_bulk_capacity(cl) >= 1);
        }
    } else {
        FUZZ_CHECK(rc != RP_E_ARGUMENT && rc != RP_E_OVERFLOW);
        FUZZ_CHECK(err.code == rc);
        FUZZ_CHECK(rc != RP_E_STATE || (strncmp(err.message, "receive ", 8) == 0 &&
                                        strstr(err.message, " is not allowed in state ") != NULL));
        FUZZ_CHECK(residue_client_get_state(cl) == RESIDUE_CLIENT_DISCONNECTED);
        FUZZ_CHECK(residue_client_next_action(cl) == RESIDUE_CLIENT_ACTION_CONNECT);
    }
    return rc;
}

static char *seal_rsa(const char *plain, size_t len, size_t *out_len)
{
    rp_rsa_key *k = key();
    rs_keys rk = {.client = k};
    size_t cap = rs_sealed_max(&rk, RESIDUE_ENVELOPE_RSA_TO_CLIENT, len);
    char *w = malloc(cap);
    FUZZ_CHECK(w != NULL);
    if (len > rp_rsa_max_plaintext(k)) len = rp_rsa_max_plaintext(k);
    FUZZ_CHECK(rs_seal(&rk, RESIDUE_ENVELOPE_RSA_TO_CLIENT, plain, len, w, cap, out_len, NULL) == 0);
    return w;
}

static char *seal_aes(const char *plain, size_t len, size_t *out_len)
{
    static const uint8_t iv[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
    rs_keys k = {.session = session_key(), .iv = iv};
    size_t cap = rs_sealed_max(&k, RESIDUE_ENVELOPE_AES_TO_CLIENT, len);
    char *w = malloc(cap);
    FUZZ_CHECK(w != NULL);
    FUZZ_CHECK(rs_seal(&k, RESIDUE_ENVELOPE_AES_TO_CLIENT, plain, len, w, cap, out_len, NULL) == 0);
    return w;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL);
    char *buf = malloc(65536);
    FUZZ_CHECK(buf != NULL);
    *len = fread(buf, 1, 65536, f);
    FUZZ_CHECK(ferror(f) == 0 && *len < 65536);
    fclose(f);
    return buf;
}

/* The CONNECT the client wrote (delimiter included), opened and decoded as the server would.
 * A plain one depends on nothing but the kind of client (fixed clock), so after the first it
 * must be the same bytes. An RSA one differs every time (OpenSSL draws the PKCS#1 padding
 * itself) and opening it costs an 8192-bit private-key operation (25 ms), so the first 16 of
 * each kind are opened and the rest must be that envelope and the same length. */
static void check_connect(const uint8_t *pkt, size_t len, bool rsa, bool managed)
{
    static uint8_t *seen[4];
    static size_t seen_len[4], opened[4];
    unsigned kind = (unsigned)rsa << 1 | (unsigned)managed;
    unsigned want = rsa ? RESIDUE_ENVELOPE_RSA_TO_SERVER : RESIDUE_ENVELOPE_PLAIN;
    uint32_t m = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT);
    FUZZ_CHECK(len > 4 && memcmp(pkt + len - 4, "\r\n\r\n", 4) == 0);
    FUZZ_CHECK(rp_envelope_classify(&residue_protocol, m, (const char *)pkt, len - 4) ==
               RESIDUE_ENVELOPE_BIT(want));
    if (seen[kind] != NULL) {
        FUZZ_CHECK(len == seen_len[kind]);
        if (!rsa) FUZZ_CHECK(memcmp(pkt, seen[kind], len) == 0);
        if (!rsa || opened[kind] >= 16) return;
    }
    opened[kind]++;
    rs_keys sk = {.server = rsa ? server_key(true) : NULL};
    char json[RESIDUE_SESSION_PACKET_MAX];
    size_t jn = 0;
    rp_envelope_opened res;
    FUZZ_CHECK(rs_open(&sk, RS_ANY_OF(m), (const char *)pkt, len - 4, json, sizeof json, &jn, &res,
                       NULL, NULL) == 0);
    FUZZ_CHECK(res.envelope == want);
    residue_connect c;
    uint8_t store[8192];
    rp_arena a;
    rp_arena_init(&a, store, sizeof store);
    FUZZ_CHECK(residue_connect_decode(json, jn, &c, &a, NULL, NULL) == 0);
    FUZZ_CHECK(c.type == RESIDUE_REQUEST_TYPE_CONNECT && c.timestamp == NOW && !c.has_key_size);
    if (managed) {
        FUZZ_CHECK(c.has_client_id && !c.has_rsa_public_key);
        FUZZ_CHECK(c.client_id.len == strlen(MANAGED_ID) &&
                   memcmp(c.client_id.ptr, MANAGED_ID, c.client_id.len) == 0);
    } else {
        /* its public key, as the PEM text the vectors hold */
        size_t pl = 0;
        char *pem = read_file(CLIENT_PUB_PATH, &pl);
        FUZZ_CHECK(c.has_rsa_public_key && !c.has_client_id);
        FUZZ_CHECK(c.rsa_public_key.len == pl && memcmp(c.rsa_public_key.ptr, pem, pl) == 0);
        free(pem);
    }
    if (seen[kind] == NULL) {
        seen[kind] = malloc(len);
        FUZZ_CHECK(seen[kind] != NULL);
        memcpy(seen[kind], pkt, len);
        seen_len[kind] = len;
    }
}

/* Records in -> residue_client_build_log -> open as the server would -> the same records. */
static void build_log(residue_client *cl, const char *in, size_t len)
{
    residue_log_bulk *bulk = malloc(sizeof *bulk), *back = malloc(sizeof *back);
    size_t scap = 2 * len + 64;
    uint8_t *store = malloc(scap);
    FUZZ_CHECK(bulk && back && store);
    rp_arena a;
    rp_arena_init(&a, store, scap);
    size_t count = 0;
    if (residue_log_bulk_decode(in, len, bulk, &a, &residue_profile_wire, NULL) == 0) {
        count = bulk->count;
    } else {
        rp_arena_init(&a, store, scap);
        if (residue_log_request_decode(in, len, &bulk->items[0], &a, &residue_profile_wire, NULL) == 0) count = 1;
    }
    size_t capacity = residue_client_bulk_capacity(cl);
    if (count > 0) {
        size_t pcap = 64 * len + 65536, pl = 0;
        uint8_t *pkt = malloc(pcap);
        FUZZ_CHECK(pkt != NULL);
        rp_error err;
        int rc = residue_client_build_log(cl, bulk->items, count, pkt, pcap, &pl, &err);
        if (count > capacity) {
            FUZZ_CHECK(rc == RP_E_LIMIT);
        } else {
            FUZZ_CHECK(rc == 0);
            FUZZ_CHECK(pl > 4 && memcmp(pkt + pl - 4, "\r\n\r\n", 4) == 0);
            char *json = malloc(pcap);
            size_t jn = 0;
            FUZZ_CHECK(json != NULL);
            /* Opened as the server's logging port opens it, with the session key known by
             * the client's id. The fixture server advertises COMPRESSION: it is the zlib
             * envelope, base64(zlib(JSON)) inside AES. */
            rs_keys sk = {.session = session_key(), .id = residue_client_id(cl)};
            rp_envelope_opened res;
            uint32_t m = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT);
            FUZZ_CHECK(rs_open(&sk, RS_ANY_OF(m), (const char *)pkt, pl - 4, json, pcap, &jn, &res, NULL, NULL) == 0);
            FUZZ_CHECK(res.envelope == RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT);
            size_t bcap = 2 * jn + 64;
            uint8_t *bstore = malloc(bcap);
            FUZZ_CHECK(bstore != NULL);
            rp_arena b;
            rp_arena_init(&b, bstore, bcap);
            if (count == 1) {
                FUZZ_CHECK(residue_log_request_decode(json, jn, &back->items[0], &b, NULL, NULL) == 0);
                back->count = 1;
            } else {
                FUZZ_CHECK(residue_log_bulk_decode(json, jn, back, &b, NULL, NULL) == 0);
            }
            FUZZ_CHECK(back->count == count);
            for (size_t i = 0; i < count; i++) {
                const residue_log_request *x = &bulk->items[i], *y = &back->items[i];
                FUZZ_CHECK(x->msg.len == y->msg.len && memcmp(x->msg.ptr, y->msg.ptr, x->msg.len) == 0);
                FUZZ_CHECK(x->level == y->level && x->datetime == y->datetime);
                FUZZ_CHECK(y->timestamp == (x->timestamp ? x->timestamp : NOW));
            }
            free(bstore);
            free(json);
        }
        free(pkt);
    }
    free(bulk);
    free(back);
    free(store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 100000) return 0;
    unsigned op = (data[0] & 63u) % 7;
    bool rsa = (data[0] & 0x80) != 0, managed = (data[0] & 0x40) != 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;

    residue_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.client_key = key();
    cfg.client_id = managed ? MANAGED_ID : NULL;
    cfg.server_public_key = rsa ? server_key(false) : NULL;
    uint64_t rng = 7;
    residue_client *cl = NULL;
    FUZZ_CHECK(residue_client_create(&cfg, fixed_clock, NULL, fixed_rng, &rng, &cl, NULL) == 0);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX * 2];
    size_t ol = 0;
    FUZZ_CHECK(residue_client_connect(cl, out, sizeof out, &ol, NULL) == 0);
    FUZZ_CHECK(residue_client_get_state(cl) == RESIDUE_CLIENT_AWAIT_HELLO);
    check_connect(out, ol, rsa, managed);

    char *w = NULL;
    size_t wl = 0;
    if (op == 0) {
        (void)receive(cl, in, len, RESIDUE_CLIENT_AWAIT_ESTABLISHED);
    } else if (op == 1) {
        w = seal_rsa(in, len, &wl);
        (void)receive(cl, w, wl, RESIDUE_CLIENT_AWAIT_ESTABLISHED);
    } else {
        /* A valid hello first (the fixture session key), then the fuzzed step. */
        char *h = seal_rsa(HELLO, strlen(HELLO), &wl);
        FUZZ_CHECK(receive(cl, h, wl, RESIDUE_CLIENT_AWAIT_ESTABLISHED) == 0);
        free(h);
        if (op == 2) {
            (void)receive(cl, in, len, RESIDUE_CLIENT_ESTABLISHED);
        } else if (op == 3) {
            w = seal_aes(in, len, &wl);
            (void)receive(cl, w, wl, RESIDUE_CLIENT_ESTABLISHED);
        } else {
            char *e = seal_aes(ESTABLISHED, strlen(ESTABLISHED), &wl);
            FUZZ_CHECK(receive(cl, e, wl, RESIDUE_CLIENT_ESTABLISHED) == 0);
            free(e);
            if (op == 6) {
                build_log(cl, in, len);
            } else if (op == 4) {
                rp_error err;
                int rc = residue_client_log_reply(cl, (const uint8_t *)in, len, &err);
                FUZZ_CHECK(rc == 0 || rc == RP_E_REJECTED || rc == RP_E_PROTOCOL);
                if (rc == 0) FUZZ_CHECK(len >= 7);
            } else {
                FUZZ_CHECK(residue_client_touch(cl, out, sizeof out, &ol, NULL) == 0);
                FUZZ_CHECK(residue_client_get_state(cl) == RESIDUE_CLIENT_AWAIT_TOUCH);
                w = seal_aes(in, len, &wl);
                (void)receive(cl, w, wl, RESIDUE_CLIENT_ESTABLISHED);
            }
        }
    }
    free(w);
    residue_client_free(cl);
    return 0;
}
