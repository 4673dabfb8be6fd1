/* lane_check.h — holding generated encode lanes to the table encoder, for the tests that
 * include a generated source (test_encode_lanes*.c): each case is a message's static
 * description, its public encode function (lane first) and the lane itself.
 *
 * lane_run fills messages (lane_fill.h) and encodes each one into buffers of every
 * interesting size (room to spare, the exact length, one byte more and less, half, tiny,
 * none): the encode function and rp_schema_encode must agree on the return code, the length,
 * the bytes and NUL, and the error (code, layer, offset, path, message, spec location). With
 * room to spare the lane itself must write every message the table encoder writes.
 */
#ifndef LANE_CHECK_H
#define LANE_CHECK_H

#include <check.h>
#include <stdbool.h>
#include <string.h>

#include "lane_fill.h"
#include "rp_schema.h"

typedef struct lane_case {
    const char *name;
    const rp_schema_message *schema;
    int (*encode)(const void *, char *, size_t, size_t *, rp_error *);
    char *(*lane)(char *, const char *, const void *); /* the lane itself */
} lane_case;

/* The case of message n of the generated source with prefix p (included by the test). */
#define LANE_CASE(p, n)                                                                     \
    { #n, &schema__##n,                                                                     \
      (int (*)(const void *, char *, size_t, size_t *, rp_error *))p##_##n##_encode,       \
      (char *(*)(char *, const char *, const void *))encode_lane__##n }

#define LANE_BUF 65536

static inline bool lane_same_error(const rp_error *a, const rp_error *b)
{
    return a->code == b->code && a->layer == b->layer && a->offset == b->offset &&
           strcmp(a->path, b->path) == 0 && strcmp(a->message, b->message) == 0 &&
           (a->spec.file == b->spec.file ||
            (a->spec.file != NULL && b->spec.file != NULL && strcmp(a->spec.file, b->spec.file) == 0)) &&
           a->spec.line == b->spec.line && a->spec.column == b->spec.column;
}

typedef struct lane_tally {
    unsigned ok, failed;
    unsigned roomy, by_lane; /* successes with room to spare; of them, the lane's */
} lane_tally;

/* Encodes msg both ways into buffers of cap bytes and compares; fails the test on any
 * difference (with what differed). */
static inline void lane_compare(const lane_case *c, const void *msg, size_t cap, lane_tally *t)
{
    static char a[LANE_BUF + 1], b[LANE_BUF + 1];
    memset(a, 0x5A, sizeof a);
    memset(b, 0x5A, sizeof b);
    size_t na = 7, nb = 7;
    rp_error ea, eb;
    memset(&ea, 0x33, sizeof ea);
    memset(&eb, 0x33, sizeof eb);
    int ra = c->encode(msg, cap > 0 ? a : NULL, cap, &na, &ea);
    int rb = rp_schema_encode(c->schema, msg, cap > 0 ? b : NULL, cap, &nb, &eb);
    ck_assert_msg(ra == rb, "%s cap %zu: lane rc %d, tables rc %d (%s / %s)", c->name, cap, ra, rb,
                  ea.message, eb.message);
    ck_assert_msg(na == nb, "%s cap %zu: lane length %zu, tables %zu", c->name, cap, na, nb);
    if (ra == 0) {
        ck_assert_msg(memcmp(a, b, na < cap ? na + 1 : na) == 0, "%s: lane wrote\n%.*s\ntables\n%.*s",
                      c->name, (int)na, a, (int)nb, b);
        ck_assert_int_eq(ea.code, RP_OK);
        ck_assert_int_eq(eb.code, RP_OK);
        t->ok++;
        if (cap == LANE_BUF) {
            t->roomy++;
            t->by_lane += c->lane(a, a + cap, msg) != NULL;
        }
    } else {
        ck_assert_msg(lane_same_error(&ea, &eb),
                      "%s cap %zu: lane error %d %s at %s (%u:%u), tables %d %s at %s (%u:%u)", c->name, cap, ea.code, ea.message, ea.path, ea.spec.line, ea.spec.column,
                      eb.code, eb.message, eb.path, eb.spec.line, eb.spec.column);
        t->failed++;
    }
}

/* One filled message of case c through every buffer size. */
static inline void lane_one(const lane_case *c, lane_fill *lf, lane_tally *t)
{
    static _Alignas(16) char msg[131072];
    ck_assert_uint_le(c->schema->size, sizeof msg);
    lf->used = 0;
    lf->valid = lane_pick(&lf->src, 2) == 0;
    lane_fill_message(lf, c->schema, msg, 0);
    size_t n = 0;
    rp_error e;
    int rc = rp_schema_encode(c->schema, msg, NULL, 0, &n, &e);
    lane_compare(c, msg, LANE_BUF, t);
    if (rc == RP_E_OVERFLOW && n <= LANE_BUF) { /* it is valid: n is its length */
        lane_compare(c, msg, n, t);
        lane_compare(c, msg, n + 1, t);
        if (n > 0)
            lane_compare(c, msg, n - 1, t);
        lane_compare(c, msg, n / 2, t);
    }
    lane_compare(c, msg, lane_pick(&lf->src, 40), t);
}

/* Runs `rounds` messages of case c, filled from the given seed. */
static inline void lane_run(const lane_case *c, uint64_t seed, int rounds)
{
    lane_fill lf;
    memset(&lf, 0, sizeof lf);
    lf.src.state = 0x9E3779B97F4A7C15u ^ seed;
    lane_tally t = { 0, 0, 0, 0 };
    for (int k = 0; k < rounds; k++)
        lane_one(c, &lf, &t);
    /* the inputs reach both outcomes (or the test proves little) */
    ck_assert_msg(t.ok > 20 && t.failed > 20, "%s: %u encoded, %u refused", c->name, t.ok, t.failed);
    /* and with room to spare the lane wrote all of it (exact fits are left to the tables) */
    ck_assert_msg(t.by_lane == t.roomy, "%s: the lane wrote %u of %u", c->name, t.by_lane, t.roomy);
}

#endif /* LANE_CHECK_H */
