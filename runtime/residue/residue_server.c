/* rp_session_server: the residue server state machine (protocol reference §2-§8, §10.4).
 *
 * A CONNECT travels: residue_server_handle_connect -> classify (§2.2) -> open the envelope
 * (AES by client id, or plain, or RSA with the server key) -> residue_decode_any (generated)
 * -> `_t` window -> insecure rule -> on_connect / on_ack / on_touch -> encode the reply with
 * the generated encoder -> seal (plain / RSA to the client / AES with the client key) ->
 * append the delimiter.
 *
 * Envelopes are classified, opened and sealed by the generic engine (rp_envelope.h) with the
 * spec's tables (residue_protocol); the keys come from server_keys below (the server key,
 * and the registry entry's current and backup keys found by the envelope's id() text).
 * Packets are framed with the spec's port framing.
 *
 * The session of each client is the generated machine ClientEntry (generated/residue_machines.h)
 * held by its registry entry: every decoded request for a client is offered to
 * residue_client_entry_receive first (a CONNECT that would register a client, and an ACK or
 * TOUCH naming none, to a new machine in state unknown), and a request the current state does
 * not take is refused there, before any residue logic, and answered as the real server
 * answers it (reply_refused); every reply of a session goes through
 * residue_client_entry_send_<msg> before it is sealed. What stays here is residue's policy:
 * managed clients, key rotation and the backup key, the `_t` window, the per-source limits
 * and the exact texts.
 */
#include "residue_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "rp_codec.h"
#include "rp_envelope.h"
#include "rp_frame.h"
#include "residue_profiles.h"
#include "residue_transport.h"
#include "rp_json.h"
#include "rp_pem.h"
#include "residue_machines.h"
#include "residue_registry.h"
#include "residue_sources.h"

/* ---- the server's words (reference §7); the texts are compared byte for byte ---------- */
#define TXT_INVALID "Invalid connection request. Are you sending it to correct port?"
/* Ours (the real server has no client bound): said so, not as a wrong port. */
#define TXT_REGISTRY_FULL "Server is full: too many clients registered, try again later"
#define TXT_PLAIN_NOT_ALLOWED "Plain connections not allowed by the server"
#define TXT_CLIENT_UNKNOWN "Client is unknown"
#define TXT_UNMANAGED_NOT_ALLOWED "Unmanaged clients are not allowed by this server"
#define TXT_DUPLICATE_ID "Failed! Potentially duplicate client ID, please ACKNOWLEDGE."
#define TXT_ACK_UNKNOWN "Client with this ID does not exists. Please send CONNECT request first."
#define TXT_REACK_UNMANAGED "Cannot re-acknowledge unmanaged clients. Please TOUCH to refresh it."
#define TXT_TOUCH_NOT_ACK "Cannot touch a non-acknowledged client. Please ACKNOWLEDGE it first"
#define TXT_TOUCH_DEAD "Cannot touch dead client. Please reset the connection"
/* The JSON parser messages the real server sends for an envelope naming an unknown client
 * (it parses "<id>:<base64>" as JSON and reports gason's error, §7). */
#define TXT_PARSER_UNEXPECTED "Unexpected character"
#define TXT_PARSER_NUMBER "Bad number"
#define TXT_PARSER_IDENT "Unknown error - [hint: single quote keys are not allowed]"
/* What the real server sends, raw (not JSON, §3), when the client's PEM cannot be used: the
 * text of the exception its Crypto++ PEM reader (PEM pack pem_read.cpp), BER decoder or
 * Ripe's key check (Ripe.cc loadPublicKey: RSAFunction::Validate) throws. */
#define TXT_KEY_NO_OBJECT "PEM_Load: PEM object not available"
#define TXT_KEY_NO_BEGIN "PEM_NextObject: could not locate boundary header"
#define TXT_KEY_NO_END "PEM_NextObject: could not locate boundary footer"
#define TXT_KEY_LABEL "PEM_Load: not a RSA public key"
#define TXT_KEY_BER "BER decode error"
#define TXT_KEY_INVALID "Could not load public key"
/* Ours (the real server has no per-source limits): plain error replies. */
#define TXT_SOURCE_RATE "Too many connection requests from this address; try again later"
#define TXT_SOURCE_UNACKED \
    "Too many unacknowledged clients from this address; acknowledge or wait for them to expire"

#define LOG_REPLY_OK "{\"r\":0}"
#define LOG_REPLY_BAD "{\"r\":1}"

#define UNMANAGED_ID_LEN 16u
#define ID_ATTEMPTS 100
#define DEFAULT_MAX_CLIENTS 100000u
#define DEFAULT_MAX_LOG_SIZE (1024u * 1024u)
#define DEFAULT_SOURCE_CONNECT_RATE 100u
#define DEFAULT_SOURCE_CONNECT_BURST 1000u
#define DEFAULT_SOURCE_MAX_UNACKED 1000u
#define DEFAULT_MAX_SOURCES 65536u
/* Decoded-string storage for one connect-port request (rsa_public_key <= 4096 bytes). */
#define CONNECT_ARENA_SIZE 16384u
/* Storage for one decoded log record beyond its msg: every other string of LogRequest is at
 * most 1024 bytes (file, func), 256 (app, thread), 128 (logger, client_id), 64 (token). */
#define LOG_ARENA_EXTRA (16u * 1024u)
/* The real server's reserved logger and its fallback logger (log.h, log-request.cc). */
#define LOGGER_RESERVED "residue"
#define LOGGER_DEFAULT "default"
/* The real server's bound on loggers_blacklist (Configuration::MAX_BLACKLIST_LOGGERS). */
#define MAX_BLACKLIST 10000u
/* Seal work buffers up to this size live on the stack (every reply but the largest). */
#define SEAL_WORK_STACK 4096u

struct residue_server {
    residue_server_config cfg;
    uint32_t flags;
    rp_clock_fn clock;
    void *clock_ctx;
    rp_random_fn rng;
    void *rng_ctx;
    rp_random_pool pool;    /* the system RNG's buffer when no rng was given */
    residue_registry reg;
    uint64_t last_sweep;
    uint64_t sweep_interval;
    residue_trace_fn trace;
    void *trace_ctx;
    residue_server_stats stats;
    char *inflate_buf;      /* max_log_size + 1 bytes: the plaintext of one opened envelope */
    uint8_t *open_work;     /* max_log_size + 1 bytes: the engine's work buffer beside it */
    uint8_t *log_arena;     /* log_arena_size bytes for one decoded log record */
    residue_any *any;       /* one decoded request (the union holds a 500-item bulk, ~100 KB:
                               kept here, not on the stack) */
    uint8_t *connect_arena; /* CONNECT_ARENA_SIZE bytes for its strings */
    size_t log_arena_size;  /* cfg.max_log_line_size + LOG_ARENA_EXTRA */
    residue_sources sources;          /* per-source buckets and unacknowledged counts */
    const residue_connect_call *call; /* of the connect-port call in progress, or NULL */
};

/* ---- defaults, clock, rng --------------------------------------------------------------- */

void residue_server_config_defaults(residue_server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->allow_insecure_connection = true;
    cfg->allow_unmanaged_clients = true;
    cfg->allow_unmanaged_loggers = true;
    cfg->requires_timestamp = true;
    cfg->compression = true;
    cfg->allow_bulk_log_request = true;
    cfg->immediate_flush = true;
    cfg->enable_cli = false;
    cfg->enable_dynamic_buffer = false;
    cfg->timestamp_validity = 120;
    cfg->max_items_in_bulk = 5;
    cfg->client_age = 259200;
    cfg->non_acknowledged_client_age = 300;
    cfg->client_integrity_task_interval = 0;
    cfg->default_key_size = 256;
    cfg->logging_port = 8778;
    cfg->server_version = "2.3.6";
    cfg->source_connect_rate = DEFAULT_SOURCE_CONNECT_RATE;
    cfg->source_connect_burst = DEFAULT_SOURCE_CONNECT_BURST;
    cfg->source_max_unacknowledged = DEFAULT_SOURCE_MAX_UNACKED;
    cfg->max_sources = DEFAULT_MAX_SOURCES;
}

uint32_t residue_server_config_flags(const residue_server_config *cfg)
{
    uint32_t f = 0;
    if (cfg->allow_unmanaged_loggers) f |= RESIDUE_SERVER_FLAGS_ALLOW_UNMANAGED_LOGGERS;
    if (cfg->allow_bulk_log_request) f |= RESIDUE_SERVER_FLAGS_ALLOW_BULK_LOG_REQUEST;
    if (cfg->immediate_flush) f |= RESIDUE_SERVER_FLAGS_IMMEDIATE_FLUSH;
    if (cfg->allow_unmanaged_clients) f |= RESIDUE_SERVER_FLAGS_ALLOW_UNMANAGED_CLIENTS;
    if (cfg->allow_insecure_connection) f |= RESIDUE_SERVER_FLAGS_ALLOW_INSECURE_CONNECTION;
    if (cfg->compression) f |= RESIDUE_SERVER_FLAGS_COMPRESSION;
    if (cfg->enable_cli) f |= RESIDUE_SERVER_FLAGS_ENABLE_CLI;
    if (cfg->requires_timestamp) f |= RESIDUE_SERVER_FLAGS_REQUIRES_TIMESTAMP;
    if (cfg->enable_dynamic_buffer) f |= RESIDUE_SERVER_FLAGS_ENABLE_DYNAMIC_BUFFER;
    return f;
}

static bool key_size_ok(unsigned bits)
{
    return bits == 128 || bits == 192 || bits == 256;
}

/* ---- logger rules (reference §6.2) ---------------------------------------------------------- */

static bool id_in(const char *const *list, size_t n, const char *id, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] != NULL && strlen(list[i]) == len && memcmp(list[i], id, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_lit(const char *id, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(id, lit, len) == 0;
}

/* "default", "residue" and every managed_loggers id. */
static bool is_managed_logger(const residue_server_config *c, const char *id, size_t len)
{
    return is_lit(id, len, LOGGER_DEFAULT) || is_lit(id, len, LOGGER_RESERVED) ||
           id_in(c->managed_loggers, c->managed_logger_count, id, len);
}

/* The real server's configuration checks of the logger keys, with its words
 * (configuration.cc loadManagedClients / loadLoggersBlacklist); it refuses to start. */
static int check_logger_config(const residue_server_config *c, rp_error *err)
{
    if ((c->managed_logger_count > 0 && c->managed_loggers == NULL) ||
        (c->blacklist_count > 0 && c->loggers_blacklist == NULL)) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "managed_logger_count / blacklist_count without their lists");
    }
    for (size_t i = 0; i < c->managed_logger_count; i++) {
        if (c->managed_loggers[i] == NULL || c->managed_loggers[i][0] == '\0') {
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "managed_loggers[%zu]: Logger ID not provided", i);
        }
    }
    if (c->blacklist_count > MAX_BLACKLIST) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "loggers_blacklist has %zu entries: you have added maximum number of "
                            "blacklisted loggers (%u); please consider using "
                            "'allow_unmanaged_loggers' instead", c->blacklist_count, MAX_BLACKLIST);
    }
    for (size_t i = 0; i < c->blacklist_count; i++) {
        const char *id = c->loggers_blacklist[i];
        if (id != NULL && is_managed_logger(c, id, strlen(id))) {
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "loggers_blacklist[%zu]: Cannot blacklist [%.128s] logger. Remove "
                                "it from 'managed_loggers' first.", i, id);
        }
    }
    for (size_t i = 0; i < c->managed_count && c->managed_client_loggers != NULL; i++) {
        const residue_managed_loggers *m = &c->managed_client_loggers[i];
        const char *id = c->managed_clients != NULL && c->managed_clients[i].client_id != NULL
                             ? c->managed_clients[i].client_id
                             : "";
        bool has_default = m->default_logger != NULL && m->default_logger[0] != '\0';
        if (m->logger_count > 0 && m->loggers == NULL) {
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "managed_clients[%zu]: logger_count without loggers", i);
        }
        for (size_t j = 0; j < m->logger_count; j++) {
            const char *l = m->loggers[j] != NULL ? m->loggers[j] : "";
            if (l[0] != '\0' && !is_managed_logger(c, l, strlen(l))) {
                return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                    "managed_clients[%zu]: Logger [%.128s] for client [%.128s] is "
                                    "unmanaged", i, l, id);
            }
        }
        if (has_default && (m->loggers == NULL ||
                            !id_in(m->loggers, m->logger_count, m->default_logger,
                                   strlen(m->default_logger)))) {
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "managed_clients[%zu]: Default logger [%.128s] for client [%.128s] "
                                "is not part of [loggers] array", i, m->default_logger, id);
        }
    }
    return 0;
}

/* ClientQueueProcessor::isRequestAllowed: may this client's record go to this logger?
 * *why names the rule that said no. */
static bool logger_allowed(const residue_server *s, bool managed_client,
                           const residue_log_request *rec, const char **why)
{
    const char *id = LOGGER_DEFAULT;
    size_t len = sizeof LOGGER_DEFAULT - 1u;
    if (rec->has_logger && rec->logger.ptr != NULL) {
        id = rec->logger.ptr;
        len = rec->logger.len;
    }
    bool managed_logger = is_managed_logger(&s->cfg, id, len);
    if (!s->cfg.allow_unmanaged_loggers && !managed_logger) {
        *why = "unmanaged logger while allow_unmanaged_loggers is false";
    } else if (is_lit(id, len, LOGGER_RESERVED)) {
        *why = "the logger \"residue\" is reserved";
    } else if (id_in(s->cfg.loggers_blacklist, s->cfg.blacklist_count, id, len)) {
        *why = "blacklisted logger";
    } else if (!managed_client && managed_logger && !is_lit(id, len, LOGGER_DEFAULT)) {
        *why = "managed logger used by an unmanaged client";
    } else {
        return true;
    }
    return false;
}

/* ---- per-source limits ------------------------------------------------------------------ */

/* An unacknowledged entry leaving the registry frees its place in its source's count. */
static void source_entry_removed(void *ctx, residue_registry_entry *e)
{
    (void)ctx;
    residue_source *src = e->owner_tag;
    if (src != NULL && src->unacked > 0) src->unacked--;
    e->owner_tag = NULL;
}

/* The record of the current call's source, or NULL when the call has none. *full is set
 * when it has one but the table cannot hold it. */
static residue_source *call_source(residue_server *s, uint64_t now, bool *full)
{
    *full = false;
    if (s->call == NULL || s->call->source == NULL || s->call->source_len == 0) return NULL;
    residue_source *src =
        residue_sources_get(&s->sources, s->call->source, s->call->source_len, now);
    if (src == NULL) {
        *full = true;
        s->stats.source_table_full++;
    }
    return src;
}

/* NULL when the current CONNECT may go on, else the error text to answer. */
static const char *source_check_rate(residue_server *s, uint64_t now)
{
    bool full;
    residue_source *src = call_source(s, now, &full);
    if (full) return TXT_SOURCE_RATE;
    if (src != NULL && !residue_sources_take(&s->sources, src, now)) {
        s->stats.source_rate_refused++;
        return TXT_SOURCE_RATE;
    }
    return NULL;
}

/* NULL when the current call's source may register one more unacknowledged client. Dead
 * entries of the source are swept first so that expired ones do not count. */
static const char *source_check_unacked(residue_server *s, uint64_t now)
{
    bool full;
    residue_source *src = call_source(s, now, &full);
    if (full) return TXT_SOURCE_UNACKED;
    if (src == NULL || s->cfg.source_max_unacknowledged == 0) return NULL;
    if (src->unacked >= s->cfg.source_max_unacknowledged) {
        /* Not residue_server_sweep: its pruning could free src. */
        size_t k = residue_registry_sweep(&s->reg, now);
        s->stats.sweeps++;
        s->stats.clients_removed += k;
        if (src->unacked >= s->cfg.source_max_unacknowledged) {
            s->stats.source_unacked_refused++;
            return TXT_SOURCE_UNACKED;
        }
    }
    return NULL;
}

/* Counts a newly registered (unacknowledged) entry against the current call's source. */
static void source_attach(residue_server *s, residue_registry_entry *e, uint64_t now)
{
    bool full;
    residue_source *src = call_source(s, now, &full);
    if (src != NULL) {
        src->unacked++;
        e->owner_tag = src;
    }
}

/* The entry is acknowledged: it no longer counts against its source. */
static void source_detach(residue_registry_entry *e)
{
    source_entry_removed(NULL, e);
}

int residue_server_create(const residue_server_config *cfg, rp_clock_fn clock, void *clock_ctx,
                     rp_random_fn rng, void *rng_ctx, residue_server **out, rp_error *err)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (cfg == NULL || out == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "config and out must not be NULL");
    }
    if (!key_size_ok(cfg->default_key_size)) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "default_key_size %u is not 128, 192 or 256",
                            (unsigned)cfg->default_key_size);
    }
    if (!cfg->allow_insecure_connection && cfg->server_private_key == NULL) {
        /* The real server refuses this configuration with the same reason. */
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "allow_insecure_connection is false but no server RSA key is "
                            "configured: no client could connect");
    }
    if (cfg->managed_count > 0 && cfg->managed_clients == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "managed_count is %zu but managed_clients is NULL",
                            cfg->managed_count);
    }
    for (size_t i = 0; i < cfg->managed_count; i++) {
        const residue_managed_client *m = &cfg->managed_clients[i];
        size_t n = m->client_id == NULL ? 0 : strlen(m->client_id);
        if (n == 0 || n > RESIDUE_CLIENT_ID_MAX || m->public_key == NULL) {
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "managed_clients[%zu]: needs a client_id of 1..%u characters "
                                "and a public key", i, RESIDUE_CLIENT_ID_MAX);
        }
        if (m->key_size != 0 && !key_size_ok(m->key_size)) {
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "managed_clients[%zu] (%s): key_size %u is not 128, 192 or 256",
                                i, m->client_id, (unsigned)m->key_size);
        }
    }
    int lrc = check_logger_config(cfg, err);
    if (lrc < 0) {
        return lrc;
    }
    residue_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    s->cfg = *cfg;
    /* Normalise as the real server's configuration loader does (reference §0.1, §8). */
    if (s->cfg.timestamp_validity < 30 || s->cfg.timestamp_validity > 86400) {
        s->cfg.timestamp_validity = 30;
    }
    if (s->cfg.max_items_in_bulk < 5) s->cfg.max_items_in_bulk = 5;
    if (s->cfg.max_items_in_bulk > 500) s->cfg.max_items_in_bulk = 500;
    if (s->cfg.client_age != 0 && s->cfg.client_age < 120) s->cfg.client_age = 120;
    if (s->cfg.non_acknowledged_client_age < 120) s->cfg.non_acknowledged_client_age = 120;
    if (s->cfg.server_version == NULL) s->cfg.server_version = "2.3.6";
    if (s->cfg.max_clients == 0) s->cfg.max_clients = DEFAULT_MAX_CLIENTS;
    if (s->cfg.max_log_size == 0) s->cfg.max_log_size = DEFAULT_MAX_LOG_SIZE;
    uint64_t min_age = s->cfg.non_acknowledged_client_age;
    if (s->cfg.client_age != 0 && s->cfg.client_age < min_age) min_age = s->cfg.client_age;
    s->sweep_interval = s->cfg.client_integrity_task_interval != 0
                            ? s->cfg.client_integrity_task_interval
                            : (min_age > 300 ? min_age : 300);
    s->flags = residue_server_config_flags(&s->cfg);
    s->clock = clock != NULL ? clock : rp_clock_system;
    s->clock_ctx = clock != NULL ? clock_ctx : NULL;
    /* the system RNG through a pool: one RAND_bytes per several handshakes (rp_crypto.h) */
    rp_random_pool_init(&s->pool);
    s->rng = rng != NULL ? rng : rp_random_pool_draw;
    s->rng_ctx = rng != NULL ? rng_ctx : &s->pool;
    s->inflate_buf = malloc(s->cfg.max_log_size + 1u);
    s->open_work = malloc(s->cfg.max_log_size + 1u);
    if (s->cfg.max_log_line_size == 0 || s->cfg.max_log_line_size > s->cfg.max_log_size) {
        s->cfg.max_log_line_size = s->cfg.max_log_size;
    }
    s->log_arena_size = s->cfg.max_log_line_size + LOG_ARENA_EXTRA;
    s->log_arena = malloc(s->log_arena_size);
    s->any = malloc(sizeof *s->any);
    s->connect_arena = malloc(CONNECT_ARENA_SIZE);
    if (s->inflate_buf == NULL || s->open_work == NULL || s->log_arena == NULL || s->any == NULL ||
        s->connect_arena == NULL) {
        free(s->inflate_buf);
        free(s->open_work);
        free(s->log_arena);
        free(s->any);
        free(s->connect_arena);
        free(s);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    if (s->cfg.max_sources == 0) s->cfg.max_sources = DEFAULT_MAX_SOURCES;
    int rc = residue_registry_init(&s->reg, err);
    if (rc == 0) {
        rc = residue_sources_init(&s->sources, s->cfg.max_sources, s->cfg.source_connect_rate,
                                  s->cfg.source_connect_burst, err);
        if (rc < 0) residue_registry_free(&s->reg);
    }
    if (rc < 0) {
        free(s->inflate_buf);
        free(s->open_work);
        free(s->log_arena);
        free(s->any);
        free(s->connect_arena);
        free(s);
        return rc;
    }
    residue_registry_on_remove(&s->reg, source_entry_removed, NULL);
    s->last_sweep = s->clock(s->clock_ctx);
    *out = s;
    return 0;
}

void residue_server_free(residue_server *srv)
{
    if (srv == NULL) {
        return;
    }
    residue_registry_free(&srv->reg);
    residue_sources_free(&srv->sources);
    free(srv->inflate_buf);
    free(srv->open_work);
    free(srv->log_arena);
    free(srv->any);
    if (srv->connect_arena != NULL) {
        OPENSSL_cleanse(srv->connect_arena, CONNECT_ARENA_SIZE);
    }
    free(srv->connect_arena);
    OPENSSL_cleanse(srv, sizeof *srv);
    free(srv);
}

void residue_server_set_trace(residue_server *srv, residue_trace_fn fn, void *ctx)
{
    if (srv != NULL) {
        srv->trace = fn;
        srv->trace_ctx = ctx;
    }
}

size_t residue_server_client_count(const residue_server *srv)
{
    return srv == NULL ? 0 : residue_registry_count(&srv->reg);
}

void residue_server_stats_get(const residue_server *srv, residue_server_stats *out)
{
    if (srv != NULL && out != NULL) {
        *out = srv->stats;
    }
}

int residue_server_client_info_get(const residue_server *srv, const char *client_id,
                              residue_server_client_info *out, rp_error *err)
{
    if (srv == NULL || client_id == NULL || out == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "server, client_id and out must not be NULL");
    }
    residue_registry_entry *e = residue_registry_find(&srv->reg, client_id, strlen(client_id));
    if (e == NULL) {
        return rp_error_set(err, RP_E_UNKNOWN_CLIENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client '%.64s' is not registered", client_id);
    }
    memset(out, 0, sizeof *out);
    out->alive = residue_registry_entry_advance(e, srv->clock(srv->clock_ctx));
    out->state = residue_client_entry_state_name(&e->machine);
    out->managed = e->managed;
    out->acknowledged = e->acknowledged;
    out->has_backup_key = e->has_backup_key;
    out->has_token = e->has_token;
    out->key_bits = (unsigned)(e->key.len * 8u);
    out->date_created = e->date_created;
    out->age = e->age;
    return 0;
}

size_t residue_server_sweep(residue_server *srv)
{
    if (srv == NULL) {
        return 0;
    }
    uint64_t now = srv->clock(srv->clock_ctx);
    size_t removed = residue_registry_sweep(&srv->reg, now);
    (void)residue_sources_prune(&srv->sources, now);
    srv->last_sweep = now;
    srv->stats.sweeps++;
    srv->stats.clients_removed += removed;
    return removed;
}

uint64_t residue_server_tick(residue_server *srv)
{
    if (srv == NULL) {
        return 0;
    }
    uint64_t now = srv->clock(srv->clock_ctx);
    if (now >= srv->last_sweep + srv->sweep_interval) {
        (void)residue_server_sweep(srv);
        return srv->sweep_interval;
    }
    return srv->last_sweep + srv->sweep_interval - now;
}

/* ---- reply building ---------------------------------------------------------------------- */

/* Where one reply is assembled. */
typedef struct reply_ctx {
    residue_server *srv;
    uint8_t *out;
    size_t cap;
    size_t *out_len;
    rp_error *why;
    unsigned port;            /* RESIDUE_PORT_CONNECT or _LOGGING: how the reply is framed */
    const char *req_name;     /* for the trace */
    const char *req_envelope;
    size_t req_size;
    char detail[256];
    residue_envelope env;       /* the envelope the request came in */
    residue_client_entry *m;    /* the session the reply belongs to; NULL: none (the packet
                                   named no client, or the machine refused the request) */
    uint64_t now;               /* the clock when the request was taken up */
} reply_ctx;

static void trace_emit(residue_server *srv, bool outgoing, const char *message, const char *envelope,
                       size_t size, const char *detail)
{
    if (srv->trace == NULL) {
        return;
    }
    residue_trace ev = {outgoing, message, envelope, size, detail != NULL ? detail : ""};
    srv->trace(srv->trace_ctx, &ev);
}

/* Frames the n payload bytes already in rc->out for the reply's port (the spec's port
 * table: payload + "\r\n\r\n"). */
static int finish_packet(reply_ctx *rc, size_t n, const char *message, const char *envelope)
{
    int r = rp_frame_write(&residue_protocol.ports[rc->port - 1u].framing, rc->out, n, rc->out,
                           rc->cap, rc->out_len, rc->why);
    if (r < 0) {
        return r;
    }
    trace_emit(rc->srv, true, message, envelope, *rc->out_len, rc->detail);
    return 0;
}

/* ---- keys for the envelope engine -------------------------------------------------------- */

/* What one open or seal may use. Sealing: the key the reply goes out with. Opening: the
 * server's private key, and the registry entry the envelope's id() names (the lookup
 * records what it was asked and found, so the caller can tell an unknown client apart). */
typedef struct server_keys {
    residue_server *srv;
    const rp_aes_key *seal_aes;     /* seal: the client's current AES key */
    const rp_rsa_key *seal_rsa;     /* seal: the client's public key */
    bool backup_only;               /* open: offer only the entry's backup key */
    bool asked;                     /* open: the session key was looked up */
    residue_registry_entry *entry;    /* open: the entry the id named, or NULL */
    const char *id;                 /* open: that id text (into the packet) */
    size_t id_len;
} server_keys;

static int server_keys_fn(void *ctx, unsigned key, rp_key_use use, const char *id,
                          size_t id_len, rp_key_value *out, size_t cap)
{
    server_keys *k = ctx;
    memset(out, 0, cap * sizeof *out);
    switch (key) {
    case RESIDUE_KEY_SERVER_KEY:
        out->rsa = use == RP_KEY_OPEN ? k->srv->cfg.server_private_key : NULL;
        return out->rsa != NULL;
    case RESIDUE_KEY_CLIENT_KEY:
        out->rsa = use == RP_KEY_SEAL ? k->seal_rsa : NULL;
        return out->rsa != NULL;
    case RESIDUE_KEY_SESSION:
        if (use == RP_KEY_SEAL) {
            out->aes = k->seal_aes;
            return out->aes != NULL;
        }
        k->asked = true;
        k->id = id;
        k->id_len = id_len;
        k->entry = id == NULL ? NULL : residue_registry_find(&k->srv->reg, id, id_len);
        if (k->entry == NULL) {
            return RP_E_UNKNOWN_CLIENT;
        }
        /* The current key, then the backup key (reference §4.2). */
        if (k->backup_only) {
            if (!k->entry->has_backup_key) return 0;
            out[0].aes = &k->entry->backup_key;
            return 1;
        }
        out[0].aes = &k->entry->key;
        if (k->entry->has_backup_key && cap > 1) {
            out[1].aes = &k->entry->backup_key;
            return 2;
        }
        return 1;
    default:
        return 0;
    }
}

/* Seals json as `envelope` into rc->out with the key(s) in *k, IVs from the server's RNG. */
static int seal_into(reply_ctx *rc, unsigned envelope, server_keys *k, const char *json,
                     size_t n, size_t *len)
{
    rp_envelope_ctx cx = {&residue_protocol, server_keys_fn, k, rc->srv->rng, rc->srv->rng_ctx, 0};
    uint8_t stack[SEAL_WORK_STACK];
    uint8_t *work = stack, *tmp = NULL;
    size_t need = rp_envelope_sealed_max(&residue_protocol, envelope, n, 0);
    if (need > sizeof stack) {
        if (need == SIZE_MAX || (tmp = malloc(need)) == NULL) {
            return rp_error_set(rc->why, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
        }
        work = tmp;
    }
    int r = rp_envelope_seal(&cx, envelope, json, n, (char *)rc->out, rc->cap, work,
                             tmp != NULL ? need : sizeof stack, len, rc->why);
    free(tmp); /* the engine cleansed what it left there */
    return r;
}

/* Raw text reply (not JSON): what the real server sends when it cannot RSA-encrypt. */
static int reply_raw(reply_ctx *rc, const char *text)
{
    size_t n = strlen(text);
    if (n + RESIDUE_SESSION_DELIM_LEN > rc->cap) {
        return rp_error_set(rc->why, RP_E_OVERFLOW, RP_LAYER_SESSION, SIZE_MAX,
                            "reply buffer too small");
    }
    memcpy(rc->out, text, n);
    snprintf(rc->detail, sizeof rc->detail, "%s", text);
    rp_error_set(rc->why, RP_E_REJECTED, RP_LAYER_SESSION, SIZE_MAX, "%s", text);
    return finish_packet(rc, n, "RAW", "plain");
}

/* Seals json as a server->client AES envelope with a fresh IV from the RNG. */
static int seal_aes(reply_ctx *rc, const rp_aes_key *key, const char *json, size_t n,
                    const char *message)
{
    server_keys k = {.srv = rc->srv, .seal_aes = key};
    size_t len = 0;
    int r = seal_into(rc, RESIDUE_ENVELOPE_AES_TO_CLIENT, &k, json, n, &len);
    if (r < 0) {
        return r;
    }
    return finish_packet(rc, len, message, "aes");
}

/* Seals json with RSA to pub; when that fails (key too small) sends the raw text the real
 * server would. *sealed tells which happened. */
static int seal_rsa(reply_ctx *rc, const rp_rsa_key *pub, const char *json, size_t n,
                    const char *message, bool *sealed)
{
    *sealed = false;
    size_t max = rp_rsa_max_plaintext(pub);
    if (n > max) {
        char text[160];
        snprintf(text, sizeof text,
                 "RSA/EME-PKCS1-v1_5: message length of %zu exceeds the maximum of %zu for "
                 "this public key", n, max);
        return reply_raw(rc, text);
    }
    server_keys k = {.srv = rc->srv, .seal_rsa = pub};
    size_t len = 0;
    int r = seal_into(rc, RESIDUE_ENVELOPE_RSA_TO_CLIENT, &k, json, n, &len);
    if (r < 0) {
        return r;
    }
    *sealed = true;
    return finish_packet(rc, len, message, "rsa");
}

typedef enum seal_kind { SEAL_PLAIN, SEAL_AES, SEAL_RSA } seal_kind;

/* {"status":1,"ack":0,"error_text":text}, sealed as asked (reference §7). */
static int reply_error(reply_ctx *rc, const char *text, seal_kind kind, const rp_aes_key *key,
                       const rp_rsa_key *pub)
{
    residue_connect_error msg;
    residue_connect_error_init(&msg);
    msg.status = RESIDUE_RESPONSE_STATUS_ERROR;
    msg.ack = RESIDUE_ACK_STATE_NOT_ACKNOWLEDGED;
    msg.error_text = rp_str_from_cstr(text);
    msg.has_status = msg.has_ack = msg.has_error_text = true;
    char json[RESIDUE_CONNECT_ERROR_MAX_SIZE + 1];
    size_t n = 0;
    int r = residue_connect_error_encode(&msg, json, sizeof json, &n, rc->why);
    if (r < 0) {
        return r;
    }
    if (rc->m != NULL) {
        residue_envelope env = kind == SEAL_AES   ? RESIDUE_ENVELOPE_AES_TO_CLIENT
                               : kind == SEAL_RSA ? RESIDUE_ENVELOPE_RSA_TO_CLIENT
                                                  : RESIDUE_ENVELOPE_PLAIN;
        r = residue_client_entry_send_connect_error(rc->m, rc->now, env, &msg, NULL, NULL, rc->why);
        if (r < 0) {
            return r;
        }
    }
    rc->srv->stats.connect_errors++;
    snprintf(rc->detail, sizeof rc->detail, "error_text=\"%s\"", text);
    if (kind == SEAL_AES) {
        r = seal_aes(rc, key, json, n, "ERROR");
    } else if (kind == SEAL_RSA) {
        bool sealed;
        r = seal_rsa(rc, pub, json, n, "ERROR", &sealed);
    } else {
        if (n + RESIDUE_SESSION_DELIM_LEN > rc->cap) {
            return rp_error_set(rc->why, RP_E_OVERFLOW, RP_LAYER_SESSION, SIZE_MAX,
                                "reply buffer too small");
        }
        memcpy(rc->out, json, n);
        r = finish_packet(rc, n, "ERROR", "plain");
    }
    if (r == 0) {
        /* Tell the caller why (never affects what was sent). */
        rp_error_set(rc->why, RP_E_REJECTED, RP_LAYER_SESSION, SIZE_MAX, "%s", text);
    }
    return r;
}

static int reply_invalid(reply_ctx *rc)
{
    return reply_error(rc, TXT_INVALID, SEAL_PLAIN, NULL, NULL);
}

/* The raw text the real server sends for a client key it cannot use (see TXT_KEY_*). A key
 * the real server would still take but we refuse (exponent beyond 2^32, modulus beyond
 * RP_RSA_MAX_BITS) gets the text of its own refused-key check. */
static int reply_bad_key(reply_ctx *rc, rp_rsa_key_fault fault, const char *pem, size_t len)
{
    char text[96];
    switch (fault) {
    case RP_RSA_FAULT_EMPTY: return reply_raw(rc, TXT_KEY_NO_OBJECT);
    case RP_RSA_FAULT_NO_BEGIN: return reply_raw(rc, TXT_KEY_NO_BEGIN);
    case RP_RSA_FAULT_NO_END: return reply_raw(rc, TXT_KEY_NO_END);
    case RP_RSA_FAULT_LABEL: return reply_raw(rc, TXT_KEY_LABEL);
    case RP_RSA_FAULT_END_LABEL: {
        /* The PEM pack looks for the END line of the label it found on the BEGIN line. */
        rp_pem_block b;
        if (rp_pem_find(pem, len, &b, NULL, NULL) == 0 || b.label == NULL) {
            return reply_raw(rc, TXT_KEY_LABEL);
        }
        snprintf(text, sizeof text, "PEM_StripEncapsulatedBoundary: '-----END %.*s-----' not found",
                 (int)b.label_len, b.label);
        return reply_raw(rc, text);
    }
    case RP_RSA_FAULT_DER: return reply_raw(rc, TXT_KEY_BER);
    default: return reply_raw(rc, TXT_KEY_INVALID);
    }
}

/* ---- request decoding -------------------------------------------------------------------- */

/* The profile requests are decoded with. With requires_timestamp=false the real server
 * takes a request without `_t`, or with `_t` 0, as one without a timestamp (reference
 * §2.1); the spec's `_t` is required and 1.., so such requests are decoded with
 * wire_untimed, which relaxes exactly that (residue_profiles.h). */
static const rp_schema_profile *request_profile(const residue_server *s)
{
    return s->cfg.requires_timestamp ? &residue_profile_wire : &residue_profile_wire_untimed;
}

/* A request that came without a timestamp is handled as if it had been sent now. */
static void fill_timestamp(const residue_server *s, bool *has_timestamp, uint64_t *timestamp,
                           bool *has_t)
{
    *has_t = *has_timestamp;
    if (!*has_timestamp) {
        *timestamp = s->clock(s->clock_ctx);
        *has_timestamp = true;
    }
}

/* Decodes a connect-port request (CONNECT, ACK or TOUCH) with the generated dispatcher.
 * *has_t tells whether `_t` came from the peer. */
static int decode_request(residue_server *s, const char *json, size_t len, residue_any *any,
                          rp_arena *arena, bool *has_t, rp_error *err)
{
    *has_t = true;
    int rc = residue_decode_any(json, len, RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, any, arena,
                                request_profile(s), err);
    if (rc < 0) {
        return rc;
    }
    switch (any->id) {
    case RESIDUE_MSG_CONNECT:
        fill_timestamp(s, &any->u.connect.has_timestamp, &any->u.connect.timestamp, has_t);
        break;
    case RESIDUE_MSG_ACKNOWLEDGEMENT:
        fill_timestamp(s, &any->u.acknowledgement.has_timestamp,
                       &any->u.acknowledgement.timestamp, has_t);
        break;
    case RESIDUE_MSG_TOUCH:
        fill_timestamp(s, &any->u.touch.has_timestamp, &any->u.touch.timestamp, has_t);
        break;
    default:
        break;
    }
    return rc;
}

/* |now - t| <= validity (reference §4.3: symmetric window, seconds). */
static bool timestamp_ok(const residue_server *s, uint64_t t, bool has_t)
{
    if (!has_t) {
        return !s->cfg.requires_timestamp;
    }
    uint64_t now = s->clock(s->clock_ctx);
    uint64_t d = now > t ? now - t : t - now;
    return d <= s->cfg.timestamp_validity;
}

/* The gason message for the text after the IV of an envelope whose client is unknown. */
static const char *parser_message(const char *text, size_t len)
{
    if (len == 0) {
        return TXT_PARSER_UNEXPECTED;
    }
    char c = text[0];
    if (c == '-' || (c >= '0' && c <= '9')) {
        return TXT_PARSER_NUMBER;
    }
    if (c == 't' || c == 'f' || c == 'n') {
        return TXT_PARSER_IDENT;
    }
    return TXT_PARSER_UNEXPECTED;
}

/* ---- handlers ---------------------------------------------------------------------------- */

static int draw(residue_server *s, reply_ctx *rc, uint8_t *out, size_t n)
{
    if (s->rng(s->rng_ctx, out, n) < 0) {
        return rp_error_set(rc->why, RP_E_CRYPTO, RP_LAYER_SESSION, SIZE_MAX,
                            "random generator failed");
    }
    return 0;
}

static int new_aes_key(residue_server *s, reply_ctx *rc, unsigned bits, rp_aes_key *key)
{
    uint8_t raw[RP_AES_MAX_KEY_SIZE];
    int r = draw(s, rc, raw, bits / 8u);
    if (r == 0) {
        r = rp_aes_key_set(key, raw, bits / 8u, rc->why);
    }
    OPENSSL_cleanse(raw, sizeof raw);
    return r;
}

/* 16 random lowercase letters (reference §2.3), by rejection sampling so that every letter
 * is equally likely; each round draws exactly the letters still missing. */
static int new_client_id(residue_server *s, reply_ctx *rc, char id[UNMANAGED_ID_LEN + 1])
{
    size_t have = 0;
    int rounds = 0;
    while (have < UNMANAGED_ID_LEN) {
        uint8_t b[UNMANAGED_ID_LEN];
        size_t need = UNMANAGED_ID_LEN - have;
        int r = draw(s, rc, b, need);
        if (r < 0) {
            return r;
        }
        for (size_t i = 0; i < need; i++) {
            if (b[i] < 234u) { /* 234 = 9 * 26 */
                id[have++] = (char)('a' + b[i] % 26u);
            }
        }
        if (++rounds > 64) {
            return rp_error_set(rc->why, RP_E_CRYPTO, RP_LAYER_SESSION, SIZE_MAX,
                                "random generator keeps returning bytes >= 234");
        }
    }
    id[UNMANAGED_ID_LEN] = '\0';
    return 0;
}

static const residue_managed_client *find_managed(const residue_server *s, const char *id, size_t len)
{
    for (size_t i = 0; i < s->cfg.managed_count; i++) {
        const residue_managed_client *m = &s->cfg.managed_clients[i];
        if (strlen(m->client_id) == len && memcmp(m->client_id, id, len) == 0) {
            return m;
        }
    }
    return NULL;
}

/* The hello: {"status":0,"ack":0,"key":…,"client_id":…[,"token":…]}, RSA to the client. */
static int reply_hello(reply_ctx *rc, const residue_registry_entry *e, bool with_token)
{
    residue_hello h;
    residue_hello_init(&h);
    h.status = RESIDUE_RESPONSE_STATUS_OK;
    h.ack = RESIDUE_ACK_STATE_NOT_ACKNOWLEDGED;
    h.key.ptr = e->key.bytes;
    h.key.len = e->key.len;
    h.client_id.ptr = e->id;
    h.client_id.len = e->id_len;
    h.has_status = h.has_ack = h.has_key = h.has_client_id = true;
    if (with_token && e->has_token) {
        h.token.ptr = e->token;
        h.token.len = sizeof e->token;
        h.has_token = true;
    }
    char json[RESIDUE_HELLO_MAX_SIZE + 1];
    size_t n = 0;
    int r = residue_hello_encode(&h, json, sizeof json, &n, rc->why);
    if (r < 0) {
        return r;
    }
    snprintf(rc->detail, sizeof rc->detail, "client_id=%s key=<%u-bit, hidden>%s", e->id,
             (unsigned)(e->key.len * 8u), h.has_token ? " token=<present>" : "");
    /* The session moves on before the seal: a hello the client's key cannot hold goes out as
     * the real server's raw text instead, and the caller decides what becomes of the entry. */
    residue_client_entry before = *rc->m;
    r = residue_client_entry_send_hello(rc->m, rc->now, RESIDUE_ENVELOPE_RSA_TO_CLIENT, &h, NULL,
                                        NULL, rc->why);
    bool sealed = false;
    if (r == 0) {
        r = seal_rsa(rc, e->public_key, json, n, "HELLO", &sealed);
        if (r < 0) *rc->m = before; /* nothing was sent */
    }
    OPENSSL_cleanse(json, sizeof json);
    if (r == 0 && sealed) {
        rp_error_clear(rc->why);
    }
    return r;
}

static int log_reply(reply_ctx *rc, bool ok);

/* The reply to a request the session's machine refused (the generated code's RP_E_STATE, in
 * *refusal, before any residue logic ran): what the real server answers for it. A client the
 * registry does not hold (state unknown) gets §7's words: an ACK "Client with this ID does
 * not exists...", a TOUCH the logging port's standard {"r":1} (§6.1, as the real server
 * answers a plain TOUCH of an unknown client); every other refusal (a request in an envelope
 * the spec does not give it) the invalid-request reply, {"r":1} on the logging port. *why
 * then holds the refusal. */
static int reply_refused(reply_ctx *rc, const residue_any *req, const residue_client_entry *m,
                         const rp_error *refusal)
{
    bool unknown = residue_client_entry_current(m) == RESIDUE_CLIENT_ENTRY_STATE_UNKNOWN;
    int r;
    rc->m = NULL; /* a refused request starts no exchange of the session */
    if (rc->port == RESIDUE_PORT_LOGGING) {
        r = log_reply(rc, false);
    } else if (unknown && req->id == RESIDUE_MSG_ACKNOWLEDGEMENT) {
        r = reply_error(rc, TXT_ACK_UNKNOWN, SEAL_PLAIN, NULL, NULL);
    } else if (unknown && req->id == RESIDUE_MSG_TOUCH) {
        memcpy(rc->out, LOG_REPLY_BAD, sizeof LOG_REPLY_BAD - 1u);
        snprintf(rc->detail, sizeof rc->detail, "unknown client_id: %s", LOG_REPLY_BAD);
        rc->srv->stats.connect_errors++;
        r = finish_packet(rc, sizeof LOG_REPLY_BAD - 1u, "LOG-REPLY", "plain");
    } else {
        r = reply_invalid(rc);
    }
    if (r == 0) {
        rp_error_set(rc->why, RP_E_REJECTED, RP_LAYER_SESSION, SIZE_MAX, "%s", refusal->message);
    }
    return r;
}

/* Offers a decoded request to machine m at rc->now: 0 when its state takes the request (m has
 * moved on, and the reply belongs to m), else the status of the refusal's reply. */
static int offer(reply_ctx *rc, residue_client_entry *m, const residue_any *req, bool *refused)
{
    rp_error refusal;
    rp_error_clear(&refusal);
    *refused = false;
    int r = residue_client_entry_receive(m, rc->now, rc->env, req, NULL, NULL, &refusal);
    if (r == RP_E_STATE) {
        *refused = true;
        return reply_refused(rc, req, m, &refusal);
    }
    if (r < 0) {
        if (rc->why != NULL) *rc->why = refusal;
        return r;
    }
    rc->m = m;
    return 0;
}

/* A managed client's CONNECT while its entry exists (reference §2.3): the same key again
 * while it is alive; dead but not yet swept, a new key, the old one kept as backup until
 * the next sweep (§10.4 item 8). Age and date are not reset either way: the age timer goes
 * on to the same deadline. */
static int on_reconnect(residue_server *s, reply_ctx *rc, const residue_any *any, unsigned bits,
                        residue_registry_entry *e)
{
    bool alive = residue_registry_entry_advance(e, rc->now);
    residue_client_entry before = e->machine;
    bool refused;
    int r = offer(rc, &e->machine, any, &refused);
    if (r < 0 || refused) {
        return r;
    }
    if (!alive) {
        rp_aes_key fresh;
        if ((r = new_aes_key(s, rc, bits, &fresh)) < 0) {
            e->machine = before;
            return r;
        }
        e->backup_key = e->key;
        e->has_backup_key = true;
        e->key = fresh;
        rp_aes_key_wipe(&fresh);
    }
    residue_registry_entry_arm_age(e, rc->now);
    return reply_hello(rc, e, false);
}

/* Registers the client of a first CONNECT under id with the session *m (in state
 * connecting), a new key and a token; *out is the entry. On failure nothing is registered. */
static int register_client(residue_server *s, reply_ctx *rc, const char *id, size_t id_len,
                           unsigned bits, const residue_client_entry *m,
                           residue_registry_entry **out)
{
    residue_registry_entry *e = NULL;
    int r = residue_registry_add(&s->reg, id, id_len, &e, rc->why);
    if (r < 0) {
        return r;
    }
    source_attach(s, e, rc->now);
    e->machine = *m;
    e->age = s->cfg.non_acknowledged_client_age;
    e->date_created = rc->now;
    if ((r = new_aes_key(s, rc, bits, &e->key)) < 0 ||
        (r = draw(s, rc, e->token, sizeof e->token)) < 0) {
        residue_registry_remove(&s->reg, e);
        return r;
    }
    e->has_token = true;
    residue_registry_entry_arm_age(e, rc->now);
    rc->m = &e->machine;
    *out = e;
    return 0;
}

static int on_connect(residue_server *s, reply_ctx *rc, const residue_any *any)
{
    const residue_connect *req = &any->u.connect;
    rc->now = s->clock(s->clock_ctx);
    uint64_t now = rc->now;
    unsigned bits = s->cfg.default_key_size;
    if (req->has_key_size && req->key_size != 0) {
        bits = req->key_size;
    }
    const char *busy = source_check_rate(s, now);
    bool managed = req->has_client_id && req->client_id.len > 0;
    const residue_managed_client *m = NULL;
    if (managed && busy == NULL) {
        /* Managed (reference §2.3): the configured key wins over any rsa_public_key sent. */
        m = find_managed(s, req->client_id.ptr, req->client_id.len);
        if (m != NULL && !(req->has_key_size && req->key_size != 0) && m->key_size != 0) {
            bits = m->key_size;
        }
        residue_registry_entry *e = NULL;
        if (m != NULL) e = residue_registry_find(&s->reg, req->client_id.ptr, req->client_id.len);
        if (e != NULL) {
            return on_reconnect(s, rc, any, bits, e);
        }
    }
    /* Every other CONNECT is a client's first: a session of its own, which the registry
     * entry takes over once the client is registered (a refusal leaves it in unknown). */
    residue_client_entry fresh;
    residue_client_entry_init(&fresh);
    bool refused;
    int r = offer(rc, &fresh, any, &refused);
    if (r < 0 || refused) {
        return r;
    }
    if (busy != NULL) {
        return reply_error(rc, busy, SEAL_PLAIN, NULL, NULL);
    }
    residue_registry_entry *e = NULL;
    if (managed) {
        if (m == NULL) {
            return reply_error(rc, TXT_CLIENT_UNKNOWN, SEAL_PLAIN, NULL, NULL);
        }
        if ((busy = source_check_unacked(s, now)) != NULL) {
            return reply_error(rc, busy, SEAL_PLAIN, NULL, NULL);
        }
        if ((r = register_client(s, rc, req->client_id.ptr, req->client_id.len, bits, &fresh,
                                 &e)) < 0) {
            return r;
        }
        e->public_key = (rp_rsa_key *)m->public_key; /* borrowed, owns_public_key false */
        e->managed = true;
        return reply_hello(rc, e, true);
    }
    if (!(req->has_rsa_public_key && req->rsa_public_key.len > 0)) {
        /* Neither id nor key. (The real server registers a client and fails on the PEM
         * text "ERROR EMPTY B64 DECODE"; we answer the generic error instead.) */
        return reply_invalid(rc);
    }
    if (!s->cfg.allow_unmanaged_clients) {
        return reply_error(rc, TXT_UNMANAGED_NOT_ALLOWED, SEAL_PLAIN, NULL, NULL);
    }
    if ((busy = source_check_unacked(s, now)) != NULL) {
        return reply_error(rc, busy, SEAL_PLAIN, NULL, NULL);
    }
    rp_rsa_key *pub = NULL;
    rp_rsa_key_fault fault = RP_RSA_FAULT_NONE;
    /* Checked before anything else is done with it (docs/security.md, "Client keys"); a key
     * below 1024 bits is taken here and refused by seal_rsa with the real server's
     * "message length" text, before any RSA operation. */
    int kr = rp_rsa_key_load_public_checked((const char *)req->rsa_public_key.ptr,
                                            req->rsa_public_key.len, 0, &pub, &fault, rc->why);
    if (kr == RP_E_NOMEM) /* our failure, not the client's key: no reply (the caller closes) */
        return kr;
    if (kr < 0) {
        return reply_bad_key(rc, fault, (const char *)req->rsa_public_key.ptr,
                             req->rsa_public_key.len);
    }
    if (residue_registry_count(&s->reg) >= s->cfg.max_clients) {
        (void)residue_server_sweep(s);
        if (residue_registry_count(&s->reg) >= s->cfg.max_clients) {
            rp_rsa_key_free(pub);
            s->stats.clients_refused_full++;
            return reply_error(rc, TXT_REGISTRY_FULL, SEAL_PLAIN, NULL, NULL);
        }
    }
    char id[UNMANAGED_ID_LEN + 1];
    bool unique = false;
    for (int attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
        if ((r = new_client_id(s, rc, id)) < 0) {
            rp_rsa_key_free(pub);
            return r;
        }
        if (residue_registry_find(&s->reg, id, UNMANAGED_ID_LEN) == NULL) {
            unique = true;
            break;
        }
    }
    if (!unique) {
        snprintf(rc->detail, sizeof rc->detail, "%s", TXT_DUPLICATE_ID);
        r = reply_error(rc, TXT_DUPLICATE_ID, SEAL_RSA, NULL, pub);
        rp_rsa_key_free(pub);
        return r;
    }
    if ((r = register_client(s, rc, id, UNMANAGED_ID_LEN, bits, &fresh, &e)) < 0) {
        rp_rsa_key_free(pub);
        return r;
    }
    e->public_key = pub;
    e->owns_public_key = true;
    r = reply_hello(rc, e, true);
    if (r < 0 || (rc->why != NULL && rc->why->code != RP_OK)) {
        /* The hello could not be encrypted to this key: forget the client again. */
        residue_registry_remove(&s->reg, e);
    }
    return r;
}

/* The established reply (§5), AES with the client's current key. */
static int reply_established(reply_ctx *rc, const residue_registry_entry *e)
{
    residue_server *s = rc->srv;
    residue_established m;
    residue_established_init(&m);
    m.status = RESIDUE_RESPONSE_STATUS_OK;
    m.ack = RESIDUE_ACK_STATE_ACKNOWLEDGED;
    m.flags = s->flags;
    m.max_bulk_size = s->cfg.max_items_in_bulk;
    m.server_info.version = rp_str_from_cstr(s->cfg.server_version);
    m.server_info.has_version = true;
    m.has_server_info = true;
    m.key.ptr = e->key.bytes;
    m.key.len = e->key.len;
    m.client_id.ptr = e->id;
    m.client_id.len = e->id_len;
    if (e->has_token) {
        m.token.ptr = e->token;
        m.token.len = sizeof e->token;
        m.has_token = true;
    }
    m.logging_port = s->cfg.logging_port;
    m.has_status = m.has_ack = m.has_flags = m.has_max_bulk_size = true;
    m.has_key = m.has_client_id = m.has_logging_port = true;
    if (e->age != 0) { /* client_age 0 = never expires: both omitted (reference §5) */
        m.age = e->age;
        m.date_created = e->date_created;
        m.has_age = m.has_date_created = true;
    }
    char json[RESIDUE_ESTABLISHED_MAX_SIZE + 1];
    size_t n = 0;
    int r = residue_established_encode(&m, json, sizeof json, &n, rc->why);
    if (r < 0) {
        return r;
    }
    snprintf(rc->detail, sizeof rc->detail,
             "client_id=%s flags=%u max_bulk_size=%u logging_port=%u age=%u date_created=%llu",
             e->id, (unsigned)s->flags, (unsigned)s->cfg.max_items_in_bulk,
             (unsigned)s->cfg.logging_port, (unsigned)e->age,
             (unsigned long long)e->date_created);
    residue_client_entry before = *rc->m;
    r = residue_client_entry_send_established(rc->m, rc->now, RESIDUE_ENVELOPE_AES_TO_CLIENT, &m,
                                              NULL, NULL, rc->why);
    if (r == 0) {
        r = seal_aes(rc, &e->key, json, n, "ESTABLISHED");
        if (r < 0) *rc->m = before; /* nothing was sent */
    }
    OPENSSL_cleanse(json, sizeof json);
    return r;
}

/* The entry the JSON client_id of an ACK or TOUCH names (reference §10.4 item 10), with the
 * clock offered to its machine; NULL when the registry has none. */
static residue_registry_entry *named_entry(residue_server *s, reply_ctx *rc, const rp_str *id)
{
    rc->now = s->clock(s->clock_ctx);
    residue_registry_entry *e = residue_registry_find(&s->reg, id->ptr, id->len);
    if (e != NULL) {
        (void)residue_registry_entry_advance(e, rc->now);
    }
    return e;
}

static int on_ack(residue_server *s, reply_ctx *rc, const residue_any *any)
{
    residue_registry_entry *e = named_entry(s, rc, &any->u.acknowledgement.client_id);
    residue_client_entry none; /* a client the registry does not hold: state unknown */
    residue_client_entry_init(&none);
    bool refused;
    int r = offer(rc, e != NULL ? &e->machine : &none, any, &refused);
    if (r < 0 || refused) {
        return r;
    }
    if (e->acknowledged && !e->managed) {
        return reply_error(rc, TXT_REACK_UNMANAGED, SEAL_RSA, NULL, e->public_key);
    }
    if (!e->acknowledged) {
        source_detach(e);
    }
    /* Also a dead client, not yet swept: the real server does not look at the age here. */
    e->acknowledged = true;
    e->age = s->cfg.client_age;
    e->date_created = rc->now;
    residue_registry_entry_arm_age(e, rc->now);
    return reply_established(rc, e);
}

static int on_touch(residue_server *s, reply_ctx *rc, const residue_any *any)
{
    residue_registry_entry *e = named_entry(s, rc, &any->u.touch.client_id);
    residue_client_entry none;
    residue_client_entry_init(&none);
    bool refused;
    int r = offer(rc, e != NULL ? &e->machine : &none, any, &refused);
    if (r < 0 || refused) {
        return r;
    }
    if (!e->acknowledged) {
        return reply_error(rc, TXT_TOUCH_NOT_ACK, SEAL_AES, &e->key, NULL);
    }
    if (residue_client_entry_current(&e->machine) == RESIDUE_CLIENT_ENTRY_STATE_DEAD) {
        return reply_error(rc, TXT_TOUCH_DEAD, SEAL_AES, &e->key, NULL);
    }
    e->age = s->cfg.client_age;
    e->date_created = rc->now;
    residue_registry_entry_arm_age(e, rc->now);
    return reply_established(rc, e);
}

/* The id() part of a packet of `envelope`'s join shape, located by the envelope's join
 * description (separator and parts from residue_protocol): where it starts (NULL when the
 * text ends before it) and its length, 0 when it is empty or no separator ends it. Only for
 * packets the engine refused before it asked for a key (a bad IV, a missing separator, an
 * empty id): the real server looks the client up by this text first, so whether it names a
 * known client still decides the reply. Nothing is decrypted or decoded here. */
static const char *join_id(unsigned envelope, const char *t, size_t len, size_t *id_len)
{
    const rp_layer_desc *j = &residue_protocol.envelopes[envelope].layers[0];
    size_t pos = 0;
    *id_len = 0;
    for (size_t i = 0; i < j->part_count && pos <= len; i++) {
        size_t end = pos;
        if (j->parts[i].kind == RP_JOIN_IV_HEX) {
            end = pos + RP_ENVELOPE_IV_HEX_LEN;
        } else {
            while (end + j->sep_len <= len && memcmp(t + end, j->sep, j->sep_len) != 0) end++;
            if (end + j->sep_len > len) end = len; /* no separator after it */
        }
        if (j->parts[i].kind == RP_JOIN_ID) {
            if (pos > len) return NULL;
            if (end < len) *id_len = end - pos;
            return t + pos;
        }
        pos = end + j->sep_len;
    }
    return NULL;
}

/* Buffers for one envelope open: the server's two of max_log_size + 1 bytes when they are
 * large enough, else temporary ones (cleansed and freed by open_bufs_done). */
typedef struct open_bufs {
    char *out;
    uint8_t *work;
    size_t out_cap, work_cap;
    char *owned;    /* the temporary block, or NULL */
} open_bufs;

static int open_bufs_get(residue_server *s, size_t out_need, size_t work_need, open_bufs *b,
                         rp_error *why)
{
    size_t have = s->cfg.max_log_size + 1u;
    b->owned = NULL;
    if (out_need <= have && work_need <= have) {
        b->out = s->inflate_buf;
        b->work = s->open_work;
        b->out_cap = b->work_cap = have;
        return 0;
    }
    if (out_need < have) out_need = have;
    if (work_need < have) work_need = have;
    b->owned = malloc(out_need + work_need);
    if (b->owned == NULL) {
        /* the constant, not rp_error_set's result: gcc -O3 then sees b set on every 0 */
        (void)rp_error_set(why, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
        return RP_E_NOMEM;
    }
    b->out = b->owned;
    b->work = (uint8_t *)b->owned + out_need;
    b->out_cap = out_need;
    b->work_cap = work_need;
    return 0;
}

/* Cleanses the plaintext (out[0..used)) and frees a temporary block. The engine has already
 * cleansed whatever else of the plaintext it left in either buffer. */
static void open_bufs_done(open_bufs *b, size_t used)
{
    if (used > b->out_cap) used = b->out_cap;
    OPENSSL_cleanse(b->out, used);
    free(b->owned);
}

static size_t skip_ws(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) {
        i++;
    }
    return i;
}

/* Opens and decodes an AES request on the connect port into *any. Returns 1 when it
 * decoded, else the status of the reply it wrote (or of a local failure): the parser
 * message for an envelope naming an unknown client (§7), the generic invalid-request reply
 * for every failure to decrypt or decode (one reply: no padding oracle). */
static int open_request_aes(residue_server *srv, reply_ctx *rc, const char *text, size_t len,
                            residue_any *any, rp_arena *arena, bool *has_t)
{
    open_bufs b;
    int r = open_bufs_get(srv, len + 1u, 0, &b, rc->why);
    if (r < 0) {
        return r;
    }
    server_keys k = {.srv = srv};
    rp_envelope_ctx cx = {&residue_protocol, server_keys_fn, &k, NULL, NULL, 0};
    rp_envelope_opened res;
    /* join, base64 and aes all open in place: no work buffer */
    int o = rp_envelope_open(&cx, RESIDUE_ENVELOPE_AES_FROM_CLIENT, text, len, b.out, b.out_cap,
                             NULL, 0, &res, NULL, NULL);
    const char *id = k.id;
    bool unknown = o == RP_E_UNKNOWN_CLIENT;
    if (o < 0 && !k.asked) {
        /* Refused before any key was asked for: the client named decides, as above. */
        size_t id_len = 0;
        id = join_id(RESIDUE_ENVELOPE_AES_FROM_CLIENT, text, len, &id_len);
        unknown = id_len == 0 || residue_registry_find(&srv->reg, id, id_len) == NULL;
    }
    if (unknown) {
        open_bufs_done(&b, len + 1u);
        trace_emit(srv, false, "?", "aes", len + 4u, "envelope names an unknown client");
        return reply_error(rc, id != NULL ? parser_message(id, len - (size_t)(id - text))
                                          : TXT_PARSER_UNEXPECTED,
                           SEAL_PLAIN, NULL, NULL);
    }
    r = RP_E_DECRYPT;
    if (o == 0) {
        /* A wrong key yields valid PKCS#7 padding about once in 256 tries, so "decrypted" is
         * not enough: a key is taken when its plaintext also decodes as a request. When the
         * current key opened but the request does not decode, the backup key is tried. */
        rp_arena_reset(arena);
        r = decode_request(srv, b.out, res.len, any, arena, has_t, NULL);
        if (r < 0 && res.candidate[RESIDUE_KEY_SESSION] == 0 && k.entry != NULL &&
            k.entry->has_backup_key) {
            k.backup_only = true;
            if (rp_envelope_open(&cx, RESIDUE_ENVELOPE_AES_FROM_CLIENT, text, len, b.out,
                                 b.out_cap, NULL, 0, &res, NULL, NULL) == 0) {
                rp_arena_reset(arena);
                r = decode_request(srv, b.out, res.len, any, arena, has_t, NULL);
            }
        }
    }
    open_bufs_done(&b, len + 1u);
    if (r < 0) {
        /* One reply for every failure to decrypt or decode: no padding oracle. */
        trace_emit(srv, false, "?", "aes", len + 4u, "could not decrypt or decode");
        return reply_invalid(rc);
    }
    return 1;
}

int residue_server_handle_connect(residue_server *srv, const uint8_t *pkt, size_t len, uint8_t *reply,
                             size_t cap, size_t *reply_len, rp_error *why)
{
    return residue_server_handle_connect_ex(srv, NULL, pkt, len, reply, cap, reply_len, why);
}

static int handle_connect_packet(residue_server *srv, residue_connect_call *call, const uint8_t *pkt,
                                 size_t len, uint8_t *reply, size_t cap, size_t *reply_len,
                                 rp_error *why);

int residue_server_handle_connect_ex(residue_server *srv, residue_connect_call *call,
                                     const uint8_t *pkt, size_t len, uint8_t *reply, size_t cap,
                                     size_t *reply_len, rp_error *why)
{
    if (call != NULL) {
        call->rsa_used = false;
        call->deferred = false;
    }
    if (srv == NULL) {
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX, "server is NULL");
    }
    srv->call = call;
    int r = handle_connect_packet(srv, call, pkt, len, reply, cap, reply_len, why);
    srv->call = NULL;
    return r;
}

static int handle_connect_packet(residue_server *srv, residue_connect_call *call, const uint8_t *pkt,
                                 size_t len, uint8_t *reply, size_t cap, size_t *reply_len,
                                 rp_error *why)
{
    if (srv == NULL || (pkt == NULL && len > 0) || reply == NULL || reply_len == NULL) {
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "server, reply and reply_len must not be NULL");
    }
    rp_error_clear(why);
    *reply_len = 0;
    srv->stats.connect_packets++;
    const char *text = (const char *)pkt;
    if (text == NULL) {
        text = "";
    }
    reply_ctx rc = {srv, reply, cap, reply_len, why, RESIDUE_PORT_CONNECT, "?", "raw-text", len + 4u,
                    {0}, RESIDUE_ENVELOPE_PLAIN, NULL, 0};
    rp_arena arena;
    rp_arena_init(&arena, srv->connect_arena, CONNECT_ARENA_SIZE);
    residue_any *any = srv->any;
    bool has_t = false;
    bool plain = false;
    int r;

    /* What a client may send here (plain, rsa_to_server, aes_from_client), told apart by
     * shape as the real server does (§2.2): an AES envelope is "first ':' at offset 32". */
    uint32_t mask = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_CONNECT,
                                          RESIDUE_PEER_CLIENT);
    uint32_t shape = rp_envelope_classify(&residue_protocol, mask, text, len);
    if (shape & RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_AES_FROM_CLIENT)) {
        rc.req_envelope = "aes";
        rc.env = RESIDUE_ENVELOPE_AES_FROM_CLIENT;
        r = open_request_aes(srv, &rc, text, len, any, &arena, &has_t);
        if (r != 1) {
            return r; /* answered (or failed locally) */
        }
        r = 0;
    } else {
        size_t ws = skip_ws(text, len);
        r = RP_E_SCHEMA_MESSAGE;
        if (ws < len && text[ws] == '{') {
            /* The plain envelope is the json layer alone: its plaintext is the packet. */
            r = decode_request(srv, text, len, any, &arena, &has_t, NULL);
            plain = r == 0;
            rc.req_envelope = "plain";
        }
        if (r < 0 && srv->cfg.server_private_key != NULL && len > 0 && call != NULL &&
            call->rsa_deferred) {
            /* The caller's RSA budget is spent: leave the packet for later, uncounted. */
            srv->stats.connect_packets--;
            call->deferred = true;
            return 0;
        }
        if (r < 0 && srv->cfg.server_private_key != NULL && len > 0) {
            /* Step 3 of §2.2: anything that did not validate as plain is tried as RSA. */
            srv->stats.rsa_attempts++;
            if (call != NULL) call->rsa_used = true;
            /* The base64 text is decoded into the work buffer, the block decrypted into out. */
            size_t rmax = rp_rsa_max_plaintext(srv->cfg.server_private_key);
            open_bufs b;
            int br = open_bufs_get(srv, rmax + 1u, len + 1u, &b, why);
            if (br < 0) {
                return br;
            }
            server_keys k = {.srv = srv};
            rp_envelope_ctx cx = {&residue_protocol, server_keys_fn, &k, NULL, NULL, 0};
            rp_envelope_opened res;
            rp_arena_reset(&arena);
            int opened = rp_envelope_open(&cx, RESIDUE_ENVELOPE_RSA_TO_SERVER, text, len, b.out,
                                          b.out_cap, b.work, b.work_cap, &res, NULL, NULL);
            if (opened == 0) {
                r = decode_request(srv, b.out, res.len, any, &arena, &has_t, NULL);
                if (r == 0) {
                    rc.req_envelope = "rsa";
                    rc.env = RESIDUE_ENVELOPE_RSA_TO_SERVER;
                }
            }
            open_bufs_done(&b, rmax + 1u);
            if (opened == RP_E_NOMEM || opened == RP_E_CRYPTO) {
                /* ours, not the client's: no "invalid request" reply blames it */
                return rp_error_set(why, (rp_status)opened, RP_LAYER_SESSION, SIZE_MAX, "%s",
                                    opened == RP_E_NOMEM ? "out of memory opening an RSA request"
                                                         : "OpenSSL failed opening an RSA request");
            }
        }
    }
    if (r < 0) {
        trace_emit(srv, false, "?", rc.req_envelope, len + 4u, "not a valid request");
        return reply_invalid(&rc);
    }
    uint64_t t = 0;
    const char *name = "?";
    switch (any->id) {
    case RESIDUE_MSG_CONNECT: t = any->u.connect.timestamp; name = "CONNECT"; break;
    case RESIDUE_MSG_ACKNOWLEDGEMENT: t = any->u.acknowledgement.timestamp; name = "ACK"; break;
    case RESIDUE_MSG_TOUCH: t = any->u.touch.timestamp; name = "TOUCH"; break;
    default:
        trace_emit(srv, false, "?", rc.req_envelope, len + 4u, "not a connect-port request");
        return reply_invalid(&rc);
    }
    {
        char d[96];
        snprintf(d, sizeof d, "_t=%llu", (unsigned long long)t);
        trace_emit(srv, false, name, rc.req_envelope, len + 4u, d);
    }
    if (!timestamp_ok(srv, t, has_t)) {
        return reply_invalid(&rc);
    }
    if (plain && !srv->cfg.allow_insecure_connection) {
        return reply_error(&rc, TXT_PLAIN_NOT_ALLOWED, SEAL_PLAIN, NULL, NULL);
    }
    switch (any->id) {
    case RESIDUE_MSG_CONNECT: return on_connect(srv, &rc, any);
    case RESIDUE_MSG_ACKNOWLEDGEMENT: return on_ack(srv, &rc, any);
    default: return on_touch(srv, &rc, any);
    }
}

/* ---- logging port ------------------------------------------------------------------------ */

/* Decodes one log object and checks its `_t`; 0 when it is acceptable. */
static int decode_log(residue_server *s, const char *json, size_t len, residue_log_request *out,
                      rp_arena *arena, rp_error *err)
{
    rp_error e;
    rp_error_clear(&e);
    bool has_t = true;
    rp_arena_reset(arena);
    int rc = residue_log_request_decode(json, len, out, arena, request_profile(s), &e);
    if (rc < 0) {
        if (err != NULL) *err = e;
        return rc;
    }
    fill_timestamp(s, &out->has_timestamp, &out->timestamp, &has_t);
    if (!timestamp_ok(s, out->timestamp, has_t)) {
        return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX,
                            "_t %llu is outside the window of %u s",
                            (unsigned long long)out->timestamp, s->cfg.timestamp_validity);
    }
    if (out->msg.len > s->cfg.max_log_line_size) {
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                            "msg of %zu bytes is longer than max_log_line_size (%zu)",
                            out->msg.len, s->cfg.max_log_line_size);
    }
    return 0;
}

static int log_reply(reply_ctx *rc, bool ok)
{
    const char *txt = ok ? LOG_REPLY_OK : LOG_REPLY_BAD;
    size_t n = strlen(txt);
    if (n + RESIDUE_SESSION_DELIM_LEN > rc->cap) {
        return rp_error_set(rc->why, RP_E_OVERFLOW, RP_LAYER_SESSION, SIZE_MAX,
                            "reply buffer too small");
    }
    if (rc->m != NULL) {
        residue_log_reply msg = {ok ? RESIDUE_LOG_STATUS_ACCEPTED : RESIDUE_LOG_STATUS_BAD_REQUEST,
                                 true};
        int r = residue_client_entry_send_log_reply(rc->m, rc->now, RESIDUE_ENVELOPE_PLAIN, &msg,
                                                    NULL, NULL, rc->why);
        if (r < 0) {
            return r;
        }
    }
    /* The text of msg, always one of these two (no encoder needed). */
    memcpy(rc->out, txt, n);
    snprintf(rc->detail, sizeof rc->detail, "%s", txt);
    if (!ok) {
        rc->srv->stats.log_rejected++;
        if (rc->why != NULL && rc->why->code == RP_OK) {
            rp_error_set(rc->why, RP_E_REJECTED, RP_LAYER_SESSION, SIZE_MAX, "log rejected");
        }
    }
    return finish_packet(rc, n, "LOG-REPLY", "plain");
}

/* The records of one log packet on their way to the caller's store. */
typedef struct store_run {
    const residue_log_store *store;   /* NULL: records are dropped */
    size_t offered;
    bool failed;
} store_run;

static void store_offer(store_run *sr, const char *client_id, const residue_log_request *rec)
{
    if (sr->store == NULL || sr->store->record == NULL || sr->failed) return;
    sr->offered++;
    if (sr->store->record(sr->store->ctx, client_id, rec) < 0) sr->failed = true;
}

/* Offers an accepted record to the store unless a logger rule drops it (it is still
 * answered {"r":0}, as by the real server, whose queue processor drops it later). */
static void deliver(residue_server *s, bool managed_client, const char *client_id,
                    const residue_log_request *rec, store_run *sr)
{
    const char *why = NULL;
    if (!logger_allowed(s, managed_client, rec, &why)) {
        s->stats.log_dropped_logger++;
        char d[160];
        snprintf(d, sizeof d, "dropped, logger \"%.*s\": %s",
                 rec->has_logger ? (int)(rec->logger.len > 64 ? 64 : rec->logger.len) : 7,
                 rec->has_logger && rec->logger.ptr != NULL ? rec->logger.ptr : LOGGER_DEFAULT, why);
        if (s->trace != NULL) {
            residue_trace ev = {false, "LOG", "aes", 0, d};
            s->trace(s->trace_ctx, &ev);
        }
        return;
    }
    s->stats.log_records++;
    store_offer(sr, client_id, rec);
}

/* Ends the packet's records; true when the store holds all of them (or there were none). */
static bool store_finish(residue_server *s, reply_ctx *rc, store_run *sr)
{
    if (sr->offered == 0) return true;
    if (sr->store->end != NULL && sr->store->end(sr->store->ctx, !sr->failed) < 0) {
        sr->failed = true;
    }
    if (sr->failed) {
        s->stats.log_store_failed++;
        rp_error_set(rc->why, RP_E_IO, RP_LAYER_SESSION, SIZE_MAX,
                     "the log store did not take the packet's records");
    }
    return !sr->failed;
}

/* Offers a log request (decoded in srv->any) or a bulk to the entry's machine, as offer. */
static int offer_log(reply_ctx *rc, residue_message_id id, bool *refused)
{
    residue_any *any = rc->srv->any;
    any->id = id;
    if (id == RESIDUE_MSG_LOG_BULK) {
        /* The server decodes a bulk item by item (handle_bulk: an invalid item is skipped,
         * not the bulk refused); the machine looks at the message, not its items. */
        any->u.log_bulk.count = 0;
    }
    return offer(rc, rc->m, any, refused);
}

/* A decoding failure that is our size limit (max_log_line_size, or a record too large for
 * the arena sized from it), not a rule of the real server. */
static bool over_line_limit(int rc)
{
    return rc == RP_E_LIMIT || rc == RP_E_OVERFLOW;
}

/* Reports a bulk item that is not stored (-v): its index (from 0) and why. */
static void trace_bulk_item(residue_server *s, size_t index, const char *what, const rp_error *e)
{
    if (s->trace == NULL) return;
    char d[256];
    snprintf(d, sizeof d, "item %zu %s: %s", index, what,
             e != NULL && e->message[0] != '\0' ? e->message : "invalid");
    trace_emit(s, false, "LOG-BULK", "aes", 0, d);
}

/* Refuses a bulk whole because of item index (over max_log_line_size): {"r":1}. */
static int refuse_bulk(residue_server *s, reply_ctx *rc, size_t index, const rp_error *e)
{
    s->stats.bulk_refused_too_long++;
    trace_bulk_item(s, index, "over the size limit, the bulk refused whole", e);
    if (rc->why != NULL) {
        rp_error_set(rc->why, e->code, RP_LAYER_SESSION, SIZE_MAX,
                     "bulk item %zu: %s; nothing of the bulk stored", index, e->message);
    }
    return log_reply(rc, false);
}

/* A bulk: every element is decoded and validated alone; at most max_items_in_bulk are
 * looked at. The array as a whole only has to be well-formed JSON (the real server answers
 * {"r":0} to any array, §6.2); items past max_items_in_bulk are ignored and invalid ones
 * skipped, as by the real server (counted: bulk_items_ignored, bulk_items_invalid). One
 * exception, for our own limit: an item over max_log_line_size refuses the whole bulk,
 * {"r":1}, and nothing of it is stored (a sender that gets {"r":0} takes every item as
 * stored). The records are offered as they are decoded and dropped with end(false) when
 * such an item follows; a store without end() cannot drop them, so for it the items are
 * first decoded once only to look for one over the limit. */
static int handle_bulk(residue_server *s, reply_ctx *rc, const char *json, size_t len, bool alive,
                       bool managed_client, const char *client_id, store_run *sr)
{
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, json, len, RESIDUE_WIRE_JSON_FLAGS);
    rp_error e;
    if (rp_json_expect_array_begin(&sc, &e) < 0) {
        if (rc->why) *rc->why = e;
        return log_reply(rc, false);
    }
    /* First pass: well-formedness of the whole array. */
    size_t count = 0;
    for (;;) {
        bool done = false;
        if (rp_json_next_element(&sc, &done, &e) < 0) {
            if (rc->why) *rc->why = e;
            return log_reply(rc, false);
        }
        if (done) break;
        if (rp_json_skip_value(&sc, &e) < 0) {
            if (rc->why) *rc->why = e;
            return log_reply(rc, false);
        }
        count++;
    }
    bool refused;
    int r = offer_log(rc, RESIDUE_MSG_LOG_BULK, &refused);
    if (r < 0 || refused) {
        return r;
    }
    if (!alive) {
        s->stats.log_dropped_dead++;
        trace_emit(s, false, "LOG-BULK", "aes", 0, "dropped: the client is dead");
        return log_reply(rc, true);
    }
    if (!s->cfg.allow_bulk_log_request) {
        s->stats.bulk_dropped_disabled++;
        trace_emit(s, false, "LOG-BULK", "aes", 0,
                   "dropped: allow_bulk_log_request is false (answered {\"r\":0}, as by the real server)");
        return log_reply(rc, true);
    }
    size_t looked = count < s->cfg.max_items_in_bulk ? count : s->cfg.max_items_in_bulk;
    rp_arena arena;
    rp_arena_init(&arena, s->log_arena, s->log_arena_size);
    bool can_drop = sr->store == NULL || sr->store->record == NULL || sr->store->end != NULL;
    residue_log_request rec;
    for (int pass = can_drop ? 1 : 0; pass < 2; pass++) {
        /* pass 0: only looking for an item over the limit; pass 1: offering the records */
        residue_server_stats before = s->stats;
        rp_json_scanner_init(&sc, json, len, RESIDUE_WIRE_JSON_FLAGS);
        if (rp_json_expect_array_begin(&sc, NULL) < 0) {
            return log_reply(rc, false);
        }
        for (size_t i = 0; i < looked; i++) {
            bool done = false;
            if (rp_json_next_element(&sc, &done, NULL) < 0 || done) break;
            size_t start = rp_json_offset(&sc);
            if (rp_json_skip_value(&sc, NULL) < 0) break;
            size_t end = rp_json_offset(&sc);
            rp_error_clear(&e);
            int d = decode_log(s, json + start, end - start, &rec, &arena, &e);
            if (d != 0 && over_line_limit(d)) {
                if (pass == 1 && sr->offered > 0) {
                    /* the staged records of this bulk are dropped, and their counts */
                    if (sr->store->end != NULL) (void)sr->store->end(sr->store->ctx, false);
                    sr->offered = 0;
                    sr->failed = false;
                }
                if (pass == 1) s->stats = before;
                return refuse_bulk(s, rc, i, &e);
            }
            if (pass == 0) continue;
            if (d != 0) {
                s->stats.bulk_items_invalid++;
                trace_bulk_item(s, i, "skipped (answered {\"r\":0}, as by the real server)", &e);
                continue;
            }
            /* Each item alone (the real server skips the logger rules for the items after
             * one that passed; a known difference, docs/security.md). */
            deliver(s, managed_client, client_id, &rec, sr);
        }
    }
    if (count > looked) {
        s->stats.bulk_items_ignored += count - looked;
        char d[160];
        snprintf(d, sizeof d, "%zu item(s) past max_items_in_bulk (%zu) ignored",
                 count - looked, (size_t)s->cfg.max_items_in_bulk);
        trace_emit(s, false, "LOG-BULK", "aes", 0, d);
    }
    return log_reply(rc, store_finish(s, rc, sr));
}

/* The store behind residue_server_handle_log: a sink that cannot fail. */
typedef struct sink_store {
    residue_log_sink_fn sink;
    void *ctx;
} sink_store;

static int sink_store_record(void *ctx, const char *client_id, const residue_log_request *log)
{
    const sink_store *ss = ctx;
    ss->sink(ss->ctx, client_id, log);
    return 0;
}

int residue_server_handle_log(residue_server *srv, const uint8_t *pkt, size_t len, residue_log_sink_fn sink,
                         void *sink_ctx, uint8_t *reply, size_t cap, size_t *reply_len,
                         rp_error *why)
{
    sink_store ss = {sink, sink_ctx};
    residue_log_store store = {sink_store_record, NULL, &ss};
    return residue_server_handle_log_store(srv, pkt, len, sink != NULL ? &store : NULL, reply,
                                           cap, reply_len, why);
}

int residue_server_handle_log_store(residue_server *srv, const uint8_t *pkt, size_t len,
                                    const residue_log_store *store, uint8_t *reply, size_t cap,
                                    size_t *reply_len, rp_error *why)
{
    store_run sr = {store, 0, false};
    if (srv == NULL || (pkt == NULL && len > 0) || reply == NULL || reply_len == NULL) {
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "server, reply and reply_len must not be NULL");
    }
    rp_error_clear(why);
    *reply_len = 0;
    srv->stats.log_packets++;
    const char *text = pkt == NULL ? "" : (const char *)pkt;
    reply_ctx rc = {srv, reply, cap, reply_len, why, RESIDUE_PORT_LOGGING, "LOG", "aes", len + 4u,
                    {0}, RESIDUE_ENVELOPE_AES_FROM_CLIENT, NULL, 0};

    /* aes_from_client, and aes_zlib_from_client when the server allows compression: both
     * are one join shape; after AES, JSON text is the plain log and anything else is tried
     * as base64 + zlib (reference §6.2). The current key, then the backup key: a key is taken
     * when its plaintext (inflated if it inflates) starts like JSON. */
    uint32_t mask = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_LOGGING,
                                          RESIDUE_PEER_CLIENT);
    if (!srv->cfg.compression) {
        mask &= ~RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT);
    }
    /* Inflation is bounded by the plaintext buffer: max_log_size, so a zip bomb costs at
     * most that much; a packet longer than that gets a buffer of its own length and an
     * inflated text beyond max_log_size is refused after the fact. */
    open_bufs b;
    int br = open_bufs_get(srv, len + 1u, len + 1u, &b, why);
    if (br < 0) {
        return br;
    }
    server_keys k = {.srv = srv};
    rp_envelope_ctx cx = {&residue_protocol, server_keys_fn, &k, NULL, NULL, 0};
    rp_envelope_opened res;
    int o = rp_envelope_open_any(&cx, mask, text, len, b.out, b.out_cap, b.work, b.work_cap, &res,
                                 NULL, NULL);
    bool zlib = o == 0 && res.envelope == RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT;
    if (zlib && res.len > srv->cfg.max_log_size) {
        o = RP_E_ZLIB_BOUND;
    }
    if (o < 0) {
        open_bufs_done(&b, o == RP_E_ZLIB_BOUND ? res.len + 1u : 0);
        if (o == RP_E_ENVELOPE) {
            trace_emit(srv, false, "LOG", "plain", len + 4u, "not an AES envelope");
            rp_error_set(why, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, SIZE_MAX, "not an AES envelope");
        } else if (o == RP_E_UNKNOWN_CLIENT) {
            trace_emit(srv, false, "LOG", "aes", len + 4u, "unknown client");
            rp_error_set(why, RP_E_UNKNOWN_CLIENT, RP_LAYER_SESSION, SIZE_MAX, "unknown client");
        } else if (!k.asked) {
            /* refused before a key was asked for: the IV, the separators or the id */
            trace_emit(srv, false, "LOG", "aes", len + 4u, "malformed envelope");
            rp_error_set(why, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, SIZE_MAX, "malformed envelope");
        } else {
            trace_emit(srv, false, "LOG", "aes", len + 4u, "could not decrypt, or not JSON");
            rp_error_set(why, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX, RP_DECRYPT_PUBLIC_MESSAGE);
        }
        return log_reply(&rc, false);
    }
    residue_registry_entry *e = k.entry;
    char client_id[RESIDUE_CLIENT_ID_MAX + 1];
    memcpy(client_id, e->id, e->id_len + 1u);
    const char *json = b.out;
    size_t json_len = res.len;
    const char *env_name = zlib ? "aes+zlib" : "aes";
    rc.now = srv->clock(srv->clock_ctx);
    rc.env = (residue_envelope)res.envelope;
    rc.m = &e->machine;
    bool alive = residue_registry_entry_advance(e, rc.now);
    size_t ws = skip_ws(json, json_len);
    int r;
    if (ws < json_len && json[ws] == '[') {
        trace_emit(srv, false, "LOG-BULK", env_name, len + 4u, client_id);
        r = handle_bulk(srv, &rc, json, json_len, alive, e->managed, client_id, &sr);
    } else {
        trace_emit(srv, false, "LOG", env_name, len + 4u, client_id);
        rp_arena arena;
        rp_arena_init(&arena, srv->log_arena, srv->log_arena_size);
        residue_log_request *rec = &srv->any->u.log_request;
        bool refused = false;
        rp_error de;
        rp_error_clear(&de);
        int d = decode_log(srv, json, json_len, rec, &arena, &de);
        if (d != 0) {
            /* said with -v and counted, as a bulk's item is (the sender may ignore replies) */
            if (over_line_limit(d)) srv->stats.log_refused_too_long++;
            if (srv->trace != NULL) {
                char t[RP_ERROR_MESSAGE_MAX + 16];
                snprintf(t, sizeof t, "refused: %s", de.message[0] != '\0' ? de.message : "invalid");
                trace_emit(srv, false, "LOG", env_name, len + 4u, t);
            }
            if (why != NULL) *why = de;
            r = log_reply(&rc, false);
        } else if ((r = offer_log(&rc, RESIDUE_MSG_LOG_REQUEST, &refused)) < 0 || refused) {
            /* answered (or failed locally) */
        } else {
            if (alive) {
                deliver(srv, e->managed, client_id, rec, &sr);
            } else {
                /* Like the real server: accepted, then dropped for a dead client. */
                srv->stats.log_dropped_dead++;
            }
            r = log_reply(&rc, store_finish(srv, &rc, &sr));
        }
    }
    open_bufs_done(&b, json_len + 1u);
    return r;
}
