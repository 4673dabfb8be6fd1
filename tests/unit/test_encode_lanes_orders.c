/* test_encode_lanes_orders: the encode lanes of the golden source of
 * tests/specs/valid/orders.rproto (tests/golden/emit/orders.c, included for its static
 * descriptions) held to the table encoder, as test_encode_lanes.c does for residue's: the
 * same return code, length, bytes and error for random and edge messages in buffers of
 * every interesting size, and with room to spare every valid message written by the lane.
 */
#include <check.h>
#include <stdlib.h>

#include "../golden/emit/orders.c"

#include "support/lane_check.h"

static const lane_case cases[] = {
    LANE_CASE(orders, address),
    LANE_CASE(orders, money),
    LANE_CASE(orders, line),
    LANE_CASE(orders, payment),
};
#define NCASES (sizeof cases / sizeof cases[0])

START_TEST(random_messages_agree)
{
    lane_run(&cases[_i], (uint64_t)_i + 101u, 3000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("encode_lanes_orders");
    TCase *tc = tcase_create("agree");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, random_messages_agree, 0, (int)NCASES);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
