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
#include <stdio.h>

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

/* The most bytes of one spec file (main or imported) rprotoc reads: 64 MiB. */
#define RP_SOURCE_MAX_BYTES ((size_t)64 << 20)

/* Reads a whole spec file into a new NUL-terminated buffer (caller frees). Any file that can
 * be read to its end is read: a regular file, or a pipe, FIFO or character device as a
 * stream (so /dev/null reads as an empty file). Returns NULL and sets errno when it cannot
 * be opened or read (EISDIR for a directory), or EFBIG when it holds more than
 * RP_SOURCE_MAX_BYTES (rp_source_read_reason says so). */
char *rp_source_read_file(const char *path, size_t *len);

/* Reads f to its end into a new NUL-terminated buffer of at most max bytes (caller frees).
 * Returns NULL and sets errno on a read error, or EFBIG when f holds more than max bytes
 * (reading stops there: at most max + 1 bytes are kept, so /dev/zero ends too). */
char *rp_source_read_stream(FILE *f, size_t max, size_t *len);

/* Why a read of the functions above failed, for "cannot read 'PATH': REASON": strerror(err),
 * or for EFBIG "larger than SIZE" (max as "64 MiB", "10 KiB" or "1000 bytes") and `limit`,
 * which says whose limit it is. Returns buf (cap bytes). */
const char *rp_source_read_reason(int err, size_t max, const char *limit, char *buf, size_t cap);

#endif /* RP_SOURCE_H */
