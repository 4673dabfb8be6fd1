/* validate.c — `rprotoc validate`: the AST turned into rp_schema descriptions at run time.
 *
 * Layout of an interpreted message (our own, not a C compiler's): every field gets a slot
 * aligned to 8 bytes — integers are stored as 8 bytes whatever their wire width (the
 * engine checks the width separately), strings and bytes as rp_str / rp_bytes, nested
 * messages inline, repeated fields as max_count items followed by a size_t count — and the
 * has_ flags follow as one byte each.
 */
#include "validate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_util.h"
#include "regex.h"
#include "rp_schema.h"
#include "source.h"

/* Everything allocated for one run, freed together. */
typedef struct builder {
    const rp_ast_spec *spec;
    rp_schema_message **built; /* per spec->decls index, NULL until built */
    void **owned;
    size_t owned_count, owned_cap;
} builder;

static void *own(builder *b, void *p)
{
    void **slot = rp_xpush(&b->owned, &b->owned_count, &b->owned_cap, sizeof *b->owned);
    *slot = p;
    return p;
}

static char *own_text(builder *b, rp_strbuf *sb)
{
    return own(b, rp_sb_take(sb));
}

static size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

static rp_spec_loc loc_of(const rp_ast_span *s)
{
    rp_spec_loc l = { s->file, s->line, s->col };
    return l;
}

static bool field_signed(const rp_ast_field *f)
{
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    return k != RP_SCALAR_NONE && rp_ast_scalar_is_signed(k);
}

/* Fills r->*lo/hi from an AST integer for a signed or unsigned field. */
static void set_num(rp_schema_rule *r, bool sg, bool lo, rp_ast_int v)
{
    if (lo) {
        r->i_lo = sg ? rp_ast_int_as_i64(v) : 0;
        r->u_lo = sg ? 0 : v.mag;
    } else {
        r->i_hi = sg ? rp_ast_int_as_i64(v) : 0;
        r->u_hi = sg ? 0 : v.mag;
    }
}

static void len_rule(builder *b, rp_schema_rule *r, rp_schema_rule_kind kind, const rp_ast_len *l)
{
    rp_strbuf e = { 0 };
    emit_expect_len(&e, l);
    r->kind = kind;
    r->loc = loc_of(&l->span);
    r->expect = own_text(b, &e);
    if (l->set != NULL) {
        r->u_set = l->set; /* owned by the AST, which outlives the run */
        r->set_count = l->set_count;
    } else {
        r->has_lo = l->has_min;
        r->u_lo = l->min;
        r->has_hi = l->has_max;
        r->u_hi = l->max;
    }
}

static const rp_schema_message *build(builder *b, const rp_ast_decl *d);

/* The rules of one field, in the order the emitter writes them. */
static void build_rules(builder *b, const rp_ast_field *f, rp_schema_field *sf)
{
    rp_schema_rule *rules = own(b, rp_xcalloc(12, sizeof *rules));
    size_t n = 0;
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    bool sg = field_signed(f);
    if (ref != NULL && (ref->kind == RP_DECL_ENUM || ref->kind == RP_DECL_FLAGS)) {
        rp_schema_rule *r = &rules[n++];
        rp_strbuf e = { 0 };
        r->loc = loc_of(&f->type.span);
        if (rp_ast_decl_is_string_enum(ref)) {
            emit_expect_enum(&e, ref);
            r->kind = RP_RULE_ENUM;
            r->set_count = ref->u.enm.value_count;
            const char **names = own(b, rp_xcalloc(r->set_count + 1, sizeof *names));
            for (size_t i = 0; i < r->set_count; i++)
                names[i] = ref->u.enm.values[i].text;
            r->str_set = names;
        } else if (ref->kind == RP_DECL_ENUM) {
            emit_expect_enum(&e, ref);
            r->kind = RP_RULE_ENUM;
            r->set_count = ref->u.enm.value_count;
            if (sg) {
                int64_t *set = own(b, rp_xcalloc(r->set_count + 1, sizeof *set));
                for (size_t i = 0; i < r->set_count; i++)
                    set[i] = rp_ast_int_as_i64(ref->u.enm.values[i].value);
                r->i_set = set;
            } else {
                uint64_t *set = own(b, rp_xcalloc(r->set_count + 1, sizeof *set));
                for (size_t i = 0; i < r->set_count; i++)
                    set[i] = ref->u.enm.values[i].value.mag;
                r->u_set = set;
            }
        } else {
            r->kind = RP_RULE_FLAGS;
            r->has_hi = true;
            r->u_hi = emit_expect_flags(&e, ref);
        }
        r->expect = own_text(b, &e);
    }
    if (a->const_value.kind != RP_VALUE_NONE) {
        rp_schema_rule *r = &rules[n++];
        rp_strbuf e = { 0 };
        emit_expect_const(&e, &a->const_value);
        r->kind = RP_RULE_CONST;
        r->loc = loc_of(&a->const_value.span);
        r->expect = own_text(b, &e);
        if (a->const_value.kind == RP_VALUE_STRING)
            r->str = a->const_value.str;
        else if (a->const_value.kind == RP_VALUE_ENUM && a->const_value.enum_value != NULL &&
                 a->const_value.enum_value->text != NULL) {
            r->u_lo = a->const_value.i.mag;
            r->str = a->const_value.enum_value->text;
        }
        else if (a->const_value.kind == RP_VALUE_BOOL)
            r->u_lo = a->const_value.b ? 1u : 0u;
        else
            set_num(r, sg, true, a->const_value.i);
    }
    if (a->has_range) {
        rp_schema_rule *r = &rules[n++];
        rp_strbuf e = { 0 };
        emit_expect_range(&e, a);
        r->kind = RP_RULE_RANGE;
        r->loc = loc_of(&a->range_span);
        r->expect = own_text(b, &e);
        r->has_lo = a->has_lo;
        r->has_hi = a->has_hi;
        if (a->range_float) {
            r->f_lo = a->flo;
            r->f_hi = a->fhi;
        } else {
            if (a->has_lo)
                set_num(r, sg, true, a->lo);
            if (a->has_hi)
                set_num(r, sg, false, a->hi);
        }
    }
    if (a->one_of_count > 0) {
        rp_schema_rule *r = &rules[n++];
        rp_strbuf e = { 0 };
        emit_expect_one_of(&e, a);
        r->kind = RP_RULE_ONE_OF;
        r->loc = loc_of(&a->one_of_span);
        r->expect = own_text(b, &e);
        r->set_count = a->one_of_count;
        if (sg) {
            int64_t *set = own(b, rp_xcalloc(r->set_count, sizeof *set));
            for (size_t i = 0; i < r->set_count; i++)
                set[i] = rp_ast_int_as_i64(a->one_of[i]);
            r->i_set = set;
        } else {
            uint64_t *set = own(b, rp_xcalloc(r->set_count, sizeof *set));
            for (size_t i = 0; i < r->set_count; i++)
                set[i] = a->one_of[i].mag;
            r->u_set = set;
        }
    }
    if (a->len.present)
        len_rule(b, &rules[n++], RP_RULE_LEN, &a->len);
    if (a->charset != NULL) {
        rp_schema_rule *r = &rules[n++];
        rp_strbuf e = { 0 };
        emit_expect_charset(&e, a->charset);
        r->kind = RP_RULE_CHARSET;
        r->loc = loc_of(&a->charset_span);
        r->expect = own_text(b, &e);
        r->charset = a->charset->u.charset.allowed;
    }
    if (a->pattern_re != NULL) {
        rp_schema_rule *r = &rules[n++];
        rp_schema_pattern *pt = own(b, rp_xcalloc(1, sizeof *pt));
        rp_strbuf e = { 0 };
        emit_expect_pattern(&e, a->pattern);
        pt->byte_class = a->pattern_re->byte_class; /* owned by the AST, which outlives the run */
        pt->next = a->pattern_re->next;
        pt->accept = a->pattern_re->accept;
        pt->states = a->pattern_re->states;
        pt->classes = a->pattern_re->classes;
        pt->source = a->pattern;
        r->kind = RP_RULE_PATTERN;
        r->loc = loc_of(&a->pattern_span);
        r->expect = own_text(b, &e);
        r->pattern = pt;
    }
    if ((f->label == RP_LABEL_REPEATED || f->type.is_map) && a->count.present)
        len_rule(b, &rules[n++], RP_RULE_COUNT, &a->count);
    if (a->key_len.present)
        len_rule(b, &rules[n++], RP_RULE_KEY_LEN, &a->key_len);
    if (a->key_charset != NULL) {
        rp_schema_rule *r = &rules[n++];
        rp_strbuf e = { 0 };
        emit_expect_charset(&e, a->key_charset);
        r->kind = RP_RULE_KEY_CHARSET;
        r->loc = loc_of(&a->key_charset_span);
        r->expect = own_text(b, &e);
        r->charset = a->key_charset->u.charset.allowed;
    }
    sf->rules = rules;
    sf->rule_count = n;
}

/* Storage size of one value of field f in our layout. */
static size_t value_size(builder *b, const rp_ast_field *f, rp_schema_field *sf)
{
    if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE) {
        sf->type = RP_SCHEMA_MESSAGE;
        sf->message = build(b, f->type.ref);
        return align8(sf->message->size);
    }
    if (rp_ast_decl_is_string_enum(f->type.ref)) {
        sf->type = RP_SCHEMA_STRENUM;
        sf->kind = &rp_schema_kind_strenum;
        return 8;
    }
    if (f->type.scalar == RP_SCALAR_FLOAT64) {
        sf->type = RP_SCHEMA_FLOAT64;
        sf->kind = &rp_schema_kind_float64;
        return 8;
    }
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    if (k != RP_SCALAR_NONE) {
        sf->type = rp_ast_scalar_is_signed(k) ? RP_SCHEMA_INT : RP_SCHEMA_UINT;
        sf->bits = (uint8_t)rp_ast_scalar_bits(k);
        return 8;
    }
    switch (f->type.scalar) {
    case RP_SCALAR_BOOL:
        sf->type = RP_SCHEMA_BOOL;
        return 8;
    case RP_SCALAR_BYTES:
        sf->type = f->attrs.encoding == RP_BYTES_HEX ? RP_SCHEMA_HEX : RP_SCHEMA_BASE64;
        return align8(sizeof(rp_bytes));
    default:
        sf->type = RP_SCHEMA_STRING;
        return align8(sizeof(rp_str));
    }
}

static void build_default(const rp_ast_field *f, rp_schema_field *sf)
{
    const rp_ast_value *v = &f->attrs.default_value;
    if (v->kind == RP_VALUE_NONE)
        return;
    sf->has_default = true;
    if (v->kind == RP_VALUE_BOOL)
        sf->def_u = v->b ? 1u : 0u;
    else if (v->kind == RP_VALUE_STRING)
        sf->def_str = v->str;
    else if (v->kind == RP_VALUE_FLOAT)
        sf->def_f = v->f;
    else if (field_signed(f))
        sf->def_i = rp_ast_int_as_i64(v->i);
    else
        sf->def_u = v->i.mag;
}

static const rp_schema_message *build(builder *b, const rp_ast_decl *d)
{
    if (b->built[d->index] != NULL)
        return b->built[d->index];
    rp_schema_message *m = own(b, rp_xcalloc(1, sizeof *m));
    b->built[d->index] = m;
    m->name = d->name;
    m->loc = loc_of(&d->name_span);
    m->max_depth = rp_ast_decode_depth(b->spec, d);
    size_t off = 0;
    if (d->kind == RP_DECL_ARRAY) {
        rp_schema_field *f = own(b, rp_xcalloc(1, sizeof *f));
        rp_schema_rule *r = own(b, rp_xcalloc(1, sizeof *r));
        f->key = "";
        f->name = "items";
        f->type = RP_SCHEMA_MESSAGE;
        f->message = build(b, d->u.array.element.ref);
        f->size = align8(f->message->size);
        f->required = true;
        f->repeated = true;
        f->max_count = (size_t)d->u.array.len.max;
        f->offset = 0;
        f->has_offset = SIZE_MAX;
        f->count_offset = f->size * f->max_count;
        len_rule(b, r, RP_RULE_COUNT, &d->u.array.len);
        f->rules = r;
        f->rule_count = 1;
        f->loc = loc_of(&d->name_span);
        m->fields = f;
        m->field_count = 1;
        m->is_array = true;
        m->size = f->count_offset + sizeof(size_t);
        return m;
    }
    const rp_ast_message *am = &d->u.message;
    rp_schema_field *fields = own(b, rp_xcalloc(am->field_count + 1, sizeof *fields));
    for (size_t i = 0; i < am->field_count; i++) {
        const rp_ast_field *f = &am->fields[i];
        rp_schema_field *sf = &fields[i];
        sf->key = f->wire_key;
        sf->key_len = strlen(f->wire_key);
        sf->name = f->c_name;
        sf->required = rp_ast_field_is_required(f);
        sf->loc = loc_of(&f->span);
        size_t vs = value_size(b, f, sf);
        sf->size = vs;
        sf->offset = off;
        if (f->type.is_map) {
            /* entries: an rp_str key, then the value slot */
            sf->repeated = true;
            sf->map = &rp_schema_kind_map;
            sf->value_offset = align8(sizeof(rp_str));
            sf->entry_size = sf->value_offset + vs;
            sf->max_count = (size_t)f->attrs.count.max;
            off += sf->entry_size * sf->max_count;
            sf->count_offset = off;
            off += sizeof(size_t);
        } else if (f->label == RP_LABEL_REPEATED) {
            sf->repeated = true;
            sf->max_count = (size_t)f->attrs.count.max;
            off += vs * sf->max_count;
            sf->count_offset = off;
            off += sizeof(size_t);
        } else {
            off += vs;
        }
        build_rules(b, f, sf);
        build_default(f, sf);
        rp_ast_relax_masks(b->spec, f, &sf->relax_optional, &sf->relax_zero_absent);
    }
    for (size_t i = 0; i < am->field_count; i++)
        fields[i].has_offset = off + i;
    for (size_t i = 0; i < am->field_count; i++) /* null flags after the presence flags */
        if (am->fields[i].attrs.nullable) {
            m->has_nullable = true;
            fields[i].nullable = true;
            fields[i].null_offset = off + am->field_count + i;
        }
    m->fields = fields;
    m->field_count = am->field_count;
    m->reject_unknown = am->unknown_keys == RP_UNKNOWN_REJECT;
    if (am->unknown_keys_set)
        m->loc = loc_of(&am->unknown_keys_span);
    m->size = align8(off + 2 * am->field_count + 1);
    return m;
}

/* ---- reporting ---------------------------------------------------------------------------- */

/* One run: the descriptions (built once, used for every document) and how to report. */
typedef struct validator {
    builder b;
    const rp_schema_message *m;
    const rp_schema_profile *profile; /* NULL: strict */
    rp_validate_format format;
    FILE *out;
    size_t documents, invalid, problems;
} validator;

/* Where the problems of one document are reported. */
typedef struct report_ctx {
    validator *v;
    const char *input;
    size_t line; /* 1-based line of an NDJSON document; 0 for a whole file */
} report_ctx;

/* Writes s as a JSON string: quotes, escapes for '"', '\\' and control bytes. A string that
 * is not UTF-8 (it cannot come from the engine, which checked the text) gets its high bytes
 * as \u00XX escapes, so the output is JSON whatever happens. */
static void json_string(FILE *out, const char *s)
{
    size_t n = strlen(s);
    bool utf8 = rp_json_check_utf8(s, n, 0, NULL) == 0;
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* One problem as a text line; what it quotes from the document (a path, a value) is
 * rendered printable (rp_diag_put_printable), so it cannot act on the terminal. */
static void report_text(const report_ctx *rc, const rp_error *e)
{
    rp_strbuf b = { 0 };
    const char *path = e->path[0] != '\0' ? e->path : "$";
    rp_diag_put_printable(&b, rc->input, strlen(rc->input));
    if (rc->line > 0)
        rp_sb_printf(&b, ":%zu", rc->line);
    rp_sb_puts(&b, ": ");
    rp_diag_put_printable(&b, path, strlen(path));
    if (e->offset != SIZE_MAX)
        rp_sb_printf(&b, ": offset %zu", e->offset);
    rp_sb_puts(&b, ": ");
    rp_diag_put_printable(&b, e->message, strlen(e->message));
    if (e->spec.file != NULL) {
        rp_sb_puts(&b, " (");
        rp_diag_put_printable(&b, e->spec.file, strlen(e->spec.file));
        rp_sb_printf(&b, ":%" PRIu32 ":%" PRIu32 ")", e->spec.line, e->spec.column);
    }
    rp_sb_printf(&b, " [%s]\n", rp_status_name(e->code));
    fputs(b.s, rc->v->out);
    free(b.s);
}

static void report_json(const report_ctx *rc, const rp_error *e)
{
    FILE *out = rc->v->out;
    fputs("{\"kind\":\"problem\",\"input\":", out);
    json_string(out, rc->input);
    if (rc->line > 0)
        fprintf(out, ",\"line\":%zu", rc->line);
    fputs(",\"path\":", out);
    json_string(out, e->path[0] != '\0' ? e->path : "$");
    if (e->offset != SIZE_MAX)
        fprintf(out, ",\"offset\":%zu", e->offset);
    else
        fputs(",\"offset\":null", out);
    fprintf(out, ",\"code\":\"%s\",\"layer\":\"%s\",\"message\":", rp_status_name(e->code),
            e->layer == RP_LAYER_JSON ? "json" : "schema");
    json_string(out, e->message);
    if (e->spec.file != NULL) {
        fputs(",\"spec\":{\"file\":", out);
        json_string(out, e->spec.file);
        fprintf(out, ",\"line\":%" PRIu32 ",\"column\":%" PRIu32 "}", e->spec.line, e->spec.column);
    } else {
        fputs(",\"spec\":null", out);
    }
    fputs("}\n", out);
}

static void report_line(void *ctx, const rp_error *e)
{
    const report_ctx *rc = ctx;
    if (rc->v->format == RP_VALIDATE_FORMAT_JSON)
        report_json(rc, e);
    else
        report_text(rc, e);
}

/* Builds the descriptions of `message`; false (and a line on diag) when it is not a
 * message or array of the spec. */
static bool validator_start(validator *v, const rp_ast_spec *spec, const char *message,
                            const rp_schema_profile *profile, rp_validate_format format, FILE *out,
                            FILE *diag)
{
    memset(v, 0, sizeof *v);
    const rp_ast_decl *d = rp_ast_find_decl(spec, message);
    if (d == NULL || (d->kind != RP_DECL_MESSAGE && d->kind != RP_DECL_ARRAY)) {
        if (diag != NULL) {
            fprintf(diag, "rprotoc: error: '%s' is not a message or array of the spec; it has:", message);
            for (size_t i = 0; i < spec->decl_count; i++)
                if (spec->decls[i]->kind == RP_DECL_MESSAGE || spec->decls[i]->kind == RP_DECL_ARRAY)
                    fprintf(diag, " %s", spec->decls[i]->name);
            fputc('\n', diag);
        }
        return false;
    }
    v->b.spec = spec;
    v->b.built = rp_xcalloc(spec->decl_count + 1, sizeof(rp_schema_message *));
    v->m = build(&v->b, d);
    v->profile = profile;
    v->format = format;
    v->out = out;
    return true;
}

static void validator_end(validator *v)
{
    for (size_t i = 0; i < v->b.owned_count; i++)
        free(v->b.owned[i]);
    free(v->b.owned);
    free(v->b.built);
}

/* Checks one document; returns its number of problems. */
static int check_document(validator *v, const char *json, size_t len, const char *input, size_t line)
{
    void *msg = rp_xcalloc(1, v->m->size);
    /* Strings are at most as long as the input; decoded bytes shorter; escapes only shrink. */
    size_t cap = 3 * len + 1024;
    void *mem = rp_xmalloc(cap);
    rp_arena arena;
    rp_arena_init(&arena, mem, cap);
    report_ctx rc = { v, input, line };
    int n = rp_schema_check_all(v->m, json, len, msg, &arena, v->profile, report_line, &rc);
    if (n < 0)
        n = 1; /* storage ran out: reported as a problem already */
    free(mem);
    free(msg);
    v->documents++;
    if (n > 0) {
        v->invalid++;
        v->problems += (size_t)n;
    }
    return n;
}

/* Checks every non-blank line of text[0..len) as one document. */
static int check_lines(validator *v, const char *text, size_t len, const char *input)
{
    int total = 0;
    size_t line = 1;
    for (size_t start = 0; start < len; line++) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        bool blank = true;
        for (size_t k = start; k < end && blank; k++)
            blank = text[k] == ' ' || text[k] == '\t' || text[k] == '\r';
        if (!blank)
            total += check_document(v, text + start, end - start, input, line);
        start = end + 1;
    }
    return total;
}

int rp_validate_json(const rp_ast_spec *spec, const char *message, const char *json, size_t len,
                     const char *input_name, const rp_schema_profile *profile, FILE *out,
                     FILE *diag)
{
    validator v;
    if (!validator_start(&v, spec, message, profile, RP_VALIDATE_FORMAT_TEXT, out, diag))
        return -1;
    int n = check_document(&v, json, len, input_name, 0);
    validator_end(&v);
    return n;
}

/* ---- the subcommand --------------------------------------------------------------------------- */

/* The rp_schema_profile of the spec's profile `name` (settings of its bases resolved by
 * the checker; relax bits are in the fields). false, with the spec's profiles on diag,
 * when there is none of that name. */
static bool profile_from_spec(const rp_ast_spec *spec, const char *name, rp_schema_profile *out,
                              FILE *diag)
{
    for (size_t i = 0; i < spec->profile_count; i++) {
        const rp_ast_decl *d = spec->profiles[i];
        if (strcmp(d->name, name) != 0)
            continue;
        const rp_ast_profile *p = &d->u.profile;
        rp_schema_profile r = {
            .name = d->name,
            .index = (unsigned)p->index,
            .trailing_ignore = p->trailing_ignore != 0,
            .float_truncate = p->float_truncate != 0,
            .string_numbers_absent = p->string_numbers_absent != 0,
            .duplicate_keys = p->duplicate_keys == RP_AST_DUPLICATES_LAST    ? RP_DUPLICATES_LAST
                              : p->duplicate_keys == RP_AST_DUPLICATES_FIRST ? RP_DUPLICATES_FIRST
                                                                             : RP_DUPLICATES_REJECT,
            .null_absent = p->null_absent != 0,
            .base64_lenient = p->base64_lenient != 0,
        };
        *out = r;
        return true;
    }
    fprintf(diag, "rprotoc: error: '%s' is not a profile of the spec; it has:", name);
    for (size_t i = 0; i < spec->profile_count; i++)
        fprintf(diag, " %s", spec->profiles[i]->name);
    fputs(spec->profile_count == 0 ? " none\n" : "\n", diag);
    return false;
}

/* --help: the usage on stdout. */
static void validate_help(void)
{
    fputs("usage: rprotoc validate [--wire | --profile NAME] [--ndjson] [--format text|json]\n"
          "                        [--max-input SIZE] [-I DIR]... [--] SPEC MESSAGE [FILE|-]...\n"
          "Checks JSON documents (each FILE, or stdin when FILE is '-' or none is given) against\n"
          "the message or array type MESSAGE of SPEC, in strict RFC 8259 mode, and reports every\n"
          "problem of every document.\n"
          "  --profile NAME  decode with the spec's `profile NAME` (its leniencies and relaxes)\n"
          "  --wire          every leniency a profile can name: trailing bytes ignored, fractions\n"
          "                  truncated, strings in number fields and null read as absent, the last\n"
          "                  of duplicate keys wins, base64 skips bytes outside its alphabet;\n"
          "                  not with --profile (a usage error)\n"
          "  --ndjson        each non-blank line is one document (also for files named *.ndjson\n"
          "                  or *.jsonl); lines are numbered in the report\n"
          "  --format text   (default) one line per problem:\n"
          "                    INPUT[:LINE]: PATH: offset N: expected ..., got ... (SPEC:LINE:COL) [code]\n"
          "  --format json   one JSON object per line: per problem {\"kind\":\"problem\", \"input\",\n"
          "                  \"line\" (NDJSON only), \"path\", \"offset\" (null if unknown), \"code\",\n"
          "                  \"layer\", \"message\", \"spec\" ({file, line, column} or null)}; per input\n"
          "                  that cannot be read {\"kind\":\"unreadable\", \"input\", \"message\"} (and\n"
          "                  the error line on stderr); then one {\"kind\":\"summary\", \"documents\",\n"
          "                  \"invalid\", \"problems\", \"unreadable\"}\n"
          "  --max-input SIZE  the most bytes read of one input (default 64M; K, M, G suffixes):\n"
          "                  a larger input is an I/O error (exit 2), the others are still checked\n"
          "Exit status: 0 every document valid, 1 problems found, 2 usage, I/O or spec errors\n"
          "(2 wins: the other inputs are still checked).\n",
          stdout);
}

#define usage_error(...) rp_diag_usage_error("rprotoc validate", __VA_ARGS__)

/* The most bytes of one input `validate` reads unless --max-input says otherwise: checking
 * a document holds about four times its size (the text, and storage for what it decodes),
 * so this bounds what one input can take. */
#define DEFAULT_MAX_INPUT ((size_t)64 << 20)
/* Far below what would overflow the storage size of check_document (3 * len + 1024). */
#define MAX_MAX_INPUT (SIZE_MAX / 8)

/* Parses --max-input's SIZE: a number of bytes with an optional K, M or G (KiB, MiB, GiB)
 * suffix, at least 1 and at most MAX_MAX_INPUT. */
static bool parse_size(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift > 0)
        end++;
    if (errno != 0 || *end != '\0' || v == 0 || v > (unsigned long long)(MAX_MAX_INPUT >> shift))
        return false;
    *out = (size_t)v << shift;
    return true;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

int rp_validate_main(int argc, char **argv)
{
    const char **pos = rp_xcalloc((size_t)argc + 1, sizeof *pos);
    size_t npos = 0;
    const char **inc = rp_xcalloc((size_t)argc + 1, sizeof *inc);
    size_t ninc = 0;
    /* --wire: every leniency a profile can name, without relaxes; --profile: a spec's own */
    static const rp_schema_profile every_leniency = { "--wire", 0, true, true, true, true, true, true };
    const rp_schema_profile *profile = NULL;
    const char *profile_name = NULL;
    rp_validate_format format = RP_VALIDATE_FORMAT_TEXT;
    bool ndjson = false, options_done = false;
    size_t max_input = DEFAULT_MAX_INPUT;
    int rc = -1;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        /* the value of an option that takes one: "--opt=V", or the next argument */
        const char *eq = strchr(a, '=');
        bool has_next = i + 1 < argc;
        if (options_done || a[0] != '-' || a[1] == '\0')
            pos[npos++] = a;
        else if (strcmp(a, "--") == 0)
            options_done = true;
        else if (strcmp(a, "--wire") == 0)
            profile = &every_leniency;
        else if (strcmp(a, "--profile") == 0 || strncmp(a, "--profile=", 10) == 0) {
            profile_name = eq != NULL ? eq + 1 : has_next ? argv[++i] : NULL;
            if (profile_name == NULL || profile_name[0] == '\0')
                rc = usage_error("option '--profile' needs the name of a profile of the spec");
        }
        else if (strcmp(a, "--ndjson") == 0)
            ndjson = true;
        else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            const char *f = eq != NULL ? eq + 1 : has_next ? argv[++i] : NULL;
            if (f == NULL)
                rc = usage_error("option '--format' needs an argument: text or json");
            else if (strcmp(f, "json") == 0)
                format = RP_VALIDATE_FORMAT_JSON;
            else if (strcmp(f, "text") == 0)
                format = RP_VALIDATE_FORMAT_TEXT;
            else
                rc = usage_error("--format takes 'text' or 'json', not '%s'", f);
        } else if (strcmp(a, "--max-input") == 0 || strncmp(a, "--max-input=", 12) == 0) {
            const char *m = eq != NULL ? eq + 1 : has_next ? argv[++i] : NULL;
            if (m == NULL)
                rc = usage_error("option '--max-input' needs a size in bytes (K, M, G suffixes)");
            else if (!parse_size(m, &max_input))
                rc = usage_error("--max-input takes a size from 1 byte, e.g. 1048576 or 64M, not '%s'", m);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            rc = (validate_help(), 0);
        else if (strcmp(a, "-I") == 0) {
            if (has_next)
                inc[ninc++] = argv[++i];
            else
                rc = usage_error("option '-I' needs an argument");
        } else if (strncmp(a, "-I", 2) == 0)
            inc[ninc++] = a + 2;
        else
            rc = usage_error("unknown option '%s'", a);
    }
    if (rc < 0 && profile != NULL && profile_name != NULL)
        rc = usage_error("options '--wire' and '--profile' cannot be used together: choose one");
    if (rc < 0 && npos < 2)
        rc = usage_error("%s", npos == 0 ? "no spec file given" : "no MESSAGE given: the message or array the documents are checked against");
    if (rc >= 0) {
        free(inc);
        free(pos);
        return rc == 0 && !rp_diag_flush_stdout() ? 2 : rc; /* --help */
    }
    rp_diag *diag = rp_diag_new();
    rp_frontend_opts opts = { inc, ninc };
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_file(diag, pos[0], &opts, &spec);
    rp_diag_print(diag, stderr);
    rp_diag_free(diag);
    rp_schema_profile named;
    if (st == RP_FRONTEND_OK && profile_name != NULL) {
        if (!profile_from_spec(spec, profile_name, &named, stderr))
            st = RP_FRONTEND_SPEC_ERROR;
        profile = &named;
    }
    validator v;
    if (st != RP_FRONTEND_OK || !validator_start(&v, spec, pos[1], profile, format, stdout, stderr)) {
        rp_ast_free(spec);
        free(inc);
        free(pos);
        return 2;
    }
    static const char *const stdin_only[] = { "-" };
    const char *const *inputs = npos > 2 ? pos + 2 : stdin_only;
    size_t ninputs = npos > 2 ? npos - 2 : 1;
    size_t unreadable = 0;
    for (size_t k = 0; k < ninputs; k++) {
        const char *input = inputs[k];
        size_t len = 0;
        char *json;
        if (strcmp(input, "-") == 0) {
            json = rp_source_read_stream(stdin, max_input, &len);
        } else {
            FILE *f = fopen(input, "rb");
            json = f != NULL ? rp_source_read_stream(f, max_input, &len) : NULL;
            int e = errno;
            if (f != NULL)
                fclose(f);
            errno = e;
        }
        if (json == NULL) {
            char why[160];
            rp_source_read_reason(errno, max_input, "the --max-input limit", why, sizeof why);
            rp_strbuf name = { 0 }; /* the name as the text report prints it: inert on a terminal */
            rp_diag_put_printable(&name, input, strlen(input));
            fprintf(stderr, "rprotoc: error: cannot read '%s': %s\n", name.s, why);
            free(name.s);
            if (format == RP_VALIDATE_FORMAT_JSON) { /* a record in order with the others */
                fputs("{\"kind\":\"unreadable\",\"input\":", stdout);
                json_string(stdout, input);
                fputs(",\"message\":", stdout);
                json_string(stdout, why);
                fputs("}\n", stdout);
            }
            unreadable++;
            continue;
        }
        if (ndjson || ends_with(input, ".ndjson") || ends_with(input, ".jsonl"))
            check_lines(&v, json, len, input);
        else
            check_document(&v, json, len, input, 0);
        free(json);
    }
    if (format == RP_VALIDATE_FORMAT_JSON)
        fprintf(stdout,
                "{\"kind\":\"summary\",\"documents\":%zu,\"invalid\":%zu,\"problems\":%zu,\"unreadable\":%zu}\n",
                v.documents, v.invalid, v.problems, unreadable);
    rc = unreadable > 0 ? 2 : v.invalid > 0 ? 1 : 0;
    validator_end(&v);
    rp_ast_free(spec);
    free(inc);
    free(pos);
    if (!rp_diag_flush_stdout())
        rc = 2;
    return rc;
}
