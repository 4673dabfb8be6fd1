/* test_generated_orders: the committed golden pair of tests/specs/valid/orders.rproto, a spec
 * without routes (so no routing code), compiled in here: its messages round-trip through
 * encode and decode byte for byte — nested messages, repeated fields, a top-level array,
 * enums (one signed), flags, strings with charsets, bytes as hex and base64, every integer
 * type at its edges — and each rule refuses what it should.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../golden/emit/orders.c"

static uint8_t g_mem[1 << 16];
static char g_out[ORDERS_ORDER_BATCH_MAX_SIZE + 1];
static orders_order g_order, g_again;
static orders_order_batch g_batch, g_batch_again;

/* Every decode of this suite goes through here (strict RFC 8259). */
static int decode_order(const char *json, orders_order *out, rp_arena *a, rp_error *err)
{
    return orders_order_decode(json, strlen(json), out, a, NULL, err);
}

static int decode_order_text(const char *json, rp_error *err)
{
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    return decode_order(json, &g_order, &a, err);
}

static rp_str str(const char *s)
{
    return (rp_str){ s, strlen(s) };
}

static void fill_address(orders_address *a, const char *name)
{
    orders_address_init(a);
    a->name = str(name);
    a->has_name = true;
    a->street = str("1 Long Road");
    a->has_street = true;
    a->city = str("Springfield");
    a->has_city = true;
    a->zip = str("AB-12");
    a->has_zip = true;
    a->country = str("GB");
    a->has_country = true;
}

static void fill_money(orders_money *m, int64_t minor)
{
    orders_money_init(m);
    m->minor = minor;
    m->has_minor = true;
    m->currency = str("EUR");
    m->has_currency = true;
}

/* An order that uses every field, every integer type and both byte encodings. */
static void fill_order(orders_order *o)
{
    static const uint8_t token[16] = { 0x00, 0x01, 0xAB, 0xCD, 0xEF, 0x10, 0x20, 0x30,
                                       0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xFE, 0xFF };
    static const uint8_t receipt[5] = { 'h', 'e', 'l', 'l', 'o' };
    orders_order_init(o);
    o->id = UINT64_MAX;
    o->has_id = true;
    o->customer = UINT32_MAX;
    o->has_customer = true;
    o->status = ORDERS_STATUS_SHIPPED;
    o->has_status = true;
    o->options = ORDERS_OPTIONS_EXPRESS | ORDERS_OPTIONS_INSURED;
    o->has_options = true;
    fill_address(&o->ship_to, "Ann");
    o->has_ship_to = true;
    fill_address(&o->bill_to, "Bob \"B\" \\ O'Neil");
    o->has_bill_to = true;
    for (size_t i = 0; i < 2; i++) {
        orders_line *l = &o->lines[i];
        orders_line_init(l);
        l->sku = str(i == 0 ? "SKU-1" : "SKU-22");
        l->has_sku = true;
        l->quantity = (uint16_t)(i == 0 ? 1 : 999);
        l->has_quantity = true;
        fill_money(&l->price, i == 0 ? INT64_MIN : INT64_MAX);
        l->has_price = true;
        if (i == 1) {
            l->discount = 100;
            l->has_discount = true;
        }
    }
    o->lines_count = 2;
    orders_payment *p = &o->payments[0];
    orders_payment_init(p);
    p->method = ORDERS_METHOD_REFUND;
    p->has_method = true;
    fill_money(&p->amount, -250);
    p->has_amount = true;
    p->token = (rp_bytes){ token, sizeof token };
    p->has_token = true;
    p->receipt = (rp_bytes){ receipt, sizeof receipt };
    p->has_receipt = true;
    p->attempt = -1;
    p->has_attempt = true;
    p->fee_minor = INT32_MIN;
    p->has_fee_minor = true;
    o->payments_count = 1;
    o->tags[0] = str("A");
    o->tags[1] = str("B-2");
    o->tags_count = 2;
    o->has_tags = true;
    o->note = str("leave at the door ~ thanks!");
    o->has_note = true;
    o->timezone = -720;
    o->has_timezone = true;
    o->paid = false;
    o->has_paid = true;
    o->priority = 3;
    o->has_priority = true;
}

START_TEST(test_init_defaults)
{
    orders_order o;
    orders_order_init(&o);
    ck_assert(!o.has_priority && o.priority == 2); /* default, presence false */
    orders_line l;
    orders_line_init(&l);
    ck_assert(!l.has_discount && l.discount == 0);
    /* required fields missing */
    rp_error err;
    ck_assert_int_eq(orders_order_validate(&o, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.id");
}
END_TEST

START_TEST(test_order_round_trip)
{
    rp_error err;
    fill_order(&g_order);
    size_t n = 0;
    ck_assert_int_eq(orders_order_encode(&g_order, g_out, ORDERS_ORDER_MAX_SIZE + 1, &n, &err), 0);
    ck_assert_uint_le(n, ORDERS_ORDER_MAX_SIZE);
    ck_assert_str_eq(g_out,
        "{\"id\":18446744073709551615,\"customer\":4294967295,\"status\":3,\"options\":258,"
        "\"ship_to\":{\"name\":\"Ann\",\"street\":\"1 Long Road\",\"city\":\"Springfield\","
        "\"zip\":\"AB-12\",\"country\":\"GB\"},"
        "\"bill_to\":{\"name\":\"Bob \\\"B\\\" \\\\ O'Neil\",\"street\":\"1 Long Road\","
        "\"city\":\"Springfield\",\"zip\":\"AB-12\",\"country\":\"GB\"},"
        "\"lines\":[{\"sku\":\"SKU-1\",\"qty\":1,\"price\":{\"minor\":-9223372036854775808,"
        "\"currency\":\"EUR\"}},{\"sku\":\"SKU-22\",\"qty\":999,\"price\":{\"minor\":"
        "9223372036854775807,\"currency\":\"EUR\"},\"discount\":100}],"
        "\"payments\":[{\"method\":-1,\"amount\":{\"minor\":-250,\"currency\":\"EUR\"},"
        "\"token\":\"0001ABCDEF102030405060708090FEFF\",\"receipt\":\"aGVsbG8=\",\"attempt\":-1,"
        "\"fee\":-2147483648}],\"tags\":[\"A\",\"B-2\"],\"note\":\"leave at the door ~ thanks!\","
        "\"tz\":-720,\"paid\":false,\"priority\":3}");
    /* decode what was written: the same values, and the same text again */
    static char text[ORDERS_ORDER_MAX_SIZE + 1];
    memcpy(text, g_out, n + 1);
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    ck_assert_int_eq(decode_order(text, &g_again, &a, &err), 0);
    const orders_order *o = &g_again;
    ck_assert(o->id == UINT64_MAX && o->customer == UINT32_MAX);
    ck_assert_int_eq(o->status, ORDERS_STATUS_SHIPPED);
    ck_assert_uint_eq(o->options, ORDERS_OPTIONS_EXPRESS | ORDERS_OPTIONS_INSURED);
    ck_assert_str_eq(o->bill_to.name.ptr, "Bob \"B\" \\ O'Neil");
    ck_assert_uint_eq(o->lines_count, 2);
    ck_assert(o->lines[0].price.minor == INT64_MIN && o->lines[1].price.minor == INT64_MAX);
    ck_assert(!o->lines[0].has_discount && o->lines[1].discount == 100);
    ck_assert_uint_eq(o->payments_count, 1);
    ck_assert_int_eq(o->payments[0].method, ORDERS_METHOD_REFUND);
    ck_assert_uint_eq(o->payments[0].token.len, 16);
    ck_assert_uint_eq(o->payments[0].token.ptr[15], 0xFF);
    ck_assert(o->payments[0].receipt.len == 5 && memcmp(o->payments[0].receipt.ptr, "hello", 5) == 0);
    ck_assert(o->payments[0].attempt == -1 && o->payments[0].fee_minor == INT32_MIN);
    ck_assert_uint_eq(o->tags_count, 2);
    ck_assert_str_eq(o->tags[1].ptr, "B-2");
    ck_assert(o->timezone == -720 && o->has_paid && !o->paid && o->priority == 3);
    size_t n2 = 0;
    ck_assert_int_eq(orders_order_encode(o, g_out, sizeof g_out, &n2, &err), 0);
    ck_assert_uint_eq(n2, n);
    ck_assert_str_eq(g_out, text);
    /* a buffer one byte short of the text is refused with the length needed */
    ck_assert_int_eq(orders_order_encode(o, g_out, n - 1, &n2, &err), RP_E_OVERFLOW);
    ck_assert_uint_eq(n2, n);
}
END_TEST

START_TEST(test_batch_round_trip)
{
    rp_error err;
    orders_order_batch_init(&g_batch);
    for (size_t i = 0; i < 3; i++) {
        fill_order(&g_batch.items[i]);
        g_batch.items[i].id = i + 1;
        g_batch.items[i].has_bill_to = false;
        g_batch.items[i].payments_count = 0;
        g_batch.items[i].has_payments = false;
    }
    g_batch.count = 3;
    size_t n = 0;
    ck_assert_int_eq(orders_order_batch_encode(&g_batch, g_out, sizeof g_out, &n, &err), 0);
    ck_assert(g_out[0] == '[' && g_out[n - 1] == ']');
    static char text[1 << 14];
    ck_assert_uint_lt(n, sizeof text);
    memcpy(text, g_out, n + 1);
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    ck_assert_int_eq(orders_order_batch_decode(text, n, &g_batch_again, &a, NULL, &err), 0);
    ck_assert_uint_eq(g_batch_again.count, 3);
    ck_assert(g_batch_again.items[2].id == 3 && !g_batch_again.items[2].has_bill_to);
    size_t n2 = 0;
    ck_assert_int_eq(orders_order_batch_encode(&g_batch_again, g_out, sizeof g_out, &n2, &err), 0);
    ck_assert_str_eq(g_out, text);
    /* an empty batch is below [len 1..50] */
    rp_arena_init(&a, g_mem, sizeof g_mem);
    ck_assert_int_eq(orders_order_batch_decode("[]", 2, &g_batch_again, &a, NULL, &err),
                     RP_E_SCHEMA_LENGTH);
}
END_TEST

#define ORDER_HEAD "{\"id\":1,\"customer\":2,\"status\":1,\"ship_to\":{\"name\":\"A\",\"street\":\"S\"," \
                   "\"city\":\"C\",\"country\":\"GB\"},\"lines\":[{\"sku\":\"X\",\"qty\":1," \
                   "\"price\":{\"minor\":5,\"currency\":\"EUR\"}}]"

START_TEST(test_rules_refuse)
{
    rp_error err;
    ck_assert_int_eq(decode_order_text(ORDER_HEAD "}", &err), 0);
    /* Order rejects unknown keys */
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"extra\":1}", &err), RP_E_SCHEMA_UNKNOWN);
    ck_assert_str_eq(err.path, "$.extra");
    /* enum, signed enum, flags */
    ck_assert_int_eq(decode_order_text("{\"id\":1,\"customer\":2,\"status\":6}", &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.status");
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"options\":8}", &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"payments\":[{\"method\":-2,\"amount\":"
                                       "{\"minor\":1,\"currency\":\"EUR\"}}]}", &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.payments[0].method");
    /* charsets and lengths */
    ck_assert_int_eq(decode_order_text("{\"id\":1,\"customer\":2,\"status\":1,\"ship_to\":{\"name\":\"A\","
                                       "\"street\":\"S\",\"city\":\"C\",\"country\":\"gb\"}}", &err),
                     RP_E_SCHEMA_CHARSET);
    ck_assert_str_eq(err.path, "$.ship_to.country");
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"tags\":[\"lower\"]}", &err), RP_E_SCHEMA_CHARSET);
    ck_assert_str_eq(err.path, "$.tags[0]");
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"note\":\"tab\\there\"}", &err), RP_E_SCHEMA_CHARSET);
    /* ranges of every width */
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"tz\":841}", &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"tz\":-721}", &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"priority\":4}", &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_order_text("{\"id\":18446744073709551616}", &err), RP_E_SCHEMA_RANGE); /* beyond uint64 */
    ck_assert_int_eq(decode_order_text("{\"id\":1,\"customer\":4294967296}", &err), RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"payments\":[{\"method\":1,\"amount\":"
                                       "{\"minor\":1,\"currency\":\"EUR\"},\"attempt\":11}]}", &err),
                     RP_E_SCHEMA_RANGE);
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"payments\":[{\"method\":1,\"amount\":"
                                       "{\"minor\":1,\"currency\":\"EUR\"},\"fee\":2147483648}]}", &err),
                     RP_E_SCHEMA_RANGE);
    /* bytes: hex of the wrong length, base64 that is not base64 */
    ck_assert_int_eq(decode_order_text(ORDER_HEAD ",\"payments\":[{\"method\":1,\"amount\":"
                                       "{\"minor\":1,\"currency\":\"EUR\"},\"token\":\"00FF\"}]}", &err),
                     RP_E_SCHEMA_LENGTH);
    ck_assert_int_ne(decode_order_text(ORDER_HEAD ",\"payments\":[{\"method\":1,\"amount\":"
                                       "{\"minor\":1,\"currency\":\"EUR\"},\"receipt\":\"!!!\"}]}", &err),
                     0);
    ck_assert_str_eq(err.path, "$.payments[0].receipt");
    /* counts: no lines, too many payments */
    ck_assert_int_eq(decode_order_text("{\"id\":1,\"customer\":2,\"status\":1,\"ship_to\":{\"name\":\"A\","
                                       "\"street\":\"S\",\"city\":\"C\",\"country\":\"GB\"},\"lines\":[]}",
                                       &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.path, "$.lines");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("generated_orders");
    TCase *tc = tcase_create("orders");
    tcase_add_test(tc, test_init_defaults);
    tcase_add_test(tc, test_order_round_trip);
    tcase_add_test(tc, test_batch_round_trip);
    tcase_add_test(tc, test_rules_refuse);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
