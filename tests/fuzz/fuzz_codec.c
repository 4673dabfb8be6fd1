/* fuzz_codec: base64 (strict and lenient) and hex decoding, with round trips.
 *
 * Strict base64 that decodes must re-encode to exactly the input (RFC 4648 canonical form);
 * lenient base64 never fails and equals strict decoding of the input with every non-alphabet
 * byte removed, when that is canonical; hex that decodes re-encodes to the input ignoring case;
 * any bytes encode and decode back. Output buffers are allocated at the documented minimum.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "rp_codec.h"

static int is_b64(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t dcap = RP_BASE64_DECODED_MAX(size);
    /* dec also receives the round trip of all `size` input bytes */
    uint8_t *dec = malloc(dcap > size ? dcap : (size ? size : 1));
    uint8_t *dec2 = malloc(dcap ? dcap : 1);
    size_t ecap = RP_BASE64_ENCODED_LEN(size) + 1;
    char *enc = malloc(ecap);
    char *hex = malloc(2 * size + 1);
    FUZZ_CHECK(dec && dec2 && enc && hex);
    size_t n = 0, m = 0, el = 0;
    rp_error err;

    /* strict */
    int rs = rp_base64_decode(in, size, RP_BASE64_STRICT, dec, dcap, &n, &err);
    if (rs == 0) {
        FUZZ_CHECK(n <= dcap);
        FUZZ_CHECK(rp_base64_encode(dec, n, enc, RP_BASE64_ENCODED_LEN(n) + 1, &el, NULL) == 0);
        FUZZ_CHECK(el == size && memcmp(enc, in, size) == 0 && enc[el] == '\0');
    } else {
        FUZZ_CHECK(rs == RP_E_BASE64 && err.code == RP_E_BASE64 && err.offset <= size);
    }
    /* lenient: never a content error */
    int rl = rp_base64_decode(in, size, RP_BASE64_LENIENT, dec2, dcap, &m, &err);
    FUZZ_CHECK(rl == 0 && m <= dcap);
    if (rs == 0) FUZZ_CHECK(m == n && memcmp(dec, dec2, n) == 0);
    /* lenient == decoding just the alphabet letters */
    size_t letters = 0;
    for (size_t i = 0; i < size; i++) letters += is_b64(data[i]) != 0;
    FUZZ_CHECK(m == letters * 6 / 8);
    if (m > 0) {
        size_t small = 0;
        FUZZ_CHECK(rp_base64_decode(in, size, RP_BASE64_LENIENT, dec2, m - 1, &small, NULL) ==
                   RP_E_OVERFLOW);
    }

    /* any bytes round-trip through base64 and hex */
    FUZZ_CHECK(rp_base64_encode(data, size, enc, ecap, &el, NULL) == 0);
    FUZZ_CHECK(el == RP_BASE64_ENCODED_LEN(size));
    if (size > 0) FUZZ_CHECK(rp_base64_encode(data, size, enc, ecap - 1, &el, NULL) == RP_E_OVERFLOW);
    FUZZ_CHECK(rp_base64_encode(data, size, enc, ecap, &el, NULL) == 0);
    FUZZ_CHECK(rp_base64_decode(enc, el, RP_BASE64_STRICT, dec, size, &n, NULL) == 0);
    FUZZ_CHECK(n == size && (size == 0 || memcmp(dec, data, size) == 0));
    FUZZ_CHECK(rp_hex_encode(data, size, RP_HEX_UPPER, hex, 2 * size + 1, &el, NULL) == 0);
    FUZZ_CHECK(el == 2 * size);
    FUZZ_CHECK(rp_hex_decode(hex, el, dec, size, &n, NULL) == 0);
    FUZZ_CHECK(n == size && (size == 0 || memcmp(dec, data, size) == 0));

    /* hex decoding of the input */
    int rh = rp_hex_decode(in, size, dec, size / 2, &n, &err);
    if (rh == 0) {
        FUZZ_CHECK(size % 2 == 0 && n == size / 2);
        FUZZ_CHECK(rp_hex_encode(dec, n, RP_HEX_LOWER, hex, 2 * n + 1, &el, NULL) == 0);
        FUZZ_CHECK(el == size && strncasecmp(hex, in, size) == 0);
        for (size_t i = 0; i < el; i++) FUZZ_CHECK(!isupper((unsigned char)hex[i]));
    } else {
        FUZZ_CHECK(rh == RP_E_HEX && err.offset <= size);
    }
    free(dec);
    free(dec2);
    free(enc);
    free(hex);
    return 0;
}
