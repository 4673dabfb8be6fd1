/* rp_schema_classify.c — which of a port's messages a JSON text is, from the top-level
 * values of their const (discriminator) fields, before any of them is decoded.
 */
#include "rp_schema.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rp_json_internal.h"
#include "rp_json_number.h"
#include "rp_schema_internal.h"

/* ---- classify ------------------------------------------------------------------------------- */

#define CLASSIFY_KEYS 16
#define CLASSIFY_TEXT 64 /* longest string value a message quotes, with its NUL */

/* A discriminator key found at the top level, with its value when it is an integer, a
 * string (as it appears in the input: compared with rp_json_str_eq) or a boolean. */
typedef struct found_key {
    const char *key;
    size_t key_len;
    rp_json_type type;        /* RP_JSON_NUMBER, _STRING, _TRUE or _FALSE */
    bool is_int;              /* NUMBER: an integer (after wire truncation) */
    bool neg;
    uint64_t mag;
    rp_json_str text;         /* STRING */
} found_key;

static bool route_wants(const rp_schema_route *r, int port, int dir)
{
    return r->port == port && r->dir == dir && r->message != NULL;
}

/* The text a string-valued const stands for (a string field, or a string enum), or NULL. */
static const char *const_text(const rp_schema_field *f, const rp_schema_rule *c)
{
    return f->type == RP_SCHEMA_INT || f->type == RP_SCHEMA_UINT || f->type == RP_SCHEMA_BOOL
               ? NULL : c->str;
}

/* A const rule a discriminated message can be recognised by: integers, booleans and
 * strings (string fields and string enums). */
static const rp_schema_rule *discriminator_rule(const rp_schema_field *f)
{
    const rp_schema_rule *c = const_rule(f);
    if (c == NULL || f->repeated)
        return NULL;
    if (f->type == RP_SCHEMA_INT || f->type == RP_SCHEMA_UINT || f->type == RP_SCHEMA_BOOL ||
        const_text(f, c) != NULL)
        return c;
    return NULL;
}

static bool is_discriminator(const rp_schema_route *routes, size_t n, int port, int dir,
                             const rp_json_str *key, const char **lit, size_t *lit_len)
{
    for (size_t i = 0; i < n; i++) {
        if (!route_wants(&routes[i], port, dir) || routes[i].message->is_array)
            continue;
        const rp_schema_message *m = routes[i].message;
        for (size_t k = 0; k < m->field_count; k++) {
            const rp_schema_field *f = &m->fields[k];
            if (discriminator_rule(f) != NULL && rp_json_str_eq(key, f->key, f->key_len)) {
                *lit = f->key;
                *lit_len = f->key_len;
                return true;
            }
        }
    }
    return false;
}

static int count_consts(const rp_schema_message *m)
{
    int n = 0;
    for (size_t k = 0; k < m->field_count; k++)
        if (discriminator_rule(&m->fields[k]) != NULL)
            n++;
    return n;
}

static const found_key *find_found(const found_key *found, size_t nfound, const rp_schema_field *f)
{
    const found_key *fk = NULL;
    for (size_t j = 0; j < nfound; j++) /* the last occurrence wins, as in wire decoding */
        if (found[j].key_len == f->key_len && memcmp(found[j].key, f->key, f->key_len) == 0)
            fk = &found[j];
    return fk;
}

static bool const_matches(const rp_schema_field *f, const rp_schema_rule *c, const found_key *fk)
{
    const char *t = const_text(f, c);
    if (fk == NULL)
        return false;
    if (t != NULL)
        return fk->type == RP_JSON_STRING && rp_json_str_eq(&fk->text, t, strlen(t));
    if (f->type == RP_SCHEMA_BOOL)
        return (fk->type == RP_JSON_TRUE || fk->type == RP_JSON_FALSE) &&
               (fk->type == RP_JSON_TRUE) == (c->u_lo != 0);
    if (fk->type != RP_JSON_NUMBER || !fk->is_int)
        return false;
    if (f->type == RP_SCHEMA_UINT)
        return !fk->neg && fk->mag == c->u_lo;
    return c->i_lo < 0 ? (fk->neg && fk->mag == (uint64_t)(-(c->i_lo + 1)) + 1u)
                       : (!fk->neg && fk->mag == (uint64_t)c->i_lo);
}

static bool consts_match(const rp_schema_message *m, const found_key *found, size_t nfound)
{
    for (size_t k = 0; k < m->field_count; k++) {
        const rp_schema_field *f = &m->fields[k];
        const rp_schema_rule *c = discriminator_rule(f);
        if (c != NULL && !const_matches(f, c, find_found(found, nfound, f)))
            return false;
    }
    return true;
}

/* "why: not any of A, B, C" with every candidate message of the route named (a long list is
 * cut with "..." rather than dropping names silently). */
static int no_match(const rp_schema_route *routes, size_t n, int port, int dir, size_t offset,
                    const char *why, rp_error *err)
{
    char names[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!route_wants(&routes[i], port, dir))
            continue;
        int w = snprintf(names + used, sizeof names - used, "%s%s", used > 0 ? ", " : "",
                         routes[i].message->name);
        if (w < 0 || (size_t)w >= sizeof names - used) {
            memcpy(names + sizeof names - 4, "...", 4);
            break;
        }
        used += (size_t)w;
    }
    return rp_error_set(err, RP_E_SCHEMA_MESSAGE, RP_LAYER_SCHEMA, offset,
                        "%s: not any of %s", why, used > 0 ? names : "(no message here)");
}

/* Appends "key VALUE" for one discriminator to why[0..cap) at *used. */
static void describe_found(char *why, size_t cap, size_t *used, const rp_schema_field *f,
                           const found_key *fk)
{
    if (*used >= cap)
        return;
    const char *sep = *used > 0 ? ", " : "";
    char text[CLASSIFY_TEXT];
    size_t text_len;
    int w;
    if (fk == NULL)
        w = snprintf(why + *used, cap - *used, "%s%s absent", sep, f->key);
    else if (fk->type == RP_JSON_NUMBER && fk->is_int)
        w = snprintf(why + *used, cap - *used, "%s%s %s%" PRIu64, sep, f->key, fk->neg ? "-" : "",
                     fk->mag);
    else if (fk->type == RP_JSON_STRING && /* one too long to quote fails: "not a known string" */
             rp_json_unescape(&fk->text, text, sizeof text, &text_len, NULL) == 0)
        w = snprintf(why + *used, cap - *used, "%s%s \"%.*s\"", sep, f->key, (int)text_len, text);
    else if (fk->type == RP_JSON_TRUE || fk->type == RP_JSON_FALSE)
        w = snprintf(why + *used, cap - *used, "%s%s %s", sep, f->key,
                     fk->type == RP_JSON_TRUE ? "true" : "false");
    else
        w = snprintf(why + *used, cap - *used, "%s%s not %s", sep, f->key,
                     const_text(f, discriminator_rule(f)) != NULL ? "a known string"
                     : f->type == RP_SCHEMA_BOOL                  ? "a boolean"
                                                                  : "an integer");
    if (w > 0)
        *used += (size_t)w;
}

/* Whether the key of field k of routes[i] is a discriminator's key before it — in an
 * earlier route wanted here, or earlier in the same message — so each key is said once. */
static bool said_before(const rp_schema_route *routes, int port, int dir, size_t i, size_t k)
{
    const rp_schema_field *f = &routes[i].message->fields[k];
    for (size_t j = 0; j <= i; j++) {
        if (!route_wants(&routes[j], port, dir) || routes[j].message->is_array)
            continue;
        const rp_schema_message *m = routes[j].message;
        for (size_t q = 0; q < (j < i ? m->field_count : k); q++) {
            const rp_schema_field *g = &m->fields[q];
            if (discriminator_rule(g) != NULL && g->key_len == f->key_len &&
                memcmp(g->key, f->key, f->key_len) == 0)
                return true;
        }
    }
    return false;
}

int rp_schema_classify(const rp_schema_route *routes, size_t n, int port, int dir,
                       const char *json, size_t len, const rp_schema_profile *profile,
                       rp_error *err)
{
    if (routes == NULL || (json == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL argument");
    rp_error_clear(err);
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, json, len, json_flags(profile));
    unsigned depth = RP_JSON_DEFAULT_DEPTH;
    for (size_t i = 0; i < n; i++)
        if (routes[i].message != NULL && depth_of(routes[i].message) > depth)
            depth = depth_of(routes[i].message);
    if (rp_json_scanner_set_max_depth(&sc, depth) != 0) {
        /* cannot happen: depth_of is within 1..RP_JSON_MAX_DEPTH */
    }
    rp_json_type t;
    int rc = rp_json_peek(&sc, &t, err);
    if (rc < 0)
        return rc;
    if (t == RP_JSON_ARRAY_BEGIN) {
        for (size_t i = 0; i < n; i++)
            if (route_wants(&routes[i], port, dir) && routes[i].message->is_array)
                return (int)i;
        return no_match(routes, n, port, dir, 0, "a JSON array", err);
    }
    if (t != RP_JSON_OBJECT_BEGIN) {
        /* Read it anyway: text that is not JSON at all should say so. */
        if ((rc = rp_json_skip_value(&sc, err)) < 0 || (rc = rp_json_finish(&sc, err)) < 0)
            return rc;
        return no_match(routes, n, port, dir, 0, "neither an object nor an array", err);
    }

    found_key found[CLASSIFY_KEYS];
    size_t nfound = 0;
    if ((rc = rp_json_expect_object_begin(&sc, err)) < 0)
        return rc;
    for (;;) {
        rp_json_str key;
        bool done;
        const char *lit = NULL;
        size_t lit_len = 0;
        if ((rc = rp_json_next_key(&sc, &key, &done, err)) < 0)
            return rc;
        if (done)
            break;
        rp_json_type vt = RP_JSON_NONE;
        if ((rc = rp_json_peek(&sc, &vt, err)) < 0)
            return rc;
        if (nfound >= CLASSIFY_KEYS || !is_discriminator(routes, n, port, dir, &key, &lit, &lit_len)) {
            if ((rc = rp_json_skip_value(&sc, err)) < 0)
                return rc;
            continue;
        }
        found_key *fk = &found[nfound++];
        memset(fk, 0, sizeof *fk);
        fk->key = lit;
        fk->key_len = lit_len;
        fk->type = vt;
        if (vt == RP_JSON_NUMBER) {
            rp_str text;
            bool is_integer = false;
            if ((rc = rp_json_read_number_text(&sc, &text, &is_integer, err)) < 0)
                return rc;
            /* as rp_schema_decode reads an integer field: a fraction or an exponent only
             * under truncation, and -0 (or -0.5 truncated) is 0 */
            fk->is_int = (is_integer || (profile != NULL && profile->float_truncate)) &&
                         rpj_number_to_u64mag(text.ptr, text.len, true, &fk->neg, &fk->mag) ==
                             RPJ_NUM_OK;
            fk->neg = fk->neg && fk->mag != 0;
        } else if (vt == RP_JSON_STRING) {
            if ((rc = rp_json_read_string_view(&sc, &fk->text, err)) < 0)
                return rc;
        } else if ((rc = rp_json_skip_value(&sc, err)) < 0) {
            return rc;
        }
    }
    if ((rc = rp_json_finish(&sc, err)) < 0)
        return rc;
    /* Discriminated messages first, so a catch-all message never shadows them. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const rp_schema_route *r = &routes[i];
            if (!route_wants(r, port, dir) || r->message->is_array)
                continue;
            int consts = count_consts(r->message);
            if ((pass == 0) != (consts > 0))
                continue;
            if (consts_match(r->message, found, nfound))
                return (int)i;
        }
    }
    /* Say what the discriminators were, e.g. "type 5", "kind \"blue\"", "type not an integer". */
    char why[96] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!route_wants(&routes[i], port, dir) || routes[i].message->is_array)
            continue;
        const rp_schema_message *m = routes[i].message;
        for (size_t k = 0; k < m->field_count; k++) {
            const rp_schema_field *f = &m->fields[k];
            if (discriminator_rule(f) != NULL && !said_before(routes, port, dir, i, k))
                describe_found(why, sizeof why, &used, f, find_found(found, nfound, f));
        }
    }
    if (used >= sizeof why)
        memcpy(why + sizeof why - 4, "...", 4);
    return no_match(routes, n, port, dir, 0, why[0] != '\0' ? why : "no discriminator", err);
}
