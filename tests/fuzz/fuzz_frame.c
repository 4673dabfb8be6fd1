/* fuzz_frame: rp_framer against a reference splitter, for both kinds of framing.
 *
 * Input: byte 0 picks the maximum packet size (low 5 bits) and the framing (high 3 bits:
 * 0 "\r\n\r\n", 1 "\n", 2 "END", 3 the self-overlapping "abab", 4..7 a length prefix of
 * 1, 2, 4, 8 bytes whose byte order is bit 5 of byte 1), byte 1 the chunking of the stream
 * (how the bytes are cut into "reads"), the rest is the byte stream. Whatever the cuts, the
 * framer must deliver exactly the packets a naive left-to-right split gives (at the first
 * delimiter, or by the prefix), in order, and fail with RP_E_FRAME_TOO_BIG exactly when a
 * packet is longer than the maximum — never read or write outside its buffer (which is
 * allocated at the exact size rp_framer_buffer_size asks for). Inputs written before the
 * framing bits existed have them 0 and still test "\r\n\r\n".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "rp_frame.h"

typedef struct ref_state {
    const rp_framing *fr;
    const uint8_t *s;
    size_t len, pos;   /* next packet of the reference split starts at pos */
    size_t max_packet;
    size_t delivered;
    int mismatch;
} ref_state;

/* The reference split: the packet at r->pos. Returns 1 with its payload offset and length
 * and the offset of the next packet, 0 when the stream ends inside it. */
static int ref_packet(const ref_state *r, size_t *at, size_t *plen, size_t *next)
{
    const rp_framing *fr = r->fr;
    if (fr->kind == RP_FRAMING_LENGTH) {
        size_t p = fr->prefix_bytes;
        if (r->len - r->pos < p) return 0;
        uint64_t n = 0;
        for (size_t i = 0; i < p; i++)
            n = (n << 8) | r->s[r->pos + (fr->big_endian ? i : p - 1 - i)];
        *at = r->pos + p;
        *plen = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
        if (r->len - *at < n) return 0;
        *next = *at + (size_t)n;
        return 1;
    }
    for (size_t i = r->pos; i + fr->delim_len <= r->len; i++) {
        if (memcmp(r->s + i, fr->delim, fr->delim_len) == 0) {
            *at = r->pos;
            *plen = i - r->pos;
            *next = i + fr->delim_len;
            return 1;
        }
    }
    *at = r->pos;
    *plen = r->len - r->pos;
    return 0;
}

/* Checks one delivered packet against the next reference packet. */
static int on_packet(void *ctx, const uint8_t *pkt, size_t len)
{
    ref_state *r = ctx;
    size_t at = 0, rlen = 0, next = 0;
    FUZZ_CHECK(ref_packet(r, &at, &rlen, &next) == 1); /* nothing delivered incomplete */
    FUZZ_CHECK(rlen == len);
    FUZZ_CHECK(len == 0 || memcmp(pkt, r->s + at, len) == 0);
    FUZZ_CHECK(len <= r->max_packet);
    /* Framing the packet again gives the same bytes back. */
    size_t o = rp_framing_overhead(r->fr);
    uint8_t *w = malloc(len + o);
    size_t wl = 0;
    FUZZ_CHECK(w != NULL);
    FUZZ_CHECK(rp_frame_write(r->fr, pkt, len, w, len + o, &wl, NULL) == 0);
    FUZZ_CHECK(wl == next - r->pos && memcmp(w, r->s + r->pos, wl) == 0);
    FUZZ_CHECK(rp_frame_write(r->fr, pkt, len, w, len + o - 1, &wl, NULL) == RP_E_OVERFLOW);
    free(w);
    r->pos = next;
    r->delivered++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    static const size_t maxes[8] = {1, 2, 3, 4, 5, 16, 100, 4096};
    static const rp_framing delims[4] = {
        { RP_FRAMING_DELIMITER, (const uint8_t *)"\r\n\r\n", 4, 0, false },
        { RP_FRAMING_DELIMITER, (const uint8_t *)"\n", 1, 0, false },
        { RP_FRAMING_DELIMITER, (const uint8_t *)"END", 3, 0, false },
        { RP_FRAMING_DELIMITER, (const uint8_t *)"abab", 4, 0, false },
    };
    static const unsigned prefixes[4] = {1, 2, 4, 8};
    size_t max_packet = maxes[data[0] & 7] + (size_t)((data[0] >> 3) & 3);
    unsigned pick = data[0] >> 5;
    uint8_t cut = data[1];
    const uint8_t *s = data + 2;
    size_t len = size - 2;
    rp_framing fr = pick < 4 ? delims[pick]
                             : (rp_framing){ RP_FRAMING_LENGTH, NULL, 0, prefixes[pick & 3],
                                             ((cut >> 5) & 1) != 0 };
    if (max_packet > rp_framing_max_payload(&fr)) max_packet = rp_framing_max_payload(&fr);

    size_t cap = rp_framer_buffer_size(&fr, max_packet);
    size_t over = rp_framing_overhead(&fr);
    FUZZ_CHECK(cap == max_packet + over);
    uint8_t *buf = malloc(cap);
    FUZZ_CHECK(buf != NULL);
    rp_framer f;
    rp_error err;
    FUZZ_CHECK(rp_framer_init(&f, &fr, buf, cap, max_packet, &err) == 0);
    FUZZ_CHECK(rp_framer_init(&f, &fr, buf, cap - 1, max_packet, NULL) == RP_E_ARGUMENT);
    FUZZ_CHECK(rp_framer_init(&f, &fr, buf, cap, max_packet, &err) == 0);

    ref_state r = {.fr = &fr, .s = s, .len = len, .pos = 0, .max_packet = max_packet};
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
                int popped = 0, pr;
                while ((pr = rp_framer_pop(&f, &p, &pl)) == 1) {
                    (void)on_packet(&r, p, pl);
                    popped = 1;
                }
                if (rc == 0 && pr < 0) {
                    /* pop found the next packet too long (a length prefix can say so before
                     * the next push); the framer is stuck and reports it with its offset */
                    FUZZ_CHECK(pr == RP_E_FRAME_TOO_BIG);
                    size_t u3 = 0;
                    rc = rp_framer_push(&f, NULL, 0, &u3, &err);
                    FUZZ_CHECK(rc == RP_E_FRAME_TOO_BIG);
                    break;
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
            /* It is justified: the packet at the reference position is too long (complete or
             * not: the framer refuses as soon as that is certain). */
            size_t at = 0, plen = 0, next = 0;
            (void)ref_packet(&r, &at, &plen, &next);
            FUZZ_CHECK(plen > max_packet);
            FUZZ_CHECK(err.offset == r.pos);
        }
        off += used;
        step++;
        if (rc == 0) FUZZ_CHECK(used == chunk);
    }
    if (!failed) {
        /* Everything complete was delivered; the tail is pending. */
        size_t at = 0, plen = 0, next = 0;
        FUZZ_CHECK(ref_packet(&r, &at, &plen, &next) == 0);
        size_t tail = len - r.pos;
        FUZZ_CHECK(rp_framer_pending(&f) == tail);
        FUZZ_CHECK(tail < max_packet + over);
        if (fr.kind == RP_FRAMING_LENGTH && tail >= over) FUZZ_CHECK(plen <= max_packet);
        int fr = rp_framer_finish(&f, NULL);
        FUZZ_CHECK(tail == 0 ? fr == 0 : fr == RP_E_FRAME_PARTIAL);
    }
    rp_framer_reset(&f);
    FUZZ_CHECK(rp_framer_pending(&f) == 0);
    free(buf);
    return 0;
}
