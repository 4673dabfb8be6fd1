/* Unit tests of rp_json: scanner, typed readers, path, writer, arena. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_json.h"

/* What a lenient peer needs of the scanner: trailing bytes ignored, fractions truncated. */
#define WIRE_FLAGS (RP_JSON_TRAILING_IGNORE | RP_JSON_FLOAT_TRUNCATE)

/* A scanner over a string literal. */
#define SCAN(sc, text, mode) rp_json_scanner_init(&(sc), (text), strlen(text), (mode))

/* Scans a whole document token by token; returns 0 or the error code. */
static int scan_doc(const char *text, size_t len, rp_json_flags mode, rp_error *err)
{
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, text, len, mode);
    rp_json_token tok;
    for (int guard = 0; guard < 100000; guard++) {
        int rc = rp_json_next(&sc, &tok, err);
        if (rc < 0) return rc;
        if (tok.type == RP_JSON_END) return 0;
    }
    ck_abort_msg("no end");
    return -1;
}

static int scan_str(const char *text, rp_json_flags mode, rp_error *err)
{
    return scan_doc(text, strlen(text), mode, err);
}

/* Reads the single number document `text` as u64 / i64. */
static int read_u64_doc(const char *text, rp_json_flags mode, uint64_t *out, rp_error *err)
{
    rp_json_scanner sc;
    SCAN(sc, text, mode);
    int rc = rp_json_read_u64(&sc, out, err);
    if (rc < 0) return rc;
    return rp_json_finish(&sc, err);
}

static int read_i64_doc(const char *text, rp_json_flags mode, int64_t *out, rp_error *err)
{
    rp_json_scanner sc;
    SCAN(sc, text, mode);
    int rc = rp_json_read_i64(&sc, out, err);
    if (rc < 0) return rc;
    return rp_json_finish(&sc, err);
}

/* ---- integers ----------------------------------------------------------------------- */

START_TEST(test_u64_extremes)
{
    uint64_t v = 1;
    rp_error err;
    ck_assert_int_eq(read_u64_doc("18446744073709551615", RP_JSON_STRICT, &v, &err), 0);
    ck_assert(v == UINT64_MAX);
    ck_assert_int_eq(read_u64_doc("0", RP_JSON_STRICT, &v, &err), 0);
    ck_assert(v == 0);
    v = 7;
    ck_assert_int_eq(read_u64_doc(" 18446744073709551616", RP_JSON_STRICT, &v, &err),
                     RP_E_JSON_NUMBER);
    ck_assert(v == 7); /* untouched on failure */
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(err.layer, RP_LAYER_JSON);
    ck_assert_str_eq(err.message, "number 18446744073709551616 does not fit uint64");
    ck_assert_int_eq(read_u64_doc("99999999999999999999999", WIRE_FLAGS, &v, &err),
                     RP_E_JSON_NUMBER);
    ck_assert_int_eq(read_u64_doc("-1", RP_JSON_STRICT, &v, &err), RP_E_JSON_NUMBER);
    ck_assert_str_eq(err.message, "number -1 does not fit uint64 (negative)");
    /* leading zeros are not JSON */
    ck_assert_int_eq(read_u64_doc("01", RP_JSON_STRICT, &v, &err), RP_E_JSON_SYNTAX);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(read_u64_doc("01", WIRE_FLAGS, &v, &err), RP_E_JSON_SYNTAX);
}
END_TEST

START_TEST(test_i64_extremes)
{
    int64_t v = 0;
    rp_error err;
    ck_assert_int_eq(read_i64_doc("9223372036854775807", RP_JSON_STRICT, &v, &err), 0);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(read_i64_doc("-9223372036854775808", RP_JSON_STRICT, &v, &err), 0);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(read_i64_doc("9223372036854775808", RP_JSON_STRICT, &v, &err),
                     RP_E_JSON_NUMBER);
    ck_assert_str_eq(err.message, "number 9223372036854775808 does not fit int64");
    ck_assert_int_eq(read_i64_doc("-9223372036854775809", RP_JSON_STRICT, &v, &err),
                     RP_E_JSON_NUMBER);
    ck_assert_int_eq(read_i64_doc("-42", RP_JSON_STRICT, &v, &err), 0);
    ck_assert(v == -42);
}
END_TEST

START_TEST(test_negative_zero)
{
    uint64_t u = 5;
    int64_t i = 5;
    ck_assert_int_eq(read_u64_doc("-0", RP_JSON_STRICT, &u, NULL), 0);
    ck_assert(u == 0);
    ck_assert_int_eq(read_i64_doc("-0", RP_JSON_STRICT, &i, NULL), 0);
    ck_assert(i == 0);
    ck_assert_int_eq(read_u64_doc("-0.0", WIRE_FLAGS, &u, NULL), 0);
    ck_assert(u == 0);
    ck_assert_int_eq(read_u64_doc("-0.0", RP_JSON_STRICT, &u, NULL), RP_E_JSON_NUMBER);
}
END_TEST

START_TEST(test_floats_truncated_in_wire_mode_only)
{
    static const struct {
        const char *text;
        uint64_t want;
    } u_cases[] = {
        {"1.0e3", 1000},
        {"42.9", 42},
        {"42.999999999999999999999999", 42},
        {"1e-3", 0},
        {"-0.5", 0},
        {"1.5e19", 15000000000000000000u},
        {"1E2", 100},
        {"1e+2", 100},
        {"0e999999999999", 0},
        {"0.00000000000000000000000000001e30", 10},
        {"123456789012345678901234e-5", 1234567890123456789u},
        {"18446744073709551615.99", UINT64_MAX},
        {"1e-99999999999999999999", 0},
    };
    for (size_t k = 0; k < sizeof u_cases / sizeof *u_cases; k++) {
        uint64_t v = 12345;
        rp_error err;
        ck_assert_msg(read_u64_doc(u_cases[k].text, WIRE_FLAGS, &v, &err) == 0, "%s: %s",
                      u_cases[k].text, err.message);
        ck_assert_msg(v == u_cases[k].want, "%s -> %llu", u_cases[k].text, (unsigned long long)v);
        ck_assert_int_eq(read_u64_doc(u_cases[k].text, RP_JSON_STRICT, &v, &err),
                         RP_E_JSON_NUMBER);
        ck_assert_uint_eq(err.offset, 0);
    }
    rp_error err;
    uint64_t v;
    ck_assert_int_eq(read_u64_doc("1.0e3", RP_JSON_STRICT, &v, &err), RP_E_JSON_NUMBER);
    ck_assert_str_eq(err.message, "expected an integer, found 1.0e3");
    ck_assert_int_eq(read_u64_doc("1e20", WIRE_FLAGS, &v, &err), RP_E_JSON_NUMBER);
    ck_assert_int_eq(read_u64_doc("1e999999999999999", WIRE_FLAGS, &v, &err), RP_E_JSON_NUMBER);
    ck_assert_str_eq(err.message, "number 1e999999999999999 does not fit uint64");
    ck_assert_int_eq(read_u64_doc("-1.5", WIRE_FLAGS, &v, &err), RP_E_JSON_NUMBER);

    int64_t i;
    ck_assert_int_eq(read_i64_doc("-7.5", WIRE_FLAGS, &i, NULL), 0);
    ck_assert(i == -7);
    ck_assert_int_eq(read_i64_doc("-9223372036854775808.9", WIRE_FLAGS, &i, NULL), 0);
    ck_assert(i == INT64_MIN);
    ck_assert_int_eq(read_i64_doc("9.3e18", WIRE_FLAGS, &i, NULL), RP_E_JSON_NUMBER);
    ck_assert_int_eq(read_i64_doc("-12.7e1", WIRE_FLAGS, &i, NULL), 0);
    ck_assert(i == -127);
}
END_TEST

START_TEST(test_long_number_message_is_shortened)
{
    char text[300];
    memset(text, '9', 200);
    text[200] = '\0';
    rp_error err;
    uint64_t v;
    ck_assert_int_eq(read_u64_doc(text, RP_JSON_STRICT, &v, &err), RP_E_JSON_NUMBER);
    char want[100];
    snprintf(want, sizeof want, "number %.40s... does not fit uint64", text);
    ck_assert_str_eq(err.message, want);
    ck_assert_uint_eq(err.offset, 0);
}
END_TEST

/* ---- trailing bytes and modes ------------------------------------------------------- */

START_TEST(test_trailing_bytes)
{
    rp_error err;
    ck_assert_int_eq(scan_str("{\"a\":1} x", RP_JSON_STRICT, &err), RP_E_JSON_TRAILING);
    ck_assert_uint_eq(err.offset, 8);
    ck_assert_str_eq(err.message, "unexpected 'x' after the JSON value");
    ck_assert_int_eq(scan_str("{\"a\":1} x", WIRE_FLAGS, &err), 0);
    ck_assert_int_eq(scan_str("{\"a\":1}\n", RP_JSON_STRICT, &err), 0);
    ck_assert_int_eq(scan_str("{\"a\":1}{\"b\":2}", WIRE_FLAGS, &err), 0);
    ck_assert_int_eq(scan_str("[1]]", RP_JSON_STRICT, &err), RP_E_JSON_TRAILING);
    ck_assert_int_eq(scan_str("true,", RP_JSON_STRICT, &err), RP_E_JSON_TRAILING);
    ck_assert_int_eq(scan_str("true,", WIRE_FLAGS, &err), 0);
    /* a NUL ends the text for the residue server (C string): trailing in strict mode */
    ck_assert_int_eq(scan_doc("{}\0junk", 7, RP_JSON_STRICT, &err), RP_E_JSON_TRAILING);
    ck_assert_uint_eq(err.offset, 2);
    ck_assert_str_eq(err.message, "unexpected byte 0x00 after the JSON value");
    ck_assert_int_eq(scan_doc("{}\0junk", 7, WIRE_FLAGS, &err), 0);
    ck_assert_int_eq(scan_doc("12\0", 3, WIRE_FLAGS, &err), 0);
    /* a number must end at a delimiter in either mode (as the residue server's parser) */
    ck_assert_int_eq(scan_str("123abc", WIRE_FLAGS, &err), RP_E_JSON_SYNTAX);
    ck_assert_uint_eq(err.offset, 3);

    /* typed API: finish checks the trailer */
    rp_json_scanner sc;
    SCAN(sc, "{} ;", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, &err), 0);
    bool done = false;
    rp_json_str key;
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, &err), 0);
    ck_assert(done);
    ck_assert_int_eq(rp_json_finish(&sc, &err), RP_E_JSON_TRAILING);
    ck_assert_uint_eq(err.offset, 3);
    SCAN(sc, "{} ;", WIRE_FLAGS);
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, &err), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, &err), 0);
    ck_assert_int_eq(rp_json_finish(&sc, &err), 0);
}
END_TEST

START_TEST(test_empty_and_whitespace_input)
{
    rp_error err;
    ck_assert_int_eq(scan_str("", RP_JSON_STRICT, &err), RP_E_JSON_SYNTAX);
    ck_assert_uint_eq(err.offset, 0);
    ck_assert_str_eq(err.message, "expected a JSON value, found end of input");
    ck_assert_int_eq(scan_str(" \t\r\n", WIRE_FLAGS, &err), RP_E_JSON_SYNTAX);
    ck_assert_uint_eq(err.offset, 4);
    ck_assert_int_eq(scan_doc(NULL, 0, RP_JSON_STRICT, &err), RP_E_JSON_SYNTAX);
}
END_TEST

/* ---- exact offsets and messages of syntax errors ------------------------------------ */

START_TEST(test_syntax_error_offsets)
{
    static const struct {
        const char *text;
        int code;
        size_t offset;
        const char *message;
    } cases[] = {
        {"{\"a\":1,}", RP_E_JSON_SYNTAX, 7, "expected a string key after ',', found '}'"},
        {"{\"a\":1 \"b\":2}", RP_E_JSON_SYNTAX, 7,
         "expected ',' or '}' after object member, found '\"'"},
        {"[1 2]", RP_E_JSON_SYNTAX, 3, "expected ',' or ']' after array element, found '2'"},
        {"{\"a\" 1}", RP_E_JSON_SYNTAX, 5, "expected ':' after object key, found '1'"},
        {"{1:2}", RP_E_JSON_SYNTAX, 1, "expected a string key or '}' after '{', found '1'"},
        {"[1,]", RP_E_JSON_SYNTAX, 3, "expected a JSON value, found ']'"},
        {"  nul", RP_E_JSON_SYNTAX, 2, "expected a JSON value, found 'n'"},
        {"[-]", RP_E_JSON_SYNTAX, 2, "invalid number: expected a digit after '-', found ']'"},
        {"[1.]", RP_E_JSON_SYNTAX, 3, "invalid number: expected a digit after '.', found ']'"},
        {"[1e+]", RP_E_JSON_SYNTAX, 4,
         "invalid number: expected a digit in the exponent, found ']'"},
        {"\"abc", RP_E_JSON_SYNTAX, 0, "unterminated string (no closing '\"' before end of input)"},
        {"[\"a\tb\"]", RP_E_JSON_SYNTAX, 3, "control character 0x09 in a string must be escaped"},
        {"\"a\\x\"", RP_E_JSON_SYNTAX, 2, "invalid escape: backslash followed by 'x'"},
        {"\"\\u12G4\"", RP_E_JSON_SYNTAX, 1, "invalid \\u escape: expected 4 hex digits"},
        {"[\"\\uDD1E\"]", RP_E_JSON_UTF8, 2, "lone low surrogate \\uDD1E (no high surrogate before it)"},
        {"\"ab\\uD834x\"", RP_E_JSON_UTF8, 3,
         "high surrogate \\uD834 not followed by a low surrogate escape \\uDC00-\\uDFFF"},
        {"\"\\uD834\\u0041\"", RP_E_JSON_UTF8, 1,
         "high surrogate \\uD834 not followed by a low surrogate escape \\uDC00-\\uDFFF"},
        {"[\x01]", RP_E_JSON_SYNTAX, 1, "expected a JSON value, found byte 0x01"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        rp_error err;
        rp_error_clear(&err);
        int rc = scan_str(cases[k].text, RP_JSON_STRICT, &err);
        ck_assert_msg(rc == cases[k].code, "%s: rc %d", cases[k].text, rc);
        ck_assert_msg(err.offset == cases[k].offset, "%s: offset %zu", cases[k].text, err.offset);
        ck_assert_str_eq(err.message, cases[k].message);
        ck_assert_int_eq(err.layer, RP_LAYER_JSON);
    }
}
END_TEST

/* ---- UTF-8 -------------------------------------------------------------------------- */

START_TEST(test_utf8_validation)
{
    static const struct {
        const char *text;
        size_t offset;
        const char *why;
    } bad[] = {
        {"\"\xC0\xAF\"", 1, "invalid UTF-8 byte 0xC0 in a string (overlong encoding)"},
        {"\"a\xC1\xBF\"", 2, "invalid UTF-8 byte 0xC1 in a string (overlong encoding)"},
        {"\"\xE0\x80\xAF\"", 1, "invalid UTF-8 byte 0xE0 in a string (overlong encoding)"},
        {"\"\xF0\x80\x80\xAF\"", 1, "invalid UTF-8 byte 0xF0 in a string (overlong encoding)"},
        {"\"\xED\xA0\x80\"", 1,
         "invalid UTF-8 byte 0xED in a string (UTF-16 surrogate encoded in UTF-8)"},
        {"\"\xF4\x90\x80\x80\"", 1,
         "invalid UTF-8 byte 0xF4 in a string (code point above U+10FFFF)"},
        {"\"\xF5\x80\x80\x80\"", 1, "invalid UTF-8 byte 0xF5 in a string (byte never valid in UTF-8)"},
        {"\"\x80\"", 1, "invalid UTF-8 byte 0x80 in a string (continuation byte without a lead byte)"},
        {"\"\xC3\"", 1, "invalid UTF-8 byte 0xC3 in a string (truncated sequence)"},
        {"\"\xE2\x82\"", 1, "invalid UTF-8 byte 0xE2 in a string (truncated sequence)"},
        {"\"\xE2\x82", 1, "invalid UTF-8 byte 0xE2 in a string (truncated sequence)"},
        {"\"\xFF\"", 1, "invalid UTF-8 byte 0xFF in a string (byte never valid in UTF-8)"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        rp_error err;
        ck_assert_int_eq(scan_str(bad[k].text, WIRE_FLAGS, &err), RP_E_JSON_UTF8);
        ck_assert_uint_eq(err.offset, bad[k].offset);
        ck_assert_str_eq(err.message, bad[k].why);
    }
    /* good: 2-, 3-, 4-byte sequences at the edges of their ranges */
    const char *good = "\"\xC2\x80 \xDF\xBF \xE0\xA0\x80 \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBF "
                       "\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF \x7F\"";
    ck_assert_int_eq(scan_str(good, RP_JSON_STRICT, NULL), 0);
    ck_assert_int_eq(rp_json_check_utf8(good, strlen(good), 0, NULL), 0);
    rp_error err;
    ck_assert_int_eq(rp_json_check_utf8("ab\xC3(", 4, 100, &err), RP_E_JSON_UTF8);
    ck_assert_uint_eq(err.offset, 102);
}
END_TEST

START_TEST(test_surrogate_pairs_and_escapes_unescaped)
{
    char storage[256];
    rp_arena arena;
    rp_arena_init(&arena, storage, sizeof storage);
    rp_json_scanner sc;
    SCAN(sc, "[\"\\uD834\\uDD1E\", \"\\u00e9\\u20AC\\n\\t\\\"\\\\\\/\\b\\f\\r\", \"\\u0000x\", \"plain\"]",
         RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_expect_array_begin(&sc, NULL), 0);
    bool done;
    rp_str s;
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    ck_assert(!done);
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &s, NULL), 0);
    ck_assert_uint_eq(s.len, 4);
    ck_assert_mem_eq(s.ptr, "\xF0\x9D\x84\x9E", 5); /* includes the NUL */
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &s, NULL), 0);
    ck_assert_uint_eq(s.len, 13);
    ck_assert_mem_eq(s.ptr, "\xC3\xA9\xE2\x82\xAC\n\t\"\\/\b\f\r", 14);
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &s, NULL), 0);
    ck_assert_uint_eq(s.len, 2);
    ck_assert_mem_eq(s.ptr, "\0x\0", 3);
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    size_t before = arena.used;
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &s, NULL), 0);
    ck_assert_str_eq(s.ptr, "plain");
    ck_assert_uint_eq(arena.used - before, 6);
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    ck_assert(done);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
}
END_TEST

START_TEST(test_string_storage_overflow)
{
    char storage[6];
    rp_arena arena;
    rp_arena_init(&arena, storage, sizeof storage);
    rp_json_scanner sc;
    SCAN(sc, "[\"abcde\", \"abcdef\"]", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_expect_array_begin(&sc, NULL), 0);
    bool done;
    rp_str s;
    rp_error err;
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &s, &err), 0); /* exact fit */
    ck_assert_uint_eq(arena.used, 6);
    rp_arena_reset(&arena);
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &s, &err), RP_E_OVERFLOW);
    ck_assert_uint_eq(err.offset, 10);
    ck_assert_str_eq(err.message, "string of 6 bytes does not fit the decode storage (6 bytes left)");
    ck_assert_uint_eq(arena.used, 0);
    /* not sticky: the document can be finished */
    ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
    ck_assert(done);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
}
END_TEST

START_TEST(test_key_matching)
{
    rp_json_scanner sc;
    SCAN(sc, "{\"_t\":1,\"\\u005ft\":2,\"k\\u00e9y\":3,\"_tt\":4}", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    rp_json_str key;
    bool done;
    uint64_t v;
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(!key.escaped);
    ck_assert_uint_eq(key.offset, 1);
    ck_assert(rp_json_str_eq(&key, "_t", 2));
    ck_assert(!rp_json_str_eq(&key, "_tt", 3));
    ck_assert_int_eq(rp_json_read_u64(&sc, &v, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(key.escaped);
    ck_assert(rp_json_str_eq(&key, "_t", 2));
    ck_assert(!rp_json_str_eq(&key, "_", 1));
    ck_assert(!rp_json_str_eq(&key, "_tx", 3));
    ck_assert_uint_eq(rp_json_str_len(&key), 2);
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(rp_json_str_eq(&key, "k\xC3\xA9y", 4));
    char small[4];
    rp_error err;
    ck_assert_int_eq(rp_json_unescape(&key, small, sizeof small, NULL, &err), RP_E_OVERFLOW);
    char big[8];
    size_t n;
    ck_assert_int_eq(rp_json_unescape(&key, big, sizeof big, &n, NULL), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(big, "k\xC3\xA9y");
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(rp_json_str_eq(&key, "_tt", 3));
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(done);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
}
END_TEST


/* The string scanner looks at 8 bytes at a time: put every kind of special byte at every
 * position of strings of many lengths and check the exact result. */
START_TEST(test_string_special_byte_at_every_position)
{
    char text[64], storage[64];
    for (size_t n = 0; n <= 40; n++) {
        for (size_t at = 0; at <= n; at++) {
            /* plain text of n bytes (boundary bytes 0x20 and 0x7E/0x7F included) */
            char body[48];
            for (size_t k = 0; k < n; k++) body[k] = (char)(k % 3 == 0 ? ' ' : k % 3 == 1 ? 0x7F : 'a');
            rp_arena arena;
            rp_str out;
            rp_error err;
            rp_json_scanner sc;
            /* 1. just the plain string */
            text[0] = '"';
            memcpy(text + 1, body, n);
            text[n + 1] = '"';
            rp_arena_init(&arena, storage, sizeof storage);
            rp_json_scanner_init(&sc, text, n + 2, RP_JSON_STRICT);
            ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &out, &err), 0);
            ck_assert_uint_eq(out.len, n);
            ck_assert_int_eq(memcmp(out.ptr, body, n), 0);
            ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
            if (at == n) continue;
            /* 2. an escape at position at */
            memcpy(text + 1, body, at);
            memcpy(text + 1 + at, "\\n", 2);
            memcpy(text + 3 + at, body + at, n - at);
            text[n + 3] = '"';
            rp_arena_init(&arena, storage, sizeof storage);
            rp_json_scanner_init(&sc, text, n + 4, RP_JSON_STRICT);
            ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &out, &err), 0);
            ck_assert_uint_eq(out.len, n + 1);
            ck_assert_int_eq(out.ptr[at], '\n');
            /* 3. a two-byte UTF-8 character at position at */
            memcpy(text + 1 + at, "\xC3\xA9", 2);
            rp_arena_init(&arena, storage, sizeof storage);
            rp_json_scanner_init(&sc, text, n + 4, RP_JSON_STRICT);
            ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &out, &err), 0);
            ck_assert_uint_eq(out.len, n + 2);
            ck_assert_int_eq((unsigned char)out.ptr[at], 0xC3);
            /* 4. a raw control byte: rejected exactly there */
            text[1 + at] = 0x1F;
            rp_json_scanner_init(&sc, text, n + 4, RP_JSON_STRICT);
            ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &out, &err), RP_E_JSON_SYNTAX);
            ck_assert_uint_eq(err.offset, 1 + at);
            /* 5. an invalid UTF-8 byte: rejected exactly there */
            text[1 + at] = (char)0xFF;
            rp_json_scanner_init(&sc, text, n + 4, RP_JSON_STRICT);
            ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &out, &err), RP_E_JSON_UTF8);
            ck_assert_uint_eq(err.offset, 1 + at);
            /* 6. the closing quote missing: unterminated, reported at the opening quote */
            rp_json_scanner_init(&sc, text, 1 + at, RP_JSON_STRICT);
            ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &out, &err), RP_E_JSON_SYNTAX);
            ck_assert_uint_eq(err.offset, 0);
        }
    }
}
END_TEST

START_TEST(test_integer_fast_and_slow_paths_agree)
{
    static const struct {
        const char *text;
        int rc;
        uint64_t want;
    } cases[] = {
        {"1234567890123456789", 0, 1234567890123456789u},   /* 19 digits */
        {"12345678901234567890", 0, 12345678901234567890u}, /* 20 digits */
        {"[7]", -1, 0},
        {"9", 0, 9},
        {"0", 0, 0},
        {"00", RP_E_JSON_SYNTAX, 0},
        {"-", RP_E_JSON_SYNTAX, 0},
        {"-a", RP_E_JSON_SYNTAX, 0},
        {"1 ", 0, 1},
        {"1\t", 0, 1},
        {"12x", RP_E_JSON_SYNTAX, 0},
        {"1.5", RP_E_JSON_NUMBER, 0},
        {"1e0", RP_E_JSON_NUMBER, 0},
        {"0000000000000000000001", RP_E_JSON_SYNTAX, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        uint64_t v = 77;
        rp_error err;
        int rc = read_u64_doc(cases[k].text, RP_JSON_STRICT, &v, &err);
        if (cases[k].rc == -1) {
            ck_assert_int_eq(rc, RP_E_SCHEMA_TYPE);
            continue;
        }
        ck_assert_msg(rc == cases[k].rc, "%s: rc %d", cases[k].text, rc);
        if (rc == 0) ck_assert_msg(v == cases[k].want, "%s", cases[k].text);
    }
    /* inside containers, followed by each delimiter */
    rp_json_scanner sc;
    SCAN(sc, "{\"a\":[12,3 ,\n45\r],\"b\":6}", RP_JSON_STRICT);
    uint64_t v, sum = 0;
    bool done;
    rp_json_str key;
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert_int_eq(rp_json_expect_array_begin(&sc, NULL), 0);
    for (;;) {
        ck_assert_int_eq(rp_json_next_element(&sc, &done, NULL), 0);
        if (done) break;
        ck_assert_int_eq(rp_json_read_u64(&sc, &v, NULL), 0);
        sum += v;
    }
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert_int_eq(rp_json_read_u64(&sc, &v, NULL), 0);
    sum += v;
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(done);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
    ck_assert(sum == 12 + 3 + 45 + 6);
}
END_TEST

/* ---- depth -------------------------------------------------------------------------- */

START_TEST(test_depth_limit)
{
    char text[200];
    for (int d = 31; d <= 34; d++) {
        memset(text, '[', (size_t)d);
        memset(text + d, ']', (size_t)d);
        rp_error err;
        int rc = scan_doc(text, 2 * (size_t)d, RP_JSON_STRICT, &err);
        if (d <= 32) {
            ck_assert_int_eq(rc, 0);
        } else {
            ck_assert_int_eq(rc, RP_E_JSON_DEPTH);
            ck_assert_uint_eq(err.offset, 32);
            ck_assert_str_eq(err.message, "nesting deeper than 32 levels");
        }
    }
    /* objects count too, and skip_value is bounded by the same limit */
    rp_json_scanner sc;
    SCAN(sc, "{\"a\":{\"b\":[[{}]]}}", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_scanner_set_max_depth(&sc, 4), 0);
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), RP_E_JSON_DEPTH);
    SCAN(sc, "{\"a\":{\"b\":[[{}]]}}", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_scanner_set_max_depth(&sc, 5), 0);
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_scanner_set_max_depth(&sc, 0), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_json_scanner_set_max_depth(&sc, RP_JSON_MAX_DEPTH + 1), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_json_scanner_set_max_depth(&sc, RP_JSON_MAX_DEPTH), 0);

    /* the largest limit works end to end */
    static char deep[2 * RP_JSON_MAX_DEPTH + 2];
    memset(deep, '[', RP_JSON_MAX_DEPTH);
    memset(deep + RP_JSON_MAX_DEPTH, ']', RP_JSON_MAX_DEPTH);
    rp_json_scanner_init(&sc, deep, 2 * RP_JSON_MAX_DEPTH, RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_scanner_set_max_depth(&sc, RP_JSON_MAX_DEPTH), 0);
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
}
END_TEST

/* ---- typed API behaviour ------------------------------------------------------------ */

START_TEST(test_generated_decoder_shape)
{
    const char *text =
        "{\"_t\":1700000000,\"type\":1,\"client_id\":\"abc\",\"extra\":{\"x\":[1,{\"y\":null}]},"
        "\"key_size\":256,\"flag\":true,\"nothing\":null}";
    char storage[64];
    rp_arena arena;
    rp_arena_init(&arena, storage, sizeof storage);
    rp_json_scanner sc;
    SCAN(sc, text, RP_JSON_STRICT);
    uint64_t t = 0, type = 0, ks = 0;
    rp_str id = {0};
    bool flag = false;
    int unknown = 0;
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    for (;;) {
        rp_json_str key;
        bool done;
        ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
        if (done) break;
        int rc;
        if (rp_json_str_eq(&key, "_t", 2)) rc = rp_json_read_u64(&sc, &t, NULL);
        else if (rp_json_str_eq(&key, "type", 4)) rc = rp_json_read_u64(&sc, &type, NULL);
        else if (rp_json_str_eq(&key, "client_id", 9)) rc = rp_json_read_string_into(&sc, &arena, &id, NULL);
        else if (rp_json_str_eq(&key, "key_size", 8)) {
            rc = rp_json_read_u64(&sc, &ks, NULL);
            ck_assert_uint_eq(rp_json_value_offset(&sc), strstr(text, "256") - text);
        } else if (rp_json_str_eq(&key, "flag", 4)) rc = rp_json_read_bool(&sc, &flag, NULL);
        else if (rp_json_str_eq(&key, "nothing", 7)) rc = rp_json_read_null(&sc, NULL);
        else {
            unknown++;
            rc = rp_json_skip_value(&sc, NULL);
        }
        ck_assert_int_eq(rc, 0);
    }
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
    ck_assert(t == 1700000000u && type == 1 && ks == 256 && flag);
    ck_assert_str_eq(id.ptr, "abc");
    ck_assert_int_eq(unknown, 1);
    ck_assert_uint_eq(rp_json_depth(&sc), 0);
    ck_assert_uint_eq(rp_json_offset(&sc), strlen(text));
}
END_TEST

START_TEST(test_wrong_type_is_a_schema_error_and_not_sticky)
{
    rp_json_scanner sc;
    SCAN(sc, "{\"_t\":\"1700000000\",\"type\":[1],\"n\":5}", WIRE_FLAGS);
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    rp_json_str key;
    bool done;
    uint64_t v;
    rp_error err;
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    /* wire mode: a decoder peeks, sees a string where a number belongs, treats it as absent */
    rp_json_type ty;
    ck_assert_int_eq(rp_json_peek(&sc, &ty, NULL), 0);
    ck_assert_int_eq(ty, RP_JSON_STRING);
    ck_assert_int_eq(rp_json_read_u64(&sc, &v, &err), RP_E_SCHEMA_TYPE);
    ck_assert_int_eq(err.layer, RP_LAYER_SCHEMA);
    ck_assert_uint_eq(err.offset, 6);
    ck_assert_str_eq(err.message, "expected a number, found a string");
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert_int_eq(rp_json_read_bool(&sc, (bool *)&done, &err), RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.message, "expected true or false, found an array");
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, &err), RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.message, "expected an object, found an array");
    ck_assert_int_eq(rp_json_skip_value(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert_int_eq(rp_json_read_string_view(&sc, &key, &err), RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.message, "expected a string, found a number");
    ck_assert_int_eq(rp_json_read_null(&sc, &err), RP_E_SCHEMA_TYPE);
    ck_assert_int_eq(rp_json_read_u64(&sc, &v, NULL), 0);
    ck_assert(v == 5);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(done);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
}
END_TEST

START_TEST(test_errors_are_sticky_and_misuse_is_reported)
{
    rp_json_scanner sc;
    rp_error err;
    SCAN(sc, "{\"a\":tru}", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    rp_json_str key;
    bool done;
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert_int_eq(rp_json_skip_value(&sc, &err), RP_E_JSON_SYNTAX);
    ck_assert_uint_eq(err.offset, 5);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, &err), RP_E_JSON_SYNTAX);
    ck_assert_str_eq(err.message, "scanning already stopped at an earlier error (json-syntax)");
    rp_json_token tok;
    ck_assert_int_eq(rp_json_next(&sc, &tok, NULL), RP_E_JSON_SYNTAX);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), RP_E_JSON_SYNTAX);

    /* misuse: reading a value where a key is expected, finishing early */
    SCAN(sc, "{\"a\":1}", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    uint64_t v;
    ck_assert_int_eq(rp_json_read_u64(&sc, &v, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_json_finish(&sc, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_json_next_element(&sc, &done, &err), RP_E_ARGUMENT);
    /* still usable after misuse */
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_json_read_u64(&sc, &v, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    ck_assert(done);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_finish(&sc, NULL), 0); /* idempotent */
}
END_TEST

START_TEST(test_tokens_and_peek)
{
    const char *text = " [ {\"k\" : -1.5e3} , \"s\" , true , false , null , [ ] , { } ] ";
    static const rp_json_type want[] = {
        RP_JSON_ARRAY_BEGIN, RP_JSON_OBJECT_BEGIN, RP_JSON_KEY, RP_JSON_NUMBER,
        RP_JSON_OBJECT_END, RP_JSON_STRING, RP_JSON_TRUE, RP_JSON_FALSE, RP_JSON_NULL,
        RP_JSON_ARRAY_BEGIN, RP_JSON_ARRAY_END, RP_JSON_OBJECT_BEGIN, RP_JSON_OBJECT_END,
        RP_JSON_ARRAY_END, RP_JSON_END, RP_JSON_END,
    };
    static const size_t want_off[] = {1, 3, 4, 10, 16, 20, 26, 33, 41, 48, 50, 54, 56, 58, 60, 60};
    rp_json_scanner sc;
    SCAN(sc, text, RP_JSON_STRICT);
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        rp_json_token tok;
        ck_assert_int_eq(rp_json_next(&sc, &tok, NULL), 0);
        ck_assert_msg(tok.type == want[k], "token %zu: type %d", k, (int)tok.type);
        ck_assert_msg(tok.offset == want_off[k], "token %zu: offset %zu", k, tok.offset);
        if (tok.type == RP_JSON_NUMBER) {
            ck_assert(!tok.is_integer);
            ck_assert_uint_eq(tok.text.raw_len, 6);
            ck_assert_mem_eq(tok.text.raw, "-1.5e3", 6);
        }
        if (tok.type == RP_JSON_KEY) ck_assert(rp_json_str_eq(&tok.text, "k", 1));
    }
    rp_json_type ty;
    SCAN(sc, "[ ]", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_expect_array_begin(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_peek(&sc, &ty, NULL), 0);
    ck_assert_int_eq(ty, RP_JSON_ARRAY_END);
    SCAN(sc, "  -3", RP_JSON_STRICT);
    ck_assert_int_eq(rp_json_peek(&sc, &ty, NULL), 0);
    ck_assert_int_eq(ty, RP_JSON_NUMBER);
    rp_str num;
    bool integer = false;
    ck_assert_int_eq(rp_json_read_number_text(&sc, &num, &integer, NULL), 0);
    ck_assert(integer);
    ck_assert_uint_eq(num.len, 2);
    ck_assert_int_eq(rp_json_peek(&sc, &ty, NULL), RP_E_ARGUMENT);
    SCAN(sc, "  x", RP_JSON_STRICT);
    rp_error err;
    ck_assert_int_eq(rp_json_peek(&sc, &ty, &err), RP_E_JSON_SYNTAX);
    ck_assert_uint_eq(err.offset, 2);
}
END_TEST

START_TEST(test_skip_checks_what_it_skips)
{
    static const char *const bad[] = {
        "{\"u\":[1,2,}", "{\"u\":{\"a\" 1}}", "{\"u\":\"\xC3\x28\"}", "{\"u\":[1 2]}",
        "{\"u\":{\"a\":1,}}", "{\"u\":-}", "{\"u\":[",
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        rp_json_scanner sc;
        SCAN(sc, bad[k], WIRE_FLAGS);
        rp_json_str key;
        bool done;
        ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
        ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
        ck_assert_msg(rp_json_skip_value(&sc, NULL) < 0, "skipped %s", bad[k]);
    }
}
END_TEST

/* ---- path --------------------------------------------------------------------------- */

START_TEST(test_path_render)
{
    rp_json_path p;
    rp_json_path_init(&p);
    char buf[128];
    ck_assert_uint_eq(rp_json_path_render(&p, buf, sizeof buf), 1);
    ck_assert_str_eq(buf, "$");
    rp_json_path_push_key(&p, "server_info", 11);
    rp_json_path_push_key(&p, "version", 7);
    rp_json_path_render(&p, buf, sizeof buf);
    ck_assert_str_eq(buf, "$.server_info.version");
    rp_json_path_pop(&p);
    rp_json_path_pop(&p);
    rp_json_path_push_index(&p, 0);
    rp_json_path_set_index(&p, 3);
    rp_json_path_push_key(&p, "msg", 3);
    rp_json_path_render(&p, buf, sizeof buf);
    ck_assert_str_eq(buf, "$[3].msg");
    rp_json_path_set_index(&p, 9); /* top is a key: no-op */
    rp_json_path_push_key(&p, "a \"b\"\n", 6);
    rp_json_path_push_key(&p, "_t", 2);
    rp_json_path_push_key(&p, "9x", 2);
    size_t n = rp_json_path_render(&p, buf, sizeof buf);
    ck_assert_str_eq(buf, "$[3].msg[\"a \\\"b\\\"\\u000A\"]._t[\"9x\"]");
    ck_assert_uint_eq(n, strlen(buf));
    /* truncation like snprintf */
    char small[6];
    ck_assert_uint_eq(rp_json_path_render(&p, small, sizeof small), n);
    ck_assert_str_eq(small, "$[3].");
    ck_assert_uint_eq(rp_json_path_render(&p, NULL, 0), n);
    rp_json_path_pop(&p);
    rp_json_path_pop(&p);
    rp_json_path_pop(&p);
    rp_json_path_pop(&p);
    rp_json_path_pop(&p);
    rp_json_path_pop(&p); /* extra pop on empty: no-op */
    ck_assert_uint_eq(p.depth, 0);
    /* deeper than stored: counted, shown once as [...], pops stay balanced */
    for (size_t i = 0; i < RP_JSON_PATH_MAX + 3; i++) rp_json_path_push_index(&p, i);
    rp_json_path_render(&p, buf, sizeof buf);
    ck_assert_str_eq(buf, "$[0][1][2][3][4][5][6][7][8][9][10][11][12][13][14][15][...]");
    for (size_t i = 0; i < 3; i++) rp_json_path_pop(&p);
    rp_json_path_render(&p, buf, sizeof buf);
    ck_assert_str_eq(buf, "$[0][1][2][3][4][5][6][7][8][9][10][11][12][13][14][15]");
    ck_assert_uint_eq(rp_json_path_render(NULL, buf, sizeof buf), 1);
}
END_TEST

START_TEST(test_path_in_scanner_errors)
{
    rp_json_path p;
    rp_json_path_init(&p);
    rp_json_scanner sc;
    SCAN(sc, "{\"server_info\":{\"version\":\"2.3\x80\"}}", RP_JSON_STRICT);
    rp_json_scanner_set_path(&sc, &p);
    rp_json_str key;
    bool done;
    rp_error err;
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    rp_json_path_push_key(&p, key.raw, key.raw_len);
    ck_assert_int_eq(rp_json_expect_object_begin(&sc, NULL), 0);
    ck_assert_int_eq(rp_json_next_key(&sc, &key, &done, NULL), 0);
    rp_json_path_push_key(&p, "version", 7);
    char storage[32];
    rp_arena arena;
    rp_arena_init(&arena, storage, sizeof storage);
    rp_str s;
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &s, &err), RP_E_JSON_UTF8);
    ck_assert_str_eq(err.path, "$.server_info.version");
    ck_assert_uint_eq(err.offset, 30);
    char line[256];
    rp_error_format(&err, line, sizeof line);
    ck_assert_str_eq(line, "json error at $.server_info.version (offset 30): invalid UTF-8 byte "
                           "0x80 in a string (continuation byte without a lead byte) (json-utf8)");
    ck_assert_uint_eq(arena.used, 0);

    /* path_to_error truncates a long path */
    rp_json_path_init(&p);
    char longkey[300];
    memset(longkey, 'k', sizeof longkey);
    rp_json_path_push_key(&p, longkey, sizeof longkey);
    rp_json_path_to_error(&p, &err);
    ck_assert_uint_eq(strlen(err.path), RP_ERROR_PATH_MAX - 1);
    ck_assert_str_eq(err.path + RP_ERROR_PATH_MAX - 4, "...");
    rp_json_path_to_error(&p, NULL);
}
END_TEST

/* ---- writer ------------------------------------------------------------------------- */

static void write_sample(rp_json_writer *w)
{
    rp_json_write_object_begin(w);
    rp_json_write_raw_key(w, "\"status\":", 9);
    rp_json_write_u64(w, 0);
    rp_json_write_key(w, "k\"y", 3);
    rp_json_write_string(w, "a\"b\\c\n\x01/\xC3\xA9\x7F\t\r\b\f", 15);
    rp_json_write_key(w, "n", 1);
    rp_json_write_array_begin(w);
    rp_json_write_i64(w, INT64_MIN);
    rp_json_write_i64(w, INT64_MAX);
    rp_json_write_u64(w, UINT64_MAX);
    rp_json_write_i64(w, -7);
    rp_json_write_u64(w, 10);
    rp_json_write_u64(w, 99);
    rp_json_write_bool(w, true);
    rp_json_write_bool(w, false);
    rp_json_write_null(w);
    rp_json_write_raw(w, "{\"r\":0}", 7);
    rp_json_write_array_begin(w);
    rp_json_write_array_end(w);
    rp_json_write_object_begin(w);
    rp_json_write_object_end(w);
    char *hex = rp_json_write_string_reserve(w, 4);
    if (hex != NULL) memcpy(hex, "BEEF", 4);
    rp_json_write_array_end(w);
    rp_json_write_object_end(w);
}

static const char sample_json[] =
    "{\"status\":0,\"k\\\"y\":\"a\\\"b\\\\c\\n\\u0001/\xC3\xA9\x7F\\t\\r\\b\\f\","
    "\"n\":[-9223372036854775808,9223372036854775807,18446744073709551615,-7,10,99,true,false,"
    "null,{\"r\":0},[],{},\"BEEF\"]}";

START_TEST(test_writer_output)
{
    char buf[512];
    rp_json_writer w;
    rp_json_writer_init(&w, buf, sizeof buf);
    write_sample(&w);
    size_t n = 0;
    rp_error err;
    ck_assert_int_eq(rp_json_writer_finish(&w, &n, &err), 0);
    ck_assert_uint_eq(n, strlen(sample_json));
    ck_assert_str_eq(buf, sample_json);
    /* what the writer produces, the strict scanner accepts */
    ck_assert_int_eq(scan_doc(buf, n, RP_JSON_STRICT, NULL), 0);
    /* a number written then read back is exact */
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_u64(&w, 18446744073709551615u);
    ck_assert_int_eq(rp_json_writer_finish(&w, &n, NULL), 0);
    uint64_t v = 0;
    ck_assert_int_eq(read_u64_doc(buf, RP_JSON_STRICT, &v, NULL), 0);
    ck_assert(v == UINT64_MAX);
}
END_TEST

START_TEST(test_writer_overflow_never_writes_past_cap)
{
    const size_t full = strlen(sample_json);
    char buf[600];
    for (size_t cap = 0; cap <= full + 1; cap++) {
        memset(buf, 0xA5, sizeof buf);
        rp_json_writer w;
        rp_json_writer_init(&w, buf, cap);
        write_sample(&w);
        size_t n = 0;
        rp_error err;
        int rc = rp_json_writer_finish(&w, &n, &err);
        ck_assert_uint_eq(n, full);
        if (cap < full) {
            ck_assert_int_eq(rc, RP_E_OVERFLOW);
            ck_assert_int_eq(err.code, RP_E_OVERFLOW);
            /* the bytes written are a prefix of the real output (the reserved string may be
             * missing: it was not written when it did not fit) */
            for (size_t i = 0; i < cap; i++) {
                ck_assert_msg(buf[i] == sample_json[i] || (unsigned char)buf[i] == 0xA5,
                              "cap %zu: byte %zu", cap, i);
            }
        } else {
            ck_assert_int_eq(rc, 0);
            ck_assert_mem_eq(buf, sample_json, full);
            if (cap > full) ck_assert_int_eq(buf[full], '\0');
        }
        for (size_t i = cap; i < sizeof buf; i++) {
            ck_assert_msg((unsigned char)buf[i] == 0xA5, "cap %zu: canary %zu overwritten", cap, i);
        }
    }
    rp_json_writer w;
    rp_json_writer_init(&w, buf, 10);
    write_sample(&w);
    rp_error err;
    ck_assert_int_eq(rp_json_writer_finish(&w, NULL, &err), RP_E_OVERFLOW);
    char msg[64];
    snprintf(msg, sizeof msg, "encoded JSON needs %zu bytes, the buffer holds 10", full);
    ck_assert_str_eq(err.message, msg);
    /* an absurd reservation is refused and the needed length saturates */
    memset(buf, 0xA5, sizeof buf);
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_array_begin(&w);
    ck_assert_ptr_null(rp_json_write_string_reserve(&w, SIZE_MAX - 1));
    rp_json_write_array_end(&w);
    ck_assert_int_eq(rp_json_writer_finish(&w, NULL, NULL), RP_E_OVERFLOW);
    ck_assert_int_eq((unsigned char)buf[1], 0xA5); /* nothing written after the '[' */
    /* measuring with no buffer */
    rp_json_writer_init(&w, NULL, 0);
    write_sample(&w);
    size_t n;
    ck_assert_int_eq(rp_json_writer_finish(&w, &n, NULL), RP_E_OVERFLOW);
    ck_assert_uint_eq(n, full);
}
END_TEST

START_TEST(test_writer_errors)
{
    char buf[64];
    rp_json_writer w;
    rp_error err;
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_array_begin(&w);
    rp_json_write_string(&w, "ok\xC3\x28", 4);
    rp_json_write_array_end(&w);
    ck_assert_int_eq(rp_json_writer_finish(&w, NULL, &err), RP_E_JSON_UTF8);
    ck_assert_str_eq(err.message, "a string to encode is not valid UTF-8 (byte 2 of the string)");
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_string(&w, "\xED\xA0\x80", 3); /* surrogate in UTF-8 */
    ck_assert_int_eq(rp_json_writer_finish(&w, NULL, NULL), RP_E_JSON_UTF8);
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_object_begin(&w);
    ck_assert_int_eq(rp_json_writer_finish(&w, NULL, &err), RP_E_ARGUMENT);
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_array_end(&w);
    ck_assert_int_eq(rp_json_writer_finish(&w, NULL, NULL), RP_E_ARGUMENT);
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_string(&w, NULL, 0);
    size_t n;
    ck_assert_int_eq(rp_json_writer_finish(&w, &n, NULL), 0);
    ck_assert_str_eq(buf, "\"\"");
}
END_TEST

/* U+0085, U+2028, U+2029 stay raw by default (valid JSON) and become \uXXXX when asked;
 * neighbouring characters of the same lead bytes are untouched; the result parses back to
 * the same string. */
START_TEST(test_writer_line_separators)
{
    static const char in[] = "a\xC2\x85" "b\xE2\x80\xA8" "c\xE2\x80\xA9" "d\xE2\x80\xA7\xC2\xA9\n";
    char buf[128];
    rp_json_writer w;
    size_t n = 0;
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_write_string(&w, in, sizeof in - 1u);
    ck_assert_int_eq(rp_json_writer_finish(&w, &n, NULL), 0);
    ck_assert_str_eq(buf, "\"a\xC2\x85" "b\xE2\x80\xA8" "c\xE2\x80\xA9" "d\xE2\x80\xA7\xC2\xA9" "\\n\"");
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_writer_escape_line_separators(&w, true);
    rp_json_write_string(&w, in, sizeof in - 1u);
    ck_assert_int_eq(rp_json_writer_finish(&w, &n, NULL), 0);
    ck_assert_str_eq(buf, "\"a\\u0085b\\u2028c\\u2029d\xE2\x80\xA7\xC2\xA9" "\\n\"");
    ck_assert_uint_eq(n, strlen(buf));
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg((unsigned char)buf[i] != 0x85 || i == 0 || (unsigned char)buf[i - 1] != 0xC2,
                      "raw U+0085 at %zu", i);
    }
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, buf, n, RP_JSON_STRICT);
    uint8_t abuf[128];
    rp_arena arena;
    rp_arena_init(&arena, abuf, sizeof abuf);
    rp_str back;
    ck_assert_int_eq(rp_json_read_string_into(&sc, &arena, &back, NULL), 0);
    ck_assert_uint_eq(back.len, sizeof in - 1u);
    ck_assert_mem_eq(back.ptr, in, back.len);
    /* Keys get the same treatment. */
    rp_json_writer_init(&w, buf, sizeof buf);
    rp_json_writer_escape_line_separators(&w, true);
    rp_json_write_object_begin(&w);
    rp_json_write_key(&w, "k\xE2\x80\xA8", 4);
    rp_json_write_u64(&w, 1);
    rp_json_write_object_end(&w);
    ck_assert_int_eq(rp_json_writer_finish(&w, &n, NULL), 0);
    ck_assert_str_eq(buf, "{\"k\\u2028\":1}");
}
END_TEST

/* The writer also skips plain text 8 bytes at a time: special bytes at every position. */
START_TEST(test_writer_special_byte_at_every_position)
{
    static const struct {
        const char *in;
        size_t in_len;
        const char *out;
    } specials[] = {
        {"\"", 1, "\\\""}, {"\\", 1, "\\\\"}, {"\x01", 1, "\\u0001"}, {"\x1F", 1, "\\u001F"},
        {"\n", 1, "\\n"}, {"\xC3\xA9", 2, "\xC3\xA9"}, {"\xF0\x9D\x84\x9E", 4, "\xF0\x9D\x84\x9E"},
        {"\x7F", 1, "\x7F"}, {" ", 1, " "},
    };
    for (size_t n = 0; n <= 40; n++) {
        for (size_t at = 0; at < n; at++) {
            for (size_t k = 0; k < sizeof specials / sizeof *specials; k++) {
                char in[64], want[96], buf[128];
                memset(in, 'b', sizeof in);
                memcpy(in + at, specials[k].in, specials[k].in_len);
                size_t in_len = n + specials[k].in_len - 1;
                size_t ol = strlen(specials[k].out), wl = 0;
                want[wl++] = '"';
                memset(want + wl, 'b', at);
                wl += at;
                memcpy(want + wl, specials[k].out, ol);
                wl += ol;
                memset(want + wl, 'b', n - at - 1);
                wl += n - at - 1;
                want[wl++] = '"';
                rp_json_writer w;
                rp_json_writer_init(&w, buf, sizeof buf);
                rp_json_write_string(&w, in, in_len);
                size_t got;
                ck_assert_int_eq(rp_json_writer_finish(&w, &got, NULL), 0);
                ck_assert_uint_eq(got, wl);
                ck_assert_int_eq(memcmp(buf, want, wl), 0);
            }
            /* invalid UTF-8 at position at is reported with its position */
            char in[64], buf[128];
            memset(in, 'b', sizeof in);
            in[at] = (char)0xFF;
            rp_json_writer w;
            rp_json_writer_init(&w, buf, sizeof buf);
            rp_json_write_string(&w, in, n);
            ck_assert_int_eq(rp_json_writer_finish(&w, NULL, NULL), RP_E_JSON_UTF8);
            ck_assert_uint_eq(w.fail_offset, at);
        }
    }
}
END_TEST

/* ---- arena -------------------------------------------------------------------------- */

START_TEST(test_arena)
{
    _Alignas(16) uint8_t mem[64];
    memset(mem, 0x5A, sizeof mem);
    rp_arena a;
    rp_arena_init(&a, mem + 1, 32); /* deliberately unaligned */
    uint8_t *p1 = rp_arena_alloc(&a, 3, 1);
    ck_assert_ptr_eq(p1, mem + 1);
    uint64_t *p2 = rp_arena_alloc(&a, sizeof(uint64_t), 8);
    ck_assert_ptr_nonnull(p2);
    ck_assert_uint_eq((uintptr_t)p2 % 8, 0);
    size_t mark = rp_arena_mark(&a);
    ck_assert_ptr_null(rp_arena_alloc(&a, 64, 1));
    ck_assert_uint_eq(rp_arena_mark(&a), mark); /* failure leaves it unchanged */
    ck_assert_ptr_null(rp_arena_alloc(&a, 1, 3)); /* not a power of two */
    void *p3 = NULL;
    rp_error err;
    ck_assert_int_eq(rp_arena_alloc_err(&a, 100, 1, 17, &p3, &err), RP_E_OVERFLOW);
    ck_assert_ptr_null(p3);
    ck_assert_uint_eq(err.offset, 17);
    size_t left = rp_arena_remaining(&a);
    ck_assert_int_eq(rp_arena_alloc_err(&a, left, 1, 0, &p3, NULL), 0);
    ck_assert_uint_eq(rp_arena_remaining(&a), 0);
    ck_assert_ptr_null(rp_arena_alloc(&a, 1, 1));
    rp_arena_rewind(&a, mark);
    ck_assert_uint_eq(rp_arena_mark(&a), mark);
    rp_arena_rewind(&a, 1000); /* beyond use: ignored */
    ck_assert_uint_eq(rp_arena_mark(&a), mark);
    rp_str s;
    ck_assert_int_eq(rp_arena_strdup(&a, "hey", 3, &s, NULL), 0);
    ck_assert_str_eq(s.ptr, "hey");
    ck_assert(rp_str_eq(s, "hey", 3));
    ck_assert(!rp_str_eq(s, "he", 2));
    rp_arena_reset(&a);
    ck_assert_uint_eq(rp_arena_remaining(&a), 32);
    /* never touches memory outside the buffer */
    ck_assert_int_eq(rp_arena_strdup(&a, "0123456789012345678901234567890123", 34, &s, NULL),
                     RP_E_OVERFLOW);
    ck_assert_int_eq(rp_arena_strdup(&a, "0123456789012345678901234567890", 31, &s, NULL), 0);
    ck_assert_int_eq(mem[0], 0x5A);
    ck_assert_int_eq(mem[33], 0x5A);
    /* empty and NULL arenas */
    rp_arena_init(&a, NULL, 100);
    ck_assert_ptr_null(rp_arena_alloc(&a, 0, 1));
    ck_assert_ptr_null(rp_arena_alloc(NULL, 1, 1));
    ck_assert_uint_eq(rp_arena_remaining(NULL), 0);
    rp_arena_reset(NULL);
    rp_arena_rewind(NULL, 0);
    ck_assert_int_eq(rp_arena_alloc_err(NULL, 1, 1, 0, &p3, NULL), RP_E_ARGUMENT);
    rp_str c = rp_str_from_cstr("abc");
    ck_assert_uint_eq(c.len, 3);
    c = rp_str_from_cstr(NULL);
    ck_assert_ptr_null(c.ptr);
    ck_assert(rp_str_eq(c, NULL, 0));
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("scanner");
    tcase_add_test(tc, test_u64_extremes);
    tcase_add_test(tc, test_i64_extremes);
    tcase_add_test(tc, test_negative_zero);
    tcase_add_test(tc, test_floats_truncated_in_wire_mode_only);
    tcase_add_test(tc, test_long_number_message_is_shortened);
    tcase_add_test(tc, test_trailing_bytes);
    tcase_add_test(tc, test_empty_and_whitespace_input);
    tcase_add_test(tc, test_syntax_error_offsets);
    tcase_add_test(tc, test_utf8_validation);
    tcase_add_test(tc, test_surrogate_pairs_and_escapes_unescaped);
    tcase_add_test(tc, test_string_storage_overflow);
    tcase_add_test(tc, test_key_matching);
    tcase_add_test(tc, test_string_special_byte_at_every_position);
    tcase_add_test(tc, test_integer_fast_and_slow_paths_agree);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_generated_decoder_shape);
    tcase_add_test(tc, test_wrong_type_is_a_schema_error_and_not_sticky);
    tcase_add_test(tc, test_errors_are_sticky_and_misuse_is_reported);
    tcase_add_test(tc, test_tokens_and_peek);
    tcase_add_test(tc, test_skip_checks_what_it_skips);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("path");
    tcase_add_test(tp, test_path_render);
    tcase_add_test(tp, test_path_in_scanner_errors);
    suite_add_tcase(s, tp);
    TCase *tw = tcase_create("writer");
    tcase_add_test(tw, test_writer_output);
    tcase_add_test(tw, test_writer_overflow_never_writes_past_cap);
    tcase_add_test(tw, test_writer_errors);
    tcase_add_test(tw, test_writer_line_separators);
    tcase_add_test(tw, test_writer_special_byte_at_every_position);
    suite_add_tcase(s, tw);
    TCase *ta = tcase_create("arena");
    tcase_add_test(ta, test_arena);
    suite_add_tcase(s, ta);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
