/* test_lanes: residue's generated decode lanes (rprotoc --optimize speed) agree with the
 * table walk on every input.
 *
 * generated/residue.c is compiled in here so that its static descriptions can be handed to
 * rp_schema_decode directly: that is the decode --optimize size generates. Each generated
 * decode function (lane first) and rp_schema_decode must give the same return code, the
 * same storage use and bytes, the same struct bytes and on failure the same error, offset,
 * path and spec location (support/lane_diff.c), strict and under both wire profiles, on the
 * real captures in ../shared/vectors, on texts built from each description, and on their
 * mutations: truncated, reordered, members dropped or doubled, bytes replaced, spaces,
 * escapes, numbers out of range, storage that runs out. residue_decode_any, which goes
 * through the lanes too, is held to classify-then-walk on every capture and its truncations.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "residue.c"

#include "support/lane_diff.h"
#include "support/vec_support.h"

#define CODEC(n) { #n, &schema__##n, (lane_decode_fn)residue_##n##_decode }

/* Under ASan (make check's second run, memcheck's LSan run) every 5th truncation only. */
#if defined(__SANITIZE_ADDRESS__)
#define CUT_STEP 5u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CUT_STEP 5u
#endif
#endif
#ifndef CUT_STEP
#define CUT_STEP 1u
#endif

static const lane_codec codecs[] = {
    CODEC(connect), CODEC(acknowledgement), CODEC(touch), CODEC(hello), CODEC(server_info),
    CODEC(established), CODEC(connect_error), CODEC(log_request), CODEC(log_bulk),
    CODEC(log_reply),
};
#define NCODECS (sizeof codecs / sizeof codecs[0])

static const rp_schema_profile *const profiles[] = {
    NULL, &residue_profile_wire, &residue_profile_wire_untimed
};
#define NPROFILES (sizeof profiles / sizeof profiles[0])

/* Every *.plain.json of every scenario under ../shared/vectors, in a sorted list. */
static size_t vector_paths(char **out, size_t cap)
{
    char *dirs[64];
    size_t nd = vec_scenarios(dirs, 64), n = 0;
    for (size_t d = 0; d < nd; d++) {
        DIR *dir = opendir(dirs[d]);
        ck_assert_ptr_nonnull(dir);
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l < 11 || strcmp(e->d_name + l - 11, ".plain.json") != 0 || n == cap)
                continue;
            size_t pl = strlen(dirs[d]) + l + 2;
            out[n] = malloc(pl);
            ck_assert_ptr_nonnull(out[n]);
            snprintf(out[n], pl, "%s/%s", dirs[d], e->d_name);
            n++;
        }
        closedir(dir);
        free(dirs[d]);
    }
    for (size_t i = 1; i < n; i++) /* sorted, so failures name the same file every run */
        for (size_t k = i; k > 0 && strcmp(out[k - 1], out[k]) > 0; k--) {
            char *t = out[k];
            out[k] = out[k - 1];
            out[k - 1] = t;
        }
    return n;
}

/* Every capture as every message under every profile; the messages a capture is (those
 * that accept it) with all its mutations. */
START_TEST(lanes_agree_on_captures)
{
    char *paths[256];
    size_t n = vector_paths(paths, 256), accepted = 0, mutated = 0;
    ck_assert_uint_ge(n, 10);
    for (size_t v = 0; v < n; v++) {
        size_t len;
        char *json = vec_read_file(paths[v], &len);
        ck_assert_ptr_nonnull(json);
        while (len > 0 && (json[len - 1] == '\n' || json[len - 1] == '\r'))
            len--; /* the files end in a newline; the messages on the wire do not */
        for (size_t k = 0; k < NCODECS; k++)
            for (size_t p = 0; p < NPROFILES; p++) {
                if (lane_diff_one(&codecs[k], json, len, profiles[p], paths[v]) != 0)
                    continue;
                accepted++;
                mutated += lane_diff_mutations(&codecs[k], json, len, profiles[p], 200);
            }
        free(json);
        free(paths[v]);
    }
    ck_assert_uint_ge(accepted, 10); /* the captures are residue messages */
    ck_assert_uint_gt(mutated, 100);
}
END_TEST

/* A text built from each description (every field, and the required ones alone), and its
 * mutations, as its own message under every profile. */
START_TEST(lanes_agree_on_samples)
{
    size_t accepted = 0;
    for (size_t k = 0; k < NCODECS; k++)
        for (int all = 0; all < 2; all++) {
            size_t len;
            char *json = lane_sample(codecs[k].schema, all != 0, &len);
            for (size_t p = 0; p < NPROFILES; p++)
                accepted += lane_diff_mutations(&codecs[k], json, len, profiles[p], 500) > 0;
            free(json);
        }
    ck_assert_uint_ge(accepted, NCODECS * NPROFILES); /* most samples are valid */
}
END_TEST

/* The lane's own edges, each against the walk: numbers at the width limits, leading zeros,
 * 19 and 20 digits, strings at the 16/32-byte steps of the string lane, UTF-8, hex and
 * base64 padding, and the relax bits of wire_untimed. */
START_TEST(lanes_agree_on_edges)
{
    static const char *const texts[] = {
        "{\"_t\":1,\"type\":1}",
        "{\"_t\":0,\"type\":1}",
        "{\"_t\":01,\"type\":1}",
        "{\"_t\":1234567890123456789,\"type\":1}",
        "{\"_t\":12345678901234567890,\"type\":1}",
        "{\"_t\":18446744073709551615,\"type\":1}",
        "{\"_t\":18446744073709551616,\"type\":1}",
        "{\"_t\":12345678,\"type\":1}",
        "{\"_t\":123456789,\"type\":1}",
        "{\"_t\":1,\"type\":1,\"key_size\":256}",
        "{\"_t\":1,\"type\":1,\"key_size\":255}",
        "{\"_t\":1,\"type\":1,\"client_id\":\"abc\"}",
        "{\"_t\":1,\"type\":1,\"client_id\":\"a b\"}",
        "{\"_t\":1,\"type\":1,\"client_id\":\"\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QQ==\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QR==\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUI=\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUJD\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUJDRA\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUJD\\u0052A==\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo-\"}",
        "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"\"}",
        "{\"_t\":1,\"type\":1}  ",
        " {\"_t\":1,\"type\":1}",
        "{\"_t\":1,\"type\":1,}",
        "{\"_t\":1,\"type\":1",
        "{\"_t\":1,,\"type\":1}",
        "{}",
        "",
        "{\"status\":0,\"ack\":1,\"flags\":4095,\"max_bulk_size\":1,\"key\":\"00112233445566778899aabbccddeeff\",\"client_id\":\"x\",\"logging_port\":1}",
        "{\"status\":0,\"ack\":1,\"flags\":4096,\"max_bulk_size\":1,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"client_id\":\"x\",\"logging_port\":1}",
        "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":1,\"key\":\"00112233445566778899AABBCCDDEEF\",\"client_id\":\"x\",\"logging_port\":1}",
        "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":1,\"key\":\"00112233445566778899AABBCCDDEEFG\",\"client_id\":\"x\",\"logging_port\":1}",
        "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":1,\"server_info\":{\"version\":\"2.3.6\"},\"key\":\"000102030405060708090A0B0C0D0E0F1011121314151617\",\"client_id\":\"x\",\"logging_port\":65535}",
        "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":1,\"server_info\":{\"version\":\"2.3.6\",\"licensee\":\"l\"},\"key\":\"000102030405060708090A0B0C0D0E0F\",\"client_id\":\"x\",\"logging_port\":65536}",
        "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":1,\"server_info\":{},\"key\":\"000102030405060708090A0B0C0D0E0F\",\"client_id\":\"x\",\"logging_port\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"0123456789abcde\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"0123456789abcdef\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"0123456789abcdef0123456789abcde\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"0123456789abcdef0123456789abcdef\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"0123456789abcdef0123456789abcdef0\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 long enough to pass 32\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"bad \xc3\x28 utf8\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"over\xed\xa0\x80long\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"tab\there\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"esc\\\"aped\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"del\x7f\",\"level\":1}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"m\",\"level\":3}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"m\",\"level\":128,\"vlevel\":9}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"m\",\"level\":128,\"vlevel\":10}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"\",\"level\":128}",
        "{\"_t\":1.5,\"datetime\":2,\"msg\":\"m\",\"level\":128}",
        "{\"_t\":\"1\",\"datetime\":2,\"msg\":\"m\",\"level\":128}",
        "{\"_t\":null,\"datetime\":2,\"msg\":\"m\",\"level\":128}",
        "{\"datetime\":2,\"msg\":\"m\",\"level\":128}",
        "{\"_t\":0,\"datetime\":2,\"msg\":\"m\",\"level\":128}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"m\",\"level\":128,\"line\":4294967295}",
        "{\"_t\":1,\"datetime\":2,\"msg\":\"m\",\"level\":128,\"line\":4294967296}",
        "{\"r\":0}",
        "{\"r\":3}",
        "{\"r\":-0}",
        "[{\"_t\":1,\"datetime\":2,\"msg\":\"m\",\"level\":128}]",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (size_t k = 0; k < NCODECS; k++)
            for (size_t p = 0; p < NPROFILES; p++)
                lane_diff_one(&codecs[k], texts[i], strlen(texts[i]), profiles[p], texts[i]);
}
END_TEST

/* What the tests above compare is really a lane against the walk: every residue message
 * but the top-level array has one in generated/residue.c. */
START_TEST(every_message_has_a_lane)
{
    static const char *const lanes[] = { "lane__connect", "lane__acknowledgement",
                                         "lane__touch", "lane__hello", "lane__server_info",
                                         "lane__established", "lane__connect_error",
                                         "lane__log_request", "lane__log_reply" };
    size_t len;
    char *src = vec_read_file("generated/residue.c", &len);
    ck_assert_ptr_nonnull(src);
    for (size_t i = 0; i < sizeof lanes / sizeof lanes[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "static bool %s(", lanes[i]);
        ck_assert_msg(strstr(src, want) != NULL, "generated/residue.c has no %s", lanes[i]);
    }
    ck_assert(strstr(src, "lane__log_bulk") == NULL); /* arrays are the walk's */
    free(src);
}
END_TEST

/* residue_decode_any as --optimize size writes it: classify, then the walk. */
static int any_walk(const char *json, size_t len, residue_port port, residue_peer from,
                    residue_any *out, rp_arena *storage, const rp_schema_profile *profile,
                    rp_error *err)
{
    static const rp_schema_route routes[] = {
        { RESIDUE_MSG_CONNECT, RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, &schema__connect, RESIDUE_CONNECT_ENVELOPES },
        { RESIDUE_MSG_ACKNOWLEDGEMENT, RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, &schema__acknowledgement, RESIDUE_ACKNOWLEDGEMENT_ENVELOPES },
        { RESIDUE_MSG_TOUCH, RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT, &schema__touch, RESIDUE_TOUCH_ENVELOPES },
        { RESIDUE_MSG_HELLO, RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, &schema__hello, RESIDUE_HELLO_ENVELOPES },
        { RESIDUE_MSG_ESTABLISHED, RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, &schema__established, RESIDUE_ESTABLISHED_ENVELOPES },
        { RESIDUE_MSG_CONNECT_ERROR, RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, &schema__connect_error, RESIDUE_CONNECT_ERROR_ENVELOPES },
        { RESIDUE_MSG_LOG_REQUEST, RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT, &schema__log_request, RESIDUE_LOG_REQUEST_ENVELOPES },
        { RESIDUE_MSG_LOG_BULK, RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT, &schema__log_bulk, RESIDUE_LOG_BULK_ENVELOPES },
        { RESIDUE_MSG_LOG_REPLY, RESIDUE_PORT_LOGGING, RESIDUE_PEER_SERVER, &schema__log_reply, RESIDUE_LOG_REPLY_ENVELOPES },
    };
    out->id = RESIDUE_MSG_NONE;
    int which = rp_schema_classify(routes, sizeof routes / sizeof routes[0], (int)port, (int)from,
                                   json, len, profile, err);
    if (which < 0)
        return which;
    int rc = rp_schema_decode(routes[which].message, json, len, &out->u, storage, profile, err);
    if (rc == 0)
        out->id = (residue_message_id)routes[which].id;
    return rc;
}

/* One text through residue_decode_any (lanes where the message has one) and through
 * any_walk, into the same zeroed storage: the same code, message, storage use, struct bytes
 * (pointers included: both fill the storage alike) and error. */
static void any_agrees(const char *json, size_t len, residue_port port, residue_peer from,
                       const rp_schema_profile *profile, const char *what)
{
    static unsigned char store[1u << 16]; /* both decode here: the same addresses */
    static residue_any out[2];
    rp_error err[2];
    int rc[2];
    size_t used[2];
    for (int k = 0; k < 2; k++) {
        memset(store, 0, sizeof store);
        memset(&out[k], 0, sizeof out[k]);
        rp_error_clear(&err[k]);
        rp_arena a;
        rp_arena_init(&a, store, sizeof store);
        rc[k] = k == 0 ? residue_decode_any(json, len, port, from, &out[k], &a, profile, &err[k])
                       : any_walk(json, len, port, from, &out[k], &a, profile, &err[k]);
        used[k] = a.used;
    }
    ck_assert_msg(rc[0] == rc[1], "%s: decode_any %d, the walk %d", what, rc[0], rc[1]);
    ck_assert_msg(out[0].id == out[1].id, "%s: message %d against %d", what, out[0].id, out[1].id);
    if (rc[0] == 0) {
        ck_assert_msg(used[0] == used[1], "%s: storage %zu against %zu", what, used[0], used[1]);
        ck_assert_msg(memcmp(&out[0], &out[1], sizeof out[0]) == 0, "%s: the decoded structs differ", what);
    } else {
        ck_assert_msg(strcmp(err[0].message, err[1].message) == 0 && err[0].offset == err[1].offset &&
                          strcmp(err[0].path, err[1].path) == 0,
                      "%s: '%s' at %zu against '%s' at %zu", what, err[0].message, err[0].offset,
                      err[1].message, err[1].offset);
    }
}

/* decode_any, which the server and the client call, takes the lanes too and agrees with the
 * classify-then-walk of --optimize size on every capture (each port and sender, each
 * profile) and on every truncation of each. */
START_TEST(decode_any_agrees_with_the_walk)
{
    static const struct { residue_port port; residue_peer from; } ends[] = {
        { RESIDUE_PORT_CONNECT, RESIDUE_PEER_CLIENT }, { RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER },
        { RESIDUE_PORT_LOGGING, RESIDUE_PEER_CLIENT }, { RESIDUE_PORT_LOGGING, RESIDUE_PEER_SERVER },
    };
    char *paths[256];
    size_t n = vector_paths(paths, 256), decoded = 0;
    for (size_t v = 0; v < n; v++) {
        size_t len;
        char *json = vec_read_file(paths[v], &len);
        ck_assert_ptr_nonnull(json);
        while (len > 0 && (json[len - 1] == '\n' || json[len - 1] == '\r'))
            len--;
        for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++)
            for (size_t p = 0; p < NPROFILES; p++) {
                rp_error err;
                residue_any any;
                unsigned char st[1u << 16];
                rp_arena a;
                rp_arena_init(&a, st, sizeof st);
                decoded += residue_decode_any(json, len, ends[e].port, ends[e].from, &any, &a,
                                              profiles[p], &err) == 0;
                any_agrees(json, len, ends[e].port, ends[e].from, profiles[p], paths[v]);
                for (size_t cut = 0; cut < len; cut += CUT_STEP)
                    any_agrees(json, cut, ends[e].port, ends[e].from, profiles[p], paths[v]);
            }
        free(json);
        free(paths[v]);
    }
    ck_assert_uint_ge(decoded, 20); /* the captures decode on their own port */
}
END_TEST

static Suite *lanes_suite(void)
{
    Suite *s = suite_create("lanes");
    TCase *tc = tcase_create("residue");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, every_message_has_a_lane);
    tcase_add_test(tc, lanes_agree_on_edges);
    tcase_add_test(tc, lanes_agree_on_samples);
    tcase_add_test(tc, lanes_agree_on_captures);
    tcase_add_test(tc, decode_any_agrees_with_the_walk);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lanes_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
