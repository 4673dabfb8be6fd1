/* check_routed.c — messages that may arrive on one port, from one peer, in one envelope
 * must be told apart by a required const field: what the generated decode_any_in dispatches
 * on; decode_any, which is not told the envelope, also needs it across envelopes (a warning;
 * docs/language.md §4.9). */
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"

#define error rp_check_error

/* How many distinct const keys rp_schema_classify (runtime/core/rp_schema_classify.c,
 * CLASSIFY_KEYS) tells the messages of one port and sender apart by: past that, the
 * generated decode_any would route a message to no one. */
#define CLASSIFY_KEYS 16

/* ---- telling routed messages apart --------------------------------------------------------------- */

/* True when a and b are both const on a required field with the same wire key and differ. */
static bool consts_differ(const rp_ast_field *a, const rp_ast_field *b)
{
    const rp_ast_value *x = &a->attrs.const_value, *y = &b->attrs.const_value;
    if (a->label != RP_LABEL_REQUIRED || b->label != RP_LABEL_REQUIRED || x->kind == RP_VALUE_NONE ||
        y->kind == RP_VALUE_NONE || strcmp(a->wire_key, b->wire_key) != 0)
        return false;
    bool xs = x->kind == RP_VALUE_STRING, ys = y->kind == RP_VALUE_STRING;
    bool xb = x->kind == RP_VALUE_BOOL, yb = y->kind == RP_VALUE_BOOL;
    if (xs || ys)
        return !(xs && ys) || strcmp(x->str, y->str) != 0;
    if (xb || yb)
        return !(xb && yb) || x->b != y->b;
    return rp_ast_int_cmp(x->i, y->i) != 0; /* INT and resolved ENUM both carry i */
}

static bool messages_differ(const rp_ast_decl *a, const rp_ast_decl *b)
{
    for (size_t x = 0; x < a->u.message.field_count; x++)
        for (size_t y = 0; y < b->u.message.field_count; y++)
            if (consts_differ(&a->u.message.fields[x], &b->u.message.fields[y]))
                return true;
    return false;
}

/* The const of a required field with wire key `key`, or NULL. */
static const rp_ast_value *const_at(const rp_ast_decl *m, const char *key)
{
    for (size_t i = 0; i < m->u.message.field_count; i++) {
        const rp_ast_field *f = &m->u.message.fields[i];
        if (f->label == RP_LABEL_REQUIRED && f->attrs.const_value.kind != RP_VALUE_NONE &&
            strcmp(f->wire_key, key) == 0)
            return &f->attrs.const_value;
    }
    return NULL;
}

/* Text of a const value for bucketing: equal texts <=> equal values (kinds prefixed). */
static void value_key(const rp_ast_value *v, rp_strbuf *out)
{
    char buf[32];
    switch (v->kind) {
    case RP_VALUE_STRING: rp_sb_printf(out, "s%s", v->str); break;
    case RP_VALUE_BOOL: rp_sb_puts(out, v->b ? "b1" : "b0"); break;
    default: rp_sb_printf(out, "i%s", rp_ast_int_format(v->i, buf, sizeof buf)); break;
    }
}

typedef struct routed {
    const rp_ast_decl *decl;
    const rp_ast_route *route;
    size_t group;            /* (port, sender, envelope) */
    char *bucket;            /* value of the group's most common discriminator, or NULL */
} routed;

static int by_group_then_bucket(const void *pa, const void *pb)
{
    const routed *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if ((a->bucket == NULL) != (b->bucket == NULL))
        return a->bucket == NULL ? 1 : -1;
    int k = a->bucket != NULL ? strcmp(a->bucket, b->bucket) : 0;
    if (k != 0)
        return k;
    return a->decl->index < b->decl->index ? -1 : a->decl->index > b->decl->index;
}

/* Whether every required const key of message a is a key of message b too (true when a has
 * none): then a text of b may carry a's discriminators with a's values, and decode_any, which
 * takes the first message whose consts all match, may take it for a. */
static bool consts_declared_by(const rp_ast_decl *a, const rp_ast_decl *b)
{
    for (size_t i = 0; i < a->u.message.field_count; i++) {
        const rp_ast_field *f = &a->u.message.fields[i];
        if (f->label != RP_LABEL_REQUIRED || f->attrs.const_value.kind == RP_VALUE_NONE)
            continue;
        bool found = false;
        for (size_t j = 0; j < b->u.message.field_count && !found; j++)
            found = strcmp(b->u.message.fields[j].wire_key, f->wire_key) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Whether routes a and b share no envelope. */
static bool envelopes_disjoint(const rp_ast_route *a, const rp_ast_route *b)
{
    for (size_t i = 0; i < a->envelope_count; i++)
        for (size_t j = 0; j < b->envelope_count; j++)
            if (a->envelopes[i] == b->envelopes[j])
                return false;
    return true;
}

/* env: the envelope both arrive in (an error), or NULL when they share none (a warning:
 * decode_any_in tells them apart, decode_any does not). */
static void report_pair(rp_checker *c, const routed *a, const routed *b, const rp_ast_decl *env)
{
    if (env == NULL) {
        if (!envelopes_disjoint(a->route, b->route))
            return; /* they share an envelope: the error is said there */
        if (a->decl->kind != RP_DECL_ARRAY && !consts_declared_by(a->decl, b->decl) &&
            !consts_declared_by(b->decl, a->decl))
            return; /* each has a discriminator the other has no field for */
        rp_diag_warning(c->diag, &b->decl->name_span,
                        "%s '%s' and '%s' both arrive from '%s' on port '%s' and only their "
                        "envelopes tell them apart: decode_any may take one for the other; "
                        "decode_any_in, given the envelope that opened the text, does not",
                        a->decl->kind == RP_DECL_ARRAY ? "arrays" : "messages", a->decl->name,
                        b->decl->name, b->route->from->name, b->route->port->name);
    } else if (a->decl->kind == RP_DECL_ARRAY) {
        error(c, &b->decl->name_span, "arrays '%s' and '%s' both arrive from '%s' on port '%s' in '%s': a "
              "receiver cannot tell two arrays apart", a->decl->name, b->decl->name,
              b->route->from->name, b->route->port->name, env->name);
    } else {
        error(c, &b->decl->name_span,
              "messages '%s' and '%s' both arrive from '%s' on port '%s' in '%s' and no required "
              "const field tells them apart",
              a->decl->name, b->decl->name, b->route->from->name, b->route->port->name, env->name);
    }
    rp_diag_note(c->diag, &a->decl->name_span, "'%s' declared here", a->decl->name);
}

/* Two messages that may arrive on the same port, from the same peer, in the same envelope
 * must differ in a required const field with the same key (what the generated decode_any_in
 * dispatches on); two arrays there cannot be told apart at all; an array never meets a
 * message (JSON array vs object). by_envelope false: the same over every envelope, as
 * decode_any sees them, where a pair only envelopes tell apart is a warning. Pairs are only
 * compared within a bucket of equal values of the group's most common discriminator key, so
 * the usual spec (one `type` per message) is checked in n log n. */
static void check_groups(rp_checker *c, bool by_envelope)
{
    rp_ast_spec *spec = c->spec;
    size_t ne = by_envelope ? spec->envelope_count : 1;
    routed *all = NULL;
    size_t count = 0, cap = 0;
    for (size_t i = 0; i < spec->decl_count; i++) {
        size_t n = 0;
        const rp_ast_route *routes = rp_ast_decl_routes(spec->decls[i], &n);
        if (!rp_check_decl_clean(c, spec->decls[i]))
            n = 0; /* its own errors are reported; comparing it would only echo them */
        for (size_t j = 0; j < n; j++)
            for (size_t k = 0; k < routes[j].envelope_count; k++) {
                const rp_ast_route *r = &routes[j];
                routed *x = rp_xpush(&all, &count, &cap, sizeof *x);
                x->decl = spec->decls[i];
                x->route = r;
                /* arrays get their own groups: they never meet objects */
                x->group = (((r->port->u.port.index * 2 + r->from->u.peer.index) * ne +
                             (by_envelope ? r->envelopes[k]->u.envelope.index : 0)) << 1) |
                           (spec->decls[i]->kind == RP_DECL_ARRAY ? 1u : 0u);
                if (!by_envelope)
                    break; /* one entry per route */
            }
    }
    if (count > 1) /* qsort's base must not be NULL, even for no elements */
        qsort(all, count, sizeof *all, by_group_then_bucket);
    if (!by_envelope) { /* a declaration with two routes on one port from one peer: once */
        size_t kept = 0;
        for (size_t i = 0; i < count; i++)
            if (kept == 0 || all[kept - 1].group != all[i].group || all[kept - 1].decl != all[i].decl)
                all[kept++] = all[i];
        count = kept;
    }
    for (size_t start = 0; start < count;) {
        size_t end = start;
        while (end < count && all[end].group == all[start].group)
            end++;
        const rp_ast_decl *env = by_envelope ? spec->envelopes[(all[start].group >> 1) % ne] : NULL;
        if (all[start].decl->kind == RP_DECL_ARRAY) {
            for (size_t i = start + 1; i < end && !rp_diag_stopped(c->diag); i++)
                report_pair(c, &all[start], &all[i], env);
            start = end;
            continue;
        }
        /* the most common const key of the group's first message (a good bucket key) */
        const char *key = NULL;
        size_t best = 0;
        const rp_ast_decl *m0 = all[start].decl;
        for (size_t f = 0; f < m0->u.message.field_count; f++) {
            const rp_ast_field *fd = &m0->u.message.fields[f];
            if (fd->label != RP_LABEL_REQUIRED || fd->attrs.const_value.kind == RP_VALUE_NONE)
                continue;
            size_t have = 0;
            for (size_t i = start; i < end; i++)
                have += const_at(all[i].decl, fd->wire_key) != NULL;
            if (have > best) {
                best = have;
                key = fd->wire_key;
            }
        }
        for (size_t i = start; i < end; i++) {
            const rp_ast_value *v = key != NULL ? const_at(all[i].decl, key) : NULL;
            if (v != NULL) {
                rp_strbuf b = { 0 };
                value_key(v, &b);
                all[i].bucket = rp_sb_take(&b);
            }
        }
        qsort(all + start, end - start, sizeof *all, by_group_then_bucket);
        /* within a bucket every pair; the bucket-less messages against everyone. A bucket of
         * n alike messages is n^2 errors: no pair is compared once errors are dropped. */
        size_t none = start;
        while (none < end && all[none].bucket != NULL)
            none++;
        for (size_t b0 = start; b0 < none;) {
            size_t b1 = b0;
            while (b1 < none && strcmp(all[b1].bucket, all[b0].bucket) == 0)
                b1++;
            for (size_t i = b0; i < b1 && !rp_diag_stopped(c->diag); i++)
                for (size_t j = i + 1; j < b1; j++)
                    if (!messages_differ(all[i].decl, all[j].decl))
                        report_pair(c, &all[i], &all[j], env);
            b0 = b1;
        }
        for (size_t i = none; i < end && !rp_diag_stopped(c->diag); i++)
            for (size_t j = start; j < end; j++)
                if (j != i && (j < none || j > i) && !messages_differ(all[i].decl, all[j].decl))
                    report_pair(c, j < i ? &all[j] : &all[i], j < i ? &all[i] : &all[j], env);
        for (size_t i = start; i < end; i++) {
            free(all[i].bucket);
            all[i].bucket = NULL;
        }
        start = end;
    }
    free(all);
}

void rp_check_discriminators(rp_checker *c)
{
    if (c->spec->envelope_count == 0)
        return;
    check_groups(c, true);
    check_groups(c, false);
}

/* ---- how many keys tell them apart ----------------------------------------------------------- */

/* A field the runtime reads to tell messages apart: a const that is not a float. */
static bool is_discriminator(const rp_ast_field *f)
{
    rp_ast_value_kind k = f->attrs.const_value.kind;
    return f->label != RP_LABEL_REPEATED && k != RP_VALUE_NONE && k != RP_VALUE_FLOAT;
}

static bool same_sender(const rp_ast_route *a, const rp_ast_route *b)
{
    return a->port == b->port && a->from == b->from;
}

/* Whether declaration d has a route on r's port from r's sender. */
static bool arrives_like(const rp_ast_decl *d, const rp_ast_route *r)
{
    size_t n = 0;
    const rp_ast_route *routes = rp_ast_decl_routes(d, &n);
    for (size_t i = 0; i < n; i++)
        if (same_sender(&routes[i], r))
            return true;
    return false;
}

/* Whether route j of declaration i is the spec's first on its port from its sender. */
static bool first_of_sender(const rp_ast_spec *spec, size_t i, size_t j)
{
    size_t n = 0;
    const rp_ast_route *routes = rp_ast_decl_routes(spec->decls[i], &n);
    for (size_t k = 0; k < i; k++)
        if (arrives_like(spec->decls[k], &routes[j]))
            return false;
    for (size_t q = 0; q < j; q++)
        if (same_sender(&routes[q], &routes[j]))
            return false;
    return true;
}

/* The messages from declaration `first` on that arrive like r have at most CLASSIFY_KEYS
 * distinct const keys; else the field that brings one more is the error. */
static void check_keys_of_sender(rp_checker *c, size_t first, const rp_ast_route *r)
{
    const rp_ast_spec *spec = c->spec;
    const char *keys[CLASSIFY_KEYS];
    size_t nkeys = 0;
    for (size_t i = first; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE || !rp_check_decl_clean(c, d) || !arrives_like(d, r))
            continue;
        for (size_t f = 0; f < d->u.message.field_count; f++) {
            const rp_ast_field *fd = &d->u.message.fields[f];
            if (!is_discriminator(fd))
                continue;
            size_t h = 0;
            while (h < nkeys && strcmp(keys[h], fd->wire_key) != 0)
                h++;
            if (h < nkeys)
                continue; /* a key counted already */
            if (nkeys == CLASSIFY_KEYS) {
                error(c, &fd->key_span,
                      "more than %d distinct const keys among the messages that arrive from "
                      "'%s' on port '%s': decode_any tells messages apart by at most %d",
                      CLASSIFY_KEYS, r->from->name, r->port->name, CLASSIFY_KEYS);
                return;
            }
            keys[nkeys++] = fd->wire_key;
        }
    }
}

/* Every port and sender: the keys the runtime tells its messages apart by fit its table. */
void rp_check_classify_keys(rp_checker *c)
{
    for (size_t i = 0; i < c->spec->decl_count; i++) {
        size_t n = 0;
        const rp_ast_route *routes = rp_ast_decl_routes(c->spec->decls[i], &n);
        for (size_t j = 0; j < n; j++)
            if (first_of_sender(c->spec, i, j))
                check_keys_of_sender(c, i, &routes[j]);
    }
}
