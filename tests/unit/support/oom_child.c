/* oom_child.c — see oom_child.h. */
#include "oom_child.h"

#include <check.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int oom_child_run(oom_child_fn fn, const void *arg, unsigned long n, const char *what)
{
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        fn(arg, n);
        _exit(127); /* fn must not return */
    }
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "%s, OpenSSL allocation %lu failing: killed by signal %d", what, n,
                  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return WEXITSTATUS(st);
}
