/* check.c — semantic checks of a parsed spec; see check.h for the list. */
#include "spec_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "check_names.h"
#include "fe_util.h"
#include "name_table.h"
#include "regex.h"
#include "strlang.h"

typedef rp_checker checker;

#define error rp_check_error

void rp_check_error(checker *c, const rp_ast_span *span, const char *fmt, ...)
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

static const char *const scalar_names[] = { "bool", "string", "bytes", "int8", "int16", "int32",
                                             "int64", "uint8", "uint16", "uint32", "uint64",
                                             "float64" };

/* Closest type name to `name` (built-ins, then declarations of the kinds in `mask`), or NULL.
 * None once errors are dropped: a spec of n misspelt names would cost n^2 distances. */
static const char *suggest(const checker *c, const char *name, unsigned mask, bool scalars)
{
    if (rp_diag_stopped(c->diag))
        return NULL;
    rp_suggestion s;
    rp_suggest_init(&s, name);
    if (scalars)
        for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++)
            rp_suggest_try(&s, scalar_names[i]);
    for (size_t i = 0; i < c->spec->decl_count; i++)
        if ((mask & (1u << c->spec->decls[i]->kind)) != 0)
            rp_suggest_try(&s, c->spec->decls[i]->name);
    return s.best;
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
        c->unclean[d->index] = 1;
        error(c, &d->name_span, "redefinition of '%s'", d->name);
        rp_diag_note(c->diag, &e->name_span, "'%s' was first defined here as %s %s", e->name,
                     rp_check_article(e->kind),
                     rp_ast_decl_kind_name(e->kind));
    }
}

/* First declaration called name (the first one wins for duplicates, already reported). */
const rp_ast_decl *rp_check_lookup(const checker *c, const char *name)
{
    return name == NULL ? NULL : *name_slot(c, name);
}
#define lookup rp_check_lookup

const char *rp_check_suggest_decl(const checker *c, const char *name, unsigned kind_mask)
{
    return suggest(c, name, kind_mask, false);
}

const char *rp_check_article(rp_ast_decl_kind k)
{
    return k == RP_DECL_ENUM || k == RP_DECL_ARRAY || k == RP_DECL_ENVELOPE ? "an" : "a";
}
#define article rp_check_article

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
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return 0; /* past 2^64 - 1 */
            v = v * 10 + d;
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

/* Why rp_check_parse_version refused text: its limits, or the form. */
static const char *version_problem(const char *text)
{
    size_t parts = 1, digits = 0;
    bool form = text[0] != '\0';
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '.') {
            form = form && digits > 0;
            parts++;
            digits = 0;
        } else if (*p >= '0' && *p <= '9') {
            digits++;
        } else {
            form = false;
        }
    }
    if (!form || digits == 0)
        return "expected numbers separated by dots, like \"2.3.0\"";
    if (parts > 8)
        return "more than 8 parts (the most a version may have)";
    return "a part larger than 18446744073709551615 (the largest a part may be)";
}

static void check_versions(checker *c, const char *since, const rp_ast_span *since_span,
                           const char *until, const rp_ast_span *until_span)
{
    uint64_t a[8], b[8];
    size_t na = 0, nb = 0;
    if (since != NULL && (na = rp_check_parse_version(since, a)) == 0)
        error(c, since_span, "invalid version \"%s\": %s", since, version_problem(since));
    if (until != NULL && (nb = rp_check_parse_version(until, b)) == 0)
        error(c, until_span, "invalid version \"%s\": %s", until, version_problem(until));
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

/* A value of a string enum (or a string given to an integer enum or flags). texts maps each
 * string seen so far to index + 1 of its value. */
static void check_string_enum_value(checker *c, const rp_ast_decl *d, const rp_ast_enum_value *v,
                                    rp_name_table *texts)
{
    const rp_ast_enum *e = &d->u.enm;
    if (d->kind == RP_DECL_FLAGS) {
        error(c, &v->value_span, "flags '%s': '%s' must be a single bit, not a string", d->name, v->name);
        return;
    }
    if (e->underlying != RP_SCALAR_STRING) {
        if (rp_ast_scalar_is_int(e->underlying)) /* else the type itself was reported */
            error(c, &v->value_span, "enum '%s' is of type %s: '%s' needs an integer, not a string",
                  d->name, rp_ast_scalar_name(e->underlying), v->name);
        return;
    }
    if (v->text == NULL) {
        error(c, &v->value_span, "enum '%s' is of type string: '%s' needs a string, e.g. %s = \"%s\"",
              d->name, v->name, v->name, v->name);
        return;
    }
    if (v->text[0] == '\0')
        error(c, &v->value_span, "enum '%s': the string of '%s' is empty", d->name, v->name);
    size_t j = rp_name_table_put(texts, v->text, v->index + 1);
    if (j != 0) {
        const rp_ast_enum_value *w = &e->values[j - 1];
        error(c, &v->value_span, "'%s' has the same string \"%s\" as '%s'", v->name, v->text, w->name);
        rp_diag_note(c->diag, &w->name_span, "'%s' defined here", w->name);
    }
}

/* same[i] = index + 1 of the first numeric value before i with the same number, or 0
 * (string values of a string enum take no part). */
static size_t *first_equal_values(const rp_ast_enum *e)
{
    size_t n = e->value_count, k = 0;
    rp_ast_int *numbers = rp_xcalloc(n + 1, sizeof *numbers);
    size_t *at = rp_xcalloc(n + 1, sizeof *at); /* numbers[j] is e->values[at[j]] */
    size_t *same = rp_xcalloc(n + 1, sizeof *same);
    for (size_t i = 0; i < n; i++)
        if (e->values[i].text == NULL) {
            at[k] = i;
            numbers[k++] = e->values[i].value;
        }
    size_t *first = rp_ast_int_first_equal(numbers, k);
    for (size_t j = 0; j < k; j++)
        if (first[j] != 0)
            same[at[j]] = at[first[j] - 1] + 1;
    free(first);
    free(numbers);
    free(at);
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
    rp_name_table texts; /* string -> index + 1 of the first value with it */
    rp_name_table_init(&texts, 0);
    size_t *same_value = first_equal_values(e);
    for (size_t i = 0; i < e->value_count; i++) {
        rp_ast_enum_value *v = &e->values[i];
        size_t first = rp_name_table_put(&names, v->name, i + 1);
        if (first != 0) {
            error(c, &v->name_span, "duplicate value name '%s' in %s '%s'", v->name,
                  flags ? "flags" : "enum", d->name);
            rp_diag_note(c->diag, &e->values[first - 1].name_span, "'%s' first defined here", v->name);
        }
        if (e->underlying == RP_SCALAR_STRING || v->text != NULL) {
            check_string_enum_value(c, d, v, &texts);
        } else if (!rp_ast_int_fits(v->value, e->underlying) && !(flags && rp_ast_scalar_is_signed(e->underlying))) {
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
    /* once here: the emitters ask for every field of the type (n fields x n values) */
    e->c_enum = !flags;
    for (size_t i = 0; i < e->value_count && e->c_enum; i++)
        e->c_enum = rp_ast_int_fits(e->values[i].value, RP_SCALAR_INT32);
    free(same_value);
    rp_name_table_free(&names);
    rp_name_table_free(&texts);
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

/* ---- fields --------------------------------------------------------------------------------------- */

/* Resolves a type name; reports unknown names and non-type declarations. */
static void resolve_type(checker *c, rp_ast_type *t, unsigned allowed_mask, const char *what)
{
    if (t->scalar != RP_SCALAR_NONE)
        return;
    const rp_ast_decl *d = lookup(c, t->name);
    if (d == NULL) {
        const char *s = suggest(c, t->name, allowed_mask, allowed_mask != (1u << RP_DECL_MESSAGE));
        static const char *const float_words[] = { "double", "float32", "number", "real", "decimal" };
        bool floaty = false;
        for (size_t i = 0; i < sizeof float_words / sizeof float_words[0]; i++)
            floaty = floaty || strcmp(t->name, float_words[i]) == 0;
        if (floaty && allowed_mask != (1u << RP_DECL_MESSAGE))
            error(c, &t->span, "unknown type '%s'; the floating-point type is 'float64'", t->name);
        else if (s != NULL)
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

/* Items a repeated or map field may hold: the count maximum sizes the field's C array, and
 * a larger one (18446744073709551615) gave a declaration no compiler accepts. */
#define COUNT_MAX_LIMIT 65536u

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
    bool is_float = t->scalar == RP_SCALAR_FLOAT64;
    bool is_enum = t->ref != NULL && (t->ref->kind == RP_DECL_ENUM || t->ref->kind == RP_DECL_FLAGS);
    if (t->scalar == RP_SCALAR_BYTES || (t->scalar == RP_SCALAR_NONE && !is_enum) ||
        f->label == RP_LABEL_REPEATED || t->is_map || (is_float && strcmp(attr, "const") == 0)) {
        if (t->scalar == RP_SCALAR_NONE && t->ref == NULL)
            return; /* unknown type, already reported */
        if (f->label == RP_LABEL_REPEATED)
            error(c, &v->span, "'%s' is not supported on repeated fields", attr);
        else if (t->is_map)
            error(c, &v->span, "'%s' is not supported on map fields", attr);
        else
            error(c, &v->span, "'%s' is not supported on fields of type %s", attr,
                  type_kind_text(t, tk, sizeof tk));
        return;
    }
    if (is_float && v->kind == RP_VALUE_INT) { /* an integer literal is a float64 value too */
        v->kind = RP_VALUE_FLOAT;
        v->f = v->i.neg ? -(double)v->i.mag : (double)v->i.mag;
    }
    const char *want = is_enum ? "a value name" : is_int ? "an integer" : is_float ? "a number"
                     : t->scalar == RP_SCALAR_BOOL ? "true or false" : "a string";
    bool kind_ok = is_enum ? v->kind == RP_VALUE_ENUM
                 : is_int ? v->kind == RP_VALUE_INT
                 : is_float ? v->kind == RP_VALUE_FLOAT
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
    if (is_float) {
        if (a->has_range && ((a->has_lo && v->f < a->flo) || (a->has_hi && v->f > a->fhi))) {
            error(c, &v->span, "%s %.17g is outside the field's range", attr, v->f);
            rp_diag_note(c->diag, &a->range_span, "range given here");
        }
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
        if (!rp_ast_len_allows(&a->len, n)) {
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
        if (a->pattern_re != NULL && !rp_regex_match(a->pattern_re, v->str, n)) {
            error(c, &v->span, "%s \"%s\" does not match the field's pattern", attr, v->str);
            rp_diag_note(c->diag, &a->pattern_span, "pattern given here");
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

/* The span of bytes [idx, idx + len) of the text of the string literal at lit (its opening
 * quote), mapped back through the literal's escapes to the source. */
static rp_ast_span literal_sub_span(const checker *c, const rp_ast_span *lit, size_t idx, size_t len)
{
    rp_ast_span s = *lit;
    const rp_ast_unit *u = NULL;
    for (size_t i = 0; i < c->spec->unit_count && u == NULL; i++)
        if (c->spec->units[i]->path == lit->file ||
            (lit->file != NULL && strcmp(c->spec->units[i]->path, lit->file) == 0))
            u = c->spec->units[i];
    if (u == NULL || lit->end_offset > u->text_len || lit->end_offset <= lit->offset + 1)
        return s;
    const char *raw = u->text + lit->offset + 1;
    size_t raw_len = lit->end_offset - lit->offset - 2, r = 0, d = 0, start = SIZE_MAX, end = raw_len;
    while (r < raw_len) {
        if (d == idx && start == SIZE_MAX)
            start = r;
        if (d >= idx + len) {
            end = r;
            break;
        }
        size_t step = 1, out = 1;
        if (raw[r] == '\\' && r + 1 < raw_len) {
            step = 2;
            if (raw[r + 1] == 'u' && r + 5 < raw_len) {
                unsigned cp = (unsigned)strtoul((char[5]){ raw[r + 2], raw[r + 3], raw[r + 4], raw[r + 5], 0 }, NULL, 16);
                step = 6;
                out = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
            }
        }
        r += step;
        d += out;
    }
    if (start == SIZE_MAX)
        start = r;
    if (end < start + 1)
        end = start + 1 <= raw_len ? start + 1 : start;
    s.offset = lit->offset + 1 + start;
    s.end_offset = lit->offset + 1 + end;
    s.col = lit->col + 1 + (uint32_t)start;
    s.end_col = s.col + (uint32_t)(end > start ? end - start - 1 : 0);
    s.end_line = s.line;
    return s;
}

/* map<KEY, VALUE> fields: the key is a string, maps are not repeated; key_len and
 * key_charset belong to maps. */
static void check_map_field(checker *c, rp_ast_field *f)
{
    rp_ast_attrs *a = &f->attrs;
    const rp_ast_type *t = &f->type;
    if (!t->is_map) {
        if (a->key_len.present)
            error(c, &a->key_len.span, "'key_len' applies to map fields only");
        if (a->key_charset_name != NULL)
            error(c, &a->key_charset_span, "'key_charset' applies to map fields only");
        return;
    }
    if (strcmp(t->map_key, "string") != 0)
        error(c, &t->map_key_span, "a map key must be 'string' (JSON object keys are strings), not '%s'",
              t->map_key);
    if (f->label == RP_LABEL_REPEATED)
        error(c, &t->map_span, "a map field cannot be repeated; use a map of a message, or a message "
                               "with a map");
    if (a->nullable)
        error(c, &a->nullable_span, "'nullable' is not supported on map fields");
    if (a->key_len.present) {
        if (a->key_len.set == NULL)
            check_len(c, &a->key_len, "key_len");
    }
    if (a->key_charset_name != NULL) {
        const rp_ast_decl *d = lookup(c, a->key_charset_name);
        if (d == NULL) {
            const char *s = suggest(c, a->key_charset_name, 1u << RP_DECL_CHARSET, false);
            if (s != NULL)
                error(c, &a->key_charset_span, "unknown charset '%s'; did you mean '%s'?", a->key_charset_name, s);
            else
                error(c, &a->key_charset_span, "unknown charset '%s'", a->key_charset_name);
        } else if (d->kind != RP_DECL_CHARSET) {
            error(c, &a->key_charset_span, "'%s' is %s %s, not a charset", d->name, article(d->kind),
                  rp_ast_decl_kind_name(d->kind));
            rp_diag_note(c->diag, &d->name_span, "'%s' declared here", d->name);
        } else {
            a->key_charset = d;
        }
    }
}

/* pattern and nullable. */
static void check_new_attrs(checker *c, rp_ast_field *f)
{
    rp_ast_attrs *a = &f->attrs;
    const rp_ast_type *t = &f->type;
    char tk[160];
    if (a->pattern != NULL) {
        if (t->scalar != RP_SCALAR_STRING) {
            error(c, &a->pattern_span, "'pattern' applies to string fields; '%s' is %s", f->c_name,
                  type_kind_text(t, tk, sizeof tk));
        } else {
            rp_regex_error re;
            if (rp_regex_compile(a->pattern, &a->pattern_re, &re) != 0) {
                rp_ast_span at = literal_sub_span(c, &a->pattern_span, re.index, re.len);
                error(c, &at, "invalid pattern: %s", re.message);
            }
        }
    }
    if (a->nullable && f->label == RP_LABEL_REPEATED)
        error(c, &a->nullable_span, "'nullable' is not supported on repeated fields");
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

    /* count: repeated and map fields only, with a maximum */
    if (f->label == RP_LABEL_REPEATED || t->is_map) {
        if (!a->count.present || !a->count.has_max)
            error(c, &f->name_span, "%s field '%s' needs a maximum count, e.g. [count ..16]",
                  t->is_map ? "map" : "repeated", f->c_name);
        else if (a->count.set != NULL)
            error(c, &a->count.span, "'count' takes a range, not a set");
        else if (a->count.max > COUNT_MAX_LIMIT)
            error(c, &a->count.span, "a count maximum is at most %u (it sizes a C array), not %llu",
                  COUNT_MAX_LIMIT, (unsigned long long)a->count.max);
        else
            check_len(c, &a->count, "count");
    } else if (a->count.present) {
        error(c, &a->count.span, "'count' applies to repeated and map fields only");
    }
    check_map_field(c, f);

    if (!known)
        return; /* unknown type: reported already; attribute checks would only cascade */
    check_new_attrs(c, f);

    if (a->has_range && t->scalar == RP_SCALAR_FLOAT64) {
        if (a->has_lo && a->has_hi && a->flo > a->fhi)
            error(c, &a->range_span, "empty range: %.17g is greater than %.17g", a->flo, a->fhi);
        a->range_float = true; /* integer bounds were converted when parsed */
    } else if (a->has_range) {
        if (!is_int) {
            error(c, &a->range_span, "'range' needs an integer or float64 field; '%s' is %s", f->c_name,
                  type_kind_text(t, tk, sizeof tk));
        } else if (a->range_float) {
            error(c, &a->range_span, "a range of integer field '%s' needs integer bounds", f->c_name);
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
    /* a pattern that the charset and length leave no string to match: nothing could be sent
     * (an unknown charset is reported above and left out) */
    if (is_string && a->pattern_re != NULL && (a->charset_name == NULL || a->charset != NULL)) {
        rp_strlang l = rp_strlang_of(a->charset, &a->len, a);
        if (rp_strlang_empty(&l) == 1) {
            bool cs = a->charset != NULL, len = a->len.present;
            error(c, &a->pattern_span, "no string can be a value of '%s': %s accept%s none",
                  f->c_name, cs && len ? "its pattern, charset and length together"
                             : cs      ? "its pattern and charset together"
                             : len     ? "its pattern and length together" : "its pattern",
                  cs || len ? "" : "s");
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

/* The field of m that the name table holds for key, or NULL. */
static const rp_ast_field *field_named(const rp_ast_message *m, const rp_name_table *t, const char *key)
{
    size_t i = rp_name_table_get(t, key);
    return i != 0 ? &m->fields[i - 1] : NULL;
}

static void check_message(checker *c, rp_ast_decl *d)
{
    rp_ast_message *m = &d->u.message;
    /* name / wire key -> index + 1 of the first field with it: a clash is looked up, so a
     * message of n fields costs n lookups, not n^2 comparisons */
    rp_name_table names, keys;
    rp_name_table_init(&names, m->field_count);
    rp_name_table_init(&keys, m->field_count);
    rp_strbuf flag = { 0 };
    for (size_t i = 0; i < m->field_count; i++) {
        rp_ast_field *f = &m->fields[i];
        resolve_type(c, &f->type, (1u << RP_DECL_ENUM) | (1u << RP_DECL_FLAGS) | (1u << RP_DECL_MESSAGE),
                     "a field type");
        if (f->wire_key[0] == '\0')
            error(c, &f->key_span, "empty wire key");
        const rp_ast_field *g = field_named(m, &names, f->c_name);
        if (g != NULL) {
            error(c, &f->name_span, "duplicate field name '%s' in message '%s'", f->c_name, d->name);
            rp_diag_note(c->diag, &g->name_span, "'%s' first defined here", g->c_name);
        }
        if ((g = field_named(m, &keys, f->wire_key)) != NULL) {
            error(c, &f->key_span, "duplicate wire key \"%s\" in message '%s'", f->wire_key, d->name);
            rp_diag_note(c->diag, &g->key_span, "first used by field '%s'", g->c_name);
        }
        /* is_null_X clashes with nullable X, whichever comes first */
        const rp_ast_field *x = NULL, *y = NULL;
        if (f->attrs.nullable) {
            flag.len = 0;
            rp_sb_printf(&flag, "is_null_%s", f->c_name);
            if ((g = field_named(m, &names, flag.s)) != NULL)
                x = f, y = g;
        }
        if (x == NULL && strncmp(f->c_name, "is_null_", 8) == 0 &&
            (g = field_named(m, &names, f->c_name + 8)) != NULL && g->attrs.nullable)
            x = g, y = f;
        if (x != NULL) {
            error(c, &f->name_span, "field name '%s' clashes with the null flag of field '%s'",
                  y->c_name, x->c_name);
            rp_diag_note(c->diag, &g->name_span, "'%s' defined here", g->c_name);
        }
        rp_name_table_put(&names, f->c_name, i + 1);
        rp_name_table_put(&keys, f->wire_key, i + 1);
        check_field_attrs(c, f);
    }
    free(flag.s);
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
}

/* ---- recursive messages -------------------------------------------------------------------------- */

/* Reports the cycle that path[0..depth] closes at t: it starts at the first path entry
 * whose parent is t. */
static void report_cycle(checker *c, const rp_ast_decl *t, const rp_ast_field **path, size_t depth)
{
    rp_strbuf chain = { 0 };
    size_t start = 0;
    while (start < depth && path[start]->parent != t)
        start++;
    for (size_t k = start; k <= depth; k++)
        rp_sb_printf(&chain, "%s.%s -> ", path[k]->parent->name, path[k]->c_name);
    rp_sb_puts(&chain, t->name);
    error(c, &path[depth]->type.span, "message '%s' contains itself: %s", t->name, chain.s);
    free(chain.s);
}

/* Depth-first search over message-typed fields from root; state: 0 new, 1 on the stack,
 * 2 done. The stack is explicit (on[], next[]; a message is on it at most once, so n
 * entries suffice) because a chain of messages can be deeper than the C stack. */
static void find_cycles(checker *c, const rp_ast_decl *root, unsigned char *state,
                        const rp_ast_field **path, const rp_ast_decl **on, size_t *next)
{
    size_t top = 0;
    on[0] = root;
    next[0] = 0;
    state[root->index] = 1;
    for (;;) {
        const rp_ast_decl *d = on[top];
        if (next[top] == d->u.message.field_count) {
            state[d->index] = 2;
            if (top == 0)
                return;
            top--;
            continue;
        }
        const rp_ast_field *f = &d->u.message.fields[next[top]++];
        const rp_ast_decl *t = f->type.ref;
        if (t == NULL || t->kind != RP_DECL_MESSAGE)
            continue;
        path[top] = f;
        if (state[t->index] == 1) {
            report_cycle(c, t, path, top);
        } else if (state[t->index] == 0) {
            state[t->index] = 1;
            top++;
            on[top] = t;
            next[top] = 0;
        }
    }
}

static void check_cycles(checker *c)
{
    size_t n = c->spec->decl_count;
    unsigned char *state = rp_xcalloc(n, 1);
    const rp_ast_field **path = rp_xcalloc(n + 1, sizeof *path);
    const rp_ast_decl **on = rp_xcalloc(n + 1, sizeof *on);
    size_t *next = rp_xcalloc(n + 1, sizeof *next);
    for (size_t i = 0; i < n; i++)
        if (c->spec->decls[i]->kind == RP_DECL_MESSAGE && state[i] == 0)
            find_cycles(c, c->spec->decls[i], state, path, on, next);
    free(next);
    free(on);
    free(path);
    free(state);
}

/* ---- entry ---------------------------------------------------------------------------------------- */

bool rp_check_decl_clean(const rp_checker *c, const rp_ast_decl *d)
{
    return c->unclean[d->index] == 0;
}

/* A message whose const field has an enum or flags type with errors of its own cannot be
 * trusted to hold the value its const names: it is unclean too. */
static void spread_unclean(checker *c)
{
    for (size_t i = 0; i < c->spec->decl_count; i++) {
        const rp_ast_decl *d = c->spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE)
            continue;
        for (size_t f = 0; f < d->u.message.field_count; f++) {
            const rp_ast_type *t = &d->u.message.fields[f].type;
            if (t->ref != NULL && t->ref->kind != RP_DECL_MESSAGE && !rp_check_decl_clean(c, t->ref))
                c->unclean[i] = 1;
        }
    }
}

size_t rp_check_spec(rp_diag *diag, rp_ast_spec *spec)
{
    checker c = { diag, spec, 0, NULL, 0, NULL, NULL, 0 };
    c.unclean = rp_xcalloc(spec->decl_count + 1, 1);
    if (spec->main != NULL)
        rp_check_file_options(&c, spec->main);
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
        size_t before = c.errors;
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
        case RP_DECL_PEER:
        case RP_DECL_PORT:
        case RP_DECL_KEY:
        case RP_DECL_ENVELOPE:
        case RP_DECL_PROFILE:
        case RP_DECL_MACHINE:
            break; /* check_transport.c, check_machine.c */
        }
        if (c.errors != before)
            c.unclean[i] = 1;
    }
    spread_unclean(&c);
    check_cycles(&c);
    /* after the fields: profiles look up wire keys, routes look at const fields */
    rp_check_transport(&c);
    /* the C names last (duplicates the checks above report are not reported again) */
    c.errors += rp_check_names(diag, spec);
    if (c.enum_values != NULL)
        for (size_t i = 0; i < spec->decl_count; i++)
            rp_name_table_free(&c.enum_values[i]);
    free(c.enum_values);
    free(c.unclean);
    free(c.names);
    return c.errors;
}
