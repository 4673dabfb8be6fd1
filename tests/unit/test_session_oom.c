/* The residue server session when OpenSSL's allocations fail, through OpenSSL's allocator
 * hook (CRYPTO_set_mem_functions, which takes effect only before OpenSSL's first
 * allocation): in a fresh child process whose first OpenSSL call is loading the public key
 * of an unmanaged CONNECT (the captured A-unknown-plain CONNECT; clock and RNG are fakes,
 * so nothing touches OpenSSL before). A failure that is the server's own is not the
 * client's bad key: residue_server_handle_connect returns RP_E_NOMEM and writes no reply
 * (the caller closes the connection) instead of answering "Could not load public key" or
 * "BER decode error". Nothing in this file's own process touches OpenSSL.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "residue_session.h"
#include "support/session_fakes.h"
#include "support/vec_support.h"

#define CONNECT "../shared/vectors/A-unknown-plain/01-connect.c2s.plain.json"

static unsigned long fail_at, calls;

static void *failing_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return ++calls == fail_at ? NULL : malloc(n);
}

static void *failing_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return ++calls == fail_at ? NULL : realloc(p, n);
}

static void plain_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* Child: exit 0 when the CONNECT got RP_E_NOMEM, no reply and a reason; 1 when it was
 * answered; 3 for anything else; 9 when the hook could not be set. */
static void child(const char *pkt, size_t len)
{
    if (!CRYPTO_set_mem_functions(failing_malloc, failing_realloc, plain_free))
        _exit(9);
    fail_at = 1; /* OpenSSL's first allocation: setting up its default library context */
    fake_clock clk = { 1795667583u };
    fake_rng rng;
    memset(&rng, 0, sizeof rng);
    rng.state = 7;
    residue_server_config cfg;
    residue_server_config_defaults(&cfg);
    residue_server *srv = NULL;
    if (residue_server_create(&cfg, fake_now, &clk, fake_random, &rng, &srv, NULL) != 0)
        _exit(3);
    static uint8_t reply[RESIDUE_SESSION_PACKET_MAX];
    size_t rn = 0;
    rp_error why;
    rp_error_clear(&why);
    int rc = residue_server_handle_connect(srv, (const uint8_t *)pkt, len, reply, sizeof reply,
                                           &rn, &why);
    residue_server_free(srv);
    if (rc == 0) {
        fprintf(stderr, "answered: %.*s\n", (int)rn, (const char *)reply);
        _exit(1);
    }
    _exit(rc == RP_E_NOMEM && why.code == RP_E_NOMEM && rn == 0 &&
                  strstr(why.message, "out of memory") != NULL
              ? 0
              : 3);
}

START_TEST(test_connect_key_load_out_of_memory)
{
    size_t len = 0;
    char *pkt = vec_read_file(CONNECT, &len);
    ck_assert_ptr_nonnull(pkt);
    while (len > 0 && (pkt[len - 1] == '\n' || pkt[len - 1] == '\r'))
        len--;
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        child(pkt, len);
    free(pkt);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    ck_assert_msg(WEXITSTATUS(st) == 0, "child status %d (1: the CONNECT was answered)",
                  WEXITSTATUS(st));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("session_oom");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_connect_key_load_out_of_memory);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
