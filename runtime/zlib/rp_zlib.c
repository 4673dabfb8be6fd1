/* rp_zlib: bounded zlib deflate/inflate. See rp_zlib.h. */
#include "rp_zlib.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include <zlib.h>

/* zlib counts in uInt; we feed it in slices so any size_t length works. */
#define SLICE ((size_t)UINT_MAX)

size_t rp_zlib_deflate_bound(size_t len)
{
    /* compressBound works on uLong; for huge inputs add the stored-block overhead by hand
     * (5 bytes per 16 KiB block + header/trailer), which is what compressBound computes. */
    if (len <= (size_t)ULONG_MAX / 2) return (size_t)compressBound((uLong)len);
    return len + (len >> 12) + (len >> 14) + (len >> 25) + 13;
}

int rp_zlib_deflate(const uint8_t *in, size_t len, int level, uint8_t *out, size_t cap,
                    size_t *out_len, rp_error *err)
{
    if (out_len) *out_len = 0;
    if ((in == NULL && len > 0) || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ZLIB, SIZE_MAX,
                            "deflate: NULL buffer");
    if (level < -1 || level > 9)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ZLIB, SIZE_MAX,
                            "deflate: level %d is not -1..9", level);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* deflateInit (not deflateInit2 with a gzip/raw window) writes the RFC 1950 wrapper. */
    if (deflateInit(&zs, level) != Z_OK)
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_ZLIB, SIZE_MAX, "deflateInit failed");
    static const uint8_t no_input = 0; /* constant, not state: stands in for NULL, len 0 */
    size_t in_left = len, out_left = cap;
    const uint8_t *ip = in != NULL ? in : &no_input;
    uint8_t *op = out;
    int zr;
    do {
        size_t a = in_left < SLICE ? in_left : SLICE;
        size_t b = out_left < SLICE ? out_left : SLICE;
        zs.next_in = (Bytef *)(uintptr_t)ip; /* zlib's API is not const-correct */
        zs.avail_in = (uInt)a;
        zs.next_out = op;
        zs.avail_out = (uInt)b;
        zr = deflate(&zs, a == in_left ? Z_FINISH : Z_NO_FLUSH);
        size_t used_in = a - zs.avail_in, used_out = b - zs.avail_out;
        ip += used_in;
        in_left -= used_in;
        op += used_out;
        out_left -= used_out;
        if (zr == Z_STREAM_END) break;
        if ((zr != Z_OK && zr != Z_BUF_ERROR) || (out_left == 0 && zr != Z_STREAM_END)) {
            deflateEnd(&zs);
            if (out_left == 0)
                return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_ZLIB, SIZE_MAX,
                                    "deflate: output buffer of %zu bytes is too small", cap);
            return rp_error_set(err, RP_E_ZLIB, RP_LAYER_ZLIB, SIZE_MAX,
                                "deflate failed (%d)", zr);
        }
        if (zr == Z_BUF_ERROR && used_in == 0 && used_out == 0) {
            deflateEnd(&zs);
            return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_ZLIB, SIZE_MAX,
                                "deflate: output buffer of %zu bytes is too small", cap);
        }
    } while (1);
    deflateEnd(&zs);
    if (out_len) *out_len = cap - out_left;
    return RP_OK;
}

int rp_zlib_inflate(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                    rp_error *err)
{
    if (out_len) *out_len = 0;
    if ((in == NULL && len > 0) || (out == NULL && cap > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ZLIB, SIZE_MAX,
                            "inflate: NULL buffer");
    if (len >= 2 && in[0] == 0x1f && in[1] == 0x8b)
        return rp_error_set(err, RP_E_ZLIB, RP_LAYER_ZLIB, 0,
                            "gzip stream (1f 8b): only zlib (RFC 1950) streams are accepted");
    /* RFC 1950 header: CM = 8 (deflate) and CMF*256 + FLG a multiple of 31. Checked here only
     * to name the problem precisely; zlib checks it again. */
    if (len >= 2 && ((in[0] & 0x0f) != 8 || (((unsigned)in[0] << 8) | in[1]) % 31 != 0))
        return rp_error_set(err, RP_E_ZLIB, RP_LAYER_ZLIB, 0,
                            "not a zlib stream: bad RFC 1950 header %02x %02x (raw deflate or "
                            "other data?)",
                            in[0], in[1]);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* inflateInit, like the server: zlib wrapper required, so raw deflate and gzip fail on
     * the header check. */
    if (inflateInit(&zs) != Z_OK)
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_ZLIB, SIZE_MAX, "inflateInit failed");
    /* One spare byte of output beyond cap tells "exactly cap" from "more than cap" without
     * writing past the caller's buffer: we inflate into a 1-byte probe once out is full. */
    static const uint8_t no_input = 0; /* constant, not state: stands in for NULL, len 0 */
    size_t in_left = len, out_left = cap;
    const uint8_t *ip = in != NULL ? in : &no_input;
    uint8_t *op = out;
    uint8_t probe;
    int zr;
    for (;;) {
        size_t a = in_left < SLICE ? in_left : SLICE;
        bool full = out_left == 0;
        size_t b = full ? 1 : (out_left < SLICE ? out_left : SLICE);
        zs.next_in = (Bytef *)(uintptr_t)ip;
        zs.avail_in = (uInt)a;
        zs.next_out = full ? &probe : op;
        zs.avail_out = (uInt)b;
        zr = inflate(&zs, Z_NO_FLUSH);
        size_t used_in = a - zs.avail_in, used_out = b - zs.avail_out;
        ip += used_in;
        in_left -= used_in;
        if (full && used_out > 0) {
            inflateEnd(&zs);
            if (out_len) *out_len = cap;
            return rp_error_set(err, RP_E_ZLIB_BOUND, RP_LAYER_ZLIB, len - in_left,
                                "inflated data exceeds the bound of %zu bytes", cap);
        }
        if (used_out > 0) op += used_out; /* op may be NULL when cap is 0 */
        out_left -= used_out;
        if (zr == Z_STREAM_END) break;
        if (zr == Z_OK) continue;
        if (zr == Z_BUF_ERROR && in_left > 0 && used_in + used_out > 0) continue;
        const char *why = zs.msg ? zs.msg : "inflate error"; /* static string in zlib */
        inflateEnd(&zs);
        if (out_len) *out_len = cap - out_left;
        size_t off = len - in_left;
        if (zr == Z_BUF_ERROR)
            return rp_error_set(err, RP_E_ZLIB, RP_LAYER_ZLIB, off,
                                "zlib stream ends early at offset %zu (truncated)", off);
        return rp_error_set(err, RP_E_ZLIB, RP_LAYER_ZLIB, off,
                            "corrupt zlib stream at offset %zu: %s", off, why);
    }
    inflateEnd(&zs);
    if (out_len) *out_len = cap - out_left;
    if (in_left != 0)
        return rp_error_set(err, RP_E_ZLIB, RP_LAYER_ZLIB, len - in_left,
                            "%zu bytes after the end of the zlib stream (offset %zu)", in_left,
                            len - in_left);
    if (out_len) *out_len = cap - out_left;
    return RP_OK;
}
