/* json_bounds.c — the longest compact JSON a declaration's values can take (see
 * json_bounds.h). */
#include "json_bounds.h"

#include <string.h>

uint64_t rp_bound_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t rp_bound_mul(uint64_t a, uint64_t b)
{
    if (a == 0 || b == 0)
        return 0;
    return a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t digits(uint64_t v)
{
    uint64_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static uint64_t int_width(rp_ast_int v)
{
    return digits(v.mag) + (v.neg ? 1u : 0u);
}

/* Bytes the JSON writer produces for byte c inside a string. */
static uint64_t escaped_width(unsigned char c)
{
    if (c == '"' || c == '\\')
        return 2;
    if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f')
        return 2;
    if (c < 0x20)
        return 6;
    return 1;
}

uint64_t rp_bound_key_width(const char *key)
{
    uint64_t w = 3; /* two quotes and the colon */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        w += escaped_width(*p);
    return w;
}

/* Widest value text of an enum or flags declaration: computed once per declaration when
 * memo is given (every field of that type asks again). */
static uint64_t enum_width(uint64_t *memo, const rp_ast_decl *ref)
{
    if (memo != NULL && memo[ref->index] != 0)
        return memo[ref->index];
    uint64_t w = 0;
    if (ref->kind == RP_DECL_FLAGS) {
        uint64_t all = 0;
        for (size_t i = 0; i < ref->u.enm.value_count; i++)
            all |= ref->u.enm.values[i].value.mag;
        w = digits(all);
    } else {
        for (size_t i = 0; i < ref->u.enm.value_count; i++) {
            uint64_t x = int_width(ref->u.enm.values[i].value);
            if (x > w)
                w = x;
        }
    }
    if (memo != NULL)
        memo[ref->index] = w;
    return w;
}

/* Widest text of an integer field's value. */
static uint64_t int_value_width(uint64_t *memo, const rp_ast_field *f)
{
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    if (a->const_value.kind == RP_VALUE_INT || a->const_value.kind == RP_VALUE_ENUM)
        return int_width(a->const_value.i);
    if (ref != NULL && ref->kind == RP_DECL_FLAGS)
        return enum_width(memo, ref);
    if (a->one_of_count > 0) {
        uint64_t w = 0;
        for (size_t i = 0; i < a->one_of_count; i++) {
            uint64_t x = int_width(a->one_of[i]);
            if (x > w)
                w = x;
        }
        return w;
    }
    if (ref != NULL && ref->kind == RP_DECL_ENUM)
        return enum_width(memo, ref);
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    rp_ast_int lo = rp_ast_scalar_min(k), hi = rp_ast_scalar_max(k);
    if (a->has_range && a->has_lo && rp_ast_int_cmp(a->lo, lo) > 0)
        lo = a->lo;
    if (a->has_range && a->has_hi && rp_ast_int_cmp(a->hi, hi) < 0)
        hi = a->hi;
    uint64_t wl = int_width(lo), wh = int_width(hi);
    return wl > wh ? wl : wh;
}

/* Widest escaped byte of a string of charset cs (NULL: any). */
static uint64_t charset_byte_width(const rp_ast_decl *cs)
{
    if (cs == NULL)
        return 6;
    uint64_t w = 0;
    for (unsigned c = 0; c < 256; c++)
        if (cs->u.charset.allowed[c >> 3] & (1u << (c & 7u))) {
            uint64_t x = escaped_width((unsigned char)c);
            if (x > w)
                w = x;
        }
    return w;
}

/* One value (one item of a repeated field). */
/* Widest escaped byte a string field can hold. */
static uint64_t string_byte_width(const rp_ast_field *f)
{
    return charset_byte_width(f->attrs.charset);
}

static uint64_t single_value_width(uint64_t *memo, const rp_ast_field *f)
{
    const rp_ast_len *len = &f->attrs.len;
    if (rp_ast_decl_is_string_enum(f->type.ref)) {
        uint64_t w = 0;
        for (size_t i = 0; i < f->type.ref->u.enm.value_count; i++) {
            uint64_t x = 2;
            for (const unsigned char *p = (const unsigned char *)f->type.ref->u.enm.values[i].text; p && *p; p++)
                x += escaped_width(*p);
            if (x > w)
                w = x;
        }
        return w;
    }
    if (f->type.scalar == RP_SCALAR_FLOAT64)
        return 25; /* "-0.0000012345678901234567"; "-2.2250738585072014e-308" is 24 */
    if (f->type.ref != NULL && f->type.ref->kind == RP_DECL_MESSAGE)
        return rp_bound_message_memo(memo, f->type.ref);
    if (rp_ast_type_int_kind(&f->type) != RP_SCALAR_NONE)
        return int_value_width(memo, f);
    switch (f->type.scalar) {
    case RP_SCALAR_BOOL:
        return 5;
    case RP_SCALAR_STRING:
        if (f->attrs.const_value.kind == RP_VALUE_STRING) {
            uint64_t w = 2;
            for (const unsigned char *p = (const unsigned char *)f->attrs.const_value.str; *p; p++)
                w += escaped_width(*p);
            return w;
        }
        if (!len->present || !len->has_max)
            return RP_BOUND_UNBOUNDED;
        return rp_bound_add(2, rp_bound_mul(len->max, string_byte_width(f)));
    case RP_SCALAR_BYTES:
        if (!len->present || !len->has_max)
            return RP_BOUND_UNBOUNDED;
        if (f->attrs.encoding == RP_BYTES_HEX)
            return rp_bound_add(2, rp_bound_mul(len->max, 2));
        return rp_bound_add(2, rp_bound_mul((len->max / 3u) + (len->max % 3u ? 1u : 0u), 4));
    default:
        return RP_BOUND_UNBOUNDED;
    }
}

/* A JSON array of n items of width w each. */
static uint64_t array_width(uint64_t n, uint64_t w)
{
    if (w == RP_BOUND_UNBOUNDED)
        return RP_BOUND_UNBOUNDED;
    uint64_t t = rp_bound_add(2, rp_bound_mul(n, w));
    return n > 0 ? rp_bound_add(t, n - 1) : t;
}

static uint64_t max_field_value(uint64_t *memo, const rp_ast_field *f)
{
    uint64_t w = single_value_width(memo, f);
    if (f->attrs.nullable && w != RP_BOUND_UNBOUNDED && w < 4)
        w = 4; /* null */
    if (f->type.is_map) {
        const rp_ast_len *kl = &f->attrs.key_len;
        if (w == RP_BOUND_UNBOUNDED || !f->attrs.count.has_max || !kl->present || !kl->has_max)
            return RP_BOUND_UNBOUNDED;
        /* "key":value, each; braces and commas */
        uint64_t entry = rp_bound_add(rp_bound_add(rp_bound_mul(kl->max, charset_byte_width(f->attrs.key_charset)), 3), w);
        uint64_t n = f->attrs.count.max;
        uint64_t t = rp_bound_add(2, rp_bound_mul(n, entry));
        return n > 0 ? rp_bound_add(t, n - 1) : t;
    }
    if (f->label != RP_LABEL_REPEATED)
        return w;
    if (!f->attrs.count.has_max)
        return RP_BOUND_UNBOUNDED;
    return array_width(f->attrs.count.max, w);
}

uint64_t rp_bound_field_value(const rp_ast_field *f)
{
    return max_field_value(NULL, f);
}

static uint64_t max_message(uint64_t *memo, const rp_ast_decl *d)
{
    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_decl *item = d->u.array.element.ref;
        if (item == NULL || !d->u.array.len.has_max)
            return RP_BOUND_UNBOUNDED;
        return array_width(d->u.array.len.max, rp_bound_message_memo(memo, item));
    }
    const rp_ast_message *m = &d->u.message;
    uint64_t total = 2;
    for (size_t i = 0; i < m->field_count; i++) {
        uint64_t v = max_field_value(memo, &m->fields[i]);
        if (v == RP_BOUND_UNBOUNDED)
            return RP_BOUND_UNBOUNDED;
        total = rp_bound_add(total, rp_bound_add(rp_bound_key_width(m->fields[i].wire_key), v));
    }
    if (m->field_count > 1)
        total = rp_bound_add(total, m->field_count - 1);
    return total;
}

uint64_t rp_bound_message_memo(uint64_t *memo, const rp_ast_decl *d)
{
    /* Every bound is at least 2 ("{}" or "[]"), so 0 marks "not computed yet". */
    if (memo != NULL && memo[d->index] != 0)
        return memo[d->index];
    uint64_t v = max_message(memo, d);
    if (memo != NULL)
        memo[d->index] = v;
    return v;
}

uint64_t rp_bound_message(const rp_ast_decl *d)
{
    return max_message(NULL, d);
}

/* Bytes of the IV written as hex(iv) in a join, and of an AES block (PKCS#7 pads a whole one
 * onto a text that fills its last block). The runtime's RP_ENVELOPE_IV_HEX_LEN and
 * RP_AES_CBC_SEALED_LEN say the same. */
enum { IV_HEX_LEN = 32, AES_BLOCK = 16, RSA_PKCS1_PADDING = 11 };

/* The longest text envelope e seals a plaintext of n bytes into, layer by layer from the
 * inside out, as rp_envelope_seal runs them. zlib's output depends on the text, so nothing is
 * known past it. An RSA block is as long as the key's modulus, which must hold the text and
 * PKCS#1 padding: at least n + 11. An id(KEY) part is the caller's text: at least empty. */
rp_bound_sealed rp_bound_sealed_text(const rp_ast_envelope *e, uint64_t n)
{
    rp_bound_sealed s = { n, false };
    for (size_t i = e->layer_count; i-- > 0 && s.bytes != RP_BOUND_UNBOUNDED;) {
        const rp_ast_layer *l = &e->layers[i];
        switch (l->kind) {
        case RP_AST_LAYER_JSON:
            break;
        case RP_AST_LAYER_BASE64:
        case RP_AST_LAYER_BASE64_LENIENT:
            s.bytes = rp_bound_mul(s.bytes / 3 + (s.bytes % 3 != 0), 4);
            break;
        case RP_AST_LAYER_HEX:
            s.bytes = rp_bound_mul(s.bytes, 2);
            break;
        case RP_AST_LAYER_AES:
            s.bytes = rp_bound_add(rp_bound_mul(s.bytes / AES_BLOCK + 1, AES_BLOCK),
                                   l->iv_in_join ? 0 : AES_BLOCK);
            break;
        case RP_AST_LAYER_RSA:
            s.bytes = rp_bound_add(s.bytes, RSA_PKCS1_PADDING);
            s.at_least = true;
            break;
        case RP_AST_LAYER_JOIN:
            for (size_t p = 0; p < l->part_count; p++) {
                if (l->parts[p].kind == RP_AST_PART_IV_HEX)
                    s.bytes = rp_bound_add(s.bytes, IV_HEX_LEN);
                if (l->parts[p].kind == RP_AST_PART_KEY_ID)
                    s.at_least = true;
                if (p > 0)
                    s.bytes = rp_bound_add(s.bytes, strlen(l->separator));
            }
            break;
        case RP_AST_LAYER_ZLIB:
            s.bytes = RP_BOUND_UNBOUNDED;
            break;
        }
    }
    return s;
}
