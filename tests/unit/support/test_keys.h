/* Test support: RSA public keys in the forms the key checks must refuse, made with OpenSSL
 * (EVP_PKEY_fromdata from a chosen n and e, written as SPKI PEM), and the Java client's PEM
 * form of a key we hold the private half of. Test code only; prefix tk_. */
#ifndef TEST_KEYS_H
#define TEST_KEYS_H

#include <stddef.h>

/* The refused forms (docs/security.md, "Client keys"). */
typedef enum tk_bad {
    TK_E1 = 0,     /* e = 1: "encryption" would send the hello in clear */
    TK_E2,         /* e = 2 (even) */
    TK_E4,         /* e = 4 (even) */
    TK_E_HUGE,     /* an odd 2047-bit e < n (2048-bit n): far more CPU per encryption than 65537 */
    TK_E_2_32P1,   /* e = 2^32 + 1: odd, the first value past the exponent bound */
    TK_E_GE_N,     /* e = n + 2 (odd, larger than n) */
    TK_N_EVEN,     /* the modulus of a real key plus one: even */
    TK_512,        /* a 512-bit modulus, e = 65537 */
    TK_TOO_BIG,    /* a 16400-bit modulus, e = 65537 (above RP_RSA_MAX_BITS) */
    TK_COUNT
} tk_bad;

/* Short name for messages ("e=1", "even n", ...). */
const char *tk_bad_name(tk_bad kind);

/* SPKI PEM ("-----BEGIN PUBLIC KEY-----") of a key of the given kind; kinds that change e
 * or make n even start from the modulus of the 2048-bit key in pub_pem_path. malloc'd,
 * NUL-terminated; *len (optional) its length. Aborts the test (ck_assert) on failure. */
char *tk_bad_key_pem(tk_bad kind, const char *pub_pem_path, size_t *len);

/* SPKI PEM of the modulus of the key in pub_pem_path with public exponent e instead (e = 17
 * is what the C++ client's Crypto++ key generation uses). malloc'd; *len optional. */
char *tk_pem_with_exponent(const char *pub_pem_path, unsigned long e, size_t *len);

/* The PEM text the Java client sends for the public key in pub_pem_path: the SPKI DER under
 * "-----BEGIN RSA PUBLIC KEY-----", base64 in 76-column lines ending in '\n', then an empty
 * line, then the END line and '\n' (../shared/testdata/pem/java-client-public.pem has this
 * form). malloc'd; *len (optional) its length. */
char *tk_java_pem(const char *pub_pem_path, size_t *len);

#endif /* TEST_KEYS_H */
