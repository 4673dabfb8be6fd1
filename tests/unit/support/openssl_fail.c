/* openssl_fail.c — see openssl_fail.h. */
#include "openssl_fail.h"

#include <stdlib.h>

#include <openssl/crypto.h>

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

bool openssl_fail_allocation(unsigned long n)
{
    if (!CRYPTO_set_mem_functions(failing_malloc, failing_realloc, plain_free))
        return false;
    fail_at = n;
    calls = 0;
    return true;
}

unsigned long openssl_allocations(void)
{
    return calls;
}
