/* rp_json scanner: RFC 8259 pull scanning and the typed readers (see rp_json.h).
 *
 * The scanner is a small state machine over the input; containers are tracked in a bit
 * stack (1 = object). Separators are consumed lazily: after a value the state is
 * S_AFTER_VALUE, and the next call consumes ',' or the closer. Keys consume their ':'.
 *
 * Errors that mean "this is not valid JSON" (syntax, UTF-8, depth, trailing) make the
 * scanner stuck. Errors about a well-formed value of the wrong type or range (schema-type,
 * json-number, overflow of the caller's storage) are not sticky, so a validator can skip
 * the value and go on to report further problems.
 */
#include "rp_json.h"
#include "rp_json_internal.h"
#include "rp_json_number.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum scan_state {
    S_VALUE = 0,     /* a value must come next */
    S_ARRAY_FIRST,   /* after '[': a value or ']' */
    S_OBJECT_FIRST,  /* after '{': a key or '}' */
    S_AFTER_VALUE,   /* a value ended: ',' or the closer (or, at depth 0, the end) */
    S_END            /* the top-level value is complete and the trailer was checked */
};

/* ---- errors ------------------------------------------------------------------------- */

/* Error paths are kept out of line so the hot paths stay small. */
#if defined(__GNUC__) || defined(__clang__)
#define RPJ_COLD __attribute__((cold, noinline))
#else
#define RPJ_COLD
#endif

/* The layer follows from the code: schema-type errors are the schema layer's, all others
 * the JSON layer's (one argument fewer at each of the many call sites). */
static int fail(rp_json_scanner *sc, rp_error *err, rp_status code, size_t offset,
                const char *fmt, ...) RP_PRINTF(5, 6) RPJ_COLD;
static int fail(rp_json_scanner *sc, rp_error *err, rp_status code, size_t offset,
                const char *fmt, ...)
{
    rp_layer layer = code == RP_E_SCHEMA_TYPE ? RP_LAYER_SCHEMA : RP_LAYER_JSON;
    if (code == RP_E_JSON_SYNTAX || code == RP_E_JSON_UTF8 || code == RP_E_JSON_DEPTH ||
        code == RP_E_JSON_TRAILING) {
        sc->failed = (int16_t)code;
    }
    if (err != NULL) {
        /* (every message here is well under RP_ERROR_MESSAGE_MAX, never cut) */
        va_list ap;
        va_start(ap, fmt);
        rp_error_setv(err, code, layer, offset, fmt, ap);
        va_end(ap);
        if (sc->path != NULL) rp_json_path_to_error(sc->path, err);
    }
    return (int)code;
}

static RPJ_COLD int stuck(rp_json_scanner *sc, rp_error *err)
{
    return fail(sc, err, (rp_status)sc->failed, sc->pos,
                "scanning already stopped at an earlier error (%s)",
                rp_status_name(sc->failed));
}

/* Describes the byte at pos for messages: 'x', byte 0xNN, or end of input. */
static const char *describe(const rp_json_scanner *sc, size_t pos, char buf[16])
{
    if (pos >= sc->len) return "end of input";
    unsigned char c = (unsigned char)sc->buf[pos];
    if (c >= 0x20 && c < 0x7F) snprintf(buf, 16, "'%c'", c);
    else snprintf(buf, 16, "byte 0x%02X", c);
    return buf;
}

/* "<what><more>, found <byte>" as a sticky syntax error at offset i; what says what was
 * expected ("expected a JSON value", "invalid number: expected a digit "). */
static RPJ_COLD int expected(rp_json_scanner *sc, rp_error *err, size_t i, const char *what,
                             const char *more)
{
    char d[16];
    return fail(sc, err, RP_E_JSON_SYNTAX, i, "%s%s, found %s", what, more, describe(sc, i, d));
}

/* ---- primitives --------------------------------------------------------------------- */

static inline size_t skip_ws(const char *b, size_t pos, size_t len)
{
    /* Compact JSON has no whitespace: one compare in the common case (not at -Os, where
     * the loop below finds the same). */
#if !defined(__OPTIMIZE_SIZE__)
    if (pos < len && (unsigned char)b[pos] > ' ') return pos;
#endif
    while (pos < len) {
        char c = b[pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
        pos++;
    }
    return pos;
}

static inline int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* What may directly follow a number or literal. NUL counts: a peer that parses a C string
 * stops at a NUL (reported as trailing bytes unless they are ignored). */
static inline int is_delim(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == ']' ||
           c == '}' || c == '\0';
}

static inline int in_object(const rp_json_scanner *sc)
{
    uint32_t d = sc->depth - 1;
    return (int)((sc->stack[d >> 5] >> (d & 31)) & 1u);
}

static int push(rp_json_scanner *sc, rp_error *err, int object)
{
    if (sc->depth >= sc->max_depth) {
        return fail(sc, err, RP_E_JSON_DEPTH, sc->pos,
                    "nesting deeper than %u level%s", (unsigned)sc->max_depth, sc->max_depth == 1 ? "" : "s");
    }
    uint32_t d = sc->depth++;
    uint32_t bit = 1u << (d & 31);
    if (object) sc->stack[d >> 5] |= bit;
    else sc->stack[d >> 5] &= ~bit;
    sc->pos++;
    sc->state = object ? S_OBJECT_FIRST : S_ARRAY_FIRST;
    return 0;
}

static inline void pop(rp_json_scanner *sc)
{
    sc->depth--;
    sc->pos++;
    sc->state = S_AFTER_VALUE;
}


static RPJ_COLD int unterminated(rp_json_scanner *sc, rp_error *err, size_t start)
{
    return fail(sc, err, RP_E_JSON_SYNTAX, start,
                "unterminated string (no closing '\"' before end of input)");
}

/* string = quotation-mark *char quotation-mark   (sc->pos at the opening quote)
 * Validates escapes, surrogate pairing and UTF-8; *dec gets the unescaped length.
 * Continues from byte i: the bytes between the opening quote and i are plain ASCII. */
static int scan_string_slow(rp_json_scanner *sc, rp_error *err, rp_json_str *out,
                            size_t *dec_len, size_t i)
{
    const unsigned char *b = (const unsigned char *)sc->buf;
    const size_t len = sc->len, start = sc->pos;
    size_t dec = i - start - 1;
    bool esc = false;
    for (;;) {
        size_t run = i;
        i = rpj_skip_plain(b, i, len);
        dec += i - run;
        if (i >= len) {
            return unterminated(sc, err, start);
        }
        unsigned char c = b[i];
        if (c == '"') break;
        if (c == '\\') {
            esc = true;
            if (i + 1 >= len) {
                return unterminated(sc, err, start);
            }
            unsigned char e = b[i + 1];
            if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                e == 'r' || e == 't') {
                i += 2;
                dec++;
                continue;
            }
            if (e != 'u') {
                char d[16];
                return fail(sc, err, RP_E_JSON_SYNTAX, i,
                            "invalid escape: backslash followed by %s", describe(sc, i + 1, d));
            }
            /* rpj_hex4 is -1 unless all four are hex digits */
            long cp = len - i >= 6 ? rpj_hex4((const char *)b + i + 2) : -1;
            if (cp < 0) {
                return fail(sc, err, RP_E_JSON_SYNTAX, i,
                            "invalid \\u escape: expected 4 hex digits");
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(sc, err, RP_E_JSON_UTF8, i,
                            "lone low surrogate \\u%04lX (no high surrogate before it)", cp);
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = -1;
                if (i + 11 < len && b[i + 6] == '\\' && b[i + 7] == 'u')
                    lo = rpj_hex4((const char *)b + i + 8);
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    return fail(sc, err, RP_E_JSON_UTF8, i,
                                "high surrogate \\u%04lX not followed by a low surrogate "
                                "escape \\uDC00-\\uDFFF", cp);
                }
                i += 12;
                dec += 4;
                continue;
            }
            i += 6;
            dec += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
            continue;
        }
        if (c < 0x20) {
            return fail(sc, err, RP_E_JSON_SYNTAX, i,
                        "control character 0x%02X in a string must be escaped", c);
        }
        const char *why = "";
        size_t n = rpj_utf8_seq(b + i, len - i, &why);
        if (n == 0) {
            return fail(sc, err, RP_E_JSON_UTF8, i,
                        "invalid UTF-8 byte 0x%02X in a string (%s)", c, why);
        }
        i += n;
        dec += n;
    }
    out->raw = sc->buf + start + 1;
    out->raw_len = i - start - 1;
    out->escaped = esc;
    out->offset = start;
    if (dec_len != NULL) *dec_len = dec;
    sc->pos = i + 1;
    return 0;
}

/* The common case inline: a string of plain ASCII found 8 bytes at a time. Anything else
 * (escape, control byte, non-ASCII) continues in scan_string_slow from where we are. At
 * -Os scan_string_slow does all of it, from the first byte (the same results). */
static inline int scan_string(rp_json_scanner *sc, rp_error *err, rp_json_str *out,
                              size_t *dec_len)
{
#if defined(__OPTIMIZE_SIZE__)
    return scan_string_slow(sc, err, out, dec_len, sc->pos + 1);
#else
    const unsigned char *b = (const unsigned char *)sc->buf;
    const size_t len = sc->len, start = sc->pos;
    size_t i = rpj_skip_plain(b, start + 1, len);
    if (i >= len || b[i] != '"') return scan_string_slow(sc, err, out, dec_len, i);
    out->raw = sc->buf + start + 1;
    out->raw_len = i - start - 1;
    out->escaped = false;
    out->offset = start;
    if (dec_len != NULL) *dec_len = out->raw_len;
    sc->pos = i + 1;
    return 0;
#endif
}

/* Offset of the first byte at or after i that is not a decimal digit (or len). */
static inline size_t skip_digits(const unsigned char *b, size_t i, size_t len)
{
    while (i < len && is_digit(b[i])) i++;
    return i;
}

#define DIGIT_EXPECTED "invalid number: expected a digit "

/* number = [ minus ] int [ frac ] [ exp ]   (sc->pos at '-' or a digit) */
static inline int scan_number(rp_json_scanner *sc, rp_error *err, rp_json_str *out, bool *is_integer)
{
    const unsigned char *b = (const unsigned char *)sc->buf;
    const size_t len = sc->len, start = sc->pos;
    size_t i = start;
    /* written before any error return, so that gcc -O3 sees every caller's copy set */
    *is_integer = true;
    out->raw = sc->buf + start;
    out->raw_len = 0;
    if (b[i] == '-') i++;
    size_t digits = i;
    if (i < len && b[i] == '0') i++;
    else i = skip_digits(b, i, len);
    if (i == digits) return expected(sc, err, i, DIGIT_EXPECTED, "after '-'");
    if (i < len && b[i] == '.') {
        *is_integer = false;
        digits = ++i;
        i = skip_digits(b, i, len);
        if (i == digits) return expected(sc, err, i, DIGIT_EXPECTED, "after '.'");
    }
    if (i < len && (b[i] == 'e' || b[i] == 'E')) {
        *is_integer = false;
        i++;
        if (i < len && (b[i] == '+' || b[i] == '-')) i++;
        digits = i;
        i = skip_digits(b, i, len);
        if (i == digits) return expected(sc, err, i, DIGIT_EXPECTED, "in the exponent");
    }
    if (i < len && !is_delim(b[i])) {
        char d[16];
        return fail(sc, err, RP_E_JSON_SYNTAX, i,
                    "invalid number: unexpected %s after \"%.*s\"", describe(sc, i, d),
                    (int)(i - start > 40 ? 40 : i - start), sc->buf + start);
    }
    out->raw_len = i - start;
    out->escaped = false;
    out->offset = start;
    sc->pos = i;
    return 0;
}

/* true / false / null */
static inline int scan_literal(rp_json_scanner *sc, rp_error *err, const char *word, size_t n)
{
    size_t i = sc->pos;
    if (sc->len - i < n || memcmp(sc->buf + i, word, n) != 0 ||
        (sc->len - i > n && !is_delim((unsigned char)sc->buf[i + n]))) {
        return expected(sc, err, i, "expected a JSON value", "");
    }
    sc->pos = i + n;
    return 0;
}

/* The type of the value that starts with byte c; RP_JSON_NONE when none can. */
static inline rp_json_type type_of_byte(char c)
{
    switch (c) {
    case '{': return RP_JSON_OBJECT_BEGIN;
    case '[': return RP_JSON_ARRAY_BEGIN;
    case '"': return RP_JSON_STRING;
    case 't': return RP_JSON_TRUE;
    case 'f': return RP_JSON_FALSE;
    case 'n': return RP_JSON_NULL;
    case '-': return RP_JSON_NUMBER;
    default: return (c >= '0' && c <= '9') ? RP_JSON_NUMBER : RP_JSON_NONE;
    }
}

/* value = object-begin / array-begin / string / number / true / false / null
 * (whitespace skipped; sc->pos at the first byte afterwards) */
static int scan_value(rp_json_scanner *sc, rp_json_token *tok, rp_error *err)
{
    size_t i = skip_ws(sc->buf, sc->pos, sc->len);
    sc->pos = i;
    sc->value_offset = i;
    tok->offset = i;
    tok->text.raw = NULL;
    tok->text.raw_len = 0;
    tok->text.escaped = false;
    tok->text.offset = i;
    tok->is_integer = false;
    if (i >= sc->len) {
        return fail(sc, err, RP_E_JSON_SYNTAX, i,
                    "expected a JSON value, found end of input");
    }
    /* the first byte classified as rp_json_peek and the typed readers do it */
    rp_json_type t = type_of_byte(sc->buf[i]);
    if (t == RP_JSON_NONE) return expected(sc, err, i, "expected a JSON value", "");
    tok->type = t;
    int rc;
    switch (t) {
    case RP_JSON_OBJECT_BEGIN: return push(sc, err, 1);
    case RP_JSON_ARRAY_BEGIN: return push(sc, err, 0);
    case RP_JSON_STRING:
        rc = scan_string(sc, err, &tok->text, NULL);
        break;
    case RP_JSON_NUMBER:
        rc = scan_number(sc, err, &tok->text, &tok->is_integer);
        break;
    case RP_JSON_TRUE:
        rc = scan_literal(sc, err, "true", 4);
        break;
    case RP_JSON_FALSE:
        rc = scan_literal(sc, err, "false", 5);
        break;
    default: /* RP_JSON_NULL */
        rc = scan_literal(sc, err, "null", 4);
        break;
    }
    if (rc == 0) sc->state = S_AFTER_VALUE;
    return rc;
}

/* member-key = string name-separator   (whitespace skipped first) */
static int scan_key(rp_json_scanner *sc, rp_json_str *key, const char *after, rp_error *err)
{
    size_t i = skip_ws(sc->buf, sc->pos, sc->len);
    sc->pos = i;
    if (i >= sc->len || sc->buf[i] != '"') {
        return expected(sc, err, i, "expected a string key ", after);
    }
    sc->value_offset = i;
    int rc = scan_string(sc, err, key, NULL);
    if (rc < 0) return rc;
    i = skip_ws(sc->buf, sc->pos, sc->len);
    if (i >= sc->len || sc->buf[i] != ':') {
        return expected(sc, err, i, "expected ':' after object key", "");
    }
    sc->pos = i + 1;
    sc->state = S_VALUE;
    return 0;
}

/* The trailer after the top-level value: whitespace only, or anything when ignored. */
static int check_trailer(rp_json_scanner *sc, rp_error *err)
{
    if (!(sc->flags & RP_JSON_TRAILING_IGNORE)) {
        size_t i = skip_ws(sc->buf, sc->pos, sc->len);
        if (i < sc->len) {
            char d[16];
            return fail(sc, err, RP_E_JSON_TRAILING, i,
                        "unexpected %s after the JSON value", describe(sc, i, d));
        }
        sc->pos = i;
    }
    sc->state = S_END;
    return 0;
}

/* ---- public: setup ------------------------------------------------------------------ */

void rp_json_scanner_init(rp_json_scanner *sc, const char *buf, size_t len, rp_json_flags flags)
{
    /* The container stack is not cleared: a level's bit is always written by push()
     * before it is read. */
    sc->pos = 0;
    sc->value_offset = 0;
    sc->path = NULL;
    sc->depth = 0;
    sc->failed = 0;
    sc->buf = buf == NULL ? "" : buf;
    sc->len = buf == NULL ? 0 : len;
    sc->flags = (uint8_t)(flags & (RP_JSON_TRAILING_IGNORE | RP_JSON_FLOAT_TRUNCATE));
    sc->max_depth = RP_JSON_DEFAULT_DEPTH;
    sc->state = S_VALUE;
}

int rp_json_scanner_set_max_depth(rp_json_scanner *sc, unsigned max_depth)
{
    if (sc == NULL || max_depth < 1 || max_depth > RP_JSON_MAX_DEPTH) return RP_E_ARGUMENT;
    sc->max_depth = (uint32_t)max_depth;
    return 0;
}

void rp_json_scanner_set_path(rp_json_scanner *sc, const rp_json_path *path)
{
    sc->path = path;
}

size_t rp_json_offset(const rp_json_scanner *sc)
{
    return sc->pos;
}

size_t rp_json_value_offset(const rp_json_scanner *sc)
{
    return sc->value_offset;
}

unsigned rp_json_depth(const rp_json_scanner *sc)
{
    return sc->depth;
}

/* ---- public: generic tokens --------------------------------------------------------- */

/* The steps below are inlined into each caller except at -Os, so rp_json_next_key and
 * rp_json_next_element (the schema decoder's loop) stay as fast as when written out. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define RPJ_STEP static inline __attribute__((always_inline))
#else
#define RPJ_STEP static
#endif

/* The step after '{' (first) or after a member: '}' ends the object (*done), else the
 * next key is read, after a ',' unless first. For rp_json_next tok is its token (filled
 * before the key is read, as the key goes to tok->text); NULL for rp_json_next_key. */
RPJ_STEP int member_step(rp_json_scanner *sc, bool first, rp_json_token *tok, rp_json_str *key,
                       bool *done, rp_error *err)
{
    size_t i = skip_ws(sc->buf, sc->pos, sc->len);
    sc->pos = i;
    if (i < sc->len && sc->buf[i] == '}') {
        *done = true;
        if (tok != NULL) {
            tok->type = RP_JSON_OBJECT_END;
            tok->offset = i;
            tok->text.raw = NULL;
        }
        pop(sc);
        return 0;
    }
    if (!first) {
        if (i >= sc->len || sc->buf[i] != ',')
            return expected(sc, err, i, "expected ',' or '}' after object member", "");
        sc->pos = i + 1;
    }
    *done = false;
    if (tok != NULL) {
        tok->type = RP_JSON_KEY;
        tok->offset = first ? i : skip_ws(sc->buf, sc->pos, sc->len);
        tok->is_integer = false;
    }
    return scan_key(sc, key, first ? "or '}' after '{'" : "after ','", err);
}

/* The step after '[' (first) or after an element: ']' ends the array (*done), else a
 * value is due, after a ',' unless first (the state says so; the value is not read).
 * tok as for member_step. */
RPJ_STEP int element_step(rp_json_scanner *sc, bool first, rp_json_token *tok, bool *done,
                        rp_error *err)
{
    size_t i = skip_ws(sc->buf, sc->pos, sc->len);
    sc->pos = i;
    if (i < sc->len && sc->buf[i] == ']') {
        *done = true;
        if (tok != NULL) {
            tok->type = RP_JSON_ARRAY_END;
            tok->offset = i;
            tok->text.raw = NULL;
        }
        pop(sc);
        return 0;
    }
    if (!first) {
        if (i >= sc->len || sc->buf[i] != ',')
            return expected(sc, err, i, "expected ',' or ']' after array element", "");
        sc->pos = i + 1;
    }
    *done = false;
    sc->state = S_VALUE;
    return 0;
}

int rp_json_next(rp_json_scanner *sc, rp_json_token *tok, rp_error *err)
{
    if (sc->failed) return stuck(sc, err);
    bool done = false, first = false;
    int rc;
    switch (sc->state) {
    case S_VALUE:
        return scan_value(sc, tok, err);
    case S_OBJECT_FIRST:
        return member_step(sc, true, tok, &tok->text, &done, err);
    case S_ARRAY_FIRST:
        first = true;
        break;
    case S_AFTER_VALUE:
        if (sc->depth == 0) {
            rc = check_trailer(sc, err);
            if (rc < 0) return rc;
            goto end;
        }
        if (in_object(sc)) return member_step(sc, false, tok, &tok->text, &done, err);
        break;
    default:
        goto end;
    }
    /* In an array: its end, or (a failed value's error is sticky, so the state set for it
     * is never looked at again) the next element. */
    rc = element_step(sc, first, tok, &done, err);
    if (rc < 0 || done) return rc;
    return scan_value(sc, tok, err);
end:
    tok->type = RP_JSON_END;
    tok->offset = sc->pos;
    tok->text.raw = NULL;
    tok->text.raw_len = 0;
    tok->is_integer = false;
    return 0;
}

/* ---- public: typed reading ---------------------------------------------------------- */

/* Positions at the first byte of a value where one is expected. */
static inline int at_value(rp_json_scanner *sc, rp_error *err)
{
    if (sc->failed) return stuck(sc, err);
    if (sc->state != S_VALUE) {
        return fail(sc, err, RP_E_ARGUMENT, sc->pos,
                    "no value expected here (read a key or element first)");
    }
    size_t i = skip_ws(sc->buf, sc->pos, sc->len);
    sc->pos = i;
    sc->value_offset = i;
    if (i >= sc->len) {
        return fail(sc, err, RP_E_JSON_SYNTAX, i,
                    "expected a JSON value, found end of input");
    }
    return 0;
}

/* What the value of type t is, in "expected X, found Y": the phrases by rp_json_type
 * (RP_JSON_NONE .. RP_JSON_END; only the types type_of_byte gives are asked for), walked
 * rather than switched over, which is a fraction of the code (an error path). */
static const char *type_phrase(rp_json_type t)
{
    const char *p = "something else\0an object\0something else\0an array\0something else\0"
                    "something else\0a string\0a number\0true\0false\0null\0something else";
    for (unsigned n = (unsigned)t <= RP_JSON_END ? (unsigned)t : 0u; n > 0; n--)
        p += strlen(p) + 1;
    return p;
}

/* The value at sc->pos is not what the caller wanted: a schema error if it is a value at
 * all (not consumed, so the caller may skip it), else a syntax error. */
static RPJ_COLD int wrong_type(rp_json_scanner *sc, rp_error *err, const char *wanted)
{
    rp_json_type t = type_of_byte(sc->buf[sc->pos]);
    if (t == RP_JSON_NONE) {
        return expected(sc, err, sc->pos, "expected a JSON value", "");
    }
    return fail(sc, err, RP_E_SCHEMA_TYPE, sc->pos, "expected %s, found %s",
                wanted, type_phrase(t));
}

int rp_json_peek(rp_json_scanner *sc, rp_json_type *type, rp_error *err)
{
    if (sc->failed) return stuck(sc, err);
    if (sc->state != S_VALUE && sc->state != S_ARRAY_FIRST) {
        return fail(sc, err, RP_E_ARGUMENT, sc->pos, "no value expected here");
    }
    size_t i = skip_ws(sc->buf, sc->pos, sc->len);
    sc->pos = i;
    if (sc->state == S_ARRAY_FIRST && i < sc->len && sc->buf[i] == ']') {
        *type = RP_JSON_ARRAY_END;
        return 0;
    }
    rp_json_type t = i < sc->len ? type_of_byte(sc->buf[i]) : RP_JSON_NONE;
    if (t == RP_JSON_NONE) {
        return expected(sc, err, i, "expected a JSON value", "");
    }
    *type = t;
    return 0;
}

/* Enters the object (or array) that must come next: one copy of the checks for both. */
static inline int expect_begin(rp_json_scanner *sc, rp_error *err, int object)
{
    int rc = at_value(sc, err);
    if (rc < 0) return rc;
    if (sc->buf[sc->pos] != (object ? '{' : '['))
        return wrong_type(sc, err, object ? "an object" : "an array");
    return push(sc, err, object);
}

int rp_json_expect_object_begin(rp_json_scanner *sc, rp_error *err)
{
    return expect_begin(sc, err, 1);
}

int rp_json_expect_array_begin(rp_json_scanner *sc, rp_error *err)
{
    return expect_begin(sc, err, 0);
}

int rp_json_next_key(rp_json_scanner *sc, rp_json_str *key, bool *done, rp_error *err)
{
    if (sc->failed) return stuck(sc, err);
    if (sc->state == S_OBJECT_FIRST) return member_step(sc, true, NULL, key, done, err);
    if (sc->state == S_AFTER_VALUE && sc->depth > 0 && in_object(sc))
        return member_step(sc, false, NULL, key, done, err);
    return fail(sc, err, RP_E_ARGUMENT, sc->pos,
                "not at an object member (inside an array, or a value is still unread)");
}

int rp_json_next_element(rp_json_scanner *sc, bool *done, rp_error *err)
{
    if (sc->failed) return stuck(sc, err);
    if (sc->state == S_ARRAY_FIRST) return element_step(sc, true, NULL, done, err);
    if (sc->state == S_AFTER_VALUE && sc->depth > 0 && !in_object(sc))
        return element_step(sc, false, NULL, done, err);
    return fail(sc, err, RP_E_ARGUMENT, sc->pos,
                "not at an array element (inside an object, or a value is still unread)");
}

/* Reads a number value's text; not a number -> schema-type. */
static inline int read_number(rp_json_scanner *sc, rp_json_str *text, bool *is_integer, rp_error *err)
{
    int rc = at_value(sc, err);
    if (rc < 0) return rc;
    if (type_of_byte(sc->buf[sc->pos]) != RP_JSON_NUMBER) return wrong_type(sc, err, "a number");
    rc = scan_number(sc, err, text, is_integer);
    if (rc == 0) sc->state = S_AFTER_VALUE;
    return rc;
}

/* Shows a number in a message, shortened when very long. */
#define NUM_SHOW 40

/* A json-number error at the number t: "<pre><number><what><type>", the number shortened
 * as above (one out-of-line copy of that for the four messages). */
static RPJ_COLD int number_fail(rp_json_scanner *sc, rp_error *err, const rp_json_str *t,
                                const char *pre, const char *what, const char *type)
{
    return fail(sc, err, RP_E_JSON_NUMBER, t->offset, "%s%.*s%s%s%s", pre,
                (int)(t->raw_len > NUM_SHOW ? NUM_SHOW : t->raw_len), t->raw,
                t->raw_len > NUM_SHOW ? "..." : "", what, type);
}

static inline int to_mag(rp_json_scanner *sc, const rp_json_str *t, bool integer, bool *neg,
                  uint64_t *mag, const char *type, rp_error *err)
{
    if (!integer && !(sc->flags & RP_JSON_FLOAT_TRUNCATE)) {
        return number_fail(sc, err, t, "expected an integer, found ", "", "");
    }
#if !defined(__OPTIMIZE_SIZE__) /* at -Os rpj_number_to_u64mag does these too */
    if (integer) {
        /* Fast path: up to 19 digits always fit 64 bits. */
        const char *p = t->raw;
        size_t n = t->raw_len;
        bool ng = *p == '-';
        if (ng) {
            p++;
            n--;
        }
        if (n <= 19) {
            uint64_t m = 0;
            for (size_t k = 0; k < n; k++) m = m * 10u + (uint64_t)(p[k] - '0');
            *neg = ng;
            *mag = m;
            return 0;
        }
    }
#endif
    int r = rpj_number_to_u64mag(t->raw, t->raw_len, true, neg, mag);
    if (r != RPJ_NUM_OK) {
        return number_fail(sc, err, t, "number ", " does not fit ", type);
    }
    return 0;
}

/* The common integer in one pass: at most 19 digits (always fit 64 bits), no fraction or
 * exponent, then a delimiter or the end. Returns false to take the general path, which
 * also produces every error. */
#if !defined(__OPTIMIZE_SIZE__)
static inline bool fast_int(rp_json_scanner *sc, bool *neg, uint64_t *mag)
{
    const unsigned char *b = (const unsigned char *)sc->buf;
    const size_t len = sc->len;
    size_t i = sc->pos;
    bool ng = b[i] == '-';
    if (ng) i++;
    size_t d0 = i;
    uint64_t m = 0;
    if (i < len && b[i] == '0') {
        i++;
    } else {
        size_t lim = len - i < 19 ? len : i + 19;
        while (i < lim) {
            unsigned dg = (unsigned)b[i] - '0';
            if (dg > 9) break;
            m = m * 10u + dg;
            i++;
        }
    }
    if (i == d0 || (i < len && !is_delim(b[i]))) return false;
    *neg = ng;
    *mag = m;
    sc->pos = i;
    sc->state = S_AFTER_VALUE;
    return true;
}
#endif

/* Reads an integer value as sign and magnitude; *t gets its text for messages. */
static inline int read_int(rp_json_scanner *sc, rp_json_str *t, bool *neg, uint64_t *mag,
                           const char *type, rp_error *err)
{
    int rc = at_value(sc, err);
    if (rc < 0) return rc;
    t->offset = sc->pos;
    t->escaped = false;
    t->raw = sc->buf + sc->pos;
#if !defined(__OPTIMIZE_SIZE__) /* at -Os the general path below reads these too */
    if (fast_int(sc, neg, mag)) {
        t->raw_len = sc->pos - t->offset;
        return 0;
    }
#endif
    if (type_of_byte(sc->buf[sc->pos]) != RP_JSON_NUMBER) return wrong_type(sc, err, "a number");
    bool integer;
    rc = scan_number(sc, err, t, &integer);
    if (rc < 0) return rc;
    sc->state = S_AFTER_VALUE;
    return to_mag(sc, t, integer, neg, mag, type, err);
}

int rp_json_read_u64(rp_json_scanner *sc, uint64_t *out, rp_error *err)
{
    rp_json_str t;
    bool neg;
    uint64_t mag;
    int rc = read_int(sc, &t, &neg, &mag, "uint64", err);
    if (rc < 0) return rc;
    if (neg && mag != 0) {
        return number_fail(sc, err, &t, "number ", " does not fit ", "uint64 (negative)");
    }
    *out = mag;
    return 0;
}

int rp_json_read_i64(rp_json_scanner *sc, int64_t *out, rp_error *err)
{
    rp_json_str t;
    bool neg;
    uint64_t mag;
    int rc = read_int(sc, &t, &neg, &mag, "int64", err);
    if (rc < 0) return rc;
    const uint64_t lim = (uint64_t)INT64_MAX + (neg ? 1u : 0u);
    if (mag > lim) {
        return number_fail(sc, err, &t, "number ", " does not fit ", "int64");
    }
    if (!neg) *out = (int64_t)mag;
    else if (mag == (uint64_t)INT64_MAX + 1u) *out = INT64_MIN;
    else *out = -(int64_t)mag;
    return 0;
}

int rp_json_read_number_text(rp_json_scanner *sc, rp_str *text, bool *is_integer, rp_error *err)
{
    rp_json_str t;
    t.raw = NULL; /* read_number fills t and integer when it returns 0; gcc -O3 cannot see it */
    t.raw_len = 0;
    bool integer = false;
    int rc = read_number(sc, &t, &integer, err);
    if (rc < 0) return rc;
    text->ptr = t.raw;
    text->len = t.raw_len;
    if (is_integer != NULL) *is_integer = integer;
    return 0;
}

int rp_json_read_bool(rp_json_scanner *sc, bool *out, rp_error *err)
{
    int rc = at_value(sc, err);
    if (rc < 0) return rc;
    char c = sc->buf[sc->pos];
    if (c == 't') rc = scan_literal(sc, err, "true", 4);
    else if (c == 'f') rc = scan_literal(sc, err, "false", 5);
    else return wrong_type(sc, err, "true or false");
    if (rc < 0) return rc;
    sc->state = S_AFTER_VALUE;
    *out = c == 't';
    return 0;
}

int rp_json_read_null(rp_json_scanner *sc, rp_error *err)
{
    int rc = at_value(sc, err);
    if (rc < 0) return rc;
    if (sc->buf[sc->pos] != 'n') return wrong_type(sc, err, "null");
    rc = scan_literal(sc, err, "null", 4);
    if (rc < 0) return rc;
    sc->state = S_AFTER_VALUE;
    return 0;
}

static inline int read_string(rp_json_scanner *sc, rp_json_str *out, size_t *dec, rp_error *err)
{
    int rc = at_value(sc, err);
    if (rc < 0) return rc;
    if (sc->buf[sc->pos] != '"') return wrong_type(sc, err, "a string");
    rc = scan_string(sc, err, out, dec);
    if (rc == 0) sc->state = S_AFTER_VALUE;
    return rc;
}

int rp_json_read_string_view(rp_json_scanner *sc, rp_json_str *out, rp_error *err)
{
    return read_string(sc, out, NULL, err);
}

int rp_json_read_string_into(rp_json_scanner *sc, rp_arena *storage, rp_str *out, rp_error *err)
{
    rp_json_str s;
    size_t dec;
    int rc = read_string(sc, &s, &dec, err);
    if (rc < 0) return rc;
    char *dst = (char *)rp_arena_alloc(storage, dec + 1, 1);
    if (dst == NULL) {
        return fail(sc, err, RP_E_OVERFLOW, s.offset,
                    "string of %zu bytes does not fit the decode storage (%zu bytes left)",
                    dec, rp_arena_remaining(storage));
    }
    if (!s.escaped) {
        if (dec > 0) memcpy(dst, s.raw, dec);
        dst[dec] = '\0';
    } else {
        size_t n;
        rc = rp_json_unescape(&s, dst, dec + 1, &n, err);
        if (rc < 0) return rc; /* cannot happen: dec is the exact length */
    }
    out->ptr = dst;
    out->len = dec;
    return 0;
}

int rp_json_skip_value(rp_json_scanner *sc, rp_error *err)
{
    int rc = at_value(sc, err);
    if (rc < 0) return rc;
    uint32_t base = sc->depth;
    rp_json_token tok;
    rc = scan_value(sc, &tok, err);
    while (rc == 0 && sc->depth > base) rc = rp_json_next(sc, &tok, err);
    return rc;
}

int rp_json_finish(rp_json_scanner *sc, rp_error *err)
{
    if (sc->failed) return stuck(sc, err);
    if (sc->state == S_END) return 0;
    if (sc->state != S_AFTER_VALUE || sc->depth != 0) {
        return fail(sc, err, RP_E_ARGUMENT, sc->pos,
                    "the JSON value is not complete yet");
    }
    return check_trailer(sc, err);
}
