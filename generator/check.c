/* check.c — semantic checks of a parsed spec; see check.h for the list. */
#include "spec_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_names.h"
#include "fe_util.h"
#include "name_table.h"

typedef struct checker {
    rp_diag *diag;
    rp_ast_spec *spec;
    size_t errors;
    /* Declarations by name: an open-addressing hash table (power-of-two slots, at most half
     * full) so name checks and type lookups stay linear in the size of the spec. The first
     * declaration of a name owns its slot. */
    const rp_ast_decl **names;
    size_t name_slots;
    /* Per spec->decls index: the value names of an enum or flags declaration, built on
     * first use (const and default values are looked up by name). */
    rp_name_table *enum_values;
} checker;

static void error(checker *c, const rp_ast_span *span, const char *fmt, ...) RP_PRINTF(3, 4);
static void error(checker *c, const rp_ast_span *span, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->errors++;
    rp_diag_error(c->diag, span, "%s", buf);
}

static const char *fmt_int(rp_ast_int v, char *buf, size_t cap)
{
    return rp_ast_int_format(v, buf, cap);
}

/* "uint8 (0..255)" */
static const char *type_range_text(rp_ast_scalar s, char *buf, size_t cap)
{
    char lo[32], hi[32];
    snprintf(buf, cap, "%s (%s..%s)", rp_ast_scalar_name(s), fmt_int(rp_ast_scalar_min(s), lo, sizeof lo),
             fmt_int(rp_ast_scalar_max(s), hi, sizeof hi));
    return buf;
}

/* ---- names ---------------------------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

static const char *const scalar_names[] = { "bool", "string", "bytes", "int8", "int16", "int32",
                                             "int64", "uint8", "uint16", "uint32", "uint64" };

/* Closest type name to `name` (built-ins, then declarations of the kinds in `mask`), or NULL. */
static const char *suggest(const checker *c, const char *name, unsigned mask, bool scalars)
{
    const char *best = NULL;
    size_t best_d = 3;
    size_t len = strlen(name);
    if (scalars)
        for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++) {
            size_t d = edit_distance(name, scalar_names[i]);
            if (d < best_d && d < len) {
                best_d = d;
                best = scalar_names[i];
            }
        }
    for (size_t i = 0; i < c->spec->decl_count; i++) {
        const rp_ast_decl *d = c->spec->decls[i];
        if ((mask & (1u << d->kind)) == 0)
            continue;
        size_t dist = edit_distance(name, d->name);
        if (dist < best_d && dist < len) {
            best_d = dist;
            best = d->name;
        }
    }
    return best;
}

/* FNV-1a: a small, well-spread hash for identifiers. */
static size_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* Slot that holds name, or the empty slot where it belongs. */
static const rp_ast_decl **name_slot(const checker *c, const char *name)
{
    size_t mask = c->name_slots - 1;
    for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
        if (c->names[i] == NULL || strcmp(c->names[i]->name, name) == 0)
            return &c->names[i];
}

/* Fills the name table and reports built-in names and redefinitions. */
static void check_decl_names(checker *c)
{
    c->name_slots = 16;
    while (c->name_slots < 2 * c->spec->decl_count)
        c->name_slots *= 2;
    c->names = rp_xcalloc(c->name_slots, sizeof *c->names);
    for (size_t i = 0; i < c->spec->decl_count; i++) {
        const rp_ast_decl *d = c->spec->decls[i];
        for (size_t s = 0; s < sizeof scalar_names / sizeof scalar_names[0]; s++)
            if (strcmp(d->name, scalar_names[s]) == 0)
                error(c, &d->name_span, "'%s' is a built-in type and cannot be declared", d->name);
        const rp_ast_decl **slot = name_slot(c, d->name);
        if (*slot == NULL) {
            *slot = d;
            continue;
        }
        const rp_ast_decl *e = *slot;
        error(c, &d->name_span, "redefinition of '%s'", d->name);
        rp_diag_note(c->diag, &e->name_span, "'%s' was first defined here as %s %s", e->name,
                     e->kind == RP_DECL_ENUM || e->kind == RP_DECL_ARRAY ? "an" : "a",
                     rp_ast_decl_kind_name(e->kind));
    }
}

/* First declaration called name (the first one wins for duplicates, already reported). */
static const rp_ast_decl *lookup(const checker *c, const char *name)
{
    return name == NULL ? NULL : *name_slot(c, name);
}

static const char *article(rp_ast_decl_kind k)
{
    return k == RP_DECL_ENUM || k == RP_DECL_ARRAY ? "an" : "a";
}

/* ---- versions --------------------------------------------------------------------------------- */

size_t rp_check_parse_version(const char *text, uint64_t parts[8])
{
    size_t n = 0;
    const char *p = text;
    if (text == NULL)
        return 0;
    for (;;) {
        if (*p < '0' || *p > '9' || n == 8)
            return 0;
        uint64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            if (v > 100000000u)
                return 0;
            v = v * 10 + (uint64_t)(*p - '0');
            p++;
        }
        parts[n++] = v;
        if (*p == '\0')
            return n;
        if (*p != '.')
            return 0;
        p++;
    }
}

static int version_cmp(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    for (size_t i = 0; i < na || i < nb; i++) {
        uint64_t x = i < na ? a[i] : 0, y = i < nb ? b[i] : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

static void check_versions(checker *c, const char *since, const rp_ast_span *since_span,
                           const char *until, const rp_ast_span *until_span)
{
    uint64_t a[8], b[8];
    size_t na = 0, nb = 0;
    if (since != NULL && (na = rp_check_parse_version(since, a)) == 0)
        error(c, since_span, "invalid version \"%s\": expected numbers separated by dots, like \"2.3.0\"", since);
    if (until != NULL && (nb = rp_check_parse_version(until, b)) == 0)
        error(c, until_span, "invalid version \"%s\": expected numbers separated by dots, like \"2.3.0\"", until);
    if (na > 0 && nb > 0 && version_cmp(a, na, b, nb) > 0) {
        error(c, until_span, "'until' version %s is older than 'since' version %s", until, since);
        rp_diag_note(c->diag, since_span, "'since' given here");
    }
}

/* ---- charsets ---------------------------------------------------------------------------------- */

static void set_bit(uint8_t *bits, unsigned b)
{
    bits[b >> 3] = (uint8_t)(bits[b >> 3] | (1u << (b & 7)));
}

static bool has_bit(const uint8_t *bits, unsigned b)
{
    return (bits[b >> 3] >> (b & 7)) & 1u;
}

static void check_charset(checker *c, rp_ast_decl *d)
{
    rp_ast_charset *cs = &d->u.charset;
    const unsigned char *t = (const unsigned char *)cs->text;
    size_t n = strlen(cs->text);
    memset(cs->allowed, 0, sizeof cs->allowed);
    if (n == 0) {
        error(c, &cs->text_span, "charset '%s' is empty", d->name);
        return;
    }
    /* tokens: each member is one char, "\x" meaning x; a '-' between two members is a range */
    unsigned members[256 * 2];
    size_t count = 0;
    bool literal[512];
    for (size_t i = 0; i < n && count < 512; i++) {
        unsigned ch = t[i];
        bool lit = false;
        if (ch == '\\') {
            if (i + 1 >= n) {
                error(c, &cs->text_span, "charset '%s' ends with a lone '\\'", d->name);
                return;
            }
            ch = t[++i];
            lit = true;
        }
        if (ch < 0x20 || ch > 0x7e) {
            error(c, &cs->text_span, "charset '%s' may only contain printable ASCII characters", d->name);
            return;
        }
        literal[count] = lit;
        members[count++] = ch;
    }
    for (size_t i = 0; i < count; i++) {
        if (i + 2 < count && members[i + 1] == '-' && !literal[i + 1]) {
            unsigned lo = members[i], hi = members[i + 2];
            if (lo > hi) {
                error(c, &cs->text_span, "charset '%s': '%c-%c' is not a range ('%c' comes after '%c')",
                      d->name, lo, hi, lo, hi);
                return;
            }
            for (unsigned b = lo; b <= hi; b++)
                set_bit(cs->allowed, b);
            i += 2;
        } else {
            set_bit(cs->allowed, members[i]);
        }
    }
}

/* ---- enums and flags ----------------------------------------------------------------------------- */

/* A value and its position, sorted by value to find equal values without comparing pairs. */
typedef struct value_at {
    rp_ast_int v;
    size_t index;
} value_at;

static int value_at_cmp(const void *a, const void *b)
{
    const value_at *x = a, *y = b;
    int c = rp_ast_int_cmp(x->v, y->v);
    return c != 0 ? c : (x->index < y->index ? -1 : x->index > y->index);
}

/* same[i] = index + 1 of the first value before i with the same number, or 0. */
static size_t *first_equal_values(const rp_ast_enum *e)
{
    size_t n = e->value_count;
    value_at *sorted = rp_xcalloc(n + 1, sizeof *sorted);
    size_t *same = rp_xcalloc(n + 1, sizeof *same);
    for (size_t i = 0; i < n; i++)
        sorted[i] = (value_at){ e->values[i].value, i };
    qsort(sorted, n, sizeof *sorted, value_at_cmp);
    /* In each run of equal values the first entry has the smallest index. */
    for (size_t i = 1, g = 0; i < n; i++) {
        if (rp_ast_int_cmp(sorted[i].v, sorted[g].v) == 0)
            same[sorted[i].index] = sorted[g].index + 1;
        else
            g = i;
    }
    free(sorted);
    return same;
}

static void check_enum(checker *c, rp_ast_decl *d)
{
    rp_ast_enum *e = &d->u.enm;
    bool flags = d->kind == RP_DECL_FLAGS;
    char buf[64], tr[96];
    if (flags && rp_ast_scalar_is_signed(e->underlying))
        error(c, &e->underlying_span, "flags '%s' needs an unsigned type, not '%s'", d->name,
              rp_ast_scalar_name(e->underlying));
    if (e->value_count == 0)
        error(c, &d->name_span, "%s '%s' has no values", flags ? "flags" : "enum", d->name);
    rp_name_table names; /* value name -> index + 1 of its first definition */
    rp_name_table_init(&names, e->value_count);
    size_t *same_value = first_equal_values(e);
    for (size_t i = 0; i < e->value_count; i++) {
        rp_ast_enum_value *v = &e->values[i];
        size_t first = rp_name_table_put(&names, v->name, i + 1);
        if (first != 0) {
            error(c, &v->name_span, "duplicate value name '%s' in %s '%s'", v->name,
                  flags ? "flags" : "enum", d->name);
            rp_diag_note(c->diag, &e->values[first - 1].name_span, "'%s' first defined here", v->name);
        }
        if (!rp_ast_int_fits(v->value, e->underlying) && !(flags && rp_ast_scalar_is_signed(e->underlying))) {
            error(c, &v->value_span, "value %s of '%s' does not fit in %s",
                  fmt_int(v->value, buf, sizeof buf), v->name,
                  type_range_text(e->underlying, tr, sizeof tr));
        } else if (flags && (v->value.neg || v->value.mag == 0 || (v->value.mag & (v->value.mag - 1)) != 0)) {
            error(c, &v->value_span, "flag '%s' = %s is not a single bit (a power of two)", v->name,
                  fmt_int(v->value, buf, sizeof buf));
        } else if (same_value[i] != 0) {
            const rp_ast_enum_value *w = &e->values[same_value[i] - 1];
            error(c, &v->value_span, "'%s' has the same %s %s as '%s'", v->name,
                  flags ? "bit" : "value", fmt_int(v->value, buf, sizeof buf), w->name);
            rp_diag_note(c->diag, &w->name_span, "'%s' defined here", w->name);
        }
        check_versions(c, v->since, &v->since_span, v->until, &v->until_span);
    }
    free(same_value);
    rp_name_table_free(&names);
}

/* The value of enum or flags declaration d called name (the first one of that name), or
 * NULL. The name table of each declaration is built on first use and kept. */
static const rp_ast_enum_value *find_enum_value(checker *c, const rp_ast_decl *d, const char *name)
{
    if (c->enum_values == NULL)
        c->enum_values = rp_xcalloc(c->spec->decl_count + 1, sizeof *c->enum_values);
    rp_name_table *t = &c->enum_values[d->index];
    if (t->slots == 0) {
        rp_name_table_init(t, d->u.enm.value_count);
        for (size_t i = 0; i < d->u.enm.value_count; i++)
            rp_name_table_put(t, d->u.enm.values[i].name, i + 1);
    }
    size_t i = rp_name_table_get(t, name);
    return i != 0 ? &d->u.enm.values[i - 1] : NULL;
}

/* ---- routes --------------------------------------------------------------------------------------- */

static void check_route(checker *c, const rp_ast_route *r)
{
    for (size_t i = 0; i < r->envelope_count; i++) {
        const rp_ast_envelope *e = &r->envelopes[i];
        const char *name = rp_ast_envelope_name(e->kind);
        switch (e->kind) {
        case RP_ENV_RSA_SERVER:
            if (r->dir != RP_DIR_C2S)
                error(c, &e->span, "rsa(server) encrypts to the server's key: only valid c2s; use rsa(client) for s2c");
            break;
        case RP_ENV_AES_CLIENT_ID:
            if (r->dir != RP_DIR_C2S)
                error(c, &e->span, "%s is the client's envelope: only valid c2s; the server sends 'aes'", name);
            else if (e->zlib && r->port != RP_PORT_LOGGING)
                error(c, &e->span, "zlib compression is only used on the logging port");
            break;
        case RP_ENV_RSA_CLIENT:
            if (r->dir != RP_DIR_S2C)
                error(c, &e->span, "rsa(client) encrypts to the client's key: only valid s2c; use rsa(server) for c2s");
            break;
        case RP_ENV_AES:
            if (r->dir != RP_DIR_S2C)
                error(c, &e->span, "'aes' without a client id is only sent s2c; a client sends aes(client_id)");
            break;
        case RP_ENV_PLAIN:
            break;
        }
    }
}

/* ---- fields --------------------------------------------------------------------------------------- */

/* Resolves a type name; reports unknown names and non-type declarations. */
static void resolve_type(checker *c, rp_ast_type *t, unsigned allowed_mask, const char *what)
{
    if (t->scalar != RP_SCALAR_NONE)
        return;
    const rp_ast_decl *d = lookup(c, t->name);
    if (d == NULL) {
        const char *s = suggest(c, t->name, allowed_mask, allowed_mask != (1u << RP_DECL_MESSAGE));
        if (s != NULL)
            error(c, &t->span, "unknown type '%s'; did you mean '%s'?", t->name, s);
        else
            error(c, &t->span, "unknown type '%s'", t->name);
        return;
    }
    if ((allowed_mask & (1u << d->kind)) == 0) {
        error(c, &t->span, "'%s' is %s %s, not %s", t->name, article(d->kind),
              rp_ast_decl_kind_name(d->kind), what);
        rp_diag_note(c->diag, &d->name_span, "'%s' declared here", d->name);
        return;
    }
    t->ref = d;
}

/* Describes the field's type for "X needs an integer field; 'f' is string". */
static const char *type_kind_text(const rp_ast_type *t, char *buf, size_t cap)
{
    if (t->scalar != RP_SCALAR_NONE)
        snprintf(buf, cap, "%s", rp_ast_scalar_name(t->scalar));
    else if (t->ref != NULL)
        snprintf(buf, cap, "%s %s", rp_ast_decl_kind_name(t->ref->kind), t->name);
    else
        snprintf(buf, cap, "%s", t->name);
    return buf;
}

static bool len_ok(const rp_ast_len *l, uint64_t n)
{
    if (!l->present)
        return true;
    if (l->set != NULL) {
        for (size_t i = 0; i < l->set_count; i++)
            if (l->set[i] == n)
                return true;
        return false;
    }
    return (!l->has_min || n >= l->min) && (!l->has_max || n <= l->max);
}

static void check_len(checker *c, const rp_ast_len *l, const char *what)
{
    if (l->present && l->set == NULL && l->has_min && l->has_max && l->min > l->max)
        error(c, &l->span, "empty %s: %llu is greater than %llu", what, (unsigned long long)l->min,
              (unsigned long long)l->max);
}

/* Checks a const/default value against the field type and constraints; resolves enums. */
static void check_value(checker *c, rp_ast_field *f, rp_ast_value *v, const char *attr)
{
    const rp_ast_type *t = &f->type;
    const rp_ast_attrs *a = &f->attrs;
    char buf[64], buf2[64], tk[160];
    if (v->kind == RP_VALUE_NONE)
        return;
    bool is_int = rp_ast_scalar_is_int(t->scalar);
    bool is_enum = t->ref != NULL && (t->ref->kind == RP_DECL_ENUM || t->ref->kind == RP_DECL_FLAGS);
    if (t->scalar == RP_SCALAR_BYTES || (t->scalar == RP_SCALAR_NONE && !is_enum) ||
        f->label == RP_LABEL_REPEATED) {
        if (t->scalar == RP_SCALAR_NONE && t->ref == NULL)
            return; /* unknown type, already reported */
        if (f->label == RP_LABEL_REPEATED)
            error(c, &v->span, "'%s' is not supported on repeated fields", attr);
        else
            error(c, &v->span, "'%s' is not supported on fields of type %s", attr,
                  type_kind_text(t, tk, sizeof tk));
        return;
    }
    const char *want = is_enum ? "a value name" : is_int ? "an integer"
                     : t->scalar == RP_SCALAR_BOOL ? "true or false" : "a string";
    bool kind_ok = is_enum ? v->kind == RP_VALUE_ENUM
                 : is_int ? v->kind == RP_VALUE_INT
                 : t->scalar == RP_SCALAR_BOOL ? v->kind == RP_VALUE_BOOL
                 : v->kind == RP_VALUE_STRING;
    if (!kind_ok) {
        error(c, &v->span, "'%s' of field '%s' must be %s (the field is %s)", attr, f->c_name, want,
              type_kind_text(t, tk, sizeof tk));
        return;
    }
    if (is_enum) {
        const rp_ast_enum_value *ev = find_enum_value(c, t->ref, v->ident);
        if (ev == NULL) {
            error(c, &v->span, "'%s' is not a value of %s '%s'", v->ident,
                  rp_ast_decl_kind_name(t->ref->kind), t->ref->name);
            rp_diag_note(c->diag, &t->ref->name_span, "'%s' declared here", t->ref->name);
            return;
        }
        v->enum_value = ev;
        v->i = ev->value;
        return;
    }
    if (is_int) {
        if (!rp_ast_int_fits(v->i, t->scalar)) {
            error(c, &v->span, "%s %s does not fit in %s", attr, fmt_int(v->i, buf, sizeof buf),
                  type_range_text(t->scalar, tk, sizeof tk));
            return;
        }
        if (a->has_range && ((a->has_lo && rp_ast_int_cmp(v->i, a->lo) < 0) ||
                             (a->has_hi && rp_ast_int_cmp(v->i, a->hi) > 0))) {
            error(c, &v->span, "%s %s is outside the field's range", attr, fmt_int(v->i, buf, sizeof buf));
            rp_diag_note(c->diag, &a->range_span, "range given here");
            return;
        }
        if (a->one_of != NULL) {
            bool found = false;
            for (size_t i = 0; i < a->one_of_count; i++)
                if (rp_ast_int_cmp(a->one_of[i], v->i) == 0)
                    found = true;
            if (!found) {
                error(c, &v->span, "%s %s is not one of the field's allowed values", attr,
                      fmt_int(v->i, buf, sizeof buf));
                rp_diag_note(c->diag, &a->one_of_span, "one_of given here");
            }
        }
        return;
    }
    if (t->scalar == RP_SCALAR_STRING) {
        size_t n = strlen(v->str);
        if (!len_ok(&a->len, n)) {
            snprintf(buf2, sizeof buf2, "%zu", n);
            error(c, &v->span, "%s has length %s, outside the field's len", attr, buf2);
            rp_diag_note(c->diag, &a->len.span, "len given here");
            return;
        }
        if (a->charset != NULL) {
            for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)v->str[i];
                if (!has_bit(a->charset->u.charset.allowed, ch)) {
                    if (ch >= 0x20 && ch < 0x7f)
                        error(c, &v->span, "%s contains '%c', which is not in charset '%s'", attr, ch,
                              a->charset->name);
                    else
                        error(c, &v->span, "%s contains byte 0x%02x, which is not in charset '%s'", attr,
                              ch, a->charset->name);
                    rp_diag_note(c->diag, &a->charset->name_span, "charset '%s' declared here",
                                 a->charset->name);
                    return;
                }
            }
        }
    }
}

static void check_int_bound(checker *c, const rp_ast_type *t, rp_ast_int v, const rp_ast_span *span,
                            const char *what, bool *ok)
{
    char buf[64], tr[96];
    if (!rp_ast_int_fits(v, t->scalar)) {
        error(c, span, "%s %s is outside %s", what, fmt_int(v, buf, sizeof buf),
              type_range_text(t->scalar, tr, sizeof tr));
        *ok = false;
    }
}

static void check_field_attrs(checker *c, rp_ast_field *f)
{
    rp_ast_attrs *a = &f->attrs;
    const rp_ast_type *t = &f->type;
    char tk[160], buf[64], buf2[64];
    bool known = t->scalar != RP_SCALAR_NONE || t->ref != NULL;
    bool is_int = rp_ast_scalar_is_int(t->scalar);
    bool is_string = t->scalar == RP_SCALAR_STRING;
    bool is_bytes = t->scalar == RP_SCALAR_BYTES;

    /* count: repeated only, with a maximum */
    if (f->label == RP_LABEL_REPEATED) {
        if (!a->count.present || !a->count.has_max)
            error(c, &f->name_span, "repeated field '%s' needs a maximum count, e.g. [count ..16]", f->c_name);
        else if (a->count.set != NULL)
            error(c, &a->count.span, "'count' takes a range, not a set");
        else
            check_len(c, &a->count, "count");
    } else if (a->count.present) {
        error(c, &a->count.span, "'count' applies to repeated fields only");
    }

    if (!known)
        return; /* unknown type: reported already; attribute checks would only cascade */

    if (a->has_range) {
        if (!is_int) {
            error(c, &a->range_span, "'range' needs an integer field; '%s' is %s", f->c_name,
                  type_kind_text(t, tk, sizeof tk));
        } else {
            bool ok = true;
            if (a->has_lo)
                check_int_bound(c, t, a->lo, &a->range_span, "range bound", &ok);
            if (ok && a->has_hi)
                check_int_bound(c, t, a->hi, &a->range_span, "range bound", &ok);
            if (ok && a->has_lo && a->has_hi && rp_ast_int_cmp(a->lo, a->hi) > 0)
                error(c, &a->range_span, "empty range: %s is greater than %s", fmt_int(a->lo, buf, sizeof buf),
                      fmt_int(a->hi, buf2, sizeof buf2));
        }
    }
    if (a->one_of != NULL) {
        if (!is_int) {
            error(c, &a->one_of_span, "'one_of' needs an integer field; '%s' is %s", f->c_name,
                  type_kind_text(t, tk, sizeof tk));
        } else {
            for (size_t i = 0; i < a->one_of_count; i++) {
                bool ok = true;
                check_int_bound(c, t, a->one_of[i], &a->one_of_span, "one_of value", &ok);
                if (ok && a->has_range && ((a->has_lo && rp_ast_int_cmp(a->one_of[i], a->lo) < 0) ||
                                           (a->has_hi && rp_ast_int_cmp(a->one_of[i], a->hi) > 0))) {
                    error(c, &a->one_of_span, "one_of value %s is outside the field's range",
                          fmt_int(a->one_of[i], buf, sizeof buf));
                    rp_diag_note(c->diag, &a->range_span, "range given here");
                }
            }
        }
    }
    if (a->len.present) {
        if (!is_string && !is_bytes)
            error(c, &a->len.span, "'len' applies to string and bytes fields; '%s' is %s", f->c_name,
                  type_kind_text(t, tk, sizeof tk));
        else
            check_len(c, &a->len, "len");
    }
    if (a->charset_name != NULL) {
        const rp_ast_decl *d = lookup(c, a->charset_name);
        if (!is_string) {
            error(c, &a->charset_span, "'charset' applies to string fields; '%s' is %s", f->c_name,
                  type_kind_text(t, tk, sizeof tk));
        } else if (d == NULL) {
            const char *s = suggest(c, a->charset_name, 1u << RP_DECL_CHARSET, false);
            if (s != NULL)
                error(c, &a->charset_span, "unknown charset '%s'; did you mean '%s'?", a->charset_name, s);
            else
                error(c, &a->charset_span, "unknown charset '%s'", a->charset_name);
        } else if (d->kind != RP_DECL_CHARSET) {
            error(c, &a->charset_span, "'%s' is %s %s, not a charset", d->name, article(d->kind),
                  rp_ast_decl_kind_name(d->kind));
            rp_diag_note(c->diag, &d->name_span, "'%s' declared here", d->name);
        } else {
            a->charset = d;
        }
    }
    if (a->encoding != RP_BYTES_NONE && !is_bytes)
        error(c, &a->encoding_span, "'%s' applies to bytes fields; '%s' is %s",
              rp_ast_encoding_name(a->encoding), f->c_name, type_kind_text(t, tk, sizeof tk));
    if (is_bytes && a->encoding == RP_BYTES_NONE)
        error(c, &f->name_span, "bytes field '%s' needs a wire encoding: add [hex] or [base64]", f->c_name);

    /* const and default */
    if (a->const_value.kind != RP_VALUE_NONE) {
        if (f->label != RP_LABEL_REQUIRED)
            error(c, &a->const_value.span, "'const' needs a required field; '%s' is %s", f->c_name,
                  rp_ast_label_name(f->label));
        else
            check_value(c, f, &a->const_value, "const");
    }
    if (a->default_value.kind != RP_VALUE_NONE) {
        if (f->label != RP_LABEL_OPTIONAL)
            error(c, &a->default_value.span, "'default' needs an optional field; '%s' is %s", f->c_name,
                  rp_ast_label_name(f->label));
        else if (a->const_value.kind != RP_VALUE_NONE)
            error(c, &a->default_value.span, "a field cannot have both 'const' and 'default'");
        else
            check_value(c, f, &a->default_value, "default");
    }
    check_versions(c, a->since, &a->since_span, a->until, &a->until_span);
}

static void check_message(checker *c, rp_ast_decl *d)
{
    rp_ast_message *m = &d->u.message;
    /* Field names and wire keys seen so far -> index + 1. (Names that would meet only once
     * generated, like has_x beside x, are check_names.c's.) */
    rp_name_table names, keys;
    rp_name_table_init(&names, m->field_count);
    rp_name_table_init(&keys, m->field_count);
    check_route(c, &m->route);
    for (size_t i = 0; i < m->field_count; i++) {
        rp_ast_field *f = &m->fields[i];
        resolve_type(c, &f->type, (1u << RP_DECL_ENUM) | (1u << RP_DECL_FLAGS) | (1u << RP_DECL_MESSAGE),
                     "a field type");
        if (f->wire_key[0] == '\0')
            error(c, &f->key_span, "empty wire key");
        /* Reported in the order of the earlier fields they meet, name before key. */
        size_t same_name = rp_name_table_put(&names, f->c_name, i + 1);
        size_t same_key = rp_name_table_put(&keys, f->wire_key, i + 1);
        for (int pass = 0; pass < 2; pass++) {
            bool key_first = same_key != 0 && (same_name == 0 || same_key < same_name);
            if ((pass == 0) == key_first && same_key != 0) {
                const rp_ast_field *g = &m->fields[same_key - 1];
                error(c, &f->key_span, "duplicate wire key \"%s\" in message '%s'", f->wire_key, d->name);
                rp_diag_note(c->diag, &g->key_span, "first used by field '%s'", g->c_name);
            } else if ((pass == 0) != key_first && same_name != 0) {
                const rp_ast_field *g = &m->fields[same_name - 1];
                error(c, &f->name_span, "duplicate field name '%s' in message '%s'", f->c_name, d->name);
                rp_diag_note(c->diag, &g->name_span, "'%s' first defined here", g->c_name);
            }
        }
        check_field_attrs(c, f);
    }
    rp_name_table_free(&names);
    rp_name_table_free(&keys);
}

/* ---- arrays --------------------------------------------------------------------------------------- */

static void check_array(checker *c, rp_ast_decl *d)
{
    rp_ast_array *a = &d->u.array;
    resolve_type(c, &a->element, 1u << RP_DECL_MESSAGE, "a message");
    if (a->element.scalar != RP_SCALAR_NONE)
        error(c, &a->element.span, "array '%s' must hold messages, not %s", d->name,
              rp_ast_scalar_name(a->element.scalar));
    if (!a->len.present || !a->len.has_max)
        error(c, &d->name_span, "array '%s' needs a maximum length, e.g. [len 1..500]", d->name);
    else if (a->len.set != NULL)
        error(c, &a->len.span, "an array length takes a range, not a set");
    else
        check_len(c, &a->len, "len");
    check_route(c, &a->route);
}

/* ---- recursive messages -------------------------------------------------------------------------- */

/* Depth-first search over message-typed fields; state: 0 new, 1 on the stack, 2 done. */
static void find_cycles(checker *c, const rp_ast_decl *d, unsigned char *state,
                        const rp_ast_field **path, size_t depth)
{
    state[d->index] = 1;
    for (size_t i = 0; i < d->u.message.field_count; i++) {
        const rp_ast_field *f = &d->u.message.fields[i];
        const rp_ast_decl *t = f->type.ref;
        if (t == NULL || t->kind != RP_DECL_MESSAGE)
            continue;
        path[depth] = f;
        if (state[t->index] == 1) {
            rp_strbuf chain = { 0 };
            /* the cycle starts at the first path entry whose parent is t */
            size_t start = 0;
            while (start < depth && path[start]->parent != t)
                start++;
            for (size_t k = start; k <= depth; k++)
                rp_sb_printf(&chain, "%s.%s -> ", path[k]->parent->name, path[k]->c_name);
            rp_sb_puts(&chain, t->name);
            error(c, &f->type.span, "message '%s' contains itself: %s", t->name, chain.s);
            free(chain.s);
        } else if (state[t->index] == 0) {
            find_cycles(c, t, state, path, depth + 1);
        }
    }
    state[d->index] = 2;
}

static void check_cycles(checker *c)
{
    size_t n = c->spec->decl_count;
    unsigned char *state = rp_xcalloc(n, 1);
    const rp_ast_field **path = rp_xcalloc(n + 1, sizeof *path);
    for (size_t i = 0; i < n; i++)
        if (c->spec->decls[i]->kind == RP_DECL_MESSAGE && state[i] == 0)
            find_cycles(c, c->spec->decls[i], state, path, 0);
    free(path);
    free(state);
}

/* ---- telling routed messages apart ------------------------------------------------------------- */

/* Two messages that may arrive on the same port, in the same direction and envelope must
 * be told apart by a required const field of the same wire key (what generated decode-any
 * code dispatches on); arrays are JSON arrays, never confused with a message object.
 *
 * Without comparing every pair: two messages are indistinguishable when they agree on every
 * const key both have. Messages with the same set of const keys ("class") collide exactly
 * when their values are equal; messages of two classes collide when their values on the
 * keys the classes share are equal. So within each (port, direction, envelope) group, each
 * pair of classes is one pass with a hash table of value texts: O(classes x messages). */

/* One routed message: its const fields sorted by wire key. */
typedef struct routed_msg {
    const rp_ast_decl *decl;
    const rp_ast_field **consts;
    size_t const_count;
    size_t klass;  /* index into the class list */
    size_t clash;  /* index + 1 (into the routed list) of the first earlier message it meets */
} routed_msg;

static int field_key_cmp(const void *a, const void *b)
{
    const rp_ast_field *const *x = a, *const *y = b;
    return strcmp((*x)->wire_key, (*y)->wire_key);
}

/* Appends `<len>:<text>` (unambiguous whatever the bytes of text). */
static void put_part(rp_strbuf *b, const char *text)
{
    rp_sb_printf(b, "%zu:%s", strlen(text), text);
}

/* The text of a const value: equal texts exactly when consts_differ would say "same". */
static void put_value(rp_strbuf *b, const rp_ast_value *v)
{
    char buf[32];
    if (v->kind == RP_VALUE_STRING) {
        rp_sb_putc(b, 's');
        put_part(b, v->str);
    } else if (v->kind == RP_VALUE_BOOL) {
        rp_sb_puts(b, v->b ? "b1" : "b0");
    } else {
        rp_sb_putc(b, 'i'); /* INT and resolved ENUM both carry i */
        put_part(b, rp_ast_int_format(v->i, buf, sizeof buf));
    }
}

/* Text of m's const values on the keys of class `keys` (a message of that class). */
static char *projection(const routed_msg *m, const routed_msg *keys)
{
    rp_strbuf b = { 0 };
    size_t i = 0, j = 0;
    while (i < m->const_count && j < keys->const_count) {
        int cmp = strcmp(m->consts[i]->wire_key, keys->consts[j]->wire_key);
        if (cmp == 0) {
            put_part(&b, m->consts[i]->wire_key);
            put_value(&b, &m->consts[i]->attrs.const_value);
        }
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            j++;
    }
    return rp_sb_take(&b);
}

/* Records that message x meets earlier message a (keeps the earliest). */
static void meet(routed_msg *r, size_t x, size_t a)
{
    if (a < x && (r[x].clash == 0 || a + 1 < r[x].clash))
        r[x].clash = a + 1;
}

/* One pair of classes of one group (members: indexes into r, in spec order; ci == cj for a
 * class with itself). */
static void meet_classes(routed_msg *r, const size_t *members, size_t count, size_t ci, size_t cj,
                         const routed_msg *ki, const routed_msg *kj)
{
    rp_name_table seen[2];
    rp_name_table_init(&seen[0], count);
    rp_name_table_init(&seen[1], count);
    char **texts = rp_xcalloc(count + 1, sizeof *texts);
    for (size_t k = 0; k < count; k++) {
        size_t x = members[k];
        int side = r[x].klass == ci ? 0 : r[x].klass == cj ? 1 : -1;
        if (side < 0)
            continue;
        /* projected on the keys both classes have: those of the other class within x's */
        texts[k] = projection(&r[x], side == 0 ? kj : ki);
        size_t other = rp_name_table_get(&seen[ci == cj ? 0 : 1 - side], texts[k]);
        if (other != 0)
            meet(r, x, other - 1);
        rp_name_table_put(&seen[ci == cj ? 0 : side], texts[k], x + 1);
    }
    for (size_t k = 0; k < count; k++)
        free(texts[k]);
    free(texts);
    rp_name_table_free(&seen[0]);
    rp_name_table_free(&seen[1]);
}

/* The group a message's route puts it in for one of its envelopes. */
static void group_key(rp_strbuf *b, const rp_ast_route *r, const rp_ast_envelope *e)
{
    rp_sb_printf(b, "%d/%d/%d", (int)r->port, (int)r->dir, (int)e->kind);
}

static void check_distinguishable(checker *c)
{
    size_t n = 0;
    routed_msg *r = rp_xcalloc(c->spec->decl_count + 1, sizeof *r);
    rp_name_table classes; /* sorted const keys -> class index + 1 */
    rp_name_table_init(&classes, c->spec->decl_count);
    char **class_keys = rp_xcalloc(c->spec->decl_count + 1, sizeof *class_keys);
    size_t *class_rep = rp_xcalloc(c->spec->decl_count + 1, sizeof *class_rep);
    size_t class_count = 0;
    for (size_t i = 0; i < c->spec->decl_count; i++) {
        const rp_ast_decl *d = c->spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE || d->u.message.route.port == RP_PORT_NONE)
            continue;
        routed_msg *m = &r[n];
        m->decl = d;
        m->consts = rp_xcalloc(d->u.message.field_count + 1, sizeof *m->consts);
        for (size_t k = 0; k < d->u.message.field_count; k++) {
            const rp_ast_field *f = &d->u.message.fields[k];
            if (f->label == RP_LABEL_REQUIRED && f->attrs.const_value.kind != RP_VALUE_NONE)
                m->consts[m->const_count++] = f;
        }
        qsort(m->consts, m->const_count, sizeof *m->consts, field_key_cmp);
        rp_strbuf keys = { 0 };
        for (size_t k = 0; k < m->const_count; k++)
            put_part(&keys, m->consts[k]->wire_key);
        char *text = rp_sb_take(&keys);
        size_t known = rp_name_table_put(&classes, text, class_count + 1);
        if (known != 0) {
            m->klass = known - 1;
            free(text);
        } else {
            class_keys[class_count] = text;
            class_rep[class_count] = n;
            m->klass = class_count++;
        }
        n++;
    }

    /* Groups: members in spec order. */
    typedef struct group {
        char *name;
        size_t *members;
        size_t count, cap;
    } group;
    group *groups = NULL;
    size_t group_count = 0, group_cap = 0;
    rp_name_table group_index;
    rp_name_table_init(&group_index, 16);
    for (size_t x = 0; x < n; x++) {
        const rp_ast_route *route = &r[x].decl->u.message.route;
        for (size_t e = 0; e < route->envelope_count; e++) {
            rp_strbuf key = { 0 };
            group_key(&key, route, &route->envelopes[e]);
            size_t g = rp_name_table_get(&group_index, key.s);
            if (g == 0) {
                group *ng = rp_xpush(&groups, &group_count, &group_cap, sizeof *groups);
                ng->name = key.s;
                /* the table borrows the key: group names are freed only at the end */
                g = group_count;
                rp_name_table_put(&group_index, key.s, g);
            } else {
                free(key.s);
            }
            group *gr = &groups[g - 1];
            if (gr->count > 0 && gr->members[gr->count - 1] == x)
                continue; /* the same envelope kind twice in one route */
            *(size_t *)rp_xpush(&gr->members, &gr->count, &gr->cap, sizeof *gr->members) = x;
        }
    }

    /* Each pair of the classes present in each group. */
    size_t *present = rp_xcalloc(class_count + 1, sizeof *present);
    bool *in_group = rp_xcalloc(class_count + 1, sizeof *in_group);
    for (size_t g = 0; g < group_count; g++) {
        size_t pc = 0;
        for (size_t k = 0; k < groups[g].count; k++) {
            size_t cl = r[groups[g].members[k]].klass;
            if (!in_group[cl]) {
                in_group[cl] = true;
                present[pc++] = cl;
            }
        }
        for (size_t a = 0; a < pc; a++)
            for (size_t b = a; b < pc; b++)
                meet_classes(r, groups[g].members, groups[g].count, present[a], present[b],
                             &r[class_rep[present[a]]], &r[class_rep[present[b]]]);
        for (size_t a = 0; a < pc; a++)
            in_group[present[a]] = false;
    }

    /* One report per message, at it, naming the first earlier message it meets and the
     * first envelope of that message both may arrive in. */
    for (size_t x = 0; x < n; x++) {
        if (r[x].clash == 0)
            continue;
        const rp_ast_decl *a = r[r[x].clash - 1].decl, *b = r[x].decl;
        const rp_ast_route *ra = &a->u.message.route, *rb = &b->u.message.route;
        const rp_ast_envelope *env = &ra->envelopes[0];
        for (size_t i = 0; i < ra->envelope_count; i++)
            if (rp_ast_route_has(rb, ra->envelopes[i].kind)) {
                env = &ra->envelopes[i];
                break;
            }
        error(c, &b->name_span,
              "messages '%s' and '%s' both arrive %s on the %s port in '%s' and no "
              "required const field tells them apart",
              a->name, b->name, rp_ast_dir_name(ra->dir), rp_ast_port_name(ra->port),
              rp_ast_envelope_name(env->kind));
        rp_diag_note(c->diag, &a->name_span, "'%s' declared here", a->name);
    }

    for (size_t g = 0; g < group_count; g++) {
        free(groups[g].name);
        free(groups[g].members);
    }
    free(groups);
    for (size_t k = 0; k < class_count; k++)
        free(class_keys[k]);
    for (size_t x = 0; x < n; x++)
        free(r[x].consts);
    free(present);
    free(in_group);
    free(class_keys);
    free(class_rep);
    rp_name_table_free(&group_index);
    rp_name_table_free(&classes);
    free(r);
}

/* ---- entry ---------------------------------------------------------------------------------------- */

size_t rp_check_spec(rp_diag *diag, rp_ast_spec *spec)
{
    checker c = { diag, spec, 0, NULL, 0, NULL };
    const rp_ast_unit *main_unit = spec->main;
    if (main_unit != NULL && main_unit->protocol == NULL) {
        rp_ast_span s = { main_unit->path, 1, 1, 1, 1, 0, 0 };
        error(&c, &s, "missing protocol declaration: the file must say 'protocol NAME;'");
    }
    check_decl_names(&c);
    /* charsets first: fields test their defaults against the bitmaps */
    for (size_t i = 0; i < spec->decl_count; i++)
        if (spec->decls[i]->kind == RP_DECL_CHARSET)
            check_charset(&c, spec->decls[i]);
    for (size_t i = 0; i < spec->decl_count; i++) {
        rp_ast_decl *d = spec->decls[i];
        switch (d->kind) {
        case RP_DECL_CHARSET:
            break;
        case RP_DECL_ENUM:
        case RP_DECL_FLAGS:
            check_enum(&c, d);
            break;
        case RP_DECL_MESSAGE:
            check_message(&c, d);
            break;
        case RP_DECL_ARRAY:
            check_array(&c, d);
            break;
        }
    }
    check_cycles(&c);
    c.errors += rp_check_names(diag, spec);
    if (c.errors == 0) /* needs every const resolved */
        check_distinguishable(&c);
    if (c.enum_values != NULL)
        for (size_t i = 0; i < spec->decl_count; i++)
            rp_name_table_free(&c.enum_values[i]);
    free(c.enum_values);
    free(c.names);
    return c.errors;
}
