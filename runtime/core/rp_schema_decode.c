/* rp_schema_decode.c — the careful decode walk: JSON text into a message's struct, every
 * rule checked as each value is read, and every problem reported with its offset, JSON
 * path and spec location (one by one for rp_schema_check_all).
 *
 * read_object -> read_members -> read_one / read_items / read_map -> rps_check_value. Fast
 * paths sit in front of this walk (rp_schema_fast.c, the generated lanes); they only ever
 * accept, so everything this file says is what a caller sees.
 */
#include "rp_schema.h"

#include <string.h>

#include "rp_codec.h"
#include "rp_json_internal.h"
#include "rp_json_number.h"
#include "rp_schema_internal.h"

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

/* Under duplicate_keys = first a key whose value read as absent (a null, a string number, a
 * relaxed zero) has been seen all the same, and its later occurrences are skipped too. While
 * its object is read its presence byte holds SEEN_ABSENT, which no caller ever sees:
 * read_object puts every such byte back to false before it returns. The byte is only ever
 * read as a byte while it may hold this (a bool holding 2 must not be loaded as a bool). */
#define SEEN_ABSENT 2u

static inline unsigned char *has_byte(void *msg, const rp_schema_field *f)
{
    return (unsigned char *)msg + f->has_offset;
}

/* The profile took f's value at `at` as absent (`what` it was): noted for a required field,
 * whose missing-key error then names the value and the reason. */
static void note_absent(schema_ctx *cx, const rp_schema_field *f, size_t at, const char *what)
{
    absent_notes *an = cx->absent;
    if (an != NULL && an->n < ABSENT_NOTES && f->required) {
        an->field[an->n] = f;
        an->offset[an->n] = at;
        an->what[an->n++] = what;
    }
}

/* Whether the profile reads f's zero value as absent: the number 0 (read_integer), or an
 * empty string or bytes value (`relax ... = empty_is_absent`). Not for list items. */
static inline bool relaxed_absent(const schema_ctx *cx, const rp_schema_field *f)
{
    return (f->relax_zero_absent & cx->relax) != 0 && !f->repeated;
}

/* ---- decode --------------------------------------------------------------------------------- */

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
    rp_error *je = json_err(cx); /* fixed for the whole walk */
    if (!v->escaped) {
        *text = v->raw;
        *len = v->raw_len;
        return 0;
    }
    size_t n = rp_json_str_len(v);
    void *mem;
    int rc = rp_arena_alloc_err(cx->storage, n + 1, 1, v->offset, &mem, je);
    if (rc < 0)
        return rc;
    if ((rc = rp_json_unescape(v, (char *)mem, n + 1, len, je)) < 0)
        return rc;
    *text = (const char *)mem;
    return 0;
}

/* Reads a hex or base64 string into bytes in the arena. */
static int read_bytes(schema_ctx *cx, const rp_schema_field *f, rp_bytes *out)
{
    rp_error *je = json_err(cx); /* fixed for the whole walk */
    rp_json_str v;
    int rc = rp_json_read_string_view(&cx->sc, &v, je);
    if (rc < 0)
        return rc;
    size_t cap = f->type == RP_SCHEMA_HEX ? v.raw_len / 2u : RP_BASE64_DECODED_MAX(v.raw_len);
    void *mem;
    if ((rc = rp_arena_alloc_err(cx->storage, cap + 1, 1, v.offset, &mem, je)) < 0)
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
            return rps_problem(cx, rc, at, &f->loc, "expected %s: %s", rps_field_json_type(f), cerr.message);
        return rps_problem(cx, rc, at, &f->loc, "%s", cerr.message);
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
    rp_error *je = json_err(cx); /* fixed for the whole walk */
    rp_str text;
    bool integer = false, neg = false;
    uint64_t mag = 0;
    int rc = rp_json_read_number_text(&cx->sc, &text, &integer, je);
    if (rc < 0)
        return rc;
    int shown = text.len > 40 ? 40 : (int)text.len;
    const char *more = text.len > 40 ? "..." : "";
    bool is_signed = f->type == RP_SCHEMA_INT;
    if (!integer && !cx->float_truncate)
        return rps_problem(cx, RP_E_SCHEMA_TYPE, here(cx), &f->loc, "expected an integer, found %.*s%s",
                           shown, text.ptr, more);
    bool fits = rpj_number_to_u64mag(text.ptr, text.len, true, &neg, &mag) == RPJ_NUM_OK;
    if (fits && mag == 0)
        neg = false; /* -0, and -0.5 truncated */
    if (fits && mag == 0 && relaxed_absent(cx, f))
        return 2; /* relaxed under this profile: 0 means absent */
    if (fits && !is_signed)
        fits = !neg && mag <= umax_of(f->bits);
    else if (fits)
        fits = neg ? mag - 1u <= (uint64_t)imax_of(f->bits) : mag <= (uint64_t)imax_of(f->bits);
    if (!fits)
        return rps_problem(cx, RP_E_SCHEMA_RANGE, here(cx), &f->loc, "%.*s%s does not fit a %u-bit %s integer",
                           shown, text.ptr, more, f->bits, is_signed ? "signed" : "unsigned");
    if (is_signed)
        store_i(p, f->size, neg ? -(int64_t)(mag - 1u) - 1 : (int64_t)mag);
    else
        store_u(p, f->size, mag);
    return 1;
}

/* Reads one value of field f into p. *present says whether it counts as present (a profile
 * may treat a string where a number belongs, null, or a relaxed 0 as absent). */
int rps_read_one(schema_ctx *cx, const rp_schema_field *f, void *p, bool *present)
{
    rp_error *je = json_err(cx); /* fixed for the whole walk */
    rp_json_type t;
    int rc = rp_json_peek(&cx->sc, &t, je);
    if (rc < 0)
        return rc;
    *present = false;
    if (t == RP_JSON_NULL && f->nullable && !f->repeated) {
        /* null is a value of its own: present, with the null flag (the caller's `msg` is
         * not known here, so the flag goes through the value's address) */
        if ((rc = rp_json_read_null(&cx->sc, je)) < 0)
            return rc;
        *present = true;
        cx->read_null = true;
        return 0;
    }
    if (!type_matches(f, t)) {
        size_t at = peeked_at(cx);
        if ((rc = rp_json_skip_value(&cx->sc, je)) < 0)
            return rc;
        if ((cx->null_absent && t == RP_JSON_NULL) ||
            (cx->string_numbers_absent && t == RP_JSON_STRING &&
             (f->type == RP_SCHEMA_INT || f->type == RP_SCHEMA_UINT || f->type == RP_SCHEMA_FLOAT64))) {
            /* the profile says: the value counts as absent */
            note_absent(cx, f, at, t == RP_JSON_NULL ? "null" : "a string where a number belongs");
            return 0;
        }
        if (f->type == RP_SCHEMA_MESSAGE)
            rc = rps_problem(cx, RP_E_SCHEMA_TYPE, at, &f->loc, "expected %s %s object, found %s",
                             article_for(f->message->name), f->message->name, rps_json_type_name(t));
        else
            rc = rps_problem(cx, RP_E_SCHEMA_TYPE, at, &f->loc, "expected %s, found %s",
                             rps_field_json_type(f), rps_json_type_name(t));
        *present = rc == 0; /* reported: do not also call it missing */
        return rc;
    }
    switch (f->type) {
    case RP_SCHEMA_BOOL:
        rc = rp_json_read_bool(&cx->sc, (bool *)p, je);
        break;
    case RP_SCHEMA_UINT:
    case RP_SCHEMA_INT:
        if ((rc = read_integer(cx, f, p)) == 2) {
            note_absent(cx, f, here(cx), "0");
            return 0; /* absent under the profile */
        }
        if (rc != 1) {
            *present = rc == 0; /* reported (collect-all): do not also call it missing */
            return rc;
        }
        break;
    case RP_SCHEMA_STRING: {
        rp_str s;
        if (cx->storage == NULL)
            return rp_error_set(je, RP_E_OVERFLOW, RP_LAYER_SCHEMA,
                                rp_json_offset(&cx->sc), "no storage given for strings");
        if ((rc = rp_json_read_string_into(&cx->sc, cx->storage, &s, je)) < 0)
            return rc;
        if (s.len == 0 && relaxed_absent(cx, f)) {
            note_absent(cx, f, here(cx), "an empty string");
            return 0;
        }
        memcpy(p, &s, sizeof s);
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b = { NULL, 0 };
        if (cx->storage == NULL)
            return rp_error_set(je, RP_E_OVERFLOW, RP_LAYER_SCHEMA,
                                rp_json_offset(&cx->sc), "no storage given for bytes");
        if ((rc = read_bytes(cx, f, &b)) < 0)
            return rc;
        if (b.ptr == NULL) {
            *present = true; /* reported (collect-all mode): do not also call it missing */
            return 0;
        }
        if (b.len == 0 && relaxed_absent(cx, f)) {
            note_absent(cx, f, here(cx), "a string of no bytes");
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
        if (f->kind == NULL) { /* said at the value, once it is read past */
            if ((rc = rp_json_skip_value(&cx->sc, je)) < 0)
                return rc;
            return rps_no_kind(cx, f, here(cx));
        }
        if ((rc = f->kind->read(cx, f, p)) != 1) {
            *present = rc == 0; /* reported (collect-all): do not also call it missing */
            return rc;
        }
        rc = 0;
        break;
    }
    if (rc < 0)
        return rc;
    *present = true;
    return f->type == RP_SCHEMA_MESSAGE ? 0 : rps_check_value(cx, f, p, here(cx));
}

/* Reads the JSON array of a repeated field (or of a top-level array message). */
static int read_items(schema_ctx *cx, const rp_schema_field *f, void *msg)
{
    rp_error *je = json_err(cx); /* fixed for the whole walk */
    rp_json_type t;
    int rc = rp_json_peek(&cx->sc, &t, je);
    if (rc < 0)
        return rc;
    if (t != RP_JSON_ARRAY_BEGIN) {
        size_t at = peeked_at(cx);
        if ((rc = rp_json_skip_value(&cx->sc, je)) < 0)
            return rc;
        if (t == RP_JSON_NULL && cx->null_absent && f->has_offset != SIZE_MAX)
            return 0; /* the profile: null counts as absent, as for single values */
        set_has(msg, f, true); /* there, of the wrong type: one problem, not also "missing" */
        return rps_problem(cx, RP_E_SCHEMA_TYPE, at, &f->loc, "expected an array of %s%s%s, found %s",
                           f->type == RP_SCHEMA_MESSAGE ? f->message->name : "",
                           f->type == RP_SCHEMA_MESSAGE ? " objects" : "", rps_field_json_items(f),
                           rps_json_type_name(t));
    }
    if ((rc = rp_json_expect_array_begin(&cx->sc, je)) < 0)
        return rc;
    size_t start = rp_json_value_offset(&cx->sc);
    size_t n = 0, seen = 0;
    char *base = (char *)msg + f->offset;
    rp_json_path_push_index(&cx->path, 0);
    for (;;) {
        bool done;
        if ((rc = rp_json_next_element(&cx->sc, &done, je)) < 0)
            break;
        if (done)
            break;
        rp_json_path_set_index(&cx->path, seen);
        seen++;
        if (n >= f->max_count) {
            /* Past the capacity: read on (it must still be JSON), keep nothing. */
            if ((rc = rp_json_skip_value(&cx->sc, je)) < 0)
                break;
            continue;
        }
        bool present;
        void *item = item_value(f, base, n);
        if ((rc = rps_read_one(cx, f, item, &present)) < 0)
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
        return rps_problem(cx, RP_E_SCHEMA_LENGTH, start, cr != NULL ? &cr->loc : &f->loc,
                           "expected at most %zu items, got %zu", f->max_count, seen);
    }
    return rps_check_len_rules(cx, f, RP_RULE_COUNT, n, start, "item count");
}

static int read_object(schema_ctx *cx, const rp_schema_message *m, void *msg)
{
    rp_error *je = json_err(cx); /* fixed for the whole walk */
    int rc;
    rps_reset_message(m, msg, false);
    if (m->is_array)
        return read_items(cx, &m->fields[0], msg);
    rp_json_type t;
    if ((rc = rp_json_peek(&cx->sc, &t, je)) < 0)
        return rc;
    if (t != RP_JSON_OBJECT_BEGIN) {
        size_t at = peeked_at(cx);
        if ((rc = rp_json_skip_value(&cx->sc, je)) < 0)
            return rc;
        return rps_problem(cx, RP_E_SCHEMA_TYPE, at, &m->loc, "expected %s %s object, found %s",
                           article_for(m->name), m->name, rps_json_type_name(t));
    }
    if ((rc = rp_json_expect_object_begin(&cx->sc, je)) < 0)
        return rc;
    size_t start = rp_json_value_offset(&cx->sc);
    absent_notes notes, *outer = cx->absent;
    notes.n = 0;
    cx->absent = &notes;
    rc = read_members(cx, m, msg);
    cx->absent = outer;
    if (cx->duplicates == RP_DUPLICATES_FIRST)
        for (size_t i = 0; i < m->field_count; i++)
            if (*has_byte(msg, &m->fields[i]) == SEEN_ABSENT)
                *has_byte(msg, &m->fields[i]) = 0;
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
            rc = rps_problem(cx, RP_E_SCHEMA_MISSING, notes.offset[k], &f->loc,
                             "required key \"%s\" is missing from the %s object: the profile reads %s "
                             "as absent", f->key, m->name, notes.what[k]);
        else
            rc = rps_problem(cx, RP_E_SCHEMA_MISSING, start, &f->loc,
                             "required key \"%s\" is missing from the %s object", f->key, m->name);
        rp_json_path_pop(&cx->path);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The value of field f of *msg, whatever its kind, with its presence and null flags. */
static int read_field(schema_ctx *cx, const rp_schema_field *f, void *msg)
{
    if (f->map != NULL)
        return f->map->read(cx, f, msg);
    if (f->repeated)
        return read_items(cx, f, msg);
    bool present;
    cx->read_null = false;
    int rc = rps_read_one(cx, f, (char *)msg + f->offset, &present);
    if (rc == 0 && present) {
        set_has(msg, f, true);
        set_null(msg, f, cx->read_null);
    }
    return rc;
}

/* A later occurrence of a key under duplicate_keys = first: skipped, but a const is checked
 * at every occurrence (so no reader keeping another occurrence sees another message). The
 * value is read into scratch, which leaves the first occurrence's value as it is. */
static RP_SCHEMA_COLD int read_later_occurrence(schema_ctx *cx, const rp_schema_field *f)
{
    union { uint64_t u; double d; rp_str s; } scratch;
    if (rps_const_rule(f) == NULL || f->repeated || f->map != NULL || f->size > sizeof scratch)
        return rp_json_skip_value(&cx->sc, json_err(cx)); /* (const fields are scalars) */
    bool present;
    return rps_read_one(cx, f, &scratch, &present);
}

/* The members of an object after its '{', up to and including its '}'. The presence flags
 * of fields without one (has_offset SIZE_MAX) are never read here: those are only the items
 * of a top-level array, which are not members. */
static int read_members(schema_ctx *cx, const rp_schema_message *m, void *msg)
{
    rp_error *je = json_err(cx); /* fixed for the whole walk */
    int rc;
    for (;;) {
        rp_json_str key;
        bool done;
        if ((rc = rp_json_next_key(&cx->sc, &key, &done, je)) < 0)
            return rc;
        if (done)
            break;
        const rp_schema_field *f = NULL;
        for (size_t i = 0; i < m->field_count && f == NULL; i++)
            if (rp_json_str_eq(&key, m->fields[i].key, m->fields[i].key_len))
                f = &m->fields[i];
        if (f == NULL) {
            /* An error inside the skipped value is reported at the key's path too. */
            rp_json_path_push_json_key(&cx->path, &key);
            rc = m->reject_unknown ? rps_problem(cx, RP_E_SCHEMA_UNKNOWN, key.offset, &m->loc,
                                                 "unknown key in %s %s object", article_for(m->name), m->name)
                                   : 0;
            if (rc == 0)
                rc = rp_json_skip_value(&cx->sc, je);
            rp_json_path_pop(&cx->path);
            if (rc < 0)
                return rc;
            continue;
        }
        rp_json_path_push_key(&cx->path, f->key, f->key_len);
        if (*has_byte(msg, f) == 0) {
            rc = read_field(cx, f, msg);
            if (rc == 0 && cx->duplicates == RP_DUPLICATES_FIRST && *has_byte(msg, f) == 0)
                *has_byte(msg, f) = SEEN_ABSENT;
        } else if (cx->duplicates == RP_DUPLICATES_LAST) {
            rps_forget_field(f, msg);
            rc = read_field(cx, f, msg);
        } else if (cx->duplicates == RP_DUPLICATES_FIRST) {
            rc = read_later_occurrence(cx, f);
        } else {
            rc = rps_problem(cx, RP_E_SCHEMA_DUPLICATE, key.offset, &f->loc,
                             "the key appears twice");
            if (rc == 0)
                rc = rp_json_skip_value(&cx->sc, je);
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
        cx->duplicates = profile->duplicate_keys;
        cx->base64_lenient = profile->base64_lenient;
        cx->float_truncate = profile->float_truncate;
        cx->relax = relax_bit(profile);
    }
    cx->err = err;
    rp_error_clear(err);
    rp_error_clear(&cx->scratch);
}

int rp_schema_decode(const rp_schema_message *m, const char *json, size_t len, void *msg,
                     rp_arena *storage, const rp_schema_profile *profile, rp_error *err)
{
    if (m == NULL || msg == NULL || (json == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL argument");
    size_t mark = rp_arena_mark(storage);
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
    cx.err = &cx.scratch; /* JSON errors land there first (json_err) */
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
