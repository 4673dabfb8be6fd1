/* peer_jansson.c: jansson 2.14 as a user would use it: json_loadb to a tree, json_object_get
 * per field, copy into the struct; build with json_object_set_new and json_dumpb COMPACT. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "peers.h"

typedef json_t *p_obj;
typedef json_t *p_node;

static int p_parse(const char *json, size_t len, p_obj *root)
{
    *root = json_loadb(json, len, 0, NULL);
    if (*root == NULL)
        return -1;
    if (!json_is_object(*root)) {
        json_decref(*root);
        return -1;
    }
    return 0;
}

static void p_done(p_obj root) { json_decref(root); }

static int p_get_u64(p_obj o, const char *key, uint64_t *v)
{
    json_t *x = json_object_get(o, key);
    if (x == NULL)
        return 0;
    if (!json_is_integer(x) || json_integer_value(x) < 0)
        return -1;
    *v = (uint64_t)json_integer_value(x);
    return 1;
}

static int p_get_str(p_obj o, const char *key, const char **s, size_t *n)
{
    json_t *x = json_object_get(o, key);
    if (x == NULL)
        return 0;
    if (!json_is_string(x))
        return -1;
    *s = json_string_value(x);
    *n = json_string_length(x);
    return 1;
}

static int p_get_obj(p_obj o, const char *key, p_obj *child)
{
    json_t *x = json_object_get(o, key);
    if (x == NULL)
        return 0;
    if (!json_is_object(x))
        return -1;
    *child = x;
    return 1;
}

static p_node p_new_obj(void) { return json_object(); }
static void p_free(p_node n) { json_decref(n); }

static int p_add_u64(p_node n, const char *key, uint64_t v)
{
    if (n == NULL || v > INT64_MAX)
        return -1;
    return json_object_set_new(n, key, json_integer((json_int_t)v));
}

static int p_add_str(p_node n, const char *key, const char *s, size_t len)
{
    return n == NULL ? -1 : json_object_set_new(n, key, json_stringn(s, len));
}

static int p_add_obj(p_node n, const char *key, p_node child)
{
    if (n == NULL) {
        json_decref(child);
        return -1;
    }
    return json_object_set_new(n, key, child);
}

static int p_print(p_node n, char *buf, size_t cap, size_t *len)
{
    if (n == NULL)
        return -1;
    size_t need = json_dumpb(n, buf, cap, JSON_COMPACT);
    if (need == 0 || need > cap)
        return -1;
    *len = need;
    return 0;
}

#include "peer_msgs.inc"

const peer_codec peer_jansson = {
    "jansson",
    peer_decode_connect, peer_decode_established, peer_decode_log_request,
    peer_encode_connect, peer_encode_established, peer_encode_log_request,
};
