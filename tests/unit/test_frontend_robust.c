/* rprotoc front end robustness: no crash, hang or leak on any input.
 *
 * Feeds the in-memory entry point rp_frontend_load_buffer:
 *   - every truncation, at every byte offset, of every valid spec (spec/residue.rproto and
 *     tests/specs/valid/all-constructs.rproto) — the full text must check cleanly;
 *   - seeded-random byte strings, random token soups (sequences of the language's own
 *     words, which reach deep parser states), and random mutations (byte flips, insertions,
 *     deletions, splices) of the valid specs and of the invalid corpus.
 * Every run must end in exactly one of two ways: a spec and no error, or no spec and at
 * least one "error:" line. Under `make check` this binary is also built with ASan+UBSan,
 * whose leak checker catches anything error recovery forgets to free.
 * The PRNG is a fixed-seed xorshift, so every run tests the same inputs.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "source.h"

static const char *const valid_specs[] = {
    "spec/residue.rproto",
    "tests/specs/valid/all-constructs.rproto",
};
#define N_VALID (sizeof valid_specs / sizeof valid_specs[0])

/* A few invalid specs whose mutations start from interesting error states. */
static const char *const invalid_seeds[] = {
    "tests/specs/invalid/syn-multiple-errors.rproto",
    "tests/specs/invalid/sem-many-errors.rproto",
    "tests/specs/invalid/lex-unterminated-string.rproto",
    "tests/specs/invalid/lex-unterminated-comment.rproto",
    "tests/specs/invalid/lex-bad-unicode-escape.rproto",
};
#define N_INVALID (sizeof invalid_seeds / sizeof invalid_seeds[0])

static char *slurp(const char *path, size_t *len)
{
    char *text = rp_source_read_file(path, len);
    ck_assert_msg(text != NULL, "cannot read %s (tests run from the project root)", path);
    return text;
}

typedef struct rng { uint64_t s; } rng;

static uint64_t next(rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

static size_t below(rng *r, size_t n)
{
    return n == 0 ? 0 : (size_t)(next(r) % n);
}

/* Runs the front end on buf under `name` and asserts the outcome is consistent.
 * Returns 1 when the spec checked cleanly, 0 otherwise. */
static int run_one(const char *name, const char *buf, size_t len)
{
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    rp_frontend_status st = rp_frontend_load_buffer(d, name, buf, len, NULL, &spec);
    const char *text = rp_diag_text(d);
    int ok;
    if (st == RP_FRONTEND_OK) {
        ck_assert_ptr_nonnull(spec);
        ck_assert_uint_eq(rp_diag_error_count(d), 0);
        ok = 1;
    } else {
        ck_assert_int_eq(st, RP_FRONTEND_SPEC_ERROR);
        ck_assert_ptr_null(spec);
        ck_assert_uint_ge(rp_diag_error_count(d), 1);
        ck_assert_msg(strstr(text, "error: ") != NULL, "failure without an error line");
        ok = 0;
    }
    rp_ast_free(spec);
    rp_diag_free(d);
    return ok;
}

START_TEST(every_truncation_of_valid_specs)
{
    const char *path = valid_specs[_i];
    size_t len = 0;
    char *text = slurp(path, &len);
    size_t clean = 0;
    for (size_t cut = 0; cut <= len; cut++)
        clean += (size_t)run_one(path, text, cut);
    /* the whole file is valid; so are cuts between declarations and inside comments, not most */
    ck_assert_int_eq(run_one(path, text, len), 1);
    ck_assert_uint_ge(clean, 1);
    ck_assert_uint_lt(clean, len / 2);
    free(text);
}
END_TEST

START_TEST(random_bytes)
{
    rng r = { 0x9e3779b97f4a7c15ull };
    char buf[600];
    size_t errors = 0;
    for (int n = 0; n < 3000; n++) {
        size_t len = below(&r, sizeof buf);
        /* half the strings are printable ASCII, which gets further into the grammar */
        bool printable = n & 1;
        for (size_t i = 0; i < len; i++)
            buf[i] = printable ? (char)(0x20 + below(&r, 95)) : (char)below(&r, 256);
        errors += (size_t)(run_one("random.rproto", buf, len) == 0);
    }
    ck_assert_uint_ge(errors, 2900); /* random text is almost never a spec */
}
END_TEST

/* Words of the language, so random sequences exercise the parser's states. */
static const char *const words[] = {
    "protocol", "import", "charset", "enum", "flags", "message", "array", "of", "on", "in",
    "option", "required", "optional", "repeated", "true", "false", "range", "one_of", "len",
    "count", "hex", "base64", "const", "default", "since", "until", "peers", "port", "key",
    "envelope", "profile", "relax", "framing", "max_packet", "delimiter(\"\\n\")", "json",
    "base64(json)", "aes(k, json)", "join(\":\", hex(iv), id(k), base64(aes(k, json)))", "->",
    "a", "b", "k",
    "unknown_keys", "ignore", "reject", "uint8", "int64", "string", "bytes", "bool", "M", "E",
    "x", "\"x\"", "\"1.2\"", "\"a-z\"", "1", "0", "-5", "300", "0x10", "18446744073709551616",
    ";", "{", "}", "[", "]", "(", ")", ",", "=", ":", "|", "..", "-", "///doc\n", "// c\n",
    "/* c */", "\n", "\"bad\\q\"", "\"open",
};
#define N_WORDS (sizeof words / sizeof words[0])

START_TEST(random_token_soup)
{
    rng r = { 0x123456789abcdefull };
    char buf[2048];
    for (int n = 0; n < 2000; n++) {
        size_t len = 0;
        size_t count = below(&r, 80);
        /* most soups start like a real file so the body gets parsed */
        if (n % 4 != 0) {
            const char *head = n % 8 == 1 ? "protocol p;\npeers a, b;\nkey k = aes(128);\nport "
                                            : "protocol p;\npeers a, b;\nenvelope e = json;\n"
                                              "port q { framing = delimiter(\"\\n\"); max_packet = 9; }\n"
                                              "message M on q a -> b in e {\n";
            memcpy(buf, head, strlen(head));
            len = strlen(head);
        }
        for (size_t k = 0; k < count; k++) {
            const char *w = words[below(&r, N_WORDS)];
            size_t wl = strlen(w);
            if (len + wl + 1 >= sizeof buf)
                break;
            memcpy(buf + len, w, wl);
            len += wl;
            buf[len++] = ' ';
        }
        run_one("soup.rproto", buf, len);
    }
}
END_TEST

static void mutate_and_run(rng *r, const char *name, const char *text, size_t len, int rounds)
{
    size_t cap = len + 64;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (int n = 0; n < rounds; n++) {
        memcpy(buf, text, len);
        size_t blen = len;
        int edits = 1 + (int)below(r, 4);
        for (int e = 0; e < edits && blen > 0; e++) {
            size_t at = below(r, blen);
            switch (below(r, 5)) {
            case 0: /* flip a byte */
                buf[at] = (char)below(r, 256);
                break;
            case 1: /* delete a run */ {
                size_t n_del = 1 + below(r, 16);
                if (n_del > blen - at)
                    n_del = blen - at;
                memmove(buf + at, buf + at + n_del, blen - at - n_del);
                blen -= n_del;
                break;
            }
            case 2: /* insert a punctuation or quote byte */
                if (blen < cap) {
                    static const char ins[] = ";{}[]\"=,|/*\\-.";
                    memmove(buf + at + 1, buf + at, blen - at);
                    buf[at] = ins[below(r, sizeof ins - 1)];
                    blen++;
                }
                break;
            case 3: /* duplicate a short run (splice within the file) */ {
                size_t n_dup = 1 + below(r, 12);
                size_t from = below(r, blen);
                if (n_dup > blen - from)
                    n_dup = blen - from;
                if (blen + n_dup <= cap) {
                    memmove(buf + at + n_dup, buf + at, blen - at);
                    memmove(buf + at, buf + (from < at ? from : from + n_dup), n_dup);
                    blen += n_dup;
                }
                break;
            }
            default: /* swap two bytes */ {
                size_t other = below(r, blen);
                char t = buf[at];
                buf[at] = buf[other];
                buf[other] = t;
                break;
            }
            }
        }
        run_one(name, buf, blen);
    }
    free(buf);
}

START_TEST(mutations_of_valid_specs)
{
    rng r = { 0xdeadbeefcafef00dull + (uint64_t)_i };
    size_t len = 0;
    char *text = slurp(valid_specs[_i], &len);
    mutate_and_run(&r, valid_specs[_i], text, len, 600);
    free(text);
}
END_TEST

START_TEST(mutations_of_invalid_specs)
{
    rng r = { 0x0123456789abcdefull + (uint64_t)_i };
    size_t len = 0;
    char *text = slurp(invalid_seeds[_i], &len);
    mutate_and_run(&r, invalid_seeds[_i], text, len, 300);
    free(text);
}
END_TEST

START_TEST(many_errors_are_capped)
{
    /* 400 broken fields: the report stops after RP_DIAG_MAX_ERRORS and says so */
    char *buf = malloc(400 * 16 + 64);
    ck_assert_ptr_nonnull(buf);
    size_t len = (size_t)sprintf(buf, "protocol p;\nmessage M {\n");
    for (int i = 0; i < 400; i++)
        len += (size_t)sprintf(buf + len, "required ;\n");
    len += (size_t)sprintf(buf + len, "}\n");
    rp_diag *d = rp_diag_new();
    rp_ast_spec *spec = NULL;
    ck_assert_int_eq(rp_frontend_load_buffer(d, "many.rproto", buf, len, NULL, &spec), RP_FRONTEND_SPEC_ERROR);
    ck_assert_uint_eq(rp_diag_error_count(d), 400);
    const char *text = rp_diag_text(d);
    ck_assert_ptr_nonnull(strstr(text, "too many errors (50), stopping"));
    size_t lines = 0;
    for (const char *p = text; (p = strstr(p, ": error: ")) != NULL; p++)
        lines++;
    ck_assert_uint_eq(lines, RP_DIAG_MAX_ERRORS);
    rp_diag_free(d);
    free(buf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("frontend_robust");
    TCase *tc = tcase_create("truncations");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, every_truncation_of_valid_specs, 0, (int)N_VALID);
    suite_add_tcase(s, tc);
    tc = tcase_create("random");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, random_bytes);
    tcase_add_test(tc, random_token_soup);
    tcase_add_loop_test(tc, mutations_of_valid_specs, 0, (int)N_VALID);
    tcase_add_loop_test(tc, mutations_of_invalid_specs, 0, (int)N_INVALID);
    tcase_add_test(tc, many_errors_are_capped);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
