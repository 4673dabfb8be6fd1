/* rs_logfile: the log file writer. See rs_logfile.h. */
#include "rs_logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHECK_PERIOD_MS 1000
#define PENDING_RETRY_MS 20   /* how soon tick tries again to finish a line a stream left */
#define STREAM_EINTR_TRIES 4  /* a signal storm must not keep a commit in write() */
#define TAIL_CHUNK 65536u
#define REPLACE_TRIES 2       /* a file deleted again right after each replacement: given up */

static ssize_t posix_write(void *ctx, int fd, const void *buf, size_t len)
{
    (void)ctx;
    return write(fd, buf, len);
}

static int posix_fsync(void *ctx, int fd)
{
    (void)ctx;
    return fsync(fd);
}

static int posix_ftruncate(void *ctx, int fd, off_t len)
{
    (void)ctx;
    return ftruncate(fd, len);
}

static void stderr_notice(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "residue-server: %s\n", message);
}

const rs_logfile_ops rs_logfile_posix_ops = {posix_write, posix_fsync, posix_ftruncate,
                                             stderr_notice, NULL};

static void notice(const rs_logfile *lf, const char *fmt, ...) RP_PRINTF(2, 3);
static void notice(const rs_logfile *lf, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lf->ops.notice != NULL) lf->ops.notice(lf->ops.ctx, msg);
    else stderr_notice(NULL, msg);
}

int64_t rs_logfile_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rs_durability_parse(const char *text, rs_durability *out, rp_error *err)
{
    if (text != NULL && strcmp(text, "flush") == 0) *out = RS_DURABILITY_FLUSH;
    else if (text != NULL && strcmp(text, "group") == 0) *out = RS_DURABILITY_GROUP;
    else if (text != NULL && strcmp(text, "interval") == 0) *out = RS_DURABILITY_INTERVAL;
    else
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "durability '%s' is not flush, group or interval",
                            text != NULL ? text : "");
    return 0;
}

const char *rs_durability_name(rs_durability d)
{
    switch (d) {
    case RS_DURABILITY_GROUP: return "group";
    case RS_DURABILITY_INTERVAL: return "interval";
    default: return "flush";
    }
}

static int io_error(rp_error *err, const char *what, const char *path, int e)
{
    return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "%s %s: %s", what,
                        path != NULL ? path : "(stdout)", strerror(e));
}

/* Offset just after the last '\n' among the last `limit` of fd's first size bytes; -1 in
 * *out when there is none there (0 when the file is no longer than limit and has none). */
static int last_line_end(int fd, off_t size, off_t limit, off_t *out)
{
    char *buf = malloc(TAIL_CHUNK);
    if (buf == NULL) return -1;
    off_t pos = size;
    off_t stop = size > limit ? size - limit : 0;
    while (pos > stop) {
        size_t n = pos - stop > (off_t)TAIL_CHUNK ? TAIL_CHUNK : (size_t)(pos - stop);
        ssize_t r = pread(fd, buf, n, pos - (off_t)n);
        if (r != (ssize_t)n) {
            if (r >= 0) errno = EIO;
            free(buf);
            return -1;
        }
        for (size_t i = n; i-- > 0;) {
            if (buf[i] == '\n') {
                *out = pos - (off_t)n + (off_t)i + 1;
                free(buf);
                return 0;
            }
        }
        pos -= (off_t)n;
    }
    free(buf);
    *out = stop == 0 ? 0 : -1;
    return 0;
}

/* A file that ends inside a line: the tail can be one torn line of ours (a crash during a
 * write, never acknowledged) only if it is at most RS_LOGFILE_MAX_TORN_TAIL bytes; that is
 * cut, and said. A longer one is not ours to destroy: the open is refused. */
static int cut_torn_tail(const rs_logfile *lf, const char *path, int fd, struct stat *st,
                         rp_error *err)
{
    off_t keep = st->st_size;
    if (last_line_end(fd, st->st_size, RS_LOGFILE_MAX_TORN_TAIL, &keep) < 0) {
        return io_error(err, "read", path, errno);
    }
    if (keep < 0) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                            "%s: no newline in its last %u bytes, not a log of ours to cut: "
                            "refused", path, (unsigned)RS_LOGFILE_MAX_TORN_TAIL);
    }
    if (keep == st->st_size) return 0;
    if (lf->ops.ftruncate(lf->ops.ctx, fd, keep) < 0) {
        return io_error(err, "cutting the unfinished last line of", path, errno);
    }
    notice(lf, "log file %s: cut the %lld bytes after its last line end (offset %lld): an "
               "unfinished line, never acknowledged", path, (long long)(st->st_size - keep),
           (long long)keep);
    st->st_size = keep;
    return 0;
}

/* A reopen that finds another file at the path (a rotation, a file someone else writes):
 * what it ends with is not ours, so nothing of it is cut. When it ends inside a line, that
 * line is ended with a '\n' here, so that our next line is not glued to it, and said. */
static int end_foreign_line(const rs_logfile *lf, const char *path, int fd, struct stat *st,
                            rp_error *err)
{
    char c = '\n';
    if (pread(fd, &c, 1, st->st_size - 1) != 1) return io_error(err, "read", path, errno);
    if (c == '\n') return 0;
    ssize_t w;
    do {
        w = lf->ops.write(lf->ops.ctx, fd, "\n", 1);
    } while (w < 0 && errno == EINTR);
    if (w != 1) return io_error(err, "ending the unfinished last line of", path, w < 0 ? errno : EIO);
    notice(lf, "log file %s (opened again) ended inside a line someone else wrote (offset %lld): "
               "kept, ended with a newline", path, (long long)st->st_size);
    st->st_size++;
    return 0;
}

/* Opens path and cuts a torn tail (at a reopen: only in the file we had open, our own torn
 * line; another file's unfinished line is ended, see end_foreign_line); fills fd, dev, ino,
 * size.
 *
 * A FIFO is opened O_WRONLY | O_NONBLOCK, never O_RDWR: a descriptor that reads too would keep
 * the pipe "read" by us, so its buffer (64 KiB on Linux) would take and acknowledge lines that
 * no process ever reads, and a reader that goes away would never be noticed. Write-only and
 * non-blocking, the open fails with ENXIO while no process has the FIFO open for reading (said
 * as such: refused), and a write after the last reader went away fails with EPIPE (SIGPIPE
 * must be ignored by the caller; residue-server does). A FIFO is recognised by stat before
 * the open (an O_RDWR open of it would wake a reader waiting in its open and, at our close,
 * show it an EOF) and checked again by fstat after it: a path whose type changed in between
 * is opened once more. */
static int open_path(const rs_logfile *lf, const char *path, bool reopen, int *fd_out,
                     struct stat *st, rp_error *err)
{
    int fd = -1;
    for (int tries = 0;; tries++) {
        struct stat pre;
        bool fifo = stat(path, &pre) == 0 && S_ISFIFO(pre.st_mode);
        fd = fifo ? open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC)
                  : open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0 && fifo && errno == ENXIO) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                "%s is a FIFO that no process reads (start its reader first): "
                                "not opened", path);
        }
        if (fd < 0 && fifo && errno == ENOENT && tries == 0) continue; /* removed since */
        if (fd < 0) return io_error(err, "open", path, errno);
        if (fstat(fd, st) < 0) {
            int e = errno;
            close(fd);
            return io_error(err, "fstat", path, e);
        }
        if (fifo == (bool)S_ISFIFO(st->st_mode)) break;
        close(fd);
        if (tries > 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                "open %s: it changed between a FIFO and another kind of file "
                                "while being opened: not opened", path);
        }
    }
    if (S_ISREG(st->st_mode) && st->st_size > 0) {
        int rc = reopen && (st->st_dev != lf->dev || st->st_ino != lf->ino)
                     ? end_foreign_line(lf, path, fd, st, err)
                     : cut_torn_tail(lf, path, fd, st, err);
        if (rc < 0) {
            close(fd);
            return rc;
        }
    }
    /* A FIFO or device whose reader stops must not block the server (our own description). */
    int fl = S_ISREG(st->st_mode) ? -1 : fcntl(fd, F_GETFL);
    if (fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return io_error(err, "making non-blocking", path, e);
    }
    *fd_out = fd;
    return 0;
}

/* A stdout that is not a file (pipe, FIFO, socket, tty) must never block the server: a reader
 * that stops reading would stop every client and SIGTERM. O_NONBLOCK is a flag of the open file
 * description, which fd 1 shares with whoever started us (a shell's terminal, a pipe), so
 * stdout is opened again through /proc/self/fd/1: a description of our own, same pipe or
 * device. Where that fails (a socket, a pipe without a reader, no /proc) fd 1's own flag is
 * set (restored at close), except on a terminal, which stays blocking: the shell shares it. */
static void nonblocking_stdout(rs_logfile *lf)
{
    int fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        lf->fd = fd;
        lf->own_stdout = true;
        return;
    }
    int fl = fcntl(STDOUT_FILENO, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK) != 0 || isatty(STDOUT_FILENO)) return;
    if (fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK) == 0) {
        lf->restore_stdout = true;
        lf->stdout_flags = fl;
    }
}

int rs_logfile_open(rs_logfile *lf, const char *path, rs_durability mode, uint32_t interval_ms,
                    const rs_logfile_ops *ops, rp_error *err)
{
    memset(lf, 0, sizeof *lf);
    lf->fd = -1;
    lf->mode = mode;
    lf->interval_ms = interval_ms == 0 ? 1000u : interval_ms;
    lf->ops = ops != NULL ? *ops : rs_logfile_posix_ops;
    lf->dirty_since_ms = -1;
    if (path == NULL || strcmp(path, "-") == 0) {
        lf->fd = STDOUT_FILENO;
        struct stat st;
        if (fstat(STDOUT_FILENO, &st) == 0 && !S_ISREG(st.st_mode)) nonblocking_stdout(lf);
        return 0;
    }
    lf->path = strdup(path);
    if (lf->path == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    struct stat st;
    int rc = open_path(lf, path, false, &lf->fd, &st, err);
    if (rc < 0) {
        free(lf->path);
        lf->path = NULL;
        return rc;
    }
    lf->dev = st.st_dev;
    lf->ino = st.st_ino;
    lf->regular = S_ISREG(st.st_mode);
    lf->end = lf->synced = lf->checked = lf->regular ? st.st_size : 0;
    lf->next_check_ms = rs_logfile_now_ms() + CHECK_PERIOD_MS;
    return 0;
}

static int flush_pending(rs_logfile *lf);

void rs_logfile_close(rs_logfile *lf)
{
    if (lf == NULL) return;
    if (lf->path != NULL && lf->fd >= 0 && lf->deleted && rs_logfile_reopen(lf, NULL) < 0 &&
        lf->end > lf->checked) {
        notice(lf, "%lld bytes of acknowledged lines were only in the deleted log file %s and "
                   "are lost", (long long)(lf->end - lf->checked), lf->path);
    }
    if (lf->fd >= 0 && lf->pending_len > lf->pending_off && flush_pending(lf) < 0) {
        notice(lf, "log output %s: the last %zu bytes of a line could not be written (%s)",
               lf->path != NULL ? lf->path : "(stdout)", lf->pending_len - lf->pending_off,
               strerror(errno));
    }
    if (lf->path != NULL && lf->fd >= 0) {
        if (lf->mode != RS_DURABILITY_FLUSH && rs_logfile_sync(lf, NULL) < 0) {
            /* counted in fsync_failures; nothing more can be done at exit */
        }
        close(lf->fd);
    }
    if (lf->own_stdout) close(lf->fd);
    if (lf->restore_stdout) (void)fcntl(STDOUT_FILENO, F_SETFL, lf->stdout_flags);
    lf->own_stdout = false;
    lf->restore_stdout = false;
    free(lf->path);
    free(lf->stage);
    free(lf->pending);
    lf->path = NULL;
    lf->stage = NULL;
    lf->pending = NULL;
    lf->pending_len = lf->pending_off = 0;
    lf->fd = -1;
}

static int stage_room(rs_logfile *lf, size_t need)
{
    if (lf->stage_len + need <= lf->stage_cap) return 0;
    size_t cap = lf->stage_cap == 0 ? 4096u : lf->stage_cap;
    while (cap < lf->stage_len + need) cap *= 2u;
    char *p = realloc(lf->stage, cap);
    if (p == NULL) return -1;
    lf->stage = p;
    lf->stage_cap = cap;
    return 0;
}

int rs_logfile_stage(rs_logfile *lf, const char *line, size_t len, rp_error *err)
{
    char *p = rs_logfile_stage_begin(lf, len);
    if (p == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX,
                            "out of memory staging a log line of %zu bytes", len);
    }
    memcpy(p, line, len);
    rs_logfile_stage_end(lf, len);
    return 0;
}

char *rs_logfile_stage_begin(rs_logfile *lf, size_t max)
{
    if (max > SIZE_MAX / 4u || stage_room(lf, max + 1u) < 0) return NULL;
    return lf->stage + lf->stage_len;
}

void rs_logfile_stage_end(rs_logfile *lf, size_t n)
{
    lf->stage[lf->stage_len + n] = '\n';
    lf->stage_len += n + 1u;
    lf->stage_lines++;
}

void rs_logfile_discard(rs_logfile *lf)
{
    lf->stage_len = 0;
    lf->stage_lines = 0;
    /* A burst of large lines must not pin its buffer forever. */
    if (lf->stage_cap > (1u << 20)) {
        free(lf->stage);
        lf->stage = NULL;
        lf->stage_cap = 0;
    }
}

/* Whether the file's first size bytes end inside a line (their last byte is not '\n'). */
static bool ends_inside_a_line(const rs_logfile *lf, off_t size)
{
    char c = '\n';
    return size > 0 && pread(lf->fd, &c, 1, size - 1) == 1 && c != '\n';
}

/* The file is size bytes long but we wrote up to lf->end: someone else truncated it
 * (copytruncate, `: > log`, `truncate -s N`). What we tracked beyond size is gone; continue
 * from its real end (O_APPEND writes land there anyway) so that a cut-back never extends the
 * file. A cut to the middle of a line leaves its start without a '\n': the next line written
 * starts with one (tail_open), or it would be glued to that rest. */
static void follow_outside_truncation(rs_logfile *lf, off_t size)
{
    if (size >= lf->end) return;
    lf->tail_open = ends_inside_a_line(lf, size);
    notice(lf, "log file %s was truncated by someone else to %lld bytes (we had written %lld): "
               "continuing at its end%s", lf->path, (long long)size, (long long)lf->end,
           lf->tail_open ? ", on a new line (it ends inside one)" : "");
    lf->end = size;
    lf->sync_epoch++; /* a sync job begun before covers bytes that are gone */
    if (lf->synced > size) lf->synced = size;
    if (lf->checked > size) lf->checked = size;
    lf->stats.outside_truncations++;
}

/* The file is size bytes long but we wrote only up to lf->end: someone else wrote to it. Their
 * bytes are not ours to cut back: continue after them (on a new line if theirs ended inside
 * one). synced and checked move along when they were at the end (GROUP keeps them equal). */
static void follow_outside_write(rs_logfile *lf, off_t size)
{
    lf->tail_open = ends_inside_a_line(lf, size);
    notice(lf, "log file %s: %lld bytes after our last line were written by someone else: "
               "continuing after them%s", lf->path, (long long)(size - lf->end),
           lf->tail_open ? ", on a new line (they end inside one)" : "");
    if (lf->synced == lf->end) lf->synced = size;
    if (lf->checked == lf->end) lf->checked = size;
    lf->end = size;
}

/* Cuts the file back to lf->end (the last complete line); 0 or ftruncate's errno. A file
 * already that short was truncated from outside: it is left as it is (ftruncate would extend
 * it with zeros). */
static int cut_back(rs_logfile *lf)
{
    struct stat st;
    if (fstat(lf->fd, &st) == 0 && st.st_size <= lf->end) {
        follow_outside_truncation(lf, st.st_size);
        lf->torn = false;
        return 0;
    }
    if (lf->ops.ftruncate(lf->ops.ctx, lf->fd, lf->end) == 0) {
        lf->torn = false;
        lf->stats.truncations++;
        /* lf->end may be where someone else's unfinished line ends (GROUP's cut to synced) */
        lf->tail_open = ends_inside_a_line(lf, lf->end);
        return 0;
    }
    int e = errno;
    lf->torn = true;
    lf->stats.truncate_failures++;
    return e;
}

/* One write to a stream (stdout, FIFO, device): never blocks (O_NONBLOCK) and retries
 * EINTR only a few times. */
static ssize_t stream_write(rs_logfile *lf, const char *buf, size_t len)
{
    ssize_t w = -1;
    for (int i = 0; i < STREAM_EINTR_TRIES; i++) {
        w = lf->ops.write(lf->ops.ctx, lf->fd, buf, len);
        if (w >= 0 || errno != EINTR) break;
    }
    return w;
}

/* Writes what an earlier partial write to a stream left (the rest of a line that the reader
 * has begun: nothing else may come before it). 0 when nothing is left; else -1 and errno
 * (EAGAIN: the reader is not reading). */
static int flush_pending(rs_logfile *lf)
{
    while (lf->pending_off < lf->pending_len) {
        ssize_t w = stream_write(lf, lf->pending + lf->pending_off,
                                 lf->pending_len - lf->pending_off);
        if (w <= 0) {
            if (w == 0) errno = EAGAIN;
            return -1;
        }
        lf->pending_off += (size_t)w;
    }
    free(lf->pending);
    lf->pending = NULL;
    lf->pending_len = lf->pending_off = 0;
    return 0;
}

/* A stream took only the first w bytes of the staged lines: it cannot be cut back, so the
 * rest is kept (the staging buffer itself, no copy) and written before anything else. */
static void keep_rest_pending(rs_logfile *lf, size_t w)
{
    free(lf->pending);
    lf->pending = lf->stage;
    lf->pending_len = lf->stage_len;
    lf->pending_off = w;
    lf->stage = NULL;
    lf->stage_cap = 0;
}

/* Stream outputs: nothing can be cut back or fsynced; a reader that does not read makes the
 * commit fail ({"r":1}) instead of blocking the server. A partial write is not stored (its
 * reply is {"r":1}; the reader may still get its complete lines) and its rest is finished
 * before any later line, so the reader never sees a torn line continued by another. */
static int commit_stream(rs_logfile *lf, rp_error *err)
{
    const char *name = lf->path != NULL ? lf->path : "(stdout)";
    if (flush_pending(lf) < 0) {
        int e = errno;
        lf->stats.write_failures++;
        rs_logfile_discard(lf);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                            "write %s: the rest of an earlier line is still not taken (%s): "
                            "not stored", name, strerror(e));
    }
    ssize_t w = stream_write(lf, lf->stage, lf->stage_len);
    if (w == (ssize_t)lf->stage_len) {
        lf->stats.lines += lf->stage_lines;
        lf->stats.commits++;
        rs_logfile_discard(lf);
        return 0;
    }
    int e = w < 0 ? errno : EAGAIN;
    lf->stats.write_failures++;
    int rc;
    if (w > 0) {
        lf->stats.short_writes++;
        rc = rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                          "write %s: only %zd of %zu bytes taken (the rest is written before "
                          "any later line): not stored", name, w, lf->stage_len);
        keep_rest_pending(lf, (size_t)w);
    } else {
        rc = io_error(err, "write", lf->path, e);
    }
    rs_logfile_discard(lf);
    return rc;
}

/* O_APPEND puts each write at the file's real end, and the descriptor's offset after it is
 * where the w bytes written end: a start other than lf->end means someone else truncated or
 * wrote the file since our last write. Returns true when the write began inside a line. */
static bool follow_write_offset(rs_logfile *lf, ssize_t w)
{
    off_t pos = lseek(lf->fd, 0, SEEK_CUR);
    if (pos < (off_t)w || pos - (off_t)w == lf->end) return false;
    if (pos - (off_t)w < lf->end) follow_outside_truncation(lf, pos - (off_t)w);
    else follow_outside_write(lf, pos - (off_t)w);
    return lf->tail_open;
}

/* The file ends inside a line someone else left: a '\n' goes in front of the staged lines so
 * that the first of them is a line of its own. The unfinished line stays: not ours to cut. */
static int prefix_line_end(rs_logfile *lf)
{
    if (stage_room(lf, 1) < 0) return -1;
    memmove(lf->stage + 1, lf->stage, lf->stage_len);
    lf->stage[0] = '\n';
    lf->stage_len++;
    return 0;
}

/* The one write of a commit: after a '\n' when the file ends inside a line, and once more so
 * when the write finds that out itself (the file was cut in the middle of a line since the
 * last look): our lines are then taken out again (lf->end is where they began) and written
 * after a '\n', since the first of them was glued to that unfinished line. -1 with errno set
 * when that cannot be done; else write's result. */
static ssize_t write_stage(rs_logfile *lf)
{
    ssize_t w;
    for (int attempt = 0;; attempt++) {
        if (lf->tail_open && lf->stage[0] != '\n' && prefix_line_end(lf) < 0) {
            errno = ENOMEM;
            return -1;
        }
        do {
            w = lf->ops.write(lf->ops.ctx, lf->fd, lf->stage, lf->stage_len);
        } while (w < 0 && errno == EINTR);
        bool glued = w > 0 && follow_write_offset(lf, w) && lf->stage[0] != '\n';
        if (!glued || w != (ssize_t)lf->stage_len || attempt > 0) return w;
        int e = cut_back(lf);
        if (e != 0) {
            errno = e;
            return -1;
        }
    }
}

static int switch_file(rs_logfile *lf, bool deleted, rp_error *err);

/* Whether fd's file still has a name (0 = no, 1 = yes); -1 with errno when fstat fails. A line
 * in an unlinked inode (deleted, or replaced by a rename over its name) is gone at exit; a
 * moved file keeps its lines under its new name, so a move is left to the tick's check. */
static int has_a_name(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return -1;
    return st.st_nlink > 0;
}

/* After a commit's n bytes were written (they end [checked, end)): the lines count as stored
 * only in a file that still has a name, checked by one fstat per commit (measured in
 * docs/security.md), which closes the window of up to a second before the tick's check. A
 * deleted file is swapped for a new one at the path and the lines not yet confirmed,
 * [checked, end), are copied there first. When that fails (the path cannot be opened, a full
 * disk, the file deleted again and again), this commit's bytes leave the range to copy (it
 * fails, so they must never reach a file later), later commits are refused until one of them
 * (or the tick) replaces the file, and RP_E_IO is returned. GROUP checks once per turn
 * instead, at the sync that acknowledges (rs_logfile_sync): a commit there is no reply. */
static int keep_named(rs_logfile *lf, off_t n, rp_error *err)
{
    if (lf->mode == RS_DURABILITY_GROUP) return 0;
    int rc;
    for (int tries = 0;; tries++) {
        int named = has_a_name(lf->fd);
        if (named > 0) {
            lf->checked = lf->end;
            return 0;
        }
        if (named < 0) {
            rc = io_error(err, "fstat", lf->path, errno);
            break;
        }
        if (tries == REPLACE_TRIES) {
            lf->deleted = true;
            rc = rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                              "%s was deleted again each time it was replaced: not stored",
                              lf->path);
            break;
        }
        rp_error why;
        if (switch_file(lf, true, &why) < 0) {
            rc = rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                              "deleted, not replaced: %s", why.message);
            break;
        }
    }
    if (lf->deleted) lf->stats.refused_deleted++;
    lf->end = lf->end - n > lf->checked ? lf->end - n : lf->checked;
    (void)cut_back(lf); /* on an unlinked inode harmless; a failed cut is retried (torn) */
    return rc;
}

int rs_logfile_commit(rs_logfile *lf, rp_error *err)
{
    if (lf->stage_len == 0) return 0;
    if (lf->path == NULL) return commit_stream(lf, err);
    /* Replaced at once when the path can take a file again (its directory is back, the disk
     * has room), as the tick would do up to a second later; not while a sync job is in flight
     * (its end settles the old file's lines first). Still deleted: refused. */
    if (lf->deleted && !lf->syncing)
        (void)switch_file(lf, true, NULL);
    if (lf->deleted) {
        /* A line in an unlinked inode is gone at exit: it would not be stored. */
        lf->stats.write_failures++;
        lf->stats.refused_deleted++;
        rs_logfile_discard(lf);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                            "the log file was deleted and %s cannot be written yet: not stored",
                            lf->path);
    }
    if (!lf->regular) return commit_stream(lf, err);
    if (lf->torn) {
        int e = cut_back(lf);
        if (lf->torn) {
            lf->stats.write_failures++;
            rs_logfile_discard(lf);
            return io_error(err, "cannot cut the unfinished line from", lf->path, e);
        }
    }
    ssize_t w = write_stage(lf);
    if (w == (ssize_t)lf->stage_len) {
        lf->end += (off_t)w;
        lf->tail_open = false;
        if (keep_named(lf, (off_t)w, err) < 0) {
            lf->stats.write_failures++;
            rs_logfile_discard(lf);
            return RP_E_IO;
        }
        lf->stats.lines += lf->stage_lines;
        lf->stats.commits++;
        lf->unsynced_lines += lf->stage_lines;
        if (lf->mode != RS_DURABILITY_FLUSH && lf->dirty_since_ms < 0) {
            lf->dirty_since_ms = rs_logfile_now_ms();
        }
        rs_logfile_discard(lf);
        return 0;
    }
    int e = w < 0 ? errno : ENOSPC;
    lf->stats.write_failures++;
    int cut = 0;
    if (w > 0) {
        lf->stats.short_writes++;
        if (lf->regular) cut = cut_back(lf);
    }
    int rc = w > 0 ? rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                  "write %s: only %zd of %zu bytes written (%s%s)", lf->path, w,
                                  lf->stage_len, !lf->regular ? "not a file, not cut back"
                                                 : cut == 0  ? "cut back"
                                                             : "cutting back failed: ",
                                  cut != 0 ? strerror(cut) : "")
                   : io_error(err, "write", lf->path, e);
    rs_logfile_discard(lf);
    return rc;
}

bool rs_logfile_dirty(const rs_logfile *lf)
{
    return lf->path != NULL && lf->regular && lf->mode != RS_DURABILITY_FLUSH &&
           lf->end != lf->synced;
}

/* GROUP: the lines after `synced` were never acknowledged: a sync that failed takes them
 * out again (and counts them lost). The bytes before `end` change: sync_epoch moves on, so
 * that a job begun before cannot confirm what was written after. INTERVAL: only returned
 * (counted by the caller as fsync_failures where an fsync failed). */
static int sync_failed(rs_logfile *lf, int rc)
{
    if (lf->deleted) lf->stats.refused_deleted++;
    if (lf->mode == RS_DURABILITY_GROUP) {
        lf->end = lf->synced;
        cut_back(lf);
        lf->stats.lines_lost_on_fsync += lf->unsynced_lines;
        lf->unsynced_lines = 0;
        lf->dirty_since_ms = -1;
        lf->sync_epoch++;
    }
    return rc;
}

static int fsync_retrying(int (*fsync_fn)(void *, int), void *ctx, int fd)
{
    int r;
    do {
        r = fsync_fn(ctx, fd);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* The fsync of lf's file up to target (`lines` lines after the old `synced`) succeeded.
 * GROUP acknowledges now: as keep_named, only lines in a file that has a name. A deleted
 * one is replaced (the turn's lines copied) and the new file synced, here and now (a rare
 * case: on the caller's thread even when the first fsync ran on another). */
static int sync_confirm(rs_logfile *lf, off_t target, uint64_t lines, rp_error *err)
{
    bool group = lf->mode == RS_DURABILITY_GROUP;
    int rc;
    for (int tries = 0;; tries++) {
        int named = group ? has_a_name(lf->fd) : 1;
        if (named > 0) {
            if (target > lf->synced) {
                lf->synced = target;
                lf->unsynced_lines -= lines < lf->unsynced_lines ? lines : lf->unsynced_lines;
            }
            if (group) lf->checked = lf->synced;
            if (lf->synced == lf->end) {
                lf->unsynced_lines = 0;
                lf->dirty_since_ms = -1;
            }
            return 0;
        }
        if (named < 0) {
            rc = io_error(err, "fstat", lf->path, errno);
            break;
        }
        if (tries == REPLACE_TRIES) {
            lf->deleted = true;
            rc = rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                              "%s was deleted again each time it was replaced: not stored",
                              lf->path);
            break;
        }
        if (switch_file(lf, true, err) < 0) {
            rc = RP_E_IO;
            break;
        }
        /* The new file holds the copied lines, [synced, end): all of them are the sync's. */
        if (fsync_retrying(lf->ops.fsync, lf->ops.ctx, lf->fd) < 0) {
            rc = io_error(err, "fsync", lf->path, errno);
            lf->stats.fsync_failures++;
            break;
        }
        lf->stats.fsyncs++;
        target = lf->end;
        lines = lf->unsynced_lines;
    }
    return sync_failed(lf, rc);
}

/* begin, with the descriptor itself (own_fd false: the caller's thread fsyncs it at once) or
 * a dup of it (own_fd true: for another thread). */
static int sync_begin(rs_logfile *lf, rs_logfile_sync_job *job, bool own_fd, rp_error *err)
{
    memset(job, 0, sizeof *job);
    job->fd = -1;
    if (!rs_logfile_dirty(lf)) {
        lf->dirty_since_ms = -1;
        return 0;
    }
    if (lf->mode == RS_DURABILITY_GROUP && lf->deleted) {
        return sync_failed(lf, rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                            "the log file was deleted and %s cannot be written "
                                            "yet: not stored", lf->path));
    }
    job->fd = own_fd ? fcntl(lf->fd, F_DUPFD_CLOEXEC, 0) : lf->fd;
    if (job->fd < 0) {
        /* No descriptor for the job (EMFILE): a sync that could not be made, as a failed one. */
        int rc = io_error(err, "dup for the fsync of", lf->path, errno);
        lf->stats.fsync_failures++;
        if (lf->mode == RS_DURABILITY_INTERVAL) lf->dirty_since_ms = rs_logfile_now_ms();
        return sync_failed(lf, rc);
    }
    job->own_fd = own_fd;
    job->target = lf->end;
    job->lines = lf->unsynced_lines;
    job->epoch = lf->sync_epoch;
    job->fsync = lf->ops.fsync;
    job->ctx = lf->ops.ctx;
    return 0;
}

int rs_logfile_sync_begin(rs_logfile *lf, rs_logfile_sync_job *job, rp_error *err)
{
    if (lf->syncing) {
        memset(job, 0, sizeof *job);
        job->fd = -1;
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "a sync of the log file is already in flight");
    }
    int rc = sync_begin(lf, job, true, err);
    if (rc == 0 && job->fd >= 0) {
        lf->syncing = true;
        /* INTERVAL: the next sync is due one interval after this one began (the lines
         * committed meanwhile get theirs within interval_ms of their commit). */
        if (lf->mode == RS_DURABILITY_INTERVAL) lf->dirty_since_ms = rs_logfile_now_ms();
    }
    return rc;
}

int rs_logfile_sync_run(const rs_logfile_sync_job *job, int *fsync_errno)
{
    int r = fsync_retrying(job->fsync, job->ctx, job->fd);
    *fsync_errno = r < 0 ? errno : 0;
    return r;
}

int rs_logfile_sync_end(rs_logfile *lf, rs_logfile_sync_job *job, int fsync_rc,
                        int fsync_errno, rp_error *err)
{
    if (job->fd < 0) return 0;
    if (job->own_fd) {
        close(job->fd);
        lf->syncing = false;
    }
    job->fd = -1;
    if (fsync_rc < 0) {
        lf->stats.fsync_failures++;
        int rc = io_error(err, "fsync", lf->path, fsync_errno);
        /* A failed one is retried one interval later. */
        if (lf->mode == RS_DURABILITY_INTERVAL) lf->dirty_since_ms = rs_logfile_now_ms();
        /* Another file, or other bytes, than the job's: its lines were dealt with already. */
        if (job->epoch != lf->sync_epoch) return rc;
        return sync_failed(lf, rc);
    }
    lf->stats.fsyncs++;
    if (job->epoch != lf->sync_epoch) return 0;
    return sync_confirm(lf, job->target, job->lines, err);
}

int rs_logfile_sync(rs_logfile *lf, rp_error *err)
{
    rs_logfile_sync_job job;
    int rc = sync_begin(lf, &job, false, err);
    if (rc < 0 || job.fd < 0) return rc;
    int e = 0;
    int r = rs_logfile_sync_run(&job, &e);
    return rs_logfile_sync_end(lf, &job, r, e, err);
}

bool rs_logfile_sync_due(const rs_logfile *lf, int64_t now_ms)
{
    return lf->mode == RS_DURABILITY_INTERVAL && !lf->syncing && lf->dirty_since_ms >= 0 &&
           now_ms >= lf->dirty_since_ms + (int64_t)lf->interval_ms;
}

/* Writes buf[0..len) to fd whole (a short write is continued). -1 with errno set on failure. */
static int write_all(rs_logfile *lf, int fd, const char *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = lf->ops.write(lf->ops.ctx, fd, buf + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* Copies [from, to) of the old descriptor (or less, if it ends sooner) to the end of the new
 * one; *copied and *lines say how much was written. -1 with errno set when a read or write
 * failed. */
static int rewrite_range(rs_logfile *lf, int old_fd, off_t from, off_t to, int new_fd,
                         off_t *copied, uint64_t *lines)
{
    *copied = 0;
    *lines = 0;
    char *buf = malloc(TAIL_CHUNK);
    if (buf == NULL) return -1;
    off_t pos = from;
    while (pos < to) {
        size_t n = to - pos > (off_t)TAIL_CHUNK ? TAIL_CHUNK : (size_t)(to - pos);
        ssize_t r = pread(old_fd, buf, n, pos);
        if (r == 0) break;
        if (r < 0 || write_all(lf, new_fd, buf, (size_t)r) < 0) {
            int e = errno;
            free(buf);
            errno = e;
            return -1;
        }
        for (ssize_t i = 0; i < r; i++) *lines += buf[i] == '\n';
        pos += r;
        *copied += r;
    }
    free(buf);
    return 0;
}

/* The file was deleted: writes the lines committed to it since the last check that found it
 * in place into the new file (fd, start bytes long), so no acknowledged line is lost. On
 * failure the new file is cut back to start and RP_E_IO returned; the caller keeps the old
 * descriptor so that the copy can be retried. *size is the new file's size after it. */
static int rewrite_deleted_lines(rs_logfile *lf, int fd, off_t start, off_t *size, rp_error *err)
{
    off_t copied = 0;
    uint64_t lines = 0;
    *size = start;
    if (lf->end <= lf->checked) return 0;
    if (rewrite_range(lf, lf->fd, lf->checked, lf->end, fd, &copied, &lines) == 0) {
        lf->stats.rewritten_lines += lines;
        *size = start + copied;
        return 0;
    }
    int e = errno;
    lf->stats.rewrite_failures++;
    /* What did reach the new file is cut off again: no torn line there either. */
    bool cut = lf->ops.ftruncate(lf->ops.ctx, fd, start) == 0;
    return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                        "copying %lld bytes of the deleted file into a new one failed (kept "
                        "open, retried%s): %s: %s",
                        (long long)(lf->end - lf->checked),
                        cut ? "" : "; cutting the part written failed", lf->path, strerror(e));
}

/* Makes the path's file (opened again) the one written. When the old one was deleted, the lines
 * not yet known to be in a file with a name, [checked, end), are copied into the new one
 * first. On failure (the open, or that copy) the old descriptor is kept with lf->deleted set
 * when it was deleted (commits are refused), and RP_E_IO returned. The copied lines are
 * confirmed by the next check (checked = where they start). GROUP leaves them unsynced: in
 * GROUP [checked, end) is [synced, end), lines not acknowledged yet, and the sync that
 * acknowledges them fsyncs them; INTERVAL fsyncs them now (they were acknowledged). */
static int switch_file(rs_logfile *lf, bool deleted, rp_error *err)
{
    struct stat st;
    int fd = -1;
    /* Until the path is open again (and the lines copied), commits are refused. */
    lf->deleted = deleted;
    int rc = open_path(lf, lf->path, true, &fd, &st, err);
    if (rc < 0) return rc;
    off_t start = st.st_size;
    if (deleted && rewrite_deleted_lines(lf, fd, start, &st.st_size, err) < 0) {
        close(fd);
        return RP_E_IO;
    }
    lf->deleted = false;
    close(lf->fd);
    lf->fd = fd;
    lf->dev = st.st_dev;
    lf->ino = st.st_ino;
    lf->regular = S_ISREG(st.st_mode);
    if (!lf->regular) start = st.st_size = 0;
    lf->end = st.st_size;
    lf->checked = start;
    lf->synced = lf->mode == RS_DURABILITY_GROUP ? start : lf->end;
    lf->torn = false;
    lf->stats.reopens++;
    lf->sync_epoch++; /* a sync job begun before is of the old file */
    if (lf->end != start && lf->mode == RS_DURABILITY_INTERVAL) {
        if (fsync_retrying(lf->ops.fsync, lf->ops.ctx, lf->fd) == 0) lf->stats.fsyncs++;
        else lf->stats.fsync_failures++;
    }
    lf->dirty_since_ms = -1;
    return 0;
}

int rs_logfile_reopen(rs_logfile *lf, rp_error *err)
{
    if (lf->path == NULL) return 0;
    if (lf->mode != RS_DURABILITY_FLUSH && rs_logfile_sync(lf, NULL) < 0) {
        /* GROUP: the unsynced lines were cut back and their replies fail; INTERVAL: counted */
    }
    struct stat old;
    bool deleted = fstat(lf->fd, &old) == 0 && old.st_nlink == 0;
    return switch_file(lf, deleted, err);
}

/* Whether the path still names our open file (and follows a truncation from outside). */
static bool still_in_place(rs_logfile *lf)
{
    struct stat cur, path;
    if (fstat(lf->fd, &cur) == 0) {
        if (lf->regular) follow_outside_truncation(lf, cur.st_size);
        if (cur.st_nlink == 0) return false;
    }
    if (stat(lf->path, &path) < 0) return false;
    return path.st_dev == lf->dev && path.st_ino == lf->ino;
}

int rs_logfile_tick(rs_logfile *lf, int64_t now_ms, bool *failed, rp_error *err)
{
    if (failed != NULL) *failed = false;
    int stream_wait = CHECK_PERIOD_MS;
    if (lf->pending_len > lf->pending_off && flush_pending(lf) < 0) {
        stream_wait = PENDING_RETRY_MS; /* EAGAIN: the next commit or tick tries again */
    }
    if (lf->path == NULL) return stream_wait;
    /* Not while a sync job is in flight: a reopen would fsync the file here and now (and a
     * GROUP caller holds the replies of its lines); the check runs once the job ended. */
    if (now_ms >= lf->next_check_ms && !lf->syncing) {
        lf->next_check_ms = now_ms + CHECK_PERIOD_MS;
        if (still_in_place(lf)) {
            /* GROUP: lines past synced are not acknowledged yet (see switch_file) */
            lf->checked = lf->mode == RS_DURABILITY_GROUP ? lf->synced : lf->end;
        } else if (rs_logfile_reopen(lf, err) < 0 && failed != NULL) {
            *failed = true;
        }
    }
    /* In flight, the job's end wakes the caller: no check is waited for until then. */
    int64_t wait = lf->syncing ? CHECK_PERIOD_MS : lf->next_check_ms - now_ms;
    if (stream_wait < wait) wait = stream_wait;
    /* In flight: the job's end sets the next due time. async_sync: the caller starts the
     * due sync itself (rs_logfile_sync_due) on its sync thread; here only the wait. */
    if (lf->mode == RS_DURABILITY_INTERVAL && lf->dirty_since_ms >= 0 && !lf->syncing) {
        int64_t due = lf->dirty_since_ms + lf->interval_ms - now_ms;
        if (due <= 0 && !lf->async_sync) {
            if (rs_logfile_sync(lf, err) < 0 && failed != NULL) *failed = true;
            /* A failed sync is retried one interval later. */
            if (lf->dirty_since_ms >= 0) lf->dirty_since_ms = now_ms;
            due = lf->interval_ms;
        }
        if (due < wait) wait = due;
    }
    return wait < 0 ? 0 : (int)wait;
}
