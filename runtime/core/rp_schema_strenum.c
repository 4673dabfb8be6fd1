/* rp_schema_strenum.c — string enum fields (rp_schema_kind_strenum): a JSON string that is
 * one of the texts of the field's RP_RULE_ENUM rule, held as its 1-based position.
 *
 * Reached only through the .kind of a string enum field's description, so a program whose
 * spec has none does not link this file.
 */
#include "rp_schema.h"

#include <inttypes.h>
#include <string.h>

#include "rp_json_internal.h"
#include "rp_schema_internal.h"

/* Reads a JSON string into the string enum field at p. Returns 1 when stored, 0 when
 * reported (collect-all), or a negative rp_status. */
static int read_strenum(schema_ctx *cx, const rp_schema_field *f, void *p)
{
    rp_json_str v;
    int rc = rp_json_read_string_view(&cx->sc, &v, json_err(cx));
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind != RP_RULE_ENUM)
            continue;
        for (size_t k = 0; k < r->set_count; k++)
            if (rp_json_str_eq(&v, r->str_set[k], strlen(r->str_set[k]))) {
                store_u(p, f->size, (uint64_t)k + 1u);
                return 1;
            }
        return rps_problem(cx, RP_E_SCHEMA_RANGE, here(cx), &r->loc, "expected %s, got \"%.*s%s\"",
                           r->expect, v.raw_len > 40 ? 40 : (int)v.raw_len, v.raw,
                           v.raw_len > 40 ? "..." : "");
    }
    return rps_problem(cx, RP_E_ARGUMENT, here(cx), &f->loc, "string enum field without its values");
}

/* A const string enum holding another of its values: says which, as integer consts do. */
static int const_problem(schema_ctx *cx, const rp_schema_field *f, const rp_schema_rule *c,
                         uint64_t v, size_t offset)
{
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *e = &f->rules[i];
        if (e->kind == RP_RULE_ENUM && v >= 1 && v <= e->set_count)
            return rps_problem(cx, RP_E_SCHEMA_CONST, offset, &c->loc, "expected %s, got \"%s\"",
                               c->expect, e->str_set[v - 1]);
    }
    return rps_problem(cx, RP_E_SCHEMA_CONST, offset, &c->loc, "expected %s", c->expect);
}

/* The position at p names one of the texts (and the const one, when there is a const). */
static int check_strenum(schema_ctx *cx, const rp_schema_field *f, const void *p, size_t offset)
{
    uint64_t v = load_u(p, f->size);
    int rc = 0;
    for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind == RP_RULE_ENUM && (v == 0 || v > r->set_count))
            rc = rps_problem(cx, RP_E_SCHEMA_RANGE, offset, &r->loc, "expected %s, got number %" PRIu64,
                             r->expect, v);
        else if (r->kind == RP_RULE_CONST && v != r->u_lo)
            rc = const_problem(cx, f, r, v, offset);
    }
    return rc;
}

static void write_strenum(rp_json_writer *w, const rp_schema_field *f, const void *p)
{
    uint64_t v = load_u(p, f->size);
    for (size_t i = 0; i < f->rule_count; i++)
        if (f->rules[i].kind == RP_RULE_ENUM && v >= 1 && v <= f->rules[i].set_count)
            rp_json_write_string(w, f->rules[i].str_set[v - 1], strlen(f->rules[i].str_set[v - 1]));
}

const rp_schema_kind rp_schema_kind_strenum = { read_strenum, check_strenum, write_strenum };
