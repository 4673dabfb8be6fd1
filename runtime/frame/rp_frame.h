/* rp_frame: residue packets are byte strings terminated by "\r\n\r\n" (protocol §1.1); there
 * is no length prefix. This module splits a byte stream into packets incrementally and frames
 * outgoing packets.
 *
 * Reading: an rp_framer works in a buffer the CALLER provides (no allocation). Feed it any
 * chunks — one packet split over many reads, or many packets in one read — and it delivers
 * every packet in order, none dropped or duplicated. (The real server keeps only the first
 * packet of a read and drops pipelined ones, §1.2; we are deliberately more tolerant.)
 *
 * Packets longer than max_packet payload bytes (delimiter excluded) are RP_E_FRAME_TOO_BIG as
 * soon as max_packet + 4 bytes of them are buffered without a delimiter (or their delimiter
 * is found too late): with a buffer of exactly RP_FRAMER_BUFFER_SIZE(max_packet) the framer
 * never holds more than that; a larger caller buffer may take in up to its size in one push
 * before the check runs. Memory use is always bounded by the caller's buffer. After TOO_BIG the framer is in a sticky error state (the
 * stream can no longer be trusted to be in sync) until rp_framer_reset.
 *
 * Two ways to read:
 *   1. pull:  while (len > 0) {
 *                 size_t used; rc = rp_framer_push(&f, data, len, &used, err); if (rc) ...
 *                 data += used; len -= used;
 *                 while ((rc = rp_framer_pop(&f, &pkt, &pkt_len)) == 1) handle(pkt, pkt_len);
 *             }
 *   2. callback: rp_framer_feed(&f, data, len, on_packet, ctx, err) does the loop above.
 *
 * Writing: rp_frame_write puts payload + delimiter into a caller buffer; rp_frame_write_fd
 * writes it to a file descriptor (handling short writes and EINTR).
 */
#ifndef RP_FRAME_H
#define RP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_FRAME_DELIMITER "\r\n\r\n"
#define RP_FRAME_DELIMITER_LEN 4u
/* Buffer size an rp_framer needs for a given maximum payload. */
#define RP_FRAMER_BUFFER_SIZE(max_packet) ((max_packet) + RP_FRAME_DELIMITER_LEN)

/* The incremental splitter. Treat the fields as private; they are public only so the struct
 * can live on the stack or inside a session without allocation. */
typedef struct rp_framer {
    uint8_t *buf;        /* caller storage, not owned */
    size_t cap;          /* size of buf */
    size_t max_packet;   /* maximum payload length, delimiter excluded */
    size_t start;        /* offset of the first byte not yet delivered */
    size_t len;          /* bytes in buf (valid data is buf[start..len)) */
    size_t scan;         /* delimiter search resumes here (absolute offset in buf) */
    uint64_t total_in;   /* stream offset of buf[0], for error offsets */
    rp_status failed;    /* RP_OK, or the sticky error */
} rp_framer;

/* Prepares f to use buf[0..cap) (owned by the caller, must outlive f's use) for packets of at
 * most max_packet payload bytes. Requires cap >= RP_FRAMER_BUFFER_SIZE(max_packet) and
 * max_packet > 0, else RP_E_ARGUMENT. */
RP_CHECK_RESULT int rp_framer_init(rp_framer *f, void *buf, size_t cap, size_t max_packet,
                                   rp_error *err);

/* Forgets all buffered bytes and clears a sticky error (e.g. for a new connection). */
void rp_framer_reset(rp_framer *f);

/* Copies as much of data[0..len) as fits into the buffer and reports the count in *used
 * (bytes not used must be pushed again after popping packets). Returns RP_E_FRAME_TOO_BIG
 * (err->offset = stream offset where the oversized packet started) when the pending packet
 * exceeds max_packet, or the sticky error. data may be NULL when len is 0. */
RP_CHECK_RESULT int rp_framer_push(rp_framer *f, const uint8_t *data, size_t len, size_t *used,
                                   rp_error *err);

/* Takes the next complete packet: returns 1 and sets *pkt / *pkt_len (payload without the
 * delimiter, possibly empty) when one is ready, 0 when more input is needed, or a negative
 * status: RP_E_FRAME_TOO_BIG (also sticky) when the next packet exceeds max_packet, the
 * sticky error, RP_E_ARGUMENT for NULL arguments. *pkt points into the framer's buffer and
 * stays valid until the next push, feed or reset. */
int rp_framer_pop(rp_framer *f, const uint8_t **pkt, size_t *pkt_len);

/* Called once per packet by rp_framer_feed; return 0 to continue or a negative status to
 * stop (rp_framer_feed then returns it; the unfed rest is reported through *used). */
typedef int (*rp_frame_packet_fn)(void *ctx, const uint8_t *pkt, size_t len);

/* Push + pop loop over data[0..len): calls on_packet for every complete packet in order.
 * *used (optional) = input bytes consumed (== len unless an error stopped the loop).
 * Stops at the first error: RP_E_FRAME_TOO_BIG or the callback's status. */
RP_CHECK_RESULT int rp_framer_feed(rp_framer *f, const uint8_t *data, size_t len,
                                   rp_frame_packet_fn on_packet, void *ctx, size_t *used,
                                   rp_error *err);

/* Bytes buffered that do not yet form a complete packet (after all ready packets are
 * popped). */
size_t rp_framer_pending(const rp_framer *f);

/* To call at end of stream: RP_E_FRAME_PARTIAL when bytes of an unfinished packet are
 * buffered (or packets were not popped), 0 otherwise. */
RP_CHECK_RESULT int rp_framer_finish(const rp_framer *f, rp_error *err);

/* Writes payload + "\r\n\r\n" into out[0..cap). RP_E_OVERFLOW when cap < len + 4;
 * RP_E_ARGUMENT (offset of it) when the payload itself contains "\r\n\r\n" or ends with
 * "\r\n", since the peer would split it in the wrong place. payload may be NULL when len is 0 (an empty packet). */
RP_CHECK_RESULT int rp_frame_write(const uint8_t *payload, size_t len, uint8_t *out, size_t cap,
                                   size_t *out_len, rp_error *err);

/* Writes payload + delimiter to fd, retrying short writes and EINTR; RP_E_IO with errno text
 * on failure, RP_E_ARGUMENT as above. Blocking fd expected (EAGAIN is RP_E_IO). */
RP_CHECK_RESULT int rp_frame_write_fd(int fd, const uint8_t *payload, size_t len,
                                      rp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* RP_FRAME_H */
