/* residue_registry: chained hash map of server-side clients. See residue_registry.h. */
#include "residue_registry.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define RP_REGISTRY_INITIAL_BUCKETS 64u

/* FNV-1a: ids are short and chosen by the server or its configuration; a hostile peer can
 * only pick managed ids that exist, so no keyed hash is needed. */
static size_t hash_id(const char *id, size_t len)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)id[i];
        h *= 1099511628211u;
    }
    return (size_t)h;
}

int residue_registry_init(residue_registry *reg, rp_error *err)
{
    if (reg == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX, "registry is NULL");
    }
    reg->count = 0;
    reg->on_remove = NULL;
    reg->on_remove_ctx = NULL;
    reg->nbuckets = RP_REGISTRY_INITIAL_BUCKETS;
    reg->buckets = calloc(reg->nbuckets, sizeof *reg->buckets);
    if (reg->buckets == NULL) {
        reg->nbuckets = 0;
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX,
                            "out of memory for the client registry");
    }
    return 0;
}

static void entry_free(residue_registry_entry *e)
{
    if (e->owns_public_key) {
        rp_rsa_key_free(e->public_key);
    }
    OPENSSL_cleanse(e, sizeof *e);
    free(e);
}

void residue_registry_free(residue_registry *reg)
{
    if (reg == NULL || reg->buckets == NULL) {
        return;
    }
    for (size_t b = 0; b < reg->nbuckets; b++) {
        residue_registry_entry *e = reg->buckets[b];
        while (e != NULL) {
            residue_registry_entry *next = e->next;
            entry_free(e);
            e = next;
        }
    }
    free(reg->buckets);
    reg->buckets = NULL;
    reg->nbuckets = 0;
    reg->count = 0;
}

size_t residue_registry_count(const residue_registry *reg)
{
    return reg == NULL ? 0 : reg->count;
}

residue_registry_entry *residue_registry_find(const residue_registry *reg, const char *id, size_t len)
{
    if (reg == NULL || reg->buckets == NULL || id == NULL || len == 0 || len > RESIDUE_CLIENT_ID_MAX) {
        return NULL;
    }
    for (residue_registry_entry *e = reg->buckets[hash_id(id, len) % reg->nbuckets]; e; e = e->next) {
        if (e->id_len == len && memcmp(e->id, id, len) == 0) {
            return e;
        }
    }
    return NULL;
}

/* Doubles the bucket array when the load factor passes 2; on allocation failure the table
 * simply stays slower. */
static void maybe_grow(residue_registry *reg)
{
    if (reg->count < reg->nbuckets * 2u || reg->nbuckets > SIZE_MAX / 4u) {
        return;
    }
    size_t n = reg->nbuckets * 2u;
    residue_registry_entry **nb = calloc(n, sizeof *nb);
    if (nb == NULL) {
        return;
    }
    for (size_t b = 0; b < reg->nbuckets; b++) {
        residue_registry_entry *e = reg->buckets[b];
        while (e != NULL) {
            residue_registry_entry *next = e->next;
            size_t h = hash_id(e->id, e->id_len) % n;
            e->next = nb[h];
            nb[h] = e;
            e = next;
        }
    }
    free(reg->buckets);
    reg->buckets = nb;
    reg->nbuckets = n;
}

int residue_registry_add(residue_registry *reg, const char *id, size_t len, residue_registry_entry **out,
                    rp_error *err)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (reg == NULL || reg->buckets == NULL || id == NULL || out == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "registry, id and out must not be NULL");
    }
    if (len == 0 || len > RESIDUE_CLIENT_ID_MAX) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "client id length %zu is outside 1..%u", len, RESIDUE_CLIENT_ID_MAX);
    }
    if (residue_registry_find(reg, id, len) != NULL) {
        return rp_error_set(err, RP_E_STATE, RP_LAYER_SESSION, SIZE_MAX,
                            "client id already registered");
    }
    residue_registry_entry *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX,
                            "out of memory for a client entry");
    }
    memcpy(e->id, id, len);
    e->id[len] = '\0';
    e->id_len = len;
    residue_client_entry_init(&e->machine);
    size_t h = hash_id(id, len) % reg->nbuckets;
    e->next = reg->buckets[h];
    reg->buckets[h] = e;
    reg->count++;
    maybe_grow(reg);
    *out = e;
    return 0;
}

void residue_registry_on_remove(residue_registry *reg, residue_registry_remove_fn fn, void *ctx)
{
    if (reg != NULL) {
        reg->on_remove = fn;
        reg->on_remove_ctx = ctx;
    }
}

void residue_registry_remove(residue_registry *reg, residue_registry_entry *entry)
{
    if (reg == NULL || reg->buckets == NULL || entry == NULL) {
        return;
    }
    residue_registry_entry **pp = &reg->buckets[hash_id(entry->id, entry->id_len) % reg->nbuckets];
    while (*pp != NULL) {
        if (*pp == entry) {
            *pp = entry->next;
            reg->count--;
            if (reg->on_remove != NULL) reg->on_remove(reg->on_remove_ctx, entry);
            entry_free(entry);
            return;
        }
        pp = &(*pp)->next;
    }
}

void residue_registry_entry_arm_age(residue_registry_entry *entry, uint64_t now)
{
    uint64_t seconds = UINT64_MAX; /* age 0: never due (the deadline saturates) */
    if (entry->age != 0) {
        uint64_t dead_at = entry->date_created + entry->age + 1u;
        seconds = dead_at > now ? dead_at - now : 0;
    }
    /* Cannot fail: the timer exists and the machine is not NULL. */
    int rc = residue_client_entry_set_timer(&entry->machine, RESIDUE_CLIENT_ENTRY_TIMER_AGE,
                                            seconds, NULL);
    (void)rc;
}

/* Fires the entry's due timer, if the current state takes one; true when one fired. */
static bool tick(residue_registry_entry *e, uint64_t now)
{
    bool fired = false;
    /* Without handlers nothing can veto: only a NULL machine could fail. */
    if (residue_client_entry_tick(&e->machine, now, NULL, NULL, &fired, NULL) < 0) {
        return false;
    }
    return fired;
}

static bool is_dead(const residue_registry_entry *e)
{
    return residue_client_entry_current(&e->machine) == RESIDUE_CLIENT_ENTRY_STATE_DEAD;
}

bool residue_registry_entry_advance(residue_registry_entry *entry, uint64_t now)
{
    residue_client_entry_state st = residue_client_entry_current(&entry->machine);
    /* The states whose only timer is the age; dead's sweep is the sweep's to offer. */
    if (st == RESIDUE_CLIENT_ENTRY_STATE_UNACKNOWLEDGED ||
        st == RESIDUE_CLIENT_ENTRY_STATE_ACKNOWLEDGED) {
        (void)tick(entry, now);
    }
    return !is_dead(entry);
}

size_t residue_registry_sweep(residue_registry *reg, uint64_t now)
{
    size_t removed = 0;
    if (reg == NULL || reg->buckets == NULL) {
        return 0;
    }
    for (size_t b = 0; b < reg->nbuckets; b++) {
        residue_registry_entry **pp = &reg->buckets[b];
        while (*pp != NULL) {
            residue_registry_entry *e = *pp;
            if (!residue_registry_entry_advance(e, now)) {
                (void)tick(e, now); /* the sweep timer: dead -> forgotten */
            }
            if (residue_client_entry_current(&e->machine) == RESIDUE_CLIENT_ENTRY_STATE_FORGOTTEN) {
                *pp = e->next;
                reg->count--;
                if (reg->on_remove != NULL) reg->on_remove(reg->on_remove_ctx, e);
                entry_free(e);
                removed++;
                continue;
            }
            if (e->has_backup_key && !is_dead(e)) {
                rp_aes_key_wipe(&e->backup_key);
                e->has_backup_key = false;
            }
            pp = &e->next;
        }
    }
    return removed;
}
