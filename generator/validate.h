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

/* How `rprotoc validate` reports problems: one text line each, or one JSON object each. */
typedef enum rp_validate_format {
    RP_VALIDATE_FORMAT_TEXT = 0,
    RP_VALIDATE_FORMAT_JSON
} rp_validate_format;

/* Checks json[0..len) against message or array `message` (its spec name, e.g. "Connect")
 * of a checked spec. Writes one line per problem to out:
 *   INPUT: PATH: offset N: expected ..., got ... (SPEC:LINE:COL) [code]
 * Returns the number of problems (0: valid), or -1 when `message` names no message or
 * array (a line on diag). input_name labels the lines ("-" for stdin). */
int rp_validate_json(const rp_ast_spec *spec, const char *message, const char *json, size_t len,
                     const char *input_name, const rp_schema_profile *profile, FILE *out,
                     FILE *diag);

/* The `rprotoc validate` subcommand. argv[0] is "validate"; the rest:
 *   [--wire | --profile NAME] [--ndjson] [--format text|json] [-I DIR]... SPEC MESSAGE [FILE|-]...
 * Every FILE (stdin when none) is one document, or with --ndjson (or a name ending in
 * .ndjson / .jsonl) one document per non-blank line, numbered in the report. Text format:
 *   INPUT[:LINE]: PATH: offset N: message (SPEC:LINE:COL) [code]
 * JSON format: one object per problem and a final summary object (see --help).
 * Exit status: 0 valid, 1 problems found (on stdout), 2 usage, I/O or spec errors (on
 * stderr; an unreadable input does not stop the others from being checked). */
int rp_validate_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* RP_VALIDATE_H */
