/* rp_codec: base64 and hex. See rp_codec.h. */
#include "rp_codec.h"

#include <stdbool.h>
#include <string.h>

static const char b64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of a base64 letter, or -1 for anything outside the alphabet ('=' included). */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void set_len(size_t *out_len, size_t v)
{
    if (out_len) *out_len = v;
}

int rp_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len,
                     rp_error *err)
{
    set_len(out_len, 0);
    if ((in == NULL && len > 0) || (out == NULL && cap > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_BASE64, SIZE_MAX,
                            "base64 encode: NULL buffer");
    /* (len + 2) / 3 * 4 would overflow for absurd sizes; refuse before computing it. */
    if (len > (SIZE_MAX / 4u) * 3u - 3u)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_BASE64, SIZE_MAX,
                            "base64 encode: input of %zu bytes is too large", len);
    size_t need = RP_BASE64_ENCODED_LEN(len);
    if (cap < need + 1)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_BASE64, SIZE_MAX,
                            "base64 encode: output needs %zu bytes, buffer has %zu", need + 1,
                            cap);
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    set_len(out_len, o);
    return RP_OK;
}

/* Crypto++ BaseN_Decoder semantics: skip non-alphabet bytes, emit every completed byte,
 * drop the trailing bits that do not complete one. */
static int b64_decode_lenient(const char *in, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len, rp_error *err)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0) continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_BASE64, i,
                                    "base64 decode: output buffer of %zu bytes is too small",
                                    cap);
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    set_len(out_len, o);
    return RP_OK;
}

static int b64_decode_strict(const char *in, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, rp_error *err)
{
    /* A foreign byte is the more useful report than a length that is off because of it. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '=' || b64_value(c) >= 0) continue;
        if (c >= 0x20 && c < 0x7f)
            return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, i,
                                "base64: invalid character '%c' at offset %zu", c, i);
        return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, i,
                            "base64: invalid byte 0x%02x at offset %zu", c, i);
    }
    if (len % 4 != 0)
        return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, len,
                            "base64: length %zu is not a multiple of 4", len);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = (i + 4 == len);
        int v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && last && k >= 2) {
                /* '=' only in the final group, only at positions 3 and 4, and "x=y" is
                 * not allowed: once padding starts, it continues to the end. */
                pad++;
                v[k] = 0;
                continue;
            }
            if (pad > 0)
                return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, i + k,
                                    "base64: data after padding at offset %zu", i + k);
            if ((v[k] = b64_value(c)) < 0) {
                if (c == '=')
                    return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, i + k,
                                        "base64: misplaced padding '=' at offset %zu", i + k);
                if (c >= 0x20 && c < 0x7f)
                    return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, i + k,
                                        "base64: invalid character '%c' at offset %zu", c,
                                        i + k);
                return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, i + k,
                                    "base64: invalid byte 0x%02x at offset %zu", c, i + k);
            }
        }
        uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) |
                     (uint32_t)v[3];
        size_t n = 3 - pad;
        /* Canonical form: the bits a padded group leaves unused must be zero. */
        if ((pad == 1 && (w & 0xffu) != 0) || (pad == 2 && (w & 0xffffu) != 0))
            return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, i + 3 - pad,
                                "base64: non-zero padding bits at offset %zu", i + 3 - pad);
        if (cap - o < n)
            return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_BASE64, i,
                                "base64 decode: output buffer of %zu bytes is too small", cap);
        out[o++] = (uint8_t)(w >> 16);
        if (n > 1) out[o++] = (uint8_t)(w >> 8);
        if (n > 2) out[o++] = (uint8_t)w;
    }
    set_len(out_len, o);
    return RP_OK;
}

int rp_base64_decode(const char *in, size_t len, rp_base64_mode mode, uint8_t *out, size_t cap,
                     size_t *out_len, rp_error *err)
{
    set_len(out_len, 0);
    if ((in == NULL && len > 0) || (out == NULL && cap > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_BASE64, SIZE_MAX,
                            "base64 decode: NULL buffer");
    int rc = mode == RP_BASE64_LENIENT ? b64_decode_lenient(in, len, out, cap, out_len, err)
                                       : b64_decode_strict(in, len, out, cap, out_len, err);
    if (rc != RP_OK) set_len(out_len, 0);
    return rc;
}

int rp_hex_encode(const uint8_t *in, size_t len, rp_hex_case hcase, char *out, size_t cap,
                  size_t *out_len, rp_error *err)
{
    static const char lower[] = "0123456789abcdef";
    static const char upper[] = "0123456789ABCDEF";
    set_len(out_len, 0);
    if ((in == NULL && len > 0) || (out == NULL && cap > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_HEX, SIZE_MAX,
                            "hex encode: NULL buffer");
    if (len > (SIZE_MAX - 1) / 2 || cap < len * 2 + 1)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_HEX, SIZE_MAX,
                            "hex encode: output needs %zu bytes, buffer has %zu",
                            len > (SIZE_MAX - 1) / 2 ? SIZE_MAX : len * 2 + 1, cap);
    const char *digits = hcase == RP_HEX_UPPER ? upper : lower;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
    set_len(out_len, 2 * len);
    return RP_OK;
}

int rp_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                  rp_error *err)
{
    set_len(out_len, 0);
    if ((in == NULL && len > 0) || (out == NULL && cap > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_HEX, SIZE_MAX,
                            "hex decode: NULL buffer");
    for (size_t i = 0; i < len; i++) {
        if (hex_value((unsigned char)in[i]) < 0) {
            unsigned char c = (unsigned char)in[i];
            if (c >= 0x20 && c < 0x7f)
                return rp_error_set(err, RP_E_HEX, RP_LAYER_HEX, i,
                                    "hex: invalid character '%c' at offset %zu", c, i);
            return rp_error_set(err, RP_E_HEX, RP_LAYER_HEX, i,
                                "hex: invalid byte 0x%02x at offset %zu", c, i);
        }
    }
    if (len % 2 != 0)
        return rp_error_set(err, RP_E_HEX, RP_LAYER_HEX, len,
                            "hex: odd length %zu (a digit is missing at the end)", len);
    if (cap < len / 2)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_HEX, SIZE_MAX,
                            "hex decode: output needs %zu bytes, buffer has %zu", len / 2, cap);
    for (size_t i = 0; i < len; i += 2)
        out[i / 2] = (uint8_t)((hex_value((unsigned char)in[i]) << 4) |
                               hex_value((unsigned char)in[i + 1]));
    set_len(out_len, len / 2);
    return RP_OK;
}
