/* diag.c — see diag.h. */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fe_util.h"

typedef struct diag_source {
    const char *path;
    const char *text;
    size_t len;
    /* the line the last excerpt quoted, [line_start, line_end) without its '\n': reports
     * on one line of a megabyte scan it once, not once each */
    size_t line_start, line_end;
    bool has_line;
} diag_source;

struct rp_diag {
    rp_strbuf out;           /* everything rendered so far */
    size_t errors;           /* errors reported, dropped ones included */
    bool dropping;           /* the last error was dropped: drop its notes too */
    bool said_too_many;      /* the "too many errors" line was written */
    diag_source *sources;
    size_t source_count, source_cap;
};

rp_diag *rp_diag_new(void)
{
    return rp_xcalloc(1, sizeof(rp_diag));
}

void rp_diag_free(rp_diag *d)
{
    if (d == NULL)
        return;
    free(d->out.s);
    free(d->sources);
    free(d);
}

void rp_diag_add_source(rp_diag *d, const char *path, const char *text, size_t len)
{
    diag_source *s = rp_xpush(&d->sources, &d->source_count, &d->source_cap, sizeof *s);
    s->path = path;
    s->text = text;
    s->len = len;
}

void rp_diag_drop_sources(rp_diag *d)
{
    d->source_count = 0;
}

static diag_source *find_source(const rp_diag *d, const char *path)
{
    /* Newest first: a path registered twice (re-read file) quotes the latest text. */
    for (size_t i = d->source_count; i-- > 0;)
        if (d->sources[i].path == path)
            return &d->sources[i];
    for (size_t i = d->source_count; i-- > 0;)
        if (strcmp(d->sources[i].path, path) == 0)
            return &d->sources[i];
    return NULL;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t need;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) { need = 2; cp = c & 0x1fu; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 3; cp = c & 0x0fu; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 4; cp = c & 0x07u; min = 0x10000; }
    else return 0;
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

/* Of a source line longer than this many bytes only a window this wide around the caret
 * is quoted, "..." marking each side cut off: a one-line spec of a megabyte must not print
 * a megabyte per diagnostic. */
#define EXCERPT_WINDOW 200

/* Moves p forward past UTF-8 continuation bytes (at most 3, not beyond limit), so that a
 * window edge does not cut a character in two. */
static size_t char_start(const unsigned char *text, size_t p, size_t limit)
{
    for (int k = 0; k < 3 && p < limit && (text[p] & 0xc0) == 0x80; k++)
        p++;
    return p;
}

/* True for a valid UTF-8 sequence that a terminal would not just print: the C1 controls
 * (U+0080..U+009F, some terminals read U+009B as an escape sequence) and the bidirectional
 * formatting characters, which reorder what follows them on the screen and so move the
 * caret away from the text it points at. */
static bool hidden_char(const unsigned char *p, size_t n)
{
    if (n == 2)
        return p[0] == 0xc2 && p[1] < 0xa0;
    if (n != 3)
        return false;
    unsigned cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* The code point of the valid n-byte UTF-8 sequence at p. */
static unsigned code_point(const unsigned char *p, size_t n)
{
    if (n == 1)
        return p[0];
    unsigned cp = p[0] & (n == 2 ? 0x1fu : n == 3 ? 0x0fu : 0x07u);
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3fu);
    return cp;
}

/* Columns a terminal gives code point cp: 0 for combining marks and zero-width characters,
 * 2 for East Asian wide and fullwidth characters and emoji, 1 otherwise. A fixed table (the
 * main blocks, as wcwidth has them), not the locale's, so output stays deterministic. */
static int columns_of(unsigned cp)
{
    static const unsigned zero[][2] = {
        { 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a },
        { 0x064b, 0x065f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200d },
        { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xe0100, 0xe01ef },
    };
    static const unsigned wide[][2] = {
        { 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
        { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
        { 0xfe30, 0xfe4f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
        { 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
    };
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

/* Appends the source line of span and a caret line under it. */
static void render_excerpt(rp_strbuf *b, diag_source *src, const rp_ast_span *span)
{
    const unsigned char *text = (const unsigned char *)src->text;
    size_t off = span->offset <= src->len ? span->offset : src->len;
    if (!src->has_line || off < src->line_start || off > src->line_end) {
        size_t start = off;
        while (start > 0 && text[start - 1] != '\n')
            start--;
        const unsigned char *nl = memchr(text + off, '\n', src->len - off);
        src->line_start = start;
        src->line_end = nl != NULL ? (size_t)(nl - text) : src->len;
        src->has_line = true;
    }
    size_t start = src->line_start, end = src->line_end;
    if (end > start && end > off && text[end - 1] == '\r')
        end--; /* CRLF files: the CR is part of the line break, not of the line */
    /* The quoted part [from, to): the whole line, or a window with the caret 100 bytes in
     * (or as far in as the line's end leaves it). */
    size_t from = start, to = end;
    if (end - start > EXCERPT_WINDOW) {
        from = off - start > EXCERPT_WINDOW / 2 ? off - EXCERPT_WINDOW / 2 : start;
        if (end - from < EXCERPT_WINDOW)
            from = end - EXCERPT_WINDOW;
        to = from + EXCERPT_WINDOW;
        from = char_start(text, from, off);
        to = char_start(text, to, end);
    }
    /* Caret covers [off, caret_end) clipped to what is quoted; at least one column. */
    size_t caret_end = span->end_offset;
    if (caret_end > to)
        caret_end = to;
    if (caret_end <= off)
        caret_end = off + 1;
    rp_strbuf line = { 0 }, marks = { 0 };
    if (from > start) {
        rp_sb_puts(&line, "...");
        rp_sb_puts(&marks, "   ");
    }
    for (size_t i = from; i < to;) {
        bool in_span = i >= off && i < caret_end;
        const char *mark = i == off ? "^" : "~";
        size_t n = utf8_len(text + i, to - i);
        if (text[i] == '\t') {
            /* keep tabs in both lines so the caret stays aligned whatever the tab width */
            rp_sb_putc(&line, '\t');
            rp_sb_puts(&marks, in_span ? mark : "\t");
            n = 1;
        } else if (n == 0 || (n == 1 && (text[i] < 0x20 || text[i] == 0x7f)) || hidden_char(text + i, n)) {
            for (size_t j = 0; j < (n == 0 ? 1 : n); j++) {
                char hex[8];
                snprintf(hex, sizeof hex, "<%02x>", (unsigned)text[i + j]);
                rp_sb_puts(&line, hex);
                for (int k = 0; k < 4; k++)
                    rp_sb_puts(&marks, in_span ? (k == 0 && j == 0 ? mark : "~") : " ");
            }
            n = n == 0 ? 1 : n;
        } else {
            /* as many caret columns as the terminal gives the character (the span's first
             * character gets its '^' whatever its width) */
            int cols = n == 1 ? 1 : columns_of(code_point(text + i, n));
            rp_sb_append(&line, (const char *)text + i, n);
            for (int k = 0; k < (cols == 0 && i == off ? 1 : cols); k++)
                rp_sb_puts(&marks, in_span ? (k == 0 ? mark : "~") : " ");
        }
        i += n;
    }
    if (to < end)
        rp_sb_puts(&line, "...");
    if (off >= to) /* span at the end of the line or file: caret just after the text */
        rp_sb_puts(&marks, "^");
    while (marks.len > 0 && (marks.s[marks.len - 1] == ' ' || marks.s[marks.len - 1] == '\t'))
        marks.s[--marks.len] = '\0';
    rp_sb_puts(b, line.s != NULL ? line.s : "");
    rp_sb_putc(b, '\n');
    rp_sb_puts(b, marks.s != NULL ? marks.s : "");
    rp_sb_putc(b, '\n');
    free(line.s);
    free(marks.s);
}

/* rp_diag_put_printable, and with `quoted` the inside of a spec string: '\\' and '"' escaped,
 * newline, carriage return and tab as \n \r \t (the escapes the spec would use for them). */
static void put_printable(rp_strbuf *b, const char *s, size_t n, bool quoted)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(p + i, n - i);
        if (len == 0) {
            rp_sb_printf(b, "\\x%02x", (unsigned)p[i]);
            len = 1;
        } else if (quoted && (p[i] == '\\' || p[i] == '"')) {
            rp_sb_putc(b, '\\');
            rp_sb_putc(b, (char)p[i]);
        } else if (quoted && (p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) {
            rp_sb_puts(b, p[i] == '\n' ? "\\n" : p[i] == '\r' ? "\\r" : "\\t");
        } else if ((len == 1 && (p[i] < 0x20 || p[i] == 0x7f)) || hidden_char(p + i, len)) {
            unsigned cp = len == 1 ? p[i]
                        : len == 2 ? ((p[i] & 0x1fu) << 6) | (p[i + 1] & 0x3fu)
                                   : ((p[i] & 0x0fu) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
            rp_sb_printf(b, "\\u%04x", cp);
        } else {
            rp_sb_append(b, s + i, len);
        }
        i += len;
    }
}

void rp_diag_put_printable(rp_strbuf *b, const char *s, size_t n)
{
    put_printable(b, s, n, false);
}

void rp_diag_put_quoted(rp_strbuf *b, const char *s, size_t n)
{
    rp_sb_putc(b, '"');
    put_printable(b, s, n, true);
    rp_sb_putc(b, '"');
}

static void report(rp_diag *d, const char *level, const rp_ast_span *span, const char *fmt,
                   va_list ap)
{
    if (span != NULL && span->file != NULL) {
        rp_diag_put_printable(&d->out, span->file, strlen(span->file));
        rp_sb_printf(&d->out, ":%u:%u: %s: ", (unsigned)span->line, (unsigned)span->col, level);
    } else
        rp_sb_printf(&d->out, "rprotoc: %s: ", level);
    /* the message quotes spec values (a decoded "\u001b[31m" key) and file names: rendered
     * printable, so that none of them reaches the terminal as a control sequence */
    rp_strbuf msg = { 0 };
    rp_sb_vprintf(&msg, fmt, ap);
    rp_diag_put_printable(&d->out, msg.s != NULL ? msg.s : "", msg.len);
    free(msg.s);
    rp_sb_putc(&d->out, '\n');
    if (span != NULL && span->file != NULL) {
        diag_source *src = find_source(d, span->file);
        if (src != NULL)
            render_excerpt(&d->out, src, span);
    }
}

void rp_diag_error(rp_diag *d, const rp_ast_span *span, const char *fmt, ...)
{
    d->errors++;
    if (d->errors > RP_DIAG_MAX_ERRORS) {
        d->dropping = true;
        if (!d->said_too_many) {
            d->said_too_many = true;
            rp_sb_printf(&d->out, "rprotoc: fatal error: too many errors (%d), stopping\n",
                         RP_DIAG_MAX_ERRORS);
        }
        return;
    }
    d->dropping = false;
    va_list ap;
    va_start(ap, fmt);
    report(d, "error", span, fmt, ap);
    va_end(ap);
}

void rp_diag_warning(rp_diag *d, const rp_ast_span *span, const char *fmt, ...)
{
    if (d->said_too_many) {
        d->dropping = true;
        return;
    }
    d->dropping = false;
    va_list ap;
    va_start(ap, fmt);
    report(d, "warning", span, fmt, ap);
    va_end(ap);
}

void rp_diag_note(rp_diag *d, const rp_ast_span *span, const char *fmt, ...)
{
    if (d->dropping)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "note", span, fmt, ap);
    va_end(ap);
}

bool rp_diag_stopped(const rp_diag *d)
{
    return d->errors >= RP_DIAG_MAX_ERRORS;
}

size_t rp_diag_error_count(const rp_diag *d)
{
    return d->errors;
}

const char *rp_diag_text(const rp_diag *d)
{
    return d->out.s != NULL ? d->out.s : "";
}

void rp_diag_print(const rp_diag *d, FILE *f)
{
    if (d->out.len > 0)
        fwrite(d->out.s, 1, d->out.len, f);
}

bool rp_diag_flush_stdout(void)
{
    bool flushed = fflush(stdout) == 0;
    int e = errno;
    if (flushed && !ferror(stdout))
        return true;
    /* a write that failed before this flush left its errno long ago: say EIO then */
    fprintf(stderr, "rprotoc: error: writing standard output: %s\n", strerror(flushed ? EIO : e));
    return false;
}

int rp_diag_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: error: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", command);
    va_end(ap);
    return 2;
}
