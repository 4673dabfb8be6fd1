/* rp_arena: caller-provided storage for decoded strings and bytes, plus the shared value
 * types rp_str and rp_bytes.
 *
 * Decoders never call malloc: every string or byte string they produce is carved out of an
 * rp_arena that the caller set up over its own buffer (stack, static, or heap — the arena
 * does not care and never frees). Resetting the arena invalidates everything carved from it.
 *
 * Bounds: an allocation either fits completely or fails (NULL / RP_E_OVERFLOW) and leaves
 * the arena unchanged; the arena never writes outside [base, base + cap).
 */
#ifndef RP_ARENA_H
#define RP_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A read-only string view. Strings produced by the runtime (decoders, arena copies) are
 * also NUL-terminated at ptr[len], so ptr can be passed to C string functions; a string
 * decoded from JSON may contain an embedded NUL (from "\u0000"), len is authoritative.
 * {NULL, 0} is the empty/absent string. The view owns nothing. */
typedef struct rp_str {
    const char *ptr;
    size_t len;
} rp_str;

/* A read-only byte-string view. Owns nothing. {NULL, 0} is empty. */
typedef struct rp_bytes {
    const uint8_t *ptr;
    size_t len;
} rp_bytes;

/* A bump allocator over caller memory. Fields are public so a struct can be inspected in a
 * debugger, but only the functions below should change them. */
typedef struct rp_arena {
    uint8_t *base;  /* caller's buffer (not owned) */
    size_t cap;     /* its size in bytes */
    size_t used;    /* bytes handed out so far, including alignment padding */
} rp_arena;

/* Sets up *a over buf[0..cap). buf may be NULL only when cap is 0 (then every allocation
 * fails). The arena does not own buf; the caller keeps it alive while anything carved from
 * the arena is in use. a must not be NULL. */
void rp_arena_init(rp_arena *a, void *buf, size_t cap);

/* Forgets every allocation (used = 0). Previously returned pointers become invalid.
 * NULL a is ignored. */
void rp_arena_reset(rp_arena *a);

/* Returns size bytes aligned to align (a power of two, 1 for strings; 0 is treated as 1),
 * or NULL when they do not fit or a is NULL. size 0 returns a valid non-NULL pointer when
 * the arena has a buffer. The memory is not zeroed. On failure the arena is unchanged. */
RP_CHECK_RESULT void *rp_arena_alloc(rp_arena *a, size_t size, size_t align);

/* Like rp_arena_alloc but with the error convention: on success *out is the memory and 0 is
 * returned; when it does not fit, *out is NULL and RP_E_OVERFLOW is returned and err (if
 * non-NULL) says how many bytes were needed and how many were left, with the given input
 * offset (SIZE_MAX if none). RP_E_ARGUMENT if a or out is NULL. */
RP_CHECK_RESULT int rp_arena_alloc_err(rp_arena *a, size_t size, size_t align, size_t offset,
                                       void **out, rp_error *err);

/* Copies len bytes of s into the arena followed by a NUL and sets *out to the copy.
 * s may be NULL only when len is 0. Errors as rp_arena_alloc_err. */
RP_CHECK_RESULT int rp_arena_strdup(rp_arena *a, const char *s, size_t len, rp_str *out,
                                    rp_error *err);

/* Bytes still available (ignoring alignment padding a future allocation may need).
 * 0 for NULL a. */
size_t rp_arena_remaining(const rp_arena *a);

/* A position to return to: rp_arena_rewind(a, rp_arena_mark(a)) undoes every allocation
 * made in between (used by decoders to give back storage of a failed decode). NULL a gives
 * 0 / is ignored; a mark larger than the current use is ignored. */
size_t rp_arena_mark(const rp_arena *a);
void rp_arena_rewind(rp_arena *a, size_t mark);

/* Convenience: a view of a NUL-terminated C string ({NULL,0} for NULL). */
rp_str rp_str_from_cstr(const char *s);

/* 1 when s has exactly the len bytes of lit (lit may be NULL only when len is 0). */
int rp_str_eq(rp_str s, const char *lit, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* RP_ARENA_H */
