/* residue_profiles: residue's transport settings that the generated code does not carry
 * yet. The decoding profiles are generated from spec/residue.rproto's `profile`
 * declarations (residue_profile_wire, residue_profile_wire_untimed in generated/residue.h);
 * the framing is written here until the emitter generates port tables (issue 11):
 *
 *   residue_framing   every packet ends with "\r\n\r\n" (protocol reference §1.1)
 */
#ifndef RESIDUE_PROFILES_H
#define RESIDUE_PROFILES_H

#include "residue.h"
#include "rp_frame.h"
#include "rp_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Both ports: payload + "\r\n\r\n" (RESIDUE_SESSION_DELIM). */
extern const rp_framing residue_framing;

/* The JSON scanner flags of residue_profile_wire, for code that scans text directly. */
#define RESIDUE_WIRE_JSON_FLAGS (RP_JSON_TRAILING_IGNORE | RP_JSON_FLOAT_TRUNCATE)

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_PROFILES_H */
