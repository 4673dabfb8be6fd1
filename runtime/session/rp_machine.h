/* rp_machine: the engine behind the session machines rprotoc generates (docs/language.md
 * §4.17, docs/interfaces.md §7).
 *
 * A machine is one peer's side of a session: its states and, in each state, the events it
 * accepts — a message it sends, a message it receives (in which envelopes), a timer that runs
 * out — and the state that follows, with the keys that come to exist or stop existing and
 * the timers that start or stop. rprotoc writes each machine of a spec as a constant
 * rp_machine_desc; an rp_machine is one running instance of it. The engine does the
 * bookkeeping the generated typed functions build on:
 *
 *   rp_machine_find   which transition the current state takes on an event, or a refusal
 *                     (RP_E_STATE, naming the state and the event) before anything runs;
 *   rp_machine_fire   take a transition: next state, keys, timers;
 *   rp_machine_due    the timer transition that is due now, if any.
 *
 * Sans IO: nothing here reads a clock (the caller passes `now`, in the seconds of its
 * rp_clock_fn, rp_clock.h), does I/O or allocates; there is no global state. An rp_machine is
 * a plain value (no pointer into itself) and may be copied. Indexes and masks: states,
 * transitions and timers are indexes into the description's arrays; message subjects are the
 * generated <p>_message_id numbers; keys and envelopes are the generated <p>_key and
 * <p>_envelope indexes, sets of them are bit masks (bit i = RP_MACHINE_BIT(i)), so at most 64
 * of each; at most RP_MACHINE_TIMER_MAX timers, RP_MACHINE_STATE_MAX states and
 * RP_MACHINE_TRANSITION_MAX transitions per machine (rprotoc's checker refuses more).
 */
#ifndef RP_MACHINE_H
#define RP_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Timers one machine may declare (each instance holds a deadline and a duration per timer). */
#define RP_MACHINE_TIMER_MAX 8u
/* Keys and envelopes a spec with machines may declare (the width of the masks). */
#define RP_MACHINE_MASK_BITS 64u
/* States and transitions one machine may declare: the generated code numbers them as the
 * constants of C enums, which are ints, and 32767 is the largest int C guarantees. */
#define RP_MACHINE_STATE_MAX 32767u
#define RP_MACHINE_TRANSITION_MAX 32767u
/* The bit of index i in a key, envelope or timer mask. */
#define RP_MACHINE_BIT(i) (UINT64_C(1) << (i))
/* "No transition": what rp_machine_find and rp_machine_due leave when they find none. */
#define RP_MACHINE_NONE SIZE_MAX

/* What fires a transition. */
typedef enum rp_machine_event {
    RP_MACHINE_SEND = 1,    /* the peer sends a message (the application asks to) */
    RP_MACHINE_RECEIVE = 2, /* a message arrives from the other peer */
    RP_MACHINE_TIMER = 3    /* a timer of the machine runs out */
} rp_machine_event;

/* One transition: `send M in E | F -> S [actions]` of one state. */
typedef struct rp_machine_transition {
    rp_machine_event event; /* what fires it */
    size_t subject;         /* SEND, RECEIVE: the message id (<p>_message_id, never 0);
                               TIMER: the timer index */
    uint64_t envelopes;     /* SEND, RECEIVE: the envelopes it takes (bit e for envelope index
                               e); 0 for TIMER */
    size_t from;            /* the state it leaves (index into desc->states) */
    size_t to;              /* the state that follows (may equal from) */
    uint64_t establish;     /* keys that exist from now on (bit k for key index k) */
    uint64_t drop;          /* keys that stop existing (applied after establish) */
    uint64_t start;         /* timers that (re)start, due duration[i] seconds after now */
    uint64_t stop;          /* timers that stop (applied before start) */
    bool error;             /* an error transition: the session failed, as the spec says */
    const char *name;       /* for people: "receive Hello", "send Reply in plain",
                               "timer touch"; static, never NULL */
} rp_machine_transition;

/* One state. Its transitions are consecutive in desc->transitions, in spec order. */
typedef struct rp_machine_state {
    const char *name;       /* as in the spec: "awaiting_hello"; static, never NULL */
    uint32_t line;          /* where the spec declares it: 1-based line, 0 when unknown */
    uint32_t column;        /* 1-based column, 0 when unknown */
    size_t first;           /* index of its first transition in desc->transitions */
    size_t count;           /* its transitions: desc->transitions[first .. first + count) */
    bool final;             /* nothing happens after it (count is 0) */
} rp_machine_state;

/* A whole machine, as rprotoc writes it: constant data that outlives every instance. */
typedef struct rp_machine_desc {
    const char *name;                          /* the machine's spec name: "ClientSession" */
    const char *peer;                          /* the peer whose side it is: "client" */
    const char *file;                          /* spec file (base name) for error locations;
                                                  NULL when unknown */
    const rp_machine_state *states;            /* spec order; state_count >= 1 */
    size_t state_count;
    size_t initial;                            /* the state a new instance starts in */
    const rp_machine_transition *transitions;  /* grouped by state, spec order */
    size_t transition_count;
    const char *const *timers;                 /* timer names by index; NULL when none */
    size_t timer_count;                        /* <= RP_MACHINE_TIMER_MAX */
    uint64_t initial_keys;                     /* keys that exist when an instance starts:
                                                  every key of the spec the machine never
                                                  establishes (configured by the program) */
    const char *const *messages;               /* message names by id ([0] is "none"), for
                                                  refusals; NULL when the spec has none */
    size_t message_count;                      /* ids 1 .. message_count - 1 are messages */
    const char *const *envelopes;              /* envelope names by index; NULL when none */
    size_t envelope_count;                     /* <= RP_MACHINE_MASK_BITS */
} rp_machine_desc;

/* One running machine. Read it through the functions below; the generated code sets
 * in_handler around the application's handlers and nothing else writes the fields. */
typedef struct rp_machine {
    const rp_machine_desc *desc;               /* what it runs (not owned) */
    size_t state;                              /* the current state (index into desc->states) */
    uint64_t keys;                             /* keys that exist now (bit k for key index k) */
    uint64_t running;                          /* timers running (bit i for timer i) */
    bool in_handler;                           /* an application handler is running: events
                                                  offered now are refused (no re-entry) */
    uint64_t deadline[RP_MACHINE_TIMER_MAX];   /* running timer i is due once now >= deadline[i] */
    uint64_t duration[RP_MACHINE_TIMER_MAX];   /* seconds a start gives timer i (set by the
                                                  program; 0 until set: due at once) */
} rp_machine;

/* Starts m in desc's initial state with desc->initial_keys, no timer running and every
 * duration 0. m and desc must not be NULL; desc must outlive m's use. */
void rp_machine_init(rp_machine *m, const rp_machine_desc *desc);

/* Finds the transition the current state takes on an event: for RP_MACHINE_SEND and
 * RP_MACHINE_RECEIVE, `subject` is the message id and `envelope` the envelope index it
 * travels in; for RP_MACHINE_TIMER, `subject` is the timer index and `envelope` is ignored.
 * Sets *transition (not NULL) to its index, or to RP_MACHINE_NONE when it fails:
 *   RP_E_STATE     the state does not take that event, e.g. "receive Touch is not allowed in
 *                  state unacknowledged" (with " in <envelope>" when the state takes the
 *                  message in other envelopes), the state's spec location in err->spec; or a
 *                  handler of this machine is running;
 *   RP_E_ARGUMENT  an unknown event kind, message id, envelope or timer, or a NULL argument.
 * Changes nothing. */
RP_CHECK_RESULT int rp_machine_find(const rp_machine *m, rp_machine_event event, size_t subject,
                                    size_t envelope, size_t *transition, rp_error *err);

/* Takes `transition`, which must leave the current state: the timer that ran out (TIMER) and
 * the stopped timers stop, the started ones get deadline now + duration (saturating), the
 * established keys exist and the dropped ones no longer, and the machine is in the next
 * state. RP_E_STATE when the transition leaves another state or a handler is running;
 * RP_E_ARGUMENT for an unknown transition or a NULL m. Nothing changes on failure. */
RP_CHECK_RESULT int rp_machine_fire(rp_machine *m, size_t transition, uint64_t now, rp_error *err);

/* The timer transition due at `now`: of the running timers whose deadline has come
 * (deadline <= now) and that the current state takes, the one with the earliest deadline
 * (on a tie the lower timer index). A timer whose deadline has come in a state that does not
 * take it keeps running and is due in the first state that does. Sets *transition (not NULL)
 * to it, or to RP_MACHINE_NONE when none is due (and returns 0). RP_E_STATE while a handler
 * runs, RP_E_ARGUMENT for a NULL argument. Changes nothing. */
RP_CHECK_RESULT int rp_machine_due(const rp_machine *m, uint64_t now, size_t *transition,
                                   rp_error *err);

/* The earliest deadline of the running timers the current state takes, into *at (not NULL):
 * when the caller should offer the time next. False (and *at untouched) when time alone
 * cannot change the state. NULL m gives false. */
bool rp_machine_next_deadline(const rp_machine *m, uint64_t *at);

/* Sets how many seconds the next start of `timer` gives it; a running timer keeps its
 * deadline. Allowed from inside a handler (so the handler of a transition that starts a
 * timer may choose its duration). RP_E_ARGUMENT for an unknown timer or a NULL m. */
RP_CHECK_RESULT int rp_machine_set_duration(rp_machine *m, size_t timer, uint64_t seconds,
                                            rp_error *err);

/* Whether key index `key` exists now (false for key >= 64 and for a NULL m). */
bool rp_machine_has_key(const rp_machine *m, size_t key);

/* Whether timer index `timer` is running (false for an unknown timer and a NULL m). */
bool rp_machine_timer_running(const rp_machine *m, size_t timer);

/* The spec name of the current state ("awaiting_hello"); "none" for a NULL m. Static. */
const char *rp_machine_state_name(const rp_machine *m);

/* "send", "receive" or "timer"; "event" for anything else. Static. */
const char *rp_machine_event_name(rp_machine_event event);

#ifdef __cplusplus
}
#endif

#endif /* RP_MACHINE_H */
