/* fake-server: a hostile residue server on 127.0.0.1, to check that residue-client fails
 * cleanly (non-zero exit, a message, no crash, no hang beyond its --timeout-ms) whatever a
 * server sends.
 *
 *   fake-server --mode MODE --ports-file FILE
 *
 * Listens on two free ports (connect, logging), writes "connect_port=N logging_port=M" to
 * FILE, and serves every accepted connection in a child process until killed. MODE says
 * where the server turns hostile:
 *   on the first reply (to CONNECT):
 *     silent trickle flood garbage empty close error r1 rsa-short rsa-garbage many nul deep
 *   after a valid hello (the reply to ACK):
 *     est-garbage est-aes-garbage est-bad-port est-closed-port est-wrong-status
 *   after a valid established (the logging port):
 *     log-garbage log-silent log-r1 log-close
 * The hello and established replies are real: RSA to the client's public key taken from the
 * CONNECT, AES with a fixed session key. Test code: OpenSSL and zlib directly (wire.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "wire.h"

#define KEY_HEX "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
#define CLIENT_ID "fakeclientabcdef"

static const char *mode;
static uint16_t log_port;

static int listen_on(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
        perror("fake-server: listen");
        exit(2);
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void send_str(hw_conn *c, const char *s, size_t n)
{
    (void)hw_send_all(c, s, n, 5000);
}

static void send_packet(hw_conn *c, const char *s)
{
    send_str(c, s, strlen(s));
    send_str(c, HW_DELIM, HW_DELIM_LEN);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until the peer closes (or 30 s), so the client sees only what the mode sent. */
static void linger_until_closed(hw_conn *c)
{
    for (int i = 0; i < 300; i++) {
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            char b[4096];
            if (recv(c->fd, b, sizeof b, 0) <= 0) return;
        }
    }
}

/* "ivhex:base64(AES(KEY, json))" — a server-to-client envelope, framed. */
static void send_aes(hw_conn *c, const char *json)
{
    uint8_t key[32], iv[16];
    hw_unhex(KEY_HEX, 64, key, sizeof key);
    RAND_bytes(iv, 16);
    size_t cl = 0, bl = 0;
    uint8_t *ct = hw_aes(1, key, 32, iv, (const uint8_t *)json, strlen(json), &cl);
    char *b = hw_b64(ct, cl, &bl);
    char ivh[33];
    hw_hex(iv, 16, ivh);
    send_str(c, ivh, 32);
    send_str(c, ":", 1);
    send_packet(c, b);
    free(ct);
    free(b);
}

/* The client's public key from its CONNECT ("rsa_public_key" = base64 of the PEM). */
static EVP_PKEY *client_key(const char *connect)
{
    char *b64 = malloc(strlen(connect) + 1);
    if (hw_json_str(connect, "rsa_public_key", b64, strlen(connect) + 1) != 0) { free(b64); return NULL; }
    size_t pl = 0;
    uint8_t *pem = hw_unb64(b64, strlen(b64), &pl);
    free(b64);
    if (pem == NULL) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)pl);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    free(pem);
    return k;
}

static void send_hello(hw_conn *c, const char *connect)
{
    EVP_PKEY *k = client_key(connect);
    if (k == NULL) { send_packet(c, "no key in CONNECT"); return; }
    const char *hello = "{\"status\":0,\"ack\":0,\"key\":\"" KEY_HEX "\",\"client_id\":\"" CLIENT_ID
                        "\",\"token\":\"0123456789ABCDEF0123456789ABCDEF\"}";
    size_t cl = 0, bl = 0;
    uint8_t *ct = hw_rsa_encrypt(k, (const uint8_t *)hello, strlen(hello), &cl);
    char *b = hw_b64(ct, cl, &bl);
    send_packet(c, b);
    free(ct);
    free(b);
    EVP_PKEY_free(k);
}

static void send_established(hw_conn *c, unsigned port, int status)
{
    char js[700];
    snprintf(js, sizeof js,
             "{\"status\":%d,\"ack\":1,\"flags\":1521,\"max_bulk_size\":50,\"server_info\":{\"version\":\"2.3.6\"},"
             "\"key\":\"" KEY_HEX "\",\"client_id\":\"" CLIENT_ID "\",\"token\":\"0123456789ABCDEF0123456789ABCDEF\","
             "\"logging_port\":%u,\"age\":3600,\"date_created\":%llu}",
             status, port, (unsigned long long)hw_now());
    send_aes(c, js);
}

/* The first hostile reply, instead of a hello. Returns 1 when the mode is not one of these. */
static int first_reply(hw_conn *c)
{
    if (strcmp(mode, "silent") == 0) { linger_until_closed(c); return 0; }
    if (strcmp(mode, "trickle") == 0) {
        for (int i = 0; i < 600 && hw_send_all(c, "A", 1, 1000) == 0; i++) sleep_ms(100);
        return 0;
    }
    if (strcmp(mode, "flood") == 0) {
        static char junk[65536];
        memset(junk, 'A', sizeof junk);
        for (int i = 0; i < 2000 && hw_send_all(c, junk, sizeof junk, 2000) == 0; i++) {}
        return 0;
    }
    if (strcmp(mode, "garbage") == 0) { send_packet(c, "garbage, not a reply"); linger_until_closed(c); return 0; }
    if (strcmp(mode, "empty") == 0) { send_packet(c, ""); linger_until_closed(c); return 0; }
    if (strcmp(mode, "close") == 0) return 0;
    if (strcmp(mode, "error") == 0) {
        send_packet(c, "{\"status\":1,\"ack\":0,\"error_text\":\"fake refusal\"}");
        linger_until_closed(c);
        return 0;
    }
    if (strcmp(mode, "r1") == 0) { send_packet(c, "{\"r\":1}"); linger_until_closed(c); return 0; }
    if (strcmp(mode, "rsa-short") == 0) { send_packet(c, "QUJDREVG"); linger_until_closed(c); return 0; }
    if (strcmp(mode, "rsa-garbage") == 0) {
        uint8_t g[256];
        RAND_bytes(g, sizeof g);
        char *b = hw_b64(g, sizeof g, NULL);
        send_packet(c, b);
        free(b);
        linger_until_closed(c);
        return 0;
    }
    if (strcmp(mode, "many") == 0) {
        char *m = malloc(4000);
        for (int i = 0; i < 1000; i++) memcpy(m + 4 * i, HW_DELIM, 4);
        send_str(c, m, 4000);
        free(m);
        linger_until_closed(c);
        return 0;
    }
    if (strcmp(mode, "nul") == 0) { send_str(c, "\0\0\0" HW_DELIM, 7); linger_until_closed(c); return 0; }
    if (strcmp(mode, "deep") == 0) {
        char *d = malloc(20001);
        memset(d, '[', 10000);
        memset(d + 10000, ']', 10000);
        d[20000] = '\0';
        send_packet(c, d);
        free(d);
        linger_until_closed(c);
        return 0;
    }
    return 1;
}

static void serve_connect(hw_conn *c)
{
    const char *pkt;
    size_t len;
    if (hw_read_packet(c, &pkt, &len, 10000) != HW_GOT) return;
    if (first_reply(c) == 0) return;
    char *connect = strdup(pkt);
    send_hello(c, connect);
    free(connect);
    /* The ACK (or a TOUCH): answer per mode. */
    while (hw_read_packet(c, &pkt, &len, 10000) == HW_GOT) {
        if (strcmp(mode, "est-garbage") == 0) send_packet(c, "garbage");
        else if (strcmp(mode, "est-aes-garbage") == 0) send_aes(c, "this is not JSON");
        else if (strcmp(mode, "est-bad-port") == 0) send_established(c, 0, 0);
        else if (strcmp(mode, "est-closed-port") == 0) send_established(c, 1, 0);
        else if (strcmp(mode, "est-wrong-status") == 0) send_established(c, log_port, 7);
        else send_established(c, log_port, 0);
    }
}

static void serve_log(hw_conn *c)
{
    const char *pkt;
    size_t len;
    while (hw_read_packet(c, &pkt, &len, 10000) == HW_GOT) {
        if (strcmp(mode, "log-garbage") == 0) send_packet(c, "garbage");
        else if (strcmp(mode, "log-silent") == 0) { linger_until_closed(c); return; }
        else if (strcmp(mode, "log-r1") == 0) send_packet(c, "{\"r\":1}");
        else if (strcmp(mode, "log-close") == 0) return;
        else send_packet(c, "{\"r\":0}");
    }
}

int main(int argc, char **argv)
{
    const char *ports_file = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--mode") == 0) mode = argv[i + 1];
        else if (strcmp(argv[i], "--ports-file") == 0) ports_file = argv[i + 1];
    }
    if (mode == NULL || ports_file == NULL) {
        fprintf(stderr, "usage: fake-server --mode MODE --ports-file FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);   /* children are reaped by the kernel */
    uint16_t cport;
    int lc = listen_on(&cport), ll = listen_on(&log_port);
    FILE *f = fopen(ports_file, "w");
    if (f == NULL) return 2;
    fprintf(f, "connect_port=%u logging_port=%u\n", cport, log_port);
    fclose(f);
    for (;;) {
        struct pollfd p[2] = {{lc, POLLIN, 0}, {ll, POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) return 1;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & POLLIN)) continue;
            int fd = accept(p[i].fd, NULL, NULL);
            if (fd < 0) continue;
            pid_t child = fork();
            if (child == 0) {
                close(lc);
                close(ll);
                hw_conn *c = calloc(1, sizeof *c);
                c->fd = fd;
                if (i == 0) serve_connect(c);
                else serve_log(c);
                hw_close(c);
                _exit(0);
            }
            close(fd);
        }
    }
}
