/* rp_zlib: zlib (RFC 1950: 2-byte header, deflate data, Adler-32) compression into caller
 * buffers, for the zlib envelope layer (rp_layer_zlib.c).
 *
 * Only zlib-wrapped streams are valid (what inflateInit() accepts): gzip (1f 8b ...) and raw
 * deflate are refused with RP_E_ZLIB. Inflate has a hard output bound: the caller's capacity. A stream that would produce more
 * stops exactly there with RP_E_ZLIB_BOUND — no allocation grows with the input, so a zip
 * bomb costs at most `cap` bytes of the caller's memory.
 */
#ifndef RP_ZLIB_H
#define RP_ZLIB_H

#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_ZLIB_DEFAULT_LEVEL (-1) /* Z_DEFAULT_COMPRESSION: header 78 9C */
#define RP_ZLIB_BEST_LEVEL 9       /* Z_BEST_COMPRESSION: header 78 DA */

/* Worst-case size of rp_zlib_deflate's output for len input bytes (zlib's compressBound). */
size_t rp_zlib_deflate_bound(size_t len);

/* Compresses in[0..len) as one zlib stream at level -1 (default) or 0..9 (RP_E_ARGUMENT
 * otherwise) into out[0..cap). cap >= rp_zlib_deflate_bound(len) always suffices; smaller
 * caps work when the result fits (RP_E_OVERFLOW otherwise). in may be NULL when len is 0.
 * Allocates only zlib's internal state (freed before return). */
RP_CHECK_RESULT int rp_zlib_deflate(const uint8_t *in, size_t len, int level, uint8_t *out,
                                    size_t cap, size_t *out_len, rp_error *err);

/* Inflates exactly one zlib stream in[0..len) into out[0..cap). cap is the hard bound:
 * output beyond it is RP_E_ZLIB_BOUND (err->offset = input bytes consumed so far).
 * RP_E_ZLIB (with the input offset) for gzip, raw deflate, a bad header, corrupt data, a bad
 * Adler-32, a stream that ends early, or bytes after the end of the stream. out_len may be
 * NULL. On failure out may hold partial output: *out_len then says how many bytes of out
 * were written (the caller wipes them if it matters). */
RP_CHECK_RESULT int rp_zlib_inflate(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                                    size_t *out_len, rp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* RP_ZLIB_H */
