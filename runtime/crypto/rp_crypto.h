/* rp_crypto: the only place rproto touches a cipher. OpenSSL 3 libcrypto, EVP APIs only.
 *
 *   RSA  : opaque rp_rsa_key wrapping an EVP_PKEY; PEM load (public: PKCS#1 "RSA PUBLIC KEY"
 *          or SubjectPublicKeyInfo "PUBLIC KEY", either DER structure accepted under either
 *          label, because the Java client labels SPKI as "RSA PUBLIC KEY" — protocol §10.3;
 *          a lenient armour reader (rp_pem.h) and checks of n and e before any use;
 *          private: PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE KEY" / "ENCRYPTED PRIVATE KEY",
 *          optional passphrase), SPKI PEM export, key generation, and RSAES-PKCS1-v1_5
 *          encryption / decryption of ONE block (no chunking: the protocol has none).
 *   AES  : CBC with PKCS#7 padding, 128/192/256-bit keys chosen by key length. The IV is a
 *          parameter so that sealing is deterministic in tests; callers draw IVs from
 *          rp_random_bytes (or the session's injectable RNG).
 *   RNG  : rp_random_bytes = OpenSSL RAND_bytes.
 *
 * Secrets: rp_rsa_key_free and rp_aes_key_wipe cleanse key material; temporary plaintext
 * buffers this module allocates are cleansed before being freed. Nothing secret is ever put
 * into an rp_error.
 *
 * Decryption errors (rp_rsa_decrypt, rp_aes_cbc_decrypt) are RP_E_DECRYPT with a fixed
 * message; see rp_envelope.h for the uniform-error rule toward peers. Note: OpenSSL >= 3.2
 * applies "implicit rejection" to PKCS#1 v1.5 decryption — a wrong key or a corrupted
 * ciphertext then yields pseudo-random plaintext instead of an error. Callers must therefore
 * never treat "RSA decryption succeeded" as "the plaintext is authentic"; the JSON/schema
 * layers reject the garbage.
 *
 * No mutable globals: every function is thread-compatible (distinct objects may be used
 * from distinct threads; an rp_rsa_key may be shared read-only between threads). The one
 * process-wide state is the AES-CBC ciphers, fetched once (CRYPTO_THREAD_run_once) from
 * OpenSSL's default library context and read-only after that, so each AES call does not
 * look the cipher up by name again; OpenSSL's cleanup releases them.
 */
#ifndef RP_CRYPTO_H
#define RP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- RSA ------------------------------------------------------------------------------- */

/* PKCS#1 v1.5 encryption overhead: a block holds at most modulus_bytes - 11 plaintext bytes. */
#define RP_RSA_PKCS1_OVERHEAD 11u
/* Largest modulus we accept (bits); the server sample key is 8192-bit. */
#define RP_RSA_MAX_BITS 16384u
#define RP_RSA_MIN_BITS 1024u

/* Opaque RSA key (public, or private which includes the public half). */
typedef struct rp_rsa_key rp_rsa_key;

/* Largest public exponent accepted: e must have at most this many bits (e < 2^32). Every
 * official client uses 17 or 65537; a huge e only makes each encryption expensive. */
#define RP_RSA_MAX_EXPONENT_BITS 32u

/* Why rp_rsa_key_load_public_checked refused a public key (RP_RSA_FAULT_NONE: it did not).
 * The armour and DER faults are the classes Crypto++'s PEM reader tells apart, so a server
 * that imitates one can answer each with that reader's words (docs/security.md). */
typedef enum rp_rsa_key_fault {
    RP_RSA_FAULT_NONE = 0,
    RP_RSA_FAULT_EMPTY,      /* the text is empty or only whitespace */
    RP_RSA_FAULT_NO_BEGIN,   /* no "-----BEGIN <label>-----" line */
    RP_RSA_FAULT_NO_END,     /* no "-----END <label>-----" line after it */
    RP_RSA_FAULT_END_LABEL,  /* the END line names another label */
    RP_RSA_FAULT_LABEL,      /* the label is neither "PUBLIC KEY" nor "RSA PUBLIC KEY" */
    RP_RSA_FAULT_DER,        /* the body is not an RSA SubjectPublicKeyInfo nor PKCS#1 key */
    RP_RSA_FAULT_INVALID,    /* n even or < 3, e even or < 3, or e >= n: not an RSA key */
    RP_RSA_FAULT_EXPONENT,   /* e has more than RP_RSA_MAX_EXPONENT_BITS bits */
    RP_RSA_FAULT_SIZE        /* the modulus is below min_bits or above RP_RSA_MAX_BITS */
} rp_rsa_key_fault;

/* Loads a PEM public key from memory, the way a Crypto++-based server reads a peer's key:
 * pem[0..len) need not be NUL-terminated; text around the block is ignored; the label is
 * "PUBLIC KEY" or "RSA PUBLIC KEY" and under either label the DER may be an X.509
 * SubjectPublicKeyInfo or a PKCS#1 RSAPublicKey; the base64 body may hold blank lines, CR/LF,
 * any line width and other whitespace (rp_pem.h). The DER is parsed directly with
 * OpenSSL's DER parsers (SPKI first, then PKCS#1: d2i_PublicKey), and before the key can be
 * used for anything its modulus n and exponent e, read from the same DER as INTEGERs, are
 * checked (OpenSSL BIGNUM accessors): n and e positive, n odd, e odd and 3 <= e < n,
 * e < 2^RP_RSA_MAX_EXPONENT_BITS, min_bits <= bits(n) <= RP_RSA_MAX_BITS. min_bits 0 lets a
 * caller take small keys and refuse them itself (with its own protocol's error text).
 * Cost: no OpenSSL decoder context, no RSA operation. On success *out is a new public key
 * the caller frees with rp_rsa_key_free. On failure *out is NULL, the result is RP_E_KEY
 * (RP_E_NOMEM, RP_E_ARGUMENT), *fault (when non-NULL) says which check failed and err what
 * and where (offset into pem where known). RP_E_NOMEM (fault NONE) is this process's
 * failure, not the key's: an allocation failed, OpenSSL's included (as far as its error
 * queue tells), or OpenSSL could not set itself up. */
RP_CHECK_RESULT int rp_rsa_key_load_public_checked(const char *pem, size_t len, unsigned min_bits,
                                                   rp_rsa_key **out, rp_rsa_key_fault *fault,
                                                   rp_error *err);

/* rp_rsa_key_load_public_checked with min_bits = RP_RSA_MIN_BITS; in addition a private-key
 * PEM ("RSA PRIVATE KEY", "PRIVATE KEY", unencrypted) is accepted and its public half used.
 * On success *out is a new key the caller frees with rp_rsa_key_free; on failure *out is
 * NULL and the result is RP_E_KEY. Non-RSA keys are RP_E_KEY. */
RP_CHECK_RESULT int rp_rsa_key_load_public_pem(const char *pem, size_t len, rp_rsa_key **out,
                                               rp_error *err);

/* Loads a PEM private key from memory: "RSA PRIVATE KEY" (PKCS#1, optionally with the
 * legacy Proc-Type encryption header), "PRIVATE KEY" (PKCS#8) or "ENCRYPTED PRIVATE KEY".
 * passphrase may be NULL (no passphrase; an encrypted key then fails with RP_E_KEY and is
 * never prompted for). The caller frees *out with rp_rsa_key_free. */
RP_CHECK_RESULT int rp_rsa_key_load_private_pem(const char *pem, size_t len,
                                                const char *passphrase, rp_rsa_key **out,
                                                rp_error *err);

/* The same, reading a file (at most 1 MiB; larger is RP_E_LIMIT; unreadable is RP_E_IO with
 * the path in the message). The file contents are cleansed from memory after parsing. */
RP_CHECK_RESULT int rp_rsa_key_load_public_file(const char *path, rp_rsa_key **out,
                                                rp_error *err);
RP_CHECK_RESULT int rp_rsa_key_load_private_file(const char *path, const char *passphrase,
                                                 rp_rsa_key **out, rp_error *err);

/* Generates a new RSA key pair with public exponent 65537; bits in
 * [RP_RSA_MIN_BITS, RP_RSA_MAX_BITS] else RP_E_ARGUMENT. Slow (2048 bits: ~0.1–1 s). */
RP_CHECK_RESULT int rp_rsa_key_generate(unsigned bits, rp_rsa_key **out, rp_error *err);

/* Frees a key and cleanses its private material. NULL is ignored. */
void rp_rsa_key_free(rp_rsa_key *key);

/* True when the key holds the private half. NULL gives false. */
bool rp_rsa_key_is_private(const rp_rsa_key *key);

/* True when a and b hold the same public key (n and e), whichever holds a private half;
 * false when either is NULL. */
bool rp_rsa_key_same_public(const rp_rsa_key *a, const rp_rsa_key *b);

/* Modulus size in bits / bytes; 0 for NULL. */
unsigned rp_rsa_key_bits(const rp_rsa_key *key);
size_t rp_rsa_key_size(const rp_rsa_key *key);

/* Largest plaintext rp_rsa_encrypt accepts: modulus bytes - 11; 0 for NULL. */
size_t rp_rsa_max_plaintext(const rp_rsa_key *key);

/* Writes the public key as SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----", 64-column
 * lines, final '\n') — what a CONNECT's rsa_public_key carries base64-encoded — into out,
 * NUL-terminated. RP_E_OVERFLOW when cap is too small (a 2048-bit key needs 452 bytes,
 * 8192-bit 1500; 4096 is always enough up to 16384 bits). */
RP_CHECK_RESULT int rp_rsa_key_public_pem(const rp_rsa_key *key, char *out, size_t cap,
                                          size_t *out_len, rp_error *err);

/* Writes the private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") into out,
 * NUL-terminated (RP_E_KEY when the key is public only; RP_E_OVERFLOW when cap is too small;
 * 8192 bytes fit a 4096-bit key). The output is a secret: the caller cleanses it. */
RP_CHECK_RESULT int rp_rsa_key_private_pem(const rp_rsa_key *key, char *out, size_t cap,
                                           size_t *out_len, rp_error *err);

/* RSAES-PKCS1-v1_5 encryption of one block with the key's public half (random padding from
 * OpenSSL's RNG). len > rp_rsa_max_plaintext(key) is RP_E_TOO_LONG (the message names the
 * maximum); cap must be >= rp_rsa_key_size(key) (RP_E_OVERFLOW). *out_len becomes
 * rp_rsa_key_size(key). */
RP_CHECK_RESULT int rp_rsa_encrypt(const rp_rsa_key *key, const uint8_t *in, size_t len,
                                   uint8_t *out, size_t cap, size_t *out_len, rp_error *err);

/* RSAES-PKCS1-v1_5 decryption with a private key. len must equal rp_rsa_key_size(key)
 * (RP_E_DECRYPT otherwise, like the server's Crypto++). cap >= rp_rsa_max_plaintext(key)
 * always suffices. Every failure of the ciphertext (length, padding, wrong key) is
 * RP_E_DECRYPT with the same message; a public-only key is RP_E_KEY; small cap RP_E_OVERFLOW;
 * an allocation that failed, when OpenSSL's error queue says so, RP_E_NOMEM (not the
 * ciphertext's fault; OpenSSL 3.0 does not say so for every allocation, e.g. not in its
 * DRBG set-up, and those stay RP_E_DECRYPT).
 * The plaintext in out is a secret of the caller's. */
RP_CHECK_RESULT int rp_rsa_decrypt(const rp_rsa_key *key, const uint8_t *in, size_t len,
                                   uint8_t *out, size_t cap, size_t *out_len, rp_error *err);

/* ---- AES-CBC --------------------------------------------------------------------------- */

#define RP_AES_BLOCK_SIZE 16u
#define RP_AES_IV_SIZE 16u
#define RP_AES_MAX_KEY_SIZE 32u
/* Ciphertext length for n plaintext bytes (PKCS#7 always adds 1..16 bytes). */
#define RP_AES_CBC_SEALED_LEN(n) ((((n) / 16u) + 1u) * 16u)

/* An AES key as a plain value (so it can live inside a session struct). The caller wipes it
 * with rp_aes_key_wipe when done. len is 16, 24 or 32 (AES-128/192/256). */
typedef struct rp_aes_key {
    uint8_t bytes[RP_AES_MAX_KEY_SIZE];
    size_t len;
} rp_aes_key;

/* Sets *key from raw bytes; len must be 16, 24 or 32 (RP_E_KEY otherwise). */
RP_CHECK_RESULT int rp_aes_key_set(rp_aes_key *key, const uint8_t *bytes, size_t len,
                                   rp_error *err);

/* Sets *key from hex text of 32/48/64 characters, either case (the hello's "key" field and
 * the vectors' keys/session-key.*.hex; one trailing '\n' or "\r\n" is tolerated).
 * RP_E_HEX (with offset) for a non-hex character, RP_E_KEY for a wrong length. */
RP_CHECK_RESULT int rp_aes_key_from_hex(rp_aes_key *key, const char *hex, size_t len,
                                        rp_error *err);

/* Generates a random key of bits = 128, 192 or 256 (RP_E_ARGUMENT otherwise). */
RP_CHECK_RESULT int rp_aes_key_generate(rp_aes_key *key, unsigned bits, rp_error *err);

/* Cleanses the key. NULL is ignored. */
void rp_aes_key_wipe(rp_aes_key *key);

/* AES-CBC encryption with PKCS#7 padding. iv is RP_AES_IV_SIZE bytes. Needs
 * cap >= RP_AES_CBC_SEALED_LEN(len) (RP_E_OVERFLOW). in and out must not overlap. */
RP_CHECK_RESULT int rp_aes_cbc_encrypt(const rp_aes_key *key, const uint8_t *iv,
                                       const uint8_t *in, size_t len, uint8_t *out,
                                       size_t cap, size_t *out_len, rp_error *err);

/* AES-CBC decryption, PKCS#7 padding checked and removed. len must be a non-zero multiple of
 * 16. Needs cap >= len (RP_E_OVERFLOW). On failure out[0..len) is cleansed, so it never holds
 * unverified bytes. Any ciphertext problem (length, padding, wrong key) is RP_E_DECRYPT with
 * the same message. in and out may be the same buffer (decryption in place, as EVP allows)
 * but must not otherwise overlap. */
RP_CHECK_RESULT int rp_aes_cbc_decrypt(const rp_aes_key *key, const uint8_t *iv,
                                       const uint8_t *in, size_t len, uint8_t *out,
                                       size_t cap, size_t *out_len, rp_error *err);

/* ---- randomness ------------------------------------------------------------------------ */

/* Fills out[0..len) from OpenSSL's CSPRNG (RAND_bytes). RP_E_CRYPTO if it is not seeded. */
RP_CHECK_RESULT int rp_random_bytes(uint8_t *out, size_t len, rp_error *err);

/* rp_random_bytes in the shape of rp_random_fn (rp_clock.h), for sessions that are not
 * given a scripted RNG; ctx is ignored. */
int rp_random_system(void *ctx, uint8_t *out, size_t len);

/* A buffer of OpenSSL CSPRNG output handed out in small pieces. Why: in OpenSSL 3.0 every
 * RAND_bytes call costs about 11,000 instructions whatever its length (DRBG lookup, lock,
 * fork check, CTR-DRBG update), and a server handshake draws five small pieces (client id
 * letters, session key, IVs): a pool turns them into one RAND_bytes per several handshakes.
 * Bytes are cleansed from the pool as they are handed out, so it only ever holds bytes not
 * yet used; a draw in another process than the one that filled it (after fork) throws the
 * pool away first; requests larger than half the pool go to RAND_bytes directly. One pool
 * belongs to one thread (or one event loop) at a time. */
#define RP_RANDOM_POOL_SIZE 1024u
typedef struct rp_random_pool {
    uint8_t buf[RP_RANDOM_POOL_SIZE];
    size_t pos;     /* next unused byte; RP_RANDOM_POOL_SIZE = empty */
    long pid;       /* process that filled it */
} rp_random_pool;

/* Makes *pool empty (it is filled on the first draw). */
void rp_random_pool_init(rp_random_pool *pool);

/* Cleanses the pool and leaves it empty. NULL is ignored. */
void rp_random_pool_wipe(rp_random_pool *pool);

/* Fills out[0..len) from the pool (ctx: an rp_random_pool), refilling it from RAND_bytes
 * when it runs short; the shape of rp_random_fn. 0, or RP_E_CRYPTO when the RNG fails. */
int rp_random_pool_draw(void *ctx, uint8_t *out, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* RP_CRYPTO_H */
