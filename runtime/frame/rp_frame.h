/* rp_frame: splits a byte stream into packets and frames outgoing packets, for the two kinds
 * of framing a spec can declare for a port (rp_framing):
 *
 *   delimiter   every packet is followed by the same 1..16 bytes (e.g. "\r\n", "\n", "\0",
 *               "END"); a payload must not contain them
 *   length      every packet is preceded by its payload length, an unsigned integer of 1, 2,
 *               4 or 8 bytes, big or little endian; the payload may hold any bytes
 *
 * Reading: an rp_framer works in a buffer the CALLER provides (no allocation). Feed it any
 * chunks — one packet split over many reads, or many packets in one read — and it delivers
 * every packet in order, none dropped or duplicated.
 *
 * Packets longer than max_packet payload bytes (delimiter or prefix excluded) are
 * RP_E_FRAME_TOO_BIG. Delimiter framing: as soon as max_packet + delimiter-length bytes of
 * one packet are buffered without its delimiter (or the delimiter is found too late).
 * Length framing: as soon as the prefix is read and announces more than max_packet. With a
 * buffer of exactly rp_framer_buffer_size(framing, max_packet) the framer never holds more
 * than that; a larger caller buffer may take in up to its size in one push before the check
 * runs. Memory use is always bounded by the caller's buffer. After TOO_BIG the framer is in
 * a sticky error state (the stream can no longer be trusted to be in sync) until
 * rp_framer_reset.
 *
 * Two ways to read:
 *   1. pull:  while (len > 0) {
 *                 size_t used; rc = rp_framer_push(&f, data, len, &used, err); if (rc) ...
 *                 data += used; len -= used;
 *                 while ((rc = rp_framer_pop(&f, &pkt, &pkt_len)) == 1) handle(pkt, pkt_len);
 *             }
 *   2. callback: rp_framer_feed(&f, data, len, on_packet, ctx, err) does the loop above.
 *
 * Writing: rp_frame_write puts one framed packet into a caller buffer; rp_frame_write_fd
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

typedef enum rp_framing_kind {
    RP_FRAMING_DELIMITER = 1, /* payload, then the delimiter bytes */
    RP_FRAMING_LENGTH = 2     /* the payload length as an unsigned integer, then the payload */
} rp_framing_kind;

#define RP_FRAMING_DELIM_MAX 16u  /* longest delimiter */
#define RP_FRAMING_MAX_OVERHEAD 16u /* most bytes any framing adds to a payload */

/* How one port's packets are framed. A plain value (the emitter writes one per port); the
 * delimiter bytes are static data that must outlive every use of the description. */
typedef struct rp_framing {
    rp_framing_kind kind;
    const uint8_t *delim;  /* DELIMITER: the bytes, not owned, not NUL-terminated */
    size_t delim_len;      /* DELIMITER: 1..RP_FRAMING_DELIM_MAX */
    unsigned prefix_bytes; /* LENGTH: 1, 2, 4 or 8; the prefix counts payload bytes only */
    bool big_endian;       /* LENGTH: byte order of the prefix */
} rp_framing;

/* Checks a description: a known kind, a delimiter of 1..16 bytes (non-NULL), or a prefix of
 * 1/2/4/8 bytes. RP_E_ARGUMENT with a message saying what is wrong. */
RP_CHECK_RESULT int rp_framing_check(const rp_framing *framing, rp_error *err);

/* Bytes a frame adds to a payload: the delimiter length or the prefix size (0 for NULL or
 * an invalid description). */
size_t rp_framing_overhead(const rp_framing *framing);

/* Largest payload the framing can express: the prefix's maximum for length framing
 * (255 for one byte ...), SIZE_MAX for delimiter framing; 0 when invalid. */
size_t rp_framing_max_payload(const rp_framing *framing);

/* Buffer size an rp_framer needs for a given maximum payload and framing overhead
 * (rp_framing_overhead; RP_FRAMING_MAX_OVERHEAD always suffices). */
#define RP_FRAMER_BUFFER_SIZE(max_packet, overhead) ((max_packet) + (overhead))

/* rp_framing_overhead(framing) + max_packet, or 0 when that overflows or framing is
 * invalid. */
size_t rp_framer_buffer_size(const rp_framing *framing, size_t max_packet);

/* The incremental splitter. Treat the fields as private; they are public only so the struct
 * can live on the stack or inside a session without allocation. */
typedef struct rp_framer {
    uint8_t *buf;        /* caller storage, not owned */
    size_t cap;          /* size of buf */
    size_t max_packet;   /* maximum payload length, framing excluded */
    size_t start;        /* offset of the first byte not yet delivered */
    size_t len;          /* bytes in buf (valid data is buf[start..len)) */
    size_t scan;         /* delimiter search resumes here (absolute offset in buf) */
    uint64_t total_in;   /* stream offset of buf[0], for error offsets */
    rp_status failed;    /* RP_OK, or the sticky error */
    uint64_t failed_at;  /* stream offset of the packet that failed */
    rp_framing_kind kind;
    unsigned prefix_bytes;
    bool big_endian;
    size_t delim_len;
    uint8_t delim[RP_FRAMING_DELIM_MAX]; /* a copy: the framer does not keep the description */
} rp_framer;

/* Prepares f to split a stream framed as *framing (copied; NULL is RP_E_ARGUMENT) into
 * packets of at most max_packet payload bytes, using buf[0..cap) (owned by the caller, must
 * outlive f's use). Requires a valid framing, max_packet > 0 and no larger than the framing
 * can express, and cap >= rp_framer_buffer_size(framing, max_packet); else RP_E_ARGUMENT. */
RP_CHECK_RESULT int rp_framer_init(rp_framer *f, const rp_framing *framing, void *buf,
                                   size_t cap, size_t max_packet, rp_error *err);

/* Starts a new stream (e.g. for a new connection): forgets all buffered bytes, clears a
 * sticky error, and counts stream offsets from 0 again. */
void rp_framer_reset(rp_framer *f);

/* Copies as much of data[0..len) as fits into the buffer and reports the count in *used
 * (bytes not used must be pushed again after popping packets). Returns RP_E_FRAME_TOO_BIG
 * (err->offset = stream offset where the oversized packet started) when the pending packet
 * exceeds max_packet, or the sticky error (with the same offset). data may be NULL when len
 * is 0. */
RP_CHECK_RESULT int rp_framer_push(rp_framer *f, const uint8_t *data, size_t len, size_t *used,
                                   rp_error *err);

/* Takes the next complete packet: returns 1 and sets *pkt / *pkt_len (payload without the
 * framing, possibly empty) when one is ready, 0 when more input is needed, or a negative
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

/* Writes one framed packet into out[0..cap): payload + delimiter, or prefix + payload.
 * RP_E_OVERFLOW when cap < len + rp_framing_overhead(framing). RP_E_ARGUMENT for an
 * invalid framing; for delimiter framing also (with the offset) when the payload contains
 * the delimiter or ends with a part of it that, with the delimiter, would end the packet
 * early; for length framing when len exceeds what the prefix can express. payload may be
 * NULL when len is 0 (an empty packet); it may lie at out itself (it is moved, not
 * copied). */
RP_CHECK_RESULT int rp_frame_write(const rp_framing *framing, const uint8_t *payload,
                                   size_t len, uint8_t *out, size_t cap, size_t *out_len,
                                   rp_error *err);

/* Writes one framed packet to fd, retrying short writes and EINTR; RP_E_IO with errno text
 * on failure, RP_E_ARGUMENT as above. Blocking fd expected (EAGAIN is RP_E_IO). */
RP_CHECK_RESULT int rp_frame_write_fd(int fd, const rp_framing *framing, const uint8_t *payload,
                                      size_t len, rp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* RP_FRAME_H */
