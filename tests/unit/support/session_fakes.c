/* Fake clock and scripted RNG for the session suites; see session_fakes.h. */
#include "session_fakes.h"

#include <check.h>
#include <string.h>

#include "rp_codec.h"

uint64_t fake_now(void *ctx)
{
    return ((fake_clock *)ctx)->now;
}

int fake_random(void *ctx, uint8_t *out, size_t len)
{
    fake_rng *r = ctx;
    for (size_t i = 0; i < len; i++) {
        if (r->pos < r->len) {
            out[i] = r->script[r->pos++];
        } else {
            r->state ^= r->state << 13;
            r->state ^= r->state >> 7;
            r->state ^= r->state << 17;
            out[i] = (uint8_t)(r->state >> 24);
        }
    }
    r->drawn += len;
    return 0;
}

void fake_rng_script(fake_rng *r, const uint8_t *bytes, size_t n)
{
    if (r->pos == r->len)
        r->pos = r->len = 0;
    ck_assert_uint_le(r->len + n, sizeof r->script);
    memcpy(r->script + r->len, bytes, n);
    r->len += n;
}

void fake_rng_script_hex(fake_rng *r, const char *hex)
{
    uint8_t b[64];
    size_t n = 0;
    ck_assert_int_eq(rp_hex_decode(hex, strlen(hex), b, sizeof b, &n, NULL), 0);
    fake_rng_script(r, b, n);
}
