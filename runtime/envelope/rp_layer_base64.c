/* rp_layer_base64: base64(X) and base64_lenient(X). Both seal padded standard base64 with no
 * line breaks. Opening, base64 takes the alphabet and '=' exactly as RFC 4648 wants them,
 * with ASCII whitespace allowed between characters (line-wrapped base64 of Java and
 * Crypto++); base64_lenient skips every byte outside the alphabet (Crypto++'s
 * Base64Decoder). Both decode in place. Core only. */
#include "rp_layer.h"

#include <string.h>

#include "rp_codec.h"

static size_t b64_max(const rp_envelope_desc *env, const rp_layer_desc *l, size_t n,
                      size_t id_len)
{
    (void)env;
    (void)l;
    (void)id_len;
    if (n > (SIZE_MAX / 4u - 1u) * 3u) return SIZE_MAX;
    return RP_BASE64_ENCODED_LEN(n);
}

static int b64_seal(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *dst, size_t cap, size_t *out_len, rp_error *why)
{
    (void)run;
    (void)l;
    return rp_base64_encode(in, len, (char *)dst, cap, out_len, why);
}

/* Offset in the original text of the k-th byte that is not whitespace. */
static size_t original_offset(const uint8_t *in, size_t len, size_t k)
{
    for (size_t i = 0; i < len; i++) {
        if (rp_layer_is_space(in[i])) continue;
        if (k-- == 0) return i;
    }
    return len;
}

static int b64_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                    rp_error *why)
{
    (void)run;
    (void)l;
    uint8_t *dst;
    size_t dcap;
    rp_layer_dst(in, buf, cap, &dst, &dcap);
    *res = dst;
    *res_len = 0;
    size_t spaces = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        if (rp_layer_is_space(c)) {
            spaces++;
        } else if (spaces > 0 && !rp_layer_is_b64(c) && c != '=') {
            /* named here, where the offset is still the input's (see below) */
            if (c >= 0x20 && c < 0x7f)
                return rp_error_set(why, RP_E_BASE64, RP_LAYER_BASE64, i,
                                    "base64: invalid character '%c' at offset %zu", c, i);
            return rp_error_set(why, RP_E_BASE64, RP_LAYER_BASE64, i,
                                "base64: invalid byte 0x%02x at offset %zu", c, i);
        }
    }
    size_t n = 0;
    if (spaces == 0) {
        int rc = rp_base64_decode((const char *)in, len, RP_BASE64_STRICT, dst, dcap, &n, why);
        *res_len = rc == RP_OK ? n : (RP_BASE64_DECODED_MAX(len) < dcap ? RP_BASE64_DECODED_MAX(len) : dcap);
        return rc;
    }
    /* Line breaks: the letters are moved together (forward, so over the input itself when
     * decoding in place), then decoded strictly; errors name the offset in the input. */
    size_t m = len - spaces;
    if (dcap < m)
        return rp_error_set(why, RP_E_OVERFLOW, RP_LAYER_BASE64, SIZE_MAX,
                            "base64: %zu characters need a buffer of as many bytes, it has %zu",
                            m, dcap);
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        if (!rp_layer_is_space(in[i])) dst[o++] = in[i];
    *res_len = m;
    rp_error e;
    int rc = rp_base64_decode((const char *)dst, m, RP_BASE64_STRICT, dst, dcap, &n, &e);
    if (rc == RP_E_BASE64) {
        /* Left: the padding or the length. The decoder counted letters only; its message is
         * re-told with the offset in the input, unless moving the letters over the input
         * lost where the spaces were. */
        char what[RP_ERROR_MESSAGE_MAX];
        const char *cut = strstr(e.message, " at offset ");
        size_t wl = cut != NULL ? (size_t)(cut - e.message) : strlen(e.message);
        memcpy(what, e.message, wl);
        what[wl] = '\0';
        if (in == dst)
            return rp_error_set(why, RP_E_BASE64, RP_LAYER_BASE64, e.offset,
                                "%s at letter %zu (whitespace not counted)", what, e.offset);
        size_t at = original_offset(in, len, e.offset);
        return rp_error_set(why, RP_E_BASE64, RP_LAYER_BASE64, at, "%s at offset %zu", what, at);
    }
    if (rc != RP_OK) {
        if (why != NULL) *why = e;
        return rc;
    }
    *res_len = n;
    return RP_OK;
}

static int b64l_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                     uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                     rp_error *why)
{
    (void)run;
    (void)l;
    uint8_t *dst;
    size_t dcap;
    rp_layer_dst(in, buf, cap, &dst, &dcap);
    size_t n = 0;
    int rc = rp_base64_decode((const char *)in, len, RP_BASE64_LENIENT, dst, dcap, &n, why);
    *res = dst;
    *res_len = rc == RP_OK ? n : (RP_BASE64_DECODED_MAX(len) < dcap ? RP_BASE64_DECODED_MAX(len) : dcap);
    return rc;
}

const rp_layer_ops rp_layer_base64 = {
    .name = "base64",
    .shape = RP_SHAPE_BASE64,
    .flags = RP_LAYER_F_IN_PLACE,
    .sealed_max = b64_max,
    .open = b64_open,
    .seal = b64_seal,
};

const rp_layer_ops rp_layer_base64_lenient = {
    .name = "base64_lenient",
    .shape = RP_SHAPE_ANY,
    .flags = RP_LAYER_F_IN_PLACE,
    .sealed_max = b64_max,
    .open = b64l_open,
    .seal = b64_seal,
};
