/* test_compat: rp_compat_check on in-memory spec pairs (generator/compat.c) — one breaking
 * change per case with its direction, both ways round; pattern changes compared as
 * languages (DFA inclusion); and the text emitters (JSON Schema, docs) being deterministic
 * and escaping what they quote. The exact reports of whole pairs are tests/scripts/compat.sh.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "emit_docs.h"
#include "emit_jsonschema.h"
#include "source.h"

static rp_ast_spec *load(const char *name, const char *text)
{
    rp_diag *d = rp_diag_new();
    rp_ast_spec *s = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(d, name, text, strlen(text), NULL, &s);
    ck_assert_msg(st == RP_FRONTEND_OK, "%s: %s", name, rp_diag_text(d));
    rp_diag_free(d);
    return s;
}

/* Compares old -> new; returns the breaking count and copies the report into out. */
static size_t compare(const char *old_body, const char *new_body, char *out, size_t cap)
{
    char o[2048], n[2048];
    snprintf(o, sizeof o, "protocol p;\n%s\n", old_body);
    snprintf(n, sizeof n, "protocol p;\n%s\n", new_body);
    rp_ast_spec *so = load("old.rproto", o), *sn = load("new.rproto", n);
    rp_diag *d = rp_diag_new();
    size_t k = rp_compat_check(so, sn, d);
    snprintf(out, cap, "%s", rp_diag_text(d));
    rp_diag_free(d);
    rp_ast_free(so);
    rp_ast_free(sn);
    return k;
}

#define EXPECT(old_body, new_body, count, part)                                                   \
    do {                                                                                          \
        char rep[4096];                                                                           \
        size_t got = compare(old_body, new_body, rep, sizeof rep);                                \
        ck_assert_msg(got == (count), "%zu breaks, want %d:\n%s", got, (int)(count), rep);       \
        ck_assert_msg(strstr(rep, part) != NULL, "no '%s' in:\n%s", part, rep);                 \
    } while (0)

START_TEST(test_directions)
{
    const char *m = "message M { required uint8 a = \"a\"; optional uint8 b = \"b\"; }";
    EXPECT(m, m, 0, "");
    EXPECT(m, "message M { required uint8 a = \"a\"; required uint8 b = \"b\"; }", 1,
           "is required now: old senders may leave it out [breaks old senders -> new receivers]");
    EXPECT("message M { required uint8 a = \"a\"; required uint8 b = \"b\"; }", m, 1,
           "[breaks new senders -> old receivers]");
    EXPECT(m, "message M { required uint8 a = \"a\" [range 1..]; optional uint8 b = \"b\"; }", 1,
           "values of field 'a' (\"a\") of 'M' narrowed from 0..255 to 1..255");
    EXPECT(m, "message M { required int16 a = \"a\"; optional uint8 b = \"b\"; }", 1,
           "widened from 0..255 to -32768..32767 [breaks new senders -> old receivers]");
    EXPECT(m, "message M { required string a = \"a\"; optional uint8 b = \"b\"; }", 1,
           "changed from integer to string");
    /* a count minimum makes a list required */
    EXPECT("message M { repeated uint8 l = \"l\" [count ..4]; }", "message M { repeated uint8 l = \"l\" [count 1..4]; }",
           2, "is required now");
}
END_TEST

START_TEST(test_patterns_as_languages)
{
    const char *base = "message M { required string s = \"s\" [pattern \"%s\"]; }";
    char o[256], n[256];
    snprintf(o, sizeof o, base, "(ab|cd)+");
    snprintf(n, sizeof n, base, "(?:ab|cd)(?:ab|cd)*");
    EXPECT(o, n, 0, ""); /* written differently, the same language */
    snprintf(n, sizeof n, base, "(ab|cd|ef)+");
    EXPECT(o, n, 1, "widened");
    snprintf(n, sizeof n, base, "(ab)+");
    EXPECT(o, n, 1, "narrowed");
    snprintf(n, sizeof n, base, "(ab|ef)+");
    EXPECT(o, n, 1, "pattern of field 's' (\"s\") of 'M' changed");
    EXPECT(o, "message M { required string s = \"s\"; }", 1, "from \"(ab|cd)+\" to none");
}
END_TEST

/* Integers, integer enums and flags compared by the numbers they accept (K1). */
START_TEST(test_numbers_by_value_set)
{
    const char *e = "enum K : uint8 { ONE = 1; TWO = 2; THREE = 3; }\nflags F : uint8 { A = 1; B = 2; }\n";
    char o[512], n[512];
    snprintf(o, sizeof o, "%smessage M { required uint8 k = \"k\" [range 1..3]; required uint8 c = \"c\" [const 3]; required uint8 f = \"f\" [range 0..3]; }", e);
    snprintf(n, sizeof n, "%smessage M { required K k = \"k\"; required K c = \"c\" [const THREE]; required F f = \"f\"; }", e);
    EXPECT(o, n, 0, "");
    EXPECT(n, o, 0, "");
    snprintf(o, sizeof o, "%smessage M { required K k = \"k\"; }", e);
    snprintf(n, sizeof n, "%smessage M { required uint8 k = \"k\" [range 0..3]; }", e);
    EXPECT(o, n, 1, "values of field 'k' (\"k\") of 'M' widened from enum K {1..3} to integer 0..3 [breaks new senders -> old receivers]");
    EXPECT(n, o, 1, "narrowed from integer 0..3 to enum K {1..3} [breaks old senders -> new receivers]");
}
END_TEST

START_TEST(test_text_emitters)
{
    rp_ast_spec *s = load("t.rproto", "/// A | pipe and a \"quote\".\nprotocol t;\n"
                         "/// Doc with | and\n/// two lines.\n"
                         "message M { option unknown_keys = reject; required string s = \"k\\\"e|y\" [len ..3]; }\n");
    char *a = rp_emit_jsonschema(s), *b = rp_emit_jsonschema(s);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "\"k\\\"e|y\": {"));
    ck_assert_ptr_nonnull(strstr(a, "\"additionalProperties\": false"));
    ck_assert_ptr_nonnull(strstr(a, "\"description\": \"A | pipe and a \\\"quote\\\".\\n\\nGenerated"));
    char *d = rp_emit_docs(s);
    ck_assert_ptr_nonnull(strstr(d, "| `k\"e\\|y` | `s` | string | required | length <= 3 bytes of UTF-8 |  |  |"));
    ck_assert_ptr_nonnull(strstr(d, "Doc with | and\ntwo lines."));
    free(a);
    free(b);
    free(d);
    rp_ast_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compat");
    TCase *tc = tcase_create("compat");
    tcase_add_test(tc, test_directions);
    tcase_add_test(tc, test_patterns_as_languages);
    tcase_add_test(tc, test_numbers_by_value_set);
    tcase_add_test(tc, test_text_emitters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
