/* rp_schema_internal.h — what the files of the schema engine share; not installed.
 *
 * The engine is one job per file:
 *   rp_schema.c           problems, init/reset, the rules (rps_check_value), validate
 *   rp_schema_decode.c    the careful decode walk, which makes every error (and check_all)
 *   rp_schema_encode.c    validate, then write
 *   rp_schema_fast.c      the fast lanes in front of decode and encode (--optimize speed)
 *   rp_schema_classify.c  which of a port's messages a text is
 *   rp_schema_float.c, rp_schema_strenum.c, rp_schema_map.c  the kinds only some specs
 *                         have (rp_schema_kind, rp_schema_map_kind)
 * A program built with --optimize size never calls into rp_schema_fast.c, so a linker that
 * drops unused sections leaves it out.
 */
#ifndef RP_SCHEMA_INTERNAL_H
#define RP_SCHEMA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rp_codec_internal.h"
#include "rp_schema.h"

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

/* ---- context ------------------------------------------------------------------------------- */

typedef struct schema_ctx {
    rp_json_scanner sc;
    rp_json_path path;
    bool scanning;              /* offsets refer to sc's input (decode) or are unknown */
    rp_arena *storage;
    bool string_numbers_absent; /* the profile's settings (all false: strict) */
    bool null_absent;
    rp_schema_duplicates duplicates;
    bool base64_lenient;
    bool float_truncate;        /* a fraction where an integer belongs: its integer part */
    uint32_t relax;             /* the profile's bit in the fields' relax masks, or 0 */
    rp_error *err;              /* first (and only) error in fail-fast mode; may be NULL.
                                   Collect-all: &scratch, for the scanner calls (json_err) */
    rp_schema_report_fn report; /* collect-all mode when non-NULL */
    void *report_ctx;
    size_t problems;
    rp_error scratch;           /* JSON errors in collect-all mode land here first */
    struct absent_notes *absent; /* the object being read: values the profile took as absent */
    bool read_null;             /* rps_read_one just read null into a nullable field */
} schema_ctx;

/* The nesting limit of m's JSON (rp_schema_message.max_depth). */
static inline unsigned depth_of(const rp_schema_message *m)
{
    if (m->max_depth == 0) return RP_JSON_DEFAULT_DEPTH;
    return m->max_depth > RP_JSON_MAX_DEPTH ? RP_JSON_MAX_DEPTH : m->max_depth;
}

/* The scanner flags of a profile. */
static inline rp_json_flags json_flags(const rp_schema_profile *p)
{
    if (p == NULL) return RP_JSON_STRICT;
    return (p->trailing_ignore ? RP_JSON_TRAILING_IGNORE : 0u) |
           (p->float_truncate ? RP_JSON_FLOAT_TRUNCATE : 0u);
}

static inline uint32_t relax_bit(const rp_schema_profile *p)
{
    return p == NULL || p->index > 31 ? 0u : (uint32_t)1 << p->index;
}

/* Where scanner calls put their errors: the caller's error, or collecting, the scratch one
 * (rps_problem reports its own problems and never writes cx->err then). */
static inline rp_error *json_err(schema_ctx *cx)
{
    return cx->err;
}

/* Records a schema problem at the current path. Fail-fast: fills cx->err and returns code.
 * Collect-all: reports it and returns 0 so the caller carries on. */
int rps_problem(schema_ctx *cx, int code, size_t offset, const rp_spec_loc *loc, const char *fmt,
                ...) RP_PRINTF(5, 6);

/* Where the value just read begins. Only the decode walk and the kinds' read functions ask,
 * and their context always scans (ctx_start sets `scanning`): the offset is in the input. */
static inline size_t here(const schema_ctx *cx)
{
    return rp_json_value_offset(&cx->sc);
}

/* Where the value rp_json_peek just looked at begins: the place to report that value as a
 * whole once it is skipped (after the skip, here() is its last scalar). Asked as here(). */
static inline size_t peeked_at(const schema_ctx *cx)
{
    return rp_json_offset(&cx->sc);
}

/* ---- struct access ------------------------------------------------------------------------- */

/* Sets the presence flag of f (fields without one are always present). */
static inline void set_has(void *msg, const rp_schema_field *f, bool on)
{
    if (f->has_offset != SIZE_MAX)
        *(bool *)((char *)msg + f->has_offset) = on;
}

static inline bool get_has(const void *msg, const rp_schema_field *f)
{
    return f->has_offset == SIZE_MAX || *(const bool *)((const char *)msg + f->has_offset);
}

/* The null flag of a nullable field (false for the others). */
static inline void set_null(void *msg, const rp_schema_field *f, bool on)
{
    if (f->nullable)
        *(bool *)((char *)msg + f->null_offset) = on;
}

static inline bool get_null(const void *msg, const rp_schema_field *f)
{
    return f->nullable && *(const bool *)((const char *)msg + f->null_offset);
}

/* Item i of a repeated or map field whose items start at base: the value, and (maps) the
 * entry's key. */
static inline size_t item_stride(const rp_schema_field *f)
{
    return f->map != NULL ? f->entry_size : f->size;
}

static inline char *item_value(const rp_schema_field *f, char *base, size_t i)
{
    return base + i * item_stride(f) + (f->map != NULL ? f->value_offset : 0);
}

static inline rp_str *item_key(const rp_schema_field *f, char *base, size_t i)
{
    return (rp_str *)(void *)(base + i * f->entry_size);
}

static inline size_t *count_of(void *msg, const rp_schema_field *f)
{
    return (size_t *)((char *)msg + f->count_offset);
}

static inline size_t get_count(const void *msg, const rp_schema_field *f)
{
    return *(const size_t *)((const char *)msg + f->count_offset);
}

static inline uint64_t load_u(const void *p, size_t size)
{
    switch (size) {
    case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline int64_t load_i(const void *p, size_t size)
{
    switch (size) {
    case 1: { int8_t v; memcpy(&v, p, 1); return v; }
    case 2: { int16_t v; memcpy(&v, p, 2); return v; }
    case 4: { int32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* Callers have checked that v fits `size` bytes. */
static inline void store_u(void *p, size_t size, uint64_t v)
{
    switch (size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static inline void store_i(void *p, size_t size, int64_t v)
{
    switch (size) {
    case 1: { int8_t x = (int8_t)v; memcpy(p, &x, 1); break; }
    case 2: { int16_t x = (int16_t)v; memcpy(p, &x, 2); break; }
    case 4: { int32_t x = (int32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static inline uint64_t umax_of(uint8_t bits)
{
    return bits >= 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1u);
}

static inline int64_t imax_of(uint8_t bits)
{
    return bits >= 64 ? INT64_MAX : (int64_t)((((uint64_t)1) << (bits - 1u)) - 1u);
}

static inline int64_t imin_of(uint8_t bits)
{
    return -imax_of(bits) - 1;
}

/* ---- rules --------------------------------------------------------------------------------- */

static inline bool in_u_set(const rp_schema_rule *r, uint64_t v)
{
    for (size_t i = 0; i < r->set_count; i++)
        if (r->u_set[i] == v)
            return true;
    return false;
}

static inline bool in_i_set(const rp_schema_rule *r, int64_t v)
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

/* The const rule of f, or NULL (rp_schema.c). */
const rp_schema_rule *rps_const_rule(const rp_schema_field *f);

/* The whole of s[0..n) matches the DFA: one table step per byte, never more. */
static inline bool pattern_ok(const rp_schema_pattern *pt, const char *s, size_t n)
{
    unsigned st = 1;
    for (size_t i = 0; i < n && st != 0; i++)
        st = pt->next[(size_t)st * pt->classes + pt->byte_class[(unsigned char)s[i]]];
    return pt->accept[st] != 0;
}

/* Puts a value of the non-message field f at p: u for BOOL, UINT and STRENUM, i for INT,
 * str for STRING (a default's or a const's members); other kinds are left alone. */
static inline void put_scalar(const rp_schema_field *f, void *p, uint64_t u, int64_t i,
                              const char *str)
{
    switch (f->type) {
    case RP_SCHEMA_BOOL: *(bool *)p = u != 0; break;
    case RP_SCHEMA_INT: store_i(p, f->size, i); break;
    case RP_SCHEMA_UINT: case RP_SCHEMA_STRENUM: store_u(p, f->size, u); break;
    case RP_SCHEMA_STRING: {
        rp_str s = { str, str != NULL ? strlen(str) : 0 };
        memcpy(p, &s, sizeof s);
        break;
    }
    default: break;
    }
}

/* Puts the default of f (which has one, and is not a message) at p. */
static inline void put_default(const rp_schema_field *f, void *p)
{
    if (f->type == RP_SCHEMA_FLOAT64)
        memcpy(p, &f->def_f, sizeof f->def_f);
    else
        put_scalar(f, p, f->def_u, f->def_i, f->def_str);
}

/* A byte as messages show it: 'x' when it is printable ASCII, else 0xNN. */
/* The character at s[k] for "got X at index k" into shown: 'x' when printable ASCII, U+00E9
 * when it starts a UTF-8 sequence (a lone byte 0x80 and up says nothing a reader can find),
 * else 0x01. In rp_schema.c. */
void rps_show_char(char shown[12], const char *s, size_t len, size_t k);

/* What a JSON value is, and what a field wants, for "expected X, found Y" ("a boolean",
 * "a string of hex digits"); the same, many of them, for arrays ("integers", and "" for a
 * message field, whose items the caller names: "Foo objects"). In rp_schema.c. */
const char *rps_json_type_name(rp_json_type t);
const char *rps_field_json_type(const rp_schema_field *f);
const char *rps_field_json_items(const rp_schema_field *f);

/* "a" or "an" before a name (by its first letter: "an Item", "a Roster"). */
static inline const char *article_for(const char *name)
{
    return name != NULL && name[0] != '\0' && strchr("AEIOUaeiou", name[0]) != NULL ? "an" : "a";
}

/* ---- shared by the files of the engine (rp_schema.c unless said) ---------------------------- */

/* A field kind's code (rp_schema.h): decode one value at the scanner into p (1 stored, 0
 * reported in collect-all mode, or a negative rp_status), its rules on the value at p
 * (rps_check_value's part), and encode the checked value. */
struct rp_schema_kind {
    int (*read)(schema_ctx *cx, const rp_schema_field *f, void *p);
    int (*check)(schema_ctx *cx, const rp_schema_field *f, const void *p, size_t offset);
    void (*write)(rp_json_writer *w, const rp_schema_field *f, const void *p);
};

/* The code of map fields (rp_schema.h): decode the field's JSON object into msg, check
 * entry i of it at base (the key and its value, at the key's path), encode the field. */
struct rp_schema_map_kind {
    int (*read)(schema_ctx *cx, const rp_schema_field *f, void *msg);
    int (*check_entry)(schema_ctx *cx, const rp_schema_field *f, const char *base, size_t i);
    void (*write)(rp_json_writer *w, const rp_schema_field *f, const void *msg);
};

/* Reads one value of field f into p (rp_schema_decode.c); *present: whether it counts. */
int rps_read_one(schema_ctx *cx, const rp_schema_field *f, void *p, bool *present);

/* The error for a float64 or string enum field without its kind. */
int rps_no_kind(schema_ctx *cx, const rp_schema_field *f, size_t offset);

/* Zero + defaults (+ consts with presence when with_consts). */
void rps_reset_message(const rp_schema_message *m, void *msg, bool with_consts);
/* Field f of *msg back to what it was before decoding: absent, zero or its default. Under
 * duplicate_keys = last a later occurrence replaces the field whole, so one that reads as
 * absent (a string number, a null, a relaxed zero) leaves the field absent, as a parser
 * that keeps the last key and then reads it would see. */
void rps_forget_field(const rp_schema_field *f, void *msg);

/* Checks one present value (an item when f is repeated) at p against f's rules; offset is
 * where it starts in the input (SIZE_MAX: unknown). 0, or what rps_problem returned. */
int rps_check_value(schema_ctx *cx, const rp_schema_field *f, const void *p, size_t offset);

/* The length (kind RP_RULE_LEN) or count (RP_RULE_COUNT) rules of f against n. */
int rps_check_len_rules(schema_ctx *cx, const rp_schema_field *f, rp_schema_rule_kind kind,
                        uint64_t n, size_t offset, const char *what);

/* A context for rps_check_value that only answers yes or no (the fast lanes). */
void rps_quiet_ctx_init(schema_ctx *cx);

/* One value of f at p, written as the table encoder writes it (rp_schema_encode.c). */
void rps_write_value(rp_json_writer *w, const rp_schema_field *f, const void *p);

/* The key of f and its colon: copied when the description has it ready, else escaped. */
static inline void write_member_key(rp_json_writer *w, const rp_schema_field *f)
{
    if (f->json_key != NULL)
        rp_json_write_raw_key(w, f->json_key, f->json_key_len);
    else
        rp_json_write_key(w, f->key, f->key_len);
}

#endif /* RP_SCHEMA_INTERNAL_H */
