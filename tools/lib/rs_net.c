/* rs_net: socket helpers. See rs_net.h. */
#include "rs_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int addr_from_text(const char *text, struct in_addr *out, rp_error *err)
{
    if (strcmp(text, "localhost") == 0) {
        text = "127.0.0.1";
    }
    if (inet_pton(AF_INET, text, out) != 1) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "'%s' is not an IPv4 address (dotted quad or localhost)", text);
    }
    return 0;
}

int rs_set_nonblocking(int fd, rp_error *err)
{
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "fcntl(O_NONBLOCK): %s",
                            strerror(errno));
    }
    return 0;
}

int rs_listen(const char *addr, uint16_t port, int *fd_out, uint16_t *bound_port, rp_error *err)
{
    *fd_out = -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    int rc = addr_from_text(addr, &sa.sin_addr, err);
    if (rc < 0) {
        return rc;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "socket: %s", strerror(errno));
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* Linux copies TCP_NODELAY to every socket accepted from this one, which saves the
     * server a setsockopt per connection (tests/unit checks the inheritance). */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "bind %s:%u: %s", addr,
                            (unsigned)port, strerror(e));
    }
    if (listen(fd, 128) < 0) {
        int e = errno;
        close(fd);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "listen %s:%u: %s", addr,
                            (unsigned)port, strerror(e));
    }
    socklen_t sl = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        int e = errno;
        close(fd);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "getsockname: %s", strerror(e));
    }
    if ((rc = rs_set_nonblocking(fd, err)) < 0) {
        close(fd);
        return rc;
    }
    *bound_port = ntohs(sa.sin_port);
    *fd_out = fd;
    return 0;
}

/* Milliseconds on a monotonic clock. */
static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rs_connect(const char *host, uint16_t port, int timeout_ms, int *fd_out, rp_error *err)
{
    *fd_out = -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    int rc = addr_from_text(host, &sa.sin_addr, err);
    if (rc < 0) {
        return rc;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "socket: %s", strerror(errno));
    }
    if ((rc = rs_set_nonblocking(fd, err)) < 0) {
        close(fd);
        return rc;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "connect %s:%u: %s", host,
                                (unsigned)port, strerror(e));
        }
        struct pollfd p = {fd, POLLOUT, 0};
        int n;
        do {
            n = poll(&p, 1, timeout_ms);
        } while (n < 0 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (n == 0) {
            close(fd);
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                "connect %s:%u: timed out after %d ms", host, (unsigned)port,
                                timeout_ms);
        }
        if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
            int e = soerr != 0 ? soerr : errno;
            close(fd);
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "connect %s:%u: %s", host,
                                (unsigned)port, strerror(e));
        }
    }
    /* Back to blocking: the client does one request and one reply at a time. */
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "fcntl: %s", strerror(e));
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd_out = fd;
    return 0;
}

int rs_parse_port(const char *text, int allow_zero, uint16_t *port, rp_error *err)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = text == NULL ? 0 : strtoul(text, &end, 10);
    if (text == NULL || *text == '\0' || *end != '\0' || errno != 0 || v > 65535 ||
        (v == 0 && !allow_zero) || text[0] == '-' || text[0] == '+') {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "'%s' is not a port number (%s..65535)", text ? text : "",
                            allow_zero ? "0" : "1");
    }
    *port = (uint16_t)v;
    return 0;
}

int rs_parse_host_port(const char *text, char *host, size_t host_cap, uint16_t *port,
                       rp_error *err)
{
    const char *colon = text == NULL ? NULL : strrchr(text, ':');
    if (colon == NULL || colon == text || (size_t)(colon - text) >= host_cap) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "'%s' is not HOST:PORT (e.g. 127.0.0.1:8777)", text ? text : "");
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    return rs_parse_port(colon + 1, 0, port, err);
}

int rs_send_all(int fd, const uint8_t *buf, size_t len, int timeout_ms, rp_error *err)
{
    size_t off = 0;
    while (off < len) {
        struct pollfd p = {fd, POLLOUT, 0};
        int n = poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "send: %s",
                                n == 0 ? "timed out" : strerror(errno));
        }
        ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "send: %s", strerror(errno));
        }
        off += (size_t)w;
    }
    return 0;
}

int rs_recv_packet(int fd, rp_framer *framer, int timeout_ms, const uint8_t **pkt,
                   size_t *pkt_len, rp_error *err)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        if (rp_framer_pop(framer, pkt, pkt_len) == 1) {
            return 0;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                "no reply within %d ms", timeout_ms);
        }
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "poll: %s", strerror(errno));
        }
        if (n == 0) {
            continue;
        }
        uint8_t buf[16384];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (r < 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "recv: %s", strerror(errno));
        }
        if (r == 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                "the server closed the connection");
        }
        size_t off = 0;
        while (off < (size_t)r) {
            size_t used = 0;
            int rc = rp_framer_push(framer, buf + off, (size_t)r - off, &used, err);
            if (rc < 0) {
                return rc;
            }
            off += used;
            if (used == 0) {
                /* Buffer full of complete packets: the caller pops one, the rest of this
                 * read would be lost, which cannot happen with one request in flight. */
                if (rp_framer_pop(framer, pkt, pkt_len) == 1) {
                    return 0;
                }
                return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_FRAME, SIZE_MAX,
                                    "unexpected data after the reply");
            }
        }
    }
}

/* Slots: only a successful request is worth a slot (see rs_net.h). */
bool rs_slot_victim_before(const rs_conn_facts *a, const rs_conn_facts *b)
{
    bool a_useful = a->last_success_ms >= 0, b_useful = b->last_success_ms >= 0;
    if (a_useful != b_useful) return !a_useful;
    if (a_useful && a->last_success_ms != b->last_success_ms) {
        return a->last_success_ms < b->last_success_ms;
    }
    return a->created_ms < b->created_ms;
}

/* Memory: no success, then least progress, then size (see rs_net.h). */
bool rs_memory_victim_before(const rs_conn_facts *a, const rs_conn_facts *b)
{
    bool a_useful = a->last_success_ms >= 0, b_useful = b->last_success_ms >= 0;
    if (a_useful != b_useful) return !a_useful;
    if (a->last_active_ms != b->last_active_ms) return a->last_active_ms < b->last_active_ms;
    if (a->held != b->held) return a->held > b->held;
    return a->created_ms < b->created_ms;
}
