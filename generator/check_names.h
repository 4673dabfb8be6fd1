/* check_names.h — the check that the C the emitter writes for a spec compiles: every name
 * the spec gives rise to (cnames.h derives them, the emitter prints them) is a usable,
 * unreserved C and C++ identifier, and no two of them meet in one scope.
 *
 * Refused, each at the spec location of the name that would be written second, with a
 * note at the first one:
 *   - a protocol name whose prefix is reserved: beginning with '_', containing or ending in
 *     '_' so that "__" appears, "rp" or "rp_..." (the runtime's names), or naming the
 *     generated files like a C standard header (string.h);
 *   - two names that are equal once derived: FooBar and Foo_Bar (both <p>_foo_bar), message
 *     FooInit beside message Foo (<p>_foo_init), enum values that meet (enum A value B_C and
 *     enum A_B value C), a flags value ALL (<P>_<F>_ALL), a message named like a fixed name
 *     (Any, MessageId, DecodeAny, Port, Peer, Direction, Envelope, Key, Protocol, ...);
 *   - struct members that meet: field topics_count beside repeated field topics, has_x
 *     beside x; and a member named like a global generated name;
 *   - C11, C23 and C++ keywords, identifiers C or C++ reserve (beginning with "__" or '_'
 *     and an upper-case letter, containing "__"), names beginning with rp_ / RP_ (the
 *     runtime's), and names the standard headers the generated code includes define
 *     (bool, NULL, size_t, uint8_t, SIZE_MAX, ...).
 * Names the other checks already report (two declarations, fields or values of the same
 * name) are not reported again.
 */
#ifndef RP_CHECK_NAMES_H
#define RP_CHECK_NAMES_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"

/* Reports every name problem of spec to diag; returns how many errors it reported. Needs
 * only the parsed spec (no resolved references). */
size_t rp_check_names(rp_diag *diag, const rp_ast_spec *spec);

#endif /* RP_CHECK_NAMES_H */
