/* The generic envelope engine (rp_envelope.h) on residue, without the generator: hand-written
 * descriptor tables equal to what spec/residue.rproto declares (issue 11 contract §A:
 * plain, rsa_to_server, rsa_to_client, aes_from_client, aes_zlib_from_client,
 * aes_to_client, and the routes of every message), driven over every step of every scenario
 * in ../shared/vectors:
 *   - the step's port and sender give the envelope set; classification keeps the envelope
 *     index.json names (compression decides aes_from_client vs aes_zlib_from_client, which
 *     only opening tells apart);
 *   - open_any opens it with the recorded keys to exactly the recorded plaintext, and names
 *     that envelope; with a wrong key offered first, the right one (candidate 1) is taken;
 *   - the refused ones are refused as the server refuses them: the gzip log (uniform
 *     RP_E_DECRYPT, detail RP_E_ZLIB), garbage and the empty packet on the connect port
 *     (they have the "anything" shape of rsa_to_server; no server key here), the plain JSON
 *     log on the logging port (no envelope of that port has its shape);
 *   - every client->server AES packet is re-sealed to the captured bytes with the captured
 *     IV (the zlib ones through aes_from_client with their recorded AES plaintext, as
 *     test_vectors does; Java's uppercase IV and wrapped base64 compared after normalising
 *     exactly those), every server->client AES packet too, every plain one, and every RSA
 *     plaintext sealed by us to the matching public key opens again.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue.h"
#include "residue_profiles.h"
#include "rp_codec.h"
#include "rp_crypto.h"
#include "rp_envelope.h"
#include "support/residue_tables.h"
#include "support/vec_support.h"

/* ---- keys of a scenario -------------------------------------------------------------------- */

typedef struct keyring {
    rp_rsa_key *client_priv, *client_pub, *server_priv, *server_pub;
    rp_aes_key session;       /* the step's session key */
    char session_id[64];      /* its client id */
    bool has_session;
    rp_aes_key wrong;         /* offered before the right one when `backup` is set */
    bool backup;
    int unknown_status;       /* what the registry answers for an id it does not know */
    size_t lookups;
} keyring;

static int lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                  rp_key_value *out, size_t cap)
{
    keyring *k = ctx;
    k->lookups++;
    ck_assert_uint_ge(cap, 2);
    memset(out, 0, 2 * sizeof *out);
    switch (key) {
    case KEY_SERVER:
        out[0].rsa = use == RP_KEY_OPEN ? k->server_priv : k->server_pub;
        return out[0].rsa != NULL;
    case KEY_CLIENT:
        out[0].rsa = use == RP_KEY_OPEN ? k->client_priv : k->client_pub;
        return out[0].rsa != NULL;
    case KEY_SESSION:
        if (!k->has_session) return 0;
        /* by id when the envelope names one: the server's registry */
        if (id != NULL && (id_len != strlen(k->session_id) || memcmp(id, k->session_id, id_len) != 0))
            return k->unknown_status;
        if (k->backup) {
            out[0].aes = &k->wrong;
            out[1].aes = &k->session;
            out[0].id = out[1].id = k->session_id;
            out[0].id_len = out[1].id_len = strlen(k->session_id);
            return 2;
        }
        out[0].aes = &k->session;
        out[0].id = k->session_id;
        out[0].id_len = strlen(k->session_id);
        return 1;
    }
    return 0;
}

typedef struct fixed_rng {
    uint8_t iv[16];
    size_t calls;
} fixed_rng;

static int rng_fixed(void *ctx, uint8_t *out, size_t len)
{
    fixed_rng *r = ctx;
    ck_assert_uint_eq(len, 16);
    memcpy(out, r->iv, 16);
    r->calls++;
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static char *read_rel(const char *dir, const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
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
    int rc = priv ? rp_rsa_key_load_private_file(path, NULL, &k, NULL)
                  : rp_rsa_key_load_public_file(path, &k, NULL);
    ck_assert_int_eq(rc, 0);
    return k;
}

/* The canonical form of a captured AES packet: IV lowercased, '\n' dropped. */
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

typedef struct tally {
    size_t steps, opened, refused, backup_taken, resealed_exact, resealed_normalised,
        s2c_resealed, plain_resealed, rsa_resealed, zlib_roundtrip, unknown_id_refused;
} tally;

static const char *env_name(int e)
{
    return e >= 0 && e < ENV_COUNT ? rt_envelopes[e].name : "none";
}

/* The envelope index.json's `envelope` names, in the tables' terms; -1: refused step. */
static int expected_envelope(const char *kind, bool c2s, const char *comp)
{
    if (strcmp(kind, "plain") == 0) return ENV_PLAIN;
    if (strcmp(kind, "rsa") == 0) return c2s ? ENV_RSA_TO_SERVER : ENV_RSA_TO_CLIENT;
    if (strcmp(kind, "aes-client-id") == 0)
        return strcmp(comp, "none") == 0 ? ENV_AES_FROM_CLIENT : ENV_AES_ZLIB_FROM_CLIENT;
    if (strcmp(kind, "aes-no-client-id") == 0) return ENV_AES_TO_CLIENT;
    return -1; /* raw-text */
}

static void check_step(const char *dir, const vec_json *st, keyring *kr, tally *t)
{
    const char *file = vec_json_str(st, "file"), *d = vec_json_str(st, "direction");
    const char *kind = vec_json_str(st, "envelope"), *pf = vec_json_str(st, "plaintext_file");
    const char *role = vec_json_str(st, "port_role"), *comp = vec_json_str(st, "compression");
    ck_assert_msg(file && d && kind && pf && role && comp, "incomplete step in %s", dir);
    bool c2s = strcmp(d, "c2s") == 0;
    size_t wl, plen;
    char *wire = read_rel(dir, file, &wl);
    char *plain = read_rel(dir, pf, &plen);
    ck_assert_uint_ge(wl, 4);
    ck_assert_int_eq(memcmp(wire + wl - 4, "\r\n\r\n", 4), 0);
    const char *pkt = wire;
    size_t pl = wl - 4;

    /* this step's session key: the key file of an AES step */
    kr->has_session = false;
    kr->backup = false;
    const char *kref = vec_json_str(st, "key_ref");
    if (kref != NULL && strncmp(kref, "keys/session-key.", 17) == 0) {
        size_t kl;
        char *kh = read_rel(dir, kref, &kl);
        ck_assert_int_eq(rp_aes_key_from_hex(&kr->session, kh, kl, NULL), 0);
        free(kh);
        const char *id = kref + 17;
        size_t idl = strlen(id) - 4; /* ".hex" */
        ck_assert_uint_lt(idl, sizeof kr->session_id);
        memcpy(kr->session_id, id, idl);
        kr->session_id[idl] = '\0';
        kr->has_session = true;
    }

    unsigned port = strcmp(role, "connect") == 0 ? PORT_CONNECT : PORT_LOGGING;
    rp_envelope_ctx cx = { &residue_tables, lookup, kr, NULL, NULL, 0 };
    /* as for a port: both buffers of max(packet, plaintext) + 1, and rsa needs one block */
    size_t cap = pl + 1 > plen + 1 ? pl + 1 : plen + 1;
    if (cap < 2048) cap = 2048;
    char *out = malloc(cap);
    uint8_t *work = malloc(cap);
    rp_envelope_opened res;
    rp_error err, detail;
    int rc;

    /* An envelope whose id the server does not know (F-errors 23): with the registry as
     * the key lookup it is refused before anything is decrypted — uniformly when the lookup
     * just knows no key, or with the lookup's own status; registered under that id, the
     * same packet opens. */
    const char *colon = pl > 33 ? memchr(pkt + 33, ':', pl - 33) : NULL;
    if (strcmp(kind, "aes-client-id") == 0 && colon != NULL &&
        ((size_t)(colon - (pkt + 33)) != strlen(kr->session_id) ||
         memcmp(pkt + 33, kr->session_id, strlen(kr->session_id)) != 0)) {
        uint32_t m = rp_protocol_envelopes(&residue_tables, port, PEER_CLIENT);
        rc = rp_envelope_open_any(&cx, m, pkt, pl, out, cap, work, cap, &res, &err, &detail);
        ck_assert_int_eq(rc, RP_E_DECRYPT);
        ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
        ck_assert_ptr_nonnull(strstr(detail.message, "no value of key \"session\""));
        kr->unknown_status = RP_E_UNKNOWN_CLIENT;
        rc = rp_envelope_open_any(&cx, m, pkt, pl, out, cap, work, cap, &res, &err, &detail);
        ck_assert_int_eq(rc, RP_E_UNKNOWN_CLIENT);
        ck_assert_int_eq(err.code, RP_E_UNKNOWN_CLIENT);
        kr->unknown_status = 0;
        memcpy(kr->session_id, pkt + 33, (size_t)(colon - (pkt + 33)));
        kr->session_id[colon - (pkt + 33)] = '\0';
        t->unknown_id_refused++;
    }
    uint32_t mask = rp_protocol_envelopes(&residue_tables, port, c2s ? PEER_CLIENT : PEER_SERVER);
    int want = expected_envelope(kind, c2s, comp);
    uint32_t cls = rp_envelope_classify(&residue_tables, mask, pkt, pl);
    rc = rp_envelope_open_any(&cx, mask, pkt, pl, out, cap,
                                  work, cap, &res, &err, &detail);
    t->steps++;

    if (want == ENV_PLAIN && !(mask & BIT(ENV_PLAIN))) {
        /* a plain log on the logging port: no envelope of that port has its shape */
        ck_assert_uint_eq(cls, 0);
        ck_assert_int_eq(rc, RP_E_ENVELOPE);
        ck_assert_uint_eq(rp_envelope_classify(&residue_tables, (1u << ENV_COUNT) - 1, pkt, pl),
                          BIT(ENV_PLAIN));
        t->refused++;
    } else if (want < 0) {
        /* garbage / empty on the connect port: only rsa_to_server takes "anything" */
        ck_assert_msg(cls == BIT(ENV_RSA_TO_SERVER), "%s/%s: classified 0x%x", dir, file, cls);
        ck_assert_int_eq(rc, RP_E_DECRYPT);
        ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
        ck_assert_uint_eq(err.offset, SIZE_MAX);
        ck_assert_int_ne(detail.code, RP_OK);
        ck_assert_uint_eq(pl, plen);
        ck_assert(pl == 0 || memcmp(pkt, plain, pl) == 0);
        t->refused++;
    } else if (strcmp(comp, "gzip") == 0) {
        ck_assert(cls & BIT(ENV_AES_ZLIB_FROM_CLIENT));
        ck_assert_int_eq(rc, RP_E_DECRYPT);
        ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
        ck_assert_int_eq(detail.code, RP_E_ZLIB);
        t->refused++;
    } else {
        ck_assert_msg(cls & BIT(want), "%s/%s: classified 0x%x, index says %s", dir, file, cls,
                      env_name(want));
        ck_assert_msg(rc == 0, "%s/%s: open: %s", dir, file, detail.message);
        ck_assert_msg((int)res.envelope == want, "%s/%s: opened as %s, index says %s", dir, file,
                      env_name((int)res.envelope), env_name(want));
        ck_assert_msg(res.len == plen && memcmp(out, plain, plen) == 0 && out[plen] == '\0',
                      "%s/%s: plaintext differs", dir, file);
        if (want == ENV_AES_FROM_CLIENT || want == ENV_AES_ZLIB_FROM_CLIENT) {
            ck_assert_uint_eq(res.id_len, strlen(kr->session_id));
            ck_assert_int_eq(memcmp(res.id, kr->session_id, res.id_len), 0);
        }
        t->opened++;

        /* a wrong key offered first: the right one is still found */
        if (kr->has_session) {
            kr->backup = true;
            memset(out, 0, plen + 1);
            rc = rp_envelope_open_any(&cx, mask, pkt, pl, out, cap,
                                      work, cap, &res, &err, &detail);
            ck_assert_msg(rc == 0, "%s/%s: open with a backup key: %s", dir, file, detail.message);
            ck_assert_uint_eq(res.candidate[KEY_SESSION], 1);
            ck_assert(res.len == plen && memcmp(out, plain, plen) == 0);
            kr->backup = false;
            t->backup_taken++;
        }

        /* seal it again */
        fixed_rng rng;
        memset(&rng, 0, sizeof rng);
        cx.random = rng_fixed;
        cx.random_ctx = &rng;
        const char *iv_hex = vec_json_str(st, "iv_hex");
        if (iv_hex != NULL) ck_assert_int_eq(rp_hex_decode(iv_hex, 32, rng.iv, 16, NULL, NULL), 0);
        const char *text = plain;
        size_t text_len = plen;
        unsigned seal_env = (unsigned)want;
        char *ap = NULL;
        if (want == ENV_AES_ZLIB_FROM_CLIENT) {
            /* the recorded AES plaintext (our zlib need not match the client's byte for
             * byte) through the envelope that is the same minus base64+zlib */
            size_t apl;
            ap = read_rel(dir, vec_json_str(st, "aes_plaintext_file"), &apl);
            text = ap;
            text_len = apl;
            seal_env = ENV_AES_FROM_CLIENT;
        }
        size_t smax = rp_envelope_sealed_max(&residue_tables, seal_env, text_len, 64);
        char *sealed = malloc(smax);
        uint8_t *swork = malloc(smax);
        size_t sl = 0;
        rc = rp_envelope_seal(&cx, seal_env, text, text_len, sealed, smax, swork, smax, &sl, &err);
        ck_assert_msg(rc == 0, "%s/%s: seal: %s", dir, file, err.message);
        if (want == ENV_RSA_TO_SERVER || want == ENV_RSA_TO_CLIENT) {
            /* random padding: compare by opening */
            ck_assert_uint_eq(sl, pl);
            ck_assert_int_eq(rp_envelope_open(&cx, seal_env, sealed, sl, out, cap, work, cap, &res,
                                              NULL, NULL), 0);
            ck_assert(res.len == plen && memcmp(out, plain, plen) == 0);
            t->rsa_resealed++;
        } else if (want == ENV_PLAIN) {
            ck_assert(sl == pl && memcmp(sealed, pkt, pl) == 0);
            t->plain_resealed++;
        } else {
            char *norm = malloc(pl + 1);
            size_t nl;
            int changed = normalise(pkt, pl, norm, &nl);
            ck_assert_msg(sl == nl && memcmp(sealed, norm, nl) == 0,
                          "%s/%s: re-sealed packet differs from the capture%s", dir, file,
                          changed ? " (after normalising IV case and line breaks)" : "");
            ck_assert_uint_eq(rng.calls, 1);
            if (!c2s)
                t->s2c_resealed++;
            else if (changed)
                t->resealed_normalised++;
            else
                t->resealed_exact++;
            free(norm);
        }
        if (want == ENV_AES_ZLIB_FROM_CLIENT) {
            /* and from the JSON through the zlib envelope: opens back to the JSON */
            size_t zmax = rp_envelope_sealed_max(&residue_tables, ENV_AES_ZLIB_FROM_CLIENT, plen, 64);
            char *z = malloc(zmax);
            uint8_t *zw = malloc(zmax);
            ck_assert_int_eq(rp_envelope_seal(&cx, ENV_AES_ZLIB_FROM_CLIENT, plain, plen, z, zmax,
                                              zw, zmax, &sl, &err), 0);
            rc = rp_envelope_open_any(&cx, mask, z, sl, out, cap, work, cap, &res, NULL,
                                      &detail);
            ck_assert_msg(rc == 0, "%s: zlib round trip: %s", file, detail.message);
            ck_assert_int_eq(res.envelope, ENV_AES_ZLIB_FROM_CLIENT);
            ck_assert(res.len == plen && memcmp(out, plain, plen) == 0);
            t->zlib_roundtrip++;
            free(z);
            free(zw);
        }
        free(ap);
        free(sealed);
        free(swork);
    }
    free(out);
    free(work);
    free(wire);
    free(plain);
}

START_TEST(every_captured_step)
{
    char *dirs[32];
    size_t nd = vec_scenarios(dirs, 32);
    ck_assert_uint_ge(nd, 5);
    tally total;
    memset(&total, 0, sizeof total);
    size_t index_steps = 0;
    for (size_t i = 0; i < nd; i++) {
        keyring kr;
        memset(&kr, 0, sizeof kr);
        kr.client_priv = try_key(dirs[i], "keys/client-private.pem", 1);
        kr.client_pub = try_key(dirs[i], "keys/client-public.pem", 0);
        kr.server_priv = try_key(dirs[i], "keys/server-private.pem", 1);
        kr.server_pub = try_key(dirs[i], "keys/server-public.pem", 0);
        ck_assert_int_eq(rp_aes_key_from_hex(&kr.wrong, "000102030405060708090a0b0c0d0e0f", 32, NULL), 0);
        size_t il;
        char *idx = read_rel(dirs[i], "index.json", &il);
        vec_json *root = vec_json_parse(idx, il, NULL, 0);
        ck_assert_ptr_nonnull(root);
        const vec_json *steps = vec_json_get(root, "steps");
        index_steps += vec_json_count(steps);
        for (const vec_json *st = steps->child; st != NULL; st = st->next)
            check_step(dirs[i], st, &kr, &total);
        vec_json_free(root);
        free(idx);
        rp_rsa_key_free(kr.client_priv);
        rp_rsa_key_free(kr.client_pub);
        rp_rsa_key_free(kr.server_priv);
        rp_rsa_key_free(kr.server_pub);
        rp_aes_key_wipe(&kr.session);
        free(dirs[i]);
    }
    ck_assert_uint_eq(total.steps, index_steps);
    ck_assert_uint_eq(total.opened + total.refused, index_steps);
    ck_assert_uint_eq(total.refused, 4); /* garbage, empty, plain log, gzip log */
    ck_assert_uint_eq(total.unknown_id_refused, 1);
    ck_assert_uint_ge(total.resealed_normalised, 2); /* the two Java-style packets of G */
    printf("envelope vectors: %zu steps: %zu opened to the recorded plaintext by the generic "
           "engine with hand-written residue tables (%zu also with a wrong key offered first), "
           "%zu refused as the server refuses them (and %zu refused for an unknown id, then "
           "opened once registered); re-sealed: c2s AES %zu exact + %zu after "
           "normalising Java's IV case / line breaks, s2c AES %zu exact, plain %zu, RSA %zu "
           "(re-opened); zlib envelope round trips %zu\n",
           total.steps, total.opened, total.backup_taken, total.refused,
           total.unknown_id_refused, total.resealed_exact,
           total.resealed_normalised, total.s2c_resealed, total.plain_resealed,
           total.rsa_resealed, total.zlib_roundtrip);
    fflush(stdout);
}
END_TEST

/* The join's split and the server's test agree, "first ':' at offset 32 and more than 33
 * bytes" (protocol reference §2.2), on every text whose first 32 bytes are hex digits, as an
 * IV's are; a text whose are not (a JSON object whose first ':' is at 32, which the real
 * server misreads as an envelope) is no join here. */
START_TEST(join_shape_is_the_server_rule)
{
    static const char *cases[] = {
        "de63a15365e28ff009f2de5730d32108:abc:Zm9v",
        "de63a15365e28ff009f2de5730d32108:",   /* 33 bytes: not an envelope */
        "de63a15365e28ff009f2de5730d32108:x",  /* 34: an envelope by the rule */
        "de63a15365e28ff009f2de5730d3210:abc:Zm9v", /* ':' at 31 */
        "de63a15365e28ff009f2de5730d321080:abc:Zm9v", /* ':' at 33 */
        "{\"a\":1}", "", "::::::::::::::::::::::::::::::::::::::",
        "zz63a15365e28ff009f2de5730d32108:abc:Zm9v", /* not hex: the server only */
        "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":0,\"type\":1}", /* JSON: the server only */
    };
    uint32_t aes = BIT(ENV_AES_FROM_CLIENT);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i]);
        bool server = n > 33 && memchr(cases[i], ':', n) == cases[i] + 32;
        bool hex_iv = n >= 32 && strspn(cases[i], "0123456789abcdefABCDEF") >= 32;
        bool ours = rp_envelope_classify(&residue_tables, aes, cases[i], n) == aes;
        ck_assert_msg((server && hex_iv) == ours, "case %zu: server %d, hex %d, join %d", i, server, hex_iv, ours);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("envelope_vectors");
    TCase *tc = tcase_create("captures");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_captured_step);
    tcase_add_test(tc, join_shape_is_the_server_rule);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
