/* compat-wire: what the official clients send that residue-server must take as the real server
 * does, and what it must refuse as the real server does, over loopback. An independent client
 * (tests/hostile/wire.c: OpenSSL + zlib, not the rproto runtime). tests/scripts/compat-wire.sh
 * drives it and checks the server's log file.
 *
 *   compat-wire --connect-port N [--server-pub PEM] CMD ...
 *     java PEM PRIV|- MSG      unmanaged CONNECT exactly as residue-java builds it (key_size
 *                              128, rsa_public_key = Base64.DEFAULT of the PEM text: 76-column
 *                              lines, "\n" and "\u003d" escapes as Gson writes them; RSA to
 *                              --server-pub when given, that base64 wrapped too). The reply must
 *                              be an RSA block of the key's size (not raw text, not JSON). With
 *                              PRIV the hello is opened, then ACK and TOUCH (uppercase IV, wrapped
 *                              base64) and one log line MSG follow, each answered as expected.
 *     badkeys PUB              unmanaged CONNECTs with keys made from PUB's modulus: e=1, e=2,
 *                              e=4, a 2047-bit e, e=2^32+1, e>n, an even n, a 512-bit n, a
 *                              16400-bit n; each must get the raw refusal text, and quickly.
 *     log PRIV ID|- LOGGER MSG one handshake (managed ID, or unmanaged with PRIV's public key),
 *                              one log line to LOGGER ("-": no logger key); prints the reply r
 *     longline PRIV N          one handshake, one uncompressed log line of N bytes; prints r
 * Exit 0 when every expectation held; the reason of a failure on stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "wire.h"

static uint16_t g_port;
static EVP_PKEY *g_server_pub;

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "compat-wire: FAIL: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

/* Base64.DEFAULT (76-column lines, each ending "\n") of in, as Gson writes it in a JSON
 * string: newlines as \n, '=' as \u003d. malloc'd. */
static char *java_b64_json(const uint8_t *in, size_t len)
{
    size_t bl = 0;
    char *b = hw_b64(in, len, &bl);
    if (b == NULL) return NULL;
    char *out = malloc(bl * 2 + bl / 76 * 2 + 16);
    size_t o = 0;
    for (size_t i = 0; out != NULL && i < bl; i++) {
        if (b[i] == '=') { memcpy(out + o, "\\u003d", 6); o += 6; }
        else out[o++] = b[i];
        if ((i + 1) % 76 == 0 || i + 1 == bl) { out[o++] = '\\'; out[o++] = 'n'; }
    }
    if (out != NULL) out[o] = '\0';
    free(b);
    return out;
}

/* Java's envelope: hw_seal's packet with the IV in uppercase and the base64 after the
 * second ':' wrapped at 76 characters with '\n', a final '\n' before the delimiter. */
static char *java_envelope(const hw_session *s, const char *json, size_t *len)
{
    size_t wl = 0;
    char *w = hw_seal(s, NULL, NULL, (const uint8_t *)json, strlen(json), &wl);
    if (w == NULL) return NULL;
    size_t body = wl - HW_DELIM_LEN;
    char *out = malloc(wl * 2 + 8);
    size_t o = 0, colons = 0, since = 0;
    for (size_t i = 0; out != NULL && i < body; i++) {
        char c = w[i];
        if (i < 32 && c >= 'a' && c <= 'f') c = (char)(c - 'a' + 'A');
        out[o++] = c;
        if (c == ':') colons++;
        else if (colons == 2 && ++since % 76 == 0) out[o++] = '\n';
    }
    if (out != NULL) {
        out[o++] = '\n';
        memcpy(out + o, HW_DELIM, HW_DELIM_LEN);
        o += HW_DELIM_LEN;
        *len = o;
    }
    free(w);
    return out;
}

/* Sends pkt[0..len) on c and reads one reply (static buffer of c). */
static const char *roundtrip(hw_conn *c, const char *pkt, size_t len, size_t *rl)
{
    const char *r = NULL;
    if (hw_send_all(c, pkt, len, 5000) != 0 || hw_read_packet(c, &r, rl, 10000) != HW_GOT) return NULL;
    return r;
}

static int cmd_java(const char *pem_path, const char *priv_path, const char *msg)
{
    size_t pem_len = 0;
    char *pem = hw_read_file(pem_path, &pem_len);
    if (pem == NULL) return fail("cannot read", pem_path);
    char *b64 = java_b64_json((const uint8_t *)pem, pem_len);
    free(pem);
    size_t jcap = strlen(b64) + 128;
    char *json = malloc(jcap);
    snprintf(json, jcap, "{\"_t\":%llu,\"type\":1,\"key_size\":128,\"rsa_public_key\":\"%s\"}",
             (unsigned long long)hw_now(), b64);
    free(b64);
    char *pkt;
    size_t pl;
    if (g_server_pub != NULL) {
        size_t cl = 0;
        uint8_t *ct = hw_rsa_encrypt(g_server_pub, (const uint8_t *)json, strlen(json), &cl);
        if (ct == NULL) return fail("RSA-encrypting the CONNECT", NULL);
        size_t bl = 0;
        char *b = hw_b64(ct, cl, &bl);
        free(ct);
        pkt = malloc(bl + bl / 76 + 8);
        pl = 0;
        for (size_t i = 0; i < bl; i++) {
            pkt[pl++] = b[i];
            if ((i + 1) % 76 == 0) pkt[pl++] = '\n';
        }
        pkt[pl++] = '\n';
        free(b);
    } else {
        pkt = strdup(json);
        pl = strlen(json);
    }
    free(json);
    char *framed = malloc(pl + HW_DELIM_LEN);
    memcpy(framed, pkt, pl);
    memcpy(framed + pl, HW_DELIM, HW_DELIM_LEN);
    free(pkt);
    hw_conn *c = hw_connect(g_port);
    if (c == NULL) return fail("connect", NULL);
    size_t rl = 0;
    const char *hello = roundtrip(c, framed, pl + HW_DELIM_LEN, &rl);
    free(framed);
    if (hello == NULL) return fail("CONNECT: no reply", NULL);
    /* an RSA block of a 2048-bit key: 344 base64 characters, ends "=="; not JSON, not text */
    if (rl != 344 || hello[0] == '{' || strchr(hello, ' ') != NULL)
        return fail("CONNECT: the reply is not an RSA-sealed hello", hello);
    if (strcmp(priv_path, "-") == 0) {
        hw_close(c);
        printf("compat-wire: java %s: hello sealed (%zu base64 chars)%s\n", pem_path, rl,
               g_server_pub ? ", CONNECT was RSA" : "");
        return 0;
    }
    hw_client cl;
    memset(&cl, 0, sizeof cl);
    cl.priv = hw_load_key(priv_path, 1);
    if (cl.priv == NULL) return fail("cannot load", priv_path);
    char *plain = hw_open_rsa(&cl, hello, rl);
    EVP_PKEY_free(cl.priv);
    if (plain == NULL) return fail("CONNECT: the hello does not open with the private key", NULL);
    hw_session s;
    memset(&s, 0, sizeof s);
    char keyhex[80];
    if (hw_json_str(plain, "client_id", s.client_id, sizeof s.client_id) != 0 ||
        hw_json_str(plain, "key", keyhex, sizeof keyhex) != 0 ||
        hw_unhex(keyhex, strlen(keyhex), s.key, sizeof s.key) != 16)
        return fail("CONNECT: not a hello with a 128-bit key", plain);
    s.key_len = 16;
    free(plain);
    for (int type = 2; type <= 3; type++) {
        char js[256];
        snprintf(js, sizeof js, "{\"_t\":%llu,\"type\":%d,\"client_id\":\"%s\"}",
                 (unsigned long long)hw_now(), type, s.client_id);
        size_t el = 0;
        char *env = java_envelope(&s, js, &el);
        const char *r = roundtrip(c, env, el, &rl);
        free(env);
        char *est = r ? hw_open(&s, r, rl) : NULL;
        uint64_t ack = 0, port = 0;
        if (est == NULL || hw_json_u64(est, "ack", &ack) != 0 || ack != 1 ||
            hw_json_u64(est, "logging_port", &port) != 0)
            return fail(type == 2 ? "ACK: no established reply" : "TOUCH: no established reply", r);
        s.logging_port = (uint16_t)port;
        free(est);
    }
    hw_close(c);
    hw_conn *lc = hw_connect(s.logging_port);
    if (lc == NULL) return fail("connect to the logging port", NULL);
    char line[1024];
    unsigned long long t = hw_now();
    snprintf(line, sizeof line, "{\"datetime\":%llu000,\"logger\":\"default\",\"msg\":\"%s\",\"file\":\"App.java\","
             "\"line\":12,\"func\":\"main\",\"app\":\"java-app\",\"level\":128,\"vlevel\":0,\"thread\":\"main\",\"_t\":%llu}",
             t, msg, t);
    size_t el = 0;
    char *env = java_envelope(&s, line, &el);
    const char *r = roundtrip(lc, env, el, &rl);
    free(env);
    hw_close(lc);
    if (r == NULL || strcmp(r, "{\"r\":0}") != 0) return fail("log line not accepted", r);
    printf("compat-wire: java %s as %s: hello, ACK, TOUCH, log {\"r\":0}%s\n", pem_path, s.client_id,
           g_server_pub ? " (RSA CONNECT)" : "");
    return 0;
}

/* SPKI PEM of (n, e), written by OpenSSL whatever the numbers. malloc'd. */
static char *pem_of(const BIGNUM *n, const BIGNUM *e)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;
    char *out = NULL;
    if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) > 0) {
        BIO *mem = BIO_new(BIO_s_mem());
        char *data = NULL;
        if (PEM_write_bio_PUBKEY(mem, k) == 1) {
            long len = BIO_get_mem_data(mem, &data);
            out = malloc((size_t)len + 1);
            memcpy(out, data, (size_t)len);
            out[len] = '\0';
        }
        BIO_free(mem);
    }
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return out;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmd_badkeys(const char *pub_path)
{
    EVP_PKEY *base = hw_load_key(pub_path, 0);
    BIGNUM *n0 = NULL;
    if (base == NULL || EVP_PKEY_get_bn_param(base, OSSL_PKEY_PARAM_RSA_N, &n0) != 1)
        return fail("cannot read the modulus of", pub_path);
    EVP_PKEY_free(base);
    static const char *const names[] = {"e=1", "e=2", "e=4", "2047-bit e", "e=2^32+1", "e>n",
                                        "even n", "512-bit n", "16400-bit n"};
    const char *refused = "Could not load public key";
    const char *small = "RSA/EME-PKCS1-v1_5: message length of 167 exceeds the maximum of 53 for this public key";
    int bad = 0;
    hw_conn *c = hw_connect(g_port);
    if (c == NULL) return fail("connect", NULL);
    for (int k = 0; k < 9; k++) {
        BIGNUM *n = BN_dup(n0), *e = BN_new();
        BN_set_word(e, 65537);
        switch (k) {
        case 0: BN_set_word(e, 1); break;
        case 1: BN_set_word(e, 2); break;
        case 2: BN_set_word(e, 4); break;
        case 3: BN_rand(e, 2047, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD); break;
        case 4: BN_set_word(e, 1); BN_lshift(e, e, 32); BN_add_word(e, 1); break;
        case 5: BN_copy(e, n); BN_add_word(e, 2); break;
        case 6: BN_sub_word(n, 1); break;
        case 7: BN_rand(n, 512, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD); break;
        default: BN_rand(n, 16400, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD); break;
        }
        char *pem = pem_of(n, e);
        BN_free(n);
        BN_free(e);
        if (pem == NULL) { bad |= fail("could not make key", names[k]); continue; }
        size_t bl = 0;
        char *b = hw_b64((const uint8_t *)pem, strlen(pem), &bl);
        free(pem);
        size_t cap = bl + 128;
        char *req = malloc(cap);
        int len = snprintf(req, cap, "{\"_t\":%llu,\"type\":1,\"rsa_public_key\":\"%s\"}" HW_DELIM,
                           (unsigned long long)hw_now(), b);
        free(b);
        double t0 = now_s();
        size_t rl = 0;
        const char *r = roundtrip(c, req, (size_t)len, &rl);
        double ms = (now_s() - t0) * 1000.0;
        free(req);
        const char *want = k == 7 ? small : refused;
        if (r == NULL || strcmp(r, want) != 0) {
            bad |= fail(names[k], r ? r : "no reply");
        } else {
            printf("compat-wire: %-12s -> \"%s\" (%.2f ms)\n", names[k], r, ms);
        }
    }
    hw_close(c);
    BN_free(n0);
    return bad;
}

/* Handshake for `log` and `longline`: managed id, or unmanaged with priv's public key. */
static int handshake(const char *priv_path, const char *id, hw_session *s)
{
    hw_client cl;
    memset(&cl, 0, sizeof cl);
    cl.connect_port = g_port;
    cl.priv = hw_load_key(priv_path, 1);
    if (cl.priv == NULL) return fail("cannot load", priv_path);
    char err[300] = "";
    int rc;
    if (id == NULL) {
        BIO *mem = BIO_new(BIO_s_mem());
        char *data = NULL;
        PEM_write_bio_PUBKEY(mem, cl.priv);
        long len = BIO_get_mem_data(mem, &data);
        size_t bl = 0;
        cl.pub_b64 = hw_b64((const uint8_t *)data, (size_t)len, &bl);
        BIO_free(mem);
        rc = hw_handshake(&cl, s, err, sizeof err);
    } else {
        hw_conn *c = hw_connect(g_port);
        char req[256];
        int len = snprintf(req, sizeof req, "{\"_t\":%llu,\"type\":1,\"client_id\":\"%s\"}" HW_DELIM,
                           (unsigned long long)hw_now(), id);
        size_t rl = 0;
        const char *r = c ? roundtrip(c, req, (size_t)len, &rl) : NULL;
        char *hello = r ? hw_open_rsa(&cl, r, rl) : NULL;
        char keyhex[80];
        memset(s, 0, sizeof *s);
        int kl = -1;
        if (hello != NULL && hw_json_str(hello, "client_id", s->client_id, sizeof s->client_id) == 0 &&
            hw_json_str(hello, "key", keyhex, sizeof keyhex) == 0)
            kl = hw_unhex(keyhex, strlen(keyhex), s->key, sizeof s->key);
        free(hello);
        s->key_len = kl > 0 ? (size_t)kl : 0;
        rc = kl > 0 ? hw_ack_step(c, s, err, sizeof err) : -1;
        if (kl <= 0) snprintf(err, sizeof err, "managed CONNECT: no hello: %.200s", r ? r : "no reply");
        hw_close(c);
    }
    free(cl.pub_b64);
    EVP_PKEY_free(cl.priv);
    return rc == 0 ? 0 : fail("handshake", err);
}

static int cmd_log(const char *priv, const char *id, const char *logger, const char *msg)
{
    hw_session s;
    if (handshake(priv, strcmp(id, "-") == 0 ? NULL : id, &s) != 0) return 1;
    hw_conn *lc = hw_connect(s.logging_port);
    char line[1024], lg[200] = "";
    if (strcmp(logger, "-") != 0) snprintf(lg, sizeof lg, ",\"logger\":\"%s\"", logger);
    int n = snprintf(line, sizeof line, "{\"_t\":%llu,\"datetime\":%llu000%s,\"msg\":\"%s\",\"level\":128}",
                     (unsigned long long)hw_now(), (unsigned long long)hw_now(), lg, msg);
    int r = lc ? hw_log(lc, &s, line, (size_t)n, 1, 5000) : -1;
    hw_close(lc);
    printf("%d\n", r);
    return r < 0;
}

static int cmd_longline(const char *priv, size_t n)
{
    hw_session s;
    if (handshake(priv, NULL, &s) != 0) return 1;
    hw_conn *lc = hw_connect(s.logging_port);
    char *line = malloc(n + 256);
    int head = snprintf(line, 256, "{\"_t\":%llu,\"datetime\":%llu000,\"logger\":\"long\",\"msg\":\"",
                        (unsigned long long)hw_now(), (unsigned long long)hw_now());
    memset(line + head, 'x', n);
    memcpy(line + (size_t)head + n, "\",\"level\":128}", 15);
    int r = lc ? hw_log(lc, &s, line, strlen(line), 0, 10000) : -1;
    free(line);
    hw_close(lc);
    printf("%d\n", r);
    return r < 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--connect-port") == 0) g_port = (uint16_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--server-pub") == 0) g_server_pub = hw_load_key(argv[i + 1], 0);
        else return fail("unknown option", argv[i]);
    }
    if (g_port == 0 || i >= argc) {
        fprintf(stderr, "usage: compat-wire --connect-port N [--server-pub PEM] java|badkeys|log|longline ...\n");
        return 2;
    }
    const char *cmd = argv[i];
    int left = argc - i - 1;
    char **a = argv + i + 1;
    int rc;
    if (strcmp(cmd, "java") == 0 && left == 3) rc = cmd_java(a[0], a[1], a[2]);
    else if (strcmp(cmd, "badkeys") == 0 && left == 1) rc = cmd_badkeys(a[0]);
    else if (strcmp(cmd, "log") == 0 && left == 4) rc = cmd_log(a[0], a[1], a[2], a[3]);
    else if (strcmp(cmd, "longline") == 0 && left == 2) rc = cmd_longline(a[0], (size_t)strtoull(a[1], NULL, 10));
    else rc = fail("bad command line for", cmd);
    EVP_PKEY_free(g_server_pub);
    return rc;
}
