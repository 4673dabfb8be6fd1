/* Test support: hold a generated decode (its lane first, rprotoc --optimize speed) to
 * rp_schema_decode over the same description (what --optimize size generates), on one text
 * and on many mutations of it. Used by tests/unit/test_lanes.c; test code only. */
#ifndef LANE_DIFF_H
#define LANE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "rp_schema.h"

typedef int (*lane_decode_fn)(const char *json, size_t len, void *out, rp_arena *storage,
                              const rp_schema_profile *profile, rp_error *err);

/* One generated message: its description and its generated decode function. */
typedef struct lane_codec {
    const char *name;
    const rp_schema_message *schema;
    lane_decode_fn decode;
} lane_codec;

/* Decodes json[0..len) with c->decode and with rp_schema_decode(c->schema), each into a
 * fresh struct over the same storage buffer; fails the running Check test unless both give
 * the same return code, the same storage use and bytes, on success the same struct bytes,
 * on failure the same error (code, layer, offset, path, message, spec location). `what`
 * names the input in failure messages. Returns the return code. Also run with a storage
 * buffer too small by one byte when the text was accepted. */
int lane_diff_one(const lane_codec *c, const char *json, size_t len,
                  const rp_schema_profile *profile, const char *what);

/* lane_diff_one on json and on its mutations: every truncation, every byte replaced by
 * each of a set of telling bytes, a space inserted before every byte, every member of the
 * top-level object dropped, doubled and swapped with its neighbour, numbers rewritten
 * (zero, negative, fraction, exponent, 20 digits), the first key escaped, and `randoms`
 * seeded random edits (under ASan the position-wise ones at every 5th position only).
 * Returns how many of the texts were accepted. */
size_t lane_diff_mutations(const lane_codec *c, const char *json, size_t len,
                           const rp_schema_profile *profile, unsigned randoms);

/* A compact JSON text for m with every field (or only the required ones) given a value
 * its rules accept where that is simple to find (ranges, sets, lengths, charsets, consts);
 * malloc'ed, *len its length. */
char *lane_sample(const rp_schema_message *m, bool all_fields, size_t *len);

/* How many decodes lane_diff_one ran (both ways counted once). */
size_t lane_diff_count(void);

#endif /* LANE_DIFF_H */
