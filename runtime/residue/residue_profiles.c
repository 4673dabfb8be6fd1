/* residue_profiles: see residue_profiles.h. */
#include "residue_profiles.h"

static const uint8_t residue_delimiter[4] = {'\r', '\n', '\r', '\n'};

const rp_framing residue_framing = {
    .kind = RP_FRAMING_DELIMITER,
    .delim = residue_delimiter,
    .delim_len = sizeof residue_delimiter,
};

const rp_schema_profile residue_profile_wire = {
    .name = "wire",
    .index = RESIDUE_PROFILE_WIRE_INDEX,
    .trailing_ignore = true,
    .float_truncate = true,
    .string_numbers_absent = true,
    .duplicate_last = true,
    .null_absent = true,
    .base64_lenient = true,
};

const rp_schema_profile residue_profile_wire_untimed = {
    .name = "wire_untimed",
    .index = RESIDUE_PROFILE_WIRE_UNTIMED_INDEX,
    .trailing_ignore = true,
    .float_truncate = true,
    .string_numbers_absent = true,
    .duplicate_last = true,
    .null_absent = true,
    .base64_lenient = true,
};
