/* check_transport.c — the transport half of the check pass: peers, ports, keys, profiles,
 * routes and `option max_depth` (docs/language.md §4.9, §4.11-§4.16), and its driver,
 * which also runs the envelope checks (check_envelope.c) and the discriminator check
 * (check_routed.c).
 *
 * Everything here is declared by the spec; no protocol's vocabulary is known to the
 * compiler. The checks resolve names into the AST and read the generic `name = expr`
 * settings into typed fields.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"

#define error rp_check_error

/* ---- shared helpers -------------------------------------------------------------------------- */

/* "unknown X 'name'; did you mean 'y'?" */
void rp_check_unknown_word(rp_checker *c, const rp_ast_span *span, const char *what,
                         const char *name, const char *const *words, size_t n)
{
    const char *s = rp_diag_stopped(c->diag) ? NULL : rp_suggest_word(name, words, n);
    if (s != NULL)
        error(c, span, "unknown %s '%s'; did you mean '%s'?", what, name, s);
    else
        error(c, span, "unknown %s '%s'", what, name);
}

/* Resolves a name that must be a declaration of `kind`; reports unknown names (with a
 * suggestion among that kind) and other kinds. */
const rp_ast_decl *rp_check_resolve_decl(rp_checker *c, const char *name, const rp_ast_span *span,
                                       rp_ast_decl_kind kind)
{
    const rp_ast_decl *d = rp_check_lookup(c, name);
    if (d == NULL) {
        const char *s = rp_check_suggest_decl(c, name, 1u << kind);
        if (s != NULL)
            error(c, span, "unknown %s '%s'; did you mean '%s'?", rp_ast_decl_kind_name(kind), name, s);
        else
            error(c, span, "unknown %s '%s'", rp_ast_decl_kind_name(kind), name);
        return NULL;
    }
    if (d->kind != kind) {
        error(c, span, "'%s' is %s %s, not %s %s", name, rp_check_article(d->kind),
              rp_ast_decl_kind_name(d->kind), rp_check_article(kind), rp_ast_decl_kind_name(kind));
        rp_diag_note(c->diag, &d->name_span, "'%s' declared here", d->name);
        return NULL;
    }
    return d;
}

bool rp_check_expr_is_name(const rp_ast_expr *e, const char *name)
{
    return e != NULL && e->kind == RP_EXPR_NAME && strcmp(e->name, name) == 0;
}

const char *rp_check_expr_kind_text(const rp_ast_expr *e)
{
    switch (e->kind) {
    case RP_EXPR_NAME: return "a name";
    case RP_EXPR_CALL: return "a call";
    case RP_EXPR_STRING: return "a string";
    case RP_EXPR_INT: return "a number";
    }
    return "?";
}

/* ---- collecting the declarations by kind ------------------------------------------------------ */

static void collect(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    size_t cap_ports = 0, cap_keys = 0, cap_envs = 0, cap_profiles = 0;
    const rp_ast_decl *first_peers = NULL;
    size_t peer_count = 0;
    for (size_t i = 0; i < spec->decl_count; i++) {
        rp_ast_decl *d = spec->decls[i];
        switch (d->kind) {
        case RP_DECL_PEER:
            if (first_peers != NULL && d->u.peer.index == 0) {
                error(c, &d->u.peer.statement_span, "'peers' declared twice");
                rp_diag_note(c->diag, &first_peers->u.peer.statement_span, "first declared here");
                break;
            }
            if (first_peers == NULL)
                first_peers = d;
            if (peer_count < 2)
                spec->peers[peer_count++] = d;
            break;
        case RP_DECL_PORT:
            d->u.port.index = spec->port_count;
            *(const rp_ast_decl **)rp_xpush(&spec->ports, &spec->port_count, &cap_ports,
                                            sizeof *spec->ports) = d;
            break;
        case RP_DECL_KEY:
            d->u.key.index = spec->key_count;
            *(const rp_ast_decl **)rp_xpush(&spec->keys, &spec->key_count, &cap_keys,
                                            sizeof *spec->keys) = d;
            break;
        case RP_DECL_ENVELOPE:
            d->u.envelope.index = spec->envelope_count;
            *(const rp_ast_decl **)rp_xpush(&spec->envelopes, &spec->envelope_count, &cap_envs,
                                            sizeof *spec->envelopes) = d;
            break;
        case RP_DECL_PROFILE:
            d->u.profile.index = spec->profile_count;
            *(const rp_ast_decl **)rp_xpush(&spec->profiles, &spec->profile_count, &cap_profiles,
                                            sizeof *spec->profiles) = d;
            break;
        default:
            break;
        }
    }
}

/* A transport declaration that needs the two peers when the spec has none. */
static void require_peers(rp_checker *c)
{
    if (c->spec->peers[0] != NULL)
        return;
    const rp_ast_spec *spec = c->spec;
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        size_t nroutes = 0;
        rp_ast_decl_routes(d, &nroutes);
        if (d->kind == RP_DECL_PORT || nroutes > 0) {
            error(c, d->kind == RP_DECL_PORT ? &d->name_span : &rp_ast_decl_routes(d, NULL)->span,
                  "%s needs the two peers of the protocol: declare them with 'peers A, B;'",
                  d->kind == RP_DECL_PORT ? "a port" : "a route");
            return;
        }
    }
}

/* ---- file options ------------------------------------------------------------------------------ */

#define MAX_DEPTH_LIMIT 1024u /* rp_json's largest nesting limit (RP_JSON_MAX_DEPTH) */

void rp_check_file_options(rp_checker *c, const rp_ast_unit *main_unit)
{
    for (size_t i = 0; i < main_unit->option_count; i++) {
        const rp_ast_setting *o = &main_unit->options[i];
        if (strcmp(o->name, "max_depth") != 0)
            continue; /* the builder refused every other name */
        const rp_ast_expr *v = o->value;
        if (v->kind != RP_EXPR_INT || v->i.neg || v->i.mag == 0 || v->i.mag > MAX_DEPTH_LIMIT)
            error(c, &v->span, "max_depth must be a number from 1 to %u", MAX_DEPTH_LIMIT);
        else
            c->spec->max_depth = v->i.mag;
    }
    /* the limit is the whole spec's: an imported file's option would silently lose */
    for (size_t u = 0; u < c->spec->unit_count; u++) {
        const rp_ast_unit *unit = c->spec->units[u];
        if (unit == main_unit)
            continue;
        for (size_t i = 0; i < unit->option_count; i++)
            rp_diag_warning(c->diag, &unit->options[i].name_span,
                            "option '%s' in an imported file is ignored: only the main file's "
                            "file options apply", unit->options[i].name);
    }
}

/* The message or array d holds at child position i (an array has one: its element), or NULL. */
static size_t child_count(const rp_ast_decl *d)
{
    return d->kind == RP_DECL_ARRAY ? 1 : d->u.message.field_count;
}

static const rp_ast_decl *child_at(const rp_ast_decl *d, size_t i)
{
    const rp_ast_decl *t = d->kind == RP_DECL_ARRAY ? d->u.array.element.ref : d->u.message.fields[i].type.ref;
    return t != NULL && t->kind == RP_DECL_MESSAGE ? t : NULL;
}

/* Levels child i adds below d, once the child's depth is in memo: its own, plus one for
 * the JSON array of a repeated field. */
static uint64_t child_levels(const rp_ast_decl *d, size_t i, const uint64_t *memo)
{
    const rp_ast_decl *t = child_at(d, i);
    uint64_t below = t != NULL ? memo[t->index] : 0;
    if (d->kind == RP_DECL_MESSAGE && d->u.message.fields[i].label == RP_LABEL_REPEATED)
        below++;
    return below;
}

/* Nesting depth of the JSON a declaration's codec reads and writes: 1 per object or array
 * level. Recursion is refused elsewhere, so the walk ends; memo holds results (0: unknown).
 * Post-order on an explicit stack (on[], next[]: without cycles a declaration is on it at
 * most once) because a chain of messages can be deeper than the C stack. */
static uint64_t decl_depth(const rp_ast_decl *root, uint64_t *memo, const rp_ast_decl **on, size_t *next)
{
    size_t top = 0;
    on[0] = root;
    next[0] = 0;
    while (memo[root->index] == 0) {
        const rp_ast_decl *d = on[top];
        if (next[top] < child_count(d)) {
            const rp_ast_decl *t = child_at(d, next[top]++);
            if (t != NULL && memo[t->index] == 0) {
                on[++top] = t;
                next[top] = 0;
            }
            continue;
        }
        uint64_t deepest = 0;
        for (size_t i = 0; i < child_count(d); i++)
            if (child_levels(d, i, memo) > deepest)
                deepest = child_levels(d, i, memo);
        memo[d->index] = deepest + 1;
        if (top > 0)
            top--;
    }
    return memo[root->index];
}

/* The setting `option max_depth` of the main file (the checker accepted a value, so it is there). */
static const rp_ast_setting *max_depth_option(const rp_ast_spec *spec)
{
    const rp_ast_setting *o = NULL;
    for (size_t k = 0; k < spec->main->option_count; k++)
        if (strcmp(spec->main->options[k].name, "max_depth") == 0)
            o = &spec->main->options[k];
    return o;
}

/* Records every message's JSON depth (rp_ast_decl.json_depth) and holds them to
 * `option max_depth`. */
static void check_max_depth(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    if (c->errors != 0)
        return; /* depth needs resolved types and no cycles */
    size_t n = spec->decl_count;
    uint64_t *memo = rp_xcalloc(n, sizeof *memo);
    const rp_ast_decl **on = rp_xcalloc(n + 1, sizeof *on);
    size_t *next = rp_xcalloc(n + 1, sizeof *next);
    for (size_t i = 0; i < n; i++) {
        rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE && d->kind != RP_DECL_ARRAY)
            continue;
        uint64_t depth = decl_depth(d, memo, on, next);
        d->json_depth = depth > UINT_MAX ? UINT_MAX : (unsigned)depth;
        if (spec->max_depth != 0 && depth > spec->max_depth) {
            error(c, &max_depth_option(spec)->value->span, "max_depth %llu is less than the %llu levels of %s '%s'",
                  (unsigned long long)spec->max_depth, (unsigned long long)depth,
                  rp_ast_decl_kind_name(d->kind), d->name);
            rp_diag_note(c->diag, &d->name_span, "'%s' declared here", d->name);
            break;
        }
        /* the runtime's decoder cannot be told to go deeper, so what the encoder wrote
         * would not read back (language.md §4.16) */
        if (depth > MAX_DEPTH_LIMIT) {
            error(c, &d->name_span, "%s '%s' nests %llu levels of JSON; the most a decoder reads is %u",
                  rp_ast_decl_kind_name(d->kind), d->name, (unsigned long long)depth, MAX_DEPTH_LIMIT);
            break;
        }
    }
    free(next);
    free(on);
    free(memo);
}

/* A bound on the C size of every message and array: counts multiply down a chain (a count
 * of 65536 of a message with a count of 65536 ...), and a struct past PTRDIFF_MAX (2^63 - 1
 * bytes) does not compile. The bound is generous per item, so real sizes are smaller; the
 * limit 2^48 leaves room for that and is above what existing nested specs take (33 levels of
 * count 2: 2^33 items). */
#define STRUCT_BYTES_LIMIT (1ull << 48)
#define ITEM_BYTES 64u  /* a scalar, rp_str, rp_bytes or map key with padding, at most */
#define FIELD_BYTES 16u /* has_, is_null_ and _count members of one field, at most */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b) { return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b; }

/* Recursion is bounded: no cycles and at most MAX_DEPTH_LIMIT levels (checked before). */
static uint64_t struct_bytes(const rp_ast_decl *d, uint64_t *memo)
{
    if (memo[d->index] != 0)
        return memo[d->index];
    uint64_t total = FIELD_BYTES;
    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_decl *e = d->u.array.element.ref;
        uint64_t item = e != NULL && e->kind == RP_DECL_MESSAGE ? struct_bytes(e, memo) : ITEM_BYTES;
        total = sat_add(total, sat_mul(d->u.array.len.max, item));
    } else {
        for (size_t i = 0; i < d->u.message.field_count; i++) {
            const rp_ast_field *f = &d->u.message.fields[i];
            const rp_ast_decl *t = f->type.ref;
            uint64_t item = t != NULL && t->kind == RP_DECL_MESSAGE ? struct_bytes(t, memo) : 0;
            item = sat_add(item, ITEM_BYTES);
            uint64_t n = f->label == RP_LABEL_REPEATED || f->type.is_map ? f->attrs.count.max : 1;
            total = sat_add(total, sat_add(FIELD_BYTES, sat_mul(n, item)));
        }
    }
    memo[d->index] = total;
    return total;
}

static void check_struct_sizes(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    if (c->errors != 0)
        return; /* needs resolved types, counts in range, no cycles, bounded depth */
    uint64_t *memo = rp_xcalloc(spec->decl_count, sizeof *memo);
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE && d->kind != RP_DECL_ARRAY)
            continue;
        uint64_t bytes = struct_bytes(d, memo);
        if (bytes > STRUCT_BYTES_LIMIT) {
            error(c, &d->name_span, "%s '%s' may take %llu bytes in C (its counts multiply); at most %llu",
                  rp_ast_decl_kind_name(d->kind), d->name, (unsigned long long)bytes,
                  (unsigned long long)STRUCT_BYTES_LIMIT);
            break;
        }
    }
    free(memo);
}

/* ---- ports ------------------------------------------------------------------------------------- */

#define DELIMITER_MAX 16u

static const char *const port_settings[] = { "framing", "max_packet" };

static void check_framing(rp_checker *c, rp_ast_port *p, const rp_ast_expr *v)
{
    static const char *const forms[] = { "delimiter", "length" };
    if (v->kind != RP_EXPR_CALL) {
        error(c, &v->span, "framing must be delimiter(\"...\") or length(uintN, big_endian|little_endian), not %s",
              rp_check_expr_kind_text(v));
        return;
    }
    if (strcmp(v->name, "delimiter") == 0) {
        if (v->arg_count != 1 || v->args[0]->kind != RP_EXPR_STRING) {
            error(c, &v->span, "delimiter takes one string: delimiter(\"\\r\\n\")");
            return;
        }
        size_t n = strlen(v->args[0]->str);
        if (n == 0 || n > DELIMITER_MAX) {
            error(c, &v->args[0]->span, "a delimiter has 1 to %u bytes, not %zu", DELIMITER_MAX, n);
            return;
        }
        p->framing = RP_AST_FRAMING_DELIMITER;
        p->delimiter = v->args[0]->str;
        p->delimiter_len = n;
    } else if (strcmp(v->name, "length") == 0) {
        static const struct { const char *name; unsigned bytes; } types[] = {
            { "uint8", 1 }, { "uint16", 2 }, { "uint32", 4 }, { "uint64", 8 } };
        if (v->arg_count != 2 || v->args[0]->kind != RP_EXPR_NAME || v->args[1]->kind != RP_EXPR_NAME) {
            error(c, &v->span, "length takes the prefix type and its byte order: length(uint32, big_endian)");
            return;
        }
        unsigned bytes = 0;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(v->args[0]->name, types[i].name) == 0)
                bytes = types[i].bytes;
        if (bytes == 0) {
            error(c, &v->args[0]->span, "a length prefix is uint8, uint16, uint32 or uint64, not '%s'",
                  v->args[0]->name);
            return;
        }
        bool big = rp_check_expr_is_name(v->args[1], "big_endian");
        if (!big && !rp_check_expr_is_name(v->args[1], "little_endian")) {
            error(c, &v->args[1]->span, "byte order must be big_endian or little_endian, not '%s'",
                  v->args[1]->name);
            return;
        }
        p->framing = RP_AST_FRAMING_LENGTH;
        p->prefix_bytes = bytes;
        p->big_endian = big;
    } else {
        rp_check_unknown_word(c, &v->name_span, "framing", v->name, forms, 2);
    }
}

/* A framer holds a whole packet and its prefix or delimiter in one buffer: the same bound as a
 * struct's, far above any real packet and far below where max_packet + 8 overflows. */
#define PACKET_BYTES_LIMIT (1ull << 48)

static void check_port(rp_checker *c, rp_ast_decl *d)
{
    rp_ast_port *p = &d->u.port;
    const rp_ast_setting *max = NULL;
    bool framing_given = false;
    for (size_t i = 0; i < p->setting_count; i++) {
        const rp_ast_setting *st = &p->settings[i];
        if (strcmp(st->name, "framing") == 0) {
            framing_given = true;
            check_framing(c, p, st->value);
        } else if (strcmp(st->name, "max_packet") == 0) {
            max = st;
            const rp_ast_expr *v = st->value;
            if (v->kind != RP_EXPR_INT || v->i.neg || v->i.mag == 0)
                error(c, &v->span, "max_packet must be a number of bytes greater than 0");
            else
                p->max_packet = v->i.mag;
        } else {
            rp_check_unknown_word(c, &st->name_span, "port setting", st->name, port_settings, 2);
        }
    }
    if (!framing_given)
        error(c, &d->name_span, "port '%s' needs a framing: framing = delimiter(\"...\") or length(...)", d->name);
    if (max == NULL)
        error(c, &d->name_span, "port '%s' needs a maximum packet size: max_packet = BYTES", d->name);
    if (p->max_packet > PACKET_BYTES_LIMIT)
        error(c, &max->value->span, "max_packet %llu is more than a receiver can hold: at most 2^48 "
              "(%llu) bytes", (unsigned long long)p->max_packet, (unsigned long long)PACKET_BYTES_LIMIT);
    else if (p->framing == RP_AST_FRAMING_LENGTH && p->max_packet != 0 && p->prefix_bytes < 8 &&
        p->max_packet > (UINT64_C(1) << (8 * p->prefix_bytes)) - 1)
        error(c, &max->value->span, "max_packet %llu does not fit the %u-byte length prefix (at most %llu)",
              (unsigned long long)p->max_packet, p->prefix_bytes,
              (unsigned long long)((UINT64_C(1) << (8 * p->prefix_bytes)) - 1));
}

/* ---- keys -------------------------------------------------------------------------------------- */

static void check_key(rp_checker *c, rp_ast_decl *d)
{
    static const char *const kinds[] = { "rsa", "aes" };
    rp_ast_key *k = &d->u.key;
    const rp_ast_expr *e = k->expr;
    if (e->kind != RP_EXPR_CALL) {
        error(c, &e->span, "a key is rsa(PEER) or aes(BITS, ...), not %s", rp_check_expr_kind_text(e));
        return;
    }
    if (strcmp(e->name, "rsa") == 0) {
        if (e->arg_count != 1 || e->args[0]->kind != RP_EXPR_NAME) {
            error(c, &e->span, "rsa takes the peer that holds the private key: rsa(server)");
            return;
        }
        k->owner = rp_check_resolve_decl(c, e->args[0]->name, &e->args[0]->span, RP_DECL_PEER);
        k->kind = RP_AST_KEY_RSA;
    } else if (strcmp(e->name, "aes") == 0) {
        if (e->arg_count == 0) {
            error(c, &e->span, "aes takes the key sizes allowed, in bits: aes(128, 192, 256)");
            return;
        }
        for (size_t i = 0; i < e->arg_count; i++) {
            const rp_ast_expr *a = e->args[i];
            unsigned bit = a->kind != RP_EXPR_INT || a->i.neg ? 0u
                           : a->i.mag == 128                   ? 1u
                           : a->i.mag == 192                   ? 2u
                           : a->i.mag == 256                   ? 4u
                                                               : 0u;
            if (bit == 0)
                error(c, &a->span, "an AES key has 128, 192 or 256 bits");
            else if (k->aes_bits & bit)
                error(c, &a->span, "key size %llu listed twice", (unsigned long long)a->i.mag);
            k->aes_bits |= bit;
        }
        k->kind = RP_AST_KEY_AES;
    } else {
        rp_check_unknown_word(c, &e->name_span, "key kind", e->name, kinds, 2);
    }
}

/* ---- profiles ---------------------------------------------------------------------------------- */

/* A profile setting: `reject` (stored as 0) or one of its lenient values (stored as the
 * value's position + 1). */
typedef struct profile_option {
    const char *name;
    const char *lenient[2];    /* the values that turn a leniency on; the second may be NULL */
    size_t setting;            /* offsetof the uint8_t in rp_ast_profile */
} profile_option;

static const profile_option profile_options[] = {
    { "trailing_bytes", { "ignore", NULL }, offsetof(rp_ast_profile, trailing_ignore) },
    { "float_numbers", { "truncate", NULL }, offsetof(rp_ast_profile, float_truncate) },
    { "string_numbers", { "absent", NULL }, offsetof(rp_ast_profile, string_numbers_absent) },
    /* in the order of RP_AST_DUPLICATES_LAST and _FIRST */
    { "duplicate_keys", { "last", "first" }, offsetof(rp_ast_profile, duplicate_keys) },
    { "null_values", { "absent", NULL }, offsetof(rp_ast_profile, null_absent) },
    { "base64", { "lenient", NULL }, offsetof(rp_ast_profile, base64_lenient) },
};
#define PROFILE_OPTION_COUNT (sizeof profile_options / sizeof profile_options[0])
#define PROFILE_MAX 32u

static uint8_t *profile_setting(rp_ast_profile *p, size_t option)
{
    return (uint8_t *)((char *)p + profile_options[option].setting);
}

/* What `option = value` stores: 0 for reject, 1 or 2 for a lenient value; -1 if invalid. */
static int profile_value(size_t option, const rp_ast_expr *value)
{
    if (value->kind != RP_EXPR_NAME)
        return -1;
    if (strcmp(value->name, "reject") == 0)
        return 0;
    for (int i = 0; i < 2; i++)
        if (profile_options[option].lenient[i] != NULL && strcmp(value->name, profile_options[option].lenient[i]) == 0)
            return i + 1;
    return -1;
}

/* What the fields with a wire key are, over every message of the spec. */
typedef struct key_fields {
    bool any;                    /* some field has the key */
    bool zero;                   /* one of them takes zero_is_absent (an integer) */
    bool empty;                  /* one of them takes empty_is_absent (a string or bytes) */
} key_fields;

static key_fields fields_with_key(const rp_ast_spec *spec, const char *key)
{
    key_fields k = { false, false, false };
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE)
            continue;
        for (size_t j = 0; j < d->u.message.field_count; j++) {
            const rp_ast_field *f = &d->u.message.fields[j];
            if (strcmp(f->wire_key, key) != 0)
                continue;
            k.any = true;
            k.zero = k.zero || rp_ast_field_takes_zero_is_absent(f);
            k.empty = k.empty || rp_ast_field_takes_empty_is_absent(f);
        }
    }
    return k;
}

/* A relax names a key some message has, and each absent-value flag a field it applies to. */
static void check_relax(rp_checker *c, const rp_ast_relax *r)
{
    key_fields k = fields_with_key(c->spec, r->key);
    if (!k.any) {
        error(c, &r->key_span, "no message has a field with wire key \"%s\"", r->key);
        return;
    }
    if (r->flags.zero_is_absent && !k.zero)
        error(c, &r->key_span, "zero_is_absent applies to integer fields (not lists or maps), and no field with wire key \"%s\" "
              "is one (empty_is_absent is for strings and bytes)", r->key);
    if (r->flags.empty_is_absent && !k.empty)
        error(c, &r->key_span, "empty_is_absent applies to string and bytes fields (not lists or maps), and no field with wire key "
              "\"%s\" is one (zero_is_absent is for integers)", r->key);
}

static void check_profile_own(rp_checker *c, rp_ast_decl *d)
{
    rp_ast_profile *p = &d->u.profile;
    static const char *names[PROFILE_OPTION_COUNT];
    for (size_t k = 0; k < PROFILE_OPTION_COUNT; k++)
        names[k] = profile_options[k].name;
    if (p->index >= PROFILE_MAX)
        error(c, &d->name_span, "a spec has at most %u profiles", PROFILE_MAX);
    if (p->base_name != NULL)
        p->base = rp_check_resolve_decl(c, p->base_name, &p->base_span, RP_DECL_PROFILE);
    for (size_t i = 0; i < p->setting_count; i++) {
        const rp_ast_setting *st = &p->settings[i];
        size_t k = 0;
        while (k < PROFILE_OPTION_COUNT && strcmp(profile_options[k].name, st->name) != 0)
            k++;
        if (k == PROFILE_OPTION_COUNT) {
            rp_check_unknown_word(c, &st->name_span, "profile setting", st->name, names, PROFILE_OPTION_COUNT);
            continue;
        }
        if (profile_value(k, st->value) < 0) {
            const profile_option *o = &profile_options[k];
            if (o->lenient[1] != NULL)
                error(c, &st->value->span, "%s must be '%s', '%s' or 'reject'", st->name, o->lenient[0], o->lenient[1]);
            else
                error(c, &st->value->span, "%s must be '%s' or 'reject'", st->name, o->lenient[0]);
            continue;
        }
    }
    for (size_t i = 0; i < p->relax_count; i++)
        check_relax(c, &p->relaxes[i]);
}

/* Settings after inheritance: a profile's own setting wins, otherwise its base's. */
static void resolve_profile(rp_checker *c, rp_ast_decl *d)
{
    rp_ast_profile *p = &d->u.profile;
    /* walk the base chain; a chain longer than the number of profiles is a cycle */
    size_t steps = 0;
    for (const rp_ast_decl *b = p->base; b != NULL; b = b->u.profile.base)
        if (++steps > c->spec->profile_count) {
            error(c, &p->base_span, "the bases of profile '%s' form a cycle", d->name);
            p->base = NULL;
            return;
        }
    for (size_t k = 0; k < PROFILE_OPTION_COUNT; k++) {
        const rp_ast_decl *at = d;
        const rp_ast_setting *found = NULL;
        for (size_t guard = 0; at != NULL && found == NULL && guard <= steps; guard++, at = at->u.profile.base)
            for (size_t i = 0; i < at->u.profile.setting_count; i++)
                if (strcmp(at->u.profile.settings[i].name, profile_options[k].name) == 0)
                    found = &at->u.profile.settings[i];
        int value = found != NULL ? profile_value(k, found->value) : 0;
        *profile_setting(p, k) = value > 0 ? (uint8_t)value : 0;
    }
}

/* Profiles past the limit are errors already: they are not resolved, and their bases are
 * dropped so no chain is walked through them (resolving a chain of n profiles, each walking
 * its whole base chain, took time n^2). Every chain left is at most PROFILE_MAX long. */
static void resolve_profiles(rp_checker *c)
{
    const rp_ast_spec *spec = c->spec;
    for (size_t i = PROFILE_MAX; i < spec->profile_count; i++)
        ((rp_ast_decl *)spec->profiles[i])->u.profile.base = NULL;
    for (size_t i = 0; i < spec->profile_count && i < PROFILE_MAX; i++)
        resolve_profile(c, (rp_ast_decl *)spec->profiles[i]);
}

/* ---- routes ------------------------------------------------------------------------------------ */

static void check_route(rp_checker *c, rp_ast_route *r)
{
    r->port = rp_check_resolve_decl(c, r->port_name, &r->port_span, RP_DECL_PORT);
    r->from = rp_check_resolve_decl(c, r->from_name, &r->from_span, RP_DECL_PEER);
    r->to = rp_check_resolve_decl(c, r->to_name, &r->to_span, RP_DECL_PEER);
    if (r->from != NULL && r->from == r->to)
        error(c, &r->to_span, "a route goes from one peer to the other, not from '%s' to itself", r->from->name);
    r->envelopes = rp_xcalloc(r->envelope_count, sizeof *r->envelopes);
    for (size_t i = 0; i < r->envelope_count; i++) {
        const rp_ast_decl *e = rp_check_resolve_decl(c, r->envelope_names[i], &r->envelope_spans[i], RP_DECL_ENVELOPE);
        r->envelopes[i] = e;
        if (e == NULL || e->u.envelope.layer_count == 0)
            continue;
        const rp_ast_envelope *env = &e->u.envelope;
        for (size_t k = 0; k < env->layer_count; k++) {
            const rp_ast_layer *l = &env->layers[k];
            const rp_ast_decl *key = l->key;
            if (l->kind != RP_AST_LAYER_RSA || key == NULL || key->u.key.owner == NULL || r->to == NULL ||
                key->u.key.owner == r->to)
                continue;
            error(c, &r->envelope_spans[i],
                  "envelope '%s' encrypts to key '%s', which only '%s' can open; this route goes to '%s'",
                  e->name, key->name, key->u.key.owner->name, r->to->name);
            rp_diag_note(c->diag, &l->span, "the rsa layer");
        }
        if (r->port != NULL && r->port->u.port.framing == RP_AST_FRAMING_DELIMITER &&
            rp_check_layer_is_binary(env->layers[0].kind)) {
            error(c, &r->envelope_spans[i],
                  "envelope '%s' is binary (its outermost layer is '%s') and port '%s' is framed by a "
                  "delimiter: wrap it in base64(...) or hex(...), or frame the port by length",
                  e->name, rp_ast_layer_name(env->layers[0].kind), r->port->name);
        }
    }
}

static void check_routes_of(rp_checker *c, rp_ast_decl *d)
{
    size_t n = 0;
    rp_ast_route *routes = (rp_ast_route *)rp_ast_decl_routes(d, &n);
    for (size_t i = 0; i < n; i++) {
        check_route(c, &routes[i]);
        c->spec->route_count++;
        for (size_t j = 0; j < i; j++)
            if (routes[j].port != NULL && routes[j].port == routes[i].port &&
                routes[j].from != NULL && routes[j].from == routes[i].from) {
                error(c, &routes[i].span, "%s '%s' has two routes on port '%s' from '%s': list every envelope in one route",
                      rp_ast_decl_kind_name(d->kind), d->name, routes[i].port->name, routes[i].from->name);
                rp_diag_note(c->diag, &routes[j].span, "the first route");
            }
    }
}

/* ---- entry ----------------------------------------------------------------------------------------- */

/* The limits of the envelope engine's tables (rp_envelope.h RP_ENVELOPE_MAX_KEYS,
 * RP_ENVELOPE_MAX, RP_ENVELOPE_MAX_LAYERS): an envelope set is a 32-bit mask. */
#define TRANSPORT_MAX_KEYS 16u
#define TRANSPORT_MAX_ENVELOPES 32u
#define TRANSPORT_MAX_LAYERS 16u

static void check_table_limits(rp_checker *c)
{
    const rp_ast_spec *spec = c->spec;
    if (spec->key_count > TRANSPORT_MAX_KEYS)
        error(c, &spec->keys[TRANSPORT_MAX_KEYS]->name_span, "a spec has at most %u keys",
              TRANSPORT_MAX_KEYS);
    if (spec->envelope_count > TRANSPORT_MAX_ENVELOPES)
        error(c, &spec->envelopes[TRANSPORT_MAX_ENVELOPES]->name_span,
              "a spec has at most %u envelopes (an envelope set is a 32-bit mask)",
              TRANSPORT_MAX_ENVELOPES);
    for (size_t i = 0; i < spec->envelope_count; i++) {
        const rp_ast_decl *d = spec->envelopes[i];
        if (d->u.envelope.layer_count > TRANSPORT_MAX_LAYERS)
            error(c, &d->name_span, "envelope '%s' has %zu layers; at most %u", d->name,
                  d->u.envelope.layer_count, TRANSPORT_MAX_LAYERS);
    }
}

void rp_check_transport(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    size_t before = c->errors; /* what the message checks found */
    collect(c);
    require_peers(c);
    for (size_t i = 0; i < spec->port_count; i++)
        check_port(c, (rp_ast_decl *)spec->ports[i]);
    for (size_t i = 0; i < spec->key_count; i++)
        check_key(c, (rp_ast_decl *)spec->keys[i]);
    for (size_t i = 0; i < spec->envelope_count; i++)
        rp_check_envelope(c, (rp_ast_decl *)spec->envelopes[i]);
    check_table_limits(c);
    for (size_t i = 0; i < spec->profile_count; i++)
        check_profile_own(c, (rp_ast_decl *)spec->profiles[i]);
    resolve_profiles(c);
    for (size_t i = 0; i < spec->decl_count; i++) {
        size_t route_errors = c->errors;
        check_routes_of(c, spec->decls[i]);
        if (c->errors != route_errors)
            c->unclean[i] = 1;
    }
    check_max_depth(c);
    check_struct_sizes(c);
    /* The envelope checks need every port, peer, key and envelope of every route resolved.
     * The message ones need that too, and the consts of the messages they compare checked:
     * they skip the declarations with errors of their own (rp_checker.unclean). The size
     * warning needs every field's bounds, so a clean spec. The machines need none of them
     * nor their verdict. So an error in one message's field hides no envelope error and no
     * dispatch error between other messages, and one in a machine hides none at all. */
    bool transport_clean = c->errors == before;
    if (transport_clean) {
        rp_check_envelope_sets(c);
        rp_check_envelope_framing(c);
        rp_check_discriminators(c);
        rp_check_classify_keys(c);
    }
    if (c->errors == 0)
        rp_check_route_sizes(c);
    rp_check_machines(c);
}
