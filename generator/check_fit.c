/* check_fit.c — warns when a routed message can be longer than its port lets a packet be:
 * the message's longest compact JSON (json_bounds.h), sealed in each envelope of the route,
 * against the port's max_packet. The receiver's framer refuses a longer packet, and with a
 * length prefix wider than max_packet needs the sender is told nothing. A warning, not an
 * error: the bound counts every character at its widest escape, which real text may never
 * reach. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "json_bounds.h"

/* Bytes of the IV written as hex(iv) in a join, and of an AES block (PKCS#7 pads a whole one
 * onto a text that fills its last block). The runtime's RP_ENVELOPE_IV_HEX_LEN and
 * RP_AES_CBC_SEALED_LEN say the same. */
enum { IV_HEX_LEN = 32, AES_BLOCK = 16, RSA_PKCS1_PADDING = 11 };

/* What sealed_bound found. */
typedef struct sealed {
    uint64_t bytes;   /* RP_BOUND_UNBOUNDED: the spec alone does not tell */
    bool at_least;    /* a part only the keys decide counts as its least: rsa, id(KEY) */
} sealed;

/* The longest text envelope e seals a plaintext of n bytes into, layer by layer from the
 * inside out, as rp_envelope_seal runs them. zlib's output depends on the text, so nothing is
 * known past it. An RSA block is as long as the key's modulus, which must hold the text and
 * PKCS#1 padding: at least n + 11. An id(KEY) part is the caller's text: at least empty. */
static sealed sealed_bound(const rp_ast_envelope *e, uint64_t n)
{
    sealed s = { n, false };
    for (size_t i = e->layer_count; i-- > 0 && s.bytes != RP_BOUND_UNBOUNDED;) {
        const rp_ast_layer *l = &e->layers[i];
        switch (l->kind) {
        case RP_AST_LAYER_JSON:
            break;
        case RP_AST_LAYER_BASE64:
        case RP_AST_LAYER_BASE64_LENIENT:
            s.bytes = rp_bound_mul(s.bytes / 3 + (s.bytes % 3 != 0), 4);
            break;
        case RP_AST_LAYER_HEX:
            s.bytes = rp_bound_mul(s.bytes, 2);
            break;
        case RP_AST_LAYER_AES:
            s.bytes = rp_bound_add(rp_bound_mul(s.bytes / AES_BLOCK + 1, AES_BLOCK),
                                   l->iv_in_join ? 0 : AES_BLOCK);
            break;
        case RP_AST_LAYER_RSA:
            s.bytes = rp_bound_add(s.bytes, RSA_PKCS1_PADDING);
            s.at_least = true;
            break;
        case RP_AST_LAYER_JOIN:
            for (size_t p = 0; p < l->part_count; p++) {
                if (l->parts[p].kind == RP_AST_PART_IV_HEX)
                    s.bytes = rp_bound_add(s.bytes, IV_HEX_LEN);
                if (l->parts[p].kind == RP_AST_PART_KEY_ID)
                    s.at_least = true;
                if (p > 0)
                    s.bytes = rp_bound_add(s.bytes, strlen(l->separator));
            }
            break;
        case RP_AST_LAYER_ZLIB:
            s.bytes = RP_BOUND_UNBOUNDED;
            break;
        }
    }
    return s;
}

/* A route is warned about when the longest message outgrows max_packet in each of its
 * envelopes: one whose bound is unknown (zlib) or fits is the sender's way to send it. */
void rp_check_route_sizes(rp_checker *c)
{
    const rp_ast_spec *spec = c->spec;
    uint64_t *memo = rp_xcalloc(spec->decl_count + 1, sizeof *memo);
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        size_t n = 0;
        const rp_ast_route *routes = rp_ast_decl_routes(d, &n);
        uint64_t json = n > 0 ? rp_bound_message_memo(memo, d) : RP_BOUND_UNBOUNDED;
        for (size_t j = 0; j < n && json != RP_BOUND_UNBOUNDED; j++) {
            const rp_ast_route *r = &routes[j];
            if (r->port == NULL)
                continue;
            uint64_t max = r->port->u.port.max_packet;
            size_t least = r->envelope_count; /* the envelope with the shortest bound */
            sealed best = { RP_BOUND_UNBOUNDED, false };
            for (size_t k = 0; k < r->envelope_count; k++) {
                sealed s = sealed_bound(&r->envelopes[k]->u.envelope, json);
                if (s.bytes == RP_BOUND_UNBOUNDED || s.bytes <= max) {
                    least = r->envelope_count; /* this one may carry it */
                    break;
                }
                if (least == r->envelope_count || s.bytes < best.bytes) {
                    least = k;
                    best = s;
                }
            }
            if (least == r->envelope_count)
                continue;
            rp_strbuf of = { 0 };
            if (r->envelope_count > 1)
                rp_sb_printf(&of, ", the shortest of the route's %zu", r->envelope_count);
            if (best.bytes != json)
                rp_sb_printf(&of, " (its compact JSON up to %" PRIu64 ")", json);
            rp_diag_warning(c->diag, &r->envelope_spans[least],
                            "message '%s' can be %s%" PRIu64 " bytes in envelope '%s'%s, more than "
                            "port '%s' takes (max_packet %" PRIu64 "): the receiver refuses a longer "
                            "packet; lower the maximum lengths of its strings and lists, or raise "
                            "max_packet",
                            d->name, best.at_least ? "at least " : "", best.bytes,
                            r->envelopes[least]->name, of.s != NULL ? of.s : "", r->port->name, max);
            free(of.s);
        }
    }
    free(memo);
}
