/* rp_layer_json: the innermost layer, the message text itself. Opening checks only that it
 * starts like JSON; the generated codec reads it. Core only. */
#include "rp_layer.h"

static size_t json_max(const rp_envelope_desc *env, const rp_layer_desc *l, size_t n,
                       size_t id_len)
{
    (void)env;
    (void)l;
    (void)id_len;
    return n;
}

static int json_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                     uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                     rp_error *why)
{
    (void)run;
    (void)buf;
    (void)cap;
    *res = NULL;
    *res_len = 0;
    size_t i = 0;
    while (i < len && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r')) i++;
    if (i >= len || (in[i] != '{' && in[i] != '['))
        return rp_error_set(why, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, i,
                            "%s layer: the text does not start like JSON ('{' or '[') at "
                            "offset %zu",
                            l->ops->name, i);
    *res = in;
    *res_len = len;
    return RP_OK;
}

/* No seal function: the engine takes the plaintext as this layer's text. */
const rp_layer_ops rp_layer_json = {
    .name = "json",
    .shape = RP_SHAPE_JSON,
    .flags = RP_LAYER_F_VIEW,
    .sealed_max = json_max,
    .open = json_open,
};
