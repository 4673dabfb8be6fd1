/* rp_lane_write: what generated encode lanes are written with (rprotoc --optimize speed).
 *
 * An encode lane is straight-line C that rprotoc writes per message: the spec's checks as
 * comparisons, each key a literal with its comma, quotes and colon (a constant value and
 * the keys around it joined into one literal), the values through the helpers below. It
 * writes exactly the compact JSON of the table encoder, rp_schema_encode (keys in spec
 * order, only present fields), and it only ever SUCCEEDS: at anything else (a missing
 * required field, a value a rule refuses, a string that is not valid UTF-8, a buffer too
 * small) it returns NULL and the generated encode function hands the message to
 * rp_schema_encode, which validates and writes it as it always did and so makes every
 * error, with its code, path and spec location. A lane must accept only what the table
 * encoder accepts and write its bytes: tests/unit/test_encode_lanes.c and
 * tests/fuzz/fuzz_encode_lanes.c hold every lane to it.
 *
 * A lane's position is a plain pointer o (the next byte) and end (one past the buffer).
 * The helpers for fixed-size pieces (literals, numbers, bools) trust the lane to have checked
 * the room for them (one compare per literal and the number after it); those for strings and
 * bytes check their own and return NULL when the value does not fit or needs the table
 * encoder.
 */
#ifndef RP_LANE_WRITE_H
#define RP_LANE_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rp_arena.h"
#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The small helpers are a few instructions once inlined with their constants; as calls
 * they would cost as much again (compilers stop inlining on their own after a few dozen
 * uses in one function). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define RP_LANE_PUT_INLINE static inline __attribute__((always_inline))
#else
#define RP_LANE_PUT_INLINE static inline
#endif

/* The largest buffer a lane writes into: end - o must be a ptrdiff_t. */
#define RP_LANE_PUT_CAP_MAX ((size_t)PTRDIFF_MAX)

/* At least n bytes are left before end. */
RP_LANE_PUT_INLINE bool rp_lane_put_room(const char *o, const char *end, size_t n)
{
    return (size_t)(end - o) >= n;
}

/* The n bytes of lit (n a constant in generated code: a few moves). */
RP_LANE_PUT_INLINE char *rp_lane_put_lit(char *o, const char *lit, size_t n)
{
    memcpy(o, lit, n);
    return o + n;
}

/* "00" .. "99" (rp_lane_write.c). */
extern const char rp_lane_put_pairs[201];
/* 10^0 .. 10^19 (rp_lane_write.c). */
extern const uint64_t rp_lane_put_pow10[20];

/* Eight bytes as one little-endian word (gcc and clang). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RP_LANE_PUT_SWAR 1
#else
#define RP_LANE_PUT_SWAR 0
#endif

/* The room a lane checks for an integer of at most `width` characters: the helpers below
 * store whole words, so at least 8 bytes (9 after a '-'). */
#define RP_LANE_PUT_INT_ROOM(width, sign) ((width) > 8u + (sign) ? (width) : 8u + (sign))

/* The eight decimal digits of v < 10^8 (leading zeros included) as ASCII in one
 * little-endian word, the first digit in the lowest byte: the halves of 4 digits, the
 * pairs and the digits are split all at once by multiplies with reciprocals (exact for
 * these ranges: n / 100 = n * 10486 >> 20 below 10^4, n / 10 = n * 103 >> 10 below 100). */
RP_LANE_PUT_INLINE uint64_t rp_lane_put_digits8(uint64_t v)
{
    uint64_t x = v / 10000u | (v % 10000u) << 32;
    uint64_t y = (x * 10486u) >> 20 & 0x0000007F0000007Fu;
    x = y | (x - y * 100u) << 16;
    y = (x * 103u) >> 10 & 0x000F000F000F000Fu;
    x = y | (x - y * 10u) << 8;
    return x + 0x3030303030303030u;
}

/* The digits of v >= 10^4 (n of them) eight at a time (rp_lane_write.c: out of line, as
 * the short numbers are the many). */
char *rp_lane_put_u64_long(char *o, uint64_t v, unsigned n);

/* The decimal digits of v (1..20 of them) at o; the lane checked the room for
 * RP_LANE_PUT_INT_ROOM bytes (whole words are stored; what lies past the digits is written
 * over next). The count first (from the bit length, one compare to correct it); below
 * 10^4 two digits a step from the end, above eight at a time (rp_lane_put_digits8). */
RP_LANE_PUT_INLINE char *rp_lane_put_u64(char *o, uint64_t v)
{
    unsigned n = 1;
#if defined(__GNUC__) || defined(__clang__)
    unsigned t = (unsigned)(64 - __builtin_clzll(v | 1u)) * 1233u >> 12; /* ~ log10(2^bits) */
    n = t + 1u - ((v | 1u) < rp_lane_put_pow10[t]); /* 0 has one digit too */
#else
    for (uint64_t x = v; x >= 10u; x /= 10u)
        n++;
#endif
#if RP_LANE_PUT_SWAR
    if (v >= 10000u)
        return rp_lane_put_u64_long(o, v, n);
#endif
    char *e = o + n, *q = e;
    while (v >= 100u) {
        unsigned r = (unsigned)(v % 100u);
        v /= 100u;
        q -= 2;
        memcpy(q, rp_lane_put_pairs + 2 * r, 2);
    }
    if (v >= 10u) {
        memcpy(q - 2, rp_lane_put_pairs + 2 * v, 2);
    } else {
        q[-1] = (char)('0' + v);
    }
    return e;
}

/* A signed integer: a '-' and the digits of its magnitude (INT64_MIN included). */
RP_LANE_PUT_INLINE char *rp_lane_put_i64(char *o, int64_t v)
{
    if (v < 0) {
        *o++ = '-';
        return rp_lane_put_u64(o, (uint64_t)0 - (uint64_t)v);
    }
    return rp_lane_put_u64(o, (uint64_t)v);
}

RP_LANE_PUT_INLINE char *rp_lane_put_bool(char *o, bool v)
{
    if (v) {
        memcpy(o, "true", 4);
        return o + 4;
    }
    memcpy(o, "false", 5);
    return o + 5;
}

/* The value of an integer member of `size` bytes, as the table encoder reads it (for C
 * enums, whose size the compiler chooses; size is a constant, so this folds to one load). */
RP_LANE_PUT_INLINE uint64_t rp_lane_put_member_u(const void *p, size_t size)
{
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t d;
    switch (size) {
    case 1: memcpy(&a, p, 1); return a;
    case 2: memcpy(&b, p, 2); return b;
    case 4: memcpy(&c, p, 4); return c;
    default: memcpy(&d, p, 8); return d;
    }
}

RP_LANE_PUT_INLINE int64_t rp_lane_put_member_i(const void *p, size_t size)
{
    int8_t a;
    int16_t b;
    int32_t c;
    int64_t d;
    switch (size) {
    case 1: memcpy(&a, p, 1); return a;
    case 2: memcpy(&b, p, 2); return b;
    case 4: memcpy(&c, p, 4); return c;
    default: memcpy(&d, p, 8); return d;
    }
}

/* Every byte of s is allowed: allowed[b] is 1 (the decode lanes' byte tables) / bit
 * (b & 7) of bits[b >> 3] is set (the tables' charsets). false also for a length without
 * text (which the table encoder refuses). */
bool rp_lane_put_charset(rp_str s, const uint8_t allowed[256]);
bool rp_lane_put_charset_bits(rp_str s, const uint8_t bits[32]);

/* s is exactly text[0..n) (a constant). */
RP_LANE_PUT_INLINE bool rp_lane_put_str_is(rp_str s, const char *text, size_t n)
{
    return s.len == n && (n == 0 || (s.ptr != NULL && memcmp(s.ptr, text, n) == 0));
}

/* Copies n bytes; up to 16 with two overlapping fixed-size moves, which compilers emit
 * inline (most values are short, and a memcpy call would cost more than the copy). */
RP_LANE_PUT_INLINE void rp_lane_put_copy(char *d, const char *s, size_t n)
{
    if (n > 16) {
        memcpy(d, s, n);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n >= 2) {
        memcpy(d, s, 2);
        memcpy(d + n - 2, s + n - 2, 2);
    } else if (n == 1) {
        d[0] = s[0];
    }
}

/* s as a JSON string, when a charset check has just made sure that it is plain printable
 * ASCII without '"' or '\\': quotes around a copy. */
RP_LANE_PUT_INLINE char *rp_lane_put_plain(char *o, const char *end, rp_str s)
{
    if ((size_t)(end - o) < 2 || (size_t)(end - o) - 2 < s.len)
        return NULL;
    o[0] = '"';
    rp_lane_put_copy(o + 1, s.ptr, s.len);
    o[s.len + 1] = '"';
    return o + s.len + 2;
}

/* Nonzero when one of the 8 bytes of x is below 0x20, '"', '\\' or 0x80 and above. */
RP_LANE_PUT_INLINE uint64_t rp_lane_put_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = x ^ (ones * 0x22u), b = x ^ (ones * 0x5Cu);
    return (((x - ones * 0x20u) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & highs;
}

RP_LANE_PUT_INLINE uint64_t rp_lane_put_special8(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return rp_lane_put_special(x);
}

/* A string value: when every byte is printable ASCII other than '"' and '\\', quotes around
 * a copy; else escaped as rp_json_write_string does (NULL when its UTF-8 is not valid, when
 * it does not fit, or for a length without text). Out of line: it loops, and a message
 * has many strings. */
char *rp_lane_put_string(char *o, const char *end, rp_str s);

/* Bytes as a JSON string of uppercase hex / of padded standard base64 (the table encoder's
 * text); NULL when it does not fit or for a length without data. */
char *rp_lane_put_hex(char *o, const char *end, rp_bytes b);
char *rp_lane_put_base64(char *o, const char *end, rp_bytes b);

/* After a lane wrote buf[0..end): what rp_schema_encode does on success (a NUL after the
 * text when it fits, the length, the error cleared). Returns 0. */
int rp_lane_put_done(char *buf, const char *end, size_t cap, size_t *out_len, rp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* RP_LANE_WRITE_H */
