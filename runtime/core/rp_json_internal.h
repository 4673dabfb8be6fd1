/* Helpers shared by the rp_json source files; not part of the public API. */
#ifndef RP_JSON_INTERNAL_H
#define RP_JSON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Length (2..4) of the well-formed UTF-8 sequence starting at p[0] (a byte >= 0x80) with
 * avail bytes available, or 0 when it is not well-formed; then *why says why. */
size_t rpj_utf8_seq(const unsigned char *p, size_t avail, const char **why);

/* Value of 4 hex digits at p (all validated by the caller), or -1 if one is not hex. */
long rpj_hex4(const char *p);

/* Encodes code point cp (<= 0x10FFFF, not a surrogate) as UTF-8 into out; returns 1..4. */
size_t rpj_utf8_put(uint32_t cp, char out[4]);

/* Decodes the escape sequence at p (pointing at the backslash) of an already validated
 * string into out; *adv gets the number of input bytes used (2, 6 or 12). Returns the
 * number of output bytes (1..4). */
size_t rpj_unescape_one(const char *p, char out[4], size_t *adv);

#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RPJ_SWAR_CTZ 1
#else
#define RPJ_SWAR_CTZ 0
#endif

/* Nonzero when any of the 8 bytes at p needs a closer look in a string: below 0x20, '"',
 * '\\' or 0x80 and above. Classic SWAR tests; exact for "any", which is all we need. */
static inline uint64_t rpj_swar_special(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t lt = (x - ones * 0x20u) & ~x;
    uint64_t q = x ^ (ones * 0x22u);
    uint64_t bs = x ^ (ones * 0x5Cu);
    q = (q - ones) & ~q;
    bs = (bs - ones) & ~bs;
    return (lt | q | bs | x) & highs;
}

/* Byte classes for the string scanner and writer. */
extern const uint8_t rpj_plain_string_byte[256];  /* 1: printable ASCII other than " and \ */

/* Offset of the first byte at or after i (i <= len) that is not plain string content
 * (a quote, a backslash, a control byte or a byte >= 0x80), or len if there is none.
 * Eight bytes at a time while they are all plain, then byte by byte (only the latter at
 * -Os: the same offset, in less code). */
static inline size_t rpj_skip_plain(const unsigned char *b, size_t i, size_t len)
{
#if !defined(__OPTIMIZE_SIZE__)
    while (len - i >= 8) {
        uint64_t m = rpj_swar_special(b + i);
        if (m == 0) {
            i += 8;
            continue;
        }
#if RPJ_SWAR_CTZ
        /* Little-endian: the lowest flagged byte is exactly the first special one
         * (false positives of the SWAR tests only appear above a true hit). */
        i += (size_t)__builtin_ctzll(m) >> 3;
#endif
        break;
    }
#endif
    while (i < len && rpj_plain_string_byte[b[i]])
        i++;
    return i;
}

/* Copies n <= 16 bytes with two overlapping fixed-size moves, which compilers emit inline:
 * most pieces of JSON are a few bytes and a memcpy call would cost more than the copy.
 * At -Os the memcpy call is the smaller code. */
static inline void rpj_copy_small(char *d, const char *s, size_t n)
{
#if defined(__OPTIMIZE_SIZE__)
    memcpy(d, s, n);
#else
    if (n >= 8) {
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
#endif
}

/* The escape JSON requires for byte c, written to out: \" \\ \b \f \n \r \t by name,
 * other control bytes as \u00XX (uppercase hex). Returns its length, 2 or 6, or 0 when c
 * is written as it is. The JSON writer and the encode lane's writer escape with it. */
static inline size_t rpj_escape_byte(char out[6], unsigned char c)
{
    static const char named[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
    static const char hexd[] = "0123456789ABCDEF";
    const char *sp = memchr(named, c, sizeof named - 1); /* c == 0 is not among them */
    out[0] = '\\';
    if (sp != NULL) {
        out[1] = letter[sp - named];
        return 2;
    }
    if (c >= 0x20)
        return 0;
    memcpy(out + 1, "u00", 3);
    out[4] = hexd[c >> 4];
    out[5] = hexd[c & 15];
    return 6;
}

/* "00" "01" ... "99": two decimal digits a copy (rp_json_write.c). */
extern const char rpj_digit_pairs[201];

/* Writes the decimal digits of v so that they end at e; returns where they start (at most
 * 20 bytes before e). The JSON writer's integers and the table engine's fast lane. Two
 * digits a step from the table, except at -Os, where one a step is the smaller code. */
static inline char *rpj_digits_of(char *e, uint64_t v)
{
    char *q = e;
#if defined(__OPTIMIZE_SIZE__)
    do
        *--q = (char)('0' + v % 10u);
    while ((v /= 10u) != 0);
    return q;
#else
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100u);
        v /= 100u;
        q -= 2;
        memcpy(q, rpj_digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, rpj_digit_pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    return q;
#endif
}

#endif /* RP_JSON_INTERNAL_H */
