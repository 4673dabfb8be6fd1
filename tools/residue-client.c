/* residue-client: connects to a residue server, completes the handshake, optionally
 * TOUCHes, and sends log lines (docs/interfaces.md §4). Built on the residue logger library
 * (runtime/residue/residue_logger.h): this file parses options, reads the lines and turns
 * the library's counters and events into the transcript and the exit status.
 *
 * How the library is set up for a command-line tool: one connection attempt (max_attempts 1:
 * a step that fails ends the run, as before), a backlog that blocks instead of dropping, and
 * batches sent only when full or at the end (dispatch_delay "when full"), so a run of N lines
 * with bulk size B is ceil(N / B) requests.
 *
 * Exit status: 0 only when every step succeeded and every log line got {"r":0};
 * 1 when a step failed or a log request was rejected; 2 for usage or setup errors.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "residue_logger.h"
#include "rp_codec.h"
#include "rp_json.h"
#include "lib/rs_net.h"
#include "lib/rs_stdfds.h"
#include "lib/rs_trace.h"

#define PROG "residue-client"

typedef struct opts {
    const char *connect;
    const char *server_public_key;
    const char *client_id;
    const char *client_private_key;
    const char *client_key_secret;
    unsigned key_size;
    bool touch;
    const char *logger;
    const char *app;
    unsigned level;
    unsigned vlevel;
    bool verbose;
    int timeout_ms;
    size_t bulk_size;       /* 0 = as many as the server allows */
    size_t max_line;
    bool no_compression;
    char **messages;
    int nmessages;
} opts;

typedef struct client_app {
    opts o;
    rs_trace_sink trace;
    atomic_bool gave_up;    /* set from the dispatcher thread */
    atomic_bool trace_off;  /* -v: writing stdout failed; no more tracing */
} client_app;

/* After each -v write: a stdout that fails (a reader gone: EPIPE, a full disk, ...) stops the
 * tracing, said once on stderr; delivery goes on and the exit status is about it alone. */
static void trace_check(client_app *a)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) return;
    if (!atomic_exchange(&a->trace_off, true))
        fprintf(stderr, PROG ": -v: stdout closed, tracing stopped\n");
}

static void trace_step(void *ctx, const residue_trace *ev)
{
    client_app *a = ctx;
    if (atomic_load(&a->trace_off)) return;
    rs_trace_print(&a->trace, ev);
    trace_check(a);
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: " PROG " --connect HOST:PORT [--server-public-key PEM]\n"
        "                      [--client-id ID --client-private-key PEM] [--client-private-key PEM]\n"
        "                      [--client-key-secret PASS] [--key-size 128|192|256] [--touch]\n"
        "                      [--logger L] [--app A]\n"
        "                      [--level trace|debug|fatal|error|warning|verbose|info] [--vlevel N]\n"
        "                      [--bulk-size N] [--no-compression] [--timeout-ms MS]\n"
        "                      [--max-line BYTES] [-v] [MESSAGE ...]\n"
        "                                                (no MESSAGE: one per line from stdin)\n"
        "  --connect HOST:PORT        the server's connect port\n"
        "  --server-public-key PEM    RSA-encrypt the CONNECT to this server key (else plain)\n"
        "  --client-id ID             connect as this managed client (needs --client-private-key)\n"
        "  --client-private-key PEM   the client's RSA private key; without --client-id it is\n"
        "                             the key pair of an unmanaged client (default: generate 2048-bit)\n"
        "  --client-key-secret PASS   passphrase of --client-private-key\n"
        "  --key-size N               ask for an AES-N session key (default: the server's choice)\n"
        "  --touch                    send a TOUCH after the connection is established\n"
        "  --logger L / --app A       logger id (default \"default\"; not \"residue\", which the\n"
        "                             server reserves) and application name\n"
        "  --level NAME               severity of every line (default info)\n"
        "  --vlevel N                 verbose level 0..9 of every line (default 0)\n"
        "  --bulk-size N              at most N lines per log request (default: the server's\n"
        "                             max_bulk_size when it allows bulk, else 1)\n"
        "  --no-compression           do not compress even when the server allows it\n"
        "  --timeout-ms MS            how long to wait for each reply (default 10000)\n"
        "  --max-line BYTES           longest line sent (default 1048576; longer lines are\n"
        "                             refused and make the exit status 1)\n"
        "  -v                         print every step decoded (keys are never shown)\n");
}

static int parse_level(const char *s, unsigned *out)
{
    static const struct { const char *name; unsigned v; } t[] = {
        {"global", 1}, {"trace", 2}, {"debug", 4}, {"fatal", 8}, {"error", 16},
        {"warning", 32}, {"warn", 32}, {"verbose", 64}, {"info", 128}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(s, t[i].name) == 0) {
            *out = t[i].v;
            return 0;
        }
    }
    return -1;
}

/* A bad command-line value is said in the user's words alone; anything else with the whole
 * error (layer, path, code). */
static void report(const char *what, const rp_error *err)
{
    char msg[512];
    if (err->code == RP_E_ARGUMENT && err->message[0] != '\0' && err->path[0] == '\0')
        snprintf(msg, sizeof msg, "%s", err->message);
    else
        rp_error_format(err, msg, sizeof msg);
    if (what != NULL) fprintf(stderr, PROG ": %s: %s\n", what, msg);
    else fprintf(stderr, PROG ": %s\n", msg);
}

/* Events from the library (dispatcher thread): errors on stderr, notices with -v. */
static void on_event(void *ctx, const residue_logger_event *ev)
{
    client_app *a = ctx;
    switch (ev->kind) {
    case RESIDUE_LOGGER_EV_INFO:
        if (a->o.verbose && !atomic_load(&a->trace_off)) {
            printf(PROG ": %s\n", ev->text);
            trace_check(a);
        }
        break;
    case RESIDUE_LOGGER_EV_CONNECT_FAILED:
    case RESIDUE_LOGGER_EV_DISCONNECTED:
        if (ev->err != NULL) report(NULL, ev->err);
        else fprintf(stderr, PROG ": %s\n", ev->text);
        break;
    case RESIDUE_LOGGER_EV_GAVE_UP:
        atomic_store(&a->gave_up, true);
        if (ev->lines > 0) fprintf(stderr, PROG ": %llu line(s) not sent\n", (unsigned long long)ev->lines);
        break;
    case RESIDUE_LOGGER_EV_REJECTED:
    case RESIDUE_LOGGER_EV_DROPPED:
        fprintf(stderr, PROG ": %s\n", ev->text);
        break;
    case RESIDUE_LOGGER_EV_INVALID:
        break; /* log_str returns it; reported there */
    }
}

/* Appends c to the line in *buf (at most max bytes kept); counts it in *total either way. */
static void put_byte(char **buf, size_t *cap, size_t max, size_t *n, size_t *total,
                     bool *too_long, int c)
{
    (*total)++;
    if (*n >= max) {
        *too_long = true;
        return;
    }
    if (*n + 1u >= *cap) {
        size_t nc = *cap < 256 ? 256 : *cap * 2u;
        if (nc > max + 1u) nc = max + 1u;
        char *b = realloc(*buf, nc);
        if (b == NULL) {
            *too_long = true;
            return;
        }
        *buf = b;
        *cap = nc;
    }
    (*buf)[(*n)++] = (char)c;
}

/* Reads one line of stdin into *buf (grown as needed, at most max + 1 bytes), without its
 * "\n" and the "\r"s before it (also at end of input): those are not text, neither sent nor
 * counted against max. Returns 0 for a line, -1 at end of input, -2 for a read error (errno
 * says which; a line cut by it is not returned). A longer line is skipped to its end:
 * *too_long is set and *len is its full length. */
static int read_line(char **buf, size_t *cap, size_t max, size_t *len, bool *too_long)
{
    size_t n = 0, total = 0, crs = 0; /* crs: "\r"s read and not yet known to be text */
    int c;
    bool any = false;
    *too_long = false;
    errno = 0;
    while ((c = getc_unlocked(stdin)) != EOF) {
        any = true;
        if (c == '\n') break;
        if (c == '\r') {
            crs++;
            continue;
        }
        for (; crs > 0; crs--) put_byte(buf, cap, max, &n, &total, too_long, '\r');
        put_byte(buf, cap, max, &n, &total, too_long, c);
    }
    if (c == EOF && ferror(stdin)) {
        if (errno == 0) errno = EIO;
        return -2;
    }
    if (!any) return -1;
    if (*buf != NULL) (*buf)[n] = '\0';
    *len = *too_long ? total : n;
    return 0;
}

/* Hands one line to the logger. Returns 0, or 1 when it was refused (reported). lineno is the
 * line's number on stdin (1..), named in the message; 0 for a MESSAGE argument. */
static int log_one(client_app *a, residue_logger *lg, const char *msg, size_t len,
                   size_t lineno)
{
    char where[48] = "";
    if (lineno > 0) snprintf(where, sizeof where, "stdin:%zu: ", lineno);
    if (len == 0) {
        fprintf(stderr, PROG ": %san empty message cannot be logged (msg needs 1+ chars)\n",
                where);
        return 1;
    }
    rp_error err;
    if (lineno > 0 && rp_json_check_utf8(msg, len, 0, &err) < 0) {
        fprintf(stderr, PROG ": %snot UTF-8, line dropped (%s at byte offset %zu)\n", where,
                err.message, err.offset);
        return 1;
    }
    if (residue_logger_log_str(lg, (residue_level)a->o.level, a->o.vlevel, a->o.logger, NULL, 0,
                               NULL, msg, len, &err) < 0) {
        char what[80];
        snprintf(what, sizeof what, "%sline not sent", where);
        report(what, &err);
        return 1;
    }
    return 0;
}

static int send_all_messages(client_app *a, residue_logger *lg)
{
    int failures = 0;
    if (a->o.nmessages > 0) {
        for (int i = 0; i < a->o.nmessages && !atomic_load(&a->gave_up); i++) {
            failures += log_one(a, lg, a->o.messages[i], strlen(a->o.messages[i]), 0);
        }
        return failures;
    }
    char *line = NULL;
    size_t cap = 0, len = 0;
    bool too_long = false;
    size_t lineno = 0;
    int got;
    while (!atomic_load(&a->gave_up) &&
           (got = read_line(&line, &cap, a->o.max_line, &len, &too_long)) != -1) {
        if (got == -2) {
            fprintf(stderr, PROG ": stdin: read error: %s\n", strerror(errno));
            failures++;
            break;
        }
        lineno++;
        if (too_long) {
            fprintf(stderr,
                    PROG ": stdin:%zu: a line of %zu bytes is longer than --max-line %zu; not sent\n",
                    lineno, len, a->o.max_line);
            failures++;
            continue;
        }
        if (len == 0) continue; /* empty lines carry no message */
        failures += log_one(a, lg, line, len, lineno);
    }
    free(line);
    return failures;
}

/* The options that take a value (the next argument), as parse_args reads them. */
static bool takes_value(const char *s)
{
    static const char *const names[] = {
        "--connect", "--server-public-key", "--client-id", "--client-private-key",
        "--client-key-secret", "--logger", "--app", "--level", "--vlevel", "--key-size",
        "--bulk-size", "--timeout-ms", "--max-line",
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(s, names[k]) == 0) return true;
    return false;
}

static int parse_args(client_app *a, int argc, char **argv)
{
    opts *o = &a->o;
    o->logger = "default";
    o->app = "residue-client";
    o->level = 128;
    o->timeout_ms = 10000;
    o->max_line = RESIDUE_LOGGER_DEFAULT_MAX_LINE;
    int i = 1;
    for (; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--") == 0) { i++; break; }
        if (s[0] != '-' || s[1] == '\0') break;
        if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0) { o->verbose = true; continue; }
        if (strcmp(s, "--touch") == 0) { o->touch = true; continue; }
        if (strcmp(s, "--no-compression") == 0) { o->no_compression = true; continue; }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) { usage(stdout); exit(0); }
        if (!takes_value(s)) {
            fprintf(stderr, PROG ": unknown option '%s'\n", s);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": option %s needs a value\n", s);
            return 2;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (strcmp(s, "--connect") == 0) o->connect = v;
        else if (strcmp(s, "--server-public-key") == 0) o->server_public_key = v;
        else if (strcmp(s, "--client-id") == 0) o->client_id = v;
        else if (strcmp(s, "--client-private-key") == 0) o->client_private_key = v;
        else if (strcmp(s, "--client-key-secret") == 0) o->client_key_secret = v;
        else if (strcmp(s, "--logger") == 0) o->logger = v;
        else if (strcmp(s, "--app") == 0) o->app = v;
        else if (strcmp(s, "--level") == 0) {
            if (parse_level(v, &o->level) < 0) {
                fprintf(stderr, PROG ": unknown --level '%s'\n", v);
                return 2;
            }
        } else if (strcmp(s, "--vlevel") == 0) {
            unsigned long k = strtoul(v, &end, 10);
            if (*v < '0' || *v > '9' || *end != '\0' || k > 9) {
                fprintf(stderr, PROG ": --vlevel must be 0..9\n");
                return 2;
            }
            o->vlevel = (unsigned)k;
        } else if (strcmp(s, "--key-size") == 0) {
            unsigned long k = strtoul(v, &end, 10);
            if (*end != '\0' || (k != 128 && k != 192 && k != 256)) {
                fprintf(stderr, PROG ": --key-size must be 128, 192 or 256\n");
                return 2;
            }
            o->key_size = (unsigned)k;
        } else if (strcmp(s, "--bulk-size") == 0) {
            unsigned long k = strtoul(v, &end, 10);
            if (*v == '\0' || *end != '\0' || k < 1 || k > 500) {
                fprintf(stderr, PROG ": --bulk-size must be 1..500\n");
                return 2;
            }
            o->bulk_size = k;
        } else if (strcmp(s, "--timeout-ms") == 0) {
            unsigned long k = strtoul(v, &end, 10);
            if (*v == '\0' || *end != '\0' || k < 1 || k > 3600000) {
                fprintf(stderr, PROG ": --timeout-ms must be 1..3600000\n");
                return 2;
            }
            o->timeout_ms = (int)k;
        } else if (strcmp(s, "--max-line") == 0) {
            unsigned long long k = strtoull(v, &end, 10);
            if (*v < '0' || *v > '9' || *end != '\0' || k < 1 || k > (1ull << 30)) {
                fprintf(stderr, PROG ": --max-line must be 1..1073741824\n");
                return 2;
            }
            o->max_line = (size_t)k;
        } else {
            fprintf(stderr, PROG ": unknown option '%s'\n", s);
            usage(stderr);
            return 2;
        }
    }
    o->messages = argv + i;
    o->nmessages = argc - i;
    if (o->connect == NULL) {
        fprintf(stderr, PROG ": --connect HOST:PORT is required\n");
        usage(stderr);
        return 2;
    }
    if (strcmp(o->logger, "residue") == 0) {
        fprintf(stderr, PROG ": --logger residue: the server reserves the logger id \"residue\""
                " (it answers {\"r\":0} and never writes the record)\n");
        return 2;
    }
    if (o->client_id != NULL && o->client_private_key == NULL) {
        fprintf(stderr, PROG ": --client-id needs --client-private-key (it decrypts the hello)\n");
        return 2;
    }
    char host[256];
    uint16_t port;
    rp_error err;
    if (rs_parse_host_port(o->connect, host, sizeof host, &port, &err) < 0) {
        report("--connect", &err);
        return 2;
    }
    return 0;
}

/* The library takes the passphrase hex-encoded, as residue-cpp's client_key_secret. */
static char *hex_secret(const char *pass)
{
    size_t n = strlen(pass);
    char *hex = malloc(2u * n + 1u);
    if (hex == NULL) return NULL;
    size_t len = 0;
    if (rp_hex_encode((const uint8_t *)pass, n, RP_HEX_LOWER, hex, 2u * n + 1u, &len, NULL) < 0) {
        free(hex);
        return NULL;
    }
    hex[len] = '\0';
    return hex;
}

int main(int argc, char **argv)
{
    static client_app a;
    if (rs_stdfds_ensure() < 0) return 2; /* no descriptor for what we open may be 0, 1 or 2 */
    atomic_init(&a.gave_up, false);
    atomic_init(&a.trace_off, false);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout (-v) or socket is a write error, not death */
    int rc = parse_args(&a, argc, argv);
    if (rc != 0) return rc;

    residue_logger_config cfg;
    residue_logger_config_init(&cfg);
    cfg.url = a.o.connect;
    cfg.application_id = a.o.app;
    cfg.client_id = a.o.client_id;
    cfg.client_private_key = a.o.client_private_key;
    cfg.server_public_key = a.o.server_public_key;
    char *secret = NULL;
    if (a.o.client_key_secret != NULL && *a.o.client_key_secret != '\0') {
        secret = hex_secret(a.o.client_key_secret);
        if (secret == NULL) {
            fprintf(stderr, PROG ": out of memory\n");
            return 2;
        }
        cfg.client_key_secret = secret;
    }
    cfg.key_size = (uint16_t)a.o.key_size;
    cfg.bulk_size = (uint32_t)a.o.bulk_size;
    cfg.compression = !a.o.no_compression;
    cfg.connect_timeout_ms = a.o.timeout_ms;
    cfg.reply_timeout_ms = a.o.timeout_ms;
    cfg.max_attempts = 1;
    cfg.policy = RESIDUE_LOGGER_BLOCK;
    cfg.block_timeout_ms = -1;
    cfg.dispatch_delay = RESIDUE_LOGGER_DISPATCH_WHEN_FULL;
    cfg.max_line_size = a.o.max_line;
    if (cfg.backlog_bytes < 2u * a.o.max_line) cfg.backlog_bytes = 2u * a.o.max_line;
    cfg.close_timeout_ms = a.o.timeout_ms;
    cfg.internal_logging_level = a.o.verbose ? 2 : 5;
    cfg.on_event = on_event;
    cfg.event_ctx = &a;
    if (a.o.verbose) {
        a.trace.out = stdout;
        a.trace.prefix = "";
        cfg.trace = trace_step;
        cfg.trace_ctx = &a;
    }
    residue_logger *lg = NULL;
    rp_error err;
    rc = residue_logger_open(&cfg, &lg, &err);
    if (secret != NULL) {
        OPENSSL_cleanse(secret, strlen(secret));
        free(secret);
    }
    if (rc < 0) {
        report("setup", &err);
        return 2;
    }
    rc = residue_logger_connect_wait(lg, -1, &err) < 0 ? 1 : 0;
    if (rc == 0 && a.o.touch && residue_logger_touch(lg, -1, &err) < 0) {
        rc = 1; /* the library reported why */
    }
    if (rc == 0) {
        int failures = send_all_messages(&a, lg);
        if (residue_logger_flush(lg, -1, &err) < 0) {
            report("flush", &err);
            failures++;
        }
        residue_logger_stats st;
        residue_logger_stats_get(lg, &st);
        if (a.o.verbose && !atomic_load(&a.trace_off)) {
            printf(PROG ": %llu log line(s) in %llu request(s): %llu accepted, %llu rejected\n",
                   (unsigned long long)st.logged, (unsigned long long)st.requests,
                   (unsigned long long)st.accepted, (unsigned long long)st.rejected);
            trace_check(&a);
        }
        bool all_accepted = st.accepted == st.logged && st.rejected == 0 && st.failed == 0 &&
                            st.dropped == 0;
        rc = failures == 0 && all_accepted && !atomic_load(&a.gave_up) ? 0 : 1;
    }
    if (residue_logger_close(lg) < 0 && rc == 0) rc = 1;
    fflush(stdout);
    return rc;
}
