/* strlang.c — see strlang.h. */
#include "strlang.h"

#include <stdlib.h>
#include <string.h>

#include "fe_util.h"

/* ---- length sets ------------------------------------------------------------------------- */

rp_lset rp_lset_of(const rp_ast_len *l)
{
    rp_lset s = { 0, UINT64_MAX, NULL, 0 };
    if (!l->present)
        return s;
    if (l->set != NULL) {
        s.set = l->set;
        s.n = l->set_count;
        s.lo = l->min;
        s.hi = l->max;
        return s;
    }
    if (l->has_min)
        s.lo = l->min;
    if (l->has_max)
        s.hi = l->max;
    return s;
}

bool rp_lset_has(const rp_lset *s, uint64_t v)
{
    if (v < s->lo || v > s->hi)
        return false;
    if (s->set == NULL)
        return true;
    for (size_t i = 0; i < s->n; i++)
        if (s->set[i] == v)
            return true;
    return false;
}

/* ---- string sets -------------------------------------------------------------------------- */

void rp_strlang_charset_bits(const rp_ast_decl *cs, uint8_t out[32])
{
    if (cs == NULL)
        memset(out, 0xff, 32);
    else
        memcpy(out, cs->u.charset.allowed, 32);
}

rp_strlang rp_strlang_of(const rp_ast_decl *charset, const rp_ast_len *len, const rp_ast_attrs *pattern_of)
{
    rp_strlang l;
    rp_strlang_charset_bits(charset, l.bytes);
    l.len = rp_lset_of(len);
    l.re = pattern_of != NULL ? pattern_of->pattern_re : NULL;
    return l;
}

/* UTF-8 as a DFA over bytes (state 0 is a complete text; UTF8_BAD is the dead state):
 * 1..3 continuation bytes still needed, 4..7 the restricted second byte of E0, ED, F0, F4. */
enum { UTF8_BAD = 8, UTF8_STATES = 8 };

static unsigned utf8_step(unsigned u, unsigned b)
{
    bool cont = b >= 0x80 && b <= 0xBF;
    switch (u) {
    case 0:
        if (b < 0x80) return 0;
        if (b >= 0xC2 && b <= 0xDF) return 1;
        if (b == 0xE0) return 4;
        if (b == 0xED) return 5;
        if (b >= 0xE1 && b <= 0xEF) return 2;
        if (b == 0xF0) return 6;
        if (b == 0xF4) return 7;
        if (b >= 0xF1 && b <= 0xF3) return 3;
        return UTF8_BAD;
    case 1: case 2: case 3: return cont ? u - 1 : UTF8_BAD;
    case 4: return b >= 0xA0 && b <= 0xBF ? 1 : UTF8_BAD; /* no overlong form */
    case 5: return b >= 0x80 && b <= 0x9F ? 1 : UTF8_BAD; /* no surrogate */
    case 6: return b >= 0x90 && b <= 0xBF ? 2 : UTF8_BAD; /* no overlong form */
    case 7: return b >= 0x80 && b <= 0x8F ? 2 : UTF8_BAD; /* nothing past U+10FFFF */
    }
    return UTF8_BAD;
}

static uint64_t lset_largest_bound(const rp_lset *s)
{
    uint64_t m = s->lo;
    if (s->hi != UINT64_MAX && s->hi > m)
        m = s->hi;
    for (size_t i = 0; i < s->n; i++)
        if (s->set[i] > m)
            m = s->set[i];
    return m;
}

#define LANG_STATE_LIMIT (1u << 22) /* search states before giving up (then: per attribute) */

/* A breadth-first search over (a's pattern state, b's pattern state,
 * UTF-8 state, length), the length counted up to one past every bound either side names
 * (longer strings all answer the length sets alike). */
int rp_strlang_escapes(const rp_strlang *a, const rp_strlang *b)
{
    uint64_t cap = lset_largest_bound(&a->len);
    if (lset_largest_bound(&b->len) > cap)
        cap = lset_largest_bound(&b->len);
    size_t na = a->re != NULL ? a->re->states : 2, nb = b->re != NULL ? b->re->states : 2;
    if (cap >= LANG_STATE_LIMIT)
        return -1;
    size_t nl = (size_t)cap + 2, total = na * nb * UTF8_STATES;
    if (total > LANG_STATE_LIMIT / nl)
        return -1;
    total *= nl;
    /* bytes that every automaton here treats alike go together: one step per class */
    unsigned reps[256], nreps = 0;
    for (unsigned byte = 0; byte < 256; byte++) {
        bool same = false;
        for (unsigned r = 0; r < nreps && !same; r++) {
            unsigned o = reps[r];
            same = ((a->bytes[o >> 3] >> (o & 7)) & 1) == ((a->bytes[byte >> 3] >> (byte & 7)) & 1) &&
                   ((b->bytes[o >> 3] >> (o & 7)) & 1) == ((b->bytes[byte >> 3] >> (byte & 7)) & 1) &&
                   (a->re == NULL || a->re->byte_class[o] == a->re->byte_class[byte]) &&
                   (b->re == NULL || b->re->byte_class[o] == b->re->byte_class[byte]);
            for (unsigned u = 0; u < UTF8_STATES && same; u++)
                same = utf8_step(u, o) == utf8_step(u, byte);
        }
        if (!same)
            reps[nreps++] = byte;
    }
    uint8_t *seen = rp_xcalloc(total, 1);
    uint32_t *queue = rp_xmalloc(total * sizeof *queue);
    size_t head = 0, tail = 0;
    int found = 0;
#define LANG_INDEX(sa, sb, u, len) ((((sa) * nb + (sb)) * UTF8_STATES + (u)) * nl + (len))
    queue[tail++] = (uint32_t)LANG_INDEX(1, 1, 0, 0);
    seen[LANG_INDEX(1, 1, 0, 0)] = 1;
    while (head < tail && !found) {
        size_t p = queue[head++];
        size_t len = p % nl, u = p / nl % UTF8_STATES, sb = p / nl / UTF8_STATES % nb;
        size_t sa = p / nl / UTF8_STATES / nb;
        if (u == 0 && (a->re == NULL || a->re->accept[sa]) && rp_lset_has(&a->len, len) &&
            !(sb != 0 && (b->re == NULL || b->re->accept[sb]) && rp_lset_has(&b->len, len))) {
            found = 1;
            break;
        }
        for (unsigned r = 0; r < nreps; r++) {
            unsigned byte = reps[r];
            if (!((a->bytes[byte >> 3] >> (byte & 7)) & 1))
                continue; /* a refuses the byte */
            size_t ta = a->re == NULL ? 1 : a->re->next[sa * a->re->classes + a->re->byte_class[byte]];
            unsigned tu = utf8_step((unsigned)u, byte);
            if (ta == 0 || tu == UTF8_BAD)
                continue; /* a refuses from here on */
            size_t tb = sb == 0 || !((b->bytes[byte >> 3] >> (byte & 7)) & 1) ? 0
                        : b->re == NULL ? 1 : b->re->next[sb * b->re->classes + b->re->byte_class[byte]];
            size_t q = LANG_INDEX(ta, tb, tu, len + 1 < nl ? len + 1 : nl - 1);
            if (!seen[q]) {
                seen[q] = 1;
                queue[tail++] = (uint32_t)q;
            }
        }
    }
#undef LANG_INDEX
    free(seen);
    free(queue);
    return found;
}

int rp_strlang_empty(const rp_strlang *a)
{
    /* a set that holds no string (no byte, and not the empty one): a string escapes it
     * exactly when a holds one */
    rp_strlang none;
    memset(&none, 0, sizeof none);
    none.len.lo = 1;
    none.len.hi = 0;
    int r = rp_strlang_escapes(a, &none);
    return r < 0 ? -1 : !r;
}
