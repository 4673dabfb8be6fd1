/* residue_profiles: residue's transport settings that spec/residue.rproto does not declare
 * yet, written by hand here until the front end and the emitter generate them from the spec's
 * `port` and `profile` declarations (issue 11):
 *
 *   residue_framing              every packet ends with "\r\n\r\n" (protocol reference §1.1)
 *   residue_profile_wire         what residue peers send (§1.2, §10.4)
 *   residue_profile_wire_untimed wire, for a server that does not require timestamps
 */
#ifndef RESIDUE_PROFILES_H
#define RESIDUE_PROFILES_H

#include "rp_frame.h"
#include "rp_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Both ports: payload + "\r\n\r\n" (RESIDUE_SESSION_DELIM). */
extern const rp_framing residue_framing;

/* Index 0, what the real peers send (gason and the server's getters): trailing bytes
 * ignored, fractions truncated, a string in a number field and null count as absent, the
 * last of duplicate keys wins, base64 fields decoded like Crypto++ (non-alphabet skipped). */
extern const rp_schema_profile residue_profile_wire;

/* Index 1, wire for a server with requires_timestamp = false: "_t" may be absent and 0
 * counts as absent (reference §2.1). The `_t` fields carry these relax bits (bit 1), set
 * by the emitter's hand-written list (generator/emit_c_source.c hand_relax) until the spec
 * declares the profile. */
extern const rp_schema_profile residue_profile_wire_untimed;

/* The JSON scanner flags of residue_profile_wire, for code that scans text directly. */
#define RESIDUE_WIRE_JSON_FLAGS (RP_JSON_TRAILING_IGNORE | RP_JSON_FLOAT_TRUNCATE)

#define RESIDUE_PROFILE_WIRE_INDEX 0u
#define RESIDUE_PROFILE_WIRE_UNTIMED_INDEX 1u

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_PROFILES_H */
