/* rprotoc checker limits on hostile but well-formed specs: how deep messages may nest,
 * how many items a repeated field may hold, how long a chain of profile bases may be, how
 * deep the parentheses of an expression may nest.
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

/* "envelope NAME = a(a(...a(b)...));" nested `levels` deep, on one line. */
static void nested_envelope(rp_strbuf *sb, const char *name, size_t levels)
{
    rp_sb_printf(sb, "envelope %s = ", name);
    for (size_t i = 0; i < levels; i++)
        rp_sb_puts(sb, "a(");
    rp_sb_puts(sb, "b");
    for (size_t i = 0; i < levels; i++)
        rp_sb_putc(sb, ')');
    rp_sb_puts(sb, ";\n");
}

/* 256 levels of '(' parse (the error is the checker's: there is no layer 'a'). */
START_TEST(parentheses_256_deep_parse)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p;\n");
    nested_envelope(&sb, "e", 256);
    char *out = NULL;
    ck_assert_ptr_null(load(sb.s, &out));
    ck_assert_msg(strncmp(out, "t.rproto:2:14: error: unknown layer 'a'", 39) == 0, "%.300s", out);
    ck_assert_ptr_null(strstr(out, "nesting"));
    free(out);
    free(sb.s);
}
END_TEST

/* One level more is refused at the 257th '(', and parsing goes on after the statement: the
 * syntax error on the next line is reported too. */
START_TEST(parentheses_257_deep_are_refused_at_the_paren)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p;\n");
    nested_envelope(&sb, "e", 257);
    rp_sb_puts(&sb, "message M { required string = \"x\"; }\n");
    char *out = NULL;
    ck_assert_ptr_null(load(sb.s, &out));
    /* the excerpt: 100 bytes either side of that '(' (offset 526 of line 2) */
    const char *line = strchr(sb.s, '\n') + 1;
    rp_strbuf w = { 0 };
    rp_sb_printf(&w, "t.rproto:2:527: error: nesting too deep (limit 256)\n...%.200s...\n%103s^\n"
                     "t.rproto:3:29: error: unexpected '=', expected a name\n", line + 426, "");
    const char *want = w.s;
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    free(w.s);
    free(out);
    free(sb.s);
}
END_TEST

/* Bison's stack held 10,000 states: "memory exhausted" came at about 5,000 levels. */
START_TEST(parentheses_100000_deep_are_refused_not_exhausted)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p;\n");
    nested_envelope(&sb, "e", 100000);
    char *out = NULL;
    ck_assert_ptr_null(load(sb.s, &out));
    ck_assert_msg(strncmp(out, "t.rproto:2:527: error: nesting too deep (limit 256)\n", 52) == 0, "%.300s", out);
    ck_assert_ptr_null(strstr(out, "memory exhausted"));
    ck_assert_uint_lt(strlen(out), 600);
    free(out);
    free(sb.s);
}
END_TEST

/* The count is of parentheses open at a point: closed ones, and those an error recovery
 * threw away, no longer count. */
START_TEST(parentheses_closed_or_discarded_no_longer_count)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p;\n");
    nested_envelope(&sb, "e1", 200);
    nested_envelope(&sb, "e2", 200);
    rp_sb_puts(&sb, "envelope e3 = a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(a(;\n");
    nested_envelope(&sb, "e4", 256);
    char *out = NULL;
    ck_assert_ptr_null(load(sb.s, &out));
    ck_assert_ptr_nonnull(strstr(out, "t.rproto:4:75: error: unexpected ';', expected a name"));
    ck_assert_msg(strstr(out, "nesting") == NULL, "%.2000s", out);
    free(out);
    free(sb.s);
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
    tc = tcase_create("parentheses");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, parentheses_256_deep_parse);
    tcase_add_test(tc, parentheses_257_deep_are_refused_at_the_paren);
    tcase_add_test(tc, parentheses_100000_deep_are_refused_not_exhausted);
    tcase_add_test(tc, parentheses_closed_or_discarded_no_longer_count);
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
