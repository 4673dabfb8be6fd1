/* failalloc: an LD_PRELOAD shim that makes one allocation (or every one from then on) fail,
 * for tests/scripts/alloc-faults.sh.
 *
 *   RP_FAIL_ALLOC_AT=N       the Nth call of malloc, calloc, realloc, posix_memalign or
 *                            aligned_alloc (counted from 1, over every thread, from process
 *                            start) returns NULL (ENOMEM for posix_memalign) with errno ENOMEM;
 *                            unset or 0: nothing fails, calls are only counted
 *   RP_FAIL_ALLOC_EVERY=1    every call from the Nth on fails, not only the Nth
 *   RP_FAIL_ALLOC_REPORT=F   at exit, writes "calls C failed F\n" to file F (C calls counted,
 *                            F of them made to fail), so a driver learns how many
 *                            allocations a run makes and sweeps N = 1..C
 *   RP_FAIL_ALLOC_TRACE=1    prints the stack of the first failed call to stderr (to see
 *                            where a crash's allocation was; its own allocations uncounted)
 *
 * realloc(p, 0) with p != NULL frees and is not counted; free is never counted.
 *
 * The real functions are found with dlsym(RTLD_NEXT), which may itself allocate: while a
 * thread is inside dlsym its allocations come from a static block that free ignores. The
 * counter is atomic because the logger library allocates from its own threads. A fork
 * inherits the count; an exec starts again from zero (the shim stays preloaded). The report
 * is written with open/write so that it allocates nothing at exit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_fn)(size_t, size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static memalign_fn real_posix_memalign;
static aligned_fn real_aligned_alloc;

static atomic_ulong calls;          /* allocation calls counted so far */
static atomic_ulong failed;         /* of them, made to fail */
static atomic_int state;            /* 0 = not set up, 1 = setting up, 2 = ready */
static unsigned long fail_at;       /* 0 = never */
static int fail_every;
static int trace;
/* This thread is inside dlsym or backtrace: pass through. initial-exec: read without
 * __tls_get_addr, which ASan intercepts and which may be called before ASan has set up. */
static _Thread_local int resolving __attribute__((tls_model("initial-exec")));

/* The block dlsym's own allocations come from (each with its size in front, for realloc). */
#define BOOT_CAP 65536u
static _Alignas(max_align_t) unsigned char boot[BOOT_CAP];
static atomic_size_t boot_used;

static void *boot_alloc(size_t n)
{
    size_t need = (n + sizeof(max_align_t) + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
                  sizeof(max_align_t);
    size_t at = atomic_fetch_add(&boot_used, need);
    if (at + need > BOOT_CAP || need < n) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(boot + at, &n, sizeof n);
    return boot + at + sizeof(max_align_t);
}

static int is_boot(const void *p)
{
    return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + BOOT_CAP;
}

static size_t boot_size(const void *p)
{
    size_t n;
    memcpy(&n, (const unsigned char *)p - sizeof(max_align_t), sizeof n);
    return n;
}

/* dlsym's result as a function pointer without the object-to-function cast ISO C lacks. */
static void resolve(void *slot, const char *name)
{
    void *sym = dlsym(RTLD_NEXT, name);
    memcpy(slot, &sym, sizeof sym);
}

static unsigned long env_ulong(const char *name)
{
    const char *s = getenv(name); /* getenv allocates nothing */
    return s != NULL ? strtoul(s, NULL, 10) : 0;
}

static void setup(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong(&state, &expect, 1)) {
        while (atomic_load(&state) == 1) {
        } /* another thread is resolving; it takes a few microseconds */
        return;
    }
    resolving = 1;
    resolve(&real_malloc, "malloc");
    resolve(&real_calloc, "calloc");
    resolve(&real_realloc, "realloc");
    resolve(&real_free, "free");
    resolve(&real_posix_memalign, "posix_memalign");
    resolve(&real_aligned_alloc, "aligned_alloc");
    resolving = 0;
    if (real_malloc == NULL || real_calloc == NULL || real_realloc == NULL || real_free == NULL) {
        /* Called from inside the dynamic linker (ASan's start-up resolves its interceptors
         * with dlsym, and a failed lookup allocates): dlsym cannot answer yet. Serve this
         * call from the boot block and try again at the next one. */
        atomic_store(&state, 0);
        return;
    }
    fail_at = env_ulong("RP_FAIL_ALLOC_AT");
    fail_every = env_ulong("RP_FAIL_ALLOC_EVERY") != 0;
    trace = env_ulong("RP_FAIL_ALLOC_TRACE") != 0;
    atomic_store(&state, 2);
}

/* Counts one call; true when it is to fail. */
static int should_fail(void)
{
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    if (fail_at != 0 && (n == fail_at || (fail_every && n > fail_at))) {
        if (atomic_fetch_add(&failed, 1) == 0 && trace) {
            void *frames[32];
            resolving = 1;
            int k = backtrace(frames, 32);
            static const char head[] = "failalloc: this allocation fails:\n";
            ssize_t w = write(2, head, sizeof head - 1);
            (void)w;
            backtrace_symbols_fd(frames, k, 2);
            resolving = 0;
        }
        return 1;
    }
    return 0;
}

/* 1: serve from the boot block (inside dlsym); 2: call the real function uncounted (inside
 * backtrace); 0: count. */
static int enter(void)
{
    if (resolving)
        return atomic_load(&state) == 2 ? 2 : 1;
    if (atomic_load(&state) != 2)
        setup();
    return atomic_load(&state) == 2 ? 0 : 1;
}

void *malloc(size_t n)
{
    int how = enter();
    if (how == 1)
        return boot_alloc(n);
    if (how == 0 && should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_malloc(n);
}

void *calloc(size_t count, size_t size)
{
    int how = enter();
    if (how == 1) {
        if (size != 0 && count > SIZE_MAX / size) {
            errno = ENOMEM;
            return NULL;
        }
        return boot_alloc(count * size); /* static storage: already zero */
    }
    if (how == 0 && should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_calloc(count, size);
}

void free(void *p)
{
    if (p == NULL || is_boot(p))
        return;
    if (atomic_load(&state) != 2)
        setup();
    if (atomic_load(&state) == 2)
        real_free(p); /* else it cannot be ours to free yet: it came from the boot block */
}

void *realloc(void *p, size_t n)
{
    if (p != NULL && n == 0) {
        free(p);
        return NULL;
    }
    int how = enter();
    if (how == 1) {
        void *q = boot_alloc(n);
        if (q != NULL && p != NULL)
            memcpy(q, p, is_boot(p) && boot_size(p) < n ? boot_size(p) : n);
        return q;
    }
    if (how == 0 && should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    if (p != NULL && is_boot(p)) {
        void *q = real_malloc(n);
        if (q != NULL)
            memcpy(q, p, boot_size(p) < n ? boot_size(p) : n);
        return q;
    }
    return real_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    int how = enter();
    if (how == 1)
        return ENOMEM;
    if (how == 0 && should_fail())
        return ENOMEM;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    int how = enter();
    if (how == 1)
        return NULL;
    if (how == 0 && should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return real_aligned_alloc(align, n);
}

static void put_ulong(char *buf, size_t *len, unsigned long v)
{
    char d[24];
    size_t k = 0;
    do
        d[k++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (k > 0)
        buf[(*len)++] = d[--k];
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("RP_FAIL_ALLOC_REPORT");
    if (path == NULL || *path == '\0')
        return;
    char line[80];
    size_t len = 0;
    memcpy(line, "calls ", 6);
    len = 6;
    put_ulong(line, &len, atomic_load(&calls));
    memcpy(line + len, " failed ", 8);
    len += 8;
    put_ulong(line, &len, atomic_load(&failed));
    line[len++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    ssize_t w = write(fd, line, len);
    (void)w;
    close(fd);
}
