/* emit_docs.c — see emit_docs.h.
 *
 * Layout: title and protocol doc; contents; "Transport" (docs_transport: peers, ports,
 * keys, envelopes, profiles, routes and machines); messages and arrays in spec order; enums;
 * flags; charsets.
 */
#include "emit_docs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "diag.h"
#include "emit_c_util.h"
#include "version.h"

static bool is_control(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f;
}

/* Text for a table cell: pipes escaped, line breaks and other control bytes as spaces. */
static void cell(rp_strbuf *b, const char *s)
{
    for (const char *p = s; p != NULL && *p != '\0'; p++) {
        if (*p == '|')
            rp_sb_puts(b, "\\|");
        else if (is_control((unsigned char)*p))
            rp_sb_putc(b, ' ');
        else
            rp_sb_putc(b, *p);
    }
}

/* One byte of a string shown in code: a control byte as its JSON escape, so that the page
 * neither hides it nor carries it to a terminal (a key "k\u001b[31m" would colour it). */
static void code_byte(rp_strbuf *b, unsigned char ch)
{
    if (ch == '\n')
        rp_sb_puts(b, "\\n");
    else if (ch == '\r')
        rp_sb_puts(b, "\\r");
    else if (ch == '\t')
        rp_sb_puts(b, "\\t");
    else if (is_control(ch))
        rp_sb_printf(b, "\\u%04x", ch);
    else
        rp_sb_putc(b, (char)ch);
}

/* s as a Markdown code span, shown as it is. Markdown has no escape inside code, so the span
 * is fenced with one backtick more than the longest run of them in s (and padded with a space
 * where s starts or ends with one); in a table a '|' is written "\|", which GFM reads as
 * part of the cell, code included. */
static void code_span(rp_strbuf *b, const char *s, bool in_table)
{
    size_t run = 0, longest = 0;
    for (const char *p = s; *p != '\0'; p++) {
        run = *p == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    size_t n = strlen(s);
    bool pad = n > 0 && (s[0] == '`' || s[n - 1] == '`');
    for (size_t i = 0; i <= longest; i++)
        rp_sb_putc(b, '`');
    if (pad)
        rp_sb_putc(b, ' ');
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '|' && in_table)
            rp_sb_puts(b, "\\|");
        else
            code_byte(b, (unsigned char)*p);
    }
    if (pad)
        rp_sb_putc(b, ' ');
    for (size_t i = 0; i <= longest; i++)
        rp_sb_putc(b, '`');
}

static void code_cell(rp_strbuf *b, const char *s)
{
    code_span(b, s, true);
}

static void expr_text(rp_strbuf *b, const rp_ast_expr *e);

/* An expression in a table cell, as code. */
static void expr_cell(rp_strbuf *b, const rp_ast_expr *e)
{
    rp_strbuf t = { 0 };
    expr_text(&t, e);
    code_cell(b, t.s != NULL ? t.s : "");
    free(t.s);
}

/* The anchor of a declaration: "KIND-name" (message-hello, enum-e, envelope-hello, ...), written
 * as an explicit <a id> at the declaration and used by every link to it, never a heading's slug:
 * GitHub slugs a heading from its text, so "### Hello" got the slug of the envelope row "hello"
 * and of the section "## Messages" that a message Messages shares its name with, and a link
 * reached the first of them. The kind prefix keeps the ids apart from every heading slug (a
 * name has no '-', and no heading of the page starts with one of these words and a '-').
 * Ids are lower case only: GitHub lowercases heading slugs but keeps an explicit id's case
 * (as "user-content-" + id) and some renderers match fragments case-insensitively, so an id
 * that differs from another only in case would be found by one renderer and not by another.
 * Two names of one kind that are alike in lower case (envelopes E and e) are told apart by
 * "-2", "-3" ... after the first, in spec order, so the ids are deterministic. */
static const char *anchor_kind(const rp_ast_decl *d)
{
    switch (d->kind) {
    case RP_DECL_MESSAGE: return "message";
    case RP_DECL_ARRAY: return "array";
    case RP_DECL_ENUM: return "enum";
    case RP_DECL_FLAGS: return "flags";
    case RP_DECL_CHARSET: return "charset";
    case RP_DECL_ENVELOPE: return "envelope";
    default: return "decl";
    }
}

static bool same_lower(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static void anchor(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_decl *d)
{
    rp_sb_printf(b, "%s-", anchor_kind(d));
    for (const char *p = d->name; *p != '\0'; p++)
        rp_sb_putc(b, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
    size_t before = 0;
    for (size_t i = 0; i < spec->decl_count && spec->decls[i] != d; i++)
        if (strcmp(anchor_kind(spec->decls[i]), anchor_kind(d)) == 0 && same_lower(spec->decls[i]->name, d->name))
            before++;
    if (before > 0)
        rp_sb_printf(b, "-%zu", before + 1);
}

/* The explicit anchor a declaration's heading or row starts with. */
static void anchor_at(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_decl *d)
{
    rp_sb_puts(b, "<a id=\"");
    anchor(b, spec, d);
    rp_sb_puts(b, "\"></a>");
}

static void link_to(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_decl *d)
{
    rp_sb_printf(b, "[%s](#", d->name);
    anchor(b, spec, d);
    rp_sb_putc(b, ')');
}

static void versions_text(rp_strbuf *b, const char *since, const char *until)
{
    if (since != NULL && until != NULL)
        rp_sb_printf(b, "%s – %s", since, until);
    else if (since != NULL)
        rp_sb_printf(b, "since %s", since);
    else if (until != NULL)
        rp_sb_printf(b, "until %s", until);
}

static void paragraph(rp_strbuf *b, const char *doc)
{
    if (doc != NULL && doc[0] != '\0')
        rp_sb_printf(b, "%s\n\n", doc);
}

/* ---- transport: peers, ports, keys, envelopes, profiles, routes, machines ----------------- */

/* A transition's actions, as the diagrams show them: keys established and dropped, timers
 * started and stopped, then error. */
static void transition_actions(rp_strbuf *b, const rp_ast_machine *m, const rp_ast_transition *tr)
{
    const char *sep = "";
    for (size_t k = 0; k < tr->establish_count; k++, sep = ", ")
        rp_sb_printf(b, "%sestablish `%s`", sep, tr->establishes[k]->name);
    for (size_t k = 0; k < tr->drop_count; k++, sep = ", ")
        rp_sb_printf(b, "%sdrop `%s`", sep, tr->drops[k]->name);
    for (size_t k = 0; k < tr->start_count; k++, sep = ", ")
        rp_sb_printf(b, "%sstart `%s`", sep, m->timers[tr->starts[k]].name);
    for (size_t k = 0; k < tr->stop_count; k++, sep = ", ")
        rp_sb_printf(b, "%sstop `%s`", sep, m->timers[tr->stops[k]].name);
    if (tr->is_error)
        rp_sb_printf(b, "%serror", sep);
}

/* An expression as written in the spec, on one line. */
static void expr_text(rp_strbuf *b, const rp_ast_expr *e)
{
    switch (e->kind) {
    case RP_EXPR_NAME: rp_sb_puts(b, e->name); break;
    case RP_EXPR_INT: {
        char buf[32];
        rp_sb_puts(b, rp_ast_int_format(e->i, buf, sizeof buf));
        break;
    }
    case RP_EXPR_STRING:
        rp_sb_putc(b, '"');
        for (const char *p = e->str; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                rp_sb_printf(b, "\\%c", *p);
            else
                code_byte(b, (unsigned char)*p);
        }
        rp_sb_putc(b, '"');
        break;
    case RP_EXPR_CALL:
        rp_sb_printf(b, "%s(", e->name);
        for (size_t i = 0; i < e->arg_count; i++) {
            if (i > 0)
                rp_sb_puts(b, ", ");
            expr_text(b, e->args[i]);
        }
        rp_sb_putc(b, ')');
        break;
    }
}

static void envelope_list(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_route *r)
{
    for (size_t i = 0; i < r->envelope_count; i++) {
        if (i > 0)
            rp_sb_puts(b, ", ");
        link_to(b, spec, r->envelopes[i]);
    }
}

static void route_sentence(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_decl *d)
{
    size_t n = 0;
    const rp_ast_route *r = rp_ast_decl_routes(d, &n);
    if (n == 0) {
        rp_sb_puts(b, "Not sent on its own: only inside other messages.\n\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        rp_sb_printf(b, "Travels on port **%s**, %s → %s, in ", r[i].port_name, r[i].from_name, r[i].to_name);
        envelope_list(b, spec, &r[i]);
        rp_sb_puts(b, ".\n\n");
    }
}

static void framing_text(rp_strbuf *b, const rp_ast_port *p)
{
    if (p->framing == RP_AST_FRAMING_LENGTH) {
        rp_sb_printf(b, "%s %u-byte %s length before each packet", p->prefix_bytes == 8 ? "an" : "a",
                     p->prefix_bytes,
                     p->big_endian ? "big-endian" : "little-endian");
        return;
    }
    /* quoted as the compiler's messages quote it (rp_diag_put_quoted), as code in a cell */
    rp_strbuf t = { 0 };
    rp_diag_put_quoted(&t, p->delimiter, p->delimiter_len);
    rp_sb_puts(b, "each packet ends with ");
    code_cell(b, t.s);
    free(t.s);
}

/* One item of a "States:" / "Timers:" list, when the state or timer has a doc. */
static void doc_item(rp_strbuf *b, bool *first, const char *title, const char *name, const char *doc)
{
    if (doc == NULL || doc[0] == '\0')
        return;
    if (*first)
        rp_sb_printf(b, "%s:\n\n", title);
    *first = false;
    rp_sb_printf(b, "- `%s` — ", name);
    cell(b, doc);
    rp_sb_putc(b, '\n');
}

/* Under a machine's table: the docs of its states, then of its timers (those that have one). */
static void machine_docs(rp_strbuf *b, const rp_ast_machine *m)
{
    bool first = true;
    for (size_t i = 0; i < m->state_count; i++)
        doc_item(b, &first, "States", m->states[i].name, m->states[i].doc);
    if (!first)
        rp_sb_putc(b, '\n');
    first = true;
    for (size_t i = 0; i < m->timer_count; i++)
        doc_item(b, &first, "Timers", m->timers[i].name, m->timers[i].doc);
    if (!first)
        rp_sb_putc(b, '\n');
}

/* Everything a spec declares about how its messages travel. */
static void docs_transport(rp_strbuf *b, const rp_ast_spec *spec)
{
    if (spec->peers[0] == NULL && spec->route_count == 0)
        return;
    rp_sb_puts(b, "## Transport\n\n");
    if (spec->peers[1] != NULL) {
        /* one doc block documents the `peers A, B;` statement: both names carry it */
        rp_sb_printf(b, "The two peers are **%s** and **%s**.", spec->peers[0]->name, spec->peers[1]->name);
        if (spec->peers[0]->doc != NULL && spec->peers[0]->doc[0] != '\0') {
            rp_sb_putc(b, ' ');
            cell(b, spec->peers[0]->doc);
        }
        rp_sb_puts(b, "\n\n");
    }
    if (spec->port_count > 0) {
        rp_sb_puts(b, "| port | framing | largest packet | |\n|---|---|---|---|\n");
        for (size_t i = 0; i < spec->port_count; i++) {
            const rp_ast_decl *d = spec->ports[i];
            rp_sb_printf(b, "| `%s` | ", d->name);
            framing_text(b, &d->u.port);
            rp_sb_printf(b, " | %llu bytes | ", (unsigned long long)d->u.port.max_packet);
            cell(b, d->doc);
            rp_sb_puts(b, " |\n");
        }
        rp_sb_puts(b, "\n");
    }
    if (spec->key_count > 0) {
        rp_sb_puts(b, "| key | kind | |\n|---|---|---|\n");
        for (size_t i = 0; i < spec->key_count; i++) {
            const rp_ast_decl *d = spec->keys[i];
            rp_sb_printf(b, "| `%s` | ", d->name);
            expr_cell(b, d->u.key.expr);
            rp_sb_puts(b, " | ");
            cell(b, d->doc);
            rp_sb_puts(b, " |\n");
        }
        rp_sb_puts(b, "\n");
    }
    if (spec->envelope_count > 0) {
        rp_sb_puts(b, "Envelopes, written from the outside in (the wire text is the outermost layer):\n\n"
                      "| envelope | layers | |\n|---|---|---|\n");
        for (size_t i = 0; i < spec->envelope_count; i++) {
            const rp_ast_decl *d = spec->envelopes[i];
            rp_sb_puts(b, "| ");
            anchor_at(b, spec, d);
            rp_sb_printf(b, "`%s` | ", d->name);
            expr_cell(b, d->u.envelope.expr);
            rp_sb_puts(b, " | ");
            cell(b, d->doc);
            rp_sb_puts(b, " |\n");
        }
        rp_sb_puts(b, "\n");
    }
    if (spec->profile_count > 0) {
        rp_sb_puts(b, "Decoding profiles (decoders are strict without one):\n\n"
                      "| profile | trailing bytes | float numbers | string numbers | duplicate keys | null | base64 | relaxed keys | description |\n"
                      "|---|---|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < spec->profile_count; i++) {
            const rp_ast_decl *d = spec->profiles[i];
            const rp_ast_profile *p = &d->u.profile;
            rp_sb_printf(b, "| `%s`%s%s | %s | %s | %s | %s | %s | %s | ", d->name, p->base != NULL ? " : " : "",
                         p->base != NULL ? p->base->name : "", p->trailing_ignore ? "ignored" : "refused",
                         p->float_truncate ? "truncated" : "refused",
                         p->string_numbers_absent ? "absent" : "refused", p->duplicate_keys == RP_AST_DUPLICATES_LAST ? "last wins"
                         : p->duplicate_keys == RP_AST_DUPLICATES_FIRST ? "first wins" : "refused",
                         p->null_absent ? "absent" : "refused", p->base64_lenient ? "lenient" : "strict");
            bool any = false;
            for (const rp_ast_decl *at = d; at != NULL; at = at->u.profile.base)
                for (size_t k = 0; k < at->u.profile.relax_count; k++) {
                    const rp_ast_relax *r = &at->u.profile.relaxes[k];
                    const rp_ast_relax_flags *fl = &r->flags;
                    rp_sb_printf(b, "%s`%s`%s%s%s", any ? ", " : "", r->key, fl->optional ? " may be absent" : "",
                                 fl->zero_is_absent ? (fl->optional ? ", 0 is absent" : " 0 is absent") : "",
                                 fl->empty_is_absent ? (fl->optional || fl->zero_is_absent ? ", \"\" is absent"
                                                                                           : " \"\" is absent")
                                                     : "");
                    any = true;
                }
            rp_sb_puts(b, " | ");
            cell(b, d->doc);
            rp_sb_puts(b, " |\n");
        }
        rp_sb_puts(b, "\n");
    }
    if (spec->route_count > 0) {
        rp_sb_puts(b, "Which message travels where. Two messages that may arrive on the same port, from "
                      "the same peer, in the same envelope are told apart by their `const` fields.\n\n"
                      "| message | port | from → to | envelopes |\n|---|---|---|---|\n");
        for (size_t i = 0; i < spec->decl_count; i++) {
            const rp_ast_decl *d = spec->decls[i];
            size_t n = 0;
            const rp_ast_route *r = rp_ast_decl_routes(d, &n);
            for (size_t k = 0; k < n; k++) {
                rp_sb_puts(b, "| ");
                link_to(b, spec, d);
                rp_sb_printf(b, " | `%s` | %s → %s | ", r[k].port_name, r[k].from_name, r[k].to_name);
                envelope_list(b, spec, &r[k]);
                rp_sb_puts(b, " |\n");
            }
        }
        rp_sb_puts(b, "\n");
    }
    for (size_t i = 0; i < spec->machine_count; i++) {
        const rp_ast_decl *d = spec->machines[i];
        const rp_ast_machine *m = &d->u.machine;
        rp_sb_printf(b, "### Machine `%s` (%s)\n\n", d->name, m->peer_name);
        paragraph(b, d->doc);
        rp_sb_puts(b, "| state | event | in | next state | actions |\n|---|---|---|---|---|\n");
        for (size_t s2 = 0; s2 < m->state_count; s2++) {
            const rp_ast_state *st = &m->states[s2];
            if (st->transition_count == 0)
                rp_sb_printf(b, "| `%s`%s | — | | | |\n", st->name, st->final ? " (final)" : "");
            for (size_t t = 0; t < st->transition_count; t++) {
                const rp_ast_transition *tr = &st->transitions[t];
                rp_sb_printf(b, "| `%s`%s | %s `%s` | ", st->name, st->initial ? " (initial)" : "",
                             rp_ast_event_name(tr->event), tr->subject);
                for (size_t e = 0; e < tr->envelope_total; e++)
                    rp_sb_printf(b, "%s`%s`", e > 0 ? ", " : "", tr->envelopes[e]->name);
                rp_sb_printf(b, " | `%s` | ", tr->target);
                transition_actions(b, m, tr);
                rp_sb_puts(b, " |\n");
            }
        }
        rp_sb_puts(b, "\n");
        machine_docs(b, m);
    }
}

/* ---- fields ---------------------------------------------------------------------------------- */

static void type_text(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_field *f)
{
    if (f->type.is_map)
        rp_sb_puts(b, "map of ");
    else if (f->label == RP_LABEL_REPEATED)
        rp_sb_puts(b, "list of ");
    if (f->type.ref != NULL && f->type.ref->kind != RP_DECL_CHARSET)
        link_to(b, spec, f->type.ref);
    else
        rp_sb_printf(b, "%s", rp_ast_scalar_name(f->type.scalar));
    if (f->attrs.encoding != RP_BYTES_NONE)
        rp_sb_printf(b, " (%s)", rp_ast_encoding_name(f->attrs.encoding));
}

static void presence_text(rp_strbuf *b, const rp_ast_field *f)
{
    if (rp_ast_field_is_required(f))
        rp_sb_puts(b, "required");
    else
        rp_sb_puts(b, "optional");
    if (f->attrs.nullable)
        rp_sb_puts(b, ", may be `null`");
}

static void value_text(rp_strbuf *b, const rp_ast_value *v)
{
    rp_strbuf t = { 0 };
    emit_expect_const(&t, v);
    code_cell(b, t.s);
    free(t.s);
}

static void constraints_text(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_field *f)
{
    const rp_ast_attrs *a = &f->attrs;
    size_t start = b->len;
#define SEP() rp_sb_puts(b, b->len > start ? "; " : "")
    if (a->const_value.kind != RP_VALUE_NONE) {
        SEP();
        rp_sb_puts(b, "always ");
        value_text(b, &a->const_value);
    }
    if (a->has_range) {
        SEP();
        rp_strbuf t = { 0 };
        emit_expect_range(&t, a);
        cell(b, t.s);
        free(t.s);
    }
    if (a->one_of_count > 0) {
        SEP();
        rp_strbuf t = { 0 };
        emit_expect_one_of(&t, a);
        cell(b, t.s);
        free(t.s);
    }
    if (a->len.present) {
        SEP();
        rp_strbuf t = { 0 };
        emit_expect_len(&t, &a->len);
        rp_sb_printf(b, "length %s %s", t.s, f->type.scalar == RP_SCALAR_BYTES ? "bytes (decoded)" : "bytes of UTF-8");
        free(t.s);
    }
    if (a->charset != NULL) {
        SEP();
        rp_sb_puts(b, "characters of ");
        link_to(b, spec, a->charset);
    }
    if (a->pattern != NULL) {
        SEP();
        rp_sb_puts(b, "matches ");
        code_cell(b, a->pattern);
    }
    if ((f->label == RP_LABEL_REPEATED || f->type.is_map) && a->count.present) {
        SEP();
        rp_strbuf t = { 0 };
        emit_expect_len(&t, &a->count);
        rp_sb_printf(b, "%s %s", f->type.is_map ? "entries" : "items", t.s);
        free(t.s);
    }
    if (a->key_len.present) {
        SEP();
        rp_strbuf t = { 0 };
        emit_expect_len(&t, &a->key_len);
        rp_sb_printf(b, "key length %s", t.s);
        free(t.s);
    }
    if (a->key_charset != NULL) {
        SEP();
        rp_sb_puts(b, "key characters of ");
        link_to(b, spec, a->key_charset);
    }
    if (a->default_value.kind != RP_VALUE_NONE) {
        SEP();
        rp_sb_puts(b, "default ");
        if (a->default_value.kind == RP_VALUE_STRING) {
            rp_strbuf t = { 0 };
            emit_json_string(&t, a->default_value.str);
            code_cell(b, t.s);
            free(t.s);
        } else {
            value_text(b, &a->default_value);
        }
    }
#undef SEP
}

static void message_section(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_decl *d)
{
    rp_sb_puts(b, "### ");
    anchor_at(b, spec, d);
    rp_sb_printf(b, "%s\n\n", d->name);
    paragraph(b, d->doc);
    route_sentence(b, spec, d);
    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_len *l = &d->u.array.len;
        rp_strbuf t = { 0 };
        emit_expect_len(&t, l);
        rp_sb_puts(b, "A JSON array of ");
        link_to(b, spec, d->u.array.element.ref);
        rp_sb_printf(b, " objects, %s items.\n\n", t.s);
        free(t.s);
        return;
    }
    const rp_ast_message *m = &d->u.message;
    rp_sb_printf(b, "A JSON object. Keys it does not know are %s.\n\n",
                 m->unknown_keys == RP_UNKNOWN_REJECT ? "**refused**" : "ignored");
    if (m->field_count == 0) {
        rp_sb_puts(b, "It has no fields.\n\n");
        return;
    }
    rp_sb_puts(b, "| key | C name | type | presence | constraints | versions | description |\n"
                  "|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_ast_field *f = &m->fields[i];
        rp_sb_puts(b, "| ");
        code_cell(b, f->wire_key);
        rp_sb_printf(b, " | `%s` | ", f->c_name);
        type_text(b, spec, f);
        rp_sb_puts(b, " | ");
        presence_text(b, f);
        rp_sb_puts(b, " | ");
        constraints_text(b, spec, f);
        rp_sb_puts(b, " | ");
        versions_text(b, f->attrs.since, f->attrs.until);
        rp_sb_puts(b, " | ");
        cell(b, f->doc);
        rp_sb_puts(b, " |\n");
    }
    rp_sb_puts(b, "\n");
}

/* ---- enums, flags, charsets ------------------------------------------------------------------ */

static void enum_section(rp_strbuf *b, const rp_ast_spec *spec, const rp_ast_decl *d)
{
    const rp_ast_enum *e = &d->u.enm;
    bool text = e->underlying == RP_SCALAR_STRING;
    rp_sb_puts(b, "### ");
    anchor_at(b, spec, d);
    rp_sb_printf(b, "%s\n\n", d->name);
    paragraph(b, d->doc);
    if (d->kind == RP_DECL_FLAGS) {
        uint64_t all = 0;
        for (size_t i = 0; i < e->value_count; i++)
            all |= e->values[i].value.mag;
        rp_sb_printf(b, "A set of bits in one JSON number (%s); any other bit is invalid (all bits: %" PRIu64 ").\n\n",
                     rp_ast_scalar_name(e->underlying), all);
    } else if (text) {
        rp_sb_puts(b, "A JSON string, one of the texts below.\n\n");
    } else {
        rp_sb_printf(b, "A JSON number (%s), one of the values below.\n\n", rp_ast_scalar_name(e->underlying));
    }
    rp_sb_printf(b, "| name | %s | versions | description |\n|---|---|---|---|\n",
                 d->kind == RP_DECL_FLAGS ? "bit" : text ? "text" : "value");
    for (size_t i = 0; i < e->value_count; i++) {
        const rp_ast_enum_value *v = &e->values[i];
        rp_sb_printf(b, "| `%s` | ", v->name);
        if (text) {
            rp_strbuf t = { 0 };
            emit_json_string(&t, v->text);
            code_cell(b, t.s);
            free(t.s);
        } else {
            rp_sb_putc(b, '`');
            emit_int_text(b, v->value);
            rp_sb_putc(b, '`');
        }
        rp_sb_puts(b, " | ");
        versions_text(b, v->since, v->until);
        rp_sb_puts(b, " | ");
        cell(b, v->doc);
        rp_sb_puts(b, " |\n");
    }
    rp_sb_puts(b, "\n");
}

static void charsets_section(rp_strbuf *b, const rp_ast_spec *spec)
{
    bool any = false;
    for (size_t i = 0; i < spec->decl_count; i++)
        any = any || spec->decls[i]->kind == RP_DECL_CHARSET;
    if (!any)
        return;
    rp_sb_puts(b, "## Charsets\n\nCharacter classes of string constraints (printable ASCII).\n\n");
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_CHARSET)
            continue;
        rp_sb_puts(b, "### ");
        anchor_at(b, spec, d);
        rp_sb_printf(b, "%s\n\n", d->name);
        paragraph(b, d->doc);
        rp_sb_puts(b, "Characters: ");
        code_span(b, d->u.charset.text, false);
        rp_sb_puts(b, "\n\n");
    }
}

static void list_of(rp_strbuf *b, const rp_ast_spec *spec, const char *title, unsigned kinds)
{
    bool first = true;
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (!(kinds & (1u << d->kind)))
            continue;
        rp_sb_puts(b, first ? "- " : ", ");
        if (first)
            rp_sb_printf(b, "%s: ", title);
        first = false;
        link_to(b, spec, d);
    }
    if (!first)
        rp_sb_puts(b, "\n");
}

/* The JSON nesting limit of the decoders (rp_ast_decode_depth): the spec's `option max_depth`,
 * or the default, which a message nested deeper than it raises to its own depth. */
static void depth_sentence(rp_strbuf *b, const rp_ast_spec *spec)
{
    if (spec->max_depth != 0) {
        rp_sb_printf(b, "A decoder reads JSON nested at most %llu levels deep (each object or array "
                        "counts one), as the spec's `option max_depth` sets.",
                     (unsigned long long)spec->max_depth);
        return;
    }
    bool deeper = false;
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if ((d->kind == RP_DECL_MESSAGE || d->kind == RP_DECL_ARRAY) && d->json_depth > RP_AST_DEFAULT_DEPTH)
            deeper = true;
    }
    rp_sb_printf(b, "A decoder reads JSON nested at most %u levels deep (each object or array counts "
                    "one)%s: the default, as the spec sets no `option max_depth`.",
                 RP_AST_DEFAULT_DEPTH, deeper ? ", or a message's own depth where that is more" : "");
}

char *rp_emit_docs(const rp_ast_spec *spec)
{
    rp_strbuf b = { 0 };
    const char *name = spec->protocol != NULL ? spec->protocol : "protocol";
    rp_sb_printf(&b, "# The %s protocol: reference\n\n", name);
    rp_sb_printf(&b, "<!-- Generated by rprotoc %s from %s with `rprotoc --emit docs`; do not edit. -->\n\n",
                 RPROTOC_VERSION, spec->main != NULL ? rp_emit_basename(spec->main->path) : "?");
    paragraph(&b, spec->protocol_doc);
    rp_sb_puts(&b, "Every value is JSON (RFC 8259). Lengths of strings count bytes of UTF-8; "
                   "\"required\" keys must be present, \"optional\" ones may be absent (which is "
                   "not the same as zero). ");
    depth_sentence(&b, spec);
    rp_sb_puts(&b, "\n\n## Contents\n\n");
    list_of(&b, spec, "Messages", (1u << RP_DECL_MESSAGE) | (1u << RP_DECL_ARRAY));
    list_of(&b, spec, "Enums", 1u << RP_DECL_ENUM);
    list_of(&b, spec, "Flags", 1u << RP_DECL_FLAGS);
    list_of(&b, spec, "Charsets", 1u << RP_DECL_CHARSET);
    rp_sb_puts(&b, "\n");
    docs_transport(&b, spec);
    rp_sb_puts(&b, "## Messages\n\n");
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind == RP_DECL_MESSAGE || d->kind == RP_DECL_ARRAY)
            message_section(&b, spec, d);
    }
    for (int pass = 0; pass < 2; pass++) {
        rp_ast_decl_kind k = pass == 0 ? RP_DECL_ENUM : RP_DECL_FLAGS;
        bool any = false;
        for (size_t i = 0; i < spec->decl_count; i++)
            any = any || spec->decls[i]->kind == k;
        if (!any)
            continue;
        rp_sb_puts(&b, pass == 0 ? "## Enums\n\n" : "## Flags\n\n");
        for (size_t i = 0; i < spec->decl_count; i++)
            if (spec->decls[i]->kind == k)
                enum_section(&b, spec, spec->decls[i]);
    }
    charsets_section(&b, spec);
    /* no blank line at the very end */
    while (b.len > 1 && b.s[b.len - 1] == '\n' && b.s[b.len - 2] == '\n')
        b.s[--b.len] = '\0';
    return rp_sb_take(&b);
}
