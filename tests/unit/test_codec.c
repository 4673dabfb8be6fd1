/* rp_codec: RFC 4648 §10 base64 vectors (encode, strict and lenient decode), strict errors
 * with offsets, Crypto++-compatible lenient decoding, hex round trips in both cases, and
 * randomized differential tests of the table-driven fast paths against naive references. */
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

/* ---- differential tests: the table-driven fast paths against plain reference codecs ----
 * The references below are deliberately naive (one byte at a time, a classify function with
 * range tests, no fast path) and spell out the documented behaviour: strict = RFC 4648 with
 * errors in scan order (foreign byte, then length, then per group: padding, pad bits,
 * output room); lenient = Crypto++ bit stream; hex = digits, then odd length, then room. */

static int ref_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int ref_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Each reference returns the status and sets *n (0 on failure) and *off (the error offset,
 * SIZE_MAX when the error has none, untouched on success). */
static int ref_b64_strict(const char *in, size_t len, uint8_t *out, size_t cap, size_t *n,
                          size_t *off)
{
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c != '=' && ref_b64_value(c) < 0) {
            *off = i;
            return RP_E_BASE64;
        }
    }
    if (len % 4 != 0) {
        *off = len;
        return RP_E_BASE64;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int last = i + 4 == len;
        unsigned w = 0, pad = 0;
        for (size_t k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && last && k >= 2) {
                pad++;
                w <<= 6;
                continue;
            }
            if (pad > 0 || ref_b64_value(c) < 0) {
                *off = i + k;
                return RP_E_BASE64;
            }
            w = (w << 6) | (unsigned)ref_b64_value(c);
        }
        if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0)) {
            *off = i + 3 - pad;
            return RP_E_BASE64;
        }
        if (cap - o < 3 - pad) {
            *off = i;
            return RP_E_OVERFLOW;
        }
        for (unsigned k = 0; k < 3 - pad; k++) out[o++] = (uint8_t)(w >> (16 - 8 * k));
    }
    *n = o;
    return RP_OK;
}

static int ref_b64_lenient(const char *in, size_t len, uint8_t *out, size_t cap, size_t *n,
                           size_t *off)
{
    unsigned acc = 0, bits = 0;
    size_t o = 0;
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        int v = ref_b64_value((unsigned char)in[i]);
        if (v < 0) continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap) {
                *off = i;
                return RP_E_OVERFLOW;
            }
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *n = o;
    return RP_OK;
}

static int ref_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *n,
                          size_t *off)
{
    *n = 0;
    for (size_t i = 0; i < len; i++)
        if (ref_hex_value((unsigned char)in[i]) < 0) {
            *off = i;
            return RP_E_HEX;
        }
    if (len % 2 != 0) {
        *off = len;
        return RP_E_HEX;
    }
    if (cap < len / 2) {
        *off = SIZE_MAX;
        return RP_E_OVERFLOW;
    }
    for (size_t i = 0; i < len; i += 2)
        out[i / 2] = (uint8_t)(ref_hex_value((unsigned char)in[i]) * 16 +
                               ref_hex_value((unsigned char)in[i + 1]));
    *n = len / 2;
    return RP_OK;
}

/* Fixed-seed xorshift64*: the same inputs on every run and every libc. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static size_t rng_below(uint64_t *s, size_t n)
{
    return n == 0 ? 0 : (size_t)(rng_next(s) % n);
}

#define DIFF_MAX 300 /* input lengths 0..DIFF_MAX */
#define GUARD 16     /* bytes after cap that must stay untouched */

enum diff_codec { DIFF_STRICT, DIFF_LENIENT, DIFF_HEX };

/* Runs the codec under test and its reference on in[0..len) with output room cap, and fails
 * the test (naming the case) on any difference in status, error code, error offset, output
 * length or output bytes, or on a write past cap. */
static void diff_one(enum diff_codec which, const char *in, size_t len, size_t cap,
                     unsigned long iter)
{
    uint8_t got[DIFF_MAX + GUARD], want[DIFF_MAX + GUARD];
    ck_assert_uint_le(cap, DIFF_MAX);
    memset(got, 0xa5, sizeof got);
    size_t got_n = 77, want_n = 77, want_off = 12345;
    rp_error err;
    rp_error_clear(&err);
    int got_rc, want_rc;
    switch (which) {
    case DIFF_STRICT:
        got_rc = rp_base64_decode(in, len, RP_BASE64_STRICT, got, cap, &got_n, &err);
        want_rc = ref_b64_strict(in, len, want, cap, &want_n, &want_off);
        break;
    case DIFF_LENIENT:
        got_rc = rp_base64_decode(in, len, RP_BASE64_LENIENT, got, cap, &got_n, &err);
        want_rc = ref_b64_lenient(in, len, want, cap, &want_n, &want_off);
        break;
    default:
        got_rc = rp_hex_decode(in, len, got, cap, &got_n, &err);
        want_rc = ref_hex_decode(in, len, want, cap, &want_n, &want_off);
        break;
    }
    ck_assert_msg(got_rc == want_rc, "codec %d iter %lu len %zu cap %zu: rc %d, reference %d",
                  (int)which, iter, len, cap, got_rc, want_rc);
    ck_assert_msg(got_n == want_n, "codec %d iter %lu: out_len %zu, reference %zu", (int)which,
                  iter, got_n, want_n);
    if (want_rc == RP_OK) {
        ck_assert_msg(memcmp(got, want, want_n) == 0, "codec %d iter %lu: output differs",
                      (int)which, iter);
    } else {
        ck_assert_msg(err.code == want_rc && err.offset == want_off,
                      "codec %d iter %lu len %zu cap %zu: error %d at %zu, reference %d at %zu"
                      " (%s)",
                      (int)which, iter, len, cap, err.code, err.offset, want_rc, want_off,
                      err.message);
        ck_assert_msg(strlen(err.message) > 0, "message present");
    }
    for (size_t k = cap; k < cap + GUARD; k++)
        ck_assert_msg(got[k] == 0xa5, "codec %d iter %lu: wrote past cap %zu", (int)which,
                      iter, cap);
}

/* A byte the fast path must not take: whitespace, '=', base64url letters, controls, NUL,
 * high bytes, or (rarely) any byte at all. */
static char rng_intruder(uint64_t *s)
{
    static const char some[] = " \n\r\t=:-_.\0\x80\xff";
    if (rng_below(s, 4) == 0) return (char)rng_below(s, 256);
    return some[rng_below(s, sizeof some - 1)];
}

/* Output room: usually enough, often exactly enough, sometimes short by a little or a lot. */
static size_t rng_cap(uint64_t *s, size_t need)
{
    size_t r = rng_below(s, 8);
    if (r < 4) return need;
    if (r == 4) return need > DIFF_MAX ? DIFF_MAX : need + rng_below(s, 3);
    return rng_below(s, need + 1);
}

static const char b64_letters[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

START_TEST(base64_fast_path_matches_reference)
{
    uint64_t seed = 0x5eed0000c0dec0deULL;
    char in[DIFF_MAX + 1];
    for (unsigned long iter = 0; iter < 20000; iter++) {
        size_t len;
        unsigned shape = (unsigned)rng_below(&seed, 3);
        if (shape == 0) {
            /* canonical text of random bytes (valid strict input, padding included) */
            uint8_t raw[DIFF_MAX / 4 * 3];
            size_t rl = rng_below(&seed, sizeof raw + 1);
            for (size_t k = 0; k < rl; k++) raw[k] = (uint8_t)rng_next(&seed);
            char enc[RP_BASE64_ENCODED_LEN(sizeof raw) + 1];
            ck_assert_int_eq(rp_base64_encode(raw, rl, enc, sizeof enc, &len, NULL), 0);
            memcpy(in, enc, len);
        } else {
            /* random letters of random length, often not a multiple of 4 */
            len = rng_below(&seed, DIFF_MAX + 1);
            for (size_t k = 0; k < len; k++) in[k] = b64_letters[rng_below(&seed, 64)];
        }
        /* Sprinkle 0..several intruders: replace or insert at random places, or wrap
         * Java-style every 76 characters. */
        unsigned marks = (unsigned)rng_below(&seed, 5);
        if (marks == 4) marks = (unsigned)rng_below(&seed, 40);
        for (unsigned m = 0; m < marks && len > 0; m++) {
            size_t at = rng_below(&seed, len);
            if (rng_below(&seed, 2) == 0 && len < DIFF_MAX) {
                memmove(in + at + 1, in + at, len - at);
                len++;
            }
            in[at] = rng_intruder(&seed);
        }
        if (shape == 2 && len > 0 && rng_below(&seed, 2) == 0) {
            char wrapped[DIFF_MAX + 1];
            size_t w = 0;
            for (size_t k = 0; k < len && w < DIFF_MAX; k++) {
                wrapped[w++] = in[k];
                if ((k + 1) % 76 == 0 && w < DIFF_MAX) wrapped[w++] = '\n';
            }
            memcpy(in, wrapped, w);
            len = w;
        }
        size_t need = RP_BASE64_DECODED_MAX(len);
        size_t cap = rng_cap(&seed, need > DIFF_MAX ? DIFF_MAX : need);
        diff_one(DIFF_STRICT, in, len, cap, iter);
        diff_one(DIFF_LENIENT, in, len, cap, iter);
    }
}
END_TEST

/* Decoding in place (out == in, allowed by rp_codec.h) gives what decoding into a separate
 * buffer gives, in both modes, for canonical text and for text with intruders. */
START_TEST(base64_decode_in_place_matches)
{
    uint64_t seed = 0x1a7ace00d0c0deULL;
    for (unsigned long iter = 0; iter < 5000; iter++) {
        char text[DIFF_MAX + 1];
        uint8_t raw[DIFF_MAX / 4 * 3];
        size_t rl = rng_below(&seed, sizeof raw + 1), len = 0;
        for (size_t k = 0; k < rl; k++) raw[k] = (uint8_t)rng_next(&seed);
        ck_assert_int_eq(rp_base64_encode(raw, rl, text, sizeof text, &len, NULL), 0);
        unsigned marks = (unsigned)rng_below(&seed, 4);
        for (unsigned m = 0; m < marks && len > 0; m++) text[rng_below(&seed, len)] = rng_intruder(&seed);
        for (int mode = 0; mode < 2; mode++) {
            rp_base64_mode md = mode ? RP_BASE64_LENIENT : RP_BASE64_STRICT;
            uint8_t sep[DIFF_MAX + 1];
            char ip[DIFF_MAX + 1];
            memcpy(ip, text, len);
            size_t n1 = 0, n2 = 0;
            rp_error e1, e2;
            int r1 = rp_base64_decode(text, len, md, sep, len, &n1, &e1);
            int r2 = rp_base64_decode(ip, len, md, (uint8_t *)ip, len, &n2, &e2);
            ck_assert_msg(r1 == r2 && n1 == n2, "iter %lu mode %d: %d/%zu vs %d/%zu", iter, mode, r1, n1, r2, n2);
            if (r1 == RP_OK) ck_assert_mem_eq(sep, ip, n1);
            else ck_assert_uint_eq(e1.offset, e2.offset);
            if (marks == 0) {
                ck_assert_int_eq(r1, RP_OK);
                ck_assert_uint_eq(n1, rl);
                ck_assert_mem_eq(ip, raw, rl);
            }
        }
    }
}
END_TEST

/* Every byte value at every position of a 12-character group run, both modes: the table
 * classifies exactly like the reference, wherever in a group the byte falls. */
START_TEST(base64_every_byte_every_position)
{
    static const char base[] = "QUJDREVGR0hJ"; /* "ABCDEFGHI" */
    for (unsigned b = 0; b < 256; b++) {
        for (size_t at = 0; at < 12; at++) {
            char in[12];
            memcpy(in, base, 12);
            in[at] = (char)b;
            unsigned long id = b * 100u + at;
            diff_one(DIFF_STRICT, in, 12, 9, id);
            diff_one(DIFF_LENIENT, in, 12, 9, id);
            diff_one(DIFF_STRICT, in, 12 - at % 4, 9, id);
            diff_one(DIFF_LENIENT, in, 12 - at % 4, 9, id);
        }
    }
}
END_TEST

/* The same over 32 characters, so every byte value meets each lane of the block
 * decoders (rp_codec.c: 32 base64 letters with AVX2, 16 hex digits with SSE2) as well as
 * the loops after them. */
START_TEST(block_decoders_every_byte_every_lane)
{
    static const char base[] = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"; /* "ABCDEFGHIJKLMNOPQRSTUVWX" */
    static const char hex[] = "0123456789abcdefABCDEF0123456789";
    for (unsigned b = 0; b < 256; b++) {
        for (size_t at = 0; at < 32; at++) {
            char in[32];
            unsigned long id = b * 100u + at;
            memcpy(in, base, 32);
            in[at] = (char)b;
            diff_one(DIFF_STRICT, in, 32, 24, id);
            diff_one(DIFF_LENIENT, in, 32, 24, id);
            diff_one(DIFF_STRICT, in, 32, 20, id); /* room for fewer groups than there are */
            memcpy(in, hex, 32);
            in[at] = (char)b;
            diff_one(DIFF_HEX, in, 32, 16, id);
            diff_one(DIFF_HEX, in, 31, 16, id);
        }
    }
}
END_TEST

START_TEST(hex_fast_path_matches_reference)
{
    static const char digits[] = "0123456789abcdefABCDEF";
    uint64_t seed = 0x4e784e78deadbeefULL;
    char in[DIFF_MAX + 1];
    for (unsigned long iter = 0; iter < 20000; iter++) {
        size_t len = rng_below(&seed, DIFF_MAX + 1);
        if (rng_below(&seed, 2) == 0) len &= ~(size_t)1; /* even lengths half the time */
        for (size_t k = 0; k < len; k++) in[k] = digits[rng_below(&seed, sizeof digits - 1)];
        unsigned marks = (unsigned)rng_below(&seed, 4);
        for (unsigned m = 0; m < marks && len > 0; m++) {
            char c = rng_intruder(&seed);
            if (rng_below(&seed, 3) == 0) c = "gGxX"[rng_below(&seed, 4)];
            in[rng_below(&seed, len)] = c;
        }
        diff_one(DIFF_HEX, in, len, rng_cap(&seed, len / 2), iter);
    }
    /* every byte value at either position of a pair, early and late */
    for (unsigned b = 0; b < 256; b++)
        for (size_t at = 0; at < 6; at++) {
            char s[6] = {'a', 'B', '0', '9', 'f', 'E'};
            s[at] = (char)b;
            diff_one(DIFF_HEX, s, 6, 3, b * 10u + at);
            diff_one(DIFF_HEX, s, 5, 3, b * 10u + at);
        }
}
END_TEST

/* The encoders against their definitions, every length 0..DIFF_MAX. */
START_TEST(encoders_match_reference)
{
    uint64_t seed = 0xe0c0de5eedULL;
    uint8_t raw[DIFF_MAX];
    for (size_t k = 0; k < sizeof raw; k++) raw[k] = (uint8_t)rng_next(&seed);
    for (size_t len = 0; len <= DIFF_MAX; len++) {
        char got[RP_BASE64_ENCODED_LEN(DIFF_MAX) + 1], want[sizeof got];
        size_t n = 99, w = 0;
        for (size_t i = 0; i < len; i += 3) {
            unsigned v = (unsigned)raw[i] << 16;
            if (i + 1 < len) v |= (unsigned)raw[i + 1] << 8;
            if (i + 2 < len) v |= raw[i + 2];
            want[w++] = b64_letters[v >> 18];
            want[w++] = b64_letters[(v >> 12) & 63];
            want[w++] = i + 1 < len ? b64_letters[(v >> 6) & 63] : '=';
            want[w++] = i + 2 < len ? b64_letters[v & 63] : '=';
        }
        want[w] = '\0';
        memset(got, 'x', sizeof got);
        ck_assert_int_eq(rp_base64_encode(raw, len, got, w + 1, &n, NULL), 0);
        ck_assert_uint_eq(n, w);
        ck_assert_mem_eq(got, want, w + 1);
        for (int upper = 0; upper <= 1; upper++) {
            char hg[2 * DIFF_MAX + 1], hw[2 * DIFF_MAX + 1];
            const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
            for (size_t i = 0; i < len; i++) {
                hw[2 * i] = dig[raw[i] / 16];
                hw[2 * i + 1] = dig[raw[i] % 16];
            }
            hw[2 * len] = '\0';
            ck_assert_int_eq(rp_hex_encode(raw, len, upper ? RP_HEX_UPPER : RP_HEX_LOWER, hg,
                                           2 * len + 1, &n, NULL),
                             0);
            ck_assert_uint_eq(n, 2 * len);
            ck_assert_mem_eq(hg, hw, 2 * len + 1);
        }
    }
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
    tcase_add_test(tc, base64_fast_path_matches_reference);
    tcase_add_test(tc, base64_every_byte_every_position);
    tcase_add_test(tc, base64_decode_in_place_matches);
    tcase_add_test(tc, encoders_match_reference);
    suite_add_tcase(s, tc);
    TCase *th = tcase_create("hex");
    tcase_add_test(th, hex_round_trip_both_cases);
    tcase_add_test(th, hex_errors_have_offsets);
    tcase_add_test(th, hex_fast_path_matches_reference);
    tcase_add_test(th, block_decoders_every_byte_every_lane);
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
