/* rp_lane: what generated decode lanes are written with (rprotoc --optimize speed).
 *
 * A lane is straight-line C that rprotoc writes per message for the common case: compact
 * JSON (no whitespace) with the message's keys in spec order, no escapes in strings, every
 * number a plain integer, every rule satisfied. It reads the text once, front to back, each
 * key compared as a literal at the place the spec order puts it, each rule written out as
 * a comparison. It only ever ACCEPTS: at anything else (another order, an unknown or
 * repeated key, whitespace, an escape, a fraction, a value a rule refuses, storage running
 * out, text that is not JSON) it returns false, the generated decode function rewinds the
 * arena and hands the same text to rp_schema_decode, whose careful walk then produces
 * exactly the result, error, offset, path and spec location it always did. So a lane needs
 * no error reporting, and it must accept only what the walk accepts, with the same struct
 * and the same arena use (allocations of the same sizes in the same order):
 * tests/unit/test_lanes.c and tests/fuzz/fuzz_lanes.c hold every lane to the walk.
 *
 * The helpers below are the lane's vocabulary: the small ones are inline (a key compare
 * with a constant length folds into one or two word compares), the loops are in rp_lane.c.
 */
#ifndef RP_LANE_H
#define RP_LANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rp_arena.h"
#include "rp_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Eight bytes as one little-endian word, with count-trailing-zeros (gcc and clang). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RP_LANE_SWAR 1
#else
#define RP_LANE_SWAR 0
#endif

/* The helpers below are a few instructions once inlined, with constants folded; as calls
 * they would cost as much again (compilers stop inlining them on their own after a few
 * dozen uses in one function). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define RP_LANE_INLINE static inline __attribute__((always_inline))
#else
#define RP_LANE_INLINE static inline
#endif

/* SSE2 is part of every x86-64: no flag or run-time check. */
#if defined(__SSE2__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define RP_LANE_SSE2 1
#else
#define RP_LANE_SSE2 0
#endif

/* A lane's position in the text. */
typedef struct rp_lane {
    const unsigned char *p;   /* the next byte */
    const unsigned char *end; /* one past the last byte */
    rp_arena *storage;        /* strings and bytes are carved from here (not NULL) */
    uint32_t relax;           /* the profile's bit in the fields' relax masks, or 0 */
} rp_lane;

/* Starts a lane over json[0..len). false: no lane for these arguments (no text, no storage,
 * or storage without a buffer or overfull) — the walk decides. Past this point the lane
 * relies on storage->base != NULL and storage->used <= storage->cap, which its own
 * allocations keep. */
static inline bool rp_lane_start(rp_lane *ln, const char *json, size_t len, rp_arena *storage,
                                 const rp_schema_profile *profile)
{
    if (json == NULL || storage == NULL || storage->base == NULL || storage->used > storage->cap)
        return false;
    ln->p = (const unsigned char *)json;
    ln->end = ln->p + len;
    ln->storage = storage;
    ln->relax = profile == NULL || profile->index > 31 ? 0u : (uint32_t)1 << profile->index;
    return true;
}

/* After the message: the text ends here, or the profile ignores what follows. */
static inline bool rp_lane_finish(const rp_lane *ln, const rp_schema_profile *profile)
{
    return ln->p == ln->end || (profile != NULL && profile->trailing_ignore);
}

/* The n bytes of lit come next (taken) or not (nothing taken). n is a constant in
 * generated code, so this folds into one or two word compares (two overlapping loads per
 * size class, as rpj_copy_small copies); longer literals compare their middle too. */
RP_LANE_INLINE bool rp_lane_lit(rp_lane *ln, const char *lit, size_t n)
{
    const unsigned char *p = ln->p;
    bool same;
    if ((size_t)(ln->end - p) < n)
        return false;
    if (n >= 8) {
        uint64_t a, b, c, d;
        memcpy(&a, p, 8);
        memcpy(&b, lit, 8);
        memcpy(&c, p + n - 8, 8);
        memcpy(&d, lit + n - 8, 8);
        same = a == b && c == d;
        for (size_t i = 8; same && i + 8 < n; i += 8) { /* keys longer than 16 bytes */
            memcpy(&a, p + i, 8);
            memcpy(&b, lit + i, 8);
            same = a == b;
        }
    } else if (n >= 4) {
        uint32_t a, b, c, d;
        memcpy(&a, p, 4);
        memcpy(&b, lit, 4);
        memcpy(&c, p + n - 4, 4);
        memcpy(&d, lit + n - 4, 4);
        same = a == b && c == d;
    } else if (n >= 2) {
        uint16_t a, b, c, d;
        memcpy(&a, p, 2);
        memcpy(&b, lit, 2);
        memcpy(&c, p + n - 2, 2);
        memcpy(&d, lit + n - 2, 2);
        same = a == b && c == d;
    } else {
        same = n == 0 || p[0] == (unsigned char)lit[0];
    }
    if (same)
        ln->p = p + n;
    return same;
}

/* The byte c comes next (taken) or not. */
RP_LANE_INLINE bool rp_lane_byte(rp_lane *ln, char c)
{
    if (ln->p == ln->end || *ln->p != (unsigned char)c)
        return false;
    ln->p++;
    return true;
}

/* 10^0 .. 10^8 (rp_lane.c). */
extern const uint64_t rp_lane_pow10[9];

/* An unsigned integer of at most 19 digits and no leading zero, at most max, into *v. What
 * follows the digits is the caller's separator test (which refuses a fraction, an
 * exponent or a 20th digit). Eight digits at a time where eight bytes can be read: the
 * bytes that are digits found and converted together (SWAR), instead of a multiply, a
 * compare and a branch per digit. */
RP_LANE_INLINE bool rp_lane_uint(rp_lane *ln, uint64_t max, uint64_t *v)
{
    const unsigned char *p = ln->p, *end = ln->end;
    if (p == end || (unsigned)*p - '1' > 8) {
        if (p == end || *p != '0')
            return false;
        ln->p = p + 1;
        *v = 0;
        return true;
    }
    const unsigned char *lim = end - p > 19 ? p + 19 : end;
    uint64_t m = 0;
#if RP_LANE_SWAR
    /* 64-bit fields (timestamps, ten digits and more): eight bytes at a time, the digits
     * among them found and merged together (SWAR); shorter numbers do better digit by digit */
    if (max > UINT32_MAX) {
        while (lim - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            /* a byte is a digit when its high nibble is 3 before and after adding 6 */
            uint64_t odd = ((w & 0xF0F0F0F0F0F0F0F0u) ^ 0x3030303030303030u) |
                           (((w + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) ^ 0x3030303030303030u);
            unsigned k = odd == 0 ? 8u : (unsigned)__builtin_ctzll(odd) >> 3;
            if (k == 0)
                break;
            /* the k digits into the top bytes, then pairs, fours and eights merged */
            uint64_t d = (w & 0x0F0F0F0F0F0F0F0Fu) << (8 * (8 - k));
            d = (d * 10u + (d >> 8)) & 0x00FF00FF00FF00FFu;
            d = (d * 100u + (d >> 16)) & 0x0000FFFF0000FFFFu;
            d = (d * 10000u + (d >> 32)) & 0xFFFFFFFFu;
            m = m * rp_lane_pow10[k] + d;
            p += k;
            if (k < 8)
                break;
        }
    }
#endif
    /* at most 19 digits (a 20th is refused by the caller's separator test) */
    for (; p != lim && (unsigned)*p - '0' <= 9; p++)
        m = m * 10u + ((unsigned)*p - '0');
    if (m > max)
        return false;
    ln->p = p;
    *v = m;
    return true;
}

/* A signed integer within [min, max] (a '-' and rp_lane_uint's digits), into *v. */
RP_LANE_INLINE bool rp_lane_int(rp_lane *ln, int64_t min, int64_t max, int64_t *v)
{
    bool neg = ln->p != ln->end && *ln->p == '-';
    uint64_t mag;
    ln->p += neg;
    if (!rp_lane_uint(ln, (uint64_t)INT64_MAX, &mag))
        return false;
    int64_t x = neg ? -(int64_t)mag : (int64_t)mag;
    if (x < min || x > max)
        return false;
    *v = x;
    return true;
}

/* true or false, into *v. */
RP_LANE_INLINE bool rp_lane_bool(rp_lane *ln, bool *v)
{
    if (rp_lane_lit(ln, "true", 4)) {
        *v = true;
        return true;
    }
    if (rp_lane_lit(ln, "false", 5)) {
        *v = false;
        return true;
    }
    return false;
}

/* The loops behind rp_lane_string, _base64 and _hex (rp_lane.c): each reads the value at p
 * (before end) into storage and *out and returns where it ends, or NULL. They take the
 * position rather than the lane so that a lane never has its address taken and its
 * position stays in registers. */
const unsigned char *rp_lane_string_at(const unsigned char *p, const unsigned char *end,
                                       rp_arena *storage, rp_str *out);
const unsigned char *rp_lane_base64_at(const unsigned char *p, const unsigned char *end,
                                       rp_arena *storage, rp_bytes *out);
const unsigned char *rp_lane_hex_at(const unsigned char *p, const unsigned char *end,
                                    rp_arena *storage, rp_bytes *out);

#if RP_LANE_SSE2
/* Bit i set: byte i of v ends a plain run (a quote, a backslash, a control byte or a byte
 * >= 0x80: one signed compare finds the last two). */
RP_LANE_INLINE unsigned rp_lane_odd16(__m128i v)
{
    __m128i odd = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                               _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    return (unsigned)_mm_movemask_epi8(odd);
}
#endif

/* A string with no escape, control byte or invalid UTF-8, copied NUL-terminated into
 * storage, into *out. Inline for the common case (plain ASCII closed within 32 bytes, with
 * room for 32 in storage): two loads, two compare masks, two stores. */
RP_LANE_INLINE bool rp_lane_string(rp_lane *ln, rp_str *out)
{
    const unsigned char *s = ln->p;
#if RP_LANE_SSE2
    rp_arena *a = ln->storage;
    if (ln->end - s >= 33 && *s == '"' && a->cap - a->used >= 32) {
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(s + 1));
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 17));
        uint32_t m = rp_lane_odd16(v0) | (uint32_t)rp_lane_odd16(v1) << 16;
        if (m != 0) {
            unsigned k = (unsigned)__builtin_ctz(m);
            if (s[1 + k] == '"') {
                uint8_t *dst = a->base + a->used;
                _mm_storeu_si128((__m128i *)(void *)dst, v0);
                _mm_storeu_si128((__m128i *)(void *)(dst + 16), v1);
                dst[k] = 0;
                a->used += k + 1;
                out->ptr = (const char *)dst;
                out->len = k;
                ln->p = s + k + 2;
                return true;
            }
        }
    }
#endif
    s = rp_lane_string_at(s, ln->end, ln->storage, out);
    if (s == NULL)
        return false;
    ln->p = s;
    return true;
}

/* A string of canonical padded base64 (RFC 4648 §4) / of hex digits (either case), decoded
 * into storage (NUL-terminated), into *out. */
RP_LANE_INLINE bool rp_lane_base64(rp_lane *ln, rp_bytes *out)
{
    const unsigned char *s = rp_lane_base64_at(ln->p, ln->end, ln->storage, out);
    if (s == NULL)
        return false;
    ln->p = s;
    return true;
}

RP_LANE_INLINE bool rp_lane_hex(rp_lane *ln, rp_bytes *out)
{
    const unsigned char *s = rp_lane_hex_at(ln->p, ln->end, ln->storage, out);
    if (s == NULL)
        return false;
    ln->p = s;
    return true;
}

/* Every byte b of s is allowed: allowed[b] is 1 (a charset as one byte per value). */
bool rp_lane_charset(rp_str s, const uint8_t allowed[256]);

/* s is exactly text[0..n). */
RP_LANE_INLINE bool rp_lane_str_is(rp_str s, const char *text, size_t n)
{
    return s.len == n && (n == 0 || memcmp(s.ptr, text, n) == 0);
}

#ifdef __cplusplus
}
#endif

#endif /* RP_LANE_H */
