/* check_machine.c — session machines (docs/language.md §4.17): one per peer, its states and
 * transitions resolved into the AST, and the machine proved sound: one initial state,
 * every state reachable, no two transitions from one state on the same event, every
 * message and envelope that routes bring to the peer accepted in some state, no key used
 * (to open or seal an envelope) in a state where some path has not established it, every
 * timer started somewhere; and within what the generated code and the engine
 * (runtime/session/rp_machine.h) hold: timers, states and transitions per machine (keys and
 * envelopes are held to the smaller tables of the envelope engine by check_transport.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "name_table.h"
#include "rp_envelope.h"
#include "rp_machine.h"

#define error rp_check_error

static const char *const actions[] = { "establish", "drop", "start", "stop", "error" };
#define ACTION_COUNT (sizeof actions / sizeof actions[0])
/* Key sets are bit masks, as in the engine: the dataflow below handles the first 64 keys of a
 * spec (check_transport.c refuses more than 16). */
#define KEY_BITS RP_MACHINE_MASK_BITS

/* The states and timers of the machine being resolved, by name (index + 1), so resolving
 * a machine stays linear in its size (a machine may hold 32767 states). */
typedef struct member_index {
    rp_name_table states, timers;
} member_index;

static void member_index_init(member_index *x, const rp_ast_machine *m)
{
    rp_name_table_init(&x->states, m->state_count);
    rp_name_table_init(&x->timers, m->timer_count);
    for (size_t i = 0; i < m->state_count; i++)
        rp_name_table_put(&x->states, m->states[i].name, i + 1);
    for (size_t i = 0; i < m->timer_count; i++)
        rp_name_table_put(&x->timers, m->timers[i].name, i + 1);
}

static void member_index_free(member_index *x)
{
    rp_name_table_free(&x->states);
    rp_name_table_free(&x->timers);
}

static size_t find_state(const member_index *x, const char *name)
{
    size_t v = rp_name_table_get(&x->states, name);
    return v != 0 ? v - 1 : SIZE_MAX;
}

static size_t find_timer(const member_index *x, const char *name)
{
    size_t v = rp_name_table_get(&x->timers, name);
    return v != 0 ? v - 1 : SIZE_MAX;
}

/* "unknown state 'x' in machine 'M'; did you mean 'y'?" */
static void unknown_member(rp_checker *c, const rp_ast_span *span, const char *what, const char *name,
                           const rp_ast_decl *d, bool states)
{
    const rp_ast_machine *m = &d->u.machine;
    /* no suggestion once errors are dropped (n unknown names among n would cost n^2) */
    size_t n = rp_diag_stopped(c->diag) ? 0 : states ? m->state_count : m->timer_count;
    const char **words = rp_xcalloc(n + 1, sizeof *words);
    for (size_t i = 0; i < n; i++)
        words[i] = states ? m->states[i].name : m->timers[i].name;
    const char *s = rp_suggest_word(name, words, n);
    if (s != NULL)
        error(c, span, "unknown %s '%s' in machine '%s'; did you mean '%s'?", what, name, d->name, s);
    else
        error(c, span, "unknown %s '%s' in machine '%s'", what, name, d->name);
    free(words);
}

/* Appends every envelope of msg's routes that go from (send) or to (receive) the peer, once. */
static void route_envelopes(const rp_ast_decl *msg, const rp_ast_decl *peer, bool send,
                            const rp_ast_decl ***out, size_t *count)
{
    size_t n = 0, cap = *count;
    const rp_ast_route *r = rp_ast_decl_routes(msg, &n);
    for (size_t i = 0; i < n; i++) {
        if ((send ? r[i].from : r[i].to) != peer)
            continue;
        for (size_t k = 0; k < r[i].envelope_count; k++) {
            if (r[i].envelopes == NULL || r[i].envelopes[k] == NULL)
                continue; /* an unknown envelope, already reported */
            bool seen = false;
            for (size_t j = 0; j < *count && !seen; j++)
                seen = (*out)[j] == r[i].envelopes[k];
            if (!seen)
                *(const rp_ast_decl **)rp_xpush(out, count, &cap, sizeof **out) = r[i].envelopes[k];
        }
    }
}

/* The message or array a transition names, and the envelopes it takes. */
static void resolve_message(rp_checker *c, const rp_ast_decl *md, rp_ast_transition *t)
{
    const rp_ast_decl *peer = md->u.machine.peer;
    bool send = t->event == RP_EVENT_SEND;
    const rp_ast_decl *d = rp_check_lookup(c, t->subject);
    if (d == NULL || (d->kind != RP_DECL_MESSAGE && d->kind != RP_DECL_ARRAY)) {
        if (d == NULL) {
            const char *s = rp_check_suggest_decl(c, t->subject, (1u << RP_DECL_MESSAGE) | (1u << RP_DECL_ARRAY));
            if (s != NULL)
                error(c, &t->subject_span, "unknown message '%s'; did you mean '%s'?", t->subject, s);
            else
                error(c, &t->subject_span, "unknown message '%s'", t->subject);
        } else {
            error(c, &t->subject_span, "'%s' is %s %s, not a message", t->subject,
                  rp_check_article(d->kind), rp_ast_decl_kind_name(d->kind));
        }
        return;
    }
    t->message = d;
    if (peer == NULL)
        return;
    const rp_ast_decl **all = NULL;
    size_t total = 0;
    route_envelopes(d, peer, send, &all, &total);
    if (total == 0) {
        error(c, &t->subject_span, send ? "'%s' never travels from '%s': no route of it starts there"
                                        : "'%s' never reaches '%s': no route of it ends there",
              d->name, peer->name);
        free(all);
        return;
    }
    if (t->envelope_count == 0) {
        t->envelopes = all;
        t->envelope_total = total;
        return;
    }
    size_t cap = 0;
    for (size_t i = 0; i < t->envelope_count; i++) {
        const rp_ast_decl *e = NULL;
        for (size_t j = 0; j < total && e == NULL; j++)
            if (strcmp(all[j]->name, t->envelope_names[i]) == 0)
                e = all[j];
        if (e == NULL) {
            error(c, &t->envelope_spans[i], "'%s' does not %s '%s' in envelope '%s' on any route",
                  d->name, send ? "leave" : "reach", peer->name, t->envelope_names[i]);
            continue;
        }
        *(const rp_ast_decl **)rp_xpush(&t->envelopes, &t->envelope_total, &cap, sizeof *t->envelopes) = e;
    }
    free(all);
}

static const rp_ast_decl *action_key(rp_checker *c, const rp_ast_expr *a)
{
    return rp_check_resolve_decl(c, a->args[0]->name, &a->args[0]->span, RP_DECL_KEY);
}

static void resolve_actions(rp_checker *c, const rp_ast_decl *md, const member_index *x, rp_ast_transition *t)
{
    size_t cap_e = 0, cap_d = 0, cap_s = 0, cap_t = 0;
    for (size_t i = 0; i < t->action_count; i++) {
        const rp_ast_expr *a = t->actions[i];
        if (a->kind == RP_EXPR_NAME && strcmp(a->name, "error") == 0) {
            t->is_error = true;
            continue;
        }
        bool known = a->kind == RP_EXPR_CALL || a->kind == RP_EXPR_NAME;
        size_t k = 0;
        while (known && k < ACTION_COUNT && strcmp(actions[k], a->name) != 0)
            k++;
        if (!known || k == ACTION_COUNT) {
            if (known)
                rp_check_unknown_word(c, &a->name_span, "action", a->name, actions, ACTION_COUNT);
            else
                error(c, &a->span, "an action is establish(KEY), drop(KEY), start(TIMER), stop(TIMER) or error");
            continue;
        }
        if (k == 4) {
            error(c, &a->span, "'error' takes no argument");
            continue;
        }
        if (a->kind != RP_EXPR_CALL || a->arg_count != 1 || a->args[0]->kind != RP_EXPR_NAME) {
            error(c, &a->span, "'%s' takes one %s: %s(%s)", a->name, k < 2 ? "key" : "timer", a->name,
                  k < 2 ? "KEY" : "TIMER");
            continue;
        }
        if (k < 2) {
            const rp_ast_decl *key = action_key(c, a);
            if (key == NULL)
                continue;
            if (k == 0)
                *(const rp_ast_decl **)rp_xpush(&t->establishes, &t->establish_count, &cap_e, sizeof key) = key;
            else
                *(const rp_ast_decl **)rp_xpush(&t->drops, &t->drop_count, &cap_d, sizeof key) = key;
        } else {
            size_t ti = find_timer(x, a->args[0]->name);
            if (ti == SIZE_MAX) {
                unknown_member(c, &a->args[0]->span, "timer", a->args[0]->name, md, false);
                c->unknown_timer_actions++;
                continue;
            }
            if (k == 2)
                *(size_t *)rp_xpush(&t->starts, &t->start_count, &cap_s, sizeof ti) = ti;
            else
                *(size_t *)rp_xpush(&t->stops, &t->stop_count, &cap_t, sizeof ti) = ti;
        }
    }
}

/* Two transitions of one state fire on the same event: the same timer, or the same message
 * in a common envelope. */
static bool same_event(const rp_ast_transition *a, const rp_ast_transition *b)
{
    if (a->event != b->event)
        return false;
    if (a->event == RP_EVENT_TIMER)
        return a->timer == b->timer;
    if (a->message == NULL || a->message != b->message)
        return false;
    for (size_t i = 0; i < a->envelope_total; i++)
        for (size_t j = 0; j < b->envelope_total; j++)
            if (a->envelopes[i] == b->envelopes[j])
                return true;
    return false;
}

static void resolve_machine(rp_checker *c, rp_ast_decl *d)
{
    rp_ast_machine *m = &d->u.machine;
    m->peer = rp_check_resolve_decl(c, m->peer_name, &m->peer_span, RP_DECL_PEER);
    m->initial = SIZE_MAX;
    m->transition_count = 0;
    member_index x;
    member_index_init(&x, m);
    for (size_t i = 0; i < m->state_count; i++) {
        rp_ast_state *st = &m->states[i];
        if (st->initial) {
            if (m->initial != SIZE_MAX) {
                error(c, &st->name_span, "machine '%s' has a second initial state '%s'", d->name, st->name);
                rp_diag_note(c->diag, &m->states[m->initial].name_span, "the first one");
            } else {
                m->initial = i;
            }
        }
        if (st->final && st->transition_count > 0)
            error(c, &st->transitions[0].span, "state '%s' is final: nothing may happen after it", st->name);
        for (size_t k = 0; k < st->transition_count; k++) {
            rp_ast_transition *t = &st->transitions[k];
            t->index = m->transition_count++;
            t->target_state = find_state(&x, t->target);
            if (t->target_state == SIZE_MAX)
                unknown_member(c, &t->target_span, "state", t->target, d, true);
            if (t->event == RP_EVENT_TIMER) {
                t->timer = find_timer(&x, t->subject);
                if (t->timer == SIZE_MAX)
                    unknown_member(c, &t->subject_span, "timer", t->subject, d, false);
            } else {
                resolve_message(c, d, t);
            }
            resolve_actions(c, d, &x, t);
            for (size_t j = 0; j < k; j++)
                if (same_event(&st->transitions[j], t)) {
                    error(c, &t->span, "state '%s' already has a transition on %s '%s' here", st->name,
                          rp_ast_event_name(t->event), t->subject);
                    rp_diag_note(c->diag, &st->transitions[j].span, "the first transition");
                    break;
                }
        }
    }
    if (m->initial == SIZE_MAX && m->state_count > 0)
        error(c, &d->name_span, "machine '%s' has no initial state: mark one with [initial]", d->name);
    if (m->state_count == 0)
        error(c, &d->name_span, "machine '%s' has no states", d->name);
    member_index_free(&x);
}

/* ---- soundness ---------------------------------------------------------------------------------- */

static void check_reachable(rp_checker *c, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    bool *seen = rp_xcalloc(m->state_count, sizeof *seen);
    size_t *stack = rp_xcalloc(m->state_count, sizeof *stack), top = 0;
    seen[m->initial] = true;
    stack[top++] = m->initial;
    while (top > 0) {
        const rp_ast_state *st = &m->states[stack[--top]];
        for (size_t k = 0; k < st->transition_count; k++) {
            size_t to = st->transitions[k].target_state;
            if (!seen[to]) {
                seen[to] = true;
                stack[top++] = to;
            }
        }
    }
    for (size_t i = 0; i < m->state_count; i++)
        if (!seen[i])
            error(c, &m->states[i].name_span, "state '%s' cannot be reached from the initial state '%s'",
                  m->states[i].name, m->states[m->initial].name);
    free(stack);
    free(seen);
}

/* Every (message, envelope) a route brings to the machine's peer is received in some state. */
static void check_accepted(rp_checker *c, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    const rp_ast_spec *spec = c->spec;
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *msg = spec->decls[i];
        size_t n = 0;
        const rp_ast_route *r = rp_ast_decl_routes(msg, &n);
        for (size_t k = 0; k < n; k++) {
            if (r[k].to != m->peer)
                continue;
            for (size_t e = 0; r[k].envelopes != NULL && e < r[k].envelope_count; e++) {
                if (r[k].envelopes[e] == NULL)
                    continue;
                bool taken = false;
                for (size_t s = 0; s < m->state_count && !taken; s++)
                    for (size_t t = 0; t < m->states[s].transition_count && !taken; t++) {
                        const rp_ast_transition *tr = &m->states[s].transitions[t];
                        if (tr->event != RP_EVENT_RECEIVE || tr->message != msg)
                            continue;
                        for (size_t x = 0; x < tr->envelope_total && !taken; x++)
                            taken = tr->envelopes[x] == r[k].envelopes[e];
                    }
                if (!taken)
                    error(c, &r[k].envelope_spans[e],
                          "'%s' reaches '%s' in envelope '%s', but no state of machine '%s' receives it",
                          msg->name, m->peer->name, r[k].envelope_names[e], d->name);
            }
        }
    }
}

static uint64_t key_bit(const rp_ast_decl *key)
{
    return key->u.key.index < KEY_BITS ? UINT64_C(1) << key->u.key.index : 0;
}

/* The keys an envelope's layers use: rsa and aes layers, and id() parts. */
static uint64_t envelope_keys(const rp_ast_decl *env)
{
    uint64_t k = 0;
    for (size_t i = 0; i < env->u.envelope.layer_count; i++) {
        const rp_ast_layer *l = &env->u.envelope.layers[i];
        if (l->key != NULL)
            k |= key_bit(l->key);
        for (size_t p = 0; p < l->part_count; p++)
            if (l->parts[p].key != NULL)
                k |= key_bit(l->parts[p].key);
    }
    return k;
}

/* Must-analysis: have[s] = the keys that exist in state s on every path from the initial
 * state. A key some transition establishes does not exist before; every other key is
 * configured and always exists. */
static void check_keys(rp_checker *c, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    uint64_t established = 0;
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t t = 0; t < m->states[s].transition_count; t++)
            for (size_t e = 0; e < m->states[s].transitions[t].establish_count; e++)
                established |= key_bit(m->states[s].transitions[t].establishes[e]);
    uint64_t *have = rp_xcalloc(m->state_count, sizeof *have);
    bool *reached = rp_xcalloc(m->state_count, sizeof *reached);
    have[m->initial] = ~established;
    reached[m->initial] = true;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t s = 0; s < m->state_count; s++) {
            if (!reached[s])
                continue;
            for (size_t t = 0; t < m->states[s].transition_count; t++) {
                const rp_ast_transition *tr = &m->states[s].transitions[t];
                uint64_t out = have[s];
                for (size_t e = 0; e < tr->establish_count; e++)
                    out |= key_bit(tr->establishes[e]);
                for (size_t e = 0; e < tr->drop_count; e++)
                    out &= ~key_bit(tr->drops[e]);
                size_t to = tr->target_state;
                uint64_t next = reached[to] ? (have[to] & out) : out;
                if (!reached[to] || next != have[to]) {
                    reached[to] = true;
                    have[to] = next;
                    changed = true;
                }
            }
        }
    }
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t t = 0; reached[s] && t < m->states[s].transition_count; t++) {
            const rp_ast_transition *tr = &m->states[s].transitions[t];
            for (size_t e = 0; e < tr->envelope_total; e++) {
                uint64_t missing = envelope_keys(tr->envelopes[e]) & ~have[s];
                for (size_t k = 0; missing != 0 && k < c->spec->key_count; k++) {
                    const rp_ast_decl *key = c->spec->keys[k];
                    if ((missing & key_bit(key)) == 0)
                        continue;
                    error(c, &tr->span,
                          "'%s %s' %s envelope '%s' with key '%s', which may not exist in state '%s': "
                          "not every path here establishes it",
                          rp_ast_event_name(tr->event), tr->subject,
                          tr->event == RP_EVENT_SEND ? "seals" : "opens", tr->envelopes[e]->name,
                          key->name, m->states[s].name);
                    missing &= ~key_bit(key);
                }
            }
        }
    free(reached);
    free(have);
}

/* Every timer is started somewhere, and (when every name of the machine resolved, so that
 * each `timer T ->` knows its timer) some state reacts to it: a timer nothing reacts to runs
 * out to no effect, which is a forgotten transition. */
static void check_timers(rp_checker *c, const rp_ast_decl *d, bool resolved)
{
    const rp_ast_machine *m = &d->u.machine;
    for (size_t i = 0; i < m->timer_count; i++) {
        bool started = false, handled = false;
        for (size_t s = 0; s < m->state_count; s++)
            for (size_t t = 0; t < m->states[s].transition_count; t++) {
                const rp_ast_transition *tr = &m->states[s].transitions[t];
                for (size_t k = 0; k < tr->start_count && !started; k++)
                    started = tr->starts[k] == i;
                handled = handled || (tr->event == RP_EVENT_TIMER && tr->timer == i);
            }
        if (!started)
            error(c, &m->timers[i].span, "timer '%s' is never started: no transition says start(%s)",
                  m->timers[i].name, m->timers[i].name);
        else if (resolved && !handled)
            error(c, &m->timers[i].span, "timer '%s' is started but no state reacts to it: add "
                  "`timer %s -> STATE;` where it runs, or drop the timer", m->timers[i].name, m->timers[i].name);
    }
}

/* ---- limits ------------------------------------------------------------------------------------ */

/* What one machine may hold: its timers (each instance keeps a deadline and a duration per
 * timer), states and transitions (numbered as C enum constants). Reported at the first one
 * too many, as the parser built them (so also when other errors keep the machine unresolved). */
static void check_machine_limits(rp_checker *c, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    if (m->timer_count > RP_MACHINE_TIMER_MAX) {
        const rp_ast_timer *t = &m->timers[RP_MACHINE_TIMER_MAX];
        error(c, &t->span, "timer '%s' is one too many: machine '%s' may declare at most %u timers",
              t->name, d->name, RP_MACHINE_TIMER_MAX);
    }
    if (m->state_count > RP_MACHINE_STATE_MAX) {
        const rp_ast_state *st = &m->states[RP_MACHINE_STATE_MAX];
        error(c, &st->name_span, "state '%s' is one too many: machine '%s' may declare at most %u states",
              st->name, d->name, RP_MACHINE_STATE_MAX);
    }
    size_t seen = 0;
    for (size_t s = 0; s < m->state_count; s++) {
        const rp_ast_state *st = &m->states[s];
        if (seen + st->transition_count > RP_MACHINE_TRANSITION_MAX) {
            const rp_ast_transition *t = &st->transitions[RP_MACHINE_TRANSITION_MAX - seen];
            error(c, &t->span, "this transition is one too many: machine '%s' may declare at most %u "
                  "transitions", d->name, RP_MACHINE_TRANSITION_MAX);
            return;
        }
        seen += st->transition_count;
    }
}

/* Keys and envelopes are bits of the engine's 64-bit masks; check_transport.c already holds
 * every spec to the envelope engine's smaller tables, so every checked spec fits. */
_Static_assert(RP_ENVELOPE_MAX_KEYS <= RP_MACHINE_MASK_BITS && RP_ENVELOPE_MAX <= RP_MACHINE_MASK_BITS,
               "a machine's key and envelope masks must hold every key and envelope of a spec");

/* ---- entry -------------------------------------------------------------------------------------- */

void rp_check_machines(rp_checker *c)
{
    rp_ast_spec *spec = c->spec;
    size_t cap = 0;
    for (size_t i = 0; i < spec->decl_count; i++) {
        rp_ast_decl *d = spec->decls[i];
        if (d->kind != RP_DECL_MACHINE)
            continue;
        size_t before = c->errors, timers_before = c->unknown_timer_actions;
        check_machine_limits(c, d);
        resolve_machine(c, d);
        for (size_t j = 0; j < spec->machine_count; j++)
            if (d->u.machine.peer != NULL && spec->machines[j]->u.machine.peer == d->u.machine.peer) {
                error(c, &d->u.machine.peer_span, "peer '%s' already has machine '%s'",
                      d->u.machine.peer->name, spec->machines[j]->name);
                rp_diag_note(c->diag, &spec->machines[j]->name_span, "declared here");
            }
        *(const rp_ast_decl **)rp_xpush(&spec->machines, &spec->machine_count, &cap, sizeof *spec->machines) = d;
        if (c->errors != before || d->u.machine.peer == NULL) {
            /* the soundness checks need every name resolved; a timer's start() needs only the
             * timers' names */
            if (c->unknown_timer_actions == timers_before)
                check_timers(c, d, false);
            continue;
        }
        check_reachable(c, d);
        check_accepted(c, d);
        check_keys(c, d);
        check_timers(c, d, true);
    }
}
