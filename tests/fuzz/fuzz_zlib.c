/* fuzz_zlib: rp_zlib_inflate with its output bound, and deflate/inflate round trips.
 *
 * Input: byte 0 picks the bound (0, 1, 2, 4 ... 1 MiB) and the deflate level; the rest is
 * a (usually corrupt) zlib stream. Inflate must stay inside the caller's buffer (allocated at
 * exactly the bound), succeed only with output <= bound, and report RP_E_ZLIB / RP_E_ZLIB_BOUND
 * otherwise. Whatever it produced must deflate and inflate back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "rp_zlib.h"

static void roundtrip(const uint8_t *in, size_t len, int level)
{
    size_t zcap = rp_zlib_deflate_bound(len);
    uint8_t *z = malloc(zcap ? zcap : 1);
    uint8_t *back = malloc(len ? len : 1);
    size_t zl = 0, bl = 0;
    FUZZ_CHECK(z != NULL && back != NULL);
    FUZZ_CHECK(rp_zlib_deflate(in, len, level, z, zcap, &zl, NULL) == 0);
    FUZZ_CHECK(zl <= zcap && zl >= 2);
    FUZZ_CHECK(rp_zlib_inflate(z, zl, back, len, &bl, NULL) == 0);
    FUZZ_CHECK(bl == len && (len == 0 || memcmp(back, in, len) == 0));
    if (len > 0) {
        rp_error err;
        FUZZ_CHECK(rp_zlib_inflate(z, zl, back, len - 1, &bl, &err) == RP_E_ZLIB_BOUND);
        FUZZ_CHECK(err.code == RP_E_ZLIB_BOUND);
    }
    free(z);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned sel = data[0];
    size_t cap = (sel & 31) == 0 ? 0 : (size_t)1 << ((sel & 31) % 21);
    int level = (int)(sel >> 5) + 2;               /* 2..9 */
    const uint8_t *in = data + 1;
    size_t len = size - 1;

    uint8_t *out = malloc(cap ? cap : 1);
    FUZZ_CHECK(out != NULL);
    size_t out_len = 12345;
    rp_error err;
    int rc = rp_zlib_inflate(in, len, out, cap, &out_len, &err);
    if (rc == 0) {
        FUZZ_CHECK(out_len <= cap);
        /* A valid zlib stream starts with a header whose check bits are right. */
        FUZZ_CHECK(len >= 2 && ((in[0] << 8) | in[1]) % 31 == 0 && (in[0] & 0x0f) == 8);
        roundtrip(out, out_len, level);
    } else {
        FUZZ_CHECK(rc == RP_E_ZLIB || rc == RP_E_ZLIB_BOUND);
        FUZZ_CHECK(err.code == rc && err.layer == RP_LAYER_ZLIB);
        FUZZ_CHECK(err.offset == SIZE_MAX || err.offset <= len);
    }
    free(out);
    /* The input itself, compressed, must come back. */
    if (len <= 4096) roundtrip(in, len, level);
    return 0;
}
