/* Check suite for tools/lib/rs_net.c: what residue-server relies on from its listeners.
 * The server accepts with accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) and sets no option on the
 * accepted socket, so TCP_NODELAY must come from the listener (Linux copies it). */
#define _GNU_SOURCE /* accept4 */
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../tools/lib/rs_net.h"

static int tcp_nodelay(int fd)
{
    int v = -1;
    socklen_t len = sizeof v;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    return v;
}

START_TEST(accepted_socket_inherits_nodelay)
{
    int lfd = -1, cfd = -1;
    uint16_t port = 0;
    ck_assert_int_eq(rs_listen("127.0.0.1", 0, &lfd, &port, NULL), 0);
    ck_assert_int_ne(port, 0);
    ck_assert_int_ne(fcntl(lfd, F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_ne(tcp_nodelay(lfd), 0);
    ck_assert_int_eq(rs_connect("127.0.0.1", port, 2000, &cfd, NULL), 0);
    int afd = -1;
    for (int i = 0; i < 200 && afd < 0; i++) {
        afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (afd < 0) usleep(5000);
    }
    ck_assert_int_ge(afd, 0);
    ck_assert_int_ne(tcp_nodelay(afd), 0);
    ck_assert_int_ne(fcntl(afd, F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_ne(fcntl(afd, F_GETFD) & FD_CLOEXEC, 0);
    close(afd);
    close(cfd);
    close(lfd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_add_test(tc, accepted_socket_inherits_nodelay);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
