/* name_table.c — the string-keyed hash table of name_table.h. */
#include "name_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fe_util.h"

size_t rp_name_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

void rp_name_table_init(rp_name_table *t, size_t expected)
{
    t->slots = 16;
    while (t->slots < 2 * expected)
        t->slots *= 2;
    t->keys = rp_xcalloc(t->slots, sizeof *t->keys);
    t->values = rp_xcalloc(t->slots, sizeof *t->values);
    t->hashes = rp_xcalloc(t->slots, sizeof *t->hashes);
    t->count = 0;
}

void rp_name_table_free(rp_name_table *t)
{
    if (t == NULL)
        return;
    free(t->keys);
    free(t->values);
    free(t->hashes);
    memset(t, 0, sizeof *t);
}

void rp_name_table_clear(rp_name_table *t)
{
    memset(t->keys, 0, t->slots * sizeof *t->keys);
    t->count = 0;
}

/* Index of the slot of a key with hash h, or of the empty slot where it belongs. */
static size_t find(const rp_name_table *t, const char *key, size_t h)
{
    size_t mask = t->slots - 1;
    size_t i = h & mask;
    while (t->keys[i] != NULL && (t->hashes[i] != h || strcmp(t->keys[i], key) != 0))
        i = (i + 1) & mask;
    return i;
}

size_t rp_name_table_get(const rp_name_table *t, const char *key)
{
    size_t i = find(t, key, rp_name_hash(key));
    return t->keys[i] != NULL ? t->values[i] : 0;
}

static void grow(rp_name_table *t)
{
    rp_name_table bigger;
    bigger.slots = t->slots * 2;
    bigger.keys = rp_xcalloc(bigger.slots, sizeof *bigger.keys);
    bigger.values = rp_xcalloc(bigger.slots, sizeof *bigger.values);
    bigger.hashes = rp_xcalloc(bigger.slots, sizeof *bigger.hashes);
    bigger.count = t->count;
    for (size_t i = 0; i < t->slots; i++)
        if (t->keys[i] != NULL) {
            size_t j = find(&bigger, t->keys[i], t->hashes[i]);
            bigger.keys[j] = t->keys[i];
            bigger.values[j] = t->values[i];
            bigger.hashes[j] = t->hashes[i];
        }
    free(t->keys);
    free(t->values);
    free(t->hashes);
    *t = bigger;
}

size_t rp_name_table_put(rp_name_table *t, const char *key, size_t value)
{
    size_t h = rp_name_hash(key);
    size_t i = find(t, key, h);
    if (t->keys[i] != NULL)
        return t->values[i];
    if (2 * (t->count + 1) > t->slots) {
        grow(t);
        i = find(t, key, h);
    }
    t->keys[i] = key;
    t->values[i] = value;
    t->hashes[i] = h;
    t->count++;
    return 0;
}
