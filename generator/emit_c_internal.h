/* emit_c_internal.h — what the parts of the C emitter (emit_c*.c) share. Not installed. */
#ifndef RP_EMIT_C_INTERNAL_H
#define RP_EMIT_C_INTERNAL_H

#include "emit_c.h"
#include "emit_c_util.h"
#include "version.h"

/* Appends the whole header / source text for the spec to cx->h / cx->c. spec_name is the
 * spec file's base name as it appears in banners and error locations. */
void emit_c_header(emit_ctx *cx, const char *spec_name);
void emit_c_source(emit_ctx *cx, const char *spec_name);
/* The same for the transport pair <p>_transport.h / .c (emit_c_transport.c). */
void emit_c_transport(emit_ctx *cx, const char *spec_name);

/* Decode lanes (emit_c_lanes.c, --optimize speed). emit_lane_fits: whether message d can
 * have one (every field of a plain kind). emit_lane writes its static lane__<msg> function;
 * emit_lane_decode the body of its decode function (lane first, then the walk of `schema`). */
bool emit_lane_fits(const rp_ast_decl *d);
void emit_lane(emit_ctx *cx, const rp_ast_decl *d);
void emit_lane_decode(emit_ctx *cx, const rp_ast_decl *d, const char *schema);
/* Whether some lane checks charset d (then the source has its byte table lane_charset__NAME). */
bool emit_lane_uses_charset(const emit_ctx *cx, const rp_ast_decl *d);
/* Whether the source has any lane (it then includes rp_lane.h and string.h). */
bool emit_lanes_any(const emit_ctx *cx);

/* Encode lanes (emit_c_encode_lanes.c, --optimize speed). emit_encode_lane_fits: whether
 * message d has one; emit_encode_lane writes its static encode_lane__<msg> function,
 * emit_encode_lane_call the body of its encode function (lane first, then the table encoder
 * of `schema`). emit_encode_lanes_any: whether the source has one (it includes
 * rp_lane_write.h). */
bool emit_encode_lane_fits(const emit_ctx *cx, const rp_ast_decl *d);
void emit_encode_lane(emit_ctx *cx, const rp_ast_decl *d);
void emit_encode_lane_call(emit_ctx *cx, const rp_ast_decl *d, const char *schema);
bool emit_encode_lanes_any(const emit_ctx *cx);

/* SHA-256 over the text of every unit of spec (dependencies first, main last), as lowercase
 * hex into out (65 bytes with the NUL). Returns 0, or -1 when OpenSSL fails. */
int emit_spec_sha256(const rp_ast_spec *spec, char out[65]);

/* Writes what cx->h / cx->c hold to their sinks once a buffer is large (emit_c.c); without
 * sinks it does nothing. Called between declarations, so the output is streamed. */
void emit_spill(emit_ctx *cx);

#endif /* RP_EMIT_C_INTERNAL_H */
