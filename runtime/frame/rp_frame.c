/* rp_frame: delimiter and length-prefix framing. See rp_frame.h. */
#include "rp_frame.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- descriptions ---------------------------------------------------------------------- */

int rp_framing_check(const rp_framing *fr, rp_error *err)
{
    if (fr == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX, "framing: NULL");
    if (fr->kind == RP_FRAMING_DELIMITER) {
        if (fr->delim == NULL || fr->delim_len == 0 || fr->delim_len > RP_FRAMING_DELIM_MAX)
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                                "framing: a delimiter needs 1..%u bytes (has %zu)",
                                RP_FRAMING_DELIM_MAX, fr->delim == NULL ? 0 : fr->delim_len);
        return RP_OK;
    }
    if (fr->kind == RP_FRAMING_LENGTH) {
        unsigned p = fr->prefix_bytes;
        if (p != 1 && p != 2 && p != 4 && p != 8)
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                                "framing: a length prefix is 1, 2, 4 or 8 bytes (not %u)", p);
        return RP_OK;
    }
    return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                        "framing: unknown kind %d", (int)fr->kind);
}

size_t rp_framing_overhead(const rp_framing *fr)
{
    if (rp_framing_check(fr, NULL) != RP_OK) return 0;
    return fr->kind == RP_FRAMING_DELIMITER ? fr->delim_len : fr->prefix_bytes;
}

static uint64_t prefix_max(unsigned bytes)
{
    return bytes >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * bytes)) - 1;
}

size_t rp_framing_max_payload(const rp_framing *fr)
{
    if (rp_framing_check(fr, NULL) != RP_OK) return 0;
    if (fr->kind == RP_FRAMING_DELIMITER) return SIZE_MAX;
    uint64_t m = prefix_max(fr->prefix_bytes);
    return m > SIZE_MAX ? SIZE_MAX : (size_t)m;
}

size_t rp_framer_buffer_size(const rp_framing *fr, size_t max_packet)
{
    size_t o = rp_framing_overhead(fr);
    if (o == 0 || max_packet > SIZE_MAX - o) return 0;
    return max_packet + o;
}

/* ---- delimiter search ------------------------------------------------------------------ */

/* Offset of the first delimiter in p[from..len), or len when there is none. */
static size_t find_delim(const uint8_t *p, size_t from, size_t len, const uint8_t *d, size_t dl)
{
    if (len < dl) return len;
    size_t last = len - dl; /* the last offset a delimiter can start at */
    size_t i = from;
    while (i <= last) {
        const uint8_t *c = memchr(p + i, d[0], last - i + 1);
        if (c == NULL) return len;
        i = (size_t)(c - p);
        if (memcmp(p + i, d, dl) == 0) return i;
        i++;
    }
    return len;
}

/* ---- reading --------------------------------------------------------------------------- */

int rp_framer_init(rp_framer *f, const rp_framing *framing, void *buf, size_t cap,
                   size_t max_packet, rp_error *err)
{
    if (f == NULL || buf == NULL)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "framer: NULL framer or buffer");
    int rc = rp_framing_check(framing, err);
    if (rc != RP_OK) return rc;
    size_t need = rp_framer_buffer_size(framing, max_packet);
    if (max_packet == 0 || need == 0 || cap < need)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "framer: need a buffer of max_packet + %zu bytes and max_packet > 0 "
                            "(max_packet %zu, buffer %zu)",
                            rp_framing_overhead(framing), max_packet, cap);
    if (max_packet > rp_framing_max_payload(framing))
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "framer: a %u-byte length prefix cannot express max_packet %zu",
                            framing->prefix_bytes, max_packet);
    memset(f, 0, sizeof *f);
    f->buf = buf;
    f->cap = cap;
    f->max_packet = max_packet;
    f->failed = RP_OK;
    f->kind = framing->kind;
    if (framing->kind == RP_FRAMING_DELIMITER) {
        f->delim_len = framing->delim_len;
        memcpy(f->delim, framing->delim, framing->delim_len);
    } else {
        f->prefix_bytes = framing->prefix_bytes;
        f->big_endian = framing->big_endian;
    }
    return RP_OK;
}

void rp_framer_reset(rp_framer *f)
{
    if (f == NULL) return;
    f->total_in = 0; /* a new stream: its offsets count from its own first byte */
    f->start = f->len = f->scan = 0;
    f->failed = RP_OK;
}

static int too_big(rp_framer *f, rp_error *err)
{
    f->failed = RP_E_FRAME_TOO_BIG;
    f->failed_at = f->total_in + f->start;
    return rp_error_set(err, RP_E_FRAME_TOO_BIG, RP_LAYER_FRAME, (size_t)(f->total_in + f->start),
                        "packet starting at stream offset %llu is longer than the maximum of "
                        "%zu bytes",
                        (unsigned long long)(f->total_in + f->start), f->max_packet);
}

static int sticky(const rp_framer *f, rp_error *err)
{
    return rp_error_set(err, f->failed, RP_LAYER_FRAME, (size_t)f->failed_at,
                        "framer stopped after an earlier error at stream offset %llu; reset it "
                        "for a new stream",
                        (unsigned long long)f->failed_at);
}

/* Finds the delimiter of the packet at f->start (resuming the search at f->scan). Returns
 * its offset, or f->len when it has not arrived yet; f->scan remembers where to resume. */
static size_t next_delim(rp_framer *f)
{
    size_t from = f->scan < f->start ? f->start : f->scan;
    size_t d = find_delim(f->buf, from, f->len, f->delim, f->delim_len);
    if (d == f->len) {
        /* The last delim_len - 1 bytes could begin a delimiter completed by the next push. */
        size_t keep = f->delim_len - 1;
        f->scan = f->len >= f->start + keep ? f->len - keep : f->start;
    } else {
        f->scan = d;
    }
    return d;
}

static uint64_t read_prefix(const rp_framer *f, const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < f->prefix_bytes; i++) {
        unsigned k = f->big_endian ? i : f->prefix_bytes - 1 - i;
        v = (v << 8) | p[k];
    }
    return v;
}

/* The packet at f->start: 1 with its payload offset and length when complete, 0 when more
 * bytes are needed, RP_E_FRAME_TOO_BIG (not yet recorded) when it exceeds max_packet. */
static int head_packet(rp_framer *f, size_t *at, size_t *plen, size_t *next)
{
    size_t avail = f->len - f->start;
    if (f->kind == RP_FRAMING_LENGTH) {
        if (avail < f->prefix_bytes) return 0;
        uint64_t n = read_prefix(f, f->buf + f->start);
        if (n > f->max_packet) return RP_E_FRAME_TOO_BIG;
        if (avail - f->prefix_bytes < n) return 0;
        *at = f->start + f->prefix_bytes;
        *plen = (size_t)n;
        *next = *at + (size_t)n;
        return 1;
    }
    size_t d = next_delim(f);
    if (d == f->len)
        return avail >= f->max_packet + f->delim_len ? RP_E_FRAME_TOO_BIG : 0;
    if (d - f->start > f->max_packet) return RP_E_FRAME_TOO_BIG;
    *at = f->start;
    *plen = d - f->start;
    *next = d + f->delim_len;
    return 1;
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
    /* Check the packet at the head now, so an oversized one fails as soon as that is known
     * instead of after the caller's buffer fills up. */
    size_t at, plen, next;
    if (head_packet(f, &at, &plen, &next) == RP_E_FRAME_TOO_BIG) return too_big(f, err);
    return RP_OK;
}

int rp_framer_pop(rp_framer *f, const uint8_t **pkt, size_t *pkt_len)
{
    if (f == NULL || pkt == NULL || pkt_len == NULL) return RP_E_ARGUMENT;
    if (f->failed != RP_OK) return f->failed;
    size_t at = 0, plen = 0, next = 0;
    int r = head_packet(f, &at, &plen, &next);
    if (r == RP_E_FRAME_TOO_BIG) return too_big(f, NULL);
    if (r == 0) return 0;
    *pkt = f->buf + at;
    *pkt_len = plen;
    f->start = next;
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
                            "stream ended inside a packet (%zu bytes of an unfinished %s)",
                            f->len - f->start,
                            f->kind == RP_FRAMING_LENGTH ? "length-prefixed packet"
                                                         : "packet without its delimiter");
    return RP_OK;
}

/* ---- writing --------------------------------------------------------------------------- */

/* Delimiter framing: the first delimiter of payload + delimiter must be the appended one. */
static int check_payload(const rp_framing *fr, const uint8_t *payload, size_t len, rp_error *err)
{
    int rc = rp_framing_check(fr, err);
    if (rc != RP_OK) return rc;
    if (payload == NULL && len > 0)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                            "frame write: NULL payload");
    if (fr->kind == RP_FRAMING_LENGTH) {
        if ((uint64_t)len > prefix_max(fr->prefix_bytes))
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, SIZE_MAX,
                                "frame write: %zu bytes do not fit a %u-byte length prefix",
                                len, fr->prefix_bytes);
        return RP_OK;
    }
    const uint8_t *d = fr->delim;
    size_t dl = fr->delim_len;
    size_t at = len == 0 ? 0 : find_delim(payload, 0, len, d, dl);
    if (at < len)
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, at,
                            "payload contains the delimiter at offset %zu", at);
    /* A tail of the payload that begins the delimiter would let the peer split early, e.g.
     * a payload ending "ab" before the delimiter "abab". */
    for (size_t i = len >= dl ? len - dl + 1 : 0; i < len; i++) {
        size_t k = len - i; /* payload bytes in the candidate match, 1..dl-1 */
        if (memcmp(payload + i, d, k) == 0 && memcmp(d + k, d, dl - k) == 0)
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_FRAME, i,
                                "payload ends with a part of the delimiter (offset %zu): the "
                                "peer would cut the packet short",
                                i);
    }
    return RP_OK;
}

static void put_prefix(const rp_framing *fr, size_t len, uint8_t *out)
{
    uint64_t v = (uint64_t)len;
    for (unsigned i = 0; i < fr->prefix_bytes; i++) {
        unsigned k = fr->big_endian ? fr->prefix_bytes - 1 - i : i;
        out[k] = (uint8_t)(v & 0xffu);
        v >>= 8;
    }
}

int rp_frame_write(const rp_framing *fr, const uint8_t *payload, size_t len, uint8_t *out,
                   size_t cap, size_t *out_len, rp_error *err)
{
    if (out_len) *out_len = 0;
    int rc = check_payload(fr, payload, len, err);
    if (rc != RP_OK) return rc;
    size_t o = rp_framing_overhead(fr);
    if (out == NULL || len > SIZE_MAX - o || cap < len + o)
        return rp_error_set(err, out == NULL ? RP_E_ARGUMENT : RP_E_OVERFLOW, RP_LAYER_FRAME,
                            SIZE_MAX, "frame write: packet needs %zu bytes, buffer has %zu",
                            len + o, cap);
    if (fr->kind == RP_FRAMING_DELIMITER) {
        if (len > 0) memmove(out, payload, len);
        memcpy(out + len, fr->delim, o);
    } else {
        if (len > 0) memmove(out + o, payload, len);
        put_prefix(fr, len, out);
    }
    if (out_len) *out_len = len + o;
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

int rp_frame_write_fd(int fd, const rp_framing *fr, const uint8_t *payload, size_t len,
                      rp_error *err)
{
    int rc = check_payload(fr, payload, len, err);
    if (rc != RP_OK) return rc;
    if (fr->kind == RP_FRAMING_LENGTH) {
        uint8_t pre[8];
        put_prefix(fr, len, pre);
        rc = write_all(fd, pre, fr->prefix_bytes, err);
        if (rc != RP_OK || len == 0) return rc;
        return write_all(fd, payload, len, err);
    }
    if (len > 0) {
        rc = write_all(fd, payload, len, err);
        if (rc != RP_OK) return rc;
    }
    return write_all(fd, fr->delim, fr->delim_len, err);
}
