/* rp_error: the one error convention of the rproto runtime and of generated code.
 *
 * Every fallible function returns 0 on success or a negative rp_status, and, when the
 * caller passes a non-NULL rp_error *, fills it with what failed and where. Passing NULL
 * is always allowed and means "I only want the status".
 *
 * An rp_error owns no heap memory: it is a plain value that can live on the stack, be
 * copied and be discarded without cleanup. Messages are truncated to fit, never allocated.
 * Nothing secret (keys, plaintexts) is ever written into an rp_error.
 */
#ifndef RP_ERROR_H
#define RP_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define RP_CHECK_RESULT __attribute__((warn_unused_result))
#define RP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define RP_CHECK_RESULT
#define RP_PRINTF(fmt, args)
#endif

/* Stable status codes. The numbers never change once released; new codes are appended.
 * The comments group the codes by the layer that mostly reports them; err.layer says which
 * one reported this error. One code can come from two: invalid UTF-8 is RP_E_JSON_UTF8 from
 * the json layer when decoding text, and from the schema layer when validate or encode
 * check a caller's string. Group by code, not by layer, to count one fault once. */
typedef enum rp_status {
    RP_OK = 0,
    /* general */
    RP_E_ARGUMENT      = -1,  /* a caller broke a documented precondition */
    RP_E_NOMEM         = -2,  /* an allocation failed (never on decode paths) */
    RP_E_OVERFLOW      = -3,  /* caller buffer or storage too small */
    RP_E_IO            = -4,  /* read/write/socket failure */
    RP_E_LIMIT         = -5,  /* a configured hard limit was hit */
    /* json */
    RP_E_JSON_SYNTAX   = -10, /* not well-formed JSON */
    RP_E_JSON_UTF8     = -11, /* invalid UTF-8 or bad \u escape */
    RP_E_JSON_DEPTH    = -12, /* nesting deeper than the limit */
    RP_E_JSON_NUMBER   = -13, /* number not representable in the target type */
    RP_E_JSON_TRAILING = -14, /* bytes after the value (strict mode) */
    /* schema */
    RP_E_SCHEMA_TYPE     = -20, /* wrong JSON type for the field */
    RP_E_SCHEMA_MISSING  = -21, /* required key absent */
    RP_E_SCHEMA_RANGE    = -22, /* number outside range / one_of / enum / flags */
    RP_E_SCHEMA_LENGTH   = -23, /* string, bytes or array length outside bounds */
    RP_E_SCHEMA_CHARSET  = -24, /* character outside the allowed class */
    RP_E_SCHEMA_CONST    = -25, /* constant discriminator has another value */
    RP_E_SCHEMA_UNKNOWN  = -26, /* unknown key (strict mode) */
    RP_E_SCHEMA_DUPLICATE = -27, /* the same key twice in one object */
    RP_E_SCHEMA_MESSAGE  = -28, /* text is not any message this decoder knows */
    RP_E_SCHEMA_PATTERN  = -29, /* string does not match the field's pattern */
    /* codec */
    RP_E_BASE64        = -30, /* invalid base64 */
    RP_E_HEX           = -31, /* invalid hex */
    /* crypto */
    RP_E_CRYPTO        = -40, /* an OpenSSL operation failed */
    RP_E_KEY           = -41, /* a key could not be loaded or has the wrong size */
    RP_E_DECRYPT       = -42, /* decryption failed (uniform: no reason toward the peer) */
    RP_E_TOO_LONG      = -43, /* plaintext does not fit one RSA block */
    /* zlib */
    RP_E_ZLIB          = -50, /* not a zlib stream / corrupt stream */
    RP_E_ZLIB_BOUND    = -51, /* inflated size exceeds the caller's bound */
    /* frame */
    RP_E_FRAME_TOO_BIG = -60, /* packet exceeds the maximum packet size */
    RP_E_FRAME_PARTIAL = -61, /* stream ended inside a packet */
    /* envelope */
    RP_E_ENVELOPE      = -70, /* malformed envelope (no IV, no client id, bad base64 ...) */
    RP_E_UNKNOWN_CLIENT = -71, /* envelope names a client we do not know */
    /* session */
    RP_E_PROTOCOL      = -80, /* peer sent a message that is wrong at this point */
    RP_E_REJECTED      = -81, /* peer answered with an error response */
    RP_E_STATE         = -82  /* call not allowed in the current state */
} rp_status;

/* The layer that detected an error; used for grouping and for rendering. */
typedef enum rp_layer {
    RP_LAYER_NONE = 0,
    RP_LAYER_FRAME,
    RP_LAYER_ENVELOPE,
    RP_LAYER_BASE64,
    RP_LAYER_HEX,
    RP_LAYER_CRYPTO,
    RP_LAYER_ZLIB,
    RP_LAYER_JSON,
    RP_LAYER_SCHEMA,
    RP_LAYER_SESSION,
    RP_LAYER_IO
} rp_layer;

/* Where in the spec the rule that failed was written (NULL file when not a spec rule).
 * The strings are static data emitted by rprotoc, never owned by the error. */
typedef struct rp_spec_loc {
    const char *file;   /* the spec file's base name in generated code ("telemetry.rproto");
                           rprotoc validate gives the path as it was named */
    uint32_t line;      /* 1-based; 0 when unknown */
    uint32_t column;    /* 1-based; 0 when unknown */
} rp_spec_loc;

#define RP_ERROR_PATH_MAX 128
#define RP_ERROR_MESSAGE_MAX 160

/* One error, fully self-contained. */
typedef struct rp_error {
    rp_status code;                         /* RP_OK when nothing failed */
    rp_layer layer;
    size_t offset;                          /* byte offset into the input; SIZE_MAX if none */
    char path[RP_ERROR_PATH_MAX];           /* JSON path such as "$.server_info.version", or "" */
    char message[RP_ERROR_MESSAGE_MAX];     /* what was expected / what failed, for people */
    rp_spec_loc spec;                       /* rule that failed, if any */
} rp_error;

/* Resets *err to "no error". NULL is allowed and ignored. */
void rp_error_clear(rp_error *err);

/* Fills *err (when non-NULL) and returns code, so callers can write
 *   return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, off, "bad character '%c'", c);
 * The path and spec location are left empty; see the setters below. */
int rp_error_set(rp_error *err, rp_status code, rp_layer layer, size_t offset,
                 const char *fmt, ...) RP_PRINTF(5, 6);
/* rp_error_set with the arguments as a va_list, for wrappers that add to it. */
int rp_error_setv(rp_error *err, rp_status code, rp_layer layer, size_t offset,
                  const char *fmt, va_list ap) RP_PRINTF(5, 0);

/* Copies a JSON path (truncated to fit) into err. NULL err or path is ignored. */
void rp_error_set_path(rp_error *err, const char *path);

/* Records the spec location of the violated rule. NULL err is ignored. */
void rp_error_set_spec(rp_error *err, const char *file, uint32_t line, uint32_t column);

/* Stable lowercase name of a code, e.g. "json-syntax"; never NULL. */
const char *rp_status_name(int code);

/* Name of a layer, e.g. "schema"; never NULL. */
const char *rp_layer_name(rp_layer layer);

/* Renders err for people into buf (always NUL-terminated when cap > 0), on one line, e.g.
 *   schema error at $.key_size (offset 23): expected one of {128, 192, 256}, got 100 \
 *   [telemetry.rproto:4:42] (schema-range)
 * (folded here at the backslash). A part with no value is left out: the path, the offset,
 * the spec location.
 * Returns the length the full text needs, like snprintf. */
size_t rp_error_format(const rp_error *err, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* RP_ERROR_H */
