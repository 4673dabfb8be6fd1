/* check_names.c — every C name of a spec is usable and unique (see check_names.h).
 *
 * One pass registers every identifier the emitter will write (from cnames.h) in a hash
 * table per scope — the file scope (types, functions, enum constants, macros: one table,
 * since a macro meets every other name) and the members of each struct — and tests each
 * against the reserved names. Linear in the size of the spec.
 */
#include "check_names.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnames.h"
#include "fe_util.h"
#include "name_table.h"

/* ---- reserved names ------------------------------------------------------------------------ */

/* The words C and C++ reserve, and what no header list can show (reserved_names.def has the
 * rest). Values of the words table: a WHY_ code, or WHY_LIB + the index in lib_names. */
enum {
    WHY_C = 1,  /* a C keyword */
    WHY_C23,    /* a C23 keyword */
    WHY_CXX,    /* a C++ keyword */
    WHY_STDBOOL,
    WHY_STDDEF,
    WHY_STDINT,
    WHY_LIB     /* first value of the lib_names entries */
};

static const char *why_text(size_t why)
{
    switch (why) {
    case WHY_C: return "a C keyword";
    case WHY_C23: return "a C23 keyword";
    case WHY_CXX: return "a C++ keyword";
    case WHY_STDBOOL: return "a name <stdbool.h> defines";
    case WHY_STDDEF: return "a name <stddef.h> defines";
    case WHY_STDINT: return "a name <stdint.h> defines";
    }
    return "reserved";
}

static const struct {
    const char *name;
    size_t why;
} reserved_words[] = {
    /* C11 (bool, true and false as well: macros of <stdbool.h>, keywords of C23 and C++) */
    { "auto", WHY_C }, { "break", WHY_C }, { "case", WHY_C }, { "char", WHY_C },
    { "const", WHY_C }, { "continue", WHY_C }, { "default", WHY_C }, { "do", WHY_C },
    { "double", WHY_C }, { "else", WHY_C }, { "enum", WHY_C }, { "extern", WHY_C },
    { "float", WHY_C }, { "for", WHY_C }, { "goto", WHY_C }, { "if", WHY_C },
    { "inline", WHY_C }, { "int", WHY_C }, { "long", WHY_C }, { "register", WHY_C },
    { "restrict", WHY_C }, { "return", WHY_C }, { "short", WHY_C }, { "signed", WHY_C },
    { "sizeof", WHY_C }, { "static", WHY_C }, { "struct", WHY_C }, { "switch", WHY_C },
    { "typedef", WHY_C }, { "union", WHY_C }, { "unsigned", WHY_C }, { "void", WHY_C },
    { "volatile", WHY_C }, { "while", WHY_C }, { "bool", WHY_C }, { "true", WHY_C },
    { "false", WHY_C }, { "_Alignas", WHY_C }, { "_Alignof", WHY_C }, { "_Atomic", WHY_C },
    { "_Bool", WHY_C }, { "_Complex", WHY_C }, { "_Generic", WHY_C }, { "_Imaginary", WHY_C },
    { "_Noreturn", WHY_C }, { "_Static_assert", WHY_C }, { "_Thread_local", WHY_C },
    /* C23 */
    { "alignas", WHY_C23 }, { "alignof", WHY_C23 }, { "constexpr", WHY_C23 },
    { "nullptr", WHY_C23 }, { "static_assert", WHY_C23 }, { "thread_local", WHY_C23 },
    { "typeof", WHY_C23 }, { "typeof_unqual", WHY_C23 }, { "_BitInt", WHY_C23 },
    { "_Decimal32", WHY_C23 }, { "_Decimal64", WHY_C23 }, { "_Decimal128", WHY_C23 },
    /* C++ (the generated headers are included from C++) */
    { "asm", WHY_CXX }, { "and", WHY_CXX }, { "and_eq", WHY_CXX }, { "bitand", WHY_CXX },
    { "bitor", WHY_CXX }, { "catch", WHY_CXX }, { "char8_t", WHY_CXX }, { "char16_t", WHY_CXX },
    { "char32_t", WHY_CXX }, { "class", WHY_CXX }, { "compl", WHY_CXX }, { "concept", WHY_CXX },
    { "consteval", WHY_CXX }, { "constinit", WHY_CXX }, { "const_cast", WHY_CXX },
    { "co_await", WHY_CXX }, { "co_return", WHY_CXX }, { "co_yield", WHY_CXX },
    { "decltype", WHY_CXX }, { "delete", WHY_CXX }, { "dynamic_cast", WHY_CXX },
    { "explicit", WHY_CXX }, { "export", WHY_CXX }, { "friend", WHY_CXX }, { "mutable", WHY_CXX },
    { "namespace", WHY_CXX }, { "new", WHY_CXX }, { "noexcept", WHY_CXX }, { "not", WHY_CXX },
    { "not_eq", WHY_CXX }, { "operator", WHY_CXX }, { "or", WHY_CXX }, { "or_eq", WHY_CXX },
    { "private", WHY_CXX }, { "protected", WHY_CXX }, { "public", WHY_CXX },
    { "reinterpret_cast", WHY_CXX }, { "requires", WHY_CXX }, { "static_cast", WHY_CXX },
    { "template", WHY_CXX }, { "this", WHY_CXX }, { "throw", WHY_CXX }, { "try", WHY_CXX },
    { "typeid", WHY_CXX }, { "typename", WHY_CXX }, { "using", WHY_CXX }, { "virtual", WHY_CXX },
    { "wchar_t", WHY_CXX }, { "xor", WHY_CXX }, { "xor_eq", WHY_CXX },
    /* what the script cannot see: function-like macros (a member named offsetof is fine in C,
     * but kept refused as before) and a reserved macro (the <stdint.h> names of widths no
     * header has follow a pattern: see stdint_name) */
    { "__bool_true_false_are_defined", WHY_STDBOOL }, { "offsetof", WHY_STDDEF },
};

/* What the C library and the compiler define, from tools/gen-reserved-names.sh (its top
 * comment tells what each line means). */
enum lib_kind { LIB_PREDEFINED, LIB_DEFINED, LIB_MACRO, LIB_TYPE, LIB_FUNCTION, LIB_TAG };
enum lib_mode { LIB_C11, LIB_GNU, LIB_OTHER, LIB_SYSTEM };

static const struct lib_name {
    const char *name;
    const char *header; /* "float.h" (NULL for a predefined macro) */
    unsigned char kind; /* enum lib_kind */
    unsigned char mode; /* enum lib_mode: with -std=c11, only in the GNU modes, other targets */
} lib_names[] = {
#define C11 LIB_C11
#define GNU LIB_GNU
#define OTHER LIB_OTHER
#define SYSTEM LIB_SYSTEM
#define RP_RESERVED_PREDEFINED(n, m) { n, NULL, LIB_PREDEFINED, m },
#define RP_RESERVED_DEFINED(n, h) { n, h, LIB_DEFINED, LIB_C11 },
#define RP_RESERVED_MACRO(n, h, m) { n, h, LIB_MACRO, m },
#define RP_RESERVED_TYPE(n, h, m) { n, h, LIB_TYPE, m },
#define RP_RESERVED_FUNCTION(n, h, m) { n, h, LIB_FUNCTION, m },
#define RP_RESERVED_TAG(n, h, m) { n, h, LIB_TAG, m },
#define RP_RESERVED_HEADER(n, m)
#include "reserved_names.def"
#undef RP_RESERVED_PREDEFINED
#undef RP_RESERVED_DEFINED
#undef RP_RESERVED_MACRO
#undef RP_RESERVED_TYPE
#undef RP_RESERVED_FUNCTION
#undef RP_RESERVED_TAG
#undef RP_RESERVED_HEADER
};

/* Headers a protocol would shadow: the C11 ones (mode LIB_C11) and the system headers the
 * runtime reaches (LIB_SYSTEM), as "zlib" for <zlib.h>. */
static const struct lib_header {
    const char *name;
    unsigned char mode;
} lib_headers[] = {
#define RP_RESERVED_PREDEFINED(n, m)
#define RP_RESERVED_DEFINED(n, h)
#define RP_RESERVED_MACRO(n, h, m)
#define RP_RESERVED_TYPE(n, h, m)
#define RP_RESERVED_FUNCTION(n, h, m)
#define RP_RESERVED_TAG(n, h, m)
#define RP_RESERVED_HEADER(n, m) { n, m },
#include "reserved_names.def"
#undef RP_RESERVED_PREDEFINED
#undef RP_RESERVED_DEFINED
#undef RP_RESERVED_MACRO
#undef RP_RESERVED_TYPE
#undef RP_RESERVED_FUNCTION
#undef RP_RESERVED_TAG
#undef RP_RESERVED_HEADER
#undef C11
#undef GNU
#undef OTHER
#undef SYSTEM
};

/* Standard headers newer than the compiler the .def was taken from (C23). */
static const char *const c23_headers[] = { "stdbit", "stdckdint" };

/* Appends why the library name l cannot be a C name. */
static void lib_why(rp_strbuf *b, const struct lib_name *l)
{
    const char *gnu = l->mode == LIB_GNU ? " in the compiler's GNU modes" : "";
    switch ((enum lib_kind)l->kind) {
    case LIB_PREDEFINED:
        rp_sb_printf(b, "a macro the compiler predefines %s",
                     l->mode == LIB_GNU ? "in its GNU modes" : "on other targets (in its GNU modes)");
        return;
    case LIB_DEFINED:
        rp_sb_printf(b, "the macro <%s> tells programs to define (a build with -D%s would not compile)",
                     l->header, l->name);
        return;
    case LIB_MACRO:
        rp_sb_printf(b, "a macro of <%s>%s (a program that includes it first would not compile)", l->header,
                     gnu);
        return;
    case LIB_TYPE:
        rp_sb_printf(b, "a type name <%s> declares%s", l->header, gnu);
        return;
    case LIB_FUNCTION:
        rp_sb_printf(b, "a function <%s> declares%s (a program that includes it would not compile)",
                     l->header, gnu);
        return;
    case LIB_TAG:
        rp_sb_printf(b, "a struct, union or enum tag or an enum constant of <%s>%s (a program that "
                     "includes it would not compile)", l->header, gnu);
        return;
    }
}

/* Matches text at s against "least"/"fast" style infixes: returns the rest after an
 * optional infix (lower or upper case as `upper` says). */
static const char *skip_infix(const char *s, bool upper)
{
    const char *least = upper ? "_LEAST" : "_least", *fast = upper ? "_FAST" : "_fast";
    if (strncmp(s, least, 6) == 0)
        return s + 6;
    if (strncmp(s, fast, 5) == 0)
        return s + 5;
    return s;
}

/* True for the integer types and limit macros of <stdint.h>, whatever the width:
 * [u]int[_least|_fast]N_t, [U]INT[_LEAST|_FAST]N_{MAX,MIN,WIDTH,C}. */
static bool stdint_name(const char *s)
{
    bool upper = s[0] == 'U' || s[0] == 'I';
    const char *p = s;
    if (*p == (upper ? 'U' : 'u'))
        p++;
    if (strncmp(p, upper ? "INT" : "int", 3) != 0)
        return false;
    p = skip_infix(p + 3, upper);
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    if (!upper)
        return strcmp(p, "_t") == 0;
    return strcmp(p, "_MAX") == 0 || strcmp(p, "_MIN") == 0 || strcmp(p, "_WIDTH") == 0 ||
           strcmp(p, "_C") == 0;
}

/* Appends to why the reason ident cannot be used as a C name; false (nothing appended) when
 * it can. A struct member may share a name with a function, a tag or an enum constant. */
static bool reserved_why(const rp_name_table *words, const char *ident, bool file_scope,
                         rp_strbuf *why)
{
    size_t w = rp_name_table_get(words, ident);
    const char *text = NULL;
    if (w >= WHY_LIB && !file_scope &&
        (lib_names[w - WHY_LIB].kind == LIB_FUNCTION || lib_names[w - WHY_LIB].kind == LIB_TAG))
        w = 0;
    if (w >= WHY_LIB) {
        lib_why(why, &lib_names[w - WHY_LIB]);
        return true;
    }
    if (w != 0)
        text = why_text(w);
    else if (ident[0] == '_' && ident[1] == '_')
        text = "reserved in C and C++ (it begins with '__')";
    else if (ident[0] == '_' && ident[1] >= 'A' && ident[1] <= 'Z')
        text = "reserved in C and C++ (it begins with '_' and an upper-case letter)";
    else if (strstr(ident, "__") != NULL)
        text = "reserved in C++ (it contains '__')";
    /* rps_ and rpj_ are the runtime's internal helpers (schema engine, JSON scanner): global
     * symbols of librproto all the same */
    else if (strncmp(ident, "rp_", 3) == 0 || strncmp(ident, "RP_", 3) == 0 || strncmp(ident, "rps_", 4) == 0 ||
             strncmp(ident, "RPS_", 4) == 0 || strncmp(ident, "rpj_", 4) == 0 || strncmp(ident, "RPJ_", 4) == 0)
        text = "in the runtime's namespace (it begins with 'rp_', 'rps_' or 'rpj_', or their upper case)";
    else if (stdint_name(ident))
        text = why_text(WHY_STDINT);
    if (text == NULL)
        return false;
    rp_sb_puts(why, text);
    return true;
}

/* ---- names and where they come from ---------------------------------------------------------- */

typedef enum origin {
    O_FIXED,     /* a fixed name of the emitter (sub: rp_cname_fixed_kind) */
    O_LOCAL,     /* a parameter or local name of generated functions */
    O_TRANSPORT, /* a routing constant (what: its description) */
    O_DECL,      /* a name of a declaration (sub: rp_cname_decl_kind) */
    O_VALUE,     /* the constant of an enum or flags value */
    O_FIELD,     /* a member of a field (sub: rp_cname_field_kind) */
    O_MACHINE    /* a name of a session machine (what: its role, of: whose it is) */
} origin;

typedef struct entry {
    char *ident;                  /* the C name (in names.idents) */
    origin origin;
    int sub;
    const char *what;             /* O_TRANSPORT: e.g. "the constant of port 'connect'" */
    const rp_ast_decl *decl;      /* O_DECL, O_VALUE (its enum), O_FIELD (its message) */
    const rp_ast_enum_value *value;
    const rp_ast_field *field;
    /* O_MACHINE (decl: the machine, NULL for the machines header's guard): */
    const char *of;               /* "of state 'ClientSession.established'" (in the pool) */
    const char *item_name;        /* the spec name reports point at, and where */
    const rp_ast_span *item_span;
    const void *item;             /* the state, timer or transition (or the machine) */
    const rp_ast_transition *transition; /* transition names: the transition */
    const rp_ast_state *state;    /* transition names: its state */
} entry;

typedef struct entries {
    entry *e;
    size_t count, cap;
} entries;

/* Storage of the C names: chunks that never move, so a spec's names lie side by side (a
 * table of 100,000 names then costs few cache misses and no malloc per name). */
typedef struct pool {
    char **chunks;
    size_t count, cap;
    size_t used; /* bytes used in the last chunk */
} pool;

enum { POOL_CHUNK = 1u << 16 };

/* Moves the malloc'd string s into the pool; returns the pool's copy. */
static char *pool_keep(pool *p, char *s)
{
    size_t n = strlen(s) + 1;
    if (p->count == 0 || p->used + n > POOL_CHUNK) {
        char **slot = rp_xpush(&p->chunks, &p->count, &p->cap, sizeof *p->chunks);
        *slot = rp_xmalloc(n > POOL_CHUNK ? n : POOL_CHUNK);
        p->used = 0;
    }
    char *copy = p->chunks[p->count - 1] + p->used;
    memcpy(copy, s, n);
    p->used += n;
    free(s);
    return copy;
}

static void pool_free(pool *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->chunks[i]);
    free(p->chunks);
}

typedef struct names {
    rp_diag *diag;
    const rp_ast_spec *spec;
    size_t errors;
    rp_name_table words;   /* reserved_words -> why */
    rp_name_table globals; /* file-scope names -> index + 1 in g */
    entries g;
    rp_name_table members; /* members of the struct being checked -> index + 1 in m */
    entries m;
    pool idents;           /* every entry's ident */
    bool global_reserved;  /* test file-scope names against the reserved ones (false when the
                              protocol name is already reported: every name would repeat it) */
    const void *reported;  /* origin of the last reserved-name error: one per spec name */
    const void *clash_now, *clash_first; /* origins of the last clash: one per pair */
    bool routed;           /* the spec has routes (machines then have a receive function) */
} names;

static const char *decl_role(int k)
{
    switch ((rp_cname_decl_kind)k) {
    case RP_CN_TYPE: return "C type";
    case RP_CN_INIT: return "init function";
    case RP_CN_DECODE: return "decode function";
    case RP_CN_VALIDATE: return "validate function";
    case RP_CN_ENCODE: return "encode function";
    case RP_CN_MAX_SIZE: return "size bound";
    case RP_CN_ENVELOPES: return "envelope mask";
    case RP_CN_MSG_ID: return "message id";
    case RP_CN_ANY_MEMBER: return "any-message member";
    case RP_CN_FLAGS_ALL: return "all-bits mask";
    }
    return k == -1 ? "constant" : k == -2 ? "profile object" : "name";
}

/* The sub of a map field's entry type (file scope, so not one of rp_cname_field_kind). */
enum { RP_CN_ENTRY_ROLE = RP_CN_COUNT + 1 };

static const char *field_role(int k)
{
    if (k == RP_CN_ENTRY_ROLE)
        return "entry type";
    switch ((rp_cname_field_kind)k) {
    case RP_CN_HAS: return "presence flag";
    case RP_CN_COUNT: return "item count";
    case RP_CN_MEMBER: break;
    }
    return "member";
}

/* The entry as the subject of a sentence, naming its C name: "the C type 'p_foo' of message
 * 'Foo'", "field name 'x'". */
static void subject(rp_strbuf *b, const entry *e)
{
    switch (e->origin) {
    case O_DECL:
        rp_sb_printf(b, "the %s '%s' of %s '%s'", decl_role(e->sub), e->ident,
                     rp_ast_decl_kind_name(e->decl->kind), e->decl->name);
        return;
    case O_VALUE:
        rp_sb_printf(b, "the constant '%s' of %s value '%s.%s'", e->ident,
                     rp_ast_decl_kind_name(e->decl->kind), e->decl->name, e->value->name);
        return;
    case O_FIELD:
        if (e->sub == RP_CN_MEMBER)
            rp_sb_printf(b, "field name '%s'", e->ident);
        else
            rp_sb_printf(b, "the %s '%s' of field '%s'", field_role(e->sub), e->ident,
                         e->field->c_name);
        return;
    case O_MACHINE:
        rp_sb_printf(b, "the %s '%s'%s%s", e->what, e->ident, e->of[0] != '\0' ? " " : "", e->of);
        return;
    case O_FIXED:
    case O_LOCAL:
    case O_TRANSPORT:
        break;
    }
    rp_sb_printf(b, "the generated name '%s'", e->ident);
}

/* The entry as the object of "clashes with ...": "the init function of message 'Foo'". */
static void object(rp_strbuf *b, const entry *e)
{
    switch (e->origin) {
    case O_FIXED:
        rp_sb_printf(b, "the generated %s", rp_cname_fixed_role((rp_cname_fixed_kind)e->sub));
        return;
    case O_LOCAL:
        rp_sb_puts(b, "a parameter name of the generated functions");
        return;
    case O_TRANSPORT:
        rp_sb_puts(b, e->what);
        return;
    case O_DECL:
        rp_sb_printf(b, "the %s of %s '%s'", decl_role(e->sub), rp_ast_decl_kind_name(e->decl->kind),
                     e->decl->name);
        return;
    case O_VALUE:
        rp_sb_printf(b, "the constant of %s value '%s.%s'", rp_ast_decl_kind_name(e->decl->kind),
                     e->decl->name, e->value->name);
        return;
    case O_FIELD:
        if (e->sub == RP_CN_MEMBER)
            rp_sb_printf(b, "field '%s'", e->field->c_name);
        else
            rp_sb_printf(b, "the %s of field '%s'", field_role(e->sub), e->field->c_name);
        return;
    case O_MACHINE:
        rp_sb_printf(b, "the %s%s%s", e->what, e->of[0] != '\0' ? " " : "", e->of);
        return;
    }
}

/* Where the spec wrote the name an entry comes from (NULL for the emitter's own names), and
 * that name. */
static const rp_ast_span *entry_span(const entry *e, const char **name)
{
    switch (e->origin) {
    case O_DECL:
        *name = e->decl->name;
        return &e->decl->name_span;
    case O_VALUE:
        *name = e->value->name;
        return &e->value->name_span;
    case O_FIELD:
        *name = e->field->c_name;
        return &e->field->name_span;
    case O_MACHINE:
        *name = e->item_name;
        return e->item_span;
    case O_FIXED:
    case O_LOCAL:
    case O_TRANSPORT:
        break;
    }
    *name = NULL;
    return NULL;
}

/* The spec element an entry comes from (one reserved-name report per element). */
static const void *entry_owner(const entry *e)
{
    return e->origin == O_VALUE ? (const void *)e->value
         : e->origin == O_FIELD ? (const void *)e->field
         : e->origin == O_MACHINE ? e->item
         : (const void *)e->decl;
}

/* True when two entries come from two spec elements of the same name, which check.c already
 * reports (a declaration, field or value defined twice). */
static bool already_reported(const entry *a, const entry *b)
{
    if (a->decl != NULL && b->decl != NULL && a->decl != b->decl)
        return strcmp(a->decl->name, b->decl->name) == 0; /* a redefinition */
    if (a->origin == O_VALUE && b->origin == O_VALUE)
        return a->value != b->value && strcmp(a->value->name, b->value->name) == 0;
    if (a->origin == O_FIELD && b->origin == O_FIELD)
        return a->field != b->field && strcmp(a->field->c_name, b->field->c_name) == 0;
    /* two transitions of one state on the same event and subject: check_machine.c reports
     * them unless their `in` lists are disjoint, and then their names differ */
    if (a->transition != NULL && b->transition != NULL && a->state == b->state && a->transition != b->transition)
        return a->transition->event == b->transition->event &&
               strcmp(a->transition->subject, b->transition->subject) == 0;
    return false;
}

static void clash(names *n, const entry *now, const entry *first)
{
    if (already_reported(now, first))
        return;
    /* FooBar and Foo_Bar meet in every name they have: the first one tells it all */
    if (first->origin != O_FIXED && first->origin != O_LOCAL && first->origin != O_TRANSPORT &&
        entry_owner(first) != NULL && n->clash_now == entry_owner(now) &&
        n->clash_first == entry_owner(first))
        return;
    n->clash_now = entry_owner(now);
    n->clash_first = entry_owner(first);
    const char *name = NULL, *first_name = NULL;
    const rp_ast_span *span = entry_span(now, &name);
    const rp_ast_span *first_span = entry_span(first, &first_name);
    rp_strbuf s = { 0 }, o = { 0 };
    subject(&s, now);
    object(&o, first);
    n->errors++;
    rp_diag_error(n->diag, span, "%s clashes with %s", s.s, o.s);
    if (first_span != NULL && (span == NULL || first_span->offset != span->offset ||
                               first_span->file != span->file))
        rp_diag_note(n->diag, first_span, "'%s' declared here", first_name);
    free(s.s);
    free(o.s);
}

static void reserved(names *n, const entry *e, bool file_scope)
{
    if (file_scope && !n->global_reserved)
        return;
    if (n->reported == entry_owner(e))
        return;
    rp_strbuf why = { 0 };
    if (!reserved_why(&n->words, e->ident, file_scope, &why))
        return;
    const char *name = NULL;
    const rp_ast_span *span = entry_span(e, &name);
    rp_strbuf s = { 0 };
    subject(&s, e);
    n->errors++;
    n->reported = entry_owner(e);
    rp_diag_error(n->diag, span, "%s is %s", s.s, why.s);
    free(s.s);
    free(why.s);
}

static entry *push(names *n, entries *list, char *ident, origin o, int sub)
{
    entry *e = rp_xpush(&list->e, &list->count, &list->cap, sizeof *list->e);
    e->ident = pool_keep(&n->idents, ident);
    e->origin = o;
    e->sub = sub;
    return e;
}

/* Adds a file-scope name (ident, malloc'd, is moved into the pool). */
static entry *add_global(names *n, char *ident, origin o, int sub)
{
    return push(n, &n->g, ident, o, sub);
}

/* Registers the last file-scope entry: reports a clash with an earlier one, or a reserved
 * name. */
static void enter_global(names *n)
{
    size_t idx = n->g.count - 1;
    const entry *e = &n->g.e[idx];
    if (e->origin != O_FIXED && e->origin != O_LOCAL && e->origin != O_TRANSPORT)
        reserved(n, e, true);
    size_t had = rp_name_table_put(&n->globals, e->ident, idx + 1);
    if (had != 0)
        clash(n, e, &n->g.e[had - 1]);
}

static void decl_name(names *n, const rp_cnames *cn, const rp_ast_decl *d, rp_cname_decl_kind k)
{
    entry *e = add_global(n, rp_cname_decl(cn, d, k), O_DECL, (int)k);
    e->decl = d;
    enter_global(n);
}

/* The emitter's own file-scope names, registered first so that a spec name meeting one is
 * the one reported. */
static void fixed_names(names *n, const rp_cnames *cn)
{
    for (int k = 0; k < RP_CN_FIXED_COUNT; k++) {
        add_global(n, rp_cname_fixed(cn, (rp_cname_fixed_kind)k), O_FIXED, k);
        enter_global(n);
    }
    for (size_t i = 0; rp_cname_locals[i] != NULL; i++) {
        add_global(n, rp_xstrdup(rp_cname_locals[i]), O_LOCAL, 0);
        enter_global(n);
    }
}

/* The constants of a spec's peers, ports, keys and envelopes and its profile objects (the
 * names emit_c_header.c writes for them). */
static void transport_names(names *n, const rp_cnames *cn, const rp_ast_decl *d)
{
    rp_cname_named_kind k;
    switch (d->kind) {
    case RP_DECL_PEER: k = RP_CN_PEER_CONST; break;
    case RP_DECL_PORT: k = RP_CN_PORT_CONST; break;
    case RP_DECL_KEY: k = RP_CN_KEY_CONST; break;
    case RP_DECL_ENVELOPE: k = RP_CN_ENVELOPE_CONST; break;
    case RP_DECL_PROFILE: k = RP_CN_PROFILE; break;
    default: return;
    }
    entry *e = add_global(n, rp_cname_named(cn, k, d->name), O_DECL, k == RP_CN_PROFILE ? -2 : -1);
    e->decl = d;
    enter_global(n);
}

/* ---- session machines (cnames.h; emit_c_machine.c writes them into <p>_machines.h) ---- */

/* "of state 'M.s'": a pool copy of the formatted text. */
static const char *pool_printf(names *n, const char *fmt, const char *a, const char *b)
{
    rp_strbuf s = { 0 };
    rp_sb_printf(&s, fmt, a, b);
    return pool_keep(&n->idents, rp_sb_take(&s));
}

/* Adds and registers one file-scope machine name (ident is moved into the pool). */
static entry *machine_global(names *n, char *ident, const rp_ast_decl *d, const char *role, const char *of,
                             const char *item_name, const rp_ast_span *item_span, const void *item)
{
    entry *e = add_global(n, ident, O_MACHINE, 0);
    e->decl = d;
    e->what = role;
    e->of = of;
    e->item_name = item_name;
    e->item_span = item_span;
    e->item = item;
    return e;
}

/* Does machine d's peer send msg in some transition (it then has a send function)? The
 * first such transition, or NULL. */
static const rp_ast_transition *first_send(const rp_ast_machine *m, const char *msg)
{
    for (size_t s = 0; s < m->state_count; s++)
        for (size_t k = 0; k < m->states[s].transition_count; k++)
            if (m->states[s].transitions[k].event == RP_EVENT_SEND &&
                strcmp(m->states[s].transitions[k].subject, msg) == 0)
                return &m->states[s].transitions[k];
    return NULL;
}

/* The file-scope names of one machine, in the order emit_c_machine.c writes them: its types
 * and functions, state, timer and transition constants, and one send function per message its
 * peer sends. Only what the emitter writes for this spec and machine is registered. */
static void machine_names(names *n, const rp_cnames *cn, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    const char *of = pool_printf(n, "of machine '%s'%s", d->name, "");
    size_t transitions = 0;
    for (size_t s = 0; s < m->state_count; s++)
        transitions += m->states[s].transition_count;
    for (int k = 0; k < RP_CN_M_COUNT; k++) {
        bool timers = k == RP_CN_M_TIMER_TYPE || k == RP_CN_M_TICK || k == RP_CN_M_SET_TIMER ||
                      k == RP_CN_M_NEXT_DEADLINE;
        if ((timers && m->timer_count == 0) || (k == RP_CN_M_TRANSITION_TYPE && transitions == 0) ||
            (k == RP_CN_M_RECEIVE && !n->routed) || (k == RP_CN_M_HAS_KEY && n->spec->key_count == 0))
            continue;
        machine_global(n, rp_cname_machine(cn, d, (rp_cname_machine_kind)k), d,
                       rp_cname_machine_role((rp_cname_machine_kind)k), of, d->name, &d->name_span, d);
        enter_global(n);
    }
    for (size_t s = 0; s < m->state_count; s++) {
        const rp_ast_state *st = &m->states[s];
        machine_global(n, rp_cname_machine_state(cn, d, st), d, "state constant",
                       pool_printf(n, "of state '%s.%s'", d->name, st->name), st->name, &st->name_span, st);
        enter_global(n);
    }
    for (size_t i = 0; i < m->timer_count; i++) {
        const rp_ast_timer *t = &m->timers[i];
        machine_global(n, rp_cname_machine_timer(cn, d, t), d, "timer constant",
                       pool_printf(n, "of timer '%s.%s'", d->name, t->name), t->name, &t->span, t);
        enter_global(n);
    }
    size_t count = 0;
    char **handlers = rp_cname_machine_handlers(d, &count);
    size_t at = 0;
    for (size_t s = 0; s < m->state_count; s++) {
        const rp_ast_state *st = &m->states[s];
        for (size_t k = 0; k < st->transition_count; k++, at++) {
            const rp_ast_transition *t = &st->transitions[k];
            rp_strbuf of_t = { 0 };
            rp_sb_printf(&of_t, "of '%s %s' in state '%s.%s'", rp_ast_event_name(t->event), t->subject,
                         d->name, st->name);
            entry *e = machine_global(n, rp_cname_machine_transition(cn, d, handlers[at]), d,
                                      "transition constant", pool_keep(&n->idents, rp_sb_take(&of_t)),
                                      t->subject, &t->subject_span, t);
            e->transition = t;
            e->state = st;
            enter_global(n);
        }
    }
    rp_cname_machine_handlers_free(handlers, count);
    /* send functions: one per message (in spec order, as emitted) the peer sends */
    for (size_t i = 0; i < n->spec->decl_count; i++) {
        const rp_ast_decl *msg = n->spec->decls[i];
        if (msg->kind != RP_DECL_MESSAGE && msg->kind != RP_DECL_ARRAY)
            continue;
        const rp_ast_transition *t = first_send(m, msg->name);
        if (t == NULL)
            continue;
        machine_global(n, rp_cname_machine_send(cn, d, msg), d, "send function",
                       pool_printf(n, "of machine '%s' for '%s'", d->name, msg->name), t->subject,
                       &t->subject_span, t);
        enter_global(n);
    }
}

/* The handler members of one machine's <p>_<m>_handlers struct. Two that meet need no report
 * of their own: their transition constants (<P>_<M>_ON_ + the member in upper case) meet
 * as well and are reported. A member may not be named like a file-scope name. */
static void handler_names(names *n, const rp_ast_decl *d)
{
    const rp_ast_machine *m = &d->u.machine;
    size_t count = 0;
    char **handlers = rp_cname_machine_handlers(d, &count);
    size_t at = 0;
    for (size_t s = 0; s < m->state_count; s++) {
        const rp_ast_state *st = &m->states[s];
        for (size_t k = 0; k < st->transition_count; k++, at++) {
            const rp_ast_transition *t = &st->transitions[k];
            rp_strbuf of_t = { 0 };
            rp_sb_printf(&of_t, "of '%s %s' in state '%s.%s'", rp_ast_event_name(t->event), t->subject,
                         d->name, st->name);
            entry e;
            memset(&e, 0, sizeof e);
            e.ident = handlers[at];
            e.origin = O_MACHINE;
            e.decl = d;
            e.what = "handler";
            e.of = of_t.s;
            e.item_name = t->subject;
            e.item_span = &t->subject_span;
            e.item = t;
            e.transition = t;
            e.state = st;
            /* a "__" in it is in the transition constant too, which is reported already */
            if (strstr(e.ident, "__") == NULL)
                reserved(n, &e, false);
            size_t global = rp_name_table_get(&n->globals, e.ident);
            if (global != 0 && n->g.e[global - 1].origin != O_LOCAL)
                clash(n, &e, &n->g.e[global - 1]);
            free(of_t.s);
        }
    }
    rp_cname_machine_handlers_free(handlers, count);
}

/* Every file-scope name of one declaration, in the order the reports should follow. */
static void decl_names(names *n, const rp_cnames *cn, const rp_ast_decl *d)
{
    if (d->kind == RP_DECL_CHARSET)
        return; /* only a static table of the source, named charset__<decl> */
    if (d->kind == RP_DECL_PEER || d->kind == RP_DECL_PORT || d->kind == RP_DECL_KEY ||
        d->kind == RP_DECL_ENVELOPE || d->kind == RP_DECL_PROFILE) {
        transport_names(n, cn, d);
        return;
    }
    if (d->kind == RP_DECL_MACHINE) {
        machine_names(n, cn, d);
        return;
    }
    decl_name(n, cn, d, RP_CN_TYPE);
    if (d->kind == RP_DECL_ENUM || d->kind == RP_DECL_FLAGS) {
        if (d->kind == RP_DECL_FLAGS)
            decl_name(n, cn, d, RP_CN_FLAGS_ALL);
        for (size_t i = 0; i < d->u.enm.value_count; i++) {
            const rp_ast_enum_value *v = &d->u.enm.values[i];
            entry *e = add_global(n, rp_cname_value(cn, d, v), O_VALUE, 0);
            e->decl = d;
            e->value = v;
            enter_global(n);
        }
        return;
    }
    if (d->kind == RP_DECL_MESSAGE)
        for (size_t i = 0; i < d->u.message.field_count; i++) {
            const rp_ast_field *f = &d->u.message.fields[i];
            if (!f->type.is_map)
                continue;
            entry *e = add_global(n, rp_cname_map_entry(cn, d, f), O_FIELD, RP_CN_ENTRY_ROLE);
            e->decl = d;
            e->field = f;
            enter_global(n);
        }
    decl_name(n, cn, d, RP_CN_INIT);
    decl_name(n, cn, d, RP_CN_DECODE);
    decl_name(n, cn, d, RP_CN_VALIDATE);
    decl_name(n, cn, d, RP_CN_ENCODE);
    decl_name(n, cn, d, RP_CN_MAX_SIZE);
    if (rp_cname_is_routed(d)) {
        decl_name(n, cn, d, RP_CN_ENVELOPES);
        decl_name(n, cn, d, RP_CN_MSG_ID);
    }
}

/* The members of one message's struct: value, presence flag and item count of each field.
 * A member may not be named like a file-scope name either (a macro would replace it, and C++
 * refuses a member that changes the meaning of a type name). */
static void member_names(names *n, const rp_ast_decl *d)
{
    const rp_ast_message *m = &d->u.message;
    rp_name_table_clear(&n->members);
    n->m.count = 0;
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_ast_field *f = &m->fields[i];
        for (int k = RP_CN_MEMBER; k <= RP_CN_COUNT; k++) {
            if (k == RP_CN_COUNT && f->label != RP_LABEL_REPEATED && !f->type.is_map)
                continue;
            entry *e = push(n, &n->m, rp_cname_field(f, (rp_cname_field_kind)k), O_FIELD, k);
            e->decl = d;
            e->field = f;
            reserved(n, e, false);
            size_t had = rp_name_table_put(&n->members, e->ident, n->m.count);
            if (had != 0) {
                clash(n, e, &n->m.e[had - 1]);
                continue;
            }
            size_t global = rp_name_table_get(&n->globals, e->ident);
            if (global != 0 && n->g.e[global - 1].origin != O_LOCAL)
                clash(n, e, &n->g.e[global - 1]);
        }
    }
}

/* The member of a routed declaration in <p>_any.u: snake case of its name, so unique when
 * the C types are; only a keyword can break it ("message Delete" gives `u.delete`). */
static void any_member_name(names *n, const rp_cnames *cn, const rp_ast_decl *d)
{
    entry e = { .ident = rp_cname_decl(cn, d, RP_CN_ANY_MEMBER), .origin = O_DECL, .sub = RP_CN_ANY_MEMBER,
                .decl = d };
    reserved(n, &e, false);
    free(e.ident);
}

/* The protocol name gives every file-scope name its prefix and the files their names. */
static bool check_protocol(names *n, const rp_cnames *cn)
{
    const rp_ast_span *span = &n->spec->main->protocol_span;
    const char *p = cn->prefix, *name = n->spec->protocol;
    size_t len = strlen(p);
    const char *why = NULL;
    if (p[0] == '_')
        why = "which C reserves at file scope (names beginning with '_')";
    else if (strstr(p, "__") != NULL || p[len - 1] == '_')
        why = "which C++ reserves (the names contain '__')";
    else if (strcmp(p, "rp") == 0 || strncmp(p, "rp_", 3) == 0)
        why = "the prefix of the runtime's own names (rp_error, rp_arena, ...)";
    else if (strcmp(p, "rps") == 0 || strncmp(p, "rps_", 4) == 0 || strcmp(p, "rpj") == 0 || strncmp(p, "rpj_", 4) == 0)
        why = "the prefix of the runtime's internal names (rps_problem, rpj_utf8_seq, ...)";
    if (why != NULL) {
        n->errors++;
        rp_diag_error(n->diag, span, "protocol name '%s' gives every generated name the prefix '%s_', %s",
                      name, p, why);
        return false;
    }
    /* protocol X with ports writes X_transport.h, with machines X_machines.h: the header and
     * its include guard of a protocol named X_transport or X_machines, in one program */
    static const char *const pair_suffixes[] = { "_transport", "_machines" };
    for (size_t i = 0; i < sizeof pair_suffixes / sizeof pair_suffixes[0]; i++) {
        size_t sl = strlen(pair_suffixes[i]);
        if (len > sl && strcmp(p + len - sl, pair_suffixes[i]) == 0) {
            n->errors++;
            rp_diag_error(n->diag, span, "protocol name '%s' would name the generated header '%s.h', "
                          "which is also what protocol '%.*s' writes for its %s",
                          name, p, (int)(len - sl), p, i == 0 ? "ports" : "machines");
            return false;
        }
    }
    for (size_t i = 0; i < sizeof c23_headers / sizeof c23_headers[0]; i++)
        if (strcmp(p, c23_headers[i]) == 0) {
            n->errors++;
            rp_diag_error(n->diag, span, "protocol name '%s' would name the generated header '%s.h', "
                          "like the C standard header <%s.h>", name, p, p);
            return false;
        }
    /* the generated headers: <p>.h, and with ports or machines <p>_transport.h, <p>_machines.h */
    static const char *const file_suffixes[] = { "", "_transport", "_machines" };
    for (size_t s = 0; s < sizeof file_suffixes / sizeof file_suffixes[0]; s++) {
        size_t sl = strlen(file_suffixes[s]);
        for (size_t i = 0; i < sizeof lib_headers / sizeof lib_headers[0]; i++) {
            const char *h = lib_headers[i].name;
            size_t hl = strlen(h);
            if (hl != len + sl || strncmp(h, p, len) != 0 || strcmp(h + len, file_suffixes[s]) != 0)
                continue;
            n->errors++;
            if (lib_headers[i].mode == LIB_C11)
                rp_diag_error(n->diag, span, "protocol name '%s' would name the generated header '%s.h', "
                              "like the C standard header <%s.h>", name, h, h);
            else
                rp_diag_error(n->diag, span, "protocol name '%s' would name the generated header '%s.h', "
                              "like the system header <%s.h> the runtime includes (directly or through "
                              "another header): a build with -I on the generated files would find the "
                              "generated one instead", name, h, h);
            return false;
        }
    }
    return true;
}

static bool has_machines(const rp_ast_spec *spec)
{
    for (size_t i = 0; i < spec->decl_count; i++)
        if (spec->decls[i]->kind == RP_DECL_MACHINE)
            return true;
    return false;
}

size_t rp_check_names(rp_diag *diag, const rp_ast_spec *spec)
{
    names n;
    memset(&n, 0, sizeof n);
    n.diag = diag;
    n.spec = spec;
    size_t nwords = sizeof reserved_words / sizeof reserved_words[0];
    size_t nlib = sizeof lib_names / sizeof lib_names[0];
    rp_name_table_init(&n.words, nwords + nlib);
    for (size_t i = 0; i < nwords; i++)
        rp_name_table_put(&n.words, reserved_words[i].name, reserved_words[i].why);
    /* a keyword put first stays one (bool is a C keyword before a macro of <stdbool.h>) */
    for (size_t i = 0; i < nlib; i++)
        rp_name_table_put(&n.words, lib_names[i].name, WHY_LIB + i);
    rp_name_table_init(&n.globals, 8 * spec->decl_count + 64);
    rp_name_table_init(&n.members, 16);

    rp_cnames cn = { NULL, NULL };
    if (spec->protocol != NULL && spec->main != NULL) {
        rp_cnames_init(&cn, spec->protocol);
        n.global_reserved = check_protocol(&n, &cn);
        n.routed = rp_cname_spec_is_routed(spec);
        fixed_names(&n, &cn);
        if (has_machines(spec)) {
            machine_global(&n, rp_cname_machines_guard(&cn), NULL, "include guard of the machines header",
                           "", NULL, NULL, NULL);
            enter_global(&n);
        }
        for (size_t i = 0; i < spec->decl_count; i++)
            decl_names(&n, &cn, spec->decls[i]);
    }
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *d = spec->decls[i];
        if (d->kind == RP_DECL_MESSAGE)
            member_names(&n, d);
        if (d->kind == RP_DECL_MACHINE && cn.prefix != NULL)
            handler_names(&n, d);
        if (cn.prefix != NULL && rp_cname_is_routed(d))
            any_member_name(&n, &cn, d);
    }

    pool_free(&n.idents);
    free(n.g.e);
    free(n.m.e);
    rp_name_table_free(&n.words);
    rp_name_table_free(&n.globals);
    rp_name_table_free(&n.members);
    rp_cnames_free(&cn);
    return n.errors;
}
