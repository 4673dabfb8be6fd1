/* bench_load: load generator for residue-server on loopback, built on the runtime's client
 * session (rp_session). Runs in its own process; the server is another process.
 *
 *   bench_load --port CONNECT_PORT --key CLIENT_PRIVATE_PEM --server-pid PID MODE N
 *
 * MODE
 *   handshake N   N complete unmanaged handshakes (CONNECT -> hello -> ACK -> established),
 *                 each on its own TCP connection; the client key pair is loaded before timing
 *                 and shared by every client (the server does the same work per client).
 *   log N         one handshake, then N single log requests on one logging connection,
 *                 each waiting for {"r":0} (compressed when the server offers compression)
 *   bulk N        as log, N packets of 50 records each (compressed)
 *   register N    N CONNECTs (no ACK) on one connection: fills the server with N clients
 *
 * Prints `# ...` info lines and one `result:` line for bench/run.sh:
 *   result: <mode> n=<N> seconds=<wall> server_cpu_us=<server CPU spent> load_cpu_us=<ours>
 * Server CPU time is read from /proc/PID/schedstat before and after, so the per-operation
 * server cost is known even when the single load process, not the server, is the
 * bottleneck (the load process's own CPU time shows whether it was).
 * Only 127.0.0.1 is ever contacted.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "bench_records.h"
#include "rp_crypto.h"
#include "residue_session.h"

#define BUF_CAP 65536

typedef struct conn {
    int fd;
    uint8_t buf[BUF_CAP];
    size_t len;
} conn;

static int conn_open(conn *c, uint16_t port)
{
    c->len = 0;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bench_load: connect 127.0.0.1");
        close(c->fd);
        return -1;
    }
    return 0;
}

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int send_all(conn *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            perror("bench_load: send");
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one reply packet; *pkt_len excludes the delimiter. One request is outstanding at a
 * time, so the reply is whatever arrives up to the delimiter. */
static int recv_packet(conn *c, size_t *pkt_len)
{
    c->len = 0;
    for (;;) {
        size_t from = c->len >= 3 ? c->len - 3 : 0;
        if (c->len == BUF_CAP)
            return -1;
        ssize_t r = recv(c->fd, c->buf + c->len, BUF_CAP - c->len, 0);
        if (r <= 0) {
            fprintf(stderr, "bench_load: connection closed by server\n");
            return -1;
        }
        c->len += (size_t)r;
        for (size_t i = from; i + 4 <= c->len; i++) {
            if (memcmp(c->buf + i, "\r\n\r\n", 4) == 0) {
                *pkt_len = i;
                return 0;
            }
        }
    }
}

/* CPU time the server process has used, in microseconds: the first field of
 * /proc/PID/schedstat (ns on a CPU, all threads), which unlike utime/stime in
 * /proc/PID/stat is not rounded to clock ticks. */
static int server_cpu_us(int pid, double *us)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    unsigned long long ns = 0;
    int ok = fscanf(f, "%llu", &ns) == 1;
    fclose(f);
    if (!ok)
        return -1;
    *us = (double)ns / 1e3;
    return 0;
}

/* CPU time of this (load) process in microseconds. */
static double self_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6
           + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void print_err(const char *what, const rp_error *e)
{
    char msg[512];
    rp_error_format(e, msg, sizeof msg);
    fprintf(stderr, "bench_load: %s: %s\n", what, msg);
}

/* One full handshake on its own connection; leaves *cl established. */
static int handshake(residue_client *cl, uint16_t port, conn *c)
{
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t out_len, pkt_len;
    rp_error e;
    if (conn_open(c, port) != 0)
        return -1;
    if (residue_client_connect(cl, out, sizeof out, &out_len, &e) != 0) {
        print_err("connect", &e);
        goto fail;
    }
    if (send_all(c, out, out_len) != 0 || recv_packet(c, &pkt_len) != 0)
        goto fail;
    if (residue_client_receive(cl, c->buf, pkt_len, out, sizeof out, &out_len, &e) != 0) {
        print_err("hello", &e);
        goto fail;
    }
    if (send_all(c, out, out_len) != 0 || recv_packet(c, &pkt_len) != 0)
        goto fail;
    if (residue_client_receive(cl, c->buf, pkt_len, out, sizeof out, &out_len, &e) != 0
        || residue_client_get_state(cl) != RESIDUE_CLIENT_ESTABLISHED) {
        print_err("established", &e);
        goto fail;
    }
    conn_close(c);
    return 0;
fail:
    conn_close(c);
    return -1;
}

int main(int argc, char **argv)
{
    int port = 0, pid = 0;
    const char *key_path = NULL;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--key") == 0)
            key_path = argv[i + 1];
        else if (strcmp(argv[i], "--server-pid") == 0)
            pid = atoi(argv[i + 1]);
        else
            break;
    }
    if (i + 2 != argc || port <= 0 || port > 65535 || key_path == NULL || pid <= 0) {
        fprintf(stderr, "usage: %s --port P --key PEM --server-pid PID "
                        "handshake|log|bulk|register N\n", argv[0]);
        return 2;
    }
    const char *mode = argv[i];
    long n = atol(argv[i + 1]);
    rp_error e;
    rp_rsa_key *key = NULL;
    if (rp_rsa_key_load_private_file(key_path, NULL, &key, &e) != 0) {
        print_err("client key", &e);
        return 1;
    }
    residue_client_config ccfg = { NULL, key, NULL, 0, 0 };
    static conn c;
    double cpu0, cpu1, self0 = 0;
    uint64_t t0, t1;
    int rc = 0;

    if (strcmp(mode, "handshake") == 0) {
        if (server_cpu_us(pid, &cpu0) != 0)
            return 1;
        self0 = self_cpu_us();
        t0 = bench_now_ns();
        for (long k = 0; k < n && rc == 0; k++) {
            residue_client *cl = NULL;
            if (residue_client_create(&ccfg, NULL, NULL, NULL, NULL, &cl, &e) != 0) {
                print_err("client", &e);
                return 1;
            }
            rc = handshake(cl, (uint16_t)port, &c);
            residue_client_free(cl);
        }
        t1 = bench_now_ns();
    } else if (strcmp(mode, "register") == 0) {
        residue_client *cl = NULL;
        uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
        size_t pkt_len, reply_len;
        if (residue_client_create(&ccfg, NULL, NULL, NULL, NULL, &cl, &e) != 0
            || residue_client_connect(cl, pkt, sizeof pkt, &pkt_len, &e) != 0) {
            print_err("client", &e);
            return 1;
        }
        if (server_cpu_us(pid, &cpu0) != 0 || conn_open(&c, (uint16_t)port) != 0)
            return 1;
        self0 = self_cpu_us();
        t0 = bench_now_ns();
        /* The same CONNECT every time: each one registers a fresh unmanaged client. */
        for (long k = 0; k < n && rc == 0; k++) {
            rc = send_all(&c, pkt, pkt_len) != 0 || recv_packet(&c, &reply_len) != 0;
            if (rc == 0 && reply_len > 0 && c.buf[0] == '{') {
                fprintf(stderr, "bench_load: CONNECT refused: %.*s\n", (int)reply_len, c.buf);
                rc = 1;
            }
        }
        t1 = bench_now_ns();
        conn_close(&c);
        residue_client_free(cl);
    } else if (strcmp(mode, "log") == 0 || strcmp(mode, "bulk") == 0) {
        size_t per = strcmp(mode, "bulk") == 0 ? 50 : 1;
        residue_client *cl = NULL;
        if (residue_client_create(&ccfg, NULL, NULL, NULL, NULL, &cl, &e) != 0
            || handshake(cl, (uint16_t)port, &c) != 0)
            return 1;
        if (residue_client_bulk_capacity(cl) < per) {
            fprintf(stderr, "bench_load: server allows only %zu records per packet\n",
                    residue_client_bulk_capacity(cl));
            return 1;
        }
        printf("# %s: server flags %u, compression %s\n", mode, residue_client_flags(cl),
               (residue_client_flags(cl) & 256u) ? "on" : "off");
        static residue_log_request recs[50];
        static char msgs[50][BENCH_RECORD_MSG_CAP];
        bench_log_records(recs, msgs, per);
        static uint8_t pkt[BUF_CAP];
        size_t pkt_len, reply_len;
        if (conn_open(&c, residue_client_logging_port(cl)) != 0)
            return 1;
        if (server_cpu_us(pid, &cpu0) != 0)
            return 1;
        self0 = self_cpu_us();
        t0 = bench_now_ns();
        for (long k = 0; k < n && rc == 0; k++) {
            /* Built per request, as a client does (fresh IV, _t from the clock). */
            if (residue_client_build_log(cl, recs, per, pkt, sizeof pkt - 4, &pkt_len, &e) != 0) {
                print_err("build log", &e);
                rc = 1;
                break;
            }
            if (k == 0)
                printf("# %s: packet of %zu records is %zu bytes\n", mode, per, pkt_len);
            if (send_all(&c, pkt, pkt_len) != 0 || recv_packet(&c, &reply_len) != 0
                || residue_client_log_reply(cl, c.buf, reply_len, &e) != 0) {
                fprintf(stderr, "bench_load: log request %ld not accepted: %.*s\n", k,
                        (int)reply_len, c.buf);
                rc = 1;
            }
        }
        t1 = bench_now_ns();
        conn_close(&c);
        residue_client_free(cl);
    } else {
        fprintf(stderr, "bench_load: unknown mode %s\n", mode);
        return 2;
    }
    if (rc != 0)
        return 1;
    if (server_cpu_us(pid, &cpu1) != 0)
        return 1;
    printf("result: %s n=%ld seconds=%.6f server_cpu_us=%.0f load_cpu_us=%.0f\n", mode, n,
           (double)(t1 - t0) / 1e9, cpu1 - cpu0, self_cpu_us() - self0);
    rp_rsa_key_free(key);
    return 0;
}
