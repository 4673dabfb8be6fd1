/* Helpers shared by the rp_json source files; not part of the public API. */
#ifndef RP_JSON_INTERNAL_H
#define RP_JSON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

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

/* Byte classes for the string scanner and writer. */
extern const uint8_t rpj_plain_string_byte[256];  /* 1: printable ASCII other than " and \ */

#endif /* RP_JSON_INTERNAL_H */
