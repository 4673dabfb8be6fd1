/* emit_c_transport.c — the transport tables of a spec with ports: <p>_transport.h / .c.
 *
 * One constant rp_protocol (runtime/envelope/rp_envelope.h) describing what the spec
 * declares about its transport — ports with their framing and packet limit, keys, envelopes
 * as their layers (outermost first, json last) and every route with its envelope set — in
 * the numbering of the codec header's enums: port constant p is ports[p - 1], peer
 * constants are 1 and 2, key and envelope constants index their tables. The pair is kept
 * apart from the codec pair so that a program that only encodes and decodes messages needs
 * neither the envelope engine nor the libraries its layers use.
 */
#include "emit_c_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *layer_ops(rp_ast_layer_kind k)
{
    switch (k) {
    case RP_AST_LAYER_JSON: return "rp_layer_json";
    case RP_AST_LAYER_ZLIB: return "rp_layer_zlib";
    case RP_AST_LAYER_BASE64: return "rp_layer_base64";
    case RP_AST_LAYER_BASE64_LENIENT: return "rp_layer_base64_lenient";
    case RP_AST_LAYER_HEX: return "rp_layer_hex";
    case RP_AST_LAYER_RSA: return "rp_layer_rsa";
    case RP_AST_LAYER_AES: return "rp_layer_aes";
    case RP_AST_LAYER_JOIN: return "rp_layer_join";
    }
    return "rp_layer_json";
}

/* A section rule ("---- what ----"), 80 columns like the codec header's. */
static void banner(rp_strbuf *b, const char *what)
{
    rp_sb_printf(b, "/* ---- %s ", what);
    for (size_t i = 8 + strlen(what) + 1; i < 80 - 3; i++)
        rp_sb_putc(b, '-');
    rp_sb_puts(b, " */\n\n");
}

/* Appends text as comment lines (" * " + words) of at most 92 columns. */
static void comment_wrapped(rp_strbuf *b, const char *text)
{
    size_t col = 0;
    for (const char *w = text; *w != '\0';) {
        size_t n = strcspn(w, " ");
        if (col == 0 || col + 1 + n > 92) {
            rp_sb_puts(b, col == 0 ? " *" : "\n *");
            col = 2;
        }
        rp_sb_printf(b, " %.*s", (int)n, w);
        col += 1 + n;
        w += n;
        while (*w == ' ')
            w++;
    }
    rp_sb_puts(b, "\n");
}

/* "RESIDUE_PEER_CLIENT" for a peer, key or envelope declaration; caller frees. */
static char *named(const emit_ctx *cx, rp_cname_named_kind k, const rp_ast_decl *d)
{
    return rp_cname_named(&cx->names, k, d->name);
}

static void emit_keys(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    banner(c, "keys");
    rp_sb_puts(c, "static const rp_key_desc keys[] = {\n");
    for (size_t i = 0; i < cx->spec->key_count; i++) {
        const rp_ast_decl *d = cx->spec->keys[i];
        const rp_ast_key *k = &d->u.key;
        char *index = named(cx, RP_CN_KEY_CONST, d);
        rp_sb_printf(c, "    [%s] = { .name = ", index);
        emit_cstr(c, d->name);
        if (k->kind == RP_AST_KEY_RSA) {
            char *owner = named(cx, RP_CN_PEER_CONST, k->owner);
            rp_sb_printf(c, ", .kind = RP_KEY_RSA, .owner = %s },\n", owner);
            free(owner);
        } else {
            rp_sb_printf(c, ", .kind = RP_KEY_AES, .aes_bits = 0x%xu },\n", k->aes_bits);
        }
        free(index);
    }
    rp_sb_puts(c, "};\n\n");
}

/* The parts of envelope d's join layer l, as `static const rp_join_part parts__<env>[]`. */
static void emit_join_parts(emit_ctx *cx, const char *env, const rp_ast_layer *l)
{
    rp_strbuf *c = &cx->c;
    rp_sb_printf(c, "static const rp_join_part parts__%s[] = {\n", env);
    for (size_t i = 0; i < l->part_count; i++) {
        const rp_ast_join_part *p = &l->parts[i];
        if (p->kind == RP_AST_PART_PAYLOAD) {
            rp_sb_puts(c, "    { RP_JOIN_PAYLOAD, 0 },\n");
        } else if (p->kind == RP_AST_PART_IV_HEX) {
            rp_sb_puts(c, "    { RP_JOIN_IV_HEX, 0 },\n");
        } else {
            char *key = named(cx, RP_CN_KEY_CONST, p->key);
            rp_sb_printf(c, "    { RP_JOIN_ID, %s },\n", key);
            free(key);
        }
    }
    rp_sb_puts(c, "};\n");
}

static void emit_envelopes(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    banner(c, "envelopes (layers outermost first)");
    for (size_t i = 0; i < cx->spec->envelope_count; i++) {
        const rp_ast_decl *d = cx->spec->envelopes[i];
        const rp_ast_envelope *e = &d->u.envelope;
        char *env = rp_cname_snake(d->name);
        for (size_t k = 0; k < e->layer_count; k++)
            if (e->layers[k].kind == RP_AST_LAYER_JOIN)
                emit_join_parts(cx, env, &e->layers[k]);
        rp_sb_printf(c, "static const rp_layer_desc layers__%s[] = {\n", env);
        for (size_t k = 0; k < e->layer_count; k++) {
            const rp_ast_layer *l = &e->layers[k];
            rp_sb_printf(c, "    { .ops = &%s", layer_ops(l->kind));
            if (l->key != NULL) {
                char *key = named(cx, RP_CN_KEY_CONST, l->key);
                rp_sb_printf(c, ", .key = %s", key);
                free(key);
            }
            if (l->kind == RP_AST_LAYER_JOIN) {
                rp_sb_puts(c, ", .sep = ");
                emit_cstr(c, l->separator);
                rp_sb_printf(c, ", .sep_len = %zu,\n      .parts = parts__%s, .part_count = %zu",
                             strlen(l->separator), env, l->part_count);
            }
            rp_sb_puts(c, " },\n");
        }
        rp_sb_puts(c, "};\n\n");
        free(env);
    }
    rp_sb_puts(c, "static const rp_envelope_desc envelopes[] = {\n");
    for (size_t i = 0; i < cx->spec->envelope_count; i++) {
        const rp_ast_decl *d = cx->spec->envelopes[i];
        char *index = named(cx, RP_CN_ENVELOPE_CONST, d);
        char *env = rp_cname_snake(d->name);
        rp_sb_printf(c, "    [%s] = {\n        .name = ", index);
        emit_cstr(c, d->name);
        rp_sb_printf(c, ", .layers = layers__%s, .layer_count = %zu },\n", env,
                     d->u.envelope.layer_count);
        free(env);
        free(index);
    }
    rp_sb_puts(c, "};\n\n");
}

static void emit_ports(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    banner(c, "ports");
    for (size_t i = 0; i < cx->spec->port_count; i++) {
        const rp_ast_port *p = &cx->spec->ports[i]->u.port;
        if (p->framing != RP_AST_FRAMING_DELIMITER)
            continue;
        char *port = rp_cname_snake(cx->spec->ports[i]->name);
        rp_sb_printf(c, "static const uint8_t delimiter__%s[%zu] = {", port, p->delimiter_len);
        for (size_t k = 0; k < p->delimiter_len; k++)
            rp_sb_printf(c, "%s0x%02x", k == 0 ? " " : ", ", (unsigned)(unsigned char)p->delimiter[k]);
        rp_sb_puts(c, " };\n");
        free(port);
    }
    rp_sb_puts(c, "\n/* Port constant p is ports[p - 1]. */\n");
    rp_sb_puts(c, "static const rp_port_desc ports[] = {\n");
    for (size_t i = 0; i < cx->spec->port_count; i++) {
        const rp_ast_decl *d = cx->spec->ports[i];
        const rp_ast_port *p = &d->u.port;
        char *number = named(cx, RP_CN_PORT_CONST, d);
        char *port = rp_cname_snake(d->name);
        rp_sb_printf(c, "    [%s - 1] = {\n        .name = ", number);
        emit_cstr(c, d->name);
        if (p->framing == RP_AST_FRAMING_DELIMITER)
            rp_sb_printf(c, ",\n        .framing = { .kind = RP_FRAMING_DELIMITER, .delim = delimiter__%s,\n"
                            "                     .delim_len = sizeof delimiter__%s },\n",
                         port, port);
        else
            rp_sb_printf(c, ",\n        .framing = { .kind = RP_FRAMING_LENGTH, .prefix_bytes = %u,"
                            " .big_endian = %s },\n",
                         p->prefix_bytes, p->big_endian ? "true" : "false");
        rp_sb_puts(c, "        .max_packet = ");
        emit_u64_lit(c, p->max_packet);
        rp_sb_puts(c, ",\n    },\n");
        free(port);
        free(number);
    }
    rp_sb_puts(c, "};\n\n");
}

static void emit_routes(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    const char *bit = cx->fixed[RP_CN_ENVELOPE_BIT];
    if (!cx->routed)
        return; /* no table at all: C has no empty arrays */
    banner(c, "routes");
    rp_sb_puts(c, "static const rp_route_desc routes[] = {\n");
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        size_t n = 0;
        const rp_ast_route *r = rp_ast_decl_routes(d, &n);
        if (n == 0)
            continue;
        char *id = rp_cname_decl(&cx->names, d, RP_CN_MSG_ID);
        for (size_t k = 0; k < n; k++) {
            char *port = named(cx, RP_CN_PORT_CONST, r[k].port);
            char *from = named(cx, RP_CN_PEER_CONST, r[k].from);
            char *to = named(cx, RP_CN_PEER_CONST, r[k].to);
            rp_sb_printf(c, "    { %s, %s, %s, %s,\n      ", id, port, from, to);
            size_t col = 6;
            for (size_t e = 0; e < r[k].envelope_count; e++) {
                char *env = named(cx, RP_CN_ENVELOPE_CONST, r[k].envelopes[e]);
                size_t n = strlen(bit) + strlen(env) + 2;
                if (e > 0 && col + 3 + n > 96) {
                    rp_sb_puts(c, "\n      | ");
                    col = 8;
                } else if (e > 0) {
                    rp_sb_puts(c, " | ");
                    col += 3;
                }
                rp_sb_printf(c, "%s(%s)", bit, env);
                col += n;
                free(env);
            }
            rp_sb_puts(c, " },\n");
            free(to);
            free(from);
            free(port);
        }
        free(id);
    }
    rp_sb_puts(c, "};\n\n");
}

static void emit_protocol(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    const rp_ast_spec *sp = cx->spec;
    rp_sb_printf(c, "const rp_protocol %s = {\n    .name = ", cx->fixed[RP_CN_PROTOCOL]);
    emit_cstr(c, sp->protocol);
    rp_sb_puts(c, ",\n    .peers = { ");
    for (int i = 0; i < 2; i++) {
        if (sp->peers[i] != NULL)
            emit_cstr(c, sp->peers[i]->name);
        else
            rp_sb_puts(c, "NULL");
        rp_sb_puts(c, i == 0 ? ", " : " },\n");
    }
    rp_sb_printf(c, "    .ports = ports, .port_count = sizeof ports / sizeof ports[0],\n");
    if (sp->key_count > 0)
        rp_sb_puts(c, "    .keys = keys, .key_count = sizeof keys / sizeof keys[0],\n");
    if (sp->envelope_count > 0)
        rp_sb_puts(c, "    .envelopes = envelopes, .envelope_count = sizeof envelopes / sizeof envelopes[0],\n");
    if (cx->routed)
        rp_sb_puts(c, "    .routes = routes, .route_count = sizeof routes / sizeof routes[0],\n");
    rp_sb_puts(c, "};\n");
}

/* Which layer kinds the spec's envelopes use, for the header's note on what to link. */
static void link_note(emit_ctx *cx, rp_strbuf *b)
{
    bool used[RP_AST_LAYER_JOIN + 1] = { false };
    for (size_t i = 0; i < cx->spec->envelope_count; i++) {
        const rp_ast_envelope *e = &cx->spec->envelopes[i]->u.envelope;
        for (size_t k = 0; k < e->layer_count; k++)
            used[e->layers[k].kind] = true;
    }
    rp_strbuf note = { 0 };
    rp_sb_puts(&note, "Links rp_envelope, rp_frame and the layers its envelopes name:");
    const char *sep = " ";
    for (int k = RP_AST_LAYER_JSON; k <= RP_AST_LAYER_JOIN; k++)
        if (used[k]) {
            rp_sb_printf(&note, "%s%s", sep, layer_ops((rp_ast_layer_kind)k));
            sep = ", ";
        }
    bool crypto = used[RP_AST_LAYER_RSA] || used[RP_AST_LAYER_AES], zlib = used[RP_AST_LAYER_ZLIB];
    rp_sb_puts(&note, crypto && zlib ? "; so it needs OpenSSL's libcrypto and zlib."
                      : crypto       ? "; so it needs OpenSSL's libcrypto."
                      : zlib         ? "; so it needs zlib."
                                     : "; no library.");
    rp_sb_puts(b, " *\n");
    comment_wrapped(b, note.s);
    free(note.s);
}

void emit_c_transport(emit_ctx *cx, const char *spec_name)
{
    rp_strbuf *h = &cx->h, *c = &cx->c;
    char *const *fx = cx->fixed;
    char *hfile = rp_cname_transport_file(&cx->names, true);
    char *cfile = rp_cname_transport_file(&cx->names, false);
    char *codec = rp_cname_file(&cx->names, true);

    rp_sb_printf(h, "/* %s — transport tables of the %s protocol, for the rp_envelope engine.\n *\n",
                 hfile, cx->spec->protocol);
    rp_sb_printf(h, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(h, " * Spec SHA-256: %s\n *\n", cx->sha256);
    rp_sb_printf(h, " * %s describes the ports (framing, largest packet), keys, envelopes and\n"
                    " * routes of the spec in the numbering of %s: port constant p is ports[p - 1],\n"
                    " * peers are 1 and 2, key and envelope constants index their tables. Give it to\n"
                    " * rp_envelope_classify / rp_envelope_open_any / rp_envelope_seal (rp_envelope.h) and\n"
                    " * rp_framer_init (rp_frame.h, the port's .framing and .max_packet).\n",
                 fx[RP_CN_PROTOCOL], codec);
    link_note(cx, h);
    rp_sb_puts(h, " */\n");
    rp_sb_printf(h, "#ifndef %s\n#define %s\n\n", fx[RP_CN_TRANSPORT_GUARD], fx[RP_CN_TRANSPORT_GUARD]);
    rp_sb_printf(h, "#include \"%s\"\n#include \"rp_envelope.h\"\n\n", codec);
    rp_sb_puts(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    rp_sb_printf(h, "/** Everything the %s spec declares about its transport. */\n", cx->spec->protocol);
    rp_sb_printf(h, "extern const rp_protocol %s;\n\n", fx[RP_CN_PROTOCOL]);
    rp_sb_puts(h, "#ifdef __cplusplus\n}\n#endif\n\n");
    rp_sb_printf(h, "#endif /* %s */\n", fx[RP_CN_TRANSPORT_GUARD]);

    rp_sb_printf(c, "/* %s — transport tables of the %s protocol (see %s).\n *\n", cfile,
                 cx->spec->protocol, hfile);
    rp_sb_printf(c, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(c, " * Spec SHA-256: %s\n */\n", cx->sha256);
    rp_sb_printf(c, "#include \"%s\"\n\n#include <stddef.h>\n#include <stdint.h>\n\n", hfile);
    if (cx->spec->key_count > 0)
        emit_keys(cx);
    if (cx->spec->envelope_count > 0)
        emit_envelopes(cx);
    emit_ports(cx);
    emit_routes(cx);
    emit_protocol(cx);
    free(codec);
    free(cfile);
    free(hfile);
}
