/* rp_schema_float.c — float64 fields (rp_schema_kind_float64): any JSON number whose nearest
 * double is finite, written back in the shortest text that reads back exactly.
 *
 * Reached only through the .kind of a float64 field's description, so a program whose
 * spec has no float64 field links neither this file nor rp_json_float.c.
 */
#include "rp_schema.h"

#include <string.h>

#include "rp_json_float.h"
#include "rp_json_internal.h"
#include "rp_schema_internal.h"

/* Reads a JSON number into the float64 field at p. Returns 1 when stored, 0 when reported
 * (collect-all), or a negative rp_status. */
static int read_float(schema_ctx *cx, const rp_schema_field *f, void *p)
{
    rp_str text;
    int rc = rp_json_read_number_text(&cx->sc, &text, NULL, json_err(cx));
    if (rc < 0)
        return rc;
    double v;
    if (rp_json_parse_double(text.ptr, text.len, &v) != 0)
        return rps_problem(cx, RP_E_SCHEMA_RANGE, here(cx), &f->loc, "%.*s%s does not fit a float64 "
                           "(beyond 1.7976931348623157e308)", text.len > 40 ? 40 : (int)text.len,
                           text.ptr, text.len > 40 ? "..." : "");
    memcpy(p, &v, sizeof v);
    return 1;
}

/* The value at p is finite and within the field's ranges. */
static int check_float(schema_ctx *cx, const rp_schema_field *f, const void *p, size_t offset)
{
    double v;
    memcpy(&v, p, sizeof v);
    char shown[RP_JSON_DOUBLE_MAX];
    if (rp_json_format_double(v, shown, sizeof shown) == 0)
        return rps_problem(cx, RP_E_SCHEMA_RANGE, offset, &f->loc, "expected a finite number, got %s",
                           v != v ? "NaN" : "an infinity");
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        int rc;
        if (r->kind == RP_RULE_RANGE && ((r->has_lo && !(v >= r->f_lo)) || (r->has_hi && !(v <= r->f_hi))))
            if ((rc = rps_problem(cx, RP_E_SCHEMA_RANGE, offset, &r->loc, "expected %s, got %s",
                                  r->expect, shown)) < 0)
                return rc;
    }
    return 0;
}

static void write_float(rp_json_writer *w, const rp_schema_field *f, const void *p)
{
    (void)f;
    double v;
    memcpy(&v, p, sizeof v);
    char text[RP_JSON_DOUBLE_MAX];
    size_t n = rp_json_format_double(v, text, sizeof text);
    rp_json_write_raw(w, text, n > 0 ? n : 1); /* validated: finite, so n > 0 */
}

const rp_schema_kind rp_schema_kind_float64 = { read_float, check_float, write_float };
