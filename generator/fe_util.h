/* fe_util.h — allocation and string-building helpers of the rprotoc front end.
 *
 * rprotoc is a build tool: running out of memory while compiling a spec is not a condition
 * worth recovering from, so the rp_x* allocators print one line and exit(2) instead of
 * returning NULL. Everything they return is owned by the caller and released with free().
 */
#ifndef RP_FE_UTIL_H
#define RP_FE_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#include "rp_error.h"

/* malloc/calloc/realloc that never return NULL (exit(2) on failure). n == 0 is allowed. */
void *rp_xmalloc(size_t n);
void *rp_xcalloc(size_t count, size_t size);
void *rp_xrealloc(void *p, size_t n);
/* Copy of the NUL-terminated s (NULL gives NULL). */
char *rp_xstrdup(const char *s);
/* Copy of the first n bytes of s plus a NUL. */
char *rp_xstrndup(const char *s, size_t n);
/* Grows *arr (element size elem) so that index *count is writable, doubling *cap; returns
 * a pointer to the new zeroed element and increments *count. */
void *rp_xpush(void *arr_ptr, size_t *count, size_t *cap, size_t elem);

/* A growable NUL-terminated byte string. Zero-initialise; free `s` when done. */
typedef struct rp_strbuf {
    char *s;      /* NUL-terminated contents (NULL until something is appended) */
    size_t len;   /* bytes before the NUL */
    size_t cap;   /* allocated bytes */
} rp_strbuf;

void rp_sb_append(rp_strbuf *b, const char *s, size_t n);
void rp_sb_puts(rp_strbuf *b, const char *s);
void rp_sb_putc(rp_strbuf *b, char c);
void rp_sb_printf(rp_strbuf *b, const char *fmt, ...) RP_PRINTF(2, 3);
void rp_sb_vprintf(rp_strbuf *b, const char *fmt, va_list ap);
/* Hands the contents to the caller (never NULL: "" when empty) and resets b. */
char *rp_sb_take(rp_strbuf *b);

/* Edit distance of a and b counting an insertion, a deletion, a substitution and a swap of
 * two neighbouring characters as one each (optimal string alignment), so that "unit8" is
 * one step from "uint8" and two from "int8". Strings longer than 64 bytes give 99. */
size_t rp_edit_distance(const char *a, const char *b);

/* "Did you mean": the candidate closest to a word when it is close enough to be a likely
 * typo (distance at most 3 and at most half of the word's length: "lenght" is 'len', but
 * "Thing" is not 'string'), the first of equals winning. Every "did you mean" of rprotoc uses it, so
 * a misspelt keyword, type, setting or layer is judged by one rule. Candidates one at a time
 * (a declaration table, a list of keywords) go through rp_suggest_try; `best` is the answer,
 * NULL when none is close. */
typedef struct rp_suggestion {
    const char *word;
    size_t len;
    size_t best_d;      /* the distance to beat */
    const char *best;
} rp_suggestion;

void rp_suggest_init(rp_suggestion *s, const char *word);
void rp_suggest_try(rp_suggestion *s, const char *cand);

/* The same over cands[0..n) (none NULL). */
const char *rp_suggest_word(const char *word, const char *const *cands, size_t n);

#endif /* RP_FE_UTIL_H */
