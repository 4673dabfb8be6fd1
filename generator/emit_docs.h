/* emit_docs.h — `rprotoc --emit docs`: a Markdown reference of a protocol (what travels
 * where, every message with its fields and constraints, versions, enums, flags, charsets),
 * for people. Deterministic: it depends only on the spec's text and RPROTOC_VERSION (the
 * banner names the spec file by its base name). docs/residue-reference.md is this output
 * for spec/residue.rproto, kept current by tests/scripts/docs-fresh.sh.
 */
#ifndef RP_EMIT_DOCS_H
#define RP_EMIT_DOCS_H

#include "ast.h"

/* The Markdown text of a checked spec (owned by the caller). */
char *rp_emit_docs(const rp_ast_spec *spec);

#endif /* RP_EMIT_DOCS_H */
