/* fe_util.c — see fe_util.h. */
#include "fe_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
    fputs("rprotoc: fatal error: out of memory\n", stderr);
    exit(2);
}

void *rp_xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *rp_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *rp_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n == 0 ? 1 : n);
    if (q == NULL)
        out_of_memory();
    return q;
}

char *rp_xstrdup(const char *s)
{
    return s == NULL ? NULL : rp_xstrndup(s, strlen(s));
}

char *rp_xstrndup(const char *s, size_t n)
{
    char *p = rp_xmalloc(n + 1);
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *rp_xpush(void *arr_ptr, size_t *count, size_t *cap, size_t elem)
{
    char **arr = arr_ptr;
    if (*count >= *cap) {
        size_t ncap = *cap == 0 ? 4 : *cap * 2;
        *arr = rp_xrealloc(*arr, ncap * elem);
        *cap = ncap;
    }
    char *slot = *arr + *count * elem;
    memset(slot, 0, elem);
    (*count)++;
    return slot;
}

void rp_sb_append(rp_strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap == 0 ? 64 : b->cap;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        b->s = rp_xrealloc(b->s, ncap);
        b->cap = ncap;
    }
    if (n > 0)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void rp_sb_puts(rp_strbuf *b, const char *s)
{
    rp_sb_append(b, s, strlen(s));
}

void rp_sb_putc(rp_strbuf *b, char c)
{
    rp_sb_append(b, &c, 1);
}

void rp_sb_vprintf(rp_strbuf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof small) {
        rp_sb_append(b, small, (size_t)n);
    } else {
        char *big = rp_xmalloc((size_t)n + 1);
        vsnprintf(big, (size_t)n + 1, fmt, ap2);
        rp_sb_append(b, big, (size_t)n);
        free(big);
    }
    va_end(ap2);
}

void rp_sb_printf(rp_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_sb_vprintf(b, fmt, ap);
    va_end(ap);
}

char *rp_sb_take(rp_strbuf *b)
{
    char *s = b->s != NULL ? b->s : rp_xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

size_t rp_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

void rp_suggest_init(rp_suggestion *s, const char *word)
{
    size_t len = strlen(word), limit = len / 2;
    s->word = word;
    s->len = len;
    s->best_d = (limit > 3 ? 3 : limit) + 1;
    s->best = NULL;
}

void rp_suggest_try(rp_suggestion *s, const char *cand)
{
    size_t d = rp_edit_distance(s->word, cand);
    if (d < s->best_d && d < s->len) {
        s->best_d = d;
        s->best = cand;
    }
}

const char *rp_suggest_word(const char *word, const char *const *cands, size_t n)
{
    rp_suggestion s;
    rp_suggest_init(&s, word);
    for (size_t i = 0; i < n; i++)
        rp_suggest_try(&s, cands[i]);
    return s.best;
}
