/* dump.h — a stable text dump of a checked spec (rprotoc --dump-ast), for golden tests and
 * for people debugging the front end. The format is line-oriented, indented by two spaces
 * per level, lists every node in spec order with its source position (line:col-line:col),
 * every attribute and every resolved reference. It depends on nothing but the AST, so it is
 * byte-identical across machines.
 */
#ifndef RP_DUMP_H
#define RP_DUMP_H

#include "ast.h"

/* Returns the dump as a new NUL-terminated string (caller frees). spec must not be NULL. */
char *rp_dump_ast(const rp_ast_spec *spec);

#endif /* RP_DUMP_H */
