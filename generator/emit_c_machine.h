/* emit_c_machine.h — the C emitter's session machines (emit_c_machine.c), in their own pair:
 * for protocol `residue`, residue_machines.h / residue_machines.c. Per machine of the spec:
 * enums of its states, timers and transitions, a typed handler struct, the constant
 * rp_machine_desc the runtime engine (runtime/session/rp_machine.h) runs, and the typed
 * functions around it. The pair includes the codec header (<p>.h) and rp_machine.h; the codec
 * pair never includes the machines, so a program that only decodes and encodes needs nothing
 * of runtime/session. A spec without machines has no machines pair.
 *
 * Every name comes from cnames.h (the check of check_names.c covers them); the limits of the
 * engine are checked by check_machine.c, so a checked spec always renders.
 */
#ifndef RP_EMIT_C_MACHINE_H
#define RP_EMIT_C_MACHINE_H

#include <stdio.h>

#include "ast.h"
#include "emit_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Renders the machines pair of a checked spec into *out (zeroed first; its strings owned,
 * free with rp_emit_c_output_free). A spec without machines leaves *out zeroed (header NULL)
 * and returns 0. Returns -1 with one line on diag (may be NULL) when the spec has no protocol
 * name or its hash cannot be computed. */
int rp_emit_c_machines_render(const rp_ast_spec *spec, rp_emit_c_output *out, FILE *diag);

#ifdef __cplusplus
}
#endif

#endif /* RP_EMIT_C_MACHINE_H */
