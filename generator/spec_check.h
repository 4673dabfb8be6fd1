/* spec_check.h — the semantic check pass of the rprotoc front end (check.c). Not named
 * check.h: on the -Igenerator include path that would shadow the Check framework's <check.h>.
 *
 * Runs on a spec whose every unit parsed without errors. Resolves every reference (field
 * types, charsets, enum values in const/default, array elements) into the AST and fills
 * computed data (charset bitmaps), then reports every violation it finds to diag — it
 * never stops at the first. When it returns 0, every invariant documented in ast.h holds.
 *
 * Checks, in the order they run:
 *   - the main file declares its protocol;
 *   - declaration names: duplicates (with a note at the first), built-in type names;
 *   - charsets: syntax of the class, empty class, reversed ranges, non-ASCII members;
 *   - enums and flags: empty, duplicate names or numbers, values outside the underlying
 *     type, flags on a signed type, flag values that are not a single bit, versions;
 *   - fields: unknown types (with a did-you-mean), a charset or array used as a type,
 *     duplicate C names and wire keys, empty keys, label rules (const only on required, default only on optional, count only and
 *     always on repeated), every attribute against the field type (range/one_of on
 *     integers, len/charset on strings, len/hex/base64 on bytes, encoding required on
 *     bytes), impossible ranges and lengths, one_of members outside the type or range,
 *     const/default values of the wrong kind or outside the type, range, one_of, len or
 *     charset, versions (syntax, since after until);
 *   - messages that contain themselves (directly or through other messages);
 *   - arrays: element must be a message, a maximum length is required;
 *   - the transport (check_transport.c): `peers` (two, once, needed by ports and routes),
 *     ports (framing, max_packet), keys (rsa owner, aes sizes), envelopes (each layer
 *     expression into a chain: names, arguments, key kinds, json innermost, join outermost
 *     with one payload, iv with one aes layer, no rsa in rsa, text parts and separators),
 *     profiles (settings, bases, cycles, relaxed keys), routes (port, peers, envelopes, the
 *     rsa owner is the receiver, binary envelopes only on length-framed ports, one route per
 *     port and sender), `option max_depth`;
 *   - the C names the spec gives rise to (check_names.h): reserved, or meeting one another;
 *   - once everything else is clean: the envelopes that may reach one peer on one port can
 *     be told apart by their shapes, and two messages that may arrive on the same port from
 *     the same peer in the same envelope differ in a required const field of the same key.
 */
#ifndef RP_SPEC_CHECK_H
#define RP_SPEC_CHECK_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"

/* Checks spec, resolving references in place. Returns the number of errors reported. */
size_t rp_check_spec(rp_diag *diag, rp_ast_spec *spec);

/* Parses a version string "1.2.3" (digits separated by single dots, at most 8 parts).
 * Returns the number of parts stored in parts[8], or 0 when the text is not a version. */
size_t rp_check_parse_version(const char *text, uint64_t parts[8]);

#endif /* RP_SPEC_CHECK_H */
