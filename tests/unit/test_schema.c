/* test_schema: the rp_schema engine with hand-written descriptions — classification
 * (consts, signed discriminators, fallback messages, arrays, routes), collect-all checking,
 * argument handling, each profile setting on its own (trailing bytes, fractions, string
 * numbers, duplicates, null, base64), the per-field relax bits of a profile index (a
 * required field absent, 0 as absent; other indexes unaffected), and max_depth (a message
 * nested 40 levels round-trips with its limit, and is refused both ways under a smaller
 * one). Generated code exercises the rest (test_generated*).
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "rp_schema.h"

/* Every leniency a profile can name (the engine is protocol-neutral; residue's own
 * profiles are generated from spec/residue.rproto into generated/residue.h). */
static const rp_schema_profile test_wire = { "wire", 0, true, true, true, RP_DUPLICATES_LAST, true, true };

typedef struct ping {
    int64_t kind;
    rp_str name;
    bool has_kind, has_name;
} ping;

typedef struct plain_msg {
    uint64_t n;
    bool has_n;
} plain_msg;

typedef struct plain_list {
    plain_msg items[2];
    size_t count;
} plain_list;

static const char F[] = "test.rproto";

static const rp_schema_rule ping_kind_rules[] = {
    { .kind = RP_RULE_CONST, .loc = { F, 3, 30 }, .expect = "MINUS (-5)", .i_lo = -5 },
};
static const rp_schema_rule ping_name_rules[] = {
    { .kind = RP_RULE_LEN, .loc = { F, 4, 30 }, .expect = "1..3", .has_lo = true, .u_lo = 1, .has_hi = true, .u_hi = 3 },
};
static const rp_schema_field ping_fields[] = {
    { .key = "k", .key_len = 1, .name = "kind", .type = RP_SCHEMA_INT, .bits = 64, .size = sizeof(int64_t),
      .required = true, .offset = offsetof(ping, kind), .has_offset = offsetof(ping, has_kind),
      .rules = ping_kind_rules, .rule_count = 1, .loc = { F, 3, 3 } },
    { .key = "name", .key_len = 4, .name = "name", .type = RP_SCHEMA_STRING, .size = sizeof(rp_str),
      .required = true, .offset = offsetof(ping, name), .has_offset = offsetof(ping, has_name),
      .rules = ping_name_rules, .rule_count = 1, .loc = { F, 4, 3 } },
};
static const rp_schema_message ping_schema = { .name = "Ping", .size = sizeof(ping), .fields = ping_fields,
                                               .field_count = 2, .reject_unknown = true, .loc = { F, 2, 1 } };

static const rp_schema_field plain_fields[] = {
    { .key = "n", .key_len = 1, .name = "n", .type = RP_SCHEMA_UINT, .bits = 8, .size = sizeof(uint64_t),
      .offset = offsetof(plain_msg, n), .has_offset = offsetof(plain_msg, has_n), .loc = { F, 7, 3 } },
};
static const rp_schema_message plain_schema = { .name = "Plain", .size = sizeof(plain_msg),
                                                .fields = plain_fields, .field_count = 1 };

static const rp_schema_field list_fields[] = {
    { .key = "", .name = "items", .type = RP_SCHEMA_MESSAGE, .size = sizeof(plain_msg), .required = true,
      .repeated = true, .offset = offsetof(plain_list, items), .has_offset = SIZE_MAX,
      .count_offset = offsetof(plain_list, count), .max_count = 2, .message = &plain_schema },
};
static const rp_schema_message list_schema = { .name = "List", .size = sizeof(plain_list),
                                               .fields = list_fields, .field_count = 1, .is_array = true };

/* port 1 dir 1: Ping (discriminated) and Plain (catch-all); port 1 dir 2: List only */
static const rp_schema_route routes[] = {
    { 10, 1, 1, &plain_schema, 0 },
    { 11, 1, 1, &ping_schema, 0 },
    { 12, 1, 2, &list_schema, 0 },
};
#define NROUTES (sizeof routes / sizeof routes[0])

static int classify(const char *json, int port, int dir, const rp_schema_profile *profile, rp_error *err)
{
    return rp_schema_classify(routes, NROUTES, port, dir, json, strlen(json), profile, err);
}

START_TEST(test_classify)
{
    rp_error err;
    /* a signed discriminator; the discriminated message wins over the catch-all listed first */
    ck_assert_int_eq(classify("{\"name\":\"x\",\"k\":-5}", 1, 1, NULL, &err), 1);
    ck_assert_int_eq(classify("{\"k\":5}", 1, 1, NULL, &err), 0); /* falls back to Plain */
    ck_assert_int_eq(classify("{}", 1, 1, NULL, &err), 0);
    ck_assert_int_eq(classify("[{}]", 1, 2, NULL, &err), 2);
    ck_assert_int_eq(classify("{}", 1, 2, NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_int_eq(err.layer, RP_LAYER_SCHEMA);
    ck_assert_int_eq(classify("[1]", 1, 1, NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_msg(strstr(err.message, "Plain, Ping") != NULL, "%s", err.message);
    ck_assert_int_eq(classify("{}", 2, 1, NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_int_eq(classify("\"str\"", 1, 1, NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_int_eq(classify("nope", 1, 1, NULL, &err), RP_E_JSON_SYNTAX);
    ck_assert_int_eq(classify("{\"k\":-5", 1, 1, NULL, &err), RP_E_JSON_SYNTAX);
    ck_assert_int_eq(classify("{} x", 1, 1, NULL, &err), RP_E_JSON_TRAILING);
    ck_assert_int_eq(classify("{} x", 1, 1, &test_wire, &err), 0);
    /* wire mode truncates a float discriminator like the value itself */
    ck_assert_int_eq(classify("{\"k\":-5.9}", 1, 1, &test_wire, &err), 1);
    ck_assert_int_eq(classify("{\"k\":-5.9}", 1, 1, NULL, &err), 0);
    ck_assert_int_eq(rp_schema_classify(NULL, 0, 1, 1, "{}", 2, NULL, &err), RP_E_ARGUMENT);
}
END_TEST

typedef struct collected {
    int n;
    rp_error last[8];
} collected;

static void collect(void *ctx, const rp_error *e)
{
    collected *c = ctx;
    if (c->n < 8)
        c->last[c->n] = *e;
    c->n++;
}

START_TEST(test_check_all)
{
    ping p;
    uint8_t mem[256];
    rp_arena a;
    rp_arena_init(&a, mem, sizeof mem);
    collected c = { 0 };
    const char *bad = "{\"k\":4,\"name\":\"long\",\"extra\":1,\"k\":-5}";
    int n = rp_schema_check_all(&ping_schema, bad, strlen(bad), &p, &a, NULL, collect, &c);
    ck_assert_int_eq(n, 4); /* const, length, unknown key, duplicate */
    ck_assert_int_eq(c.n, 4);
    ck_assert_int_eq(c.last[0].code, RP_E_SCHEMA_CONST);
    ck_assert_str_eq(c.last[0].path, "$.k");
    ck_assert_uint_eq(c.last[0].spec.column, 30);
    ck_assert_int_eq(c.last[1].code, RP_E_SCHEMA_LENGTH);
    ck_assert_int_eq(c.last[2].code, RP_E_SCHEMA_UNKNOWN);
    ck_assert_str_eq(c.last[2].path, "$.extra");
    ck_assert_int_eq(c.last[3].code, RP_E_SCHEMA_DUPLICATE);
    /* the fail-fast decoder stops at the first of them */
    rp_error err;
    ck_assert_int_eq(rp_schema_decode(&ping_schema, bad, strlen(bad), &p, &a, NULL, &err),
                     RP_E_SCHEMA_CONST);
    /* a JSON error ends the check: it is reported once, after the schema problems before it */
    c.n = 0;
    const char *broken = "{\"k\":1,\"name\":\"ab\",";
    n = rp_schema_check_all(&ping_schema, broken, strlen(broken), &p, &a, NULL, collect, &c);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(c.last[1].code, RP_E_JSON_SYNTAX);
    /* valid */
    c.n = 0;
    const char *good = "{\"k\":-5,\"name\":\"abc\"}";
    ck_assert_int_eq(rp_schema_check_all(&ping_schema, good, strlen(good), &p, &a, NULL, collect, &c), 0);
    ck_assert_int_eq(c.n, 0);
    ck_assert_int_eq(rp_schema_check_all(&ping_schema, good, strlen(good), &p, &a, NULL, NULL, NULL),
                     RP_E_ARGUMENT);
}
END_TEST

START_TEST(test_arguments_and_arrays)
{
    rp_error err;
    plain_list l;
    ck_assert_int_eq(rp_schema_decode(NULL, "[]", 2, &l, NULL, NULL, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_schema_decode(&list_schema, NULL, 3, &l, NULL, NULL, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_schema_validate(&list_schema, NULL, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_schema_encode(&list_schema, &l, NULL, 5, NULL, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_schema_decode(&list_schema, NULL, 0, &l, NULL, NULL, &err), RP_E_JSON_SYNTAX);
    /* items beyond the capacity are read (they must be JSON) but refused */
    ck_assert_int_eq(rp_schema_decode(&list_schema, "[{},{\"n\":255}]", 14, &l, NULL, NULL, &err), 0);
    ck_assert_uint_eq(l.count, 2);
    ck_assert(l.items[1].has_n && l.items[1].n == 255);
    ck_assert_int_eq(rp_schema_decode(&list_schema, "[{},{},{}]", 10, &l, NULL, NULL, &err),
                     RP_E_SCHEMA_LENGTH);
    ck_assert_int_eq(rp_schema_decode(&list_schema, "[{\"n\":256}]", 11, &l, NULL, NULL, &err),
                     RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$[0].n");
    char out[32];
    size_t n;
    rp_schema_init(&list_schema, &l);
    l.count = 1;
    ck_assert_int_eq(rp_schema_encode(&list_schema, &l, out, sizeof out, &n, &err), 0);
    ck_assert_str_eq(out, "[{}]");
    l.count = 3; /* more than the capacity: validate refuses before anything is read */
    ck_assert_int_eq(rp_schema_validate(&list_schema, &l, &err), RP_E_SCHEMA_LENGTH);
}
END_TEST

/* Numbers: every way a number misses an integer field is a schema problem with the field's
 * spec location, and collect-all checking goes on after it. */
typedef struct nums {
    uint64_t u16;
    int64_t i8;
    uint64_t seq;
    bool has_u16, has_i8, has_seq;
} nums;

static const rp_schema_field nums_fields[] = {
    { .key = "u", .key_len = 1, .name = "u16", .type = RP_SCHEMA_UINT, .bits = 16, .size = sizeof(uint64_t),
      .offset = offsetof(nums, u16), .has_offset = offsetof(nums, has_u16), .loc = { F, 20, 3 } },
    { .key = "i", .key_len = 1, .name = "i8", .type = RP_SCHEMA_INT, .bits = 8, .size = sizeof(int64_t),
      .offset = offsetof(nums, i8), .has_offset = offsetof(nums, has_i8), .loc = { F, 21, 3 } },
    { .key = "seq", .key_len = 3, .name = "seq", .type = RP_SCHEMA_UINT, .bits = 64, .size = sizeof(uint64_t),
      .required = true, .offset = offsetof(nums, seq), .has_offset = offsetof(nums, has_seq), .loc = { F, 22, 3 } },
};
static const rp_schema_message nums_schema = { .name = "Nums", .size = sizeof(nums), .fields = nums_fields,
                                               .field_count = 3, .loc = { F, 19, 1 } };

START_TEST(test_check_all_numbers)
{
    nums v;
    uint8_t mem[256];
    rp_arena a;
    rp_arena_init(&a, mem, sizeof mem);
    collected c = { 0 };
    const char *bad = "{\"u\":-1,\"i\":1.5,\"seq\":18446744073709551616}";
    int n = rp_schema_check_all(&nums_schema, bad, strlen(bad), &v, &a, NULL, collect, &c);
    ck_assert_int_eq(n, 3); /* none of them ends the check, none is also called missing */
    ck_assert_int_eq(c.last[0].code, RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(c.last[0].message, "-1 does not fit a 16-bit unsigned integer");
    ck_assert_uint_eq(c.last[0].offset, 5);
    ck_assert_uint_eq(c.last[0].spec.line, 20);
    ck_assert_int_eq(c.last[1].code, RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(c.last[1].message, "expected an integer, found 1.5");
    ck_assert_uint_eq(c.last[1].spec.line, 21);
    ck_assert_int_eq(c.last[2].code, RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(c.last[2].message, "18446744073709551616 does not fit a 64-bit unsigned integer");
    ck_assert_str_eq(c.last[2].path, "$.seq");
    /* -1 and 70000 read the same */
    c.n = 0;
    const char *wide = "{\"u\":70000,\"i\":-129,\"seq\":1}";
    ck_assert_int_eq(rp_schema_check_all(&nums_schema, wide, strlen(wide), &v, &a, NULL, collect, &c), 2);
    ck_assert_str_eq(c.last[0].message, "70000 does not fit a 16-bit unsigned integer");
    ck_assert_str_eq(c.last[1].message, "-129 does not fit a 8-bit signed integer");
    /* wire mode truncates fractions, so only the width is left to check */
    c.n = 0;
    const char *wf = "{\"u\":-0.5,\"i\":-128.9,\"seq\":1e3}";
    ck_assert_int_eq(rp_schema_check_all(&nums_schema, wf, strlen(wf), &v, &a, &test_wire, collect, &c), 0);
    ck_assert_uint_eq(v.u16, 0);
    ck_assert_int_eq(v.i8, -128);
    ck_assert_uint_eq(v.seq, 1000);
    /* wire mode takes a string in a number field as absent: a required key is then missing,
     * reported at the value, with the reason */
    c.n = 0;
    const char *ws = "{\"u\":\"7\",\"seq\":\"7\"}";
    ck_assert_int_eq(rp_schema_check_all(&nums_schema, ws, strlen(ws), &v, &a, &test_wire, collect, &c), 1);
    ck_assert_int_eq(c.last[0].code, RP_E_SCHEMA_MISSING);
    ck_assert_uint_eq(c.last[0].offset, 15);
    ck_assert_str_eq(c.last[0].path, "$.seq");
    ck_assert_msg(strstr(c.last[0].message, "the profile reads a string where a number belongs as absent") != NULL,
                  "%s", c.last[0].message);
    /* the fail-fast decoder gives the same first problem */
    rp_error err;
    ck_assert_int_eq(rp_schema_decode(&nums_schema, bad, strlen(bad), &v, &a, NULL, &err),
                     RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.u");
    ck_assert_int_eq(rp_schema_decode(&nums_schema, ws, strlen(ws), &v, &a, &test_wire, &err),
                     RP_E_SCHEMA_MISSING);
    ck_assert_uint_eq(err.offset, 15);
}
END_TEST

/* String and boolean discriminators, and every candidate named when none fits. */
typedef struct tagged {
    rp_str tag;
    bool flag;
    bool has_tag, has_flag;
} tagged;

static const rp_schema_rule tag_a_rules[] = {
    { .kind = RP_RULE_CONST, .loc = { F, 30, 20 }, .expect = "\"a\"", .str = "a" },
};
static const rp_schema_rule tag_b_rules[] = {
    { .kind = RP_RULE_CONST, .loc = { F, 31, 20 }, .expect = "\"b\"", .str = "b" },
};
static const rp_schema_rule flag_true_rules[] = {
    { .kind = RP_RULE_CONST, .loc = { F, 32, 20 }, .expect = "true", .u_lo = 1 },
};
#define TAG_FIELD(r) \
    { .key = "tag", .key_len = 3, .name = "tag", .type = RP_SCHEMA_STRING, .size = sizeof(rp_str), \
      .required = true, .offset = offsetof(tagged, tag), .has_offset = offsetof(tagged, has_tag), \
      .rules = r, .rule_count = 1 }
static const rp_schema_field tag_a_fields[] = { TAG_FIELD(tag_a_rules) };
static const rp_schema_field tag_b_fields[] = {
    TAG_FIELD(tag_b_rules),
    { .key = "flag", .key_len = 4, .name = "flag", .type = RP_SCHEMA_BOOL, .size = sizeof(bool),
      .required = true, .offset = offsetof(tagged, flag), .has_offset = offsetof(tagged, has_flag),
      .rules = flag_true_rules, .rule_count = 1 },
};
static const rp_schema_message tag_a = { .name = "TagA", .size = sizeof(tagged), .fields = tag_a_fields, .field_count = 1 };
static const rp_schema_message tag_b = { .name = "TagB", .size = sizeof(tagged), .fields = tag_b_fields, .field_count = 2 };
static const rp_schema_route tag_routes[] = { { 1, 5, 5, &tag_a, 0 }, { 2, 5, 5, &tag_b, 0 } };

/* rp_schema_classify_in: only the routes that may arrive in the envelope are candidates; a
 * route with envelopes 0 arrives in any; envelope -1 is every route. */
START_TEST(test_classify_in_envelope)
{
    static const rp_schema_route routes_in[] = {
        { 1, 5, 5, &tag_a, 1u << 0 }, { 2, 5, 5, &tag_b, 1u << 3 }, { 3, 5, 5, &plain_schema, 0 },
    };
    rp_error err;
    const char *b = "{\"flag\":true,\"tag\":\"b\"}";
    ck_assert_int_eq(rp_schema_classify_in(routes_in, 3, 5, 5, 3, b, strlen(b), NULL, &err), 1);
    ck_assert_int_eq(rp_schema_classify_in(routes_in, 3, 5, 5, -1, b, strlen(b), NULL, &err), 1);
    /* in envelope 0 tag_b is no candidate: the const-less route that arrives anywhere is */
    ck_assert_int_eq(rp_schema_classify_in(routes_in, 3, 5, 5, 0, b, strlen(b), NULL, &err), 2);
    ck_assert_int_eq(rp_schema_classify_in(routes_in, 2, 5, 5, 0, b, strlen(b), NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_int_eq(rp_schema_classify_in(routes_in, 2, 5, 5, 7, b, strlen(b), NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_int_eq(rp_schema_classify_in(routes_in, 2, 5, 5, 32, b, strlen(b), NULL, &err), RP_E_ARGUMENT);
}
END_TEST

START_TEST(test_classify_strings)
{
    rp_error err;
    const char *a = "{\"tag\":\"a\"}", *b = "{\"flag\":true,\"tag\":\"\\u0062\"}";
    ck_assert_int_eq(rp_schema_classify(tag_routes, 2, 5, 5, a, strlen(a), NULL, &err), 0);
    ck_assert_int_eq(rp_schema_classify(tag_routes, 2, 5, 5, b, strlen(b), NULL, &err), 1);
    const char *c = "{\"tag\":\"c\",\"flag\":false}";
    ck_assert_int_eq(rp_schema_classify(tag_routes, 2, 5, 5, c, strlen(c), NULL, &err),
                     RP_E_SCHEMA_MESSAGE);
    ck_assert_str_eq(err.message, "tag \"c\", flag false: not any of TagA, TagB");
    const char *d = "{\"tag\":7}";
    ck_assert_int_eq(rp_schema_classify(tag_routes, 2, 5, 5, d, strlen(d), NULL, &err),
                     RP_E_SCHEMA_MESSAGE);
    ck_assert_str_eq(err.message, "tag 7, flag absent: not any of TagA, TagB");
}
END_TEST

/* A string discriminator is compared whole, however long: a const of 70 characters picks
 * its message as rp_schema_decode accepts it; a value that long is not quoted back. */
#define LONG_TAG_TAIL "-discriminator-value-of-seventy-characters-which-is-longer-than-64..."
#define LONG_TAG "a" LONG_TAG_TAIL
static const rp_schema_rule tag_long_rules[] = {
    { .kind = RP_RULE_CONST, .loc = { F, 33, 20 }, .expect = "\"" LONG_TAG "\"", .str = LONG_TAG },
};
static const rp_schema_field tag_long_fields[] = { TAG_FIELD(tag_long_rules) };
static const rp_schema_message tag_long = { .name = "TagLong", .size = sizeof(tagged), .fields = tag_long_fields,
                                            .field_count = 1 };
static const rp_schema_route tag_long_routes[] = { { 1, 5, 5, &tag_a, 0 }, { 3, 5, 5, &tag_long, 0 } };

START_TEST(test_classify_long_strings)
{
    rp_error err;
    tagged t;
    uint8_t mem[128];
    rp_arena a;
    ck_assert_uint_eq(strlen(LONG_TAG), 70);
    const char *ok = "{\"tag\":\"" LONG_TAG "\"}", *escaped = "{\"tag\":\"\\u0061" LONG_TAG_TAIL "\"}";
    rp_arena_init(&a, mem, sizeof mem);
    ck_assert_int_eq(rp_schema_decode(&tag_long, ok, strlen(ok), &t, &a, NULL, &err), 0);
    ck_assert_int_eq(rp_schema_classify(tag_long_routes, 2, 5, 5, ok, strlen(ok), NULL, &err), 1);
    ck_assert_int_eq(rp_schema_classify(tag_long_routes, 2, 5, 5, escaped, strlen(escaped), NULL, &err), 1);
    const char *other = "{\"tag\":\"" LONG_TAG "!\"}";
    ck_assert_int_eq(rp_schema_classify(tag_long_routes, 2, 5, 5, other, strlen(other), NULL, &err),
                     RP_E_SCHEMA_MESSAGE);
    ck_assert_str_eq(err.message, "tag not a known string: not any of TagA, TagLong");
}
END_TEST

/* The last occurrence of a discriminator decides however many came before it (they used to
 * stop counting after 16, picking the catch-all here), the same as with one before it. */
START_TEST(test_classify_last_occurrence_wins)
{
    rp_error err;
    char json[512] = "{\"name\":\"x\"";
    ck_assert_int_eq(classify("{\"name\":\"x\",\"k\":1,\"k\":-5}", 1, 1, &test_wire, &err), 1);
    for (int i = 0; i < 20; i++)
        strcat(json, ",\"k\":1");
    strcat(json, ",\"k\":-5}");
    ck_assert_int_eq(classify(json, 1, 1, &test_wire, &err), 1);
}
END_TEST

/* Route tables name at most 16 distinct discriminator keys per port and direction (rprotoc
 * --check refuses a spec with more): message i here is {"k<i>": true}, and its key is the
 * 16th of the first 16 messages, recognised; one message more is an argument error, not a
 * message that is silently never recognised. */
START_TEST(test_classify_sixteen_keys_at_most)
{
    static const char *const keys[17] = { "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8",
                                          "k9", "k10", "k11", "k12", "k13", "k14", "k15", "k16" };
    rp_schema_field fields[17];
    rp_schema_message msgs[17];
    rp_schema_route routes[17];
    for (int i = 0; i < 17; i++) {
        fields[i] = (rp_schema_field){ .key = keys[i], .key_len = strlen(keys[i]), .name = keys[i],
                                       .type = RP_SCHEMA_BOOL, .size = sizeof(bool), .required = true,
                                       .offset = offsetof(tagged, flag),
                                       .has_offset = offsetof(tagged, has_flag),
                                       .rules = flag_true_rules, .rule_count = 1 };
        msgs[i] = (rp_schema_message){ .name = keys[i], .size = sizeof(tagged), .fields = &fields[i],
                                       .field_count = 1 };
        routes[i] = (rp_schema_route){ i, 5, 5, &msgs[i], 0 };
    }
    rp_error err;
    const char *last = "{\"k15\":true}";
    ck_assert_int_eq(rp_schema_classify(routes, 16, 5, 5, last, strlen(last), NULL, &err), 15);
    ck_assert_int_eq(rp_schema_classify(routes, 17, 5, 5, last, strlen(last), NULL, &err),
                     RP_E_ARGUMENT);
    ck_assert_str_eq(err.message, "routes: more than 16 distinct const keys on port 5 from 5");
    /* another port's routes do not count */
    routes[16].port = 6;
    ck_assert_int_eq(rp_schema_classify(routes, 17, 5, 5, last, strlen(last), NULL, &err), 15);
}
END_TEST

/* Classification reads a number discriminator the way rp_schema_decode then reads the
 * value: under wire truncation an exponent too (-5e0 and -50e-1 are -5), and -0.5 is 0. */
START_TEST(test_classify_reads_numbers_as_decoded)
{
    rp_error err;
    ping p;
    uint8_t mem[64];
    rp_arena a;
    const char *texts[] = { "{\"k\":-5e0,\"name\":\"x\"}", "{\"k\":-50e-1,\"name\":\"x\"}",
                            "{\"k\":-5.0E+0,\"name\":\"x\"}" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        rp_arena_init(&a, mem, sizeof mem);
        ck_assert_int_eq(rp_schema_decode(&ping_schema, texts[i], strlen(texts[i]), &p, &a, &test_wire, &err), 0);
        ck_assert_int_eq(p.kind, -5);
        ck_assert_int_eq(classify(texts[i], 1, 1, &test_wire, &err), 1);
        ck_assert_int_eq(classify(texts[i], 1, 1, NULL, &err), 0); /* strict: not an integer */
    }
    /* -0.5 reads as 0 and 5e400 does not fit: neither is Ping's -5, so the catch-all */
    ck_assert_int_eq(classify("{\"k\":-0.5}", 1, 1, &test_wire, &err), 0);
    ck_assert_int_eq(classify("{\"k\":-5e400}", 1, 1, &test_wire, &err), 0);
    ck_assert_int_eq(rp_schema_classify(tag_routes, 2, 5, 5, "{\"tag\":-0.9}", 12, &test_wire, &err),
                     RP_E_SCHEMA_MESSAGE);
    ck_assert_str_eq(err.message, "tag 0, flag absent: not any of TagA, TagB");
    ck_assert_int_eq(rp_schema_classify(tag_routes, 2, 5, 5, "{\"tag\":-2e1}", 12, &test_wire, &err),
                     RP_E_SCHEMA_MESSAGE);
    ck_assert_str_eq(err.message, "tag -20, flag absent: not any of TagA, TagB");
}
END_TEST

/* ---- profiles ------------------------------------------------------------------------------ */

typedef struct rec {
    uint64_t t;
    uint32_t n;
    rp_bytes blob;
    bool has_t, has_n, has_blob;
} rec;

static const rp_schema_rule rec_t_rules[] = {
    { .kind = RP_RULE_RANGE, .loc = { F, 21, 30 }, .expect = "a value >= 1", .has_lo = true, .u_lo = 1 },
};
static const rp_schema_rule rec_n_rules[] = {
    { .kind = RP_RULE_CONST, .loc = { F, 22, 30 }, .expect = "7", .u_lo = 7 },
};
/* "t" is required and 1..; under profile index 3 it may be absent and 0 means absent, and
 * "b" reads as absent when it decodes to no bytes (empty_is_absent). */
static const rp_schema_field rec_fields[] = {
    { .key = "t", .key_len = 1, .name = "t", .type = RP_SCHEMA_UINT, .bits = 64, .size = sizeof(uint64_t),
      .required = true, .offset = offsetof(rec, t), .has_offset = offsetof(rec, has_t),
      .rules = rec_t_rules, .rule_count = 1, .loc = { F, 21, 3 },
      .relax_optional = 1u << 3, .relax_zero_absent = 1u << 3 },
    { .key = "n", .key_len = 1, .name = "n", .type = RP_SCHEMA_UINT, .bits = 32, .size = sizeof(uint32_t),
      .offset = offsetof(rec, n), .has_offset = offsetof(rec, has_n),
      .rules = rec_n_rules, .rule_count = 1, .loc = { F, 22, 3 } },
    { .key = "b", .key_len = 1, .name = "blob", .type = RP_SCHEMA_BASE64, .size = sizeof(rp_bytes),
      .offset = offsetof(rec, blob), .has_offset = offsetof(rec, has_blob), .loc = { F, 23, 3 },
      .relax_zero_absent = 1u << 3 },
};
static const rp_schema_message rec_schema = { .name = "Rec", .size = sizeof(rec), .fields = rec_fields,
                                              .field_count = 3, .loc = { F, 20, 1 } };

static int dec(const char *json, const rp_schema_profile *p, rec *r, rp_error *err)
{
    static uint8_t mem[512];
    rp_arena a;
    rp_arena_init(&a, mem, sizeof mem);
    return rp_schema_decode(&rec_schema, json, strlen(json), r, &a, p, err);
}

START_TEST(test_profile_settings_one_by_one)
{
    rec r;
    rp_error err;
    rp_schema_profile one;
    /* trailing bytes */
    memset(&one, 0, sizeof one);
    ck_assert_int_eq(dec("{\"t\":5} tail", NULL, &r, &err), RP_E_JSON_TRAILING);
    one.trailing_ignore = true;
    ck_assert_int_eq(dec("{\"t\":5} tail", &one, &r, &err), 0);
    ck_assert_int_eq(dec("{\"t\":5.5}", &one, &r, &err), RP_E_SCHEMA_TYPE); /* only that */
    /* fractions */
    memset(&one, 0, sizeof one);
    one.float_truncate = true;
    ck_assert_int_eq(dec("{\"t\":5.9}", &one, &r, &err), 0);
    ck_assert_uint_eq(r.t, 5);
    ck_assert_int_eq(dec("{\"t\":5} x", &one, &r, &err), RP_E_JSON_TRAILING);
    /* a string where a number belongs */
    memset(&one, 0, sizeof one);
    ck_assert_int_eq(dec("{\"t\":5,\"n\":\"7\"}", NULL, &r, &err), RP_E_SCHEMA_TYPE);
    one.string_numbers_absent = true;
    ck_assert_int_eq(dec("{\"t\":5,\"n\":\"7\"}", &one, &r, &err), 0);
    ck_assert(!r.has_n);
    ck_assert_int_eq(dec("{\"t\":5,\"n\":null}", &one, &r, &err), RP_E_SCHEMA_TYPE); /* not null */
    ck_assert_int_eq(dec("{\"t\":\"5\"}", &one, &r, &err), RP_E_SCHEMA_MISSING);
    /* null */
    memset(&one, 0, sizeof one);
    one.null_absent = true;
    ck_assert_int_eq(dec("{\"t\":5,\"n\":null,\"b\":null}", &one, &r, &err), 0);
    ck_assert(!r.has_n && !r.has_blob);
    ck_assert_int_eq(dec("{\"t\":5,\"n\":\"7\"}", &one, &r, &err), RP_E_SCHEMA_TYPE);
    /* duplicates: the last wins, a const is checked every time */
    memset(&one, 0, sizeof one);
    ck_assert_int_eq(dec("{\"t\":5,\"t\":6}", NULL, &r, &err), RP_E_SCHEMA_DUPLICATE);
    ck_assert_str_eq(err.path, "$.t"); /* the path names the key, escaped as JSON */
    ck_assert_str_eq(err.message, "the key appears twice");
    ck_assert_uint_eq(err.offset, 7);
    one.duplicate_keys = RP_DUPLICATES_LAST;
    ck_assert_int_eq(dec("{\"t\":5,\"t\":6}", &one, &r, &err), 0);
    ck_assert_uint_eq(r.t, 6);
    ck_assert_int_eq(dec("{\"t\":5,\"n\":7,\"n\":8}", &one, &r, &err), RP_E_SCHEMA_CONST);
    /* duplicates: the first wins, whole; later ones are skipped, but a const is checked */
    one.duplicate_keys = RP_DUPLICATES_FIRST;
    ck_assert_int_eq(dec("{\"t\":5,\"t\":6}", &one, &r, &err), 0);
    ck_assert_uint_eq(r.t, 5);
    ck_assert_int_eq(dec("{\"t\":5,\"t\":0,\"t\":\"x\",\"t\":{\"a\":[1]}}", &one, &r, &err), 0);
    ck_assert_uint_eq(r.t, 5); /* a later value is not read: neither its range nor its type */
    ck_assert_int_eq(dec("{\"t\":5,\"t\":[1,}", &one, &r, &err), RP_E_JSON_SYNTAX); /* but it is JSON */
    ck_assert_int_eq(dec("{\"t\":5,\"n\":7,\"n\":7}", &one, &r, &err), 0);
    ck_assert(r.has_n && r.n == 7);
    ck_assert_int_eq(dec("{\"t\":5,\"n\":7,\"n\":8}", &one, &r, &err), RP_E_SCHEMA_CONST);
    ck_assert_str_eq(err.path, "$.n");
    ck_assert_uint_eq(err.offset, 17); /* at the later value */
    ck_assert_int_eq(dec("{\"t\":5,\"b\":\"QUJD\",\"b\":\"!\"}", &one, &r, &err), 0);
    ck_assert_uint_eq(r.blob.len, 3);
    /* whole: a first value that reads as absent leaves the field absent */
    one.string_numbers_absent = one.null_absent = true;
    ck_assert_int_eq(dec("{\"t\":5,\"n\":\"7\",\"n\":7}", &one, &r, &err), 0);
    ck_assert(!r.has_n);
    unsigned char has_byte;
    memcpy(&has_byte, &r.has_n, 1);
    ck_assert_uint_eq(has_byte, 0); /* a plain false, whatever marked it while decoding */
    ck_assert_int_eq(dec("{\"t\":5,\"n\":null,\"n\":8}", &one, &r, &err), RP_E_SCHEMA_CONST);
    memcpy(&has_byte, &r.has_n, 1);
    ck_assert_uint_eq(has_byte, 0); /* also when decoding fails */
    ck_assert_int_eq(dec("{\"t\":\"5\",\"t\":6}", &one, &r, &err), RP_E_SCHEMA_MISSING);
    ck_assert_msg(strstr(err.message, "the profile reads a string where a number belongs as absent") != NULL,
                  "%s", err.message);
    one.duplicate_keys = RP_DUPLICATES_LAST; /* the same text, the last wins */
    ck_assert_int_eq(dec("{\"t\":\"5\",\"t\":6}", &one, &r, &err), 0);
    ck_assert_uint_eq(r.t, 6);
    /* base64 */
    memset(&one, 0, sizeof one);
    ck_assert_int_eq(dec("{\"t\":5,\"b\":\"QU\\nJD\"}", NULL, &r, &err), RP_E_BASE64);
    one.base64_lenient = true;
    ck_assert_int_eq(dec("{\"t\":5,\"b\":\"QU\\nJD\"}", &one, &r, &err), 0);
    ck_assert_uint_eq(r.blob.len, 3);
    ck_assert_int_eq(memcmp(r.blob.ptr, "ABC", 3), 0);
    /* all of them at once, and strict (NULL) refuses each */
    ck_assert_int_eq(dec("{\"t\":5.2,\"n\":\"x\",\"b\":null,\"t\":9} trailing", &test_wire, &r, &err), 0);
    ck_assert_uint_eq(r.t, 9);
    ck_assert_int_ne(dec("{\"t\":5.2}", NULL, &r, &err), 0);
}
END_TEST

START_TEST(test_relax_bits_of_a_profile_index)
{
    rec r;
    rp_error err;
    rp_schema_profile p3 = { "untimed", 3, false, false, false, RP_DUPLICATES_REJECT, false, false };
    rp_schema_profile p2 = { "other", 2, false, false, false, RP_DUPLICATES_REJECT, false, false };
    /* required: absent refused without the profile, or under another index */
    ck_assert_int_eq(dec("{\"n\":7}", NULL, &r, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.t");
    ck_assert_int_eq(dec("{\"n\":7}", &p2, &r, &err), RP_E_SCHEMA_MISSING);
    ck_assert_int_eq(dec("{\"n\":7}", &p3, &r, &err), 0);
    ck_assert(!r.has_t && r.has_n);
    ck_assert_int_eq(dec("{}", &p3, &r, &err), 0);
    /* 0 is out of range, unless it means absent under index 3 */
    ck_assert_int_eq(dec("{\"t\":0}", NULL, &r, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(dec("{\"t\":0}", &p2, &r, &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(dec("{\"t\":0}", &p3, &r, &err), 0);
    ck_assert(!r.has_t);
    ck_assert_int_eq(dec("{\"t\":0,\"n\":7}", &p3, &r, &err), 0); /* the careful walk too */
    ck_assert(!r.has_t && r.has_n && r.n == 7);
    ck_assert_int_eq(dec("{\"t\":4}", &p3, &r, &err), 0);
    ck_assert(r.has_t && r.t == 4);
    /* with the fraction setting, 0.5 truncates to 0 and then counts as absent */
    p3.float_truncate = true;
    ck_assert_int_eq(dec("{\"t\":0.5}", &p3, &r, &err), 0);
    ck_assert(!r.has_t);
    /* empty bytes are absent under index 3 only, also from the fast path's compact text */
    ck_assert_int_eq(dec("{\"t\":4,\"b\":\"\"}", &p3, &r, &err), 0);
    ck_assert(!r.has_blob);
    ck_assert_int_eq(dec("{ \"t\" : 4 , \"b\" : \"\" }", &p3, &r, &err), 0);
    ck_assert(!r.has_blob);
    ck_assert_int_eq(dec("{\"t\":4,\"b\":\"\"}", &p2, &r, &err), 0);
    ck_assert(r.has_blob && r.blob.len == 0);
    ck_assert_int_eq(dec("{\"t\":4,\"b\":\"AA==\"}", &p3, &r, &err), 0);
    ck_assert(r.has_blob && r.blob.len == 1);
    /* a relaxed field still must be a valid value when it is there */
    ck_assert_int_eq(dec("{\"t\":-1}", &p3, &r, &err), RP_E_SCHEMA_RANGE);
    /* validate and encode keep to the spec: the relaxation is for decoding only */
    ck_assert_int_eq(dec("{}", &p3, &r, &err), 0);
    ck_assert_int_eq(rp_schema_validate(&rec_schema, &r, &err), RP_E_SCHEMA_MISSING);
    /* collect-all checking takes the profile too */
    collected c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(rp_schema_check_all(&rec_schema, "{\"t\":0}", 7, &r, NULL, &p3, collect, &c), 0);
    ck_assert_int_eq(rp_schema_check_all(&rec_schema, "{\"t\":0}", 7, &r, NULL, &p2, collect, &c), 1);
    ck_assert_int_eq(c.last[0].code, RP_E_SCHEMA_RANGE);
}
END_TEST

/* ---- depth --------------------------------------------------------------------------------- */

/* A chain of DEEP messages, each holding the next: {"v":1,"in":{"v":2,"in":{...}}}. */
#define DEEP 40
static rp_schema_field deep_fields[DEEP][2];
static rp_schema_message deep_msgs[DEEP];

/* Each level is laid out in its own struct: level i holds v and then level i+1. */
typedef struct level_head {
    uint64_t v;
    bool has_v, has_in;
} level_head;
#define LEVEL_SIZE(i) (sizeof(level_head) * (size_t)(DEEP - (i)))

static void build_deep(unsigned max_depth)
{
    for (int i = DEEP - 1; i >= 0; i--) {
        rp_schema_field *f = deep_fields[i];
        memset(f, 0, 2 * sizeof *f);
        f[0] = (rp_schema_field){ .key = "v", .key_len = 1, .name = "v", .type = RP_SCHEMA_UINT,
                                  .bits = 64, .size = sizeof(uint64_t), .offset = offsetof(level_head, v),
                                  .has_offset = offsetof(level_head, has_v) };
        size_t nfields = 1;
        if (i + 1 < DEEP) {
            f[1] = (rp_schema_field){ .key = "in", .key_len = 2, .name = "in", .type = RP_SCHEMA_MESSAGE,
                                      .size = LEVEL_SIZE(i + 1), .offset = sizeof(level_head),
                                      .has_offset = offsetof(level_head, has_in), .message = &deep_msgs[i + 1] };
            nfields = 2;
        }
        deep_msgs[i] = (rp_schema_message){ .name = "Level", .size = LEVEL_SIZE(i), .fields = f,
                                            .field_count = nfields, .max_depth = max_depth };
    }
}

START_TEST(test_max_depth_round_trip)
{
    static level_head in[DEEP], out[DEEP];
    static char json[4096];
    static uint8_t mem[256];
    rp_error err;
    size_t n = 0;
    build_deep(DEEP);
    rp_schema_init(&deep_msgs[0], in);
    for (int i = 0; i < DEEP; i++) {
        in[i].v = (uint64_t)i + 1;
        in[i].has_v = true;
        in[i].has_in = i + 1 < DEEP;
    }
    ck_assert_int_eq(rp_schema_encode(&deep_msgs[0], in, json, sizeof json, &n, &err), 0);
    size_t opens = 0;
    for (size_t i = 0; i < n; i++) opens += json[i] == '{';
    ck_assert_uint_eq(opens, DEEP);
    rp_arena a;
    rp_arena_init(&a, mem, sizeof mem);
    ck_assert_int_eq(rp_schema_decode(&deep_msgs[0], json, n, out, &a, NULL, &err), 0);
    ck_assert_int_eq(memcmp(in, out, sizeof in), 0);
    /* an unknown key nested one level below the innermost message passes the limit */
    char deeper[4096];
    const char *inner = strstr(json, "\"v\":40}");
    ck_assert_ptr_nonnull(inner);
    snprintf(deeper, sizeof deeper, "%.*s\"v\":40,\"x\":{}%s", (int)(inner - json), json,
             inner + 7);
    ck_assert_int_eq(rp_schema_decode(&deep_msgs[0], deeper, strlen(deeper), out, &a, NULL, &err),
                     RP_E_JSON_DEPTH);
    /* the same key one level up is within it */
    snprintf(deeper, sizeof deeper, "%.*s,\"x\":{}}", (int)(n - 1), json);
    ck_assert_int_eq(rp_schema_decode(&deep_msgs[0], deeper, strlen(deeper), out, &a, NULL, &err), 0);
    /* the limit of the outermost message applies: under 32 both ways refuse */
    build_deep(32);
    ck_assert_int_eq(rp_schema_decode(&deep_msgs[0], json, n, out, &a, NULL, &err), RP_E_JSON_DEPTH);
    ck_assert_int_eq(rp_schema_encode(&deep_msgs[0], in, json, sizeof json, &n, &err), RP_E_JSON_DEPTH);
    ck_assert_ptr_nonnull(strstr(err.message, "32 levels"));
    /* 0: the default limit */
    build_deep(0);
    ck_assert_int_eq(rp_schema_encode(&deep_msgs[0], in, json, sizeof json, &n, &err), RP_E_JSON_DEPTH);
    build_deep(DEEP);
    ck_assert_int_eq(rp_schema_encode(&deep_msgs[0], in, json, sizeof json, &n, &err), 0);
}
END_TEST

/* ---- the fast lanes against the walks ------------------------------------------------------ */

/* One decode's whole outcome: what the caller can see. */
typedef struct decoded {
    int rc;
    rp_error err;
    size_t used;
    uint8_t arena[512];
    char again[512]; /* the message encoded again by the walk (on success) */
    size_t again_len;
} decoded;

static void decode_with(bool fast, const rp_schema_message *m, const char *json, size_t len,
                        const rp_schema_profile *p, decoded *d)
{
    memset(d, 0, sizeof *d);
    union { rec r; ping g; plain_list l; } msg;
    memset(&msg, 0xA5, sizeof msg); /* both must reset it the same way */
    rp_arena a;
    rp_arena_init(&a, d->arena, sizeof d->arena);
    d->rc = fast ? rp_schema_decode_fast(m, json, len, &msg, &a, p, &d->err)
                 : rp_schema_decode(m, json, len, &msg, &a, p, &d->err);
    d->used = a.used;
    if (d->rc == 0)
        ck_assert_int_eq(rp_schema_encode(m, &msg, d->again, sizeof d->again, &d->again_len, NULL), 0);
}

static void assert_same_decode(const rp_schema_message *m, const char *json, size_t len,
                               const rp_schema_profile *p)
{
    static decoded fast, walk;
    decode_with(true, m, json, len, p, &fast);
    decode_with(false, m, json, len, p, &walk);
    ck_assert_msg(fast.rc == walk.rc, "%.*s: fast %d, walk %d", (int)len, json, fast.rc, walk.rc);
    ck_assert_uint_eq(fast.err.code, walk.err.code);
    ck_assert_uint_eq(fast.err.offset, walk.err.offset);
    ck_assert_str_eq(fast.err.message, walk.err.message);
    ck_assert_str_eq(fast.err.path, walk.err.path);
    ck_assert_uint_eq(fast.used, walk.used);
    ck_assert(memcmp(fast.arena, walk.arena, walk.used) == 0);
    ck_assert_uint_eq(fast.again_len, walk.again_len);
    ck_assert(memcmp(fast.again, walk.again, walk.again_len) == 0);
}

/* rp_schema_decode_fast and rp_schema_decode (the walk alone, what --optimize size calls)
 * agree on every text and every prefix of it: the texts the lane takes (compact, spaced,
 * keys out of order) and the ones it leaves to the walk (escapes, a key twice, unknown keys
 * where refused, bad base64, numbers out of range, nulls, trailing bytes). */
START_TEST(test_fast_lanes_agree_with_the_walks)
{
    static const struct { const rp_schema_message *m; const char *json; } cases[] = {
        { &rec_schema, "{\"t\":3,\"n\":7,\"b\":\"AAEC\"}" },
        { &rec_schema, " { \"b\" : \"AAE=\" , \"t\" : 1 } " },
        { &rec_schema, "{\"n\":7,\"t\":18446744073709551615}" },
        { &rec_schema, "{\"t\":0}" },
        { &rec_schema, "{\"t\":3,\"n\":8}" },
        { &rec_schema, "{\"t\":3,\"b\":\"AAF=\"}" },
        { &rec_schema, "{\"t\":3,\"b\":\"AA\"}" },
        { &rec_schema, "{\"t\":3,\"t\":4}" },
        { &rec_schema, "{\"\\u0074\":3}" },
        { &rec_schema, "{\"t\":3,\"x\":[1,{\"y\":null}],\"z\":\"w\"}" },
        { &rec_schema, "{\"t\":\"3\",\"n\":null}" },
        { &rec_schema, "{\"t\":3.5}" },
        { &rec_schema, "{\"t\":-1}" },
        { &rec_schema, "{\"t\":3} x" },
        { &ping_schema, "{\"k\":-5,\"name\":\"abc\"}" },
        { &ping_schema, "{\"name\":\"ab\",\"k\":-5}" },
        { &ping_schema, "{\"k\":-5,\"name\":\"abcd\"}" },
        { &ping_schema, "{\"k\":-5,\"name\":\"a\\nb\"}" },
        { &ping_schema, "{\"k\":-5,\"name\":\"\xc3\xa9\"}" },
        { &ping_schema, "{\"k\":-5,\"name\":\"\xc3\"}" },
        { &ping_schema, "{\"k\":-5,\"name\":\"ab\",\"extra\":1}" },
        { &ping_schema, "{\"k\":-9223372036854775808,\"name\":\"ab\"}" },
        { &list_schema, "[{\"n\":1},{\"n\":255}]" },
        { &list_schema, "[ ]" },
        { &list_schema, "[{\"n\":1},{\"n\":2},{\"n\":3}]" },
        { &list_schema, "[{\"n\":256}]" },
        { &list_schema, "{\"n\":1}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].json);
        for (size_t cut = 0; cut <= len; cut++) {
            assert_same_decode(cases[i].m, cases[i].json, cut, NULL);
            assert_same_decode(cases[i].m, cases[i].json, cut, &test_wire);
        }
    }
}
END_TEST

/* rp_schema_encode_fast and rp_schema_encode write the same bytes or fail the same way, for
 * valid and invalid messages and for every buffer size up to what the text needs. */
START_TEST(test_fast_encode_agrees_with_the_walk)
{
    static const uint8_t blob[] = { 0, 1, 2, 0xFF };
    rec ok = { .t = 3, .n = 7, .blob = { blob, sizeof blob }, .has_t = true, .has_n = true, .has_blob = true };
    rec bad_n = ok, no_t = ok, null_bytes = ok;
    bad_n.n = 8;
    no_t.has_t = false;
    null_bytes.blob.ptr = NULL;
    ping g = { .kind = -5, .name = { "a\"\x01\xc3\xa9", 5 }, .has_kind = true, .has_name = true };
    ping plain_name = g, long_name = g, bad_utf8 = g;
    plain_name.name.ptr = "ab";
    plain_name.name.len = 2;
    long_name.name.len = 4;
    long_name.name.ptr = "abcd";
    bad_utf8.name.ptr = "\xc3";
    bad_utf8.name.len = 1;
    const struct { const rp_schema_message *m; const void *msg; } cases[] = {
        { &rec_schema, &ok }, { &rec_schema, &bad_n }, { &rec_schema, &no_t },
        { &rec_schema, &null_bytes }, { &ping_schema, &g }, { &ping_schema, &plain_name },
        { &ping_schema, &long_name },
        { &ping_schema, &bad_utf8 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t cap = 0; cap <= 64; cap++) {
            char a[64], b[64];
            memset(a, '#', sizeof a);
            memset(b, '#', sizeof b);
            size_t na = 7, nb = 9;
            rp_error ea, eb;
            int ra = rp_schema_encode_fast(cases[i].m, cases[i].msg, cap > 0 ? a : NULL, cap, &na, &ea);
            int rb = rp_schema_encode(cases[i].m, cases[i].msg, cap > 0 ? b : NULL, cap, &nb, &eb);
            ck_assert_int_eq(ra, rb);
            ck_assert_uint_eq(na, nb);
            ck_assert_uint_eq(ea.code, eb.code);
            ck_assert_str_eq(ea.message, eb.message);
            ck_assert_str_eq(ea.path, eb.path);
            if (ra == 0)
                ck_assert(memcmp(a, b, na + 1 <= cap ? na + 1 : na) == 0);
        }
    }
}
END_TEST

/* A float64 field reaches its code through .kind (so a spec without one never links it):
 * with it the value reads, checks and writes; without it every entry point says what is
 * missing instead of guessing. */
typedef struct measure {
    double v;
    bool has_v;
} measure;

START_TEST(test_float_kind_named_by_the_field)
{
    static const rp_schema_rule v_rules[] = {
        { .kind = RP_RULE_RANGE, .loc = { F, 30, 30 }, .expect = "a value in 0..1", .has_lo = true,
          .f_lo = 0.0, .has_hi = true, .f_hi = 1.0 },
    };
    rp_schema_field with[] = {
        { .key = "v", .key_len = 1, .name = "v", .type = RP_SCHEMA_FLOAT64, .size = sizeof(double),
          .required = true, .offset = offsetof(measure, v), .has_offset = offsetof(measure, has_v),
          .rules = v_rules, .rule_count = 1, .loc = { F, 30, 3 }, .kind = &rp_schema_kind_float64 },
    };
    rp_schema_message m = { .name = "Measure", .size = sizeof(measure), .fields = with, .field_count = 1 };
    static uint8_t mem[64];
    rp_arena a;
    rp_arena_init(&a, mem, sizeof mem);
    measure out;
    rp_error err;
    ck_assert_int_eq(rp_schema_decode(&m, "{\"v\":0.25}", 10, &out, &a, NULL, &err), 0);
    ck_assert(out.v == 0.25);
    char text[32];
    size_t n;
    ck_assert_int_eq(rp_schema_encode(&m, &out, text, sizeof text, &n, &err), 0);
    ck_assert_str_eq(text, "{\"v\":0.25}");
    ck_assert_int_eq(rp_schema_decode(&m, "{\"v\":1.5}", 9, &out, &a, NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.message, "expected a value in 0..1, got 1.5");

    with[0].kind = NULL;
    ck_assert_int_eq(rp_schema_decode(&m, "{\"v\":0.25}", 10, &out, &a, NULL, &err), RP_E_ARGUMENT);
    ck_assert_str_eq(err.message, "field v: a float64 field needs .kind = &rp_schema_kind_float64");
    ck_assert_uint_eq(err.offset, 5);
    out.v = 0.5;
    out.has_v = true;
    ck_assert_int_eq(rp_schema_validate(&m, &out, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_schema_encode(&m, &out, text, sizeof text, &n, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_schema_encode_fast(&m, &out, text, sizeof text, &n, &err), RP_E_ARGUMENT);
    ck_assert_str_eq(err.message, "field v: a float64 field needs .kind = &rp_schema_kind_float64");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("engine");
    tcase_add_test(tc, test_classify);
    tcase_add_test(tc, test_check_all);
    tcase_add_test(tc, test_arguments_and_arrays);
    tcase_add_test(tc, test_check_all_numbers);
    tcase_add_test(tc, test_classify_strings);
    tcase_add_test(tc, test_classify_in_envelope);
    tcase_add_test(tc, test_classify_long_strings);
    tcase_add_test(tc, test_classify_last_occurrence_wins);
    tcase_add_test(tc, test_classify_sixteen_keys_at_most);
    tcase_add_test(tc, test_classify_reads_numbers_as_decoded);
    tcase_add_test(tc, test_profile_settings_one_by_one);
    tcase_add_test(tc, test_relax_bits_of_a_profile_index);
    tcase_add_test(tc, test_max_depth_round_trip);
    tcase_add_test(tc, test_fast_lanes_agree_with_the_walks);
    tcase_add_test(tc, test_fast_encode_agrees_with_the_walk);
    tcase_add_test(tc, test_float_kind_named_by_the_field);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
