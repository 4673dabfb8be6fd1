/* Unit tests of rp_error: setting, truncation, names, rendering, NULL tolerance. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_error.h"

START_TEST(test_format_full)
{
    rp_error err;
    int rc = rp_error_set(&err, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, 42,
                          "%d is not one of {128, 192, 256}", 100);
    ck_assert_int_eq(rc, RP_E_SCHEMA_RANGE);
    rp_error_set_path(&err, "$.key_size");
    rp_error_set_spec(&err, "spec/residue.rproto", 108, 5);
    char buf[256];
    size_t n = rp_error_format(&err, buf, sizeof buf);
    const char *want = "schema error at $.key_size (offset 42): 100 is not one of {128, 192, 256} "
                       "[spec/residue.rproto:108:5] (schema-range)";
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(n, strlen(want));
}
END_TEST

START_TEST(test_format_variants)
{
    rp_error err;
    char buf[256];
    /* no path: offset alone */
    rp_error_set(&err, RP_E_JSON_SYNTAX, RP_LAYER_JSON, 7, "expected ':'");
    rp_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "json error at offset 7: expected ':' (json-syntax)");
    /* no offset, no path */
    rp_error_set(&err, RP_E_CRYPTO, RP_LAYER_CRYPTO, SIZE_MAX, "EVP_DecryptFinal_ex failed");
    rp_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "crypto error: EVP_DecryptFinal_ex failed (crypto)");
    /* path without offset; spec without column, then without line */
    rp_error_set(&err, RP_E_SCHEMA_MISSING, RP_LAYER_SCHEMA, SIZE_MAX, "required key absent");
    rp_error_set_path(&err, "$[3].msg");
    rp_error_set_spec(&err, "spec/residue.rproto", 12, 0);
    rp_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "schema error at $[3].msg: required key absent [spec/residue.rproto:12] "
                          "(schema-missing)");
    rp_error_set_spec(&err, "x.rproto", 0, 9);
    rp_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "schema error at $[3].msg: required key absent [x.rproto] (schema-missing)");
    /* layer none, empty message */
    rp_error_set(&err, RP_E_ARGUMENT, RP_LAYER_NONE, SIZE_MAX, "%s", "");
    rp_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "error (argument)");
    /* NULL fmt */
    rp_error_set(&err, RP_E_IO, RP_LAYER_IO, 0, NULL);
    rp_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "io error at offset 0 (io)");
    /* cleared / NULL */
    rp_error_clear(&err);
    ck_assert_int_eq(err.code, RP_OK);
    ck_assert_uint_eq(err.offset, SIZE_MAX);
    ck_assert_ptr_null(err.spec.file);
    rp_error_format(&err, buf, sizeof buf);
    ck_assert_str_eq(buf, "no error");
    ck_assert_uint_eq(rp_error_format(NULL, buf, sizeof buf), 8);
    ck_assert_str_eq(buf, "no error");
}
END_TEST

START_TEST(test_format_truncates_like_snprintf)
{
    rp_error err;
    rp_error_set(&err, RP_E_HEX, RP_LAYER_HEX, 3, "bad digit 'g'");
    char full[128];
    size_t n = rp_error_format(&err, full, sizeof full);
    ck_assert_str_eq(full, "hex error at offset 3: bad digit 'g' (hex)");
    for (size_t cap = 0; cap <= n + 1; cap++) {
        char buf[128];
        memset(buf, 0x7E, sizeof buf);
        ck_assert_uint_eq(rp_error_format(&err, buf, cap), n);
        if (cap > 0) {
            ck_assert_uint_eq(strlen(buf), cap - 1 < n ? cap - 1 : n);
            ck_assert_int_eq(strncmp(buf, full, strlen(buf)), 0);
        }
        for (size_t i = cap; i < sizeof buf; i++) ck_assert_int_eq(buf[i], 0x7E);
    }
    ck_assert_uint_eq(rp_error_format(&err, NULL, 0), n);
}
END_TEST

/* Whether s is valid UTF-8 (no lone lead or continuation bytes, no cut sequence). */
static bool utf8_whole(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0) return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80) return false;
        p += n;
    }
    return true;
}

/* A cut never splits a character: a peer's text in a path or message stays valid UTF-8
 * (2-, 3- and 4-byte characters, at every alignment against the cut). */
START_TEST(test_truncation_keeps_utf8_whole)
{
    static const char *chars[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
    for (size_t c = 0; c < 3; c++)
        for (size_t shift = 0; shift < 4; shift++) {
            char text[600];
            size_t n = 0;
            for (size_t i = 0; i < shift; i++) text[n++] = 'a';
            while (n + strlen(chars[c]) < sizeof text) {
                memcpy(text + n, chars[c], strlen(chars[c]));
                n += strlen(chars[c]);
            }
            text[n] = '\0';
            rp_error err;
            rp_error_set(&err, RP_E_SCHEMA_LENGTH, RP_LAYER_SCHEMA, 0, "%s", text);
            ck_assert_msg(utf8_whole(err.message), "message cut inside a character (char %zu, shift %zu)", c, shift);
            ck_assert_ptr_nonnull(strstr(err.message, "..."));
            ck_assert_uint_ge(strlen(err.message), RP_ERROR_MESSAGE_MAX - 4);
            rp_error_set_path(&err, text);
            ck_assert_msg(utf8_whole(err.path), "path cut inside a character (char %zu, shift %zu)", c, shift);
            ck_assert_uint_ge(strlen(err.path), RP_ERROR_PATH_MAX - 4);
            ck_assert_str_eq(err.path + strlen(err.path) - 3, "...");
        }
}
END_TEST

START_TEST(test_long_message_and_path_truncated)
{
    rp_error err;
    char longtext[1000];
    memset(longtext, 'm', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    rp_error_set(&err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX, "%s", longtext);
    ck_assert_uint_eq(strlen(err.message), RP_ERROR_MESSAGE_MAX - 1);
    ck_assert_str_eq(err.message + RP_ERROR_MESSAGE_MAX - 4, "...");
    ck_assert_int_eq(err.message[0], 'm');

    char longpath[500];
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    longpath[0] = '$';
    rp_error_set_path(&err, longpath);
    ck_assert_uint_eq(strlen(err.path), RP_ERROR_PATH_MAX - 1);
    ck_assert_str_eq(err.path + RP_ERROR_PATH_MAX - 4, "...");

    /* exactly fitting texts are not marked */
    char fit[RP_ERROR_PATH_MAX];
    memset(fit, 'q', sizeof fit - 1);
    fit[sizeof fit - 1] = '\0';
    rp_error_set_path(&err, fit);
    ck_assert_str_eq(err.path, fit);
    char fitmsg[RP_ERROR_MESSAGE_MAX];
    memset(fitmsg, 'r', sizeof fitmsg - 1);
    fitmsg[sizeof fitmsg - 1] = '\0';
    rp_error_set(&err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX, "%s", fitmsg);
    ck_assert_str_eq(err.message, fitmsg);

    /* rendering of a maximal error stays within the caller's buffer */
    char buf[512];
    size_t n = rp_error_format(&err, buf, sizeof buf);
    ck_assert_uint_eq(n, strlen(buf));
}
END_TEST

START_TEST(test_set_resets_previous_fields)
{
    rp_error err;
    rp_error_set(&err, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, 1, "first");
    rp_error_set_path(&err, "$.a");
    rp_error_set_spec(&err, "f", 1, 2);
    rp_error_set(&err, RP_E_JSON_SYNTAX, RP_LAYER_JSON, 9, "second");
    ck_assert_str_eq(err.path, "");
    ck_assert_ptr_null(err.spec.file);
    ck_assert_str_eq(err.message, "second");
    ck_assert_uint_eq(err.offset, 9);
}
END_TEST

START_TEST(test_null_err_tolerated)
{
    ck_assert_int_eq(rp_error_set(NULL, RP_E_BASE64, RP_LAYER_BASE64, 0, "x %d", 1), RP_E_BASE64);
    rp_error_set_path(NULL, "$.a");
    rp_error_set_spec(NULL, "f", 1, 1);
    rp_error_clear(NULL);
    rp_error err;
    rp_error_clear(&err);
    rp_error_set_path(&err, NULL);
    ck_assert_str_eq(err.path, "");
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(rp_status_name(RP_OK), "ok");
    ck_assert_str_eq(rp_status_name(RP_E_SCHEMA_RANGE), "schema-range");
    ck_assert_str_eq(rp_status_name(RP_E_JSON_UTF8), "json-utf8");
    ck_assert_str_eq(rp_status_name(RP_E_FRAME_TOO_BIG), "frame-too-big");
    ck_assert_str_eq(rp_status_name(RP_E_STATE), "state");
    ck_assert_str_eq(rp_status_name(-999), "unknown");
    ck_assert_str_eq(rp_status_name(5), "unknown");
    ck_assert_str_eq(rp_layer_name(RP_LAYER_SCHEMA), "schema");
    ck_assert_str_eq(rp_layer_name(RP_LAYER_IO), "io");
    ck_assert_str_eq(rp_layer_name((rp_layer)99), "unknown");
    /* every defined code has its own name */
    static const int codes[] = {
        RP_OK, RP_E_ARGUMENT, RP_E_NOMEM, RP_E_OVERFLOW, RP_E_IO, RP_E_LIMIT,
        RP_E_JSON_SYNTAX, RP_E_JSON_UTF8, RP_E_JSON_DEPTH, RP_E_JSON_NUMBER, RP_E_JSON_TRAILING,
        RP_E_SCHEMA_TYPE, RP_E_SCHEMA_MISSING, RP_E_SCHEMA_RANGE, RP_E_SCHEMA_LENGTH,
        RP_E_SCHEMA_CHARSET, RP_E_SCHEMA_CONST, RP_E_SCHEMA_UNKNOWN, RP_E_SCHEMA_DUPLICATE,
        RP_E_SCHEMA_MESSAGE, RP_E_SCHEMA_PATTERN, RP_E_BASE64, RP_E_HEX, RP_E_CRYPTO, RP_E_KEY, RP_E_DECRYPT,
        RP_E_TOO_LONG, RP_E_ZLIB, RP_E_ZLIB_BOUND, RP_E_FRAME_TOO_BIG, RP_E_FRAME_PARTIAL,
        RP_E_ENVELOPE, RP_E_UNKNOWN_CLIENT, RP_E_PROTOCOL, RP_E_REJECTED, RP_E_STATE,
    };
    size_t nc = sizeof codes / sizeof *codes;
    for (size_t i = 0; i < nc; i++) {
        ck_assert_str_ne(rp_status_name(codes[i]), "unknown");
        for (size_t j = i + 1; j < nc; j++) {
            ck_assert_str_ne(rp_status_name(codes[i]), rp_status_name(codes[j]));
        }
    }
    for (int l = RP_LAYER_NONE; l <= RP_LAYER_IO; l++) {
        ck_assert_str_ne(rp_layer_name((rp_layer)l), "unknown");
    }
}
END_TEST

static Suite *error_suite(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("error");
    tcase_add_test(tc, test_format_full);
    tcase_add_test(tc, test_format_variants);
    tcase_add_test(tc, test_format_truncates_like_snprintf);
    tcase_add_test(tc, test_long_message_and_path_truncated);
    tcase_add_test(tc, test_truncation_keeps_utf8_whole);
    tcase_add_test(tc, test_set_resets_previous_fields);
    tcase_add_test(tc, test_null_err_tolerated);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(error_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
