/* residue_sources: per-address CONNECT buckets and unacknowledged counts. See
 * residue_sources.h. */
#include "residue_sources.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a over the address bytes. */
static size_t hash_addr(const uint8_t *a, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= a[i];
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

int residue_sources_init(residue_sources *t, size_t max, uint32_t rate, uint32_t burst,
                         rp_error *err)
{
    if (t == NULL || max == 0) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "source table: needs room for at least one source");
    }
    memset(t, 0, sizeof *t);
    size_t nb = 64;
    while (nb < max && nb < ((size_t)1 << 20)) nb *= 2u;
    t->buckets = calloc(nb, sizeof *t->buckets);
    if (t->buckets == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX,
                            "out of memory for the source table");
    }
    t->nbuckets = nb;
    t->max = max;
    t->rate = rate;
    t->burst = rate > 0 && burst == 0 ? rate : burst;
    return 0;
}

void residue_sources_free(residue_sources *t)
{
    if (t == NULL || t->buckets == NULL) {
        return;
    }
    for (size_t b = 0; b < t->nbuckets; b++) {
        residue_source *s = t->buckets[b];
        while (s != NULL) {
            residue_source *next = s->next;
            free(s);
            s = next;
        }
    }
    free(t->buckets);
    memset(t, 0, sizeof *t);
}

static void refill(const residue_sources *t, residue_source *s, uint64_t now)
{
    if (now > s->refilled_at) {
        uint64_t add = (now - s->refilled_at) * (uint64_t)t->rate;
        s->tokens = add >= t->burst || s->tokens + add >= t->burst ? t->burst : s->tokens + add;
        s->refilled_at = now;
    }
}

residue_source *residue_sources_get(residue_sources *t, const uint8_t *addr, size_t len,
                                    uint64_t now)
{
    if (t == NULL || t->buckets == NULL || addr == NULL || len == 0 || len > RESIDUE_SOURCE_MAX) {
        return NULL;
    }
    size_t b = hash_addr(addr, len) & (t->nbuckets - 1u);
    for (residue_source *s = t->buckets[b]; s != NULL; s = s->next) {
        if (s->len == len && memcmp(s->addr, addr, len) == 0) {
            return s;
        }
    }
    if (t->count >= t->max && (residue_sources_prune(t, now) == 0 || t->count >= t->max)) {
        return NULL;
    }
    residue_source *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    memcpy(s->addr, addr, len);
    s->len = (uint8_t)len;
    s->tokens = t->burst;
    s->refilled_at = now;
    s->next = t->buckets[b];
    t->buckets[b] = s;
    t->count++;
    return s;
}

bool residue_sources_take(residue_sources *t, residue_source *s, uint64_t now)
{
    if (t == NULL || s == NULL || t->rate == 0) {
        return true;
    }
    refill(t, s, now);
    if (s->tokens == 0) {
        return false;
    }
    s->tokens--;
    return true;
}

size_t residue_sources_prune(residue_sources *t, uint64_t now)
{
    size_t removed = 0;
    if (t == NULL || t->buckets == NULL) {
        return 0;
    }
    for (size_t b = 0; b < t->nbuckets; b++) {
        residue_source **pp = &t->buckets[b];
        while (*pp != NULL) {
            residue_source *s = *pp;
            if (t->rate > 0) refill(t, s, now);
            if (s->unacked == 0 && (t->rate == 0 || s->tokens >= t->burst)) {
                *pp = s->next;
                free(s);
                t->count--;
                removed++;
                continue;
            }
            pp = &s->next;
        }
    }
    return removed;
}

size_t residue_sources_count(const residue_sources *t)
{
    return t == NULL ? 0 : t->count;
}
