/* bench_envelope: AES-256-CBC seal and open of a 1 KiB log request, with and without zlib,
 * ours (the generic engine rp_envelope, driven by residue's envelope tables: aes_from_client
 * and aes_zlib_from_client) against the floor: the same steps written directly on OpenSSL
 * EVP (AES-CBC, EVP_EncodeBlock/EVP_DecodeBlock) and zlib's compress2/uncompress. Also shown
 * for open: "ours-any", the engine classifying among the logging port's envelopes first.
 *
 * Two floors are measured. "openssl-floor" keeps one EVP_CIPHER_CTX and one fetched
 * EVP_CIPHER for the whole run (the least work OpenSSL can do). "openssl-percall" creates
 * the context per message, as any API that takes a key as a plain value must; the gap
 * between the two shows what such an API costs at best.
 *
 * Then the residue sessions in-process (residue_session.h, no sockets, no peer): one whole
 * handshake (CONNECT, hello, ACK, established; plain CONNECT, and RSA to a server key), and
 * one 1 KiB log request built by the client and handled by the server (AES, and AES+zlib),
 * plus the server's part of the log request alone. They print `bench: session_*` lines
 * (peer=none) and, under --callgrind, dumps named `session_<op>:ours`.
 *
 *   bench_envelope [--vectors DIR] [--callgrind ITERS]
 *   (keys: A-unknown-plain/keys/session-key.*.hex and client-*.pem; --callgrind: fixed
 *   iteration counts bracketed for valgrind --tool=callgrind instead of timing; handshakes
 *   run ITERS / 10 times there, RSA dominates them)
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bench.h"
#include "residue_session.h"
#include "rp_crypto.h"
#include "rp_envelope.h"
#include "rp_zlib.h"
#include "../tests/unit/support/residue_tables.h"

#define CLIENT_ID "iomjhtvrmyqdfqxu"
#define PKT_CAP 8192
#define PLAIN_LEN 1024
#define ZLEVEL RP_ZLIB_DEFAULT_LEVEL

typedef struct env_ctx {
    bool zlib;
    bool fixed_iv;              /* setup only: deterministic IV to compare bytes */
    bool per_call;              /* floor variant: new EVP_CIPHER_CTX per message */
    rp_aes_key key;
    EVP_CIPHER_CTX *cctx;
    EVP_CIPHER *cipher;
    const char *plain;
    size_t plain_len;
    const char *pkt;            /* open input */
    size_t pkt_len;
    char out[PKT_CAP];
    size_t out_len;
    uint8_t tmp[PKT_CAP];
    uint8_t tmp2[PKT_CAP];
    uint8_t work[PKT_CAP];
    rp_envelope_ctx ecx;        /* ours: the engine's context (keys, IVs) */
} env_ctx;

static int next_iv(env_ctx *c, uint8_t iv[16])
{
    if (c->fixed_iv) {
        for (int i = 0; i < 16; i++)
            iv[i] = (uint8_t)(i * 17 + 3);
        return 0;
    }
    return RAND_bytes(iv, 16) == 1 ? 0 : -1;
}

/* ---- ours: the engine ------------------------------------------------------------------ */

static int ours_lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                       rp_key_value *out, size_t cap)
{
    env_ctx *c = ctx;
    (void)key;
    (void)use;
    (void)cap;
    if (id != NULL && (id_len != sizeof CLIENT_ID - 1 || memcmp(id, CLIENT_ID, id_len) != 0))
        return 0;
    out->rsa = NULL;
    out->aes = &c->key;
    out->id = CLIENT_ID;
    out->id_len = sizeof CLIENT_ID - 1;
    return 1;
}

static int fixed_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(i * 17 + 3);
    return 0;
}

static void ours_init(env_ctx *c)
{
    c->ecx = (rp_envelope_ctx){ &residue_tables, ours_lookup, c,
                                c->fixed_iv ? fixed_rng : rp_random_system, NULL, 0 };
}

static int ours_seal(void *p)
{
    env_ctx *c = p;
    if (c->ecx.proto == NULL) ours_init(c);
    return rp_envelope_seal(&c->ecx, c->zlib ? ENV_AES_ZLIB_FROM_CLIENT : ENV_AES_FROM_CLIENT,
                            c->plain, c->plain_len, c->out, PKT_CAP, c->work, PKT_CAP,
                            &c->out_len, NULL);
}

static int ours_open(void *p)
{
    env_ctx *c = p;
    if (c->ecx.proto == NULL) ours_init(c);
    rp_envelope_opened res;
    int rc = rp_envelope_open(&c->ecx, c->zlib ? ENV_AES_ZLIB_FROM_CLIENT : ENV_AES_FROM_CLIENT,
                              c->pkt, c->pkt_len, c->out, PKT_CAP, c->work, PKT_CAP, &res, NULL,
                              NULL);
    c->out_len = res.len;
    return rc;
}

static int ours_open_any(void *p)
{
    env_ctx *c = p;
    if (c->ecx.proto == NULL) ours_init(c);
    rp_envelope_opened res;
    uint32_t mask = BIT(ENV_AES_FROM_CLIENT) | BIT(ENV_AES_ZLIB_FROM_CLIENT);
    int rc = rp_envelope_open_any(&c->ecx, mask, c->pkt, c->pkt_len, c->out, PKT_CAP, c->work,
                                  PKT_CAP, &res, NULL, NULL);
    c->out_len = res.len;
    return rc;
}

/* ---- the floor ----------------------------------------------------------------------- */

static EVP_CIPHER_CTX *floor_ctx(env_ctx *c)
{
    return c->per_call ? EVP_CIPHER_CTX_new() : c->cctx;
}

static void floor_ctx_done(env_ctx *c, EVP_CIPHER_CTX *x)
{
    if (c->per_call)
        EVP_CIPHER_CTX_free(x);
}

static const EVP_CIPHER *floor_cipher(env_ctx *c)
{
    return c->per_call ? EVP_aes_256_cbc() : c->cipher;
}

static int aes_encrypt(env_ctx *c, const uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out,
                       int *out_len)
{
    EVP_CIPHER_CTX *x = floor_ctx(c);
    int l1 = 0, l2 = 0;
    int ok = x != NULL && EVP_EncryptInit_ex2(x, floor_cipher(c), c->key.bytes, iv, NULL) == 1
             && EVP_EncryptUpdate(x, out, &l1, in, (int)n) == 1
             && EVP_EncryptFinal_ex(x, out + l1, &l2) == 1;
    floor_ctx_done(c, x);
    *out_len = l1 + l2;
    return ok ? 0 : -1;
}

static int aes_decrypt(env_ctx *c, const uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out,
                       int *out_len)
{
    EVP_CIPHER_CTX *x = floor_ctx(c);
    int l1 = 0, l2 = 0;
    int ok = x != NULL && EVP_DecryptInit_ex2(x, floor_cipher(c), c->key.bytes, iv, NULL) == 1
             && EVP_DecryptUpdate(x, out, &l1, in, (int)n) == 1
             && EVP_DecryptFinal_ex(x, out + l1, &l2) == 1;
    floor_ctx_done(c, x);
    *out_len = l1 + l2;
    return ok ? 0 : -1;
}

/* EVP_DecodeBlock counts padding as zero bytes; drop them. */
static int b64_decode(const char *in, size_t n, uint8_t *out)
{
    int l = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (l < 0)
        return -1;
    if (n >= 1 && in[n - 1] == '=')
        l--;
    if (n >= 2 && in[n - 2] == '=')
        l--;
    return l;
}

static int floor_seal(void *p)
{
    env_ctx *c = p;
    static const char hexd[] = "0123456789abcdef";
    uint8_t iv[16];
    if (next_iv(c, iv) != 0)
        return -1;
    const uint8_t *body = (const uint8_t *)c->plain;
    size_t body_len = c->plain_len;
    if (c->zlib) {
        uLongf zl = sizeof c->tmp2;
        if (compress2(c->tmp2, &zl, body, (uLong)body_len, ZLEVEL) != Z_OK)
            return -1;
        int bl = EVP_EncodeBlock((unsigned char *)c->out, c->tmp2, (int)zl);
        memcpy(c->tmp2, c->out, (size_t)bl);
        body = c->tmp2;
        body_len = (size_t)bl;
    }
    char *o = c->out;
    for (int i = 0; i < 16; i++) {
        *o++ = hexd[iv[i] >> 4];
        *o++ = hexd[iv[i] & 15];
    }
    *o++ = ':';
    memcpy(o, CLIENT_ID, sizeof CLIENT_ID - 1);
    o += sizeof CLIENT_ID - 1;
    *o++ = ':';
    int ct_len;
    if (aes_encrypt(c, iv, body, body_len, c->tmp, &ct_len) != 0)
        return -1;
    int bl = EVP_EncodeBlock((unsigned char *)o, c->tmp, ct_len);
    c->out_len = (size_t)(o - c->out) + (size_t)bl;
    return 0;
}

static int hexv(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static int floor_open(void *p)
{
    env_ctx *c = p;
    const char *s = c->pkt;
    size_t n = c->pkt_len;
    uint8_t iv[16];
    if (n < 34 || s[32] != ':')
        return -1;
    for (int i = 0; i < 16; i++) {
        int h = hexv(s[2 * i]), l = hexv(s[2 * i + 1]);
        if (h < 0 || l < 0)
            return -1;
        iv[i] = (uint8_t)(h << 4 | l);
    }
    const char *id_end = memchr(s + 33, ':', n - 33);
    if (id_end == NULL)
        return -1;
    const char *b64 = id_end + 1;
    int ct_len = b64_decode(b64, n - (size_t)(b64 - s), c->tmp);
    int pl;
    if (ct_len <= 0 || aes_decrypt(c, iv, c->tmp, (size_t)ct_len, c->tmp2, &pl) != 0)
        return -1;
    if (!c->zlib) {
        memcpy(c->out, c->tmp2, (size_t)pl);
        c->out[pl] = '\0';
        c->out_len = (size_t)pl;
        return 0;
    }
    int zl = b64_decode((const char *)c->tmp2, (size_t)pl, c->tmp);
    uLongf ol = PKT_CAP - 1;
    if (zl <= 0 || uncompress((Bytef *)c->out, &ol, c->tmp, (uLong)zl) != Z_OK)
        return -1;
    c->out[ol] = '\0';
    c->out_len = ol;
    return 0;
}

/* ---- the sessions ------------------------------------------------------------------------ */

typedef struct sess_ctx {
    residue_server *srv;
    residue_client *cl;
    uint64_t now;               /* the fake clock both sides read */
    uint64_t rng;               /* splitmix state: the same bytes before and after a change */
    residue_log_request rec;    /* the 1 KiB log record */
    bool zlib;
    uint8_t pkt[PKT_CAP];       /* a prepared log packet (server_log) */
    size_t pkt_len;
    uint8_t buf[PKT_CAP], reply[PKT_CAP];
} sess_ctx;

static uint64_t sess_clock(void *ctx)
{
    return ((sess_ctx *)ctx)->now;
}

static int sess_rng(void *ctx, uint8_t *out, size_t len)
{
    sess_ctx *c = ctx;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (c->rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        out[i] = (uint8_t)(z ^ (z >> 27));
    }
    return 0;
}

/* CONNECT -> hello -> ACK -> established. The fake clock moves one second per handshake and
 * the periodic sweep keeps the registry small (clients live 120 s of fake time). */
static int sess_handshake(void *p)
{
    sess_ctx *c = p;
    size_t n = 0, rn = 0;
    c->now++;
    (void)residue_server_tick(c->srv);
    if (residue_client_connect(c->cl, c->buf, sizeof c->buf, &n, NULL) != 0) return 1;
    if (residue_server_handle_connect(c->srv, c->buf, n - 4, c->reply, sizeof c->reply, &rn, NULL) != 0)
        return 2;
    if (residue_client_receive(c->cl, c->reply, rn - 4, c->buf, sizeof c->buf, &n, NULL) != 0) return 3;
    if (residue_server_handle_connect(c->srv, c->buf, n - 4, c->reply, sizeof c->reply, &rn, NULL) != 0)
        return 4;
    if (residue_client_receive(c->cl, c->reply, rn - 4, c->buf, sizeof c->buf, &n, NULL) != 0) return 5;
    return residue_client_get_state(c->cl) == RESIDUE_CLIENT_ESTABLISHED ? 0 : 6;
}

static void sess_sink(void *ctx, const char *client_id, const residue_log_request *log)
{
    (void)client_id;
    (*(size_t *)ctx) += log->msg.len;
}

static int sess_server_log(sess_ctx *c, const uint8_t *pkt, size_t len)
{
    size_t rn = 0, taken = 0;
    if (residue_server_handle_log(c->srv, pkt, len, sess_sink, &taken, c->reply, sizeof c->reply,
                                  &rn, NULL) != 0)
        return 1;
    return rn == RESIDUE_LOG_REPLY_LEN && memcmp(c->reply, RESIDUE_LOG_REPLY_OK, rn) == 0 &&
                   taken == c->rec.msg.len
               ? 0
               : 2;
}

/* The client builds the log packet, the server takes it, the client reads the reply. */
static int sess_log(void *p)
{
    sess_ctx *c = p;
    size_t n = 0;
    residue_client_set_compression(c->cl, c->zlib);
    if (residue_client_build_log(c->cl, &c->rec, 1, c->buf, sizeof c->buf, &n, NULL) != 0) return 1;
    if (sess_server_log(c, c->buf, n - 4) != 0) return 2;
    return residue_client_log_reply(c->cl, c->reply, RESIDUE_LOG_REPLY_LEN - 4, NULL);
}

/* The server's part alone, on a packet built once. */
static int sess_server_only(void *p)
{
    sess_ctx *c = p;
    return sess_server_log(c, c->pkt, c->pkt_len);
}

/* A server and an established client; rsa: a managed client whose CONNECT goes
 * RSA-encrypted to a server key (the capture's client pair plays both keys; an unmanaged
 * CONNECT with its PEM does not fit one 2048-bit block). */
static int sess_setup(sess_ctx *c, const char *vectors, bool rsa, const char *plain, size_t plain_len)
{
    char path[4096];
    static rp_rsa_key *priv, *pub;
    if (priv == NULL) {
        snprintf(path, sizeof path, "%s/A-unknown-plain/keys/client-private.pem", vectors);
        if (rp_rsa_key_load_private_file(path, NULL, &priv, NULL) != 0) return 1;
        snprintf(path, sizeof path, "%s/A-unknown-plain/keys/client-public.pem", vectors);
        if (rp_rsa_key_load_public_file(path, &pub, NULL) != 0) return 1;
    }
    memset(c, 0, sizeof *c);
    c->now = 1795667583u;
    c->rng = 42;
    residue_server_config sc;
    residue_server_config_defaults(&sc);
    sc.client_age = 120;
    sc.non_acknowledged_client_age = 120;
    sc.client_integrity_task_interval = 60;
    static residue_managed_client m = { "bench-managed", NULL, 0 }; /* the server borrows it */
    m.public_key = pub;
    if (rsa) {
        sc.server_private_key = priv;
        sc.managed_clients = &m;
        sc.managed_count = 1;
    }
    rp_error e;
    if (residue_server_create(&sc, sess_clock, c, sess_rng, c, &c->srv, &e) != 0 ||
        residue_client_create(&(residue_client_config){ rsa ? m.client_id : NULL, priv,
                                                        rsa ? pub : NULL, 0, 0 },
                              sess_clock, c, sess_rng, c, &c->cl, &e) != 0) {
        fprintf(stderr, "bench_envelope: sessions: %s\n", e.message);
        return 1;
    }
    int hr = sess_handshake(c);
    if (hr != 0) {
        fprintf(stderr, "bench_envelope: sessions: handshake step %d failed\n", hr);
        return 1;
    }
    /* the record: the 1 KiB log request's fields */
    residue_log_request_init(&c->rec);
    static uint8_t arena_buf[4096];
    rp_arena arena;
    rp_arena_init(&arena, arena_buf, sizeof arena_buf);
    if (residue_log_request_decode(plain, plain_len, &c->rec, &arena, NULL, &e) != 0) {
        fprintf(stderr, "bench_envelope: sessions: the log record: %s\n", e.message);
        return 1;
    }
    c->rec.timestamp = 0; /* the client stamps it with its clock */
    c->rec.has_timestamp = false;
    return 0;
}

static void sess_free(sess_ctx *c)
{
    residue_client_free(c->cl);
    residue_server_free(c->srv);
}

static int sess_bench(const bench_config *cfg, const char *vectors, const char *plain,
                      size_t plain_len, long cg_iters)
{
    static sess_ctx plain_cx, rsa_cx;
    if (sess_setup(&plain_cx, vectors, false, plain, plain_len) != 0 ||
        sess_setup(&rsa_cx, vectors, true, plain, plain_len) != 0) {
        fprintf(stderr, "bench_envelope: cannot set up the sessions\n");
        return 1;
    }
    int failures = 0;
    static const struct { const char *name; int kind; bool zlib; } ops[] = {
        { "session_handshake", 0, false }, { "session_handshake_rsa", 1, false },
        { "session_log", 2, false },       { "session_log_zlib", 2, true },
        { "session_server_log", 3, false }, { "session_server_log_zlib", 3, true },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        sess_ctx *c = ops[i].kind == 1 ? &rsa_cx : &plain_cx;
        c->zlib = ops[i].zlib;
        bench_fn fn = ops[i].kind <= 1 ? sess_handshake : ops[i].kind == 2 ? sess_log : sess_server_only;
        if (ops[i].kind == 3) {
            residue_client_set_compression(c->cl, c->zlib);
            size_t n = 0;
            if (residue_client_build_log(c->cl, &c->rec, 1, c->pkt, sizeof c->pkt, &n, NULL) != 0) {
                fprintf(stderr, "bench_envelope: %s: cannot build the packet\n", ops[i].name);
                return 1;
            }
            c->pkt_len = n - 4;
        }
        if (cg_iters > 0) {
            char label[128];
            snprintf(label, sizeof label, "%s:ours", ops[i].name);
            long it = ops[i].kind <= 1 ? (cg_iters / 10 > 0 ? cg_iters / 10 : 1) : cg_iters;
            if (bench_callgrind_run(label, fn, c, it) != 0) return 1;
            continue;
        }
        bench_impl impl = { "ours", fn, c, 0 };
        if (bench_compare(cfg, ops[i].name, &impl, 1) != 0) {
            failures++;
            continue;
        }
        printf("bench: %s ours=%.0fns peer=none:n/a ratio=n/a\n", ops[i].name, impl.ns_per_op);
    }
    sess_free(&plain_cx);
    sess_free(&rsa_cx);
    return failures;
}

/* A log request of exactly PLAIN_LEN bytes: the vector's shape, msg padded with text. */
static size_t make_log_request(char *buf, size_t cap)
{
    static const char words[] = "connection from 127.0.0.1 accepted; worker 7 handled request "
                                "GET /api/v1/items?page=3 in 12 ms, cache hit ratio 0.93; ";
    const char *head = "{\"_t\":1795667583,\"datetime\":1795667583123,\"logger\":\"default\",\"msg\":\"";
    const char *tail = "\",\"file\":\"app.c\",\"line\":101,\"func\":\"main\",\"app\":\"conformance\","
                       "\"level\":128,\"vlevel\":0}";
    size_t hl = strlen(head), tl = strlen(tail), ml = PLAIN_LEN - hl - tl;
    if (PLAIN_LEN + 1 > cap)
        return 0;
    memcpy(buf, head, hl);
    for (size_t i = 0; i < ml; i++)
        buf[hl + i] = words[i % (sizeof words - 1)];
    memcpy(buf + hl + ml, tail, tl + 1);
    return PLAIN_LEN;
}

int main(int argc, char **argv)
{
    const char *vectors = "../shared/vectors";
    long cg_iters = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc)
            vectors = argv[++i];
        else if (strcmp(argv[i], "--callgrind") == 0 && i + 1 < argc)
            cg_iters = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--vectors DIR] [--callgrind ITERS]\n", argv[0]);
            return 2;
        }
    }
    bench_config cfg;
    bench_config_from_env(&cfg);

    char path[4096];
    snprintf(path, sizeof path, "%s/A-unknown-plain/keys/session-key.%s.hex", vectors, CLIENT_ID);
    size_t hex_len;
    char *hex = bench_read_file(path, &hex_len);
    static char plain[PLAIN_LEN + 1];
    size_t plain_len = make_log_request(plain, sizeof plain);

    static env_ctx ours, flo, percall, check, any;
    env_ctx *all[] = { &ours, &flo, &percall, &check, &any };
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    if (cipher == NULL || cctx == NULL)
        return 1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (rp_aes_key_from_hex(&all[i]->key, hex, hex_len, NULL) != 0 || all[i]->key.len != 32) {
            fprintf(stderr, "bench_envelope: bad key in %s\n", path);
            return 1;
        }
        all[i]->cipher = cipher;
        all[i]->cctx = cctx;
        all[i]->plain = plain;
        all[i]->plain_len = plain_len;
    }
    percall.per_call = true;

    int failures = 0;
    for (int z = 0; z < 2; z++) {
        const char *suffix = z ? "_zlib" : "";
        /* Same bytes? With one fixed IV, ours and the floor must seal identically and each
         * must open the other's packet. */
        static char ours_pkt[PKT_CAP], floor_pkt[PKT_CAP];
        size_t ours_len, floor_len;
        check.zlib = z;
        check.fixed_iv = true;
        if (ours_seal(&check) != 0) {
            fprintf(stderr, "bench_envelope: ours cannot seal%s\n", suffix);
            return 1;
        }
        memcpy(ours_pkt, check.out, check.out_len);
        ours_len = check.out_len;
        if (floor_seal(&check) != 0)
            return 1;
        memcpy(floor_pkt, check.out, check.out_len);
        floor_len = check.out_len;
        if (ours_len != floor_len || memcmp(ours_pkt, floor_pkt, ours_len) != 0)
            printf("# note: seal%s: ours and the floor differ (%zu vs %zu bytes)\n", suffix,
                   ours_len, floor_len);
        check.pkt = floor_pkt;
        check.pkt_len = floor_len;
        if (ours_open(&check) != 0 || check.out_len != plain_len
            || memcmp(check.out, plain, plain_len) != 0) {
            fprintf(stderr, "bench_envelope: ours cannot open the floor's packet%s\n", suffix);
            return 1;
        }
        check.pkt = ours_pkt;
        check.pkt_len = ours_len;
        if (floor_open(&check) != 0 || check.out_len != plain_len) {
            fprintf(stderr, "bench_envelope: the floor cannot open our packet%s\n", suffix);
            return 1;
        }
        printf("# envelope%s: %zu-byte log request -> %zu-byte packet\n", suffix, plain_len,
               ours_len);

        for (int op = 0; op < 2; op++) {
            env_ctx *used[] = { &ours, &flo, &percall, &any };
            for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
                used[i]->zlib = z;
                used[i]->pkt = ours_pkt;
                used[i]->pkt_len = ours_len;
            }
            bench_impl impls[4] = {
                { "ours", op ? ours_open : ours_seal, &ours, 0 },
                { "openssl-floor", op ? floor_open : floor_seal, &flo, 0 },
                { "openssl-percall", op ? floor_open : floor_seal, &percall, 0 },
                { "ours-any", ours_open_any, &any, 0 },
            };
            size_t nimpl = op ? 4 : 3;
            char name[64];
            snprintf(name, sizeof name, "envelope_%s%s", op ? "open" : "seal", suffix);
            if (cg_iters > 0) {
                for (size_t i = 0; i < nimpl; i++) {
                    char label[128];
                    snprintf(label, sizeof label, "%s:%s", name, impls[i].name);
                    if (bench_callgrind_run(label, impls[i].fn, impls[i].ctx, cg_iters) != 0)
                        return 1;
                }
                continue;
            }
            if (bench_compare(&cfg, name, impls, nimpl) != 0) {
                failures++;
                continue;
            }
            for (size_t i = 1; i < nimpl; i++)
                bench_report(name, impls[0].ns_per_op, impls[i].name, impls[i].ns_per_op, "ns");
        }
    }
    failures += sess_bench(&cfg, vectors, plain, plain_len, cg_iters);
    EVP_CIPHER_CTX_free(cctx);
    EVP_CIPHER_free(cipher);
    free(hex);
    return failures == 0 ? 0 : 1;
}
