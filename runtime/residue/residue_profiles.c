/* residue_profiles: see residue_profiles.h. */
#include "residue_profiles.h"

static const uint8_t residue_delimiter[4] = {'\r', '\n', '\r', '\n'};

const rp_framing residue_framing = {
    .kind = RP_FRAMING_DELIMITER,
    .delim = residue_delimiter,
    .delim_len = sizeof residue_delimiter,
};
