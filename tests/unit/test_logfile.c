/* Check suite for tools/lib/rs_logfile.c: residue-server's log file writer. Writes, fsyncs
 * and truncations go through injectable operations so that each failure a disk can produce
 * (ENOSPC, a short write, a failing fsync, a failing cut) is made to happen on purpose; the
 * file itself is real and read back after every step. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/lib/rs_logfile.h"

typedef struct faults {
    int fail_writes;       /* next N writes fail with ENOSPC (nothing written) */
    int short_writes;      /* next N writes write half and return that */
    int fail_fsyncs;       /* next N fsyncs fail with EIO */
    int fail_truncates;    /* next N ftruncates fail with EIO */
    int eintr_writes;      /* next N writes fail with EINTR (a signal storm) */
    const char *unlink_after_write; /* unlinked right after the next write that succeeds: a
                                       deletion between a commit's write and its reply */
    int then_short_writes, then_fail_writes; /* short_writes and fail_writes from that unlink
                                                on (the disk the deleted file still fills) */
    int writes, fsyncs, truncates;
    int notices;
    char last_notice[512];
} faults;

static ssize_t f_write(void *ctx, int fd, const void *buf, size_t len)
{
    faults *f = ctx;
    f->writes++;
    if (f->eintr_writes > 0) {
        f->eintr_writes--;
        errno = EINTR;
        return -1;
    }
    if (f->short_writes > 0 && len > 1) { /* before fail_writes: both = part, then a full disk */
        f->short_writes--;
        return write(fd, buf, len / 2u);
    }
    if (f->fail_writes > 0) {
        f->fail_writes--;
        errno = ENOSPC;
        return -1;
    }
    ssize_t w = write(fd, buf, len);
    if (w > 0 && f->unlink_after_write != NULL) {
        ck_assert_int_eq(unlink(f->unlink_after_write), 0);
        f->unlink_after_write = NULL;
        f->short_writes = f->then_short_writes;
        f->fail_writes = f->then_fail_writes;
    }
    return w;
}

static int f_fsync(void *ctx, int fd)
{
    faults *f = ctx;
    f->fsyncs++;
    if (f->fail_fsyncs > 0) {
        f->fail_fsyncs--;
        errno = EIO;
        return -1;
    }
    return fsync(fd);
}

static int f_ftruncate(void *ctx, int fd, off_t len)
{
    faults *f = ctx;
    f->truncates++;
    if (f->fail_truncates > 0) {
        f->fail_truncates--;
        errno = EIO;
        return -1;
    }
    return ftruncate(fd, len);
}

static void f_notice(void *ctx, const char *message)
{
    faults *f = ctx;
    f->notices++;
    snprintf(f->last_notice, sizeof f->last_notice, "%s", message);
}

static char dir[64];
static char path[128];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/rproto-logfile.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/log.jsonl", dir);
}

static void remove_dir(void)
{
    char p[160];
    const char *names[] = {"log.jsonl", "moved.jsonl", "log.fifo"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* The whole file as a string (static buffer). */
static const char *slurp(const char *p)
{
    static char buf[65536];
    FILE *f = fopen(p, "rb");
    if (f == NULL) return "(missing)";
    size_t n = fread(buf, 1, sizeof buf - 1u, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void put(rs_logfile *lf, const char *line)
{
    ck_assert_int_eq(rs_logfile_stage(lf, line, strlen(line), NULL), 0);
}

static rs_logfile_ops ops_for(faults *f)
{
    rs_logfile_ops o = {f_write, f_fsync, f_ftruncate, f_notice, f};
    return o;
}

START_TEST(commit_is_one_write_of_whole_lines)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    put(&lf, "{\"a\":1}");
    put(&lf, "{\"a\":2}");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(f.writes, 1);
    ck_assert_str_eq(slurp(path), "{\"a\":1}\n{\"a\":2}\n");
    ck_assert_uint_eq(lf.stats.lines, 2);
    /* Nothing staged: no write at all. */
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(f.writes, 1);
    /* Discarded lines never reach the file. */
    put(&lf, "dropped");
    rs_logfile_discard(&lf);
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "{\"a\":1}\n{\"a\":2}\n");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

START_TEST(short_and_failed_writes_leave_no_torn_line)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    put(&lf, "first");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    /* Disk full in the middle of the write: half lands, is cut off again, commit fails. */
    f.short_writes = 1;
    put(&lf, "second line that will not fit");
    rp_error e;
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert(strstr(e.message, "cut back") != NULL);
    ck_assert_str_eq(slurp(path), "first\n");
    ck_assert_uint_eq(lf.stats.short_writes, 1);
    ck_assert_uint_eq(lf.stats.truncations, 1);
    /* Disk full before anything is written. */
    f.fail_writes = 1;
    put(&lf, "third");
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert(strstr(e.message, "No space left") != NULL);
    ck_assert_str_eq(slurp(path), "first\n");
    ck_assert_uint_eq(lf.stats.write_failures, 2);
    /* Space is back: the next line is appended after a complete line, not a torn one. */
    put(&lf, "fourth");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "first\nfourth\n");
    /* The cut itself fails: every commit fails until it succeeds, then all is well. */
    f.short_writes = 1;
    f.fail_truncates = 2;
    put(&lf, "fifth, torn");
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert(lf.torn);
    /* The message says the cut failed, not that it was done. */
    ck_assert(strstr(e.message, "(cut back)") == NULL);
    ck_assert(strstr(e.message, "cutting back failed: Input/output error") != NULL);
    put(&lf, "sixth");
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert(strstr(e.message, "cannot cut") != NULL);
    put(&lf, "seventh");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "first\nfourth\nseventh\n");
    ck_assert_uint_eq(lf.stats.truncate_failures, 2);
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

START_TEST(group_sync_failure_takes_the_lines_out)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_GROUP, 0, &o, NULL), 0);
    ck_assert(!rs_logfile_dirty(&lf));
    put(&lf, "a");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    put(&lf, "b");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert(rs_logfile_dirty(&lf));
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_int_eq(f.fsyncs, 1); /* one fsync for both commits */
    ck_assert(!rs_logfile_dirty(&lf));
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_int_eq(f.fsyncs, 1); /* nothing new: no fsync */
    put(&lf, "c");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    f.fail_fsyncs = 1;
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), RP_E_IO);
    ck_assert_str_eq(slurp(path), "a\nb\n");
    ck_assert_uint_eq(lf.stats.fsync_failures, 1);
    ck_assert_uint_eq(lf.stats.lines_lost_on_fsync, 1); /* "c" */
    put(&lf, "d");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "a\nb\nd\n");
    ck_assert_uint_eq(lf.stats.lines_lost_on_fsync, 1);
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

START_TEST(interval_syncs_on_tick)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_INTERVAL, 200, &o, NULL), 0);
    put(&lf, "a");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    int64_t t = lf.dirty_since_ms;
    ck_assert_int_ge(t, 0);
    bool failed = true;
    int wait = rs_logfile_tick(&lf, t + 50, &failed, NULL);
    ck_assert(!failed);
    ck_assert_int_eq(f.fsyncs, 0);
    ck_assert_int_le(wait, 150);
    /* A failing fsync keeps the line (it was acknowledged) and is retried. */
    f.fail_fsyncs = 1;
    (void)rs_logfile_tick(&lf, t + 200, &failed, NULL);
    ck_assert(failed);
    ck_assert_str_eq(slurp(path), "a\n");
    (void)rs_logfile_tick(&lf, t + 400, &failed, NULL);
    ck_assert(!failed);
    ck_assert_int_eq(f.fsyncs, 2);
    ck_assert(!rs_logfile_dirty(&lf));
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

START_TEST(open_cuts_a_torn_tail)
{
    make_dir();
    FILE *w = fopen(path, "wb");
    fputs("{\"ok\":1}\n{\"torn", w);
    fclose(w);
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    ck_assert_str_eq(slurp(path), "{\"ok\":1}\n");
    put(&lf, "{\"next\":2}");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "{\"ok\":1}\n{\"next\":2}\n");
    rs_logfile_close(&lf);
    /* A file of one torn line becomes empty. */
    w = fopen(path, "wb");
    fputs("no newline at all", w);
    fclose(w);
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    ck_assert_str_eq(slurp(path), "");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

START_TEST(moved_file_is_noticed_and_the_path_reopened)
{
    make_dir();
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, NULL, NULL), 0);
    put(&lf, "one");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    char moved[160];
    snprintf(moved, sizeof moved, "%s/moved.jsonl", dir);
    ck_assert_int_eq(rename(path, moved), 0);
    put(&lf, "two"); /* before the check: goes to the moved file, which is not lost */
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    bool failed = true;
    int wait = rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, NULL);
    ck_assert(!failed);
    ck_assert_int_le(wait, 1000);
    ck_assert_uint_eq(lf.stats.reopens, 1);
    put(&lf, "three");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(moved), "one\ntwo\n");
    ck_assert_str_eq(slurp(path), "three\n");
    /* Unchanged path: a tick does not reopen. */
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 5000, &failed, NULL);
    ck_assert_uint_eq(lf.stats.reopens, 1);
    /* SIGHUP's reopen after a move done by logrotate. */
    ck_assert_int_eq(rename(path, moved), 0);
    ck_assert_int_eq(rs_logfile_reopen(&lf, NULL), 0);
    put(&lf, "four");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(moved), "three\n");
    ck_assert_str_eq(slurp(path), "four\n");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* Lines committed after the file was deleted are moved into a new file at the path before the
 * commit returns (before their reply), not by the tick up to a second later. A line committed
 * while the file had a name was stored; the deletion took it, and it is not written again. */
START_TEST(lines_committed_to_a_deleted_file_are_moved_before_the_reply)
{
    make_dir();
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, NULL, NULL), 0);
    put(&lf, "stored, then deleted with the file");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(unlink(path), 0);
    put(&lf, "into the deleted file 1");
    put(&lf, "into the deleted file 2");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_uint_eq(lf.stats.reopens, 1);
    ck_assert_uint_eq(lf.stats.rewritten_lines, 2);
    ck_assert_str_eq(slurp(path), "into the deleted file 1\ninto the deleted file 2\n");
    bool failed = true;
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, NULL);
    ck_assert(!failed);
    ck_assert_uint_eq(lf.stats.reopens, 1);
    put(&lf, "new");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "into the deleted file 1\ninto the deleted file 2\nnew\n");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* The file is deleted between a commit's write and its reply (injected right after the
 * write): the line is in the new file when the commit returns, for every durability setting
 * (GROUP's reply waits for the sync, which checks again). */
START_TEST(deletion_between_write_and_reply_loses_nothing)
{
    const rs_durability modes[] = {RS_DURABILITY_FLUSH, RS_DURABILITY_INTERVAL,
                                   RS_DURABILITY_GROUP};
    for (size_t m = 0; m < 3; m++) {
        make_dir();
        faults f = {0};
        rs_logfile_ops o = ops_for(&f);
        rs_logfile lf;
        ck_assert_int_eq(rs_logfile_open(&lf, path, modes[m], 0, &o, NULL), 0);
        put(&lf, "before");
        ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
        ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
        f.unlink_after_write = path;
        put(&lf, "raced");
        ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
        ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
        ck_assert_msg(strcmp(slurp(path), "raced\n") == 0, "%s: '%s'",
                      rs_durability_name(modes[m]), slurp(path));
        ck_assert_uint_eq(lf.stats.reopens, 1);
        rs_logfile_close(&lf);
        remove_dir();
    }
    /* GROUP: deleted between the commit and the sync that acknowledges it. */
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_GROUP, 0, &o, NULL), 0);
    put(&lf, "turn");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "turn\n");
    ck_assert_int_eq(f.fsyncs, 2); /* the deleted file, then the new one */
    ck_assert(!rs_logfile_dirty(&lf));
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* logrotate's copytruncate (or `: > log`) empties the file behind the writer's back; a
 * failing write after that must be cut back to the real end, not to the stale one (which
 * would extend the file with zeros and keep the torn line). */
START_TEST(truncation_from_outside_is_followed_not_extended)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    put(&lf, "before the copy 1");
    put(&lf, "before the copy 2");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(truncate(path, 0), 0);
    f.short_writes = 1;
    put(&lf, "torn by a full disk");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), RP_E_IO);
    ck_assert_str_eq(slurp(path), "");
    ck_assert_int_eq(f.notices, 1);
    ck_assert(strstr(f.last_notice, "truncated by someone else") != NULL);
    put(&lf, "after");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "after\n");
    /* Truncated again, then a successful write: the end follows, so a later cut is right. */
    ck_assert_int_eq(truncate(path, 0), 0);
    put(&lf, "x");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    f.short_writes = 1;
    put(&lf, "torn again");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), RP_E_IO);
    ck_assert_str_eq(slurp(path), "x\n");
    /* The once-a-second check notices it too (nothing written since). */
    ck_assert_int_eq(truncate(path, 0), 0);
    int before = f.notices;
    bool failed = true;
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, NULL);
    ck_assert(!failed);
    ck_assert_int_eq(f.notices, before + 1);
    ck_assert_int_eq(lf.end, 0);
    ck_assert_uint_eq(lf.stats.outside_truncations, 3);
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* `truncate -s 30` while the server runs cuts a line in the middle: the next line starts on a
 * line of its own instead of being glued to the rest of the cut one (which is left as it is),
 * whether the write finds out itself (its lines are taken back and written after a '\n') or the
 * once-a-second check did first. A cut at a line end adds no empty line. */
START_TEST(truncation_to_the_middle_of_a_line_starts_the_next_on_a_new_line)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    put(&lf, "{\"n\":1,\"pad\":\"aaaa\"}"); /* 20 bytes and '\n' */
    put(&lf, "{\"n\":2,\"pad\":\"bbbbbbbbbbbb\"}");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(truncate(path, 30), 0);
    put(&lf, "{\"n\":3}");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "{\"n\":1,\"pad\":\"aaaa\"}\n{\"n\":2,\"p\n{\"n\":3}\n");
    ck_assert_msg(strstr(f.last_notice, "on a new line") != NULL, "%s", f.last_notice);
    ck_assert_int_eq(f.writes, 3); /* the commit, the glued write, the one after a '\n' */
    /* Found by the check first: the write starts with the '\n', nothing is taken back. */
    ck_assert_int_eq(truncate(path, 33), 0);
    bool failed = true;
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, NULL);
    ck_assert(!failed);
    put(&lf, "{\"n\":4}");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(f.writes, 4);
    ck_assert_str_eq(slurp(path), "{\"n\":1,\"pad\":\"aaaa\"}\n{\"n\":2,\"p\n{\"\n{\"n\":4}\n");
    /* A cut at a line end: no empty line. */
    ck_assert_int_eq(truncate(path, 21), 0);
    put(&lf, "{\"n\":5}");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "{\"n\":1,\"pad\":\"aaaa\"}\n{\"n\":5}\n");
    ck_assert_uint_eq(lf.stats.outside_truncations, 3);
    rs_logfile_close(&lf);
    remove_dir();

    /* GROUP: a failed fsync cuts back to the last synced line, which is where the cut line's
     * rest ends: the line after that still starts on a new one. */
    make_dir();
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_GROUP, 0, &o, NULL), 0);
    put(&lf, "synced");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_int_eq(truncate(path, 3), 0);
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, NULL);
    put(&lf, "not synced");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    f.fail_fsyncs = 1;
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), RP_E_IO);
    ck_assert_str_eq(slurp(path), "syn");
    put(&lf, "next");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "syn\nnext\n");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* Someone else appends to the file (an operator's `printf ... >> log`): our next line starts on
 * a line of its own when theirs has no newline, and a later cut-back keeps their bytes and our
 * lines (going by our own count, it cut into our last acknowledged line). */
START_TEST(outside_write_is_kept_and_not_glued_to)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    put(&lf, "ours 1");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    FILE *w = fopen(path, "ab");
    fputs("theirs", w);
    fclose(w);
    put(&lf, "ours 2");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "ours 1\ntheirs\nours 2\n");
    f.short_writes = 1;
    put(&lf, "ours 3, torn by a full disk");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), RP_E_IO);
    ck_assert_str_eq(slurp(path), "ours 1\ntheirs\nours 2\n");
    put(&lf, "ours 4");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "ours 1\ntheirs\nours 2\nours 4\n");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* GROUP: the file is emptied from outside between the sync and a commit whose fsync fails:
 * the cut back to the last synced line must not extend the file. */
START_TEST(group_sync_failure_after_outside_truncation_does_not_extend)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_GROUP, 0, &o, NULL), 0);
    put(&lf, "synced line");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_int_eq(truncate(path, 0), 0);
    put(&lf, "unsynced");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    f.fail_fsyncs = 1;
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), RP_E_IO);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    /* Truncated between the commit and the failing fsync: nothing is cut, nothing extended. */
    put(&lf, "a");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    put(&lf, "b");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(truncate(path, 0), 0);
    f.fail_fsyncs = 1;
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), RP_E_IO);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* The disk is full when the lines committed to a deleted file are copied into the new one (the
 * deleted inode still holds its space): the commit fails ({"r":1}), the half copied is cut off
 * the new file again, commits are refused until the tick replaces the file, and the refused
 * lines never reach it. GROUP: the same at the sync, which fails the turn's replies. */
START_TEST(full_disk_while_replacing_a_deleted_file_refuses_the_lines)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    put(&lf, "stored");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    f.unlink_after_write = path;
    f.then_short_writes = 1;
    f.then_fail_writes = 1;
    put(&lf, "refused 1");
    put(&lf, "refused 2");
    rp_error e;
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert_msg(strstr(e.message, "deleted") != NULL && strstr(e.message, "No space left"),
                  "%s", e.message);
    ck_assert_uint_eq(lf.stats.rewrite_failures, 1);
    ck_assert_uint_eq(lf.stats.refused_deleted, 1);
    ck_assert_uint_eq(lf.stats.write_failures, 1);
    ck_assert_uint_eq(lf.stats.lines, 1);
    ck_assert_str_eq(slurp(path), ""); /* the half copied was cut off again */
    /* the disk has room again: the next commit replaces the file first (no tick needed), and
     * the refused lines are not in what it copies */
    put(&lf, "new");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_uint_eq(lf.stats.refused_deleted, 1);
    ck_assert_uint_eq(lf.stats.reopens, 1);
    ck_assert_uint_eq(lf.stats.rewritten_lines, 0);
    ck_assert_str_eq(slurp(path), "new\n");
    bool failed = true;
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, &e);
    ck_assert(!failed);
    ck_assert_uint_eq(lf.stats.reopens, 1);
    rs_logfile_close(&lf);
    remove_dir();

    make_dir();
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_GROUP, 0, &o, NULL), 0);
    put(&lf, "synced");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    put(&lf, "this turn");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(unlink(path), 0);
    f.short_writes = 1;
    f.fail_writes = 1;
    ck_assert_int_eq(rs_logfile_sync(&lf, &e), RP_E_IO);
    ck_assert_msg(strstr(e.message, "deleted file") != NULL, "%s", e.message);
    ck_assert(!rs_logfile_dirty(&lf));
    /* the next turn's commit replaces the file (the failed turn's lines are not copied) */
    put(&lf, "next turn");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "next turn\n");
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, &e);
    ck_assert(!failed);
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* The log directory is removed: the file cannot be replaced, so commits fail (a line only in
 * the unlinked inode would be gone at exit) until the path can be opened again, the first one
 * already (its commit checks). Nothing acknowledged is lost, so close has nothing to report. */
START_TEST(deleted_file_that_cannot_be_replaced_refuses_commits)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    bool failed = true;
    int64_t now = rs_logfile_now_ms() + 1500;
    (void)rs_logfile_tick(&lf, now, &failed, NULL); /* in place */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    put(&lf, "while the directory is gone");
    rp_error e;
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert_msg(strstr(e.message, "deleted, not replaced: open") != NULL, "%s", e.message);
    ck_assert_uint_eq(lf.stats.refused_deleted, 1);
    ck_assert_uint_eq(lf.stats.write_failures, 1);
    (void)rs_logfile_tick(&lf, now + 1500, &failed, NULL);
    ck_assert(failed);
    put(&lf, "still gone");
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert(strstr(e.message, "deleted") != NULL);
    ck_assert_uint_eq(lf.stats.refused_deleted, 2);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    /* the path can take a file again: the next commit replaces it, no tick needed */
    put(&lf, "after");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "after\n");
    (void)rs_logfile_tick(&lf, now + 3000, &failed, NULL);
    ck_assert(!failed);
    ck_assert_uint_eq(lf.stats.rewritten_lines, 0);
    rs_logfile_close(&lf);
    /* Never replaced: the line was refused, so no acknowledged line is lost at close. */
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    put(&lf, "refused");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), RP_E_IO);
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms() + 1500, &failed, NULL);
    ck_assert(failed);
    f.notices = 0;
    rs_logfile_close(&lf);
    ck_assert_int_eq(f.notices, 0);
}
END_TEST

/* An unfinished last line is cut with a word on how much; a tail longer than any line of
 * ours (RS_LOGFILE_MAX_TORN_TAIL) is not a torn write of ours: the open fails, the file is
 * left as it is. */
START_TEST(open_says_what_it_cuts_and_refuses_a_foreign_tail)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    FILE *w = fopen(path, "wb");
    fputs("first line\nsecond line, no newline", w);
    fclose(w);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    ck_assert_str_eq(slurp(path), "first line\n");
    ck_assert_int_eq(f.notices, 1);
    ck_assert(strstr(f.last_notice, "cut the 23 bytes after its last line end (offset 11)") !=
              NULL);
    rs_logfile_close(&lf);
    /* One byte more than a torn line of ours can be, after a line and without one. */
    for (int with_line = 0; with_line < 2; with_line++) {
        w = fopen(path, "wb");
        if (with_line) fputs("a line\n", w);
        for (size_t i = 0; i <= RS_LOGFILE_MAX_TORN_TAIL; i++) fputc('x', w);
        fclose(w);
        off_t size = (off_t)RS_LOGFILE_MAX_TORN_TAIL + 1 + (with_line ? 7 : 0);
        rp_error e;
        ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, &e), RP_E_IO);
        ck_assert(strstr(e.message, "no newline in its last") != NULL);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_size, size);
    }
    /* Exactly the bound is still cut. */
    w = fopen(path, "wb");
    fputs("a line\n", w);
    for (size_t i = 0; i < RS_LOGFILE_MAX_TORN_TAIL - 1u; i++) fputc('x', w);
    fclose(w);
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    ck_assert_str_eq(slurp(path), "a line\n");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* A reopen that finds another file at the path keeps all of its bytes: an unfinished last
 * line there is someone else's (we never leave one in a file we write), so it is ended with a
 * '\n', not cut. Our own file, opened again in place, is ours: nothing is added to it. */
START_TEST(reopen_keeps_a_foreign_unfinished_line)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    put(&lf, "ours");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    char moved[160];
    snprintf(moved, sizeof moved, "%s/moved.jsonl", dir);
    ck_assert_int_eq(rename(path, moved), 0);
    FILE *w = fopen(path, "wb");
    fputs("theirs\nhalf of theirs", w);
    fclose(w);
    ck_assert_int_eq(rs_logfile_reopen(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "theirs\nhalf of theirs\n");
    ck_assert(strstr(f.last_notice, "ended inside a line someone else wrote (offset 21)") != NULL);
    put(&lf, "next");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "theirs\nhalf of theirs\nnext\n");
    ck_assert_str_eq(slurp(moved), "ours\n");
    /* in place (SIGHUP, no rotation): the same file, as it was */
    int notices = f.notices;
    ck_assert_int_eq(rs_logfile_reopen(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "theirs\nhalf of theirs\nnext\n");
    ck_assert_int_eq(f.notices, notices);
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

static char fifo[160];

/* A FIFO in the test directory and a non-blocking reader of it. */
static int make_fifo_with_reader(void)
{
    snprintf(fifo, sizeof fifo, "%s/log.fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    int r = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(r, 0);
    return r;
}

/* What the reader can read now, as a string (static buffer). */
static const char *drain(int r)
{
    static char buf[1 << 20];
    size_t n = 0;
    ssize_t got;
    while (n < sizeof buf - 1u && (got = read(r, buf + n, sizeof buf - 1u - n)) > 0) {
        n += (size_t)got;
    }
    buf[n] = '\0';
    return buf;
}

/* Commits 4 KiB lines until one fails (at most 200: 800 KiB, far more than a pipe holds). */
static int commit_until_refused(rs_logfile *lf, rp_error *e)
{
    static char line[4095];
    memset(line, 'x', sizeof line);
    for (int i = 0; i < 200; i++) {
        ck_assert_int_eq(rs_logfile_stage(lf, line, sizeof line, NULL), 0);
        int rc = rs_logfile_commit(lf, e);
        if (rc != 0) return rc;
    }
    return 0;
}

/* A FIFO nobody reads: the commit fails ({"r":1}) instead of blocking the whole server, and
 * succeeds again once the reader reads. (The old code blocked in write(): a timeout here.) */
START_TEST(fifo_whose_reader_stops_fails_commits_instead_of_blocking)
{
    make_dir();
    int r = make_fifo_with_reader();
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, fifo, RS_DURABILITY_FLUSH, 0, NULL, NULL), 0);
    rp_error e;
    ck_assert_int_eq(commit_until_refused(&lf, &e), RP_E_IO);
    ck_assert(strstr(e.message, "Resource temporarily unavailable") != NULL);
    const char *got = drain(r);
    ck_assert_uint_eq(strlen(got) % 4096u, 0); /* whole lines only */
    put(&lf, "after");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(drain(r), "after\n");
    rs_logfile_close(&lf);
    close(r);
    remove_dir();
}
END_TEST

/* A FIFO that no process reads is refused at open (and at a reopen, which keeps the old
 * descriptor), instead of being opened read-write by us, whose pipe buffer would then take
 * (and acknowledge) lines nobody reads. A reader that goes away makes the next commit fail
 * with EPIPE: nothing reported stored, nothing left in the pipe for a later reader. */
START_TEST(fifo_without_reader_stores_nothing)
{
    signal(SIGPIPE, SIG_IGN); /* as residue-server does */
    make_dir();
    snprintf(fifo, sizeof fifo, "%s/log.fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    rs_logfile lf;
    rp_error e;
    ck_assert_int_eq(rs_logfile_open(&lf, fifo, RS_DURABILITY_FLUSH, 0, NULL, &e), RP_E_IO);
    ck_assert_msg(strstr(e.message, "is a FIFO that no process reads") != NULL, "%s",
                  e.message);
    ck_assert_ptr_null(lf.path);
    struct stat st;
    ck_assert_int_eq(stat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    /* With a reader: stored while it reads. */
    int r = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(r, 0);
    ck_assert_int_eq(rs_logfile_open(&lf, fifo, RS_DURABILITY_FLUSH, 0, NULL, NULL), 0);
    put(&lf, "read");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(drain(r), "read\n");
    /* The reader goes away: the commit fails, not counted as stored. */
    close(r);
    put(&lf, "nobody reads this");
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert_msg(strstr(e.message, "Broken pipe") != NULL, "%s", e.message);
    ck_assert_uint_eq(lf.stats.lines, 1);
    ck_assert_uint_eq(lf.stats.write_failures, 1);
    /* A reopen (SIGHUP) without a reader is refused the same way; the old descriptor stays. */
    ck_assert_int_eq(rs_logfile_reopen(&lf, &e), RP_E_IO);
    ck_assert_msg(strstr(e.message, "is a FIFO that no process reads") != NULL, "%s",
                  e.message);
    /* A new reader gets none of the refused line, only what comes after it. */
    r = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(r, 0);
    ck_assert_str_eq(drain(r), "");
    put(&lf, "after");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(drain(r), "after\n");
    ck_assert_uint_eq(lf.stats.lines, 2);
    ck_assert_int_eq(rs_logfile_reopen(&lf, NULL), 0);
    put(&lf, "reopened");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(drain(r), "reopened\n");
    rs_logfile_close(&lf);
    close(r);
    remove_dir();
}
END_TEST

/* A stream that takes only part of a commit cannot be cut back: the commit fails and the rest
 * of the line is written before anything else, so the reader never sees a torn line that the
 * next one continues; a tick finishes it too when no commit comes. */
START_TEST(partial_stream_write_is_finished_before_the_next_line)
{
    make_dir();
    int r = make_fifo_with_reader();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, fifo, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    f.short_writes = 1;
    put(&lf, "first line");
    put(&lf, "second");
    rp_error e;
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert(strstr(e.message, "only 9 of 18 bytes") != NULL);
    ck_assert_str_eq(drain(r), "first lin");
    put(&lf, "third");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_str_eq(drain(r), "e\nsecond\nthird\n");
    f.short_writes = 1;
    put(&lf, "fourth");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), RP_E_IO);
    bool failed = true;
    (void)rs_logfile_tick(&lf, rs_logfile_now_ms(), &failed, NULL);
    ck_assert(!failed);
    ck_assert_str_eq(drain(r), "fourth\n");
    rs_logfile_close(&lf);
    close(r);
    remove_dir();
}
END_TEST

/* Signals arriving over and over must not keep a commit in write() forever. */
START_TEST(stream_write_does_not_retry_eintr_forever)
{
    make_dir();
    int r = make_fifo_with_reader();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, fifo, RS_DURABILITY_FLUSH, 0, &o, NULL), 0);
    f.eintr_writes = 1000000;
    put(&lf, "line");
    rp_error e;
    ck_assert_int_eq(rs_logfile_commit(&lf, &e), RP_E_IO);
    ck_assert(strstr(e.message, "Interrupted") != NULL);
    ck_assert_int_le(f.writes, 10);
    f.eintr_writes = 0;
    rs_logfile_close(&lf);
    close(r);
    remove_dir();
}
END_TEST

/* stdout piped to a reader that stops: commits fail instead of blocking, and the pipe's
 * shared file description (the parent's too) is not made non-blocking. */
START_TEST(stdout_pipe_gets_a_description_of_its_own)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, NULL, RS_DURABILITY_FLUSH, 0, NULL, NULL), 0);
    rp_error e;
    int rc = commit_until_refused(&lf, &e);
    int flags = fcntl(STDOUT_FILENO, F_GETFL);
    rs_logfile_close(&lf);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    ck_assert_int_eq(rc, RP_E_IO);
    ck_assert(strstr(e.message, "(stdout)") != NULL);
    ck_assert_int_eq(flags & O_NONBLOCK, 0);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* Closing a zeroed rs_logfile that was never opened (a caller's clean-up after an early
 * failure) leaves fd 1's flags alone. */
START_TEST(closing_a_never_opened_logfile_leaves_stdout_alone)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    int before = fcntl(STDOUT_FILENO, F_GETFL);
    ck_assert_int_eq(fcntl(STDOUT_FILENO, F_SETFL, before | O_NONBLOCK), 0);
    rs_logfile lf;
    memset(&lf, 0, sizeof lf);
    rs_logfile_close(&lf);
    int after = fcntl(STDOUT_FILENO, F_GETFL);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(p[0]);
    close(p[1]);
    ck_assert_int_ne(after & O_NONBLOCK, 0);
}
END_TEST

/* The sync split for another thread (begin, run, end), GROUP: success confirms the job's
 * lines and closes its descriptor (a dup, so a reopen cannot race it); a failed fsync takes
 * the job's lines out as rs_logfile_sync does; one job at a time. */
START_TEST(group_sync_in_three_steps)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_GROUP, 0, &o, NULL), 0);
    rs_logfile_sync_job job;
    ck_assert_int_eq(rs_logfile_sync_begin(&lf, &job, NULL), 0);
    ck_assert_int_lt(job.fd, 0); /* nothing to sync */
    ck_assert(!lf.syncing);
    put(&lf, "a");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    put(&lf, "b");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync_begin(&lf, &job, NULL), 0);
    ck_assert_int_ge(job.fd, 0);
    ck_assert_int_ne(job.fd, lf.fd);
    ck_assert(lf.syncing);
    ck_assert_int_eq(job.target, 4);
    ck_assert_uint_eq(job.lines, 2);
    rs_logfile_sync_job second;
    rp_error e;
    ck_assert_int_eq(rs_logfile_sync_begin(&lf, &second, &e), RP_E_ARGUMENT);
    ck_assert_int_lt(second.fd, 0);
    int fe = -1;
    ck_assert_int_eq(rs_logfile_sync_run(&job, &fe), 0);
    ck_assert_int_eq(fe, 0);
    ck_assert_int_eq(f.fsyncs, 1);
    int dup_fd = job.fd;
    ck_assert_int_eq(rs_logfile_sync_end(&lf, &job, 0, 0, NULL), 0);
    ck_assert(!lf.syncing);
    ck_assert_int_lt(job.fd, 0);
    errno = 0;
    ck_assert_int_eq(fcntl(dup_fd, F_GETFD), -1); /* the dup is closed */
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(lf.synced, 4);
    ck_assert_uint_eq(lf.unsynced_lines, 0);
    ck_assert(!rs_logfile_dirty(&lf));
    ck_assert_uint_eq(lf.stats.fsyncs, 1);
    /* A failed fsync: the job's line is taken out again, counted lost. */
    put(&lf, "c");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync_begin(&lf, &job, NULL), 0);
    dup_fd = job.fd;
    f.fail_fsyncs = 1;
    ck_assert_int_eq(rs_logfile_sync_run(&job, &fe), -1);
    ck_assert_int_eq(fe, EIO);
    ck_assert_int_eq(rs_logfile_sync_end(&lf, &job, -1, fe, &e), RP_E_IO);
    ck_assert(strstr(e.message, "fsync") != NULL);
    ck_assert(strstr(e.message, strerror(EIO)) != NULL);
    ck_assert_int_eq(fcntl(dup_fd, F_GETFD), -1);
    ck_assert(!lf.syncing);
    ck_assert_str_eq(slurp(path), "a\nb\n");
    ck_assert_uint_eq(lf.stats.fsync_failures, 1);
    ck_assert_uint_eq(lf.stats.lines_lost_on_fsync, 1);
    ck_assert(!rs_logfile_dirty(&lf));
    /* The next turn is stored and synced as usual. */
    put(&lf, "d");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
    ck_assert_str_eq(slurp(path), "a\nb\nd\n");
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* INTERVAL: lines committed while a job is in flight are not confirmed by it (synced = the
 * job's offset); with async_sync the tick leaves the due fsync to the caller and waits for
 * nothing while one is in flight; a failed job keeps the line and is due again. */
START_TEST(interval_commit_during_a_sync_stays_unsynced)
{
    make_dir();
    faults f = {0};
    rs_logfile_ops o = ops_for(&f);
    rs_logfile lf;
    ck_assert_int_eq(rs_logfile_open(&lf, path, RS_DURABILITY_INTERVAL, 200, &o, NULL), 0);
    lf.async_sync = true;
    put(&lf, "a");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    int64_t t = lf.dirty_since_ms;
    bool failed = true;
    ck_assert(!rs_logfile_sync_due(&lf, t + 199));
    ck_assert(rs_logfile_sync_due(&lf, t + 200));
    ck_assert_int_eq(rs_logfile_tick(&lf, t + 200, &failed, NULL), 0);
    ck_assert_int_eq(f.fsyncs, 0); /* left to the caller */
    rs_logfile_sync_job job;
    ck_assert_int_eq(rs_logfile_sync_begin(&lf, &job, NULL), 0);
    ck_assert_int_ge(job.fd, 0);
    ck_assert(!rs_logfile_sync_due(&lf, t + 100000)); /* one in flight */
    put(&lf, "bb");
    ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
    ck_assert_int_eq(rs_logfile_tick(&lf, t + 100000, &failed, NULL), 1000);
    ck_assert(!failed);
    int fe = 0;
    ck_assert_int_eq(rs_logfile_sync_run(&job, &fe), 0);
    ck_assert_int_eq(rs_logfile_sync_end(&lf, &job, 0, 0, NULL), 0);
    ck_assert_int_eq(lf.synced, 2);   /* "a\n": the job's target, not the end */
    ck_assert_int_eq(lf.end, 5);
    ck_assert_uint_eq(lf.unsynced_lines, 1);
    ck_assert(rs_logfile_dirty(&lf));
    ck_assert_int_ge(lf.dirty_since_ms, 0); /* "bb" is due one interval after the begin */
    /* A failed job: the line stays (it was acknowledged), due again an interval later. */
    ck_assert_int_eq(rs_logfile_sync_begin(&lf, &job, NULL), 0);
    f.fail_fsyncs = 1;
    ck_assert_int_eq(rs_logfile_sync_run(&job, &fe), -1);
    int64_t before = rs_logfile_now_ms();
    ck_assert_int_eq(rs_logfile_sync_end(&lf, &job, -1, fe, NULL), RP_E_IO);
    ck_assert_int_ge(lf.dirty_since_ms, before);
    ck_assert(!rs_logfile_sync_due(&lf, before + 100));
    ck_assert_str_eq(slurp(path), "a\nbb\n");
    ck_assert_uint_eq(lf.stats.fsync_failures, 1);
    ck_assert_uint_eq(lf.stats.lines_lost_on_fsync, 0);
    ck_assert_int_eq(rs_logfile_sync_begin(&lf, &job, NULL), 0);
    ck_assert_int_eq(rs_logfile_sync_run(&job, &fe), 0);
    ck_assert_int_eq(rs_logfile_sync_end(&lf, &job, 0, 0, NULL), 0);
    ck_assert(!rs_logfile_dirty(&lf));
    ck_assert_int_lt(lf.dirty_since_ms, 0);
    ck_assert_uint_eq(lf.stats.fsyncs, 2);
    rs_logfile_close(&lf);
    remove_dir();
}
END_TEST

/* A reopen between begin and end: the job was of the old file, its end does not move the new
 * file's synced (its offset means nothing there) and still closes its descriptor. */
START_TEST(reopen_during_a_sync_leaves_the_new_file_alone)
{
    const rs_durability modes[] = {RS_DURABILITY_INTERVAL, RS_DURABILITY_GROUP};
    for (size_t m = 0; m < 2; m++) {
        make_dir();
        faults f = {0};
        rs_logfile_ops o = ops_for(&f);
        rs_logfile lf;
        ck_assert_int_eq(rs_logfile_open(&lf, path, modes[m], 200, &o, NULL), 0);
        put(&lf, "aaaaaaa");
        ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
        rs_logfile_sync_job job;
        ck_assert_int_eq(rs_logfile_sync_begin(&lf, &job, NULL), 0);
        ck_assert_int_eq(job.target, 8);
        char moved[160];
        snprintf(moved, sizeof moved, "%s/moved.jsonl", dir);
        ck_assert_int_eq(rename(path, moved), 0);
        ck_assert_int_eq(rs_logfile_reopen(&lf, NULL), 0);
        put(&lf, "b");
        ck_assert_int_eq(rs_logfile_commit(&lf, NULL), 0);
        ck_assert_int_eq(lf.synced, 0);
        ck_assert_int_eq(lf.end, 2);
        int fe = 0, dup_fd = job.fd;
        ck_assert_int_eq(rs_logfile_sync_run(&job, &fe), 0);
        ck_assert_int_eq(rs_logfile_sync_end(&lf, &job, 0, 0, NULL), 0);
        ck_assert_int_eq(fcntl(dup_fd, F_GETFD), -1);
        ck_assert(!lf.syncing);
        ck_assert_int_eq(lf.synced, 0); /* not 8, not 2 */
        ck_assert(rs_logfile_dirty(&lf));
        ck_assert_str_eq(slurp(moved), "aaaaaaa\n");
        ck_assert_str_eq(slurp(path), "b\n");
        ck_assert_int_eq(rs_logfile_sync(&lf, NULL), 0);
        ck_assert_int_eq(lf.synced, 2);
        rs_logfile_close(&lf);
        remove_dir();
    }
}
END_TEST

START_TEST(durability_names)
{
    rs_durability d;
    ck_assert_int_eq(rs_durability_parse("group", &d, NULL), 0);
    ck_assert_int_eq(d, RS_DURABILITY_GROUP);
    ck_assert_str_eq(rs_durability_name(d), "group");
    ck_assert_int_eq(rs_durability_parse("interval", &d, NULL), 0);
    ck_assert_int_eq(rs_durability_parse("flush", &d, NULL), 0);
    rp_error e;
    ck_assert_int_eq(rs_durability_parse("fsync", &d, &e), RP_E_ARGUMENT);
    ck_assert_str_eq(e.message, "durability 'fsync' is not flush, group or interval");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("logfile");
    TCase *tc = tcase_create("logfile");
    tcase_add_test(tc, commit_is_one_write_of_whole_lines);
    tcase_add_test(tc, short_and_failed_writes_leave_no_torn_line);
    tcase_add_test(tc, group_sync_failure_takes_the_lines_out);
    tcase_add_test(tc, interval_syncs_on_tick);
    tcase_add_test(tc, open_cuts_a_torn_tail);
    tcase_add_test(tc, moved_file_is_noticed_and_the_path_reopened);
    tcase_add_test(tc, reopen_keeps_a_foreign_unfinished_line);
    tcase_add_test(tc, lines_committed_to_a_deleted_file_are_moved_before_the_reply);
    tcase_add_test(tc, deletion_between_write_and_reply_loses_nothing);
    tcase_add_test(tc, truncation_from_outside_is_followed_not_extended);
    tcase_add_test(tc, group_sync_failure_after_outside_truncation_does_not_extend);
    tcase_add_test(tc, truncation_to_the_middle_of_a_line_starts_the_next_on_a_new_line);
    tcase_add_test(tc, outside_write_is_kept_and_not_glued_to);
    tcase_add_test(tc, full_disk_while_replacing_a_deleted_file_refuses_the_lines);
    tcase_add_test(tc, deleted_file_that_cannot_be_replaced_refuses_commits);
    tcase_add_test(tc, open_says_what_it_cuts_and_refuses_a_foreign_tail);
    tcase_add_test(tc, fifo_whose_reader_stops_fails_commits_instead_of_blocking);
    tcase_add_test(tc, fifo_without_reader_stores_nothing);
    tcase_add_test(tc, partial_stream_write_is_finished_before_the_next_line);
    tcase_add_test(tc, stream_write_does_not_retry_eintr_forever);
    tcase_add_test(tc, stdout_pipe_gets_a_description_of_its_own);
    tcase_add_test(tc, closing_a_never_opened_logfile_leaves_stdout_alone);
    tcase_add_test(tc, group_sync_in_three_steps);
    tcase_add_test(tc, interval_commit_during_a_sync_stays_unsynced);
    tcase_add_test(tc, reopen_during_a_sync_leaves_the_new_file_alone);
    tcase_add_test(tc, durability_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
