/* residue_client: the residue client session (protocol reference §2-§6, §8), run on the
 * generated session machine residue_client_session (spec/residue.rproto, machine
 * ClientSession; generated/residue_machines.h):
 *
 *   disconnected --send Connect--> awaiting_hello --receive Hello--> hello_received
 *   --send Acknowledgement--> awaiting_established --receive Established--> established
 *   --timer touch--> touch_due --send Touch--> awaiting_touch --receive Established--> ...
 *
 * Every message sent is offered to the machine (residue_client_session_send_<msg>) before
 * it is sealed, every message received (residue_client_session_receive) once decoded: one
 * the current state does not take is refused there (RP_E_STATE naming state and message)
 * before any residue code runs. What stays here is residue policy: which keys and ids a
 * hello must carry, the touch point, the error texts, and that a reply the session cannot
 * use ends the attempt (the machine starts over in disconnected).
 *
 * Messages are encoded and decoded with the generated residue_* codecs only; envelopes are
 * classified, opened and sealed by the generic engine (rp_envelope.h) with the spec's tables
 * (residue_protocol), and packets framed with the spec's port framing.
 */
#include "residue_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "rp_codec.h"
#include "rp_envelope.h"
#include "rp_frame.h"
#include "residue_machines.h"
#include "residue_profiles.h"
#include "residue_registry.h"
#include "residue_transport.h"

#define PEM_MAX 4096u
#define REPLY_ARENA_SIZE 4096u
/* Seal work buffers up to this size live on the stack (CONNECT, ACK, TOUCH). */
#define SEAL_WORK_STACK 4096u

struct residue_client {
    residue_client_config cfg;
    char managed_id[RESIDUE_CLIENT_ID_MAX + 1];
    bool managed;
    rp_rsa_key *generated_key;      /* owned when we generated the pair */
    const rp_rsa_key *private_key;  /* the key hellos are decrypted with */
    char pem[PEM_MAX];              /* our public key PEM (unmanaged CONNECT) */
    size_t pem_len;
    rp_clock_fn clock;
    void *clock_ctx;
    rp_random_fn rng;
    void *rng_ctx;
    residue_trace_fn trace;
    void *trace_ctx;
    residue_client_session m;       /* the session's state, keys and touch timer */
    bool connected_once;            /* a CONNECT went out: disconnected is not NEW any more */
    char id[RESIDUE_CLIENT_ID_MAX + 1];
    size_t id_len;
    rp_aes_key key;                 /* the session key while m has it */
    uint32_t flags;
    uint32_t max_bulk_size;
    uint16_t logging_port;
    uint32_t age;
    uint64_t date_created;
    bool has_age;
    bool no_compression;
    residue_any *any;               /* one decoded reply (~100 KB union: not on the stack) */
    uint8_t *log_work;              /* the engine's work buffer for log packets, grown on use */
    size_t log_work_cap;
};

static void trace_emit(residue_client *cl, bool outgoing, const char *message, const char *envelope,
                       size_t size, const char *detail)
{
    if (cl->trace == NULL) {
        return;
    }
    residue_trace ev = {outgoing, message, envelope, size, detail != NULL ? detail : ""};
    cl->trace(cl->trace_ctx, &ev);
}

int residue_client_create(const residue_client_config *cfg, rp_clock_fn clock, void *clock_ctx,
                     rp_random_fn rng, void *rng_ctx, residue_client **out, rp_error *err)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (cfg == NULL || out == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "config and out must not be NULL");
    }
    if (cfg->key_size != 0 && cfg->key_size != 128 && cfg->key_size != 192 &&
        cfg->key_size != 256) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "key_size %u is not 128, 192 or 256", (unsigned)cfg->key_size);
    }
    size_t id_len = cfg->client_id == NULL ? 0 : strlen(cfg->client_id);
    if (cfg->client_id != NULL && (id_len == 0 || id_len > RESIDUE_CLIENT_ID_MAX)) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client id must have 1..%u characters", RESIDUE_CLIENT_ID_MAX);
    }
    if (cfg->client_id != NULL && cfg->client_key == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "a managed client (client id %.64s) needs its private key",
                            cfg->client_id);
    }
    if (cfg->client_key != NULL && !rp_rsa_key_is_private(cfg->client_key)) {
        return rp_error_set(err, RP_E_KEY, RP_LAYER_SESSION, SIZE_MAX,
                            "the client key must be a private key (it decrypts the hello)");
    }
    residue_client *cl = calloc(1, sizeof *cl);
    if (cl == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    cl->cfg = *cfg;
    cl->clock = clock != NULL ? clock : rp_clock_system;
    cl->clock_ctx = clock != NULL ? clock_ctx : NULL;
    cl->rng = rng != NULL ? rng : rp_random_system;
    cl->rng_ctx = rng != NULL ? rng_ctx : NULL;
    if (cfg->client_id != NULL) {
        memcpy(cl->managed_id, cfg->client_id, id_len + 1u);
        cl->managed = true;
    }
    cl->private_key = cfg->client_key;
    int rc = 0;
    cl->any = malloc(sizeof *cl->any);
    if (cl->any == NULL) {
        rc = rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    if (rc == 0 && cl->private_key == NULL) {
        unsigned bits = cfg->generated_key_bits != 0 ? cfg->generated_key_bits : 2048u;
        rc = rp_rsa_key_generate(bits, &cl->generated_key, err);
        cl->private_key = cl->generated_key;
    }
    if (rc == 0 && !cl->managed) {
        rc = rp_rsa_key_public_pem(cl->private_key, cl->pem, sizeof cl->pem, &cl->pem_len, err);
    }
    if (rc < 0) {
        residue_client_free(cl);
        return rc;
    }
    residue_client_session_init(&cl->m);
    *out = cl;
    return 0;
}

void residue_client_free(residue_client *cl)
{
    if (cl == NULL) {
        return;
    }
    rp_rsa_key_free(cl->generated_key);
    if (cl->any != NULL) {
        OPENSSL_cleanse(cl->any, sizeof *cl->any); /* may hold a decoded session key */
    }
    free(cl->any);
    if (cl->log_work != NULL) {
        OPENSSL_cleanse(cl->log_work, cl->log_work_cap);
    }
    free(cl->log_work);
    OPENSSL_cleanse(cl, sizeof *cl);
    free(cl);
}

void residue_client_set_trace(residue_client *cl, residue_trace_fn fn, void *ctx)
{
    if (cl != NULL) {
        cl->trace = fn;
        cl->trace_ctx = ctx;
    }
}

static bool has_session_key(const residue_client *cl)
{
    return residue_client_session_has_key(&cl->m, RESIDUE_KEY_SESSION);
}

/* The public state is a view of the machine's: touch_due is still established, the
 * transient hello_received (the ACK goes out in the same call) still awaits the hello. */
residue_client_state residue_client_get_state(const residue_client *cl)
{
    if (cl == NULL) {
        return RESIDUE_CLIENT_DISCONNECTED;
    }
    switch (residue_client_session_current(&cl->m)) {
    case RESIDUE_CLIENT_SESSION_STATE_DISCONNECTED:
        return cl->connected_once ? RESIDUE_CLIENT_DISCONNECTED : RESIDUE_CLIENT_NEW;
    case RESIDUE_CLIENT_SESSION_STATE_AWAITING_HELLO:
    case RESIDUE_CLIENT_SESSION_STATE_HELLO_RECEIVED:
        return RESIDUE_CLIENT_AWAIT_HELLO;
    case RESIDUE_CLIENT_SESSION_STATE_AWAITING_ESTABLISHED:
        return RESIDUE_CLIENT_AWAIT_ESTABLISHED;
    case RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED:
    case RESIDUE_CLIENT_SESSION_STATE_TOUCH_DUE:
        return RESIDUE_CLIENT_ESTABLISHED;
    case RESIDUE_CLIENT_SESSION_STATE_AWAITING_TOUCH:
        return RESIDUE_CLIENT_AWAIT_TOUCH;
    }
    return RESIDUE_CLIENT_DISCONNECTED;
}

const struct residue_client_session *residue_client_machine(const residue_client *cl)
{
    return cl == NULL ? NULL : &cl->m;
}

residue_client_action residue_client_next_action(residue_client *cl)
{
    if (cl == NULL) {
        return RESIDUE_CLIENT_ACTION_NONE;
    }
    uint64_t now = cl->clock(cl->clock_ctx);
    /* The touch timer runs out here (established -> touch_due). */
    if (residue_client_session_tick(&cl->m, now, NULL, NULL, NULL, NULL) < 0) {
        return RESIDUE_CLIENT_ACTION_NONE;
    }
    switch (residue_client_get_state(cl)) {
    case RESIDUE_CLIENT_NEW:
    case RESIDUE_CLIENT_DISCONNECTED:
        return RESIDUE_CLIENT_ACTION_CONNECT;
    case RESIDUE_CLIENT_AWAIT_HELLO:
    case RESIDUE_CLIENT_AWAIT_ESTABLISHED:
    case RESIDUE_CLIENT_AWAIT_TOUCH:
        return RESIDUE_CLIENT_ACTION_WAIT;
    case RESIDUE_CLIENT_ESTABLISHED:
        break;
    }
    if (cl->has_age && cl->age != 0 && cl->date_created + cl->age < now) {
        return RESIDUE_CLIENT_ACTION_CONNECT; /* dead: a TOUCH would be refused */
    }
    return residue_client_session_current(&cl->m) == RESIDUE_CLIENT_SESSION_STATE_TOUCH_DUE
               ? RESIDUE_CLIENT_ACTION_TOUCH
               : RESIDUE_CLIENT_ACTION_NONE;
}

const char *residue_client_id(const residue_client *cl) { return cl == NULL ? "" : cl->id; }
uint32_t residue_client_flags(const residue_client *cl) { return cl == NULL ? 0 : cl->flags; }
uint32_t residue_client_max_bulk_size(const residue_client *cl) { return cl == NULL ? 0 : cl->max_bulk_size; }
uint16_t residue_client_logging_port(const residue_client *cl) { return cl == NULL ? 0 : cl->logging_port; }
uint32_t residue_client_age(const residue_client *cl) { return cl == NULL ? 0 : cl->age; }
uint64_t residue_client_date_created(const residue_client *cl) { return cl == NULL ? 0 : cl->date_created; }
unsigned residue_client_key_bits(const residue_client *cl)
{
    return cl == NULL || !has_session_key(cl) ? 0u : (unsigned)(cl->key.len * 8u);
}

void residue_client_set_compression(residue_client *cl, bool enabled)
{
    if (cl != NULL) {
        cl->no_compression = !enabled;
    }
}

size_t residue_client_bulk_capacity(const residue_client *cl)
{
    if (cl == NULL || !(cl->flags & RESIDUE_SERVER_FLAGS_ALLOW_BULK_LOG_REQUEST) ||
        cl->max_bulk_size < 1) {
        return 1;
    }
    return cl->max_bulk_size;
}

/* ---- helpers ----------------------------------------------------------------------------- */

/* Appends the framing of `port` (residue_protocol's port table) after the n payload bytes
 * already at out. */
static int add_delim(unsigned port, uint8_t *out, size_t cap, size_t n, size_t *out_len,
                     rp_error *err)
{
    return rp_frame_write(&residue_protocol.ports[port - 1u].framing, out, n, out, cap, out_len,
                          err);
}

/* The client's keys for the engine: the server's public key (CONNECT), our private key
 * (hello) and the session key with our id (everything after the hello). */
static int client_keys(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                       rp_key_value *out, size_t cap)
{
    const residue_client *cl = ctx;
    (void)use;
    (void)id;
    (void)id_len;
    (void)cap;
    memset(out, 0, sizeof *out);
    switch (key) {
    case RESIDUE_KEY_SERVER_KEY:
        out->rsa = cl->cfg.server_public_key;
        return out->rsa != NULL;
    case RESIDUE_KEY_CLIENT_KEY:
        out->rsa = cl->private_key;
        return out->rsa != NULL;
    case RESIDUE_KEY_SESSION:
        if (!has_session_key(cl)) return 0;
        out->aes = &cl->key;
        out->id = cl->id;
        out->id_len = cl->id_len;
        return 1;
    default:
        return 0;
    }
}

static rp_envelope_ctx envelope_ctx(residue_client *cl)
{
    rp_envelope_ctx cx = {&residue_protocol, client_keys, cl, cl->rng, cl->rng_ctx, 0};
    return cx;
}

/* Seals json as `envelope` into out and frames it for `port`. work/work_cap: a buffer for
 * the engine, or NULL to use the stack (or a temporary one when that is too small). */
static int seal_packet(residue_client *cl, unsigned envelope, unsigned port, const char *json,
                       size_t n, uint8_t *work, size_t work_cap, uint8_t *out, size_t cap,
                       size_t *out_len, rp_error *err)
{
    uint8_t stack[SEAL_WORK_STACK];
    uint8_t *tmp = NULL;
    if (work == NULL) {
        work_cap = rp_envelope_sealed_max(&residue_protocol, envelope, n, cl->id_len);
        if (work_cap <= sizeof stack) {
            work = stack;
            work_cap = sizeof stack;
        } else if (work_cap == SIZE_MAX || (tmp = malloc(work_cap)) == NULL) {
            return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
        } else {
            work = tmp;
        }
    }
    rp_envelope_ctx cx = envelope_ctx(cl);
    size_t len = 0;
    int rc = rp_envelope_seal(&cx, envelope, json, n, (char *)out, cap, work, work_cap, &len, err);
    if (rc == 0) {
        rc = add_delim(port, out, cap, len, out_len, err);
    }
    free(tmp); /* the engine cleansed what it left there */
    return rc;
}

/* A copy of json for printing, with a long "rsa_public_key" value shortened. */
static void abbreviate(const char *json, size_t n, char *out, size_t cap)
{
    static const char marker[] = "\"rsa_public_key\":\"";
    const char *p = strstr(json, marker);
    if (p == NULL || (size_t)(p - json) >= n) {
        snprintf(out, cap, "%.*s", (int)(n < 400 ? n : 400), json);
        return;
    }
    const char *v = p + sizeof marker - 1u;
    const char *q = memchr(v, '"', n - (size_t)(v - json));
    size_t vlen = q == NULL ? 0 : (size_t)(q - v);
    if (vlen <= 12 || q == NULL) {
        snprintf(out, cap, "%.*s", (int)(n < 400 ? n : 400), json);
        return;
    }
    snprintf(out, cap, "%.*s%.4s…(%zu base64 chars)%.*s", (int)(v - json), json, v, vlen,
             (int)(n - (size_t)(q - json)), q);
}

/* Seals a c2s AES request JSON into out with the session key and a fresh IV. */
static int seal_request(residue_client *cl, const char *json, size_t n, uint8_t *out, size_t cap,
                        size_t *out_len, rp_error *err)
{
    return seal_packet(cl, RESIDUE_ENVELOPE_AES_FROM_CLIENT, RESIDUE_PORT_CONNECT, json, n, NULL,
                       0, out, cap, out_len, err);
}

/* ---- requests ---------------------------------------------------------------------------- */

/* Forgets the session: the machine starts over in disconnected (no session key, no timer). */
static void drop_session(residue_client *cl)
{
    residue_client_session_init(&cl->m);
    rp_aes_key_wipe(&cl->key);
}

int residue_client_connect(residue_client *cl, uint8_t *out, size_t cap, size_t *out_len, rp_error *err)
{
    if (cl == NULL || out == NULL || out_len == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client, out and out_len must not be NULL");
    }
    *out_len = 0;
    uint64_t now = cl->clock(cl->clock_ctx);
    residue_connect m;
    residue_connect_init(&m);
    m.timestamp = now;
    m.has_timestamp = true;
    m.type = RESIDUE_REQUEST_TYPE_CONNECT;
    m.has_type = true;
    if (cl->cfg.key_size != 0) {
        m.key_size = cl->cfg.key_size;
        m.has_key_size = true;
    }
    if (cl->managed) {
        m.client_id = rp_str_from_cstr(cl->managed_id);
        m.has_client_id = true;
    } else {
        m.rsa_public_key.ptr = (const uint8_t *)cl->pem;
        m.rsa_public_key.len = cl->pem_len;
        m.has_rsa_public_key = true;
    }
    const rp_rsa_key *server_key = cl->cfg.server_public_key;
    unsigned env = server_key != NULL ? RESIDUE_ENVELOPE_RSA_TO_SERVER : RESIDUE_ENVELOPE_PLAIN;
    residue_client_session before = cl->m; /* put back if the packet cannot be written */
    int rc = residue_client_session_send_connect(&cl->m, now, (residue_envelope)env, &m, NULL,
                                                 NULL, err);
    if (rc < 0) {
        return rc;
    }
    char json[RESIDUE_CONNECT_MAX_SIZE + 1];
    size_t n = 0;
    rc = residue_connect_encode(&m, json, sizeof json, &n, err);
    if (rc == 0 && server_key != NULL && n > rp_rsa_max_plaintext(server_key)) {
        rc = rp_error_set(err, RP_E_TOO_LONG, RP_LAYER_SESSION, SIZE_MAX,
                          "the CONNECT is %zu bytes but one RSA block of the %u-bit server "
                          "key holds at most %zu; use a server key of more than %zu bits",
                          n, rp_rsa_key_bits(server_key), rp_rsa_max_plaintext(server_key),
                          (n + RP_RSA_PKCS1_OVERHEAD) * 8u);
    }
    if (rc == 0) {
        rc = seal_packet(cl, env, RESIDUE_PORT_CONNECT, json, n, NULL, 0, out, cap, out_len, err);
    }
    if (rc < 0) {
        cl->m = before;
        return rc;
    }
    /* A (re)connect forgets the previous session (the machine dropped its key). */
    rp_aes_key_wipe(&cl->key);
    cl->has_age = false;
    cl->age = 0;
    cl->date_created = 0;
    if (!cl->managed) {
        cl->id[0] = '\0';
        cl->id_len = 0;
    }
    cl->connected_once = true;
    if (cl->trace != NULL) {
        char d[600];
        abbreviate(json, n, d, sizeof d);
        trace_emit(cl, true, "CONNECT", server_key != NULL ? "rsa" : "plain", *out_len, d);
    }
    return 0;
}

int residue_client_touch(residue_client *cl, uint8_t *out, size_t cap, size_t *out_len, rp_error *err)
{
    if (cl == NULL || out == NULL || out_len == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client, out and out_len must not be NULL");
    }
    *out_len = 0;
    residue_touch m;
    residue_touch_init(&m);
    m.timestamp = cl->clock(cl->clock_ctx);
    m.type = RESIDUE_REQUEST_TYPE_TOUCH;
    m.client_id.ptr = cl->id;
    m.client_id.len = cl->id_len;
    m.has_timestamp = m.has_type = m.has_client_id = true;
    residue_client_session before = cl->m;
    int rc = residue_client_session_send_touch(&cl->m, m.timestamp, RESIDUE_ENVELOPE_AES_FROM_CLIENT,
                                               &m, NULL, NULL, err);
    if (rc < 0) {
        return rc;
    }
    char json[RESIDUE_TOUCH_MAX_SIZE + 1];
    size_t n = 0;
    rc = residue_touch_encode(&m, json, sizeof json, &n, err);
    if (rc < 0 || (rc = seal_request(cl, json, n, out, cap, out_len, err)) < 0) {
        cl->m = before;
        return rc;
    }
    trace_emit(cl, true, "TOUCH", "aes", *out_len, json);
    return 0;
}

/* ---- replies ----------------------------------------------------------------------------- */

static int fail(residue_client *cl, int code, rp_error *err, const char *fmt, const char *arg)
{
    drop_session(cl);
    return rp_error_set(err, (rp_status)code, RP_LAYER_SESSION, SIZE_MAX, fmt, arg);
}

/* What the machine's handlers get: the client and the call's facts. */
typedef struct reply_call {
    residue_client *cl;
    uint64_t now;
    size_t wire;
} reply_call;

/* Whether the current state takes some reply on the connect port (the spec's routes of the
 * server's connect-port messages, offered to the machine). A packet that cannot be read
 * in such a state ends the attempt; in any other state no reply was asked for. */
static bool awaits_reply(const residue_client *cl)
{
    for (size_t r = 0; r < residue_protocol.route_count; r++) {
        const rp_route_desc *rt = &residue_protocol.routes[r];
        if (rt->port != RESIDUE_PORT_CONNECT || rt->from != RESIDUE_PEER_SERVER) {
            continue;
        }
        for (size_t e = 0; e < residue_protocol.envelope_count; e++) {
            size_t t;
            if ((rt->envelopes & RESIDUE_ENVELOPE_BIT(e)) &&
                rp_machine_find(&cl->m.core, RP_MACHINE_RECEIVE, (size_t)rt->message, e, &t,
                                NULL) == 0) {
                return true;
            }
        }
    }
    return false;
}

/* An awaited reply that cannot be opened or decoded ends the attempt as RP_E_PROTOCOL
 * (residue_session.h); err keeps what the layer found (its message, offset and path). A
 * failure of our own (memory, OpenSSL itself) keeps its code. */
static int undecodable(residue_client *cl, int rc, rp_error *err)
{
    drop_session(cl);
    if (rc == RP_E_NOMEM || rc == RP_E_CRYPTO) {
        return rc;
    }
    if (err != NULL) {
        err->code = RP_E_PROTOCOL;
    }
    return RP_E_PROTOCOL;
}

static int not_awaited(const residue_client *cl, rp_error *err)
{
    return rp_error_set(err, RP_E_STATE, RP_LAYER_SESSION, SIZE_MAX,
                        "no reply is expected in state %s",
                        residue_client_session_state_name(&cl->m));
}

/* awaiting_hello: receive Hello. Residue's rules for the hello; the machine then has the
 * session key. */
static int on_hello(void *ctx, residue_client_session *m, const residue_hello *h,
                    residue_envelope envelope, rp_error *err)
{
    reply_call *call = ctx;
    residue_client *cl = call->cl;
    (void)m;
    (void)envelope;
    if (h->client_id.len == 0 || h->client_id.len > RESIDUE_CLIENT_ID_MAX) {
        return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX,
                            "hello carries an unusable client id");
    }
    if (cl->managed && !rp_str_eq(h->client_id, cl->managed_id, strlen(cl->managed_id))) {
        return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX,
                            "hello names another client than %s", cl->managed_id);
    }
    int rc = rp_aes_key_set(&cl->key, h->key.ptr, h->key.len, err);
    if (rc < 0) {
        return rc;
    }
    memcpy(cl->id, h->client_id.ptr, h->client_id.len);
    cl->id[h->client_id.len] = '\0';
    cl->id_len = h->client_id.len;
    if (cl->trace != NULL) {
        char d[256];
        snprintf(d, sizeof d, "client_id=%s key=<%u-bit, hidden>%s", cl->id,
                 (unsigned)(cl->key.len * 8u), h->has_token ? " token=<present>" : "");
        trace_emit(cl, false, "HELLO", "rsa", call->wire, d);
    }
    return 0;
}

/* Seconds from now until the touch point: once fewer than RESIDUE_CLIENT_TOUCH_MARGIN seconds
 * of the session's life (date_created + age) are left; never for a session without an age. */
static uint64_t touch_in(const residue_client *cl, uint64_t now)
{
    if (!cl->has_age || cl->age == 0) {
        return UINT64_MAX;
    }
    uint64_t end = cl->date_created + cl->age;
    uint64_t at = end >= RESIDUE_CLIENT_TOUCH_MARGIN ? end - RESIDUE_CLIENT_TOUCH_MARGIN + 1u : 0;
    return at > now ? at - now : 0;
}

/* awaiting_established / awaiting_touch: receive Established. The machine starts the touch
 * timer with the duration set here. */
static int on_established(void *ctx, residue_client_session *m, const residue_established *e,
                          residue_envelope envelope, rp_error *err)
{
    reply_call *call = ctx;
    residue_client *cl = call->cl;
    (void)envelope;
    if (!rp_str_eq(e->client_id, cl->id, cl->id_len)) {
        return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX,
                            "established reply names another client than %s", cl->id);
    }
    cl->flags = e->flags;
    cl->max_bulk_size = e->max_bulk_size;
    cl->logging_port = e->logging_port;
    cl->has_age = e->has_age && e->has_date_created;
    cl->age = e->has_age ? e->age : 0;
    cl->date_created = e->has_date_created ? e->date_created : 0;
    int rc = residue_client_session_set_timer(m, RESIDUE_CLIENT_SESSION_TIMER_TOUCH,
                                              touch_in(cl, call->now), err);
    if (rc < 0) {
        return rc;
    }
    if (cl->trace != NULL) {
        char d[320];
        snprintf(d, sizeof d,
                 "client_id=%s flags=%u max_bulk_size=%u logging_port=%u age=%u "
                 "date_created=%llu server=%.*s key=<%u-bit, hidden>",
                 cl->id, (unsigned)cl->flags, (unsigned)cl->max_bulk_size,
                 (unsigned)cl->logging_port, (unsigned)cl->age,
                 (unsigned long long)cl->date_created,
                 e->has_server_info ? (int)e->server_info.version.len : 1,
                 e->has_server_info ? e->server_info.version.ptr : "?",
                 (unsigned)(e->key.len * 8u));
        trace_emit(cl, false, "ESTABLISHED", "aes", call->wire, d);
    }
    return 0;
}

static const residue_client_session_handlers reply_handlers = {
    .awaiting_hello_receive_hello = on_hello,
    .awaiting_established_receive_established = on_established,
    .awaiting_touch_receive_established = on_established,
};

/* hello_received: the ACK that proves the session key was read. */
static int send_ack(residue_client *cl, uint64_t now, uint8_t *out, size_t cap, size_t *out_len,
                    rp_error *err)
{
    residue_acknowledgement a;
    residue_acknowledgement_init(&a);
    a.timestamp = now;
    a.type = RESIDUE_REQUEST_TYPE_ACKNOWLEDGEMENT;
    a.client_id.ptr = cl->id;
    a.client_id.len = cl->id_len;
    a.has_timestamp = a.has_type = a.has_client_id = true;
    int rc = residue_client_session_send_acknowledgement(&cl->m, now,
                                                         RESIDUE_ENVELOPE_AES_FROM_CLIENT, &a,
                                                         NULL, NULL, err);
    char json[RESIDUE_ACKNOWLEDGEMENT_MAX_SIZE + 1];
    size_t n = 0;
    if (rc < 0 || (rc = residue_acknowledgement_encode(&a, json, sizeof json, &n, err)) < 0 ||
        (rc = seal_request(cl, json, n, out, cap, out_len, err)) < 0) {
        drop_session(cl);
        return rc;
    }
    trace_emit(cl, true, "ACK", "aes", *out_len, json);
    return 0;
}

int residue_client_receive(residue_client *cl, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len, rp_error *err)
{
    if (cl == NULL || (pkt == NULL && len > 0) || out == NULL || out_len == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client, out and out_len must not be NULL");
    }
    *out_len = 0;
    bool awaited = awaits_reply(cl);
    reply_call call = {cl, cl->clock(cl->clock_ctx), len + RESIDUE_SESSION_DELIM_LEN};
    const char *text = pkt == NULL ? "" : (const char *)pkt;
    /* What the server may send on the connect port, told apart by shape (rp_envelope.h). */
    uint32_t mask = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_CONNECT,
                                          RESIDUE_PEER_SERVER);
    uint32_t shape = rp_envelope_classify(&residue_protocol, mask, text, len);
    if (shape == 0 ||
        (shape == RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_AES_TO_CLIENT) && !has_session_key(cl))) {
        if (!awaited) {
            return not_awaited(cl, err);
        }
        /* Raw text: what the server sends when it could not RSA-encrypt the hello. */
        char d[200];
        snprintf(d, sizeof d, "%.*s", (int)(len < 160 ? len : 160), text);
        trace_emit(cl, false, "RAW", "plain", call.wire, d);
        return fail(cl, RP_E_REJECTED, err, "server answered with raw text: %s", d);
    }
    /* Plaintext and work buffer: every layer opens to at most its input's length, but an RSA
     * block opens into up to max_plaintext bytes, however short its base64 text. */
    size_t pcap = len + 1u, wcap = len + 1u;
    if (shape & RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_RSA_TO_CLIENT)) {
        pcap += rp_rsa_max_plaintext(cl->private_key);
    }
    char *plain = malloc(pcap + wcap);
    if (plain == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    rp_envelope_ctx cx = envelope_ctx(cl);
    rp_envelope_opened opened;
    int rc = rp_envelope_open_any(&cx, mask, text, len, plain, pcap, (uint8_t *)plain + pcap, wcap,
                                  &opened, err, NULL);
    if (rc < 0) {
        OPENSSL_cleanse(plain, pcap + wcap);
        free(plain);
        if (!awaited) {
            return not_awaited(cl, err);
        }
        return undecodable(cl, rc, err);
    }
    size_t n = opened.len;
    residue_envelope kind = (residue_envelope)opened.envelope;
    uint8_t arena_buf[REPLY_ARENA_SIZE];
    rp_arena arena;
    rp_arena_init(&arena, arena_buf, sizeof arena_buf);
    residue_any *any = cl->any;
    rp_error e;
    rc = residue_decode_any(plain, n, RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, any, &arena,
                            &residue_profile_wire, &e);
    /* The server answers a TOUCH naming a client it does not know with the logging port's
     * {"r":1} (reference §6.1): it has forgotten us. */
    residue_log_reply lr;
    bool forgotten = rc < 0 && kind == RESIDUE_ENVELOPE_PLAIN &&
                     residue_log_reply_decode(plain, n, &lr, &arena, &residue_profile_wire, NULL) == 0;
    OPENSSL_cleanse(plain, pcap + wcap);
    free(plain);
    if (rc < 0 && !awaited) {
        rc = not_awaited(cl, err);
    } else if (forgotten) {
        trace_emit(cl, false, "LOG-REPLY", "plain", call.wire, "the server does not know this client");
        rc = fail(cl, RP_E_REJECTED, err, "%s", "the server does not know this client");
    } else if (rc < 0) {
        if (err != NULL) {
            *err = e;
        }
        rc = undecodable(cl, rc, err);
    } else if ((rc = residue_client_session_receive(&cl->m, call.now, kind, any, &reply_handlers,
                                                    &call, err)) < 0) {
        /* Refused by the machine or by a handler: a reply that was awaited and cannot be
         * used ends the attempt; one nobody asked for changes nothing. */
        if (awaited) {
            drop_session(cl);
        }
    } else if (any->id == RESIDUE_MSG_CONNECT_ERROR) {
        char text_buf[RP_ERROR_MESSAGE_MAX];
        snprintf(text_buf, sizeof text_buf, "%.*s", (int)any->u.connect_error.error_text.len,
                 any->u.connect_error.error_text.ptr);
        char d[RP_ERROR_MESSAGE_MAX + 20];
        snprintf(d, sizeof d, "error_text=\"%s\"", text_buf);
        trace_emit(cl, false, "ERROR", kind == RESIDUE_ENVELOPE_RSA_TO_CLIENT ? "rsa"
                                       : kind == RESIDUE_ENVELOPE_AES_TO_CLIENT ? "aes" : "plain",
                   call.wire, d);
        rc = fail(cl, RP_E_REJECTED, err, "%s", text_buf);
    } else if (any->id == RESIDUE_MSG_HELLO) {
        rc = send_ack(cl, call.now, out, cap, out_len, err);
    }
    OPENSSL_cleanse(arena_buf, sizeof arena_buf);
    return rc;
}

/* ---- logging ----------------------------------------------------------------------------- */

/* Makes cl->log_work at least `need` bytes (kept for the next log packets). */
static int log_work(residue_client *cl, size_t need, rp_error *err)
{
    if (need <= cl->log_work_cap) {
        return 0;
    }
    uint8_t *w = need == SIZE_MAX ? NULL : malloc(need);
    if (w == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    if (cl->log_work != NULL) {
        OPENSSL_cleanse(cl->log_work, cl->log_work_cap);
    }
    free(cl->log_work);
    cl->log_work = w;
    cl->log_work_cap = need;
    return 0;
}

/* Upper bound of the compact JSON of one record (every string byte may become \u00XX). */
static size_t record_bound(const residue_log_request *r)
{
    size_t s = r->msg.len + r->logger.len + r->file.len + r->func.len + r->app.len +
               r->thread.len + r->client_id.len + r->token.len;
    return s * 6u + 512u;
}

int residue_client_build_log(residue_client *cl, const residue_log_request *records, size_t count,
                        uint8_t *out, size_t cap, size_t *out_len, rp_error *err)
{
    if (cl == NULL || records == NULL || out == NULL || out_len == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client, records, out and out_len must not be NULL");
    }
    *out_len = 0;
    size_t capacity = residue_client_bulk_capacity(cl);
    if (count == 0 || count > capacity) {
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_SESSION, SIZE_MAX,
                            "%zu records in one log request; the server takes 1..%zu", count,
                            capacity);
    }
    uint64_t now = cl->clock(cl->clock_ctx);
    size_t bound = 16;
    for (size_t i = 0; i < count; i++) {
        bound += record_bound(&records[i]) + 1u;
    }
    char *json = malloc(bound);
    if (json == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    bool compress = (cl->flags & RESIDUE_SERVER_FLAGS_COMPRESSION) != 0 && !cl->no_compression;
    unsigned env = compress ? RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT : RESIDUE_ENVELOPE_AES_FROM_CLIENT;
    residue_client_session before = cl->m;
    size_t n = 0;
    int rc;
    if (count == 1) {
        residue_log_request r = records[0];
        if (r.timestamp == 0) {
            r.timestamp = now;
            r.has_timestamp = true;
        }
        rc = residue_client_session_send_log_request(&cl->m, now, (residue_envelope)env, &r, NULL,
                                                     NULL, err);
        if (rc == 0) {
            rc = residue_log_request_encode(&r, json, bound, &n, err);
        }
    } else {
        residue_log_bulk *bulk = calloc(1, sizeof *bulk);
        if (bulk == NULL) {
            free(json);
            return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
        }
        for (size_t i = 0; i < count; i++) {
            bulk->items[i] = records[i];
            if (bulk->items[i].timestamp == 0) {
                bulk->items[i].timestamp = now;
                bulk->items[i].has_timestamp = true;
            }
        }
        bulk->count = count;
        rc = residue_client_session_send_log_bulk(&cl->m, now, (residue_envelope)env, bulk, NULL,
                                                  NULL, err);
        if (rc == 0) {
            rc = residue_log_bulk_encode(bulk, json, bound, &n, err);
        }
        free(bulk);
    }
    if (rc == 0) {
        rc = log_work(cl, rp_envelope_sealed_max(&residue_protocol, env, n, cl->id_len), err);
    }
    if (rc == 0) {
        rc = seal_packet(cl, env, RESIDUE_PORT_LOGGING, json, n, cl->log_work, cl->log_work_cap,
                         out, cap, out_len, err);
    }
    if (rc < 0) {
        cl->m = before;
    } else if (cl->trace != NULL) {
        char d[300];
        if (count == 1) {
            snprintf(d, sizeof d, "%.*s%s", (int)(n < 200 ? n : 200), json, n > 200 ? "…" : "");
        } else {
            snprintf(d, sizeof d, "bulk of %zu records, %zu bytes of JSON", count, n);
        }
        trace_emit(cl, true, count == 1 ? "LOG" : "LOG-BULK", compress ? "aes+zlib" : "aes",
                   *out_len, d);
    }
    free(json);
    return rc;
}

int residue_client_log_reply(residue_client *cl, const uint8_t *pkt, size_t len, rp_error *err)
{
    if (cl == NULL || (pkt == NULL && len > 0)) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client must not be NULL");
    }
    const char *text = pkt == NULL ? "" : (const char *)pkt;
    residue_log_reply m;
    uint8_t arena_buf[64];
    rp_arena arena;
    rp_arena_init(&arena, arena_buf, sizeof arena_buf);
    int rc = residue_log_reply_decode(text, len, &m, &arena, &residue_profile_wire, err);
    char d[64];
    snprintf(d, sizeof d, "%.*s", (int)(len < 40 ? len : 40), text);
    trace_emit(cl, false, "LOG-REPLY", "plain", len + RESIDUE_SESSION_DELIM_LEN, d);
    if (rc < 0) {
        return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX,
                            "logging port answered something that is not {\"r\":N}");
    }
    cl->any->id = RESIDUE_MSG_LOG_REPLY;
    cl->any->u.log_reply = m;
    rc = residue_client_session_receive(&cl->m, cl->clock(cl->clock_ctx), RESIDUE_ENVELOPE_PLAIN,
                                        cl->any, NULL, NULL, err);
    if (rc < 0) {
        return rc;
    }
    if (m.r != RESIDUE_LOG_STATUS_ACCEPTED) {
        return rp_error_set(err, RP_E_REJECTED, RP_LAYER_SESSION, SIZE_MAX,
                            "server rejected the log request ({\"r\":%u})", (unsigned)m.r);
    }
    return 0;
}
