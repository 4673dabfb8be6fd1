/* test_generated_alloc: decoding allocates nothing.
 *
 * This binary replaces malloc/calloc/realloc/free with counting wrappers around glibc's
 * __libc_* entry points, so every heap allocation in the process (ours, libc's, OpenSSL's)
 * is counted while counting is on. 10,000 decodes (and encodes) of real plaintexts must
 * leave the count at zero.
 *
 * Under AddressSanitizer the allocator belongs to ASan and cannot be replaced; there the
 * decodes still run and are checked, and the test says loudly that the count is skipped.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue.h"
#include "support/vec_support.h"
#include "residue_profiles.h"

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_COUNTING 0
#endif
#endif
#ifndef ALLOC_COUNTING
#define ALLOC_COUNTING 1
#endif

static volatile int g_counting;
static volatile unsigned long g_allocs;

#if ALLOC_COUNTING
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

void *malloc(size_t n)
{
    if (g_counting)
        g_allocs++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (g_counting)
        g_allocs++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (g_counting)
        g_allocs++;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}
#endif

typedef struct sample {
    const char *file;
    residue_port port;
    residue_peer dir;
    residue_message_id id;
    char *text;
    size_t len;
} sample;

static sample samples[] = {
    { "A-unknown-plain/01-connect.c2s.plain.json", RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, RESIDUE_MSG_CONNECT, NULL, 0 },
    { "A-unknown-plain/02-hello.s2c.plain.json", RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, RESIDUE_MSG_HELLO, NULL, 0 },
    { "A-unknown-plain/03-ack.c2s.plain.json", RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, RESIDUE_MSG_ACKNOWLEDGEMENT, NULL, 0 },
    { "A-unknown-plain/04-established.s2c.plain.json", RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, RESIDUE_MSG_ESTABLISHED, NULL, 0 },
    { "A-unknown-plain/07-log-uncompressed.c2s.plain.json", RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT, RESIDUE_MSG_LOG_REQUEST, NULL, 0 },
    { "A-unknown-plain/11-bulk-compressed.c2s.plain.json", RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT, RESIDUE_MSG_LOG_BULK, NULL, 0 },
    { "A-unknown-plain/08-log-reply.s2c.plain.json", RESIDUE_PORT_LOGGING, RESIDUE_PEER_SERVER, RESIDUE_MSG_LOG_REPLY, NULL, 0 },
    { "F-errors/14-touch-before-ack-reply.s2c.plain.json", RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, RESIDUE_MSG_CONNECT_ERROR, NULL, 0 },
    { "F-errors/07-connect-key-size-100.c2s.plain.json", RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, RESIDUE_MSG_NONE, NULL, 0 },
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static residue_any g_any;
static uint8_t g_mem[1 << 16];
static char g_out[1 << 16];

START_TEST(test_decode_allocates_nothing)
{
    for (size_t i = 0; i < NSAMPLES; i++) {
        char path[256];
        snprintf(path, sizeof path, "../shared/vectors/%s", samples[i].file);
        samples[i].text = vec_read_file(path, &samples[i].len);
        ck_assert_msg(samples[i].text != NULL, "cannot read %s", path);
    }
    size_t ok = 0, refused = 0, encoded = 0;
    rp_error err;
    g_allocs = 0;
    g_counting = 1;
    for (int i = 0; i < 10000; i++) {
        sample *s = &samples[(size_t)i % NSAMPLES];
        rp_arena a;
        rp_arena_init(&a, g_mem, sizeof g_mem);
        const rp_schema_profile *profile = (i / (int)NSAMPLES) % 2 ? &residue_profile_wire : NULL;
        int rc = residue_decode_any(s->text, s->len, s->port, s->dir, &g_any, &a, profile, &err);
        if (s->id == RESIDUE_MSG_NONE) {
            if (rc == RP_E_SCHEMA_RANGE)
                refused++;
            continue;
        }
        if (rc == 0 && g_any.id == s->id)
            ok++;
        if (g_any.id == RESIDUE_MSG_ESTABLISHED) {
            size_t n;
            if (residue_established_encode(&g_any.u.established, g_out, sizeof g_out, &n, &err) == 0 &&
                n == s->len)
                encoded++;
        }
    }
    g_counting = 0;
    unsigned long allocs = g_allocs;
    for (size_t i = 0; i < NSAMPLES; i++)
        free(samples[i].text);
    /* every decode did what it should, so the count below covers real work */
    ck_assert_uint_eq(ok + refused, 10000);
    ck_assert_uint_eq(refused, 10000 / NSAMPLES);
    ck_assert_uint_gt(encoded, 1000);
#if ALLOC_COUNTING
    printf("10000 decodes (+%zu encodes): %lu heap allocations\n", encoded, allocs);
    ck_assert_uint_eq(allocs, 0);
    /* the counter itself works: */
    g_counting = 1;
    void *volatile p = malloc(16); /* volatile: the compiler may not elide the pair */
    g_counting = 0;
    free(p);
    ck_assert_uint_eq(g_allocs, 1);
#else
    (void)allocs;
    printf("SKIPPED (AddressSanitizer owns malloc): allocation count of 10000 decodes not "
           "measured in this build; the plain build asserts it is 0\n");
#endif
}
END_TEST

int main(void)
{
    Suite *s = suite_create("generated_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_decode_allocates_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
