/* residue-client: connects to a residue server, completes the handshake, optionally
 * TOUCHes, and sends log lines (docs/interfaces.md §4). All protocol logic is rp_session's;
 * this file only moves bytes between it and two blocking sockets.
 *
 * Exit status: 0 only when every step succeeded and every log request got {"r":0};
 * 1 when a step failed or a log request was rejected; 2 for usage or setup errors.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "residue_profiles.h"
#include "rp_frame.h"
#include "residue_session.h"
#include "lib/rs_net.h"
#include "lib/rs_trace.h"

#define PROG "residue-client"
#define MAX_REPLY 65536u
#define MAX_LINE 65536u

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
    bool verbose;
    int timeout_ms;
    size_t bulk_size;       /* 0 = as many as the server allows */
    bool no_compression;
    char **messages;
    int nmessages;
} opts;

typedef struct client_app {
    opts o;
    char host[256];
    uint16_t port;
    residue_client *cl;
    rp_rsa_key *client_key;
    rp_rsa_key *server_key;
    int connect_fd;
    int log_fd;
    rp_framer connect_framer;
    rp_framer log_framer;
    uint8_t connect_buf[RP_FRAMER_BUFFER_SIZE(MAX_REPLY, RESIDUE_SESSION_DELIM_LEN)];
    uint8_t log_buf[RP_FRAMER_BUFFER_SIZE(MAX_REPLY, RESIDUE_SESSION_DELIM_LEN)];
    rs_trace_sink trace;
    size_t sent, accepted, rejected, packets;
} client_app;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: " PROG " --connect HOST:PORT [--server-public-key PEM]\n"
        "                      [--client-id ID --client-private-key PEM] [--client-private-key PEM]\n"
        "                      [--key-size 128|192|256] [--touch] [--logger L] [--app A]\n"
        "                      [--level trace|debug|fatal|error|warning|verbose|info]\n"
        "                      [--bulk-size N] [--no-compression] [--timeout-ms MS] [-v]\n"
        "                      [MESSAGE ...]        (no MESSAGE: one per line from stdin)\n"
        "  --connect HOST:PORT        the server's connect port\n"
        "  --server-public-key PEM    RSA-encrypt the CONNECT to this server key (else plain)\n"
        "  --client-id ID             connect as this managed client (needs --client-private-key)\n"
        "  --client-private-key PEM   the client's RSA private key; without --client-id it is\n"
        "                             the key pair of an unmanaged client (default: generate 2048-bit)\n"
        "  --key-size N               ask for an AES-N session key (default: the server's choice)\n"
        "  --touch                    send a TOUCH after the connection is established\n"
        "  --logger L / --app A       logger id (default \"default\") and application name\n"
        "  --level NAME               severity of every line (default info)\n"
        "  --bulk-size N              at most N lines per log request (default: the server's\n"
        "                             max_bulk_size when it allows bulk, else 1)\n"
        "  --no-compression           do not compress even when the server allows it\n"
        "  --timeout-ms MS            how long to wait for each reply (default 10000)\n"
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

static int report(const char *what, const rp_error *err)
{
    char msg[512];
    rp_error_format(err, msg, sizeof msg);
    fprintf(stderr, PROG ": %s: %s\n", what, msg);
    return 1;
}

/* Sends one connect-port packet and feeds the reply to the session; a reply that needs an
 * answer (the hello needs the ACK) is sent in turn, until the session waits for nothing. */
static int connect_exchange(client_app *a, const uint8_t *pkt, size_t len, const char *step)
{
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    rp_error err;
    for (;;) {
        if (rs_send_all(a->connect_fd, pkt, len, a->o.timeout_ms, &err) < 0) {
            return report(step, &err);
        }
        const uint8_t *reply;
        size_t rlen;
        if (rs_recv_packet(a->connect_fd, &a->connect_framer, a->o.timeout_ms, &reply, &rlen,
                           &err) < 0) {
            return report(step, &err);
        }
        size_t out_len = 0;
        if (residue_client_receive(a->cl, reply, rlen, out, sizeof out, &out_len, &err) < 0) {
            return report(step, &err);
        }
        if (out_len == 0) {
            return 0;
        }
        pkt = out;
        len = out_len;
        step = "ACK";
    }
}

static int open_connect(client_app *a)
{
    rp_error err;
    if (a->connect_fd >= 0) {
        close(a->connect_fd);
        a->connect_fd = -1;
    }
    rp_framer_reset(&a->connect_framer);
    if (rs_connect(a->host, a->port, a->o.timeout_ms, &a->connect_fd, &err) < 0) {
        return report("connect port", &err);
    }
    return 0;
}

/* CONNECT -> hello -> ACK -> established. */
static int handshake(client_app *a)
{
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t len = 0;
    rp_error err;
    if (a->connect_fd < 0 && open_connect(a) != 0) {
        return 1;
    }
    if (residue_client_connect(a->cl, pkt, sizeof pkt, &len, &err) < 0) {
        return report("CONNECT", &err);
    }
    int rc = connect_exchange(a, pkt, len, "CONNECT");
    if (rc == 0 && residue_client_get_state(a->cl) != RESIDUE_CLIENT_ESTABLISHED) {
        fprintf(stderr, PROG ": handshake did not end established\n");
        rc = 1;
    }
    return rc;
}

static int touch(client_app *a)
{
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t len = 0;
    rp_error err;
    if (residue_client_touch(a->cl, pkt, sizeof pkt, &len, &err) < 0) {
        return report("TOUCH", &err);
    }
    return connect_exchange(a, pkt, len, "TOUCH");
}

/* Before each log request: TOUCH when close to expiry, reconnect when dead. */
static int keep_alive(client_app *a)
{
    switch (residue_client_next_action(a->cl)) {
    case RESIDUE_CLIENT_ACTION_TOUCH:
        return touch(a);
    case RESIDUE_CLIENT_ACTION_CONNECT:
        if (a->o.verbose) printf("%s: session expired, connecting again\n", PROG);
        if (open_connect(a) != 0) return 1;
        return handshake(a);
    default:
        return 0;
    }
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sends records[0..n) as one log request. 0: {"r":0}; 1: failure (reported); 2: {"r":1}. */
static int send_once(client_app *a, residue_log_request *records, size_t n)
{
    if (keep_alive(a) != 0) {
        return 1;
    }
    rp_error err;
    if (a->log_fd < 0) {
        uint16_t lp = residue_client_logging_port(a->cl);
        if (rs_connect(a->host, lp, a->o.timeout_ms, &a->log_fd, &err) < 0) {
            return report("logging port", &err);
        }
        rp_framer_reset(&a->log_framer);
    }
    size_t cap = 4096;
    for (size_t i = 0; i < n; i++) {
        cap += 12u * (records[i].msg.len + records[i].logger.len + records[i].app.len) + 1024u;
    }
    uint8_t *pkt = malloc(cap);
    if (pkt == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    size_t len = 0;
    int rc = residue_client_build_log(a->cl, records, n, pkt, cap, &len, &err);
    if (rc < 0) {
        free(pkt);
        return report("log request", &err);
    }
    rc = rs_send_all(a->log_fd, pkt, len, a->o.timeout_ms, &err);
    free(pkt);
    if (rc < 0) {
        return report("log request", &err);
    }
    a->packets++;
    const uint8_t *reply;
    size_t rlen;
    if (rs_recv_packet(a->log_fd, &a->log_framer, a->o.timeout_ms, &reply, &rlen, &err) < 0) {
        return report("log reply", &err);
    }
    rc = residue_client_log_reply(a->cl, reply, rlen, &err);
    if (rc == RP_E_REJECTED) {
        return 2;
    }
    if (rc < 0) {
        return report("log reply", &err);
    }
    return 0;
}

/* Sends one log request; on {"r":1} checks the session with a TOUCH and, when the server
 * has forgotten or expired the client, connects again and resends once. */
static int send_logs(client_app *a, residue_log_request *records, size_t n)
{
    int rc = send_once(a, records, n);
    if (rc == 2) {
        if (a->o.verbose) {
            printf(PROG ": log request rejected; checking the session with a TOUCH\n");
        }
        if (touch(a) != 0 && residue_client_get_state(a->cl) == RESIDUE_CLIENT_DISCONNECTED) {
            if (a->o.verbose) printf(PROG ": the server lost the session, connecting again\n");
            if (a->log_fd >= 0) {
                close(a->log_fd);
                a->log_fd = -1;
            }
            if (open_connect(a) == 0 && handshake(a) == 0) {
                rc = send_once(a, records, n);
            }
        }
    }
    a->sent += n;
    if (rc == 0) {
        a->accepted += n;
        return 0;
    }
    if (rc == 2) {
        a->rejected += n;
        fprintf(stderr, PROG ": log request of %zu line(s) rejected by the server ({\"r\":1})\n", n);
    }
    return 1;
}

static void fill_record(const client_app *a, residue_log_request *r, const char *msg, size_t len)
{
    residue_log_request_init(r);
    r->timestamp = 0; /* filled by the session from its clock */
    r->datetime = now_ms();
    r->has_datetime = true;
    r->logger = rp_str_from_cstr(a->o.logger);
    r->has_logger = true;
    r->msg.ptr = msg;
    r->msg.len = len;
    r->has_msg = true;
    r->app = rp_str_from_cstr(a->o.app);
    r->has_app = true;
    r->level = (residue_level)a->o.level;
    r->has_level = true;
    r->vlevel = 0;
    r->has_vlevel = true;
}

/* Sends every message, batching up to the bulk size. */
static int send_all_messages(client_app *a)
{
    size_t batch = residue_client_bulk_capacity(a->cl);
    if (a->o.bulk_size != 0 && a->o.bulk_size < batch) {
        batch = a->o.bulk_size;
    }
    residue_log_request *recs = calloc(batch, sizeof *recs);
    char **lines = calloc(batch, sizeof *lines);
    if (recs == NULL || lines == NULL) {
        free(recs);
        free(lines);
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    int failures = 0;
    size_t n = 0;
    int next_arg = 0;
    bool from_stdin = a->o.nmessages == 0;
    char *line = NULL;
    size_t line_cap = 0;
    for (;;) {
        const char *msg = NULL;
        size_t len = 0;
        if (!from_stdin) {
            if (next_arg < a->o.nmessages) {
                msg = a->o.messages[next_arg++];
                len = strlen(msg);
            }
        } else {
            ssize_t r = getline(&line, &line_cap, stdin);
            if (r >= 0) {
                while (r > 0 && (line[r - 1] == '\n' || line[r - 1] == '\r')) line[--r] = '\0';
                if (r == 0) continue; /* empty lines carry no message */
                if ((size_t)r > MAX_LINE) {
                    fprintf(stderr, PROG ": a line of %zd bytes is longer than %u; not sent\n",
                            r, MAX_LINE);
                    failures++;
                    continue;
                }
                lines[n] = strdup(line);
                if (lines[n] == NULL) {
                    fprintf(stderr, PROG ": out of memory\n");
                    failures++;
                    break;
                }
                msg = lines[n];
                len = (size_t)r;
            }
        }
        if (msg != NULL) {
            if (len == 0) {
                fprintf(stderr, PROG ": an empty message cannot be logged (msg needs 1+ chars)\n");
                failures++;
            } else {
                fill_record(a, &recs[n++], msg, len);
            }
        }
        if (n > 0 && (n == batch || msg == NULL)) {
            if (send_logs(a, recs, n) != 0) failures++;
            for (size_t i = 0; i < n; i++) {
                free(lines[i]);
                lines[i] = NULL;
            }
            n = 0;
        }
        if (msg == NULL) break;
    }
    free(line);
    for (size_t i = 0; i < batch; i++) free(lines[i]);
    free(lines);
    free(recs);
    return failures == 0 ? 0 : 1;
}

static int load_keys(client_app *a)
{
    rp_error err;
    if (a->o.client_private_key != NULL &&
        rp_rsa_key_load_private_file(a->o.client_private_key, a->o.client_key_secret,
                                     &a->client_key, &err) < 0) {
        report("--client-private-key", &err);
        return 2;
    }
    if (a->o.server_public_key != NULL &&
        rp_rsa_key_load_public_file(a->o.server_public_key, &a->server_key, &err) < 0) {
        report("--server-public-key", &err);
        return 2;
    }
    return 0;
}

static int parse_args(client_app *a, int argc, char **argv)
{
    opts *o = &a->o;
    o->logger = "default";
    o->app = "residue-client";
    o->level = 128;
    o->timeout_ms = 10000;
    int i = 1;
    for (; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--") == 0) { i++; break; }
        if (s[0] != '-' || s[1] == '\0') break;
        if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0) { o->verbose = true; continue; }
        if (strcmp(s, "--touch") == 0) { o->touch = true; continue; }
        if (strcmp(s, "--no-compression") == 0) { o->no_compression = true; continue; }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) { usage(stdout); exit(0); }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": option %s needs a value (or is unknown)\n", s);
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
    if (o->client_id != NULL && o->client_private_key == NULL) {
        fprintf(stderr, PROG ": --client-id needs --client-private-key (it decrypts the hello)\n");
        return 2;
    }
    rp_error err;
    if (rs_parse_host_port(o->connect, a->host, sizeof a->host, &a->port, &err) < 0) {
        report("--connect", &err);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static client_app a; /* large framer buffers: not on the stack */
    a.connect_fd = a.log_fd = -1;
    signal(SIGPIPE, SIG_IGN);
    int rc = parse_args(&a, argc, argv);
    if (rc == 0) rc = load_keys(&a);
    rp_error err;
    if (rc == 0 &&
        (rp_framer_init(&a.connect_framer, &residue_framing, a.connect_buf, sizeof a.connect_buf,
                        MAX_REPLY, &err) < 0 ||
         rp_framer_init(&a.log_framer, &residue_framing, a.log_buf, sizeof a.log_buf, MAX_REPLY,
                        &err) < 0)) {
        rc = report("setup", &err);
    }
    if (rc == 0) {
        residue_client_config cfg = {a.o.client_id, a.client_key, a.server_key,
                                (uint16_t)a.o.key_size, 0};
        if (residue_client_create(&cfg, NULL, NULL, NULL, NULL, &a.cl, &err) < 0) {
            report("client setup", &err);
            rc = 2;
        }
    }
    if (rc == 0) {
        if (a.o.verbose) {
            a.trace.out = stdout;
            a.trace.prefix = "";
            residue_client_set_trace(a.cl, rs_trace_print, &a.trace);
        }
        rc = handshake(&a);
    }
    if (rc == 0 && a.o.touch) {
        rc = touch(&a);
    }
    if (rc == 0) {
        if (a.o.no_compression) {
            residue_client_set_compression(a.cl, false);
        }
        rc = send_all_messages(&a);
        if (a.o.verbose) {
            printf(PROG ": %zu log line(s) in %zu request(s): %zu accepted, %zu rejected\n",
                   a.sent, a.packets, a.accepted, a.rejected);
        }
    }
    if (a.connect_fd >= 0) close(a.connect_fd);
    if (a.log_fd >= 0) close(a.log_fd);
    residue_client_free(a.cl);
    rp_rsa_key_free(a.client_key);
    rp_rsa_key_free(a.server_key);
    fflush(stdout);
    return rc;
}
