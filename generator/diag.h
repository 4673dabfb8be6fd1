/* diag.h — diagnostics of the rprotoc front end, rendered like gcc and clang:
 *
 *   spec/x.rproto:12:7: error: unknown type 'strng'; did you mean 'string'?
 *     required strng x = "x";
 *              ^~~~~
 *   spec/x.rproto:3:9: note: ...
 *
 * Every report is rendered into text at once (so the sources it quotes may be freed later)
 * and appended, in report order, to one buffer: the output is deterministic. Errors are
 * counted; after RP_DIAG_MAX_ERRORS further errors are dropped and one line says so.
 * The column is a byte column; bytes that are not printable UTF-8 are shown as <xx> (also
 * C1 controls and bidirectional formatting characters). A source line longer than 200 bytes
 * is quoted as a 200-byte window around the caret, "..." marking each side cut off. The
 * caret line counts terminal columns: two for a wide character, none for a combining mark.
 */
#ifndef RP_DIAG_H
#define RP_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ast.h"
#include "fe_util.h"
#include "rp_error.h"

#define RP_DIAG_MAX_ERRORS 50

typedef struct rp_diag rp_diag;

/* A new, empty diagnostics sink; free with rp_diag_free. Never NULL (exits on OOM). */
rp_diag *rp_diag_new(void);
/* Frees d; NULL is ignored. */
void rp_diag_free(rp_diag *d);

/* Registers the text of a source file so reports on spans of `path` can quote it. Both
 * pointers are borrowed and must stay valid while reports about that file are made.
 * Lookup compares the path pointer first, then the string. */
void rp_diag_add_source(rp_diag *d, const char *path, const char *text, size_t len);

/* Forgets every registered source (call before freeing the texts). */
void rp_diag_drop_sources(rp_diag *d);

/* Reports an error / warning / note at span (NULL span: no location, "rprotoc: error: ...").
 * A note after a dropped error is dropped too. */
void rp_diag_error(rp_diag *d, const rp_ast_span *span, const char *fmt, ...) RP_PRINTF(3, 4);
void rp_diag_warning(rp_diag *d, const rp_ast_span *span, const char *fmt, ...) RP_PRINTF(3, 4);
void rp_diag_note(rp_diag *d, const rp_ast_span *span, const char *fmt, ...) RP_PRINTF(3, 4);

/* Number of errors reported so far (including dropped ones). */
size_t rp_diag_error_count(const rp_diag *d);
/* True once more than RP_DIAG_MAX_ERRORS errors came: every further one is dropped, so work
 * done only to word a message (a "did you mean") can be skipped. */
bool rp_diag_stopped(const rp_diag *d);
/* All rendered text so far ("" when nothing); owned by d, valid until the next report. */
const char *rp_diag_text(const rp_diag *d);
/* Writes the rendered text to f. */
void rp_diag_print(const rp_diag *d, FILE *f);

/* Flushes stdout and checks its error flag too (fflush alone misses a write that failed
 * earlier, e.g. a large fputs to a full disk). On failure prints
 * "rprotoc: error: writing standard output: <reason>" to stderr and returns false. */
bool rp_diag_flush_stdout(void);

/* Appends s[0..n) to b as text safe to print on a terminal, on one line: a control
 * character (C0, DEL, C1) or a bidirectional formatting character as \uXXXX (the escape a
 * spec string would use), a byte that is not UTF-8 as \xXX; everything else as it is. */
void rp_diag_put_printable(rp_strbuf *b, const char *s, size_t n);
/* Appends s[0..n) to b as a spec string in double quotes, the way a value the spec wrote (a
 * delimiter) is quoted wherever it is shown: as rp_diag_put_printable does, and '\\' and '"'
 * escaped, newline, carriage return and tab as \n \r \t. "\u00e9\u007f\t" is "é\u007f\t". */
void rp_diag_put_quoted(rp_strbuf *b, const char *s, size_t n);

/* A usage error of `command` ("rprotoc", "rprotoc validate", ...): prints
 *   COMMAND: error: MESSAGE
 *   Try 'COMMAND --help' for more information.
 * to stderr and returns 2, the exit status of usage errors. */
int rp_diag_usage_error(const char *command, const char *fmt, ...) RP_PRINTF(2, 3);

#endif /* RP_DIAG_H */
