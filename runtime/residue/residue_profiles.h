/* residue_profiles: short names for what spec/residue.rproto declares, for residue's own
 * code. The decoding profiles are generated from the spec's `profile` declarations
 * (residue_profile_wire, residue_profile_wire_untimed in generated/residue.h); the framing
 * is the spec's port table (residue_protocol in generated/residue_transport.h):
 *
 *   residue_framing   every packet ends with "\r\n\r\n" (protocol reference §1.1); both
 *                     ports frame alike, so this is the connect port's entry of the table
 *                     (an alias, not a copy: tests/unit/test_vectors.c checks that the
 *                     logging port's entry and RESIDUE_SESSION_DELIM say the same)
 */
#ifndef RESIDUE_PROFILES_H
#define RESIDUE_PROFILES_H

#include "residue.h"
#include "residue_transport.h"
#include "rp_frame.h"
#include "rp_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Both ports: payload + "\r\n\r\n" (RESIDUE_SESSION_DELIM). An lvalue of type rp_framing. */
#define residue_framing (residue_protocol.ports[RESIDUE_PORT_CONNECT - 1].framing)

/* The JSON scanner flags of residue_profile_wire, for code that scans text directly. */
#define RESIDUE_WIRE_JSON_FLAGS (RP_JSON_TRAILING_IGNORE | RP_JSON_FLOAT_TRUNCATE)

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_PROFILES_H */
