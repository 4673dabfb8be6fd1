/* source.c — file loading, import resolution and the front-end entry points (source.h). */
/* realpath() is XSI: ask for it explicitly on top of the POSIX level the build sets */
#define _XOPEN_SOURCE 700

#include "source.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec_check.h"
#include "fe_util.h"
#include "parse_ctx.h"

#define MAX_IMPORT_DEPTH 32
#define SPEC_LIMIT "the most rprotoc reads of a spec file"

typedef struct loaded {
    rp_ast_unit *unit;   /* owned until moved into the spec */
    char *identity;      /* realpath, or the path when that fails (owned) */
} loaded;

typedef struct loader {
    rp_diag *diag;
    const rp_frontend_opts *opts;
    loaded *all;                 /* every unit loaded, in load order */
    size_t count, cap;
    size_t *stack;               /* indices into all: the import chain being loaded */
    size_t depth, stack_cap;
    rp_ast_unit **order;         /* dependencies first, main last */
    size_t order_count, order_cap;
    size_t errors;
    size_t kept_whole; /* of errors, builder errors that left the AST whole (rp_build_error) */
} loader;

char *rp_source_read_stream(FILE *f, size_t max, size_t *len)
{
    rp_strbuf b = { 0 };
    char chunk[65536];
    size_t n;
    errno = 0;
    /* one byte past max tells a file of exactly max bytes from a larger one */
    while (b.len <= max && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n > max + 1 - b.len)
            n = max + 1 - b.len;
        rp_sb_append(&b, chunk, n);
    }
    if (ferror(f) || b.len > max) {
        int e = b.len > max ? EFBIG : errno != 0 ? errno : EIO;
        free(b.s);
        errno = e;
        return NULL;
    }
    *len = b.len;
    return rp_sb_take(&b);
}

char *rp_source_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    int e = fstat(fileno(f), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e != 0) {
        fclose(f);
        errno = e;
        return NULL;
    }
    char *text = rp_source_read_stream(f, RP_SOURCE_MAX_BYTES, len);
    e = errno;
    fclose(f);
    errno = e;
    return text;
}

const char *rp_source_read_reason(int err, size_t max, const char *limit, char *buf, size_t cap)
{
    if (err != EFBIG) {
        snprintf(buf, cap, "%s", strerror(err));
        return buf;
    }
    size_t mib = (size_t)1 << 20, kib = 1024;
    if (max >= mib && max % mib == 0)
        snprintf(buf, cap, "larger than %zu MiB (%s)", max / mib, limit);
    else if (max >= kib && max % kib == 0)
        snprintf(buf, cap, "larger than %zu KiB (%s)", max / kib, limit);
    else
        snprintf(buf, cap, "larger than %zu bytes (%s)", max, limit);
    return buf;
}

static char *identity_of(const char *path)
{
    char *r = realpath(path, NULL);
    return r != NULL ? r : rp_xstrdup(path);
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *join(const char *dir, size_t dir_len, const char *name)
{
    rp_strbuf b = { 0 };
    if (dir_len > 0 && !(dir_len == 1 && dir[0] == '.')) {
        rp_sb_append(&b, dir, dir_len);
        if (dir[dir_len - 1] != '/')
            rp_sb_putc(&b, '/');
    }
    rp_sb_puts(&b, name);
    return rp_sb_take(&b);
}

/* Where an import of `name` from the file `from` is found, or NULL. */
static char *resolve(const loader *L, const char *from, const char *name)
{
    if (name[0] == '/')
        return is_regular_file(name) ? rp_xstrdup(name) : NULL;
    const char *slash = strrchr(from, '/');
    char *cand = join(from, slash != NULL ? (size_t)(slash - from + 1) : 0, name);
    if (is_regular_file(cand))
        return cand;
    free(cand);
    if (L->opts != NULL)
        for (size_t i = 0; i < L->opts->include_count; i++) {
            const char *dir = L->opts->include_dirs[i];
            cand = join(dir, strlen(dir), name);
            if (is_regular_file(cand))
                return cand;
            free(cand);
        }
    return NULL;
}

static size_t add_unit(loader *L, char *path, char *text, size_t len, bool is_main)
{
    rp_ast_unit *u = rp_xcalloc(1, sizeof *u);
    u->path = path;
    u->text = text;
    u->text_len = len;
    u->is_main = is_main;
    loaded *l = rp_xpush(&L->all, &L->count, &L->cap, sizeof *l);
    l->unit = u;
    l->identity = identity_of(path);
    return L->count - 1;
}

static void load(loader *L, size_t idx);

static void load_import(loader *L, rp_ast_unit *u, rp_ast_import *imp)
{
    size_t n = strlen(imp->path);
    if (n < 7 || strcmp(imp->path + n - 7, ".rproto") != 0) {
        L->errors++;
        rp_diag_error(L->diag, &imp->span, "import path must name a .rproto file");
        return;
    }
    char *path = resolve(L, u->path, imp->path);
    if (path == NULL) {
        L->errors++;
        rp_diag_error(L->diag, &imp->span, "cannot find imported file '%s'", imp->path);
        if (L->opts == NULL || L->opts->include_count == 0)
            rp_diag_note(L->diag, NULL, "searched next to '%s' only; add directories with -I DIR",
                         u->path);
        return;
    }
    char *id = identity_of(path);
    for (size_t i = 0; i < L->count; i++) {
        if (strcmp(L->all[i].identity, id) != 0)
            continue;
        free(id);
        free(path);
        for (size_t s = 0; s < L->depth; s++) {
            if (L->stack[s] != i)
                continue;
            rp_strbuf chain = { 0 };
            for (size_t k = s; k < L->depth; k++)
                rp_sb_printf(&chain, "%s -> ", L->all[L->stack[k]].unit->path);
            rp_sb_puts(&chain, L->all[i].unit->path);
            L->errors++;
            rp_diag_error(L->diag, &imp->span, "import cycle: %s", chain.s);
            free(chain.s);
            return;
        }
        imp->unit = L->all[i].unit;
        return;
    }
    free(id);
    if (L->depth >= MAX_IMPORT_DEPTH) {
        L->errors++;
        rp_diag_error(L->diag, &imp->span, "imports nested more than %d deep", MAX_IMPORT_DEPTH);
        free(path);
        return;
    }
    size_t len = 0;
    char *text = rp_source_read_file(path, &len);
    if (text == NULL) {
        L->errors++;
        char why[160];
        rp_diag_error(L->diag, &imp->span, "cannot read '%s': %s", path,
                      rp_source_read_reason(errno, RP_SOURCE_MAX_BYTES, SPEC_LIMIT, why, sizeof why));
        free(path);
        return;
    }
    size_t idx = add_unit(L, path, text, len, false);
    imp->unit = L->all[idx].unit;
    load(L, idx);
}

static void load(loader *L, size_t idx)
{
    rp_ast_unit *u = L->all[idx].unit;
    rp_diag_add_source(L->diag, u->path, u->text, u->text_len);
    size_t kept_whole = 0;
    L->errors += rp_parse_unit(L->diag, u, &kept_whole);
    L->kept_whole += kept_whole;
    size_t *slot = rp_xpush(&L->stack, &L->depth, &L->stack_cap, sizeof *slot);
    *slot = idx;
    for (size_t i = 0; i < u->import_count; i++)
        load_import(L, u, &u->imports[i]);
    L->depth--;
    rp_ast_unit **o = rp_xpush(&L->order, &L->order_count, &L->order_cap, sizeof *o);
    *o = u;
}

static void loader_free(loader *L, bool free_units)
{
    for (size_t i = 0; i < L->count; i++) {
        if (free_units)
            rp_ast_unit_free(L->all[i].unit);
        free(L->all[i].identity);
    }
    free(L->all);
    free(L->stack);
    if (free_units)
        free(L->order);
}

static rp_frontend_status run(rp_diag *diag, char *path, char *text, size_t len,
                              const rp_frontend_opts *opts, rp_ast_spec **out)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.diag = diag;
    L.opts = opts;
    size_t idx = add_unit(&L, path, text, len, true);
    load(&L, idx);
    /* Syntax errors leave the AST in pieces: no semantic check then. A builder's error that
     * left it whole (a duplicate attribute, a bad option value) does not hide the rest. */
    if (L.errors > L.kept_whole) {
        rp_diag_drop_sources(diag);
        loader_free(&L, true);
        return RP_FRONTEND_SPEC_ERROR;
    }
    size_t kept_whole = L.kept_whole;
    rp_ast_spec *spec = rp_xcalloc(1, sizeof *spec);
    spec->units = L.order;
    spec->unit_count = L.order_count;
    spec->main = spec->units[spec->unit_count - 1];
    spec->protocol = spec->main->protocol;
    spec->protocol_doc = spec->main->protocol_doc;
    size_t total = 0;
    for (size_t i = 0; i < spec->unit_count; i++)
        total += spec->units[i]->decl_count;
    spec->decls = rp_xcalloc(total, sizeof *spec->decls);
    for (size_t i = 0; i < spec->unit_count; i++)
        for (size_t j = 0; j < spec->units[i]->decl_count; j++) {
            rp_ast_decl *d = spec->units[i]->decls[j];
            d->index = spec->decl_count;
            spec->decls[spec->decl_count++] = d;
        }
    loader_free(&L, false);
    size_t errors = rp_check_spec(diag, spec);
    rp_diag_drop_sources(diag);
    if (errors > 0 || kept_whole > 0) {
        rp_ast_free(spec);
        return RP_FRONTEND_SPEC_ERROR;
    }
    *out = spec;
    return RP_FRONTEND_OK;
}

rp_frontend_status rp_frontend_load_file(rp_diag *diag, const char *path, const rp_frontend_opts *opts,
                                         rp_ast_spec **out)
{
    *out = NULL;
    size_t len = 0;
    char *text = rp_source_read_file(path, &len);
    if (text == NULL) {
        char why[160];
        rp_diag_error(diag, NULL, "cannot read '%s': %s", path,
                      rp_source_read_reason(errno, RP_SOURCE_MAX_BYTES, SPEC_LIMIT, why, sizeof why));
        return RP_FRONTEND_IO_ERROR;
    }
    return run(diag, rp_xstrdup(path), text, len, opts, out);
}

rp_frontend_status rp_frontend_load_buffer(rp_diag *diag, const char *name, const char *text,
                                           size_t len, const rp_frontend_opts *opts,
                                           rp_ast_spec **out)
{
    *out = NULL;
    return run(diag, rp_xstrdup(name), rp_xstrndup(text, len), len, opts, out);
}
