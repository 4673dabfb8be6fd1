/* rprotoc front end as a library: the checked AST of spec/residue.rproto (resolved
 * references, constraints, envelopes, doc comments, spans), imports, exact-integer and
 * scalar helpers, the walker, version parsing and diagnostic rendering details (tabs,
 * determinism, locations). The CLI and the invalid-spec corpus are tested by
 * tests/scripts/frontend.sh; crash-freedom by test_frontend_robust.c. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "dump.h"
#include "source.h"
#include "spec_check.h"

static rp_ast_spec *load_residue(void)
{
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_file(d, "spec/residue.rproto", NULL, &spec);
    ck_assert_msg(st == RP_FRONTEND_OK, "residue.rproto: %s", rp_diag_text(d));
    ck_assert_str_eq(rp_diag_text(d), "");
    rp_diag_free(d);
    return spec;
}

static const rp_ast_decl *decl(const rp_ast_spec *spec, const char *name, rp_ast_decl_kind kind)
{
    const rp_ast_decl *d = rp_ast_find_decl(spec, name);
    ck_assert_msg(d != NULL, "no declaration %s", name);
    ck_assert_int_eq(d->kind, kind);
    return d;
}

static const rp_ast_field *field(const rp_ast_decl *msg, const char *name)
{
    const rp_ast_field *f = rp_ast_find_field(msg, name);
    ck_assert_msg(f != NULL, "no field %s.%s", msg->name, name);
    ck_assert_ptr_eq(f->parent, msg);
    return f;
}

START_TEST(residue_top_level)
{
    rp_ast_spec *spec = load_residue();
    ck_assert_str_eq(spec->protocol, "residue");
    ck_assert_ptr_nonnull(strstr(spec->protocol_doc, "The residue connection protocol"));
    ck_assert_uint_eq(spec->unit_count, 1);
    ck_assert(spec->main->is_main);
    ck_assert_str_eq(spec->main->path, "spec/residue.rproto");
    /* the names other parts of rproto code against */
    static const char *const names[] = {
        "client", "server", "connect", "logging", "server_key", "client_key", "session",
        "plain", "rsa_to_server", "rsa_to_client", "aes_from_client", "aes_zlib_from_client",
        "aes_to_client", "wire", "wire_untimed", "client_id", "hex", "version", "RequestType", "ResponseStatus", "AckState", "LogStatus",
        "Level", "ServerFlags", "Connect", "Acknowledgement", "Touch", "Hello", "ServerInfo",
        "Established", "ConnectError", "LogRequest", "LogBulk", "LogReply", "ClientSession",
        "ClientEntry",
    };
    ck_assert_uint_eq(spec->decl_count, sizeof names / sizeof names[0]);
    for (size_t i = 0; i < spec->decl_count; i++) {
        ck_assert_str_eq(spec->decls[i]->name, names[i]);
        ck_assert_uint_eq(spec->decls[i]->index, i);
        ck_assert_ptr_eq(spec->decls[i]->unit, spec->main);
        ck_assert_msg(spec->decls[i]->doc != NULL, "%s has no doc comment", names[i]);
    }
    rp_ast_free(spec);
}
END_TEST

START_TEST(residue_connect_resolved)
{
    rp_ast_spec *spec = load_residue();
    const rp_ast_decl *c = decl(spec, "Connect", RP_DECL_MESSAGE);
    const rp_ast_message *m = &c->u.message;
    ck_assert_uint_eq(m->route_count, 1);
    const rp_ast_route *r = &m->routes[0];
    ck_assert_ptr_eq(r->port, decl(spec, "connect", RP_DECL_PORT));
    ck_assert_ptr_eq(r->from, decl(spec, "client", RP_DECL_PEER));
    ck_assert_ptr_eq(r->to, decl(spec, "server", RP_DECL_PEER));
    ck_assert_uint_eq(r->envelope_count, 2);
    ck_assert_ptr_eq(r->envelopes[0], decl(spec, "plain", RP_DECL_ENVELOPE));
    ck_assert_ptr_eq(r->envelopes[1], decl(spec, "rsa_to_server", RP_DECL_ENVELOPE));
    ck_assert(m->unknown_keys_set);
    ck_assert_int_eq(m->unknown_keys, RP_UNKNOWN_IGNORE);
    ck_assert_uint_eq(m->field_count, 5);

    const rp_ast_field *ts = field(c, "timestamp");
    ck_assert_str_eq(ts->wire_key, "_t");
    ck_assert_int_eq(ts->label, RP_LABEL_REQUIRED);
    ck_assert_int_eq(ts->type.scalar, RP_SCALAR_UINT64);
    ck_assert(ts->attrs.has_range && ts->attrs.has_lo && !ts->attrs.has_hi);
    ck_assert_uint_eq(ts->attrs.lo.mag, 1);

    const rp_ast_field *type = field(c, "type");
    const rp_ast_decl *rt = decl(spec, "RequestType", RP_DECL_ENUM);
    ck_assert_ptr_eq(type->type.ref, rt);
    ck_assert(rp_ast_type_is(&type->type, RP_DECL_ENUM));
    ck_assert_int_eq(rp_ast_type_int_kind(&type->type), RP_SCALAR_UINT8);
    ck_assert_int_eq(type->attrs.const_value.kind, RP_VALUE_ENUM);
    ck_assert_ptr_eq(type->attrs.const_value.enum_value, rp_ast_find_enum_value(rt, "CONNECT"));
    ck_assert_uint_eq(type->attrs.const_value.i.mag, 1);

    const rp_ast_field *ks = field(c, "key_size");
    ck_assert_int_eq(ks->label, RP_LABEL_OPTIONAL);
    ck_assert_uint_eq(ks->attrs.one_of_count, 3);
    ck_assert_uint_eq(ks->attrs.one_of[0].mag, 128);
    ck_assert_uint_eq(ks->attrs.one_of[2].mag, 256);

    const rp_ast_field *id = field(c, "client_id");
    ck_assert_ptr_eq(id->attrs.charset, decl(spec, "client_id", RP_DECL_CHARSET));
    const uint8_t *bits = id->attrs.charset->u.charset.allowed;
    for (const char *p = "azAZ09_@#.-"; *p; p++)
        ck_assert_msg((bits[(unsigned char)*p >> 3] >> (*p & 7)) & 1, "'%c' not allowed", *p);
    for (const char *p = " /:!\""; *p; p++)
        ck_assert_msg(!((bits[(unsigned char)*p >> 3] >> (*p & 7)) & 1), "'%c' allowed", *p);
    ck_assert(id->attrs.len.present && id->attrs.len.min == 1 && id->attrs.len.max == 128);

    const rp_ast_field *pk = field(c, "rsa_public_key");
    ck_assert_int_eq(pk->type.scalar, RP_SCALAR_BYTES);
    ck_assert_int_eq(pk->attrs.encoding, RP_BYTES_BASE64);
    rp_ast_free(spec);
}
END_TEST

/* residue's transport, as the spec declares it: resolved, typed, in order. */
START_TEST(residue_transport_resolved)
{
    rp_ast_spec *spec = load_residue();
    ck_assert_ptr_eq(spec->peers[0], decl(spec, "client", RP_DECL_PEER));
    ck_assert_ptr_eq(spec->peers[1], decl(spec, "server", RP_DECL_PEER));
    ck_assert_uint_eq(spec->port_count, 2);
    const rp_ast_port *connect = &spec->ports[0]->u.port;
    ck_assert_int_eq(connect->framing, RP_AST_FRAMING_DELIMITER);
    ck_assert_uint_eq(connect->delimiter_len, 4);
    ck_assert_mem_eq(connect->delimiter, "\r\n\r\n", 4);
    ck_assert_uint_eq(connect->max_packet, 1048576);
    ck_assert_uint_eq(spec->key_count, 3);
    const rp_ast_key *server_key = &decl(spec, "server_key", RP_DECL_KEY)->u.key;
    ck_assert_int_eq(server_key->kind, RP_AST_KEY_RSA);
    ck_assert_ptr_eq(server_key->owner, spec->peers[1]);
    const rp_ast_key *session = &decl(spec, "session", RP_DECL_KEY)->u.key;
    ck_assert_int_eq(session->kind, RP_AST_KEY_AES);
    ck_assert_uint_eq(session->aes_bits, 7);

    /* join(":", hex(iv), id(session), base64_lenient(aes(session, base64_lenient(zlib(json))))) */
    ck_assert_uint_eq(spec->envelope_count, 6);
    const rp_ast_envelope *z = &decl(spec, "aes_zlib_from_client", RP_DECL_ENVELOPE)->u.envelope;
    static const rp_ast_layer_kind want[] = { RP_AST_LAYER_JOIN, RP_AST_LAYER_BASE64_LENIENT,
                                              RP_AST_LAYER_AES, RP_AST_LAYER_BASE64_LENIENT,
                                              RP_AST_LAYER_ZLIB, RP_AST_LAYER_JSON };
    ck_assert_uint_eq(z->layer_count, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_int_eq(z->layers[i].kind, want[i]);
    ck_assert_str_eq(z->layers[0].separator, ":");
    ck_assert_uint_eq(z->layers[0].part_count, 3);
    ck_assert_int_eq(z->layers[0].parts[0].kind, RP_AST_PART_IV_HEX);
    ck_assert_int_eq(z->layers[0].parts[1].kind, RP_AST_PART_KEY_ID);
    ck_assert_ptr_eq(z->layers[0].parts[1].key, decl(spec, "session", RP_DECL_KEY));
    ck_assert_int_eq(z->layers[0].parts[2].kind, RP_AST_PART_PAYLOAD);
    ck_assert(z->layers[2].iv_in_join);
    ck_assert_ptr_eq(z->layers[2].key, decl(spec, "session", RP_DECL_KEY));

    ck_assert_uint_eq(spec->profile_count, 2);
    const rp_ast_decl *wire = decl(spec, "wire", RP_DECL_PROFILE);
    const rp_ast_decl *untimed = decl(spec, "wire_untimed", RP_DECL_PROFILE);
    ck_assert(wire->u.profile.trailing_ignore && wire->u.profile.float_truncate &&
              wire->u.profile.string_numbers_absent);
    ck_assert_uint_eq(wire->u.profile.duplicate_keys, RP_AST_DUPLICATES_FIRST);
    ck_assert_ptr_eq(untimed->u.profile.base, wire);
    ck_assert_uint_eq(untimed->u.profile.duplicate_keys, RP_AST_DUPLICATES_FIRST); /* inherited */
    rp_ast_relax_flags fl;
    ck_assert(rp_ast_profile_relaxes(untimed, "_t", &fl));
    ck_assert(fl.optional && fl.zero_is_absent && !fl.empty_is_absent);
    ck_assert(!rp_ast_profile_relaxes(wire, "_t", NULL));
    ck_assert(rp_ast_profile_relaxes(untimed, "client_id", &fl)); /* from its base */
    ck_assert(!fl.optional && !fl.zero_is_absent && fl.empty_is_absent);
    ck_assert_uint_eq(spec->route_count, 9);
    rp_ast_free(spec);
}
END_TEST

START_TEST(residue_other_messages)
{
    rp_ast_spec *spec = load_residue();
    const rp_ast_decl *hello = decl(spec, "Hello", RP_DECL_MESSAGE);
    const rp_ast_field *key = field(hello, "key");
    ck_assert_int_eq(key->attrs.encoding, RP_BYTES_HEX);
    ck_assert_uint_eq(key->attrs.len.set_count, 3);
    ck_assert_uint_eq(key->attrs.len.min, 16);
    ck_assert_uint_eq(key->attrs.len.max, 32);
    ck_assert_str_eq(field(hello, "token")->attrs.since, "2.3.0");
    ck_assert_ptr_eq(hello->u.message.routes[0].envelopes[0], decl(spec, "rsa_to_client", RP_DECL_ENVELOPE));

    const rp_ast_decl *est = decl(spec, "Established", RP_DECL_MESSAGE);
    ck_assert(rp_ast_type_is(&field(est, "flags")->type, RP_DECL_FLAGS));
    const rp_ast_field *si = field(est, "server_info");
    ck_assert_ptr_eq(si->type.ref, decl(spec, "ServerInfo", RP_DECL_MESSAGE));
    ck_assert_str_eq(field(est, "token_port")->attrs.until, "1.6.1");
    ck_assert_str_eq(field(est, "licensee")->attrs.until, "1.1.9");

    const rp_ast_decl *flags = decl(spec, "ServerFlags", RP_DECL_FLAGS);
    ck_assert_int_eq(flags->u.enm.underlying, RP_SCALAR_UINT32);
    ck_assert_uint_eq(flags->u.enm.value_count, 12);
    for (size_t i = 0; i < 12; i++)
        ck_assert_uint_eq(flags->u.enm.values[i].value.mag, (uint64_t)1 << i);
    ck_assert_str_eq(flags->u.enm.values[11].since, "2.2.1");
    ck_assert_str_eq(rp_ast_find_enum_value(flags, "COMPRESSION")->name, "COMPRESSION");

    const rp_ast_decl *log = decl(spec, "LogRequest", RP_DECL_MESSAGE);
    const rp_ast_field *vl = field(log, "vlevel");
    ck_assert_int_eq(vl->attrs.default_value.kind, RP_VALUE_INT);
    ck_assert_uint_eq(vl->attrs.default_value.i.mag, 9);
    ck_assert_str_eq(field(log, "logger")->attrs.default_value.str, "default");
    ck_assert_str_eq(log->u.message.routes[0].envelopes[1]->name, "aes_zlib_from_client");
    ck_assert_str_eq(log->u.message.routes[0].envelopes[0]->name, "aes_from_client");

    const rp_ast_decl *bulk = decl(spec, "LogBulk", RP_DECL_ARRAY);
    ck_assert_ptr_eq(bulk->u.array.element.ref, log);
    ck_assert(bulk->u.array.len.has_max);
    ck_assert_uint_eq(bulk->u.array.len.max, 500);
    ck_assert_ptr_eq(bulk->u.array.routes[0].port, decl(spec, "logging", RP_DECL_PORT));

    const rp_ast_decl *ls = decl(spec, "LogStatus", RP_DECL_ENUM);
    ck_assert_str_eq(ls->u.enm.values[0].doc, "Accepted and queued (not a promise that it was written).");
    ck_assert_ptr_eq(ls->u.enm.values[2].parent, ls);
    ck_assert_uint_eq(ls->u.enm.values[2].index, 2);
    rp_ast_free(spec);
}
END_TEST

START_TEST(spans_point_at_the_text)
{
    rp_ast_spec *spec = load_residue();
    const rp_ast_unit *u = spec->main;
    const rp_ast_decl *c = decl(spec, "Connect", RP_DECL_MESSAGE);
    ck_assert_ptr_eq(c->name_span.file, u->path);
    ck_assert_int_eq(strncmp(u->text + c->span.offset, "message Connect", 15), 0);
    ck_assert_int_eq(strncmp(u->text + c->name_span.offset, "Connect", 7), 0);
    ck_assert_uint_eq(c->name_span.end_offset - c->name_span.offset, 7);
    ck_assert_uint_eq(c->name_span.end_col - c->name_span.col, 6);
    ck_assert_int_eq(u->text[c->span.end_offset - 1], '}');
    /* line/col agree with the offset */
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < c->name_span.offset; i++) {
        if (u->text[i] == '\n') { line++; col = 1; } else col++;
    }
    ck_assert_uint_eq(c->name_span.line, line);
    ck_assert_uint_eq(c->name_span.col, col);
    const rp_ast_field *f = field(c, "rsa_public_key");
    ck_assert_int_eq(strncmp(u->text + f->key_span.offset, "\"rsa_public_key\"", 16), 0);
    ck_assert_int_eq(strncmp(u->text + f->span.offset, "optional", 8), 0);
    ck_assert_int_eq(u->text[f->span.end_offset - 1], ';');
    ck_assert_int_eq(strncmp(u->text + f->attrs.encoding_span.offset, "base64", 6), 0);
    rp_ast_free(spec);
}
END_TEST

static int count_decl(void *ctx, const rp_ast_decl *d) { (void)d; ((int *)ctx)[0]++; return 0; }
static int count_field(void *ctx, const rp_ast_decl *d, const rp_ast_field *f)
{
    (void)d; (void)f; ((int *)ctx)[1]++; return 0;
}
static int count_value(void *ctx, const rp_ast_decl *d, const rp_ast_enum_value *v)
{
    (void)d; (void)v; ((int *)ctx)[2]++; return 0;
}
static int stop_at_hello(void *ctx, const rp_ast_decl *d)
{
    ((int *)ctx)[0]++;
    return strcmp(d->name, "Hello") == 0 ? 42 : 0;
}

START_TEST(walker)
{
    rp_ast_spec *spec = load_residue();
    int n[3] = { 0, 0, 0 };
    rp_ast_visitor v = { count_decl, count_value, count_field, NULL };
    ck_assert_int_eq(rp_ast_walk(spec, false, &v, n), 0);
    ck_assert_int_eq(n[0], 36);
    ck_assert_int_eq(n[2], 3 + 2 + 2 + 3 + 8 + 12);
    ck_assert_int_eq(n[1], 5 + 3 + 3 + 5 + 4 + 13 + 3 + 13 + 1);
    rp_ast_visitor stop = { stop_at_hello, NULL, NULL, NULL };
    n[0] = 0;
    ck_assert_int_eq(rp_ast_walk(spec, true, &stop, n), 42);
    ck_assert_int_eq(n[0], 28);
    rp_ast_free(spec);
}
END_TEST

START_TEST(imports_come_first)
{
    const char *text = "protocol p;\nimport \"lib/common.rproto\";\n"
                       "message M { optional Severity s = \"s\" [default HIGHEST]; }\n";
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(d, "tests/specs/valid/mem.rproto", text, strlen(text), NULL, &spec),
                     RP_FRONTEND_OK);
    ck_assert_uint_eq(spec->unit_count, 2);
    ck_assert_str_eq(spec->units[0]->path, "tests/specs/valid/lib/common.rproto");
    ck_assert(!spec->units[0]->is_main);
    ck_assert_ptr_eq(spec->main, spec->units[1]);
    ck_assert_ptr_eq(spec->main->imports[0].unit, spec->units[0]);
    ck_assert_uint_eq(spec->decl_count, 3);
    ck_assert_str_eq(spec->decls[0]->name, "lower");
    ck_assert_str_eq(spec->decls[2]->name, "M");
    const rp_ast_field *f = field(spec->decls[2], "s");
    ck_assert_ptr_eq(f->type.ref, spec->decls[1]);
    ck_assert(f->attrs.default_value.i.mag == 127 && !f->attrs.default_value.i.neg);
    rp_ast_free(spec);
    rp_diag_free(d);
}
END_TEST

START_TEST(exact_integers)
{
    char buf[32];
    rp_ast_int min64 = rp_ast_int_from_i64(INT64_MIN);
    ck_assert(min64.neg);
    ck_assert_uint_eq(min64.mag, (uint64_t)1 << 63);
    ck_assert(rp_ast_int_as_i64(min64) == INT64_MIN);
    ck_assert_str_eq(rp_ast_int_format(min64, buf, sizeof buf), "-9223372036854775808");
    rp_ast_int max_u = rp_ast_int_from_u64(UINT64_MAX);
    ck_assert_str_eq(rp_ast_int_format(max_u, buf, sizeof buf), "18446744073709551615");
    ck_assert(rp_ast_int_as_u64(max_u) == UINT64_MAX);
    ck_assert(rp_ast_int_fits(max_u, RP_SCALAR_UINT64));
    ck_assert(!rp_ast_int_fits(max_u, RP_SCALAR_INT64));
    ck_assert(rp_ast_int_fits(min64, RP_SCALAR_INT64));
    ck_assert(!rp_ast_int_fits(min64, RP_SCALAR_UINT8));
    ck_assert(!rp_ast_int_fits(rp_ast_int_from_u64(256), RP_SCALAR_UINT8));
    ck_assert(rp_ast_int_fits(rp_ast_int_from_u64(255), RP_SCALAR_UINT8));
    ck_assert(rp_ast_int_fits(rp_ast_int_from_i64(-128), RP_SCALAR_INT8));
    ck_assert(!rp_ast_int_fits(rp_ast_int_from_i64(-129), RP_SCALAR_INT8));
    ck_assert(!rp_ast_int_fits(rp_ast_int_from_u64(1), RP_SCALAR_STRING));
    ck_assert_int_eq(rp_ast_int_cmp(min64, max_u), -1);
    ck_assert_int_eq(rp_ast_int_cmp(rp_ast_int_from_i64(-1), rp_ast_int_from_i64(-2)), 1);
    ck_assert_int_eq(rp_ast_int_cmp(rp_ast_int_from_i64(7), rp_ast_int_from_u64(7)), 0);
    ck_assert_str_eq(rp_ast_int_format(rp_ast_scalar_max(RP_SCALAR_INT32), buf, sizeof buf), "2147483647");
    ck_assert_str_eq(rp_ast_int_format(rp_ast_scalar_min(RP_SCALAR_INT16), buf, sizeof buf), "-32768");
    ck_assert_str_eq(rp_ast_int_format(rp_ast_scalar_max(RP_SCALAR_UINT16), buf, sizeof buf), "65535");
    ck_assert_uint_eq(rp_ast_scalar_bits(RP_SCALAR_UINT32), 32);
    ck_assert_str_eq(rp_ast_scalar_c_type(RP_SCALAR_BYTES), "rp_bytes");
    ck_assert_str_eq(rp_ast_layer_name(RP_AST_LAYER_BASE64_LENIENT), "base64_lenient");
    ck_assert_str_eq(rp_ast_framing_name(RP_AST_FRAMING_LENGTH), "length");
}
END_TEST

START_TEST(versions)
{
    uint64_t p[8];
    ck_assert_uint_eq(rp_check_parse_version("2.3.6", p), 3);
    ck_assert(p[0] == 2 && p[1] == 3 && p[2] == 6);
    ck_assert_uint_eq(rp_check_parse_version("10", p), 1);
    ck_assert_uint_eq(rp_check_parse_version("", p), 0);
    ck_assert_uint_eq(rp_check_parse_version("1.", p), 0);
    ck_assert_uint_eq(rp_check_parse_version(".1", p), 0);
    ck_assert_uint_eq(rp_check_parse_version("1..2", p), 0);
    ck_assert_uint_eq(rp_check_parse_version("v1", p), 0);
    ck_assert_uint_eq(rp_check_parse_version("1.2.3.4.5.6.7.8.9", p), 0);
    ck_assert_uint_eq(rp_check_parse_version(NULL, p), 0);
}
END_TEST

static char *diagnose(const char *name, const char *text)
{
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(d, name, text, strlen(text), NULL, &spec), RP_FRONTEND_SPEC_ERROR);
    ck_assert_ptr_null(spec);
    char *out = strdup(rp_diag_text(d));
    rp_diag_free(d);
    return out;
}

START_TEST(diagnostic_format)
{
    /* a tab before the error keeps the caret aligned: the caret line copies the tab */
    char *out = diagnose("t.rproto", "protocol p;\nmessage M {\n\trequired strng x = \"x\";\n}\n");
    ck_assert_str_eq(out, "t.rproto:3:11: error: unknown type 'strng'; did you mean 'string'?\n"
                          "\trequired strng x = \"x\";\n"
                          "\t         ^~~~~\n");
    free(out);
    /* an error at end of file without a final newline */
    out = diagnose("e.rproto", "protocol p;\nmessage M {");
    ck_assert_str_eq(out, "e.rproto:2:11: error: unexpected end of file, expected 'option', 'required', "
                          "'optional', 'repeated' or '}'\n"
                          "message M {\n"
                          "          ^\n");
    free(out);
    /* CRLF line ends: the CR is not shown as a stray <0d> */
    out = diagnose("crlf.rproto", "protocol p;\r\nmessage M {\r\n  required strng x = \"x\";\r\n}\r\n");
    ck_assert_str_eq(out, "crlf.rproto:3:12: error: unknown type 'strng'; did you mean 'string'?\n"
                          "  required strng x = \"x\";\n"
                          "           ^~~~~\n");
    free(out);
    /* same input, same text: no addresses, no ordering by hash */
    char *a = diagnose("x.rproto", "protocol p; enum E : uint8 { A = 1; A = 1; } message E {}");
    char *b = diagnose("x.rproto", "protocol p; enum E : uint8 { A = 1; A = 1; } message E {}");
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "x.rproto:1:37: error: duplicate value name 'A' in enum 'E'"));
    ck_assert_ptr_nonnull(strstr(a, "note: 'A' first defined here"));
    ck_assert_ptr_nonnull(strstr(a, "error: redefinition of 'E'"));
    free(a);
    free(b);
}
END_TEST

/* A doc block belongs to the declaration, field or value on the very next line; a blank
 * line or a line of other comments in between drops it (language.md §2). */
START_TEST(doc_blocks_attach_only_to_the_next_line)
{
    static const char text[] =
        "protocol d;\n"
        "/// kept\n"
        "message A { required uint8 a = \"a\"; }\n"
        "/// dropped: a blank line follows\n"
        "\n"
        "message B { required uint8 a = \"a\"; }\n"
        "/// dropped: a comment line follows\n"
        "// interruption\n"
        "message C {\n"
        "  /// dropped: a block comment follows\n"
        "  /* block */\n"
        "  required uint8 a = \"a\";\n"
        "  /// kept too\n"
        "  required uint8 b = \"b\";\n"
        "}\n";
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(d, "d.rproto", text, sizeof text - 1, NULL, &spec), RP_FRONTEND_OK);
    ck_assert_uint_eq(spec->decl_count, 3);
    ck_assert_str_eq(spec->decls[0]->doc, "kept");
    ck_assert_ptr_null(spec->decls[1]->doc);
    ck_assert_ptr_null(spec->decls[2]->doc);
    ck_assert_ptr_null(spec->decls[2]->u.message.fields[0].doc);
    ck_assert_str_eq(spec->decls[2]->u.message.fields[1].doc, "kept too");
    rp_ast_free(spec);
    rp_diag_free(d);
}
END_TEST

/* A file option in an imported file is ignored, and the user is told so (language.md §4.16:
 * the main file's options apply). */
START_TEST(imported_file_options_are_reported_ignored)
{
    char dir[] = "/tmp/rp-frontend-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char lib[64], main_path[64];
    snprintf(lib, sizeof lib, "%s/lib.rproto", dir);
    snprintf(main_path, sizeof main_path, "%s/main.rproto", dir);
    FILE *f = fopen(lib, "w");
    ck_assert_ptr_nonnull(f);
    fputs("option max_depth = 2;\nmessage Shared { optional uint8 x = \"x\"; }\n", f);
    fclose(f);
    f = fopen(main_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("protocol m;\nimport \"lib.rproto\";\nmessage M { optional Shared s = \"s\"; }\n", f);
    fclose(f);
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_file(d, main_path, NULL, &spec), RP_FRONTEND_OK);
    ck_assert_uint_eq(spec->max_depth, 0); /* not set: the import's 2 does not apply */
    ck_assert_ptr_nonnull(strstr(rp_diag_text(d), "lib.rproto:1:8: warning: option 'max_depth' in an "
                                                 "imported file is ignored"));
    rp_ast_free(spec);
    rp_diag_free(d);
    remove(lib);
    remove(main_path);
    rmdir(dir);
}
END_TEST

START_TEST(dump_is_stable)
{
    rp_ast_spec *s1 = load_residue();
    rp_ast_spec *s2 = load_residue();
    char *a = rp_dump_ast(s1), *b = rp_dump_ast(s2);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(strncmp(a, "protocol residue\n", 17), 0);
    ck_assert_ptr_nonnull(strstr(a, "\nmessage Connect @"));
    ck_assert_ptr_nonnull(strstr(a, "\narray LogBulk @"));
    free(a);
    free(b);
    rp_ast_free(s1);
    rp_ast_free(s2);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("frontend");
    TCase *tc = tcase_create("residue");
    tcase_add_test(tc, residue_top_level);
    tcase_add_test(tc, residue_connect_resolved);
    tcase_add_test(tc, residue_transport_resolved);
    tcase_add_test(tc, residue_other_messages);
    tcase_add_test(tc, spans_point_at_the_text);
    tcase_add_test(tc, walker);
    tcase_add_test(tc, imports_come_first);
    tcase_add_test(tc, dump_is_stable);
    suite_add_tcase(s, tc);
    tc = tcase_create("helpers");
    tcase_add_test(tc, exact_integers);
    tcase_add_test(tc, versions);
    tcase_add_test(tc, diagnostic_format);
    tcase_add_test(tc, doc_blocks_attach_only_to_the_next_line);
    tcase_add_test(tc, imported_file_options_are_reported_ignored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
