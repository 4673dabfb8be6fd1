/* rp_json text helpers: UTF-8 checking, \u escapes, and string views (see rp_json.h). */
#include "rp_json.h"
#include "rp_json_internal.h"

#include <string.h>

/* Read-only lookup table (no mutable state): 1 for bytes a JSON string carries verbatim
 * and the scanner/writer can copy without a second look. */
const uint8_t rpj_plain_string_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static int is_cont(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

/* RFC 3629 §4: the second byte's range depends on the first (this is what excludes
 * overlongs, UTF-16 surrogates and code points above U+10FFFF). */
size_t rpj_utf8_seq(const unsigned char *p, size_t avail, const char **why)
{
    unsigned char b0 = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 < 0x80) return 1;
    if (b0 < 0xC2) {
        *why = b0 < 0xC0 ? "continuation byte without a lead byte" : "overlong encoding";
        return 0;
    }
    if (b0 < 0xE0) {
        n = 2;
    } else if (b0 < 0xF0) {
        n = 3;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 < 0xF5) {
        n = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        *why = "byte never valid in UTF-8";
        return 0;
    }
    if (avail < 2 || !is_cont(p[1])) {
        *why = "truncated sequence";
        return 0;
    }
    if (p[1] < lo || p[1] > hi) {
        if (b0 == 0xED) *why = "UTF-16 surrogate encoded in UTF-8";
        else if (b0 == 0xF4) *why = "code point above U+10FFFF";
        else *why = "overlong encoding";
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (i >= avail || !is_cont(p[i])) {
            *why = "truncated sequence";
            return 0;
        }
    }
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long rpj_hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return -1;
        v = (v << 4) | h;
    }
    return v;
}

size_t rpj_utf8_put(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    /* the continuation bytes from the last, six bits each, then the lead byte */
    static const uint8_t lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
    size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (size_t k = n - 1; k > 0; k--) {
        out[k] = (char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = (char)(lead[n] | cp);
    return n;
}

size_t rpj_unescape_one(const char *p, char out[4], size_t *adv)
{
    *adv = 2;
    switch (p[1]) {
    case 'b': out[0] = '\b'; return 1;
    case 'f': out[0] = '\f'; return 1;
    case 'n': out[0] = '\n'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 't': out[0] = '\t'; return 1;
    case 'u': break;
    default: out[0] = p[1]; return 1; /* " \ / */
    }
    uint32_t cp = (uint32_t)rpj_hex4(p + 2);
    *adv = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* The scanner guaranteed a low surrogate escape follows. */
        uint32_t lo = (uint32_t)rpj_hex4(p + 8);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        *adv = 12;
    }
    return rpj_utf8_put(cp, out);
}

bool rp_json_str_eq_escaped(const rp_json_str *s, const char *lit, size_t len)
{
    if (s == NULL) return false;
    if (!s->escaped) return s->raw_len == len && (len == 0 || memcmp(s->raw, lit, len) == 0);
    /* Escaped: decode piece by piece and compare as we go. */
    const char *p = s->raw, *end = s->raw + s->raw_len;
    size_t i = 0;
    while (p < end) {
        if (*p != '\\') {
            if (i >= len || lit[i] != *p) return false;
            i++;
            p++;
            continue;
        }
        char tmp[4];
        size_t adv;
        size_t n = rpj_unescape_one(p, tmp, &adv);
        if (n > len - i || memcmp(lit + i, tmp, n) != 0) return false;
        i += n;
        p += adv;
    }
    return i == len;
}

/* Decodes the escaped string s into dst (when not NULL); returns the decoded length. One
 * walk for both the length and the bytes, so they cannot disagree. */
static size_t decode_escaped(const rp_json_str *s, char *dst)
{
    const char *p = s->raw, *end = s->raw + s->raw_len;
    size_t n = 0;
    while (p < end) {
        char piece[4];
        size_t k = 1, adv = 1;
        if (*p == '\\') k = rpj_unescape_one(p, piece, &adv);
        else piece[0] = *p;
        if (dst != NULL) memcpy(dst + n, piece, k);
        n += k;
        p += adv;
    }
    return n;
}

size_t rp_json_str_len(const rp_json_str *s)
{
    if (s == NULL) return 0;
    return s->escaped ? decode_escaped(s, NULL) : s->raw_len;
}

int rp_json_unescape(const rp_json_str *s, char *dst, size_t cap, size_t *out_len, rp_error *err)
{
    if (s == NULL || (dst == NULL && cap > 0)) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_JSON, SIZE_MAX, "no string given");
    }
    size_t need = rp_json_str_len(s);
    if (need >= cap) {
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_JSON, s->offset,
                            "string of %zu bytes does not fit a buffer of %zu", need, cap);
    }
    if (!s->escaped) {
        if (need > 0) memcpy(dst, s->raw, need);
    } else {
        decode_escaped(s, dst);
    }
    dst[need] = '\0';
    if (out_len != NULL) *out_len = need;
    return 0;
}

int rp_json_check_utf8(const char *s, size_t len, size_t base_offset, rp_error *err)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        const char *why = "";
        size_t n = rpj_utf8_seq(p + i, len - i, &why);
        if (n == 0) {
            return rp_error_set(err, RP_E_JSON_UTF8, RP_LAYER_JSON, base_offset + i,
                                "invalid UTF-8 byte 0x%02X (%s)", p[i], why);
        }
        i += n;
    }
    return 0;
}
