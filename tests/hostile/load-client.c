/* load-client: N concurrent residue clients against a residue-server on 127.0.0.1.
 *
 *   load-client --connect-port N --client-key PRIV.pem --client-pub PUB.pem
 *               [--clients 200] [--lines 500] [--tag RUN] [--deadline-s 170]
 *
 * Every client is one thread: a full handshake (plain CONNECT -> RSA hello -> AES ACK ->
 * established) on its own connect-port connection, then its own logging-port connection on
 * which it sends its lines as a rotating mix of single, compressed single, bulk and
 * compressed bulk requests (bulks of 2..min(max_bulk_size, 25) items), waiting for {"r":0}
 * after each packet. Nothing is retried, so every line is sent exactly once. Line j of client
 * i carries msg "load-<tag>-<i>-<j>"; tests/scripts/load.sh checks that the server's log has
 * each exactly once. All clients start their handshake together (a barrier).
 *
 * Prints per-kind packet counts, failures and timings, and one summary line
 *   load: clients=N lines=M sent=S acked=A failed=F seconds=T lines/s=R
 * Exit 0 when every packet got {"r":0} before the deadline.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

typedef struct shared {
    hw_client cl;
    unsigned clients, lines;
    const char *tag;
    double deadline;              /* monotonic seconds */
    pthread_barrier_t start;
} shared;

typedef struct worker {
    shared *sh;
    unsigned id;
    pthread_t thread;
    unsigned sent, acked;         /* lines */
    unsigned packets[4];          /* single, single+zlib, bulk, bulk+zlib */
    int failed;                   /* 1 when the client stopped early */
    char why[300];
    double handshake_s, total_s;
} worker;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t append_line(char *buf, size_t cap, size_t len, const shared *sh, unsigned id,
                          unsigned j, unsigned long long t)
{
    int n = snprintf(buf + len, cap - len,
                     "{\"_t\":%llu,\"datetime\":%llu000,\"logger\":\"default\",\"msg\":\"load-%s-%u-%u\","
                     "\"file\":\"load-client.c\",\"line\":%u,\"func\":\"worker\",\"app\":\"load\",\"level\":128,\"vlevel\":0}",
                     t, t, sh->tag, id, j, j);
    return len + (size_t)n;
}

static void *run(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    hw_session s;
    pthread_barrier_wait(&sh->start);
    double t0 = now_s();
    if (hw_handshake(&sh->cl, &s, w->why, sizeof w->why) != 0) {
        w->failed = 1;
        return NULL;
    }
    w->handshake_s = now_s() - t0;
    hw_conn *lc = hw_connect(s.logging_port);
    if (lc == NULL) {
        w->failed = 1;
        snprintf(w->why, sizeof w->why, "cannot connect to the logging port %u", s.logging_port);
        return NULL;
    }
    unsigned max_bulk = s.max_bulk > 25 ? 25 : (unsigned)s.max_bulk;
    bool bulk_ok = (s.flags & 16u) != 0 && max_bulk >= 2, zlib_ok = (s.flags & 256u) != 0;
    size_t cap = 26u * 400u + 16u;
    char *buf = malloc(cap);
    unsigned j = 0, round = 0;
    while (j < sh->lines && !w->failed) {
        if (now_s() > sh->deadline) {
            w->failed = 1;
            snprintf(w->why, sizeof w->why, "deadline passed after %u of %u lines", j, sh->lines);
            break;
        }
        unsigned kind = round++ % 4;            /* 0 single, 1 single+zlib, 2 bulk, 3 bulk+zlib */
        if (kind >= 2 && !bulk_ok) kind -= 2;
        if (kind % 2 == 1 && !zlib_ok) kind -= 1;
        unsigned count = 1;
        if (kind >= 2) count = 2 + (w->id + round) % (max_bulk - 1);
        if (count > sh->lines - j) count = sh->lines - j;
        unsigned long long t = hw_now();
        size_t len = 0;
        if (kind >= 2) buf[len++] = '[';
        for (unsigned k = 0; k < count; k++) {
            if (k) buf[len++] = ',';
            len = append_line(buf, cap, len, sh, w->id, j + k, t);
        }
        if (kind >= 2) buf[len++] = ']';
        buf[len] = '\0';
        int r = hw_log(lc, &s, buf, len, kind % 2 == 1, 30000);
        w->sent += count;
        w->packets[kind]++;
        if (r == 0) {
            w->acked += count;
        } else {
            w->failed = 1;
            snprintf(w->why, sizeof w->why, "line %u: %s", j,
                     r < 0 ? "no reply / I/O error" : "{\"r\":1} (refused)");
        }
        j += count;
    }
    free(buf);
    hw_close(lc);
    w->total_s = now_s() - t0;
    return NULL;
}

int main(int argc, char **argv)
{
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.clients = 200;
    sh.lines = 500;
    sh.tag = "run";
    unsigned port = 0;
    double deadline_s = 170;
    const char *priv = NULL, *pub = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--connect-port") == 0) port = (unsigned)atoi(v);
        else if (strcmp(k, "--client-key") == 0) priv = v;
        else if (strcmp(k, "--client-pub") == 0) pub = v;
        else if (strcmp(k, "--clients") == 0) sh.clients = (unsigned)atoi(v);
        else if (strcmp(k, "--lines") == 0) sh.lines = (unsigned)atoi(v);
        else if (strcmp(k, "--tag") == 0) sh.tag = v;
        else if (strcmp(k, "--deadline-s") == 0) deadline_s = atof(v);
        else { fprintf(stderr, "load-client: unknown option %s\n", k); return 2; }
    }
    if (port == 0 || priv == NULL || pub == NULL || sh.clients == 0) {
        fprintf(stderr, "usage: load-client --connect-port N --client-key PRIV --client-pub PUB "
                        "[--clients N] [--lines N] [--tag T] [--deadline-s S]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (hw_client_init(&sh.cl, (uint16_t)port, priv, pub, NULL) != 0) return 2;
    worker *ws = calloc(sh.clients, sizeof *ws);
    pthread_barrier_init(&sh.start, NULL, sh.clients + 1);
    double t0 = now_s();
    sh.deadline = t0 + deadline_s;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (unsigned i = 0; i < sh.clients; i++) {
        ws[i].sh = &sh;
        ws[i].id = i;
        if (pthread_create(&ws[i].thread, &attr, run, &ws[i]) != 0) {
            fprintf(stderr, "load-client: cannot start thread %u\n", i);
            return 2;
        }
    }
    pthread_barrier_wait(&sh.start);
    unsigned long sent = 0, acked = 0, pk[4] = {0, 0, 0, 0};
    unsigned failed = 0;
    double hs_max = 0, hs_sum = 0, slowest = 0;
    for (unsigned i = 0; i < sh.clients; i++) {
        pthread_join(ws[i].thread, NULL);
        sent += ws[i].sent;
        acked += ws[i].acked;
        for (int k = 0; k < 4; k++) pk[k] += ws[i].packets[k];
        if (ws[i].failed) {
            if (failed < 10) fprintf(stderr, "load-client: client %u failed: %s\n", i, ws[i].why);
            failed++;
        }
        hs_sum += ws[i].handshake_s;
        if (ws[i].handshake_s > hs_max) hs_max = ws[i].handshake_s;
        if (ws[i].total_s > slowest) slowest = ws[i].total_s;
    }
    double secs = now_s() - t0;
    printf("load: packets single=%lu single+zlib=%lu bulk=%lu bulk+zlib=%lu\n", pk[0], pk[1], pk[2], pk[3]);
    printf("load: handshake mean %.3f s, max %.3f s; slowest client %.2f s\n",
           hs_sum / sh.clients, hs_max, slowest);
    printf("load: clients=%u lines=%lu sent=%lu acked=%lu failed_clients=%u seconds=%.2f lines/s=%.0f\n",
           sh.clients, (unsigned long)sh.clients * sh.lines, sent, acked, failed, secs,
           secs > 0 ? (double)acked / secs : 0.0);
    hw_client_free(&sh.cl);
    free(ws);
    return failed == 0 && acked == (unsigned long)sh.clients * sh.lines ? 0 : 1;
}
