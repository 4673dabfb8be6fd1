/* json_bounds.h — the largest number of bytes the compact JSON of a declaration's values can
 * take, with the writer's worst-case escaping, from the AST alone. The C emitter writes it as
 * M_MAX_SIZE; the checker compares it with a port's max_packet (sealed in an envelope), and
 * so does compat when a max_packet changes. */
#ifndef RP_JSON_BOUNDS_H
#define RP_JSON_BOUNDS_H

#include <stdint.h>

#include "ast.h"

/* The bound of a value without one: a string, bytes, list or map without a maximum length. */
#define RP_BOUND_UNBOUNDED UINT64_MAX

uint64_t rp_bound_message(const rp_ast_decl *d);
uint64_t rp_bound_field_value(const rp_ast_field *f);
/* rp_bound_message with a memo of spec->decl_count zeroed entries (indexed by decl->index),
 * so that each message's bound and each enum's widest value is computed once: linear in
 * the spec however many fields share a type. memo NULL: no memo. */
uint64_t rp_bound_message_memo(uint64_t *memo, const rp_ast_decl *d);
/* Bytes of `"key":` for a key as the writer escapes it. */
uint64_t rp_bound_key_width(const char *key);

/* What rp_bound_sealed_text found. */
typedef struct rp_bound_sealed {
    uint64_t bytes;   /* RP_BOUND_UNBOUNDED: the spec alone does not tell */
    bool at_least;    /* a part only the keys decide counts as its least: rsa, id(KEY) */
} rp_bound_sealed;

/* The longest text envelope e seals a plaintext of n bytes into (zlib: unbounded). */
rp_bound_sealed rp_bound_sealed_text(const rp_ast_envelope *e, uint64_t n);

/* Saturating arithmetic: UINT64_MAX (unbounded) absorbs. */
uint64_t rp_bound_add(uint64_t a, uint64_t b);
uint64_t rp_bound_mul(uint64_t a, uint64_t b);

#endif /* RP_JSON_BOUNDS_H */
