/* openssl_fail.h — OpenSSL's allocator hook for the *_oom tests: from the call on, OpenSSL's
 * nth allocation fails (one allocation, then all succeed again). CRYPTO_set_mem_functions
 * takes effect only before OpenSSL's first allocation, so call it first thing in a fresh
 * child process. */
#ifndef TEST_OPENSSL_FAIL_H
#define TEST_OPENSSL_FAIL_H

#include <stdbool.h>

/* false when OpenSSL refused the hook (it had allocated already). */
bool openssl_fail_allocation(unsigned long n);
/* OpenSSL's allocations since the hook was set. */
unsigned long openssl_allocations(void);

#endif /* TEST_OPENSSL_FAIL_H */
