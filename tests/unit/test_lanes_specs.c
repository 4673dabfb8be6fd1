/* test_lanes_specs: the generated decode lanes of the valid test specs agree with the table
 * walk on every input (the residue ones: test_lanes.c).
 *
 * This build's rprotoc generates the codecs of all-constructs (every construct of the
 * language: signed enums, int64 extremes, uint64 flags, repeated and map fields, escaped
 * keys, defaults, nullable, float64, string enums, patterns), orders, telemetry and
 * deep-nesting (40 levels), and tests/specs/lanes/leading-optional.rproto (a first field that
 * is optional, only optional fields, no fields, constants of every kind) into
 * build/gen/lanes (mk/lanes.mk), and they are compiled in here
 * so that their static descriptions can be handed to rp_schema_decode, the decode of
 * --optimize size. For a text built from every description (all fields, then the required
 * ones), strict and under a profile with every leniency, and for its mutations, both must
 * give the same code, storage, struct and error (support/lane_diff.c). Messages that have
 * no lane (one field of a kind the lanes leave to the walk, or nesting beyond 16) are held
 * to the same, which also shows their decode is the walk's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each generated source has a few statics of the same name: one prefix per file. */
#define spec__file every__spec__file
#define enum_values__status every__enum_values__status
#define enum_expect__status every__enum_expect__status
#include "every.c"
#undef spec__file
#undef enum_values__status
#undef enum_expect__status
#define spec__file orders__spec__file
#define enum_values__status orders__enum_values__status
#define enum_expect__status orders__enum_expect__status
#include "orders.c"
#undef spec__file
#undef enum_values__status
#undef enum_expect__status
#define spec__file telemetry__spec__file
#define enum_values__status telemetry__enum_values__status
#define enum_expect__status telemetry__enum_expect__status
#include "telemetry.c"
#undef spec__file
#undef enum_values__status
#undef enum_expect__status
#define spec__file deep__spec__file
#include "deep.c"
#undef spec__file
#define spec__file lead__spec__file
#include "lead.c"
#undef spec__file

#include "support/lane_diff.h"

#define LANE_CODEC(p, n) { #p "." #n, &schema__##n, (lane_decode_fn)p##_##n##_decode },
static const lane_codec codecs[] = {
#include "lane_cases.h"
};
#define NCODECS (sizeof codecs / sizeof codecs[0])

/* Every leniency a profile can name, and the relax bits of profile index 0. */
static const rp_schema_profile lenient = { "lenient", 0, true, true, true, RP_DUPLICATES_LAST, true, true };

START_TEST(lanes_agree_on_samples)
{
    const lane_codec *c = &codecs[_i];
    size_t accepted = 0;
    for (int all = 0; all < 2; all++) {
        size_t len;
        char *json = lane_sample(c->schema, all != 0, &len);
        accepted += lane_diff_mutations(c, json, len, NULL, 300) > 0;
        accepted += lane_diff_mutations(c, json, len, &lenient, 100) > 0;
        free(json);
    }
    (void)accepted; /* some samples cannot meet their rules (patterns): compared all the same */
}
END_TEST

/* Each sample as every other message: errors from the lanes' first byte on. */
START_TEST(lanes_agree_across_messages)
{
    for (size_t k = 0; k < NCODECS; k++) {
        size_t len;
        char *json = lane_sample(codecs[k].schema, true, &len);
        for (size_t m = 0; m < NCODECS; m++) {
            lane_diff_one(&codecs[m], json, len, NULL, codecs[k].name);
            lane_diff_one(&codecs[m], json, len, &lenient, codecs[k].name);
        }
        free(json);
    }
}
END_TEST

/* The samples of the lane-shaped spec are valid, with all fields and with the required
 * ones (so the lanes took them, not only the walk). */
START_TEST(lead_samples_are_accepted)
{
    size_t n = 0;
    for (size_t k = 0; k < NCODECS; k++) {
        if (strncmp(codecs[k].name, "lead.", 5) != 0)
            continue;
        for (int all = 0; all < 2; all++) {
            size_t len;
            char *json = lane_sample(codecs[k].schema, all != 0, &len);
            ck_assert_msg(lane_diff_one(&codecs[k], json, len, NULL, json) == 0, "%s: %s",
                          codecs[k].name, json);
            free(json);
            n++;
        }
    }
    ck_assert_uint_eq(n, 12);
}
END_TEST

/* A pattern is checked by the generated decode and encode (--optimize speed), as by the
 * walk: the lanes leave such a message to the table engine's fast path, which once skipped
 * pattern rules and took {"id":"ABC"}. */
START_TEST(patterns_checked_by_the_speed_codec)
{
    static uint8_t mem[4096];
    static const char *const refused[] = { "{\"id\":\"ABC\"}", "{\"id\":\"ab\",\"tags\":[\"a\",\"B9\"]}",
                                          "{\"n\":1,\"id\":\"a b\"}" };
    lead_named m;
    rp_error err;
    rp_arena a;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        rp_arena_init(&a, mem, sizeof mem);
        ck_assert_int_eq(lead_named_decode(refused[i], strlen(refused[i]), &m, &a, NULL, &err),
                         RP_E_SCHEMA_PATTERN);
        rp_arena_init(&a, mem, sizeof mem);
        ck_assert_int_eq(rp_schema_decode(&schema__named, refused[i], strlen(refused[i]), &m, &a, NULL, &err),
                         RP_E_SCHEMA_PATTERN);
    }
    rp_arena_init(&a, mem, sizeof mem);
    const char *ok = "{\"id\":\"ab\",\"tags\":[\"c\"]}";
    ck_assert_int_eq(lead_named_decode(ok, strlen(ok), &m, &a, NULL, &err), 0);
    char out[128];
    size_t n;
    ck_assert_int_eq(lead_named_encode(&m, out, sizeof out, &n, &err), 0);
    m.id = (rp_str){ "NOT OK", 6 };
    ck_assert_int_eq(lead_named_encode(&m, out, sizeof out, &n, &err), RP_E_SCHEMA_PATTERN);
    ck_assert_str_eq(err.path, "$.id");
}
END_TEST

/* The source has lanes for the plain messages and none for the others. */
/* Enrolled and Command both come from the hub on port control, in different envelopes, with
 * no const that tells them apart (a warning of the checker): decode_any, not told the
 * envelope, takes a Command that carries a "status" for an Enrolled; decode_any_in, told
 * which envelope opened the text, does not. */
START_TEST(decode_any_in_tells_envelope_only_messages_apart)
{
    static const char command[] = "{\"kind\":\"set\",\"sensor\":1,\"on\":true,\"status\":0}";
    static const char enrolled[] = "{\"status\":0,\"key\":\"00112233445566778899AABBCCDDEEFF\"}";
    static uint8_t mem[4096];
    static telemetry_any any;
    rp_arena a;
    rp_error err;
    rp_arena_init(&a, mem, sizeof mem);
    ck_assert_int_eq(telemetry_decode_any(command, strlen(command), TELEMETRY_PORT_CONTROL,
                                          TELEMETRY_PEER_HUB, &any, &a, NULL, &err), RP_E_SCHEMA_MISSING);
    rp_arena_init(&a, mem, sizeof mem);
    ck_assert_int_eq(telemetry_decode_any_in(command, strlen(command), TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_HUB,
                                             TELEMETRY_ENVELOPE_COMMAND, &any, &a, NULL, &err), 0);
    ck_assert_int_eq(any.id, TELEMETRY_MSG_COMMAND);
    ck_assert(any.u.command.enabled);
    rp_arena_init(&a, mem, sizeof mem);
    ck_assert_int_eq(telemetry_decode_any_in(enrolled, strlen(enrolled), TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_HUB,
                                             TELEMETRY_ENVELOPE_SEALED_TO_DEVICE, &any, &a, NULL, &err), 0);
    ck_assert_int_eq(any.id, TELEMETRY_MSG_ENROLLED);
    ck_assert_uint_eq(any.u.enrolled.link_key.len, 16);
    /* an envelope nothing from the hub arrives in on that port */
    rp_arena_init(&a, mem, sizeof mem);
    ck_assert_int_eq(telemetry_decode_any_in(enrolled, strlen(enrolled), TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_HUB,
                                             TELEMETRY_ENVELOPE_CLEAR, &any, &a, NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_int_eq(any.id, TELEMETRY_MSG_NONE);
}
END_TEST

START_TEST(lanes_where_the_kinds_allow)
{
    ck_assert_uint_ge(NCODECS, 55);
    size_t len;
    FILE *f = fopen("build/gen/lanes/orders.c", "rb");
    if (f == NULL) /* another build directory: nothing to look at here */
        return;
    char *src = malloc(1 << 20);
    ck_assert_ptr_nonnull(src);
    len = fread(src, 1, (1 << 20) - 1, f);
    src[len] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(src, "static bool lane__money("));
    ck_assert_ptr_null(strstr(src, "static bool lane__order_batch(")); /* an array */
    free(src);
}
END_TEST

static Suite *lanes_specs_suite(void)
{
    Suite *s = suite_create("lanes_specs");
    TCase *tc = tcase_create("specs");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, lanes_where_the_kinds_allow);
    tcase_add_test(tc, decode_any_in_tells_envelope_only_messages_apart);
    tcase_add_test(tc, lead_samples_are_accepted);
    tcase_add_test(tc, patterns_checked_by_the_speed_codec);
    tcase_add_loop_test(tc, lanes_agree_on_samples, 0, (int)NCODECS);
    tcase_add_test(tc, lanes_agree_across_messages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lanes_specs_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
