/* Exact conversion of JSON number text to integers; internal to rp_json. */
#ifndef RP_JSON_NUMBER_H
#define RP_JSON_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    RPJ_NUM_OK = 0,
    RPJ_NUM_OVERFLOW = 1,     /* magnitude does not fit 64 bits */
    RPJ_NUM_NOT_INTEGER = 2   /* has a fraction or exponent and truncate was false */
};

/* Converts the validated JSON number s[0..n) to a sign and a 64-bit magnitude. With
 * truncate, a fraction/exponent is applied exactly and the result truncated toward zero
 * ("42.9" -> 42, "1.0e3" -> 1000, "-0.5" -> -0 i.e. neg with magnitude 0). Returns one of
 * the RPJ_NUM_ codes; *neg and *mag are valid only for RPJ_NUM_OK. */
int rpj_number_to_u64mag(const char *s, size_t n, bool truncate, bool *neg, uint64_t *mag);

#endif /* RP_JSON_NUMBER_H */
