/* emit_c.c — entry points of the C emitter: render the pair, hash the spec, write files.
 * The header is built by emit_c_header.c, the source by emit_c_source.c.
 */
#include "emit_c_internal.h"
#include "emit_c_machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

const char *rp_emit_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* SHA-256 over the text of every unit (dependencies first, main last), as lowercase hex. */
static int spec_sha256(const rp_ast_spec *spec, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
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

int rp_emit_c_render(const rp_ast_spec *spec, rp_emit_c_output *out, FILE *diag)
{
    memset(out, 0, sizeof *out);
    if (spec == NULL || spec->protocol == NULL || spec->main == NULL) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: the spec has no `protocol NAME;`, so generated names "
                          "have no prefix\n");
        return -1;
    }
    if (emit_c_machines_check(spec, diag) != 0)
        return -1;
    emit_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.spec = spec;
    cx.prefix = emit_snake(spec->protocol);
    cx.upper = emit_upper(cx.prefix);
    cx.done = rp_xcalloc(spec->decl_count + 1, sizeof *cx.done);
    if (spec_sha256(spec, cx.sha256) < 0) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot compute SHA-256 of the spec (OpenSSL)\n");
        free(cx.prefix);
        free(cx.upper);
        free(cx.done);
        return -1;
    }
    const char *spec_name = rp_emit_basename(spec->main->path);
    emit_c_header(&cx, spec_name);
    emit_c_source(&cx, spec_name);

    rp_strbuf name = { 0 };
    rp_sb_printf(&name, "%s.h", cx.prefix);
    out->header_name = rp_sb_take(&name);
    rp_sb_printf(&name, "%s.c", cx.prefix);
    out->source_name = rp_sb_take(&name);
    out->header_len = cx.h.len;
    out->header = rp_sb_take(&cx.h);
    out->source_len = cx.c.len;
    out->source = rp_sb_take(&cx.c);
    free(cx.prefix);
    free(cx.upper);
    free(cx.done);
    return 0;
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

/* Writes text to dir/name via dir/.name.tmp and rename(). */
static int write_file(const char *dir, const char *name, const char *text, size_t len, FILE *diag)
{
    rp_strbuf path = { 0 }, tmp = { 0 };
    rp_sb_printf(&path, "%s/%s", dir, name);
    rp_sb_printf(&tmp, "%s/.%s.tmp", dir, name);
    int rc = -1;
    FILE *f = fopen(tmp.s, "wb");
    if (f == NULL) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot create %s: %s\n", tmp.s, strerror(errno));
        goto out;
    }
    size_t wrote = fwrite(text, 1, len, f);
    int close_rc = fclose(f);
    if (wrote != len || close_rc != 0) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot write %s: %s\n", tmp.s, strerror(errno));
        remove(tmp.s);
        goto out;
    }
    if (rename(tmp.s, path.s) != 0) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot rename %s to %s: %s\n", tmp.s, path.s,
                    strerror(errno));
        remove(tmp.s);
        goto out;
    }
    rc = 0;
out:
    free(path.s);
    free(tmp.s);
    return rc;
}

int rp_emit_c_write(const rp_ast_spec *spec, const char *out_dir, FILE *diag)
{
    rp_emit_c_output out;
    if (rp_emit_c_render(spec, &out, diag) < 0)
        return -1;
    int rc = write_file(out_dir, out.header_name, out.header, out.header_len, diag);
    if (rc == 0)
        rc = write_file(out_dir, out.source_name, out.source, out.source_len, diag);
    rp_emit_c_output_free(&out);
    return rc;
}
