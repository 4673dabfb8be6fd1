/* rp_layer: the interface between the envelope engine (rp_envelope.c) and the layer kinds
 * (rp_layer_<kind>.c). Only layer implementations include this; users of the engine need
 * rp_envelope.h alone.
 *
 * The engine walks an envelope's layers and hands each one its input text and a destination
 * buffer:
 *   open   outermost first: in[0..len) is the text at this layer; the layer writes what is
 *          inside it into buf[0..cap) (or, with RP_LAYER_F_IN_PLACE, over its own input
 *          when `in` lies inside buf — see rp_layer_dst), or, with RP_LAYER_F_VIEW, points
 *          *res into `in`. *res, *res_len is the text of the next layer.
 *   seal   innermost first: in[0..len) is the inner layers' text, never inside dst; the layer
 *          writes its own text at dst[0..cap).
 * Errors go to `why` with their real code; the engine makes them uniform where the envelope
 * encrypts (rp_envelope.h). A layer never allocates.
 */
#ifndef RP_LAYER_H
#define RP_LAYER_H

#include "rp_envelope.h"

#ifdef __cplusplus
extern "C" {
#endif

/* rp_layer_ops.flags */
#define RP_LAYER_F_ENCRYPTS 1u  /* rsa, aes: opening it makes errors uniform; has `wipe` */
#define RP_LAYER_F_IN_PLACE 2u  /* open may write over its input when that is in buf */
#define RP_LAYER_F_VIEW 4u      /* open returns a part of its input (json, join) */

/* What one open or seal carries from layer to layer (the engine owns it; layers read it
 * and set the IV and id parts through the helpers below). */
typedef struct rp_layer_run rp_layer_run;

struct rp_layer_ops {
    const char *name;            /* the spec's layer name, e.g. "base64_lenient" */
    rp_shape shape;              /* class of the text its seal writes (rp_envelope.h) */
    unsigned flags;              /* RP_LAYER_F_* */
    /* Largest seal output for in_len input bytes (SIZE_MAX when it would not fit); id_len
     * is the longest id() text (join only). */
    size_t (*sealed_max)(const rp_envelope_desc *env, const rp_layer_desc *l, size_t in_len,
                         size_t id_len);
    /* On success *res, *res_len is the inner text. On failure *res, *res_len is the region of
     * buf it may have written (NULL/0: none), which the engine wipes when the envelope
     * encrypts. */
    int (*open)(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len, rp_error *why);
    /* join only (NULL otherwise): how many bytes its output has before and after the
     * payload, so the layer under it seals straight to that place. */
    int (*seal_around)(rp_layer_run *run, const rp_layer_desc *l, size_t *prefix,
                       size_t *suffix, rp_error *why);
    int (*seal)(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                uint8_t *dst, size_t cap, size_t *out_len, rp_error *why);
    /* RP_LAYER_F_ENCRYPTS only: wipes memory that held secrets (OPENSSL_cleanse). */
    void (*wipe)(void *p, size_t len);
};

/* One key's state during a run. */
typedef struct rp_layer_key_slot {
    uint8_t count;               /* candidates the lookup returned */
    uint8_t pick;                /* the candidate this attempt uses */
    const char *id;              /* open: the id() text from the packet (NULL: none) */
    size_t id_len;
    rp_key_value cand[RP_ENVELOPE_MAX_CANDIDATES];
} rp_layer_key_slot;

struct rp_layer_run {
    const rp_envelope_ctx *cx;
    const rp_envelope_desc *env;
    rp_key_use use;
    size_t out_cap;              /* open: the caller's plaintext capacity (inflate bound) */
    bool iv_in_join;             /* the envelope's join carries hex(iv) */
    bool has_iv;
    uint8_t iv[16];              /* open: from the join; seal: drawn for the join */
    const char *id;              /* open: the first id() part's text (into the packet) */
    size_t id_len;
    unsigned id_key;
    bool lookup_failed;          /* the caller's key lookup returned a negative status */
    bool join_sized;             /* seal: join_prefix/join_suffix are computed */
    size_t join_prefix, join_suffix;
    uint32_t looked;             /* bit k: key k was looked up (slot k is valid) */
    uint32_t has_id;             /* bit k: the packet named an id for key k */
    size_t used_count;           /* keys used so far, in order of first use */
    uint8_t used[RP_ENVELOPE_MAX_KEYS];
    rp_layer_key_slot slot[RP_ENVELOPE_MAX_KEYS];
};

/* The value of key `key` for this attempt (looked up on first use, with the id() text the
 * join recorded for it when opening). RP_E_DECRYPT (why filled) when no candidate is known,
 * the lookup's own negative status when it failed, RP_E_ARGUMENT for a bad key index. */
RP_CHECK_RESULT int rp_layer_key(rp_layer_run *run, unsigned key, const rp_key_value **value,
                                 rp_error *why);

/* Records the id() text of key `key` found in the packet (join open); the first one is also
 * what the open reports (rp_envelope_opened.id). */
void rp_layer_set_id(rp_layer_run *run, unsigned key, const char *id, size_t id_len);

/* Where an open writes: over its input when `in` lies inside buf[0..cap) (in-place layers),
 * else at buf. *dst_cap is what is left from there to the end of buf. */
void rp_layer_dst(const uint8_t *in, uint8_t *buf, size_t cap, uint8_t **dst, size_t *dst_cap);

/* Whether env's outermost layer is a join with a hex(iv) part, which then carries the AES IV.
 * It names no layer, so that a table without joins need not link rp_layer_join. */
bool rp_layer_iv_in_join(const rp_envelope_desc *env);

/* Adds saturating at SIZE_MAX; multiplies likewise. */
size_t rp_layer_add(size_t a, size_t b);

/* Byte classes shared by the shape tests and the layers. */
bool rp_layer_is_space(uint8_t c);       /* ASCII whitespace: space, \t, \n, \v, \f, \r */
bool rp_layer_is_b64(uint8_t c);         /* A-Z a-z 0-9 + / */
bool rp_layer_is_hex(uint8_t c);         /* 0-9 a-f A-F */

#ifdef __cplusplus
}
#endif

#endif /* RP_LAYER_H */
