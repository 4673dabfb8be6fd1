/* residue-server: a residue-compatible server on the rproto runtime (docs/interfaces.md §4).
 *
 * One thread, one poll() loop over the two listeners, every client connection and a
 * self-pipe for SIGINT/SIGTERM. Sockets are non-blocking; each connection has a bounded
 * framer buffer (--max-packet) and an output queue; a connection whose peer does not read
 * its replies stops being read until the queue drains. The periodic client sweep runs from
 * the loop's timeout. Every accepted log record is written as one JSON line, flushed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "residue_profiles.h"
#include "rp_frame.h"
#include "rp_json.h"
#include "residue_session.h"
#include "lib/rs_config.h"
#include "lib/rs_net.h"
#include "lib/rs_trace.h"

#define PROG "residue-server"
#define DEFAULT_MAX_PACKET (1024u * 1024u)
#define DEFAULT_MAX_CONNECTIONS 4096u
#define FD_RESERVE 16u   /* descriptors kept free for listeners, log file, pipe, key files */
#define ACCEPT_PAUSE_MS 100
#define OUT_HIGH_WATER (1024u * 1024u)
#define READ_CHUNK 65536u

/* The signal handler's only way out: the write end of the self-pipe. */
static volatile sig_atomic_t g_signal_fd = -1;

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    if (g_signal_fd >= 0) {
        char c = 1;
        ssize_t w = write(g_signal_fd, &c, 1);
        (void)w;
    }
    errno = saved;
}

typedef enum port_role { ROLE_CONNECT = 0, ROLE_LOGGING = 1 } port_role;

typedef struct conn {
    int fd;
    port_role role;
    rp_framer framer;
    uint8_t *inbuf;
    uint8_t *out;
    size_t out_len;   /* bytes queued */
    size_t out_off;   /* bytes already sent */
    size_t out_cap;
    bool read_closed; /* EOF seen or framing error: flush and close */
    bool got_packet;  /* at least one complete packet arrived */
    int64_t last_active_ms;
} conn;

typedef struct app {
    rs_settings settings;
    residue_server *srv;
    int listen_fd[2];
    uint16_t port[2];
    conn **conns;          /* max_conns slots */
    struct pollfd *pfd;    /* 3 + max_conns entries */
    size_t nconns;
    size_t max_conns;
    int64_t accept_paused_until_ms;
    uint64_t evicted;
    FILE *log;
    bool log_is_stdout;
    bool verbose;
    size_t max_packet;
    int sig_pipe[2];
    rs_trace_sink trace;
    uint64_t log_lines;
} app;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: " PROG " [--config FILE] [--connect-port N] [--logging-port N] [--bind ADDR]\n"
            "                      [--log-file FILE] [--ports-file FILE] [--max-packet BYTES]\n"
            "                      [--max-connections N] [-v]\n"
            "  --config FILE       JSON configuration with the residue server's key names\n"
            "  --connect-port N    connect port (0 = pick a free one); overrides the config\n"
            "  --logging-port N    logging port (0 = pick a free one); overrides the config\n"
            "  --bind ADDR         IPv4 address to listen on (default 127.0.0.1)\n"
            "  --log-file FILE     where accepted log records go, one JSON line each (default stdout)\n"
            "  --ports-file FILE   also write the 'connect_port=N logging_port=M' line there\n"
            "  --max-packet BYTES  largest packet accepted (default 1048576); larger closes the connection\n"
            "  --max-connections N open client connections (default 4096, at most the fd limit - 16);\n"
            "                      when full, the connection idle longest without a complete packet\n"
            "                      (else the one idle longest) is closed to make room\n"
            "  -v                  print every packet handled on stderr (keys never shown)\n");
}

/* ---- log records ------------------------------------------------------------------------- */

static const char *level_name(unsigned level)
{
    switch (level) {
    case 1: return "global";
    case 2: return "trace";
    case 4: return "debug";
    case 8: return "fatal";
    case 16: return "error";
    case 32: return "warning";
    case 64: return "verbose";
    case 128: return "info";
    default: return NULL;
    }
}

/* {"client_id":…,"logger":…,"level":…,"msg":…,"app":…,"datetime":…}, one line, flushed. */
static void write_log_line(void *ctx, const char *client_id, const residue_log_request *log)
{
    app *a = ctx;
    size_t cap = 6u * (strlen(client_id) + log->logger.len + log->msg.len + log->app.len) + 256u;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fprintf(stderr, PROG ": out of memory writing a log line\n");
        return;
    }
    rp_json_writer w;
    rp_json_writer_init(&w, buf, cap);
    rp_json_write_object_begin(&w);
    rp_json_write_key(&w, "client_id", 9);
    rp_json_write_string(&w, client_id, strlen(client_id));
    rp_json_write_key(&w, "logger", 6);
    if (log->has_logger) {
        rp_json_write_string(&w, log->logger.ptr, log->logger.len);
    } else {
        rp_json_write_string(&w, "default", 7);
    }
    rp_json_write_key(&w, "level", 5);
    const char *ln = level_name((unsigned)log->level);
    if (ln != NULL) {
        rp_json_write_string(&w, ln, strlen(ln));
    } else {
        rp_json_write_u64(&w, (uint64_t)log->level);
    }
    rp_json_write_key(&w, "msg", 3);
    rp_json_write_string(&w, log->msg.ptr, log->msg.len);
    rp_json_write_key(&w, "app", 3);
    rp_json_write_string(&w, log->has_app ? log->app.ptr : "", log->has_app ? log->app.len : 0);
    rp_json_write_key(&w, "datetime", 8);
    rp_json_write_u64(&w, log->datetime);
    rp_json_write_object_end(&w);
    size_t n = 0;
    rp_error err;
    if (rp_json_writer_finish(&w, &n, &err) < 0) {
        char msg[256];
        rp_error_format(&err, msg, sizeof msg);
        fprintf(stderr, PROG ": could not write a log line: %s\n", msg);
    } else {
        buf[n] = '\n';
        if (fwrite(buf, 1, n + 1u, a->log) != n + 1u || fflush(a->log) != 0) {
            fprintf(stderr, PROG ": writing the log file failed: %s\n", strerror(errno));
        } else {
            a->log_lines++;
        }
    }
    free(buf);
}

/* ---- connections ------------------------------------------------------------------------- */

static void conn_free(conn *c)
{
    if (c == NULL) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->inbuf);
    free(c->out);
    free(c);
}

static void conn_remove(app *a, size_t i)
{
    conn_free(a->conns[i]);
    a->conns[i] = a->conns[a->nconns - 1u];
    a->nconns--;
}

static int queue_output(conn *c, const uint8_t *data, size_t n)
{
    if (c->out_off > 0 && c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
    }
    if (c->out_len + n > c->out_cap) {
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        if (c->out_len + n > c->out_cap) {
            size_t cap = c->out_cap == 0 ? 4096u : c->out_cap;
            while (cap < c->out_len + n) cap *= 2u;
            uint8_t *p = realloc(c->out, cap);
            if (p == NULL) {
                return -1;
            }
            c->out = p;
            c->out_cap = cap;
        }
    }
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
    return 0;
}

/* Sends what the socket takes now. -1 when the connection is broken. */
static int flush_output(conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        c->out_off += (size_t)w;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

/* Handles one packet; -1 closes the connection. */
static int handle_packet(app *a, conn *c, const uint8_t *pkt, size_t len)
{
    uint8_t reply[RESIDUE_SESSION_PACKET_MAX];
    size_t reply_len = 0;
    rp_error why;
    int rc;
    if (c->role == ROLE_CONNECT) {
        rc = residue_server_handle_connect(a->srv, pkt, len, reply, sizeof reply, &reply_len, &why);
    } else {
        rc = residue_server_handle_log(a->srv, pkt, len, write_log_line, a, reply, sizeof reply,
                                  &reply_len, &why);
    }
    if (rc < 0) {
        char msg[256];
        rp_error_format(&why, msg, sizeof msg);
        fprintf(stderr, PROG ": no reply possible, closing the connection: %s\n", msg);
        return -1;
    }
    if (queue_output(c, reply, reply_len) < 0) {
        fprintf(stderr, PROG ": out of memory queueing a reply\n");
        return -1;
    }
    return 0;
}

/* Reads what is available, handles every complete packet. -1 closes the connection. */
static int conn_read(app *a, conn *c)
{
    uint8_t buf[READ_CHUNK];
    ssize_t r = recv(c->fd, buf, sizeof buf, 0);
    if (r < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return -1;
    }
    if (r == 0) {
        c->read_closed = true;
        return 0;
    }
    size_t off = 0;
    while (off < (size_t)r) {
        size_t used = 0;
        rp_error err;
        if (rp_framer_push(&c->framer, buf + off, (size_t)r - off, &used, &err) < 0) {
            char msg[256];
            rp_error_format(&err, msg, sizeof msg);
            fprintf(stderr, PROG ": closing a %s-port connection: %s\n",
                    c->role == ROLE_CONNECT ? "connect" : "logging", msg);
            c->read_closed = true;
            return 0;
        }
        off += used;
        const uint8_t *pkt;
        size_t len;
        while (rp_framer_pop(&c->framer, &pkt, &len) == 1) {
            c->got_packet = true;
            c->last_active_ms = mono_ms();
            if (handle_packet(a, c, pkt, len) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Makes room for a new connection: closes the connection that has been idle longest
 * without ever completing a packet (a half-open or slow-loris socket), or, when every
 * connection has done real work, the one idle longest. Returns false when there is none. */
static bool evict_one(app *a)
{
    size_t victim = SIZE_MAX;
    for (size_t i = 0; i < a->nconns; i++) {
        const conn *c = a->conns[i];
        if (victim == SIZE_MAX) {
            victim = i;
            continue;
        }
        const conn *v = a->conns[victim];
        if ((!c->got_packet && v->got_packet) ||
            (c->got_packet == v->got_packet && c->last_active_ms < v->last_active_ms)) {
            victim = i;
        }
    }
    if (victim == SIZE_MAX) {
        return false;
    }
    a->evicted++;
    if (a->verbose) {
        fprintf(stderr, PROG ": %zu connections open: closing one idle %s to make room\n",
                a->nconns, a->conns[victim]->got_packet ? "client" : "connection (no complete packet)");
    }
    /* Safe inside the poll loop: accept_all runs after the connections were handled. */
    conn_remove(a, victim);
    return true;
}

static void accept_all(app *a, port_role role)
{
    for (;;) {
        int fd = accept(a->listen_fd[role], NULL, NULL);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                /* Out of descriptors: free one and retry, or stop accepting for a moment so
                 * the still-readable listener does not spin the loop. */
                if (!evict_one(a)) {
                    a->accept_paused_until_ms = mono_ms() + ACCEPT_PAUSE_MS;
                    return;
                }
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED) {
                fprintf(stderr, PROG ": accept: %s\n", strerror(errno));
            }
            return;
        }
        if (a->nconns >= a->max_conns && !evict_one(a)) {
            close(fd);
            continue;
        }
        conn *c = calloc(1, sizeof *c);
        size_t cap = rp_framer_buffer_size(&residue_framing, a->max_packet);
        if (c != NULL) {
            c->fd = fd;
            c->inbuf = malloc(cap);
        }
        if (c == NULL || c->inbuf == NULL ||
            rs_set_nonblocking(fd, NULL) < 0 ||
            rp_framer_init(&c->framer, &residue_framing, c->inbuf, cap, a->max_packet, NULL) < 0) {
            fprintf(stderr, PROG ": cannot set up a connection (out of memory?)\n");
            if (c != NULL) conn_free(c); else close(fd);
            continue;
        }
        c->role = role;
        c->last_active_ms = mono_ms();
        /* One small reply per request: do not let Nagle hold it back. */
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        a->conns[a->nconns++] = c;
    }
}

/* ---- main loop --------------------------------------------------------------------------- */

static int run(app *a)
{
    struct pollfd *pfd = a->pfd;
    for (;;) {
        uint64_t next_sweep = residue_server_tick(a->srv);
        int timeout_ms = next_sweep > 60u ? 60000 : (int)(next_sweep * 1000u) + 10;
        int64_t now = mono_ms();
        bool accepting = now >= a->accept_paused_until_ms;
        if (!accepting && timeout_ms > ACCEPT_PAUSE_MS) timeout_ms = ACCEPT_PAUSE_MS;
        size_t n = 0;
        pfd[n++] = (struct pollfd){a->sig_pipe[0], POLLIN, 0};
        pfd[n++] = (struct pollfd){a->listen_fd[0], accepting ? POLLIN : 0, 0};
        pfd[n++] = (struct pollfd){a->listen_fd[1], accepting ? POLLIN : 0, 0};
        for (size_t i = 0; i < a->nconns; i++) {
            conn *c = a->conns[i];
            short ev = 0;
            if (!c->read_closed && c->out_len - c->out_off < OUT_HIGH_WATER) ev |= POLLIN;
            if (c->out_off < c->out_len) ev |= POLLOUT;
            pfd[n++] = (struct pollfd){c->fd, ev, 0};
        }
        int k = poll(pfd, (nfds_t)n, timeout_ms);
        if (k < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
            return 1;
        }
        if (pfd[0].revents & POLLIN) {
            return 0; /* SIGINT / SIGTERM */
        }
        /* Connections first (their indices match pfd[3 + i]); walk backwards because
         * removal moves the last connection into the freed slot. */
        for (size_t i = a->nconns; i-- > 0;) {
            conn *c = a->conns[i];
            short re = pfd[3 + i].revents;
            bool drop = false;
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                if (!c->read_closed && conn_read(a, c) < 0) drop = true;
                else if ((re & (POLLHUP | POLLERR)) && !(re & POLLIN)) c->read_closed = true;
            }
            if (!drop && flush_output(c) < 0) drop = true;
            if (!drop && c->read_closed && c->out_off >= c->out_len) drop = true;
            if (drop) conn_remove(a, i);
        }
        if (pfd[1].revents & POLLIN) accept_all(a, ROLE_CONNECT);
        if (pfd[2].revents & POLLIN) accept_all(a, ROLE_LOGGING);
    }
}

static int write_ports_file(const char *path, const char *line)
{
    /* Written to a temporary name and renamed, so a reader never sees half a line. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) return -1;
    int ok = fputs(line, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void app_cleanup(app *a)
{
    for (size_t i = 0; i < a->nconns; i++) conn_free(a->conns[i]);
    a->nconns = 0;
    free(a->conns);
    free(a->pfd);
    a->conns = NULL;
    a->pfd = NULL;
    for (int i = 0; i < 2; i++) {
        if (a->listen_fd[i] >= 0) close(a->listen_fd[i]);
    }
    if (a->sig_pipe[0] >= 0) close(a->sig_pipe[0]);
    if (a->sig_pipe[1] >= 0) close(a->sig_pipe[1]);
    g_signal_fd = -1;
    residue_server_free(a->srv);
    rs_settings_free(&a->settings);
    if (a->log != NULL && !a->log_is_stdout) fclose(a->log);
}

static int fail_err(const char *what, const rp_error *err)
{
    char msg[512];
    rp_error_format(err, msg, sizeof msg);
    fprintf(stderr, PROG ": %s: %s\n", what, msg);
    return 2;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *bind_addr = "127.0.0.1", *log_file = NULL, *ports_file = NULL;
    const char *connect_port_arg = NULL, *logging_port_arg = NULL, *max_packet_arg = NULL;
    const char *max_conn_arg = NULL;
    app a;
    memset(&a, 0, sizeof a);
    a.listen_fd[0] = a.listen_fd[1] = a.sig_pipe[0] = a.sig_pipe[1] = -1;
    a.max_packet = DEFAULT_MAX_PACKET;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char **slot = NULL;
        if (strcmp(o, "-v") == 0 || strcmp(o, "--verbose") == 0) { a.verbose = true; continue; }
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) { usage(stdout); return 0; }
        if (strcmp(o, "--config") == 0) slot = &config;
        else if (strcmp(o, "--connect-port") == 0) slot = &connect_port_arg;
        else if (strcmp(o, "--logging-port") == 0) slot = &logging_port_arg;
        else if (strcmp(o, "--bind") == 0) slot = &bind_addr;
        else if (strcmp(o, "--log-file") == 0) slot = &log_file;
        else if (strcmp(o, "--ports-file") == 0) slot = &ports_file;
        else if (strcmp(o, "--max-packet") == 0) slot = &max_packet_arg;
        else if (strcmp(o, "--max-connections") == 0) slot = &max_conn_arg;
        else {
            fprintf(stderr, PROG ": unknown option '%s'\n", o);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, PROG ": option %s needs a value\n", o);
            return 2;
        }
        *slot = argv[++i];
    }
    rp_error err;
    rs_settings_init(&a.settings);
    int rc = 0;
    if (config != NULL && (rc = rs_settings_load(&a.settings, config, &err)) < 0) {
        rc = fail_err(config, &err);
        rs_settings_free(&a.settings);
        return rc;
    }
    if (connect_port_arg != NULL &&
        rs_parse_port(connect_port_arg, 1, &a.settings.connect_port, &err) < 0) {
        rs_settings_free(&a.settings);
        return fail_err("--connect-port", &err);
    }
    if (logging_port_arg != NULL &&
        rs_parse_port(logging_port_arg, 1, &a.settings.logging_port, &err) < 0) {
        rs_settings_free(&a.settings);
        return fail_err("--logging-port", &err);
    }
    if (max_packet_arg != NULL) {
        char *end = NULL;
        unsigned long long v = strtoull(max_packet_arg, &end, 10);
        if (*max_packet_arg == '\0' || *end != '\0' || v < 64 || v > (1ull << 30)) {
            fprintf(stderr, PROG ": --max-packet must be 64..1073741824 bytes\n");
            rs_settings_free(&a.settings);
            return 2;
        }
        a.max_packet = (size_t)v;
    }
    /* Connection slots: the option (default 4096), never more than the descriptor limit
     * leaves room for. */
    size_t max_conns = DEFAULT_MAX_CONNECTIONS;
    if (max_conn_arg != NULL) {
        char *end = NULL;
        unsigned long long v = strtoull(max_conn_arg, &end, 10);
        if (*max_conn_arg == '\0' || *end != '\0' || v < 1 || v > 1000000) {
            fprintf(stderr, PROG ": --max-connections must be 1..1000000\n");
            rs_settings_free(&a.settings);
            return 2;
        }
        max_conns = (size_t)v;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        size_t room = rl.rlim_cur > FD_RESERVE + 1u ? (size_t)rl.rlim_cur - FD_RESERVE : 1u;
        if (max_conns > room) max_conns = room;
    }
    a.max_conns = max_conns;
    a.conns = calloc(max_conns, sizeof *a.conns);
    a.pfd = calloc(max_conns + 3u, sizeof *a.pfd);
    if (a.conns == NULL || a.pfd == NULL) {
        fprintf(stderr, PROG ": out of memory for %zu connection slots\n", max_conns);
        free(a.conns);
        free(a.pfd);
        rs_settings_free(&a.settings);
        return 2;
    }
    if (log_file != NULL && strcmp(log_file, "-") != 0) {
        a.log = fopen(log_file, "a");
        if (a.log == NULL) {
            fprintf(stderr, PROG ": --log-file %s: %s\n", log_file, strerror(errno));
            a.log = stdout;
            a.log_is_stdout = true;
            app_cleanup(&a);
            return 2;
        }
    } else {
        a.log = stdout;
        a.log_is_stdout = true;
    }
    if (rs_listen(bind_addr, a.settings.connect_port, &a.listen_fd[0], &a.port[0], &err) < 0 ||
        rs_listen(bind_addr, a.settings.logging_port, &a.listen_fd[1], &a.port[1], &err) < 0) {
        rc = fail_err("listen", &err);
        app_cleanup(&a);
        return rc;
    }
    a.settings.server.logging_port = a.port[1];
    a.settings.server.max_log_size = a.max_packet;
    if (residue_server_create(&a.settings.server, NULL, NULL, NULL, NULL, &a.srv, &err) < 0) {
        rc = fail_err("configuration", &err);
        app_cleanup(&a);
        return rc;
    }
    if (a.verbose) {
        a.trace.out = stderr;
        a.trace.prefix = PROG ": ";
        residue_server_set_trace(a.srv, rs_trace_print, &a.trace);
    }
    if (pipe(a.sig_pipe) < 0 || rs_set_nonblocking(a.sig_pipe[1], NULL) < 0) {
        fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
        app_cleanup(&a);
        return 1;
    }
    (void)fcntl(a.sig_pipe[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(a.sig_pipe[1], F_SETFD, FD_CLOEXEC);
    g_signal_fd = a.sig_pipe[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char line[128];
    snprintf(line, sizeof line, PROG ": connect_port=%u logging_port=%u\n", (unsigned)a.port[0],
             (unsigned)a.port[1]);
    fputs(line, stdout);
    fflush(stdout);
    if (ports_file != NULL && write_ports_file(ports_file, line) < 0) {
        fprintf(stderr, PROG ": --ports-file %s: %s\n", ports_file, strerror(errno));
        app_cleanup(&a);
        return 1;
    }
    rc = run(&a);
    if (a.verbose) {
        residue_server_stats st;
        residue_server_stats_get(a.srv, &st);
        fprintf(stderr,
                PROG ": stopping: %llu connect packets (%llu errors), %llu log packets "
                "(%llu rejected), %llu log lines written, %zu clients registered, "
                "%llu idle connections closed for room\n",
                (unsigned long long)st.connect_packets, (unsigned long long)st.connect_errors,
                (unsigned long long)st.log_packets, (unsigned long long)st.log_rejected,
                (unsigned long long)a.log_lines, residue_server_client_count(a.srv),
                (unsigned long long)a.evicted);
    }
    app_cleanup(&a);
    return rc;
}
