/* pressure: peers that try to starve, flood or fill residue-server, and a well-behaved client
 * that measures what that costs it (issue 12). Built on the independent wire toolkit (wire.h),
 * not on the rproto runtime. Driven by tests/scripts/server-pressure.sh and
 * server-durability.sh, which check the server side (its log file, VmRSS, --stats-file).
 *
 *   pressure COMMON rsa-flood  [--flooders 8] [--seconds 6] [--blob 1024] [--max-ms 250]
 *       flooders send base64 of --blob random bytes (the server modulus' length in bytes) (each costs the server one
 *       RSA decryption) as fast as they can; meanwhile a client does CONNECT, ACK and 20 log
 *       lines over and over, timing every request. Fails when one took longer than --max-ms.
 *   pressure COMMON log-loop   --out FILE [--lines N] [--interval-ms M] [--msg-bytes B] [--tag T]
 *       one client logs "T-i" lines (i = 1..N, each padded to B bytes), one per request;
 *       appends "ok T-i" or "r1 T-i" (or "err T-i") to FILE as each reply comes, and
 *       reconnects the logging connection after an I/O error.
 *   pressure COMMON no-read    [--peers 50] [--seconds 3] [--hold-s 3]
 *       peers pipeline empty packets ("\r\n\r\n", each answered with an error) and never read,
 *       then hold the connections until the server has closed them all, at most HOLD seconds.
 *   pressure COMMON pipeline   [--count 100000]
 *       one peer pipelines COUNT empty packets, reading nothing for the first second (so the
 *       server's reply queue fills and it stops reading), then reads while sending the rest;
 *       every packet must get its reply within 20 s.
 *   pressure COMMON partial    [--peers 100] [--bytes 1000000] [--hold-s 3]
 *       peers each send BYTES of a packet that never ends, then hold the connection.
 *   pressure COMMON source-flood --source 127.0.0.2 [--count 1500]
 *       CONNECTs from that address without ACK; then one full handshake from 127.0.0.1.
 *   pressure COMMON sync-stall --mark FILE
 *       client A logs one line; once FILE (slowsync.so's RP_SLOW_FSYNC_MARK) says an fsync
 *       started, client B does a full handshake (CONNECT + ACK) on the connect port. Prints
 *       whether B's handshake completed before A's reply and before that fsync ended (the
 *       order, no timing threshold): a server that fsyncs in its event loop serves B after.
 * COMMON: --connect-port N --client-key PRIV.pem --client-pub PUB.pem
 * Prints one summary line per mode; exit 0 when its own condition held.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "wire.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
    struct timespec t = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

/* A connection to 127.0.0.1:port from the local address src (NULL: any). */
static hw_conn *connect_from(const char *src, uint16_t port)
{
    if (src == NULL) return hw_connect(port);
    hw_conn *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in b;
    memset(&b, 0, sizeof b);
    b.sin_family = AF_INET;
    inet_pton(AF_INET, src, &b.sin_addr);
    struct sockaddr_in a = b;
    a.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&b, sizeof b) < 0 ||
        connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (c->fd >= 0) close(c->fd);
        free(c);
        return NULL;
    }
    int one = 1;
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

typedef struct opts {
    uint16_t port;
    const char *key, *pub, *out, *tag, *source, *mark;
    unsigned flooders, seconds, blob, max_ms, lines, interval_ms, msg_bytes, peers, hold_s,
        count;
    size_t bytes;
} opts;

static volatile sig_atomic_t g_stop;
static void on_term(int sig) { (void)sig; g_stop = 1; }

/* ---- rsa-flood ------------------------------------------------------------------------- */

typedef struct flooder {
    const opts *o;
    volatile int *running;
    unsigned long long sent;
    pthread_t t;
} flooder;

static void *flood(void *arg)
{
    flooder *f = arg;
    uint8_t raw[2048];
    size_t rawn = f->o->blob; /* the modulus length: each blob costs one private-key operation */
    if (rawn > sizeof raw) rawn = sizeof raw;
    while (*f->running) {
        hw_conn *c = hw_connect(f->o->port);
        if (c == NULL) { sleep_ms(10); continue; }
        (void)fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        char *pending = NULL;
        size_t plen = 0, poff = 0;
        char junk[65536];
        while (*f->running) {
            if (poff == plen) {
                free(pending);
                RAND_bytes(raw, (int)rawn);
                size_t bl = 0;
                char *b = hw_b64(raw, rawn, &bl);
                pending = malloc(bl + 4);
                memcpy(pending, b, bl);
                memcpy(pending + bl, HW_DELIM, 4);
                free(b);
                plen = bl + 4;
                poff = 0;
                f->sent++;
            }
            struct pollfd p = {c->fd, POLLIN | POLLOUT, 0};
            if (poll(&p, 1, 100) <= 0) continue;
            if (p.revents & POLLIN) {
                ssize_t r = recv(c->fd, junk, sizeof junk, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN)) break;
            }
            if (p.revents & POLLOUT) {
                ssize_t w = send(c->fd, pending + poff, plen - poff, MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN) break;
                if (w > 0) poff += (size_t)w;
            }
            if (p.revents & (POLLERR | POLLHUP)) break;
        }
        free(pending);
        hw_close(c);
    }
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int rsa_flood(const opts *o, const hw_client *cl)
{
    volatile int running = 1;
    flooder *f = calloc(o->flooders, sizeof *f);
    for (unsigned i = 0; i < o->flooders; i++) {
        f[i].o = o;
        f[i].running = &running;
        pthread_create(&f[i].t, NULL, flood, &f[i]);
    }
    sleep_ms(500); /* let the flood build up */
    size_t cap = 100000, n = 0;
    double *lat = malloc(cap * sizeof *lat);
    double end = now_s() + o->seconds;
    int failures = 0;
    char err[300] = "";
    while (now_s() < end && n + 64 < cap) {
        hw_conn *c = hw_connect(o->port);
        hw_session s;
        double t0 = now_s();
        if (c == NULL || hw_connect_step(cl, c, &s, 0, err, sizeof err) != 0) {
            failures++;
            hw_close(c);
            continue;
        }
        double t1 = now_s();
        lat[n++] = t1 - t0;
        if (hw_ack_step(c, &s, err, sizeof err) != 0) {
            failures++;
            hw_close(c);
            continue;
        }
        lat[n++] = now_s() - t1;
        hw_close(c);
        hw_conn *lc = hw_connect(s.logging_port);
        for (int i = 0; lc != NULL && i < 20; i++) {
            char js[256];
            int jl = snprintf(js, sizeof js,
                              "{\"_t\":%llu,\"datetime\":%llu000,\"msg\":\"fair-%zu\",\"level\":128}",
                              (unsigned long long)hw_now(), (unsigned long long)hw_now(), n);
            double t = now_s();
            if (hw_log(lc, &s, js, (size_t)jl, 0, 10000) != 0) {
                failures++;
                break;
            }
            lat[n++] = now_s() - t;
        }
        hw_close(lc);
    }
    running = 0;
    unsigned long long blobs = 0;
    for (unsigned i = 0; i < o->flooders; i++) {
        pthread_join(f[i].t, NULL);
        blobs += f[i].sent;
    }
    free(f);
    qsort(lat, n, sizeof *lat, cmp_d);
    double max_ms = n ? lat[n - 1] * 1000 : 0, med_ms = n ? lat[n / 2] * 1000 : 0;
    double p99 = n ? lat[(n * 99) / 100] * 1000 : 0;
    printf("rsa-flood: flooders=%u blobs_sent=%llu requests=%zu failures=%d median_ms=%.1f "
           "p99_ms=%.1f max_ms=%.1f limit_ms=%u\n",
           o->flooders, blobs, n, failures, med_ms, p99, max_ms, o->max_ms);
    if (failures) printf("rsa-flood: last error: %s\n", err);
    free(lat);
    return n >= 20 && failures == 0 && max_ms < o->max_ms ? 0 : 1;
}

/* ---- log-loop -------------------------------------------------------------------------- */

static int log_loop(const opts *o, const hw_client *cl)
{
    FILE *out = fopen(o->out, "a");
    if (out == NULL) { perror(o->out); return 1; }
    hw_session s;
    char err[300];
    if (hw_handshake(cl, &s, err, sizeof err) != 0) { fprintf(stderr, "log-loop: %s\n", err); return 1; }
    hw_conn *lc = NULL;
    size_t padn = o->msg_bytes > 32 ? o->msg_bytes - 32 : 0;
    char *pad = malloc(padn + 1);
    memset(pad, 'p', padn);
    pad[padn] = '\0';
    char *js = malloc(padn + 512);
    unsigned ok = 0, r1 = 0, bad = 0;
    for (unsigned i = 1; i <= o->lines && !g_stop; i++) {
        if (lc == NULL) lc = hw_connect(s.logging_port);
        int jl = snprintf(js, padn + 512,
                          "{\"_t\":%llu,\"datetime\":%llu000,\"msg\":\"%s-%u %s\",\"level\":128}",
                          (unsigned long long)hw_now(), (unsigned long long)hw_now(), o->tag, i, pad);
        int r = lc != NULL ? hw_log(lc, &s, js, (size_t)jl, 0, 10000) : -1;
        const char *what = r == 0 ? "ok" : r == 1 ? "r1" : "err";
        if (r == 0) ok++; else if (r == 1) r1++; else bad++;
        fprintf(out, "%s %s-%u\n", what, o->tag, i);
        fflush(out);
        if (r < 0) { hw_close(lc); lc = NULL; }
        if (o->interval_ms) sleep_ms(o->interval_ms);
    }
    hw_close(lc);
    fclose(out);
    free(pad);
    free(js);
    printf("log-loop: ok=%u r1=%u err=%u\n", ok, r1, bad);
    return 0;
}

/* ---- sync-stall ------------------------------------------------------------------------ */

typedef struct stall_log {
    hw_conn *lc;
    const hw_session *s;
    int r;
    unsigned seq;            /* when its reply came, in the order of events */
    pthread_mutex_t *mu;
    unsigned *clock;
} stall_log;

static unsigned next_event(pthread_mutex_t *mu, unsigned *clock)
{
    pthread_mutex_lock(mu);
    unsigned v = ++*clock;
    pthread_mutex_unlock(mu);
    return v;
}

static void *stall_log_main(void *arg)
{
    stall_log *l = arg;
    char js[256];
    int jl = snprintf(js, sizeof js,
                      "{\"_t\":%llu,\"datetime\":%llu000,\"msg\":\"stall-1\",\"level\":128}",
                      (unsigned long long)hw_now(), (unsigned long long)hw_now());
    l->r = l->lc != NULL ? hw_log(l->lc, l->s, js, (size_t)jl, 0, 20000) : -1;
    l->seq = next_event(l->mu, l->clock);
    return NULL;
}

/* The "start" and "end" lines slowsync.so has written to the mark file. */
static void count_marks(const char *path, unsigned *starts, unsigned *ends)
{
    *starts = *ends = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) return;
    char line[64];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "start", 5) == 0) (*starts)++;
        if (strncmp(line, "end", 3) == 0) (*ends)++;
    }
    fclose(f);
}

static int sync_stall(const opts *o, const hw_client *cl)
{
    hw_session s;
    char err[300];
    if (hw_handshake(cl, &s, err, sizeof err) != 0) { fprintf(stderr, "sync-stall: %s\n", err); return 1; }
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    unsigned clock = 0;
    stall_log l = {hw_connect(s.logging_port), &s, -1, 0, &mu, &clock};
    pthread_t t;
    if (pthread_create(&t, NULL, stall_log_main, &l) != 0) return 1;
    unsigned starts = 0, ends = 0;
    for (int i = 0; i < 1000 && starts == 0; i++) {
        count_marks(o->mark, &starts, &ends);
        if (starts == 0) sleep_ms(10);
    }
    double t0 = now_s();
    hw_session s2;
    int hs = hw_handshake(cl, &s2, err, sizeof err);
    unsigned hs_seq = next_event(&mu, &clock);
    double hs_ms = (now_s() - t0) * 1000.0;
    unsigned starts_after = 0, ends_after = 0;
    count_marks(o->mark, &starts_after, &ends_after);
    pthread_join(t, NULL);
    hw_close(l.lc);
    bool during = starts > 0 && ends_after < starts_after;
    printf("sync-stall: fsync_started=%s log_r=%d handshake=%s handshake_ms=%.0f "
           "handshake_before_reply=%s handshake_during_fsync=%s\n",
           starts > 0 ? "yes" : "no", l.r, hs == 0 ? "ok" : err, hs_ms,
           hs_seq < l.seq ? "yes" : "no", during ? "yes" : "no");
    return starts > 0 && hs == 0 && l.r >= 0 ? 0 : 1;
}

/* ---- no-read, partial ------------------------------------------------------------------ */

/* Holds the connections for at most hold_s seconds, ending early once the server has closed
 * every one of them. The server closes a peer whose replies stay unread; on a loaded machine
 * it takes longer to fill the kernel buffers before that clock starts, so the caller waits for
 * the closes rather than for a fixed time. A closed connection is closed here too (set NULL). */
static void hold_until_closed(hw_conn **c, unsigned n, unsigned hold_s)
{
    struct pollfd *p = calloc(n, sizeof *p);
    unsigned *which = calloc(n, sizeof *which);
    double end = now_s() + hold_s;
    while (p != NULL && which != NULL && now_s() < end) {
        nfds_t k = 0;
        for (unsigned i = 0; i < n; i++) {
            if (c[i] == NULL) continue;
            p[k].fd = c[i]->fd;
            p[k].events = POLLRDHUP;
            p[k].revents = 0;
            which[k++] = i;
        }
        if (k == 0) break;
        if (poll(p, k, 100) < 0 && errno != EINTR) break;
        for (nfds_t j = 0; j < k; j++) {
            if (p[j].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
                hw_close(c[which[j]]);
                c[which[j]] = NULL;
            }
        }
    }
    free(which);
    free(p);
}

static int no_read(const opts *o)
{
    hw_conn **c = calloc(o->peers, sizeof *c);
    unsigned long long total = 0;
    static char frames[65536];
    for (size_t i = 0; i + 4 <= sizeof frames; i += 4) memcpy(frames + i, HW_DELIM, 4);
    for (unsigned i = 0; i < o->peers; i++) {
        c[i] = hw_connect(o->port);
        if (c[i] != NULL) (void)fcntl(c[i]->fd, F_SETFL, fcntl(c[i]->fd, F_GETFL) | O_NONBLOCK);
    }
    double end = now_s() + o->seconds;
    while (now_s() < end) {
        bool any = false;
        for (unsigned i = 0; i < o->peers; i++) {
            if (c[i] == NULL) continue;
            ssize_t w = send(c[i]->fd, frames, sizeof frames, MSG_NOSIGNAL);
            if (w > 0) { total += (unsigned long long)w; any = true; }
            else if (w < 0 && errno != EAGAIN) { hw_close(c[i]); c[i] = NULL; }
        }
        if (!any) sleep_ms(20);
    }
    unsigned open_peers = 0;
    for (unsigned i = 0; i < o->peers; i++) open_peers += c[i] != NULL;
    printf("no-read: peers=%u still_open=%u bytes_sent=%llu empty_packets=%llu\n", o->peers,
           open_peers, total, total / 4u);
    fflush(stdout);
    hold_until_closed(c, o->peers, o->hold_s);
    for (unsigned i = 0; i < o->peers; i++) hw_close(c[i]);
    free(c);
    return 0;
}

static int partial(const opts *o)
{
    hw_conn **c = calloc(o->peers, sizeof *c);
    char *junk = malloc(o->bytes);
    memset(junk, 'z', o->bytes);
    unsigned sent_all = 0;
    for (unsigned i = 0; i < o->peers; i++) {
        c[i] = hw_connect(o->port);
        if (c[i] != NULL && hw_send_all(c[i], junk, o->bytes, 2000) == 0) sent_all++;
    }
    unsigned open_peers = 0;
    for (unsigned i = 0; i < o->peers; i++) {
        if (c[i] == NULL) continue;
        struct pollfd p = {c[i]->fd, POLLIN, 0};
        char b[16];
        if (poll(&p, 1, 0) == 1 && recv(c[i]->fd, b, sizeof b, MSG_DONTWAIT) <= 0) continue;
        open_peers++;
    }
    printf("partial: peers=%u bytes_each=%zu sent_in_full=%u still_open=%u\n", o->peers, o->bytes,
           sent_all, open_peers);
    fflush(stdout);
    sleep(o->hold_s);
    for (unsigned i = 0; i < o->peers; i++) hw_close(c[i]);
    free(c);
    free(junk);
    return 0;
}

static int pipeline(const opts *o)
{
    /* A small receive buffer, set before connecting, keeps the kernel from absorbing the
     * replies: the server's own reply queue must fill. */
    hw_conn *c = calloc(1, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    int rcv = 4096;
    (void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(o->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("pipeline: connect"); return 1; }
    (void)fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    size_t total = (size_t)o->count * 4u, sent = 0;
    char *req = malloc(total);
    for (size_t i = 0; i < total; i += 4) memcpy(req + i, HW_DELIM, 4);
    unsigned long long replies = 0;
    unsigned match = 0; /* how much of "\r\n\r\n" the stream currently ends with */
    double t0 = now_s(), deadline = t0 + 20;
    char buf[65536];
    while (replies < o->count && now_s() < deadline) {
        bool reading = now_s() > t0 + 1.0;
        struct pollfd p = {c->fd, (short)((sent < total ? POLLOUT : 0) | (reading ? POLLIN : 0)), 0};
        if (poll(&p, 1, 100) <= 0) continue;
        if (p.revents & POLLOUT) {
            ssize_t w = send(c->fd, req + sent, total - sent, MSG_NOSIGNAL);
            if (w > 0) sent += (size_t)w;
        }
        if (p.revents & POLLIN) {
            ssize_t r = recv(c->fd, buf, sizeof buf, 0);
            if (r <= 0) break;
            for (ssize_t i = 0; i < r; i++) {
                char want = HW_DELIM[match];
                if (buf[i] == want) match++;
                else match = buf[i] == '\r' ? 1 : 0;
                if (match == 4) { replies++; match = 0; }
            }
        }
        if (p.revents & (POLLERR | POLLHUP)) break;
    }
    printf("pipeline: packets=%u sent_bytes=%zu replies=%llu seconds=%.1f\n", o->count, sent,
           replies, now_s() - t0);
    free(req);
    hw_close(c);
    return replies == o->count ? 0 : 1;
}

/* ---- source-flood ---------------------------------------------------------------------- */

static int source_flood(const opts *o, const hw_client *cl)
{
    unsigned hellos = 0, unacked_refused = 0, rate_refused = 0, other = 0;
    hw_conn *c = NULL;
    char err[400];
    for (unsigned i = 0; i < o->count; i++) {
        if (c == NULL) c = connect_from(o->source, o->port);
        if (c == NULL) { other++; continue; }
        hw_session s;
        if (hw_connect_step(cl, c, &s, 0, err, sizeof err) == 0) hellos++;
        else if (strstr(err, "Too many unacknowledged clients") != NULL) unacked_refused++;
        else if (strstr(err, "Too many connection requests") != NULL) rate_refused++;
        else { other++; hw_close(c); c = NULL; }
    }
    hw_close(c);
    hw_session s;
    int legit = hw_handshake(cl, &s, err, sizeof err);
    printf("source-flood: source=%s sent=%u hellos=%u refused_unacked=%u refused_rate=%u "
           "other=%u legit_handshake=%s\n",
           o->source, o->count, hellos, unacked_refused, rate_refused, other,
           legit == 0 ? "ok" : err);
    return legit == 0 && other == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    opts o = {0};
    o.flooders = 8; o.seconds = 6; o.blob = 1024; o.max_ms = 250; o.lines = 100;
    o.interval_ms = 0; o.msg_bytes = 64; o.peers = 50; o.hold_s = 3; o.count = 1500;
    o.bytes = 1000000; o.tag = "line"; o.source = "127.0.0.2";
    const char *mode = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NUM(name, field) if (strcmp(a, name) == 0 && v) { o.field = (unsigned)strtoul(v, NULL, 10); i++; continue; }
        NUM("--flooders", flooders) NUM("--seconds", seconds) NUM("--blob", blob)
        NUM("--max-ms", max_ms) NUM("--lines", lines) NUM("--interval-ms", interval_ms)
        NUM("--msg-bytes", msg_bytes) NUM("--peers", peers) NUM("--hold-s", hold_s)
        NUM("--count", count)
#undef NUM
        if (strcmp(a, "--connect-port") == 0 && v) { o.port = (uint16_t)atoi(v); i++; continue; }
        if (strcmp(a, "--bytes") == 0 && v) { o.bytes = strtoull(v, NULL, 10); i++; continue; }
        if (strcmp(a, "--client-key") == 0 && v) { o.key = v; i++; continue; }
        if (strcmp(a, "--client-pub") == 0 && v) { o.pub = v; i++; continue; }
        if (strcmp(a, "--out") == 0 && v) { o.out = v; i++; continue; }
        if (strcmp(a, "--tag") == 0 && v) { o.tag = v; i++; continue; }
        if (strcmp(a, "--source") == 0 && v) { o.source = v; i++; continue; }
        if (strcmp(a, "--mark") == 0 && v) { o.mark = v; i++; continue; }
        if (a[0] != '-' && mode == NULL) { mode = a; continue; }
        fprintf(stderr, "pressure: bad argument '%s'\n", a);
        return 2;
    }
    if (mode == NULL || o.port == 0 || o.key == NULL || o.pub == NULL) {
        fprintf(stderr, "usage: pressure --connect-port N --client-key K --client-pub P MODE ...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_term);
    hw_client cl;
    if (hw_client_init(&cl, o.port, o.key, o.pub, NULL) != 0) return 2;
    int rc = 2;
    if (strcmp(mode, "rsa-flood") == 0) rc = rsa_flood(&o, &cl);
    else if (strcmp(mode, "log-loop") == 0 && o.out != NULL) rc = log_loop(&o, &cl);
    else if (strcmp(mode, "no-read") == 0) rc = no_read(&o);
    else if (strcmp(mode, "partial") == 0) rc = partial(&o);
    else if (strcmp(mode, "pipeline") == 0) rc = pipeline(&o);
    else if (strcmp(mode, "source-flood") == 0) rc = source_flood(&o, &cl);
    else if (strcmp(mode, "sync-stall") == 0 && o.mark != NULL) rc = sync_stall(&o, &cl);
    else fprintf(stderr, "pressure: unknown mode '%s'\n", mode);
    hw_client_free(&cl);
    return rc;
}
