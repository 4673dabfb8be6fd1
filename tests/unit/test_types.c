/* test_types: the type system of issue 15 through generated code (the committed golden pair
 * of tests/specs/valid/all-constructs.rproto, messages Shape and Label): string enums,
 * float64 (exact reading, shortest round-trip writing, ranges, defaults), nullable fields,
 * maps (keys, key rules, counts, duplicates, nested values), patterns, a required
 * non-empty list, string discriminators in decode_any, and the locale-independent float
 * text of rp_json_float.
 */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../golden/emit/every.c"
#include "rp_json_float.h"

static every_any g_any;
static uint8_t g_mem[1 << 16];
static char g_out[1 << 16];

#define SHAPE_HEAD "{\"item\":\"shape\",\"color\":\"red\",\"x\":0,\"name\":\"a\",\"parent\":null,\"tags\":[1]"

static int decode_shape(const char *json, const rp_schema_profile *profile, rp_error *err)
{
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    return every_shape_decode(json, strlen(json), &g_any.u.shape, &a, profile, err);
}

static const char *encode_shape(const every_shape *s)
{
    size_t n;
    rp_error err;
    int rc = every_shape_encode(s, g_out, sizeof g_out, &n, &err);
    ck_assert_msg(rc == 0, "encode: %s at %s", err.message, err.path);
    return g_out;
}

/* duplicate_keys = first: the first occurrence of a key is kept whole, as a parser whose
 * lookup returns the first member sees it; later ones are skipped (still JSON), except that a
 * const is checked at each. A first value that reads as absent keeps the field absent. */
START_TEST(test_duplicate_key_keeps_the_first)
{
    rp_error err;
    every_shape *s = &g_any.u.shape;
    rp_schema_profile first = every_profile_lenient;
    first.duplicate_keys = RP_DUPLICATES_FIRST;
    const rp_schema_profile *p = &first;
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"scale\":2,\"scale\":\"3\",\"scale\":1e9}", p, &err), 0);
    ck_assert(s->has_scale && s->scale == 2);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"scale\":\"3\",\"scale\":2}", p, &err), 0);
    ck_assert(!s->has_scale && s->scale == 1.5); /* absent, with its default */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":null,\"any\":5}", p, &err), 0);
    ck_assert(!s->has_any && s->any == 0);
    /* a nullable field: a first null stays, and so does a first string */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"note\":null,\"note\":\"hi\"}", p, &err), 0);
    ck_assert(s->has_note && s->is_null_note);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"note\":\"hi\",\"note\":null}", p, &err), 0);
    ck_assert(s->has_note && !s->is_null_note && s->note.len == 2);
    /* a nested message (SHAPE_HEAD has "parent":null first): later objects are not read,
     * not even against Inner's rules */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"parent\":{\"on\":true,\"zz\":1}}", p, &err), 0);
    ck_assert(s->has_parent && s->is_null_parent);
    /* a list: SHAPE_HEAD's [1] stays */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"tags\":[5,6]}", p, &err), 0);
    ck_assert_uint_eq(s->tags_count, 1);
    ck_assert_uint_eq(s->tags[0], 1);
    /* a map as a whole, and its keys: a key's first value wins, one that reads as absent
     * leaves the key out, and a later value of either is skipped */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1},\"counts\":null}", p, &err), 0);
    ck_assert(s->has_counts && s->counts_count == 1);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1,\"b\":\"x\",\"c\":3,\"b\":2,\"a\":9,\"\\u0063\":0}}",
                                  p, &err), 0);
    ck_assert_uint_eq(s->counts_count, 2);
    ck_assert_str_eq(s->counts[0].key.ptr, "a");
    ck_assert_uint_eq(s->counts[0].value, 1);
    ck_assert_str_eq(s->counts[1].key.ptr, "c");
    ck_assert_uint_eq(s->counts[1].value, 3);
    /* the capacity (8) is shared by the keys kept and the keys left out */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":null,\"b\":null,\"c\":null,\"d\":null,"
                                  "\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"i\":1}}", p, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.message, "expected at most 8 entries, got 9");
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":null,\"b\":null,\"c\":null,\"d\":null,"
                                  "\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"a\":2}}", p, &err), 0);
    ck_assert_uint_eq(s->counts_count, 4);
    ck_assert_str_eq(s->counts[3].key.ptr, "h");
    /* a later value must still be JSON, and a const holds at every occurrence */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"scale\":2,\"scale\":[}", p, &err), RP_E_JSON_SYNTAX);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"item\":\"label\"}", p, &err), RP_E_SCHEMA_CONST);
    ck_assert_str_eq(err.path, "$.item");
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"item\":\"shape\"}", p, &err), 0);
}
END_TEST

/* duplicate_keys = last: a later occurrence of a key replaces its field whole, so one that
 * reads as absent (a string number, a null) leaves the field absent, with its default, as a
 * parser that keeps the last key and then reads it would see. */
START_TEST(test_duplicate_key_replaces_the_field)
{
    rp_error err;
    every_shape *s = &g_any.u.shape;
    const rp_schema_profile *p = &every_profile_lenient;
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"scale\":2,\"scale\":\"3\"}", p, &err), 0);
    ck_assert(!s->has_scale);
    ck_assert(s->scale == 1.5); /* the default again */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":5,\"any\":null}", p, &err), 0);
    ck_assert(!s->has_any && s->any == 0);
    /* a nullable field: null is a value, and a later string clears the null flag */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"note\":\"hi\",\"note\":null}", p, &err), 0);
    ck_assert(s->has_note && s->is_null_note);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"note\":null,\"note\":\"hi\"}", p, &err), 0);
    ck_assert(s->has_note && !s->is_null_note && s->note.len == 2);
    /* a nested message: none of the earlier object's members survive (SHAPE_HEAD has
     * "parent":null first, then two objects) */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"parent\":{\"on\":true,\"name\":\"xy\"},\"parent\":{\"on\":false}}",
                                  p, &err), 0);
    ck_assert(s->has_parent && !s->is_null_parent && !s->parent.on_off);
    ck_assert(!s->parent.has_name);
    ck_assert_str_eq(s->parent.name.ptr, "abc");
    /* a list: replaced, and a last null makes the required list absent */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"tags\":[5,6]}", p, &err), 0);
    ck_assert_uint_eq(s->tags_count, 2);
    ck_assert_uint_eq(s->tags[1], 6);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"tags\":null}", p, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.tags");
    /* a map: as a whole, and a key whose last value reads as absent is absent */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1},\"counts\":null}", p, &err), 0);
    ck_assert(!s->has_counts && s->counts_count == 0);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1,\"b\":2,\"c\":3,\"b\":\"x\"}}", p, &err), 0);
    ck_assert_uint_eq(s->counts_count, 2);
    ck_assert_str_eq(s->counts[0].key.ptr, "a");
    ck_assert_str_eq(s->counts[1].key.ptr, "c");
    ck_assert_uint_eq(s->counts[1].value, 3);
    /* a key given again is no new entry: eight keys and a repeat fit a map of eight */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1,"
                                  "\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"a\":2}}", p, &err), 0);
    ck_assert_uint_eq(s->counts_count, 8);
    ck_assert_uint_eq(s->counts[0].value, 2);
}
END_TEST

START_TEST(test_shape_round_trip)
{
    rp_error err;
    const char *text = "{\"item\":\"shape\",\"color\":\"dark-blue\",\"fill\":\"red\",\"x\":-12.5,\"scale\":0.1,"
                       "\"any\":1e+300,\"name\":\"node_7\",\"note\":\"hi\",\"parent\":{\"on\":true},"
                       "\"counts\":{\"a\":1,\"b-2\":65535},\"kids\":{\"k\":{\"on\":false,\"name\":\"z\"}},"
                       "\"tags\":[1,2]}";
    ck_assert_int_eq(decode_shape(text, NULL, &err), 0);
    every_shape *s = &g_any.u.shape;
    ck_assert_int_eq(s->item, EVERY_ITEM_SHAPE);
    ck_assert_int_eq(s->color, EVERY_COLOR_DARK_BLUE);
    ck_assert_int_eq(s->fill, EVERY_COLOR_RED);
    ck_assert(s->x == -12.5 && s->scale == 0.1 && s->any == 1e300);
    ck_assert(s->has_note && !s->is_null_note);
    ck_assert(s->has_parent && !s->is_null_parent && s->parent.on_off);
    ck_assert_uint_eq(s->counts_count, 2);
    ck_assert_str_eq(s->counts[1].key.ptr, "b-2");
    ck_assert_uint_eq(s->counts[1].value, 65535);
    ck_assert_uint_eq(s->kids_count, 1);
    ck_assert_str_eq(s->kids[0].value.name.ptr, "z");
    ck_assert_uint_eq(s->tags_count, 2);
    /* written back byte for byte: keys in spec order, floats in their shortest text */
    ck_assert_str_eq(encode_shape(s), text);
}
END_TEST

START_TEST(test_defaults_and_init)
{
    every_shape s;
    every_shape_init(&s);
    ck_assert(s.has_item && s.item == EVERY_ITEM_SHAPE); /* the const */
    ck_assert(!s.has_fill && s.fill == EVERY_COLOR_GREEN);
    ck_assert(!s.has_scale && s.scale == 1.5);
    ck_assert(s.color == 0); /* 0 is no value of a string enum */
    /* a required string enum left at 0 is refused */
    rp_error err;
    s.has_color = s.has_x = s.has_name = s.has_parent = s.has_tags = true;
    s.name.ptr = "a";
    s.name.len = 1;
    s.is_null_parent = true;
    s.tags_count = 1;
    ck_assert_int_eq(every_shape_validate(&s, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.color");
    s.color = EVERY_COLOR_GREEN;
    ck_assert_str_eq(encode_shape(&s),
                     "{\"item\":\"shape\",\"color\":\"green\",\"x\":0,\"name\":\"a\",\"parent\":null,\"tags\":[0]}");
}
END_TEST

START_TEST(test_float64)
{
    rp_error err;
    /* any JSON number, read exactly (correctly rounded), written back shortest */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":0.30000000000000004}", NULL, &err), 0);
    ck_assert(g_any.u.shape.any == 0.1 + 0.2);
    ck_assert_ptr_nonnull(strstr(encode_shape(&g_any.u.shape), "\"any\":0.30000000000000004"));
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":-0}", NULL, &err), 0);
    ck_assert(signbit(g_any.u.shape.any));
    ck_assert_ptr_nonnull(strstr(encode_shape(&g_any.u.shape), "\"any\":-0"));
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":5e-324}", NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(encode_shape(&g_any.u.shape), "\"any\":5e-324"));
    /* beyond a double: a schema problem with the field's spec location */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":1e309}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.any");
    ck_assert_str_eq(err.message, "1e309 does not fit a float64 (beyond 1.7976931348623157e308)");
    ck_assert_uint_ne(err.spec.line, 0);
    /* ranges with float and integer bounds */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"scale\":0.0009}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.message, "expected a value in 0.001..1000, got 0.0009");
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"scale\":1000}", NULL, &err), 0);
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":\"red\",\"x\":-1000.5,\"name\":\"a\","
                                  "\"parent\":null,\"tags\":[1]}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.message, "expected a value in -1000..1000, got -1000.5");
    /* not a number */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":\"1\"}", NULL, &err), RP_E_SCHEMA_TYPE);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":\"1\"}", &every_profile_lenient, &err), 0); /* absent */
    ck_assert(!g_any.u.shape.has_any);
    /* NaN and infinities cannot be encoded */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD "}", NULL, &err), 0);
    g_any.u.shape.has_any = true;
    g_any.u.shape.any = INFINITY;
    ck_assert_int_eq(every_shape_encode(&g_any.u.shape, g_out, sizeof g_out, NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.message, "expected a finite number, got an infinity");
}
END_TEST

START_TEST(test_string_enums)
{
    rp_error err;
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":\"blue\",\"x\":0,\"name\":\"a\",\"parent\":null,"
                                  "\"tags\":[1]}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.message, "expected a Color value (\"red\", \"green\", \"dark-blue\"), got \"blue\"");
    ck_assert_str_eq(err.path, "$.color");
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":1,\"x\":0,\"name\":\"a\",\"parent\":null,"
                                  "\"tags\":[1]}", NULL, &err), RP_E_SCHEMA_TYPE);
    /* escapes in the text are read as their characters */
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":\"r\\u0065d\",\"x\":0,\"name\":\"a\",\"parent\":null,"
                                  "\"tags\":[1]}", NULL, &err), 0);
    ck_assert_int_eq(g_any.u.shape.color, EVERY_COLOR_RED);
    /* the const */
    ck_assert_int_eq(decode_shape("{\"item\":\"label\",\"color\":\"red\",\"x\":0,\"name\":\"a\",\"parent\":null,"
                                  "\"tags\":[1]}", NULL, &err), RP_E_SCHEMA_CONST);
    ck_assert_str_eq(err.message, "expected SHAPE (\"shape\"), got \"label\"");
}
END_TEST

START_TEST(test_nullable)
{
    rp_error err;
    /* null is a value, distinct from absent, for a required and an optional field */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"note\":null}", NULL, &err), 0);
    ck_assert(g_any.u.shape.has_note && g_any.u.shape.is_null_note);
    ck_assert(g_any.u.shape.has_parent && g_any.u.shape.is_null_parent);
    ck_assert_ptr_nonnull(strstr(encode_shape(&g_any.u.shape), "\"name\":\"a\",\"note\":null,\"parent\":null,"));
    ck_assert_int_eq(decode_shape(SHAPE_HEAD "}", NULL, &err), 0);
    ck_assert(!g_any.u.shape.has_note && !g_any.u.shape.is_null_note);
    /* a required nullable field still needs its key */
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":\"red\",\"x\":0,\"name\":\"a\",\"tags\":[1]}",
                                  NULL, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.parent");
    /* null where the field is not nullable: strict refuses, wire takes it as absent */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":null}", NULL, &err), RP_E_SCHEMA_TYPE);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"any\":null}", &every_profile_lenient, &err), 0);
    ck_assert(!g_any.u.shape.has_any);
    /* in wire mode too, null is a value of a nullable field */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"note\":null}", &every_profile_lenient, &err), 0);
    ck_assert(g_any.u.shape.has_note && g_any.u.shape.is_null_note);
    /* rules apply to values, not to null */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"note\":\"" "0123456789012345678901234567890123456789"
                                  "0123456789012345678901234\"}", NULL, &err), RP_E_SCHEMA_LENGTH);
}
END_TEST

START_TEST(test_maps)
{
    rp_error err;
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{}}", NULL, &err), 0);
    ck_assert(g_any.u.shape.has_counts && g_any.u.shape.counts_count == 0);
    ck_assert_ptr_nonnull(strstr(encode_shape(&g_any.u.shape), "\"counts\":{}"));
    /* key rules, with the key in the path */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a b\":1}}", NULL, &err),
                     RP_E_SCHEMA_CHARSET);
    ck_assert_str_eq(err.path, "$.counts[\"a b\"]");
    ck_assert_msg(strstr(err.message, "expected a key of characters of charset ident") != NULL, "%s", err.message);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"\":1}}", NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.message, "expected a key of length 1..16, got 0");
    /* value rules */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":0}}", NULL, &err), RP_E_SCHEMA_RANGE);
    ck_assert_str_eq(err.path, "$.counts.a");
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":70000}}", NULL, &err), RP_E_SCHEMA_RANGE);
    /* a key twice: strict refuses, wire keeps the last */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1,\"a\":2}}", NULL, &err),
                     RP_E_SCHEMA_DUPLICATE);
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1,\"\\u0061\":2}}", &every_profile_lenient, &err), 0);
    ck_assert_uint_eq(g_any.u.shape.counts_count, 1);
    ck_assert_uint_eq(g_any.u.shape.counts[0].value, 2);
    /* the count */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"kids\":{\"a\":{\"on\":true},\"b\":{\"on\":true},\"c\":{\"on\":true}}}",
                                  NULL, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.message, "expected at most 2 entries, got 3");
    /* not an object */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":[1]}", NULL, &err), RP_E_SCHEMA_TYPE);
    /* nested message values keep their own rules (Inner rejects unknown keys) */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"kids\":{\"a\":{\"on\":true,\"zz\":1}}}", NULL, &err),
                     RP_E_SCHEMA_UNKNOWN);
    ck_assert_str_eq(err.path, "$.kids.a.zz");
    /* validate refuses what decode would: a duplicate key put in by hand */
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"a\":1,\"b\":2}}", NULL, &err), 0);
    g_any.u.shape.counts[1].key = g_any.u.shape.counts[0].key;
    ck_assert_int_eq(every_shape_validate(&g_any.u.shape, &err), RP_E_SCHEMA_DUPLICATE);
    /* a key that is not UTF-8, put in by hand: reported at the map, as decode does, and its
     * bytes are not copied into the path */
    g_any.u.shape.counts[1].key = (rp_str){ "k\xff", 2 };
    ck_assert_int_eq(every_shape_validate(&g_any.u.shape, &err), RP_E_JSON_UTF8);
    ck_assert_str_eq(err.path, "$.counts");
    ck_assert_msg(strncmp(err.message, "map key 1: ", 11) == 0, "%s", err.message);
    ck_assert_ptr_null(strchr(err.message, '\xff'));
    ck_assert_ptr_null(strchr(err.path, '\xff'));
    ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"k\xff\":1}}", NULL, &err), RP_E_JSON_UTF8);
    ck_assert_str_eq(err.path, "$.counts");
}
END_TEST

START_TEST(test_patterns_and_lists)
{
    rp_error err;
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":\"red\",\"x\":0,\"name\":\"9lives\",\"parent\":null,"
                                  "\"tags\":[1]}", NULL, &err), RP_E_SCHEMA_PATTERN);
    ck_assert_str_eq(err.message, "expected a match of pattern \"^[a-z][a-z0-9_]{0,15}$\"");
    ck_assert_str_eq(err.path, "$.name");
    ck_assert_uint_ne(err.spec.line, 0);
    /* a required non-empty list: absent and empty both fail */
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":\"red\",\"x\":0,\"name\":\"a\",\"parent\":null}",
                                  NULL, &err), RP_E_SCHEMA_MISSING);
    ck_assert_str_eq(err.path, "$.tags");
    ck_assert_int_eq(decode_shape("{\"item\":\"shape\",\"color\":\"red\",\"x\":0,\"name\":\"a\",\"parent\":null,"
                                  "\"tags\":[]}", NULL, &err), RP_E_SCHEMA_LENGTH);
    /* map values with a pattern (Label.text) */
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    const char *ok = "{\"item\":\"label\",\"text\":{\"en\":\"hello\",\"fr\":\"\\u00e9t\\u00e9\"}}";
    ck_assert_int_eq(every_label_decode(ok, strlen(ok), &g_any.u.label, &a, NULL, &err), 0);
    ck_assert_str_eq(g_any.u.label.text[1].value.ptr, "\xc3\xa9t\xc3\xa9");
    const char *bad = "{\"item\":\"label\",\"text\":{\"en\":\"<b>\"}}";
    ck_assert_int_eq(every_label_decode(bad, strlen(bad), &g_any.u.label, &a, NULL, &err),
                     RP_E_SCHEMA_PATTERN);
    ck_assert_str_eq(err.path, "$.text.en");
}
END_TEST

START_TEST(test_decode_any_string_discriminator)
{
    rp_error err;
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    const char *label = "{\"item\":\"label\"}";
    ck_assert_int_eq(every_decode_any(label, strlen(label), EVERY_PORT_SMALL, EVERY_PEER_HUB, &g_any, &a,
                                      NULL, &err), 0);
    ck_assert_int_eq(g_any.id, EVERY_MSG_LABEL);
    const char *shape = SHAPE_HEAD "}";
    ck_assert_int_eq(every_decode_any(shape, strlen(shape), EVERY_PORT_SMALL, EVERY_PEER_HUB, &g_any, &a,
                                      NULL, &err), 0);
    ck_assert_int_eq(g_any.id, EVERY_MSG_SHAPE);
    const char *other = "{\"item\":\"circle\"}";
    ck_assert_int_eq(every_decode_any(other, strlen(other), EVERY_PORT_SMALL, EVERY_PEER_HUB, &g_any, &a,
                                      NULL, &err), RP_E_SCHEMA_MESSAGE);
    ck_assert_str_eq(err.message, "item \"circle\": not any of Shape, Label");
    /* strict: a discriminator given twice is the duplicate key, at its second occurrence;
     * the first picked the message (the last, "shape", would have failed Label's const) */
    const char *twice = "{\"item\":\"label\",\"item\":\"shape\"}";
    rp_arena_init(&a, g_mem, sizeof g_mem);
    ck_assert_int_eq(every_decode_any(twice, strlen(twice), EVERY_PORT_SMALL, EVERY_PEER_HUB, &g_any, &a,
                                      NULL, &err), RP_E_SCHEMA_DUPLICATE);
    ck_assert_str_eq(err.path, "$.item");
    ck_assert_uint_eq(err.offset, 16); /* the second key */
    /* under duplicate_keys = last the last picks the message (Shape), whose decoder checks
     * every occurrence of a const: the first is not its value */
    rp_arena_init(&a, g_mem, sizeof g_mem);
    ck_assert_int_eq(every_decode_any(twice, strlen(twice), EVERY_PORT_SMALL, EVERY_PEER_HUB, &g_any, &a,
                                      &every_profile_lenient, &err), RP_E_SCHEMA_CONST);
    ck_assert_uint_eq(err.offset, 8);
}
END_TEST

/* A value of the wrong type is reported at its first byte, also when it is an array or an
 * object (the scanner has read past it by then, to its last scalar). */
START_TEST(test_wrong_container_reported_at_its_start)
{
    static const struct { const char *tail; const char *path; const char *at; const char *msg; } cases[] = {
        { ",\"counts\":[1,2,\"abc\"]}", "$.counts", "[1,2", "expected an object (a map of integers), found an array" },
        { ",\"parent\":[{\"on\":true}]}", "$.parent", "[{\"on", "expected an Inner object, found an array" },
        { ",\"tags\":{\"a\":[1,2]}}", "$.tags", "{\"a\"", "expected an array of integers, found an object" },
        { ",\"x\":{\"k\":1}}", "$.x", "{\"k\":1}}", "expected a number, found an object" },
        { ",\"x\":[1]}", "$.x", "[1]}", "expected a number, found an array" },
        { ",\"kids\":[]}", "$.kids", "[]}", "expected an object (a map of Inner objects), found an array" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        /* the key already in SHAPE_HEAD is dropped so the value is read, not refused twice */
        snprintf(json, sizeof json, "{\"item\":\"shape\",\"color\":\"red\",\"name\":\"a\"%s%s",
                 strcmp(cases[i].path, "$.x") == 0 ? "" : ",\"x\":0", cases[i].tail);
        rp_error err;
        ck_assert_int_eq(decode_shape(json, NULL, &err), RP_E_SCHEMA_TYPE);
        ck_assert_str_eq(err.path, cases[i].path);
        const char *want = strstr(json, cases[i].at);
        ck_assert_ptr_nonnull(want);
        ck_assert_msg(err.offset == (size_t)(want - json), "case %zu: offset %zu, want %zu (%s)", i,
                      err.offset, (size_t)(want - json), err.message);
        ck_assert_str_eq(err.message, cases[i].msg);
    }
    /* an escaped key is named by the key it stands for, not by its escapes */
    {
        rp_error e2;
        ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"counts\":{\"\\u0061b\":0}}", NULL, &e2),
                         RP_E_SCHEMA_RANGE);
        ck_assert_str_eq(e2.path, "$.counts.ab");
        ck_assert_int_eq(decode_shape(SHAPE_HEAD ",\"\\u007a\":0}", NULL, &e2), RP_E_SCHEMA_UNKNOWN);
        ck_assert_str_eq(e2.path, "$.z");
    }
    /* the top level too */
    rp_error err;
    ck_assert_int_eq(decode_shape("  [{\"k\":4}]", NULL, &err), RP_E_SCHEMA_TYPE);
    ck_assert_uint_eq(err.offset, 2);
}
END_TEST

/* A required list or map whose value is of another JSON type is one problem (its type), not
 * also a missing key: the key is there. */
typedef struct { size_t n; int code[8]; char path[8][sizeof ((rp_error *)0)->path]; } problems;

static void note_problem(void *ctx, const rp_error *e)
{
    problems *p = ctx;
    if (p->n < 8) {
        p->code[p->n] = e->code;
        snprintf(p->path[p->n], sizeof p->path[p->n], "%s", e->path);
    }
    p->n++;
}

START_TEST(test_required_container_of_wrong_type_is_one_problem)
{
    rp_arena a;
    rp_arena_init(&a, g_mem, sizeof g_mem);
    problems got = { 0 };
    const char *list = "{\"item\":\"shape\",\"color\":\"red\",\"x\":0,\"name\":\"a\",\"parent\":null,\"tags\":5}";
    ck_assert_int_eq(rp_schema_check_all(&schema__shape, list, strlen(list), &g_any.u.shape, &a, NULL,
                                         note_problem, &got), 1);
    ck_assert_uint_eq(got.n, 1);
    ck_assert_int_eq(got.code[0], RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(got.path[0], "$.tags");
    /* Label with its map made required: a string where the object belongs */
    rp_schema_field fields[sizeof fields__label / sizeof fields__label[0]];
    memcpy(fields, fields__label, sizeof fields);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].key, "text") == 0)
            fields[i].required = true;
    rp_schema_message label = schema__label;
    label.fields = fields;
    const char *map = "{\"item\":\"label\",\"text\":\"hello\"}";
    memset(&got, 0, sizeof got);
    rp_arena_init(&a, g_mem, sizeof g_mem);
    ck_assert_int_eq(rp_schema_check_all(&label, map, strlen(map), &g_any.u.label, &a, NULL, note_problem, &got), 1);
    ck_assert_uint_eq(got.n, 1);
    ck_assert_int_eq(got.code[0], RP_E_SCHEMA_TYPE);
    ck_assert_str_eq(got.path[0], "$.text");
    /* absent, it is still missing; null under a profile that reads null as absent, too */
    const char *none = "{\"item\":\"label\"}";
    memset(&got, 0, sizeof got);
    ck_assert_int_eq(rp_schema_check_all(&label, none, strlen(none), &g_any.u.label, &a, NULL, note_problem, &got), 1);
    ck_assert_int_eq(got.code[0], RP_E_SCHEMA_MISSING);
    const char *null = "{\"item\":\"label\",\"text\":null}";
    memset(&got, 0, sizeof got);
    ck_assert_int_eq(rp_schema_check_all(&label, null, strlen(null), &g_any.u.label, &a, &every_profile_lenient,
                                         note_problem, &got), 1);
    ck_assert_int_eq(got.code[0], RP_E_SCHEMA_MISSING);
}
END_TEST

/* A value under a key no field declares is skipped but still read as JSON: an error inside
 * it is reported at that key's path. Under a profile, list items and map values that read
 * as absent are dropped; the count is of what is kept, the capacity of what was given. */
START_TEST(test_skipped_values_and_dropped_items)
{
    rp_error err;
    rp_arena a;
    static const struct { const char *json; int code; size_t at; } skipped[] = {
        { "{\"item\":\"label\",\"zz\":[1,{\"q\":\"\\ud800\"}]}", RP_E_JSON_UTF8, 30 },
        { "{\"item\":\"label\",\"zz\":{\"q\":[1,}}", RP_E_JSON_SYNTAX, 29 },
    };
    for (size_t i = 0; i < 2; i++) { /* Label ignores unknown keys */
        rp_arena_init(&a, g_mem, sizeof g_mem);
        const char *j = skipped[i].json;
        ck_assert_int_eq(every_label_decode(j, strlen(j), &g_any.u.label, &a, NULL, &err), skipped[i].code);
        ck_assert_str_eq(err.path, "$.zz");
        ck_assert_uint_eq(err.offset, skipped[i].at);
    }
    const rp_schema_profile *p = &every_profile_lenient;
    const char *head = "{\"item\":\"shape\",\"color\":\"red\",\"x\":0,\"name\":\"a\",\"parent\":null,";
    char json[256];
    snprintf(json, sizeof json, "%s\"tags\":[1,null,\"7\",2],\"counts\":{\"a\":null,\"b\":3}}", head);
    ck_assert_int_eq(decode_shape(json, p, &err), 0);
    every_shape *s = &g_any.u.shape;
    ck_assert_uint_eq(s->tags_count, 2);
    ck_assert_uint_eq(s->tags[0], 1);
    ck_assert_uint_eq(s->tags[1], 2);
    ck_assert_uint_eq(s->counts_count, 1);
    ck_assert_uint_eq(s->counts[0].value, 3);
    snprintf(json, sizeof json, "%s\"tags\":[null]}", head);
    ck_assert_int_eq(decode_shape(json, p, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.message, "expected item count 1..4, got 0");
    snprintf(json, sizeof json, "%s\"tags\":[null,1,2,3,4]}", head);
    ck_assert_int_eq(decode_shape(json, p, &err), RP_E_SCHEMA_LENGTH);
    ck_assert_str_eq(err.message, "expected at most 4 items, got 5");
}
END_TEST

START_TEST(test_float_text)
{
    static const struct { const char *in, *out; } cases[] = {
        { "0", "0" }, { "-0.0", "-0" }, { "1.5", "1.5" }, { "0.1", "0.1" }, { "100", "100" },
        { "1e21", "1e+21" }, { "1e20", "100000000000000000000" }, { "0.000001", "0.000001" },
        { "1e-7", "1e-7" }, { "5e-324", "5e-324" }, { "2e-400", "0" },
        { "1.7976931348623157e308", "1.7976931348623157e+308" }, { "00012.500", "12.5" },
        { "123456789012345678", "123456789012345680" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v;
        char buf[RP_JSON_DOUBLE_MAX];
        ck_assert_int_eq(rp_json_parse_double(cases[i].in, strlen(cases[i].in), &v), 0);
        size_t n = rp_json_format_double(v, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].out);
        ck_assert_uint_eq(n, strlen(cases[i].out));
        double back;
        ck_assert_int_eq(rp_json_parse_double(buf, n, &back), 0);
        ck_assert(back == v);
    }
    double v = 0;
    ck_assert_int_eq(rp_json_parse_double("1.8e308", 7, &v), RP_E_JSON_NUMBER);
    ck_assert_int_eq(rp_json_parse_double("1.", 2, &v), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_json_parse_double("", 0, &v), RP_E_ARGUMENT);
    ck_assert_int_eq(rp_json_parse_double("1e", 2, &v), RP_E_ARGUMENT);
    char buf[RP_JSON_DOUBLE_MAX];
    ck_assert_uint_eq(rp_json_format_double(NAN, buf, sizeof buf), 0);
    ck_assert_uint_eq(rp_json_format_double(1.0, buf, 8), 0); /* cap too small */
    /* 2000 digits: beyond the kept ones only decide rounding */
    static char longnum[2100];
    memset(longnum, '0', sizeof longnum);
    memcpy(longnum, "0.1", 3);
    longnum[2000] = '1';
    ck_assert_int_eq(rp_json_parse_double(longnum, 2001, &v), 0);
    ck_assert(v == 0.1);
    static char bigint[400];
    memset(bigint, '9', 309);
    ck_assert_int_eq(rp_json_parse_double(bigint, 309, &v), RP_E_JSON_NUMBER);
    ck_assert_int_eq(rp_json_parse_double(bigint, 308, &v), 0);
    ck_assert(v == 1e308);
    /* The C locale is what every test runs in; a comma-decimal locale, where installed,
     * changes nothing. */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") != NULL || setlocale(LC_NUMERIC, "fr_FR.UTF-8") != NULL) {
        ck_assert_int_eq(rp_json_parse_double("2.5", 3, &v), 0);
        ck_assert(v == 2.5);
        ck_assert_uint_eq(rp_json_format_double(2.5, buf, sizeof buf), 3);
        ck_assert_str_eq(buf, "2.5");
        setlocale(LC_NUMERIC, "C");
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("types");
    TCase *tc = tcase_create("types");
    tcase_add_test(tc, test_shape_round_trip);
    tcase_add_test(tc, test_required_container_of_wrong_type_is_one_problem);
    tcase_add_test(tc, test_skipped_values_and_dropped_items);
    tcase_add_test(tc, test_duplicate_key_replaces_the_field);
    tcase_add_test(tc, test_duplicate_key_keeps_the_first);
    tcase_add_test(tc, test_defaults_and_init);
    tcase_add_test(tc, test_float64);
    tcase_add_test(tc, test_string_enums);
    tcase_add_test(tc, test_nullable);
    tcase_add_test(tc, test_maps);
    tcase_add_test(tc, test_patterns_and_lists);
    tcase_add_test(tc, test_decode_any_string_discriminator);
    tcase_add_test(tc, test_float_text);
    tcase_add_test(tc, test_wrong_container_reported_at_its_start);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
