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

#ifdef __cplusplus
extern "C" {
#endif

/* Both ports: payload + "\r\n\r\n" (RESIDUE_SESSION_DELIM). */
extern const rp_framing residue_framing;

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_PROFILES_H */
