/* rp_json number conversion: exact decimal text -> integer magnitude, no doubles. */
#include "rp_json_number.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The exponent saturates here: any larger shift already overflows (or truncates to 0) a
 * 64-bit integer, and saturating keeps the arithmetic below in range. */
#define EXP_SATURATE 1000000000LL

int rpj_number_to_u64mag(const char *s, size_t n, bool truncate, bool *neg, uint64_t *mag)
{
    size_t i = 0;
    *neg = false;
    *mag = 0;
    if (i < n && s[i] == '-') {
        *neg = true;
        i++;
    }
    size_t int_start = i;
    while (i < n && is_digit(s[i])) i++;
    size_t int_len = i - int_start;
    size_t frac_start = i, frac_len = 0;
    bool fractional = false;
    if (i < n && s[i] == '.') {
        fractional = true;
        frac_start = ++i;
        while (i < n && is_digit(s[i])) i++;
        frac_len = i - frac_start;
    }
    long long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        fractional = true;
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        while (i < n && is_digit(s[i])) {
            if (exp < EXP_SATURATE) exp = exp * 10 + (s[i] - '0');
            i++;
        }
        if (eneg) exp = -exp;
    }
    if (fractional && !truncate) return RPJ_NUM_NOT_INTEGER;

    /* Digits D = integer digits then fraction digits; the value is D shifted so that
     * keep = int_len + exp digits stand before the decimal point. Truncation toward zero
     * keeps exactly those (padding with zeros when keep > len(D)). */
    size_t nd = int_len + frac_len;
    long long keep = (long long)int_len + exp;
    size_t first = 0; /* first non-zero digit */
    while (first < nd) {
        char d = first < int_len ? s[int_start + first] : s[frac_start + first - int_len];
        if (d != '0') break;
        first++;
    }
    if (first == nd || (long long)first >= keep) return RPJ_NUM_OK; /* zero */
    uint64_t m = 0;
    /* Terminates quickly: m >= 1 from the first step, so it overflows within 20 steps. */
    for (long long k = (long long)first; k < keep; k++) {
        unsigned d = 0;
        if ((size_t)k < nd) {
            size_t uk = (size_t)k;
            d = (unsigned)((uk < int_len ? s[int_start + uk] : s[frac_start + uk - int_len]) - '0');
        }
        if (m > (UINT64_MAX - d) / 10) return RPJ_NUM_OVERFLOW;
        m = m * 10 + d;
    }
    *mag = m;
    return RPJ_NUM_OK;
}
