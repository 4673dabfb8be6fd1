/* rp_json_float: JSON numbers as IEEE 754 doubles (float64 fields), independent of the C
 * locale and round-trippable.
 *
 * Why not strtod / printf alone: both use the locale's decimal point, so a program that
 * called setlocale(LC_ALL, "") in a comma-decimal locale would read "1.5" as 1 and write
 * "1,5". Here the decimal point never reaches the C library: reading hands strtod the
 * digits and a decimal exponent only, and writing replaces whatever radix character printf
 * produced. Reading is correctly rounded (the C library's strtod is, on glibc and musl),
 * also for very long inputs (the digits beyond 768 significant ones only decide rounding,
 * and are kept as one sticky digit). Writing gives the shortest text that reads back to
 * the same double. No allocation, no global state (the locale is only read by the C
 * library).
 */
#ifndef RP_JSON_FLOAT_H
#define RP_JSON_FLOAT_H

#include <stddef.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for the longest text rp_json_format_double writes (25 bytes, e.g.
 * "-0.0000012345678901234567") and its NUL. */
#define RP_JSON_DOUBLE_MAX 32

/* Reads number text s[0..n): [-] digits [. digits] [(e|E) [+|-] digits] (JSON's grammar,
 * leading zeros tolerated) into *out, correctly rounded. Underflow gives 0 or a subnormal.
 * Returns 0; RP_E_JSON_NUMBER when the value is beyond the range of a double (|v| rounds
 * to infinity); RP_E_ARGUMENT when s is not such a number. out is written only on 0. */
RP_CHECK_RESULT int rp_json_parse_double(const char *s, size_t n, double *out);

/* Writes the shortest decimal text that rp_json_parse_double reads back to exactly v (the
 * fewest significant digits, 1..17), spelt like ECMAScript's Number::toString: plain
 * decimals for 1e-7 < |v| < 1e21 ("0.1", "-1000", "100000000000000000000"), else
 * "1.5e+300" / "5e-324"; '.' is the decimal point whatever the locale. NUL-terminated, into
 * buf[0..cap) (cap >= RP_JSON_DOUBLE_MAX). Returns its length, or 0 when v is NaN or
 * infinite (JSON has no text for them) or cap is too small. */
size_t rp_json_format_double(double v, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* RP_JSON_FLOAT_H */
