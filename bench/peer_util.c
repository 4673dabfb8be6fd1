/* peer_util.c: helpers the peer decoders/encoders share (see peer_util.h). */
#include "peer_util.h"

#include <string.h>

#include "rp_codec.h"

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

/* base64 and hex through the runtime's own routines (rp_codec.h): the peers then pay exactly
 * what ours pays for the bytes, and the comparison measures the JSON libraries. */
long peer_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    size_t got = 0;
    if (rp_base64_decode(in, n, RP_BASE64_STRICT, out, cap, &got, NULL) < 0)
        return -1;
    return (long)got;
}

size_t peer_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t got = 0;
    if (rp_base64_encode(in, n, out, RP_BASE64_ENCODED_LEN(n) + 1, &got, NULL) < 0)
        return 0; /* cannot happen: the capacity is exact */
    return got;
}

long peer_hex_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    size_t got = 0;
    if (rp_hex_decode(in, n, out, cap, &got, NULL) < 0)
        return -1;
    return (long)got;
}

void peer_hex_encode(const uint8_t *in, size_t n, char *out)
{
    if (rp_hex_encode(in, n, RP_HEX_UPPER, out, 2 * n + 1, NULL, NULL) < 0)
        out[0] = '\0'; /* cannot happen: the capacity is exact */
}
