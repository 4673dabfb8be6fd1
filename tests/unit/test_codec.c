/* rp_codec: RFC 4648 §10 base64 vectors (encode, strict and lenient decode), strict errors
 * with offsets, Crypto++-compatible lenient decoding, hex round trips in both cases. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_codec.h"

/* RFC 4648 §10 test vectors. */
static const struct {
    const char *plain, *b64;
} rfc4648[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};
#define NV (sizeof rfc4648 / sizeof rfc4648[0])

START_TEST(base64_rfc4648_encode)
{
    char out[32];
    size_t n = 99;
    const char *p = rfc4648[_i].plain;
    ck_assert_int_eq(rp_base64_encode((const uint8_t *)p, strlen(p), out, sizeof out, &n, NULL), 0);
    ck_assert_str_eq(out, rfc4648[_i].b64);
    ck_assert_uint_eq(n, strlen(rfc4648[_i].b64));
    ck_assert_uint_eq(n, RP_BASE64_ENCODED_LEN(strlen(p)));
}
END_TEST

START_TEST(base64_rfc4648_decode_both_modes)
{
    for (int mode = RP_BASE64_STRICT; mode <= RP_BASE64_LENIENT; mode++) {
        uint8_t out[32];
        size_t n = 99;
        const char *b = rfc4648[_i].b64;
        rp_error err;
        ck_assert_int_eq(rp_base64_decode(b, strlen(b), (rp_base64_mode)mode, out, sizeof out, &n, &err), 0);
        ck_assert_uint_eq(n, strlen(rfc4648[_i].plain));
        ck_assert_int_eq(memcmp(out, rfc4648[_i].plain, n), 0);
        ck_assert_uint_le(n, RP_BASE64_DECODED_MAX(strlen(b)));
    }
}
END_TEST

START_TEST(base64_encode_overflow_and_nul)
{
    char out[9];
    size_t n = 7;
    rp_error err;
    /* "foobar" needs 8 + NUL = 9 bytes */
    ck_assert_int_eq(rp_base64_encode((const uint8_t *)"foobar", 6, out, 8, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(err.code, RP_E_OVERFLOW);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rp_base64_encode((const uint8_t *)"foobar", 6, out, 9, &n, NULL), 0);
    ck_assert_str_eq(out, "Zm9vYmFy");
    /* NULL input with len 0 is allowed */
    ck_assert_int_eq(rp_base64_encode(NULL, 0, out, 1, &n, NULL), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(rp_base64_encode(NULL, 3, out, 9, &n, NULL), RP_E_ARGUMENT);
}
END_TEST

/* Strict decoding errors name the offset of the offending byte. */
static const struct {
    const char *in;
    size_t offset;
} strict_bad[] = {
    {"Zm9", 3},          /* length not a multiple of 4: offset = len */
    {"Zm9vY", 5},
    {"Zm 9v", 2},        /* a foreign byte is reported before the length */
    {"Zm9 ", 3},         /* space */
    {"Zm\n9", 2},        /* newline */
    {"Z=9v", 1},         /* '=' too early */
    {"=m9v", 0},
    {"Zm=v", 3},         /* data after padding */
    {"Zg==Zg==", 2},     /* padding in a non-final group */
    {"Zh==", 1},         /* non-zero pad bits: 'h' leaves bits set */
    {"Zm9=", 2},         /* '9' = 111101, low 2 bits set */
    {"Zm9v:Zg=", 4},
    {"Zm9v\x80Zg=", 4},
    {"Zm-v", 2},         /* base64url letter */
};

START_TEST(base64_strict_errors_have_offsets)
{
    uint8_t out[32];
    size_t n = 5;
    rp_error err;
    const char *in = strict_bad[_i].in;
    int rc = rp_base64_decode(in, strlen(in), RP_BASE64_STRICT, out, sizeof out, &n, &err);
    ck_assert_msg(rc == RP_E_BASE64, "%s: rc %d", in, rc);
    ck_assert_int_eq(err.code, RP_E_BASE64);
    ck_assert_int_eq(err.layer, RP_LAYER_BASE64);
    ck_assert_msg(err.offset == strict_bad[_i].offset, "%s: offset %zu, expected %zu (%s)", in,
                  err.offset, strict_bad[_i].offset, err.message);
    ck_assert_uint_eq(n, 0);
    ck_assert_msg(strlen(err.message) > 0, "message present");
}
END_TEST

/* Lenient = Crypto++ Base64Decoder: non-alphabet bytes skipped, incomplete bits dropped. */
START_TEST(base64_lenient_skips_like_cryptopp)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Zm9v\nYmFy", "foobar"},
        {"Zm9v\r\nYmFy\n", "foobar"},
        {" Z m 9 v ", "foo"},
        {"Zg", "f"},           /* missing padding */
        {"Zg=", "f"},
        {"Zg==Zg==", "\x66\x06\x60"}, /* "=" skipped anywhere: the bit stream continues */
        {"Z", ""},             /* 6 bits: no byte */
        {"QQ", "A"},           /* 12 bits: one byte, 4 bits dropped */
        {":Zm9v:", "foo"},
        {"Zm-9_v", "foo"},     /* base64url letters are not the alphabet: skipped */
        {"", ""},
        {"\n\n==", ""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t out[32];
        size_t n = 99;
        int rc = rp_base64_decode(cases[k].in, strlen(cases[k].in), RP_BASE64_LENIENT, out,
                                  sizeof out, &n, NULL);
        ck_assert_int_eq(rc, 0);
        ck_assert_msg(n == strlen(cases[k].out) && memcmp(out, cases[k].out, n) == 0,
                      "case %zu: got %zu bytes", k, n);
    }
}
END_TEST

/* Java's Base64.DEFAULT: 76 columns, '\n' after each line and at the end. */
START_TEST(base64_lenient_java_wrapped_round_trip)
{
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 37 + 11);
    char b64[RP_BASE64_ENCODED_LEN(sizeof data) + 1];
    size_t n;
    ck_assert_int_eq(rp_base64_encode(data, sizeof data, b64, sizeof b64, &n, NULL), 0);
    ck_assert_ptr_null(strchr(b64, '\n')); /* we never wrap */
    char wrapped[sizeof b64 + 16];
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        wrapped[w++] = b64[i];
        if ((i + 1) % 76 == 0) wrapped[w++] = '\n';
    }
    wrapped[w++] = '\n';
    uint8_t back[sizeof data];
    size_t m = 0;
    ck_assert_int_eq(rp_base64_decode(wrapped, w, RP_BASE64_LENIENT, back, sizeof back, &m, NULL), 0);
    ck_assert_uint_eq(m, sizeof data);
    ck_assert_int_eq(memcmp(back, data, m), 0);
    /* the strict decoder names the first newline */
    rp_error err;
    ck_assert_int_eq(rp_base64_decode(wrapped, w, RP_BASE64_STRICT, back, sizeof back, &m, &err),
                     RP_E_BASE64);
    ck_assert_uint_eq(err.offset, 76);
}
END_TEST

START_TEST(base64_decode_overflow)
{
    uint8_t out[5];
    size_t n = 9;
    rp_error err;
    ck_assert_int_eq(rp_base64_decode("Zm9vYmFy", 8, RP_BASE64_STRICT, out, 5, &n, &err), RP_E_OVERFLOW);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rp_base64_decode("Zm9vYmFy", 8, RP_BASE64_LENIENT, out, 5, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(rp_base64_decode("Zm9vYmE=", 8, RP_BASE64_STRICT, out, 5, &n, &err), 0);
    ck_assert_uint_eq(n, 5);
}
END_TEST

START_TEST(base64_all_lengths_round_trip)
{
    uint8_t data[70], back[70];
    char b64[RP_BASE64_ENCODED_LEN(70) + 1];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(255 - i * 3);
    for (size_t len = 0; len <= sizeof data; len++) {
        size_t n, m;
        ck_assert_int_eq(rp_base64_encode(data, len, b64, sizeof b64, &n, NULL), 0);
        ck_assert_int_eq(rp_base64_decode(b64, n, RP_BASE64_STRICT, back, sizeof back, &m, NULL), 0);
        ck_assert_uint_eq(m, len);
        ck_assert_int_eq(memcmp(back, data, len), 0);
        ck_assert_int_eq(rp_base64_decode(b64, n, RP_BASE64_LENIENT, back, sizeof back, &m, NULL), 0);
        ck_assert_uint_eq(m, len);
    }
}
END_TEST

START_TEST(hex_round_trip_both_cases)
{
    uint8_t data[256], back[256];
    for (size_t i = 0; i < 256; i++) data[i] = (uint8_t)i;
    char lo[513], up[513];
    size_t n;
    ck_assert_int_eq(rp_hex_encode(data, 256, RP_HEX_LOWER, lo, sizeof lo, &n, NULL), 0);
    ck_assert_uint_eq(n, 512);
    ck_assert_int_eq(rp_hex_encode(data, 256, RP_HEX_UPPER, up, sizeof up, &n, NULL), 0);
    ck_assert_int_eq(strncmp(lo + 2 * 0xab, "ab", 2), 0);
    ck_assert_int_eq(strncmp(up + 2 * 0xab, "AB", 2), 0);
    ck_assert_int_eq(strncmp(lo + 510, "ff", 2), 0);
    ck_assert_uint_eq(lo[512], '\0');
    for (int pass = 0; pass < 2; pass++) {
        size_t m = 0;
        ck_assert_int_eq(rp_hex_decode(pass ? up : lo, 512, back, sizeof back, &m, NULL), 0);
        ck_assert_uint_eq(m, 256);
        ck_assert_int_eq(memcmp(back, data, 256), 0);
    }
    /* mixed case decodes too */
    uint8_t b[4];
    size_t m;
    ck_assert_int_eq(rp_hex_decode("DeAdbEeF", 8, b, sizeof b, &m, NULL), 0);
    ck_assert_uint_eq(m, 4);
    ck_assert_int_eq(memcmp(b, "\xde\xad\xbe\xef", 4), 0);
}
END_TEST

START_TEST(hex_errors_have_offsets)
{
    uint8_t b[16];
    size_t m = 3;
    rp_error err;
    ck_assert_int_eq(rp_hex_decode("abcg12", 6, b, sizeof b, &m, &err), RP_E_HEX);
    ck_assert_uint_eq(err.offset, 3);
    ck_assert_int_eq(err.layer, RP_LAYER_HEX);
    ck_assert_ptr_nonnull(strstr(err.message, "'g'"));
    ck_assert_uint_eq(m, 0);
    ck_assert_int_eq(rp_hex_decode("abc", 3, b, sizeof b, &m, &err), RP_E_HEX);
    ck_assert_uint_eq(err.offset, 3);
    ck_assert_int_eq(rp_hex_decode("ab\ncd", 5, b, sizeof b, &m, &err), RP_E_HEX);
    ck_assert_uint_eq(err.offset, 2);
    ck_assert_int_eq(rp_hex_decode("0x12", 4, b, sizeof b, &m, &err), RP_E_HEX);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(rp_hex_decode("aabbcc", 6, b, 2, &m, &err), RP_E_OVERFLOW);
    char out[4];
    ck_assert_int_eq(rp_hex_encode(b, 2, RP_HEX_LOWER, out, 4, &m, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(rp_hex_decode("", 0, b, 0, &m, &err), 0);
    ck_assert_uint_eq(m, 0);
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("base64");
    tcase_add_loop_test(tc, base64_rfc4648_encode, 0, NV);
    tcase_add_loop_test(tc, base64_rfc4648_decode_both_modes, 0, NV);
    tcase_add_test(tc, base64_encode_overflow_and_nul);
    tcase_add_loop_test(tc, base64_strict_errors_have_offsets, 0,
                        sizeof strict_bad / sizeof strict_bad[0]);
    tcase_add_test(tc, base64_lenient_skips_like_cryptopp);
    tcase_add_test(tc, base64_lenient_java_wrapped_round_trip);
    tcase_add_test(tc, base64_decode_overflow);
    tcase_add_test(tc, base64_all_lengths_round_trip);
    suite_add_tcase(s, tc);
    TCase *th = tcase_create("hex");
    tcase_add_test(th, hex_round_trip_both_cases);
    tcase_add_test(th, hex_errors_have_offsets);
    suite_add_tcase(s, th);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
