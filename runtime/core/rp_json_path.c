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
    }
    p->depth++;
}

void rp_json_path_push_index(rp_json_path *p, size_t index)
{
    if (p == NULL) return;
    if (p->depth < RP_JSON_PATH_MAX) {
        p->seg[p->depth].key = NULL;
        p->seg[p->depth].len = index;
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

/* Appends to buf like snprintf, counting the full length in *len. */
static void put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len < cap) {
        size_t room = cap - *len - 1; /* keep one byte for the NUL */
        size_t k = n < room ? n : room;
        memcpy(buf + *len, s, k);
        buf[*len + k] = '\0';
    }
    *len += n;
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
    size_t len = 0;
    if (buf == NULL) cap = 0;
    if (cap > 0) buf[0] = '\0';
    put(buf, cap, &len, "$", 1);
    if (p == NULL) return len;
    size_t shown = p->depth < RP_JSON_PATH_MAX ? p->depth : RP_JSON_PATH_MAX;
    char tmp[32];
    for (size_t i = 0; i < shown; i++) {
        const rp_json_path_seg *s = &p->seg[i];
        if (s->key == NULL) {
            int n = snprintf(tmp, sizeof tmp, "[%zu]", s->len);
            put(buf, cap, &len, tmp, (size_t)n);
        } else if (is_ident(s->key, s->len)) {
            put(buf, cap, &len, ".", 1);
            put(buf, cap, &len, s->key, s->len);
        } else {
            put(buf, cap, &len, "[\"", 2);
            for (size_t k = 0; k < s->len; k++) {
                unsigned char c = (unsigned char)s->key[k];
                if (c == '"' || c == '\\') {
                    tmp[0] = '\\';
                    tmp[1] = (char)c;
                    put(buf, cap, &len, tmp, 2);
                } else if (c < 0x20) {
                    int n = snprintf(tmp, sizeof tmp, "\\u%04X", c);
                    put(buf, cap, &len, tmp, (size_t)n);
                } else {
                    put(buf, cap, &len, (const char *)&s->key[k], 1);
                }
            }
            put(buf, cap, &len, "\"]", 2);
        }
    }
    if (p->depth > RP_JSON_PATH_MAX) put(buf, cap, &len, "[...]", 5);
    return len;
}

void rp_json_path_to_error(const rp_json_path *p, rp_error *err)
{
    if (p == NULL || err == NULL) return;
    char tmp[RP_ERROR_PATH_MAX + 1];
    size_t n = rp_json_path_render(p, tmp, sizeof tmp);
    (void)n; /* rp_error_set_path marks a cut-off path with "..." */
    rp_error_set_path(err, tmp);
}
