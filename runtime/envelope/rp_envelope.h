/* rp_envelope: the generic envelope engine. A spec declares its envelopes as compositions of
 * built-in layers (json, zlib, base64, base64_lenient, hex, rsa, aes, join); rprotoc writes
 * them down as the constant tables below (an rp_protocol), and this engine classifies,
 * opens and seals packets by walking those tables. Nothing here knows any protocol.
 *
 * A packet here is one payload as the framer delivers it (rp_frame.h); a plaintext is the
 * JSON text at the innermost layer (decoded by the generated codec afterwards).
 *
 * LAYERS (sealing order is inner to outer; json is always the innermost, exactly once):
 *   json            the message text; opening checks that it starts like JSON ('{' or '[')
 *   zlib(X)         a zlib stream (RFC 1950); opening inflates, bounded by the caller's
 *                   plaintext capacity; gzip and raw deflate are refused
 *   base64(X)       padded standard base64 out; in: the alphabet, '=' and ASCII whitespace
 *                   between characters (line-wrapped base64 of Java and Crypto++)
 *   base64_lenient(X) the same out; in: every byte outside the alphabet is skipped
 *   hex(X)          lowercase out; either case in
 *   rsa(KEY, X)     one RSA PKCS#1 v1.5 block to KEY's public half; opened with its private
 *                   half (rp_layer_rsa.c, needs OpenSSL)
 *   aes(KEY, X)     AES-CBC + PKCS#7 with KEY and a fresh random IV; the output is the
 *                   ciphertext when the envelope's join carries hex(iv), else IV || ciphertext
 *                   (rp_layer_aes.c, needs OpenSSL)
 *   join(SEP, ...)  the outermost layer only: parts joined by SEP: hex(iv) (32 lowercase hex
 *                   characters out, either case in), id(KEY) (the name under which the
 *                   receiver knows KEY's value), and exactly one payload (the inner layers)
 * Each layer is one object (rp_layer_json, rp_layer_aes, ...) in its own file: a program
 * links the code of the layers its tables name and no other; json, base64, hex and join
 * need only the core, so an envelope table without rsa/aes/zlib links neither OpenSSL nor
 * zlib.
 *
 * JOIN SPLITTING: left to right; a part of fixed length (hex(iv): 32) is taken by length and
 * must be followed by the separator; another non-last part runs to the next separator (an
 * id() part may not be empty); the last part is the rest.
 *
 * SHAPES (how a receiver tells the envelopes that may arrive on one port apart, without
 * keys): the outer class of each envelope's text is
 *   RP_SHAPE_JOIN    its first separator sits where the first part ends (a fixed first part,
 *                    hex(iv): 32 hex digits, then the separator and at least one byte; a
 *                    variable one: anywhere)
 *   RP_SHAPE_JSON    the first non-whitespace byte is '{' or '['
 *   RP_SHAPE_HEX     only hex digits (at least one)
 *   RP_SHAPE_BASE64  only base64 alphabet, '=' and ASCII whitespace (at least one letter)
 *   RP_SHAPE_ANY     anything (base64_lenient, and binary layers at the outside)
 * and classes are tried in that order: join > json > hex > base64 > any. Envelopes that
 * share their outer layers (same kinds, keys and join signature) are told apart after
 * opening that common prefix, by the class of the text inside (e.g. after AES: json vs
 * base64_lenient). rprotoc refuses specs where this is ambiguous; the engine, given an
 * ambiguous set anyway, takes the lowest envelope index.
 *
 * KEYS come from the caller through an rp_key_lookup_fn, by key index and, where the
 * envelope has an id(KEY) part, the id text from the packet. A lookup may return several
 * candidates (e.g. a current and a backup key): they are tried in order, and a candidate is
 * taken when the whole envelope opens with it (down to the json check), so a wrong key whose
 * padding happens to be valid still falls through to the next one. IVs for sealing come
 * from an injected rp_random_fn (rp_crypto.h: rp_random_system; tests inject fixed bytes).
 *
 * MEMORY: nothing allocates. The caller gives an output buffer and a work buffer; layers
 * work in place where they can (base64 and hex decode, AES decrypt), and otherwise between
 * the two buffers. Sizes: see rp_envelope_sealed_max and rp_envelope_open. When an envelope
 * has an encrypting layer, bytes derived from the plaintext that are left in the work buffer
 * are cleansed before returning, and a failed open cleanses what it wrote into both buffers.
 *
 * ===== UNIFORM DECRYPTION ERRORS (read this before wiring errors to the network) =====
 * Every failure to open an envelope that has an encrypting layer (rsa or aes) — malformed
 * join, bad IV hex, bad base64 or hex, ciphertext of the wrong length, bad PKCS#7 padding,
 * wrong key, no key, RSA failure, a stream that does not inflate or exceeds the bound, text
 * that is not JSON — returns the ONE status RP_E_DECRYPT, and `err` gets the same fixed text
 * RP_DECRYPT_PUBLIC_MESSAGE with no offset (SIZE_MAX). That error is the only thing allowed
 * to influence what goes back to the peer: a peer must not be able to tell a padding failure
 * from a wrong key (padding oracle). The real reason is written ONLY into the optional
 * `local_detail` argument. local_detail is for local debug logs; it MUST NEVER be sent to the
 * peer or used to choose a reply. Pass NULL when not debugging. (RP_E_OVERFLOW for a
 * too-small caller buffer, RP_E_ARGUMENT for a broken precondition, RP_E_NOMEM and
 * RP_E_CRYPTO for an allocation or an OpenSSL set-up of ours that failed (no ciphertext
 * can cause either), and a negative status the caller's own key lookup returned are local
 * matters and stay as they are.) Envelopes
 * without an encrypting layer report their real error (RP_E_BASE64, RP_E_HEX, RP_E_ZLIB,
 * RP_E_ZLIB_BOUND, RP_E_ENVELOPE) with its offset.
 */
#ifndef RP_ENVELOPE_H
#define RP_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_clock.h"
#include "rp_error.h"
#include "rp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Key types of the crypto layer (rp_crypto.h); only pointers pass through the engine, so
 * a program without crypto layers needs neither that header nor OpenSSL. */
struct rp_rsa_key;
struct rp_aes_key;

/* The only text an envelope open failure ever shows (err->message). */
#ifndef RP_DECRYPT_PUBLIC_MESSAGE
#define RP_DECRYPT_PUBLIC_MESSAGE "could not decrypt message"
#endif

#define RP_ENVELOPE_MAX_KEYS 16u       /* keys per protocol: key indexes 0..15 */
#define RP_ENVELOPE_MAX_CANDIDATES 4u  /* values one key lookup may offer */
#define RP_ENVELOPE_MAX_LAYERS 16u     /* layers per envelope */
#define RP_ENVELOPE_MAX 32u            /* envelopes per protocol (the bits of a mask) */
#define RP_ENVELOPE_IV_HEX_LEN 32u     /* the text of a hex(iv) part */

/* Outer shape classes, in the order classification tries them (see SHAPES above). */
typedef enum rp_shape {
    RP_SHAPE_JOIN = 1,
    RP_SHAPE_JSON = 2,
    RP_SHAPE_HEX = 3,
    RP_SHAPE_BASE64 = 4,
    RP_SHAPE_ANY = 5
} rp_shape;

/* ---- descriptions (written by rprotoc; docs/interfaces.md §"Envelope tables") ---------- */

/* One layer kind's implementation (rp_layer.h). Tables only take the address of one of the
 * built-in objects below. */
typedef struct rp_layer_ops rp_layer_ops;

extern const rp_layer_ops rp_layer_json;           /* rp_layer_json.c (core) */
extern const rp_layer_ops rp_layer_base64;         /* rp_layer_base64.c (core) */
extern const rp_layer_ops rp_layer_base64_lenient; /* rp_layer_base64.c (core) */
extern const rp_layer_ops rp_layer_hex;            /* rp_layer_hex.c (core) */
extern const rp_layer_ops rp_layer_join;           /* rp_layer_join.c (core) */
extern const rp_layer_ops rp_layer_zlib;           /* rp_layer_zlib.c (zlib) */
extern const rp_layer_ops rp_layer_rsa;            /* rp_layer_rsa.c (OpenSSL) */
extern const rp_layer_ops rp_layer_aes;            /* rp_layer_aes.c (OpenSSL) */

typedef enum rp_key_kind {
    RP_KEY_RSA = 1, /* an RSA pair; one peer (owner) holds the private half */
    RP_KEY_AES = 2  /* a symmetric AES key */
} rp_key_kind;

/* One `key` declaration. */
typedef struct rp_key_desc {
    const char *name;   /* spec name, e.g. "session" */
    rp_key_kind kind;
    unsigned owner;     /* RSA: the peer number (1 or 2) that holds the private half; else 0 */
    unsigned aes_bits;  /* AES: the sizes allowed: bit 0 = 128, bit 1 = 192, bit 2 = 256 (0:
                           any). A key value of another size does not seal (RP_E_KEY) and
                           does not open (a failed candidate, RP_E_DECRYPT) */
} rp_key_desc;

typedef enum rp_join_part_kind {
    RP_JOIN_PAYLOAD = 1, /* the inner layers' text (exactly one per join) */
    RP_JOIN_IV_HEX = 2,  /* hex(iv): the IV of the envelope's aes layer, 32 hex characters */
    RP_JOIN_ID = 3       /* id(KEY): the name under which the receiver knows KEY's value */
} rp_join_part_kind;

/* One part of a join, in the order written. */
typedef struct rp_join_part {
    rp_join_part_kind kind;
    unsigned key;       /* RP_JOIN_ID: index into rp_protocol.keys; else 0 */
} rp_join_part;

/* One layer of an envelope. */
typedef struct rp_layer_desc {
    const rp_layer_ops *ops;     /* the kind: &rp_layer_json, &rp_layer_aes, ... */
    unsigned key;                /* rsa, aes: index into rp_protocol.keys; else 0 */
    const char *sep;             /* join: the separator text (1.. bytes, static); else NULL */
    size_t sep_len;              /* join: its length; else 0 */
    const rp_join_part *parts;   /* join: the parts in order; else NULL */
    size_t part_count;           /* join: how many (2..); else 0 */
} rp_layer_desc;

/* One `envelope` declaration: its layers outermost first, json last. */
typedef struct rp_envelope_desc {
    const char *name;            /* spec name, e.g. "aes_to_client" */
    const rp_layer_desc *layers;
    size_t layer_count;          /* 1..RP_ENVELOPE_MAX_LAYERS */
} rp_envelope_desc;

/* One `port` declaration. */
typedef struct rp_port_desc {
    const char *name;            /* spec name, e.g. "connect" */
    rp_framing framing;          /* how its packets are framed (rp_frame.h) */
    size_t max_packet;           /* largest payload, framing excluded */
} rp_port_desc;

/* One route of a message: `on PORT FROM -> TO in ENVELOPE | ...`. */
typedef struct rp_route_desc {
    int message;                 /* the generated message id (<proto>_message_id) */
    unsigned port;               /* port number: 1-based index into rp_protocol.ports */
    unsigned from, to;           /* peer numbers (1 or 2) */
    uint32_t envelopes;          /* bit e set: envelope e may carry the message this way */
} rp_route_desc;

/* Everything a spec declares about its transport. */
typedef struct rp_protocol {
    const char *name;                      /* protocol name */
    const char *peers[2];                  /* names of peer 1 and peer 2 */
    const rp_port_desc *ports;             /* port number p is ports[p - 1] */
    size_t port_count;
    const rp_key_desc *keys;               /* key index k is keys[k] */
    size_t key_count;                      /* <= RP_ENVELOPE_MAX_KEYS */
    const rp_envelope_desc *envelopes;     /* envelope index e is envelopes[e] */
    size_t envelope_count;                 /* <= RP_ENVELOPE_MAX */
    const rp_route_desc *routes;
    size_t route_count;
} rp_protocol;

/* The envelopes (bit mask) that may arrive on port `port` from peer `from`, over all routes;
 * 0 for NULL or when none. */
uint32_t rp_protocol_envelopes(const rp_protocol *proto, unsigned port, unsigned from);

/* ---- keys and the call context ---------------------------------------------------------- */

typedef enum rp_key_use {
    RP_KEY_OPEN = 1, /* opening: RSA private half, or the AES key */
    RP_KEY_SEAL = 2  /* sealing: RSA public half, or the AES key, and the id() text */
} rp_key_use;

/* One candidate value for a key. Pointers are the caller's and must stay valid for the
 * call that looked them up. */
typedef struct rp_key_value {
    const struct rp_rsa_key *rsa;  /* RSA keys */
    const struct rp_aes_key *aes;  /* AES keys */
    const char *id;                /* SEAL: the text of this key's id() part; else unused */
    size_t id_len;
} rp_key_value;

/* Fills out[0..cap) with the candidates for key index `key` and returns how many (0: none
 * known; the open then fails as undecryptable). id/id_len is the text of the envelope's
 * id(key) part when opening an envelope that has one, else NULL/0. For sealing only out[0]
 * is used. A negative return stops the open or seal with that status, unchanged (the caller
 * decides what it means, e.g. RP_E_UNKNOWN_CLIENT; see UNIFORM above). */
typedef int (*rp_key_lookup_fn)(void *ctx, unsigned key, rp_key_use use, const char *id,
                                size_t id_len, rp_key_value *out, size_t cap);

/* What every open and seal needs besides the packet. */
typedef struct rp_envelope_ctx {
    const rp_protocol *proto;
    rp_key_lookup_fn keys;       /* NULL: no keys (encrypting layers then fail) */
    void *keys_ctx;
    rp_random_fn random;         /* seal: where IVs come from; NULL when no aes layer seals */
    void *random_ctx;
    int zlib_level;              /* seal: 1..9, or 0 for zlib's default level */
} rp_envelope_ctx;

/* ---- classify, open, seal --------------------------------------------------------------- */

/* Which of the envelopes in `mask` have the outer shape of pkt[0..len), without keys: the
 * members of the first class (join > json > hex > base64 > any) that some envelope of the
 * mask has and the text matches. More than one bit means the envelopes share their outer
 * layers and are told apart after opening (rp_envelope_open_any). 0: none fits. */
uint32_t rp_envelope_classify(const rp_protocol *proto, uint32_t mask, const char *pkt,
                              size_t len);

/* What an open found. */
typedef struct rp_envelope_opened {
    unsigned envelope;           /* index of the envelope that opened */
    size_t len;                  /* plaintext length (the NUL after it not counted) */
    const char *id;              /* the first id() part's text, pointing into the packet; */
    size_t id_len;               /*   NULL/0 when the envelope has none */
    unsigned id_key;             /* the key of that id() part */
    uint8_t candidate[RP_ENVELOPE_MAX_KEYS]; /* per key index: which candidate opened it */
} rp_envelope_opened;

/* Opens pkt[0..len) as envelope number `envelope` of cx->proto: the plaintext goes to
 * out[0..out_cap), NUL-terminated. Both out and work[0..work_cap) also hold the texts
 * between the layers, each no longer than the packet (every layer but zlib opens to at most
 * its input's length), so out_cap >= len + 1 and work_cap >= out_cap always suffice (for a
 * port: max_packet + 1 each); zlib's inflated text is bounded by out_cap - 1 (and by
 * work_cap when it lands there): RP_E_ZLIB_BOUND beyond. work may be NULL (work_cap 0) when
 * every layer works in place (join, json, base64, base64_lenient, hex, aes);
 * the engine says RP_E_ARGUMENT when it needs it. Too small a buffer is RP_E_OVERFLOW. An rsa
 * layer needs a buffer of the key's plaintext maximum and checks it before decrypting, so
 * the outcome never depends on the plaintext. pkt may be NULL when len is 0. *res
 * (optional) says what opened. Failures: see UNIFORM above. */
RP_CHECK_RESULT int rp_envelope_open(const rp_envelope_ctx *cx, unsigned envelope,
                                     const char *pkt, size_t len, char *out, size_t out_cap,
                                     uint8_t *work, size_t work_cap, rp_envelope_opened *res,
                                     rp_error *err, rp_error *local_detail);

/* Classifies pkt among the envelopes in `mask` (see SHAPES) and opens the one it is, with
 * the buffers of rp_envelope_open; res->envelope says which. RP_E_ENVELOPE (offset 0, no
 * decryption attempted) when no envelope of the mask has the packet's outer shape. Uniform
 * errors when any envelope of the shape-matched set has an encrypting layer. */
RP_CHECK_RESULT int rp_envelope_open_any(const rp_envelope_ctx *cx, uint32_t mask,
                                         const char *pkt, size_t len, char *out,
                                         size_t out_cap, uint8_t *work, size_t work_cap,
                                         rp_envelope_opened *res, rp_error *err,
                                         rp_error *local_detail);

/* Largest packet rp_envelope_seal writes for a plaintext of plain_len bytes, plus one byte
 * for the NUL, when the longest id() text the caller's keys give is id_len (0 without id()
 * parts); RSA layers are counted at the largest modulus (RP_RSA_MAX_BITS). SIZE_MAX when it
 * does not fit a size_t, 0 for an unknown envelope. */
size_t rp_envelope_sealed_max(const rp_protocol *proto, unsigned envelope, size_t plain_len,
                              size_t id_len);

/* Seals plain[0..len) as envelope number `envelope` into out[0..cap), NUL-terminated;
 * *out_len (optional) gets the length. cap and work_cap of rp_envelope_sealed_max(...) always
 * suffice (RP_E_OVERFLOW otherwise); work may be NULL for an envelope of json alone. plain
 * must not overlap out or work (RP_E_ARGUMENT). Keys: cx->keys with RP_KEY_SEAL; IVs:
 * cx->random. RP_E_TOO_LONG when an rsa layer's input exceeds one block; RP_E_ARGUMENT when
 * an id() text is empty, contains the separator or ends with a start of it (a- before --).
 * On failure out and work hold nothing useful (cleansed when the envelope encrypts).
 * The text is not checked to be JSON: the codec's encoder makes it, and a caller may seal
 * the inner text of a longer envelope through one that shares its outer layers (a
 * compressed payload's base64 through the uncompressed twin of its envelope). What does not
 * start like JSON then seals, and the same envelope's open refuses it (RP_E_ENVELOPE). */
RP_CHECK_RESULT int rp_envelope_seal(const rp_envelope_ctx *cx, unsigned envelope,
                                     const char *plain, size_t len, char *out, size_t cap,
                                     uint8_t *work, size_t work_cap, size_t *out_len,
                                     rp_error *err);

/* True when envelope `envelope` has an rsa or aes layer (its open errors are uniform). */
bool rp_envelope_encrypts(const rp_protocol *proto, unsigned envelope);

#ifdef __cplusplus
}
#endif

#endif /* RP_ENVELOPE_H */
