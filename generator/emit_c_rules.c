/* emit_c_rules.c — a field's rules as C refusals, the same in the decode and encode lanes
 * (emit_c_rules.h). */
#include "emit_c_rules.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "emit_c_util.h"
#include "fe_util.h"

/* An integer value in C being refused: its expression, the kind of its literals (the
 * field's) and the kind whose values it can hold (emit_int_rules). */
typedef struct int_value {
    const char *v;
    bool sg;
    rp_ast_scalar holds;
} int_value;

/* " || v < lo", unless v cannot be below lo (then the test would be dead code, and a
 * warning of -Wtype-limits on a narrow member). */
static void refuse_below(rp_strbuf *b, const int_value *x, rp_ast_int lo)
{
    if (rp_ast_int_cmp(lo, rp_ast_scalar_min(x->holds)) <= 0)
        return;
    rp_sb_printf(b, EMIT_RULE_SEP "%s < ", x->v);
    emit_int_lit(b, x->sg, lo);
}

/* " || v > hi", unless v cannot be above hi. */
static void refuse_above(rp_strbuf *b, const int_value *x, rp_ast_int hi)
{
    if (rp_ast_int_cmp(hi, rp_ast_scalar_max(x->holds)) >= 0)
        return;
    rp_sb_printf(b, EMIT_RULE_SEP "%s > ", x->v);
    emit_int_lit(b, x->sg, hi);
}

/* The i-th of a set of integers given as numbers (one_of) or as an enum's values. */
static rp_ast_int set_member(const rp_ast_int *set, const rp_ast_enum_value *values, size_t i)
{
    return set != NULL ? set[i] : values[i].value;
}

/* Whether the n integers of the set are every integer from the least (*lo) to the greatest
 * (*hi) once each (an enum may name one value twice). Worked out in int64_t: the sets of
 * unsigned fields that do not fit are not worth a range. */
static bool set_is_range(const rp_ast_int *set, const rp_ast_enum_value *values, size_t n,
                         rp_ast_int *lo, rp_ast_int *hi)
{
    int64_t least = INT64_MAX, greatest = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        rp_ast_int x = set_member(set, values, i);
        if (!x.neg && x.mag > (uint64_t)INT64_MAX)
            return false;
        int64_t y = rp_ast_int_as_i64(x);
        least = y < least ? y : least;
        greatest = y > greatest ? y : greatest;
    }
    if (n < 2 || (uint64_t)greatest - (uint64_t)least != n - 1)
        return false;
    /* n integers in a span of n: a range unless one is there twice (one pass, not n^2
     * compares: a one_of of 20,000 numbers took 0.7 s) */
    bool *seen = rp_xcalloc(n, sizeof *seen);
    bool twice = false;
    for (size_t i = 0; i < n && !twice; i++) {
        uint64_t at = (uint64_t)rp_ast_int_as_i64(set_member(set, values, i)) - (uint64_t)least;
        twice = seen[at];
        seen[at] = true;
    }
    free(seen);
    if (twice)
        return false;
    *lo = rp_ast_int_from_i64(least);
    *hi = rp_ast_int_from_i64(greatest);
    return true;
}

/* " || !(v == a || v == b ...)" for a set of integers, or " || v < a || v > b" when the set
 * is every integer from a to b. */
static void refuse_unless_in(rp_strbuf *b, const int_value *x, const rp_ast_int *set,
                             const rp_ast_enum_value *values, size_t n)
{
    rp_ast_int lo, hi;
    if (set_is_range(set, values, n, &lo, &hi)) {
        refuse_below(b, x, lo);
        refuse_above(b, x, hi);
        return;
    }
    rp_sb_puts(b, EMIT_RULE_SEP "!(");
    for (size_t i = 0; i < n; i++) {
        rp_sb_printf(b, "%s%s == ", i > 0 ? " || " : "", x->v);
        emit_int_lit(b, x->sg, set_member(set, values, i));
    }
    rp_sb_puts(b, ")");
}

void emit_int_rules(rp_strbuf *b, const rp_ast_field *f, const char *v, rp_ast_scalar holds)
{
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    int_value x = { v, rp_ast_scalar_is_signed(rp_ast_type_int_kind(&f->type)), holds };
    if (a->const_value.kind != RP_VALUE_NONE) {
        /* the checker made sure the constant is a value of its enum, so that is all */
        rp_sb_printf(b, EMIT_RULE_SEP "%s != ", v);
        emit_int_lit(b, x.sg, a->const_value.i);
    } else if (ref != NULL && ref->kind == RP_DECL_ENUM) {
        refuse_unless_in(b, &x, NULL, ref->u.enm.values, ref->u.enm.value_count);
    }
    if (ref != NULL && ref->kind == RP_DECL_FLAGS) {
        uint64_t all = 0;
        for (size_t i = 0; i < ref->u.enm.value_count; i++)
            all |= ref->u.enm.values[i].value.mag;
        rp_sb_printf(b, EMIT_RULE_SEP "(%s & ~(uint64_t)", v);
        emit_u64_lit(b, all);
        rp_sb_puts(b, ") != 0");
    }
    if (a->has_range && a->has_lo)
        refuse_below(b, &x, a->lo);
    if (a->has_range && a->has_hi)
        refuse_above(b, &x, a->hi);
    if (a->one_of_count > 0)
        refuse_unless_in(b, &x, a->one_of, NULL, a->one_of_count);
}

void emit_len_rules(rp_strbuf *b, const char *n, const rp_ast_len *l)
{
    if (!l->present)
        return;
    if (l->set != NULL) {
        rp_sb_puts(b, EMIT_RULE_SEP "!(");
        for (size_t i = 0; i < l->set_count; i++) {
            rp_sb_printf(b, "%s%s == ", i > 0 ? " || " : "", n);
            emit_u64_lit(b, l->set[i]);
        }
        rp_sb_puts(b, ")");
        return;
    }
    if (l->has_min && l->has_max && l->min == l->max) {
        rp_sb_printf(b, EMIT_RULE_SEP "%s != ", n);
        emit_u64_lit(b, l->min);
        return;
    }
    if (l->has_min && l->min > 0) {
        rp_sb_printf(b, EMIT_RULE_SEP "%s < ", n);
        emit_u64_lit(b, l->min);
    }
    if (l->has_max) {
        rp_sb_printf(b, EMIT_RULE_SEP "%s > ", n);
        emit_u64_lit(b, l->max);
    }
}

void emit_rules_join(rp_strbuf *c, const char *indent, size_t used, const char *refusals)
{
    size_t width = used;
    for (const char *p = refusals; *p != '\0'; p++)
        width += *p == EMIT_RULE_SEP[0] ? 4 : 1;
    bool one_line = width <= 96;
    for (const char *p = refusals; *p != '\0'; p++) {
        if (*p != EMIT_RULE_SEP[0])
            rp_sb_putc(c, *p);
        else if (one_line)
            rp_sb_puts(c, " || ");
        else
            rp_sb_printf(c, " ||\n%s        ", indent);
    }
}
