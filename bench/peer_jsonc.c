/* peer_jsonc.c: json-c 0.16 as a user would use it: json_tokener_parse_ex to a tree,
 * json_object_object_get_ex per field, copy into the struct; build with
 * json_object_object_add and print with json_object_to_json_string_length (plain, no "\/"). */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "peers.h"

typedef struct json_object *p_obj;
typedef struct json_object *p_node;

static int p_parse(const char *json, size_t len, p_obj *root)
{
    if (len > INT32_MAX)
        return -1;
    /* A fresh tokener per parse, as json_tokener_parse() does internally. */
    struct json_tokener *tok = json_tokener_new();
    if (tok == NULL)
        return -1;
    *root = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (*root == NULL || e != json_tokener_success || !json_object_is_type(*root, json_type_object)) {
        json_object_put(*root);
        return -1;
    }
    return 0;
}

static void p_done(p_obj root) { json_object_put(root); }

static int p_get_u64(p_obj o, const char *key, uint64_t *v)
{
    struct json_object *x;
    if (!json_object_object_get_ex(o, key, &x))
        return 0;
    if (!json_object_is_type(x, json_type_int))
        return -1;
    int64_t i = json_object_get_int64(x);
    if (i < 0)
        return -1;
    *v = (uint64_t)i;
    return 1;
}

static int p_get_str(p_obj o, const char *key, const char **s, size_t *n)
{
    struct json_object *x;
    if (!json_object_object_get_ex(o, key, &x))
        return 0;
    if (!json_object_is_type(x, json_type_string))
        return -1;
    *s = json_object_get_string(x);
    *n = (size_t)json_object_get_string_len(x);
    return 1;
}

static int p_get_obj(p_obj o, const char *key, p_obj *child)
{
    struct json_object *x;
    if (!json_object_object_get_ex(o, key, &x))
        return 0;
    if (!json_object_is_type(x, json_type_object))
        return -1;
    *child = x;
    return 1;
}

static p_node p_new_obj(void) { return json_object_new_object(); }
static void p_free(p_node n) { json_object_put(n); }

static int p_add_u64(p_node n, const char *key, uint64_t v)
{
    return n == NULL ? -1 : json_object_object_add(n, key, json_object_new_uint64(v));
}

static int p_add_str(p_node n, const char *key, const char *s, size_t len)
{
    if (n == NULL || len > INT32_MAX)
        return -1;
    return json_object_object_add(n, key, json_object_new_string_len(s, (int)len));
}

static int p_add_obj(p_node n, const char *key, p_node child)
{
    if (n == NULL) {
        json_object_put(child);
        return -1;
    }
    return json_object_object_add(n, key, child);
}

static int p_print(p_node n, char *buf, size_t cap, size_t *len)
{
    size_t l = 0;
    const char *s = json_object_to_json_string_length(
        n, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l);
    if (s == NULL || l >= cap)
        return -1;
    memcpy(buf, s, l + 1);
    *len = l;
    return 0;
}

#include "peer_msgs.inc"

const peer_codec peer_jsonc = {
    "json-c",
    peer_decode_connect, peer_decode_established, peer_decode_log_request,
    peer_encode_connect, peer_encode_established, peer_encode_log_request,
};
