/* rp_machine.c — finding, refusing and firing the transitions of a generated session
 * machine (see rp_machine.h). */
#include "rp_machine.h"

#include <string.h>

void rp_machine_init(rp_machine *m, const rp_machine_desc *desc)
{
    memset(m, 0, sizeof *m);
    m->desc = desc;
    m->state = desc->initial;
    m->keys = desc->initial_keys;
}

const char *rp_machine_event_name(rp_machine_event event)
{
    switch (event) {
    case RP_MACHINE_SEND: return "send";
    case RP_MACHINE_RECEIVE: return "receive";
    case RP_MACHINE_TIMER: return "timer";
    }
    return "event";
}

const char *rp_machine_state_name(const rp_machine *m)
{
    if (m == NULL || m->desc == NULL || m->state >= m->desc->state_count)
        return "none";
    return m->desc->states[m->state].name;
}

static int busy(const rp_machine *m, rp_error *err)
{
    return rp_error_set(err, RP_E_STATE, RP_LAYER_SESSION, SIZE_MAX,
                        "machine %s: an event was offered while one of its handlers runs",
                        m->desc->name);
}

/* The name of an event's subject, for a refusal. The caller checked the index. */
static const char *subject_name(const rp_machine_desc *d, rp_machine_event event, size_t subject)
{
    if (event == RP_MACHINE_TIMER)
        return d->timers[subject];
    return d->messages[subject];
}

/* True when transition t fires on (event, subject) in any envelope. */
static bool same_subject(const rp_machine_transition *t, rp_machine_event event, size_t subject)
{
    return t->event == event && t->subject == subject;
}

int rp_machine_find(const rp_machine *m, rp_machine_event event, size_t subject, size_t envelope,
                    size_t *transition, rp_error *err)
{
    if (transition != NULL)
        *transition = RP_MACHINE_NONE;
    if (m == NULL || m->desc == NULL || transition == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "NULL machine or transition");
    const rp_machine_desc *d = m->desc;
    if (m->in_handler)
        return busy(m, err);
    switch (event) {
    case RP_MACHINE_SEND:
    case RP_MACHINE_RECEIVE:
        if (subject == 0 || subject >= d->message_count)
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "machine %s: %s of message id %zu, which is no message of the "
                                "protocol", d->name, rp_machine_event_name(event), subject);
        if (envelope >= d->envelope_count || envelope >= RP_MACHINE_MASK_BITS)
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "machine %s: %s %s in envelope %zu, which is no envelope of the "
                                "protocol", d->name, rp_machine_event_name(event),
                                d->messages[subject], envelope);
        break;
    case RP_MACHINE_TIMER:
        if (subject >= d->timer_count)
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                                "machine %s has no timer %zu", d->name, subject);
        break;
    default:
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "machine %s: unknown event kind %d", d->name, (int)event);
    }

    const rp_machine_state *st = &d->states[m->state];
    bool other_envelope = false; /* the state takes this message, but in other envelopes */
    for (size_t i = st->first; i < st->first + st->count; i++) {
        const rp_machine_transition *t = &d->transitions[i];
        if (!same_subject(t, event, subject))
            continue;
        if (event == RP_MACHINE_TIMER || (t->envelopes & RP_MACHINE_BIT(envelope)) != 0) {
            *transition = i;
            return 0;
        }
        other_envelope = true;
    }
    if (other_envelope)
        rp_error_set(err, RP_E_STATE, RP_LAYER_SESSION, SIZE_MAX,
                     "%s %s in %s is not allowed in state %s", rp_machine_event_name(event),
                     subject_name(d, event, subject), d->envelopes[envelope], st->name);
    else
        rp_error_set(err, RP_E_STATE, RP_LAYER_SESSION, SIZE_MAX, "%s %s is not allowed in state %s",
                     rp_machine_event_name(event), subject_name(d, event, subject), st->name);
    rp_error_set_spec(err, d->file, st->line, st->column);
    return RP_E_STATE;
}

int rp_machine_fire(rp_machine *m, size_t transition, uint64_t now, rp_error *err)
{
    if (m == NULL || m->desc == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX, "NULL machine");
    const rp_machine_desc *d = m->desc;
    if (transition >= d->transition_count)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "machine %s has no transition %zu", d->name, transition);
    if (m->in_handler)
        return busy(m, err);
    const rp_machine_transition *t = &d->transitions[transition];
    if (t->from != m->state)
        return rp_error_set(err, RP_E_STATE, RP_LAYER_SESSION, SIZE_MAX,
                            "machine %s: '%s' of state %s cannot fire in state %s", d->name,
                            t->name, d->states[t->from].name, d->states[m->state].name);
    if (t->event == RP_MACHINE_TIMER)
        m->running &= ~RP_MACHINE_BIT(t->subject);
    m->running &= ~t->stop;
    for (size_t i = 0; i < d->timer_count; i++) {
        if ((t->start & RP_MACHINE_BIT(i)) == 0)
            continue;
        m->running |= RP_MACHINE_BIT(i);
        m->deadline[i] = m->duration[i] > UINT64_MAX - now ? UINT64_MAX : now + m->duration[i];
    }
    m->keys = (m->keys | t->establish) & ~t->drop;
    m->state = t->to;
    return 0;
}

int rp_machine_due(const rp_machine *m, uint64_t now, size_t *transition, rp_error *err)
{
    if (transition != NULL)
        *transition = RP_MACHINE_NONE;
    if (m == NULL || m->desc == NULL || transition == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "NULL machine or transition");
    if (m->in_handler)
        return busy(m, err);
    const rp_machine_desc *d = m->desc;
    const rp_machine_state *st = &d->states[m->state];
    for (size_t i = st->first; i < st->first + st->count; i++) {
        const rp_machine_transition *t = &d->transitions[i];
        if (t->event != RP_MACHINE_TIMER || (m->running & RP_MACHINE_BIT(t->subject)) == 0 ||
            m->deadline[t->subject] > now)
            continue;
        if (*transition != RP_MACHINE_NONE) {
            const rp_machine_transition *best = &d->transitions[*transition];
            uint64_t a = m->deadline[t->subject], b = m->deadline[best->subject];
            if (a > b || (a == b && t->subject > best->subject))
                continue;
        }
        *transition = i;
    }
    return 0;
}

bool rp_machine_next_deadline(const rp_machine *m, uint64_t *at)
{
    if (m == NULL || m->desc == NULL || at == NULL)
        return false;
    const rp_machine_desc *d = m->desc;
    const rp_machine_state *st = &d->states[m->state];
    bool found = false;
    uint64_t first = UINT64_MAX;
    for (size_t i = st->first; i < st->first + st->count; i++) {
        const rp_machine_transition *t = &d->transitions[i];
        if (t->event != RP_MACHINE_TIMER || (m->running & RP_MACHINE_BIT(t->subject)) == 0)
            continue;
        if (!found || m->deadline[t->subject] < first)
            first = m->deadline[t->subject];
        found = true;
    }
    if (found)
        *at = first;
    return found;
}

int rp_machine_set_duration(rp_machine *m, size_t timer, uint64_t seconds, rp_error *err)
{
    if (m == NULL || m->desc == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX, "NULL machine");
    if (timer >= m->desc->timer_count)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,
                            "machine %s has no timer %zu", m->desc->name, timer);
    m->duration[timer] = seconds;
    return 0;
}

bool rp_machine_has_key(const rp_machine *m, size_t key)
{
    return m != NULL && key < RP_MACHINE_MASK_BITS && (m->keys & RP_MACHINE_BIT(key)) != 0;
}

bool rp_machine_timer_running(const rp_machine *m, size_t timer)
{
    return m != NULL && m->desc != NULL && timer < m->desc->timer_count &&
           (m->running & RP_MACHINE_BIT(timer)) != 0;
}
