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

bool emit_is_routed(const rp_ast_decl *d)
{
    if (d->kind == RP_DECL_MESSAGE)
        return d->u.message.route.port != RP_PORT_NONE;
    if (d->kind == RP_DECL_ARRAY)
        return d->u.array.route.port != RP_PORT_NONE;
    return false;
}

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

/* Name of the static string holding the file of a span: spec_file for the main unit,
 * spec_file_<n> for the n-th imported one. */
static void file_var(const emit_ctx *cx, rp_strbuf *b, const char *file)
{
    for (size_t i = 0; i < cx->spec->unit_count; i++) {
        const rp_ast_unit *u = cx->spec->units[i];
        if (u->path == file || (file != NULL && strcmp(u->path, file) == 0)) {
            if (u->is_main)
                rp_sb_puts(b, "spec_file");
            else
                rp_sb_printf(b, "spec_file_%zu", i);
            return;
        }
    }
    rp_sb_puts(b, "NULL");
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
    char *msg;   /* "connect" */
    char *ctype; /* "residue_connect" */
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
    if (is_signed)
        emit_i64_lit(b, rp_ast_int_as_i64(v));
    else
        emit_u64_lit(b, v.mag);
}

static void rule_head(const emit_ctx *cx, rp_strbuf *b, const char *kind, const rp_ast_span *loc,
                      const char *expect)
{
    rp_sb_printf(b, "    { .kind = %s, .loc = ", kind);
    emit_loc(cx, b, loc);
    rp_sb_puts(b, ",\n      .expect = ");
    emit_cstr(b, expect);
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

    if (ref != NULL && ref->kind == RP_DECL_ENUM) {
        rp_strbuf e = { 0 };
        char *s = emit_snake(ref->name);
        emit_expect_enum(&e, ref);
        rule_head(cx, &b, "RP_RULE_ENUM", &f->type.span, e.s);
        rp_sb_printf(&b, ",\n      .%c_set = enum_values_%s, .set_count = %zu },\n", sg ? 'i' : 'u',
                     s, ref->u.enm.value_count);
        count++;
        free(s);
        free(e.s);
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
        if (a->has_lo) {
            rp_sb_puts(&b, " .has_lo = true");
            num_member(&b, sg, "lo", a->lo);
        }
        if (a->has_hi) {
            rp_sb_puts(&b, a->has_lo ? ", .has_hi = true" : " .has_hi = true");
            num_member(&b, sg, "hi", a->hi);
        }
        rp_sb_puts(&b, " },\n");
        count++;
        free(e.s);
    }

    if (a->one_of_count > 0) {
        rp_strbuf e = { 0 };
        rp_sb_printf(&name, "set_%s_%s", n->msg, f->c_name);
        rp_sb_printf(&pre, "static const %s %s[] = { ", sg ? "int64_t" : "uint64_t", name.s);
        emit_expect_one_of(&e, a);
        for (size_t i = 0; i < a->one_of_count; i++) {
            if (i > 0)
                rp_sb_puts(&pre, ", ");
            if (sg)
                emit_i64_lit(&pre, rp_ast_int_as_i64(a->one_of[i]));
            else
                emit_u64_lit(&pre, a->one_of[i].mag);
        }
        rp_sb_puts(&pre, " };\n");
        rule_head(cx, &b, "RP_RULE_ONE_OF", &a->one_of_span, e.s);
        rp_sb_printf(&b, ",\n      .%c_set = %s, .set_count = %zu },\n", sg ? 'i' : 'u', name.s,
                     a->one_of_count);
        count++;
        free(e.s);
    }

    if (a->len.present) {
        rp_strbuf sn = { 0 };
        rp_sb_printf(&sn, "len_%s_%s", n->msg, f->c_name);
        len_rule(cx, &pre, &b, "RP_RULE_LEN", &a->len, sn.s);
        count++;
        free(sn.s);
    }

    if (a->charset != NULL) {
        rp_strbuf e = { 0 };
        char *s = emit_snake(a->charset->name);
        emit_expect_charset(&e, a->charset);
        rule_head(cx, &b, "RP_RULE_CHARSET", &a->charset_span, e.s);
        rp_sb_printf(&b, ",\n      .charset = charset_%s },\n", s);
        count++;
        free(s);
        free(e.s);
    }

    if (f->label == RP_LABEL_REPEATED && a->count.present) {
        rp_strbuf sn = { 0 };
        rp_sb_printf(&sn, "count_%s_%s", n->msg, f->c_name);
        len_rule(cx, &pre, &b, "RP_RULE_COUNT", &a->count, sn.s);
        count++;
        free(sn.s);
    }

    if (count > 0) {
        if (pre.len > 0)
            rp_sb_printf(&cx->c, "%s\n", pre.s); /* value sets, then a blank line */
        rp_sb_printf(&cx->c, "static const rp_schema_rule rules_%s_%s[] = {\n%s};\n\n", n->msg,
                     f->c_name, b.s);
    }
    free(pre.s);
    free(b.s);
    free(name.s);
    return count;
}

/* ---- fields and messages ----------------------------------------------------------------------- */

static const char *schema_type(const rp_ast_field *f)
{
    if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE)
        return "RP_SCHEMA_MESSAGE";
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
    default:
        if (field_signed(f)) {
            rp_sb_puts(b, ".def_i = ");
            emit_i64_lit(b, rp_ast_int_as_i64(v->i));
        } else {
            rp_sb_puts(b, ".def_u = ");
            emit_u64_lit(b, v->i.mag);
        }
        break;
    }
}

/* The nesting depth of a message's JSON: 1 for its object (or array), plus the deepest
 * member (a repeated member adds its array). The checker refuses recursive messages. */
static unsigned decl_depth(const rp_ast_decl *d)
{
    if (d == NULL)
        return 0;
    if (d->kind == RP_DECL_ARRAY)
        return 1 + decl_depth(d->u.array.element.ref);
    if (d->kind != RP_DECL_MESSAGE)
        return 0;
    unsigned deepest = 0;
    for (size_t i = 0; i < d->u.message.field_count; i++) {
        const rp_ast_field *f = &d->u.message.fields[i];
        unsigned k = f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE
                         ? decl_depth(f->type.ref) : 0;
        if (f->label == RP_LABEL_REPEATED)
            k++;
        if (k > deepest)
            deepest = k;
    }
    return 1 + deepest;
}

/* The nesting limit written into a message's table: its own depth, and never below the
 * generic default (so unknown keys may nest that far, as with any decoder of this
 * runtime). A protocol-level max_depth option will raise it once the front end has one. */
#define EMIT_MIN_DEPTH 32u

static unsigned decl_max_depth(const rp_ast_decl *d)
{
    unsigned k = decl_depth(d);
    return k > EMIT_MIN_DEPTH ? k : EMIT_MIN_DEPTH;
}

/* Relax settings of the decode profiles that are still written by hand (issue 11: until the
 * front end reads `profile` declarations, runtime/residue/residue_profiles.c holds residue's
 * two profiles; this list gives their relax bits to the fields they name). */
static const struct {
    const char *protocol, *wire_key;
    unsigned profile;       /* rp_schema_profile.index */
    bool optional, zero_absent;
} hand_relax[] = {
    { "residue", "_t", 1, true, true }, /* residue_profile_wire_untimed */
};

static void emit_relax(const emit_ctx *cx, rp_strbuf *b, const rp_ast_field *f)
{
    uint32_t opt = 0, zero = 0;
    for (size_t i = 0; i < sizeof hand_relax / sizeof hand_relax[0]; i++) {
        if (strcmp(cx->spec->protocol, hand_relax[i].protocol) != 0 ||
            strcmp(f->wire_key, hand_relax[i].wire_key) != 0)
            continue;
        if (hand_relax[i].optional)
            opt |= (uint32_t)1 << hand_relax[i].profile;
        if (hand_relax[i].zero_absent)
            zero |= (uint32_t)1 << hand_relax[i].profile;
    }
    if (opt != 0 || zero != 0)
        rp_sb_printf(b, ",\n      .relax_optional = 0x%xu, .relax_zero_absent = 0x%xu", (unsigned)opt,
                     (unsigned)zero);
}

static void emit_message_tables(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    field_names n = { emit_snake(d->name), emit_decl_ctype(cx, d) };
    rp_sb_printf(c, "/* ---- %s ", d->name);
    for (size_t i = strlen(d->name); i < 80; i++)
        rp_sb_putc(c, '-');
    rp_sb_puts(c, " */\n\n");

    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_decl *item = d->u.array.element.ref;
        char *is = emit_snake(item->name);
        char *ity = emit_decl_ctype(cx, item);
        rp_strbuf pre = { 0 }, b = { 0 };
        rp_strbuf sn = { 0 };
        rp_sb_printf(&sn, "count_%s", n.msg);
        len_rule(cx, &pre, &b, "RP_RULE_COUNT", &d->u.array.len, sn.s);
        if (pre.len > 0)
            rp_sb_printf(c, "%s\n", pre.s);
        rp_sb_printf(c, "static const rp_schema_rule rules_%s[] = {\n%s};\n\n", n.msg, b.s);
        rp_sb_printf(c, "static const rp_schema_field fields_%s[] = {\n", n.msg);
        rp_sb_printf(c, "    { .key = \"\", .key_len = 0, .name = \"items\", .type = RP_SCHEMA_MESSAGE,\n"
                        "      .size = sizeof(%s), .required = true, .repeated = true,\n"
                        "      .offset = offsetof(%s, items), .has_offset = SIZE_MAX,\n"
                        "      .count_offset = offsetof(%s, count), .max_count = %" PRIu64 ",\n"
                        "      .message = &schema_%s, .rules = rules_%s, .rule_count = 1,\n      .loc = ",
                     ity, n.ctype, n.ctype, d->u.array.len.max, is, n.msg);
        emit_loc(cx, c, &d->name_span);
        rp_sb_puts(c, " },\n};\n\n");
        rp_sb_printf(c, "static const rp_schema_message schema_%s = {\n"
                        "    .name = ", n.msg);
        emit_cstr(c, d->name);
        rp_sb_printf(c, ", .size = sizeof(%s), .fields = fields_%s, .field_count = 1,\n"
                        "    .is_array = true, .loc = ", n.ctype, n.msg);
        emit_loc(cx, c, &d->name_span);
        rp_sb_printf(c, ", .max_depth = %u,\n};\n\n", decl_max_depth(d));
        free(pre.s);
        free(b.s);
        free(sn.s);
        free(is);
        free(ity);
    } else {
        const rp_ast_message *m = &d->u.message;
        size_t *rule_counts = rp_xcalloc(m->field_count + 1, sizeof *rule_counts);
        for (size_t i = 0; i < m->field_count; i++)
            rule_counts[i] = emit_field_rules(cx, &n, &m->fields[i]);
        if (m->field_count > 0)
            rp_sb_printf(c, "static const rp_schema_field fields_%s[] = {\n", n.msg);
        for (size_t i = 0; i < m->field_count; i++) {
            const rp_ast_field *f = &m->fields[i];
            char *fty = emit_field_ctype(cx, f);
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
                         f->label == RP_LABEL_REQUIRED ? ", .required = true" : "");
            rp_sb_printf(c, "      .offset = offsetof(%s, %s), .has_offset = offsetof(%s, has_%s)",
                         n.ctype, f->c_name, n.ctype, f->c_name);
            if (f->label == RP_LABEL_REPEATED)
                rp_sb_printf(c, ",\n      .repeated = true, .count_offset = offsetof(%s, %s_count), "
                                ".max_count = %" PRIu64, n.ctype, f->c_name, f->attrs.count.max);
            if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE) {
                char *ms = emit_snake(f->type.ref->name);
                rp_sb_printf(c, ",\n      .message = &schema_%s", ms);
                free(ms);
            }
            if (rule_counts[i] > 0)
                rp_sb_printf(c, ",\n      .rules = rules_%s_%s, .rule_count = %zu", n.msg, f->c_name,
                             rule_counts[i]);
            emit_default(c, f);
            emit_relax(cx, c, f);
            rp_sb_puts(c, ",\n      .loc = ");
            emit_loc(cx, c, &f->span);
            rp_sb_puts(c, " },\n");
            free(fty);
        }
        if (m->field_count > 0)
            rp_sb_puts(c, "};\n\n");
        rp_sb_printf(c, "static const rp_schema_message schema_%s = {\n    .name = ", n.msg);
        emit_cstr(c, d->name);
        if (m->field_count > 0)
            rp_sb_printf(c, ", .size = sizeof(%s), .fields = fields_%s, .field_count = %zu,\n",
                         n.ctype, n.msg, m->field_count);
        else
            rp_sb_printf(c, ", .size = sizeof(%s), .fields = NULL, .field_count = 0,\n", n.ctype);
        rp_sb_printf(c, "    .reject_unknown = %s, .loc = ",
                     m->unknown_keys == RP_UNKNOWN_REJECT ? "true" : "false");
        emit_loc(cx, c, m->unknown_keys_set ? &m->unknown_keys_span : &d->name_span);
        rp_sb_printf(c, ", .max_depth = %u,\n};\n\n", decl_max_depth(d));
        free(rule_counts);
    }

    /* The public functions. */
    rp_sb_printf(c, "void %s_init(%s *msg)\n{\n    rp_schema_init(&schema_%s, msg);\n}\n\n",
                 n.ctype, n.ctype, n.msg);
    rp_sb_printf(c, "int %s_decode(const char *json, size_t len, %s *out, rp_arena *storage,\n"
                    "        const rp_schema_profile *profile, rp_error *err)\n{\n"
                    "    return rp_schema_decode(&schema_%s, json, len, out, storage, profile, err);\n}\n\n",
                 n.ctype, n.ctype, n.msg);
    rp_sb_printf(c, "int %s_validate(const %s *msg, rp_error *err)\n{\n"
                    "    return rp_schema_validate(&schema_%s, msg, err);\n}\n\n",
                 n.ctype, n.ctype, n.msg);
    rp_sb_printf(c, "int %s_encode(const %s *msg, char *buf, size_t cap, size_t *out_len,\n"
                    "        rp_error *err)\n{\n"
                    "    return rp_schema_encode(&schema_%s, msg, buf, cap, out_len, err);\n}\n\n",
                 n.ctype, n.ctype, n.msg);
    free(n.msg);
    free(n.ctype);
}

/* ---- shared tables ------------------------------------------------------------------------------ */

static bool decl_used(const emit_ctx *cx, const rp_ast_decl *d)
{
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *m = cx->spec->decls[i];
        if (m->kind != RP_DECL_MESSAGE)
            continue;
        for (size_t k = 0; k < m->u.message.field_count; k++) {
            const rp_ast_field *f = &m->u.message.fields[k];
            if (f->type.ref == d || f->attrs.charset == d)
                return true;
        }
    }
    return false;
}

static void emit_charset(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    char *s = emit_snake(d->name);
    rp_sb_printf(c, "/* charset %s = \"", d->name);
    emit_comment_text(c, d->u.charset.text);
    rp_sb_printf(c, "\": bit (b & 7) of [b >> 3] allows byte b. */\n"
                    "static const uint8_t charset_%s[32] = {\n", s);
    for (size_t i = 0; i < 32; i++)
        rp_sb_printf(c, "%s0x%02X%s", i % 8 == 0 ? "    " : "", d->u.charset.allowed[i],
                     i == 31 ? "\n" : (i % 8 == 7 ? ",\n" : ", "));
    rp_sb_puts(c, "};\n\n");
    free(s);
}

static void emit_enum_values(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *c = &cx->c;
    char *s = emit_snake(d->name);
    bool sg = rp_ast_scalar_is_signed(d->u.enm.underlying);
    rp_sb_printf(c, "/* Values of enum %s. */\nstatic const %s enum_values_%s[] = { ", d->name,
                 sg ? "int64_t" : "uint64_t", s);
    for (size_t i = 0; i < d->u.enm.value_count; i++) {
        if (i > 0)
            rp_sb_puts(c, ", ");
        if (sg)
            emit_i64_lit(c, rp_ast_int_as_i64(d->u.enm.values[i].value));
        else
            emit_u64_lit(c, d->u.enm.values[i].value.mag);
    }
    rp_sb_puts(c, " };\n\n");
    free(s);
}

/* ---- the source -------------------------------------------------------------------------------- */

void emit_c_source(emit_ctx *cx, const char *spec_name)
{
    rp_strbuf *c = &cx->c;
    rp_sb_printf(c, "/* %s.c — C codec for the %s protocol: message descriptions for rp_schema.\n *\n",
                 cx->prefix, cx->spec->protocol);
    rp_sb_printf(c, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(c, " * Spec SHA-256: %s\n *\n", cx->sha256);
    rp_sb_puts(c, " * Each message is a constant table: its fields (JSON key, C member, type) and the\n"
                  " * rules the spec attaches to them, each with the spec file:line:col it was written\n"
                  " * at. The public functions hand the table and the caller's struct to the rp_schema\n"
                  " * engine (runtime/rp_schema.c), which does the reading, checking and writing.\n */\n");
    rp_sb_printf(c, "#include \"%s.h\"\n\n#include <stddef.h>\n#include <stdint.h>\n\n", cx->prefix);
    rp_sb_puts(c, "#include \"rp_schema.h\"\n\n");
    for (size_t i = 0; i < cx->spec->unit_count; i++) {
        const rp_ast_unit *u = cx->spec->units[i];
        bool has_messages = false; /* only messages' tables refer to spec locations */
        for (size_t k = 0; k < u->decl_count; k++)
            if (u->decls[k]->kind == RP_DECL_MESSAGE || u->decls[k]->kind == RP_DECL_ARRAY)
                has_messages = true;
        if (!has_messages)
            continue;
        if (u->is_main)
            rp_sb_puts(c, "static const char spec_file[] = ");
        else
            rp_sb_printf(c, "static const char spec_file_%zu[] = ", i);
        emit_cstr(c, rp_emit_basename(u->path));
        rp_sb_puts(c, ";\n");
    }
    rp_sb_puts(c, "\n");

    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (d->kind == RP_DECL_CHARSET && decl_used(cx, d))
            emit_charset(cx, d);
    }
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (d->kind == RP_DECL_ENUM && decl_used(cx, d))
            emit_enum_values(cx, d);
    }
    emit_each_message_in_dependency_order(cx, emit_message_tables);

    /* decode_any */
    rp_sb_puts(c, "/* ---- any message ");
    for (size_t i = 0; i < 75; i++)
        rp_sb_putc(c, '-');
    rp_sb_puts(c, " */\n\n");
    rp_sb_printf(c, "int %s_decode_any(const char *json, size_t len, %s_port port,\n"
                    "        %s_direction dir, %s_any *out, rp_arena *storage,\n"
                    "        const rp_schema_profile *profile, rp_error *err)\n{\n",
                 cx->prefix, cx->prefix, cx->prefix, cx->prefix);
    rp_sb_puts(c, "    static const rp_schema_route routes[] = {\n");
    size_t routed = 0;
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!emit_is_routed(d))
            continue;
        const rp_ast_route *r = d->kind == RP_DECL_ARRAY ? &d->u.array.route : &d->u.message.route;
        char *s = emit_snake(d->name);
        char *u = emit_upper(s);
        rp_sb_printf(c, "        { %s_MSG_%s, %s_PORT_%s, %s_DIR_%s, &schema_%s },\n", cx->upper, u,
                     cx->upper, r->port == RP_PORT_CONNECT ? "CONNECT" : "LOGGING", cx->upper,
                     r->dir == RP_DIR_C2S ? "C2S" : "S2C", s);
        routed++;
        free(u);
        free(s);
    }
    if (routed == 0)
        rp_sb_puts(c, "        { 0, 0, 0, NULL },\n");
    rp_sb_puts(c, "    };\n");
    rp_sb_printf(c, "    if (out == NULL)\n"
                    "        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, \"NULL out\");\n"
                    "    out->id = %s_MSG_NONE;\n"
                    "    int which = rp_schema_classify(routes, sizeof routes / sizeof routes[0], (int)port,\n"
                    "                                   (int)dir, json, len, profile, err);\n"
                    "    if (which < 0)\n        return which;\n"
                    "    int rc = rp_schema_decode(routes[which].message, json, len, &out->u, storage,\n"
                    "                              profile, err);\n"
                    "    if (rc == 0)\n        out->id = (%s_message_id)routes[which].id;\n"
                    "    return rc;\n}\n\n",
                 cx->upper, cx->prefix);

    rp_sb_printf(c, "const char *%s_message_name(%s_message_id id)\n{\n    switch (id) {\n",
                 cx->prefix, cx->prefix);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!emit_is_routed(d))
            continue;
        char *s = emit_snake(d->name);
        char *u = emit_upper(s);
        rp_sb_printf(c, "    case %s_MSG_%s: return ", cx->upper, u);
        emit_cstr(c, d->name);
        rp_sb_puts(c, ";\n");
        free(u);
        free(s);
    }
    rp_sb_printf(c, "    case %s_MSG_NONE: break;\n    }\n    return \"none\";\n}\n", cx->upper);
}
