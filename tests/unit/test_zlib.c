/* rp_zlib: round trips and headers per level, the vectors' .zlib layers, gzip and raw
 * deflate refused, the hard inflate bound (zip bomb stops at the bound), corrupt streams. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "rp_zlib.h"
#include "support/vec_support.h"

#define VEC "../shared/vectors"

static const char *text = "{\"_t\":1795667616,\"datetime\":1795667616123,\"logger\":\"conformance\","
                          "\"msg\":\"hello hello hello hello hello\",\"app\":\"rproto\",\"level\":4}";

START_TEST(deflate_inflate_levels_and_headers)
{
    static const struct {
        int level;
        uint8_t h1;
    } lv[] = {{RP_ZLIB_DEFAULT_LEVEL, 0x9c}, {RP_ZLIB_BEST_LEVEL, 0xda}, {0, 0x01}, {1, 0x01}};
    for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
        size_t len = strlen(text), zl = 0, ol = 0;
        uint8_t z[512];
        char out[512];
        ck_assert_uint_le(rp_zlib_deflate_bound(len), sizeof z);
        ck_assert_int_eq(rp_zlib_deflate((const uint8_t *)text, len, lv[i].level, z, sizeof z, &zl, NULL), 0);
        ck_assert_uint_eq(z[0], 0x78);
        ck_assert_uint_eq(z[1], lv[i].h1);
        ck_assert_int_eq(rp_zlib_inflate(z, zl, (uint8_t *)out, sizeof out, &ol, NULL), 0);
        ck_assert_uint_eq(ol, len);
        ck_assert_int_eq(memcmp(out, text, len), 0);
        /* zlib's own uncompress agrees (the stream is standard RFC 1950) */
        uLongf dl = sizeof out;
        ck_assert_int_eq(uncompress((Bytef *)out, &dl, z, (uLong)zl), Z_OK);
        ck_assert_uint_eq(dl, len);
    }
    rp_error err;
    uint8_t z[8];
    size_t zl;
    ck_assert_int_eq(rp_zlib_deflate((const uint8_t *)text, strlen(text), 10, z, sizeof z, &zl, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_zlib_deflate((const uint8_t *)text, strlen(text), 6, z, sizeof z, &zl, &err), RP_E_OVERFLOW);
    /* empty input is a valid (tiny) stream */
    uint8_t e[32];
    char o[4];
    size_t ol = 9;
    ck_assert_int_eq(rp_zlib_deflate(NULL, 0, 6, e, sizeof e, &zl, NULL), 0);
    ck_assert_int_eq(rp_zlib_inflate(e, zl, (uint8_t *)o, sizeof o, &ol, NULL), 0);
    ck_assert_uint_eq(ol, 0);
}
END_TEST

/* Every compressed log of the vectors: the .zlib inflates to .plain.json. */
START_TEST(inflate_vector_streams)
{
    static const char *files[][2] = {
        {"A-unknown-plain/09-log-compressed.c2s.zlib", "A-unknown-plain/09-log-compressed.c2s.plain.json"},
        {"A-unknown-plain/11-bulk-compressed.c2s.zlib", "A-unknown-plain/11-bulk-compressed.c2s.plain.json"},
        {"C-key-sizes/09-log-aes128.c2s.zlib", "C-key-sizes/09-log-aes128.c2s.plain.json"},
        {"G-java-style/05-log-java-style.c2s.zlib", "G-java-style/05-log-java-style.c2s.plain.json"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char zp[256], pp[256];
        snprintf(zp, sizeof zp, "%s/%s", VEC, files[i][0]);
        snprintf(pp, sizeof pp, "%s/%s", VEC, files[i][1]);
        size_t zl, pl, ol = 0;
        char *z = vec_read_file(zp, &zl), *p = vec_read_file(pp, &pl);
        ck_assert_msg(z != NULL && p != NULL, "missing %s", zp);
        char *out = malloc(pl); /* exactly the size: the bound is met, not exceeded */
        ck_assert_int_eq(rp_zlib_inflate((const uint8_t *)z, zl, (uint8_t *)out, pl, &ol, NULL), 0);
        ck_assert_uint_eq(ol, pl);
        ck_assert_int_eq(memcmp(out, p, pl), 0);
        /* one byte less is the bound */
        rp_error err;
        ck_assert_int_eq(rp_zlib_inflate((const uint8_t *)z, zl, (uint8_t *)out, pl - 1, &ol, &err), RP_E_ZLIB_BOUND);
        free(out);
        free(z);
        free(p);
    }
}
END_TEST

START_TEST(gzip_and_raw_deflate_refused)
{
    size_t gl;
    char *gz = vec_read_file(VEC "/F-errors/33-log-gzip.c2s.gz", &gl);
    ck_assert_ptr_nonnull(gz);
    char out[4096];
    size_t ol = 5;
    rp_error err;
    ck_assert_int_eq(rp_zlib_inflate((const uint8_t *)gz, gl, (uint8_t *)out, sizeof out, &ol, &err), RP_E_ZLIB);
    ck_assert_ptr_nonnull(strstr(err.message, "gzip"));
    ck_assert_uint_eq(err.offset, 0);
    ck_assert_uint_eq(ol, 0);
    free(gz);

    /* raw deflate (no zlib header), made with zlib directly */
    uint8_t raw[512];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = raw;
    zs.avail_out = sizeof raw;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t rl = sizeof raw - zs.avail_out;
    deflateEnd(&zs);
    ck_assert_int_eq(rp_zlib_inflate(raw, rl, (uint8_t *)out, sizeof out, &ol, &err), RP_E_ZLIB);
    ck_assert_int_eq(err.layer, RP_LAYER_ZLIB);
}
END_TEST

/* 16 MiB of zeros compress to ~16 KiB; inflating with a 64 KiB bound must stop there. The
 * output buffer is exactly 64 KiB on the heap, so ASan catches any write beyond it. */
START_TEST(zip_bomb_stops_at_bound)
{
    size_t big = 16u << 20, bound = 64u << 10;
    uint8_t *zeros = calloc(1, big);
    ck_assert_ptr_nonnull(zeros);
    size_t zcap = rp_zlib_deflate_bound(big), zl = 0;
    uint8_t *z = malloc(zcap);
    ck_assert_int_eq(rp_zlib_deflate(zeros, big, 9, z, zcap, &zl, NULL), 0);
    free(zeros);
    ck_assert_uint_lt(zl, 64u << 10);
    uint8_t *out = malloc(bound);
    size_t ol = 1;
    rp_error err;
    ck_assert_int_eq(rp_zlib_inflate(z, zl, out, bound, &ol, &err), RP_E_ZLIB_BOUND);
    ck_assert_int_eq(err.code, RP_E_ZLIB_BOUND);
    ck_assert_uint_lt(err.offset, zl); /* stopped long before the end of the input */
    ck_assert_uint_eq(ol, bound); /* the bytes written before the bound hit, to wipe */
    ck_assert_ptr_nonnull(strstr(err.message, "65536"));
    free(out);
    free(z);
}
END_TEST

START_TEST(corrupt_streams)
{
    uint8_t z[512];
    size_t zl, ol;
    char out[512];
    rp_error err;
    ck_assert_int_eq(rp_zlib_deflate((const uint8_t *)text, strlen(text), 6, z, sizeof z, &zl, NULL), 0);
    /* truncated: every proper prefix fails, none crashes */
    for (size_t cut = 0; cut < zl; cut++) {
        int rc = rp_zlib_inflate(z, cut, (uint8_t *)out, sizeof out, &ol, &err);
        ck_assert_msg(rc == RP_E_ZLIB, "prefix %zu: rc %d", cut, rc);
    }
    /* bad Adler-32 */
    z[zl - 1] ^= 1;
    ck_assert_int_eq(rp_zlib_inflate(z, zl, (uint8_t *)out, sizeof out, &ol, &err), RP_E_ZLIB);
    z[zl - 1] ^= 1;
    /* bad header check */
    z[1] ^= 1;
    ck_assert_int_eq(rp_zlib_inflate(z, zl, (uint8_t *)out, sizeof out, &ol, &err), RP_E_ZLIB);
    ck_assert_uint_eq(err.offset, 0);
    z[1] ^= 1;
    /* trailing bytes after the stream */
    z[zl] = 'x';
    ck_assert_int_eq(rp_zlib_inflate(z, zl + 1, (uint8_t *)out, sizeof out, &ol, &err), RP_E_ZLIB);
    ck_assert_uint_eq(err.offset, zl);
    /* the intact stream still works */
    ck_assert_int_eq(rp_zlib_inflate(z, zl, (uint8_t *)out, sizeof out, &ol, &err), 0);
    ck_assert_uint_eq(ol, strlen(text));
    ck_assert_int_eq(rp_zlib_inflate(NULL, 0, (uint8_t *)out, sizeof out, &ol, &err), RP_E_ZLIB);
    ck_assert_int_eq(rp_zlib_inflate(NULL, 5, (uint8_t *)out, sizeof out, &ol, &err), RP_E_ARGUMENT);
}
END_TEST

static Suite *zlib_suite(void)
{
    Suite *s = suite_create("zlib");
    TCase *tc = tcase_create("zlib");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, deflate_inflate_levels_and_headers);
    tcase_add_test(tc, inflate_vector_streams);
    tcase_add_test(tc, gzip_and_raw_deflate_refused);
    tcase_add_test(tc, zip_bomb_stops_at_bound);
    tcase_add_test(tc, corrupt_streams);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(zlib_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
