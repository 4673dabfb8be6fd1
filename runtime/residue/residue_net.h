/* residue_net: the blocking-with-deadline TCP helpers of the residue logger's dispatcher.
 *
 * Every wait is bounded twice: by a timeout and by an abort descriptor. abort_fd (-1 = none)
 * is polled together with the socket; once it is readable (the logger writes one byte into
 * its wake pipe when close() runs out of time) every call returns RP_E_IO "aborted" at once,
 * so a dispatcher stuck on a server that stopped reading can always be stopped.
 *
 * Sockets are non-blocking TCP with TCP_NODELAY; writes use MSG_NOSIGNAL so a peer that went
 * away is an error, never a SIGPIPE. Host names are resolved with getaddrinfo (IPv4 and IPv6;
 * the resolver itself cannot be aborted). Errors name the host, port and errno text.
 * Nothing here is thread-safe by itself; the logger's dispatcher thread is the only caller.
 */
#ifndef RESIDUE_NET_H
#define RESIDUE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"
#include "rp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest host name residue_net_parse_url accepts (bytes, without the NUL). */
#define RESIDUE_NET_HOST_MAX 255u

/* Splits residue-cpp's "url" value "HOST:PORT" (also "[v6-address]:PORT") into host
 * (NUL-terminated, host_cap >= RESIDUE_NET_HOST_MAX + 1 always suffices) and port 1..65535.
 * RP_E_ARGUMENT, naming the text, for anything else. */
RP_CHECK_RESULT int residue_net_parse_url(const char *url, char *host, size_t host_cap,
                                          uint16_t *port, rp_error *err);

/* Resolves host and connects to host:port, trying each address in turn, waiting at most
 * timeout_ms in all (< 0: no limit). *fd_out is the connected socket (the caller closes it),
 * -1 on failure. */
RP_CHECK_RESULT int residue_net_connect(const char *host, uint16_t port, int timeout_ms,
                                        int abort_fd, int *fd_out, rp_error *err);

/* Writes buf[0..len) completely, waiting at most timeout_ms (< 0: no limit) for the whole
 * write. RP_E_IO on error, timeout ("send timed out after N ms: the server is not reading")
 * or abort. */
RP_CHECK_RESULT int residue_net_send(int fd, const uint8_t *buf, size_t len, int timeout_ms,
                                     int abort_fd, rp_error *err);

/* Reads until framer holds a complete packet, waiting at most timeout_ms (< 0: no limit) in
 * all; *pkt / *pkt_len as rp_framer_pop (valid until the framer is next pushed or reset).
 * RP_E_IO on EOF ("the server closed the connection"), error, timeout or abort;
 * RP_E_FRAME_TOO_BIG for a reply longer than the framer's maximum; RP_E_PROTOCOL when more
 * than one packet arrives at once (one request is in flight at a time, so that is not a
 * residue server). */
RP_CHECK_RESULT int residue_net_recv_packet(int fd, rp_framer *framer, int timeout_ms,
                                            int abort_fd, const uint8_t **pkt, size_t *pkt_len,
                                            rp_error *err);

/* Milliseconds on the monotonic clock (for deadlines). */
uint64_t residue_net_now_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_NET_H */
