/* rp_layer_rsa: rsa(KEY, X): one RSAES-PKCS1-v1_5 block to KEY's public half; opened with
 * its private half. No chunking: the inner text must fit one block (modulus bytes - 11).
 * Decryption is never in place (it goes to the other buffer). Needs OpenSSL (rp_crypto). */
#include "rp_layer.h"

#include <openssl/crypto.h>

#include "rp_crypto.h"

static size_t rsa_max(const rp_envelope_desc *env, const rp_layer_desc *l, size_t n,
                      size_t id_len)
{
    (void)env;
    (void)l;
    (void)id_len;
    (void)n;
    return RP_RSA_MAX_BITS / 8u; /* one block of the largest modulus accepted */
}

static int rsa_key(rp_layer_run *run, const rp_layer_desc *l, const rp_rsa_key **key,
                   rp_error *why)
{
    const rp_key_value *v = NULL;
    int rc = rp_layer_key(run, l->key, &v, why);
    if (rc != RP_OK) return rc;
    if (v->rsa == NULL)
        return rp_error_set(why, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "rsa layer: the key lookup gave no RSA key");
    if (run->use == RP_KEY_OPEN && !rp_rsa_key_is_private(v->rsa))
        return rp_error_set(why, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "rsa layer: opening needs the private half of the key");
    *key = v->rsa;
    return RP_OK;
}

static int rsa_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                    rp_error *why)
{
    *res = NULL;
    *res_len = 0;
    const rp_rsa_key *key = NULL;
    int rc = rsa_key(run, l, &key, why);
    if (rc != RP_OK) return rc;
    size_t max = rp_rsa_max_plaintext(key);
    /* Checked before decrypting so the outcome never depends on the plaintext. */
    if (cap < max)
        return rp_error_set(why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "rsa layer: needs a buffer of %zu bytes, has %zu", max, cap);
    if (len != rp_rsa_key_size(key))
        return rp_error_set(why, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "RSA ciphertext is %zu bytes, the key needs exactly %zu", len,
                            rp_rsa_key_size(key));
    size_t n = 0;
    rc = rp_rsa_decrypt(key, in, len, buf, cap, &n, why);
    *res = buf;
    *res_len = rc == RP_OK ? n : max;
    return rc;
}

static int rsa_seal(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *dst, size_t cap, size_t *out_len, rp_error *why)
{
    const rp_rsa_key *key = NULL;
    int rc = rsa_key(run, l, &key, why);
    if (rc != RP_OK) return rc;
    if (len > rp_rsa_max_plaintext(key))
        return rp_error_set(why, RP_E_TOO_LONG, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "plaintext of %zu bytes does not fit one %u-bit RSA PKCS#1 v1.5 "
                            "block (max %zu = %zu modulus bytes - 11)",
                            len, rp_rsa_key_bits(key), rp_rsa_max_plaintext(key),
                            rp_rsa_key_size(key));
    return rp_rsa_encrypt(key, in, len, dst, cap, out_len, why);
}

static void rsa_wipe(void *p, size_t len)
{
    OPENSSL_cleanse(p, len);
}

const rp_layer_ops rp_layer_rsa = {
    .name = "rsa",
    .shape = RP_SHAPE_ANY,
    .flags = RP_LAYER_F_ENCRYPTS,
    .sealed_max = rsa_max,
    .open = rsa_open,
    .seal = rsa_seal,
    .wipe = rsa_wipe,
};
