/* rp_schema: the engine behind generated codecs — typed JSON fields checked against spec rules.
 *
 * rprotoc turns every message of a spec into a C struct plus a constant description of it
 * (an rp_schema_message: its fields, where each lives in the struct, and the rules the spec
 * attaches to it, each with the spec file:line:col it was written at). The generated
 * <proto>_<message>_decode / _validate / _encode / _init functions are thin wrappers that
 * hand that description and the caller's struct to the functions below. Keeping the logic here,
 * once, means every generated codec behaves the same, and `rprotoc validate` can run the
 * very same checks from a description it builds out of the AST at run time.
 *
 * Trust model: descriptions are trusted (written by rprotoc); JSON text is hostile. Nothing
 * here allocates: decoded strings and bytes are carved from the caller's rp_arena. No global
 * state. Every error fills rp_error with a code, a layer (json or schema), the byte offset,
 * the JSON path (e.g. "$.server_info.version", "$[3].msg") and, for schema rules, the spec
 * location of the violated rule.
 */
#ifndef RP_SCHEMA_H
#define RP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_arena.h"
#include "rp_error.h"
#include "rp_json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a field holds in the struct (and how it looks on the wire). */
typedef enum rp_schema_type {
    RP_SCHEMA_BOOL = 1, /* bool; JSON true/false */
    RP_SCHEMA_INT,      /* signed integer of `size` bytes (intN_t or an enum); JSON number */
    RP_SCHEMA_UINT,     /* unsigned integer of `size` bytes (uintN_t, flags, or an enum) */
    RP_SCHEMA_STRING,   /* rp_str; JSON string, stored unescaped and NUL-terminated */
    RP_SCHEMA_HEX,      /* rp_bytes; JSON string of hex digits (either case in, upper out) */
    RP_SCHEMA_BASE64,   /* rp_bytes; JSON string of base64 (padded out) */
    RP_SCHEMA_MESSAGE,  /* an embedded struct described by `message`; JSON object */
    RP_SCHEMA_FLOAT64,  /* double; JSON number (any), written back in the shortest exact text */
    RP_SCHEMA_STRENUM   /* a string enum held as an unsigned integer of `size` bytes: value
                           k (1-based) is the JSON string str_set[k - 1] of its RP_RULE_ENUM
                           rule; 0 is no value */
} rp_schema_type;

/* Kinds of rules a field can carry. */
typedef enum rp_schema_rule_kind {
    RP_RULE_RANGE = 1, /* integer within [lo, hi] (either side optional) */
    RP_RULE_ONE_OF,    /* integer is one of a set */
    RP_RULE_ENUM,      /* integer is a value of the field's enum (the set) */
    RP_RULE_FLAGS,     /* integer has no bit outside u_hi (the known bits) */
    RP_RULE_CONST,     /* integer == lo, bool == (u_lo != 0), or string == str */
    RP_RULE_LEN,       /* string/bytes length (bytes after decoding) within bounds or set */
    RP_RULE_COUNT,     /* item count of a repeated field (or top-level array) within bounds */
    RP_RULE_CHARSET,   /* every byte of a string is in the 256-bit class `charset` */
    RP_RULE_PATTERN,   /* the whole string matches `pattern` (a DFA, linear time) */
    RP_RULE_KEY_LEN,   /* map fields: every key's length in bytes within bounds or set */
    RP_RULE_KEY_CHARSET /* map fields: every byte of every key is in `charset` */
} rp_schema_rule_kind;

/* A regular expression compiled by rprotoc into a DFA over bytes: state 0 is dead, state 1
 * the start; next[state * classes + byte_class[b]] is the state after byte b. */
typedef struct rp_schema_pattern {
    const uint8_t *byte_class;   /* 256 entries */
    const uint16_t *next;        /* states * classes entries */
    const uint8_t *accept;       /* states entries: 1 when the state accepts */
    uint16_t states, classes;
    const char *source;          /* the pattern as written, for messages */
} rp_schema_pattern;

/* One rule of a field, as written in the spec. Integer bounds use the i_ members when the
 * field is RP_SCHEMA_INT and the u_ members otherwise (lengths are always u_). */
typedef struct rp_schema_rule {
    rp_schema_rule_kind kind;
    rp_spec_loc loc;          /* where the rule is written in the spec */
    const char *expect;       /* what the rule wants, for people: "one of {128, 192, 256}" */
    bool has_lo, has_hi;
    /* A float64 RANGE keeps its bounds where integer rules keep theirs (the members of a
     * rule are read by its kind and field type; the unions keep the tables as small as
     * before float64, which the fast lanes' cache footprint notices). */
    union { int64_t i_lo; double f_lo; }; /* f_lo / f_hi: RANGE of a float64 field */
    union { int64_t i_hi; double f_hi; };
    uint64_t u_lo, u_hi;
    union {
        const int64_t *i_set;     /* ONE_OF / ENUM / LEN set members (NULL when not a set) */
        const char *const *str_set; /* ENUM of a string enum: the texts, set_count of them */
    };
    const uint64_t *u_set;
    size_t set_count;
    union {
        const uint8_t *charset;   /* CHARSET, KEY_CHARSET: bit (b & 7) of charset[b >> 3] allows byte b */
        const rp_schema_pattern *pattern; /* PATTERN */
    };
    const char *str;          /* CONST of a string field; of a string enum: its text */
} rp_schema_rule;

struct rp_schema_message;

/* The code for field kinds not every spec has (float64, string enums; maps): reached only
 * through a field's `kind` (`map`), so a program whose spec has no such field links none
 * of it. */
typedef struct rp_schema_kind rp_schema_kind;
extern const rp_schema_kind rp_schema_kind_float64; /* RP_SCHEMA_FLOAT64 (rp_schema_float.c) */
extern const rp_schema_kind rp_schema_kind_strenum; /* RP_SCHEMA_STRENUM (rp_schema_strenum.c) */
typedef struct rp_schema_map_kind rp_schema_map_kind;
extern const rp_schema_map_kind rp_schema_kind_map; /* map fields (rp_schema_map.c) */

/* What a decoder does with a key given twice in one object (a profile's duplicate_keys). */
typedef enum rp_schema_duplicates {
    RP_DUPLICATES_REJECT = 0,    /* an error: strict RFC 8259 decoding */
    RP_DUPLICATES_LAST,          /* the last occurrence wins, whole: every occurrence is read
                                    and checked, and one that reads as absent leaves the
                                    field absent */
    RP_DUPLICATES_FIRST          /* the first occurrence wins, whole: later ones are skipped
                                    (they must still be JSON; a field with a const rule is
                                    checked at every occurrence) */
} rp_schema_duplicates;

/* A decode profile: the leniencies a spec's `profile` declares for what its peers send.
 * NULL (no profile) is strict RFC 8259 decoding. Every setting is off in a zeroed value. */
typedef struct rp_schema_profile {
    const char *name;            /* spec name, e.g. "wire" (for messages) */
    unsigned index;              /* 0..31: this profile's bit in rp_schema_field.relax_* */
    bool trailing_ignore;        /* bytes after the first complete JSON value are ignored */
    bool float_truncate;         /* a number with a fraction or exponent in an integer field
                                    is truncated toward zero: 1.9 reads as 1 */
    bool string_numbers_absent;  /* a string where a number belongs counts as absent */
    rp_schema_duplicates duplicate_keys; /* a key given twice: refused, last or first wins */
    bool null_absent;            /* null as the value of any field counts as absent */
    bool base64_lenient;         /* base64 fields decode leniently: every byte outside the
                                    alphabet is skipped (rp_codec.h RP_BASE64_LENIENT) */
} rp_schema_profile;

/* One field of a message. */
typedef struct rp_schema_field {
    const char *key;          /* JSON key (UTF-8, not escaped) */
    size_t key_len;
    const char *name;         /* C member name, for messages to people */
    rp_schema_type type;
    uint8_t bits;             /* integer width on the wire (8..64); 0 for non-integers */
    size_t size;              /* sizeof the C member (or of one item when repeated) */
    bool required;            /* decode fails when the key is absent */
    bool repeated;            /* a JSON array: `max_count` items at offset, count at count_offset */
    bool nullable;            /* JSON null is a value: has_ true and the bool at null_offset */
    const struct rp_schema_map_kind *map; /* a JSON object with free keys (see entry_size
                                 below): &rp_schema_kind_map, the code for maps; NULL for
                                 every other field */
    size_t offset;            /* offsetof the value (the first item when repeated) */
    size_t has_offset;        /* offsetof the bool has_<name> presence flag; SIZE_MAX when
                                 there is none (the items of a top-level array) */
    size_t count_offset;      /* repeated: offsetof the size_t item count */
    size_t max_count;         /* repeated: capacity of the C array */
    const struct rp_schema_message *message; /* RP_SCHEMA_MESSAGE: the embedded type */
    const rp_schema_rule *rules;
    size_t rule_count;
    bool has_default;         /* init/decode put this value in while the key is absent */
    union { int64_t def_i; double def_f; /* float64 default */ };
    uint64_t def_u;           /* also bool (0/1) */
    const char *def_str;      /* string default (static) */
    rp_spec_loc loc;          /* the field declaration */
    const char *json_key;     /* the key as written, quoted with its colon ("\"_t\":"), when
                                 it is plain printable ASCII (no '"' or '\\'); NULL: the
                                 engine escapes `key` itself. Lets encode copy it and decode
                                 match it in one compare. */
    size_t json_key_len;
    /* nullable: the offset of the bool is_null_<name>. (The flags sit next to `repeated`,
     * in what was padding, so the fast lanes read them from the line they already read.) */
    size_t null_offset;
    /* map: held like a repeated field (max_count entries at offset, count at count_offset)
     * whose items are entries of entry_size bytes: an rp_str key at offset 0 of the entry
     * and the value at value_offset. `size` and `type` describe the value; key rules
     * (RP_RULE_KEY_*) sit with the value's rules. */
    size_t entry_size;
    size_t value_offset;
    uint32_t relax_optional;  /* bit p: under the profile of index p a required field may be
                                 absent (decode only; validate and encode check the spec) */
    uint32_t relax_zero_absent; /* bit p: under the profile of index p this field's zero
                                 value reads as absent: the number 0 in a non-repeated
                                 integer field (zero_is_absent), "" or no bytes in a
                                 non-repeated string or bytes field (empty_is_absent) */
    const rp_schema_kind *kind; /* RP_SCHEMA_FLOAT64: &rp_schema_kind_float64; RP_SCHEMA_STRENUM:
                                 &rp_schema_kind_strenum (without it such a field is an
                                 RP_E_ARGUMENT error); NULL for the other types */
} rp_schema_field;

/* A message (a JSON object), or a top-level array declaration (a JSON array of messages):
 * then is_array is true and fields[0] is the one repeated RP_SCHEMA_MESSAGE field that
 * holds the items (its key is unused). */
typedef struct rp_schema_message {
    const char *name;         /* spec name, e.g. "Connect" */
    size_t size;              /* sizeof the struct */
    const rp_schema_field *fields;
    size_t field_count;
    bool is_array;
    bool reject_unknown;      /* option unknown_keys = reject */
    bool has_nullable;        /* some field is nullable: must be true when one is (the
                                 encoder's fast lane leaves such messages to the walk) */
    rp_spec_loc loc;          /* the declaration (or its unknown_keys option) */
    unsigned max_depth;       /* nesting limit of its JSON: the decoder refuses deeper text
                                 (unknown keys included) and the encoder never writes deeper;
                                 computed by rprotoc (at least the message's own nesting);
                                 0 means RP_JSON_DEFAULT_DEPTH */
} rp_schema_message;

/* Zeroes *msg, puts defaults in, and sets every const field to its value with its presence
 * flag set, so an initialised message of a discriminated type encodes as that type.
 * m and msg must not be NULL. */
void rp_schema_init(const rp_schema_message *m, void *msg);

/* Decodes JSON text json[0..len) into *msg (which it first resets: zero + defaults, every
 * presence flag false) and validates it: decode = parse + validate, so success means every
 * rule of the spec holds. Strings and bytes are carved from storage (nothing is
 * allocated); on failure storage is rewound to where it was and *msg is unspecified.
 * profile NULL: RFC 8259 exactly, a declared key twice is an error (unknown keys are not
 * remembered, so one of them twice is not), numbers must be integers. A
 * profile relaxes what its settings say (rp_schema_profile) and the relax bits of its index
 * (a required field may be absent, a 0 may mean absent). The nesting limit is m->max_depth.
 * Unknown keys are skipped (after checking they are well-formed JSON) unless the message
 * rejects them. json may be NULL only when len is 0 (a syntax error).
 * Returns 0 or a negative rp_status with err (optional) filled. */
RP_CHECK_RESULT int rp_schema_decode(const rp_schema_message *m, const char *json, size_t len,
                                     void *msg, rp_arena *storage,
                                     const rp_schema_profile *profile, rp_error *err);

/* rp_schema_decode with the table engine's fast lane in front (rp_schema_fast.c): for every
 * input the same result, the same struct, the same arena use and the same error; faster on
 * compact, valid text. Generated code calls it under `rprotoc --optimize speed`; the walk
 * alone (rp_schema_decode) under --optimize size, which then does not link the lane. */
RP_CHECK_RESULT int rp_schema_decode_fast(const rp_schema_message *m, const char *json,
                                          size_t len, void *msg, rp_arena *storage,
                                          const rp_schema_profile *profile, rp_error *err);

/* Checks *msg against every rule of m (required fields present, ranges, sets, enums, flag
 * bits, lengths, charsets, constants, valid UTF-8, nested messages and items). The error
 * has a path but no offset (SIZE_MAX). m and msg must not be NULL. */
RP_CHECK_RESULT int rp_schema_validate(const rp_schema_message *m, const void *msg,
                                       rp_error *err);

/* Validates *msg, then writes it as compact JSON into buf[0..cap): keys in spec order,
 * only present fields, bytes as uppercase hex or padded base64. A NUL follows the text
 * when it fits (not counted). *out_len (optional) gets the length, or on RP_E_OVERFLOW
 * the capacity needed. buf may be NULL when cap is 0 (to measure). A message that would
 * nest deeper than m->max_depth is RP_E_JSON_DEPTH (only hand-written descriptions can
 * allow that: rprotoc's limit is at least the message's nesting). */
RP_CHECK_RESULT int rp_schema_encode(const rp_schema_message *m, const void *msg, char *buf,
                                     size_t cap, size_t *out_len, rp_error *err);

/* rp_schema_encode with the fast lane in front (validate and write in one walk): the same
 * bytes and the same error for every message. Called as rp_schema_decode_fast is. */
RP_CHECK_RESULT int rp_schema_encode_fast(const rp_schema_message *m, const void *msg,
                                          char *buf, size_t cap, size_t *out_len,
                                          rp_error *err);

/* Called once per problem by rp_schema_check_all; the error is only valid during the call. */
typedef void (*rp_schema_report_fn)(void *ctx, const rp_error *problem);

/* Like rp_schema_decode, but keeps going after schema problems and reports every one of
 * them (the `rprotoc validate` use). Every problem with a well-formed value is a schema
 * problem with its path, offset and the spec location of the field or rule — numbers too:
 * a fraction in an integer field (strict mode), a negative number for an unsigned field
 * and a number beyond the field's width read alike ("-1 does not fit a 16-bit unsigned
 * integer", RP_E_SCHEMA_RANGE), a float64 beyond a double; in wire mode a required key whose
 * value was taken as absent (a string where a number belongs, null) is reported missing at
 * that value, with the reason. Only text that is not JSON stops the check (it cannot be
 * read past that point). Returns the number of problems reported (0: valid), or
 * RP_E_ARGUMENT on NULL arguments, RP_E_OVERFLOW if storage ran out (also reported). */
RP_CHECK_RESULT int rp_schema_check_all(const rp_schema_message *m, const char *json,
                                        size_t len, void *msg, rp_arena *storage,
                                        const rp_schema_profile *profile,
                                        rp_schema_report_fn report,
                                        void *report_ctx);

/* A message a decoder may meet on some port in some direction (for rp_schema_classify). */
typedef struct rp_schema_route {
    int id;                   /* caller's message id (the generated <proto>_message_id) */
    int port;                 /* caller's port number */
    int dir;                  /* caller's direction (or sending peer) */
    const rp_schema_message *message;
    uint32_t envelopes;       /* bit e set: it may arrive in envelope e (rp_schema_classify_in);
                                 0: in any */
} rp_schema_route;

/* Tells which of routes[0..n) json[0..len) is, among those with this port and dir: an
 * array goes to the array message; an object to the first message whose const fields all
 * have their values in the text (messages without const fields only when no discriminated
 * one matches). Only the top level is read (and checked as JSON, nested up to the largest
 * max_depth of the routes' messages); the chosen message still has to be decoded. profile
 * as for rp_schema_decode (trailing bytes, truncated numbers as discriminators). Returns the index into routes, or RP_E_SCHEMA_MESSAGE (layer schema)
 * when none fits, or a JSON error when the text is not JSON. */
RP_CHECK_RESULT int rp_schema_classify(const rp_schema_route *routes, size_t n, int port,
                                       int dir, const char *json, size_t len,
                                       const rp_schema_profile *profile, rp_error *err);

/* rp_schema_classify among the routes that may arrive in envelope number `envelope` (0..31,
 * the one that opened the text; a route with envelopes 0 arrives in any): messages only
 * their envelopes tell apart are then told apart. envelope < 0 considers every route, as
 * rp_schema_classify does. */
RP_CHECK_RESULT int rp_schema_classify_in(const rp_schema_route *routes, size_t n, int port,
                                          int dir, int envelope, const char *json, size_t len,
                                          const rp_schema_profile *profile, rp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* RP_SCHEMA_H */
