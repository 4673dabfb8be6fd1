/* lane_fill.h — messages of any generated codec filled from a stream of choices, for
 * holding encode lanes to the table encoder (tests/unit/test_encode_lanes.c,
 * tests/fuzz/fuzz_encode_lanes.c). The filler walks the message's rp_schema description,
 * so it knows every field's kind, place and rules: values are drawn near the rules' edges
 * (bounds and one past them, set members and non-members, the constant and its neighbours),
 * at the widths' limits, or at random; strings from a pool with escapes, UTF-8 good and bad,
 * and a length without text; presence flags mostly set. The choices come from the bytes
 * given (a fuzzer's input) and then from a seeded generator, so every input is a message.
 */
#ifndef LANE_FILL_H
#define LANE_FILL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rp_schema.h"

typedef struct lane_src {
    const uint8_t *p; /* choices still to take */
    size_t n;
    uint64_t state;   /* then these (xorshift) */
} lane_src;

static inline uint64_t lane_next(lane_src *s)
{
    if (s->n >= 8) {
        uint64_t v;
        memcpy(&v, s->p, 8);
        s->p += 8;
        s->n -= 8;
        return v;
    }
    s->n = 0;
    s->state ^= s->state << 13;
    s->state ^= s->state >> 7;
    s->state ^= s->state << 17;
    return s->state;
}

static inline unsigned lane_pick(lane_src *s, unsigned n)
{
    if (s->n > 0) { /* one byte a choice while the input lasts */
        unsigned v = *s->p++;
        s->n--;
        return v % n;
    }
    return (unsigned)(lane_next(s) % n);
}

/* Bytes that strings and bytes fields point into (the filler never allocates). */
#define LANE_SCRATCH 16384
typedef struct lane_fill {
    lane_src src;
    char scratch[LANE_SCRATCH];
    size_t used;
    bool valid;       /* choose what the rules allow (most of the time) */
} lane_fill;

static const char *const lane_strings[] = {
    "", "a", "plain", "ok_id@x.y-z#1", "2.3.6", "bad id", "tab\there", "q\"b\\s/", "ctrl\x01\x1f",
    "\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", "\xc3(", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf",
    "0123456789abcdefghij\"klmnop", "0123456789abcdef\xe2\x82\xac", "0123456789abcdef\xe2\x82",
    "\x7f", "\xe2\x80\xa8", "line\nbreak\r", "sixteen_chars_ab", "seventeen_chars_a",
    "exactly-eight", "12345678", "1234567", "\x80", "abc\xff", "default",
};

static inline uint64_t lane_umax(unsigned bits)
{
    return bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1u;
}

/* A length near the field's len rule, or a small or random one. */
static inline size_t lane_len(lane_fill *lf, const rp_schema_field *f, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < f->rule_count && lf->valid; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind != RP_RULE_LEN)
            continue;
        if (r->u_set != NULL && r->set_count > 0)
            return (size_t)r->u_set[lane_pick(&lf->src, (unsigned)r->set_count)];
        uint64_t lo = r->has_lo ? r->u_lo : 0, hi = r->has_hi && r->u_hi < lo + 60 ? r->u_hi : lo + 60;
        return (size_t)(lo + lane_next(&lf->src) % (hi - lo + 1));
    }
    unsigned how = lane_pick(&lf->src, 8);
    for (size_t i = 0; i < f->rule_count && how < 5; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind != RP_RULE_LEN)
            continue;
        if (r->u_set != NULL && r->set_count > 0)
            n = (size_t)r->u_set[lane_pick(&lf->src, (unsigned)r->set_count)];
        else if (how < 2 && r->has_lo)
            n = (size_t)r->u_lo;
        else if (r->has_hi)
            n = (size_t)r->u_hi;
        n += (size_t)lane_pick(&lf->src, 3) - 1u; /* one below, at, one above */
    }
    if (how >= 5)
        n = how == 5 ? 0 : lane_pick(&lf->src, how == 6 ? 40 : 700);
    return n > cap ? cap : n;
}

static inline char *lane_take(lane_fill *lf, size_t n)
{
    if (n > LANE_SCRATCH - lf->used)
        return NULL;
    char *p = lf->scratch + lf->used;
    lf->used += n;
    return p;
}

static inline void lane_store_u(void *p, size_t size, uint64_t v)
{
    uint8_t a = (uint8_t)v;
    uint16_t b = (uint16_t)v;
    uint32_t c = (uint32_t)v;
    switch (size) {
    case 1: memcpy(p, &a, 1); break;
    case 2: memcpy(p, &b, 2); break;
    case 4: memcpy(p, &c, 4); break;
    default: memcpy(p, &v, 8); break;
    }
}

/* An integer near the field's rules or widths. */
static inline uint64_t lane_int(lane_fill *lf, const rp_schema_field *f)
{
    bool sg = f->type == RP_SCHEMA_INT;
    unsigned how = lane_pick(&lf->src, 10);
    uint64_t v = lane_next(&lf->src);
    if (lf->valid && how < 9) { /* the constant, a member of the set, within the range */
        v = sg ? (uint64_t)(int64_t)(int8_t)v : v & 0x7F;
        const rp_schema_rule *set = NULL, *range = NULL, *flags = NULL;
        for (size_t i = 0; i < f->rule_count; i++) {
            const rp_schema_rule *r = &f->rules[i];
            if (r->kind == RP_RULE_CONST)
                return sg ? (uint64_t)r->i_lo : r->u_lo;
            if (r->kind == RP_RULE_ENUM || r->kind == RP_RULE_ONE_OF)
                set = r;
            if (r->kind == RP_RULE_RANGE)
                range = r;
            if (r->kind == RP_RULE_FLAGS)
                flags = r;
        }
        if (set != NULL && set->set_count > 0) {
            size_t k = lane_pick(&lf->src, (unsigned)set->set_count);
            return sg ? (uint64_t)set->i_set[k] : set->u_set[k];
        }
        if (flags != NULL)
            return flags->u_hi & lane_next(&lf->src);
        if (range != NULL && !sg && range->has_lo && v < range->u_lo)
            v = range->u_lo;
        if (range != NULL && !sg && range->has_hi && v > range->u_hi)
            v = range->u_hi;
        if (range != NULL && sg && range->has_lo && (int64_t)v < range->i_lo)
            v = (uint64_t)range->i_lo;
        if (range != NULL && sg && range->has_hi && (int64_t)v > range->i_hi)
            v = (uint64_t)range->i_hi;
        return v;
    }
    if (how < 6 && f->rule_count > 0) {
        const rp_schema_rule *r = &f->rules[lane_pick(&lf->src, (unsigned)f->rule_count)];
        switch (r->kind) {
        case RP_RULE_RANGE:
            v = how < 3 && r->has_lo ? (sg ? (uint64_t)r->i_lo : r->u_lo)
                                     : r->has_hi ? (sg ? (uint64_t)r->i_hi : r->u_hi) : 0;
            break;
        case RP_RULE_ONE_OF:
        case RP_RULE_ENUM:
            if (r->set_count > 0) {
                size_t k = lane_pick(&lf->src, (unsigned)r->set_count);
                v = sg ? (uint64_t)r->i_set[k] : r->u_set[k];
            }
            break;
        case RP_RULE_FLAGS:
            v = r->u_hi & lane_next(&lf->src);
            if (how == 0)
                v |= (uint64_t)1 << lane_pick(&lf->src, 64);
            break;
        case RP_RULE_CONST:
            v = sg ? (uint64_t)r->i_lo : r->u_lo;
            break;
        default:
            break;
        }
        if (how >= 4)
            v += (uint64_t)lane_pick(&lf->src, 3) - 1u;
    } else if (how < 8) {
        static const uint64_t edge[] = { 0, 1, 9, 10, 99, 100, 127, 128, 255, 256, 65535, 65536,
                                         UINT32_MAX, (uint64_t)UINT32_MAX + 1u, INT64_MAX,
                                         (uint64_t)INT64_MAX + 1u, UINT64_MAX, 1700000000u,
                                         UINT64_C(1700000000123) };
        v = edge[lane_pick(&lf->src, sizeof edge / sizeof edge[0])];
        if (sg && lane_pick(&lf->src, 2))
            v = (uint64_t)0 - v;
    }
    if (lane_pick(&lf->src, 4) != 0 || f->size == 8) { /* mostly within the C type */
        if (sg && f->bits < 64 && f->size * 8 == f->bits) {
            int64_t lo = -((int64_t)1 << (f->bits - 1)), hi = ((int64_t)1 << (f->bits - 1)) - 1;
            int64_t x = (int64_t)v;
            if (x < lo || x > hi)
                v = (uint64_t)(int64_t)(int8_t)v; /* a small value of either sign */
        } else if (!sg && f->size * 8 == f->bits) {
            v &= lane_umax(f->bits);
        }
    }
    return v;
}

static inline void lane_fill_message(lane_fill *lf, const rp_schema_message *m, void *msg,
                                     unsigned depth);

static inline void lane_fill_value(lane_fill *lf, const rp_schema_field *f, char *p, unsigned depth)
{
    switch (f->type) {
    case RP_SCHEMA_BOOL: {
        bool b = lane_pick(&lf->src, 2) != 0;
        memcpy(p, &b, sizeof b);
        break;
    }
    case RP_SCHEMA_INT:
    case RP_SCHEMA_UINT:
    case RP_SCHEMA_STRENUM:
        lane_store_u(p, f->size, lane_int(lf, f));
        break;
    case RP_SCHEMA_STRING: {
        rp_str s = { NULL, 0 };
        unsigned how = lf->valid ? 9 + lane_pick(&lf->src, 7) : lane_pick(&lf->src, 16);
        if (how < 9) {
            const char *t = lane_strings[lane_pick(&lf->src, sizeof lane_strings / sizeof lane_strings[0])];
            s.ptr = t;
            s.len = strlen(t);
        } else if (how < 15) { /* a length near the rules, of letters with now and then another byte */
            size_t n = lane_len(lf, f, 2000);
            char *t = lane_take(lf, n + 1);
            if (t != NULL) {
                unsigned odd = lane_pick(&lf->src, 4);
                /* letters, or the bytes of the field's charset */
                char allowed[256];
                unsigned na = 0;
                for (size_t i = 0; i < f->rule_count; i++)
                    for (unsigned b = 0; f->rules[i].kind == RP_RULE_CHARSET && b < 256; b++)
                        if ((f->rules[i].charset[b >> 3] >> (b & 7)) & 1u)
                            allowed[na++] = (char)b;
                for (size_t i = 0; i < n; i++)
                    t[i] = na > 0 ? allowed[lane_pick(&lf->src, na)] : (char)('a' + lane_pick(&lf->src, 26));
                if (odd == 0 && n > 0)
                    t[lane_pick(&lf->src, (unsigned)n)] = (char)lane_pick(&lf->src, 256);
                t[n] = 0;
                s.ptr = t;
                s.len = n;
            }
        } else {
            s.len = 1u + lane_pick(&lf->src, 4); /* a length without text */
        }
        memcpy(p, &s, sizeof s);
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b = { NULL, 0 };
        if (!lf->valid && lane_pick(&lf->src, 20) == 0) {
            b.len = 3; /* a length without data */
        } else {
            size_t n = lane_len(lf, f, 5000);
            uint8_t *d = (uint8_t *)lane_take(lf, n);
            if (d != NULL) {
                for (size_t i = 0; i < n; i++)
                    d[i] = (uint8_t)lane_pick(&lf->src, 256);
                b.ptr = n > 0 || lane_pick(&lf->src, 2) ? d : NULL;
                b.len = n;
            }
        }
        memcpy(p, &b, sizeof b);
        break;
    }
    case RP_SCHEMA_MESSAGE:
        if (depth < 8)
            lane_fill_message(lf, f->message, p, depth + 1);
        break;
    case RP_SCHEMA_FLOAT64: {
        double d = (double)(int64_t)lane_next(&lf->src) / 1024.0;
        memcpy(p, &d, sizeof d);
        break;
    }
    }
}

/* Fills msg (of description m), zeroed first. Repeated fields and maps are left empty. */
static inline void lane_fill_message(lane_fill *lf, const rp_schema_message *m, void *msg,
                                     unsigned depth)
{
    memset(msg, 0, m->size);
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        if (f->repeated || f->has_offset == SIZE_MAX)
            continue;
        bool on = f->required && lf->valid ? true : lane_pick(&lf->src, f->required ? 24 : 3) != 0;
        memcpy((char *)msg + f->has_offset, &on, sizeof on);
        if (f->nullable) {
            bool null = lane_pick(&lf->src, 4) == 0;
            memcpy((char *)msg + f->null_offset, &null, sizeof null);
        }
        if (on || lane_pick(&lf->src, 2))
            lane_fill_value(lf, f, (char *)msg + f->offset, depth);
    }
}

#endif /* LANE_FILL_H */
