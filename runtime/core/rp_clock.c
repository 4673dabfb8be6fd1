/* rp_clock.c — the system clock behind rp_clock_fn (see rp_clock.h). */
#include "rp_clock.h"

#include <time.h>

uint64_t rp_clock_system(void *ctx)
{
    (void)ctx;
    time_t t = time(NULL);
    return t < 0 ? 0u : (uint64_t)t;
}
