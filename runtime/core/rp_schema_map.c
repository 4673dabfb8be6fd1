/* rp_schema_map.c — map fields (rp_schema_kind_map): a JSON object with free keys, held
 * like a repeated field whose items are (key, value) entries.
 *
 * Reached only through a map field's description (rp_schema_field.map), so a program whose
 * spec has no map does not link this file.
 */
#include "rp_schema.h"

#include <string.h>

#include "rp_json_internal.h"
#include "rp_schema_internal.h"

/* The key rules of a map field against one key (offset: of the key in the input). */
static int check_key(schema_ctx *cx, const rp_schema_field *f, rp_str key, size_t offset)
{
    int rc = 0;
    for (size_t i = 0; i < f->rule_count && rc == 0; i++) {
        const rp_schema_rule *r = &f->rules[i];
        if (r->kind == RP_RULE_KEY_LEN && !len_ok(r, key.len)) {
            rc = rps_problem(cx, RP_E_SCHEMA_LENGTH, offset, &r->loc, "expected a key of length %s, got %zu",
                             r->expect, key.len);
        } else if (r->kind == RP_RULE_KEY_CHARSET) {
            for (size_t k = 0; k < key.len; k++) {
                unsigned char c = (unsigned char)key.ptr[k];
                if (r->charset[c >> 3] & (1u << (c & 7u)))
                    continue;
                char shown[12];
                rps_show_char(shown, key.ptr, key.len, k);
                rc = rps_problem(cx, RP_E_SCHEMA_CHARSET, offset, &r->loc, "expected a key of %s, got %s at index %zu",
                                 r->expect, shown, k);
                break;
            }
        }
    }
    return rc;
}

/* Reads the JSON object of a map field: each key into the arena (unescaped), checked against
 * the key rules, each value like an item. A profile without duplicate_keys refuses a key twice;
 * with `last` the last value is kept, and a key whose last value reads as absent is absent;
 * with `first` the first is kept, whole, as for message keys. Entries past the capacity are
 * read and refused. */
static int read_map(schema_ctx *cx, const rp_schema_field *f, void *msg)
{
    rp_json_type t;
    int rc = rp_json_peek(&cx->sc, &t, json_err(cx));
    if (rc < 0)
        return rc;
    if (t != RP_JSON_OBJECT_BEGIN) {
        size_t at = peeked_at(cx);
        if ((rc = rp_json_skip_value(&cx->sc, json_err(cx))) < 0)
            return rc;
        if (t == RP_JSON_NULL && cx->null_absent)
            return 0;
        set_has(msg, f, true); /* there, of the wrong type: one problem, not also "missing" */
        return rps_problem(cx, RP_E_SCHEMA_TYPE, at, &f->loc, "expected an object (a map of %s%s%s), found %s",
                           f->type == RP_SCHEMA_MESSAGE ? f->message->name : "",
                           f->type == RP_SCHEMA_MESSAGE ? " objects" : "", rps_field_json_items(f),
                           rps_json_type_name(t));
    }
    if ((rc = rp_json_expect_object_begin(&cx->sc, json_err(cx))) < 0)
        return rc;
    size_t start = rp_json_value_offset(&cx->sc);
    size_t n = 0, dropped = 0; /* entries kept, keys past the capacity */
    /* Under duplicate_keys = first, entries [tail, max_count) hold the keys whose first value
     * read as absent, so that their later values are skipped; they share the capacity. */
    size_t tail = f->max_count;
    char *base = (char *)msg + f->offset;
    if (cx->storage == NULL)
        return rp_error_set(json_err(cx), RP_E_OVERFLOW, RP_LAYER_SCHEMA, start, "no storage given for map keys");
    for (;;) {
        rp_json_str key;
        bool done;
        if ((rc = rp_json_next_key(&cx->sc, &key, &done, json_err(cx))) < 0)
            return rc;
        if (done)
            break;
        rp_json_path_push_json_key(&cx->path, &key);
        size_t slot = n;
        for (size_t j = 0; j < n; j++) {
            rp_str other = *item_key(f, base, j);
            if (rp_json_str_eq(&key, other.ptr, other.len))
                slot = j;
        }
        for (size_t j = tail; j < f->max_count && slot == n; j++) {
            rp_str other = *item_key(f, base, j);
            if (rp_json_str_eq(&key, other.ptr, other.len))
                slot = j; /* seen, its first value read as absent */
        }
        if (slot != n && cx->duplicates == RP_DUPLICATES_FIRST) {
            rc = rp_json_skip_value(&cx->sc, json_err(cx)); /* the first occurrence stays */
        } else if (slot < n && cx->duplicates != RP_DUPLICATES_LAST) {
            rc = rps_problem(cx, RP_E_SCHEMA_DUPLICATE, key.offset, &f->loc, "map key appears twice");
            if (rc == 0)
                rc = rp_json_skip_value(&cx->sc, json_err(cx));
        } else if (slot == n && n >= tail) {
            dropped++;
            rc = rp_json_skip_value(&cx->sc, json_err(cx)); /* past the capacity: must be JSON */
        } else {
            rp_str k = *item_key(f, base, slot);
            if (slot == n) {
                size_t kn = rp_json_str_len(&key);
                void *mem;
                rc = rp_arena_alloc_err(cx->storage, kn + 1, 1, key.offset, &mem, json_err(cx));
                if (rc == 0)
                    rc = rp_json_unescape(&key, (char *)mem, kn + 1, &kn, json_err(cx));
                k.ptr = (const char *)mem;
                k.len = kn;
                if (rc == 0)
                    rc = check_key(cx, f, k, key.offset);
            }
            bool present = false;
            if (rc == 0)
                rc = rps_read_one(cx, f, item_value(f, base, slot), &present);
            if (rc == 0 && present && slot == n) {
                *item_key(f, base, n) = k;
                n++;
            } else if (rc == 0 && !present && slot < n) {
                /* a key's last value reads as absent: the key is absent (as for message keys) */
                memmove(base + slot * f->entry_size, base + (slot + 1) * f->entry_size,
                        (n - slot - 1) * f->entry_size);
                n--;
            } else if (rc == 0 && !present && cx->duplicates == RP_DUPLICATES_FIRST) {
                *item_key(f, base, --tail) = k; /* absent, and its later values are skipped */
            }
        }
        rp_json_path_pop(&cx->path);
        if (rc < 0)
            return rc;
    }
    *count_of(msg, f) = n;
    set_has(msg, f, true);
    if (dropped > 0) {
        const rp_schema_rule *cr = NULL;
        for (size_t i = 0; i < f->rule_count; i++)
            if (f->rules[i].kind == RP_RULE_COUNT)
                cr = &f->rules[i];
        return rps_problem(cx, RP_E_SCHEMA_LENGTH, start, cr != NULL ? &cr->loc : &f->loc,
                           "expected at most %zu entries, got %zu", f->max_count,
                           n + (f->max_count - tail) + dropped);
    }
    return rps_check_len_rules(cx, f, RP_RULE_COUNT, n, start, "entry count");
}

/* Entry i of a map field in a caller's struct: its key (text, valid UTF-8, not twice, the
 * key rules) and its value (the value rules), at the path of the key. */
static int check_entry(schema_ctx *cx, const rp_schema_field *f, const char *base, size_t i)
{
    rp_str key = *item_key(f, (char *)base, i);
    if (key.ptr == NULL && key.len > 0)
        return rps_problem(cx, RP_E_ARGUMENT, SIZE_MAX, &f->loc, "map key %zu has a length but no text", i);
    rp_error u;
    if (rp_json_check_utf8(key.ptr, key.len, 0, &u) < 0) /* at the map: such bytes are no path */
        return rps_problem(cx, RP_E_JSON_UTF8, SIZE_MAX, &f->loc, "map key %zu: %s", i, u.message);
    rp_json_path_push_key(&cx->path, key.ptr, key.len);
    int rc = 0;
    for (size_t j = 0; j < i && rc == 0; j++) {
        rp_str other = *item_key(f, (char *)base, j);
        if (other.len == key.len && (key.len == 0 || memcmp(other.ptr, key.ptr, key.len) == 0))
            rc = rps_problem(cx, RP_E_SCHEMA_DUPLICATE, SIZE_MAX, &f->loc, "map key appears twice");
    }
    if (rc == 0)
        rc = check_key(cx, f, key, SIZE_MAX);
    if (rc == 0)
        rc = rps_check_value(cx, f, item_value(f, (char *)base, i), SIZE_MAX);
    rp_json_path_pop(&cx->path);
    return rc;
}

static void write_map(rp_json_writer *w, const rp_schema_field *f, const void *msg)
{
    const char *base = (const char *)msg + f->offset;
    size_t n = get_count(msg, f);
    rp_json_write_object_begin(w);
    for (size_t i = 0; i < n; i++) {
        rp_str k = *item_key(f, (char *)base, i);
        rp_json_write_key(w, k.ptr, k.len);
        rps_write_value(w, f, item_value(f, (char *)base, i));
    }
    rp_json_write_object_end(w);
}

const rp_schema_map_kind rp_schema_kind_map = { read_map, check_entry, write_map };
