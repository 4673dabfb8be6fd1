/* source.h — the front end's entry points: load a spec file (or an in-memory buffer) and
 * everything it imports, parse it, check it.
 *
 * Import resolution: `import "x.rproto";` is looked up relative to the directory of the
 * importing file first, then in each include directory in the order given (-I). An import
 * path must end in ".rproto" and name a regular file. Each file is loaded once however
 * often it is imported; an import cycle is an error. Units are ordered dependencies first,
 * the main file last.
 */
#ifndef RP_SOURCE_H
#define RP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"

/* Options of a front-end run. Zero-initialised means "no include directories". */
typedef struct rp_frontend_opts {
    const char *const *include_dirs; /* borrowed; may be NULL when include_count is 0 */
    size_t include_count;
} rp_frontend_opts;

/* Outcome of a front-end run. */
typedef enum rp_frontend_status {
    RP_FRONTEND_OK = 0,      /* spec returned, no errors */
    RP_FRONTEND_SPEC_ERROR,  /* errors in the spec text (lexical, syntax, semantic, imports) */
    RP_FRONTEND_IO_ERROR     /* the main file could not be read */
} rp_frontend_status;

/* Loads, parses and checks the spec at `path` and its imports. On RP_FRONTEND_OK *out gets
 * the checked spec (caller frees with rp_ast_free); otherwise *out is NULL and diag holds
 * at least one error. diag, path and out must not be NULL; opts may be NULL. */
rp_frontend_status rp_frontend_load_file(rp_diag *diag, const char *path, const rp_frontend_opts *opts,
                                         rp_ast_spec **out) RP_CHECK_RESULT;

/* Same for an in-memory main file: `name` is used in diagnostics and to resolve its imports
 * (relative to name's directory); text need not be NUL-terminated and is copied (len bytes,
 * may contain any bytes). Never returns RP_FRONTEND_IO_ERROR. */
rp_frontend_status rp_frontend_load_buffer(rp_diag *diag, const char *name, const char *text,
                                           size_t len, const rp_frontend_opts *opts,
                                           rp_ast_spec **out) RP_CHECK_RESULT;

/* Reads a whole file into a new NUL-terminated buffer (caller frees). Returns NULL and sets
 * errno when it cannot be opened or read, or is not a regular file (errno EISDIR/EINVAL). */
char *rp_source_read_file(const char *path, size_t *len);

#endif /* RP_SOURCE_H */
