/* residue_envelope: the five ways a residue payload travels (protocol §2.2, §3, §4.2, §6.4),
 * classified, sealed and opened. A packet here is the text between delimiters (see
 * rp_frame.h); a plaintext is the JSON text inside.
 *
 *   kind                      wire text                                   direction
 *   RESIDUE_KIND_PLAIN         JSON                                        both
 *   RESIDUE_KIND_RSA           base64(RSA-PKCS1v1.5(peer public key, JSON)) CONNECT c2s, hello s2c
 *   RESIDUE_KIND_AES_CLIENT_ID <iv hex 32>:<client id>:base64(AES-CBC(JSON)) c2s
 *   RESIDUE_KIND_AES_NO_CLIENT_ID <iv hex 32>:base64(AES-CBC(JSON))        s2c
 *   compressed log            AES_CLIENT_ID whose plaintext is base64(zlib(JSON))   c2s
 *
 * Input is accepted as the real peers send it: IV hex in either case (Java: uppercase),
 * base64 with embedded '\n' or other non-alphabet bytes (Java wraps at 76; decoded leniently
 * like the server's Crypto++). Output is canonical: lowercase IV hex, unwrapped padded base64.
 *
 * Text conventions: packets and plaintexts are char arrays with explicit lengths; they need
 * not be NUL-terminated on input. Every function that writes text NUL-terminates it, so
 * `cap` must leave one byte for the NUL (the *_SIZE macros include it). Nothing allocates
 * except seal/open of compressed logs and the AES/RSA paths, which allocate temporary
 * buffers bounded by the input length (at most ~2x the packet), cleanse and free them
 * before returning. AES seal (unless the plaintext lies inside `out`), and AES open into
 * a buffer of more than RP_BASE64_DECODED_MAX(payload length) bytes, work inside the
 * caller's buffer and allocate nothing; a failed open then leaves zeros where it decoded.
 *
 * ===== UNIFORM DECRYPTION ERRORS (read this before wiring errors to the network) =====
 * Every failure to open an encrypted envelope — malformed envelope, bad IV hex, bad base64,
 * ciphertext of the wrong length, bad PKCS#7 padding, wrong key, RSA failure, and for
 * compressed logs also a stream that does not inflate or exceeds the bound — returns the ONE
 * status RP_E_DECRYPT, and `err` gets the same fixed text RP_DECRYPT_PUBLIC_MESSAGE with no
 * offset (SIZE_MAX). That error is the only thing allowed to influence what goes back to the
 * peer: a peer must not be able to tell a padding failure from a wrong key (padding oracle).
 * The real reason is written ONLY into the optional `local_detail` argument. local_detail
 * is for local debug logs; it MUST NEVER be sent to the peer or used to choose a reply.
 * Pass NULL when not debugging. (RP_E_OVERFLOW for a too-small caller buffer and
 * RP_E_ARGUMENT for a broken precondition are local problems and stay as they are.)
 */
#ifndef RESIDUE_ENVELOPE_H
#define RESIDUE_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_codec.h"
#include "rp_crypto.h"
#include "rp_error.h"
#include "rp_zlib.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The only text an envelope open failure ever shows (err->message). */
#ifndef RP_DECRYPT_PUBLIC_MESSAGE
#define RP_DECRYPT_PUBLIC_MESSAGE "could not decrypt message"
#endif

#define RESIDUE_ENVELOPE_IV_HEX_LEN 32u

/* Buffer sizes (including the NUL) for sealing n plaintext bytes. */
#define RESIDUE_ENVELOPE_AES_S2C_SIZE(n) \
    (RESIDUE_ENVELOPE_IV_HEX_LEN + 1u + RP_BASE64_ENCODED_LEN(RP_AES_CBC_SEALED_LEN(n)) + 1u)
#define RESIDUE_ENVELOPE_AES_C2S_SIZE(id_len, n) \
    (RESIDUE_ENVELOPE_IV_HEX_LEN + 1u + (id_len) + 1u + RP_BASE64_ENCODED_LEN(RP_AES_CBC_SEALED_LEN(n)) + 1u)
#define RESIDUE_ENVELOPE_RSA_SIZE(modulus_bytes) (RP_BASE64_ENCODED_LEN(modulus_bytes) + 1u)

typedef enum residue_envelope_kind {
    RESIDUE_KIND_RAW_TEXT = 0,          /* none of the below (garbage, empty packet) */
    RESIDUE_KIND_PLAIN = 1,
    RESIDUE_KIND_RSA = 2,
    RESIDUE_KIND_AES_CLIENT_ID = 3,
    RESIDUE_KIND_AES_NO_CLIENT_ID = 4
} residue_envelope_kind;

/* "plain", "rsa", "aes-client-id", "aes-no-client-id", "raw-text" — the vectors' index.json
 * spelling. Never NULL ("raw-text" for unknown values). */
const char *residue_envelope_kind_name(residue_envelope_kind kind);

/* ---- classification -------------------------------------------------------------------- */

/* The server's rule for a packet that reached it (§2.2), without decrypting anything:
 *   len > 33 and the first ':' at offset 32          -> RESIDUE_KIND_AES_CLIENT_ID
 *   else first non-whitespace byte is '{' or '['     -> RESIDUE_KIND_PLAIN
 *   else server_has_rsa_key                          -> RESIDUE_KIND_RSA
 *   else                                             -> RESIDUE_KIND_RAW_TEXT
 * The real server decides "plain" by trying to parse and validate; a server that wants its
 * exact behaviour should, when a PLAIN packet fails JSON/schema decoding and it has a key,
 * still try residue_envelope_open_rsa (what the server does in step 3). NULL pkt means len 0. */
residue_envelope_kind residue_envelope_classify_c2s(const char *pkt, size_t len, bool server_has_rsa_key);

/* The client's rule for a packet from the server:
 *   first non-whitespace byte is '{'                 -> RESIDUE_KIND_PLAIN (errors, {"r":0})
 *   len > 33 and the first ':' at offset 32          -> RESIDUE_KIND_AES_NO_CLIENT_ID
 *   non-empty and only base64 alphabet / whitespace  -> RESIDUE_KIND_RSA
 *   else                                             -> RESIDUE_KIND_RAW_TEXT */
residue_envelope_kind residue_envelope_classify_s2c(const char *pkt, size_t len);

/* ---- AES envelope parsing (no key needed) ---------------------------------------------- */

/* The parts of an AES envelope. Pointers point into the packet (not owned, no copies). */
typedef struct residue_aes_envelope {
    uint8_t iv[RP_AES_IV_SIZE];     /* decoded from the 32 hex chars (either case) */
    const char *client_id;          /* c2s: the id between the two ':'; s2c: NULL */
    size_t client_id_len;           /* c2s: > 0; s2c: 0 */
    const char *payload;            /* the base64 text after the last separator */
    size_t payload_len;
} residue_aes_envelope;

/* Splits a client->server AES envelope "<iv hex>:<client id>:<base64>" as the server does
 * (IV = bytes 0..31, ':' at 32, client id up to the next ':', the rest is base64), so the
 * server can pick the key by client id before decrypting. RP_E_ENVELOPE with the offset for:
 * no ':' at 32, non-hex IV, no second ':', empty client id. The payload is not checked. */
RP_CHECK_RESULT int residue_envelope_parse_aes_c2s(const char *pkt, size_t len, residue_aes_envelope *out,
                                              rp_error *err);

/* Splits a server->client AES envelope "<iv hex>:<base64>". RP_E_ENVELOPE as above. */
RP_CHECK_RESULT int residue_envelope_parse_aes_s2c(const char *pkt, size_t len, residue_aes_envelope *out,
                                              rp_error *err);

/* ---- plain ----------------------------------------------------------------------------- */

/* Copies json[0..len) to out and NUL-terminates (cap >= len + 1, else RP_E_OVERFLOW).
 * RP_E_ARGUMENT when json contains "\r\n\r\n" (it would break framing). */
RP_CHECK_RESULT int residue_envelope_seal_plain(const char *json, size_t len, char *out, size_t cap,
                                           size_t *out_len, rp_error *err);

/* ---- RSA ------------------------------------------------------------------------------- */

/* base64(RSA-PKCS1v1.5(peer_public, json)) into out, NUL-terminated; cap >=
 * RESIDUE_ENVELOPE_RSA_SIZE(rp_rsa_key_size(peer_public)). RP_E_TOO_LONG when json exceeds
 * rp_rsa_max_plaintext(peer_public) (message names the maximum). */
RP_CHECK_RESULT int residue_envelope_seal_rsa(const rp_rsa_key *peer_public, const char *json,
                                         size_t len, char *out, size_t cap, size_t *out_len,
                                         rp_error *err);

/* Opens an RSA envelope with our private key: lenient base64 decode, then one-block
 * PKCS#1 v1.5 decryption. Plaintext into out, NUL-terminated. Needs cap >=
 * rp_rsa_max_plaintext(own_private) + 1 (checked before decrypting, RP_E_OVERFLOW), so the
 * outcome never depends on the plaintext length. Failures: see UNIFORM above. */
RP_CHECK_RESULT int residue_envelope_open_rsa(const rp_rsa_key *own_private, const char *pkt,
                                         size_t len, char *out, size_t cap, size_t *out_len,
                                         rp_error *err, rp_error *local_detail);

/* ---- AES ------------------------------------------------------------------------------- */

/* "<iv lowercase hex>:<client id>:<base64(AES-CBC-PKCS7(key, iv, plain))>" into out,
 * NUL-terminated; cap >= RESIDUE_ENVELOPE_AES_C2S_SIZE(id_len, len). RP_E_ARGUMENT when the
 * client id is empty or contains ':' (the server could not parse it back). */
RP_CHECK_RESULT int residue_envelope_seal_aes_c2s(const rp_aes_key *key, const uint8_t *iv,
                                             const char *client_id, size_t id_len,
                                             const char *plain, size_t len, char *out,
                                             size_t cap, size_t *out_len, rp_error *err);

/* "<iv lowercase hex>:<base64(...)>" into out; cap >= RESIDUE_ENVELOPE_AES_S2C_SIZE(len). */
RP_CHECK_RESULT int residue_envelope_seal_aes_s2c(const rp_aes_key *key, const uint8_t *iv,
                                             const char *plain, size_t len, char *out,
                                             size_t cap, size_t *out_len, rp_error *err);

/* Decrypts a parsed AES envelope (either direction) with key: lenient base64 of
 * env->payload, AES-CBC, PKCS#7 removed. Plaintext into out, NUL-terminated. Needs
 * cap >= decoded ciphertext length + 1 (checked before decrypting, RP_E_OVERFLOW);
 * cap >= env->payload_len + 1 always suffices. A server with a backup key calls it again
 * with the backup key after a failure. Failures: see UNIFORM above. */
RP_CHECK_RESULT int residue_envelope_open_aes(const rp_aes_key *key, const residue_aes_envelope *env,
                                         char *out, size_t cap, size_t *out_len, rp_error *err,
                                         rp_error *local_detail);

/* parse_aes_c2s + open_aes in one call (parse failures are uniform RP_E_DECRYPT too). */
RP_CHECK_RESULT int residue_envelope_open_aes_c2s(const rp_aes_key *key, const char *pkt, size_t len,
                                             char *out, size_t cap, size_t *out_len,
                                             rp_error *err, rp_error *local_detail);

/* parse_aes_s2c + open_aes in one call. */
RP_CHECK_RESULT int residue_envelope_open_aes_s2c(const rp_aes_key *key, const char *pkt, size_t len,
                                             char *out, size_t cap, size_t *out_len,
                                             rp_error *err, rp_error *local_detail);

/* ---- compressed logs (§6.4): JSON -> zlib -> base64, then inside the AES c2s envelope ---- */

/* base64(zlib(json, level)) into out, NUL-terminated; cap >=
 * RP_BASE64_ENCODED_LEN(rp_zlib_deflate_bound(len)) + 1 always suffices (RP_E_OVERFLOW). */
RP_CHECK_RESULT int residue_envelope_compress_log(const char *json, size_t len, int level, char *out,
                                             size_t cap, size_t *out_len, rp_error *err);

/* Reverse of compress_log on an already decrypted AES plaintext: lenient base64, then zlib
 * inflate bounded by cap - 1 (gzip / raw deflate refused). Errors are the plain codec/zlib
 * ones (RP_E_BASE64 never: lenient; RP_E_ZLIB, RP_E_ZLIB_BOUND) — this step runs after
 * decryption; when wiring it to the network map them to the same reply as RP_E_DECRYPT. */
RP_CHECK_RESULT int residue_envelope_decompress_log(const char *b64, size_t len, char *out,
                                               size_t cap, size_t *out_len, rp_error *err);

/* compress_log + seal_aes_c2s: the whole compressed log request packet (without delimiter).
 * cap >= RESIDUE_ENVELOPE_AES_C2S_SIZE(id_len, RP_BASE64_ENCODED_LEN(rp_zlib_deflate_bound(len)))
 * always suffices. */
RP_CHECK_RESULT int residue_envelope_seal_log_zlib(const rp_aes_key *key, const uint8_t *iv,
                                              const char *client_id, size_t id_len,
                                              const char *json, size_t len, int level,
                                              char *out, size_t cap, size_t *out_len,
                                              rp_error *err);

/* open_aes + decompress_log: JSON of a compressed log into out (NUL-terminated), inflated
 * size bounded by cap - 1. Every failure, including inflate errors and the bound, is the
 * uniform RP_E_DECRYPT; local_detail has the real code (e.g. RP_E_ZLIB for gzip). */
RP_CHECK_RESULT int residue_envelope_open_log_zlib(const rp_aes_key *key, const residue_aes_envelope *env,
                                              char *out, size_t cap, size_t *out_len,
                                              rp_error *err, rp_error *local_detail);

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_ENVELOPE_H */
