/* wire: independent residue client toolkit (see wire.h). */
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <zlib.h>

/* ---- sockets --------------------------------------------------------------------------- */

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)(t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

hw_conn *hw_connect(uint16_t port)
{
    hw_conn *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) { free(c); return NULL; }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Non-blocking connect with a timeout, then back to blocking. */
    int fl = fcntl(c->fd, F_GETFL);
    (void)fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
    int rc = connect(c->fd, (struct sockaddr *)&a, sizeof a);
    if (rc < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (poll(&p, 1, 5000) == 1 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
            soerr == 0) {
            rc = 0;
        } else {
            errno = soerr ? soerr : ETIMEDOUT;
        }
    }
    if (rc < 0) {
        int e = errno;
        close(c->fd);
        free(c);
        errno = e;
        return NULL;
    }
    (void)fcntl(c->fd, F_SETFL, fl);
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

void hw_close(hw_conn *c)
{
    if (c == NULL) return;
    close(c->fd);
    free(c);
}

void hw_reset(hw_conn *c)
{
    if (c == NULL) return;
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    hw_close(c);
}

int hw_send_all(hw_conn *c, const void *buf, size_t len, int timeout_ms)
{
    const char *p = buf;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (len > 0) {
        long left = timeout_ms - ms_since(&t0);
        if (left <= 0) return -1;
        struct pollfd pf = {.fd = c->fd, .events = POLLOUT};
        int pr = poll(&pf, 1, (int)left);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) return -1;
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

hw_read_status hw_read_packet(hw_conn *c, const char **out, size_t *out_len, int timeout_ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        for (size_t i = 0; i + HW_DELIM_LEN <= c->have; i++) {
            if (memcmp(c->buf + i, HW_DELIM, HW_DELIM_LEN) == 0) {
                memcpy(c->pkt, c->buf, i);
                c->pkt[i] = '\0';
                c->have -= i + HW_DELIM_LEN;
                memmove(c->buf, c->buf + i + HW_DELIM_LEN, c->have);
                *out = c->pkt;
                *out_len = i;
                return HW_GOT;
            }
        }
        if (c->have >= HW_REPLY_MAX) return HW_TOOBIG;
        long left = timeout_ms - ms_since(&t0);
        if (left <= 0) return HW_TIMEOUT;
        struct pollfd pf = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&pf, 1, (int)left);
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) return HW_TIMEOUT;
        if (pr < 0) return HW_IOERR;
        ssize_t n = recv(c->fd, c->buf + c->have, HW_REPLY_MAX - c->have, 0);
        if (n == 0) return HW_CLOSED;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return HW_IOERR;
        }
        c->have += (size_t)n;
    }
}

/* ---- encodings ------------------------------------------------------------------------- */

char *hw_b64(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t n = 4 * ((len + 2) / 3);
    char *out = malloc(n + 1);
    if (out == NULL) return NULL;
    int w = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    out[w] = '\0';
    if (out_len) *out_len = (size_t)w;
    return out;
}

uint8_t *hw_unb64(const char *in, size_t len, size_t *out_len)
{
    char *clean = malloc(len + 1);
    if (clean == NULL) return NULL;
    size_t n = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t') continue;
        clean[n++] = ch;
    }
    if (n % 4 != 0) { free(clean); return NULL; }
    if (n >= 1 && clean[n - 1] == '=') pad++;
    if (n >= 2 && clean[n - 2] == '=') pad++;
    uint8_t *out = malloc(n / 4 * 3 + 1);
    if (out == NULL) { free(clean); return NULL; }
    int r = EVP_DecodeBlock(out, (unsigned char *)clean, (int)n);
    free(clean);
    if (r < 0) { free(out); return NULL; }
    if (out_len) *out_len = (size_t)r - pad;
    return out;
}

void hw_hex(const uint8_t *in, size_t len, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

int hw_unhex(const char *in, size_t len, uint8_t *out, size_t cap)
{
    if (len % 2 != 0 || len / 2 > cap) return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return (int)(len / 2);
}

/* ---- crypto ---------------------------------------------------------------------------- */

char *hw_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (nb == NULL) { free(buf); buf = NULL; break; }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf == NULL) return NULL;
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

EVP_PKEY *hw_load_key(const char *path, int is_private)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    EVP_PKEY *k = is_private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                             : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

uint8_t *hw_aes(int enc, const uint8_t *key, size_t key_len, const uint8_t iv[16],
                const uint8_t *in, size_t len, size_t *out_len)
{
    const EVP_CIPHER *ciph = key_len == 16 ? EVP_aes_128_cbc()
                           : key_len == 24 ? EVP_aes_192_cbc()
                           : key_len == 32 ? EVP_aes_256_cbc() : NULL;
    if (ciph == NULL) return NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t *out = malloc(len + 32);
    int a = 0, b = 0, ok = ctx != NULL && out != NULL;
    ok = ok && EVP_CipherInit_ex(ctx, ciph, NULL, key, iv, enc) == 1;
    ok = ok && EVP_CipherUpdate(ctx, out, &a, in, (int)len) == 1;
    ok = ok && EVP_CipherFinal_ex(ctx, out + a, &b) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) { free(out); return NULL; }
    *out_len = (size_t)(a + b);
    return out;
}

static uint8_t *rsa_op(EVP_PKEY *k, int enc, const uint8_t *in, size_t len, size_t *out_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    uint8_t *out = NULL;
    size_t n = 0;
    int ok = ctx != NULL;
    ok = ok && (enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1;
    ok = ok && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    ok = ok && (enc ? EVP_PKEY_encrypt(ctx, NULL, &n, in, len)
                    : EVP_PKEY_decrypt(ctx, NULL, &n, in, len)) == 1;
    ok = ok && (out = malloc(n + 1)) != NULL;
    ok = ok && (enc ? EVP_PKEY_encrypt(ctx, out, &n, in, len)
                    : EVP_PKEY_decrypt(ctx, out, &n, in, len)) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) { free(out); return NULL; }
    out[n] = 0;
    *out_len = n;
    return out;
}

uint8_t *hw_rsa_encrypt(EVP_PKEY *pub, const uint8_t *in, size_t len, size_t *out_len)
{
    return rsa_op(pub, 1, in, len, out_len);
}

uint8_t *hw_rsa_decrypt(EVP_PKEY *priv, const uint8_t *in, size_t len, size_t *out_len)
{
    return rsa_op(priv, 0, in, len, out_len);
}

uint8_t *hw_zlib(const uint8_t *in, size_t len, size_t *out_len)
{
    uLongf n = compressBound((uLong)len);
    uint8_t *out = malloc(n);
    if (out == NULL) return NULL;
    if (compress2(out, &n, in, (uLong)len, 6) != Z_OK) { free(out); return NULL; }
    *out_len = n;
    return out;
}

/* ---- JSON field readers ---------------------------------------------------------------- */

static const char *find_key(const char *json, const char *key)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? p + strlen(pat) : NULL;
}

int hw_json_str(const char *json, const char *key, char *out, size_t cap)
{
    const char *p = find_key(json, key);
    if (p == NULL || *p != '"') return -1;
    p++;
    const char *e = strchr(p, '"');
    if (e == NULL || (size_t)(e - p) >= cap) return -1;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 0;
}

int hw_json_u64(const char *json, const char *key, uint64_t *out)
{
    const char *p = find_key(json, key);
    if (p == NULL || *p < '0' || *p > '9') return -1;
    *out = strtoull(p, NULL, 10);
    return 0;
}

/* ---- client session -------------------------------------------------------------------- */

uint64_t hw_now(void)
{
    return (uint64_t)time(NULL);
}

int hw_client_init(hw_client *cl, uint16_t connect_port, const char *client_priv_pem,
                   const char *client_pub_pem, const char *server_pub_pem)
{
    memset(cl, 0, sizeof *cl);
    cl->connect_port = connect_port;
    cl->priv = hw_load_key(client_priv_pem, 1);
    size_t pl = 0;
    char *pem = hw_read_file(client_pub_pem, &pl);
    if (cl->priv == NULL || pem == NULL) {
        fprintf(stderr, "wire: cannot load client keys %s / %s\n", client_priv_pem, client_pub_pem);
        free(pem);
        return -1;
    }
    cl->pub_b64 = hw_b64((const uint8_t *)pem, pl, NULL);
    free(pem);
    if (server_pub_pem != NULL) {
        cl->server_pub = hw_load_key(server_pub_pem, 0);
        if (cl->server_pub == NULL) {
            fprintf(stderr, "wire: cannot load server public key %s\n", server_pub_pem);
            return -1;
        }
    }
    return 0;
}

void hw_client_free(hw_client *cl)
{
    EVP_PKEY_free(cl->priv);
    EVP_PKEY_free(cl->server_pub);
    free(cl->pub_b64);
    memset(cl, 0, sizeof *cl);
}

char *hw_seal(const hw_session *s, const char *envelope_id, const uint8_t *iv,
              const uint8_t *plain, size_t plain_len, size_t *len)
{
    uint8_t ivb[16];
    if (iv != NULL) memcpy(ivb, iv, 16);
    else if (RAND_bytes(ivb, 16) != 1) return NULL;
    size_t cl = 0, bl = 0;
    uint8_t *ct = hw_aes(1, s->key, s->key_len, ivb, plain, plain_len, &cl);
    if (ct == NULL) return NULL;
    char *b = hw_b64(ct, cl, &bl);
    free(ct);
    if (b == NULL) return NULL;
    const char *id = envelope_id ? envelope_id : s->client_id;
    size_t n = 32 + 1 + strlen(id) + 1 + bl + HW_DELIM_LEN;
    char *out = malloc(n + 1);
    if (out != NULL) {
        char ivh[33];
        hw_hex(ivb, 16, ivh);
        snprintf(out, n + 1, "%s:%s:%s" HW_DELIM, ivh, id, b);
        *len = n;
    }
    free(b);
    return out;
}

char *hw_open(const hw_session *s, const char *pkt, size_t len)
{
    uint8_t iv[16];
    if (len < 34 || pkt[32] != ':' || hw_unhex(pkt, 32, iv, sizeof iv) != 16) return NULL;
    size_t bl = 0, pl = 0;
    uint8_t *ct = hw_unb64(pkt + 33, len - 33, &bl);
    if (ct == NULL) return NULL;
    uint8_t *pt = hw_aes(0, s->key, s->key_len, iv, ct, bl, &pl);
    free(ct);
    if (pt == NULL) return NULL;
    char *out = malloc(pl + 1);
    if (out != NULL) {
        memcpy(out, pt, pl);
        out[pl] = '\0';
    }
    free(pt);
    return out;
}

char *hw_open_rsa(const hw_client *cl, const char *pkt, size_t len)
{
    size_t bl = 0, pl = 0;
    uint8_t *ct = hw_unb64(pkt, len, &bl);
    if (ct == NULL) return NULL;
    uint8_t *pt = hw_rsa_decrypt(cl->priv, ct, bl, &pl);
    free(ct);
    return (char *)pt; /* NUL-terminated by rsa_op */
}

int hw_connect_step(const hw_client *cl, hw_conn *c, hw_session *s, unsigned key_size,
                    char *err, size_t errcap)
{
    memset(s, 0, sizeof *s);
    size_t n = strlen(cl->pub_b64) + 128;
    char *req = malloc(n);
    if (req == NULL) return -1;
    int len;
    if (key_size != 0) {
        len = snprintf(req, n, "{\"_t\":%llu,\"type\":1,\"key_size\":%u,\"rsa_public_key\":\"%s\"}" HW_DELIM,
                       (unsigned long long)hw_now(), key_size, cl->pub_b64);
    } else {
        len = snprintf(req, n, "{\"_t\":%llu,\"type\":1,\"rsa_public_key\":\"%s\"}" HW_DELIM,
                       (unsigned long long)hw_now(), cl->pub_b64);
    }
    int rc = hw_send_all(c, req, (size_t)len, 5000);
    free(req);
    if (rc != 0) { snprintf(err, errcap, "CONNECT: send failed"); return -1; }
    const char *pkt;
    size_t pl;
    hw_read_status st = hw_read_packet(c, &pkt, &pl, 10000);
    if (st != HW_GOT) { snprintf(err, errcap, "CONNECT: no hello (%d)", (int)st); return -1; }
    char *hello = hw_open_rsa(cl, pkt, pl);
    if (hello == NULL) { snprintf(err, errcap, "CONNECT: reply is not an RSA hello: %.200s", pkt); return -1; }
    char keyhex[80];
    int ok = hw_json_str(hello, "client_id", s->client_id, sizeof s->client_id) == 0 &&
             hw_json_str(hello, "key", keyhex, sizeof keyhex) == 0;
    int kl = ok ? hw_unhex(keyhex, strlen(keyhex), s->key, sizeof s->key) : -1;
    if (!ok || (kl != 16 && kl != 24 && kl != 32)) {
        snprintf(err, errcap, "CONNECT: bad hello %.200s", hello);
        free(hello);
        return -1;
    }
    s->key_len = (size_t)kl;
    OPENSSL_cleanse(hello, strlen(hello));
    free(hello);
    return 0;
}

int hw_ack_step(hw_conn *c, hw_session *s, char *err, size_t errcap)
{
    char js[256];
    int jl = snprintf(js, sizeof js, "{\"_t\":%llu,\"type\":2,\"client_id\":\"%s\"}",
                      (unsigned long long)hw_now(), s->client_id);
    size_t wl = 0;
    char *w = hw_seal(s, NULL, NULL, (const uint8_t *)js, (size_t)jl, &wl);
    int rc = w ? hw_send_all(c, w, wl, 5000) : -1;
    free(w);
    if (rc != 0) { snprintf(err, errcap, "ACK: send failed"); return -1; }
    const char *pkt;
    size_t pl;
    hw_read_status st = hw_read_packet(c, &pkt, &pl, 10000);
    if (st != HW_GOT) { snprintf(err, errcap, "ACK: no reply (%d)", (int)st); return -1; }
    char *est = hw_open(s, pkt, pl);
    if (est == NULL) { snprintf(err, errcap, "ACK: reply not AES: %.200s", pkt); return -1; }
    uint64_t port = 0, ack = 0;
    int ok = hw_json_u64(est, "logging_port", &port) == 0 && hw_json_u64(est, "ack", &ack) == 0 &&
             ack == 1 && port > 0 && port < 65536 && hw_json_u64(est, "flags", &s->flags) == 0 &&
             hw_json_u64(est, "max_bulk_size", &s->max_bulk) == 0;
    if (!ok) {
        snprintf(err, errcap, "ACK: bad established %.200s", est);
        free(est);
        return -1;
    }
    s->logging_port = (uint16_t)port;
    free(est);
    return 0;
}

int hw_handshake(const hw_client *cl, hw_session *s, char *err, size_t errcap)
{
    hw_conn *c = hw_connect(cl->connect_port);
    if (c == NULL) { snprintf(err, errcap, "connect to port %u failed", cl->connect_port); return -1; }
    int rc = hw_connect_step(cl, c, s, 0, err, errcap);
    if (rc == 0) rc = hw_ack_step(c, s, err, errcap);
    hw_close(c);
    return rc;
}

int hw_log(hw_conn *lc, const hw_session *s, const char *json, size_t len, int compress,
           int timeout_ms)
{
    char *w = NULL;
    size_t wl = 0;
    if (compress) {
        size_t zl = 0, bl = 0;
        uint8_t *z = hw_zlib((const uint8_t *)json, len, &zl);
        char *b = z ? hw_b64(z, zl, &bl) : NULL;
        free(z);
        if (b == NULL) return -1;
        w = hw_seal(s, NULL, NULL, (const uint8_t *)b, bl, &wl);
        free(b);
    } else {
        w = hw_seal(s, NULL, NULL, (const uint8_t *)json, len, &wl);
    }
    if (w == NULL) return -1;
    int rc = hw_send_all(lc, w, wl, timeout_ms);
    free(w);
    if (rc != 0) return -1;
    const char *pkt;
    size_t pl;
    if (hw_read_packet(lc, &pkt, &pl, timeout_ms) != HW_GOT) return -1;
    if (strcmp(pkt, "{\"r\":0}") == 0) return 0;
    if (strcmp(pkt, "{\"r\":1}") == 0) return 1;
    if (strcmp(pkt, "{\"r\":2}") == 0) return 2;
    return -1;
}
