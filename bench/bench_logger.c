/* bench_logger: lines per second through the residue logger library (runtime/residue/
 * residue_logger.h) into residue-server on loopback; the server is another process.
 *
 *   bench_logger --port CONNECT_PORT --key CLIENT_PRIVATE_PEM --lines N --threads T
 *
 * T threads log N lines in all (printf-style, 60-byte messages, with file/line/func) through
 * one logger (policy BLOCK, so no line is dropped: when the backlog is full the callers wait
 * for the network, and the figure is the end-to-end rate), then flush. Reported:
 *   lines_per_s  N / wall time from the first log() to the end of the flush (every line
 *                answered {"r":0} by the server)
 *   call_ns      the callers' CPU time per log() call (thread CPU time: formatting,
 *                validation, the copy into the backlog, the lock)
 *   requests     log requests the dispatcher sent (bulk batching)
 * One `result:` line for bench/run.sh, `# ...` lines for people. Only 127.0.0.1 is used.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "residue_logger.h"

typedef struct worker {
    residue_logger *lg;
    int id;
    long lines;
    long failed;
    uint64_t cpu_ns;
} worker;

static uint64_t ns_of(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *work(void *p)
{
    worker *w = p;
    uint64_t t0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < w->lines; i++) {
        if (residue_logger_log(w->lg, RESIDUE_LEVEL_INFO, 0, "bench", "bench_logger.c", 42,
                               "work", "thread %d line %08ld: a sixty-byte log message body",
                               w->id, i) != 0) {
            w->failed++;
        }
    }
    w->cpu_ns = ns_of(CLOCK_THREAD_CPUTIME_ID) - t0;
    return NULL;
}

int main(int argc, char **argv)
{
    const char *port = NULL, *key = NULL;
    long lines = 100000;
    int threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0) key = argv[i + 1];
        else if (strcmp(argv[i], "--lines") == 0) lines = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
    }
    if (port == NULL || key == NULL || lines < 1 || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: bench_logger --port N --key PEM --lines N --threads T\n");
        return 2;
    }
    char url[64];
    snprintf(url, sizeof url, "127.0.0.1:%s", port);
    residue_logger_config cfg;
    residue_logger_config_init(&cfg);
    cfg.url = url;
    cfg.client_private_key = key;
    cfg.application_id = "bench";
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = -1;
    residue_logger *lg;
    rp_error err;
    if (residue_logger_open(&cfg, &lg, &err) < 0 || residue_logger_connect_wait(lg, 10000, &err) < 0) {
        fprintf(stderr, "bench_logger: %s\n", err.message);
        return 1;
    }
    worker w[64];
    pthread_t th[64];
    uint64_t t0 = ns_of(CLOCK_MONOTONIC);
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){lg, i, lines / threads + (i < lines % threads), 0, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    long failed = 0;
    uint64_t cpu = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        failed += w[i].failed;
        cpu += w[i].cpu_ns;
    }
    int frc = residue_logger_flush(lg, 120000, &err);
    double secs = (double)(ns_of(CLOCK_MONOTONIC) - t0) / 1e9;
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    int crc = residue_logger_close(lg);
    if (failed != 0 || frc != 0 || crc != 0 || st.accepted != (uint64_t)lines) {
        fprintf(stderr, "bench_logger: %ld refused, flush %d, close %d, %llu of %ld accepted\n",
                failed, frc, crc, (unsigned long long)st.accepted, lines);
        return 1;
    }
    printf("# %d thread(s), %ld lines: %.3f s wall, %llu requests (%.1f lines each), "
           "%llu retried\n", threads, lines, secs, (unsigned long long)st.requests,
           (double)lines / (double)(st.requests ? st.requests : 1), (unsigned long long)st.retried);
    printf("result: threads=%d lines=%ld seconds=%.6f lines_per_s=%.0f call_ns=%.0f requests=%llu\n",
           threads, lines, secs, (double)lines / secs, (double)cpu / (double)lines,
           (unsigned long long)st.requests);
    return 0;
}
