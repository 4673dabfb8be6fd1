/* rp_clock: the injectable clock and random source every sans-IO state machine takes.
 *
 * Session code never calls time() or an RNG directly: it is handed one of these, so tests
 * can drive it with a fake clock and a scripted RNG and get the same bytes every run.
 * The system clock lives here (libc only); the system RNG needs OpenSSL and lives in the
 * crypto layer (rp_crypto.h: rp_random_system).
 */
#ifndef RP_CLOCK_H
#define RP_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Current time in Unix seconds. */
typedef uint64_t (*rp_clock_fn)(void *ctx);

/* Fills out[0..len) with random bytes; returns 0 or a negative rp_status. */
typedef int (*rp_random_fn)(void *ctx, uint8_t *out, size_t len);

/* The real clock (time(NULL), 0 if the system clock is before 1970); ctx is ignored. */
uint64_t rp_clock_system(void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* RP_CLOCK_H */
