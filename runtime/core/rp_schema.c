/* rp_schema.c — decode, validate, encode and classify messages from their descriptions.
 *
 * One walk per job:
 *   decode    read_message -> read_object / read_items -> read_field -> check_value
 *   validate  validate_message -> validate_field -> check_value
 *   encode    validate, then write_message -> write_field
 * check_value is shared, so a rule is enforced in exactly one place whether the value came
 * off the wire or from a caller's struct. Problems go through problem(), which either fails
 * (decode/validate/encode) or reports and continues (rp_schema_check_all).
 *
 * In front of decode and encode sit fast lanes (fast_decode, fast_put_message) for the
 * common case: compact, valid text and valid messages. They only ever succeed; at anything
 * unusual they give up and the walks above run from scratch, so every error, offset, path
 * and spec location comes from the walks, as before. The lanes check rules with the same
 * predicates (u_ok, i_ok, len_ok, the charset bits). tests/unit/test_schema_lanes.c holds
 * them to the walks.
 */
#include "rp_schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rp_codec.h"
#include "rp_codec_internal.h"
#include "rp_json_float.h"
#include "rp_json_internal.h"
#include "rp_json_number.h"

/* Small helpers of the fast lanes that the compiler should fold into each caller (it
 * stops doing so on its own once they have two callers, which costs ~5% of a decode). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define RP_SCHEMA_HOT inline __attribute__((always_inline))
#else
#define RP_SCHEMA_HOT inline
#endif
/* Branches the lanes almost never take (fields of the type system's rarer kinds). */
#if defined(__GNUC__) || defined(__clang__)
#define RP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define RP_UNLIKELY(x) (x)
#endif
/* Paths of the lanes that are rare (an unknown key) stay out of the hot loops. */
#if defined(__GNUC__) || defined(__clang__)
#define RP_SCHEMA_COLD __attribute__((noinline, cold))
#else
#define RP_SCHEMA_COLD
#endif
/* The base64 tables of speed only where speed is asked for (rp_codec_internal.h: not at -Os). */
#define RP_SCHEMA_B64_PAIRS RP_CODEC_B64_PAIRS

/* ---- context ---------------------------------------------------------------------------- */

typedef struct schema_ctx {
    rp_json_scanner sc;
    rp_json_path path;
    bool scanning;              /* offsets refer to sc's input (decode) or are unknown */
    rp_arena *storage;
    bool string_numbers_absent; /* the profile's settings (all false: strict) */
    bool null_absent;
    bool duplicate_last;
    bool base64_lenient;
    bool float_truncate;        /* a fraction where an integer belongs: its integer part */
    uint32_t relax;             /* the profile's bit in the fields' relax masks, or 0 */
    rp_error *err;              /* first (and only) error in fail-fast mode; may be NULL */
    rp_schema_report_fn report; /* collect-all mode when non-NULL */
    void *report_ctx;
    size_t problems;
    rp_error scratch;           /* JSON errors in collect-all mode land here first */
    struct absent_notes *absent; /* the object being read: values the profile took as absent */
    bool read_null;             /* read_one just read null into a nullable field */
} schema_ctx;

/* Where the profile took a value as absent (a string where a number belongs, or null) in the
 * object being read, so that a required key can be reported as missing at that value and
 * with the reason, rather than at the object with none. Bounded: later ones fall back to
 * the plain message. */
#define ABSENT_NOTES 8
typedef struct absent_notes {
    const rp_schema_field *field[ABSENT_NOTES];
    size_t offset[ABSENT_NOTES];
    const char *what[ABSENT_NOTES];
    size_t n;
} absent_notes;

/* The nesting limit of m's JSON (rp_schema_message.max_depth). */
static unsigned depth_of(const rp_schema_message *m)
{
    if (m->max_depth == 0) return RP_JSON_DEFAULT_DEPTH;
    return m->max_depth > RP_JSON_MAX_DEPTH ? RP_JSON_MAX_DEPTH : m->max_depth;
}

/* The scanner flags of a profile. */
static rp_json_flags json_flags(const rp_schema_profile *p)
{
    if (p == NULL) return RP_JSON_STRICT;
    return (p->trailing_ignore ? RP_JSON_TRAILING_IGNORE : 0u) |
           (p->float_truncate ? RP_JSON_FLOAT_TRUNCATE : 0u);
}

static uint32_t relax_bit(const rp_schema_profile *p)
{
    return p == NULL || p->index > 31 ? 0u : (uint32_t)1 << p->index;
}

/* Where scanner calls put their errors. */
static rp_error *json_err(schema_ctx *cx)
{
    return cx->report != NULL ? &cx->scratch : cx->err;
}

/* Records a schema problem at the current path. Fail-fast: fills cx->err and returns code.
 * Collect-all: reports it and returns 0 so the caller carries on. */
static int problem(schema_ctx *cx, int code, size_t offset, const rp_spec_loc *loc,
                   const char *fmt, ...) RP_PRINTF(5, 6);

static int problem(schema_ctx *cx, int code, size_t offset, const rp_spec_loc *loc,
                   const char *fmt, ...)
{
    rp_error local;
    rp_error *dst = cx->report != NULL ? &local : cx->err;
    if (dst != NULL) {
        char msg[RP_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        (void)rp_error_set(dst, (rp_status)code, RP_LAYER_SCHEMA, offset, "%s", msg);
        rp_json_path_to_error(&cx->path, dst);
        if (loc != NULL && loc->file != NULL)
            rp_error_set_spec(dst, loc->file, loc->line, loc->column);
    }
    if (cx->report != NULL) {
        cx->report(cx->report_ctx, &local);
        cx->problems++;
        return 0;
    }
    return code;
}

static size_t here(const schema_ctx *cx)
{
    return cx->scanning ? rp_json_value_offset(&cx->sc) : SIZE_MAX;
}

/* ---- struct access ------------------------------------------------------------------------ */

/* Sets the presence flag of f (fields without one are always present). */
static void set_has(void *msg, const rp_schema_field *f, bool on)
{
    if (f->has_offset != SIZE_MAX)
        *(bool *)((char *)msg + f->has_offset) = on;
}

static bool get_has(const void *msg, const rp_schema_field *f)
{
    return f->has_offset == SIZE_MAX || *(const bool *)((const char *)msg + f->has_offset);
}

/* The null flag of a nullable field (false for the others). */
static void set_null(void *msg, const rp_schema_field *f, bool on)
{
    if (f->nullable)
        *(bool *)((char *)msg + f->null_offset) = on;
}

static bool get_null(const void *msg, const rp_schema_field *f)
{
    return f->nullable && *(const bool *)((const char *)msg + f->null_offset);
}

/* Item i of a repeated or map field whose items start at base: the value, and (maps) the
 * entry's key. */
static size_t item_stride(const rp_schema_field *f)
{
    return f->map ? f->entry_size : f->size;
}

static char *item_value(const rp_schema_field *f, char *base, size_t i)
{
    return base + i * item_stride(f) + (f->map ? f->value_offset : 0);
}

static rp_str *item_key(const rp_schema_field *f, char *base, size_t i)
{
    return (rp_str *)(void *)(base + i * f->entry_size);
}

static size_t *count_of(void *msg, const rp_schema_field *f)
{
    return (size_t *)((char *)msg + f->count_offset);
}

static size_t get_count(const void *msg, const rp_schema_field *f)
{
    return *(const size_t *)((const char *)msg + f->count_offset);
}

static uint64_t load_u(const void *p, size_t size)
{
    switch (size) {
    case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static int64_t load_i(const void *p, size_t size)
{
    switch (size) {
    case 1: { int8_t v; memcpy(&v, p, 1); return v; }
    case 2: { int16_t v; memcpy(&v, p, 2); return v; }
    case 4: { int32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* Callers have checked that v fits `size` bytes. */
static void store_u(void *p, size_t size, uint64_t v)
{
    switch (size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static void store_i(void *p, size_t size, int64_t v)
{
    switch (size) {
    case 1: { int8_t x = (int8_t)v; memcpy(p, &x, 1); break; }
    case 2: { int16_t x = (int16_t)v; memcpy(p, &x, 2); break; }
    case 4: { int32_t x = (int32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static uint64_t umax_of(uint8_t bits)
{
    return bits >= 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1u);
}

static int64_t imax_of(uint8_t bits)
{
    return bits >= 64 ? INT64_MAX : (int64_t)((((uint64_t)1) << (bits - 1u)) - 1u);
}

static int64_t imin_of(uint8_t bits)
{
    return -imax_of(bits) - 1;
}

/* ---- init / reset --------------------------------------------------------------------------- */

static const rp_schema_rule *const_rule(const rp_schema_field *f)
{
    for (size_t i = 0; i < f->rule_count; i++)
        if (f->rules[i].kind == RP_RULE_CONST)
            return &f->rules[i];
    return NULL;
}

/* Zero + defaults (+ consts with presence when with_consts). Items of repeated fields are
 * left alone: a count of zero says there are none. */
static void reset_message(const rp_schema_message *m, void *msg, bool with_consts)
{
    if (m->is_array) {
        *count_of(msg, &m->fields[0]) = 0;
        return;
    }
    memset(msg, 0, m->size);
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        void *p = (char *)msg + f->offset;
        if (f->repeated)
            continue;
        if (f->type == RP_SCHEMA_MESSAGE) {
            reset_message(f->message, p, with_consts);
            continue;
        }
        if (f->has_default) {
            switch (f->type) {
            case RP_SCHEMA_BOOL: *(bool *)p = f->def_u != 0; break;
            case RP_SCHEMA_INT: store_i(p, f->size, f->def_i); break;
            case RP_SCHEMA_UINT: case RP_SCHEMA_STRENUM: store_u(p, f->size, f->def_u); break;
            case RP_SCHEMA_FLOAT64: memcpy(p, &f->def_f, sizeof f->def_f); break;
            case RP_SCHEMA_STRING: {
                rp_str s = { f->def_str, f->def_str != NULL ? strlen(f->def_str) : 0 };
                memcpy(p, &s, sizeof s);
                break;
            }
            default: break;
            }
        }
        const rp_schema_rule *c = with_consts ? const_rule(f) : NULL;
        if (c != NULL) {
            switch (f->type) {
            case RP_SCHEMA_BOOL: *(bool *)p = c->u_lo != 0; break;
            case RP_SCHEMA_INT: store_i(p, f->size, c->i_lo); break;
            case RP_SCHEMA_UINT: case RP_SCHEMA_STRENUM: store_u(p, f->size, c->u_lo); break;
            case RP_SCHEMA_STRING: {
                rp_str s = { c->str, c->str != NULL ? strlen(c->str) : 0 };
                memcpy(p, &s, sizeof s);
                break;
            }
            default: break;
            }
            set_has(msg, f, true);
        }
    }
}

void rp_schema_init(const rp_schema_message *m, void *msg)
{
    if (m == NULL || msg == NULL)
        return;
    if (m->is_array)
        memset(msg, 0, m->size);
    reset_message(m, msg, true);
}

/* ---- rules ---------------------------------------------------------------------------------- */

static bool in_u_set(const rp_schema_rule *r, uint64_t v)
{
    for (size_t i = 0; i < r->set_count; i++)
        if (r->u_set[i] == v)
            return true;
    return false;
}

static bool in_i_set(const rp_schema_rule *r, int64_t v)
{
    for (size_t i = 0; i < r->set_count; i++)
        if (r->i_set[i] == v)
            return true;
    return false;
}

static RP_SCHEMA_HOT bool u_ok(const rp_schema_rule *r, uint64_t v)
{
    switch (r->kind) {
    case RP_RULE_RANGE:
        return (!r->has_lo || v >= r->u_lo) && (!r->has_hi || v <= r->u_hi);
    case RP_RULE_ONE_OF:
    case RP_RULE_ENUM:
        return in_u_set(r, v);
    case RP_RULE_FLAGS:
        return (v & ~r->u_hi) == 0;
    case RP_RULE_CONST:
        return v == r->u_lo;
    default:
        return true;
    }
}

static RP_SCHEMA_HOT bool i_ok(const rp_schema_rule *r, int64_t v)
{
    switch (r->kind) {
    case RP_RULE_RANGE:
        return (!r->has_lo || v >= r->i_lo) && (!r->has_hi || v <= r->i_hi);
    case RP_RULE_ONE_OF:
    case RP_RULE_ENUM:
        return in_i_set(r, v);
    case RP_RULE_CONST:
        return v == r->i_lo;
    default:
        return true;
    }
}

/* Length (or count) rule: bounds, or membership when a set is given. */
static RP_SCHEMA_HOT bool len_ok(const rp_schema_rule *r, uint64_t n)
{
    if (r->u_set != NULL)
        return in_u_set(r, n);
    return (!r->has_lo || n >= r->u_lo) && (!r->has_hi || n <= r->u_hi);
}

static int check_len_rules(schema_ctx *cx, const rp_schema_field *f, rp_schema_rule_kind kind,
                           uint64_t n, size_t offset, const char *what)
{
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind != kind || len_ok(r, n))
            continue;
        int rc = problem(cx, RP_E_SCHEMA_LENGTH, offset, &r->loc, "expected %s %s, got %" PRIu64,
                         what, r->expect, n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The whole of s[0..n) matches the DFA: one table step per byte, never more. */
static bool pattern_ok(const rp_schema_pattern *pt, const char *s, size_t n)
{
    unsigned st = 1;
    for (size_t i = 0; i < n && st != 0; i++)
        st = pt->next[(size_t)st * pt->classes + pt->byte_class[(unsigned char)s[i]]];
    return pt->accept[st] != 0;
}

/* The key rules of a map field against one key (offset: of the key in the input). */
static int check_key(schema_ctx *cx, const rp_schema_field *f, rp_str key, size_t offset)
{
    int rc = 0;
    for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind == RP_RULE_KEY_LEN && !len_ok(r, key.len)) {
            rc = problem(cx, RP_E_SCHEMA_LENGTH, offset, &r->loc, "expected a key of length %s, got %zu",
                         r->expect, key.len);
        } else if (r->kind == RP_RULE_KEY_CHARSET) {
            for (size_t k = 0; k < key.len; k++) {
                unsigned char c = (unsigned char)key.ptr[k];
                if (r->charset[c >> 3] & (1u << (c & 7u)))
                    continue;
                char shown[8];
                if (c >= 0x20 && c < 0x7f)
                    snprintf(shown, sizeof shown, "'%c'", c);
                else
                    snprintf(shown, sizeof shown, "0x%02X", c);
                rc = problem(cx, RP_E_SCHEMA_CHARSET, offset, &r->loc, "expected a key of %s, got %s at index %zu",
                             r->expect, shown, k);
                break;
            }
        }
    }
    return rc;
}

/* Checks one present (non-repeated, or one item of a repeated) value against its rules.
 * p points at the value in the struct; offset is where it starts in the input. */
static int validate_message(schema_ctx *cx, const rp_schema_message *m, const void *msg);

static int check_value(schema_ctx *cx, const rp_schema_field *f, const void *p, size_t offset)
{
    int rc = 0;
    switch (f->type) {
    case RP_SCHEMA_BOOL: {
        bool b = *(const bool *)p;
        const rp_schema_rule *c = const_rule(f);
        if (c != NULL && b != (c->u_lo != 0))
            rc = problem(cx, RP_E_SCHEMA_CONST, offset, &c->loc, "expected %s, got %s", c->expect,
                         b ? "true" : "false");
        return rc;
    }
    case RP_SCHEMA_UINT: {
        uint64_t v = load_u(p, f->size);
        if (v > umax_of(f->bits))
            return problem(cx, RP_E_SCHEMA_RANGE, offset, &f->loc,
                           "%" PRIu64 " does not fit a %u-bit unsigned integer", v, f->bits);
        for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (!u_ok(r, v))
                rc = problem(cx, r->kind == RP_RULE_CONST ? RP_E_SCHEMA_CONST : RP_E_SCHEMA_RANGE,
                             offset, &r->loc, "expected %s, got %" PRIu64, r->expect, v);
        }
        return rc;
    }
    case RP_SCHEMA_INT: {
        int64_t v = load_i(p, f->size);
        if (v > imax_of(f->bits) || v < imin_of(f->bits))
            return problem(cx, RP_E_SCHEMA_RANGE, offset, &f->loc,
                           "%" PRId64 " does not fit a %u-bit signed integer", v, f->bits);
        for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (!i_ok(r, v))
                rc = problem(cx, r->kind == RP_RULE_CONST ? RP_E_SCHEMA_CONST : RP_E_SCHEMA_RANGE,
                             offset, &r->loc, "expected %s, got %" PRId64, r->expect, v);
        }
        return rc;
    }
    case RP_SCHEMA_FLOAT64: {
        double v;
        memcpy(&v, p, sizeof v);
        char shown[RP_JSON_DOUBLE_MAX];
        if (rp_json_format_double(v, shown, sizeof shown) == 0)
            return problem(cx, RP_E_SCHEMA_RANGE, offset, &f->loc,
                           "expected a finite number, got %s", v != v ? "NaN" : "an infinity");
        for (size_t i = 0; i < f->rule_count; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (r->kind == RP_RULE_RANGE && ((r->has_lo && !(v >= r->f_lo)) || (r->has_hi && !(v <= r->f_hi))))
                if ((rc = problem(cx, RP_E_SCHEMA_RANGE, offset, &r->loc, "expected %s, got %s",
                                  r->expect, shown)) < 0)
                    return rc;
        }
        return 0;
    }
    case RP_SCHEMA_STRENUM: {
        uint64_t v = load_u(p, f->size);
        for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (r->kind == RP_RULE_ENUM && (v == 0 || v > r->set_count))
                rc = problem(cx, RP_E_SCHEMA_RANGE, offset, &r->loc, "expected %s, got number %" PRIu64,
                             r->expect, v);
            else if (r->kind == RP_RULE_CONST && v != r->u_lo)
                rc = problem(cx, RP_E_SCHEMA_CONST, offset, &r->loc, "expected %s", r->expect);
        }
        return rc;
    }
    case RP_SCHEMA_STRING: {
        rp_str s;
        memcpy(&s, p, sizeof s);
        if (s.ptr == NULL && s.len > 0)
            return problem(cx, RP_E_ARGUMENT, offset, &f->loc, "string with length %zu but no text",
                           s.len);
        if (!cx->scanning) {
            rp_error u;
            if (rp_json_check_utf8(s.ptr, s.len, 0, &u) < 0)
                return problem(cx, RP_E_JSON_UTF8, offset, &f->loc, "%s", u.message);
        }
        if ((rc = check_len_rules(cx, f, RP_RULE_LEN, s.len, offset, "length")) < 0)
            return rc;
        for (size_t i = 0; i < f->rule_count; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (r->kind == RP_RULE_CHARSET) {
                for (size_t k = 0; k < s.len; k++) {
                    unsigned char c = (unsigned char)s.ptr[k];
                    if (r->charset[c >> 3] & (1u << (c & 7u)))
                        continue;
                    char shown[8];
                    if (c >= 0x20 && c < 0x7f)
                        snprintf(shown, sizeof shown, "'%c'", c);
                    else
                        snprintf(shown, sizeof shown, "0x%02X", c);
                    rc = problem(cx, RP_E_SCHEMA_CHARSET,
                                 offset == SIZE_MAX ? SIZE_MAX : offset + 1 + k, &r->loc,
                                 "expected %s, got %s at index %zu", r->expect, shown, k);
                    if (rc < 0)
                        return rc;
                    break; /* one problem per string is enough */
                }
            } else if (r->kind == RP_RULE_CONST && r->str != NULL) {
                if (s.len != strlen(r->str) || (s.len > 0 && memcmp(s.ptr, r->str, s.len) != 0))
                    if ((rc = problem(cx, RP_E_SCHEMA_CONST, offset, &r->loc, "expected %s",
                                      r->expect)) < 0)
                        return rc;
            } else if (r->kind == RP_RULE_PATTERN && !pattern_ok(r->pattern, s.ptr, s.len)) {
                if ((rc = problem(cx, RP_E_SCHEMA_PATTERN, offset, &r->loc, "expected %s", r->expect)) < 0)
                    return rc;
            }
        }
        return 0;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b;
        memcpy(&b, p, sizeof b);
        if (b.ptr == NULL && b.len > 0)
            return problem(cx, RP_E_ARGUMENT, offset, &f->loc, "bytes with length %zu but no data",
                           b.len);
        return check_len_rules(cx, f, RP_RULE_LEN, b.len, offset, "length");
    }
    case RP_SCHEMA_MESSAGE:
        /* Decoding checked the nested object as it read it; validation walks into it. */
        return cx->scanning ? 0 : validate_message(cx, f->message, p);
    }
    return 0;
}

/* ---- validate ------------------------------------------------------------------------------ */

static int validate_field(schema_ctx *cx, const rp_schema_field *f, const void *msg)
{
    const char *base = (const char *)msg + f->offset;
    int rc;
    if (f->repeated) {
        size_t n = get_count(msg, f);
        if (n > f->max_count)
            return problem(cx, RP_E_SCHEMA_LENGTH, SIZE_MAX, &f->loc,
                           "count %zu exceeds the capacity %zu", n, f->max_count);
        if (n == 0 && !get_has(msg, f)) {
            if (f->required)
                return problem(cx, RP_E_SCHEMA_MISSING, SIZE_MAX, &f->loc,
                               "required key \"%s\" is missing", f->key);
            return 0;
        }
        if ((rc = check_len_rules(cx, f, RP_RULE_COUNT, n, SIZE_MAX, f->map ? "entry count" : "item count")) < 0)
            return rc;
        for (size_t i = 0; i < n; i++) {
            char *item = item_value(f, (char *)base, i);
            if (f->map) {
                rp_str key = *item_key(f, (char *)base, i);
                if (key.ptr == NULL && key.len > 0)
                    return problem(cx, RP_E_ARGUMENT, SIZE_MAX, &f->loc, "map key %zu has a length but no text", i);
                rp_json_path_push_key(&cx->path, key.ptr, key.len);
                rp_error u;
                if (rp_json_check_utf8(key.ptr, key.len, 0, &u) < 0)
                    rc = problem(cx, RP_E_JSON_UTF8, SIZE_MAX, &f->loc, "map key: %s", u.message);
                for (size_t j = 0; j < i && rc == 0; j++) {
                    rp_str other = *item_key(f, (char *)base, j);
                    if (other.len == key.len && (key.len == 0 || memcmp(other.ptr, key.ptr, key.len) == 0))
                        rc = problem(cx, RP_E_SCHEMA_DUPLICATE, SIZE_MAX, &f->loc, "map key appears twice");
                }
                if (rc == 0)
                    rc = check_key(cx, f, key, SIZE_MAX);
                if (rc == 0)
                    rc = check_value(cx, f, item, SIZE_MAX);
            } else {
                rp_json_path_push_index(&cx->path, i);
                rc = check_value(cx, f, item, SIZE_MAX);
            }
            rp_json_path_pop(&cx->path);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (!get_has(msg, f)) {
        if (f->required)
            return problem(cx, RP_E_SCHEMA_MISSING, SIZE_MAX, &f->loc,
                           "required key \"%s\" is missing", f->key);
        return 0;
    }
    if (get_null(msg, f))
        return 0; /* null is a value of a nullable field; no rule applies to it */
    return check_value(cx, f, base, SIZE_MAX);
}

static int validate_message(schema_ctx *cx, const rp_schema_message *m, const void *msg)
{
    if (m->is_array)
        return validate_field(cx, &m->fields[0], msg);
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        rp_json_path_push_key(&cx->path, f->key, f->key_len);
        int rc = validate_field(cx, f, msg);
        rp_json_path_pop(&cx->path);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int rp_schema_validate(const rp_schema_message *m, const void *msg, rp_error *err)
{
    if (m == NULL || msg == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL message");
    schema_ctx cx;
    memset(&cx, 0, sizeof cx);
    rp_json_path_init(&cx.path);
    cx.err = err;
    rp_error_clear(err);
    return validate_message(&cx, m, msg);
}

/* ---- decode --------------------------------------------------------------------------------- */

static const char *json_type_name(rp_json_type t)
{
    switch (t) {
    case RP_JSON_OBJECT_BEGIN: return "an object";
    case RP_JSON_ARRAY_BEGIN: return "an array";
    case RP_JSON_STRING: return "a string";
    case RP_JSON_NUMBER: return "a number";
    case RP_JSON_TRUE: case RP_JSON_FALSE: return "a boolean";
    case RP_JSON_NULL: return "null";
    default: return "no value";
    }
}

static const char *field_json_type(const rp_schema_field *f)
{
    switch (f->type) {
    case RP_SCHEMA_BOOL: return "a boolean";
    case RP_SCHEMA_INT: case RP_SCHEMA_UINT: return "an integer";
    case RP_SCHEMA_STRING: return "a string";
    case RP_SCHEMA_HEX: return "a string of hex digits";
    case RP_SCHEMA_BASE64: return "a base64 string";
    case RP_SCHEMA_MESSAGE: return "an object";
    case RP_SCHEMA_FLOAT64: return "a number";
    case RP_SCHEMA_STRENUM: return "a string";
    }
    return "a value";
}

static bool type_matches(const rp_schema_field *f, rp_json_type t)
{
    switch (f->type) {
    case RP_SCHEMA_BOOL: return t == RP_JSON_TRUE || t == RP_JSON_FALSE;
    case RP_SCHEMA_INT: case RP_SCHEMA_UINT: return t == RP_JSON_NUMBER;
    case RP_SCHEMA_STRING: case RP_SCHEMA_HEX: case RP_SCHEMA_BASE64: return t == RP_JSON_STRING;
    case RP_SCHEMA_MESSAGE: return t == RP_JSON_OBJECT_BEGIN;
    case RP_SCHEMA_FLOAT64: return t == RP_JSON_NUMBER;
    case RP_SCHEMA_STRENUM: return t == RP_JSON_STRING;
    }
    return false;
}

static int read_object(schema_ctx *cx, const rp_schema_message *m, void *msg);
static int read_members(schema_ctx *cx, const rp_schema_message *m, void *msg);

/* Text of a string value without escapes: the raw view when it has none, else an unescaped
 * copy in the arena. */
static int string_text(schema_ctx *cx, const rp_json_str *v, const char **text, size_t *len)
{
    if (!v->escaped) {
        *text = v->raw;
        *len = v->raw_len;
        return 0;
    }
    size_t n = rp_json_str_len(v);
    void *mem;
    int rc = rp_arena_alloc_err(cx->storage, n + 1, 1, v->offset, &mem, json_err(cx));
    if (rc < 0)
        return rc;
    if ((rc = rp_json_unescape(v, (char *)mem, n + 1, len, json_err(cx))) < 0)
        return rc;
    *text = (const char *)mem;
    return 0;
}

/* Reads a hex or base64 string into bytes in the arena. */
static int read_bytes(schema_ctx *cx, const rp_schema_field *f, rp_bytes *out)
{
    rp_json_str v;
    int rc = rp_json_read_string_view(&cx->sc, &v, json_err(cx));
    if (rc < 0)
        return rc;
    size_t cap = f->type == RP_SCHEMA_HEX ? v.raw_len / 2u : RP_BASE64_DECODED_MAX(v.raw_len);
    void *mem;
    if ((rc = rp_arena_alloc_err(cx->storage, cap + 1, 1, v.offset, &mem, json_err(cx))) < 0)
        return rc;
    size_t mark = rp_arena_mark(cx->storage);
    const char *text;
    size_t len, n = 0;
    if ((rc = string_text(cx, &v, &text, &len)) < 0)
        return rc;
    rp_error cerr;
    if (f->type == RP_SCHEMA_HEX)
        rc = rp_hex_decode(text, len, (uint8_t *)mem, cap, &n, &cerr);
    else
        rc = rp_base64_decode(text, len, cx->base64_lenient ? RP_BASE64_LENIENT : RP_BASE64_STRICT,
                              (uint8_t *)mem, cap, &n, &cerr);
    rp_arena_rewind(cx->storage, mark); /* the unescaped copy, if any, is no longer needed */
    if (rc < 0) {
        size_t at = cerr.offset == SIZE_MAX || v.escaped ? v.offset : v.offset + 1 + cerr.offset;
        if (rc == RP_E_HEX || rc == RP_E_BASE64)
            return problem(cx, rc, at, &f->loc, "expected %s: %s", field_json_type(f), cerr.message);
        return problem(cx, rc, at, &f->loc, "%s", cerr.message);
    }
    ((uint8_t *)mem)[n] = 0;
    out->ptr = (const uint8_t *)mem;
    out->len = n;
    return 0;
}

/* Reads a number into the integer field f at p. Every way a number can miss the field is a
 * schema problem at the value with the field's spec location, worded the same whatever the
 * cause: a fraction in strict mode ("expected an integer, found 1.5"), a negative number for
 * an unsigned field and a number beyond the width ("-1 does not fit a 16-bit unsigned
 * integer", like 70000). The JSON scanner is not involved past reading the text, so
 * collect-all checking carries on after it. Returns 1 when stored, 2 when the profile relaxes
 * the field so that 0 means absent, 0 when reported (collect-all), or a negative rp_status. */
static int read_integer(schema_ctx *cx, const rp_schema_field *f, void *p)
{
    rp_str text;
    bool integer = false, neg = false;
    uint64_t mag = 0;
    int rc = rp_json_read_number_text(&cx->sc, &text, &integer, json_err(cx));
    if (rc < 0)
        return rc;
    int shown = text.len > 40 ? 40 : (int)text.len;
    const char *more = text.len > 40 ? "..." : "";
    bool is_signed = f->type == RP_SCHEMA_INT;
    if (!integer && !cx->float_truncate)
        return problem(cx, RP_E_SCHEMA_TYPE, here(cx), &f->loc, "expected an integer, found %.*s%s",
                       shown, text.ptr, more);
    bool fits = rpj_number_to_u64mag(text.ptr, text.len, true, &neg, &mag) == RPJ_NUM_OK;
    if (fits && mag == 0)
        neg = false; /* -0, and -0.5 truncated */
    if (fits && mag == 0 && (f->relax_zero_absent & cx->relax) && !f->repeated)
        return 2; /* relaxed under this profile: 0 means absent */
    if (fits && !is_signed)
        fits = !neg && mag <= umax_of(f->bits);
    else if (fits)
        fits = neg ? mag - 1u <= (uint64_t)imax_of(f->bits) : mag <= (uint64_t)imax_of(f->bits);
    if (!fits)
        return problem(cx, RP_E_SCHEMA_RANGE, here(cx), &f->loc, "%.*s%s does not fit a %u-bit %s integer",
                       shown, text.ptr, more, f->bits, is_signed ? "signed" : "unsigned");
    if (is_signed)
        store_i(p, f->size, neg ? -(int64_t)(mag - 1u) - 1 : (int64_t)mag);
    else
        store_u(p, f->size, mag);
    return 1;
}

/* Reads a JSON number into the float64 field at p: any number whose nearest double is
 * finite. Returns 1 when stored, 0 when reported (collect-all), or a negative rp_status. */
static int read_float(schema_ctx *cx, const rp_schema_field *f, void *p)
{
    rp_str text;
    int rc = rp_json_read_number_text(&cx->sc, &text, NULL, json_err(cx));
    if (rc < 0)
        return rc;
    double v;
    if (rp_json_parse_double(text.ptr, text.len, &v) != 0)
        return problem(cx, RP_E_SCHEMA_RANGE, here(cx), &f->loc, "%.*s%s does not fit a float64 "
                       "(beyond 1.7976931348623157e308)", text.len > 40 ? 40 : (int)text.len, text.ptr,
                       text.len > 40 ? "..." : "");
    memcpy(p, &v, sizeof v);
    return 1;
}

/* Reads a JSON string into the string enum field at p (its 1-based position). */
static int read_strenum(schema_ctx *cx, const rp_schema_field *f, void *p)
{
    rp_json_str v;
    int rc = rp_json_read_string_view(&cx->sc, &v, json_err(cx));
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind != RP_RULE_ENUM)
            continue;
        for (size_t k = 0; k < r->set_count; k++)
            if (rp_json_str_eq(&v, r->str_set[k], strlen(r->str_set[k]))) {
                store_u(p, f->size, (uint64_t)k + 1u);
                return 1;
            }
        return problem(cx, RP_E_SCHEMA_RANGE, here(cx), &r->loc, "expected %s, got \"%.*s%s\"", r->expect,
                       v.raw_len > 40 ? 40 : (int)v.raw_len, v.raw, v.raw_len > 40 ? "..." : "");
    }
    return problem(cx, RP_E_ARGUMENT, here(cx), &f->loc, "string enum field without its values");
}

/* Reads one value of field f into p. *present says whether it counts as present (a profile
 * may treat a string where a number belongs, null, or a relaxed 0 as absent). */
static int read_one(schema_ctx *cx, const rp_schema_field *f, void *p, bool *present)
{
    rp_json_type t;
    int rc = rp_json_peek(&cx->sc, &t, json_err(cx));
    if (rc < 0)
        return rc;
    *present = false;
    if (t == RP_JSON_NULL && f->nullable && !f->repeated) {
        /* null is a value of its own: present, with the null flag (the caller's `msg` is
         * not known here, so the flag goes through the value's address) */
        if ((rc = rp_json_read_null(&cx->sc, json_err(cx))) < 0)
            return rc;
        *present = true;
        cx->read_null = true;
        return 0;
    }
    if (!type_matches(f, t)) {
        if ((rc = rp_json_skip_value(&cx->sc, json_err(cx))) < 0)
            return rc;
        if ((cx->null_absent && t == RP_JSON_NULL) ||
            (cx->string_numbers_absent && t == RP_JSON_STRING &&
             (f->type == RP_SCHEMA_INT || f->type == RP_SCHEMA_UINT || f->type == RP_SCHEMA_FLOAT64))) {
            /* the profile says: the value counts as absent */
            absent_notes *an = cx->absent;
            if (an != NULL && an->n < ABSENT_NOTES && f->required) {
                an->field[an->n] = f;
                an->offset[an->n] = here(cx);
                an->what[an->n++] = t == RP_JSON_NULL ? "null" : "a string where a number belongs";
            }
            return 0;
        }
        rc = problem(cx, RP_E_SCHEMA_TYPE, here(cx), &f->loc, "expected %s, found %s",
                     field_json_type(f), json_type_name(t));
        *present = rc == 0; /* reported: do not also call it missing */
        return rc;
    }
    switch (f->type) {
    case RP_SCHEMA_BOOL:
        rc = rp_json_read_bool(&cx->sc, (bool *)p, json_err(cx));
        break;
    case RP_SCHEMA_UINT:
    case RP_SCHEMA_INT:
        if ((rc = read_integer(cx, f, p)) == 2)
            return 0; /* absent under the profile */
        if (rc != 1) {
            *present = rc == 0; /* reported (collect-all): do not also call it missing */
            return rc;
        }
        break;
    case RP_SCHEMA_STRING: {
        rp_str s;
        if (cx->storage == NULL)
            return rp_error_set(json_err(cx), RP_E_OVERFLOW, RP_LAYER_SCHEMA,
                                rp_json_offset(&cx->sc), "no storage given for strings");
        if ((rc = rp_json_read_string_into(&cx->sc, cx->storage, &s, json_err(cx))) < 0)
            return rc;
        memcpy(p, &s, sizeof s);
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b = { NULL, 0 };
        if (cx->storage == NULL)
            return rp_error_set(json_err(cx), RP_E_OVERFLOW, RP_LAYER_SCHEMA,
                                rp_json_offset(&cx->sc), "no storage given for bytes");
        if ((rc = read_bytes(cx, f, &b)) < 0)
            return rc;
        if (b.ptr == NULL) {
            *present = true; /* reported (collect-all mode): do not also call it missing */
            return 0;
        }
        memcpy(p, &b, sizeof b);
        break;
    }
    case RP_SCHEMA_MESSAGE:
        rc = read_object(cx, f->message, p);
        break;
    case RP_SCHEMA_FLOAT64:
    case RP_SCHEMA_STRENUM:
        if ((rc = f->type == RP_SCHEMA_FLOAT64 ? read_float(cx, f, p) : read_strenum(cx, f, p)) != 1) {
            *present = rc == 0; /* reported (collect-all): do not also call it missing */
            return rc;
        }
        rc = 0;
        break;
    }
    if (rc < 0)
        return rc;
    *present = true;
    return f->type == RP_SCHEMA_MESSAGE ? 0 : check_value(cx, f, p, here(cx));
}

/* Reads the JSON array of a repeated field (or of a top-level array message). */
static int read_items(schema_ctx *cx, const rp_schema_field *f, void *msg)
{
    rp_json_type t;
    int rc = rp_json_peek(&cx->sc, &t, json_err(cx));
    if (rc < 0)
        return rc;
    if (t != RP_JSON_ARRAY_BEGIN) {
        if ((rc = rp_json_skip_value(&cx->sc, json_err(cx))) < 0)
            return rc;
        if (t == RP_JSON_NULL && cx->null_absent && f->has_offset != SIZE_MAX)
            return 0; /* the profile: null counts as absent, as for single values */
        return problem(cx, RP_E_SCHEMA_TYPE, here(cx), &f->loc, "expected an array of %s, found %s",
                       field_json_type(f), json_type_name(t));
    }
    if ((rc = rp_json_expect_array_begin(&cx->sc, json_err(cx))) < 0)
        return rc;
    size_t start = rp_json_value_offset(&cx->sc);
    size_t n = 0, seen = 0;
    char *base = (char *)msg + f->offset;
    rp_json_path_push_index(&cx->path, 0);
    for (;;) {
        bool done;
        if ((rc = rp_json_next_element(&cx->sc, &done, json_err(cx))) < 0)
            break;
        if (done)
            break;
        rp_json_path_set_index(&cx->path, seen);
        seen++;
        if (n >= f->max_count) {
            /* Past the capacity: read on (it must still be JSON), keep nothing. */
            if ((rc = rp_json_skip_value(&cx->sc, json_err(cx))) < 0)
                break;
            continue;
        }
        bool present;
        void *item = item_value(f, base, n);
        if ((rc = read_one(cx, f, item, &present)) < 0)
            break;
        if (present)
            n++;
    }
    rp_json_path_pop(&cx->path);
    if (rc < 0)
        return rc;
    *count_of(msg, f) = n;
    set_has(msg, f, true);
    if (seen > f->max_count) {
        const rp_schema_rule *cr = NULL;
        for (size_t i = 0; i < f->rule_count; i++)
            if (f->rules[i].kind == RP_RULE_COUNT)
                cr = &f->rules[i];
        return problem(cx, RP_E_SCHEMA_LENGTH, start, cr != NULL ? &cr->loc : &f->loc,
                       "expected at most %zu items, got %zu", f->max_count, seen);
    }
    return check_len_rules(cx, f, RP_RULE_COUNT, n, start, "item count");
}

/* Reads the JSON object of a map field: each key into the arena (unescaped), checked against
 * the key rules, each value like an item. A profile without duplicate_keys = last refuses a key
 * twice; with it the last value is kept (as for message keys). Entries past the capacity are read and refused. */
static int read_map(schema_ctx *cx, const rp_schema_field *f, void *msg)
{
    rp_json_type t;
    int rc = rp_json_peek(&cx->sc, &t, json_err(cx));
    if (rc < 0)
        return rc;
    if (t != RP_JSON_OBJECT_BEGIN) {
        if ((rc = rp_json_skip_value(&cx->sc, json_err(cx))) < 0)
            return rc;
        if (t == RP_JSON_NULL && cx->null_absent)
            return 0;
        return problem(cx, RP_E_SCHEMA_TYPE, here(cx), &f->loc, "expected an object (a map of %s), found %s",
                       field_json_type(f), json_type_name(t));
    }
    if ((rc = rp_json_expect_object_begin(&cx->sc, json_err(cx))) < 0)
        return rc;
    size_t start = rp_json_value_offset(&cx->sc);
    size_t n = 0, seen = 0;
    char *base = (char *)msg + f->offset;
    if (cx->storage == NULL)
        return rp_error_set(json_err(cx), RP_E_OVERFLOW, RP_LAYER_SCHEMA, start, "no storage given for map keys");
    for (;;) {
        rp_json_str key;
        bool done;
        if ((rc = rp_json_next_key(&cx->sc, &key, &done, json_err(cx))) < 0)
            return rc;
        if (done)
            break;
        seen++;
        rp_json_path_push_key(&cx->path, key.raw, key.raw_len);
        size_t slot = n;
        for (size_t j = 0; j < n; j++) {
            rp_str other = *item_key(f, base, j);
            if (rp_json_str_eq(&key, other.ptr, other.len))
                slot = j;
        }
        if (slot < n && !cx->duplicate_last) {
            rc = problem(cx, RP_E_SCHEMA_DUPLICATE, key.offset, &f->loc, "map key appears twice");
            if (rc == 0)
                rc = rp_json_skip_value(&cx->sc, json_err(cx));
        } else if (slot == n && n >= f->max_count) {
            rc = rp_json_skip_value(&cx->sc, json_err(cx)); /* past the capacity: must be JSON */
        } else {
            rp_str k = *item_key(f, base, slot);
            if (slot == n) {
                size_t kn = rp_json_str_len(&key);
                void *mem;
                rc = rp_arena_alloc_err(cx->storage, kn + 1, 1, key.offset, &mem, json_err(cx));
                if (rc == 0)
                    rc = rp_json_unescape(&key, (char *)mem, kn + 1, &kn, json_err(cx));
                k.ptr = (const char *)mem;
                k.len = kn;
                if (rc == 0)
                    rc = check_key(cx, f, k, key.offset);
            }
            bool present = false;
            if (rc == 0)
                rc = read_one(cx, f, item_value(f, base, slot), &present);
            if (rc == 0 && present && slot == n) {
                *item_key(f, base, n) = k;
                n++;
            }
        }
        rp_json_path_pop(&cx->path);
        if (rc < 0)
            return rc;
    }
    *count_of(msg, f) = n;
    set_has(msg, f, true);
    if (seen > f->max_count && n >= f->max_count) {
        const rp_schema_rule *cr = NULL;
        for (size_t i = 0; i < f->rule_count; i++)
            if (f->rules[i].kind == RP_RULE_COUNT)
                cr = &f->rules[i];
        return problem(cx, RP_E_SCHEMA_LENGTH, start, cr != NULL ? &cr->loc : &f->loc,
                       "expected at most %zu entries, got %zu", f->max_count, seen);
    }
    return check_len_rules(cx, f, RP_RULE_COUNT, n, start, "entry count");
}

static int read_object(schema_ctx *cx, const rp_schema_message *m, void *msg)
{
    int rc;
    reset_message(m, msg, false);
    if (m->is_array)
        return read_items(cx, &m->fields[0], msg);
    rp_json_type t;
    if ((rc = rp_json_peek(&cx->sc, &t, json_err(cx))) < 0)
        return rc;
    if (t != RP_JSON_OBJECT_BEGIN) {
        if ((rc = rp_json_skip_value(&cx->sc, json_err(cx))) < 0)
            return rc;
        return problem(cx, RP_E_SCHEMA_TYPE, here(cx), &m->loc, "expected a %s object, found %s",
                       m->name, json_type_name(t));
    }
    if ((rc = rp_json_expect_object_begin(&cx->sc, json_err(cx))) < 0)
        return rc;
    size_t start = rp_json_value_offset(&cx->sc);
    absent_notes notes, *outer = cx->absent;
    notes.n = 0;
    cx->absent = &notes;
    rc = read_members(cx, m, msg);
    cx->absent = outer;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        if (!f->required || get_has(msg, f) || (f->relax_optional & cx->relax))
            continue;
        size_t k = 0;
        while (k < notes.n && notes.field[k] != f)
            k++;
        rp_json_path_push_key(&cx->path, f->key, f->key_len);
        if (k < notes.n)
            rc = problem(cx, RP_E_SCHEMA_MISSING, notes.offset[k], &f->loc,
                         "required key \"%s\" is missing from the %s object: the profile reads %s "
                         "as absent", f->key, m->name, notes.what[k]);
        else
            rc = problem(cx, RP_E_SCHEMA_MISSING, start, &f->loc,
                         "required key \"%s\" is missing from the %s object", f->key, m->name);
        rp_json_path_pop(&cx->path);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The members of an object after its '{', up to and including its '}'. */
static int read_members(schema_ctx *cx, const rp_schema_message *m, void *msg)
{
    int rc;
    for (;;) {
        rp_json_str key;
        bool done;
        if ((rc = rp_json_next_key(&cx->sc, &key, &done, json_err(cx))) < 0)
            return rc;
        if (done)
            break;
        const rp_schema_field *f = NULL;
        for (size_t i = 0; i < m->field_count && f == NULL; i++)
            if (rp_json_str_eq(&key, m->fields[i].key, m->fields[i].key_len))
                f = &m->fields[i];
        if (f == NULL) {
            if (m->reject_unknown) {
                rp_json_path_push_key(&cx->path, key.raw, key.raw_len);
                rc = problem(cx, RP_E_SCHEMA_UNKNOWN, key.offset, &m->loc,
                             "unknown key in a %s object", m->name);
                rp_json_path_pop(&cx->path);
                if (rc < 0)
                    return rc;
            }
            if ((rc = rp_json_skip_value(&cx->sc, json_err(cx))) < 0)
                return rc;
            continue;
        }
        rp_json_path_push_key(&cx->path, f->key, f->key_len);
        if (get_has(msg, f) && !cx->duplicate_last) {
            rc = problem(cx, RP_E_SCHEMA_DUPLICATE, key.offset, &f->loc,
                         "key \"%s\" appears twice", f->key);
            if (rc == 0)
                rc = rp_json_skip_value(&cx->sc, json_err(cx));
        } else if (f->map) {
            rc = read_map(cx, f, msg);
        } else if (f->repeated) {
            rc = read_items(cx, f, msg);
        } else {
            bool present;
            cx->read_null = false;
            rc = read_one(cx, f, (char *)msg + f->offset, &present);
            if (rc == 0 && present) {
                set_has(msg, f, true);
                set_null(msg, f, cx->read_null);
            }
        }
        rp_json_path_pop(&cx->path);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void ctx_start(schema_ctx *cx, const rp_schema_message *m, const char *json, size_t len,
                      rp_arena *storage, const rp_schema_profile *profile, rp_error *err)
{
    memset(cx, 0, sizeof *cx);
    rp_json_scanner_init(&cx->sc, json, len, json_flags(profile));
    if (rp_json_scanner_set_max_depth(&cx->sc, depth_of(m)) != 0) {
        /* cannot happen: depth_of is within 1..RP_JSON_MAX_DEPTH */
    }
    rp_json_path_init(&cx->path);
    rp_json_scanner_set_path(&cx->sc, &cx->path);
    cx->scanning = true;
    cx->storage = storage;
    if (profile != NULL) {
        cx->string_numbers_absent = profile->string_numbers_absent;
        cx->null_absent = profile->null_absent;
        cx->duplicate_last = profile->duplicate_last;
        cx->base64_lenient = profile->base64_lenient;
        cx->float_truncate = profile->float_truncate;
        cx->relax = relax_bit(profile);
    }
    cx->err = err;
    rp_error_clear(err);
    rp_error_clear(&cx->scratch);
}

/* A context for check_value that only answers: no error to fill, nothing to report, and
 * `scanning` set so strings' UTF-8 (checked by the scanner or the writer) and nested
 * messages (walked by the caller) are left out. Only the members check_value and problem()
 * read are set. */
static void quiet_ctx_init(schema_ctx *cx)
{
    cx->scanning = true;
    cx->err = NULL;
    cx->report = NULL;
    cx->report_ctx = NULL;
    cx->problems = 0;
    cx->storage = NULL;
    cx->string_numbers_absent = cx->null_absent = cx->duplicate_last = cx->base64_lenient = false;
    cx->float_truncate = false;
    cx->relax = 0;
    cx->path.depth = 0;
}

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

/* reset_message(m, msg, false), skipping quickly over fields that only need the zeroes. */
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
        switch (f->type) {
        case RP_SCHEMA_BOOL: *(bool *)p = f->def_u != 0; break;
        case RP_SCHEMA_INT: store_i(p, f->size, f->def_i); break;
        case RP_SCHEMA_UINT: case RP_SCHEMA_STRENUM: store_u(p, f->size, f->def_u); break;
        case RP_SCHEMA_FLOAT64: memcpy(p, &f->def_f, sizeof f->def_f); break;
        case RP_SCHEMA_STRING: {
            rp_str s = { f->def_str, f->def_str != NULL ? strlen(f->def_str) : 0 };
            memcpy(p, &s, sizeof s);
            break;
        }
        default: break;
        }
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
        return check_value(quiet, f, p, 0) == 0;
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
            (v == 0 && (f->relax_zero_absent & fc->relax)))
            return false; /* a relaxed 0 is left to the careful walk */
        store_u(p, f->size, v);
        break;
    }
    case RP_SCHEMA_INT: {
        bool neg = c == '-';
        uint64_t mag;
        fc->pos += neg;
        if (!fast_digits(fc, &mag) || (mag == 0 && (f->relax_zero_absent & fc->relax)))
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
    case RP_SCHEMA_BASE64:
        if (!fast_bytes(fc, f, p))
            return false;
        break;
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
    if (fast_at(fc) != '[' || fc->depth >= fc->max_depth || f->map)
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
    return check_len_rules(fc->quiet, f, RP_RULE_COUNT, n, 0, "item count") == 0;
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
    quiet_ctx_init(&quiet);
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

int rp_schema_decode(const rp_schema_message *m, const char *json, size_t len, void *msg,
                     rp_arena *storage, const rp_schema_profile *profile, rp_error *err)
{
    if (m == NULL || msg == NULL || (json == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL argument");
    size_t mark = rp_arena_mark(storage);
    if (fast_decode(m, json, len, msg, storage, profile)) {
        rp_error_clear(err);
        return 0;
    }
    rp_arena_rewind(storage, mark);
    schema_ctx cx;
    ctx_start(&cx, m, json, len, storage, profile, err);
    int rc = read_object(&cx, m, msg);
    if (rc == 0)
        rc = rp_json_finish(&cx.sc, err);
    if (rc < 0)
        rp_arena_rewind(storage, mark);
    return rc;
}

int rp_schema_check_all(const rp_schema_message *m, const char *json, size_t len, void *msg,
                        rp_arena *storage, const rp_schema_profile *profile,
                        rp_schema_report_fn report,
                        void *report_ctx)
{
    if (m == NULL || msg == NULL || report == NULL || (json == NULL && len > 0))
        return RP_E_ARGUMENT;
    schema_ctx cx;
    ctx_start(&cx, m, json, len, storage, profile, NULL);
    cx.report = report;
    cx.report_ctx = report_ctx;
    int rc = read_object(&cx, m, msg);
    if (rc == 0)
        rc = rp_json_finish(&cx.sc, &cx.scratch);
    if (rc < 0) {
        report(report_ctx, &cx.scratch);
        cx.problems++;
    }
    if (rc == RP_E_OVERFLOW)
        return rc;
    return cx.problems > (size_t)INT32_MAX ? INT32_MAX : (int)cx.problems;
}

/* ---- encode --------------------------------------------------------------------------------- */

static void write_message(rp_json_writer *w, const rp_schema_message *m, const void *msg);

/* "00" "01" ... "FF": a byte's two uppercase hex digits in one copy. */
static const char hex_pairs[513] =
    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
    "202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F"
    "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F"
    "606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F"
    "808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9F"
    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
    "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
    "E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF";

static void write_bytes(rp_json_writer *w, const rp_schema_field *f, rp_bytes b)
{
    if (f->type == RP_SCHEMA_HEX) {
        char *out = rp_json_write_string_reserve(w, b.len * 2u);
        if (out == NULL)
            return;
        for (size_t i = 0; i < b.len; i++)
            memcpy(out + 2 * i, hex_pairs + 2 * b.ptr[i], 2);
        return;
    }
    size_t n = RP_BASE64_ENCODED_LEN(b.len);
    char *out = rp_json_write_string_reserve(w, n);
    if (out == NULL)
        return;
#if RP_SCHEMA_B64_PAIRS
    if (b.len <= (SIZE_MAX / 4u) * 3u - 3u) {
        rp_base64_encode_pairs(b.ptr, b.len, out);
        return;
    }
#endif
    /* rp_base64_encode NUL-terminates, which lands on the closing quote the writer already
     * placed at out[n]; put the quote back afterwards. The capacity n + 1 is exact. */
    if (rp_base64_encode(b.ptr, b.len, out, n + 1, NULL, NULL) < 0)
        memset(out, 'A', n); /* cannot happen: the size is exact; never leave garbage */
    out[n] = '"';
}

static void write_value(rp_json_writer *w, const rp_schema_field *f, const void *p)
{
    switch (f->type) {
    case RP_SCHEMA_BOOL: rp_json_write_bool(w, *(const bool *)p); break;
    case RP_SCHEMA_UINT: rp_json_write_u64(w, load_u(p, f->size)); break;
    case RP_SCHEMA_INT: rp_json_write_i64(w, load_i(p, f->size)); break;
    case RP_SCHEMA_STRING: {
        rp_str s;
        memcpy(&s, p, sizeof s);
        rp_json_write_string(w, s.ptr, s.len);
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b;
        memcpy(&b, p, sizeof b);
        write_bytes(w, f, b);
        break;
    }
    case RP_SCHEMA_MESSAGE: write_message(w, f->message, p); break;
    case RP_SCHEMA_FLOAT64: {
        double v;
        memcpy(&v, p, sizeof v);
        char text[RP_JSON_DOUBLE_MAX];
        size_t n = rp_json_format_double(v, text, sizeof text);
        rp_json_write_raw(w, text, n > 0 ? n : 1); /* validated: finite, so n > 0 */
        break;
    }
    case RP_SCHEMA_STRENUM: {
        uint64_t v = load_u(p, f->size);
        for (size_t i = 0; i < f->rule_count; i++)
            if (f->rules[i].kind == RP_RULE_ENUM && v >= 1 && v <= f->rules[i].set_count)
                rp_json_write_string(w, f->rules[i].str_set[v - 1], strlen(f->rules[i].str_set[v - 1]));
        break;
    }
    }
}

static void write_field(rp_json_writer *w, const rp_schema_field *f, const void *msg)
{
    const char *base = (const char *)msg + f->offset;
    if (f->map) {
        size_t n = get_count(msg, f);
        rp_json_write_object_begin(w);
        for (size_t i = 0; i < n; i++) {
            rp_str k = *item_key(f, (char *)base, i);
            rp_json_write_key(w, k.ptr, k.len);
            write_value(w, f, item_value(f, (char *)base, i));
        }
        rp_json_write_object_end(w);
        return;
    }
    if (f->repeated) {
        size_t n = get_count(msg, f);
        rp_json_write_array_begin(w);
        for (size_t i = 0; i < n; i++)
            write_value(w, f, base + i * f->size);
        rp_json_write_array_end(w);
        return;
    }
    if (get_null(msg, f)) {
        rp_json_write_null(w);
        return;
    }
    write_value(w, f, base);
}

/* The key of f and its colon: copied when the description has it ready, else escaped. */
static inline void write_member_key(rp_json_writer *w, const rp_schema_field *f)
{
    if (f->json_key != NULL)
        rp_json_write_raw_key(w, f->json_key, f->json_key_len);
    else
        rp_json_write_key(w, f->key, f->key_len);
}

static void write_message(rp_json_writer *w, const rp_schema_message *m, const void *msg)
{
    if (m->is_array) {
        write_field(w, &m->fields[0], msg);
        return;
    }
    rp_json_write_object_begin(w);
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        if (!get_has(msg, f) && !(f->repeated && get_count(msg, f) > 0))
            continue;
        write_member_key(w, f);
        write_field(w, f, msg);
    }
    rp_json_write_object_end(w);
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

/* Decimal digits of v, ending at e; returns where they start. */
static RP_SCHEMA_HOT char *fast_digits_of(char *e, uint64_t v)
{
    static const char pairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char *q = e;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100u);
        v /= 100u;
        q -= 2;
        memcpy(q, pairs + 2 * r, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    return q;
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
            q = fast_digits_of(e, load_u(p, f->size));
        } else {
            int64_t v = load_i(p, f->size);
            q = fast_digits_of(e, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
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
    write_value(w, f, p);
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
    if (RP_UNLIKELY(f->map))
        return false; /* and maps */
    size_t n = get_count(msg, f);
    if (n > f->max_count)
        return false;
    if (n == 0 && !get_has(msg, f)) {
        if (f->required)
            return false;
        if (with_key)
            return true; /* absent: not written */
    } else if (check_len_rules(quiet, f, RP_RULE_COUNT, n, SIZE_MAX, "item count") != 0) {
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

int rp_schema_encode(const rp_schema_message *m, const void *msg, char *buf, size_t cap,
                     size_t *out_len, rp_error *err)
{
    if (out_len != NULL)
        *out_len = 0;
    if (m == NULL || msg == NULL || (buf == NULL && cap > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL argument");
    rp_json_writer w;
    rp_json_writer_init(&w, buf, cap);
    rp_json_writer_set_max_depth(&w, depth_of(m));
    schema_ctx quiet;
    quiet_ctx_init(&quiet);
    if (fast_put_message(&w, &quiet, m, msg) && w.failed == 0) {
        rp_error_clear(err);
        return rp_json_writer_finish(&w, out_len, err);
    }
    int rc = rp_schema_validate(m, msg, err);
    if (rc < 0)
        return rc;
    rp_json_writer_init(&w, buf, cap);
    rp_json_writer_set_max_depth(&w, depth_of(m));
    write_message(&w, m, msg);
    return rp_json_writer_finish(&w, out_len, err);
}

/* ---- classify ------------------------------------------------------------------------------- */

#define CLASSIFY_KEYS 16
#define CLASSIFY_TEXT 64 /* longest string discriminator value compared (longer: no match) */

/* A discriminator key found at the top level, with its value when it is an integer, a
 * string (unescaped, when short enough) or a boolean. */
typedef struct found_key {
    const char *key;
    size_t key_len;
    rp_json_type type;        /* RP_JSON_NUMBER, _STRING, _TRUE or _FALSE */
    bool is_int;              /* NUMBER: an integer (after wire truncation) */
    bool neg;
    uint64_t mag;
    bool has_text;            /* STRING: text[0..text_len) holds it */
    char text[CLASSIFY_TEXT];
    size_t text_len;
} found_key;

/* Parses an integer (truncating: the integer part of a plain decimal fraction too). */
static bool parse_int_text(rp_str t, bool is_integer, bool truncate, bool *neg,
                           uint64_t *mag)
{
    size_t i = 0;
    uint64_t v = 0;
    *neg = false;
    if (!is_integer && !truncate)
        return false;
    if (i < t.len && t.ptr[i] == '-') {
        *neg = true;
        i++;
    }
    for (; i < t.len && t.ptr[i] >= '0' && t.ptr[i] <= '9'; i++) {
        unsigned d = (unsigned)(t.ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return false;
        v = v * 10u + d;
    }
    if (i < t.len && t.ptr[i] != '.')
        return false; /* an exponent: not worth guessing for a discriminator */
    for (size_t k = i + 1; k < t.len; k++)
        if (t.ptr[k] < '0' || t.ptr[k] > '9')
            return false;
    if (v == 0)
        *neg = false;
    *mag = v;
    return true;
}

static bool route_wants(const rp_schema_route *r, int port, int dir)
{
    return r->port == port && r->dir == dir && r->message != NULL;
}

/* The text a string-valued const stands for (a string field, or a string enum), or NULL. */
static const char *const_text(const rp_schema_field *f, const rp_schema_rule *c)
{
    return f->type == RP_SCHEMA_INT || f->type == RP_SCHEMA_UINT || f->type == RP_SCHEMA_BOOL
               ? NULL : c->str;
}

/* A const rule a discriminated message can be recognised by: integers, booleans and
 * strings (string fields and string enums). */
static const rp_schema_rule *discriminator_rule(const rp_schema_field *f)
{
    const rp_schema_rule *c = const_rule(f);
    if (c == NULL || f->repeated)
        return NULL;
    if (f->type == RP_SCHEMA_INT || f->type == RP_SCHEMA_UINT || f->type == RP_SCHEMA_BOOL ||
        const_text(f, c) != NULL)
        return c;
    return NULL;
}

static bool is_discriminator(const rp_schema_route *routes, size_t n, int port, int dir,
                             const rp_json_str *key, const char **lit, size_t *lit_len)
{
    for (size_t i = 0; i < n; i++) {
        if (!route_wants(&routes[i], port, dir) || routes[i].message->is_array)
            continue;
        const rp_schema_message *m = routes[i].message;
        for (size_t k = 0; k < m->field_count; k++) {
            const rp_schema_field *f = &m->fields[k];
            if (discriminator_rule(f) != NULL && rp_json_str_eq(key, f->key, f->key_len)) {
                *lit = f->key;
                *lit_len = f->key_len;
                return true;
            }
        }
    }
    return false;
}

static int count_consts(const rp_schema_message *m)
{
    int n = 0;
    for (size_t k = 0; k < m->field_count; k++)
        if (discriminator_rule(&m->fields[k]) != NULL)
            n++;
    return n;
}

static const found_key *find_found(const found_key *found, size_t nfound, const rp_schema_field *f)
{
    const found_key *fk = NULL;
    for (size_t j = 0; j < nfound; j++) /* the last occurrence wins, as in wire decoding */
        if (found[j].key_len == f->key_len && memcmp(found[j].key, f->key, f->key_len) == 0)
            fk = &found[j];
    return fk;
}

static bool const_matches(const rp_schema_field *f, const rp_schema_rule *c, const found_key *fk)
{
    const char *t = const_text(f, c);
    if (fk == NULL)
        return false;
    if (t != NULL)
        return fk->type == RP_JSON_STRING && fk->has_text && fk->text_len == strlen(t) &&
               memcmp(fk->text, t, fk->text_len) == 0;
    if (f->type == RP_SCHEMA_BOOL)
        return (fk->type == RP_JSON_TRUE || fk->type == RP_JSON_FALSE) &&
               (fk->type == RP_JSON_TRUE) == (c->u_lo != 0);
    if (fk->type != RP_JSON_NUMBER || !fk->is_int)
        return false;
    if (f->type == RP_SCHEMA_UINT)
        return !fk->neg && fk->mag == c->u_lo;
    return c->i_lo < 0 ? (fk->neg && fk->mag == (uint64_t)(-(c->i_lo + 1)) + 1u)
                       : (!fk->neg && fk->mag == (uint64_t)c->i_lo);
}

static bool consts_match(const rp_schema_message *m, const found_key *found, size_t nfound)
{
    for (size_t k = 0; k < m->field_count; k++) {
        const rp_schema_field *f = &m->fields[k];
        const rp_schema_rule *c = discriminator_rule(f);
        if (c != NULL && !const_matches(f, c, find_found(found, nfound, f)))
            return false;
    }
    return true;
}

/* "why: not any of A, B, C" with every candidate message of the route named (a long list is
 * cut with "..." rather than dropping names silently). */
static int no_match(const rp_schema_route *routes, size_t n, int port, int dir, size_t offset,
                    const char *why, rp_error *err)
{
    char names[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!route_wants(&routes[i], port, dir))
            continue;
        int w = snprintf(names + used, sizeof names - used, "%s%s", used > 0 ? ", " : "",
                         routes[i].message->name);
        if (w < 0 || (size_t)w >= sizeof names - used) {
            memcpy(names + sizeof names - 4, "...", 4);
            break;
        }
        used += (size_t)w;
    }
    return rp_error_set(err, RP_E_SCHEMA_MESSAGE, RP_LAYER_SCHEMA, offset,
                        "%s: not any of %s", why, used > 0 ? names : "(no message here)");
}

/* Appends "key VALUE" for one discriminator to why[0..cap) at *used. */
static void describe_found(char *why, size_t cap, size_t *used, const rp_schema_field *f,
                           const found_key *fk)
{
    if (*used >= cap)
        return;
    const char *sep = *used > 0 ? ", " : "";
    int w;
    if (fk == NULL)
        w = snprintf(why + *used, cap - *used, "%s%s absent", sep, f->key);
    else if (fk->type == RP_JSON_NUMBER && fk->is_int)
        w = snprintf(why + *used, cap - *used, "%s%s %s%" PRIu64, sep, f->key, fk->neg ? "-" : "",
                     fk->mag);
    else if (fk->type == RP_JSON_STRING && fk->has_text)
        w = snprintf(why + *used, cap - *used, "%s%s \"%.*s\"", sep, f->key, (int)fk->text_len,
                     fk->text);
    else if (fk->type == RP_JSON_TRUE || fk->type == RP_JSON_FALSE)
        w = snprintf(why + *used, cap - *used, "%s%s %s", sep, f->key,
                     fk->type == RP_JSON_TRUE ? "true" : "false");
    else
        w = snprintf(why + *used, cap - *used, "%s%s not %s", sep, f->key,
                     const_text(f, discriminator_rule(f)) != NULL ? "a known string"
                     : f->type == RP_SCHEMA_BOOL                  ? "a boolean"
                                                                  : "an integer");
    if (w > 0)
        *used += (size_t)w;
}

int rp_schema_classify(const rp_schema_route *routes, size_t n, int port, int dir,
                       const char *json, size_t len, const rp_schema_profile *profile,
                       rp_error *err)
{
    if (routes == NULL || (json == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL argument");
    rp_error_clear(err);
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, json, len, json_flags(profile));
    unsigned depth = RP_JSON_DEFAULT_DEPTH;
    for (size_t i = 0; i < n; i++)
        if (routes[i].message != NULL && depth_of(routes[i].message) > depth)
            depth = depth_of(routes[i].message);
    if (rp_json_scanner_set_max_depth(&sc, depth) != 0) {
        /* cannot happen: depth_of is within 1..RP_JSON_MAX_DEPTH */
    }
    rp_json_type t;
    int rc = rp_json_peek(&sc, &t, err);
    if (rc < 0)
        return rc;
    if (t == RP_JSON_ARRAY_BEGIN) {
        for (size_t i = 0; i < n; i++)
            if (route_wants(&routes[i], port, dir) && routes[i].message->is_array)
                return (int)i;
        return no_match(routes, n, port, dir, 0, "a JSON array", err);
    }
    if (t != RP_JSON_OBJECT_BEGIN) {
        /* Read it anyway: text that is not JSON at all should say so. */
        if ((rc = rp_json_skip_value(&sc, err)) < 0 || (rc = rp_json_finish(&sc, err)) < 0)
            return rc;
        return no_match(routes, n, port, dir, 0, "neither an object nor an array", err);
    }

    found_key found[CLASSIFY_KEYS];
    size_t nfound = 0;
    if ((rc = rp_json_expect_object_begin(&sc, err)) < 0)
        return rc;
    for (;;) {
        rp_json_str key;
        bool done;
        const char *lit = NULL;
        size_t lit_len = 0;
        if ((rc = rp_json_next_key(&sc, &key, &done, err)) < 0)
            return rc;
        if (done)
            break;
        rp_json_type vt = RP_JSON_NONE;
        if ((rc = rp_json_peek(&sc, &vt, err)) < 0)
            return rc;
        if (nfound >= CLASSIFY_KEYS || !is_discriminator(routes, n, port, dir, &key, &lit, &lit_len)) {
            if ((rc = rp_json_skip_value(&sc, err)) < 0)
                return rc;
            continue;
        }
        found_key *fk = &found[nfound++];
        memset(fk, 0, sizeof *fk);
        fk->key = lit;
        fk->key_len = lit_len;
        fk->type = vt;
        if (vt == RP_JSON_NUMBER) {
            rp_str text;
            bool is_integer = false;
            if ((rc = rp_json_read_number_text(&sc, &text, &is_integer, err)) < 0)
                return rc;
            fk->is_int = parse_int_text(text, is_integer, profile != NULL && profile->float_truncate,
                                        &fk->neg, &fk->mag);
        } else if (vt == RP_JSON_STRING) {
            rp_json_str v;
            if ((rc = rp_json_read_string_view(&sc, &v, err)) < 0)
                return rc;
            fk->has_text = rp_json_str_len(&v) < CLASSIFY_TEXT &&
                           rp_json_unescape(&v, fk->text, sizeof fk->text, &fk->text_len, NULL) == 0;
        } else if ((rc = rp_json_skip_value(&sc, err)) < 0) {
            return rc;
        }
    }
    if ((rc = rp_json_finish(&sc, err)) < 0)
        return rc;
    /* Discriminated messages first, so a catch-all message never shadows them. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const rp_schema_route *r = &routes[i];
            if (!route_wants(r, port, dir) || r->message->is_array)
                continue;
            int consts = count_consts(r->message);
            if ((pass == 0) != (consts > 0))
                continue;
            if (consts_match(r->message, found, nfound))
                return (int)i;
        }
    }
    /* Say what the discriminators were, e.g. "type 5", "kind \"blue\"", "type not an integer". */
    char why[96] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!route_wants(&routes[i], port, dir) || routes[i].message->is_array)
            continue;
        const rp_schema_message *m = routes[i].message;
        for (size_t k = 0; k < m->field_count; k++) {
            const rp_schema_field *f = &m->fields[k];
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++) /* one mention per key */
                if (route_wants(&routes[j], port, dir) && !routes[j].message->is_array)
                    for (size_t q = 0; q < routes[j].message->field_count && !seen; q++) {
                        const rp_schema_field *g = &routes[j].message->fields[q];
                        seen = discriminator_rule(g) != NULL && g->key_len == f->key_len &&
                               memcmp(g->key, f->key, f->key_len) == 0;
                    }
            for (size_t q = 0; q < k && !seen; q++)
                seen = discriminator_rule(&m->fields[q]) != NULL && m->fields[q].key_len == f->key_len &&
                       memcmp(m->fields[q].key, f->key, f->key_len) == 0;
            if (discriminator_rule(f) == NULL || seen)
                continue;
            describe_found(why, sizeof why, &used, f, find_found(found, nfound, f));
        }
    }
    if (used >= sizeof why)
        memcpy(why + sizeof why - 4, "...", 4);
    return no_match(routes, n, port, dir, 0, why[0] != '\0' ? why : "no discriminator", err);
}
