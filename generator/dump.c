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

static void routes(rp_strbuf *b, int level, const rp_ast_route *r, size_t n)
{
    for (size_t k = 0; k < n; k++, r++) {
        indent(b, level);
        rp_sb_printf(b, "route %s %s -> %s in", r->port_name, r->from_name, r->to_name);
        for (size_t i = 0; i < r->envelope_count; i++)
            rp_sb_printf(b, "%s %s", i ? " |" : "", r->envelope_names[i]);
        span(b, &r->span);
        rp_sb_putc(b, '\n');
    }
}

/* An expression as written, on one line. */
static void expr(rp_strbuf *b, const rp_ast_expr *e)
{
    switch (e->kind) {
    case RP_EXPR_NAME: rp_sb_puts(b, e->name); break;
    case RP_EXPR_STRING: quoted(b, e->str); break;
    case RP_EXPR_INT: num(b, e->i); break;
    case RP_EXPR_CALL:
        rp_sb_printf(b, "%s(", e->name);
        for (size_t i = 0; i < e->arg_count; i++) {
            if (i > 0)
                rp_sb_puts(b, ", ");
            expr(b, e->args[i]);
        }
        rp_sb_putc(b, ')');
        break;
    }
}

static void layers(rp_strbuf *b, int level, const rp_ast_envelope *env)
{
    for (size_t i = 0; i < env->layer_count; i++) {
        const rp_ast_layer *l = &env->layers[i];
        indent(b, level);
        rp_sb_printf(b, "layer %s", rp_ast_layer_name(l->kind));
        if (l->key != NULL)
            rp_sb_printf(b, " key %s", l->key->name);
        if (l->kind == RP_AST_LAYER_AES)
            rp_sb_puts(b, l->iv_in_join ? " iv in join" : " iv prepended");
        if (l->kind == RP_AST_LAYER_JOIN) {
            rp_sb_puts(b, " separator ");
            quoted(b, l->separator);
            rp_sb_puts(b, " parts");
            for (size_t p = 0; p < l->part_count; p++) {
                const rp_ast_join_part *part = &l->parts[p];
                rp_sb_puts(b, p ? ", " : " ");
                if (part->kind == RP_AST_PART_IV_HEX)
                    rp_sb_puts(b, "hex(iv)");
                else if (part->kind == RP_AST_PART_KEY_ID)
                    rp_sb_printf(b, "id(%s)", part->key != NULL ? part->key->name : "?");
                else
                    rp_sb_puts(b, "payload");
            }
        }
        span(b, &l->span);
        rp_sb_putc(b, '\n');
    }
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
        routes(b, 1, d->u.message.routes, d->u.message.route_count);
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
        routes(b, 1, d->u.array.routes, d->u.array.route_count);
        break;
    case RP_DECL_PEER:
        indent(b, 1);
        rp_sb_printf(b, "peer %zu\n", d->u.peer.index);
        break;
    case RP_DECL_PORT: {
        const rp_ast_port *p = &d->u.port;
        indent(b, 1);
        if (p->framing == RP_AST_FRAMING_DELIMITER) {
            rp_sb_puts(b, "framing delimiter ");
            quoted(b, p->delimiter);
        } else if (p->framing == RP_AST_FRAMING_LENGTH) {
            rp_sb_printf(b, "framing length %u bytes %s", p->prefix_bytes,
                         p->big_endian ? "big_endian" : "little_endian");
        } else {
            rp_sb_puts(b, "framing none");
        }
        rp_sb_printf(b, " max_packet %llu\n", (unsigned long long)p->max_packet);
        break;
    }
    case RP_DECL_KEY:
        indent(b, 1);
        rp_sb_puts(b, "key ");
        expr(b, d->u.key.expr);
        if (d->u.key.kind == RP_AST_KEY_RSA && d->u.key.owner != NULL)
            rp_sb_printf(b, " (rsa, private half held by %s)", d->u.key.owner->name);
        else if (d->u.key.kind == RP_AST_KEY_AES)
            rp_sb_printf(b, " (aes%s%s%s)", d->u.key.aes_bits & 1u ? " 128" : "",
                         d->u.key.aes_bits & 2u ? " 192" : "", d->u.key.aes_bits & 4u ? " 256" : "");
        rp_sb_putc(b, '\n');
        break;
    case RP_DECL_ENVELOPE:
        indent(b, 1);
        rp_sb_puts(b, "is ");
        expr(b, d->u.envelope.expr);
        rp_sb_putc(b, '\n');
        layers(b, 1, &d->u.envelope);
        break;
    case RP_DECL_MACHINE: {
        const rp_ast_machine *m = &d->u.machine;
        indent(b, 1);
        rp_sb_printf(b, "for %s, initial %s\n", m->peer_name,
                     m->initial < m->state_count ? m->states[m->initial].name : "?");
        for (size_t i = 0; i < m->timer_count; i++) {
            indent(b, 1);
            rp_sb_printf(b, "timer %s", m->timers[i].name);
            span(b, &m->timers[i].span);
            rp_sb_putc(b, '\n');
        }
        for (size_t i = 0; i < m->state_count; i++) {
            const rp_ast_state *st = &m->states[i];
            indent(b, 1);
            rp_sb_printf(b, "state %s%s%s", st->name, st->initial ? " initial" : "", st->final ? " final" : "");
            span(b, &st->name_span);
            rp_sb_putc(b, '\n');
            doc(b, 2, st->doc);
            for (size_t k = 0; k < st->transition_count; k++) {
                const rp_ast_transition *t = &st->transitions[k];
                indent(b, 2);
                rp_sb_printf(b, "%s %s", rp_ast_event_name(t->event), t->subject);
                for (size_t e = 0; e < t->envelope_total; e++)
                    rp_sb_printf(b, "%s%s", e ? " | " : " in ", t->envelopes[e]->name);
                rp_sb_printf(b, " -> %s", t->target);
                for (size_t e = 0; e < t->establish_count; e++)
                    rp_sb_printf(b, " establish(%s)", t->establishes[e]->name);
                for (size_t e = 0; e < t->drop_count; e++)
                    rp_sb_printf(b, " drop(%s)", t->drops[e]->name);
                for (size_t e = 0; e < t->start_count; e++)
                    rp_sb_printf(b, " start(%s)", m->timers[t->starts[e]].name);
                for (size_t e = 0; e < t->stop_count; e++)
                    rp_sb_printf(b, " stop(%s)", m->timers[t->stops[e]].name);
                if (t->is_error)
                    rp_sb_puts(b, " error");
                span(b, &t->span);
                rp_sb_putc(b, '\n');
                doc(b, 3, t->doc);
            }
        }
        break;
    }
    case RP_DECL_PROFILE: {
        const rp_ast_profile *p = &d->u.profile;
        indent(b, 1);
        rp_sb_printf(b, "profile %zu%s%s: trailing_bytes %s, float_numbers %s, string_numbers %s, duplicate_keys %s, null_values %s, base64 %s\n",
                     p->index, p->base != NULL ? " extends " : "", p->base != NULL ? p->base->name : "",
                     p->trailing_ignore ? "ignore" : "reject", p->float_truncate ? "truncate" : "reject",
                     p->string_numbers_absent ? "absent" : "reject", p->duplicate_keys == RP_AST_DUPLICATES_LAST ? "last"
                     : p->duplicate_keys == RP_AST_DUPLICATES_FIRST ? "first" : "reject",
                     p->null_absent ? "absent" : "reject", p->base64_lenient ? "lenient" : "reject");
        for (size_t i = 0; i < p->relax_count; i++) {
            indent(b, 1);
            rp_sb_puts(b, "relax ");
            quoted(b, p->relaxes[i].key);
            const rp_ast_relax_flags *fl = &p->relaxes[i].flags;
            rp_sb_printf(b, "%s%s%s", fl->optional ? " optional" : "", fl->zero_is_absent ? " zero_is_absent" : "",
                         fl->empty_is_absent ? " empty_is_absent" : "");
            span(b, &p->relaxes[i].span);
            rp_sb_putc(b, '\n');
        }
        break;
    }
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
    if (spec->max_depth != 0)
        rp_sb_printf(&b, "option max_depth %llu\n", (unsigned long long)spec->max_depth);
    for (size_t i = 0; i < spec->decl_count; i++)
        decl(&b, spec->decls[i]);
    return rp_sb_take(&b);
}
