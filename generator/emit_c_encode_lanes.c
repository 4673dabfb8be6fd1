/* emit_c_encode_lanes.c — the generated encode lanes of `rprotoc --optimize speed`.
 *
 * For every message whose fields are all of the plain kinds (integers, enums, flags, bools,
 * strings, hex and base64 bytes, embedded messages of the same kind) under keys that JSON
 * needs no escape for, the source gets one static function `encode_lane__<message>` that
 * writes the message straight through: each field's checks as comparisons (emit_c_rules.c,
 * the decode lanes' too), each key a literal with its comma, quotes and colon, a constant's
 * value and the keys next to it joined into the same literal, the values by the helpers of
 * runtime/core/rp_lane_write.h, one room check per literal (covering the number after it).
 * It only ever succeeds (rp_lane_write.h says why that is enough); at anything else it
 * returns NULL and the encode function hands the message to rp_schema_encode, which stays
 * the one place where errors are made. A message with a repeated, map, nullable, float64,
 * string-enum or pattern field, or with a constant the other rules of its field refuse, has
 * no lane: its encode is the table encoder alone, as with --optimize size.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_internal.h"
#include "emit_c_rules.h"

/* ---- which messages get a lane --------------------------------------------------------------- */

/* Printable ASCII without '"' or '\\': written as it is (emit_c_source.c gives such keys a
 * json_key, which the table encoder copies). */
static bool plain_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
            return false;
    return true;
}

/* Whether the constant of an integer field passes the field's other rules (then checking
 * the constant is all a lane has to do; otherwise the table encoder refuses every value). */
static bool int_const_ok(const rp_ast_field *f, rp_ast_scalar k)
{
    const rp_ast_attrs *a = &f->attrs;
    rp_ast_int v = a->const_value.i;
    const rp_ast_decl *ref = f->type.ref;
    if (!rp_ast_int_fits(v, k))
        return false;
    if (a->has_range && ((a->has_lo && rp_ast_int_cmp(v, a->lo) < 0) ||
                         (a->has_hi && rp_ast_int_cmp(v, a->hi) > 0)))
        return false;
    if (a->one_of_count > 0) {
        bool in = false;
        for (size_t i = 0; i < a->one_of_count; i++)
            in = in || rp_ast_int_cmp(v, a->one_of[i]) == 0;
        if (!in)
            return false;
    }
    /* an enum field's constant is one of its values: the checker takes only a value name
     * (looking through every value here made a spec of n messages on one n-value enum
     * cost n^2) */
    if (ref != NULL && ref->kind == RP_DECL_FLAGS) {
        uint64_t all = 0;
        for (size_t i = 0; i < ref->u.enm.value_count; i++)
            all |= ref->u.enm.values[i].value.mag;
        if (v.neg || (v.mag & ~all) != 0)
            return false;
    }
    return true;
}

/* A string constant the lane can compare and write as a literal: plain, and passing the
 * field's length and charset. */
static bool str_const_ok(const rp_ast_field *f)
{
    const char *s = f->attrs.const_value.str;
    if (!plain_text(s) || !rp_ast_len_allows(&f->attrs.len, strlen(s)))
        return false;
    const rp_ast_decl *cs = f->attrs.charset;
    for (const unsigned char *p = (const unsigned char *)s; cs != NULL && *p != '\0'; p++)
        if ((cs->u.charset.allowed[*p >> 3] & (1u << (*p & 7u))) == 0)
            return false;
    return true;
}

static bool field_fits(const rp_ast_field *f, unsigned depth);

static bool fits_depth(const rp_ast_decl *d, unsigned depth)
{
    if (d == NULL || d->kind != RP_DECL_MESSAGE || depth > 16)
        return false;
    for (size_t i = 0; i < d->u.message.field_count; i++)
        if (!field_fits(&d->u.message.fields[i], depth))
            return false;
    return true;
}

static bool field_fits(const rp_ast_field *f, unsigned depth)
{
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    if (f->label == RP_LABEL_REPEATED || f->type.is_map || a->nullable || a->pattern_re != NULL ||
        !plain_text(f->wire_key))
        return false;
    /* a nested message is written by its own lane, and one without fields has none
     * (emit_encode_lane_fits) */
    if (ref != NULL && ref->kind == RP_DECL_MESSAGE)
        return ref->u.message.field_count > 0 && fits_depth(ref, depth + 1);
    if (rp_ast_decl_is_string_enum(ref) || f->type.scalar == RP_SCALAR_FLOAT64)
        return false;
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    bool has_const = a->const_value.kind != RP_VALUE_NONE;
    if (k != RP_SCALAR_NONE)
        return !has_const || int_const_ok(f, k);
    if (f->type.scalar == RP_SCALAR_BOOL)
        return true;
    if (f->type.scalar == RP_SCALAR_STRING)
        return !has_const || (a->const_value.kind == RP_VALUE_STRING && str_const_ok(f));
    return f->type.scalar == RP_SCALAR_BYTES && !has_const &&
           (a->encoding == RP_BYTES_HEX || a->encoding == RP_BYTES_BASE64);
}

bool emit_encode_lane_fits(const emit_ctx *cx, const rp_ast_decl *d)
{
    /* the writer's nesting limit is the message's max_depth, never below its own nesting
     * (the checker makes sure); the test keeps a lane from writing what it would refuse */
    /* a message without fields is "{}": the table encoder writes that as fast, so no lane */
    return cx->lanes && d->kind == RP_DECL_MESSAGE && d->u.message.field_count > 0 &&
           fits_depth(d, 0) && d->json_depth <= rp_ast_decode_depth(cx->spec, d);
}

bool emit_encode_lanes_any(const emit_ctx *cx)
{
    for (size_t i = 0; i < cx->spec->decl_count; i++)
        if (emit_encode_lane_fits(cx, cx->spec->decls[i]))
            return true;
    return false;
}

/* ---- the lane ---------------------------------------------------------------------------------- */

/* The room to check for an integer kind: its widest text ("-128", "18446744073709551615"),
 * and at least the whole words rp_lane_put_u64 stores (RP_LANE_PUT_INT_ROOM). */
static unsigned int_width(bool sg, unsigned bits)
{
    unsigned w;
    switch (bits) {
    case 8: w = sg ? 4 : 3; break;
    case 16: w = sg ? 6 : 5; break;
    case 32: w = sg ? 11 : 10; break;
    default: w = 20; break;
    }
    unsigned words = sg ? 9 : 8;
    return w > words ? w : words;
}

/* What a lane being written knows: its text, the literal not yet written (keys and
 * constants are joined until a value needs code) and the refusals of the current field. */
typedef struct lane_writer {
    emit_ctx *cx;
    rp_strbuf *c;
    rp_strbuf lit;   /* JSON text to write next */
    rp_strbuf cond;  /* the refusals of the field at hand (EMIT_RULE_SEP before each) */
    const char *in;  /* indent of the field's code */
} lane_writer;

/* `if (<refusals>)\n    return NULL;` for the refusals collected in lw->cond, then cond
 * emptied. first: the test that opens the condition, or NULL. */
static void emit_refusals(lane_writer *lw, const char *first)
{
    const char *k = lw->cond.s != NULL ? lw->cond.s : "";
    if (first == NULL && *k == '\0')
        return;
    if (first == NULL)
        k++; /* the first refusal opens the condition itself */
    rp_sb_printf(lw->c, "%sif (%s", lw->in, first != NULL ? first : "");
    emit_rules_join(lw->c, lw->in, strlen(lw->in) + 6 + (first != NULL ? strlen(first) : 0), k);
    rp_sb_printf(lw->c, ")\n%s    return NULL;\n", lw->in);
    lw->cond.len = 0;
    if (lw->cond.s != NULL)
        lw->cond.s[0] = '\0';
}

/* Writes the pending literal: its room (and `extra` bytes more, for the number after it)
 * joins the field's refusals; then one copy. */
static void flush_lit(lane_writer *lw, unsigned extra, const char *first)
{
    if (lw->lit.len > 0 || extra > 0)
        rp_sb_printf(&lw->cond, EMIT_RULE_SEP "!rp_lane_put_room(o, end, %zu)",
                     lw->lit.len + extra);
    emit_refusals(lw, first);
    if (lw->lit.len == 0)
        return;
    rp_sb_printf(lw->c, "%so = rp_lane_put_lit(o, ", lw->in);
    emit_cstr(lw->c, lw->lit.s);
    rp_sb_printf(lw->c, ", %zu);\n", lw->lit.len);
    lw->lit.len = 0;
    lw->lit.s[0] = '\0';
}

/* The JSON text of a constant (int_const_ok / str_const_ok made sure it is written so). */
static void const_text(rp_strbuf *b, const rp_ast_field *f, bool sg)
{
    const rp_ast_value *v = &f->attrs.const_value;
    if (v->kind == RP_VALUE_BOOL) {
        rp_sb_puts(b, v->b ? "true" : "false");
    } else if (v->kind == RP_VALUE_STRING) {
        rp_sb_printf(b, "\"%s\"", v->str);
    } else if (sg && v->i.neg) {
        rp_sb_printf(b, "-%" PRIu64, v->i.mag);
    } else {
        rp_sb_printf(b, "%" PRIu64, v->i.mag);
    }
}

/* The refusals of a constant field's value (the value itself is then part of the literal). */
static void const_rules(rp_strbuf *b, const rp_ast_field *f, const char *v, bool sg)
{
    const rp_ast_value *cv = &f->attrs.const_value;
    if (cv->kind == RP_VALUE_BOOL) {
        rp_sb_printf(b, EMIT_RULE_SEP "%s%s", cv->b ? "!" : "", v);
    } else if (cv->kind == RP_VALUE_STRING) {
        rp_sb_printf(b, EMIT_RULE_SEP "!rp_lane_put_str_is(%s, ", v);
        emit_cstr(b, cv->str);
        rp_sb_printf(b, ", %zu)", strlen(cv->str));
    } else {
        rp_sb_printf(b, EMIT_RULE_SEP "%s != ", v);
        emit_int_lit(b, sg, cv->i);
    }
}

/* A C enum without a constant: its value is read into a local (u or i). */
static bool is_c_enum(const rp_ast_field *f)
{
    return f->type.ref != NULL && emit_enum_is_c_enum(f->type.ref) &&
           f->attrs.const_value.kind == RP_VALUE_NONE;
}

/* Whether some field of d is read into the local u (unsigned) / i (signed). */
static bool uses_local(const rp_ast_decl *d, bool sg)
{
    for (size_t i = 0; i < d->u.message.field_count; i++) {
        const rp_ast_field *f = &d->u.message.fields[i];
        if (is_c_enum(f) && rp_ast_scalar_is_signed(rp_ast_type_int_kind(&f->type)) == sg)
            return true;
    }
    return false;
}

/* The code of field f: its refusals (first: the presence test of a required field, or
 * NULL), its key into the literal and its value. flush_const: a constant's literal is
 * written at once (else it waits to be joined with what follows). */
static void emit_field(lane_writer *lw, const rp_ast_field *f, const char *key, const char *first,
                       bool flush_const)
{
    rp_strbuf *c = lw->c;
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    char *member = rp_cname_field(f, RP_CN_MEMBER);
    rp_strbuf v = { 0 };
    rp_sb_printf(&v, "msg->%s", member);
    rp_sb_puts(&lw->lit, key);
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    bool sg = k != RP_SCALAR_NONE && rp_ast_scalar_is_signed(k);
    if (a->const_value.kind != RP_VALUE_NONE) {
        const_rules(&lw->cond, f, v.s, sg);
        const_text(&lw->lit, f, sg);
        if (flush_const)
            flush_lit(lw, 0, first);
        else
            emit_refusals(lw, first); /* the literal waits for the next value */
    } else if (ref != NULL && ref->kind == RP_DECL_MESSAGE) {
        char *lane = rp_cname_snake(ref->name);
        flush_lit(lw, 0, first);
        rp_sb_printf(c, "%so = encode_lane__%s(o, end, &%s);\n%sif (o == NULL)\n%s    return NULL;\n",
                     lw->in, lane, v.s, lw->in, lw->in);
        free(lane);
    } else if (k != RP_SCALAR_NONE) {
        unsigned bits = rp_ast_scalar_bits(k);
        const char *val = v.s;
        rp_ast_scalar holds = k; /* the member's type is the kind's */
        if (is_c_enum(f)) { /* its size is the compiler's: read as the table encoder does */
            val = sg ? "i" : "u";
            rp_sb_printf(c, "%s%s = rp_lane_put_member_%s(&%s, sizeof %s);\n", lw->in, val, val,
                         v.s, v.s);
            holds = sg ? RP_SCALAR_INT64 : RP_SCALAR_UINT64; /* any value the member holds */
        }
        emit_int_rules(&lw->cond, f, val, holds);
        flush_lit(lw, int_width(sg, bits), first);
        rp_sb_printf(c, "%so = rp_lane_put_%s(o, %s);\n", lw->in, sg ? "i64" : "u64", val);
    } else if (f->type.scalar == RP_SCALAR_BOOL) {
        flush_lit(lw, 5, first);
        rp_sb_printf(c, "%so = rp_lane_put_bool(o, %s);\n", lw->in, v.s);
    } else {
        bool str = f->type.scalar == RP_SCALAR_STRING;
        rp_strbuf n = { 0 };
        rp_sb_printf(&n, "%s.len", v.s);
        emit_len_rules(&lw->cond, n.s, &a->len);
        const rp_ast_decl *cs = str ? a->charset : NULL;
        bool plain = cs != NULL; /* the charset allows only bytes written as they are */
        for (unsigned b = 0; cs != NULL && b < 256; b++)
            if ((cs->u.charset.allowed[b >> 3] >> (b & 7)) & 1u)
                plain = plain && b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
        if (cs != NULL) {
            char *table = rp_cname_static(RP_CN_S_CHARSET, cs, NULL);
            if (emit_lane_uses_charset(lw->cx, cs)) /* the decode lanes' byte table */
                rp_sb_printf(&lw->cond, EMIT_RULE_SEP "!rp_lane_put_charset(%s, lane_%s)", v.s,
                             table);
            else
                rp_sb_printf(&lw->cond, EMIT_RULE_SEP "!rp_lane_put_charset_bits(%s, %s)", v.s,
                             table);
            free(table);
        }
        const char *put = !str ? (a->encoding == RP_BYTES_HEX ? "hex" : "base64")
                          : plain ? "plain" : "string";
        flush_lit(lw, 0, first);
        rp_sb_printf(c, "%so = rp_lane_put_%s(o, end, %s);\n%sif (o == NULL)\n%s    return NULL;\n",
                     lw->in, put, v.s, lw->in, lw->in);
        free(n.s);
    }
    free(v.s);
    free(member);
}

void emit_encode_lane(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    const rp_ast_message *m = &d->u.message;
    char *ctype = rp_cname_decl(&cx->names, d, RP_CN_TYPE);
    char *lane = rp_cname_snake(d->name);
    lane_writer lw = { cx, c, { 0 }, { 0 }, "    " };
    rp_sb_printf(c, "/* %s written straight through (rp_lane_write.h), or NULL for the table\n"
                    " * encoder (a missing or refused value, bad UTF-8, no room). */\n"
                    "static char *encode_lane__%s(char *o, const char *end, const %s *msg)\n{\n",
                 d->name, lane, ctype);
    /* With a required first field every member follows a ',' but the first, which follows
     * the '{'. Otherwise each key is written after a ',', and the first of them is turned
     * into the '{' at the end (no flag to keep). */
    bool first_required = m->field_count > 0 && rp_ast_field_is_required(&m->fields[0]);
    if (uses_local(d, false))
        rp_sb_puts(c, "    uint64_t u;\n");
    if (uses_local(d, true))
        rp_sb_puts(c, "    int64_t i;\n");
    if (!first_required)
        rp_sb_puts(c, "    char *start = o; /* where the '{' goes */\n");
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_ast_field *f = &m->fields[i];
        char *member = rp_cname_field(f, RP_CN_MEMBER);
        char *has = rp_cname_field(f, RP_CN_HAS);
        rp_strbuf key = { 0 }, present = { 0 };
        rp_sb_printf(&key, "%s\"%s\":", i == 0 && first_required ? "{" : ",", f->wire_key);
        bool req = rp_ast_field_is_required(f);
        if (!req)
            flush_lit(&lw, 0, NULL); /* what comes before is written either way */
        rp_sb_printf(c, "    /* %s */\n", member);
        if (req) {
            rp_sb_printf(&present, "!msg->%s", has);
            /* a constant's literal waits for the next field when that one is required */
            emit_field(&lw, f, key.s, present.s,
                       i + 1 < m->field_count && !rp_ast_field_is_required(&m->fields[i + 1]));
        } else {
            rp_sb_printf(c, "    if (msg->%s) {\n", has);
            lw.in = "        ";
            emit_field(&lw, f, key.s, NULL, true);
            flush_lit(&lw, 0, NULL);
            lw.in = "    ";
            rp_sb_puts(c, "    }\n");
        }
        free(key.s);
        free(present.s);
        free(member);
        free(has);
    }
    if (first_required) {
        rp_sb_puts(&lw.lit, "}");
        flush_lit(&lw, 0, NULL);
    } else {
        flush_lit(&lw, 0, NULL);
        rp_sb_puts(c, "    if (!rp_lane_put_room(o, end, 2))\n        return NULL;\n"
                      "    if (o == start) /* no member */\n        *o++ = '{';\n"
                      "    else\n        *start = '{';\n    *o++ = '}';\n");
    }
    rp_sb_puts(c, "    return o;\n}\n\n");
    free(lw.lit.s);
    free(lw.cond.s);
    free(lane);
    free(ctype);
}

void emit_encode_lane_call(emit_ctx *cx, const rp_ast_decl *d, const char *schema)
{
    char *lane = rp_cname_snake(d->name);
    rp_sb_printf(&cx->c,
                 "    /* The common case first (rp_lane_write.h); anything else goes to the tables. */\n"
                 "    if (msg != NULL && buf != NULL && cap <= RP_LANE_PUT_CAP_MAX) {\n"
                 "        const char *end = encode_lane__%s(buf, buf + cap, msg);\n"
                 "        if (end != NULL)\n"
                 "            return rp_lane_put_done(buf, end, cap, out_len, err);\n"
                 "    }\n"
                 "    return rp_schema_encode_fast(&%s, msg, buf, cap, out_len, err);\n",
                 lane, schema);
    free(lane);
}
