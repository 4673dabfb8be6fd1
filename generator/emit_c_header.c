/* emit_c_header.c — writes the generated header: types, structs, bounds and prototypes.
 *
 * Order: banner, protocol doc, usage note, enums and flag sets (spec order), routing types,
 * then messages and arrays in spec order except that a message used by another is written
 * first (C needs a complete type to embed it), then the any-message decoder.
 */
#include "emit_c_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void versions_note(rp_strbuf *b, const char *since, const char *until)
{
    if (since != NULL && until != NULL)
        rp_sb_printf(b, ", versions %s..%s", since, until);
    else if (since != NULL)
        rp_sb_printf(b, ", since %s", since);
    else if (until != NULL)
        rp_sb_printf(b, ", until %s", until);
}

/* ---- enums and flags -------------------------------------------------------------------- */

static void enum_value_line(emit_ctx *cx, const rp_ast_decl *d, const rp_ast_enum_value *v,
                            bool as_define, bool last)
{
    rp_strbuf *h = &cx->h;
    char *ty = emit_decl_ctype(cx, d);
    char *up = emit_upper(ty);
    rp_strbuf note = { 0 };
    if (v->since != NULL && v->until != NULL)
        rp_sb_printf(&note, "Versions %s to %s.", v->since, v->until);
    else if (v->since != NULL)
        rp_sb_printf(&note, "Since version %s.", v->since);
    else if (v->until != NULL)
        rp_sb_printf(&note, "Until version %s.", v->until);
    emit_doc(h, as_define ? "" : "    ", v->doc, note.s);
    bool is_signed = rp_ast_scalar_is_signed(d->u.enm.underlying);
    if (as_define) {
        rp_sb_printf(h, "#define %s_%s ", up, v->name);
        if (is_signed)
            emit_i64_lit(h, rp_ast_int_as_i64(v->value));
        else
            emit_u64_lit(h, v->value.mag);
        rp_sb_puts(h, "\n");
    } else {
        rp_sb_printf(h, "    %s_%s = ", up, v->name);
        emit_int_text(h, v->value);
        rp_sb_puts(h, last ? "\n" : ",\n");
    }
    free(note.s);
    free(up);
    free(ty);
}

static void emit_enum(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *h = &cx->h;
    char *ty = emit_decl_ctype(cx, d);
    char *up = emit_upper(ty);
    const rp_ast_enum *e = &d->u.enm;
    rp_strbuf note = { 0 };
    rp_sb_printf(&note, "On the wire: a JSON number (%s).", rp_ast_scalar_name(e->underlying));
    if (d->kind == RP_DECL_FLAGS)
        rp_sb_puts(&note, " A set of the bits below; any other bit is invalid.");
    emit_doc(h, "", d->doc, note.s);
    free(note.s);
    if (d->kind == RP_DECL_ENUM && emit_enum_is_c_enum(d)) {
        rp_sb_printf(h, "typedef enum %s {\n", ty);
        for (size_t i = 0; i < e->value_count; i++)
            enum_value_line(cx, d, &e->values[i], false, i + 1 == e->value_count);
        rp_sb_printf(h, "} %s;\n\n", ty);
    } else {
        rp_sb_printf(h, "typedef %s %s;\n", rp_ast_scalar_c_type(e->underlying), ty);
        uint64_t all = 0;
        for (size_t i = 0; i < e->value_count; i++) {
            enum_value_line(cx, d, &e->values[i], true, false);
            all |= e->values[i].value.mag;
        }
        if (d->kind == RP_DECL_FLAGS) {
            rp_sb_printf(h, "/** Every bit %s defines. */\n#define %s_ALL ", d->name, up);
            emit_u64_lit(h, all);
            rp_sb_puts(h, "\n");
        }
        rp_sb_puts(h, "\n");
    }
    free(up);
    free(ty);
}

/* ---- messages ------------------------------------------------------------------------------ */

/* "plain | rsa(server)" */
static void route_text(rp_strbuf *b, const rp_ast_route *r)
{
    for (size_t i = 0; i < r->envelope_count; i++) {
        if (i > 0)
            rp_sb_puts(b, " | ");
        const rp_ast_envelope *e = &r->envelopes[i];
        if (e->kind == RP_ENV_AES_CLIENT_ID && e->zlib)
            rp_sb_puts(b, "aes(client_id, zlib)");
        else
            rp_sb_puts(b, rp_ast_envelope_name(e->kind));
    }
}

static void route_note(rp_strbuf *b, const rp_ast_route *r)
{
    if (r->port == RP_PORT_NONE)
        return;
    rp_sb_printf(b, "Travels on the %s port, %s, in: ", rp_ast_port_name(r->port),
                 r->dir == RP_DIR_C2S ? "client to server" : "server to client");
    route_text(b, r);
    rp_sb_puts(b, ".");
}

/* Comment after a struct member: wire key and what is worth knowing at a glance. */
static void field_trailer(rp_strbuf *b, const rp_ast_field *f)
{
    const rp_ast_attrs *a = &f->attrs;
    rp_sb_puts(b, " /* \"");
    emit_comment_text(b, f->wire_key);
    rp_sb_printf(b, "\", %s", rp_ast_label_name(f->label));
    if (a->encoding == RP_BYTES_HEX)
        rp_sb_puts(b, ", hex on the wire");
    else if (a->encoding == RP_BYTES_BASE64)
        rp_sb_puts(b, ", base64 on the wire");
    if (a->const_value.kind != RP_VALUE_NONE) {
        rp_sb_puts(b, ", const ");
        if (a->const_value.kind == RP_VALUE_ENUM)
            rp_sb_puts(b, a->const_value.ident);
        else if (a->const_value.kind == RP_VALUE_STRING)
            emit_comment_text(b, a->const_value.str);
        else if (a->const_value.kind == RP_VALUE_BOOL)
            rp_sb_puts(b, a->const_value.b ? "true" : "false");
        else
            emit_int_text(b, a->const_value.i);
    }
    if (a->default_value.kind != RP_VALUE_NONE) {
        rp_sb_puts(b, ", default ");
        if (a->default_value.kind == RP_VALUE_ENUM)
            rp_sb_puts(b, a->default_value.ident);
        else if (a->default_value.kind == RP_VALUE_STRING) {
            rp_sb_puts(b, "\"");
            emit_comment_text(b, a->default_value.str);
            rp_sb_puts(b, "\"");
        } else if (a->default_value.kind == RP_VALUE_BOOL)
            rp_sb_puts(b, a->default_value.b ? "true" : "false");
        else
            emit_int_text(b, a->default_value.i);
    }
    if (a->has_range) {
        rp_sb_puts(b, ", ");
        emit_expect_range(b, a);
    }
    if (a->one_of_count > 0) {
        rp_sb_puts(b, ", ");
        emit_expect_one_of(b, a);
    }
    if (a->len.present) {
        rp_sb_puts(b, ", length ");
        emit_expect_len(b, &a->len);
    }
    if (a->charset != NULL)
        rp_sb_printf(b, ", charset %s", a->charset->name);
    if (f->label == RP_LABEL_REPEATED && a->count.present) {
        rp_sb_puts(b, ", count ");
        emit_expect_len(b, &a->count);
    }
    versions_note(b, a->since, a->until);
    rp_sb_puts(b, " */\n");
}

static void emit_message_struct(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *h = &cx->h;
    char *ty = emit_decl_ctype(cx, d);
    char *up = emit_upper(ty);
    rp_strbuf note = { 0 };
    route_note(&note, d->kind == RP_DECL_ARRAY ? &d->u.array.route : &d->u.message.route);
    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_decl *item = d->u.array.element.ref;
        char *ity = emit_decl_ctype(cx, item);
        rp_strbuf arr = { 0 };
        rp_sb_printf(&arr, "On the wire: a JSON array of %s objects", item->name);
        if (d->u.array.len.has_min)
            rp_sb_printf(&arr, ", %" PRIu64 " to %" PRIu64 " items.", d->u.array.len.min,
                         d->u.array.len.max);
        else
            rp_sb_printf(&arr, ", at most %" PRIu64 " items.", d->u.array.len.max);
        if (note.len > 0)
            rp_sb_printf(&arr, "\n%s", note.s);
        emit_doc(h, "", d->doc, arr.s);
        rp_sb_printf(h, "typedef struct %s {\n", ty);
        rp_sb_printf(h, "    %s items[%" PRIu64 "];\n", ity, d->u.array.len.max);
        rp_sb_puts(h, "    size_t count; /* items in use */\n");
        rp_sb_printf(h, "} %s;\n\n", ty);
        free(arr.s);
        free(ity);
    } else {
        const rp_ast_message *m = &d->u.message;
        emit_doc(h, "", d->doc, note.s);
        rp_sb_printf(h, "typedef struct %s {\n", ty);
        for (size_t i = 0; i < m->field_count; i++) {
            const rp_ast_field *f = &m->fields[i];
            char *fty = emit_field_ctype(cx, f);
            emit_doc(h, "    ", f->doc, NULL);
            if (f->label == RP_LABEL_REPEATED) {
                rp_sb_printf(h, "    %s %s[%" PRIu64 "];", fty, f->c_name, f->attrs.count.max);
                field_trailer(h, f);
                rp_sb_printf(h, "    size_t %s_count; /* items of %s in use */\n", f->c_name,
                             f->c_name);
            } else {
                rp_sb_printf(h, "    %s %s;", fty, f->c_name);
                field_trailer(h, f);
            }
            free(fty);
        }
        if (m->field_count == 0)
            rp_sb_puts(h, "    uint8_t unused_; /* the message has no fields */\n");
        else
            rp_sb_puts(h, "    /* Presence: true when the key was in the text (decode) or is to be\n"
                          "     * written (encode). Absent is not the same as zero. */\n");
        for (size_t i = 0; i < m->field_count; i++)
            rp_sb_printf(h, "    bool has_%s;\n", m->fields[i].c_name);
        rp_sb_printf(h, "} %s;\n\n", ty);
    }
    free(note.s);

    uint64_t max = emit_max_message(d);
    if (max == EMIT_UNBOUNDED)
        rp_sb_printf(h, "/* %s has no %s_MAX_SIZE: a string, bytes or array in it has no maximum\n"
                        " * length. */\n", ty, up);
    else {
        rp_sb_printf(h, "/** Longest compact JSON %s_encode can write (worst-case escaping). */\n"
                        "#define %s_MAX_SIZE ", ty, up);
        emit_u64_lit(h, max);
        rp_sb_puts(h, "\n");
    }
    const rp_ast_route *r = d->kind == RP_DECL_ARRAY ? &d->u.array.route : &d->u.message.route;
    if (r->port != RP_PORT_NONE) {
        rp_sb_printf(h, "/** Envelopes %s may travel in (%s_ENVELOPE_* bits). */\n",
                     d->name, cx->upper);
        rp_sb_printf(h, "#define %s_ENVELOPES (", up);
        for (size_t i = 0; i < r->envelope_count; i++) {
            const rp_ast_envelope *e = &r->envelopes[i];
            const char *n = "PLAIN";
            switch (e->kind) {
            case RP_ENV_PLAIN: n = "PLAIN"; break;
            case RP_ENV_RSA_SERVER: n = "RSA_SERVER"; break;
            case RP_ENV_RSA_CLIENT: n = "RSA_CLIENT"; break;
            case RP_ENV_AES: n = "AES"; break;
            case RP_ENV_AES_CLIENT_ID: n = e->zlib ? "AES_CLIENT_ID_ZLIB" : "AES_CLIENT_ID"; break;
            }
            rp_sb_printf(h, "%s%s_ENVELOPE_%s", i > 0 ? " | " : "", cx->upper, n);
        }
        rp_sb_puts(h, ")\n");
    }
    rp_sb_puts(h, "\n");
    /* Continuation lines line up with the first parameter. */
    size_t pad_dec = strlen("RP_CHECK_RESULT int ") + strlen(ty) + strlen("_decode(");
    size_t pad_enc = strlen("RP_CHECK_RESULT int ") + strlen(ty) + strlen("_encode(");
    rp_sb_printf(h, "void %s_init(%s *msg);\n", ty, ty);
    rp_sb_printf(h, "RP_CHECK_RESULT int %s_decode(const char *json, size_t len, %s *out,\n"
                    "%*srp_arena *storage, const rp_schema_profile *profile,\n"
                    "%*srp_error *err);\n",
                 ty, ty, (int)pad_dec, "", (int)pad_dec, "");
    rp_sb_printf(h, "RP_CHECK_RESULT int %s_validate(const %s *msg, rp_error *err);\n", ty, ty);
    rp_sb_printf(h, "RP_CHECK_RESULT int %s_encode(const %s *msg, char *buf, size_t cap,\n"
                    "%*ssize_t *out_len, rp_error *err);\n\n",
                 ty, ty, (int)pad_enc, "");
    free(up);
    free(ty);
}

/* ---- the header ------------------------------------------------------------------------------ */

static const char *first_routed_name(const emit_ctx *cx)
{
    for (size_t i = 0; i < cx->spec->decl_count; i++)
        if (emit_is_routed(cx->spec->decls[i]))
            return cx->spec->decls[i]->name;
    return "none";
}

static const char usage_note[] =
    "/* Every message type M below comes with four functions (all return 0 or a negative\n"
    " * rp_status from rp_error.h; err may be NULL; no function allocates memory):\n"
    " *\n"
    " *   M_init(msg)       zeroes *msg, sets defaults (presence stays false) and constants\n"
    " *                     (presence true), ready to be filled in and encoded.\n"
    " *   M_decode(json, len, out, storage, profile, err)\n"
    " *                     parses JSON text and validates it against the spec. Strings and\n"
    " *                     bytes are copied into `storage` (an rp_arena over caller memory),\n"
    " *                     so *out is valid as long as that memory; on failure storage is\n"
    " *                     rewound. profile NULL is RFC 8259 exactly (a key twice is an\n"
    " *                     error); a profile (rp_schema.h) accepts the leniencies it names.\n"
    " *   M_validate(msg, err)\n"
    " *                     checks every rule of the spec; the error names the JSON path and the\n"
    " *                     spec file:line:col of the rule.\n"
    " *   M_encode(msg, buf, cap, out_len, err)\n"
    " *                     validates, then writes compact JSON (keys in spec order, present\n"
    " *                     fields only, bytes as uppercase hex or padded base64) and a NUL into\n"
    " *                     buf. A cap of M_MAX_SIZE + 1 always suffices; if cap is too small\n"
    " *                     it returns RP_E_OVERFLOW with *out_len = the length needed.\n"
    " *\n"
    " * has_<field> is the presence bit of each field: absent is distinct from zero.\n"
    " * Structs with arrays can be large (see sizeof); keep them off small stacks.\n"
    " */\n\n";

void emit_c_header(emit_ctx *cx, const char *spec_name)
{
    rp_strbuf *h = &cx->h;
    char *guard = emit_upper(cx->prefix);
    rp_sb_printf(h, "/* %s.h — C codec for the %s protocol.\n *\n", cx->prefix, cx->spec->protocol);
    rp_sb_printf(h, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(h, " * Spec SHA-256: %s\n */\n", cx->sha256);
    rp_sb_printf(h, "#ifndef %s_GENERATED_H\n#define %s_GENERATED_H\n\n", guard, guard);
    rp_sb_puts(h, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n");
    rp_sb_puts(h, "#include \"rp_arena.h\"\n#include \"rp_error.h\"\n#include \"rp_json.h\"\n"
                  "#include \"rp_schema.h\"\n\n");
    rp_sb_puts(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    emit_doc(h, "", cx->spec->protocol_doc, NULL);
    rp_sb_printf(h, "#define %s_RPROTOC_VERSION \"%s\"\n", cx->upper, RPROTOC_VERSION);
    rp_sb_printf(h, "#define %s_SPEC_SHA256 \"%s\"\n\n", cx->upper, cx->sha256);
    rp_sb_puts(h, usage_note);

    rp_sb_puts(h, "/* ---- enums and flag sets ---------------------------------------------------- */\n\n");
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (d->kind == RP_DECL_ENUM || d->kind == RP_DECL_FLAGS)
            emit_enum(cx, d);
    }

    rp_sb_puts(h, "/* ---- routing ----------------------------------------------------------------- */\n\n");
    rp_sb_printf(h, "/** The listener a message travels on. */\n"
                    "typedef enum %s_port {\n"
                    "    %s_PORT_NONE = 0,\n    %s_PORT_CONNECT = 1,\n    %s_PORT_LOGGING = 2\n"
                    "} %s_port;\n\n",
                 cx->prefix, cx->upper, cx->upper, cx->upper, cx->prefix);
    rp_sb_printf(h, "/** Which way a message travels. */\n"
                    "typedef enum %s_direction {\n"
                    "    %s_DIR_NONE = 0,\n    %s_DIR_C2S = 1, /* client to server */\n"
                    "    %s_DIR_S2C = 2  /* server to client */\n"
                    "} %s_direction;\n\n",
                 cx->prefix, cx->upper, cx->upper, cx->upper, cx->prefix);
    rp_sb_printf(h, "/* Envelope bits of the <MSG>_ENVELOPES masks (protocol reference §2.2). */\n"
                    "#define %s_ENVELOPE_PLAIN 1u              /* plain JSON */\n"
                    "#define %s_ENVELOPE_RSA_SERVER 2u         /* base64 RSA to the server key */\n"
                    "#define %s_ENVELOPE_RSA_CLIENT 4u         /* base64 RSA to the client key */\n"
                    "#define %s_ENVELOPE_AES 8u                /* \"iv:b64\" with the session key */\n"
                    "#define %s_ENVELOPE_AES_CLIENT_ID 16u     /* \"iv:client_id:b64\" */\n"
                    "#define %s_ENVELOPE_AES_CLIENT_ID_ZLIB 32u /* the same, zlib + base64 inside */\n\n",
                 cx->upper, cx->upper, cx->upper, cx->upper, cx->upper, cx->upper);

    rp_sb_puts(h, "/* ---- messages ---------------------------------------------------------------- */\n\n");
    emit_each_message_in_dependency_order(cx, emit_message_struct);

    /* Any-message decoding. */
    rp_sb_puts(h, "/* ---- any message ------------------------------------------------------------- */\n\n");
    rp_sb_printf(h, "/** Every message that travels on a port, for %s_decode_any. */\n", cx->prefix);
    rp_sb_printf(h, "typedef enum %s_message_id {\n    %s_MSG_NONE = 0", cx->prefix, cx->upper);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!emit_is_routed(d))
            continue;
        char *s = emit_snake(d->name);
        char *u = emit_upper(s);
        rp_sb_printf(h, ",\n    %s_MSG_%s", cx->upper, u);
        free(u);
        free(s);
    }
    rp_sb_printf(h, "\n} %s_message_id;\n\n", cx->prefix);
    rp_sb_printf(h, "/** One decoded message of any routed type: `id` says which member of `u` is set. */\n"
                    "typedef struct %s_any {\n    %s_message_id id;\n    union {\n", cx->prefix, cx->prefix);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!emit_is_routed(d))
            continue;
        char *ty = emit_decl_ctype(cx, d);
        char *s = emit_snake(d->name);
        rp_sb_printf(h, "        %s %s;\n", ty, s);
        free(s);
        free(ty);
    }
    rp_sb_printf(h, "    } u;\n} %s_any;\n\n", cx->prefix);
    int pad = (int)(strlen("RP_CHECK_RESULT int ") + strlen(cx->prefix) + strlen("_decode_any("));
    rp_sb_printf(h,
        "/* Decodes a plaintext that arrived on `port` in direction `dir`, choosing the message by\n"
        " * its shape and constant discriminators: a JSON array is the array message of that\n"
        " * route; an object is the message whose const fields all have their values in the text\n"
        " * (a message without const fields only when no discriminated one matches). Then decodes\n"
        " * and validates it like <msg>_decode into out->u. out->id is %s_MSG_NONE unless it\n"
        " * succeeds. RP_E_SCHEMA_MESSAGE when no message of that route fits; JSON errors when the\n"
        " * text is not JSON; RP_E_ARGUMENT for a NULL out. Allocates nothing. */\n"
        "RP_CHECK_RESULT int %s_decode_any(const char *json, size_t len, %s_port port,\n"
        "%*s%s_direction dir, %s_any *out, rp_arena *storage,\n"
        "%*sconst rp_schema_profile *profile, rp_error *err);\n\n",
        cx->upper, cx->prefix, cx->prefix, pad, "", cx->prefix, cx->prefix, pad, "");
    rp_sb_printf(h, "/* Spec name of a message id (e.g. \"%s\"); \"none\" for %s_MSG_NONE and unknown ids. */\n"
                    "const char *%s_message_name(%s_message_id id);\n\n",
                 first_routed_name(cx), cx->upper, cx->prefix, cx->prefix);
    rp_sb_puts(h, "#ifdef __cplusplus\n}\n#endif\n\n");
    rp_sb_printf(h, "#endif /* %s_GENERATED_H */\n", guard);
    free(guard);
}
