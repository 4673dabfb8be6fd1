/* Check suite: the residue client runs on the generated ClientSession machine
 * (generated/residue_machines.h, spec/residue.rproto).
 *
 *  - A reply the current state does not take is refused by the generated code: RP_E_STATE
 *    in layer session, "receive <Message> is not allowed in state <state>", err->spec at the
 *    state's declaration; one nobody waited for changes nothing, an awaited one ends the
 *    attempt.
 *  - A message the state may not send (LOG before established, TOUCH before established or
 *    while one is out) is refused before anything is written.
 *  - The touch timer: started by each established reply with the touch point as its
 *    duration (date_created + age - 59 on the injected clock), it moves the machine to
 *    touch_due exactly then, where logging waits for the TOUCH.
 *  - A packet that cannot be written (buffer too small) leaves the machine as it was.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rp_crypto.h"
#include "residue_machines.h"
#include "residue_session.h"
#include "support/client_world.h"
#include "support/session_fakes.h"
#include "support/session_files.h"

#define A "../shared/vectors/A-unknown-plain/"

static residue_client_session_state mstate(const residue_client *cl)
{
    return residue_client_session_current(residue_client_machine(cl));
}

/* The spec line of a ClientSession state (where a refusal in it points). */
static uint32_t state_line(const residue_client *cl, residue_client_session_state s)
{
    return residue_client_machine(cl)->core.desc->states[s].line;
}

/* ---- an in-process server and one client ---------------------------------------------- */

/* The server of these tests (defaults but for client_age) and an unmanaged client. */
static void world_start(world *w, uint32_t client_age)
{
    world_init(w);
    w->cfg.client_age = client_age;
    world_serve(w);
    world_client(w, NULL, 0, false);
}

/* The handshake, which leaves the client's machine established. */
static void handshake(world *w)
{
    rp_error e;
    ck_assert_msg(world_handshake(w, &e) == 0, "%s", e.message);
    ck_assert_int_eq(mstate(w->cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
}

/* ---- receive ---------------------------------------------------------------------------- */

START_TEST(hello_refused_when_established)
{
    rp_rsa_key *key = load_private_key(A "keys/client-private.pem");
    fake_clock clk = {1795667590};
    fake_rng rng = {.state = 7};
    residue_client_config cfg = {NULL, key, NULL, 0, 0};
    residue_client *cl = NULL;
    ck_assert_int_eq(residue_client_create(&cfg, fake_now, &clk, fake_random, &rng, &cl, NULL), 0);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0, len = 0;
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    char *hello = read_captured_packet(A "02-hello.s2c.bin", &len);
    size_t hello_len = len;
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)hello, hello_len, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(mstate(cl), RESIDUE_CLIENT_SESSION_STATE_AWAITING_ESTABLISHED);
    char *est = read_captured_packet(A "04-established.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)est, len, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(mstate(cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    ck_assert(residue_client_session_has_key(residue_client_machine(cl), RESIDUE_KEY_SESSION));

    /* the same hello again: opened and decoded, then refused by the machine */
    rp_error e;
    n = 99;
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)hello, hello_len, out, sizeof out, &n, &e),
                     RP_E_STATE);
    ck_assert_str_eq(e.message, "receive Hello is not allowed in state established");
    ck_assert_int_eq(e.layer, RP_LAYER_SESSION);
    ck_assert_uint_eq(e.spec.line, state_line(cl, RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED));
    ck_assert_uint_ne(e.spec.line, 0);
    ck_assert_uint_eq(n, 0);
    /* nobody waited for it: the session goes on, key and all */
    ck_assert_int_eq(mstate(cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_ESTABLISHED);
    ck_assert_uint_eq(residue_client_key_bits(cl), 256);
    /* and a second established reply, unasked for, is refused the same way */
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)est, len, out, sizeof out, &n, &e),
                     RP_E_STATE);
    ck_assert_str_eq(e.message, "receive Established is not allowed in state established");
    ck_assert_int_eq(mstate(cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    free(est);
    free(hello);
    residue_client_free(cl);
    rp_rsa_key_free(key);
}
END_TEST

START_TEST(awaited_reply_refused_ends_attempt)
{
    rp_rsa_key *key = load_private_key(A "keys/client-private.pem");
    fake_clock clk = {1795667590};
    residue_client_config cfg = {NULL, key, NULL, 0, 0};
    residue_client *cl = NULL;
    ck_assert_int_eq(residue_client_create(&cfg, fake_now, &clk, NULL, NULL, &cl, NULL), 0);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    rp_error e;
    /* a hello must come RSA-encrypted: in plain the machine refuses it (it takes Hello in
     * another envelope), and the attempt is over */
    static const char plain_hello[] =
        "{\"status\":0,\"ack\":0,\"key\":\"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\","
        "\"client_id\":\"abcdefghijklmnop\"}";
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)plain_hello, strlen(plain_hello), out,
                                            sizeof out, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "receive Hello in plain is not allowed in state awaiting_hello");
    ck_assert_uint_eq(e.spec.line, state_line(cl, RESIDUE_CLIENT_SESSION_STATE_AWAITING_HELLO));
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_DISCONNECTED);
    ck_assert_int_eq(residue_client_next_action(cl), RESIDUE_CLIENT_ACTION_CONNECT);
    ck_assert_str_eq(residue_client_id(cl), "");
    /* nothing was awaited in disconnected: unreadable bytes are a state error, not a reply */
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)"x", 1, out, sizeof out, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "no reply is expected in state disconnected");
    residue_client_free(cl);
    rp_rsa_key_free(key);
}
END_TEST

/* The logging port is its own connection: a log reply may come in any state (the spec's
 * LogReply transitions), and is judged by its status alone. */
START_TEST(log_reply_in_every_state)
{
    world w;
    world_start(&w, 3600);
    rp_error e;
    ck_assert_int_eq(residue_client_log_reply(w.cl, (const uint8_t *)"{\"r\":0}", 7, &e), 0);
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    ck_assert_int_eq(residue_client_connect(w.cl, pkt, sizeof pkt, &n, NULL), 0);
    ck_assert_int_eq(residue_client_log_reply(w.cl, (const uint8_t *)"{\"r\":1}", 7, &e), RP_E_REJECTED);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_AWAITING_HELLO);
    ck_assert_int_eq(world_exchange(&w, pkt, n, &e), 0);
    ck_assert_int_eq(residue_client_log_reply(w.cl, (const uint8_t *)"{\"r\":0}", 7, &e), 0);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    world_stop(&w);
}
END_TEST

/* ---- send ------------------------------------------------------------------------------- */

START_TEST(log_request_refused_before_established)
{
    world w;
    world_start(&w, 3600);
    residue_log_request rec;
    world_log_record(&rec, "a line");
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 77;
    rp_error e;
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "send LogRequest is not allowed in state disconnected");
    ck_assert_uint_eq(e.spec.line, state_line(w.cl, RESIDUE_CLIENT_SESSION_STATE_DISCONNECTED));
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(residue_client_get_state(w.cl), RESIDUE_CLIENT_NEW);
    ck_assert_int_eq(residue_client_touch(w.cl, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "send Touch is not allowed in state disconnected");

    /* CONNECT out, hello not yet in */
    ck_assert_int_eq(residue_client_connect(w.cl, pkt, sizeof pkt, &n, NULL), 0);
    uint8_t connect[RESIDUE_SESSION_PACKET_MAX];
    size_t cn = n;
    memcpy(connect, pkt, n);
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "send LogRequest is not allowed in state awaiting_hello");
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(residue_client_connect(w.cl, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "send Connect is not allowed in state awaiting_hello");
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_AWAITING_HELLO);

    /* established: the same record goes out */
    ck_assert_int_eq(world_exchange(&w, connect, cn, &e), 0);
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), 0);
    ck_assert_uint_gt(n, 4);
    /* TOUCH out: logging goes on, a second TOUCH waits for the first */
    uint8_t touch[RESIDUE_SESSION_PACKET_MAX];
    ck_assert_int_eq(residue_client_touch(w.cl, touch, sizeof touch, &n, NULL), 0);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_AWAITING_TOUCH);
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), 0);
    ck_assert_int_eq(residue_client_touch(w.cl, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "send Touch is not allowed in state awaiting_touch");
    world_stop(&w);
}
END_TEST

START_TEST(unwritten_packet_keeps_state)
{
    world w;
    world_start(&w, 3600);
    handshake(&w);
    uint8_t small[16];
    size_t n = 0;
    rp_error e;
    /* a TOUCH that does not fit: still established, the touch timer still running */
    uint64_t at = 0;
    ck_assert(residue_client_session_next_deadline(residue_client_machine(w.cl), &at));
    ck_assert_int_eq(residue_client_touch(w.cl, small, sizeof small, &n, &e), RP_E_OVERFLOW);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    ck_assert(residue_client_session_next_deadline(residue_client_machine(w.cl), &at));
    /* a reconnect that does not fit keeps the session and its key */
    ck_assert_int_eq(residue_client_connect(w.cl, small, sizeof small, &n, &e), RP_E_OVERFLOW);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    ck_assert_uint_eq(residue_client_key_bits(w.cl), 256);
    residue_log_request rec;
    world_log_record(&rec, "a line");
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), 0);
    world_stop(&w);
}
END_TEST

/* ---- the touch timer ---------------------------------------------------------------------- */

START_TEST(touch_timer_fires_at_touch_point)
{
    world w;
    world_start(&w, 3600);
    handshake(&w);
    const residue_client_session *m = residue_client_machine(w.cl);
    uint64_t dc = residue_client_date_created(w.cl);
    ck_assert_uint_eq(dc, w.clock.now);
    ck_assert_uint_eq(residue_client_age(w.cl), 3600);
    ck_assert(rp_machine_timer_running(&m->core, RESIDUE_CLIENT_SESSION_TIMER_TOUCH));
    /* due once fewer than 60 of the 3600 s are left: at dc + 3541 */
    uint64_t at = 0;
    ck_assert(residue_client_session_next_deadline(m, &at));
    ck_assert_uint_eq(at, dc + 3541);
    w.clock.now = dc + 3540;
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_NONE);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    w.clock.now = dc + 3541;
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED); /* not before a tick */
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_TOUCH);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_TOUCH_DUE);
    ck_assert_str_eq(residue_client_session_state_name(m), "touch_due");
    ck_assert(!rp_machine_timer_running(&m->core, RESIDUE_CLIENT_SESSION_TIMER_TOUCH));
    ck_assert_int_eq(residue_client_get_state(w.cl), RESIDUE_CLIENT_ESTABLISHED);
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_TOUCH);

    /* touch_due: the TOUCH first, logging after */
    residue_log_request rec;
    world_log_record(&rec, "a line");
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    rp_error e;
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_str_eq(e.message, "send LogRequest is not allowed in state touch_due");
    ck_assert_int_eq(residue_client_touch(w.cl, pkt, sizeof pkt, &n, NULL), 0);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_AWAITING_TOUCH);
    ck_assert_int_eq(world_exchange(&w, pkt, n, &e), 0);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    /* the established reply to the TOUCH restarted the timer from the new date_created */
    ck_assert_uint_eq(residue_client_date_created(w.cl), dc + 3541);
    ck_assert(residue_client_session_next_deadline(m, &at));
    ck_assert_uint_eq(at, dc + 3541 + 3541);
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_NONE);
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), 0);
    world_stop(&w);
}
END_TEST

/* A server that gives no age: the timer never runs out. */
START_TEST(no_age_no_touch)
{
    world w;
    world_start(&w, 0);
    handshake(&w);
    ck_assert_uint_eq(residue_client_age(w.cl), 0);
    uint64_t at = 0;
    ck_assert(residue_client_session_next_deadline(residue_client_machine(w.cl), &at));
    ck_assert_uint_eq(at, UINT64_MAX);
    w.clock.now += 10u * 365u * 86400u;
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_NONE);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_ESTABLISHED);
    world_stop(&w);
}
END_TEST

/* An established reply whose touch point has already passed (the client's clock is ahead
 * of the server's): due at once, as the client has always computed it. */
START_TEST(touch_point_passed_is_due_at_once)
{
    world w;
    world_start(&w, 3600);
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX], reply[RESIDUE_SESSION_PACKET_MAX], ack[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0, rn = 0, an = 0;
    ck_assert_int_eq(residue_client_connect(w.cl, pkt, sizeof pkt, &n, NULL), 0);
    ck_assert_int_eq(residue_server_handle_connect(w.srv, pkt, n - 4, reply, sizeof reply, &rn, NULL), 0);
    ck_assert_int_eq(residue_client_receive(w.cl, reply, rn - 4, ack, sizeof ack, &an, NULL), 0);
    ck_assert_int_eq(residue_server_handle_connect(w.srv, ack, an - 4, reply, sizeof reply, &rn, NULL), 0);
    uint64_t dc = w.clock.now;
    w.clock.now = dc + 3550; /* the client reads the established reply 3550 s "later" */
    ck_assert_int_eq(residue_client_receive(w.cl, reply, rn - 4, ack, sizeof ack, &an, NULL), 0);
    uint64_t at = 0;
    ck_assert(residue_client_session_next_deadline(residue_client_machine(w.cl), &at));
    ck_assert_uint_eq(at, dc + 3550);
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_TOUCH);
    ck_assert_int_eq(mstate(w.cl), RESIDUE_CLIENT_SESSION_STATE_TOUCH_DUE);
    world_stop(&w);
}
END_TEST

static Suite *client_machine_suite(void)
{
    Suite *s = suite_create("session_client_machine");
    TCase *rx = tcase_create("receive");
    tcase_set_timeout(rx, 60);
    tcase_add_test(rx, hello_refused_when_established);
    tcase_add_test(rx, awaited_reply_refused_ends_attempt);
    tcase_add_test(rx, log_reply_in_every_state);
    suite_add_tcase(s, rx);
    TCase *tx = tcase_create("send");
    tcase_set_timeout(tx, 60);
    tcase_add_test(tx, log_request_refused_before_established);
    tcase_add_test(tx, unwritten_packet_keeps_state);
    suite_add_tcase(s, tx);
    TCase *tm = tcase_create("touch_timer");
    tcase_set_timeout(tm, 60);
    tcase_add_test(tm, touch_timer_fires_at_touch_point);
    tcase_add_test(tm, no_age_no_touch);
    tcase_add_test(tm, touch_point_passed_is_due_at_once);
    suite_add_tcase(s, tm);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(client_machine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
