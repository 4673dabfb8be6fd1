/* lane_diff.c — see lane_diff.h. */
#include "lane_diff.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_codec.h"

#define LANE_STORE (1u << 16)

/* Under the sanitizers (make check runs every unit test a second time with ASan+UBSan, and
 * memcheck a third time with LSan) every 5th position is mutated, a fifth of the decodes: the
 * plain build still tries every position. */
#if defined(__SANITIZE_ADDRESS__)
#define POSITION_STEP 5u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POSITION_STEP 5u
#endif
#endif
#ifndef POSITION_STEP
#define POSITION_STEP 1u
#endif
#define LANE_MSG (1u << 20) /* larger than any generated struct of the test specs */

/* ck_assert records every check that passes (a write each); these run millions of times. */
#define LD_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static unsigned char g_store[LANE_STORE];
static unsigned char g_msg_a[LANE_MSG], g_msg_b[LANE_MSG];
static unsigned char g_arena_a[LANE_STORE];
static bool g_value[LANE_STORE]; /* bytes of g_store that hold a decoded value or its NUL */
static size_t g_count;

size_t lane_diff_count(void)
{
    return g_count;
}

static int run(const lane_codec *c, bool lane, const char *json, size_t len,
               const rp_schema_profile *profile, size_t cap, unsigned char *msg, rp_error *err,
               size_t *used)
{
    rp_arena a;
    /* the same bytes before each run where they can be used (the text's size and more:
     * nothing decoded is larger than its text) */
    size_t fill = 2 * len + 1024;
    memset(g_store, 0xA5, fill < sizeof g_store ? fill : sizeof g_store);
    memset(msg, 0x5A, c->schema->size);
    rp_arena_init(&a, g_store, cap);
    memset(err, 0x33, sizeof *err);
    int rc = lane ? c->decode(json, len, msg, &a, profile, err)
                  : rp_schema_decode(c->schema, json, len, msg, &a, profile, err);
    *used = a.used;
    return rc;
}

/* Marks in g_value the bytes of every string and bytes value of the message at p (and its
 * items and embedded messages) that lie in g_store, with their NULs. What storage holds
 * around them is not part of the result: the lanes copy and decode a block at a time into
 * the free end of storage, so allocated bytes that no value covers (the slack of a base64
 * allocation) may hold what a later block wrote, where the walk left them untouched. */
static void mark_values(const rp_schema_message *m, const unsigned char *p)
{
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        size_t n = 1, stride = f->size, at = 0;
        if (f->repeated) {
            memcpy(&n, p + f->count_offset, sizeof n);
            if (f->map) {
                stride = f->entry_size;
                at = f->value_offset;
            }
        } else if (f->has_offset != SIZE_MAX && !p[f->has_offset]) {
            continue;
        }
        for (size_t k = 0; k < n && k < (f->repeated ? f->max_count : 1); k++) {
            const unsigned char *item = p + f->offset + k * stride;
            if (f->map) { /* the entry's key */
                rp_str key;
                memcpy(&key, item, sizeof key);
                if ((const unsigned char *)key.ptr >= g_store &&
                    (const unsigned char *)key.ptr < g_store + LANE_STORE)
                    for (size_t b = 0; b <= key.len; b++)
                        g_value[(const unsigned char *)key.ptr - g_store + b] = true;
            }
            item += at;
            if (f->type == RP_SCHEMA_MESSAGE) {
                mark_values(f->message, item);
            } else if (f->type == RP_SCHEMA_STRING || f->type == RP_SCHEMA_HEX ||
                       f->type == RP_SCHEMA_BASE64) {
                rp_bytes v; /* rp_str has the same layout */
                memcpy(&v, item, sizeof v);
                if (v.ptr >= g_store && v.ptr < g_store + LANE_STORE)
                    for (size_t b = 0; b <= v.len; b++)
                        g_value[v.ptr - g_store + b] = true;
            }
        }
    }
}

static void same_error(const rp_error *a, const rp_error *b, const char *what, const char *name)
{
    LD_CHECK(a->code == b->code && a->layer == b->layer && a->offset == b->offset,
                  "%s as %s: error %d/%d at %zu vs %d/%d at %zu", what, name, (int)a->code,
                  (int)a->layer, a->offset, (int)b->code, (int)b->layer, b->offset);
    LD_CHECK(strcmp(a->path, b->path) == 0 && strcmp(a->message, b->message) == 0,
                  "%s as %s: error %s: %s vs %s: %s", what, name, a->path, a->message, b->path,
                  b->message);
    LD_CHECK(a->spec.line == b->spec.line && a->spec.column == b->spec.column &&
                      (a->spec.file == b->spec.file ||
                       (a->spec.file != NULL && b->spec.file != NULL &&
                        strcmp(a->spec.file, b->spec.file) == 0)),
                  "%s as %s: spec locations differ", what, name);
}

static int diff_cap(const lane_codec *c, const char *json, size_t len,
                    const rp_schema_profile *profile, const char *what, size_t cap)
{
    rp_error ea, eb;
    size_t ua, ub;
    g_count++;
    int ra = run(c, true, json, len, profile, cap, g_msg_a, &ea, &ua);
    memcpy(g_arena_a, g_store, ua);
    int rb = run(c, false, json, len, profile, cap, g_msg_b, &eb, &ub);
    LD_CHECK(ra == rb, "%s as %s (%s): return %d with the lane, %d without", what, c->name,
                  profile != NULL ? profile->name : "strict", ra, rb);
    LD_CHECK(ua == ub, "%s as %s: storage use differs (%zu vs %zu bytes)", what, c->name,
                  ua, ub);
    if (ra == 0) {
        /* the same struct to the byte (pointers into storage included: both decodes used
         * the same buffer), and the same bytes in every value it points to */
        LD_CHECK(memcmp(g_msg_a, g_msg_b, c->schema->size) == 0,
                      "%s as %s: the decoded structs differ", what, c->name);
        memset(g_value, 0, ua);
        mark_values(c->schema, g_msg_b);
        for (size_t i = 0; i < ua; i++)
            LD_CHECK(!g_value[i] || g_arena_a[i] == g_store[i],
                          "%s as %s: the value bytes at storage offset %zu differ", what,
                          c->name, i);
        LD_CHECK(ea.code == RP_OK && eb.code == RP_OK, "%s as %s: an error set on success", what, c->name);
    } else {
        same_error(&ea, &eb, what, c->name);
    }
    return ra;
}

int lane_diff_one(const lane_codec *c, const char *json, size_t len,
                  const rp_schema_profile *profile, const char *what)
{
    int rc = diff_cap(c, json, len, profile, what, LANE_STORE);
    if (rc == 0) {
        rp_arena a;
        rp_arena_init(&a, g_store, LANE_STORE);
        LD_CHECK(c->decode(json, len, g_msg_a, &a, profile, NULL) == 0, "%s as %s: decoded once only", what, c->name);
        size_t need = a.used;
        /* storage that runs out at every point up to what it took */
        for (size_t cap = 0; cap < need; cap += need > 64 ? need / 16 + 1 : 1)
            diff_cap(c, json, len, profile, what, cap);
        diff_cap(c, json, len, profile, what, need - (need > 0));
        diff_cap(c, json, len, profile, what, need);
    }
    return rc;
}

/* ---- mutations -------------------------------------------------------------------------- */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        LD_CHECK(t->s != NULL, "out of memory");
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* Offsets of the members of the top-level object: start[i] .. end[i] is `"key":value`.
 * Returns the count (0 when the text is not a compact object this can split). */
#define MAX_MEMBERS 64
static size_t members(const char *j, size_t len, size_t *start, size_t *end)
{
    if (len < 2 || j[0] != '{')
        return 0;
    size_t n = 0, depth = 0, i = 1, at = 1;
    bool in_str = false;
    for (; i < len; i++) {
        char ch = j[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
            continue;
        }
        if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        } else if (depth == 0 && (ch == ',' || ch == '}')) {
            if (n == MAX_MEMBERS)
                return 0;
            start[n] = at;
            end[n] = i;
            n++;
            at = i + 1;
            if (ch == '}')
                return i + 1 == len ? n : 0;
        }
    }
    return 0;
}

/* The object again from members in the order ord[0..k). */
static void rebuild(text *t, const char *j, const size_t *start, const size_t *end,
                    const size_t *ord, size_t k)
{
    t->len = 0;
    put(t, "{", 1);
    for (size_t i = 0; i < k; i++) {
        if (i > 0)
            put(t, ",", 1);
        put(t, j + start[ord[i]], end[ord[i]] - start[ord[i]]);
    }
    put(t, "}", 1);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

size_t lane_diff_mutations(const lane_codec *c, const char *json, size_t len,
                           const rp_schema_profile *profile, unsigned randoms)
{
    static const char subst[] = { '"', '\\', ' ', ',', '}', '{', ':', '0', '9', '-', '.', 'e',
                                  'A', 'z', '=', '+', '/', 'n', 't', '\x01', '\x7f', '\x80',
                                  '\xc3', '\xff' };
    size_t accepted = 0;
    text t = { 0 };
    char *buf = malloc(len + 8);
    LD_CHECK(buf != NULL, "out of memory");
    accepted += lane_diff_one(c, json, len, profile, "the text") == 0;
    for (size_t n = 0; n < len; n += POSITION_STEP)
        accepted += lane_diff_one(c, json, n, profile, "a truncation") == 0;
    for (size_t i = 0; i < len; i += POSITION_STEP) {
        memcpy(buf, json, len);
        for (size_t k = 0; k < sizeof subst; k++) {
            if (json[i] == subst[k])
                continue;
            buf[i] = subst[k];
            accepted += lane_diff_one(c, buf, len, profile, "a substitution") == 0;
        }
        memcpy(buf, json, i);
        buf[i] = ' ';
        memcpy(buf + i + 1, json + i, len - i);
        accepted += lane_diff_one(c, buf, len + 1, profile, "a space") == 0;
    }
    size_t start[MAX_MEMBERS], end[MAX_MEMBERS], ord[MAX_MEMBERS + 1];
    size_t n = members(json, len, start, end);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        for (size_t m = 0; m < n; m++) /* drop member i */
            if (m != i)
                ord[k++] = m;
        rebuild(&t, json, start, end, ord, k);
        accepted += lane_diff_one(c, t.s, t.len, profile, "a member dropped") == 0;
        for (size_t m = 0; m < n; m++) /* member i twice */
            ord[m] = m;
        ord[n] = i;
        rebuild(&t, json, start, end, ord, n + 1);
        accepted += lane_diff_one(c, t.s, t.len, profile, "a member twice") == 0;
        if (i + 1 < n) { /* members i and i + 1 swapped */
            for (size_t m = 0; m < n; m++)
                ord[m] = m;
            ord[i] = i + 1;
            ord[i + 1] = i;
            rebuild(&t, json, start, end, ord, n);
            accepted += lane_diff_one(c, t.s, t.len, profile, "two members swapped") == 0;
        }
        /* the member's value replaced by other numbers, null and a string */
        static const char *const values[] = { "0", "-1", "1", "1.5", "1e3", "255", "256",
                                              "65536", "4294967296", "18446744073709551615",
                                              "99999999999999999999", "-9223372036854775808",
                                              "null", "true", "\"7\"", "\"\"", "{}", "[]" };
        const char *colon = memchr(json + start[i], ':', end[i] - start[i]);
        if (colon != NULL && json[start[i]] == '"') {
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                t.len = 0;
                put(&t, json, (size_t)(colon - json) + 1);
                puts_(&t, values[v]);
                put(&t, json + end[i], len - end[i]);
                accepted += lane_diff_one(c, t.s, t.len, profile, "a value replaced") == 0;
            }
        }
    }
    if (n > 0) { /* every member in reverse order; an unknown key first, last */
        for (size_t m = 0; m < n; m++)
            ord[m] = n - 1 - m;
        rebuild(&t, json, start, end, ord, n);
        accepted += lane_diff_one(c, t.s, t.len, profile, "members reversed") == 0;
        t.len = 0;
        puts_(&t, "{\"zz_unknown\":1,");
        put(&t, json + 1, len - 1);
        accepted += lane_diff_one(c, t.s, t.len, profile, "an unknown key first") == 0;
        t.len = 0;
        put(&t, json, len - 1);
        puts_(&t, ",\"zz_unknown\":[1,{\"a\":\"b\"}]}");
        accepted += lane_diff_one(c, t.s, t.len, profile, "an unknown key last") == 0;
        t.len = 0; /* the first key's first character escaped */
        if (len > 3 && json[1] == '"' && json[2] != '\\' && json[2] != '"') {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04X", (unsigned char)json[2]);
            put(&t, json, 2);
            puts_(&t, esc);
            put(&t, json + 3, len - 3);
            accepted += lane_diff_one(c, t.s, t.len, profile, "an escaped key") == 0;
        }
        t.len = 0; /* trailing bytes */
        put(&t, json, len);
        puts_(&t, " x");
        accepted += lane_diff_one(c, t.s, t.len, profile, "trailing bytes") == 0;
    }
    uint64_t seed = 0x9E3779B97F4A7C15u ^ len;
    for (unsigned r = 0; r < randoms && len > 0; r++) {
        memcpy(buf, json, len);
        size_t edits = 1 + rng(&seed) % 3;
        for (size_t e = 0; e < edits; e++)
            buf[rng(&seed) % len] = (char)(rng(&seed) % 3 == 0 ? subst[rng(&seed) % sizeof subst]
                                                                : (char)rng(&seed));
        accepted += lane_diff_one(c, buf, len, profile, "a random edit") == 0;
    }
    free(buf);
    free(t.s);
    return accepted;
}

/* ---- samples ----------------------------------------------------------------------------- */

static uint64_t u_pick(const rp_schema_field *f)
{
    uint64_t v = 1, hi = f->bits >= 64 ? UINT64_MAX : ((uint64_t)1 << f->bits) - 1;
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if ((r->kind == RP_RULE_ONE_OF || r->kind == RP_RULE_ENUM) && r->u_set != NULL &&
            r->set_count > 0)
            v = r->u_set[0];
        else if (r->kind == RP_RULE_CONST)
            return r->u_lo;
        else if (r->kind == RP_RULE_RANGE && r->has_lo && v < r->u_lo)
            v = r->u_lo;
        else if (r->kind == RP_RULE_FLAGS)
            v = r->u_hi & 1u;
    }
    return v > hi ? hi : v;
}

static int64_t i_pick(const rp_schema_field *f)
{
    int64_t v = -1;
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if ((r->kind == RP_RULE_ONE_OF || r->kind == RP_RULE_ENUM) && r->i_set != NULL &&
            r->set_count > 0)
            v = r->i_set[0];
        else if (r->kind == RP_RULE_CONST)
            return r->i_lo;
        else if (r->kind == RP_RULE_RANGE && r->has_lo && v < r->i_lo)
            v = r->i_lo;
        else if (r->kind == RP_RULE_RANGE && r->has_hi && v > r->i_hi)
            v = r->i_hi;
    }
    return v;
}

/* A length its LEN rule accepts, near 3. */
static size_t len_pick(const rp_schema_field *f, size_t want)
{
    for (size_t i = 0; i < f->rule_count; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind != RP_RULE_LEN)
            continue;
        if (r->u_set != NULL && r->set_count > 0)
            return (size_t)r->u_set[0];
        if (r->has_lo && want < r->u_lo)
            want = (size_t)r->u_lo;
        if (r->has_hi && want > r->u_hi)
            want = (size_t)r->u_hi;
    }
    return want;
}

static void sample_value(text *t, const rp_schema_field *f, bool all);

static void sample_object(text *t, const rp_schema_message *m, bool all)
{
    if (m->is_array) {
        put(t, "[", 1);
        sample_value(t, &m->fields[0], all);
        put(t, "]", 1);
        return;
    }
    put(t, "{", 1);
    bool first = true;
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        if (!all && !f->required)
            continue;
        if (!first)
            put(t, ",", 1);
        first = false;
        put(t, "\"", 1);
        put(t, f->key, f->key_len); /* test specs' keys need no escape but for the one test */
        put(t, "\":", 2);
        if (f->map) {
            puts_(t, "{\"k\":");
            sample_value(t, f, all);
            put(t, "}", 1);
        } else if (f->repeated) {
            put(t, "[", 1);
            sample_value(t, f, all);
            put(t, "]", 1);
        } else {
            sample_value(t, f, all);
        }
    }
    put(t, "}", 1);
}

static void sample_value(text *t, const rp_schema_field *f, bool all)
{
    char num[64];
    switch (f->type) {
    case RP_SCHEMA_BOOL: {
        bool v = true;
        for (size_t i = 0; i < f->rule_count; i++)
            if (f->rules[i].kind == RP_RULE_CONST)
                v = f->rules[i].u_lo != 0;
        puts_(t, v ? "true" : "false");
        break;
    }
    case RP_SCHEMA_UINT:
        snprintf(num, sizeof num, "%" PRIu64, u_pick(f));
        puts_(t, num);
        break;
    case RP_SCHEMA_INT:
        snprintf(num, sizeof num, "%" PRId64, i_pick(f));
        puts_(t, num);
        break;
    case RP_SCHEMA_FLOAT64:
        puts_(t, "1.5");
        break;
    case RP_SCHEMA_STRENUM:
        put(t, "\"", 1);
        for (size_t i = 0; i < f->rule_count; i++)
            if (f->rules[i].kind == RP_RULE_ENUM && f->rules[i].set_count > 0)
                puts_(t, f->rules[i].str_set[0]);
        put(t, "\"", 1);
        break;
    case RP_SCHEMA_STRING: {
        const char *cst = NULL;
        const uint8_t *cs = NULL;
        for (size_t i = 0; i < f->rule_count; i++) {
            if (f->rules[i].kind == RP_RULE_CONST && f->rules[i].str != NULL)
                cst = f->rules[i].str;
            if (f->rules[i].kind == RP_RULE_CHARSET)
                cs = f->rules[i].charset;
        }
        put(t, "\"", 1);
        if (cst != NULL) {
            puts_(t, cst);
        } else {
            char ch = 'a';
            if (cs != NULL)
                for (int b = 0x21; b < 0x7f; b++)
                    if ((cs[b >> 3] >> (b & 7)) & 1 && b != '"' && b != '\\') {
                        ch = (char)b;
                        break;
                    }
            size_t n = len_pick(f, 3);
            for (size_t i = 0; i < n && i < 300; i++)
                put(t, &ch, 1);
        }
        put(t, "\"", 1);
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        size_t n = len_pick(f, 4);
        uint8_t raw[512];
        char enc[1024];
        if (n > sizeof raw)
            n = sizeof raw;
        for (size_t i = 0; i < n; i++)
            raw[i] = (uint8_t)(i * 37 + 11);
        size_t el = 0;
        int rc = f->type == RP_SCHEMA_HEX ? rp_hex_encode(raw, n, RP_HEX_UPPER, enc, sizeof enc, &el, NULL)
                                          : rp_base64_encode(raw, n, enc, sizeof enc, &el, NULL);
        LD_CHECK(rc == 0, "cannot encode a sample value");
        put(t, "\"", 1);
        put(t, enc, el);
        put(t, "\"", 1);
        break;
    }
    case RP_SCHEMA_MESSAGE:
        sample_object(t, f->message, all);
        break;
    }
}

char *lane_sample(const rp_schema_message *m, bool all_fields, size_t *len)
{
    text t = { 0 };
    sample_object(&t, m, all_fields);
    *len = t.len;
    return t.s;
}
