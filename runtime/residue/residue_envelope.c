/* residue_envelope: classify, seal and open residue envelopes. See residue_envelope.h. */
#include "residue_envelope.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* ---- small helpers --------------------------------------------------------------------- */

static void set_len(size_t *out_len, size_t v)
{
    if (out_len) *out_len = v;
}

static int is_json_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
}

static size_t skip_ws(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && is_json_ws((unsigned char)p[i])) i++;
    return i;
}

/* The server's envelope test (§2.2): longer than 33 bytes and the FIRST ':' at offset 32. */
static int first_colon_at_32(const char *pkt, size_t len)
{
    if (len <= 33) return 0;
    const char *c = memchr(pkt, ':', len);
    return c != NULL && c - pkt == (ptrdiff_t)RESIDUE_ENVELOPE_IV_HEX_LEN;
}

/* Frees a temporary buffer that may have held plaintext. */
static void wipe_free(void *p, size_t len)
{
    if (p == NULL) return;
    OPENSSL_cleanse(p, len);
    free(p);
}

static int nomem(rp_error *err)
{
    return rp_error_set(err, RP_E_NOMEM, RP_LAYER_ENVELOPE, SIZE_MAX, "out of memory");
}

/* Starts an internal error record (`why`). Why not a memset: these records sit on every
 * open's success path, where they are never read, and zeroing ~330 bytes each showed up in
 * profiles. Only the fields are reset; copy_error hands out a fully zeroed copy. */
static void clear(rp_error *e)
{
    rp_error_clear(e);
}

/* *dst = *src as if src had been zeroed before it was filled (the bytes after each string's
 * NUL are 0, as callers always saw them). NULL dst is ignored. */
static void copy_error(rp_error *dst, const rp_error *src)
{
    if (dst == NULL) return;
    memset(dst, 0, sizeof *dst);
    dst->code = src->code;
    dst->layer = src->layer;
    dst->offset = src->offset;
    dst->spec = src->spec;
    /* memchr, not strnlen: vendored builds compile with plain -std=c11 */
    const char *end = memchr(src->path, '\0', sizeof src->path - 1);
    memcpy(dst->path, src->path, end ? (size_t)(end - src->path) : sizeof src->path - 1);
    end = memchr(src->message, '\0', sizeof src->message - 1);
    memcpy(dst->message, src->message,
           end ? (size_t)(end - src->message) : sizeof src->message - 1);
}

/* Turns an internal open failure into the uniform public error (see the header). Local
 * problems (arguments, the caller's buffer, memory) are not about the peer's bytes and keep
 * their own code. */
static int uniform(int rc, const rp_error *why, rp_error *err, rp_error *local_detail)
{
    if (rc == RP_E_ARGUMENT || rc == RP_E_OVERFLOW || rc == RP_E_NOMEM) {
        copy_error(err, why);
        return rc;
    }
    copy_error(local_detail, why);
    return rp_error_set(err, RP_E_DECRYPT, RP_LAYER_ENVELOPE, SIZE_MAX, "%s",
                        RP_DECRYPT_PUBLIC_MESSAGE);
}


/* ---- classification -------------------------------------------------------------------- */

const char *residue_envelope_kind_name(residue_envelope_kind kind)
{
    switch (kind) {
    case RESIDUE_KIND_PLAIN: return "plain";
    case RESIDUE_KIND_RSA: return "rsa";
    case RESIDUE_KIND_AES_CLIENT_ID: return "aes-client-id";
    case RESIDUE_KIND_AES_NO_CLIENT_ID: return "aes-no-client-id";
    case RESIDUE_KIND_RAW_TEXT: break;
    }
    return "raw-text";
}

residue_envelope_kind residue_envelope_classify_c2s(const char *pkt, size_t len, bool server_has_rsa_key)
{
    if (pkt == NULL) len = 0;
    if (first_colon_at_32(pkt, len)) return RESIDUE_KIND_AES_CLIENT_ID;
    size_t i = skip_ws(pkt, len);
    if (i < len && (pkt[i] == '{' || pkt[i] == '[')) return RESIDUE_KIND_PLAIN;
    return server_has_rsa_key ? RESIDUE_KIND_RSA : RESIDUE_KIND_RAW_TEXT;
}

residue_envelope_kind residue_envelope_classify_s2c(const char *pkt, size_t len)
{
    if (pkt == NULL) len = 0;
    size_t i = skip_ws(pkt, len);
    if (i < len && pkt[i] == '{') return RESIDUE_KIND_PLAIN;
    if (first_colon_at_32(pkt, len)) return RESIDUE_KIND_AES_NO_CLIENT_ID;
    size_t letters = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)pkt[k];
        if (is_b64_char(c))
            letters++;
        else if (!is_json_ws(c))
            return RESIDUE_KIND_RAW_TEXT;
    }
    return letters > 0 ? RESIDUE_KIND_RSA : RESIDUE_KIND_RAW_TEXT;
}

/* ---- AES envelope parsing -------------------------------------------------------------- */

/* IV and the ':' after it, shared by both directions. */
static int parse_iv(const char *pkt, size_t len, residue_aes_envelope *out, rp_error *err)
{
    if (pkt == NULL || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope parse: NULL argument");
    memset(out, 0, sizeof *out);
    const char *c = memchr(pkt, ':', len);
    if (c == NULL || len <= RESIDUE_ENVELOPE_IV_HEX_LEN + 1)
        return rp_error_set(err, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, len,
                            "not an AES envelope: no ':' after a 32-character IV");
    if (c - pkt != (ptrdiff_t)RESIDUE_ENVELOPE_IV_HEX_LEN)
        return rp_error_set(err, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, (size_t)(c - pkt),
                            "not an AES envelope: first ':' at offset %zu, expected 32",
                            (size_t)(c - pkt));
    rp_error herr;
    clear(&herr);
    if (rp_hex_decode(pkt, RESIDUE_ENVELOPE_IV_HEX_LEN, out->iv, sizeof out->iv, NULL, &herr) != RP_OK)
        return rp_error_set(err, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, herr.offset,
                            "envelope IV: non-hex character at offset %zu", herr.offset);
    return RP_OK;
}

int residue_envelope_parse_aes_c2s(const char *pkt, size_t len, residue_aes_envelope *out, rp_error *err)
{
    int rc = parse_iv(pkt, len, out, err);
    if (rc != RP_OK) return rc;
    const char *id = pkt + RESIDUE_ENVELOPE_IV_HEX_LEN + 1;
    size_t rest = len - RESIDUE_ENVELOPE_IV_HEX_LEN - 1;
    const char *c = memchr(id, ':', rest);
    if (c == NULL)
        return rp_error_set(err, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, len,
                            "envelope: no ':' after the client id");
    if (c == id)
        return rp_error_set(err, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, RESIDUE_ENVELOPE_IV_HEX_LEN + 1,
                            "envelope: empty client id at offset 33");
    out->client_id = id;
    out->client_id_len = (size_t)(c - id);
    out->payload = c + 1;
    out->payload_len = (size_t)(pkt + len - (c + 1));
    return RP_OK;
}

int residue_envelope_parse_aes_s2c(const char *pkt, size_t len, residue_aes_envelope *out, rp_error *err)
{
    int rc = parse_iv(pkt, len, out, err);
    if (rc != RP_OK) return rc;
    out->client_id = NULL;
    out->client_id_len = 0;
    out->payload = pkt + RESIDUE_ENVELOPE_IV_HEX_LEN + 1;
    out->payload_len = len - RESIDUE_ENVELOPE_IV_HEX_LEN - 1;
    return RP_OK;
}

/* ---- plain ----------------------------------------------------------------------------- */

static int has_delimiter(const char *p, size_t len, size_t *at)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
            *at = i;
            return 1;
        }
    }
    return 0;
}

int residue_envelope_seal_plain(const char *json, size_t len, char *out, size_t cap, size_t *out_len,
                           rp_error *err)
{
    set_len(out_len, 0);
    if ((json == NULL && len > 0) || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal plain: NULL argument");
    size_t at;
    if (has_delimiter(json, len, &at))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, at,
                            "plaintext contains \\r\\n\\r\\n at offset %zu", at);
    if (len >= cap)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal plain: needs %zu bytes, buffer has %zu", len + 1, cap);
    if (len > 0) memmove(out, json, len);
    out[len] = '\0';
    set_len(out_len, len);
    return RP_OK;
}

/* ---- RSA ------------------------------------------------------------------------------- */

int residue_envelope_seal_rsa(const rp_rsa_key *peer_public, const char *json, size_t len, char *out,
                         size_t cap, size_t *out_len, rp_error *err)
{
    set_len(out_len, 0);
    if (peer_public == NULL || (json == NULL && len > 0) || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal rsa: NULL argument");
    size_t ksize = rp_rsa_key_size(peer_public);
    size_t need = RESIDUE_ENVELOPE_RSA_SIZE(ksize);
    if (len > rp_rsa_max_plaintext(peer_public))
        return rp_error_set(err, RP_E_TOO_LONG, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "plaintext of %zu bytes does not fit one %u-bit RSA PKCS#1 v1.5 "
                            "block (max %zu = %zu modulus bytes - 11)",
                            len, rp_rsa_key_bits(peer_public), rp_rsa_max_plaintext(peer_public),
                            ksize);
    if (cap < need)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal rsa: needs %zu bytes, buffer has %zu", need, cap);
    uint8_t *ct = malloc(ksize);
    if (ct == NULL) return nomem(err);
    size_t ct_len = 0;
    int rc = rp_rsa_encrypt(peer_public, (const uint8_t *)json, len, ct, ksize, &ct_len, err);
    if (rc == RP_OK) rc = rp_base64_encode(ct, ct_len, out, cap, out_len, err);
    free(ct); /* ciphertext: not secret */
    return rc;
}

static int open_rsa_inner(const rp_rsa_key *key, const char *pkt, size_t len, char *out,
                          size_t cap, size_t *out_len, rp_error *why)
{
    size_t max = rp_rsa_max_plaintext(key);
    /* Checked before decrypting so the outcome never depends on the plaintext. */
    if (cap < max + 1)
        return rp_error_set(why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "open rsa: needs a buffer of %zu bytes, has %zu", max + 1, cap);
    size_t dmax = RP_BASE64_DECODED_MAX(len);
    uint8_t *ct = malloc(dmax ? dmax : 1);
    if (ct == NULL) return nomem(why);
    size_t ct_len = 0;
    int rc = rp_base64_decode(pkt, len, RP_BASE64_LENIENT, ct, dmax, &ct_len, why);
    if (rc == RP_OK) {
        size_t pt_len = 0;
        rc = rp_rsa_decrypt(key, ct, ct_len, (uint8_t *)out, cap - 1, &pt_len, why);
        if (rc == RP_OK) {
            out[pt_len] = '\0';
            set_len(out_len, pt_len);
        } else if (rc == RP_E_DECRYPT && ct_len != rp_rsa_key_size(key)) {
            rp_error_set(why, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX,
                         "RSA ciphertext is %zu bytes, the key needs exactly %zu", ct_len,
                         rp_rsa_key_size(key));
        }
    }
    free(ct);
    return rc;
}

int residue_envelope_open_rsa(const rp_rsa_key *own_private, const char *pkt, size_t len, char *out,
                         size_t cap, size_t *out_len, rp_error *err, rp_error *local_detail)
{
    set_len(out_len, 0);
    rp_error why;
    clear(&why);
    int rc;
    if (own_private == NULL || (pkt == NULL && len > 0) || out == NULL)
        rc = rp_error_set(&why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                          "open rsa: NULL argument");
    else if (!rp_rsa_key_is_private(own_private))
        rc = rp_error_set(&why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                          "open rsa: the key has no private half");
    else
        rc = open_rsa_inner(own_private, pkt, len, out, cap, out_len, &why);
    if (rc == RP_OK) return RP_OK;
    set_len(out_len, 0);
    return uniform(rc, &why, err, local_detail);
}

/* ---- AES ------------------------------------------------------------------------------- */

/* Writes "<iv hex>:" + (id ":" if any) + base64(AES(plain)) into out. */
static int seal_aes(const rp_aes_key *key, const uint8_t *iv, const char *client_id,
                    size_t id_len, const char *plain, size_t len, char *out, size_t cap,
                    size_t *out_len, rp_error *err)
{
    set_len(out_len, 0);
    if (key == NULL || iv == NULL || out == NULL || (plain == NULL && len > 0) ||
        (client_id == NULL && id_len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal aes: NULL argument");
    if (client_id != NULL && memchr(client_id, ':', id_len) != NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal aes: client id contains ':'");
    if (len > ((size_t)1 << 30))
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal aes: plaintext of %zu bytes is too large", len);
    size_t ct_cap = RP_AES_CBC_SEALED_LEN(len);
    size_t need = client_id ? RESIDUE_ENVELOPE_AES_C2S_SIZE(id_len, len) : RESIDUE_ENVELOPE_AES_S2C_SIZE(len);
    if (cap < need)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal aes: needs %zu bytes, buffer has %zu", need, cap);
    /* Why in place: the ciphertext is written where rp_base64_encode may read it from, at
     * the end of the text it becomes (see rp_codec.h), so no temporary buffer is allocated.
     * Only when the plaintext itself lies inside that region is a heap buffer used. */
    size_t hdr = RESIDUE_ENVELOPE_IV_HEX_LEN + 1 + (client_id ? id_len + 1 : 0);
    uint8_t *tail = (uint8_t *)out + hdr + RP_BASE64_ENCODED_LEN(ct_cap) - ct_cap;
    uintptr_t t0 = (uintptr_t)tail, p0 = (uintptr_t)plain;
    bool in_place = len == 0 || p0 + len <= t0 || t0 + ct_cap <= p0;
    uint8_t *ct = in_place ? tail : malloc(ct_cap);
    if (ct == NULL) return nomem(err);
    size_t ct_len = 0;
    int rc = rp_aes_cbc_encrypt(key, iv, (const uint8_t *)plain, len, ct, ct_cap, &ct_len, err);
    if (rc == RP_OK) {
        size_t o = 0;
        rc = rp_hex_encode(iv, RP_AES_IV_SIZE, RP_HEX_LOWER, out, cap, &o, err);
        if (rc == RP_OK) {
            out[o++] = ':';
            if (client_id != NULL) {
                memcpy(out + o, client_id, id_len);
                o += id_len;
                out[o++] = ':';
            }
            size_t b = 0;
            rc = rp_base64_encode(ct, ct_len, out + o, cap - o, &b, err);
            if (rc == RP_OK) set_len(out_len, o + b);
        }
    }
    if (!in_place) free(ct); /* ciphertext: not secret */
    return rc;
}

int residue_envelope_seal_aes_c2s(const rp_aes_key *key, const uint8_t *iv, const char *client_id,
                             size_t id_len, const char *plain, size_t len, char *out, size_t cap,
                             size_t *out_len, rp_error *err)
{
    if (client_id == NULL || id_len == 0)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal aes: empty client id");
    return seal_aes(key, iv, client_id, id_len, plain, len, out, cap, out_len, err);
}

int residue_envelope_seal_aes_s2c(const rp_aes_key *key, const uint8_t *iv, const char *plain,
                             size_t len, char *out, size_t cap, size_t *out_len, rp_error *err)
{
    return seal_aes(key, iv, NULL, 0, plain, len, out, cap, out_len, err);
}

static int open_aes_inner(const rp_aes_key *key, const residue_aes_envelope *env, char *out,
                          size_t cap, size_t *out_len, rp_error *why)
{
    if (key == NULL || env == NULL || out == NULL || (env->payload == NULL && env->payload_len))
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "open aes: NULL argument");
    size_t dmax = RP_BASE64_DECODED_MAX(env->payload_len);
    /* Why in place: when the caller's buffer holds the largest possible ciphertext, the
     * base64 is decoded straight into it and decrypted there (EVP allows in == out), so
     * no temporary buffer is allocated, touched or freed. Otherwise a heap buffer holds the
     * ciphertext as before. The ciphertext is not secret: only failure paths wipe out. */
    bool in_place = cap > dmax;
    uint8_t *ct = in_place ? (uint8_t *)out : malloc(dmax ? dmax : 1);
    if (ct == NULL) return nomem(why);
    size_t ct_len = 0;
    int rc = rp_base64_decode(env->payload, env->payload_len, RP_BASE64_LENIENT, ct, dmax,
                              &ct_len, why);
    /* The buffer check depends only on the ciphertext length, never on the padding. */
    if (rc == RP_OK && cap < ct_len + 1)
        rc = rp_error_set(why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                          "open aes: needs a buffer of %zu bytes, has %zu", ct_len + 1, cap);
    if (rc == RP_OK && (ct_len == 0 || ct_len % RP_AES_BLOCK_SIZE != 0))
        rc = rp_error_set(why, RP_E_DECRYPT, RP_LAYER_ENVELOPE, SIZE_MAX,
                          "AES ciphertext of %zu bytes is not a non-zero multiple of 16",
                          ct_len);
    if (rc == RP_OK) {
        size_t pt_len = 0;
        rc = rp_aes_cbc_decrypt(key, env->iv, ct, ct_len, (uint8_t *)out, cap - 1, &pt_len, why);
        if (rc == RP_OK) {
            out[pt_len] = '\0';
            set_len(out_len, pt_len);
        } else if (rc == RP_E_DECRYPT) {
            rp_error_set(why, RP_E_DECRYPT, RP_LAYER_CRYPTO, SIZE_MAX,
                         "AES-%zu-CBC: bad PKCS#7 padding (wrong key or corrupt ciphertext)",
                         key->len * 8);
        }
    }
    if (in_place) {
        /* A failure leaves no decoded bytes behind in the caller's buffer. */
        if (rc != RP_OK) OPENSSL_cleanse(out, dmax);
    } else {
        free(ct);
    }
    return rc;
}

int residue_envelope_open_aes(const rp_aes_key *key, const residue_aes_envelope *env, char *out, size_t cap,
                         size_t *out_len, rp_error *err, rp_error *local_detail)
{
    set_len(out_len, 0);
    rp_error why;
    clear(&why);
    int rc = open_aes_inner(key, env, out, cap, out_len, &why);
    if (rc == RP_OK) return RP_OK;
    set_len(out_len, 0);
    return uniform(rc, &why, err, local_detail);
}

int residue_envelope_open_aes_c2s(const rp_aes_key *key, const char *pkt, size_t len, char *out,
                             size_t cap, size_t *out_len, rp_error *err, rp_error *local_detail)
{
    set_len(out_len, 0);
    residue_aes_envelope env;
    rp_error why;
    clear(&why);
    int rc = residue_envelope_parse_aes_c2s(pkt, len, &env, &why);
    if (rc != RP_OK) return uniform(rc, &why, err, local_detail);
    return residue_envelope_open_aes(key, &env, out, cap, out_len, err, local_detail);
}

int residue_envelope_open_aes_s2c(const rp_aes_key *key, const char *pkt, size_t len, char *out,
                             size_t cap, size_t *out_len, rp_error *err, rp_error *local_detail)
{
    set_len(out_len, 0);
    residue_aes_envelope env;
    rp_error why;
    clear(&why);
    int rc = residue_envelope_parse_aes_s2c(pkt, len, &env, &why);
    if (rc != RP_OK) return uniform(rc, &why, err, local_detail);
    return residue_envelope_open_aes(key, &env, out, cap, out_len, err, local_detail);
}

/* ---- compressed logs ------------------------------------------------------------------- */

int residue_envelope_compress_log(const char *json, size_t len, int level, char *out, size_t cap,
                             size_t *out_len, rp_error *err)
{
    set_len(out_len, 0);
    if ((json == NULL && len > 0) || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "compress log: NULL argument");
    if (len > ((size_t)1 << 30))
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "compress log: %zu bytes is too large", len);
    size_t zcap = rp_zlib_deflate_bound(len);
    uint8_t *z = malloc(zcap);
    if (z == NULL) return nomem(err);
    size_t zlen = 0;
    int rc = rp_zlib_deflate((const uint8_t *)json, len, level, z, zcap, &zlen, err);
    if (rc == RP_OK) rc = rp_base64_encode(z, zlen, out, cap, out_len, err);
    wipe_free(z, zcap);
    return rc;
}

/* Base64-decodes b64[0..len) into z[0..zmax) (z may be b64 itself: see rp_codec.h) and
 * inflates that into out, NUL-terminated. On failure out is cleansed. */
static int decompress_via(const char *b64, size_t len, uint8_t *z, size_t zmax, char *out,
                          size_t cap, size_t *out_len, rp_error *err)
{
    size_t zlen = 0, n = 0;
    int rc = rp_base64_decode(b64, len, RP_BASE64_LENIENT, z, zmax, &zlen, err);
    if (rc == RP_OK) rc = rp_zlib_inflate(z, zlen, (uint8_t *)out, cap - 1, &n, err);
    if (rc == RP_OK) {
        out[n] = '\0';
        set_len(out_len, n);
    } else {
        OPENSSL_cleanse(out, cap);
    }
    return rc;
}

int residue_envelope_decompress_log(const char *b64, size_t len, char *out, size_t cap,
                               size_t *out_len, rp_error *err)
{
    set_len(out_len, 0);
    if ((b64 == NULL && len > 0) || out == NULL || cap == 0)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "decompress log: NULL argument or empty buffer");
    size_t zmax = RP_BASE64_DECODED_MAX(len);
    uint8_t *z = malloc(zmax ? zmax : 1);
    if (z == NULL) return nomem(err);
    int rc = decompress_via(b64, len, z, zmax, out, cap, out_len, err);
    wipe_free(z, zmax);
    return rc;
}

int residue_envelope_seal_log_zlib(const rp_aes_key *key, const uint8_t *iv, const char *client_id,
                              size_t id_len, const char *json, size_t len, int level, char *out,
                              size_t cap, size_t *out_len, rp_error *err)
{
    set_len(out_len, 0);
    if (len > ((size_t)1 << 30))
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "seal log: %zu bytes is too large", len);
    size_t bcap = RP_BASE64_ENCODED_LEN(rp_zlib_deflate_bound(len)) + 1;
    char *b = malloc(bcap);
    if (b == NULL) return nomem(err);
    size_t blen = 0;
    int rc = residue_envelope_compress_log(json, len, level, b, bcap, &blen, err);
    if (rc == RP_OK)
        rc = residue_envelope_seal_aes_c2s(key, iv, client_id, id_len, b, blen, out, cap, out_len,
                                      err);
    wipe_free(b, bcap);
    return rc;
}

int residue_envelope_open_log_zlib(const rp_aes_key *key, const residue_aes_envelope *env, char *out,
                              size_t cap, size_t *out_len, rp_error *err, rp_error *local_detail)
{
    set_len(out_len, 0);
    rp_error why;
    clear(&why);
    if (env == NULL || out == NULL || cap == 0) {
        rp_error_set(&why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                     "open log: NULL argument or empty buffer");
        return uniform(RP_E_ARGUMENT, &why, err, local_detail);
    }
    size_t acap = RP_BASE64_DECODED_MAX(env->payload_len) + 1;
    char *a = malloc(acap);
    if (a == NULL) return nomem(err);
    size_t alen = 0;
    int rc = open_aes_inner(key, env, a, acap, &alen, &why);
    /* The compressed bytes are decoded over their own base64 in `a`: one buffer, one wipe. */
    if (rc == RP_OK) rc = decompress_via(a, alen, (uint8_t *)a, alen, out, cap, out_len, &why);
    wipe_free(a, acap);
    if (rc == RP_OK) return RP_OK;
    set_len(out_len, 0);
    /* An inflate bound hit is about the peer's data here, not the caller's buffer. */
    return uniform(rc, &why, err, local_detail);
}
