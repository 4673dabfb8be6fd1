/* out_files.c — see out_files.h. */
#include "out_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fe_util.h"

static rp_out_set *active; /* the set the exit handler removes, NULL when none */

/* At exit with a set still open (rp_x* ran out of memory): nothing of it may stay. */
static void remove_pending(void)
{
    if (active == NULL)
        return;
    for (size_t i = 0; i < active->count; i++)
        if (active->files[i].tmp != NULL)
            remove(active->files[i].tmp);
}

void rp_out_begin(rp_out_set *s, FILE *diag)
{
    static bool registered;
    memset(s, 0, sizeof *s);
    s->diag = diag;
    if (!registered)
        registered = atexit(remove_pending) == 0;
    active = s;
}

void rp_out_protect(rp_out_set *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return; /* gone since it was read: nothing to overwrite */
    rp_out_input *in = rp_xpush(&s->inputs, &s->input_count, &s->input_cap, sizeof *in);
    in->path = rp_xstrdup(path);
    in->dev = (unsigned long long)st.st_dev;
    in->ino = (unsigned long long)st.st_ino;
}

/* The input that path is (the same file), or NULL. */
static const rp_out_input *input_at(const rp_out_set *s, const char *path)
{
    struct stat st;
    if (s->input_count == 0 || stat(path, &st) != 0)
        return NULL;
    for (size_t i = 0; i < s->input_count; i++)
        if (s->inputs[i].dev == (unsigned long long)st.st_dev &&
            s->inputs[i].ino == (unsigned long long)st.st_ino)
            return &s->inputs[i];
    return NULL;
}

static void end(rp_out_set *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->files[i].path);
        free(s->files[i].tmp);
    }
    free(s->files);
    s->files = NULL;
    s->count = s->cap = 0;
    for (size_t i = 0; i < s->input_count; i++)
        free(s->inputs[i].path);
    free(s->inputs);
    s->inputs = NULL;
    s->input_count = s->input_cap = 0;
    if (active == s)
        active = NULL;
}

/* Adds path, its temporary tmp (both owned), to the set and creates the temporary. */
static FILE *open_pair(rp_out_set *s, char *path, char *tmp)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->files[i].path, path) == 0) { /* the two would share one temporary */
            if (s->diag != NULL)
                fprintf(s->diag, "rprotoc: error: %s would be written twice in one run\n", path);
            free(path);
            free(tmp);
            return NULL;
        }
    const rp_out_input *in = input_at(s, path);
    if (in != NULL) {
        if (s->diag != NULL)
            fprintf(s->diag, "rprotoc: error: %s is %s, which this run reads: refusing to overwrite it\n",
                    path, strcmp(in->path, path) == 0 ? "an input" : in->path);
        free(path);
        free(tmp);
        return NULL;
    }
    /* counted before the file exists: an exit from here on removes it (a failed realloc
     * in rp_xpush exits with the old array intact) */
    rp_out_file *o = rp_xpush(&s->files, &s->count, &s->cap, sizeof *o);
    o->path = path;
    o->tmp = tmp;
    o->f = fopen(o->tmp, "wb");
    if (o->f == NULL) {
        if (s->diag != NULL)
            fprintf(s->diag, "rprotoc: error: cannot create %s: %s\n", o->tmp, strerror(errno));
        free(o->tmp);
        o->tmp = NULL; /* nothing to remove: it was not created */
    }
    return o->f;
}

FILE *rp_out_open(rp_out_set *s, const char *dir, const char *name)
{
    rp_strbuf path = { 0 }, tmp = { 0 };
    rp_sb_printf(&path, "%s/%s", dir, name);
    rp_sb_printf(&tmp, "%s/.%s.tmp", dir, name);
    return open_pair(s, rp_sb_take(&path), rp_sb_take(&tmp));
}

FILE *rp_out_open_path(rp_out_set *s, const char *path)
{
    const char *slash = strrchr(path, '/');
    rp_strbuf p = { 0 }, tmp = { 0 };
    rp_sb_printf(&p, "%s", path);
    if (slash == NULL)
        rp_sb_printf(&tmp, ".%s.tmp", path);
    else
        rp_sb_printf(&tmp, "%.*s/.%s.tmp", (int)(slash - path), path, slash + 1);
    return open_pair(s, rp_sb_take(&p), rp_sb_take(&tmp));
}

bool rp_out_has(const rp_out_set *s, const char *path)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->files[i].path, path) == 0)
            return true;
    return false;
}

int rp_out_close(rp_out_set *s, FILE *f, const char *text, size_t len)
{
    rp_out_file *o = NULL;
    for (size_t i = 0; i < s->count && o == NULL; i++)
        if (s->files[i].f == f)
            o = &s->files[i];
    if (o == NULL || f == NULL)
        return -1;
    int err = 0;
    if (len > 0 && fwrite(text, 1, len, f) != len)
        err = errno;
    if (err == 0 && ferror(f)) /* an earlier write through f failed */
        err = EIO;
    if (fclose(f) != 0 && err == 0)
        err = errno;
    o->f = NULL;
    if (err != 0) {
        if (s->diag != NULL)
            fprintf(s->diag, "rprotoc: error: cannot write %s: %s\n", o->tmp, strerror(err));
        return -1;
    }
    return 0;
}

int rp_out_write(rp_out_set *s, const char *dir, const char *name, const char *text, size_t len)
{
    FILE *f = rp_out_open(s, dir, name);
    return f != NULL ? rp_out_close(s, f, text, len) : -1;
}

/* " A, B" of the paths files[from..to) to diag. */
static void put_paths(const rp_out_set *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        fprintf(s->diag, "%s%s", i > from ? ", " : " ", s->files[i].path);
}

int rp_out_commit(rp_out_set *s)
{
    int rc = 0;
    for (size_t i = 0; i < s->count && rc == 0; i++)
        if (s->files[i].f != NULL || s->files[i].tmp == NULL)
            rc = -1; /* not completely written: the caller should have aborted */
    /* Every target replaceable before the first rename: a directory in the way of one
     * would otherwise stop the renames half-way, with a mix of old and new files left. */
    for (size_t i = 0; i < s->count && rc == 0; i++) {
        struct stat st;
        if (lstat(s->files[i].path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (s->diag != NULL)
                fprintf(s->diag, "rprotoc: error: cannot replace %s: it is a directory "
                                 "(no file was written)\n", s->files[i].path);
            rc = -1;
        }
    }
    size_t done = 0;
    for (; done < s->count && rc == 0; done++) {
        rp_out_file *o = &s->files[done];
        if (rename(o->tmp, o->path) == 0) {
            free(o->tmp);
            o->tmp = NULL;
            continue;
        }
        if (s->diag != NULL) {
            fprintf(s->diag, "rprotoc: error: cannot rename %s to %s: %s", o->tmp, o->path,
                    strerror(errno));
            if (done == 0) {
                fputs(" (no file was replaced)\n", s->diag);
            } else { /* past the checks (EXDEV, EIO...): say which generation is where */
                fputs("; replaced:", s->diag);
                put_paths(s, 0, done);
                fputs("; not replaced:", s->diag);
                put_paths(s, done, s->count);
                fputc('\n', s->diag);
            }
        }
        rc = -1;
    }
    if (rc != 0)
        rp_out_abort(s);
    else
        end(s);
    return rc;
}

void rp_out_abort(rp_out_set *s)
{
    for (size_t i = 0; i < s->count; i++) {
        rp_out_file *o = &s->files[i];
        if (o->f != NULL)
            fclose(o->f);
        o->f = NULL;
        if (o->tmp != NULL)
            remove(o->tmp);
    }
    end(s);
}
