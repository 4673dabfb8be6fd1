/* ast.h — the abstract syntax tree of an .rproto spec, as the front end hands it to emitters.
 *
 * Trust model: the spec is trusted input written by the protocol's authors, but the front
 * end still never crashes on bad spec text. Once rp_frontend_* (frontend.h) returned a
 * spec with no errors, every invariant documented below holds and every reference is
 * resolved, so an emitter can walk the tree without re-checking it.
 *
 * Ownership: one rp_ast_spec owns everything reachable from it (units, declarations,
 * fields, strings). rp_ast_free() releases it all. Pointers documented as "resolved" or
 * "non-owning" point into the same tree and stay valid until rp_ast_free().
 *
 * Strings are NUL-terminated UTF-8 (the lexer rejects NUL and invalid UTF-8), owned by the
 * node that holds them. Optional strings are NULL when absent.
 *
 * Order: every array is in spec order (the order of the text), which is also the order an
 * emitter must keep (wire key order of the encoder, declaration order of the header).
 */
#ifndef RP_AST_H
#define RP_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- source positions ------------------------------------------------------------------ */

/* A half-open byte range of one source file, with 1-based line and column of its first and
 * last byte. Columns count bytes (a tab is one column), like `gcc -fdiagnostics-column-unit=byte`. */
typedef struct rp_ast_span {
    const char *file;   /* path as given / resolved (e.g. "spec/residue.rproto"); owned by the
                           rp_ast_unit of that file; NULL only for synthesized nodes */
    uint32_t line;      /* 1-based line of the first byte */
    uint32_t col;       /* 1-based column of the first byte */
    uint32_t end_line;  /* 1-based line of the last byte (inclusive) */
    uint32_t end_col;   /* 1-based column of the last byte (inclusive); >= col on one line */
    size_t offset;      /* byte offset of the first byte in the file */
    size_t end_offset;  /* byte offset one past the last byte */
} rp_ast_span;

/* ---- exact integers --------------------------------------------------------------------- */

/* An exact integer in [-2^64+1, 2^64-1]: enough for every int64 and uint64 value, and for
 * literals that are out of range so the checker can say so. Never a double.
 * Value = neg ? -(int128)mag : mag. Zero is always stored with neg == false. */
typedef struct rp_ast_int {
    uint64_t mag;   /* absolute value */
    bool neg;       /* true for negative values (mag > 0) */
} rp_ast_int;

/* ---- scalar kinds ----------------------------------------------------------------------- */

/* The built-in types. RP_SCALAR_NONE marks a type that is a reference to a declaration. */
typedef enum rp_ast_scalar {
    RP_SCALAR_NONE = 0,
    RP_SCALAR_BOOL,
    RP_SCALAR_STRING,
    RP_SCALAR_BYTES,
    RP_SCALAR_INT8,
    RP_SCALAR_INT16,
    RP_SCALAR_INT32,
    RP_SCALAR_INT64,
    RP_SCALAR_UINT8,
    RP_SCALAR_UINT16,
    RP_SCALAR_UINT32,
    RP_SCALAR_UINT64,
    RP_SCALAR_FLOAT64   /* an IEEE 754 double: any JSON number, written back exactly */
} rp_ast_scalar;

/* ---- enums shared by several nodes ------------------------------------------------------ */

/* Kind of a top-level declaration. All kinds share one namespace. */
typedef enum rp_ast_decl_kind {
    RP_DECL_CHARSET = 1, /* charset NAME = "class"; */
    RP_DECL_ENUM,        /* enum NAME : intN { VALUE = n; ... }  or  enum NAME : string { VALUE = "text"; ... } */
    RP_DECL_FLAGS,       /* flags NAME : uintN { BIT = 2^k; ... } */
    RP_DECL_MESSAGE,     /* message NAME [on ...] { ... } */
    RP_DECL_ARRAY,       /* array NAME of MESSAGE [len a..b] [on ...]; */
    RP_DECL_PEER,        /* one of the two names of `peers A, B;` */
    RP_DECL_PORT,        /* port NAME { framing = ...; max_packet = N; } */
    RP_DECL_KEY,         /* key NAME = rsa(PEER) | aes(BITS, ...); */
    RP_DECL_ENVELOPE,    /* envelope NAME = LAYER EXPRESSION; */
    RP_DECL_PROFILE,     /* The values of a profile's duplicate_keys besides `reject` (0). */
#define RP_AST_DUPLICATES_LAST 1u
#define RP_AST_DUPLICATES_FIRST 2u

/* profile NAME [: BASE] { SETTING = VALUE; relax "KEY" = FLAGS; } */
    RP_DECL_MACHINE      /* machine NAME for PEER { timer T; state S { EVENT -> S; } } */
} rp_ast_decl_kind;

/* Field presence. */
typedef enum rp_ast_label {
    RP_LABEL_REQUIRED = 1, /* must be present on decode, always encoded */
    RP_LABEL_OPTIONAL,     /* may be absent; absent is distinct from zero (has_ bit) */
    RP_LABEL_REPEATED      /* JSON array of the type, bounded by count_max */
} rp_ast_label;

/* What a message does with keys it does not know. */
typedef enum rp_ast_unknown_keys {
    RP_UNKNOWN_IGNORE = 0, /* default: skip them (what residue peers need) */
    RP_UNKNOWN_REJECT      /* fail with RP_E_SCHEMA_UNKNOWN */
} rp_ast_unknown_keys;

/* Text encoding of a bytes field on the wire. */
typedef enum rp_ast_bytes_encoding {
    RP_BYTES_NONE = 0,  /* not a bytes field (a bytes field always has HEX or BASE64 once checked) */
    RP_BYTES_HEX,       /* hex text; encoded uppercase, decoded in either case */
    RP_BYTES_BASE64     /* standard padded base64 */
} rp_ast_bytes_encoding;

/* Kind of a literal value used by const and default. */
typedef enum rp_ast_value_kind {
    RP_VALUE_NONE = 0,  /* no value (attribute absent) */
    RP_VALUE_INT,       /* integer literal: `i` */
    RP_VALUE_BOOL,      /* true / false: `b` */
    RP_VALUE_STRING,    /* string literal: `str` */
    RP_VALUE_ENUM,      /* a value name of the field's enum or flags: `ident`, resolved to
                           `enum_value`; after checking `i` also holds that value's number */
    RP_VALUE_FLOAT      /* a floating-point literal: `f` (float64 fields; an integer literal
                           on a float64 field is turned into this kind by check) */
} rp_ast_value_kind;

/* ---- nodes ------------------------------------------------------------------------------- */

struct rp_ast_decl;
struct rp_ast_unit;

/* A literal value (const or default). */
typedef struct rp_ast_value {
    rp_ast_value_kind kind;   /* RP_VALUE_NONE when the attribute is absent */
    rp_ast_int i;             /* INT, and ENUM after checking (the value's number) */
    bool b;                   /* BOOL */
    char *str;                /* STRING (owned, NUL-terminated; NUL cannot occur inside) */
    char *ident;              /* ENUM: the value name as written (owned) */
    const struct rp_ast_enum_value *enum_value; /* ENUM: resolved by check (non-owning) */
    rp_ast_span span;         /* the literal */
    double f;                 /* FLOAT */
} rp_ast_value;

/* A type as written in a field, or the element of an array declaration. */
typedef struct rp_ast_type {
    rp_ast_scalar scalar;     /* built-in type, or RP_SCALAR_NONE for a named type */
    char *name;               /* named type as written (owned); NULL for built-ins */
    const struct rp_ast_decl *ref; /* named type resolved by check: an ENUM, FLAGS or
                                      MESSAGE declaration (never CHARSET/ARRAY); non-owning */
    rp_ast_span span;         /* the type name (of a map: the value type's name) */
    /* map<KEY, VALUE>: a JSON object with free keys. The fields above describe VALUE; the key
     * is always a string once checked. */
    bool is_map;
    char *map_key;            /* the key type as written (owned); NULL unless is_map */
    rp_ast_span map_key_span;
    rp_ast_span map_span;     /* the whole map<...> */
} rp_ast_type;

/* One value of an enum, or one bit of a flags set. */
typedef struct rp_ast_enum_value {
    char *name;               /* e.g. "CONNECT" (owned) */
    rp_ast_int value;         /* the number on the wire; for flags a single bit (checked) */
    char *doc;                /* doc comment text or NULL (owned) */
    char *since;              /* first version that has it, e.g. "2.0.0", or NULL (owned) */
    char *until;              /* last version that has it, or NULL (owned) */
    rp_ast_span span;         /* the whole `NAME = n [...]` */
    rp_ast_span name_span;    /* NAME */
    rp_ast_span value_span;   /* n */
    size_t index;             /* position within its declaration */
    const struct rp_ast_decl *parent; /* the enum or flags declaration (non-owning) */
    rp_ast_span since_span;   /* the since string (zeroed when absent) */
    rp_ast_span until_span;   /* the until string (zeroed when absent) */
    /* String enums: the JSON string that stands for the value (owned); NULL for integer
     * enums. `value` is then its 1-based position (set by check), the number of the C enum
     * constant, so that a zeroed struct holds no valid value. */
    char *text;
} rp_ast_enum_value;

/* enum NAME : int { ... }  /  flags NAME : uint { ... } */
typedef struct rp_ast_enum {
    rp_ast_scalar underlying; /* an integer scalar (flags: unsigned only; checked), or
                                 RP_SCALAR_STRING for a string enum (enum only) */
    rp_ast_span underlying_span;
    rp_ast_enum_value *values; /* owned array, value_count entries, spec order */
    size_t value_count;
    bool c_enum;              /* set by check: an enum (not flags) whose every value fits
                                 int32, so C can declare it as an enum type */
} rp_ast_enum;

/* charset NAME = "A-Za-z0-9_-"; */
typedef struct rp_ast_charset {
    char *text;               /* the class as written (after string escapes), owned */
    rp_ast_span text_span;    /* the string literal */
    /* Allowed bytes, filled by check: bit (b & 7) of allowed[b >> 3] is set when byte b is
     * in the class. Only ASCII (0x20..0x7e) can ever be set. Syntax of `text`: single
     * characters and ranges `a-z`; a `-` first or last is literal; `\` makes the next
     * character literal. */
    uint8_t allowed[32];
} rp_ast_charset;

/* ---- transport declarations ------------------------------------------------------------ */

/* A generic expression, as written: the value of a key, envelope, port or profile setting
 * (`rsa(server)`, `join(":", hex(iv), base64(aes(session, json)))`, `1048576`, `ignore`).
 * The checker interprets it; names inside it are resolved there, not by the parser. */
typedef enum rp_ast_expr_kind {
    RP_EXPR_NAME = 1,   /* a bare name: `json`, `ignore`, `big_endian` */
    RP_EXPR_CALL,       /* name(args): `aes(session, json)` (possibly with no args) */
    RP_EXPR_STRING,     /* a string literal */
    RP_EXPR_INT         /* an integer literal */
} rp_ast_expr_kind;

typedef struct rp_ast_expr {
    rp_ast_expr_kind kind;
    char *name;                  /* NAME and CALL (owned) */
    char *str;                   /* STRING (owned; NUL cannot occur inside) */
    rp_ast_int i;                /* INT */
    struct rp_ast_expr **args;   /* CALL: owned array of owned arguments, spec order */
    size_t arg_count;
    rp_ast_span span;            /* the whole expression */
    rp_ast_span name_span;       /* NAME and CALL: the name (else == span) */
} rp_ast_expr;

/* `NAME = EXPR;` inside a port or profile body, or `option NAME = EXPR;` at file level. */
typedef struct rp_ast_setting {
    char *name;                  /* owned */
    rp_ast_expr *value;          /* owned */
    rp_ast_span name_span;
    rp_ast_span span;            /* the whole statement */
} rp_ast_setting;

/* One name of `peers A, B;`. Exactly two peers exist in a checked spec that has ports. */
typedef struct rp_ast_peer {
    size_t index;                /* 0 for the first name of the statement, 1 for the second */
    rp_ast_span statement_span;  /* the whole `peers A, B;` */
} rp_ast_peer;

/* How a port cuts its byte stream into packets. */
typedef enum rp_ast_framing_kind {
    RP_AST_FRAMING_NONE = 0,     /* not (validly) given: only in an unchecked tree */
    RP_AST_FRAMING_DELIMITER,    /* every packet ends with `delimiter` */
    RP_AST_FRAMING_LENGTH        /* every packet starts with its payload length */
} rp_ast_framing_kind;

/* port NAME { framing = delimiter("\r\n\r\n") | length(uintN, big_endian|little_endian);
 *             max_packet = N; } */
typedef struct rp_ast_port {
    rp_ast_setting *settings;    /* owned, as written (check reads them into the fields below) */
    size_t setting_count;
    /* resolved by check: */
    rp_ast_framing_kind framing;
    const char *delimiter;       /* DELIMITER: 1..16 bytes (points into the setting's string) */
    size_t delimiter_len;
    unsigned prefix_bytes;       /* LENGTH: 1, 2, 4 or 8 */
    bool big_endian;             /* LENGTH: byte order of the prefix */
    uint64_t max_packet;         /* payload bytes, delimiter or prefix excluded; > 0 */
    size_t index;                /* position among the spec's ports (0-based, spec order) */
} rp_ast_port;

/* What a key is. */
typedef enum rp_ast_key_kind {
    RP_AST_KEY_NONE = 0,         /* unchecked */
    RP_AST_KEY_RSA,              /* an RSA key pair: `rsa(PEER)`, PEER holds the private half */
    RP_AST_KEY_AES               /* an AES key: `aes(128, 192, 256)`, the sizes allowed */
} rp_ast_key_kind;

/* key NAME = rsa(PEER);  /  key NAME = aes(BITS, ...); */
typedef struct rp_ast_key {
    rp_ast_expr *expr;           /* owned, as written */
    /* resolved by check: */
    rp_ast_key_kind kind;
    const struct rp_ast_decl *owner; /* RSA: the RP_DECL_PEER holding the private half */
    unsigned aes_bits;           /* AES: bit 0 = 128, bit 1 = 192, bit 2 = 256 allowed */
    size_t index;                /* position among the spec's keys (0-based, spec order) */
} rp_ast_key;

/* The built-in layers an envelope is composed of (docs/language.md §4.12). */
typedef enum rp_ast_layer_kind {
    RP_AST_LAYER_JSON = 1,           /* the message text; always the innermost layer */
    RP_AST_LAYER_ZLIB,               /* zlib stream (RFC 1950) of the inner text; binary */
    RP_AST_LAYER_BASE64,             /* padded base64; opened: alphabet, '=' and whitespace */
    RP_AST_LAYER_BASE64_LENIENT,     /* padded base64; opened: every other byte skipped */
    RP_AST_LAYER_HEX,                /* lowercase hex; opened: either case */
    RP_AST_LAYER_RSA,                /* RSA PKCS#1 v1.5, one block, to `key`; binary */
    RP_AST_LAYER_AES,                /* AES-CBC + PKCS#7 with `key` and a random IV; binary */
    RP_AST_LAYER_JOIN                /* parts joined by `separator`; text; outermost only */
} rp_ast_layer_kind;

/* One part of a join. */
typedef enum rp_ast_part_kind {
    RP_AST_PART_PAYLOAD = 1,     /* the next inner layer's text */
    RP_AST_PART_IV_HEX,          /* hex(iv): the envelope's AES IV, 32 lowercase hex digits */
    RP_AST_PART_KEY_ID           /* id(KEY): the name under which the receiver knows KEY */
} rp_ast_part_kind;

typedef struct rp_ast_join_part {
    rp_ast_part_kind kind;
    const struct rp_ast_decl *key; /* KEY_ID: the RP_DECL_KEY (non-owning) */
    rp_ast_span span;
} rp_ast_join_part;

/* One layer of a checked envelope. */
typedef struct rp_ast_layer {
    rp_ast_layer_kind kind;
    const struct rp_ast_decl *key; /* RSA and AES: the RP_DECL_KEY used (non-owning) */
    bool iv_in_join;             /* AES: an enclosing join places the IV (else the sealed
                                    text is IV followed by the ciphertext) */
    const char *separator;       /* JOIN: 1.. bytes (points into the expression's string) */
    rp_ast_join_part *parts;     /* JOIN: owned, spec order; exactly one PAYLOAD */
    size_t part_count;
    rp_ast_span span;            /* the layer's call (or name) as written */
} rp_ast_layer;

/* envelope NAME = EXPR; */
typedef struct rp_ast_envelope {
    rp_ast_expr *expr;           /* owned, as written */
    /* resolved by check: */
    rp_ast_layer *layers;        /* owned; outermost first, the last one is RP_AST_LAYER_JSON */
    size_t layer_count;
    size_t index;                /* position among the spec's envelopes (0-based, spec order) */
} rp_ast_envelope;

/* The flags of a relax: what a profile lets a wire key do. */
typedef struct rp_ast_relax_flags {
    bool optional;               /* a required field with this key may be absent */
    bool zero_is_absent;         /* the number 0 in an integer field reads as absent */
    bool empty_is_absent;        /* "" in a string or bytes field reads as absent */
} rp_ast_relax_flags;

/* relax "KEY" = optional, zero_is_absent, empty_is_absent; inside a profile. */
typedef struct rp_ast_relax {
    char *key;                   /* the wire key it applies to in every message (owned) */
    rp_ast_span key_span;
    rp_ast_relax_flags flags;
    rp_ast_span span;
} rp_ast_relax;

/* profile NAME [: BASE] { trailing_bytes = ignore; ...; relax "KEY" = ...; } — a set of
 * decoding leniencies. A spec's decoders are strict unless the caller passes a profile. */
typedef struct rp_ast_profile {
    char *base_name;             /* owned or NULL */
    rp_ast_span base_span;
    rp_ast_setting *settings;    /* owned, as written */
    size_t setting_count;
    rp_ast_relax *relaxes;       /* owned, spec order */
    size_t relax_count;
    /* resolved by check (inherited settings included); each setting is 0 for `reject`: */
    const struct rp_ast_decl *base; /* the RP_DECL_PROFILE it extends, or NULL */
    uint8_t trailing_ignore;     /* trailing_bytes = ignore: bytes after the value ignored */
    uint8_t float_truncate;      /* float_numbers = truncate: 1.9 in an integer field is 1 */
    uint8_t string_numbers_absent; /* string_numbers = absent: "7" for a number is absent */
    uint8_t duplicate_keys;      /* RP_AST_DUPLICATES_LAST or _FIRST: which occurrence wins */
    uint8_t null_absent;         /* null_values = absent: null counts as absent */
    uint8_t base64_lenient;      /* base64 = lenient: bytes outside the alphabet are skipped */
    size_t index;                /* position among the spec's profiles (0..31, spec order) */
} rp_ast_profile;

/* `on PORT FROM -> TO in ENV | ENV ...` of a message or array declaration. */
typedef struct rp_ast_route {
    char *port_name;             /* as written (owned) */
    rp_ast_span port_span;
    char *from_name;             /* the sending peer (owned) */
    rp_ast_span from_span;
    char *to_name;               /* the receiving peer (owned) */
    rp_ast_span to_span;
    char **envelope_names;       /* owned array of owned names, spec order */
    rp_ast_span *envelope_spans; /* owned, one per name */
    size_t envelope_count;       /* >= 1 */
    rp_ast_span span;            /* the whole clause */
    /* resolved by check (non-owning): */
    const struct rp_ast_decl *port;       /* RP_DECL_PORT */
    const struct rp_ast_decl *from;       /* RP_DECL_PEER */
    const struct rp_ast_decl *to;         /* RP_DECL_PEER */
    const struct rp_ast_decl **envelopes; /* owned array of RP_DECL_ENVELOPE, one per name */
} rp_ast_route;

/* ---- session machines --------------------------------------------------------------------- */

/* What fires a transition. */
typedef enum rp_ast_event_kind {
    RP_EVENT_SEND = 1,           /* the peer sends the message (the application asks to) */
    RP_EVENT_RECEIVE,            /* the message arrives from the other peer */
    RP_EVENT_TIMER               /* a timer of the machine runs out */
} rp_ast_event_kind;

/* `send M [in E | F] -> S [actions];`, `receive M ...`, `timer T -> S [actions];` */
typedef struct rp_ast_transition {
    rp_ast_event_kind event;
    char *subject;               /* the message (SEND, RECEIVE) or timer (TIMER) as written */
    rp_ast_span subject_span;
    char **envelope_names;       /* the `in` list (owned), or none: every envelope of the
                                    message's routes in that direction */
    rp_ast_span *envelope_spans;
    size_t envelope_count;
    char *target;                /* the next state as written (owned) */
    rp_ast_span target_span;
    rp_ast_expr **actions;       /* `[ ... ]` as written (owned): establish(KEY), drop(KEY),
                                    start(TIMER), stop(TIMER), error */
    size_t action_count;
    char *doc;                   /* owned or NULL */
    rp_ast_span span;
    /* resolved by check (non-owning unless noted): */
    const struct rp_ast_decl *message;    /* SEND, RECEIVE */
    size_t timer;                         /* TIMER: index into the machine's timers */
    const struct rp_ast_decl **envelopes; /* owned array: the envelopes this transition takes
                                             (the `in` list, or every envelope of the routes) */
    size_t envelope_total;
    size_t target_state;                  /* index into the machine's states */
    const struct rp_ast_decl **establishes; /* owned array of RP_DECL_KEY */
    size_t establish_count;
    const struct rp_ast_decl **drops;     /* owned array of RP_DECL_KEY */
    size_t drop_count;
    size_t *starts;                       /* owned: timer indexes started */
    size_t start_count;
    size_t *stops;                        /* owned: timer indexes stopped */
    size_t stop_count;
    bool is_error;                        /* an error transition (drawn as such) */
    size_t index;                         /* position among the machine's transitions */
} rp_ast_transition;

/* state NAME [initial, final] { transitions } */
typedef struct rp_ast_state {
    char *name;                  /* owned */
    rp_ast_span name_span;
    char *doc;                   /* owned or NULL */
    bool initial;                /* the state a new machine starts in (exactly one) */
    bool final;                  /* nothing happens after it (no transitions) */
    rp_ast_transition *transitions; /* owned, spec order */
    size_t transition_count;
    rp_ast_span span;
    size_t index;                /* position in the machine */
} rp_ast_state;

/* timer NAME; — its duration is set at run time when a transition starts it. */
typedef struct rp_ast_timer {
    char *name;                  /* owned */
    char *doc;                   /* owned or NULL */
    rp_ast_span span;
    size_t index;
} rp_ast_timer;

/* machine NAME for PEER { ... } — one peer's side of the session. */
typedef struct rp_ast_machine {
    char *peer_name;             /* owned */
    rp_ast_span peer_span;
    rp_ast_timer *timers;        /* owned, spec order */
    size_t timer_count;
    rp_ast_state *states;        /* owned, spec order */
    size_t state_count;
    /* resolved by check: */
    const struct rp_ast_decl *peer;  /* RP_DECL_PEER */
    size_t initial;              /* index of the initial state */
    size_t transition_count;     /* over all states */
} rp_ast_machine;

/* Length or count bounds: `len 16`, `len 1..128`, `len ..64`, `len {16, 24, 32}`. */
typedef struct rp_ast_len {
    bool present;             /* the attribute was written */
    bool has_min;             /* lower bound given (false: 0) */
    uint64_t min;
    bool has_max;             /* upper bound given (false: unbounded) */
    uint64_t max;
    uint64_t *set;            /* owned; non-NULL for the `{a, b, c}` form (then min/max are
                                 the smallest and largest member and has_min/has_max true) */
    size_t set_count;
    rp_ast_span span;         /* the whole attribute */
} rp_ast_len;

/* Attributes of one field (everything between [ ]). Absent attributes are zero/NULL. */
typedef struct rp_ast_attrs {
    /* range lo..hi (either side optional), numeric fields only. */
    bool has_range;
    bool has_lo;              /* `range 1..` has lo only */
    rp_ast_int lo;
    bool has_hi;
    rp_ast_int hi;
    rp_ast_span range_span;
    /* A range with a floating-point bound (as written), or any range of a float64 field once
     * checked: the bounds are then flo / fhi (integer bounds converted). */
    bool range_float;
    double flo, fhi;

    /* one_of {a, b, c}: the allowed numbers (integer fields), spec order, no duplicates. */
    rp_ast_int *one_of;       /* owned; NULL when absent */
    size_t one_of_count;
    rp_ast_span one_of_span;

    /* len: string length in bytes of UTF-8, or bytes length after decoding. */
    rp_ast_len len;

    /* count: element count bounds of a repeated field (count_max is always set on a
     * checked repeated field: it sizes the C array). */
    rp_ast_len count;

    /* charset NAME: every byte of a string field must be in the class. */
    char *charset_name;       /* as written (owned) or NULL */
    const struct rp_ast_decl *charset; /* resolved RP_DECL_CHARSET (non-owning) */
    rp_ast_span charset_span;

    /* hex / base64: wire encoding of a bytes field. */
    rp_ast_bytes_encoding encoding;
    rp_ast_span encoding_span;

    /* const V: the field always has this value; a discriminator. Required fields only. */
    rp_ast_value const_value;
    /* default V: value init() puts in an optional field (presence bit stays false). */
    rp_ast_value default_value;

    /* since "x.y.z" / until "x.y.z": versions of the peer that send the field (inclusive). */
    char *since;              /* owned or NULL */
    rp_ast_span since_span;
    char *until;              /* owned or NULL */
    rp_ast_span until_span;

    /* pattern "re": a string must match the whole regular expression (regex.h subset). */
    char *pattern;            /* as written, after string escapes (owned) or NULL */
    rp_ast_span pattern_span; /* the string literal */
    struct rp_regex *pattern_re; /* compiled by check (owned) */

    /* nullable: JSON null is a value of the field (distinct from absent; is_null_ in C). */
    bool nullable;
    rp_ast_span nullable_span;

    /* Map fields only: bounds and class of every key (`count` bounds the entries). */
    rp_ast_len key_len;
    char *key_charset_name;   /* as written (owned) or NULL */
    const struct rp_ast_decl *key_charset; /* resolved RP_DECL_CHARSET (non-owning) */
    rp_ast_span key_charset_span;
} rp_ast_attrs;

/* One field of a message: LABEL TYPE c_name = "wire_key" [attrs]; */
typedef struct rp_ast_field {
    rp_ast_label label;
    rp_ast_type type;
    char *c_name;             /* C identifier of the struct member (owned) */
    char *wire_key;           /* JSON key (owned; any UTF-8, emitter must escape it) */
    rp_ast_attrs attrs;
    char *doc;                /* doc comment or NULL (owned) */
    rp_ast_span span;         /* the whole field declaration */
    rp_ast_span name_span;    /* c_name */
    rp_ast_span key_span;     /* the wire key string literal */
    size_t index;             /* position within the message */
    const struct rp_ast_decl *parent; /* the message (non-owning) */
} rp_ast_field;

/* message NAME [on ...] { option unknown_keys = X; fields } */
typedef struct rp_ast_message {
    rp_ast_route *routes;     /* owned, spec order; none for nested-only messages */
    size_t route_count;
    rp_ast_unknown_keys unknown_keys; /* default RP_UNKNOWN_IGNORE */
    bool unknown_keys_set;    /* the option was written */
    rp_ast_span unknown_keys_span;
    rp_ast_field *fields;     /* owned array, field_count entries, spec order */
    size_t field_count;
} rp_ast_message;

/* array NAME of ELEMENT [len a..b] [on ...]; — a top-level JSON array of messages. */
typedef struct rp_ast_array {
    rp_ast_type element;      /* resolved to an RP_DECL_MESSAGE by check */
    rp_ast_len len;           /* item count bounds; has_max always true once checked */
    rp_ast_route *routes;     /* owned, spec order; possibly none */
    size_t route_count;
} rp_ast_array;

/* A top-level declaration. */
typedef struct rp_ast_decl {
    rp_ast_decl_kind kind;
    char *name;               /* e.g. "LogRequest" (owned) */
    char *doc;                /* doc comment or NULL (owned) */
    rp_ast_span span;         /* from the keyword to the closing } or ; */
    rp_ast_span name_span;
    const struct rp_ast_unit *unit; /* file it was declared in (non-owning) */
    size_t index;             /* position in rp_ast_spec.decls */
    unsigned json_depth;      /* messages and arrays: levels of JSON nesting (resolved by check) */
    union {
        rp_ast_charset charset; /* RP_DECL_CHARSET */
        rp_ast_enum enm;        /* RP_DECL_ENUM and RP_DECL_FLAGS */
        rp_ast_message message; /* RP_DECL_MESSAGE */
        rp_ast_array array;     /* RP_DECL_ARRAY */
        rp_ast_peer peer;       /* RP_DECL_PEER */
        rp_ast_port port;       /* RP_DECL_PORT */
        rp_ast_key key;         /* RP_DECL_KEY */
        rp_ast_envelope envelope; /* RP_DECL_ENVELOPE */
        rp_ast_profile profile; /* RP_DECL_PROFILE */
        rp_ast_machine machine; /* RP_DECL_MACHINE */
    } u;
} rp_ast_decl;

/* import "other.rproto"; */
typedef struct rp_ast_import {
    char *path;               /* as written (owned) */
    rp_ast_span span;         /* the string literal */
    const struct rp_ast_unit *unit; /* the loaded file (non-owning); NULL if it failed */
} rp_ast_import;

/* One source file. */
typedef struct rp_ast_unit {
    char *path;               /* path used to open it (owned; spans point at this string) */
    char *text;               /* the whole file, NUL-terminated (owned) */
    size_t text_len;          /* bytes in text, excluding the final NUL */
    char *protocol;           /* `protocol NAME;` of this file, or NULL (owned) */
    char *protocol_doc;       /* doc comment above it, or NULL (owned) */
    rp_ast_span protocol_span;
    rp_ast_import *imports;   /* owned array, spec order */
    size_t import_count;
    rp_ast_decl **decls;      /* owned array of owned declarations, spec order */
    size_t decl_count;
    rp_ast_setting *options;  /* `option NAME = VALUE;` at file level (owned, spec order) */
    size_t option_count;
    bool is_main;             /* the file named on the command line */
} rp_ast_unit;

/* The whole program: the main file plus everything it imports. */
typedef struct rp_ast_spec {
    const char *protocol;     /* the main unit's protocol name (non-owning alias) */
    const char *protocol_doc; /* its doc comment or NULL (non-owning alias) */
    rp_ast_unit **units;      /* owned; dependencies before dependants, main unit last */
    size_t unit_count;
    const rp_ast_unit *main;  /* == units[unit_count - 1] (non-owning) */
    /* Every declaration of every unit in unit order then spec order (non-owning index).
     * Emitters that only want the main file's declarations test decl->unit->is_main. */
    rp_ast_decl **decls;
    size_t decl_count;
    /* The transport declarations by kind, in decls order (non-owning pointers in owned
     * arrays, filled by check). peers[] is NULL, NULL when the spec declares none. Their
     * index fields are their positions here. */
    const rp_ast_decl *peers[2];
    const rp_ast_decl **ports;
    size_t port_count;
    const rp_ast_decl **keys;
    size_t key_count;
    const rp_ast_decl **envelopes;
    size_t envelope_count;
    const rp_ast_decl **profiles;
    size_t profile_count;
    const rp_ast_decl **machines;
    size_t machine_count;
    size_t route_count;       /* routes over all messages and arrays */
    /* `option max_depth = N;` of the main file: the JSON nesting limit of every decoder,
     * at least the deepest message's own depth (checked); 0 when not given. */
    uint64_t max_depth;
} rp_ast_spec;

/* ---- helpers (ast.c) --------------------------------------------------------------------- */

/* Frees the spec and everything it owns. NULL is allowed and ignored. */
void rp_ast_free(rp_ast_spec *spec);
/* Frees one declaration / one unit that is not (yet) part of a spec. NULL is ignored. */
void rp_ast_decl_free(rp_ast_decl *decl);
void rp_ast_unit_free(rp_ast_unit *unit);
/* Frees an expression tree / an array of n settings. NULL is ignored. */
void rp_ast_expr_free(rp_ast_expr *expr);
void rp_ast_settings_free(rp_ast_setting *settings, size_t n);
/* Frees what one state owns (not the struct itself). */
void rp_ast_state_clear(rp_ast_state *state);

/* Keyword of a scalar ("uint16"), or "?" for RP_SCALAR_NONE. Never NULL. */
const char *rp_ast_scalar_name(rp_ast_scalar s);
/* C type of a scalar: "uint16_t", "bool", "rp_str", "rp_bytes"; "?" for NONE. Never NULL. */
const char *rp_ast_scalar_c_type(rp_ast_scalar s);
/* True for the eight integer kinds. */
bool rp_ast_scalar_is_int(rp_ast_scalar s);
/* True for int8..int64. */
bool rp_ast_scalar_is_signed(rp_ast_scalar s);
/* Width in bits of an integer kind (8..64); 0 for the others. */
unsigned rp_ast_scalar_bits(rp_ast_scalar s);
/* Smallest / largest value of an integer kind (zero for non-integers). */
rp_ast_int rp_ast_scalar_min(rp_ast_scalar s);
rp_ast_int rp_ast_scalar_max(rp_ast_scalar s);

/* Integer helpers. */
rp_ast_int rp_ast_int_from_u64(uint64_t v);
rp_ast_int rp_ast_int_from_i64(int64_t v);
/* -1, 0, 1 like strcmp. */
int rp_ast_int_cmp(rp_ast_int a, rp_ast_int b);
/* first[i] = index + 1 of the first of items[0..i) equal to items[i], or 0: equal values
 * found by sorting, so a list of n costs n log n, not n^2 comparisons. Free the result. */
size_t *rp_ast_int_first_equal(const rp_ast_int *items, size_t n);
/* True when v lies within the range of integer kind s (false for non-integers). */
bool rp_ast_int_fits(rp_ast_int v, rp_ast_scalar s);
/* Value as int64_t / uint64_t; the caller guarantees it fits (else the result wraps). */
int64_t rp_ast_int_as_i64(rp_ast_int v);
uint64_t rp_ast_int_as_u64(rp_ast_int v);
/* Decimal text ("-12", "18446744073709551615") into buf (>= 22 bytes); returns buf. */
char *rp_ast_int_format(rp_ast_int v, char *buf, size_t cap);

/* Name of an enum constant for dumps and messages ("connect", "c2s", "rsa(server)",
 * "required", "hex", "ignore"). Never NULL. */
const char *rp_ast_decl_kind_name(rp_ast_decl_kind k);
const char *rp_ast_layer_name(rp_ast_layer_kind k);
const char *rp_ast_framing_name(rp_ast_framing_kind k);
const char *rp_ast_event_name(rp_ast_event_kind k);
const char *rp_ast_label_name(rp_ast_label l);
const char *rp_ast_encoding_name(rp_ast_bytes_encoding e);
const char *rp_ast_unknown_keys_name(rp_ast_unknown_keys u);

/* The integer kind a field holds on the wire: the scalar itself, or the underlying type of
 * a resolved enum/flags; RP_SCALAR_NONE for messages and unresolved types. */
rp_ast_scalar rp_ast_type_int_kind(const rp_ast_type *t);
/* True when the type resolves to a declaration of that kind. NULL t gives false. */
bool rp_ast_type_is(const rp_ast_type *t, rp_ast_decl_kind k);

/* Finds a declaration by name in spec->decls; NULL when absent or spec/name NULL. */
const rp_ast_decl *rp_ast_find_decl(const rp_ast_spec *spec, const char *name);
/* Finds a value of an enum/flags declaration by name; NULL when absent. */
const rp_ast_enum_value *rp_ast_find_enum_value(const rp_ast_decl *decl, const char *name);
/* True when decoding fails without the key: a required field, or a repeated or map field
 * whose count has a minimum of 1 or more (an absent list would be an empty one). */
bool rp_ast_field_is_required(const rp_ast_field *f);
/* True for a string enum declaration. */
bool rp_ast_decl_is_string_enum(const rp_ast_decl *d);

/* True when n satisfies the length or count bounds l (always, when l is not written). */
bool rp_ast_len_allows(const rp_ast_len *l, uint64_t n);

/* Finds a field of a message declaration by C name; NULL when absent. */
const rp_ast_field *rp_ast_find_field(const rp_ast_decl *decl, const char *c_name);

/* The JSON nesting limit of the decoder and encoder of a message or array: the spec's
 * `option max_depth`, or else the larger of its own depth and RP_AST_DEFAULT_DEPTH. */
#define RP_AST_DEFAULT_DEPTH 32u
unsigned rp_ast_decode_depth(const rp_ast_spec *spec, const rp_ast_decl *d);

/* Routes of a message or array declaration (NULL/0 for other kinds). */
const rp_ast_route *rp_ast_decl_routes(const rp_ast_decl *d, size_t *count);

/* Whether `profile` (an RP_DECL_PROFILE, its bases included) relaxes the wire key `key`;
 * *flags (may be NULL) gets the union of the flags of every relax of it. */
bool rp_ast_profile_relaxes(const rp_ast_decl *profile, const char *key, rp_ast_relax_flags *flags);

/* Whether the absent-value flags apply to f: zero_is_absent to integer fields (enums
 * included), empty_is_absent to string and bytes fields; neither to lists or maps. */
bool rp_ast_field_takes_zero_is_absent(const struct rp_ast_field *f);
bool rp_ast_field_takes_empty_is_absent(const struct rp_ast_field *f);

/* The relax masks of field f: bit i of *optional / *absent for the profile of index i that
 * relaxes its wire key (rp_schema_field.relax_optional / relax_zero_absent); *absent has the
 * profiles whose zero_is_absent or empty_is_absent, whichever f takes, names it. */
void rp_ast_relax_masks(const rp_ast_spec *spec, const struct rp_ast_field *f, uint32_t *optional,
                        uint32_t *absent);

/* Visitor over a checked spec, in spec order: decl, then each of its values or fields.
 * Any callback may be NULL. A non-zero return stops the walk and is returned. */
typedef struct rp_ast_visitor {
    int (*decl)(void *ctx, const rp_ast_decl *decl);
    int (*enum_value)(void *ctx, const rp_ast_decl *decl, const rp_ast_enum_value *v);
    int (*field)(void *ctx, const rp_ast_decl *decl, const rp_ast_field *f);
    int (*decl_end)(void *ctx, const rp_ast_decl *decl);
} rp_ast_visitor;
/* Walks every declaration (main_only: only those of the main unit). */
int rp_ast_walk(const rp_ast_spec *spec, bool main_only, const rp_ast_visitor *v, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* RP_AST_H */
