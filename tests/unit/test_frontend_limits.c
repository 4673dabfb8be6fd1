/* rprotoc checker limits on hostile but well-formed specs: how deep messages may nest,
 * how many items a repeated field may hold, how long a chain of profile bases may be.
 * Each spec is generated in memory; each test checks the exact diagnostic, and that a
 * spec far past the limit (100,000 levels, 100,000 profiles) is refused, not a crash. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "fe_util.h"
#include "source.h"
#include "validate.h"

/* Loads text as "t.rproto"; returns the spec (NULL on errors) and the diagnostics in *out. */
static rp_ast_spec *load(const char *text, char **out)
{
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(d, "t.rproto", text, strlen(text), NULL, &spec);
    ck_assert_int_eq(st, spec != NULL ? RP_FRONTEND_OK : RP_FRONTEND_SPEC_ERROR);
    *out = strdup(rp_diag_text(d));
    rp_diag_free(d);
    return spec;
}

/* Messages M0 .. M(levels-1), each holding the next, the last a string: M0's JSON nests
 * `levels` deep. */
static char *nested_spec(size_t levels)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p;\npeers a, b;\n");
    for (size_t i = 0; i + 1 < levels; i++)
        rp_sb_printf(&sb, "message M%zu { optional M%zu x = \"x\"; }\n", i, i + 1);
    rp_sb_printf(&sb, "message M%zu { optional string y = \"y\"; }\n", levels - 1);
    return sb.s;
}

/* A document for nested_spec(levels)'s M0 that uses every level. */
static char *nested_document(size_t levels)
{
    rp_strbuf sb = { 0 };
    for (size_t i = 0; i + 1 < levels; i++)
        rp_sb_puts(&sb, "{\"x\":");
    rp_sb_puts(&sb, "{\"y\":\"a\"}");
    for (size_t i = 0; i + 1 < levels; i++)
        rp_sb_puts(&sb, "}");
    return sb.s;
}

START_TEST(nesting_at_the_decoder_limit_reads_back)
{
    char *text = nested_spec(1024), *out = NULL;
    rp_ast_spec *spec = load(text, &out);
    ck_assert_msg(spec != NULL, "%s", out);
    char *doc = nested_document(1024);
    FILE *sink = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(sink);
    ck_assert_int_eq(rp_validate_json(spec, "M0", doc, strlen(doc), "doc", NULL, sink, sink), 0);
    fclose(sink);
    free(doc);
    rp_ast_free(spec);
    free(out);
    free(text);
}
END_TEST

START_TEST(nesting_past_the_decoder_limit_is_refused)
{
    char *text = nested_spec(1025), *out = NULL;
    ck_assert_ptr_null(load(text, &out));
    ck_assert_str_eq(out, "t.rproto:3:9: error: message 'M0' nests 1025 levels of JSON; the most a decoder reads is 1024\n"
                          "message M0 { optional M1 x = \"x\"; }\n"
                          "        ^~\n");
    free(out);
    free(text);
}
END_TEST

/* Far deeper than the C stack allows a recursive walk to go. */
START_TEST(nesting_100000_deep_is_refused_not_a_crash)
{
    char *text = nested_spec(100001), *out = NULL;
    ck_assert_ptr_null(load(text, &out));
    ck_assert_str_eq(out, "t.rproto:3:9: error: message 'M0' nests 100001 levels of JSON; the most a decoder reads is 1024\n"
                          "message M0 { optional M1 x = \"x\"; }\n"
                          "        ^~\n");
    free(out);
    free(text);
}
END_TEST

/* Profiles p0 .. p(count-1), each based on the one before. */
static char *profile_chain_spec(size_t count)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p;\npeers a, b;\nprofile p0 { }\n");
    for (size_t i = 1; i < count; i++)
        rp_sb_printf(&sb, "profile p%zu : p%zu { }\n", i, i - 1);
    return sb.s;
}

/* Each profile past the 32nd is an error; resolving all 100,000 bases took time n^2
 * (a day's worth), so this test timed out before. */
START_TEST(profile_chain_of_100000_is_refused_at_each_profile_past_32)
{
    char *text = profile_chain_spec(100000);
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(d, "t.rproto", text, strlen(text), NULL, &spec), RP_FRONTEND_SPEC_ERROR);
    ck_assert_ptr_null(spec);
    ck_assert_uint_eq(rp_diag_error_count(d), 100000 - 32);
    const char *out = rp_diag_text(d);
    const char *first = "t.rproto:35:9: error: a spec has at most 32 profiles\n"
                        "profile p32 : p31 { }\n"
                        "        ^~~\n"
                        "t.rproto:36:9: error: a spec has at most 32 profiles\n";
    ck_assert_msg(strncmp(out, first, strlen(first)) == 0, "%.400s", out);
    ck_assert_ptr_nonnull(strstr(out, "rprotoc: fatal error: too many errors (50), stopping\n"));
    rp_diag_free(d);
    free(text);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("frontend_limits");
    TCase *tc = tcase_create("depth");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, nesting_at_the_decoder_limit_reads_back);
    tcase_add_test(tc, nesting_past_the_decoder_limit_is_refused);
    tcase_add_test(tc, nesting_100000_deep_is_refused_not_a_crash);
    suite_add_tcase(s, tc);
    tc = tcase_create("profiles");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, profile_chain_of_100000_is_refused_at_each_profile_past_32);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
