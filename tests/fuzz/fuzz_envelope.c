/* fuzz_envelope: classification and opening of every envelope kind, as a peer receives them,
 * through the residue-specific API (residue_envelope.h) and through the generic engine
 * (rp_envelope.h) with residue's tables (tests/unit/support/residue_tables.h) and a table of
 * other compositions (hex(aes) with the IV prepended, base64(zlib), join("::", id, hex(iv),
 * base64(aes)), hex(rsa)).
 *
 * The input is one packet (delimiter already removed). Keys are the ones of the capture
 * ../shared/vectors/A-unknown-plain (its session key and client RSA key), so the seeds built
 * from that capture really decrypt and mutations explore the paths behind decryption too.
 *
 * Invariants:
 *  - classification follows the documented rules (the AES rule exactly);
 *  - a parsed AES envelope's parts lie inside the packet and are what the rule says;
 *  - UNIFORM ERRORS: every failure to open an encrypted envelope is RP_E_DECRYPT with the
 *    fixed public message and no offset, whatever went wrong (no padding oracle);
 *  - whatever opens, re-sealed with the same IV and id, opens to the same plaintext;
 *  - plain sealing refuses exactly the payloads that contain the delimiter;
 *  - engine: open_any never crashes, refuses with RP_E_ENVELOPE exactly when no envelope of
 *    the set has the packet's shape, is uniform whenever the shape-matched set encrypts,
 *    and its plaintext is NUL-terminated inside the buffer; whatever opens, sealed again by
 *    the engine (a fixed IV) opens as the same envelope to the same plaintext.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "residue_envelope.h"
#include "rp_envelope.h"
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

static void reseal_c2s(const rp_aes_key *key, const residue_aes_envelope *env, const char *plain,
                       size_t pl)
{
    size_t cap = RESIDUE_ENVELOPE_AES_C2S_SIZE(env->client_id_len, pl);
    char *w = malloc(cap);
    char *back = malloc(cap);
    size_t wl = 0, bl = 0;
    FUZZ_CHECK(w && back);
    FUZZ_CHECK(residue_envelope_seal_aes_c2s(key, env->iv, env->client_id, env->client_id_len, plain,
                                        pl, w, cap, &wl, NULL) == 0);
    FUZZ_CHECK(wl + 1 <= cap && w[wl] == '\0');
    FUZZ_CHECK(residue_envelope_open_aes_c2s(key, w, wl, back, cap, &bl, NULL, NULL) == 0);
    FUZZ_CHECK(bl == pl && memcmp(back, plain, pl) == 0);
    free(w);
    free(back);
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
static const rp_envelope_desc fz_envs[] = {
    { "hexaes", fz_hexaes, 3 }, { "zb64", fz_zb64, 3 }, { "joined", fz_joined, 4 },
    { "hexrsa", fz_hexrsa, 3 },
};
static const rp_key_desc fz_keydescs[] = { { "dev", RP_KEY_AES, 0, 7 }, { "node", RP_KEY_RSA, 2, 0 } };
static const rp_protocol fz_other = { "other", { "a", "b" }, NULL, 0, fz_keydescs, 2, fz_envs, 4, NULL, 0 };

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
    size_t ol = 0;
    rp_error err, detail;

    /* ---- classification ---- */
    const char *colon = memchr(pkt, ':', size);
    bool aes_rule = size > 33 && colon == pkt + 32;
    residue_envelope_kind k1 = residue_envelope_classify_c2s(pkt, size, true);
    residue_envelope_kind k0 = residue_envelope_classify_c2s(pkt, size, false);
    FUZZ_CHECK((k1 == RESIDUE_KIND_AES_CLIENT_ID) == aes_rule);
    FUZZ_CHECK((k0 == RESIDUE_KIND_AES_CLIENT_ID) == aes_rule);
    FUZZ_CHECK(k0 != RESIDUE_KIND_RSA && k1 != RESIDUE_KIND_RAW_TEXT);
    FUZZ_CHECK(k1 != RESIDUE_KIND_AES_NO_CLIENT_ID && k0 != RESIDUE_KIND_AES_NO_CLIENT_ID);
    if (!aes_rule) FUZZ_CHECK((k0 == RESIDUE_KIND_PLAIN) == first_nonspace_is(pkt, size, "{["));
    residue_envelope_kind ks = residue_envelope_classify_s2c(pkt, size);
    FUZZ_CHECK(ks != RESIDUE_KIND_AES_CLIENT_ID);
    FUZZ_CHECK((ks == RESIDUE_KIND_PLAIN) == first_nonspace_is(pkt, size, "{"));
    FUZZ_CHECK(strlen(residue_envelope_kind_name(k1)) > 0);

    /* ---- AES client -> server ---- */
    residue_aes_envelope env;
    int pr = residue_envelope_parse_aes_c2s(pkt, size, &env, &err);
    if (pr == 0) {
        FUZZ_CHECK(aes_rule);
        FUZZ_CHECK(env.client_id == pkt + 33 && env.client_id_len > 0);
        FUZZ_CHECK(memchr(env.client_id, ':', env.client_id_len) == NULL);
        FUZZ_CHECK(pkt[33 + env.client_id_len] == ':');
        FUZZ_CHECK(env.payload == pkt + 34 + env.client_id_len);
        FUZZ_CHECK(env.payload + env.payload_len == pkt + size);
        int orc = residue_envelope_open_aes(&key, &env, out, cap, &ol, &err, &detail);
        if (orc == 0) {
            FUZZ_CHECK(ol < cap && out[ol] == '\0' && ol <= env.payload_len);
            reseal_c2s(&key, &env, out, ol);
        } else {
            check_uniform(orc, &err);
        }
        /* compressed log: bounded by cap - 1 whatever the stream says */
        size_t zcap = 4096;
        char *z = malloc(zcap);
        FUZZ_CHECK(z != NULL);
        int zr = residue_envelope_open_log_zlib(&key, &env, z, zcap, &ol, &err, &detail);
        if (zr == 0) FUZZ_CHECK(ol < zcap && z[ol] == '\0');
        else check_uniform(zr, &err);
        free(z);
    } else {
        FUZZ_CHECK(pr == RP_E_ENVELOPE && err.code == RP_E_ENVELOPE);
    }
    int oc = residue_envelope_open_aes_c2s(&key, pkt, size, out, cap, &ol, &err, &detail);
    if (oc != 0) check_uniform(oc, &err);
    else FUZZ_CHECK(pr == 0);

    /* ---- AES server -> client ---- */
    int sr = residue_envelope_parse_aes_s2c(pkt, size, &env, &err);
    if (sr == 0) {
        FUZZ_CHECK(size > 33 && pkt[32] == ':' && env.payload == pkt + 33 &&
                   env.payload_len == size - 33);
    } else {
        FUZZ_CHECK(sr == RP_E_ENVELOPE);
    }
    int os = residue_envelope_open_aes_s2c(&key, pkt, size, out, cap, &ol, &err, &detail);
    if (os == 0) FUZZ_CHECK(sr == 0 && ol < cap);
    else check_uniform(os, &err);

    /* ---- RSA ---- */
    rp_rsa_key *rk = rsa_key();
    if (rk != NULL) {
        size_t rcap = rp_rsa_max_plaintext(rk) + 1;
        char *r = malloc(rcap);
        FUZZ_CHECK(r != NULL);
        int rr = residue_envelope_open_rsa(rk, pkt, size, r, rcap, &ol, &err, &detail);
        if (rr == 0) FUZZ_CHECK(ol < rcap && r[ol] == '\0');
        else check_uniform(rr, &err);
        free(r);
    }

    /* ---- decompression of an (already decrypted) compressed log ---- */
    int dr = residue_envelope_decompress_log(pkt, size, out, cap, &ol, &err);
    if (dr == 0) FUZZ_CHECK(ol < cap && out[ol] == '\0');
    else FUZZ_CHECK(dr == RP_E_ZLIB || dr == RP_E_ZLIB_BOUND);

    /* ---- plain ---- */
    bool has_delim = false;
    for (size_t i = 0; i + 4 <= size && !has_delim; i++) has_delim = memcmp(pkt + i, "\r\n\r\n", 4) == 0;
    int pl = residue_envelope_seal_plain(pkt, size, out, cap, &ol, NULL);
    FUZZ_CHECK(has_delim ? pl == RP_E_ARGUMENT : (pl == 0 && ol == size));

    engine_all(pkt, size, &key);

    rp_aes_key_wipe(&key);
    free(out);
    return 0;
}
