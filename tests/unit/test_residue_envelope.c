/* residue_envelope: classifier rules, AES envelope parsing without a key, seal/open of every
 * kind, Java-style input (uppercase IV, wrapped base64), canonical output, and the uniform
 * decryption error with its local-only detail. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue_envelope.h"
#include "support/vec_support.h"

#define VEC "../shared/vectors"
#define CLIENT_PRIV VEC "/A-unknown-plain/keys/client-private.pem"
#define CLIENT_PUB VEC "/A-unknown-plain/keys/client-public.pem"

#define IV_HEX "de63a15365e28ff009f2de5730d32108"
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

START_TEST(classify_c2s_server_rule)
{
    static const struct {
        const char *pkt;
        int has_key;
        residue_envelope_kind want;
    } cases[] = {
        {IV_HEX ":abc:Zm9v", 0, RESIDUE_KIND_AES_CLIENT_ID},
        {"DE63A15365E28FF009F2DE5730D32108:abc:Zm9v", 1, RESIDUE_KIND_AES_CLIENT_ID},
        {IV_HEX ":", 0, RESIDUE_KIND_RAW_TEXT},      /* len 33: not > 33 */
        {IV_HEX ":x", 0, RESIDUE_KIND_RAW_TEXT},     /* len 34, ':' at 32: envelope by the rule */
        {"de63a15365e28ff009f2de5730d3210:abc:Zm9v", 0, RESIDUE_KIND_RAW_TEXT}, /* ':' at 31 */
        {"{\"_t\":1,\"type\":1}", 0, RESIDUE_KIND_PLAIN},
        {"{\"_t\":1,\"type\":1}", 1, RESIDUE_KIND_PLAIN},
        {" \n{\"a\":1}", 0, RESIDUE_KIND_PLAIN},
        {"[{\"a\":1}]", 0, RESIDUE_KIND_PLAIN},
        {"this is not json", 0, RESIDUE_KIND_RAW_TEXT},
        {"this is not json", 1, RESIDUE_KIND_RSA},
        {"QUJDREVGRw==", 1, RESIDUE_KIND_RSA},
        {"", 0, RESIDUE_KIND_RAW_TEXT},
    };
    /* the one corner case: ':' at 32 makes anything an envelope */
    ck_assert_int_eq(residue_envelope_classify_c2s(IV_HEX ":x", 34, 0), RESIDUE_KIND_AES_CLIENT_ID);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (i == 3) continue; /* checked above with its true length */
        residue_envelope_kind k = residue_envelope_classify_c2s(cases[i].pkt, strlen(cases[i].pkt), cases[i].has_key);
        ck_assert_msg(k == cases[i].want, "case %zu: %s, expected %s", i, residue_envelope_kind_name(k),
                      residue_envelope_kind_name(cases[i].want));
    }
    ck_assert_int_eq(residue_envelope_classify_c2s(NULL, 10, 0), RESIDUE_KIND_RAW_TEXT);
}
END_TEST

START_TEST(classify_s2c_client_rule)
{
    ck_assert_int_eq(residue_envelope_classify_s2c("{\"r\":0}", 7), RESIDUE_KIND_PLAIN);
    ck_assert_int_eq(residue_envelope_classify_s2c(IV_HEX ":Zm9vYmFy", 41), RESIDUE_KIND_AES_NO_CLIENT_ID);
    ck_assert_int_eq(residue_envelope_classify_s2c("Zm9vYmFy", 8), RESIDUE_KIND_RSA);
    ck_assert_int_eq(residue_envelope_classify_s2c("Zm9v\nYmFy\n", 10), RESIDUE_KIND_RSA);
    ck_assert_int_eq(residue_envelope_classify_s2c("error: bad", 10), RESIDUE_KIND_RAW_TEXT);
    ck_assert_int_eq(residue_envelope_classify_s2c("", 0), RESIDUE_KIND_RAW_TEXT);
    ck_assert_int_eq(residue_envelope_classify_s2c(" \n ", 3), RESIDUE_KIND_RAW_TEXT);
    ck_assert_str_eq(residue_envelope_kind_name(RESIDUE_KIND_AES_NO_CLIENT_ID), "aes-no-client-id");
    ck_assert_str_eq(residue_envelope_kind_name(RESIDUE_KIND_AES_CLIENT_ID), "aes-client-id");
    ck_assert_str_eq(residue_envelope_kind_name(RESIDUE_KIND_PLAIN), "plain");
    ck_assert_str_eq(residue_envelope_kind_name(RESIDUE_KIND_RSA), "rsa");
    ck_assert_str_eq(residue_envelope_kind_name(RESIDUE_KIND_RAW_TEXT), "raw-text");
    ck_assert_str_eq(residue_envelope_kind_name((residue_envelope_kind)42), "raw-text");
}
END_TEST

START_TEST(parse_c2s_without_key)
{
    const char *p = "DE63A15365E28FF009F2DE5730D32108:iomjhtvrmyqdfqxu:Zm9v\nYmFy";
    residue_aes_envelope env;
    ck_assert_int_eq(residue_envelope_parse_aes_c2s(p, strlen(p), &env, NULL), 0);
    uint8_t iv[16];
    iv_bytes(iv);
    ck_assert_int_eq(memcmp(env.iv, iv, 16), 0);
    ck_assert_uint_eq(env.client_id_len, 16);
    ck_assert_int_eq(memcmp(env.client_id, "iomjhtvrmyqdfqxu", 16), 0);
    ck_assert_ptr_eq(env.payload, p + 50);
    ck_assert_uint_eq(env.payload_len, 9);

    static const struct {
        const char *pkt;
        size_t offset;
    } bad[] = {
        {"de63a15365e28ff009f2de5730d3210:abc:Zm9v", 31},   /* ':' at 31 */
        {"de63a15365e28ff009f2de5730d32108abc", 35},        /* no ':' at all */
        {"de63a15365e28ff009f2de5730d3210g:abc:Zm9v", 31},  /* non-hex IV */
        {"de63a15365e28ff009f2de5730d32108:abcZm9v", 40},   /* no ':' after the id */
        {"de63a15365e28ff009f2de5730d32108::Zm9v", 33},     /* empty id */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rp_error err;
        int rc = residue_envelope_parse_aes_c2s(bad[i].pkt, strlen(bad[i].pkt), &env, &err);
        ck_assert_msg(rc == RP_E_ENVELOPE, "case %zu: rc %d", i, rc);
        ck_assert_msg(err.offset == bad[i].offset, "case %zu: offset %zu (%s)", i, err.offset, err.message);
        ck_assert_int_eq(err.layer, RP_LAYER_ENVELOPE);
    }
    /* s2c form */
    ck_assert_int_eq(residue_envelope_parse_aes_s2c(IV_HEX ":Zm9v", 37, &env, NULL), 0);
    ck_assert_ptr_null(env.client_id);
    ck_assert_uint_eq(env.payload_len, 4);
}
END_TEST

START_TEST(aes_seal_open_both_directions)
{
    rp_aes_key key;
    key256(&key);
    uint8_t iv[16];
    iv_bytes(iv);
    size_t len = strlen(ack);
    size_t cap = RESIDUE_ENVELOPE_AES_C2S_SIZE(16, strlen(ack));
    char *out = malloc(cap);
    size_t n = 0;
    rp_error err;
    ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "iomjhtvrmyqdfqxu", 16, ack, len, out, cap - 1, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "iomjhtvrmyqdfqxu", 16, ack, len, out, cap, &n, NULL), 0);
    ck_assert_uint_eq(n, cap - 1);
    ck_assert_uint_eq(out[n], '\0');
    ck_assert_int_eq(strncmp(out, IV_HEX ":iomjhtvrmyqdfqxu:", 50), 0); /* lowercase IV */
    ck_assert_ptr_null(strchr(out, '\n'));
    ck_assert_int_eq(residue_envelope_classify_c2s(out, n, 0), RESIDUE_KIND_AES_CLIENT_ID);
    char pt[256];
    size_t pl = 0;
    ck_assert_int_eq(residue_envelope_open_aes_c2s(&key, out, n, pt, sizeof pt, &pl, NULL, NULL), 0);
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
    ck_assert_int_eq(residue_envelope_classify_c2s(java, j, 0), RESIDUE_KIND_AES_CLIENT_ID);
    memset(pt, 0, sizeof pt);
    ck_assert_int_eq(residue_envelope_open_aes_c2s(&key, java, j, pt, sizeof pt, &pl, NULL, NULL), 0);
    ck_assert_str_eq(pt, ack);

    /* server -> client */
    char s2c[512];
    ck_assert_int_eq(residue_envelope_seal_aes_s2c(&key, iv, "{\"status\":0}", 12, s2c, sizeof s2c, &n, NULL), 0);
    ck_assert_uint_eq(n, RESIDUE_ENVELOPE_AES_S2C_SIZE(12) - 1);
    ck_assert_int_eq(residue_envelope_classify_s2c(s2c, n), RESIDUE_KIND_AES_NO_CLIENT_ID);
    ck_assert_int_eq(residue_envelope_open_aes_s2c(&key, s2c, n, pt, sizeof pt, &pl, NULL, NULL), 0);
    ck_assert_str_eq(pt, "{\"status\":0}");

    /* client ids that could not be parsed back are refused */
    ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "a:b", 3, ack, len, out, cap, &n, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "", 0, ack, len, out, cap, &n, &err), RP_E_ARGUMENT);
    /* too small an output buffer for opening is a local error, checked before decrypting */
    ck_assert_int_eq(residue_envelope_open_aes_s2c(&key, s2c, strlen(s2c), pt, 16, &pl, &err, NULL), RP_E_OVERFLOW);
    free(out);
    rp_aes_key_wipe(&key);
}
END_TEST

/* Sealing and opening work in the caller's buffer where they can (no temporary heap
 * buffer); the result must not depend on which path ran: plaintext before, inside or apart
 * from the region the ciphertext is staged in, and open buffers just big enough (heap path)
 * or roomy (in place). A failed in-place open leaves no decoded bytes behind. */
START_TEST(aes_buffer_paths_agree)
{
    rp_aes_key key;
    key256(&key);
    uint8_t iv[16];
    iv_bytes(iv);
    size_t len = strlen(ack);
    size_t cap = RESIDUE_ENVELOPE_AES_C2S_SIZE(16, len);
    char ref[512], buf[512];
    size_t rn = 0, n = 0;
    ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "iomjhtvrmyqdfqxu", 16, ack, len, ref, cap, &rn, NULL), 0);
    /* plaintext at every offset of the output buffer itself */
    for (size_t at = 0; at + len <= cap; at++) {
        memset(buf, '#', sizeof buf);
        memcpy(buf + at, ack, len);
        ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "iomjhtvrmyqdfqxu", 16, buf + at, len, buf, cap, &n, NULL), 0);
        ck_assert_uint_eq(n, rn);
        ck_assert_mem_eq(buf, ref, rn + 1);
    }
    /* open: exactly ct_len + 1 bytes (below the base64 bound: heap path) and roomy */
    char pt[512];
    size_t pl = 0;
    size_t ct_len = RP_AES_CBC_SEALED_LEN(len);
    ck_assert_int_eq(residue_envelope_open_aes_c2s(&key, ref, rn, pt, ct_len + 1, &pl, NULL, NULL), 0);
    ck_assert_uint_eq(pl, len);
    ck_assert_str_eq(pt, ack);
    memset(pt, '#', sizeof pt);
    ck_assert_int_eq(residue_envelope_open_aes_c2s(&key, ref, rn, pt, sizeof pt, &pl, NULL, NULL), 0);
    ck_assert_uint_eq(pl, len);
    ck_assert_str_eq(pt, ack);
    /* a wrong key: uniform error, and the roomy buffer holds no decoded bytes */
    rp_aes_key other = key;
    other.bytes[0] ^= 1;
    memset(pt, '#', sizeof pt);
    rp_error err;
    ck_assert_int_eq(residue_envelope_open_aes_c2s(&other, ref, rn, pt, sizeof pt, &pl, &err, NULL), RP_E_DECRYPT);
    ck_assert_uint_eq(pl, 0);
    size_t payload = rn - 50;
    for (size_t i = 0; i < RP_BASE64_DECODED_MAX(payload); i++) ck_assert_int_eq(pt[i], 0);
    rp_aes_key_wipe(&other);
    rp_aes_key_wipe(&key);
}
END_TEST

/* Re-encodes a payload's ciphertext after `mutate`, producing a c2s packet. */
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
    char good[512];
    size_t gl;
    ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "id", 2, ack, strlen(ack), good, sizeof good, &gl, NULL), 0);
    /* ciphertext bytes of `good` */
    residue_aes_envelope env;
    ck_assert_int_eq(residue_envelope_parse_aes_c2s(good, gl, &env, NULL), 0);
    uint8_t ct[256];
    size_t cl;
    ck_assert_int_eq(rp_base64_decode(env.payload, env.payload_len, RP_BASE64_STRICT, ct, sizeof ct, &cl, NULL), 0);

    char pkts[8][512];
    size_t lens[8];
    const rp_aes_key *keys[8];
    const char *what[8];
    int n = 0;
    /* wrong key (checked to fail; deterministic for these fixed bytes) */
    memcpy(pkts[n], good, gl + 1), lens[n] = gl, keys[n] = &wrong, what[n++] = "wrong key";
    /* bad padding: the first block alone ends inside the JSON text (byte 15 is '6' = 0x36,
     * never valid PKCS#7) */
    lens[n] = make_packet(pkts[n], sizeof pkts[n], "id", ct, 16), keys[n] = &key, what[n++] = "bad padding";
    /* wrong length */
    lens[n] = make_packet(pkts[n], sizeof pkts[n], "id", ct, cl - 1), keys[n] = &key, what[n++] = "length";
    /* empty payload */
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "%s:id:", IV_HEX), keys[n] = &key, what[n++] = "empty";
    /* base64 that is mostly junk: lenient decoding leaves a wrong length */
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "%s:id:!!!?%%%%Zm9v", IV_HEX), keys[n] = &key, what[n++] = "junk base64";
    /* not an envelope at all / bad IV */
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "hello"), keys[n] = &key, what[n++] = "no envelope";
    lens[n] = (size_t)snprintf(pkts[n], sizeof pkts[n], "zz63a15365e28ff009f2de5730d32108:id:Zm9v"), keys[n] = &key, what[n++] = "bad iv";

    rp_error first;
    char details[8][RP_ERROR_MESSAGE_MAX];
    for (int i = 0; i < n; i++) {
        rp_error err, detail;
        memset(&detail, 0, sizeof detail);
        char out[512];
        size_t ol = 99;
        int rc = residue_envelope_open_aes_c2s(keys[i], pkts[i], lens[i], out, sizeof out, &ol, &err, &detail);
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
        /* the public message never contains the detail */
        ck_assert_ptr_null(strstr(err.message, detail.message));
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
    const char *hello = "{\"status\":0,\"ack\":0,\"key\":\"EC576947A59AB8625B432CE26F4C9DE6CB0023333C1F572371FF7A21DC24247D\",\"client_id\":\"iomjhtvrmyqdfqxu\"}";
    char sealed[RESIDUE_ENVELOPE_RSA_SIZE(256)];
    size_t n = 0;
    ck_assert_int_eq(residue_envelope_seal_rsa(pub, hello, strlen(hello), sealed, sizeof sealed, &n, NULL), 0);
    ck_assert_uint_eq(n, 344);
    ck_assert_int_eq(residue_envelope_classify_s2c(sealed, n), RESIDUE_KIND_RSA);
    char pt[246];
    size_t pl = 0;
    ck_assert_int_eq(residue_envelope_open_rsa(priv, sealed, n, pt, sizeof pt, &pl, NULL, NULL), 0);
    ck_assert_str_eq(pt, hello);
    /* Java-wrapped base64 opens too */
    char wrapped[400];
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        wrapped[w++] = sealed[i];
        if ((i + 1) % 76 == 0) wrapped[w++] = '\n';
    }
    wrapped[w++] = '\n';
    ck_assert_int_eq(residue_envelope_open_rsa(priv, wrapped, w, pt, sizeof pt, &pl, NULL, NULL), 0);
    ck_assert_str_eq(pt, hello);

    rp_error err, detail;
    /* too long for one block */
    char big[247];
    memset(big, 'x', 246);
    big[246] = '\0';
    ck_assert_int_eq(residue_envelope_seal_rsa(pub, big, 246, sealed, sizeof sealed, &n, &err), RP_E_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(err.message, "245"));
    ck_assert_int_eq(residue_envelope_seal_rsa(pub, big, 245, sealed, sizeof sealed, &n, NULL), 0);
    ck_assert_int_eq(residue_envelope_seal_rsa(pub, big, 10, sealed, sizeof sealed - 1, &n, &err), RP_E_OVERFLOW);
    /* failures are uniform */
    ck_assert_int_eq(residue_envelope_open_rsa(priv, sealed, 100, pt, sizeof pt, &pl, &err, &detail), RP_E_DECRYPT);
    ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
    ck_assert_ptr_nonnull(strstr(detail.message, "256"));
    ck_assert_int_eq(residue_envelope_open_rsa(priv, "not base64 at all!", 18, pt, sizeof pt, &pl, &err, NULL), RP_E_DECRYPT);
    ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
    /* local problems keep their own codes */
    ck_assert_int_eq(residue_envelope_open_rsa(pub, sealed, n, pt, sizeof pt, &pl, &err, NULL), RP_E_ARGUMENT);
    ck_assert_int_eq(residue_envelope_open_rsa(priv, sealed, n, pt, 245, &pl, &err, NULL), RP_E_OVERFLOW);
    rp_rsa_key_free(pub);
    rp_rsa_key_free(priv);
}
END_TEST

START_TEST(compressed_log_round_trip_and_bound)
{
    rp_aes_key key;
    key256(&key);
    uint8_t iv[16];
    iv_bytes(iv);
    char json[2048];
    int jl = snprintf(json, sizeof json, "[");
    for (int i = 0; i < 20; i++)
        jl += snprintf(json + jl, sizeof json - (size_t)jl, "%s{\"_t\":1795667616,\"logger\":\"x\",\"msg\":\"message %d\",\"level\":4}", i ? "," : "", i);
    jl += snprintf(json + jl, sizeof json - (size_t)jl, "]");
    size_t cap = RESIDUE_ENVELOPE_AES_C2S_SIZE(2, RP_BASE64_ENCODED_LEN(rp_zlib_deflate_bound((size_t)jl)));
    char *pkt = malloc(cap);
    size_t n = 0;
    ck_assert_int_eq(residue_envelope_seal_log_zlib(&key, iv, "id", 2, json, (size_t)jl, RP_ZLIB_DEFAULT_LEVEL, pkt, cap, &n, NULL), 0);
    ck_assert_uint_lt(n, (size_t)jl); /* it did compress */
    residue_aes_envelope env;
    ck_assert_int_eq(residue_envelope_parse_aes_c2s(pkt, n, &env, NULL), 0);
    char out[2048];
    size_t ol = 0;
    ck_assert_int_eq(residue_envelope_open_log_zlib(&key, &env, out, sizeof out, &ol, NULL, NULL), 0);
    ck_assert_uint_eq(ol, (size_t)jl);
    ck_assert_str_eq(out, json);
    /* the layers: AES plaintext is base64 of a zlib stream with the default header */
    char b64[2048];
    size_t bl;
    ck_assert_int_eq(residue_envelope_open_aes(&key, &env, b64, sizeof b64, &bl, NULL, NULL), 0);
    ck_assert_int_eq(strncmp(b64, "eJ", 2), 0); /* 78 9C */
    ck_assert_int_eq(residue_envelope_decompress_log(b64, bl, out, sizeof out, &ol, NULL), 0);
    ck_assert_str_eq(out, json);
    /* the inflate bound: uniform toward the peer, ZLIB_BOUND in the local detail */
    rp_error err, detail;
    ck_assert_int_eq(residue_envelope_open_log_zlib(&key, &env, out, (size_t)jl, &ol, &err, &detail), RP_E_DECRYPT);
    ck_assert_str_eq(err.message, RP_DECRYPT_PUBLIC_MESSAGE);
    ck_assert_int_eq(detail.code, RP_E_ZLIB_BOUND);
    ck_assert_int_eq(residue_envelope_open_log_zlib(&key, &env, out, (size_t)jl + 1, &ol, &err, &detail), 0);
    /* an uncompressed log opened as compressed fails the same way */
    char plain_pkt[1024];
    ck_assert_int_eq(residue_envelope_seal_aes_c2s(&key, iv, "id", 2, "{\"msg\":\"x\"}", 11, plain_pkt, sizeof plain_pkt, &n, NULL), 0);
    ck_assert_int_eq(residue_envelope_parse_aes_c2s(plain_pkt, n, &env, NULL), 0);
    ck_assert_int_eq(residue_envelope_open_log_zlib(&key, &env, out, sizeof out, &ol, &err, &detail), RP_E_DECRYPT);
    ck_assert_int_eq(detail.code, RP_E_ZLIB);
    free(pkt);
    rp_aes_key_wipe(&key);
}
END_TEST

START_TEST(plain_seal)
{
    char out[16];
    size_t n;
    rp_error err;
    ck_assert_int_eq(residue_envelope_seal_plain("{\"r\":0}", 7, out, sizeof out, &n, NULL), 0);
    ck_assert_str_eq(out, "{\"r\":0}");
    ck_assert_int_eq(residue_envelope_seal_plain("{\"r\":0}", 7, out, 7, &n, &err), RP_E_OVERFLOW);
    ck_assert_int_eq(residue_envelope_seal_plain("{}\r\n\r\n", 6, out, sizeof out, &n, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(err.offset, 2);
}
END_TEST

static Suite *envelope_suite(void)
{
    Suite *s = suite_create("envelope");
    TCase *tc = tcase_create("envelope");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, classify_c2s_server_rule);
    tcase_add_test(tc, classify_s2c_client_rule);
    tcase_add_test(tc, parse_c2s_without_key);
    tcase_add_test(tc, aes_seal_open_both_directions);
    tcase_add_test(tc, aes_buffer_paths_agree);
    tcase_add_test(tc, uniform_decryption_errors);
    tcase_add_test(tc, rsa_seal_open);
    tcase_add_test(tc, compressed_log_round_trip_and_bound);
    tcase_add_test(tc, plain_seal);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(envelope_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
