/* logger-test: the residue logger library against build/residue-server over loopback
 * (issue 16 "Show"). Run by tests/scripts/logger.sh; each scenario starts its own server(s)
 * and checks the server's log file line by line.
 *
 *   logger-test --server BUILD/residue-server --keys DIR --work DIR [SCENARIO ...]
 *
 * DIR (--keys) holds client.pem / client-public.pem (the managed client), client-enc.pem
 * (the same key, passphrase "logger-secret"), server.pem / server-public.pem.
 * Scenarios (default: all):
 *   restart   the server is killed (SIGKILL) mid-stream and restarted on the same ports:
 *             every line is written, duplicates <= the `retried` counter
 *   drop      full backlog, DROP_OLDEST, while the server is stopped: exactly the newest
 *             lines survive, each written once
 *   block     full backlog, BLOCK: timeouts drop exactly the late lines; a logger blocked
 *             without a timeout is released when the server answers again
 *   stop      the server stops reading (SIGSTOP) mid-stream: log() never waits on it,
 *             drops are counted, every accepted line is written, nothing else
 *   threads   8 threads at once: every line exactly once, in bulk, compressed
 *   config    residue-cpp's configuration file: managed client, encrypted key with
 *             client_key_secret, RSA CONNECT, $RESIDUE_HOME, application_id,
 *             main_thread_id, time_offset, utc_time
 *   touch     TOUCH before expiry keeps the same client id
 * Prints one line per check; exits 1 on the first failed scenario's end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "residue_logger.h"

extern char **environ;

static const char *server_bin, *keys_dir, *work_dir;
static int failures;

#define CHECK(cond, ...) check_((cond), #cond, __VA_ARGS__)

static void check_(bool ok, const char *expr, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    printf("  %s %s%s%s\n", ok ? "ok  " : "FAIL", text, ok ? "" : "   -- failed: ", ok ? "" : expr);
    fflush(stdout);
    if (!ok) failures++;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- server ----------------------------------------------------------------------------- */

typedef struct server {
    char name[64];
    char config[512], log[512], ports[512];
    pid_t pid;
    unsigned cport, lport;
} server;

/* Writes the server's configuration (bulk 50, compression, a managed client). */
static void server_config(server *s, unsigned client_age)
{
    FILE *f = fopen(s->config, "w");
    if (f == NULL) {
        perror("config");
        exit(2);
    }
    fprintf(f,
            "{\"allow_insecure_connection\":true,\"allow_unmanaged_clients\":true,\n"
            " \"server_rsa_private_key\":\"%s/server.pem\",\"server_rsa_public_key\":\"%s/server-public.pem\",\n"
            " \"managed_clients\":[{\"client_id\":\"logger-managed\",\"public_key\":\"%s/client-public.pem\"}],\n"
            " \"requires_timestamp\":true,\"timestamp_validity\":120,\"compression\":true,\n"
            " \"allow_bulk_log_request\":true,\"max_items_in_bulk\":50,\n"
            " \"client_age\":%u,\"non_acknowledged_client_age\":300,\"default_key_size\":256}\n",
            keys_dir, keys_dir, keys_dir, client_age);
    fclose(f);
}

/* Starts the server (ports 0 = free ones, else those) and waits for its ports line. */
static bool server_start(server *s, unsigned cport, unsigned lport)
{
    char cp[16], lp[16];
    snprintf(cp, sizeof cp, "%u", cport);
    snprintf(lp, sizeof lp, "%u", lport);
    unlink(s->ports);
    char *argv[] = {(char *)server_bin, "--config", s->config, "--connect-port", cp,
                    "--logging-port", lp, "--log-file", s->log, "--ports-file", s->ports, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    char errpath[600];
    snprintf(errpath, sizeof errpath, "%s.err", s->log);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int e = posix_spawn(&s->pid, server_bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        fprintf(stderr, "posix_spawn %s: %s\n", server_bin, strerror(e));
        return false;
    }
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(s->ports, "r");
        if (f != NULL) {
            int n = fscanf(f, "residue-server: connect_port=%u logging_port=%u", &s->cport, &s->lport);
            fclose(f);
            if (n == 2) return true;
        }
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) break;
        sleep_ms(50);
    }
    fprintf(stderr, "server %s did not start (see %s)\n", s->name, errpath);
    return false;
}

static void server_init(server *s, const char *name, unsigned client_age)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->config, sizeof s->config, "%s/%s.json", work_dir, name);
    snprintf(s->log, sizeof s->log, "%s/%s.log", work_dir, name);
    snprintf(s->ports, sizeof s->ports, "%s/%s.ports", work_dir, name);
    server_config(s, client_age);
    unlink(s->log);
}

static void server_kill(server *s, int sig)
{
    if (s->pid > 0) {
        kill(s->pid, SIGCONT);
        kill(s->pid, sig);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static void url_of(const server *s, char *out, size_t cap)
{
    snprintf(out, cap, "127.0.0.1:%u", s->cport);
}

/* ---- the server's log file ------------------------------------------------------------------ */

typedef struct logfile {
    char **msgs;       /* sorted */
    char **lines;      /* raw lines, file order */
    size_t n;
} logfile;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The value of "key":"…" in line (no escapes in our test texts), copied into out. */
static bool field(const char *line, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    if (p == NULL) return false;
    p += strlen(pat);
    const char *q = strchr(p, '"');
    if (q == NULL) return false;
    snprintf(out, cap, "%.*s", (int)(q - p), p);
    return true;
}

static logfile read_log(const char *path)
{
    logfile lf = {NULL, NULL, 0};
    FILE *f = fopen(path, "r");
    if (f == NULL) return lf;
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t r;
    while ((r = getline(&line, &lcap, f)) > 0) {
        if (lf.n == cap) {
            cap = cap ? cap * 2 : 1024;
            lf.msgs = realloc(lf.msgs, cap * sizeof *lf.msgs);
            lf.lines = realloc(lf.lines, cap * sizeof *lf.lines);
        }
        char msg[4096];
        if (!field(line, "msg", msg, sizeof msg)) msg[0] = '\0';
        lf.msgs[lf.n] = strdup(msg);
        lf.lines[lf.n] = strdup(line);
        lf.n++;
    }
    free(line);
    fclose(f);
    if (lf.n > 0) qsort(lf.msgs, lf.n, sizeof *lf.msgs, cmp_str);
    return lf;
}

static void free_log(logfile *lf)
{
    for (size_t i = 0; i < lf->n; i++) {
        free(lf->msgs[i]);
        free(lf->lines[i]);
    }
    free(lf->msgs);
    free(lf->lines);
    memset(lf, 0, sizeof *lf);
}

static size_t count_of(const logfile *lf, const char *msg)
{
    size_t n = 0;
    for (size_t i = 0; i < lf->n; i++) n += strcmp(lf->msgs[i], msg) == 0;
    return n;
}

static size_t distinct(const logfile *lf)
{
    size_t d = 0;
    for (size_t i = 0; i < lf->n; i++) d += i == 0 || strcmp(lf->msgs[i], lf->msgs[i - 1]) != 0;
    return d;
}

static size_t log_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

/* ---- logger setup ------------------------------------------------------------------------ */

typedef struct counters {
    atomic_uint connect_failed, disconnected, rejected, dropped, gave_up;
    atomic_uint bulk_requests, compressed, max_bulk;
} counters;

static void on_event(void *ctx, const residue_logger_event *ev)
{
    counters *c = ctx;
    switch (ev->kind) {
    case RESIDUE_LOGGER_EV_CONNECT_FAILED: atomic_fetch_add(&c->connect_failed, 1); break;
    case RESIDUE_LOGGER_EV_DISCONNECTED: atomic_fetch_add(&c->disconnected, 1); break;
    case RESIDUE_LOGGER_EV_REJECTED: atomic_fetch_add(&c->rejected, (unsigned)ev->lines); break;
    case RESIDUE_LOGGER_EV_DROPPED: atomic_fetch_add(&c->dropped, (unsigned)ev->lines); break;
    case RESIDUE_LOGGER_EV_GAVE_UP: atomic_fetch_add(&c->gave_up, (unsigned)ev->lines); break;
    default: break;
    }
    if (ev->kind != RESIDUE_LOGGER_EV_INFO && ev->kind != RESIDUE_LOGGER_EV_DROPPED) {
        printf("       [event] %s\n", ev->text);
        fflush(stdout);
    }
}

static void on_trace(void *ctx, const residue_trace *t)
{
    counters *c = ctx;
    if (t->outgoing && strcmp(t->message, "LOG-BULK") == 0) {
        atomic_fetch_add(&c->bulk_requests, 1);
        unsigned n = 0;
        if (sscanf(t->detail, "bulk of %u records", &n) == 1) {
            unsigned m = atomic_load(&c->max_bulk);
            while (n > m && !atomic_compare_exchange_weak(&c->max_bulk, &m, n)) {
            }
        }
    }
    if (t->outgoing && strcmp(t->envelope, "aes+zlib") == 0) atomic_fetch_add(&c->compressed, 1);
}

static void base_config(residue_logger_config *cfg, const server *s, char *url, size_t url_cap,
                        counters *c)
{
    residue_logger_config_init(cfg);
    url_of(s, url, url_cap);
    cfg->url = url;
    static char key[600];
    snprintf(key, sizeof key, "%s/client.pem", keys_dir);
    cfg->client_private_key = key; /* unmanaged, with this key pair */
    cfg->application_id = "logger-test";
    cfg->reconnect_min_ms = 50;
    cfg->reconnect_max_ms = 400;
    cfg->reply_timeout_ms = 3000;
    cfg->connect_timeout_ms = 3000;
    cfg->close_timeout_ms = 20000;
    cfg->on_event = on_event;
    cfg->event_ctx = c;
    cfg->trace = on_trace;
    cfg->trace_ctx = c;
}

static void print_stats(const char *what, const residue_logger_stats *st)
{
    printf("       %s: logged %llu, sent %llu (retried %llu) in %llu requests, accepted %llu, "
           "rejected %llu, dropped %llu, failed %llu; connects %llu (reconnects %llu), "
           "connect failures %llu, disconnects %llu, touches %llu\n",
           what, (unsigned long long)st->logged, (unsigned long long)st->sent,
           (unsigned long long)st->retried, (unsigned long long)st->requests,
           (unsigned long long)st->accepted, (unsigned long long)st->rejected,
           (unsigned long long)st->dropped, (unsigned long long)st->failed,
           (unsigned long long)st->connects, (unsigned long long)st->reconnects,
           (unsigned long long)st->connect_failures, (unsigned long long)st->disconnects,
           (unsigned long long)st->touches);
    fflush(stdout);
}

/* ---- scenario: restart ------------------------------------------------------------------- */

typedef struct writer {
    residue_logger *lg;
    const char *fmt;
    int first, count;
    int pause_every;       /* sleep 1 ms after this many lines (0 = never) */
    atomic_bool *stop;     /* optional: log until set (count is then the maximum) */
    int logged, refused;
    uint64_t max_call_us;
    int name_index;        /* > 0: name the thread "worker-N" */
} writer;

static void *writer_main(void *p)
{
    writer *w = p;
    if (w->name_index > 0) {
        char name[32];
        snprintf(name, sizeof name, "worker-%d", w->name_index);
        rp_error err;
        if (residue_logger_set_thread_name(w->lg, name, &err) < 0) w->refused++;
    }
    for (int i = 0; i < w->count; i++) {
        if (w->stop != NULL && atomic_load(w->stop)) break;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int rc = residue_logger_log(w->lg, RESIDUE_LEVEL_INFO, 0, "logger-test", __FILE__,
                                    (uint32_t)__LINE__, __func__, w->fmt, w->first + i);
        clock_gettime(CLOCK_MONOTONIC, &b);
        uint64_t us = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
        if (us > w->max_call_us) w->max_call_us = us;
        if (rc == 0) w->logged++;
        else w->refused++;
        if (w->pause_every > 0 && i % w->pause_every == w->pause_every - 1) sleep_ms(1);
    }
    if (w->name_index > 0) {
        rp_error err;
        if (residue_logger_set_thread_name(w->lg, NULL, &err) < 0) w->refused++;
    }
    return NULL;
}

static void scenario_restart(void)
{
    printf("== restart: SIGKILL the server mid-stream, restart it on the same ports\n");
    server s;
    server_init(&s, "restart", 3600);
    if (!server_start(&s, 0, 0)) { failures++; return; }
    counters c = {0};
    residue_logger_config cfg;
    char url[64];
    base_config(&cfg, &s, url, sizeof url, &c);
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = -1;
    residue_logger *lg;
    rp_error err;
    if (residue_logger_open(&cfg, &lg, &err) < 0) {
        CHECK(false, "open: %s", err.message);
        server_kill(&s, SIGKILL);
        return;
    }
    const int total = 4000;
    writer w = {lg, "restart line %05d", 0, total, 20, NULL, 0, 0, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, writer_main, &w);
    uint64_t t0 = mono_ms();
    while (log_lines(s.log) < 1000 && mono_ms() - t0 < 30000) sleep_ms(5);
    size_t before = log_lines(s.log);
    server_kill(&s, SIGKILL);
    printf("       killed the server (SIGKILL) with %zu lines written\n", before);
    sleep_ms(400);
    bool up = server_start(&s, s.cport, s.lport);
    CHECK(up, "server restarted on connect port %u, logging port %u", s.cport, s.lport);
    pthread_join(th, NULL);
    int frc = residue_logger_flush(lg, 60000, &err);
    CHECK(frc == 0, "flush after the restart: %s", frc == 0 ? "all lines left the backlog" : err.message);
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    print_stats("stats", &st);
    CHECK(residue_logger_close(lg) == 0, "close: nothing left undelivered");
    server_kill(&s, SIGTERM);
    CHECK(w.logged == total && st.logged == (uint64_t)total, "%d lines logged", w.logged);
    CHECK(st.accepted == (uint64_t)total && st.rejected == 0 && st.dropped == 0 && st.failed == 0,
          "all %d accepted ({\"r\":0}), none rejected, dropped or failed", total);
    CHECK(st.reconnects >= 1 && st.disconnects + st.connect_failures >= 1,
          "the logger noticed (%llu disconnects, %llu failed attempts) and reconnected (%llu)",
          (unsigned long long)st.disconnects, (unsigned long long)st.connect_failures,
          (unsigned long long)st.reconnects);
    logfile lf = read_log(s.log);
    size_t missing = 0;
    char msg[64];
    for (int i = 0; i < total; i++) {
        snprintf(msg, sizeof msg, "restart line %05d", i);
        if (count_of(&lf, msg) == 0) missing++;
    }
    size_t dups = lf.n - distinct(&lf);
    CHECK(missing == 0 && distinct(&lf) == (size_t)total,
          "every one of the %d lines is in the server's log file (%zu missing)", total, missing);
    CHECK(dups <= st.retried, "%zu duplicate line(s) written, at most the %llu lines sent again "
          "(at least once)", dups, (unsigned long long)st.retried);
    free_log(&lf);
}

/* ---- scenario: drop ---------------------------------------------------------------------- */

static void scenario_drop(void)
{
    printf("== drop: full backlog (10 lines), DROP_OLDEST, server stopped (SIGSTOP)\n");
    server s;
    server_init(&s, "drop", 3600);
    if (!server_start(&s, 0, 0)) { failures++; return; }
    kill(s.pid, SIGSTOP);
    counters c = {0};
    residue_logger_config cfg;
    char url[64];
    base_config(&cfg, &s, url, sizeof url, &c);
    cfg.backlog_lines = 10;
    cfg.reply_timeout_ms = 500;
    residue_logger *lg;
    rp_error err;
    if (residue_logger_open(&cfg, &lg, &err) < 0) {
        CHECK(false, "open: %s", err.message);
        server_kill(&s, SIGKILL);
        return;
    }
    uint64_t t0 = mono_ms();
    int ok = 0;
    for (int i = 0; i < 100; i++) {
        ok += residue_logger_log(lg, RESIDUE_LEVEL_WARNING, 0, "drop", NULL, 0, NULL, "drop %03d", i) == 0;
    }
    uint64_t took = mono_ms() - t0;
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    CHECK(ok == 100 && took < 1000, "100 log() calls returned 0 in %llu ms (none waited)",
          (unsigned long long)took);
    CHECK(st.dropped == 90 && st.backlog_lines == 10 && atomic_load(&c.dropped) == 90,
          "90 oldest lines dropped, counted and reported; 10 held");
    kill(s.pid, SIGCONT);
    int frc = residue_logger_flush(lg, 30000, &err);
    residue_logger_stats_get(lg, &st);
    print_stats("stats", &st);
    CHECK(frc == 0 && st.accepted == 10, "after SIGCONT the 10 held lines were accepted");
    CHECK(residue_logger_close(lg) == 0, "close");
    server_kill(&s, SIGTERM);
    logfile lf = read_log(s.log);
    size_t wrong = 0;
    char msg[32];
    for (int i = 0; i < 100; i++) {
        snprintf(msg, sizeof msg, "drop %03d", i);
        wrong += count_of(&lf, msg) != (i >= 90 ? 1u : 0u);
    }
    CHECK(lf.n == 10 && wrong == 0, "the log file has exactly lines 90..99, once each (%zu lines, %zu wrong)",
          lf.n, wrong);
    free_log(&lf);
}

/* ---- scenario: block --------------------------------------------------------------------- */

typedef struct late_arg {
    residue_logger *lg;
    atomic_bool done;
    int rc;
} late_arg;

static void *late_main(void *p)
{
    late_arg *a = p;
    rp_error err;
    a->rc = residue_logger_log_str(a->lg, RESIDUE_LEVEL_INFO, 0, "block", NULL, 0, NULL,
                                   "block forever 010", 17, &err);
    atomic_store(&a->done, true);
    return NULL;
}

static void scenario_block(void)
{
    printf("== block: full backlog (10 lines), BLOCK with a 150 ms timeout, server stopped\n");
    server s;
    server_init(&s, "block", 3600);
    if (!server_start(&s, 0, 0)) { failures++; return; }
    kill(s.pid, SIGSTOP);
    counters c = {0};
    residue_logger_config cfg;
    char url[64];
    base_config(&cfg, &s, url, sizeof url, &c);
    cfg.backlog_lines = 10;
    cfg.reply_timeout_ms = 500;
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = 150;
    residue_logger *lg;
    rp_error err;
    if (residue_logger_open(&cfg, &lg, &err) < 0) {
        CHECK(false, "open: %s", err.message);
        server_kill(&s, SIGKILL);
        return;
    }
    int ok = 0, limited = 0;
    uint64_t min_wait = UINT64_MAX;
    for (int i = 0; i < 13; i++) {
        uint64_t t0 = mono_ms();
        int rc = residue_logger_log(lg, RESIDUE_LEVEL_INFO, 0, "block", NULL, 0, NULL, "block %03d", i);
        uint64_t dt = mono_ms() - t0;
        if (rc == 0) ok++;
        if (rc == RP_E_LIMIT) {
            limited++;
            if (dt < min_wait) min_wait = dt;
        }
    }
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    CHECK(ok == 10 && limited == 3 && min_wait >= 149,
          "10 lines taken; 3 refused with RP_E_LIMIT, each after waiting >= 150 ms (shortest %llu ms)",
          (unsigned long long)min_wait);
    CHECK(st.dropped == 3 && atomic_load(&c.dropped) == 3, "3 drops counted and reported");
    kill(s.pid, SIGCONT);
    int frc = residue_logger_flush(lg, 30000, &err);
    residue_logger_stats_get(lg, &st);
    print_stats("stats", &st);
    CHECK(frc == 0 && st.accepted == 10, "after SIGCONT the 10 lines were accepted");
    CHECK(residue_logger_close(lg) == 0, "close");

    printf("== block: BLOCK without a timeout is released when the server answers again\n");
    kill(s.pid, SIGSTOP);
    base_config(&cfg, &s, url, sizeof url, &c);
    cfg.backlog_lines = 10;
    cfg.reply_timeout_ms = 500;
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = -1;
    if (residue_logger_open(&cfg, &lg, &err) < 0) {
        CHECK(false, "open: %s", err.message);
        server_kill(&s, SIGKILL);
        return;
    }
    for (int i = 0; i < 10; i++) {
        (void)residue_logger_log(lg, RESIDUE_LEVEL_INFO, 0, "block", NULL, 0, NULL, "block forever %03d", i);
    }
    late_arg a = {lg, false, 1};
    atomic_init(&a.done, false);
    pthread_t th;
    pthread_create(&th, NULL, late_main, &a);
    sleep_ms(700);
    CHECK(!atomic_load(&a.done), "the 11th line waits while the server is stopped (700 ms)");
    kill(s.pid, SIGCONT);
    pthread_join(th, NULL);
    CHECK(a.rc == 0, "released after SIGCONT, the 11th line was taken");
    frc = residue_logger_flush(lg, 30000, &err);
    residue_logger_stats_get(lg, &st);
    print_stats("stats", &st);
    CHECK(frc == 0 && st.accepted == 11 && st.dropped == 0, "11 accepted, none dropped");
    CHECK(residue_logger_close(lg) == 0, "close");
    server_kill(&s, SIGTERM);
    logfile lf = read_log(s.log);
    size_t wrong = 0;
    char msg[32];
    for (int i = 0; i < 13; i++) {
        snprintf(msg, sizeof msg, "block %03d", i);
        wrong += count_of(&lf, msg) != (i < 10 ? 1u : 0u);
    }
    for (int i = 0; i <= 10; i++) {
        snprintf(msg, sizeof msg, "block forever %03d", i);
        wrong += count_of(&lf, msg) != 1u;
    }
    CHECK(lf.n == 21 && wrong == 0,
          "the log file has block 000..009 and block forever 000..010, once each (%zu lines, %zu wrong)",
          lf.n, wrong);
    free_log(&lf);
}

/* ---- scenario: stop ---------------------------------------------------------------------- */

static void scenario_stop(void)
{
    printf("== stop: the server stops reading (SIGSTOP) for 2 s mid-stream\n");
    server s;
    server_init(&s, "stop", 3600);
    if (!server_start(&s, 0, 0)) { failures++; return; }
    counters c = {0};
    residue_logger_config cfg;
    char url[64];
    base_config(&cfg, &s, url, sizeof url, &c);
    cfg.backlog_lines = 500;
    cfg.reply_timeout_ms = 800;
    cfg.connect_timeout_ms = 800;
    residue_logger *lg;
    rp_error err;
    if (residue_logger_open(&cfg, &lg, &err) < 0) {
        CHECK(false, "open: %s", err.message);
        server_kill(&s, SIGKILL);
        return;
    }
    atomic_bool stop;
    atomic_init(&stop, false);
    writer w = {lg, "stop line %06d", 0, 1000000, 1, &stop, 0, 0, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, writer_main, &w);
    residue_logger_stats st;
    uint64_t t0 = mono_ms();
    do {
        sleep_ms(5);
        residue_logger_stats_get(lg, &st);
    } while (st.accepted < 300 && mono_ms() - t0 < 30000);
    kill(s.pid, SIGSTOP);
    residue_logger_stats_get(lg, &st);
    uint64_t at_stop = st.logged;
    sleep_ms(2000);
    residue_logger_stats_get(lg, &st);
    uint64_t during = st.logged - at_stop;
    kill(s.pid, SIGCONT);
    sleep_ms(500);
    atomic_store(&stop, true);
    pthread_join(th, NULL);
    int frc = residue_logger_flush(lg, 60000, &err);
    residue_logger_stats_get(lg, &st);
    print_stats("stats", &st);
    CHECK(during > 500, "%llu lines logged while the server was stopped (more than the backlog holds)",
          (unsigned long long)during);
    CHECK(w.max_call_us < 250000, "the slowest log() call took %llu us: never waited on the server "
          "(its reply timeout is 800 ms)", (unsigned long long)w.max_call_us);
    CHECK(st.dropped > 0 && atomic_load(&c.dropped) == st.dropped,
          "%llu lines dropped (DROP_OLDEST), each counted and reported", (unsigned long long)st.dropped);
    CHECK(st.disconnects + st.connect_failures >= 1,
          "the stop was seen: %llu reply timeouts, %llu failed attempts",
          (unsigned long long)st.disconnects, (unsigned long long)st.connect_failures);
    CHECK(frc == 0 && st.logged == st.accepted + st.dropped && st.rejected == 0 && st.failed == 0,
          "logged %llu = accepted %llu + dropped %llu", (unsigned long long)st.logged,
          (unsigned long long)st.accepted, (unsigned long long)st.dropped);
    CHECK(residue_logger_close(lg) == 0, "close");
    server_kill(&s, SIGTERM);
    logfile lf = read_log(s.log);
    size_t foreign = 0;
    for (size_t i = 0; i < lf.n; i++) {
        unsigned k;
        char tail;
        if (sscanf(lf.msgs[i], "stop line %06u%c", &k, &tail) != 1 || k >= (unsigned)w.logged) foreign++;
    }
    size_t d = distinct(&lf);
    CHECK(d == st.accepted && foreign == 0,
          "the log file holds exactly the %llu accepted lines (%zu distinct, %zu not logged by us); "
          "dropped lines never reached it", (unsigned long long)st.accepted, d, foreign);
    CHECK(lf.n - d <= st.retried, "%zu duplicates, at most the %llu lines sent again", lf.n - d,
          (unsigned long long)st.retried);
    free_log(&lf);
}

/* ---- scenario: threads ------------------------------------------------------------------- */

static void scenario_threads(void)
{
    printf("== threads: 8 threads log 2000 lines each at once\n");
    server s;
    server_init(&s, "threads", 3600);
    if (!server_start(&s, 0, 0)) { failures++; return; }
    counters c = {0};
    residue_logger_config cfg;
    char url[64];
    base_config(&cfg, &s, url, sizeof url, &c);
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = -1;
    residue_logger *lg;
    rp_error err;
    if (residue_logger_open(&cfg, &lg, &err) < 0) {
        CHECK(false, "open: %s", err.message);
        server_kill(&s, SIGKILL);
        return;
    }
    enum { T = 8, N = 2000 };
    writer w[T];
    pthread_t th[T];
    static char fmts[T][40];
    uint64_t t0 = mono_ms();
    for (int i = 0; i < T; i++) {
        snprintf(fmts[i], sizeof fmts[i], "thread %d line %%05d", i);
        w[i] = (writer){lg, fmts[i], 0, N, 0, NULL, 0, 0, 0, i + 1};
        pthread_create(&th[i], NULL, writer_main, &w[i]);
    }
    int logged = 0, refused = 0;
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        logged += w[i].logged;
        refused += w[i].refused;
    }
    int frc = residue_logger_flush(lg, 60000, &err);
    uint64_t ms = mono_ms() - t0;
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    print_stats("stats", &st);
    printf("       %d lines in %llu ms (%.0f lines/s, logging to flushed)\n", T * N,
           (unsigned long long)ms, ms ? T * N * 1000.0 / (double)ms : 0.0);
    CHECK(logged == T * N && refused == 0 && frc == 0 && st.accepted == (uint64_t)(T * N),
          "%d lines logged from %d threads, all accepted", T * N, T);
    CHECK(st.retried == 0 && st.reconnects == 0, "no resend, no reconnect");
    CHECK(atomic_load(&c.bulk_requests) > 0 && atomic_load(&c.max_bulk) <= 50 &&
          st.requests < (uint64_t)(T * N) / 5u,
          "bulk requests: %llu requests for %d lines, largest bulk %u (server max_items_in_bulk 50)",
          (unsigned long long)st.requests, T * N, atomic_load(&c.max_bulk));
    CHECK(atomic_load(&c.compressed) == st.requests, "every request compressed (aes+zlib: %u)",
          atomic_load(&c.compressed));
    CHECK(residue_logger_close(lg) == 0, "close");
    server_kill(&s, SIGTERM);
    logfile lf = read_log(s.log);
    size_t wrong = 0;
    char msg[64];
    for (int i = 0; i < T; i++) {
        for (int k = 0; k < N; k++) {
            snprintf(msg, sizeof msg, "thread %d line %05d", i, k);
            wrong += count_of(&lf, msg) != 1u;
        }
    }
    CHECK(lf.n == (size_t)(T * N) && wrong == 0, "the log file has each of the %d lines exactly once "
          "(%zu lines, %zu wrong)", T * N, lf.n, wrong);
    free_log(&lf);
}

/* ---- scenario: config -------------------------------------------------------------------- */

typedef struct captured {
    pthread_mutex_t mu;
    char connect_env[16];
    char log_detail[600];
} captured;

static void capture_trace(void *ctx, const residue_trace *t)
{
    captured *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (t->outgoing && strcmp(t->message, "CONNECT") == 0) snprintf(c->connect_env, sizeof c->connect_env, "%s", t->envelope);
    if (t->outgoing && strcmp(t->message, "LOG") == 0) snprintf(c->log_detail, sizeof c->log_detail, "%s", t->detail);
    pthread_mutex_unlock(&c->mu);
}

static uint64_t now_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool datetime_of(const logfile *lf, const char *msg, long long *out)
{
    for (size_t i = 0; i < lf->n; i++) {
        char m[256];
        if (field(lf->lines[i], "msg", m, sizeof m) && strcmp(m, msg) == 0) {
            const char *p = strstr(lf->lines[i], "\"datetime\":");
            if (p != NULL) {
                *out = atoll(p + 11);
                return true;
            }
        }
    }
    return false;
}

static void scenario_config(void)
{
    printf("== config: residue-cpp's client configuration file\n");
    server s;
    server_init(&s, "config", 3600);
    if (!server_start(&s, 0, 0)) { failures++; return; }
    const char *home = getenv("RESIDUE_HOME");
    CHECK(home != NULL, "RESIDUE_HOME is set (%s)", home ? home : "-");
    char path[600];
    snprintf(path, sizeof path, "%s/client.conf.json", work_dir);
    FILE *f = fopen(path, "w");
    /* "logger-secret" hex-encoded, as residue-cpp expects client_key_secret */
    fprintf(f,
            "{\n"
            "    \"url\": \"127.0.0.1:%u\",\n"
            "    \"application_id\": \"com.example.logger-test\",\n"
            "    \"rsa_key_size\": 2048,\n"
            "    \"utc_time\": false,\n"
            "    \"time_offset\": 3600,\n"
            "    \"dispatch_delay\": 1,\n"
            "    \"main_thread_id\": \"Main Thread\",\n"
            "    \"server_public_key\": \"$RESIDUE_HOME/keys/server-public.pem\",\n"
            "    \"client_id\": \"logger-managed\",\n"
            "    \"client_private_key\": \"$RESIDUE_HOME/keys/client-enc.pem\",\n"
            "    \"client_key_secret\": \"6c6f676765722d736563726574\",\n"
            "    \"internal_logging_level\": 4\n"
            "}\n", s.cport);
    fclose(f);
    residue_logger_config cfg;
    residue_logger_config_init(&cfg);
    rp_error err;
    int rc = residue_logger_config_load(&cfg, path, &err);
    CHECK(rc == 0, "loaded %s: %s", path, rc == 0 ? "ok" : err.message);
    captured cap;
    memset(&cap, 0, sizeof cap);
    pthread_mutex_init(&cap.mu, NULL);
    cfg.trace = capture_trace;
    cfg.trace_ctx = &cap;
    residue_logger *lg = NULL;
    if (rc == 0) rc = residue_logger_open(&cfg, &lg, &err);
    residue_logger_config_release(&cfg);
    CHECK(rc == 0, "opened (encrypted key, passphrase from client_key_secret): %s", rc == 0 ? "ok" : err.message);
    if (rc < 0) {
        server_kill(&s, SIGKILL);
        return;
    }
    uint64_t t_log = now_real_ms();
    CHECK(residue_logger_log(lg, RESIDUE_LEVEL_INFO, 3, "default", "app.c", 42, "main",
                             "cfg %s", "line") == 0, "logged a line");
    CHECK(residue_logger_flush(lg, 30000, &err) == 0, "flushed");
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    CHECK(st.accepted == 1, "accepted");
    CHECK(residue_logger_close(lg) == 0, "close");
    pthread_mutex_lock(&cap.mu);
    CHECK(strcmp(cap.connect_env, "rsa") == 0, "the CONNECT was RSA-encrypted to server_public_key (%s)", cap.connect_env);
    CHECK(strstr(cap.log_detail, "\"thread\":\"Main Thread\"") != NULL &&
          strstr(cap.log_detail, "\"file\":\"app.c\",\"line\":42,\"func\":\"main\"") != NULL &&
          strstr(cap.log_detail, "\"vlevel\":3") != NULL,
          "the request carries main_thread_id, file, line, func and vlevel: %s", cap.log_detail);
    pthread_mutex_unlock(&cap.mu);
    pthread_mutex_destroy(&cap.mu);

    /* residue_logger_open_file, utc_time: true (TZ is UTC+2 for this program) */
    f = fopen(path, "w");
    fprintf(f, "{\"url\":\"127.0.0.1:%u\",\"utc_time\":true,\"application_id\":\"utc-app\","
               "\"client_id\":\"logger-managed\",\"client_private_key\":\"$RESIDUE_HOME/keys/client.pem\"}\n",
            s.cport);
    fclose(f);
    rc = residue_logger_open_file(path, &lg, &err);
    CHECK(rc == 0, "residue_logger_open_file: %s", rc == 0 ? "ok" : err.message);
    uint64_t t_utc = now_real_ms();
    if (rc == 0) {
        CHECK(residue_logger_log(lg, RESIDUE_LEVEL_ERROR, 0, NULL, NULL, 0, NULL, "utc line") == 0, "logged");
        CHECK(residue_logger_close(lg) == 0, "closed with the line delivered");
    }
    server_kill(&s, SIGTERM);
    logfile lf = read_log(s.log);
    char id[64] = "", app[64] = "";
    bool found = false;
    for (size_t i = 0; i < lf.n; i++) {
        char m[128];
        if (field(lf.lines[i], "msg", m, sizeof m) && strcmp(m, "cfg line") == 0) {
            found = field(lf.lines[i], "client_id", id, sizeof id) && field(lf.lines[i], "app", app, sizeof app);
        }
    }
    CHECK(found && strcmp(id, "logger-managed") == 0 && strcmp(app, "com.example.logger-test") == 0,
          "written by managed client %s with app %s", id, app);
    long long dt1 = 0, dt2 = 0;
    bool has1 = datetime_of(&lf, "cfg line", &dt1), has2 = datetime_of(&lf, "utc line", &dt2);
    CHECK(has1 && llabs(dt1 - (long long)t_log - 3600000LL) < 10000,
          "time_offset 3600: datetime %lld is the logging time %llu + 3600 s", dt1,
          (unsigned long long)t_log);
    CHECK(has2 && llabs(dt2 - (long long)t_utc + 7200000LL) < 10000,
          "utc_time with the local zone at UTC+2: datetime %lld is the logging time %llu - 7200 s",
          dt2, (unsigned long long)t_utc);
    CHECK(lf.n == 2, "2 lines in the log file");
    free_log(&lf);
}

/* ---- scenario: touch --------------------------------------------------------------------- */

static void scenario_touch(void)
{
    printf("== touch: client_age 120 s, touch_margin_s 119: TOUCH before expiry, same client\n");
    server s;
    server_init(&s, "touch", 120);
    if (!server_start(&s, 0, 0)) { failures++; return; }
    counters c = {0};
    residue_logger_config cfg;
    char url[64];
    base_config(&cfg, &s, url, sizeof url, &c);
    cfg.touch_margin_s = 119;
    residue_logger *lg;
    rp_error err;
    if (residue_logger_open(&cfg, &lg, &err) < 0) {
        CHECK(false, "open: %s", err.message);
        server_kill(&s, SIGKILL);
        return;
    }
    CHECK(residue_logger_connect_wait(lg, 10000, &err) == 0, "connected");
    CHECK(residue_logger_log(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "before touch") == 0, "line 1");
    CHECK(residue_logger_flush(lg, 10000, &err) == 0, "flushed");
    sleep_ms(3500); /* idle: the dispatcher TOUCHes on its own */
    CHECK(residue_logger_log(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "after touch") == 0, "line 2");
    CHECK(residue_logger_touch(lg, 10000, &err) == 0, "an explicit TOUCH is answered");
    CHECK(residue_logger_flush(lg, 10000, &err) == 0, "flushed");
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    print_stats("stats", &st);
    CHECK(st.touches >= 3 && st.connects == 1, "%llu TOUCHes while idle and asked, one handshake",
          (unsigned long long)st.touches);
    CHECK(residue_logger_close(lg) == 0, "close");
    server_kill(&s, SIGTERM);
    logfile lf = read_log(s.log);
    char id1[64] = "", id2[64] = "";
    if (lf.n == 2) {
        field(lf.lines[0], "client_id", id1, sizeof id1);
        field(lf.lines[1], "client_id", id2, sizeof id2);
    }
    CHECK(lf.n == 2 && id1[0] != '\0' && strcmp(id1, id2) == 0,
          "both lines written by the same client (%s, %s)", id1, id2);
    free_log(&lf);
}

int main(int argc, char **argv)
{
    /* utc_time is checked against a known zone; set before any thread exists. */
    setenv("TZ", "XYZ-2", 1);
    tzset();
    signal(SIGPIPE, SIG_IGN);
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--server") == 0) server_bin = argv[i + 1];
        else if (strcmp(argv[i], "--keys") == 0) keys_dir = argv[i + 1];
        else if (strcmp(argv[i], "--work") == 0) work_dir = argv[i + 1];
        else break;
    }
    if (server_bin == NULL || keys_dir == NULL || work_dir == NULL) {
        fprintf(stderr, "usage: logger-test --server BIN --keys DIR --work DIR [SCENARIO ...]\n");
        return 2;
    }
    static const struct { const char *name; void (*fn)(void); } all[] = {
        {"restart", scenario_restart}, {"drop", scenario_drop}, {"block", scenario_block},
        {"stop", scenario_stop}, {"threads", scenario_threads}, {"config", scenario_config},
        {"touch", scenario_touch}};
    size_t n = sizeof all / sizeof all[0];
    for (size_t k = 0; k < n; k++) {
        bool run = i >= argc;
        for (int j = i; j < argc; j++) run = run || strcmp(argv[j], all[k].name) == 0;
        if (run) all[k].fn();
    }
    printf("logger-test: %s (%d failed check(s))\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
