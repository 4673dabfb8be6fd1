/* oom_child.h — the child processes of the *_oom tests: each runs one scenario in a fresh
 * process (so that OpenSSL is untouched when openssl_fail_allocation sets its hook) and
 * reports by its exit status. */
#ifndef TEST_OOM_CHILD_H
#define TEST_OOM_CHILD_H

/* A scenario with allocation n failing; it ends with _exit(status). */
typedef void (*oom_child_fn)(const void *arg, unsigned long n);

/* Runs fn(arg, n) in a child and returns its exit status; fails the test (naming what and
 * n) when the child did not exit but was killed, by a crash or otherwise. */
int oom_child_run(oom_child_fn fn, const void *arg, unsigned long n, const char *what);

#endif /* TEST_OOM_CHILD_H */
