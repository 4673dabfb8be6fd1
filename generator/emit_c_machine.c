/* emit_c_machine.c — the session machines of a spec, in their own generated pair
 * <p>_machines.h / <p>_machines.c (docs/language.md §4.17, docs/interfaces.md §7), so that a
 * program that only uses the codec (<p>.h / <p>.c) needs nothing of runtime/session.
 *
 * Header, per machine: enums of its states, timers and transitions (spec order, numbered
 * from 0 — the indexes of the description's tables), a handler struct with one typed
 * function pointer per transition, the instance struct around the engine's rp_machine, and
 * the typed functions. Source: message and envelope names for refusals, then per machine its
 * constant rp_machine_desc (states with their spec locations, transitions, timers, the keys
 * that exist at the start) and the functions, which check the event against the table
 * (rp_machine_find) before any handler runs, run the transition's handler, and fire the
 * transition (rp_machine_fire) only when it returns 0. Every C name comes from cnames.h; the
 * limits of the engine (timers, masks, enum ranges) are the checker's (check_machine.c).
 */
#include "emit_c_machine.h"
#include "emit_c_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---------------------------------------------------------------------------------- */

/* Names of one machine, computed once. */
typedef struct mnames {
    const rp_ast_decl *d;
    const rp_ast_machine *m;
    char *fn[RP_CN_M_COUNT]; /* cnames' machine names: residue_client_session, ..._state, ... */
    const char *type;        /* fn[RP_CN_M_TYPE] */
    char **handlers;         /* by transition index: "awaiting_hello_receive_hello" */
    size_t handler_count;
    char *desc, *states, *transitions, *timers; /* the source's statics */
} mnames;

static mnames names_of(const emit_ctx *cx, const rp_ast_decl *d)
{
    mnames n;
    memset(&n, 0, sizeof n);
    n.d = d;
    n.m = &d->u.machine;
    for (int k = 0; k < RP_CN_M_COUNT; k++)
        n.fn[k] = rp_cname_machine(&cx->names, d, (rp_cname_machine_kind)k);
    n.type = n.fn[RP_CN_M_TYPE];
    n.handlers = rp_cname_machine_handlers(d, &n.handler_count);
    n.desc = rp_cname_machine_static(RP_CN_MS_DESC, d);
    n.states = rp_cname_machine_static(RP_CN_MS_STATES, d);
    n.transitions = rp_cname_machine_static(RP_CN_MS_TRANSITIONS, d);
    n.timers = rp_cname_machine_static(RP_CN_MS_TIMERS, d);
    return n;
}

static void names_free(mnames *n)
{
    rp_cname_machine_handlers_free(n->handlers, n->handler_count);
    for (int k = 0; k < RP_CN_M_COUNT; k++)
        free(n->fn[k]);
    free(n->desc);
    free(n->states);
    free(n->transitions);
    free(n->timers);
}

/* "RESIDUE_CLIENT_SESSION_STATE_AWAITING_HELLO" */
static char *state_const(const emit_ctx *cx, const mnames *n, const rp_ast_state *st)
{
    return rp_cname_machine_state(&cx->names, n->d, st);
}

/* "RESIDUE_CLIENT_SESSION_TIMER_TOUCH" */
static char *timer_const(const emit_ctx *cx, const mnames *n, size_t timer)
{
    return rp_cname_machine_timer(&cx->names, n->d, &n->m->timers[timer]);
}

/* "RESIDUE_CLIENT_SESSION_ON_AWAITING_HELLO_RECEIVE_HELLO" */
static char *transition_const(const emit_ctx *cx, const mnames *n, const rp_ast_transition *t)
{
    return rp_cname_machine_transition(&cx->names, n->d, n->handlers[t->index]);
}

/* The C type of a message and its id constant. */
static char *msg_type(const emit_ctx *cx, const rp_ast_decl *msg)
{
    return rp_cname_decl(&cx->names, msg, RP_CN_TYPE);
}

static char *msg_id(const emit_ctx *cx, const rp_ast_decl *msg)
{
    return rp_cname_decl(&cx->names, msg, RP_CN_MSG_ID);
}

/* `&msg->u.<member>`: where receive finds a message in the any-message value. */
static char *any_member_ref(const emit_ctx *cx, const rp_ast_decl *msg)
{
    char *member = rp_cname_decl(&cx->names, msg, RP_CN_ANY_MEMBER);
    rp_strbuf b = { 0 };
    rp_sb_printf(&b, "&msg->" RP_CN_ANY_UNION ".%s", member);
    free(member);
    return rp_sb_take(&b);
}

/* ---- text for people ------------------------------------------------------------------------- */

/* "receive ConnectError in plain | rsa_to_client": the event as written (the `in` list only
 * when the spec gives one). */
static void event_text(rp_strbuf *b, const rp_ast_transition *t)
{
    rp_sb_printf(b, "%s %s", rp_ast_event_name(t->event), t->subject);
    for (size_t i = 0; i < t->envelope_count; i++)
        rp_sb_printf(b, "%s%s", i == 0 ? " in " : " | ", t->envelope_names[i]);
}

/* "receive ConnectError in plain | rsa_to_client -> disconnected [error]": the whole
 * transition as the spec writes it. */
static void transition_text(rp_strbuf *b, const mnames *n, const rp_ast_transition *t)
{
    event_text(b, t);
    rp_sb_printf(b, " -> %s", n->m->states[t->target_state].name);
    for (size_t i = 0; i < t->action_count; i++) {
        const rp_ast_expr *a = t->actions[i];
        rp_sb_puts(b, i == 0 ? " [" : ", ");
        rp_sb_puts(b, a->name);
        if (a->kind == RP_EXPR_CALL && a->arg_count == 1 && a->args[0]->kind == RP_EXPR_NAME)
            rp_sb_printf(b, "(%s)", a->args[0]->name);
    }
    if (t->action_count > 0)
        rp_sb_putc(b, ']');
}

/* ---- prototypes -------------------------------------------------------------------------------- */

/* Writes `lead name(p1, p2, ...)tail`, continuation lines lined up under the first parameter
 * when that fits in 100 columns, else indented by `fallback`. */
static void call_text(rp_strbuf *b, const char *lead, const char *name, const char *const *params,
                      size_t count, const char *tail, size_t fallback)
{
    size_t pad = strlen(lead) + strlen(name) + 1;
    /* what follows a parameter on its line: ", " before the next, or ")" and a ';' */
    size_t close = 1 + (tail[0] == ';' ? 1 : 0);
    for (size_t i = 0; i < count; i++)
        if (pad + strlen(params[i]) + close > 100)
            pad = fallback;
    rp_sb_printf(b, "%s%s(", lead, name);
    size_t col = strlen(lead) + strlen(name) + 1;
    for (size_t i = 0; i < count; i++) {
        size_t after = i + 1 < count ? 1 : close;
        if (i > 0) {
            if (col + 2 + strlen(params[i]) + after > 100) {
                rp_sb_printf(b, ",\n%*s", (int)pad, "");
                col = pad;
            } else {
                rp_sb_puts(b, ", ");
                col += 2;
            }
        }
        rp_sb_puts(b, params[i]);
        col += strlen(params[i]);
    }
    rp_sb_printf(b, ")%s", tail);
}

static void signature(rp_strbuf *b, const char *lead, const char *name, const char *const *params,
                      size_t count, const char *tail)
{
    call_text(b, lead, name, params, count, tail, 8);
}

/* The column the next byte of b lands in (0-based). */
static size_t column(const rp_strbuf *b)
{
    size_t i = b->len;
    while (i > 0 && b->s[i - 1] != '\n')
        i--;
    return b->len - i;
}

/* Appends `.name = t1 | t2 ...` to an initializer, after ", " unless it is the first: a field
 * that does not fit in 100 columns starts a new line at `indent`; a term that does not fit
 * goes on the next line under the first term. `reserve` is what must still fit after it. */
static void put_field(rp_strbuf *b, bool first, size_t indent, const char *name,
                      char *const *terms, size_t count, size_t reserve)
{
    size_t head = strlen(name) + 4 + strlen(terms[0]) + (count == 1 ? reserve : 2);
    if (!first) {
        rp_sb_putc(b, ',');
        if (column(b) + 1 + head > 100)
            rp_sb_printf(b, "\n%*s", (int)indent, "");
        else
            rp_sb_putc(b, ' ');
    }
    rp_sb_printf(b, ".%s = ", name);
    size_t align = column(b);
    for (size_t i = 0; i < count; i++) {
        size_t after = i + 1 < count ? 2 : reserve;
        if (i > 0) {
            if (column(b) + 3 + strlen(terms[i]) + after > 100)
                rp_sb_printf(b, " |\n%*s", (int)align, "");
            else
                rp_sb_puts(b, " | ");
        }
        rp_sb_puts(b, terms[i]);
    }
}

/* A list of owned strings (the terms of a field). */
typedef struct terms {
    char **items;
    size_t count, cap;
} terms;

static void term_add(terms *t, char *owned)
{
    *(char **)rp_xpush(&t->items, &t->count, &t->cap, sizeof *t->items) = owned;
}

static void term_addf(terms *t, const char *fmt, const char *arg)
{
    rp_strbuf b = { 0 };
    rp_sb_printf(&b, fmt, arg);
    term_add(t, rp_sb_take(&b));
}

static void terms_free(terms *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->items[i]);
    free(t->items);
    t->items = NULL;
    t->count = t->cap = 0;
}

/* The parameter lists of the functions, shared by declaration and definition. */
typedef struct plist {
    char *items[8];
    size_t count;
} plist;

static void padd(plist *p, const char *fmt, const char *a, const char *b)
{
    rp_strbuf s = { 0 };
    rp_sb_printf(&s, fmt, a, b);
    p->items[p->count++] = rp_sb_take(&s);
}

static void pfree(plist *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i]);
    p->count = 0;
}

/* (m, now, envelope, <msg>, handlers, ctx, err) of receive and send_<msg>. */
static plist event_params(const emit_ctx *cx, const mnames *n, const char *msg_param)
{
    plist p = { { 0 }, 0 };
    padd(&p, "%s *m%s", n->type, "");
    padd(&p, "uint64_t now%s%s", "", "");
    padd(&p, "%s envelope%s", cx->fixed[RP_CN_ENVELOPE], "");
    padd(&p, "%s%s", msg_param, "");
    padd(&p, "const %s *handlers%s", n->fn[RP_CN_M_HANDLERS], "");
    padd(&p, "void *ctx%s%s", "", "");
    padd(&p, "rp_error *err%s%s", "", "");
    return p;
}

static plist tick_params(const mnames *n)
{
    plist p = { { 0 }, 0 };
    padd(&p, "%s *m%s", n->type, "");
    padd(&p, "uint64_t now%s%s", "", "");
    padd(&p, "const %s *handlers%s", n->fn[RP_CN_M_HANDLERS], "");
    padd(&p, "void *ctx%s%s", "", "");
    padd(&p, "bool *fired%s%s", "", "");
    padd(&p, "rp_error *err%s%s", "", "");
    return p;
}

static plist set_timer_params(const mnames *n)
{
    plist p = { { 0 }, 0 };
    padd(&p, "%s *m%s", n->type, "");
    padd(&p, "%s timer%s", n->fn[RP_CN_M_TIMER_TYPE], "");
    padd(&p, "uint64_t seconds%s%s", "", "");
    padd(&p, "rp_error *err%s%s", "", "");
    return p;
}

/* The messages the machine's peer sends in some transition, once each, in spec order. */
static size_t sent_messages(const emit_ctx *cx, const mnames *n, const rp_ast_decl **out)
{
    size_t count = 0;
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        bool sent = false;
        for (size_t s = 0; s < n->m->state_count && !sent; s++)
            for (size_t k = 0; k < n->m->states[s].transition_count && !sent; k++)
                sent = n->m->states[s].transitions[k].event == RP_EVENT_SEND &&
                       n->m->states[s].transitions[k].message == d;
        if (sent)
            out[count++] = d;
    }
    return count;
}

/* ---- header ---------------------------------------------------------------------------------------- */

static const char machines_note[] =
    "/* Each machine below is one peer's side of the session, as the spec declares it. For a\n"
    " * machine M (all functions return 0 or a negative rp_status; err may be NULL; nothing\n"
    " * allocates; `now` is Unix seconds from the program's clock, an rp_clock_fn):\n"
    " *\n"
    " *   M_init(m)         starts m in the initial state: the keys no transition establishes\n"
    " *                     exist (the program configures them), no timer runs.\n"
    " *   M_receive(m, now, envelope, msg, handlers, ctx, err)\n"
    " *                     a message arrived in `envelope` (decoded by <p>_decode_any_in). Unless\n"
    " *                     the current state takes that message in that envelope it is refused\n"
    " *                     with RP_E_STATE (\"receive Touch is not allowed in state unknown\")\n"
    " *                     before any handler runs; else the transition's handler decides and,\n"
    " *                     when it returns 0, m moves to the next state.\n"
    " *   M_send_<msg>(m, now, envelope, msg, handlers, ctx, err)\n"
    " *                     the application is about to send msg in `envelope`: the same check,\n"
    " *                     then the handler may fill msg in or veto it; on 0 m has moved on and\n"
    " *                     the caller seals and sends msg.\n"
    " *   M_tick(m, now, handlers, ctx, fired, err)\n"
    " *                     fires the timer transition due at `now` (the running timer with the\n"
    " *                     earliest deadline that the current state takes), at most one per\n"
    " *                     call; *fired (may be NULL) says whether one fired.\n"
    " *   M_set_timer(m, timer, seconds, err)  the duration the next start of a timer gives it\n"
    " *                     (0 until set: due at once); a handler may call it.\n"
    " *   M_next_deadline(m, &at)  when a timer of the current state is due next.\n"
    " *   M_current(m), M_state_name(m), M_has_key(m, key)  where m is, which keys exist.\n"
    " *\n"
    " * A handler gets the caller's ctx, the machine, the message (receive: as decoded; send:\n"
    " * to be sent) and its envelope, or the timer. It returns 0 to let its transition happen or\n"
    " * a negative rp_status (filling err) to refuse it: m stays as it was and the call that\n"
    " * offered the event returns that status. A NULL handler, or NULL handlers, lets the\n"
    " * transition happen. A handler must not offer events to its own machine (RP_E_STATE).\n"
    " */\n\n";

static void header_enums(emit_ctx *cx, const mnames *n)
{
    rp_strbuf *h = &cx->h;
    const rp_ast_machine *m = n->m;
    rp_sb_printf(h, "/** The states of %s, in spec order. */\ntypedef enum %s {\n", n->d->name,
                 n->fn[RP_CN_M_STATE_TYPE]);
    for (size_t s = 0; s < m->state_count; s++) {
        const rp_ast_state *st = &m->states[s];
        char *c = state_const(cx, n, st);
        emit_doc(h, "    ", st->doc, NULL);
        rp_sb_printf(h, "    %s = %zu%s", c, s, s + 1 < m->state_count ? "," : "");
        if (st->initial && st->final)
            rp_sb_puts(h, " /* initial, final */");
        else if (st->initial)
            rp_sb_puts(h, " /* initial */");
        else if (st->final)
            rp_sb_puts(h, " /* final */");
        rp_sb_puts(h, "\n");
        free(c);
    }
    rp_sb_printf(h, "} %s;\n\n", n->fn[RP_CN_M_STATE_TYPE]);

    if (m->timer_count > 0) {
        rp_sb_printf(h, "/** The timers of %s (their durations: %s). */\n"
                        "typedef enum %s {\n", n->d->name, n->fn[RP_CN_M_SET_TIMER], n->fn[RP_CN_M_TIMER_TYPE]);
        for (size_t i = 0; i < m->timer_count; i++) {
            char *c = timer_const(cx, n, i);
            emit_doc(h, "    ", m->timers[i].doc, NULL);
            rp_sb_printf(h, "    %s = %zu%s\n", c, i, i + 1 < m->timer_count ? "," : "");
            free(c);
        }
        rp_sb_printf(h, "} %s;\n\n", n->fn[RP_CN_M_TIMER_TYPE]);
    }

    if (m->transition_count > 0) {
        rp_sb_printf(h, "/** The transitions of %s, in spec order: ON_<state>_<event>_<subject>. */\n"
                        "typedef enum %s {\n", n->d->name, n->fn[RP_CN_M_TRANSITION_TYPE]);
        for (size_t s = 0; s < m->state_count; s++)
            for (size_t k = 0; k < m->states[s].transition_count; k++) {
                const rp_ast_transition *t = &m->states[s].transitions[k];
                char *c = transition_const(cx, n, t);
                rp_strbuf text = { 0 };
                rp_sb_printf(&text, "%s: ", m->states[s].name);
                transition_text(&text, n, t);
                emit_doc(h, "    ", text.s, NULL);
                rp_sb_printf(h, "    %s = %zu%s\n", c, t->index,
                             t->index + 1 < m->transition_count ? "," : "");
                free(text.s);
                free(c);
            }
        rp_sb_printf(h, "} %s;\n\n", n->fn[RP_CN_M_TRANSITION_TYPE]);
    }
}

/* One handler member: its doc line (the transition as written) and its typed pointer. */
static void header_handler(emit_ctx *cx, const mnames *n, const rp_ast_state *st, const rp_ast_transition *t)
{
    rp_strbuf *h = &cx->h;
    rp_strbuf doc = { 0 };
    rp_sb_printf(&doc, "%s: ", st->name);
    transition_text(&doc, n, t);
    rp_sb_puts(&doc, ".");
    emit_doc(h, "    ", t->doc != NULL ? t->doc : doc.s, t->doc != NULL ? doc.s : NULL);
    free(doc.s);

    const char *member = n->handlers[t->index];
    rp_strbuf lead = { 0 };
    rp_sb_printf(&lead, "    int (*%s)", member);
    plist p = { { 0 }, 0 };
    padd(&p, "void *ctx%s%s", "", "");
    padd(&p, "%s *m%s", n->type, "");
    if (t->event == RP_EVENT_TIMER) {
        padd(&p, "%s timer%s", n->fn[RP_CN_M_TIMER_TYPE], "");
    } else {
        char *ty = msg_type(cx, t->message);
        padd(&p, t->event == RP_EVENT_RECEIVE ? "const %s *msg%s" : "%s *msg%s", ty, "");
        padd(&p, "%s envelope%s", cx->fixed[RP_CN_ENVELOPE], "");
        free(ty);
    }
    padd(&p, "rp_error *err%s%s", "", "");
    signature(h, lead.s, "", (const char *const *)p.items, p.count, ";\n");
    pfree(&p);
    free(lead.s);
}

static void header_machine(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *h = &cx->h;
    mnames n = names_of(cx, d);
    const rp_ast_machine *m = n.m;
    rp_sb_printf(h, "/* ---- machine %s (%s) ", d->name, m->peer->name);
    for (size_t i = strlen(d->name) + strlen(m->peer->name) + 23; i < 84; i++) /* 84 wide */
        rp_sb_putc(h, '-');
    rp_sb_puts(h, " */\n\n");
    header_enums(cx, &n);

    rp_sb_printf(h, "typedef struct %s %s;\n\n", n.type, n.type);
    rp_sb_printf(h, "/** What the application decides at each transition of %s (see above). */\n"
                    "typedef struct %s {\n", d->name, n.fn[RP_CN_M_HANDLERS]);
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t k = 0; k < m->states[s].transition_count; k++)
            header_handler(cx, &n, &m->states[s], &m->states[s].transitions[k]);
    if (m->transition_count == 0)
        rp_sb_puts(h, "    int unused_; /* the machine has no transitions */\n");
    rp_sb_printf(h, "} %s;\n\n", n.fn[RP_CN_M_HANDLERS]);

    rp_strbuf note = { 0 };
    rp_sb_printf(&note, "The %s's side of the session (machine %s): a plain value that may be\n"
                        "copied; %s it before use.", m->peer->name, d->name, n.fn[RP_CN_M_INIT]);
    emit_doc(h, "", d->doc, note.s);
    free(note.s);
    rp_sb_printf(h, "struct %s {\n    rp_machine core; /* state, keys and timers, kept by rp_machine "
                    "(rp_machine.h) */\n};\n\n", n.type);

    rp_sb_printf(h, "void %s(%s *m);\n", n.fn[RP_CN_M_INIT], n.type);
    if (cx->routed) {
        rp_strbuf msg = { 0 };
        rp_sb_printf(&msg, "const %s *msg", cx->fixed[RP_CN_ANY]);
        plist p = event_params(cx, &n, msg.s);
        signature(h, "RP_CHECK_RESULT int ", n.fn[RP_CN_M_RECEIVE], (const char *const *)p.items, p.count, ";\n");
        pfree(&p);
        free(msg.s);
    }
    const rp_ast_decl **sent = rp_xcalloc(cx->spec->decl_count + 1, sizeof *sent);
    size_t ns = sent_messages(cx, &n, sent);
    for (size_t i = 0; i < ns; i++) {
        char *ty = msg_type(cx, sent[i]);
        char *fn = rp_cname_machine_send(&cx->names, d, sent[i]);
        rp_strbuf msg = { 0 };
        rp_sb_printf(&msg, "%s *msg", ty);
        plist p = event_params(cx, &n, msg.s);
        signature(h, "RP_CHECK_RESULT int ", fn, (const char *const *)p.items, p.count, ";\n");
        pfree(&p);
        free(msg.s);
        free(fn);
        free(ty);
    }
    free(sent);
    if (m->timer_count > 0) {
        plist p = tick_params(&n);
        signature(h, "RP_CHECK_RESULT int ", n.fn[RP_CN_M_TICK], (const char *const *)p.items, p.count, ";\n");
        pfree(&p);
        plist st = set_timer_params(&n);
        signature(h, "RP_CHECK_RESULT int ", n.fn[RP_CN_M_SET_TIMER], (const char *const *)st.items, st.count,
                  ";\n");
        pfree(&st);
        rp_sb_printf(h, "bool %s(const %s *m, uint64_t *at);\n", n.fn[RP_CN_M_NEXT_DEADLINE], n.type);
    }
    rp_sb_printf(h, "%s %s(const %s *m);\n", n.fn[RP_CN_M_STATE_TYPE], n.fn[RP_CN_M_CURRENT], n.type);
    rp_sb_printf(h, "const char *%s(const %s *m);\n", n.fn[RP_CN_M_STATE_NAME], n.type);
    if (cx->spec->key_count > 0)
        rp_sb_printf(h, "bool %s(const %s *m, %s key);\n", n.fn[RP_CN_M_HAS_KEY], n.type, cx->fixed[RP_CN_KEY]);
    rp_sb_puts(h, "\n");
    names_free(&n);
}

void emit_c_machines_header(emit_ctx *cx)
{
    if (cx->spec->machine_count == 0)
        return;
    rp_sb_puts(&cx->h, "/* ---- session machines -------------------------------------------------------- */\n\n");
    rp_sb_puts(&cx->h, machines_note);
    for (size_t i = 0; i < cx->spec->machine_count; i++)
        header_machine(cx, cx->spec->machines[i]);
}

/* ---- source: tables ----------------------------------------------------------------------------------- */

/* The RP_MACHINE_BIT(<const>) terms of a mask of declarations ("0" when empty). */
static terms mask_of_decls(const emit_ctx *cx, rp_cname_named_kind kind, const rp_ast_decl *const *items,
                           size_t count)
{
    terms t = { NULL, 0, 0 };
    for (size_t i = 0; i < count; i++) {
        char *c = rp_cname_named(&cx->names, kind, items[i]->name);
        term_addf(&t, "RP_MACHINE_BIT(%s)", c);
        free(c);
    }
    if (count == 0)
        term_add(&t, rp_xstrdup("0"));
    return t;
}

static terms mask_of_timers(const emit_ctx *cx, const mnames *n, const size_t *timers, size_t count)
{
    terms t = { NULL, 0, 0 };
    for (size_t i = 0; i < count; i++) {
        char *c = timer_const(cx, n, timers[i]);
        term_addf(&t, "RP_MACHINE_BIT(%s)", c);
        free(c);
    }
    return t;
}

/* put_field over terms, which it frees. */
static void put_terms(rp_strbuf *b, bool first, size_t indent, const char *name, terms *t,
                      size_t reserve)
{
    put_field(b, first, indent, name, t->items, t->count, reserve);
    terms_free(t);
}

static void put_one(rp_strbuf *b, bool first, size_t indent, const char *name, char *owned,
                    size_t reserve)
{
    terms t = { NULL, 0, 0 };
    term_add(&t, owned);
    put_terms(b, first, indent, name, &t, reserve);
}

/* The names refusals print: every message id and every envelope (shared by the machines). */
static void source_names(emit_ctx *cx)
{
    rp_strbuf *c = &cx->c;
    if (cx->routed) {
        rp_sb_puts(c, "/* Message and envelope names, for the refusals of rp_machine_find. */\n");
        rp_sb_printf(c, "static const char *const " RP_CN_S_MESSAGE_NAMES "[] = {\n    [%s] = \"none\"",
                     cx->fixed[RP_CN_MSG_NONE]);
        for (size_t i = 0; i < cx->spec->decl_count; i++) {
            const rp_ast_decl *d = cx->spec->decls[i];
            if (!rp_cname_is_routed(d))
                continue;
            char *k = msg_id(cx, d);
            rp_sb_printf(c, ",\n    [%s] = ", k);
            emit_cstr(c, d->name);
            free(k);
        }
        rp_sb_puts(c, "\n};\n");
    }
    if (cx->spec->envelope_count > 0) {
        rp_sb_puts(c, "static const char *const " RP_CN_S_ENVELOPE_NAMES "[] = {\n");
        for (size_t i = 0; i < cx->spec->envelope_count; i++) {
            char *k = rp_cname_named(&cx->names, RP_CN_ENVELOPE_CONST, cx->spec->envelopes[i]->name);
            rp_sb_printf(c, "    [%s] = ", k);
            emit_cstr(c, cx->spec->envelopes[i]->name);
            rp_sb_puts(c, i + 1 < cx->spec->envelope_count ? ",\n" : "\n");
            free(k);
        }
        rp_sb_puts(c, "};\n");
    }
    rp_sb_puts(c, "\n");
}

static void source_transition(emit_ctx *cx, const mnames *n, const rp_ast_state *st,
                              const rp_ast_transition *t)
{
    rp_strbuf *c = &cx->c;
    static const char *const kinds[] = { "", "RP_MACHINE_SEND", "RP_MACHINE_RECEIVE", "RP_MACHINE_TIMER" };
    rp_sb_puts(c, "    { ");
    put_one(c, true, 6, "event", rp_xstrdup(kinds[t->event]), 2);
    if (t->event == RP_EVENT_TIMER) {
        put_one(c, false, 6, "subject", timer_const(cx, n, t->timer), 2);
    } else {
        put_one(c, false, 6, "subject", msg_id(cx, t->message), 2);
        rp_sb_puts(c, ",\n      ");
        terms e = mask_of_decls(cx, RP_CN_ENVELOPE_CONST, t->envelopes, t->envelope_total);
        put_terms(c, true, 6, "envelopes", &e, 2);
    }
    rp_sb_puts(c, ",\n      ");
    put_one(c, true, 6, "from", state_const(cx, n, st), 2);
    put_one(c, false, 6, "to", state_const(cx, n, &n->m->states[t->target_state]), 2);
    bool actions = t->establish_count + t->drop_count + t->start_count + t->stop_count > 0 || t->is_error;
    if (actions)
        rp_sb_puts(c, ",\n      ");
    bool first_action = true; /* its line is begun above */
    if (t->establish_count > 0) {
        terms k = mask_of_decls(cx, RP_CN_KEY_CONST, t->establishes, t->establish_count);
        put_terms(c, first_action, 6, "establish", &k, 2);
        first_action = false;
    }
    if (t->drop_count > 0) {
        terms k = mask_of_decls(cx, RP_CN_KEY_CONST, t->drops, t->drop_count);
        put_terms(c, first_action, 6, "drop", &k, 2);
        first_action = false;
    }
    if (t->start_count > 0) {
        terms k = mask_of_timers(cx, n, t->starts, t->start_count);
        put_terms(c, first_action, 6, "start", &k, 2);
        first_action = false;
    }
    if (t->stop_count > 0) {
        terms k = mask_of_timers(cx, n, t->stops, t->stop_count);
        put_terms(c, first_action, 6, "stop", &k, 2);
        first_action = false;
    }
    if (t->is_error)
        put_one(c, first_action, 6, "error", rp_xstrdup("true"), 2);
    rp_strbuf text = { 0 };
    event_text(&text, t);
    rp_strbuf lit = { 0 };
    emit_cstr(&lit, text.s);
    free(text.s);
    rp_sb_puts(c, ",\n      ");
    put_one(c, true, 6, "name", rp_sb_take(&lit), 3);
    rp_sb_puts(c, " },\n");
}

static void source_tables(emit_ctx *cx, const mnames *n)
{
    rp_strbuf *c = &cx->c;
    const rp_ast_machine *m = n->m;
    if (m->timer_count > 0) {
        rp_sb_printf(c, "static const char *const %s[] = { ", n->timers);
        for (size_t i = 0; i < m->timer_count; i++) {
            if (i > 0)
                rp_sb_puts(c, ", ");
            emit_cstr(c, m->timers[i].name);
        }
        rp_sb_puts(c, " };\n\n");
    }
    rp_sb_printf(c, "static const rp_machine_state %s[] = {\n", n->states);
    size_t first = 0;
    for (size_t s = 0; s < m->state_count; s++) {
        const rp_ast_state *st = &m->states[s];
        rp_sb_puts(c, "    { .name = ");
        emit_cstr(c, st->name);
        rp_sb_printf(c, ", .line = %" PRIu32 ", .column = %" PRIu32 ", .first = %zu, .count = %zu%s },\n",
                     st->name_span.line, st->name_span.col, first, st->transition_count,
                     st->final ? ", .final = true" : "");
        first += st->transition_count;
    }
    rp_sb_puts(c, "};\n\n");
    if (m->transition_count > 0) {
        rp_sb_printf(c, "static const rp_machine_transition %s[] = {\n", n->transitions);
        for (size_t s = 0; s < m->state_count; s++) {
            const rp_ast_state *st = &m->states[s];
            if (st->transition_count > 0)
                rp_sb_printf(c, "    /* %s */\n", st->name);
            for (size_t k = 0; k < st->transition_count; k++)
                source_transition(cx, n, st, &st->transitions[k]);
        }
        rp_sb_puts(c, "};\n\n");
    }

    /* Keys the machine establishes do not exist at the start; every other key is configured. */
    const rp_ast_decl **configured = rp_xcalloc(cx->spec->key_count + 1, sizeof *configured);
    size_t nc = 0;
    for (size_t k = 0; k < cx->spec->key_count; k++) {
        bool established = false;
        for (size_t s = 0; s < m->state_count && !established; s++)
            for (size_t t = 0; t < m->states[s].transition_count && !established; t++)
                for (size_t e = 0; e < m->states[s].transitions[t].establish_count && !established; e++)
                    established = m->states[s].transitions[t].establishes[e] == cx->spec->keys[k];
        if (!established)
            configured[nc++] = cx->spec->keys[k];
    }
    char *initial = state_const(cx, n, &m->states[m->initial]);
    rp_sb_printf(c, "static const rp_machine_desc %s = {\n    .name = ", n->desc);
    emit_cstr(c, n->d->name);
    rp_sb_puts(c, ", .peer = ");
    emit_cstr(c, m->peer->name);
    rp_sb_puts(c, ", .file = ");
    emit_cstr(c, rp_emit_basename(n->d->unit->path));
    rp_sb_printf(c, ",\n    .states = %s, .state_count = %zu,\n    .initial = %s,\n",
                 n->states, m->state_count, initial);
    if (m->transition_count > 0)
        rp_sb_printf(c, "    .transitions = %s, .transition_count = %zu,\n", n->transitions,
                     m->transition_count);
    if (m->timer_count > 0)
        rp_sb_printf(c, "    .timers = %s, .timer_count = %zu,\n", n->timers, m->timer_count);
    rp_sb_puts(c, "    ");
    terms keys = mask_of_decls(cx, RP_CN_KEY_CONST, configured, nc);
    put_terms(c, true, 4, "initial_keys", &keys, 1);
    rp_sb_puts(c, ",\n");
    if (cx->routed)
        rp_sb_puts(c, "    .messages = " RP_CN_S_MESSAGE_NAMES ",\n"
                      "    .message_count = sizeof " RP_CN_S_MESSAGE_NAMES " / sizeof " RP_CN_S_MESSAGE_NAMES "[0],\n");
    if (cx->spec->envelope_count > 0)
        rp_sb_printf(c, "    .envelopes = " RP_CN_S_ENVELOPE_NAMES ", .envelope_count = %zu,\n",
                     cx->spec->envelope_count);
    rp_sb_puts(c, "};\n\n");
    free(initial);
    free(configured);
}

/* ---- source: functions ------------------------------------------------------------------------------- */

/* The call of transition t's handler; `msg` and `extra` are its message (or timer) and
 * envelope arguments. Written at indent. */
static void handler_call(const emit_ctx *cx, rp_strbuf *c, const char *indent, const mnames *n,
                         const rp_ast_transition *t, const char *msg)
{
    const char *member = n->handlers[t->index];
    rp_sb_printf(c, "%sif (handlers->%s != NULL)\n", indent, member);
    rp_strbuf lead = { 0 };
    rp_sb_printf(&lead, "%s    rc = handlers->", indent);
    plist p = { { 0 }, 0 };
    padd(&p, "ctx%s%s", "", "");
    padd(&p, "m%s%s", "", "");
    if (t->event == RP_EVENT_TIMER) {
        char *timer = timer_const(cx, n, t->timer);
        padd(&p, "%s%s", timer, "");
        free(timer);
    } else {
        padd(&p, "%s%s", msg, "");
        padd(&p, "envelope%s%s", "", "");
    }
    padd(&p, "err%s%s", "", "");
    call_text(c, lead.s, member, (const char *const *)p.items, p.count, ";\n", strlen(indent) + 8);
    pfree(&p);
    free(lead.s);
}

/* The argument a handler of transition t gets for its message: the union member of the
 * received any-message, or the message to be sent. */
static char *handler_msg(const emit_ctx *cx, const rp_ast_transition *t, bool receive)
{
    return receive && t->event == RP_EVENT_RECEIVE ? any_member_ref(cx, t->message) : rp_xstrdup("msg");
}

/* The call of the handler of whichever of `ts` was found (t); the caller writes the firing. */
static void dispatch(emit_ctx *cx, const mnames *n, const rp_ast_transition *const *ts, size_t count,
                     bool receive)
{
    rp_strbuf *c = &cx->c;
    if (count == 0) {
        rp_sb_puts(c, "    (void)handlers; /* no transition of this kind: rp_machine_find refused */\n"
                      "    (void)ctx;\n");
        return;
    }
    rp_sb_puts(c, "    if (handlers != NULL) {\n        m->core.in_handler = true;\n");
    if (count == 1) {
        char *msg = handler_msg(cx, ts[0], receive);
        handler_call(cx, c, "        ", n, ts[0], msg);
        free(msg);
    } else {
        rp_sb_puts(c, "        switch (t) {\n");
        for (size_t i = 0; i < count; i++) {
            char *k = transition_const(cx, n, ts[i]);
            rp_sb_printf(c, "        case %s:\n", k);
            free(k);
            char *msg = handler_msg(cx, ts[i], receive);
            handler_call(cx, c, "            ", n, ts[i], msg);
            rp_sb_puts(c, "            break;\n");
            free(msg);
        }
        rp_sb_puts(c, "        default:\n            break;\n        }\n");
    }
    rp_sb_puts(c, "        m->core.in_handler = false;\n        if (rc != 0)\n            return rc;\n    }\n");
}

static const char fire_and_return[] = "    return rp_machine_fire(&m->core, t, now, err);\n}\n\n";

/* The transitions of the machine on `event` (and message `msg` unless NULL), in spec order. */
static size_t collect(const mnames *n, rp_ast_event_kind event, const rp_ast_decl *msg,
                      const rp_ast_transition **out)
{
    size_t count = 0;
    for (size_t s = 0; s < n->m->state_count; s++)
        for (size_t k = 0; k < n->m->states[s].transition_count; k++) {
            const rp_ast_transition *t = &n->m->states[s].transitions[k];
            if (t->event == event && (msg == NULL || t->message == msg))
                out[count++] = t;
        }
    return count;
}

static const char null_check[] =
    "    if (m == NULL || msg == NULL)\n"
    "        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX,\n"
    "                            \"NULL machine or message\");\n";

/* `size_t t; int rc = rp_machine_find(...)` for an event on message `id`. */
static void find_call(rp_strbuf *c, const char *event, const char *id)
{
    const char *params[] = { "&m->core", event, id, "(size_t)envelope", "&t", "err" };
    rp_sb_puts(c, "    size_t t = RP_MACHINE_NONE;\n");
    call_text(c, "    int rc = ", "rp_machine_find", params, sizeof params / sizeof params[0], ";\n", 8);
    rp_sb_puts(c, "    if (rc != 0)\n        return rc;\n");
}

static void source_functions(emit_ctx *cx, const mnames *n)
{
    rp_strbuf *c = &cx->c;
    const rp_ast_machine *m = n->m;
    const rp_ast_transition **ts = rp_xcalloc(m->transition_count + 1, sizeof *ts);

    rp_sb_printf(c, "void %s(%s *m)\n{\n    rp_machine_init(&m->core, &%s);\n}\n\n", n->fn[RP_CN_M_INIT],
                 n->type, n->desc);

    if (cx->routed) {
        rp_strbuf msg = { 0 };
        rp_sb_printf(&msg, "const %s *msg", cx->fixed[RP_CN_ANY]);
        plist p = event_params(cx, n, msg.s);
        signature(c, "int ", n->fn[RP_CN_M_RECEIVE], (const char *const *)p.items, p.count, "\n{\n");
        pfree(&p);
        free(msg.s);
        rp_sb_puts(c, null_check);
        find_call(c, "RP_MACHINE_RECEIVE", "(size_t)msg->" RP_CN_ANY_ID);
        dispatch(cx, n, ts, collect(n, RP_EVENT_RECEIVE, NULL, ts), true);
        rp_sb_puts(c, fire_and_return);
    }

    const rp_ast_decl **sent = rp_xcalloc(cx->spec->decl_count + 1, sizeof *sent);
    size_t ns = sent_messages(cx, n, sent);
    for (size_t i = 0; i < ns; i++) {
        char *ty = msg_type(cx, sent[i]);
        char *fn = rp_cname_machine_send(&cx->names, n->d, sent[i]);
        char *id = msg_id(cx, sent[i]);
        rp_strbuf msg = { 0 };
        rp_sb_printf(&msg, "%s *msg", ty);
        plist p = event_params(cx, n, msg.s);
        signature(c, "int ", fn, (const char *const *)p.items, p.count, "\n{\n");
        pfree(&p);
        rp_sb_puts(c, null_check);
        find_call(c, "RP_MACHINE_SEND", id);
        dispatch(cx, n, ts, collect(n, RP_EVENT_SEND, sent[i], ts), false);
        rp_sb_puts(c, fire_and_return);
        free(msg.s);
        free(id);
        free(fn);
        free(ty);
    }
    free(sent);

    if (m->timer_count > 0) {
        plist p = tick_params(n);
        signature(c, "int ", n->fn[RP_CN_M_TICK], (const char *const *)p.items, p.count, "\n{\n");
        pfree(&p);
        rp_sb_puts(c, "    if (fired != NULL)\n        *fired = false;\n"
                      "    if (m == NULL)\n"
                      "        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX, \"NULL machine\");\n"
                      "    size_t t = RP_MACHINE_NONE;\n"
                      "    int rc = rp_machine_due(&m->core, now, &t, err);\n"
                      "    if (rc != 0 || t == RP_MACHINE_NONE)\n        return rc;\n");
        dispatch(cx, n, ts, collect(n, RP_EVENT_TIMER, NULL, ts), false);
        rp_sb_puts(c, "    rc = rp_machine_fire(&m->core, t, now, err);\n"
                      "    if (rc == 0 && fired != NULL)\n        *fired = true;\n    return rc;\n}\n\n");

        plist st = set_timer_params(n);
        signature(c, "int ", n->fn[RP_CN_M_SET_TIMER], (const char *const *)st.items, st.count, "\n{\n");
        pfree(&st);
        rp_sb_puts(c, "    if (m == NULL)\n"
                      "        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SESSION, SIZE_MAX, \"NULL machine\");\n"
                      "    return rp_machine_set_duration(&m->core, (size_t)timer, seconds, err);\n}\n\n");
        rp_sb_printf(c, "bool %s(const %s *m, uint64_t *at)\n{\n"
                        "    return m != NULL && rp_machine_next_deadline(&m->core, at);\n}\n\n",
                     n->fn[RP_CN_M_NEXT_DEADLINE], n->type);
    }
    rp_sb_printf(c, "%s %s(const %s *m)\n{\n    return (%s)m->core.state;\n}\n\n", n->fn[RP_CN_M_STATE_TYPE],
                 n->fn[RP_CN_M_CURRENT], n->type, n->fn[RP_CN_M_STATE_TYPE]);
    rp_sb_printf(c, "const char *%s(const %s *m)\n{\n"
                    "    return m != NULL ? rp_machine_state_name(&m->core) : \"none\";\n}\n\n",
                 n->fn[RP_CN_M_STATE_NAME], n->type);
    if (cx->spec->key_count > 0)
        rp_sb_printf(c, "bool %s(const %s *m, %s key)\n{\n"
                        "    return m != NULL && rp_machine_has_key(&m->core, (size_t)key);\n}\n\n",
                     n->fn[RP_CN_M_HAS_KEY], n->type, cx->fixed[RP_CN_KEY]);
    free(ts);
}

/* ---- the pair ------------------------------------------------------------------------------------ */

static void machines_header(emit_ctx *cx, const char *spec_name, const char *codec_header)
{
    rp_strbuf *h = &cx->h;
    char *file = rp_cname_machines_file(&cx->names, true);
    char *guard = rp_cname_machines_guard(&cx->names);
    rp_sb_printf(h, "/* %s — session machines of the %s protocol (the codec is %s).\n *\n", file,
                 cx->spec->protocol, codec_header);
    rp_sb_printf(h, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(h, " * Spec SHA-256: %s\n */\n", cx->sha256);
    rp_sb_printf(h, "#ifndef %s\n#define %s\n\n", guard, guard);
    rp_sb_puts(h, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n");
    rp_sb_printf(h, "#include \"%s\"\n#include \"rp_error.h\"\n#include \"rp_machine.h\"\n\n", codec_header);
    rp_sb_puts(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    rp_sb_puts(h, machines_note);
    for (size_t i = 0; i < cx->spec->machine_count; i++)
        header_machine(cx, cx->spec->machines[i]);
    rp_sb_puts(h, "#ifdef __cplusplus\n}\n#endif\n\n");
    rp_sb_printf(h, "#endif /* %s */\n", guard);
    free(guard);
    free(file);
}

static void machines_source(emit_ctx *cx, const char *spec_name)
{
    rp_strbuf *c = &cx->c;
    char *file = rp_cname_machines_file(&cx->names, false);
    char *header = rp_cname_machines_file(&cx->names, true);
    rp_sb_printf(c, "/* %s — session machines of the %s protocol: descriptions for rp_machine.\n *\n", file,
                 cx->spec->protocol);
    rp_sb_printf(c, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(c, " * Spec SHA-256: %s\n *\n", cx->sha256);
    rp_sb_puts(c, " * Each machine is a constant table of its states (with their spec locations), its\n"
                  " * transitions and its timers; the typed functions check an event against it with\n"
                  " * rp_machine_find before any handler runs and fire the transition with\n"
                  " * rp_machine_fire once the handler agrees (runtime/session/rp_machine.c).\n */\n");
    rp_sb_printf(c, "#include \"%s\"\n\n", header);
    source_names(cx);
    for (size_t i = 0; i < cx->spec->machine_count; i++) {
        mnames n = names_of(cx, cx->spec->machines[i]);
        rp_sb_printf(c, "/* ---- machine %s (%s) ", n.d->name, n.m->peer->name);
        for (size_t k = strlen(n.d->name) + strlen(n.m->peer->name) + 23; k < 98; k++) /* 98 wide */
            rp_sb_putc(c, '-');
        rp_sb_puts(c, " */\n\n");
        source_tables(cx, &n);
        source_functions(cx, &n);
        names_free(&n);
    }
    free(header);
    free(file);
}

int rp_emit_c_machines_render(const rp_ast_spec *spec, rp_emit_c_output *out, FILE *diag)
{
    memset(out, 0, sizeof *out);
    if (spec == NULL || spec->protocol == NULL || spec->main == NULL) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: the spec has no `protocol NAME;`, so generated names "
                          "have no prefix\n");
        return -1;
    }
    if (spec->machine_count == 0)
        return 0;
    emit_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.spec = spec;
    rp_cnames_init(&cx.names, spec->protocol);
    for (int k = 0; k < RP_CN_FIXED_COUNT; k++)
        cx.fixed[k] = rp_cname_fixed(&cx.names, (rp_cname_fixed_kind)k);
    cx.routed = rp_cname_spec_is_routed(spec);
    int rc = emit_spec_sha256(spec, cx.sha256);
    if (rc != 0) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: cannot compute SHA-256 of the spec (OpenSSL)\n");
    } else {
        const char *spec_name = rp_emit_basename(spec->main->path);
        char *codec_header = rp_cname_file(&cx.names, true);
        machines_header(&cx, spec_name, codec_header);
        machines_source(&cx, spec_name);
        free(codec_header);
        out->header_name = rp_cname_machines_file(&cx.names, true);
        out->source_name = rp_cname_machines_file(&cx.names, false);
        out->header_len = cx.h.len;
        out->header = rp_sb_take(&cx.h);
        out->source_len = cx.c.len;
        out->source = rp_sb_take(&cx.c);
    }
    for (int k = 0; k < RP_CN_FIXED_COUNT; k++)
        free(cx.fixed[k]);
    rp_cnames_free(&cx.names);
    free(cx.h.s);
    free(cx.c.s);
    return rc != 0 ? -1 : 0;
}
