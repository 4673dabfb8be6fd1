/* fuzz_rprotoc: the rprotoc front end (lexer, parser, semantic checks) and the C emitter on
 * arbitrary spec text, through the in-memory entry point rp_frontend_load_buffer.
 *
 * The spec is trusted input, but the compiler must still never crash, leak or loop on it:
 *  - a spec is returned exactly when no error was reported, and every error leaves text;
 *  - diagnostics are deterministic (a second run gives byte-identical text);
 *  - a spec that checks cleanly renders a C pair (lengths consistent), and a machines pair
 *    exactly when it has machines (never refused: the machine limits are the checker's);
 *    byte-identical output
 *    across runs is the golden tests' job, so it is rendered once here to keep executions fast.
 * Imports are resolved relative to a directory that does not exist, so the file system is
 * only reached through "../"-style paths the fuzzer happens to write.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "emit_c.h"
#include "emit_c_machine.h"
#include "fuzz_check.h"
#include "source.h"

#define NAME "fuzz-input.d/spec.rproto"

static FILE *null_stream(void)
{
    static FILE *f;
    if (f == NULL) f = fopen("/dev/null", "w");
    return f;
}

static char *run(const uint8_t *data, size_t size, char **hdr, char **src)
{
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(d, NAME, (const char *)data, size, NULL, &spec);
    FUZZ_CHECK(st == RP_FRONTEND_OK || st == RP_FRONTEND_SPEC_ERROR);
    const char *text = rp_diag_text(d);
    FUZZ_CHECK(text != NULL);
    if (st == RP_FRONTEND_OK && hdr == NULL) {
        FUZZ_CHECK(spec != NULL && rp_diag_error_count(d) == 0);
        rp_ast_free(spec);
    } else if (st == RP_FRONTEND_OK) {
        FUZZ_CHECK(spec != NULL && rp_diag_error_count(d) == 0);
        rp_emit_c_output out;
        if (rp_emit_c_render(spec, &out, null_stream()) == 0) {
            FUZZ_CHECK(out.header != NULL && out.source != NULL);
            FUZZ_CHECK(strlen(out.header) == out.header_len && strlen(out.source) == out.source_len);
            *hdr = strdup(out.header);
            *src = strdup(out.source);
            rp_emit_c_output_free(&out);
        }
        /* a checked spec's machines always render (their limits are the checker's), and
         * only a spec with machines has a machines pair */
        FUZZ_CHECK(rp_emit_c_machines_render(spec, &out, null_stream()) == 0);
        FUZZ_CHECK((out.header != NULL) == (spec->machine_count > 0));
        FUZZ_CHECK(out.header == NULL || (strlen(out.header) == out.header_len &&
                                          strlen(out.source) == out.source_len));
        rp_emit_c_output_free(&out);
        rp_ast_free(spec);
    } else {
        FUZZ_CHECK(spec == NULL && rp_diag_error_count(d) > 0 && text[0] != '\0');
    }
    char *copy = strdup(text);
    FUZZ_CHECK(copy != NULL);
    rp_diag_free(d);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;   /* specs are small; keep executions fast */
    char *h1 = NULL, *s1 = NULL;
    char *t1 = run(data, size, &h1, &s1);
    char *t2 = run(data, size, NULL, NULL);
    FUZZ_CHECK(strcmp(t1, t2) == 0);
    free(t1);
    free(t2);
    free(h1);
    free(s1);
    return 0;
}
