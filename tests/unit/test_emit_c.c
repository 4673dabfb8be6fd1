/* test_emit_c: the C emitter on small specs given as text — names, literals, comments,
 * ordering, size bounds, banner and determinism. (The full pairs are covered by the golden
 * test tests/scripts/emit-golden.sh and by compiling them in test_generated*.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "diag.h"
#include "emit_c.h"
#include "cnames.h"
#include "emit_c_util.h"
#include "out_files.h"
#include "source.h"
#include "version.h"
#include "support/vec_support.h"

/* Renders spec text; fails the test on front-end errors. */
static rp_emit_c_output render(const char *name, const char *text)
{
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(diag, name, text, strlen(text), NULL, &spec);
    ck_assert_msg(st == RP_FRONTEND_OK, "front end: %s", rp_diag_text(diag));
    rp_emit_c_output out;
    ck_assert_int_eq(rp_emit_c_render(spec, &out, NULL), 0);
    rp_ast_free(spec);
    rp_diag_free(diag);
    return out;
}

static void assert_has(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) != NULL, "missing: %s", needle);
}

/* --optimize: speed (the default) writes a lane for each message of plain fields and none
 * for the others, and calls the table engine through its fast lane; size writes the tables
 * and calls the walks alone. */
START_TEST(test_optimize_speed_and_size)
{
    const char *text = "protocol Opt;\n"
                       "message Plain { required uint16 a = \"a\" [range 1..9];\n"
                       "                optional string s = \"s\" [len 0..4]; }\n"
                       "message Listed { repeated uint8 xs = \"xs\" [count ..3]; }\n";
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(diag, "opt.rproto", text, strlen(text), NULL, &spec),
                     RP_FRONTEND_OK);
    rp_emit_c_output fast, small, dflt;
    ck_assert_int_eq(rp_emit_c_render_opt(spec, RP_EMIT_OPTIMIZE_SPEED, &fast, NULL), 0);
    ck_assert_int_eq(rp_emit_c_render_opt(spec, RP_EMIT_OPTIMIZE_SIZE, &small, NULL), 0);
    ck_assert_int_eq(rp_emit_c_render(spec, &dflt, NULL), 0);
    ck_assert_str_eq(dflt.source, fast.source); /* speed is the default */
    assert_has(fast.source, "#include \"rp_lane.h\"");
    assert_has(fast.source, "static bool lane__plain(rp_lane *ln, opt_plain *out)");
    assert_has(fast.source, "if (!rp_lane_lit(ln, \"{\\\"a\\\":\", 5))");
    assert_has(fast.source, "if (!rp_lane_uint(ln, UINT16_MAX, &u) || u < 1u || u > 9u)");
    assert_has(fast.source, "if (rp_lane_lit(ln, \",\\\"s\\\":\", 5)) {");
    assert_has(fast.source, "return rp_schema_decode_fast(&schema__plain, json, len, out, storage, profile, err);");
    assert_has(fast.source, "return rp_schema_decode_fast(&schema__listed, json, len, out, storage, profile, err);");
    assert_has(fast.source, "return rp_schema_encode_fast(&schema__listed, msg, buf, cap, out_len, err);");
    ck_assert_ptr_null(strstr(fast.source, "lane__listed")); /* repeated: the walk's */
    ck_assert_ptr_null(strstr(small.source, "lane__"));
    ck_assert_ptr_null(strstr(small.source, "rp_lane"));
    /* size: the walks alone, so neither rp_lane*.c nor rp_schema_fast.c is linked */
    ck_assert_ptr_null(strstr(small.source, "_fast("));
    assert_has(small.source, "return rp_schema_decode(&schema__plain, json, len, out, storage, profile, err);");
    assert_has(small.source, "return rp_schema_encode(&schema__listed, msg, buf, cap, out_len, err);");
    ck_assert_str_eq(small.header, fast.header); /* the API is the same */
    rp_emit_c_output_free(&fast);
    rp_emit_c_output_free(&small);
    rp_emit_c_output_free(&dflt);
    rp_ast_free(spec);
    rp_diag_free(diag);
}
END_TEST

START_TEST(test_snake_names)
{
    const char *cases[][2] = { { "LogRequest", "log_request" }, { "HTTPServer", "http_server" },
                               { "Connect", "connect" }, { "ABC", "abc" }, { "residue", "residue" },
                               { "ServerInfo2", "server_info2" }, { "already_snake", "already_snake" } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = rp_cname_snake(cases[i][0]);
        ck_assert_str_eq(s, cases[i][1]);
        free(s);
    }
    char *u = rp_cname_upper("log_request");
    ck_assert_str_eq(u, "LOG_REQUEST");
    free(u);
}
END_TEST

/* The mangling of cnames.h, on a spec that has every kind of name. */
START_TEST(test_cnames_mangling)
{
    const char *text = "protocol DemoProto;\n"
                       "enum Level : uint8 { INFO = 1; }\n"
                       "flags Perm : uint8 { READ = 1; }\n"
                       "peers a, b;\n"
                       "port logging { framing = delimiter(\"\\n\"); max_packet = 100; }\n"
                       "envelope plain = json;\n"
                       "message LogRequest on logging a -> b in plain { repeated uint8 ids = \"i\" [count ..2]; }\n";
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(diag, "d.rproto", text, strlen(text), NULL, &spec), RP_FRONTEND_OK);
    rp_cnames n;
    rp_cnames_init(&n, spec->protocol);
    ck_assert_str_eq(n.prefix, "demo_proto");
    ck_assert_str_eq(n.upper, "DEMO_PROTO");
    const rp_ast_decl *lvl = rp_ast_find_decl(spec, "Level"), *perm = rp_ast_find_decl(spec, "Perm");
    const rp_ast_decl *msg = rp_ast_find_decl(spec, "LogRequest");
    struct { char *got; const char *want; } cases[] = {
        { rp_cname_decl(&n, msg, RP_CN_TYPE), "demo_proto_log_request" },
        { rp_cname_decl(&n, msg, RP_CN_INIT), "demo_proto_log_request_init" },
        { rp_cname_decl(&n, msg, RP_CN_DECODE), "demo_proto_log_request_decode" },
        { rp_cname_decl(&n, msg, RP_CN_VALIDATE), "demo_proto_log_request_validate" },
        { rp_cname_decl(&n, msg, RP_CN_ENCODE), "demo_proto_log_request_encode" },
        { rp_cname_decl(&n, msg, RP_CN_MAX_SIZE), "DEMO_PROTO_LOG_REQUEST_MAX_SIZE" },
        { rp_cname_decl(&n, msg, RP_CN_ENVELOPES), "DEMO_PROTO_LOG_REQUEST_ENVELOPES" },
        { rp_cname_decl(&n, msg, RP_CN_MSG_ID), "DEMO_PROTO_MSG_LOG_REQUEST" },
        { rp_cname_decl(&n, msg, RP_CN_ANY_MEMBER), "log_request" },
        { rp_cname_decl(&n, perm, RP_CN_FLAGS_ALL), "DEMO_PROTO_PERM_ALL" },
        { rp_cname_value(&n, lvl, &lvl->u.enm.values[0]), "DEMO_PROTO_LEVEL_INFO" },
        { rp_cname_field(&msg->u.message.fields[0], RP_CN_MEMBER), "ids" },
        { rp_cname_field(&msg->u.message.fields[0], RP_CN_HAS), "has_ids" },
        { rp_cname_field(&msg->u.message.fields[0], RP_CN_COUNT), "ids_count" },
        { rp_cname_fixed(&n, RP_CN_ANY), "demo_proto_any" },
        { rp_cname_fixed(&n, RP_CN_DECODE_ANY), "demo_proto_decode_any" },
        { rp_cname_fixed(&n, RP_CN_MSG_NONE), "DEMO_PROTO_MSG_NONE" },
        { rp_cname_fixed(&n, RP_CN_GUARD), "DEMO_PROTO_GENERATED_H" },
        { rp_cname_named(&n, RP_CN_PORT_CONST, "controlChannel"), "DEMO_PROTO_PORT_CONTROL_CHANNEL" },
        { rp_cname_named(&n, RP_CN_PROFILE, "wire_untimed"), "demo_proto_profile_wire_untimed" },
        { rp_cname_file(&n, true), "demo_proto.h" },
        { rp_cname_static(RP_CN_S_RULES, msg, &msg->u.message.fields[0]), "rules__log_request__ids" },
        { rp_cname_static(RP_CN_S_SCHEMA, msg, NULL), "schema__log_request" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_str_eq(cases[i].got, cases[i].want);
        free(cases[i].got);
    }
    ck_assert(rp_cname_spec_is_routed(spec));
    rp_cnames_free(&n);
    rp_ast_free(spec);
    rp_diag_free(diag);
}
END_TEST

/* A spec without routes gets no routing code at all (it used to get `union { } u;`). */
/* A lane refuses a set of integers (one_of, an enum's values) as a range when the set is
 * every integer from its least to its greatest, in any order, and as a list otherwise; an
 * enum is a C enum when every value fits int32 (decided once by the checker). */
START_TEST(test_lane_sets_and_c_enums)
{
    rp_emit_c_output o = render("sets.rproto",
        "protocol Sets;\n"
        "enum Dense : uint8 { C = 3; A = 1; B = 2; }\n"
        "enum Gappy : uint8 { P = 1; Q = 3; }\n"
        "enum Wide : int64 { LOW = -1; HIGH = 4294967296; }\n"
        "message M { required uint16 r = \"r\" [one_of {4, 2, 3, 5}];\n"
        "            required uint16 l = \"l\" [one_of {2, 3, 5}];\n"
        "            required Dense d = \"d\";\n"
        "            required Gappy g = \"g\";\n"
        "            required Wide w = \"w\"; }\n");
    assert_has(o.source, "u < 2u || u > 5u");
    assert_has(o.source, "!(u == 2u || u == 3u || u == 5u)");
    assert_has(o.source, "u < 1u || u > 3u");
    assert_has(o.source, "!(u == 1u || u == 3u)");
    assert_has(o.header, "typedef enum sets_dense {");
    assert_has(o.header, "typedef enum sets_gappy {");
    ck_assert_ptr_null(strstr(o.header, "typedef enum sets_wide"));
    rp_emit_c_output_free(&o);
}
END_TEST

START_TEST(test_no_routes_no_routing)
{
    rp_emit_c_output o = render("plain.rproto", "protocol plain;\nmessage M { optional uint8 a = \"a\"; }\n");
    const char *gone[] = { "plain_any", "plain_port", "plain_direction", "plain_message_id",
                           "plain_decode_any", "plain_message_name", "PLAIN_MSG_", "PLAIN_PORT_",
                           "PLAIN_DIR_", "PLAIN_ENVELOPE", "union" };
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        ck_assert_msg(strstr(o.header, gone[i]) == NULL, "header has %s", gone[i]);
        ck_assert_msg(strstr(o.source, gone[i]) == NULL, "source has %s", gone[i]);
    }
    assert_has(o.header, "void plain_m_init(plain_m *msg);");
    rp_emit_c_output_free(&o);
}
END_TEST

START_TEST(test_literals)
{
    rp_strbuf b = { 0 };
    emit_cstr(&b, "q\"\\\xc3\xa9?\?=\n");
    ck_assert_str_eq(b.s, "\"q\\\"\\\\\\303\\251\\?\\?=\\012\"");
    free(b.s);
    b = (rp_strbuf){ 0 };
    emit_u64_lit(&b, 4294967295u);
    rp_sb_puts(&b, " ");
    emit_u64_lit(&b, 4294967296u);
    rp_sb_puts(&b, " ");
    emit_i64_lit(&b, INT64_MIN);
    rp_sb_puts(&b, " ");
    emit_i64_lit(&b, -2147483647);
    rp_sb_puts(&b, " ");
    emit_i64_lit(&b, -2147483648);
    ck_assert_str_eq(b.s, "4294967295u UINT64_C(4294967296) (-INT64_MAX - 1) -2147483647 INT64_C(-2147483648)");
    free(b.s);
}
END_TEST

START_TEST(test_residue_banner_and_determinism)
{
    size_t len;
    char *text = vec_read_file("spec/residue.rproto", &len);
    ck_assert_ptr_nonnull(text);
    rp_emit_c_output a = render("spec/residue.rproto", text);
    rp_emit_c_output b = render("/somewhere/else/residue.rproto", text);
    ck_assert_str_eq(a.header_name, "residue.h");
    ck_assert_str_eq(a.source_name, "residue.c");
    ck_assert_uint_eq(a.header_len, b.header_len);
    ck_assert(memcmp(a.header, b.header, a.header_len) == 0); /* the path does not matter */
    ck_assert(memcmp(a.source, b.source, a.source_len) == 0);
    /* the banner names the tool version and the SHA-256 of the spec bytes */
    unsigned char md[32];
    unsigned int mdlen = 0;
    ck_assert_int_eq(EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL), 1);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    char line[128];
    snprintf(line, sizeof line, " * Spec SHA-256: %s\n", hex);
    assert_has(a.header, line);
    assert_has(a.source, line);
    assert_has(a.header, "Generated by rprotoc " RPROTOC_VERSION " from residue.rproto; do not edit.");
    assert_has(a.source, "static const char spec__file[] = \"residue.rproto\";");
    ck_assert(strstr(a.header, "/somewhere") == NULL && strstr(a.source, "/somewhere") == NULL);
    /* and it is what is committed */
    size_t glen;
    char *committed = vec_read_file("generated/residue.h", &glen);
    ck_assert_ptr_nonnull(committed);
    ck_assert_uint_eq(glen, a.header_len);
    ck_assert(memcmp(committed, a.header, glen) == 0);
    free(committed);
    rp_emit_c_output_free(&a);
    rp_emit_c_output_free(&b);
    ck_assert_ptr_null(a.header);
    free(text);
}
END_TEST

START_TEST(test_order_comments_and_bounds)
{
    const char *spec =
        "/// Top doc with */ inside.\n"
        "protocol demo_proto;\n"
        "peers a, b;\n"
        "port connect { framing = delimiter(\"\\n\"); max_packet = 100; }\n"
        "port logging { framing = length(uint16, big_endian); max_packet = 100; }\n"
        "envelope plain = json;\n"
        "/// Outer uses Inner before Inner is declared; its doc has */ too.\n"
        "message Outer on connect a -> b in plain {\n"
        "  required Inner inner = \"in\";\n"
        "  required uint16 n = \"n\" [range 10..300];\n"
        "  optional string free = \"free\";\n"
        "}\n"
        "message Inner {\n"
        "  optional bool b = \"b\";\n"
        "  required string s = \"s\" [len ..3];\n"
        "}\n"
        "enum Big : uint64 { SMALL = 1; HUGE = 4294967296; }\n"
        "message Empty on logging b -> a in plain { }\n"
        "message Uses { optional Big big = \"big\"; optional string k = \"a?\?=b\" [len 1]; }\n";
    rp_emit_c_output o = render("demo.rproto", spec);
    ck_assert_str_eq(o.header_name, "demo_proto.h");
    /* doc comments land in the header and cannot end the comment early */
    assert_has(o.header, "Top doc with * / inside.");
    ck_assert(strstr(o.header, "with */") == NULL);
    /* Inner's struct comes before Outer's, which embeds it */
    const char *inner = strstr(o.header, "typedef struct demo_proto_inner {");
    const char *outer = strstr(o.header, "typedef struct demo_proto_outer {");
    ck_assert(inner != NULL && outer != NULL && inner < outer);
    /* an enum beyond int is a typedef with #defines */
    assert_has(o.header, "typedef uint64_t demo_proto_big;");
    assert_has(o.header, "#define DEMO_PROTO_BIG_HUGE UINT64_C(4294967296)");
    /* bounds: Inner = {"b":false,"s":"\u0001\u0001\u0001"} = 2+4+5+1+4+20 */
    assert_has(o.header, "#define DEMO_PROTO_INNER_MAX_SIZE 36u");
    /* Outer has an unbounded string: no macro, a comment instead */
    ck_assert(strstr(o.header, "DEMO_PROTO_OUTER_MAX_SIZE ") == NULL);
    assert_has(o.header, "has no DEMO_PROTO_OUTER_MAX_SIZE");
    /* a message without fields is still valid C */
    assert_has(o.header, "uint8_t unused_; /* the message has no fields */");
    assert_has(o.source, ".fields = NULL, .field_count = 0");
    assert_has(o.header, "DEMO_PROTO_EMPTY_MAX_SIZE 2u");
    /* a key with two question marks and = is not a trigraph */
    assert_has(o.source, ".key = \"a\\?\\?=b\", .key_len = 5");
    /* range on a uint16 with its location */
    assert_has(o.source, ".expect = \"a value in 10..300\"");
    assert_has(o.source, ".has_lo = true, .u_lo = 10u, .has_hi = true, .u_hi = 300u");
    assert_has(o.header, "DEMO_PROTO_MSG_OUTER,\n    DEMO_PROTO_MSG_EMPTY\n");
    rp_emit_c_output_free(&o);
}
END_TEST

START_TEST(test_write_files)
{
    char dir[] = "/tmp/test_emit_c_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_file(diag, "spec/residue.rproto", NULL, &spec), RP_FRONTEND_OK);
    ck_assert_int_eq(rp_emit_c_write(spec, dir, NULL), 0);
    /* the codec pair, the transport pair (the spec has ports) and the machines pair (it has
     * machines); the generated copies
     * in generated/ are the same bytes */
    static const char *const names[] = { "residue.h", "residue.c", "residue_transport.h",
                                         "residue_transport.c", "residue_machines.h",
                                         "residue_machines.c" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256], committed[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(committed, sizeof committed, "generated/%s", names[i]);
        size_t len = 0, clen = 0;
        char *text = vec_read_file(path, &len), *want = vec_read_file(committed, &clen);
        ck_assert_msg(text != NULL, "%s was not written", names[i]);
        ck_assert_msg(want != NULL && len == clen && memcmp(text, want, len) == 0,
                      "%s differs from generated/", names[i]);
        free(text);
        free(want);
        remove(path);
    }
    ck_assert_int_eq(rmdir(dir), 0); /* nothing else (no temporary files) was left */
    FILE *devnull = fopen("/dev/null", "w");
    ck_assert_int_eq(rp_emit_c_write(spec, "/nonexistent/dir", devnull), -1);
    fclose(devnull);
    rp_ast_free(spec);
    rp_diag_free(diag);
}
END_TEST

/* All six files or none: when the last of them (the transport source) cannot be created,
 * none of the others replaces what out_dir had (the codec and machines pairs were already
 * renamed into place before) and no temporary is left. */
START_TEST(test_write_all_or_none)
{
    char dir[] = "/tmp/test_emit_c_XXXXXX", blocker[300];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(blocker, sizeof blocker, "%s/.residue_transport.c.tmp", dir);
    ck_assert_int_eq(mkdir(blocker, 0700), 0); /* fopen of the temporary fails: EISDIR */
    rp_diag *diag = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_file(diag, "spec/residue.rproto", NULL, &spec), RP_FRONTEND_OK);
    char *msg = NULL;
    size_t msg_len = 0;
    FILE *err = open_memstream(&msg, &msg_len);
    ck_assert_int_eq(rp_emit_c_write(spec, dir, err), -1);
    fclose(err);
    ck_assert_msg(strstr(msg, "cannot create") != NULL && strstr(msg, ".residue_transport.c.tmp") != NULL,
                  "message: %s", msg);
    free(msg);
    ck_assert_int_eq(rmdir(blocker), 0);
    ck_assert_int_eq(rmdir(dir), 0); /* nothing else was written or left */
    rp_ast_free(spec);
    rp_diag_free(diag);
}
END_TEST

/* rprotoc exits(2) when an allocation fails (the rp_x* allocators, fe_util.c), possibly in
 * the middle of writing the outputs: the temporaries of the set being written are removed
 * at exit. (exit(2) itself, as out_of_memory calls it: a real failed malloc would abort
 * under ASan instead of returning NULL.) */
START_TEST(test_exit_while_writing_leaves_nothing)
{
    char dir[] = "/tmp/test_emit_c_XXXXXX", path[300];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        rp_out_set set;
        rp_out_begin(&set, NULL);
        FILE *f = rp_out_open(&set, dir, "x.h");
        if (f == NULL || rp_out_close(&set, f, "done\n", 5) != 0 ||
            rp_out_open(&set, dir, "x.c") == NULL)
            _exit(5);
        exit(2);
    }
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
    snprintf(path, sizeof path, "%s/x.h", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(rmdir(dir), 0); /* .x.h.tmp and .x.c.tmp are gone */
}
END_TEST

/* The nesting limit written into each message's table: its own depth (an object per level,
 * an array per repeated level), never below the default 32, or the spec's option max_depth;
 * and each profile's relax bits on the fields with the wire key it names. */
START_TEST(test_max_depth_and_relax)
{
    char text[8192];
    size_t o = (size_t)snprintf(text, sizeof text, "protocol nest;\n");
    for (int i = 1; i <= 34; i++) {
        if (i < 34)
            o += (size_t)snprintf(text + o, sizeof text - o,
                                  "message L%d { required uint8 v = \"_t\"; repeated L%d n = \"n\" [count 0..2]; }\n",
                                  i, i + 1);
        else
            o += (size_t)snprintf(text + o, sizeof text - o, "message L%d { required uint8 v = \"_t\"; }\n", i);
    }
    rp_emit_c_output out = render("nest.rproto", text);
    /* L1: 34 objects and 33 arrays */
    const char *l1 = strstr(out.source, "schema__l1 = {");
    ck_assert_ptr_nonnull(l1);
    const char *md = strstr(l1, ".max_depth = ");
    ck_assert_ptr_nonnull(md);
    ck_assert_int_eq(atoi(md + 13), 67);
    const char *l34 = strstr(out.source, "schema__l34 = {");
    ck_assert_ptr_nonnull(l34);
    ck_assert_int_eq(atoi(strstr(l34, ".max_depth = ") + 13), 32);
    ck_assert_ptr_null(strstr(out.source, "relax_")); /* no profiles: no relax bits */
    rp_emit_c_output_free(&out);
    /* option max_depth: the same limit for every message */
    out = render("d.rproto", "protocol d;\noption max_depth = 100;\n"
                             "message A { required uint8 v = \"v\"; }\nmessage B { optional A a = \"a\"; }\n");
    ck_assert_int_eq(atoi(strstr(strstr(out.source, "schema__a = {"), ".max_depth = ") + 13), 100);
    ck_assert_int_eq(atoi(strstr(strstr(out.source, "schema__b = {"), ".max_depth = ") + 13), 100);
    rp_emit_c_output_free(&out);
    /* profile index 1 (the second) relaxes "_t" through its base's relax: bit 1 */
    out = render("r.rproto", "protocol r;\n"
                             "profile strictish { trailing_bytes = ignore; }\n"
                             "profile timed : strictish { duplicate_keys = first; }\n"
                             "profile untimed : strictish { relax \"_t\" = optional, zero_is_absent; }\n"
                             "profile later : untimed { null_values = absent; }\n"
                             "message M { required uint64 t = \"_t\"; required uint8 u = \"u\"; }\n");
    const char *r = strstr(out.source, ".relax_optional = 0xcu, .relax_zero_absent = 0xcu");
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(strstr(r + 1, ".relax_optional")); /* only on "_t" */
    /* the profile constants, settings of the bases resolved */
    const char *later = strstr(out.source, "const rp_schema_profile r_profile_later = {");
    ck_assert_ptr_nonnull(later);
    const char *end = strstr(later, "};");
    ck_assert_ptr_nonnull(end);
    ck_assert_ptr_nonnull(strstr(later, ".index = 3,"));
    const char *ti = strstr(later, ".trailing_ignore = true,");
    const char *na = strstr(later, ".null_absent = true,");
    ck_assert(ti != NULL && ti < end && na != NULL && na < end);
    const char *dl = strstr(later, ".duplicate_keys");
    ck_assert(dl == NULL || dl > end);
    /* the base's setting and its own, in the struct's order */
    const char *timed = "const rp_schema_profile r_profile_timed = {\n    .name = \"timed\",\n    .index = 1,\n"
                        "    .trailing_ignore = true,\n    .duplicate_keys = RP_DUPLICATES_FIRST,\n};\n";
    ck_assert_ptr_nonnull(strstr(out.source, timed));
    ck_assert_ptr_nonnull(strstr(out.header, "extern const rp_schema_profile r_profile_untimed;"));
    rp_emit_c_output_free(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emit_c");
    TCase *tc = tcase_create("emit");
    tcase_add_test(tc, test_snake_names);
    tcase_add_test(tc, test_optimize_speed_and_size);
    tcase_add_test(tc, test_literals);
    tcase_add_test(tc, test_cnames_mangling);
    tcase_add_test(tc, test_lane_sets_and_c_enums);
    tcase_add_test(tc, test_no_routes_no_routing);
    tcase_add_test(tc, test_residue_banner_and_determinism);
    tcase_add_test(tc, test_order_comments_and_bounds);
    tcase_add_test(tc, test_write_files);
    tcase_add_test(tc, test_write_all_or_none);
    tcase_add_test(tc, test_exit_while_writing_leaves_nothing);
    tcase_add_test(tc, test_max_depth_and_relax);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
