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
    char *cn = rp_cname_value(&cx->names, d, v);
    rp_strbuf note = { 0 };
    if (v->text != NULL) {
        rp_strbuf q = { 0 };
        emit_json_string(&q, v->text);
        rp_sb_puts(&note, "On the wire: ");
        emit_comment_text(&note, q.s);
        rp_sb_puts(&note, ".");
        free(q.s);
        if (v->since != NULL || v->until != NULL)
            rp_sb_putc(&note, ' ');
    }
    if (v->since != NULL && v->until != NULL)
        rp_sb_printf(&note, "Versions %s to %s.", v->since, v->until);
    else if (v->since != NULL)
        rp_sb_printf(&note, "Since version %s.", v->since);
    else if (v->until != NULL)
        rp_sb_printf(&note, "Until version %s.", v->until);
    emit_doc(h, as_define ? "" : "    ", v->doc, note.s);
    bool is_signed = rp_ast_scalar_is_signed(d->u.enm.underlying);
    if (as_define) {
        rp_sb_printf(h, "#define %s ", cn);
        if (is_signed)
            emit_i64_lit(h, rp_ast_int_as_i64(v->value));
        else
            emit_u64_lit(h, v->value.mag);
        rp_sb_puts(h, "\n");
    } else {
        rp_sb_printf(h, "    %s = ", cn);
        emit_int_text(h, v->value);
        rp_sb_puts(h, last ? "\n" : ",\n");
    }
    free(note.s);
    free(cn);
}

static void emit_enum(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *h = &cx->h;
    char *ty = rp_cname_decl(&cx->names, d, RP_CN_TYPE);
    const rp_ast_enum *e = &d->u.enm;
    rp_strbuf note = { 0 };
    if (e->underlying == RP_SCALAR_STRING)
        rp_sb_puts(&note, "On the wire: a JSON string (the text given with each value); 0 is no value.");
    else
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
            char *all_name = rp_cname_decl(&cx->names, d, RP_CN_FLAGS_ALL);
            rp_sb_printf(h, "/** Every bit %s defines. */\n#define %s ", d->name, all_name);
            emit_u64_lit(h, all);
            rp_sb_puts(h, "\n");
            free(all_name);
        }
        rp_sb_puts(h, "\n");
    }
    free(ty);
}

/* ---- messages ------------------------------------------------------------------------------ */

/* "Travels on port connect from client to server in: plain | rsa_to_server." per route. */
static void route_note(rp_strbuf *b, const rp_ast_decl *d)
{
    size_t n = 0;
    const rp_ast_route *r = rp_ast_decl_routes(d, &n);
    for (size_t k = 0; k < n; k++, r++) {
        rp_sb_printf(b, "%sTravels on port %s from %s to %s in: ", k > 0 ? "\n" : "", r->port_name,
                     r->from_name, r->to_name);
        for (size_t i = 0; i < r->envelope_count; i++)
            rp_sb_printf(b, "%s%s", i > 0 ? " | " : "", r->envelope_names[i]);
        rp_sb_puts(b, ".");
    }
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
            rp_strbuf q = { 0 };
            emit_json_string(&q, a->default_value.str);
            emit_comment_text(b, q.s);
            free(q.s);
        } else if (a->default_value.kind == RP_VALUE_BOOL)
            rp_sb_puts(b, a->default_value.b ? "true" : "false");
        else if (a->default_value.kind == RP_VALUE_FLOAT)
            emit_double_text(b, a->default_value.f);
        else
            emit_int_text(b, a->default_value.i);
    }
    if (f->type.is_map)
        rp_sb_puts(b, ", a JSON object (map)");
    if (a->nullable)
        rp_sb_puts(b, ", nullable");
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
    if (a->pattern != NULL) {
        rp_sb_puts(b, ", pattern \"");
        emit_comment_text(b, a->pattern);
        rp_sb_puts(b, "\"");
    }
    if ((f->label == RP_LABEL_REPEATED || f->type.is_map) && a->count.present) {
        rp_sb_puts(b, ", count ");
        emit_expect_len(b, &a->count);
    }
    if (a->key_len.present) {
        rp_sb_puts(b, ", key length ");
        emit_expect_len(b, &a->key_len);
    }
    if (a->key_charset != NULL)
        rp_sb_printf(b, ", key charset %s", a->key_charset->name);
    versions_note(b, a->since, a->until);
    rp_sb_puts(b, " */\n");
}

static void emit_message_struct(emit_ctx *cx, const rp_ast_decl *d)
{
    rp_strbuf *h = &cx->h;
    char *ty = rp_cname_decl(&cx->names, d, RP_CN_TYPE);
    rp_strbuf note = { 0 };
    route_note(&note, d);
    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_decl *item = d->u.array.element.ref;
        char *ity = rp_cname_decl(&cx->names, item, RP_CN_TYPE);
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
        rp_sb_printf(h, "    %s " RP_CN_ARRAY_ITEMS "[%" PRIu64 "];\n", ity, d->u.array.len.max);
        rp_sb_puts(h, "    size_t " RP_CN_ARRAY_COUNT "; /* items in use */\n");
        rp_sb_printf(h, "} %s;\n\n", ty);
        free(arr.s);
        free(ity);
    } else {
        const rp_ast_message *m = &d->u.message;
        for (size_t i = 0; i < m->field_count; i++) {
            const rp_ast_field *f = &m->fields[i];
            if (!f->type.is_map)
                continue;
            char *fty = emit_field_ctype(cx, f);
            char *entry = rp_cname_map_entry(&cx->names, d, f);
            rp_sb_printf(h, "/** One entry of %s.%s (a JSON object with free keys). */\n"
                            "typedef struct %s {\n"
                            "    rp_str key;\n    %s value;\n} %s;\n\n",
                         d->name, f->c_name, entry, fty, entry);
            free(entry);
            free(fty);
        }
        emit_doc(h, "", d->doc, note.s);
        rp_sb_printf(h, "typedef struct %s {\n", ty);
        for (size_t i = 0; i < m->field_count; i++) {
            const rp_ast_field *f = &m->fields[i];
            char *fty = emit_field_ctype(cx, f);
            char *member = rp_cname_field(f, RP_CN_MEMBER);
            emit_doc(h, "    ", f->doc, NULL);
            if (f->type.is_map) {
                char *count = rp_cname_field(f, RP_CN_COUNT);
                char *entry = rp_cname_map_entry(&cx->names, d, f);
                rp_sb_printf(h, "    %s %s[%" PRIu64 "];", entry, member, f->attrs.count.max);
                free(entry);
                field_trailer(h, f);
                rp_sb_printf(h, "    size_t %s; /* entries of %s in use */\n", count, member);
                free(count);
            } else if (f->label == RP_LABEL_REPEATED) {
                char *count = rp_cname_field(f, RP_CN_COUNT);
                rp_sb_printf(h, "    %s %s[%" PRIu64 "];", fty, member, f->attrs.count.max);
                field_trailer(h, f);
                rp_sb_printf(h, "    size_t %s; /* items of %s in use */\n", count, member);
                free(count);
            } else {
                rp_sb_printf(h, "    %s %s;", fty, member);
                field_trailer(h, f);
            }
            free(member);
            free(fty);
        }
        if (m->field_count == 0)
            rp_sb_puts(h, "    uint8_t " RP_CN_EMPTY_MEMBER "; /* the message has no fields */\n");
        else
            rp_sb_puts(h, "    /* Presence: true when the key was in the text (decode) or is to be\n"
                          "     * written (encode). Absent is not the same as zero. */\n");
        for (size_t i = 0; i < m->field_count; i++) {
            char *has = rp_cname_field(&m->fields[i], RP_CN_HAS);
            rp_sb_printf(h, "    bool %s;\n", has);
            free(has);
        }
        for (size_t i = 0; i < m->field_count; i++)
            if (m->fields[i].attrs.nullable)
                rp_sb_printf(h, "    bool is_null_%s; /* with has_%s: the value is JSON null */\n",
                             m->fields[i].c_name, m->fields[i].c_name);
        rp_sb_printf(h, "} %s;\n\n", ty);
    }
    free(note.s);

    char *max_name = rp_cname_decl(&cx->names, d, RP_CN_MAX_SIZE);
    char *init = rp_cname_decl(&cx->names, d, RP_CN_INIT);
    char *decode = rp_cname_decl(&cx->names, d, RP_CN_DECODE);
    char *validate = rp_cname_decl(&cx->names, d, RP_CN_VALIDATE);
    char *encode = rp_cname_decl(&cx->names, d, RP_CN_ENCODE);
    uint64_t max = rp_bound_message_memo(cx->bounds, d);
    if (max == RP_BOUND_UNBOUNDED)
        rp_sb_printf(h, "/* %s has no %s: a string, bytes or array in it has no maximum\n"
                        " * length. */\n", ty, max_name);
    else {
        rp_sb_printf(h, "/** Longest compact JSON %s can write (worst-case escaping). */\n"
                        "#define %s ", encode, max_name);
        emit_u64_lit(h, max);
        rp_sb_puts(h, "\n");
    }
    if (rp_cname_is_routed(d)) {
        /* the union over the message's routes; each route's own set is in the route table */
        size_t n = 0;
        const rp_ast_route *r = rp_ast_decl_routes(d, &n);
        bool *seen = rp_xcalloc(cx->spec->envelope_count + 1, sizeof *seen);
        char *mask = rp_cname_decl(&cx->names, d, RP_CN_ENVELOPES);
        rp_sb_printf(h, "/** Envelopes %s may travel in (bits %s(e)). */\n", d->name,
                     cx->fixed[RP_CN_ENVELOPE_BIT]);
        rp_sb_printf(h, "#define %s (", mask);
        size_t listed = 0;
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; i < r[k].envelope_count; i++) {
                const rp_ast_decl *e = r[k].envelopes[i];
                if (seen[e->u.envelope.index])
                    continue;
                seen[e->u.envelope.index] = true;
                char *bit = rp_cname_named(&cx->names, RP_CN_ENVELOPE_CONST, e->name);
                rp_sb_printf(h, "%s%s(%s)", listed++ > 0 ? " | " : "", cx->fixed[RP_CN_ENVELOPE_BIT], bit);
                free(bit);
            }
        free(seen);
        rp_sb_puts(h, ")\n");
        free(mask);
    }
    rp_sb_puts(h, "\n");
    /* Continuation lines line up with the first parameter. */
    size_t pad_dec = strlen("RP_CHECK_RESULT int ") + strlen(decode) + strlen("(");
    size_t pad_enc = strlen("RP_CHECK_RESULT int ") + strlen(encode) + strlen("(");
    rp_sb_printf(h, "void %s(%s *msg);\n", init, ty);
    rp_sb_printf(h, "RP_CHECK_RESULT int %s(const char *json, size_t len, %s *out,\n"
                    "%*srp_arena *storage, const rp_schema_profile *profile,\n"
                    "%*srp_error *err);\n",
                 decode, ty, (int)pad_dec, "", (int)pad_dec, "");
    rp_sb_printf(h, "RP_CHECK_RESULT int %s(const %s *msg, rp_error *err);\n", validate, ty);
    rp_sb_printf(h, "RP_CHECK_RESULT int %s(const %s *msg, char *buf, size_t cap,\n"
                    "%*ssize_t *out_len, rp_error *err);\n\n",
                 encode, ty, (int)pad_enc, "");
    free(max_name);
    free(init);
    free(decode);
    free(validate);
    free(encode);
    free(ty);
}

/* ---- the header ------------------------------------------------------------------------------ */

static const char *first_routed_name(const emit_ctx *cx)
{
    for (size_t i = 0; i < cx->spec->decl_count; i++)
        if (rp_cname_is_routed(cx->spec->decls[i]))
            return cx->spec->decls[i]->name;
    return "none";
}

/* One enum constant per declaration of a kind, numbered from `first` in spec order. */
static void emit_decl_enum(emit_ctx *cx, const char *doc, rp_cname_fixed_kind type, rp_cname_named_kind k,
                           const rp_ast_decl *const *decls, size_t n, unsigned first,
                           const char *none)
{
    rp_strbuf *h = &cx->h;
    rp_sb_printf(h, "/** %s */\ntypedef enum %s {\n", doc, cx->fixed[type]);
    if (none != NULL)
        rp_sb_printf(h, "    %s = 0%s\n", none, n > 0 ? "," : "");
    for (size_t i = 0; i < n; i++) {
        char *name = rp_cname_named(&cx->names, k, decls[i]->name);
        rp_sb_printf(h, "    %s = %u%s\n", name, first + (unsigned)i, i + 1 < n ? "," : "");
        free(name);
    }
    rp_sb_printf(h, "} %s;\n\n", cx->fixed[type]);
}

/* The peers, ports, keys and envelopes the spec declares (a spec with ports or routes). */
static void emit_transport_enums(emit_ctx *cx)
{
    const rp_ast_spec *sp = cx->spec;
    rp_strbuf *h = &cx->h;
    rp_sb_puts(h, "/* ---- transport ---------------------------------------------------------------- */\n\n");
    size_t npeers = sp->peers[1] != NULL ? 2 : sp->peers[0] != NULL ? 1 : 0;
    emit_decl_enum(cx, "The two peers of the protocol (a route's sender and receiver).", RP_CN_PEER,
                   RP_CN_PEER_CONST, sp->peers, npeers, 1, cx->fixed[RP_CN_PEER_NONE]);
    emit_decl_enum(cx, "The ports (channels) messages travel on.", RP_CN_PORT, RP_CN_PORT_CONST,
                   sp->ports, sp->port_count, 1, cx->fixed[RP_CN_PORT_NONE]);
    if (sp->key_count > 0)
        emit_decl_enum(cx, "The keys in play, as indexes of the key table.", RP_CN_KEY, RP_CN_KEY_CONST,
                       sp->keys, sp->key_count, 0, NULL);
    if (sp->envelope_count > 0) {
        emit_decl_enum(cx, "The envelopes, as indexes of the envelope table.", RP_CN_ENVELOPE,
                       RP_CN_ENVELOPE_CONST, sp->envelopes, sp->envelope_count, 0, NULL);
        rp_sb_printf(h, "/* The bit of envelope e in an envelope set such as <MSG>_ENVELOPES. */\n"
                        "#define %s(e) (1u << (unsigned)(e))\n\n", cx->fixed[RP_CN_ENVELOPE_BIT]);
    }
}

/* The spec's decoding profiles, to pass as the `profile` argument of decoders. */
static void emit_profiles(emit_ctx *cx)
{
    rp_strbuf *h = &cx->h;
    rp_sb_puts(h, "/* ---- decoding profiles ------------------------------------------------------ */\n\n");
    for (size_t i = 0; i < cx->spec->profile_count; i++) {
        const rp_ast_decl *d = cx->spec->profiles[i];
        char *name = rp_cname_named(&cx->names, RP_CN_PROFILE, d->name);
        emit_doc(h, "", d->doc, NULL);
        rp_sb_printf(h, "extern const rp_schema_profile %s;\n", name);
        free(name);
    }
    rp_sb_puts(h, "\n");
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
    " *                     rewound. profile NULL is RFC 8259 exactly (a declared key twice\n"
    " *                     is an error; keys the message does not declare are skipped); a\n"
    " *                     profile (the spec's <p>_profile_<name>) accepts the leniencies\n"
    " *                     it names.\n"
    " *   M_validate(msg, err)\n"
    " *                     checks every rule of the spec; the error names the JSON path and the\n"
    " *                     spec file:line:col of the rule.\n"
    " *   M_encode(msg, buf, cap, out_len, err)\n"
    " *                     validates, then writes compact JSON (keys in spec order, present\n"
    " *                     fields only, bytes as uppercase hex or padded base64) into buf,\n"
    " *                     and a NUL after it when cap exceeds its length (*out_len, which\n"
    " *                     never counts the NUL). A cap of M_MAX_SIZE + 1 always suffices\n"
    " *                     (M_MAX_SIZE exists when every string, bytes and list in M has a\n"
    " *                     maximum length); if the text does not fit it returns\n"
    " *                     RP_E_OVERFLOW with *out_len = its length.\n"
    " *\n"
    " * has_<field> is the presence bit of each field: absent is distinct from zero. A\n"
    " * repeated or map field is present when has_<field> is set or <field>_count is not 0\n"
    " * (has_<field> with a count of 0 writes [] or {}).\n"
    " * Structs with arrays can be large (see sizeof); keep them off small stacks.\n"
    " */\n\n";

/* The message ids, the any-message struct and decode_any (routed specs only). */
static void emit_any(emit_ctx *cx)
{
    rp_strbuf *h = &cx->h;
    char *const *fx = cx->fixed;
    rp_sb_puts(h, "/* ---- any message ------------------------------------------------------------- */\n\n");
    rp_sb_printf(h, "/** Every message that travels on a port, for %s. */\n", fx[RP_CN_DECODE_ANY]);
    rp_sb_printf(h, "typedef enum %s {\n    %s = 0", fx[RP_CN_MESSAGE_ID], fx[RP_CN_MSG_NONE]);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!rp_cname_is_routed(d))
            continue;
        char *id = rp_cname_decl(&cx->names, d, RP_CN_MSG_ID);
        rp_sb_printf(h, ",\n    %s", id);
        free(id);
    }
    rp_sb_printf(h, "\n} %s;\n\n", fx[RP_CN_MESSAGE_ID]);
    /* The members name their types as `struct X`: in C++ a member named like a type (message
     * PValue's member p_value beside message Value's type p_value) hides it for the rest of
     * the union, and an elaborated type is still found. */
    rp_sb_printf(h, "/** One decoded message of any routed type: `" RP_CN_ANY_ID "` says which member of `"
                    RP_CN_ANY_UNION "` is set. */\n"
                    "typedef struct %s {\n    %s " RP_CN_ANY_ID ";\n    union {\n",
                 fx[RP_CN_ANY], fx[RP_CN_MESSAGE_ID]);
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (!rp_cname_is_routed(d))
            continue;
        char *ty = rp_cname_decl(&cx->names, d, RP_CN_TYPE);
        char *member = rp_cname_decl(&cx->names, d, RP_CN_ANY_MEMBER);
        rp_sb_printf(h, "        struct %s %s;\n", ty, member);
        free(member);
        free(ty);
    }
    rp_sb_printf(h, "    } " RP_CN_ANY_UNION ";\n} %s;\n\n", fx[RP_CN_ANY]);
    int pad = (int)(strlen("RP_CHECK_RESULT int ") + strlen(fx[RP_CN_DECODE_ANY]) + strlen("("));
    rp_sb_printf(h,
        "/* Decodes a plaintext that arrived on `port` from peer `from`, choosing the message by\n"
        " * its shape and constant discriminators: a JSON array is the array message of that\n"
        " * route; an object is the message whose const fields all have their values in the text\n"
        " * (a message without const fields only when no discriminated one matches). Then decodes\n"
        " * and validates it like <msg>_decode into out->u. out->id is %s unless it\n"
        " * succeeds. RP_E_SCHEMA_MESSAGE when no message of that route fits; JSON errors when the\n"
        " * text is not JSON; RP_E_ARGUMENT for a NULL out. Allocates nothing. */\n"
        "RP_CHECK_RESULT int %s(const char *json, size_t len, %s port,\n"
        "%*s%s from, %s *out, rp_arena *storage,\n"
        "%*sconst rp_schema_profile *profile, rp_error *err);\n\n",
        fx[RP_CN_MSG_NONE], fx[RP_CN_DECODE_ANY], fx[RP_CN_PORT], pad, "", fx[RP_CN_PEER],
        fx[RP_CN_ANY], pad, "");
    if (cx->spec->envelope_count > 0) {
        int pad_in = (int)(strlen("RP_CHECK_RESULT int ") + strlen(fx[RP_CN_DECODE_ANY_IN]) + strlen("("));
        rp_sb_printf(h,
            "/* %s among the messages that may arrive in `envelope`, the one that opened\n"
            " * the text (rp_envelope_open_any tells which): messages that only their envelopes\n"
            " * tell apart are told apart here, and nowhere else. */\n"
            "RP_CHECK_RESULT int %s(const char *json, size_t len, %s port,\n"
            "%*s%s from, %s envelope,\n"
            "%*s%s *out, rp_arena *storage,\n"
            "%*sconst rp_schema_profile *profile, rp_error *err);\n\n",
            fx[RP_CN_DECODE_ANY], fx[RP_CN_DECODE_ANY_IN], fx[RP_CN_PORT], pad_in, "", fx[RP_CN_PEER],
            fx[RP_CN_ENVELOPE], pad_in, "", fx[RP_CN_ANY], pad_in, "");
    }
    rp_sb_printf(h, "/* Spec name of a message id (e.g. \"%s\"); \"none\" for %s and unknown ids. */\n"
                    "const char *%s(%s id);\n\n",
                 first_routed_name(cx), fx[RP_CN_MSG_NONE], fx[RP_CN_MESSAGE_NAME],
                 fx[RP_CN_MESSAGE_ID]);
}

void emit_c_header(emit_ctx *cx, const char *spec_name)
{
    rp_strbuf *h = &cx->h;
    char *const *fx = cx->fixed;
    char *file = rp_cname_file(&cx->names, true);
    rp_sb_printf(h, "/* %s — C codec for the %s protocol.\n *\n", file, cx->spec->protocol);
    rp_sb_printf(h, " * Generated by rprotoc %s from %s; do not edit.\n", RPROTOC_VERSION, spec_name);
    rp_sb_printf(h, " * Spec SHA-256: %s\n */\n", cx->sha256);
    rp_sb_printf(h, "#ifndef %s\n#define %s\n\n", fx[RP_CN_GUARD], fx[RP_CN_GUARD]);
    rp_sb_puts(h, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n");
    rp_sb_puts(h, "#include \"rp_arena.h\"\n#include \"rp_error.h\"\n#include \"rp_json.h\"\n"
                  "#include \"rp_schema.h\"\n\n");
    rp_sb_puts(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    emit_doc(h, "", cx->spec->protocol_doc, NULL);
    rp_sb_printf(h, "#define %s \"%s\"\n", fx[RP_CN_RPROTOC_VERSION], RPROTOC_VERSION);
    rp_sb_printf(h, "#define %s \"%s\"\n\n", fx[RP_CN_SPEC_SHA256], cx->sha256);
    rp_sb_puts(h, usage_note);

    rp_sb_puts(h, "/* ---- enums and flag sets ---------------------------------------------------- */\n\n");
    for (size_t i = 0; i < cx->spec->decl_count; i++) {
        const rp_ast_decl *d = cx->spec->decls[i];
        if (d->kind == RP_DECL_ENUM || d->kind == RP_DECL_FLAGS) {
            emit_enum(cx, d);
            emit_spill(cx);
        }
    }

    if (cx->spec->port_count > 0 || cx->spec->route_count > 0)
        emit_transport_enums(cx);
    if (cx->spec->profile_count > 0)
        emit_profiles(cx);

    rp_sb_puts(h, "/* ---- messages ---------------------------------------------------------------- */\n\n");
    emit_each_message_in_dependency_order(cx, emit_message_struct);

    if (cx->routed)
        emit_any(cx);
    rp_sb_puts(h, "#ifdef __cplusplus\n}\n#endif\n\n");
    rp_sb_printf(h, "#endif /* %s */\n", fx[RP_CN_GUARD]);
    free(file);
}
