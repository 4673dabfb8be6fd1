/* residue_logger: the API side (open, log, flush, close ...), callable from any thread.
 * The network side is residue_logger_dispatch.c. See residue_logger.h for the contract.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1 /* syscall(SYS_gettid): lines carry the kernel thread id */
#endif
#include "residue_logger_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include <openssl/crypto.h>

#include "residue_profiles.h"
#include "rp_codec.h"
#include "rp_json.h"

#define FORMAT_STACK 1024u

/* ---- small helpers ------------------------------------------------------------------- */

void residue_logger_deadline(struct timespec *ts, uint64_t at_ms)
{
    ts->tv_sec = (time_t)(at_ms / 1000u);
    ts->tv_nsec = (long)(at_ms % 1000u) * 1000000L;
}

/* Waits on cond until at_ms (monotonic; 0 = no deadline). Returns false on timeout. */
static bool wait_until(pthread_cond_t *cond, pthread_mutex_t *mu, uint64_t at_ms)
{
    if (at_ms == 0) {
        pthread_cond_wait(cond, mu);
        return true;
    }
    if (residue_net_now_ms() >= at_ms) {
        return false;
    }
    struct timespec ts;
    residue_logger_deadline(&ts, at_ms);
    return pthread_cond_timedwait(cond, mu, &ts) != ETIMEDOUT;
}

static uint64_t deadline_after(int timeout_ms)
{
    return timeout_ms < 0 ? 0 : residue_net_now_ms() + (uint64_t)timeout_ms + (timeout_ms == 0);
}

void residue_logger_prefix_error(rp_error *err, const char *prefix)
{
    if (err == NULL) return;
    size_t cap = sizeof err->message;
    size_t p = strlen(prefix), m = strnlen(err->message, cap - 1u);
    if (p + 2u >= cap) p = cap - 3u;
    size_t keep = m + p + 2u < cap ? m : cap - 1u - p - 2u;
    memmove(err->message + p + 2u, err->message, keep);
    memcpy(err->message, prefix, p);
    err->message[p] = ':';
    err->message[p + 1u] = ' ';
    err->message[p + 2u + keep] = '\0';
}

static char *dup_str(const char *s)
{
    if (s == NULL) return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1u);
    if (d != NULL) memcpy(d, s, n + 1u);
    return d;
}

void residue_logger_emit(residue_logger *lg, residue_logger_event_kind kind, int level,
                         uint64_t lines, const rp_error *err, const char *fmt, ...)
{
    bool to_callback = lg->cfg.on_event != NULL;
    bool wanted = kind != RESIDUE_LOGGER_EV_INFO || level >= lg->cfg.internal_logging_level;
    if (to_callback ? !wanted : level < lg->cfg.internal_logging_level) {
        return;
    }
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (to_callback) {
        residue_logger_event ev = {kind, level, lines, text, err};
        lg->cfg.on_event(lg->cfg.event_ctx, &ev);
    } else {
        fprintf(stderr, "residue: %s\n", text);
    }
}

/* ---- open -------------------------------------------------------------------------------- */

static int bad(rp_error *err, const char *what)
{
    return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX, "%s", what);
}

static int check_config(const residue_logger_config *c, rp_error *err)
{
    if (c->url == NULL) return bad(err, "url (HOST:PORT of the server's connect port) is required");
    if (c->rsa_key_size != 0 && c->rsa_key_size != 2048 && c->rsa_key_size != 4096 &&
        c->rsa_key_size != 8192) {
        return bad(err, "rsa_key_size must be 2048, 4096 or 8192");
    }
    if (c->internal_logging_level < 0 || c->internal_logging_level > 5) {
        return bad(err, "internal_logging_level must be 0..5");
    }
    if (c->key_size != 0 && c->key_size != 128 && c->key_size != 192 && c->key_size != 256) {
        return bad(err, "key_size must be 0, 128, 192 or 256");
    }
    if (c->client_id != NULL && *c->client_id != '\0' &&
        (c->client_private_key == NULL || *c->client_private_key == '\0')) {
        return bad(err, "client_id (a managed client) needs client_private_key");
    }
    if (c->backlog_lines < 1 || c->backlog_bytes < 1 || c->max_line_size < 1) {
        return bad(err, "backlog_lines, backlog_bytes and max_line_size must be at least 1");
    }
    if (c->max_line_size > c->backlog_bytes) {
        return bad(err, "max_line_size is larger than backlog_bytes: such a line could never be held");
    }
    if (c->reconnect_min_ms < 1 || c->reconnect_max_ms < c->reconnect_min_ms) {
        return bad(err, "reconnect_min_ms must be >= 1 and <= reconnect_max_ms");
    }
    if (c->policy != RESIDUE_LOGGER_DROP_OLDEST && c->policy != RESIDUE_LOGGER_BLOCK) {
        return bad(err, "policy must be RESIDUE_LOGGER_DROP_OLDEST or RESIDUE_LOGGER_BLOCK");
    }
    if (c->bulk_size > 500) return bad(err, "bulk_size must be 0..500");
    size_t n = c->application_id == NULL ? 0 : strlen(c->application_id);
    if (n > 256 || rp_json_check_utf8(c->application_id, n, 0, NULL) < 0) {
        return bad(err, "application_id must be UTF-8 of at most 256 bytes");
    }
    n = c->main_thread_id == NULL ? 0 : strlen(c->main_thread_id);
    if (n > 256 || rp_json_check_utf8(c->main_thread_id, n, 0, NULL) < 0) {
        return bad(err, "main_thread_id must be UTF-8 of at most 256 bytes");
    }
    return 0;
}

/* Loads the key files named by cfg (paths with $RESIDUE_HOME expanded). */
static int load_keys(residue_logger *lg, const residue_logger_config *c, rp_error *err)
{
    char path[RESIDUE_LOGGER_PATH_MAX];
    int rc = 0;
    if (c->client_private_key != NULL && *c->client_private_key != '\0') {
        char pass[1025];
        bool has_pass = false;
        const char *secret = c->client_key_secret;
        if (secret != NULL && *secret != '\0') {
            size_t n = 0;
            rc = rp_hex_decode(secret, strlen(secret), (uint8_t *)pass, sizeof pass - 1u, &n, err);
            if (rc < 0) {
                OPENSSL_cleanse(pass, sizeof pass);
                return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                    "client_key_secret must be the passphrase hex-encoded "
                                    "(at most 1024 bytes)");
            }
            pass[n] = '\0';
            has_pass = true;
        }
        rc = residue_logger_expand_home(c->client_private_key, c->residue_home, NULL, path,
                                        sizeof path, err);
        if (rc == 0) {
            rc = rp_rsa_key_load_private_file(path, has_pass ? pass : NULL, &lg->client_key, err);
        }
        OPENSSL_cleanse(pass, sizeof pass);
        if (rc < 0) return rc;
    }
    if (c->server_public_key != NULL && *c->server_public_key != '\0') {
        rc = residue_logger_expand_home(c->server_public_key, c->residue_home, NULL, path,
                                        sizeof path, err);
        if (rc == 0) rc = rp_rsa_key_load_public_file(path, &lg->server_key, err);
        if (rc < 0) return rc;
    }
    if (lg->client_key == NULL) {
        rc = rp_rsa_key_generate(c->rsa_key_size != 0 ? c->rsa_key_size : 2048u, &lg->client_key, err);
    }
    return rc;
}

static void free_logger(residue_logger *lg)
{
    residue_backlog_clear(&lg->q);
    residue_client_free(lg->session);
    rp_rsa_key_free(lg->client_key);
    rp_rsa_key_free(lg->server_key);
    free(lg->app);
    free(lg->client_id);
    free(lg->main_thread_id);
    free(lg->cbuf);
    free(lg->lbuf);
    if (lg->pkt != NULL) OPENSSL_cleanse(lg->pkt, lg->pkt_cap);
    free(lg->pkt);
    free(lg->recs);
    free(lg->batch);
    if (lg->cfd >= 0) close(lg->cfd);
    if (lg->lfd >= 0) close(lg->lfd);
    if (lg->wake[0] >= 0) close(lg->wake[0]);
    if (lg->wake[1] >= 0) close(lg->wake[1]);
    free(lg);
}

int residue_logger_open(const residue_logger_config *cfg, residue_logger **out, rp_error *err)
{
    if (out != NULL) *out = NULL;
    if (cfg == NULL || out == NULL) {
        return bad(err, "config and out must not be NULL");
    }
    int rc = check_config(cfg, err);
    if (rc < 0) return rc;
    residue_logger *lg = calloc(1, sizeof *lg);
    if (lg == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    lg->cfd = lg->lfd = lg->wake[0] = lg->wake[1] = -1;
    lg->cfg = *cfg;
    /* Strings the logger keeps are copied; the key paths and the secret are used now only. */
    lg->cfg.url = NULL;
    lg->cfg.client_private_key = lg->cfg.client_key_secret = lg->cfg.server_public_key = NULL;
    lg->cfg.residue_home = NULL;
    lg->cfg.owned_ = NULL;
    rc = residue_net_parse_url(cfg->url, lg->host, sizeof lg->host, &lg->port, err);
    if (rc == 0 && cfg->application_id != NULL && *cfg->application_id != '\0') {
        lg->app = dup_str(cfg->application_id);
        lg->app_len = lg->app == NULL ? 0 : strlen(lg->app);
        if (lg->app == NULL) rc = RP_E_NOMEM;
    }
    if (rc == 0 && cfg->client_id != NULL && *cfg->client_id != '\0' &&
        (lg->client_id = dup_str(cfg->client_id)) == NULL) {
        rc = RP_E_NOMEM;
    }
    if (rc == 0 && cfg->main_thread_id != NULL && *cfg->main_thread_id != '\0' &&
        (lg->main_thread_id = dup_str(cfg->main_thread_id)) == NULL) {
        rc = RP_E_NOMEM;
    }
    lg->cfg.application_id = lg->app;
    lg->cfg.client_id = lg->client_id;
    lg->cfg.main_thread_id = lg->main_thread_id;
    if (rc == RP_E_NOMEM) {
        rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    if (rc == 0) rc = load_keys(lg, cfg, err);
    if (rc == 0) rc = residue_logger_session_create(lg, err);
    if (rc == 0) {
        lg->cbuf = malloc(RP_FRAMER_BUFFER_SIZE(RESIDUE_LOGGER_REPLY_MAX, RESIDUE_SESSION_DELIM_LEN));
        lg->lbuf = malloc(RP_FRAMER_BUFFER_SIZE(RESIDUE_LOGGER_REPLY_MAX, RESIDUE_SESSION_DELIM_LEN));
        lg->batch_cap = 500;
        lg->recs = calloc(lg->batch_cap, sizeof *lg->recs);
        lg->batch = calloc(lg->batch_cap, sizeof *lg->batch);
        if (lg->cbuf == NULL || lg->lbuf == NULL || lg->recs == NULL || lg->batch == NULL) {
            rc = rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
        }
    }
    if (rc == 0) {
        rc = rp_framer_init(&lg->cframer, &residue_framing, lg->cbuf, RP_FRAMER_BUFFER_SIZE(RESIDUE_LOGGER_REPLY_MAX, RESIDUE_SESSION_DELIM_LEN),
                            RESIDUE_LOGGER_REPLY_MAX, err);
    }
    if (rc == 0) {
        rc = rp_framer_init(&lg->lframer, &residue_framing, lg->lbuf, RP_FRAMER_BUFFER_SIZE(RESIDUE_LOGGER_REPLY_MAX, RESIDUE_SESSION_DELIM_LEN),
                            RESIDUE_LOGGER_REPLY_MAX, err);
    }
    if (rc == 0 && pipe(lg->wake) < 0) {
        rc = rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "pipe: %s", strerror(errno));
    }
    if (rc == 0) {
        (void)fcntl(lg->wake[0], F_SETFD, FD_CLOEXEC);
        (void)fcntl(lg->wake[1], F_SETFD, FD_CLOEXEC);
    }
    if (rc < 0) {
        free_logger(lg);
        return rc;
    }
    residue_backlog_init(&lg->q);
    lg->opener = pthread_self();
    lg->backoff_ms = cfg->reconnect_min_ms;
    lg->connect_requested = true;
    lg->wake_unsent = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&lg->mu, NULL);
    pthread_mutex_init(&lg->names_mu, NULL);
    pthread_cond_init(&lg->work, &ca);
    pthread_cond_init(&lg->progress, &ca);
    pthread_condattr_destroy(&ca);
    int e = pthread_create(&lg->thread, NULL, residue_logger_dispatch_main, lg);
    if (e != 0) {
        pthread_cond_destroy(&lg->work);
        pthread_cond_destroy(&lg->progress);
        pthread_mutex_destroy(&lg->mu);
        pthread_mutex_destroy(&lg->names_mu);
        free_logger(lg);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX,
                            "cannot start the dispatcher thread: %s", strerror(e));
    }
    lg->thread_started = true;
    *out = lg;
    return 0;
}

int residue_logger_open_file(const char *path, residue_logger **out, rp_error *err)
{
    residue_logger_config cfg;
    residue_logger_config_init(&cfg);
    int rc = residue_logger_config_load(&cfg, path, err);
    if (rc == 0) rc = residue_logger_open(&cfg, out, err);
    residue_logger_config_release(&cfg);
    return rc;
}

/* ---- log ----------------------------------------------------------------------------------- */

static bool valid_level(unsigned level)
{
    switch (level) {
    case RESIDUE_LEVEL_GLOBAL: case RESIDUE_LEVEL_TRACE: case RESIDUE_LEVEL_DEBUG:
    case RESIDUE_LEVEL_FATAL: case RESIDUE_LEVEL_ERROR: case RESIDUE_LEVEL_WARNING:
    case RESIDUE_LEVEL_VERBOSE: case RESIDUE_LEVEL_INFO:
        return true;
    default:
        return false;
    }
}

/* The "thread" value of the calling thread into out (NUL-terminated); returns its length. */
static size_t thread_name(residue_logger *lg, char *out, size_t cap)
{
    pthread_t self = pthread_self();
    size_t n = 0;
    bool found = false;
    pthread_mutex_lock(&lg->names_mu);
    for (size_t i = 0; i < lg->names_count; i++) {
        if (pthread_equal(lg->names[i].thread, self)) {
            n = (size_t)snprintf(out, cap, "%s", lg->names[i].name);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&lg->names_mu);
    if (found) return n;
    if (lg->main_thread_id != NULL && pthread_equal(self, lg->opener)) {
        return (size_t)snprintf(out, cap, "%s", lg->main_thread_id);
    }
#if defined(__linux__)
    return (size_t)snprintf(out, cap, "%ld", (long)syscall(SYS_gettid));
#else
    /* pthread_t is opaque: show its bytes */
    unsigned char b[sizeof(pthread_t)];
    memcpy(b, &self, sizeof b);
    size_t k = 0;
    for (size_t i = 0; i < sizeof b && k + 3 < cap; i++) k += (size_t)snprintf(out + k, cap - k, "%02x", b[i]);
    return k;
#endif
}

/* "datetime" of a line logged now (utc_time and time_offset as residue-cpp). */
static uint64_t datetime_now(const residue_logger *lg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    ms += (int64_t)lg->cfg.time_offset * 1000;
    if (lg->cfg.utc_time) {
        struct tm gm;
        time_t t = ts.tv_sec;
        if (gmtime_r(&t, &gm) != NULL) {
            gm.tm_isdst = -1;
            time_t as_local = mktime(&gm);
            if (as_local != (time_t)-1) ms += ((int64_t)as_local - (int64_t)t) * 1000;
        }
    }
    return ms < 1 ? 1u : (uint64_t)ms;
}

static bool is_full(const residue_logger *lg, size_t bytes)
{
    return lg->q.lines + 1u > lg->cfg.backlog_lines || lg->q.bytes + bytes > lg->cfg.backlog_bytes;
}

static int refuse(residue_logger *lg, int rc, rp_error *e, rp_error *err)
{
    pthread_mutex_lock(&lg->mu);
    lg->st.invalid++;
    pthread_mutex_unlock(&lg->mu);
    char m[RP_ERROR_MESSAGE_MAX + 64];
    rp_error_format(e, m, sizeof m);
    residue_logger_emit(lg, RESIDUE_LOGGER_EV_INVALID, 4, 1, e, "line not logged: %s", m);
    if (err != NULL) *err = *e;
    return rc;
}

int residue_logger_log_str(residue_logger *lg, residue_level level, unsigned vlevel,
                           const char *logger, const char *file, uint32_t line, const char *func,
                           const char *msg, size_t msg_len, rp_error *err)
{
    if (lg == NULL) {
        return bad(err, "logger must not be NULL");
    }
    rp_error e;
    rp_error_clear(&e);
    if (msg == NULL && msg_len > 0) {
        return refuse(lg, bad(&e, "msg is NULL"), &e, err);
    }
    if (!valid_level((unsigned)level)) {
        return refuse(lg, rp_error_set(&e, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, SIZE_MAX,
                                       "level %u is not a residue level (1, 2, 4 ... 128)",
                                       (unsigned)level), &e, err);
    }
    if (vlevel > 9) {
        return refuse(lg, rp_error_set(&e, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, SIZE_MAX,
                                       "vlevel %u is not 0..9", vlevel), &e, err);
    }
    if (msg_len > lg->cfg.max_line_size) {
        return refuse(lg, rp_error_set(&e, RP_E_LIMIT, RP_LAYER_SCHEMA, SIZE_MAX,
                                       "a line of %zu bytes is longer than max_line_size %zu",
                                       msg_len, lg->cfg.max_line_size), &e, err);
    }
    if (logger == NULL || *logger == '\0') logger = "default";
    char tname[260];
    size_t tlen = thread_name(lg, tname, sizeof tname);
    if (tlen >= sizeof tname) tlen = sizeof tname - 1u;
    /* Everything the codec will check when the batch is encoded, checked now, so a bad line
     * is refused here, to its caller, and never poisons a batch. */
    residue_log_request r;
    residue_log_request_init(&r);
    r.timestamp = 1;
    r.datetime = 1;
    r.logger = rp_str_from_cstr(logger);
    r.msg.ptr = msg;
    r.msg.len = msg_len;
    r.file = rp_str_from_cstr(file);
    r.func = rp_str_from_cstr(func);
    r.app.ptr = lg->app;
    r.app.len = lg->app_len;
    r.thread.ptr = tname;
    r.thread.len = tlen;
    r.level = level;
    r.vlevel = (uint8_t)vlevel;
    r.has_timestamp = r.has_datetime = r.has_logger = r.has_msg = r.has_level = true;
    r.has_vlevel = r.has_thread = true;
    r.has_file = file != NULL;
    r.has_func = func != NULL;
    r.has_app = lg->app != NULL;
    int rc = residue_log_request_validate(&r, &e);
    if (rc == 0) rc = rp_json_check_utf8(msg, msg_len, 0, &e);
    if (rc == 0) rc = rp_json_check_utf8(r.logger.ptr, r.logger.len, 0, &e);
    if (rc == 0 && file != NULL) rc = rp_json_check_utf8(r.file.ptr, r.file.len, 0, &e);
    if (rc == 0 && func != NULL) rc = rp_json_check_utf8(r.func.ptr, r.func.len, 0, &e);
    if (rc == 0) rc = rp_json_check_utf8(tname, tlen, 0, &e);
    if (rc < 0) {
        return refuse(lg, rc, &e, err);
    }
    residue_backlog_entry *ent = residue_backlog_entry_new(
        r.logger.ptr, r.logger.len, msg, msg_len, r.file.ptr, r.file.len, r.func.ptr,
        r.func.len, tname, tlen);
    if (ent == NULL) {
        return refuse(lg, rp_error_set(&e, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX,
                                       "out of memory"), &e, err);
    }
    ent->datetime_ms = datetime_now(lg);
    ent->level = (uint16_t)level;
    ent->vlevel = (uint8_t)vlevel;
    ent->line = line;
    if (ent->bytes > lg->cfg.backlog_bytes) {
        residue_backlog_entry_free(ent);
        return refuse(lg, rp_error_set(&e, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                                       "a line of %zu bytes does not fit backlog_bytes %zu",
                                       ent->bytes, lg->cfg.backlog_bytes), &e, err);
    }

    uint64_t pushed_out = 0;
    bool dropped_new = false, closing = false;
    uint64_t deadline = lg->cfg.policy == RESIDUE_LOGGER_BLOCK ? deadline_after(lg->cfg.block_timeout_ms) : 0;
    pthread_mutex_lock(&lg->mu);
    while (!lg->closing && is_full(lg, ent->bytes)) {
        if (lg->cfg.policy == RESIDUE_LOGGER_DROP_OLDEST) {
            if (residue_backlog_drop_oldest(&lg->q)) {
                pushed_out++;
                continue;
            }
            dropped_new = true;
            break;
        }
        if (lg->cfg.block_timeout_ms == 0) {
            dropped_new = true;
            break;
        }
        if (!wait_until(&lg->progress, &lg->mu, deadline) && !lg->closing &&
            is_full(lg, ent->bytes)) {
            dropped_new = true;
            break;
        }
    }
    closing = lg->closing;
    if (!closing) {
        lg->st.logged++;
        lg->st.dropped += pushed_out + (dropped_new ? 1u : 0u);
        if (pushed_out > 0) pthread_cond_broadcast(&lg->progress); /* flush waiters */
    }
    if (!closing && !dropped_new) {
        ent->seq = ++lg->next_seq;
        ent->queued_ms = residue_net_now_ms();
        residue_backlog_push(&lg->q, ent);
        ent = NULL;
        if (lg->dispatcher_idle && (residue_backlog_unsent(&lg->q) >= lg->wake_unsent ||
                                    (lg->wake_on_full && is_full(lg, 0)))) {
            pthread_cond_signal(&lg->work);
        }
    }
    pthread_mutex_unlock(&lg->mu);
    residue_backlog_entry_free(ent);
    if (pushed_out > 0) {
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_DROPPED, 3, pushed_out, NULL,
                            "backlog full: dropped %llu older line(s)",
                            (unsigned long long)pushed_out);
    }
    if (closing) {
        return rp_error_set(err, RP_E_STATE, RP_LAYER_SESSION, SIZE_MAX,
                            "the logger is closing; line not logged");
    }
    if (dropped_new) {
        rp_error_set(&e, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                     "backlog full (%zu lines, %zu bytes): line dropped", lg->cfg.backlog_lines,
                     lg->cfg.backlog_bytes);
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_DROPPED, 3, 1, &e,
                            "backlog full: dropped the new line");
        if (err != NULL) *err = e;
        return RP_E_LIMIT;
    }
    return 0;
}

int residue_logger_vlog(residue_logger *lg, residue_level level, unsigned vlevel,
                        const char *logger, const char *file, uint32_t line, const char *func,
                        const char *fmt, va_list ap)
{
    if (lg == NULL || fmt == NULL) {
        return RP_E_ARGUMENT;
    }
    char stack[FORMAT_STACK];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(stack, sizeof stack, fmt, copy);
    va_end(copy);
    if (n < 0) {
        rp_error e;
        return refuse(lg, bad(&e, "the format string could not be expanded"), &e, NULL);
    }
    if ((size_t)n < sizeof stack) {
        return residue_logger_log_str(lg, level, vlevel, logger, file, line, func, stack,
                                      (size_t)n, NULL);
    }
    char *heap = malloc((size_t)n + 1u);
    if (heap == NULL) {
        rp_error e;
        return refuse(lg, rp_error_set(&e, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX,
                                       "out of memory"), &e, NULL);
    }
    vsnprintf(heap, (size_t)n + 1u, fmt, ap);
    int rc = residue_logger_log_str(lg, level, vlevel, logger, file, line, func, heap,
                                    (size_t)n, NULL);
    free(heap);
    return rc;
}

int residue_logger_log(residue_logger *lg, residue_level level, unsigned vlevel,
                       const char *logger, const char *file, uint32_t line, const char *func,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = residue_logger_vlog(lg, level, vlevel, logger, file, line, func, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- waiting ------------------------------------------------------------------------------- */

static size_t lines_up_to(const residue_logger *lg, uint64_t seq)
{
    size_t n = 0;
    for (const residue_backlog_entry *e = lg->q.head; e != NULL && e->seq <= seq; e = e->next) n++;
    return n;
}

int residue_logger_flush(residue_logger *lg, int timeout_ms, rp_error *err)
{
    if (lg == NULL) return bad(err, "logger must not be NULL");
    uint64_t deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&lg->mu);
    uint64_t target = lg->next_seq;
    if (target > lg->flush_target) lg->flush_target = target;
    pthread_cond_signal(&lg->work);
    int rc = 0;
    while (lg->q.head != NULL && lg->q.head->seq <= target) {
        if (!wait_until(&lg->progress, &lg->mu, deadline) &&
            lg->q.head != NULL && lg->q.head->seq <= target) {
            rc = rp_error_set(err, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                              "flush: %zu line(s) still in the backlog after %d ms",
                              lines_up_to(lg, target), timeout_ms);
            break;
        }
    }
    pthread_mutex_unlock(&lg->mu);
    return rc;
}

int residue_logger_connect_wait(residue_logger *lg, int timeout_ms, rp_error *err)
{
    if (lg == NULL) return bad(err, "logger must not be NULL");
    uint64_t deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&lg->mu);
    uint64_t gen = lg->giveup_gen;
    if (!lg->connected) {
        lg->connect_requested = true;
        pthread_cond_signal(&lg->work);
    }
    int rc = 0;
    while (!lg->connected) {
        if (lg->giveup_gen != gen) {
            rc = lg->last_error.code != RP_OK ? (int)lg->last_error.code : RP_E_IO;
            if (err != NULL) *err = lg->last_error;
            break;
        }
        if (!wait_until(&lg->progress, &lg->mu, deadline) && !lg->connected &&
            lg->giveup_gen == gen) {
            rc = rp_error_set(err, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                              "not connected after %d ms", timeout_ms);
            break;
        }
    }
    pthread_mutex_unlock(&lg->mu);
    return rc;
}

int residue_logger_touch(residue_logger *lg, int timeout_ms, rp_error *err)
{
    if (lg == NULL) return bad(err, "logger must not be NULL");
    uint64_t deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&lg->mu);
    uint64_t req = ++lg->touch_req;
    pthread_cond_signal(&lg->work);
    int rc = 0;
    while (lg->touch_done < req) {
        if (!wait_until(&lg->progress, &lg->mu, deadline) && lg->touch_done < req) {
            rc = rp_error_set(err, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                              "no TOUCH answer within %d ms", timeout_ms);
            break;
        }
    }
    if (rc == 0 && lg->touch_rc < 0) {
        rc = lg->touch_rc;
        if (err != NULL) *err = lg->touch_err;
    }
    pthread_mutex_unlock(&lg->mu);
    return rc;
}

int residue_logger_set_thread_name(residue_logger *lg, const char *name, rp_error *err)
{
    if (lg == NULL) return bad(err, "logger must not be NULL");
    if (name != NULL && rp_json_check_utf8(name, strlen(name), 0, NULL) < 0) {
        return bad(err, "a thread name must be UTF-8");
    }
    pthread_t self = pthread_self();
    int rc = 0;
    pthread_mutex_lock(&lg->names_mu);
    size_t i = 0;
    while (i < lg->names_count && !pthread_equal(lg->names[i].thread, self)) i++;
    if (name == NULL) {
        if (i < lg->names_count) lg->names[i] = lg->names[--lg->names_count];
    } else if (i == lg->names_count && i == RESIDUE_LOGGER_NAMES_MAX) {
        rc = rp_error_set(err, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                          "at most %u named threads per logger", RESIDUE_LOGGER_NAMES_MAX);
    } else {
        if (i == lg->names_count) lg->names_count++;
        lg->names[i].thread = self;
        size_t n = strlen(name);
        if (n > RESIDUE_LOGGER_NAME_MAX) {
            n = RESIDUE_LOGGER_NAME_MAX;
            while (n > 0 && ((unsigned char)name[n] & 0xC0u) == 0x80u) n--; /* whole UTF-8 chars */
        }
        memcpy(lg->names[i].name, name, n);
        lg->names[i].name[n] = '\0';
    }
    pthread_mutex_unlock(&lg->names_mu);
    return rc;
}

void residue_logger_stats_get(residue_logger *lg, residue_logger_stats *out)
{
    if (lg == NULL || out == NULL) return;
    pthread_mutex_lock(&lg->mu);
    *out = lg->st;
    out->backlog_lines = lg->q.lines;
    out->backlog_bytes = lg->q.bytes;
    out->connected = lg->connected;
    pthread_mutex_unlock(&lg->mu);
}

/* ---- close --------------------------------------------------------------------------------- */

int residue_logger_close(residue_logger *lg)
{
    if (lg == NULL) return 0;
    uint64_t deadline = deadline_after(lg->cfg.close_timeout_ms);
    pthread_mutex_lock(&lg->mu);
    lg->closing = true;
    lg->flush_target = UINT64_MAX;
    pthread_cond_signal(&lg->work);
    pthread_cond_broadcast(&lg->progress); /* log() blocked on a full backlog gives up */
    while (lg->q.lines > 0 && wait_until(&lg->progress, &lg->mu, deadline)) {
    }
    lg->stop = true;
    pthread_cond_signal(&lg->work);
    pthread_mutex_unlock(&lg->mu);
    /* Interrupts a dispatcher waiting on the network; the pipe stays readable. */
    if (write(lg->wake[1], "x", 1) < 0) {
        /* cannot happen with an empty pipe; the dispatcher then ends at its next timeout */
    }
    if (lg->thread_started) pthread_join(lg->thread, NULL);
    size_t left = lg->q.lines;
    int rc = 0;
    if (left > 0) {
        lg->st.failed += left;
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_GAVE_UP, 4, left, NULL,
                            "closed with %zu line(s) undelivered", left);
        rc = RP_E_LIMIT;
    }
    residue_backlog_requeue(&lg->q, false);
    pthread_cond_destroy(&lg->work);
    pthread_cond_destroy(&lg->progress);
    pthread_mutex_destroy(&lg->mu);
    pthread_mutex_destroy(&lg->names_mu);
    free_logger(lg);
    return rc;
}
