/* emit_c_util.h — C literals, doc comments and size bounds shared by the C emitter (every
 * C name comes from cnames.h). Internal to emit_c*.c. Every returned char * is owned by the
 * caller (free()).
 */
#ifndef RP_EMIT_C_UTIL_H
#define RP_EMIT_C_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "cnames.h"
#include "fe_util.h"
#include "json_bounds.h"

/* State of one emission: the spec, the names derived from it, and the two output texts. */
typedef struct emit_ctx {
    const rp_ast_spec *spec;
    rp_cnames names;       /* prefix "residue", upper "RESIDUE" and the mangling (cnames.h) */
    char *fixed[RP_CN_FIXED_COUNT]; /* the fixed names (cnames.h), e.g. "residue_any" */
    bool routed;           /* the spec has routes: routing code is written (else none at all) */
    bool lanes;            /* --optimize speed: decode lanes in front of the walk (emit_c_lanes.c) */
    char sha256[65];       /* hex SHA-256 of the spec text(s) */
    rp_strbuf h;           /* header text */
    rp_strbuf c;           /* source text */
    bool *done;            /* per spec->decls index: struct already emitted (header order) */
    uint64_t *bounds;      /* per spec->decls index: rp_bound_message_memo's memo */
    FILE *h_sink, *c_sink; /* when not NULL, emit_spill writes the texts there as they grow */
    bool sink_failed;      /* a write to a sink failed */
    FILE *failed_sink;     /* the first sink that failed, and its errno */
    int sink_errno;
} emit_ctx;

/* The table engine's entry points the generated code calls: with its fast lanes in front
 * under --optimize speed, the careful walks alone under --optimize size (rp_schema.h). */
static inline const char *emit_decode_walk(const emit_ctx *cx)
{
    return cx->lanes ? "rp_schema_decode_fast" : "rp_schema_decode";
}

static inline const char *emit_encode_walk(const emit_ctx *cx)
{
    return cx->lanes ? "rp_schema_encode_fast" : "rp_schema_encode";
}

/* Calls emit(cx, d) once for every message and array declaration, in spec order except
 * that a declaration comes after every message it embeds (C needs a struct defined before
 * it is a member). Uses and resets cx->done. */
void emit_each_message_in_dependency_order(emit_ctx *cx,
                                           void (*emit)(emit_ctx *cx, const rp_ast_decl *d));

/* Appends s as a C string literal (quotes included): escapes \ " ? and non-printable bytes
 * (octal), so any UTF-8 key or text is safe and the output stays ASCII. */
void emit_cstr(rp_strbuf *b, const char *s);
/* Appends s for use inside a C comment: "*\/" cannot occur, control bytes become spaces. */
void emit_comment_text(rp_strbuf *b, const char *s);
/* Appends a doc comment block (/ ** ... * /) for doc (NULL: nothing), each line prefixed
 * by indent. extra (may be NULL) is appended as a final paragraph. */
void emit_doc(rp_strbuf *b, const char *indent, const char *doc, const char *extra);

/* Integer literals that compile clean with -Wconversion/-Wpedantic in C and C++:
 * 128u, UINT64_C(4294967296), -5, INT64_C(-4294967296), (-INT64_MAX - 1). */
void emit_u64_lit(rp_strbuf *b, uint64_t v);
void emit_i64_lit(rp_strbuf *b, int64_t v);
/* An AST integer as one of the two, by the signedness of the C value it is compared with. */
void emit_int_lit(rp_strbuf *b, bool is_signed, rp_ast_int v);
/* Decimal text of an AST integer. */
void emit_int_text(rp_strbuf *b, rp_ast_int v);
/* s as a JSON string literal, quotes included: '"', '\\' and control bytes escaped, so that a
 * text in a message, a comment or the reference reads as the wire has it ("\"q\"", "\\"). */
void emit_json_string(rp_strbuf *b, const char *s);

/* The C type of a field's element (without array brackets) — owned. */
char *emit_field_ctype(const emit_ctx *cx, const rp_ast_field *f);

/* True when an enum declaration is emitted as a C enum (all values fit int); otherwise it
 * is a typedef of its underlying integer plus #defines. */
bool emit_enum_is_c_enum(const rp_ast_decl *d);

/* What a rule expects, as the text of "expected <this>, got <value>" (shared by the
 * generated tables and `rprotoc validate`, so both say the same thing). */
void emit_expect_enum(rp_strbuf *b, const rp_ast_decl *enm);          /* "a Level value (1, 2)" */
uint64_t emit_expect_flags(rp_strbuf *b, const rp_ast_decl *flags);   /* returns the mask */
void emit_expect_const(rp_strbuf *b, const rp_ast_value *v);          /* "CONNECT (1)" */
void emit_expect_range(rp_strbuf *b, const rp_ast_attrs *a);          /* "a value in 1..9" */
void emit_expect_one_of(rp_strbuf *b, const rp_ast_attrs *a);         /* "one of {128, 192}" */
void emit_expect_len(rp_strbuf *b, const rp_ast_len *l);              /* "1..128" */
void emit_expect_charset(rp_strbuf *b, const rp_ast_decl *charset);   /* "characters of ..." */
void emit_expect_pattern(rp_strbuf *b, const char *pattern);          /* "a match of pattern \"..\"" */
/* A double as its shortest round-trip text ("1.5", "1e+300"), and as a C double literal
 * (the same with ".0" added when it would read as an integer). */
void emit_double_text(rp_strbuf *b, double v);
void emit_double_lit(rp_strbuf *b, double v);

#endif /* RP_EMIT_C_UTIL_H */
