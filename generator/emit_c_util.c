/* emit_c_util.c — naming, C literals and doc comments for the C emitter. */
#include "emit_c_util.h"
#include "emit_c_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "regex.h"
#include "rp_json_float.h"
/* ---- literals and comments ------------------------------------------------------------------ */

void emit_cstr(rp_strbuf *b, const char *s)
{
    rp_sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '\\' || c == '"' || c == '?') {
            /* '?' too: "??=" would be a trigraph under -std=c11. */
            rp_sb_putc(b, '\\');
            rp_sb_putc(b, (char)c);
        } else if (c >= 0x20 && c < 0x7f) {
            rp_sb_putc(b, (char)c);
        } else {
            rp_sb_printf(b, "\\%03o", c);
        }
    }
    rp_sb_putc(b, '"');
}

void emit_comment_text(rp_strbuf *b, const char *s)
{
    rp_strbuf t = { 0 };
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == '*' && p[1] == '/') {
            rp_sb_puts(&t, "* ");
            continue;
        }
        if (c == '/' && p[1] == '*') {
            rp_sb_puts(&t, "/ ");
            continue;
        }
        if (c == '?' && p[1] == '?' && p[2] != '\0' && strchr("=(/)'<!>-", p[2]) != NULL) {
            /* a trigraph, which ISO C modes translate even in comments (??/ at a line's end
             * would splice the next line in, and -Wall warns): written as the literals are */
            rp_sb_puts(&t, "?\\?");
            p++;
            continue;
        }
        rp_sb_putc(&t, (unsigned char)c < 0x20 ? ' ' : c);
    }
    /* DEL, C1 controls and bidirectional formatting characters as \uXXXX: raw, they would
     * reorder the line for a reader ("Trojan source") and gcc's -Wbidi-chars fails the build */
    if (t.s != NULL)
        rp_diag_put_printable(b, t.s, t.len);
    free(t.s);
}

/* Appends the lines of text, each as " * line" (or " *" when empty) after indent. */
static void doc_lines(rp_strbuf *b, const char *indent, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
            n--;
        char *line = rp_xstrndup(p, n);
        rp_sb_printf(b, "%s *%s", indent, n > 0 ? " " : "");
        emit_comment_text(b, line);
        rp_sb_putc(b, '\n');
        free(line);
        if (!nl)
            break;
        p = nl + 1;
    }
}

void emit_doc(rp_strbuf *b, const char *indent, const char *doc, const char *extra)
{
    bool has_doc = doc != NULL && doc[0] != '\0';
    bool has_extra = extra != NULL && extra[0] != '\0';
    if (!has_doc && !has_extra)
        return;
    const char *one = has_doc && has_extra ? NULL : (has_doc ? doc : extra);
    if (one != NULL && strchr(one, '\n') == NULL && strlen(indent) + strlen(one) + 7 <= 100) {
        rp_sb_printf(b, "%s/** ", indent);
        emit_comment_text(b, one);
        rp_sb_puts(b, " */\n");
        return;
    }
    rp_sb_printf(b, "%s/**\n", indent);
    if (has_doc)
        doc_lines(b, indent, doc);
    if (has_doc && has_extra)
        rp_sb_printf(b, "%s *\n", indent);
    if (has_extra)
        doc_lines(b, indent, extra);
    rp_sb_printf(b, "%s */\n", indent);
}

void emit_u64_lit(rp_strbuf *b, uint64_t v)
{
    if (v <= UINT32_MAX)
        rp_sb_printf(b, "%" PRIu64 "u", v);
    else
        rp_sb_printf(b, "UINT64_C(%" PRIu64 ")", v);
}

void emit_i64_lit(rp_strbuf *b, int64_t v)
{
    if (v == INT64_MIN)
        rp_sb_puts(b, "(-INT64_MAX - 1)");
    else if (v >= INT32_MIN + 1 && v <= INT32_MAX)
        rp_sb_printf(b, "%" PRId64, v);
    else
        rp_sb_printf(b, "INT64_C(%" PRId64 ")", v);
}

void emit_int_lit(rp_strbuf *b, bool is_signed, rp_ast_int v)
{
    if (is_signed)
        emit_i64_lit(b, rp_ast_int_as_i64(v));
    else
        emit_u64_lit(b, v.mag);
}

void emit_int_text(rp_strbuf *b, rp_ast_int v)
{
    rp_sb_printf(b, "%s%" PRIu64, v.neg ? "-" : "", v.mag);
}

/* ---- types ---------------------------------------------------------------------------------- */

char *emit_field_ctype(const emit_ctx *cx, const rp_ast_field *f)
{
    if (f->type.ref != NULL)
        return rp_cname_decl(&cx->names, f->type.ref, RP_CN_TYPE);
    return rp_xstrdup(rp_ast_scalar_c_type(f->type.scalar));
}

bool emit_enum_is_c_enum(const rp_ast_decl *d)
{
    return d->kind == RP_DECL_ENUM && d->u.enm.c_enum;
}

/* ---- rule texts ------------------------------------------------------------------------------ */

void emit_json_string(rp_strbuf *b, const char *s)
{
    rp_sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            rp_sb_printf(b, "\\%c", *p);
        else if (*p == '\n')
            rp_sb_puts(b, "\\n");
        else if (*p == '\r')
            rp_sb_puts(b, "\\r");
        else if (*p == '\t')
            rp_sb_puts(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            rp_sb_printf(b, "\\u%04x", *p);
        else
            rp_sb_putc(b, (char)*p);
    }
    rp_sb_putc(b, '"');
}

void emit_expect_enum(rp_strbuf *b, const rp_ast_decl *enm)
{
    rp_sb_printf(b, "%s %s value (", strchr("AEIOUaeiou", enm->name[0]) != NULL ? "an" : "a", enm->name);
    for (size_t i = 0; i < enm->u.enm.value_count; i++) {
        if (i > 0)
            rp_sb_puts(b, ", ");
        if (enm->u.enm.values[i].text != NULL)
            emit_json_string(b, enm->u.enm.values[i].text);
        else
            emit_int_text(b, enm->u.enm.values[i].value);
    }
    rp_sb_puts(b, ")");
}

void emit_double_text(rp_strbuf *b, double v)
{
    char buf[RP_JSON_DOUBLE_MAX];
    size_t n = rp_json_format_double(v, buf, sizeof buf);
    rp_sb_puts(b, n > 0 ? buf : "0");
}

void emit_double_lit(rp_strbuf *b, double v)
{
    char buf[RP_JSON_DOUBLE_MAX];
    size_t n = rp_json_format_double(v, buf, sizeof buf);
    rp_sb_puts(b, n > 0 ? buf : "0");
    if (n == 0 || strpbrk(buf, ".e") == NULL)
        rp_sb_puts(b, ".0");
}

void emit_expect_pattern(rp_strbuf *b, const char *pattern)
{
    rp_sb_printf(b, "a match of pattern \"%s\"", pattern);
}

uint64_t emit_expect_flags(rp_strbuf *b, const rp_ast_decl *flags)
{
    uint64_t all = 0;
    for (size_t i = 0; i < flags->u.enm.value_count; i++)
        all |= flags->u.enm.values[i].value.mag;
    rp_sb_printf(b, "%s bits only (mask %" PRIu64 ")", flags->name, all);
    return all;
}

void emit_expect_const(rp_strbuf *b, const rp_ast_value *v)
{
    if (v->kind == RP_VALUE_ENUM && v->enum_value != NULL && v->enum_value->text != NULL) {
        rp_sb_printf(b, "%s (", v->ident);
        emit_json_string(b, v->enum_value->text);
        rp_sb_putc(b, ')');
    } else if (v->kind == RP_VALUE_FLOAT) {
        emit_double_text(b, v->f);
    } else if (v->kind == RP_VALUE_ENUM) {
        rp_sb_printf(b, "%s (", v->ident);
        emit_int_text(b, v->i);
        rp_sb_puts(b, ")");
    } else if (v->kind == RP_VALUE_INT) {
        emit_int_text(b, v->i);
    } else if (v->kind == RP_VALUE_BOOL) {
        rp_sb_puts(b, v->b ? "true" : "false");
    } else {
        emit_json_string(b, v->str != NULL ? v->str : "");
    }
}

void emit_expect_range(rp_strbuf *b, const rp_ast_attrs *a)
{
    if (a->range_float) {
        if (a->has_lo && a->has_hi) {
            rp_sb_puts(b, "a value in ");
            emit_double_text(b, a->flo);
            rp_sb_puts(b, "..");
            emit_double_text(b, a->fhi);
        } else if (a->has_lo) {
            rp_sb_puts(b, "a value >= ");
            emit_double_text(b, a->flo);
        } else {
            rp_sb_puts(b, "a value <= ");
            emit_double_text(b, a->fhi);
        }
        return;
    }
    if (a->has_lo && a->has_hi) {
        rp_sb_puts(b, "a value in ");
        emit_int_text(b, a->lo);
        rp_sb_puts(b, "..");
        emit_int_text(b, a->hi);
    } else if (a->has_lo) {
        rp_sb_puts(b, "a value >= ");
        emit_int_text(b, a->lo);
    } else {
        rp_sb_puts(b, "a value <= ");
        emit_int_text(b, a->hi);
    }
}

void emit_expect_one_of(rp_strbuf *b, const rp_ast_attrs *a)
{
    rp_sb_puts(b, "one of {");
    for (size_t i = 0; i < a->one_of_count; i++) {
        if (i > 0)
            rp_sb_puts(b, ", ");
        emit_int_text(b, a->one_of[i]);
    }
    rp_sb_puts(b, "}");
}

void emit_expect_len(rp_strbuf *b, const rp_ast_len *l)
{
    if (l->set != NULL) {
        rp_sb_puts(b, "one of {");
        for (size_t i = 0; i < l->set_count; i++)
            rp_sb_printf(b, "%s%" PRIu64, i > 0 ? ", " : "", l->set[i]);
        rp_sb_puts(b, "}");
    } else if (l->has_min && l->has_max && l->min == l->max) {
        rp_sb_printf(b, "%" PRIu64, l->min);
    } else if (l->has_min && l->has_max) {
        rp_sb_printf(b, "%" PRIu64 "..%" PRIu64, l->min, l->max);
    } else if (l->has_min) {
        rp_sb_printf(b, ">= %" PRIu64, l->min);
    } else {
        rp_sb_printf(b, "<= %" PRIu64, l->max);
    }
}

void emit_expect_charset(rp_strbuf *b, const rp_ast_decl *charset)
{
    rp_sb_printf(b, "characters of charset %s (%s)", charset->name, charset->u.charset.text);
}

static void emit_after_dependencies(emit_ctx *cx, const rp_ast_decl *d,
                                    void (*emit)(emit_ctx *cx, const rp_ast_decl *d))
{
    if (cx->done[d->index])
        return;
    cx->done[d->index] = true;
    if (d->kind == RP_DECL_ARRAY) {
        if (d->u.array.element.ref != NULL)
            emit_after_dependencies(cx, d->u.array.element.ref, emit);
    } else {
        for (size_t i = 0; i < d->u.message.field_count; i++) {
            const rp_ast_decl *ref = d->u.message.fields[i].type.ref;
            if (ref != NULL && ref->kind == RP_DECL_MESSAGE)
                emit_after_dependencies(cx, ref, emit);
        }
    }
    emit(cx, d);
    emit_spill(cx);
}

void emit_each_message_in_dependency_order(emit_ctx *cx,
                                           void (*emit)(emit_ctx *cx, const rp_ast_decl *d))
{
    memset(cx->done, 0, cx->spec->decl_count * sizeof *cx->done);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (d->kind == RP_DECL_MESSAGE || d->kind == RP_DECL_ARRAY)
            emit_after_dependencies(cx, d, emit);
    }
}
