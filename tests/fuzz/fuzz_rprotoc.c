/* fuzz_rprotoc: the rprotoc front end (lexer, parser, semantic checks) and every emitter on
 * arbitrary spec text, through the in-memory entry point rp_frontend_load_buffer.
 *
 * The spec is trusted input, but the compiler must still never crash, leak or loop on it:
 *  - a spec is returned exactly when no error was reported, and every error leaves text;
 *  - diagnostics are deterministic (a second run gives byte-identical text);
 *  - a spec the checker accepted is emitted by everything `rprotoc --help` lists, and none
 *    of them refuses it: the C pair with --optimize speed and size, the transport pair
 *    exactly when it has ports, the machines pair exactly when it has machines, --dump-ast,
 *    --emit jsonschema, --emit docs and (for a spec with machines) --emit diagram;
 *  - every text is NUL-free (lengths as reported), and the second run renders every one of
 *    them byte for byte again (output depends only on the spec's text);
 *  - the header does not depend on --optimize (the same API either way); the file names
 *    of one spec are all different, and the diagram directory holds exactly the files
 *    rp_emit_diagram_files names (no two machines' SVGs overwrite each other);
 *  - the JSON Schema is strict JSON with no key twice in an object;
 *  - `rprotoc compat` of the spec against itself reports nothing.
 * Whether the C output compiles is checked outside the fuzzer (tests/fuzz/compile-specs.sh:
 * a compiler per input would be far too slow).
 * Imports are resolved relative to a directory that does not exist, so the file system is
 * only reached through "../"-style paths the fuzzer happens to write. The diagrams are
 * written into one temporary directory, emptied after each input.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "diag.h"
#include "dump.h"
#include "emit_c.h"
#include "emit_c_machine.h"
#include "emit_diagram.h"
#include "emit_docs.h"
#include "emit_jsonschema.h"
#include "fe_util.h"
#include "fuzz_check.h"
#include "rp_json.h"
#include "source.h"

#define NAME "fuzz-input.d/spec.rproto"

static FILE *null_stream(void)
{
    static FILE *f;
    if (f == NULL) f = fopen("/dev/null", "w");
    FUZZ_CHECK(f != NULL);
    return f;
}

static char dir_name[] = "/tmp/fuzz_rprotoc.XXXXXX";

static void remove_diagram_dir(void)
{
    (void)rmdir(dir_name); /* empty after every input */
}

static const char *diagram_dir(void)
{
    static int made;
    if (!made) {
        FUZZ_CHECK(mkdtemp(dir_name) != NULL);
        FUZZ_CHECK(atexit(remove_diagram_dir) == 0);
        made = 1;
    }
    return dir_name;
}

/* Everything one run emitted, as one text: each output behind its name, so two runs
 * compare with one strcmp. */
typedef struct outputs {
    rp_strbuf all;
    char **names;   /* every file name the spec gets, to check they differ */
    size_t name_count, name_cap;
} outputs;

static void add_text(outputs *o, const char *what, const char *text, size_t len)
{
    FUZZ_CHECK(text != NULL && strlen(text) == len);
    rp_sb_printf(&o->all, "==== %s %zu\n", what, len);
    rp_sb_append(&o->all, text, len);
}

static void add_name(outputs *o, const char *name)
{
    FUZZ_CHECK(name != NULL && name[0] != '\0' && strchr(name, '/') == NULL);
    for (size_t i = 0; i < o->name_count; i++)
        FUZZ_CHECK(strcmp(o->names[i], name) != 0);
    char **slot = rp_xpush(&o->names, &o->name_count, &o->name_cap, sizeof *slot);
    *slot = rp_xstrdup(name);
}

static void add_pair(outputs *o, const char *what, const rp_emit_c_output *out)
{
    rp_sb_printf(&o->all, "==== %s %s %s\n", what, out->header_name, out->source_name);
    add_text(o, out->header_name, out->header, out->header_len);
    add_text(o, out->source_name, out->source, out->source_len);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of one object, unescaped, to find one given twice. */
typedef struct keyset {
    char **keys;
    size_t count, cap;
} keyset;

static void keyset_check_free(keyset *k)
{
    if (k->count > 1) qsort(k->keys, k->count, sizeof *k->keys, cmp_str);
    for (size_t i = 1; i < k->count; i++)
        FUZZ_CHECK(strcmp(k->keys[i - 1], k->keys[i]) != 0);
    for (size_t i = 0; i < k->count; i++) free(k->keys[i]);
    free(k->keys);
    memset(k, 0, sizeof *k);
}

/* A JSON text the strict scanner takes, with no object holding a key twice. */
static void check_json(const char *text, size_t len)
{
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, text, len, RP_JSON_STRICT);
    FUZZ_CHECK(rp_json_scanner_set_max_depth(&sc, RP_JSON_MAX_DEPTH) == 0);
    keyset stack[RP_JSON_MAX_DEPTH + 1];
    size_t depth = 0; /* stack[depth - 1] is the innermost open container */
    bool is_object[RP_JSON_MAX_DEPTH + 1];
    for (;;) {
        rp_json_token tok;
        rp_error err;
        int rc = rp_json_next(&sc, &tok, &err);
        if (rc != 0) fprintf(stderr, "fuzz_rprotoc: schema JSON: %s at %zu\n", err.message, err.offset);
        FUZZ_CHECK(rc == 0);
        if (tok.type == RP_JSON_END) break;
        if (tok.type == RP_JSON_OBJECT_BEGIN || tok.type == RP_JSON_ARRAY_BEGIN) {
            FUZZ_CHECK(depth < RP_JSON_MAX_DEPTH);
            memset(&stack[depth], 0, sizeof stack[depth]);
            is_object[depth++] = tok.type == RP_JSON_OBJECT_BEGIN;
        } else if (tok.type == RP_JSON_OBJECT_END || tok.type == RP_JSON_ARRAY_END) {
            FUZZ_CHECK(depth > 0);
            keyset_check_free(&stack[--depth]);
        } else if (tok.type == RP_JSON_KEY) {
            FUZZ_CHECK(depth > 0 && is_object[depth - 1]);
            char *k = malloc(tok.text.raw_len + 1);
            FUZZ_CHECK(k != NULL);
            FUZZ_CHECK(rp_json_unescape(&tok.text, k, tok.text.raw_len + 1, NULL, NULL) == 0);
            char **slot = rp_xpush(&stack[depth - 1].keys, &stack[depth - 1].count,
                                   &stack[depth - 1].cap, sizeof *slot);
            *slot = k;
        }
    }
    FUZZ_CHECK(depth == 0);
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    FUZZ_CHECK(d != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

/* --emit diagram into the temporary directory: exactly the files it names, each read back
 * into o and removed. A spec without machines is refused (nothing to draw), as documented. */
static void emit_diagrams(outputs *o, const rp_ast_spec *spec)
{
    const char *dir = diagram_dir();
    FUZZ_CHECK(count_files(dir) == 0);
    int rc = rp_emit_diagram_write(spec, dir, null_stream());
    char **names = NULL;
    size_t n = rp_emit_diagram_files(spec, &names);
    FUZZ_CHECK(names != NULL && names[n] == NULL);
    if (spec->machine_count == 0) {
        FUZZ_CHECK(rc == -1 && n == 0);
    } else {
        FUZZ_CHECK(rc == 0 && n == spec->machine_count + 1);
        FUZZ_CHECK(count_files(dir) == n);
    }
    for (size_t i = 0; i < n; i++) {
        add_name(o, names[i]);
        rp_strbuf path = { 0 };
        rp_sb_printf(&path, "%s/%s", dir, names[i]);
        size_t len = 0;
        char *text = rp_source_read_file(path.s, &len);
        FUZZ_CHECK(text != NULL);
        add_text(o, names[i], text, len);
        size_t nl = strlen(names[i]);
        if (nl > 4 && strcmp(names[i] + nl - 4, ".svg") == 0)
            FUZZ_CHECK(strncmp(text, "<svg", 4) == 0 && strstr(text, "</svg>") != NULL);
        free(text);
        FUZZ_CHECK(unlink(path.s) == 0);
        free(path.s);
        free(names[i]);
    }
    free(names);
    FUZZ_CHECK(count_files(dir) == 0);
}

/* Every emitter on a checked spec; returns their texts. */
static char *emit_all(const rp_ast_spec *spec)
{
    outputs o = { 0 };
    rp_emit_c_output speed, size, tr, mach;
    FUZZ_CHECK(rp_emit_c_render_opt(spec, RP_EMIT_OPTIMIZE_SPEED, &speed, null_stream()) == 0);
    FUZZ_CHECK(rp_emit_c_render_opt(spec, RP_EMIT_OPTIMIZE_SIZE, &size, null_stream()) == 0);
    add_pair(&o, "speed", &speed);
    add_pair(&o, "size", &size);
    add_name(&o, speed.header_name);
    add_name(&o, speed.source_name);
    FUZZ_CHECK(strcmp(speed.header_name, size.header_name) == 0 &&
               strcmp(speed.source_name, size.source_name) == 0);
    FUZZ_CHECK(strcmp(speed.header, size.header) == 0);
    rp_emit_c_output_free(&speed);
    rp_emit_c_output_free(&size);

    bool has_tr = rp_emit_c_has_transport(spec);
    FUZZ_CHECK(rp_emit_c_render_transport(spec, &tr, null_stream()) == (has_tr ? 0 : -1));
    FUZZ_CHECK((tr.header != NULL) == has_tr);
    if (has_tr) {
        add_pair(&o, "transport", &tr);
        add_name(&o, tr.header_name);
        add_name(&o, tr.source_name);
    }
    rp_emit_c_output_free(&tr);

    /* a checked spec's machines always render (their limits are the checker's), and
     * only a spec with machines has a machines pair */
    FUZZ_CHECK(rp_emit_c_machines_render(spec, &mach, null_stream()) == 0);
    FUZZ_CHECK((mach.header != NULL) == (spec->machine_count > 0));
    if (mach.header != NULL) {
        add_pair(&o, "machines", &mach);
        add_name(&o, mach.header_name);
        add_name(&o, mach.source_name);
    }
    rp_emit_c_output_free(&mach);

    char *t = rp_dump_ast(spec);
    add_text(&o, "dump-ast", t, strlen(t));
    free(t);
    t = rp_emit_docs(spec);
    add_text(&o, "docs", t, strlen(t));
    FUZZ_CHECK(t[0] != '\0');
    free(t);
    t = rp_emit_jsonschema(spec);
    size_t tl = strlen(t);
    add_text(&o, "jsonschema", t, tl);
    FUZZ_CHECK(tl > 0 && t[tl - 1] == '\n');
    check_json(t, tl);
    free(t);
    emit_diagrams(&o, spec);

    for (size_t i = 0; i < o.name_count; i++) free(o.names[i]);
    free(o.names);
    return rp_sb_take(&o.all);
}

typedef struct result {
    char *diag;       /* diagnostics text */
    char *emitted;    /* emit_all's text, or NULL when the spec was refused */
    rp_ast_spec *spec;
} result;

static result run(const uint8_t *data, size_t size)
{
    result r = { NULL, NULL, NULL };
    rp_diag *d = rp_diag_new();
    rp_frontend_status st = rp_frontend_load_buffer(d, NAME, (const char *)data, size, NULL, &r.spec);
    FUZZ_CHECK(st == RP_FRONTEND_OK || st == RP_FRONTEND_SPEC_ERROR);
    const char *text = rp_diag_text(d);
    FUZZ_CHECK(text != NULL);
    if (st == RP_FRONTEND_OK) {
        FUZZ_CHECK(r.spec != NULL && rp_diag_error_count(d) == 0);
        r.emitted = emit_all(r.spec);
    } else {
        FUZZ_CHECK(r.spec == NULL && rp_diag_error_count(d) > 0 && text[0] != '\0');
    }
    r.diag = strdup(text);
    FUZZ_CHECK(r.diag != NULL);
    rp_diag_free(d);
    return r;
}

static void add_sources(rp_diag *d, const rp_ast_spec *s)
{
    for (size_t i = 0; i < s->unit_count; i++)
        rp_diag_add_source(d, s->units[i]->path, s->units[i]->text, s->units[i]->text_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;   /* specs are small; keep executions fast */
    result a = run(data, size), b = run(data, size);
    FUZZ_CHECK(strcmp(a.diag, b.diag) == 0);
    FUZZ_CHECK((a.emitted == NULL) == (b.emitted == NULL));
    if (a.emitted != NULL) {
        FUZZ_CHECK(strcmp(a.emitted, b.emitted) == 0);
        /* a spec is compatible with itself: no breaking change, no warning */
        rp_diag *d = rp_diag_new();
        add_sources(d, a.spec);
        add_sources(d, b.spec);
        FUZZ_CHECK(rp_compat_check(a.spec, b.spec, d) == 0);
        FUZZ_CHECK(rp_diag_text(d)[0] == '\0');
        rp_diag_free(d);
    }
    rp_ast_free(a.spec);
    rp_ast_free(b.spec);
    free(a.diag);
    free(b.diag);
    free(a.emitted);
    free(b.emitted);
    return 0;
}
