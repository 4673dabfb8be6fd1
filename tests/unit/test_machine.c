/* test_machine: the session machine engine (runtime/session/rp_machine) on a small
 * hand-written description: finding and refusing events (the texts, the spec location, the
 * argument errors), firing (state, keys with establish before drop, timers with stop before
 * start, the consumed timer, saturating deadlines), which timer is due (exactly at its
 * deadline, the earliest first, a tie to the lower index, a timer due in a state that does not
 * take it kept until one does), the next deadline, and the guard against re-entry from a
 * handler. The generated machines are driven from their specs in test_machine_spec.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "rp_machine.h"

enum { IDLE, BUSY, DONE };
enum { PING = 1, PONG, BYE };
enum { CLEAR, SEALED, OTHER };
enum { CONFIG, SESSION };
enum { SLOW, FAST };
enum { T_PING, T_PONG, T_IDLE_SLOW, T_FAST, T_BUSY_SLOW, T_BYE, T_BUSY_PING };

#define B RP_MACHINE_BIT

static const char *const messages[] = { "none", "Ping", "Pong", "Bye" };
static const char *const envelopes[] = { "clear", "sealed", "other" };
static const char *const timers[] = { "slow", "fast" };

static const rp_machine_state states[] = {
    { .name = "idle", .line = 10, .column = 9, .first = 0, .count = 3 },
    { .name = "busy", .line = 20, .column = 9, .first = 3, .count = 4 },
    { .name = "done", .line = 30, .column = 9, .first = 7, .count = 0, .final = true },
};

static const rp_machine_transition transitions[] = {
    { .event = RP_MACHINE_RECEIVE, .subject = PING, .envelopes = B(CLEAR) | B(SEALED), .from = IDLE,
      .to = BUSY, .establish = B(SESSION), .start = B(SLOW), .name = "receive Ping" },
    { .event = RP_MACHINE_SEND, .subject = PONG, .envelopes = B(CLEAR), .from = IDLE, .to = IDLE,
      .name = "send Pong" },
    { .event = RP_MACHINE_TIMER, .subject = SLOW, .from = IDLE, .to = DONE, .error = true,
      .name = "timer slow" },
    { .event = RP_MACHINE_TIMER, .subject = FAST, .from = BUSY, .to = BUSY, .start = B(FAST),
      .name = "timer fast" },
    { .event = RP_MACHINE_TIMER, .subject = SLOW, .from = BUSY, .to = IDLE, .drop = B(SESSION),
      .name = "timer slow" },
    { .event = RP_MACHINE_RECEIVE, .subject = BYE, .envelopes = B(SEALED), .from = BUSY, .to = IDLE,
      .stop = B(FAST), .name = "receive Bye" },
    { .event = RP_MACHINE_SEND, .subject = PING, .envelopes = B(CLEAR), .from = BUSY, .to = BUSY,
      .establish = B(SESSION), .drop = B(SESSION), .start = B(FAST), .stop = B(FAST),
      .name = "send Ping" },
};

static const rp_machine_desc desc = {
    .name = "Test", .peer = "left", .file = "test.rproto",
    .states = states, .state_count = 3, .initial = IDLE,
    .transitions = transitions, .transition_count = 7,
    .timers = timers, .timer_count = 2,
    .initial_keys = B(CONFIG),
    .messages = messages, .message_count = 4,
    .envelopes = envelopes, .envelope_count = 3,
};

/* Finds and fires in one go; fails the test when either fails. */
static void take(rp_machine *m, rp_machine_event ev, size_t subject, size_t env, uint64_t now, size_t want)
{
    size_t t = 0;
    rp_error err;
    ck_assert_int_eq(rp_machine_find(m, ev, subject, env, &t, &err), 0);
    ck_assert_uint_eq(t, want);
    ck_assert_int_eq(rp_machine_fire(m, t, now, &err), 0);
}

static void refused(const rp_machine *m, rp_machine_event ev, size_t subject, size_t env, const char *text)
{
    size_t t = 0;
    rp_error err;
    ck_assert_int_eq(rp_machine_find(m, ev, subject, env, &t, &err), RP_E_STATE);
    ck_assert_uint_eq(t, RP_MACHINE_NONE);
    ck_assert_int_eq(err.code, RP_E_STATE);
    ck_assert_int_eq(err.layer, RP_LAYER_SESSION);
    ck_assert_str_eq(err.message, text);
    ck_assert_str_eq(err.spec.file, "test.rproto");
    ck_assert_uint_eq(err.spec.line, states[m->state].line);
    ck_assert_uint_eq(err.spec.column, states[m->state].column);
}

static void argument(const rp_machine *m, rp_machine_event ev, size_t subject, size_t env)
{
    size_t t = 0;
    rp_error err;
    ck_assert_int_eq(rp_machine_find(m, ev, subject, env, &t, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(t, RP_MACHINE_NONE);
    ck_assert_int_eq(rp_machine_find(m, ev, subject, env, &t, NULL), RP_E_ARGUMENT);
}

static size_t due(const rp_machine *m, uint64_t now)
{
    size_t t = 0;
    ck_assert_int_eq(rp_machine_due(m, now, &t, NULL), 0);
    return t;
}

START_TEST(test_init)
{
    rp_machine m;
    memset(&m, 0xa5, sizeof m);
    rp_machine_init(&m, &desc);
    ck_assert_uint_eq(m.state, IDLE);
    ck_assert_str_eq(rp_machine_state_name(&m), "idle");
    ck_assert(rp_machine_has_key(&m, CONFIG));
    ck_assert(!rp_machine_has_key(&m, SESSION));
    ck_assert(!rp_machine_has_key(&m, 64));
    ck_assert(!rp_machine_timer_running(&m, SLOW));
    ck_assert(!rp_machine_timer_running(&m, FAST));
    ck_assert(!rp_machine_timer_running(&m, 2));
    ck_assert(!m.in_handler);
    ck_assert_uint_eq(m.duration[SLOW], 0);
    uint64_t at = 7;
    ck_assert(!rp_machine_next_deadline(&m, &at));
    ck_assert_uint_eq(at, 7);
    ck_assert_uint_eq(due(&m, UINT64_MAX), RP_MACHINE_NONE);
    ck_assert_str_eq(rp_machine_state_name(NULL), "none");
    ck_assert(!rp_machine_has_key(NULL, 0));
    ck_assert(!rp_machine_next_deadline(NULL, &at));
    ck_assert_str_eq(rp_machine_event_name(RP_MACHINE_SEND), "send");
    ck_assert_str_eq(rp_machine_event_name(RP_MACHINE_RECEIVE), "receive");
    ck_assert_str_eq(rp_machine_event_name(RP_MACHINE_TIMER), "timer");
    ck_assert_str_eq(rp_machine_event_name((rp_machine_event)9), "event");
}
END_TEST

START_TEST(test_find_and_refuse)
{
    rp_machine m;
    rp_machine_init(&m, &desc);
    size_t t = 0;
    ck_assert_int_eq(rp_machine_find(&m, RP_MACHINE_RECEIVE, PING, SEALED, &t, NULL), 0);
    ck_assert_uint_eq(t, T_PING);
    ck_assert_int_eq(rp_machine_find(&m, RP_MACHINE_SEND, PONG, CLEAR, &t, NULL), 0);
    ck_assert_uint_eq(t, T_PONG);
    ck_assert_int_eq(rp_machine_find(&m, RP_MACHINE_TIMER, SLOW, 99, &t, NULL), 0); /* envelope ignored */
    ck_assert_uint_eq(t, T_IDLE_SLOW);

    refused(&m, RP_MACHINE_RECEIVE, PONG, CLEAR, "receive Pong is not allowed in state idle");
    refused(&m, RP_MACHINE_RECEIVE, PING, OTHER, "receive Ping in other is not allowed in state idle");
    refused(&m, RP_MACHINE_SEND, PONG, SEALED, "send Pong in sealed is not allowed in state idle");
    refused(&m, RP_MACHINE_SEND, PING, CLEAR, "send Ping is not allowed in state idle");
    refused(&m, RP_MACHINE_TIMER, FAST, 0, "timer fast is not allowed in state idle");
    ck_assert_int_eq(rp_machine_find(&m, RP_MACHINE_RECEIVE, BYE, SEALED, &t, NULL), RP_E_STATE);

    argument(&m, RP_MACHINE_RECEIVE, 0, CLEAR);
    argument(&m, RP_MACHINE_RECEIVE, 4, CLEAR);
    argument(&m, RP_MACHINE_SEND, SIZE_MAX, CLEAR);
    argument(&m, RP_MACHINE_RECEIVE, PING, 3);
    argument(&m, RP_MACHINE_RECEIVE, PING, 64);
    argument(&m, RP_MACHINE_RECEIVE, PING, SIZE_MAX);
    argument(&m, RP_MACHINE_TIMER, 2, 0);
    argument(&m, (rp_machine_event)0, PING, CLEAR);
    argument(&m, (rp_machine_event)7, PING, CLEAR);
    rp_error err;
    ck_assert_int_eq(rp_machine_find(NULL, RP_MACHINE_RECEIVE, PING, CLEAR, &t, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_machine_find(&m, RP_MACHINE_RECEIVE, PING, CLEAR, NULL, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_machine_find(&m, RP_MACHINE_RECEIVE, PING, 3, &t, &err), RP_E_ARGUMENT);
    ck_assert_str_eq(err.message, "machine Test: receive Ping in envelope 3, which is no envelope of the protocol");

    /* a final state takes nothing */
    ck_assert_int_eq(rp_machine_set_duration(&m, SLOW, 0, NULL), 0);
    take(&m, RP_MACHINE_RECEIVE, PING, CLEAR, 5, T_PING);
    take(&m, RP_MACHINE_TIMER, SLOW, 0, 5, T_BUSY_SLOW);
    ck_assert_int_eq(rp_machine_fire(&m, T_IDLE_SLOW, 5, NULL), 0); /* slow no longer runs: fire anyway */
    ck_assert_str_eq(rp_machine_state_name(&m), "done");
    refused(&m, RP_MACHINE_RECEIVE, PING, CLEAR, "receive Ping is not allowed in state done");
    ck_assert_uint_eq(due(&m, UINT64_MAX), RP_MACHINE_NONE);
}
END_TEST

START_TEST(test_fire_keys_and_timers)
{
    rp_machine m;
    rp_machine_init(&m, &desc);
    rp_error err;
    ck_assert_int_eq(rp_machine_set_duration(&m, SLOW, 50, &err), 0);
    ck_assert_int_eq(rp_machine_set_duration(&m, FAST, 10, &err), 0);
    ck_assert_int_eq(rp_machine_set_duration(&m, 2, 10, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_machine_set_duration(NULL, SLOW, 10, &err), RP_E_ARGUMENT);

    take(&m, RP_MACHINE_RECEIVE, PING, SEALED, 100, T_PING);
    ck_assert_uint_eq(m.state, BUSY);
    ck_assert(rp_machine_has_key(&m, CONFIG) && rp_machine_has_key(&m, SESSION));
    ck_assert(rp_machine_timer_running(&m, SLOW) && !rp_machine_timer_running(&m, FAST));
    ck_assert_uint_eq(m.deadline[SLOW], 150);

    /* a transition of another state, or none at all, changes nothing */
    rp_machine before = m;
    ck_assert_int_eq(rp_machine_fire(&m, T_PONG, 100, &err), RP_E_STATE);
    ck_assert_str_eq(err.message, "machine Test: 'send Pong' of state idle cannot fire in state busy");
    ck_assert_int_eq(rp_machine_fire(&m, 7, 100, &err), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_machine_fire(NULL, 0, 100, &err), RP_E_ARGUMENT);
    ck_assert(memcmp(&before, &m, sizeof m) == 0);

    /* establish and drop of one key: dropped; stop and start of one timer: started */
    take(&m, RP_MACHINE_SEND, PING, CLEAR, 101, T_BUSY_PING);
    ck_assert(!rp_machine_has_key(&m, SESSION));
    ck_assert(rp_machine_has_key(&m, CONFIG));
    ck_assert(rp_machine_timer_running(&m, FAST));
    ck_assert_uint_eq(m.deadline[FAST], 111);

    /* due exactly at the deadline, the earliest first */
    uint64_t at = 0;
    ck_assert(rp_machine_next_deadline(&m, &at));
    ck_assert_uint_eq(at, 111);
    ck_assert_uint_eq(due(&m, 110), RP_MACHINE_NONE);
    ck_assert_uint_eq(due(&m, 111), T_FAST);
    ck_assert_uint_eq(due(&m, 149), T_FAST);
    ck_assert_uint_eq(due(&m, 1000), T_FAST);   /* fast (111) before slow (150) */

    /* the timer that ran out is consumed, then restarted by its own transition */
    ck_assert_int_eq(rp_machine_set_duration(&m, FAST, 39, &err), 0);
    take(&m, RP_MACHINE_TIMER, FAST, 0, 111, T_FAST);
    ck_assert(rp_machine_timer_running(&m, FAST));
    ck_assert_uint_eq(m.deadline[FAST], 150);
    ck_assert_uint_eq(due(&m, 149), RP_MACHINE_NONE);
    ck_assert_uint_eq(due(&m, 150), T_BUSY_SLOW); /* a tie: the lower timer index */

    /* slow takes busy back to idle; fast keeps running there, due but not taken by idle */
    take(&m, RP_MACHINE_TIMER, SLOW, 0, 150, T_BUSY_SLOW);
    ck_assert_uint_eq(m.state, IDLE);
    ck_assert(!rp_machine_timer_running(&m, SLOW));
    ck_assert(rp_machine_timer_running(&m, FAST));
    ck_assert_uint_eq(due(&m, 200), RP_MACHINE_NONE);
    ck_assert(!rp_machine_next_deadline(&m, &at));
    /* ... and taken as soon as busy is back */
    ck_assert_int_eq(rp_machine_set_duration(&m, SLOW, 1000, &err), 0);
    take(&m, RP_MACHINE_RECEIVE, PING, CLEAR, 200, T_PING);
    ck_assert_uint_eq(due(&m, 200), T_FAST);
    ck_assert(rp_machine_next_deadline(&m, &at));
    ck_assert_uint_eq(at, 150);

    /* stop: bye stops fast, slow goes on */
    take(&m, RP_MACHINE_RECEIVE, BYE, SEALED, 201, T_BYE);
    ck_assert(!rp_machine_timer_running(&m, FAST));
    ck_assert(rp_machine_timer_running(&m, SLOW));
    ck_assert_uint_eq(due(&m, 1199), RP_MACHINE_NONE);
    ck_assert_uint_eq(due(&m, 1200), T_IDLE_SLOW);

    /* a running timer keeps its deadline when its duration changes */
    ck_assert_int_eq(rp_machine_set_duration(&m, SLOW, 5, &err), 0);
    ck_assert_uint_eq(m.deadline[SLOW], 1200);
}
END_TEST

START_TEST(test_deadline_saturates)
{
    rp_machine m;
    rp_machine_init(&m, &desc);
    ck_assert_int_eq(rp_machine_set_duration(&m, SLOW, 10, NULL), 0);
    take(&m, RP_MACHINE_RECEIVE, PING, CLEAR, UINT64_MAX - 5, T_PING);
    ck_assert_uint_eq(m.deadline[SLOW], UINT64_MAX);
    ck_assert_uint_eq(due(&m, UINT64_MAX - 1), RP_MACHINE_NONE);
    ck_assert_uint_eq(due(&m, UINT64_MAX), T_BUSY_SLOW);
}
END_TEST

START_TEST(test_no_reentry)
{
    rp_machine m;
    rp_machine_init(&m, &desc);
    m.in_handler = true;
    size_t t = 0;
    rp_error err;
    ck_assert_int_eq(rp_machine_find(&m, RP_MACHINE_RECEIVE, PING, CLEAR, &t, &err), RP_E_STATE);
    ck_assert_str_eq(err.message, "machine Test: an event was offered while one of its handlers runs");
    ck_assert_uint_eq(t, RP_MACHINE_NONE);
    ck_assert_int_eq(rp_machine_fire(&m, T_PING, 1, &err), RP_E_STATE);
    ck_assert_int_eq(rp_machine_due(&m, 1, &t, &err), RP_E_STATE);
    ck_assert_int_eq(rp_machine_due(&m, 1, NULL, &err), RP_E_ARGUMENT);
    ck_assert_uint_eq(m.state, IDLE);
    /* a handler may choose durations */
    ck_assert_int_eq(rp_machine_set_duration(&m, SLOW, 3, &err), 0);
    m.in_handler = false;
    take(&m, RP_MACHINE_RECEIVE, PING, CLEAR, 10, T_PING);
    ck_assert_uint_eq(m.deadline[SLOW], 13);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("machine");
    TCase *tc = tcase_create("engine");
    tcase_add_test(tc, test_init);
    tcase_add_test(tc, test_find_and_refuse);
    tcase_add_test(tc, test_fire_keys_and_timers);
    tcase_add_test(tc, test_deadline_saturates);
    tcase_add_test(tc, test_no_reentry);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
