/* emit_c_rules.h — a field's rules written as C conditions, for the lanes of
 * `rprotoc --optimize speed`: the decode lanes (emit_c_lanes.c) and the encode lanes
 * (emit_c_encode_lanes.c) test a value with the same comparisons, so they are written in
 * one place. Internal to emit_c*.c.
 *
 * A refusal is a C condition that is true when the value breaks a rule. A lane collects the
 * refusals of a field in an rp_strbuf, EMIT_RULE_SEP before each, and emit_rules_join writes
 * them into the `if` that ends the lane.
 */
#ifndef RP_EMIT_C_RULES_H
#define RP_EMIT_C_RULES_H

#include <stddef.h>

#include "ast.h"
#include "fe_util.h"

#define EMIT_RULE_SEP "\001"

/* The refusals of v, a C expression holding an integer of field f, by f's rules: its
 * constant, else its enum; its flags, range and one_of. An enum or one_of set of consecutive
 * integers is tested as a range. holds: the integer kind whose every value v can hold (the
 * field's own when its read or its member's type says so); a bound of holds is not tested. */
void emit_int_rules(rp_strbuf *b, const rp_ast_field *f, const char *v, rp_ast_scalar holds);

/* The refusals of a length n (a C expression: a string's or bytes' len) by len rule l. */
void emit_len_rules(rp_strbuf *b, const char *n, const rp_ast_len *l);

/* Appends refusals (EMIT_RULE_SEP before each but perhaps the first) joined by " || ": on
 * the line when `used` columns (the line's text besides the refusals) and theirs fit in 96,
 * else one per line, 8 columns in from indent. */
void emit_rules_join(rp_strbuf *c, const char *indent, size_t used, const char *refusals);

#endif /* RP_EMIT_C_RULES_H */
