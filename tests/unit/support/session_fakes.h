/* Test support for the session suites: a clock the test sets by hand and an RNG that first
 * returns scripted bytes (what a real peer chose, so replies match captures byte for byte)
 * and then a deterministic xorshift stream. Test code only. */
#ifndef SESSION_FAKES_H
#define SESSION_FAKES_H

#include <stddef.h>
#include <stdint.h>

typedef struct fake_clock {
    uint64_t now; /* Unix seconds returned by fake_now */
} fake_clock;

/* rp_clock_fn over a fake_clock. */
uint64_t fake_now(void *ctx);

typedef struct fake_rng {
    uint8_t script[4096]; /* bytes handed out first, in order */
    size_t len, pos;      /* scripted bytes queued / already handed out */
    uint64_t state;       /* xorshift state once the script is used up; must not be 0 */
    size_t drawn;         /* every byte ever handed out */
} fake_rng;

/* rp_random_fn over a fake_rng. */
int fake_random(void *ctx, uint8_t *out, size_t len);

/* Queues n bytes after what is still unread (a fully read script starts over). */
void fake_rng_script(fake_rng *r, const uint8_t *bytes, size_t n);

/* Queues the bytes written in hex (at most 64 bytes). */
void fake_rng_script_hex(fake_rng *r, const char *hex);

#endif /* SESSION_FAKES_H */
