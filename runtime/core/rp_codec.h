/* rp_codec: base64 (RFC 4648 standard alphabet) and hex, into caller buffers.
 *
 * Output side is always canonical: base64 is padded, one line, no line breaks; hex is the
 * case the caller asks for. Input side:
 *   - base64 STRICT  : RFC 4648 exactly: length a multiple of 4, '=' only as final padding,
 *                      no other bytes, pad bits zero. Errors name the offending offset.
 *   - base64 LENIENT : every byte outside the 64-letter alphabet (whitespace, '\n' of
 *                      76-column wrapping, '=', ':' ...) is skipped; the remaining letters
 *                      are decoded as a bit stream and trailing bits that do not fill a byte
 *                      are dropped (as Crypto++'s Base64Decoder does). Never fails on
 *                      content (only on a too-small output buffer).
 *   - hex            : upper or lower case (mixed too); even length; errors name the offset.
 *
 * No function allocates. Every function accepts len == 0 (empty in, empty out). `in` may be
 * NULL only when its length is 0. `out_len` may be NULL when the caller does not need it.
 * On failure nothing useful is in `out` (it may be partly written) and *out_len is 0.
 */
#ifndef RP_CODEC_H
#define RP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Exact length of the base64 text for n input bytes (without the NUL). */
#define RP_BASE64_ENCODED_LEN(n) ((((n) + 2u) / 3u) * 4u)
/* An upper bound of the bytes decoded from n base64 characters (any mode). */
#define RP_BASE64_DECODED_MAX(n) ((((n) + 3u) / 4u) * 3u)
/* Exact length of the hex text for n bytes (without the NUL). */
#define RP_HEX_ENCODED_LEN(n) ((n) * 2u)

typedef enum rp_base64_mode {
    RP_BASE64_STRICT = 0,  /* RFC 4648 §4, canonical, nothing skipped */
    RP_BASE64_LENIENT = 1  /* Crypto++ compatible: non-alphabet bytes skipped */
} rp_base64_mode;

typedef enum rp_hex_case {
    RP_HEX_LOWER = 0,
    RP_HEX_UPPER = 1
} rp_hex_case;

/* Encodes in[0..len) as padded base64 into out and NUL-terminates it.
 * cap must be >= RP_BASE64_ENCODED_LEN(len) + 1, else RP_E_OVERFLOW (nothing written).
 * in may lie inside out at exactly out + RP_BASE64_ENCODED_LEN(len) - len (the bytes at the
 * end of the text they become: encoding forward never overtakes its input, since each group
 * of 3 bytes is read before its 4 letters are written); any other overlap is not allowed.
 * *out_len (optional) receives the text length without the NUL. */
RP_CHECK_RESULT int rp_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap,
                                     size_t *out_len, rp_error *err);

/* Decodes base64 text in[0..len) into out[0..cap). cap >= RP_BASE64_DECODED_MAX(len) always
 * suffices; a smaller cap works when the result fits (RP_E_OVERFLOW otherwise).
 * STRICT errors are RP_E_BASE64 with err->offset = the offset of the bad byte in `in`
 * (or `len` for a truncated final group). LENIENT never returns RP_E_BASE64.
 * out may be the same memory as in (decoding in place: bytes never overtake the letters they
 * come from); any other overlap is not allowed. */
RP_CHECK_RESULT int rp_base64_decode(const char *in, size_t len, rp_base64_mode mode,
                                     uint8_t *out, size_t cap, size_t *out_len, rp_error *err);

/* Encodes in[0..len) as hex (two characters per byte) in the given case and NUL-terminates.
 * cap must be >= RP_HEX_ENCODED_LEN(len) + 1, else RP_E_OVERFLOW. */
RP_CHECK_RESULT int rp_hex_encode(const uint8_t *in, size_t len, rp_hex_case hcase, char *out,
                                  size_t cap, size_t *out_len, rp_error *err);

/* Decodes hex text (either case) in[0..len) into out[0..cap); needs cap >= len / 2. out may
 * be the same memory as in (decoding in place: each byte is written after the two digits it
 * comes from are read); any other overlap is not allowed.
 * RP_E_HEX with err->offset = offset of the first non-hex character, or `len` when the
 * length is odd. */
RP_CHECK_RESULT int rp_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                                  size_t *out_len, rp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* RP_CODEC_H */
