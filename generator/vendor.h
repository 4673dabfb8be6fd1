/* vendor.h — `rprotoc --vendor DIR SPEC`: the generated pair(s) plus exactly the runtime modules
 * the spec needs, in one directory that builds with nothing but `cc *.c` (and -lcrypto / -lz
 * only when the spec's envelopes use RSA/AES or zlib).
 *
 * The runtime sources are embedded into rprotoc at build time (generator/embed-runtime.sh
 * writes $(BUILD)/gen/runtime_files.c), each with its layer (the runtime/ directory it comes
 * from), so an installed rprotoc vendors without the source tree, and the copies are byte for
 * byte the runtime it was built with.
 *
 * Selection (vendor.c): a table maps what the spec uses to runtime files — the codec core
 * always, framing when it has ports, the envelope engine and one file per layer kind its
 * envelopes use, crypto for rsa/aes, zlib for zlib, the session engine (runtime/session)
 * when it has machines (its <p>_machines.h/.c pair is written then too) — and then every
 * file a selected file includes (`#include "x.h"`) is taken too, with x.c when there is one.
 * The residue layer (runtime/residue) is never taken unless asked for with --vendor-with
 * residue.
 */
#ifndef RP_VENDOR_H
#define RP_VENDOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ast.h"
#include "emit_c.h"

/* One embedded file: its base name, its layer and its lines (each with its '\n'). */
typedef struct rp_embedded_file {
    const char *name;  /* "rp_arena.c" */
    const char *layer; /* "core": the directory under runtime/ */
    const char *const *lines;
    size_t line_count;
} rp_embedded_file;

/* Defined in the build-generated runtime_files.c (linked into rprotoc only). */
extern const rp_embedded_file rp_runtime_files[];
extern const size_t rp_runtime_file_count;

/* True when some embedded file belongs to layer `name` ("residue", "core", ...). */
bool rp_vendor_layer_exists(const char *name);

/* Marks which embedded files the spec needs, generated with opt (the lanes' files only
 * for speed): returns a calloc'd array of rp_runtime_file_count bools (the caller frees
 * it). with: whole layers to add on top ("residue"), a NULL-terminated list, or NULL. */
bool *rp_vendor_select(const rp_ast_spec *spec, const char *const *with, rp_emit_optimize opt);

/* Writes the generated pair for spec and the selected runtime files into dir (created if
 * missing, one level, and removed again when the run fails), all or none (out_files.h).
 * with as for rp_vendor_select. Returns 0, or -1 with a message on diag. */
int rp_vendor_write(const rp_ast_spec *spec, const char *dir, const char *const *with,
                    rp_emit_optimize opt, FILE *diag);

/* The same files staged in set (out_files.h), not committed. *created says whether dir
 * was made here (the caller removes it again when it aborts the set). 0 or -1 (diag). */
struct rp_out_set;
int rp_vendor_stage(const rp_ast_spec *spec, struct rp_out_set *set, const char *dir,
                    const char *const *with, rp_emit_optimize opt, bool *created, FILE *diag);

#endif /* RP_VENDOR_H */
