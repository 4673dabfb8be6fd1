/* residue_logger_internal: the logger object shared by the API side (residue_logger.c, any
 * thread) and the dispatcher thread (residue_logger_dispatch.c). Not installed.
 *
 * Locking: everything under "shared" is read and written only with `mu` held. Everything
 * under "dispatcher" belongs to the dispatcher thread alone (after open started it), so it
 * does network I/O and crypto without holding `mu`; it takes `mu` only to move lines in and
 * out of the backlog and to publish counters. Nothing is held across a callback into the
 * application, except that the event callback for drops runs from log() without `mu`.
 */
#ifndef RESIDUE_LOGGER_INTERNAL_H
#define RESIDUE_LOGGER_INTERNAL_H

#include <pthread.h>
#include <time.h>

#include "rp_frame.h"
#include "residue_backlog_internal.h"
#include "residue_logger.h"
#include "residue_net.h"
#include "residue_session.h"

#define RESIDUE_LOGGER_PATH_MAX 4096u
#define RESIDUE_LOGGER_NAMES_MAX 64u
#define RESIDUE_LOGGER_NAME_MAX 63u
/* Replies are small (a hello or established < 4 KiB; {"r":0}); anything longer is hostile. */
#define RESIDUE_LOGGER_REPLY_MAX 65536u
/* A line whose request went unanswered this many times is reported instead of resent. */
#define RESIDUE_LOGGER_POISON_ATTEMPTS 3u

typedef struct residue_logger_name {
    pthread_t thread;
    char name[RESIDUE_LOGGER_NAME_MAX + 1];
} residue_logger_name;

struct residue_logger {
    /* ---- fixed after open ---- */
    residue_logger_config cfg;       /* copy; string pointers point at the owned copies */
    char host[RESIDUE_NET_HOST_MAX + 1];
    uint16_t port;
    char *app;                        /* owned, or NULL */
    size_t app_len;
    char *client_id;                  /* owned, or NULL (unmanaged) */
    char *main_thread_id;             /* owned, or NULL */
    pthread_t opener;
    rp_rsa_key *client_key;           /* owned: loaded or generated */
    rp_rsa_key *server_key;           /* owned, or NULL */

    /* ---- shared (mu) ---- */
    pthread_mutex_t mu;
    pthread_cond_t work;              /* the dispatcher waits here */
    pthread_cond_t progress;          /* log() (BLOCK), flush, connect_wait, touch wait here */
    residue_backlog q;
    uint64_t next_seq;                /* seq of the next line */
    uint64_t flush_target;            /* send partial batches while a line <= this waits */
    size_t wake_unsent;               /* log() signals `work` when unsent reaches this */
    bool dispatcher_idle;             /* waiting on `work` */
    bool connect_requested;
    bool connected;
    uint64_t giveup_gen;              /* bumped when attempts are given up */
    uint64_t touch_req, touch_done;   /* generation counters */
    int touch_rc;
    rp_error touch_err;
    rp_error last_error;              /* last connection failure */
    bool closing, stop;
    residue_logger_stats st;

    pthread_mutex_t names_mu;         /* thread names only */
    residue_logger_name names[RESIDUE_LOGGER_NAMES_MAX];
    size_t names_count;

    /* ---- dispatcher ---- */
    pthread_t thread;
    bool thread_started;
    int wake[2];                      /* pipe: written once when close gives up waiting */
    residue_client *session;
    int cfd, lfd;                     /* connect-port and logging-port sockets, or -1 */
    rp_framer cframer, lframer;
    uint8_t *cbuf, *lbuf;             /* framer storage */
    uint8_t *pkt;                     /* log packet buffer */
    size_t pkt_cap;
    residue_log_request *recs;        /* one batch, bulk capacity */
    residue_backlog_entry **batch;
    size_t batch_cap;
    /* A request of several lines that the server refused ({"r":1}) or closed the connection
     * on: its lines are sent again in requests of at most split_max lines (halved at each
     * refusal) until split_left of them are settled; 0 = no split under way. One bad line (too
     * long for the server, a packet too big once inflated) then costs only itself. */
    size_t split_max, split_left;
    uint32_t failures;                /* failed attempts in a row */
    uint32_t backoff_ms;
    uint64_t retry_at;                /* monotonic ms before which no attempt is made */
    bool ever_connected;
    bool linked;                      /* handshake done, no failure since */
    uint64_t life_end_ms;             /* monotonic end of the session's life, 0 = none */
    uint64_t last_touch_ms;           /* monotonic time of the last established reply */
    bool expired;                     /* the session ran out of life: reconnecting */
    bool wake_on_full;                /* log() signals `work` when the backlog fills */
};

/* Replaces the first "$RESIDUE_HOME" of raw with home, else the environment variable, else
 * the directory of config_path (NULL: error), into out[0..cap). */
RP_CHECK_RESULT int residue_logger_expand_home(const char *raw, const char *home,
                                               const char *config_path, char *out, size_t cap,
                                               rp_error *err);

/* (Re)creates lg->session from the loaded keys (cheap: no key generation). */
RP_CHECK_RESULT int residue_logger_session_create(residue_logger *lg, rp_error *err);

/* The dispatcher thread's body (arg is the logger). */
void *residue_logger_dispatch_main(void *arg);

/* Delivers an event to on_event or, without one, to stderr as internal_logging_level says.
 * Must be called without `mu` held. */
void residue_logger_emit(residue_logger *lg, residue_logger_event_kind kind, int level,
                         uint64_t lines, const rp_error *err, const char *fmt, ...)
    RP_PRINTF(6, 7);

/* Puts "prefix: " in front of err->message (truncating the end). NULL err is ignored. */
void residue_logger_prefix_error(rp_error *err, const char *prefix);

/* Monotonic deadline helpers for pthread_cond_timedwait on CLOCK_MONOTONIC. */
void residue_logger_deadline(struct timespec *ts, uint64_t at_ms);

#endif /* RESIDUE_LOGGER_INTERNAL_H */
