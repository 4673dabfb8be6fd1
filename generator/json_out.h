/* json_out.h — a small pretty-printing JSON text builder for rprotoc's own outputs (the JSON
 * Schema emitter). Not the runtime's writer: this one indents, owns a growable buffer
 * (fe_util.h, exits on out of memory) and trusts its caller to nest calls correctly.
 */
#ifndef RP_JSON_OUT_H
#define RP_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "fe_util.h"

#define JO_MAX_DEPTH 64

typedef struct jo {
    rp_strbuf *b;             /* output (not owned) */
    int depth;
    bool first[JO_MAX_DEPTH]; /* nothing written yet at this level */
    bool after_key;           /* a key was written: the value follows on its line */
} jo;

/* Starts writing into b (appended). */
void jo_init(jo *j, rp_strbuf *b);
void jo_obj(jo *j);   /* { */
void jo_end_obj(jo *j); /* } */
void jo_arr(jo *j);   /* [ */
void jo_end_arr(jo *j); /* ] */
/* A member key; the next call writes its value. */
void jo_key(jo *j, const char *key);
/* Values. jo_str escapes s (UTF-8 passed through); jo_raw writes text that is already JSON. */
void jo_str(jo *j, const char *s);
void jo_raw(jo *j, const char *text);
void jo_u64(jo *j, uint64_t v);
void jo_i64(jo *j, int64_t v);
void jo_bool(jo *j, bool v);
void jo_double(jo *j, double v);
/* key + value in one call */
void jo_kstr(jo *j, const char *key, const char *s);
void jo_kraw(jo *j, const char *key, const char *text);
void jo_ku64(jo *j, const char *key, uint64_t v);

/* Appends s as a JSON string literal (quotes included) to b. */
void jo_quote(rp_strbuf *b, const char *s);

#endif /* RP_JSON_OUT_H */
