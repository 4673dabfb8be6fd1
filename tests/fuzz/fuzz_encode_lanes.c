/* fuzz_encode_lanes: every generated encode lane of residue against the table encoder.
 *
 * The input chooses a message (first byte), a buffer size (next two bytes) and then every
 * value of the message (tests/unit/support/lane_fill.h: near the rules' edges, strings with
 * escapes and bad UTF-8, lengths without text). residue_<msg>_encode (lane first) and
 * rp_schema_encode on the same static description (generated/residue.c is included for it)
 * must return the same code and length, write the same bytes on success and the same error
 * (code, layer, path, message, spec location) otherwise.
 * LogBulk, the top-level array (no lane of its own: residue_log_bulk_encode is the table
 * engine's fast path, rp_schema_fast.c), gets an item count too (fill_array), up to one past
 * its capacity; it lives in a static of its own exact size, so ASan sees a read past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "residue.c" /* generated/: the descriptions are static */

#include "../unit/support/lane_fill.h"

typedef struct lane_case {
    const rp_schema_message *schema;
    int (*encode)(const void *, char *, size_t, size_t *, rp_error *);
} lane_case;

#define CASE(n)                                                                                    \
    { &schema__##n, (int (*)(const void *, char *, size_t, size_t *, rp_error *))residue_##n##_encode }

static const lane_case cases[] = {
    CASE(connect), CASE(acknowledgement), CASE(touch), CASE(hello), CASE(server_info),
    CASE(established), CASE(connect_error), CASE(log_request), CASE(log_reply), CASE(log_bulk),
};

#define BUF 32768
#define GUARD 64

/* A top-level array: 0, a few, the capacity or just under, or (not valid) one past it, and
 * each item filled like a message. */
static void fill_array(lane_fill *lf, const rp_schema_message *m, void *msg)
{
    const rp_schema_field *f = &m->fields[0];
    size_t max = f->max_count, n;
    memset(msg, 0, m->size);
    unsigned how = lane_pick(&lf->src, 8);
    if (how == 0)
        n = 0;
    else if (how < 5)
        n = 1u + lane_pick(&lf->src, 8);
    else if (how == 5)
        n = max;
    else if (how == 6)
        n = max - lane_pick(&lf->src, 3);
    else
        n = lf->valid ? 1u + lane_pick(&lf->src, (unsigned)max) : max + 1u;
    if (n > max + 1u) n = max + 1u;
    char *items = (char *)msg + f->offset;
    for (size_t i = 0; i < n && i < max; i++)
        lane_fill_value(lf, f, items + i * f->size, 1);
    memcpy((char *)msg + f->count_offset, &n, sizeof n);
}

static int same_text(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lane_fill lf;
    static _Alignas(16) char small[4096];
    static residue_log_bulk bulk;
    /* GUARD bytes past cap are set to a pattern both encoders must leave alone (the buffers
     * are static, so ASan would not see a store just past cap). */
    static char a[BUF + GUARD], b[BUF + GUARD];
    if (size < 3)
        return 0;
    const lane_case *c = &cases[data[0] % (sizeof cases / sizeof cases[0])];
    size_t cap = ((size_t)data[1] << 8 | data[2]) % BUF;
    if (data[1] >= 0xF0)
        cap = BUF; /* room to spare */
    memset(&lf, 0, sizeof lf);
    lf.src.p = data + 3;
    lf.src.n = size - 3;
    lf.src.state = 0x9E3779B97F4A7C15u ^ size;
    lf.valid = (data[0] & 0x80) != 0;
    void *msg = small;
    if (c->schema->is_array) {
        FUZZ_CHECK(c->schema == &schema__log_bulk);
        msg = &bulk;
        fill_array(&lf, c->schema, msg);
    } else {
        FUZZ_CHECK(c->schema->size <= sizeof small);
        lane_fill_message(&lf, c->schema, msg, 0);
    }

    memset(a + cap, 0xA5, GUARD);
    memset(b + cap, 0xA5, GUARD);
    size_t na = 7, nb = 7;
    rp_error ea, eb;
    int ra = c->encode(msg, cap > 0 ? a : NULL, cap, &na, &ea);
    int rb = rp_schema_encode(c->schema, msg, cap > 0 ? b : NULL, cap, &nb, &eb);
    for (size_t i = cap; i < cap + GUARD; i++)
        FUZZ_CHECK((unsigned char)a[i] == 0xA5 && (unsigned char)b[i] == 0xA5);
    FUZZ_CHECK(ra == rb);
    FUZZ_CHECK(na == nb);
    if (ra == 0) {
        FUZZ_CHECK(memcmp(a, b, na < cap ? na + 1 : na) == 0);
        FUZZ_CHECK(ea.code == RP_OK && eb.code == RP_OK);
    } else {
        FUZZ_CHECK(ea.code == eb.code && ea.layer == eb.layer && ea.offset == eb.offset);
        FUZZ_CHECK(strcmp(ea.path, eb.path) == 0 && strcmp(ea.message, eb.message) == 0);
        FUZZ_CHECK(same_text(ea.spec.file, eb.spec.file) && ea.spec.line == eb.spec.line &&
                   ea.spec.column == eb.spec.column);
    }
    return 0;
}
