/* test_encode_lanes: every generated encode lane (rprotoc --optimize speed) must do exactly
 * what the table encoder does: the same return code, the same length, the same bytes and
 * NUL on success, and the same error (code, layer, path, message, spec location) otherwise.
 *
 * The generated source of residue is included here, so that its static descriptions
 * (schema__connect, ...) are in reach: residue_<msg>_encode (lane first) is held to
 * rp_schema_encode on the same description (the table encoder alone, as --optimize size
 * generates it). The messages are filled by tests/unit/support/lane_fill.h: random values
 * near every rule's edges, strings with escapes and invalid UTF-8, lengths without text,
 * missing required fields; each encoded into buffers of every interesting size (the whole
 * text, one byte short, tiny, none).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue.c" /* generated/: the descriptions are static */

#include "support/lane_fill.h"

typedef struct lane_case {
    const char *name;
    const rp_schema_message *schema;
    int (*encode)(const void *, char *, size_t, size_t *, rp_error *);
    char *(*lane)(char *, const char *, const void *); /* the lane itself */
} lane_case;

#define CASE(n)                                                                                    \
    { #n, &schema__##n, (int (*)(const void *, char *, size_t, size_t *, rp_error *))residue_##n##_encode, \
      (char *(*)(char *, const char *, const void *))encode_lane__##n }

static const lane_case cases[] = {
    CASE(connect), CASE(acknowledgement), CASE(touch), CASE(hello), CASE(server_info),
    CASE(established), CASE(connect_error), CASE(log_request), CASE(log_reply),
};
/* (LogBulk, an array, has no lane: its encode is the table encoder's.) */
#define NCASES (sizeof cases / sizeof cases[0])

#define BUF 65536

static bool same_error(const rp_error *a, const rp_error *b)
{
    return a->code == b->code && a->layer == b->layer && a->offset == b->offset &&
           strcmp(a->path, b->path) == 0 && strcmp(a->message, b->message) == 0 &&
           (a->spec.file == b->spec.file ||
            (a->spec.file != NULL && b->spec.file != NULL && strcmp(a->spec.file, b->spec.file) == 0)) &&
           a->spec.line == b->spec.line && a->spec.column == b->spec.column;
}

typedef struct tally {
    unsigned ok, failed;
    unsigned roomy, by_lane; /* successes with room to spare; of them, the lane's */
} tally;

/* Encodes msg both ways into buffers of cap bytes and compares; fails the test on any
 * difference (with what differed). */
static void compare(const lane_case *c, const void *msg, size_t cap, tally *t)
{
    static char a[BUF + 1], b[BUF + 1];
    memset(a, 0x5A, sizeof a);
    memset(b, 0x5A, sizeof b);
    size_t na = 7, nb = 7;
    rp_error ea, eb;
    memset(&ea, 0x33, sizeof ea);
    memset(&eb, 0x33, sizeof eb);
    int ra = c->encode(msg, cap > 0 ? a : NULL, cap, &na, &ea);
    int rb = rp_schema_encode(c->schema, msg, cap > 0 ? b : NULL, cap, &nb, &eb);
    ck_assert_msg(ra == rb, "%s cap %zu: lane rc %d, tables rc %d (%s / %s)", c->name, cap, ra, rb,
                  ea.message, eb.message);
    ck_assert_msg(na == nb, "%s cap %zu: lane length %zu, tables %zu", c->name, cap, na, nb);
    if (ra == 0) {
        ck_assert_msg(memcmp(a, b, na < cap ? na + 1 : na) == 0, "%s: lane wrote\n%.*s\ntables\n%.*s",
                      c->name, (int)na, a, (int)nb, b);
        ck_assert_int_eq(ea.code, RP_OK);
        ck_assert_int_eq(eb.code, RP_OK);
        t->ok++;
        if (cap == BUF) {
            t->roomy++;
            t->by_lane += c->lane(a, a + cap, msg) != NULL;
        }
    } else {
        ck_assert_msg(same_error(&ea, &eb), "%s cap %zu: lane error %d %s at %s (%u:%u), tables %d %s at %s (%u:%u)",
                      c->name, cap, ea.code, ea.message, ea.path, ea.spec.line, ea.spec.column,
                      eb.code, eb.message, eb.path, eb.spec.line, eb.spec.column);
        t->failed++;
    }
}

/* One filled message of case c through every buffer size. */
static void one(const lane_case *c, lane_fill *lf, tally *t)
{
    static _Alignas(16) char msg[131072];
    ck_assert_uint_le(c->schema->size, sizeof msg);
    lf->used = 0;
    lf->valid = lane_pick(&lf->src, 2) == 0;
    lane_fill_message(lf, c->schema, msg, 0);
    size_t n = 0;
    rp_error e;
    int rc = rp_schema_encode(c->schema, msg, NULL, 0, &n, &e);
    compare(c, msg, BUF, t);
    if (rc == RP_E_OVERFLOW && n <= BUF) { /* it is valid: n is its length */
        compare(c, msg, n, t);
        compare(c, msg, n + 1, t);
        if (n > 0)
            compare(c, msg, n - 1, t);
        compare(c, msg, n / 2, t);
    }
    compare(c, msg, lane_pick(&lf->src, 40), t);
}

START_TEST(random_messages_agree)
{
    const lane_case *c = &cases[_i];
    lane_fill lf;
    memset(&lf, 0, sizeof lf);
    lf.src.state = 0x9E3779B97F4A7C15u ^ (uint64_t)(_i + 1);
    tally t = { 0, 0, 0, 0 };
    for (int k = 0; k < 3000; k++)
        one(c, &lf, &t);
    /* the inputs reach both outcomes (or the test proves little) */
    ck_assert_msg(t.ok > 20 && t.failed > 20, "%s: %u encoded, %u refused", c->name, t.ok, t.failed);
    /* and with room to spare the lane wrote all of it (exact fits are left to the tables) */
    ck_assert_msg(t.by_lane == t.roomy, "%s: the lane wrote %u of %u", c->name, t.by_lane, t.roomy);
}
END_TEST

/* The lane, not the tables, writes the common case: a valid message encodes the same with
 * the lane as through the tables, and the generated encode of a message with a lane does not
 * reach rp_schema_encode (seen by its speed only in the bench; here: the text is the same
 * and the lane function itself accepts it). */
START_TEST(lane_takes_the_common_case)
{
    residue_log_request l;
    residue_log_request_init(&l);
    l.has_timestamp = true;
    l.timestamp = 1700000000u;
    l.has_datetime = true;
    l.datetime = UINT64_C(1700000000123);
    l.has_msg = true;
    l.msg = (rp_str){ "hello \"world\"\n\xc3\xa9", 16 };
    l.has_level = true;
    l.level = RESIDUE_LEVEL_INFO;
    l.has_vlevel = true;
    l.vlevel = 9;
    char buf[256];
    const char *end = encode_lane__log_request(buf, buf + sizeof buf, &l);
    ck_assert_ptr_nonnull(end);
    static const char want[] = "{\"_t\":1700000000,\"datetime\":1700000000123,"
                               "\"msg\":\"hello \\\"world\\\"\\n\xc3\xa9\",\"level\":128,\"vlevel\":9}";
    ck_assert_uint_eq((size_t)(end - buf), sizeof want - 1);
    ck_assert(memcmp(buf, want, sizeof want - 1) == 0);
    /* refused: a level outside the enum, a string that is not UTF-8, no room */
    l.level = (residue_level)3;
    ck_assert_ptr_null(encode_lane__log_request(buf, buf + sizeof buf, &l));
    l.level = RESIDUE_LEVEL_INFO;
    l.msg = (rp_str){ "\xc3(", 2 };
    ck_assert_ptr_null(encode_lane__log_request(buf, buf + sizeof buf, &l));
    l.msg = (rp_str){ "x", 1 };
    ck_assert_ptr_null(encode_lane__log_request(buf, buf + 20, &l));
    ck_assert_ptr_nonnull(encode_lane__log_request(buf, buf + sizeof buf, &l));
}
END_TEST

/* Constants and the keys around them are one literal; a constant that is off is refused. */
START_TEST(constants_are_checked)
{
    residue_established e;
    residue_established_init(&e);
    e.has_flags = true;
    e.flags = RESIDUE_SERVER_FLAGS_COMPRESSION;
    e.has_max_bulk_size = true;
    e.max_bulk_size = 5;
    e.has_key = true;
    e.key = (rp_bytes){ (const uint8_t *)"0123456789abcdef", 16 };
    e.has_client_id = true;
    e.client_id = (rp_str){ "abc", 3 };
    e.has_logging_port = true;
    e.logging_port = 8778;
    char buf[512];
    size_t n;
    rp_error err;
    ck_assert_int_eq(residue_established_encode(&e, buf, sizeof buf, &n, &err), 0);
    ck_assert_str_eq(buf, "{\"status\":0,\"ack\":1,\"flags\":256,\"max_bulk_size\":5,"
                          "\"key\":\"30313233343536373839616263646566\",\"client_id\":\"abc\","
                          "\"logging_port\":8778}");
    e.ack = RESIDUE_ACK_STATE_NOT_ACKNOWLEDGED;
    ck_assert_ptr_null(encode_lane__established(buf, buf + sizeof buf, &e));
    ck_assert_int_eq(residue_established_encode(&e, buf, sizeof buf, &n, &err), RP_E_SCHEMA_CONST);
    ck_assert_str_eq(err.path, "$.ack");
    ck_assert_ptr_nonnull(err.spec.file);
}
END_TEST

Suite *encode_lanes_suite(void)
{
    Suite *s = suite_create("encode_lanes");
    TCase *tc = tcase_create("agree");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, random_messages_agree, 0, (int)NCASES);
    tcase_add_test(tc, lane_takes_the_common_case);
    tcase_add_test(tc, constants_are_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(encode_lanes_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
