/* cnames.c — the C names of a spec (see cnames.h for the mangling). */
#include "cnames.h"

#include <stdlib.h>
#include <string.h>

#include "fe_util.h"
#include "name_table.h"

static bool is_up(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_low(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

char *rp_cname_snake(const char *name)
{
    rp_strbuf b = { 0 };
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (is_up(c)) {
            /* A word starts at an upper-case letter after a lower-case one or a digit, or at
             * the last capital of a run followed by lower case ("HTTPServer"). */
            bool after_low = i > 0 && is_low(name[i - 1]);
            bool run_end = i > 0 && is_up(name[i - 1]) && i + 1 < n && is_low(name[i + 1]) &&
                           !(name[i + 1] >= '0' && name[i + 1] <= '9');
            if ((after_low || run_end) && b.len > 0 && b.s[b.len - 1] != '_')
                rp_sb_putc(&b, '_');
            rp_sb_putc(&b, (char)(c - 'A' + 'a'));
        } else {
            rp_sb_putc(&b, c);
        }
    }
    return rp_sb_take(&b);
}

char *rp_cname_upper(const char *s)
{
    char *u = rp_xstrdup(s);
    for (char *p = u; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return u;
}

void rp_cnames_init(rp_cnames *n, const char *protocol)
{
    n->prefix = rp_cname_snake(protocol);
    n->upper = rp_cname_upper(n->prefix);
}

void rp_cnames_free(rp_cnames *n)
{
    if (n == NULL)
        return;
    free(n->prefix);
    free(n->upper);
    n->prefix = NULL;
    n->upper = NULL;
}

bool rp_cname_is_routed(const rp_ast_decl *d)
{
    size_t n = 0;
    rp_ast_decl_routes(d, &n);
    return n > 0;
}

bool rp_cname_spec_is_routed(const rp_ast_spec *spec)
{
    for (size_t i = 0; i < spec->decl_count; i++)
        if (rp_cname_is_routed(spec->decls[i]))
            return true;
    return false;
}

/* a + sep + b (+ sep2 + c when c is not NULL), as a new string. */
static char *join(const char *a, const char *sep, const char *b, const char *sep2, const char *c)
{
    rp_strbuf s = { 0 };
    rp_sb_puts(&s, a);
    rp_sb_puts(&s, sep);
    rp_sb_puts(&s, b);
    if (c != NULL) {
        rp_sb_puts(&s, sep2);
        rp_sb_puts(&s, c);
    }
    return rp_sb_take(&s);
}

char *rp_cname_decl(const rp_cnames *n, const rp_ast_decl *d, rp_cname_decl_kind k)
{
    char *snake = rp_cname_snake(d->name);
    char *up = rp_cname_upper(snake);
    char *r = NULL;
    switch (k) {
    case RP_CN_TYPE: r = join(n->prefix, "_", snake, NULL, NULL); break;
    case RP_CN_INIT: r = join(n->prefix, "_", snake, "_", "init"); break;
    case RP_CN_DECODE: r = join(n->prefix, "_", snake, "_", "decode"); break;
    case RP_CN_VALIDATE: r = join(n->prefix, "_", snake, "_", "validate"); break;
    case RP_CN_ENCODE: r = join(n->prefix, "_", snake, "_", "encode"); break;
    case RP_CN_MAX_SIZE: r = join(n->upper, "_", up, "_", "MAX_SIZE"); break;
    case RP_CN_ENVELOPES: r = join(n->upper, "_", up, "_", "ENVELOPES"); break;
    case RP_CN_MSG_ID: r = join(n->upper, "_MSG_", up, NULL, NULL); break;
    case RP_CN_ANY_MEMBER: r = rp_xstrdup(snake); break;
    case RP_CN_FLAGS_ALL: r = join(n->upper, "_", up, "_", "ALL"); break;
    }
    free(up);
    free(snake);
    return r != NULL ? r : rp_xstrdup("?");
}

char *rp_cname_value(const rp_cnames *n, const rp_ast_decl *d, const rp_ast_enum_value *v)
{
    char *snake = rp_cname_snake(d->name);
    char *up = rp_cname_upper(snake);
    char *r = join(n->upper, "_", up, "_", v->name);
    free(up);
    free(snake);
    return r;
}

char *rp_cname_field(const rp_ast_field *f, rp_cname_field_kind k)
{
    switch (k) {
    case RP_CN_HAS: return join("has", "_", f->c_name, NULL, NULL);
    case RP_CN_COUNT: return join(f->c_name, "_", "count", NULL, NULL);
    case RP_CN_MEMBER: break;
    }
    return rp_xstrdup(f->c_name);
}

char *rp_cname_map_entry(const rp_cnames *n, const rp_ast_decl *d, const rp_ast_field *f)
{
    char *type = rp_cname_decl(n, d, RP_CN_TYPE);
    char *r = join(type, "_", f->c_name, "_", "entry");
    free(type);
    return r;
}

/* Suffix (after "<p>_" or "<P>_") and role of each fixed name; upper-case suffixes are
 * macros or enum constants and take the upper-case prefix. */
static const struct {
    const char *suffix;
    const char *role;
} fixed_names[RP_CN_FIXED_COUNT] = {
    [RP_CN_ANY] = { "any", "any-message type" },
    [RP_CN_MESSAGE_ID] = { "message_id", "message id type" },
    [RP_CN_DECODE_ANY] = { "decode_any", "any-message decoder" },
    [RP_CN_DECODE_ANY_IN] = { "decode_any_in", "any-message decoder for one envelope" },
    [RP_CN_MESSAGE_NAME] = { "message_name", "message name function" },
    [RP_CN_PORT] = { "port", "port type" },
    [RP_CN_PEER] = { "peer", "peer type" },
    [RP_CN_ENVELOPE] = { "envelope", "envelope type" },
    [RP_CN_KEY] = { "key", "key type" },
    [RP_CN_PROTOCOL] = { "protocol", "protocol descriptor" },
    [RP_CN_MSG_NONE] = { "MSG_NONE", "'no message' id" },
    [RP_CN_PORT_NONE] = { "PORT_NONE", "'no port' constant" },
    [RP_CN_ENVELOPE_BIT] = { "ENVELOPE_BIT", "envelope bit macro" },
    [RP_CN_PEER_NONE] = { "PEER_NONE", "'no peer' constant" },
    [RP_CN_SPEC_SHA256] = { "SPEC_SHA256", "spec hash macro" },
    [RP_CN_RPROTOC_VERSION] = { "RPROTOC_VERSION", "generator version macro" },
    [RP_CN_GUARD] = { "GENERATED_H", "include guard" },
    [RP_CN_TRANSPORT_GUARD] = { "TRANSPORT_GENERATED_H", "transport include guard" },
};

char *rp_cname_fixed(const rp_cnames *n, rp_cname_fixed_kind k)
{
    if ((unsigned)k >= RP_CN_FIXED_COUNT)
        return rp_xstrdup("?");
    const char *s = fixed_names[k].suffix;
    return join(is_up(s[0]) ? n->upper : n->prefix, "_", s, NULL, NULL);
}

const char *rp_cname_fixed_role(rp_cname_fixed_kind k)
{
    return (unsigned)k < RP_CN_FIXED_COUNT ? fixed_names[k].role : "generated name";
}

char *rp_cname_named(const rp_cnames *n, rp_cname_named_kind k, const char *spec_name)
{
    char *snake = rp_cname_snake(spec_name);
    char *up = rp_cname_upper(snake);
    char *r = NULL;
    switch (k) {
    case RP_CN_PORT_CONST: r = join(n->upper, "_PORT_", up, NULL, NULL); break;
    case RP_CN_PEER_CONST: r = join(n->upper, "_PEER_", up, NULL, NULL); break;
    case RP_CN_KEY_CONST: r = join(n->upper, "_KEY_", up, NULL, NULL); break;
    case RP_CN_ENVELOPE_CONST: r = join(n->upper, "_ENVELOPE_", up, NULL, NULL); break;
    case RP_CN_PROFILE: r = join(n->prefix, "_profile_", snake, NULL, NULL); break;
    }
    free(up);
    free(snake);
    return r != NULL ? r : rp_xstrdup("?");
}

char *rp_cname_file(const rp_cnames *n, bool header)
{
    return join(n->prefix, ".", header ? "h" : "c", NULL, NULL);
}

char *rp_cname_transport_file(const rp_cnames *n, bool header)
{
    return join(n->prefix, "_transport.", header ? "h" : "c", NULL, NULL);
}

/* ---- session machines ------------------------------------------------------------------------ */

static const struct {
    const char *suffix; /* after "<p>_<m>"; "" for the instance type */
    const char *role;
} machine_names[RP_CN_M_COUNT] = {
    [RP_CN_M_TYPE] = { "", "instance type" },
    [RP_CN_M_STATE_TYPE] = { "_state", "state enum type" },
    [RP_CN_M_TIMER_TYPE] = { "_timer", "timer enum type" },
    [RP_CN_M_TRANSITION_TYPE] = { "_transition", "transition enum type" },
    [RP_CN_M_HANDLERS] = { "_handlers", "handler struct type" },
    [RP_CN_M_INIT] = { "_init", "init function" },
    [RP_CN_M_RECEIVE] = { "_receive", "receive function" },
    [RP_CN_M_TICK] = { "_tick", "tick function" },
    [RP_CN_M_SET_TIMER] = { "_set_timer", "set_timer function" },
    [RP_CN_M_NEXT_DEADLINE] = { "_next_deadline", "next_deadline function" },
    [RP_CN_M_CURRENT] = { "_current", "current function" },
    [RP_CN_M_STATE_NAME] = { "_state_name", "state_name function" },
    [RP_CN_M_HAS_KEY] = { "_has_key", "has_key function" },
};

char *rp_cname_machine(const rp_cnames *n, const rp_ast_decl *machine, rp_cname_machine_kind k)
{
    char *snake = rp_cname_snake(machine->name);
    const char *suffix = (unsigned)k < RP_CN_M_COUNT ? machine_names[k].suffix : "_";
    char *r = join(n->prefix, "_", snake, "", suffix);
    free(snake);
    return r;
}

const char *rp_cname_machine_role(rp_cname_machine_kind k)
{
    return (unsigned)k < RP_CN_M_COUNT ? machine_names[k].role : "machine name";
}

char *rp_cname_machine_send(const rp_cnames *n, const rp_ast_decl *machine, const rp_ast_decl *msg)
{
    char *type = rp_cname_machine(n, machine, RP_CN_M_TYPE);
    char *snake = rp_cname_snake(msg->name);
    char *r = join(type, "_send_", snake, NULL, NULL);
    free(snake);
    free(type);
    return r;
}

/* <P>_<M>_<tag>_<UPPER(snake(name))> */
static char *machine_const(const rp_cnames *n, const rp_ast_decl *machine, const char *tag, const char *name,
                           bool already_snake)
{
    char *type = rp_cname_machine(n, machine, RP_CN_M_TYPE);
    char *up_type = rp_cname_upper(type);
    char *snake = already_snake ? rp_xstrdup(name) : rp_cname_snake(name);
    char *up = rp_cname_upper(snake);
    char *r = join(up_type, tag, up, NULL, NULL);
    free(up);
    free(snake);
    free(up_type);
    free(type);
    return r;
}

char *rp_cname_machine_state(const rp_cnames *n, const rp_ast_decl *machine, const rp_ast_state *s)
{
    return machine_const(n, machine, "_STATE_", s->name, false);
}

char *rp_cname_machine_timer(const rp_cnames *n, const rp_ast_decl *machine, const rp_ast_timer *t)
{
    return machine_const(n, machine, "_TIMER_", t->name, false);
}

char *rp_cname_machine_transition(const rp_cnames *n, const rp_ast_decl *machine, const char *handler)
{
    return machine_const(n, machine, "_ON_", handler, true);
}

static const char *event_word(rp_ast_event_kind e)
{
    switch (e) {
    case RP_EVENT_SEND: return "send";
    case RP_EVENT_RECEIVE: return "receive";
    case RP_EVENT_TIMER: return "timer";
    }
    return "event";
}

char **rp_cname_machine_handlers(const rp_ast_decl *machine, size_t *count)
{
    const rp_ast_machine *m = &machine->u.machine;
    size_t total = 0;
    for (size_t s = 0; s < m->state_count; s++)
        total += m->states[s].transition_count;
    char **names = rp_xcalloc(total + 1, sizeof *names);
    /* Per state: how many of its transitions share each base name (the same event and
     * subject), so the suffix costs a table lookup, not a scan of the state. */
    rp_name_table seen;
    rp_name_table_init(&seen, 16);
    bool *shared = rp_xcalloc(total + 1, sizeof *shared);
    size_t at = 0;
    for (size_t s = 0; s < m->state_count; s++) {
        const rp_ast_state *st = &m->states[s];
        char *state = rp_cname_snake(st->name);
        rp_name_table_clear(&seen);
        for (size_t k = 0; k < st->transition_count; k++) {
            const rp_ast_transition *t = &st->transitions[k];
            char *subject = rp_cname_snake(t->subject);
            names[at + k] = join(state, "_", event_word(t->event), "_", subject);
            free(subject);
            size_t had = rp_name_table_put(&seen, names[at + k], at + k + 1);
            if (had != 0)
                shared[had - 1] = shared[at + k] = true;
        }
        /* no lookup in `seen` from here on: its keys are the base names replaced below */
        for (size_t k = 0; k < st->transition_count; k++) {
            const rp_ast_transition *t = &st->transitions[k];
            if (shared[at + k] && t->envelope_count > 0) {
                char *env = rp_cname_snake(t->envelope_names[0]);
                char *full = join(names[at + k], "_in_", env, NULL, NULL);
                free(env);
                free(names[at + k]);
                names[at + k] = full;
            }
        }
        at += st->transition_count;
        free(state);
    }
    free(shared);
    rp_name_table_free(&seen);
    *count = total;
    return names;
}

void rp_cname_machine_handlers_free(char **names, size_t count)
{
    for (size_t i = 0; names != NULL && i < count; i++)
        free(names[i]);
    free(names);
}

char *rp_cname_machines_file(const rp_cnames *n, bool header)
{
    return join(n->prefix, "_machines.", header ? "h" : "c", NULL, NULL);
}

char *rp_cname_machines_guard(const rp_cnames *n)
{
    return join(n->upper, "_", "MACHINES_GENERATED_H", NULL, NULL);
}

char *rp_cname_machine_static(rp_cname_machine_static_kind k, const rp_ast_decl *machine)
{
    static const char *const kinds[] = {
        [RP_CN_MS_DESC] = "machine", [RP_CN_MS_STATES] = "states",
        [RP_CN_MS_TRANSITIONS] = "transitions", [RP_CN_MS_TIMERS] = "timers",
    };
    char *snake = rp_cname_snake(machine->name);
    const char *kind = (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k] : "x";
    char *r = join(kind, "__", snake, NULL, NULL);
    free(snake);
    return r;
}

char *rp_cname_static(rp_cname_static_kind k, const rp_ast_decl *d, const rp_ast_field *f)
{
    static const char *const kinds[] = {
        [RP_CN_S_SCHEMA] = "schema",         [RP_CN_S_FIELDS] = "fields",
        [RP_CN_S_RULES] = "rules",           [RP_CN_S_ONE_OF] = "set",
        [RP_CN_S_LEN] = "len",               [RP_CN_S_COUNT] = "count",
        [RP_CN_S_ENUM_VALUES] = "enum_values", [RP_CN_S_ENUM_EXPECT] = "enum_expect",
        [RP_CN_S_CHARSET] = "charset",
    };
    char *snake = rp_cname_snake(d->name);
    const char *kind = (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k] : "x";
    char *r = f != NULL ? join(kind, "__", snake, "__", f->c_name) : join(kind, "__", snake, NULL, NULL);
    free(snake);
    return r;
}

char *rp_cname_spec_file(const rp_ast_unit *u, size_t unit_index)
{
    if (u->is_main)
        return rp_xstrdup("spec__file");
    rp_strbuf s = { 0 };
    rp_sb_printf(&s, "spec__file_%zu", unit_index);
    return rp_sb_take(&s);
}

const char *const rp_cname_locals[] = {
    "json", "len", "out", "storage", "mode", "profile", "err", "msg", "buf", "cap", "out_len",
    "port", "dir", "from", "id", "routes", "which", "rc",
    /* the machine functions' (emit_c_machine.c) */
    "m", "now", "envelope", "handlers", "ctx", "fired", "timer", "seconds", "at", "key", "t", NULL,
};
