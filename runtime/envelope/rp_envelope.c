/* rp_envelope: the engine — shapes, the open and seal walks over an envelope's layers, keys
 * and buffers. It calls layers only through their rp_layer_ops, so it needs nothing but the
 * core (which layers a program links is decided by its tables). See rp_envelope.h. */
#include "rp_envelope.h"

#include <string.h>

#include "rp_codec.h"
#include "rp_layer.h"

/* ---- small helpers ------------------------------------------------------------------------ */

size_t rp_layer_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

bool rp_layer_is_space(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool rp_layer_is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool rp_layer_is_b64(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

void rp_layer_dst(const uint8_t *in, uint8_t *buf, size_t cap, uint8_t **dst, size_t *dst_cap)
{
    uintptr_t i = (uintptr_t)in, b = (uintptr_t)buf;
    if (buf != NULL && in != NULL && i >= b && i - b < cap) {
        *dst = buf + (i - b);
        *dst_cap = cap - (i - b);
    } else {
        *dst = buf;
        *dst_cap = cap;
    }
}

static bool inside(const uint8_t *p, const uint8_t *buf, size_t cap)
{
    uintptr_t i = (uintptr_t)p, b = (uintptr_t)buf;
    return buf != NULL && p != NULL && i >= b && i - b <= cap;
}

static unsigned lowest(uint32_t m)
{
#if defined(__GNUC__) || defined(__clang__)
    return m == 0 ? 31u : (unsigned)__builtin_ctz(m);
#else
    unsigned e = 0;
    while (e < 31 && !(m & (1u << e))) e++;
    return e;
#endif
}

static bool one_bit(uint32_t m)
{
    return m != 0 && (m & (m - 1)) == 0;
}

static const rp_envelope_desc *env_at(const rp_protocol *p, unsigned e)
{
    if (p == NULL || e >= p->envelope_count || e >= RP_ENVELOPE_MAX || p->envelopes == NULL)
        return NULL;
    const rp_envelope_desc *env = &p->envelopes[e];
    if (env->layers == NULL || env->layer_count == 0 || env->layer_count > RP_ENVELOPE_MAX_LAYERS)
        return NULL;
    return env;
}

static uint32_t valid_mask(const rp_protocol *p, uint32_t mask)
{
    size_t n = p == NULL ? 0 : p->envelope_count;
    uint32_t all = n >= 32 ? UINT32_MAX : ((uint32_t)1 << n) - 1;
    return mask & all;
}

uint32_t rp_protocol_envelopes(const rp_protocol *proto, unsigned port, unsigned from)
{
    uint32_t m = 0;
    if (proto == NULL || proto->routes == NULL) return 0;
    for (size_t i = 0; i < proto->route_count; i++)
        if (proto->routes[i].port == port && proto->routes[i].from == from)
            m |= proto->routes[i].envelopes;
    return valid_mask(proto, m);
}

bool rp_envelope_encrypts(const rp_protocol *proto, unsigned envelope)
{
    const rp_envelope_desc *env = env_at(proto, envelope);
    if (env == NULL) return false;
    for (size_t i = 0; i < env->layer_count; i++)
        if (env->layers[i].ops != NULL && (env->layers[i].ops->flags & RP_LAYER_F_ENCRYPTS))
            return true;
    return false;
}

/* The wipe of the envelope's first encrypting layer, or NULL (nothing secret to wipe). */
static void (*wipe_of(const rp_envelope_desc *env))(void *, size_t)
{
    for (size_t i = 0; i < env->layer_count; i++) {
        const rp_layer_ops *o = env->layers[i].ops;
        if (o != NULL && (o->flags & RP_LAYER_F_ENCRYPTS) && o->wipe != NULL) return o->wipe;
    }
    return NULL;
}

bool rp_layer_iv_in_join(const rp_envelope_desc *env)
{
    const rp_layer_desc *l = &env->layers[0];
    /* only a join has seal_around */
    if (l->ops == NULL || l->ops->seal_around == NULL || l->parts == NULL) return false;
    for (size_t i = 0; i < l->part_count; i++)
        if (l->parts[i].kind == RP_JOIN_IV_HEX) return true;
    return false;
}

/* ---- shapes ------------------------------------------------------------------------------- */

static bool shape_join(const rp_layer_desc *l, const uint8_t *t, size_t len)
{
    if (l->sep == NULL || l->sep_len == 0 || l->parts == NULL || l->part_count == 0) return false;
    const uint8_t *s = (const uint8_t *)l->sep;
    size_t sl = l->sep_len;
    /* the first occurrence of the separator */
    size_t at = len;
    for (size_t i = 0; i + sl <= len; i++) {
        const uint8_t *c = memchr(t + i, s[0], len - sl + 1 - i);
        if (c == NULL) break;
        i = (size_t)(c - t);
        if (memcmp(t + i, s, sl) == 0) {
            at = i;
            break;
        }
    }
    if (at == len) return false;
    if (l->parts[0].kind != RP_JOIN_IV_HEX)
        return true;
    /* A fixed hex(iv) first part: 32 hex digits, then the separator. The digits are what
     * tells a JSON text (which begins with '{' or '[') whose first separator happens to sit
     * at offset 32 from the join. */
    if (at != RP_ENVELOPE_IV_HEX_LEN || len <= RP_ENVELOPE_IV_HEX_LEN + sl)
        return false;
    for (size_t i = 0; i < RP_ENVELOPE_IV_HEX_LEN; i++)
        if (!rp_layer_is_hex(t[i]))
            return false;
    return true;
}

static bool shape_matches(const rp_layer_desc *l, const uint8_t *t, size_t len)
{
    switch (l->ops->shape) {
    case RP_SHAPE_JOIN:
        return shape_join(l, t, len);
    case RP_SHAPE_JSON: {
        size_t i = 0;
        while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
        return i < len && (t[i] == '{' || t[i] == '[');
    }
    case RP_SHAPE_HEX:
        if (len == 0) return false;
        for (size_t i = 0; i < len; i++)
            if (!rp_layer_is_hex(t[i]))
                return false;
        return true;
    case RP_SHAPE_BASE64: {
        size_t letters = 0;
        for (size_t i = 0; i < len; i++) {
            if (rp_layer_is_b64(t[i]))
                letters++;
            else if (t[i] != '=' && !rp_layer_is_space(t[i]))
                return false;
        }
        return letters > 0;
    }
    case RP_SHAPE_ANY:
        return true;
    }
    return false;
}

static bool same_layer(const rp_layer_desc *a, const rp_layer_desc *b)
{
    if (a->ops != b->ops || a->key != b->key || a->sep_len != b->sep_len ||
        a->part_count != b->part_count)
        return false;
    if (a->sep_len > 0 && memcmp(a->sep, b->sep, a->sep_len) != 0) return false;
    for (size_t i = 0; i < a->part_count; i++)
        if (a->parts[i].kind != b->parts[i].kind || a->parts[i].key != b->parts[i].key)
            return false;
    return true;
}

/* The candidates of `cand` whose layer at depth d has the first class (in priority order)
 * that the text matches. Each distinct layer is tested once, cheap classes first. */
static uint32_t filter(const rp_protocol *p, uint32_t cand, size_t d, const uint8_t *t,
                       size_t len)
{
    const rp_layer_desc *ls[RP_ENVELOPE_MAX];
    unsigned es[RP_ENVELOPE_MAX];
    size_t n = 0;
    for (uint32_t m = cand; m != 0; m &= m - 1) {
        unsigned e = lowest(m);
        const rp_envelope_desc *env = env_at(p, e);
        if (env == NULL || d >= env->layer_count || env->layers[d].ops == NULL) continue;
        ls[n] = &env->layers[d];
        es[n++] = e;
    }
    for (int shape = RP_SHAPE_JOIN; shape <= RP_SHAPE_ANY; shape++) {
        uint32_t keep = 0;
        const rp_layer_desc *tested = NULL;
        bool ok = false;
        for (size_t i = 0; i < n; i++) {
            if ((int)ls[i]->ops->shape != shape) continue;
            if (tested == NULL || !same_layer(ls[i], tested)) {
                ok = shape_matches(ls[i], t, len);
                tested = ls[i];
            }
            if (ok) keep |= 1u << es[i];
        }
        if (keep != 0) return keep;
    }
    return 0;
}

/* True when every candidate has the same layer at depth d. */
static bool share_layer(const rp_protocol *p, uint32_t cand, size_t d)
{
    const rp_envelope_desc *first = env_at(p, lowest(cand));
    for (uint32_t m = cand & (cand - 1); m != 0; m &= m - 1) {
        const rp_envelope_desc *env = env_at(p, lowest(m));
        if (env == NULL || first == NULL || d >= env->layer_count || d >= first->layer_count ||
            !same_layer(&env->layers[d], &first->layers[d]))
            return false;
    }
    return true;
}

uint32_t rp_envelope_classify(const rp_protocol *proto, uint32_t mask, const char *pkt,
                              size_t len)
{
    if (pkt == NULL) len = 0;
    return filter(proto, valid_mask(proto, mask), 0, (const uint8_t *)(pkt ? pkt : ""), len);
}

/* ---- keys --------------------------------------------------------------------------------- */

static void run_init(rp_layer_run *run, const rp_envelope_ctx *cx, rp_key_use use,
                     size_t out_cap)
{
    run->cx = cx;
    run->env = NULL;
    run->use = use;
    run->out_cap = out_cap;
    run->iv_in_join = false;
    run->has_iv = false;
    run->id = NULL;
    run->id_len = 0;
    run->id_key = 0;
    run->lookup_failed = false;
    run->join_sized = false;
    run->used_count = 0;
    run->looked = 0;
    run->has_id = 0;
}

void rp_layer_set_id(rp_layer_run *run, unsigned key, const char *id, size_t id_len)
{
    if (run->id == NULL) {
        run->id = id;
        run->id_len = id_len;
        run->id_key = key;
    }
    if (key < RP_ENVELOPE_MAX_KEYS && !(run->looked & (1u << key))) {
        run->slot[key].id = id;
        run->slot[key].id_len = id_len;
        run->has_id |= 1u << key;
    }
}

int rp_layer_key(rp_layer_run *run, unsigned key, const rp_key_value **value, rp_error *why)
{
    const rp_protocol *p = run->cx->proto;
    if (key >= RP_ENVELOPE_MAX_KEYS || key >= p->key_count || p->keys == NULL)
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope table names key %u, the protocol has %zu", key,
                            p->key_count);
    rp_layer_key_slot *s = &run->slot[key];
    if (!(run->looked & (1u << key))) {
        int n = 0;
        if (!(run->has_id & (1u << key))) {
            s->id = NULL;
            s->id_len = 0;
        }
        if (run->cx->keys != NULL)
            n = run->cx->keys(run->cx->keys_ctx, key, run->use, s->id, s->id_len, s->cand,
                              RP_ENVELOPE_MAX_CANDIDATES);
        if (n < 0) {
            run->lookup_failed = true;
            /* the code is the lookup's: rp_error_format names it after the message */
            return rp_error_set(why, (rp_status)n, RP_LAYER_ENVELOPE, SIZE_MAX,
                                "key lookup for \"%s\" failed", p->keys[key].name);
        }
        run->looked |= 1u << key;
        s->count = (uint8_t)(n > (int)RP_ENVELOPE_MAX_CANDIDATES ? (int)RP_ENVELOPE_MAX_CANDIDATES : n);
        s->pick = 0;
        run->used[run->used_count++] = (uint8_t)key;
    }
    if (s->count == 0)
        return rp_error_set(why, RP_E_DECRYPT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "no value of key \"%s\" is known%s", p->keys[key].name,
                            s->id != NULL ? " for the id in the packet" : "");
    *value = &s->cand[s->pick];
    return RP_OK;
}

/* Moves to the next combination of candidates over the keys used so far (the last used key
 * turns fastest). false when every combination was tried. */
static bool next_candidates(rp_layer_run *run)
{
    for (size_t i = run->used_count; i-- > 0;) {
        rp_layer_key_slot *s = &run->slot[run->used[i]];
        if (s->pick + 1u < s->count) {
            s->pick++;
            for (size_t k = i + 1; k < run->used_count; k++) run->slot[run->used[k]].pick = 0;
            return true;
        }
    }
    return false;
}

/* ---- errors ------------------------------------------------------------------------------- */

/* *dst = *src with the bytes after each string's NUL zero, as if src had been zeroed first. */
static void copy_error(rp_error *dst, const rp_error *src)
{
    if (dst == NULL) return;
    memset(dst, 0, sizeof *dst);
    dst->code = src->code;
    dst->layer = src->layer;
    dst->offset = src->offset;
    dst->spec = src->spec;
    const char *end = memchr(src->path, '\0', sizeof src->path - 1);
    memcpy(dst->path, src->path, end ? (size_t)(end - src->path) : sizeof src->path - 1);
    end = memchr(src->message, '\0', sizeof src->message - 1);
    memcpy(dst->message, src->message,
           end ? (size_t)(end - src->message) : sizeof src->message - 1);
}

static bool local_problem(int rc)
{
    return rc == RP_E_ARGUMENT || rc == RP_E_OVERFLOW || rc == RP_E_NOMEM || rc == RP_E_CRYPTO;
}

/* Reports an open failure: the real error where nothing encrypts or the problem is local,
 * else the uniform one (rp_envelope.h). */
static int report(int rc, bool encrypts, bool lookup_failed, const rp_error *why, rp_error *err,
                  rp_error *local_detail)
{
    if (!encrypts || local_problem(rc) || lookup_failed) {
        copy_error(err, why);
        if (local_detail != NULL) copy_error(local_detail, why);
        return rc;
    }
    copy_error(local_detail, why);
    return rp_error_set(err, RP_E_DECRYPT, RP_LAYER_ENVELOPE, SIZE_MAX, "%s",
                        RP_DECRYPT_PUBLIC_MESSAGE);
}

/* ---- open --------------------------------------------------------------------------------- */

typedef struct bufs {
    uint8_t *b[2];   /* 0: the caller's output, 1: the work buffer */
    size_t cap[2];
    size_t hw[2];    /* bytes from the start that may hold data of this call */
    bool secret[2];  /* it held plaintext-derived text that the result does not cover */
} bufs;

/* 1 + the index of the innermost encrypting layer, or 0: layers from that index inward
 * see plaintext. */
static size_t innermost_encrypting(const rp_envelope_desc *env)
{
    size_t k = 0;
    for (size_t i = 0; i < env->layer_count; i++)
        if (env->layers[i].ops->flags & RP_LAYER_F_ENCRYPTS) k = i + 1;
    return k;
}

static void touch(bufs *B, int k, const uint8_t *p, size_t n)
{
    if (k < 0 || p == NULL || n == 0) return;
    size_t end = (size_t)(p - B->b[k]) + n;
    if (end > B->cap[k]) end = B->cap[k];
    if (end > B->hw[k]) B->hw[k] = end;
}

/* Which buffer holds p (0, 1), or -1 (the packet, or none). A pointer strictly inside a
 * buffer wins over one at a buffer's end: a work buffer may start right where the output
 * ends (one allocation for both). */
static int holder(const bufs *B, const uint8_t *p)
{
    for (int k = 0; k < 2; k++)
        if (B->cap[k] > 0 && inside(p, B->b[k], B->cap[k] - 1)) return k;
    if (inside(p, B->b[0], B->cap[0])) return 0;
    if (inside(p, B->b[1], B->cap[1])) return 1;
    return -1;
}

/* The buffer the first writing layer of env should use so that the last one ends in the
 * caller's output: each writer that cannot work in place switches buffers. */
static int plan_first(const rp_envelope_desc *env, const bufs *B)
{
    int where = -1;
    for (size_t i = 0; i < env->layer_count; i++) {
        unsigned f = env->layers[i].ops->flags;
        if (f & RP_LAYER_F_VIEW) continue;
        if (where >= 0 && (f & RP_LAYER_F_IN_PLACE)) continue;
        where = where < 0 ? 0 : 1 - where;
    }
    return where == 1 && B->b[1] != NULL ? 1 : 0;
}

/* One pass over the layers with the current key candidates. cand: the envelopes still
 * possible (already filtered at depth 0). */
static int attempt(rp_layer_run *run, uint32_t cand, const uint8_t *pkt, size_t len, bufs *B,
                   unsigned *which, const uint8_t **res, size_t *res_len, rp_error *why)
{
    const rp_protocol *p = run->cx->proto;
    const uint8_t *t = pkt;
    size_t tl = len;
    unsigned e = lowest(cand);
    const rp_envelope_desc *env = env_at(p, e);
    int first = plan_first(env, B);
    int where = -1;
    size_t inner_enc = innermost_encrypting(env);
    int pending = -1; /* buffer of the last plaintext-derived write, until one follows it */
    run->env = env;
    run->iv_in_join = rp_layer_iv_in_join(env);
    run->has_iv = false;
    run->id = NULL;
    run->id_len = 0;
    for (size_t d = 0;; d++) {
        if (d > 0 && !one_bit(cand) && !share_layer(p, cand, d)) {
            cand = filter(p, cand, d, t, tl);
            if (cand == 0)
                return rp_error_set(why, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, SIZE_MAX,
                                    "the text inside layer %zu fits none of the envelopes", d);
            e = lowest(cand);
            env = env_at(p, e);
            /* Still several that differ here: the table is ambiguous (rprotoc refuses it)
             * and the lowest index wins. */
            if (!one_bit(cand) && !share_layer(p, cand, d)) cand = 1u << e;
            inner_enc = innermost_encrypting(env);
            run->env = env;
            run->iv_in_join = rp_layer_iv_in_join(env);
        }
        const rp_layer_desc *l = &env->layers[d];
        unsigned f = l->ops->flags;
        int target = where >= 0 ? ((f & RP_LAYER_F_IN_PLACE) ? where : 1 - where) : first;
        if (B->b[target] == NULL && !(f & RP_LAYER_F_VIEW))
            return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                                "envelope %s needs a work buffer (layer %s)", env->name,
                                l->ops->name);
        const uint8_t *r = NULL;
        size_t rl = 0;
        int rc = l->ops->open(run, l, t, tl, B->b[target], B->cap[target], &r, &rl, why);
        if (rc != RP_OK) {
            touch(B, holder(B, r), r, rl);
            return rc;
        }
        int h = holder(B, r);
        touch(B, h, r, rl);
        if (!(f & RP_LAYER_F_VIEW) && h >= 0) {
            if (pending >= 0) B->secret[pending] = true;
            pending = inner_enc > 0 && d + 1 >= inner_enc ? h : -1;
        }
        where = h;
        t = r;
        tl = rl;
        if (d + 1 == env->layer_count) break;
    }
    /* The result itself in the work buffer is moved to out: what stays behind is secret. */
    if (pending == 1 || (inner_enc > 0 && where == 1)) B->secret[1] = true;
    *which = e;
    *res = t;
    *res_len = tl;
    return RP_OK;
}

static void wipe_region(void (*wipe)(void *, size_t), uint8_t *p, size_t from, size_t to)
{
    if (wipe != NULL && p != NULL && to > from) wipe(p + from, to - from);
}

static int open_walk(const rp_envelope_ctx *cx, uint32_t cand, bool encrypts, const char *pkt,
                     size_t len, char *out, size_t out_cap, uint8_t *work, size_t work_cap,
                     rp_envelope_opened *res, rp_error *err, rp_error *local_detail)
{
    rp_layer_run run;
    run_init(&run, cx, RP_KEY_OPEN, out_cap);
    bufs B = { { (uint8_t *)out, work }, { out_cap, work != NULL ? work_cap : 0 }, { 0, 0 },
               { false, false } };
    /* The wipe of any encrypting envelope in the set (all built-in ones wipe alike). */
    void (*wipe)(void *, size_t) = NULL;
    for (uint32_t m = cand; m != 0 && wipe == NULL; m &= m - 1)
        wipe = wipe_of(env_at(cx->proto, lowest(m)));
    rp_error why, first_why;
    rp_error_clear(&why);
    bool have_first = false;
    unsigned which = 0;
    const uint8_t *t = NULL;
    size_t tl = 0;
    int rc;
    for (;;) {
        rc = attempt(&run, cand, (const uint8_t *)(pkt != NULL ? pkt : ""), len, &B, &which, &t,
                     &tl, &why);
        if (rc == RP_OK) break;
        if (!have_first) {
            first_why = why;
            have_first = true;
        }
        if (local_problem(rc) || run.lookup_failed || !next_candidates(&run)) break;
        rp_error_clear(&why);
    }
    if (rc == RP_OK) {
        /* The plaintext goes to out[0..tl) with a NUL. */
        if (tl + 1 > out_cap || out_cap == 0) {
            rc = rp_error_set(&why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                              "envelope open: the plaintext needs %zu bytes, the buffer has %zu",
                              tl + 1, out_cap);
            first_why = why;
            have_first = true;
        } else {
            if (t != (const uint8_t *)out && tl > 0) memmove(out, t, tl);
            out[tl] = '\0';
            touch(&B, 0, (const uint8_t *)out, tl + 1);
        }
    }
    if (rc != RP_OK) {
        wipe_region(wipe, B.b[0], 0, B.hw[0]);
        wipe_region(wipe, B.b[1], 0, B.hw[1]);
        if (res != NULL) memset(res, 0, sizeof *res);
        return report(rc, encrypts, run.lookup_failed, have_first ? &first_why : &why, err,
                      local_detail);
    }
    /* Success: plaintext-derived text the result does not cover is cleansed (not, e.g., the
     * AES padding after the plaintext, or ciphertext). */
    if (B.secret[0]) wipe_region(wipe, B.b[0], tl + 1, B.hw[0]);
    if (B.secret[1]) wipe_region(wipe, B.b[1], 0, B.hw[1]);
    if (res != NULL) {
        res->envelope = which;
        res->len = tl;
        res->id = run.id;
        res->id_len = run.id_len;
        res->id_key = run.id_key;
        memset(res->candidate, 0, sizeof res->candidate);
        for (size_t i = 0; i < run.used_count; i++)
            res->candidate[run.used[i]] = run.slot[run.used[i]].pick;
    }
    if (err != NULL) rp_error_clear(err);
    return RP_OK;
}

static int open_args(const rp_envelope_ctx *cx, const char *pkt, size_t len, char *out,
                     size_t out_cap, rp_error *err)
{
    if (cx == NULL || cx->proto == NULL || (pkt == NULL && len > 0) || out == NULL ||
        out_cap == 0)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope open: NULL context, protocol, packet or output");
    return RP_OK;
}

int rp_envelope_open(const rp_envelope_ctx *cx, unsigned envelope, const char *pkt, size_t len,
                     char *out, size_t out_cap, uint8_t *work, size_t work_cap,
                     rp_envelope_opened *res, rp_error *err, rp_error *local_detail)
{
    int rc = open_args(cx, pkt, len, out, out_cap, err);
    if (rc != RP_OK) return rc;
    if (env_at(cx->proto, envelope) == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope open: no envelope %u in protocol %s", envelope,
                            cx->proto->name);
    return open_walk(cx, 1u << envelope, rp_envelope_encrypts(cx->proto, envelope), pkt, len,
                     out, out_cap, work, work_cap, res, err, local_detail);
}

int rp_envelope_open_any(const rp_envelope_ctx *cx, uint32_t mask, const char *pkt, size_t len,
                         char *out, size_t out_cap, uint8_t *work, size_t work_cap,
                         rp_envelope_opened *res, rp_error *err, rp_error *local_detail)
{
    int rc = open_args(cx, pkt, len, out, out_cap, err);
    if (rc != RP_OK) return rc;
    uint32_t cand = rp_envelope_classify(cx->proto, mask, pkt, len);
    if (cand == 0) {
        if (res != NULL) memset(res, 0, sizeof *res);
        return rp_error_set(err, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, 0,
                            "the packet has the shape of none of the envelopes expected here");
    }
    bool encrypts = false;
    for (uint32_t m = cand; m != 0 && !encrypts; m &= m - 1)
        encrypts = rp_envelope_encrypts(cx->proto, lowest(m));
    return open_walk(cx, cand, encrypts, pkt, len, out, out_cap, work, work_cap, res, err,
                     local_detail);
}

/* ---- seal --------------------------------------------------------------------------------- */

size_t rp_envelope_sealed_max(const rp_protocol *proto, unsigned envelope, size_t plain_len,
                              size_t id_len)
{
    const rp_envelope_desc *env = env_at(proto, envelope);
    if (env == NULL) return 0;
    size_t n = plain_len;
    for (size_t i = env->layer_count; i-- > 0;) {
        const rp_layer_desc *l = &env->layers[i];
        if (l->ops == NULL || l->ops->sealed_max == NULL) return 0;
        n = l->ops->sealed_max(env, l, n, id_len);
        if (n == SIZE_MAX) return SIZE_MAX;
    }
    return rp_layer_add(n, 1);
}

static bool overlaps(const void *a, size_t al, const void *b, size_t bl)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return a != NULL && b != NULL && al > 0 && bl > 0 && x < y + bl && y < x + al;
}

int rp_envelope_seal(const rp_envelope_ctx *cx, unsigned envelope, const char *plain, size_t len,
                     char *out, size_t cap, uint8_t *work, size_t work_cap, size_t *out_len,
                     rp_error *err)
{
    if (out_len) *out_len = 0;
    if (cx == NULL || cx->proto == NULL || (plain == NULL && len > 0) || out == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope seal: NULL context, protocol, plaintext or output");
    const rp_envelope_desc *env = env_at(cx->proto, envelope);
    if (env == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope seal: no envelope %u in protocol %s", envelope,
                            cx->proto->name);
    if (work == NULL) work_cap = 0;
    if (overlaps(plain, len, out, cap) || overlaps(plain, len, work, work_cap))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope seal: the plaintext lies inside the output or work buffer");
    rp_layer_run run;
    run_init(&run, cx, RP_KEY_SEAL, cap);
    run.env = env;
    run.iv_in_join = rp_layer_iv_in_join(env);
    if (run.iv_in_join) {
        int r = cx->random == NULL ? RP_E_ARGUMENT : cx->random(cx->random_ctx, run.iv, 16);
        if (r != RP_OK)
            return rp_error_set(err, r < 0 ? (rp_status)r : RP_E_CRYPTO, RP_LAYER_ENVELOPE,
                                SIZE_MAX, "envelope seal: %s",
                                cx->random == NULL ? "no random source for the IV"
                                                   : "the random source failed");
        run.has_iv = true;
    }
    void (*wipe)(void *, size_t) = wipe_of(env);
    /* Layers inside the innermost encrypting one write text derived from the plaintext;
     * compression can make a later, outer writer shorter than them, so what they leave is
     * wiped after a successful seal too. */
    size_t inner_enc = 0;
    for (size_t i = 0; i < env->layer_count; i++)
        if (env->layers[i].ops->flags & RP_LAYER_F_ENCRYPTS) inner_enc = i + 1;
    bool secret_in[2] = { false, false };

    /* Where each layer writes, from the outside in: layer 0 at out; the payload of a join
     * inside the join's own output; every other writer in the other buffer than the layer
     * around it. */
    uint8_t *bufp[2] = { (uint8_t *)out, work };
    size_t bcap[2] = { cap, work_cap };
    int bsel[RP_ENVELOPE_MAX_LAYERS];
    size_t boff[RP_ENVELOPE_MAX_LAYERS], blim[RP_ENVELOPE_MAX_LAYERS];
    size_t hw[2] = { 0, 0 };
    rp_error why;
    rp_error_clear(&why);
    int rc = RP_OK;
    size_t n = env->layer_count;
    bsel[0] = 0;
    boff[0] = 0;
    blim[0] = cap;
    for (size_t i = 1; i < n && rc == RP_OK; i++) {
        const rp_layer_desc *outer = &env->layers[i - 1];
        if (outer->ops->seal_around != NULL) {
            size_t pre = 0, suf = 0;
            rc = outer->ops->seal_around(&run, outer, &pre, &suf, &why);
            bsel[i] = bsel[i - 1];
            boff[i] = boff[i - 1] + pre;
            size_t used = rp_layer_add(pre, suf);
            blim[i] = blim[i - 1] > used ? blim[i - 1] - used : 0;
        } else {
            bsel[i] = 1 - bsel[i - 1];
            boff[i] = 0;
            blim[i] = bcap[bsel[i]];
        }
    }
    /* Innermost first: json is the plaintext itself. */
    const uint8_t *t = (const uint8_t *)(plain != NULL ? plain : "");
    size_t tl = len;
    for (size_t i = n; rc == RP_OK && i-- > 0;) {
        const rp_layer_desc *l = &env->layers[i];
        if (l->ops->seal == NULL) continue; /* json: the text as it is */
        uint8_t *dst = bufp[bsel[i]];
        if (dst == NULL) {
            rc = rp_error_set(&why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                              "envelope %s needs a work buffer to seal (layer %s)", env->name,
                              l->ops->name);
            break;
        }
        if (boff[i] > bcap[bsel[i]]) {
            rc = rp_error_set(&why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                              "envelope seal: the output buffer of %zu bytes is too small", cap);
            break;
        }
        dst += boff[i];
        size_t w = 0;
        rc = l->ops->seal(&run, l, t, tl, dst, blim[i], &w, &why);
        size_t reach = boff[i] + (rc == RP_OK ? w + 1 : blim[i]);
        if (reach > bcap[bsel[i]]) reach = bcap[bsel[i]];
        if (reach > hw[bsel[i]]) hw[bsel[i]] = reach;
        if (inner_enc > 0 && i >= inner_enc) secret_in[bsel[i]] = true;
        if (rc != RP_OK) break;
        t = dst;
        tl = w;
    }
    if (rc == RP_OK && t != (const uint8_t *)out) {
        /* json alone: the packet is the text */
        if (tl + 1 > cap) {
            rc = rp_error_set(&why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                              "envelope seal: needs %zu bytes, buffer has %zu", tl + 1, cap);
        } else {
            memmove(out, t, tl);
        }
    }
    if (rc != RP_OK) {
        wipe_region(wipe, bufp[0], 0, hw[0]);
        wipe_region(wipe, bufp[1], 0, hw[1]);
        copy_error(err, &why);
        return rc;
    }
    if (tl + 1 > cap) {
        wipe_region(wipe, bufp[0], 0, hw[0]);
        wipe_region(wipe, bufp[1], 0, hw[1]);
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "envelope seal: needs %zu bytes, buffer has %zu", tl + 1, cap);
    }
    out[tl] = '\0';
    if (secret_in[0]) wipe_region(wipe, bufp[0], tl + 1, hw[0]);
    if (secret_in[1]) wipe_region(wipe, bufp[1], 0, hw[1]);
    if (out_len) *out_len = tl;
    if (err != NULL) rp_error_clear(err);
    return RP_OK;
}
