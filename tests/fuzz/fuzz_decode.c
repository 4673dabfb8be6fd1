/* fuzz_decode: every generated decoder (residue_*_decode) and residue_decode_any, in strict
 * and wire mode, on arbitrary plaintext.
 *
 * Invariants:
 *  - a failure is a known status with an offset inside the input (or none) and a path that
 *    starts with '$' when set; strict success implies wire success;
 *  - whatever decodes validates, encodes (into a buffer no larger than what decode could
 *    need), and its encoding decodes again in strict mode to a message that encodes to the
 *    very same bytes (encode is a fixed point after one round);
 *  - residue_decode_any on each port and direction returns a message of that route, and the
 *    specific decoder of that message accepts the same text; conversely, when the decoder of
 *    a message routed there accepts the text, residue_decode_any picks exactly that message
 *    (the discriminators of the spec leave no two routed messages overlapping).
 * Decoding never allocates: storage is an exact-size heap block so ASan sees any overrun.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "residue.h"
#include "residue_profiles.h"

typedef int (*dec_fn)(const char *, size_t, void *, rp_arena *, const rp_schema_profile *, rp_error *);
typedef int (*val_fn)(const void *, rp_error *);
typedef int (*enc_fn)(const void *, char *, size_t, size_t *, rp_error *);

#define WRAP(n)                                                                               \
    static int dec_##n(const char *j, size_t l, void *o, rp_arena *a, const rp_schema_profile *m,      \
                       rp_error *e)                                                           \
    {                                                                                         \
        return residue_##n##_decode(j, l, o, a, m, e);                                        \
    }                                                                                         \
    static int val_##n(const void *o, rp_error *e) { return residue_##n##_validate(o, e); }  \
    static int enc_##n(const void *o, char *b, size_t c, size_t *ol, rp_error *e)             \
    {                                                                                         \
        return residue_##n##_encode(o, b, c, ol, e);                                          \
    }

WRAP(connect)
WRAP(acknowledgement)
WRAP(touch)
WRAP(hello)
WRAP(server_info)
WRAP(established)
WRAP(connect_error)
WRAP(log_request)
WRAP(log_bulk)
WRAP(log_reply)

typedef struct msg_desc {
    const char *name;
    residue_message_id id;   /* RESIDUE_MSG_NONE for ServerInfo (not routed) */
    size_t size;
    size_t max_size;
    dec_fn dec;
    val_fn val;
    enc_fn enc;
} msg_desc;

#define DESC(n, ID, MAX) {#n, ID, sizeof(residue_##n), MAX, dec_##n, val_##n, enc_##n}
static const msg_desc msgs[] = {
    DESC(connect, RESIDUE_MSG_CONNECT, RESIDUE_CONNECT_MAX_SIZE),
    DESC(acknowledgement, RESIDUE_MSG_ACKNOWLEDGEMENT, RESIDUE_ACKNOWLEDGEMENT_MAX_SIZE),
    DESC(touch, RESIDUE_MSG_TOUCH, RESIDUE_TOUCH_MAX_SIZE),
    DESC(hello, RESIDUE_MSG_HELLO, RESIDUE_HELLO_MAX_SIZE),
    DESC(server_info, RESIDUE_MSG_NONE, RESIDUE_SERVER_INFO_MAX_SIZE),
    DESC(established, RESIDUE_MSG_ESTABLISHED, RESIDUE_ESTABLISHED_MAX_SIZE),
    DESC(connect_error, RESIDUE_MSG_CONNECT_ERROR, RESIDUE_CONNECT_ERROR_MAX_SIZE),
    DESC(log_request, RESIDUE_MSG_LOG_REQUEST, RESIDUE_LOG_REQUEST_MAX_SIZE),
    DESC(log_bulk, RESIDUE_MSG_LOG_BULK, RESIDUE_LOG_BULK_MAX_SIZE),
    DESC(log_reply, RESIDUE_MSG_LOG_REPLY, RESIDUE_LOG_REPLY_MAX_SIZE),
};
#define NMSGS (sizeof msgs / sizeof msgs[0])

static void check_error(const rp_error *e, int rc, size_t len)
{
    FUZZ_CHECK(rc < 0 && e->code == rc);
    FUZZ_CHECK(e->offset == SIZE_MAX || e->offset <= len);
    FUZZ_CHECK(e->path[0] == '\0' || e->path[0] == '$');
    FUZZ_CHECK(memchr(e->message, '\0', sizeof e->message) != NULL);
    FUZZ_CHECK(rc != RP_E_ARGUMENT);
}

/* Decodes text with d into a fresh struct (heap, exact size) and exact-size storage. */
static int decode(const msg_desc *d, const char *text, size_t len, const rp_schema_profile *profile,
                  void **msg, uint8_t **store, rp_error *err)
{
    size_t cap = 2 * len + 64;
    *msg = malloc(d->size);
    *store = malloc(cap);
    FUZZ_CHECK(*msg != NULL && *store != NULL);
    rp_arena a;
    rp_arena_init(&a, *store, cap);
    rp_error_clear(err);
    int rc = d->dec(text, len, *msg, &a, profile, err);
    FUZZ_CHECK(a.used <= cap);
    return rc;
}

/* Encodes msg; returns a heap copy of the text (NUL-terminated) and its length. */
static char *encode(const msg_desc *d, const void *msg, size_t hint, size_t *out_len)
{
    size_t cap = 6 * hint + 4096;
    if (cap > d->max_size + 1) cap = d->max_size + 1;
    char *buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    rp_error err;
    int rc = d->enc(msg, buf, cap, out_len, &err);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(*out_len < cap && *out_len <= d->max_size);
    return buf;
}

static void roundtrip(const msg_desc *d, const void *msg, size_t len)
{
    rp_error err;
    FUZZ_CHECK(d->val(msg, &err) == 0);
    size_t l1 = 0, l2 = 0;
    char *e1 = encode(d, msg, len, &l1);
    void *m2;
    uint8_t *s2;
    int rc = decode(d, e1, l1, NULL, &m2, &s2, &err);
    FUZZ_CHECK(rc == 0);
    char *e2 = encode(d, m2, l1, &l2);
    FUZZ_CHECK(l1 == l2 && memcmp(e1, e2, l1) == 0);
    free(e1);
    free(e2);
    free(m2);
    free(s2);
}

/* The route of each message, as the spec declares it. */
static bool routed_here(residue_message_id id, residue_port port, residue_peer dir)
{
    bool conn = port == RESIDUE_PORT_CONNECT, c2s = dir == RESIDUE_PEER_CLIENT;
    switch (id) {
    case RESIDUE_MSG_CONNECT: case RESIDUE_MSG_ACKNOWLEDGEMENT: case RESIDUE_MSG_TOUCH: return conn && c2s;
    case RESIDUE_MSG_HELLO: case RESIDUE_MSG_ESTABLISHED: case RESIDUE_MSG_CONNECT_ERROR: return conn && !c2s;
    case RESIDUE_MSG_LOG_REQUEST: case RESIDUE_MSG_LOG_BULK: return !conn && c2s;
    case RESIDUE_MSG_LOG_REPLY: return !conn && !c2s;
    default: return false;
    }
}

static const msg_desc *by_id(residue_message_id id)
{
    for (size_t i = 0; i < NMSGS; i++)
        if (msgs[i].id == id) return &msgs[i];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    rp_error err;
    int ok_strict[NMSGS], ok_wire[NMSGS];
    for (size_t i = 0; i < NMSGS; i++) {
        const msg_desc *d = &msgs[i];
        void *m;
        uint8_t *s;
        int strict = decode(d, text, size, NULL, &m, &s, &err);
        if (strict == 0) roundtrip(d, m, size);
        else check_error(&err, strict, size);
        free(m);
        free(s);
        int wire = decode(d, text, size, &residue_profile_wire, &m, &s, &err);
        if (wire == 0) roundtrip(d, m, size);
        else check_error(&err, wire, size);
        free(m);
        free(s);
        if (strict == 0) FUZZ_CHECK(wire == 0);
        ok_strict[i] = strict == 0;
        ok_wire[i] = wire == 0;
    }

    static const struct { residue_port port; residue_peer dir; } routes[] = {
        {RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT}, {RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER},
        {RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT}, {RESIDUE_PORT_LOGGING, RESIDUE_PEER_SERVER}};
    residue_any *any = malloc(sizeof *any);
    FUZZ_CHECK(any != NULL);
    for (size_t r = 0; r < sizeof routes / sizeof routes[0]; r++) {
        for (int mode = 0; mode < 2; mode++) {
            size_t cap = 2 * size + 64;
            uint8_t *store = malloc(cap);
            FUZZ_CHECK(store != NULL);
            rp_arena a;
            rp_arena_init(&a, store, cap);
            rp_error_clear(&err);
            const rp_schema_profile *m = mode ? &residue_profile_wire : NULL;
            int rc = residue_decode_any(text, size, routes[r].port, routes[r].dir, any, &a, m, &err);
            if (rc == 0) {
                const msg_desc *d = by_id(any->id);
                FUZZ_CHECK(d != NULL);
                FUZZ_CHECK(routed_here(any->id, routes[r].port, routes[r].dir));
                FUZZ_CHECK(strcmp(residue_message_name(any->id), "none") != 0);
                void *mm;
                uint8_t *ss;
                FUZZ_CHECK(decode(d, text, size, m, &mm, &ss, &err) == 0);
                roundtrip(d, &any->u, size);
                free(mm);
                free(ss);
            } else {
                check_error(&err, rc, size);
                FUZZ_CHECK(any->id == RESIDUE_MSG_NONE);
            }
            /* Completeness: a routed message whose decoder accepted the text is the one chosen. */
            for (size_t i = 0; i < NMSGS; i++) {
                if (!(mode ? ok_wire[i] : ok_strict[i]) || !routed_here(msgs[i].id, routes[r].port, routes[r].dir))
                    continue;
                FUZZ_CHECK(rc == 0 && any->id == msgs[i].id);
            }
            free(store);
        }
    }
    free(any);
    return 0;
}
