/* fuzz_json: the rp_json scanner in strict and wire mode, the typed readers and the writer.
 *
 * For every input:
 *  - tokenise it in STRICT and in WIRE mode (default depth 32, and depth 1024); every string
 *    must unescape to valid UTF-8 of the announced length; strict success implies wire
 *    success with the same tokens;
 *  - re-emit the tokens with rp_json_writer; the output must scan cleanly in strict mode with
 *    the same number of tokens (writer and scanner agree);
 *  - rp_json_skip_value + rp_json_finish must accept exactly what the token loop accepts;
 *  - every integer literal read with rp_json_read_u64 / _i64 must match strtoull / strtoll
 *    when those can represent it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "rp_json.h"

/* What a lenient peer needs of the scanner: trailing bytes ignored, fractions truncated. */
#define WIRE_FLAGS (RP_JSON_TRAILING_IGNORE | RP_JSON_FLOAT_TRUNCATE)


typedef struct scan_result {
    int rc;             /* 0 = reached RP_JSON_END */
    size_t tokens;      /* tokens before END or the error */
    size_t end_offset;  /* offset after the top-level value */
} scan_result;

static void check_number(const char *text, size_t len, bool is_integer, rp_json_flags mode)
{
    rp_json_scanner sc;
    uint64_t u = 0;
    int64_t i = 0;
    rp_error err;
    rp_json_scanner_init(&sc, text, len, mode);
    int ru = rp_json_read_u64(&sc, &u, &err);
    rp_json_scanner_init(&sc, text, len, mode);
    int ri = rp_json_read_i64(&sc, &i, &err);
    if (mode == RP_JSON_STRICT && !is_integer) {
        FUZZ_CHECK(ru == RP_E_JSON_NUMBER && ri == RP_E_JSON_NUMBER);
        return;
    }
    if (!is_integer) {
        FUZZ_CHECK(ru == 0 || ru == RP_E_JSON_NUMBER);
        FUZZ_CHECK(ri == 0 || ri == RP_E_JSON_NUMBER);
        if (ru == 0 && ri == 0 && i >= 0) FUZZ_CHECK((uint64_t)i == u);
        return;
    }
    char tmp[64];
    if (len >= sizeof tmp) {
        FUZZ_CHECK(ru == 0 || ru == RP_E_JSON_NUMBER);
        return;
    }
    memcpy(tmp, text, len);
    tmp[len] = '\0';
    errno = 0;
    if (tmp[0] != '-') {
        unsigned long long v = strtoull(tmp, NULL, 10);
        if (errno == ERANGE) FUZZ_CHECK(ru == RP_E_JSON_NUMBER);
        else FUZZ_CHECK(ru == 0 && u == v);
    } else {
        bool zero = strspn(tmp + 1, "0") == len - 1;
        FUZZ_CHECK(zero ? (ru == 0 && u == 0) : ru == RP_E_JSON_NUMBER);
    }
    errno = 0;
    long long sv = strtoll(tmp, NULL, 10);
    if (errno == ERANGE) FUZZ_CHECK(ri == RP_E_JSON_NUMBER);
    else FUZZ_CHECK(ri == 0 && i == sv);
}

/* Scans the whole input token by token; when w is non-NULL re-emits every token into it. */
static scan_result scan(const char *buf, size_t len, rp_json_flags mode, unsigned depth,
                        rp_json_writer *w, char *ubuf, size_t ucap, uint8_t *types)
{
    scan_result r = {0, 0, 0};
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, buf, len, mode);
    if (depth != 0) FUZZ_CHECK(rp_json_scanner_set_max_depth(&sc, depth) == 0);
    for (;;) {
        rp_json_token tok;
        rp_error err;
        rp_error_clear(&err);
        int rc = rp_json_next(&sc, &tok, &err);
        if (rc != 0) {
            FUZZ_CHECK(rc == RP_E_JSON_SYNTAX || rc == RP_E_JSON_UTF8 || rc == RP_E_JSON_DEPTH ||
                       rc == RP_E_JSON_TRAILING);
            FUZZ_CHECK(err.code == rc && err.offset <= len);
            FUZZ_CHECK(rc != RP_E_JSON_TRAILING || mode == RP_JSON_STRICT);
            /* Stuck: the same error again. */
            FUZZ_CHECK(rp_json_next(&sc, &tok, NULL) == rc);
            r.rc = rc;
            return r;
        }
        FUZZ_CHECK(tok.offset <= len);
        if (tok.type == RP_JSON_END) {
            r.end_offset = rp_json_offset(&sc);
            FUZZ_CHECK(rp_json_next(&sc, &tok, NULL) == 0 && tok.type == RP_JSON_END);
            return r;
        }
        FUZZ_CHECK(r.tokens < len + 1);  /* every token but END consumes a byte */
        if (types != NULL) types[r.tokens] = (uint8_t)tok.type;
        r.tokens++;
        FUZZ_CHECK(rp_json_depth(&sc) <= (depth ? depth : RP_JSON_DEFAULT_DEPTH));
        switch (tok.type) {
        case RP_JSON_KEY:
        case RP_JSON_STRING: {
            const rp_json_str *s = &tok.text;
            FUZZ_CHECK(s->raw >= buf && s->raw + s->raw_len <= buf + len);
            size_t n = rp_json_str_len(s), ul = 0;
            FUZZ_CHECK(n <= s->raw_len);
            FUZZ_CHECK(n + 1 <= ucap);
            FUZZ_CHECK(rp_json_unescape(s, ubuf, ucap, &ul, NULL) == 0 && ul == n);
            FUZZ_CHECK(rp_json_check_utf8(ubuf, ul, 0, NULL) == 0);
            FUZZ_CHECK(rp_json_str_eq(s, ubuf, ul));
            if (n > 0) FUZZ_CHECK(rp_json_unescape(s, ubuf, n, &ul, NULL) == RP_E_OVERFLOW);
            if (w != NULL) {
                if (tok.type == RP_JSON_KEY) rp_json_write_key(w, ubuf, n);
                else rp_json_write_string(w, ubuf, n);
            }
            break;
        }
        case RP_JSON_NUMBER:
            FUZZ_CHECK(tok.text.raw >= buf && tok.text.raw + tok.text.raw_len <= buf + len);
            check_number(tok.text.raw, tok.text.raw_len, tok.is_integer, mode);
            if (w != NULL) rp_json_write_raw(w, tok.text.raw, tok.text.raw_len);
            break;
        case RP_JSON_OBJECT_BEGIN: if (w) rp_json_write_object_begin(w); break;
        case RP_JSON_OBJECT_END: if (w) rp_json_write_object_end(w); break;
        case RP_JSON_ARRAY_BEGIN: if (w) rp_json_write_array_begin(w); break;
        case RP_JSON_ARRAY_END: if (w) rp_json_write_array_end(w); break;
        case RP_JSON_TRUE: if (w) rp_json_write_bool(w, true); break;
        case RP_JSON_FALSE: if (w) rp_json_write_bool(w, false); break;
        case RP_JSON_NULL: if (w) rp_json_write_null(w); break;
        default: FUZZ_CHECK(0 && "unexpected token type");
        }
    }
}

static int skip_all(const char *buf, size_t len, rp_json_flags mode)
{
    rp_json_scanner sc;
    rp_json_scanner_init(&sc, buf, len, mode);
    int rc = rp_json_skip_value(&sc, NULL);
    if (rc == 0) rc = rp_json_finish(&sc, NULL);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    size_t ucap = size + 1;
    char *ubuf = malloc(ucap);
    uint8_t *types_s = malloc(size + 1), *types_w = malloc(size + 1);
    FUZZ_CHECK(ubuf && types_s && types_w);

    size_t wcap = size * 2 + 64;  /* escapes can grow a string, \u00XX at most 6x: measured below */
    char *wbuf = malloc(wcap);
    FUZZ_CHECK(wbuf != NULL);
    rp_json_writer w;
    rp_json_writer_init(&w, wbuf, wcap);

    scan_result s = scan(buf, size, RP_JSON_STRICT, 0, &w, ubuf, ucap, types_s);
    scan_result wr = scan(buf, size, WIRE_FLAGS, 0, NULL, ubuf, ucap, types_w);
    scan_result deep = scan(buf, size, RP_JSON_STRICT, RP_JSON_MAX_DEPTH, NULL, ubuf, ucap, NULL);

    if (s.rc == 0) {
        FUZZ_CHECK(wr.rc == 0 && wr.tokens == s.tokens);
        FUZZ_CHECK(memcmp(types_s, types_w, s.tokens) == 0);
        FUZZ_CHECK(deep.rc == 0 && deep.tokens == s.tokens);
    }
    if (deep.rc != 0 && deep.rc != RP_E_JSON_DEPTH) FUZZ_CHECK(s.rc != 0);
    /* Typed skip agrees with the token loop. */
    int sk = skip_all(buf, size, RP_JSON_STRICT);
    FUZZ_CHECK((sk == 0) == (s.rc == 0));
    if (s.rc != 0) FUZZ_CHECK(sk == s.rc);
    int skw = skip_all(buf, size, WIRE_FLAGS);
    FUZZ_CHECK((skw == 0) == (wr.rc == 0));

    if (s.rc == 0) {
        size_t wl = 0;
        int fr = rp_json_writer_finish(&w, &wl, NULL);
        if (fr == RP_E_OVERFLOW) {
            free(wbuf);
            wbuf = malloc(wl + 1);
            FUZZ_CHECK(wbuf != NULL);
            rp_json_writer_init(&w, wbuf, wl + 1);
            (void)scan(buf, size, RP_JSON_STRICT, 0, &w, ubuf, ucap, NULL);
            fr = rp_json_writer_finish(&w, &wl, NULL);
        }
        FUZZ_CHECK(fr == 0);
        /* The writer's output is compact strict JSON with the same shape. */
        char *u2 = malloc(wl + 1);
        FUZZ_CHECK(u2 != NULL);
        scan_result again = scan(wbuf, wl, RP_JSON_STRICT, 0, NULL, u2, wl + 1, NULL);
        FUZZ_CHECK(again.rc == 0 && again.tokens == s.tokens && again.end_offset == wl);
        free(u2);
    }
    free(wbuf);
    free(ubuf);
    free(types_s);
    free(types_w);
    return 0;
}
