/* gen_bindings — writes the machine bindings of one spec for the spec-driven test of
 * generated session machines (see mt.h): `gen-bindings SPEC > bind_<p>.c`.
 *
 * For every machine of the spec: one typed handler per transition that reports itself
 * through mt_record (its generated transition constant, the machine, the message or timer,
 * the envelope), the handler struct holding them, and untyped wrappers around the generated
 * _init, _receive, _send_<msg>, _tick, _set_timer, _next_deadline, _current, _state_name and
 * _has_key; then the mt_spec with the generated constants of every message, envelope and
 * key by spec name. Names come from the emitter's own helpers (emit_c_machine.h), so the
 * bindings call exactly what rprotoc generated. Test code only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "emit_c_machine.h"
#include "source.h"

static char *constant(const char *upper, const char *tag, const char *name)
{
    char *s = emit_snake(name);
    char *u = emit_upper(s);
    rp_strbuf b = { 0 };
    rp_sb_printf(&b, "%s_%s_%s", upper, tag, u);
    free(u);
    free(s);
    return rp_sb_take(&b);
}

static bool routed(const rp_ast_decl *d)
{
    size_t n = 0;
    rp_ast_decl_routes(d, &n);
    return n > 0;
}

static void machine(rp_strbuf *o, const emit_ctx *cx, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    const rp_ast_spec *sp = cx->spec;
    char *type = emit_machine_type(cx->prefix, d);
    rp_sb_printf(o, "/* ---- %s */\n\nstatic %s g_%s;\n\n", d->name, type, type);

    /* one recording handler per transition */
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t k = 0; k < m->states[s].transition_count; k++) {
            const rp_ast_transition *t = &m->states[s].transitions[k];
            char *tc = emit_machine_transition_const(cx->prefix, d, t);
            rp_sb_printf(o, "static int h_%s_%zu(void *ctx, %s *m, ", type, t->index, type);
            if (t->event == RP_EVENT_TIMER) {
                rp_sb_printf(o, "%s_timer timer, rp_error *err)\n{\n    (void)err;\n"
                                "    return mt_record(ctx, m, %s, NULL, -1, (int)timer);\n}\n\n",
                             type, tc);
            } else {
                char *ty = emit_decl_ctype(cx, t->message);
                rp_sb_printf(o, "%s%s *msg, %s_envelope envelope, rp_error *err)\n{\n    (void)err;\n"
                                "    return mt_record(ctx, m, %s, msg, (int)envelope, -1);\n}\n\n",
                             t->event == RP_EVENT_RECEIVE ? "const " : "", ty, cx->prefix, tc);
                free(ty);
            }
            free(tc);
        }
    rp_sb_printf(o, "static const %s_handlers handlers_%s = {\n", type, type);
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t k = 0; k < m->states[s].transition_count; k++) {
            const rp_ast_transition *t = &m->states[s].transitions[k];
            char *member = emit_machine_handler(d, t);
            rp_sb_printf(o, "    .%s = h_%s_%zu,\n", member, type, t->index);
            free(member);
        }
    if (m->transition_count == 0)
        rp_sb_puts(o, "    .unused_ = 0,\n");
    rp_sb_puts(o, "};\n\n");

    rp_sb_printf(o, "static void *fresh_%s(void)\n{\n    %s_init(&g_%s);\n    return &g_%s;\n}\n\n", type,
                 type, type, type);
    rp_sb_printf(o, "static int receive_%s(void *m, uint64_t now, int envelope, int id, mt_calls *calls,\n"
                    "        rp_error *err)\n{\n"
                    "    g_any.id = (%s_message_id)id;\n"
                    "    return %s_receive(m, now, (%s_envelope)envelope, &g_any,\n"
                    "        calls != NULL ? &handlers_%s : NULL, calls, err);\n}\n\n",
                 type, cx->prefix, type, cx->prefix, type);

    rp_sb_printf(o, "static int send_%s(void *m, uint64_t now, int envelope, int id, mt_calls *calls,\n"
                    "        rp_error *err)\n{\n"
                    "    const %s_handlers *h = calls != NULL ? &handlers_%s : NULL;\n"
                    "    (void)m; (void)now; (void)envelope; (void)h; (void)err;\n"
                    "    switch (id) {\n", type, type, type);
    for (size_t i = 0; i < sp->decl_count; i++) {
        const rp_ast_decl *msg = sp->decls[i];
        bool sent = false;
        for (size_t s = 0; s < m->state_count && !sent; s++)
            for (size_t k = 0; k < m->states[s].transition_count && !sent; k++)
                sent = m->states[s].transitions[k].event == RP_EVENT_SEND &&
                       m->states[s].transitions[k].message == msg;
        if (!sent)
            continue;
        char *id = constant(cx->upper, "MSG", msg->name);
        char *sn = emit_snake(msg->name);
        rp_sb_printf(o, "    case %s:\n        return %s_send_%s(m, now, (%s_envelope)envelope, &g_any.u.%s, h,\n"
                        "            calls, err);\n", id, type, sn, cx->prefix, sn);
        free(sn);
        free(id);
    }
    rp_sb_puts(o, "    default:\n        return MT_NO_API;\n    }\n}\n\n");

    if (m->timer_count > 0) {
        rp_sb_printf(o, "static int tick_%s(void *m, uint64_t now, mt_calls *calls, bool *fired, rp_error *err)\n{\n"
                        "    return %s_tick(m, now, calls != NULL ? &handlers_%s : NULL, calls, fired, err);\n}\n\n",
                     type, type, type);
        rp_sb_printf(o, "static int set_timer_%s(void *m, int timer, uint64_t seconds, rp_error *err)\n{\n"
                        "    return %s_set_timer(m, (%s_timer)timer, seconds, err);\n}\n\n",
                     type, type, type);
        rp_sb_printf(o, "static bool next_deadline_%s(const void *m, uint64_t *at)\n{\n"
                        "    return %s_next_deadline(m, at);\n}\n\n", type, type);
    }
    rp_sb_printf(o, "static int current_%s(const void *m)\n{\n    return (int)%s_current(m);\n}\n\n", type, type);
    rp_sb_printf(o, "static const char *state_name_%s(const void *m)\n{\n    return %s_state_name(m);\n}\n\n",
                 type, type);
    rp_sb_printf(o, "static const rp_machine *core_%s(const void *m)\n{\n"
                    "    return &((const %s *)m)->core;\n}\n\n", type, type);
    if (sp->key_count > 0)
        rp_sb_printf(o, "static bool has_key_%s(const void *m, int key)\n{\n"
                        "    return %s_has_key(m, (%s_key)key);\n}\n\n", type, type, cx->prefix);
    free(type);
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
    emit_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.spec = spec;
    cx.prefix = emit_snake(spec->protocol);
    cx.upper = emit_upper(cx.prefix);

    rp_strbuf o = { 0 };
    rp_sb_printf(&o, "/* Machine bindings of %s for tests/unit/test_machine_spec.c, written by\n"
                     " * tests/machine/gen_bindings.c; do not edit. */\n"
                     "#include \"%s.h\"\n#include \"mt.h\"\n\n"
                     "/* Every message the bindings pass (only its id matters to a machine). */\n"
                     "static %s_any g_any;\n\n", argv[1], cx.prefix, cx.prefix);
    for (size_t i = 0; i < spec->machine_count; i++)
        machine(&o, &cx, spec->machines[i]);

    rp_sb_printf(&o, "static const mt_machine machines[] = {\n");
    for (size_t i = 0; i < spec->machine_count; i++) {
        const rp_ast_decl *d = spec->machines[i];
        char *type = emit_machine_type(cx.prefix, d);
        bool timers = d->u.machine.timer_count > 0;
        rp_sb_printf(&o, "    { \"%s\", fresh_%s, &g_any.u, receive_%s, send_%s,\n", d->name, type, type, type);
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
        if (routed(spec->decls[i])) {
            char *c = constant(cx.upper, "MSG", spec->decls[i]->name);
            rp_sb_printf(&o, "    { \"%s\", %s },\n", spec->decls[i]->name, c);
            free(c);
        }
    rp_sb_puts(&o, "};\n\nstatic const mt_id envelopes[] = {\n");
    for (size_t i = 0; i < spec->envelope_count; i++) {
        char *c = constant(cx.upper, "ENVELOPE", spec->envelopes[i]->name);
        rp_sb_printf(&o, "    { \"%s\", %s },\n", spec->envelopes[i]->name, c);
        free(c);
    }
    rp_sb_puts(&o, "};\n\nstatic const mt_id keys[] = {\n");
    for (size_t i = 0; i < spec->key_count; i++) {
        char *c = constant(cx.upper, "KEY", spec->keys[i]->name);
        rp_sb_printf(&o, "    { \"%s\", %s },\n", spec->keys[i]->name, c);
        free(c);
    }
    rp_sb_printf(&o, "};\n\nconst mt_spec mt_spec_%s = {\n"
                     "    \"%s\", machines, sizeof machines / sizeof machines[0],\n"
                     "    messages, sizeof messages / sizeof messages[0],\n"
                     "    envelopes, sizeof envelopes / sizeof envelopes[0],\n"
                     "    keys, sizeof keys / sizeof keys[0],\n};\n",
                 cx.prefix, argv[1]);
    fputs(o.s, stdout);
    free(o.s);
    free(cx.prefix);
    free(cx.upper);
    rp_ast_free(spec);
    rp_diag_free(diag);
    return ferror(stdout) ? 1 : 0;
}
