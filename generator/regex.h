/* regex.h — the `pattern` attribute: a bounded regular-expression subset compiled by rprotoc
 * at generation time into a DFA that the runtime runs in linear time (no backtracking).
 *
 * The subset (docs/language.md §4.11 is the user's description):
 *   - the pattern matches the WHOLE string (a leading '^' and a trailing '$' are accepted
 *     and change nothing; anywhere else they are refused);
 *   - literal characters, any UTF-8 (a non-ASCII character is one atom);
 *   - '.' is any character except \n, \r, U+2028 and U+2029 (as in ECMA-262);
 *   - classes [abc], [a-z], [^...] with ASCII members (single characters, ranges and the
 *     escapes below); a negated class also matches every non-ASCII character;
 *   - escapes \d [0-9], \w [A-Za-z0-9_], \s [\t\n\v\f\r ] and their negations \D \W \S
 *     (outside classes), \t \n \r \f \v, \xHH (ASCII), \uHHHH (not a surrogate; outside
 *     classes), and \ before any of  \ . * + ? ( ) [ ] { } | ^ $ / -
 *   - groups (...) and (?:...) (nothing is captured), alternation |;
 *   - quantifiers * + ? {n} {n,} {n,m} with n, m <= 1000.
 * Refused, each with its own message: back-references, lookaround, named groups, lazy or
 * possessive quantifiers, \b \B \p \P \c and other escapes, flags, a literal '{' '}' or ']'
 * that is not escaped, and patterns whose automaton would be too large.
 *
 * Matching is on bytes of (already valid) UTF-8: the DFA has a byte -> class table and a
 * state x class -> state table; state 0 is the dead state, state 1 the start.
 */
#ifndef RP_REGEX_H
#define RP_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RP_REGEX_MAX_REPEAT 1000u   /* largest n or m of {n,m} */
#define RP_REGEX_MAX_NFA 20000u     /* NFA states while compiling */
#define RP_REGEX_MAX_DFA 4096u      /* DFA states of the result */
#define RP_REGEX_MAX_TABLE 65536u   /* DFA states x byte classes */

/* A compiled pattern; owned by whoever compiled it (rp_regex_free). */
typedef struct rp_regex {
    uint16_t states;          /* DFA states, including the dead state 0 */
    uint16_t classes;         /* byte classes (1..256) */
    uint8_t byte_class[256];  /* byte -> class */
    uint16_t *next;           /* states * classes entries: next[s * classes + c] */
    uint8_t *accept;          /* states entries: 1 when s accepts */
    char *portable;           /* the same language as a pattern for ECMA-262 and Python `re`
                                 alike, anchored: "^(?:...)$" with \d \w \s and '.' spelt out
                                 as ASCII classes (for JSON Schema); owned */
} rp_regex;

/* Why a pattern was refused: the byte range of the pattern text at fault. */
typedef struct rp_regex_error {
    size_t index;             /* byte index into the pattern */
    size_t len;               /* bytes at fault (>= 1 unless the pattern is empty) */
    char message[200];
} rp_regex_error;

/* Compiles the NUL-terminated UTF-8 pattern. Returns 0 with *out set (owned by the caller),
 * or -1 with *err filled and *out NULL. pattern, out and err must not be NULL. */
int rp_regex_compile(const char *pattern, rp_regex **out, rp_regex_error *err);

/* True when the whole of s[0..n) matches. Linear in n. */
bool rp_regex_match(const rp_regex *re, const char *s, size_t n);

/* Frees re and everything it owns; NULL is ignored. */
void rp_regex_free(rp_regex *re);

#endif /* RP_REGEX_H */
