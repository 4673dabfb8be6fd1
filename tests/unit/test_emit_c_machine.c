/* test_emit_c_machine: the C emitter's session machines on small specs given as text —
 * nothing without machines, the names of states, timers and transitions (two transitions
 * of one state on one message told apart by envelope), the handler and function
 * signatures, the description's masks and spec locations, the initial keys, and the limit
 * on timers. (Every shape is compiled strictly by tests/scripts/generated-compile.sh and run
 * by test_machine_spec.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "emit_c.h"
#include "source.h"

static const char base[] =
    "protocol edge;\n"
    "peers a, b;\n"
    "port c { framing = delimiter(\"\\n\"); max_packet = 100; }\n"
    "key k = aes(128);\n"
    "envelope plain = json;\n"
    "envelope hexed = hex(json);\n"
    "message M on c a -> b in plain | hexed { required uint8 x = \"x\"; }\n";

static rp_ast_spec *load(const char *text)
{
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(diag, "edge.rproto", text, strlen(text), NULL, &spec);
    ck_assert_msg(st == RP_FRONTEND_OK, "front end: %s", rp_diag_text(diag));
    rp_diag_free(diag);
    return spec;
}

static rp_emit_c_output render(const char *text)
{
    rp_ast_spec *spec = load(text);
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_render(spec, &out, NULL), 0);
    rp_ast_free(spec);
    return out;
}

static void has(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) != NULL, "missing: %s", needle);
}

static void lacks(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) == NULL, "present: %s", needle);
}

START_TEST(test_nothing_without_machines)
{
    rp_emit_c_output out = render(base);
    lacks(out.header, "rp_machine");
    lacks(out.header, "session machines");
    lacks(out.source, "rp_machine");
    rp_emit_c_output_free(&out);
}
END_TEST

static const char machines[] =
    "/// The sender.\n"
    "machine Sender for a {\n"
    "  /// Runs out first.\n"
    "  timer t0;\n"
    "  timer t1;\n"
    "  state s [initial] { send M -> s [start(t0), start(t1)]; timer t1 -> s [stop(t0)]; }\n"
    "}\n"
    "machine Receiver for b {\n"
    "  /// Open for business.\n"
    "  state open [initial] {\n"
    "    receive M in plain -> open [establish(k)];\n"
    "    /// Hex ends it.\n"
    "    receive M in hexed -> closed [error, drop(k)];\n"
    "  }\n"
    "  state closed [final] { }\n"
    "}\n";

START_TEST(test_names_and_tables)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", base, machines);
    rp_emit_c_output out = render(text);
    const char *h = out.header, *c = out.source;
    has(h, "#include \"rp_machine.h\"\n");
    /* states, timers, transitions: spec order from 0 */
    has(h, "typedef enum edge_receiver_state {\n    /** Open for business. */\n"
           "    EDGE_RECEIVER_STATE_OPEN = 0, /* initial */\n    EDGE_RECEIVER_STATE_CLOSED = 1 /* final */\n");
    has(h, "    /** Runs out first. */\n    EDGE_SENDER_TIMER_T0 = 0,\n    EDGE_SENDER_TIMER_T1 = 1\n");
    has(h, "    /** s: send M -> s [start(t0), start(t1)] */\n    EDGE_SENDER_ON_S_SEND_M = 0,\n");
    has(h, "    EDGE_SENDER_ON_S_TIMER_T1 = 1\n");
    /* one message twice in one state: told apart by the first envelope */
    has(h, "    EDGE_RECEIVER_ON_OPEN_RECEIVE_M_IN_PLAIN = 0,\n");
    has(h, "    EDGE_RECEIVER_ON_OPEN_RECEIVE_M_IN_HEXED = 1\n");
    /* typed handlers: a received message is const, a sent one is not, a timer is its enum */
    has(h, "int (*open_receive_m_in_plain)(void *ctx, edge_receiver *m, const edge_m *msg,\n");
    has(h, "    /**\n     * Hex ends it.\n     *\n     * open: receive M in hexed -> closed [error, drop(k)].\n     */\n");
    has(h, "int (*s_send_m)(void *ctx, edge_sender *m, edge_m *msg, edge_envelope envelope,");
    has(h, "int (*s_timer_t1)(void *ctx, edge_sender *m, edge_sender_timer timer, rp_error *err);");
    /* functions: send only for what the peer sends, tick and timers only with timers */
    has(h, "RP_CHECK_RESULT int edge_sender_send_m(");
    lacks(h, "edge_receiver_send_m(");
    has(h, "RP_CHECK_RESULT int edge_sender_tick(");
    lacks(h, "edge_receiver_tick(");
    lacks(h, "edge_receiver_set_timer(");
    has(h, "bool edge_receiver_has_key(const edge_receiver *m, edge_key key);");
    has(h, "edge_receiver_state edge_receiver_current(const edge_receiver *m);");
    /* the description */
    has(c, "    { .name = \"open\", .line = 17, .column = 9, .first = 0, .count = 2 },\n");
    has(c, "    { .name = \"closed\", .line = 22, .column = 9, .first = 2, .count = 0, .final = true },\n");
    has(c, "      .envelopes = RP_MACHINE_BIT(EDGE_ENVELOPE_HEXED),\n"
           "      .from = EDGE_RECEIVER_STATE_OPEN, .to = EDGE_RECEIVER_STATE_CLOSED,\n"
           "      .drop = RP_MACHINE_BIT(EDGE_KEY_K), .error = true,\n"
           "      .name = \"receive M in hexed\" },\n");
    has(c, "      .start = RP_MACHINE_BIT(EDGE_SENDER_TIMER_T0) | RP_MACHINE_BIT(EDGE_SENDER_TIMER_T1),\n");
    /* k is established by Receiver: absent at its start; Sender never establishes it */
    has(c, "static const rp_machine_desc machine_receiver = {\n"
           "    .name = \"Receiver\", .peer = \"b\", .file = \"edge.rproto\",\n");
    has(c, "    .transitions = machine_receiver_transitions, .transition_count = 2,\n"
           "    .initial_keys = 0,\n");
    has(c, "    .timers = machine_sender_timers, .timer_count = 2,\n"
           "    .initial_keys = RP_MACHINE_BIT(EDGE_KEY_K),\n");
    has(c, "    [EDGE_MSG_NONE] = \"none\",\n    [EDGE_MSG_M] = \"M\"\n");
    /* receive hands the handler of the transition found the message's member of the union */
    has(c, "        case EDGE_RECEIVER_ON_OPEN_RECEIVE_M_IN_HEXED:\n"
           "            if (handlers->open_receive_m_in_hexed != NULL)\n"
           "                rc = handlers->open_receive_m_in_hexed(ctx, m, &msg->u.m, envelope, err);\n");
    /* Sender receives nothing: its receive refuses everything without touching handlers */
    has(c, "    (void)handlers; /* no transition of this kind: rp_machine_find refused */\n");
    rp_emit_c_output_free(&out);
}
END_TEST

START_TEST(test_timer_limit)
{
    char text[2048];
    snprintf(text, sizeof text,
             "%smachine Many for a {\n"
             "  timer t0; timer t1; timer t2; timer t3; timer t4; timer t5; timer t6; timer t7; timer t8;\n"
             "  state s [initial] { send M -> s [start(t0), start(t1), start(t2), start(t3), start(t4),\n"
             "                                   start(t5), start(t6), start(t7), start(t8)]; }\n"
             "}\n", base);
    rp_ast_spec *spec = load(text);
    char buf[512] = { 0 };
    FILE *diag = fmemopen(buf, sizeof buf - 1, "w");
    ck_assert_ptr_nonnull(diag);
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_render(spec, &out, diag), -1);
    fclose(diag);
    ck_assert_str_eq(buf, "edge.rproto:8:9: error: machine 'Many' has 9 timers; a generated machine "
                          "holds at most 8\n");
    ck_assert_ptr_null(out.header);
    rp_ast_free(spec);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emit_c_machine");
    TCase *tc = tcase_create("machines");
    tcase_add_test(tc, test_nothing_without_machines);
    tcase_add_test(tc, test_names_and_tables);
    tcase_add_test(tc, test_timer_limit);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
