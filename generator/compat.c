/* compat.c — see compat.h. Declarations are matched by name, fields by wire key (a field
 * whose key changed but whose C name stayed is a renamed key). Every accepted set is
 * compared both ways: what the OLD spec accepts and the NEW one refuses breaks old senders,
 * what the NEW spec accepts and the OLD one refuses breaks old receivers.
 */
#include "compat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_util.h"
#include "fe_util.h"
#include "json_bounds.h"
#include "name_table.h"
#include "regex.h"
#include "source.h"
#include "strlang.h"

typedef enum direction {
    OLD_TO_NEW = 1,  /* new peers refuse what old peers may send */
    NEW_TO_OLD = 2,  /* old peers refuse what new peers may send */
    BOTH = 3
} direction;

typedef struct cmp {
    rp_diag *diag;
    size_t errors;
    const rp_ast_spec *old_spec, *new_spec;
} cmp;

static const char *direction_text(direction d)
{
    switch (d) {
    case OLD_TO_NEW: return "breaks old senders -> new receivers";
    case NEW_TO_OLD: return "breaks new senders -> old receivers";
    case BOTH: return "breaks both directions";
    }
    return "?";
}

/* An error at `at` with the direction appended, and a note at `was` (may be NULL). */
static void breaking(cmp *c, direction d, const rp_ast_span *at, const rp_ast_span *was,
                     const char *was_text, const char *fmt, ...) RP_PRINTF(6, 7);
static void breaking(cmp *c, direction d, const rp_ast_span *at, const rp_ast_span *was,
                     const char *was_text, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->errors++;
    rp_diag_error(c->diag, at, "%s [%s]", msg, direction_text(d));
    if (was != NULL)
        rp_diag_note(c->diag, was, "%s", was_text);
}

static void warning(cmp *c, const rp_ast_span *at, const rp_ast_span *was, const char *was_text,
                    const char *fmt, ...) RP_PRINTF(5, 6);
static void warning(cmp *c, const rp_ast_span *at, const rp_ast_span *was, const char *was_text,
                    const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rp_diag_warning(c->diag, at, "%s", msg);
    if (was != NULL)
        rp_diag_note(c->diag, was, "%s", was_text);
}

/* Which way an accepted set changed: narrowed (an old value is refused now) and/or widened. */
static direction change_of(bool narrowed, bool widened)
{
    return (direction)((narrowed ? OLD_TO_NEW : 0) | (widened ? NEW_TO_OLD : 0));
}

static const char *change_word(direction d)
{
    return d == OLD_TO_NEW ? "narrowed" : d == NEW_TO_OLD ? "widened" : "changed";
}

/* ---- integer sets: an interval, optionally cut down to a list (one_of) ------------------- */

typedef struct iset {
    rp_ast_int lo, hi;
    const rp_ast_int *set; /* NULL: every value of the interval */
    size_t n;
    bool sorted;           /* set is ascending and unique: the values of an enum or flags */
} iset;

static iset int_set(const rp_ast_field *f)
{
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    iset s = { rp_ast_scalar_min(k), rp_ast_scalar_max(k), NULL, 0, false };
    const rp_ast_attrs *a = &f->attrs;
    if (a->has_range && !a->range_float) {
        if (a->has_lo && rp_ast_int_cmp(a->lo, s.lo) > 0)
            s.lo = a->lo;
        if (a->has_hi && rp_ast_int_cmp(a->hi, s.hi) < 0)
            s.hi = a->hi;
    }
    if (a->one_of_count > 0) {
        s.set = a->one_of;
        s.n = a->one_of_count;
    }
    return s;
}

static int int_order(const void *x, const void *y)
{
    return rp_ast_int_cmp(*(const rp_ast_int *)x, *(const rp_ast_int *)y);
}

static bool iset_has(const iset *s, rp_ast_int v)
{
    if (rp_ast_int_cmp(v, s->lo) < 0 || rp_ast_int_cmp(v, s->hi) > 0)
        return false;
    if (s->set == NULL)
        return true;
    if (s->sorted) /* enum values, flag combinations: up to 4096, compared against as many */
        return bsearch(&v, s->set, s->n, sizeof *s->set, int_order) != NULL;
    for (size_t i = 0; i < s->n; i++)
        if (rp_ast_int_cmp(s->set[i], v) == 0)
            return true;
    return false;
}

/* v + 1, false past 2^64 - 1. */
static bool int_next(rp_ast_int *v)
{
    if (v->neg) {
        v->mag--;
        if (v->mag == 0)
            v->neg = false;
        return true;
    }
    if (v->mag == UINT64_MAX)
        return false;
    v->mag++;
    return true;
}

/* Some value of a that b refuses. */
static bool iset_escapes(const iset *a, const iset *b)
{
    if (a->set != NULL) {
        for (size_t i = 0; i < a->n; i++)
            if (iset_has(a, a->set[i]) && !iset_has(b, a->set[i]))
                return true;
        return false;
    }
    if (rp_ast_int_cmp(a->lo, a->hi) > 0)
        return false;
    if (b->set == NULL)
        return rp_ast_int_cmp(a->lo, b->lo) < 0 || rp_ast_int_cmp(a->hi, b->hi) > 0;
    /* an interval inside a list: only possible when it is no longer than the list */
    rp_ast_int v = a->lo;
    for (size_t k = 0; k <= b->n; k++) {
        if (!iset_has(b, v))
            return true;
        if (rp_ast_int_cmp(v, a->hi) == 0 || !int_next(&v))
            return false;
    }
    return true;
}

#define LISTED_RUNS 12 /* values or runs of a sorted set written out before "..." */

/* A one_of as written; a sorted set (enum, flags) in runs "a..b", cut after LISTED_RUNS. */
static void iset_text(rp_strbuf *t, const iset *s)
{
    char lo[32], hi[32];
    if (s->set != NULL) {
        rp_sb_puts(t, "{");
        size_t runs = 0;
        for (size_t i = 0; i < s->n; i++, runs++) {
            size_t j = i;
            rp_ast_int next = s->set[i];
            while (s->sorted && j + 1 < s->n && int_next(&next) && rp_ast_int_cmp(next, s->set[j + 1]) == 0)
                j++;
            if (j == i + 1)
                j = i; /* two in a row are written as two */
            if (s->sorted && runs == LISTED_RUNS) {
                rp_sb_printf(t, ", ... (%zu values)", s->n);
                break;
            }
            rp_sb_puts(t, i > 0 ? ", " : "");
            rp_sb_puts(t, rp_ast_int_format(s->set[i], lo, sizeof lo));
            if (j > i)
                rp_sb_printf(t, "..%s", rp_ast_int_format(s->set[j], hi, sizeof hi));
            i = j;
        }
        rp_sb_puts(t, "}");
        return;
    }
    rp_sb_printf(t, "%s..%s", rp_ast_int_format(s->lo, lo, sizeof lo), rp_ast_int_format(s->hi, hi, sizeof hi));
}

/* ---- numbers: integers, integer enums and flags by the values they accept -------------- */

/* Flags with more bits have more than 4096 combinations to list: such a field is compared by
 * its type, as before (another type is a type change, the same flags are compared as a
 * declaration). */
#define FLAGS_LISTED_BITS 12

/* An integer or the value name of an integer enum or flags: a number on the wire. */
static bool numeric_value(const rp_ast_value *v)
{
    return v->kind == RP_VALUE_INT ||
           (v->kind == RP_VALUE_ENUM && (v->enum_value == NULL || v->enum_value->text == NULL));
}

/* The numbers field f accepts: its const, else an integer's range and one_of, an integer
 * enum's values, every combination of a flags' bits (0 included). *own: the list to free
 * (NULL for integers and consts). False when f is no number, or flags of more than
 * FLAGS_LISTED_BITS bits. */
static bool number_set(const rp_ast_field *f, iset *s, rp_ast_int **own)
{
    *own = NULL;
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    const rp_ast_decl *ref = f->type.ref;
    if (k == RP_SCALAR_NONE || (ref != NULL && ref->kind == RP_DECL_FLAGS &&
                                ref->u.enm.value_count > FLAGS_LISTED_BITS))
        return false;
    *s = int_set(f);
    if (numeric_value(&f->attrs.const_value)) {
        *s = (iset){ s->lo, s->hi, &f->attrs.const_value.i, 1, true };
        return true;
    }
    if (ref == NULL)
        return true;
    const rp_ast_enum *e = &ref->u.enm;
    size_t n = ref->kind == RP_DECL_FLAGS ? (size_t)1 << e->value_count : e->value_count;
    *own = rp_xcalloc(n + 1, sizeof **own);
    for (size_t i = 0; i < n; i++) {
        if (ref->kind == RP_DECL_ENUM) {
            (*own)[i] = e->values[i].value;
            continue;
        }
        for (size_t b = 0; b < e->value_count; b++) /* combination i: the bits b set in i */
            if (i & ((size_t)1 << b))
                (*own)[i].mag |= e->values[b].value.mag;
    }
    qsort(*own, n, sizeof **own, int_order);
    *s = (iset){ s->lo, s->hi, *own, n, true };
    return true;
}

/* "integer", "enum Kind", "flags Perm": what a number field is, when two differ. */
static void number_kind(rp_strbuf *t, const rp_ast_field *f)
{
    if (f->type.ref == NULL)
        rp_sb_puts(t, "integer ");
    else
        rp_sb_printf(t, "%s %s ", rp_ast_decl_kind_name(f->type.ref->kind), f->type.ref->name);
}

/* ---- length sets (len, count, key_len, array len) ------------------------------------------ */

static bool lset_escapes(const rp_lset *a, const rp_lset *b)
{
    if (a->set != NULL) {
        for (size_t i = 0; i < a->n; i++)
            if (!rp_lset_has(b, a->set[i]))
                return true;
        return false;
    }
    if (b->set == NULL)
        return a->lo < b->lo || a->hi > b->hi;
    if (a->hi - a->lo >= b->n)
        return true;
    for (uint64_t v = a->lo;; v++) {
        if (!rp_lset_has(b, v))
            return true;
        if (v == a->hi)
            return false;
    }
}

static void lset_text(rp_strbuf *t, const rp_lset *s)
{
    if (s->set != NULL) {
        rp_sb_puts(t, "{");
        for (size_t i = 0; i < s->n; i++)
            rp_sb_printf(t, "%s%" PRIu64, i > 0 ? ", " : "", s->set[i]);
        rp_sb_puts(t, "}");
    } else if (s->hi == UINT64_MAX) {
        rp_sb_printf(t, "%" PRIu64 "..", s->lo);
    } else {
        rp_sb_printf(t, "%" PRIu64 "..%" PRIu64, s->lo, s->hi);
    }
}

/* Reports a change of a length-like bound. what: "length", "item count" ... */
static void compare_lengths(cmp *c, const char *what, const char *owner, const rp_ast_len *o,
                            const rp_ast_len *n, const rp_ast_span *at, const rp_ast_span *was,
                            direction real)
{
    rp_lset a = rp_lset_of(o), b = rp_lset_of(n);
    direction d = change_of(lset_escapes(&a, &b), lset_escapes(&b, &a)) & real;
    if (d == 0)
        return;
    rp_strbuf ta = { 0 }, tb = { 0 };
    lset_text(&ta, &a);
    lset_text(&tb, &b);
    breaking(c, d, at, was, "the old spec's bound", "%s of %s %s from %s to %s", what, owner,
             change_word(d), ta.s, tb.s);
    free(ta.s);
    free(tb.s);
}

/* ---- byte classes and patterns --------------------------------------------------------------- */

static bool bits_escape(const uint8_t a[32], const uint8_t b[32])
{
    for (int i = 0; i < 32; i++)
        if (a[i] & ~b[i])
            return true;
    return false;
}

/* A byte as a reader spots it: 'a', '\'', '\\', or \xNN when not printable. */
static void byte_text(rp_strbuf *t, unsigned b)
{
    if (b < 0x20 || b > 0x7e)
        rp_sb_printf(t, "\\x%02x", b);
    else
        rp_sb_printf(t, "'%s%c'", b == '\'' || b == '\\' ? "\\" : "", (char)b);
}

static bool bit_of(const uint8_t s[32], unsigned b)
{
    return (s[b >> 3] >> (b & 7)) & 1;
}

#define BYTE_RUNS 16 /* bytes or runs of them listed before "..." */

/* "adds '_', '-', 'a'..'z'": the bytes of a that b lacks, three or more in a row as a run;
 * nothing when there are none. */
static void bytes_text(rp_strbuf *t, const char *verb, const uint8_t a[32], const uint8_t b[32])
{
    size_t runs = 0;
    for (unsigned x = 0; x < 256; x++) {
        if (!bit_of(a, x) || bit_of(b, x))
            continue;
        unsigned y = x;
        while (y + 1 < 256 && bit_of(a, y + 1) && !bit_of(b, y + 1))
            y++;
        if (runs++ == BYTE_RUNS) {
            rp_sb_puts(t, ", ...");
            break;
        }
        rp_sb_puts(t, runs == 1 ? verb : ", ");
        byte_text(t, x);
        if (y >= x + 2)
            rp_sb_puts(t, "..");
        else if (y == x + 1)
            rp_sb_puts(t, ", ");
        if (y > x)
            byte_text(t, y);
        x = y;
    }
}

/* "alnum [a-z0-9]": a charset's name and its class as written; "any character" for none. */
static void class_text(rp_strbuf *t, const rp_ast_decl *cs)
{
    if (cs == NULL) {
        rp_sb_puts(t, "any character");
        return;
    }
    rp_sb_printf(t, "%s [", cs->name);
    for (const char *p = cs->u.charset.text; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x20 || ch > 0x7e)
            rp_sb_printf(t, "\\x%02x", ch);
        else
            rp_sb_printf(t, "%c", ch);
    }
    rp_sb_puts(t, "]");
}

/* A charset change shows both classes as written and the bytes it adds and removes. */
static void compare_charsets(cmp *c, const char *what, const char *owner, const rp_ast_decl *o,
                             const rp_ast_decl *n, const rp_ast_span *at, const rp_ast_span *was,
                             direction real)
{
    uint8_t a[32], b[32];
    rp_strlang_charset_bits(o, a);
    rp_strlang_charset_bits(n, b);
    direction d = change_of(bits_escape(a, b), bits_escape(b, a)) & real;
    if (d == 0)
        return;
    rp_strbuf from = { 0 }, to = { 0 }, diff = { 0 };
    class_text(&from, o);
    class_text(&to, n);
    bytes_text(&diff, ": adds ", b, a);
    bytes_text(&diff, diff.s != NULL ? "; removes " : ": removes ", a, b);
    breaking(c, d, at, was, "the old spec's class", "%s of %s %s from %s to %s%s", what, owner, change_word(d),
             from.s, to.s, diff.s != NULL ? diff.s : "");
    free(from.s);
    free(to.s);
    free(diff.s);
}

#define PAIR_LIMIT (1u << 22) /* state pairs explored before giving up (then: "may") */

/* A string that pattern a accepts and b refuses exists (NULL: every string); *unsure when
 * the search was cut short (then the answer is true, to be safe). */
static bool pattern_escapes(const rp_regex *a, const rp_regex *b, bool *unsure)
{
    *unsure = false;
    if (a == NULL && b == NULL)
        return false;
    if (b == NULL)
        return false; /* b accepts everything */
    size_t na = a != NULL ? a->states : 2, nb = b->states;
    if (na * nb > PAIR_LIMIT) {
        *unsure = true;
        return true;
    }
    uint8_t *seen = rp_xcalloc(na * nb, 1);
    uint32_t *queue = rp_xmalloc(na * nb * sizeof *queue);
    size_t head = 0, tail = 0;
    bool found = false;
    queue[tail++] = 1u * (uint32_t)nb + 1u; /* both at their start */
    seen[1 * nb + 1] = 1;
    while (head < tail && !found) {
        uint32_t p = queue[head++];
        size_t sa = p / nb, sb = p % nb;
        bool acc_a = a == NULL ? sa == 1 : a->accept[sa] != 0;
        if (acc_a && !b->accept[sb]) {
            found = true;
            break;
        }
        for (unsigned byte = 0; byte < 256; byte++) {
            size_t ta = a == NULL ? 1 : a->next[sa * a->classes + a->byte_class[byte]];
            size_t tb = b->next[sb * b->classes + b->byte_class[byte]];
            if (ta == 0)
                continue; /* a refuses from here on */
            size_t q = ta * nb + tb;
            if (!seen[q]) {
                seen[q] = 1;
                queue[tail++] = (uint32_t)q;
            }
        }
    }
    free(seen);
    free(queue);
    return found;
}

static void compare_patterns(cmp *c, const char *owner, const rp_ast_attrs *o, const rp_ast_attrs *n,
                             const rp_ast_span *at, const rp_ast_span *was, direction real)
{
    if (o->pattern == NULL && n->pattern == NULL)
        return;
    if (o->pattern != NULL && n->pattern != NULL && strcmp(o->pattern, n->pattern) == 0)
        return;
    bool u1, u2;
    bool narrowed = pattern_escapes(o->pattern_re, n->pattern_re, &u1);
    bool widened = pattern_escapes(n->pattern_re, o->pattern_re, &u2);
    direction d = change_of(narrowed, widened) & real;
    if (d == 0)
        return; /* written differently, the same language */
    breaking(c, d, at, was, "the old spec's pattern", "pattern of %s %s%s (from %s%s%s to %s%s%s)", owner,
             change_word(d), u1 || u2 ? " (too large to compare exactly)" : "",
             o->pattern ? "\"" : "", o->pattern ? o->pattern : "none", o->pattern ? "\"" : "",
             n->pattern ? "\"" : "", n->pattern ? n->pattern : "none", n->pattern ? "\"" : "");
}

/* ---- whole string languages ---------------------------------------------------------------- */

/* The directions in which the strings accepted changed (BOTH when too large to tell). */
static bool lset_same(const rp_lset *a, const rp_lset *b)
{
    return a->lo == b->lo && a->hi == b->hi && a->n == b->n &&
           (a->n == 0 || memcmp(a->set, b->set, a->n * sizeof *a->set) == 0);
}

static direction strlang_change(const rp_strlang *o, const rp_strlang *n)
{
    bool same_re = o->re == NULL ? n->re == NULL
                   : n->re != NULL && strcmp(o->re->portable, n->re->portable) == 0;
    if (same_re && lset_same(&o->len, &n->len) && memcmp(o->bytes, n->bytes, 32) == 0)
        return 0; /* the same attributes: nothing to search */
    int narrowed = rp_strlang_escapes(o, n), widened = rp_strlang_escapes(n, o);
    if (narrowed < 0 || widened < 0)
        return BOTH;
    return change_of(narrowed == 1, widened == 1);
}

/* ---- fields ------------------------------------------------------------------------------- */

/* What a field's value is, for "type changed". */
static void kind_text(rp_strbuf *t, const rp_ast_field *f)
{
    if (f->type.is_map)
        rp_sb_puts(t, "map of ");
    else if (f->label == RP_LABEL_REPEATED)
        rp_sb_puts(t, "list of ");
    if (f->type.ref != NULL)
        rp_sb_printf(t, "%s %s", rp_ast_decl_is_string_enum(f->type.ref) ? "string enum"
                                 : rp_ast_decl_kind_name(f->type.ref->kind), f->type.ref->name);
    else if (rp_ast_scalar_is_int(f->type.scalar))
        rp_sb_puts(t, "integer");
    else if (f->type.scalar == RP_SCALAR_BYTES)
        rp_sb_printf(t, "bytes (%s)", rp_ast_encoding_name(f->attrs.encoding));
    else
        rp_sb_puts(t, rp_ast_scalar_name(f->type.scalar));
}

/* `const 3` and `const THREE` (THREE = 3) are the same value: the same number on the wire. */
static bool same_value(const rp_ast_value *a, const rp_ast_value *b)
{
    if (numeric_value(a) && numeric_value(b))
        return rp_ast_int_cmp(a->i, b->i) == 0;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case RP_VALUE_NONE: return true;
    case RP_VALUE_BOOL: return a->b == b->b;
    case RP_VALUE_STRING: return strcmp(a->str, b->str) == 0;
    case RP_VALUE_FLOAT: return a->f == b->f;
    case RP_VALUE_ENUM:
        if (a->enum_value != NULL && b->enum_value != NULL && a->enum_value->text != NULL &&
            b->enum_value->text != NULL)
            return strcmp(a->enum_value->text, b->enum_value->text) == 0;
        return rp_ast_int_cmp(a->i, b->i) == 0;
    case RP_VALUE_INT: return rp_ast_int_cmp(a->i, b->i) == 0;
    }
    return false;
}

static void value_text(rp_strbuf *t, const rp_ast_value *v)
{
    emit_expect_const(t, v);
}

/* Float bounds: -inf / +inf when open. */
static void float_bounds(const rp_ast_attrs *a, double *lo, double *hi, bool *has_lo, bool *has_hi)
{
    *has_lo = a->has_range && a->has_lo;
    *has_hi = a->has_range && a->has_hi;
    *lo = *has_lo ? a->flo : 0;
    *hi = *has_hi ? a->fhi : 0;
}

static void compare_field(cmp *c, const rp_ast_decl *m, const rp_ast_field *o, const rp_ast_field *n)
{
    char owner[256];
    snprintf(owner, sizeof owner, "field '%s' (\"%s\") of '%s'", n->c_name, n->wire_key, m->name);
    const rp_ast_span *at = &n->span, *was = &o->span;
    rp_strbuf ko = { 0 }, kn = { 0 };
    kind_text(&ko, o);
    kind_text(&kn, n);
    /* Integers of different widths are one kind, and so are integers, integer enums and flags
     * in the same shape: the numbers they accept are compared below. One enum or flags on
     * both sides is compared as a declaration. */
    iset so, sn;
    rp_ast_int *own_o = NULL, *own_n = NULL;
    bool numbers = o->type.is_map == n->type.is_map &&
                   (o->label == RP_LABEL_REPEATED) == (n->label == RP_LABEL_REPEATED) &&
                   !(o->type.ref != NULL && n->type.ref != NULL && strcmp(o->type.ref->name, n->type.ref->name) == 0) &&
                   number_set(o, &so, &own_o) && number_set(n, &sn, &own_n);
    if (!numbers) {
        free(own_o);
        own_o = NULL;
    }
    if (!numbers && strcmp(ko.s, kn.s) != 0) {
        breaking(c, BOTH, at, was, "the old type", "type of %s changed from %s to %s", owner, ko.s, kn.s);
        free(ko.s);
        free(kn.s);
        return;
    }
    free(ko.s);
    free(kn.s);
    const rp_ast_attrs *a = &o->attrs, *b = &n->attrs;

    bool req_o = rp_ast_field_is_required(o), req_n = rp_ast_field_is_required(n);
    if (req_o && !req_n)
        breaking(c, NEW_TO_OLD, at, was, "required in the old spec",
                 "%s is optional now: new senders may leave it out, old receivers require it", owner);
    else if (!req_o && req_n)
        breaking(c, OLD_TO_NEW, at, was, "optional in the old spec",
                 "%s is required now: old senders may leave it out", owner);

    if (!same_value(&a->const_value, &b->const_value)) {
        rp_strbuf vo = { 0 }, vn = { 0 };
        value_text(&vo, &a->const_value);
        value_text(&vn, &b->const_value);
        if (a->const_value.kind == RP_VALUE_NONE)
            breaking(c, OLD_TO_NEW, &b->const_value.span, was, "no const in the old spec",
                     "%s is const %s now: old senders may send other values", owner, vn.s);
        else if (b->const_value.kind == RP_VALUE_NONE)
            breaking(c, NEW_TO_OLD, at, &a->const_value.span, "the old const",
                     "%s is no longer const %s: old receivers refuse other values", owner, vo.s);
        else
            breaking(c, BOTH, &b->const_value.span, &a->const_value.span, "the old const",
                     "const of %s changed from %s to %s", owner, vo.s, vn.s);
        free(vo.s);
        free(vn.s);
    }
    if (!same_value(&a->default_value, &b->default_value))
        warning(c, at, was, "the old field", "default of %s changed: receivers fill in another value when it is absent",
                owner);
    if (a->nullable != b->nullable)
        breaking(c, a->nullable ? OLD_TO_NEW : NEW_TO_OLD, at, was, "the old field",
                 a->nullable ? "%s is no longer nullable: old senders may send null"
                             : "%s is nullable now: old receivers refuse null", owner);

    if (numbers) {
        /* A const dropped or added was reported above in the direction it breaks; what is
         * left is an old const the new set refuses, or a new const the old set refuses. */
        direction d = change_of(iset_escapes(&so, &sn), iset_escapes(&sn, &so));
        if (numeric_value(&a->const_value))
            d &= ~NEW_TO_OLD;
        if (numeric_value(&b->const_value))
            d &= ~OLD_TO_NEW;
        if (d != 0) {
            rp_strbuf to = { 0 }, tn = { 0 };
            if (o->type.ref != NULL || n->type.ref != NULL) { /* say what each side is */
                number_kind(&to, o);
                number_kind(&tn, n);
            }
            iset_text(&to, &so);
            iset_text(&tn, &sn);
            breaking(c, d, at, was, "the old field", "values of %s %s from %s to %s", owner, change_word(d), to.s, tn.s);
            free(to.s);
            free(tn.s);
        }
        free(own_o);
        free(own_n);
    } else if (n->type.scalar == RP_SCALAR_FLOAT64) {
        double lo_o, hi_o, lo_n, hi_n;
        bool hlo_o, hhi_o, hlo_n, hhi_n;
        float_bounds(a, &lo_o, &hi_o, &hlo_o, &hhi_o);
        float_bounds(b, &lo_n, &hi_n, &hlo_n, &hhi_n);
        bool narrowed = (hlo_n && (!hlo_o || lo_n > lo_o)) || (hhi_n && (!hhi_o || hi_n < hi_o));
        bool widened = (hlo_o && (!hlo_n || lo_n < lo_o)) || (hhi_o && (!hhi_n || hi_n > hi_o));
        direction d = change_of(narrowed, widened);
        if (d != 0) {
            rp_strbuf to = { 0 }, tn = { 0 };
            if (a->has_range) emit_expect_range(&to, a); else rp_sb_puts(&to, "any number");
            if (b->has_range) emit_expect_range(&tn, b); else rp_sb_puts(&tn, "any number");
            breaking(c, d, at, was, "the old field", "range of %s %s from %s to %s", owner, change_word(d), to.s, tn.s);
            free(to.s);
            free(tn.s);
        }
    } else if (n->type.scalar == RP_SCALAR_BYTES) {
        compare_lengths(c, "length", owner, &a->len, &b->len, at, was, BOTH);
    } else if (n->type.scalar == RP_SCALAR_STRING) {
        rp_strlang lo = rp_strlang_of(a->charset, &a->len, a), ln = rp_strlang_of(b->charset, &b->len, b);
        direction real = strlang_change(&lo, &ln);
        compare_lengths(c, "length", owner, &a->len, &b->len, at, was, real);
        compare_charsets(c, "charset", owner, a->charset, b->charset, at, was, real);
        compare_patterns(c, owner, a, b, at, was, real);
    }
    if (n->label == RP_LABEL_REPEATED || n->type.is_map)
        compare_lengths(c, n->type.is_map ? "entry count" : "item count", owner, &a->count, &b->count, at, was, BOTH);
    if (n->type.is_map) {
        rp_strlang ko = rp_strlang_of(a->key_charset, &a->key_len, NULL), kn = rp_strlang_of(b->key_charset, &b->key_len, NULL);
        direction real = strlang_change(&ko, &kn);
        compare_lengths(c, "key length", owner, &a->key_len, &b->key_len, at, was, real);
        compare_charsets(c, "key charset", owner, a->key_charset, b->key_charset, at, was, real);
    }
}

/* ---- routes, envelopes and ports ------------------------------------------------------------ */

static bool routed(const rp_ast_decl *d)
{
    size_t n = 0;
    rp_ast_decl_routes(d, &n);
    return n > 0;
}

/* The route of d with the same port and peers (by name) as r, or NULL. */
static const rp_ast_route *same_route(const rp_ast_decl *d, const rp_ast_route *r)
{
    size_t n = 0;
    const rp_ast_route *rs = rp_ast_decl_routes(d, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rs[i].port_name, r->port_name) == 0 && strcmp(rs[i].from_name, r->from_name) == 0 &&
            strcmp(rs[i].to_name, r->to_name) == 0)
            return &rs[i];
    return NULL;
}

static bool route_lists(const rp_ast_route *r, const char *envelope)
{
    for (size_t i = 0; i < r->envelope_count; i++)
        if (strcmp(r->envelope_names[i], envelope) == 0)
            return true;
    return false;
}

/* Routes are matched by port and peers; envelopes by name (a changed envelope is reported
 * where envelopes are compared). */
static void compare_routes(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    size_t no = 0, nn = 0;
    const rp_ast_route *ro = rp_ast_decl_routes(o, &no), *rn = rp_ast_decl_routes(n, &nn);
    for (size_t i = 0; i < no; i++) {
        const rp_ast_route *m = same_route(n, &ro[i]);
        if (m == NULL) {
            breaking(c, OLD_TO_NEW, &n->name_span, &ro[i].span, "the old route",
                     "'%s' no longer travels on port '%s' from %s to %s: new receivers do not decode what old senders send",
                     n->name, ro[i].port_name, ro[i].from_name, ro[i].to_name);
            continue;
        }
        for (size_t e = 0; e < ro[i].envelope_count; e++)
            if (!route_lists(m, ro[i].envelope_names[e]))
                breaking(c, OLD_TO_NEW, &m->span, &ro[i].envelope_spans[e], "listed in the old spec",
                         "envelope '%s' of '%s' dropped: new receivers do not open it",
                         ro[i].envelope_names[e], n->name);
        for (size_t e = 0; e < m->envelope_count; e++)
            if (!route_lists(&ro[i], m->envelope_names[e]))
                breaking(c, NEW_TO_OLD, &m->envelope_spans[e], &ro[i].span, "the old route",
                         "envelope '%s' of '%s' is new: old receivers do not open it", m->envelope_names[e],
                         n->name);
    }
    for (size_t i = 0; i < nn; i++)
        if (same_route(o, &rn[i]) == NULL)
            breaking(c, NEW_TO_OLD, &rn[i].span, &o->name_span, "the old declaration",
                     "'%s' travels on port '%s' from %s to %s now: old receivers do not decode it",
                     n->name, rn[i].port_name, rn[i].from_name, rn[i].to_name);
}

/* Two layers do the same: kind, key (by name), IV placement, separator and parts. */
static bool same_layer_text(const rp_ast_layer *a, const rp_ast_layer *b)
{
    if (a->kind != b->kind || a->iv_in_join != b->iv_in_join || (a->key == NULL) != (b->key == NULL) ||
        (a->key != NULL && strcmp(a->key->name, b->key->name) != 0))
        return false;
    if (a->kind != RP_AST_LAYER_JOIN)
        return true;
    if (strcmp(a->separator, b->separator) != 0 || a->part_count != b->part_count)
        return false;
    for (size_t i = 0; i < a->part_count; i++)
        if (a->parts[i].kind != b->parts[i].kind)
            return false;
    return true;
}

/* An envelope whose composition changed is read differently by the two sides. */
static void compare_envelope(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    const rp_ast_envelope *a = &o->u.envelope, *b = &n->u.envelope;
    bool same = a->layer_count == b->layer_count;
    for (size_t i = 0; same && i < a->layer_count; i++)
        same = same_layer_text(&a->layers[i], &b->layers[i]);
    if (!same)
        breaking(c, BOTH, &n->name_span, &o->name_span, "the old envelope",
                 "envelope '%s' changed its layers: each side opens the other's packets wrongly", n->name);
}

/* A message or array routed on a port that can outgrow a packet size, in one envelope. */
typedef struct packet {
    const rp_ast_decl *d;    /* NULL: every one fits */
    const char *envelope;
    rp_bound_sealed size;    /* RP_BOUND_UNBOUNDED: not known (zlib) */
} packet;

/* The first declaration of s routed on the port named `port` that can be longer than
 * `limit` once sealed (json_bounds.h) in some envelope of its route: a sender may pick any
 * of them. A bound that is not known (zlib) or only known at its least (rsa, id(KEY): the
 * keys decide the rest) can exceed any limit. */
static packet packet_bound(const rp_ast_spec *s, const char *port, uint64_t limit)
{
    packet p = { NULL, NULL, { 0, false } };
    uint64_t *memo = rp_xcalloc(s->decl_count + 1, sizeof *memo);
    for (size_t i = 0; i < s->decl_count && p.d == NULL; i++) {
        size_t n = 0;
        const rp_ast_route *routes = rp_ast_decl_routes(s->decls[i], &n);
        for (size_t j = 0; j < n && p.d == NULL; j++) {
            if (strcmp(routes[j].port_name, port) != 0)
                continue;
            uint64_t json = rp_bound_message_memo(memo, s->decls[i]);
            for (size_t k = 0; k < routes[j].envelope_count && p.d == NULL; k++) {
                rp_bound_sealed b = json == RP_BOUND_UNBOUNDED ? (rp_bound_sealed){ json, false }
                                    : rp_bound_sealed_text(&routes[j].envelopes[k]->u.envelope, json);
                if (b.bytes == RP_BOUND_UNBOUNDED || b.at_least || b.bytes > limit)
                    p = (packet){ s->decls[i], routes[j].envelope_names[k], b };
            }
        }
    }
    free(memo);
    return p;
}

/* ": message 'M' can be N bytes in envelope 'E', more than WHO take", or that its bound
 * is not known. */
static void packet_text(rp_strbuf *t, const packet *p, const char *who)
{
    const char *kind = rp_ast_decl_kind_name(p->d->kind);
    if (p->size.bytes != RP_BOUND_UNBOUNDED && !p->size.at_least) {
        rp_sb_printf(t, ": %s '%s' can be %" PRIu64 " bytes in envelope '%s', more than %s take", kind,
                     p->d->name, p->size.bytes, p->envelope, who);
        return;
    }
    char why[64] = "zlib";
    if (p->size.bytes != RP_BOUND_UNBOUNDED)
        snprintf(why, sizeof why, "at least %" PRIu64 " bytes, its keys decide the rest", p->size.bytes);
    rp_sb_printf(t, ": %s '%s' has no known bound in envelope '%s' (%s), so it may be more than %s take", kind,
                 p->d->name, p->envelope, why, who);
}

/* A port's framing and size: another framing splits the stream differently. A smaller
 * maximum breaks old senders only when what they route on the port can outgrow it, a larger
 * one old receivers only when what new senders route can outgrow the old maximum. */
static void compare_port(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    const rp_ast_port *a = &o->u.port, *b = &n->u.port;
    bool same_framing = a->framing == b->framing &&
                        (a->framing == RP_AST_FRAMING_DELIMITER
                             ? a->delimiter_len == b->delimiter_len && memcmp(a->delimiter, b->delimiter, a->delimiter_len) == 0
                             : a->prefix_bytes == b->prefix_bytes && a->big_endian == b->big_endian);
    if (!same_framing)
        breaking(c, BOTH, &n->name_span, &o->name_span, "the old port",
                 "port '%s' changed its framing: the two sides split the stream differently", n->name);
    if (a->max_packet == b->max_packet)
        return;
    bool narrowed = b->max_packet < a->max_packet;
    packet p = narrowed ? packet_bound(c->old_spec, o->name, b->max_packet)
                        : packet_bound(c->new_spec, n->name, a->max_packet);
    if (p.d == NULL)
        return; /* everything routed there fits both */
    rp_strbuf t = { 0 };
    packet_text(&t, &p, narrowed ? "new receivers" : "old receivers");
    breaking(c, narrowed ? OLD_TO_NEW : NEW_TO_OLD, &n->name_span, &o->name_span, "the old port",
             "max_packet of port '%s' %s from %" PRIu64 " to %" PRIu64 "%s", n->name,
             narrowed ? "narrowed" : "widened", a->max_packet, b->max_packet, t.s);
    free(t.s);
}

/* A key's kind and, for AES, the sizes allowed: a key value old peers hold may be of a size
 * new ones refuse, and the other way round (either side may be the one that picks it). */
static void compare_key(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    const rp_ast_key *a = &o->u.key, *b = &n->u.key;
    if (a->kind != b->kind) {
        breaking(c, BOTH, &n->name_span, &o->name_span, "the old key",
                 "key '%s' changed its kind: envelopes under it are opened with another cipher", n->name);
        return;
    }
    if (a->kind != RP_AST_KEY_AES || a->aes_bits == b->aes_bits)
        return;
    char was[32] = "", now[32] = "";
    static const char *const sizes[3] = { "128", "192", "256" };
    for (unsigned i = 0; i < 3; i++) {
        if (a->aes_bits & (1u << i))
            snprintf(was + strlen(was), sizeof was - strlen(was), "%s%s", was[0] ? ", " : "", sizes[i]);
        if (b->aes_bits & (1u << i))
            snprintf(now + strlen(now), sizeof now - strlen(now), "%s%s", now[0] ? ", " : "", sizes[i]);
    }
    breaking(c, BOTH, &n->name_span, &o->name_span, "the old key",
             "AES sizes of key '%s' changed from (%s) to (%s): a key of a size one side lacks neither seals "
             "nor opens there", n->name, was, now);
}

/* The decoding depth of a routed message or array (option max_depth, or its own depth):
 * lower, new receivers refuse texts as deep as old senders may send (unknown keys count). */
static void compare_depth(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    unsigned a = rp_ast_decode_depth(c->old_spec, o), b = rp_ast_decode_depth(c->new_spec, n);
    if (a == b || !routed(o) || !routed(n))
        return;
    breaking(c, b < a ? OLD_TO_NEW : NEW_TO_OLD, &n->name_span, &o->name_span, "the old declaration",
             "JSON nesting limit of %s '%s' %s from %u to %u%s", rp_ast_decl_kind_name(n->kind), n->name,
             b < a ? "narrowed" : "widened", a, b,
             b < a ? ": new receivers refuse deeper texts (unknown keys included)" : ": old receivers refuse deeper texts");
}

/* ---- declarations --------------------------------------------------------------------------- */

/* A message's fields by wire key and by C name (the first of each, as the checks keep
 * them unique), so that comparing two messages of n fields costs n lookups. */
typedef struct field_index {
    const rp_ast_decl *m;
    rp_name_table by_key, by_name;
} field_index;

static void field_index_init(field_index *x, const rp_ast_decl *m)
{
    x->m = m;
    rp_name_table_init(&x->by_key, m->u.message.field_count);
    rp_name_table_init(&x->by_name, m->u.message.field_count);
    for (size_t i = 0; i < m->u.message.field_count; i++) {
        rp_name_table_put(&x->by_key, m->u.message.fields[i].wire_key, i + 1);
        rp_name_table_put(&x->by_name, m->u.message.fields[i].c_name, i + 1);
    }
}

static void field_index_free(field_index *x)
{
    rp_name_table_free(&x->by_key);
    rp_name_table_free(&x->by_name);
}

static const rp_ast_field *field_by_key(const field_index *x, const char *key)
{
    size_t i = rp_name_table_get(&x->by_key, key);
    return i != 0 ? &x->m->u.message.fields[i - 1] : NULL;
}

static const rp_ast_field *field_by_name(const field_index *x, const char *name)
{
    size_t i = rp_name_table_get(&x->by_name, name);
    return i != 0 ? &x->m->u.message.fields[i - 1] : NULL;
}

static void compare_fields(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n, const field_index *xo,
                           const field_index *xn)
{
    const rp_ast_message *mo = &o->u.message, *mn = &n->u.message;
    compare_routes(c, o, n);
    if (mo->unknown_keys == RP_UNKNOWN_IGNORE && mn->unknown_keys == RP_UNKNOWN_REJECT)
        breaking(c, OLD_TO_NEW, mn->unknown_keys_set ? &mn->unknown_keys_span : &n->name_span, &o->name_span,
                 "the old declaration (unknown keys ignored)",
                 "'%s' refuses unknown keys now: keys only old senders know are refused", n->name);
    for (size_t i = 0; i < mo->field_count; i++) {
        const rp_ast_field *fo = &mo->fields[i];
        const rp_ast_field *fn = field_by_key(xn, fo->wire_key);
        if (fn != NULL) {
            compare_field(c, n, fo, fn);
            continue;
        }
        const rp_ast_field *renamed = field_by_name(xn, fo->c_name);
        if (renamed != NULL && field_by_key(xo, renamed->wire_key) == NULL) {
            breaking(c, BOTH, &renamed->key_span, &fo->key_span, "the old key",
                     "key of field '%s' of '%s' renamed from \"%s\" to \"%s\"", fo->c_name, n->name, fo->wire_key,
                     renamed->wire_key);
            continue;
        }
        bool req = rp_ast_field_is_required(fo);
        if (req)
            breaking(c, NEW_TO_OLD, &fo->span, &n->name_span, "the new declaration",
                     "required field '%s' (\"%s\") of '%s' removed: new senders leave out what old receivers require",
                     fo->c_name, fo->wire_key, n->name);
        if (mn->unknown_keys == RP_UNKNOWN_REJECT)
            breaking(c, OLD_TO_NEW, &fo->span, &n->name_span, "the new declaration (unknown keys refused)",
                     "field '%s' (\"%s\") of '%s' removed: new receivers refuse the key old senders send",
                     fo->c_name, fo->wire_key, n->name);
        else if (!req)
            warning(c, &fo->span, &n->name_span, "the new declaration",
                    "optional field '%s' (\"%s\") of '%s' removed: new receivers ignore it", fo->c_name,
                    fo->wire_key, n->name);
    }
    for (size_t i = 0; i < mn->field_count; i++) {
        const rp_ast_field *fn = &mn->fields[i];
        if (field_by_key(xo, fn->wire_key) != NULL)
            continue;
        const rp_ast_field *old_same = field_by_name(xo, fn->c_name);
        if (old_same != NULL && field_by_key(xn, old_same->wire_key) == NULL)
            continue; /* a renamed key, reported above */
        if (rp_ast_field_is_required(fn))
            breaking(c, OLD_TO_NEW, &fn->span, &o->name_span, "the old declaration",
                     "new required field '%s' (\"%s\") of '%s': old senders do not send it", fn->c_name,
                     fn->wire_key, n->name);
        if (mo->unknown_keys == RP_UNKNOWN_REJECT)
            breaking(c, NEW_TO_OLD, &fn->span, &o->name_span, "the old declaration (unknown keys refused)",
                     "new field '%s' (\"%s\") of '%s': old receivers refuse the key", fn->c_name, fn->wire_key,
                     n->name);
    }
}

static void compare_message(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    field_index xo, xn;
    field_index_init(&xo, o);
    field_index_init(&xn, n);
    compare_fields(c, o, n, &xo, &xn);
    field_index_free(&xo);
    field_index_free(&xn);
}

static void compare_array(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    compare_routes(c, o, n);
    const char *eo = o->u.array.element.ref->name, *en = n->u.array.element.ref->name;
    if (strcmp(eo, en) != 0)
        breaking(c, BOTH, &n->u.array.element.span, &o->u.array.element.span, "the old element",
                 "items of array '%s' changed from %s to %s", n->name, eo, en);
    char owner[160];
    snprintf(owner, sizeof owner, "array '%s'", n->name);
    compare_lengths(c, "item count", owner, &o->u.array.len, &n->u.array.len, &n->u.array.len.span,
                    &o->u.array.len.span, BOTH);
}

/* The text that stands for a value of an enum or flags: equal texts <=> same_enum_value. */
static char *enum_value_key(const rp_ast_enum_value *v)
{
    rp_strbuf t = { 0 };
    char buf[32];
    if (v->text != NULL)
        rp_sb_printf(&t, "s%s", v->text);
    else
        rp_sb_printf(&t, "i%s", rp_ast_int_format(v->value, buf, sizeof buf));
    return rp_sb_take(&t);
}

/* The values of e by enum_value_key: keys[i] is the key of value i (free with free_keys). */
static char **enum_value_keys(const rp_ast_enum *e, rp_name_table *t)
{
    char **keys = rp_xcalloc(e->value_count + 1, sizeof *keys);
    rp_name_table_init(t, e->value_count);
    for (size_t i = 0; i < e->value_count; i++) {
        keys[i] = enum_value_key(&e->values[i]);
        rp_name_table_put(t, keys[i], i + 1);
    }
    return keys;
}

static void free_keys(char **keys, size_t n, rp_name_table *t)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    rp_name_table_free(t);
}

static void enum_value_text(rp_strbuf *t, const rp_ast_enum_value *v)
{
    if (v->text != NULL)
        rp_sb_printf(t, "%s (\"%s\")", v->name, v->text);
    else {
        char buf[32];
        rp_sb_printf(t, "%s (%s)", v->name, rp_ast_int_format(v->value, buf, sizeof buf));
    }
}

static void compare_enum(cmp *c, const rp_ast_decl *o, const rp_ast_decl *n)
{
    const rp_ast_enum *eo = &o->u.enm, *en = &n->u.enm;
    const char *what = n->kind == RP_DECL_FLAGS ? "bit" : "value";
    if ((eo->underlying == RP_SCALAR_STRING) != (en->underlying == RP_SCALAR_STRING)) {
        breaking(c, BOTH, &en->underlying_span, &eo->underlying_span, "the old type",
                 "enum '%s' changed from %s to %s", n->name, rp_ast_scalar_name(eo->underlying),
                 rp_ast_scalar_name(en->underlying));
        return;
    }
    rp_name_table to, tn; /* value key -> index + 1, in the old and the new enum */
    char **ko = enum_value_keys(eo, &to), **kn = enum_value_keys(en, &tn);
    for (size_t i = 0; i < eo->value_count; i++) {
        const rp_ast_enum_value *v = &eo->values[i];
        if (rp_name_table_get(&tn, ko[i]) == 0) {
            rp_strbuf t = { 0 };
            enum_value_text(&t, v);
            breaking(c, OLD_TO_NEW, &v->span, &n->name_span, "the new declaration",
                     "%s %s of '%s' removed: new receivers refuse it", what, t.s, n->name);
            free(t.s);
        }
    }
    for (size_t j = 0; j < en->value_count; j++) {
        const rp_ast_enum_value *v = &en->values[j];
        if (rp_name_table_get(&to, kn[j]) == 0) {
            rp_strbuf t = { 0 };
            enum_value_text(&t, v);
            breaking(c, NEW_TO_OLD, &v->span, &o->name_span, "the old declaration",
                     "%s %s of '%s' is new: old receivers refuse it", what, t.s, n->name);
            free(t.s);
        }
    }
    free_keys(ko, eo->value_count, &to);
    free_keys(kn, en->value_count, &tn);
}

static void decl_names(const rp_ast_spec *s, rp_name_table *t)
{
    rp_name_table_init(t, s->decl_count);
    for (size_t i = 0; i < s->decl_count; i++)
        rp_name_table_put(t, s->decls[i]->name, i + 1);
}

static const rp_ast_decl *decl_named(const rp_ast_spec *s, const rp_name_table *t, const char *name)
{
    size_t i = rp_name_table_get(t, name);
    return i != 0 ? s->decls[i - 1] : NULL;
}

size_t rp_compat_check(const rp_ast_spec *old_spec, const rp_ast_spec *new_spec, rp_diag *diag)
{
    cmp c = { diag, 0, old_spec, new_spec };
    /* declaration name -> index + 1 of the first with it, in each spec */
    rp_name_table old_names, new_names;
    decl_names(old_spec, &old_names);
    decl_names(new_spec, &new_names);
    for (size_t i = 0; i < old_spec->decl_count; i++) {
        const rp_ast_decl *o = old_spec->decls[i];
        const rp_ast_decl *n = decl_named(new_spec, &new_names, o->name);
        if (n == NULL) {
            if (routed(o))
                breaking(&c, OLD_TO_NEW, &o->name_span, NULL, NULL,
                         "%s '%s' dropped: new receivers do not decode what old senders send",
                         rp_ast_decl_kind_name(o->kind), o->name);
            continue;
        }
        if (n->kind != o->kind) {
            rp_strbuf w = { 0 };
            rp_sb_printf(&w, "a%s %s in the old spec", o->kind == RP_DECL_ENUM || o->kind == RP_DECL_ARRAY ? "n" : "",
                         rp_ast_decl_kind_name(o->kind));
            breaking(&c, BOTH, &n->name_span, &o->name_span, w.s, "'%s' is %s %s now", n->name,
                     n->kind == RP_DECL_ENUM || n->kind == RP_DECL_ARRAY ? "an" : "a", rp_ast_decl_kind_name(n->kind));
            free(w.s);
            continue;
        }
        switch (n->kind) {
        case RP_DECL_MESSAGE: compare_message(&c, o, n); compare_depth(&c, o, n); break;
        case RP_DECL_ARRAY: compare_array(&c, o, n); compare_depth(&c, o, n); break;
        case RP_DECL_ENUM:
        case RP_DECL_FLAGS: compare_enum(&c, o, n); break;
        case RP_DECL_CHARSET: break; /* compared where fields use them */
        case RP_DECL_ENVELOPE: compare_envelope(&c, o, n); break;
        case RP_DECL_PORT: compare_port(&c, o, n); break;
        case RP_DECL_KEY: compare_key(&c, o, n); break;
        case RP_DECL_PEER:
        case RP_DECL_PROFILE:
            break; /* what they change shows in routes, envelopes and decoding, compared there */
        case RP_DECL_MACHINE:
            break; /* not compared: docs/language.md §9 */
        }
    }
    for (size_t i = 0; i < new_spec->decl_count; i++) {
        const rp_ast_decl *n = new_spec->decls[i];
        if (decl_named(old_spec, &old_names, n->name) == NULL && routed(n))
            breaking(&c, NEW_TO_OLD, &n->name_span, NULL, NULL, "new %s '%s': old receivers do not decode it",
                     rp_ast_decl_kind_name(n->kind), n->name);
    }
    rp_name_table_free(&old_names);
    rp_name_table_free(&new_names);
    return c.errors;
}

/* ---- the subcommand ---------------------------------------------------------------------------- */

/* --help: the usage on stdout. */
static void compat_help(void)
{
    fputs("usage: rprotoc compat [-I DIR]... [--] OLD NEW\n"
          "Reports every change from spec OLD to spec NEW that breaks peers of the other version,\n"
          "gcc-style on stderr, each at its NEW location with a note at the OLD one, tagged with\n"
          "the direction it breaks: [breaks old senders -> new receivers], [breaks new senders ->\n"
          "old receivers] or [breaks both directions]. Warnings are changes that break nothing.\n"
          "Exit status: 0 compatible, 1 breaking changes, 2 usage, I/O or spec errors.\n",
          stdout);
}

#define usage_error(...) rp_diag_usage_error("rprotoc compat", __VA_ARGS__)

static void add_sources(rp_diag *d, const rp_ast_spec *s)
{
    for (size_t i = 0; i < s->unit_count; i++)
        rp_diag_add_source(d, s->units[i]->path, s->units[i]->text, s->units[i]->text_len);
}

int rp_compat_main(int argc, char **argv)
{
    const char *pos[2] = { NULL, NULL };
    size_t npos = 0;
    const char **inc = rp_xcalloc((size_t)argc + 1, sizeof *inc);
    size_t ninc = 0;
    int rc = -1;
    bool options_done = false;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') { /* after "--" even "-x.rproto" */
            if (npos < 2)
                pos[npos++] = a;
            else
                rc = usage_error("more than two specs given ('%s'): compat compares OLD and NEW", a);
        } else if (strcmp(a, "--") == 0)
            options_done = true;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            rc = (compat_help(), 0);
        else if (strcmp(a, "-I") == 0) {
            if (i + 1 < argc)
                inc[ninc++] = argv[++i];
            else
                rc = usage_error("option '-I' needs an argument");
        } else if (strncmp(a, "-I", 2) == 0)
            inc[ninc++] = a + 2;
        else
            rc = usage_error("unknown option '%s'", a);
    }
    if (rc < 0 && npos < 2)
        rc = usage_error("%s", npos == 0 ? "no specs given: compat compares OLD and NEW"
                                         : "only one spec given: compat compares OLD and NEW");
    if (rc >= 0) {
        free(inc);
        return rc == 0 && !rp_diag_flush_stdout() ? 2 : rc; /* --help */
    }
    rp_frontend_opts opts = { inc, ninc };
    rp_ast_spec *specs[2] = { NULL, NULL };
    bool failed = false;
    for (int k = 0; k < 2; k++) {
        rp_diag *diag = rp_diag_new();
        rp_frontend_status st = rp_frontend_load_file(diag, pos[k], &opts, &specs[k]);
        rp_diag_print(diag, stderr);
        rp_diag_free(diag);
        failed = failed || st != RP_FRONTEND_OK;
    }
    if (failed) {
        rp_ast_free(specs[0]);
        rp_ast_free(specs[1]);
        free(inc);
        return 2;
    }
    rp_diag *diag = rp_diag_new();
    add_sources(diag, specs[0]);
    add_sources(diag, specs[1]);
    size_t breaks = rp_compat_check(specs[0], specs[1], diag);
    rp_diag_print(diag, stderr);
    rp_diag_free(diag);
    rp_ast_free(specs[0]);
    rp_ast_free(specs[1]);
    free(inc);
    return breaks > 0 ? 1 : 0;
}
