/* rp_frame: every split point (and every pair of split points) of a multi-packet stream
 * yields the same packets; the vectors' wire files re-split exactly; the size limit hits at
 * max_packet + 4 buffered bytes, sticky until reset; nothing lost or duplicated when the
 * buffer fills or a handler stops; framed writes to buffers and descriptors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rp_frame.h"
#include "support/vec_support.h"

#define MAXP 64

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
        ck_assert_int_eq(rp_frame_write((const uint8_t *)payloads[i], strlen(payloads[i]),
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
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(MAXP)];
    for (size_t cut = 0; cut <= total; cut++) {
        rp_framer f;
        ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, MAXP, NULL), 0);
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
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(MAXP)];
    collector *c = calloc(1, sizeof *c);
    for (size_t i = 0; i <= total; i++) {
        for (size_t j = i; j <= total; j++) {
            rp_framer f;
            ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, MAXP, NULL), 0);
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
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(MAXP)];
    rp_framer f;
    collector *c = calloc(1, sizeof *c);
    ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, MAXP, NULL), 0);
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
    ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, 8, NULL), 0);
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
        uint8_t buf[RP_FRAMER_BUFFER_SIZE(4096)];
        rp_framer f;
        ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, 4096, NULL), 0);
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
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(16)];
    rp_framer f;
    rp_error err;
    ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, 16, NULL), 0);
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
    ck_assert_int_eq(rp_framer_init(&f, big, sizeof big, 16, NULL), 0);
    memset(c, 0, sizeof *c);
    const char *s = "x\r\n\r\n0123456789abcdefg\r\n\r\ny\r\n\r\n";
    size_t used = 0;
    ck_assert_int_eq(rp_framer_feed(&f, (const uint8_t *)s, strlen(s), collect, c, &used, &err), RP_E_FRAME_TOO_BIG);
    ck_assert_uint_eq(c->n, 1); /* "x" was delivered before the oversized one */
    ck_assert_uint_eq(err.offset, 5);
    /* a huge chunk is not buffered beyond the limit */
    ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, 16, NULL), 0);
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
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(32)];
    rp_framer f;
    ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, 32, NULL), 0);
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
    uint8_t buf[RP_FRAMER_BUFFER_SIZE(32)];
    rp_framer f;
    rp_error err;
    ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, 32, NULL), 0);
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
    ck_assert_int_eq(rp_framer_init(&f, buf, 35, 32, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_framer_init(&f, buf, sizeof buf, 0, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_framer_init(&f, NULL, sizeof buf, 32, &err), RP_E_ARGUMENT);
}
END_TEST

START_TEST(frame_write_rules)
{
    uint8_t out[32];
    size_t n = 0;
    rp_error err;
    ck_assert_int_eq(rp_frame_write((const uint8_t *)"{}", 2, out, sizeof out, &n, NULL), 0);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(memcmp(out, "{}\r\n\r\n", 6), 0);
    ck_assert_int_eq(rp_frame_write(NULL, 0, out, sizeof out, &n, NULL), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(rp_frame_write((const uint8_t *)"{}", 2, out, 5, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(rp_frame_write((const uint8_t *)"a\r\n\r\nb", 6, out, sizeof out, &n, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 1);
    ck_assert_int_eq(rp_frame_write((const uint8_t *)"ab\r\n", 4, out, sizeof out, &n, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 2);
    ck_assert_int_eq(rp_frame_write((const uint8_t *)"ab\r", 3, out, sizeof out, &n, NULL), 0);

    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(rp_frame_write_fd(fds[1], (const uint8_t *)"{\"r\":0}", 7, NULL), 0);
    ck_assert_int_eq(rp_frame_write_fd(fds[1], (const uint8_t *)"x\r\n\r\n", 5, &err), RP_E_ARGUMENT);
    char rd[32];
    ssize_t r = read(fds[0], rd, sizeof rd);
    ck_assert_int_eq(r, 11);
    ck_assert_int_eq(memcmp(rd, "{\"r\":0}\r\n\r\n", 11), 0);
    close(fds[0]);
    ck_assert_int_eq(rp_frame_write_fd(-1, (const uint8_t *)"x", 1, &err), RP_E_IO);
    close(fds[1]);
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
