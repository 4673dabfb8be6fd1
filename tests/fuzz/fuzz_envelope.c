/* fuzz_envelope: classification and opening of every envelope, as a peer receives them,
 * through the generic engine (rp_envelope.h) with residue's generated tables
 * (tests/unit/support/residue_tables.h) and a table of other compositions (hex(aes) with the
 * IV prepended, base64(zlib), join("::", id, hex(iv), base64(aes)), hex(rsa),
 * base64_lenient(zlib)), and the port framing of residue's packets.
 *
 * The input is one packet (delimiter already removed). Keys are the ones of the capture
 * ../shared/vectors/A-unknown-plain (its session key and client RSA key), so the seeds built
 * from that capture really decrypt and mutations explore the paths behind decryption too.
 *
 * Invariants:
 *  - classification follows the server's and the client's rules (the AES rule exactly: first
 *    ':' at offset 32 after 32 hex digits, and more than 33 bytes; else JSON is plain (also
 *    JSON whose first ':' is at 32, which the real server misreads); else "anything" is RSA on
 *    the connect port; replies: join, JSON, base64);
 *  - an opened AES envelope's id lies inside the packet where the rule says;
 *  - UNIFORM ERRORS: every failure to open an encrypted envelope is RP_E_DECRYPT with the
 *    fixed public message and no offset, whatever went wrong (no padding oracle);
 *  - whatever opens, re-sealed with the same IV and id, is the same packet up to the IV's
 *    case and line breaks, and opens to the same plaintext;
 *  - a compressed log inflates to at most the caller's buffer;
 *  - the port framing refuses exactly the payloads that would end the packet early;
 *  - engine: open_any never crashes, refuses with RP_E_ENVELOPE exactly when no envelope of
 *    the set has the packet's shape, is uniform whenever the shape-matched set encrypts,
 *    and its plaintext is NUL-terminated inside the buffer; whatever opens, sealed again by
 *    the engine (a fixed IV) opens as the same envelope to the same plaintext.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "rp_codec.h"
#include "rp_crypto.h"
#include "rp_envelope.h"
#include "rp_frame.h"
#include "../unit/support/residue_tables.h"

#define KEY_HEX "EC576947A59AB8625B432CE26F4C9DE6CB0023333C1F572371FF7A21DC24247D"
#define RSA_KEY_PATH "../shared/vectors/A-unknown-plain/keys/client-private.pem"

static rp_rsa_key *rsa_key(void)
{
    static int loaded;
    static rp_rsa_key *key;
    if (!loaded) {
        loaded = 1;
        if (rp_rsa_key_load_private_file(RSA_KEY_PATH, NULL, &key, NULL) != 0) {
            fprintf(stderr, "fuzz_envelope: %s not readable, RSA opening not fuzzed\n",
                    RSA_KEY_PATH);
            key = NULL;
        }
    }
    return key;
}

static void check_uniform(int rc, const rp_error *err)
{
    FUZZ_CHECK(rc == RP_E_DECRYPT);
    FUZZ_CHECK(err->code == RP_E_DECRYPT);
    FUZZ_CHECK(strcmp(err->message, RP_DECRYPT_PUBLIC_MESSAGE) == 0);
    FUZZ_CHECK(err->offset == SIZE_MAX);
}

static bool first_nonspace_is(const char *p, size_t len, const char *set)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') continue;
        return strchr(set, p[i]) != NULL && p[i] != '\0';
    }
    return false;
}

/* ---- the generic engine ------------------------------------------------------------------ */

static rp_rsa_key *rsa_pub(void)
{
    static int loaded;
    static rp_rsa_key *key;
    if (!loaded) {
        loaded = 1;
        if (rp_rsa_key_load_public_file("../shared/vectors/A-unknown-plain/keys/client-public.pem",
                                        &key, NULL) != 0)
            key = NULL;
    }
    return key;
}

#define CLIENT_ID "iomjhtvrmyqdfqxu"

typedef struct fz_keys {
    const rp_aes_key *aes;
} fz_keys;

/* Every RSA key is the capture's client pair; the AES key is known by CLIENT_ID (and, for
 * the other table, by "dev-1"). */
static int fz_lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                     rp_key_value *out, size_t cap)
{
    fz_keys *k = ctx;
    (void)cap;
    memset(out, 0, sizeof *out);
    out->rsa = use == RP_KEY_OPEN ? rsa_key() : rsa_pub();
    out->aes = k->aes;
    out->id = key == KEY_SESSION ? CLIENT_ID : "dev-1";
    out->id_len = strlen(out->id);
    if (id != NULL && (id_len != out->id_len || memcmp(id, out->id, id_len) != 0)) return 0;
    return (out->rsa != NULL || out->aes != NULL) ? 1 : 0;
}

typedef struct fixed_iv {
    uint8_t iv[16];
} fixed_iv;

static int fz_fixed_iv(void *ctx, uint8_t *out, size_t len)
{
    const fixed_iv *f = ctx;
    for (size_t i = 0; i < len; i++) out[i] = f->iv[i % 16];
    return 0;
}

static int fz_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) out[i] = (uint8_t)(0xa5 ^ i);
    return 0;
}

static const rp_join_part fz_parts[] = { { RP_JOIN_ID, 0 }, { RP_JOIN_IV_HEX, 0 }, { RP_JOIN_PAYLOAD, 0 } };
static const rp_layer_desc fz_hexaes[] = { { &rp_layer_hex, 0, NULL, 0, NULL, 0 },
                                           { &rp_layer_aes, 0, NULL, 0, NULL, 0 },
                                           { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_layer_desc fz_zb64[] = { { &rp_layer_base64, 0, NULL, 0, NULL, 0 },
                                         { &rp_layer_zlib, 0, NULL, 0, NULL, 0 },
                                         { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_layer_desc fz_joined[] = { { &rp_layer_join, 0, "::", 2, fz_parts, 3 },
                                           { &rp_layer_base64, 0, NULL, 0, NULL, 0 },
                                           { &rp_layer_aes, 0, NULL, 0, NULL, 0 },
                                           { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_layer_desc fz_hexrsa[] = { { &rp_layer_hex, 0, NULL, 0, NULL, 0 },
                                           { &rp_layer_rsa, 1, NULL, 0, NULL, 0 },
                                           { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
/* residue's compressed log inside its AES layer: what the server inflates after decrypting */
static const rp_layer_desc fz_zlenient[] = { { &rp_layer_base64_lenient, 0, NULL, 0, NULL, 0 },
                                             { &rp_layer_zlib, 0, NULL, 0, NULL, 0 },
                                             { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_envelope_desc fz_envs[] = {
    { "hexaes", fz_hexaes, 3 }, { "zb64", fz_zb64, 3 }, { "joined", fz_joined, 4 },
    { "hexrsa", fz_hexrsa, 3 }, { "zlenient", fz_zlenient, 3 },
};
static const rp_key_desc fz_keydescs[] = { { "dev", RP_KEY_AES, 0, 7 }, { "node", RP_KEY_RSA, 2, 0 } };
static const rp_protocol fz_other = { "other", { "a", "b" }, NULL, 0, fz_keydescs, 2, fz_envs, 5, NULL, 0 };

static void engine_case(const rp_protocol *proto, uint32_t mask, const char *pkt, size_t size,
                        const rp_aes_key *key)
{
    fz_keys k = { key };
    rp_envelope_ctx cx = { proto, fz_lookup, &k, fz_rng, NULL, 0 };
    size_t cap = size + 2048 + 1; /* rsa: one block's plaintext at least */
    char *out = malloc(cap);
    uint8_t *work = malloc(cap);
    FUZZ_CHECK(out != NULL && work != NULL);
    rp_envelope_opened res;
    rp_error err, detail;
    uint32_t cls = rp_envelope_classify(proto, mask, pkt, size);
    FUZZ_CHECK((cls & ~mask) == 0);
    int rc = rp_envelope_open_any(&cx, mask, pkt, size, out, cap, work, cap, &res, &err, &detail);
    bool encrypts = false;
    for (unsigned e = 0; e < proto->envelope_count; e++)
        if ((cls & (1u << e)) && rp_envelope_encrypts(proto, e)) encrypts = true;
    if (cls == 0) {
        FUZZ_CHECK(rc == RP_E_ENVELOPE);
    } else if (rc != 0) {
        if (encrypts) check_uniform(rc, &err);
        else FUZZ_CHECK(rc == RP_E_ENVELOPE || rc == RP_E_BASE64 || rc == RP_E_HEX ||
                        rc == RP_E_ZLIB || rc == RP_E_ZLIB_BOUND);
    } else {
        FUZZ_CHECK(cls & (1u << res.envelope));
        FUZZ_CHECK(res.len < cap && out[res.len] == '\0');
        /* sealed again, it opens as the same envelope to the same text */
        unsigned e = res.envelope;
        size_t pl = res.len;
        char *plain = malloc(pl + 1);
        FUZZ_CHECK(plain != NULL);
        memcpy(plain, out, pl + 1);
        size_t smax = rp_envelope_sealed_max(proto, e, pl, 16);
        char *sealed = malloc(smax);
        uint8_t *swork = malloc(smax);
        FUZZ_CHECK(sealed != NULL && swork != NULL);
        size_t sl = 0;
        int sr = rp_envelope_seal(&cx, e, plain, pl, sealed, smax, swork, smax, &sl, &err);
        if (sr == 0) {
            FUZZ_CHECK(sl < smax && sealed[sl] == '\0');
            size_t c2 = (sl > pl ? sl : pl) + 2048 + 1;
            char *o2 = malloc(c2);
            uint8_t *w2 = malloc(c2);
            FUZZ_CHECK(o2 != NULL && w2 != NULL);
            FUZZ_CHECK(rp_envelope_open(&cx, e, sealed, sl, o2, c2, w2, c2, &res, NULL, NULL) == 0);
            FUZZ_CHECK(res.len == pl && memcmp(o2, plain, pl) == 0);
            free(o2);
            free(w2);
        } else {
            /* only a plaintext too long for one RSA block may not seal back */
            FUZZ_CHECK(sr == RP_E_TOO_LONG || sr == RP_E_DECRYPT);
        }
        free(sealed);
        free(swork);
        free(plain);
    }
    free(out);
    free(work);
}

static void engine_all(const char *pkt, size_t size, const rp_aes_key *key)
{
    static const struct { unsigned port, from; } sets[] = {
        { PORT_CONNECT, PEER_CLIENT }, { PORT_CONNECT, PEER_SERVER },
        { PORT_LOGGING, PEER_CLIENT }, { PORT_LOGGING, PEER_SERVER },
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        engine_case(&residue_tables, rp_protocol_envelopes(&residue_tables, sets[i].port, sets[i].from),
                    pkt, size, key);
    /* the other compositions: hexaes and hexrsa share their outer shape, so one at a time */
    engine_case(&fz_other, 0x7, pkt, size, key);
    engine_case(&fz_other, 0xe, pkt, size, key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *pkt = (const char *)data;
    rp_aes_key key;
    FUZZ_CHECK(rp_aes_key_from_hex(&key, KEY_HEX, 64, NULL) == 0);
    size_t cap = size + 1;
    char *out = malloc(cap);
    FUZZ_CHECK(out != NULL);
    rp_error err, detail;

    /* ---- classification: the server's and the client's rules ---- */
    /* the server's rule (reference §2.2: first ':' at offset 32, more than 33 bytes), on a
     * first part of 32 hex digits, as an IV is (JSON whose first ':' is there is JSON here) */
    const char *colon = memchr(pkt, ':', size);
    bool hex_iv = size >= 32;
    for (size_t i = 0; i < 32 && hex_iv; i++)
        hex_iv = (pkt[i] >= '0' && pkt[i] <= '9') || (pkt[i] >= 'a' && pkt[i] <= 'f') || (pkt[i] >= 'A' && pkt[i] <= 'F');
    bool aes_rule = size > 33 && colon == pkt + 32 && hex_iv;
    uint32_t cc = rp_envelope_classify(&residue_tables, rp_protocol_envelopes(&residue_tables, PORT_CONNECT, PEER_CLIENT), pkt, size);
    uint32_t lc = rp_envelope_classify(&residue_tables, rp_protocol_envelopes(&residue_tables, PORT_LOGGING, PEER_CLIENT), pkt, size);
    uint32_t sc = rp_envelope_classify(&residue_tables, rp_protocol_envelopes(&residue_tables, PORT_CONNECT, PEER_SERVER), pkt, size);
    FUZZ_CHECK((cc == BIT(ENV_AES_FROM_CLIENT)) == aes_rule);
    FUZZ_CHECK((lc == (BIT(ENV_AES_FROM_CLIENT) | BIT(ENV_AES_ZLIB_FROM_CLIENT))) == aes_rule);
    FUZZ_CHECK(lc == 0 || aes_rule);
    if (!aes_rule) {
        FUZZ_CHECK((cc == BIT(ENV_PLAIN)) == first_nonspace_is(pkt, size, "{["));
        FUZZ_CHECK(cc == BIT(ENV_PLAIN) || cc == BIT(ENV_RSA_TO_SERVER));
    }
    FUZZ_CHECK((sc == BIT(ENV_AES_TO_CLIENT)) == aes_rule);
    if (!aes_rule) FUZZ_CHECK((sc == BIT(ENV_PLAIN)) == first_nonspace_is(pkt, size, "{["));
    FUZZ_CHECK(sc == 0 || sc == BIT(ENV_PLAIN) || sc == BIT(ENV_RSA_TO_CLIENT) || sc == BIT(ENV_AES_TO_CLIENT));

    fz_keys k = { &key };
    rp_envelope_ctx cx = { &residue_tables, fz_lookup, &k, fz_rng, NULL, 0 };
    rp_envelope_opened res;

    /* ---- AES client -> server: the id where the rule says; re-sealed, the same packet ---- */
    int oc = rp_envelope_open(&cx, ENV_AES_FROM_CLIENT, pkt, size, out, cap, NULL, 0, &res, &err, &detail);
    if (oc == 0) {
        FUZZ_CHECK(aes_rule);
        FUZZ_CHECK(res.envelope == ENV_AES_FROM_CLIENT && res.len < cap && out[res.len] == '\0');
        FUZZ_CHECK(res.id == pkt + 33 && res.id_len > 0);
        FUZZ_CHECK(memchr(res.id, ':', res.id_len) == NULL && pkt[33 + res.id_len] == ':');
        uint8_t iv[16];
        FUZZ_CHECK(rp_hex_decode(pkt, 32, iv, sizeof iv, NULL, NULL) == 0);
        fixed_iv fi;
        memcpy(fi.iv, iv, 16);
        rp_envelope_ctx sx = cx;
        sx.random = fz_fixed_iv;
        sx.random_ctx = &fi;
        size_t smax = rp_envelope_sealed_max(&residue_tables, ENV_AES_FROM_CLIENT, res.len, 16);
        char *w = malloc(smax);
        uint8_t *ww = malloc(smax);
        char *back = malloc(smax);
        FUZZ_CHECK(w && ww && back);
        size_t wl = 0;
        FUZZ_CHECK(rp_envelope_seal(&sx, ENV_AES_FROM_CLIENT, out, res.len, w, smax, ww, smax, &wl, NULL) == 0);
        FUZZ_CHECK(wl + 1 <= smax && w[wl] == '\0');
        /* canonical: lowercase IV, the id, unwrapped base64 — the input up to those */
        for (size_t i = 0; i < 32; i++) FUZZ_CHECK(w[i] == (char)tolower((unsigned char)pkt[i]));
        FUZZ_CHECK(memcmp(w + 32, pkt + 32, 2 + res.id_len) == 0);
        rp_envelope_opened r2;
        FUZZ_CHECK(rp_envelope_open(&cx, ENV_AES_FROM_CLIENT, w, wl, back, smax, NULL, 0, &r2, NULL, NULL) == 0);
        FUZZ_CHECK(r2.len == res.len && memcmp(back, out, res.len) == 0);
        free(w);
        free(ww);
        free(back);
    } else {
        check_uniform(oc, &err);
    }
    /* compressed log: bounded by the caller's buffer whatever the stream says */
    {
        size_t zcap = 4096;
        char *z = malloc(zcap);
        uint8_t *zw = malloc(size + zcap + 1);
        FUZZ_CHECK(z != NULL && zw != NULL);
        int zr = rp_envelope_open(&cx, ENV_AES_ZLIB_FROM_CLIENT, pkt, size, z, size + 1 > zcap ? size + 1 : zcap,
                                  zw, size + zcap + 1, &res, &err, &detail);
        if (zr == 0) FUZZ_CHECK(res.len < (size + 1 > zcap ? size + 1 : zcap) && z[res.len] == '\0' && aes_rule);
        else check_uniform(zr, &err);
        free(z);
        free(zw);
    }

    /* ---- AES server -> client ---- */
    int os = rp_envelope_open(&cx, ENV_AES_TO_CLIENT, pkt, size, out, cap, NULL, 0, &res, &err, &detail);
    if (os == 0) FUZZ_CHECK(size > 33 && pkt[32] == ':' && res.len < cap && res.id == NULL);
    else check_uniform(os, &err);

    /* ---- RSA, both directions (strict and lenient base64) ---- */
    if (rsa_key() != NULL) {
        size_t rcap = (size > 2048 ? size : 2048) + 1;
        char *r = malloc(rcap);
        uint8_t *rw = malloc(rcap);
        FUZZ_CHECK(r != NULL && rw != NULL);
        static const unsigned rsa_envs[] = { ENV_RSA_TO_SERVER, ENV_RSA_TO_CLIENT };
        for (size_t i = 0; i < 2; i++) {
            int rr = rp_envelope_open(&cx, rsa_envs[i], pkt, size, r, rcap, rw, rcap, &res, &err, &detail);
            if (rr == 0) FUZZ_CHECK(res.len < rcap && r[res.len] == '\0');
            else check_uniform(rr, &err);
        }
        free(r);
        free(rw);
    }

    /* ---- decompression of an (already decrypted) compressed log: no encrypting layer, so
     * the real errors ---- */
    {
        uint8_t *dw = malloc(cap);
        FUZZ_CHECK(dw != NULL);
        rp_envelope_ctx dx = { &fz_other, fz_lookup, &k, fz_rng, NULL, 0 };
        int dr = rp_envelope_open(&dx, 4, pkt, size, out, cap, dw, cap, &res, &err, NULL);
        if (dr == 0) FUZZ_CHECK(res.len < cap && out[res.len] == '\0');
        else FUZZ_CHECK(dr == RP_E_ZLIB || dr == RP_E_ZLIB_BOUND || dr == RP_E_ENVELOPE);
        free(dw);
    }

    /* ---- plain: the port framing refuses exactly what would end the packet early ---- */
    {
        const rp_framing *f = &residue_tables.ports[PORT_CONNECT - 1].framing;
        size_t fcap = size + 4;
        uint8_t *fb = malloc(fcap);
        FUZZ_CHECK(fb != NULL);
        memcpy(fb, pkt, size);
        memcpy(fb + size, "\r\n\r\n", 4);
        size_t first = 0;
        while (memcmp(fb + first, "\r\n\r\n", 4) != 0) first++;
        size_t fl = 0;
        int fr = rp_frame_write(f, (const uint8_t *)pkt, size, fb, fcap, &fl, NULL);
        FUZZ_CHECK(first == size ? (fr == 0 && fl == size + 4) : fr == RP_E_ARGUMENT);
        free(fb);
    }

    engine_all(pkt, size, &key);

    rp_aes_key_wipe(&key);
    free(out);
    return 0;
}
