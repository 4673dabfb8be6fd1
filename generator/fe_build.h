/* fe_build.h — constructors the parser actions call to build AST nodes.
 *
 * Each builder takes ownership of the heap values passed to it (strings, lists, attribute
 * sets) and either moves them into the node or frees them. The few checks that need the
 * raw syntax (an option's name, envelope arguments, an attribute given twice, attributes
 * not allowed in a place) are reported here through rp_parse_error; everything else is
 * left to check.c.
 */
#ifndef RP_FE_BUILD_H
#define RP_FE_BUILD_H

#include "ast.h"
#include "name_table.h"
#include "parse_ctx.h"

/* Kind of one attribute item inside [ ]. */
typedef enum rp_attr_kind {
    RP_ATTR_RANGE = 1, RP_ATTR_ONE_OF, RP_ATTR_LEN, RP_ATTR_COUNT, RP_ATTR_CHARSET,
    RP_ATTR_HEX, RP_ATTR_BASE64, RP_ATTR_CONST, RP_ATTR_DEFAULT, RP_ATTR_SINCE, RP_ATTR_UNTIL,
    RP_ATTR_PATTERN, RP_ATTR_NULLABLE, RP_ATTR_KEY_LEN, RP_ATTR_KEY_CHARSET,
    RP_ATTR_KIND_COUNT
} rp_attr_kind;

/* A growable list of exact integers (one_of members, len sets). */
typedef struct rp_int_list {
    rp_ast_int *items;
    rp_ast_span *spans;
    size_t count, cap, span_cap;
} rp_int_list;

/* A range bound as parsed: an exact integer or a floating-point literal. */
typedef struct rp_num {
    bool is_float;
    rp_ast_int i;              /* !is_float */
    double f;                  /* is_float */
} rp_num;

/* One attribute as parsed. */
typedef struct rp_attr_item {
    rp_attr_kind kind;
    rp_ast_span span;          /* the whole attribute */
    bool has_lo, has_hi;       /* RANGE */
    rp_ast_int lo, hi;
    bool range_float;          /* RANGE with a floating-point bound: flo / fhi hold both */
    double flo, fhi;
    rp_int_list *ints;         /* ONE_OF (owned) */
    rp_ast_len len;            /* LEN, COUNT (set owned) */
    char *text;                /* CHARSET / KEY_CHARSET name, SINCE/UNTIL version, PATTERN
                                  text (owned) */
    rp_ast_span text_span;
    rp_ast_value value;        /* CONST, DEFAULT (strings owned) */
} rp_attr_item;

/* Attributes being collected, with where each kind was first given. */
typedef struct rp_attr_set {
    rp_ast_attrs attrs;
    bool seen[RP_ATTR_KIND_COUNT];
    rp_ast_span where[RP_ATTR_KIND_COUNT];
} rp_attr_set;

/* The inside of a message body while it is parsed. */
typedef struct rp_msg_body {
    rp_ast_field *fields;
    size_t field_count, field_cap;
    rp_ast_unknown_keys unknown_keys;
    bool unknown_keys_set;
    rp_ast_span unknown_keys_span;
} rp_msg_body;

/* A list of enum values while it is parsed. */
typedef struct rp_value_list {
    rp_ast_enum_value *items;
    size_t count, cap;
} rp_value_list;

/* Names separated by commas (`peers A, B;`, relax flags) or bars (a route's envelopes). */
typedef struct rp_name_list {
    char **names;
    rp_ast_span *spans;
    size_t count, cap, span_cap;
} rp_name_list;

/* The arguments of a call expression while they are parsed. */
typedef struct rp_expr_list {
    rp_ast_expr **items;
    size_t count, cap;
} rp_expr_list;

/* `NAME = EXPR;` statements of a port or profile body while they are parsed. */
typedef struct rp_setting_list {
    rp_ast_setting *items;
    size_t count, cap;
} rp_setting_list;

/* A profile body: settings and relax statements. */
typedef struct rp_profile_body {
    rp_setting_list settings;
    rp_ast_relax *relaxes;
    size_t relax_count, relax_cap;
} rp_profile_body;

/* A machine body (timers and states) and a state's transitions while they are parsed. */
typedef struct rp_machine_body {
    rp_ast_timer *timers;
    size_t timer_count, timer_cap;
    rp_ast_state *states;
    size_t state_count, state_cap;
    rp_name_table names; /* timer and state names -> 2 * index + 1 (timer) or + 2 (state) */
} rp_machine_body;

typedef struct rp_transition_list {
    rp_ast_transition *items;
    size_t count, cap;
} rp_transition_list;

/* The `on ...` clauses of one declaration. */
typedef struct rp_route_list {
    rp_ast_route *items;
    size_t count, cap;
} rp_route_list;

/* Appends v (and its span) to list, creating the list when NULL; returns the list. */
rp_int_list *rp_build_int_list(rp_int_list *list, rp_ast_int v, const rp_ast_span *span);

/* Destructors of the partial values the parser holds; each frees everything its argument
 * owns and ignores NULL. Used by %destructor during error recovery and by the builders. */
void rp_int_list_free(rp_int_list *l);
void rp_attr_item_free(rp_attr_item *a);
void rp_attr_set_free(rp_attr_set *s);
void rp_msg_body_free(rp_msg_body *b);
void rp_value_list_free(rp_value_list *l);
void rp_name_list_free(rp_name_list *l);
void rp_expr_list_free(rp_expr_list *l);
void rp_setting_list_free(rp_setting_list *l);
void rp_profile_body_free(rp_profile_body *b);
void rp_route_list_free(rp_route_list *l);
void rp_machine_body_free(rp_machine_body *b);
void rp_transition_list_free(rp_transition_list *l);
void rp_type_free(rp_ast_type *t);
void rp_value_free(rp_ast_value *v);

/* A new zeroed attribute item of the given kind at span (caller fills the payload). */
rp_attr_item *rp_build_attr(rp_attr_kind kind, const rp_ast_span *span);
/* A range item from its bounds (NULL: that side is open). */
rp_attr_item *rp_build_range_attr(const rp_ast_span *span, const rp_num *lo, const rp_num *hi);
/* A len/count item: bounds as parsed (negative values cannot reach here), or a { } set
 * (set is taken over; then the bounds are computed from the members). */
rp_attr_item *rp_build_len_attr(rp_attr_kind kind, const rp_ast_span *span, bool has_min,
                                rp_ast_int min, bool has_max, rp_ast_int max, rp_int_list *set);
/* Moves item into set (created when NULL) and frees item. An attribute given twice, or hex
 * together with base64, is reported (with a note at the first) and the second dropped.
 * Members listed twice in one_of / len sets are reported here. Returns the set. */
rp_attr_set *rp_build_attr_add(rp_parse_ctx *ctx, rp_attr_set *set, rp_attr_item *item);
/* A new literal value node of the given kind at span (caller fills the payload). */
rp_ast_value *rp_build_value(rp_ast_value_kind kind, const rp_ast_span *span);

/* Appends name (taken over) and its span to list (created when NULL); returns the list. */
rp_name_list *rp_build_name_list(rp_name_list *list, char *name, const rp_ast_span *span);

/* Expression nodes; every pointer argument is taken over. args may be NULL (no arguments). */
rp_ast_expr *rp_build_expr_name(char *name, const rp_ast_span *span);
rp_ast_expr *rp_build_expr_call(char *name, const rp_ast_span *name_span, rp_expr_list *args,
                                const rp_ast_span *span);
rp_ast_expr *rp_build_expr_string(char *str, const rp_ast_span *span);
rp_ast_expr *rp_build_expr_int(rp_ast_int v, const rp_ast_span *span);
/* Appends expr (taken over) to list (created when NULL); returns the list. */
rp_expr_list *rp_build_expr_list(rp_expr_list *list, rp_ast_expr *expr);

/* Appends `name = value;` to list (created when NULL); a name given twice in one body is
 * reported (with a note at the first) and dropped. Takes over name and value. */
rp_setting_list *rp_build_setting(rp_parse_ctx *ctx, rp_setting_list *list, char *name,
                                  const rp_ast_span *name_span, rp_ast_expr *value,
                                  const rp_ast_span *span);
/* Adds a setting or a relax statement to a profile body (created when NULL). The relax
 * flags must be `optional` and/or `zero_is_absent` (others reported). Takes over key and
 * flags. */
rp_profile_body *rp_build_profile_setting(rp_parse_ctx *ctx, rp_profile_body *body, char *name,
                                          const rp_ast_span *name_span, rp_ast_expr *value,
                                          const rp_ast_span *span);
rp_profile_body *rp_build_relax(rp_parse_ctx *ctx, rp_profile_body *body, char *key,
                                const rp_ast_span *key_span, rp_name_list *flags,
                                const rp_ast_span *span);

/* One `on PORT FROM -> TO in ENV | ENV ...` clause; an envelope listed twice is reported
 * and dropped. Takes over every name. */
rp_ast_route *rp_build_route(rp_parse_ctx *ctx, char *port, const rp_ast_span *port_span,
                             char *from, const rp_ast_span *from_span, char *to,
                             const rp_ast_span *to_span, rp_name_list *envelopes,
                             const rp_ast_span *span);
/* Appends route (taken over; its shell freed) to list (created when NULL). */
rp_route_list *rp_build_route_list(rp_route_list *list, rp_ast_route *route);

/* A type node for a written type name (name taken over; freed when it is a built-in). */
rp_ast_type *rp_build_type(char *name, const rp_ast_span *span);

/* Appends a field to body; every pointer argument is taken over (type and attrs shells are
 * freed, their contents moved). Claims the doc block at span->offset. Returns body. */
rp_msg_body *rp_build_field(rp_parse_ctx *ctx, rp_msg_body *body, rp_ast_label label,
                            rp_ast_type *type, char *c_name, const rp_ast_span *name_span,
                            char *wire_key, const rp_ast_span *key_span, rp_attr_set *attrs,
                            const rp_ast_span *span);
/* Applies `option name = value;` to body (only unknown_keys = ignore|reject exists; other
 * names, values and a repeat are reported). Takes over and frees name and value. */
rp_msg_body *rp_build_option(rp_parse_ctx *ctx, rp_msg_body *body, char *name,
                             const rp_ast_span *name_span, char *value,
                             const rp_ast_span *value_span, const rp_ast_span *span);
/* Appends an enum/flags value to list; only since/until are allowed in attrs (others are
 * reported). Takes over name and attrs. Returns list. */
rp_value_list *rp_build_enum_value(rp_parse_ctx *ctx, rp_value_list *list, char *name,
                                   const rp_ast_span *name_span, rp_ast_int v,
                                   const rp_ast_span *value_span, rp_attr_set *attrs,
                                   const rp_ast_span *span);

/* Declaration constructors: each returns a new declaration that owns every pointer passed
 * (list and body shells are freed) and carries the doc block at span->offset. */
rp_ast_decl *rp_build_charset(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              char *text, const rp_ast_span *text_span, const rp_ast_span *span);
/* underlying must name a built-in integer type (reported otherwise). */
rp_ast_decl *rp_build_enum(rp_parse_ctx *ctx, rp_ast_decl_kind kind, char *name,
                           const rp_ast_span *name_span, char *underlying,
                           const rp_ast_span *underlying_span, rp_value_list *values,
                           const rp_ast_span *span);
/* routes may be NULL (a nested-only message). */
rp_ast_decl *rp_build_message(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              rp_route_list *routes, rp_msg_body *body, const rp_ast_span *span);
/* attrs and routes may be NULL; only len is allowed in attrs (others are reported). */
rp_ast_decl *rp_build_array(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                            rp_ast_type *element, rp_attr_set *attrs, rp_route_list *routes,
                            const rp_ast_span *span);
/* `peers A, B;`: adds one RP_DECL_PEER per name to the unit (a count other than two is
 * reported). Takes over names. */
void rp_build_peers(rp_parse_ctx *ctx, rp_name_list *names, const rp_ast_span *span);
/* port NAME { settings } — settings may be NULL (an empty body). */
rp_ast_decl *rp_build_port(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                           rp_setting_list *settings, const rp_ast_span *span);
/* key NAME = expr; / envelope NAME = expr; */
rp_ast_decl *rp_build_key(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                          rp_ast_expr *expr, const rp_ast_span *span);
rp_ast_decl *rp_build_envelope(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                               rp_ast_expr *expr, const rp_ast_span *span);
/* profile NAME [: BASE] { body } — base and body may be NULL. */
rp_ast_decl *rp_build_profile(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              char *base, const rp_ast_span *base_span, rp_profile_body *body,
                              const rp_ast_span *span);
/* Machine pieces; every pointer argument is taken over; lists and bodies are created when
 * NULL. A timer or state named twice in one machine is reported (note at the first) and
 * dropped; state flags must be `initial` and/or `final`. envelopes and actions may be NULL. */
/* rp_build_timer: name_span is the timer's span in the AST; span is the whole statement
 * (its doc block is the one above the `timer` keyword). */
rp_machine_body *rp_build_timer(rp_parse_ctx *ctx, rp_machine_body *body, char *name,
                                const rp_ast_span *name_span, const rp_ast_span *span);
rp_machine_body *rp_build_state(rp_parse_ctx *ctx, rp_machine_body *body, char *name,
                                const rp_ast_span *name_span, rp_name_list *flags,
                                rp_transition_list *transitions, const rp_ast_span *span);
rp_transition_list *rp_build_transition(rp_parse_ctx *ctx, rp_transition_list *list,
                                        rp_ast_event_kind event, char *subject,
                                        const rp_ast_span *subject_span, rp_name_list *envelopes,
                                        char *target, const rp_ast_span *target_span,
                                        rp_expr_list *actions, const rp_ast_span *span);
/* machine NAME for PEER { body } — body may be NULL. */
rp_ast_decl *rp_build_machine(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                              char *peer, const rp_ast_span *peer_span, rp_machine_body *body,
                              const rp_ast_span *span);

/* `option NAME = value;` at file level (only max_depth exists; others and a repeat are
 * reported). Takes over name and value. */
void rp_build_file_option(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                          rp_ast_expr *value, const rp_ast_span *span);

/* Appends decl (taken over) to the unit being parsed. */
void rp_build_add_decl(rp_parse_ctx *ctx, rp_ast_decl *decl);
/* Sets the unit's protocol name (taken over); a second declaration is reported. */
void rp_build_protocol(rp_parse_ctx *ctx, char *name, const rp_ast_span *name_span,
                       const rp_ast_span *span);
/* Appends an import of path (taken over) to the unit; resolution happens in source.c. */
void rp_build_import(rp_parse_ctx *ctx, char *path, const rp_ast_span *path_span);

/* Scalar kind named by a built-in type name, or RP_SCALAR_NONE. */
rp_ast_scalar rp_scalar_from_name(const char *name);

#endif /* RP_FE_BUILD_H */
