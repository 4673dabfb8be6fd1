/* JSON conformance: every case of JSONTestSuite's test_parsing/ through the strict scanner.
 *   y_*  must be accepted, n_* must be rejected, i_* must be handled without a crash.
 * Each accepted document is also walked a second way (every string unescaped and checked
 * to be UTF-8 of the announced length), and a wire-mode pass must accept every y_ case. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_json.h"

/* What a lenient peer needs of the scanner: trailing bytes ignored, fractions truncated. */
#define WIRE_FLAGS (RP_JSON_TRAILING_IGNORE | RP_JSON_FLOAT_TRUNCATE)

#define SUITE_DIR "../shared/testdata/JSONTestSuite/test_parsing"

/* Reads a whole file into a malloc'd buffer (test code; the scanner itself never
 * allocates). Returns NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) break;
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Scans to the end token by token; every string and key is unescaped and re-checked.
 * Returns 0 when the document is accepted, else the error code. */
static int scan_all(const char *buf, size_t len, rp_json_flags mode, rp_error *err)
{
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, buf, len, mode);
    char tmp[8192];
    for (int guard = 0; guard < 1000000; guard++) {
        rp_json_token tok;
        int rc = rp_json_next(&sc, &tok, err);
        if (rc < 0) return rc;
        if (tok.type == RP_JSON_END) return 0;
        if (tok.type == RP_JSON_STRING || tok.type == RP_JSON_KEY) {
            size_t n = 0;
            size_t want = rp_json_str_len(&tok.text);
            ck_assert_uint_lt(want, sizeof tmp);
            ck_assert_int_eq(rp_json_unescape(&tok.text, tmp, sizeof tmp, &n, NULL), 0);
            ck_assert_uint_eq(n, want);
            ck_assert_int_eq(rp_json_check_utf8(tmp, n, 0, NULL), 0);
            ck_assert(rp_json_str_eq(&tok.text, tmp, n));
        }
    }
    ck_abort_msg("scanner did not terminate");
    return -1;
}

START_TEST(test_json_test_suite)
{
    DIR *d = opendir(SUITE_DIR);
    ck_assert_msg(d != NULL, "cannot open %s", SUITE_DIR);
    int y_total = 0, y_ok = 0, n_total = 0, n_ok = 0, i_total = 0, i_acc = 0;
    int wire_y_ok = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strlen(name) < 3 || name[1] != '_') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", SUITE_DIR, name);
        size_t len = 0;
        char *buf = slurp(path, &len);
        ck_assert_msg(buf != NULL, "cannot read %s", path);
        rp_error err;
        rp_error_clear(&err);
        int rc = scan_all(buf, len, RP_JSON_STRICT, &err);
        if (name[0] == 'y') {
            y_total++;
            if (rc == 0) y_ok++;
            else {
                char msg[512];
                rp_error_format(&err, msg, sizeof msg);
                fprintf(stderr, "y_ case rejected: %s: %s\n", name, msg);
            }
            if (scan_all(buf, len, WIRE_FLAGS, NULL) == 0) wire_y_ok++;
        } else if (name[0] == 'n') {
            n_total++;
            if (rc < 0) {
                n_ok++;
                /* A rejection must say what and where. */
                ck_assert_msg(err.code == rc && err.message[0] != '\0', "%s: no message", name);
                ck_assert_msg(err.offset <= len, "%s: offset %zu beyond %zu", name, err.offset, len);
            } else {
                fprintf(stderr, "n_ case accepted: %s\n", name);
            }
        } else if (name[0] == 'i') {
            i_total++;
            if (rc == 0) i_acc++;
            /* Wire mode must not crash either. */
            (void)scan_all(buf, len, WIRE_FLAGS, NULL);
        }
        free(buf);
    }
    closedir(d);
    printf("json suite: y %d/%d accepted, n %d/%d rejected, i %d handled (%d accepted, %d "
           "rejected); wire mode: y %d/%d accepted\n",
           y_ok, y_total, n_ok, n_total, i_total, i_acc, i_total - i_acc, wire_y_ok, y_total);
    fflush(stdout);
    ck_assert_int_gt(y_total, 0);
    ck_assert_int_gt(n_total, 0);
    ck_assert_int_gt(i_total, 0);
    ck_assert_int_eq(y_ok, y_total);
    ck_assert_int_eq(n_ok, n_total);
    ck_assert_int_eq(wire_y_ok, y_total);
}
END_TEST

/* The deep-nesting n_ cases are rejected by the depth limit, not by running out of input. */
START_TEST(test_deep_nesting_hits_depth_limit)
{
    size_t len = 0;
    char *buf = slurp(SUITE_DIR "/n_structure_100000_opening_arrays.json", &len);
    ck_assert_ptr_nonnull(buf);
    rp_error err;
    ck_assert_int_eq(scan_all(buf, len, RP_JSON_STRICT, &err), RP_E_JSON_DEPTH);
    ck_assert_uint_eq(err.offset, 32); /* the 33rd '[' */
    free(buf);

    /* 500 nested arrays: rejected at the default limit, accepted with a larger one. */
    buf = slurp(SUITE_DIR "/i_structure_500_nested_arrays.json", &len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(scan_all(buf, len, RP_JSON_STRICT, NULL), RP_E_JSON_DEPTH);
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, buf, len, RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_scanner_set_max_depth(&sc, 500), 0);
    rp_json_token tok;
    int rc;
    do {
        rc = rp_json_next(&sc, &tok, NULL);
    } while (rc == 0 && tok.type != RP_JSON_END);
    ck_assert_int_eq(rc, 0);
    free(buf);
}
END_TEST

/* Implementation-defined cases where rproto's choice is fixed by its design: invalid
 * UTF-8 and lone surrogates are rejected, huge numbers are accepted by the scanner (they
 * only fail when read into an integer). */
START_TEST(test_i_cases_with_a_fixed_answer)
{
    static const char *const rejected[] = {
        "i_object_key_lone_2nd_surrogate.json", "i_string_1st_surrogate_but_2nd_missing.json",
        "i_string_1st_valid_surrogate_2nd_invalid.json", "i_string_UTF-8_invalid_sequence.json",
        "i_string_UTF8_surrogate_U+D800.json", "i_string_incomplete_surrogate_and_escape_valid.json",
        "i_string_incomplete_surrogate_pair.json", "i_string_incomplete_surrogates_escape_valid.json",
        "i_string_invalid_lonely_surrogate.json", "i_string_invalid_surrogate.json",
        "i_string_invalid_utf-8.json", "i_string_inverted_surrogates_U+1D11E.json",
        "i_string_iso_latin_1.json", "i_string_lone_second_surrogate.json",
        "i_string_lone_utf8_continuation_byte.json", "i_string_not_in_unicode_range.json",
        "i_string_overlong_sequence_2_bytes.json", "i_string_overlong_sequence_6_bytes.json",
        "i_string_overlong_sequence_6_bytes_null.json", "i_string_truncated-utf-8.json",
        "i_string_UTF-16LE_with_BOM.json", "i_string_utf16BE_no_BOM.json",
        "i_string_utf16LE_no_BOM.json", "i_structure_UTF-8_BOM_empty_object.json",
    };
    static const char *const accepted[] = {
        "i_number_double_huge_neg_exp.json", "i_number_huge_exp.json",
        "i_number_neg_int_huge_exp.json", "i_number_pos_double_huge_exp.json",
        "i_number_real_neg_overflow.json", "i_number_real_pos_overflow.json",
        "i_number_real_underflow.json", "i_number_too_big_neg_int.json",
        "i_number_too_big_pos_int.json", "i_number_very_big_negative_int.json",
    };
    for (size_t k = 0; k < sizeof rejected / sizeof *rejected; k++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", SUITE_DIR, rejected[k]);
        char *buf = slurp(path, &len);
        ck_assert_msg(buf != NULL, "cannot read %s", path);
        ck_assert_msg(scan_all(buf, len, RP_JSON_STRICT, NULL) < 0, "%s accepted", rejected[k]);
        free(buf);
    }
    for (size_t k = 0; k < sizeof accepted / sizeof *accepted; k++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", SUITE_DIR, accepted[k]);
        char *buf = slurp(path, &len);
        ck_assert_msg(buf != NULL, "cannot read %s", path);
        ck_assert_msg(scan_all(buf, len, RP_JSON_STRICT, NULL) == 0, "%s rejected", accepted[k]);
        free(buf);
    }
}
END_TEST

static Suite *json_suite_suite(void)
{
    Suite *s = suite_create("json_suite");
    TCase *tc = tcase_create("conformance");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_json_test_suite);
    tcase_add_test(tc, test_deep_nesting_hits_depth_limit);
    tcase_add_test(tc, test_i_cases_with_a_fixed_answer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(json_suite_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
