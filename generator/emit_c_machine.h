/* emit_c_machine.h — the C emitter's session machines (emit_c_machine.c): per machine of the
 * spec, enums of its states, timers and transitions, a typed handler struct, the constant
 * rp_machine_desc the runtime engine (runtime/session/rp_machine.h) runs, and the typed
 * functions around it. Nothing is written for a spec without machines. Internal to rprotoc
 * (and to the test generator that drives the generated machines). */
#ifndef RP_EMIT_C_MACHINE_H
#define RP_EMIT_C_MACHINE_H

#include <stdio.h>

#include "emit_c_util.h"

/* Refuses a spec whose machines the engine cannot hold: more than RP_MACHINE_TIMER_MAX
 * timers in one machine, or more than 64 keys or envelopes in a spec with machines. Returns 0,
 * or -1 with one diagnostic line per problem on diag (may be NULL). */
int emit_c_machines_check(const rp_ast_spec *spec, FILE *diag);

/* Appends the includes the machines need (nothing without machines) to cx->h. */
void emit_c_machines_includes(emit_ctx *cx);
/* Appends the machines' declarations to cx->h / their tables and functions to cx->c. */
void emit_c_machines_header(emit_ctx *cx);
void emit_c_machines_source(emit_ctx *cx);

/* Names, shared with the test generator (every result owned by the caller):
 *   emit_machine_type      "residue_client_session" (prefix + snake of the machine name)
 *   emit_machine_handler   "awaiting_hello_receive_hello": the handler member of transition
 *                          t, also the tail of its enum constant; two transitions of one
 *                          state on the same message (in disjoint envelopes) get
 *                          "_in_<first envelope>"
 *   emit_machine_state     "awaiting_hello" (snake of the state name)
 *   emit_machine_transition_const  "RESIDUE_CLIENT_SESSION_ON_AWAITING_HELLO_RECEIVE_HELLO"
 *   emit_machine_timer_const       "RESIDUE_CLIENT_SESSION_TIMER_TOUCH" */
char *emit_machine_type(const char *prefix, const rp_ast_decl *machine);
char *emit_machine_handler(const rp_ast_decl *machine, const rp_ast_transition *t);
/* Every handler name of the machine at once, by transition index (what emit_machine_handler
 * gives one at a time); free with emit_machine_handlers_free. */
char **emit_machine_handlers(const rp_ast_decl *machine);
void emit_machine_handlers_free(char **names, const rp_ast_decl *machine);
char *emit_machine_state(const rp_ast_state *state);
char *emit_machine_transition_const(const char *prefix, const rp_ast_decl *machine,
                                    const rp_ast_transition *t);
char *emit_machine_timer_const(const char *prefix, const rp_ast_decl *machine, size_t timer);

/* The state a transition leaves (transitions do not point back at their state). */
const rp_ast_state *emit_machine_state_of(const rp_ast_decl *machine, const rp_ast_transition *t);

#endif /* RP_EMIT_C_MACHINE_H */
