/* vendor.c — writes a self-contained build directory: the generated pair and the runtime
 * files the spec needs (see vendor.h). */
#include "vendor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit_c.h"
#include "fe_util.h"
#include "out_files.h"

/* ---- what a spec uses ------------------------------------------------------------------------ */

enum {
    NEED_CODEC = 1u << 0,       /* every spec: the codec core */
    NEED_FRAMING = 1u << 1,     /* the spec has ports */
    NEED_ENVELOPES = 1u << 2,   /* the spec has envelopes: the envelope engine */
    NEED_JSON = 1u << 3,        /* layer kinds its envelopes use, one bit each */
    NEED_BASE64 = 1u << 4,
    NEED_HEX = 1u << 5,
    NEED_JOIN = 1u << 6,
    NEED_ZLIB = 1u << 7,
    NEED_RSA = 1u << 8,
    NEED_AES = 1u << 9,
    NEED_CLOCK = 1u << 10,      /* something that keeps time (sessions) */
    NEED_SESSION = 1u << 11,    /* the spec has machines: the session engine (and its pair) */
    NEED_SPEED = 1u << 12,      /* --optimize speed: the lanes in front of the table engine */
    NEED_FLOAT64 = 1u << 13,    /* a float64 field: its kind and the double <-> text code */
    NEED_STRENUM = 1u << 14,    /* a string enum field: its kind */
    NEED_MAP = 1u << 15         /* a map field: the map kind */
};

/* Spec feature -> runtime files: a file is taken when the spec needs any bit of `need`.
 * `stem` is a base name without .c/.h, or a prefix ending in '*'. Adding a runtime module is
 * one line here; a row whose file is not embedded (not written yet) selects nothing. What a
 * selected file includes is taken too (include_closure), so a layer's own dependencies need
 * no row. */
static const struct {
    unsigned need;
    const char *layer;
    const char *stem;
} vendor_table[] = {
    { NEED_CODEC, "core", "rp_error" },
    { NEED_CODEC, "core", "rp_arena" },
    { NEED_CODEC, "core", "rp_codec" },
    { NEED_CODEC, "core", "rp_json" },
    { NEED_CODEC, "core", "rp_json_internal" },
    { NEED_CODEC, "core", "rp_json_scan" },
    { NEED_CODEC, "core", "rp_json_text" },
    { NEED_CODEC, "core", "rp_json_write" },
    { NEED_CODEC, "core", "rp_json_path" },
    { NEED_CODEC, "core", "rp_json_number" },
    { NEED_CODEC, "core", "rp_schema" },
    { NEED_CODEC, "core", "rp_schema_decode" },
    { NEED_CODEC, "core", "rp_schema_encode" },
    { NEED_CODEC, "core", "rp_schema_classify" },
    { NEED_FLOAT64, "core", "rp_schema_float" }, /* takes rp_json_float, which it includes */
    { NEED_STRENUM, "core", "rp_schema_strenum" },
    { NEED_MAP, "core", "rp_schema_map" },
    { NEED_SPEED, "core", "rp_schema_fast" }, /* the table engine's own fast lanes */
    { NEED_SPEED, "core", "rp_lane" },        /* the generated decode lanes' helpers */
    { NEED_SPEED, "core", "rp_lane_write" },  /* the generated encode lanes' helpers */
    { NEED_CLOCK, "core", "rp_clock" },
    { NEED_FRAMING, "frame", "rp_frame" },
    { NEED_ENVELOPES, "envelope", "rp_envelope" },
    { NEED_ENVELOPES, "envelope", "rp_layer" },
    { NEED_JSON, "envelope", "rp_layer_json" },
    { NEED_BASE64, "envelope", "rp_layer_base64" },
    { NEED_HEX, "envelope", "rp_layer_hex" },
    { NEED_JOIN, "envelope", "rp_layer_join" },
    { NEED_ZLIB, "envelope", "rp_layer_zlib" },
    { NEED_RSA, "envelope", "rp_layer_rsa" },
    { NEED_AES, "envelope", "rp_layer_aes" },
    { NEED_RSA | NEED_AES, "crypto", "rp_crypto" },
    { NEED_ZLIB, "zlib", "rp_zlib" },
    { NEED_SESSION, "session", "rp_machine" },
};

/* The layer kinds one envelope is composed of. */
static unsigned envelope_needs(const rp_ast_envelope *e)
{
    unsigned need = 0;
    for (size_t i = 0; i < e->layer_count; i++) {
        switch (e->layers[i].kind) {
        case RP_AST_LAYER_JSON: need |= NEED_JSON; break;
        case RP_AST_LAYER_ZLIB: need |= NEED_ZLIB; break;
        case RP_AST_LAYER_BASE64:
        case RP_AST_LAYER_BASE64_LENIENT: need |= NEED_BASE64; break;
        case RP_AST_LAYER_HEX: need |= NEED_HEX; break;
        case RP_AST_LAYER_RSA: need |= NEED_RSA; break;
        case RP_AST_LAYER_AES: need |= NEED_AES; break;
        case RP_AST_LAYER_JOIN:
            need |= NEED_JOIN;
            for (size_t p = 0; p < e->layers[i].part_count; p++)
                if (e->layers[i].parts[p].kind == RP_AST_PART_IV_HEX)
                    need |= NEED_HEX; /* the IV is written in hex */
            break;
        }
    }
    return need;
}

/* The field kinds whose code the engine reaches only through a field's description. */
static unsigned field_kind_needs(const rp_ast_spec *spec)
{
    unsigned need = 0;
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MESSAGE)
            continue;
        for (size_t k = 0; k < d->u.message.field_count; k++) {
            const rp_ast_field *f = &d->u.message.fields[k];
            if (f->type.is_map)
                need |= NEED_MAP; /* and the value's kind, below */
            switch (rp_emit_kind_of(f)) { /* what the emitted tables name */
            case RP_EMIT_KIND_FLOAT64: need |= NEED_FLOAT64; break;
            case RP_EMIT_KIND_STRENUM: need |= NEED_STRENUM; break;
            case RP_EMIT_KIND_NONE: break;
            }
        }
    }
    return need;
}

/* What the spec uses, as NEED_* bits: with ports the framing and the envelope engine (the
 * transport header describes them in rp_envelope.h's types), and the layers of every envelope
 * declared (the transport tables name them all, routed or not). */
static unsigned spec_needs(const rp_ast_spec *spec)
{
    unsigned need = NEED_CODEC | field_kind_needs(spec);
    if (spec->port_count > 0)
        need |= NEED_FRAMING | NEED_ENVELOPES;
    for (size_t e = 0; e < spec->envelope_count; e++)
        need |= NEED_ENVELOPES | envelope_needs(&spec->envelopes[e]->u.envelope);
    if (spec->machine_count > 0)
        need |= NEED_SESSION;
    for (size_t i = 0; i < spec->decl_count; i++) {
        size_t n = 0;
        const rp_ast_route *r = rp_ast_decl_routes(spec->decls[i], &n);
        for (size_t k = 0; k < n; k++) {
            need |= NEED_FRAMING | NEED_ENVELOPES;
            for (size_t e = 0; e < r[k].envelope_count; e++)
                need |= envelope_needs(&r[k].envelopes[e]->u.envelope);
        }
    }
    return need;
}

/* ---- selection ----------------------------------------------------------------------------- */

/* Base name without its extension: "rp_arena.c" -> length of "rp_arena". */
static size_t stem_len(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot != NULL ? (size_t)(dot - name) : strlen(name);
}

static bool stem_matches(const char *name, const char *stem)
{
    size_t n = stem_len(name), s = strlen(stem);
    if (s > 0 && stem[s - 1] == '*')
        return n >= s - 1 && strncmp(name, stem, s - 1) == 0;
    return n == s && strncmp(name, stem, s) == 0;
}

/* Index of the embedded file called name, or rp_runtime_file_count. */
static size_t find_file(const char *name, size_t len)
{
    for (size_t i = 0; i < rp_runtime_file_count; i++)
        if (strlen(rp_runtime_files[i].name) == len && strncmp(rp_runtime_files[i].name, name, len) == 0)
            return i;
    return rp_runtime_file_count;
}

/* The name in a line `#include "name"` (leading blanks allowed), its length in *len; NULL
 * for any other line. */
static const char *quoted_include(const char *line, size_t *len)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, "#include \"", 10) != 0)
        return NULL;
    line += 10;
    const char *end = strchr(line, '"');
    if (end == NULL)
        return NULL;
    *len = (size_t)(end - line);
    return line;
}

/* Selects file i and, transitively, every embedded file it includes as "x.h", with x.c. */
static void take(bool *sel, size_t i)
{
    if (i >= rp_runtime_file_count || sel[i])
        return;
    sel[i] = true;
    const rp_embedded_file *f = &rp_runtime_files[i];
    for (size_t l = 0; l < f->line_count; l++) {
        size_t n = 0;
        const char *p = quoted_include(f->lines[l], &n);
        if (p == NULL)
            continue;
        size_t h = find_file(p, n);
        if (h == rp_runtime_file_count)
            continue; /* not a runtime file (the generated header, a system header) */
        take(sel, h);
        /* the header's implementation: same stem, .c */
        char impl[256];
        size_t sl = stem_len(rp_runtime_files[h].name);
        if (sl + 3 <= sizeof impl) {
            memcpy(impl, rp_runtime_files[h].name, sl);
            memcpy(impl + sl, ".c", 3);
            take(sel, find_file(impl, sl + 2));
        }
    }
}

bool rp_vendor_layer_exists(const char *name)
{
    for (size_t i = 0; i < rp_runtime_file_count; i++)
        if (strcmp(rp_runtime_files[i].layer, name) == 0)
            return true;
    return false;
}

bool *rp_vendor_select(const rp_ast_spec *spec, const char *const *with, rp_emit_optimize opt)
{
    bool *sel = rp_xcalloc(rp_runtime_file_count + 1, sizeof *sel);
    unsigned need = spec_needs(spec) | (opt == RP_EMIT_OPTIMIZE_SPEED ? NEED_SPEED : 0u);
    for (size_t t = 0; t < sizeof vendor_table / sizeof vendor_table[0]; t++) {
        if ((vendor_table[t].need & need) == 0)
            continue;
        for (size_t i = 0; i < rp_runtime_file_count; i++)
            if (strcmp(rp_runtime_files[i].layer, vendor_table[t].layer) == 0 &&
                stem_matches(rp_runtime_files[i].name, vendor_table[t].stem))
                take(sel, i);
    }
    for (size_t w = 0; with != NULL && with[w] != NULL; w++)
        for (size_t i = 0; i < rp_runtime_file_count; i++)
            if (strcmp(rp_runtime_files[i].layer, with[w]) == 0)
                take(sel, i);
    return sel;
}

/* ---- writing ------------------------------------------------------------------------------- */

static int stage_embedded(rp_out_set *set, const char *dir, const rp_embedded_file *ef)
{
    FILE *f = rp_out_open(set, dir, ef->name);
    if (f == NULL)
        return -1;
    bool ok = true;
    for (size_t i = 0; i < ef->line_count && ok; i++)
        ok = fputs(ef->lines[i], f) >= 0;
    return rp_out_close(set, f, NULL, 0) == 0 && ok ? 0 : -1;
}

/* Whether a selected file includes a "x.h" that is neither selected nor written into dir by
 * the spec's generated code (a protocol layer added with --vendor-with for another
 * protocol's spec: the residue layer needs residue.h). The missing names are said once, in
 * one line. */
static bool missing_includes(const bool *sel, const rp_out_set *set, const char *dir,
                             FILE *diag)
{
    rp_strbuf names = { 0 };
    const char *layer = NULL;
    for (size_t i = 0; i < rp_runtime_file_count; i++) {
        if (!sel[i])
            continue;
        const rp_embedded_file *f = &rp_runtime_files[i];
        for (size_t l = 0; l < f->line_count; l++) {
            size_t n = 0;
            const char *p = quoted_include(f->lines[l], &n);
            if (p == NULL || find_file(p, n) < rp_runtime_file_count)
                continue; /* a runtime file: selected with the one that includes it */
            rp_strbuf path = { 0 };
            rp_sb_printf(&path, "%s/%.*s", dir, (int)n, p);
            struct stat st;
            bool there = rp_out_has(set, path.s) || stat(path.s, &st) == 0;
            free(path.s);
            char quoted[300];
            snprintf(quoted, sizeof quoted, "'%.*s'", (int)n, p);
            if (there || (names.s != NULL && strstr(names.s, quoted) != NULL))
                continue;
            rp_sb_printf(&names, "%s%s", names.len > 0 ? ", " : "", quoted);
            layer = f->layer;
        }
    }
    if (names.len > 0 && diag != NULL)
        fprintf(diag, "rprotoc: error: --vendor: the '%s' layer includes %s, which this spec's "
                      "generated code does not provide (the layer is for another protocol's spec)\n",
                layer, names.s);
    bool missing = names.len > 0;
    free(names.s);
    return missing;
}

int rp_vendor_stage(const rp_ast_spec *spec, rp_out_set *set, const char *dir,
                    const char *const *with, rp_emit_optimize opt, bool *created, FILE *diag)
{
    *created = false;
    if (mkdir(dir, 0777) == 0) {
        *created = true;
    } else if (errno != EEXIST) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot create directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (rp_emit_c_stage(spec, set, dir, opt, diag) != 0)
        return -1;
    bool *sel = rp_vendor_select(spec, with, opt);
    if (missing_includes(sel, set, dir, diag)) {
        free(sel);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < rp_runtime_file_count && rc == 0; i++)
        if (sel[i])
            rc = stage_embedded(set, dir, &rp_runtime_files[i]);
    free(sel);
    return rc;
}

int rp_vendor_write(const rp_ast_spec *spec, const char *dir, const char *const *with,
                    rp_emit_optimize opt, FILE *diag)
{
    rp_out_set set;
    rp_out_begin(&set, diag);
    bool created;
    int rc = rp_vendor_stage(spec, &set, dir, with, opt, &created, diag);
    if (rc == 0)
        rc = rp_out_commit(&set);
    else
        rp_out_abort(&set);
    if (rc != 0 && created)
        rmdir(dir); /* it was not there before the run */
    return rc;
}
