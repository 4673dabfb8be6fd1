/* rp_json_float.c — see rp_json_float.h. */
#include "rp_json_float.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Significant digits handed to strtod: beyond 767 digits a decimal number's nearest double
 * no longer depends on which digits follow, only on whether any non-zero one does. */
#define KEEP_DIGITS 768
#define EXP_LIMIT 100000000L /* saturation: far outside every double's exponent */

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

int rp_json_parse_double(const char *s, size_t n, double *out)
{
    char buf[KEEP_DIGITS + 32];
    size_t i = 0, k = 0;
    bool neg = false, sticky = false;
    long exp10 = 0; /* value = digits x 10^exp10 */
    if (s == NULL || out == NULL)
        return RP_E_ARGUMENT;
    if (i < n && s[i] == '-') {
        neg = true;
        i++;
    }
    size_t int_start = i;
    while (i < n && digit(s[i]))
        i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (int_end == int_start)
        return RP_E_ARGUMENT;
    if (i < n && s[i] == '.') {
        frac_start = ++i;
        while (i < n && digit(s[i]))
            i++;
        frac_end = i;
        if (frac_end == frac_start)
            return RP_E_ARGUMENT;
    }
    long e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        size_t e0 = i;
        while (i < n && digit(s[i])) {
            if (e < EXP_LIMIT)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        if (i == e0)
            return RP_E_ARGUMENT;
        if (eneg)
            e = -e;
    }
    if (i != n)
        return RP_E_ARGUMENT;
    /* digits without leading zeros; the decimal point only moves the exponent */
    if (neg)
        buf[k++] = '-';
    size_t kept = 0;
    for (int part = 0; part < 2; part++) {
        size_t from = part == 0 ? int_start : frac_start, to = part == 0 ? int_end : frac_end;
        bool frac = part == 1;
        for (size_t q = from; q < to; q++) {
            char c = s[q];
            if (kept == 0 && c == '0') {
                exp10 -= frac ? 1 : 0; /* a leading zero of the fraction */
            } else if (kept < KEEP_DIGITS) {
                buf[k++] = c;
                kept++;
                exp10 -= frac ? 1 : 0;
            } else {
                sticky = sticky || c != '0';
                exp10 += frac ? 0 : 1; /* a dropped integer digit still counts */
            }
        }
    }
    if (kept == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (sticky) {
        buf[k++] = '1';
        exp10--;
    }
    exp10 += e;
    if (exp10 > EXP_LIMIT)
        exp10 = EXP_LIMIT;
    if (exp10 < -EXP_LIMIT)
        exp10 = -EXP_LIMIT;
    snprintf(buf + k, sizeof buf - k, "e%ld", exp10);
    double v = strtod(buf, NULL);
    if (isinf(v))
        return RP_E_JSON_NUMBER;
    *out = v;
    return 0;
}

/* Copies printf output, turning the locale's radix character (one or more bytes) into '.'. */
static size_t normalise(const char *raw, char *out, size_t cap)
{
    size_t k = 0;
    for (const char *p = raw; *p != '\0' && k + 1 < cap; p++) {
        char c = *p;
        if (digit(c) || c == 'e' || c == '-' || c == '+')
            out[k++] = c;
        else if (k == 0 || out[k - 1] != '.')
            out[k++] = '.';
    }
    out[k] = '\0';
    return k;
}

size_t rp_json_format_double(double v, char *buf, size_t cap)
{
    if (isnan(v) || isinf(v) || buf == NULL || cap < RP_JSON_DOUBLE_MAX)
        return 0;
    if (v == 0) {
        size_t k = 0;
        if (signbit(v))
            buf[k++] = '-';
        buf[k++] = '0';
        buf[k] = '\0';
        return k;
    }
    /* The fewest significant digits that read back (p), and the decimal exponent (e). */
    char raw[64], norm[64];
    int p = 1;
    long e = 0;
    for (; p <= 17; p++) {
        snprintf(raw, sizeof raw, "%.*e", p - 1, v);
        size_t n = normalise(raw, norm, sizeof norm);
        double back;
        if (rp_json_parse_double(norm, n, &back) == 0 && back == v)
            break;
    }
    if (p > 17)
        p = 17;
    const char *ep = norm;
    while (*ep != '\0' && *ep != 'e')
        ep++;
    /* "%e" always writes an exponent: e+NN or e-NN */
    bool eneg = ep[0] == 'e' && ep[1] == '-';
    for (const char *q = ep[0] == 'e' ? ep + 2 : ep; digit(*q); q++)
        e = e * 10 + (*q - '0');
    if (eneg)
        e = -e;
    /* Like ECMAScript's Number::toString: plain decimals for 1e-7 < |v| < 1e21, else
     * d.ddde+x / d.ddde-x. */
    if (e > -7 && e < 21) {
        int frac = p - 1 - (int)e;
        snprintf(raw, sizeof raw, "%.*f", frac > 0 ? frac : 0, v);
        return normalise(raw, buf, cap);
    }
    /* mantissa as printed, then the exponent with its sign and no leading zeros */
    size_t m = (size_t)(ep - norm), k = 0;
    memcpy(buf, norm, m);
    k = m;
    k += (size_t)snprintf(buf + k, cap - k, "e%c%ld", e < 0 ? '-' : '+', e < 0 ? -e : e);
    return k;
}
