/* emit_jsonschema.h — `rprotoc --emit jsonschema`: the messages of a spec as one JSON Schema
 * (draft 2020-12) document, so that programs in other languages can validate what rproto
 * validates.
 *
 * The document has every message and array under "$defs" by its spec name; validate a text
 * against one with {"$ref": "<document>#/$defs/Connect"} (or by adding "$ref" to the root).
 * The constraints are the same as the spec's, with the differences JSON Schema cannot avoid
 * (docs/language.md §8 lists them): it sees numbers by value (1.0 is an integer to it, not
 * to strict rproto), it cannot see a key given twice, it counts string lengths in code
 * points where rproto counts UTF-8 bytes (exact for ASCII-only strings: charset or an ASCII
 * pattern; otherwise the bounds are the widest ones that cannot refuse a valid string, and
 * a "$comment" says so), and flags over non-contiguous bits with more than 10 bits are
 * bounded by a maximum only. Everything else (ranges, one_of, enums and string enums,
 * consts, lengths, charsets, patterns, hex and base64 text, counts, maps, nullable,
 * required keys, unknown keys) is exact. It describes strict mode: wire-mode leniencies
 * (trailing bytes, truncated floats, strings or null as absent) are not in it.
 */
#ifndef RP_EMIT_JSONSCHEMA_H
#define RP_EMIT_JSONSCHEMA_H

#include "ast.h"

/* The schema document of a checked spec, as text ending in a newline (owned by the
 * caller). Deterministic: the same spec gives the same bytes. */
char *rp_emit_jsonschema(const rp_ast_spec *spec);

#endif /* RP_EMIT_JSONSCHEMA_H */
