/* cnames.h — every C identifier the C emitter writes, derived from the spec in one place.
 *
 * The emitter (emit_c_*.c) asks this module for each name it prints, and the name check
 * (check_names.c) asks it for the same names to refuse a spec whose generated C would not
 * compile: the two cannot disagree. docs/interfaces.md §3 describes the mangling.
 *
 * Mangling, for protocol `residue` (prefix = snake case of the protocol name):
 *   declaration `LogRequest`         residue_log_request          (type and tag)
 *   its functions                    residue_log_request_init/_decode/_validate/_encode
 *   its bounds and routing           RESIDUE_LOG_REQUEST_MAX_SIZE, RESIDUE_LOG_REQUEST_ENVELOPES,
 *                                    RESIDUE_MSG_LOG_REQUEST, member log_request of residue_any.u
 *   enum/flags value `CONNECT`       RESIDUE_REQUEST_TYPE_CONNECT (the value name as written)
 *   every bit of flags               RESIDUE_SERVER_FLAGS_ALL
 *   field `client_id`                members client_id, has_client_id (+ client_id_count when
 *                                    repeated)
 *   fixed                            residue_any, residue_message_id, residue_decode_any, ...
 *   a spec-declared port/peer/...    RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, ...
 *   files                            residue.h, residue.c
 *
 * Internal names of the generated source (its static tables) contain "__", which no name
 * derived from the spec may contain (check_names.c refuses it: C++ reserves it), so they
 * never meet a spec-derived name or each other.
 *
 * Every returned char * is owned by the caller (free()); nothing here returns NULL.
 */
#ifndef RP_CNAMES_H
#define RP_CNAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The prefixes of one spec's names. */
typedef struct rp_cnames {
    char *prefix; /* "residue": snake case of the protocol name (owned) */
    char *upper;  /* "RESIDUE": its upper case (owned) */
} rp_cnames;

/* Fills n from the protocol name (non-NULL). Free with rp_cnames_free. */
void rp_cnames_init(rp_cnames *n, const char *protocol);
/* Frees the strings of n and zeroes it; NULL is ignored. */
void rp_cnames_free(rp_cnames *n);

/* "LogRequest" -> "log_request"; "HTTPServer" -> "http_server"; "Foo_Bar" -> "foo_bar". */
char *rp_cname_snake(const char *name);
/* ASCII upper case copy: "log_request" -> "LOG_REQUEST". */
char *rp_cname_upper(const char *s);

/* True when the emitter writes routing code for this declaration / for the spec: a message
 * or array with an "on" clause. A spec without one gets no routing code at all. */
bool rp_cname_is_routed(const rp_ast_decl *d);
bool rp_cname_spec_is_routed(const rp_ast_spec *spec);

/* Names of one declaration. */
typedef enum rp_cname_decl_kind {
    RP_CN_TYPE,       /* <p>_<decl>: typedef and tag (every kind but charset) */
    RP_CN_INIT,       /* <p>_<decl>_init        (messages and arrays) */
    RP_CN_DECODE,     /* <p>_<decl>_decode */
    RP_CN_VALIDATE,   /* <p>_<decl>_validate */
    RP_CN_ENCODE,     /* <p>_<decl>_encode */
    RP_CN_MAX_SIZE,   /* <P>_<DECL>_MAX_SIZE */
    RP_CN_ENVELOPES,  /* <P>_<DECL>_ENVELOPES   (routed) */
    RP_CN_MSG_ID,     /* <P>_MSG_<DECL>         (routed) */
    RP_CN_ANY_MEMBER, /* <decl>: its member of <p>_any.u (routed) */
    RP_CN_FLAGS_ALL   /* <P>_<DECL>_ALL         (flags) */
} rp_cname_decl_kind;
char *rp_cname_decl(const rp_cnames *n, const rp_ast_decl *d, rp_cname_decl_kind k);

/* <P>_<DECL>_<VALUE>: the constant of a value of an enum or flags declaration d. */
char *rp_cname_value(const rp_cnames *n, const rp_ast_decl *d, const rp_ast_enum_value *v);

/* Struct members of a field. */
typedef enum rp_cname_field_kind {
    RP_CN_MEMBER, /* <field>: the value (the C name as written) */
    RP_CN_HAS,    /* has_<field>: presence flag */
    RP_CN_COUNT   /* <field>_count: items or entries in use (repeated and map fields) */
} rp_cname_field_kind;
char *rp_cname_field(const rp_ast_field *f, rp_cname_field_kind k);

/* <p>_<decl>_<field>_entry: the struct of one entry of map field f of message d. */
char *rp_cname_map_entry(const rp_cnames *n, const rp_ast_decl *d, const rp_ast_field *f);

/* Fixed members written by the emitter: arrays hold `items` and `count`, a message without
 * fields holds `unused_`, <p>_any holds `id` and `u`. */
#define RP_CN_ARRAY_ITEMS "items"
#define RP_CN_ARRAY_COUNT "count"
#define RP_CN_EMPTY_MEMBER "unused_"
#define RP_CN_ANY_ID "id"
#define RP_CN_ANY_UNION "u"

/* Names every spec's generated code may use whatever it declares: reserved. */
typedef enum rp_cname_fixed_kind {
    RP_CN_ANY,             /* <p>_any */
    RP_CN_MESSAGE_ID,      /* <p>_message_id */
    RP_CN_DECODE_ANY,      /* <p>_decode_any */
    RP_CN_DECODE_ANY_IN,   /* <p>_decode_any_in (specs with envelopes) */
    RP_CN_MESSAGE_NAME,    /* <p>_message_name */
    RP_CN_PORT,            /* <p>_port */
    RP_CN_PEER,            /* <p>_peer */
    RP_CN_ENVELOPE,        /* <p>_envelope */
    RP_CN_KEY,             /* <p>_key */
    RP_CN_PROTOCOL,        /* <p>_protocol */
    RP_CN_MSG_NONE,        /* <P>_MSG_NONE */
    RP_CN_PORT_NONE,       /* <P>_PORT_NONE */
    RP_CN_PEER_NONE,       /* <P>_PEER_NONE */
    RP_CN_ENVELOPE_BIT,    /* <P>_ENVELOPE_BIT(e): the bit of an envelope in a set */
    RP_CN_SPEC_SHA256,     /* <P>_SPEC_SHA256 */
    RP_CN_RPROTOC_VERSION, /* <P>_RPROTOC_VERSION */
    RP_CN_GUARD,           /* <P>_GENERATED_H: the header's include guard */
    RP_CN_TRANSPORT_GUARD, /* <P>_TRANSPORT_GENERATED_H: the transport header's guard */
    RP_CN_FIXED_COUNT
} rp_cname_fixed_kind;
char *rp_cname_fixed(const rp_cnames *n, rp_cname_fixed_kind k);
/* What a fixed name is, for diagnostics: "any-message type". Never NULL. */
const char *rp_cname_fixed_role(rp_cname_fixed_kind k);

/* Constants and objects named after a spec-declared transport name. */
typedef enum rp_cname_named_kind {
    RP_CN_PORT_CONST,     /* <P>_PORT_<NAME> */
    RP_CN_PEER_CONST,     /* <P>_PEER_<NAME> */
    RP_CN_KEY_CONST,      /* <P>_KEY_<NAME> */
    RP_CN_ENVELOPE_CONST, /* <P>_ENVELOPE_<NAME> */
    RP_CN_PROFILE         /* <p>_profile_<name> */
} rp_cname_named_kind;
char *rp_cname_named(const rp_cnames *n, rp_cname_named_kind k, const char *spec_name);

/* The generated file names: "<p>.h" / "<p>.c", and the transport tables' pair
 * "<p>_transport.h" / "<p>_transport.c" (specs with ports). */
char *rp_cname_file(const rp_cnames *n, bool header);
char *rp_cname_transport_file(const rp_cnames *n, bool header);

/* ---- session machines (the <p>_machines.h / .c pair, emit_c_machine.c) ----
 *
 *   machine `ClientSession`           residue_client_session        (instance struct)
 *   its types                         residue_client_session_state / _timer / _transition /
 *                                     _handlers
 *   its functions                     residue_client_session_init / _receive / _tick /
 *                                     _set_timer / _next_deadline / _current / _state_name /
 *                                     _has_key, and _send_<msg> per message its peer sends
 *   state `awaiting_hello`            RESIDUE_CLIENT_SESSION_STATE_AWAITING_HELLO
 *   timer `touch`                     RESIDUE_CLIENT_SESSION_TIMER_TOUCH
 *   transition `receive Hello` of     handler member awaiting_hello_receive_hello of
 *   state awaiting_hello              residue_client_session_handlers, constant
 *                                     RESIDUE_CLIENT_SESSION_ON_AWAITING_HELLO_RECEIVE_HELLO
 *   two transitions of one state on   ..._receive_m_in_plain / ..._receive_m_in_hexed: the
 *   one message (disjoint envelopes)  first envelope of each one's `in` list
 *   files, include guard              residue_machines.h / .c, RESIDUE_MACHINES_GENERATED_H
 * Statics of the machines source: machine__<m>, states__<m>, transitions__<m>, timers__<m>
 * and the shared spec__messages, spec__envelopes ("__": never a spec-derived name). */

/* Names of one machine declaration (kind RP_DECL_MACHINE). */
typedef enum rp_cname_machine_kind {
    RP_CN_M_TYPE,            /* <p>_<m>: the instance struct (typedef and tag) */
    RP_CN_M_STATE_TYPE,      /* <p>_<m>_state: enum of its states */
    RP_CN_M_TIMER_TYPE,      /* <p>_<m>_timer: enum of its timers (machines with timers) */
    RP_CN_M_TRANSITION_TYPE, /* <p>_<m>_transition: enum of its transitions (with some) */
    RP_CN_M_HANDLERS,        /* <p>_<m>_handlers: struct of handler pointers */
    RP_CN_M_INIT,            /* <p>_<m>_init */
    RP_CN_M_RECEIVE,         /* <p>_<m>_receive (routed specs) */
    RP_CN_M_TICK,            /* <p>_<m>_tick (machines with timers) */
    RP_CN_M_SET_TIMER,       /* <p>_<m>_set_timer (machines with timers) */
    RP_CN_M_NEXT_DEADLINE,   /* <p>_<m>_next_deadline (machines with timers) */
    RP_CN_M_CURRENT,         /* <p>_<m>_current */
    RP_CN_M_STATE_NAME,      /* <p>_<m>_state_name */
    RP_CN_M_HAS_KEY,         /* <p>_<m>_has_key (specs with keys) */
    RP_CN_M_COUNT
} rp_cname_machine_kind;
char *rp_cname_machine(const rp_cnames *n, const rp_ast_decl *machine, rp_cname_machine_kind k);
/* What a machine name is, for diagnostics: "state enum type". Never NULL. */
const char *rp_cname_machine_role(rp_cname_machine_kind k);
/* <p>_<m>_send_<msg>: the send function of machine for message (or array) msg. */
char *rp_cname_machine_send(const rp_cnames *n, const rp_ast_decl *machine, const rp_ast_decl *msg);
/* <P>_<M>_STATE_<STATE> and <P>_<M>_TIMER_<TIMER>. */
char *rp_cname_machine_state(const rp_cnames *n, const rp_ast_decl *machine, const rp_ast_state *s);
char *rp_cname_machine_timer(const rp_cnames *n, const rp_ast_decl *machine, const rp_ast_timer *t);
/* The handler member of every transition of a machine, in spec order (state by state: the
 * order of rp_ast_transition.index): "<state>_<event>_<subject>" in snake case, plus
 * "_in_<envelope>" (the first of its `in` list) when another transition of the same state
 * fires on the same event and subject. Needs only the parsed machine (subjects and
 * envelopes as written). Returns an array of the machine's transitions (at least one slot);
 * free with rp_cname_machine_handlers_free(names, count) where count is what *count got. */
char **rp_cname_machine_handlers(const rp_ast_decl *machine, size_t *count);
void rp_cname_machine_handlers_free(char **names, size_t count);
/* <P>_<M>_ON_<HANDLER>: the transition constant of the transition whose handler member is
 * `handler` (one of rp_cname_machine_handlers). */
char *rp_cname_machine_transition(const rp_cnames *n, const rp_ast_decl *machine, const char *handler);
/* The machines pair's file names ("<p>_machines.h" / "<p>_machines.c") and the header's
 * include guard (<P>_MACHINES_GENERATED_H). */
char *rp_cname_machines_file(const rp_cnames *n, bool header);
char *rp_cname_machines_guard(const rp_cnames *n);
/* Static names of the machines source: the kind ("machine", "states", "transitions",
 * "timers") joined to the machine's snake name by "__". */
typedef enum rp_cname_machine_static_kind {
    RP_CN_MS_DESC,        /* machine__<m>      its rp_machine_desc */
    RP_CN_MS_STATES,      /* states__<m>       its rp_machine_state array */
    RP_CN_MS_TRANSITIONS, /* transitions__<m>  its rp_machine_transition array */
    RP_CN_MS_TIMERS       /* timers__<m>       its timer names */
} rp_cname_machine_static_kind;
char *rp_cname_machine_static(rp_cname_machine_static_kind k, const rp_ast_decl *machine);
/* The machines source's shared name tables (message names by id, envelope names by index). */
#define RP_CN_S_MESSAGE_NAMES "spec__messages"
#define RP_CN_S_ENVELOPE_NAMES "spec__envelopes"

/* Internal (static) names of the generated source. f is NULL for the names of a whole
 * declaration (a message's schema and fields, an array's rules and count set). */
typedef enum rp_cname_static_kind {
    RP_CN_S_SCHEMA,      /* schema__<decl>       the rp_schema_message */
    RP_CN_S_FIELDS,      /* fields__<decl>       its rp_schema_field array */
    RP_CN_S_RULES,       /* rules__<decl>[__<field>] */
    RP_CN_S_ONE_OF,      /* set__<decl>__<field> a one_of value set */
    RP_CN_S_LEN,         /* len__<decl>__<field> a len value set */
    RP_CN_S_COUNT,       /* count__<decl>[__<field>] a count value set */
    RP_CN_S_ENUM_VALUES, /* enum_values__<decl>  the values of an enum */
    RP_CN_S_ENUM_EXPECT, /* enum_expect__<decl>  the text of its rule ("a Level value (...)") */
    RP_CN_S_CHARSET      /* charset__<decl>      a 256-bit charset table */
} rp_cname_static_kind;
char *rp_cname_static(rp_cname_static_kind k, const rp_ast_decl *d, const rp_ast_field *f);
/* The static string holding a unit's file name: spec__file for the main unit,
 * spec__file_<i> for spec->units[i] otherwise. */
char *rp_cname_spec_file(const rp_ast_unit *u, size_t unit_index);

/* Parameter and local names of the generated functions (a global spec-derived name equal
 * to one of them would be shadowed inside the function). NULL-terminated. */
extern const char *const rp_cname_locals[];

#ifdef __cplusplus
}
#endif

#endif /* RP_CNAMES_H */
