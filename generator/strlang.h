/* strlang.h — the set of strings a string field (or a map's keys) accepts: valid UTF-8 whose
 * every byte is in the charset, whose byte length is in the length set, matching the pattern;
 * and searches over such sets. compat asks whether one set holds a string the other lacks;
 * the checker whether a field's set is empty (no value could ever be sent).
 */
#ifndef RP_STRLANG_H
#define RP_STRLANG_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "regex.h"

/* A length set (len, count, key_len, an array's len): lo..hi, or the members of set. */
typedef struct rp_lset {
    uint64_t lo, hi;          /* hi UINT64_MAX: no maximum */
    const uint64_t *set;      /* NULL: every length in lo..hi */
    size_t n;
} rp_lset;

rp_lset rp_lset_of(const rp_ast_len *l);
bool rp_lset_has(const rp_lset *s, uint64_t v);

typedef struct rp_strlang {
    uint8_t bytes[32];        /* the charset (every byte when none) */
    rp_lset len;
    const rp_regex *re;       /* NULL: no pattern */
} rp_strlang;

/* A charset's bytes (every byte when cs is NULL). */
void rp_strlang_charset_bits(const rp_ast_decl *cs, uint8_t out[32]);
/* The set of a charset (or NULL), a length and the pattern of pattern_of (or NULL). */
rp_strlang rp_strlang_of(const rp_ast_decl *charset, const rp_ast_len *len, const rp_ast_attrs *pattern_of);

/* 1 when a string that a accepts and b refuses exists, 0 when none does, -1 when the search
 * would be too large (over about 4 million states). */
int rp_strlang_escapes(const rp_strlang *a, const rp_strlang *b);
/* 1 when a accepts no string at all, 0 when it accepts one, -1 when too large to tell. */
int rp_strlang_empty(const rp_strlang *a);

#endif /* RP_STRLANG_H */
