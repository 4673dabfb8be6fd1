/* rp_layer_aes: aes(KEY, X): AES-CBC with PKCS#7 padding under KEY (128/192/256 bits by its
 * length) and a fresh IV from the context's random source. When the envelope's join carries
 * hex(iv) the output is the ciphertext alone; otherwise it is IV || ciphertext. Opening
 * decrypts in place. Needs OpenSSL (rp_crypto). */
#include "rp_layer.h"

#include <openssl/crypto.h>

#include "rp_crypto.h"

static size_t aes_max(const rp_envelope_desc *env, const rp_layer_desc *l, size_t n,
                      size_t id_len)
{
    (void)l;
    (void)id_len;
    if (n > ((size_t)1 << 30)) return SIZE_MAX;
    size_t ct = RP_AES_CBC_SEALED_LEN(n);
    return rp_layer_iv_in_join(env) ? ct : ct + RP_AES_IV_SIZE;
}

/* The key value the lookup gives, of a size the spec's `key K = aes(BITS...)` allows. A size
 * it does not allow is refused when sealing (RP_E_KEY), and when opening is a key that does
 * not open the text (RP_E_DECRYPT: the next candidate is tried, and the peer sees what it
 * sees for a wrong key). */
static int aes_key(rp_layer_run *run, const rp_layer_desc *l, bool opening, const rp_aes_key **key,
                   rp_error *why)
{
    const rp_key_value *v = NULL;
    int rc = rp_layer_key(run, l->key, &v, why);
    if (rc != RP_OK) return rc;
    if (v->aes == NULL)
        return rp_error_set(why, RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "aes layer: the key lookup gave no AES key");
    const rp_key_desc *d = &run->cx->proto->keys[l->key];
    size_t len = v->aes->len;
    unsigned bit = len == 16 ? 1u : len == 24 ? 2u : len == 32 ? 4u : 0u;
    if (d->aes_bits != 0 && (d->aes_bits & bit) == 0)
        return rp_error_set(why, opening ? RP_E_DECRYPT : RP_E_KEY, RP_LAYER_CRYPTO, SIZE_MAX,
                            "aes layer: key \"%s\" is given as AES-%zu, which the spec does not allow",
                            d->name, len * 8);
    *key = v->aes;
    return RP_OK;
}

static int aes_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                    rp_error *why)
{
    *res = NULL;
    *res_len = 0;
    const uint8_t *iv = run->iv;
    const uint8_t *ct = in;
    size_t ct_len = len;
    if (!run->iv_in_join) {
        if (len < RP_AES_IV_SIZE)
            return rp_error_set(why, RP_E_DECRYPT, RP_LAYER_ENVELOPE, SIZE_MAX,
                                "AES text of %zu bytes is shorter than its 16-byte IV", len);
        iv = in;
        ct = in + RP_AES_IV_SIZE;
        ct_len = len - RP_AES_IV_SIZE;
    } else if (!run->has_iv) {
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "aes layer: the join gave no IV");
    }
    const rp_aes_key *key = NULL;
    int rc = aes_key(run, l, true, &key, why);
    if (rc != RP_OK) return rc;
    uint8_t *dst;
    size_t dcap;
    rp_layer_dst(ct, buf, cap, &dst, &dcap);
    /* The buffer check depends only on the ciphertext length, never on the padding. */
    if (dcap < ct_len)
        return rp_error_set(why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "aes layer: needs a buffer of %zu bytes, has %zu", ct_len, dcap);
    if (ct_len == 0 || ct_len % RP_AES_BLOCK_SIZE != 0)
        return rp_error_set(why, RP_E_DECRYPT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "AES ciphertext of %zu bytes is not a non-zero multiple of 16",
                            ct_len);
    /* IV || ciphertext decrypted in place: the IV is read before its bytes could be
     * overwritten only when dst overlaps it, which it does not (dst == ct). */
    size_t n = 0;
    rc = rp_aes_cbc_decrypt(key, iv, ct, ct_len, dst, dcap, &n, why);
    if (rc == RP_E_DECRYPT)
        rp_error_set(why, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX,
                     "AES-%zu-CBC: bad PKCS#7 padding (wrong key or corrupt ciphertext)",
                     key->len * 8);
    *res = dst;
    *res_len = rc == RP_OK ? n : ct_len;
    return rc;
}

static int aes_seal(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                    uint8_t *dst, size_t cap, size_t *out_len, rp_error *why)
{
    const rp_aes_key *key = NULL;
    int rc = aes_key(run, l, false, &key, why);
    if (rc != RP_OK) return rc;
    if (len > ((size_t)1 << 30))
        return rp_error_set(why, RP_E_LIMIT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "aes layer: plaintext of %zu bytes is too large", len);
    const uint8_t *iv = run->iv;
    size_t o = 0;
    if (!run->iv_in_join) {
        if (cap < RP_AES_IV_SIZE)
            return rp_error_set(why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                                "aes layer: buffer of %zu bytes is too small", cap);
        const rp_envelope_ctx *cx = run->cx;
        int r = cx->random == NULL ? RP_E_ARGUMENT : cx->random(cx->random_ctx, dst, RP_AES_IV_SIZE);
        if (r != RP_OK)
            return rp_error_set(why, r < 0 ? (rp_status)r : RP_E_CRYPTO, RP_LAYER_ENVELOPE,
                                SIZE_MAX, "aes layer: %s",
                                cx->random == NULL ? "no random source for the IV"
                                                   : "the random source failed");
        iv = dst;
        o = RP_AES_IV_SIZE;
    } else if (!run->has_iv) {
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "aes layer: no IV was drawn for the join");
    }
    size_t n = 0;
    rc = rp_aes_cbc_encrypt(key, iv, in, len, dst + o, cap - o, &n, why);
    if (rc == RP_OK) *out_len = o + n;
    return rc;
}

static void aes_wipe(void *p, size_t len)
{
    OPENSSL_cleanse(p, len);
}

const rp_layer_ops rp_layer_aes = {
    .name = "aes",
    .shape = RP_SHAPE_ANY,
    .flags = RP_LAYER_F_ENCRYPTS | RP_LAYER_F_IN_PLACE,
    .sealed_max = aes_max,
    .open = aes_open,
    .seal = aes_seal,
    .wipe = aes_wipe,
};
