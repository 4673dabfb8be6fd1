/* See vec_support.h. */
#include "vec_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define VEC_ROOT "../shared/vectors"

char *vec_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *bigger = realloc(buf, cap * 2 + 1);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (buf == NULL) return NULL;
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

typedef struct parser {
    const char *p, *end;
    char *err;
    size_t errcap;
    int depth;
} parser;

static void fail(parser *ps, const char *what)
{
    if (ps->err && ps->errcap && ps->err[0] == '\0')
        snprintf(ps->err, ps->errcap, "%s at byte %ld", what, (long)(ps->end - ps->p));
}

static void ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static char *parse_string(parser *ps)
{
    if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected string"), NULL;
    ps->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (s != NULL) {
        if (ps->p >= ps->end) break;
        char c = *ps->p++;
        if (c == '"') {
            s[n] = '\0';
            return s;
        }
        if (c == '\\') {
            if (ps->p >= ps->end) break;
            char e = *ps->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                if (ps->end - ps->p < 4) goto bad;
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = *ps->p++;
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
                    else goto bad;
                }
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            default: c = e; break; /* \" \\ \/ */
            }
        }
        if (n + 2 > cap) {
            char *t = realloc(s, cap * 2);
            if (t == NULL) break;
            s = t;
            cap *= 2;
        }
        s[n++] = c;
    }
bad:
    free(s);
    fail(ps, "bad string");
    return NULL;
}

static vec_json *parse_value(parser *ps);

static vec_json *parse_container(parser *ps, vec_json *node, char close, int keyed)
{
    ps->p++;
    vec_json **tail = &node->child;
    ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return node;
    }
    for (;;) {
        char *key = NULL;
        ws(ps);
        if (keyed) {
            key = parse_string(ps);
            if (key == NULL) goto bad;
            ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                fail(ps, "expected ':'");
                goto bad;
            }
            ps->p++;
        }
        vec_json *v = parse_value(ps);
        if (v == NULL) {
            free(key);
            goto bad;
        }
        v->key = key;
        *tail = v;
        tail = &v->next;
        ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return node;
        }
        fail(ps, "expected ',' or end of container");
        goto bad;
    }
bad:
    vec_json_free(node);
    return NULL;
}

static vec_json *parse_value(parser *ps)
{
    ws(ps);
    if (ps->p >= ps->end || ++ps->depth > 64) return fail(ps, "unexpected end or too deep"), NULL;
    vec_json *node = calloc(1, sizeof *node);
    if (node == NULL) return NULL;
    vec_json *r = node;
    char c = *ps->p;
    if (c == '{') {
        node->type = VEC_JSON_OBJECT;
        r = parse_container(ps, node, '}', 1);
    } else if (c == '[') {
        node->type = VEC_JSON_ARRAY;
        r = parse_container(ps, node, ']', 0);
    } else if (c == '"') {
        node->type = VEC_JSON_STRING;
        node->str = parse_string(ps);
        if (node->str == NULL) r = NULL, free(node);
    } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
        node->type = VEC_JSON_NULL;
        ps->p += 4;
    } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
        node->type = VEC_JSON_BOOL;
        node->boolean = 1;
        ps->p += 4;
    } else if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
        node->type = VEC_JSON_BOOL;
        ps->p += 5;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char tmp[64];
        size_t n = 0;
        while (ps->p < ps->end && n + 1 < sizeof tmp && strchr("+-.eE0123456789", *ps->p))
            tmp[n++] = *ps->p++;
        tmp[n] = '\0';
        node->type = VEC_JSON_NUMBER;
        node->num = strtod(tmp, NULL);
    } else {
        free(node);
        fail(ps, "unexpected character");
        r = NULL;
    }
    ps->depth--;
    return r;
}

vec_json *vec_json_parse(const char *text, size_t len, char *errbuf, size_t errcap)
{
    if (errbuf && errcap) errbuf[0] = '\0';
    parser ps = {text, text + len, errbuf, errcap, 0};
    vec_json *root = parse_value(&ps);
    if (root == NULL) return NULL;
    ws(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "trailing bytes");
        vec_json_free(root);
        return NULL;
    }
    return root;
}

void vec_json_free(vec_json *node)
{
    while (node != NULL) {
        vec_json *next = node->next;
        vec_json_free(node->child);
        free(node->key);
        free(node->str);
        free(node);
        node = next;
    }
}

const vec_json *vec_json_get(const vec_json *obj, const char *key)
{
    if (obj == NULL || obj->type != VEC_JSON_OBJECT) return NULL;
    for (const vec_json *c = obj->child; c != NULL; c = c->next)
        if (c->key != NULL && strcmp(c->key, key) == 0) return c;
    return NULL;
}

const char *vec_json_str(const vec_json *obj, const char *key)
{
    const vec_json *v = vec_json_get(obj, key);
    return v != NULL && v->type == VEC_JSON_STRING ? v->str : NULL;
}

size_t vec_json_count(const vec_json *node)
{
    size_t n = 0;
    if (node != NULL)
        for (const vec_json *c = node->child; c != NULL; c = c->next) n++;
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t vec_scenarios(char **names, size_t cap)
{
    DIR *d = opendir(VEC_ROOT);
    if (d == NULL) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < cap) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s/index.json", VEC_ROOT, e->d_name);
        if (stat(path, &st) != 0) continue;
        size_t l = strlen(VEC_ROOT) + 1 + strlen(e->d_name) + 1;
        names[n] = malloc(l);
        if (names[n] == NULL) break;
        snprintf(names[n], l, "%s/%s", VEC_ROOT, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}
