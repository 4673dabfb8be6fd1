/* rp_json writer: compact JSON into a caller buffer, never past its end (see rp_json.h). */
#include "rp_json.h"
#include "rp_json_internal.h"

#include <string.h>

static void note(rp_json_writer *w, rp_status code)
{
    if (w->failed == 0) w->failed = (int16_t)code;
}

#if defined(__GNUC__) || defined(__clang__)
#define RPJ_COLD __attribute__((cold, noinline))
#else
#define RPJ_COLD
#endif

static RPJ_COLD void put_overflow(rp_json_writer *w, const char *s, size_t n)
{
    if (w->len < w->cap) memcpy(w->buf + w->len, s, w->cap - w->len);
    note(w, RP_E_OVERFLOW);
    (void)n;
}

/* Appends n bytes; copies what fits, counts everything. */
static inline void put(rp_json_writer *w, const char *s, size_t n)
{
    if (w->len <= w->cap && n <= w->cap - w->len) {
        if (n <= 16) rpj_copy_small(w->buf + w->len, s, n);
        else memcpy(w->buf + w->len, s, n);
    } else {
        put_overflow(w, s, n);
    }
    w->len += n;
}

static inline void put_char(rp_json_writer *w, char c)
{
    if (w->len < w->cap) w->buf[w->len] = c;
    else note(w, RP_E_OVERFLOW);
    w->len++;
}

static inline void comma(rp_json_writer *w)
{
    if (w->need_comma) put_char(w, ',');
}

void rp_json_writer_init(rp_json_writer *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf == NULL ? 0 : cap;
    w->len = 0;
    w->depth = 0;
    w->max_depth = 0;
    w->need_comma = false;
    w->failed = 0;
    w->fail_offset = 0;
    w->escape_line_seps = false;
}

void rp_json_writer_escape_line_separators(rp_json_writer *w, bool on)
{
    w->escape_line_seps = on;
}

/* U+0085 (C2 85), U+2028 (E2 80 A8) and U+2029 (E2 80 A9) as \uXXXX; m is the length of the
 * valid UTF-8 sequence at p. Returns the escape or NULL for any other character. */
static const char *line_sep_escape(const unsigned char *p, size_t m)
{
    if (m == 2 && p[0] == 0xC2 && p[1] == 0x85) return "\\u0085";
    if (m == 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA8) return "\\u2028";
    if (m == 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA9) return "\\u2029";
    return NULL;
}

void rp_json_writer_set_max_depth(rp_json_writer *w, unsigned max_depth)
{
    w->max_depth = max_depth;
}

static void begin(rp_json_writer *w, char c)
{
    if (w->max_depth != 0 && w->depth >= w->max_depth) note(w, RP_E_JSON_DEPTH);
    comma(w);
    put_char(w, c);
    w->depth++;
    w->need_comma = false;
}

static void end(rp_json_writer *w, char c)
{
    if (w->depth == 0) {
        note(w, RP_E_ARGUMENT);
        return;
    }
    put_char(w, c);
    w->depth--;
    w->need_comma = true;
}

void rp_json_write_object_begin(rp_json_writer *w) { begin(w, '{'); }
void rp_json_write_object_end(rp_json_writer *w) { end(w, '}'); }
void rp_json_write_array_begin(rp_json_writer *w) { begin(w, '['); }
void rp_json_write_array_end(rp_json_writer *w) { end(w, ']'); }

/* The inside of a string: escapes what JSON requires, copies valid UTF-8 as is. */
static void put_escaped(rp_json_writer *w, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        i = rpj_skip_plain(p, i, n);
        if (i > run) put(w, s + run, i - run);
        if (i >= n) break;
        unsigned char c = p[i];
        char esc[6];
        size_t k = rpj_escape_byte(esc, c);
        if (k > 0) {
            put(w, esc, k);
        } else {
            const char *why = "";
            size_t m = rpj_utf8_seq(p + i, n - i, &why);
            if (m == 0) {
                if (w->failed == 0) w->fail_offset = i;
                note(w, RP_E_JSON_UTF8);
                return;
            }
            const char *ls = w->escape_line_seps ? line_sep_escape(p + i, m) : NULL;
            if (ls != NULL) put(w, ls, 6);
            else put(w, s + i, m);
            i += m;
            continue;
        }
        i++;
    }
}

void rp_json_write_key(rp_json_writer *w, const char *key, size_t len)
{
    comma(w);
    put_char(w, '"');
    if (key != NULL) put_escaped(w, key, len);
    put(w, "\":", 2);
    w->need_comma = false;
}

void rp_json_write_raw_key(rp_json_writer *w, const char *quoted_key_colon, size_t len)
{
    comma(w);
    if (quoted_key_colon != NULL) put(w, quoted_key_colon, len);
    w->need_comma = false;
}

void rp_json_write_string(rp_json_writer *w, const char *s, size_t len)
{
    comma(w);
    put_char(w, '"');
    if (s != NULL) put_escaped(w, s, len);
    put_char(w, '"');
    w->need_comma = true;
}

/* Two decimal digits per step: "00" .. "99" (rp_json_internal.h). */
const char rpj_digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static void put_u64(rp_json_writer *w, uint64_t v, bool neg)
{
    char tmp[21];
    char *e = tmp + sizeof tmp, *q = rpj_digits_of(e, v);
    if (neg) *--q = '-';
    put(w, q, (size_t)(e - q));
}

void rp_json_write_u64(rp_json_writer *w, uint64_t v)
{
    comma(w);
    put_u64(w, v, false);
    w->need_comma = true;
}

void rp_json_write_i64(rp_json_writer *w, int64_t v)
{
    comma(w);
    /* Magnitude computed in unsigned arithmetic so INT64_MIN does not overflow. */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    put_u64(w, mag, v < 0);
    w->need_comma = true;
}

void rp_json_write_bool(rp_json_writer *w, bool v)
{
    comma(w);
    if (v) put(w, "true", 4);
    else put(w, "false", 5);
    w->need_comma = true;
}

void rp_json_write_null(rp_json_writer *w)
{
    comma(w);
    put(w, "null", 4);
    w->need_comma = true;
}

void rp_json_write_raw(rp_json_writer *w, const char *text, size_t len)
{
    comma(w);
    if (text != NULL) put(w, text, len);
    w->need_comma = true;
}

char *rp_json_write_string_reserve(rp_json_writer *w, size_t n)
{
    comma(w);
    w->need_comma = true;
    if (w->len <= w->cap && w->cap - w->len >= 2 && n <= w->cap - w->len - 2) {
        char *p = w->buf + w->len + 1;
        w->buf[w->len] = '"';
        p[n] = '"';
        w->len += n + 2;
        return p;
    }
    /* Does not fit: write nothing more (the caller would have nowhere to put the text),
     * but count it so finish reports the needed length (saturating for absurd n). */
    note(w, RP_E_OVERFLOW);
    w->len = n > SIZE_MAX - 2 - w->len ? SIZE_MAX : w->len + n + 2;
    return NULL;
}

int rp_json_writer_finish(rp_json_writer *w, size_t *out_len, rp_error *err)
{
    if (out_len != NULL) *out_len = w->len;
    if (w->len < w->cap) w->buf[w->len] = '\0';
    if (w->failed == 0 && w->depth != 0) note(w, RP_E_ARGUMENT);
    switch (w->failed) {
    case 0:
        return 0;
    case RP_E_OVERFLOW:
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_JSON, SIZE_MAX,
                            "encoded JSON needs %zu bytes, the buffer holds %zu", w->len, w->cap);
    case RP_E_JSON_UTF8:
        return rp_error_set(err, RP_E_JSON_UTF8, RP_LAYER_JSON, SIZE_MAX,
                            "a string to encode is not valid UTF-8 (byte %zu of the string)",
                            w->fail_offset);
    case RP_E_JSON_DEPTH:
        return rp_error_set(err, RP_E_JSON_DEPTH, RP_LAYER_JSON, SIZE_MAX,
                            "the JSON would nest deeper than %u level%s", (unsigned)w->max_depth,
                            w->max_depth == 1 ? "" : "s");
    default:
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_JSON, SIZE_MAX,
                            "unbalanced object/array begin and end calls");
    }
}
