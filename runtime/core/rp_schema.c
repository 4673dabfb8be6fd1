/* rp_schema.c — the schema engine's shared part: problems, init/reset, the rules, validate.
 *
 * One walk per job (rp_schema_internal.h names the files):
 *   decode    read_object / read_items -> read_one -> rps_check_value   (rp_schema_decode.c)
 *   validate  validate_message -> validate_field -> rps_check_value     (here)
 *   encode    validate, then write_message -> write_field               (rp_schema_encode.c)
 * rps_check_value is shared, so a rule is enforced in exactly one place whether the value
 * came off the wire or from a caller's struct. Problems go through rps_problem, which either
 * fails (decode/validate/encode) or reports and continues (rp_schema_check_all).
 */
#include "rp_schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "rp_json_internal.h"
#include "rp_schema_internal.h"

/* ---- problems ------------------------------------------------------------------------------- */

int rps_problem(schema_ctx *cx, int code, size_t offset, const rp_spec_loc *loc, const char *fmt,
                ...)
{
    rp_error local;
    rp_error *dst = cx->report != NULL ? &local : cx->err;
    if (dst != NULL) {
        va_list ap; /* formatted straight into the error, cut as rp_error_set cuts */
        va_start(ap, fmt);
        (void)rp_error_setv(dst, (rp_status)code, RP_LAYER_SCHEMA, offset, fmt, ap);
        va_end(ap);
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

/* A float64 or string enum field whose description does not name the code for its kind:
 * the description is wrong, not the text, so this stops collect-all checking too. */
int rps_no_kind(schema_ctx *cx, const rp_schema_field *f, size_t offset)
{
    bool f64 = f->type == RP_SCHEMA_FLOAT64;
    return rp_error_set(json_err(cx), RP_E_ARGUMENT, RP_LAYER_SCHEMA, offset,
                        "field %s: a %s field needs .kind = &rp_schema_kind_%s", f->name,
                        f64 ? "float64" : "string enum", f64 ? "float64" : "strenum");
}

/* ---- words of messages ---------------------------------------------------------------------- */

/* The n-th of the NUL-separated phrases in list (n within the list). Why lists instead of
 * switches: they are looked up only to word errors, and a switch per list, with its jump
 * table, is several times the code of this walk (as rp_error.c names statuses). */
static const char *nth_phrase(const char *list, unsigned n)
{
    while (n-- > 0)
        list += strlen(list) + 1;
    return list;
}

/* By rp_json_type, RP_JSON_NONE .. RP_JSON_END. */
const char *rps_json_type_name(rp_json_type t)
{
    static const char list[] = "no value\0an object\0no value\0an array\0no value\0no value\0"
                               "a string\0a number\0a boolean\0a boolean\0null\0no value";
    return nth_phrase(list, (unsigned)t <= RP_JSON_END ? (unsigned)t : 0u);
}

/* By rp_schema_type, RP_SCHEMA_BOOL .. RP_SCHEMA_STRENUM, after the word for any other. */
const char *rps_field_json_type(const rp_schema_field *f)
{
    static const char list[] = "a value\0a boolean\0an integer\0an integer\0a string\0"
                               "a string of hex digits\0a base64 string\0an object\0a number\0"
                               "a string";
    unsigned t = (unsigned)f->type;
    return nth_phrase(list, t <= RP_SCHEMA_STRENUM ? t : 0u);
}

const char *rps_field_json_items(const rp_schema_field *f)
{
    static const char list[] = "values\0booleans\0integers\0integers\0strings\0"
                               "strings of hex digits\0base64 strings\0\0numbers\0strings";
    unsigned t = (unsigned)f->type;
    return nth_phrase(list, t <= RP_SCHEMA_STRENUM ? t : 0u);
}

/* ---- init / reset --------------------------------------------------------------------------- */

/* Field f of a message just zeroed: its default, or its embedded message reset (+ its const
 * with presence when with_consts). */
static void reset_value(const rp_schema_field *f, void *msg, bool with_consts)
{
    void *p = (char *)msg + f->offset;
    if (f->type == RP_SCHEMA_MESSAGE) {
        rps_reset_message(f->message, p, with_consts);
        return;
    }
    if (f->has_default)
        put_default(f, p);
    const rp_schema_rule *c = with_consts ? rps_const_rule(f) : NULL;
    if (c != NULL) {
        put_scalar(f, p, c->u_lo, c->i_lo, c->str);
        set_has(msg, f, true);
    }
}

/* Zero + defaults (+ consts with presence when with_consts). Items of repeated fields are
 * left alone: a count of zero says there are none. */
void rps_reset_message(const rp_schema_message *m, void *msg, bool with_consts)
{
    if (m->is_array) {
        *count_of(msg, &m->fields[0]) = 0;
        return;
    }
    memset(msg, 0, m->size);
    for (size_t i = 0; i < m->field_count; i++)
        if (!m->fields[i].repeated)
            reset_value(&m->fields[i], msg, with_consts);
}

void rps_forget_field(const rp_schema_field *f, void *msg)
{
    set_has(msg, f, false);
    set_null(msg, f, false);
    if (f->repeated || f->map != NULL) {
        *count_of(msg, f) = 0;
        return;
    }
    if (f->type != RP_SCHEMA_MESSAGE)
        memset((char *)msg + f->offset, 0, f->size);
    reset_value(f, msg, false);
}

void rp_schema_init(const rp_schema_message *m, void *msg)
{
    if (m == NULL || msg == NULL)
        return;
    if (m->is_array)
        memset(msg, 0, m->size);
    rps_reset_message(m, msg, true);
}

/* ---- rules ---------------------------------------------------------------------------------- */

const rp_schema_rule *rps_const_rule(const rp_schema_field *f)
{
    for (size_t i = 0; i < f->rule_count; i++)
        if (f->rules[i].kind == RP_RULE_CONST)
            return &f->rules[i];
    return NULL;
}

void rps_show_char(char shown[12], const char *s, size_t len, size_t k)
{
    const unsigned char *p = (const unsigned char *)s + k;
    const char *why = NULL;
    size_t n = p[0] >= 0x80 ? rpj_utf8_seq(p, len - k, &why) : 0;
    if (n > 0) {
        uint32_t cp = p[0] & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
        for (size_t i = 1; i < n; i++)
            cp = cp << 6 | (p[i] & 0x3Fu);
        snprintf(shown, 12, "U+%04" PRIX32, cp);
    } else {
        snprintf(shown, 12, p[0] >= 0x20 && p[0] < 0x7f ? "'%c'" : "0x%02X", p[0]);
    }
}

int rps_check_len_rules(schema_ctx *cx, const rp_schema_field *f, rp_schema_rule_kind kind,
                        uint64_t n, size_t offset, const char *what)
{
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind != kind || len_ok(r, n))
            continue;
        int rc = rps_problem(cx, RP_E_SCHEMA_LENGTH, offset, &r->loc, "expected %s %s, got %" PRIu64,
                             what, r->expect, n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Checks one present (non-repeated, or one item of a repeated) value against its rules.
 * p points at the value in the struct; offset is where it starts in the input. */
static int validate_message(schema_ctx *cx, const rp_schema_message *m, const void *msg);

int rps_check_value(schema_ctx *cx, const rp_schema_field *f, const void *p, size_t offset)
{
    int rc = 0;
    switch (f->type) {
    case RP_SCHEMA_BOOL: {
        bool b = *(const bool *)p;
        const rp_schema_rule *c = rps_const_rule(f);
        if (c != NULL && b != (c->u_lo != 0))
            rc = rps_problem(cx, RP_E_SCHEMA_CONST, offset, &c->loc, "expected %s, got %s", c->expect,
                             b ? "true" : "false");
        return rc;
    }
    case RP_SCHEMA_UINT: {
        uint64_t v = load_u(p, f->size);
        if (v > umax_of(f->bits))
            return rps_problem(cx, RP_E_SCHEMA_RANGE, offset, &f->loc,
                               "%" PRIu64 " does not fit a %u-bit unsigned integer", v, f->bits);
        for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (!u_ok(r, v))
                rc = rps_problem(cx, r->kind == RP_RULE_CONST ? RP_E_SCHEMA_CONST : RP_E_SCHEMA_RANGE,
                                 offset, &r->loc, "expected %s, got %" PRIu64, r->expect, v);
        }
        return rc;
    }
    case RP_SCHEMA_INT: {
        int64_t v = load_i(p, f->size);
        if (v > imax_of(f->bits) || v < imin_of(f->bits))
            return rps_problem(cx, RP_E_SCHEMA_RANGE, offset, &f->loc,
                               "%" PRId64 " does not fit a %u-bit signed integer", v, f->bits);
        for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (!i_ok(r, v))
                rc = rps_problem(cx, r->kind == RP_RULE_CONST ? RP_E_SCHEMA_CONST : RP_E_SCHEMA_RANGE,
                                 offset, &r->loc, "expected %s, got %" PRId64, r->expect, v);
        }
        return rc;
    }
    case RP_SCHEMA_FLOAT64:
    case RP_SCHEMA_STRENUM:
        return f->kind != NULL ? f->kind->check(cx, f, p, offset) : rps_no_kind(cx, f, offset);
    case RP_SCHEMA_STRING: {
        rp_str s;
        memcpy(&s, p, sizeof s);
        if (s.ptr == NULL && s.len > 0)
            return rps_problem(cx, RP_E_ARGUMENT, offset, &f->loc, "string with length %zu but no text",
                               s.len);
        if (!cx->scanning) {
            rp_error u;
            if (rp_json_check_utf8(s.ptr, s.len, 0, &u) < 0)
                return rps_problem(cx, RP_E_JSON_UTF8, offset, &f->loc, "%s", u.message);
        }
        if ((rc = rps_check_len_rules(cx, f, RP_RULE_LEN, s.len, offset, "length")) < 0)
            return rc;
        for (size_t i = 0; i < f->rule_count; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (r->kind == RP_RULE_CHARSET) {
                for (size_t k = 0; k < s.len; k++) {
                    unsigned char c = (unsigned char)s.ptr[k];
                    if (r->charset[c >> 3] & (1u << (c & 7u)))
                        continue;
                    char shown[12];
                    rps_show_char(shown, s.ptr, s.len, k);
                    rc = rps_problem(cx, RP_E_SCHEMA_CHARSET,
                                     offset == SIZE_MAX ? SIZE_MAX : offset + 1 + k, &r->loc,
                                     "expected %s, got %s at index %zu", r->expect, shown, k);
                    if (rc < 0)
                        return rc;
                    break; /* one problem per string is enough */
                }
                continue;
            }
            bool broken = r->kind == RP_RULE_CONST && r->str != NULL
                              ? s.len != strlen(r->str) || (s.len > 0 && memcmp(s.ptr, r->str, s.len) != 0)
                              : r->kind == RP_RULE_PATTERN && !pattern_ok(r->pattern, s.ptr, s.len);
            if (broken &&
                (rc = rps_problem(cx, r->kind == RP_RULE_CONST ? RP_E_SCHEMA_CONST : RP_E_SCHEMA_PATTERN,
                                  offset, &r->loc, "expected %s", r->expect)) < 0)
                return rc;
        }
        return 0;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b;
        memcpy(&b, p, sizeof b);
        if (b.ptr == NULL && b.len > 0)
            return rps_problem(cx, RP_E_ARGUMENT, offset, &f->loc, "bytes with length %zu but no data",
                               b.len);
        return rps_check_len_rules(cx, f, RP_RULE_LEN, b.len, offset, "length");
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
            return rps_problem(cx, RP_E_SCHEMA_LENGTH, SIZE_MAX, &f->loc,
                               "count %zu exceeds the capacity %zu", n, f->max_count);
        if (n == 0 && !get_has(msg, f)) {
            if (f->required)
                return rps_problem(cx, RP_E_SCHEMA_MISSING, SIZE_MAX, &f->loc,
                                   "required key \"%s\" is missing", f->key);
            return 0;
        }
        if ((rc = rps_check_len_rules(cx, f, RP_RULE_COUNT, n, SIZE_MAX, f->map != NULL ? "entry count" : "item count")) < 0)
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (f->map != NULL) {
                rc = f->map->check_entry(cx, f, base, i); /* at the key's path */
            } else {
                rp_json_path_push_index(&cx->path, i);
                rc = rps_check_value(cx, f, item_value(f, (char *)base, i), SIZE_MAX);
                rp_json_path_pop(&cx->path);
            }
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (!get_has(msg, f)) {
        if (f->required)
            return rps_problem(cx, RP_E_SCHEMA_MISSING, SIZE_MAX, &f->loc,
                               "required key \"%s\" is missing", f->key);
        return 0;
    }
    if (get_null(msg, f))
        return 0; /* null is a value of a nullable field; no rule applies to it */
    return rps_check_value(cx, f, base, SIZE_MAX);
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

/* A context for check_value that only answers: no error to fill, nothing to report, and
 * `scanning` set so strings' UTF-8 (checked by the scanner or the writer) and nested
 * messages (walked by the caller) are left out. Only the members check_value and rps_problem()
 * read are set. */
void rps_quiet_ctx_init(schema_ctx *cx)
{
    cx->scanning = true;
    cx->err = NULL;
    cx->report = NULL;
    cx->report_ctx = NULL;
    cx->problems = 0;
    cx->storage = NULL;
    cx->string_numbers_absent = cx->null_absent = cx->base64_lenient = false;
    cx->duplicates = RP_DUPLICATES_REJECT;
    cx->float_truncate = false;
    cx->relax = 0;
    cx->path.depth = 0;
}
