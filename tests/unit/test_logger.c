/* residue_logger without a server: the backlog queue, url parsing, residue-cpp's
 * configuration file ($RESIDUE_HOME, errors with file and JSON path), open's checks, lines
 * log() refuses, both full-backlog policies, flush and close timeouts, and giving up after
 * max_attempts. The server is a loopback port nobody listens on (connection refused), so
 * nothing ever leaves the backlog by the network. Against a real server:
 * tests/scripts/logger.sh. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "residue_backlog_internal.h"
#include "residue_logger.h"
#include "residue_net.h"

#define KEY "../shared/vectors/A-unknown-plain/keys/client-private.pem"

/* ---- helpers ------------------------------------------------------------------------- */

typedef struct events {
    pthread_mutex_t mu;
    uint64_t lines[8];      /* per kind: sum of ev->lines */
    unsigned count[8];      /* per kind: number of events */
    char last_text[8][256];
} events;

static void on_event(void *ctx, const residue_logger_event *ev)
{
    events *e = ctx;
    pthread_mutex_lock(&e->mu);
    e->lines[ev->kind] += ev->lines;
    e->count[ev->kind]++;
    snprintf(e->last_text[ev->kind], sizeof e->last_text[0], "%s", ev->text);
    pthread_mutex_unlock(&e->mu);
}

static events *events_new(void)
{
    events *e = calloc(1, sizeof *e);
    ck_assert_ptr_nonnull(e);
    pthread_mutex_init(&e->mu, NULL);
    return e;
}

static void events_free(events *e)
{
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* A loopback port with nobody listening (bound, then closed). */
static void dead_url(char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    snprintf(out, cap, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    close(fd);
}

static char url_buf[64];

static void base_config(residue_logger_config *cfg, events *ev)
{
    residue_logger_config_init(cfg);
    dead_url(url_buf, sizeof url_buf);
    cfg->url = url_buf;
    cfg->client_private_key = KEY;   /* no key generation in unit tests */
    cfg->reconnect_min_ms = 20;
    cfg->reconnect_max_ms = 40;
    cfg->close_timeout_ms = 100;
    cfg->on_event = on_event;
    cfg->event_ctx = ev;
}

static uint64_t now_ms(void)
{
    return residue_net_now_ms();
}

/* Polls (every 5 ms, up to 10 s) until the events seen of kind reach want lines/count. */
static uint64_t events_wait(events *e, residue_logger_event_kind kind, bool lines, uint64_t want)
{
    uint64_t got = 0;
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&e->mu);
        got = lines ? e->lines[kind] : e->count[kind];
        pthread_mutex_unlock(&e->mu);
        if (got >= want) break;
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return got;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* ---- backlog ----------------------------------------------------------------------------- */

static residue_backlog_entry *entry(const char *msg, uint64_t seq)
{
    residue_backlog_entry *e = residue_backlog_entry_new("lg", 2, msg, strlen(msg), NULL, 0,
                                                         "fn", 2, "t1", 2);
    ck_assert_ptr_nonnull(e);
    e->seq = seq;
    return e;
}

START_TEST(backlog_queue_rules)
{
    residue_backlog q;
    residue_backlog_init(&q);
    const char *msgs[] = {"one", "two", "three", "four", "five"};
    for (int i = 0; i < 5; i++) residue_backlog_push(&q, entry(msgs[i], (uint64_t)i + 1));
    ck_assert_uint_eq(q.lines, 5);
    ck_assert_uint_eq(q.bytes, (2 + 2 + 2) * 5 + 3 + 3 + 5 + 4 + 4);
    ck_assert_str_eq(q.head->msg.ptr, "one");
    ck_assert_str_eq(q.head->func.ptr, "fn");
    ck_assert_uint_eq(q.head->file.len, 0);

    residue_backlog_entry *batch[8];
    ck_assert_uint_eq(residue_backlog_take(&q, 2, batch), 2);
    ck_assert_uint_eq(residue_backlog_unsent(&q), 3);
    ck_assert_str_eq(residue_backlog_first_unsent(&q)->msg.ptr, "three");
    /* drop-oldest skips the batch in flight */
    ck_assert(residue_backlog_drop_oldest(&q));
    ck_assert_uint_eq(q.lines, 4);
    ck_assert_str_eq(residue_backlog_first_unsent(&q)->msg.ptr, "four");
    /* an unanswered request: back to the queue, counted as an attempt */
    residue_backlog_requeue(&q, true);
    ck_assert_uint_eq(q.in_flight, 0);
    ck_assert_uint_eq(q.head->attempts, 1);
    ck_assert_uint_eq(q.head->next->attempts, 1);
    /* lines that may have reached the server are never dropped */
    ck_assert(residue_backlog_drop_oldest(&q));
    ck_assert_uint_eq(q.lines, 3);
    ck_assert_str_eq(q.head->next->next->msg.ptr, "five");
    ck_assert(residue_backlog_drop_oldest(&q));
    ck_assert(!residue_backlog_drop_oldest(&q)); /* only sent-before lines are left */
    ck_assert_uint_eq(q.lines, 2);
    /* answered: released in order */
    ck_assert_uint_eq(residue_backlog_take(&q, 8, batch), 2);
    ck_assert_str_eq(batch[1]->msg.ptr, "two");
    residue_backlog_requeue(&q, false);
    ck_assert_uint_eq(q.head->attempts, 1); /* not sent: no new attempt */
    ck_assert_uint_eq(residue_backlog_take(&q, 1, batch), 1);
    residue_backlog_release(&q, 1);
    ck_assert_uint_eq(q.lines, 1);
    ck_assert_str_eq(q.head->msg.ptr, "two");
    ck_assert_ptr_eq(q.head, q.tail);
    residue_backlog_push(&q, entry("six", 6));
    ck_assert_uint_eq(residue_backlog_clear(&q), 2);
    ck_assert_uint_eq(q.lines, 0);
    ck_assert_uint_eq(q.bytes, 0);
    ck_assert_ptr_null(q.head);
    ck_assert_ptr_null(q.tail);
}
END_TEST

/* ---- url --------------------------------------------------------------------------------- */

START_TEST(url_parsing)
{
    char host[RESIDUE_NET_HOST_MAX + 1];
    uint16_t port = 0;
    rp_error err;
    ck_assert_int_eq(residue_net_parse_url("residue-server:8777", host, sizeof host, &port, &err), 0);
    ck_assert_str_eq(host, "residue-server");
    ck_assert_uint_eq(port, 8777);
    ck_assert_int_eq(residue_net_parse_url("[::1]:9", host, sizeof host, &port, &err), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_uint_eq(port, 9);
    const char *bad[] = {"localhost", ":8777", "h:0", "h:65536", "h:12x", "h:", "[::1]9", "", "h:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(residue_net_parse_url(bad[i], host, sizeof host, &port, &err), RP_E_ARGUMENT);
        ck_assert_ptr_nonnull(strstr(err.message, "url '"));
    }
}
END_TEST

/* ---- configuration file -------------------------------------------------------------- */

/* residue-cpp's samples/client.conf.json, key for key. */
static const char cpp_sample[] =
    "{\n"
    "    \"url\": \"residue-server:8777\",\n"
    "    \"application_id\": \"com.muflihun.residue.sampleapp\",\n"
    "    \"rsa_key_size\": 2048,\n"
    "    \"utc_time\": false,\n"
    "    \"time_offset\": 0,\n"
    "    \"dispatch_delay\": 1,\n"
    "    \"main_thread_id\": \"Main Thread\",\n"
    "    \"server_public_key\": \"$RESIDUE_HOME/samples/keys/server-1024-public.pem\",\n"
    "    \"client_id\": \"muflihun00102030\",\n"
    "    \"client_private_key\": \"$RESIDUE_HOME/samples/keys/client-256-private.pem\"\n"
    "}\n";

START_TEST(config_file_residue_cpp_sample)
{
    char dir[] = "/tmp/rproto-logger-cfg.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/client.conf.json", dir);
    write_file(path, cpp_sample);

    residue_logger_config cfg;
    rp_error err;
    setenv("RESIDUE_HOME", "/opt/residue", 1);
    residue_logger_config_init(&cfg);
    ck_assert_int_eq(residue_logger_config_load(&cfg, path, &err), 0);
    ck_assert_str_eq(cfg.url, "residue-server:8777");
    ck_assert_str_eq(cfg.application_id, "com.muflihun.residue.sampleapp");
    ck_assert_uint_eq(cfg.rsa_key_size, 2048);
    ck_assert(!cfg.utc_time);
    ck_assert_int_eq(cfg.time_offset, 0);
    ck_assert_uint_eq(cfg.dispatch_delay, 1);
    ck_assert_str_eq(cfg.main_thread_id, "Main Thread");
    ck_assert_str_eq(cfg.client_id, "muflihun00102030");
    ck_assert_str_eq(cfg.server_public_key, "/opt/residue/samples/keys/server-1024-public.pem");
    ck_assert_str_eq(cfg.client_private_key, "/opt/residue/samples/keys/client-256-private.pem");
    ck_assert_int_eq(cfg.internal_logging_level, 5); /* not in the file: residue-cpp's default */
    residue_logger_config_release(&cfg);
    ck_assert_ptr_null(cfg.url);
    ck_assert_ptr_null(cfg.client_private_key);

    /* residue_home wins over the environment */
    residue_logger_config_init(&cfg);
    cfg.residue_home = "/srv/r";
    ck_assert_int_eq(residue_logger_config_load(&cfg, path, &err), 0);
    ck_assert_str_eq(cfg.server_public_key, "/srv/r/samples/keys/server-1024-public.pem");
    residue_logger_config_release(&cfg);

    /* neither: the configuration file's directory */
    unsetenv("RESIDUE_HOME");
    residue_logger_config_init(&cfg);
    ck_assert_int_eq(residue_logger_config_load(&cfg, path, &err), 0);
    char want[300];
    snprintf(want, sizeof want, "%s/samples/keys/client-256-private.pem", dir);
    ck_assert_str_eq(cfg.client_private_key, want);
    residue_logger_config_release(&cfg);

    /* every other key of residue-cpp's documented example, and unknown keys ignored */
    write_file(path, "{\"url\":\"localhost:8777\",\"utc_time\":true,\"time_offset\":-3600,"
                     "\"dispatch_delay\":10000,\"client_key_secret\":\"70617373\","
                     "\"internal_logging_level\":2,\"rsa_key_size\":8192,"
                     "\"something_new\":{\"nested\":[1,2,3]}}");
    residue_logger_config_init(&cfg);
    ck_assert_int_eq(residue_logger_config_load(&cfg, path, &err), 0);
    ck_assert(cfg.utc_time);
    ck_assert_int_eq(cfg.time_offset, -3600);
    ck_assert_uint_eq(cfg.dispatch_delay, 10000);
    ck_assert_str_eq(cfg.client_key_secret, "70617373");
    ck_assert_int_eq(cfg.internal_logging_level, 2);
    ck_assert_uint_eq(cfg.rsa_key_size, 8192);
    residue_logger_config_release(&cfg);
    ck_assert_ptr_null(cfg.client_key_secret);
    unlink(path);
    rmdir(dir);
}
END_TEST

static void expect_load_error(const char *text, int code, const char *path_want, const char *msg_part)
{
    char file[] = "/tmp/rproto-logger-bad.XXXXXX";
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq((int)write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    residue_logger_config cfg;
    residue_logger_config_init(&cfg);
    rp_error err;
    rp_error_clear(&err);
    int rc = residue_logger_config_load(&cfg, file, &err);
    residue_logger_config_release(&cfg);
    unlink(file);
    ck_assert_msg(rc == code, "%s: rc %d, want %d (%s)", text, rc, code, err.message);
    ck_assert_msg(strcmp(err.path, path_want) == 0, "%s: path '%s', want '%s'", text, err.path, path_want);
    ck_assert_msg(strstr(err.message, msg_part) != NULL, "%s: message '%s' lacks '%s'", text,
                  err.message, msg_part);
    ck_assert_msg(strstr(err.message, "rproto-logger-bad") != NULL, "message names the file: %s",
                  err.message);
}

START_TEST(config_file_errors)
{
    expect_load_error("{\"url\":\"h:1\",\"rsa_key_size\":1000}", RP_E_SCHEMA_RANGE, "$.rsa_key_size",
                      "2048, 4096 or 8192");
    expect_load_error("{\"application_id\":\"x\"}", RP_E_SCHEMA_MISSING, "$", "\"url\"");
    expect_load_error("{\"url\":\"nocolon\"}", RP_E_ARGUMENT, "$.url", "HOST:PORT");
    expect_load_error("{\"url\":\"h:1\",\"utc_time\":\"yes\"}", RP_E_SCHEMA_TYPE, "$.utc_time", "");
    expect_load_error("{\"url\":\"h:1\",\"internal_logging_level\":6}", RP_E_SCHEMA_RANGE,
                      "$.internal_logging_level", "0..5");
    expect_load_error("{\"url\":\"h:1\",\"time_offset\":1.5}", RP_E_JSON_NUMBER, "$.time_offset", "");
    expect_load_error("{\"url\":\"h:1\",", RP_E_JSON_SYNTAX, "$", "");
    expect_load_error("{\"url\":\"h:1\",\"main_thread_id\":\"a\\u0000b\"}", RP_E_SCHEMA_CHARSET,
                      "$.main_thread_id", "NUL");
    residue_logger_config cfg;
    residue_logger_config_init(&cfg);
    rp_error err;
    ck_assert_int_eq(residue_logger_config_load(&cfg, "/nonexistent/client.json", &err), RP_E_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/client.json"));
    residue_logger_config_release(&cfg);
}
END_TEST

/* ---- open -------------------------------------------------------------------------------- */

static void expect_open_error(const residue_logger_config *cfg, int code, const char *part)
{
    residue_logger *lg = (residue_logger *)1;
    rp_error err;
    rp_error_clear(&err);
    int rc = residue_logger_open(cfg, &lg, &err);
    ck_assert_msg(rc == code, "rc %d want %d: %s", rc, code, err.message);
    ck_assert_ptr_null(lg);
    ck_assert_msg(strstr(err.message, part) != NULL, "'%s' lacks '%s'", err.message, part);
}

START_TEST(open_checks_settings)
{
    events *ev = events_new();
    residue_logger_config cfg;
    base_config(&cfg, ev);
    cfg.url = NULL;
    expect_open_error(&cfg, RP_E_ARGUMENT, "url");
    base_config(&cfg, ev);
    cfg.url = "nohostport";
    expect_open_error(&cfg, RP_E_ARGUMENT, "HOST:PORT");
    base_config(&cfg, ev);
    cfg.client_private_key = NULL;
    cfg.client_id = "managed";
    expect_open_error(&cfg, RP_E_ARGUMENT, "client_private_key");
    base_config(&cfg, ev);
    cfg.rsa_key_size = 1024;
    expect_open_error(&cfg, RP_E_ARGUMENT, "rsa_key_size");
    base_config(&cfg, ev);
    cfg.max_line_size = cfg.backlog_bytes + 1;
    expect_open_error(&cfg, RP_E_ARGUMENT, "max_line_size");
    base_config(&cfg, ev);
    cfg.client_key_secret = "not hex";
    expect_open_error(&cfg, RP_E_ARGUMENT, "hex-encoded");
    base_config(&cfg, ev);
    cfg.client_private_key = "/nonexistent/key.pem";
    expect_open_error(&cfg, RP_E_IO, "/nonexistent/key.pem");
    base_config(&cfg, ev);
    cfg.client_private_key = "$RESIDUE_HOME/key.pem";
    unsetenv("RESIDUE_HOME");
    expect_open_error(&cfg, RP_E_ARGUMENT, "RESIDUE_HOME");
    base_config(&cfg, ev);
    cfg.application_id = "\xff\xfe";
    expect_open_error(&cfg, RP_E_ARGUMENT, "application_id");
    base_config(&cfg, ev);
    cfg.bulk_size = 501;
    expect_open_error(&cfg, RP_E_ARGUMENT, "bulk_size");
    events_free(ev);
}
END_TEST

/* ---- lines log() refuses ------------------------------------------------------------------ */

START_TEST(invalid_lines_are_refused_and_counted)
{
    events *ev = events_new();
    residue_logger_config cfg;
    base_config(&cfg, ev);
    cfg.max_line_size = 100;
    residue_logger *lg;
    rp_error err;
    ck_assert_int_eq(residue_logger_open(&cfg, &lg, &err), 0);
    char long_msg[101];
    memset(long_msg, 'm', sizeof long_msg);
    struct { residue_level level; unsigned vlevel; const char *logger; const char *msg; size_t len; int code; const char *part; } cases[] = {
        {(residue_level)3, 0, NULL, "x", 1, RP_E_SCHEMA_RANGE, "level 3"},
        {RESIDUE_LEVEL_INFO, 10, NULL, "x", 1, RP_E_SCHEMA_RANGE, "vlevel 10"},
        {RESIDUE_LEVEL_INFO, 0, NULL, "", 0, RP_E_SCHEMA_LENGTH, ""},
        {RESIDUE_LEVEL_INFO, 0, NULL, "bad \xc3\x28 utf-8", 13, RP_E_JSON_UTF8, ""},
        {RESIDUE_LEVEL_INFO, 0, "l \xc3\x28", "x", 1, RP_E_JSON_UTF8, ""}, /* the logger is checked too */
        {RESIDUE_LEVEL_INFO, 0, NULL, long_msg, sizeof long_msg, RP_E_LIMIT, "max_line_size 100"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        rp_error_clear(&err);
        int rc = residue_logger_log_str(lg, cases[i].level, cases[i].vlevel, cases[i].logger,
                                        NULL, 0, NULL, cases[i].msg, cases[i].len, &err);
        ck_assert_msg(rc == cases[i].code, "case %zu: rc %d (%s)", i, rc, err.message);
        ck_assert_msg(strstr(err.message, cases[i].part) != NULL, "case %zu: %s", i, err.message);
    }
    /* the printf form goes through the heap past 1 KiB; a bad level there is refused too */
    ck_assert_int_eq(residue_logger_log(lg, (residue_level)5, 0, "x", __FILE__, __LINE__, __func__,
                                        "%s", "y"), RP_E_SCHEMA_RANGE);
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    ck_assert_uint_eq(st.invalid, n + 1);
    ck_assert_uint_eq(st.logged, 0);
    ck_assert_uint_eq(st.backlog_lines, 0);
    ck_assert_uint_eq(ev->count[RESIDUE_LOGGER_EV_INVALID], n + 1);
    /* a good line after them is taken */
    ck_assert_int_eq(RESIDUE_LOG(lg, RESIDUE_LEVEL_WARNING, "app", "%d workers", 8), 0);
    residue_logger_stats_get(lg, &st);
    ck_assert_uint_eq(st.logged, 1);
    ck_assert_uint_eq(st.backlog_lines, 1);
    ck_assert_int_eq(residue_logger_close(lg), RP_E_LIMIT); /* nobody to deliver it to */
    ck_assert_uint_eq(ev->lines[RESIDUE_LOGGER_EV_GAVE_UP], 1);
    events_free(ev);
}
END_TEST

/* ---- full backlog ------------------------------------------------------------------------- */

START_TEST(drop_oldest_when_full)
{
    events *ev = events_new();
    residue_logger_config cfg;
    base_config(&cfg, ev);
    cfg.backlog_lines = 5;
    residue_logger *lg;
    rp_error err;
    ck_assert_int_eq(residue_logger_open(&cfg, &lg, &err), 0);
    uint64_t t0 = now_ms();
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq(residue_logger_log(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "line %d", i), 0);
    }
    ck_assert_uint_lt(now_ms() - t0, 1000); /* never waits */
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    ck_assert_uint_eq(st.logged, 20);
    ck_assert_uint_eq(st.dropped, 15);
    ck_assert_uint_eq(st.backlog_lines, 5);
    ck_assert_uint_eq(st.accepted + st.rejected + st.failed, 0);
    ck_assert_uint_eq(ev->lines[RESIDUE_LOGGER_EV_DROPPED], 15);
    ck_assert_uint_gt(events_wait(ev, RESIDUE_LOGGER_EV_CONNECT_FAILED, false, 1), 0);
    residue_logger_stats_get(lg, &st);
    ck_assert_uint_gt(st.connect_failures, 0);
    ck_assert_ptr_nonnull(strstr(ev->last_text[RESIDUE_LOGGER_EV_CONNECT_FAILED], "connect port"));
    /* flush cannot finish: it says how many lines are left */
    ck_assert_int_eq(residue_logger_flush(lg, 50, &err), RP_E_LIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "5 line(s) still in the backlog"));
    ck_assert_int_eq(residue_logger_close(lg), RP_E_LIMIT);
    ck_assert_uint_eq(ev->lines[RESIDUE_LOGGER_EV_GAVE_UP], 5);
    events_free(ev);

    /* the byte bound: entry bytes = msg + logger "default" + thread id */
    ev = events_new();
    base_config(&cfg, ev);
    cfg.backlog_bytes = 1000;
    cfg.max_line_size = 200;
    ck_assert_int_eq(residue_logger_open(&cfg, &lg, &err), 0);
    char msg[200];
    memset(msg, 'b', sizeof msg);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(residue_logger_log_str(lg, RESIDUE_LEVEL_DEBUG, 0, NULL, NULL, 0, NULL, msg,
                                                sizeof msg, &err), 0);
        residue_logger_stats_get(lg, &st);
        ck_assert_uint_le(st.backlog_bytes, 1000);
    }
    ck_assert_uint_eq(st.backlog_lines, 4); /* 4 x ~212 bytes fit in 1000, 5 do not */
    ck_assert_uint_eq(st.dropped, 6);
    ck_assert_int_eq(residue_logger_close(lg), RP_E_LIMIT);
    events_free(ev);
}
END_TEST

START_TEST(block_when_full)
{
    events *ev = events_new();
    residue_logger_config cfg;
    base_config(&cfg, ev);
    cfg.backlog_lines = 5;
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = 60;
    residue_logger *lg;
    rp_error err;
    ck_assert_int_eq(residue_logger_open(&cfg, &lg, &err), 0);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(residue_logger_log(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "l%d", i), 0);
    }
    for (int i = 0; i < 3; i++) {
        uint64_t t0 = now_ms();
        ck_assert_int_eq(residue_logger_log_str(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "x", 1, &err),
                         RP_E_LIMIT);
        ck_assert_uint_ge(now_ms() - t0, 59);
        ck_assert_ptr_nonnull(strstr(err.message, "backlog full"));
    }
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    ck_assert_uint_eq(st.logged, 8);
    ck_assert_uint_eq(st.dropped, 3);
    ck_assert_uint_eq(st.backlog_lines, 5);
    ck_assert_uint_eq(ev->lines[RESIDUE_LOGGER_EV_DROPPED], 3);
    ck_assert_int_eq(residue_logger_close(lg), RP_E_LIMIT);
    events_free(ev);

    /* block_timeout_ms 0: never waits */
    ev = events_new();
    base_config(&cfg, ev);
    cfg.backlog_lines = 1;
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = 0;
    ck_assert_int_eq(residue_logger_open(&cfg, &lg, &err), 0);
    ck_assert_int_eq(residue_logger_log_str(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "a", 1, &err), 0);
    uint64_t t0 = now_ms();
    ck_assert_int_eq(residue_logger_log_str(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "b", 1, &err), RP_E_LIMIT);
    ck_assert_uint_lt(now_ms() - t0, 50);
    ck_assert_int_eq(residue_logger_close(lg), RP_E_LIMIT);
    events_free(ev);
}
END_TEST

/* ---- giving up ---------------------------------------------------------------------------- */

START_TEST(gives_up_after_max_attempts)
{
    events *ev = events_new();
    residue_logger_config cfg;
    base_config(&cfg, ev);
    cfg.max_attempts = 2;
    residue_logger *lg;
    rp_error err;
    ck_assert_int_eq(residue_logger_open(&cfg, &lg, &err), 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(residue_logger_log(lg, RESIDUE_LEVEL_ERROR, 0, "x", NULL, 0, NULL, "l%d", i), 0);
    }
    ck_assert_int_eq(residue_logger_flush(lg, 5000, &err), 0); /* the lines left: failed */
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    ck_assert_uint_eq(st.failed, 3);
    ck_assert_uint_eq(st.backlog_lines, 0);
    ck_assert_uint_ge(st.connect_failures, 2);
    ck_assert_uint_eq(events_wait(ev, RESIDUE_LOGGER_EV_GAVE_UP, true, 3), 3);
    pthread_mutex_lock(&ev->mu);
    ck_assert_ptr_nonnull(strstr(ev->last_text[RESIDUE_LOGGER_EV_GAVE_UP], "gave up after 2"));
    pthread_mutex_unlock(&ev->mu);
    /* connect_wait starts new attempts and reports the error when they fail */
    rp_error_clear(&err);
    ck_assert_int_eq(residue_logger_connect_wait(lg, 5000, &err), RP_E_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "refused"));
    /* touch: the same */
    ck_assert_int_eq(residue_logger_touch(lg, 5000, &err), RP_E_IO);
    ck_assert_int_eq(residue_logger_close(lg), 0); /* nothing left to deliver */
    events_free(ev);
}
END_TEST

START_TEST(thread_names)
{
    events *ev = events_new();
    residue_logger_config cfg;
    base_config(&cfg, ev);
    residue_logger *lg;
    rp_error err;
    ck_assert_int_eq(residue_logger_open(&cfg, &lg, &err), 0);
    ck_assert_int_eq(residue_logger_set_thread_name(lg, "worker", &err), 0);
    ck_assert_int_eq(residue_logger_set_thread_name(lg, "\xff", &err), RP_E_ARGUMENT);
    ck_assert_int_eq(residue_logger_log_str(lg, RESIDUE_LEVEL_INFO, 0, NULL, NULL, 0, NULL, "12345", 5, &err), 0);
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    ck_assert_uint_eq(st.backlog_bytes, 5 + 7 + 6); /* msg + "default" + "worker" */
    ck_assert_int_eq(residue_logger_set_thread_name(lg, NULL, &err), 0);
    ck_assert_int_eq(residue_logger_close(lg), RP_E_LIMIT);
    events_free(ev);
}
END_TEST

static Suite *logger_suite(void)
{
    Suite *s = suite_create("logger");
    TCase *tc = tcase_create("logger");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, backlog_queue_rules);
    tcase_add_test(tc, url_parsing);
    tcase_add_test(tc, config_file_residue_cpp_sample);
    tcase_add_test(tc, config_file_errors);
    tcase_add_test(tc, open_checks_settings);
    tcase_add_test(tc, invalid_lines_are_refused_and_counted);
    tcase_add_test(tc, drop_oldest_when_full);
    tcase_add_test(tc, block_when_full);
    tcase_add_test(tc, gives_up_after_max_attempts);
    tcase_add_test(tc, thread_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(logger_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
