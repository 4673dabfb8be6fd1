/* rs_logfile: residue-server's --log-file, written so that a line it reports as stored is
 * whole in the file, and one it reports as failed left nothing behind.
 *
 * Lines are staged (rs_logfile_stage) and handed to the kernel together by rs_logfile_commit:
 * ONE write() of every staged line. A write that fails or comes up short is cut back with
 * ftruncate to the end of the last complete line, so the file never keeps a torn line, and
 * the commit fails (nothing of it is stored). If the cut itself fails, every later commit
 * retries it first and fails until it succeeds.
 *
 * Durability (what a successful commit / sync promises):
 *   RS_DURABILITY_FLUSH     commit = the lines are in the kernel (survive a crash of the
 *                           server process, not of the machine). rs_logfile_sync is a no-op.
 *   RS_DURABILITY_GROUP     commit as above; rs_logfile_sync fsyncs once for every line
 *                           committed since the last sync (the caller syncs once per poll turn
 *                           and only then releases the replies). A failed fsync cuts the file
 *                           back to the end of the last synced line and fails.
 *   RS_DURABILITY_INTERVAL  commit as FLUSH; rs_logfile_tick fsyncs at most interval_ms after
 *                           the first unsynced commit. A machine crash can lose the lines of
 *                           the last interval_ms (they were already acknowledged).
 *
 * Deletion: a line in an unlinked inode is gone at exit, so every commit (in GROUP mode instead
 * the sync, which acknowledges the turn) checks with one fstat that the file still has a name
 * (st_nlink > 0) before it reports success. A file found deleted is replaced by a new file at
 * the path, and the lines not yet confirmed in a named file (those of this commit; in GROUP
 * mode those of this turn) are copied there first, so no acknowledged line is lost. A line
 * committed while the file had a name was stored; a later deletion takes it and it is not
 * written again. When the file cannot be replaced (the path cannot be opened, e.g. its
 * directory was removed, or the copy fails, e.g. a full disk) the commit (GROUP: the sync)
 * fails, its lines are kept out of any later copy, and every later commit first tries to
 * replace the file again (so does the tick) and fails while it cannot.
 * Rotation: rs_logfile_reopen opens the path again (SIGHUP). A file found there that is not
 * the one we had open and ends inside a line holds someone else's bytes: nothing of it is cut,
 * its last line is ended with a '\n' (notice says so) before ours follow. rs_logfile_tick also notices,
 * once per check period (1 s), a file deleted (st_nlink 0) or moved (the path names another
 * inode or device, or nothing) and reopens the path. Lines committed to a moved file stay
 * there (logrotate's way: they are stored, under its new name). A moved file whose path
 * cannot be reopened is still written.
 *
 * The file is assumed to be written by this process only (its end offset is tracked), but it
 * may be truncated by someone else (logrotate's copytruncate, `: > log`): the offset after each
 * write (O_APPEND: the real end), a cut-back and the once-a-second check notice a file shorter
 * than what we wrote, say so (notice) and continue from its real end; a cut-back never
 * extends the file. A file that then ends inside a line (cut in its middle) gets a '\n' before
 * the next line, so that line is not glued to the rest of the cut one; a write that found out
 * itself is cut off again and written once more after the '\n'. Bytes appended by someone
 * else are followed the same way (not glued to; the cut-back of a failed write keeps them,
 * GROUP's cut to the last synced line after a failed fsync does not when ours came first).
 * stdout (path NULL) has no truncation, no sync and no rotation; a path that is not a regular
 * file (e.g. /dev/null, a FIFO) is never cut back or fsynced either. Such streams are written
 * non-blocking (stdout through a description of its own, see nonblocking_stdout in the .c):
 * a reader that stops reading makes commits fail instead of stopping the server. A partial
 * write to a stream fails the commit too, and its rest is written before any later line
 * (by the next commit or tick), so the reader never gets a torn line continued by another.
 * A full pipe (EAGAIN) fails the commit like any write error: nothing is reported stored.
 * FIFO: opened O_WRONLY | O_APPEND | O_NONBLOCK, never read-write (our own read end would let
 * the pipe buffer take lines no process reads). With no process reading it, rs_logfile_open
 * and rs_logfile_reopen fail (ENXIO: RP_E_IO "PATH is a FIFO that no process reads ..."; a
 * reopen keeps the old descriptor). After the last reader closed it, commits fail with EPIPE
 * (the caller must ignore SIGPIPE, as residue-server does) until a new reader opens it. A
 * committed line is in the pipe buffer while a reader has it open; one the reader never reads
 * before it exits goes to the next reader, or is lost if none comes.
 * Syncing on another thread (residue-server's sync thread, so that a slow fsync stalls no
 * connection): rs_logfile_sync_begin records what a sync covers (the end offset and line count
 * now, a dup of the descriptor, the file's sync_epoch) and marks the file `syncing`;
 * rs_logfile_sync_run (the only call meant for the other thread: it touches no rs_logfile,
 * only the job) fsyncs the dup through ops.fsync; rs_logfile_sync_end, back on the owner's
 * thread, closes the dup and does what rs_logfile_sync does after its fsync (success: synced =
 * the job's offset, which lines committed since, in INTERVAL mode, are after; GROUP's name
 * check; failure: GROUP's cut back to the last synced line). rs_logfile_sync is begin + run +
 * end on one thread. At most one job at a time (begin refuses a second); every job begun is
 * ended, also before rs_logfile_close. While one is in flight rs_logfile_tick neither checks
 * for rotation nor starts INTERVAL's fsync (both wait for the end). Anything that makes the
 * bytes the job covers no longer the file's (a reopen or replacement, a cut-back of unsynced
 * lines, a truncation from outside) moves sync_epoch, and the end of a job of another epoch
 * only counts its fsync: it confirms or takes out nothing of the file now written. A GROUP
 * caller neither commits nor reopens between begin and end (residue-server does not): the
 * replies wait for the job, and a failure must take out only the job's lines.
 * No globals; not thread-safe, except that ops.fsync may be called from the thread that runs
 * rs_logfile_sync_run (the posix ops are safe there; injected ones must be too).
 */
#ifndef RS_LOGFILE_H
#define RS_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rp_error.h"

typedef enum rs_durability {
    RS_DURABILITY_FLUSH = 0,
    RS_DURABILITY_GROUP = 1,
    RS_DURABILITY_INTERVAL = 2
} rs_durability;

/* Parses "flush", "group" or "interval" (the config key "durability"). */
RP_CHECK_RESULT int rs_durability_parse(const char *text, rs_durability *out, rp_error *err);
const char *rs_durability_name(rs_durability d);

/* The file operations, injectable so tests can fail them or cut writes short. Each behaves
 * like the POSIX call of the same name (return value and errno). notice receives what the
 * writer has to say that is no error of a call (e.g. the file was truncated by someone
 * else); NULL = one line on stderr. */
typedef struct rs_logfile_ops {
    ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
    int (*fsync)(void *ctx, int fd);
    int (*ftruncate)(void *ctx, int fd, off_t len);
    void (*notice)(void *ctx, const char *message);
    void *ctx;
} rs_logfile_ops;

/* One sync in flight (see the header comment). fd < 0: no job. */
typedef struct rs_logfile_sync_job {
    int fd;                  /* what to fsync: a dup of the log's descriptor (closed by end) */
    bool own_fd;             /* fd is a dup (false: the descriptor itself, rs_logfile_sync) */
    off_t target;            /* the file's end at begin: synced once the fsync succeeded */
    uint64_t lines;          /* the unsynced lines at begin (those before target) */
    uint64_t epoch;          /* sync_epoch at begin */
    int (*fsync)(void *ctx, int fd); /* ops.fsync and ops.ctx at begin */
    void *ctx;
} rs_logfile_sync_job;

/* Counters since open. */
typedef struct rs_logfile_stats {
    uint64_t lines;            /* lines committed */
    uint64_t commits;          /* successful commits */
    uint64_t write_failures;   /* commits that failed: write error or short write */
    uint64_t short_writes;     /* of those, short writes */
    uint64_t truncations;      /* successful cut-backs */
    uint64_t truncate_failures;
    uint64_t fsyncs, fsync_failures;
    uint64_t reopens;          /* SIGHUP or noticed rotation */
    uint64_t rewritten_lines;  /* written again after the file was deleted */
    uint64_t rewrite_failures; /* attempts to write them again that failed (retried) */
    uint64_t refused_deleted;  /* commits refused: the file was deleted, the path not reopened */
    uint64_t lines_lost_on_fsync; /* lines cut back after a failed fsync (GROUP: answered {"r":1}) */
    uint64_t outside_truncations; /* the file was found shorter than what we wrote */
} rs_logfile_stats;

typedef struct rs_logfile {
    char *path;                /* owned; NULL = stdout */
    int fd;
    dev_t dev;
    ino_t ino;
    rs_durability mode;
    uint32_t interval_ms;
    rs_logfile_ops ops;
    char *stage;               /* staged lines (owned) */
    size_t stage_len, stage_cap, stage_lines;
    off_t end;                 /* end of the last complete line we wrote */
    off_t synced;              /* end of the last line known to be fsynced (GROUP/INTERVAL) */
    uint64_t unsynced_lines;   /* lines committed after `synced` (what a failed GROUP fsync loses) */
    off_t checked;             /* lines before it are confirmed in a named file (GROUP: synced) */
    bool torn;                 /* a cut-back failed: the file may end inside a line */
    bool tail_open;            /* it ends inside a line someone else left: write '\n' first */
    bool regular;              /* a regular file (else no cut-back and no fsync) */
    bool deleted;              /* fd is unlinked and the path not reopened yet: commits fail */
    bool own_stdout;           /* fd is stdout opened again (non-blocking): closed at close */
    bool restore_stdout;       /* fd 1 was made non-blocking: stdout_flags restored at close */
    int stdout_flags;
    char *pending;             /* a stream's unwritten rest of a partial write (owned) */
    size_t pending_off, pending_len; /* pending[pending_off..pending_len) is still to write */
    int64_t dirty_since_ms;    /* first unsynced commit, -1 = none */
    int64_t next_check_ms;
    uint64_t sync_epoch;       /* moves when the bytes before `end` are replaced (see above) */
    bool syncing;              /* a job of rs_logfile_sync_begin is in flight */
    bool async_sync;           /* set by the caller: tick leaves INTERVAL's fsync to it */
    rs_logfile_stats stats;
} rs_logfile;

/* The real POSIX calls. */
extern const rs_logfile_ops rs_logfile_posix_ops;

/* The longest unfinished last line rs_logfile_open (and a reopen of the same file) cuts:
 * more than the longest line residue-server writes with the default --max-packet (a 1 MiB
 * msg, JSON-escaped at most 6 bytes a byte). */
#define RS_LOGFILE_MAX_TORN_TAIL (8u << 20)

/* Opens path for appending (created 0666 & ~umask; NULL or "-" = stdout). A file that ends
 * inside a line (a crash during a write by an earlier run) is cut back to its last line end
 * first, and notice says how many bytes were cut: that line was never acknowledged. A tail
 * without a newline longer than RS_LOGFILE_MAX_TORN_TAIL cannot be one torn line of ours:
 * RP_E_IO, the file untouched. ops NULL = rs_logfile_posix_ops. */
RP_CHECK_RESULT int rs_logfile_open(rs_logfile *lf, const char *path, rs_durability mode,
                                    uint32_t interval_ms, const rs_logfile_ops *ops,
                                    rp_error *err);

/* Flushes/syncs what the mode requires, closes, frees. NULL or a closed file is ignored. */
void rs_logfile_close(rs_logfile *lf);

/* Appends line[0..len) and '\n' to the staged lines. line must not contain '\n'.
 * RP_E_NOMEM. */
RP_CHECK_RESULT int rs_logfile_stage(rs_logfile *lf, const char *line, size_t len, rp_error *err);

/* The same without a copy: returns where up to max bytes of one line may be written (NULL:
 * out of memory); rs_logfile_stage_end(lf, n) then stages those n bytes and the '\n'. */
char *rs_logfile_stage_begin(rs_logfile *lf, size_t max);
void rs_logfile_stage_end(rs_logfile *lf, size_t n);

/* Forgets the staged lines. */
void rs_logfile_discard(rs_logfile *lf);

/* One write() of all staged lines (none: 0), then (not in GROUP mode) the check that the file
 * still has a name (see Deletion above). On failure or a short write the file is cut back and RP_E_IO is
 * returned (message with errno text); the staged lines are dropped either way. */
RP_CHECK_RESULT int rs_logfile_commit(rs_logfile *lf, rp_error *err);

/* GROUP and INTERVAL: fsync when lines were committed since the last sync (else 0). A failed
 * fsync in GROUP mode cuts the file back to the last synced line (those lines were never
 * acknowledged) and returns RP_E_IO; in INTERVAL mode it is counted and returned. GROUP also
 * checks that the file still has a name: a deleted one is replaced (the lines copied and
 * synced there), and when it cannot be, the lines are dropped as after a failed fsync. */
RP_CHECK_RESULT int rs_logfile_sync(rs_logfile *lf, rp_error *err);

/* rs_logfile_sync in three steps, for a sync on another thread (see the header comment).
 * begin: 0 with job->fd < 0 when there is nothing to sync; 0 with a job (fd >= 0, the file
 * marked syncing) to hand to rs_logfile_sync_run; < 0 when the sync failed already (GROUP: a
 * deleted file not replaced, or no descriptor for the job: as a failed fsync, the lines taken
 * out), or RP_E_ARGUMENT when a job is in flight. INTERVAL: the next sync is due one interval
 * after begin. */
RP_CHECK_RESULT int rs_logfile_sync_begin(rs_logfile *lf, rs_logfile_sync_job *job,
                                          rp_error *err);
/* fsync(job->fd) through the ops of begin, EINTR retried: 0, or -1 with the errno in
 * *fsync_errno. Thread-safe: reads the job only. */
int rs_logfile_sync_run(const rs_logfile_sync_job *job, int *fsync_errno);
/* Closes the job's descriptor and applies its result (fsync_rc, fsync_errno as returned by
 * rs_logfile_sync_run): as rs_logfile_sync after its fsync. A failed INTERVAL sync is retried
 * one interval later. job->fd < 0: nothing, 0. */
RP_CHECK_RESULT int rs_logfile_sync_end(rs_logfile *lf, rs_logfile_sync_job *job, int fsync_rc,
                                        int fsync_errno, rp_error *err);
/* INTERVAL with async_sync: whether the due fsync should be begun now (none in flight). */
bool rs_logfile_sync_due(const rs_logfile *lf, int64_t now_ms);

/* Whether rs_logfile_sync has work (GROUP: replies are waiting for it). */
bool rs_logfile_dirty(const rs_logfile *lf);

/* Closes and opens the path again (after a sync). Lines staged stay staged. When the old file
 * was deleted, the lines not yet confirmed in a named file are copied into the new file
 * first. On failure (open, or that copy) the old descriptor is kept and RP_E_IO returned;
 * the next reopen (tick: within 1 s) tries again. */
RP_CHECK_RESULT int rs_logfile_reopen(rs_logfile *lf, rp_error *err);

/* Periodic work at now_ms (monotonic, as rs_logfile_now_ms): the rotation check once per
 * second and, in INTERVAL mode, the due fsync (with async_sync: only the wait for it; both
 * wait while a sync job is in flight). Returns the milliseconds until it wants to
 * run again (0..1000). When something failed, *failed (optional) is set and err says what;
 * the work is tried again on a later tick. */
int rs_logfile_tick(rs_logfile *lf, int64_t now_ms, bool *failed, rp_error *err);

/* The monotonic clock rs_logfile uses, in milliseconds. */
int64_t rs_logfile_now_ms(void);

#endif /* RS_LOGFILE_H */
