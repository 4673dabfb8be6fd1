/* peer_util.c: helpers the peer decoders/encoders share (see peer_util.h). */
#include "peer_util.h"

#include <string.h>

int peer_copy_str(peer_store *s, const char *p, size_t n, rp_str *out)
{
    if (n + 1 > s->cap - s->used)
        return -1;
    char *d = (char *)s->base + s->used;
    memcpy(d, p, n);
    d[n] = '\0';
    s->used += n + 1;
    out->ptr = d;
    out->len = n;
    return 0;
}

uint8_t *peer_reserve(peer_store *s, size_t n)
{
    if (n > s->cap - s->used)
        return NULL;
    uint8_t *d = s->base + s->used;
    s->used += n;
    return d;
}

static bool in_class(unsigned char c, const char *extra)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr(extra, c) != NULL;
}

bool peer_charset_client_id(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!in_class((unsigned char)s[i], "_@#.-"))
            return false;
    return true;
}

bool peer_charset_version(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!in_class((unsigned char)s[i], ".-"))
            return false;
    return true;
}

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long peer_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 != 0)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + (size_t)k];
            if (c == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad != 0 || (v[k] = b64_val(c)) < 0) {
                return -1;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t take = (size_t)(3 - pad);
        if (o + take > cap)
            return -1;
        out[o++] = (uint8_t)(w >> 16);
        if (take > 1) out[o++] = (uint8_t)(w >> 8);
        if (take > 2) out[o++] = (uint8_t)w;
    }
    return (long)o;
}

size_t peer_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_chars[w >> 18];
        out[o++] = b64_chars[(w >> 12) & 63];
        out[o++] = b64_chars[(w >> 6) & 63];
        out[o++] = b64_chars[w & 63];
    }
    if (i < n) {
        uint32_t w = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = b64_chars[w >> 18];
        out[o++] = b64_chars[(w >> 12) & 63];
        out[o++] = i + 1 < n ? b64_chars[(w >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long peer_hex_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int h = hex_val((unsigned char)in[i]), l = hex_val((unsigned char)in[i + 1]);
        if (h < 0 || l < 0)
            return -1;
        out[i / 2] = (uint8_t)(h << 4 | l);
    }
    return (long)(n / 2);
}

void peer_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}
