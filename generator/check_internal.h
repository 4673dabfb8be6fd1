/* check_internal.h — what the parts of the check pass share (check.c, check_transport.c).
 * Internal to the front end: emitters see only the checked AST. */
#ifndef RP_CHECK_INTERNAL_H
#define RP_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"
#include "fe_util.h"

/* State of one run of the check pass. */
typedef struct rp_checker {
    rp_diag *diag;
    rp_ast_spec *spec;
    size_t errors;
    /* Declarations by name: an open-addressing hash table (power-of-two slots, at most half
     * full) so name checks and type lookups stay linear in the size of the spec. The first
     * declaration of a name owns its slot. */
    const rp_ast_decl **names;
    size_t name_slots;
    /* Per spec->decls index: the value names of an enum or flags declaration, built on
     * first use (const and default values are looked up by name). */
    struct rp_name_table *enum_values;
    /* Per spec->decls index: nonzero when an error was reported in the declaration's own
     * checks, its routes or its name (a redefinition). The checks that compare declarations
     * (discriminators, classify keys) skip these, so an error elsewhere hides none of theirs
     * and a broken declaration brings no follow-on errors. */
    unsigned char *unclean;
    /* Timers named in start()/stop() that no machine declares (check_machine.c: while there
     * are none, "timer never started" is no follow-on error). */
    size_t unknown_timer_actions;
} rp_checker;

/* Reports an error at span and counts it. */
void rp_check_error(rp_checker *c, const rp_ast_span *span, const char *fmt, ...) RP_PRINTF(3, 4);

/* Whether declaration d had no error of its own (see rp_checker.unclean). */
bool rp_check_decl_clean(const rp_checker *c, const rp_ast_decl *d);

/* The first declaration called name, or NULL (name may be NULL). */
const rp_ast_decl *rp_check_lookup(const rp_checker *c, const char *name);

/* The declaration name closest to `name` among the kinds in kind_mask (bits 1 << kind),
 * or NULL when none is close. */
const char *rp_check_suggest_decl(const rp_checker *c, const char *name, unsigned kind_mask);

/* "a" or "an" before the kind's name. */
const char *rp_check_article(rp_ast_decl_kind k);

/* check_transport.c: helpers shared by the transport checks. */
/* "unknown WHAT 'name'; did you mean 'y'?" at span. */
void rp_check_unknown_word(rp_checker *c, const rp_ast_span *span, const char *what,
                           const char *name, const char *const *words, size_t n);
/* The declaration `name` if it is of `kind`; reports unknown names (with a suggestion)
 * and other kinds, and returns NULL then. */
const rp_ast_decl *rp_check_resolve_decl(rp_checker *c, const char *name, const rp_ast_span *span,
                                         rp_ast_decl_kind kind);
bool rp_check_expr_is_name(const rp_ast_expr *e, const char *name);
/* "a name", "a call", "a string", "a number". */
const char *rp_check_expr_kind_text(const rp_ast_expr *e);

/* check_envelope.c: builds and checks one envelope's layer chain. */
void rp_check_envelope(rp_checker *c, rp_ast_decl *d);
/* True for the layers whose output is binary (zlib, rsa, aes). */
bool rp_check_layer_is_binary(rp_ast_layer_kind k);
/* Whether the text a layer produces may contain byte ch. */
bool rp_check_layer_alphabet_has(rp_ast_layer_kind k, unsigned char ch);
/* The envelopes reaching one peer on one port can be told apart (all names resolved). */
void rp_check_envelope_sets(rp_checker *c);
/* Every envelope routed on a delimited port must not be able to hold its delimiter. */
void rp_check_envelope_framing(rp_checker *c);
/* check_fit.c: a warning for each route envelope in which a message can be longer than
 * its port's max_packet. Needs every route, envelope and field checked. */
void rp_check_route_sizes(rp_checker *c);

/* check_routed.c: routed messages differ in a required const field (all names resolved). */
void rp_check_discriminators(rp_checker *c);
/* check_routed.c: at most 16 distinct const keys per port and sender (rp_schema_classify). */
void rp_check_classify_keys(rp_checker *c);

/* check_machine.c: session machines (after the routes are resolved). */
void rp_check_machines(rp_checker *c);

/* check_transport.c: `option max_depth` of the main file. */
void rp_check_file_options(rp_checker *c, const rp_ast_unit *main_unit);

/* check_transport.c: peers, ports, keys, envelopes, profiles, routes; envelopes that cannot
 * be told apart; routed messages that no const field tells apart. Runs after the fields. */
void rp_check_transport(rp_checker *c);

#endif /* RP_CHECK_INTERNAL_H */
