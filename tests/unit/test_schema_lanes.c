/* test_schema_lanes: rp_schema's fast lanes (decode reads compact valid text directly,
 * encode checks and writes in one walk) must give exactly what the careful walk gives.
 *
 * The decode lane gives up at any escape, so escaping one character of the first key
 * ("_t" -> "\u005ft") sends the same text down the careful walk: both must produce the same
 * return code, the same arena use and bytes, and the same message (compared by encoding
 * it). The real captures in ../shared/vectors are the inputs, compact and re-spaced.
 * Then the lane's own decisions: base64 padding and canonical bits, numbers it leaves to the
 * careful walk, duplicate keys, and encode falling back on an invalid message or a full
 * buffer with the same error as before.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue.h"
#include "support/vec_support.h"
#include "residue_profiles.h"

#define STORE 65536
#define OUT 65536

/* One decoder and encoder of the generated code, for looping over all of them. */
typedef struct codec {
    const char *name;
    size_t size;
    int (*decode)(const char *, size_t, void *, rp_arena *, const rp_schema_profile *, rp_error *);
    int (*encode)(const void *, char *, size_t, size_t *, rp_error *);
} codec;

#define CODEC(n)                                                                                   \
    { #n, sizeof(residue_##n),                                                                     \
      (int (*)(const char *, size_t, void *, rp_arena *, const rp_schema_profile *, rp_error *))residue_##n##_decode, \
      (int (*)(const void *, char *, size_t, size_t *, rp_error *))residue_##n##_encode }

static const codec codecs[] = {
    CODEC(connect), CODEC(acknowledgement), CODEC(touch), CODEC(hello), CODEC(established),
    CODEC(connect_error), CODEC(log_request), CODEC(log_bulk), CODEC(log_reply),
};
#define NCODECS (sizeof codecs / sizeof codecs[0])

/* What one decode produced. */
typedef struct outcome {
    int rc;
    rp_error err;
    size_t used;
    char *arena;      /* copy of the arena bytes used */
    char *text;       /* the message encoded again (on success) */
    size_t text_len;
    int enc_rc;
} outcome;

static void outcome_free(outcome *o)
{
    free(o->arena);
    free(o->text);
}

static outcome run_decode(const codec *c, const char *json, size_t len, const rp_schema_profile *profile)
{
    outcome o;
    memset(&o, 0, sizeof o);
    static unsigned char store[STORE];
    void *msg = calloc(1, c->size);
    ck_assert_ptr_nonnull(msg);
    rp_arena a;
    rp_arena_init(&a, store, sizeof store);
    o.rc = c->decode(json, len, msg, &a, profile, &o.err);
    o.used = a.used;
    o.arena = malloc(a.used + 1);
    ck_assert_ptr_nonnull(o.arena);
    memcpy(o.arena, store, a.used);
    if (o.rc == 0) {
        o.text = malloc(OUT);
        ck_assert_ptr_nonnull(o.text);
        o.enc_rc = c->encode(msg, o.text, OUT, &o.text_len, NULL);
    }
    free(msg);
    return o;
}

/* json with the first character of its first key written as a \u escape, or NULL when the
 * text does not start with {" followed by a plain character. The caller frees. */
static char *escape_first_key(const char *json, size_t len, size_t *out_len)
{
    size_t i = 0;
    while (i < len && json[i] == ' ')
        i++;
    if (len - i < 3 || json[i] != '{' || json[i + 1] != '"' || json[i + 2] == '\\' ||
        json[i + 2] == '"' || (unsigned char)json[i + 2] >= 0x80)
        return NULL;
    char *t = malloc(len + 6);
    ck_assert_ptr_nonnull(t);
    memcpy(t, json, i + 2);
    snprintf(t + i + 2, 7, "\\u%04X", (unsigned char)json[i + 2]);
    memcpy(t + i + 8, json + i + 3, len - i - 3);
    *out_len = len + 5;
    return t;
}

/* The same text with a space after every ':' and ',' outside strings. */
static char *respace(const char *json, size_t len, size_t *out_len)
{
    char *t = malloc(2 * len + 1);
    ck_assert_ptr_nonnull(t);
    size_t o = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        t[o++] = c;
        if (in_str) {
            if (c == '\\' && i + 1 < len)
                t[o++] = json[++i];
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == ':' || c == ',') {
            t[o++] = ' ';
        }
    }
    *out_len = o;
    return t;
}

static void assert_same(const outcome *a, const outcome *b, const char *what)
{
    ck_assert_msg(a->rc == b->rc, "%s: rc %d vs %d", what, a->rc, b->rc);
    ck_assert_msg(a->used == b->used, "%s: arena use %zu vs %zu", what, a->used, b->used);
    ck_assert_msg(memcmp(a->arena, b->arena, a->used) == 0, "%s: arena bytes differ", what);
    if (a->rc == 0) {
        ck_assert_msg(a->enc_rc == b->enc_rc, "%s: encode rc %d vs %d", what, a->enc_rc, b->enc_rc);
        ck_assert_msg(a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0,
                      "%s: messages differ:\n%.*s\n%.*s", what, (int)a->text_len, a->text,
                      (int)b->text_len, b->text);
    } else {
        ck_assert_int_eq(a->err.code, b->err.code);
        ck_assert_str_eq(a->err.path, b->err.path);
        ck_assert_uint_eq(a->err.spec.line, b->err.spec.line);
    }
}

static const char *const vector_files[] = {
    "A-unknown-plain/01-connect.c2s.plain.json",
    "A-unknown-plain/02-hello.s2c.plain.json",
    "A-unknown-plain/03-ack.c2s.plain.json",
    "A-unknown-plain/04-established.s2c.plain.json",
    "A-unknown-plain/05-touch.c2s.plain.json",
    "A-unknown-plain/06-established-after-touch.s2c.plain.json",
    "A-unknown-plain/07-log-uncompressed.c2s.plain.json",
    "A-unknown-plain/08-log-reply.s2c.plain.json",
    "A-unknown-plain/09-log-compressed.c2s.plain.json",
    "A-unknown-plain/11-bulk-compressed.c2s.plain.json",
    "A-unknown-plain/12-bulk-reply.s2c.plain.json",
};

START_TEST(lanes_agree_on_vectors)
{
    size_t accepted = 0;
    for (size_t v = 0; v < sizeof vector_files / sizeof vector_files[0]; v++) {
        char path[256];
        snprintf(path, sizeof path, "../shared/vectors/%s", vector_files[v]);
        size_t len;
        char *json = vec_read_file(path, &len);
        ck_assert_msg(json != NULL, "cannot read %s", path);
        size_t elen = 0, slen = 0;
        char *esc = escape_first_key(json, len, &elen);
        char *spaced = respace(json, len, &slen);
        for (size_t k = 0; k < NCODECS; k++) {
            for (int m = 0; m < 2; m++) {
                const rp_schema_profile *profile = m ? &residue_profile_wire : NULL;
                outcome plain = run_decode(&codecs[k], json, len, profile);
                outcome sp = run_decode(&codecs[k], spaced, slen, profile);
                assert_same(&plain, &sp, vector_files[v]);
                if (esc != NULL) {
                    outcome careful = run_decode(&codecs[k], esc, elen, profile);
                    assert_same(&plain, &careful, vector_files[v]);
                    outcome_free(&careful);
                }
                accepted += plain.rc == 0;
                outcome_free(&plain);
                outcome_free(&sp);
            }
        }
        free(esc);
        free(spaced);
        free(json);
    }
    /* every vector is some message, in both modes */
    ck_assert_uint_ge(accepted, 2 * (sizeof vector_files / sizeof vector_files[0]));
}
END_TEST

/* Decodes a CONNECT whose key is the given base64 text, both ways; returns rc. */
static int connect_key(const char *b64, const rp_schema_profile *profile, uint8_t *bytes, size_t *n,
                       rp_error *err)
{
    char json[256], esc[256];
    snprintf(json, sizeof json, "{\"_t\":5,\"type\":1,\"rsa_public_key\":\"%s\"}", b64);
    snprintf(esc, sizeof esc, "{\"\\u005ft\":5,\"type\":1,\"rsa_public_key\":\"%s\"}", b64);
    const codec *c = &codecs[0];
    outcome a = run_decode(c, json, strlen(json), profile);
    outcome b = run_decode(c, esc, strlen(esc), profile);
    ck_assert_int_eq(a.rc, b.rc);
    ck_assert_uint_eq(a.used, b.used);
    ck_assert(memcmp(a.arena, b.arena, a.used) == 0);
    if (a.rc < 0) {
        ck_assert_int_eq(a.err.code, b.err.code);
        ck_assert_uint_eq(a.err.offset + 5, b.err.offset); /* the escape is 5 bytes longer */
        ck_assert_str_eq(a.err.path, b.err.path);
        if (err != NULL)
            *err = a.err;
    } else {
        residue_connect msg;
        static unsigned char store[4096];
        rp_arena ar;
        rp_arena_init(&ar, store, sizeof store);
        ck_assert_int_eq(residue_connect_decode(json, strlen(json), &msg, &ar, profile, NULL), 0);
        *n = msg.rsa_public_key.len;
        memcpy(bytes, msg.rsa_public_key.ptr, *n);
    }
    int rc = a.rc;
    outcome_free(&a);
    outcome_free(&b);
    return rc;
}

START_TEST(lane_base64_padding)
{
    uint8_t b[64];
    size_t n = 0;
    rp_error e;
    ck_assert_int_eq(connect_key("QUJD", NULL, b, &n, NULL), 0);
    ck_assert(n == 3 && memcmp(b, "ABC", 3) == 0);
    ck_assert_int_eq(connect_key("QUI=", NULL, b, &n, NULL), 0);
    ck_assert(n == 2 && memcmp(b, "AB", 2) == 0);
    ck_assert_int_eq(connect_key("QUJDRA==", NULL, b, &n, NULL), 0);
    ck_assert(n == 4 && memcmp(b, "ABCD", 4) == 0);
    /* non-canonical padding bits: strict refuses (at the key), wire keeps the byte */
    ck_assert_int_eq(connect_key("QR==", NULL, b, &n, &e), RP_E_BASE64);
    ck_assert_str_eq(e.path, "$.rsa_public_key");
    ck_assert_int_eq(connect_key("QR==", &residue_profile_wire, b, &n, NULL), 0);
    ck_assert(n == 1 && b[0] == 'A');
    /* no padding: strict refuses a partial group, wire drops its bits */
    ck_assert_int_eq(connect_key("QUJDRA", NULL, b, &n, NULL), RP_E_BASE64);
    ck_assert_int_eq(connect_key("QUJDRA", &residue_profile_wire, b, &n, NULL), 0);
    ck_assert(n == 4 && memcmp(b, "ABCD", 4) == 0);
    ck_assert_int_eq(connect_key("Q", &residue_profile_wire, b, &n, NULL), RP_E_SCHEMA_LENGTH);
    /* padding in the middle, a stray '=' and a foreign byte */
    ck_assert_int_eq(connect_key("QQ==QUJD", NULL, b, &n, NULL), RP_E_BASE64);
    ck_assert_int_eq(connect_key("QUJD=", NULL, b, &n, NULL), RP_E_BASE64);
    ck_assert_int_eq(connect_key("QUJD=", &residue_profile_wire, b, &n, NULL), 0);
    ck_assert_int_eq(connect_key("QU*D", NULL, b, &n, &e), RP_E_BASE64);
    ck_assert_int_eq(connect_key("QU\\u004aD", NULL, b, &n, NULL), 0);
    ck_assert(n == 3 && memcmp(b, "ABC", 3) == 0);
}
END_TEST

START_TEST(lane_leaves_the_unusual_to_the_careful_walk)
{
    static const char *const texts[] = {
        "{\"_t\":1.0,\"type\":1}",            /* a fraction: strict refuses, wire truncates */
        "{\"_t\":1e3,\"type\":1}",
        "{\"_t\":-0,\"type\":1}",
        "{\"_t\":01,\"type\":1}",
        "{\"_t\":18446744073709551615,\"type\":1}",
        "{\"_t\":18446744073709551616,\"type\":1}",
        "{\"_t\":\"5\",\"type\":1}",          /* a string for a number: wire says absent */
        "{\"_t\":null,\"type\":1}",
        "{\"_t\":5,\"type\":1,\"_t\":6}",     /* a key twice: strict refuses, wire keeps the last */
        "{\"_t\":5,\"type\":1,\"x\":[1,{\"y\":null}]}",
        "{\"_t\":5,\"type\":1} ",
        "{\"_t\":5,\"type\":1}x",
        "{\"_t\":5,\"type\":1",
        "{\"_t\":5,\"type\":2}",
        "{\"_t\":5,\"type\":1,\"client_id\":\"a b\"}",
        "{\"_t\":5,\"type\":1,\"client_id\":\"\xc3\xa9\"}",
        "{\"_t\":5,\"type\":1,\"client_id\":\"\xc3\"}",
        "{\"_t\":5,\"type\":1,\"key_size\":100}",
        "{\"_t\":5,\"type\":1,\"key_size\":70000}",
        /* unknown keys: plain values are skipped by the lane, the rest by the careful walk */
        "{\"_t\":5,\"zz\":\"text\",\"type\":1}",
        "{\"_t\":5,\"zz\":-12.5e+3,\"type\":1}",
        "{\"_t\":5,\"zz\":0,\"yy\":true,\"xx\":false,\"ww\":null,\"type\":1}",
        "{\"_t\":5,\"zz\":01,\"type\":1}",
        "{\"_t\":5,\"zz\":-,\"type\":1}",
        "{\"_t\":5,\"zz\":1.,\"type\":1}",
        "{\"_t\":5,\"zz\":1e,\"type\":1}",
        "{\"_t\":5,\"zz\":tru,\"type\":1}",
        "{\"_t\":5,\"zz\":nulll,\"type\":1}",
        "{\"_t\":5,\"zz\":\"a\\\"b\",\"type\":1}",
        "{\"_t\":5,\"zz\":\"\xff\",\"type\":1}",
        "{\"_t\":5,\"zz\":{\"a\":[1,2]},\"type\":1}",
        "{\"_t\":5,\"zz\":[],\"type\":1}",
        "{\"_t\":5,\"type\":1,\"zz\":\"unterminated}",
        "{\"_t\":5,\"type\":1,\"zz\":7}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]), elen;
        char *esc = escape_first_key(texts[i], len, &elen);
        ck_assert_ptr_nonnull(esc);
        for (int m = 0; m < 2; m++) {
            const rp_schema_profile *profile = m ? &residue_profile_wire : NULL;
            outcome a = run_decode(&codecs[0], texts[i], len, profile);
            outcome b = run_decode(&codecs[0], esc, elen, profile);
            ck_assert_msg(a.rc == b.rc, "%s (mode %d): %d vs %d", texts[i], m, a.rc, b.rc);
            if (a.rc == 0) {
                ck_assert(a.text_len == b.text_len && memcmp(a.text, b.text, a.text_len) == 0);
            } else {
                ck_assert_int_eq(a.err.code, b.err.code);
                ck_assert_str_eq(a.err.path, b.err.path);
                ck_assert(a.err.offset == b.err.offset || a.err.offset + 5 == b.err.offset);
            }
            outcome_free(&a);
            outcome_free(&b);
        }
        free(esc);
    }
}
END_TEST

START_TEST(encode_lane_falls_back_with_the_same_answers)
{
    residue_log_request msg;
    residue_log_request_init(&msg);
    msg.timestamp = 1795667583u;
    msg.has_timestamp = true;
    msg.datetime = 1795667583123u;
    msg.has_datetime = true;
    msg.msg = rp_str_from_cstr("a \"quoted\" line\n with \xc3\xa9");
    msg.has_msg = true;
    msg.level = RESIDUE_LEVEL_INFO;
    msg.has_level = true;
    char buf[512];
    size_t n = 0, need = 0;
    ck_assert_int_eq(residue_log_request_encode(&msg, buf, sizeof buf, &n, NULL), 0);
    /* defaults are in the struct but not present, so not written */
    ck_assert_str_eq(buf, "{\"_t\":1795667583,\"datetime\":1795667583123,"
                          "\"msg\":\"a \\\"quoted\\\" line\\n with \xc3\xa9\",\"level\":128}");
    /* measuring and every short buffer: the length needed, as the careful path says */
    ck_assert_int_eq(residue_log_request_encode(&msg, NULL, 0, &need, NULL), RP_E_OVERFLOW);
    ck_assert_uint_eq(need, n);
    for (size_t cap = 1; cap < n; cap++) {
        size_t got = 0;
        ck_assert_int_eq(residue_log_request_encode(&msg, buf, cap, &got, NULL), RP_E_OVERFLOW);
        ck_assert_uint_eq(got, n);
    }
    /* exactly the text, no room for the NUL: fits (the NUL is only added when it fits) */
    ck_assert_int_eq(residue_log_request_encode(&msg, buf, n, &need, NULL), 0);
    ck_assert_uint_eq(need, n);
    /* invalid UTF-8: refused by validation (schema layer, with path and spec line) */
    rp_error e;
    msg.msg = rp_str_from_cstr("bad \xc3");
    ck_assert_int_eq(residue_log_request_encode(&msg, buf, sizeof buf, &n, &e), RP_E_JSON_UTF8);
    ck_assert_str_eq(e.path, "$.msg");
    ck_assert_uint_gt(e.spec.line, 0);
    /* a rule broken: the same error as validate */
    rp_error v;
    msg.msg = rp_str_from_cstr("ok");
    msg.vlevel = 10;
    msg.has_vlevel = true;
    ck_assert_int_eq(residue_log_request_validate(&msg, &v), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(residue_log_request_encode(&msg, buf, sizeof buf, &n, &e), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(e.path, v.path);
    ck_assert_str_eq(e.message, v.message);
    ck_assert_uint_eq(e.spec.line, v.spec.line);
    /* a required field absent */
    msg.vlevel = 9;
    msg.has_level = false;
    ck_assert_int_eq(residue_log_request_encode(&msg, buf, sizeof buf, &n, &e), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(e.path, "$.level");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("schema_lanes");
    TCase *tc = tcase_create("lanes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, lanes_agree_on_vectors);
    tcase_add_test(tc, lane_base64_padding);
    tcase_add_test(tc, lane_leaves_the_unusual_to_the_careful_walk);
    tcase_add_test(tc, encode_lane_falls_back_with_the_same_answers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
