/* cnames.c — the C names of a spec (see cnames.h for the mangling). */
#include "cnames.h"

#include <stdlib.h>
#include <string.h>

#include "fe_util.h"

static bool is_up(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_low(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

char *rp_cname_snake(const char *name)
{
    rp_strbuf b = { 0 };
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (is_up(c)) {
            /* A word starts at an upper-case letter after a lower-case one or a digit, or at
             * the last capital of a run followed by lower case ("HTTPServer"). */
            bool after_low = i > 0 && is_low(name[i - 1]);
            bool run_end = i > 0 && is_up(name[i - 1]) && i + 1 < n && is_low(name[i + 1]) &&
                           !(name[i + 1] >= '0' && name[i + 1] <= '9');
            if ((after_low || run_end) && b.len > 0 && b.s[b.len - 1] != '_')
                rp_sb_putc(&b, '_');
            rp_sb_putc(&b, (char)(c - 'A' + 'a'));
        } else {
            rp_sb_putc(&b, c);
        }
    }
    return rp_sb_take(&b);
}

char *rp_cname_upper(const char *s)
{
    char *u = rp_xstrdup(s);
    for (char *p = u; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return u;
}

void rp_cnames_init(rp_cnames *n, const char *protocol)
{
    n->prefix = rp_cname_snake(protocol);
    n->upper = rp_cname_upper(n->prefix);
}

void rp_cnames_free(rp_cnames *n)
{
    if (n == NULL)
        return;
    free(n->prefix);
    free(n->upper);
    n->prefix = NULL;
    n->upper = NULL;
}

bool rp_cname_is_routed(const rp_ast_decl *d)
{
    size_t n = 0;
    rp_ast_decl_routes(d, &n);
    return n > 0;
}

bool rp_cname_spec_is_routed(const rp_ast_spec *spec)
{
    for (size_t i = 0; i < spec->decl_count; i++)
        if (rp_cname_is_routed(spec->decls[i]))
            return true;
    return false;
}

/* a + sep + b (+ sep2 + c when c is not NULL), as a new string. */
static char *join(const char *a, const char *sep, const char *b, const char *sep2, const char *c)
{
    rp_strbuf s = { 0 };
    rp_sb_puts(&s, a);
    rp_sb_puts(&s, sep);
    rp_sb_puts(&s, b);
    if (c != NULL) {
        rp_sb_puts(&s, sep2);
        rp_sb_puts(&s, c);
    }
    return rp_sb_take(&s);
}

char *rp_cname_decl(const rp_cnames *n, const rp_ast_decl *d, rp_cname_decl_kind k)
{
    char *snake = rp_cname_snake(d->name);
    char *up = rp_cname_upper(snake);
    char *r = NULL;
    switch (k) {
    case RP_CN_TYPE: r = join(n->prefix, "_", snake, NULL, NULL); break;
    case RP_CN_INIT: r = join(n->prefix, "_", snake, "_", "init"); break;
    case RP_CN_DECODE: r = join(n->prefix, "_", snake, "_", "decode"); break;
    case RP_CN_VALIDATE: r = join(n->prefix, "_", snake, "_", "validate"); break;
    case RP_CN_ENCODE: r = join(n->prefix, "_", snake, "_", "encode"); break;
    case RP_CN_MAX_SIZE: r = join(n->upper, "_", up, "_", "MAX_SIZE"); break;
    case RP_CN_ENVELOPES: r = join(n->upper, "_", up, "_", "ENVELOPES"); break;
    case RP_CN_MSG_ID: r = join(n->upper, "_MSG_", up, NULL, NULL); break;
    case RP_CN_ANY_MEMBER: r = rp_xstrdup(snake); break;
    case RP_CN_FLAGS_ALL: r = join(n->upper, "_", up, "_", "ALL"); break;
    }
    free(up);
    free(snake);
    return r != NULL ? r : rp_xstrdup("?");
}

char *rp_cname_value(const rp_cnames *n, const rp_ast_decl *d, const rp_ast_enum_value *v)
{
    char *snake = rp_cname_snake(d->name);
    char *up = rp_cname_upper(snake);
    char *r = join(n->upper, "_", up, "_", v->name);
    free(up);
    free(snake);
    return r;
}

char *rp_cname_field(const rp_ast_field *f, rp_cname_field_kind k)
{
    switch (k) {
    case RP_CN_HAS: return join("has", "_", f->c_name, NULL, NULL);
    case RP_CN_COUNT: return join(f->c_name, "_", "count", NULL, NULL);
    case RP_CN_MEMBER: break;
    }
    return rp_xstrdup(f->c_name);
}

/* Suffix (after "<p>_" or "<P>_") and role of each fixed name; upper-case suffixes are
 * macros or enum constants and take the upper-case prefix. */
static const struct {
    const char *suffix;
    const char *role;
} fixed_names[RP_CN_FIXED_COUNT] = {
    [RP_CN_ANY] = { "any", "any-message type" },
    [RP_CN_MESSAGE_ID] = { "message_id", "message id type" },
    [RP_CN_DECODE_ANY] = { "decode_any", "any-message decoder" },
    [RP_CN_MESSAGE_NAME] = { "message_name", "message name function" },
    [RP_CN_PORT] = { "port", "port type" },
    [RP_CN_PEER] = { "peer", "peer type" },
    [RP_CN_ENVELOPE] = { "envelope", "envelope type" },
    [RP_CN_KEY] = { "key", "key type" },
    [RP_CN_PROTOCOL] = { "protocol", "protocol descriptor" },
    [RP_CN_MSG_NONE] = { "MSG_NONE", "'no message' id" },
    [RP_CN_PORT_NONE] = { "PORT_NONE", "'no port' constant" },
    [RP_CN_ENVELOPE_BIT] = { "ENVELOPE_BIT", "envelope bit macro" },
    [RP_CN_PEER_NONE] = { "PEER_NONE", "'no peer' constant" },
    [RP_CN_SPEC_SHA256] = { "SPEC_SHA256", "spec hash macro" },
    [RP_CN_RPROTOC_VERSION] = { "RPROTOC_VERSION", "generator version macro" },
    [RP_CN_GUARD] = { "GENERATED_H", "include guard" },
    [RP_CN_TRANSPORT_GUARD] = { "TRANSPORT_GENERATED_H", "transport include guard" },
};

char *rp_cname_fixed(const rp_cnames *n, rp_cname_fixed_kind k)
{
    if ((unsigned)k >= RP_CN_FIXED_COUNT)
        return rp_xstrdup("?");
    const char *s = fixed_names[k].suffix;
    return join(is_up(s[0]) ? n->upper : n->prefix, "_", s, NULL, NULL);
}

const char *rp_cname_fixed_role(rp_cname_fixed_kind k)
{
    return (unsigned)k < RP_CN_FIXED_COUNT ? fixed_names[k].role : "generated name";
}

char *rp_cname_named(const rp_cnames *n, rp_cname_named_kind k, const char *spec_name)
{
    char *snake = rp_cname_snake(spec_name);
    char *up = rp_cname_upper(snake);
    char *r = NULL;
    switch (k) {
    case RP_CN_PORT_CONST: r = join(n->upper, "_PORT_", up, NULL, NULL); break;
    case RP_CN_PEER_CONST: r = join(n->upper, "_PEER_", up, NULL, NULL); break;
    case RP_CN_KEY_CONST: r = join(n->upper, "_KEY_", up, NULL, NULL); break;
    case RP_CN_ENVELOPE_CONST: r = join(n->upper, "_ENVELOPE_", up, NULL, NULL); break;
    case RP_CN_PROFILE: r = join(n->prefix, "_profile_", snake, NULL, NULL); break;
    }
    free(up);
    free(snake);
    return r != NULL ? r : rp_xstrdup("?");
}

char *rp_cname_file(const rp_cnames *n, bool header)
{
    return join(n->prefix, ".", header ? "h" : "c", NULL, NULL);
}

char *rp_cname_transport_file(const rp_cnames *n, bool header)
{
    return join(n->prefix, "_transport.", header ? "h" : "c", NULL, NULL);
}

char *rp_cname_static(rp_cname_static_kind k, const rp_ast_decl *d, const rp_ast_field *f)
{
    static const char *const kinds[] = {
        [RP_CN_S_SCHEMA] = "schema",         [RP_CN_S_FIELDS] = "fields",
        [RP_CN_S_RULES] = "rules",           [RP_CN_S_ONE_OF] = "set",
        [RP_CN_S_LEN] = "len",               [RP_CN_S_COUNT] = "count",
        [RP_CN_S_ENUM_VALUES] = "enum_values", [RP_CN_S_ENUM_EXPECT] = "enum_expect",
        [RP_CN_S_CHARSET] = "charset",
    };
    char *snake = rp_cname_snake(d->name);
    const char *kind = (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k] : "x";
    char *r = f != NULL ? join(kind, "__", snake, "__", f->c_name) : join(kind, "__", snake, NULL, NULL);
    free(snake);
    return r;
}

char *rp_cname_spec_file(const rp_ast_unit *u, size_t unit_index)
{
    if (u->is_main)
        return rp_xstrdup("spec__file");
    rp_strbuf s = { 0 };
    rp_sb_printf(&s, "spec__file_%zu", unit_index);
    return rp_sb_take(&s);
}

const char *const rp_cname_locals[] = {
    "json", "len", "out", "storage", "mode", "profile", "err", "msg", "buf", "cap", "out_len",
    "port", "dir", "from", "id", "routes", "which", "rc", NULL,
};
