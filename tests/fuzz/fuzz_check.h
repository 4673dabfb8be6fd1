/* fuzz_check: the one assertion the fuzz harnesses use. A broken invariant must crash loudly
 * in every build (libFuzzer, the gcc replay build, NDEBUG or not), so this does not use
 * assert(). */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

#endif /* FUZZ_CHECK_H */
