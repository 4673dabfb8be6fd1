/* residue_logger: a logging client for residue servers, for C programs.
 *
 *   residue_logger *lg;
 *   rp_error err;
 *   if (residue_logger_open_file("client.conf.json", &lg, &err) < 0) { ...report err... }
 *   RESIDUE_LOG(lg, RESIDUE_LEVEL_INFO, "default", "started with %d workers", n);
 *   ...
 *   residue_logger_close(lg);          (delivers what is left, within close_timeout_ms)
 *
 * CONFIGURATION. residue_logger_config has the keys of residue-cpp's client JSON file with
 * the same meaning (url, application_id, client_id, client_private_key, client_key_secret,
 * server_public_key, rsa_key_size, utc_time, time_offset, dispatch_delay, main_thread_id,
 * internal_logging_level), plus this library's own settings (backlog, policy, timeouts,
 * callbacks) documented field by field below. residue_logger_config_load reads residue-cpp's
 * file; $RESIDUE_HOME in its paths is expanded.
 *
 * THREADS. Every function may be called from any thread at the same time, except that
 * residue_logger_close must be the last call. One dispatcher thread, started by open, owns
 * the sockets and the sans-IO session (residue_session.h): it connects, does the handshake,
 * TOUCHes before the session expires, batches lines into bulk requests up to the server's
 * max_bulk_size, compresses them when the server allows it, and reconnects with exponential
 * backoff when the server goes away. The callbacks (on_event, trace) run on the dispatcher
 * thread, except on_event for lines dropped by log(), which runs on the logging thread;
 * they must not call back into the logger except residue_logger_stats_get.
 *
 * NEVER BLOCKED BY THE NETWORK. log() copies the line into a bounded in-memory backlog
 * (backlog_lines lines and backlog_bytes bytes) and returns; it waits only under the BLOCK
 * policy when the backlog is full, and then at most block_timeout_ms. flush(),
 * connect_wait(), touch() and close() wait, each with a timeout, because the caller asks to.
 *
 * DELIVERY: AT LEAST ONCE. A line leaves the backlog only when the server answers its
 * request {"r":0} (counted `accepted`), or {"r":1} (counted `rejected`, reported, never
 * retried more than once; a request of several lines refused, or closed on, is first sent
 * again as requests of half as many, down to the line alone, so one bad line costs only
 * itself), or when it is dropped (`dropped`: the backlog was full, policy
 * DROP_OLDEST or a BLOCK timeout) or given up (`failed`: max_attempts failed attempts in a
 * row, or still there when close ran out of time). A request whose reply never came (the
 * connection broke, the reply timed out) is sent again after reconnecting: the server may
 * have written it already, so a line can be written twice; every line sent again is counted
 * in `retried`, which bounds the duplicates. No other loss or duplication happens. A line the
 * server closed the connection on three times (e.g. a request larger than the server's packet
 * limit) is reported as rejected instead of being retried forever. Lines reach the server in
 * the order they were logged from one thread. ({"r":0} means the server queued the line;
 * the real residue server may still drop it later, e.g. for an unknown logger: §6.2.)
 *
 * SECRETS. Key files are read at open; the passphrase is wiped right after use, keys are
 * freed (and cleansed) at close. Nothing secret is ever put into an event, a trace or an
 * error message.
 */
#ifndef RESIDUE_LOGGER_H
#define RESIDUE_LOGGER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"
#include "residue.h"          /* residue_level: RESIDUE_LEVEL_INFO ... */
#include "residue_session.h"  /* residue_trace_fn */

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults of the settings that are not residue-cpp's (see the config fields). */
#define RESIDUE_LOGGER_DEFAULT_MAX_LINE (1024u * 1024u)
#define RESIDUE_LOGGER_DEFAULT_BACKLOG_LINES 100000u
#define RESIDUE_LOGGER_DEFAULT_BACKLOG_BYTES (64u * 1024u * 1024u)
/* dispatch_delay value meaning "send only full batches, or at flush / close". */
#define RESIDUE_LOGGER_DISPATCH_WHEN_FULL UINT32_MAX

/* What log() does when the backlog is full. */
typedef enum residue_logger_policy {
    /* Drop the oldest line that was never sent (the server cannot have seen it) to make
     * room; log() never waits. Each drop is counted and reported (RESIDUE_LOGGER_EV_DROPPED).
     * When every line in the backlog is in flight or awaiting a resend, the new line is the
     * one dropped. */
    RESIDUE_LOGGER_DROP_OLDEST = 0,
    /* Wait up to block_timeout_ms for room (< 0: as long as it takes); when the time is up
     * the new line is dropped, counted, reported, and log() returns RP_E_LIMIT. */
    RESIDUE_LOGGER_BLOCK = 1
} residue_logger_policy;

typedef enum residue_logger_event_kind {
    RESIDUE_LOGGER_EV_INFO = 0,        /* internal log message (connected, touched, ...) */
    RESIDUE_LOGGER_EV_CONNECT_FAILED,  /* a connection or handshake attempt failed; err says
                                          why; the next attempt follows after the backoff */
    RESIDUE_LOGGER_EV_DISCONNECTED,    /* an established connection failed (I/O, timeout,
                                          garbage); lines in flight go back to the backlog */
    RESIDUE_LOGGER_EV_REJECTED,        /* `lines` lines were answered {"r":1} (or given up as
                                          unanswerable, see above) and left the backlog */
    RESIDUE_LOGGER_EV_DROPPED,         /* `lines` lines dropped: backlog full */
    RESIDUE_LOGGER_EV_GAVE_UP,         /* `lines` lines failed: max_attempts reached, or close
                                          timed out; err is the last failure */
    RESIDUE_LOGGER_EV_INVALID          /* log() refused a line (too long, not UTF-8, bad
                                          level ...); also returned to the caller */
} residue_logger_event_kind;

/* One event; it and its strings are valid only during the callback. */
typedef struct residue_logger_event {
    residue_logger_event_kind kind;
    int level;              /* residue-cpp's internal logging level of this event:
                               1 debug, 2 info, 3 warning, 4 error */
    uint64_t lines;         /* lines concerned (0 for connection events) */
    const char *text;       /* one line for people, NUL-terminated, never a secret */
    const rp_error *err;    /* the cause, or NULL */
} residue_logger_event;

typedef void (*residue_logger_event_fn)(void *ctx, const residue_logger_event *ev);

typedef struct residue_logger_config {
    /* ---- residue-cpp's client configuration (same key names and meaning) ---- */
    const char *url;                /* "HOST:PORT" of the server's connect port; required */
    const char *application_id;     /* "app" of every line (0..256 bytes); NULL/"": none */
    const char *client_id;          /* with client_private_key: a managed ("known") client */
    const char *client_private_key; /* PEM file path. With client_id: the managed client's
                                       key. Alone: the key pair of an unmanaged client
                                       (residue-cpp ignores it then; this is an extension) */
    const char *client_key_secret;  /* the private key's passphrase, hex-encoded (as
                                       residue-cpp: "70617373" = "pass"); NULL/"": none */
    const char *server_public_key;  /* PEM file path: RSA-encrypt the CONNECT (else plain) */
    unsigned rsa_key_size;          /* bits of the key pair generated for an unmanaged
                                       client without client_private_key: 2048 (default),
                                       4096 or 8192. Generated by open (2048: ~0.1 s) */
    bool utc_time;                  /* false: "datetime" is the local clock (as residue-cpp,
                                       the Unix time); true: the UTC wall-clock time read as
                                       local time, i.e. shifted by the local zone's offset,
                                       so a server printing local time shows UTC */
    int32_t time_offset;            /* seconds added to "datetime" (may be negative) */
    uint32_t dispatch_delay;        /* ms: a batch that is not full is sent this long after
                                       its oldest line was logged (default 1; bigger values
                                       make bigger, better-compressed bulks);
                                       RESIDUE_LOGGER_DISPATCH_WHEN_FULL: only full batches,
                                       or at flush / close */
    const char *main_thread_id;     /* "thread" of lines logged by the thread that called
                                       open (default: its thread id, like other threads) */
    int internal_logging_level;     /* 0 crazy, 1 debug, 2 info, 3 warning, 4 error, 5 none
                                       (default): with no on_event callback, events at or
                                       above this level are printed on stderr as
                                       "residue: <text>"; with a callback, INFO events below
                                       it are not delivered (every other kind always is) */
    /* Replaces "$RESIDUE_HOME" in the three paths above (first occurrence, as residue-cpp).
     * NULL: the environment variable RESIDUE_HOME; when that is unset too, the directory of
     * the configuration file (residue_logger_config_load), else an error. */
    const char *residue_home;

    /* ---- this library's settings (residue_logger_config_init sets the defaults) ---- */
    uint16_t key_size;              /* AES session key asked for: 128/192/256, 0 = server */
    size_t backlog_lines;           /* at most this many lines held (default 100000) */
    size_t backlog_bytes;           /* at most this many string bytes held (64 MiB) */
    residue_logger_policy policy;   /* when full (default DROP_OLDEST) */
    int block_timeout_ms;           /* BLOCK: longest wait for room (default 1000; < 0
                                       forever; 0 never wait) */
    size_t max_line_size;           /* longest msg accepted by log(), bytes (default 1 MiB;
                                       the real server has no limit). The codec also bounds
                                       msg by the spec (LogRequest.msg, 1..1073741824
                                       bytes), far above it */
    uint32_t bulk_size;             /* most lines per request (0 = the server's
                                       max_bulk_size; 1 = no bulk) */
    bool compression;               /* compress when the server allows it (default true) */
    size_t max_request_bytes;       /* a batch whose packet would exceed this is split
                                       (default 1 MiB, residue-server's default packet
                                       limit; a single line is always sent) */
    int connect_timeout_ms;         /* TCP connect (default 10000; < 0 no limit) */
    int reply_timeout_ms;           /* each reply; a server that replies after a durable
                                       write needs more than the disk takes (default 30000) */
    uint32_t reconnect_min_ms;      /* first backoff after a failure (default 100) */
    uint32_t reconnect_max_ms;      /* backoff doubles up to this (default 10000) */
    uint32_t touch_margin_s;        /* TOUCH when less than this many seconds of the
                                       session's life remain (default 60, as every residue
                                       client), at most once a second; life is timed on this
                                       machine's monotonic clock from each established reply */
    uint32_t max_attempts;          /* failed attempts in a row (connect, handshake or an
                                       unanswered request) after which the backlog is given
                                       up (`failed`); 0 = never give up (default) */
    int close_timeout_ms;           /* how long close delivers what is left (default 10000;
                                       < 0 forever) */
    residue_logger_event_fn on_event;   /* errors and internal messages; NULL: stderr as
                                           internal_logging_level says */
    void *event_ctx;
    residue_trace_fn trace;         /* every protocol step (residue_session.h), or NULL */
    void *trace_ctx;

    void *owned_;                   /* private: strings owned by residue_logger_config_load */
} residue_logger_config;

/* Counters since open. Every line that log() took in ends in exactly one of accepted,
 * rejected, dropped, failed, or is still in the backlog:
 *   logged == accepted + rejected + dropped + failed + backlog_lines. */
typedef struct residue_logger_stats {
    uint64_t logged;        /* lines log() took into the backlog */
    uint64_t invalid;       /* lines log() refused (never in the backlog) */
    uint64_t sent;          /* line transmissions (a line sent again counts again) */
    uint64_t retried;       /* transmissions of lines already sent once without a reply:
                               the most duplicates the server can have written */
    uint64_t accepted;      /* lines answered {"r":0} */
    uint64_t rejected;      /* lines answered {"r":1} (or unanswerable) */
    uint64_t dropped;       /* lines dropped because the backlog was full */
    uint64_t failed;        /* lines given up (max_attempts, close timeout) */
    uint64_t requests;      /* log requests sent (packets on the logging port) */
    uint64_t connects;      /* handshakes completed */
    uint64_t reconnects;    /* handshakes completed after the first */
    uint64_t connect_failures; /* connection / handshake attempts that failed */
    uint64_t disconnects;   /* established connections that failed */
    uint64_t touches;       /* TOUCHes answered */
    size_t backlog_lines;   /* now */
    size_t backlog_bytes;   /* now */
    bool connected;         /* now: handshake done and not failed since */
} residue_logger_stats;

typedef struct residue_logger residue_logger;

/* Fills *cfg with the defaults listed above (no url). cfg must not be NULL. */
void residue_logger_config_init(residue_logger_config *cfg);

/* Reads residue-cpp's client configuration file at path (JSON object, at most 1 MiB) into
 * *cfg, which residue_logger_config_init prepared: each key present replaces the field;
 * unknown keys are ignored (as residue-cpp). The strings are copied into storage owned by
 * cfg (cfg->owned_) until residue_logger_config_release; set residue_home before loading to
 * expand $RESIDUE_HOME with it. Errors name the file, the JSON path and the offset (e.g.
 * "$.rsa_key_size: 1000 is not 2048, 4096 or 8192"). On failure cfg may hold part of the
 * file; release it either way. */
RP_CHECK_RESULT int residue_logger_config_load(residue_logger_config *cfg, const char *path,
                                               rp_error *err);

/* Frees (and wipes: client_key_secret is a secret) what residue_logger_config_load stored,
 * and resets cfg's pointers into it. NULL is ignored. */
void residue_logger_config_release(residue_logger_config *cfg);

/* Starts a logger: checks cfg, loads the key files (passphrase wiped after use), generates
 * the unmanaged key pair if needed, and starts the dispatcher, which connects at once.
 * cfg is copied (strings too); nothing in it needs to outlive the call except the
 * callbacks' contexts. Errors: RP_E_ARGUMENT naming the bad setting, RP_E_KEY / RP_E_IO
 * for a key file, RP_E_NOMEM. Does not wait for the network (see connect_wait). */
RP_CHECK_RESULT int residue_logger_open(const residue_logger_config *cfg, residue_logger **out,
                                        rp_error *err);

/* residue_logger_config_init + _load(path) + _open + _release. */
RP_CHECK_RESULT int residue_logger_open_file(const char *path, residue_logger **out,
                                             rp_error *err);

/* Logs one line: msg is the text (msg_len bytes, UTF-8, 1..max_line_size; need not be
 * NUL-terminated), logger the logger id (NULL or "": "default"), file/func may be NULL
 * (not sent), line 0 is not sent, vlevel 0..9 (the verbose level; sent as given). Copies
 * everything before returning. Returns 0 when the line is in the backlog (it may have
 * pushed out an older line under DROP_OLDEST); RP_E_LIMIT when the backlog stayed full
 * (BLOCK) and the line was dropped; RP_E_ARGUMENT / RP_E_SCHEMA_* / RP_E_JSON_UTF8 naming
 * the field for a line that cannot be sent (counted `invalid`); RP_E_STATE once close has
 * begun. err may be NULL. */
RP_CHECK_RESULT int residue_logger_log_str(residue_logger *lg, residue_level level,
                                           unsigned vlevel, const char *logger,
                                           const char *file, uint32_t line, const char *func,
                                           const char *msg, size_t msg_len, rp_error *err);

/* printf-style variants of residue_logger_log_str (the text is formatted first; errors are
 * reported through on_event only). */
int residue_logger_log(residue_logger *lg, residue_level level, unsigned vlevel,
                       const char *logger, const char *file, uint32_t line, const char *func,
                       const char *fmt, ...) RP_PRINTF(8, 9);
int residue_logger_vlog(residue_logger *lg, residue_level level, unsigned vlevel,
                        const char *logger, const char *file, uint32_t line, const char *func,
                        const char *fmt, va_list ap) RP_PRINTF(8, 0);

/* With the caller's file, line and function. */
#define RESIDUE_LOG(lg, level, logger, ...) \
    residue_logger_log((lg), (level), 0u, (logger), __FILE__, (uint32_t)__LINE__, __func__, __VA_ARGS__)
#define RESIDUE_VLOG(lg, vlevel, logger, ...) \
    residue_logger_log((lg), RESIDUE_LEVEL_VERBOSE, (vlevel), (logger), __FILE__, \
                       (uint32_t)__LINE__, __func__, __VA_ARGS__)

/* Waits until every line logged before the call has left the backlog (accepted, rejected,
 * dropped or failed), sending partial batches at once. timeout_ms < 0: as long as it takes.
 * 0 when done; RP_E_LIMIT when time ran out (err says how many lines are left). */
RP_CHECK_RESULT int residue_logger_flush(residue_logger *lg, int timeout_ms, rp_error *err);

/* Waits until the handshake is done (it starts at open). 0 when connected; the last
 * connection error when max_attempts attempts failed (the logger keeps working: the next
 * line starts new attempts); RP_E_LIMIT when time ran out (timeout_ms < 0: no limit). */
RP_CHECK_RESULT int residue_logger_connect_wait(residue_logger *lg, int timeout_ms,
                                                rp_error *err);

/* Asks the dispatcher to TOUCH the session now (connecting first if needed) and waits for
 * the answer: 0, the error (e.g. RP_E_REJECTED with the server's text), or RP_E_LIMIT when
 * time ran out. The dispatcher also TOUCHes on its own before the session expires. */
RP_CHECK_RESULT int residue_logger_touch(residue_logger *lg, int timeout_ms, rp_error *err);

/* Names the calling thread for the "thread" field of its lines (at most 63 bytes kept; NULL
 * forgets it; at most 64 named threads per logger, RP_E_LIMIT beyond). A thread should
 * forget its name before it exits (its id may be reused). Unnamed threads send their
 * thread id; the thread that called open sends main_thread_id when set. */
RP_CHECK_RESULT int residue_logger_set_thread_name(residue_logger *lg, const char *name,
                                                   rp_error *err);

/* Copies the counters (a consistent snapshot). */
void residue_logger_stats_get(residue_logger *lg, residue_logger_stats *out);

/* Delivers what is left (waiting up to close_timeout_ms), stops the dispatcher, closes the
 * sockets and frees everything (keys cleansed); lines still undelivered are counted
 * `failed` and reported. Returns 0 when every line left the backlog by the normal way,
 * RP_E_LIMIT when some were given up. NULL is ignored (returns 0). lg is invalid after. */
int residue_logger_close(residue_logger *lg);

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_LOGGER_H */
