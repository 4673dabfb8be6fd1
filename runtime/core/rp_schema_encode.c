/* rp_schema_encode.c — the table encoder: validate the whole message (rp_schema_validate),
 * then write it, keys in spec order, only present fields. The fast lane in front of it
 * (rp_schema_fast.c) does both in one walk for messages that pass.
 */
#include "rp_schema.h"

#include <string.h>

#include "rp_codec.h"
#include "rp_json_internal.h"
#include "rp_schema_internal.h"

/* ---- encode --------------------------------------------------------------------------------- */

static void write_message(rp_json_writer *w, const rp_schema_message *m, const void *msg);

static void write_bytes(rp_json_writer *w, const rp_schema_field *f, rp_bytes b)
{
    if (f->type == RP_SCHEMA_HEX) {
        char *out = rp_json_write_string_reserve(w, b.len * 2u);
        if (out == NULL)
            return;
        for (size_t i = 0; i < b.len; i++)
            memcpy(out + 2 * i, rp_hex_pairs + 2 * b.ptr[i], 2);
        return;
    }
    size_t n = RP_BASE64_ENCODED_LEN(b.len);
    char *out = rp_json_write_string_reserve(w, n);
    if (out == NULL)
        return;
#if RP_SCHEMA_B64_PAIRS
    if (b.len <= (SIZE_MAX / 4u) * 3u - 3u) {
        rp_base64_encode_pairs(b.ptr, b.len, out);
        return;
    }
#endif
    /* rp_base64_encode NUL-terminates, which lands on the closing quote the writer already
     * placed at out[n]; put the quote back afterwards. The capacity n + 1 is exact. */
    if (rp_base64_encode(b.ptr, b.len, out, n + 1, NULL, NULL) < 0)
        memset(out, 'A', n); /* cannot happen: the size is exact; never leave garbage */
    out[n] = '"';
}

void rps_write_value(rp_json_writer *w, const rp_schema_field *f, const void *p)
{
    switch (f->type) {
    case RP_SCHEMA_BOOL: rp_json_write_bool(w, *(const bool *)p); break;
    case RP_SCHEMA_UINT: rp_json_write_u64(w, load_u(p, f->size)); break;
    case RP_SCHEMA_INT: rp_json_write_i64(w, load_i(p, f->size)); break;
    case RP_SCHEMA_STRING: {
        rp_str s;
        memcpy(&s, p, sizeof s);
        rp_json_write_string(w, s.ptr, s.len);
        break;
    }
    case RP_SCHEMA_HEX:
    case RP_SCHEMA_BASE64: {
        rp_bytes b;
        memcpy(&b, p, sizeof b);
        write_bytes(w, f, b);
        break;
    }
    case RP_SCHEMA_MESSAGE: write_message(w, f->message, p); break;
    case RP_SCHEMA_FLOAT64:
    case RP_SCHEMA_STRENUM:
        if (f->kind != NULL) /* validated: it is there */
            f->kind->write(w, f, p);
        break;
    }
}

static void write_field(rp_json_writer *w, const rp_schema_field *f, const void *msg)
{
    const char *base = (const char *)msg + f->offset;
    if (f->map != NULL) {
        f->map->write(w, f, msg);
        return;
    }
    if (f->repeated) {
        size_t n = get_count(msg, f);
        rp_json_write_array_begin(w);
        for (size_t i = 0; i < n; i++)
            rps_write_value(w, f, base + i * f->size);
        rp_json_write_array_end(w);
        return;
    }
    if (get_null(msg, f)) {
        rp_json_write_null(w);
        return;
    }
    rps_write_value(w, f, base);
}

static void write_message(rp_json_writer *w, const rp_schema_message *m, const void *msg)
{
    if (m->is_array) {
        write_field(w, &m->fields[0], msg);
        return;
    }
    rp_json_write_object_begin(w);
    for (size_t i = 0; i < m->field_count; i++) {
        const rp_schema_field *f = &m->fields[i];
        if (!get_has(msg, f) && !(f->repeated && get_count(msg, f) > 0))
            continue;
        write_member_key(w, f);
        write_field(w, f, msg);
    }
    rp_json_write_object_end(w);
}

int rp_schema_encode(const rp_schema_message *m, const void *msg, char *buf, size_t cap,
                     size_t *out_len, rp_error *err)
{
    if (out_len != NULL)
        *out_len = 0;
    if (m == NULL || msg == NULL || (buf == NULL && cap > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_SCHEMA, SIZE_MAX, "NULL argument");
    int rc = rp_schema_validate(m, msg, err);
    if (rc < 0)
        return rc;
    rp_json_writer w;
    rp_json_writer_init(&w, buf, cap);
    rp_json_writer_set_max_depth(&w, depth_of(m));
    write_message(&w, m, msg);
    return rp_json_writer_finish(&w, out_len, err);
}
