/* test_encode_lanes: every generated encode lane (rprotoc --optimize speed) must do exactly
 * what the table encoder does: the same return code, the same length, the same bytes and
 * NUL on success, and the same error (code, layer, path, message, spec location) otherwise.
 *
 * The generated source of residue is included here, so that its static descriptions
 * (schema__connect, ...) are in reach: residue_<msg>_encode (lane first) is held to
 * rp_schema_encode on the same description (the table encoder alone, as --optimize size
 * generates it), by tests/unit/support/lane_check.h: random values near every rule's edges,
 * strings with escapes and invalid UTF-8, lengths without text, missing required fields,
 * each into buffers of every interesting size. test_encode_lanes_every.c and
 * test_encode_lanes_orders.c do the same for the golden sources of
 * tests/specs/valid/all-constructs.rproto and orders.rproto (signed integers, bools,
 * constants, charsets, nested messages, optional first fields).
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue.c" /* generated/: the descriptions are static */

#include "diag.h"
#include "emit_c.h"
#include "source.h"
#include "support/lane_check.h"

static const lane_case cases[] = {
    LANE_CASE(residue, connect),     LANE_CASE(residue, acknowledgement),
    LANE_CASE(residue, touch),       LANE_CASE(residue, hello),
    LANE_CASE(residue, server_info), LANE_CASE(residue, established),
    LANE_CASE(residue, connect_error), LANE_CASE(residue, log_request),
    LANE_CASE(residue, log_reply),
};
/* (LogBulk, an array, has no lane: its encode is the table encoder's.) */
#define NCASES (sizeof cases / sizeof cases[0])

START_TEST(random_messages_agree)
{
    lane_run(&cases[_i], (uint64_t)_i + 1u, 3000);
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

/* The number helpers against printf: every power of ten and its neighbours, both signs,
 * and a spread of random values. */
START_TEST(numbers_as_printf)
{
    uint64_t x = 0x2545F4914F6CDD1Du;
    for (int k = 0; k < 200000; k++) {
        uint64_t v;
        if (k < 20 * 5) {
            v = rp_lane_put_pow10[k / 5] + (uint64_t)(k % 5) - 2u;
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = x >> (x % 64); /* every length of number */
        }
        char want[32], got[48];
        int n = snprintf(want, sizeof want, "%" PRIu64, v);
        char *e = rp_lane_put_u64(got, v);
        ck_assert_int_eq((int)(e - got), n);
        ck_assert(memcmp(got, want, (size_t)n) == 0);
        int64_t i = (int64_t)v;
        n = snprintf(want, sizeof want, "%" PRId64, i);
        e = rp_lane_put_i64(got, i);
        ck_assert_int_eq((int)(e - got), n);
        ck_assert(memcmp(got, want, (size_t)n) == 0);
    }
}
END_TEST

/* The emitter: --optimize speed writes a lane for a message of plain fields only, and
 * --optimize size none at all (nor the include). */
static char *render(const char *text, rp_emit_optimize opt)
{
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(diag, "l.rproto", text, strlen(text), NULL, &spec);
    ck_assert_msg(st == RP_FRONTEND_OK, "front end: %s", rp_diag_text(diag));
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_render_opt(spec, opt, &out, NULL), 0);
    char *source = out.source;
    out.source = NULL;
    rp_emit_c_output_free(&out);
    rp_ast_free(spec);
    rp_diag_free(diag);
    return source;
}

START_TEST(lanes_by_option)
{
    static const char spec[] =
        "protocol l;\n"
        "enum K : uint8 { A = 1; B = 2; }\n"
        "message Plain { optional string s = \"s\" [len ..8]; required K k = \"k\" [const B];\n"
        "                required int16 d = \"d\" [range -5..5]; optional bool b = \"b\"; }\n"
        "message Listed { required uint8 a = \"a\"; repeated uint8 v = \"v\" [count ..4]; }\n"
        "message Floating { required float64 f = \"f\"; }\n"
        "message Nulled { optional uint8 n = \"n\" [nullable]; }\n"
        "message Outer { required Plain p = \"p\"; }\n"
        "message Holder { optional Listed l = \"l\"; }\n";
    char *speed = render(spec, RP_EMIT_OPTIMIZE_SPEED);
    ck_assert_ptr_nonnull(strstr(speed, "#include \"rp_lane_write.h\""));
    ck_assert_ptr_nonnull(strstr(speed, "static char *encode_lane__plain(char *o, const char *end, const l_plain *msg)"));
    ck_assert_ptr_nonnull(strstr(speed, "static char *encode_lane__outer("));
    /* the optional first field: every key after a ',', the first one turned into the '{' */
    ck_assert_ptr_nonnull(strstr(speed, "o = rp_lane_put_lit(o, \",\\\"s\\\":\", 5);"));
    ck_assert_ptr_nonnull(strstr(speed, "*start = '{';"));
    /* the constant joined with the next key; the range as compares */
    ck_assert_ptr_nonnull(strstr(speed, "\",\\\"k\\\":2,\\\"d\\\":\""));
    ck_assert_ptr_nonnull(strstr(speed, "msg->d < -5 || msg->d > 5"));
    /* repeated, float64, nullable, and what embeds them: the tables alone */
    ck_assert_ptr_null(strstr(speed, "encode_lane__listed"));
    ck_assert_ptr_null(strstr(speed, "encode_lane__floating"));
    ck_assert_ptr_null(strstr(speed, "encode_lane__nulled"));
    ck_assert_ptr_null(strstr(speed, "encode_lane__holder"));
    char *size = render(spec, RP_EMIT_OPTIMIZE_SIZE);
    ck_assert_ptr_null(strstr(size, "encode_lane__"));
    ck_assert_ptr_null(strstr(size, "rp_lane_write.h"));
    ck_assert_ptr_null(strstr(size, "rp_lane_put_"));
    free(speed);
    free(size);
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
    tcase_add_test(tc, lanes_by_option);
    tcase_add_test(tc, numbers_as_printf);
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
