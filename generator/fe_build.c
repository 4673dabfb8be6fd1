/* fe_build.c — see fe_build.h. */
#include "fe_build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const attr_names[RP_ATTR_KIND_COUNT] = {
    [RP_ATTR_RANGE] = "range", [RP_ATTR_ONE_OF] = "one_of", [RP_ATTR_LEN] = "len",
    [RP_ATTR_COUNT] = "count", [RP_ATTR_CHARSET] = "charset", [RP_ATTR_HEX] = "hex",
    [RP_ATTR_BASE64] = "base64", [RP_ATTR_CONST] = "const", [RP_ATTR_DEFAULT] = "default",
    [RP_ATTR_SINCE] = "since", [RP_ATTR_UNTIL] = "until", [RP_ATTR_PATTERN] = "pattern",
    [RP_ATTR_NULLABLE] = "nullable", [RP_ATTR_KEY_LEN] = "key_len",
    [RP_ATTR_KEY_CHARSET] = "key_charset",
};

/* ---- freeing partial values (used by %destructor and by the builders) -------------------- */

void rp_int_list_free(rp_int_list *l)
{
    if (l == NULL)
        return;
    free(l->items);
    free(l->spans);
    free(l);
}

void rp_value_free(rp_ast_value *v)
{
    if (v == NULL)
        return;
    free(v->str);
    free(v->ident);
    free(v);
}

void rp_attr_item_free(rp_attr_item *a)
{
    if (a == NULL)
        return;
    rp_int_list_free(a->ints);
    free(a->len.set);
    free(a->text);
    free(a->value.str);
    free(a->value.ident);
    free(a);
}

static void attrs_clear(rp_ast_attrs *at)
{
    free(at->one_of);
    free(at->len.set);
    free(at->count.set);
    free(at->charset_name);
    free(at->const_value.str);
    free(at->const_value.ident);
    free(at->default_value.str);
    free(at->default_value.ident);
    free(at->since);
    free(at->until);
    free(at->pattern);
    free(at->key_len.set);
    free(at->key_charset_name);
    memset(at, 0, sizeof *at);
}

void rp_attr_set_free(rp_attr_set *s)
{
    if (s == NULL)
        return;
    attrs_clear(&s->attrs);
    free(s);
}

static void field_clear(rp_ast_field *f)
{
    free(f->type.name);
    free(f->type.map_key);
    free(f->c_name);
    free(f->wire_key);
    free(f->doc);
    attrs_clear(&f->attrs);
}

void rp_msg_body_free(rp_msg_body *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->field_count; i++)
        field_clear(&b->fields[i]);
    free(b->fields);
    free(b);
}

void rp_value_list_free(rp_value_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].name);
        free(l->items[i].doc);
        free(l->items[i].since);
        free(l->items[i].until);
        free(l->items[i].text);
    }
    free(l->items);
    free(l);
}

void rp_name_list_free(rp_name_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->names[i]);
    free(l->names);
    free(l->spans);
    free(l);
}

void rp_expr_list_free(rp_expr_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        rp_ast_expr_free(l->items[i]);
    free(l->items);
    free(l);
}

void rp_setting_list_free(rp_setting_list *l)
{
    if (l == NULL)
        return;
    rp_ast_settings_free(l->items, l->count);
    free(l);
}

static void relaxes_free(rp_ast_relax *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].key);
    free(r);
}

void rp_profile_body_free(rp_profile_body *b)
{
    if (b == NULL)
        return;
    rp_ast_settings_free(b->settings.items, b->settings.count);
    relaxes_free(b->relaxes, b->relax_count);
    free(b);
}

static void route_clear(rp_ast_route *r)
{
    free(r->port_name);
    free(r->from_name);
    free(r->to_name);
    for (size_t i = 0; i < r->envelope_count; i++)
        free(r->envelope_names[i]);
    free(r->envelope_names);
    free(r->envelope_spans);
    free(r->envelopes);
}

void rp_transition_list_free(rp_transition_list *l)
{
    if (l == NULL)
        return;
    rp_ast_state st = { 0 };
    st.transitions = l->items;
    st.transition_count = l->count;
    rp_ast_state_clear(&st);
    free(l);
}

void rp_machine_body_free(rp_machine_body *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->timer_count; i++) {
        free(b->timers[i].name);
        free(b->timers[i].doc);
    }
    free(b->timers);
    for (size_t i = 0; i < b->state_count; i++)
        rp_ast_state_clear(&b->states[i]);
    free(b->states);
    rp_name_table_free(&b->names);
    free(b);
}

void rp_route_list_free(rp_route_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        route_clear(&l->items[i]);
    free(l->items);
    free(l);
}

void rp_type_free(rp_ast_type *t)
{
    if (t == NULL)
        return;
    free(t->name);
    free(t->map_key);
    free(t);
}

/* ---- small pieces -------------------------------------------------------------------------- */

rp_ast_scalar rp_scalar_from_name(const char *name)
{
    static const struct { const char *name; rp_ast_scalar s; } names[] = {
        { "bool", RP_SCALAR_BOOL }, { "string", RP_SCALAR_STRING }, { "bytes", RP_SCALAR_BYTES },
        { "int8", RP_SCALAR_INT8 }, { "int16", RP_SCALAR_INT16 }, { "int32", RP_SCALAR_INT32 },
        { "int64", RP_SCALAR_INT64 }, { "uint8", RP_SCALAR_UINT8 }, { "uint16", RP_SCALAR_UINT16 },
        { "uint32", RP_SCALAR_UINT32 }, { "uint64", RP_SCALAR_UINT64 },
        { "float64", RP_SCALAR_FLOAT64 },
    };
    if (name == NULL)
        return RP_SCALAR_NONE;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].s;
    return RP_SCALAR_NONE;
}

rp_int_list *rp_build_int_list(rp_int_list *list, rp_ast_int v, const rp_ast_span *span)
{
    if (list == NULL)
        list = rp_xcalloc(1, sizeof *list);
    size_t n = list->count;
    rp_ast_int *slot = rp_xpush(&list->items, &list->count, &list->cap, sizeof *slot);
    *slot = v;
    size_t sc = n;
    rp_ast_span *s = rp_xpush(&list->spans, &sc, &list->span_cap, sizeof *s);
    *s = *span;
    return list;
}

rp_attr_item *rp_build_attr(rp_attr_kind kind, const rp_ast_span *span)
{
    rp_attr_item *a = rp_xcalloc(1, sizeof *a);
    a->kind = kind;
    a->span = *span;
    return a;
}

rp_attr_item *rp_build_range_attr(const rp_ast_span *span, const rp_num *lo, const rp_num *hi)
{
    rp_attr_item *a = rp_build_attr(RP_ATTR_RANGE, span);
    a->has_lo = lo != NULL;
    a->has_hi = hi != NULL;
    a->range_float = (lo != NULL && lo->is_float) || (hi != NULL && hi->is_float);
    if (lo != NULL) {
        a->lo = lo->i;
        a->flo = lo->is_float ? lo->f : (lo->i.neg ? -(double)lo->i.mag : (double)lo->i.mag);
    }
    if (hi != NULL) {
        a->hi = hi->i;
        a->fhi = hi->is_float ? hi->f : (hi->i.neg ? -(double)hi->i.mag : (double)hi->i.mag);
    }
    return a;
}

rp_ast_value *rp_build_value(rp_ast_value_kind kind, const rp_ast_span *span)
{
    rp_ast_value *v = rp_xcalloc(1, sizeof *v);
    v->kind = kind;
    v->span = *span;
    return v;
}

rp_ast_type *rp_build_type(char *name, const rp_ast_span *span)
{
    rp_ast_type *t = rp_xcalloc(1, sizeof *t);
    t->span = *span;
    t->scalar = rp_scalar_from_name(name);
    if (t->scalar != RP_SCALAR_NONE)
        free(name);
    else
        t->name = name;
    return t;
}

/* Reports members given twice in a { } list (the list keeps spec order). */
static void report_duplicate_members(rp_parse_ctx *ctx, const rp_int_list *l, const char *what)
{
    size_t *first = rp_ast_int_first_equal(l->items, l->count);
    for (size_t i = 1; i < l->count; i++)
        if (first[i] != 0) {
            char buf[32];
            rp_parse_error(ctx, &l->spans[i], "duplicate value %s in %s",
                           rp_ast_int_format(l->items[i], buf, sizeof buf), what);
            rp_diag_note(ctx->diag, &l->spans[first[i] - 1], "first listed here");
        }
    free(first);
}

rp_attr_item *rp_build_len_attr(rp_attr_kind kind, const rp_ast_span *span, bool has_min,
                                rp_ast_int min, bool has_max, rp_ast_int max, rp_int_list *set)
{
    rp_attr_item *a = rp_build_attr(kind, span);
    a->len.present = true;
    a->len.span = *span;
    a->len.has_min = has_min;
    a->len.min = min.mag;
    a->len.has_max = has_max;
    a->len.max = max.mag;
    if (set != NULL) {
        a->ints = set; /* kept for duplicate reporting; converted in rp_build_attr_add */
    }
    return a;
}

rp_attr_set *rp_build_attr_add(rp_parse_ctx *ctx, rp_attr_set *set, rp_attr_item *item)
{
    if (set == NULL)
        set = rp_xcalloc(1, sizeof *set);
    rp_attr_kind k = item->kind;
    rp_ast_attrs *at = &set->attrs;
    rp_attr_kind group = (k == RP_ATTR_BASE64) ? RP_ATTR_HEX : k; /* hex/base64 exclusive */
    if (set->seen[group]) {
        rp_ast_bytes_encoding wanted = k == RP_ATTR_HEX ? RP_BYTES_HEX : RP_BYTES_BASE64;
        if (group == RP_ATTR_HEX && at->encoding != wanted)
            rp_build_error(ctx, &item->span, "'%s' conflicts with the encoding given before",
                           attr_names[k]);
        else
            rp_build_error(ctx, &item->span, "duplicate attribute '%s'", attr_names[k]);
        rp_diag_note(ctx->diag, &set->where[group], "first given here");
        rp_attr_item_free(item);
        return set;
    }
    set->seen[group] = true;
    set->where[group] = item->span;
    switch (k) {
    case RP_ATTR_RANGE:
        at->has_range = true;
        at->has_lo = item->has_lo;
        at->lo = item->lo;
        at->has_hi = item->has_hi;
        at->hi = item->hi;
        at->range_span = item->span;
        at->range_float = item->range_float;
        at->flo = item->flo;
        at->fhi = item->fhi;
        break;
    case RP_ATTR_ONE_OF:
        report_duplicate_members(ctx, item->ints, "one_of");
        at->one_of = item->ints->items;
        at->one_of_count = item->ints->count;
        item->ints->items = NULL;
        at->one_of_span = item->span;
        break;
    case RP_ATTR_LEN:
    case RP_ATTR_COUNT:
    case RP_ATTR_KEY_LEN: {
        rp_ast_len *dst = k == RP_ATTR_LEN ? &at->len : k == RP_ATTR_COUNT ? &at->count : &at->key_len;
        *dst = item->len;
        item->len.set = NULL;
        if (item->ints != NULL) {
            const rp_int_list *l = item->ints;
            report_duplicate_members(ctx, l, attr_names[k]);
            dst->set = rp_xmalloc(l->count * sizeof *dst->set);
            dst->set_count = l->count;
            dst->has_min = dst->has_max = true;
            dst->min = UINT64_MAX;
            dst->max = 0;
            for (size_t i = 0; i < l->count; i++) {
                dst->set[i] = l->items[i].mag;
                if (l->items[i].mag < dst->min)
                    dst->min = l->items[i].mag;
                if (l->items[i].mag > dst->max)
                    dst->max = l->items[i].mag;
            }
        }
        break;
    }
    case RP_ATTR_CHARSET:
        at->charset_name = item->text;
        item->text = NULL;
        at->charset_span = item->text_span;
        break;
    case RP_ATTR_HEX:
    case RP_ATTR_BASE64:
        at->encoding = k == RP_ATTR_HEX ? RP_BYTES_HEX : RP_BYTES_BASE64;
        at->encoding_span = item->span;
        break;
    case RP_ATTR_CONST:
    case RP_ATTR_DEFAULT: {
        rp_ast_value *dst = k == RP_ATTR_CONST ? &at->const_value : &at->default_value;
        *dst = item->value;
        item->value.str = NULL;
        item->value.ident = NULL;
        break;
    }
    case RP_ATTR_SINCE:
    case RP_ATTR_UNTIL:
        if (k == RP_ATTR_SINCE) {
            at->since = item->text;
            at->since_span = item->text_span;
        } else {
            at->until = item->text;
            at->until_span = item->text_span;
        }
        item->text = NULL;
        break;
    case RP_ATTR_PATTERN:
        at->pattern = item->text;
        item->text = NULL;
        at->pattern_span = item->text_span;
        break;
    case RP_ATTR_NULLABLE:
        at->nullable = true;
        at->nullable_span = item->span;
        break;
    case RP_ATTR_KEY_CHARSET:
        at->key_charset_name = item->text;
        item->text = NULL;
        at->key_charset_span = item->text_span;
        break;
    case RP_ATTR_KIND_COUNT:
        break;
    }
    rp_attr_item_free(item);
    return set;
}

/* Reports every attribute in set that is not in the allowed mask (bits of rp_attr_kind). */
static size_t reject_attrs(rp_parse_ctx *ctx, const rp_attr_set *set, unsigned allowed,
                           const char *where)
{
    size_t bad = 0;
    if (set == NULL)
        return 0;
    for (int k = 1; k < RP_ATTR_KIND_COUNT; k++) {
        if (!set->seen[k] || (allowed & (1u << k)) != 0)
            continue;
        const char *name = attr_names[k];
        if (k == RP_ATTR_HEX && set->attrs.encoding == RP_BYTES_BASE64)
            name = "base64";
        rp_parse_error(ctx, &set->where[k], "'%s' is not allowed on %s", name, where);
        bad++;
    }
    return bad;
}

/* ---- names, expressions, settings ----------------------------------------------------------- */

rp_name_list *rp_build_name_list(rp_name_list *list, char *name, const rp_ast_span *span)
{
    if (list == NULL)
        list = rp_xcalloc(1, sizeof *list);
    size_t n = list->count;
    *(char **)rp_xpush(&list->names, &list->count, &list->cap, sizeof *list->names) = name;
    *(rp_ast_span *)rp_xpush(&list->spans, &n, &list->span_cap, sizeof *list->spans) = *span;
    return list;
}

rp_ast_expr *rp_build_expr_name(char *name, const rp_ast_span *span)
{
    rp_ast_expr *e = rp_xcalloc(1, sizeof *e);
    e->kind = RP_EXPR_NAME;
    e->name = name;
    e->span = e->name_span = *span;
    return e;
}

rp_ast_expr *rp_build_expr_call(char *name, const rp_ast_span *name_span, rp_expr_list *args,
                                const rp_ast_span *span)
{
    rp_ast_expr *e = rp_xcalloc(1, sizeof *e);
    e->kind = RP_EXPR_CALL;
    e->name = name;
    e->name_span = *name_span;
    e->span = *span;
    if (args != NULL) {
        e->args = args->items;
        e->arg_count = args->count;
        free(args);
    }
    return e;
}

rp_ast_expr *rp_build_expr_string(char *str, const rp_ast_span *span)
{
    rp_ast_expr *e = rp_xcalloc(1, sizeof *e);
    e->kind = RP_EXPR_STRING;
    e->str = str;
    e->span = e->name_span = *span;
    return e;
}

rp_ast_expr *rp_build_expr_int(rp_ast_int v, const rp_ast_span *span)
{
    rp_ast_expr *e = rp_xcalloc(1, sizeof *e);
    e->kind = RP_EXPR_INT;
    e->i = v;
    e->span = e->name_span = *span;
    return e;
}

rp_expr_list *rp_build_expr_list(rp_expr_list *list, rp_ast_expr *expr)
{
    if (list == NULL)
        list = rp_xcalloc(1, sizeof *list);
    *(rp_ast_expr **)rp_xpush(&list->items, &list->count, &list->cap, sizeof *list->items) = expr;
    return list;
}

rp_setting_list *rp_build_setting(rp_parse_ctx *ctx, rp_setting_list *list, char *name,
                                  const rp_ast_span *name_span, rp_ast_expr *value,
                                  const rp_ast_span *span)
{
    if (list == NULL)
        list = rp_xcalloc(1, sizeof *list);
    free(rp_parse_take_doc(ctx, span->offset));
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0) {
            rp_build_error(ctx, name_span, "'%s' given twice", name);
            rp_diag_note(ctx->diag, &list->items[i].name_span, "first given here");
            free(name);
            rp_ast_expr_free(value);
            return list;
        }
    rp_ast_setting *st = rp_xpush(&list->items, &list->count, &list->cap, sizeof *st);
    st->name = name;
    st->name_span = *name_span;
    st->value = value;
    st->span = *span;
    return list;
}

rp_profile_body *rp_build_profile_setting(rp_parse_ctx *ctx, rp_profile_body *body, char *name,
                                          const rp_ast_span *name_span, rp_ast_expr *value,
                                          const rp_ast_span *span)
{
    if (body == NULL)
        body = rp_xcalloc(1, sizeof *body);
    rp_setting_list tmp = body->settings;
    rp_setting_list *heap = rp_xmalloc(sizeof *heap);
    *heap = tmp;
    heap = rp_build_setting(ctx, heap, name, name_span, value, span);
    body->settings = *heap;
    free(heap);
    return body;
}

rp_profile_body *rp_build_relax(rp_parse_ctx *ctx, rp_profile_body *body, char *key,
                                const rp_ast_span *key_span, rp_name_list *flags,
                                const rp_ast_span *span)
{
    if (body == NULL)
        body = rp_xcalloc(1, sizeof *body);
    free(rp_parse_take_doc(ctx, span->offset));
    rp_ast_relax r = { key, *key_span, { false, false, false }, *span };
    for (size_t i = 0; i < flags->count; i++) {
        bool *flag = strcmp(flags->names[i], "optional") == 0          ? &r.flags.optional
                     : strcmp(flags->names[i], "zero_is_absent") == 0  ? &r.flags.zero_is_absent
                     : strcmp(flags->names[i], "empty_is_absent") == 0 ? &r.flags.empty_is_absent
                                                                       : NULL;
        if (flag == NULL)
            rp_build_error(ctx, &flags->spans[i],
                           "unknown relax flag '%s'; expected 'optional', 'zero_is_absent' or "
                           "'empty_is_absent'", flags->names[i]);
        else if (*flag)
            rp_build_error(ctx, &flags->spans[i], "relax flag '%s' given twice", flags->names[i]);
        else
            *flag = true;
    }
    rp_name_list_free(flags);
    for (size_t i = 0; i < body->relax_count; i++)
        if (strcmp(body->relaxes[i].key, key) == 0) {
            rp_build_error(ctx, key_span, "\"%s\" is relaxed twice in this profile", key);
            rp_diag_note(ctx->diag, &body->relaxes[i].key_span, "first relaxed here");
            free(key);
            return body;
        }
    *(rp_ast_relax *)rp_xpush(&body->relaxes, &body->relax_count, &body->relax_cap, sizeof r) = r;
    return body;
}

/* ---- routes -------------------------------------------------------------------------------- */

rp_ast_route *rp_build_route(rp_parse_ctx *ctx, char *port, const rp_ast_span *port_span,
                             char *from, const rp_ast_span *from_span, char *to,
                             const rp_ast_span *to_span, rp_name_list *envelopes,
                             const rp_ast_span *span)
{
    rp_ast_route *r = rp_xcalloc(1, sizeof *r);
    r->port_name = port;
    r->port_span = *port_span;
    r->from_name = from;
    r->from_span = *from_span;
    r->to_name = to;
    r->to_span = *to_span;
    r->span = *span;
    size_t cap = 0, span_cap = 0;
    for (size_t i = 0; i < envelopes->count; i++) {
        bool dup = false;
        for (size_t j = 0; j < r->envelope_count && !dup; j++)
            if (strcmp(r->envelope_names[j], envelopes->names[i]) == 0) {
                rp_build_error(ctx, &envelopes->spans[i], "envelope '%s' listed twice",
                               envelopes->names[i]);
                rp_diag_note(ctx->diag, &r->envelope_spans[j], "first listed here");
                dup = true;
            }
        if (dup) {
            free(envelopes->names[i]);
            continue;
        }
        size_t n = r->envelope_count;
        *(char **)rp_xpush(&r->envelope_names, &r->envelope_count, &cap, sizeof(char *)) =
            envelopes->names[i];
        *(rp_ast_span *)rp_xpush(&r->envelope_spans, &n, &span_cap, sizeof(rp_ast_span)) =
            envelopes->spans[i];
    }
    free(envelopes->names);
    free(envelopes->spans);
    free(envelopes);
    return r;
}

rp_route_list *rp_build_route_list(rp_route_list *list, rp_ast_route *route)
{
    if (list == NULL)
        list = rp_xcalloc(1, sizeof *list);
    *(rp_ast_route *)rp_xpush(&list->items, &list->count, &list->cap, sizeof *route) = *route;
    free(route);
    return list;
}

/* ---- fields, options, enum values ------------------------------------------------------------ */

rp_msg_body *rp_build_field(rp_parse_ctx *ctx, rp_msg_body *body, rp_ast_label label,
                            rp_ast_type *type, char *c_name, const rp_ast_span *name_span,
                            char *wire_key, const rp_ast_span *key_span, rp_attr_set *attrs,
                            const rp_ast_span *span)
{
    rp_ast_field *f = rp_xpush(&body->fields, &body->field_count, &body->field_cap, sizeof *f);
    f->label = label;
    f->type = *type;
    free(type);
    f->c_name = c_name;
    f->name_span = *name_span;
    f->wire_key = wire_key;
    f->key_span = *key_span;
    f->span = *span;
    f->doc = rp_parse_take_doc(ctx, span->offset);
    if (attrs != NULL) {
        f->attrs = attrs->attrs;
        free(attrs);
    }
    return body;
}

rp_msg_body *rp_build_option(rp_parse_ctx *ctx, rp_msg_body *body, char *name,
                             const rp_ast_span *name_span, char *value,
                             const rp_ast_span *value_span, const rp_ast_span *span)
{
    if (strcmp(name, "unknown_keys") != 0) {
        rp_build_error(ctx, name_span, "unknown option '%s'; the only option is 'unknown_keys'", name);
    } else if (body->unknown_keys_set) {
        rp_build_error(ctx, span, "option 'unknown_keys' given twice");
        rp_diag_note(ctx->diag, &body->unknown_keys_span, "first given here");
    } else if (strcmp(value, "ignore") == 0 || strcmp(value, "reject") == 0) {
        body->unknown_keys = value[0] == 'i' ? RP_UNKNOWN_IGNORE : RP_UNKNOWN_REJECT;
        body->unknown_keys_set = true;
        body->unknown_keys_span = *span;
    } else {
        rp_build_error(ctx, value_span, "unknown_keys must be 'ignore' or 'reject', not '%s'", value);
    }
    free(rp_parse_take_doc(ctx, span->offset));
    free(name);
    free(value);
    return body;
}

rp_value_list *rp_build_enum_value(rp_parse_ctx *ctx, rp_value_list *list, char *name,
                                   const rp_ast_span *name_span, rp_ast_int v,
                                   const rp_ast_span *value_span, rp_attr_set *attrs,
                                   const rp_ast_span *span)
{
    rp_ast_enum_value *e = rp_xpush(&list->items, &list->count, &list->cap, sizeof *e);
    e->name = name;
    e->name_span = *name_span;
    e->value = v;
    e->value_span = *value_span;
    e->span = *span;
    e->doc = rp_parse_take_doc(ctx, span->offset);
    if (attrs != NULL) {
        reject_attrs(ctx, attrs, (1u << RP_ATTR_SINCE) | (1u << RP_ATTR_UNTIL), "an enum value");
        e->since = attrs->attrs.since;
        e->until = attrs->attrs.until;
        e->since_span = attrs->attrs.since_span;
        e->until_span = attrs->attrs.until_span;
        attrs->attrs.since = attrs->attrs.until = NULL;
        rp_attr_set_free(attrs);
    }
    return list;
}

/* ---- declarations ------------------------------------------------------------------------------ */

static rp_ast_decl *new_decl(rp_parse_ctx *ctx, rp_ast_decl_kind kind, char *name,
                             const rp_ast_span *name_span, const rp_ast_span *span)
{
    rp_ast_decl *d = rp_xcalloc(1, sizeof *d);
    d->kind = kind;
    d->name = name;
    d->name_span = *name_span;
    d->span = *span;
    d->doc = rp_parse_take_doc(ctx, span->offset);
    d->unit = ctx->unit;
    return d;
}

rp_ast_decl *rp_build_charset(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              char *text, const rp_ast_span *text_span, const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_CHARSET, name, name_span, span);
    d->u.charset.text = text;
    d->u.charset.text_span = *text_span;
    return d;
}

rp_ast_decl *rp_build_enum(rp_parse_ctx *ctx, rp_ast_decl_kind kind, char *name,
                           const rp_ast_span *name_span, char *underlying,
                           const rp_ast_span *underlying_span, rp_value_list *values,
                           const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, kind, name, name_span, span);
    rp_ast_scalar s = rp_scalar_from_name(underlying);
    if (kind == RP_DECL_ENUM && s == RP_SCALAR_STRING) {
        /* a string enum: its values must be strings (checked with the values) */
    } else if (!rp_ast_scalar_is_int(s)) {
        rp_parse_error(ctx, underlying_span,
                       kind == RP_DECL_ENUM
                           ? "the type of %s '%s' must be a built-in integer type or string, not '%s'"
                           : "the type of %s '%s' must be a built-in integer type, not '%s'",
                       rp_ast_decl_kind_name(kind), name, underlying);
    }
    free(underlying);
    d->u.enm.underlying = s;
    d->u.enm.underlying_span = *underlying_span;
    d->u.enm.values = values->items;
    d->u.enm.value_count = values->count;
    free(values);
    for (size_t i = 0; i < d->u.enm.value_count; i++) {
        d->u.enm.values[i].index = i;
        d->u.enm.values[i].parent = d;
        if (d->u.enm.values[i].text != NULL) /* a string enum's C number: its 1-based position */
            d->u.enm.values[i].value = rp_ast_int_from_u64(i + 1);
    }
    return d;
}

rp_ast_decl *rp_build_message(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              rp_route_list *routes, rp_msg_body *body, const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_MESSAGE, name, name_span, span);
    rp_ast_message *m = &d->u.message;
    if (routes != NULL) {
        m->routes = routes->items;
        m->route_count = routes->count;
        free(routes);
    }
    m->fields = body->fields;
    m->field_count = body->field_count;
    m->unknown_keys = body->unknown_keys;
    m->unknown_keys_set = body->unknown_keys_set;
    m->unknown_keys_span = body->unknown_keys_span;
    free(body);
    for (size_t i = 0; i < m->field_count; i++) {
        m->fields[i].index = i;
        m->fields[i].parent = d;
    }
    return d;
}

rp_ast_decl *rp_build_array(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                            rp_ast_type *element, rp_attr_set *attrs, rp_route_list *routes,
                            const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_ARRAY, name, name_span, span);
    d->u.array.element = *element;
    free(element);
    if (attrs != NULL) {
        reject_attrs(ctx, attrs, 1u << RP_ATTR_LEN, "an array declaration");
        d->u.array.len = attrs->attrs.len;
        attrs->attrs.len.set = NULL;
        rp_attr_set_free(attrs);
    }
    if (routes != NULL) {
        d->u.array.routes = routes->items;
        d->u.array.route_count = routes->count;
        free(routes);
    }
    return d;
}

void rp_build_peers(rp_parse_ctx *ctx, rp_name_list *names, const rp_ast_span *span)
{
    if (names->count != 2)
        rp_parse_error(ctx, span, "'peers' names exactly two peers, not %zu", names->count);
    char *doc = rp_parse_take_doc(ctx, span->offset);
    for (size_t i = 0; i < names->count; i++) {
        rp_ast_decl *d = new_decl(ctx, RP_DECL_PEER, names->names[i], &names->spans[i], span);
        free(d->doc);
        d->doc = i == 0 ? doc : rp_xstrdup(doc); /* both names share the statement's doc */
        d->span = names->spans[i];
        d->u.peer.index = i;
        d->u.peer.statement_span = *span;
        rp_build_add_decl(ctx, d);
    }
    if (names->count == 0)
        free(doc);
    free(names->names);
    free(names->spans);
    free(names);
}

rp_ast_decl *rp_build_port(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                           rp_setting_list *settings, const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_PORT, name, name_span, span);
    if (settings != NULL) {
        d->u.port.settings = settings->items;
        d->u.port.setting_count = settings->count;
        free(settings);
    }
    return d;
}

rp_ast_decl *rp_build_key(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                          rp_ast_expr *expr, const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_KEY, name, name_span, span);
    d->u.key.expr = expr;
    return d;
}

rp_ast_decl *rp_build_envelope(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                               rp_ast_expr *expr, const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_ENVELOPE, name, name_span, span);
    d->u.envelope.expr = expr;
    return d;
}

rp_ast_decl *rp_build_profile(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              char *base, const rp_ast_span *base_span, rp_profile_body *body,
                              const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_PROFILE, name, name_span, span);
    rp_ast_profile *p = &d->u.profile;
    p->base_name = base;
    if (base_span != NULL)
        p->base_span = *base_span;
    if (body != NULL) {
        p->settings = body->settings.items;
        p->setting_count = body->settings.count;
        p->relaxes = body->relaxes;
        p->relax_count = body->relax_count;
        free(body);
    }
    return d;
}

/* ---- machines ------------------------------------------------------------------------------- */

/* The span of an earlier timer or state with this name in body, or NULL. */
/* A machine body being built; its names table makes a duplicate check O(1), so a machine
 * of n states parses in O(n). */
static rp_machine_body *machine_body(rp_machine_body *body)
{
    if (body == NULL) {
        body = rp_xcalloc(1, sizeof *body);
        rp_name_table_init(&body->names, 16);
    }
    return body;
}

/* Where name is already declared in the body (a timer or a state), or NULL. */
static const rp_ast_span *machine_name_taken(const rp_machine_body *body, const char *name)
{
    size_t v = rp_name_table_get(&body->names, name);
    if (v == 0)
        return NULL;
    size_t i = (v - 1) / 2;
    return v % 2 == 1 ? &body->timers[i].span : &body->states[i].name_span;
}

rp_machine_body *rp_build_timer(rp_parse_ctx *ctx, rp_machine_body *body, char *name,
                                const rp_ast_span *name_span, const rp_ast_span *span)
{
    body = machine_body(body);
    char *doc = rp_parse_take_doc(ctx, span->offset);
    const rp_ast_span *first = machine_name_taken(body, name);
    if (first != NULL) {
        rp_build_error(ctx, name_span, "'%s' is declared twice in this machine", name);
        rp_diag_note(ctx->diag, first, "first declared here");
        free(name);
        free(doc);
        return body;
    }
    rp_ast_timer *t = rp_xpush(&body->timers, &body->timer_count, &body->timer_cap, sizeof *t);
    t->name = name;
    t->doc = doc;
    t->span = *name_span;
    t->index = body->timer_count - 1;
    rp_name_table_put(&body->names, t->name, 2 * t->index + 1);
    return body;
}

rp_machine_body *rp_build_state(rp_parse_ctx *ctx, rp_machine_body *body, char *name,
                                const rp_ast_span *name_span, rp_name_list *flags,
                                rp_transition_list *transitions, const rp_ast_span *span)
{
    body = machine_body(body);
    rp_ast_state st = { 0 };
    st.name = name;
    st.name_span = *name_span;
    st.span = *span;
    st.doc = rp_parse_take_doc(ctx, span->offset);
    if (transitions != NULL) {
        st.transitions = transitions->items;
        st.transition_count = transitions->count;
        free(transitions);
    }
    for (size_t i = 0; flags != NULL && i < flags->count; i++) {
        bool *flag = strcmp(flags->names[i], "initial") == 0 ? &st.initial
                     : strcmp(flags->names[i], "final") == 0 ? &st.final
                                                             : NULL;
        if (flag == NULL)
            rp_build_error(ctx, &flags->spans[i], "unknown state flag '%s'; expected 'initial' or 'final'",
                           flags->names[i]);
        else if (*flag)
            rp_build_error(ctx, &flags->spans[i], "state flag '%s' given twice", flags->names[i]);
        else
            *flag = true;
    }
    rp_name_list_free(flags);
    const rp_ast_span *first = machine_name_taken(body, name);
    if (first != NULL) {
        rp_build_error(ctx, name_span, "'%s' is declared twice in this machine", name);
        rp_diag_note(ctx->diag, first, "first declared here");
        rp_ast_state_clear(&st);
        return body;
    }
    st.index = body->state_count;
    *(rp_ast_state *)rp_xpush(&body->states, &body->state_count, &body->state_cap, sizeof st) = st;
    rp_name_table_put(&body->names, st.name, 2 * st.index + 2);
    return body;
}

rp_transition_list *rp_build_transition(rp_parse_ctx *ctx, rp_transition_list *list,
                                        rp_ast_event_kind event, char *subject,
                                        const rp_ast_span *subject_span, rp_name_list *envelopes,
                                        char *target, const rp_ast_span *target_span,
                                        rp_expr_list *actions, const rp_ast_span *span)
{
    if (list == NULL)
        list = rp_xcalloc(1, sizeof *list);
    rp_ast_transition *t = rp_xpush(&list->items, &list->count, &list->cap, sizeof *t);
    t->event = event;
    t->subject = subject;
    t->subject_span = *subject_span;
    t->target = target;
    t->target_span = *target_span;
    t->span = *span;
    t->doc = rp_parse_take_doc(ctx, span->offset);
    if (envelopes != NULL) {
        t->envelope_names = envelopes->names;
        t->envelope_spans = envelopes->spans;
        t->envelope_count = envelopes->count;
        free(envelopes);
    }
    if (actions != NULL) {
        t->actions = actions->items;
        t->action_count = actions->count;
        free(actions);
    }
    return list;
}

rp_ast_decl *rp_build_machine(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              char *peer, const rp_ast_span *peer_span, rp_machine_body *body,
                              const rp_ast_span *span)
{
    rp_ast_decl *d = new_decl(ctx, RP_DECL_MACHINE, name, name_span, span);
    rp_ast_machine *m = &d->u.machine;
    m->peer_name = peer;
    m->peer_span = *peer_span;
    if (body != NULL) {
        m->timers = body->timers;
        m->timer_count = body->timer_count;
        m->states = body->states;
        m->state_count = body->state_count;
        rp_name_table_free(&body->names);
        free(body);
    }
    return d;
}

void rp_build_file_option(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                          rp_ast_expr *value, const rp_ast_span *span)
{
    rp_ast_unit *u = ctx->unit;
    free(rp_parse_take_doc(ctx, span->offset));
    if (strcmp(name, "max_depth") != 0) {
        rp_build_error(ctx, name_span, "unknown option '%s'; the only file option is 'max_depth'", name);
        free(name);
        rp_ast_expr_free(value);
        return;
    }
    for (size_t i = 0; i < u->option_count; i++)
        if (strcmp(u->options[i].name, name) == 0) {
            rp_build_error(ctx, name_span, "option '%s' given twice", name);
            rp_diag_note(ctx->diag, &u->options[i].name_span, "first given here");
            free(name);
            rp_ast_expr_free(value);
            return;
        }
    size_t cap = u->option_count; /* grows by one: file options are few */
    rp_ast_setting *st = rp_xpush(&u->options, &u->option_count, &cap, sizeof *st);
    st->name = name;
    st->name_span = *name_span;
    st->value = value;
    st->span = *span;
}

void rp_build_add_decl(rp_parse_ctx *ctx, rp_ast_decl *decl)
{
    rp_ast_unit *u = ctx->unit;
    /* capacity is the next power of two of decl_count: grow when count is one */
    if (u->decl_count == 0 || (u->decl_count & (u->decl_count - 1)) == 0)
        u->decls = rp_xrealloc(u->decls, (u->decl_count == 0 ? 1 : u->decl_count * 2) * sizeof *u->decls);
    u->decls[u->decl_count++] = decl;
}

void rp_build_protocol(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                       const rp_ast_span *span)
{
    rp_ast_unit *u = ctx->unit;
    char *doc = rp_parse_take_doc(ctx, span->offset);
    if (u->protocol != NULL) {
        rp_build_error(ctx, span, "duplicate 'protocol' declaration");
        rp_diag_note(ctx->diag, &u->protocol_span, "first declared here");
        free(name);
        free(doc);
        return;
    }
    u->protocol = name;
    u->protocol_span = *name_span;
    u->protocol_doc = doc;
}

void rp_build_import(rp_parse_ctx *ctx, char *path, const rp_ast_span *path_span)
{
    rp_ast_unit *u = ctx->unit;
    if (u->import_count == 0 || (u->import_count & (u->import_count - 1)) == 0)
        u->imports = rp_xrealloc(u->imports, (u->import_count == 0 ? 1 : u->import_count * 2) * sizeof *u->imports);
    rp_ast_import *imp = &u->imports[u->import_count++];
    memset(imp, 0, sizeof *imp);
    imp->path = path;
    imp->span = *path_span;
}

/* ---- parse context helpers ------------------------------------------------------------------- */

char *rp_parse_take_doc(rp_parse_ctx *ctx, size_t offset)
{
    /* docs are in offset order and claimed roughly in order: scan from the end */
    for (size_t i = ctx->doc_count; i-- > 0;) {
        if (ctx->docs[i].offset == offset) {
            char *t = ctx->docs[i].text;
            ctx->docs[i].text = NULL;
            return t;
        }
        if (ctx->docs[i].offset < offset)
            break;
    }
    return NULL;
}

static void report(rp_parse_ctx *ctx, const rp_ast_span *span, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    ctx->errors++;
    rp_diag_error(ctx->diag, span, "%s", buf);
}

void rp_parse_error(rp_parse_ctx *ctx, const rp_ast_span *span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, span, fmt, ap);
    va_end(ap);
}

void rp_build_error(rp_parse_ctx *ctx, const rp_ast_span *span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, span, fmt, ap);
    va_end(ap);
    ctx->kept_whole++;
}
