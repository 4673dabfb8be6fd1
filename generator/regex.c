/* regex.c — see regex.h. Three steps, each bounded:
 *   parse     pattern text -> a small syntax tree over byte sets (UTF-8 characters become
 *             sequences of byte sets), refusing everything outside the subset, and the
 *             portable spelling of the same pattern for JSON Schema;
 *   Thompson  syntax tree -> NFA over bytes (counted repetition is unrolled, so the NFA
 *             size is bounded by RP_REGEX_MAX_NFA);
 *   subsets   NFA -> DFA over byte equivalence classes (bounded by RP_REGEX_MAX_DFA states
 *             and RP_REGEX_MAX_TABLE entries).
 * The result runs in one table lookup per input byte: no backtracking, ever.
 */
#include "regex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_util.h"

/* ---- byte sets -------------------------------------------------------------------------- */

typedef struct bset {
    uint8_t b[32];
} bset;

static void bs_add(bset *s, unsigned c)
{
    s->b[c >> 3] = (uint8_t)(s->b[c >> 3] | (1u << (c & 7u)));
}

static void bs_range(bset *s, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++)
        bs_add(s, c);
}

static bool bs_has(const bset *s, unsigned c)
{
    return (s->b[c >> 3] >> (c & 7u)) & 1u;
}

/* ---- syntax tree ------------------------------------------------------------------------- */

typedef enum nkind { N_SET, N_SEQ, N_ALT, N_REP } nkind;

#define REP_INF 0xffffffffu

typedef struct node {
    nkind kind;
    bset set;                 /* N_SET: one byte of this set */
    struct node **kids;       /* N_SEQ, N_ALT: children; N_REP: kids[0] */
    size_t nkids, cap;
    unsigned min, max;        /* N_REP; max REP_INF for no bound */
} node;

typedef struct parser {
    const unsigned char *p;
    size_t n, i;
    rp_regex_error *err;
    bool failed;
    node **all;               /* every node, for freeing */
    size_t nall, capall;
    rp_strbuf out;            /* the portable spelling */
    unsigned depth;
} parser;

static node *new_node(parser *ps, nkind k)
{
    node *x = rp_xcalloc(1, sizeof *x);
    x->kind = k;
    node **slot = rp_xpush(&ps->all, &ps->nall, &ps->capall, sizeof *slot);
    *slot = x;
    return x;
}

static void add_kid(node *x, node *k)
{
    node **slot = rp_xpush(&x->kids, &x->nkids, &x->cap, sizeof *slot);
    *slot = k;
}

static node *set_node(parser *ps, const bset *s)
{
    node *x = new_node(ps, N_SET);
    x->set = *s;
    return x;
}

static node *byte_node(parser *ps, unsigned lo, unsigned hi)
{
    bset s = { { 0 } };
    bs_range(&s, lo, hi);
    return set_node(ps, &s);
}

/* A sequence of byte ranges: pairs lo, hi. */
static node *bytes_seq(parser *ps, const unsigned *ranges, size_t pairs)
{
    node *q = new_node(ps, N_SEQ);
    for (size_t k = 0; k < pairs; k++)
        add_kid(q, byte_node(ps, ranges[2 * k], ranges[2 * k + 1]));
    return q;
}

/* Every non-ASCII character (the input is valid UTF-8, so lead bytes fix the length);
 * except_line_seps leaves out U+2028 and U+2029 (E2 80 A8 / E2 80 A9). */
static void add_non_ascii(parser *ps, node *alt, bool except_line_seps)
{
    static const unsigned two[] = { 0xc2, 0xdf, 0x80, 0xbf };
    static const unsigned four[] = { 0xf0, 0xf4, 0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf };
    add_kid(alt, bytes_seq(ps, two, 2));
    if (!except_line_seps) {
        static const unsigned three[] = { 0xe0, 0xef, 0x80, 0xbf, 0x80, 0xbf };
        add_kid(alt, bytes_seq(ps, three, 3));
    } else {
        static const unsigned lo3[] = { 0xe0, 0xe1, 0x80, 0xbf, 0x80, 0xbf };
        static const unsigned hi3[] = { 0xe3, 0xef, 0x80, 0xbf, 0x80, 0xbf };
        static const unsigned e2a[] = { 0xe2, 0xe2, 0x81, 0xbf, 0x80, 0xbf };
        static const unsigned e2b[] = { 0xe2, 0xe2, 0x80, 0x80, 0x80, 0xa7 };
        static const unsigned e2c[] = { 0xe2, 0xe2, 0x80, 0x80, 0xaa, 0xbf };
        add_kid(alt, bytes_seq(ps, lo3, 3));
        add_kid(alt, bytes_seq(ps, hi3, 3));
        add_kid(alt, bytes_seq(ps, e2a, 3));
        add_kid(alt, bytes_seq(ps, e2b, 3));
        add_kid(alt, bytes_seq(ps, e2c, 3));
    }
    add_kid(alt, bytes_seq(ps, four, 4));
}

/* An ASCII set as one character: negated sets also take every non-ASCII character. */
static node *class_node(parser *ps, const bset *ascii, bool negate)
{
    bset s = { { 0 } };
    for (unsigned c = 0; c < 128; c++)
        if (bs_has(ascii, c) != negate)
            bs_add(&s, c);
    if (!negate)
        return set_node(ps, &s);
    node *alt = new_node(ps, N_ALT);
    add_kid(alt, set_node(ps, &s));
    add_non_ascii(ps, alt, false);
    return alt;
}

static void fail(parser *ps, size_t at, size_t len, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    ps->err->index = at;
    ps->err->len = len == 0 ? 1 : len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
    va_end(ap);
}

static bool at_end(const parser *ps)
{
    return ps->i >= ps->n;
}

static unsigned peek(const parser *ps)
{
    return at_end(ps) ? 0u : ps->p[ps->i];
}

/* Length of the UTF-8 character at i (the lexer already checked the text). */
static size_t char_len(const parser *ps, size_t i)
{
    unsigned c = ps->p[i];
    size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    return i + n <= ps->n ? n : ps->n - i;
}

static int hexval(unsigned c)
{
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

/* Reads k hex digits at i; -1 when they are not there. */
static long hex_digits(const parser *ps, size_t i, size_t k)
{
    long v = 0;
    for (size_t j = 0; j < k; j++) {
        if (i + j >= ps->n)
            return -1;
        int h = hexval(ps->p[i + j]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Appends an ASCII set to the portable text as class members (ranges, escaped). */
static void put_members(rp_strbuf *b, const bset *s)
{
    for (unsigned c = 0; c < 128; c++) {
        if (!bs_has(s, c))
            continue;
        unsigned e = c;
        while (e + 1 < 128 && bs_has(s, e + 1))
            e++;
        for (int end = 0; end < 2; end++) {
            unsigned x = end ? e : c;
            if (end && e == c)
                break;
            if (end)
                rp_sb_putc(b, '-');
            if ((x >= '0' && x <= '9') || (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z'))
                rp_sb_putc(b, (char)x);
            else
                rp_sb_printf(b, "\\x%02X", x);
        }
        c = e;
    }
}

static void put_class(rp_strbuf *b, const bset *s, bool negate)
{
    rp_sb_puts(b, negate ? "[^" : "[");
    put_members(b, s);
    rp_sb_putc(b, ']');
}

/* The ASCII sets of \d \w \s. */
static bool shorthand(unsigned c, bset *s)
{
    memset(s, 0, sizeof *s);
    switch (c) {
    case 'd': case 'D': bs_range(s, '0', '9'); return true;
    case 'w': case 'W':
        bs_range(s, '0', '9'); bs_range(s, 'A', 'Z'); bs_range(s, 'a', 'z'); bs_add(s, '_');
        return true;
    case 's': case 'S':
        bs_add(s, ' '); bs_range(s, '\t', '\r'); /* \t \n \v \f \r */
        return true;
    default: return false;
    }
}

static bool is_syntax_char(unsigned c)
{
    return c != 0 && strchr("\\.*+?()[]{}|^$/-", (int)c) != NULL;
}

/* An escape after '\' at i (ps->i is past the backslash). in_class: inside [ ]. Sets *s
 * to the ASCII member(s) for class use; returns the node for use outside a class, or NULL
 * (in a class, or on failure). *code_point gets a \u value >= 0x80 (outside classes). */
static bool read_escape(parser *ps, size_t at, bool in_class, bset *s, bool *negated, long *cp)
{
    *negated = false;
    *cp = -1;
    memset(s, 0, sizeof *s);
    if (at_end(ps)) {
        fail(ps, at, 1, "'\\' at the end of the pattern escapes nothing");
        return false;
    }
    unsigned c = ps->p[ps->i++];
    switch (c) {
    case 'd': case 'w': case 's':
        shorthand(c, s);
        return true;
    case 'D': case 'W': case 'S':
        if (in_class) {
            fail(ps, at, 2, "'\\%c' inside a class is not supported; write the class out", c);
            return false;
        }
        shorthand(c, s);
        *negated = true;
        return true;
    case 't': bs_add(s, '\t'); return true;
    case 'n': bs_add(s, '\n'); return true;
    case 'r': bs_add(s, '\r'); return true;
    case 'f': bs_add(s, '\f'); return true;
    case 'v': bs_add(s, '\v'); return true;
    case 'x': {
        long v = hex_digits(ps, ps->i, 2);
        if (v < 0) {
            fail(ps, at, 2, "'\\x' needs two hex digits");
            return false;
        }
        if (v >= 0x80) {
            fail(ps, at, 4, "'\\x%02lX' is not ASCII; write the character itself or \\u%04lX", v, v);
            return false;
        }
        ps->i += 2;
        bs_add(s, (unsigned)v);
        return true;
    }
    case 'u': {
        long v = hex_digits(ps, ps->i, 4);
        if (v < 0) {
            fail(ps, at, 2, "'\\u' needs four hex digits");
            return false;
        }
        ps->i += 4;
        if (v >= 0xd800 && v <= 0xdfff) {
            fail(ps, at, 6, "'\\u%04lX' is a surrogate, not a character", v);
            return false;
        }
        if (v >= 0x80) {
            if (in_class) {
                fail(ps, at, 6, "only ASCII characters can be members of a class [...]");
                return false;
            }
            *cp = v;
            return true;
        }
        bs_add(s, (unsigned)v);
        return true;
    }
    case 'b': case 'B':
        fail(ps, at, 2, "'\\%c' (word boundary) is not supported", c);
        return false;
    case 'p': case 'P':
        fail(ps, at, 2, "'\\%c' (Unicode property class) is not supported", c);
        return false;
    case 'c':
        fail(ps, at, 2, "'\\c' (control character) is not supported; use \\xHH");
        return false;
    case 'k':
        fail(ps, at, 2, "named back-references are not supported (they cannot run in linear time)");
        return false;
    default:
        if (c >= '1' && c <= '9') {
            fail(ps, at, 2, "back-references are not supported (they cannot run in linear time)");
            return false;
        }
        if (c == '0') {
            fail(ps, at, 2, "'\\0' is not supported; the text cannot hold NUL in a pattern match");
            return false;
        }
        if (is_syntax_char(c)) {
            bs_add(s, c);
            return true;
        }
        if (c >= 0x80)
            fail(ps, at, 1 + char_len(ps, ps->i - 1), "unknown escape; a non-ASCII character needs no '\\'");
        else
            fail(ps, at, 2, "unknown escape '\\%c'", c);
        return false;
    }
}

/* A UTF-8 character given as a code point -> a sequence of single bytes. */
static node *code_point_node(parser *ps, long cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | (cp >> 6)); u[1] = (unsigned char)(0x80 | (cp & 0x3f)); n = 2;
    } else {
        u[0] = (unsigned char)(0xe0 | (cp >> 12)); u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f)); n = 3;
    }
    node *q = new_node(ps, N_SEQ);
    for (size_t k = 0; k < n; k++)
        add_kid(q, byte_node(ps, u[k], u[k]));
    return q;
}

/* [ ... ] with ps->i just past '['. */
static node *parse_class(parser *ps, size_t open)
{
    bool negate = false;
    bset s = { { 0 } };
    if (peek(ps) == '^') {
        negate = true;
        ps->i++;
    }
    bool first = true;
    for (;;) {
        if (at_end(ps)) {
            fail(ps, open, 1, "'[' is never closed");
            return NULL;
        }
        size_t at = ps->i;
        unsigned c = ps->p[ps->i];
        if (c == ']' && !first)
            break;
        if (c == ']') {
            fail(ps, at, 1, "an empty class '[]' matches nothing; escape a literal ']' as \\]");
            return NULL;
        }
        first = false;
        bset m = { { 0 } };
        unsigned lo;
        bool single;
        if (c == '\\') {
            ps->i++;
            bool neg;
            long cp;
            if (!read_escape(ps, at, true, &m, &neg, &cp))
                return NULL;
            single = 0;
            lo = 0;
            for (unsigned k = 0, cnt = 0; k < 128; k++)
                if (bs_has(&m, k)) {
                    lo = k;
                    cnt++;
                    single = cnt == 1;
                }
        } else if (c >= 0x80) {
            fail(ps, at, char_len(ps, at), "only ASCII characters can be members of a class [...]");
            return NULL;
        } else if (c == '[') {
            fail(ps, at, 1, "'[' inside a class must be escaped as \\[ (nested classes are not supported)");
            return NULL;
        } else {
            ps->i++;
            bs_add(&m, c);
            lo = c;
            single = true;
        }
        /* a range lo-hi: '-' between two single characters */
        if (single && peek(ps) == '-' && ps->i + 1 < ps->n && ps->p[ps->i + 1] != ']') {
            size_t dash = ps->i;
            ps->i++;
            size_t hat = ps->i;
            unsigned hc = ps->p[ps->i];
            bset hm = { { 0 } };
            unsigned hi = 0;
            bool hsingle = false;
            if (hc == '\\') {
                ps->i++;
                bool neg;
                long cp;
                if (!read_escape(ps, hat, true, &hm, &neg, &cp))
                    return NULL;
                for (unsigned k = 0, cnt = 0; k < 128; k++)
                    if (bs_has(&hm, k)) {
                        hi = k;
                        cnt++;
                        hsingle = cnt == 1;
                    }
            } else if (hc >= 0x80) {
                fail(ps, hat, char_len(ps, hat), "only ASCII characters can be members of a class [...]");
                return NULL;
            } else {
                ps->i++;
                hi = hc;
                hsingle = true;
            }
            if (!hsingle) {
                fail(ps, dash, ps->i - dash, "a range needs a single character on each side of '-'");
                return NULL;
            }
            if (lo > hi) {
                fail(ps, at, ps->i - at, "'%c-%c' is not a range ('%c' comes after '%c')", lo, hi, lo, hi);
                return NULL;
            }
            bs_range(&s, lo, hi);
            continue;
        }
        for (unsigned k = 0; k < 128; k++)
            if (bs_has(&m, k))
                bs_add(&s, k);
    }
    ps->i++; /* ']' */
    put_class(&ps->out, &s, negate);
    return class_node(ps, &s, negate);
}

static node *parse_alt(parser *ps);

/* One atom; NULL at the end of a concatenation (')' '|' end) or on failure. */
static node *parse_atom(parser *ps, bool *ended)
{
    *ended = false;
    if (at_end(ps)) {
        *ended = true;
        return NULL;
    }
    size_t at = ps->i;
    unsigned c = ps->p[ps->i];
    switch (c) {
    case '|':
    case ')':
        *ended = true;
        return NULL;
    case '(': {
        ps->i++;
        if (peek(ps) == '?') {
            unsigned k = ps->i + 1 < ps->n ? ps->p[ps->i + 1] : 0;
            if (k == ':') {
                ps->i += 2;
            } else if (k == '=' || k == '!') {
                fail(ps, at, 3, "lookahead is not supported");
                return NULL;
            } else if (k == '<' && ps->i + 2 < ps->n && (ps->p[ps->i + 2] == '=' || ps->p[ps->i + 2] == '!')) {
                fail(ps, at, 4, "lookbehind is not supported");
                return NULL;
            } else if (k == '<' || k == 'P') {
                fail(ps, at, 3, "named groups are not supported; write (?:...) (nothing is captured anyway)");
                return NULL;
            } else {
                fail(ps, at, 2, "'(?' must start a group (?:...); flags and other extensions are not supported");
                return NULL;
            }
        }
        if (++ps->depth > 100) {
            fail(ps, at, 1, "groups are nested more than 100 deep");
            return NULL;
        }
        rp_sb_puts(&ps->out, "(?:");
        node *inner = parse_alt(ps);
        ps->depth--;
        if (inner == NULL)
            return NULL;
        if (peek(ps) != ')') {
            fail(ps, at, 1, "'(' is never closed");
            return NULL;
        }
        ps->i++;
        rp_sb_putc(&ps->out, ')');
        return inner;
    }
    case '[':
        ps->i++;
        return parse_class(ps, at);
    case '.': {
        ps->i++;
        rp_sb_puts(&ps->out, "[^\\n\\r\\u2028\\u2029]");
        bset s = { { 0 } };
        bs_add(&s, '\n');
        bs_add(&s, '\r');
        bset ascii = { { 0 } };
        for (unsigned k = 0; k < 128; k++)
            if (!bs_has(&s, k))
                bs_add(&ascii, k);
        node *alt = new_node(ps, N_ALT);
        add_kid(alt, set_node(ps, &ascii));
        add_non_ascii(ps, alt, true);
        return alt;
    }
    case '^':
        fail(ps, at, 1, "'^' is only allowed at the start (the pattern matches the whole string); "
                        "escape a literal one as \\^");
        return NULL;
    case '$':
        fail(ps, at, 1, "'$' is only allowed at the end (the pattern matches the whole string); "
                        "escape a literal one as \\$");
        return NULL;
    case '*': case '+': case '?':
        fail(ps, at, 1, "'%c' has nothing to repeat", c);
        return NULL;
    case '{':
        fail(ps, at, 1, "'{' must follow something to repeat, as {n}, {n,} or {n,m}; escape a literal one as \\{");
        return NULL;
    case '}':
        fail(ps, at, 1, "a literal '}' must be escaped as \\}");
        return NULL;
    case ']':
        fail(ps, at, 1, "a literal ']' must be escaped as \\]");
        return NULL;
    case '\\': {
        ps->i++;
        bset s;
        bool neg;
        long cp;
        if (!read_escape(ps, at, false, &s, &neg, &cp))
            return NULL;
        if (cp >= 0) {
            rp_sb_printf(&ps->out, "\\u%04lX", cp);
            return code_point_node(ps, cp);
        }
        unsigned e = ps->p[at + 1];
        if (e == 'd' || e == 'w' || e == 's' || e == 'D' || e == 'W' || e == 'S')
            put_class(&ps->out, &s, neg);
        else if (e == '-')
            rp_sb_putc(&ps->out, '-'); /* ECMA-262's u mode refuses "\-" outside a class */
        else
            rp_sb_append(&ps->out, (const char *)ps->p + at, ps->i - at);
        return class_node(ps, &s, neg);
    }
    default: {
        size_t n = char_len(ps, at);
        ps->i += n;
        rp_sb_append(&ps->out, (const char *)ps->p + at, n);
        node *q = new_node(ps, N_SEQ);
        for (size_t k = 0; k < n; k++)
            add_kid(q, byte_node(ps, ps->p[at + k], ps->p[at + k]));
        return q;
    }
    }
}

/* Reads a decimal number for {n,m}; false when none is there. */
static bool read_count(parser *ps, unsigned *v)
{
    size_t start = ps->i;
    unsigned long x = 0;
    while (!at_end(ps) && ps->p[ps->i] >= '0' && ps->p[ps->i] <= '9') {
        if (x <= 100000)
            x = x * 10 + (ps->p[ps->i] - '0');
        ps->i++;
    }
    *v = x > 0xffffffu ? 0xffffffu : (unsigned)x;
    return ps->i > start;
}

/* An atom and its quantifier, if any. */
static node *parse_repeat(parser *ps, bool *ended)
{
    node *a = parse_atom(ps, ended);
    if (a == NULL)
        return NULL;
    size_t at = ps->i;
    unsigned c = peek(ps);
    unsigned min, max;
    if (c == '*' || c == '+' || c == '?') {
        ps->i++;
        min = c == '+' ? 1 : 0;
        max = c == '?' ? 1 : REP_INF;
        rp_sb_putc(&ps->out, (char)c);
    } else if (c == '{') {
        ps->i++;
        if (!read_count(ps, &min)) {
            fail(ps, at, 1, "'{' must be a count {n}, {n,} or {n,m}; escape a literal one as \\{");
            return NULL;
        }
        max = min;
        if (peek(ps) == ',') {
            ps->i++;
            if (!read_count(ps, &max))
                max = REP_INF;
        }
        if (peek(ps) != '}') {
            fail(ps, at, ps->i - at, "'{' must be a count {n}, {n,} or {n,m}; escape a literal one as \\{");
            return NULL;
        }
        ps->i++;
        if (min > RP_REGEX_MAX_REPEAT || (max != REP_INF && max > RP_REGEX_MAX_REPEAT)) {
            fail(ps, at, ps->i - at, "a count above %u is not supported", RP_REGEX_MAX_REPEAT);
            return NULL;
        }
        if (max != REP_INF && min > max) {
            fail(ps, at, ps->i - at, "{%u,%u} is empty: %u is greater than %u", min, max, min, max);
            return NULL;
        }
        if (max == REP_INF)
            rp_sb_printf(&ps->out, "{%u,}", min);
        else if (min == max)
            rp_sb_printf(&ps->out, "{%u}", min);
        else
            rp_sb_printf(&ps->out, "{%u,%u}", min, max);
    } else {
        return a;
    }
    unsigned n2 = peek(ps);
    if (n2 == '?') {
        fail(ps, ps->i, 1, "lazy quantifiers are not supported (the whole string is matched, so they "
                           "would change nothing): drop the '?'");
        return NULL;
    }
    if (n2 == '+') {
        fail(ps, ps->i, 1, "possessive quantifiers are not supported");
        return NULL;
    }
    if (n2 == '*' || n2 == '{') {
        fail(ps, ps->i, 1, "a quantifier cannot follow another; use a group (?:...)");
        return NULL;
    }
    node *r = new_node(ps, N_REP);
    add_kid(r, a);
    r->min = min;
    r->max = max;
    return r;
}

static node *parse_concat(parser *ps)
{
    node *q = new_node(ps, N_SEQ);
    for (;;) {
        bool ended;
        node *a = parse_repeat(ps, &ended);
        if (ps->failed)
            return NULL;
        if (ended)
            return q;
        add_kid(q, a);
    }
}

static node *parse_alt(parser *ps)
{
    node *first = parse_concat(ps);
    if (first == NULL)
        return NULL;
    if (peek(ps) != '|')
        return first;
    node *alt = new_node(ps, N_ALT);
    add_kid(alt, first);
    while (peek(ps) == '|') {
        ps->i++;
        rp_sb_putc(&ps->out, '|');
        node *k = parse_concat(ps);
        if (k == NULL)
            return NULL;
        add_kid(alt, k);
    }
    return alt;
}

/* ---- Thompson NFA --------------------------------------------------------------------------- */

/* A state either moves on a byte of `set` to out1 (has_set), or has epsilon moves to out1
 * and out2 (-1: none); the accepting state has neither. */
typedef struct nstate {
    bool has_set;
    bset set;
    int out1, out2;
} nstate;

typedef struct nfa {
    nstate *s;
    size_t n, cap;
    bool too_big;
} nfa;

static int nfa_new(nfa *a)
{
    if (a->n >= RP_REGEX_MAX_NFA) {
        a->too_big = true;
        return -1;
    }
    nstate *st = rp_xpush(&a->s, &a->n, &a->cap, sizeof *st);
    st->out1 = st->out2 = -1;
    return (int)(a->n - 1);
}

/* A fragment: start state and the one state whose epsilon exit is still open. */
typedef struct frag {
    int start, end;
} frag;

static frag build(nfa *a, const node *x);

static frag epsilon_frag(nfa *a)
{
    int s = nfa_new(a);
    frag f = { s, s };
    return f;
}

/* Joins f's end to state to by an epsilon move. */
static void link(nfa *a, frag f, int to)
{
    if (f.end >= 0 && to >= 0)
        a->s[f.end].out1 = to;
}

static frag build_seq(nfa *a, const node *const *kids, size_t n)
{
    if (n == 0)
        return epsilon_frag(a);
    frag f = build(a, kids[0]);
    for (size_t i = 1; i < n && !a->too_big; i++) {
        frag g = build(a, kids[i]);
        link(a, f, g.start);
        f.end = g.end;
    }
    return f;
}

static frag build(nfa *a, const node *x)
{
    frag bad = { -1, -1 };
    if (a->too_big)
        return bad;
    switch (x->kind) {
    case N_SET: {
        int s = nfa_new(a), e = nfa_new(a);
        if (s < 0 || e < 0)
            return bad;
        a->s[s].has_set = true;
        a->s[s].set = x->set;
        a->s[s].out1 = e;
        frag f = { s, e };
        return f;
    }
    case N_SEQ:
        return build_seq(a, (const node *const *)x->kids, x->nkids);
    case N_ALT: {
        /* a chain of split states, one per alternative, all ending in one state */
        int end = nfa_new(a);
        frag f = { -1, end };
        int prev_split = -1;
        for (size_t i = 0; i < x->nkids && !a->too_big; i++) {
            int split = nfa_new(a);
            frag k = build(a, x->kids[i]);
            if (split < 0 || k.start < 0)
                return bad;
            a->s[split].out1 = k.start;
            link(a, k, end);
            if (prev_split < 0)
                f.start = split;
            else
                a->s[prev_split].out2 = split;
            prev_split = split;
        }
        return a->too_big ? bad : f;
    }
    case N_REP: {
        const node *k = x->kids[0];
        frag f = epsilon_frag(a);
        for (unsigned i = 0; i < x->min && !a->too_big; i++) {
            frag g = build(a, k);
            link(a, f, g.start);
            f.end = g.end;
        }
        if (x->max == REP_INF) {
            /* loop: split -> k -> back to split; split -> out */
            int split = nfa_new(a), out = nfa_new(a);
            frag g = build(a, k);
            if (split < 0 || out < 0 || g.start < 0)
                return bad;
            link(a, f, split);
            a->s[split].out1 = g.start;
            a->s[split].out2 = out;
            link(a, g, split);
            f.end = out;
        } else {
            /* (k (k ...)?)? as a chain of optional copies ending in one state */
            unsigned opt = x->max - x->min;
            if (opt > 0) {
                int out = nfa_new(a);
                for (unsigned i = 0; i < opt && !a->too_big; i++) {
                    int split = nfa_new(a);
                    frag g = build(a, k);
                    if (split < 0 || g.start < 0 || out < 0)
                        return bad;
                    link(a, f, split);
                    a->s[split].out1 = g.start;
                    a->s[split].out2 = out;
                    f.end = g.end;
                }
                link(a, f, out);
                f.end = out;
            }
        }
        return a->too_big ? bad : f;
    }
    }
    return bad;
}

/* ---- subset construction ------------------------------------------------------------------ */

typedef struct dstate {
    int *set;      /* sorted NFA states */
    size_t n;
} dstate;

typedef struct dfa_builder {
    const nfa *a;
    int accept_state;
    dstate *d;
    size_t nd, capd;
    size_t *slots;          /* hash table of DFA state indices + 1; 0 empty */
    size_t nslots;
    int *stack;
    unsigned char *mark;
} dfa_builder;

static size_t set_hash(const int *s, size_t n)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint64_t)(unsigned)s[i]) * 1099511628211u;
    return (size_t)(h ^ (h >> 29));
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return a < b ? -1 : a > b;
}

/* Epsilon closure of the states in s[0..n) (overwrites s; returns the new count). s has
 * room for every NFA state. */
static size_t closure(dfa_builder *b, int *s, size_t n)
{
    size_t top = 0, out = 0;
    memset(b->mark, 0, b->a->n);
    for (size_t i = 0; i < n; i++)
        if (!b->mark[s[i]]) {
            b->mark[s[i]] = 1;
            b->stack[top++] = s[i];
        }
    while (top > 0) {
        int x = b->stack[--top];
        s[out++] = x;
        const nstate *st = &b->a->s[x];
        if (st->has_set)
            continue;
        int outs[2] = { st->out1, st->out2 };
        for (int k = 0; k < 2; k++)
            if (outs[k] >= 0 && !b->mark[outs[k]]) {
                b->mark[outs[k]] = 1;
                b->stack[top++] = outs[k];
            }
    }
    qsort(s, out, sizeof *s, cmp_int);
    return out;
}

/* Index of the DFA state for set s[0..n), adding it when new; -1 past the limit. */
static long intern(dfa_builder *b, const int *s, size_t n)
{
    size_t mask = b->nslots - 1;
    for (size_t i = set_hash(s, n) & mask;; i = (i + 1) & mask) {
        if (b->slots[i] == 0) {
            if (b->nd >= RP_REGEX_MAX_DFA)
                return -1;
            dstate *d = rp_xpush(&b->d, &b->nd, &b->capd, sizeof *d);
            d->set = rp_xmalloc((n == 0 ? 1 : n) * sizeof *d->set);
            if (n > 0)
                memcpy(d->set, s, n * sizeof *s);
            d->n = n;
            b->slots[i] = b->nd;
            return (long)(b->nd - 1);
        }
        const dstate *d = &b->d[b->slots[i] - 1];
        if (d->n == n && (n == 0 || memcmp(d->set, s, n * sizeof *s) == 0))
            return (long)(b->slots[i] - 1);
    }
}

/* Byte classes: bytes that every NFA set treats alike share a class. */
static unsigned byte_classes(const nfa *a, uint8_t cls[256])
{
    uint16_t c[256];
    memset(c, 0, sizeof c);
    unsigned ncls = 1;
    uint16_t remap[512];
    for (size_t i = 0; i < a->n; i++) {
        if (!a->s[i].has_set)
            continue;
        for (unsigned k = 0; k < 2 * ncls; k++)
            remap[k] = 0xffff;
        unsigned next = 0;
        for (unsigned b = 0; b < 256; b++) {
            unsigned key = c[b] * 2u + (bs_has(&a->s[i].set, b) ? 1u : 0u);
            if (remap[key] == 0xffff)
                remap[key] = (uint16_t)next++;
            c[b] = remap[key];
        }
        ncls = next;
    }
    for (unsigned b = 0; b < 256; b++)
        cls[b] = (uint8_t)c[b];
    return ncls;
}

static void free_tree(parser *ps)
{
    for (size_t i = 0; i < ps->nall; i++) {
        free(ps->all[i]->kids);
        free(ps->all[i]);
    }
    free(ps->all);
    ps->all = NULL;
    ps->nall = 0;
}

static void minimize(rp_regex *re);

int rp_regex_compile(const char *pattern, rp_regex **out, rp_regex_error *err)
{
    *out = NULL;
    memset(err, 0, sizeof *err);
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.p = (const unsigned char *)pattern;
    ps.n = strlen(pattern);
    ps.err = err;
    if (ps.n > 0 && ps.p[0] == '^')
        ps.i = 1;
    bool end_anchor = ps.n > ps.i && ps.p[ps.n - 1] == '$';
    if (end_anchor) {
        /* a '$' preceded by an odd number of backslashes is a literal '$' */
        size_t bs = 0;
        while (bs + 1 < ps.n && ps.p[ps.n - 2 - bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            ps.n--;
    }
    rp_sb_puts(&ps.out, "^(?:");
    node *root = parse_alt(&ps);
    if (root != NULL && !ps.failed && !at_end(&ps))
        fail(&ps, ps.i, 1, "unmatched ')'");
    if (ps.failed || root == NULL) {
        if (!ps.failed)
            fail(&ps, ps.i, 1, "invalid pattern");
        free_tree(&ps);
        free(ps.out.s);
        return -1;
    }
    rp_sb_puts(&ps.out, ")$");

    nfa a = { NULL, 0, 0, false };
    frag f = build(&a, root);
    free_tree(&ps);
    int accept = a.too_big ? -1 : nfa_new(&a);
    if (a.too_big || f.start < 0 || accept < 0) {
        fail(&ps, 0, ps.n, "the pattern is too large: its automaton needs more than %u states "
                           "(lower the repetition counts)", RP_REGEX_MAX_NFA);
        free(a.s);
        free(ps.out.s);
        return -1;
    }
    link(&a, f, accept);

    dfa_builder b;
    memset(&b, 0, sizeof b);
    b.a = &a;
    b.accept_state = accept;
    b.nslots = 2 * RP_REGEX_MAX_DFA;
    b.slots = rp_xcalloc(b.nslots, sizeof *b.slots);
    b.stack = rp_xmalloc(a.n * sizeof *b.stack);
    b.mark = rp_xmalloc(a.n);
    int *work = rp_xmalloc(a.n * sizeof *work);

    rp_regex *re = rp_xcalloc(1, sizeof *re);
    unsigned ncls = byte_classes(&a, re->byte_class);
    uint8_t repr[256]; /* a byte of each class */
    for (unsigned bb = 256; bb-- > 0;)
        repr[re->byte_class[bb]] = (uint8_t)bb;
    (void)intern(&b, work, 0); /* the dead state: 0 */
    work[0] = f.start;
    size_t n0 = closure(&b, work, 1);
    (void)intern(&b, work, n0); /* the start: 1 */
    uint16_t *next = NULL;
    size_t next_cap = 0;
    bool too_big = false;
    for (size_t s = 0; s < b.nd && !too_big; s++) {
        if ((s + 1) * ncls > RP_REGEX_MAX_TABLE) {
            too_big = true;
            break;
        }
        if (next_cap < (s + 1) * ncls) {
            next_cap = 2 * (s + 1) * ncls;
            next = rp_xrealloc(next, next_cap * sizeof *next);
        }
        for (unsigned c = 0; c < ncls; c++) {
            size_t k = 0;
            unsigned byte = repr[c];
            const dstate *d = &b.d[s];
            for (size_t j = 0; j < d->n; j++) {
                const nstate *st = &a.s[d->set[j]];
                if (st->has_set && bs_has(&st->set, byte))
                    work[k++] = st->out1;
            }
            k = k > 0 ? closure(&b, work, k) : 0;
            long t = intern(&b, work, k);
            if (t < 0) {
                too_big = true;
                break;
            }
            next[s * ncls + c] = (uint16_t)t;
        }
    }
    if (too_big) {
        fail(&ps, 0, ps.n, "the pattern is too complex: its DFA needs more than %u states or %u "
                           "table entries", RP_REGEX_MAX_DFA, RP_REGEX_MAX_TABLE);
        free(next);
        free(re);
        free(ps.out.s);
    } else {
        re->states = (uint16_t)b.nd;
        re->classes = (uint16_t)ncls;
        re->next = next;
        re->accept = rp_xcalloc(b.nd, 1);
        for (size_t s = 0; s < b.nd; s++)
            for (size_t j = 0; j < b.d[s].n; j++)
                if (b.d[s].set[j] == accept)
                    re->accept[s] = 1;
        re->portable = rp_sb_take(&ps.out);
        minimize(re);
        *out = re;
    }
    for (size_t s = 0; s < b.nd; s++)
        free(b.d[s].set);
    free(b.d);
    free(b.slots);
    free(b.stack);
    free(b.mark);
    free(work);
    free(a.s);
    return too_big ? -1 : 0;
}

/* Merges equivalent states (Moore's partition refinement): states are equivalent when they
 * agree on accepting and, class by class, move to equivalent states. The dead state stays
 * 0 and the start 1. Tables shrink; the language does not change. */
static void minimize(rp_regex *re)
{
    size_t n = re->states, k = re->classes;
    size_t *block = rp_xmalloc(n * sizeof *block), *nb = rp_xmalloc(n * sizeof *nb);
    size_t nblocks = 0;
    for (size_t s = 0; s < n; s++)
        block[s] = re->accept[s] ? 1 : 0;
    size_t *sig = rp_xmalloc((k + 1) * sizeof *sig);
    size_t *first = rp_xmalloc(n * sizeof *first); /* a representative state of each new block */
    for (;;) {
        size_t count = 0;
        for (size_t s = 0; s < n; s++) {
            /* the new block of s: the first earlier state with the same signature */
            size_t b = count;
            for (size_t j = 0; j < count && b == count; j++) {
                size_t r = first[j];
                bool same = block[r] == block[s];
                for (size_t c = 0; c < k && same; c++)
                    same = block[re->next[r * k + c]] == block[re->next[s * k + c]];
                if (same)
                    b = j;
            }
            if (b == count)
                first[count++] = s;
            nb[s] = b;
        }
        bool stable = count == nblocks;
        memcpy(block, nb, n * sizeof *block);
        nblocks = count;
        if (stable)
            break;
    }
    /* Renumber so that the dead state's block is 0 and the start's is 1 (blocks are numbered
     * in order of first appearance, and states 0 and 1 come first, so they already are
     * unless the start is dead too, which cannot be: the start's block may equal the dead
     * one only for a pattern that matches nothing, and then both are 0). */
    uint16_t *next = rp_xmalloc((nblocks < 2 ? 2 : nblocks) * k * sizeof *next);
    uint8_t *accept = rp_xcalloc(nblocks < 2 ? 2 : nblocks, 1);
    for (size_t b = 0; b < nblocks; b++) {
        size_t r = first[b];
        accept[b] = re->accept[r];
        for (size_t c = 0; c < k; c++)
            next[b * k + c] = (uint16_t)block[re->next[r * k + c]];
    }
    if (nblocks < 2) /* the start is dead: keep a state 1 that equals state 0 */
        for (size_t c = 0; c < k; c++)
            next[k + c] = 0;
    free(re->next);
    free(re->accept);
    re->next = next;
    re->accept = accept;
    re->states = (uint16_t)(nblocks < 2 ? 2 : nblocks);
    free(block);
    free(nb);
    free(sig);
    free(first);
}

bool rp_regex_match(const rp_regex *re, const char *s, size_t n)
{
    unsigned st = 1;
    for (size_t i = 0; i < n && st != 0; i++)
        st = re->next[st * re->classes + re->byte_class[(unsigned char)s[i]]];
    return re->accept[st] != 0;
}

void rp_regex_free(rp_regex *re)
{
    if (re == NULL)
        return;
    free(re->next);
    free(re->accept);
    free(re->portable);
    free(re);
}
