/* residue-server: a residue-compatible server on the rproto runtime (docs/interfaces.md §4).
 *
 * One poll() loop over the two listeners, every client connection, a self-pipe for signals
 * (SIGINT/SIGTERM stop, SIGHUP reopens the log file) and the sync thread's answers. Sockets
 * are non-blocking. Each poll turn serves the connections round-robin, each within a work budget
 * (turn_packets packets, turn_bytes bytes read; an RSA decryption ends the connection's share
 * of the turn, and all RSA decryptions of a turn stop after rsa_turn_ms), so no peer delays
 * the others by more than about one turn. A connection's queued replies never exceed
 * max_output_per_connection (no packet is handled when its reply might not fit; the peer is
 * not read meanwhile) and one that takes no reply byte for output_stall_timeout is closed;
 * the memory held for partial packets and replies of all connections is bounded by
 * max_buffered_total (closing first a connection with no successful request whose partial
 * packet stopped progressing longest ago; rs_memory_victim_before). Log records go to rs_logfile:
 * {"r":0} only once the request's records are in the file (a bulk: its valid items; what the
 * real server skips is skipped and counted, docs/security.md) (and, with durability "group", fsynced: the
 * replies of a turn wait for its one fsync). With durability "group" or "interval" the fsync
 * runs on a second thread (sync_main), so that a slow one stalls no connection: the loop keeps
 * serving the connect port and sending released replies meanwhile. Defaults and keys:
 * docs/security.md.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "residue_profiles.h"
#include "rp_frame.h"
#include "rp_json.h"
#include "residue_session.h"
#include "lib/rs_config.h"
#include "lib/rs_logfile.h"
#include "lib/rs_net.h"
#include "lib/rs_stdfds.h"
#include "lib/rs_trace.h"

#define PROG "residue-server"
#define FD_RESERVE 16u   /* descriptors kept free for listeners, log file, pipe, key files */
#define ACCEPT_PAUSE_MS 100
#define READ_CHUNK 65536u
/* An input buffer that once held more than this is given back when it empties. */
#define INBUF_KEEP (64u * 1024u)
/* Input buffers of closed connections kept for the next ones, when they held at most
 * INBUF_SPARE_HW bytes: a handshake per connection then costs no mmap, no page faults and
 * no munmap (about 14 us of kernel time per connection on the bench machine). At most
 * INBUF_SPARES x INBUF_SPARE_HW = 128 KiB of touched pages, cleared before reuse. */
#define INBUF_SPARES 8u
#define INBUF_SPARE_HW (16u * 1024u)
/* poll set: the signal pipe, the two listeners, the sync thread's answers, then connections. */
#define PFD_CONNS 4u

/* The signal handler's only way out: the write end of the self-pipe ('T' stop, 'H' reopen). */
static volatile sig_atomic_t g_signal_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    if (g_signal_fd >= 0) {
        char c = sig == SIGHUP ? 'H' : 'T';
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
    uint8_t *inbuf;          /* mmap'd max_packet + 4 bytes, or NULL until data arrives */
    size_t in_pending;       /* bytes in the framer not yet handed out as packets */
    size_t in_hw;            /* most bytes the buffer has held since it was mapped */
    const uint8_t *pkt;      /* popped packet waiting for its turn (have_pkt) */
    size_t pkt_len;
    bool have_pkt;
    uint8_t *out;
    size_t out_len;   /* bytes queued */
    size_t out_off;   /* bytes already sent */
    size_t out_cap;
    size_t out_release; /* bytes before this may be sent; the rest wait for the turn's fsync */
    size_t held;      /* memory this connection holds (accounted in app.held_total) */
    bool read_closed; /* EOF seen or framing error: flush and close */
    bool eof;         /* the peer's FIN was read: nothing unread is left */
    int64_t last_success_ms; /* last request that was not answered with an error; -1 = none */
    int64_t success_held_ms; /* group: a {"r":0} of this turn, counted in last_success_ms only
                                once the turn's fsync succeeded (see release_replies); -1 none */
    bool more;        /* its share of a turn ended with work left */
    bool dead;        /* closed; removed after the turn */
    int64_t last_active_ms;
    int64_t created_ms;
    int64_t stalled_since_ms; /* replies waiting and none taken since; -1 = not stalled */
    uint8_t src[16];
    size_t src_len;
} conn;

/* Counters of the event loop (printed with -v at exit and into --stats-file). */
typedef struct loop_stats {
    uint64_t evicted_idle, evicted_memory, closed_stalled, rsa_deferrals, turns;
    uint64_t held_peak;
    int64_t max_turn_ms;
    int64_t max_sync_ms;   /* longest fsync on the sync thread (the loop served meanwhile) */
} loop_stats;

typedef struct app {
    rs_settings settings;
    rs_server_limits lim;
    residue_server *srv;
    int listen_fd[2];
    uint16_t port[2];
    conn **conns;          /* max_conns slots */
    struct pollfd *pfd;    /* 3 + max_conns entries */
    size_t nconns;
    size_t max_conns;
    size_t rr;             /* round-robin start of the next turn */
    int64_t accept_paused_until_ms;
    bool listen_ready[2];  /* the listener was readable in the last turn */
    rs_logfile log;
    bool verbose;
    size_t max_packet;
    int sig_pipe[2];
    rs_trace_sink trace;
    int64_t rsa_spent_ms;  /* RSA decryption time in the current turn */
    size_t held_total;     /* sum of conn.held */
    uint8_t *spare[INBUF_SPARES]; /* mapped input buffers of closed connections, clear */
    size_t nspare;
    loop_stats st;
    const char *stats_file;
    int64_t next_stats_ms;
    uint64_t store_failures_reported;
    int64_t next_store_report_ms;
    uint64_t sync_failures_reported; /* failed group fsyncs (each turns a turn's {"r":0} to 1) */
    int64_t next_sync_report_ms;
    int64_t next_tick_report_ms; /* the log file's periodic check or interval fsync failed */
    /* The sync thread (durability group and interval): see sync_main. */
    bool sync_thread_on;
    pthread_t sync_tid;
    int sync_req[2];       /* loop -> thread: one rs_logfile_sync_job, by value */
    int sync_done[2];      /* thread -> loop: its sync_result; [0] is in the poll set */
    bool sync_busy;        /* a job is in flight (at most one) */
    rs_logfile_sync_job job; /* the job in flight (the loop's copy, for rs_logfile_sync_end) */
    int64_t sync_started_ms;
    bool hup_pending;      /* SIGHUP came while a job was in flight: reopen once it ended */
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
            "                      [--max-connections N] [--durability MODE]\n"
            "                      [--durability-interval-ms N] [--stats-file FILE] [-v]\n"
            "  --config FILE       JSON configuration with the residue server's key names\n"
            "  --connect-port N    connect port (0 = pick a free one); overrides the config\n"
            "  --logging-port N    logging port (0 = pick a free one); overrides the config\n"
            "  --bind ADDR         IPv4 address to listen on (default 127.0.0.1)\n"
            "  --log-file FILE     where accepted log records go, one JSON line each (default or '-':\n"
            "                      stdout, and the ports line then goes to stderr);\n"
            "                      {\"r\":0} is sent only once the request's records are in the file;\n"
            "                      for a bulk (a JSON array) it means the valid items are: as by the\n"
            "                      real server, items past max_items_in_bulk are ignored and invalid\n"
            "                      ones (bad level, stale _t ...) skipped, each counted in --stats-file\n"
            "                      (bulk_items_ignored, bulk_items_invalid) and shown with -v; records\n"
            "                      a logger rule drops, or of a dead client, or a bulk while bulk is\n"
            "                      disabled, are answered {\"r\":0} and not written (counted too); a bulk\n"
            "                      with an item over max_log_line_size is refused whole ({\"r\":1},\n"
            "                      nothing of it written); a failed or\n"
            "                      short write is cut back (no torn line) and answered {\"r\":1}; a pipe\n"
            "                      or FIFO (or stdout) that stops reading gets {\"r\":1}, never a hang;\n"
            "                      a FIFO no process reads is refused at start (and at SIGHUP)\n"
            "  --durability MODE   flush (default): each request's lines are written before its reply;\n"
            "                      group: also one fsync per poll turn, replies released after it;\n"
            "                      interval: written as flush, fsynced every --durability-interval-ms;\n"
            "                      the fsync runs on a thread of its own: the connect port is served\n"
            "                      meanwhile\n"
            "  --durability-interval-ms N  fsync period of 'interval' (default 1000)\n"
            "  --ports-file FILE   also write the ports line there, the same text with its newline\n"
            "                      ('residue-server: connect_port=N logging_port=M'), via a rename\n"
            "  --stats-file FILE   rewrite one line of counters there every second (and at exit)\n"
            "                      (--log-file, --ports-file and --stats-file must name three\n"
            "                      different files: start-up fails with status 2 otherwise)\n"
            "  --max-packet BYTES  largest packet accepted (default 1048576); larger closes the connection\n"
            "  --max-connections N open client connections (default 4096, at most the fd limit - 16);\n"
            "                      when full, the oldest connection with no successful request\n"
            "                      (else the one whose last successful request is oldest) is closed\n"
            "                      to make room\n"
            "  -v                  print every packet handled on stderr (keys never shown)\n"
            "once listening it prints the ports line 'residue-server: connect_port=N logging_port=M'\n"
            "  on stdout, or on stderr when the records go to stdout (which then has records only).\n"
            "signals: SIGINT/SIGTERM stop cleanly (status 0); SIGHUP reopens --log-file (for\n"
            "  logrotate); a log file moved is also noticed within 1 s and the path reopened; a\n"
            "  deleted one at the next write, whose lines go into a new file at the path before\n"
            "  their reply (until it can be created, log requests are answered {\"r\":1}).\n"
            "Other bounds (per-turn work, queued output, total buffered memory, per-address\n"
            "  CONNECT rate and unacknowledged clients) are configuration keys: docs/security.md.\n");
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

/* {"client_id":…,"logger":…,"level":…,"msg":…,"app":…,"datetime":…}: one line, staged in
 * the log file (written by log_store_end). U+0085/U+2028/U+2029 are escaped so that line
 * splitters see one record per line. */
static int log_store_record(void *ctx, const char *client_id, const residue_log_request *log)
{
    app *a = ctx;
    size_t cap = 6u * (strlen(client_id) + log->logger.len + log->msg.len + log->app.len) + 256u;
    char *buf = rs_logfile_stage_begin(&a->log, cap);
    if (buf == NULL) {
        fprintf(stderr, PROG ": out of memory writing a log line\n");
        return RP_E_NOMEM;
    }
    rp_json_writer w;
    rp_json_writer_init(&w, buf, cap);
    rp_json_writer_escape_line_separators(&w, true);
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
        return err.code;
    }
    rs_logfile_stage_end(&a->log, n);
    return 0;
}

/* True when a repeated failure may be reported now, then not again for a second: a full
 * disk or a failing device fails every request, every turn, and stderr must not flood. */
static bool report_due(int64_t *next_ms)
{
    int64_t now = mono_ms();
    if (now < *next_ms) return false;
    *next_ms = now + 1000;
    return true;
}

/* The packet's lines, in one write. A failure is reported on stderr at most once a second
 * (with the count so far), since a full disk fails every request. */
static int log_store_end(void *ctx, bool keep)
{
    app *a = ctx;
    if (!keep) {
        rs_logfile_discard(&a->log);
        return 0;
    }
    rp_error err;
    int rc = rs_logfile_commit(&a->log, &err);
    if (rc < 0) {
        a->store_failures_reported++;
        if (report_due(&a->next_store_report_ms)) {
            char msg[512];
            rp_error_format(&err, msg, sizeof msg);
            fprintf(stderr, PROG ": log write failed, answered {\"r\":1} (%llu so far): %s\n",
                    (unsigned long long)a->store_failures_reported, msg);
        }
    }
    return rc;
}

/* ---- connections: memory ----------------------------------------------------------------- */

static size_t out_queued(const conn *c)
{
    return c->out_len - c->out_off;
}

/* Re-counts what c holds (the touched part of its input buffer, its reply buffer). */
static void account(app *a, conn *c)
{
    size_t now = (c->inbuf != NULL ? c->in_hw : 0) + c->out_cap;
    a->held_total = a->held_total - c->held + now;
    c->held = now;
    if (a->held_total > a->st.held_peak) a->st.held_peak = a->held_total;
}

static void inbuf_release(app *a, conn *c)
{
    if (c->inbuf != NULL) {
        if (c->in_hw <= INBUF_SPARE_HW && a->nspare < INBUF_SPARES) {
            memset(c->inbuf, 0, c->in_hw); /* the next connection never sees these bytes */
            a->spare[a->nspare++] = c->inbuf;
        } else {
            munmap(c->inbuf, RP_FRAMER_BUFFER_SIZE(a->max_packet, RESIDUE_SESSION_DELIM_LEN));
        }
        c->inbuf = NULL;
    }
    c->in_pending = c->in_hw = 0;
    c->have_pkt = false;
}

/* Maps the input buffer on first use (pages are only backed once touched). */
static int inbuf_ensure(app *a, conn *c)
{
    if (c->inbuf != NULL) return 0;
    size_t cap = RP_FRAMER_BUFFER_SIZE(a->max_packet, RESIDUE_SESSION_DELIM_LEN);
    if (a->nspare > 0) {
        c->inbuf = a->spare[--a->nspare];
    } else {
        void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return -1;
        c->inbuf = p;
    }
    if (rp_framer_init(&c->framer, &residue_framing, c->inbuf, cap, a->max_packet, NULL) < 0) {
        inbuf_release(a, c);
        return -1;
    }
    c->in_pending = c->in_hw = 0;
    return 0;
}

/* Closes c now and frees what it holds; the slot is removed after the turn. */
static void conn_kill(app *a, conn *c)
{
    if (c->dead) return;
    c->dead = true;
    if (c->fd >= 0) {
        /* Unread input would make the close a reset, which can destroy replies still in
         * flight to the peer: take (and drop) what is already here, up to 256 KiB. After
         * the peer's FIN there is none (the usual end of a client's connection). */
        uint8_t sink[READ_CHUNK];
        for (int i = 0; !c->eof && i < 4 && recv(c->fd, sink, sizeof sink, MSG_DONTWAIT) > 0;
             i++) {
        }
        close(c->fd);
    }
    c->fd = -1;
    inbuf_release(a, c);
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = c->out_cap = c->out_release = 0;
    account(a, c);
}

static void conn_free(app *a, conn *c)
{
    if (c == NULL) return;
    conn_kill(a, c);
    free(c);
}

static void conn_remove(app *a, size_t i)
{
    conn_free(a, a->conns[i]);
    a->conns[i] = a->conns[a->nconns - 1u];
    a->nconns--;
}

/* What the eviction rules (rs_slot_victim_before, rs_memory_victim_before) look at. */
static rs_conn_facts facts_of(const conn *c)
{
    rs_conn_facts f = {c->created_ms, c->last_active_ms, c->last_success_ms, c->held};
    return f;
}

/* Closes connections holding memory, in the order of rs_memory_victim_before, until the
 * total fits max_buffered_total less `need` (bytes about to be read). Returns false when
 * `self` was one of them. */
static bool make_room(app *a, conn *self, size_t need)
{
    while (a->held_total + need > a->lim.max_buffered_total) {
        conn *victim = NULL;
        rs_conn_facts vf = {0, 0, -1, 0};
        for (size_t i = 0; i < a->nconns; i++) {
            conn *c = a->conns[i];
            if (c->dead || c->held == 0) continue;
            rs_conn_facts cf = facts_of(c);
            if (victim == NULL || rs_memory_victim_before(&cf, &vf)) {
                victim = c;
                vf = cf;
            }
        }
        if (victim == NULL) break;
        a->st.evicted_memory++;
        if (a->verbose) {
            fprintf(stderr, PROG ": %zu bytes buffered in all: closing the connection holding %zu "
                    "(%s)\n", a->held_total, victim->held,
                    victim->last_success_ms >= 0 ? "a client" : "no request succeeded");
        }
        conn_kill(a, victim);
        if (victim == self) return false;
    }
    return true;
}

static int queue_output(app *a, conn *c, const uint8_t *data, size_t n)
{
    if (c->out_off > 0 && c->out_off == c->out_len) {
        c->out_off = c->out_len = c->out_release = 0;
    }
    if (c->out_len + n > c->out_cap) {
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_release -= c->out_off;
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
            account(a, c);
        }
    }
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
    return 0;
}

/* Sends what the socket takes now (only released bytes). -1 when the connection is broken. */
static int flush_output(app *a, conn *c, int64_t now)
{
    bool progress = false;
    while (c->out_off < c->out_release) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_release - c->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -1;
        }
        c->out_off += (size_t)w;
        progress = true;
    }
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = c->out_release = 0;
        /* A reply buffer grown by a burst is given back once empty. */
        if (c->out_cap > 16384u) {
            free(c->out);
            c->out = NULL;
            c->out_cap = 0;
            account(a, c);
        }
    }
    if (progress || c->out_off >= c->out_release) c->stalled_since_ms = -1;
    else if (c->stalled_since_ms < 0) c->stalled_since_ms = now;
    return 0;
}

/* ---- connections: work ------------------------------------------------------------------- */

/* True when the connect-port call just made was not answered with an error: the server
 * session counts every error reply in connect_errors. */
static bool connect_succeeded(const app *a, uint64_t errors_before)
{
    residue_server_stats st;
    residue_server_stats_get(a->srv, &st);
    return st.connect_errors == errors_before;
}

static uint64_t connect_errors_so_far(const app *a)
{
    residue_server_stats st;
    residue_server_stats_get(a->srv, &st);
    return st.connect_errors;
}

/* Handles c's waiting packet. 1 when it was handled, 2 when that included an RSA attempt,
 * 0 when it must wait for the next turn's RSA budget, -1 when the connection must close.
 * *succeeded: the reply was not an error (what counts as activity for evict_one). */
static int handle_packet(app *a, conn *c, bool *succeeded)
{
    uint8_t reply[RESIDUE_SESSION_PACKET_MAX];
    size_t reply_len = 0;
    rp_error why;
    int rc;
    bool rsa = false;
    if (c->role == ROLE_CONNECT) {
        residue_connect_call call;
        memset(&call, 0, sizeof call);
        call.source = c->src_len > 0 ? c->src : NULL;
        call.source_len = c->src_len;
        call.rsa_deferred = a->rsa_spent_ms >= (int64_t)a->lim.rsa_turn_ms;
        uint64_t errors_before = connect_errors_so_far(a);
        int64_t t0 = mono_ms();
        rc = residue_server_handle_connect_ex(a->srv, &call, c->pkt, c->pkt_len, reply, sizeof reply,
                                              &reply_len, &why);
        if (rc == 0 && call.deferred) {
            a->st.rsa_deferrals++;
            return 0;
        }
        *succeeded = rc == 0 && connect_succeeded(a, errors_before);
        if (call.rsa_used) {
            rsa = true;
            int64_t spent = mono_ms() - t0;
            a->rsa_spent_ms += spent > 0 ? spent : 1;
        }
    } else {
        residue_log_store store = {log_store_record, log_store_end, a};
        rc = residue_server_handle_log_store(a->srv, c->pkt, c->pkt_len, &store, reply, sizeof reply,
                                             &reply_len, &why);
        *succeeded = rc == 0 && reply_len == RESIDUE_LOG_REPLY_LEN &&
                     memcmp(reply, RESIDUE_LOG_REPLY_OK, RESIDUE_LOG_REPLY_LEN) == 0;
    }
    if (rc < 0) {
        char msg[256];
        rp_error_format(&why, msg, sizeof msg);
        fprintf(stderr, PROG ": no reply possible, closing the connection: %s\n", msg);
        return -1;
    }
    if (queue_output(a, c, reply, reply_len) < 0) {
        fprintf(stderr, PROG ": out of memory queueing a reply\n");
        return -1;
    }
    return rsa ? 2 : 1;
}

/* Reads up to `want` bytes into the framer: the count read, 0 for nothing now (EAGAIN or
 * end of stream), -1 closes. *drained is set when the socket had nothing more to give: a
 * stream socket's recv returns less than asked only when its queue is empty, so asking
 * again would just return EAGAIN (what arrives later, the next poll reports). */
static int read_some(app *a, conn *c, size_t want, bool *drained)
{
    if (!make_room(a, c, want)) return -1;
    if (inbuf_ensure(a, c) < 0) {
        fprintf(stderr, PROG ": cannot map an input buffer (out of memory?)\n");
        return -1;
    }
    uint8_t buf[READ_CHUNK];
    size_t room = RP_FRAMER_BUFFER_SIZE(a->max_packet, RESIDUE_SESSION_DELIM_LEN) - c->in_pending;
    if (want > room) want = room;
    if (want > sizeof buf) want = sizeof buf;
    ssize_t r = recv(c->fd, buf, want, 0);
    if (r < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return -1;
    }
    if (r == 0) {
        c->read_closed = c->eof = true;
        return 0;
    }
    *drained = (size_t)r < want;
    size_t off = 0;
    while (off < (size_t)r) {
        size_t used = 0;
        rp_error err;
        if (rp_framer_push(&c->framer, buf + off, (size_t)r - off, &used, &err) < 0 ||
            used == 0) {
            char msg[256];
            rp_error_format(&err, msg, sizeof msg);
            fprintf(stderr, PROG ": closing a %s-port connection: %s\n",
                    c->role == ROLE_CONNECT ? "connect" : "logging", msg);
            c->read_closed = true;
            inbuf_release(a, c); /* the stream is out of sync: drop what it sent */
            account(a, c);
            return 0;
        }
        off += used;
    }
    c->in_pending += (size_t)r;
    if (c->in_pending > c->in_hw) {
        c->in_hw = c->in_pending;
        account(a, c);
    }
    return (int)r;
}

/* c's share of one turn: at most turn_packets units of work (a packet is 1 + one per 4 KiB,
 * an RSA decryption the whole share) and turn_bytes read, and nothing once its queued
 * replies might not take another one. Sets c->more when work is left. -1 closes. */
static int serve(app *a, conn *c, bool readable, int64_t now)
{
    size_t units = 0, bytes = 0;
    bool can_read = readable;
    c->more = false;
    for (;;) {
        if (!c->have_pkt && c->inbuf != NULL) {
            int r = rp_framer_pop(&c->framer, &c->pkt, &c->pkt_len);
            if (r == 1) {
                c->have_pkt = true;
                c->in_pending -= c->pkt_len + rp_framing_overhead(&residue_framing);
            } else if (r < 0) {
                fprintf(stderr, PROG ": closing a %s-port connection: packet larger than %zu bytes\n",
                        c->role == ROLE_CONNECT ? "connect" : "logging", a->max_packet);
                c->read_closed = true;
                inbuf_release(a, c); /* the stream is out of sync: drop what it sent */
                account(a, c);
                return 0;
            }
        }
        if (!c->have_pkt) {
            if (c->read_closed || !can_read) break;
            if (bytes >= a->lim.turn_bytes) {
                c->more = true;
                break;
            }
            bool drained = false;
            int r = read_some(a, c, a->lim.turn_bytes - bytes, &drained);
            if (r < 0) return -1;
            if (r == 0 || drained) can_read = false;
            bytes += (size_t)r;
            continue;
        }
        if (out_queued(c) + RESIDUE_SESSION_PACKET_MAX > a->lim.max_output) {
            c->more = true; /* resumes once the peer has read some replies */
            break;
        }
        size_t cost = 1u + c->pkt_len / 4096u;
        if (units > 0 && units + cost > a->lim.turn_packets) {
            c->more = true;
            break;
        }
        bool succeeded = false;
        int h = handle_packet(a, c, &succeeded);
        if (h < 0) return -1;
        if (h == 0) {
            c->more = true; /* waits for the next turn's RSA budget */
            break;
        }
        c->have_pkt = false;
        c->last_active_ms = now;
        if (succeeded && c->role == ROLE_LOGGING && a->lim.durability == RS_DURABILITY_GROUP) {
            c->success_held_ms = now; /* its {"r":0} may still become {"r":1} */
        } else if (succeeded) {
            c->last_success_ms = now;
        }
        units += cost;
        if (h == 2) units = a->lim.turn_packets; /* an RSA attempt is the whole share */
        if (units >= a->lim.turn_packets) {
            c->more = true;
            break;
        }
    }
    /* A buffer that held a large packet is unmapped once it is empty again. */
    if (!c->have_pkt && c->in_pending == 0 && c->in_hw > INBUF_KEEP) {
        inbuf_release(a, c);
        account(a, c);
    }
    return 0;
}

/* Makes room for a new connection: closes the first in the order of rs_slot_victim_before
 * (the oldest connection none of whose requests succeeded, else the one whose last
 * successful request is oldest). Returns false when there is none. */
static bool evict_one(app *a)
{
    size_t victim = SIZE_MAX;
    rs_conn_facts vf = {0, 0, -1, 0};
    for (size_t i = 0; i < a->nconns; i++) {
        rs_conn_facts cf = facts_of(a->conns[i]);
        if (victim == SIZE_MAX || rs_slot_victim_before(&cf, &vf)) {
            victim = i;
            vf = cf;
        }
    }
    if (victim == SIZE_MAX) {
        return false;
    }
    a->st.evicted_idle++;
    if (a->verbose) {
        fprintf(stderr, PROG ": %zu connections open: closing one idle %s to make room\n",
                a->nconns,
                a->conns[victim]->last_success_ms >= 0 ? "client"
                                                       : "connection (no request succeeded)");
    }
    /* Safe inside the poll loop: accept_waiting runs after the connections were handled. */
    conn_remove(a, victim);
    return true;
}

/* Accepts waiting connections: all of them (until EAGAIN) when `burst`, else one; a listener
 * with more waiting is readable again at the next poll. Taking one at a time while
 * connections come one by one saves the accept() that would only say EAGAIN, one per
 * connection when every client connects anew (a handshake each). */
static void accept_waiting(app *a, port_role role, bool burst)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        /* Non-blocking from the start; TCP_NODELAY comes from the listener (rs_listen). */
        int fd = accept4(a->listen_fd[role], (struct sockaddr *)&ss, &sl,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
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
        if (c == NULL) {
            fprintf(stderr, PROG ": cannot set up a connection (out of memory)\n");
            close(fd);
            continue;
        }
        c->fd = fd;
        c->role = role;
        c->last_active_ms = c->created_ms = mono_ms();
        c->last_success_ms = c->success_held_ms = -1;
        c->stalled_since_ms = -1;
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
            memcpy(c->src, &in->sin_addr, 4);
            c->src_len = 4;
        } else if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
            memcpy(c->src, &in6->sin6_addr, 16);
            c->src_len = 16;
        }
        a->conns[a->nconns++] = c;
        if (!burst) return;
    }
}

/* ---- counters ---------------------------------------------------------------------------- */

static void stats_line(const app *a, char *out, size_t cap)
{
    residue_server_stats st;
    residue_server_stats_get(a->srv, &st);
    const rs_logfile_stats *l = &a->log.stats;
    snprintf(out, cap,
             "connections=%zu held_bytes=%zu held_peak=%llu evicted_idle=%llu "
             "evicted_memory=%llu closed_stalled=%llu rsa_deferrals=%llu turns=%llu "
             "max_turn_ms=%lld clients=%zu lines=%llu write_failures=%llu short_writes=%llu "
             "truncations=%llu fsyncs=%llu fsync_failures=%llu reopens=%llu rewritten_lines=%llu "
             "log_store_failed=%llu rsa_attempts=%llu source_rate_refused=%llu "
             "source_unacked_refused=%llu rewrite_failures=%llu refused_deleted=%llu "
             "outside_truncations=%llu lines_lost_on_fsync=%llu max_sync_ms=%lld durability=%s "
             "log_dropped_dead=%llu log_dropped_logger=%llu bulk_items_ignored=%llu "
             "bulk_items_invalid=%llu bulk_dropped_disabled=%llu bulk_refused_too_long=%llu "
             "log_refused_too_long=%llu clients_refused_full=%llu\n",
             a->nconns, a->held_total, (unsigned long long)a->st.held_peak,
             (unsigned long long)a->st.evicted_idle, (unsigned long long)a->st.evicted_memory,
             (unsigned long long)a->st.closed_stalled, (unsigned long long)a->st.rsa_deferrals,
             (unsigned long long)a->st.turns, (long long)a->st.max_turn_ms,
             residue_server_client_count(a->srv), (unsigned long long)l->lines,
             (unsigned long long)l->write_failures, (unsigned long long)l->short_writes,
             (unsigned long long)l->truncations, (unsigned long long)l->fsyncs,
             (unsigned long long)l->fsync_failures, (unsigned long long)l->reopens,
             (unsigned long long)l->rewritten_lines, (unsigned long long)st.log_store_failed,
             (unsigned long long)st.rsa_attempts, (unsigned long long)st.source_rate_refused,
             (unsigned long long)st.source_unacked_refused,
             (unsigned long long)l->rewrite_failures, (unsigned long long)l->refused_deleted,
             (unsigned long long)l->outside_truncations, (unsigned long long)l->lines_lost_on_fsync,
             (long long)a->st.max_sync_ms, rs_durability_name((rs_durability)a->lim.durability),
             (unsigned long long)st.log_dropped_dead, (unsigned long long)st.log_dropped_logger,
             (unsigned long long)st.bulk_items_ignored, (unsigned long long)st.bulk_items_invalid,
             (unsigned long long)st.bulk_dropped_disabled,
             (unsigned long long)st.bulk_refused_too_long,
             (unsigned long long)st.log_refused_too_long,
             (unsigned long long)st.clients_refused_full);
}

static int write_ports_file(const char *path, const char *line);

static void write_stats(app *a)
{
    if (a->stats_file == NULL) return;
    char line[2048];
    stats_line(a, line, sizeof line);
    if (write_ports_file(a->stats_file, line) < 0) {
        fprintf(stderr, PROG ": --stats-file %s: %s\n", a->stats_file, strerror(errno));
        a->stats_file = NULL;
    }
}

/* ---- main loop --------------------------------------------------------------------------- */

/* GROUP: the turn's replies go out once its one fsync is done; when the fsync failed its
 * records were cut from the file and every held {"r":0} becomes {"r":1}. Only a {"r":0} that
 * goes out counts as a successful request for eviction (success_held_ms). */
static void release_replies(app *a, bool failed)
{
    for (size_t i = 0; i < a->nconns; i++) {
        conn *c = a->conns[i];
        if (c->success_held_ms >= 0 && !failed) c->last_success_ms = c->success_held_ms;
        c->success_held_ms = -1;
        if (c->dead || c->out_release == c->out_len) continue;
        if (failed && c->role == ROLE_LOGGING) {
            for (size_t o = c->out_release; o + RESIDUE_LOG_REPLY_LEN <= c->out_len;
                 o += RESIDUE_LOG_REPLY_LEN) {
                if (memcmp(c->out + o, RESIDUE_LOG_REPLY_OK, RESIDUE_LOG_REPLY_LEN) == 0) {
                    memcpy(c->out + o, RESIDUE_LOG_REPLY_FAILED, RESIDUE_LOG_REPLY_LEN);
                }
            }
        }
        c->out_release = c->out_len;
    }
}

/* A failing fsync fails every turn (GROUP) or every interval: reported at most once a
 * second, with the count. */
static void report_sync_failure(app *a, const rp_error *err)
{
    char msg[512];
    rp_error_format(err, msg, sizeof msg);
    if (a->lim.durability == RS_DURABILITY_GROUP) {
        a->sync_failures_reported++;
        if (report_due(&a->next_sync_report_ms)) {
            fprintf(stderr, PROG ": %s: this turn's log replies become {\"r\":1} (%llu so far)\n",
                    msg, (unsigned long long)a->sync_failures_reported);
        }
    } else if (report_due(&a->next_tick_report_ms)) {
        fprintf(stderr, PROG ": log file: %s\n", msg);
    }
}

/* ---- the sync thread --------------------------------------------------------------------- */

/* In durability group and interval, fsync() runs on this thread, not in the loop: one slow
 * fsync (seconds on a loaded disk) would otherwise stall every connection, handshakes on the
 * connect port included. The loop begins a job (rs_logfile_sync_begin: the offset and lines
 * it covers, a dup of the log's descriptor, so a reopen cannot race it) and writes it, by
 * value, to sync_req; this thread fsyncs it (rs_logfile_sync_run) and writes the result to
 * sync_done, whose read end is in the poll set: the loop wakes and ends the job
 * (rs_logfile_sync_end, which closes the dup). At most one job is in flight. The thread
 * touches nothing but its two pipe ends (set before it starts) and the job it read; it blocks
 * every signal (they are the loop's). EOF on sync_req stops it. */
typedef struct sync_result {
    int rc;  /* rs_logfile_sync_run's */
    int err; /* its errno */
} sync_result;

static int pipe_io(int fd, void *buf, size_t len, bool out)
{
    size_t off = 0;
    while (off < len) {
        ssize_t r = out ? write(fd, (char *)buf + off, len - off)
                        : read(fd, (char *)buf + off, len - off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        off += (size_t)r;
    }
    return 0;
}

static void *sync_main(void *arg)
{
    const app *a = arg;
    rs_logfile_sync_job job;
    while (pipe_io(a->sync_req[0], &job, sizeof job, false) == 0) {
        sync_result res = {0, 0};
        res.rc = rs_logfile_sync_run(&job, &res.err);
        if (pipe_io(a->sync_done[1], &res, sizeof res, true) < 0) break;
    }
    return NULL;
}

static int sync_thread_start(app *a)
{
    if (pipe2(a->sync_req, O_CLOEXEC) < 0 || pipe2(a->sync_done, O_CLOEXEC) < 0) {
        fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
        return -1;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&a->sync_tid, NULL, sync_main, a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        fprintf(stderr, PROG ": cannot start the sync thread: %s\n", strerror(rc));
        return -1;
    }
    a->sync_thread_on = true;
    a->log.async_sync = true; /* INTERVAL: the tick leaves the due fsync to sync_due */
    return 0;
}

static void reopen_log(app *a, const char *why);

/* The job in flight is done (blocks until it is): ends it and, in GROUP, releases the turn's
 * replies as failed or not; then a SIGHUP that came meanwhile reopens the log. */
static void sync_finish(app *a)
{
    sync_result res;
    if (pipe_io(a->sync_done[0], &res, sizeof res, false) < 0) {
        res.rc = -1; /* cannot happen while the thread runs: taken as a failed fsync */
        res.err = EIO;
    }
    a->sync_busy = false;
    int64_t spent = mono_ms() - a->sync_started_ms;
    if (spent > a->st.max_sync_ms) a->st.max_sync_ms = spent;
    rp_error err;
    int rc = rs_logfile_sync_end(&a->log, &a->job, res.rc, res.err, &err);
    if (rc < 0) report_sync_failure(a, &err);
    if (a->lim.durability == RS_DURABILITY_GROUP) release_replies(a, rc < 0);
    if (a->hup_pending) {
        a->hup_pending = false;
        reopen_log(a, "SIGHUP");
    }
}

/* Begins a sync of what was committed: on the thread (1: in flight), or here when there is
 * none (the clean stop). 0: done, or nothing to sync; < 0: failed (reported). */
static int sync_submit(app *a)
{
    rp_error err;
    int rc;
    if (!a->sync_thread_on) {
        rc = rs_logfile_sync(&a->log, &err);
    } else if ((rc = rs_logfile_sync_begin(&a->log, &a->job, &err)) == 0 && a->job.fd >= 0) {
        if (pipe_io(a->sync_req[1], &a->job, sizeof a->job, true) == 0) {
            a->sync_busy = true;
            a->sync_started_ms = mono_ms();
            return 1;
        }
        int e = 0; /* the thread is gone (cannot happen): fsync here */
        int r = rs_logfile_sync_run(&a->job, &e);
        rc = rs_logfile_sync_end(&a->log, &a->job, r, e, &err);
    }
    if (rc < 0) report_sync_failure(a, &err);
    return rc < 0 ? rc : 0;
}

/* Waits for a job in flight, stops and joins the thread, closes its pipes. Idempotent. */
static void sync_thread_stop(app *a)
{
    if (a->sync_busy) sync_finish(a);
    if (a->sync_thread_on) {
        close(a->sync_req[1]); /* EOF: the thread returns */
        a->sync_req[1] = -1;
        pthread_join(a->sync_tid, NULL);
        a->sync_thread_on = false;
        a->log.async_sync = false;
    }
    for (int i = 0; i < 2; i++) {
        if (a->sync_req[i] >= 0) close(a->sync_req[i]);
        if (a->sync_done[i] >= 0) close(a->sync_done[i]);
        a->sync_req[i] = a->sync_done[i] = -1;
    }
}

/* GROUP, at the end of a turn: one fsync for every record of the turn, on the thread; its
 * replies are released when it ends (sync_finish). Without a job (nothing committed, or the
 * sync failed at once) they are released now. */
static void group_turn_end(app *a)
{
    int rc = sync_submit(a);
    if (rc != 1) release_replies(a, rc < 0);
}

static void reopen_log(app *a, const char *why)
{
    rp_error err;
    if (rs_logfile_reopen(&a->log, &err) < 0) {
        char msg[512];
        rp_error_format(&err, msg, sizeof msg);
        fprintf(stderr, PROG ": %s: could not reopen the log file, %s: %s\n", why,
                a->log.deleted ? "requests are refused until it can be" : "still writing the old one",
                msg);
    } else if (a->verbose) {
        fprintf(stderr, PROG ": %s: log file reopened\n", why);
    }
}

static int run(app *a)
{
    struct pollfd *pfd = a->pfd;
    bool group = a->lim.durability == RS_DURABILITY_GROUP;
    for (;;) {
        int64_t now = mono_ms();
        /* INTERVAL: the due fsync goes to the thread; commits go on meanwhile. */
        if (a->sync_thread_on && !a->sync_busy && rs_logfile_sync_due(&a->log, now)) {
            (void)sync_submit(a);
        }
        uint64_t next_sweep = residue_server_tick(a->srv);
        int timeout_ms = next_sweep > 60u ? 60000 : (int)(next_sweep * 1000u) + 10;
        bool failed = false;
        rp_error lerr;
        int log_wait = rs_logfile_tick(&a->log, now, &failed, &lerr);
        if (failed && report_due(&a->next_tick_report_ms)) {
            char msg[512];
            rp_error_format(&lerr, msg, sizeof msg);
            fprintf(stderr, PROG ": log file: %s\n", msg);
        }
        if (log_wait < timeout_ms) timeout_ms = log_wait;
        if (a->stats_file != NULL) {
            if (now >= a->next_stats_ms) {
                write_stats(a);
                a->next_stats_ms = now + 1000;
            }
            if (a->next_stats_ms - now < timeout_ms) timeout_ms = (int)(a->next_stats_ms - now);
        }
        if (timeout_ms > 1000) timeout_ms = 1000; /* stalled peers are checked every second */
        bool accepting = now >= a->accept_paused_until_ms;
        if (!accepting && timeout_ms > ACCEPT_PAUSE_MS) timeout_ms = ACCEPT_PAUSE_MS;
        size_t n = 0;
        pfd[n++] = (struct pollfd){a->sig_pipe[0], POLLIN, 0};
        pfd[n++] = (struct pollfd){a->listen_fd[0], accepting ? POLLIN : 0, 0};
        pfd[n++] = (struct pollfd){a->listen_fd[1], accepting ? POLLIN : 0, 0};
        pfd[n++] = (struct pollfd){a->sync_busy ? a->sync_done[0] : -1, POLLIN, 0};
        for (size_t i = 0; i < a->nconns; i++) {
            conn *c = a->conns[i];
            short ev = 0;
            bool room = out_queued(c) + RESIDUE_SESSION_PACKET_MAX <= a->lim.max_output;
            /* GROUP, a sync in flight: logging connections wait for it (they wait for their
             * replies anyway, and a line committed now would be after the job's offset: a
             * failed fsync must take out the job's lines only). Released output still goes;
             * with none, the socket is left out of the poll (a hang-up would spin it). */
            bool parked = group && a->sync_busy && c->role == ROLE_LOGGING;
            if (!parked && !c->read_closed && room && !c->more) ev |= POLLIN;
            if (c->out_off < c->out_release) ev |= POLLOUT;
            if (!parked && c->more && room) timeout_ms = 0;
            pfd[n++] = (struct pollfd){parked && ev == 0 ? -1 : c->fd, ev, 0};
        }
        int k = poll(pfd, (nfds_t)n, timeout_ms);
        if (k < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
            return 1;
        }
        if (pfd[0].revents & POLLIN) {
            char sig[64];
            ssize_t r = read(a->sig_pipe[0], sig, sizeof sig);
            bool stop = false, hup = false;
            for (ssize_t i = 0; i < r; i++) {
                if (sig[i] == 'T') stop = true;
                if (sig[i] == 'H') hup = true;
            }
            if (stop) return 0; /* SIGINT / SIGTERM */
            /* Not while a job is in flight: the reopen would fsync here (and GROUP's lines
             * of the job must stay in the file the job syncs). Done when the job ends. */
            if (hup && a->sync_busy) a->hup_pending = true;
            else if (hup) reopen_log(a, "SIGHUP");
        }
        if (pfd[3].revents & (POLLIN | POLLHUP | POLLERR)) sync_finish(a);
        /* One turn: every connection gets its share, starting where the last turn started
         * plus one, so that a share cut short is not always the same one. */
        now = mono_ms();
        a->rsa_spent_ms = 0;
        size_t nc = a->nconns;
        size_t start = nc > 0 ? a->rr % nc : 0;
        for (size_t j = 0; j < nc; j++) {
            size_t i = (start + j) % nc;
            conn *c = a->conns[i];
            if (c->dead) continue;
            if (group && a->sync_busy && c->role == ROLE_LOGGING) continue; /* parked */
            short re = pfd[PFD_CONNS + i].revents;
            bool readable = (re & (POLLIN | POLLHUP | POLLERR)) != 0;
            if (readable || c->more) {
                if (serve(a, c, readable, now) < 0) {
                    conn_kill(a, c);
                    continue;
                }
                if ((re & (POLLHUP | POLLERR)) && !(re & POLLIN)) c->read_closed = true;
            }
            /* Only log replies wait for the turn's fsync. */
            if (!group || c->role == ROLE_CONNECT) c->out_release = c->out_len;
        }
        a->rr = start + 1;
        if (group && !a->sync_busy) group_turn_end(a);
        int64_t after = mono_ms();
        for (size_t i = a->nconns; i-- > 0;) {
            conn *c = a->conns[i];
            bool drop = c->dead;
            if (!drop && flush_output(a, c, after) < 0) drop = true;
            if (!drop && c->read_closed && !c->have_pkt && !c->more && c->out_off >= c->out_len) {
                drop = true;
            }
            if (!drop && c->stalled_since_ms >= 0 &&
                after - c->stalled_since_ms >= (int64_t)a->lim.output_stall_s * 1000) {
                a->st.closed_stalled++;
                if (a->verbose) {
                    fprintf(stderr, PROG ": closing a peer that read no reply for %u s\n",
                            a->lim.output_stall_s);
                }
                drop = true;
            }
            if (drop) conn_remove(a, i);
        }
        a->st.turns++;
        if (after - now > a->st.max_turn_ms) a->st.max_turn_ms = after - now;
        /* A listener readable two turns running has a burst waiting: drain it. */
        for (int r = 0; r < 2; r++) {
            bool ready = (pfd[1 + r].revents & POLLIN) != 0;
            if (ready) accept_waiting(a, (port_role)r, a->listen_ready[r]);
            a->listen_ready[r] = ready;
        }
    }
}

/* The temporary write_ports_file renames over path (replaceable tries to make it). */
static void replacement_name(char *tmp, size_t cap, const char *path)
{
    snprintf(tmp, cap, "%s.tmp.%ld", path, (long)getpid());
}

static int write_ports_file(const char *path, const char *line)
{
    /* Written to a temporary name and renamed, so a reader never sees half a line. */
    char tmp[4200];
    replacement_name(tmp, sizeof tmp, path);
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

/* Whether write_ports_file can replace path (its --ports-file or --stats-file): the
 * temporary it writes can be made beside it, and path is no directory. Said, and false, when
 * not: checked before listening, so that an unusable file stops the start (exit 2) rather
 * than a server that has printed its ports (--ports-file) or runs on without its counters
 * (--stats-file). */
static bool replaceable(const char *option, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, PROG ": %s %s: is a directory\n", option, path);
        return false;
    }
    char tmp[4200];
    replacement_name(tmp, sizeof tmp, path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, PROG ": %s %s: cannot be written: %s\n", option, path, strerror(errno));
        return false;
    }
    close(fd);
    unlink(tmp);
    return true;
}

static void app_cleanup(app *a)
{
    sync_thread_stop(a); /* before the log file is closed (a job holds a dup of it) */
    for (size_t i = 0; i < a->nconns; i++) conn_free(a, a->conns[i]);
    a->nconns = 0;
    while (a->nspare > 0)
        munmap(a->spare[--a->nspare], RP_FRAMER_BUFFER_SIZE(a->max_packet, RESIDUE_SESSION_DELIM_LEN));
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
    rs_logfile_close(&a->log);
}

/* A bad command-line value is said in the user's words alone; anything else with the whole
 * error (layer, path, code). */
/* The directory entry path names, for comparing: the realpath of its directory, then '/'
 * and its last component (malloc'd); NULL when the directory cannot be resolved. */
static char *entry_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        return realpath(path, NULL);
    }
    char *dir;
    if (slash == NULL) {
        dir = realpath(".", NULL);
    } else if (slash == path) {
        dir = realpath("/", NULL);
    } else {
        char *d = strndup(path, (size_t)(slash - path));
        if (d == NULL) return NULL;
        dir = realpath(d, NULL);
        free(d);
    }
    if (dir == NULL) return NULL;
    size_t n = strlen(dir) + 1u + strlen(base) + 1u;
    char *out = malloc(n);
    if (out != NULL) snprintf(out, n, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", base);
    free(dir);
    return out;
}

/* Whether two paths name the same file: the same entry (see entry_path, or the same text
 * when a directory does not resolve), or, when both exist, the same device and inode. */
static bool same_file(const char *p, const char *q)
{
    struct stat sp, sq;
    if (stat(p, &sp) == 0 && stat(q, &sq) == 0 && sp.st_dev == sq.st_dev && sp.st_ino == sq.st_ino) {
        return true;
    }
    char *ep = entry_path(p), *eq = entry_path(q);
    bool same = ep != NULL && eq != NULL ? strcmp(ep, eq) == 0 : strcmp(p, q) == 0;
    free(ep);
    free(eq);
    return same;
}

/* N11: --stats-file and --ports-file are replaced by a rename, every second for the stats;
 * naming the log file (or each other) would destroy it. Exit status 2 when two of them name
 * one file. */
static int check_distinct_files(const char *log_file, const char *ports_file,
                                const char *stats_file)
{
    const char *names[3] = {"--log-file", "--ports-file", "--stats-file"};
    const char *paths[3] = {log_file != NULL && strcmp(log_file, "-") != 0 ? log_file : NULL,
                            ports_file, stats_file};
    for (int i = 0; i < 3; i++) {
        for (int j = i + 1; j < 3; j++) {
            if (paths[i] != NULL && paths[j] != NULL && same_file(paths[i], paths[j])) {
                fprintf(stderr, PROG ": %s %s and %s %s name the same file; they must differ "
                        "(the %s is replaced by a rename)\n", names[i], paths[i], names[j],
                        paths[j], j == 2 ? "stats file" : "ports file");
                return 2;
            }
        }
    }
    return 0;
}

static int fail_err(const char *what, const rp_error *err)
{
    char msg[512];
    if (err->code == RP_E_ARGUMENT && err->message[0] != '\0' && err->path[0] == '\0')
        snprintf(msg, sizeof msg, "%s", err->message);
    else
        rp_error_format(err, msg, sizeof msg);
    fprintf(stderr, PROG ": %s: %s\n", what, msg);
    return 2;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *bind_addr = "127.0.0.1", *log_file = NULL, *ports_file = NULL;
    const char *connect_port_arg = NULL, *logging_port_arg = NULL, *max_packet_arg = NULL;
    const char *max_conn_arg = NULL, *durability_arg = NULL, *interval_arg = NULL;
    app a;
    memset(&a, 0, sizeof a);
    if (rs_stdfds_ensure() < 0) return 2; /* no descriptor for what we open may be 0, 1 or 2 */
    a.listen_fd[0] = a.listen_fd[1] = a.sig_pipe[0] = a.sig_pipe[1] = -1;
    a.sync_req[0] = a.sync_req[1] = a.sync_done[0] = a.sync_done[1] = -1;
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
        else if (strcmp(o, "--durability") == 0) slot = &durability_arg;
        else if (strcmp(o, "--durability-interval-ms") == 0) slot = &interval_arg;
        else if (strcmp(o, "--stats-file") == 0) slot = &a.stats_file;
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
    if (check_distinct_files(log_file, ports_file, a.stats_file) != 0) return 2;
    if ((ports_file != NULL && !replaceable("--ports-file", ports_file)) ||
        (a.stats_file != NULL && !replaceable("--stats-file", a.stats_file)))
        return 2;
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
    a.lim = a.settings.limits;
    a.max_packet = (size_t)a.lim.max_packet;
    if (durability_arg != NULL) {
        rs_durability d;
        if (rs_durability_parse(durability_arg, &d, &err) < 0) {
            rs_settings_free(&a.settings);
            return fail_err("--durability", &err);
        }
        a.lim.durability = (int)d;
    }
    if (interval_arg != NULL) {
        char *end = NULL;
        unsigned long long v = strtoull(interval_arg, &end, 10);
        if (*interval_arg == '\0' || *end != '\0' || v < 1 || v > 3600000) {
            fprintf(stderr, PROG ": --durability-interval-ms must be 1..3600000\n");
            rs_settings_free(&a.settings);
            return 2;
        }
        a.lim.durability_interval_ms = (uint32_t)v;
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
    size_t max_conns = a.lim.max_connections;
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
    a.pfd = calloc(max_conns + PFD_CONNS, sizeof *a.pfd);
    if (a.conns == NULL || a.pfd == NULL) {
        fprintf(stderr, PROG ": out of memory for %zu connection slots\n", max_conns);
        free(a.conns);
        free(a.pfd);
        rs_settings_free(&a.settings);
        return 2;
    }
    if (rs_logfile_open(&a.log, log_file, (rs_durability)a.lim.durability,
                        a.lim.durability_interval_ms, NULL, &err) < 0) {
        rc = fail_err("--log-file", &err);
        app_cleanup(&a);
        return 2;
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
    if (a.lim.durability != RS_DURABILITY_FLUSH && sync_thread_start(&a) < 0) {
        app_cleanup(&a);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit is a write error like a full disk, not a reason to die. */
    signal(SIGXFSZ, SIG_IGN);

    char line[128];
    snprintf(line, sizeof line, PROG ": connect_port=%u logging_port=%u\n", (unsigned)a.port[0],
             (unsigned)a.port[1]);
    /* The ports line goes to stdout, unless the records do (--log-file - or none): then to
     * stderr, so that stdout carries records only. */
    FILE *ports_out = a.log.path == NULL ? stderr : stdout;
    /* The file first: if it fails after all (checked at start), no port was announced. */
    if (ports_file != NULL && write_ports_file(ports_file, line) < 0) {
        fprintf(stderr, PROG ": --ports-file %s: %s\n", ports_file, strerror(errno));
        app_cleanup(&a);
        return 1;
    }
    fputs(line, ports_out);
    fflush(ports_out);
    rc = run(&a);
    /* A clean stop: a sync in flight ends (its replies released), the thread is joined, the
     * held replies of an unfinished turn follow their fsync (here), then what the sockets
     * take. */
    sync_thread_stop(&a);
    if (a.lim.durability == RS_DURABILITY_GROUP) group_turn_end(&a);
    for (size_t i = 0; i < a.nconns; i++) {
        if (!a.conns[i]->dead && flush_output(&a, a.conns[i], mono_ms()) < 0) {
            /* the peer is gone; nothing more to do at exit */
        }
    }
    write_stats(&a);
    if (a.verbose) {
        char counters[2048];
        stats_line(&a, counters, sizeof counters);
        fprintf(stderr, PROG ": counters: %s", counters);
        residue_server_stats st;
        residue_server_stats_get(a.srv, &st);
        fprintf(stderr,
                PROG ": stopping: %llu connect packets (%llu errors), %llu log packets "
                "(%llu rejected), %llu log lines written, %zu clients registered, "
                "%llu idle connections closed for room\n",
                (unsigned long long)st.connect_packets, (unsigned long long)st.connect_errors,
                (unsigned long long)st.log_packets, (unsigned long long)st.log_rejected,
                (unsigned long long)a.log.stats.lines, residue_server_client_count(a.srv),
                (unsigned long long)a.st.evicted_idle);
    }
    app_cleanup(&a);
    return rc;
}
