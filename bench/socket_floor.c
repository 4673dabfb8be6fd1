/* socket_floor: residue-server's socket work per handshake with no protocol work, to tell
 * the kernel's share of a loopback handshake from the server's own (docs/performance.md,
 * "Handshake and server figures").
 *
 *   socket_floor serve PORTS_FILE old|min [WORK1_US WORK2_US]
 *   socket_floor load PORT N SERVER_PID PAUSE1_US PAUSE2_US
 *
 * serve: a poll() server on 127.0.0.1 (port written to PORTS_FILE as connect_port=N) that
 * answers the first packet of a connection (up to "\r\n\r\n") with 348 bytes and the second
 * with 445, the sizes of residue-server's hello and established replies, and closes on EOF.
 * "old" does the socket calls residue-server did before branch h-s3 (accept + fcntl x2 +
 * setsockopt per connection, an accept and a recv that return EAGAIN, a drain before close);
 * "min" what it does after (accept4, TCP_NODELAY inherited from the listener, a short read
 * ends the reading). WORK1_US / WORK2_US: busy time per first / second packet standing in
 * for the protocol work.
 * load: bench_load's pattern (one connection per handshake: connect, 654 bytes, reply,
 * 142 bytes, reply, close) with busy pauses standing in for the client's work before each
 * packet; prints the server's CPU per handshake in µs from /proc/PID/schedstat.
 * Only 127.0.0.1 is ever used.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define HELLO_LEN 348
#define ESTABLISHED_LEN 445

typedef struct fconn {
    int fd;
    int packets;
    size_t len;
    char buf[4096];
} fconn;

static bool g_old;
static double g_work[2];
static char g_reply[2][ESTABLISHED_LEN];
static const size_t g_reply_len[2] = {HELLO_LEN, ESTABLISHED_LEN};

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void busy(double us)
{
    double end = now_us() + us;
    while (now_us() < end) {
    }
}

static void fill_packet(char *p, size_t n, char c)
{
    memset(p, c, n);
    memcpy(p + n - 4, "\r\n\r\n", 4);
}

/* Reads what is there and answers complete packets: 0 keeps the connection, -1 closes. */
static int serve_conn(fconn *c)
{
    for (;;) {
        ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        if (r == 0) return -1;
        c->len += (size_t)r;
        bool whole = c->len >= 4 && memcmp(c->buf + c->len - 4, "\r\n\r\n", 4) == 0;
        if (whole) {
            int k = c->packets++ == 0 ? 0 : 1;
            busy(g_work[k]);
            if (send(c->fd, g_reply[k], g_reply_len[k], MSG_NOSIGNAL) < 0) return -1;
            c->len = 0;
        } else if (c->len == sizeof c->buf) {
            return -1;
        }
        if (!g_old && (size_t)r < sizeof c->buf) return 0; /* a short read: drained */
    }
}

static int listen_on_loopback(const char *ports_file)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (l < 0) return -1;
    (void)setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!g_old) (void)setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof a;
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 128) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &sl) != 0 || fcntl(l, F_SETFL, O_NONBLOCK) != 0) {
        close(l);
        return -1;
    }
    FILE *f = fopen(ports_file, "w");
    if (f == NULL) {
        close(l);
        return -1;
    }
    fprintf(f, "connect_port=%u\n", (unsigned)ntohs(a.sin_port));
    fclose(f);
    return l;
}

static int accept_one(int l)
{
    if (!g_old) return accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    int fd = accept(l, NULL, NULL), one = 1;
    if (fd < 0) return -1;
    int fl = fcntl(fd, F_GETFL);
    (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void close_conn(fconn *c)
{
    if (g_old) {
        char sink[256];
        (void)recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);
    }
    close(c->fd);
}

static int serve(const char *ports_file)
{
    static fconn cs[MAX_CONNS];
    int n = 0;
    fill_packet(g_reply[0], HELLO_LEN, 'h');
    fill_packet(g_reply[1], ESTABLISHED_LEN, 'e');
    int l = listen_on_loopback(ports_file);
    if (l < 0) {
        perror("socket_floor: listen");
        return 1;
    }
    for (;;) {
        struct pollfd p[1 + MAX_CONNS];
        p[0] = (struct pollfd){l, n < MAX_CONNS ? POLLIN : 0, 0};
        for (int i = 0; i < n; i++) p[1 + i] = (struct pollfd){cs[i].fd, POLLIN, 0};
        if (poll(p, (nfds_t)(1 + n), 1000) < 0) continue;
        for (int i = n; i-- > 0;) {
            if (p[1 + i].revents != 0 && serve_conn(&cs[i]) < 0) {
                close_conn(&cs[i]);
                cs[i] = cs[--n];
            }
        }
        if (!(p[0].revents & POLLIN)) continue;
        /* old: until EAGAIN; min: one per turn (the next poll reports the rest) */
        for (int more = 1; more && n < MAX_CONNS; more = g_old) {
            int fd = accept_one(l);
            if (fd < 0) break;
            cs[n].fd = fd;
            cs[n].packets = 0;
            cs[n].len = 0;
            n++;
        }
    }
}

static double server_cpu_us(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    FILE *f = fopen(path, "r");
    unsigned long long ns = 0;
    if (f == NULL) return -1;
    if (fscanf(f, "%llu", &ns) != 1) ns = 0;
    fclose(f);
    return (double)ns / 1e3;
}

static int read_reply(int fd)
{
    char b[4096];
    size_t n = 0;
    for (;;) {
        ssize_t r = recv(fd, b + n, sizeof b - n, 0);
        if (r <= 0) return -1;
        n += (size_t)r;
        if (n >= 4 && memcmp(b + n - 4, "\r\n\r\n", 4) == 0) return 0;
        if (n == sizeof b) return -1;
    }
}

static int one_handshake(int port, double pause1, double pause2)
{
    static char connect_pkt[654], ack_pkt[142];
    fill_packet(connect_pkt, sizeof connect_pkt, 'c');
    fill_packet(ack_pkt, sizeof ack_pkt, 'a');
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0) return -1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    if (rc == 0) {
        busy(pause1);
        rc = send(fd, connect_pkt, sizeof connect_pkt, MSG_NOSIGNAL) < 0 || read_reply(fd) != 0;
    }
    if (rc == 0) {
        busy(pause2);
        rc = send(fd, ack_pkt, sizeof ack_pkt, MSG_NOSIGNAL) < 0 || read_reply(fd) != 0;
    }
    close(fd);
    return rc == 0 ? 0 : -1;
}

static int load(int port, long n, int pid, double pause1, double pause2)
{
    double cpu0 = server_cpu_us(pid);
    if (cpu0 < 0) {
        fprintf(stderr, "socket_floor: no /proc/%d/schedstat\n", pid);
        return 1;
    }
    for (long k = 0; k < n; k++) {
        if (one_handshake(port, pause1, pause2) != 0) {
            fprintf(stderr, "socket_floor: handshake %ld failed\n", k);
            return 1;
        }
    }
    printf("server_cpu_us_per_handshake=%.1f\n", (server_cpu_us(pid) - cpu0) / (double)n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "serve") == 0 &&
        (strcmp(argv[3], "old") == 0 || strcmp(argv[3], "min") == 0)) {
        g_old = strcmp(argv[3], "old") == 0;
        g_work[0] = argc > 4 ? atof(argv[4]) : 0;
        g_work[1] = argc > 5 ? atof(argv[5]) : 0;
        return serve(argv[2]);
    }
    if (argc == 7 && strcmp(argv[1], "load") == 0)
        return load(atoi(argv[2]), atol(argv[3]), atoi(argv[4]), atof(argv[5]), atof(argv[6]));
    fprintf(stderr, "usage: %s serve PORTS_FILE old|min [WORK1_US WORK2_US]\n"
                    "       %s load PORT N SERVER_PID PAUSE1_US PAUSE2_US\n", argv[0], argv[0]);
    return 2;
}
