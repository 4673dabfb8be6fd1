/* name_table.h — a string-keyed hash table for the checks of the front end, so that finding
 * a name among n stays O(1) and a check over a whole spec stays linear in its size.
 *
 * Open addressing with linear probing, at most half full, growing by doubling. Keys are
 * borrowed (the caller keeps them alive and unchanged while the table lives); values are
 * non-zero size_t (an index + 1, a pointer cast, ...). Exits on out-of-memory like rp_x*.
 */
#ifndef RP_NAME_TABLE_H
#define RP_NAME_TABLE_H

#include <stddef.h>

typedef struct rp_name_table {
    const char **keys; /* slots; NULL = empty */
    size_t *values;    /* value of each used slot */
    size_t *hashes;    /* hash of each used slot's key: probes compare it before the key, so
                          a lookup in a large table touches one key, not every one it passes */
    size_t slots;      /* power of two */
    size_t count;      /* used slots */
} rp_name_table;

/* An empty table sized for about `expected` names (0 is fine). Free with rp_name_table_free. */
void rp_name_table_init(rp_name_table *t, size_t expected);
/* Frees the slots (not the keys) and zeroes t. NULL is ignored. */
void rp_name_table_free(rp_name_table *t);
/* Removes every name, keeping the allocated slots. */
void rp_name_table_clear(rp_name_table *t);

/* The value stored for key, or 0 when key is absent. */
size_t rp_name_table_get(const rp_name_table *t, const char *key);
/* Stores key -> value (value != 0) unless key is already there. Returns the value already
 * stored for key (the table is unchanged), or 0 when key was added. */
size_t rp_name_table_put(rp_name_table *t, const char *key, size_t value);

/* FNV-1a over a NUL-terminated string (also for other hash tables of the front end). */
size_t rp_name_hash(const char *s);

#endif /* RP_NAME_TABLE_H */
