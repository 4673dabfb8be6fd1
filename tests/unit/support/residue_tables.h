/* Hand-written envelope tables for residue (issue 11 contract §A), for the tests and fuzz
 * harnesses that drive the generic engine on residue before rprotoc generates them:
 * test_envelope_vectors.c and tests/fuzz/fuzz_envelope.c. Static data only (included, not
 * linked). */
#ifndef RESIDUE_TABLES_H
#define RESIDUE_TABLES_H

#include "residue.h"
#include "rp_envelope.h"

enum { PEER_CLIENT = 1, PEER_SERVER = 2 };
enum { PORT_CONNECT = 1, PORT_LOGGING = 2 };
enum { KEY_SERVER = 0, KEY_CLIENT = 1, KEY_SESSION = 2 };
enum { ENV_PLAIN, ENV_RSA_TO_SERVER, ENV_RSA_TO_CLIENT, ENV_AES_FROM_CLIENT,
       ENV_AES_ZLIB_FROM_CLIENT, ENV_AES_TO_CLIENT, ENV_COUNT };
#define BIT(e) (1u << (e))

static const rp_key_desc rt_keys[] = {
    { "server_key", RP_KEY_RSA, PEER_SERVER, 0 },
    { "client_key", RP_KEY_RSA, PEER_CLIENT, 0 },
    { "session", RP_KEY_AES, 0, 7 },
};

static const rp_join_part iv_id_payload[] = {
    { RP_JOIN_IV_HEX, 0 }, { RP_JOIN_ID, KEY_SESSION }, { RP_JOIN_PAYLOAD, 0 },
};
static const rp_join_part iv_payload[] = { { RP_JOIN_IV_HEX, 0 }, { RP_JOIN_PAYLOAD, 0 } };

#define JSON { &rp_layer_json, 0, NULL, 0, NULL, 0 }
#define B64 { &rp_layer_base64, 0, NULL, 0, NULL, 0 }
#define B64L { &rp_layer_base64_lenient, 0, NULL, 0, NULL, 0 }
#define ZLIB { &rp_layer_zlib, 0, NULL, 0, NULL, 0 }
#define RSA(k) { &rp_layer_rsa, (k), NULL, 0, NULL, 0 }
#define AES(k) { &rp_layer_aes, (k), NULL, 0, NULL, 0 }
#define JOIN(p) { &rp_layer_join, 0, ":", 1, (p), sizeof(p) / sizeof(p)[0] }

static const rp_layer_desc l_plain[] = { JSON };
static const rp_layer_desc l_rsa_to_server[] = { B64L, RSA(KEY_SERVER), JSON };
static const rp_layer_desc l_rsa_to_client[] = { B64, RSA(KEY_CLIENT), JSON };
static const rp_layer_desc l_aes_from_client[] = { JOIN(iv_id_payload), B64L, AES(KEY_SESSION), JSON };
static const rp_layer_desc l_aes_zlib_from_client[] = { JOIN(iv_id_payload), B64L, AES(KEY_SESSION),
                                                        B64L, ZLIB, JSON };
static const rp_layer_desc l_aes_to_client[] = { JOIN(iv_payload), B64, AES(KEY_SESSION), JSON };

#define ENV(n, l) { n, l, sizeof(l) / sizeof(l)[0] }
static const rp_envelope_desc rt_envelopes[ENV_COUNT] = {
    ENV("plain", l_plain),
    ENV("rsa_to_server", l_rsa_to_server),
    ENV("rsa_to_client", l_rsa_to_client),
    ENV("aes_from_client", l_aes_from_client),
    ENV("aes_zlib_from_client", l_aes_zlib_from_client),
    ENV("aes_to_client", l_aes_to_client),
};

static const rp_port_desc rt_ports[] = {
    { "connect", { RP_FRAMING_DELIMITER, (const uint8_t *)"\r\n\r\n", 4, 0, false }, 1048576 },
    { "logging", { RP_FRAMING_DELIMITER, (const uint8_t *)"\r\n\r\n", 4, 0, false }, 1048576 },
};

#define C2S PEER_CLIENT, PEER_SERVER
#define S2C PEER_SERVER, PEER_CLIENT
static const rp_route_desc rt_routes[] = {
    { RESIDUE_MSG_CONNECT, PORT_CONNECT, C2S, BIT(ENV_PLAIN) | BIT(ENV_RSA_TO_SERVER) },
    { RESIDUE_MSG_ACKNOWLEDGEMENT, PORT_CONNECT, C2S, BIT(ENV_AES_FROM_CLIENT) | BIT(ENV_PLAIN) },
    { RESIDUE_MSG_TOUCH, PORT_CONNECT, C2S, BIT(ENV_AES_FROM_CLIENT) | BIT(ENV_PLAIN) },
    { RESIDUE_MSG_HELLO, PORT_CONNECT, S2C, BIT(ENV_RSA_TO_CLIENT) },
    { RESIDUE_MSG_ESTABLISHED, PORT_CONNECT, S2C, BIT(ENV_AES_TO_CLIENT) },
    { RESIDUE_MSG_CONNECT_ERROR, PORT_CONNECT, S2C,
      BIT(ENV_PLAIN) | BIT(ENV_AES_TO_CLIENT) | BIT(ENV_RSA_TO_CLIENT) },
    { RESIDUE_MSG_LOG_REQUEST, PORT_LOGGING, C2S,
      BIT(ENV_AES_FROM_CLIENT) | BIT(ENV_AES_ZLIB_FROM_CLIENT) },
    { RESIDUE_MSG_LOG_BULK, PORT_LOGGING, C2S,
      BIT(ENV_AES_FROM_CLIENT) | BIT(ENV_AES_ZLIB_FROM_CLIENT) },
    { RESIDUE_MSG_LOG_REPLY, PORT_LOGGING, S2C, BIT(ENV_PLAIN) },
};

static const rp_protocol residue_tables = {
    "residue", { "client", "server" }, rt_ports, 2, rt_keys, 3, rt_envelopes, ENV_COUNT, rt_routes,
    sizeof rt_routes / sizeof rt_routes[0],
};

#endif /* RESIDUE_TABLES_H */
