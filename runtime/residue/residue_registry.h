/* residue_registry: the residue server's table of known clients (protocol reference §8).
 *
 * One entry per client id: its AES session key (and the backup key kept after a managed
 * reconnect rotated it), its token, its RSA public key, whether it is managed and
 * acknowledged, its lifetime (date_created + age), and its session as the spec declares it:
 * an instance of the generated machine ClientEntry (generated/residue_machines.h), which
 * holds the entry's state (unacknowledged, acknowledged, dead) and its two timers. The table
 * is a chained hash map keyed by the client id; it owns its entries and cleanses their keys
 * when they go.
 *
 * Time: the machine's `age` timer is due once the client is dead (alive <=> age == 0 or
 * date_created + age >= now); residue_registry_entry_advance offers it the time, and the
 * entry is dead from then on. Its `sweep` timer starts when the age runs out and is due at
 * once: a dead entry is forgotten by the first integrity sweep (residue_registry_sweep) that
 * offers it the time, as the real server's ClientIntegrityTask removes every dead client.
 *
 * Used by residue_server.c only; no sockets, no clock (callers pass `now`).
 * Not thread-safe (one event loop owns it).
 */
#ifndef RESIDUE_REGISTRY_H
#define RESIDUE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_crypto.h"
#include "rp_error.h"
#include "residue_machines.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest client id we store (the spec allows 1..128 characters). */
#define RESIDUE_CLIENT_ID_MAX 128u
/* Size of the informational token of a hello (128 bits). */
#define RESIDUE_CLIENT_TOKEN_SIZE 16u

/* One client. Fields are read by the server session; only the registry allocates or
 * frees an entry. */
typedef struct residue_registry_entry {
    char id[RESIDUE_CLIENT_ID_MAX + 1];  /* NUL-terminated client id */
    size_t id_len;
    rp_aes_key key;                 /* current session key */
    rp_aes_key backup_key;          /* previous key after a managed key rotation */
    bool has_backup_key;
    uint8_t token[RESIDUE_CLIENT_TOKEN_SIZE];
    bool has_token;
    rp_rsa_key *public_key;         /* where hellos and RSA errors are encrypted to */
    bool owns_public_key;           /* true: freed with the entry (unmanaged clients) */
    bool managed;
    bool acknowledged;              /* acknowledged once (residue policy, kept apart from the
                                       machine's state: the real server keeps it across a
                                       managed re-CONNECT, which the machine answers with a
                                       hello and so leaves in unacknowledged, and across
                                       death, where TOUCH's error text still depends on it) */
    uint64_t date_created;          /* server Unix seconds (advertised in the established reply) */
    uint32_t age;                   /* seconds of life from date_created; 0 = forever */
    residue_client_entry machine;   /* the session: state and the age and sweep timers */
    struct residue_registry_entry *next;   /* hash chain (private) */
    void *owner_tag;                /* the server's own note (its per-source record); the
                                       registry never reads it */
} residue_registry_entry;

/* Told about every entry residue_registry_remove or residue_registry_sweep takes out, just
 * before it is freed (not about the entries residue_registry_free releases). */
typedef void (*residue_registry_remove_fn)(void *ctx, residue_registry_entry *entry);

/* The table. Fields are private. */
typedef struct residue_registry {
    residue_registry_entry **buckets;
    size_t nbuckets;
    size_t count;
    residue_registry_remove_fn on_remove;   /* optional, set with residue_registry_on_remove */
    void *on_remove_ctx;
} residue_registry;

/* Sets up an empty table (allocates the bucket array). RP_E_NOMEM on failure.
 * reg must not be NULL. */
RP_CHECK_RESULT int residue_registry_init(residue_registry *reg, rp_error *err);

/* Frees every entry (cleansing keys, freeing owned public keys) and the buckets.
 * NULL or an already freed table is ignored. */
void residue_registry_free(residue_registry *reg);

/* Sets (fn non-NULL) or clears the hook called for every entry removed or swept. */
void residue_registry_on_remove(residue_registry *reg, residue_registry_remove_fn fn, void *ctx);

/* Number of entries. */
size_t residue_registry_count(const residue_registry *reg);

/* The entry with exactly this id (len bytes, no NUL needed), or NULL. */
residue_registry_entry *residue_registry_find(const residue_registry *reg, const char *id, size_t len);

/* Adds a new zeroed entry with this id, its machine in its initial state (unknown), (1..RESIDUE_CLIENT_ID_MAX bytes, else RP_E_ARGUMENT; an
 * existing id is RP_E_STATE). *out points at it; the registry owns it. RP_E_NOMEM on
 * allocation failure. */
RP_CHECK_RESULT int residue_registry_add(residue_registry *reg, const char *id, size_t len,
                                    residue_registry_entry **out, rp_error *err);

/* Removes and frees one entry (which must belong to reg). */
void residue_registry_remove(residue_registry *reg, residue_registry_entry *entry);

/* Sets how long the next start of the entry's age timer lasts, for a start at `now`: until
 * the entry is dead by its date_created and age (deadline date_created + age + 1; never for
 * age 0; due at once when that has passed). Call it with the entry's fields set, before the
 * transition that starts the timer (the hello, the established reply). */
void residue_registry_entry_arm_age(residue_registry_entry *entry, uint64_t now);

/* Offers `now` to the entry's machine: in unacknowledged and acknowledged, the age timer
 * fires when it is due (-> dead). A dead entry's sweep timer is left to the sweep. Returns
 * whether the entry is alive (not dead) after that. */
bool residue_registry_entry_advance(residue_registry_entry *entry, uint64_t now);

/* The integrity sweep (reference §8): offers `now` to every entry: the age timer of each
 * whose age has run out fires, then the sweep timer of each dead one, and every entry the
 * machine has forgotten is removed; every live entry drops its backup key. Returns the
 * number of clients removed. */
size_t residue_registry_sweep(residue_registry *reg, uint64_t now);

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_REGISTRY_H */
