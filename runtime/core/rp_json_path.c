/* rp_json_path: a bounded stack of keys and indices rendered as "$.a[3].b" (see rp_json.h). */
#include "rp_json.h"

#include <stdio.h>
#include <string.h>

void rp_json_path_init(rp_json_path *p)
{
    p->depth = 0;
}

void rp_json_path_push_key(rp_json_path *p, const char *key, size_t len)
{
    if (p == NULL) return;
    if (p->depth < RP_JSON_PATH_MAX) {
        p->seg[p->depth].key = key == NULL ? "" : key;
        p->seg[p->depth].len = key == NULL ? 0 : len;
        p->seg[p->depth].json_text = false;
    }
    p->depth++;
}

void rp_json_path_push_json_key(rp_json_path *p, const rp_json_str *key)
{
    if (p == NULL || key == NULL) return;
    rp_json_path_push_key(p, key->raw, key->raw_len);
    if (p->depth <= RP_JSON_PATH_MAX) p->seg[p->depth - 1].json_text = key->escaped;
}

void rp_json_path_push_index(rp_json_path *p, size_t index)
{
    if (p == NULL) return;
    if (p->depth < RP_JSON_PATH_MAX) {
        p->seg[p->depth].key = NULL;
        p->seg[p->depth].len = index;
        p->seg[p->depth].json_text = false;
    }
    p->depth++;
}

void rp_json_path_set_index(rp_json_path *p, size_t index)
{
    if (p == NULL || p->depth == 0 || p->depth > RP_JSON_PATH_MAX) return;
    if (p->seg[p->depth - 1].key == NULL) p->seg[p->depth - 1].len = index;
}

void rp_json_path_pop(rp_json_path *p)
{
    if (p != NULL && p->depth > 0) p->depth--;
}

/* The rendering so far: buf[cap], and the full length (what fits is in buf). One pointer
 * per append instead of three arguments. */
typedef struct path_out {
    char *buf;
    size_t cap;
    size_t len;
} path_out;

/* Appends to o->buf like snprintf, counting the full length in o->len. */
static void put(path_out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len - 1; /* keep one byte for the NUL */
        size_t k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->buf[o->len + k] = '\0';
    }
    o->len += n;
}

static int is_ident(const char *k, size_t n)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return 0;
    }
    return 1;
}

size_t rp_json_path_render(const rp_json_path *p, char *buf, size_t cap)
{
    path_out o = {buf, buf == NULL ? 0 : cap, 0};
    if (o.cap > 0) buf[0] = '\0';
    put(&o, "$", 1);
    if (p == NULL) return o.len;
    size_t shown = p->depth < RP_JSON_PATH_MAX ? p->depth : RP_JSON_PATH_MAX;
    char tmp[32];
    char text[RP_ERROR_PATH_MAX + 1]; /* an escaped key, unescaped */
    for (size_t i = 0; i < shown; i++) {
        const rp_json_path_seg *s = &p->seg[i];
        const char *key = s->key;
        size_t len = s->len;
        if (key != NULL && s->json_text) {
            const rp_json_str raw = { key, len, true, 0 };
            if (rp_json_unescape(&raw, text, sizeof text, &len, NULL) == 0)
                key = text;
            else
                len = s->len; /* too long to show unescaped: as written */
        }
        if (key == NULL) {
            int n = snprintf(tmp, sizeof tmp, "[%zu]", s->len);
            put(&o, tmp, (size_t)n);
        } else if (is_ident(key, len)) {
            put(&o, ".", 1);
            put(&o, key, len);
        } else {
            put(&o, "[\"", 2);
            for (size_t k = 0; k < len; k++) {
                unsigned char c = (unsigned char)key[k];
                if (c == '"' || c == '\\') {
                    tmp[0] = '\\';
                    tmp[1] = (char)c;
                    put(&o, tmp, 2);
                } else if (c < 0x20) {
                    int n = snprintf(tmp, sizeof tmp, "\\u%04X", c);
                    put(&o, tmp, (size_t)n);
                } else {
                    put(&o, (const char *)&key[k], 1);
                }
            }
            put(&o, "\"]", 2);
        }
    }
    if (p->depth > RP_JSON_PATH_MAX) put(&o, "[...]", 5);
    return o.len;
}

void rp_json_path_to_error(const rp_json_path *p, rp_error *err)
{
    if (p == NULL || err == NULL) return;
    char tmp[RP_ERROR_PATH_MAX + 1];
    size_t n = rp_json_path_render(p, tmp, sizeof tmp);
    (void)n; /* rp_error_set_path marks a cut-off path with "..." */
    rp_error_set_path(err, tmp);
}
