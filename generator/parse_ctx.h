/* parse_ctx.h — state shared by the flex scanner (lexer.l) and the bison parser (parser.y)
 * while one source file is parsed. Internal to the front end; emitters never see it.
 *
 * There is no global state: the scanner's "extra" pointer and the parser's parse-param are
 * both this struct.
 */
#ifndef RP_PARSE_CTX_H
#define RP_PARSE_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "fe_util.h"

/* A doc comment block and the offset of the token that follows it. */
typedef struct rp_doc_entry {
    size_t offset;   /* byte offset of the first token after the block */
    char *text;      /* owned; NULL once taken by a node */
} rp_doc_entry;

typedef struct rp_parse_ctx {
    rp_diag *diag;           /* where lexical, syntax and builder errors go (borrowed) */
    rp_ast_unit *unit;       /* the unit being filled (borrowed; path and text set) */
    /* scanner position: of the next byte to scan */
    size_t offset;
    uint32_t line, col;
    /* doc comment lines seen since the last token, joined with '\n' */
    rp_strbuf pending_doc;
    bool has_pending_doc;
    uint32_t pending_doc_line; /* line of the last "///" line in the pending block */
    uint32_t last_token_line;  /* line the last token ended on (0: none yet): a "///" after a
                                  token on its line is no doc comment */
    rp_doc_entry *docs;      /* blocks waiting to be claimed, in offset order (owned) */
    size_t doc_count, doc_cap;
    size_t errors;           /* errors reported while parsing this unit */
    size_t kept_whole;       /* of which the builder's that left the AST whole (see
                                rp_build_error): the semantic checks may still run */
    /* last error position, used to drop a second syntax error at the same token */
    size_t last_syntax_error_offset;
    bool have_syntax_error;
    /* '(' of expressions open around the parser's position (parser.y bounds it) */
    size_t paren_depth;
} rp_parse_ctx;

/* Takes the doc comment block that sits right before the token at `offset`: returns the
 * owned text (caller frees) or NULL when there is none. */
char *rp_parse_take_doc(rp_parse_ctx *ctx, size_t offset);

/* Lexer side: builds the span of the next `len` bytes of the input and advances. */
void rp_lex_advance(rp_parse_ctx *ctx, rp_ast_span *span, const char *text, size_t len);

/* Reports an error at span through ctx->diag and counts it. */
void rp_parse_error(rp_parse_ctx *ctx, const rp_ast_span *span, const char *fmt, ...) RP_PRINTF(3, 4);

/* The same for a builder's error after which the AST is still whole (the bad part was
 * dropped or left at its default: a duplicate attribute, an unknown option value): it is
 * counted in ctx->kept_whole too, so the semantic checks still run and report their own. */
void rp_build_error(rp_parse_ctx *ctx, const rp_ast_span *span, const char *fmt, ...) RP_PRINTF(3, 4);

/* Parses unit->text (unit->text_len bytes) into unit's protocol, imports and decls,
 * reporting every lexical and syntax error to diag. Returns the number of errors, and in
 * *kept_whole (may be NULL) how many of them left the AST whole; the unit holds whatever
 * parsed cleanly either way (free it with rp_ast_unit_free). */
size_t rp_parse_unit(rp_diag *diag, rp_ast_unit *unit, size_t *kept_whole);

#endif /* RP_PARSE_CTX_H */
