/* residue_net: TCP with deadlines and an abort descriptor. See residue_net.h. */
/* POSIX sockets, getaddrinfo and clock_gettime: asked for here, so that a vendored copy
 * built with a plain `cc -std=c11` sees them too (the Makefile passes the same). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "residue_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* where it does not exist the application must ignore SIGPIPE */
#endif

#define RECV_CHUNK 16384u

uint64_t residue_net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int residue_net_parse_url(const char *url, char *host, size_t host_cap, uint16_t *port,
                          rp_error *err)
{
    const char *text = url == NULL ? "" : url;
    const char *h = text, *h_end, *colon;
    if (text[0] == '[') {
        h = text + 1;
        h_end = strchr(h, ']');
        colon = h_end == NULL ? NULL : h_end + 1;
        if (colon != NULL && *colon != ':') colon = NULL;
    } else {
        colon = strrchr(text, ':');
        h_end = colon;
    }
    if (colon == NULL || h_end == h || (size_t)(h_end - h) > RESIDUE_NET_HOST_MAX ||
        (size_t)(h_end - h) >= host_cap) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "url '%.100s' is not HOST:PORT (e.g. localhost:8777)", text);
    }
    const char *p = colon + 1;
    unsigned long v = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9' && v <= 65535u; p++, digits++) {
        v = v * 10u + (unsigned long)(*p - '0');
    }
    if (digits == 0 || *p != '\0' || v == 0 || v > 65535u) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "url '%.100s': the port must be 1..65535", text);
    }
    memcpy(host, h, (size_t)(h_end - h));
    host[h_end - h] = '\0';
    *port = (uint16_t)v;
    return 0;
}

/* Waits for events on fd (and readability of abort_fd) until deadline (0 = none).
 * Returns 1 when fd is ready, or a negative status with err filled (what = the step). */
static int wait_fd(int fd, short events, uint64_t deadline, int abort_fd, int timeout_ms,
                   const char *what, rp_error *err)
{
    for (;;) {
        int slice = -1;
        if (deadline != 0) {
            uint64_t now = residue_net_now_ms();
            if (now >= deadline) {
                return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                    "%s timed out after %d ms", what, timeout_ms);
            }
            uint64_t left = deadline - now;
            slice = left > 60000u ? 60000 : (int)left;
        }
        struct pollfd p[2] = {{fd, events, 0}, {abort_fd, POLLIN, 0}};
        int n = poll(p, abort_fd >= 0 ? 2u : 1u, slice);
        if (n < 0) {
            if (errno == EINTR) continue;
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "%s: poll: %s", what,
                                strerror(errno));
        }
        if (abort_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "%s aborted (closing)", what);
        }
        if (n > 0 && p[0].revents != 0) {
            return 1;
        }
    }
}

static uint64_t deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? 0 : residue_net_now_ms() + (uint64_t)timeout_ms + (timeout_ms == 0);
}

static int connect_one(const struct addrinfo *ai, const char *host, uint16_t port,
                       uint64_t deadline, int timeout_ms, int abort_fd, int *fd_out, rp_error *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "socket: %s", strerror(errno));
    }
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        int e = errno;
        close(fd);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "fcntl: %s", strerror(e));
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            int e = errno;
            close(fd);
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "connect %s:%u: %s",
                                host, (unsigned)port, strerror(e));
        }
        char what[300];
        snprintf(what, sizeof what, "connect %s:%u", host, (unsigned)port);
        int rc = wait_fd(fd, POLLOUT, deadline, abort_fd, timeout_ms, what, err);
        if (rc < 0) {
            close(fd);
            return rc;
        }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
            int e = soerr != 0 ? soerr : errno;
            close(fd);
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "connect %s:%u: %s",
                                host, (unsigned)port, strerror(e));
        }
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd_out = fd;
    return 0;
}

int residue_net_connect(const char *host, uint16_t port, int timeout_ms, int abort_fd,
                        int *fd_out, rp_error *err)
{
    if (fd_out == NULL || host == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "host and fd_out must not be NULL");
    }
    *fd_out = -1;
    uint64_t deadline = deadline_of(timeout_ms);
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int g = getaddrinfo(host, service, &hints, &res);
    if (g != 0 || res == NULL) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "cannot resolve '%s': %s", host,
                            g != 0 ? gai_strerror(g) : "no address");
    }
    int rc = RP_E_IO;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        rc = connect_one(ai, host, port, deadline, timeout_ms, abort_fd, fd_out, err);
        if (rc == 0) break;
    }
    freeaddrinfo(res);
    return rc;
}

int residue_net_send(int fd, const uint8_t *buf, size_t len, int timeout_ms, int abort_fd,
                     rp_error *err)
{
    uint64_t deadline = deadline_of(timeout_ms);
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "send: %s", strerror(errno));
        }
        int rc = wait_fd(fd, POLLOUT, deadline, abort_fd, timeout_ms,
                         "send (the server is not reading)", err);
        if (rc < 0) return rc;
    }
    return 0;
}

int residue_net_recv_packet(int fd, rp_framer *framer, int timeout_ms, int abort_fd,
                            const uint8_t **pkt, size_t *pkt_len, rp_error *err)
{
    uint64_t deadline = deadline_of(timeout_ms);
    uint8_t buf[RECV_CHUNK];
    for (;;) {
        int r = rp_framer_pop(framer, pkt, pkt_len);
        if (r == 1) {
            if (rp_framer_pending(framer) != 0) {
                return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_FRAME, SIZE_MAX,
                                    "unexpected data after the reply");
            }
            return 0;
        }
        if (r < 0) {
            return rp_error_set(err, (rp_status)r, RP_LAYER_FRAME, SIZE_MAX,
                                "the reply exceeds %zu bytes", framer->max_packet);
        }
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0) {
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                "the server closed the connection");
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "recv: %s",
                                    strerror(errno));
            }
            int rc = wait_fd(fd, POLLIN, deadline, abort_fd, timeout_ms, "waiting for the reply",
                             err);
            if (rc < 0) return rc;
            continue;
        }
        size_t off = 0;
        while (off < (size_t)n) {
            size_t used = 0;
            int rc = rp_framer_push(framer, buf + off, (size_t)n - off, &used, err);
            if (rc < 0) return rc;
            if (used == 0) {
                return rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_FRAME, SIZE_MAX,
                                    "unexpected data after the reply");
            }
            off += used;
        }
        if (deadline != 0 && residue_net_now_ms() >= deadline && rp_framer_pending(framer) != 0) {
            /* a peer that trickles bytes without ever finishing the packet */
            r = rp_framer_pop(framer, pkt, pkt_len);
            if (r == 1 && rp_framer_pending(framer) == 0) return 0;
            return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX,
                                "no complete reply within %d ms", timeout_ms);
        }
    }
}
