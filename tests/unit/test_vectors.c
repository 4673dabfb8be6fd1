/* The real server's captures (../shared/vectors/<scenario>/index.json), step by step, through
 * the generic envelope engine with residue's generated tables (residue_protocol):
 *   - the wire file is what index.json says (length, SHA-256, trailing delimiter), framed by
 *     the spec's port framing (which is RESIDUE_SESSION_DELIM on both ports);
 *   - classification by shape names its envelope as index.json's `envelope` field does,
 *     the receiver's rule over every envelope its peer may send it (c2s: a join envelope,
 *     else JSON, else RSA when the server has a key, else raw text; s2c: join, JSON,
 *     base64);
 *   - opening it with the recorded keys yields exactly the recorded plaintext (for compressed
 *     logs also the AES-plaintext and zlib layers; the gzip one is refused);
 *   - every client->server AES packet is reproduced by sealing the recorded plaintext (or
 *     aes-plain.txt) with the recorded key and IV. Our output is canonical (lowercase IV,
 *     unwrapped base64), so a Java-style capture (uppercase IV, base64 wrapped with '\n')
 *     cannot be reproduced byte for byte: it is compared after normalising exactly those
 *     two things (IV lowercased, '\n' removed from the base64), and its decrypted content is
 *     asserted separately. The summary counts exact and normalised matches apart;
 *   - every RSA plaintext sealed by us to the matching public key opens again with the
 *     recorded private key (our CONNECT to B's 8192-bit server key, hellos to the client key).
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "residue_profiles.h"
#include "rp_codec.h"
#include "residue_session.h"
#include "rp_frame.h"
#include "rp_zlib.h"
#include "support/residue_seal.h"
#include "support/vec_support.h"

#define BIT RESIDUE_ENVELOPE_BIT

typedef struct tally {
    size_t steps, classified, opened, plain, raw, rsa, aes_c2s, aes_s2c, zlib_layers,
        gzip_refused, resealed_exact, resealed_normalised, rsa_resealed, recompressed_same,
        recompress_tried;
} tally;

typedef struct scenario {
    const char *dir;
    rp_rsa_key *client_priv, *client_pub, *server_priv, *server_pub;
} scenario;

static char *read_rel(const scenario *sc, const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", sc->dir, rel);
    char *d = vec_read_file(path, len);
    ck_assert_msg(d != NULL, "cannot read %s", path);
    return d;
}

static rp_rsa_key *try_key(const char *dir, const char *rel, int priv)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    fclose(f);
    rp_rsa_key *k = NULL;
    rp_error err;
    int rc = priv ? rp_rsa_key_load_private_file(path, NULL, &k, &err)
                  : rp_rsa_key_load_public_file(path, &k, &err);
    ck_assert_msg(rc == 0, "%s: %s", path, err.message);
    return k;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    ck_assert_int_eq(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL), 1);
    ck_assert_uint_eq(n, 32);
    ck_assert_int_eq(rp_hex_encode(md, 32, RP_HEX_LOWER, out, 65, NULL, NULL), 0);
}

static void expect_bytes(const char *what, const char *file, const char *got, size_t gl,
                         const char *want, size_t wl)
{
    ck_assert_msg(gl == wl && memcmp(got, want, gl) == 0,
                  "%s: %s differs (%zu bytes, expected %zu)", file, what, gl, wl);
}

/* The canonical form of a captured c2s AES packet: IV lowercased, '\n' dropped. Returns
 * 1 when anything had to change. */
static int normalise(const char *in, size_t len, char *out, size_t *out_len)
{
    size_t o = 0;
    int changed = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (i < 32 && isupper((unsigned char)c)) {
            c = (char)tolower((unsigned char)c);
            changed = 1;
        }
        if (c == '\n') {
            changed = 1;
            continue;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    *out_len = o;
    return changed;
}

/* index.json's name for the envelope a receiver tells pkt to be, by shape alone, over every
 * envelope its peer may send it on either port (rp_envelope_classify): c2s join > json >
 * anything (RSA, only when the server has a key: else raw text); s2c join > json > base64. */
static const char *kind_name(int c2s, const char *pkt, size_t len, int has_server_key)
{
    unsigned from = c2s ? RESIDUE_PEER_CLIENT : RESIDUE_PEER_SERVER;
    uint32_t mask = rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_CONNECT, from) |
                    rp_protocol_envelopes(&residue_protocol, RESIDUE_PORT_LOGGING, from);
    uint32_t m = rp_envelope_classify(&residue_protocol, mask, pkt, len);
    if (m & (BIT(RESIDUE_ENVELOPE_AES_FROM_CLIENT) | BIT(RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT)))
        return "aes-client-id";
    if (m & BIT(RESIDUE_ENVELOPE_AES_TO_CLIENT)) return "aes-no-client-id";
    if (m & BIT(RESIDUE_ENVELOPE_PLAIN)) return "plain";
    if (m & BIT(RESIDUE_ENVELOPE_RSA_TO_CLIENT)) return "rsa";
    if ((m & BIT(RESIDUE_ENVELOPE_RSA_TO_SERVER)) && has_server_key) return "rsa";
    return "raw-text";
}

static void check_rsa_step(const scenario *sc, const vec_json *st, const char *file,
                           const char *payload, size_t pl, const char *plain, size_t plen,
                           tally *t)
{
    const char *dref = vec_json_str(st, "decrypt_key_ref");
    ck_assert_ptr_nonnull(dref);
    int to_server = strcmp(dref, "keys/server-private.pem") == 0;
    rp_rsa_key *priv = to_server ? sc->server_priv : sc->client_priv;
    rp_rsa_key *pub = to_server ? sc->server_pub : sc->client_pub;
    ck_assert_msg(priv != NULL && pub != NULL, "%s: keys for %s missing", file, dref);
    unsigned env = to_server ? RESIDUE_ENVELOPE_RSA_TO_SERVER : RESIDUE_ENVELOPE_RSA_TO_CLIENT;
    rs_keys open_k = {.server = priv, .client = priv};
    rs_keys seal_k = {.server = pub, .client = pub};
    char out[2048];
    size_t ol = 0;
    rp_error err, detail;
    int rc = rs_open(&open_k, env, payload, pl, out, sizeof out, &ol, NULL, &err, &detail);
    ck_assert_msg(rc == 0, "%s: open rsa: %s", file, detail.message);
    expect_bytes("RSA plaintext", file, out, ol, plain, plen);
    /* sealed by us to the same public key, it opens again */
    char sealed[4096];
    size_t sl = 0;
    ck_assert_int_eq(rs_seal(&seal_k, env, plain, plen, sealed, sizeof sealed, &sl, NULL), 0);
    ck_assert_uint_eq(sl, pl); /* same modulus => same base64 length as the capture */
    ck_assert_int_eq(rs_open(&open_k, env, sealed, sl, out, sizeof out, &ol, NULL, NULL, NULL), 0);
    expect_bytes("re-sealed RSA plaintext", file, out, ol, plain, plen);
    t->rsa++;
    t->rsa_resealed++;
}

static void check_aes_step(const scenario *sc, const vec_json *st, const char *file, int c2s,
                           const char *payload, size_t pl, const char *plain, size_t plen,
                           tally *t)
{
    const char *kref = vec_json_str(st, "key_ref"), *iv_hex = vec_json_str(st, "iv_hex");
    const char *comp = vec_json_str(st, "compression");
    ck_assert_msg(kref && iv_hex && comp, "%s: key_ref/iv_hex/compression missing", file);
    size_t khl;
    char *khex = read_rel(sc, kref, &khl);
    rp_aes_key key;
    ck_assert_int_eq(rp_aes_key_from_hex(&key, khex, khl, NULL), 0);
    free(khex);
    /* the IV exactly as on the wire */
    ck_assert_uint_eq(strlen(iv_hex), 32);
    ck_assert_int_eq(strncmp(payload, iv_hex, 32), 0);

    uint8_t iv[16];
    ck_assert_int_eq(rp_hex_decode(iv_hex, 32, iv, sizeof iv, NULL, NULL), 0);

    /* opened whole, as its receiver opens it (compressed logs: to the inflated JSON) */
    bool zlib = strcmp(comp, "none") != 0;
    unsigned env = !c2s ? RESIDUE_ENVELOPE_AES_TO_CLIENT
                   : zlib ? RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT
                          : RESIDUE_ENVELOPE_AES_FROM_CLIENT;
    rs_keys k = {.session = &key};
    size_t cap = (pl > plen ? pl : plen) + 64;
    char *json = malloc(cap);
    size_t jl = 0;
    rp_envelope_opened res;
    rp_error err, detail;
    memset(&detail, 0, sizeof detail);
    int rc = rs_open(&k, env, payload, pl, json, cap, &jl, &res, &err, &detail);

    /* what was AES-encrypted: the JSON, or for compressed logs the base64 text */
    const char *sealed_text = plain;
    size_t sealed_len = plen;
    char *ap = NULL;
    if (!zlib) {
        ck_assert_msg(rc == 0, "%s: open aes: %s", file, detail.message);
        expect_bytes("AES plaintext", file, json, jl, plain, plen);
    } else {
        const char *apf = vec_json_str(st, "aes_plaintext_file");
        const char *cf = vec_json_str(st, "compressed_file");
        ck_assert_msg(apf && cf, "%s: compressed layers missing in index", file);
        size_t apl, cl;
        ap = read_rel(sc, apf, &apl);
        char *cz = read_rel(sc, cf, &cl);
        /* the layers alone: base64 -> the compressed file (re-sealing aes-plain.txt below
         * with the recorded key and IV gives the captured bytes, so it is the AES plaintext) */
        uint8_t *z = malloc(RP_BASE64_DECODED_MAX(apl) + 1);
        size_t zl = 0;
        ck_assert_int_eq(rp_base64_decode(ap, apl, RP_BASE64_LENIENT, z, RP_BASE64_DECODED_MAX(apl) + 1, &zl, NULL), 0);
        expect_bytes("compressed layer", file, (const char *)z, zl, cz, cl);
        char *inflated = malloc(plen + 64);
        size_t il = 0;
        if (strcmp(comp, "zlib") == 0) {
            /* the zlib layer inflates to the JSON, standalone and through the envelope */
            ck_assert_int_eq(rp_zlib_inflate(z, zl, (uint8_t *)inflated, plen, &il, NULL), 0);
            expect_bytes("inflated JSON", file, inflated, il, plain, plen);
            ck_assert_msg(rc == 0, "%s: open aes_zlib_from_client: %s", file, detail.message);
            expect_bytes("aes_zlib_from_client JSON", file, json, jl, plain, plen);
            /* informational: does our zlib at the default level reproduce the client's? */
            size_t zcap = rp_zlib_deflate_bound(plen), agz = 0, agl = 0;
            uint8_t *again_z = malloc(zcap);
            char *again = malloc(RP_BASE64_ENCODED_LEN(zcap) + 1);
            ck_assert_int_eq(rp_zlib_deflate((const uint8_t *)plain, plen, RP_ZLIB_DEFAULT_LEVEL, again_z, zcap, &agz, NULL), 0);
            ck_assert_int_eq(rp_base64_encode(again_z, agz, again, RP_BASE64_ENCODED_LEN(zcap) + 1, &agl, NULL), 0);
            t->recompress_tried++;
            if (agl == apl && memcmp(again, ap, apl) == 0) t->recompressed_same++;
            free(again);
            free(again_z);
            t->zlib_layers++;
        } else {
            ck_assert_str_eq(comp, "gzip");
            rp_error zerr;
            ck_assert_int_eq(rp_zlib_inflate(z, zl, (uint8_t *)inflated, plen + 64, &il, &zerr), RP_E_ZLIB);
            ck_assert_int_eq(rc, RP_E_DECRYPT);
            ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
            ck_assert_int_eq(detail.code, RP_E_ZLIB);
            t->gzip_refused++;
        }
        free(inflated);
        free(z);
        free(cz);
        sealed_text = ap;
        sealed_len = apl;
    }

    if (c2s) {
        /* re-seal with the recorded key, IV and the packet's client id (what an open
         * reports), through aes_from_client (for compressed logs: aes-plain.txt) */
        char id[256];
        const char *colon = memchr(payload + 33, ':', pl - 33);
        ck_assert_ptr_nonnull(colon);
        ck_assert_uint_lt((size_t)(colon - payload) - 33, sizeof id);
        memcpy(id, payload + 33, (size_t)(colon - payload) - 33);
        id[colon - payload - 33] = '\0';
        if (rc == 0) {
            ck_assert_uint_eq(res.id_len, strlen(id));
            ck_assert_int_eq(memcmp(res.id, id, res.id_len), 0);
        }
        rs_keys sk = {.session = &key, .id = id, .iv = iv};
        size_t scap = rs_sealed_max(&sk, RESIDUE_ENVELOPE_AES_FROM_CLIENT, sealed_len);
        char *mine = malloc(scap);
        size_t ml = 0;
        ck_assert_int_eq(rs_seal(&sk, RESIDUE_ENVELOPE_AES_FROM_CLIENT, sealed_text, sealed_len, mine, scap, &ml, NULL), 0);
        char *norm = malloc(pl + 1);
        size_t nl = 0;
        int changed = normalise(payload, pl, norm, &nl);
        ck_assert_msg(ml == nl && memcmp(mine, norm, nl) == 0,
                      "%s: re-sealed packet differs from the capture%s", file,
                      changed ? " (after normalising IV case and line breaks)" : "");
        if (changed)
            t->resealed_normalised++;
        else
            t->resealed_exact++;
        free(norm);
        free(mine);
        t->aes_c2s++;
    } else {
        /* server -> client: re-sealed with the recorded IV, the captured bytes */
        rs_keys sk = {.session = &key, .iv = iv};
        size_t scap = rs_sealed_max(&sk, RESIDUE_ENVELOPE_AES_TO_CLIENT, plen), ml = 0;
        char *mine = malloc(scap);
        ck_assert_int_eq(rs_seal(&sk, RESIDUE_ENVELOPE_AES_TO_CLIENT, plain, plen, mine, scap, &ml, NULL), 0);
        expect_bytes("re-sealed s2c AES packet", file, mine, ml, payload, pl);
        free(mine);
        t->aes_s2c++;
    }
    free(ap);
    free(json);
    rp_aes_key_wipe(&key);
}

static void check_step(const scenario *sc, const vec_json *st, int has_server_key, tally *t)
{
    const char *file = vec_json_str(st, "file"), *dir = vec_json_str(st, "direction");
    const char *envk = vec_json_str(st, "envelope"), *pf = vec_json_str(st, "plaintext_file");
    ck_assert_msg(file && dir && envk && pf, "step without file/direction/envelope/plaintext");
    size_t wl, plen;
    char *wire = read_rel(sc, file, &wl);
    char *plain = read_rel(sc, pf, &plen);

    /* the wire file is the one index.json describes */
    const vec_json *wlen = vec_json_get(st, "wire_length");
    ck_assert_ptr_nonnull(wlen);
    ck_assert_uint_eq((size_t)wlen->num, wl);
    char sha[65];
    sha256_hex(wire, wl, sha);
    ck_assert_msg(strcmp(sha, vec_json_str(st, "wire_sha256")) == 0, "%s: sha256 differs", file);
    const vec_json *plen_j = vec_json_get(st, "plaintext_length");
    if (plen_j != NULL) ck_assert_uint_eq((size_t)plen_j->num, plen);

    /* exactly one packet: the framer gives the payload back */
    uint8_t fbuf[RP_FRAMER_BUFFER_SIZE(8192, RP_FRAMING_MAX_OVERHEAD)];
    rp_framer f;
    ck_assert_int_eq(rp_framer_init(&f, &residue_framing, fbuf, sizeof fbuf, 8192, NULL), 0);
    size_t used = 0;
    ck_assert_int_eq(rp_framer_push(&f, (const uint8_t *)wire, wl, &used, NULL), 0);
    ck_assert_uint_eq(used, wl);
    const uint8_t *pkt;
    size_t pl;
    ck_assert_int_eq(rp_framer_pop(&f, &pkt, &pl), 1);
    ck_assert_uint_eq(pl + 4, wl);
    ck_assert_int_eq(rp_framer_pop(&f, &pkt, &pl), 0);
    ck_assert_uint_eq(rp_framer_pending(&f), 0);
    const char *payload = (const char *)pkt;

    /* classifier */
    int c2s = strcmp(dir, "c2s") == 0;
    const char *k = kind_name(c2s, payload, pl, has_server_key);
    ck_assert_msg(strcmp(k, envk) == 0, "%s/%s: classified %s, index says %s", sc->dir, file, k,
                  envk);
    t->classified++;

    if (strcmp(envk, "plain") == 0) {
        expect_bytes("plain payload", file, payload, pl, plain, plen);
        char out[8192];
        size_t ol;
        rs_keys none = {0};
        ck_assert_int_eq(rs_seal(&none, RESIDUE_ENVELOPE_PLAIN, plain, plen, out, sizeof out, &ol, NULL), 0);
        expect_bytes("sealed plain", file, out, ol, payload, pl);
        /* and framed for the wire by the port's framing: the captured file */
        uint8_t framed[8192 + RP_FRAMING_MAX_OVERHEAD];
        size_t fl = 0;
        unsigned port = strcmp(vec_json_str(st, "port_role"), "connect") == 0 ? RESIDUE_PORT_CONNECT
                                                                               : RESIDUE_PORT_LOGGING;
        ck_assert_int_eq(rp_frame_write(&residue_protocol.ports[port - 1].framing, (const uint8_t *)out, ol,
                                        framed, sizeof framed, &fl, NULL), 0);
        expect_bytes("framed plain", file, (const char *)framed, fl, wire, wl);
        t->plain++;
    } else if (strcmp(envk, "raw-text") == 0) {
        expect_bytes("raw payload", file, payload, pl, plain, plen);
        t->raw++;
    } else if (strcmp(envk, "rsa") == 0) {
        check_rsa_step(sc, st, file, payload, pl, plain, plen, t);
    } else if (strcmp(envk, "aes-client-id") == 0 || strcmp(envk, "aes-no-client-id") == 0) {
        check_aes_step(sc, st, file, c2s, payload, pl, plain, plen, t);
    } else {
        ck_abort_msg("%s: unknown envelope kind %s", file, envk);
    }
    t->opened++;
    t->steps++;
    free(wire);
    free(plain);
}

START_TEST(every_captured_step)
{
    char *dirs[32];
    size_t nd = vec_scenarios(dirs, 32);
    ck_assert_msg(nd >= 5, "expected the 5 scenarios of ../shared/vectors, found %zu", nd);
    tally total;
    memset(&total, 0, sizeof total);
    size_t index_steps = 0;
    for (size_t d = 0; d < nd; d++) {
        scenario sc = {dirs[d], NULL, NULL, NULL, NULL};
        sc.client_priv = try_key(sc.dir, "keys/client-private.pem", 1);
        sc.client_pub = try_key(sc.dir, "keys/client-public.pem", 0);
        sc.server_priv = try_key(sc.dir, "keys/server-private.pem", 1);
        sc.server_pub = try_key(sc.dir, "keys/server-public.pem", 0);
        size_t il;
        char *idx = read_rel(&sc, "index.json", &il);
        char perr[128];
        vec_json *root = vec_json_parse(idx, il, perr, sizeof perr);
        ck_assert_msg(root != NULL, "%s/index.json: %s", sc.dir, perr);
        const vec_json *steps = vec_json_get(root, "steps");
        ck_assert_ptr_nonnull(steps);
        ck_assert_uint_gt(vec_json_count(steps), 0);
        index_steps += vec_json_count(steps);
        tally t;
        memset(&t, 0, sizeof t);
        for (const vec_json *st = steps->child; st != NULL; st = st->next)
            check_step(&sc, st, sc.server_priv != NULL, &t);
        ck_assert_uint_eq(t.steps, vec_json_count(steps));
        printf("vectors: %-16s %2zu steps ok: plain %zu, raw %zu, rsa %zu, aes c2s %zu "
               "(re-sealed exact %zu, normalised %zu), aes s2c %zu, zlib layers %zu, gzip "
               "refused %zu\n",
               strrchr(sc.dir, '/') + 1, t.steps, t.plain, t.raw, t.rsa, t.aes_c2s,
               t.resealed_exact, t.resealed_normalised, t.aes_s2c, t.zlib_layers,
               t.gzip_refused);
        size_t *a = (size_t *)&total, *b = (size_t *)&t;
        for (size_t i = 0; i < sizeof t / sizeof(size_t); i++) a[i] += b[i];
        vec_json_free(root);
        free(idx);
        rp_rsa_key_free(sc.client_priv);
        rp_rsa_key_free(sc.client_pub);
        rp_rsa_key_free(sc.server_priv);
        rp_rsa_key_free(sc.server_pub);
        free(dirs[d]);
    }
    ck_assert_uint_eq(total.steps, index_steps);
    ck_assert_uint_eq(total.classified, index_steps);
    ck_assert_uint_eq(total.opened, index_steps);
    ck_assert_uint_eq(total.aes_c2s, total.resealed_exact + total.resealed_normalised);
    ck_assert_uint_ge(total.resealed_normalised, 2); /* the two Java-style packets of G */
    ck_assert_uint_eq(total.gzip_refused, 1);
    printf("vectors: TOTAL %zu scenarios, %zu steps: all classified as index.json says and "
           "opened to the recorded plaintext; plain %zu, raw-text %zu, rsa %zu (each also "
           "re-sealed by us and re-opened), aes c2s %zu re-sealed to the captured bytes (%zu "
           "exact, %zu after normalising Java's uppercase IV / wrapped base64), aes s2c %zu, "
           "zlib layers checked %zu, gzip refused %zu; informational: our zlib at the default "
           "level reproduced %zu of %zu captured zlib streams\n",
           nd, total.steps, total.plain, total.raw, total.rsa, total.aes_c2s,
           total.resealed_exact, total.resealed_normalised, total.aes_s2c, total.zlib_layers,
           total.gzip_refused, total.recompressed_same, total.recompress_tried);
    fflush(stdout);
}
END_TEST

/* The framing residue's code uses (residue_framing, RESIDUE_SESSION_DELIM) is the spec's port
 * table: both ports end every packet with "\r\n\r\n" and allow a 1 MiB payload. */
START_TEST(framing_is_the_port_table)
{
    ck_assert_ptr_eq(&residue_framing, &residue_protocol.ports[RESIDUE_PORT_CONNECT - 1].framing);
    for (unsigned port = RESIDUE_PORT_CONNECT; port <= RESIDUE_PORT_LOGGING; port++) {
        const rp_port_desc *pd = &residue_protocol.ports[port - 1];
        ck_assert_int_eq(pd->framing.kind, RP_FRAMING_DELIMITER);
        ck_assert_uint_eq(pd->framing.delim_len, RESIDUE_SESSION_DELIM_LEN);
        ck_assert_int_eq(memcmp(pd->framing.delim, RESIDUE_SESSION_DELIM, RESIDUE_SESSION_DELIM_LEN), 0);
        ck_assert_uint_eq(rp_framing_overhead(&pd->framing), 4);
        ck_assert_uint_eq(pd->max_packet, 1024u * 1024u);
    }
    ck_assert_uint_eq(residue_protocol.port_count, 2);
}
END_TEST

static Suite *vectors_suite(void)
{
    Suite *s = suite_create("vectors");
    TCase *tc = tcase_create("captures");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_captured_step);
    tcase_add_test(tc, framing_is_the_port_table);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vectors_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
