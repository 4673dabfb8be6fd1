/* rp_lane.c — the loops of the generated decode lanes. See rp_lane.h. */
#include "rp_lane.h"

#include "rp_codec.h"
#include "rp_json_internal.h"

#if defined(__SSE2__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define RP_LANE_SSE2 1
#else
#define RP_LANE_SSE2 0
#endif

const uint64_t rp_lane_pow10[9] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u
};

/* Offset of the first byte at or after i (i <= len) that is not plain string content (a
 * quote, a backslash, a control byte or a byte >= 0x80), or len. Sixteen bytes a step
 * with SSE2 (one signed compare finds both the control bytes and those >= 0x80), then
 * rpj_skip_plain's eight. */
static inline size_t lane_skip_plain(const unsigned char *b, size_t i, size_t len)
{
#if RP_LANE_SSE2
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i odd = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                   _mm_cmplt_epi8(v, space));
        unsigned m = (unsigned)_mm_movemask_epi8(odd);
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    return rpj_skip_plain(b, i, len);
}

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
        i = lane_skip_plain(b, i, len);
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
    if (n <= 16)
        rpj_copy_small(dst, (const char *)b + 1, n);
    else
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
    /* hex strings are short (keys, tokens): scanning inline beats a memchr call */
    const unsigned char *b = ln->p;
    size_t len = (size_t)(ln->end - b), n;
    if (len == 0 || b[0] != '"')
        return false;
    size_t q = lane_skip_plain(b, 1, len);
    if (q >= len || b[q] != '"')
        return false; /* a backslash or a byte no digit can be: the walk's to explain */
    const char *s = (const char *)b + 1;
    size_t raw = q - 1;
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

bool rp_lane_charset(rp_str s, const uint8_t allowed[256])
{
    /* no early exit: the answer is almost always yes, and an AND a byte is all it costs */
    const unsigned char *p = (const unsigned char *)s.ptr;
    unsigned ok = 1, ok2 = 1;
    size_t i = 0;
    for (; i + 2 <= s.len; i += 2) {
        ok &= allowed[p[i]];
        ok2 &= allowed[p[i + 1]];
    }
    if (i < s.len)
        ok &= allowed[p[i]];
    return (ok & ok2) != 0;
}
