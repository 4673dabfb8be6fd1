/* compat.h — `rprotoc compat OLD NEW`: every change between two versions of a spec that
 * breaks peers speaking the other version, reported like gcc (at the NEW spec's location,
 * with a note at the OLD one; a removal is reported at the OLD location).
 *
 * rproto decoders validate everything, so a change breaks one direction or both:
 *   "old senders -> new receivers": new peers refuse what old peers may send (a field made
 *       required or added as required, a range, length, count, charset or pattern narrowed,
 *       an enum value or flag bit removed, a const added, null no longer allowed, an
 *       envelope or a routed message dropped, unknown keys now refused);
 *   "new senders -> old receivers": old peers refuse what new peers may send (a required
 *       field removed or made optional, a range ... widened, an enum value or bit added, a
 *       const removed, null newly allowed, a new key where old peers refuse unknown keys, an
 *       envelope or a routed message added);
 *   both: a type, encoding, shape (single/list/map), key or const value changed, a message
 *       moved to another port or direction.
 * Warnings (not breaking, exit status unaffected): an optional field removed (its data is no
 * longer read), a default changed. docs/language.md §9 explains each rule.
 */
#ifndef RP_COMPAT_H
#define RP_COMPAT_H

#include "ast.h"
#include "diag.h"

/* Compares two checked specs; reports to diag (which must have both specs' sources
 * registered to quote them). Returns the number of breaking changes (errors). */
size_t rp_compat_check(const rp_ast_spec *old_spec, const rp_ast_spec *new_spec, rp_diag *diag);

/* The `rprotoc compat` subcommand. argv[0] is "compat"; the rest: [-I DIR]... OLD NEW.
 * Exit status: 0 compatible (warnings allowed), 1 breaking changes, 2 usage, I/O or spec
 * errors. */
int rp_compat_main(int argc, char **argv);

#endif /* RP_COMPAT_H */
