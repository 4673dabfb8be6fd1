/* rp_error: filling, naming and rendering the one error type (see rp_error.h). */
#include "rp_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rp_error_clear(rp_error *err)
{
    if (err == NULL) return;
    err->code = RP_OK;
    err->layer = RP_LAYER_NONE;
    err->offset = SIZE_MAX;
    err->path[0] = '\0';
    err->message[0] = '\0';
    err->spec.file = NULL;
    err->spec.line = 0;
    err->spec.column = 0;
}

/* Marks a string that was cut to fit dst[cap] by ending it with "..." so a reader knows. The
 * cut backs up to a character boundary: a UTF-8 sequence the cut would split is left out, so
 * that a path or message holding a peer's text stays valid UTF-8. */
static void mark_truncated(char *dst, size_t cap)
{
    if (cap < 4) return;
    /* dst[end] is still the text's own byte (the text ran on past cap - 1): while it
     * continues a character, the cut moves back to where that character starts */
    size_t end = cap - 4;
    for (int k = 0; k < 3 && end > 0 && ((unsigned char)dst[end] & 0xC0u) == 0x80u; k++)
        end--;
    memcpy(dst + end, "...", 4);
}

int rp_error_setv(rp_error *err, rp_status code, rp_layer layer, size_t offset,
                  const char *fmt, va_list ap)
{
    if (err == NULL) return (int)code;
    rp_error_clear(err);
    err->code = code;
    err->layer = layer;
    err->offset = offset;
    if (fmt != NULL) {
        int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
        if (n < 0) err->message[0] = '\0';
        else if ((size_t)n >= sizeof err->message) mark_truncated(err->message, sizeof err->message);
    }
    return (int)code;
}

int rp_error_set(rp_error *err, rp_status code, rp_layer layer, size_t offset,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = rp_error_setv(err, code, layer, offset, fmt, ap);
    va_end(ap);
    return rc;
}

void rp_error_set_path(rp_error *err, const char *path)
{
    if (err == NULL || path == NULL) return;
    size_t n = strlen(path);
    if (n < sizeof err->path) {
        memcpy(err->path, path, n + 1);
    } else {
        memcpy(err->path, path, sizeof err->path - 1);
        err->path[sizeof err->path - 1] = '\0';
        mark_truncated(err->path, sizeof err->path);
    }
}

void rp_error_set_spec(rp_error *err, const char *file, uint32_t line, uint32_t column)
{
    if (err == NULL) return;
    err->spec.file = file;
    err->spec.line = line;
    err->spec.column = column;
}

/* The n-th of the NUL-separated names in list (n within the list). Why lists instead of
 * switches: the names are looked up only to render errors, and a switch of 37 cases plus
 * its jump table and pointers is several times the code of this walk. */
static const char *nth_name(const char *list, size_t n)
{
    while (n-- > 0) list += strlen(list) + 1;
    return list;
}

/* The status codes in the order of their names below; "unknown" follows the last. */
static const signed char status_codes[] = {
    RP_OK, RP_E_ARGUMENT, RP_E_NOMEM, RP_E_OVERFLOW, RP_E_IO, RP_E_LIMIT,
    RP_E_JSON_SYNTAX, RP_E_JSON_UTF8, RP_E_JSON_DEPTH, RP_E_JSON_NUMBER, RP_E_JSON_TRAILING,
    RP_E_SCHEMA_TYPE, RP_E_SCHEMA_MISSING, RP_E_SCHEMA_RANGE, RP_E_SCHEMA_LENGTH,
    RP_E_SCHEMA_CHARSET, RP_E_SCHEMA_CONST, RP_E_SCHEMA_UNKNOWN, RP_E_SCHEMA_DUPLICATE,
    RP_E_SCHEMA_MESSAGE, RP_E_SCHEMA_PATTERN, RP_E_BASE64, RP_E_HEX, RP_E_CRYPTO, RP_E_KEY,
    RP_E_DECRYPT, RP_E_TOO_LONG, RP_E_ZLIB, RP_E_ZLIB_BOUND, RP_E_FRAME_TOO_BIG,
    RP_E_FRAME_PARTIAL, RP_E_ENVELOPE, RP_E_UNKNOWN_CLIENT, RP_E_PROTOCOL, RP_E_REJECTED,
    RP_E_STATE};
static const char status_names[] =
    "ok\0argument\0nomem\0overflow\0io\0limit\0"
    "json-syntax\0json-utf8\0json-depth\0json-number\0json-trailing\0"
    "schema-type\0schema-missing\0schema-range\0schema-length\0"
    "schema-charset\0schema-const\0schema-unknown\0schema-duplicate\0"
    "schema-message\0schema-pattern\0base64\0hex\0crypto\0key\0"
    "decrypt\0too-long\0zlib\0zlib-bound\0frame-too-big\0"
    "frame-partial\0envelope\0unknown-client\0protocol\0rejected\0"
    "state\0unknown";

const char *rp_status_name(int code)
{
    size_t k = 0;
    while (k < sizeof status_codes && status_codes[k] != code) k++;
    return nth_name(status_names, k);
}

/* By rp_layer value, RP_LAYER_NONE .. RP_LAYER_IO, then "unknown". */
static const char layer_names[] =
    "none\0frame\0envelope\0base64\0hex\0crypto\0zlib\0json\0schema\0session\0io\0unknown";

const char *rp_layer_name(rp_layer layer)
{
    unsigned n = (unsigned)layer;
    return nth_name(layer_names, n <= RP_LAYER_IO ? n : RP_LAYER_IO + 1u);
}

/* strnlen without relying on POSIX feature macros (vendored builds use plain -std=c11). */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0') n++;
    return n;
}

/* An snprintf cursor: appends while there is room, always counts the full length. */
typedef struct fmt_out {
    char *buf;
    size_t cap;
    size_t len;
} fmt_out;

static void out_printf(fmt_out *o, const char *fmt, ...) RP_PRINTF(2, 3);
static void out_printf(fmt_out *o, const char *fmt, ...)
{
    char *dst = NULL;
    size_t room = 0;
    if (o->len < o->cap) {
        dst = o->buf + o->len;
        room = o->cap - o->len;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0) o->len += (size_t)n;
}

size_t rp_error_format(const rp_error *err, char *buf, size_t cap)
{
    fmt_out o = {buf, buf == NULL ? 0 : cap, 0};
    if (o.cap > 0) o.buf[0] = '\0';
    if (err == NULL || err->code == RP_OK) {
        out_printf(&o, "no error");
        return o.len;
    }
    if (err->layer == RP_LAYER_NONE) out_printf(&o, "error");
    else out_printf(&o, "%s error", rp_layer_name(err->layer));
    /* The struct may have been filled by hand: never read past the arrays. */
    int path_len = (int)bounded_len(err->path, sizeof err->path);
    int msg_len = (int)bounded_len(err->message, sizeof err->message);
    if (path_len > 0) {
        out_printf(&o, " at %.*s", path_len, err->path);
        if (err->offset != SIZE_MAX) out_printf(&o, " (offset %zu)", err->offset);
    } else if (err->offset != SIZE_MAX) {
        out_printf(&o, " at offset %zu", err->offset);
    }
    if (msg_len > 0) out_printf(&o, ": %.*s", msg_len, err->message);
    if (err->spec.file != NULL) {
        const char *file = err->spec.file;
        unsigned line = (unsigned)err->spec.line, column = (unsigned)err->spec.column;
        if (line == 0) out_printf(&o, " [%s]", file);
        else if (column == 0) out_printf(&o, " [%s:%u]", file, line);
        else out_printf(&o, " [%s:%u:%u]", file, line, column);
    }
    out_printf(&o, " (%s)", rp_status_name(err->code));
    return o.len;
}
