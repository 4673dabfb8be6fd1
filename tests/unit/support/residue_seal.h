/* Sealing and opening residue packets as a peer would, with the generic envelope engine and
 * residue's generated tables (residue_protocol), for the tests and fuzz harnesses that play
 * the other side of a session: test_session_client.c, test_session_server.c, test_vectors.c,
 * test_residue_wire.c, tests/fuzz/fuzz_client.c, fuzz_server.c.
 *
 * Header only (static inline), so a fuzz harness that is one .c file can use it too. Keys
 * are given explicitly; sealing draws the IV from rs_keys.iv when set (a fixed IV makes the
 * packet reproducible), else from the system RNG.
 */
#ifndef RESIDUE_SEAL_H
#define RESIDUE_SEAL_H

#include <stdlib.h>
#include <string.h>

#include "rp_crypto.h"
#include "rp_envelope.h"
#include "residue_transport.h"

typedef struct rs_keys {
    const rp_rsa_key *server;   /* server_key: the private half to open, either to seal */
    const rp_rsa_key *client;   /* client_key: likewise */
    const rp_aes_key *session;  /* the session key */
    const char *id;             /* its id (sealing; opening: only this id is known, NULL = any) */
    const uint8_t *iv;          /* sealing: these 16 bytes as the IV, or NULL: random */
    int zlib_level;             /* sealing: 1..9, 0 = zlib's default */
} rs_keys;

static inline int rs_lookup(void *ctx, unsigned key, rp_key_use use, const char *id,
                            size_t id_len, rp_key_value *out, size_t cap)
{
    const rs_keys *k = (const rs_keys *)ctx;
    (void)use;
    (void)cap;
    memset(out, 0, sizeof *out);
    switch (key) {
    case RESIDUE_KEY_SERVER_KEY:
        out->rsa = k->server;
        return out->rsa != NULL;
    case RESIDUE_KEY_CLIENT_KEY:
        out->rsa = k->client;
        return out->rsa != NULL;
    case RESIDUE_KEY_SESSION:
        if (k->session == NULL) return 0;
        if (id != NULL && k->id != NULL &&
            (id_len != strlen(k->id) || memcmp(id, k->id, id_len) != 0))
            return 0;
        out->aes = k->session;
        out->id = k->id;
        out->id_len = k->id != NULL ? strlen(k->id) : 0;
        return 1;
    default:
        return 0;
    }
}

static inline int rs_iv(void *ctx, uint8_t *out, size_t len)
{
    const rs_keys *k = (const rs_keys *)ctx;
    if (k->iv == NULL) return rp_random_system(NULL, out, len);
    for (size_t i = 0; i < len; i++) out[i] = k->iv[i % 16];
    return 0;
}

static inline rp_envelope_ctx rs_ctx(const rs_keys *k)
{
    rp_envelope_ctx cx = { &residue_protocol, rs_lookup, (void *)k, rs_iv, (void *)k,
                           k->zlib_level };
    return cx;
}

/* Seals plain[0..len) as `envelope` into out[0..cap) (NUL-terminated, no delimiter). The
 * engine's status; RP_E_NOMEM when its work buffer cannot be had. */
static inline int rs_seal(const rs_keys *k, unsigned envelope, const char *plain, size_t len,
                          char *out, size_t cap, size_t *out_len, rp_error *err)
{
    rp_envelope_ctx cx = rs_ctx(k);
    size_t wcap = rp_envelope_sealed_max(&residue_protocol, envelope, len,
                                         k->id != NULL ? strlen(k->id) : 0);
    uint8_t *work = wcap == 0 || wcap == SIZE_MAX ? NULL : (uint8_t *)malloc(wcap);
    if (work == NULL) return RP_E_NOMEM;
    int rc = rp_envelope_seal(&cx, envelope, plain, len, out, cap, work, wcap, out_len, err);
    free(work);
    return rc;
}

/* The largest packet rs_seal writes for len bytes, NUL included. */
static inline size_t rs_sealed_max(const rs_keys *k, unsigned envelope, size_t len)
{
    return rp_envelope_sealed_max(&residue_protocol, envelope, len,
                                  k->id != NULL ? strlen(k->id) : 0);
}

/* Opens pkt[0..len) as `envelope` (or, with envelope RS_ANY_OF(mask), as whichever of the
 * mask it is) into out[0..cap), NUL-terminated; *res (optional) says what opened. */
#define RS_ANY 0x80000000u
#define RS_ANY_OF(mask) (RS_ANY | (mask))
static inline int rs_open(const rs_keys *k, unsigned envelope, const char *pkt, size_t len,
                          char *out, size_t cap, size_t *out_len, rp_envelope_opened *res,
                          rp_error *err, rp_error *detail)
{
    rp_envelope_ctx cx = rs_ctx(k);
    size_t wcap = cap > len + 1 ? cap : len + 1;
    uint8_t *work = (uint8_t *)malloc(wcap);
    rp_envelope_opened r;
    if (work == NULL) return RP_E_NOMEM;
    int rc = (envelope & RS_ANY)
                 ? rp_envelope_open_any(&cx, envelope & ~RS_ANY, pkt, len, out, cap, work, wcap,
                                        &r, err, detail)
                 : rp_envelope_open(&cx, envelope, pkt, len, out, cap, work, wcap, &r, err,
                                    detail);
    free(work);
    if (out_len != NULL) *out_len = rc == 0 ? r.len : 0;
    if (res != NULL) *res = r;
    return rc;
}

#endif /* RESIDUE_SEAL_H */
