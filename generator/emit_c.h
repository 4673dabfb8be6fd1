/* emit_c.h — the C emitter: a checked spec becomes one header and one source.
 *
 * For protocol `residue` the pair is residue.h / residue.c. The header declares, in spec
 * order, the enums, flag sets and one struct per message with has_<field> presence flags,
 * the RESIDUE_<MSG>_MAX_SIZE encode bound and the init/decode/validate/encode functions;
 * the source holds a constant description of every message (fields, rules with their spec
 * locations, 256-bit charset tables) that the runtime engine rp_schema interprets, plus
 * residue_decode_any, which tells messages apart by port, direction and const fields.
 *
 * Output is deterministic: it depends only on the spec's text and RPROTOC_VERSION — no
 * time, no absolute path (only the spec file's base name appears), no locale.
 */
#ifndef RP_EMIT_C_H
#define RP_EMIT_C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rendered pair. All strings are owned (free with rp_emit_c_output_free). */
typedef struct rp_emit_c_output {
    char *header_name;   /* e.g. "residue.h" */
    char *header;        /* its text, NUL-terminated */
    size_t header_len;
    char *source_name;   /* e.g. "residue.c" */
    char *source;
    size_t source_len;
} rp_emit_c_output;

/* What the generated decode functions are made of (`rprotoc --optimize`). SPEED, the
 * default: a decode lane per message whose fields are all of the plain kinds — straight-line
 * code for compact JSON with keys in spec order (emit_c_lanes.c, runtime/core/rp_lane.h) —
 * then the table engine's own fast lane (runtime/core/rp_schema_fast.c), then the table
 * walk, which still decides every other text and makes every error. SIZE: the tables and
 * the walk alone (the smallest code; neither rp_lane*.c nor rp_schema_fast.c is linked).
 * Both decode every text to the same result. SPEED also puts an encode lane in front of the
 * table encoder for such messages (emit_c_encode_lanes.c, runtime/core/rp_lane_write.h);
 * both encode every message to the same bytes or error. */
typedef enum rp_emit_optimize {
    RP_EMIT_OPTIMIZE_SPEED = 0,
    RP_EMIT_OPTIMIZE_SIZE
} rp_emit_optimize;

/* rp_emit_c_render / rp_emit_c_write with --optimize SPEED; the _opt forms take it. */
int rp_emit_c_render_opt(const rp_ast_spec *spec, rp_emit_optimize opt, rp_emit_c_output *out,
                         FILE *diag);
int rp_emit_c_write_opt(const rp_ast_spec *spec, const char *out_dir, rp_emit_optimize opt,
                        FILE *diag);

/* Renders the pair for a checked spec (rp_frontend reported no errors). Returns 0, or -1
 * when the spec cannot be emitted (no protocol name, or the spec hash could not be
 * computed), with one line on diag (may be NULL). *out is zeroed first. */
int rp_emit_c_render(const rp_ast_spec *spec, rp_emit_c_output *out, FILE *diag);

/* Frees the strings of *out and zeroes it. NULL is ignored. */
void rp_emit_c_output_free(rp_emit_c_output *out);

/* Renders the pair and writes it into directory out_dir (which must exist), replacing
 * files of the same names; a spec with machines also gets its machines pair there
 * (emit_c_machine.h), a spec with ports its transport pair. Every file is written to a
 * temporary name first and all are renamed once all are complete (out_files.h), so a
 * failed run, out of memory included, leaves out_dir as it was. Returns 0 or -1 with a
 * message on diag. */
int rp_emit_c_write(const rp_ast_spec *spec, const char *out_dir, FILE *diag);

/* What rp_emit_c_write_opt writes, staged in set (out_files.h) and not committed: the
 * caller adds the run's other files and commits or aborts them all. 0 or -1 (diag). */
struct rp_out_set;
int rp_emit_c_stage(const rp_ast_spec *spec, struct rp_out_set *set, const char *out_dir,
                    rp_emit_optimize opt, FILE *diag);

/* Whether the spec gets a transport pair <p>_transport.h / .c: it declares ports. */
bool rp_emit_c_has_transport(const rp_ast_spec *spec);

/* Renders the transport pair (an rp_protocol constant, emit_c_transport.c) like
 * rp_emit_c_render; -1 also when the spec has no transport. rp_emit_c_write writes it
 * beside the codec pair when the spec has one. */
int rp_emit_c_render_transport(const rp_ast_spec *spec, rp_emit_c_output *out, FILE *diag);

/* Base name of a path ("spec/residue.rproto" -> "residue.rproto"); points into path. */
const char *rp_emit_basename(const char *path);

/* The field kinds whose code the engine reaches only through a field's description
 * (runtime/core/rp_schema.h: `.kind`): which one field f's value is, or NONE for the types
 * the engine reads itself. One decision for the emitted tables and for what --vendor takes
 * (maps, a shape rather than a value kind, are f->type.is_map). */
typedef enum rp_emit_field_kind {
    RP_EMIT_KIND_NONE = 0,
    RP_EMIT_KIND_FLOAT64,  /* &rp_schema_kind_float64, runtime/core/rp_schema_float.c */
    RP_EMIT_KIND_STRENUM   /* &rp_schema_kind_strenum, runtime/core/rp_schema_strenum.c */
} rp_emit_field_kind;
rp_emit_field_kind rp_emit_kind_of(const rp_ast_field *f);

#ifdef __cplusplus
}
#endif

#endif /* RP_EMIT_C_H */
