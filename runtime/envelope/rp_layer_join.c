/* rp_layer_join: join(SEP, PART, ...), the outermost text layout: hex(iv), id(KEY) and one
 * payload joined by a separator. Splitting (rp_envelope.h, JOIN SPLITTING): left to right, a
 * fixed-length part (hex(iv): 32) is taken by length and must be followed by the separator,
 * another non-last part runs to the next separator, the last part is the rest. The payload
 * is returned as a view into the packet. Core only. */
#include "rp_layer.h"

#include <string.h>

#include "rp_codec.h"

/* First occurrence of the separator in t[from..len), or len. */
static size_t find_sep(const rp_layer_desc *l, const uint8_t *t, size_t from, size_t len)
{
    const uint8_t *s = (const uint8_t *)l->sep;
    size_t sl = l->sep_len;
    if (len < sl || from > len - sl) return len;
    if (sl == 1) {
        const uint8_t *c = memchr(t + from, s[0], len - from);
        return c == NULL ? len : (size_t)(c - t);
    }
    for (size_t i = from; i + sl <= len; i++) {
        const uint8_t *c = memchr(t + i, s[0], len - sl + 1 - i);
        if (c == NULL) return len;
        i = (size_t)(c - t);
        if (memcmp(t + i, s, sl) == 0) return i;
    }
    return len;
}

static size_t join_max(const rp_envelope_desc *env, const rp_layer_desc *l, size_t n,
                       size_t id_len)
{
    (void)env;
    size_t total = n;
    for (size_t i = 0; i < l->part_count; i++) {
        if (l->parts[i].kind == RP_JOIN_IV_HEX) total = rp_layer_add(total, RP_ENVELOPE_IV_HEX_LEN);
        if (l->parts[i].kind == RP_JOIN_ID) total = rp_layer_add(total, id_len);
        if (i > 0) total = rp_layer_add(total, l->sep_len);
    }
    return total;
}

static int bad(rp_error *why, size_t at, const char *what)
{
    return rp_error_set(why, RP_E_ENVELOPE, RP_LAYER_ENVELOPE, at, "join: %s (offset %zu)", what,
                        at);
}

static int join_open(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                     uint8_t *buf, size_t cap, const uint8_t **res, size_t *res_len,
                     rp_error *why)
{
    (void)buf;
    (void)cap;
    *res = NULL;
    *res_len = 0;
    if (l->sep == NULL || l->sep_len == 0 || l->parts == NULL)
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "join layer without separator or parts in the envelope table");
    const uint8_t *payload = NULL;
    size_t payload_len = 0, pos = 0, sl = l->sep_len;
    for (size_t i = 0; i < l->part_count; i++) {
        bool last = i + 1 == l->part_count;
        const rp_join_part *part = &l->parts[i];
        size_t end, next;
        if (part->kind == RP_JOIN_IV_HEX) {
            if (len - pos < RP_ENVELOPE_IV_HEX_LEN) return bad(why, len, "the text ends inside the 32-character IV");
            rp_error herr;
            if (rp_hex_decode((const char *)in + pos, RP_ENVELOPE_IV_HEX_LEN, run->iv,
                              sizeof run->iv, NULL, &herr) != RP_OK)
                return bad(why, pos + herr.offset, "the IV holds a character that is not hex");
            run->has_iv = true;
            end = pos + RP_ENVELOPE_IV_HEX_LEN;
            if (last) {
                if (end != len) return bad(why, end, "text after the IV");
                next = len;
            } else {
                if (len - end < sl || memcmp(in + end, l->sep, sl) != 0)
                    return bad(why, end, "no separator after the 32-character IV");
                next = end + sl;
            }
        } else {
            if (last) {
                end = next = len;
            } else {
                end = find_sep(l, in, pos, len);
                if (end == len) return bad(why, len, "a separator is missing");
                next = end + sl;
            }
            if (part->kind == RP_JOIN_ID) {
                if (end == pos) return bad(why, pos, "empty id");
                rp_layer_set_id(run, part->key, (const char *)in + pos, end - pos);
            } else {
                payload = in + pos;
                payload_len = end - pos;
            }
        }
        pos = next;
    }
    if (payload == NULL)
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "join layer without a payload part in the envelope table");
    *res = payload;
    *res_len = payload_len;
    return RP_OK;
}

/* Whether text t[0..len) followed by the separator holds the separator before len: t has
 * it, or ends with a start of it that the separator then completes ("a-" before "--"). The
 * receiver would split there, so such a non-last part cannot be sealed. */
static bool sep_starts_early(const rp_layer_desc *l, const uint8_t *t, size_t len)
{
    const uint8_t *s = (const uint8_t *)l->sep;
    size_t sl = l->sep_len;
    if (find_sep(l, t, 0, len) != len) return true;
    for (size_t k = 1; k < sl && k <= len; k++) /* t's last k bytes + the separator's first sl - k */
        if (memcmp(t + len - k, s, k) == 0 && memcmp(s + k, s, sl - k) == 0) return true;
    return false;
}

/* The id text of part `p` for sealing, checked. */
static int seal_id(rp_layer_run *run, const rp_layer_desc *l, const rp_join_part *p,
                   const char **id, size_t *id_len, rp_error *why)
{
    const rp_key_value *v = NULL;
    int rc = rp_layer_key(run, p->key, &v, why);
    if (rc != RP_OK) return rc;
    if (v->id == NULL || v->id_len == 0)
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "join: the id of key %u is empty", p->key);
    if (sep_starts_early(l, (const uint8_t *)v->id, v->id_len))
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "join: the id of key %u contains the separator (or ends with a "
                            "start of it)", p->key);
    *id = v->id;
    *id_len = v->id_len;
    return RP_OK;
}

static int join_around(rp_layer_run *run, const rp_layer_desc *l, size_t *prefix, size_t *suffix,
                       rp_error *why)
{
    size_t pre = 0, suf = 0;
    bool after = false;
    for (size_t i = 0; i < l->part_count; i++) {
        const rp_join_part *p = &l->parts[i];
        size_t n = 0;
        if (p->kind == RP_JOIN_PAYLOAD) {
            after = true;
            if (i > 0) pre = rp_layer_add(pre, l->sep_len);
            continue;
        }
        if (p->kind == RP_JOIN_IV_HEX) {
            n = RP_ENVELOPE_IV_HEX_LEN;
        } else {
            const char *id;
            int rc = seal_id(run, l, p, &id, &n, why);
            if (rc != RP_OK) return rc;
        }
        if (after)
            suf = rp_layer_add(suf, rp_layer_add(l->sep_len, n));
        else
            pre = rp_layer_add(pre, rp_layer_add(n, i > 0 ? l->sep_len : 0));
    }
    *prefix = run->join_prefix = pre;
    *suffix = run->join_suffix = suf;
    run->join_sized = true;
    return RP_OK;
}

/* Writes part p (not the payload) at dst. */
static int put_part(rp_layer_run *run, const rp_layer_desc *l, const rp_join_part *p,
                    uint8_t *dst, size_t *n, rp_error *why)
{
    if (p->kind == RP_JOIN_IV_HEX) {
        if (!run->has_iv)
            return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                                "join: hex(iv) in an envelope whose IV was not drawn");
        static const char digits[] = "0123456789abcdef";
        for (size_t k = 0; k < sizeof run->iv; k++) {
            dst[2 * k] = (uint8_t)digits[run->iv[k] >> 4];
            dst[2 * k + 1] = (uint8_t)digits[run->iv[k] & 15];
        }
        *n = RP_ENVELOPE_IV_HEX_LEN;
        return RP_OK;
    }
    const char *id;
    size_t id_len;
    int rc = seal_id(run, l, p, &id, &id_len, why);
    if (rc == RP_OK) memcpy(dst, id, id_len);
    *n = id_len;
    return rc;
}

static int join_seal(rp_layer_run *run, const rp_layer_desc *l, const uint8_t *in, size_t len,
                     uint8_t *dst, size_t cap, size_t *out_len, rp_error *why)
{
    size_t pre = run->join_prefix, suf = run->join_suffix;
    int rc = RP_OK;
    if (!run->join_sized) {
        rc = join_around(run, l, &pre, &suf, why);
        if (rc != RP_OK) return rc;
    }
    size_t total = rp_layer_add(rp_layer_add(pre, len), suf);
    if (total >= cap)
        return rp_error_set(why, RP_E_OVERFLOW, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "join: needs %zu bytes, buffer has %zu", rp_layer_add(total, 1), cap);
    bool payload_last = l->parts[l->part_count - 1].kind == RP_JOIN_PAYLOAD;
    if (!payload_last && sep_starts_early(l, in, len))
        return rp_error_set(why, RP_E_ARGUMENT, RP_LAYER_ENVELOPE, SIZE_MAX,
                            "join: the payload contains the separator (or ends with a start of "
                            "it) and is not the last part");
    if (in != dst + pre && len > 0) memmove(dst + pre, in, len);
    size_t o = 0;
    for (size_t i = 0; i < l->part_count; i++) {
        const rp_join_part *p = &l->parts[i];
        if (i > 0) {
            memcpy(dst + o, l->sep, l->sep_len);
            o += l->sep_len;
        }
        if (p->kind == RP_JOIN_PAYLOAD) {
            o += len;
            continue;
        }
        size_t n = 0;
        rc = put_part(run, l, p, dst + o, &n, why);
        if (rc != RP_OK) return rc;
        o += n;
    }
    dst[o] = '\0';
    *out_len = o;
    return RP_OK;
}

const rp_layer_ops rp_layer_join = {
    .name = "join",
    .shape = RP_SHAPE_JOIN,
    .flags = RP_LAYER_F_VIEW,
    .sealed_max = join_max,
    .open = join_open,
    .seal_around = join_around,
    .seal = join_seal,
};
