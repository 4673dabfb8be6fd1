/* rp_lane_write.c — the loops and tables of the generated encode lanes. See rp_lane_write.h. */
#include "rp_lane_write.h"

#include "rp_codec.h"
#include "rp_codec_internal.h"
#include "rp_json_internal.h"

/* SSE2 is part of every x86-64: no flag or run-time check. Not at -Os, where the AVX2 path's
 * CPU check would link libgcc's feature detection in (~4.5 KB) for a lane built for speed. */
#if defined(__SSE2__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(__OPTIMIZE_SIZE__)
#include <emmintrin.h>
#define RP_LANE_PUT_SSE2 1
#else
#define RP_LANE_PUT_SSE2 0
#endif

const char rp_lane_put_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

const uint64_t rp_lane_put_pow10[20] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
    UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
    UINT64_C(10000000000000000), UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000), UINT64_C(10000000000000000000)
};

char *rp_lane_put_u64_long(char *o, uint64_t v, unsigned n)
{
#if RP_LANE_PUT_SWAR
    uint64_t w;
    if (v < 100000000u) {
        w = rp_lane_put_digits8(v) >> (8 * (8 - n));
        memcpy(o, &w, 8);
        return o + n;
    }
    uint64_t lo = v % 100000000u, hi = v / 100000000u;
    unsigned k = n - 8; /* digits of hi */
    if (hi >= 100000000u) { /* 17 to 20 digits */
        k -= 8;
        w = rp_lane_put_digits8(hi / 100000000u) >> (8 * (8 - k));
        memcpy(o, &w, 8);
        w = rp_lane_put_digits8(hi % 100000000u);
        memcpy(o + k, &w, 8);
        k += 8;
    } else {
        w = rp_lane_put_digits8(hi) >> (8 * (8 - k));
        memcpy(o, &w, 8);
    }
    w = rp_lane_put_digits8(lo);
    memcpy(o + k, &w, 8);
    return o + n;
#else
    char *e = o + n, *q = e;
    while (v >= 100u) {
        unsigned r = (unsigned)(v % 100u);
        v /= 100u;
        q -= 2;
        memcpy(q, rp_lane_put_pairs + 2 * r, 2);
    }
    if (v >= 10u)
        memcpy(q - 2, rp_lane_put_pairs + 2 * v, 2);
    else
        q[-1] = (char)('0' + v);
    return e;
#endif
}

bool rp_lane_put_charset(rp_str s, const uint8_t allowed[256])
{
    if (s.ptr == NULL)
        return s.len == 0;
    /* no early exit: the answer is almost always yes, and an AND a byte is all it costs */
    const unsigned char *p = (const unsigned char *)s.ptr;
    unsigned ok = 1, ok2 = 1;
    size_t i = 0;
    for (; i + 2 <= s.len; i += 2) {
        ok &= allowed[p[i]];
        ok2 &= allowed[p[i + 1]];
    }
    if (i < s.len)
        ok &= allowed[p[i]];
    return (ok & ok2) != 0;
}

bool rp_lane_put_charset_bits(rp_str s, const uint8_t bits[32])
{
    if (s.ptr == NULL)
        return s.len == 0;
    const unsigned char *p = (const unsigned char *)s.ptr;
    unsigned ok = 1;
    for (size_t i = 0; i < s.len; i++)
        ok &= (unsigned)bits[p[i] >> 3] >> (p[i] & 7u);
    return (ok & 1u) != 0;
}

/* The same text as rp_json_write_string without line-separator escapes (rp_schema_encode
 * never asks for them): runs of plain bytes copied, " \ \b \f \n \r \t escaped by name, other
 * control bytes as \u00XX, valid UTF-8 copied as is. */
static char *put_string_slow(char *o, const char *end, rp_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t n = s.len, i = 0;
    if (p == NULL && n > 0)
        return NULL;
    if (end - o < 1)
        return NULL;
    *o++ = '"';
    while (i < n) {
        size_t run = i;
        i = rpj_skip_plain(p, i, n);
        if (i > run) {
            if ((size_t)(end - o) < i - run)
                return NULL;
            memcpy(o, p + run, i - run);
            o += i - run;
        }
        if (i >= n)
            break;
        unsigned char c = p[i];
        char esc[6];
        size_t k = rpj_escape_byte(esc, c);
        if (k == 0) {
            const char *why = "";
            size_t m = rpj_utf8_seq(p + i, n - i, &why);
            if (m == 0 || (size_t)(end - o) < m)
                return NULL; /* not UTF-8: the table encoder says where */
            memcpy(o, p + i, m);
            o += m;
            i += m;
            continue;
        }
        if ((size_t)(end - o) < k)
            return NULL;
        memcpy(o, esc, k);
        o += k;
        i++;
    }
    if (end - o < 1)
        return NULL;
    *o++ = '"';
    return o;
}

/* Eight bytes a test (the last eight overlapping; fewer than eight in one word with 'A's
 * for the rest), then one copy; anything to escape or check goes the slow way. */
char *rp_lane_put_string(char *o, const char *end, rp_str s)
{
    const unsigned char *u = (const unsigned char *)s.ptr;
    size_t n = s.len;
    if ((size_t)(end - o) < 2 || (size_t)(end - o) - 2 < n || u == NULL)
        return put_string_slow(o, end, s);
    uint64_t odd = 0;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            odd |= rp_lane_put_special8(u + i);
        odd |= rp_lane_put_special8(u + n - 8);
    } else if (n > 0) {
        /* fewer than 8: two overlapping loads into one word, the rest 'A's (plain) */
        uint64_t x = 0x4141414141414141u;
        if (n >= 4) {
            uint32_t a, b;
            memcpy(&a, u, 4);
            memcpy(&b, u + n - 4, 4);
            x = a | (uint64_t)b << 32;
        } else if (n >= 2) {
            uint16_t a, b;
            memcpy(&a, u, 2);
            memcpy(&b, u + n - 2, 2);
            x = (x & ~(uint64_t)0xFFFFFFFFu) | a | (uint64_t)b << 16;
        } else {
            x = (x & ~(uint64_t)0xFFu) | u[0];
        }
        odd = rp_lane_put_special(x);
    }
    if (odd != 0)
        return put_string_slow(o, end, s);
    o[0] = '"';
    rp_lane_put_copy(o + 1, s.ptr, n);
    o[n + 1] = '"';
    return o + n + 2;
}

char *rp_lane_put_hex(char *o, const char *end, rp_bytes b)
{
    size_t left = (size_t)(end - o), i = 0;
    if ((b.ptr == NULL && b.len > 0) || left < 2 || (left - 2) / 2 < b.len)
        return NULL;
    *o++ = '"';
#if RP_LANE_PUT_SSE2
    /* 16 bytes a step: the nibbles split and interleaved (high first), each one '0' + n,
     * plus 7 more from 10 up ('A' - '9' - 1): a dozen instructions for 32 digits, where the
     * pair table takes two loads and a store per byte (keys and tokens are 16 to 32 bytes). */
    const __m128i low4 = _mm_set1_epi8(0x0F), nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'),
                  gap = _mm_set1_epi8('A' - '9' - 1);
    for (; b.len - i >= 16; i += 16, o += 32) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b.ptr + i));
        __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4), lo = _mm_and_si128(v, low4);
        __m128i a = _mm_unpacklo_epi8(hi, lo), c = _mm_unpackhi_epi8(hi, lo);
        a = _mm_add_epi8(_mm_add_epi8(a, zero), _mm_and_si128(_mm_cmpgt_epi8(a, nine), gap));
        c = _mm_add_epi8(_mm_add_epi8(c, zero), _mm_and_si128(_mm_cmpgt_epi8(c, nine), gap));
        _mm_storeu_si128((__m128i *)(void *)o, a);
        _mm_storeu_si128((__m128i *)(void *)(o + 16), c);
    }
#endif
    for (; i < b.len; i++, o += 2)
        memcpy(o, rp_hex_pairs + 2 * b.ptr[i], 2);
    *o++ = '"';
    return o;
}

/* The base64 pair table of speed (rp_codec_internal.h: not at -Os). */
#define RP_LANE_PUT_B64_PAIRS RP_CODEC_B64_PAIRS

#if RP_LANE_PUT_SSE2
/* Why AVX2: a CONNECT's ~450-byte RSA key is nearly all of its encode, and the pair table
 * costs about 2.5 instructions a letter; 24 bytes at a time in vector registers cost under
 * half of one. Each 128-bit half takes 12 bytes: a shuffle puts every group's three bytes
 * into a 32-bit lane as [b1 b0 b2 b1], two multiplies move the four 6-bit values into the
 * four bytes, and a 16-entry table indexed by each value's range (found by one saturating
 * subtract and one compare) gives what to add to make it a letter. Only on CPUs that have
 * it (a load and a test per call); elsewhere the pair table does all of it. */
#include <immintrin.h>

/* Letters of in[0..done) into out (done a multiple of 24, at most len - 4: each step reads
 * 28 bytes); returns done. */
__attribute__((target("avx2"))) static size_t b64_avx2(const uint8_t *in, size_t len, char *out)
{
    const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                            1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    /* what to add by range: [0] 26..51 'a', [1..10] 52..61 '0', [11] 62 '+', [12] 63 '/',
     * [13] 0..25 'A' */
    const __m256i shift = _mm256_setr_epi8(
        'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,
        'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
    size_t i = 0;
    for (; len - i >= 28; i += 24, out += 32) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
        __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(in + i + 12));
        __m256i v = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1),
                                        spread);
        /* aaaaaabb bbbbcccc | bbbbcccc ccdddddd per lane -> bytes a, b, c, d */
        __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(v, _mm256_set1_epi32(0x0FC0FC00)),
                                        _mm256_set1_epi32(0x04000040));
        __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(v, _mm256_set1_epi32(0x003F03F0)),
                                        _mm256_set1_epi32(0x01000010));
        __m256i x = _mm256_or_si256(ac, bd);
        __m256i range = _mm256_subs_epu8(x, _mm256_set1_epi8(51));
        range = _mm256_or_si256(range, _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(26), x),
                                                         _mm256_set1_epi8(13)));
        _mm256_storeu_si256((__m256i *)(void *)out,
                            _mm256_add_epi8(x, _mm256_shuffle_epi8(shift, range)));
    }
    return i;
}
#endif

char *rp_lane_put_base64(char *o, const char *end, rp_bytes b)
{
    size_t left = (size_t)(end - o);
    if ((b.ptr == NULL && b.len > 0) || b.len > SIZE_MAX - 2 || left < 2 ||
        (left - 2) / 4 < (b.len + 2) / 3)
        return NULL;
    const uint8_t *in = b.ptr;
    size_t len = b.len, i = 0;
    *o++ = '"';
#if RP_LANE_PUT_SSE2
    if (len >= 28 && __builtin_cpu_supports("avx2")) {
        i = b64_avx2(in, len, o);
        o += i / 3 * 4;
    }
#endif
#if !RP_LANE_PUT_B64_PAIRS
    /* the rest by rp_base64_encode, whose NUL lands where the closing quote goes (the room
     * for the letters and both quotes is checked above) */
    if (len > i) {
        size_t n = ((len - i) + 2) / 3 * 4;
        if (rp_base64_encode(in + i, len - i, o, n + 1, NULL, NULL) < 0)
            return NULL; /* cannot happen: the room is exact */
        o += n;
    }
#else
    /* the rest two letters a lookup (rp_codec.c) */
    rp_base64_encode_pairs(in + i, len - i, o);
    o += RP_BASE64_ENCODED_LEN(len - i);
#endif
    *o++ = '"';
    return o;
}

int rp_lane_put_done(char *buf, const char *end, size_t cap, size_t *out_len, rp_error *err)
{
    size_t n = (size_t)(end - buf);
    if (n < cap)
        buf[n] = '\0';
    if (out_len != NULL)
        *out_len = n;
    rp_error_clear(err);
    return 0;
}
