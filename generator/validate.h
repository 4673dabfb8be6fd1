/* validate.h — `rprotoc validate`: check a JSON message against a message type of a spec.
 *
 * The check interprets the AST at run time: it builds the same kind of description that
 * the C emitter writes into generated code (rp_schema_message, with a layout of its own
 * instead of a C struct) and runs the rp_schema engine in collect-all mode, so every
 * problem is reported, not just the first. It never uses generated code.
 */
#ifndef RP_VALIDATE_H
#define RP_VALIDATE_H

#include <stddef.h>
#include <stdio.h>

#include "ast.h"
#include "rp_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks json[0..len) against message or array `message` (its spec name, e.g. "Connect")
 * of a checked spec. Writes one line per problem to out:
 *   INPUT: PATH: offset N: expected ..., got ... (SPEC:LINE:COL) [code]
 * Returns the number of problems (0: valid), or -1 when `message` names no message or
 * array (a line on diag). input_name labels the lines ("-" for stdin). */
int rp_validate_json(const rp_ast_spec *spec, const char *message, const char *json, size_t len,
                     const char *input_name, const rp_schema_profile *profile, FILE *out,
                     FILE *diag);

/* The `rprotoc validate` subcommand. argv[0] is "validate"; the rest:
 *   [--wire] [-I DIR]... SPEC MESSAGE [FILE|-]
 * Exit status: 0 valid, 1 problems found (one line each on stdout), 2 usage, I/O or spec
 * errors (on stderr). */
int rp_validate_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* RP_VALIDATE_H */
