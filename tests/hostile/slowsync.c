/* slowsync: an LD_PRELOAD shim that makes fsync and fdatasync slow, for the fairness check of
 * tests/scripts/server-durability.sh (L7: a slow fsync must stall no connection).
 *
 *   RP_SLOW_FSYNC_MS=N     each fsync/fdatasync sleeps N milliseconds before the real call
 *                          (unset or 0: no sleep)
 *   RP_SLOW_FSYNC_MARK=F   appends "start\n" to file F when a call begins and "end\n" when it
 *                          returns, so a test can order its own events against the fsync
 *
 * The real functions are found with dlsym(RTLD_NEXT). Never built with sanitizers (it sits
 * below them, like failalloc.so). The mark is written with open/write/close: safe on any thread.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*sync_fn)(int);

static void mark(const char *what)
{
    const char *path = getenv("RP_SLOW_FSYNC_MARK");
    if (path == NULL || *path == '\0') return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ssize_t w = write(fd, what, strlen(what));
    (void)w;
    close(fd);
}

static void slow(void)
{
    const char *v = getenv("RP_SLOW_FSYNC_MS");
    long ms = v != NULL ? strtol(v, NULL, 10) : 0;
    if (ms <= 0) return;
    struct timespec t = {(time_t)(ms / 1000), (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

static int slow_call(const char *name, int fd)
{
    sync_fn real = (sync_fn)(uintptr_t)dlsym(RTLD_NEXT, name);
    int saved = errno;
    mark("start\n");
    slow();
    errno = saved;
    int r = real != NULL ? real(fd) : 0;
    int e = errno;
    mark("end\n");
    errno = e;
    return r;
}

int fsync(int fd)
{
    return slow_call("fsync", fd);
}

int fdatasync(int fd)
{
    return slow_call("fdatasync", fd);
}
