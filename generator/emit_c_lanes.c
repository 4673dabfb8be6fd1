/* emit_c_lanes.c — the generated decode lanes of `rprotoc --optimize speed` (the default).
 *
 * For every message whose fields are all of the plain kinds (integers, enums, flags, bools,
 * strings, hex and base64 bytes, embedded messages of the same kind), the source gets one
 * static function `lane__<message>` that reads the common case of its JSON straight
 * through: keys in spec order, each compared as a literal where the order puts it, each
 * rule written out as a comparison (emit_c_rules.c, the encode lanes' too). It only accepts
 * (runtime/core/rp_lane.h says why that is enough); anything else returns false and the
 * decode function hands the text to the table walk of rp_schema, which stays the one place
 * where errors are made. A message with a repeated, map, nullable, float64, string-enum or
 * pattern field, or a key that JSON must escape, has no lane: its decode is the walk alone,
 * as with --optimize size.
 *
 * The lanes use the same static tables as the walk for charsets; everything else is
 * written into the code as constants taken from the spec, the way emit_c_source.c writes
 * them into the tables.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_internal.h"
#include "emit_c_rules.h"

/* The key as it appears in compact JSON needs no escape (and so can be compared raw). */
static bool plain_key(const char *key)
{
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
        if (*p < 0x20 || *p == '"' || *p == '\\')
            return false;
    return true;
}

static bool fits_depth(const rp_ast_decl *d, unsigned depth)
{
    if (d == NULL || d->kind != RP_DECL_MESSAGE || depth > 16)
        return false;
    const rp_ast_message *m = &d->u.message;
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_ast_field *f = &m->fields[i];
        const rp_ast_attrs *a = &f->attrs;
        if (f->label == RP_LABEL_REPEATED || f->type.is_map || a->nullable ||
            a->pattern_re != NULL || !plain_key(f->wire_key))
            return false;
        const rp_ast_decl *ref = f->type.ref;
        if (ref != NULL && ref->kind == RP_DECL_MESSAGE) {
            if (!fits_depth(ref, depth + 1))
                return false;
            continue;
        }
        if (rp_ast_decl_is_string_enum(ref) || f->type.scalar == RP_SCALAR_FLOAT64)
            return false;
        if (rp_ast_type_int_kind(&f->type) == RP_SCALAR_NONE && f->type.scalar != RP_SCALAR_BOOL &&
            f->type.scalar != RP_SCALAR_STRING && f->type.scalar != RP_SCALAR_BYTES)
            return false;
    }
    return true;
}

bool emit_lane_fits(const rp_ast_decl *d)
{
    return fits_depth(d, 0);
}

bool emit_lane_uses_charset(const emit_ctx *cx, const rp_ast_decl *d)
{
    if (!cx->lanes)
        return false;
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *m = cx->spec->decls[i];
        if (!emit_lane_fits(m))
            continue;
        for (size_t k = 0; k < m->u.message.field_count; k++)
            if (m->u.message.fields[k].attrs.charset == d)
                return true;
    }
    return false;
}

bool emit_lanes_any(const emit_ctx *cx)
{
    if (!cx->lanes)
        return false;
    for (size_t i = 0; i < cx->spec->decl_count; i++)
        if (emit_lane_fits(cx->spec->decls[i]))
            return true;
    return false;
}

static const char *umax_name(unsigned bits)
{
    return bits == 8 ? "UINT8_MAX" : bits == 16 ? "UINT16_MAX" : bits == 32 ? "UINT32_MAX" : "UINT64_MAX";
}

static const char *imin_name(unsigned bits)
{
    return bits == 8 ? "INT8_MIN" : bits == 16 ? "INT16_MIN" : bits == 32 ? "INT32_MIN" : "INT64_MIN";
}

static const char *imax_name(unsigned bits)
{
    return bits == 8 ? "INT8_MAX" : bits == 16 ? "INT16_MAX" : bits == 32 ? "INT32_MAX" : "INT64_MAX";
}

/* `if (!READ<refusals>)\n    return false;` at indent, READ being the call that reads
 * (emit_c_rules.h). */
static void emit_if(rp_strbuf *c, const char *indent, const char *read, const rp_strbuf *refusals)
{
    rp_sb_printf(c, "%sif (!%s", indent, read);
    emit_rules_join(c, indent, strlen(indent) + 6 + strlen(read),
                    refusals->s != NULL ? refusals->s : "");
    rp_sb_printf(c, ")\n%s    return false;\n", indent);
}

/* The refusals of an integer value v (a uint64_t u or an int64_t i) by the field's rules
 * and, where the profile reads a 0 as absent, of a 0 (that is the walk's). */
static void integer_rules(rp_strbuf *b, const emit_ctx *cx, const rp_ast_field *f, bool sg)
{
    const char *v = sg ? "i" : "u";
    const rp_ast_attrs *a = &f->attrs;
    emit_int_rules(b, f, v, rp_ast_type_int_kind(&f->type)); /* the read keeps v to the kind */
    uint32_t opt, zero;
    rp_ast_relax_masks(cx->spec, f, &opt, &zero);
    bool zero_refused = a->const_value.kind != RP_VALUE_NONE ? a->const_value.i.mag != 0
                        : !sg && a->has_range && a->has_lo && a->lo.mag > 0;
    if (zero != 0 && !zero_refused)
        rp_sb_printf(b, EMIT_RULE_SEP "(%s == 0 && (ln->relax & 0x%xu) != 0)", v, (unsigned)zero);
}

/* Where the profile reads "" (or no bytes) as absent, the refusal of an empty value (that is
 * the walk's), unless f's rules refuse it already. */
static void empty_rules(rp_strbuf *b, const emit_ctx *cx, const rp_ast_field *f, const char *member)
{
    const rp_ast_attrs *a = &f->attrs;
    uint32_t opt, empty;
    rp_ast_relax_masks(cx->spec, f, &opt, &empty);
    bool empty_refused = (a->len.present && a->len.has_min && a->len.min > 0) ||
                         (a->const_value.kind == RP_VALUE_STRING && a->const_value.str[0] != '\0');
    if (empty != 0 && !empty_refused)
        rp_sb_printf(b, EMIT_RULE_SEP "(out->%s.len == 0 && (ln->relax & 0x%xu) != 0)", member, (unsigned)empty);
}

/* Reads field f's value at ln into out->member, or returns false; `indent` is the block's. */
static void emit_value(emit_ctx *cx, const rp_ast_field *f, const char *indent)
{
    rp_strbuf *c = &cx->c;
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    char *member = rp_cname_field(f, RP_CN_MEMBER);
    rp_strbuf cond = { 0 };
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    if (ref != NULL && ref->kind == RP_DECL_MESSAGE) {
        char *lane = rp_cname_snake(ref->name);
        rp_sb_printf(c, "%sif (!lane__%s(ln, &out->%s))\n%s    return false;\n", indent, lane, member,
                     indent);
        free(lane);
    } else if (k != RP_SCALAR_NONE) {
        bool sg = rp_ast_scalar_is_signed(k);
        unsigned bits = rp_ast_scalar_bits(k);
        char *ctype = emit_field_ctype(cx, f);
        integer_rules(&cond, cx, f, sg);
        rp_strbuf read = { 0 };
        if (sg)
            rp_sb_printf(&read, "rp_lane_int(ln, %s, %s, &i)", imin_name(bits), imax_name(bits));
        else
            rp_sb_printf(&read, "rp_lane_uint(ln, %s, &u)", umax_name(bits));
        emit_if(c, indent, read.s, &cond);
        if (strcmp(ctype, sg ? "int64_t" : "uint64_t") == 0) /* the local's own type */
            rp_sb_printf(c, "%sout->%s = %s;\n", indent, member, sg ? "i" : "u");
        else
            rp_sb_printf(c, "%sout->%s = (%s)%s;\n", indent, member, ctype, sg ? "i" : "u");
        free(read.s);
        free(ctype);
    } else if (f->type.scalar == RP_SCALAR_BOOL) {
        if (a->const_value.kind == RP_VALUE_BOOL)
            rp_sb_printf(&cond, EMIT_RULE_SEP "%sout->%s", a->const_value.b ? "!" : "", member);
        rp_strbuf read = { 0 };
        rp_sb_printf(&read, "rp_lane_bool(ln, &out->%s)", member);
        emit_if(c, indent, read.s, &cond);
        free(read.s);
    } else {
        bool str = f->type.scalar == RP_SCALAR_STRING;
        rp_strbuf n = { 0 };
        rp_sb_printf(&n, "out->%s.len", member);
        emit_len_rules(&cond, n.s, &a->len);
        if (str && a->charset != NULL) {
            char *table = rp_cname_static(RP_CN_S_CHARSET, a->charset, NULL);
            rp_sb_printf(&cond, EMIT_RULE_SEP "!rp_lane_charset(out->%s, lane_%s)", member, table);
            free(table);
        }
        if (str && a->const_value.kind == RP_VALUE_STRING) {
            rp_sb_printf(&cond, EMIT_RULE_SEP "!rp_lane_str_is(out->%s, ", member);
            emit_cstr(&cond, a->const_value.str);
            rp_sb_printf(&cond, ", %zu)", strlen(a->const_value.str));
        }
        empty_rules(&cond, cx, f, member);
        const char *read = str ? "rp_lane_string" : a->encoding == RP_BYTES_HEX ? "rp_lane_hex" : "rp_lane_base64";
        rp_strbuf call = { 0 };
        rp_sb_printf(&call, "%s(ln, &out->%s)", read, member);
        emit_if(c, indent, call.s, &cond);
        free(call.s);
        free(n.s);
    }
    free(cond.s);
    free(member);
}

/* Whether some field of d is read into the local u (unsigned) / i (signed). */
static bool uses_local(const rp_ast_decl *d, bool sg)
{
    for (size_t i = 0; i < d->u.message.field_count; i++) {
        rp_ast_scalar k = rp_ast_type_int_kind(&d->u.message.fields[i].type);
        if (k != RP_SCALAR_NONE && rp_ast_scalar_is_signed(k) == sg)
            return true;
    }
    return false;
}

void emit_lane(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    const rp_ast_message *m = &d->u.message;
    char *ctype = rp_cname_decl(&cx->names, d, RP_CN_TYPE);
    char *lane = rp_cname_snake(d->name);
    rp_sb_printf(c, "/* %s in the common case (rp_lane.h): keys in spec order, compact, plain\n"
                    " * values. false: anything else, for the walk. */\n"
                    "static bool lane__%s(rp_lane *ln, %s *out)\n{\n",
                 d->name, lane, ctype);
    if (m->field_count == 0) {
        rp_sb_puts(c, "    (void)out;\n    return rp_lane_lit(ln, \"{}\", 2);\n}\n\n");
        free(lane);
        free(ctype);
        return;
    }
    if (uses_local(d, false))
        rp_sb_puts(c, "    uint64_t u;\n");
    if (uses_local(d, true))
        rp_sb_puts(c, "    int64_t i;\n");
    /* When the first field is required, every key after it follows a ',' and the first a
     * '{': the separators are compared with the keys, a required key that is not where the
     * order puts it ends the lane, and after the last field only the '}' is left to test
     * (every required field was read on the way). Otherwise the first keys may come without
     * a ',': each value is followed by its own separator test, a '}' may come after any
     * field, and close: checks the required fields. */
    bool fold = rp_ast_field_is_required(&m->fields[0]);
    if (!fold)
        rp_sb_puts(c, "    if (!rp_lane_byte(ln, '{'))\n        return false;\n");
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_ast_field *f = &m->fields[i];
        bool req = rp_ast_field_is_required(f);
        char *has = rp_cname_field(f, RP_CN_HAS);
        rp_strbuf key = { 0 };
        rp_sb_printf(&key, "%s\"%s\":", !fold ? "" : i == 0 ? "{" : ",", f->wire_key);
        rp_sb_printf(c, "    /* %s */\n", f->c_name);
        const char *in = "    ";
        rp_sb_puts(c, req ? "    if (!rp_lane_lit(ln, " : "    if (rp_lane_lit(ln, ");
        emit_cstr(c, key.s);
        if (req) {
            rp_sb_printf(c, ", %zu))\n        return false;\n", key.len);
        } else {
            rp_sb_printf(c, ", %zu)) {\n", key.len);
            in = "        ";
        }
        emit_value(cx, f, in);
        rp_sb_printf(c, "%sout->%s = true;\n", in, has);
        if (!fold)
            rp_sb_printf(c, "%sif (!rp_lane_byte(ln, ','))\n%s    goto close;\n", in, in);
        if (!req)
            rp_sb_puts(c, "    }\n");
        free(key.s);
        free(has);
    }
    if (fold) {
        rp_sb_puts(c, "    return rp_lane_byte(ln, '}');\n}\n\n");
        free(lane);
        free(ctype);
        return;
    }
    rp_sb_puts(c, "    return false; /* a ',' with no key of ours after it */\n"
                  "close:\n"
                  "    /* the object ends, and every required field was read */\n"
                  "    return rp_lane_byte(ln, '}')");
    size_t col = 33;
    for (size_t i = 0; i < m->field_count; i++) {
        if (!rp_ast_field_is_required(&m->fields[i]))
            continue;
        char *has = rp_cname_field(&m->fields[i], RP_CN_HAS);
        if (col + strlen(has) + 9 > 96) {
            rp_sb_puts(c, "\n          ");
            col = 10;
        }
        rp_sb_printf(c, " && out->%s", has);
        col += strlen(has) + 9;
        free(has);
    }
    rp_sb_puts(c, ";\n}\n\n");
    free(lane);
    free(ctype);
}

/* The defaults of d's fields (and of its embedded messages' fields), at `path`. */
static void emit_defaults(emit_ctx *cx, const rp_ast_decl *d, const char *path)
{
    rp_strbuf *c = &cx->c;
    for (size_t i = 0; i < d->u.message.field_count; i++) {
        const rp_ast_field *f = &d->u.message.fields[i];
        const rp_ast_value *v = &f->attrs.default_value;
        char *member = rp_cname_field(f, RP_CN_MEMBER);
        if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE) {
            rp_strbuf sub = { 0 };
            rp_sb_printf(&sub, "%s%s.", path, member);
            emit_defaults(cx, f->type.ref, sub.s);
            free(sub.s);
        } else if (v->kind == RP_VALUE_STRING) {
            /* the text of the field's table, so the struct is the walk's to the pointer */
            char *fields = rp_cname_static(RP_CN_S_FIELDS, d, NULL);
            rp_sb_printf(c, "        %s%s = (rp_str){ %s[%zu].def_str, %zu };\n", path, member,
                         fields, i, strlen(v->str));
            free(fields);
        } else if (v->kind == RP_VALUE_BOOL) {
            rp_sb_printf(c, "        %s%s = %s;\n", path, member, v->b ? "true" : "false");
        } else if (v->kind != RP_VALUE_NONE) {
            char *ctype = emit_field_ctype(cx, f);
            rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
            rp_sb_printf(c, "        %s%s = (%s)", path, member, ctype);
            emit_int_lit(c, k != RP_SCALAR_NONE && rp_ast_scalar_is_signed(k), v->i);
            rp_sb_puts(c, ";\n");
            free(ctype);
        }
        free(member);
    }
}

void emit_lane_decode(emit_ctx *cx, const rp_ast_decl *d, const char *schema)
{
    rp_strbuf *c = &cx->c;
    char *lane = rp_cname_snake(d->name);
    rp_sb_puts(c, "    /* The common case first (rp_lane.h); anything else goes to the walk. */\n"
                  "    rp_lane ln;\n"
                  "    if (out != NULL && rp_lane_start(&ln, json, len, storage, profile)) {\n"
                  "        size_t mark = storage->used; /* rp_arena_mark */\n"
                  "        memset(out, 0, sizeof *out);\n");
    emit_defaults(cx, d, "out->");
    rp_sb_printf(c, "        if (lane__%s(&ln, out) && rp_lane_finish(&ln, profile)) {\n"
                    "            rp_error_clear(err);\n"
                    "            return 0;\n"
                    "        }\n"
                    "        rp_arena_rewind(storage, mark);\n"
                    "    }\n"
                    "    return rp_schema_decode_fast(&%s, json, len, out, storage, profile, err);\n",
                 lane, schema);
    free(lane);
}
