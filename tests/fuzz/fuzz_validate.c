/* fuzz_validate: differential test of the two ways rproto checks a message —
 *   - the generated decoders (residue_*_decode: descriptions emitted as C by rprotoc), and
 *   - `rprotoc validate` (rp_validate_json: descriptions built from the AST at run time,
 *     collect-all mode).
 * For every message of spec/residue.rproto and both modes, the two must agree on whether the
 * text is valid. A disagreement means the emitter and the validator read the spec differently.
 * The spec is loaded once, from the project root.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz_check.h"
#include "residue.h"
#include "source.h"
#include "validate.h"
#include "residue_profiles.h"

#define SPEC_PATH "spec/residue.rproto"

typedef int (*dec_fn)(const char *, size_t, void *, rp_arena *, const rp_schema_profile *, rp_error *);

#define DEC(n)                                                                                \
    static int dec_##n(const char *j, size_t l, void *o, rp_arena *a, const rp_schema_profile *m,      \
                       rp_error *e)                                                           \
    {                                                                                         \
        return residue_##n##_decode(j, l, o, a, m, e);                                        \
    }
DEC(connect)
DEC(acknowledgement)
DEC(touch)
DEC(hello)
DEC(server_info)
DEC(established)
DEC(connect_error)
DEC(log_request)
DEC(log_bulk)
DEC(log_reply)

static const struct {
    const char *spec_name;
    size_t size;
    dec_fn dec;
} msgs[] = {
    {"Connect", sizeof(residue_connect), dec_connect},
    {"Acknowledgement", sizeof(residue_acknowledgement), dec_acknowledgement},
    {"Touch", sizeof(residue_touch), dec_touch},
    {"Hello", sizeof(residue_hello), dec_hello},
    {"ServerInfo", sizeof(residue_server_info), dec_server_info},
    {"Established", sizeof(residue_established), dec_established},
    {"ConnectError", sizeof(residue_connect_error), dec_connect_error},
    {"LogRequest", sizeof(residue_log_request), dec_log_request},
    {"LogBulk", sizeof(residue_log_bulk), dec_log_bulk},
    {"LogReply", sizeof(residue_log_reply), dec_log_reply},
};

static rp_ast_spec *spec(void)
{
    static rp_ast_spec *s;
    if (s == NULL) {
        rp_diag *d = rp_diag_new();
        if (rp_frontend_load_file(d, SPEC_PATH, NULL, &s) != RP_FRONTEND_OK) {
            rp_diag_print(d, stderr);
            fprintf(stderr, "fuzz_validate: cannot load %s (run from the project root)\n", SPEC_PATH);
            abort();
        }
        rp_diag_free(d);
    }
    return s;
}

static FILE *devnull(void)
{
    static FILE *f;
    if (f == NULL) f = fopen("/dev/null", "w");
    FUZZ_CHECK(f != NULL);
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    const char *text = (const char *)data;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        for (int mode = 0; mode < 2; mode++) {
            const rp_schema_profile *m = mode ? &residue_profile_wire : NULL;
            void *msg = malloc(msgs[i].size);
            size_t cap = 2 * size + 64;
            uint8_t *store = malloc(cap);
            FUZZ_CHECK(msg != NULL && store != NULL);
            rp_arena a;
            rp_arena_init(&a, store, cap);
            rp_error err;
            int gen = msgs[i].dec(text, size, msg, &a, m, &err);
            int problems = rp_validate_json(spec(), msgs[i].spec_name, text, size, "fuzz", m,
                                            devnull(), devnull());
            FUZZ_CHECK(problems >= 0);
            if ((gen == 0) != (problems == 0)) {
                char buf[512];
                rp_error_format(&err, buf, sizeof buf);
                fprintf(stderr, "fuzz_validate: %s (%s mode): generated decoder %s, rprotoc validate "
                                "found %d problem(s)\n  generated: %s\n",
                        msgs[i].spec_name, mode ? "wire" : "strict", gen == 0 ? "accepts" : "refuses",
                        problems, gen == 0 ? "ok" : buf);
                rp_validate_json(spec(), msgs[i].spec_name, text, size, "fuzz", m, stderr, stderr);
                FUZZ_CHECK(0 && "generated decoder and rprotoc validate disagree");
            }
            free(msg);
            free(store);
        }
    }
    return 0;
}
