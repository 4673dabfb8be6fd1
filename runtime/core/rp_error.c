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

/* Marks a string that was cut to fit dst[cap] by ending it with "..." so a reader knows. */
static void mark_truncated(char *dst, size_t cap)
{
    if (cap >= 4) memcpy(dst + cap - 4, "...", 4);
}

int rp_error_set(rp_error *err, rp_status code, rp_layer layer, size_t offset,
                 const char *fmt, ...)
{
    if (err == NULL) return (int)code;
    rp_error_clear(err);
    err->code = code;
    err->layer = layer;
    err->offset = offset;
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        if (n < 0) err->message[0] = '\0';
        else if ((size_t)n >= sizeof err->message) mark_truncated(err->message, sizeof err->message);
    }
    return (int)code;
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

const char *rp_status_name(int code)
{
    switch (code) {
    case RP_OK: return "ok";
    case RP_E_ARGUMENT: return "argument";
    case RP_E_NOMEM: return "nomem";
    case RP_E_OVERFLOW: return "overflow";
    case RP_E_IO: return "io";
    case RP_E_LIMIT: return "limit";
    case RP_E_JSON_SYNTAX: return "json-syntax";
    case RP_E_JSON_UTF8: return "json-utf8";
    case RP_E_JSON_DEPTH: return "json-depth";
    case RP_E_JSON_NUMBER: return "json-number";
    case RP_E_JSON_TRAILING: return "json-trailing";
    case RP_E_SCHEMA_TYPE: return "schema-type";
    case RP_E_SCHEMA_MISSING: return "schema-missing";
    case RP_E_SCHEMA_RANGE: return "schema-range";
    case RP_E_SCHEMA_LENGTH: return "schema-length";
    case RP_E_SCHEMA_CHARSET: return "schema-charset";
    case RP_E_SCHEMA_CONST: return "schema-const";
    case RP_E_SCHEMA_UNKNOWN: return "schema-unknown";
    case RP_E_SCHEMA_DUPLICATE: return "schema-duplicate";
    case RP_E_SCHEMA_MESSAGE: return "schema-message";
    case RP_E_SCHEMA_PATTERN: return "schema-pattern";
    case RP_E_BASE64: return "base64";
    case RP_E_HEX: return "hex";
    case RP_E_CRYPTO: return "crypto";
    case RP_E_KEY: return "key";
    case RP_E_DECRYPT: return "decrypt";
    case RP_E_TOO_LONG: return "too-long";
    case RP_E_ZLIB: return "zlib";
    case RP_E_ZLIB_BOUND: return "zlib-bound";
    case RP_E_FRAME_TOO_BIG: return "frame-too-big";
    case RP_E_FRAME_PARTIAL: return "frame-partial";
    case RP_E_ENVELOPE: return "envelope";
    case RP_E_UNKNOWN_CLIENT: return "unknown-client";
    case RP_E_PROTOCOL: return "protocol";
    case RP_E_REJECTED: return "rejected";
    case RP_E_STATE: return "state";
    default: return "unknown";
    }
}

const char *rp_layer_name(rp_layer layer)
{
    switch (layer) {
    case RP_LAYER_NONE: return "none";
    case RP_LAYER_FRAME: return "frame";
    case RP_LAYER_ENVELOPE: return "envelope";
    case RP_LAYER_BASE64: return "base64";
    case RP_LAYER_HEX: return "hex";
    case RP_LAYER_CRYPTO: return "crypto";
    case RP_LAYER_ZLIB: return "zlib";
    case RP_LAYER_JSON: return "json";
    case RP_LAYER_SCHEMA: return "schema";
    case RP_LAYER_SESSION: return "session";
    case RP_LAYER_IO: return "io";
    default: return "unknown";
    }
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
        out_printf(&o, " [%s", err->spec.file);
        if (err->spec.line > 0) {
            out_printf(&o, ":%u", (unsigned)err->spec.line);
            if (err->spec.column > 0) out_printf(&o, ":%u", (unsigned)err->spec.column);
        }
        out_printf(&o, "]");
    }
    out_printf(&o, " (%s)", rp_status_name(err->code));
    return o.len;
}
