/* ast.c — freeing and walking the AST, plus small helpers on scalars and exact integers. */
#include "ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_util.h"
#include "regex.h"

/* ---- freeing ------------------------------------------------------------------------------ */

static void free_value(rp_ast_value *v)
{
    free(v->str);
    free(v->ident);
}

static void free_len(rp_ast_len *l)
{
    free(l->set);
}

static void free_routes(rp_ast_route *routes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rp_ast_route *r = &routes[i];
        free(r->port_name);
        free(r->from_name);
        free(r->to_name);
        for (size_t j = 0; j < r->envelope_count; j++)
            free(r->envelope_names[j]);
        free(r->envelope_names);
        free(r->envelope_spans);
        free(r->envelopes);
    }
    free(routes);
}

void rp_ast_expr_free(rp_ast_expr *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->arg_count; i++)
        rp_ast_expr_free(e->args[i]);
    free(e->args);
    free(e->name);
    free(e->str);
    free(e);
}

void rp_ast_settings_free(rp_ast_setting *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        rp_ast_expr_free(s[i].value);
    }
    free(s);
}

static void free_envelope(rp_ast_envelope *e)
{
    rp_ast_expr_free(e->expr);
    for (size_t i = 0; i < e->layer_count; i++)
        free(e->layers[i].parts);
    free(e->layers);
}

static void free_transition(rp_ast_transition *t)
{
    free(t->subject);
    for (size_t i = 0; i < t->envelope_count; i++)
        free(t->envelope_names[i]);
    free(t->envelope_names);
    free(t->envelope_spans);
    free(t->target);
    for (size_t i = 0; i < t->action_count; i++)
        rp_ast_expr_free(t->actions[i]);
    free(t->actions);
    free(t->doc);
    free(t->envelopes);
    free(t->establishes);
    free(t->drops);
    free(t->starts);
    free(t->stops);
}

void rp_ast_state_clear(rp_ast_state *st)
{
    free(st->name);
    free(st->doc);
    for (size_t i = 0; i < st->transition_count; i++)
        free_transition(&st->transitions[i]);
    free(st->transitions);
}

static void free_machine(rp_ast_machine *m)
{
    free(m->peer_name);
    for (size_t i = 0; i < m->timer_count; i++) {
        free(m->timers[i].name);
        free(m->timers[i].doc);
    }
    free(m->timers);
    for (size_t i = 0; i < m->state_count; i++)
        rp_ast_state_clear(&m->states[i]);
    free(m->states);
}

static void free_profile(rp_ast_profile *p)
{
    free(p->base_name);
    rp_ast_settings_free(p->settings, p->setting_count);
    for (size_t i = 0; i < p->relax_count; i++)
        free(p->relaxes[i].key);
    free(p->relaxes);
}

static void free_field(rp_ast_field *f)
{
    free(f->type.name);
    free(f->type.map_key);
    free(f->attrs.pattern);
    rp_regex_free(f->attrs.pattern_re);
    free_len(&f->attrs.key_len);
    free(f->attrs.key_charset_name);
    free(f->c_name);
    free(f->wire_key);
    free(f->doc);
    free(f->attrs.one_of);
    free_len(&f->attrs.len);
    free_len(&f->attrs.count);
    free(f->attrs.charset_name);
    free_value(&f->attrs.const_value);
    free_value(&f->attrs.default_value);
    free(f->attrs.since);
    free(f->attrs.until);
}

static void free_enum_value(rp_ast_enum_value *v)
{
    free(v->name);
    free(v->doc);
    free(v->since);
    free(v->until);
    free(v->text);
}

void rp_ast_decl_free(rp_ast_decl *d)
{
    if (d == NULL)
        return;
    switch (d->kind) {
    case RP_DECL_CHARSET:
        free(d->u.charset.text);
        break;
    case RP_DECL_ENUM:
    case RP_DECL_FLAGS:
        for (size_t i = 0; i < d->u.enm.value_count; i++)
            free_enum_value(&d->u.enm.values[i]);
        free(d->u.enm.values);
        break;
    case RP_DECL_MESSAGE:
        free_routes(d->u.message.routes, d->u.message.route_count);
        for (size_t i = 0; i < d->u.message.field_count; i++)
            free_field(&d->u.message.fields[i]);
        free(d->u.message.fields);
        break;
    case RP_DECL_ARRAY:
        free(d->u.array.element.name);
        free_len(&d->u.array.len);
        free_routes(d->u.array.routes, d->u.array.route_count);
        break;
    case RP_DECL_PEER:
        break;
    case RP_DECL_PORT:
        rp_ast_settings_free(d->u.port.settings, d->u.port.setting_count);
        break;
    case RP_DECL_KEY:
        rp_ast_expr_free(d->u.key.expr);
        break;
    case RP_DECL_ENVELOPE:
        free_envelope(&d->u.envelope);
        break;
    case RP_DECL_PROFILE:
        free_profile(&d->u.profile);
        break;
    case RP_DECL_MACHINE:
        free_machine(&d->u.machine);
        break;
    }
    free(d->name);
    free(d->doc);
    free(d);
}

void rp_ast_unit_free(rp_ast_unit *u)
{
    if (u == NULL)
        return;
    for (size_t i = 0; i < u->decl_count; i++)
        rp_ast_decl_free(u->decls[i]);
    free(u->decls);
    for (size_t i = 0; i < u->import_count; i++)
        free(u->imports[i].path);
    free(u->imports);
    rp_ast_settings_free(u->options, u->option_count);
    free(u->protocol);
    free(u->protocol_doc);
    free(u->text);
    free(u->path);
    free(u);
}

void rp_ast_free(rp_ast_spec *spec)
{
    if (spec == NULL)
        return;
    for (size_t i = 0; i < spec->unit_count; i++)
        rp_ast_unit_free(spec->units[i]);
    free(spec->units);
    free(spec->decls);
    free(spec->ports);
    free(spec->keys);
    free(spec->envelopes);
    free(spec->profiles);
    free(spec->machines);
    free(spec);
}

/* ---- scalars ----------------------------------------------------------------------------- */

const char *rp_ast_scalar_name(rp_ast_scalar s)
{
    switch (s) {
    case RP_SCALAR_BOOL: return "bool";
    case RP_SCALAR_STRING: return "string";
    case RP_SCALAR_BYTES: return "bytes";
    case RP_SCALAR_INT8: return "int8";
    case RP_SCALAR_INT16: return "int16";
    case RP_SCALAR_INT32: return "int32";
    case RP_SCALAR_INT64: return "int64";
    case RP_SCALAR_UINT8: return "uint8";
    case RP_SCALAR_UINT16: return "uint16";
    case RP_SCALAR_UINT32: return "uint32";
    case RP_SCALAR_UINT64: return "uint64";
    case RP_SCALAR_FLOAT64: return "float64";
    case RP_SCALAR_NONE: break;
    }
    return "?";
}

const char *rp_ast_scalar_c_type(rp_ast_scalar s)
{
    switch (s) {
    case RP_SCALAR_BOOL: return "bool";
    case RP_SCALAR_STRING: return "rp_str";
    case RP_SCALAR_BYTES: return "rp_bytes";
    case RP_SCALAR_INT8: return "int8_t";
    case RP_SCALAR_INT16: return "int16_t";
    case RP_SCALAR_INT32: return "int32_t";
    case RP_SCALAR_INT64: return "int64_t";
    case RP_SCALAR_UINT8: return "uint8_t";
    case RP_SCALAR_UINT16: return "uint16_t";
    case RP_SCALAR_UINT32: return "uint32_t";
    case RP_SCALAR_UINT64: return "uint64_t";
    case RP_SCALAR_FLOAT64: return "double";
    case RP_SCALAR_NONE: break;
    }
    return "?";
}

bool rp_ast_scalar_is_int(rp_ast_scalar s)
{
    return s >= RP_SCALAR_INT8 && s <= RP_SCALAR_UINT64;
}

bool rp_ast_scalar_is_signed(rp_ast_scalar s)
{
    return s >= RP_SCALAR_INT8 && s <= RP_SCALAR_INT64;
}

unsigned rp_ast_scalar_bits(rp_ast_scalar s)
{
    switch (s) {
    case RP_SCALAR_INT8: case RP_SCALAR_UINT8: return 8;
    case RP_SCALAR_INT16: case RP_SCALAR_UINT16: return 16;
    case RP_SCALAR_INT32: case RP_SCALAR_UINT32: return 32;
    case RP_SCALAR_INT64: case RP_SCALAR_UINT64: return 64;
    default: return 0;
    }
}

rp_ast_int rp_ast_scalar_min(rp_ast_scalar s)
{
    rp_ast_int r = { 0, false };
    unsigned bits = rp_ast_scalar_bits(s);
    if (bits != 0 && rp_ast_scalar_is_signed(s)) {
        r.mag = (uint64_t)1 << (bits - 1);
        r.neg = true;
    }
    return r;
}

rp_ast_int rp_ast_scalar_max(rp_ast_scalar s)
{
    rp_ast_int r = { 0, false };
    unsigned bits = rp_ast_scalar_bits(s);
    if (bits == 0)
        return r;
    if (rp_ast_scalar_is_signed(s))
        r.mag = ((uint64_t)1 << (bits - 1)) - 1;
    else
        r.mag = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    return r;
}

/* ---- exact integers ---------------------------------------------------------------------- */

rp_ast_int rp_ast_int_from_u64(uint64_t v)
{
    rp_ast_int r = { v, false };
    return r;
}

rp_ast_int rp_ast_int_from_i64(int64_t v)
{
    rp_ast_int r;
    if (v < 0) {
        /* -(v+1)+1 avoids overflow for INT64_MIN */
        r.mag = (uint64_t)(-(v + 1)) + 1u;
        r.neg = true;
    } else {
        r.mag = (uint64_t)v;
        r.neg = false;
    }
    return r;
}

int rp_ast_int_cmp(rp_ast_int a, rp_ast_int b)
{
    if (a.neg != b.neg)
        return a.neg ? -1 : 1;
    if (a.mag == b.mag)
        return 0;
    if (a.neg)
        return a.mag > b.mag ? -1 : 1;
    return a.mag < b.mag ? -1 : 1;
}

/* A value and its position, sorted to find equal values without comparing pairs. */
typedef struct int_at {
    rp_ast_int v;
    size_t index;
} int_at;

static int int_at_cmp(const void *a, const void *b)
{
    const int_at *x = a, *y = b;
    int c = rp_ast_int_cmp(x->v, y->v);
    return c != 0 ? c : (x->index < y->index ? -1 : x->index > y->index);
}

size_t *rp_ast_int_first_equal(const rp_ast_int *items, size_t n)
{
    int_at *sorted = rp_xcalloc(n + 1, sizeof *sorted);
    size_t *first = rp_xcalloc(n + 1, sizeof *first);
    for (size_t i = 0; i < n; i++)
        sorted[i] = (int_at){ items[i], i };
    if (n > 1)
        qsort(sorted, n, sizeof *sorted, int_at_cmp);
    /* in each run of equal values the first entry has the smallest index */
    for (size_t i = 1, g = 0; i < n; i++) {
        if (rp_ast_int_cmp(sorted[i].v, sorted[g].v) == 0)
            first[sorted[i].index] = sorted[g].index + 1;
        else
            g = i;
    }
    free(sorted);
    return first;
}

bool rp_ast_int_fits(rp_ast_int v, rp_ast_scalar s)
{
    if (!rp_ast_scalar_is_int(s))
        return false;
    return rp_ast_int_cmp(v, rp_ast_scalar_min(s)) >= 0 && rp_ast_int_cmp(v, rp_ast_scalar_max(s)) <= 0;
}

bool rp_ast_len_allows(const rp_ast_len *l, uint64_t n)
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

int64_t rp_ast_int_as_i64(rp_ast_int v)
{
    if (!v.neg)
        return (int64_t)v.mag;
    if (v.mag == 0)
        return 0;
    return -(int64_t)(v.mag - 1u) - 1;
}

uint64_t rp_ast_int_as_u64(rp_ast_int v)
{
    return v.neg ? (uint64_t)0 - v.mag : v.mag;
}

char *rp_ast_int_format(rp_ast_int v, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return buf;
    snprintf(buf, cap, "%s%llu", v.neg ? "-" : "", (unsigned long long)v.mag);
    return buf;
}

/* ---- names ------------------------------------------------------------------------------- */

const char *rp_ast_decl_kind_name(rp_ast_decl_kind k)
{
    switch (k) {
    case RP_DECL_CHARSET: return "charset";
    case RP_DECL_ENUM: return "enum";
    case RP_DECL_FLAGS: return "flags";
    case RP_DECL_MESSAGE: return "message";
    case RP_DECL_ARRAY: return "array";
    case RP_DECL_PEER: return "peer";
    case RP_DECL_PORT: return "port";
    case RP_DECL_KEY: return "key";
    case RP_DECL_ENVELOPE: return "envelope";
    case RP_DECL_PROFILE: return "profile";
    case RP_DECL_MACHINE: return "machine";
    }
    return "?";
}

const char *rp_ast_layer_name(rp_ast_layer_kind k)
{
    switch (k) {
    case RP_AST_LAYER_JSON: return "json";
    case RP_AST_LAYER_ZLIB: return "zlib";
    case RP_AST_LAYER_BASE64: return "base64";
    case RP_AST_LAYER_BASE64_LENIENT: return "base64_lenient";
    case RP_AST_LAYER_HEX: return "hex";
    case RP_AST_LAYER_RSA: return "rsa";
    case RP_AST_LAYER_AES: return "aes";
    case RP_AST_LAYER_JOIN: return "join";
    }
    return "?";
}

const char *rp_ast_event_name(rp_ast_event_kind k)
{
    switch (k) {
    case RP_EVENT_SEND: return "send";
    case RP_EVENT_RECEIVE: return "receive";
    case RP_EVENT_TIMER: return "timer";
    }
    return "?";
}

const char *rp_ast_framing_name(rp_ast_framing_kind k)
{
    switch (k) {
    case RP_AST_FRAMING_NONE: return "none";
    case RP_AST_FRAMING_DELIMITER: return "delimiter";
    case RP_AST_FRAMING_LENGTH: return "length";
    }
    return "?";
}

const char *rp_ast_label_name(rp_ast_label l)
{
    switch (l) {
    case RP_LABEL_REQUIRED: return "required";
    case RP_LABEL_OPTIONAL: return "optional";
    case RP_LABEL_REPEATED: return "repeated";
    }
    return "?";
}

const char *rp_ast_encoding_name(rp_ast_bytes_encoding e)
{
    switch (e) {
    case RP_BYTES_NONE: return "none";
    case RP_BYTES_HEX: return "hex";
    case RP_BYTES_BASE64: return "base64";
    }
    return "?";
}

const char *rp_ast_unknown_keys_name(rp_ast_unknown_keys u)
{
    switch (u) {
    case RP_UNKNOWN_IGNORE: return "ignore";
    case RP_UNKNOWN_REJECT: return "reject";
    }
    return "?";
}

/* ---- lookups ----------------------------------------------------------------------------- */

rp_ast_scalar rp_ast_type_int_kind(const rp_ast_type *t)
{
    if (t == NULL)
        return RP_SCALAR_NONE;
    if (t->scalar != RP_SCALAR_NONE)
        return rp_ast_scalar_is_int(t->scalar) ? t->scalar : RP_SCALAR_NONE;
    if (t->ref != NULL && (t->ref->kind == RP_DECL_ENUM || t->ref->kind == RP_DECL_FLAGS) &&
        rp_ast_scalar_is_int(t->ref->u.enm.underlying))
        return t->ref->u.enm.underlying; /* not a string enum */
    return RP_SCALAR_NONE;
}

bool rp_ast_field_is_required(const rp_ast_field *f)
{
    if (f->label == RP_LABEL_REQUIRED)
        return true;
    if (f->label == RP_LABEL_REPEATED || f->type.is_map)
        return f->attrs.count.present && f->attrs.count.has_min && f->attrs.count.min >= 1;
    return false;
}

bool rp_ast_decl_is_string_enum(const rp_ast_decl *d)
{
    return d != NULL && d->kind == RP_DECL_ENUM && d->u.enm.underlying == RP_SCALAR_STRING;
}

bool rp_ast_type_is(const rp_ast_type *t, rp_ast_decl_kind k)
{
    return t != NULL && t->scalar == RP_SCALAR_NONE && t->ref != NULL && t->ref->kind == k;
}

const rp_ast_decl *rp_ast_find_decl(const rp_ast_spec *spec, const char *name)
{
    if (spec == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < spec->decl_count; i++)
        if (strcmp(spec->decls[i]->name, name) == 0)
            return spec->decls[i];
    return NULL;
}

const rp_ast_enum_value *rp_ast_find_enum_value(const rp_ast_decl *decl, const char *name)
{
    if (decl == NULL || name == NULL || (decl->kind != RP_DECL_ENUM && decl->kind != RP_DECL_FLAGS))
        return NULL;
    for (size_t i = 0; i < decl->u.enm.value_count; i++)
        if (strcmp(decl->u.enm.values[i].name, name) == 0)
            return &decl->u.enm.values[i];
    return NULL;
}

const rp_ast_field *rp_ast_find_field(const rp_ast_decl *decl, const char *c_name)
{
    if (decl == NULL || c_name == NULL || decl->kind != RP_DECL_MESSAGE)
        return NULL;
    for (size_t i = 0; i < decl->u.message.field_count; i++)
        if (strcmp(decl->u.message.fields[i].c_name, c_name) == 0)
            return &decl->u.message.fields[i];
    return NULL;
}

bool rp_ast_field_takes_zero_is_absent(const rp_ast_field *f)
{
    return f->label != RP_LABEL_REPEATED && !f->type.is_map && rp_ast_type_int_kind(&f->type) != RP_SCALAR_NONE;
}

bool rp_ast_field_takes_empty_is_absent(const rp_ast_field *f)
{
    return f->label != RP_LABEL_REPEATED && !f->type.is_map &&
           (f->type.scalar == RP_SCALAR_STRING || f->type.scalar == RP_SCALAR_BYTES);
}

void rp_ast_relax_masks(const rp_ast_spec *spec, const rp_ast_field *f, uint32_t *optional,
                        uint32_t *absent)
{
    *optional = *absent = 0;
    bool zero = rp_ast_field_takes_zero_is_absent(f), empty = rp_ast_field_takes_empty_is_absent(f);
    for (size_t i = 0; i < spec->profile_count; i++) {
        const rp_ast_decl *p = spec->profiles[i];
        rp_ast_relax_flags fl;
        if (p->u.profile.index > 31 || !rp_ast_profile_relaxes(p, f->wire_key, &fl))
            continue;
        uint32_t bit = (uint32_t)1 << p->u.profile.index;
        *optional |= fl.optional ? bit : 0u;
        *absent |= (zero && fl.zero_is_absent) || (empty && fl.empty_is_absent) ? bit : 0u;
    }
}

unsigned rp_ast_decode_depth(const rp_ast_spec *spec, const rp_ast_decl *d)
{
    if (spec->max_depth != 0)
        return (unsigned)spec->max_depth; /* checked: 1..1024 and at least every message's depth */
    return d->json_depth > RP_AST_DEFAULT_DEPTH ? d->json_depth : RP_AST_DEFAULT_DEPTH;
}

const rp_ast_route *rp_ast_decl_routes(const rp_ast_decl *d, size_t *count)
{
    size_t n = 0;
    const rp_ast_route *r = NULL;
    if (d != NULL && d->kind == RP_DECL_MESSAGE) {
        r = d->u.message.routes;
        n = d->u.message.route_count;
    } else if (d != NULL && d->kind == RP_DECL_ARRAY) {
        r = d->u.array.routes;
        n = d->u.array.route_count;
    }
    if (count != NULL)
        *count = n;
    return r;
}

bool rp_ast_profile_relaxes(const rp_ast_decl *profile, const char *key, rp_ast_relax_flags *flags)
{
    bool found = false;
    rp_ast_relax_flags all = { false, false, false };
    /* A profile's bases form a chain; the checker refuses cycles, the bound guards anyway. */
    for (size_t depth = 0; profile != NULL && profile->kind == RP_DECL_PROFILE && depth < 64;
         depth++, profile = profile->u.profile.base) {
        const rp_ast_profile *p = &profile->u.profile;
        for (size_t i = 0; i < p->relax_count; i++)
            if (strcmp(p->relaxes[i].key, key) == 0) {
                const rp_ast_relax_flags *r = &p->relaxes[i].flags;
                found = true;
                all.optional = all.optional || r->optional;
                all.zero_is_absent = all.zero_is_absent || r->zero_is_absent;
                all.empty_is_absent = all.empty_is_absent || r->empty_is_absent;
            }
    }
    if (flags != NULL)
        *flags = all;
    return found;
}

int rp_ast_walk(const rp_ast_spec *spec, bool main_only, const rp_ast_visitor *v, void *ctx)
{
    if (spec == NULL || v == NULL)
        return 0;
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        int rc;
        if (main_only && (d->unit == NULL || !d->unit->is_main))
            continue;
        if (v->decl != NULL && (rc = v->decl(ctx, d)) != 0)
            return rc;
        if ((d->kind == RP_DECL_ENUM || d->kind == RP_DECL_FLAGS) && v->enum_value != NULL)
            for (size_t j = 0; j < d->u.enm.value_count; j++)
                if ((rc = v->enum_value(ctx, d, &d->u.enm.values[j])) != 0)
                    return rc;
        if (d->kind == RP_DECL_MESSAGE && v->field != NULL)
            for (size_t j = 0; j < d->u.message.field_count; j++)
                if ((rc = v->field(ctx, d, &d->u.message.fields[j])) != 0)
                    return rc;
        if (v->decl_end != NULL && (rc = v->decl_end(ctx, d)) != 0)
            return rc;
    }
    return 0;
}
