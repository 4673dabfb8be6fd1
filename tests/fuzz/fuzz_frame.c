/* fuzz_frame: rp_framer against a reference splitter.
 *
 * Input: byte 0 picks the maximum packet size, byte 1 the chunking of the stream (how the
 * bytes are cut into "reads"), the rest is the byte stream. Whatever the cuts, the framer must
 * deliver exactly the packets a naive left-to-right split at "\r\n\r\n" gives, in order, and
 * fail with RP_E_FRAME_TOO_BIG exactly when a packet is longer than the maximum — never read
 * or write outside its buffer (which is allocated at the exact size the header asks for).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "rp_frame.h"

typedef struct ref_state {
    const uint8_t *s;
    size_t len, pos;   /* next packet of the reference split starts at pos */
    size_t max_packet;
    size_t delivered;
    int mismatch;
} ref_state;

static const uint8_t *find_delim(const uint8_t *s, size_t from, size_t len)
{
    for (size_t i = from; i + 4 <= len; i++)
        if (memcmp(s + i, "\r\n\r\n", 4) == 0) return s + i;
    return NULL;
}

/* Checks one delivered packet against the next reference packet. */
static int on_packet(void *ctx, const uint8_t *pkt, size_t len)
{
    ref_state *r = ctx;
    const uint8_t *d = find_delim(r->s, r->pos, r->len);
    FUZZ_CHECK(d != NULL);                              /* nothing delivered without a delimiter */
    size_t rlen = (size_t)(d - (r->s + r->pos));
    FUZZ_CHECK(rlen == len);
    FUZZ_CHECK(len == 0 || memcmp(pkt, r->s + r->pos, len) == 0);
    FUZZ_CHECK(len <= r->max_packet);
    /* Framing the packet again gives the same bytes back. */
    uint8_t *w = malloc(len + 4);
    size_t wl = 0;
    FUZZ_CHECK(w != NULL);
    FUZZ_CHECK(rp_frame_write(pkt, len, w, len + 4, &wl, NULL) == 0);
    FUZZ_CHECK(wl == len + 4 && (len == 0 || memcmp(w, pkt, len) == 0) &&
               memcmp(w + len, "\r\n\r\n", 4) == 0);
    FUZZ_CHECK(rp_frame_write(pkt, len, w, len + 3, &wl, NULL) == RP_E_OVERFLOW);
    free(w);
    r->pos += rlen + 4;
    r->delivered++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    static const size_t maxes[8] = {1, 2, 3, 4, 5, 16, 100, 4096};
    size_t max_packet = maxes[data[0] & 7] + (size_t)((data[0] >> 3) & 3);
    uint8_t cut = data[1];
    const uint8_t *s = data + 2;
    size_t len = size - 2;

    size_t cap = RP_FRAMER_BUFFER_SIZE(max_packet);
    uint8_t *buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    rp_framer f;
    rp_error err;
    FUZZ_CHECK(rp_framer_init(&f, buf, cap, max_packet, &err) == 0);
    FUZZ_CHECK(rp_framer_init(&f, buf, cap - 1, max_packet, NULL) == RP_E_ARGUMENT);
    FUZZ_CHECK(rp_framer_init(&f, buf, cap, max_packet, &err) == 0);

    ref_state r = {.s = s, .len = len, .pos = 0, .max_packet = max_packet};
    size_t off = 0;
    int failed = 0;
    unsigned step = 0;
    while (off < len && !failed) {
        /* chunk length: 1..16 from the cut byte pattern, or everything left */
        size_t chunk = (cut & 0x80) ? len - off : (size_t)(((cut + step * 7u) & 15u) + 1u);
        if (chunk > len - off) chunk = len - off;
        int rc;
        size_t used = 0;
        if ((cut >> 4) & 1) {
            rc = rp_framer_feed(&f, s + off, chunk, on_packet, &r, &used, &err);
        } else {
            /* pull style: push what fits, pop everything, repeat */
            size_t left = chunk;
            rc = 0;
            while (left > 0 && rc == 0) {
                size_t u = 0;
                rc = rp_framer_push(&f, s + off + used, left, &u, &err);
                FUZZ_CHECK(u <= left);
                used += u;
                left -= u;
                const uint8_t *p;
                size_t pl;
                int popped = 0;
                while (rp_framer_pop(&f, &p, &pl) == 1) {
                    (void)on_packet(&r, p, pl);
                    popped = 1;
                }
                FUZZ_CHECK(!(rc == 0 && u == 0 && !popped)); /* push made progress */
            }
        }
        if (rc != 0) {
            FUZZ_CHECK(rc == RP_E_FRAME_TOO_BIG);
            FUZZ_CHECK(err.code == RP_E_FRAME_TOO_BIG && err.layer == RP_LAYER_FRAME);
            failed = 1;
            /* The error is sticky until reset. */
            size_t u2 = 0;
            FUZZ_CHECK(rp_framer_push(&f, s, len ? 1 : 0, &u2, NULL) == RP_E_FRAME_TOO_BIG);
            /* It is justified: the packet at the reference position is too long. */
            const uint8_t *d = find_delim(s, r.pos, len);
            size_t plen = d ? (size_t)(d - (s + r.pos)) : len - r.pos;
            FUZZ_CHECK(plen > max_packet);
            FUZZ_CHECK(err.offset == r.pos);
        }
        off += used;
        step++;
        if (rc == 0) FUZZ_CHECK(used == chunk);
    }
    if (!failed) {
        /* Everything complete was delivered; the tail is pending. */
        FUZZ_CHECK(find_delim(s, r.pos, len) == NULL);
        size_t tail = len - r.pos;
        FUZZ_CHECK(rp_framer_pending(&f) == tail);
        FUZZ_CHECK(tail < max_packet + 4);
        int fr = rp_framer_finish(&f, NULL);
        FUZZ_CHECK(tail == 0 ? fr == 0 : fr == RP_E_FRAME_PARTIAL);
    }
    rp_framer_reset(&f);
    FUZZ_CHECK(rp_framer_pending(&f) == 0);
    free(buf);
    return 0;
}
