/* peer_cjson.c: cJSON 1.7 as a user would use it: parse to a tree, look fields up by
 * name, copy them into the struct; build a tree and print it unformatted into a buffer. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "peers.h"

typedef const cJSON *p_obj;
typedef cJSON *p_node;

static int p_parse(const char *json, size_t len, p_obj *root)
{
    *root = cJSON_ParseWithLength(json, len);
    return *root != NULL && cJSON_IsObject(*root) ? 0 : -1;
}

static void p_done(p_obj root) { cJSON_Delete((cJSON *)root); }

static int p_get_u64(p_obj o, const char *key, uint64_t *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (x == NULL)
        return 0;
    if (!cJSON_IsNumber(x))
        return -1;
    double d = x->valuedouble;  /* cJSON keeps numbers as doubles only */
    if (d < 0 || d >= 18446744073709551616.0 || d != floor(d))
        return -1;
    *v = (uint64_t)d;
    return 1;
}

static int p_get_str(p_obj o, const char *key, const char **s, size_t *n)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (x == NULL)
        return 0;
    if (!cJSON_IsString(x))
        return -1;
    *s = x->valuestring;
    *n = strlen(x->valuestring);
    return 1;
}

static int p_get_obj(p_obj o, const char *key, p_obj *child)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (x == NULL)
        return 0;
    if (!cJSON_IsObject(x))
        return -1;
    *child = x;
    return 1;
}

static p_node p_new_obj(void) { return cJSON_CreateObject(); }
static void p_free(p_node n) { cJSON_Delete(n); }

static int p_add_u64(p_node n, const char *key, uint64_t v)
{
    return n != NULL && cJSON_AddNumberToObject(n, key, (double)v) != NULL ? 0 : -1;
}

/* s is NUL-terminated at s[len] (rp_str contract; our hex/base64 scratch too). */
static int p_add_str(p_node n, const char *key, const char *s, size_t len)
{
    (void)len;
    return n != NULL && cJSON_AddStringToObject(n, key, s) != NULL ? 0 : -1;
}

static int p_add_obj(p_node n, const char *key, p_node child)
{
    if (n == NULL || child == NULL || !cJSON_AddItemToObject(n, key, child)) {
        cJSON_Delete(child);
        return -1;
    }
    return 0;
}

static int p_print(p_node n, char *buf, size_t cap, size_t *len)
{
    if (n == NULL || cap > INT32_MAX || !cJSON_PrintPreallocated(n, buf, (int)cap, 0))
        return -1;
    *len = strlen(buf);
    return 0;
}

#include "peer_msgs.inc"

const peer_codec peer_cjson = {
    "cjson",
    peer_decode_connect, peer_decode_established, peer_decode_log_request,
    peer_encode_connect, peer_encode_established, peer_encode_log_request,
};
