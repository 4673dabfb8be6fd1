/* rp_codec_internal.h — base64 and hex a vector register at a time (rp_codec.c, rp_lane.c).
 * Internal to runtime/core. Each block function decodes a fixed number of characters or,
 * when any of them is not a letter / digit of its alphabet, writes nothing and says no, so
 * the callers' loops stop there and their careful code goes on from that point.
 */
#ifndef RP_CODEC_INTERNAL_H
#define RP_CODEC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Not at -Os: there the table loops do all of it (same results), without the vector code
 * or, for AVX2, the CPU feature check that links libgcc's feature detection in. */
#if defined(__SSE2__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(__OPTIMIZE_SIZE__)
#define RP_CODEC_SSE2 1
#define RP_CODEC_AVX2 1
#else
#define RP_CODEC_SSE2 0
#define RP_CODEC_AVX2 0
#endif

#if RP_CODEC_SSE2
/* Why SSE2 for hex (every x86-64 has it, so no flag or run-time check is needed): 16 digits
 * classified by range compares and packed in a dozen instructions cost a third of the
 * table loop's two loads, test and merge per pair. */
#include <emmintrin.h>

/* Bytes of v within [lo, lo + n): adding 0x80 - lo moves that range to the bottom of the
 * signed byte range, so one signed compare tests both ends (exact for every byte). */
static inline __m128i rp_block_in_range(__m128i v, int lo, int n)
{
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
                          _mm_set1_epi8((char)(n - 128)));
}

/* 16 hex digits at p -> 8 bytes at q; false (nothing written) when any is not a digit. */
static inline bool rp_block_hex16(const unsigned char *p, uint8_t *q)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i dg = rp_block_in_range(v, '0', 10), up = rp_block_in_range(v, 'A', 6),
            lo = rp_block_in_range(v, 'a', 6);
    if (_mm_movemask_epi8(_mm_or_si128(dg, _mm_or_si128(up, lo))) != 0xFFFF)
        return false;
    __m128i d = _mm_or_si128(_mm_and_si128(dg, _mm_set1_epi8(-48)),
                             _mm_or_si128(_mm_and_si128(up, _mm_set1_epi8(-55)),
                                          _mm_and_si128(lo, _mm_set1_epi8(-87))));
    __m128i s = _mm_add_epi8(v, d);
    __m128i pairs = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(s, _mm_set1_epi16(0xFF)), 4),
                                 _mm_srli_epi16(s, 8));
    __m128i bytes = _mm_packus_epi16(pairs, pairs);
    _mm_storel_epi64((__m128i *)(void *)q, bytes);
    return true;
}
#endif

#if RP_CODEC_AVX2
/* Why AVX2 for base64: a CONNECT's ~600-letter key is most of its decode, and the table loop
 * costs four instructions a letter; eight groups at a time cost under one. The classes come
 * from two 16-entry tables indexed by each letter's high and low nibble (a letter is valid
 * when the two entries share no bit), the value from a third indexed by the high nibble
 * ('/' moved to its own entry), then two multiply-adds merge 4 x 6 bits into 24 and a
 * shuffle packs them. Only on CPUs that have it (checked once per call, a load and a test);
 * elsewhere the table loop does all of it. */
#include <immintrin.h>

static inline bool rp_block_have_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}

#define RP_AVX2_FN __attribute__((target("avx2")))

/* 32 letters at p -> 24 bytes at q; false (nothing written) when any of the 32 is not a
 * letter of the alphabet ('=' included). */
static inline RP_AVX2_FN bool rp_block_b64x32(const unsigned char *p, uint8_t *q)
{
    /* bit classes by high nibble: 0x10 never valid; 0x01 '+' '/' row; 0x02 digits row;
     * 0x04 rows 4 and 6 ('@' and '`' invalid); 0x08 rows 5 and 7 (past 'Z' / 'z' invalid) */
    const __m256i hi_class = _mm256_setr_epi8(
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    /* by low nibble: the classes in which that low nibble is NOT a letter */
    const __m256i lo_class = _mm256_setr_epi8(
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    /* value - letter by high nibble; entry 1 is '/' (row 2 minus one), entry 2 is '+' */
    const __m256i delta = _mm256_setr_epi8(
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0F);
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
    __m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(lo_class, _mm256_and_si256(v, nib)),
                                   _mm256_shuffle_epi8(hi_class, hi));
    if (!_mm256_testz_si256(bad, bad))
        return false;
    __m256i slash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('/'));
    __m256i s = _mm256_add_epi8(v, _mm256_shuffle_epi8(delta, _mm256_add_epi8(hi, slash)));
    /* [a b c d] -> a << 6 | b, c << 6 | d -> a << 18 | b << 12 | c << 6 | d */
    __m256i pairs = _mm256_maddubs_epi16(s, _mm256_set1_epi32(0x01400140));
    __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    /* each 128-bit half: its four groups' three bytes, most significant first, in 0..11 */
    __m256i packed = _mm256_shuffle_epi8(quads, _mm256_setr_epi8(
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
    __m128i lo128 = _mm256_castsi256_si128(packed), hi128 = _mm256_extracti128_si256(packed, 1);
    _mm_storeu_si128((__m128i *)(void *)q, lo128); /* bytes 12..15 are rewritten just below */
    _mm_storel_epi64((__m128i *)(void *)(q + 12), hi128);
    uint32_t last = (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(hi128, 8));
    memcpy(q + 20, &last, 4);
    return true;
}
#endif

/* "00" "01" ... "FF": a byte's two uppercase hex digits in one copy (the hex writers of
 * rp_schema_encode.c and rp_lane_write.c). */
extern const char rp_hex_pairs[513];

/* Padded standard base64 of in[0..len) into out[0..RP_BASE64_ENCODED_LEN(len)) (no NUL), the
 * same text as rp_base64_encode, two letters a lookup from an 8 KiB pair table: the encoders
 * of rp_schema_encode.c and rp_lane_write.c share it. Not at -Os, where they call
 * rp_base64_encode and the table is not built. */
#if !defined(__OPTIMIZE_SIZE__)
#define RP_CODEC_B64_PAIRS 1
void rp_base64_encode_pairs(const uint8_t *in, size_t len, char *out);
#else
#define RP_CODEC_B64_PAIRS 0
#endif

#endif /* RP_CODEC_INTERNAL_H */
