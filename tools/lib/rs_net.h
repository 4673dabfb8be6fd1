/* rs_net: small socket helpers shared by residue-server and residue-client.
 *
 * IPv4 TCP only; addresses are dotted quads or "localhost" (the project runs on loopback).
 * Every function reports failures through rp_error with the address and errno text.
 */
#ifndef RS_NET_H
#define RS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"
#include "rp_frame.h"

/* Opens a non-blocking listening socket on addr:port (port 0 = the kernel picks a free one)
 * with SO_REUSEADDR and TCP_NODELAY (on Linux inherited by the accepted sockets: small
 * replies are not held back by Nagle); *fd_out is the socket, *bound_port the port actually
 * bound. */
RP_CHECK_RESULT int rs_listen(const char *addr, uint16_t port, int *fd_out,
                              uint16_t *bound_port, rp_error *err);

/* Connects a blocking TCP socket to host:port, giving up after timeout_ms. */
RP_CHECK_RESULT int rs_connect(const char *host, uint16_t port, int timeout_ms, int *fd_out,
                               rp_error *err);

/* Puts fd in non-blocking mode. */
RP_CHECK_RESULT int rs_set_nonblocking(int fd, rp_error *err);

/* Parses "HOST:PORT" into host (NUL-terminated, at most host_cap - 1 bytes) and port
 * (1..65535). */
RP_CHECK_RESULT int rs_parse_host_port(const char *text, char *host, size_t host_cap,
                                       uint16_t *port, rp_error *err);

/* Parses a decimal port 0..65535 (0 allowed when allow_zero). */
RP_CHECK_RESULT int rs_parse_port(const char *text, int allow_zero, uint16_t *port,
                                  rp_error *err);

/* Writes all of buf to a blocking fd, waiting at most timeout_ms for the socket to accept
 * data each time it is full. */
RP_CHECK_RESULT int rs_send_all(int fd, const uint8_t *buf, size_t len, int timeout_ms,
                                rp_error *err);

/* Reads from a blocking fd until the framer has a complete packet, waiting at most
 * timeout_ms in total; *pkt / *pkt_len as rp_framer_pop. RP_E_IO on EOF, error or
 * timeout (the message says which); RP_E_FRAME_TOO_BIG for an oversized reply. */
RP_CHECK_RESULT int rs_recv_packet(int fd, rp_framer *framer, int timeout_ms,
                                   const uint8_t **pkt, size_t *pkt_len, rp_error *err);

/* What residue-server knows of one connection when it must close one (docs/security.md,
 * "Bounded buffers and limits"). Times are milliseconds on one monotonic clock. Kept apart
 * from the server's connection struct so that the rules can be checked without sockets. */
typedef struct rs_conn_facts {
    int64_t created_ms;      /* accepted */
    int64_t last_active_ms;  /* last complete packet handled (any reply), else created_ms */
    int64_t last_success_ms; /* last request that succeeded (a hello, an ACK or TOUCH reply,
                                {"r":0}); -1 = none yet. Error replies do not count, nor does
                                a {"r":0} that durability "group" still turned into {"r":1}
                                (it counts once the turn's fsync succeeded). */
    size_t held;             /* bytes of partial input and queued replies it holds */
} rs_conn_facts;

/* True when a goes before b to free a connection slot: a connection none of whose requests
 * has succeeded goes first, the oldest of them first (a new one is given its chance); among
 * the others, the one whose last successful request is oldest. Packets answered with an
 * error are no activity: a peer sending junk cannot keep its slot against real clients. */
bool rs_slot_victim_before(const rs_conn_facts *a, const rs_conn_facts *b);

/* True when a goes before b to bring buffered memory under its bound (both hold some): a
 * connection none of whose requests has succeeded goes before one with a successful
 * request; then the one that has completed no packet for longest (a partial packet that
 * stopped growing is the likeliest attack); then the larger holder, then the older. Size
 * alone would let peers holding many partial packets just under any size get every
 * honest larger request closed. */
bool rs_memory_victim_before(const rs_conn_facts *a, const rs_conn_facts *b);

#endif /* RS_NET_H */
