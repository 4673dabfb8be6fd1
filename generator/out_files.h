/* out_files.h — the output files of one rprotoc run, written all or none.
 *
 * Each text goes to DIR/.NAME.tmp; only when every one of the set is complete are they
 * renamed into place (rp_out_commit), so a run that fails leaves no file of the set
 * replaced and none half written. A failure may also come as exit(2) from the rp_x*
 * allocators (fe_util.h) in the middle of rendering: the temporaries of the set then being
 * written are removed by an exit handler. One set at a time (rprotoc is single-threaded):
 * rprotoc's main begins one for the whole run, the emitters' _stage functions add their
 * files to it, the -MF file (rp_out_open_path) goes in too, and one commit renames them.
 */
#ifndef RP_OUT_FILES_H
#define RP_OUT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct rp_out_file {
    char *path;  /* DIR/NAME */
    char *tmp;   /* DIR/.NAME.tmp */
    FILE *f;     /* open while being written */
} rp_out_file;

/* A file the run read (the spec, an import): no target may be it. */
typedef struct rp_out_input {
    char *path;
    unsigned long long dev, ino;
} rp_out_input;

typedef struct rp_out_set {
    rp_out_file *files; /* count of them, in the order opened */
    size_t count, cap;
    rp_out_input *inputs; /* input_count of them (rp_out_protect) */
    size_t input_count, input_cap;
    FILE *diag;  /* where failures are reported, one line each (may be NULL) */
} rp_out_set;

/* Starts an empty set (the one the exit handler cleans up). */
void rp_out_begin(rp_out_set *s, FILE *diag);

/* Marks path as an input of the run: opening a target that is the same file (the same
 * device and inode, whatever the path says: `-MF spec.rproto`, a symlink, a hard link) is
 * then refused like a path given twice, so no output replaces what was read. */
void rp_out_protect(rp_out_set *s, const char *path);

/* Creates DIR/.NAME.tmp and returns its stream, or NULL with a line on diag (also when
 * DIR/NAME is an input of the run). */
FILE *rp_out_open(rp_out_set *s, const char *dir, const char *name);

/* Creates the temporary .NAME.tmp beside PATH (any file: -MF's) and returns its stream, or
 * NULL with a line on diag. A path already in the set, or an input, is refused the same way. */
FILE *rp_out_open_path(rp_out_set *s, const char *path);

/* Whether path (as given to rp_out_open_path, or DIR/NAME) is in the set. */
bool rp_out_has(const rp_out_set *s, const char *path);

/* Writes text[0..len) after what f already holds and closes f. 0, or -1 with a line on diag
 * naming the temporary and errno (the set must then be aborted). */
int rp_out_close(rp_out_set *s, FILE *f, const char *text, size_t len);

/* rp_out_open + rp_out_close of one whole text. */
int rp_out_write(rp_out_set *s, const char *dir, const char *name, const char *text, size_t len);

/* Renames every temporary into place, in the order opened, and ends the set. First checks
 * that every target can be replaced (none is a directory): otherwise nothing is renamed.
 * 0, or -1 with a line on diag (the temporaries not yet renamed are removed); a rename
 * that still fails after others succeeded (EXDEV, EIO) names the files replaced and not. */
int rp_out_commit(rp_out_set *s);

/* Closes and removes every temporary and ends the set; reports nothing. */
void rp_out_abort(rp_out_set *s);

#endif /* RP_OUT_FILES_H */
