/* rp_json: a pull scanner and a compact writer for JSON, with no DOM and no malloc.
 *
 * SCANNER. rp_json_scanner lives on the caller's stack and walks a (ptr, len) buffer that
 * the caller keeps alive and unchanged while scanning. It checks RFC 8259 completely:
 * grammar, UTF-8 (no overlongs, no surrogates encoded in UTF-8, nothing above U+10FFFF),
 * \u escapes (surrogates must pair), no raw control characters in strings, and a nesting
 * limit (RP_JSON_DEFAULT_DEPTH unless set; generated decoders set their message's limit).
 * Integers are read exactly into uint64_t / int64_t, never through a double.
 *
 * Flags (rp_json_flags, OR-ed; 0 = RP_JSON_STRICT, RFC 8259 exactly: one value, then only
 * whitespace; integer fields must be written as integers):
 *   RP_JSON_TRAILING_IGNORE  parsing stops after the first complete value and any trailing
 *                            bytes are ignored
 *   RP_JSON_FLOAT_TRUNCATE   a number with a fraction or exponent read as an integer is
 *                            truncated toward zero (see rp_json_read_u64)
 * Everything else is as strict in every mode: invalid UTF-8, lone \u surrogates and raw
 * control characters are always rejected. (Schema-level leniencies — a wrong-typed value
 * read as absent, duplicate keys — are profile settings of rp_schema.h.)
 *
 * Two ways to use it:
 *   - generically, token by token, with rp_json_next (the conformance test does this);
 *   - from generated decoders, with the typed helpers:
 *
 *       rp_json_scanner sc;
 *       rp_json_scanner_init(&sc, text, len, RP_JSON_STRICT);
 *       if ((rc = rp_json_expect_object_begin(&sc, err)) < 0) return rc;
 *       for (;;) {
 *           rp_json_str key; bool done;
 *           if ((rc = rp_json_next_key(&sc, &key, &done, err)) < 0) return rc;
 *           if (done) break;
 *           if (rp_json_str_eq(&key, "_t", 2)) rc = rp_json_read_u64(&sc, &msg->timestamp, err);
 *           else rc = rp_json_skip_value(&sc, err);
 *           if (rc < 0) return rc;
 *       }
 *       return rp_json_finish(&sc, err);
 *
 * Every error fills rp_error (when non-NULL) with a code, layer RP_LAYER_JSON (or
 * RP_LAYER_SCHEMA for "wrong JSON type"), the exact byte offset where the problem starts,
 * and a message; if a path is attached (rp_json_scanner_set_path) it is rendered into
 * err->path.
 *
 * Which errors stop the scanner: input that is not valid JSON (RP_E_JSON_SYNTAX, _UTF8,
 * _DEPTH, _TRAILING) makes it stuck — every later call returns the same code. Errors about
 * a well-formed value do not, so a validator can go on and report further problems:
 *   - RP_E_SCHEMA_TYPE (wrong JSON type): nothing is consumed; skip the value with
 *     rp_json_skip_value (or read it as what it is) and continue;
 *   - RP_E_JSON_NUMBER (integer out of range / not an integer, unless truncated) and
 *     RP_E_OVERFLOW (decode storage full): the value is consumed; continue with the next
 *     key or element;
 *   - RP_E_ARGUMENT (a call in the wrong place, e.g. reading a value where a key is due):
 *     nothing changes.
 *
 * WRITER. rp_json_writer appends compact JSON into a caller buffer. Calls return nothing;
 * the first problem is remembered and reported by rp_json_writer_finish. It never writes
 * past cap, and after an overflow keeps counting so finish can report the length needed.
 *
 * PATH. rp_json_path is a bounded stack of keys and indices that decoders push and pop so
 * errors can say where they happened ("$.server_info.version", "$[3].msg").
 *
 * Nothing here allocates, keeps global state, or reads outside the given buffer.
 */
#ifndef RP_JSON_H
#define RP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rp_arena.h"
#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- modes and limits --------------------------------------------------------------- */

/* Scanner flags (see the top of this file). */
typedef unsigned rp_json_flags;
#define RP_JSON_STRICT 0u
#define RP_JSON_TRAILING_IGNORE 1u
#define RP_JSON_FLOAT_TRUNCATE 2u

#define RP_JSON_DEFAULT_DEPTH 32u   /* nesting limit when none is set (a generic default) */
#define RP_JSON_MAX_DEPTH 1024u     /* largest limit rp_json_scanner_set_max_depth accepts */

/* ---- tokens ------------------------------------------------------------------------- */

typedef enum rp_json_type {
    RP_JSON_NONE = 0,
    RP_JSON_OBJECT_BEGIN,   /* {  */
    RP_JSON_OBJECT_END,     /* }  */
    RP_JSON_ARRAY_BEGIN,    /* [  */
    RP_JSON_ARRAY_END,      /* ]  */
    RP_JSON_KEY,            /* "name" followed by ':' (the colon is consumed) */
    RP_JSON_STRING,
    RP_JSON_NUMBER,
    RP_JSON_TRUE,
    RP_JSON_FALSE,
    RP_JSON_NULL,
    RP_JSON_END             /* the top-level value is complete (and the trailer checked) */
} rp_json_type;

/* A string or key exactly as it appears in the input, between the quotes, already
 * validated (escapes and UTF-8). raw points into the scanner's input buffer and is NOT
 * NUL-terminated; escaped is true when it contains a backslash, in which case the real
 * text differs from raw (use rp_json_str_eq / rp_json_unescape). offset is the byte
 * offset of the opening quote. */
typedef struct rp_json_str {
    const char *raw;
    size_t raw_len;
    bool escaped;
    size_t offset;
} rp_json_str;

/* One token from rp_json_next. For KEY and STRING, text is the raw string (see
 * rp_json_str); for NUMBER, text.raw/raw_len is the number's text and is_integer says it
 * has no fraction and no exponent; for other types text.raw is NULL. offset is where the
 * token starts. */
typedef struct rp_json_token {
    rp_json_type type;
    size_t offset;
    rp_json_str text;
    bool is_integer;
} rp_json_token;

/* ---- path --------------------------------------------------------------------------- */

#define RP_JSON_PATH_MAX 16   /* segments stored; deeper pushes are counted, shown as "[...]" */

typedef struct rp_json_path_seg {
    const char *key;  /* NULL for an array index; otherwise key bytes (not owned) */
    size_t len;       /* key length, or the index */
    bool json_text;   /* key is the raw text of a JSON string with escapes (shown unescaped) */
} rp_json_path_seg;

/* The path from the root to the value being decoded. Keys are not copied: the pointer
 * passed to push_key must stay valid while the path is in use (spec literals, or the
 * scanner's input buffer). */
typedef struct rp_json_path {
    size_t depth;                            /* may exceed RP_JSON_PATH_MAX */
    rp_json_path_seg seg[RP_JSON_PATH_MAX];
} rp_json_path;

/* Empties the path ("$"). p must not be NULL. */
void rp_json_path_init(rp_json_path *p);
/* Pushes an object member (key bytes are used verbatim, len bytes, not owned). */
void rp_json_path_push_key(rp_json_path *p, const char *key, size_t len);

/* Pushes a key as it appears in the input (rp_json_str): when it has escapes, the path shows
 * the key they stand for ("\\u0078" is the key x). */
void rp_json_path_push_json_key(rp_json_path *p, const rp_json_str *key);
/* Pushes an array element index. */
void rp_json_path_push_index(rp_json_path *p, size_t index);
/* Replaces the index on top (for loops over array elements); no-op if the top is a key
 * or the path is empty. */
void rp_json_path_set_index(rp_json_path *p, size_t index);
/* Pops one segment; no-op when empty. */
void rp_json_path_pop(rp_json_path *p);
/* Renders e.g. $.server_info.version, $[3].msg, $["odd key"] into buf (always
 * NUL-terminated when cap > 0); returns the length the full text needs, like snprintf.
 * Keys that are not plain identifiers are quoted with JSON escaping; segments beyond
 * RP_JSON_PATH_MAX render as one "[...]". NULL p renders "$". */
size_t rp_json_path_render(const rp_json_path *p, char *buf, size_t cap);
/* Renders p into err->path (truncated to fit). NULL err or p is ignored. */
void rp_json_path_to_error(const rp_json_path *p, rp_error *err);

/* ---- scanner ------------------------------------------------------------------------ */

/* Scanner state. All fields are private; it is public only so it can live on the stack.
 * Size is about 200 bytes. */
typedef struct rp_json_scanner {
    const char *buf;
    size_t len;
    size_t pos;
    size_t value_offset;       /* start of the most recently begun value */
    const rp_json_path *path;  /* optional, rendered into errors */
    uint32_t depth;
    uint32_t max_depth;
    uint8_t flags;             /* rp_json_flags */
    uint8_t state;
    int16_t failed;            /* 0, or the rp_status the scanner is stuck with */
    uint32_t stack[RP_JSON_MAX_DEPTH / 32];  /* bit i set: level i is an object */
} rp_json_scanner;

/* Prepares sc to scan buf[0..len) with the given flags (RP_JSON_STRICT = 0, or an OR of
 * RP_JSON_TRAILING_IGNORE and RP_JSON_FLOAT_TRUNCATE; other bits are ignored) and the
 * default depth limit.
 * Neither pointer is owned; buf must outlive every view (rp_json_str) the scanner hands
 * out. buf may be NULL only when len is 0 (an empty input, which is a syntax error).
 * sc must not be NULL. */
void rp_json_scanner_init(rp_json_scanner *sc, const char *buf, size_t len, rp_json_flags flags);

/* Sets the nesting limit (1..RP_JSON_MAX_DEPTH); an object or array that would make the
 * nesting deeper fails with RP_E_JSON_DEPTH. Call before scanning. RP_E_ARGUMENT if out
 * of range (the limit is then unchanged). */
RP_CHECK_RESULT int rp_json_scanner_set_max_depth(rp_json_scanner *sc, unsigned max_depth);

/* Attaches a path that is rendered into err->path on every scanner error (NULL detaches).
 * The scanner only reads it; the caller pushes and pops. */
void rp_json_scanner_set_path(rp_json_scanner *sc, const rp_json_path *path);

/* Byte offset of the next unread byte. */
size_t rp_json_offset(const rp_json_scanner *sc);

/* Byte offset where the most recently started value (or key) begins: the place to report
 * a schema error about the value just read (e.g. "100 is not one of {128, 192, 256}"). */
size_t rp_json_value_offset(const rp_json_scanner *sc);

/* Current nesting depth (0 at top level, 1 inside the outermost object/array, ...). */
unsigned rp_json_depth(const rp_json_scanner *sc);

/* Reads the next token into *tok (must not be NULL). After the top-level value is
 * complete it returns RP_JSON_END (without RP_JSON_TRAILING_IGNORE: only if nothing but
 * whitespace follows, else RP_E_JSON_TRAILING) and keeps returning it. Errors: RP_E_JSON_SYNTAX,
 * RP_E_JSON_UTF8, RP_E_JSON_DEPTH, RP_E_JSON_TRAILING. */
RP_CHECK_RESULT int rp_json_next(rp_json_scanner *sc, rp_json_token *tok, rp_error *err);

/* Type of the next value without consuming it, where a value (or, right after '[', an
 * array end) is expected: one of OBJECT_BEGIN, ARRAY_BEGIN, STRING, NUMBER, TRUE, FALSE,
 * NULL, ARRAY_END. Only the first byte is looked at; the value is checked when read.
 * RP_E_JSON_SYNTAX if no value can start here; RP_E_ARGUMENT if called where a key,
 * ',' or the end is expected. */
RP_CHECK_RESULT int rp_json_peek(rp_json_scanner *sc, rp_json_type *type, rp_error *err);

/* Consumes '{' where a value is expected. Wrong type: RP_E_SCHEMA_TYPE (layer schema,
 * "expected an object, found a string"); syntax errors as rp_json_next. */
RP_CHECK_RESULT int rp_json_expect_object_begin(rp_json_scanner *sc, rp_error *err);
/* Consumes '[' where a value is expected; errors as rp_json_expect_object_begin. */
RP_CHECK_RESULT int rp_json_expect_array_begin(rp_json_scanner *sc, rp_error *err);

/* Inside an object (after expect_object_begin or after a member's value was read):
 * consumes ',' as needed and either reads the next key and its ':' (*done = false, *key
 * set) or consumes '}' (*done = true). key and done must not be NULL. The value of the
 * key must then be read or skipped before calling again. */
RP_CHECK_RESULT int rp_json_next_key(rp_json_scanner *sc, rp_json_str *key, bool *done,
                                     rp_error *err);

/* Inside an array (after expect_array_begin or after an element was read): consumes ','
 * as needed and either positions at the next element (*done = false; read or skip it) or
 * consumes ']' (*done = true). */
RP_CHECK_RESULT int rp_json_next_element(rp_json_scanner *sc, bool *done, rp_error *err);

/* Reads a number value as uint64_t / int64_t, exactly.
 *  - Integers ("0", "-0", "18446744073709551615") are converted exactly; a value outside
 *    the type fails with RP_E_JSON_NUMBER ("number 18446744073709551616 does not fit
 *    uint64"), offset at the number. "-0" is 0.
 *  - Without RP_JSON_FLOAT_TRUNCATE: a number with a fraction or exponent fails with
 *    RP_E_JSON_NUMBER ("expected an integer, found 1.0e3").
 *  - With it: such a number is truncated toward zero, computed exactly in decimal
 *    (never through a double): 42.9 -> 42, 1.0e3 -> 1000, 1e-3 -> 0, -7.5 -> -7,
 *    -0.5 -> 0 (so it fits uint64), 1.5e19 -> 15000000000000000000; the truncated
 *    value must fit the type, else RP_E_JSON_NUMBER. (A peer that converts through a
 *    double gets the same result for every value a double represents exactly.)
 *  - Not a number: RP_E_SCHEMA_TYPE (layer schema), offset at the value.
 * out must not be NULL; it is written only on success. */
RP_CHECK_RESULT int rp_json_read_u64(rp_json_scanner *sc, uint64_t *out, rp_error *err);
RP_CHECK_RESULT int rp_json_read_i64(rp_json_scanner *sc, int64_t *out, rp_error *err);

/* Reads a number value without converting it: *text is its raw text, *is_integer tells
 * whether it has no fraction and no exponent (is_integer may be NULL). Not a number:
 * RP_E_SCHEMA_TYPE. */
RP_CHECK_RESULT int rp_json_read_number_text(rp_json_scanner *sc, rp_str *text,
                                             bool *is_integer, rp_error *err);

/* Reads true/false. Not a boolean: RP_E_SCHEMA_TYPE. */
RP_CHECK_RESULT int rp_json_read_bool(rp_json_scanner *sc, bool *out, rp_error *err);

/* Reads null. Not null: RP_E_SCHEMA_TYPE. */
RP_CHECK_RESULT int rp_json_read_null(rp_json_scanner *sc, rp_error *err);

/* Reads a string value without copying: *out is a view into the input (see
 * rp_json_str). Not a string: RP_E_SCHEMA_TYPE. */
RP_CHECK_RESULT int rp_json_read_string_view(rp_json_scanner *sc, rp_json_str *out,
                                             rp_error *err);

/* Reads a string value, unescaped (\uXXXX including surrogate pairs -> UTF-8), into
 * storage, NUL-terminated; *out points at the copy (len excludes the NUL; the text may
 * contain NUL bytes from "\u0000"). UTF-8 is validated: invalid bytes and lone surrogates
 * fail with RP_E_JSON_UTF8. Storage too small: RP_E_OVERFLOW (storage unchanged). Not a
 * string: RP_E_SCHEMA_TYPE. storage and out must not be NULL. */
RP_CHECK_RESULT int rp_json_read_string_into(rp_json_scanner *sc, rp_arena *storage,
                                             rp_str *out, rp_error *err);

/* Skips the next value whatever its type, checking it completely (so unknown keys cannot
 * smuggle bad JSON), bounded by the depth limit. */
RP_CHECK_RESULT int rp_json_skip_value(rp_json_scanner *sc, rp_error *err);

/* Ends scanning after the top-level value: only whitespace may follow (else
 * RP_E_JSON_TRAILING at the first extra byte), unless RP_JSON_TRAILING_IGNORE is set.
 * RP_E_ARGUMENT if the top-level value is not complete. */
RP_CHECK_RESULT int rp_json_finish(rp_json_scanner *sc, rp_error *err);

/* ---- string views ------------------------------------------------------------------- */

/* true when the (unescaped) text of s equals lit[0..len). Inline so that key matching in
 * decoders costs a length compare and, only when lengths agree, a memcmp; keys with
 * escapes take the slower rp_json_str_eq_escaped. s must come from this module (already
 * validated) and must not be NULL; lit may be NULL only when len is 0. At -Os the call
 * alone, which compares views without escapes too, is the smaller code. */
bool rp_json_str_eq_escaped(const rp_json_str *s, const char *lit, size_t len);
static inline bool rp_json_str_eq(const rp_json_str *s, const char *lit, size_t len)
{
#if defined(__OPTIMIZE_SIZE__)
    return rp_json_str_eq_escaped(s, lit, len);
#else
    if (s->escaped) return rp_json_str_eq_escaped(s, lit, len);
    return s->raw_len == len && (len == 0 || (s->raw[0] == lit[0] && memcmp(s->raw, lit, len) == 0));
#endif
}

/* Length of the unescaped text of s in bytes (excluding any NUL). */
size_t rp_json_str_len(const rp_json_str *s);

/* Writes the unescaped text of s into dst[0..cap) followed by a NUL; *out_len (may be
 * NULL) gets the text length. RP_E_OVERFLOW (nothing useful written) if len + 1 > cap. */
RP_CHECK_RESULT int rp_json_unescape(const rp_json_str *s, char *dst, size_t cap,
                                     size_t *out_len, rp_error *err);

/* Checks that s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). Returns 0 or RP_E_JSON_UTF8 with the offset of the bad byte
 * (relative to s, plus base_offset) and a message naming it. */
RP_CHECK_RESULT int rp_json_check_utf8(const char *s, size_t len, size_t base_offset,
                                       rp_error *err);

/* ---- writer ------------------------------------------------------------------------- */

/* Writer state; fields are private. */
typedef struct rp_json_writer {
    char *buf;
    size_t cap;
    size_t len;         /* bytes produced so far (may exceed cap after an overflow) */
    uint32_t depth;
    uint32_t max_depth; /* 0: no limit */
    bool need_comma;
    int16_t failed;     /* first error (RP_E_OVERFLOW, RP_E_JSON_UTF8, RP_E_JSON_DEPTH,
                           RP_E_ARGUMENT) */
    size_t fail_offset; /* for RP_E_JSON_UTF8: offset of the bad byte in the string */
    bool escape_line_seps; /* rp_json_writer_escape_line_separators */
} rp_json_writer;

/* Prepares w to write into buf[0..cap) (not owned; buf may be NULL when cap is 0, to
 * measure). w must not be NULL. */
void rp_json_writer_init(rp_json_writer *w, char *buf, size_t cap);

/* Off by default. When on, strings also escape the three characters that are valid raw in
 * JSON but end a line for common line splitters (Unicode, JavaScript, Python's
 * str.splitlines): U+0085 -> \u0085, U+2028 -> \u2028, U+2029 -> \u2029. Every other line
 * end (\n, \r, \v, \f, U+001C..U+001E) is a control character and always escaped. For
 * text that must stay one line per record (log files). */
void rp_json_writer_escape_line_separators(rp_json_writer *w, bool on);
/* Limits the nesting of what is written: an object or array that would be deeper than
 * max_depth levels is still written (so begin/end stay balanced) but finish reports
 * RP_E_JSON_DEPTH. 0 (the initial value) means no limit. */
void rp_json_writer_set_max_depth(rp_json_writer *w, unsigned max_depth);

/* Structure. Commas are inserted automatically. */
void rp_json_write_object_begin(rp_json_writer *w);
void rp_json_write_object_end(rp_json_writer *w);
void rp_json_write_array_begin(rp_json_writer *w);
void rp_json_write_array_end(rp_json_writer *w);

/* A member key: ,"key": (escaped like a string). */
void rp_json_write_key(rp_json_writer *w, const char *key, size_t len);

/* A member key given already quoted and with its colon, e.g. "\"_t\":" — for generated
 * code whose keys are known at build time. Copied verbatim after a comma if needed. */
void rp_json_write_raw_key(rp_json_writer *w, const char *quoted_key_colon, size_t len);

/* A string value. " and \ are escaped, control characters (< 0x20) become \n, \r, \t,
 * \b, \f or \u00XX, and everything else (valid UTF-8, including '/') is copied as is.
 * Invalid UTF-8 sets RP_E_JSON_UTF8 (reported by finish). s may be NULL when len is 0. */
void rp_json_write_string(rp_json_writer *w, const char *s, size_t len);

/* Integer and literal values. */
void rp_json_write_u64(rp_json_writer *w, uint64_t v);
void rp_json_write_i64(rp_json_writer *w, int64_t v);
void rp_json_write_bool(rp_json_writer *w, bool v);
void rp_json_write_null(rp_json_writer *w);

/* A complete value given as already-valid JSON text (copied verbatim after a comma if
 * needed). The caller guarantees it is valid JSON. */
void rp_json_write_raw(rp_json_writer *w, const char *text, size_t len);

/* Starts a string value of exactly n content bytes and returns where the caller writes
 * them (e.g. hex or base64 text, which needs no escaping); the closing quote is already
 * placed. Returns NULL if it does not fit (the overflow is recorded and the length still
 * counted) — then the caller writes nothing. The caller must write only bytes that need
 * no JSON escaping. */
char *rp_json_write_string_reserve(rp_json_writer *w, size_t n);

/* Ends writing: *out_len (may be NULL) gets the total length of the text (also on
 * RP_E_OVERFLOW, where it is the capacity needed, excluding the NUL). A NUL is written
 * after the text when it fits (not counted). Returns 0, RP_E_OVERFLOW (the text did not
 * fit; buf holds a truncated prefix), RP_E_JSON_UTF8 (a string was not UTF-8),
 * RP_E_JSON_DEPTH (deeper than the limit) or RP_E_ARGUMENT (unbalanced begin/end). */
RP_CHECK_RESULT int rp_json_writer_finish(rp_json_writer *w, size_t *out_len, rp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* RP_JSON_H */
