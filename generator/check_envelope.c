/* check_envelope.c — envelopes: each layer expression becomes a chain of layers (outermost
 * first) with every impossible composition refused, and the envelopes that may reach one
 * peer on one port are proved distinguishable by their shapes (docs/language.md §4.14). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"

#define error rp_check_error

/* The layer names an envelope expression may use (built-in, not keywords). */
static const char *const layer_words[] = { "json", "zlib", "base64", "base64_lenient", "hex",
                                           "rsa", "aes", "join", "iv", "id" };

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
    const rp_ast_decl *k = rp_check_resolve_decl(b->c, arg->name, &arg->span, RP_DECL_KEY);
    if (k == NULL) {
        b->failed = true;
        return NULL;
    }
    if (k->u.key.kind != RP_AST_KEY_NONE && k->u.key.kind != kind) {
        error(b->c, &arg->span, "'%s' needs %s key; '%s' is %s key", layer,
              kind == RP_AST_KEY_RSA ? "an rsa" : "an aes", k->name,
              k->u.key.kind == RP_AST_KEY_RSA ? "an rsa" : "an aes");
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
        rp_ast_join_part part = { RP_AST_PART_PAYLOAD, NULL, a->span };
        if (a->kind == RP_EXPR_CALL && strcmp(a->name, "hex") == 0 && a->arg_count == 1 &&
            rp_check_expr_is_name(a->args[0], "iv")) {
            part.kind = RP_AST_PART_IV_HEX;
        } else if (a->kind == RP_EXPR_CALL && strcmp(a->name, "id") == 0) {
            part.kind = RP_AST_PART_KEY_ID;
            if (a->arg_count != 1 || a->args[0]->kind != RP_EXPR_NAME)
                fail(b, &a->span, "'%s' takes one key: id(session)", "id");
            else if ((part.key = rp_check_resolve_decl(b->c, a->args[0]->name, &a->args[0]->span, RP_DECL_KEY)) == NULL)
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
        fail(b, &e->span, "expected a layer (json, base64(...), aes(KEY, ...), ...), not %s", rp_check_expr_kind_text(e));
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
        if (i == 3 && rp_check_expr_is_name(e->args[0], "iv")) {
            fail(b, &e->span, "'%s' places the IV and may only be a part of join(...)", "hex(iv)");
            return;
        }
        size_t at = b->env->layer_count;
        push_layer(b, layers[i].kind, &e->span);
        if (layers[i].args == 2) {
            const rp_ast_decl *k = layer_key(b, e->args[0], layers[i].kind == RP_AST_LAYER_RSA ? RP_AST_KEY_RSA : RP_AST_KEY_AES, n);
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
    const char *s = rp_suggest_word(n, layer_words, sizeof layer_words / sizeof layer_words[0]);
    if (s != NULL)
        error(b->c, &e->name_span, "unknown layer '%s'; did you mean '%s'?", n, s);
    else
        error(b->c, &e->name_span, "unknown layer '%s'; the layers are json, zlib, base64, base64_lenient, hex, rsa, aes and join", n);
    b->failed = true;
}

/* Does the text a layer produces use byte ch? (the payload part of a join must not carry
 * the separator unless it is the last part). */
bool rp_check_layer_alphabet_has(rp_ast_layer_kind k, unsigned char ch)
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

bool rp_check_layer_is_binary(rp_ast_layer_kind k)
{
    return k == RP_AST_LAYER_ZLIB || k == RP_AST_LAYER_RSA || k == RP_AST_LAYER_AES;
}

void rp_check_envelope(rp_checker *c, rp_ast_decl *d)
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
        if (p->kind == RP_AST_PART_IV_HEX) {
            if (places_iv) {
                error(c, &p->span, "hex(iv) placed twice");
                return;
            }
            places_iv = true;
        }
        if (p->kind == RP_AST_PART_PAYLOAD && rp_check_layer_is_binary(payload->kind)) {
            error(c, &p->span, "the parts of a join are text, and '%s' is binary: wrap it in base64(...) or hex(...)",
                  rp_ast_layer_name(payload->kind));
            return;
        }
        bool last = i + 1 == join->part_count;
        if (p->kind == RP_AST_PART_PAYLOAD && !last &&
            rp_check_layer_alphabet_has(payload->kind, (unsigned char)join->separator[0])) {
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
    return l->part_count > 0 && l->parts[0].kind == RP_AST_PART_IV_HEX ? 32u : 0u;
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
            return !rp_check_layer_alphabet_has(RP_AST_LAYER_HEX, sep);
        return !rp_check_layer_alphabet_has(RP_AST_LAYER_BASE64, sep); /* BASE64, ANY_TEXT: sealed as base64 */
    }
    if (x == y)
        return false;
    if (x == SHAPE_JSON)
        return true; /* '{' and '[' are in neither alphabet */
    /* HEX vs BASE64/ANY_TEXT, BASE64 vs ANY_TEXT: canonical base64 may look like the other */
    return false;
}

/* Whether a receiver can tell envelopes a and b apart; *where gets the index of the first
 * layer at which they differ (their layer count if they are the same composition), for the
 * diagnostic. */
static bool envelopes_distinct(const rp_ast_envelope *a, const rp_ast_envelope *b, size_t *where)
{
    size_t i = 0;
    while (i < a->layer_count && i < b->layer_count && same_layer(&a->layers[i], &b->layers[i]))
        i++;
    *where = i;
    if (i == a->layer_count || i == b->layer_count)
        return false; /* the same composition (json is innermost in both) */
    return shapes_distinct(&a->layers[i], &b->layers[i]);
}

/* Says why envelopes ea and eb (differing first at layer `where`) look alike to `peer`. */
static void report_alike(rp_checker *c, const rp_ast_decl *ea, const rp_ast_decl *eb, size_t where,
                         const rp_ast_decl *peer, const rp_ast_decl *port)
{
    const rp_ast_envelope *a = &ea->u.envelope, *b = &eb->u.envelope;
    if (where == a->layer_count || where == b->layer_count)
        error(c, &eb->name_span,
              "envelopes '%s' and '%s' both reach '%s' on port '%s' with the same layers, so "
              "nothing tells them apart",
              ea->name, eb->name, peer->name, port->name);
    else if (a->layers[where].kind == b->layers[where].kind)
        error(c, &eb->name_span,
              "envelopes '%s' and '%s' both reach '%s' on port '%s' and cannot be told apart by "
              "their shapes (at their '%s' layers)",
              ea->name, eb->name, peer->name, port->name, rp_ast_layer_name(a->layers[where].kind));
    else
        error(c, &eb->name_span,
              "envelopes '%s' and '%s' both reach '%s' on port '%s' and cannot be told apart by "
              "their shapes ('%s' in '%s' may look like '%s' in '%s')",
              ea->name, eb->name, peer->name, port->name, rp_ast_layer_name(a->layers[where].kind),
              ea->name, rp_ast_layer_name(b->layers[where].kind), eb->name);
    rp_diag_note(c->diag, &ea->name_span, "'%s' declared here", ea->name);
}

/* ---- envelopes inside delimited packets ------------------------------------------------ */

/* Whether the text layer li of envelope e writes may hold byte b. JSON as the runtime writes
 * it escapes every control byte; an id() is text too. */
static bool layer_may_hold(const rp_ast_envelope *e, size_t li, unsigned char b)
{
    const rp_ast_layer *l = &e->layers[li];
    switch (l->kind) {
    case RP_AST_LAYER_JSON:
        return b >= 0x20;
    case RP_AST_LAYER_JOIN:
        if (strchr(l->separator, (char)b) != NULL && b != 0)
            return true;
        for (size_t i = 0; i < l->part_count; i++) {
            rp_ast_part_kind k = l->parts[i].kind;
            if (k == RP_AST_PART_PAYLOAD ? li + 1 < e->layer_count && layer_may_hold(e, li + 1, b)
                : k == RP_AST_PART_IV_HEX ? rp_check_layer_alphabet_has(RP_AST_LAYER_HEX, b)
                : b >= 0x20)
                return true;
        }
        return false;
    default:
        return rp_check_layer_alphabet_has(l->kind, b); /* binary layers: any byte */
    }
}

/* A delimited port ends a packet at its delimiter: an envelope whose text may hold every byte
 * of it could have a packet cut inside (JSON on delimiter(","), a join whose separator is the
 * delimiter, a binary layer outermost). */
void rp_check_envelope_framing(rp_checker *c)
{
    const rp_ast_spec *spec = c->spec;
    for (size_t i = 0; i < spec->decl_count; i++) {
        size_t n = 0;
        const rp_ast_route *routes = rp_ast_decl_routes(spec->decls[i], &n);
        for (size_t j = 0; j < n; j++) {
            const rp_ast_route *r = &routes[j];
            if (r->port == NULL || r->port->u.port.framing != RP_AST_FRAMING_DELIMITER)
                continue;
            const rp_ast_port *port = &r->port->u.port;
            for (size_t k = 0; k < r->envelope_count; k++) {
                const rp_ast_envelope *e = r->envelopes[k] != NULL ? &r->envelopes[k]->u.envelope : NULL;
                if (e == NULL || e->layer_count == 0)
                    continue;
                bool all = true;
                for (size_t d = 0; d < port->delimiter_len && all; d++)
                    all = layer_may_hold(e, 0, (unsigned char)port->delimiter[d]);
                if (!all)
                    continue;
                rp_strbuf shown = { 0 };
                rp_diag_put_quoted(&shown, port->delimiter, port->delimiter_len);
                error(c, &r->envelope_spans[k],
                      "the text of envelope '%s' may hold the delimiter %s that ends a packet "
                      "on port '%s': a packet could be cut inside",
                      r->envelopes[k]->name, shown.s, r->port->name);
                free(shown.s);
            }
        }
    }
}

/* Every envelope that may reach `to` on `port`, over every route of the spec. */
void rp_check_envelope_sets(rp_checker *c)
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
                report_alike(c, ea, eb, where, spec->peers[set % 2], spec->ports[set / 2]);
            }
        }
    }
    free(used);
}
