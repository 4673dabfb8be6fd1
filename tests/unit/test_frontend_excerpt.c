/* The source excerpt under a diagnostic on hostile lines: a line longer than the window
 * (200 bytes) is quoted as a window around the caret with "..." on each side cut off, the
 * caret still under its column; characters that a terminal does not just print (C1
 * controls, bidirectional overrides) are shown as their bytes so they cannot act on the
 * terminal or move the caret. Lines within the window render as before (the invalid
 * corpus in tests/specs/invalid checks that byte for byte). The message itself quotes
 * decoded spec strings and file names: those are rendered printable too. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "fe_util.h"
#include "source.h"

static char *diagnose(const char *text, size_t len)
{
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(d, "t.rproto", text, len, NULL, &spec), RP_FRONTEND_SPEC_ERROR);
    ck_assert_ptr_null(spec);
    char *out = strdup(rp_diag_text(d));
    rp_diag_free(d);
    return out;
}

/* One line: "protocol p; message M {", a comment of `pad` bytes `fill`, the field
 * "required strng x" (an unknown type), a comment of `after` bytes 'b', "}". */
static char *one_line(size_t pad, char fill, size_t after)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p; message M { /*");
    for (size_t i = 0; i < pad; i++)
        rp_sb_putc(&sb, fill);
    rp_sb_puts(&sb, "*/ required strng x = \"x\"; /*");
    for (size_t i = 0; i < after; i++)
        rp_sb_putc(&sb, 'b');
    rp_sb_puts(&sb, "*/ }\n");
    return sb.s;
}

/* The two excerpt lines of out (after the first line), NUL-separated in place. */
static void excerpt(char *out, char **line, char **marks)
{
    char *nl = strchr(out, '\n');
    ck_assert_ptr_nonnull(nl);
    *line = nl + 1;
    nl = strchr(*line, '\n');
    ck_assert_ptr_nonnull(nl);
    *nl = '\0';
    *marks = nl + 1;
    nl = strchr(*marks, '\n');
    ck_assert_ptr_nonnull(nl);
    *nl = '\0';
}

START_TEST(a_line_of_200_bytes_is_quoted_whole)
{
    /* 26 + pad + 28 + after + 5 (with the newline) = 201: a 200-byte line */
    char *text = one_line(100, 'a', 41);
    ck_assert_uint_eq(strlen(text), 201);
    char *out = diagnose(text, strlen(text)), *line, *marks;
    ck_assert_ptr_nonnull(strstr(out, "t.rproto:1:139: error: unknown type 'strng'"));
    excerpt(out, &line, &marks);
    ck_assert_uint_eq(strlen(line), 200);
    ck_assert(strncmp(line, text, 200) == 0);
    ck_assert_uint_eq(strlen(marks), 138 + 5);
    ck_assert_str_eq(marks + 138, "^~~~~");
    free(out);
    free(text);
}
END_TEST

START_TEST(a_line_of_201_bytes_is_cut_after_the_window)
{
    char *text = one_line(20, 'a', 122);
    ck_assert_uint_eq(strlen(text), 202);
    char *out = diagnose(text, strlen(text)), *line, *marks;
    excerpt(out, &line, &marks);
    ck_assert_uint_eq(strlen(line), 203);
    ck_assert(strncmp(line, text, 200) == 0);
    ck_assert_str_eq(line + 200, "...");
    ck_assert_uint_eq(strlen(marks), 58 + 5);
    ck_assert_str_eq(marks + 58, "^~~~~");
    free(out);
    free(text);
}
END_TEST

/* A megabyte on one line, the error in its middle: 100 bytes either side of the caret. */
START_TEST(a_megabyte_line_is_quoted_around_the_caret)
{
    char *text = one_line(500000, 'a', 500000);
    char *out = diagnose(text, strlen(text)), *line, *marks;
    ck_assert_ptr_nonnull(strstr(out, "t.rproto:1:500039: error: unknown type 'strng'"));
    ck_assert_uint_lt(strlen(out), 400);
    excerpt(out, &line, &marks);
    const char *at = text + 500038; /* the 's' of "strng" */
    ck_assert(strncmp(at, "strng", 5) == 0);
    ck_assert_uint_eq(strlen(line), 3 + 200 + 3);
    ck_assert(strncmp(line, "...", 3) == 0);
    ck_assert(strncmp(line + 3, at - 100, 200) == 0);
    ck_assert_str_eq(line + 203, "...");
    ck_assert_uint_eq(strlen(marks), 103 + 5);
    for (size_t i = 0; i < 103; i++)
        ck_assert_int_eq(marks[i], ' ');
    ck_assert_str_eq(marks + 103, "^~~~~");
    free(out);
    free(text);
}
END_TEST

/* An error near the end of a long line: the window is the line's last 200 bytes. */
START_TEST(an_error_near_the_end_of_a_long_line)
{
    char *text = one_line(5000, 'a', 0);
    char *out = diagnose(text, strlen(text)), *line, *marks;
    ck_assert_ptr_nonnull(strstr(out, "t.rproto:1:5039: error: unknown type 'strng'"));
    excerpt(out, &line, &marks);
    size_t len = strlen(text) - 1; /* without the newline */
    ck_assert_uint_eq(strlen(line), 203);
    ck_assert(strncmp(line, "...", 3) == 0);
    ck_assert(strncmp(line + 3, text + len - 200, 200) == 0);
    /* the caret: 5038 bytes before it on the line, of which 200 - (len - 5038) are shown */
    size_t before = 200 - (len - 5038);
    ck_assert_uint_eq(strlen(marks), 3 + before + 5);
    ck_assert_str_eq(marks + 3 + before, "^~~~~");
    free(out);
    free(text);
}
END_TEST

/* An error at the last byte of a long line (end of file, reported at the last token's end). */
START_TEST(an_error_at_the_end_of_a_long_line)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p; message M { /*");
    for (int i = 0; i < 5000; i++)
        rp_sb_putc(&sb, 'a');
    rp_sb_puts(&sb, "*/ required string s = \"s\";");
    char *out = diagnose(sb.s, sb.len), *line, *marks;
    ck_assert_ptr_nonnull(strstr(out, "t.rproto:1:5053: error: unexpected end of file"));
    excerpt(out, &line, &marks);
    ck_assert_uint_eq(strlen(line), 203);
    ck_assert(strncmp(line, "...", 3) == 0);
    ck_assert_str_eq(line + 3, sb.s + sb.len - 200);
    ck_assert_uint_eq(strlen(marks), 203);
    ck_assert_str_eq(marks + 202, "^");
    free(out);
    free(sb.s);
}
END_TEST

/* The window's left edge falls inside a two-byte character: it moves to the next one, so
 * no half character is shown as <xx>. */
START_TEST(the_window_does_not_cut_a_character)
{
    rp_strbuf sb = { 0 };
    rp_sb_puts(&sb, "protocol p; message M { /*");
    for (int i = 0; i < 1001; i++)
        rp_sb_puts(&sb, "\xc3\xa9"); /* é */
    rp_sb_puts(&sb, "a*/ required strng x = \"x\"; }\n");
    char *out = diagnose(sb.s, sb.len), *line, *marks;
    excerpt(out, &line, &marks);
    ck_assert_ptr_null(strchr(line, '<'));
    /* the window, the line's last 200 bytes, starts inside an é: it begins one byte later */
    ck_assert(strncmp(line, "...\xc3\xa9", 5) == 0);
    ck_assert_ptr_nonnull(strstr(line, "a*/ required strng x"));
    /* one caret column per character: 85 é, the 13 bytes from 'a' to "required ", the caret */
    ck_assert_uint_eq(strlen(marks), 3 + 85 + 13 + 5);
    ck_assert_str_eq(marks + 3 + 85 + 13, "^~~~~");
    free(out);
    free(sb.s);
}
END_TEST

/* U+202E (right-to-left override) and U+009B (C1 CSI) in a comment before the error: shown
 * as their bytes, the caret counted over what is shown. */
START_TEST(bidi_and_c1_controls_are_shown_as_bytes)
{
    const char *text = "protocol p;\nmessage M { /*\xe2\x80\xae\xc2\x9b*/ required strng x = \"x\"; }\n";
    char *out = diagnose(text, strlen(text));
    ck_assert_str_eq(out, "t.rproto:2:32: error: unknown type 'strng'; did you mean 'string'?\n"
                          "message M { /*<e2><80><ae><c2><9b>*/ required strng x = \"x\"; }\n"
                          "                                              ^~~~~\n");
    free(out);
    /* the other printable characters stay as they are */
    text = "protocol p;\nmessage M { /*\xc2\xa0\xe2\x80\x94*/ required strng x = \"x\"; }\n";
    out = diagnose(text, strlen(text));
    ck_assert_str_eq(out, "t.rproto:2:32: error: unknown type 'strng'; did you mean 'string'?\n"
                          "message M { /*\xc2\xa0\xe2\x80\x94*/ required strng x = \"x\"; }\n"
                          "                            ^~~~~\n");
    free(out);
}
END_TEST

/* Wide characters take two terminal columns and combining marks none: the caret line
 * counts columns, not characters, so the caret stays under its text. */
START_TEST(wide_and_combining_characters_keep_the_caret_aligned)
{
    const char *text = "protocol p;\nmessage M { /* \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e e\xcc\x81 */"
                       " required strng x = \"x\"; }\n";
    char *out = diagnose(text, strlen(text));
    ck_assert_str_eq(out, "t.rproto:2:42: error: unknown type 'strng'; did you mean 'string'?\n"
                          "message M { /* \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e e\xcc\x81 */ required strng x = \"x\"; }\n"
                          "                                    ^~~~~\n");
    free(out);
    /* a span over wide characters: a '~' for each column */
    text = "protocol p;\nmessage M { required string x = \"\xe6\x97\xa5\"; required string y = \"\xe6\x97\xa5\"; }\n";
    out = diagnose(text, strlen(text));
    const char *want = "t.rproto:2:60: error: duplicate wire key \"\xe6\x97\xa5\" in message 'M'\n"
                       "message M { required string x = \"\xe6\x97\xa5\"; required string y = \"\xe6\x97\xa5\"; }\n"
                       "                                                          ^~~~\n";
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    free(out);
}
END_TEST

/* A wire key holding ESC, BEL and U+202E (escapes a spec string may use): the message that
 * quotes it shows the escapes, not the characters, which set the terminal's colour. */
START_TEST(messages_quote_control_characters_as_escapes)
{
    const char *text = "protocol p;\nmessage M { required string a = \"\\u001b[31m\\u0007\\u202e\";"
                       " required string b = \"\\u001b[31m\\u0007\\u202e\"; }\n";
    char *out = diagnose(text, strlen(text));
    const char *want = "t.rproto:2:79: error: duplicate wire key \"\\u001b[31m\\u0007\\u202e\" in message 'M'\n";
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    ck_assert_ptr_null(strchr(out, '\x1b'));
    ck_assert_ptr_null(strchr(out, '\a'));
    free(out);
}
END_TEST

START_TEST(put_printable)
{
    rp_strbuf b = { 0 };
    const char in[] = "a\tb\x1b\x7f\xff\xc2\x9b\xc3\xa9\xe2\x80\xae\xe2\x80\x94\xf0\x9f\x98\x80";
    rp_diag_put_printable(&b, in, sizeof in - 1);
    ck_assert_str_eq(b.s, "a\\u0009b\\u001b\\u007f\\xff\\u009b\xc3\xa9\\u202e\xe2\x80\x94\xf0\x9f\x98\x80");
    free(b.s);
}
END_TEST

/* a quoted value (a delimiter) reads as a spec string: \n \r \t, '"' and '\\' escaped, the rest
 * as rp_diag_put_printable shows it */
START_TEST(put_quoted)
{
    rp_strbuf b = { 0 };
    const char in[] = "\xc3\xa9\x7f\t\r\n\"\\\x01\xe2\x80\xae\xff,";
    rp_diag_put_quoted(&b, in, sizeof in - 1);
    ck_assert_str_eq(b.s, "\"\xc3\xa9\\u007f\\t\\r\\n\\\"\\\\\\u0001\\u202e\\xff,\"");
    free(b.s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("frontend_excerpt");
    TCase *tc = tcase_create("window");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_line_of_200_bytes_is_quoted_whole);
    tcase_add_test(tc, a_line_of_201_bytes_is_cut_after_the_window);
    tcase_add_test(tc, a_megabyte_line_is_quoted_around_the_caret);
    tcase_add_test(tc, an_error_near_the_end_of_a_long_line);
    tcase_add_test(tc, an_error_at_the_end_of_a_long_line);
    tcase_add_test(tc, the_window_does_not_cut_a_character);
    suite_add_tcase(s, tc);
    tc = tcase_create("characters");
    tcase_add_test(tc, bidi_and_c1_controls_are_shown_as_bytes);
    tcase_add_test(tc, wide_and_combining_characters_keep_the_caret_aligned);
    tcase_add_test(tc, messages_quote_control_characters_as_escapes);
    tcase_add_test(tc, put_printable);
    tcase_add_test(tc, put_quoted);
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
