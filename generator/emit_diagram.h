/* emit_diagram.h — sequence diagrams of a spec's session machines (`rprotoc --emit diagram`):
 * a Markdown page with one Mermaid diagram per machine, and one SVG per machine. */
#ifndef RP_EMIT_DIAGRAM_H
#define RP_EMIT_DIAGRAM_H

#include <stddef.h>
#include <stdio.h>

#include "ast.h"

/* Writes <protocol>-session.md and <protocol>-<machine>.svg (machine name in kebab case)
 * into dir, which must exist, all or none (out_files.h: temporaries renamed once all are
 * complete). Returns 0, or -1 after printing the reason to diag (may be NULL): a spec
 * without machines, or an I/O error. */
int rp_emit_diagram_write(const rp_ast_spec *spec, const char *dir, FILE *diag);

/* The same files staged in set (out_files.h), not committed: the caller commits or aborts
 * them with the run's others. 0 or -1 (diag). */
struct rp_out_set;
int rp_emit_diagram_stage(const rp_ast_spec *spec, struct rp_out_set *set, const char *dir,
                          FILE *diag);

/* The names of the files rp_emit_diagram_write writes (none for a spec without machines):
 * *names gets a NULL-terminated owned array of owned strings; returns their count. */
size_t rp_emit_diagram_files(const rp_ast_spec *spec, char ***names);

#endif /* RP_EMIT_DIAGRAM_H */
