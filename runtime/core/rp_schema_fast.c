/* rp_schema_fast.c — the fast lanes of the table engine, in front of decode and encode.
 *
 * For the common case — compact, valid text and valid messages — they read or write in one
 * pass with no error plumbing. They only ever succeed; at anything unusual they give up
 * and the careful walks (rp_schema_decode.c, rp_schema_encode.c) run from scratch, so every
 * error, offset, path and spec location comes from the walks. The lanes check rules with the
 * same predicates (u_ok, i_ok, len_ok, the charset bits: rp_schema_internal.h).
 * tests/unit/test_schema_lanes.c holds them to the walks. Generated code calls
 * rp_schema_decode_fast / rp_schema_encode_fast under --optimize speed and the walks alone
 * under --optimize size, which then never links this file.
 */
#include "rp_schema.h"

#include <string.h>

#include "rp_codec.h"
#include "rp_json_internal.h"
#include "rp_schema_internal.h"

/* ---- decode: the fast lane ------------------------------------------------------------------
 *
 * Why: most texts a codec meets are compact, well-formed and valid. For those, the generic
 * walk above (scanner calls per token, a path pushed per key, rules looked up per value)
 * cost several times the work of reading the bytes. The fast lane reads such text directly
 * and only ever ACCEPTS: at the first thing it does not handle in the simplest way (an
 * escape, an unknown or repeated key, a wrong type, null, a fraction, a rule that fails,
 * storage running out, anything not JSON) it gives up, the arena is rewound, and the text
 * is decoded again by the walk above from scratch, which then produces exactly the result
 * or error it always did. So the lane needs no error reporting at all, and it may only
 * accept a text the walk would accept, with the same struct and the same arena use
 * (allocations of the same sizes in the same order). */

typedef struct fast_ctx {
    const unsigned char *b;
    size_t len;
    size_t pos;
    unsigned depth;
    rp_arena *storage;
    unsigned max_depth;  /* the top-level message's nesting limit */
    bool b64_lenient;    /* the profile's base64_lenient */
    uint32_t relax;      /* the profile's relax bit */
    schema_ctx *quiet; /* check_value with no error to fill and nothing to report */
} fast_ctx;

/* Whether the profile reads f's zero value (0, "", no bytes) as absent: such a value is left
 * to the careful walk, which says so where a required key goes missing. */
static inline bool zero_is_absent(const fast_ctx *fc, const rp_schema_field *f)
{
    return (f->relax_zero_absent & fc->relax) != 0;
}

/* byte -> 6-bit value, or 0x80 ('=' is 0x40); byte -> hex value or 0x80. */
#define FAST_B64(c)                                                                                \
    (uint8_t)((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                               \
              : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                          \
              : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                          \
              : (c) == '+'               ? 62                                                      \
              : (c) == '/'               ? 63                                                      \
              : (c) == '='               ? 0x40                                                    \
                                         : 0x80)
#define FAST_HEX(c)                                                                                \
    (uint8_t)((c) >= '0' && (c) <= '9'   ? (c) - '0'                                               \
              : (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10                                          \
              : (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10                                          \
                                         : 0x80)
#define FAST_T4(E, b) E(b), E((b) + 1), E((b) + 2), E((b) + 3)
#define FAST_T16(E, b) FAST_T4(E, b), FAST_T4(E, (b) + 4), FAST_T4(E, (b) + 8), FAST_T4(E, (b) + 12)
#define FAST_T64(E, b)                                                                             \
    FAST_T16(E, b), FAST_T16(E, (b) + 16), FAST_T16(E, (b) + 32), FAST_T16(E, (b) + 48)
#define FAST_T256(E) FAST_T64(E, 0), FAST_T64(E, 64), FAST_T64(E, 128), FAST_T64(E, 192)
static const uint8_t fast_b64[256] = {FAST_T256(FAST_B64)};
#if RP_SCHEMA_B64_PAIRS
/* The letter's 6 bits already in place for each position of a group of four (so a group
 * is three ORs), and bit 31 for anything else ('=' included). 4 KiB, not at -Os. */
#define FAST_B64S(c, sh) (FAST_B64(c) < 64 ? (uint32_t)FAST_B64(c) << (sh) : 0x80000000u)
#define FAST_B64S0(c) FAST_B64S(c, 18)
#define FAST_B64S1(c) FAST_B64S(c, 12)
#define FAST_B64S2(c) FAST_B64S(c, 6)
#define FAST_B64S3(c) FAST_B64S(c, 0)
static const uint32_t fast_b64s[4][256] = {
    {FAST_T256(FAST_B64S0)}, {FAST_T256(FAST_B64S1)}, {FAST_T256(FAST_B64S2)}, {FAST_T256(FAST_B64S3)}
};
#undef FAST_B64S3
#undef FAST_B64S2
#undef FAST_B64S1
#undef FAST_B64S0
#undef FAST_B64S
#endif
static const uint8_t fast_hex[256] = {FAST_T256(FAST_HEX)};
#undef FAST_T256
#undef FAST_T64
#undef FAST_T16
#undef FAST_T4
#undef FAST_HEX
#undef FAST_B64

/* rp_arena_alloc(a, n, 1) inline (byte alignment needs no padding); a is not NULL. */
static inline void *fast_alloc(rp_arena *a, size_t n)
{
    if (a->base == NULL || a->used > a->cap || n > a->cap - a->used)
        return NULL;
    void *p = a->base + a->used;
    a->used += n;
    return p;
}

/* rps_reset_message(m, msg, false), skipping quickly over fields that only need the zeroes. */
static void fast_reset(const rp_schema_message *m, void *msg)
{
    if (m->is_array) {
        *count_of(msg, &m->fields[0]) = 0;
        return;
    }
    memset(msg, 0, m->size);
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        if ((!f->has_default && f->type != RP_SCHEMA_MESSAGE) || f->repeated)
            continue;
        void *p = (char *)msg + f->offset;
        if (f->type == RP_SCHEMA_MESSAGE) {
            fast_reset(f->message, p);
            continue;
        }
        put_default(f, p);
    }
}

static inline void fast_ws(fast_ctx *fc)
{
    while (fc->pos < fc->len) {
        unsigned char c = fc->b[fc->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        fc->pos++;
    }
}

/* Byte at pos, or 0 at the end (0 is never accepted where it is looked at). */
static inline unsigned char fast_at(const fast_ctx *fc)
{
    return fc->pos < fc->len ? fc->b[fc->pos] : 0;
}

/* After a value: whitespace, then ',' (true, *more) or the closer (true, !*more). */
static inline bool fast_sep(fast_ctx *fc, unsigned char closer, bool *more)
{
    unsigned char c = fast_at(fc);
    if (c != ',' && c != closer) {
        fast_ws(fc);
        c = fast_at(fc);
    }
    if (c == ',') {
        fc->pos++;
        fast_ws(fc);
        *more = true;
        return true;
    }
    if (c == closer) {
        fc->pos++;
        *more = false;
        return true;
    }
    return false;
}

/* An integer of at most 19 digits, no fraction or exponent (the separator check after the
 * value refuses anything else that follows the digits). */
static inline bool fast_digits(fast_ctx *fc, uint64_t *mag)
{
    const unsigned char *b = fc->b;
    size_t i = fc->pos, len = fc->len;
    if (i >= len)
        return false;
    if (b[i] == '0') {
        fc->pos = i + 1;
        *mag = 0;
        return true;
    }
    size_t lim = len - i < 19 ? len : i + 19, d0 = i;
    uint64_t m = 0;
    while (i < lim) {
        unsigned dg = (unsigned)b[i] - '0';
        if (dg > 9)
            break;
        m = m * 10u + dg;
        i++;
    }
    if (i == d0 || (i < len && (unsigned)b[i] - '0' <= 9))
        return false;
    fc->pos = i;
    *mag = m;
    return true;
}

/* The end of a string starting at pos (the opening quote) that needs no unescaping: the
 * offset of its closing quote, or 0 when it has an escape, a control byte, invalid UTF-8
 * or no end. */
static size_t fast_string_end(const fast_ctx *fc)
{
    const unsigned char *b = fc->b;
    size_t i = fc->pos + 1, len = fc->len;
    for (;;) {
        i = rpj_skip_plain(b, i, len);
        if (i >= len)
            return 0;
        if (b[i] == '"')
            return i;
        if (b[i] < 0x80)
            return 0; /* an escape or a control byte */
        const char *why;
        size_t n = rpj_utf8_seq(b + i, len - i, &why);
        if (n == 0)
            return 0;
        i += n;
    }
}

static bool fast_bytes(fast_ctx *fc, const rp_schema_field *f, void *p)
{
    const unsigned char *b = fc->b;
    size_t start = fc->pos + 1;
    if (fc->pos >= fc->len || b[fc->pos] != '"' || fc->storage == NULL)
        return false;
    const unsigned char *q = memchr(b + start, '"', fc->len - start);
    if (q == NULL)
        return false;
    size_t raw = (size_t)(q - b) - start;
    const unsigned char *s = b + start;
    size_t cap = f->type == RP_SCHEMA_HEX ? raw / 2u : RP_BASE64_DECODED_MAX(raw);
    uint8_t *out = fast_alloc(fc->storage, cap + 1);
    if (out == NULL)
        return false;
    size_t n = 0;
    if (f->type == RP_SCHEMA_HEX) {
        if (raw % 2u != 0)
            return false;
        n = raw / 2u;
        size_t j = 0;
        for (; j + 2 <= n; j += 2, s += 4) {
            unsigned a = fast_hex[s[0]], c1 = fast_hex[s[1]], c2 = fast_hex[s[2]],
                     c3 = fast_hex[s[3]];
            if ((a | c1 | c2 | c3) & 0x80u)
                return false;
            out[j] = (uint8_t)((a << 4) | c1);
            out[j + 1] = (uint8_t)((c2 << 4) | c3);
        }
        if (j < n) {
            unsigned a = fast_hex[s[0]], c1 = fast_hex[s[1]];
            if ((a | c1) & 0x80u)
                return false;
            out[j] = (uint8_t)((a << 4) | c1);
        }
    } else {
        /* Letters in whole groups, then at most one partial group, then '=' to the end. */
        size_t k = 0;
#if RP_SCHEMA_B64_PAIRS && RPJ_SWAR_CTZ
        /* Whole groups: three ORs and one 4-byte store each (its fourth byte is rewritten
         * by the next group or the NUL; the buffer has cap + 1 >= n + 4 bytes). */
        for (; raw - k >= 4; k += 4, n += 3) {
            uint32_t w = fast_b64s[0][s[k]] | fast_b64s[1][s[k + 1]] | fast_b64s[2][s[k + 2]] |
                         fast_b64s[3][s[k + 3]];
            if (w & 0x80000000u)
                break;
            w = __builtin_bswap32(w << 8);
            memcpy(out + n, &w, 4);
        }
#endif
        for (; raw - k >= 4; k += 4, n += 3) {
            uint32_t a = fast_b64[s[k]], c1 = fast_b64[s[k + 1]], c2 = fast_b64[s[k + 2]],
                     c3 = fast_b64[s[k + 3]];
            if ((a | c1 | c2 | c3) & 0xC0u)
                break;
            uint32_t w = (a << 18) | (c1 << 12) | (c2 << 6) | c3;
            out[n] = (uint8_t)(w >> 16);
            out[n + 1] = (uint8_t)(w >> 8);
            out[n + 2] = (uint8_t)w;
        }
        uint32_t w = 0;
        size_t letters = 0;
        for (; k < raw && letters < 3 && fast_b64[s[k]] < 64; k++, letters++)
            w = (w << 6) | fast_b64[s[k]];
        size_t pad = 0;
        for (; k < raw && s[k] == '='; k++)
            pad++;
        if (k != raw)
            return false; /* anything else: the careful decoder decides */
        if (!fc->b64_lenient) {
            if (letters == 1 || (letters > 0 && pad != 4 - letters) || (letters == 0 && pad > 0))
                return false;
            if ((letters == 2 && (w & 15u) != 0) || (letters == 3 && (w & 3u) != 0))
                return false; /* non-canonical padding bits */
        }
        if (letters == 2) {
            out[n++] = (uint8_t)(w >> 4);
        } else if (letters == 3) {
            out[n++] = (uint8_t)(w >> 10);
            out[n++] = (uint8_t)(w >> 2);
        }
    }
    out[n] = 0;
    rp_bytes v = { out, n };
    memcpy(p, &v, sizeof v);
    fc->pos = raw + start + 1;
    return true;
}

/* check_value for a value the lane just stored, answering only yes or no: the same rules
 * through the same predicates, without the error plumbing. */
static RP_SCHEMA_HOT bool fast_rules_ok(schema_ctx *quiet, const rp_schema_field *f, const void *p)
{
    switch (f->type) {
    case RP_SCHEMA_UINT: {
        uint64_t v = load_u(p, f->size);
        for (size_t i = 0; i < f->rule_count; i++)
            if (!u_ok(&f->rules[i], v))
                return false;
        return true;
    }
    case RP_SCHEMA_INT: {
        int64_t v = load_i(p, f->size);
        for (size_t i = 0; i < f->rule_count; i++)
            if (!i_ok(&f->rules[i], v))
                return false;
        return true;
    }
    case RP_SCHEMA_STRING: {
        rp_str s;
        memcpy(&s, p, sizeof s);
        for (size_t i = 0; i < f->rule_count; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (r->kind == RP_RULE_LEN) {
                if (!len_ok(r, s.len))
                    return false;
            } else if (r->kind == RP_RULE_CHARSET) {
                for (size_t k = 0; k < s.len; k++) {
                    unsigned char c = (unsigned char)s.ptr[k];
                    if (!(r->charset[c >> 3] & (1u << (c & 7u))))
                        return false;
                }
            } else if (r->kind == RP_RULE_CONST && r->str != NULL) {
                if (s.len != strlen(r->str) || (s.len > 0 && memcmp(s.ptr, r->str, s.len) != 0))
                    return false;
            } else if (r->kind == RP_RULE_PATTERN) {
                if (!pattern_ok(r->pattern, s.ptr, s.len))
                    return false;
            }
        }
        return true;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b;
        memcpy(&b, p, sizeof b);
        for (size_t i = 0; i < f->rule_count; i++)
            if (f->rules[i].kind == RP_RULE_LEN && !len_ok(&f->rules[i], b.len))
                return false;
        return true;
    }
    default:
        return rps_check_value(quiet, f, p, 0) == 0;
    }
}

static bool fast_object(fast_ctx *fc, const rp_schema_message *m, void *msg);

/* Skips a string without escapes, a number (the full JSON grammar) or a literal at pos;
 * false for anything else (objects and arrays are left to the careful walk). What follows
 * is checked by the caller's separator test, as for every value. */
static RP_SCHEMA_COLD bool fast_skip_scalar(fast_ctx *fc)
{
    const unsigned char *b = fc->b;
    size_t i = fc->pos, len = fc->len;
    if (i >= len)
        return false;
    unsigned char c = b[i];
    if (c == '"') {
        size_t end = fast_string_end(fc);
        if (end == 0)
            return false;
        fc->pos = end + 1;
        return true;
    }
    if (c == 't' || c == 'f' || c == 'n') {
        const char *w = c == 't' ? "true" : c == 'f' ? "false" : "null";
        size_t n = strlen(w);
        if (len - i < n || memcmp(b + i, w, n) != 0)
            return false;
        fc->pos = i + n;
        return true;
    }
    /* number = [ minus ] int [ frac ] [ exp ] */
    if (c == '-')
        i++;
    if (i >= len || (unsigned)b[i] - '0' > 9)
        return false;
    if (b[i] == '0')
        i++;
    else
        while (i < len && (unsigned)b[i] - '0' <= 9)
            i++;
    if (i < len && b[i] == '.') {
        if (++i >= len || (unsigned)b[i] - '0' > 9)
            return false;
        while (i < len && (unsigned)b[i] - '0' <= 9)
            i++;
    }
    if (i < len && (b[i] == 'e' || b[i] == 'E')) {
        if (++i < len && (b[i] == '+' || b[i] == '-'))
            i++;
        if (i >= len || (unsigned)b[i] - '0' > 9)
            return false;
        while (i < len && (unsigned)b[i] - '0' <= 9)
            i++;
    }
    fc->pos = i;
    return true;
}

/* One value of f into p (an item when f is repeated), checked against f's rules. */
static RP_SCHEMA_HOT bool fast_value(fast_ctx *fc, const rp_schema_field *f, void *p)
{
    unsigned char c = fast_at(fc);
    switch (f->type) {
    case RP_SCHEMA_BOOL:
        if (c == 't' && fc->len - fc->pos >= 4 && memcmp(fc->b + fc->pos, "true", 4) == 0) {
            *(bool *)p = true;
            fc->pos += 4;
        } else if (c == 'f' && fc->len - fc->pos >= 5 &&
                   memcmp(fc->b + fc->pos, "false", 5) == 0) {
            *(bool *)p = false;
            fc->pos += 5;
        } else {
            return false;
        }
        break;
    case RP_SCHEMA_UINT: {
        uint64_t v;
        if (!fast_digits(fc, &v) || v > umax_of(f->bits) ||
            (v == 0 && zero_is_absent(fc, f)))
            return false; /* a relaxed 0 is left to the careful walk */
        store_u(p, f->size, v);
        break;
    }
    case RP_SCHEMA_INT: {
        bool neg = c == '-';
        uint64_t mag;
        fc->pos += neg;
        if (!fast_digits(fc, &mag) || (mag == 0 && zero_is_absent(fc, f)))
            return false;
        int64_t v;
        if (!neg) {
            if (mag > (uint64_t)INT64_MAX)
                return false;
            v = (int64_t)mag;
        } else {
            if (mag > (uint64_t)INT64_MAX)
                return false; /* INT64_MIN itself is left to the careful path */
            v = -(int64_t)mag;
        }
        if (v > imax_of(f->bits) || v < imin_of(f->bits))
            return false;
        store_i(p, f->size, v);
        break;
    }
    case RP_SCHEMA_STRING: {
        if (c != '"' || fc->storage == NULL)
            return false;
        size_t end = fast_string_end(fc);
        if (end == 0)
            return false;
        size_t n = end - fc->pos - 1;
        if (n == 0 && zero_is_absent(fc, f))
            return false; /* a relaxed "" is left to the careful walk */
        char *dst = (char *)fast_alloc(fc->storage, n + 1);
        if (dst == NULL)
            return false;
        if (n > 0)
            memcpy(dst, fc->b + fc->pos + 1, n);
        dst[n] = '\0';
        rp_str s = { dst, n };
        memcpy(p, &s, sizeof s);
        fc->pos = end + 1;
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b;
        if (!fast_bytes(fc, f, p))
            return false;
        memcpy(&b, p, sizeof b);
        if (b.len == 0 && zero_is_absent(fc, f))
            return false;
        break;
    }
    case RP_SCHEMA_MESSAGE:
        return c == '{' && fast_object(fc, f->message, p);
    case RP_SCHEMA_FLOAT64:
    case RP_SCHEMA_STRENUM:
        return false; /* the careful walk reads them */
    }
    return f->rule_count == 0 || fast_rules_ok(fc->quiet, f, p);
}

/* The array of a repeated field (or of a top-level array message). */
static bool fast_items(fast_ctx *fc, const rp_schema_field *f, void *msg)
{
    if (fast_at(fc) != '[' || fc->depth >= fc->max_depth || f->map != NULL)
        return false; /* maps (repeated too) are read by the careful walk */
    fc->depth++;
    fc->pos++;
    fast_ws(fc);
    size_t n = 0;
    char *base = (char *)msg + f->offset;
    if (fast_at(fc) == ']') {
        fc->pos++;
    } else {
        for (bool more = true; more;) {
            if (n >= f->max_count || !fast_value(fc, f, base + n * f->size))
                return false;
            n++;
            if (!fast_sep(fc, ']', &more))
                return false;
        }
    }
    fc->depth--;
    *count_of(msg, f) = n;
    set_has(msg, f, true);
    return rps_check_len_rules(fc->quiet, f, RP_RULE_COUNT, n, 0, "item count") == 0;
}

/* a[0..n) == b[0..n) with at most four word compares for keys up to 16 bytes (two
 * overlapping loads per size class, like rpj_copy_small). */
static inline bool fast_same(const unsigned char *a, const char *b, size_t n)
{
    if (n >= 8) {
        uint64_t x, y, u, v;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&u, a + n - 8, 8);
        memcpy(&v, b + n - 8, 8);
        return x == y && u == v && (n <= 16 || memcmp(a + 8, b + 8, n - 16) == 0);
    }
    if (n >= 4) {
        uint32_t x, y, u, v;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        memcpy(&u, a + n - 4, 4);
        memcpy(&v, b + n - 4, 4);
        return x == y && u == v;
    }
    if (n >= 2) {
        uint16_t x, y, u, v;
        memcpy(&x, a, 2);
        memcpy(&y, b, 2);
        memcpy(&u, a + n - 2, 2);
        memcpy(&v, b + n - 2, 2);
        return x == y && u == v;
    }
    return n == 0 || a[0] == (unsigned char)b[0];
}

static inline bool fast_key_is(const unsigned char *k, const rp_schema_field *f, size_t n)
{
    return f->key_len == n && fast_same(k, f->key, n);
}

static bool fast_object(fast_ctx *fc, const rp_schema_message *m, void *msg)
{
    fast_reset(m, msg);
    fast_ws(fc);
    if (m->is_array)
        return fast_items(fc, &m->fields[0], msg);
    if (fast_at(fc) != '{' || fc->depth >= fc->max_depth)
        return false;
    fc->depth++;
    fc->pos++;
    fast_ws(fc);
    size_t next = 0; /* keys usually come in spec order: look from the one after the last */
    if (fast_at(fc) == '}') {
        fc->pos++;
    } else {
        for (bool more = true; more;) {
            const unsigned char *b = fc->b;
            size_t i = fc->pos + 1, len = fc->len;
            const rp_schema_field *f = NULL;
            if (next < m->field_count) {
                /* The next key in spec order, written compactly: `"key":` in one compare. */
                const rp_schema_field *g = &m->fields[next];
                size_t n = g->json_key_len;
                if (g->json_key != NULL && len - fc->pos >= n &&
                    fast_same(b + fc->pos, g->json_key, n)) {
                    f = g;
                    fc->pos += n;
                    goto have_key;
                }
            }
            if (fast_at(fc) != '"')
                return false;
            i = rpj_skip_plain(b, i, len);
            if (i >= len || b[i] != '"')
                return false;
            const unsigned char *k = b + fc->pos + 1;
            size_t kn = i - fc->pos - 1;
            for (size_t j = next; j < m->field_count; j++)
                if (fast_key_is(k, &m->fields[j], kn)) {
                    f = &m->fields[j];
                    break;
                }
            for (size_t j = 0; f == NULL && j < next; j++)
                if (fast_key_is(k, &m->fields[j], kn))
                    f = &m->fields[j];
            if (f == NULL && m->reject_unknown)
                return false;
            fc->pos = i + 1;
            if (fast_at(fc) != ':') {
                fast_ws(fc);
                if (fast_at(fc) != ':')
                    return false;
            }
            fc->pos++;
            if (f == NULL) {
                /* An unknown key: skip a plain value (what peers of other versions add);
                 * anything nested or escaped is left to the careful walk. */
                fast_ws(fc);
                if (!fast_skip_scalar(fc) || !fast_sep(fc, '}', &more))
                    return false;
                continue;
            }
        have_key:
            next = (size_t)(f - m->fields) + 1;
            fast_ws(fc);
            if (get_has(msg, f))
                return false; /* a key twice */
            if (f->repeated) {
                if (!fast_items(fc, f, msg))
                    return false;
            } else {
                if (!fast_value(fc, f, (char *)msg + f->offset))
                    return false;
                set_has(msg, f, true);
            }
            if (!fast_sep(fc, '}', &more))
                return false;
        }
    }
    fc->depth--;
    for (size_t j = 0; j < m->field_count; j++)
        if (m->fields[j].required && !get_has(msg, &m->fields[j]) &&
            !(m->fields[j].relax_optional & fc->relax))
            return false;
    return true;
}

/* true: json[0..len) was decoded into msg exactly as the careful walk would have. */
static bool fast_decode(const rp_schema_message *m, const char *json, size_t len, void *msg,
                        rp_arena *storage, const rp_schema_profile *profile)
{
    schema_ctx quiet;
    rps_quiet_ctx_init(&quiet);
    fast_ctx fc = { (const unsigned char *)json, len, 0, 0, storage, depth_of(m),
                    profile != NULL && profile->base64_lenient, relax_bit(profile), &quiet };
    if (len == 0 || !fast_object(&fc, m, msg))
        return false;
    if (profile == NULL || !profile->trailing_ignore) {
        fast_ws(&fc);
        return fc.pos == len;
    }
    return true;
}

/* Reserves a value of n >= 1 bytes (after a ',' when one is due) where the writer would
 * have put it, leaving the writer as its value functions do; NULL when it does not fit,
 * and then nothing changed (the caller uses the writer's own function). */
static RP_SCHEMA_HOT char *fast_room(rp_json_writer *w, size_t n)
{
    size_t c = w->need_comma ? 1u : 0u;
    if (w->len > w->cap || n + c > w->cap - w->len)
        return NULL;
    char *d = w->buf + w->len;
    d[0] = ','; /* overwritten by the value when no comma is due */
    w->len += n + c;
    w->need_comma = true;
    return d + c;
}

/* write_value for a value already checked: the common kinds written in place, the same
 * bytes as the writer's functions; anything that does not fit, needs escaping or is bytes
 * goes through write_value. */
static RP_SCHEMA_HOT void fast_write_value(rp_json_writer *w, const rp_schema_field *f,
                                           const void *p)
{
    switch (f->type) {
    case RP_SCHEMA_UINT:
    case RP_SCHEMA_INT: {
        char tmp[24], *e = tmp + sizeof tmp, *q;
        if (f->type == RP_SCHEMA_UINT) {
            q = rpj_digits_of(e, load_u(p, f->size));
        } else {
            int64_t v = load_i(p, f->size);
            q = rpj_digits_of(e, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
            if (v < 0)
                *--q = '-';
        }
        size_t n = (size_t)(e - q);
        char *d = fast_room(w, n);
        if (d == NULL)
            break;
        rpj_copy_small(d, q, n > 16 ? 16 : n);
        if (n > 16)
            memcpy(d + 16, q + 16, n - 16);
        return;
    }
    case RP_SCHEMA_STRING: {
        rp_str s;
        memcpy(&s, p, sizeof s);
        const unsigned char *u = (const unsigned char *)s.ptr;
        size_t i = 0;
        while (s.len - i >= 8 && rpj_swar_special(u + i) == 0)
            i += 8;
        while (i < s.len && rpj_plain_string_byte[u[i]])
            i++;
        if (i < s.len)
            break; /* something to escape, or UTF-8 to check: the writer does it */
        char *d = fast_room(w, s.len + 2);
        if (d == NULL)
            break;
        d[0] = '"';
        if (s.len <= 16)
            rpj_copy_small(d + 1, s.ptr, s.len);
        else
            memcpy(d + 1, s.ptr, s.len);
        d[s.len + 1] = '"';
        return;
    }
    default:
        break;
    }
    rps_write_value(w, f, p);
}

/* write_member_key inline for the common case: a ready key that fits (the same bytes and
 * the same writer state as rp_json_write_raw_key, without the call). */
static RP_SCHEMA_HOT void fast_put_key(rp_json_writer *w, const rp_schema_field *f)
{
    size_t n = f->json_key_len, c = w->need_comma ? 1u : 0u;
    if (f->json_key == NULL || w->len > w->cap || n + c > w->cap - w->len || n < 3 || n > 32) {
        write_member_key(w, f);
        return;
    }
    char *d = w->buf + w->len;
    d[0] = ','; /* overwritten by the key when no comma is due */
    if (n <= 16) {
        rpj_copy_small(d + c, f->json_key, n);
    } else {
        memcpy(d + c, f->json_key, 16);
        memcpy(d + c + n - 16, f->json_key + n - 16, 16);
    }
    w->len += n + c;
    w->need_comma = false;
}

/* ---- encode: the fast lane ----------------------------------------------------------------
 *
 * Why: encode used to validate the whole message (pushing a path per field, checking every
 * string's UTF-8) and then walk it a second time to write it. The fast lane does both in
 * one walk and leaves UTF-8 to the writer, which checks it anyway. Like the decode lane it
 * only ever succeeds: at the first rule that fails, or any writer problem (overflow, bad
 * UTF-8), it gives up and rp_schema_encode runs the careful validate-then-write, which
 * reports exactly what it always did. */

static bool fast_put_message(rp_json_writer *w, schema_ctx *quiet, const rp_schema_message *m,
                             const void *msg);

/* Checks and writes one present value (an item when f is repeated). quiet->scanning is set,
 * so check_value leaves strings' UTF-8 to the writer and nested messages to us. */
static RP_SCHEMA_HOT bool fast_put_value(rp_json_writer *w, schema_ctx *quiet, const rp_schema_field *f,
                           const void *p)
{
    switch (f->type) {
    case RP_SCHEMA_MESSAGE:
        return fast_put_message(w, quiet, f->message, p);
    case RP_SCHEMA_FLOAT64:
    case RP_SCHEMA_STRENUM:
        return false;
    case RP_SCHEMA_UINT:
        if (load_u(p, f->size) > umax_of(f->bits))
            return false;
        break;
    case RP_SCHEMA_INT: {
        int64_t v = load_i(p, f->size);
        if (v > imax_of(f->bits) || v < imin_of(f->bits))
            return false;
        break;
    }
    case RP_SCHEMA_STRING: {
        rp_str s;
        memcpy(&s, p, sizeof s);
        if (s.ptr == NULL && s.len > 0)
            return false;
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b;
        memcpy(&b, p, sizeof b);
        if (b.ptr == NULL && b.len > 0)
            return false;
        break;
    }
    default:
        break;
    }
    if (f->rule_count > 0 && !fast_rules_ok(quiet, f, p))
        return false;
    fast_write_value(w, f, p);
    return true;
}

/* validate_field and write_field of one field in one go; false when validation would
 * complain. with_key: write the member key (not for the items of a top-level array). */
static RP_SCHEMA_HOT bool fast_put_field(rp_json_writer *w, schema_ctx *quiet, const rp_schema_field *f,
                           const void *msg, bool with_key)
{
    const char *base = (const char *)msg + f->offset;
    if (!f->repeated) {
        if (!get_has(msg, f))
            return !f->required;
        if (with_key)
            fast_put_key(w, f);
        return fast_put_value(w, quiet, f, base);
    }
    if (RP_UNLIKELY(f->map != NULL))
        return false; /* and maps */
    size_t n = get_count(msg, f);
    if (n > f->max_count)
        return false;
    if (n == 0 && !get_has(msg, f)) {
        if (f->required)
            return false;
        if (with_key)
            return true; /* absent: not written */
    } else if (rps_check_len_rules(quiet, f, RP_RULE_COUNT, n, SIZE_MAX, "item count") != 0) {
        return false;
    }
    if (with_key)
        fast_put_key(w, f);
    rp_json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        if (!fast_put_value(w, quiet, f, base + i * f->size))
            return false;
    rp_json_write_array_end(w);
    return true;
}

static bool fast_put_message(rp_json_writer *w, schema_ctx *quiet, const rp_schema_message *m,
                             const void *msg)
{
    if (RP_UNLIKELY(m->has_nullable))
        return false; /* the careful validate-then-write writes nulls (checked once here:
                         per field it cost ~3% of an encode) */
    if (m->is_array)
        return fast_put_field(w, quiet, &m->fields[0], msg, false);
    rp_json_write_object_begin(w);
    for (size_t i = 0; i < m->field_count; i++)
        if (!fast_put_field(w, quiet, &m->fields[i], msg, true))
            return false;
    rp_json_write_object_end(w);
    return true;
}

int rp_schema_decode_fast(const rp_schema_message *m, const char *json, size_t len, void *msg,
                          rp_arena *storage, const rp_schema_profile *profile, rp_error *err)
{
    if (m == NULL || msg == NULL || (json == NULL && len > 0))
        return rp_schema_decode(m, json, len, msg, storage, profile, err); /* says which */
    size_t mark = rp_arena_mark(storage);
    if (fast_decode(m, json, len, msg, storage, profile)) {
        rp_error_clear(err);
        return 0;
    }
    rp_arena_rewind(storage, mark);
    return rp_schema_decode(m, json, len, msg, storage, profile, err);
}

int rp_schema_encode_fast(const rp_schema_message *m, const void *msg, char *buf, size_t cap,
                          size_t *out_len, rp_error *err)
{
    if (m == NULL || msg == NULL || (buf == NULL && cap > 0))
        return rp_schema_encode(m, msg, buf, cap, out_len, err); /* says which */
    rp_json_writer w;
    rp_json_writer_init(&w, buf, cap);
    rp_json_writer_set_max_depth(&w, depth_of(m));
    schema_ctx quiet;
    rps_quiet_ctx_init(&quiet);
    if (fast_put_message(&w, &quiet, m, msg) && w.failed == 0) {
        rp_error_clear(err);
        return rp_json_writer_finish(&w, out_len, err);
    }
    return rp_schema_encode(m, msg, buf, cap, out_len, err);
}
