/* test_machine_spec: every generated session machine of residue, telemetry and all-constructs,
 * driven through the generated C from what its spec says.
 *
 * The test reads each spec with the front end and computes, from the AST alone, what every
 * machine must do: a breadth-first walk over (state, keys, running timers) from the initial
 * state finds a shortest path to every transition. Then, through the generated functions
 * (via the typed handlers of tests/machine/gen_bindings.c):
 *   - every transition is fired in every envelope it takes, after replaying its path, once
 *     refused by its handler (nothing changes) and once accepted; after each step the state,
 *     its name, every key, which timers run and the next deadline are what the spec says, and exactly
 *     that transition's handler ran with the right machine, message, envelope or timer;
 *     timer transitions fire by tick on the fake clock (tests/unit/support) exactly at
 *     their deadline and not a second before; handlers set the timers' durations, and
 *     offering an event from inside a handler is refused;
 *   - the same walk with NULL handlers;
 *   - in every state, every message of the spec in every envelope of the spec that the
 *     state does not take, received and (where the peer has a send function) sent, is
 *     refused with RP_E_STATE, a message naming the event and the state (and the envelope
 *     when the state takes the message in another one), and the state's spec location,
 *     before any handler runs and with nothing changed; unknown ids and envelopes are
 *     RP_E_ARGUMENT.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../machine/mt.h"
#include "diag.h"
#include "emit_c.h"
#include "fe_util.h"
#include "source.h"
#include "support/session_fakes.h"

#define BASE UINT64_C(1000000)           /* the clock at step 0 */
#define STEP UINT64_C(1000)              /* seconds between steps */
#define FAR (BASE + UINT64_C(1000000000)) /* a deadline no replay reaches */
#define MAX_TIMERS 8
#define MAX_PATH 64

int mt_record(void *ctx, void *machine, int transition, const void *msg, int envelope, int timer)
{
    mt_calls *calls = ctx;
    calls->count++;
    calls->transition = transition;
    calls->machine = machine;
    calls->msg = msg;
    calls->envelope = envelope;
    calls->timer = timer;
    if (calls->hook != NULL)
        calls->hook(calls, machine);
    return calls->verdict;
}

/* ---- the model: what the spec says ------------------------------------------------------------ */

typedef struct config {
    size_t state;
    uint64_t keys;      /* bit = AST key index */
    uint64_t running;   /* bit = timer index */
    size_t parent;      /* SIZE_MAX for the initial configuration */
    size_t via;         /* the transition from the parent */
} config;

typedef struct model {
    const mt_spec *spec;
    const mt_machine *ops;
    const rp_ast_spec *ast;
    const rp_ast_decl *decl;
    const rp_ast_machine *m;
    const rp_ast_transition **tr;   /* by transition index */
    size_t *from;                   /* the state each transition leaves */
    uint64_t initial_keys;
    config *configs;
    size_t config_count, config_cap;
    size_t *first;                  /* per transition: the first configuration it fires in */
    /* counts for the summary line */
    size_t fired, vetoed, refused, arguments, reentries, null_runs;
} model;

static int gen_id(const mt_id *ids, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i].name, name) == 0)
            return ids[i].id;
    ck_abort_msg("no generated constant for '%s'", name);
    return -1;
}

static int msg_id(const model *md, const rp_ast_decl *d)
{
    return gen_id(md->spec->messages, md->spec->message_count, d->name);
}

static int env_id(const model *md, const rp_ast_decl *e)
{
    return gen_id(md->spec->envelopes, md->spec->envelope_count, e->name);
}

static uint64_t key_bits(const rp_ast_decl *const *keys, size_t n)
{
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++)
        b |= UINT64_C(1) << keys[i]->u.key.index;
    return b;
}

static uint64_t timer_bits(const size_t *timers, size_t n)
{
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++)
        b |= UINT64_C(1) << timers[i];
    return b;
}

static config apply(const model *md, const config *c, size_t t_index)
{
    const rp_ast_transition *t = md->tr[t_index];
    config n = *c;
    if (t->event == RP_EVENT_TIMER)
        n.running &= ~(UINT64_C(1) << t->timer);
    n.running &= ~timer_bits(t->stops, t->stop_count);
    n.running |= timer_bits(t->starts, t->start_count);
    n.keys = (n.keys | key_bits(t->establishes, t->establish_count)) & ~key_bits(t->drops, t->drop_count);
    n.state = t->target_state;
    return n;
}

static bool enabled(const model *md, const config *c, size_t t_index)
{
    const rp_ast_transition *t = md->tr[t_index];
    return md->from[t_index] == c->state &&
           (t->event != RP_EVENT_TIMER || (c->running & (UINT64_C(1) << t->timer)) != 0);
}

/* Breadth-first over (state, keys, running timers) from the initial configuration. */
static void walk(model *md)
{
    const rp_ast_machine *m = md->m;
    md->configs = NULL;
    md->config_count = md->config_cap = 0;
    config *c0 = rp_xpush(&md->configs, &md->config_count, &md->config_cap, sizeof *c0);
    *c0 = (config){ m->initial, md->initial_keys, 0, SIZE_MAX, SIZE_MAX };
    md->first = malloc((m->transition_count + 1) * sizeof *md->first);
    for (size_t t = 0; t < m->transition_count; t++)
        md->first[t] = SIZE_MAX;
    for (size_t ci = 0; ci < md->config_count; ci++) {
        for (size_t t = 0; t < m->transition_count; t++) {
            config here = md->configs[ci];
            if (!enabled(md, &here, t))
                continue;
            if (md->first[t] == SIZE_MAX)
                md->first[t] = ci;
            config next = apply(md, &here, t);
            bool seen = false;
            for (size_t k = 0; k < md->config_count && !seen; k++)
                seen = md->configs[k].state == next.state && md->configs[k].keys == next.keys &&
                       md->configs[k].running == next.running;
            if (seen)
                continue;
            next.parent = ci;
            next.via = t;
            *(config *)rp_xpush(&md->configs, &md->config_count, &md->config_cap, sizeof next) = next;
        }
    }
}

/* The transitions from the initial configuration to configuration ci, in order. */
static size_t path_to(const model *md, size_t ci, size_t *out)
{
    size_t n = 0;
    for (size_t c = ci; md->configs[c].parent != SIZE_MAX; c = md->configs[c].parent) {
        ck_assert_uint_lt(n, MAX_PATH);
        out[n++] = md->configs[c].via;
    }
    for (size_t i = 0; i < n / 2; i++) {
        size_t x = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = x;
    }
    return n;
}

/* ---- running a path through the generated machine ---------------------------------------------- */

typedef struct step {
    size_t transition;
    int envelope;       /* generated envelope id; -1 for a timer */
    bool veto_first;    /* offer it once refused by its handler before accepting it */
} step;

/* What a run expects and what its handlers' hook does. */
typedef struct run {
    model *md;
    void *machine;
    bool handlers;
    fake_clock clock;
    config expect;
    uint64_t deadline[MAX_TIMERS];
    uint64_t set[MAX_TIMERS];        /* durations the current step's handler sets (0: none) */
    mt_calls calls;
} run;

static const char *state_name(const model *md, size_t s)
{
    return md->m->states[s].name;
}

static bool model_next_deadline(const run *r, uint64_t *at)
{
    const rp_ast_state *st = &r->md->m->states[r->expect.state];
    bool found = false;
    for (size_t k = 0; k < st->transition_count; k++) {
        const rp_ast_transition *t = &st->transitions[k];
        if (t->event != RP_EVENT_TIMER || (r->expect.running & (UINT64_C(1) << t->timer)) == 0)
            continue;
        if (!found || r->deadline[t->timer] < *at)
            *at = r->deadline[t->timer];
        found = true;
    }
    return found;
}

/* The machine is where the model says: state, its name, every key, the next deadline. */
static void assert_where(const run *r, const char *after)
{
    const model *md = r->md;
    ck_assert_msg(md->ops->current(r->machine) == (int)r->expect.state, "%s after %s: state %d, expected %s",
                  md->decl->name, after, md->ops->current(r->machine), state_name(md, r->expect.state));
    ck_assert_str_eq(md->ops->state_name(r->machine), state_name(md, r->expect.state));
    for (size_t k = 0; k < md->ast->key_count; k++) {
        bool want = (r->expect.keys & (UINT64_C(1) << k)) != 0;
        int id = gen_id(md->spec->keys, md->spec->key_count, md->ast->keys[k]->name);
        ck_assert_msg(md->ops->has_key(r->machine, id) == want, "%s after %s in state %s: key %s %s",
                      md->decl->name, after, state_name(md, r->expect.state), md->ast->keys[k]->name,
                      want ? "missing" : "exists");
    }
    for (size_t i = 0; i < md->m->timer_count; i++) {
        bool want = (r->expect.running & (UINT64_C(1) << i)) != 0;
        ck_assert_msg(rp_machine_timer_running(md->ops->core(r->machine), i) == want,
                      "%s after %s in state %s: timer %s %s", md->decl->name, after,
                      state_name(md, r->expect.state), md->m->timers[i].name,
                      want ? "not running" : "running");
    }
    if (md->ops->next_deadline != NULL) {
        uint64_t want = 0, got = 0;
        bool w = model_next_deadline(r, &want);
        bool g = md->ops->next_deadline(r->machine, &got);
        ck_assert_msg(w == g && (!w || want == got), "%s after %s: next deadline %s %llu, expected %s %llu",
                      md->decl->name, after, g ? "at" : "none", (unsigned long long)got, w ? "at" : "none",
                      (unsigned long long)want);
    }
}

/* Inside a handler: set the durations this step's starts need, and try to re-enter. */
static void hook(mt_calls *calls, void *machine)
{
    run *r = calls->hook_ctx;
    const model *md = r->md;
    rp_error err;
    for (size_t i = 0; i < md->m->timer_count; i++)
        if (r->set[i] != 0)
            ck_assert_int_eq(md->ops->set_timer(machine, (int)i, r->set[i], &err), 0);
    int id = md->spec->messages[0].id, env = md->spec->envelopes[0].id;
    ck_assert_int_eq(md->ops->receive(machine, r->clock.now, env, id, NULL, &err), RP_E_STATE);
    ck_assert_msg(strstr(err.message, "while one of its handlers runs") != NULL, "%s", err.message);
    if (md->ops->tick != NULL) {
        bool fired = true;
        ck_assert_int_eq(md->ops->tick(machine, r->clock.now, NULL, &fired, &err), RP_E_STATE);
        ck_assert(!fired);
    }
    r->md->reentries++;
}

/* Durations for the timers step k starts, so that each is due exactly when a later step of
 * the path takes it (and at FAR when none does): only that timer is ever due at a tick. */
static void plan_durations(run *r, const step *steps, size_t n, size_t k, uint64_t now)
{
    const model *md = r->md;
    const rp_ast_transition *t = md->tr[steps[k].transition];
    memset(r->set, 0, sizeof r->set);
    for (size_t i = 0; i < t->start_count; i++) {
        size_t x = t->starts[i];
        uint64_t due = FAR;
        for (size_t j = k + 1; j < n; j++) {
            const rp_ast_transition *u = md->tr[steps[j].transition];
            if (u->event == RP_EVENT_TIMER && u->timer == x) {
                due = BASE + STEP * j;
                break;
            }
            if ((timer_bits(u->stops, u->stop_count) | timer_bits(u->starts, u->start_count)) &
                (UINT64_C(1) << x))
                break;
        }
        r->set[x] = due - now;
    }
}

/* Offers step k once; returns its status. */
static int offer(run *r, const step *s, bool *fired, rp_error *err)
{
    const model *md = r->md;
    const rp_ast_transition *t = md->tr[s->transition];
    mt_calls *calls = r->handlers ? &r->calls : NULL;
    switch (t->event) {
    case RP_EVENT_RECEIVE:
        return md->ops->receive(r->machine, r->clock.now, s->envelope, msg_id(md, t->message), calls, err);
    case RP_EVENT_SEND:
        return md->ops->send(r->machine, r->clock.now, s->envelope, msg_id(md, t->message), calls, err);
    case RP_EVENT_TIMER:
        return md->ops->tick(r->machine, r->clock.now, calls, fired, err);
    }
    return RP_E_ARGUMENT;
}

static void check_call(const run *r, const step *s, size_t before, const char *what)
{
    const model *md = r->md;
    const rp_ast_transition *t = md->tr[s->transition];
    ck_assert_msg(r->calls.count == before + 1, "%s: %zu handler calls, expected 1", what,
                  r->calls.count - before);
    ck_assert_msg(r->calls.transition == (int)t->index, "%s: handler of transition %d ran, expected %zu",
                  what, r->calls.transition, t->index);
    ck_assert_ptr_eq(r->calls.machine, r->machine);
    if (t->event == RP_EVENT_TIMER) {
        ck_assert_int_eq(r->calls.timer, (int)t->timer);
        ck_assert_ptr_null(r->calls.msg);
    } else {
        ck_assert_int_eq(r->calls.envelope, s->envelope);
        ck_assert_ptr_eq(r->calls.msg, md->ops->payload);
    }
}

static void run_steps(run *r, const step *steps, size_t n)
{
    model *md = r->md;
    char what[160];
    for (size_t k = 0; k < n; k++) {
        const step *s = &steps[k];
        const rp_ast_transition *t = md->tr[s->transition];
        r->clock.now = BASE + STEP * k;
        uint64_t now = fake_now(&r->clock);
        snprintf(what, sizeof what, "%s step %zu: %s: %s %s", md->decl->name, k,
                 state_name(md, md->from[s->transition]), rp_ast_event_name(t->event), t->subject);
        plan_durations(r, steps, n, k, now);
        if (!r->handlers)
            for (size_t i = 0; i < md->m->timer_count; i++)
                if (r->set[i] != 0)
                    ck_assert_int_eq(md->ops->set_timer(r->machine, (int)i, r->set[i], NULL), 0);
        rp_error err;
        bool fired = false;
        if (t->event == RP_EVENT_TIMER) {
            /* not a second early */
            size_t before = r->calls.count;
            ck_assert_int_eq(md->ops->tick(r->machine, now - 1, r->handlers ? &r->calls : NULL, &fired, &err), 0);
            ck_assert_msg(!fired && r->calls.count == before, "%s: fired before its deadline", what);
            assert_where(r, what);
        }
        if (s->veto_first) {
            size_t before = r->calls.count;
            r->calls.verdict = RP_E_REJECTED;
            fired = true;
            ck_assert_int_eq(offer(r, s, &fired, &err), RP_E_REJECTED);
            if (t->event == RP_EVENT_TIMER)
                ck_assert(!fired);
            check_call(r, s, before, what);
            assert_where(r, what); /* nothing changed */
            r->calls.verdict = 0;
            md->vetoed++;
        }
        size_t before = r->calls.count;
        int rc = offer(r, s, &fired, &err);
        ck_assert_msg(rc == 0, "%s: status %d (%s)", what, rc, err.message);
        if (t->event == RP_EVENT_TIMER)
            ck_assert_msg(fired, "%s: tick at the deadline fired nothing", what);
        if (r->handlers)
            check_call(r, s, before, what);
        r->expect = apply(md, &r->expect, s->transition);
        for (size_t i = 0; i < t->start_count; i++)
            r->deadline[t->starts[i]] = now + r->set[t->starts[i]];
        assert_where(r, what);
    }
}

static void start_run(run *r, model *md, bool handlers)
{
    memset(r, 0, sizeof *r);
    r->md = md;
    r->handlers = handlers;
    r->machine = md->ops->fresh();
    r->expect = md->configs[0];
    r->calls.hook = hook;
    r->calls.hook_ctx = r;
    r->calls.envelope = r->calls.timer = -1;
    assert_where(r, "init");
}

/* ---- refusals --------------------------------------------------------------------------------- */

/* Whether state s takes `event` of message msg in envelope env (NULL: in any envelope). */
static bool takes(const rp_ast_state *st, rp_ast_event_kind event, const rp_ast_decl *msg,
                  const rp_ast_decl *env)
{
    for (size_t k = 0; k < st->transition_count; k++) {
        const rp_ast_transition *t = &st->transitions[k];
        if (t->event != event || t->message != msg)
            continue;
        if (env == NULL)
            return true;
        for (size_t e = 0; e < t->envelope_total; e++)
            if (t->envelopes[e] == env)
                return true;
    }
    return false;
}

static bool machine_sends(const rp_ast_machine *m, const rp_ast_decl *msg)
{
    for (size_t s = 0; s < m->state_count; s++)
        if (takes(&m->states[s], RP_EVENT_SEND, msg, NULL))
            return true;
    return false;
}

/* Offers everything state `expect.state` does not take and checks each refusal. */
static void refusals(run *r)
{
    model *md = r->md;
    const rp_ast_state *st = &md->m->states[r->expect.state];
    r->clock.now += 1;
    uint64_t now = fake_now(&r->clock);
    const char *file = rp_emit_basename(md->decl->unit->path);
    for (int pass = 0; pass < 2; pass++) {
        rp_ast_event_kind event = pass == 0 ? RP_EVENT_RECEIVE : RP_EVENT_SEND;
        for (size_t i = 0; i < md->spec->message_count; i++) {
            const rp_ast_decl *msg = rp_ast_find_decl(md->ast, md->spec->messages[i].name);
            ck_assert_ptr_nonnull(msg);
            int id = md->spec->messages[i].id;
            for (size_t e = 0; e < md->ast->envelope_count; e++) {
                const rp_ast_decl *env = md->ast->envelopes[e];
                if (takes(st, event, msg, env))
                    continue;
                char want[200];
                if (takes(st, event, msg, NULL))
                    snprintf(want, sizeof want, "%s %s in %s is not allowed in state %s",
                             rp_ast_event_name(event), msg->name, env->name, st->name);
                else
                    snprintf(want, sizeof want, "%s %s is not allowed in state %s",
                             rp_ast_event_name(event), msg->name, st->name);
                rp_error err;
                size_t before = r->calls.count;
                int rc = event == RP_EVENT_RECEIVE
                             ? md->ops->receive(r->machine, now, env_id(md, env), id, &r->calls, &err)
                             : md->ops->send(r->machine, now, env_id(md, env), id, &r->calls, &err);
                if (event == RP_EVENT_SEND && rc == MT_NO_API) {
                    ck_assert_msg(!machine_sends(md->m, msg), "%s sends %s but has no send function",
                                  md->decl->name, msg->name);
                    break; /* no send function for it: nothing to offer */
                }
                ck_assert_msg(rc == RP_E_STATE, "%s: %s: status %d", md->decl->name, want, rc);
                ck_assert_int_eq(err.code, RP_E_STATE);
                ck_assert_int_eq(err.layer, RP_LAYER_SESSION);
                ck_assert_str_eq(err.message, want);
                ck_assert_str_eq(err.spec.file, file);
                ck_assert_uint_eq(err.spec.line, st->name_span.line);
                ck_assert_uint_eq(err.spec.column, st->name_span.col);
                ck_assert_msg(r->calls.count == before, "%s: a handler ran for the refused %s",
                              md->decl->name, want);
                assert_where(r, want);
                md->refused++;
            }
        }
    }
    /* ids and envelopes that do not exist */
    int id = md->spec->messages[0].id;
    int bad_ids[] = { 0, (int)md->spec->message_count + 1 };
    int bad_envs[] = { (int)md->spec->envelope_count, 64 };
    rp_error err;
    for (size_t i = 0; i < 2; i++) {
        size_t before = r->calls.count;
        ck_assert_int_eq(md->ops->receive(r->machine, now, md->spec->envelopes[0].id, bad_ids[i], &r->calls, &err),
                         RP_E_ARGUMENT);
        ck_assert_int_eq(md->ops->receive(r->machine, now, bad_envs[i], id, &r->calls, &err), RP_E_ARGUMENT);
        ck_assert_uint_eq(r->calls.count, before);
        assert_where(r, "an unknown id or envelope");
        md->arguments += 2;
    }
    /* no timer is due: a tick changes nothing */
    if (md->ops->tick != NULL) {
        bool fired = true;
        size_t before = r->calls.count;
        ck_assert_int_eq(md->ops->tick(r->machine, now, &r->calls, &fired, &err), 0);
        ck_assert(!fired);
        ck_assert_uint_eq(r->calls.count, before);
        assert_where(r, "a tick with nothing due");
    }
}

/* ---- one machine -------------------------------------------------------------------------------- */

static void check_machine(const mt_spec *spec, const rp_ast_spec *ast, size_t index)
{
    model md;
    memset(&md, 0, sizeof md);
    md.spec = spec;
    md.ops = &spec->machines[index];
    md.ast = ast;
    md.decl = ast->machines[index];
    md.m = &md.decl->u.machine;
    ck_assert_str_eq(md.ops->name, md.decl->name);
    ck_assert_uint_le(md.m->timer_count, MAX_TIMERS);
    md.tr = calloc(md.m->transition_count + 1, sizeof *md.tr);
    md.from = calloc(md.m->transition_count + 1, sizeof *md.from);
    uint64_t established = 0;
    for (size_t s = 0; s < md.m->state_count; s++)
        for (size_t k = 0; k < md.m->states[s].transition_count; k++) {
            const rp_ast_transition *t = &md.m->states[s].transitions[k];
            md.tr[t->index] = t;
            md.from[t->index] = s;
            established |= key_bits(t->establishes, t->establish_count);
        }
    md.initial_keys = (ast->key_count >= 64 ? UINT64_MAX : (UINT64_C(1) << ast->key_count) - 1) & ~established;
    walk(&md);

    step path[MAX_PATH + 1];
    size_t trans[MAX_PATH];
    size_t envelopes_fired = 0;
    for (size_t t = 0; t < md.m->transition_count; t++) {
        ck_assert_msg(md.first[t] != SIZE_MAX, "%s: transition %zu (%s: %s %s) can never fire", md.decl->name,
                      t, state_name(&md, md.from[t]), rp_ast_event_name(md.tr[t]->event), md.tr[t]->subject);
        size_t n = path_to(&md, md.first[t], trans);
        for (size_t i = 0; i < n; i++) {
            const rp_ast_transition *u = md.tr[trans[i]];
            path[i] = (step){ trans[i], u->event == RP_EVENT_TIMER ? -1 : env_id(&md, u->envelopes[0]), false };
        }
        const rp_ast_transition *tt = md.tr[t];
        size_t variants = tt->event == RP_EVENT_TIMER ? 1 : tt->envelope_total;
        for (size_t v = 0; v < variants; v++) {
            path[n] = (step){ t, tt->event == RP_EVENT_TIMER ? -1 : env_id(&md, tt->envelopes[v]), true };
            run r;
            start_run(&r, &md, true);
            run_steps(&r, path, n + 1);
            envelopes_fired++;
            /* and without handlers */
            path[n].veto_first = false;
            start_run(&r, &md, false);
            run_steps(&r, path, n + 1);
            md.null_runs++;
        }
        md.fired++;
    }

    /* every state: the first configuration that reaches it, then everything it refuses */
    size_t states = 0;
    for (size_t s = 0; s < md.m->state_count; s++) {
        size_t ci = 0;
        while (ci < md.config_count && md.configs[ci].state != s)
            ci++;
        ck_assert_msg(ci < md.config_count, "%s: state %s is never reached", md.decl->name, state_name(&md, s));
        size_t n = path_to(&md, ci, trans);
        for (size_t i = 0; i < n; i++) {
            const rp_ast_transition *u = md.tr[trans[i]];
            path[i] = (step){ trans[i], u->event == RP_EVENT_TIMER ? -1 : env_id(&md, u->envelopes[0]), false };
        }
        run r;
        start_run(&r, &md, true);
        run_steps(&r, path, n);
        refusals(&r);
        states++;
    }
    printf("machine-spec: %s %s (%s): %zu states, %zu configurations, %zu transitions fired in %zu "
           "envelope/timer variants (each vetoed once, and again with NULL handlers), %zu refusals "
           "and %zu unknown ids asserted, %zu re-entries refused\n",
           ast->protocol, md.decl->name, md.m->peer->name, states, md.config_count, md.fired,
           envelopes_fired, md.refused, md.arguments, md.reentries);
    free(md.first);
    free(md.configs);
    free(md.from);
    free(md.tr);
}

static void check_spec(const mt_spec *spec)
{
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *ast = NULL;
    rp_frontend_status st = rp_frontend_load_file(diag, spec->path, NULL, &ast);
    ck_assert_msg(st == RP_FRONTEND_OK, "%s: %s", spec->path, rp_diag_text(diag));
    ck_assert_uint_gt(ast->machine_count, 0);
    ck_assert_uint_eq(spec->machine_count, ast->machine_count);
    ck_assert_uint_eq(spec->envelope_count, ast->envelope_count);
    ck_assert_uint_eq(spec->key_count, ast->key_count);
    for (size_t i = 0; i < ast->machine_count; i++)
        check_machine(spec, ast, i);
    rp_ast_free(ast);
    rp_diag_free(diag);
}

START_TEST(test_residue) { check_spec(&mt_spec_residue); }
END_TEST

START_TEST(test_telemetry) { check_spec(&mt_spec_telemetry); }
END_TEST

START_TEST(test_all_constructs) { check_spec(&mt_spec_every); }
END_TEST

int main(void)
{
    Suite *s = suite_create("machine_spec");
    TCase *tc = tcase_create("machines");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_residue);
    tcase_add_test(tc, test_telemetry);
    tcase_add_test(tc, test_all_constructs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
