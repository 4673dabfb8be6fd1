/* rp_envelope, the generic engine, on compositions residue does not use (its own tables are
 * in test_envelope_vectors.c):
 *   hexaes   hex(aes(dev, json))                              the IV prepended to the ciphertext
 *   zb64     base64(zlib(json))                               on a port framed by a length prefix
 *   joined   join("::", id(dev), hex(iv), base64(aes(dev, json)))  another separator, id() first
 *   hexrsa   hex(rsa(node, json))                             rsa under hex
 *   plain    json
 *   b64      base64(json)                                     strict base64 with line breaks
 * Round trips for each; every refusal asserted by its code (and, where the envelope encrypts,
 * by the one uniform public error, with the real reason only in the local detail): wrong key,
 * truncated, bad padding, bad hex, bad base64, oversize inflate, gzip, join without its
 * separator, empty or unknown id, no key, a lookup's own status, RSA of the wrong length;
 * seal refusals (too long for RSA, an id holding the separator, small buffers, no random
 * source); shapes and classification; buffer sizes and the work buffer. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_codec.h"
#include "rp_crypto.h"
#include "rp_envelope.h"
#include "rp_frame.h"
#include "rp_zlib.h"

#define VEC "../shared/vectors"

enum { PEER_DEVICE = 1, PEER_HUB = 2 };
enum { PORT_CONTROL = 1, PORT_BULK = 2 };
enum { KEY_DEV = 0, KEY_NODE = 1 };
enum { E_HEXAES, E_ZB64, E_JOINED, E_HEXRSA, E_PLAIN, E_B64, E_COUNT };
#define BIT(e) (1u << (e))

static const rp_key_desc keys[] = {
    { "dev", RP_KEY_AES, 0, 7 },
    { "node", RP_KEY_RSA, PEER_HUB, 0 },
};

static const rp_join_part id_iv_payload[] = {
    { RP_JOIN_ID, KEY_DEV }, { RP_JOIN_IV_HEX, 0 }, { RP_JOIN_PAYLOAD, 0 },
};

static const rp_layer_desc l_hexaes[] = {
    { &rp_layer_hex, 0, NULL, 0, NULL, 0 },
    { &rp_layer_aes, KEY_DEV, NULL, 0, NULL, 0 },
    { &rp_layer_json, 0, NULL, 0, NULL, 0 },
};
static const rp_layer_desc l_zb64[] = {
    { &rp_layer_base64, 0, NULL, 0, NULL, 0 },
    { &rp_layer_zlib, 0, NULL, 0, NULL, 0 },
    { &rp_layer_json, 0, NULL, 0, NULL, 0 },
};
static const rp_layer_desc l_joined[] = {
    { &rp_layer_join, 0, "::", 2, id_iv_payload, 3 },
    { &rp_layer_base64, 0, NULL, 0, NULL, 0 },
    { &rp_layer_aes, KEY_DEV, NULL, 0, NULL, 0 },
    { &rp_layer_json, 0, NULL, 0, NULL, 0 },
};
static const rp_layer_desc l_hexrsa[] = {
    { &rp_layer_hex, 0, NULL, 0, NULL, 0 },
    { &rp_layer_rsa, KEY_NODE, NULL, 0, NULL, 0 },
    { &rp_layer_json, 0, NULL, 0, NULL, 0 },
};
static const rp_layer_desc l_plain[] = { { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_layer_desc l_b64[] = {
    { &rp_layer_base64, 0, NULL, 0, NULL, 0 },
    { &rp_layer_json, 0, NULL, 0, NULL, 0 },
};

static const rp_envelope_desc envelopes[E_COUNT] = {
    { "hexaes", l_hexaes, 3 }, { "zb64", l_zb64, 3 }, { "joined", l_joined, 4 },
    { "hexrsa", l_hexrsa, 3 }, { "plain", l_plain, 1 }, { "b64", l_b64, 2 },
};

static const rp_port_desc ports[] = {
    { "control", { RP_FRAMING_DELIMITER, (const uint8_t *)"\n", 1, 0, false }, 4096 },
    { "bulk", { RP_FRAMING_LENGTH, NULL, 0, 4, true }, 65536 },
};

static const rp_route_desc routes[] = {
    { 1, PORT_CONTROL, PEER_DEVICE, PEER_HUB, BIT(E_JOINED) | BIT(E_PLAIN) | BIT(E_HEXAES) },
    { 2, PORT_CONTROL, PEER_HUB, PEER_DEVICE, BIT(E_HEXRSA) },
    { 3, PORT_BULK, PEER_DEVICE, PEER_HUB, BIT(E_ZB64) },
    { 4, PORT_CONTROL, PEER_DEVICE, PEER_HUB, BIT(E_PLAIN) },
};

static const rp_protocol telemetry = {
    "telemetry", { "device", "hub" }, ports, 2, keys, 2, envelopes, E_COUNT, routes, 4,
};

/* ---- keys, random ------------------------------------------------------------------------ */

typedef struct keyring {
    rp_aes_key dev, other;
    rp_rsa_key *node_priv, *node_pub;
    const char *dev_id;        /* the name the hub knows dev by */
    int unknown;               /* answer for an unknown id: 0 or a negative status */
    bool wrong_first;          /* offer `other` before `dev` */
    bool wrong_only;
    size_t calls;
} keyring;

static int lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                  rp_key_value *out, size_t cap)
{
    keyring *k = ctx;
    k->calls++;
    memset(out, 0, cap * sizeof *out);
    if (key == KEY_NODE) {
        out[0].rsa = use == RP_KEY_OPEN ? k->node_priv : k->node_pub;
        return 1;
    }
    if (id != NULL && (id_len != strlen(k->dev_id) || memcmp(id, k->dev_id, id_len) != 0))
        return k->unknown;
    size_t n = 0;
    if (k->wrong_first || k->wrong_only) out[n++].aes = &k->other;
    if (!k->wrong_only) out[n++].aes = &k->dev;
    for (size_t i = 0; i < n; i++) {
        out[i].id = k->dev_id;
        out[i].id_len = strlen(k->dev_id);
    }
    return (int)n;
}

static int counter_rng(void *ctx, uint8_t *out, size_t len)
{
    unsigned *n = ctx;
    for (size_t i = 0; i < len; i++) out[i] = (uint8_t)(*n * 31u + i * 7u + 1u);
    (*n)++;
    return 0;
}

static int failing_rng(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    (void)out;
    (void)len;
    return RP_E_CRYPTO;
}

#define BUF 8192
static char pkt[BUF], out[BUF];
static uint8_t work[BUF];

static keyring kr;
static unsigned rng_n;
static rp_envelope_ctx cx;

static void setup(void)
{
    memset(&kr, 0, sizeof kr);
    ck_assert_int_eq(rp_aes_key_from_hex(&kr.dev, "00112233445566778899aabbccddeeff0011223344556677", 48, NULL), 0);
    ck_assert_int_eq(rp_aes_key_from_hex(&kr.other, "ffeeddccbbaa99887766554433221100", 32, NULL), 0);
    ck_assert_int_eq(rp_rsa_key_load_private_file(VEC "/A-unknown-plain/keys/client-private.pem", NULL, &kr.node_priv, NULL), 0);
    ck_assert_int_eq(rp_rsa_key_load_public_file(VEC "/A-unknown-plain/keys/client-public.pem", &kr.node_pub, NULL), 0);
    kr.dev_id = "sensor-7";
    rng_n = 0;
    cx = (rp_envelope_ctx){ &telemetry, lookup, &kr, counter_rng, &rng_n, 0 };
    /* tests share these buffers (CK_FORK=no under valgrind): start each from zero */
    memset(pkt, 0, sizeof pkt);
    memset(out, 0, sizeof out);
    memset(work, 0, sizeof work);
}

static void teardown(void)
{
    rp_rsa_key_free(kr.node_priv);
    rp_rsa_key_free(kr.node_pub);
}

static const char *msg = "{\"device\":\"sensor-7\",\"temp_c\":21,\"readings\":[1,2,3,5,8,13]}";


static size_t seal(unsigned e, const char *text)
{
    size_t n = 0;
    rp_error err;
    int rc = rp_envelope_seal(&cx, e, text, strlen(text), pkt, sizeof pkt, work, sizeof work, &n, &err);
    ck_assert_msg(rc == 0, "seal %s: %s", envelopes[e].name, err.message);
    ck_assert_uint_eq(strlen(pkt), n);
    ck_assert_uint_le(n + 1, rp_envelope_sealed_max(&telemetry, e, strlen(text), strlen(kr.dev_id)));
    return n;
}

static int open_as(unsigned e, const char *p, size_t n, rp_error *err, rp_error *detail)
{
    rp_envelope_opened res;
    memset(err, 0, sizeof *err);
    memset(detail, 0, sizeof *detail);
    int rc = rp_envelope_open(&cx, e, p, n, out, sizeof out, work, sizeof work, &res, err, detail);
    if (rc == 0) {
        ck_assert_uint_eq(res.envelope, e);
        ck_assert_uint_eq(res.len, strlen(out));
    }
    return rc;
}

/* Every failure of an encrypting envelope looks the same from outside. */
static void assert_uniform(int rc, const rp_error *err, const rp_error *detail, rp_status real)
{
    ck_assert_int_eq(rc, RP_E_DECRYPT);
    ck_assert_int_eq(err->code, RP_E_DECRYPT);
    ck_assert_int_eq(err->layer, RP_LAYER_ENVELOPE);
    ck_assert_uint_eq(err->offset, SIZE_MAX);
    ck_assert_str_eq(err->message, RP_DECRYPT_PUBLIC_MESSAGE);
    ck_assert_msg(detail->code == real, "detail %s (%s), expected %s", rp_status_name(detail->code),
                  detail->message, rp_status_name(real));
}

/* ---- round trips -------------------------------------------------------------------------- */

START_TEST(round_trip_every_envelope)
{
    for (unsigned e = 0; e < E_COUNT; e++) {
        size_t n = seal(e, msg);
        rp_error err, detail;
        int rc = open_as(e, pkt, n, &err, &detail);
        ck_assert_msg(rc == 0, "open %s: %s", envelopes[e].name, detail.message);
        ck_assert_str_eq(out, msg);
        /* classified back among all the others (hexaes and hexrsa are both hex around
         * "anything", which rprotoc would refuse on one port: never both in one set) */
        uint32_t all = ((1u << E_COUNT) - 1) & ~BIT(e == E_HEXRSA ? E_HEXAES : E_HEXRSA);
        rp_envelope_opened res;
        rc = rp_envelope_open_any(&cx, all, pkt, n, out, sizeof out, work, sizeof work, &res, &err, &detail);
        ck_assert_msg(rc == 0 && res.envelope == e, "open_any %s: rc %d, envelope %u (%s)",
                      envelopes[e].name, rc, res.envelope, detail.message);
        ck_assert_str_eq(out, msg);
    }
}
END_TEST

START_TEST(compositions_look_as_declared)
{
    /* hex(aes): lowercase hex of IV || ciphertext; the first IV drawn is rng round 0 */
    size_t n = seal(E_HEXAES, msg);
    ck_assert_uint_eq(n, 2 * (16 + RP_AES_CBC_SEALED_LEN(strlen(msg))));
    uint8_t iv[16];
    for (size_t i = 0; i < 16; i++) iv[i] = (uint8_t)(i * 7u + 1u);
    char ivhex[33];
    ck_assert_int_eq(rp_hex_encode(iv, 16, RP_HEX_LOWER, ivhex, sizeof ivhex, NULL, NULL), 0);
    ck_assert_int_eq(memcmp(pkt, ivhex, 32), 0);
    for (size_t i = 0; i < n; i++) ck_assert(pkt[i] >= '0' && pkt[i] <= 'f' && !(pkt[i] > '9' && pkt[i] < 'a'));
    /* the same with the ciphertext made by rp_crypto directly */
    uint8_t ct[256];
    size_t cl = 0;
    ck_assert_int_eq(rp_aes_cbc_encrypt(&kr.dev, iv, (const uint8_t *)msg, strlen(msg), ct, sizeof ct, &cl, NULL), 0);
    char cthex[600];
    ck_assert_int_eq(rp_hex_encode(ct, cl, RP_HEX_LOWER, cthex, sizeof cthex, NULL, NULL), 0);
    ck_assert_int_eq(memcmp(pkt + 32, cthex, 2 * cl), 0);
    /* uppercase hex opens too */
    for (size_t i = 0; i < n; i++) pkt[i] = (char)(pkt[i] >= 'a' ? pkt[i] - 32 : pkt[i]);
    rp_error err, detail;
    ck_assert_int_eq(open_as(E_HEXAES, pkt, n, &err, &detail), 0);
    ck_assert_str_eq(out, msg);

    /* join("::", id, hex(iv), base64(aes)): "sensor-7::<iv hex>::<base64>", IV not repeated */
    n = seal(E_JOINED, msg);
    ck_assert_int_eq(strncmp(pkt, "sensor-7::", 10), 0);
    ck_assert_int_eq(memcmp(pkt + 42, "::", 2), 0);
    size_t b64 = RP_BASE64_ENCODED_LEN(RP_AES_CBC_SEALED_LEN(strlen(msg)));
    ck_assert_uint_eq(n, 10 + 32 + 2 + b64);
    rp_envelope_opened res;
    ck_assert_int_eq(rp_envelope_open(&cx, E_JOINED, pkt, n, out, sizeof out, NULL, 0, &res, &err, &detail), 0);
    ck_assert_uint_eq(res.id_len, 8);
    ck_assert_int_eq(memcmp(res.id, "sensor-7", 8), 0);
    ck_assert_uint_eq(res.id_key, KEY_DEV);
    /* an id the receiver would split short is refused: one holding "::", or ending with ':'
     * (then "sensor:" + "::" reads as "sensor" + "::" + ":..."); a lone ':' inside is fine */
    {
        static const struct { const char *id; int rc; } ids[] = {
            { "sensor::7", RP_E_ARGUMENT }, { "sensor:", RP_E_ARGUMENT }, { ":", RP_E_ARGUMENT },
            { "sen:sor", 0 }, { ":sensor", 0 },
        };
        const char *was = kr.dev_id;
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            kr.dev_id = ids[i].id;
            size_t sn = 0;
            rp_error e2;
            int rc = rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &sn, &e2);
            ck_assert_msg(rc == ids[i].rc, "id '%s': %d (%s)", ids[i].id, rc, rc != 0 ? e2.message : "");
            if (rc != 0)
                continue;
            ck_assert_int_eq(rp_envelope_open(&cx, E_JOINED, pkt, sn, out, sizeof out, NULL, 0, &res, &err, &detail), 0);
            ck_assert_uint_eq(res.id_len, strlen(ids[i].id));
            ck_assert_int_eq(memcmp(res.id, ids[i].id, res.id_len), 0);
        }
        kr.dev_id = was;
    }

    /* base64(zlib(json)): a zlib stream (78 9C at the default level) */
    n = seal(E_ZB64, msg);
    uint8_t z[512];
    size_t zl = 0;
    ck_assert_int_eq(rp_base64_decode(pkt, n, RP_BASE64_STRICT, z, sizeof z, &zl, NULL), 0);
    ck_assert_uint_eq(z[0], 0x78);
    ck_assert_uint_eq(z[1], 0x9c);
    cx.zlib_level = 9;
    n = seal(E_ZB64, msg);
    ck_assert_int_eq(rp_base64_decode(pkt, n, RP_BASE64_STRICT, z, sizeof z, &zl, NULL), 0);
    ck_assert_uint_eq(z[1], 0xda);

    /* hex(rsa): one 2048-bit block, 512 hex characters */
    n = seal(E_HEXRSA, msg);
    ck_assert_uint_eq(n, 512);
}
END_TEST

START_TEST(length_prefixed_port_end_to_end)
{
    /* base64(zlib(json)) on the bulk port: frame, split by the port's framer, open */
    const rp_port_desc *bulk = &telemetry.ports[PORT_BULK - 1];
    char big[3000];
    size_t o = (size_t)snprintf(big, sizeof big, "{\"samples\":[");
    for (int i = 0; i < 400; i++) o += (size_t)snprintf(big + o, sizeof big - o, "%s%d", i ? "," : "", i % 17);
    snprintf(big + o, sizeof big - o, "]}");
    size_t n = seal(E_ZB64, big);
    uint8_t framed[BUF + 8];
    size_t fl = 0;
    ck_assert_int_eq(rp_frame_write(&bulk->framing, (const uint8_t *)pkt, n, framed, sizeof framed, &fl, NULL), 0);
    ck_assert_uint_eq(fl, n + 4);
    ck_assert_uint_eq(framed[0], 0);
    ck_assert_uint_eq(((size_t)framed[2] << 8) | framed[3], n);
    static uint8_t fb[65536 + 4];
    rp_framer f;
    ck_assert_int_eq(rp_framer_init(&f, &bulk->framing, fb, sizeof fb, bulk->max_packet, NULL), 0);
    size_t delivered = 0;
    for (size_t i = 0; i < fl; i += 5) {
        size_t used = 0;
        ck_assert_int_eq(rp_framer_push(&f, framed + i, fl - i < 5 ? fl - i : 5, &used, NULL), 0);
        const uint8_t *p;
        size_t pl;
        while (rp_framer_pop(&f, &p, &pl) == 1) {
            uint32_t m = rp_protocol_envelopes(&telemetry, PORT_BULK, PEER_DEVICE);
            ck_assert_uint_eq(m, BIT(E_ZB64));
            rp_envelope_opened res;
            rp_error err;
            ck_assert_int_eq(rp_envelope_open_any(&cx, m, (const char *)p, pl, out, sizeof out, work, sizeof work, &res, &err, NULL), 0);
            ck_assert_str_eq(out, big);
            delivered++;
        }
    }
    ck_assert_uint_eq(delivered, 1);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------------ */

START_TEST(wrong_key_truncated_bad_padding_bad_hex)
{
    rp_error err, detail;
    size_t n = seal(E_HEXAES, msg);
    char saved[BUF];
    memcpy(saved, pkt, n + 1);
    /* wrong key: the padding check fails (or, 1 in 256, the JSON check); what the open
     * wrote into out (the decoded IV and ciphertext, n / 2 bytes) is wiped */
    kr.wrong_only = true;
    memset(out, 0x5a, sizeof out);
    int rc = open_as(E_HEXAES, pkt, n, &err, &detail);
    ck_assert_int_eq(rc, RP_E_DECRYPT);
    ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
    ck_assert(detail.code == RP_E_DECRYPT || detail.code == RP_E_ENVELOPE);
    for (size_t i = 0; i < n / 2; i++) ck_assert_msg(out[i] == 0, "decoded bytes left in out at %zu", i);
    ck_assert_uint_eq((unsigned char)out[n / 2], 0x5a); /* and nothing beyond was touched */
    /* ... and offered first, the right key after it is taken */
    kr.wrong_only = false;
    kr.wrong_first = true;
    rp_envelope_opened res;
    ck_assert_int_eq(rp_envelope_open(&cx, E_HEXAES, pkt, n, out, sizeof out, work, sizeof work, &res, &err, &detail), 0);
    ck_assert_uint_eq(res.candidate[KEY_DEV], 1);
    ck_assert_str_eq(out, msg);
    kr.wrong_first = false;
    /* truncated by one hex digit: odd length */
    assert_uniform(open_as(E_HEXAES, pkt, n - 1, &err, &detail), &err, &detail, RP_E_HEX);
    ck_assert_uint_eq(detail.offset, n - 1);
    /* truncated by a whole block: the padding of the block before does not check out */
    assert_uniform(open_as(E_HEXAES, pkt, n - 32, &err, &detail), &err, &detail, RP_E_DECRYPT);
    ck_assert_ptr_nonnull(strstr(detail.message, "PKCS#7"));
    /* by half a block: not a multiple of 16 */
    assert_uniform(open_as(E_HEXAES, pkt, n - 16, &err, &detail), &err, &detail, RP_E_DECRYPT);
    ck_assert_ptr_nonnull(strstr(detail.message, "multiple of 16"));
    /* shorter than the IV */
    assert_uniform(open_as(E_HEXAES, pkt, 30, &err, &detail), &err, &detail, RP_E_DECRYPT);
    /* bad padding: the last ciphertext block's bytes flipped */
    pkt[n - 1] = pkt[n - 1] == '0' ? '1' : '0';
    pkt[n - 33] = pkt[n - 33] == '0' ? '1' : '0';
    assert_uniform(open_as(E_HEXAES, pkt, n, &err, &detail), &err, &detail, RP_E_DECRYPT);
    memcpy(pkt, saved, n + 1);
    /* bad hex, at offset 40 */
    pkt[40] = 'g';
    assert_uniform(open_as(E_HEXAES, pkt, n, &err, &detail), &err, &detail, RP_E_HEX);
    ck_assert_uint_eq(detail.offset, 40);
    memcpy(pkt, saved, n + 1);
    ck_assert_int_eq(open_as(E_HEXAES, pkt, n, &err, &detail), 0);
    /* no key at all */
    cx.keys = NULL;
    assert_uniform(open_as(E_HEXAES, pkt, n, &err, &detail), &err, &detail, RP_E_DECRYPT);
    ck_assert_ptr_nonnull(strstr(detail.message, "no value of key \"dev\""));
}
END_TEST

/* A key value of a size the spec's `key dev = aes(...)` does not list neither seals nor
 * opens; opening goes on to the next candidate. (dev is AES-192 here, other AES-128.) */
START_TEST(aes_sizes_the_spec_does_not_allow)
{
    rp_error err, detail;
    size_t n = seal(E_HEXAES, msg);
    rp_key_desc only[2] = { keys[0], keys[1] };
    rp_protocol p = telemetry;
    p.keys = only;
    cx.proto = &p;
    only[KEY_DEV].aes_bits = 4; /* aes(256) */
    size_t m = 0;
    ck_assert_int_eq(rp_envelope_seal(&cx, E_HEXAES, msg, strlen(msg), pkt + BUF / 2, BUF / 2, work, sizeof work,
                                      &m, &err), RP_E_KEY);
    ck_assert_msg(strstr(err.message, "key \"dev\" is given as AES-192, which the spec does not allow") != NULL,
                  "%s", err.message);
    assert_uniform(open_as(E_HEXAES, pkt, n, &err, &detail), &err, &detail, RP_E_DECRYPT);
    ck_assert_ptr_nonnull(strstr(detail.message, "AES-192, which the spec does not allow"));
    /* aes(192): the AES-128 candidate offered first is passed over, dev opens */
    only[KEY_DEV].aes_bits = 2;
    kr.wrong_first = true;
    rp_envelope_opened res;
    ck_assert_int_eq(rp_envelope_open(&cx, E_HEXAES, pkt, n, out, sizeof out, work, sizeof work, &res, &err, &detail), 0);
    ck_assert_uint_eq(res.candidate[KEY_DEV], 1);
    ck_assert_str_eq(out, msg);
    /* 0 in a hand-written table: any size */
    only[KEY_DEV].aes_bits = 0;
    kr.wrong_first = false;
    ck_assert_int_eq(open_as(E_HEXAES, pkt, n, &err, &detail), 0);
    cx.proto = &telemetry;
}
END_TEST

START_TEST(join_refusals)
{
    rp_error err, detail;
    size_t n = seal(E_JOINED, msg);
    char p[BUF];
    /* no separator after the IV */
    memcpy(p, pkt, n + 1);
    p[42] = ';';
    assert_uniform(open_as(E_JOINED, p, n, &err, &detail), &err, &detail, RP_E_ENVELOPE);
    ck_assert_uint_eq(detail.offset, 42);
    /* the text ends inside the IV */
    assert_uniform(open_as(E_JOINED, pkt, 30, &err, &detail), &err, &detail, RP_E_ENVELOPE);
    /* no separator at all after the id */
    assert_uniform(open_as(E_JOINED, "sensor-7", 8, &err, &detail), &err, &detail, RP_E_ENVELOPE);
    /* empty id */
    snprintf(p, sizeof p, "::%s", pkt + 10);
    assert_uniform(open_as(E_JOINED, p, strlen(p), &err, &detail), &err, &detail, RP_E_ENVELOPE);
    ck_assert_uint_eq(detail.offset, 0);
    /* IV not hex */
    memcpy(p, pkt, n + 1);
    p[11] = 'x';
    assert_uniform(open_as(E_JOINED, p, n, &err, &detail), &err, &detail, RP_E_ENVELOPE);
    ck_assert_uint_eq(detail.offset, 11);
    /* an id the receiver does not know: no key */
    snprintf(p, sizeof p, "sensor-8%s", pkt + 8);
    assert_uniform(open_as(E_JOINED, p, n, &err, &detail), &err, &detail, RP_E_DECRYPT);
    /* ... or the lookup's own answer, passed through as it is */
    kr.unknown = RP_E_UNKNOWN_CLIENT;
    ck_assert_int_eq(open_as(E_JOINED, p, n, &err, &detail), RP_E_UNKNOWN_CLIENT);
    ck_assert_int_eq(err.code, RP_E_UNKNOWN_CLIENT);
    {
        char text[256];
        rp_error_format(&err, text, sizeof text); /* the code named once, at the end */
        const char *first = strstr(text, "(unknown-client)");
        ck_assert_msg(first != NULL && strstr(first + 1, "(unknown-client)") == NULL, "%s", text);
    }
    /* bad base64 inside: uniform too */
    memcpy(p, pkt, n + 1);
    p[50] = '*';
    assert_uniform(open_as(E_JOINED, p, n, &err, &detail), &err, &detail, RP_E_BASE64);
    ck_assert_uint_eq(detail.offset, 50 - 44);
}
END_TEST

START_TEST(non_encrypting_envelopes_report_the_real_error)
{
    rp_error err, detail;
    size_t n = seal(E_ZB64, msg);
    char p[BUF];
    /* bad base64, where it is */
    memcpy(p, pkt, n + 1);
    p[5] = '!';
    ck_assert_int_eq(open_as(E_ZB64, p, n, &err, &detail), RP_E_BASE64);
    ck_assert_uint_eq(err.offset, 5);
    /* a valid base64 text that is not a zlib stream */
    ck_assert_int_eq(open_as(E_ZB64, "aGVsbG8gd29ybGQ=", 16, &err, &detail), RP_E_ZLIB);
    /* gzip refused */
    static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 0xab, 0xae, 5, 0, 0x43, 0xbf, 0xa6, 0xa3, 2, 0, 0, 0 };
    char g[64];
    ck_assert_int_eq(rp_base64_encode(gz, sizeof gz, g, sizeof g, NULL, NULL), 0);
    ck_assert_int_eq(open_as(E_ZB64, g, strlen(g), &err, &detail), RP_E_ZLIB);
    ck_assert_ptr_nonnull(strstr(err.message, "gzip"));
    /* oversize inflate: a zip bomb stops at the caller's plaintext capacity */
    static char zeros[200000];
    memset(zeros, ' ', sizeof zeros - 3);
    zeros[0] = '[';
    zeros[sizeof zeros - 3] = ']';
    zeros[sizeof zeros - 2] = '\0';
    static uint8_t zz[4096];
    size_t zl = 0;
    ck_assert_int_eq(rp_zlib_deflate((const uint8_t *)zeros, strlen(zeros), 9, zz, sizeof zz, &zl, NULL), 0);
    ck_assert_uint_lt(zl, 1024);
    char bomb[2048];
    size_t bl = 0;
    ck_assert_int_eq(rp_base64_encode(zz, zl, bomb, sizeof bomb, &bl, NULL), 0);
    rp_envelope_opened res;
    ck_assert_int_eq(rp_envelope_open(&cx, E_ZB64, bomb, bl, out, sizeof out, work, sizeof work, &res, &err, &detail), RP_E_ZLIB_BOUND);
    static char bigout[200000];
    static uint8_t bigwork[200000];
    ck_assert_int_eq(rp_envelope_open(&cx, E_ZB64, bomb, bl, bigout, sizeof bigout, bigwork, sizeof bigwork, &res, &err, &detail), 0);
    ck_assert_uint_eq(res.len, strlen(zeros));
    /* json that is not JSON */
    ck_assert_int_eq(open_as(E_PLAIN, "  hello", 7, &err, &detail), RP_E_ENVELOPE);
    ck_assert_uint_eq(err.offset, 2);
    ck_assert_int_eq(open_as(E_PLAIN, "", 0, &err, &detail), RP_E_ENVELOPE);
    /* base64 with line breaks (and CRLF) opens; bad characters are named where they are */
    char b[BUF];
    n = seal(E_B64, msg);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && i % 20 == 0) { b[o++] = '\r'; b[o++] = '\n'; }
        b[o++] = pkt[i];
    }
    b[o] = '\0';
    ck_assert_int_eq(open_as(E_B64, b, o, &err, &detail), 0);
    ck_assert_str_eq(out, msg);
    b[25] = '*';
    ck_assert_int_eq(open_as(E_B64, b, o, &err, &detail), RP_E_BASE64);
    ck_assert_uint_eq(err.offset, 25);
    /* padding in the middle, after a line break: the offset in the input */
    memcpy(b, "e30\r\n=e30=", 11);
    ck_assert_int_eq(rp_envelope_open(&cx, E_B64, b, 10, out, sizeof out, work, sizeof work, NULL, &err, NULL), RP_E_BASE64);
    ck_assert_uint_eq(err.offset, 5);
    ck_assert_ptr_nonnull(strstr(err.message, "at offset 5"));
    /* and strictly: no skipping of other bytes, unlike base64_lenient */
    ck_assert_int_eq(open_as(E_B64, "e30:", 4, &err, &detail), RP_E_BASE64);
    ck_assert_int_eq(open_as(E_B64, "e30=", 4, &err, &detail), 0);
    ck_assert_str_eq(out, "{}");
}
END_TEST

START_TEST(rsa_under_hex)
{
    rp_error err, detail;
    size_t n = seal(E_HEXRSA, msg);
    ck_assert_int_eq(open_as(E_HEXRSA, pkt, n, &err, &detail), 0);
    ck_assert_str_eq(out, msg);
    /* one byte short: the ciphertext has the wrong length for the key */
    assert_uniform(open_as(E_HEXRSA, pkt, n - 2, &err, &detail), &err, &detail, RP_E_DECRYPT);
    ck_assert_ptr_nonnull(strstr(detail.message, "exactly 256"));
    /* a corrupted block: refused (OpenSSL >= 3.2 may instead give garbage, which the json
     * check refuses) */
    pkt[100] = pkt[100] == '0' ? '1' : '0';
    int rc = open_as(E_HEXRSA, pkt, n, &err, &detail);
    assert_uniform(rc, &err, &detail, detail.code);
    ck_assert(detail.code == RP_E_DECRYPT || detail.code == RP_E_ENVELOPE);
    /* opening needs the private half */
    rp_rsa_key *priv = kr.node_priv;
    kr.node_priv = kr.node_pub;
    assert_uniform(open_as(E_HEXRSA, pkt, n, &err, &detail), &err, &detail, RP_E_KEY);
    kr.node_priv = priv;
    /* a buffer smaller than one block's plaintext is refused before decrypting */
    rp_envelope_opened res;
    ck_assert_int_eq(rp_envelope_open(&cx, E_HEXRSA, pkt, n, out, 100, work, sizeof work, &res, &err, &detail), RP_E_OVERFLOW);
    /* out and work in one allocation, work right after out and only as large as the
     * decoded text (a short packet): the block goes to out, so the outcome is the wrong
     * length for the key, not a buffer too small (regression: the end of out was taken for
     * a pointer into it, and the block was sent to the small work buffer) */
    size_t ocap = 300, wcap = 9;
    uint8_t *both = malloc(ocap + wcap);
    ck_assert_ptr_nonnull(both);
    assert_uniform(rp_envelope_open(&cx, E_HEXRSA, "00112233", 8, (char *)both, ocap, both + ocap, wcap, &res, &err, &detail),
                   &err, &detail, RP_E_DECRYPT);
    ck_assert_ptr_nonnull(strstr(detail.message, "exactly 256"));
    free(both);
    /* too long to seal in one block */
    char longmsg[400];
    memset(longmsg, ' ', sizeof longmsg - 1);
    longmsg[0] = '{';
    longmsg[sizeof longmsg - 2] = '}';
    longmsg[sizeof longmsg - 1] = '\0';
    ck_assert_int_eq(rp_envelope_seal(&cx, E_HEXRSA, longmsg, strlen(longmsg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_TOO_LONG);
}
END_TEST

START_TEST(uniform_error_for_every_corruption)
{
    /* 200 single-byte corruptions of a joined packet: every failure is the same public error */
    size_t n = seal(E_JOINED, msg);
    char p[BUF];
    size_t failures = 0;
    for (size_t i = 0; i < n; i += n / 200 + 1) {
        memcpy(p, pkt, n + 1);
        p[i] ^= 0x21;
        rp_error err, detail;
        int rc = open_as(E_JOINED, p, n, &err, &detail);
        if (rc == 0) continue; /* e.g. a case change in the IV hex, or a lucky block */
        failures++;
        if (rc == RP_E_DECRYPT) {
            ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
            ck_assert_uint_eq(err.offset, SIZE_MAX);
            ck_assert_str_eq(err.path, "");
        } else {
            ck_abort_msg("corruption at %zu gave %s", i, rp_status_name(rc));
        }
    }
    ck_assert_uint_gt(failures, 100);
}
END_TEST

START_TEST(seal_refusals_and_sizes)
{
    rp_error err;
    size_t n = 0;
    size_t max = rp_envelope_sealed_max(&telemetry, E_JOINED, strlen(msg), strlen(kr.dev_id));
    ck_assert_uint_gt(max, 0);
    /* exactly the maximum is enough; much less is RP_E_OVERFLOW */
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, max, work, max, &n, &err), 0);
    ck_assert_uint_eq(n + 1, max); /* AES output length is exact: the bound is tight here */
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, max - 1, work, max, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, 20, work, max, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, max, work, 20, &n, &err), RP_E_OVERFLOW);
    /* a work buffer is needed here (aes writes there), not for json alone */
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, max, NULL, 0, &n, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_envelope_seal(&cx, E_PLAIN, msg, strlen(msg), pkt, sizeof pkt, NULL, 0, &n, &err), 0);
    ck_assert_str_eq(pkt, msg);
    ck_assert_int_eq(rp_envelope_seal(&cx, E_PLAIN, msg, strlen(msg), pkt, strlen(msg), NULL, 0, &n, &err), RP_E_OVERFLOW);
    /* ids that would not split back */
    kr.dev_id = "a::b";
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_ARGUMENT);
    kr.dev_id = "";
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_ARGUMENT);
    kr.dev_id = "sensor-7";
    /* no random source, or a failing one */
    cx.random = NULL;
    ck_assert_int_eq(rp_envelope_seal(&cx, E_JOINED, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_envelope_seal(&cx, E_HEXAES, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_ARGUMENT);
    cx.random = failing_rng;
    ck_assert_int_eq(rp_envelope_seal(&cx, E_HEXAES, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_CRYPTO);
    cx.random = counter_rng;
    /* the plaintext may not lie in the buffers */
    memcpy(work + 100, msg, strlen(msg));
    ck_assert_int_eq(rp_envelope_seal(&cx, E_HEXAES, (char *)work + 100, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_ARGUMENT);
    /* unknown envelope, NULL context */
    ck_assert_int_eq(rp_envelope_seal(&cx, E_COUNT, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_envelope_seal(NULL, 0, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(rp_envelope_sealed_max(&telemetry, E_COUNT, 10, 0), 0);
    ck_assert_uint_eq(rp_envelope_sealed_max(&telemetry, E_HEXAES, SIZE_MAX / 2, 0), SIZE_MAX);
    /* two seals draw two IVs */
    size_t a = seal(E_HEXAES, msg);
    char first[BUF];
    memcpy(first, pkt, a + 1);
    ck_assert_uint_eq(seal(E_HEXAES, msg), a);
    ck_assert_int_ne(memcmp(first, pkt, 32), 0);
}
END_TEST

START_TEST(open_buffers)
{
    rp_error err, detail;
    rp_envelope_opened res;
    size_t n = seal(E_JOINED, msg);
    /* join, base64, aes and json all work in place: no work buffer needed */
    ck_assert_int_eq(rp_envelope_open(&cx, E_JOINED, pkt, n, out, n + 1, NULL, 0, &res, &err, &detail), 0);
    ck_assert_str_eq(out, msg);
    /* zlib and rsa need it */
    n = seal(E_ZB64, msg);
    ck_assert_int_eq(rp_envelope_open(&cx, E_ZB64, pkt, n, out, sizeof out, NULL, 0, &res, &err, &detail), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_envelope_open(&cx, E_ZB64, pkt, n, out, sizeof out, work, sizeof work, &res, &err, &detail), 0);
    /* the plaintext does not fit */
    n = seal(E_PLAIN, msg);
    ck_assert_int_eq(rp_envelope_open(&cx, E_PLAIN, pkt, n, out, n, work, sizeof work, &res, &err, &detail), RP_E_OVERFLOW);
    /* arguments */
    ck_assert_int_eq(rp_envelope_open(&cx, E_COUNT, pkt, n, out, sizeof out, work, sizeof work, &res, &err, &detail), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_envelope_open(&cx, E_PLAIN, NULL, 3, out, sizeof out, work, sizeof work, &res, &err, &detail), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_envelope_open(&cx, E_PLAIN, pkt, n, NULL, 0, work, sizeof work, &res, &err, &detail), RP_E_ARGUMENT);
}
END_TEST

START_TEST(shapes_and_classification)
{
    uint32_t dev = rp_protocol_envelopes(&telemetry, PORT_CONTROL, PEER_DEVICE);
    ck_assert_uint_eq(dev, BIT(E_JOINED) | BIT(E_PLAIN) | BIT(E_HEXAES));
    ck_assert_uint_eq(rp_protocol_envelopes(&telemetry, PORT_CONTROL, PEER_HUB), BIT(E_HEXRSA));
    ck_assert_uint_eq(rp_protocol_envelopes(&telemetry, 9, PEER_HUB), 0);
    ck_assert_uint_eq(rp_protocol_envelopes(NULL, 1, 1), 0);
    /* join > json > hex: each finds its own */
    size_t n = seal(E_JOINED, msg);
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, dev, pkt, n), BIT(E_JOINED));
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, dev, msg, strlen(msg)), BIT(E_PLAIN));
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, dev, " \t[1]", 5), BIT(E_PLAIN));
    n = seal(E_HEXAES, msg);
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, dev, pkt, n), BIT(E_HEXAES));
    /* a variable first part: the separator anywhere */
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, dev, "x::y", 4), BIT(E_JOINED));
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, dev, "x:y", 3), 0);
    /* hex before base64, base64 needs a letter, nothing of that shape: 0 */
    uint32_t hb = BIT(E_HEXAES) | BIT(E_B64);
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, hb, "abcd", 4), BIT(E_HEXAES));
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, hb, "abcz", 4), BIT(E_B64));
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, hb, "ab\ncz==", 7), BIT(E_B64));
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, hb, "====", 4), 0);
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, hb, "ab:c", 4), 0);
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, hb, "", 0), 0);
    /* binary at the outside is "anything" */
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, dev | BIT(E_HEXRSA), "\x01\x02", 2), 0);
    /* nothing fits: RP_E_ENVELOPE, nothing decrypted */
    rp_error err;
    kr.calls = 0;
    ck_assert_int_eq(rp_envelope_open_any(&cx, dev, "zz", 2, out, sizeof out, work, sizeof work, NULL, &err, NULL), RP_E_ENVELOPE);
    ck_assert_uint_eq(err.offset, 0);
    ck_assert_uint_eq(kr.calls, 0);
    /* masks beyond the protocol's envelopes are ignored */
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, 0xffffffffu, msg, strlen(msg)), BIT(E_PLAIN));
    /* an ambiguous set (rprotoc refuses it): the shared hex layer is opened, then the lowest
     * index wins, and a packet of the other one fails to open */
    n = seal(E_HEXRSA, msg);
    ck_assert_uint_eq(rp_envelope_classify(&telemetry, BIT(E_HEXAES) | BIT(E_HEXRSA), pkt, n),
                      BIT(E_HEXAES) | BIT(E_HEXRSA));
    ck_assert_int_eq(rp_envelope_open_any(&cx, BIT(E_HEXAES) | BIT(E_HEXRSA), pkt, n, out, sizeof out, work, sizeof work, NULL, &err, NULL), RP_E_DECRYPT);
    ck_assert(rp_envelope_encrypts(&telemetry, E_HEXAES));
    ck_assert(rp_envelope_encrypts(&telemetry, E_HEXRSA));
    ck_assert(!rp_envelope_encrypts(&telemetry, E_ZB64));
    ck_assert(!rp_envelope_encrypts(&telemetry, E_COUNT));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("envelope");
    TCase *tc = tcase_create("engine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_trip_every_envelope);
    tcase_add_test(tc, compositions_look_as_declared);
    tcase_add_test(tc, length_prefixed_port_end_to_end);
    tcase_add_test(tc, wrong_key_truncated_bad_padding_bad_hex);
    tcase_add_test(tc, aes_sizes_the_spec_does_not_allow);
    tcase_add_test(tc, join_refusals);
    tcase_add_test(tc, non_encrypting_envelopes_report_the_real_error);
    tcase_add_test(tc, rsa_under_hex);
    tcase_add_test(tc, uniform_error_for_every_corruption);
    tcase_add_test(tc, seal_refusals_and_sizes);
    tcase_add_test(tc, open_buffers);
    tcase_add_test(tc, shapes_and_classification);
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
