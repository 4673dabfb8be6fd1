/* bench.h: the measuring harness shared by the benchmark programs in bench/.
 *
 * Not part of the runtime: benchmark binaries are built at -O2 without sanitizers and may
 * keep process-wide state (the allocation counter below), which the runtime may not.
 *
 * Method (docs/performance.md): every comparison runs a warm-up that also calibrates how
 * many iterations fill one repetition, then `reps` repetitions in which each implementation
 * runs its calibrated number of iterations back to back, so drift of the machine hits all of
 * them alike; the order rotates every repetition (repetition r starts with implementation
 * r mod n), so none always runs first or last. Time is the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), so being descheduled on a busy machine does not count. The
 * reported figure is the median ns/op over the repetitions.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

/* One implementation of an operation: returns 0 on success, anything else is a failure
 * that aborts the benchmark (a benchmark of a failing decoder would measure nothing). */
typedef int (*bench_fn)(void *ctx);

typedef struct bench_impl {
    const char *name;   /* "ours", "cjson", "jansson", "json-c", "openssl-floor" */
    bench_fn fn;
    void *ctx;
    double ns_per_op;   /* result: median over repetitions */
} bench_impl;

/* Settings taken from the environment: BENCH_QUICK=1 gives fewer, shorter repetitions;
 * BENCH_REPS=N (>= 3) overrides the number of repetitions. */
typedef struct bench_config {
    int quick;
    int reps;           /* repetitions per implementation */
    double rep_ms;      /* target duration of one repetition */
} bench_config;

void bench_config_from_env(bench_config *cfg);

/* Monotonic nanoseconds. */
uint64_t bench_now_ns(void);

/* Runs impls[0..n) as described above. Returns 0, or the failing implementation's non-zero
 * result after printing which one failed. */
int bench_compare(const bench_config *cfg, const char *what, bench_impl *impls, size_t n);

/* Prints one `bench:` line per peer (impls[1..n)), ours = impls[0]:
 *   bench: <name> ours=<v>ns peer=<peer>:<v>ns ratio=<peer/ours>
 * plus, when libs > 1, one `<name>_fastest_peer` line against the fastest of the libraries
 * impls[1..libs]; impls after those are yardsticks written for the benchmark (the encode
 * floor), reported but never the fastest peer. */
void bench_report_times(const char *name, const bench_impl *impls, size_t n, size_t libs);

/* Prints one line in the machine format with an arbitrary unit and ratio peer/ours
 * (ratio printed as "inf" when ours is 0 and peer is not, "1.00" when both are 0). */
void bench_report(const char *name, double ours, const char *peer, double peer_value,
                  const char *unit);

/* Heap allocation counting. The bench binary defines malloc/calloc/realloc/free and the
 * aligned variants itself (forwarding to glibc), so every allocation in the process —
 * ours, the peers' shared libraries, OpenSSL — is seen. Counting is off until started. */
void bench_alloc_start(void);
uint64_t bench_alloc_stop(void);   /* allocations (malloc/calloc/realloc/aligned) since start */

/* Reads a whole file into a fresh malloc'ed buffer, NUL-terminated; exits on failure. */
char *bench_read_file(const char *path, size_t *len);

/* Callgrind support: when running under valgrind --tool=callgrind, runs fn iters times
 * between zeroing and dumping the counters, the dump named `label`. No-op otherwise
 * returns -1 when callgrind support was not compiled in. */
int bench_callgrind_run(const char *label, bench_fn fn, void *ctx, long iters);

#endif /* BENCH_H */
