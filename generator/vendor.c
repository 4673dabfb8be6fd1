/* vendor.c — writes a self-contained build directory: generated pair + runtime sources. */
#include "vendor.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit_c.h"
#include "fe_util.h"

static int write_embedded(const char *dir, const rp_embedded_file *ef, FILE *diag)
{
    rp_strbuf path = { 0 };
    rp_sb_printf(&path, "%s/%s", dir, ef->name);
    FILE *f = fopen(path.s, "wb");
    int rc = -1;
    if (f == NULL) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot create %s: %s\n", path.s, strerror(errno));
        free(path.s);
        return -1;
    }
    bool ok = true;
    for (size_t i = 0; i < ef->line_count && ok; i++)
        ok = fputs(ef->lines[i], f) >= 0;
    if (fclose(f) != 0)
        ok = false;
    if (ok)
        rc = 0;
    else if (diag != NULL)
        fprintf(diag, "rprotoc: error: cannot write %s: %s\n", path.s, strerror(errno));
    free(path.s);
    return rc;
}

int rp_vendor_write(const rp_ast_spec *spec, const char *dir, FILE *diag)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot create directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (rp_emit_c_write(spec, dir, diag) != 0)
        return -1;
    for (size_t i = 0; i < rp_runtime_file_count; i++)
        if (write_embedded(dir, &rp_runtime_files[i], diag) != 0)
            return -1;
    return 0;
}
