/* rp_frame: "\r\n\r\n" framing. See rp_frame.h. */
#include "rp_frame.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static const uint8_t delim[RP_FRAME_DELIMITER_LEN] = {'\r', '\n', '\r', '\n'};

/* Offset of the first delimiter in p[from..len), or len when there is none. */
static size_t find_delim(const uint8_t *p, size_t from, size_t len)
{
    for (size_t i = from; i + RP_FRAME_DELIMITER_LEN <= len; i++) {
        if (p[i] == '\r' && memcmp(p + i, delim, RP_FRAME_DELIMITER_LEN) == 0) return i;
    }
    return len;
}

int rp_framer_init(rp_framer *f, void *buf, size_t cap, size_t max_packet, rp_error *err)
{
    if (f == NULL || buf == NULL || max_packet == 0 ||
        max_packet > SIZE_MAX - RP_FRAME_DELIMITER_LEN ||
        cap < RP_FRAMER_BUFFER_SIZE(max_packet))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "framer: need a buffer of max_packet + 4 bytes and max_packet > 0 "
                            "(max_packet %zu, buffer %zu)",
                            max_packet, cap);
    memset(f, 0, sizeof *f);
    f->buf = buf;
    f->cap = cap;
    f->max_packet = max_packet;
    f->failed = RP_OK;
    return RP_OK;
}

void rp_framer_reset(rp_framer *f)
{
    if (f == NULL) return;
    f->total_in += f->len;
    f->start = f->len = f->scan = 0;
    f->failed = RP_OK;
}

static int too_big(rp_framer *f, rp_error *err)
{
    f->failed = RP_E_FRAME_TOO_BIG;
    return rp_error_set(err, RP_E_FRAME_TOO_BIG, RP_LAYER_FRAME, (size_t)(f->total_in + f->start),
                        "packet starting at stream offset %llu is longer than the maximum of "
                        "%zu bytes",
                        (unsigned long long)(f->total_in + f->start), f->max_packet);
}

static int sticky(const rp_framer *f, rp_error *err)
{
    return rp_error_set(err, f->failed, RP_LAYER_FRAME, SIZE_MAX,
                        "framer stopped after an earlier error; reset it for a new stream");
}

/* Finds the delimiter of the packet at f->start (resuming the search at f->scan). Returns
 * its offset, or f->len when it has not arrived yet; f->scan remembers where to resume. */
static size_t next_delim(rp_framer *f)
{
    size_t from = f->scan < f->start ? f->start : f->scan;
    size_t d = find_delim(f->buf, from, f->len);
    if (d == f->len) {
        /* The last 3 bytes could begin a delimiter completed by the next push. */
        size_t keep = f->len >= f->start + 3 ? f->len - 3 : f->start;
        f->scan = keep;
    } else {
        f->scan = d;
    }
    return d;
}

int rp_framer_push(rp_framer *f, const uint8_t *data, size_t len, size_t *used, rp_error *err)
{
    if (used) *used = 0;
    if (f == NULL || (data == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "framer push: NULL argument");
    if (f->failed != RP_OK) return sticky(f, err);
    /* Drop delivered packets so the free space is at the end. */
    if (f->start > 0) {
        memmove(f->buf, f->buf + f->start, f->len - f->start);
        f->len -= f->start;
        f->scan = f->scan > f->start ? f->scan - f->start : 0;
        f->total_in += f->start;
        f->start = 0;
    }
    size_t n = f->cap - f->len;
    if (n > len) n = len;
    if (n > 0) memcpy(f->buf + f->len, data, n);
    f->len += n;
    if (used) *used = n;
    /* Check the packet at the head now, so an oversized one fails as soon as max_packet + 4
     * bytes are here instead of after the caller's buffer fills up. */
    size_t d = next_delim(f);
    if (d == f->len) {
        if (f->len - f->start >= f->max_packet + RP_FRAME_DELIMITER_LEN) return too_big(f, err);
    } else if (d - f->start > f->max_packet) {
        return too_big(f, err);
    }
    return RP_OK;
}

int rp_framer_pop(rp_framer *f, const uint8_t **pkt, size_t *pkt_len)
{
    if (f == NULL || pkt == NULL || pkt_len == NULL) return RP_E_ARGUMENT;
    if (f->failed != RP_OK) return f->failed;
    size_t d = next_delim(f);
    if (d == f->len) {
        if (f->len - f->start >= f->max_packet + RP_FRAME_DELIMITER_LEN)
            return too_big(f, NULL);
        return 0;
    }
    if (d - f->start > f->max_packet) return too_big(f, NULL);
    *pkt = f->buf + f->start;
    *pkt_len = d - f->start;
    f->start = d + RP_FRAME_DELIMITER_LEN;
    f->scan = f->start;
    return 1;
}

int rp_framer_feed(rp_framer *f, const uint8_t *data, size_t len, rp_frame_packet_fn on_packet,
                   void *ctx, size_t *used, rp_error *err)
{
    if (used) *used = 0;
    if (f == NULL || on_packet == NULL || (data == NULL && len > 0))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "framer feed: NULL argument");
    size_t done = 0;
    int rc = RP_OK;
    do {
        size_t n = 0;
        rc = rp_framer_push(f, data != NULL ? data + done : NULL, len - done, &n, err);
        done += n;
        if (rc != RP_OK) break;
        const uint8_t *p = NULL;
        size_t plen = 0;
        int r;
        size_t popped = 0;
        while ((r = rp_framer_pop(f, &p, &plen)) == 1) {
            popped++;
            rc = on_packet(ctx, p, plen);
            if (rc != RP_OK) {
                if (rc > 0) rc = RP_E_ARGUMENT; /* callbacks must return 0 or negative */
                if (err != NULL && err->code == RP_OK)
                    rp_error_set(err, rc, RP_LAYER_FRAME, SIZE_MAX,
                                 "packet handler stopped the stream (%s)", rp_status_name(rc));
                break;
            }
        }
        if (rc != RP_OK) break;
        if (r < 0) {
            rc = too_big(f, err);
            break;
        }
        /* push took nothing and no packet was ready: impossible (push would have reported
         * TOO_BIG), but never spin. */
        if (n == 0 && popped == 0 && done < len) {
            rc = too_big(f, err);
            break;
        }
    } while (done < len);
    if (used) *used = done;
    return rc;
}

size_t rp_framer_pending(const rp_framer *f)
{
    return f == NULL ? 0 : f->len - f->start;
}

int rp_framer_finish(const rp_framer *f, rp_error *err)
{
    if (f == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "framer finish: NULL framer");
    if (f->failed != RP_OK) return sticky(f, err);
    if (f->len > f->start)
        return rp_error_set(err, RP_E_FRAME_PARTIAL, RP_LAYER_FRAME,
                            (size_t)(f->total_in + f->start),
                            "stream ended inside a packet (%zu bytes without \\r\\n\\r\\n)",
                            f->len - f->start);
    return RP_OK;
}

static int check_payload(const uint8_t *payload, size_t len, rp_error *err)
{
    if (payload == NULL && len > 0)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "frame write: NULL payload");
    size_t d = len == 0 ? 0 : find_delim(payload, 0, len);
    if (d < len)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, d,
                            "payload contains the delimiter \\r\\n\\r\\n at offset %zu", d);
    /* "...\r\n" + "\r\n\r\n" would be split two bytes early by the peer. */
    if (len >= 2 && payload[len - 2] == '\r' && payload[len - 1] == '\n')
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, len - 2,
                            "payload ends with \\r\\n (offset %zu): the peer would cut the "
                            "packet short",
                            len - 2);
    return RP_OK;
}

int rp_frame_write(const uint8_t *payload, size_t len, uint8_t *out, size_t cap,
                   size_t *out_len, rp_error *err)
{
    if (out_len) *out_len = 0;
    int rc = check_payload(payload, len, err);
    if (rc != RP_OK) return rc;
    if (out == NULL || len > SIZE_MAX - RP_FRAME_DELIMITER_LEN ||
        cap < len + RP_FRAME_DELIMITER_LEN)
        return rp_error_set(err, out == NULL ? RP_E_ARGUMENT : RP_E_OVERFLOW, RP_LAYER_FRAME,
                            SIZE_MAX, "frame write: packet needs %zu bytes, buffer has %zu",
                            len + RP_FRAME_DELIMITER_LEN, cap);
    if (len > 0) memmove(out, payload, len);
    memcpy(out + len, delim, RP_FRAME_DELIMITER_LEN);
    if (out_len) *out_len = len + RP_FRAME_DELIMITER_LEN;
    return RP_OK;
}

/* Writes all of p[0..len); sockets get MSG_NOSIGNAL so a closed peer is an error, not a
 * SIGPIPE that kills the process. */
static int write_all(int fd, const uint8_t *p, size_t len, rp_error *err)
{
    int use_send = 1;
    while (len > 0) {
        ssize_t n = use_send ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (use_send && errno == ENOTSOCK) {
                use_send = 0;
                continue;
            }
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "write failed: %s",
                                strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return RP_OK;
}

int rp_frame_write_fd(int fd, const uint8_t *payload, size_t len, rp_error *err)
{
    int rc = check_payload(payload, len, err);
    if (rc != RP_OK) return rc;
    if (len > 0) {
        rc = write_all(fd, payload, len, err);
        if (rc != RP_OK) return rc;
    }
    return write_all(fd, delim, RP_FRAME_DELIMITER_LEN, err);
}
