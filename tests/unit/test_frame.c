/* rp_frame: every split point (and every pair of split points) of a multi-packet stream
 * yields the same packets — for the "\r\n\r\n" delimiter (residue's framing, given here
 * explicitly as any spec gives its own), for other delimiters ("\n", "\0", "END", a
 * self-overlapping "abab") and for length prefixes of 1, 2, 4 and 8 bytes in both byte
 * orders; the vectors' wire files re-split exactly; the size limit hits at max_packet +
 * delimiter buffered bytes, or as soon as a prefix announces too much, sticky until reset;
 * nothing lost or duplicated when the buffer fills or a handler stops; framed writes to
 * buffers and descriptors, and their refusals. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rp_frame.h"
#include "support/vec_support.h"

#define MAXP 64

/* The framing of the first suites: four bytes, as residue's spec declares it. */
static const rp_framing crlf2 = { RP_FRAMING_DELIMITER, (const uint8_t *)"\r\n\r\n", 4, 0, false };

typedef struct collector {
    char pkts[64][4096];
    size_t lens[64];
    size_t n;
    size_t stop_at; /* return an error on this packet number (1-based); 0 = never */
} collector;

static int collect(void *ctx, const uint8_t *pkt, size_t len)
{
    collector *c = ctx;
    ck_assert_uint_lt(c->n, 64);
    ck_assert_uint_lt(len, sizeof c->pkts[0]);
    memcpy(c->pkts[c->n], pkt, len);
    c->lens[c->n] = len;
    c->n++;
    if (c->stop_at != 0 && c->n == c->stop_at) return RP_E_PROTOCOL;
    return 0;
}

/* Payloads chosen to stress the delimiter search: CR/LF fragments at the edges, an empty
 * packet, a packet at the size limit. */
static const char *payloads[] = {
    "{\"_t\":1,\"type\":1}", "", "a\r\nb", "\r\n\rx", "x\r", "\n\r\nz", "last\r\n\r",
    "0123456789012345678901234567890123456789012345678901234567890123", /* = MAXP */
};
#define NP (sizeof payloads / sizeof payloads[0])

static size_t build_stream(char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < NP; i++) {
        size_t n = 0;
        ck_assert_int_eq(rp_frame_write(&crlf2, (const uint8_t *)payloads[i], strlen(payloads[i]),
                                        (uint8_t *)buf + o, cap - o, &n, NULL), 0);
        o += n;
    }
    return o;
}

static void check_all(const collector *c)
{
    ck_assert_uint_eq(c->n, NP);
    for (size_t i = 0; i < NP; i++) {
        ck_assert_msg(c->lens[i] == strlen(payloads[i]) &&
                          memcmp(c->pkts[i], payloads[i], c->lens[i]) == 0,
                      "packet %zu differs", i);
    }
}

static void feed_chunks(rp_framer *f, const char *s, const size_t *cuts, size_t ncuts,
                        size_t total, collector *c)
{
    size_t prev = 0;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : total;
        size_t used = 0;
        ck_assert_int_eq(rp_framer_feed(f, (const uint8_t *)s + prev, end - prev, collect, c, &used, NULL), 0);
        ck_assert_uint_eq(used, end - prev);
        prev = end;
    }
}

START_TEST(every_split_point)
{
    char s[1024];
    size_t total = build_stream(s, sizeof s);
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(MAXP, 4)];
    for (size_t cut = 0; cut <= total; cut++) {
        rp_framer f;
        ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, MAXP, NULL), 0);
        collector *c = calloc(1, sizeof *c);
        feed_chunks(&f, s, &cut, 1, total, c);
        check_all(c);
        ck_assert_int_eq(rp_framer_finish(&f, NULL), 0);
        free(c);
    }
}
END_TEST

START_TEST(every_pair_of_split_points)
{
    char s[1024];
    size_t total = build_stream(s, sizeof s);
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(MAXP, 4)];
    collector *c = calloc(1, sizeof *c);
    for (size_t i = 0; i <= total; i++) {
        for (size_t j = i; j <= total; j++) {
            rp_framer f;
            ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, MAXP, NULL), 0);
            memset(c, 0, sizeof *c);
            size_t cuts[2] = {i, j};
            feed_chunks(&f, s, cuts, 2, total, c);
            check_all(c);
        }
    }
    free(c);
}
END_TEST

START_TEST(one_byte_at_a_time_and_all_at_once)
{
    char s[1024];
    size_t total = build_stream(s, sizeof s);
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(MAXP, 4)];
    rp_framer f;
    collector *c = calloc(1, sizeof *c);
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, MAXP, NULL), 0);
    for (size_t i = 0; i < total; i++) {
        ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)s + i, 1, collect, c, NULL, NULL), 0);
    }
    check_all(c);
    /* all at once through a buffer much smaller than the stream */
    memset(c, 0, sizeof *c);
    rp_framer_reset(&f);
    size_t used = 0;
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)s, total, collect, c, &used, NULL), 0);
    ck_assert_uint_eq(used, total);
    check_all(c);
    free(c);
}
END_TEST

/* The pull API: push accepts only what fits; popping makes room; nothing is lost. */
START_TEST(pull_api_with_full_buffer)
{
    const char *s = "abc\r\n\r\ndefgh\r\n\r\n\r\n\r\nij\r\n\r\n";
    const char *want[] = {"abc", "defgh", "", "ij"};
    uint8_t buf[12];
    rp_framer f;
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, 8, NULL), 0);
    size_t len = strlen(s), off = 0, got = 0;
    int guard = 0;
    while (off < len && guard++ < 100) {
        size_t used = 0;
        ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)s + off, len - off, &used, NULL), 0);
        ck_assert_uint_le(used, sizeof buf);
        off += used;
        const uint8_t *p;
        size_t pl;
        int r;
        while ((r = rp_framer_pop(&f, &p, &pl)) == 1) {
            ck_assert_uint_lt(got, 4);
            ck_assert_uint_eq(pl, strlen(want[got]));
            ck_assert_int_eq(memcmp(p, want[got], pl), 0);
            got++;
        }
        ck_assert_int_eq(r, 0);
    }
    ck_assert_uint_eq(got, 4);
    ck_assert_uint_eq(rp_framer_pending(&f), 0);
    ck_assert_int_eq(rp_framer_finish(&f, NULL), 0);
}
END_TEST

/* Every wire file of every scenario, concatenated and fed in 7-byte chunks, comes back as
 * the files minus their delimiters, in order. */
START_TEST(vector_wire_files_resplit)
{
    char *dirs[16];
    size_t nd = vec_scenarios(dirs, 16);
    ck_assert_uint_ge(nd, 5);
    size_t total_packets = 0;
    for (size_t d = 0; d < nd; d++) {
        char path[512];
        snprintf(path, sizeof path, "%s/index.json", dirs[d]);
        size_t il;
        char *idx = vec_read_file(path, &il);
        ck_assert_ptr_nonnull(idx);
        vec_json *root = vec_json_parse(idx, il, NULL, 0);
        ck_assert_ptr_nonnull(root);
        const vec_json *steps = vec_json_get(root, "steps");
        size_t cap = 1 << 20, sl = 0;
        char *stream = malloc(cap);
        char *files[64];
        size_t flens[64], nf = 0;
        for (const vec_json *st = steps->child; st != NULL; st = st->next) {
            snprintf(path, sizeof path, "%s/%s", dirs[d], vec_json_str(st, "file"));
            files[nf] = vec_read_file(path, &flens[nf]);
            ck_assert_ptr_nonnull(files[nf]);
            ck_assert_uint_lt(sl + flens[nf], cap);
            memcpy(stream + sl, files[nf], flens[nf]);
            sl += flens[nf];
            nf++;
        }
        uint8_t buf[RP_FRAMER_BUFFER_SIZE(4096, 4)];
        rp_framer f;
        ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, 4096, NULL), 0);
        collector *c = calloc(1, sizeof *c);
        for (size_t o = 0; o < sl; o += 7) {
            size_t n = sl - o < 7 ? sl - o : 7;
            ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)stream + o, n, collect, c, NULL, NULL), 0);
        }
        ck_assert_uint_eq(c->n, nf);
        for (size_t i = 0; i < nf; i++) {
            ck_assert_uint_eq(c->lens[i] + 4, flens[i]);
            ck_assert_int_eq(memcmp(c->pkts[i], files[i], c->lens[i]), 0);
            free(files[i]);
        }
        total_packets += nf;
        free(c);
        free(stream);
        vec_json_free(root);
        free(idx);
        free(dirs[d]);
    }
    ck_assert_uint_ge(total_packets, 60);
}
END_TEST

START_TEST(oversize_errors_at_the_limit)
{
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(16, 4)];
    rp_framer f;
    rp_error err;
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, 16, NULL), 0);
    /* exactly 16 bytes of payload is fine */
    collector *c = calloc(1, sizeof *c);
    const char *ok = "0123456789abcdef\r\n\r\n";
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)ok, strlen(ok), collect, c, NULL, NULL), 0);
    ck_assert_uint_eq(c->n, 1);
    ck_assert_uint_eq(c->lens[0], 16);
    /* byte by byte without a delimiter: fine up to 19 buffered bytes, error at the 20th */
    for (int i = 1; i <= 20; i++) {
        size_t used = 0;
        int rc = rp_framer_push(&f, (const uint8_t *)"a", 1, &used, &err);
        if (i < 20) {
            ck_assert_msg(rc == 0, "byte %d: rc %d", i, rc);
        } else {
            ck_assert_int_eq(rc, RP_E_FRAME_TOO_BIG);
            ck_assert_int_eq(err.layer, RP_LAYER_FRAME);
            ck_assert_uint_eq(err.offset, 20); /* the oversized packet began after `ok` */
        }
    }
    /* sticky */
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\r\n\r\n", 4, NULL, &err), RP_E_FRAME_TOO_BIG);
    const uint8_t *p;
    size_t pl;
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), RP_E_FRAME_TOO_BIG);
    ck_assert_int_eq(rp_framer_finish(&f, &err), RP_E_FRAME_TOO_BIG);
    /* reset recovers */
    rp_framer_reset(&f);
    memset(c, 0, sizeof *c);
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)ok, strlen(ok), collect, c, NULL, NULL), 0);
    ck_assert_uint_eq(c->n, 1);

    /* a 17-byte packet arriving whole, delimiter included, in a roomy buffer */
    uint8_t big[256];
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, big, sizeof big, 16, NULL), 0);
    memset(c, 0, sizeof *c);
    const char *s = "x\r\n\r\n0123456789abcdefg\r\n\r\ny\r\n\r\n";
    size_t used = 0;
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)s, strlen(s), collect, c, &used, &err), RP_E_FRAME_TOO_BIG);
    ck_assert_uint_eq(c->n, 1); /* "x" was delivered before the oversized one */
    ck_assert_uint_eq(err.offset, 5);
    /* a huge chunk is not buffered beyond the limit */
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, 16, NULL), 0);
    char huge[1000];
    memset(huge, 'z', sizeof huge);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)huge, sizeof huge, &used, &err), RP_E_FRAME_TOO_BIG);
    ck_assert_uint_le(used, sizeof buf);
    free(c);
}
END_TEST

START_TEST(handler_stop_loses_nothing)
{
    const char *s = "one\r\n\r\ntwo\r\n\r\nthree\r\n\r\nfour";
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(32, 4)];
    rp_framer f;
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, 32, NULL), 0);
    collector *c = calloc(1, sizeof *c);
    c->stop_at = 2;
    size_t used = 0;
    rp_error err;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)s, strlen(s), collect, c, &used, &err), RP_E_PROTOCOL);
    ck_assert_uint_eq(c->n, 2);
    /* "three" is still in the framer; "four" may or may not have been taken in */
    const uint8_t *p;
    size_t pl;
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 1);
    ck_assert_uint_eq(pl, 5);
    ck_assert_int_eq(memcmp(p, "three", 5), 0);
    c->stop_at = 0;
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)s + used, strlen(s) - used, collect, c, NULL, NULL), 0);
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)"\r\n\r\n", 4, collect, c, NULL, NULL), 0);
    ck_assert_uint_eq(c->n, 3);
    ck_assert_uint_eq(c->lens[2], 4);
    ck_assert_int_eq(memcmp(c->pkts[2], "four", 4), 0);
    free(c);
}
END_TEST

START_TEST(finish_reports_partial)
{
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(32, 4)];
    rp_framer f;
    rp_error err;
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, 32, NULL), 0);
    ck_assert_int_eq(rp_framer_finish(&f, NULL), 0);
    collector *c = calloc(1, sizeof *c);
    ck_assert_int_eq(rp_framer_feed(&f, NULL, 0, collect, c, NULL, NULL), 0); /* empty read */
    ck_assert_uint_eq(c->n, 0);
    free(c);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"ab\r\n\r\ncd\r\n", 10, NULL, NULL), 0);
    const uint8_t *p;
    size_t pl;
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 1);
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 0);
    ck_assert_uint_eq(rp_framer_pending(&f), 4);
    ck_assert_int_eq(rp_framer_finish(&f, &err), RP_E_FRAME_PARTIAL);
    ck_assert_uint_eq(err.offset, 6);
    /* init argument checks */
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, 35, 32, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, buf, sizeof buf, 0, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_framer_init(&f, &crlf2, NULL, sizeof buf, 32, &err), RP_E_ARGUMENT);
}
END_TEST

START_TEST(frame_write_rules)
{
    uint8_t out[32];
    size_t n = 0;
    rp_error err;
    ck_assert_int_eq(rp_frame_write(&crlf2, (const uint8_t *)"{}", 2, out, sizeof out, &n, NULL), 0);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(memcmp(out, "{}\r\n\r\n", 6), 0);
    ck_assert_int_eq(rp_frame_write(&crlf2, NULL, 0, out, sizeof out, &n, NULL), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(rp_frame_write(&crlf2, (const uint8_t *)"{}", 2, out, 5, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(rp_frame_write(&crlf2, (const uint8_t *)"a\r\n\r\nb", 6, out, sizeof out, &n, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(rp_frame_write(&crlf2, (const uint8_t *)"ab\r\n", 4, out, sizeof out, &n, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 2);
    ck_assert_int_eq(rp_frame_write(&crlf2, (const uint8_t *)"ab\r", 3, out, sizeof out, &n, NULL), 0);

    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(rp_frame_write_fd(fds[1], &crlf2, (const uint8_t *)"{\"r\":0}", 7, NULL), 0);
    ck_assert_int_eq(rp_frame_write_fd(fds[1], &crlf2, (const uint8_t *)"x\r\n\r\n", 5, &err), RP_E_ARGUMENT);
    char rd[32];
    ssize_t r = read(fds[0], rd, sizeof rd);
    ck_assert_int_eq(r, 11);
    ck_assert_int_eq(memcmp(rd, "{\"r\":0}\r\n\r\n", 11), 0);
    close(fds[0]);
    ck_assert_int_eq(rp_frame_write_fd(-1, &crlf2, (const uint8_t *)"x", 1, &err), RP_E_IO);
    close(fds[1]);
}
END_TEST

/* ---- other framings ------------------------------------------------------------------------ */

/* A stream of framed packets under `fr`, split at every point (or every pair of points),
 * must give back exactly `pl` in order; returns the stream length. */
static size_t build_stream_for(const rp_framing *fr, const char *const *pl, const size_t *lens,
                               size_t np, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < np; i++) {
        size_t n = 0;
        rp_error err;
        int rc = rp_frame_write(fr, (const uint8_t *)pl[i], lens[i], (uint8_t *)buf + o, cap - o,
                                &n, &err);
        ck_assert_msg(rc == 0, "payload %zu: %s", i, err.message);
        ck_assert_uint_eq(n, lens[i] + rp_framing_overhead(fr));
        o += n;
    }
    return o;
}

static void check_same(const collector *c, const char *const *pl, const size_t *lens, size_t np,
                       const char *what)
{
    ck_assert_msg(c->n == np, "%s: %zu packets, expected %zu", what, c->n, np);
    for (size_t i = 0; i < np; i++)
        ck_assert_msg(c->lens[i] == lens[i] && memcmp(c->pkts[i], pl[i], lens[i]) == 0,
                      "%s: packet %zu differs", what, i);
}

static void split_everywhere(const rp_framing *fr, const char *const *pl, const size_t *lens,
                             size_t np, size_t maxp, bool pairs, const char *what)
{
    char s[2048];
    size_t total = build_stream_for(fr, pl, lens, np, s, sizeof s);
    size_t cap = rp_framer_buffer_size(fr, maxp);
    ck_assert_uint_eq(cap, maxp + rp_framing_overhead(fr));
    uint8_t *buf = malloc(cap);
    collector *c = calloc(1, sizeof *c);
    for (size_t i = 0; i <= total; i++) {
        for (size_t j = pairs ? i : total; j <= total; j++) {
            rp_framer f;
            ck_assert_int_eq(rp_framer_init(&f, fr, buf, cap, maxp, NULL), 0);
            memset(c, 0, sizeof *c);
            size_t cuts[2] = {i, j};
            feed_chunks(&f, s, cuts, 2, total, c);
            check_same(c, pl, lens, np, what);
            ck_assert_int_eq(rp_framer_finish(&f, NULL), 0);
        }
    }
    /* and one byte at a time */
    rp_framer f;
    ck_assert_int_eq(rp_framer_init(&f, fr, buf, cap, maxp, NULL), 0);
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < total; i++)
        ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)s + i, 1, collect, c, NULL, NULL), 0);
    check_same(c, pl, lens, np, what);
    free(c);
    free(buf);
}

START_TEST(length_prefix_every_split_point)
{
    static const unsigned sizes[] = {1, 2, 4, 8};
    /* binary payloads: NULs, bytes that look like prefixes or delimiters, an empty one, one
     * at the size limit (MAXP) */
    char full[MAXP];
    for (size_t i = 0; i < MAXP; i++) full[i] = (char)(i * 37u);
    const char *pl[] = {"{\"a\":1}", "", "\0\0\0", "\r\n\r\n", "\xff\xfe\x01", full, "z"};
    const size_t lens[] = {7, 0, 3, 4, 3, MAXP, 1};
    for (size_t k = 0; k < 4; k++) {
        for (int be = 0; be < 2; be++) {
            rp_framing fr = { RP_FRAMING_LENGTH, NULL, 0, sizes[k], be != 0 };
            char what[48];
            snprintf(what, sizeof what, "%u-byte %s prefix", sizes[k], be ? "big-endian" : "little-endian");
            split_everywhere(&fr, pl, lens, sizeof lens / sizeof lens[0], MAXP, true, what);
        }
    }
}
END_TEST

START_TEST(other_delimiters_every_split_point)
{
    static const rp_framing nl = { RP_FRAMING_DELIMITER, (const uint8_t *)"\n", 1, 0, false };
    static const rp_framing nul = { RP_FRAMING_DELIMITER, (const uint8_t *)"\0", 1, 0, false };
    static const rp_framing end = { RP_FRAMING_DELIMITER, (const uint8_t *)"END", 3, 0, false };
    static const rp_framing abab = { RP_FRAMING_DELIMITER, (const uint8_t *)"abab", 4, 0, false };
    static const rp_framing d16 = { RP_FRAMING_DELIMITER, (const uint8_t *)"0123456789ABCDEF", 16, 0, false };
    {
        const char *pl[] = {"{\"a\":1}", "", "\r\r", "x\0y", "last"};
        const size_t lens[] = {7, 0, 2, 3, 4};
        split_everywhere(&nl, pl, lens, 5, 16, true, "\\n");
    }
    {
        const char *pl[] = {"one", "", "\n\n", "\xff", "two\r\n"};
        const size_t lens[] = {3, 0, 2, 1, 5};
        split_everywhere(&nul, pl, lens, 5, 16, true, "\\0");
    }
    {
        /* fragments of the delimiter everywhere: "EN", "ND", "E" at the ends */
        const char *pl[] = {"EN", "", "NDx", "xE", "ENENE", "DEN", "E", "0123456789abcdef"};
        const size_t lens[] = {2, 0, 3, 2, 5, 3, 1, 16};
        split_everywhere(&end, pl, lens, 8, 16, true, "END");
    }
    {
        /* a delimiter that overlaps itself: "xab" + "abab" would split early, "xaba" would not */
        const char *pl[] = {"ba", "", "bbaa", "xbba", "xaba"};
        const size_t lens[] = {2, 0, 4, 4, 4};
        split_everywhere(&abab, pl, lens, 5, 16, true, "abab");
    }
    {
        const char *pl[] = {"012345678", "", "0123456789ABCDE!", "F"};
        const size_t lens[] = {9, 0, 16, 1};
        split_everywhere(&d16, pl, lens, 4, 32, false, "16-byte delimiter");
    }
}
END_TEST

START_TEST(length_prefix_limits_and_order)
{
    rp_framing be2 = { RP_FRAMING_LENGTH, NULL, 0, 2, true };
    rp_framing le2 = { RP_FRAMING_LENGTH, NULL, 0, 2, false };
    rp_framing be8 = { RP_FRAMING_LENGTH, NULL, 0, 8, true };
    uint8_t buf[64];
    rp_framer f;
    rp_error err;
    const uint8_t *p;
    size_t pl;
    /* byte order: 01 02 is 258 big endian, 513 little endian; both over 16 */
    ck_assert_int_eq(rp_framer_init(&f, &be2, buf, sizeof buf, 16, NULL), 0);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\x00\x03" "abc" "\x00", 6, NULL, NULL), 0);
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 1);
    ck_assert_uint_eq(pl, 3);
    ck_assert_int_eq(memcmp(p, "abc", 3), 0);
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 0); /* half a prefix */
    ck_assert_uint_eq(rp_framer_pending(&f), 1);
    ck_assert_int_eq(rp_framer_finish(&f, &err), RP_E_FRAME_PARTIAL);
    ck_assert_uint_eq(err.offset, 5);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\x11", 1, NULL, &err), RP_E_FRAME_TOO_BIG);
    ck_assert_uint_eq(err.offset, 5); /* the announced 17 bytes are refused at once */
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"x", 1, NULL, &err), RP_E_FRAME_TOO_BIG);
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), RP_E_FRAME_TOO_BIG);
    rp_framer_reset(&f);
    ck_assert_int_eq(rp_framer_finish(&f, &err), 0);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\x00", 1, NULL, NULL), 0); /* half a prefix */
    ck_assert_int_eq(rp_framer_finish(&f, &err), RP_E_FRAME_PARTIAL);
    ck_assert_uint_eq(err.offset, 0); /* a new stream: offsets start again at its first byte */
    rp_framer_reset(&f);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\x00\x10", 2, NULL, NULL), 0); /* 16: ok */
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 0);
    ck_assert_int_eq(rp_framer_init(&f, &le2, buf, sizeof buf, 16, NULL), 0);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\x03\x00" "xyz", 5, NULL, NULL), 0);
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 1);
    ck_assert_uint_eq(pl, 3);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\x00\x01", 2, NULL, &err), RP_E_FRAME_TOO_BIG);
    /* 8-byte prefix: a length above 2^32 is refused, not truncated */
    ck_assert_int_eq(rp_framer_init(&f, &be8, buf, sizeof buf, 16, NULL), 0);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"\x00\x00\x00\x01\x00\x00\x00\x02", 8, NULL, &err),
                     RP_E_FRAME_TOO_BIG);

    /* writes */
    uint8_t out[300];
    size_t n = 0;
    ck_assert_int_eq(rp_frame_write(&be2, (const uint8_t *)"hi", 2, out, sizeof out, &n, NULL), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(memcmp(out, "\x00\x02hi", 4), 0);
    rp_framing le4 = { RP_FRAMING_LENGTH, NULL, 0, 4, false };
    ck_assert_int_eq(rp_frame_write(&le4, (const uint8_t *)"hi", 2, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(memcmp(out, "\x02\x00\x00\x00hi", 6), 0);
    ck_assert_int_eq(rp_frame_write(&le4, (const uint8_t *)"hi", 2, out, 5, &n, &err), RP_E_OVERFLOW);
    /* in place: the payload at out itself moves behind its prefix */
    memcpy(out, "abc", 3);
    ck_assert_int_eq(rp_frame_write(&be2, out, 3, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(memcmp(out, "\x00\x03" "abc", 5), 0);
    rp_framing one = { RP_FRAMING_LENGTH, NULL, 0, 1, false };
    uint8_t big[256] = {0};
    ck_assert_int_eq(rp_frame_write(&one, big, 255, out, sizeof out, &n, NULL), 0);
    ck_assert_uint_eq(out[0], 255);
    ck_assert_int_eq(rp_frame_write(&one, big, 256, out, sizeof out, &n, &err), RP_E_ARGUMENT);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(rp_frame_write_fd(fds[1], &be2, (const uint8_t *)"ok", 2, NULL), 0);
    ck_assert_int_eq(rp_frame_write_fd(fds[1], &be2, NULL, 0, NULL), 0);
    char rd[16];
    ck_assert_int_eq(read(fds[0], rd, sizeof rd), 6);
    ck_assert_int_eq(memcmp(rd, "\x00\x02ok\x00\x00", 6), 0);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

START_TEST(framing_descriptions_checked)
{
    uint8_t buf[300];
    rp_framer f;
    rp_error err;
    rp_framing bad[] = {
        { RP_FRAMING_DELIMITER, NULL, 0, 0, false },
        { RP_FRAMING_DELIMITER, (const uint8_t *)"x", 0, 0, false },
        { RP_FRAMING_DELIMITER, (const uint8_t *)"01234567890123456", 17, 0, false },
        { RP_FRAMING_LENGTH, NULL, 0, 3, false },
        { RP_FRAMING_LENGTH, NULL, 0, 0, true },
        { (rp_framing_kind)9, NULL, 0, 4, true },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(rp_framing_check(&bad[i], &err), RP_E_ARGUMENT);
        ck_assert_int_eq(rp_framer_init(&f, &bad[i], buf, sizeof buf, 8, NULL), RP_E_ARGUMENT);
        ck_assert_uint_eq(rp_framing_overhead(&bad[i]), 0);
        ck_assert_uint_eq(rp_framer_buffer_size(&bad[i], 8), 0);
        ck_assert_int_eq(rp_frame_write(&bad[i], (const uint8_t *)"a", 1, buf, sizeof buf, NULL, NULL),
                         RP_E_ARGUMENT);
    }
    ck_assert_int_eq(rp_framer_init(&f, NULL, buf, sizeof buf, 8, NULL), RP_E_ARGUMENT);
    /* a one-byte prefix expresses at most 255 */
    rp_framing one = { RP_FRAMING_LENGTH, NULL, 0, 1, true };
    ck_assert_uint_eq(rp_framing_max_payload(&one), 255);
    ck_assert_int_eq(rp_framer_init(&f, &one, buf, sizeof buf, 255, NULL), 0);
    ck_assert_int_eq(rp_framer_init(&f, &one, buf, sizeof buf, 256, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_framer_init(&f, &one, buf, 255, 255, &err), RP_E_ARGUMENT); /* needs 256 */
    ck_assert_uint_eq(rp_framer_buffer_size(&crlf2, 10), 14);
    ck_assert_uint_eq(rp_framer_buffer_size(&crlf2, SIZE_MAX - 3), 0);
    /* the delimiter is copied: the framer does not keep the description */
    uint8_t d[3] = {'E', 'N', 'D'};
    rp_framing end = { RP_FRAMING_DELIMITER, d, 3, 0, false };
    ck_assert_int_eq(rp_framer_init(&f, &end, buf, sizeof buf, 8, NULL), 0);
    memset(d, 0, sizeof d);
    const uint8_t *p;
    size_t pl;
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"abEND", 5, NULL, NULL), 0);
    ck_assert_int_eq(rp_framer_pop(&f, &p, &pl), 1);
    ck_assert_uint_eq(pl, 2);
    /* refusals of delimiter writes, generalised: inside, and a tail completing it early */
    rp_framing endf = { RP_FRAMING_DELIMITER, (const uint8_t *)"END", 3, 0, false };
    ck_assert_int_eq(rp_frame_write(&endf, (const uint8_t *)"aENDb", 5, buf, sizeof buf, NULL, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(rp_frame_write(&endf, (const uint8_t *)"xEN", 3, buf, sizeof buf, NULL, NULL), 0);
    rp_framing abab = { RP_FRAMING_DELIMITER, (const uint8_t *)"abab", 4, 0, false };
    ck_assert_int_eq(rp_frame_write(&abab, (const uint8_t *)"xab", 3, buf, sizeof buf, NULL, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(rp_frame_write(&abab, (const uint8_t *)"ab", 2, buf, sizeof buf, NULL, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 0);
    ck_assert_int_eq(rp_frame_write(&abab, (const uint8_t *)"xaba", 4, buf, sizeof buf, NULL, NULL), 0);
    ck_assert_int_eq(rp_frame_write(&abab, (const uint8_t *)"xba", 3, buf, sizeof buf, NULL, NULL), 0);
    /* an oversized delimiter-framed packet is refused at max_packet + delimiter bytes */
    ck_assert_int_eq(rp_framer_init(&f, &endf, buf, rp_framer_buffer_size(&endf, 4), 4, NULL), 0);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"abcdEN", 6, NULL, NULL), 0);
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)"x", 1, NULL, &err), RP_E_FRAME_TOO_BIG);
}
END_TEST

static Suite *frame_suite(void)
{
    Suite *s = suite_create("frame");
    TCase *tc = tcase_create("frame");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_split_point);
    tcase_add_test(tc, every_pair_of_split_points);
    tcase_add_test(tc, one_byte_at_a_time_and_all_at_once);
    tcase_add_test(tc, pull_api_with_full_buffer);
    tcase_add_test(tc, vector_wire_files_resplit);
    tcase_add_test(tc, oversize_errors_at_the_limit);
    tcase_add_test(tc, handler_stop_loses_nothing);
    tcase_add_test(tc, finish_reports_partial);
    tcase_add_test(tc, frame_write_rules);
    tcase_add_test(tc, length_prefix_every_split_point);
    tcase_add_test(tc, other_delimiters_every_split_point);
    tcase_add_test(tc, length_prefix_limits_and_order);
    tcase_add_test(tc, framing_descriptions_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(frame_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
