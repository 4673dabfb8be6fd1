/* rp_layer_hex: hex(X): lowercase hex out, either case in; decoded in place. Core only. */
#include "rp_layer.h"

#include "rp_codec.h"

static size_t hex_max(const rp_envelope_desc *env, const rp_layer_desc *l, size_t n,
                      size_t id_len)
{
    (void)env;
    (void)l;
    (void)id_len;
    return n > SIZE_MAX / 2 ? SIZE_MAX : 2 * n;
}

static int hex_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                    rp_error *why)
{
    (void)run;
    (void)l;
    uint8_t *dst;
    size_t dcap;
    rp_layer_dst(in, buf, cap, &dst, &dcap);
    size_t n = 0;
    int rc = rp_hex_decode((const char *)in, len, dst, dcap, &n, why);
    *res = dst;
    *res_len = rc == RP_OK ? n : (len / 2 < dcap ? len / 2 : dcap);
    return rc;
}

static int hex_seal(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *dst, size_t cap, size_t *out_len, rp_error *why)
{
    (void)run;
    (void)l;
    return rp_hex_encode(in, len, RP_HEX_LOWER, (char *)dst, cap, out_len, why);
}

const rp_layer_ops rp_layer_hex = {
    .name = "hex",
    .shape = RP_SHAPE_HEX,
    .flags = RP_LAYER_F_IN_PLACE,
    .sealed_max = hex_max,
    .open = hex_open,
    .seal = hex_seal,
};
