/* Test support: refused RSA public keys and the Java client's PEM form. See test_keys.h. */
#include "test_keys.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

const char *tk_bad_name(tk_bad kind)
{
    static const char *const names[TK_COUNT] = {
        "e=1", "e=2", "e=4", "2047-bit e", "e=2^32+1", "e>n", "even n", "512-bit n", "16400-bit n",
    };
    return kind < TK_COUNT ? names[kind] : "?";
}

static EVP_PKEY *read_pub(const char *path)
{
    BIO *in = BIO_new_file(path, "r");
    ck_assert_msg(in != NULL, "cannot open %s", path);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(in, NULL, NULL, NULL);
    BIO_free(in);
    ck_assert_msg(k != NULL, "%s is not a public key PEM", path);
    return k;
}

/* SPKI PEM of (n, e); OpenSSL writes whatever numbers it is given, valid or not. */
static char *pem_from_ne(const BIGNUM *n, const BIGNUM *e, size_t *len)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    ck_assert_ptr_nonnull(bld);
    ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n));
    ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e));
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    ck_assert_ptr_nonnull(params);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pkey = NULL;
    ck_assert(ctx != NULL && EVP_PKEY_fromdata_init(ctx) > 0);
    ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
    BIO *mem = BIO_new(BIO_s_mem());
    ck_assert_int_eq(PEM_write_bio_PUBKEY(mem, pkey), 1);
    char *data = NULL;
    long n_out = BIO_get_mem_data(mem, &data);
    ck_assert(n_out > 0);
    char *text = malloc((size_t)n_out + 1u);
    ck_assert_ptr_nonnull(text);
    memcpy(text, data, (size_t)n_out);
    text[n_out] = '\0';
    if (len != NULL) *len = (size_t)n_out;
    BIO_free(mem);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return text;
}

char *tk_bad_key_pem(tk_bad kind, const char *pub_pem_path, size_t *len)
{
    EVP_PKEY *base = read_pub(pub_pem_path);
    BIGNUM *n = NULL, *e = BN_new();
    ck_assert(EVP_PKEY_get_bn_param(base, OSSL_PKEY_PARAM_RSA_N, &n) == 1 && e != NULL);
    EVP_PKEY_free(base);
    ck_assert(BN_set_word(e, 65537));
    switch (kind) {
    case TK_E1: ck_assert(BN_set_word(e, 1)); break;
    case TK_E2: ck_assert(BN_set_word(e, 2)); break;
    case TK_E4: ck_assert(BN_set_word(e, 4)); break;
    case TK_E_HUGE:
        ck_assert(BN_rand(e, 2047, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD));
        break;
    case TK_E_2_32P1:
        ck_assert(BN_set_word(e, 1) && BN_lshift(e, e, 32) && BN_add_word(e, 1));
        break;
    case TK_E_GE_N: ck_assert(BN_copy(e, n) != NULL && BN_add_word(e, 2)); break;
    case TK_N_EVEN: ck_assert(BN_add_word(n, 1)); break;
    case TK_512: ck_assert(BN_rand(n, 512, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD)); break;
    case TK_TOO_BIG: ck_assert(BN_rand(n, 16400, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD)); break;
    default: ck_abort_msg("tk_bad_key_pem: unknown kind %d", (int)kind);
    }
    char *pem = pem_from_ne(n, e, len);
    BN_free(n);
    BN_free(e);
    return pem;
}

char *tk_pem_with_exponent(const char *pub_pem_path, unsigned long e_word, size_t *len)
{
    EVP_PKEY *base = read_pub(pub_pem_path);
    BIGNUM *n = NULL, *e = BN_new();
    ck_assert(EVP_PKEY_get_bn_param(base, OSSL_PKEY_PARAM_RSA_N, &n) == 1 && e != NULL);
    EVP_PKEY_free(base);
    ck_assert(BN_set_word(e, e_word));
    char *pem = pem_from_ne(n, e, len);
    BN_free(n);
    BN_free(e);
    return pem;
}

char *tk_java_pem(const char *pub_pem_path, size_t *len)
{
    EVP_PKEY *k = read_pub(pub_pem_path);
    unsigned char *der = NULL;
    int der_len = i2d_PUBKEY(k, &der);
    ck_assert(der_len > 0);
    EVP_PKEY_free(k);
    /* plain base64 of the DER, then cut into 76-column lines */
    size_t b64_cap = ((size_t)der_len + 2u) / 3u * 4u + 1u;
    char *b64 = malloc(b64_cap);
    ck_assert_ptr_nonnull(b64);
    int b64_len = EVP_EncodeBlock((unsigned char *)b64, der, der_len);
    OPENSSL_free(der);
    ck_assert(b64_len > 0);
    size_t cap = (size_t)b64_len + (size_t)b64_len / 76u + 128u;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    size_t o = (size_t)snprintf(out, cap, "-----BEGIN RSA PUBLIC KEY-----\n");
    for (int i = 0; i < b64_len; i += 76) {
        int w = b64_len - i < 76 ? b64_len - i : 76;
        memcpy(out + o, b64 + i, (size_t)w);
        o += (size_t)w;
        out[o++] = '\n';
    }
    o += (size_t)snprintf(out + o, cap - o, "\n-----END RSA PUBLIC KEY-----\n");
    free(b64);
    if (len != NULL) *len = o;
    return out;
}
