/* rprotoc.c — the command line of the rproto spec compiler.
 *
 *   rprotoc SPEC -o DIR        check SPEC and write the generated C into DIR
 *   rprotoc --check SPEC       check only; prints nothing when the spec is fine
 *   rprotoc --dump-ast SPEC    print the checked AST (stable text, for golden tests)
 *   rprotoc --emit jsonschema|docs SPEC [-o DIR]
 *                              a JSON Schema (draft 2020-12) of every message, or a Markdown
 *                              reference, on stdout or into DIR/<protocol>.schema.json /
 *                              DIR/<protocol>-reference.md
 *   rprotoc --emit diagram SPEC -o DIR
 *                              sequence diagrams of the spec's machines: DIR/<protocol>-session.md
 *                              (Mermaid) and one SVG per machine
 *   rprotoc validate ...       check JSON documents against a message (validate.h)
 *   rprotoc compat OLD NEW     breaking changes between two versions of a spec (compat.h)
 *   --optimize speed|size      decode and encode lanes in front of the tables (speed,
 *                              the default) or the tables alone (size); emit_c.h
 *   -I DIR                     also look for imports in DIR (repeatable)
 *   --vendor DIR SPEC          the generated pair plus the runtime files SPEC needs
 *   --vendor-with LAYER        with --vendor: add a whole runtime layer (e.g. residue)
 *   -M / -MF FILE              write make dependencies (to stdout / to FILE): every file
 *                              written (the machines pair too; with --vendor, the runtime
 *                              files too; with --emit -o DIR, what --emit writes) on every
 *                              spec file read
 *
 * Exit status: 0 success, 1 errors in the spec, 2 usage or I/O errors.
 * Diagnostics go to stderr in the gcc/clang format (see diag.h).
 */
/* realpath() is XSI: ask for it explicitly on top of the POSIX level the build sets */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "cnames.h"
#include "compat.h"
#include "diag.h"
#include "dump.h"
#include "emit_c.h"
#include "emit_diagram.h"
#include "emit_docs.h"
#include "emit_jsonschema.h"
#include "fe_util.h"
#include "out_files.h"
#include "source.h"
#include "validate.h"
#include "vendor.h"
#include "version.h"

enum { EXIT_SPEC = 1, EXIT_USAGE = 2 };

typedef enum mode {
    MODE_COMPILE, MODE_CHECK, MODE_DUMP, MODE_EMIT_JSONSCHEMA, MODE_EMIT_DOCS, MODE_EMIT_DIAGRAM
} mode;

typedef struct cli {
    mode mode;
    const char *spec;
    const char *out_dir;
    const char **includes;
    size_t include_count;
    bool deps_stdout;      /* -M */
    const char *deps_file; /* -MF FILE */
    bool vendor;           /* --vendor DIR: out_dir gets the runtime sources too */
    const char **with;     /* --vendor-with LAYER..., NULL-terminated */
    rp_emit_optimize optimize; /* --optimize speed (default) | size */
    size_t with_count;
} cli;

static void usage(FILE *f)
{
    fputs("usage: rprotoc SPEC -o DIR [--optimize speed|size] [-I DIR]... [-M | -MF FILE]\n"
          "       rprotoc --vendor DIR SPEC [--vendor-with LAYER]... [--optimize speed|size]\n"
          "                        [-I DIR]... [-M | -MF FILE]\n"
          "       rprotoc --check SPEC [-I DIR]...\n"
          "       rprotoc --dump-ast SPEC [-I DIR]...\n"
          "       rprotoc --emit jsonschema|docs SPEC [-o DIR] [-I DIR]...\n"
          "       rprotoc --emit diagram SPEC -o DIR [-I DIR]...\n"
          "       rprotoc validate [--wire | --profile NAME] [--ndjson] [--format text|json]\n"
          "                        [--max-input SIZE] [-I DIR]... SPEC MESSAGE [FILE|-]...\n"
          "                                           (see rprotoc validate --help)\n"
          "       rprotoc compat [-I DIR]... OLD NEW  (see rprotoc compat --help)\n"
          "       rprotoc --help | --version\n"
          "\n"
          "Compiles an .rproto protocol spec into C: a header and a source named after the\n"
          "spec's protocol (e.g. residue.h and residue.c), for a spec with ports the\n"
          "transport tables (residue_transport.h and residue_transport.c), and for a spec\n"
          "with session machines the machines (residue_machines.h and residue_machines.c).\n"
          "\n"
          "  -o DIR         write the generated files into DIR (must exist)\n"
          "  --vendor DIR   write the generated files and the runtime files the spec needs\n"
          "                 into DIR: a directory that builds alone with `cc *.c` (plus\n"
          "                 -lcrypto for rsa/aes envelopes, -lz for zlib); vendor several\n"
          "                 specs into one DIR to link them into one program\n"
          "  --vendor-with LAYER\n"
          "                 with --vendor: add every file of runtime layer LAYER (e.g. residue)\n"
          "  --optimize speed|size\n"
          "                 what the codec is made of: speed (the default) puts generated\n"
          "                 lanes in front of the tables for every message of plain fields:\n"
          "                 decode reads compact JSON with keys in spec order straight through,\n"
          "                 encode writes straight through; anything else goes to the table\n"
          "                 walk, which makes every error. size writes the tables alone\n"
          "                 and calls the walk directly (the smallest code).\n"
          "                 Both decode and encode every message alike.\n"
          "  --check        check the spec only; print nothing when it is fine\n"
          "  --dump-ast     print the checked syntax tree as stable text\n"
          "  --emit jsonschema  a JSON Schema (draft 2020-12) of every message, on stdout or\n"
          "                 with -o DIR into DIR/<protocol>.schema.json\n"
          "  --emit docs    a Markdown reference of the protocol, on stdout or with -o DIR into\n"
          "                 DIR/<protocol>-reference.md\n"
          "  --emit diagram sequence diagrams of the spec's machines into DIR: a Markdown page\n"
          "                 of Mermaid diagrams (<protocol>-session.md) and an SVG of each\n"
          "  -I DIR         search DIR for imported specs (after the importing file's dir)\n"
          "  -M             print make dependencies of the outputs on stdout (with --vendor:\n"
          "                 every file it writes); not where stdout carries the output\n"
          "                 (--dump-ast, --emit jsonschema|docs without -o): use -MF\n"
          "  -MF FILE       write make dependencies to FILE\n"
          "  --             end of the options: the next argument is the spec, even if it\n"
          "                 starts with '-'\n"
          "  --help         show this help\n"
          "  --version      show the version\n"
          "\n"
          "Exit status: 0 ok, 1 errors in the spec, 2 usage or I/O error.\n",
          f);
}

#define usage_error(...) rp_diag_usage_error("rprotoc", __VA_ARGS__)

/* Parses argv into c; returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, cli *c)
{
    bool mode_set = false, options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || (a[0] != '-' || a[1] == '\0')) { /* after "--" even "-x.rproto" */
            if (c->spec != NULL)
                return usage_error("more than one spec file given ('%s')", a);
            c->spec = a;
        } else if (strcmp(a, "--") == 0) {
            options_done = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("rprotoc %s\n", RPROTOC_VERSION);
            return 0;
        } else if (strcmp(a, "--check") == 0 || strcmp(a, "--dump-ast") == 0) {
            mode m = a[2] == 'c' ? MODE_CHECK : MODE_DUMP;
            if (mode_set && c->mode != m)
                return usage_error("%s cannot be combined with another mode", a);
            c->mode = m;
            mode_set = true;
        } else if (strcmp(a, "--emit") == 0 || strncmp(a, "--emit=", 7) == 0) {
            const char *k = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            mode m;
            if (k == NULL)
                return usage_error("option '%s' needs an argument: jsonschema, docs or diagram", a);
            if (strcmp(k, "jsonschema") == 0)
                m = MODE_EMIT_JSONSCHEMA;
            else if (strcmp(k, "docs") == 0)
                m = MODE_EMIT_DOCS;
            else if (strcmp(k, "diagram") == 0)
                m = MODE_EMIT_DIAGRAM;
            else
                return usage_error("--emit takes 'jsonschema', 'docs' or 'diagram', not '%s'", k);
            if (mode_set && c->mode != m)
                return usage_error("%s cannot be combined with another mode", a);
            c->mode = m;
            mode_set = true;
        } else if (strcmp(a, "--vendor") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs an argument", a);
            c->out_dir = argv[++i];
            c->vendor = true;
            if (c->out_dir[0] == '\0') /* "" + "/x.h" would be /x.h, in the root directory */
                return usage_error("option '%s' needs a directory, not an empty name", a);
        } else if (strcmp(a, "--optimize") == 0 || strncmp(a, "--optimize=", 11) == 0) {
            const char *k = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
            if (k == NULL)
                return usage_error("option '%s' needs an argument: speed or size", a);
            if (strcmp(k, "speed") == 0)
                c->optimize = RP_EMIT_OPTIMIZE_SPEED;
            else if (strcmp(k, "size") == 0)
                c->optimize = RP_EMIT_OPTIMIZE_SIZE;
            else
                return usage_error("--optimize takes 'speed' or 'size', not '%s'", k);
        } else if (strcmp(a, "--vendor-with") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs an argument", a);
            const char *layer = argv[++i];
            if (!rp_vendor_layer_exists(layer))
                return usage_error("--vendor-with: no runtime layer '%s'", layer);
            c->with[c->with_count++] = layer;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "-I") == 0 || strcmp(a, "-MF") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs an argument", a);
            const char *v = argv[++i];
            if (a[1] == 'o' && v[0] == '\0') /* "" + "/x.h" would be /x.h, in the root directory */
                return usage_error("option '%s' needs a directory, not an empty name", a);
            if (a[1] == 'o')
                c->out_dir = v;
            else if (a[1] == 'I')
                c->includes[c->include_count++] = v;
            else
                c->deps_file = v;
        } else if (strncmp(a, "-I", 2) == 0) {
            c->includes[c->include_count++] = a + 2;
        } else if (strcmp(a, "-M") == 0) {
            c->deps_stdout = true;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (c->spec == NULL)
        return usage_error("%s", "no spec file given");
    if (c->mode == MODE_COMPILE && c->out_dir == NULL)
        return usage_error("%s", "no output directory given: use -o DIR (or --check)");
    if (c->mode == MODE_EMIT_DIAGRAM && c->out_dir == NULL)
        return usage_error("%s", "--emit diagram writes several files: give -o DIR");
    if (c->mode != MODE_COMPILE && c->mode != MODE_EMIT_JSONSCHEMA && c->mode != MODE_EMIT_DOCS &&
        c->mode != MODE_EMIT_DIAGRAM && c->out_dir != NULL)
        return usage_error("%s", "-o only applies when compiling or with --emit");
    if (c->with_count > 0 && !c->vendor)
        return usage_error("%s", "--vendor-with only applies with --vendor");
    /* -M prints the rule on stdout: where the document goes too, the two would be one
     * stream that is neither (-MF FILE still names the spec as the target, as --check) */
    if (c->deps_stdout && c->mode == MODE_DUMP)
        return usage_error("%s", "-M prints the dependencies on stdout, where --dump-ast prints "
                                 "the tree: use -MF FILE");
    if (c->deps_stdout && c->out_dir == NULL &&
        (c->mode == MODE_EMIT_JSONSCHEMA || c->mode == MODE_EMIT_DOCS))
        return usage_error("-M prints the dependencies on stdout, where --emit %s without -o "
                           "prints the document: use -MF FILE or -o DIR",
                           c->mode == MODE_EMIT_DOCS ? "docs" : "jsonschema");
    return -1;
}

/* Writes path as make reads it, escaped as gcc -M does: '$' as "$$"; a space, tab or '#' as
 * "\ ", "\<tab>", "\#", each with the backslashes right before it doubled (so they stay
 * backslashes); ':' as "\:" too (GNU make splits the rule there otherwise) and, in a target,
 * '%' as "\%" (which would make it a pattern rule). */
static void put_make_path(FILE *f, const char *path, bool target)
{
    size_t backslashes = 0;
    for (const char *p = path; *p != '\0'; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '\t' || ch == '#' || ch == ':' || (target && ch == '%')) {
            for (size_t k = 0; k <= backslashes; k++)
                fputc('\\', f);
        } else if (ch == '$') {
            fputc('$', f);
        }
        fputc(ch, f);
        backslashes = ch == '\\' ? backslashes + 1 : 0;
    }
}

/* A path make cannot read in any spelling (a line break ends the rule): named on stderr. */
static bool make_can_name(const char *path)
{
    if (strpbrk(path, "\n\r") == NULL)
        return true;
    fputs("rprotoc: error: cannot write make dependencies: a path holds a line break: '", stderr);
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r')
            fputs(*p == '\n' ? "\\n" : "\\r", stderr);
        else
            fputc(*p, stderr);
    }
    fputs("'\n", stderr);
    return false;
}

/* " DIR/NAME" as a make target. */
static void put_target(FILE *f, const char *dir, const char *name, bool first)
{
    if (!first)
        fputc(' ', f);
    put_make_path(f, dir, true);
    fputc('/', f);
    put_make_path(f, name, true);
}

/* The file --emit jsonschema / docs writes into -o DIR: <protocol> and this suffix. */
static const char *emit_text_suffix(mode m)
{
    return m == MODE_EMIT_JSONSCHEMA ? ".schema.json" : "-reference.md";
}

/* Writes "targets: spec imports..." in make syntax to f: the targets are every file this
 * run writes (the generated pair and, for a spec with ports, the transport pair; with
 * --vendor, the runtime files too; with --emit, the schema, reference or diagram files);
 * the spec itself when it writes none (--check, --dump-ast, --emit to stdout). */
static void write_deps(FILE *f, const cli *c, const rp_ast_spec *spec)
{
    if (c->out_dir != NULL && (c->mode == MODE_EMIT_JSONSCHEMA || c->mode == MODE_EMIT_DOCS)) {
        rp_strbuf name = { 0 };
        rp_sb_printf(&name, "%s%s", spec->protocol, emit_text_suffix(c->mode));
        put_target(f, c->out_dir, name.s, true);
        free(name.s);
    } else if (c->out_dir != NULL && c->mode == MODE_EMIT_DIAGRAM) {
        char **names = NULL;
        size_t count = rp_emit_diagram_files(spec, &names);
        for (size_t i = 0; i < count; i++) {
            put_target(f, c->out_dir, names[i], i == 0);
            free(names[i]);
        }
        free(names);
    } else if (c->out_dir != NULL) {
        rp_cnames n;
        rp_cnames_init(&n, spec->protocol);
        char *h = rp_cname_file(&n, true), *src = rp_cname_file(&n, false);
        put_target(f, c->out_dir, h, true);
        put_target(f, c->out_dir, src, false);
        free(h);
        free(src);
        if (rp_emit_c_has_transport(spec)) {
            h = rp_cname_transport_file(&n, true);
            src = rp_cname_transport_file(&n, false);
            put_target(f, c->out_dir, h, false);
            put_target(f, c->out_dir, src, false);
            free(h);
            free(src);
        }
        if (spec->machine_count > 0) { /* the machines pair (emit_c_machine.h) */
            char *mh = rp_cname_machines_file(&n, true), *mc = rp_cname_machines_file(&n, false);
            put_target(f, c->out_dir, mh, false);
            put_target(f, c->out_dir, mc, false);
            free(mh);
            free(mc);
        }
        rp_cnames_free(&n);
        if (c->vendor) {
            bool *sel = rp_vendor_select(spec, c->with, c->optimize);
            for (size_t i = 0; i < rp_runtime_file_count; i++)
                if (sel[i]) {
                    fputs(" \\\n", f);
                    put_target(f, c->out_dir, rp_runtime_files[i].name, false);
                }
            free(sel);
        }
    }
    /* Without output files (--check, --dump-ast, --emit to stdout) the spec is the target
     * and its imports its prerequisites: listing it too made it depend on itself, which
     * make reports as a circular dependency. */
    bool spec_target = c->out_dir == NULL;
    if (spec_target)
        put_make_path(f, c->spec, true);
    fputc(':', f);
    for (size_t i = spec->unit_count; i-- > 0;) {
        if (spec_target && spec->units[i] == spec->main)
            continue;
        fputc(' ', f);
        put_make_path(f, spec->units[i]->path, false);
    }
    fputc('\n', f);
    /* phony targets for imports, so deleting one does not break make (like gcc -MP) */
    for (size_t i = 0; i + 1 < spec->unit_count; i++) {
        fputc('\n', f);
        put_make_path(f, spec->units[i]->path, true);
        fputs(":\n", f);
    }
}

/* The -MF file as it is replaced: a symbolic link's target, so the link stays (as gcc
 * writes through it). NULL for one that cannot be replaced by a rename, a device or a FIFO
 * (-MF /dev/stdout): written directly, after every other file is in place. Owned. */
static char *deps_replace_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return rp_xstrdup(path); /* not there yet (or a dangling link: replaced) */
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return NULL;
    struct stat lst;
    if (S_ISREG(st.st_mode) && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        char *real = realpath(path, NULL);
        if (real != NULL) {
            char *r = rp_xstrdup(real);
            free(real);
            return r;
        }
    }
    return rp_xstrdup(path);
}

/* Stages -MF FILE in set beside the run's other files (written together, all or none), or
 * says in *direct that it is to be written directly after them. 0 or EXIT_USAGE. */
static int stage_deps(const cli *c, const rp_ast_spec *spec, rp_out_set *set, bool *direct)
{
    *direct = false;
    if (!c->deps_stdout && c->deps_file == NULL)
        return 0;
    bool nameable = make_can_name(c->out_dir != NULL ? c->out_dir : c->spec);
    for (size_t i = 0; i < spec->unit_count && nameable; i++)
        nameable = make_can_name(spec->units[i]->path);
    if (!nameable)
        return EXIT_USAGE;
    if (c->deps_file == NULL)
        return 0;
    char *path = deps_replace_path(c->deps_file);
    if (path == NULL) {
        *direct = true;
        return 0;
    }
    FILE *f = rp_out_open_path(set, path);
    free(path);
    if (f == NULL)
        return EXIT_USAGE;
    write_deps(f, c, spec);
    return rp_out_close(set, f, NULL, 0) == 0 ? 0 : EXIT_USAGE;
}

/* After the files are in place: -M on stdout, and a -MF FILE that is a device or FIFO. */
static int put_deps(const cli *c, const rp_ast_spec *spec, bool direct)
{
    if (c->deps_stdout)
        write_deps(stdout, c, spec);
    if (!direct)
        return 0;
    FILE *f = fopen(c->deps_file, "w");
    if (f == NULL) {
        fprintf(stderr, "rprotoc: error: cannot write '%s': %s\n", c->deps_file, strerror(errno));
        return EXIT_USAGE;
    }
    write_deps(f, c, spec);
    bool ok = !ferror(f);
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "rprotoc: error: cannot write '%s': %s\n", c->deps_file,
                ok ? strerror(errno) : "write error");
        return EXIT_USAGE;
    }
    return 0;
}

/* ==== EMIT STEP ======================================================================
 * The one place where a checked spec becomes output files, staged in set (committed by the
 * caller with the -MF file). Returns 0, or EXIT_USAGE when an output could not be written
 * (an I/O error). The C emitter is called from here. */
static int emit_outputs(const rp_ast_spec *spec, rp_out_set *set, const char *out_dir,
                        rp_emit_optimize opt)
{
    return rp_emit_c_stage(spec, set, out_dir, opt, stderr) == 0 ? 0 : EXIT_USAGE;
}
/* ===================================================================================== */

/* Writes a whole output text to stdout; a failure is reported here, where errno still
 * says why (the final flush check in main only sees the stream's error flag). */
static int put_stdout(const char *text)
{
    if (fputs(text, stdout) >= 0 && fflush(stdout) == 0)
        return 0;
    fprintf(stderr, "rprotoc: error: writing standard output: %s\n", strerror(errno));
    return EXIT_USAGE;
}

/* --emit jsonschema / docs into out_dir/<protocol><suffix>, staged in set. Returns 0 or
 * EXIT_USAGE (I/O). */
static int emit_text(const rp_ast_spec *spec, const cli *c, rp_out_set *set)
{
    char *text = c->mode == MODE_EMIT_JSONSCHEMA ? rp_emit_jsonschema(spec) : rp_emit_docs(spec);
    rp_strbuf name = { 0 };
    rp_sb_printf(&name, "%s%s", spec->protocol, emit_text_suffix(c->mode));
    int rc = rp_out_write(set, c->out_dir, name.s, text, strlen(text)) == 0 ? 0 : EXIT_USAGE;
    free(name.s);
    free(text);
    return rc;
}

/* Stages the files of the run in set; the text for stdout (--dump-ast, --emit to stdout)
 * in *out (owned). *created: --vendor made its directory. 0 or EXIT_USAGE. */
static int stage_outputs(const rp_ast_spec *spec, const cli *c, rp_out_set *set, char **out,
                         bool *created)
{
    *out = NULL;
    *created = false;
    switch (c->mode) {
    case MODE_CHECK:
        return 0;
    case MODE_DUMP:
        *out = rp_dump_ast(spec);
        return 0;
    case MODE_EMIT_JSONSCHEMA:
    case MODE_EMIT_DOCS:
        if (c->out_dir != NULL)
            return emit_text(spec, c, set);
        *out = c->mode == MODE_EMIT_JSONSCHEMA ? rp_emit_jsonschema(spec) : rp_emit_docs(spec);
        return 0;
    case MODE_EMIT_DIAGRAM:
        return rp_emit_diagram_stage(spec, set, c->out_dir, stderr) == 0 ? 0 : EXIT_USAGE;
    case MODE_COMPILE:
        if (c->vendor)
            return rp_vendor_stage(spec, set, c->out_dir, c->with, c->optimize, created, stderr) == 0
                       ? 0 : EXIT_USAGE;
        return emit_outputs(spec, set, c->out_dir, c->optimize);
    }
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "validate") == 0)
        return rp_validate_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "compat") == 0)
        return rp_compat_main(argc - 1, argv + 1);
    cli c;
    memset(&c, 0, sizeof c);
    c.includes = rp_xcalloc((size_t)argc, sizeof *c.includes);
    c.with = rp_xcalloc((size_t)argc + 1, sizeof *c.with);
    int rc = parse_args(argc, argv, &c);
    if (rc >= 0) {
        free(c.includes);
        free(c.with);
        return rc == 0 && !rp_diag_flush_stdout() ? EXIT_USAGE : rc; /* --help, --version */
    }
    rp_diag *diag = rp_diag_new();
    rp_frontend_opts opts = { c.includes, c.include_count };
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_file(diag, c.spec, &opts, &spec);
    rp_diag_print(diag, stderr);
    rp_diag_free(diag);
    if (st == RP_FRONTEND_IO_ERROR)
        rc = EXIT_USAGE;
    else if (st != RP_FRONTEND_OK)
        rc = EXIT_SPEC;
    else {
        /* Every file of the run, the -MF file too, is complete before any is renamed into
         * place (out_files.h): a run that fails leaves every directory as it was. */
        rp_out_set set;
        rp_out_begin(&set, stderr);
        for (size_t i = 0; i < spec->unit_count; i++) /* the spec and its imports */
            rp_out_protect(&set, spec->units[i]->path);
        char *text = NULL;
        bool created = false, direct = false;
        rc = stage_outputs(spec, &c, &set, &text, &created);
        if (rc == 0)
            rc = stage_deps(&c, spec, &set, &direct);
        if (rc == 0 && text != NULL)
            rc = put_stdout(text);
        if (rc == 0)
            rc = rp_out_commit(&set) == 0 ? 0 : EXIT_USAGE;
        else
            rp_out_abort(&set);
        if (rc != 0 && created)
            rmdir(c.out_dir); /* --vendor made it: not there before the run */
        if (rc == 0)
            rc = put_deps(&c, spec, direct);
        free(text);
    }
    rp_ast_free(spec);
    free(c.includes);
    free(c.with);
    if (rc == 0 && !rp_diag_flush_stdout()) /* e.g. -M output on a full disk */
        rc = EXIT_USAGE;
    return rc;
}
