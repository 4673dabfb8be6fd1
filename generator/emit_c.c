/* emit_c.c — entry points of the C emitter: render the pair, hash the spec, write files.
 * The header is built by emit_c_header.c, the source by emit_c_source.c.
 */
#include "emit_c_internal.h"
#include "emit_c_machine.h"
#include "out_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

const char *rp_emit_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

int emit_spec_sha256(const rp_ast_spec *spec, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    /* OpenSSL 3.0 sets up its default library context once; when an allocation of that
     * fails, the EVP calls below go on with the half-made context and crash on its NULL
     * lock. Asking first turns that into a failure (the answer is remembered). */
    if (OPENSSL_init_crypto(0, NULL) != 1 || OSSL_LIB_CTX_get0_global_default() == NULL)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < spec->unit_count; i++)
        ok = EVP_DigestUpdate(ctx, spec->units[i]->text, spec->units[i]->text_len) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static void ctx_free(emit_ctx *cx);

/* Prepares cx for rendering either pair. Returns 0 or -1 with a line on diag; cx is
 * released by ctx_free either way. */
static int ctx_init(const rp_ast_spec *spec, emit_ctx *cx, FILE *h_sink, FILE *c_sink, FILE *diag)
{
    memset(cx, 0, sizeof *cx);
    if (spec == NULL || spec->protocol == NULL || spec->main == NULL) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: the spec has no `protocol NAME;`, so generated names "
                          "have no prefix\n");
        return -1;
    }
    cx->spec = spec;
    cx->h_sink = h_sink;
    cx->c_sink = c_sink;
    rp_cnames_init(&cx->names, spec->protocol);
    for (int k = 0; k < RP_CN_FIXED_COUNT; k++)
        cx->fixed[k] = rp_cname_fixed(&cx->names, (rp_cname_fixed_kind)k);
    cx->routed = rp_cname_spec_is_routed(spec);
    cx->done = rp_xcalloc(spec->decl_count + 1, sizeof *cx->done);
    cx->bounds = rp_xcalloc(spec->decl_count + 1, sizeof *cx->bounds);
    if (emit_spec_sha256(spec, cx->sha256) < 0) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot compute SHA-256 of the spec (OpenSSL)\n");
        return -1;
    }
    return 0;
}

/* Renders the codec pair into cx->h / cx->c; with sinks set, the texts are spilled to them
 * as they grow (emit_spill) and what is left stays in the buffers. */
static int render(const rp_ast_spec *spec, rp_emit_optimize opt, emit_ctx *cx, FILE *h_sink,
                  FILE *c_sink, FILE *diag)
{
    if (ctx_init(spec, cx, h_sink, c_sink, diag) < 0)
        return -1;
    cx->lanes = opt == RP_EMIT_OPTIMIZE_SPEED;
    const char *spec_name = rp_emit_basename(spec->main->path);
    emit_c_header(cx, spec_name);
    emit_c_source(cx, spec_name);
    return 0;
}

bool rp_emit_c_has_transport(const rp_ast_spec *spec)
{
    return spec != NULL && spec->port_count > 0;
}

int rp_emit_c_render_transport(const rp_ast_spec *spec, rp_emit_c_output *out, FILE *diag)
{
    memset(out, 0, sizeof *out);
    if (!rp_emit_c_has_transport(spec)) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: the spec declares no port, so it has no transport tables\n");
        return -1;
    }
    emit_ctx cx;
    int rc = ctx_init(spec, &cx, NULL, NULL, diag);
    if (rc == 0) {
        emit_c_transport(&cx, rp_emit_basename(spec->main->path));
        out->header_name = rp_cname_transport_file(&cx.names, true);
        out->source_name = rp_cname_transport_file(&cx.names, false);
        out->header_len = cx.h.len;
        out->header = rp_sb_take(&cx.h);
        out->source_len = cx.c.len;
        out->source = rp_sb_take(&cx.c);
    }
    ctx_free(&cx);
    return rc;
}

static void ctx_free(emit_ctx *cx)
{
    for (int k = 0; k < RP_CN_FIXED_COUNT; k++)
        free(cx->fixed[k]);
    rp_cnames_free(&cx->names);
    free(cx->done);
    free(cx->bounds);
    free(cx->h.s);
    free(cx->c.s);
}

static void sink_failed(emit_ctx *cx, FILE *sink)
{
    if (!cx->sink_failed) {
        cx->sink_failed = true;
        cx->failed_sink = sink;
        cx->sink_errno = errno;
    }
}

void emit_spill(emit_ctx *cx)
{
    /* Whole buffers of about a megabyte: the output never has to fit in memory at once. */
    enum { SPILL_AT = 1u << 20 };
    if (cx->h_sink != NULL && cx->h.len >= SPILL_AT) {
        if (fwrite(cx->h.s, 1, cx->h.len, cx->h_sink) != cx->h.len)
            sink_failed(cx, cx->h_sink);
        cx->h.len = 0;
    }
    if (cx->c_sink != NULL && cx->c.len >= SPILL_AT) {
        if (fwrite(cx->c.s, 1, cx->c.len, cx->c_sink) != cx->c.len)
            sink_failed(cx, cx->c_sink);
        cx->c.len = 0;
    }
}

int rp_emit_c_render(const rp_ast_spec *spec, rp_emit_c_output *out, FILE *diag)
{
    return rp_emit_c_render_opt(spec, RP_EMIT_OPTIMIZE_SPEED, out, diag);
}

int rp_emit_c_render_opt(const rp_ast_spec *spec, rp_emit_optimize opt, rp_emit_c_output *out,
                         FILE *diag)
{
    memset(out, 0, sizeof *out);
    emit_ctx cx;
    int rc = render(spec, opt, &cx, NULL, NULL, diag);
    if (rc == 0) {
        out->header_name = rp_cname_file(&cx.names, true);
        out->source_name = rp_cname_file(&cx.names, false);
        out->header_len = cx.h.len;
        out->header = rp_sb_take(&cx.h);
        out->source_len = cx.c.len;
        out->source = rp_sb_take(&cx.c);
    }
    ctx_free(&cx);
    return rc;
}

void rp_emit_c_output_free(rp_emit_c_output *out)
{
    if (out == NULL)
        return;
    free(out->header_name);
    free(out->header);
    free(out->source_name);
    free(out->source);
    memset(out, 0, sizeof *out);
}

/* Stages a rendered pair (no-op for an empty one, header NULL) in the set. */
static int stage_pair(rp_out_set *set, const char *out_dir, const rp_emit_c_output *t)
{
    if (t->header == NULL)
        return 0;
    return rp_out_write(set, out_dir, t->header_name, t->header, t->header_len) == 0 &&
                   rp_out_write(set, out_dir, t->source_name, t->source, t->source_len) == 0
               ? 0
               : -1;
}

/* The machines pair and the transport pair, staged after the codec pair. */
static int stage_rest(const rp_ast_spec *spec, rp_out_set *set, const char *out_dir, FILE *diag)
{
    rp_emit_c_output t;
    int rc = rp_emit_c_machines_render(spec, &t, diag);
    if (rc == 0)
        rc = stage_pair(set, out_dir, &t);
    rp_emit_c_output_free(&t);
    if (rc == 0 && rp_emit_c_has_transport(spec)) {
        rc = rp_emit_c_render_transport(spec, &t, diag);
        if (rc == 0)
            rc = stage_pair(set, out_dir, &t);
        rp_emit_c_output_free(&t);
    }
    return rc;
}

int rp_emit_c_write(const rp_ast_spec *spec, const char *out_dir, FILE *diag)
{
    return rp_emit_c_write_opt(spec, out_dir, RP_EMIT_OPTIMIZE_SPEED, diag);
}

int rp_emit_c_stage(const rp_ast_spec *spec, rp_out_set *set, const char *out_dir,
                    rp_emit_optimize opt, FILE *diag)
{
    if (spec == NULL || spec->protocol == NULL) {
        emit_ctx cx;
        int rc = render(spec, opt, &cx, NULL, NULL, diag); /* reports the missing protocol */
        ctx_free(&cx);
        (void)rc;
        return -1;
    }
    rp_cnames names;
    rp_cnames_init(&names, spec->protocol);
    char *hname = rp_cname_file(&names, true), *cname = rp_cname_file(&names, false);
    rp_cnames_free(&names);
    size_t base = set->count; /* the pair's entries in the set */
    FILE *h = rp_out_open(set, out_dir, hname);
    FILE *c = h != NULL ? rp_out_open(set, out_dir, cname) : NULL;
    int rc = -1;
    if (c != NULL) {
        emit_ctx cx;
        if (render(spec, opt, &cx, h, c, diag) == 0) {
            if (cx.sink_failed) {
                if (diag != NULL)
                    fprintf(diag, "rprotoc: error: cannot write %s: %s\n",
                            set->files[base + (cx.failed_sink == c ? 1 : 0)].tmp,
                            strerror(cx.sink_errno));
            } else if (rp_out_close(set, h, cx.h.s, cx.h.len) == 0 &&
                       rp_out_close(set, c, cx.c.s, cx.c.len) == 0) {
                rc = 0;
            }
        }
        ctx_free(&cx);
    }
    if (rc == 0)
        rc = stage_rest(spec, set, out_dir, diag);
    free(hname);
    free(cname);
    return rc;
}

int rp_emit_c_write_opt(const rp_ast_spec *spec, const char *out_dir, rp_emit_optimize opt,
                        FILE *diag)
{
    /* Every file is complete before any replaces its old self: a run that fails (an I/O
     * error, or out of memory) leaves out_dir as it was (out_files.h). */
    rp_out_set set;
    rp_out_begin(&set, diag);
    int rc = rp_emit_c_stage(spec, &set, out_dir, opt, diag);
    if (rc == 0)
        rc = rp_out_commit(&set);
    else
        rp_out_abort(&set);
    return rc;
}
