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

#endif /* RP_JSON_INTERNAL_H */
