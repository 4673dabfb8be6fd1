/* residue_sources: what the server remembers per peer address, so that one address can
 * neither register clients faster than a set rate nor hold more than a set number of
 * unacknowledged registry entries (docs/security.md, "Per-source limits").
 *
 * One record per source (the caller's address bytes, 1..RESIDUE_SOURCE_MAX): a token bucket
 * of CONNECTs (rate per second, burst) and the count of the source's registry entries not
 * yet acknowledged. The table is a chained hash map of at most `max` records; a record with
 * no unacknowledged entry and a full bucket carries no information and is pruned.
 *
 * Used by residue_server.c only; no sockets, no clock (callers pass `now`, Unix seconds).
 * Not thread-safe (one event loop owns it).
 */
#ifndef RESIDUE_SOURCES_H
#define RESIDUE_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest source name (an IPv6 address is 16 bytes). */
#define RESIDUE_SOURCE_MAX 16u

typedef struct residue_source {
    uint8_t addr[RESIDUE_SOURCE_MAX];
    uint8_t len;
    uint32_t unacked;          /* registry entries of this source not yet acknowledged */
    uint64_t tokens;           /* CONNECTs this source may still send now (<= burst) */
    uint64_t refilled_at;      /* Unix second of the last refill */
    struct residue_source *next;  /* hash chain (private) */
} residue_source;

/* The table. Fields are private. */
typedef struct residue_sources {
    residue_source **buckets;
    size_t nbuckets;
    size_t count;
    size_t max;          /* records at most */
    uint32_t rate;       /* CONNECT tokens added per second; 0 = no rate limit */
    uint32_t burst;      /* bucket size (>= 1 when rate > 0) */
} residue_sources;

/* Sets up an empty table of at most max (>= 1) records with the given bucket; burst 0 with
 * a rate is taken as burst = rate. RP_E_ARGUMENT for max 0, RP_E_NOMEM. */
RP_CHECK_RESULT int residue_sources_init(residue_sources *t, size_t max, uint32_t rate,
                                         uint32_t burst, rp_error *err);

/* Frees every record. NULL or a freed table is ignored. */
void residue_sources_free(residue_sources *t);

/* The record of addr[0..len) (len 1..RESIDUE_SOURCE_MAX, else NULL), created with a full
 * bucket when absent. NULL when the table is full even after pruning (or out of memory):
 * the caller should then refuse, since it cannot account for the source. */
residue_source *residue_sources_get(residue_sources *t, const uint8_t *addr, size_t len,
                                    uint64_t now);

/* Refills the bucket for the time since the last call and takes one token. false when the
 * source has none left (its CONNECT should be refused); always true without a rate. */
bool residue_sources_take(residue_sources *t, residue_source *s, uint64_t now);

/* Removes every record with no unacknowledged entry whose bucket would be full at now.
 * Returns the number removed. */
size_t residue_sources_prune(residue_sources *t, uint64_t now);

/* Number of records. */
size_t residue_sources_count(const residue_sources *t);

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_SOURCES_H */
