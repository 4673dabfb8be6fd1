/* test_generated_every: the constructs the residue spec does not use, exercised through the
 * committed golden pair of tests/specs/valid/all-constructs.rproto (compiled in here):
 * unknown_keys = reject, signed enums and int64 extremes, uint64 flags, repeated scalars,
 * strings and messages with count bounds, defaults of every kind, escaped wire keys, len
 * sets and exact lengths, nested-only arrays, and decode_any on every route.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../golden/emit/every.c"

/* Every leniency a profile can name (the engine is protocol-neutral; residue's own
 * profiles are generated from spec/residue.rproto into generated/residue.h). */
static const rp_schema_profile test_wire = { "wire", 0, true, true, true, RP_DUPLICATES_LAST, true, true };

static every_any g_any;
static uint8_t g_mem[1 << 16];
static char g_out[1 << 16];

static int decode_request(const char *json, const rp_schema_profile *profile, rp_error *err)
{
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    return every_request_decode(json, strlen(json), &g_any.u.request, &a, profile, err);
}

#define REQ_HEAD "{\"k\":1,\"v\":3,\"d\":0"

START_TEST(test_defaults_and_init)
{
    every_request r;
    every_request_init(&r);
    ck_assert(r.has_kind && r.kind == EVERY_KIND_FIRST);
    ck_assert(r.has_version && r.version == 3);
    ck_assert(!r.has_pick && r.pick == -1);
    ck_assert(!r.has_size && r.size == 256);
    ck_assert(!r.has_flag && r.flag);
    ck_assert(!r.has_id);
    ck_assert_str_eq(r.id.ptr, "x-1");
    ck_assert(!r.has_severity && r.severity == EVERY_SEVERITY_NORMAL);
    ck_assert(!r.has_bits && r.bits == EVERY_BITS_MID);
    ck_assert(!r.inner.has_name);
    ck_assert_str_eq(r.inner.name.ptr, "abc"); /* defaults of nested messages too */
    rp_error err;
    ck_assert_int_eq(every_request_validate(&r, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.d");
    r.has_delta = true;
    size_t n;
    ck_assert_int_eq(every_request_encode(&r, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_str_eq(g_out, "{\"k\":1,\"v\":3,\"d\":0}");
    /* decoding applies the defaults but leaves them absent */
    ck_assert_int_eq(decode_request(REQ_HEAD "}", NULL, &err), 0);
    ck_assert(!g_any.u.request.has_size && g_any.u.request.size == 256);
    ck_assert_str_eq(g_any.u.request.id.ptr, "x-1");
}
END_TEST

START_TEST(test_reject_unknown_keys)
{
    rp_error err;
    /* Request ignores unknown keys; its nested Inner rejects them. */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"zzz\":1}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"inner\":{\"on\":true,\"zzz\":1}}", &test_wire, &err),
                     RP_E_SCHEMA_UNKNOWN);
    ck_assert_str_eq(err.path, "$.inner.zzz");
    ck_assert_str_eq(err.spec.file, "all-constructs.rproto");
    ck_assert_uint_eq(err.spec.line, 97); /* option unknown_keys = reject; */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"inner\":{\"on\":true,\"name\":\"xy\"}}", NULL, &err), 0);
    ck_assert(g_any.u.request.has_inner && g_any.u.request.inner.on_off);
    ck_assert_str_eq(g_any.u.request.inner.name.ptr, "xy");
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"inner\":{\"on\":1}}", NULL, &err), RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(err.path, "$.inner.on");
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"inner\":{\"on\":true,\"name\":\"ABC\"}}", NULL, &err),
                     RP_E_SCHEMA_CHARSET);
}
END_TEST

START_TEST(test_integers_at_the_edges)
{
    rp_error err;
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"wide\":-9223372036854775808}", NULL, &err), 0);
    ck_assert(g_any.u.request.wide == EVERY_WIDE_MIN);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"wide\":9223372036854775807}", NULL, &err), 0);
    ck_assert(g_any.u.request.wide == EVERY_WIDE_MAX);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"wide\":1}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"high\":18446744073709551615}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"high\":18446744073709551614}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"low\":-1}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"low\":0}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_request("{\"k\":1,\"v\":3,\"d\":-100}", NULL, &err), 0);
    ck_assert_int_eq(decode_request("{\"k\":1,\"v\":3,\"d\":-101}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.d");
    ck_assert_int_eq(decode_request("{\"k\":1,\"v\":3,\"d\":2147483648}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_msg(strstr(err.message, "32-bit") != NULL, "%s", err.message);
    /* signed enum */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"sev\":-128}", NULL, &err), 0);
    ck_assert_int_eq(g_any.u.request.severity, EVERY_SEVERITY_LOWEST);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"sev\":-1}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"sev\":-129}", NULL, &err), RP_E_SCHEMA_RANGE);
    /* one_of with a negative member; one_of and range together */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"pick\":-1}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"pick\":2}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"size\":192}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"size\":300}", NULL, &err), RP_E_SCHEMA_RANGE);
    /* const + range on v */
    ck_assert_int_eq(decode_request("{\"k\":1,\"v\":4,\"d\":0}", NULL, &err), RP_E_SCHEMA_CONST);
    /* uint64 flags, including bit 63 */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"bits\":9223372041149743105}", NULL, &err), 0);
    ck_assert(g_any.u.request.bits == EVERY_BITS_ALL);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"bits\":2}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_request(REQ_HEAD "}", NULL, &err), 0);
    g_any.u.request.bits = 2; /* not a Bits bit: encode refuses */
    g_any.u.request.has_bits = true;
    size_t n;
    ck_assert_int_eq(every_request_encode(&g_any.u.request, g_out, sizeof g_out, &n, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.bits");
}
END_TEST

START_TEST(test_repeated_and_lengths)
{
    rp_error err;
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"nums\":[1,2,3],\"words\":[\"a\",\"bb\"],"
                                    "\"inners\":[{\"on\":false},{\"on\":true,\"name\":\"q\"}]}",
                                    NULL, &err), 0);
    const every_request *r = &g_any.u.request;
    ck_assert_uint_eq(r->numbers_count, 3);
    ck_assert_uint_eq(r->numbers[2], 3);
    ck_assert_uint_eq(r->words_count, 2);
    ck_assert_str_eq(r->words[1].ptr, "bb");
    ck_assert_uint_eq(r->inners_count, 2);
    ck_assert_str_eq(r->inners[0].name.ptr, "abc"); /* items get their defaults */
    ck_assert_str_eq(r->inners[1].name.ptr, "q");
    size_t n;
    ck_assert_int_eq(every_request_encode(r, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_str_eq(g_out, "{\"k\":1,\"v\":3,\"d\":0,\"nums\":[1,2,3],\"inners\":[{\"on\":false},"
                            "{\"on\":true,\"name\":\"q\"}],\"words\":[\"a\",\"bb\"]}");
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"nums\":[1,2,3,4,5,6,7,8,9]}", NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.path, "$.nums");
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"nums\":[1,0]}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.nums[1]");
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"inners\":[]}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"inners\":[{\"on\":true},{\"on\":true},{\"on\":true},"
                                    "{\"on\":true},{\"on\":true}]}", NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"words\":[\"\"]}", NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.path, "$.words[0]");
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"nums\":7}", NULL, &err), RP_E_SCHEMA_TYPE);
    /* null: absent in wire mode, wrong type in strict mode */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"nums\":null}", &test_wire, &err), 0);
    ck_assert(!g_any.u.request.has_numbers && g_any.u.request.numbers_count == 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"nums\":null}", NULL, &err), RP_E_SCHEMA_TYPE);
    /* exact length, length sets, open-ended length */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"exact\":\"abcd\"}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"exact\":\"abc\"}", NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"some\":\"abcdefgh\"}", NULL, &err), 0);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"some\":\"abc\"}", NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"open\":\"\"}", NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"blob\":\"AAEC\"}", NULL, &err), 0);
    ck_assert_uint_eq(g_any.u.request.blob.len, 3);
    /* a wire key with a quote, a backslash and U+00E9, escaped or not in the input */
    ck_assert_int_eq(decode_request(REQ_HEAD ",\"q\\\"\\\\\\u00e9\":\"x\"}", NULL, &err), 0);
    ck_assert(g_any.u.request.has_quoted);
    ck_assert_int_eq(every_request_encode(&g_any.u.request, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_msg(strstr(g_out, "\"q\\\"\\\\\xc3\xa9\":\"x\"") != NULL, "%s", g_out);
}
END_TEST

/* The header's encode contract: a repeated field is present when has_ is set or its count
 * is not 0; the NUL follows the text only when cap exceeds its length, and a text that does
 * not fit is RP_E_OVERFLOW with *out_len = its length. */
START_TEST(test_encode_presence_and_nul)
{
    rp_error err;
    ck_assert_int_eq(decode_request(REQ_HEAD "}", NULL, &err), 0);
    every_request r = g_any.u.request;
    size_t n = 0;
    ck_assert_int_eq(every_request_encode(&r, g_out, sizeof g_out, &n, &err), 0);
    const size_t bare = n;
    r.numbers[0] = 5;
    r.numbers_count = 1; /* has_numbers left false: the count makes it present */
    ck_assert_int_eq(every_request_encode(&r, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_msg(strstr(g_out, ",\"nums\":[5]") != NULL, "%s", g_out);
    r.numbers_count = 0;
    r.has_numbers = true; /* present with no items */
    ck_assert_int_eq(every_request_encode(&r, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_msg(strstr(g_out, ",\"nums\":[]") != NULL, "%s", g_out);
    r.has_numbers = false;
    ck_assert_int_eq(every_request_encode(&r, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_uint_eq(n, bare);
    ck_assert(strstr(g_out, "nums") == NULL);

    char exact[1 << 10];
    memset(exact, 'Z', sizeof exact);
    ck_assert_int_eq(every_request_encode(&r, exact, bare, &n, &err), 0); /* no room for NUL */
    ck_assert_uint_eq(n, bare);
    ck_assert_int_eq(exact[bare], 'Z');
    ck_assert_int_eq(memcmp(exact, g_out, bare), 0);
    ck_assert_int_eq(every_request_encode(&r, exact, bare + 1, &n, &err), 0);
    ck_assert_int_eq(exact[bare], '\0');
    n = 0;
    ck_assert_int_eq(every_request_encode(&r, exact, bare - 1, &n, &err), RP_E_OVERFLOW);
    ck_assert_uint_eq(n, bare);
}
END_TEST

START_TEST(test_routes_and_arrays)
{
    rp_error err;
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    ck_assert_int_eq(every_decode_any("{\"k\":2}", 7, EVERY_PORT_CONTROL, EVERY_PEER_HUB, &g_any, &a,
                                      NULL, &err), 0);
    ck_assert_int_eq(g_any.id, EVERY_MSG_REPLY);
    ck_assert_int_eq(every_decode_any("{\"k\":1}", 7, EVERY_PORT_CONTROL, EVERY_PEER_HUB, &g_any, &a,
                                      NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_int_eq(every_decode_any("{\"t\":\"x\"}", 9, EVERY_PORT_SMALL, EVERY_PEER_DEVICE, &g_any, &a,
                                      NULL, &err), 0);
    ck_assert_int_eq(g_any.id, EVERY_MSG_LOG);
    ck_assert_int_eq(every_decode_any("[{\"t\":\"x\"},{\"t\":\"y\"}]", 21, EVERY_PORT_CONTROL, EVERY_PEER_DEVICE,
                                      &g_any, &a, NULL, &err), 0);
    ck_assert_int_eq(g_any.id, EVERY_MSG_LOGS);
    ck_assert_uint_eq(g_any.u.logs.count, 2);
    ck_assert_str_eq(every_message_name(EVERY_MSG_LOGS), "Logs");
    /* the route-less array decodes by its own function; at most 10 items */
    static every_inners inners;
    ck_assert_int_eq(every_inners_decode("[]", 2, &inners, &a, NULL, &err), 0);
    ck_assert_uint_eq(inners.count, 0);
    const char *eleven = "[{\"on\":true},{\"on\":true},{\"on\":true},{\"on\":true},{\"on\":true},"
                         "{\"on\":true},{\"on\":true},{\"on\":true},{\"on\":true},{\"on\":true},{\"on\":true}]";
    ck_assert_int_eq(every_inners_decode(eleven, strlen(eleven), &inners, &a, NULL, &err),
                     RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.path, "$");
    size_t n;
    every_inners_init(&inners);
    inners.count = 10;
    for (size_t i = 0; i < 10; i++) {
        every_inner_init(&inners.items[i]);
        inners.items[i].has_on_off = true;
        inners.items[i].name = rp_str_from_cstr("abcdefghijklmnop");
        inners.items[i].has_name = true;
    }
    ck_assert_int_eq(every_inners_encode(&inners, g_out, sizeof g_out, &n, &err), 0);
    ck_assert_uint_le(n, EVERY_INNERS_MAX_SIZE);
    ck_assert_uint_ge(n, EVERY_INNERS_MAX_SIZE - 10); /* only "false" vs "true" slack */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("generated_every");
    TCase *tc = tcase_create("every");
    tcase_add_test(tc, test_defaults_and_init);
    tcase_add_test(tc, test_reject_unknown_keys);
    tcase_add_test(tc, test_integers_at_the_edges);
    tcase_add_test(tc, test_repeated_and_lengths);
    tcase_add_test(tc, test_encode_presence_and_nul);
    tcase_add_test(tc, test_routes_and_arrays);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
