/* rp_pem: PEM armour of a key. See rp_pem.h. */
#include "rp_pem.h"

#include <string.h>

#define LABEL_MAX 64u

static const char BEGIN_MARK[] = "-----BEGIN ";
static const char END_MARK[] = "-----END ";
static const char DASHES[] = "-----";

/* Offset of the first needle in hay[from..len), or len when absent. */
static size_t find(const char *hay, size_t from, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= len; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0) {
            return i;
        }
    }
    return len;
}

/* The label that starts at `from`: up to "-----" on the same line. Returns its length, or
 * 0 when the line has no closing dashes or the label is empty, too long or not printable. */
static size_t label_at(const char *text, size_t from, size_t len)
{
    for (size_t i = from; i < len && i - from <= LABEL_MAX; i++) {
        char c = text[i];
        if (c == '-' && i + sizeof DASHES - 1u <= len && memcmp(text + i, DASHES, sizeof DASHES - 1u) == 0) {
            return i - from;
        }
        if (c < ' ' || c > '~') {
            return 0;
        }
    }
    return 0;
}

static int fail(rp_pem_fault *fault, rp_pem_fault why, rp_error *err, size_t offset,
                const char *what)
{
    if (fault != NULL) {
        *fault = why;
    }
    return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, offset, "PEM: %s", what);
}

int rp_pem_find(const char *text, size_t len, rp_pem_block *out, rp_pem_fault *fault,
                rp_error *err)
{
    if (fault != NULL) {
        *fault = RP_PEM_OK;
    }
    if (out == NULL || (text == NULL && len > 0)) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_CRYPTO, SIZE_MAX,
                            "PEM: NULL argument");
    }
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                       text[i] == '\r' || text[i] == '\f' || text[i] == '\v')) {
        i++;
    }
    if (i == len) {
        return fail(fault, RP_PEM_EMPTY, err, len, "the text is empty or only whitespace");
    }
    size_t b = find(text, i, len, BEGIN_MARK);
    size_t label_start = b + sizeof BEGIN_MARK - 1u;
    size_t label_len = b < len ? label_at(text, label_start, len) : 0;
    if (label_len == 0) {
        return fail(fault, RP_PEM_NO_BEGIN, err, b < len ? b : i,
                    "no \"-----BEGIN <label>-----\" line");
    }
    out->label = text + label_start; /* kept on the END failures below too */
    out->label_len = label_len;
    /* The body starts on the line after the BEGIN line (the rest of that line is dropped). */
    size_t body = label_start + label_len + sizeof DASHES - 1u;
    while (body < len && text[body] != '\n' && text[body] != '\r') {
        body++;
    }
    if (body < len && text[body] == '\r') body++;
    if (body < len && text[body] == '\n') body++;
    size_t e = find(text, body, len, END_MARK);
    size_t end_label = e + sizeof END_MARK - 1u;
    size_t end_len = e < len ? label_at(text, end_label, len) : 0;
    if (end_len == 0) {
        return fail(fault, RP_PEM_NO_END, err, e < len ? e : len,
                    "no \"-----END <label>-----\" line after the BEGIN line");
    }
    if (end_len != label_len || memcmp(text + end_label, text + label_start, label_len) != 0) {
        if (fault != NULL) {
            *fault = RP_PEM_END_LABEL;
        }
        return rp_error_set(err, RP_E_KEY, RP_LAYER_CRYPTO, e,
                            "PEM: the END line names \"%.*s\" but the BEGIN line \"%.*s\"",
                            (int)end_len, text + end_label, (int)label_len, text + label_start);
    }
    out->body = text + body;
    out->body_len = e - body;
    return RP_OK;
}

int rp_pem_label_is(const rp_pem_block *block, const char *label)
{
    size_t n = strlen(label);
    return block != NULL && block->label != NULL && block->label_len == n &&
           memcmp(block->label, label, n) == 0;
}
