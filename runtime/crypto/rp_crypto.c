/* rp_crypto: OpenSSL 3 EVP wrappers. See rp_crypto.h. */
#include "rp_crypto.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* getpid: the random pool's fork check */

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/rsa.h> /* RSA_PKCS1_PADDING constant only; no RSA_* functions are used */
#include <openssl/x509.h> /* X509_ALGOR: the AlgorithmIdentifier of an SPKI */

#include "rp_codec.h"
#include "rp_pem.h"

#define KEY_FILE_MAX (1024u * 1024u)

struct rp_rsa_key {
    EVP_PKEY *pkey;
    bool is_private;
};

/* Appends OpenSSL's first queued reason (never secret: it names the failing operation) to a
 * message and empties the queue, so stale errors never leak into a later, unrelated call. */
static int ossl_fail(rp_error *err, rp_status code, const char *what)
{
    unsigned long e = ERR_peek_error();
    char reason[120] = "";
    if (e != 0) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    if (reason[0] != '\0')
        return rp_error_set(err, code, RP_LAYER_CRYPTO, SIZE_MAX, "%s (%s)", what, reason);
    return rp_error_set(err, code, RP_LAYER_CRYPTO, SIZE_MAX, "%s", what);
}

static int wrap_key(EVP_PKEY *pkey, bool is_private, rp_rsa_key **out, rp_error *err)
{
    if (!EVP_PKEY_is_a(pkey, "RSA")) {
        EVP_PKEY_free(pkey);
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "key is not an RSA key");
    }
    int bits = EVP_PKEY_get_bits(pkey);
    if (bits < (int)RP_RSA_MIN_BITS || bits > (int)RP_RSA_MAX_BITS) {
        EVP_PKEY_free(pkey);
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA key of %d bits is outside the supported %u..%u bits", bits,
                            RP_RSA_MIN_BITS, RP_RSA_MAX_BITS);
    }
    rp_rsa_key *k = malloc(sizeof *k);
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX, "out of memory");
    }
    k->pkey = pkey;
    k->is_private = is_private;
    *out = k;
    return RP_OK;
}

/* Passphrase callback: never prompts. A NULL passphrase makes encrypted keys fail. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pass = u;
    if (pass == NULL || size <= 0) return -1;
    size_t n = strlen(pass);
    if (n > (size_t)size) return -1;
    memcpy(buf, pass, n);
    return (int)n;
}

/* OpenSSL 3.0 sets up its default library context once, on first use; when an allocation
 * of that fails, later calls go on with the half-made context and crash on its NULL lock
 * (found by tests/scripts/alloc-faults.sh). So every entry that may be a process's first
 * OpenSSL call asks first whether that set-up worked: two run-once checks once it has. */
static int ossl_ready(rp_error *err)
{
    if (OPENSSL_init_crypto(0, NULL) == 1 && OSSL_LIB_CTX_get0_global_default() != NULL)
        return RP_OK;
    ERR_clear_error();
    return rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX,
                        "OpenSSL could not set itself up (out of memory)");
}

int rp_rsa_key_load_private_pem(const char *pem, size_t len, const char *passphrase,
                                rp_rsa_key **out, rp_error *err)
{
    if (out == NULL || (pem == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "load private key: NULL argument");
    *out = NULL;
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    if (len > INT_MAX)
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_CRYPTO, SIZE_MAX, "PEM text too large");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) return ossl_fail(err, RP_E_NOMEM, "load private key: BIO_new_mem_buf");
    /* PEM_read_bio_PrivateKey handles "RSA PRIVATE KEY" (PKCS#1, also with the legacy
     * Proc-Type encryption), "PRIVATE KEY" and "ENCRYPTED PRIVATE KEY" (PKCS#8). */
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, (void *)passphrase);
    BIO_free(bio);
    if (pkey == NULL)
        return ossl_fail(err, RP_E_KEY,
                         passphrase ? "cannot load private key (not a PEM private key, or "
                                      "wrong passphrase)"
                                    : "cannot load private key (not a PEM private key, or "
                                      "encrypted and no passphrase given)");
    return wrap_key(pkey, true, out, err);
}

/* Steps into the DER SEQUENCE at *p (len bytes): *p moves to its first element and *end to
 * the end of its body. -1 when the bytes there are not a well-formed SEQUENCE header. */
static int enter_sequence(const unsigned char **p, long len, const unsigned char **end)
{
    long body = 0;
    int tag = 0, xclass = 0;
    int r = ASN1_get_object(p, &body, &tag, &xclass, len);
    if ((r & 0x80) != 0 || !(r & V_ASN1_CONSTRUCTED) || tag != V_ASN1_SEQUENCE ||
        xclass != V_ASN1_UNIVERSAL)
        return -1;
    *end = *p + body;
    return 0;
}

/* n and e of a PKCS#1 RSAPublicKey, SEQUENCE { INTEGER n, INTEGER e }, read with OpenSSL's
 * DER parsers (ASN1_get_object, d2i_ASN1_INTEGER, ASN1_INTEGER_to_BN) for the checks of
 * check_public. Why not EVP_PKEY_get_bn_param on the decoded key: in OpenSSL 3.0 it writes
 * each number through a 2048-byte OSSL_PARAM buffer with a constant-time byte loop, about
 * 60 k instructions per number, a fifth of a whole handshake. 0, or -1 when the bytes are
 * not that SEQUENCE (d2i_PublicKey then refuses them too). */
static int rsa_numbers(const unsigned char *der, long len, BIGNUM **n, BIGNUM **e)
{
    *n = *e = NULL;
    const unsigned char *p = der, *end = NULL;
    if (enter_sequence(&p, len, &end) < 0)
        return -1;
    ASN1_INTEGER *ai = d2i_ASN1_INTEGER(NULL, &p, (long)(end - p));
    if (ai != NULL) *n = ASN1_INTEGER_to_BN(ai, NULL);
    ASN1_INTEGER_free(ai);
    ai = p < end ? d2i_ASN1_INTEGER(NULL, &p, (long)(end - p)) : NULL;
    if (ai != NULL) *e = ASN1_INTEGER_to_BN(ai, NULL);
    ASN1_INTEGER_free(ai);
    if (*n == NULL || *e == NULL) {
        BN_free(*n);
        BN_free(*e);
        *n = *e = NULL;
        return -1;
    }
    return 0;
}

/* The RSAPublicKey inside an X.509 SubjectPublicKeyInfo
 *   SEQUENCE { AlgorithmIdentifier { rsaEncryption, NULL }, BIT STRING { RSAPublicKey } },
 * walked with OpenSSL's DER parsers (ASN1_get_object, d2i_X509_ALGOR, d2i_ASN1_BIT_STRING).
 * Not d2i_PUBKEY: in OpenSSL 3.0 it builds a decoder context per call, which cost about
 * 0.7 M instructions, three quarters of a CONNECT. NULL when der is not an RSA SPKI; else
 * the key, with its n and e in *n, *e (the caller frees them). */
static EVP_PKEY *decode_spki_rsa(const unsigned char *der, long len, BIGNUM **n, BIGNUM **e)
{
    const unsigned char *p = der, *end = NULL;
    if (enter_sequence(&p, len, &end) < 0)
        return NULL;
    X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, (long)(end - p));
    const ASN1_OBJECT *oid = NULL;
    if (alg != NULL) X509_ALGOR_get0(&oid, NULL, NULL, alg);
    bool rsa = oid != NULL && OBJ_obj2nid(oid) == NID_rsaEncryption;
    X509_ALGOR_free(alg);
    if (!rsa || p >= end) return NULL;
    ASN1_BIT_STRING *bits = d2i_ASN1_BIT_STRING(NULL, &p, (long)(end - p));
    if (bits == NULL) return NULL;
    const unsigned char *kp = ASN1_STRING_get0_data(bits);
    long klen = ASN1_STRING_length(bits);
    EVP_PKEY *pkey = NULL;
    if (rsa_numbers(kp, klen, n, e) == 0) {
        pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &kp, klen);
        if (pkey == NULL) {
            BN_free(*n);
            BN_free(*e);
            *n = *e = NULL;
        }
    }
    ASN1_BIT_STRING_free(bits);
    return pkey;
}

/* Whether OpenSSL's error queue says an allocation failed; empties the queue. (When even
 * the queue could not be allocated, nothing says so: then the input is blamed.) */
static bool ossl_queue_nomem(void)
{
    bool nomem = false;
    for (unsigned long e; (e = ERR_get_error()) != 0;)
        nomem = nomem || ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
    return nomem;
}

/* Decodes DER bytes holding an X.509 SubjectPublicKeyInfo or a PKCS#1 RSAPublicKey, tried in
 * that order whatever the PEM label said (some Java clients label SPKI "RSA PUBLIC KEY").
 * Bytes after the first DER object are ignored, as Crypto++'s BER decoder ignores them.
 * NULL when neither parses (*nomem: because an allocation failed, not because of the
 * bytes); else the key, its n and e in *n, *e (the caller frees them). */
static EVP_PKEY *decode_public_der(const unsigned char *der, size_t len, BIGNUM **n, BIGNUM **e,
                                   bool *nomem)
{
    *n = *e = NULL;
    *nomem = false;
    if (len == 0 || len > LONG_MAX) return NULL;
    EVP_PKEY *pkey = decode_spki_rsa(der, (long)len, n, e);
    if (pkey == NULL && rsa_numbers(der, (long)len, n, e) == 0) {
        const unsigned char *p = der;
        pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
        if (pkey == NULL) {
            BN_free(*n);
            BN_free(*e);
            *n = *e = NULL;
        }
    }
    *nomem = ossl_queue_nomem() && pkey == NULL;
    return pkey;
}

/* Applies the key checks of rp_crypto.h to n and e (as read from the key's DER):
 * RP_RSA_FAULT_NONE when the key passes. */
static rp_rsa_key_fault check_public(const BIGNUM *n, const BIGNUM *e, unsigned min_bits,
                                     rp_error *err)
{
    rp_rsa_key_fault f = RP_RSA_FAULT_NONE;
    if (BN_is_negative(n) || !BN_is_odd(n) || BN_num_bits(n) < 2) {
        rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                     "public key: the modulus (%d bits) is even or below 3", BN_num_bits(n));
        f = RP_RSA_FAULT_INVALID;
    } else if (BN_is_negative(e) || !BN_is_odd(e) || BN_is_one(e)) {
        rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                     "public key: the exponent is even or below 3 (e must be odd, >= 3)");
        f = RP_RSA_FAULT_INVALID;
    } else if (BN_cmp(e, n) >= 0) {
        rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                     "public key: the exponent is not smaller than the modulus");
        f = RP_RSA_FAULT_INVALID;
    } else if (BN_num_bits(e) > (int)RP_RSA_MAX_EXPONENT_BITS) {
        rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                     "public key: the exponent has %d bits; at most %u are accepted",
                     BN_num_bits(e), RP_RSA_MAX_EXPONENT_BITS);
        f = RP_RSA_FAULT_EXPONENT;
    } else if (BN_num_bits(n) < (int)min_bits || BN_num_bits(n) > (int)RP_RSA_MAX_BITS) {
        rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                     "public key: a modulus of %d bits is outside the accepted %u..%u bits",
                     BN_num_bits(n), min_bits, RP_RSA_MAX_BITS);
        f = RP_RSA_FAULT_SIZE;
    }
    return f;
}

static rp_rsa_key_fault pem_fault(rp_pem_fault f)
{
    switch (f) {
    case RP_PEM_EMPTY: return RP_RSA_FAULT_EMPTY;
    case RP_PEM_NO_BEGIN: return RP_RSA_FAULT_NO_BEGIN;
    case RP_PEM_NO_END: return RP_RSA_FAULT_NO_END;
    case RP_PEM_END_LABEL: return RP_RSA_FAULT_END_LABEL;
    default: return RP_RSA_FAULT_NONE;
    }
}

static int set_fault(rp_rsa_key_fault *out, rp_rsa_key_fault f, int rc)
{
    if (out != NULL) *out = f;
    return rc;
}

int rp_rsa_key_load_public_checked(const char *pem, size_t len, unsigned min_bits,
                                   rp_rsa_key **out, rp_rsa_key_fault *fault, rp_error *err)
{
    if (fault != NULL) *fault = RP_RSA_FAULT_NONE;
    if (out == NULL || (pem == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "load public key: NULL argument");
    *out = NULL;
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    rp_pem_block block;
    rp_pem_fault pf = RP_PEM_OK;
    int rc = rp_pem_find(pem, len, &block, &pf, err);
    bool public_label =
        rp_pem_label_is(&block, "PUBLIC KEY") || rp_pem_label_is(&block, "RSA PUBLIC KEY");
    /* A wrong END label only matters once the BEGIN label is a public key's (the order in
     * which the Crypto++ PEM reader looks). */
    if (rc < 0 && !(pf == RP_PEM_END_LABEL && !public_label))
        return set_fault(fault, pem_fault(pf), rc);
    if (!public_label)
        return set_fault(fault, RP_RSA_FAULT_LABEL,
                         rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO,
                                      (size_t)(block.label - pem),
                                      "cannot load public key: PEM label \"%.*s\" is neither "
                                      "\"RSA PUBLIC KEY\" nor \"PUBLIC KEY\"",
                                      (int)(block.label_len > 40 ? 40 : block.label_len),
                                      block.label));
    size_t cap = RP_BASE64_DECODED_MAX(block.body_len);
    unsigned char *der = malloc(cap > 0 ? cap : 1u);
    if (der == NULL)
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX, "out of memory");
    size_t der_len = 0;
    /* Lenient: blank lines, CR/LF and any other non-alphabet byte in the body are skipped. */
    rc = rp_base64_decode(block.body, block.body_len, RP_BASE64_LENIENT, der, cap, &der_len, err);
    BIGNUM *n = NULL, *e = NULL;
    bool nomem = false;
    EVP_PKEY *pkey = rc < 0 ? NULL : decode_public_der(der, der_len, &n, &e, &nomem);
    free(der);
    if (rc < 0) return set_fault(fault, RP_RSA_FAULT_DER, rc);
    if (nomem)
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX,
                            "out of memory decoding the public key");
    if (pkey == NULL || !EVP_PKEY_is_a(pkey, "RSA")) {
        EVP_PKEY_free(pkey);
        BN_free(n);
        BN_free(e);
        return set_fault(fault, RP_RSA_FAULT_DER,
                         rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO,
                                      (size_t)(block.body - pem),
                                      "cannot load public key: the PEM body is neither an "
                                      "RSA SubjectPublicKeyInfo nor a PKCS#1 RSAPublicKey"));
    }
    rp_rsa_key_fault kf = check_public(n, e, min_bits, err);
    BN_free(n);
    BN_free(e);
    if (kf != RP_RSA_FAULT_NONE) {
        EVP_PKEY_free(pkey);
        return set_fault(fault, kf, RP_E_KEY);
    }
    rp_rsa_key *k = malloc(sizeof *k);
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX, "out of memory");
    }
    k->pkey = pkey;
    k->is_private = false;
    *out = k;
    return RP_OK;
}

int rp_rsa_key_load_public_pem(const char *pem, size_t len, rp_rsa_key **out, rp_error *err)
{
    if (out == NULL || (pem == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "load public key: NULL argument");
    *out = NULL;
    rp_pem_block block;
    if (rp_pem_find(pem, len, &block, NULL, NULL) == RP_OK && block.label_len >= 11 &&
        memcmp(block.label + block.label_len - 11, "PRIVATE KEY", 11) == 0) {
        /* A private key file also names the public key; use its public half. */
        rp_rsa_key *priv = NULL;
        int rc = rp_rsa_key_load_private_pem(pem, len, NULL, &priv, err);
        if (rc == RP_OK) {
            priv->is_private = false; /* callers asked for a public key: never decrypt */
            *out = priv;
        }
        return rc;
    }
    return rp_rsa_key_load_public_checked(pem, len, RP_RSA_MIN_BITS, out, NULL, err);
}

/* Reads a whole (small) file into a NUL-terminated malloc'ed buffer. */
static int read_key_file(const char *path, char **data, size_t *len, rp_error *err)
{
    *data = NULL;
    *len = 0;
    if (path == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX, "key file: NULL path");
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "cannot open key file %s: %s",
                            path, strerror(errno));
    char *buf = malloc(KEY_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(fp);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    size_t n = fread(buf, 1, KEY_FILE_MAX + 1, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        OPENSSL_cleanse(buf, n);
        free(buf);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "cannot read key file %s",
                            path);
    }
    if (n > KEY_FILE_MAX) {
        OPENSSL_cleanse(buf, n);
        free(buf);
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, SIZE_MAX,
                            "key file %s is larger than %u bytes", path, KEY_FILE_MAX);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return RP_OK;
}

/* Appends text to buf[cap] at *at, cut at the end (buf stays NUL-terminated). */
static void append_cut(char *buf, size_t cap, size_t *at, const char *text)
{
    size_t n = strlen(text);
    if (n > cap - 1u - *at) n = cap - 1u - *at;
    memcpy(buf + *at, text, n);
    *at += n;
    buf[*at] = '\0';
}

/* A key file's contents were refused: the message says which file ("PATH: why"; a long name
 * may cut the reason, the file being what the reader needs first). */
static int in_key_file(rp_error *err, const char *path, int rc)
{
    if (err != NULL && rc < 0) {
        char why[sizeof err->message];
        size_t at = 0;
        memcpy(why, err->message, sizeof why);
        append_cut(err->message, sizeof err->message, &at, path);
        append_cut(err->message, sizeof err->message, &at, ": ");
        append_cut(err->message, sizeof err->message, &at, why);
    }
    return rc;
}

int rp_rsa_key_load_public_file(const char *path, rp_rsa_key **out, rp_error *err)
{
    if (out) *out = NULL;
    char *data;
    size_t len;
    int rc = read_key_file(path, &data, &len, err);
    if (rc != RP_OK) return rc;
    rc = rp_rsa_key_load_public_pem(data, len, out, err);
    OPENSSL_cleanse(data, len);
    free(data);
    return in_key_file(err, path, rc);
}

int rp_rsa_key_load_private_file(const char *path, const char *passphrase, rp_rsa_key **out,
                                 rp_error *err)
{
    if (out) *out = NULL;
    char *data;
    size_t len;
    int rc = read_key_file(path, &data, &len, err);
    if (rc != RP_OK) return rc;
    rc = rp_rsa_key_load_private_pem(data, len, passphrase, out, err);
    OPENSSL_cleanse(data, len);
    free(data);
    return in_key_file(err, path, rc);
}

int rp_rsa_key_generate(unsigned bits, rp_rsa_key **out, rp_error *err)
{
    if (out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA keygen: NULL out");
    *out = NULL;
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    if (bits < RP_RSA_MIN_BITS || bits > RP_RSA_MAX_BITS)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA keygen: %u bits is outside %u..%u", bits, RP_RSA_MIN_BITS,
                            RP_RSA_MAX_BITS);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pkey = NULL;
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) <= 0 ||
        EVP_PKEY_generate(ctx, &pkey) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        return ossl_fail(err, RP_E_CRYPTO, "RSA key generation failed");
    }
    EVP_PKEY_CTX_free(ctx);
    return wrap_key(pkey, true, out, err);
}

void rp_rsa_key_free(rp_rsa_key *key)
{
    if (key == NULL) return;
    EVP_PKEY_free(key->pkey); /* OpenSSL clears private BIGNUMs (BN_clear_free) */
    OPENSSL_cleanse(key, sizeof *key);
    free(key);
}

bool rp_rsa_key_is_private(const rp_rsa_key *key)
{
    return key != NULL && key->is_private;
}

bool rp_rsa_key_same_public(const rp_rsa_key *a, const rp_rsa_key *b)
{
    /* EVP_PKEY_eq compares the public components; 1 is equal, 0 / negative not or unknown. */
    bool same = a != NULL && b != NULL && EVP_PKEY_eq(a->pkey, b->pkey) == 1;
    ERR_clear_error();
    return same;
}

unsigned rp_rsa_key_bits(const rp_rsa_key *key)
{
    if (key == NULL) return 0;
    int b = EVP_PKEY_get_bits(key->pkey);
    return b > 0 ? (unsigned)b : 0;
}

size_t rp_rsa_key_size(const rp_rsa_key *key)
{
    if (key == NULL) return 0;
    int s = EVP_PKEY_get_size(key->pkey);
    return s > 0 ? (size_t)s : 0;
}

size_t rp_rsa_max_plaintext(const rp_rsa_key *key)
{
    size_t s = rp_rsa_key_size(key);
    return s > RP_RSA_PKCS1_OVERHEAD ? s - RP_RSA_PKCS1_OVERHEAD : 0;
}

/* Copies a memory BIO's contents to out as a NUL-terminated string. */
static int bio_to_text(BIO *bio, char *out, size_t cap, size_t *out_len, rp_error *err)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n < 0 || data == NULL) return ossl_fail(err, RP_E_CRYPTO, "PEM export failed");
    if ((size_t)n + 1 > cap)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_CRYPTO, SIZE_MAX,
                            "PEM export needs %ld bytes, buffer has %zu", n + 1, cap);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    if (out_len) *out_len = (size_t)n;
    return RP_OK;
}

int rp_rsa_key_public_pem(const rp_rsa_key *key, char *out, size_t cap, size_t *out_len,
                          rp_error *err)
{
    if (out_len) *out_len = 0;
    if (key == NULL || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "public PEM export: NULL argument");
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return ossl_fail(err, RP_E_NOMEM, "public PEM export: BIO_new");
    int rc;
    if (!PEM_write_bio_PUBKEY(bio, key->pkey))
        rc = ossl_fail(err, RP_E_CRYPTO, "public PEM export failed");
    else
        rc = bio_to_text(bio, out, cap, out_len, err);
    BIO_free(bio);
    return rc;
}

int rp_rsa_key_private_pem(const rp_rsa_key *key, char *out, size_t cap, size_t *out_len,
                           rp_error *err)
{
    if (out_len) *out_len = 0;
    if (key == NULL || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "private PEM export: NULL argument");
    if (!key->is_private)
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "private PEM export: the key has no private half");
    /* secure-heap memory BIO: cleansed when freed */
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) return ossl_fail(err, RP_E_NOMEM, "private PEM export: BIO_new");
    int rc;
    if (!PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL))
        rc = ossl_fail(err, RP_E_CRYPTO, "private PEM export failed");
    else
        rc = bio_to_text(bio, out, cap, out_len, err);
    BIO_free(bio);
    return rc;
}

static EVP_PKEY_CTX *pkcs1_ctx(const rp_rsa_key *key, bool decrypt)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (ctx == NULL) return NULL;
    int ok = decrypt ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx);
    if (ok <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int rp_rsa_encrypt(const rp_rsa_key *key, const uint8_t *in, size_t len, uint8_t *out,
                   size_t cap, size_t *out_len, rp_error *err)
{
    if (out_len) *out_len = 0;
    if (key == NULL || out == NULL || (in == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA encrypt: NULL argument");
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    size_t max = rp_rsa_max_plaintext(key);
    if (len > max)
        return rp_error_set(err, RP_E_TOO_LONG, RP_LAYER_CRYPTO, SIZE_MAX,
                            "plaintext of %zu bytes does not fit one %u-bit RSA PKCS#1 v1.5 "
                            "block (max %zu = %zu modulus bytes - 11)",
                            len, rp_rsa_key_bits(key), max, rp_rsa_key_size(key));
    size_t ksize = rp_rsa_key_size(key);
    if (cap < ksize)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA encrypt: output needs %zu bytes, buffer has %zu", ksize, cap);
    EVP_PKEY_CTX *ctx = pkcs1_ctx(key, false);
    if (ctx == NULL) return ossl_fail(err, RP_E_CRYPTO, "RSA encrypt: context setup failed");
    size_t olen = cap;
    int ok = EVP_PKEY_encrypt(ctx, out, &olen, in, len);
    EVP_PKEY_CTX_free(ctx);
    if (ok <= 0) return ossl_fail(err, RP_E_CRYPTO, "RSA encrypt failed");
    if (out_len) *out_len = olen;
    return RP_OK;
}

int rp_rsa_decrypt(const rp_rsa_key *key, const uint8_t *in, size_t len, uint8_t *out,
                   size_t cap, size_t *out_len, rp_error *err)
{
    if (out_len) *out_len = 0;
    if (key == NULL || out == NULL || (in == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA decrypt: NULL argument");
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    if (!key->is_private)
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA decrypt needs a private key");
    size_t ksize = rp_rsa_key_size(key);
    if (len != ksize) {
        ERR_clear_error();
        return rp_error_set(err, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX, "RSA decryption failed");
    }
    /* OpenSSL may need a full modulus-sized output buffer; decrypt into a private one and
     * copy out only the verified plaintext. */
    uint8_t *tmp = OPENSSL_malloc(ksize);
    if (tmp == NULL)
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX, "out of memory");
    EVP_PKEY_CTX *ctx = pkcs1_ctx(key, true);
    if (ctx == NULL) {
        OPENSSL_free(tmp);
        if (ossl_queue_nomem())
            return rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX, "RSA decrypt: out of memory");
        return ossl_fail(err, RP_E_CRYPTO, "RSA decrypt: context setup failed");
    }
    size_t olen = ksize;
    ERR_clear_error(); /* what the queue holds after a failure is then this call's */
    int ok = EVP_PKEY_decrypt(ctx, tmp, &olen, in, len);
    EVP_PKEY_CTX_free(ctx);
    int rc;
    if (ok <= 0 && ossl_queue_nomem()) {
        /* our own failure, not the ciphertext's: the peer's input is not to blame (and no
         * ciphertext can make an allocation fail, so this tells the peer nothing) */
        rc = rp_error_set(err, RP_E_NOMEM, RP_LAYER_CRYPTO, SIZE_MAX, "RSA decrypt: out of memory");
    } else if (ok <= 0) {
        /* No OpenSSL reason in the message: it would tell padding failures apart. */
        ERR_clear_error();
        rc = rp_error_set(err, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX, "RSA decryption failed");
    } else if (olen > cap) {
        rc = rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_CRYPTO, SIZE_MAX,
                          "RSA decrypt: output needs %zu bytes, buffer has %zu", olen, cap);
    } else {
        memcpy(out, tmp, olen);
        if (out_len) *out_len = olen;
        rc = RP_OK;
    }
    OPENSSL_clear_free(tmp, ksize);
    return rc;
}

/* ---- AES ------------------------------------------------------------------------------- */

int rp_aes_key_set(rp_aes_key *key, const uint8_t *bytes, size_t len, rp_error *err)
{
    if (key == NULL || bytes == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES key: NULL argument");
    if (len != 16 && len != 24 && len != 32)
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES key of %zu bytes: must be 16, 24 or 32", len);
    OPENSSL_cleanse(key, sizeof *key);
    memcpy(key->bytes, bytes, len);
    key->len = len;
    return RP_OK;
}

int rp_aes_key_from_hex(rp_aes_key *key, const char *hex, size_t len, rp_error *err)
{
    if (key == NULL || (hex == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES key: NULL argument");
    if (len > 0 && hex[len - 1] == '\n') len--;
    if (len > 0 && hex[len - 1] == '\r') len--;
    if (len != 32 && len != 48 && len != 64)
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES key hex of %zu characters: must be 32, 48 or 64", len);
    uint8_t raw[RP_AES_MAX_KEY_SIZE];
    size_t n = 0;
    int rc = rp_hex_decode(hex, len, raw, sizeof raw, &n, err);
    if (rc == RP_OK) rc = rp_aes_key_set(key, raw, n, err);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

int rp_aes_key_generate(rp_aes_key *key, unsigned bits, rp_error *err)
{
    if (key == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES keygen: NULL key");
    if (bits != 128 && bits != 192 && bits != 256)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES keygen: %u bits; must be 128, 192 or 256", bits);
    OPENSSL_cleanse(key, sizeof *key);
    int rc = rp_random_bytes(key->bytes, bits / 8, err);
    if (rc != RP_OK) {
        OPENSSL_cleanse(key, sizeof *key);
        return rc;
    }
    key->len = bits / 8;
    return RP_OK;
}

void rp_aes_key_wipe(rp_aes_key *key)
{
    if (key != NULL) OPENSSL_cleanse(key, sizeof *key);
}

/* The three AES-CBC ciphers, fetched once from the default library context and only read
 * after that: the one process-wide state of this module. Why: EVP_aes_256_cbc() and its
 * kind make every EVP_CipherInit_ex2 fetch the cipher by name again (a method-store lookup
 * under a lock, about 2,600 instructions, a fifth of a whole log request). Fetched objects
 * are thread-safe to share; they are released when OpenSSL cleans up (OPENSSL_atexit). If
 * a fetch fails the static cipher is used, as before. */
static EVP_CIPHER *aes_fetched[3];
static CRYPTO_ONCE aes_once = CRYPTO_ONCE_STATIC_INIT;

static void aes_release(void)
{
    for (int i = 0; i < 3; i++) {
        EVP_CIPHER_free(aes_fetched[i]);
        aes_fetched[i] = NULL;
    }
}

static void aes_fetch(void)
{
    static const char *const names[3] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
    for (int i = 0; i < 3; i++) aes_fetched[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
    if (!OPENSSL_atexit(aes_release)) aes_release();
    ERR_clear_error();
}

static const EVP_CIPHER *aes_cbc_for(size_t key_len)
{
    int i = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : -1;
    if (i < 0) return NULL;
    if (CRYPTO_THREAD_run_once(&aes_once, aes_fetch) && aes_fetched[i] != NULL)
        return aes_fetched[i];
    return i == 0 ? EVP_aes_128_cbc() : i == 1 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
}

int rp_aes_cbc_encrypt(const rp_aes_key *key, const uint8_t *iv, const uint8_t *in, size_t len,
                       uint8_t *out, size_t cap, size_t *out_len, rp_error *err)
{
    if (out_len) *out_len = 0;
    if (key == NULL || iv == NULL || out == NULL || (in == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES encrypt: NULL argument");
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    const EVP_CIPHER *cipher = aes_cbc_for(key->len);
    if (cipher == NULL)
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES key of %zu bytes: must be 16, 24 or 32", key->len);
    if (len > (size_t)INT_MAX - 2 * RP_AES_BLOCK_SIZE)
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES encrypt: %zu bytes is too large", len);
    size_t need = RP_AES_CBC_SEALED_LEN(len);
    if (cap < need)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES encrypt: output needs %zu bytes, buffer has %zu", need, cap);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return ossl_fail(err, RP_E_NOMEM, "AES encrypt: EVP_CIPHER_CTX_new");
    int n1 = 0, n2 = 0;
    int ok = EVP_EncryptInit_ex2(ctx, cipher, key->bytes, iv, NULL) &&
             EVP_EncryptUpdate(ctx, out, &n1, in, (int)len) &&
             EVP_EncryptFinal_ex(ctx, out + n1, &n2);
    EVP_CIPHER_CTX_free(ctx); /* frees and cleanses the expanded key schedule */
    if (!ok) return ossl_fail(err, RP_E_CRYPTO, "AES encrypt failed");
    if (out_len) *out_len = (size_t)n1 + (size_t)n2;
    return RP_OK;
}

int rp_aes_cbc_decrypt(const rp_aes_key *key, const uint8_t *iv, const uint8_t *in, size_t len,
                       uint8_t *out, size_t cap, size_t *out_len, rp_error *err)
{
    if (out_len) *out_len = 0;
    if (key == NULL || iv == NULL || out == NULL || (in == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES decrypt: NULL argument");
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    const EVP_CIPHER *cipher = aes_cbc_for(key->len);
    if (cipher == NULL)
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES key of %zu bytes: must be 16, 24 or 32", key->len);
    if (cap < len)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_CRYPTO, SIZE_MAX,
                            "AES decrypt: output needs %zu bytes, buffer has %zu", len, cap);
    if (len == 0 || len % RP_AES_BLOCK_SIZE != 0 || len > (size_t)INT_MAX - RP_AES_BLOCK_SIZE)
        return rp_error_set(err, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX, "AES decryption failed");
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return ossl_fail(err, RP_E_NOMEM, "AES decrypt: EVP_CIPHER_CTX_new");
    int n1 = 0, n2 = 0;
    /* With the whole ciphertext in one Update, OpenSSL holds back the last block, so Update
     * writes len - 16 bytes and Final at most 15: never more than len = cap. */
    int ok = EVP_DecryptInit_ex2(ctx, cipher, key->bytes, iv, NULL) &&
             EVP_DecryptUpdate(ctx, out, &n1, in, (int)len) &&
             EVP_DecryptFinal_ex(ctx, out + n1, &n2);
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        OPENSSL_cleanse(out, len);
        ERR_clear_error();
        return rp_error_set(err, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX, "AES decryption failed");
    }
    if (out_len) *out_len = (size_t)n1 + (size_t)n2;
    return RP_OK;
}

int rp_random_bytes(uint8_t *out, size_t len, rp_error *err)
{
    if (out == NULL && len > 0)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "random bytes: NULL buffer");
    int ready = ossl_ready(err);
    if (ready != RP_OK) return ready;
    while (len > 0) {
        int chunk = len > (size_t)INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(out, chunk) != 1)
            return ossl_fail(err, RP_E_CRYPTO, "RAND_bytes failed (RNG not seeded?)");
        out += chunk;
        len -= (size_t)chunk;
    }
    return RP_OK;
}

int rp_random_system(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    return rp_random_bytes(out, len, NULL);
}

void rp_random_pool_init(rp_random_pool *pool)
{
    pool->pos = RP_RANDOM_POOL_SIZE;
    pool->pid = 0;
}

void rp_random_pool_wipe(rp_random_pool *pool)
{
    if (pool == NULL) return;
    OPENSSL_cleanse(pool->buf, sizeof pool->buf);
    rp_random_pool_init(pool);
}

int rp_random_pool_draw(void *ctx, uint8_t *out, size_t len)
{
    rp_random_pool *pool = ctx;
    if (pool == NULL || (out == NULL && len > 0)) return RP_E_ARGUMENT;
    if (len == 0) return RP_OK;
    if (len > RP_RANDOM_POOL_SIZE / 2) return rp_random_bytes(out, len, NULL);
    long pid = (long)getpid();
    if (pool->pid != pid) rp_random_pool_wipe(pool); /* filled before a fork: never reuse */
    if (RP_RANDOM_POOL_SIZE - pool->pos < len) {
        /* the unused tail is thrown away: a refill is whole */
        if (rp_random_bytes(pool->buf, sizeof pool->buf, NULL) != RP_OK) {
            rp_random_pool_wipe(pool);
            return RP_E_CRYPTO;
        }
        pool->pos = 0;
        pool->pid = pid;
    }
    memcpy(out, pool->buf + pool->pos, len);
    OPENSSL_cleanse(pool->buf + pool->pos, len);
    pool->pos += len;
    return RP_OK;
}
