/* harness.c: timing, medians, reporting and allocation counting for bench/ programs. */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif

void bench_config_from_env(bench_config *cfg)
{
    const char *q = getenv("BENCH_QUICK");
    cfg->quick = q != NULL && q[0] != '\0' && strcmp(q, "0") != 0;
    /* Many short repetitions rather than a few long ones: on a shared machine a burst of
     * other work then spoils a few samples of every implementation alike, and the median
     * discards them. */
    cfg->reps = cfg->quick ? 15 : 41;
    cfg->rep_ms = cfg->quick ? 1.5 : 5.0;
    const char *r = getenv("BENCH_REPS");
    if (r != NULL && atoi(r) >= 3)
        cfg->reps = atoi(r);
}

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* CPU time of the calling thread: time while the thread is descheduled (other jobs on a
 * busy machine) does not count, which wall time cannot offer. */
static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs fn iters times; *elapsed gets the thread CPU ns spent. Returns fn's failure. */
static int run_loop(bench_impl *im, long iters, uint64_t *elapsed)
{
    uint64_t t0 = thread_cpu_ns();
    for (long i = 0; i < iters; i++) {
        int rc = im->fn(im->ctx);
        if (rc != 0) {
            fprintf(stderr, "bench: %s failed (rc=%d)\n", im->name, rc);
            return rc;
        }
    }
    *elapsed = thread_cpu_ns() - t0;
    return 0;
}

#define BENCH_MAX_REPS 101
#define BENCH_MAX_IMPLS 8

int bench_compare(const bench_config *cfg, const char *what, bench_impl *impls, size_t n)
{
    if (n > BENCH_MAX_IMPLS)
        n = BENCH_MAX_IMPLS;
    int reps = cfg->reps > BENCH_MAX_REPS ? BENCH_MAX_REPS : cfg->reps;
    static double samples[BENCH_MAX_IMPLS][BENCH_MAX_REPS];
    long iters[BENCH_MAX_IMPLS];

    /* Warm-up + calibration: grow the loop until it takes a quarter repetition, per impl. */
    for (size_t i = 0; i < n; i++) {
        long k = 1;
        for (;;) {
            uint64_t el;
            int rc = run_loop(&impls[i], k, &el);
            if (rc != 0) {
                fprintf(stderr, "bench: %s: %s failed during warm-up\n", what, impls[i].name);
                return rc;
            }
            if ((double)el >= cfg->rep_ms * 1e6 / 4.0 || k > (1L << 28)) {
                double per = (double)el / (double)k;
                double want = cfg->rep_ms * 1e6 / (per > 0 ? per : 1);
                iters[i] = want < 1 ? 1 : (long)want;
                break;
            }
            k *= 2;
        }
    }
    /* The order rotates every repetition (repetition r starts with impls[r % n]), so no
     * implementation always runs first after another's cache and branch-predictor state,
     * or last when a burst of other work arrives late. */
    for (int r = 0; r < reps; r++) {
        for (size_t j = 0; j < n; j++) {
            size_t i = ((size_t)r + j) % n;
            uint64_t el;
            int rc = run_loop(&impls[i], iters[i], &el);
            if (rc != 0)
                return rc;
            samples[i][r] = (double)el / (double)iters[i];
        }
    }
    for (size_t i = 0; i < n; i++)
        impls[i].ns_per_op = median(samples[i], (size_t)reps);
    return 0;
}

static void print_value(double v)
{
    if (v == 0 || (fabs(v) >= 100 && v == floor(v)))
        printf("%.0f", v);
    else if (fabs(v) >= 100)
        printf("%.1f", v);
    else
        printf("%.3g", v);
}

void bench_report(const char *name, double ours, const char *peer, double peer_value,
                  const char *unit)
{
    printf("bench: %s ours=", name);
    print_value(ours);
    printf("%s peer=%s:", unit, peer);
    print_value(peer_value);
    printf("%s ratio=", unit);
    if (ours == 0 && peer_value == 0)
        printf("1.00\n");
    else if (ours == 0)
        printf("inf\n");
    else
        printf("%.2f\n", peer_value / ours);
    fflush(stdout);
}

void bench_report_times(const char *name, const bench_impl *impls, size_t n, size_t libs)
{
    size_t fastest = 1;
    for (size_t i = 1; i < n; i++) {
        bench_report(name, impls[0].ns_per_op, impls[i].name, impls[i].ns_per_op, "ns");
        if (i <= libs && impls[i].ns_per_op < impls[fastest].ns_per_op)
            fastest = i;
    }
    if (libs > 1) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s_fastest_peer", name);
        bench_report(buf, impls[0].ns_per_op, impls[fastest].name, impls[fastest].ns_per_op,
                     "ns");
    }
}

char *bench_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot open %s\n", path);
        exit(2);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "bench: out of memory reading %s\n", path);
        exit(2);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int bench_callgrind_run(const char *label, bench_fn fn, void *ctx, long iters)
{
#ifdef BENCH_HAVE_CALLGRIND
    if (fn(ctx) != 0)  /* warm-up: first-touch costs are not the op's */
        return 1;
    CALLGRIND_ZERO_STATS;
    for (long i = 0; i < iters; i++)
        if (fn(ctx) != 0)
            return 1;
    CALLGRIND_DUMP_STATS_AT(label);
    return 0;
#else
    (void)label; (void)fn; (void)ctx; (void)iters;
    return -1;
#endif
}

/* ---- allocation counting ------------------------------------------------------------
 * Interposes the allocator for the whole process. glibc exports its real allocator as
 * __libc_*; forwarding there avoids the dlsym(RTLD_NEXT) bootstrap problem. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static volatile int alloc_counting;
static volatile uint64_t alloc_count;

void bench_alloc_start(void)
{
    alloc_count = 0;
    alloc_counting = 1;
}

uint64_t bench_alloc_stop(void)
{
    alloc_counting = 0;
    return alloc_count;
}

static inline void note_alloc(void)
{
    if (alloc_counting)
        alloc_count = alloc_count + 1;
}

void *malloc(size_t size)
{
    note_alloc();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    note_alloc();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    note_alloc();
    return __libc_realloc(p, size);
}

void free(void *p)
{
    __libc_free(p);
}

void *aligned_alloc(size_t align, size_t size)
{
    note_alloc();
    return __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    note_alloc();
    void *p = __libc_memalign(align, size);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
