/* test_generated: the generated residue codec (generated/residue.[ch] + runtime/rp_schema).
 *
 * - every plaintext of ../shared/vectors decodes as the message its index.json step implies
 *   (or fails exactly as the residue server refuses it), validates, and server-produced
 *   ones re-encode to the exact bytes the server sent;
 * - round trips of every message with every optional field absent and present;
 * - boundary values of every constraint, and one violation of each with its JSON path and
 *   the spec file:line:col of the rule;
 * - strict vs wire mode, MAX_SIZE bounds, overflow and storage behaviour.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue.h"
#include "support/vec_support.h"
#include "residue_profiles.h"

#define SPEC_PATH "spec/residue.rproto"
#define SPEC_NAME "residue.rproto"

/* Big structs (LogBulk holds 500 LogRequests) live here, not on the stack. */
static residue_any g_any;
static residue_any g_any2;
static uint8_t g_mem[1 << 20];
static char g_out[1 << 20];

/* ---- helpers ------------------------------------------------------------------------------ */

/* Line and column of `token` on the first line containing `needle` after the line that
 * contains `section` (e.g. "message Connect "), in the spec text. */
static void spec_loc(const char *section, const char *needle, const char *token, uint32_t *line,
                     uint32_t *col)
{
    size_t len;
    char *text = vec_read_file(SPEC_PATH, &len);
    ck_assert_ptr_nonnull(text);
    const char *sec = strstr(text, section);
    ck_assert_msg(sec != NULL, "section %s not in spec", section);
    const char *hit = strstr(sec, needle);
    ck_assert_msg(hit != NULL, "%s not in spec", needle);
    const char *bol = hit;
    while (bol > text && bol[-1] != '\n')
        bol--;
    const char *eol = strchr(hit, '\n');
    const char *tok = strstr(bol, token);
    ck_assert_msg(tok != NULL && (eol == NULL || tok < eol), "%s not on the line of %s", token, needle);
    uint32_t l = 1;
    for (const char *p = text; p < bol; p++)
        l += *p == '\n';
    *line = l;
    *col = (uint32_t)(tok - bol) + 1;
    free(text);
}

static rp_arena fresh_arena(void)
{
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    return a;
}

static int decode_any(const char *json, residue_port port, residue_peer dir,
                      const rp_schema_profile *profile, rp_error *err)
{
    rp_arena a = fresh_arena();
    return residue_decode_any(json, strlen(json), port, dir, &g_any, &a, profile, err);
}

/* Validates and encodes whatever g_any-like value holds. */
static int any_validate(const residue_any *m, rp_error *err)
{
    switch (m->id) {
    case RESIDUE_MSG_CONNECT: return residue_connect_validate(&m->u.connect, err);
    case RESIDUE_MSG_ACKNOWLEDGEMENT: return residue_acknowledgement_validate(&m->u.acknowledgement, err);
    case RESIDUE_MSG_TOUCH: return residue_touch_validate(&m->u.touch, err);
    case RESIDUE_MSG_HELLO: return residue_hello_validate(&m->u.hello, err);
    case RESIDUE_MSG_ESTABLISHED: return residue_established_validate(&m->u.established, err);
    case RESIDUE_MSG_CONNECT_ERROR: return residue_connect_error_validate(&m->u.connect_error, err);
    case RESIDUE_MSG_LOG_REQUEST: return residue_log_request_validate(&m->u.log_request, err);
    case RESIDUE_MSG_LOG_BULK: return residue_log_bulk_validate(&m->u.log_bulk, err);
    case RESIDUE_MSG_LOG_REPLY: return residue_log_reply_validate(&m->u.log_reply, err);
    case RESIDUE_MSG_NONE: break;
    }
    return RP_E_ARGUMENT;
}

static int any_encode(const residue_any *m, char *buf, size_t cap, size_t *len, rp_error *err)
{
    switch (m->id) {
    case RESIDUE_MSG_CONNECT: return residue_connect_encode(&m->u.connect, buf, cap, len, err);
    case RESIDUE_MSG_ACKNOWLEDGEMENT:
        return residue_acknowledgement_encode(&m->u.acknowledgement, buf, cap, len, err);
    case RESIDUE_MSG_TOUCH: return residue_touch_encode(&m->u.touch, buf, cap, len, err);
    case RESIDUE_MSG_HELLO: return residue_hello_encode(&m->u.hello, buf, cap, len, err);
    case RESIDUE_MSG_ESTABLISHED: return residue_established_encode(&m->u.established, buf, cap, len, err);
    case RESIDUE_MSG_CONNECT_ERROR:
        return residue_connect_error_encode(&m->u.connect_error, buf, cap, len, err);
    case RESIDUE_MSG_LOG_REQUEST: return residue_log_request_encode(&m->u.log_request, buf, cap, len, err);
    case RESIDUE_MSG_LOG_BULK: return residue_log_bulk_encode(&m->u.log_bulk, buf, cap, len, err);
    case RESIDUE_MSG_LOG_REPLY: return residue_log_reply_encode(&m->u.log_reply, buf, cap, len, err);
    case RESIDUE_MSG_NONE: break;
    }
    return RP_E_ARGUMENT;
}

/* ---- wire vectors ------------------------------------------------------------------------- */

/* The message a step's plaintext is, from its name, port and direction. */
static residue_message_id expected_id(const char *step, const char *port, const char *dir)
{
    if (strcmp(port, "connect") == 0 && strcmp(dir, "c2s") == 0) {
        if (strstr(step, "touch") != NULL)
            return RESIDUE_MSG_TOUCH;
        if (strncmp(step, "connect", 7) == 0)
            return RESIDUE_MSG_CONNECT;
        return RESIDUE_MSG_ACKNOWLEDGEMENT; /* ack, re-ack, ack-..., envelope-unknown-client-id */
    }
    if (strcmp(port, "connect") == 0) {
        if (strncmp(step, "hello", 5) == 0)
            return RESIDUE_MSG_HELLO;
        if (strncmp(step, "established", 11) == 0)
            return RESIDUE_MSG_ESTABLISHED;
        return RESIDUE_MSG_CONNECT_ERROR;
    }
    if (strcmp(dir, "c2s") == 0)
        return strncmp(step, "bulk", 4) == 0 ? RESIDUE_MSG_LOG_BULK : RESIDUE_MSG_LOG_REQUEST;
    return RESIDUE_MSG_LOG_REPLY;
}

/* Steps the server refuses at the JSON/schema level, and how ours must refuse them. */
typedef struct refusal {
    const char *scenario;
    const char *step;
    int strict_rc;       /* decode_any result in strict mode */
    int wire_rc;         /* and in wire mode */
    const char *path;    /* expected err.path ("" for none) */
} refusal;

static const refusal refusals[] = {
    { "F-errors", "garbage", RP_E_JSON_SYNTAX, RP_E_JSON_SYNTAX, "" },
    { "F-errors", "empty", RP_E_JSON_SYNTAX, RP_E_JSON_SYNTAX, "" },
    { "F-errors", "connect-type-string", RP_E_SCHEMA_MESSAGE, RP_E_SCHEMA_MESSAGE, "" },
    { "F-errors", "connect-key-size-100", RP_E_SCHEMA_RANGE, RP_E_SCHEMA_RANGE, "$.key_size" },
    { "F-errors", "log-missing-msg", RP_E_SCHEMA_MISSING, RP_E_SCHEMA_MISSING, "$.msg" },
    { "F-errors", "log-t-string", RP_E_SCHEMA_TYPE, RP_E_SCHEMA_MISSING, "$._t" },
};

static const refusal *find_refusal(const char *scenario, const char *step)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (strcmp(refusals[i].scenario, scenario) == 0 && strcmp(refusals[i].step, step) == 0)
            return &refusals[i];
    return NULL;
}

static const char *const scenarios[] = { "A-unknown-plain", "B-unknown-rsa", "C-key-sizes",
                                         "F-errors", "G-java-style" };

START_TEST(test_vectors_decode_validate_reencode)
{
    size_t decoded = 0, reencoded = 0, refused = 0;
    for (size_t s = 0; s < sizeof scenarios / sizeof scenarios[0]; s++) {
        char path[512], errbuf[128];
        size_t len;
        snprintf(path, sizeof path, "../shared/vectors/%s/index.json", scenarios[s]);
        char *text = vec_read_file(path, &len);
        ck_assert_msg(text != NULL, "cannot read %s", path);
        vec_json *idx = vec_json_parse(text, len, errbuf, sizeof errbuf);
        ck_assert_msg(idx != NULL, "%s: %s", path, errbuf);
        const vec_json *steps = vec_json_get(idx, "steps");
        ck_assert_ptr_nonnull(steps);
        for (const vec_json *st = steps->child; st != NULL; st = st->next) {
            const char *file = vec_json_str(st, "plaintext_file");
            const char *step = vec_json_str(st, "step");
            const char *port = vec_json_str(st, "port_role");
            const char *dir = vec_json_str(st, "direction");
            if (file == NULL)
                continue;
            snprintf(path, sizeof path, "../shared/vectors/%s/%s", scenarios[s], file);
            size_t plen;
            char *plain = vec_read_file(path, &plen);
            ck_assert_msg(plain != NULL, "cannot read %s", path);
            residue_port p = strcmp(port, "connect") == 0 ? RESIDUE_PORT_CONNECT : RESIDUE_PORT_LOGGING;
            residue_peer d = strcmp(dir, "c2s") == 0 ? RESIDUE_PEER_CLIENT : RESIDUE_PEER_SERVER;
            const refusal *ref = find_refusal(scenarios[s], step);
            for (int mode = 0; mode < 2; mode++) {
                rp_error err;
                rp_arena a = fresh_arena();
                const rp_schema_profile *m = mode == 0 ? NULL : &residue_profile_wire;
                int rc = residue_decode_any(plain, plen, p, d, &g_any, &a, m, &err);
                if (ref != NULL) {
                    int want = mode == 0 ? ref->strict_rc : ref->wire_rc;
                    ck_assert_msg(rc == want, "%s: %s mode gave %d (%s), want %d", path,
                                  mode ? "wire" : "strict", rc, err.message, want);
                    ck_assert_str_eq(err.path, ref->path);
                    ck_assert_int_eq(g_any.id, RESIDUE_MSG_NONE);
                    refused++;
                    continue;
                }
                ck_assert_msg(rc == 0, "%s (%s mode): %d %s at %s", path, mode ? "wire" : "strict",
                              rc, err.message, err.path);
                residue_message_id want = expected_id(step, port, dir);
                ck_assert_msg(g_any.id == want, "%s decoded as %s, want %s", path,
                              residue_message_name(g_any.id), residue_message_name(want));
                ck_assert_int_eq(any_validate(&g_any, &err), 0);
                decoded++;
                /* Everything the server sent must come back byte for byte; client messages
                 * too, since the vectors' clients also write compact JSON in spec order. */
                size_t out_len = 0;
                rc = any_encode(&g_any, g_out, sizeof g_out, &out_len, &err);
                ck_assert_msg(rc == 0, "%s: encode %d %s", path, rc, err.message);
                if (d == RESIDUE_PEER_SERVER) {
                    ck_assert_msg(out_len == plen && memcmp(g_out, plain, plen) == 0,
                                  "%s: re-encoded\n%.*s\nnot equal to\n%.*s", path, (int)out_len,
                                  g_out, (int)plen, plain);
                    reencoded++;
                }
            }
            free(plain);
        }
        vec_json_free(idx);
        free(text);
    }
    /* 5 scenarios: 63 JSON plaintexts minus 4 refusals, each in two modes. */
    ck_assert_uint_ge(decoded, 2 * 60);
    ck_assert_uint_ge(reencoded, 2 * 30);
    ck_assert_uint_eq(refused, 2 * (sizeof refusals / sizeof refusals[0]));
    printf("vectors: %zu decodes, %zu exact re-encodes, %zu refusals\n", decoded, reencoded, refused);
}
END_TEST

START_TEST(test_vector_refusals_in_detail)
{
    size_t len;
    rp_error err;
    uint32_t line, col;
    char *t = vec_read_file("../shared/vectors/F-errors/05-connect-type-string.c2s.plain.json", &len);
    ck_assert_ptr_nonnull(t);
    rp_arena a = fresh_arena();
    residue_connect *c = &g_any.u.connect;
    /* A string "1" in type: strict says wrong type, wire treats it as absent (like the server). */
    ck_assert_int_eq(residue_connect_decode(t, len, c, &a, NULL, &err), RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.path, "$.type");
    ck_assert_uint_eq(err.offset, (size_t)(strstr(t, "\"1\"") - t));
    spec_loc("message Connect ", "type           = \"type\"", "required", &line, &col);
    ck_assert_str_eq(err.spec.file, SPEC_NAME);
    ck_assert_uint_eq(err.spec.line, line);
    ck_assert_int_eq(residue_connect_decode(t, len, c, &a, &residue_profile_wire, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.type");
    ck_assert_uint_eq(a.used, 0); /* a failed decode gives its storage back */
    free(t);

    t = vec_read_file("../shared/vectors/F-errors/07-connect-key-size-100.c2s.plain.json", &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(residue_connect_decode(t, len, c, &a, &residue_profile_wire, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.key_size");
    ck_assert_int_eq(err.layer, RP_LAYER_SCHEMA);
    ck_assert_uint_eq(err.offset, (size_t)(strstr(t, "100") - t));
    spec_loc("message Connect ", "key_size       = \"key_size\"", "one_of", &line, &col);
    ck_assert_uint_eq(err.spec.line, line);
    ck_assert_uint_eq(err.spec.column, col);
    ck_assert_msg(strstr(err.message, "one of {128, 192, 256}") != NULL, "%s", err.message);
    free(t);

    /* Stale timestamps are the session's business: the codec accepts them. */
    t = vec_read_file("../shared/vectors/F-errors/17-ack-stale-t.c2s.plain.json", &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(residue_acknowledgement_decode(t, len, &g_any.u.acknowledgement, &a,
                                                    NULL, &err), 0);
    ck_assert_uint_eq(g_any.u.acknowledgement.timestamp, 1795667115u);
    free(t);
}
END_TEST

START_TEST(test_decoded_values)
{
    size_t len;
    rp_error err;
    char *t = vec_read_file("../shared/vectors/A-unknown-plain/04-established.s2c.plain.json", &len);
    ck_assert_ptr_nonnull(t);
    rp_arena a = fresh_arena();
    residue_established *e = &g_any.u.established;
    ck_assert_int_eq(residue_established_decode(t, len, e, &a, NULL, &err), 0);
    ck_assert(e->has_flags && e->flags == 1521u);
    ck_assert(e->flags & RESIDUE_SERVER_FLAGS_ALLOW_BULK_LOG_REQUEST);
    ck_assert(e->flags & RESIDUE_SERVER_FLAGS_COMPRESSION);
    ck_assert_uint_eq(e->max_bulk_size, 50);
    ck_assert(e->has_server_info && e->server_info.has_version);
    ck_assert_str_eq(e->server_info.version.ptr, "2.3.6");
    ck_assert(!e->server_info.has_licensee);
    ck_assert_uint_eq(e->key.len, 32);
    ck_assert_uint_eq(e->key.ptr[0], 0xEC);
    ck_assert_uint_eq(e->token.len, 16);
    ck_assert_str_eq(e->client_id.ptr, "iomjhtvrmyqdfqxu");
    ck_assert(e->has_age && e->age == 3600u);
    ck_assert(!e->has_licensee && !e->has_token_port);
    ck_assert_uint_eq(e->logging_port, 18778);
    free(t);

    t = vec_read_file("../shared/vectors/A-unknown-plain/01-connect.c2s.plain.json", &len);
    ck_assert_ptr_nonnull(t);
    residue_connect *c = &g_any.u.connect;
    ck_assert_int_eq(residue_connect_decode(t, len, c, &a, NULL, &err), 0);
    ck_assert(c->has_rsa_public_key && !c->has_client_id && !c->has_key_size);
    ck_assert_int_eq(c->type, RESIDUE_REQUEST_TYPE_CONNECT);
    size_t pem_len;
    char *pem = vec_read_file("../shared/vectors/A-unknown-plain/keys/client-public.pem", &pem_len);
    ck_assert_ptr_nonnull(pem);
    ck_assert_uint_eq(c->rsa_public_key.len, pem_len); /* base64 of the PEM, byte for byte */
    ck_assert(memcmp(c->rsa_public_key.ptr, pem, pem_len) == 0);
    free(pem);
    free(t);

    t = vec_read_file("../shared/vectors/A-unknown-plain/11-bulk-compressed.c2s.plain.json", &len);
    ck_assert_ptr_nonnull(t);
    residue_log_bulk *b = &g_any.u.log_bulk;
    ck_assert_int_eq(residue_log_bulk_decode(t, len, b, &a, NULL, &err), 0);
    ck_assert_uint_eq(b->count, 3);
    ck_assert_str_eq(b->items[1].msg.ptr, "A: bulk item 2 of 3");
    ck_assert_int_eq(b->items[1].level, RESIDUE_LEVEL_WARNING);
    ck_assert(b->items[2].has_vlevel && b->items[2].vlevel == 0);
    free(t);
}
END_TEST

/* ---- round trips -------------------------------------------------------------------------- */

/* Encodes, decodes into g_any2 (strict), re-encodes and compares the two texts. */
#define ROUND_TRIP(kind, msgp, field)                                                          \
    do {                                                                                       \
        rp_error e_;                                                                           \
        size_t n1 = 0, n2 = 0;                                                                 \
        ck_assert_int_eq(residue_##kind##_encode(msgp, g_out, sizeof g_out, &n1, &e_), 0);     \
        ck_assert_uint_eq(g_out[n1], '\0');                                                    \
        ck_assert_uint_le(n1, RESIDUE_MAX_##field);                                            \
        rp_arena a_ = fresh_arena();                                                           \
        int rc_ = residue_##kind##_decode(g_out, n1, &g_any2.u.kind, &a_, NULL, &e_); \
        ck_assert_msg(rc_ == 0, "%s: %s at %s in %.*s", #kind, e_.message, e_.path, (int)n1, g_out); \
        static char again_[1 << 16];                                                           \
        ck_assert_int_eq(residue_##kind##_encode(&g_any2.u.kind, again_, sizeof again_, &n2, &e_), 0); \
        ck_assert_uint_eq(n1, n2);                                                             \
        ck_assert(memcmp(g_out, again_, n1) == 0);                                             \
    } while (0)

#define RESIDUE_MAX_CONNECT RESIDUE_CONNECT_MAX_SIZE
#define RESIDUE_MAX_ACK RESIDUE_ACKNOWLEDGEMENT_MAX_SIZE
#define RESIDUE_MAX_TOUCH RESIDUE_TOUCH_MAX_SIZE
#define RESIDUE_MAX_HELLO RESIDUE_HELLO_MAX_SIZE
#define RESIDUE_MAX_EST RESIDUE_ESTABLISHED_MAX_SIZE
#define RESIDUE_MAX_CERR RESIDUE_CONNECT_ERROR_MAX_SIZE
#define RESIDUE_MAX_LOG RESIDUE_LOG_REQUEST_MAX_SIZE
#define RESIDUE_MAX_BULK RESIDUE_LOG_BULK_MAX_SIZE
#define RESIDUE_MAX_REPLY RESIDUE_LOG_REPLY_MAX_SIZE

static const uint8_t key32[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0xFF };

static rp_str s(const char *text)
{
    return rp_str_from_cstr(text);
}

START_TEST(test_roundtrip_connect)
{
    residue_connect c;
    residue_connect_init(&c);
    ck_assert(c.has_type && c.type == RESIDUE_REQUEST_TYPE_CONNECT);
    ck_assert(!c.has_timestamp && !c.has_key_size && !c.has_client_id && !c.has_rsa_public_key);
    c.timestamp = 1795667583u;
    c.has_timestamp = true;
    ROUND_TRIP(connect, &c, CONNECT); /* minimal: every optional field absent */
    ck_assert_str_eq(g_out, "{\"_t\":1795667583,\"type\":1}");
    ck_assert(!g_any2.u.connect.has_key_size && !g_any2.u.connect.has_client_id);
    c.key_size = 192;
    c.has_key_size = true;
    c.client_id = s("managed-1@x.y");
    c.has_client_id = true;
    c.rsa_public_key = (rp_bytes){ key32, sizeof key32 };
    c.has_rsa_public_key = true;
    ROUND_TRIP(connect, &c, CONNECT);
    const residue_connect *d = &g_any2.u.connect;
    ck_assert(d->has_key_size && d->key_size == 192);
    ck_assert_str_eq(d->client_id.ptr, "managed-1@x.y");
    ck_assert_uint_eq(d->rsa_public_key.len, 32);
    ck_assert(memcmp(d->rsa_public_key.ptr, key32, 32) == 0);
}
END_TEST

START_TEST(test_roundtrip_ack_touch)
{
    residue_acknowledgement k;
    residue_acknowledgement_init(&k);
    k.timestamp = 1;
    k.has_timestamp = true;
    k.client_id = s("abc");
    k.has_client_id = true;
    ROUND_TRIP(acknowledgement, &k, ACK);
    ck_assert_str_eq(g_out, "{\"_t\":1,\"type\":2,\"client_id\":\"abc\"}");
    residue_touch t;
    residue_touch_init(&t);
    t.timestamp = UINT64_MAX;
    t.has_timestamp = true;
    t.client_id = s("Z");
    t.has_client_id = true;
    ROUND_TRIP(touch, &t, TOUCH);
    ck_assert_str_eq(g_out, "{\"_t\":18446744073709551615,\"type\":3,\"client_id\":\"Z\"}");
}
END_TEST

START_TEST(test_roundtrip_hello)
{
    residue_hello h;
    residue_hello_init(&h);
    h.key = (rp_bytes){ key32, 16 };
    h.has_key = true;
    h.client_id = s("iomjhtvrmyqdfqxu");
    h.has_client_id = true;
    ROUND_TRIP(hello, &h, HELLO);
    ck_assert_str_eq(g_out, "{\"status\":0,\"ack\":0,\"key\":\"0102030405060708090A0B0C0D0E0F10\","
                            "\"client_id\":\"iomjhtvrmyqdfqxu\"}");
    h.token = (rp_bytes){ key32 + 16, 16 };
    h.has_token = true;
    ROUND_TRIP(hello, &h, HELLO);
    ck_assert(g_any2.u.hello.has_token && g_any2.u.hello.token.ptr[15] == 0xFF);
}
END_TEST

START_TEST(test_roundtrip_established)
{
    residue_established e;
    residue_established_init(&e);
    e.flags = RESIDUE_SERVER_FLAGS_ALL;
    e.has_flags = true;
    e.max_bulk_size = 10000;
    e.has_max_bulk_size = true;
    e.key = (rp_bytes){ key32, 24 };
    e.has_key = true;
    e.client_id = s("c");
    e.has_client_id = true;
    e.logging_port = 65535;
    e.has_logging_port = true;
    ROUND_TRIP(established, &e, EST);
    ck_assert(!g_any2.u.established.has_server_info && !g_any2.u.established.has_age);
    /* every optional field, including the ones of old servers */
    e.licensee = s("");
    e.has_licensee = true;
    residue_server_info_init(&e.server_info);
    e.server_info.version = s("1.2.1");
    e.server_info.has_version = true;
    e.server_info.licensee = s("ACME");
    e.server_info.has_licensee = true;
    e.server_info.license_expiry = s("never");
    e.server_info.has_license_expiry = true;
    e.server_info.licensing_authority = s("me");
    e.server_info.has_licensing_authority = true;
    e.has_server_info = true;
    e.token = (rp_bytes){ key32, 16 };
    e.has_token = true;
    e.token_port = 1;
    e.has_token_port = true;
    e.age = 0;
    e.has_age = true;
    e.date_created = 0;
    e.has_date_created = true;
    ROUND_TRIP(established, &e, EST);
    const residue_established *d = &g_any2.u.established;
    ck_assert(d->has_age && d->age == 0); /* present zero is not absent */
    ck_assert(d->has_token_port && d->token_port == 1);
    ck_assert_str_eq(d->server_info.licensing_authority.ptr, "me");
    ck_assert(d->has_licensee && d->licensee.len == 0);
}
END_TEST

START_TEST(test_roundtrip_error_reply)
{
    residue_connect_error ce;
    residue_connect_error_init(&ce);
    ce.error_text = s("");
    ce.has_error_text = true;
    ROUND_TRIP(connect_error, &ce, CERR);
    ck_assert_str_eq(g_out, "{\"status\":1,\"ack\":0,\"error_text\":\"\"}");
    /* escaping: quote, backslash, control characters, UTF-8 */
    ce.error_text = s("a\"b\\c\n\x01\xc3\xa9");
    ROUND_TRIP(connect_error, &ce, CERR);
    ck_assert_str_eq(g_out, "{\"status\":1,\"ack\":0,\"error_text\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"}");
    ck_assert_str_eq(g_any2.u.connect_error.error_text.ptr, "a\"b\\c\n\x01\xc3\xa9");
    residue_log_reply r;
    residue_log_reply_init(&r);
    ck_assert(!r.has_r);
    r.r = RESIDUE_LOG_STATUS_BAD_REQUEST;
    r.has_r = true;
    ROUND_TRIP(log_reply, &r, REPLY);
    ck_assert_str_eq(g_out, "{\"r\":1}");
}
END_TEST

static void full_log(residue_log_request *l, const char *msg)
{
    residue_log_request_init(l);
    ck_assert(!l->has_logger && l->logger.ptr != NULL);
    ck_assert_str_eq(l->logger.ptr, "default"); /* default in, presence still false */
    ck_assert(!l->has_vlevel && l->vlevel == 9);
    l->timestamp = 1795667583u;
    l->has_timestamp = true;
    l->datetime = 1795667583123u;
    l->has_datetime = true;
    l->msg = s(msg);
    l->has_msg = true;
    l->level = RESIDUE_LEVEL_INFO;
    l->has_level = true;
}

START_TEST(test_roundtrip_log)
{
    residue_log_request *l = &g_any.u.log_request;
    full_log(l, "m");
    ROUND_TRIP(log_request, l, LOG);
    ck_assert_str_eq(g_out, "{\"_t\":1795667583,\"datetime\":1795667583123,\"msg\":\"m\",\"level\":128}");
    ck_assert(!g_any2.u.log_request.has_logger);
    ck_assert_str_eq(g_any2.u.log_request.logger.ptr, "default");
    ck_assert_uint_eq(g_any2.u.log_request.vlevel, 9);
    l->logger = s("l");
    l->file = s("f.c");
    l->line = 7;
    l->func = s("fn");
    l->app = s("app");
    l->vlevel = 0;
    l->thread = s("main");
    l->client_id = s("");
    l->token = s("tok");
    l->has_logger = l->has_file = l->has_line = l->has_func = l->has_app = true;
    l->has_vlevel = l->has_thread = l->has_client_id = l->has_token = true;
    ROUND_TRIP(log_request, l, LOG);
    ck_assert(g_any2.u.log_request.has_vlevel && g_any2.u.log_request.vlevel == 0);
    ck_assert_str_eq(g_any2.u.log_request.token.ptr, "tok");

    residue_log_bulk *b = &g_any.u.log_bulk;
    residue_log_bulk_init(b);
    for (size_t i = 0; i < 500; i++)
        full_log(&b->items[i], "bulk");
    b->count = 500;
    ROUND_TRIP(log_bulk, b, BULK);
    ck_assert_uint_eq(g_any2.u.log_bulk.count, 500);
    b->count = 1;
    ROUND_TRIP(log_bulk, b, BULK);
    ck_assert_uint_eq(g_any2.u.log_bulk.count, 1);
}
END_TEST

/* ---- constraints -------------------------------------------------------------------------- */

/* One decode case: JSON on a route, the expected status, and for failures the path and
 * the spec rule (section, a needle on the rule's line, the rule's first token). */
typedef struct rule_case {
    residue_port port;
    residue_peer dir;
    const char *json;
    int rc;
    const char *path;
    const char *section, *needle, *token;
} rule_case;

#define C2S RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT
#define S2C RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER
#define LOGC RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT
#define LOGS RESIDUE_PORT_LOGGING, RESIDUE_PEER_SERVER
#define OK_CASE(route, json) { route, json, 0, NULL, NULL, NULL, NULL }
#define EST_HEAD "{\"status\":0,\"ack\":1,\"flags\":1521,\"max_bulk_size\":50,"
#define EST_TAIL "\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"c\",\"logging_port\":1}"
#define LOG_HEAD "{\"_t\":1,\"datetime\":1,\"msg\":\"m\",\"level\":128"

static const rule_case rule_cases[] = {
    /* range 1.. on _t */
    OK_CASE(C2S, "{\"_t\":1,\"type\":1}"),
    { C2S, "{\"_t\":0,\"type\":1}", RP_E_SCHEMA_RANGE, "$._t", "message Connect ", "\"_t\"", "range" },
    /* one_of on key_size */
    OK_CASE(C2S, "{\"_t\":1,\"type\":1,\"key_size\":128}"),
    OK_CASE(C2S, "{\"_t\":1,\"type\":1,\"key_size\":256}"),
    { C2S, "{\"_t\":1,\"type\":1,\"key_size\":255}", RP_E_SCHEMA_RANGE, "$.key_size", "message Connect ", "\"key_size\"", "one_of" },
    { C2S, "{\"_t\":1,\"type\":1,\"key_size\":65536}", RP_E_SCHEMA_RANGE, "$.key_size", "message Connect ", "\"key_size\"", "optional" },
    /* len 1..128 and charset on client_id */
    OK_CASE(C2S, "{\"_t\":1,\"type\":1,\"client_id\":\"a\"}"),
    OK_CASE(C2S, "{\"_t\":1,\"type\":1,\"client_id\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\"}"),
    /* (an empty client_id: strict and wire differ, test_strict_and_wire_modes) */
    { C2S, "{\"_t\":1,\"type\":1,\"client_id\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\"}",
      RP_E_SCHEMA_LENGTH, "$.client_id", "message Connect ", "\"client_id\"", "len" },
    { C2S, "{\"_t\":1,\"type\":1,\"client_id\":\"a b\"}", RP_E_SCHEMA_CHARSET, "$.client_id", "message Connect ", "\"client_id\"", "client_id]" },
    OK_CASE(C2S, "{\"_t\":1,\"type\":1,\"client_id\":\"A-Za-z0-9_@#.\"}"),
    /* base64 + len 1..4096 on rsa_public_key */
    OK_CASE(C2S, "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QQ==\"}"),
    { C2S, "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"\"}", RP_E_SCHEMA_LENGTH, "$.rsa_public_key", "message Connect ", "\"rsa_public_key\"", "len" },
    /* const on Acknowledgement type; required client_id */
    { C2S, "{\"_t\":1,\"type\":2}", RP_E_SCHEMA_MISSING, "$.client_id", "message Acknowledgement ", "\"client_id\"", "required" },
    { C2S, "{\"_t\":1,\"type\":7,\"client_id\":\"a\"}", RP_E_SCHEMA_MESSAGE, "", NULL, NULL, NULL },
    /* Hello: hex + len {16, 24, 32}, token len 16 */
    OK_CASE(S2C, "{\"status\":0,\"ack\":0,\"key\":\"00112233445566778899aabbccddeeff0011223344556677\",\"client_id\":\"c\"}"),
    { S2C, "{\"status\":0,\"ack\":0,\"key\":\"00112233445566778899AABBCCDDEE\",\"client_id\":\"c\"}", RP_E_SCHEMA_LENGTH, "$.key", "message Hello ", "\"key\"", "len" },
    { S2C, "{\"status\":0,\"ack\":0,\"key\":\"0011223344556677889XAABBCCDDEEFF\",\"client_id\":\"c\"}", RP_E_HEX, "$.key", "message Hello ", "\"key\"", "required" },
    { S2C, "{\"status\":0,\"ack\":0,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"c\",\"token\":\"0011\"}", RP_E_SCHEMA_LENGTH, "$.token", "message Hello ", "\"token\"", "len" },
    /* Established: flags bits, range on max_bulk_size and logging_port, nested charset */
    OK_CASE(S2C, EST_HEAD EST_TAIL),
    { S2C, "{\"status\":0,\"ack\":1,\"flags\":4096,\"max_bulk_size\":50," EST_TAIL, RP_E_SCHEMA_RANGE, "$.flags", "message Established ", "\"flags\"", "ServerFlags" },
    { S2C, "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":0," EST_TAIL, RP_E_SCHEMA_RANGE, "$.max_bulk_size", "message Established ", "\"max_bulk_size\"", "range" },
    OK_CASE(S2C, "{\"status\":0,\"ack\":1,\"flags\":0,\"max_bulk_size\":10000," EST_TAIL),
    { S2C, "{\"status\":0,\"ack\":1,\"flags\":0,\"max_bulk_size\":10001," EST_TAIL, RP_E_SCHEMA_RANGE, "$.max_bulk_size", "message Established ", "\"max_bulk_size\"", "range" },
    { S2C, EST_HEAD "\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"c\",\"logging_port\":0}", RP_E_SCHEMA_RANGE, "$.logging_port", "message Established ", "\"logging_port\"", "range" },
    { S2C, EST_HEAD "\"server_info\":{\"version\":\"2.3.6 beta\"}," EST_TAIL, RP_E_SCHEMA_CHARSET, "$.server_info.version", "message ServerInfo ", "\"version\"", "version]" },
    { S2C, EST_HEAD "\"server_info\":{}," EST_TAIL, RP_E_SCHEMA_MISSING, "$.server_info.version", "message ServerInfo ", "\"version\"", "required" },
    { S2C, EST_HEAD "\"server_info\":7," EST_TAIL, RP_E_SCHEMA_TYPE, "$.server_info", "message Established ", "\"server_info\"", "optional" },
    /* status + ack discriminate the three connect-port replies */
    { S2C, "{\"status\":1,\"ack\":1,\"error_text\":\"x\"}", RP_E_SCHEMA_MESSAGE, "", NULL, NULL, NULL },
    OK_CASE(S2C, "{\"status\":1,\"ack\":0,\"error_text\":\"\"}"),
    /* LogRequest: enum level, range vlevel, lengths */
    OK_CASE(LOGC, LOG_HEAD ",\"vlevel\":9}"),
    { LOGC, LOG_HEAD ",\"vlevel\":10}", RP_E_SCHEMA_RANGE, "$.vlevel", "message LogRequest ", "\"vlevel\"", "range" },
    { LOGC, "{\"_t\":1,\"datetime\":1,\"msg\":\"m\",\"level\":3}", RP_E_SCHEMA_RANGE, "$.level", "message LogRequest ", "\"level\"", "Level" },
    { LOGC, "{\"_t\":1,\"datetime\":1,\"msg\":\"\",\"level\":2}", RP_E_SCHEMA_LENGTH, "$.msg", "message LogRequest ", "\"msg\"", "len" },
    { LOGC, LOG_HEAD ",\"logger\":\"\"}", RP_E_SCHEMA_LENGTH, "$.logger", "message LogRequest ", "\"logger\"", "len" },
    { LOGC, "{\"_t\":1,\"datetime\":0,\"msg\":\"m\",\"level\":2}", RP_E_SCHEMA_RANGE, "$.datetime", "message LogRequest ", "\"datetime\"", "range" },
    /* LogBulk: len 1..500 on the array and item paths */
    OK_CASE(LOGC, "[" LOG_HEAD "}]"),
    { LOGC, "[]", RP_E_SCHEMA_LENGTH, "$", "array LogBulk", "LogBulk", "len" },
    { LOGC, "[" LOG_HEAD "}," LOG_HEAD "}," LOG_HEAD "}," "{\"_t\":1,\"datetime\":1,\"level\":2}]", RP_E_SCHEMA_MISSING, "$[3].msg", "message LogRequest ", "\"msg\"", "required" },
    { LOGC, "[1]", RP_E_SCHEMA_TYPE, "$[0]", "array LogBulk", "LogBulk", "LogBulk" },
    /* LogReply: enum */
    OK_CASE(LOGS, "{\"r\":2}"),
    { LOGS, "{\"r\":3}", RP_E_SCHEMA_RANGE, "$.r", "message LogReply ", "\"r\"", "LogStatus" },
    { LOGS, "[]", RP_E_SCHEMA_MESSAGE, "", NULL, NULL, NULL },
};

START_TEST(test_constraint_cases)
{
    for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
        const rule_case *c = &rule_cases[i];
        for (int mode = 0; mode < 2; mode++) {
            rp_error err;
            int rc = decode_any(c->json, c->port, c->dir, mode ? &residue_profile_wire : NULL, &err);
            ck_assert_msg(rc == c->rc, "case %zu %s: got %d (%s at %s), want %d", i, c->json, rc,
                          err.message, err.path, c->rc);
            if (rc == 0)
                continue;
            ck_assert_msg(strcmp(err.path, c->path) == 0, "case %zu: path %s, want %s", i, err.path, c->path);
            ck_assert(err.offset != SIZE_MAX && err.offset < strlen(c->json));
            if (c->section == NULL)
                continue;
            uint32_t line, col;
            spec_loc(c->section, c->needle, c->token, &line, &col);
            ck_assert_msg(err.spec.file != NULL && strcmp(err.spec.file, SPEC_NAME) == 0, "case %zu", i);
            ck_assert_msg(err.spec.line == line && err.spec.column == col,
                          "case %zu %s: spec %u:%u, want %u:%u (%s)", i, c->json, err.spec.line,
                          err.spec.column, line, col, err.message);
        }
    }
}
END_TEST

/* Every length rule of the spec at both bounds: min and max pass, min - 1 and max + 1 fail
 * with RP_E_SCHEMA_LENGTH at the field's path and the rule's spec location. The value is
 * the string (or, for bytes, the hex/base64 text of) n bytes between prefix and suffix. */
typedef struct len_case {
    residue_port port;
    residue_peer dir;
    const char *prefix, *suffix;
    char kind;               /* 's' string of 'a's, 'h' hex bytes, 'b' base64 bytes */
    size_t min, max;
    const char *path;
    const char *section, *needle;
} len_case;

static const len_case len_cases[] = {
    { C2S, "{\"_t\":1,\"type\":1,\"client_id\":\"", "\"}", 's', 1, 128, "$.client_id", "message Connect ", "\"client_id\"" },
    { C2S, "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"", "\"}", 'b', 1, 4096, "$.rsa_public_key", "message Connect ", "\"rsa_public_key\"" },
    { C2S, "{\"_t\":1,\"type\":2,\"client_id\":\"", "\"}", 's', 1, 128, "$.client_id", "message Acknowledgement ", "\"client_id\"" },
    { C2S, "{\"_t\":1,\"type\":3,\"client_id\":\"", "\"}", 's', 1, 128, "$.client_id", "message Touch ", "\"client_id\"" },
    { S2C, "{\"status\":0,\"ack\":0,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"", "\"}", 's', 1, 128, "$.client_id", "message Hello ", "\"client_id\"" },
    { S2C, "{\"status\":0,\"ack\":0,\"client_id\":\"c\",\"token\":\"", "\",\"key\":\"00112233445566778899AABBCCDDEEFF\"}", 'h', 16, 16, "$.token", "message Hello ", "\"token\"" },
    { S2C, EST_HEAD "\"server_info\":{\"version\":\"", "\"}," EST_TAIL, 's', 1, 32, "$.server_info.version", "message ServerInfo ", "\"version\"" },
    { S2C, EST_HEAD "\"server_info\":{\"version\":\"1\",\"licensee\":\"", "\"}," EST_TAIL, 's', 0, 256, "$.server_info.licensee", "message ServerInfo ", "\"licensee\"" },
    { S2C, EST_HEAD "\"server_info\":{\"version\":\"1\",\"license_expiry\":\"", "\"}," EST_TAIL, 's', 0, 64, "$.server_info.license_expiry", "message ServerInfo ", "\"license_expiry\"" },
    { S2C, EST_HEAD "\"server_info\":{\"version\":\"1\",\"licensing_authority\":\"", "\"}," EST_TAIL, 's', 0, 256, "$.server_info.licensing_authority", "message ServerInfo ", "\"licensing_authority\"" },
    { S2C, EST_HEAD "\"licensee\":\"", "\"," EST_TAIL, 's', 0, 256, "$.licensee", "message Established ", "\"licensee\"" },
    { S2C, EST_HEAD "\"token\":\"", "\"," EST_TAIL, 'h', 16, 16, "$.token", "message Established ", "\"token\"" },
    { S2C, EST_HEAD "\"logging_port\":1,\"client_id\":\"c\",\"key\":\"", "\"}", 'h', 16, 32, "$.key", "message Established ", "\"key\"" },
    { S2C, EST_HEAD "\"logging_port\":1,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"", "\"}", 's', 1, 128, "$.client_id", "message Established ", "\"client_id\"" },
    { S2C, "{\"status\":1,\"ack\":0,\"error_text\":\"", "\"}", 's', 0, 1024, "$.error_text", "message ConnectError ", "\"error_text\"" },
    { LOGC, LOG_HEAD ",\"logger\":\"", "\"}", 's', 1, 1048576, "$.logger", "message LogRequest ", "\"logger\"" },
    { LOGC, "{\"_t\":1,\"datetime\":1,\"level\":128,\"msg\":\"", "\"}", 's', 1, 1073741824, "$.msg", "message LogRequest ", "\"msg\"" },
    { LOGC, LOG_HEAD ",\"file\":\"", "\"}", 's', 0, 1048576, "$.file", "message LogRequest ", "\"file\"" },
    { LOGC, LOG_HEAD ",\"func\":\"", "\"}", 's', 0, 1048576, "$.func", "message LogRequest ", "\"func\"" },
    { LOGC, LOG_HEAD ",\"app\":\"", "\"}", 's', 0, 1048576, "$.app", "message LogRequest ", "\"app\"" },
    { LOGC, LOG_HEAD ",\"thread\":\"", "\"}", 's', 0, 1048576, "$.thread", "message LogRequest ", "\"thread\"" },
    { LOGC, LOG_HEAD ",\"client_id\":\"", "\"}", 's', 0, 128, "$.client_id", "message LogRequest ", "\"client_id\"" },
    { LOGC, LOG_HEAD ",\"token\":\"", "\"}", 's', 0, 64, "$.token", "message LogRequest ", "\"token\"" },
};

/* prefix + value of n units + suffix, in g_text. */
static char g_text[1 << 18];

static const char *len_json(const len_case *c, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t at = (size_t)snprintf(g_text, sizeof g_text, "%s", c->prefix);
    if (c->kind == 's') {
        memset(g_text + at, 'a', n);
        at += n;
    } else if (c->kind == 'h') {
        memset(g_text + at, 'A', 2 * n);
        at += 2 * n;
    } else { /* base64 of n bytes, padded */
        size_t chars = (n + 2) / 3 * 4, pad = (3 - n % 3) % 3;
        for (size_t i = 0; i < chars; i++)
            g_text[at + i] = i + pad >= chars ? '=' : b64[i % 64 == 63 ? 0 : i % 64];
        /* the last data character must leave the unused bits zero: 'A' does */
        if (pad > 0)
            g_text[at + chars - pad - 1] = 'A';
        at += chars;
    }
    snprintf(g_text + at, sizeof g_text - at, "%s", c->suffix);
    return g_text;
}

START_TEST(test_length_bounds)
{
    for (size_t i = 0; i < sizeof len_cases / sizeof len_cases[0]; i++) {
        const len_case *c = &len_cases[i];
        uint32_t line, col;
        spec_loc(c->section, c->needle, "len", &line, &col);
        size_t probes[4] = { c->min, c->max, c->max + 1, c->min - 1 };
        size_t nprobes = c->min > 0 ? 4 : 3;
        for (size_t k = 0; k < nprobes; k++) {
            rp_error err;
            /* msg's 1 GiB bound cannot be built here; the server's configured line limit
             * (max_log_line_size) is tested at its bounds in test_session_server. */
            if (probes[k] > sizeof g_text / 4)
                continue;
            const char *json = len_json(c, probes[k]);
            int rc = decode_any(json, c->port, c->dir, NULL, &err);
            int want = k < 2 ? 0 : RP_E_SCHEMA_LENGTH;
            ck_assert_msg(rc == want, "len case %zu (%s) n=%zu: %d %s at %s", i, c->path, probes[k], rc,
                          err.message, err.path);
            if (want == 0)
                continue;
            ck_assert_str_eq(err.path, c->path);
            ck_assert_msg(err.spec.line == line && err.spec.column == col, "len case %zu: %u:%u want %u:%u",
                          i, err.spec.line, err.spec.column, line, col);
        }
    }
}
END_TEST

/* Constants and enums, through each message's own decoder (decode_any would not pick a
 * message whose discriminator is wrong; it answers RP_E_SCHEMA_MESSAGE instead). */
#define DIRECT(kind, json, want, wpath, section, needle, token)                                  \
    do {                                                                                         \
        rp_error e_;                                                                             \
        rp_arena a_ = fresh_arena();                                                             \
        int rc_ = residue_##kind##_decode(json, strlen(json), &g_any.u.kind, &a_, NULL, &e_); \
        ck_assert_msg(rc_ == (want), "%s: %d %s", json, rc_, e_.message);                         \
        ck_assert_str_eq(e_.path, wpath);                                                        \
        uint32_t l_, c_;                                                                         \
        spec_loc(section, needle, token, &l_, &c_);                                              \
        ck_assert_msg(e_.spec.line == l_ && e_.spec.column == c_, "%s: %u:%u want %u:%u", json,    \
                      e_.spec.line, e_.spec.column, l_, c_);                                     \
    } while (0)

START_TEST(test_consts_and_enums)
{
    DIRECT(connect, "{\"_t\":1,\"type\":7}", RP_E_SCHEMA_RANGE, "$.type", "message Connect ", "\"type\"", "RequestType");
    DIRECT(connect, "{\"_t\":1,\"type\":2}", RP_E_SCHEMA_CONST, "$.type", "message Connect ", "\"type\"", "CONNECT]");
    DIRECT(acknowledgement, "{\"_t\":1,\"type\":3,\"client_id\":\"a\"}", RP_E_SCHEMA_CONST, "$.type", "message Acknowledgement ", "\"type\"", "ACKNOWLEDGEMENT]");
    DIRECT(acknowledgement, "{\"_t\":0,\"type\":2,\"client_id\":\"a\"}", RP_E_SCHEMA_RANGE, "$._t", "message Acknowledgement ", "\"_t\"", "range");
    DIRECT(acknowledgement, "{\"_t\":1,\"type\":2,\"client_id\":\"a:b\"}", RP_E_SCHEMA_CHARSET, "$.client_id", "message Acknowledgement ", "\"client_id\"", "client_id]");
    DIRECT(touch, "{\"_t\":1,\"type\":1,\"client_id\":\"a\"}", RP_E_SCHEMA_CONST, "$.type", "message Touch ", "\"type\"", "TOUCH]");
    DIRECT(touch, "{\"_t\":0,\"type\":3,\"client_id\":\"a\"}", RP_E_SCHEMA_RANGE, "$._t", "message Touch ", "\"_t\"", "range");
    DIRECT(touch, "{\"_t\":1,\"type\":3,\"client_id\":\"\\u00e9\"}", RP_E_SCHEMA_CHARSET, "$.client_id", "message Touch ", "\"client_id\"", "client_id]");
    DIRECT(hello, "{\"status\":1,\"ack\":0,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"c\"}", RP_E_SCHEMA_CONST, "$.status", "message Hello ", "\"status\"", "OK]");
    DIRECT(hello, "{\"status\":0,\"ack\":1,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"c\"}", RP_E_SCHEMA_CONST, "$.ack", "message Hello ", "\"ack\"", "NOT_ACKNOWLEDGED]");
    DIRECT(hello, "{\"status\":2,\"ack\":0,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"c\"}", RP_E_SCHEMA_RANGE, "$.status", "message Hello ", "\"status\"", "ResponseStatus");
    DIRECT(hello, "{\"status\":0,\"ack\":0,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"c d\"}", RP_E_SCHEMA_CHARSET, "$.client_id", "message Hello ", "\"client_id\"", "client_id]");
    DIRECT(established, "{\"status\":1,\"ack\":1,\"flags\":1,\"max_bulk_size\":50," EST_TAIL, RP_E_SCHEMA_CONST, "$.status", "message Established ", "\"status\"", "OK]");
    DIRECT(established, "{\"status\":0,\"ack\":0,\"flags\":1,\"max_bulk_size\":50," EST_TAIL, RP_E_SCHEMA_CONST, "$.ack", "message Established ", "\"ack\"", "ACKNOWLEDGED]");
    DIRECT(established, "{\"status\":0,\"ack\":2,\"flags\":1,\"max_bulk_size\":50," EST_TAIL, RP_E_SCHEMA_RANGE, "$.ack", "message Established ", "\"ack\"", "AckState");
    DIRECT(established, EST_HEAD "\"token_port\":0," EST_TAIL, RP_E_SCHEMA_RANGE, "$.token_port", "message Established ", "\"token_port\"", "range");
    DIRECT(established, EST_HEAD "\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"#\",\"logging_port\":65536}", RP_E_SCHEMA_RANGE, "$.logging_port", "message Established ", "\"logging_port\"", "required");
    DIRECT(established, EST_HEAD "\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"!\",\"logging_port\":1}", RP_E_SCHEMA_CHARSET, "$.client_id", "message Established ", "\"client_id\"", "client_id]");
    DIRECT(connect_error, "{\"status\":0,\"ack\":0,\"error_text\":\"\"}", RP_E_SCHEMA_CONST, "$.status", "message ConnectError ", "\"status\"", "ERROR]");
    DIRECT(connect_error, "{\"status\":1,\"ack\":1,\"error_text\":\"\"}", RP_E_SCHEMA_CONST, "$.ack", "message ConnectError ", "\"ack\"", "NOT_ACKNOWLEDGED]");
    DIRECT(log_request, "{\"_t\":0,\"datetime\":1,\"msg\":\"m\",\"level\":2}", RP_E_SCHEMA_RANGE, "$._t", "message LogRequest ", "\"_t\"", "range");
    DIRECT(log_request, LOG_HEAD ",\"vlevel\":256}", RP_E_SCHEMA_RANGE, "$.vlevel", "message LogRequest ", "\"vlevel\"", "optional");
    DIRECT(log_request, LOG_HEAD ",\"line\":4294967296}", RP_E_SCHEMA_RANGE, "$.line", "message LogRequest ", "\"line\"", "optional");
    /* boundaries that pass */
    rp_error err;
    ck_assert_int_eq(decode_any(EST_HEAD "\"token_port\":65535,\"age\":4294967295,\"date_created\":18446744073709551615," EST_TAIL,
                                S2C, NULL, &err), 0);
    ck_assert_int_eq(decode_any(LOG_HEAD ",\"vlevel\":0,\"line\":4294967295}", LOGC, NULL, &err), 0);
    ck_assert_int_eq(decode_any(LOG_HEAD ",\"level\":1}", LOGC, &residue_profile_wire, &err), 0);
}
END_TEST

START_TEST(test_validate_and_encode_refuse)
{
    rp_error err;
    size_t n = 99;
    residue_connect c;
    residue_connect_init(&c);
    /* required _t absent */
    ck_assert_int_eq(residue_connect_validate(&c, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$._t");
    ck_assert_uint_eq(err.offset, SIZE_MAX);
    ck_assert_int_eq(residue_connect_encode(&c, g_out, sizeof g_out, &n, &err), RP_E_SCHEMA_MISSING);
    ck_assert_uint_eq(n, 0);
    c.timestamp = 5;
    c.has_timestamp = true;
    c.type = RESIDUE_REQUEST_TYPE_TOUCH; /* const violated */
    ck_assert_int_eq(residue_connect_validate(&c, &err), RP_E_SCHEMA_CONST);
    ck_assert_str_eq(err.path, "$.type");
    ck_assert_msg(strstr(err.message, "CONNECT (1)") != NULL, "%s", err.message);
    c.type = RESIDUE_REQUEST_TYPE_CONNECT;
    c.client_id = s("bad id");
    c.has_client_id = true;
    ck_assert_int_eq(residue_connect_validate(&c, &err), RP_E_SCHEMA_CHARSET);
    c.client_id = s("\xff");
    ck_assert_int_eq(residue_connect_validate(&c, &err), RP_E_JSON_UTF8);
    c.client_id = (rp_str){ NULL, 3 };
    ck_assert_int_eq(residue_connect_validate(&c, &err), RP_E_ARGUMENT);
    c.has_client_id = false; /* absent fields are not checked */
    ck_assert_int_eq(residue_connect_validate(&c, &err), 0);

    residue_established e;
    residue_established_init(&e);
    e.flags = 1u << 20;
    e.has_flags = true;
    ck_assert_int_eq(residue_established_validate(&e, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.flags");
    e.flags = 0;
    e.max_bulk_size = 1;
    e.has_max_bulk_size = true;
    e.key = (rp_bytes){ key32, 32 };
    e.has_key = true;
    e.client_id = s("x");
    e.has_client_id = true;
    e.logging_port = 1;
    e.has_logging_port = true;
    e.has_server_info = true; /* present but its required version is not */
    ck_assert_int_eq(residue_established_validate(&e, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.server_info.version");

    residue_log_bulk *b = &g_any.u.log_bulk;
    residue_log_bulk_init(b);
    ck_assert_int_eq(residue_log_bulk_validate(b, &err), RP_E_SCHEMA_LENGTH);
    b->count = 501;
    ck_assert_int_eq(residue_log_bulk_validate(b, &err), RP_E_SCHEMA_LENGTH);
    full_log(&b->items[0], "a");
    full_log(&b->items[1], "b");
    b->items[1].level = (residue_level)5;
    b->count = 2;
    ck_assert_int_eq(residue_log_bulk_validate(b, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$[1].level");
}
END_TEST

/* ---- modes -------------------------------------------------------------------------------- */

START_TEST(test_strict_and_wire_modes)
{
    rp_error err;
    /* duplicate key: strict refuses, wire keeps the first (as the real server does), a
     * profile with duplicate_keys = last the last */
    rp_schema_profile wire_last = residue_profile_wire;
    wire_last.duplicate_keys = RP_DUPLICATES_LAST;
    const char *dup = "{\"_t\":1,\"_t\":2,\"type\":1}";
    ck_assert_int_eq(decode_any(dup, C2S, NULL, &err), RP_E_SCHEMA_DUPLICATE);
    ck_assert_str_eq(err.path, "$._t");
    ck_assert_uint_eq(err.offset, 8);
    ck_assert_int_eq(decode_any(dup, C2S, &residue_profile_wire, &err), 0);
    ck_assert_uint_eq(g_any.u.connect.timestamp, 1);
    ck_assert_int_eq(decode_any(dup, C2S, &wire_last, &err), 0);
    ck_assert_uint_eq(g_any.u.connect.timestamp, 2);
    /* ... whole: under last, a last "type" that reads as absent (a string) leaves no type, so
     * the decoder and the classifier agree that this is no message (a fuzz_decode find);
     * under first, the first type stands for both */
    const char *gone = "{\"_t\":1,\"type\":1,\"type\":\"1\"}";
    ck_assert_int_eq(decode_any(gone, C2S, &wire_last, &err), RP_E_SCHEMA_MESSAGE);
    rp_arena ga = fresh_arena();
    ck_assert_int_eq(residue_connect_decode(gone, strlen(gone), &g_any.u.connect, &ga, &wire_last, &err),
                     RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.type");
    ck_assert_int_eq(decode_any(gone, C2S, &residue_profile_wire, &err), 0);
    ck_assert_int_eq(g_any.id, RESIDUE_MSG_CONNECT);
    const char *first_gone = "{\"_t\":1,\"type\":\"1\",\"type\":1}";
    ck_assert_int_eq(decode_any(first_gone, C2S, &residue_profile_wire, &err), RP_E_SCHEMA_MESSAGE);
    ga = fresh_arena();
    ck_assert_int_eq(residue_connect_decode(first_gone, strlen(first_gone), &g_any.u.connect, &ga,
                                            &residue_profile_wire, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.type");
    /* an error inside a value the decoder skips (an unknown key's) names that key */
    const char *bad_unknown = "{\"_t\":1,\"type\":1,\"zz\":[\"\xff\"]}";
    rp_arena ua = fresh_arena();
    ck_assert_int_eq(residue_connect_decode(bad_unknown, strlen(bad_unknown), &g_any.u.connect, &ua, NULL, &err),
                     RP_E_JSON_UTF8);
    ck_assert_str_eq(err.path, "$.zz");
    /* and a first relaxed 0 leaves _t absent, not the later 5 (under last, the reverse) */
    ck_assert_int_eq(decode_any("{\"_t\":0,\"type\":1,\"_t\":5}", C2S, &residue_profile_wire_untimed, &err), 0);
    ck_assert(!g_any.u.connect.has_timestamp);
    ck_assert_int_eq(decode_any("{\"_t\":5,\"type\":1,\"_t\":0}", C2S, &residue_profile_wire_untimed, &err), 0);
    ck_assert(g_any.u.connect.has_timestamp && g_any.u.connect.timestamp == 5);
    rp_schema_profile untimed_last = residue_profile_wire_untimed;
    untimed_last.duplicate_keys = RP_DUPLICATES_LAST;
    ck_assert_int_eq(decode_any("{\"_t\":5,\"type\":1,\"_t\":0}", C2S, &untimed_last, &err), 0);
    ck_assert(!g_any.u.connect.has_timestamp);
    /* an empty client_id is no id under wire (relax "client_id" = empty_is_absent), from the
     * lane and from the walk alike; strict decoding keeps it */
    const char *empty_ids[] = {
        "{\"_t\":1,\"type\":1,\"client_id\":\"\",\"rsa_public_key\":\"QQ==\"}",
        "{\"_t\":1, \"type\":1, \"client_id\":\"\", \"rsa_public_key\":\"QQ==\"}",
    };
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(decode_any(empty_ids[i], C2S, &residue_profile_wire, &err), 0);
        ck_assert(!g_any.u.connect.has_client_id && g_any.u.connect.has_rsa_public_key);
        ck_assert_int_eq(decode_any(empty_ids[i], C2S, NULL, &err), RP_E_SCHEMA_LENGTH);
    }
    const char *log_empty_id = "{\"_t\":1,\"datetime\":1,\"logger\":\"a\",\"msg\":\"m\",\"level\":4,\"client_id\":\"\"}";
    rp_arena la = fresh_arena();
    ck_assert_int_eq(residue_log_request_decode(log_empty_id, strlen(log_empty_id), &g_any.u.log_request, &la,
                                                &residue_profile_wire, &err), 0);
    ck_assert(!g_any.u.log_request.has_client_id);
    la = fresh_arena();
    ck_assert_int_eq(residue_log_request_decode(log_empty_id, strlen(log_empty_id), &g_any.u.log_request, &la,
                                                NULL, &err), 0);
    ck_assert(g_any.u.log_request.has_client_id && g_any.u.log_request.client_id.len == 0);
    /* in an ACK, which needs it, it is missing, and the error says why */
    const char *ack_empty = "{\"_t\":1,\"type\":2,\"client_id\":\"\"}";
    la = fresh_arena();
    ck_assert_int_eq(residue_acknowledgement_decode(ack_empty, strlen(ack_empty), &g_any.u.acknowledgement, &la,
                                                    &residue_profile_wire, &err), RP_E_SCHEMA_MISSING);
    ck_assert_msg(strstr(err.message, "the profile reads an empty string as absent") != NULL, "%s", err.message);
    ck_assert_uint_eq(err.offset, 29); /* at the "" */
    /* unknown keys are skipped (option unknown_keys = ignore), but must be JSON */
    ck_assert_int_eq(decode_any("{\"_t\":1,\"x\":{\"y\":[1,2,null]},\"type\":1}", C2S, NULL, &err), 0);
    ck_assert_int_eq(decode_any("{\"_t\":1,\"x\":[1,,2],\"type\":1}", C2S, &residue_profile_wire, &err), RP_E_JSON_SYNTAX);
    /* trailing bytes */
    ck_assert_int_eq(decode_any("{\"r\":0}garbage", LOGS, NULL, &err), RP_E_JSON_TRAILING);
    ck_assert_int_eq(decode_any("{\"r\":0}garbage", LOGS, &residue_profile_wire, &err), 0);
    /* floats where integers belong */
    const char *flt = "{\"_t\":1795667583.9,\"type\":1.0}";
    ck_assert_int_eq(decode_any(flt, C2S, NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_msg(strstr(err.message, "type not an integer") != NULL, "%s", err.message);
    rp_arena fa = fresh_arena();
    ck_assert_int_eq(residue_connect_decode(flt, strlen(flt), &g_any.u.connect, &fa, NULL, &err),
                     RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.path, "$._t");
    ck_assert_str_eq(err.message, "expected an integer, found 1795667583.9");
    ck_assert_uint_ne(err.spec.line, 0); /* a schema problem: it names the field's spec line */
    ck_assert_int_eq(decode_any(flt, C2S, &residue_profile_wire, &err), 0);
    ck_assert_uint_eq(g_any.u.connect.timestamp, 1795667583u);
    /* null: wire treats as absent, strict refuses */
    ck_assert_int_eq(decode_any("{\"_t\":1,\"type\":1,\"key_size\":null}", C2S, &residue_profile_wire, &err), 0);
    ck_assert(!g_any.u.connect.has_key_size);
    ck_assert_int_eq(decode_any("{\"_t\":1,\"type\":1,\"key_size\":null}", C2S, NULL, &err), RP_E_SCHEMA_TYPE);
    /* wrong JSON type for a string */
    ck_assert_int_eq(decode_any("{\"_t\":1,\"type\":1,\"client_id\":5}", C2S, &residue_profile_wire, &err), RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.path, "$.client_id");
    /* negative into unsigned */
    ck_assert_int_eq(decode_any("{\"_t\":-1,\"type\":1}", C2S, &residue_profile_wire, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.message, "-1 does not fit a 64-bit unsigned integer");
    ck_assert_uint_ne(err.spec.line, 0);
    /* escaped keys are matched by their text */
    ck_assert_int_eq(decode_any("{\"\\u005ft\":3,\"typ\\u0065\":1}", C2S, NULL, &err), 0);
    ck_assert_uint_eq(g_any.u.connect.timestamp, 3);
    /* escaped hex text still decodes */
    ck_assert_int_eq(decode_any("{\"status\":0,\"ack\":0,\"key\":\"\\u00300112233445566778899001122334455\",\"client_id\":\"c\"}",
                                S2C, NULL, &err), 0);
    ck_assert_uint_eq(g_any.u.hello.key.len, 16);
    /* wire base64 is lenient like the server's (line breaks skipped), strict is not */
    const char *wrapped = "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QU\\nJD\"}";
    ck_assert_int_eq(decode_any(wrapped, C2S, &residue_profile_wire, &err), 0);
    ck_assert_uint_eq(g_any.u.connect.rsa_public_key.len, 3);
    ck_assert(memcmp(g_any.u.connect.rsa_public_key.ptr, "ABC", 3) == 0);
    ck_assert_int_eq(decode_any(wrapped, C2S, NULL, &err), RP_E_BASE64);
    ck_assert_str_eq(err.path, "$.rsa_public_key");
    /* an escaped string has no byte-exact position inside it: the string's start */
    ck_assert_uint_eq(err.offset, (size_t)(strstr(wrapped, "\"QU") - wrapped));
    const char *bad = "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QU=D\"}";
    ck_assert_int_eq(decode_any(bad, C2S, NULL, &err), RP_E_BASE64);
    ck_assert_uint_eq(err.offset, (size_t)(strstr(bad, "D\"") - bad)); /* data after padding */
    /* not an object */
    ck_assert_int_eq(residue_log_reply_decode("[1]", 3, &g_any.u.log_reply, NULL, NULL, &err),
                     RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.path, "$");
    /* no storage needed for a message without strings */
    ck_assert_int_eq(residue_log_reply_decode("{\"r\":0}", 7, &g_any.u.log_reply, NULL, NULL, &err), 0);
}
END_TEST

START_TEST(test_storage_and_overflow)
{
    rp_error err;
    uint8_t small[8];
    rp_arena a;
    rp_arena_init(&a, small, sizeof small);
    const char *ack = "{\"_t\":1,\"type\":2,\"client_id\":\"abcdefghijklmnop\"}";
    ck_assert_int_eq(residue_acknowledgement_decode(ack, strlen(ack), &g_any.u.acknowledgement, &a,
                                                    NULL, &err), RP_E_OVERFLOW);
    ck_assert_uint_eq(a.used, 0);
    ck_assert_int_eq(residue_acknowledgement_decode(ack, strlen(ack), &g_any.u.acknowledgement, NULL,
                                                    NULL, &err), RP_E_OVERFLOW);
    /* the decoded string lives in the caller's storage, NUL-terminated */
    uint8_t big[64];
    rp_arena_init(&a, big, sizeof big);
    ck_assert_int_eq(residue_acknowledgement_decode(ack, strlen(ack), &g_any.u.acknowledgement, &a,
                                                    NULL, &err), 0);
    const char *id = g_any.u.acknowledgement.client_id.ptr;
    ck_assert((const uint8_t *)id >= big && (const uint8_t *)id < big + sizeof big);
    ck_assert_str_eq(id, "abcdefghijklmnop");

    /* encode into a too-small buffer: overflow, the needed length, nothing past cap */
    residue_log_reply r;
    residue_log_reply_init(&r);
    r.has_r = true;
    char tiny[4] = { 'x', 'x', 'x', 'x' };
    size_t need = 0;
    ck_assert_int_eq(residue_log_reply_encode(&r, tiny, 3, &need, &err), RP_E_OVERFLOW);
    ck_assert_uint_eq(need, 7);
    ck_assert_int_eq(tiny[3], 'x');
    ck_assert_int_eq(residue_log_reply_encode(&r, NULL, 0, &need, &err), RP_E_OVERFLOW);
    ck_assert_uint_eq(need, 7);
    char exact[8];
    ck_assert_int_eq(residue_log_reply_encode(&r, exact, RESIDUE_LOG_REPLY_MAX_SIZE + 1, &need, &err), 0);
    ck_assert_str_eq(exact, "{\"r\":0}");
}
END_TEST

START_TEST(test_max_size_bounds)
{
    rp_error err;
    size_t n;
    /* Connect at its largest: every field present and at its maximum */
    static uint8_t blob[4096];
    memset(blob, 0xFF, sizeof blob);
    char id[129];
    memset(id, '#', 128);
    id[128] = '\0';
    residue_connect c;
    residue_connect_init(&c);
    c.timestamp = UINT64_MAX;
    c.has_timestamp = true;
    c.key_size = 256;
    c.has_key_size = true;
    c.client_id = s(id);
    c.has_client_id = true;
    c.rsa_public_key = (rp_bytes){ blob, sizeof blob };
    c.has_rsa_public_key = true;
    ck_assert_int_eq(residue_connect_encode(&c, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_uint_le(n, RESIDUE_CONNECT_MAX_SIZE);
    ck_assert_uint_ge(n, RESIDUE_CONNECT_MAX_SIZE - 8); /* the bound is tight, not a guess */
    ck_assert_int_eq(residue_connect_encode(&c, g_out, RESIDUE_CONNECT_MAX_SIZE + 1, &n, &err), 0);

    /* ConnectError with the worst escaping: every byte a control character */
    static char ctl[1025];
    memset(ctl, 0x01, 1024);
    ctl[1024] = '\0';
    residue_connect_error ce;
    residue_connect_error_init(&ce);
    ce.error_text = s(ctl);
    ce.has_error_text = true;
    ck_assert_int_eq(residue_connect_error_encode(&ce, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_uint_eq(n, RESIDUE_CONNECT_ERROR_MAX_SIZE);
    ck_assert_uint_gt(RESIDUE_LOG_BULK_MAX_SIZE, 500u * 65536u);
}
END_TEST

START_TEST(test_names_and_banner)
{
    ck_assert_str_eq(residue_message_name(RESIDUE_MSG_CONNECT), "Connect");
    ck_assert_str_eq(residue_message_name(RESIDUE_MSG_LOG_BULK), "LogBulk");
    ck_assert_str_eq(residue_message_name(RESIDUE_MSG_NONE), "none");
    ck_assert_str_eq(residue_message_name((residue_message_id)999), "none");
    ck_assert_uint_eq(strlen(RESIDUE_SPEC_SHA256), 64);
    ck_assert_uint_eq(RESIDUE_SERVER_FLAGS_ALL, 4095u);
    ck_assert_uint_eq(RESIDUE_CONNECT_ENVELOPES, RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_PLAIN) | RESIDUE_ENVELOPE_BIT(RESIDUE_ENVELOPE_RSA_TO_SERVER));
    rp_error err;
    ck_assert_int_eq(residue_decode_any("{}", 2, RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, NULL, NULL,
                                        NULL, &err), RP_E_ARGUMENT);
}
END_TEST

static Suite *generated_suite(void)
{
    Suite *s = suite_create("generated");
    TCase *tc = tcase_create("vectors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_vectors_decode_validate_reencode);
    tcase_add_test(tc, test_vector_refusals_in_detail);
    tcase_add_test(tc, test_decoded_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("roundtrip");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_roundtrip_connect);
    tcase_add_test(tc, test_roundtrip_ack_touch);
    tcase_add_test(tc, test_roundtrip_hello);
    tcase_add_test(tc, test_roundtrip_established);
    tcase_add_test(tc, test_roundtrip_error_reply);
    tcase_add_test(tc, test_roundtrip_log);
    suite_add_tcase(s, tc);
    tc = tcase_create("constraints");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_constraint_cases);
    tcase_add_test(tc, test_length_bounds);
    tcase_add_test(tc, test_consts_and_enums);
    tcase_add_test(tc, test_validate_and_encode_refuse);
    tcase_add_test(tc, test_strict_and_wire_modes);
    tcase_add_test(tc, test_storage_and_overflow);
    tcase_add_test(tc, test_max_size_bounds);
    tcase_add_test(tc, test_names_and_banner);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(generated_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
