/* rp_lane.c — the loops of the generated decode lanes. See rp_lane.h. */
#include "rp_lane.h"

#include "rp_codec.h"
#include "rp_json_internal.h"

/* rp_arena_alloc(a, n, 1) inline: byte alignment needs no padding. */
static inline void *lane_alloc(rp_arena *a, size_t n)
{
    if (a->base == NULL || a->used > a->cap || n > a->cap - a->used)
        return NULL;
    void *p = a->base + a->used;
    a->used += n;
    return p;
}

bool rp_lane_string(rp_lane *ln, rp_str *out)
{
    const unsigned char *b = ln->p;
    size_t len = (size_t)(ln->end - b), i = 1;
    if (len == 0 || b[0] != '"')
        return false;
    for (;;) {
        i = rpj_skip_plain(b, i, len);
        if (i >= len)
            return false;
        if (b[i] == '"')
            break;
        if (b[i] < 0x80)
            return false; /* an escape or a control byte: the walk unescapes or refuses */
        const char *why;
        size_t n = rpj_utf8_seq(b + i, len - i, &why);
        if (n == 0)
            return false;
        i += n;
    }
    size_t n = i - 1;
    char *dst = lane_alloc(ln->storage, n + 1);
    if (dst == NULL)
        return false;
    if (n > 0)
        memcpy(dst, b + 1, n);
    dst[n] = '\0';
    out->ptr = dst;
    out->len = n;
    ln->p = b + i + 1;
    return true;
}

/* The letters between the quotes at ln->p: their start and count, or false. Neither
 * alphabet has '"' or '\\', so the first quote ends the string (an escape before it makes
 * the decoder refuse the backslash). */
static bool lane_quoted(const rp_lane *ln, const char **s, size_t *n)
{
    const unsigned char *b = ln->p;
    size_t len = (size_t)(ln->end - b);
    if (len == 0 || b[0] != '"')
        return false;
    const unsigned char *q = memchr(b + 1, '"', len - 1);
    if (q == NULL)
        return false;
    *s = (const char *)b + 1;
    *n = (size_t)(q - b) - 1;
    return true;
}

bool rp_lane_base64(rp_lane *ln, rp_bytes *out)
{
    const char *s;
    size_t raw, n;
    if (!lane_quoted(ln, &s, &raw))
        return false;
    size_t cap = RP_BASE64_DECODED_MAX(raw);
    uint8_t *dst = lane_alloc(ln->storage, cap + 1);
    if (dst == NULL || rp_base64_decode(s, raw, RP_BASE64_STRICT, dst, cap, &n, NULL) != 0)
        return false;
    dst[n] = 0;
    out->ptr = dst;
    out->len = n;
    ln->p += raw + 2;
    return true;
}

bool rp_lane_hex(rp_lane *ln, rp_bytes *out)
{
    const char *s;
    size_t raw, n;
    if (!lane_quoted(ln, &s, &raw))
        return false;
    size_t cap = raw / 2u;
    uint8_t *dst = lane_alloc(ln->storage, cap + 1);
    if (dst == NULL || rp_hex_decode(s, raw, dst, cap, &n, NULL) != 0)
        return false;
    dst[n] = 0;
    out->ptr = dst;
    out->len = n;
    ln->p += raw + 2;
    return true;
}

bool rp_lane_charset(rp_str s, const uint8_t charset[32])
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len; i++)
        if (!(charset[p[i] >> 3] & (1u << (p[i] & 7u))))
            return false;
    return true;
}
