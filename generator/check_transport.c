/* check_transport.c — the transport half of the check pass: peers, ports, keys, envelopes,
 * profiles and routes (docs/language.md §4.10–§4.14).
 *
 * Everything here is declared by the spec; no protocol's vocabulary is known to the
 * compiler. The checks resolve names into the AST, read the generic `name = expr`
 * settings into typed fields, turn each envelope's layer expression into a chain of
 * layers (outermost first), and then prove two things a receiver relies on: the envelopes
 * that may reach one peer on one port can be told apart by their shapes (shape_class,
 * envelopes_distinct), and the messages that may arrive in one envelope can be told apart
 * by a required const field (check_discriminators).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"

#define error rp_check_error

/* The layer names an envelope expression may use (built-in, not keywords). */
static const char *const layer_words[] = { "json", "zlib", "base64", "base64_lenient", "hex",
                                           "rsa", "aes", "join", "iv", "id" };

static const char *suggest_word(const char *name, const char *const *words, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3, len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        size_t d = rp_check_edit_distance(name, words[i]);
        if (d < best_d && d < len) {
            best_d = d;
            best = words[i];
        }
    }
    return best;
}

/* "unknown X 'name'; did you mean 'y'?" */
static void unknown_word(rp_checker *c, const rp_ast_span *span, const char *what,
                         const char *name, const char *const *words, size_t n)
{
    const char *s = suggest_word(name, words, n);
    if (s != NULL)
        error(c, span, "unknown %s '%s'; did you mean '%s'?", what, name, s);
    else
        error(c, span, "unknown %s '%s'", what, name);
}

/* Resolves a name that must be a declaration of `kind`; reports unknown names (with a
 * suggestion among that kind) and other kinds. */
static const rp_ast_decl *resolve_decl(rp_checker *c, const char *name, const rp_ast_span *span,
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

static bool expr_is_name(const rp_ast_expr *e, const char *name)
{
    return e != NULL && e->kind == RP_EXPR_NAME && strcmp(e->name, name) == 0;
}

static const char *expr_kind_text(const rp_ast_expr *e)
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
}

/* Nesting depth of the JSON a declaration's codec reads and writes: 1 per object or array
 * level. Recursion is refused elsewhere, so the walk ends; memo holds results (0: unknown). */
static uint64_t decl_depth(const rp_ast_decl *d, uint64_t *memo)
{
    if (memo[d->index] != 0)
        return memo[d->index];
    uint64_t deepest = 0;
    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_decl *e = d->u.array.element.ref;
        deepest = e != NULL && e->kind == RP_DECL_MESSAGE ? decl_depth(e, memo) : 0;
    } else {
        for (size_t i = 0; i < d->u.message.field_count; i++) {
            const rp_ast_field *f = &d->u.message.fields[i];
            uint64_t below = 0;
            if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE)
                below = decl_depth(f->type.ref, memo);
            if (f->label == RP_LABEL_REPEATED)
                below++;
            if (below > deepest)
                deepest = below;
        }
    }
    memo[d->index] = deepest + 1;
    return deepest + 1;
}

static void check_max_depth(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    if (spec->max_depth == 0 || c->errors != 0)
        return; /* depth needs resolved types and no cycles */
    uint64_t *memo = rp_xcalloc(spec->decl_count, sizeof *memo);
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE && d->kind != RP_DECL_ARRAY)
            continue;
        uint64_t depth = decl_depth(d, memo);
        if (depth > spec->max_depth) {
            const rp_ast_setting *o = NULL;
            for (size_t k = 0; k < spec->main->option_count; k++)
                if (strcmp(spec->main->options[k].name, "max_depth") == 0)
                    o = &spec->main->options[k];
            error(c, &o->value->span, "max_depth %llu is less than the %llu levels of %s '%s'",
                  (unsigned long long)spec->max_depth, (unsigned long long)depth,
                  rp_ast_decl_kind_name(d->kind), d->name);
            rp_diag_note(c->diag, &d->name_span, "'%s' declared here", d->name);
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
              expr_kind_text(v));
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
        p->framing = RP_FRAMING_DELIMITER;
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
        bool big = expr_is_name(v->args[1], "big_endian");
        if (!big && !expr_is_name(v->args[1], "little_endian")) {
            error(c, &v->args[1]->span, "byte order must be big_endian or little_endian, not '%s'",
                  v->args[1]->name);
            return;
        }
        p->framing = RP_FRAMING_LENGTH;
        p->prefix_bytes = bytes;
        p->big_endian = big;
    } else {
        unknown_word(c, &v->name_span, "framing", v->name, forms, 2);
    }
}

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
            unknown_word(c, &st->name_span, "port setting", st->name, port_settings, 2);
        }
    }
    if (!framing_given)
        error(c, &d->name_span, "port '%s' needs a framing: framing = delimiter(\"...\") or length(...)", d->name);
    if (max == NULL)
        error(c, &d->name_span, "port '%s' needs a maximum packet size: max_packet = BYTES", d->name);
    if (p->framing == RP_FRAMING_LENGTH && p->max_packet != 0 && p->prefix_bytes < 8 &&
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
        error(c, &e->span, "a key is rsa(PEER) or aes(BITS, ...), not %s", expr_kind_text(e));
        return;
    }
    if (strcmp(e->name, "rsa") == 0) {
        if (e->arg_count != 1 || e->args[0]->kind != RP_EXPR_NAME) {
            error(c, &e->span, "rsa takes the peer that holds the private key: rsa(server)");
            return;
        }
        k->owner = resolve_decl(c, e->args[0]->name, &e->args[0]->span, RP_DECL_PEER);
        k->kind = RP_KEY_RSA;
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
        k->kind = RP_KEY_AES;
    } else {
        unknown_word(c, &e->name_span, "key kind", e->name, kinds, 2);
    }
}

/* ---- envelopes --------------------------------------------------------------------------------- */

/* Builds the layer chain of one envelope. */
typedef struct layer_builder {
    rp_checker *c;
    rp_ast_envelope *env;
    size_t cap;
    bool failed;
} layer_builder;

static rp_ast_layer *push_layer(layer_builder *b, rp_ast_layer_kind kind, const rp_ast_span *span)
{
    rp_ast_layer *l = rp_xpush(&b->env->layers, &b->env->layer_count, &b->cap, sizeof *l);
    l->kind = kind;
    l->span = *span;
    return l;
}

static void fail(layer_builder *b, const rp_ast_span *span, const char *fmt, const char *a)
    RP_PRINTF(3, 0);
static void fail(layer_builder *b, const rp_ast_span *span, const char *fmt, const char *a)
{
    /* every message names the layer at most twice */
    error(b->c, span, fmt, a, a);
    b->failed = true;
}

static const rp_ast_decl *layer_key(layer_builder *b, const rp_ast_expr *arg, rp_ast_key_kind kind,
                                    const char *layer)
{
    if (arg->kind != RP_EXPR_NAME) {
        fail(b, &arg->span, "the first argument of '%s' is a key", layer);
        return NULL;
    }
    const rp_ast_decl *k = resolve_decl(b->c, arg->name, &arg->span, RP_DECL_KEY);
    if (k == NULL) {
        b->failed = true;
        return NULL;
    }
    if (k->u.key.kind != RP_KEY_NONE && k->u.key.kind != kind) {
        error(b->c, &arg->span, "'%s' needs %s key; '%s' is %s key", layer,
              kind == RP_KEY_RSA ? "an rsa" : "an aes", k->name,
              k->u.key.kind == RP_KEY_RSA ? "an rsa" : "an aes");
        rp_diag_note(b->c->diag, &k->name_span, "'%s' declared here", k->name);
        b->failed = true;
    }
    return k;
}

static void build_layers(layer_builder *b, const rp_ast_expr *e, bool outermost);

/* join(SEP, PART, ...): the parts other than hex(iv) and id(KEY) are the one payload. */
static void build_join(layer_builder *b, const rp_ast_expr *e, bool outermost)
{
    if (!outermost) {
        fail(b, &e->name_span, "'%s' lays out the packet text and must be the outermost layer", "join");
        return;
    }
    if (e->arg_count < 2 || e->args[0]->kind != RP_EXPR_STRING || e->args[0]->str[0] == '\0') {
        fail(b, &e->span, "%s takes a non-empty separator string and its parts: join(\":\", hex(iv), base64(...))",
             "join");
        return;
    }
    size_t index = b->env->layer_count;
    rp_ast_layer *l = push_layer(b, RP_AST_LAYER_JOIN, &e->span);
    l->separator = e->args[0]->str;
    size_t cap = 0, payload_at = 0;
    const rp_ast_expr *payload = NULL;
    for (size_t i = 1; i < e->arg_count; i++) {
        const rp_ast_expr *a = e->args[i];
        rp_ast_join_part part = { RP_PART_PAYLOAD, NULL, a->span };
        if (a->kind == RP_EXPR_CALL && strcmp(a->name, "hex") == 0 && a->arg_count == 1 &&
            expr_is_name(a->args[0], "iv")) {
            part.kind = RP_PART_IV_HEX;
        } else if (a->kind == RP_EXPR_CALL && strcmp(a->name, "id") == 0) {
            part.kind = RP_PART_KEY_ID;
            if (a->arg_count != 1 || a->args[0]->kind != RP_EXPR_NAME)
                fail(b, &a->span, "'%s' takes one key: id(session)", "id");
            else if ((part.key = resolve_decl(b->c, a->args[0]->name, &a->args[0]->span, RP_DECL_KEY)) == NULL)
                b->failed = true;
        } else if (payload != NULL) {
            fail(b, &a->span, "a join has exactly one payload; '%s' is a second one (the others are hex(iv) and id(KEY))",
                 a->kind == RP_EXPR_CALL || a->kind == RP_EXPR_NAME ? a->name : "this");
            continue;
        } else {
            payload = a;
            payload_at = i - 1;
        }
        /* l may move when layers are pushed: parts are stored before building the payload */
        rp_ast_layer *jl = &b->env->layers[index];
        *(rp_ast_join_part *)rp_xpush(&jl->parts, &jl->part_count, &cap, sizeof part) = part;
    }
    if (payload == NULL) {
        fail(b, &e->span, "a join needs a payload part (the layers inside the envelope)%s", "");
        return;
    }
    (void)payload_at;
    build_layers(b, payload, false);
}

static void build_layers(layer_builder *b, const rp_ast_expr *e, bool outermost)
{
    if (e->kind == RP_EXPR_STRING || e->kind == RP_EXPR_INT) {
        fail(b, &e->span, "expected a layer (json, base64(...), aes(KEY, ...), ...), not %s", expr_kind_text(e));
        return;
    }
    const char *n = e->name;
    if (strcmp(n, "json") == 0) {
        if (e->kind == RP_EXPR_CALL)
            fail(b, &e->span, "'%s' is the message itself and takes no arguments", "json");
        else
            push_layer(b, RP_AST_LAYER_JSON, &e->span);
        return;
    }
    static const struct { const char *name; rp_ast_layer_kind kind; size_t args; } layers[] = {
        { "zlib", RP_AST_LAYER_ZLIB, 1 }, { "base64", RP_AST_LAYER_BASE64, 1 },
        { "base64_lenient", RP_AST_LAYER_BASE64_LENIENT, 1 }, { "hex", RP_AST_LAYER_HEX, 1 },
        { "rsa", RP_AST_LAYER_RSA, 2 }, { "aes", RP_AST_LAYER_AES, 2 },
    };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        if (strcmp(n, layers[i].name) != 0)
            continue;
        if (e->kind != RP_EXPR_CALL || e->arg_count != layers[i].args) {
            if (layers[i].args == 1)
                fail(b, &e->span, "'%s' takes one argument, the layers inside it: %s(LAYERS)", n);
            else
                fail(b, &e->span, "'%s' takes a key and the layers inside it: %s(KEY, LAYERS)", n);
            return;
        }
        if (i == 3 && expr_is_name(e->args[0], "iv")) {
            fail(b, &e->span, "'%s' places the IV and may only be a part of join(...)", "hex(iv)");
            return;
        }
        size_t at = b->env->layer_count;
        push_layer(b, layers[i].kind, &e->span);
        if (layers[i].args == 2) {
            const rp_ast_decl *k = layer_key(b, e->args[0], layers[i].kind == RP_AST_LAYER_RSA ? RP_KEY_RSA : RP_KEY_AES, n);
            b->env->layers[at].key = k;
        }
        build_layers(b, e->args[layers[i].args - 1], false);
        return;
    }
    if (strcmp(n, "join") == 0) {
        if (e->kind != RP_EXPR_CALL)
            fail(b, &e->span, "'%s' is written join(SEPARATOR, PARTS...)", "join");
        else
            build_join(b, e, outermost);
        return;
    }
    if (strcmp(n, "iv") == 0 || strcmp(n, "id") == 0) {
        fail(b, &e->span, "'%s' may only be a part of join(...)", n);
        return;
    }
    const char *s = suggest_word(n, layer_words, sizeof layer_words / sizeof layer_words[0]);
    if (s != NULL)
        error(b->c, &e->name_span, "unknown layer '%s'; did you mean '%s'?", n, s);
    else
        error(b->c, &e->name_span, "unknown layer '%s'; the layers are json, zlib, base64, base64_lenient, hex, rsa, aes and join", n);
    b->failed = true;
}

/* Does the text a layer produces use byte ch? (the payload part of a join must not carry
 * the separator unless it is the last part). */
static bool layer_alphabet_has(rp_ast_layer_kind k, unsigned char ch)
{
    switch (k) {
    case RP_AST_LAYER_BASE64:
    case RP_AST_LAYER_BASE64_LENIENT:
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               ch == '+' || ch == '/' || ch == '=';
    case RP_AST_LAYER_HEX:
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    default:
        return true; /* json and binary layers may hold any byte */
    }
}

static bool layer_is_binary(rp_ast_layer_kind k)
{
    return k == RP_AST_LAYER_ZLIB || k == RP_AST_LAYER_RSA || k == RP_AST_LAYER_AES;
}

static void check_envelope(rp_checker *c, rp_ast_decl *d)
{
    rp_ast_envelope *env = &d->u.envelope;
    layer_builder b = { c, env, 0, false };
    build_layers(&b, env->expr, true);
    if (b.failed)
        return;
    size_t aes = 0, rsa_outer = SIZE_MAX;
    rp_ast_layer *aes_layer = NULL;
    const rp_ast_layer *join = env->layers[0].kind == RP_AST_LAYER_JOIN ? &env->layers[0] : NULL;
    for (size_t i = 0; i < env->layer_count; i++) {
        rp_ast_layer *l = &env->layers[i];
        if (l->kind == RP_AST_LAYER_AES) {
            aes++;
            aes_layer = l;
        }
        if (l->kind == RP_AST_LAYER_RSA) {
            if (rsa_outer != SIZE_MAX) {
                error(c, &l->span, "rsa inside rsa cannot work: the inner ciphertext fills a whole RSA block");
                rp_diag_note(c->diag, &env->layers[rsa_outer].span, "the outer rsa layer");
                return;
            }
            rsa_outer = i;
        }
    }
    if (join == NULL)
        return;
    const rp_ast_layer *payload = &env->layers[1];
    bool places_iv = false;
    for (size_t i = 0; i < join->part_count; i++) {
        const rp_ast_join_part *p = &join->parts[i];
        if (p->kind == RP_PART_IV_HEX) {
            if (places_iv) {
                error(c, &p->span, "hex(iv) placed twice");
                return;
            }
            places_iv = true;
        }
        if (p->kind == RP_PART_PAYLOAD && layer_is_binary(payload->kind)) {
            error(c, &p->span, "the parts of a join are text, and '%s' is binary: wrap it in base64(...) or hex(...)",
                  rp_ast_layer_name(payload->kind));
            return;
        }
        bool last = i + 1 == join->part_count;
        if (p->kind == RP_PART_PAYLOAD && !last &&
            layer_alphabet_has(payload->kind, (unsigned char)join->separator[0])) {
            error(c, &p->span, "the payload is not the last part and its '%s' text may contain the separator \"%s\"",
                  rp_ast_layer_name(payload->kind), join->separator);
            return;
        }
    }
    if (places_iv && aes != 1) {
        error(c, &join->span, "hex(iv) places the IV of the envelope's aes layer, and it has %zu", aes);
        return;
    }
    if (places_iv)
        aes_layer->iv_in_join = true;
}

/* ---- profiles ---------------------------------------------------------------------------------- */

typedef struct profile_option {
    const char *name;
    const char *lenient;       /* the value that turns the leniency on */
    size_t flag;               /* offsetof the bool in rp_ast_profile */
} profile_option;

static const profile_option profile_options[] = {
    { "trailing_bytes", "ignore", offsetof(rp_ast_profile, trailing_ignore) },
    { "float_numbers", "truncate", offsetof(rp_ast_profile, float_truncate) },
    { "string_numbers", "absent", offsetof(rp_ast_profile, string_numbers_absent) },
    { "duplicate_keys", "last", offsetof(rp_ast_profile, duplicate_last) },
};
#define PROFILE_OPTION_COUNT (sizeof profile_options / sizeof profile_options[0])
#define PROFILE_MAX 32u

static bool *profile_flag(rp_ast_profile *p, size_t option)
{
    return (bool *)((char *)p + profile_options[option].flag);
}

/* Whether some message of the spec has a field with this wire key. */
static bool wire_key_exists(const rp_ast_spec *spec, const char *key)
{
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE)
            continue;
        for (size_t j = 0; j < d->u.message.field_count; j++)
            if (strcmp(d->u.message.fields[j].wire_key, key) == 0)
                return true;
    }
    return false;
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
        p->base = resolve_decl(c, p->base_name, &p->base_span, RP_DECL_PROFILE);
    for (size_t i = 0; i < p->setting_count; i++) {
        const rp_ast_setting *st = &p->settings[i];
        size_t k = 0;
        while (k < PROFILE_OPTION_COUNT && strcmp(profile_options[k].name, st->name) != 0)
            k++;
        if (k == PROFILE_OPTION_COUNT) {
            unknown_word(c, &st->name_span, "profile setting", st->name, names, PROFILE_OPTION_COUNT);
            continue;
        }
        if (st->value->kind != RP_EXPR_NAME ||
            (strcmp(st->value->name, profile_options[k].lenient) != 0 && strcmp(st->value->name, "reject") != 0)) {
            error(c, &st->value->span, "%s must be '%s' or 'reject'", st->name, profile_options[k].lenient);
            continue;
        }
    }
    for (size_t i = 0; i < p->relax_count; i++)
        if (!wire_key_exists(c->spec, p->relaxes[i].key))
            error(c, &p->relaxes[i].key_span, "no message has a field with wire key \"%s\"", p->relaxes[i].key);
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
        *profile_flag(p, k) = found != NULL && found->value->kind == RP_EXPR_NAME &&
                              strcmp(found->value->name, profile_options[k].lenient) == 0;
    }
}

/* ---- routes ------------------------------------------------------------------------------------ */

static void check_route(rp_checker *c, rp_ast_route *r)
{
    r->port = resolve_decl(c, r->port_name, &r->port_span, RP_DECL_PORT);
    r->from = resolve_decl(c, r->from_name, &r->from_span, RP_DECL_PEER);
    r->to = resolve_decl(c, r->to_name, &r->to_span, RP_DECL_PEER);
    if (r->from != NULL && r->from == r->to)
        error(c, &r->to_span, "a route goes from one peer to the other, not from '%s' to itself", r->from->name);
    r->envelopes = rp_xcalloc(r->envelope_count, sizeof *r->envelopes);
    for (size_t i = 0; i < r->envelope_count; i++) {
        const rp_ast_decl *e = resolve_decl(c, r->envelope_names[i], &r->envelope_spans[i], RP_DECL_ENVELOPE);
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
        if (r->port != NULL && r->port->u.port.framing == RP_FRAMING_DELIMITER &&
            layer_is_binary(env->layers[0].kind)) {
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

/* ---- telling envelopes apart ------------------------------------------------------------------- */

/* How a receiver recognises a layer's text, tested in this order (docs/language.md §4.12). */
typedef enum shape_class {
    SHAPE_JOIN = 0,     /* the separator where the first part ends */
    SHAPE_JSON,         /* first non-whitespace byte '{' or '[' */
    SHAPE_HEX,          /* hex digits only */
    SHAPE_BASE64,       /* base64 alphabet, '=' and whitespace only */
    SHAPE_ANY_TEXT,     /* anything (lenient base64: sealed as canonical base64) */
    SHAPE_ANY_BINARY    /* anything (a binary layer with nothing around it) */
} shape_class;

static shape_class shape_of(const rp_ast_layer *l)
{
    switch (l->kind) {
    case RP_AST_LAYER_JOIN: return SHAPE_JOIN;
    case RP_AST_LAYER_JSON: return SHAPE_JSON;
    case RP_AST_LAYER_HEX: return SHAPE_HEX;
    case RP_AST_LAYER_BASE64: return SHAPE_BASE64;
    case RP_AST_LAYER_BASE64_LENIENT: return SHAPE_ANY_TEXT;
    default: return SHAPE_ANY_BINARY;
    }
}

/* Length of a join's first part when it is fixed (hex(iv)), else 0. */
static size_t join_fixed_prefix(const rp_ast_layer *l)
{
    return l->part_count > 0 && l->parts[0].kind == RP_PART_IV_HEX ? 32u : 0u;
}

/* The same operation: opening one opens the other, so the receiver can look further in. */
static bool same_layer(const rp_ast_layer *a, const rp_ast_layer *b)
{
    if (a->kind != b->kind || a->key != b->key || a->iv_in_join != b->iv_in_join)
        return false;
    if (a->kind != RP_AST_LAYER_JOIN)
        return true;
    if (strcmp(a->separator, b->separator) != 0 || a->part_count != b->part_count)
        return false;
    for (size_t i = 0; i < a->part_count; i++)
        if (a->parts[i].kind != b->parts[i].kind || a->parts[i].key != b->parts[i].key)
            return false;
    return true;
}

/* Whether texts of layers a and b (which are not the same layer) can always be told apart. */
static bool shapes_distinct(const rp_ast_layer *a, const rp_ast_layer *b)
{
    shape_class x = shape_of(a), y = shape_of(b);
    if (x > y) {
        const rp_ast_layer *t = a;
        a = b;
        b = t;
        shape_class s = x;
        x = y;
        y = s;
    }
    if (y == SHAPE_ANY_BINARY)
        return false; /* binary text may look like anything */
    if (x == SHAPE_JOIN) {
        unsigned char sep = (unsigned char)a->separator[0];
        if (y == SHAPE_JOIN)
            return strcmp(a->separator, b->separator) != 0 ||
                   (join_fixed_prefix(a) != 0 && join_fixed_prefix(b) != 0 &&
                    join_fixed_prefix(a) != join_fixed_prefix(b));
        if (y == SHAPE_JSON)
            /* a join whose first part is fixed is recognised only by its separator at that
             * offset (as residue's server does); one whose first part varies would claim
             * every JSON object holding the separator */
            return join_fixed_prefix(a) != 0;
        if (y == SHAPE_HEX)
            return !layer_alphabet_has(RP_AST_LAYER_HEX, sep);
        return !layer_alphabet_has(RP_AST_LAYER_BASE64, sep); /* BASE64, ANY_TEXT: sealed as base64 */
    }
    if (x == y)
        return false;
    if (x == SHAPE_JSON)
        return true; /* '{' and '[' are in neither alphabet */
    /* HEX vs BASE64/ANY_TEXT, BASE64 vs ANY_TEXT: canonical base64 may look like the other */
    return false;
}

/* Whether a receiver can tell envelopes a and b apart; *where gets the layer of a at which
 * it cannot (for the diagnostic). */
static bool envelopes_distinct(const rp_ast_envelope *a, const rp_ast_envelope *b, size_t *where)
{
    size_t i = 0;
    while (i < a->layer_count && i < b->layer_count && same_layer(&a->layers[i], &b->layers[i]))
        i++;
    *where = i < a->layer_count ? i : a->layer_count - 1;
    if (i == a->layer_count || i == b->layer_count)
        return false; /* the same composition (json is innermost in both) */
    return shapes_distinct(&a->layers[i], &b->layers[i]);
}

/* Every envelope that may reach `to` on `port`, over every route of the spec. */
static void check_envelope_sets(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    size_t ne = spec->envelope_count;
    if (ne == 0 || spec->port_count == 0 || spec->peers[1] == NULL)
        return;
    /* used[(port * 2 + peer) * ne + envelope]: the first route using it there */
    const rp_ast_route **used = rp_xcalloc(spec->port_count * 2 * ne, sizeof *used);
    for (size_t i = 0; i < spec->decl_count; i++) {
        size_t n = 0;
        const rp_ast_route *routes = rp_ast_decl_routes(spec->decls[i], &n);
        for (size_t j = 0; j < n; j++) {
            const rp_ast_route *r = &routes[j];
            if (r->port == NULL || r->to == NULL)
                continue;
            for (size_t k = 0; k < r->envelope_count; k++) {
                const rp_ast_decl *e = r->envelopes[k];
                if (e == NULL || e->u.envelope.layer_count == 0)
                    continue;
                size_t slot = (r->port->u.port.index * 2 + r->to->u.peer.index) * ne + e->u.envelope.index;
                if (used[slot] == NULL)
                    used[slot] = r;
            }
        }
    }
    for (size_t set = 0; set < spec->port_count * 2; set++) {
        const rp_ast_route **in = used + set * ne;
        for (size_t a = 0; a < ne; a++) {
            if (in[a] == NULL)
                continue;
            for (size_t b = a + 1; b < ne; b++) {
                size_t where = 0;
                const rp_ast_decl *ea = spec->envelopes[a], *eb = spec->envelopes[b];
                if (in[b] == NULL || envelopes_distinct(&ea->u.envelope, &eb->u.envelope, &where))
                    continue;
                const rp_ast_decl *port = spec->ports[set / 2], *peer = spec->peers[set % 2];
                error(c, &eb->name_span,
                      "envelopes '%s' and '%s' both reach '%s' on port '%s' and cannot be told "
                      "apart by their shapes (at their '%s' layers)",
                      ea->name, eb->name, peer->name, port->name,
                      rp_ast_layer_name(ea->u.envelope.layers[where].kind));
                rp_diag_note(c->diag, &ea->name_span, "'%s' declared here", ea->name);
            }
        }
    }
    free(used);
}

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

static void report_pair(rp_checker *c, const routed *a, const routed *b, const rp_ast_decl *env)
{
    if (a->decl->kind == RP_DECL_ARRAY)
        error(c, &b->decl->name_span, "arrays '%s' and '%s' both arrive from '%s' on port '%s' in '%s': a "
              "receiver cannot tell two arrays apart", a->decl->name, b->decl->name,
              b->route->from->name, b->route->port->name, env->name);
    else
        error(c, &b->decl->name_span,
              "messages '%s' and '%s' both arrive from '%s' on port '%s' in '%s' and no required "
              "const field tells them apart",
              a->decl->name, b->decl->name, b->route->from->name, b->route->port->name, env->name);
    rp_diag_note(c->diag, &a->decl->name_span, "'%s' declared here", a->decl->name);
}

/* Two messages that may arrive on the same port, from the same peer, in the same envelope
 * must differ in a required const field with the same key (what the generated decode_any
 * dispatches on); two arrays there cannot be told apart at all; an array never meets a
 * message (JSON array vs object). Pairs are only compared within a bucket of equal values
 * of the group's most common discriminator key, so the usual spec (one `type` per message)
 * is checked in n log n. */
static void check_discriminators(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    size_t ne = spec->envelope_count;
    routed *all = NULL;
    size_t count = 0, cap = 0;
    for (size_t i = 0; i < spec->decl_count; i++) {
        size_t n = 0;
        const rp_ast_route *routes = rp_ast_decl_routes(spec->decls[i], &n);
        for (size_t j = 0; j < n; j++)
            for (size_t k = 0; k < routes[j].envelope_count; k++) {
                const rp_ast_route *r = &routes[j];
                routed *x = rp_xpush(&all, &count, &cap, sizeof *x);
                x->decl = spec->decls[i];
                x->route = r;
                /* arrays get their own groups: they never meet objects */
                x->group = (((r->port->u.port.index * 2 + r->from->u.peer.index) * ne +
                             r->envelopes[k]->u.envelope.index) << 1) |
                           (spec->decls[i]->kind == RP_DECL_ARRAY ? 1u : 0u);
            }
    }
    if (count > 1) /* qsort's base must not be NULL, even for no elements */
        qsort(all, count, sizeof *all, by_group_then_bucket);
    for (size_t start = 0; start < count;) {
        size_t end = start;
        while (end < count && all[end].group == all[start].group)
            end++;
        const rp_ast_decl *env = spec->envelopes[(all[start].group >> 1) % ne];
        if (all[start].decl->kind == RP_DECL_ARRAY) {
            for (size_t i = start + 1; i < end; i++)
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
        /* within a bucket every pair; the bucket-less messages against everyone */
        size_t none = start;
        while (none < end && all[none].bucket != NULL)
            none++;
        for (size_t b0 = start; b0 < none;) {
            size_t b1 = b0;
            while (b1 < none && strcmp(all[b1].bucket, all[b0].bucket) == 0)
                b1++;
            for (size_t i = b0; i < b1; i++)
                for (size_t j = i + 1; j < b1; j++)
                    if (!messages_differ(all[i].decl, all[j].decl))
                        report_pair(c, &all[i], &all[j], env);
            b0 = b1;
        }
        for (size_t i = none; i < end; i++)
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

/* ---- entry ----------------------------------------------------------------------------------------- */

void rp_check_transport(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    collect(c);
    require_peers(c);
    for (size_t i = 0; i < spec->port_count; i++)
        check_port(c, (rp_ast_decl *)spec->ports[i]);
    for (size_t i = 0; i < spec->key_count; i++)
        check_key(c, (rp_ast_decl *)spec->keys[i]);
    for (size_t i = 0; i < spec->envelope_count; i++)
        check_envelope(c, (rp_ast_decl *)spec->envelopes[i]);
    for (size_t i = 0; i < spec->profile_count; i++)
        check_profile_own(c, (rp_ast_decl *)spec->profiles[i]);
    for (size_t i = 0; i < spec->profile_count; i++)
        resolve_profile(c, (rp_ast_decl *)spec->profiles[i]);
    for (size_t i = 0; i < spec->decl_count; i++)
        check_routes_of(c, spec->decls[i]);
    check_max_depth(c);
    if (c->errors != 0)
        return; /* the set checks need every name resolved and every const checked */
    check_envelope_sets(c);
    check_discriminators(c);
}
