/* rp_lane.c — the loops of the generated decode lanes. See rp_lane.h. */
#include "rp_lane.h"

#include "rp_codec.h"
#include "rp_codec_internal.h"
#include "rp_json_internal.h"

const uint64_t rp_lane_pow10[9] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u
};

/* rp_arena_alloc(a, n, 1) inline: byte alignment needs no padding (and rp_lane_start made
 * sure there is a buffer and it is not overfull). */
static inline void *lane_alloc(rp_arena *a, size_t n)
{
    if (n > a->cap - a->used)
        return NULL;
    void *p = a->base + a->used;
    a->used += n;
    return p;
}

/* Where a value may be written in storage: the free bytes at its end (rp_lane_start made
 * sure there is a buffer and it is not overfull). The lanes write a value straight there
 * while they read it and take the bytes (exactly what rp_arena_alloc(n, 1) would hand out)
 * once it is whole. */
static inline size_t lane_room(const rp_arena *a, uint8_t **dst)
{
    *dst = a->base + a->used;
    return a->cap - a->used;
}

const unsigned char *rp_lane_string_at(const unsigned char *s, const unsigned char *end,
                                       rp_arena *storage, rp_str *out)
{
    uint8_t *dst;
    size_t room, n = 0;
    if (s == end || *s != '"')
        return NULL;
    room = lane_room(storage, &dst);
    s++;
    for (;;) {
#if RP_CODEC_SSE2
        /* 16 bytes copied, then looked at: a quote, a backslash, a control byte or a byte
         * >= 0x80 (one signed compare finds the last two) ends the run */
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                      space = _mm_set1_epi8(0x20);
        while (end - s >= 16 && room - n >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
            _mm_storeu_si128((__m128i *)(void *)(dst + n), v);
            __m128i odd = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                    _mm_cmpeq_epi8(v, bslash)),
                                       _mm_cmplt_epi8(v, space));
            unsigned m = (unsigned)_mm_movemask_epi8(odd);
            if (m != 0) {
                unsigned k = (unsigned)__builtin_ctz(m);
                n += k;
                s += k;
                break;
            }
            n += 16;
            s += 16;
        }
#endif
        if (s == end)
            return NULL;
        unsigned char c = *s;
        if (c == '"')
            break;
        if (c < 0x20 || c == '\\')
            return NULL; /* an escape or a control byte: the walk unescapes or refuses */
        size_t k = 1;
        if (c >= 0x80) {
            const char *why;
            k = rpj_utf8_seq(s, (size_t)(end - s), &why);
            if (k == 0)
                return NULL;
        }
        if (room - n < k)
            return NULL;
        memcpy(dst + n, s, k);
        n += k;
        s += k;
    }
    if (room - n < 1)
        return NULL;
    dst[n] = '\0';
    storage->used += n + 1;
    out->ptr = (const char *)dst;
    out->len = n;
    return s + 1;
}

const unsigned char *rp_lane_base64_at(const unsigned char *b, const unsigned char *end,
                                       rp_arena *storage, rp_bytes *out)
{
    /* Neither alphabet has '"' or '\\', so the first quote ends the string (an escape
     * before it makes the decoder refuse the backslash); keys are long: memchr finds it. */
    size_t len = (size_t)(end - b), n;
    if (len == 0 || b[0] != '"')
        return NULL;
    const unsigned char *q = memchr(b + 1, '"', len - 1);
    if (q == NULL)
        return NULL;
    size_t raw = (size_t)(q - b) - 1, cap = RP_BASE64_DECODED_MAX(raw);
    uint8_t *dst = lane_alloc(storage, cap + 1);
    if (dst == NULL ||
        rp_base64_decode((const char *)b + 1, raw, RP_BASE64_STRICT, dst, cap, &n, NULL) != 0)
        return NULL;
    dst[n] = 0;
    out->ptr = dst;
    out->len = n;
    return q + 1;
}

/* A hex digit's value, or 16. */
static inline unsigned lane_hex_digit(unsigned c)
{
    if (c - '0' <= 9)
        return c - '0';
    c |= 0x20; /* 'A'..'F' -> 'a'..'f'; nothing else lands there */
    return c - 'a' <= 5 ? c - 'a' + 10 : 16;
}

const unsigned char *rp_lane_hex_at(const unsigned char *s, const unsigned char *end,
                                    rp_arena *storage, rp_bytes *out)
{
    /* read and decoded in one pass, straight into storage (hex values are short) */
    uint8_t *dst;
    size_t room, n = 0;
    if (s == end || *s != '"')
        return NULL;
    room = lane_room(storage, &dst);
    s++;
#if RP_CODEC_SSE2
    while (end - s >= 16 && room - n >= 8 && rp_block_hex16(s, dst + n)) {
        s += 16;
        n += 8;
    }
#endif
    for (;;) {
        if (s == end)
            return NULL;
        if (*s == '"')
            break;
        if (end - s < 2 || room == n)
            return NULL;
        unsigned hi = lane_hex_digit(s[0]), lo = lane_hex_digit(s[1]);
        if ((hi | lo) > 15)
            return NULL; /* also an odd count: the quote is no digit */
        dst[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    if (room - n < 1) /* the walk takes raw / 2 + 1 bytes: n and the NUL */
        return NULL;
    dst[n] = 0;
    storage->used += n + 1;
    out->ptr = dst;
    out->len = n;
    return s + 1;
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
