/* emit_c_source.c — writes the generated source: constant descriptions of every message
 * (fields, rules with spec locations, charset tables) and the thin public functions that
 * hand them to the rp_schema engine.
 *
 * Only tables that are used are written: gcc warns about unused static consts in C.
 */
#include "emit_c_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"
/* `.json_key = "\"key\":", .json_key_len = n, ` for a key of plain printable ASCII (what
 * the JSON writer copies unescaped), so the engine can copy the key when encoding and match
 * it with one compare when decoding; other keys get none and are escaped at run time. */
static void emit_json_key(rp_strbuf *c, const char *key)
{
    for (const char *k = key; *k != '\0'; k++)
        if (*k < 0x20 || *k > 0x7e || *k == '"' || *k == '\\')
            return;
    rp_strbuf q = { 0 };
    rp_sb_printf(&q, "\"%s\":", key);
    rp_sb_puts(c, ".json_key = ");
    emit_cstr(c, q.s);
    rp_sb_printf(c, ", .json_key_len = %zu,\n      ", q.len);
    free(q.s);
}

/* ---- spec locations ------------------------------------------------------------------------ */

/* Name of the static string holding the file of a span (rp_cname_spec_file). Spans point
 * at their unit's path string, so a pointer compare finds it; the text compare is a
 * fallback for spans made elsewhere. */
static void file_var(const emit_ctx *cx, rp_strbuf *b, const char *file)
{
    size_t found = cx->spec->unit_count;
    for (size_t i = 0; i < cx->spec->unit_count && found == cx->spec->unit_count; i++)
        if (cx->spec->units[i]->path == file)
            found = i;
    for (size_t i = 0; i < cx->spec->unit_count && found == cx->spec->unit_count; i++)
        if (file != NULL && strcmp(cx->spec->units[i]->path, file) == 0)
            found = i;
    if (found == cx->spec->unit_count) {
        rp_sb_puts(b, "NULL");
        return;
    }
    char *name = rp_cname_spec_file(cx->spec->units[found], found);
    rp_sb_puts(b, name);
    free(name);
}

static void emit_loc(const emit_ctx *cx, rp_strbuf *b, const rp_ast_span *s)
{
    if (s->file == NULL) {
        rp_sb_puts(b, "{ NULL, 0, 0 }");
        return;
    }
    rp_sb_puts(b, "{ ");
    file_var(cx, b, s->file);
    rp_sb_printf(b, ", %" PRIu32 ", %" PRIu32 " }", s->line, s->col);
}

/* ---- rules --------------------------------------------------------------------------------- */

typedef struct field_names {
    const rp_ast_decl *decl; /* the message */
    char *ctype;             /* "residue_connect" */
    char *msg;               /* "connect": the snake name in the names of its static tables */
} field_names;

/* True when the field's integers are signed (i_ members). */
static bool field_signed(const rp_ast_field *f)
{
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    return k != RP_SCALAR_NONE && rp_ast_scalar_is_signed(k);
}

static void num_member(rp_strbuf *b, bool is_signed, const char *which, rp_ast_int v)
{
    rp_sb_printf(b, ", .%c_%s = ", is_signed ? 'i' : 'u', which);
    emit_int_lit(b, is_signed, v);
}

/* Starts a rule; its expect text is the literal `expect`, or when expect_var is not NULL the
 * static string of that name (an enum's text, written once for every field of its type). */
static void rule_head_var(const emit_ctx *cx, rp_strbuf *b, const char *kind,
                          const rp_ast_span *loc, const char *expect, const char *expect_var)
{
    rp_sb_printf(b, "    { .kind = %s, .loc = ", kind);
    emit_loc(cx, b, loc);
    rp_sb_puts(b, ",\n      .expect = ");
    if (expect_var != NULL)
        rp_sb_puts(b, expect_var);
    else
        emit_cstr(b, expect);
}

static void rule_head(const emit_ctx *cx, rp_strbuf *b, const char *kind, const rp_ast_span *loc,
                      const char *expect)
{
    rule_head_var(cx, b, kind, loc, expect, NULL);
}

/* Writes a LEN or COUNT rule; set arrays go to `pre` (before the rules array). */
static void len_rule(const emit_ctx *cx, rp_strbuf *pre, rp_strbuf *b, const char *kind,
                     const rp_ast_len *l, const char *set_name)
{
    rp_strbuf e = { 0 };
    emit_expect_len(&e, l);
    if (l->set != NULL) {
        rp_sb_printf(pre, "static const uint64_t %s[] = { ", set_name);
        for (size_t i = 0; i < l->set_count; i++) {
            if (i > 0)
                rp_sb_puts(pre, ", ");
            emit_u64_lit(pre, l->set[i]);
        }
        rp_sb_puts(pre, " };\n");
    }
    rule_head(cx, b, kind, &l->span, e.s);
    if (l->set != NULL) {
        rp_sb_printf(b, ",\n      .u_set = %s, .set_count = %zu", set_name, l->set_count);
    } else {
        if (l->has_min) {
            rp_sb_puts(b, ",\n      .has_lo = true, .u_lo = ");
            emit_u64_lit(b, l->min);
        }
        if (l->has_max) {
            rp_sb_puts(b, l->has_min ? ", .has_hi = true, .u_hi = " : ",\n      .has_hi = true, .u_hi = ");
            emit_u64_lit(b, l->max);
        }
    }
    rp_sb_puts(b, " },\n");
    free(e.s);
}

/* Writes the rules array of one field (if it has rules); returns how many. */
static size_t emit_field_rules(emit_ctx *cx, const field_names *n, const rp_ast_field *f)
{
    rp_strbuf pre = { 0 }, b = { 0 };
    size_t count = 0;
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    bool sg = field_signed(f);
    rp_strbuf name = { 0 };

    if (rp_ast_decl_is_string_enum(ref)) {
        char *names = rp_cname_static(RP_CN_S_ENUM_VALUES, ref, NULL);
        char *expect = rp_cname_static(RP_CN_S_ENUM_EXPECT, ref, NULL);
        rule_head_var(cx, &b, "RP_RULE_ENUM", &f->type.span, NULL, expect);
        rp_sb_printf(&b, ",\n      .str_set = %s, .set_count = %zu },\n", names, ref->u.enm.value_count);
        count++;
        free(names);
        free(expect);
    } else if (ref != NULL && ref->kind == RP_DECL_ENUM) {
        char *values = rp_cname_static(RP_CN_S_ENUM_VALUES, ref, NULL);
        char *expect = rp_cname_static(RP_CN_S_ENUM_EXPECT, ref, NULL);
        rule_head_var(cx, &b, "RP_RULE_ENUM", &f->type.span, NULL, expect);
        rp_sb_printf(&b, ",\n      .%c_set = %s, .set_count = %zu },\n", sg ? 'i' : 'u', values,
                     ref->u.enm.value_count);
        count++;
        free(values);
        free(expect);
    } else if (ref != NULL && ref->kind == RP_DECL_FLAGS) {
        rp_strbuf e = { 0 };
        uint64_t all = emit_expect_flags(&e, ref);
        rule_head(cx, &b, "RP_RULE_FLAGS", &f->type.span, e.s);
        rp_sb_puts(&b, ",\n      .has_hi = true, .u_hi = ");
        emit_u64_lit(&b, all);
        rp_sb_puts(&b, " },\n");
        count++;
        free(e.s);
    }

    const rp_ast_value *cv = &a->const_value;
    if (cv->kind != RP_VALUE_NONE) {
        rp_strbuf e = { 0 };
        emit_expect_const(&e, cv);
        rule_head(cx, &b, "RP_RULE_CONST", &cv->span, e.s);
        if (cv->kind == RP_VALUE_STRING) {
            rp_sb_puts(&b, ",\n      .str = ");
            emit_cstr(&b, cv->str);
        } else if (cv->kind == RP_VALUE_BOOL) {
            rp_sb_printf(&b, ",\n      .u_lo = %uu", cv->b ? 1u : 0u);
        } else {
            rp_sb_puts(&b, ",\n      ");
            rp_strbuf t = { 0 };
            num_member(&t, sg, "lo", cv->i);
            rp_sb_puts(&b, t.s + 2); /* drop the leading ", " */
            free(t.s);
            if (cv->kind == RP_VALUE_ENUM && cv->enum_value != NULL && cv->enum_value->text != NULL) {
                rp_sb_puts(&b, ", .str = "); /* what classify compares with the text */
                emit_cstr(&b, cv->enum_value->text);
            }
        }
        rp_sb_puts(&b, " },\n");
        count++;
        free(e.s);
    }

    if (a->has_range) {
        rp_strbuf e = { 0 };
        emit_expect_range(&e, a);
        rule_head(cx, &b, "RP_RULE_RANGE", &a->range_span, e.s);
        rp_sb_puts(&b, ",\n     ");
        if (a->range_float) {
            if (a->has_lo) {
                rp_sb_puts(&b, " .has_lo = true, .f_lo = ");
                emit_double_lit(&b, a->flo);
            }
            if (a->has_hi) {
                rp_sb_puts(&b, a->has_lo ? ", .has_hi = true, .f_hi = " : " .has_hi = true, .f_hi = ");
                emit_double_lit(&b, a->fhi);
            }
        } else {
            if (a->has_lo) {
                rp_sb_puts(&b, " .has_lo = true");
                num_member(&b, sg, "lo", a->lo);
            }
            if (a->has_hi) {
                rp_sb_puts(&b, a->has_lo ? ", .has_hi = true" : " .has_hi = true");
                num_member(&b, sg, "hi", a->hi);
            }
        }
        rp_sb_puts(&b, " },\n");
        count++;
        free(e.s);
    }

    if (a->one_of_count > 0) {
        rp_strbuf e = { 0 };
        char *set = rp_cname_static(RP_CN_S_ONE_OF, n->decl, f);
        rp_sb_puts(&name, set);
        free(set);
        rp_sb_printf(&pre, "static const %s %s[] = { ", sg ? "int64_t" : "uint64_t", name.s);
        emit_expect_one_of(&e, a);
        for (size_t i = 0; i < a->one_of_count; i++) {
            if (i > 0)
                rp_sb_puts(&pre, ", ");
            emit_int_lit(&pre, sg, a->one_of[i]);
        }
        rp_sb_puts(&pre, " };\n");
        rule_head(cx, &b, "RP_RULE_ONE_OF", &a->one_of_span, e.s);
        rp_sb_printf(&b, ",\n      .%c_set = %s, .set_count = %zu },\n", sg ? 'i' : 'u', name.s,
                     a->one_of_count);
        count++;
        free(e.s);
    }

    if (a->len.present) {
        char *sn = rp_cname_static(RP_CN_S_LEN, n->decl, f);
        len_rule(cx, &pre, &b, "RP_RULE_LEN", &a->len, sn);
        count++;
        free(sn);
    }

    if (a->charset != NULL) {
        rp_strbuf e = { 0 };
        char *table = rp_cname_static(RP_CN_S_CHARSET, a->charset, NULL);
        emit_expect_charset(&e, a->charset);
        rule_head(cx, &b, "RP_RULE_CHARSET", &a->charset_span, e.s);
        rp_sb_printf(&b, ",\n      .charset = %s },\n", table);
        count++;
        free(table);
        free(e.s);
    }

    if (a->pattern_re != NULL) {
        const rp_regex *re = a->pattern_re;
        rp_strbuf e = { 0 };
        emit_expect_pattern(&e, a->pattern);
        rp_sb_printf(&pre, "/* pattern \"");
        emit_comment_text(&pre, a->pattern);
        rp_sb_printf(&pre, "\": a DFA of %u states over %u byte classes. */\n", (unsigned)re->states,
                     (unsigned)re->classes);
        rp_sb_printf(&pre, "static const uint8_t pattern_class__%s__%s[256] = {\n", n->msg, f->c_name);
        for (size_t i = 0; i < 256; i++)
            rp_sb_printf(&pre, "%s%u%s", i % 16 == 0 ? "    " : "", (unsigned)re->byte_class[i],
                         i == 255 ? "\n" : (i % 16 == 15 ? ",\n" : ", "));
        rp_sb_printf(&pre, "};\nstatic const uint16_t pattern_next__%s__%s[] = {\n", n->msg, f->c_name);
        size_t cells = (size_t)re->states * re->classes;
        for (size_t i = 0; i < cells; i++)
            rp_sb_printf(&pre, "%s%u%s", i % re->classes == 0 ? "    " : "", (unsigned)re->next[i],
                         i + 1 == cells ? "\n" : (i % re->classes == re->classes - 1u ? ",\n" : ", "));
        rp_sb_printf(&pre, "};\nstatic const uint8_t pattern_accept__%s__%s[] = { ", n->msg, f->c_name);
        for (size_t i = 0; i < re->states; i++)
            rp_sb_printf(&pre, "%s%u", i > 0 ? ", " : "", (unsigned)re->accept[i]);
        rp_sb_printf(&pre, " };\nstatic const rp_schema_pattern pattern__%s__%s = {\n"
                           "    pattern_class__%s__%s, pattern_next__%s__%s, pattern_accept__%s__%s, %u, %u, ",
                     n->msg, f->c_name, n->msg, f->c_name, n->msg, f->c_name, n->msg, f->c_name,
                     (unsigned)re->states, (unsigned)re->classes);
        emit_cstr(&pre, a->pattern);
        rp_sb_puts(&pre, "\n};\n");
        rule_head(cx, &b, "RP_RULE_PATTERN", &a->pattern_span, e.s);
        rp_sb_printf(&b, ",\n      .pattern = &pattern__%s__%s },\n", n->msg, f->c_name);
        count++;
        free(e.s);
    }

    if ((f->label == RP_LABEL_REPEATED || f->type.is_map) && a->count.present) {
        char *sn = rp_cname_static(RP_CN_S_COUNT, n->decl, f);
        len_rule(cx, &pre, &b, "RP_RULE_COUNT", &a->count, sn);
        count++;
        free(sn);
    }

    if (a->key_len.present) {
        rp_strbuf sn = { 0 };
        rp_sb_printf(&sn, "key_len__%s__%s", n->msg, f->c_name);
        len_rule(cx, &pre, &b, "RP_RULE_KEY_LEN", &a->key_len, sn.s);
        count++;
        free(sn.s);
    }

    if (a->key_charset != NULL) {
        rp_strbuf e = { 0 };
        char *s = rp_cname_static(RP_CN_S_CHARSET, a->key_charset, NULL);
        emit_expect_charset(&e, a->key_charset);
        rule_head(cx, &b, "RP_RULE_KEY_CHARSET", &a->key_charset_span, e.s);
        rp_sb_printf(&b, ",\n      .charset = %s },\n", s);
        count++;
        free(s);
        free(e.s);
    }

    if (count > 0) {
        char *rules = rp_cname_static(RP_CN_S_RULES, n->decl, f);
        if (pre.len > 0)
            rp_sb_printf(&cx->c, "%s\n", pre.s); /* value sets, then a blank line */
        rp_sb_printf(&cx->c, "static const rp_schema_rule %s[] = {\n%s};\n\n", rules, b.s);
        free(rules);
    }
    free(pre.s);
    free(b.s);
    free(name.s);
    return count;
}

/* ---- fields and messages ----------------------------------------------------------------------- */

rp_emit_field_kind rp_emit_kind_of(const rp_ast_field *f)
{
    if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE)
        return RP_EMIT_KIND_NONE;
    if (rp_ast_decl_is_string_enum(f->type.ref))
        return RP_EMIT_KIND_STRENUM;
    if (f->type.scalar == RP_SCALAR_FLOAT64)
        return RP_EMIT_KIND_FLOAT64;
    return RP_EMIT_KIND_NONE;
}

/* The runtime's object for a kind (rp_schema.h), or NULL for none. */
static const char *kind_object(rp_emit_field_kind k)
{
    switch (k) {
    case RP_EMIT_KIND_FLOAT64: return "rp_schema_kind_float64";
    case RP_EMIT_KIND_STRENUM: return "rp_schema_kind_strenum";
    case RP_EMIT_KIND_NONE: break;
    }
    return NULL;
}

static const char *schema_type(const rp_ast_field *f)
{
    if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE)
        return "RP_SCHEMA_MESSAGE";
    switch (rp_emit_kind_of(f)) {
    case RP_EMIT_KIND_STRENUM: return "RP_SCHEMA_STRENUM";
    case RP_EMIT_KIND_FLOAT64: return "RP_SCHEMA_FLOAT64";
    case RP_EMIT_KIND_NONE: break;
    }
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    if (k != RP_SCALAR_NONE)
        return rp_ast_scalar_is_signed(k) ? "RP_SCHEMA_INT" : "RP_SCHEMA_UINT";
    switch (f->type.scalar) {
    case RP_SCALAR_BOOL: return "RP_SCHEMA_BOOL";
    case RP_SCALAR_STRING: return "RP_SCHEMA_STRING";
    case RP_SCALAR_BYTES:
        return f->attrs.encoding == RP_BYTES_HEX ? "RP_SCHEMA_HEX" : "RP_SCHEMA_BASE64";
    default: return "RP_SCHEMA_STRING";
    }
}

static void emit_default(rp_strbuf *b, const rp_ast_field *f)
{
    const rp_ast_value *v = &f->attrs.default_value;
    if (v->kind == RP_VALUE_NONE)
        return;
    rp_sb_puts(b, ",\n      .has_default = true, ");
    switch (v->kind) {
    case RP_VALUE_BOOL:
        rp_sb_printf(b, ".def_u = %uu", v->b ? 1u : 0u);
        break;
    case RP_VALUE_STRING:
        rp_sb_puts(b, ".def_str = ");
        emit_cstr(b, v->str);
        break;
    case RP_VALUE_FLOAT:
        rp_sb_puts(b, ".def_f = ");
        emit_double_lit(b, v->f);
        break;
    default:
        rp_sb_puts(b, field_signed(f) ? ".def_i = " : ".def_u = ");
        emit_int_lit(b, field_signed(f), v->i);
        break;
    }
}

/* The relax masks of a field: bit i for each profile of index i whose `relax` names the
 * field's wire key (its bases' relaxes included). */
static void emit_relax(const emit_ctx *cx, rp_strbuf *b, const rp_ast_field *f)
{
    uint32_t opt, zero;
    rp_ast_relax_masks(cx->spec, f, &opt, &zero);
    if (opt != 0 || zero != 0)
        rp_sb_printf(b, ",\n      .relax_optional = 0x%xu, .relax_zero_absent = 0x%xu", (unsigned)opt,
                     (unsigned)zero);
}

static void emit_message_tables(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    field_names n = { d, rp_cname_decl(&cx->names, d, RP_CN_TYPE), rp_cname_snake(d->name) };
    char *schema = rp_cname_static(RP_CN_S_SCHEMA, d, NULL);
    char *fields = rp_cname_static(RP_CN_S_FIELDS, d, NULL);
    rp_sb_printf(c, "/* ---- %s ", d->name);
    for (size_t i = strlen(d->name); i < 80; i++)
        rp_sb_putc(c, '-');
    rp_sb_puts(c, " */\n\n");

    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_decl *item = d->u.array.element.ref;
        char *item_schema = rp_cname_static(RP_CN_S_SCHEMA, item, NULL);
        char *ity = rp_cname_decl(&cx->names, item, RP_CN_TYPE);
        char *rules = rp_cname_static(RP_CN_S_RULES, d, NULL);
        char *sn = rp_cname_static(RP_CN_S_COUNT, d, NULL);
        rp_strbuf pre = { 0 }, b = { 0 };
        len_rule(cx, &pre, &b, "RP_RULE_COUNT", &d->u.array.len, sn);
        if (pre.len > 0)
            rp_sb_printf(c, "%s\n", pre.s);
        rp_sb_printf(c, "static const rp_schema_rule %s[] = {\n%s};\n\n", rules, b.s);
        rp_sb_printf(c, "static const rp_schema_field %s[] = {\n", fields);
        rp_sb_printf(c, "    { .key = \"\", .key_len = 0, .name = \"" RP_CN_ARRAY_ITEMS "\", .type = RP_SCHEMA_MESSAGE,\n"
                        "      .size = sizeof(%s), .required = true, .repeated = true,\n"
                        "      .offset = offsetof(%s, " RP_CN_ARRAY_ITEMS "), .has_offset = SIZE_MAX,\n"
                        "      .count_offset = offsetof(%s, " RP_CN_ARRAY_COUNT "), .max_count = %" PRIu64 ",\n"
                        "      .message = &%s, .rules = %s, .rule_count = 1,\n      .loc = ",
                     ity, n.ctype, n.ctype, d->u.array.len.max, item_schema, rules);
        emit_loc(cx, c, &d->name_span);
        rp_sb_puts(c, " },\n};\n\n");
        rp_sb_printf(c, "static const rp_schema_message %s = {\n"
                        "    .name = ", schema);
        emit_cstr(c, d->name);
        rp_sb_printf(c, ", .size = sizeof(%s), .fields = %s, .field_count = 1,\n"
                        "    .is_array = true, .loc = ", n.ctype, fields);
        emit_loc(cx, c, &d->name_span);
        rp_sb_printf(c, ", .max_depth = %u,\n};\n\n", rp_ast_decode_depth(cx->spec, d));
        free(pre.s);
        free(b.s);
        free(sn);
        free(rules);
        free(item_schema);
        free(ity);
    } else {
        const rp_ast_message *m = &d->u.message;
        size_t *rule_counts = rp_xcalloc(m->field_count + 1, sizeof *rule_counts);
        for (size_t i = 0; i < m->field_count; i++)
            rule_counts[i] = emit_field_rules(cx, &n, &m->fields[i]);
        if (m->field_count > 0)
            rp_sb_printf(c, "static const rp_schema_field %s[] = {\n", fields);
        for (size_t i = 0; i < m->field_count; i++) {
            const rp_ast_field *f = &m->fields[i];
            char *fty = emit_field_ctype(cx, f);
            char *member = rp_cname_field(f, RP_CN_MEMBER);
            char *has = rp_cname_field(f, RP_CN_HAS);
            const char *st = schema_type(f);
            rp_sb_puts(c, "    { .key = ");
            emit_cstr(c, f->wire_key);
            rp_sb_printf(c, ", .key_len = %zu, .name = \"%s\", .type = %s,\n      ",
                         strlen(f->wire_key), f->c_name, st);
            emit_json_key(c, f->wire_key);
            rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
            if (k != RP_SCALAR_NONE)
                rp_sb_printf(c, ".bits = %u, ", rp_ast_scalar_bits(k));
            rp_sb_printf(c, ".size = sizeof(%s)%s,\n", fty,
                         rp_ast_field_is_required(f) ? ", .required = true" : "");
            rp_sb_printf(c, "      .offset = offsetof(%s, %s), .has_offset = offsetof(%s, %s)",
                         n.ctype, member, n.ctype, has);
            if (f->attrs.nullable)
                rp_sb_printf(c, ",\n      .nullable = true, .null_offset = offsetof(%s, is_null_%s)",
                             n.ctype, f->c_name);
            if (f->type.is_map) {
                char *count = rp_cname_field(f, RP_CN_COUNT);
                char *entry = rp_cname_map_entry(&cx->names, d, f);
                rp_sb_printf(c, ",\n      .repeated = true, .map = &rp_schema_kind_map, "
                                ".count_offset = offsetof(%s, %s), "
                                ".max_count = %" PRIu64 ",\n      .entry_size = sizeof(%s), "
                                ".value_offset = offsetof(%s, value)",
                             n.ctype, count, f->attrs.count.max, entry, entry);
                free(entry);
                free(count);
            } else if (f->label == RP_LABEL_REPEATED) {
                char *count = rp_cname_field(f, RP_CN_COUNT);
                rp_sb_printf(c, ",\n      .repeated = true, .count_offset = offsetof(%s, %s), "
                                ".max_count = %" PRIu64, n.ctype, count, f->attrs.count.max);
                free(count);
            }
            if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE) {
                char *ms = rp_cname_static(RP_CN_S_SCHEMA, f->type.ref, NULL);
                rp_sb_printf(c, ",\n      .message = &%s", ms);
                free(ms);
            }
            const char *kind = kind_object(rp_emit_kind_of(f)); /* linked only where used */
            if (kind != NULL)
                rp_sb_printf(c, ",\n      .kind = &%s", kind);
            if (rule_counts[i] > 0) {
                char *rules = rp_cname_static(RP_CN_S_RULES, d, f);
                rp_sb_printf(c, ",\n      .rules = %s, .rule_count = %zu", rules, rule_counts[i]);
                free(rules);
            }
            emit_default(c, f);
            emit_relax(cx, c, f);
            rp_sb_puts(c, ",\n      .loc = ");
            emit_loc(cx, c, &f->span);
            rp_sb_puts(c, " },\n");
            free(has);
            free(member);
            free(fty);
        }
        if (m->field_count > 0)
            rp_sb_puts(c, "};\n\n");
        rp_sb_printf(c, "static const rp_schema_message %s = {\n    .name = ", schema);
        emit_cstr(c, d->name);
        if (m->field_count > 0)
            rp_sb_printf(c, ", .size = sizeof(%s), .fields = %s, .field_count = %zu,\n",
                         n.ctype, fields, m->field_count);
        else
            rp_sb_printf(c, ", .size = sizeof(%s), .fields = NULL, .field_count = 0,\n", n.ctype);
        bool nullable = false;
        for (size_t i = 0; i < m->field_count; i++)
            nullable = nullable || m->fields[i].attrs.nullable;
        rp_sb_printf(c, "    .reject_unknown = %s,%s .loc = ",
                     m->unknown_keys == RP_UNKNOWN_REJECT ? "true" : "false",
                     nullable ? " .has_nullable = true," : "");
        emit_loc(cx, c, m->unknown_keys_set ? &m->unknown_keys_span : &d->name_span);
        rp_sb_printf(c, ", .max_depth = %u,\n};\n\n", rp_ast_decode_depth(cx->spec, d));
        free(rule_counts);
    }

    /* The public functions. */
    char *init = rp_cname_decl(&cx->names, d, RP_CN_INIT);
    char *decode = rp_cname_decl(&cx->names, d, RP_CN_DECODE);
    char *validate = rp_cname_decl(&cx->names, d, RP_CN_VALIDATE);
    char *encode = rp_cname_decl(&cx->names, d, RP_CN_ENCODE);
    rp_sb_printf(c, "void %s(%s *msg)\n{\n    rp_schema_init(&%s, msg);\n}\n\n", init, n.ctype,
                 schema);
    bool lane = cx->lanes && emit_lane_fits(d);
    if (lane)
        emit_lane(cx, d);
    rp_sb_printf(c, "int %s(const char *json, size_t len, %s *out, rp_arena *storage,\n"
                    "        const rp_schema_profile *profile, rp_error *err)\n{\n", decode, n.ctype);
    if (lane)
        emit_lane_decode(cx, d, schema);
    else
        rp_sb_printf(c, "    return %s(&%s, json, len, out, storage, profile, err);\n",
                     emit_decode_walk(cx), schema);
    rp_sb_puts(c, "}\n\n");
    rp_sb_printf(c, "int %s(const %s *msg, rp_error *err)\n{\n"
                    "    return rp_schema_validate(&%s, msg, err);\n}\n\n",
                 validate, n.ctype, schema);
    bool put = emit_encode_lane_fits(cx, d);
    if (put)
        emit_encode_lane(cx, d);
    rp_sb_printf(c, "int %s(const %s *msg, char *buf, size_t cap, size_t *out_len,\n"
                    "        rp_error *err)\n{\n", encode, n.ctype);
    if (put)
        emit_encode_lane_call(cx, d, schema);
    else
        rp_sb_printf(c, "    return %s(&%s, msg, buf, cap, out_len, err);\n",
                     emit_encode_walk(cx), schema);
    rp_sb_puts(c, "}\n\n");
    free(init);
    free(decode);
    free(validate);
    free(encode);
    free(schema);
    free(fields);
    free(n.ctype);
    free(n.msg);
}

/* ---- shared tables ------------------------------------------------------------------------------ */

/* Marks, per spec->decls index, the enums and charsets some message field uses: one pass
 * over every field (tables nobody uses are not written: gcc warns about unused statics). */
static bool *decls_used(const emit_ctx *cx)
{
    bool *used = rp_xcalloc(cx->spec->decl_count + 1, sizeof *used);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *m = cx->spec->decls[i];
        if (m->kind != RP_DECL_MESSAGE)
            continue;
        for (size_t k = 0; k < m->u.message.field_count; k++) {
            const rp_ast_field *f = &m->u.message.fields[k];
            if (f->type.ref != NULL)
                used[f->type.ref->index] = true;
            if (f->attrs.charset != NULL)
                used[f->attrs.charset->index] = true;
            if (f->attrs.key_charset != NULL)
                used[f->attrs.key_charset->index] = true;
        }
    }
    return used;
}

static void emit_charset(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    char *table = rp_cname_static(RP_CN_S_CHARSET, d, NULL);
    rp_sb_printf(c, "/* charset %s = \"", d->name);
    emit_comment_text(c, d->u.charset.text);
    rp_sb_printf(c, "\": bit (b & 7) of [b >> 3] allows byte b. */\n"
                    "static const uint8_t %s[32] = {\n", table);
    for (size_t i = 0; i < 32; i++)
        rp_sb_printf(c, "%s0x%02X%s", i % 8 == 0 ? "    " : "", d->u.charset.allowed[i],
                     i == 31 ? "\n" : (i % 8 == 7 ? ",\n" : ", "));
    rp_sb_puts(c, "};\n\n");
    free(table);
    if (emit_lane_uses_charset(cx, d)) {
        char *lane = rp_cname_static(RP_CN_S_CHARSET, d, NULL);
        rp_sb_printf(c, "/* The same class a byte per value, for the decode lanes (one load a byte). */\n"
                        "static const uint8_t lane_%s[256] = {\n", lane);
        for (size_t i = 0; i < 256; i++)
            rp_sb_printf(c, "%s%u%s", i % 16 == 0 ? "    " : "",
                         (d->u.charset.allowed[i >> 3] >> (i & 7)) & 1u,
                         i == 255 ? "\n" : (i % 16 == 15 ? ",\n" : ", "));
        rp_sb_puts(c, "};\n\n");
        free(lane);
    }
}

/* An enum's value set and the text its rules print, each written once and referenced by
 * every field of that type (so the output stays linear in the spec). */
static void emit_enum_values(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    char *values = rp_cname_static(RP_CN_S_ENUM_VALUES, d, NULL);
    char *expect = rp_cname_static(RP_CN_S_ENUM_EXPECT, d, NULL);
    if (rp_ast_decl_is_string_enum(d)) {
        rp_sb_printf(c, "/* Texts of string enum %s: value k is %s[k - 1]. */\n"
                        "static const char *const %s[] = { ", d->name, values, values);
        for (size_t i = 0; i < d->u.enm.value_count; i++) {
            if (i > 0)
                rp_sb_puts(c, ", ");
            emit_cstr(c, d->u.enm.values[i].text);
        }
        rp_sb_puts(c, " };\n");
        rp_strbuf e = { 0 };
        emit_expect_enum(&e, d);
        rp_sb_printf(c, "static const char %s[] = ", expect);
        emit_cstr(c, e.s);
        rp_sb_puts(c, ";\n\n");
        free(e.s);
        free(values);
        free(expect);
        return;
    }
    bool sg = rp_ast_scalar_is_signed(d->u.enm.underlying);
    rp_sb_printf(c, "/* Values of enum %s. */\nstatic const %s %s[] = { ", d->name,
                 sg ? "int64_t" : "uint64_t", values);
    for (size_t i = 0; i < d->u.enm.value_count; i++) {
        if (i > 0)
            rp_sb_puts(c, ", ");
        emit_int_lit(c, sg, d->u.enm.values[i].value);
    }
    rp_sb_puts(c, " };\n");
    rp_strbuf e = { 0 };
    emit_expect_enum(&e, d);
    rp_sb_printf(c, "static const char %s[] = ", expect);
    emit_cstr(c, e.s);
    rp_sb_puts(c, ";\n\n");
    free(e.s);
    free(values);
    free(expect);
}

/* ---- routing ------------------------------------------------------------------------------------ */

/* decode_any's decode of the classified message: through the message's own decode function
 * where it has a decode lane (--optimize speed), so the common case takes the lane there too;
 * the table walk for the rest. */
static void emit_any_decode(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    /* The call, its arguments aligned under its parenthesis: after "    int rc = " or,
     * in the switch below, "        rc = " (the same width). */
    const char *fn = emit_decode_walk(cx);
    char walk[160];
    snprintf(walk, sizeof walk,
             "%s(routes[which].message, json, len, &out->" RP_CN_ANY_UNION ",\n%*sstorage, profile, err);\n",
             fn, (int)(strlen("    int rc = ") + strlen(fn) + 1), "");
    bool lanes = false;
    for (size_t i = 0; i < cx->spec->decl_count && !lanes; i++)
        lanes = cx->lanes && rp_cname_is_routed(cx->spec->decls[i]) && emit_lane_fits(cx->spec->decls[i]);
    if (!lanes) {
        rp_sb_printf(c, "    int rc = %s", walk);
        return;
    }
    rp_sb_puts(c, "    int rc;\n    switch (routes[which].id) {\n");
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!rp_cname_is_routed(d) || !emit_lane_fits(d))
            continue;
        char *id = rp_cname_decl(&cx->names, d, RP_CN_MSG_ID);
        char *decode = rp_cname_decl(&cx->names, d, RP_CN_DECODE);
        char *member = rp_cname_decl(&cx->names, d, RP_CN_ANY_MEMBER);
        rp_sb_printf(c, "    case %s:\n        rc = %s(json, len, &out->" RP_CN_ANY_UNION ".%s, storage, profile, err);\n"
                        "        break;\n",
                     id, decode, member);
        free(id);
        free(decode);
        free(member);
    }
    rp_sb_printf(c, "    default: /* no decode lane */\n        rc = %s        break;\n    }\n", walk);
}

/* decode_any and message_name (routed specs only). */
static void emit_any(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    char *const *fx = cx->fixed;
    rp_sb_puts(c, "/* ---- any message ");
    for (size_t i = 0; i < 75; i++)
        rp_sb_putc(c, '-');
    rp_sb_puts(c, " */\n\n");
    bool enveloped = cx->spec->envelope_count > 0;
    /* the worker is static; its name holds the prefix (and a "__", which no name from the
     * spec has) so that several generated sources can share a translation unit */
    if (enveloped)
        rp_sb_printf(c, "/* decode_any and decode_any_in: envelope < 0 is any envelope. */\n"
                        "static int %s__routed(const char *json, size_t len, int port, int from,\n"
                        "        int envelope, ", fx[RP_CN_DECODE_ANY]);
    else
        rp_sb_printf(c, "/* decode_any's work, over plain ints. */\n"
                        "static int %s__routed(const char *json, size_t len, int port, int from,\n"
                        "        ", fx[RP_CN_DECODE_ANY]);
    rp_sb_printf(c, "%s *out, rp_arena *storage,\n"
                    "        const rp_schema_profile *profile, rp_error *err)\n{\n",
                 fx[RP_CN_ANY]);
    rp_sb_puts(c, "    static const rp_schema_route routes[] = {\n");
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!rp_cname_is_routed(d))
            continue;
        size_t n = 0;
        const rp_ast_route *r = rp_ast_decl_routes(d, &n);
        char *id = rp_cname_decl(&cx->names, d, RP_CN_MSG_ID);
        char *schema = rp_cname_static(RP_CN_S_SCHEMA, d, NULL);
        for (size_t k = 0; k < n; k++) { /* one entry per route */
            char *port = rp_cname_named(&cx->names, RP_CN_PORT_CONST, r[k].port->name);
            char *from = rp_cname_named(&cx->names, RP_CN_PEER_CONST, r[k].from->name);
            rp_sb_printf(c, "        { %s, %s, %s, &%s", id, port, from, schema);
            if (enveloped && n == 1 && r[k].envelope_count > 0) {
                /* one route: its envelopes are the message's (<MSG>_ENVELOPES) */
                char *mask = rp_cname_decl(&cx->names, d, RP_CN_ENVELOPES);
                rp_sb_printf(c, ", %s", mask);
                free(mask);
            } else if (enveloped && r[k].envelope_count > 0) {
                rp_sb_puts(c, ",\n          ");
                for (size_t e = 0; e < r[k].envelope_count; e++) {
                    char *env = rp_cname_named(&cx->names, RP_CN_ENVELOPE_CONST, r[k].envelopes[e]->name);
                    rp_sb_printf(c, "%s%s(%s)", e > 0 ? " | " : "", fx[RP_CN_ENVELOPE_BIT], env);
                    free(env);
                }
            } else {
                rp_sb_puts(c, ", 0"); /* in any envelope */
            }
            rp_sb_puts(c, " },\n");
            free(port);
            free(from);
        }
        free(id);
        free(schema);
    }
    rp_sb_puts(c, "    };\n");
    rp_sb_printf(c, "    if (out == NULL)\n"
                    "        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, \"NULL out\");\n"
                    "    out->" RP_CN_ANY_ID " = %s;\n"
                    "%s"
                    "    if (which < 0)\n        return which;\n",
                 fx[RP_CN_MSG_NONE],
                 enveloped ? "    int which = rp_schema_classify_in(routes, sizeof routes / sizeof routes[0], port,\n"
                             "                                      from, envelope, json, len, profile, err);\n"
                           : "    int which = rp_schema_classify(routes, sizeof routes / sizeof routes[0], port,\n"
                             "                                   from, json, len, profile, err);\n");
    emit_any_decode(cx);
    rp_sb_printf(c, "    if (rc == 0)\n        out->" RP_CN_ANY_ID " = (%s)routes[which].id;\n"
                    "    return rc;\n}\n\n",
                 fx[RP_CN_MESSAGE_ID]);
    rp_sb_printf(c, "int %s(const char *json, size_t len, %s port,\n"
                    "        %s from, %s *out, rp_arena *storage,\n"
                    "        const rp_schema_profile *profile, rp_error *err)\n{\n"
                    "    return %s__routed(json, len, (int)port, (int)from,%s out,\n"
                    "            storage, profile, err);\n}\n\n",
                 fx[RP_CN_DECODE_ANY], fx[RP_CN_PORT], fx[RP_CN_PEER], fx[RP_CN_ANY], fx[RP_CN_DECODE_ANY],
                 enveloped ? " -1," : "");
    if (enveloped)
        rp_sb_printf(c, "int %s(const char *json, size_t len, %s port,\n"
                        "        %s from, %s envelope, %s *out, rp_arena *storage,\n"
                        "        const rp_schema_profile *profile, rp_error *err)\n{\n"
                        "    return %s__routed(json, len, (int)port, (int)from, (int)envelope, out,\n"
                        "            storage, profile, err);\n}\n\n",
                     fx[RP_CN_DECODE_ANY_IN], fx[RP_CN_PORT], fx[RP_CN_PEER], fx[RP_CN_ENVELOPE], fx[RP_CN_ANY],
                     fx[RP_CN_DECODE_ANY]);

    rp_sb_printf(c, "const char *%s(%s id)\n{\n    switch (id) {\n", fx[RP_CN_MESSAGE_NAME],
                 fx[RP_CN_MESSAGE_ID]);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!rp_cname_is_routed(d))
            continue;
        char *id = rp_cname_decl(&cx->names, d, RP_CN_MSG_ID);
        rp_sb_printf(c, "    case %s: return ", id);
        emit_cstr(c, d->name);
        rp_sb_puts(c, ";\n");
        free(id);
    }
    rp_sb_printf(c, "    case %s: break;\n    }\n    return \"none\";\n}\n", fx[RP_CN_MSG_NONE]);
}

/* ---- the source -------------------------------------------------------------------------------- */

/* One rp_schema_profile constant per `profile` of the spec, its bases' settings resolved. */
static void emit_profiles(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    rp_sb_puts(c, "/* ---- decoding profiles ");
    for (size_t i = 0; i < 69; i++)
        rp_sb_putc(c, '-');
    rp_sb_puts(c, " */\n\n");
    for (size_t i = 0; i < cx->spec->profile_count; i++) {
        const rp_ast_decl *d = cx->spec->profiles[i];
        const rp_ast_profile *p = &d->u.profile;
        char *name = rp_cname_named(&cx->names, RP_CN_PROFILE, d->name);
        rp_sb_printf(c, "const rp_schema_profile %s = {\n    .name = ", name);
        emit_cstr(c, d->name);
        rp_sb_printf(c, ",\n    .index = %zu,\n", p->index);
        /* in the struct's order; NULL: left zero (reject) */
        const struct { const char *member; const char *value; } settings[] = {
            { "trailing_ignore", p->trailing_ignore ? "true" : NULL },
            { "float_truncate", p->float_truncate ? "true" : NULL },
            { "string_numbers_absent", p->string_numbers_absent ? "true" : NULL },
            { "duplicate_keys", p->duplicate_keys == RP_AST_DUPLICATES_LAST    ? "RP_DUPLICATES_LAST"
                                : p->duplicate_keys == RP_AST_DUPLICATES_FIRST ? "RP_DUPLICATES_FIRST"
                                                                               : NULL },
            { "null_absent", p->null_absent ? "true" : NULL },
            { "base64_lenient", p->base64_lenient ? "true" : NULL },
        };
        for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++)
            if (settings[k].value != NULL)
                rp_sb_printf(c, "    .%s = %s,\n", settings[k].member, settings[k].value);
        rp_sb_puts(c, "};\n\n");
        free(name);
    }
}

void emit_c_source(emit_ctx *cx, const char *spec_name)
{
    rp_strbuf *c = &cx->c;
    char *file = rp_cname_file(&cx->names, false);
    char *header = rp_cname_file(&cx->names, true);
    rp_sb_printf(c, "/* %s — C codec for the %s protocol: message descriptions for rp_schema.\n *\n",
                 file, cx->spec->protocol);
    rp_sb_printf(c, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(c, " * Spec SHA-256: %s\n *\n", cx->sha256);
    bool lanes = emit_lanes_any(cx);
    rp_sb_puts(c, " * Each message is a constant table: its fields (JSON key, C member, type) and the\n"
                  " * rules the spec attaches to them, each with the spec file:line:col it was written\n"
                  " * at. The public functions hand the table and the caller's struct to the rp_schema\n"
                  " * engine (runtime/core/rp_schema*.c), which does the reading, checking and writing.\n");
    if (lanes)
        rp_sb_puts(c, " * Decode first tries the message's lane, if it has one (rprotoc --optimize speed,\n"
                      " * runtime/core/rp_lane.h): straight-line code for the common case that only ever\n"
                      " * accepts; every other text goes to the engine, which makes every error.\n");
    if (emit_encode_lanes_any(cx))
        rp_sb_puts(c, " * Encode likewise writes a message of plain fields straight through\n"
                      " * (runtime/core/rp_lane_write.h) and leaves anything it would refuse to the\n"
                      " * engine, which makes every error.\n");
    rp_sb_puts(c, " */\n");
    rp_sb_printf(c, "#include \"%s\"\n\n#include <stddef.h>\n#include <stdint.h>\n%s\n", header,
                 lanes ? "#include <string.h>\n" : "");
    rp_sb_puts(c, lanes ? "#include \"rp_lane.h\"\n" : "");
    rp_sb_puts(c, emit_encode_lanes_any(cx) ? "#include \"rp_lane_write.h\"\n" : "");
    rp_sb_puts(c, "#include \"rp_schema.h\"\n\n");
    for (size_t i = 0; i < cx->spec->unit_count; i++) {
        const rp_ast_unit *u = cx->spec->units[i];
        bool has_messages = false; /* only messages' tables refer to spec locations */
        for (size_t k = 0; k < u->decl_count; k++)
            if (u->decls[k]->kind == RP_DECL_MESSAGE || u->decls[k]->kind == RP_DECL_ARRAY)
                has_messages = true;
        if (!has_messages)
            continue;
        char *var = rp_cname_spec_file(u, i);
        rp_sb_printf(c, "static const char %s[] = ", var);
        emit_cstr(c, rp_emit_basename(u->path));
        rp_sb_puts(c, ";\n");
        free(var);
    }
    rp_sb_puts(c, "\n");

    bool *used = decls_used(cx);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (d->kind == RP_DECL_CHARSET && used[i])
            emit_charset(cx, d);
    }
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (d->kind == RP_DECL_ENUM && used[i])
            emit_enum_values(cx, d);
    }
    free(used);
    emit_each_message_in_dependency_order(cx, emit_message_tables);
    if (cx->spec->profile_count > 0)
        emit_profiles(cx);

    if (cx->routed)
        emit_any(cx);
    free(file);
    free(header);
}
