/* peer_util.h: what a user of cJSON / jansson / json-c would have to write next to the JSON
 * library to fill the generated residue structs: constraint checks, base64 and hex, and a
 * storage arena for the copied strings. One implementation shared by all the peers, so
 * the comparison differs only in the JSON library.
 *
 * The checks mirror spec/residue.rproto exactly (ranges, one_of sets, lengths, charsets,
 * constants, required keys); unknown keys are ignored as the spec says.
 */
#ifndef PEER_UTIL_H
#define PEER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_arena.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bump storage for strings/bytes the peers copy out of their trees (their trees are freed
 * before decode returns, as a caller holding only the struct would need). */
typedef struct peer_store {
    uint8_t *base;
    size_t cap;
    size_t used;
} peer_store;

static inline void peer_store_reset(peer_store *s) { s->used = 0; }
/* Copies n bytes + NUL; returns 0 or -1 when it does not fit. */
int peer_copy_str(peer_store *s, const char *p, size_t n, rp_str *out);
/* Reserves n bytes (for decoded base64/hex); NULL when it does not fit. */
uint8_t *peer_reserve(peer_store *s, size_t n);

/* Character classes of the spec. */
bool peer_charset_client_id(const char *s, size_t n);
bool peer_charset_version(const char *s, size_t n);

/* base64 and hex are rp_base64_* / rp_hex_* of the runtime (rp_codec.h), the routines our
 * generated code uses, so every peer pays the same for the bytes as ours.
 * Strict standard base64 with padding into out (cap bytes); returns decoded length or -1. */
long peer_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);
/* Standard padded base64; out needs 4*ceil(n/3)+1 bytes; NUL-terminates; returns length. */
size_t peer_base64_encode(const uint8_t *in, size_t n, char *out);
/* Hex (either case) into out; returns decoded length or -1. */
long peer_hex_decode(const char *in, size_t n, uint8_t *out, size_t cap);
/* Uppercase hex, NUL-terminated; out needs 2n+1 bytes. */
void peer_hex_encode(const uint8_t *in, size_t n, char *out);

/* Range checks as functions (a macro comparing against a literal 0 trips -Wtype-limits). */
static inline bool peer_in_u64(uint64_t v, uint64_t lo, uint64_t hi) { return v >= lo && v <= hi; }
static inline bool peer_in_size(size_t v, size_t lo, size_t hi) { return v >= lo && v <= hi; }

/* Level enum values {1,2,4,...,128}. */
static inline bool peer_level_ok(int64_t v) { return v >= 1 && v <= 128 && (v & (v - 1)) == 0; }
/* All defined ServerFlags bits. */
#define PEER_SERVER_FLAGS_ALL 4095u

#ifdef __cplusplus
}
#endif

#endif /* PEER_UTIL_H */
