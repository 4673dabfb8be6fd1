/* check_fit.c — warns when a routed message can be longer than its port lets a packet be:
 * the message's longest compact JSON (json_bounds.h), sealed in each envelope of the route,
 * against the port's max_packet. The receiver's framer refuses a longer packet, and with a
 * length prefix wider than max_packet needs the sender is told nothing. A warning, not an
 * error: the bound counts every character at its widest escape, which real text may never
 * reach. */
#include <inttypes.h>
#include <stdlib.h>

#include "check_internal.h"
#include "json_bounds.h"

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
            rp_bound_sealed best = { RP_BOUND_UNBOUNDED, false };
            for (size_t k = 0; k < r->envelope_count; k++) {
                rp_bound_sealed s = rp_bound_sealed_text(&r->envelopes[k]->u.envelope, json);
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
