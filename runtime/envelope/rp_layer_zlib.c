/* rp_layer_zlib: zlib(X): one zlib stream (RFC 1950) of the inner text. Opening inflates
 * into the other buffer, bounded by the caller's plaintext capacity (a zip bomb costs at
 * most that much); gzip and raw deflate are refused (rp_zlib.h). Needs zlib. */
#include "rp_layer.h"

#include "rp_zlib.h"

static size_t zlib_max(const rp_envelope_desc *env, const rp_layer_desc *l, size_t n,
                       size_t id_len)
{
    (void)env;
    (void)l;
    (void)id_len;
    if (n > ((size_t)1 << 30)) return SIZE_MAX; /* rp_zlib works in 32-bit slices below this */
    return rp_zlib_deflate_bound(n);
}

static int zlib_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                     uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                     rp_error *why)
{
    (void)l;
    /* The inflated text must still fit the caller's output with its NUL. */
    size_t bound = run->out_cap > 0 ? run->out_cap - 1 : 0;
    if (bound > cap) bound = cap;
    size_t n = 0;
    int rc = rp_zlib_inflate(in, len, buf, bound, &n, why);
    *res = buf;
    *res_len = n;
    return rc;
}

static int zlib_seal(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                     uint8_t *dst, size_t cap, size_t *out_len, rp_error *why)
{
    (void)l;
    int level = run->cx->zlib_level;
    if (level == 0) level = RP_ZLIB_DEFAULT_LEVEL;
    if (len > ((size_t)1 << 30))
        return rp_error_set(why, RP_E_LIMIT, RP_LAYER_ZLIB, SIZE_MAX,
                            "zlib: %zu bytes is too large to compress in one packet", len);
    return rp_zlib_deflate(in, len, level, dst, cap, out_len, why);
}

const rp_layer_ops rp_layer_zlib = {
    .name = "zlib",
    .shape = RP_SHAPE_ANY,
    .flags = 0,
    .sealed_max = zlib_max,
    .open = zlib_open,
    .seal = zlib_seal,
};
