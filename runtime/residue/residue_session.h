/* rp_session: the residue client and server state machines, free of sockets.
 *
 * Bytes in, bytes out: every function takes one packet payload exactly as rp_frame hands
 * it out (the "\r\n\r\n" delimiter already removed) and writes the complete reply packet,
 * delimiter included, into a caller buffer, ready to be written to the socket. Time comes
 * from an injectable clock and every random choice the protocol makes visible (client ids,
 * AES keys, tokens, AES IVs) from an injectable RNG, so tests are deterministic. (RSA
 * PKCS#1 v1.5 padding is drawn by OpenSSL itself; it is never compared.)
 *
 * Messages are decoded and encoded only with the generated residue_* codecs
 * (generated/residue.h); envelopes are classified, opened and sealed by the generic engine
 * (rp_envelope.h) with the spec's tables (residue_protocol, generated/residue_transport.h),
 * and packets framed with the spec's port framing (RESIDUE_SESSION_DELIM is what it says).
 *
 * Server (protocol reference §2-§8): managed and unmanaged clients, plain and RSA CONNECT
 * (told apart as in §2.2), key sizes, the `_t` window, ACK / re-ACK, TOUCH, lifetimes, the
 * integrity sweep, the backup key after a managed key rotation, and each error reply of §7
 * with its exact text and encryption. Logging port: {"r":0} / {"r":1} plain, accepted log
 * records go to a callback.
 *
 * Client: CONNECT (plain or RSA to the server key; unmanaged with its own key pair, or
 * managed with id + private key; optional key_size) -> hello -> ACK -> established; TOUCH
 * when less than RESIDUE_CLIENT_TOUCH_MARGIN seconds of life remain; reconnect when dead or
 * forgotten; builds single, bulk and compressed log requests.
 *
 * Nothing here is thread-safe; one event loop owns a session object. No globals.
 */
#ifndef RESIDUE_SESSION_H
#define RESIDUE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_clock.h"
#include "rp_crypto.h"
#include "rp_error.h"
#include "residue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- common ---------------------------------------------------------------------------- */

/* A reply or request packet never exceeds this on the connect port (an RSA block of a
 * 16384-bit key in base64 is 2732 bytes; the established reply is < 1 KiB). */
#define RESIDUE_SESSION_PACKET_MAX 4096u
/* The packet delimiter, appended to everything the sessions write. */
#define RESIDUE_SESSION_DELIM "\r\n\r\n"
#define RESIDUE_SESSION_DELIM_LEN 4u

/* One step of a handshake, for people (residue-client -v, residue-server -v, make demo).
 * Never contains a key: keys are shown as "<256-bit, hidden>". */
typedef struct residue_trace {
    bool outgoing;          /* true: sent by the side reporting it */
    const char *message;    /* "CONNECT", "HELLO", "ACK", "ESTABLISHED", "TOUCH", "ERROR",
                               "LOG", "LOG-BULK", "LOG-REPLY", "RAW" */
    const char *envelope;   /* "plain", "rsa", "aes", "aes+zlib" */
    size_t wire_size;       /* bytes on the wire including the delimiter */
    const char *detail;     /* one line, NUL-terminated, safe to print */
} residue_trace;

/* Receives trace events; the residue_trace and its strings are valid only during the call. */
typedef void (*residue_trace_fn)(void *ctx, const residue_trace *ev);

/* ---- server ---------------------------------------------------------------------------- */

/* A client listed in the configuration's managed_clients. */
typedef struct residue_managed_client {
    const char *client_id;          /* borrowed, NUL-terminated, 1..128 chars */
    const rp_rsa_key *public_key;   /* borrowed; hellos are encrypted to it */
    uint16_t key_size;              /* 128/192/256, or 0 = default_key_size */
} residue_managed_client;

/* A managed client's "loggers" and "default_logger" (residue_server_config
 * .managed_client_loggers). As in the real server they are checked when the server is
 * created (every entry a managed logger, default_logger one of them, default_logger only
 * with loggers) and do NOT restrict what the client may log to (the real server uses them
 * only for log file ownership and its CLI). Strings are borrowed. */
typedef struct residue_managed_loggers {
    const char *const *loggers;     /* logger_count ids, or NULL */
    size_t logger_count;
    const char *default_logger;     /* NULL or "" = none */
} residue_managed_loggers;

/* Server settings, named like the residue server's configuration keys. Every pointer is
 * borrowed and must outlive the server. residue_server_config_defaults gives the real server's
 * defaults (except enable_cli, which is false: this server has no CLI). */
typedef struct residue_server_config {
    bool allow_insecure_connection;        /* true */
    bool allow_unmanaged_clients;          /* true */
    bool allow_unmanaged_loggers;          /* true (only advertised in flags) */
    bool requires_timestamp;               /* true */
    bool compression;                      /* true */
    bool allow_bulk_log_request;           /* true */
    bool immediate_flush;                  /* true (only advertised in flags) */
    bool enable_cli;                       /* false (only advertised in flags) */
    bool enable_dynamic_buffer;            /* false (only advertised in flags) */
    uint32_t timestamp_validity;           /* 120; < 30 or > 86400 is forced to 30 */
    uint32_t max_items_in_bulk;            /* 5; clamped to 5..500 */
    uint32_t client_age;                   /* 259200; 0 = never expires; else >= 120 */
    uint32_t non_acknowledged_client_age;  /* 300; >= 120 */
    uint32_t client_integrity_task_interval; /* 0 = max(300, min(ages)) */
    uint16_t default_key_size;             /* 256 */
    uint16_t logging_port;                 /* advertised in the established reply */
    const char *server_version;            /* "2.3.6" */
    const rp_rsa_key *server_private_key;  /* NULL: RSA CONNECT not possible */
    const residue_managed_client *managed_clients;
    size_t managed_count;
    size_t max_clients;                    /* registry bound; 0 = 100000 */
    size_t max_log_size;                   /* inflate bound for one log packet; 0 = 1 MiB */
    /* Logger rules (reference §6.2, the real server's ClientQueueProcessor::isRequestAllowed):
     * a record is answered {"r":0} and then dropped, not written, when its logger (absent =
     * "default") is "residue" (reserved, whoever logs); or is not managed while
     * allow_unmanaged_loggers is false; or is in loggers_blacklist; or is a managed logger
     * other than "default" and the client is unmanaged. Managed loggers are "default",
     * "residue" and managed_loggers. Checked for every record, bulk items included. */
    const char *const *managed_loggers;    /* managed_logger_count ids (borrowed), or NULL */
    size_t managed_logger_count;
    const char *const *loggers_blacklist;  /* blacklist_count ids (borrowed), or NULL; at most
                                              10000, none of them managed */
    size_t blacklist_count;
    /* Longest `msg` of one log record, in bytes; a longer one is answered {"r":1}. 0 = as
     * long as one log packet can carry (max_log_size, 1 MiB by default); larger than
     * max_log_size has no further effect. The real server sets no limit of its own. */
    size_t max_log_line_size;
    /* managed_count entries, [i] for managed_clients[i]; NULL = no client has loggers. */
    const residue_managed_loggers *managed_client_loggers;
    /* Per-source limits, applied to CONNECTs handled by residue_server_handle_connect_ex
     * with a source (docs/security.md, "Per-source limits"): */
    uint32_t source_connect_rate;          /* 100 CONNECTs per second per source; 0 = none */
    uint32_t source_connect_burst;         /* 1000: bucket size (0 = the rate) */
    uint32_t source_max_unacknowledged;    /* 1000 registry entries per source not yet
                                              acknowledged; 0 = no limit */
    size_t max_sources;                    /* 65536 sources remembered at once; 0 = 65536 */
} residue_server_config;

/* Fills *cfg with the defaults listed above. cfg must not be NULL. */
void residue_server_config_defaults(residue_server_config *cfg);

/* The `flags` value the server advertises for cfg (reference §5 flag table). */
uint32_t residue_server_config_flags(const residue_server_config *cfg);

typedef struct residue_server residue_server;

/* Creates a server session. cfg is copied (its pointers stay borrowed) and normalised as
 * the real server does. clock/rng may be NULL (then the system ones are used). *out is
 * freed with residue_server_free. RP_E_ARGUMENT for a bad setting (message names it),
 * RP_E_NOMEM. */
RP_CHECK_RESULT int residue_server_create(const residue_server_config *cfg, rp_clock_fn clock,
                                     void *clock_ctx, rp_random_fn rng, void *rng_ctx,
                                     residue_server **out, rp_error *err);

/* Frees the server and every client entry (keys cleansed). NULL is ignored. */
void residue_server_free(residue_server *srv);

/* Optional trace of every packet handled (server's view: incoming = request). */
void residue_server_set_trace(residue_server *srv, residue_trace_fn fn, void *ctx);

/* Handles one packet received on the connect port and writes the reply packet (always
 * exactly one, delimiter included) into reply[0..cap); cap >= RESIDUE_SESSION_PACKET_MAX always
 * suffices. pkt[0..len) is the payload without the delimiter, hostile, any length (pkt may
 * be NULL only when len is 0); it is not kept. Returns 0 when a reply was written — also
 * for error replies, whose reason is then described in *why (when non-NULL; why->code is
 * RP_OK for a success reply). why never changes what is sent and is for local logs only.
 * Returns a negative status only when no reply could be produced (cap too small, out of
 * memory, RNG failure, OpenSSL failing to set up a decryption: failures of the server's own,
 * which an error reply would blame on the client); the caller should then close the
 * connection.
 * Cost: with a server key configured, a packet that is not valid plain JSON is also tried
 * as RSA (as the real server does): one private-key operation when its base64 has the
 * modulus length. Heap: a copy of an AES packet; stack: a few KB. */
RP_CHECK_RESULT int residue_server_handle_connect(residue_server *srv, const uint8_t *pkt, size_t len,
                                             uint8_t *reply, size_t cap, size_t *reply_len,
                                             rp_error *why);

/* What one connect-port call may do and what it did (residue_server_handle_connect_ex).
 * The source names the peer (e.g. its 4 or 16 address bytes) for the per-source limits:
 * a CONNECT from a source beyond source_connect_rate, or one that would register a client
 * while the source already has source_max_unacknowledged unacknowledged ones, is answered
 * with a plain error naming the limit (TXT in residue_server.c), and the client is not
 * registered. */
typedef struct residue_connect_call {
    const uint8_t *source;   /* in: 1..16 bytes, borrowed for the call; NULL = no source,
                                no per-source limits */
    size_t source_len;
    bool rsa_deferred;       /* in: true = this call may not do an RSA decryption; a packet
                                that would need one is left alone (see deferred) */
    bool rsa_used;           /* out: the packet was tried as RSA: one private-key decryption
                                when its base64 has the modulus length, else a cheap refusal
                                (counted in rsa_attempts either way) */
    bool deferred;           /* out: nothing was done, nothing counted, *reply_len is 0:
                                hand the same packet in again once RSA work is allowed */
} residue_connect_call;

/* residue_server_handle_connect with per-call facts (call may be NULL: then it is exactly
 * residue_server_handle_connect). The packet needs an RSA decryption when a server key is
 * configured and it is not an AES envelope and not valid plain JSON of a request; with
 * call->rsa_deferred that is where the call stops (deferred = true, return 0). */
RP_CHECK_RESULT int residue_server_handle_connect_ex(residue_server *srv, residue_connect_call *call,
                                                     const uint8_t *pkt, size_t len, uint8_t *reply,
                                                     size_t cap, size_t *reply_len, rp_error *why);

/* The two logging-port replies, delimiter included; both are RESIDUE_LOG_REPLY_LEN bytes
 * and differ only in the digit, so a held {"r":0} can be turned into {"r":1} in place. */
#define RESIDUE_LOG_REPLY_OK "{\"r\":0}\r\n\r\n"
#define RESIDUE_LOG_REPLY_FAILED "{\"r\":1}\r\n\r\n"
#define RESIDUE_LOG_REPLY_LEN 11u

/* Where accepted log records go (residue_server_handle_log_store). For one packet the
 * server calls record once per accepted record, in order, then end once (only when record
 * was called at least once), then writes the reply: {"r":0} when every record() and end()
 * returned 0, else {"r":1} (counted in log_store_failed). */
typedef struct residue_log_store {
    /* Takes one record (client_id and log valid only during the call): 0, or negative when
     * it cannot. After a failure the packet's remaining records are not offered. */
    int (*record)(void *ctx, const char *client_id, const residue_log_request *log);
    /* keep = true: store every record taken since the last end() as one unit, or report
     * (negative) that none of them is stored. keep = false (a record() failed): drop them
     * all. NULL: record()'s 0 already means stored. */
    int (*end)(void *ctx, bool keep);
    void *ctx;
} residue_log_store;

/* Called for every log record the server accepts: the envelope's client id and the decoded
 * record. Both are valid only during the call. */
typedef void (*residue_log_sink_fn)(void *ctx, const char *client_id,
                               const residue_log_request *log);

/* Handles one packet received on the logging port: writes {"r":0} or {"r":1} (plain,
 * delimiter included, 11 bytes) into reply and calls sink (may be NULL) once per accepted
 * record (a bulk calls it per valid item, in order, at most max_items_in_bulk; a bulk with
 * an item whose msg is longer than max_log_line_size is answered {"r":1} and sink is
 * called for none of its items: such a bulk is decoded twice, the first time only to look
 * for that item, since a sink cannot take back a record; a residue_log_store with an end()
 * has its records of the bulk dropped instead, with one decoding). A
 * compressed log inflates to at most max_log_size bytes. Records of a client that is
 * registered but dead are answered {"r":0} and dropped, like the real server. Return value,
 * pkt and *why as for residue_server_handle_connect. */
RP_CHECK_RESULT int residue_server_handle_log(residue_server *srv, const uint8_t *pkt, size_t len,
                                         residue_log_sink_fn sink, void *sink_ctx, uint8_t *reply,
                                         size_t cap, size_t *reply_len, rp_error *why);

/* residue_server_handle_log with a store that can refuse: {"r":0} only when the store took
 * every accepted record of the packet (see residue_log_store). store may be NULL (records
 * are dropped, as with a NULL sink). */
RP_CHECK_RESULT int residue_server_handle_log_store(residue_server *srv, const uint8_t *pkt,
                                                    size_t len, const residue_log_store *store,
                                                    uint8_t *reply, size_t cap, size_t *reply_len,
                                                    rp_error *why);

/* Runs the integrity sweep now: removes dead clients, drops live clients' backup keys.
 * Returns the number of clients removed. */
size_t residue_server_sweep(residue_server *srv);

/* Runs the sweep if its interval has passed since the last one. Returns the number of
 * seconds until the next sweep is due (for the event loop's timeout). */
uint64_t residue_server_tick(residue_server *srv);

/* Number of registered clients. */
size_t residue_server_client_count(const residue_server *srv);

/* Public facts about one registered client (no key material), as of the server clock's now
 * (the lookup offers the time to the client's session machine). */
typedef struct residue_server_client_info {
    bool managed;
    bool acknowledged;
    bool alive;
    const char *state;          /* its session machine's state (spec machine ClientEntry):
                                   "unacknowledged", "acknowledged" or "dead"; static */
    bool has_backup_key;
    bool has_token;
    unsigned key_bits;          /* 128/192/256 */
    uint64_t date_created;
    uint32_t age;
} residue_server_client_info;

/* Looks up a client by id (NUL-terminated). RP_E_UNKNOWN_CLIENT when absent. */
RP_CHECK_RESULT int residue_server_client_info_get(const residue_server *srv, const char *client_id,
                                              residue_server_client_info *out, rp_error *err);

/* Counters since creation. */
typedef struct residue_server_stats {
    uint64_t connect_packets, connect_errors;
    uint64_t log_packets, log_rejected, log_records, log_dropped_dead;
    uint64_t sweeps, clients_removed;
    uint64_t log_dropped_logger;   /* answered {"r":0}, dropped by a logger rule */
    uint64_t log_store_failed, rsa_attempts, source_rate_refused, source_unacked_refused,
        source_table_full;
    /* Bulks answered {"r":0} whose items were not all stored, as by the real server (§6.3):
     * items past max_items_in_bulk (ignored, not looked at), items skipped as invalid (a bad
     * level, a stale _t, a missing field ...), and bulks dropped whole because bulk is
     * disabled (counted per bulk; a dead client's bulk counts once in log_dropped_dead). */
    uint64_t bulk_items_ignored, bulk_items_invalid, bulk_dropped_disabled;
    /* Bulks refused whole ({"r":1}, nothing of them stored) because an item's msg is longer
     * than max_log_line_size (or a record is too large to decode): our limit, not the real
     * server's, so no item of them is acknowledged. */
    uint64_t bulk_refused_too_long;
    /* Single log requests refused ({"r":1}, not stored) for the same reason: msg longer than
     * max_log_line_size, or a record too large to decode. */
    uint64_t log_refused_too_long;
    /* CONNECTs refused because max_clients clients are registered (after a sweep), answered
     * with TXT_REGISTRY_FULL: not the real server's (it has no such bound). */
    uint64_t clients_refused_full;
} residue_server_stats;
void residue_server_stats_get(const residue_server *srv, residue_server_stats *out);

/* ---- client ---------------------------------------------------------------------------- */

/* Less than this many seconds of life left => TOUCH (all reference clients use 60). */
#define RESIDUE_CLIENT_TOUCH_MARGIN 60u

/* The client's state as callers see it: a view of its session machine (residue_client_machine),
 * which holds the truth; the machine's touch_due is ESTABLISHED here. */
typedef enum residue_client_state {
    RESIDUE_CLIENT_NEW = 0,             /* nothing sent; call residue_client_connect */
    RESIDUE_CLIENT_AWAIT_HELLO,         /* CONNECT sent */
    RESIDUE_CLIENT_AWAIT_ESTABLISHED,   /* ACK sent */
    RESIDUE_CLIENT_ESTABLISHED,         /* may log, TOUCH, ... */
    RESIDUE_CLIENT_AWAIT_TOUCH,         /* TOUCH sent */
    RESIDUE_CLIENT_DISCONNECTED         /* rejected / dead / forgotten: connect again */
} residue_client_state;

/* What the client should do next, from the clock and its state. */
typedef enum residue_client_action {
    RESIDUE_CLIENT_ACTION_NONE = 0,     /* established and not close to expiry */
    RESIDUE_CLIENT_ACTION_WAIT,         /* a reply is outstanding */
    RESIDUE_CLIENT_ACTION_TOUCH,        /* established, < RESIDUE_CLIENT_TOUCH_MARGIN s left */
    RESIDUE_CLIENT_ACTION_CONNECT       /* new, disconnected, or dead: (re)connect */
} residue_client_action;

typedef struct residue_client_config {
    const char *client_id;             /* managed id (NUL-terminated), or NULL: unmanaged */
    const rp_rsa_key *client_key;      /* private key, borrowed; required when managed;
                                          unmanaged: NULL = generate one */
    const rp_rsa_key *server_public_key; /* borrowed; non-NULL = RSA-encrypt CONNECT */
    uint16_t key_size;                 /* 0 = let the server choose; else 128/192/256 */
    unsigned generated_key_bits;       /* 0 = 2048 */
} residue_client_config;

typedef struct residue_client residue_client;

/* Creates a client session (generating a key pair if the config asks for one). clock/rng
 * may be NULL (system). Free with residue_client_free. */
RP_CHECK_RESULT int residue_client_create(const residue_client_config *cfg, rp_clock_fn clock,
                                     void *clock_ctx, rp_random_fn rng, void *rng_ctx,
                                     residue_client **out, rp_error *err);
void residue_client_free(residue_client *cl);
void residue_client_set_trace(residue_client *cl, residue_trace_fn fn, void *ctx);

residue_client_state residue_client_get_state(const residue_client *cl);
/* Reads the clock and first runs the session's touch timer (established -> touch_due once
 * fewer than RESIDUE_CLIENT_TOUCH_MARGIN seconds of life remain). */
residue_client_action residue_client_next_action(residue_client *cl);

/* The generated session machine the client runs on (generated/residue_machines.h), for
 * inspection: its state, keys and touch deadline. NULL for NULL. */
const struct residue_client_session *residue_client_machine(const residue_client *cl);

/* Writes the CONNECT packet (state -> AWAIT_HELLO). Allowed in NEW, ESTABLISHED and
 * DISCONNECTED (a reconnect forgets the session key). RP_E_TOO_LONG when the CONNECT JSON
 * does not fit one RSA block of the server key. */
RP_CHECK_RESULT int residue_client_connect(residue_client *cl, uint8_t *out, size_t cap,
                                      size_t *out_len, rp_error *err);

/* Writes the TOUCH packet (ESTABLISHED -> AWAIT_TOUCH). */
RP_CHECK_RESULT int residue_client_touch(residue_client *cl, uint8_t *out, size_t cap, size_t *out_len,
                                    rp_error *err);

/* Handles one connect-port reply packet (delimiter removed; pkt may be NULL only when len
 * is 0; cap >= RESIDUE_SESSION_PACKET_MAX always suffices for out). In AWAIT_HELLO a hello gives
 * the ACK packet in out (*out_len > 0, state -> AWAIT_ESTABLISHED); in AWAIT_ESTABLISHED
 * or AWAIT_TOUCH an established reply gives *out_len = 0 and state ESTABLISHED. An error
 * reply is RP_E_REJECTED with the server's error_text in err->message and state
 * DISCONNECTED; an undecodable reply (its envelope does not open, or its JSON is no message
 * of the server's) is RP_E_PROTOCOL (state DISCONNECTED), err keeping what the layer found
 * (message, layer, offset, path); RP_E_NOMEM and RP_E_CRYPTO stay our own. A reply the
 * session machine's state does not take (a hello while established, a hello in plain) is
 * RP_E_STATE from the machine, "receive Hello is not allowed in state established"; it
 * ends the attempt (DISCONNECTED) only when a reply was awaited. */
RP_CHECK_RESULT int residue_client_receive(residue_client *cl, const uint8_t *pkt, size_t len,
                                      uint8_t *out, size_t cap, size_t *out_len,
                                      rp_error *err);

/* How many records one log packet may carry: max_bulk_size when the server allows bulk,
 * else 1. */
size_t residue_client_bulk_capacity(const residue_client *cl);

/* Builds one log packet for the logging port from count records (1..bulk capacity; more
 * is RP_E_LIMIT): a single object for count == 1, else a bulk array; zlib-compressed when
 * the server advertises COMPRESSION. The records' `_t` is filled from the clock when 0.
 * Needs ESTABLISHED (or AWAIT_TOUCH), and not once residue_client_next_action has said
 * TOUCH (the machine's touch_due: the TOUCH goes first). RP_E_OVERFLOW when cap is too
 * small (12 x the records' string bytes + 1 KiB per record + 4 KiB always suffices).
 * Strings of the records are only read during the call. */
RP_CHECK_RESULT int residue_client_build_log(residue_client *cl, const residue_log_request *records,
                                        size_t count, uint8_t *out, size_t cap,
                                        size_t *out_len, rp_error *err);

/* Checks a logging-port reply: 0 for {"r":0}, RP_E_REJECTED for {"r":1} (or any other r),
 * RP_E_PROTOCOL when it is not a log reply. Every state takes one (the logging port is its
 * own connection: a request sent while established may be answered after the session moved
 * on); it never changes the state. */
RP_CHECK_RESULT int residue_client_log_reply(residue_client *cl, const uint8_t *pkt, size_t len,
                                        rp_error *err);

/* Whether log requests are compressed when the server advertises COMPRESSION (default
 * true). false sends them uncompressed, which the server takes either way (§6.2). */
void residue_client_set_compression(residue_client *cl, bool enabled);

/* Facts remembered from the last established reply (0 / NULL before). */
const char *residue_client_id(const residue_client *cl);          /* "" before the hello */
uint32_t residue_client_flags(const residue_client *cl);
uint32_t residue_client_max_bulk_size(const residue_client *cl);
uint16_t residue_client_logging_port(const residue_client *cl);
uint32_t residue_client_age(const residue_client *cl);
uint64_t residue_client_date_created(const residue_client *cl);
unsigned residue_client_key_bits(const residue_client *cl);       /* session key size, 0 before hello */

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_SESSION_H */
