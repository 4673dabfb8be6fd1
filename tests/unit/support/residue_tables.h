/* Short names for residue's generated transport tables (generated/residue_transport.h), for
 * the tests, fuzz harnesses and benchmarks that drive the generic envelope engine on
 * residue: test_envelope_vectors.c, tests/fuzz/fuzz_envelope.c, bench/bench_envelope.c.
 * Aliases only: the tables themselves are rprotoc's output for spec/residue.rproto. */
#ifndef RESIDUE_TABLES_H
#define RESIDUE_TABLES_H

#include "residue_transport.h"

enum { PEER_CLIENT = RESIDUE_PEER_CLIENT, PEER_SERVER = RESIDUE_PEER_SERVER };
enum { PORT_CONNECT = RESIDUE_PORT_CONNECT, PORT_LOGGING = RESIDUE_PORT_LOGGING };
enum {
    KEY_SERVER = RESIDUE_KEY_SERVER_KEY,
    KEY_CLIENT = RESIDUE_KEY_CLIENT_KEY,
    KEY_SESSION = RESIDUE_KEY_SESSION
};
enum {
    ENV_PLAIN = RESIDUE_ENVELOPE_PLAIN,
    ENV_RSA_TO_SERVER = RESIDUE_ENVELOPE_RSA_TO_SERVER,
    ENV_RSA_TO_CLIENT = RESIDUE_ENVELOPE_RSA_TO_CLIENT,
    ENV_AES_FROM_CLIENT = RESIDUE_ENVELOPE_AES_FROM_CLIENT,
    ENV_AES_ZLIB_FROM_CLIENT = RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT,
    ENV_AES_TO_CLIENT = RESIDUE_ENVELOPE_AES_TO_CLIENT
};
#define ENV_COUNT ((int)residue_protocol.envelope_count)
#define BIT(e) RESIDUE_ENVELOPE_BIT(e)
#define rt_envelopes (residue_protocol.envelopes)
#define residue_tables residue_protocol

#endif /* RESIDUE_TABLES_H */
