/* Test support for the client suites: a world of our server state machine and one client
 * in-process, on one fake clock, each with its own deterministic RNG, and the client's
 * packets carried to the server and the replies back. Test code only.
 *
 *     world w;
 *     world_init(&w);                   clock, RNGs, the client's key, server defaults
 *     w.cfg.client_age = 3600;          (the test's server settings)
 *     world_serve(&w);                  the server, from w.cfg
 *     world_client(&w, NULL, 0, false); an unmanaged client (again: a new one)
 *     ... world_handshake(&w, &e) ...
 *     world_stop(&w);
 */
#ifndef CLIENT_WORLD_H
#define CLIENT_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "residue_session.h"
#include "session_fakes.h"

typedef struct world {
    fake_clock clock;
    fake_rng srv_rng, cl_rng;
    residue_server_config cfg;
    residue_server *srv;
    residue_client *cl;
    rp_rsa_key *client_key;  /* the capture's client key pair (A-unknown-plain) */
    /* Keys a test may load for its server; world_stop frees those that are set. */
    rp_rsa_key *server_priv; /* for an RSA CONNECT: cfg.server_private_key */
    rp_rsa_key *server_pub;  /* what the client encrypts that CONNECT to */
    rp_rsa_key *managed_pub; /* a managed client's public key */
    residue_managed_client managed[1];
    size_t logs;             /* records the server took through world_log */
    char last_msg[128];      /* the msg of the last of them */
} world;

/* Zeroes *w and fills in what every world has: the clock at 1800000000, the RNGs, the
 * client key, and the server defaults with logging port 9999. No server, no client yet. */
void world_init(world *w);

/* Creates the server from w->cfg (a server already running is freed first). */
void world_serve(world *w);

/* A new client (the last one freed): managed as id, or unmanaged with id NULL; key_size 0
 * for the server's default; rsa: its CONNECT encrypted to w->server_pub. */
void world_client(world *w, const char *id, uint16_t key_size, bool rsa);

/* Frees the client, the server and every key. */
void world_stop(world *w);

/* Carries a client packet to the server's connect port and the reply back, then any
 * follow-up the client writes (the ACK) the same way; returns the client's status. */
int world_exchange(world *w, const uint8_t *pkt, size_t len, rp_error *e);

/* The client's CONNECT, carried by world_exchange. */
int world_handshake(world *w, rp_error *e);

/* The client's TOUCH, carried by world_exchange. */
int world_touch(world *w, rp_error *e);

/* count records sent on the logging port, taken by the server (w->logs, w->last_msg) and
 * its reply given to the client; returns the client's status. */
int world_log(world *w, const residue_log_request *recs, size_t count, rp_error *e);

/* A record of the line msg (borrowed) from logger "unit" at INFO. */
void world_log_record(residue_log_request *r, const char *msg);

#endif /* CLIENT_WORLD_H */
