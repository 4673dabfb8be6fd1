/* rp_crypto when OpenSSL's own allocations fail, through OpenSSL's allocator hook
 * (CRYPTO_set_mem_functions, which takes effect only before OpenSSL's first allocation):
 * for each N, a fresh child process makes OpenSSL's Nth allocation fail and calls an
 * rp_crypto entry as its first OpenSSL call. The first few dozen allocations are OpenSSL
 * setting up its default library context; in OpenSSL 3.0 a failure there leaves the
 * context half made and the next EVP/RAND call crashed on its NULL lock. Each call must
 * return 0 or an error with a message, twice in a row, never crash.
 *
 * Nothing in this file's own process touches OpenSSL, so every child starts with it
 * untouched (with CK_FORK=no too).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rp_crypto.h"
#include "support/oom_child.h"
#include "support/openssl_fail.h"
#include "support/vec_support.h"

#define CLIENT_PUB "../shared/vectors/A-unknown-plain/keys/client-public.pem"

typedef int (*first_call)(const char *pem, size_t len, rp_error *err);

static int call_random(const char *pem, size_t len, rp_error *err)
{
    (void)pem;
    (void)len;
    uint8_t b[32];
    return rp_random_bytes(b, sizeof b, err);
}

static int call_aes(const char *pem, size_t len, rp_error *err)
{
    (void)pem;
    (void)len;
    rp_aes_key k;
    uint8_t iv[16] = { 0 }, in[20] = { 1 }, out[64];
    size_t n = 0;
    int rc = rp_aes_key_set(&k, (const uint8_t *)"0123456789abcdef", 16, err);
    if (rc == 0)
        rc = rp_aes_cbc_encrypt(&k, iv, in, sizeof in, out, sizeof out, &n, err);
    rp_aes_key_wipe(&k);
    return rc;
}

static int call_load_public(const char *pem, size_t len, rp_error *err)
{
    rp_rsa_key *k = NULL;
    int rc = rp_rsa_key_load_public_pem(pem, len, &k, err);
    rp_rsa_key_free(k);
    return rc;
}

/* Child for one N: exit 0 (both calls worked), 1 (an error with a message, and no crash on
 * the second call; 2 when the first error was RP_E_NOMEM), 3 (an error without a message),
 * 9 (the hook could not be set). */
typedef struct call_case {
    first_call fn;
    const char *pem;
    size_t len;
} call_case;

static void child(const void *arg, unsigned long n)
{
    const call_case *cc = arg;
    first_call fn = cc->fn;
    const char *pem = cc->pem;
    size_t len = cc->len;
    if (!openssl_fail_allocation(n))
        _exit(9);
    rp_error e;
    rp_error_clear(&e);
    int rc = fn(pem, len, &e);
    if (rc != 0 && e.message[0] == '\0')
        _exit(3);
    rp_error e2;
    int rc2 = fn(pem, len, &e2); /* after a failed set-up: an error again, not a crash */
    if (rc2 != 0 && e2.message[0] == '\0')
        _exit(3);
    _exit(rc == 0 && rc2 == 0 ? 0 : rc == RP_E_NOMEM ? 2 : 1);
}

/* Sweeps N = 1..limit; at least one N must fail the call (so the sweep reached OpenSSL's
 * allocations) and the last must succeed (so it went past all of them). Returns the child
 * status with OpenSSL's first allocation failing. */
static int sweep(const char *what, first_call fn, const char *pem, size_t len, unsigned long limit)
{
    int first = -1;
    unsigned errors = 0;
    int last = -1;
    const call_case cc = { fn, pem, len };
    for (unsigned long n = 1; n <= limit; n++) {
        last = oom_child_run(child, &cc, n, what);
        ck_assert_msg(last == 0 || last == 1 || last == 2,
                      "%s, OpenSSL allocation %lu failing: child status %d", what, n, last);
        errors += last != 0;
        if (n == 1)
            first = last;
    }
    ck_assert_msg(errors > 0, "%s: no failing allocation was reported", what);
    ck_assert_msg(last == 0, "%s: still failing with allocation %lu failing", what, limit);
    return first;
}

START_TEST(test_random_bytes_first)
{
    (void)sweep("rp_random_bytes", call_random, NULL, 0, 400);
}
END_TEST

START_TEST(test_aes_first)
{
    (void)sweep("rp_aes_cbc_encrypt", call_aes, NULL, 0, 400);
}
END_TEST

START_TEST(test_load_public_first)
{
    size_t len = 0;
    char *pem = vec_read_file(CLIENT_PUB, &len);
    ck_assert_ptr_nonnull(pem);
    int first = sweep("rp_rsa_key_load_public_pem", call_load_public, pem, len, 1500);
    free(pem);
    /* OpenSSL's first allocation is its set-up: that is out of memory, not a bad key (it was
     * RP_E_KEY, "the PEM body is neither an RSA SubjectPublicKeyInfo nor ...") */
    ck_assert_msg(first == 2, "the key load with OpenSSL's set-up failing: child status %d", first);
}
END_TEST

/* rp_rsa_decrypt of a valid block while one of OpenSSL's allocations inside the decryption
 * fails: no crash, and RP_E_NOMEM where OpenSSL's queue says an allocation failed (it was
 * RP_E_DECRYPT, blaming the peer's ciphertext). OpenSSL 3.0 does not say so for every
 * allocation (not in its DRBG's set-up), so RP_E_DECRYPT remains possible; RP_E_CRYPTO is
 * the context's set-up failing. A dry run in a child counts OpenSSL's allocations before
 * and during the decryption; each N in that window then fails in a child of its own. */
#define CLIENT_PRIV "../shared/vectors/A-unknown-plain/keys/client-private.pem"

enum { RT_OK = 0, RT_NOMEM = 2, RT_CRYPTO = 3, RT_BLAMED = 4, RT_SETUP = 5, RT_OTHER = 6 };

typedef struct roundtrip_case {
    const char *pem;
    size_t len;
    int report_fd; /* where the allocation counts go, or -1 */
} roundtrip_case;

static void roundtrip_child(const void *arg, unsigned long n)
{
    const roundtrip_case *rt = arg;
    const char *pem = rt->pem;
    size_t len = rt->len;
    int report_fd = rt->report_fd;
    if (!openssl_fail_allocation(n))
        _exit(9);
    rp_rsa_key *k = NULL;
    uint8_t block[512], plain[512];
    size_t blen = 0, plen = 0;
    if (rp_rsa_key_load_private_pem(pem, len, NULL, &k, NULL) != 0 ||
        rp_rsa_encrypt(k, (const uint8_t *)"session", 7, block, sizeof block, &blen, NULL) != 0)
        _exit(RT_SETUP);
    unsigned long before = openssl_allocations();
    rp_error e;
    int rc = rp_rsa_decrypt(k, block, blen, plain, sizeof plain, &plen, &e);
    unsigned long after = openssl_allocations();
    if (report_fd >= 0) {
        unsigned long w[2] = { before, after };
        if (write(report_fd, w, sizeof w) != (ssize_t)sizeof w)
            _exit(8);
    }
    rp_rsa_key_free(k);
    if (rc == 0)
        _exit(plen == 7 && memcmp(plain, "session", 7) == 0 ? RT_OK : RT_OTHER);
    _exit(rc == RP_E_NOMEM ? RT_NOMEM : rc == RP_E_CRYPTO ? RT_CRYPTO : rc == RP_E_DECRYPT ? RT_BLAMED : RT_OTHER);
}

static int run_roundtrip(const char *pem, size_t len, unsigned long n, int report_fd)
{
    const roundtrip_case rt = { pem, len, report_fd };
    return oom_child_run(roundtrip_child, &rt, n, "rp_rsa_decrypt");
}

START_TEST(test_rsa_decrypt_out_of_memory_is_ours)
{
    size_t len = 0;
    char *pem = vec_read_file(CLIENT_PRIV, &len);
    ck_assert_ptr_nonnull(pem);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(run_roundtrip(pem, len, (unsigned long)-1, fds[1]), RT_OK);
    unsigned long w[2] = { 0, 0 };
    ck_assert_int_eq(read(fds[0], w, sizeof w), (ssize_t)sizeof w);
    close(fds[0]);
    close(fds[1]);
    ck_assert_msg(w[1] > w[0], "the decryption made no allocation (%lu..%lu)", w[0], w[1]);
    unsigned nomem = 0, blamed = 0;
    /* w[0] + 1 is rp_rsa_decrypt's own buffer (RP_E_NOMEM before OpenSSL is called) */
    for (unsigned long n = w[0] + 2; n <= w[1]; n++) {
        int st = run_roundtrip(pem, len, n, -1);
        ck_assert_msg(st == RT_OK || st == RT_NOMEM || st == RT_CRYPTO || st == RT_BLAMED,
                      "OpenSSL allocation %lu (of %lu..%lu) failing in rp_rsa_decrypt: child status %d",
                      n, w[0] + 1, w[1], st);
        nomem += st == RT_NOMEM;
        blamed += st == RT_BLAMED;
    }
    ck_assert_msg(nomem > blamed, "of the allocations failing inside OpenSSL's decryption, %u came "
                  "back as RP_E_NOMEM and %u as RP_E_DECRYPT", nomem, blamed);
    free(pem);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("crypto_oom");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_random_bytes_first);
    tcase_add_test(tc, test_aes_first);
    tcase_add_test(tc, test_load_public_first);
    tcase_add_test(tc, test_rsa_decrypt_out_of_memory_is_ours);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
