/* emit_jsonschema.c — see emit_jsonschema.h. */
#include "emit_jsonschema.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "regex.h"

/* ---- pieces of patterns ------------------------------------------------------------------- */

/* A character class of the bytes set in bits (printable ASCII), written with \xHH escapes
 * for everything but letters and digits, so it reads the same in ECMA-262 and Python. */
static void class_text(rp_strbuf *b, const uint8_t bits[32])
{
    rp_sb_putc(b, '[');
    for (unsigned c = 0; c < 128; c++) {
        if (!((bits[c >> 3] >> (c & 7u)) & 1u))
            continue;
        unsigned e = c;
        while (e + 1 < 128 && ((bits[(e + 1) >> 3] >> ((e + 1) & 7u)) & 1u))
            e++;
        for (int end = 0; end < 2; end++) {
            unsigned x = end ? e : c;
            if (end && e == c)
                break;
            if (end)
                rp_sb_putc(b, '-');
            if ((x >= '0' && x <= '9') || (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z'))
                rp_sb_putc(b, (char)x);
            else
                rp_sb_printf(b, "\\x%02X", x);
        }
        c = e;
    }
    rp_sb_putc(b, ']');
}

/* True when no string the DFA accepts can hold a byte >= 0x80. */
static bool pattern_ascii_only(const rp_regex *re)
{
    for (unsigned s = 1; s < re->states; s++)
        for (unsigned b = 0x80; b < 256; b++)
            if (re->next[s * re->classes + re->byte_class[b]] != 0)
                return false;
    return true;
}

/* ---- values ------------------------------------------------------------------------------- */

static void int_value(jo *j, rp_ast_int v)
{
    if (v.neg)
        jo_i64(j, rp_ast_int_as_i64(v));
    else
        jo_u64(j, v.mag);
}

static void description(jo *j, const char *doc, const char *since, const char *until)
{
    rp_strbuf d = { 0 };
    if (doc != NULL)
        rp_sb_puts(&d, doc);
    if (since != NULL || until != NULL) {
        if (d.len > 0)
            rp_sb_puts(&d, "\n");
        if (since != NULL && until != NULL)
            rp_sb_printf(&d, "Sent by versions %s to %s.", since, until);
        else if (since != NULL)
            rp_sb_printf(&d, "Sent since version %s.", since);
        else
            rp_sb_printf(&d, "Sent until version %s.", until);
    }
    if (d.len > 0)
        jo_kstr(j, "description", d.s);
    free(d.s);
}

/* Length keywords: exact (code points = bytes, ASCII text) or the widest code-point bounds
 * that refuse no string of that many UTF-8 bytes (1 to 4 bytes a code point). */
static void length_keywords(jo *j, const rp_ast_len *l, bool exact)
{
    if (l->set != NULL && exact) {
        /* one of several exact lengths: as alternatives */
        jo_key(j, "anyOf");
        jo_arr(j);
        for (size_t i = 0; i < l->set_count; i++) {
            jo_obj(j);
            jo_ku64(j, "minLength", l->set[i]);
            jo_ku64(j, "maxLength", l->set[i]);
            jo_end_obj(j);
        }
        jo_end_arr(j);
        return;
    }
    if (l->has_min && l->min > 0)
        jo_ku64(j, "minLength", exact ? l->min : (l->min + 3) / 4);
    if (l->has_max)
        jo_ku64(j, "maxLength", l->max);
}

/* The bounds of a string whose length rproto counts in UTF-8 bytes. ascii_only: the string
 * cannot hold anything else (a charset, an ASCII pattern), so code points are bytes.
 * Otherwise: exact for ASCII text (if/then), the widest bounds for the rest (else). */
static void string_length(jo *j, const rp_ast_len *l, bool ascii_only, rp_strbuf *comment)
{
    if (!l->present)
        return;
    if (ascii_only) {
        length_keywords(j, l, true);
        return;
    }
    if (l->set == NULL && (!l->has_min || l->min <= 1)) {
        /* the exact and the widest bounds are the same keywords: no if/then/else */
        length_keywords(j, l, true);
        rp_sb_puts(comment, "rproto counts the length in UTF-8 bytes, JSON Schema in code points: exact "
                            "for ASCII text; for other text the bounds are the widest that refuse no "
                            "valid string. ");
        return;
    }
    jo_key(j, "if");
    jo_obj(j);
    jo_kstr(j, "pattern", "^[\\x00-\\x7F]*$");
    jo_end_obj(j);
    jo_key(j, "then");
    jo_obj(j);
    length_keywords(j, l, true);
    jo_end_obj(j);
    jo_key(j, "else");
    jo_obj(j);
    length_keywords(j, l, false);
    jo_end_obj(j);
    rp_sb_puts(comment, "rproto counts the length in UTF-8 bytes, JSON Schema in code points: exact "
                        "for ASCII text; for other text these bounds are the widest that refuse no "
                        "valid string. ");
}

/* ---- one field's value -------------------------------------------------------------------- */

static void integer_schema(jo *j, const rp_ast_field *f, rp_strbuf *comment)
{
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    rp_ast_scalar k = rp_ast_type_int_kind(&f->type);
    jo_kstr(j, "type", "integer");
    if (ref != NULL && ref->kind == RP_DECL_ENUM) {
        jo_key(j, "enum");
        jo_arr(j);
        for (size_t i = 0; i < ref->u.enm.value_count; i++)
            int_value(j, ref->u.enm.values[i].value);
        jo_end_arr(j);
    } else if (ref != NULL && ref->kind == RP_DECL_FLAGS) {
        uint64_t mask = 0;
        unsigned bits = 0;
        for (size_t i = 0; i < ref->u.enm.value_count; i++) {
            mask |= ref->u.enm.values[i].value.mag;
            bits++;
        }
        jo_ku64(j, "minimum", 0);
        if ((mask & (mask + 1)) == 0) {
            jo_ku64(j, "maximum", mask); /* bits 0..n: every number up to the mask */
        } else if (bits <= 10) {
            jo_key(j, "enum"); /* every combination of the bits */
            jo_arr(j);
            for (uint64_t sub = 0;; sub = (sub - mask) & mask) {
                jo_u64(j, sub);
                if (sub == mask)
                    break;
            }
            jo_end_arr(j);
        } else {
            uint64_t top = mask;
            while (top & (top + 1))
                top |= top >> 1;
            jo_ku64(j, "maximum", top);
            rp_sb_printf(comment, "rproto also refuses the bits outside %" PRIu64 " below this maximum. ", mask);
        }
    }
    /* the type's bounds, narrowed by the range */
    rp_ast_int lo = rp_ast_scalar_min(k), hi = rp_ast_scalar_max(k);
    if (a->has_range && a->has_lo && rp_ast_int_cmp(a->lo, lo) > 0)
        lo = a->lo;
    if (a->has_range && a->has_hi && rp_ast_int_cmp(a->hi, hi) < 0)
        hi = a->hi;
    if (ref == NULL || ref->kind != RP_DECL_FLAGS) {
        jo_key(j, "minimum");
        int_value(j, lo);
        jo_key(j, "maximum");
        int_value(j, hi);
    }
    if (a->one_of_count > 0) {
        jo_key(j, "enum");
        jo_arr(j);
        for (size_t i = 0; i < a->one_of_count; i++)
            int_value(j, a->one_of[i]);
        jo_end_arr(j);
    }
}

static void string_schema(jo *j, const rp_ast_field *f, rp_strbuf *comment)
{
    const rp_ast_attrs *a = &f->attrs;
    jo_kstr(j, "type", "string");
    bool ascii = a->charset != NULL || (a->pattern_re != NULL && pattern_ascii_only(a->pattern_re));
    string_length(j, &a->len, ascii, comment);
    rp_strbuf cs = { 0 };
    if (a->charset != NULL) {
        rp_sb_puts(&cs, "^");
        class_text(&cs, a->charset->u.charset.allowed);
        rp_sb_puts(&cs, "*$");
    }
    if (cs.len > 0 && a->pattern_re != NULL) {
        jo_key(j, "allOf");
        jo_arr(j);
        jo_obj(j);
        jo_kstr(j, "pattern", cs.s);
        jo_end_obj(j);
        jo_obj(j);
        jo_kstr(j, "pattern", a->pattern_re->portable);
        jo_end_obj(j);
        jo_end_arr(j);
    } else if (cs.len > 0) {
        jo_kstr(j, "pattern", cs.s);
    } else if (a->pattern_re != NULL) {
        jo_kstr(j, "pattern", a->pattern_re->portable);
    }
    free(cs.s);
}

static void bytes_schema(jo *j, const rp_ast_field *f, rp_strbuf *comment)
{
    const rp_ast_len *l = &f->attrs.len;
    jo_kstr(j, "type", "string");
    if (f->attrs.encoding == RP_BYTES_HEX) {
        if (l->present && l->set != NULL) {
            rp_strbuf p = { 0 };
            rp_sb_puts(&p, "^(?:");
            for (size_t i = 0; i < l->set_count; i++)
                rp_sb_printf(&p, "%s[0-9A-Fa-f]{%" PRIu64 "}", i > 0 ? "|" : "", 2 * l->set[i]);
            rp_sb_puts(&p, ")$");
            jo_kstr(j, "pattern", p.s);
            free(p.s);
            return;
        }
        jo_kstr(j, "pattern", "^(?:[0-9A-Fa-f]{2})*$");
        if (l->present && l->has_min && l->min > 0)
            jo_ku64(j, "minLength", 2 * l->min);
        if (l->present && l->has_max)
            jo_ku64(j, "maxLength", 2 * l->max);
        return;
    }
    /* padded base64 with canonical padding bits, as strict rproto decodes it */
    jo_kstr(j, "pattern", "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$");
    if (!l->present)
        return;
    if (l->set != NULL) {
        jo_key(j, "anyOf");
        jo_arr(j);
        for (size_t i = 0; i < l->set_count; i++) {
            uint64_t n = l->set[i], chars = 4 * ((n + 2) / 3);
            rp_strbuf p = { 0 };
            /* exactly n bytes: the padding of the last group is fixed by n mod 3 */
            rp_sb_printf(&p, "^.{%" PRIu64 "}%s$", chars - (n % 3 == 0 ? 0 : 4),
                         n % 3 == 1 ? "[A-Za-z0-9+/]{2}==" : n % 3 == 2 ? "[A-Za-z0-9+/]{3}=" : "");
            jo_obj(j);
            jo_kstr(j, "pattern", p.s);
            jo_end_obj(j);
            free(p.s);
        }
        jo_end_arr(j);
        return;
    }
    if (l->has_min && l->min > 0)
        jo_ku64(j, "minLength", 4 * ((l->min + 2) / 3));
    if (l->has_max)
        jo_ku64(j, "maxLength", 4 * ((l->max + 2) / 3));
    if ((l->has_min && l->min % 3 != 0) || (l->has_max && l->max % 3 != 0))
        rp_sb_puts(comment, "The text length is bounded in whole base64 groups: up to 2 decoded bytes "
                            "beyond the spec's length bounds are not refused here. ");
}

/* The keywords of one value of f (an item of a repeated field, a map's value), written
 * into the object being written. */
static void value_keywords(jo *j, const rp_ast_field *f)
{
    const rp_ast_attrs *a = &f->attrs;
    const rp_ast_decl *ref = f->type.ref;
    rp_strbuf comment = { 0 };
    if (ref != NULL && ref->kind == RP_DECL_MESSAGE) {
        rp_strbuf r = { 0 };
        rp_sb_printf(&r, "#/$defs/%s", ref->name);
        jo_kstr(j, "$ref", r.s);
        free(r.s);
    } else if (rp_ast_decl_is_string_enum(ref)) {
        jo_kstr(j, "type", "string");
        jo_key(j, "enum");
        jo_arr(j);
        for (size_t i = 0; i < ref->u.enm.value_count; i++)
            jo_str(j, ref->u.enm.values[i].text);
        jo_end_arr(j);
    } else if (rp_ast_type_int_kind(&f->type) != RP_SCALAR_NONE) {
        integer_schema(j, f, &comment);
    } else {
        switch (f->type.scalar) {
        case RP_SCALAR_BOOL: jo_kstr(j, "type", "boolean"); break;
        case RP_SCALAR_FLOAT64:
            jo_kstr(j, "type", "number");
            if (a->has_range && a->has_lo) {
                jo_key(j, "minimum");
                jo_double(j, a->flo);
            }
            if (a->has_range && a->has_hi) {
                jo_key(j, "maximum");
                jo_double(j, a->fhi);
            }
            break;
        case RP_SCALAR_STRING: string_schema(j, f, &comment); break;
        case RP_SCALAR_BYTES: bytes_schema(j, f, &comment); break;
        default: break;
        }
    }
    const rp_ast_value *cv = &a->const_value;
    if (cv->kind != RP_VALUE_NONE) {
        jo_key(j, "const");
        if (cv->kind == RP_VALUE_STRING)
            jo_str(j, cv->str);
        else if (cv->kind == RP_VALUE_BOOL)
            jo_bool(j, cv->b);
        else if (cv->kind == RP_VALUE_ENUM && cv->enum_value != NULL && cv->enum_value->text != NULL)
            jo_str(j, cv->enum_value->text);
        else
            int_value(j, cv->i);
    }
    if (comment.len > 0) {
        comment.s[comment.len - 1] = '\0'; /* the trailing space */
        jo_kstr(j, "$comment", comment.s);
    }
    free(comment.s);
}

static void value_schema(jo *j, const rp_ast_field *f)
{
    jo_obj(j);
    value_keywords(j, f);
    jo_end_obj(j);
}

/* The schema of field f as a property (with its doc, default, list or map shape, null). */
static void field_schema(jo *j, const rp_ast_field *f)
{
    const rp_ast_attrs *a = &f->attrs;
    jo_obj(j);
    description(j, f->doc, a->since, a->until);
    const rp_ast_value *dv = &a->default_value;
    if (dv->kind != RP_VALUE_NONE) {
        jo_key(j, "default");
        if (dv->kind == RP_VALUE_STRING)
            jo_str(j, dv->str);
        else if (dv->kind == RP_VALUE_BOOL)
            jo_bool(j, dv->b);
        else if (dv->kind == RP_VALUE_FLOAT)
            jo_double(j, dv->f);
        else if (dv->kind == RP_VALUE_ENUM && dv->enum_value != NULL && dv->enum_value->text != NULL)
            jo_str(j, dv->enum_value->text);
        else
            int_value(j, dv->i);
    }
    if (a->nullable) {
        jo_key(j, "anyOf");
        jo_arr(j);
        value_schema(j, f);
        jo_obj(j);
        jo_kstr(j, "type", "null");
        jo_end_obj(j);
        jo_end_arr(j);
    } else if (f->type.is_map) {
        jo_kstr(j, "type", "object");
        if (a->count.has_min && a->count.min > 0)
            jo_ku64(j, "minProperties", a->count.min);
        if (a->count.has_max)
            jo_ku64(j, "maxProperties", a->count.max);
        if (a->key_len.present || a->key_charset != NULL) {
            rp_strbuf comment = { 0 };
            jo_key(j, "propertyNames");
            jo_obj(j);
            bool ascii = a->key_charset != NULL;
            string_length(j, &a->key_len, ascii, &comment);
            if (a->key_charset != NULL) {
                rp_strbuf cs = { 0 };
                rp_sb_puts(&cs, "^");
                class_text(&cs, a->key_charset->u.charset.allowed);
                rp_sb_puts(&cs, "*$");
                jo_kstr(j, "pattern", cs.s);
                free(cs.s);
            }
            if (comment.len > 0) {
                comment.s[comment.len - 1] = '\0';
                jo_kstr(j, "$comment", comment.s);
            }
            jo_end_obj(j);
            free(comment.s);
        }
        jo_key(j, "additionalProperties");
        value_schema(j, f);
    } else if (f->label == RP_LABEL_REPEATED) {
        jo_kstr(j, "type", "array");
        if (a->count.has_min && a->count.min > 0)
            jo_ku64(j, "minItems", a->count.min);
        if (a->count.has_max)
            jo_ku64(j, "maxItems", a->count.max);
        jo_key(j, "items");
        value_schema(j, f);
    } else {
        value_keywords(j, f);
    }
    jo_end_obj(j);
}

/* ---- declarations ----------------------------------------------------------------------------- */

static void message_schema(jo *j, const rp_ast_decl *d)
{
    jo_key(j, d->name);
    jo_obj(j);
    description(j, d->doc, NULL, NULL);
    if (d->kind == RP_DECL_ARRAY) {
        const rp_ast_len *l = &d->u.array.len;
        rp_strbuf r = { 0 };
        rp_sb_printf(&r, "#/$defs/%s", d->u.array.element.ref->name);
        jo_kstr(j, "type", "array");
        if (l->has_min && l->min > 0)
            jo_ku64(j, "minItems", l->min);
        if (l->has_max)
            jo_ku64(j, "maxItems", l->max);
        jo_key(j, "items");
        jo_obj(j);
        jo_kstr(j, "$ref", r.s);
        jo_end_obj(j);
        free(r.s);
        jo_end_obj(j);
        return;
    }
    const rp_ast_message *m = &d->u.message;
    jo_kstr(j, "type", "object");
    jo_key(j, "properties");
    jo_obj(j);
    for (size_t i = 0; i < m->field_count; i++) {
        jo_key(j, m->fields[i].wire_key);
        field_schema(j, &m->fields[i]);
    }
    jo_end_obj(j);
    size_t required = 0;
    for (size_t i = 0; i < m->field_count; i++)
        required += rp_ast_field_is_required(&m->fields[i]) ? 1 : 0;
    if (required > 0) {
        jo_key(j, "required");
        jo_arr(j);
        for (size_t i = 0; i < m->field_count; i++)
            if (rp_ast_field_is_required(&m->fields[i]))
                jo_str(j, m->fields[i].wire_key);
        jo_end_arr(j);
    }
    if (m->unknown_keys == RP_UNKNOWN_REJECT)
        jo_kraw(j, "additionalProperties", "false");
    jo_end_obj(j);
}

char *rp_emit_jsonschema(const rp_ast_spec *spec)
{
    rp_strbuf b = { 0 };
    jo j;
    jo_init(&j, &b);
    jo_obj(&j);
    jo_kstr(&j, "$schema", "https://json-schema.org/draft/2020-12/schema");
    rp_strbuf id = { 0 };
    rp_sb_printf(&id, "urn:rproto:%s", spec->protocol != NULL ? spec->protocol : "protocol");
    jo_kstr(&j, "$id", id.s);
    free(id.s);
    jo_kstr(&j, "title", spec->protocol != NULL ? spec->protocol : "protocol");
    rp_strbuf d = { 0 };
    if (spec->protocol_doc != NULL)
        rp_sb_printf(&d, "%s\n\n", spec->protocol_doc);
    rp_sb_puts(&d, "Generated by rprotoc --emit jsonschema. Every message is under $defs: validate "
                   "against {\"$ref\": \"#/$defs/NAME\"}. Strict mode (RFC 8259) of rproto; see "
                   "docs/language.md for what JSON Schema cannot express.");
    jo_kstr(&j, "description", d.s);
    free(d.s);
    jo_key(&j, "$defs");
    jo_obj(&j);
    for (size_t i = 0; i < spec->decl_count; i++) {
        const rp_ast_decl *decl = spec->decls[i];
        if (decl->kind == RP_DECL_MESSAGE || decl->kind == RP_DECL_ARRAY)
            message_schema(&j, decl);
    }
    jo_end_obj(&j);
    jo_end_obj(&j);
    rp_sb_putc(&b, '\n');
    return rp_sb_take(&b);
}
