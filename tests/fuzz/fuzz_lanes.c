/* fuzz_lanes: residue's generated decode lanes (rprotoc --optimize speed) against the table
 * walk, on arbitrary text.
 *
 * generated/residue.c is compiled in so that its static descriptions can be handed to
 * rp_schema_decode directly (the decode of --optimize size). For every message, strict and
 * under both wire profiles, the generated decode (lane first) and rp_schema_decode, each
 * over the same storage buffer (an exact-size heap block, so ASan sees any store the lanes'
 * block copies would put past it), must give:
 *  - the same return code and the same storage use;
 *  - on success the same struct, byte for byte (its pointers into storage included), and the
 *    same encoding of it (so the same value bytes);
 *  - on failure the same error: code, layer, offset, path, message and spec location.
 * Storage is sized from the input, and every fourth run it is a little short, so running
 * out at any point is compared too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "residue.c"

typedef int (*dec_fn)(const char *, size_t, void *, rp_arena *, const rp_schema_profile *, rp_error *);

typedef struct lane_msg {
    const rp_schema_message *schema;
    dec_fn decode;
} lane_msg;

#define MSG(n) { &schema__##n, (dec_fn)residue_##n##_decode }
static const lane_msg msgs[] = {
    MSG(connect), MSG(acknowledgement), MSG(touch), MSG(hello), MSG(server_info),
    MSG(established), MSG(connect_error), MSG(log_request), MSG(log_bulk), MSG(log_reply),
};
#define NMSGS (sizeof msgs / sizeof msgs[0])

static const rp_schema_profile *const profiles[] = {
    NULL, &residue_profile_wire, &residue_profile_wire_untimed
};

static unsigned char g_a[sizeof(residue_log_bulk)], g_b[sizeof(residue_log_bulk)];
static char g_text_a[1 << 16], g_text_b[1 << 16];

static bool same_error(const rp_error *a, const rp_error *b)
{
    return a->code == b->code && a->layer == b->layer && a->offset == b->offset &&
           strcmp(a->path, b->path) == 0 && strcmp(a->message, b->message) == 0 &&
           a->spec.line == b->spec.line && a->spec.column == b->spec.column &&
           a->spec.file == b->spec.file;
}

static void one(const lane_msg *m, const rp_schema_profile *profile, const char *json,
                size_t len, unsigned char *store, size_t cap)
{
    rp_arena a;
    rp_error ea, eb;
    memset(store, 0xA5, cap);
    memset(g_a, 0x5A, m->schema->size);
    rp_arena_init(&a, store, cap);
    int ra = m->decode(json, len, g_a, &a, profile, &ea);
    size_t ua = a.used, la = 0;
    int xa = ra == 0 ? rp_schema_encode(m->schema, g_a, g_text_a, sizeof g_text_a, &la, NULL) : 0;

    memset(store, 0xA5, cap);
    memset(g_b, 0x5A, m->schema->size);
    rp_arena_init(&a, store, cap);
    int rb = rp_schema_decode(m->schema, json, len, g_b, &a, profile, &eb);
    FUZZ_CHECK(ra == rb);
    FUZZ_CHECK(ua == a.used);
    if (ra == 0) {
        size_t lb = 0;
        FUZZ_CHECK(memcmp(g_a, g_b, m->schema->size) == 0);
        int xb = rp_schema_encode(m->schema, g_b, g_text_b, sizeof g_text_b, &lb, NULL);
        FUZZ_CHECK(xa == xb && la == lb && memcmp(g_text_a, g_text_b, la) == 0);
        FUZZ_CHECK(ea.code == RP_OK && eb.code == RP_OK);
    } else {
        FUZZ_CHECK(same_error(&ea, &eb));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    const char *json = (const char *)data;
    size_t cap = 2 * size + 64;
    if (size % 4 == 3) /* short storage: runs out somewhere in most texts */
        cap = size / 2;
    unsigned char *store = malloc(cap > 0 ? cap : 1); /* exact: ASan sees a store past cap */
    FUZZ_CHECK(store != NULL);
    for (size_t k = 0; k < NMSGS; k++)
        for (size_t p = 0; p < sizeof profiles / sizeof profiles[0]; p++)
            one(&msgs[k], profiles[p], json, size, store, cap);
    free(store);
    return 0;
}
