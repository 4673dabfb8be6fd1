/* residue's envelopes on the wire, through the generic engine (rp_envelope.h) and the
 * generated tables (residue_protocol): what used to be pinned down for the hand-written
 * residue_envelope module, now for the tables that replaced it.
 *  - shapes: the server's rule for the connect and logging ports ("first ':' at offset 32
 *    and more than 33 bytes" is an AES envelope, JSON is plain, anything else may be RSA),
 *    the client's rule for replies (join, JSON, base64, else raw text);
 *  - the AES join split without a key: the id() text the lookup and the open report, and
 *    every malformed join refused (uniformly, the real reason only in the local detail);
 *  - AES seal/open in both directions: lowercase IV hex, unwrapped base64, exact sizes,
 *    Java's uppercase IV and wrapped base64 accepted, ids the server could not parse back
 *    refused, a too-small buffer a local error;
 *  - the uniform decryption error over every way an AES open can fail;
 *  - RSA: one block to the peer's key (344 base64 characters for 2048 bits), Java-wrapped
 *    input, the block limit, uniform failures;
 *  - compressed logs: base64(zlib(JSON)) inside AES, byte for byte the composition of the
 *    two layers, inflation bounded by the caller's buffer;
 *  - plain packets and the port framing: the delimiter may not occur in a payload.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue_session.h"
#include "rp_codec.h"
#include "rp_frame.h"
#include "rp_zlib.h"
#include "support/residue_seal.h"

#define VEC "../shared/vectors"
#define CLIENT_PRIV VEC "/A-unknown-plain/keys/client-private.pem"
#define CLIENT_PUB VEC "/A-unknown-plain/keys/client-public.pem"

#define IV_HEX "de63a15365e28ff009f2de5730d32108"
#define ID "iomjhtvrmyqdfqxu"
#define BIT RESIDUE_ENVELOPE_BIT
#define E_PLAIN RESIDUE_ENVELOPE_PLAIN
#define E_RSA_S RESIDUE_ENVELOPE_RSA_TO_SERVER
#define E_RSA_C RESIDUE_ENVELOPE_RSA_TO_CLIENT
#define E_AES_C2S RESIDUE_ENVELOPE_AES_FROM_CLIENT
#define E_ZLIB RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT
#define E_AES_S2C RESIDUE_ENVELOPE_AES_TO_CLIENT

static const char *ack = "{\"_t\":1795667616,\"type\":2,\"client_id\":\"iomjhtvrmyqdfqxu\"}";

static void key256(rp_aes_key *k)
{
    ck_assert_int_eq(rp_aes_key_from_hex(k, "EC576947A59AB8625B432CE26F4C9DE6CB0023333C1F572371FF7A21DC24247D", 64, NULL), 0);
}

static void iv_bytes(uint8_t iv[16])
{
    size_t n;
    ck_assert_int_eq(rp_hex_decode(IV_HEX, 32, iv, 16, &n, NULL), 0);
}

static uint32_t mask_of(unsigned port, unsigned from)
{
    return rp_protocol_envelopes(&residue_protocol, port, from);
}

static uint32_t shape(unsigned port, unsigned from, const char *pkt, size_t len)
{
    return rp_envelope_classify(&residue_protocol, mask_of(port, from), pkt, len);
}

START_TEST(the_ports_take_what_the_routes_say)
{
    ck_assert_uint_eq(mask_of(RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT),
                      BIT(E_PLAIN) | BIT(E_RSA_S) | BIT(E_AES_C2S));
    ck_assert_uint_eq(mask_of(RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER),
                      BIT(E_PLAIN) | BIT(E_RSA_C) | BIT(E_AES_S2C));
    ck_assert_uint_eq(mask_of(RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT), BIT(E_AES_C2S) | BIT(E_ZLIB));
    ck_assert_uint_eq(mask_of(RESIDUE_PORT_LOGGING, RESIDUE_PEER_SERVER), BIT(E_PLAIN));
}
END_TEST

START_TEST(connect_port_server_rule)
{
    static const struct {
        const char *pkt;
        size_t len; /* 0: strlen */
        uint32_t want;
    } cases[] = {
        {IV_HEX ":abc:Zm9v", 0, BIT(E_AES_C2S)},
        {"DE63A15365E28FF009F2DE5730D32108:abc:Zm9v", 0, BIT(E_AES_C2S)},
        {IV_HEX ":", 0, BIT(E_RSA_S)},        /* 33 bytes: not > 33, "anything" */
        {IV_HEX ":x", 34, BIT(E_AES_C2S)},    /* ':' at 32 makes anything an envelope */
        {"de63a15365e28ff009f2de5730d3210:abc:Zm9v", 0, BIT(E_RSA_S)}, /* ':' at 31 */
        {"zz63a15365e28ff009f2de5730d32108:abc:Zm9v", 0, BIT(E_RSA_S)}, /* not hex: no IV */
        /* JSON whose first ':' is at 32 is JSON (the real server misreads it, §2.2) */
        {"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":0,\"_t\":1,\"type\":1}", 0, BIT(E_PLAIN)},
        {"{\"_t\":1,\"type\":1}", 0, BIT(E_PLAIN)},
        {" \n{\"a\":1}", 0, BIT(E_PLAIN)},
        {"[{\"a\":1}]", 0, BIT(E_PLAIN)},
        {"this is not json", 0, BIT(E_RSA_S)}, /* RSA when the server has a key */
        {"QUJDREVGRw==", 0, BIT(E_RSA_S)},
        {"", 0, BIT(E_RSA_S)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].len ? cases[i].len : strlen(cases[i].pkt);
        uint32_t got = shape(RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, cases[i].pkt, n);
        ck_assert_msg(got == cases[i].want, "case %zu: 0x%x, expected 0x%x", i, got, cases[i].want);
    }
    /* the logging port: both AES envelopes share the join; nothing else has a shape there */
    ck_assert_uint_eq(shape(RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT, IV_HEX ":abc:Zm9v", 41),
                      BIT(E_AES_C2S) | BIT(E_ZLIB));
    ck_assert_uint_eq(shape(RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT, "{\"msg\":1}", 9), 0);
    ck_assert_uint_eq(rp_envelope_classify(&residue_protocol, mask_of(RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT),
                                           NULL, 10),
                      BIT(E_RSA_S)); /* NULL is the empty packet */
}
END_TEST

START_TEST(connect_port_client_rule)
{
    const unsigned P = RESIDUE_PORT_CONNECT, S = RESIDUE_PEER_SERVER;
    ck_assert_uint_eq(shape(P, S, "{\"r\":0}", 7), BIT(E_PLAIN));
    ck_assert_uint_eq(shape(P, S, IV_HEX ":Zm9vYmFy", 41), BIT(E_AES_S2C));
    ck_assert_uint_eq(shape(P, S, "Zm9vYmFy", 8), BIT(E_RSA_C));
    ck_assert_uint_eq(shape(P, S, "Zm9v\nYmFy\n", 10), BIT(E_RSA_C));
    ck_assert_uint_eq(shape(P, S, "BER decode error", 16), BIT(E_RSA_C)); /* letters and spaces */
    /* raw text: what the server sends when it cannot RSA-encrypt the hello */
    ck_assert_uint_eq(shape(P, S, "error: bad", 10), 0);
    ck_assert_uint_eq(shape(P, S, "PEM_Load: PEM object not available", 34), 0);
    ck_assert_uint_eq(shape(P, S, "", 0), 0);
    ck_assert_uint_eq(shape(P, S, " \n ", 3), 0);
}
END_TEST

/* The join's split, seen through an open: the id() text as the key lookup gets it and as
 * the open reports it; every malformed join is refused before any key is asked for. */
typedef struct seen {
    size_t calls;
    const char *id;
    size_t id_len;
    const rp_aes_key *key;
} seen;

static int seen_lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                       rp_key_value *out, size_t cap)
{
    seen *s = ctx;
    (void)use;
    (void)cap;
    memset(out, 0, sizeof *out);
    if (key != RESIDUE_KEY_SESSION) return 0;
    s->calls++;
    s->id = id;
    s->id_len = id_len;
    out->aes = s->key;
    return 1;
}

START_TEST(join_split_without_key)
{
    rp_aes_key key;
    key256(&key);
    uint8_t iv[16];
    iv_bytes(iv);
    rs_keys k = {.session = &key, .id = ID, .iv = iv};
    char good[512];
    size_t gl = 0;
    ck_assert_int_eq(rs_seal(&k, E_AES_C2S, ack, strlen(ack), good, sizeof good, &gl, NULL), 0);
    /* Java style: uppercase IV, base64 wrapped with '\n' */
    char p[600];
    size_t pl = 0;
    for (size_t i = 0; i < gl; i++) {
        p[pl++] = i < 32 ? (char)toupper((unsigned char)good[i]) : good[i];
        if (i == 60) p[pl++] = '\n';
    }
    seen s = {0, NULL, 0, &key};
    rp_envelope_ctx cx = {&residue_protocol, seen_lookup, &s, NULL, NULL, 0};
    char out[512];
    rp_envelope_opened res;
    ck_assert_int_eq(rp_envelope_open(&cx, E_AES_C2S, p, pl, out, sizeof out, NULL, 0, &res, NULL, NULL), 0);
    ck_assert_uint_eq(s.calls, 1);
    ck_assert_ptr_eq(s.id, p + 33);
    ck_assert_uint_eq(s.id_len, 16);
    ck_assert_ptr_eq(res.id, p + 33);
    ck_assert_uint_eq(res.id_len, 16);
    ck_assert_int_eq(res.id_key, RESIDUE_KEY_SESSION);
    ck_assert_str_eq(out, ack);

    static const struct {
        const char *pkt;
        size_t offset; /* of the join error in the local detail */
    } bad[] = {
        {"de63a15365e28ff009f2de5730d3210:abc:Zm9v", 31},  /* ':' at 31: not hex */
        {"de63a15365e28ff009f2de5730d32108abc", 32},       /* no ':' after the IV */
        {"de63a15365e28ff009f2de5730d3210g:abc:Zm9v", 31}, /* non-hex IV */
        {"de63a15365e28ff009f2de5730d32108:abcZm9v", 40},  /* no ':' after the id */
        {"de63a15365e28ff009f2de5730d32108::Zm9v", 33},    /* empty id */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rp_error err, detail;
        s.calls = 0;
        int rc = rp_envelope_open(&cx, E_AES_C2S, bad[i].pkt, strlen(bad[i].pkt), out, sizeof out,
                                  NULL, 0, &res, &err, &detail);
        ck_assert_msg(rc == RP_E_DECRYPT, "case %zu: rc %d", i, rc);
        ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
        ck_assert_int_eq(detail.code, RP_E_ENVELOPE);
        ck_assert_msg(detail.offset == bad[i].offset, "case %zu: offset %zu (%s)", i, detail.offset,
                      detail.message);
        ck_assert_uint_eq(s.calls, 0); /* refused before any key was asked for */
    }
    /* the s2c form has no id: none is asked for */
    rs_keys ks = {.session = &key, .iv = iv};
    ck_assert_int_eq(rs_seal(&ks, E_AES_S2C, "{\"status\":0}", 12, good, sizeof good, &gl, NULL), 0);
    s.calls = 0;
    ck_assert_int_eq(rp_envelope_open(&cx, E_AES_S2C, good, gl, out, sizeof out, NULL, 0, &res, NULL, NULL), 0);
    ck_assert_uint_eq(s.calls, 1);
    ck_assert_ptr_null(s.id);
    ck_assert_ptr_null(res.id);
    ck_assert_str_eq(out, "{\"status\":0}");
    rp_aes_key_wipe(&key);
}
END_TEST

START_TEST(aes_seal_open_both_directions)
{
    rp_aes_key key;
    key256(&key);
    uint8_t iv[16];
    iv_bytes(iv);
    rs_keys k = {.session = &key, .id = ID, .iv = iv};
    size_t len = strlen(ack);
    /* exactly: IV hex, ':', id, ':', base64 of the padded ciphertext, NUL */
    size_t cap = rs_sealed_max(&k, E_AES_C2S, len);
    ck_assert_uint_eq(cap, 32 + 1 + 16 + 1 + RP_BASE64_ENCODED_LEN(RP_AES_CBC_SEALED_LEN(len)) + 1);
    char *out = malloc(cap);
    size_t n = 0;
    rp_error err;
    ck_assert_int_eq(rs_seal(&k, E_AES_C2S, ack, len, out, cap - 1, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(rs_seal(&k, E_AES_C2S, ack, len, out, cap, &n, NULL), 0);
    ck_assert_uint_eq(n, cap - 1);
    ck_assert_uint_eq(out[n], '\0');
    ck_assert_int_eq(strncmp(out, IV_HEX ":" ID ":", 50), 0); /* lowercase IV */
    ck_assert_ptr_null(strchr(out, '\n'));
    ck_assert_uint_eq(shape(RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, out, n), BIT(E_AES_C2S));
    char pt[256];
    size_t pl = 0;
    ck_assert_int_eq(rs_open(&k, E_AES_C2S, out, n, pt, sizeof pt, &pl, NULL, NULL, NULL), 0);
    ck_assert_uint_eq(pl, len);
    ck_assert_str_eq(pt, ack);

    /* Java style: uppercase IV, base64 wrapped at 76 with '\n' and a trailing '\n' */
    char java[512];
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        java[j++] = i < 32 ? (char)toupper((unsigned char)out[i]) : out[i];
        if (i >= 50 && (i - 50 + 1) % 76 == 0) java[j++] = '\n';
    }
    java[j++] = '\n';
    ck_assert_uint_eq(shape(RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, java, j), BIT(E_AES_C2S));
    memset(pt, 0, sizeof pt);
    ck_assert_int_eq(rs_open(&k, E_AES_C2S, java, j, pt, sizeof pt, &pl, NULL, NULL, NULL), 0);
    ck_assert_str_eq(pt, ack);

    /* server -> client: "<iv>:<base64>" */
    char s2c[512];
    rs_keys ks = {.session = &key, .iv = iv};
    ck_assert_int_eq(rs_seal(&ks, E_AES_S2C, "{\"status\":0}", 12, s2c, sizeof s2c, &n, NULL), 0);
    ck_assert_uint_eq(n, 32 + 1 + RP_BASE64_ENCODED_LEN(16));
    ck_assert_int_eq(strncmp(s2c, IV_HEX ":", 33), 0);
    ck_assert_uint_eq(shape(RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, s2c, n), BIT(E_AES_S2C));
    ck_assert_int_eq(rs_open(&ks, E_AES_S2C, s2c, n, pt, sizeof pt, &pl, NULL, NULL, NULL), 0);
    ck_assert_str_eq(pt, "{\"status\":0}");

    /* client ids the server could not parse back are refused */
    rs_keys colon = {.session = &key, .id = "a:b", .iv = iv}, empty = {.session = &key, .id = "", .iv = iv};
    ck_assert_int_eq(rs_seal(&colon, E_AES_C2S, ack, len, out, cap, &n, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rs_seal(&empty, E_AES_C2S, ack, len, out, cap, &n, &err), RP_E_ARGUMENT);
    /* too small an output buffer for opening is a local error, checked before decrypting
     * (the 16-byte ciphertext decrypts in place: 16 bytes hold the 12 and their NUL) */
    ck_assert_int_eq(rs_open(&ks, E_AES_S2C, s2c, strlen(s2c), pt, 15, &pl, NULL, &err, NULL), RP_E_OVERFLOW);
    ck_assert_int_eq(rs_open(&ks, E_AES_S2C, s2c, strlen(s2c), pt, 16, &pl, NULL, &err, NULL), 0);
    free(out);
    rp_aes_key_wipe(&key);
}
END_TEST

/* Re-encodes a ciphertext into a c2s packet naming id. */
static size_t make_packet(char *dst, size_t cap, const char *id, const uint8_t *ct, size_t ct_len)
{
    int w = snprintf(dst, cap, "%s:%s:", IV_HEX, id);
    size_t n = 0;
    ck_assert_int_eq(rp_base64_encode(ct, ct_len, dst + w, cap - (size_t)w, &n, NULL), 0);
    return (size_t)w + n;
}

/* Every way of failing to open gives the same public error; only local_detail differs. */
START_TEST(uniform_decryption_errors)
{
    rp_aes_key key, wrong;
    key256(&key);
    ck_assert_int_eq(rp_aes_key_from_hex(&wrong, "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF", 64, NULL), 0);
    uint8_t iv[16];
    iv_bytes(iv);
    rs_keys k = {.session = &key, .id = "id", .iv = iv}, kw = {.session = &wrong, .id = "id"};
    char good[512];
    size_t gl;
    ck_assert_int_eq(rs_seal(&k, E_AES_C2S, ack, strlen(ack), good, sizeof good, &gl, NULL), 0);
    /* the ciphertext bytes of `good` */
    uint8_t ct[256];
    size_t cl;
    ck_assert_int_eq(rp_base64_decode(good + 36, gl - 36, RP_BASE64_STRICT, ct, sizeof ct, &cl, NULL), 0);

    char pkts[8][512];
    size_t lens[8];
    const rs_keys *keys[8];
    const char *what[8];
    int n = 0;
    /* wrong key (checked to fail; deterministic for these fixed bytes) */
    memcpy(pkts[n], good, gl + 1), lens[n] = gl, keys[n] = &kw, what[n++] = "wrong key";
    /* bad padding: the first block alone ends inside the JSON text (byte 15 is '6' = 0x36,
     * never valid PKCS#7) */
    lens[n] = make_packet(pkts[n], sizeof pkts[n], "id", ct, 16), keys[n] = &k, what[n++] = "bad padding";
    /* wrong length */
    lens[n] = make_packet(pkts[n], sizeof pkts[n], "id", ct, cl - 1), keys[n] = &k, what[n++] = "length";
    /* empty payload */
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "%s:id:", IV_HEX), keys[n] = &k, what[n++] = "empty";
    /* base64 that is mostly junk: lenient decoding leaves a wrong length */
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "%s:id:!!!?%%%%Zm9v", IV_HEX), keys[n] = &k, what[n++] = "junk base64";
    /* not an envelope at all / bad IV */
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "hello"), keys[n] = &k, what[n++] = "no envelope";
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "zz63a15365e28ff009f2de5730d32108:id:Zm9v"), keys[n] = &k, what[n++] = "bad iv";

    rp_error first;
    char details[8][RP_ERROR_MESSAGE_MAX];
    for (int i = 0; i < n; i++) {
        rp_error err, detail;
        memset(&detail, 0, sizeof detail);
        char out[512];
        memset(out, '#', sizeof out);
        size_t ol = 99;
        int rc = rs_open(keys[i], E_AES_C2S, pkts[i], lens[i], out, sizeof out, &ol, NULL, &err, &detail);
        ck_assert_msg(rc == RP_E_DECRYPT, "%s: rc %d", what[i], rc);
        ck_assert_uint_eq(ol, 0);
        ck_assert_int_eq(err.code, RP_E_DECRYPT);
        ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
        ck_assert_uint_eq(err.offset, SIZE_MAX);
        ck_assert_int_eq(err.layer, RP_LAYER_ENVELOPE);
        if (i == 0) first = err;
        /* the same public error, field by field */
        ck_assert_int_eq(err.code, first.code);
        ck_assert_int_eq(err.layer, first.layer);
        ck_assert_uint_eq(err.offset, first.offset);
        ck_assert_str_eq(err.message, first.message);
        ck_assert_str_eq(err.path, first.path);
        ck_assert_int_ne(detail.code, RP_OK);                   /* the reason is kept locally */
        ck_assert_uint_gt(strlen(detail.message), 0);
        snprintf(details[i], sizeof details[i], "%s", detail.message);
        ck_assert_ptr_null(strstr(err.message, detail.message));
        /* and nothing decoded is left behind in the output */
        for (size_t b = 0; b < lens[i]; b++) ck_assert_msg(out[b] == '#' || out[b] == 0, "%s: byte %zu", what[i], b);
    }
    /* the local details do tell the cases apart */
    ck_assert_str_ne(details[1], details[5]);
    ck_assert_str_ne(details[0], details[6]);
    rp_aes_key_wipe(&key);
    rp_aes_key_wipe(&wrong);
}
END_TEST

START_TEST(rsa_seal_open)
{
    rp_rsa_key *pub = NULL, *priv = NULL;
    ck_assert_int_eq(rp_rsa_key_load_public_file(CLIENT_PUB, &pub, NULL), 0);
    ck_assert_int_eq(rp_rsa_key_load_private_file(CLIENT_PRIV, NULL, &priv, NULL), 0);
    rs_keys to = {.client = pub, .server = pub}, mine = {.client = priv, .server = priv};
    const char *hello = "{\"status\":0,\"ack\":0,\"key\":\"EC576947A59AB8625B432CE26F4C9DE6CB0023333C1F572371FF7A21DC24247D\",\"client_id\":\"iomjhtvrmyqdfqxu\"}";
    char sealed[4096];
    size_t n = 0;
    ck_assert_int_eq(rs_seal(&to, E_RSA_C, hello, strlen(hello), sealed, sizeof sealed, &n, NULL), 0);
    ck_assert_uint_eq(n, 344);
    ck_assert_uint_eq(shape(RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, sealed, n), BIT(E_RSA_C));
    char pt[2048];
    size_t pl = 0;
    ck_assert_int_eq(rs_open(&mine, E_RSA_C, sealed, n, pt, sizeof pt, &pl, NULL, NULL, NULL), 0);
    ck_assert_str_eq(pt, hello);
    /* Java-wrapped base64 opens too, in both directions */
    char wrapped[400];
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        wrapped[w++] = sealed[i];
        if ((i + 1) % 76 == 0) wrapped[w++] = '\n';
    }
    wrapped[w++] = '\n';
    ck_assert_int_eq(rs_open(&mine, E_RSA_C, wrapped, w, pt, sizeof pt, &pl, NULL, NULL, NULL), 0);
    ck_assert_str_eq(pt, hello);
    ck_assert_int_eq(rs_open(&mine, E_RSA_S, wrapped, w, pt, sizeof pt, &pl, NULL, NULL, NULL), 0);
    ck_assert_str_eq(pt, hello);

    rp_error err, detail;
    /* too long for one block */
    char big[247];
    memset(big, 'x', 246);
    big[246] = '\0';
    ck_assert_int_eq(rs_seal(&to, E_RSA_S, big, 246, sealed, sizeof sealed, &n, &err), RP_E_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(err.message, "245"));
    ck_assert_int_eq(rs_seal(&to, E_RSA_S, big, 245, sealed, sizeof sealed, &n, NULL), 0);
    ck_assert_int_eq(rs_seal(&to, E_RSA_S, big, 10, sealed, 344, &n, &err), RP_E_OVERFLOW);
    /* failures are uniform */
    ck_assert_int_eq(rs_open(&mine, E_RSA_S, sealed, 100, pt, sizeof pt, &pl, NULL, &err, &detail), RP_E_DECRYPT);
    ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
    ck_assert_ptr_nonnull(strstr(detail.message, "256"));
    ck_assert_int_eq(rs_open(&mine, E_RSA_C, "not base64 at all!", 18, pt, sizeof pt, &pl, NULL, &err, NULL), RP_E_DECRYPT);
    ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
    /* opening with a public key: refused (uniformly), the local detail says why */
    ck_assert_int_eq(rs_open(&to, E_RSA_S, sealed, n, pt, sizeof pt, &pl, NULL, &err, &detail), RP_E_DECRYPT);
    ck_assert_int_eq(detail.code, RP_E_KEY);
    /* a buffer below one block's plaintext is a local error, checked before decrypting */
    ck_assert_int_eq(rs_open(&mine, E_RSA_S, sealed, n, pt, 244, &pl, NULL, &err, NULL), RP_E_OVERFLOW);
    rp_rsa_key_free(pub);
    rp_rsa_key_free(priv);
}
END_TEST

START_TEST(compressed_log_layers_and_bound)
{
    rp_aes_key key;
    key256(&key);
    uint8_t iv[16];
    iv_bytes(iv);
    rs_keys k = {.session = &key, .id = "id", .iv = iv};
    char json[2048];
    int jl = snprintf(json, sizeof json, "[");
    for (int i = 0; i < 20; i++)
        jl += snprintf(json + jl, sizeof json - (size_t)jl, "%s{\"_t\":1795667616,\"logger\":\"x\",\"msg\":\"message %d\",\"level\":4}", i ? "," : "", i);
    jl += snprintf(json + jl, sizeof json - (size_t)jl, "]");
    size_t cap = rs_sealed_max(&k, E_ZLIB, (size_t)jl);
    char *pkt = malloc(cap);
    size_t n = 0;
    ck_assert_int_eq(rs_seal(&k, E_ZLIB, json, (size_t)jl, pkt, cap, &n, NULL), 0);
    ck_assert_uint_lt(n, (size_t)jl); /* it did compress */
    /* the layers: aes(base64(zlib(JSON))) — the same bytes as sealing base64 of the zlib
     * stream (default level, header 78 9C: "eJ") through aes_from_client with the same IV */
    size_t zcap = rp_zlib_deflate_bound((size_t)jl), zl = 0, bl = 0;
    uint8_t *z = malloc(zcap);
    char b64[2048];
    ck_assert_int_eq(rp_zlib_deflate((const uint8_t *)json, (size_t)jl, RP_ZLIB_DEFAULT_LEVEL, z, zcap, &zl, NULL), 0);
    ck_assert_int_eq(rp_base64_encode(z, zl, b64, sizeof b64, &bl, NULL), 0);
    ck_assert_int_eq(strncmp(b64, "eJ", 2), 0);
    char again[2048];
    size_t al = 0;
    ck_assert_int_eq(rs_seal(&k, E_AES_C2S, b64, bl, again, sizeof again, &al, NULL), 0);
    ck_assert_uint_eq(al, n);
    ck_assert_mem_eq(again, pkt, n);
    /* the logging port opens it as the compressed envelope, to the JSON */
    char out[2048];
    size_t ol = 0;
    rp_envelope_opened res;
    uint32_t logging = mask_of(RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT);
    ck_assert_int_eq(rs_open(&k, RS_ANY_OF(logging), pkt, n, out, sizeof out, &ol, &res, NULL, NULL), 0);
    ck_assert_int_eq(res.envelope, E_ZLIB);
    ck_assert_uint_eq(ol, (size_t)jl);
    ck_assert_str_eq(out, json);
    /* the inflate bound is the caller's buffer: uniform toward the peer, ZLIB_BOUND in the
     * local detail */
    rp_error err, detail;
    ck_assert_int_eq(rs_open(&k, E_ZLIB, pkt, n, out, (size_t)jl, &ol, NULL, &err, &detail), RP_E_DECRYPT);
    ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
    ck_assert_int_eq(detail.code, RP_E_ZLIB_BOUND);
    ck_assert_int_eq(rs_open(&k, E_ZLIB, pkt, n, out, (size_t)jl + 1, &ol, NULL, &err, &detail), 0);
    /* an uncompressed log opened as compressed fails the same way; the port opens it plain */
    char plain_pkt[1024];
    ck_assert_int_eq(rs_seal(&k, E_AES_C2S, "{\"msg\":\"x\"}", 11, plain_pkt, sizeof plain_pkt, &n, NULL), 0);
    ck_assert_int_eq(rs_open(&k, E_ZLIB, plain_pkt, n, out, sizeof out, &ol, NULL, &err, &detail), RP_E_DECRYPT);
    ck_assert_int_eq(detail.code, RP_E_ZLIB);
    ck_assert_int_eq(rs_open(&k, RS_ANY_OF(logging), plain_pkt, n, out, sizeof out, &ol, &res, NULL, NULL), 0);
    ck_assert_int_eq(res.envelope, E_AES_C2S);
    free(z);
    free(pkt);
    rp_aes_key_wipe(&key);
}
END_TEST

START_TEST(plain_and_framing)
{
    char out[16];
    size_t n;
    rp_error err;
    rs_keys none = {0};
    ck_assert_int_eq(rs_seal(&none, E_PLAIN, "{\"r\":0}", 7, out, sizeof out, &n, NULL), 0);
    ck_assert_str_eq(out, "{\"r\":0}");
    ck_assert_int_eq(rs_seal(&none, E_PLAIN, "{\"r\":0}", 7, out, 7, &n, &err), RP_E_OVERFLOW);
    /* the port framing: payload + "\r\n\r\n"; a payload holding the delimiter is refused */
    const rp_framing *f = &residue_protocol.ports[RESIDUE_PORT_CONNECT - 1].framing;
    uint8_t framed[32];
    ck_assert_int_eq(rp_frame_write(f, (const uint8_t *)"{\"r\":0}", 7, framed, sizeof framed, &n, NULL), 0);
    ck_assert_uint_eq(n, RESIDUE_LOG_REPLY_LEN);
    ck_assert_mem_eq(framed, RESIDUE_LOG_REPLY_OK, n);
    ck_assert_int_eq(rp_frame_write(f, (const uint8_t *)"{}\r\n\r\n", 6, framed, sizeof framed, &n, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 2);
    ck_assert_int_eq(rp_frame_write(f, (const uint8_t *)"{\"r\":0}", 7, framed, 10, &n, &err), RP_E_OVERFLOW);
}
END_TEST

static Suite *wire_suite(void)
{
    Suite *s = suite_create("residue_wire");
    TCase *tc = tcase_create("envelopes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_ports_take_what_the_routes_say);
    tcase_add_test(tc, connect_port_server_rule);
    tcase_add_test(tc, connect_port_client_rule);
    tcase_add_test(tc, join_split_without_key);
    tcase_add_test(tc, aes_seal_open_both_directions);
    tcase_add_test(tc, uniform_decryption_errors);
    tcase_add_test(tc, rsa_seal_open);
    tcase_add_test(tc, compressed_log_layers_and_bound);
    tcase_add_test(tc, plain_and_framing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(wire_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
