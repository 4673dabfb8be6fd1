/* test_emit_c_machine: the C emitter's session machines on small specs given as text —
 * their own pair (<p>_machines.h / .c: none without machines, and the codec pair never
 * mentions them), the names of states, timers and transitions (two transitions of one state
 * on one message told apart by envelope), the handler and function signatures, the
 * description's masks and spec locations, the initial keys, what rp_emit_c_write writes,
 * and the machine limits the checker enforces (timers, states, transitions) at the spec
 * location, with the largest machine allowed still rendered. (Every shape is compiled
 * strictly by tests/scripts/generated-compile.sh and run by test_machine_spec.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "emit_c.h"
#include "emit_c_machine.h"
#include "fe_util.h"
#include "rp_machine.h"
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

/* The machines pair of a spec that has machines. */
static rp_emit_c_output render(const char *text)
{
    rp_ast_spec *spec = load(text);
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_machines_render(spec, &out, NULL), 0);
    ck_assert_ptr_nonnull(out.header);
    ck_assert_str_eq(out.header_name, "edge_machines.h");
    ck_assert_str_eq(out.source_name, "edge_machines.c");
    ck_assert_uint_eq(out.header_len, strlen(out.header));
    ck_assert_uint_eq(out.source_len, strlen(out.source));
    rp_ast_free(spec);
    return out;
}

/* The front end's diagnostics for a spec it must refuse. */
static char *refused(const char *text)
{
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(diag, "edge.rproto", text, strlen(text), NULL, &spec);
    ck_assert_int_ne(st, RP_FRONTEND_OK);
    char *msg = rp_xstrdup(rp_diag_text(diag));
    rp_diag_free(diag);
    rp_ast_free(spec);
    return msg;
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
    rp_ast_spec *spec = load(base);
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_machines_render(spec, &out, NULL), 0);
    ck_assert_ptr_null(out.header);
    ck_assert_ptr_null(out.header_name);
    ck_assert_ptr_null(out.source);
    rp_ast_free(spec);
}
END_TEST

static const char machines[] =
    "/// The sender.\n"
    "machine Sender for a {\n"
    "  /// Runs out first.\n"
    "  timer t0;\n"
    "  timer t1;\n"
    "  state s [initial] { send M -> s [start(t0), start(t1)]; timer t1 -> s [stop(t0)]; timer t0 -> s; }\n"
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
    /* its own pair: the codec's header and the engine's, its own guard */
    has(h, "#ifndef EDGE_MACHINES_GENERATED_H\n#define EDGE_MACHINES_GENERATED_H\n");
    has(h, "#include \"edge.h\"\n#include \"rp_error.h\"\n#include \"rp_machine.h\"\n");
    has(c, "#include \"edge_machines.h\"\n");
    /* states, timers, transitions: spec order from 0 */
    has(h, "typedef enum edge_receiver_state {\n    /** Open for business. */\n"
           "    EDGE_RECEIVER_STATE_OPEN = 0, /* initial */\n    EDGE_RECEIVER_STATE_CLOSED = 1 /* final */\n");
    has(h, "    /** Runs out first. */\n    EDGE_SENDER_TIMER_T0 = 0,\n    EDGE_SENDER_TIMER_T1 = 1\n");
    has(h, "    /** s: send M -> s [start(t0), start(t1)] */\n    EDGE_SENDER_ON_S_SEND_M = 0,\n");
    has(h, "    EDGE_SENDER_ON_S_TIMER_T1 = 1,\n");
    has(h, "    EDGE_SENDER_ON_S_TIMER_T0 = 2\n");
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
    has(c, "static const rp_machine_desc machine__receiver = {\n"
           "    .name = \"Receiver\", .peer = \"b\", .file = \"edge.rproto\",\n"
           "    .states = states__receiver, .state_count = 2,\n");
    has(c, "    .transitions = transitions__receiver, .transition_count = 2,\n"
           "    .initial_keys = 0,\n");
    has(c, "    .timers = timers__sender, .timer_count = 2,\n"
           "    .initial_keys = RP_MACHINE_BIT(EDGE_KEY_K),\n");
    has(c, "static const char *const spec__messages[] = {\n"
           "    [EDGE_MSG_NONE] = \"none\",\n    [EDGE_MSG_M] = \"M\"\n");
    has(c, "static const char *const spec__envelopes[] = {\n"
           "    [EDGE_ENVELOPE_PLAIN] = \"plain\",\n    [EDGE_ENVELOPE_HEXED] = \"hexed\"\n");
    /* receive hands the handler of the transition found the message's member of the union */
    has(c, "        case EDGE_RECEIVER_ON_OPEN_RECEIVE_M_IN_HEXED:\n"
           "            if (handlers->open_receive_m_in_hexed != NULL)\n"
           "                rc = handlers->open_receive_m_in_hexed(ctx, m, &msg->u.m, envelope, err);\n");
    /* Sender receives nothing: its receive refuses everything without touching handlers */
    has(c, "    (void)handlers; /* no transition of this kind: rp_machine_find refused */\n");
    rp_emit_c_output_free(&out);
}
END_TEST

/* The codec pair of a spec with machines does not mention them: a program that only
 * decodes and encodes needs nothing of runtime/session. */
START_TEST(test_codec_pair_stays_apart)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", base, machines);
    rp_ast_spec *spec = load(text);
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_render(spec, &out, NULL), 0);
    lacks(out.header, "rp_machine");
    lacks(out.header, "machine");
    lacks(out.source, "rp_machine");
    lacks(out.header, "edge_sender");
    rp_emit_c_output_free(&out);
    rp_ast_free(spec);
}
END_TEST

/* rp_emit_c_write writes the machines pair beside the codec pair, byte for byte what
 * rp_emit_c_machines_render gives, and no machines pair for a spec without machines. */
START_TEST(test_write)
{
    char dir[] = "/tmp/test_emit_c_machine.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char text[2048];
    snprintf(text, sizeof text, "%s%s", base, machines);
    rp_ast_spec *spec = load(text);
    ck_assert_int_eq(rp_emit_c_write(spec, dir, NULL), 0);
    rp_emit_c_output want;
    ck_assert_int_eq(rp_emit_c_machines_render(spec, &want, NULL), 0);
    const char *names[2] = { want.header_name, want.source_name };
    const char *texts[2] = { want.header, want.source };
    for (int i = 0; i < 2; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "%s not written", path);
        static char got[1 << 16];
        size_t n = fread(got, 1, sizeof got - 1, f);
        fclose(f);
        got[n] = '\0';
        ck_assert_str_eq(got, texts[i]);
        ck_assert_int_eq(unlink(path), 0);
    }
    rp_emit_c_output_free(&want);
    rp_ast_free(spec);

    spec = load(base);
    ck_assert_int_eq(rp_emit_c_write(spec, dir, NULL), 0);
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/edge_machines.h", dir);
    ck_assert_int_ne(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/edge.h", dir);
    ck_assert_int_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/edge.c", dir);
    ck_assert_int_eq(unlink(path), 0);
    /* the transport pair (the spec has a port) is not this test's */
    snprintf(path, sizeof path, "%s/edge_transport.h", dir);
    ck_assert_int_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/edge_transport.c", dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0); /* nothing else was left there */
    rp_ast_free(spec);
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
    char *msg = refused(text);
    ck_assert_msg(strstr(msg, "edge.rproto:9:89: error: timer 't8' is one too many: machine 'Many' may "
                              "declare at most 8 timers\n") != NULL, "%s", msg);
    free(msg);
}
END_TEST

/* A chain of `count` states s0 -> s1 -> ... (the last one final) with `per_state` transitions
 * each (receive M to the next one; with two, receive M in hexed to the next one and in plain
 * back to the same state): the states or transitions limit. */
static char *chain(size_t count, int per_state)
{
    rp_strbuf b = { 0 };
    rp_sb_puts(&b, base);
    rp_sb_puts(&b, "machine Long for b {\n");
    for (size_t i = 0; i < count; i++) {
        rp_sb_printf(&b, "  state s%zu%s {", i, i == 0 ? " [initial]" : i + 1 == count ? " [final]" : "");
        if (i + 1 < count && per_state == 1)
            rp_sb_printf(&b, " receive M -> s%zu;", i + 1);
        else if (i + 1 < count)
            rp_sb_printf(&b, " receive M in hexed -> s%zu; receive M in plain -> s%zu;", i + 1, i);
        rp_sb_puts(&b, " }\n");
    }
    rp_sb_puts(&b, "}\n");
    return rp_sb_take(&b);
}

START_TEST(test_state_and_transition_limits)
{
    /* one state too many: reported at it (line 8 + its index) */
    char *text = chain(RP_MACHINE_STATE_MAX + 1u, 1);
    char *msg = refused(text);
    char want[160];
    snprintf(want, sizeof want, "edge.rproto:%u:9: error: state 's%u' is one too many: machine 'Long' may "
             "declare at most %u states\n", 9u + RP_MACHINE_STATE_MAX, RP_MACHINE_STATE_MAX, RP_MACHINE_STATE_MAX);
    ck_assert_msg(strstr(msg, want) != NULL, "%.400s", msg);
    free(msg);
    free(text);

    /* two transitions per state: the one after the limit is in state s16383 (0-based), its second */
    text = chain(RP_MACHINE_TRANSITION_MAX / 2 + 2, 2);
    msg = refused(text);
    snprintf(want, sizeof want, "edge.rproto:%u:", 9u + RP_MACHINE_TRANSITION_MAX / 2u);
    ck_assert_msg(strstr(msg, want) != NULL, "%.400s", msg);
    ck_assert_msg(strstr(msg, "error: this transition is one too many: machine 'Long' may declare at "
                              "most 32767 transitions\n") != NULL, "%.400s", msg);
    ck_assert_ptr_null(strstr(msg, "states"));
    free(msg);
    free(text);

    /* the largest machine allowed is checked and rendered */
    text = chain(RP_MACHINE_STATE_MAX, 1);
    rp_ast_spec *spec = load(text);
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_machines_render(spec, &out, NULL), 0);
    has(out.header, "    EDGE_LONG_STATE_S32766 = 32766 /* final */\n");
    has(out.header, "    EDGE_LONG_ON_S32765_RECEIVE_M = 32765\n");
    rp_emit_c_output_free(&out);
    rp_ast_free(spec);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emit_c_machine");
    TCase *tc = tcase_create("machines");
    tcase_add_test(tc, test_nothing_without_machines);
    tcase_add_test(tc, test_names_and_tables);
    tcase_add_test(tc, test_codec_pair_stays_apart);
    tcase_add_test(tc, test_write);
    tcase_add_test(tc, test_timer_limit);
    tcase_add_test(tc, test_state_and_transition_limits);
    tcase_set_timeout(tc, 120); /* the limit machines have 32,768 states under valgrind */
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
