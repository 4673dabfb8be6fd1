/* rp_schema_classify.c — which of a port's messages a JSON text is, from the top-level
 * values of their const (discriminator) fields, before any of them is decoded.
 */
#include "rp_schema.h"

#include <string.h>

#include "rp_json_internal.h"
#include "rp_json_number.h"
#include "rp_schema_internal.h"

/* ---- classify ------------------------------------------------------------------------------- */

/* Distinct discriminator keys told apart among the messages of one port and direction
 * (docs/language.md §4.9; more is an RP_E_ARGUMENT error). */
#define CLASSIFY_KEYS 16
#define CLASSIFY_TEXT 64 /* longest string value a message quotes, with its NUL */

/* The messages a text may be: the routes of one port and direction. */
typedef struct candidates {
    const rp_schema_route *routes;
    size_t n;
    int port;
    int dir;
    int envelope; /* < 0: any */
} candidates;

/* One discriminator key of the candidates, and the value the text gives it (of a key given
 * twice the one that picks the message: the last under duplicate_keys = last, else the
 * first, see rp_schema_classify): an integer read as rp_schema_decode reads it, a string as
 * it appears in the input, or just the type. */
typedef struct found_key {
    const rp_schema_field *field; /* the first discriminator with this key, in route order */
    rp_json_token value;          /* type RP_JSON_NONE while the key is absent; of an object
                                     or an array only the type */
    bool is_int;                  /* NUMBER: an integer (after wire truncation) */
    bool neg;
    uint64_t mag;
} found_key;

static bool route_wants(const candidates *cs, size_t i)
{
    const rp_schema_route *r = &cs->routes[i];
    return r->port == cs->port && r->dir == cs->dir && r->message != NULL &&
           (cs->envelope < 0 || r->envelopes == 0 || ((r->envelopes >> cs->envelope) & 1u) != 0);
}

/* A route wanted here whose message is an object: the ones discriminators tell apart. */
static const rp_schema_message *object_message(const candidates *cs, size_t i)
{
    return route_wants(cs, i) && !cs->routes[i].message->is_array ? cs->routes[i].message : NULL;
}

static bool is_number_or_bool(const rp_schema_field *f)
{
    return f->type == RP_SCHEMA_INT || f->type == RP_SCHEMA_UINT || f->type == RP_SCHEMA_BOOL;
}

/* A const rule a discriminated message can be recognised by: integers, booleans and
 * strings (string fields and string enums, whose const has its text in str). */
static const rp_schema_rule *discriminator_rule(const rp_schema_field *f)
{
    const rp_schema_rule *c = rps_const_rule(f);
    return c != NULL && !f->repeated && (is_number_or_bool(f) || c->str != NULL) ? c : NULL;
}

/* The entry of keys whose key is key, or NULL. (rp_json_str_eq_escaped compares views with
 * or without escapes; the inline rp_json_str_eq would be copied here for nothing.) */
static found_key *find_key(found_key *keys, size_t nkeys, const rp_json_str *key)
{
    for (size_t j = 0; j < nkeys; j++)
        if (rp_json_str_eq_escaped(key, keys[j].field->key, keys[j].field->key_len))
            return &keys[j];
    return NULL;
}

/* The key of f as a view, to look it up like a key of the input. */
static rp_json_str key_of(const rp_schema_field *f)
{
    rp_json_str key = { f->key, f->key_len, false, 0 };
    return key;
}

/* Fills keys with the distinct keys of the discriminators of the object messages wanted
 * here, in route order, all absent; returns how many, or SIZE_MAX when there are more than
 * CLASSIFY_KEYS (rprotoc --check refuses such a spec; a hand-made route table may not). */
static size_t discriminator_keys(const candidates *cs, found_key *keys)
{
    size_t nkeys = 0;
    for (size_t i = 0; i < cs->n; i++) {
        const rp_schema_message *m = object_message(cs, i);
        for (size_t k = 0; m != NULL && k < m->field_count; k++) {
            const rp_schema_field *f = &m->fields[k];
            rp_json_str key = key_of(f);
            if (discriminator_rule(f) == NULL || find_key(keys, nkeys, &key) != NULL)
                continue;
            if (nkeys == CLASSIFY_KEYS)
                return SIZE_MAX;
            keys[nkeys++] = (found_key){ .field = f };
        }
    }
    return nkeys;
}

static bool const_matches(const rp_schema_field *f, const rp_schema_rule *c, const found_key *fk)
{
    if (fk == NULL)
        return false;
    if (!is_number_or_bool(f))
        return fk->value.type == RP_JSON_STRING &&
               rp_json_str_eq_escaped(&fk->value.text, c->str, strlen(c->str));
    if (f->type == RP_SCHEMA_BOOL)
        return fk->value.type == (c->u_lo != 0 ? RP_JSON_TRUE : RP_JSON_FALSE);
    /* the const as a sign and a magnitude, like the value */
    bool neg = f->type == RP_SCHEMA_INT && c->i_lo < 0;
    uint64_t mag = f->type == RP_SCHEMA_UINT ? c->u_lo
                   : neg                     ? 0u - (uint64_t)c->i_lo
                                             : (uint64_t)c->i_lo;
    return fk->value.type == RP_JSON_NUMBER && fk->is_int && fk->neg == neg && fk->mag == mag;
}

/* How many discriminators message m has, all with their const values in the text; -1 when
 * one has another value or none. */
static int consts_matched(const rp_schema_message *m, found_key *keys, size_t nkeys)
{
    int consts = 0;
    for (size_t k = 0; k < m->field_count; k++) {
        const rp_schema_field *f = &m->fields[k];
        const rp_schema_rule *c = discriminator_rule(f);
        if (c == NULL)
            continue;
        rp_json_str key = key_of(f);
        if (!const_matches(f, c, find_key(keys, nkeys, &key)))
            return -1;
        consts++;
    }
    return consts;
}

/* The first object message wanted here whose discriminators all match, else the first that
 * has none (so a catch-all message never shadows a discriminated one), else -1. */
static int matching_route(const candidates *cs, found_key *keys, size_t nkeys)
{
    int catch_all = -1;
    for (size_t i = 0; i < cs->n; i++) {
        const rp_schema_message *m = object_message(cs, i);
        int consts = m != NULL ? consts_matched(m, keys, nkeys) : -1;
        if (consts > 0)
            return (int)i;
        if (consts == 0 && catch_all < 0)
            catch_all = (int)i;
    }
    return catch_all;
}

/* Reads the value of a discriminator's key into fk. */
static int read_found(rp_json_scanner *sc, found_key *fk, bool truncate, rp_error *err)
{
    int rc = rp_json_peek(sc, &fk->value.type, err);
    if (rc < 0)
        return rc;
    fk->is_int = false;
    if (fk->value.type == RP_JSON_OBJECT_BEGIN || fk->value.type == RP_JSON_ARRAY_BEGIN)
        return rp_json_skip_value(sc, err);
    if ((rc = rp_json_next(sc, &fk->value, err)) < 0 || fk->value.type != RP_JSON_NUMBER)
        return rc;
    /* as rp_schema_decode reads an integer field: a fraction or an exponent only under
     * truncation, and -0 (or -0.5 truncated) is 0 */
    fk->is_int = (fk->value.is_integer || truncate) &&
                 rpj_number_to_u64mag(fk->value.text.raw, fk->value.text.raw_len, true, &fk->neg,
                                      &fk->mag) == RPJ_NUM_OK;
    fk->neg = fk->neg && fk->mag != 0;
    return 0;
}

/* A message put together piece by piece in buf[0..cap): what does not fit is cut, and used
 * counts on past cap so that text_end can mark the cut with "...". */
typedef struct text {
    char *buf;
    size_t cap;
    size_t used;
} text;

static void put(text *t, const char *s, size_t len)
{
    if (t->used < t->cap - 1) {
        size_t room = t->cap - 1 - t->used;
        memcpy(t->buf + t->used, s, len < room ? len : room);
    }
    t->used += len;
}

static void put_str(text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* The text, NUL-terminated, its last three characters "..." when some was cut. */
static const char *text_end(text *t)
{
    if (t->used >= t->cap)
        memcpy(t->buf + t->cap - 4, "...", 4);
    else
        t->buf[t->used] = '\0';
    return t->buf;
}

/* "why: not any of A, B, C" with every candidate message of the route named (a long list is
 * cut with "..." rather than dropping names silently). */
static int no_match(const candidates *cs, const char *why, rp_error *err)
{
    char buf[160];
    text names = { buf, sizeof buf, 0 };
    for (size_t i = 0; i < cs->n; i++) {
        if (!route_wants(cs, i))
            continue;
        if (names.used > 0)
            put(&names, ", ", 2);
        put_str(&names, cs->routes[i].message->name);
    }
    return rp_error_set(err, RP_E_SCHEMA_MESSAGE, RP_LAYER_SCHEMA, 0, "%s: not any of %s", why,
                        names.used > 0 ? text_end(&names) : "(no message here)");
}

/* Appends "key VALUE" for one discriminator to why. */
static void describe_found(text *why, const rp_schema_field *f, const found_key *fk)
{
    /* what a value that is neither an integer nor a string is said to be */
    static const char *const said[RP_JSON_END + 1] = {
        [RP_JSON_NONE] = " absent", [RP_JSON_TRUE] = " true", [RP_JSON_FALSE] = " false",
    };
    char value[CLASSIFY_TEXT]; /* the integer's digits (20 at most) or the string unescaped */
    const char *say = said[fk->value.type], *shown = "", *after = "";
    if (fk->value.type == RP_JSON_NUMBER && fk->is_int) {
        value[20] = '\0';
        say = fk->neg ? " -" : " ";
        shown = rpj_digits_of(value + 20, fk->mag);
    } else if (fk->value.type == RP_JSON_STRING && /* too long to quote: "not a known string" */
               rp_json_unescape(&fk->value.text, value, sizeof value, NULL, NULL) == 0) {
        say = " \"";
        shown = value; /* up to a NUL from \u0000, as printf's %s would */
        after = "\"";
    } else if (say == NULL) {
        say = !is_number_or_bool(f)        ? " not a known string"
              : f->type == RP_SCHEMA_BOOL ? " not a boolean"
                                          : " not an integer";
    }
    if (why->used > 0)
        put(why, ", ", 2);
    put_str(why, f->key);
    put_str(why, say);
    put_str(why, shown);
    put_str(why, after);
}

/* Says what the discriminators were, each key once in route order ("type 5", "kind \"blue\"",
 * "type not an integer"), and that none of the messages is the text. */
static int describe_no_match(const candidates *cs, const found_key *keys, size_t nkeys,
                             rp_error *err)
{
    char buf[96];
    text why = { buf, sizeof buf, 0 };
    for (size_t j = 0; j < nkeys; j++)
        describe_found(&why, keys[j].field, &keys[j]);
    return no_match(cs, why.used > 0 ? text_end(&why) : "no discriminator", err);
}

int rp_schema_classify(const rp_schema_route *routes, size_t n, int port, int dir,
                       const char *json, size_t len, const rp_schema_profile *profile,
                       rp_error *err)
{
    return rp_schema_classify_in(routes, n, port, dir, -1, json, len, profile, err);
}

int rp_schema_classify_in(const rp_schema_route *routes, size_t n, int port, int dir,
                          int envelope, const char *json, size_t len,
                          const rp_schema_profile *profile, rp_error *err)
{
    if (routes == NULL || (json == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL argument");
    if (envelope > 31)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX,
                            "envelope %d is not 0..31", envelope);
    rp_error_clear(err);
    const candidates cs = { routes, n, port, dir, envelope };
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
            if (route_wants(&cs, i) && routes[i].message->is_array)
                return (int)i;
        return no_match(&cs, "a JSON array", err);
    }
    if (t != RP_JSON_OBJECT_BEGIN) {
        /* Read it anyway: text that is not JSON at all should say so. */
        if ((rc = rp_json_skip_value(&sc, err)) < 0 || (rc = rp_json_finish(&sc, err)) < 0)
            return rc;
        return no_match(&cs, "neither an object nor an array", err);
    }

    found_key keys[CLASSIFY_KEYS];
    size_t nkeys = discriminator_keys(&cs, keys);
    if (nkeys == SIZE_MAX)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX,
                            "routes: more than %d distinct const keys on port %d from %d",
                            CLASSIFY_KEYS, port, dir);
    if ((rc = rp_json_expect_object_begin(&sc, err)) < 0)
        return rc;
    /* Which occurrence of a key given twice picks the message: the last under `last`; else
     * the first, which `first` keeps, and which strict decoding reads before it refuses the
     * second (so the error is the duplicate key, not the const of another message). */
    bool keep_first = profile == NULL || profile->duplicate_keys != RP_DUPLICATES_LAST;
    for (;;) {
        rp_json_str key;
        bool done;
        if ((rc = rp_json_next_key(&sc, &key, &done, err)) < 0)
            return rc;
        if (done)
            break;
        found_key *fk = find_key(keys, nkeys, &key);
        if (fk != NULL && fk->value.type != RP_JSON_NONE && keep_first)
            fk = NULL; /* a later occurrence: decoding keeps the first */
        rc = fk != NULL ? read_found(&sc, fk, profile != NULL && profile->float_truncate, err)
                        : rp_json_skip_value(&sc, err);
        if (rc < 0)
            return rc;
    }
    if ((rc = rp_json_finish(&sc, err)) < 0)
        return rc;
    int which = matching_route(&cs, keys, nkeys);
    return which >= 0 ? which : describe_no_match(&cs, keys, nkeys, err);
}
