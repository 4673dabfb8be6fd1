/* json_out.c — see json_out.h. */
#include "json_out.h"

#include <inttypes.h>
#include <string.h>

#include "rp_json_float.h"

void jo_quote(rp_strbuf *b, const char *s)
{
    rp_sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"': rp_sb_puts(b, "\\\""); break;
        case '\\': rp_sb_puts(b, "\\\\"); break;
        case '\n': rp_sb_puts(b, "\\n"); break;
        case '\r': rp_sb_puts(b, "\\r"); break;
        case '\t': rp_sb_puts(b, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                rp_sb_printf(b, "\\u%04x", *p);
            else
                rp_sb_putc(b, (char)*p);
        }
    }
    rp_sb_putc(b, '"');
}

void jo_init(jo *j, rp_strbuf *b)
{
    memset(j, 0, sizeof *j);
    j->b = b;
    j->first[0] = true;
}

static void newline(jo *j)
{
    rp_sb_putc(j->b, '\n');
    for (int i = 0; i < j->depth; i++)
        rp_sb_puts(j->b, "  ");
}

/* Before a value or a key: the comma and line break its position needs. */
static void before(jo *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (!j->first[j->depth])
        rp_sb_putc(j->b, ',');
    j->first[j->depth] = false;
    newline(j);
}

static void open_level(jo *j, char c)
{
    before(j);
    rp_sb_putc(j->b, c);
    if (j->depth + 1 < JO_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_level(jo *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        newline(j);
    rp_sb_putc(j->b, c);
}

void jo_obj(jo *j) { open_level(j, '{'); }
void jo_end_obj(jo *j) { close_level(j, '}'); }
void jo_arr(jo *j) { open_level(j, '['); }
void jo_end_arr(jo *j) { close_level(j, ']'); }

void jo_key(jo *j, const char *key)
{
    before(j);
    jo_quote(j->b, key);
    rp_sb_puts(j->b, ": ");
    j->after_key = true;
}

void jo_str(jo *j, const char *s)
{
    before(j);
    jo_quote(j->b, s);
}

void jo_raw(jo *j, const char *text)
{
    before(j);
    rp_sb_puts(j->b, text);
}

void jo_u64(jo *j, uint64_t v)
{
    before(j);
    rp_sb_printf(j->b, "%" PRIu64, v);
}

void jo_i64(jo *j, int64_t v)
{
    before(j);
    rp_sb_printf(j->b, "%" PRId64, v);
}

void jo_bool(jo *j, bool v)
{
    jo_raw(j, v ? "true" : "false");
}

void jo_double(jo *j, double v)
{
    char buf[RP_JSON_DOUBLE_MAX];
    size_t n = rp_json_format_double(v, buf, sizeof buf);
    jo_raw(j, n > 0 ? buf : "null");
}

void jo_kstr(jo *j, const char *key, const char *s)
{
    jo_key(j, key);
    jo_str(j, s);
}

void jo_kraw(jo *j, const char *key, const char *text)
{
    jo_key(j, key);
    jo_raw(j, text);
}

void jo_ku64(jo *j, const char *key, uint64_t v)
{
    jo_key(j, key);
    jo_u64(j, v);
}
