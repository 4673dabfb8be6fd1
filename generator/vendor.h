/* vendor.h — `rprotoc --vendor DIR SPEC`: the generated pair plus every runtime source, in
 * one directory that builds with nothing but `cc *.c -lcrypto -lz`.
 *
 * The runtime sources are embedded into rprotoc at build time (generator/embed-runtime.sh
 * writes $(BUILD)/gen/runtime_files.c), so an installed rprotoc vendors without the source
 * tree, and the copies are byte for byte the runtime it was built with.
 */
#ifndef RP_VENDOR_H
#define RP_VENDOR_H

#include <stddef.h>
#include <stdio.h>

#include "ast.h"

/* One embedded file: its base name and its lines (each with its '\n'). */
typedef struct rp_embedded_file {
    const char *name;
    const char *const *lines;
    size_t line_count;
} rp_embedded_file;

/* Defined in the build-generated runtime_files.c (linked into rprotoc only). */
extern const rp_embedded_file rp_runtime_files[];
extern const size_t rp_runtime_file_count;

/* Writes the generated pair for spec and every embedded runtime file into dir (created if
 * missing, one level). Returns 0, or -1 with a message on diag. */
int rp_vendor_write(const rp_ast_spec *spec, const char *dir, FILE *diag);

#endif /* RP_VENDOR_H */
