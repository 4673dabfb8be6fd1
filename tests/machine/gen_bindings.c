/* gen_bindings — writes the machine bindings of one spec for the spec-driven test of
 * generated session machines (see mt.h): `gen-bindings SPEC > bind_<p>.c`.
 *
 * For every machine of the spec: one typed handler per transition that reports itself
 * through mt_record (its generated transition constant, the machine, the message or timer,
 * the envelope), the handler struct holding them, and untyped wrappers around the generated
 * _init, _receive, _send_<msg>, _tick, _set_timer, _next_deadline, _current, _state_name and
 * _has_key; then the mt_spec with the generated constants of every message, envelope and
 * key by spec name. Names come from cnames.h, where the emitter takes them, so the bindings
 * call exactly what rprotoc generated (<p>_machines.h). Test code only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnames.h"
#include "diag.h"
#include "fe_util.h"
#include "source.h"

/* What the bindings of one spec need: the spec, its names and the fixed type names. */
typedef struct ctx {
    const rp_ast_spec *spec;
    rp_cnames names;
    char *any, *envelope, *key, *message_id;
} ctx;

static void machine(rp_strbuf *o, const ctx *cx, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    const rp_ast_spec *sp = cx->spec;
    char *type = rp_cname_machine(&cx->names, d, RP_CN_M_TYPE);
    char *handlers_type = rp_cname_machine(&cx->names, d, RP_CN_M_HANDLERS);
    char *timer_type = rp_cname_machine(&cx->names, d, RP_CN_M_TIMER_TYPE);
    size_t nh = 0;
    char **handlers = rp_cname_machine_handlers(d, &nh);
    rp_sb_printf(o, "/* ---- %s */\n\nstatic %s g_%s;\n\n", d->name, type, type);

    /* one recording handler per transition */
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t k = 0; k < m->states[s].transition_count; k++) {
            const rp_ast_transition *t = &m->states[s].transitions[k];
            char *tc = rp_cname_machine_transition(&cx->names, d, handlers[t->index]);
            rp_sb_printf(o, "static int h_%s_%zu(void *ctx, %s *m, ", type, t->index, type);
            if (t->event == RP_EVENT_TIMER) {
                rp_sb_printf(o, "%s timer, rp_error *err)\n{\n    (void)err;\n"
                                "    return mt_record(ctx, m, %s, NULL, -1, (int)timer);\n}\n\n",
                             timer_type, tc);
            } else {
                char *ty = rp_cname_decl(&cx->names, t->message, RP_CN_TYPE);
                rp_sb_printf(o, "%s%s *msg, %s envelope, rp_error *err)\n{\n    (void)err;\n"
                                "    return mt_record(ctx, m, %s, msg, (int)envelope, -1);\n}\n\n",
                             t->event == RP_EVENT_RECEIVE ? "const " : "", ty, cx->envelope, tc);
                free(ty);
            }
            free(tc);
        }
    rp_sb_printf(o, "static const %s handlers_%s = {\n", handlers_type, type);
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t k = 0; k < m->states[s].transition_count; k++) {
            const rp_ast_transition *t = &m->states[s].transitions[k];
            rp_sb_printf(o, "    .%s = h_%s_%zu,\n", handlers[t->index], type, t->index);
        }
    if (m->transition_count == 0)
        rp_sb_puts(o, "    .unused_ = 0,\n");
    rp_sb_puts(o, "};\n\n");

    char *init = rp_cname_machine(&cx->names, d, RP_CN_M_INIT);
    char *receive = rp_cname_machine(&cx->names, d, RP_CN_M_RECEIVE);
    rp_sb_printf(o, "static void *fresh_%s(void)\n{\n    %s(&g_%s);\n    return &g_%s;\n}\n\n", type,
                 init, type, type);
    rp_sb_printf(o, "static int receive_%s(void *m, uint64_t now, int envelope, int id, mt_calls *calls,\n"
                    "        rp_error *err)\n{\n"
                    "    g_any." RP_CN_ANY_ID " = (%s)id;\n"
                    "    return %s(m, now, (%s)envelope, &g_any,\n"
                    "        calls != NULL ? &handlers_%s : NULL, calls, err);\n}\n\n",
                 type, cx->message_id, receive, cx->envelope, type);

    rp_sb_printf(o, "static int send_%s(void *m, uint64_t now, int envelope, int id, mt_calls *calls,\n"
                    "        rp_error *err)\n{\n"
                    "    const %s *h = calls != NULL ? &handlers_%s : NULL;\n"
                    "    (void)m; (void)now; (void)envelope; (void)h; (void)err;\n"
                    "    switch (id) {\n", type, handlers_type, type);
    for (size_t i = 0; i < sp->decl_count; i++) {
        const rp_ast_decl *msg = sp->decls[i];
        bool sent = false;
        for (size_t s = 0; s < m->state_count && !sent; s++)
            for (size_t k = 0; k < m->states[s].transition_count && !sent; k++)
                sent = m->states[s].transitions[k].event == RP_EVENT_SEND &&
                       m->states[s].transitions[k].message == msg;
        if (!sent)
            continue;
        char *id = rp_cname_decl(&cx->names, msg, RP_CN_MSG_ID);
        char *member = rp_cname_decl(&cx->names, msg, RP_CN_ANY_MEMBER);
        char *send = rp_cname_machine_send(&cx->names, d, msg);
        rp_sb_printf(o, "    case %s:\n        return %s(m, now, (%s)envelope, &g_any." RP_CN_ANY_UNION ".%s, h,\n"
                        "            calls, err);\n", id, send, cx->envelope, member);
        free(send);
        free(member);
        free(id);
    }
    rp_sb_puts(o, "    default:\n        return MT_NO_API;\n    }\n}\n\n");

    if (m->timer_count > 0) {
        char *tick = rp_cname_machine(&cx->names, d, RP_CN_M_TICK);
        char *set_timer = rp_cname_machine(&cx->names, d, RP_CN_M_SET_TIMER);
        char *next = rp_cname_machine(&cx->names, d, RP_CN_M_NEXT_DEADLINE);
        rp_sb_printf(o, "static int tick_%s(void *m, uint64_t now, mt_calls *calls, bool *fired, rp_error *err)\n{\n"
                        "    return %s(m, now, calls != NULL ? &handlers_%s : NULL, calls, fired, err);\n}\n\n",
                     type, tick, type);
        rp_sb_printf(o, "static int set_timer_%s(void *m, int timer, uint64_t seconds, rp_error *err)\n{\n"
                        "    return %s(m, (%s)timer, seconds, err);\n}\n\n",
                     type, set_timer, timer_type);
        rp_sb_printf(o, "static bool next_deadline_%s(const void *m, uint64_t *at)\n{\n"
                        "    return %s(m, at);\n}\n\n", type, next);
        free(tick);
        free(set_timer);
        free(next);
    }
    char *current = rp_cname_machine(&cx->names, d, RP_CN_M_CURRENT);
    char *state_name = rp_cname_machine(&cx->names, d, RP_CN_M_STATE_NAME);
    rp_sb_printf(o, "static int current_%s(const void *m)\n{\n    return (int)%s(m);\n}\n\n", type, current);
    rp_sb_printf(o, "static const char *state_name_%s(const void *m)\n{\n    return %s(m);\n}\n\n",
                 type, state_name);
    rp_sb_printf(o, "static const rp_machine *core_%s(const void *m)\n{\n"
                    "    return &((const %s *)m)->core;\n}\n\n", type, type);
    if (sp->key_count > 0) {
        char *has_key = rp_cname_machine(&cx->names, d, RP_CN_M_HAS_KEY);
        rp_sb_printf(o, "static bool has_key_%s(const void *m, int key)\n{\n"
                        "    return %s(m, (%s)key);\n}\n\n", type, has_key, cx->key);
        free(has_key);
    }
    free(current);
    free(state_name);
    free(init);
    free(receive);
    rp_cname_machine_handlers_free(handlers, nh);
    free(timer_type);
    free(handlers_type);
    free(type);
}

/* "<P>_<KIND>_<NAME>" of a spec-declared name, by cnames. */
static char *named(const ctx *cx, rp_cname_named_kind k, const char *name)
{
    return rp_cname_named(&cx->names, k, name);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen-bindings SPEC > bind_<protocol>.c\n");
        return 2;
    }
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    if (rp_frontend_load_file(diag, argv[1], NULL, &spec) != RP_FRONTEND_OK) {
        fprintf(stderr, "%s", rp_diag_text(diag));
        rp_diag_free(diag);
        return 1;
    }
    ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.spec = spec;
    rp_cnames_init(&cx.names, spec->protocol);
    cx.any = rp_cname_fixed(&cx.names, RP_CN_ANY);
    cx.envelope = rp_cname_fixed(&cx.names, RP_CN_ENVELOPE);
    cx.key = rp_cname_fixed(&cx.names, RP_CN_KEY);
    cx.message_id = rp_cname_fixed(&cx.names, RP_CN_MESSAGE_ID);
    char *header = rp_cname_machines_file(&cx.names, true);

    rp_strbuf o = { 0 };
    rp_sb_printf(&o, "/* Machine bindings of %s for tests/unit/test_machine_spec.c, written by\n"
                     " * tests/machine/gen_bindings.c; do not edit. */\n"
                     "#include \"%s\"\n#include \"mt.h\"\n\n"
                     "/* Every message the bindings pass (only its id matters to a machine). */\n"
                     "static %s g_any;\n\n", argv[1], header, cx.any);
    for (size_t i = 0; i < spec->machine_count; i++)
        machine(&o, &cx, spec->machines[i]);

    rp_sb_printf(&o, "static const mt_machine machines[] = {\n");
    for (size_t i = 0; i < spec->machine_count; i++) {
        const rp_ast_decl *d = spec->machines[i];
        char *type = rp_cname_machine(&cx.names, d, RP_CN_M_TYPE);
        bool timers = d->u.machine.timer_count > 0;
        rp_sb_printf(&o, "    { \"%s\", fresh_%s, &g_any." RP_CN_ANY_UNION ", receive_%s, send_%s,\n", d->name,
                     type, type, type);
        if (timers)
            rp_sb_printf(&o, "      tick_%s, set_timer_%s, next_deadline_%s,\n", type, type, type);
        else
            rp_sb_puts(&o, "      NULL, NULL, NULL,\n");
        rp_sb_printf(&o, "      current_%s, state_name_%s, %s%s, core_%s },\n", type, type,
                     spec->key_count > 0 ? "has_key_" : "NULL", spec->key_count > 0 ? type : "", type);
        free(type);
    }
    rp_sb_puts(&o, "};\n\n");

    rp_sb_puts(&o, "static const mt_id messages[] = {\n");
    for (size_t i = 0; i < spec->decl_count; i++)
        if (rp_cname_is_routed(spec->decls[i])) {
            char *c = rp_cname_decl(&cx.names, spec->decls[i], RP_CN_MSG_ID);
            rp_sb_printf(&o, "    { \"%s\", %s },\n", spec->decls[i]->name, c);
            free(c);
        }
    rp_sb_puts(&o, "};\n\nstatic const mt_id envelopes[] = {\n");
    for (size_t i = 0; i < spec->envelope_count; i++) {
        char *c = named(&cx, RP_CN_ENVELOPE_CONST, spec->envelopes[i]->name);
        rp_sb_printf(&o, "    { \"%s\", %s },\n", spec->envelopes[i]->name, c);
        free(c);
    }
    rp_sb_puts(&o, "};\n\nstatic const mt_id keys[] = {\n");
    for (size_t i = 0; i < spec->key_count; i++) {
        char *c = named(&cx, RP_CN_KEY_CONST, spec->keys[i]->name);
        rp_sb_printf(&o, "    { \"%s\", %s },\n", spec->keys[i]->name, c);
        free(c);
    }
    rp_sb_printf(&o, "};\n\nconst mt_spec mt_spec_%s = {\n"
                     "    \"%s\", machines, sizeof machines / sizeof machines[0],\n"
                     "    messages, sizeof messages / sizeof messages[0],\n"
                     "    envelopes, sizeof envelopes / sizeof envelopes[0],\n"
                     "    keys, sizeof keys / sizeof keys[0],\n};\n",
                 cx.names.prefix, argv[1]);
    fputs(o.s, stdout);
    free(o.s);
    free(header);
    free(cx.any);
    free(cx.envelope);
    free(cx.key);
    free(cx.message_id);
    rp_cnames_free(&cx.names);
    rp_ast_free(spec);
    rp_diag_free(diag);
    return ferror(stdout) ? 1 : 0;
}
