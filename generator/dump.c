/* dump.c — see dump.h. */
#include "dump.h"

#include <stdio.h>
#include <stdlib.h>

#include "fe_util.h"
#include "regex.h"
#include "rp_json_float.h"

static void indent(rp_strbuf *b, int level)
{
    for (int i = 0; i < level; i++)
        rp_sb_puts(b, "  ");
}

static void quoted(rp_strbuf *b, const char *s)
{
    rp_sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"': rp_sb_puts(b, "\\\""); break;
        case '\\': rp_sb_puts(b, "\\\\"); break;
        case '\n': rp_sb_puts(b, "\\n"); break;
        case '\t': rp_sb_puts(b, "\\t"); break;
        case '\r': rp_sb_puts(b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rp_sb_printf(b, "\\x%02x", *p);
            else
                rp_sb_putc(b, (char)*p);
        }
    }
    rp_sb_putc(b, '"');
}

static void span(rp_strbuf *b, const rp_ast_span *s)
{
    rp_sb_printf(b, " @%u:%u-%u:%u", (unsigned)s->line, (unsigned)s->col, (unsigned)s->end_line,
                 (unsigned)s->end_col);
}

static void doc(rp_strbuf *b, int level, const char *text)
{
    if (text == NULL)
        return;
    indent(b, level);
    rp_sb_puts(b, "doc ");
    quoted(b, text);
    rp_sb_putc(b, '\n');
}

static void num(rp_strbuf *b, rp_ast_int v)
{
    char buf[32];
    rp_sb_puts(b, rp_ast_int_format(v, buf, sizeof buf));
}

/* A double as the shortest text that reads back to it. */
static void dbl(rp_strbuf *b, double v)
{
    char buf[RP_JSON_DOUBLE_MAX];
    size_t n = rp_json_format_double(v, buf, sizeof buf);
    rp_sb_puts(b, n > 0 ? buf : "?");
}

static void versions(rp_strbuf *b, const char *since, const char *until)
{
    if (since != NULL) {
        rp_sb_puts(b, " since ");
        quoted(b, since);
    }
    if (until != NULL) {
        rp_sb_puts(b, " until ");
        quoted(b, until);
    }
}

static void len(rp_strbuf *b, int level, const char *name, const rp_ast_len *l)
{
    if (!l->present)
        return;
    indent(b, level);
    rp_sb_printf(b, "%s ", name);
    if (l->set != NULL) {
        rp_sb_putc(b, '{');
        for (size_t i = 0; i < l->set_count; i++)
            rp_sb_printf(b, "%s%llu", i ? ", " : "", (unsigned long long)l->set[i]);
        rp_sb_putc(b, '}');
    } else {
        if (l->has_min)
            rp_sb_printf(b, "%llu", (unsigned long long)l->min);
        rp_sb_puts(b, "..");
        if (l->has_max)
            rp_sb_printf(b, "%llu", (unsigned long long)l->max);
    }
    span(b, &l->span);
    rp_sb_putc(b, '\n');
}

static void route(rp_strbuf *b, int level, const rp_ast_route *r)
{
    if (r->port == RP_PORT_NONE)
        return;
    indent(b, level);
    rp_sb_printf(b, "route %s %s in", rp_ast_port_name(r->port), rp_ast_dir_name(r->dir));
    for (size_t i = 0; i < r->envelope_count; i++) {
        const rp_ast_envelope *e = &r->envelopes[i];
        rp_sb_printf(b, "%s %s%s", i ? " |" : "", rp_ast_envelope_name(e->kind), e->zlib ? "+zlib" : "");
    }
    span(b, &r->span);
    rp_sb_putc(b, '\n');
}

static void type(rp_strbuf *b, const rp_ast_type *t)
{
    if (t->is_map)
        rp_sb_printf(b, "map<%s, ", t->map_key);
    if (t->scalar != RP_SCALAR_NONE)
        rp_sb_puts(b, rp_ast_scalar_name(t->scalar));
    else if (t->ref != NULL)
        rp_sb_printf(b, "%s %s", rp_ast_decl_kind_name(t->ref->kind), t->ref->name);
    else
        rp_sb_printf(b, "unresolved %s", t->name);
    if (t->is_map)
        rp_sb_putc(b, '>');
}

static void value(rp_strbuf *b, int level, const char *name, const rp_ast_value *v)
{
    if (v->kind == RP_VALUE_NONE)
        return;
    indent(b, level);
    rp_sb_printf(b, "%s ", name);
    switch (v->kind) {
    case RP_VALUE_INT: num(b, v->i); break;
    case RP_VALUE_BOOL: rp_sb_puts(b, v->b ? "true" : "false"); break;
    case RP_VALUE_STRING: quoted(b, v->str); break;
    case RP_VALUE_ENUM:
        rp_sb_printf(b, "%s = ", v->ident);
        num(b, v->i);
        if (v->enum_value == NULL)
            rp_sb_puts(b, " (unresolved)");
        break;
    case RP_VALUE_FLOAT: dbl(b, v->f); break;
    case RP_VALUE_NONE: break;
    }
    span(b, &v->span);
    rp_sb_putc(b, '\n');
}

static void charset_members(rp_strbuf *out, const uint8_t *bits)
{
    rp_strbuf text = { 0 }, *b = &text;
    /* runs of allowed bytes, printed as a-b or single characters */
    for (unsigned c = 0; c < 256; c++) {
        if (!((bits[c >> 3] >> (c & 7)) & 1u))
            continue;
        unsigned e = c;
        while (e + 1 < 256 && ((bits[(e + 1) >> 3] >> ((e + 1) & 7)) & 1u))
            e++;
        if (e - c >= 2)
            rp_sb_printf(b, "%c-%c", (char)c, (char)e);
        else
            for (unsigned k = c; k <= e; k++)
                rp_sb_putc(b, (char)k);
        c = e;
    }
    quoted(out, text.s != NULL ? text.s : "");
    free(text.s);
}

static void field(rp_strbuf *b, const rp_ast_field *f)
{
    const rp_ast_attrs *a = &f->attrs;
    indent(b, 1);
    rp_sb_printf(b, "field %zu %s ", f->index, rp_ast_label_name(f->label));
    type(b, &f->type);
    rp_sb_printf(b, " %s = ", f->c_name);
    quoted(b, f->wire_key);
    span(b, &f->span);
    rp_sb_putc(b, '\n');
    doc(b, 2, f->doc);
    if (a->has_range) {
        indent(b, 2);
        rp_sb_puts(b, "range ");
        if (a->has_lo) {
            if (a->range_float)
                dbl(b, a->flo);
            else
                num(b, a->lo);
        }
        rp_sb_puts(b, "..");
        if (a->has_hi) {
            if (a->range_float)
                dbl(b, a->fhi);
            else
                num(b, a->hi);
        }
        span(b, &a->range_span);
        rp_sb_putc(b, '\n');
    }
    if (a->one_of != NULL) {
        indent(b, 2);
        rp_sb_puts(b, "one_of {");
        for (size_t i = 0; i < a->one_of_count; i++) {
            if (i)
                rp_sb_puts(b, ", ");
            num(b, a->one_of[i]);
        }
        rp_sb_putc(b, '}');
        span(b, &a->one_of_span);
        rp_sb_putc(b, '\n');
    }
    len(b, 2, "len", &a->len);
    len(b, 2, "count", &a->count);
    if (a->charset != NULL) {
        indent(b, 2);
        rp_sb_printf(b, "charset %s", a->charset->name);
        span(b, &a->charset_span);
        rp_sb_putc(b, '\n');
    }
    if (a->encoding != RP_BYTES_NONE) {
        indent(b, 2);
        rp_sb_printf(b, "encoding %s", rp_ast_encoding_name(a->encoding));
        span(b, &a->encoding_span);
        rp_sb_putc(b, '\n');
    }
    if (a->pattern != NULL) {
        indent(b, 2);
        rp_sb_puts(b, "pattern ");
        quoted(b, a->pattern);
        if (a->pattern_re != NULL)
            rp_sb_printf(b, " (DFA: %u states, %u byte classes)", (unsigned)a->pattern_re->states,
                         (unsigned)a->pattern_re->classes);
        span(b, &a->pattern_span);
        rp_sb_putc(b, '\n');
    }
    if (a->nullable) {
        indent(b, 2);
        rp_sb_puts(b, "nullable");
        span(b, &a->nullable_span);
        rp_sb_putc(b, '\n');
    }
    len(b, 2, "key_len", &a->key_len);
    if (a->key_charset != NULL) {
        indent(b, 2);
        rp_sb_printf(b, "key_charset %s", a->key_charset->name);
        span(b, &a->key_charset_span);
        rp_sb_putc(b, '\n');
    }
    if (rp_ast_field_is_required(f) && f->label != RP_LABEL_REQUIRED) {
        indent(b, 2);
        rp_sb_puts(b, "required (count minimum)\n");
    }
    value(b, 2, "const", &a->const_value);
    value(b, 2, "default", &a->default_value);
    if (a->since != NULL || a->until != NULL) {
        indent(b, 2);
        rp_sb_puts(b, "versions");
        versions(b, a->since, a->until);
        rp_sb_putc(b, '\n');
    }
}

static void decl(rp_strbuf *b, const rp_ast_decl *d)
{
    rp_sb_printf(b, "%s %s", rp_ast_decl_kind_name(d->kind), d->name);
    span(b, &d->span);
    rp_sb_printf(b, " (%s)\n", d->unit->path);
    doc(b, 1, d->doc);
    switch (d->kind) {
    case RP_DECL_CHARSET:
        indent(b, 1);
        rp_sb_puts(b, "text ");
        quoted(b, d->u.charset.text);
        rp_sb_puts(b, "\n  allowed ");
        charset_members(b, d->u.charset.allowed);
        rp_sb_putc(b, '\n');
        break;
    case RP_DECL_ENUM:
    case RP_DECL_FLAGS:
        indent(b, 1);
        rp_sb_printf(b, "type %s\n", rp_ast_scalar_name(d->u.enm.underlying));
        for (size_t i = 0; i < d->u.enm.value_count; i++) {
            const rp_ast_enum_value *v = &d->u.enm.values[i];
            indent(b, 1);
            rp_sb_printf(b, "value %s = ", v->name);
            if (v->text != NULL) {
                quoted(b, v->text);
                rp_sb_puts(b, " (");
                num(b, v->value);
                rp_sb_putc(b, ')');
            } else {
                num(b, v->value);
            }
            versions(b, v->since, v->until);
            span(b, &v->span);
            rp_sb_putc(b, '\n');
            doc(b, 2, v->doc);
        }
        break;
    case RP_DECL_MESSAGE:
        route(b, 1, &d->u.message.route);
        indent(b, 1);
        rp_sb_printf(b, "unknown_keys %s%s\n", rp_ast_unknown_keys_name(d->u.message.unknown_keys),
                     d->u.message.unknown_keys_set ? "" : " (default)");
        for (size_t i = 0; i < d->u.message.field_count; i++)
            field(b, &d->u.message.fields[i]);
        break;
    case RP_DECL_ARRAY:
        indent(b, 1);
        rp_sb_puts(b, "of ");
        type(b, &d->u.array.element);
        rp_sb_putc(b, '\n');
        len(b, 1, "len", &d->u.array.len);
        route(b, 1, &d->u.array.route);
        break;
    }
}

char *rp_dump_ast(const rp_ast_spec *spec)
{
    rp_strbuf b = { 0 };
    rp_sb_printf(&b, "protocol %s\n", spec->protocol != NULL ? spec->protocol : "?");
    doc(&b, 1, spec->protocol_doc);
    for (size_t i = 0; i < spec->unit_count; i++) {
        const rp_ast_unit *u = spec->units[i];
        rp_sb_printf(&b, "unit %s%s (%zu declarations)\n", u->path, u->is_main ? " (main)" : "",
                     u->decl_count);
        for (size_t j = 0; j < u->import_count; j++) {
            indent(&b, 1);
            rp_sb_puts(&b, "import ");
            quoted(&b, u->imports[j].path);
            rp_sb_printf(&b, " -> %s", u->imports[j].unit != NULL ? u->imports[j].unit->path : "?");
            span(&b, &u->imports[j].span);
            rp_sb_putc(&b, '\n');
        }
    }
    for (size_t i = 0; i < spec->decl_count; i++)
        decl(&b, spec->decls[i]);
    return rp_sb_take(&b);
}
