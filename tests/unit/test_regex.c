/* test_regex: the `pattern` subset compiler (generator/regex.c) — what it accepts and how
 * it matches (whole string, bytes of UTF-8, DFA), what it refuses and where, its bounds,
 * and the portable spelling written into JSON Schema. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

static rp_regex *compile_ok(const char *p)
{
    rp_regex *re = NULL;
    rp_regex_error err;
    int rc = rp_regex_compile(p, &re, &err);
    ck_assert_msg(rc == 0, "%s: %s (at %zu)", p, err.message, err.index);
    return re;
}

static void refused(const char *p, size_t index, size_t len, const char *msg_part)
{
    rp_regex *re = NULL;
    rp_regex_error err;
    ck_assert_msg(rp_regex_compile(p, &re, &err) == -1, "%s: accepted", p);
    ck_assert_ptr_null(re);
    ck_assert_msg(err.index == index && err.len == len, "%s: at %zu+%zu, want %zu+%zu (%s)", p, err.index,
                  err.len, index, len, err.message);
    ck_assert_msg(strstr(err.message, msg_part) != NULL, "%s: '%s' lacks '%s'", p, err.message, msg_part);
}

static bool m(const rp_regex *re, const char *s)
{
    return rp_regex_match(re, s, strlen(s));
}

START_TEST(test_matching)
{
    rp_regex *re = compile_ok("^[a-z][a-z0-9_]{0,15}$");
    ck_assert(m(re, "a"));
    ck_assert(m(re, "abc_12"));
    ck_assert(!m(re, ""));
    ck_assert(!m(re, "1abc"));
    ck_assert(!m(re, "abcdefghijklmnopq")); /* 17 */
    ck_assert(m(re, "abcdefghijklmnop"));   /* 16 */
    ck_assert(!m(re, "abc\n"));             /* the whole string, nothing less */
    rp_regex_free(re);

    re = compile_ok("(?:ab|cd)+x?");
    ck_assert(m(re, "ab") && m(re, "cdab") && m(re, "abx") && !m(re, "x") && !m(re, "abc"));
    rp_regex_free(re);

    re = compile_ok("\\d{4}-\\d{2}-\\d{2}");
    ck_assert(m(re, "2024-01-31") && !m(re, "2024-1-31") && !m(re, "2024-01-311"));
    rp_regex_free(re);

    /* '.' is one character, not one byte; not a line break */
    re = compile_ok("a.c");
    ck_assert(m(re, "abc") && m(re, "a\xc3\xa9" "c") && m(re, "a\xf0\x9f\x98\x80" "c"));
    ck_assert(!m(re, "a\nc") && !m(re, "a\rc") && !m(re, "a\xe2\x80\xa8" "c") && !m(re, "a\xc3\xa9\xc3\xa9" "c"));
    ck_assert(m(re, "a\xe2\x80\xa7" "c")); /* U+2027 is fine */
    rp_regex_free(re);

    /* a negated class takes non-ASCII characters; a quantifier repeats a whole character */
    re = compile_ok("[^a-z]\xc3\xa9+");
    ck_assert(m(re, "A\xc3\xa9\xc3\xa9") && m(re, "\xe2\x82\xac\xc3\xa9") && !m(re, "a\xc3\xa9"));
    ck_assert(!m(re, "A\xc3\xa9\xc3"));
    rp_regex_free(re);

    re = compile_ok("\\u00e9\\.\\$\\^\\-x\\W");
    ck_assert(m(re, "\xc3\xa9.$^-x!") && !m(re, "\xc3\xa9.$^-xa"));
    rp_regex_free(re);

    re = compile_ok("[\\d\\s_-]*");
    ck_assert(m(re, "1 2\t_-") && !m(re, "a"));
    rp_regex_free(re);

    re = compile_ok("");
    ck_assert(m(re, "") && !m(re, "a"));
    rp_regex_free(re);

    re = compile_ok("a{2,}b{0,2}c{3}");
    ck_assert(m(re, "aaccc") && m(re, "aaaabbccc") && !m(re, "accc") && !m(re, "aabbbccc"));
    rp_regex_free(re);

    /* a '$' escaped at the end is a literal */
    re = compile_ok("a\\$");
    ck_assert(m(re, "a$") && !m(re, "a"));
    rp_regex_free(re);
}
END_TEST

/* Linear time: the classic exponential backtracking pattern, on a long non-matching input. */
START_TEST(test_no_backtracking)
{
    rp_regex *re = compile_ok("(a+)+b");
    size_t n = 1 << 20;
    char *s = malloc(n + 1);
    memset(s, 'a', n);
    s[n] = '\0';
    ck_assert(!rp_regex_match(re, s, n));
    s[n - 1] = 'b';
    ck_assert(rp_regex_match(re, s, n));
    free(s);
    ck_assert_uint_eq(re->states, 4); /* dead, start, a seen, a..ab (minimised) */
    rp_regex_free(re);
}
END_TEST

START_TEST(test_refused)
{
    refused("a(?=b)", 1, 3, "lookahead is not supported");
    refused("(?<=a)b", 0, 4, "lookbehind is not supported");
    refused("(?<n>a)", 0, 3, "named groups are not supported");
    refused("(a)\\1", 3, 2, "back-references are not supported");
    refused("a*?", 2, 1, "lazy quantifiers are not supported");
    refused("a++", 2, 1, "possessive quantifiers are not supported");
    refused("a**", 2, 1, "a quantifier cannot follow another");
    refused("*a", 0, 1, "'*' has nothing to repeat");
    refused("a{1001}", 1, 6, "a count above 1000 is not supported");
    refused("a{3,2}", 1, 5, "{3,2} is empty");
    refused("a{x}", 1, 1, "'{' must be a count");
    refused("a}", 1, 1, "a literal '}' must be escaped");
    refused("a]", 1, 1, "a literal ']' must be escaped");
    refused("a^b", 1, 1, "'^' is only allowed at the start");
    refused("a$b", 1, 1, "'$' is only allowed at the end");
    refused("[a", 0, 1, "'[' is never closed");
    refused("(ab", 0, 1, "'(' is never closed");
    refused("ab)", 2, 1, "unmatched ')'");
    refused("[]", 1, 1, "an empty class");
    refused("[z-a]", 1, 3, "'z-a' is not a range");
    refused("[\xc3\xa9]", 1, 2, "only ASCII characters");
    refused("[\\W]", 1, 2, "'\\W' inside a class is not supported");
    refused("\\bword", 0, 2, "word boundary");
    refused("\\p{L}", 0, 2, "Unicode property class");
    refused("\\q", 0, 2, "unknown escape '\\q'");
    refused("\\x80", 0, 4, "is not ASCII");
    refused("\\ud800", 0, 6, "is a surrogate");
    refused("(?i)a", 0, 2, "flags and other extensions are not supported");
    refused("a\\", 1, 1, "escapes nothing");
}
END_TEST

START_TEST(test_bounds)
{
    rp_regex *re = NULL;
    rp_regex_error err;
    /* a DFA that would need 2^20 states */
    ck_assert_int_eq(rp_regex_compile("[ab]*a[ab]{20}", &re, &err), -1);
    ck_assert_msg(strstr(err.message, "too complex") != NULL, "%s", err.message);
    /* an NFA beyond its bound */
    ck_assert_int_eq(rp_regex_compile("((a{1000}){1000}){1000}", &re, &err), -1);
    ck_assert_msg(strstr(err.message, "too large") != NULL, "%s", err.message);
    re = compile_ok("[0-9a-f]{32}");
    ck_assert_uint_eq(re->states, 34); /* dead, start, 32 more */
    ck_assert_uint_eq(re->classes, 2);
    rp_regex_free(re);
}
END_TEST

START_TEST(test_portable)
{
    rp_regex *re = compile_ok("^\\d+\\.\\w*[^a-c-]\\s.(?:x|y)\\-z$");
    ck_assert_str_eq(re->portable,
                     "^(?:[0-9]+\\.[0-9A-Z\\x5Fa-z]*[^\\x2Da-c][\\x09-\\x0D\\x20][^\\n\\r\\u2028\\u2029](?:x|y)-z)$");
    rp_regex_free(re);
    re = compile_ok("a{2,}b{1,3}\\u00e9");
    ck_assert_str_eq(re->portable, "^(?:a{2,}b{1,3}\\u00E9)$");
    rp_regex_free(re);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("regex");
    TCase *tc = tcase_create("regex");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_matching);
    tcase_add_test(tc, test_no_backtracking);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_portable);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
