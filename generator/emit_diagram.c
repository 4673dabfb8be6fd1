/* emit_diagram.c — sequence diagrams of the spec's session machines, for people.
 *
 * For every machine (one peer's side) the emitter walks the states from the initial one
 * and lays the session out as a sequence between the two peers: every send and receive an
 * arrow (errors drawn with a cross), timers and states as notes, a state's choices as
 * alt/else blocks and its self-loops as a loop block. Each state is expanded once, where
 * the walk first reaches it; later arrivals say "back to S". The same walk is written two
 * ways: Mermaid inside a Markdown page (for viewers that render it) and a standalone SVG
 * (drawn here, so no browser or Node tool is needed). Output is deterministic.
 */
#include "emit_diagram.h"

#include <stdlib.h>
#include <string.h>

#include "cnames.h"
#include "emit_c.h"
#include "fe_util.h"
#include "out_files.h"
#include "version.h"

/* ---- the walk, as rows ----------------------------------------------------------------------- */

typedef enum row_kind { ROW_ARROW, ROW_NOTE, ROW_BEGIN, ROW_ELSE, ROW_END } row_kind;

typedef struct row {
    row_kind kind;
    bool from_self;      /* ARROW: the machine's peer sends */
    bool error;          /* ARROW, BEGIN/ELSE: an error transition */
    bool loop;           /* BEGIN: a loop block (else an alt block) */
    char *text;          /* label (owned) */
} row;

typedef struct walk {
    const rp_ast_decl *machine;
    row *rows;
    size_t count, cap;
    bool *expanded;
} walk;

static void add(walk *w, row_kind kind, bool from_self, bool error, bool loop, char *text)
{
    row *r = rp_xpush(&w->rows, &w->count, &w->cap, sizeof *r);
    r->kind = kind;
    r->from_self = from_self;
    r->error = error;
    r->loop = loop;
    r->text = text;
}

/* "Hello (rsa_to_client) [establish session]" */
static char *arrow_text(const rp_ast_machine *m, const rp_ast_transition *t)
{
    rp_strbuf b = { 0 };
    rp_sb_puts(&b, t->subject);
    for (size_t i = 0; i < t->envelope_total; i++)
        rp_sb_printf(&b, "%s%s", i ? " | " : " (", t->envelopes[i]->name);
    if (t->envelope_total > 0)
        rp_sb_putc(&b, ')');
    bool any = t->establish_count + t->drop_count + t->start_count + t->stop_count > 0;
    const char *sep = " [";
    for (size_t i = 0; i < t->establish_count; i++, sep = ", ")
        rp_sb_printf(&b, "%sestablish %s", sep, t->establishes[i]->name);
    for (size_t i = 0; i < t->drop_count; i++, sep = ", ")
        rp_sb_printf(&b, "%sdrop %s", sep, t->drops[i]->name);
    for (size_t i = 0; i < t->start_count; i++, sep = ", ")
        rp_sb_printf(&b, "%sstart %s", sep, m->timers[t->starts[i]].name);
    for (size_t i = 0; i < t->stop_count; i++, sep = ", ")
        rp_sb_printf(&b, "%sstop %s", sep, m->timers[t->stops[i]].name);
    if (any)
        rp_sb_putc(&b, ']');
    return rp_sb_take(&b);
}

/* "receive Hello" / "timer touch", and "(error)" when it is one: the label of a branch. */
static char *event_text(const rp_ast_transition *t)
{
    rp_strbuf b = { 0 };
    rp_sb_printf(&b, "%s %s%s", rp_ast_event_name(t->event), t->subject, t->is_error ? " (error)" : "");
    return rp_sb_take(&b);
}

static char *textf(const char *prefix, const char *name)
{
    rp_strbuf b = { 0 };
    rp_sb_printf(&b, "%s%s", prefix, name);
    return rp_sb_take(&b);
}

static void walk_state(walk *w, size_t s);

/* One transition's rows: its arrow (or timer note), then where it leads. */
static void walk_transition(walk *w, const rp_ast_transition *t, bool follow)
{
    const rp_ast_machine *m = &w->machine->u.machine;
    if (t->event == RP_EVENT_TIMER) {
        char *a = arrow_text(m, t);
        add(w, ROW_NOTE, true, t->is_error, false, textf("timer ", a));
        free(a);
    } else {
        add(w, ROW_ARROW, t->event == RP_EVENT_SEND, t->is_error, false, arrow_text(m, t));
    }
    if (!follow)
        return;
    if (w->expanded[t->target_state])
        add(w, ROW_NOTE, true, false, false, textf("back to ", m->states[t->target_state].name));
    else
        walk_state(w, t->target_state);
}

static void walk_state(walk *w, size_t s)
{
    const rp_ast_machine *m = &w->machine->u.machine;
    const rp_ast_state *st = &m->states[s];
    w->expanded[s] = true;
    add(w, ROW_NOTE, true, false, false, textf(st->final ? "final state " : "state ", st->name));
    size_t loops = 0, outs = 0;
    for (size_t i = 0; i < st->transition_count; i++) {
        if (st->transitions[i].target_state == s)
            loops++;
        else
            outs++;
    }
    if (loops > 0) {
        add(w, ROW_BEGIN, false, false, true, textf("while in ", st->name));
        for (size_t i = 0; i < st->transition_count; i++)
            if (st->transitions[i].target_state == s)
                walk_transition(w, &st->transitions[i], false);
        add(w, ROW_END, false, false, false, NULL);
    }
    if (outs == 1) {
        for (size_t i = 0; i < st->transition_count; i++)
            if (st->transitions[i].target_state != s)
                walk_transition(w, &st->transitions[i], true);
        return;
    }
    bool first = true;
    for (size_t i = 0; i < st->transition_count; i++) {
        const rp_ast_transition *t = &st->transitions[i];
        if (t->target_state == s)
            continue;
        add(w, first ? ROW_BEGIN : ROW_ELSE, false, t->is_error, false, event_text(t));
        first = false;
        walk_transition(w, t, true);
    }
    if (!first)
        add(w, ROW_END, false, false, false, NULL);
}

static void walk_free(walk *w)
{
    for (size_t i = 0; i < w->count; i++)
        free(w->rows[i].text);
    free(w->rows);
    free(w->expanded);
}

/* ---- Mermaid ------------------------------------------------------------------------------------ */

/* Text of a label, a note or a participant's alias: Mermaid ends it at a newline, a ';' or a
 * '#' (which starts an entity code), and reads '<' and '>' as HTML (<br> breaks the line), so
 * those are written as its entity codes and a control character as a space. */
static void mermaid_text(rp_strbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == ';' || ch == '#' || ch == '<' || ch == '>')
            rp_sb_printf(b, "#%u;", ch);
        else
            rp_sb_putc(b, ch < 0x20 || ch == 0x7f ? ' ' : (char)ch);
    }
}

/* The participants are P0 (the machine's peer) and P1 with the peers' names as aliases, and
 * arrows and notes name them by these ids: a peer may be named like a word of Mermaid's
 * sequence diagrams (end, loop, note, participant, ... any case), which as an id does not
 * parse, while an alias is text to the end of its line. */
static void mermaid(rp_strbuf *b, const walk *w, const char *self_name, const char *other_name)
{
    const char *self = "P0", *other = "P1";
    rp_sb_printf(b, "```mermaid\nsequenceDiagram\n    participant %s as ", self);
    mermaid_text(b, self_name);
    rp_sb_printf(b, "\n    participant %s as ", other);
    mermaid_text(b, other_name);
    rp_sb_putc(b, '\n');
    int depth = 1;
    for (size_t i = 0; i < w->count; i++) {
        const row *r = &w->rows[i];
        if (r->kind == ROW_END || r->kind == ROW_ELSE)
            depth--;
        for (int d = 0; d < depth; d++)
            rp_sb_puts(b, "    ");
        switch (r->kind) {
        case ROW_ARROW:
            rp_sb_printf(b, "%s%s%s: ", r->from_self ? self : other, r->error ? "-x" : "->>",
                         r->from_self ? other : self);
            mermaid_text(b, r->text);
            break;
        case ROW_NOTE:
            rp_sb_printf(b, "Note over %s: ", self);
            mermaid_text(b, r->text);
            break;
        case ROW_BEGIN:
        case ROW_ELSE:
            rp_sb_puts(b, r->kind == ROW_ELSE ? "else " : r->loop ? "loop " : "alt ");
            mermaid_text(b, r->text);
            break;
        case ROW_END:
            rp_sb_puts(b, "end");
            break;
        }
        rp_sb_putc(b, '\n');
        if (r->kind == ROW_BEGIN || r->kind == ROW_ELSE)
            depth++;
    }
    rp_sb_puts(b, "```\n");
}

/* ---- SVG ---------------------------------------------------------------------------------------- */

enum { ROW_H = 30, TOP = 70, LEFT_X = 170, RIGHT_X = 650, WIDTH = 820, CHAR_W = 7, INSET = 8 };

/* Where the two lifelines stand and how wide the picture is: the default 820 px, wider where
 * a label would run off the picture (an arrow's label, centred between the lifelines; a note
 * around the left one; a peer's box; a block's label from the left edge). */
typedef struct layout {
    int left_x, right_x, width;
} layout;

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static int text_w(const char *s)
{
    return (int)strlen(s) * CHAR_W;
}

static layout layout_of(const walk *w, const char *title, const char *self, const char *other)
{
    int arrow = 0, note = 0, block = 0, depth = 0;
    for (size_t i = 0; i < w->count; i++) {
        const row *r = &w->rows[i];
        if (r->kind == ROW_ARROW)
            arrow = max_int(arrow, text_w(r->text));
        else if (r->kind == ROW_NOTE)
            note = max_int(note, text_w(r->text) + 16);
        else if (r->kind == ROW_BEGIN || r->kind == ROW_ELSE)
            /* "loop: " / "else: " and the text, from 12 px in */
            block = max_int(block, 12 + INSET * (r->kind == ROW_BEGIN ? depth : depth - 1) +
                                       text_w(r->text) + 6 * CHAR_W);
        if (r->kind == ROW_BEGIN)
            depth++;
        else if (r->kind == ROW_END && depth > 0)
            depth--;
    }
    layout l;
    l.left_x = max_int(LEFT_X, max_int(note / 2, (text_w(self) + 24) / 2) + 8);
    int right_margin = max_int(WIDTH - RIGHT_X, (text_w(other) + 24) / 2 + 8);
    /* an arrow's label is centred between the lifelines: it fits while the margins and the
     * gap leave 4 px on each side of it */
    int gap = max_int(RIGHT_X - LEFT_X, arrow + 8 - 2 * (l.left_x < right_margin ? l.left_x : right_margin));
    l.right_x = l.left_x + gap;
    l.width = max_int(WIDTH, max_int(l.right_x + right_margin,
                                     max_int(block + 12, text_w(title) * 8 / 7 + 24)));
    return l;
}

static void xml_text(rp_strbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': rp_sb_puts(b, "&amp;"); break;
        case '<': rp_sb_puts(b, "&lt;"); break;
        case '>': rp_sb_puts(b, "&gt;"); break;
        case '"': rp_sb_puts(b, "&quot;"); break;
        default: rp_sb_putc(b, *s);
        }
    }
}

static void svg_label(rp_strbuf *b, int x, int y, const char *anchor, const char *cls, const char *text)
{
    rp_sb_printf(b, "  <text x=\"%d\" y=\"%d\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor, cls);
    xml_text(b, text);
    rp_sb_puts(b, "</text>\n");
}

static void svg(rp_strbuf *b, const walk *w, const char *title, const char *self, const char *other)
{
    const layout l = layout_of(w, title, self, other);
    const int left = l.left_x, right = l.right_x, width = l.width;
    int height = TOP + (int)w->count * ROW_H + 40;
    rp_sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                    "viewBox=\"0 0 %d %d\">\n", width, height, width, height);
    rp_sb_puts(b, "  <style>text{font-family:monospace;font-size:12px}.t{font-size:14px;font-weight:bold}"
                  ".e{fill:#b00020}.n{fill:#333}.k{fill:#555;font-style:italic}</style>\n");
    rp_sb_printf(b, "  <rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
    svg_label(b, width / 2, 22, "middle", "t", title);
    /* the two peers and their lifelines */
    const int xs[2] = { left, right };
    const char *names[2] = { self, other };
    for (int p = 0; p < 2; p++) {
        int wbox = (int)strlen(names[p]) * CHAR_W + 24;
        rp_sb_printf(b, "  <rect x=\"%d\" y=\"34\" width=\"%d\" height=\"24\" rx=\"3\" fill=\"#eef\" stroke=\"#335\"/>\n",
                     xs[p] - wbox / 2, wbox);
        svg_label(b, xs[p], 50, "middle", "n", names[p]);
        rp_sb_printf(b, "  <line x1=\"%d\" y1=\"58\" x2=\"%d\" y2=\"%d\" stroke=\"#99a\" stroke-dasharray=\"4 3\"/>\n",
                     xs[p], xs[p], height - 20);
    }
    /* blocks: remember where each open block starts */
    int starts[64], depth = 0;
    for (size_t i = 0; i < w->count; i++) {
        const row *r = &w->rows[i];
        int y = TOP + (int)i * ROW_H + ROW_H / 2;
        int inset = INSET * depth;
        switch (r->kind) {
        case ROW_ARROW: {
            int x1 = r->from_self ? left : right, x2 = r->from_self ? right : left;
            int dir = x2 > x1 ? 1 : -1;
            const char *colour = r->error ? "#b00020" : "#223";
            rp_sb_printf(b, "  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n", x1, y + 6,
                         x2 - dir * 2, y + 6, colour);
            if (r->error)
                rp_sb_printf(b, "  <path d=\"M%d %d l8 8 M%d %d l8 -8\" stroke=\"%s\"/>\n", x2 - dir * 8 - 4,
                             y + 2, x2 - dir * 8 - 4, y + 10, colour);
            else
                rp_sb_printf(b, "  <polygon points=\"%d,%d %d,%d %d,%d\" fill=\"%s\"/>\n", x2, y + 6,
                             x2 - dir * 9, y + 2, x2 - dir * 9, y + 10, colour);
            svg_label(b, (left + right) / 2, y + 1, "middle", r->error ? "e" : "n", r->text);
            break;
        }
        case ROW_NOTE: {
            int wbox = (int)strlen(r->text) * CHAR_W + 16;
            rp_sb_printf(b, "  <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" fill=\"#ffc\" stroke=\"#aa8\"/>\n",
                         left - wbox / 2, y - 10, wbox);
            svg_label(b, left, y + 4, "middle", r->error ? "e" : "n", r->text);
            break;
        }
        case ROW_BEGIN: {
            if (depth < 64)
                starts[depth] = y - 12;
            depth++;
            rp_strbuf l = { 0 };
            rp_sb_printf(&l, "%s: %s", r->loop ? "loop" : "alt", r->text);
            svg_label(b, 12 + inset, y + 4, "start", r->error ? "e" : "k", l.s);
            free(l.s);
            break;
        }
        case ROW_ELSE:
            rp_sb_printf(b, "  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\" stroke-dasharray=\"6 3\"/>\n",
                         4 + INSET * (depth - 1), y - 12, width - 4 - INSET * (depth - 1), y - 12);
            {
                rp_strbuf l = { 0 };
                rp_sb_printf(&l, "else: %s", r->text);
                svg_label(b, 12 + INSET * (depth - 1), y + 4, "start", r->error ? "e" : "k", l.s);
                free(l.s);
            }
            break;
        case ROW_END:
            if (depth > 0)
                depth--;
            if (depth < 64)
                rp_sb_printf(b, "  <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
                             4 + INSET * depth, starts[depth], width - 8 - 2 * INSET * depth,
                             y - starts[depth]);
            break;
        }
    }
    rp_sb_puts(b, "</svg>\n");
}

/* ---- files -------------------------------------------------------------------------------------- */

/* "ClientSession" -> "client-session": the machine's C name (cnames.h) with '-' for '_'.
 * The checker keeps the C names of two machines apart, so no two SVGs get one file name
 * (spelling the name out letter by letter gave ABC and A_B_C both "a-b-c"). */
static char *file_stem(const char *name)
{
    char *s = rp_cname_snake(name);
    for (char *p = s; *p != '\0'; p++)
        if (*p == '_')
            *p = '-';
    return s;
}

/* The other peer of a two-peer spec. */
static const rp_ast_decl *other_peer(const rp_ast_spec *spec, const rp_ast_decl *peer)
{
    return spec->peers[0] == peer ? spec->peers[1] : spec->peers[0];
}

size_t rp_emit_diagram_files(const rp_ast_spec *spec, char ***names)
{
    size_t n = spec->machine_count > 0 ? spec->machine_count + 1 : 0;
    *names = rp_xcalloc(n + 1, sizeof **names);
    if (n == 0)
        return 0;
    rp_strbuf md = { 0 };
    rp_sb_printf(&md, "%s-session.md", spec->protocol);
    (*names)[0] = rp_sb_take(&md);
    for (size_t i = 0; i < spec->machine_count; i++) {
        char *stem = file_stem(spec->machines[i]->name);
        rp_strbuf s = { 0 };
        rp_sb_printf(&s, "%s-%s.svg", spec->protocol, stem);
        (*names)[i + 1] = rp_sb_take(&s);
        free(stem);
    }
    return n;
}

int rp_emit_diagram_write(const rp_ast_spec *spec, const char *dir, FILE *diag)
{
    /* every file complete before any replaces its old self (out_files.h) */
    rp_out_set set;
    rp_out_begin(&set, diag);
    int rc = rp_emit_diagram_stage(spec, &set, dir, diag);
    if (rc == 0)
        rc = rp_out_commit(&set);
    else
        rp_out_abort(&set);
    return rc;
}

int rp_emit_diagram_stage(const rp_ast_spec *spec, struct rp_out_set *set, const char *dir,
                          FILE *diag)
{
    char **names = NULL;
    size_t n = rp_emit_diagram_files(spec, &names);
    int rc = 0;
    if (n == 0) {
        if (diag != NULL)
            fprintf(diag, "rprotoc: error: %s declares no machine: there is no session to draw\n",
                    spec->protocol);
        free(names);
        return -1;
    }
    rp_strbuf md = { 0 };
    /* the spec by its file name only, as --emit docs names it: the page is the same bytes
     * wherever the spec lies */
    rp_sb_printf(&md, "# The %s session\n\n"
                      "<!-- Generated by rprotoc %s from %s with `rprotoc --emit diagram`; do not edit. -->\n\n"
                      "Each diagram walks one peer's machine from its initial state: arrows are the\n"
                      "messages (with the envelopes they may travel in and the actions they take),\n"
                      "crossed arrows error transitions, notes the states and timers; a state is\n"
                      "expanded where the walk first reaches it.\n",
                 spec->protocol, RPROTOC_VERSION, spec->main != NULL ? rp_emit_basename(spec->main->path) : "?");
    for (size_t i = 0; i < spec->machine_count && rc == 0; i++) {
        const rp_ast_decl *d = spec->machines[i];
        const rp_ast_decl *self = d->u.machine.peer, *other = other_peer(spec, self);
        walk w = { d, NULL, 0, 0, rp_xcalloc(d->u.machine.state_count, sizeof(bool)) };
        walk_state(&w, d->u.machine.initial);
        rp_sb_printf(&md, "\n## %s (%s)\n\n", d->name, self->name);
        if (d->doc != NULL)
            rp_sb_printf(&md, "%s\n\n", d->doc);
        mermaid(&md, &w, self->name, other != NULL ? other->name : "?");
        rp_sb_printf(&md, "\n![%s](%s)\n", d->name, names[i + 1]);
        rp_strbuf image = { 0 };
        rp_strbuf title = { 0 };
        rp_sb_printf(&title, "%s: %s (%s)", spec->protocol, d->name, self->name);
        svg(&image, &w, title.s, self->name, other != NULL ? other->name : "?");
        rc = rp_out_write(set, dir, names[i + 1], image.s, image.len);
        free(title.s);
        free(image.s);
        walk_free(&w);
    }
    if (rc == 0)
        rc = rp_out_write(set, dir, names[0], md.s, md.len);
    free(md.s);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
