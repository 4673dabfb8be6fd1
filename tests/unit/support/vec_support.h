/* Test support for the wire-vector suites (issue 4): whole-file reading and a tiny,
 * purpose-built JSON tree reader for ../shared/vectors/<scenario>/index.json.
 * Test code only; never linked into the runtime. Prefix vec_ to stay out of others' way. */
#ifndef VEC_SUPPORT_H
#define VEC_SUPPORT_H

#include <stddef.h>

/* Reads a whole file into a malloc'ed, NUL-terminated buffer (*len excludes the NUL).
 * Returns NULL when the file cannot be read. The caller frees. */
char *vec_read_file(const char *path, size_t *len);

typedef enum vec_json_type {
    VEC_JSON_NULL, VEC_JSON_BOOL, VEC_JSON_NUMBER, VEC_JSON_STRING, VEC_JSON_ARRAY,
    VEC_JSON_OBJECT
} vec_json_type;

/* One node. Objects and arrays keep their children as a linked list in document order. */
typedef struct vec_json {
    vec_json_type type;
    char *key;              /* member name when the parent is an object, else NULL */
    char *str;              /* STRING: unescaped text (\uXXXX beyond ASCII becomes '?') */
    double num;             /* NUMBER */
    int boolean;            /* BOOL */
    struct vec_json *child; /* ARRAY / OBJECT: first child */
    struct vec_json *next;  /* next sibling */
} vec_json;

/* Parses text[0..len) (well-formed JSON expected: index.json is machine-written). Returns
 * NULL on a syntax error, with a message in errbuf. The caller frees with vec_json_free. */
vec_json *vec_json_parse(const char *text, size_t len, char *errbuf, size_t errcap);
void vec_json_free(vec_json *node);

/* Member `key` of an object, or NULL. */
const vec_json *vec_json_get(const vec_json *obj, const char *key);
/* The string value of member `key`, or NULL when absent, null or not a string. */
const char *vec_json_str(const vec_json *obj, const char *key);
/* Number of children of an array/object. */
size_t vec_json_count(const vec_json *node);

/* Every ../shared/vectors/<scenario> directory that has an index.json, sorted; returns the
 * count (at most cap) and fills names[i] with malloc'ed directory paths. */
size_t vec_scenarios(char **names, size_t cap);

#endif /* VEC_SUPPORT_H */
