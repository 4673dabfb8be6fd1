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
    rp_schema_rule *rules = own(b, rp_xcalloc(8, sizeof *rules));
    size_t n = 0;
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    bool sg = field_signed(f);
    if (ref != NULL && (ref->kind == RP_DECL_ENUM || ref->kind == RP_DECL_FLAGS)) {
        rp_schema_rule *r = &rules[n++];
        rp_strbuf e = { 0 };
        r->loc = loc_of(&f->type.span);
        if (ref->kind == RP_DECL_ENUM) {
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
        if (a->has_lo)
            set_num(r, sg, true, a->lo);
        if (a->has_hi)
            set_num(r, sg, false, a->hi);
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
    if (f->label == RP_LABEL_REPEATED && a->count.present)
        len_rule(b, &rules[n++], RP_RULE_COUNT, &a->count);
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
    else if (field_signed(f))
        sf->def_i = rp_ast_int_as_i64(v->i);
    else
        sf->def_u = v->i.mag;
}

/* The nesting depth of a declaration's JSON (as the C emitter computes it). */
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

static const rp_schema_message *build(builder *b, const rp_ast_decl *d)
{
    if (b->built[d->index] != NULL)
        return b->built[d->index];
    rp_schema_message *m = own(b, rp_xcalloc(1, sizeof *m));
    b->built[d->index] = m;
    m->name = d->name;
    m->loc = loc_of(&d->name_span);
    unsigned depth = decl_depth(d);
    m->max_depth = depth > RP_JSON_DEFAULT_DEPTH ? depth : RP_JSON_DEFAULT_DEPTH;
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
        sf->required = f->label == RP_LABEL_REQUIRED;
        sf->loc = loc_of(&f->span);
        size_t vs = value_size(b, f, sf);
        sf->size = vs;
        sf->offset = off;
        if (f->label == RP_LABEL_REPEATED) {
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
    }
    for (size_t i = 0; i < am->field_count; i++)
        fields[i].has_offset = off + i;
    m->fields = fields;
    m->field_count = am->field_count;
    m->reject_unknown = am->unknown_keys == RP_UNKNOWN_REJECT;
    if (am->unknown_keys_set)
        m->loc = loc_of(&am->unknown_keys_span);
    m->size = align8(off + am->field_count + 1);
    return m;
}

/* ---- reporting ---------------------------------------------------------------------------- */

typedef struct report_ctx {
    FILE *out;
    const char *input;
} report_ctx;

static void report_line(void *ctx, const rp_error *e)
{
    report_ctx *rc = ctx;
    fprintf(rc->out, "%s: %s", rc->input, e->path[0] != '\0' ? e->path : "$");
    if (e->offset != SIZE_MAX)
        fprintf(rc->out, ": offset %zu", e->offset);
    fprintf(rc->out, ": %s", e->message);
    if (e->spec.file != NULL)
        fprintf(rc->out, " (%s:%" PRIu32 ":%" PRIu32 ")", e->spec.file, e->spec.line, e->spec.column);
    fprintf(rc->out, " [%s]\n", rp_status_name(e->code));
}

int rp_validate_json(const rp_ast_spec *spec, const char *message, const char *json, size_t len,
                     const char *input_name, const rp_schema_profile *profile, FILE *out,
                     FILE *diag)
{
    const rp_ast_decl *d = rp_ast_find_decl(spec, message);
    if (d == NULL || (d->kind != RP_DECL_MESSAGE && d->kind != RP_DECL_ARRAY)) {
        if (diag != NULL) {
            fprintf(diag, "rprotoc: error: '%s' is not a message or array of the spec; it has:", message);
            for (size_t i = 0; i < spec->decl_count; i++)
                if (spec->decls[i]->kind == RP_DECL_MESSAGE || spec->decls[i]->kind == RP_DECL_ARRAY)
                    fprintf(diag, " %s", spec->decls[i]->name);
            fputc('\n', diag);
        }
        return -1;
    }
    builder b = { spec, rp_xcalloc(spec->decl_count + 1, sizeof(rp_schema_message *)), NULL, 0, 0 };
    const rp_schema_message *m = build(&b, d);
    void *msg = rp_xcalloc(1, m->size);
    /* Strings are at most as long as the input; decoded bytes shorter; escapes only shrink. */
    size_t cap = 3 * len + 1024;
    void *mem = rp_xmalloc(cap);
    rp_arena arena;
    rp_arena_init(&arena, mem, cap);
    report_ctx rc = { out, input_name };
    int n = rp_schema_check_all(m, json, len, msg, &arena, profile, report_line, &rc);
    if (n < 0)
        n = 1; /* storage ran out: reported as a problem already */
    free(mem);
    free(msg);
    for (size_t i = 0; i < b.owned_count; i++)
        free(b.owned[i]);
    free(b.owned);
    free(b.built);
    return n;
}

/* ---- the subcommand --------------------------------------------------------------------------- */

static int validate_usage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "rprotoc: error: %s\n", why);
    fputs("usage: rprotoc validate [--wire] [-I DIR]... SPEC MESSAGE [FILE|-]\n"
          "Checks one JSON message (FILE, or stdin when FILE is '-' or absent) against the\n"
          "message or array type MESSAGE of SPEC, in strict RFC 8259 mode (--wire: ignore\n"
          "trailing bytes, truncate fractions, read strings in number fields and null as\n"
          "absent, let the last of duplicate keys win, skip non-alphabet bytes in base64).\n"
          "Prints one line per problem:\n"
          "  INPUT: PATH: offset N: expected ..., got ... (SPEC:LINE:COL) [code]\n"
          "Exit status: 0 valid, 1 problems found, 2 usage, I/O or spec errors.\n",
          why != NULL ? stderr : stdout);
    return 2;
}

/* Reads all of f into a malloc'ed buffer. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = rp_xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = rp_xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int rp_validate_main(int argc, char **argv)
{
    const char *pos[3] = { NULL, NULL, NULL };
    size_t npos = 0;
    const char **inc = rp_xcalloc((size_t)argc + 1, sizeof *inc);
    size_t ninc = 0;
    /* --wire: every leniency a profile can name (spec profiles are not read here yet). */
    static const rp_schema_profile wire = { "wire", 0, true, true, true, true, true, true };
    const rp_schema_profile *profile = NULL;
    int rc = -1;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--wire") == 0)
            profile = &wire;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            rc = (validate_usage(NULL), 0);
        else if (strcmp(a, "-I") == 0 && i + 1 < argc)
            inc[ninc++] = argv[++i];
        else if (strncmp(a, "-I", 2) == 0 && a[2] != '\0')
            inc[ninc++] = a + 2;
        else if (a[0] == '-' && a[1] != '\0')
            rc = validate_usage("unknown option for validate");
        else if (npos < 3)
            pos[npos++] = a;
        else
            rc = validate_usage("too many arguments");
    }
    if (rc < 0 && npos < 2)
        rc = validate_usage("validate needs SPEC and MESSAGE");
    if (rc >= 0) {
        free(inc);
        return rc;
    }
    const char *input = npos == 3 ? pos[2] : "-";
    size_t len = 0;
    char *json;
    if (strcmp(input, "-") == 0) {
        json = read_all(stdin, &len);
    } else {
        FILE *f = fopen(input, "rb");
        json = f != NULL ? read_all(f, &len) : NULL;
        if (f != NULL)
            fclose(f);
    }
    if (json == NULL) {
        fprintf(stderr, "rprotoc: error: cannot read '%s': %s\n", input, strerror(errno));
        free(inc);
        return 2;
    }
    rp_diag *diag = rp_diag_new();
    rp_frontend_opts opts = { inc, ninc };
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_file(diag, pos[0], &opts, &spec);
    rp_diag_print(diag, stderr);
    rp_diag_free(diag);
    if (st != RP_FRONTEND_OK) {
        rc = 2;
    } else {
        int n = rp_validate_json(spec, pos[1], json, len, input, profile, stdout, stderr);
        rc = n < 0 ? 2 : (n > 0 ? 1 : 0);
    }
    rp_ast_free(spec);
    free(json);
    free(inc);
    if (fflush(stdout) != 0)
        rc = 2;
    return rc;
}
