/* rs_config: reads residue-server's JSON configuration file (the real residue server's key
 * names, docs/interfaces.md §4) into an residue_server_config plus the ports and loaded keys.
 *
 * Unknown keys are ignored (the real server has many more). Key file paths may contain
 * $RESIDUE_HOME, replaced by the environment variable of that name or, when it is unset,
 * by the directory holding the configuration file.
 */
#ifndef RS_CONFIG_H
#define RS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "rp_error.h"
#include "residue_session.h"

/* residue-server's event loop and log file settings, with the configuration key of each
 * (docs/security.md, "Bounded buffers and limits"; defaults in rs_server_limits_defaults). */
typedef struct rs_server_limits {
    int durability;                  /* "durability": "flush" (default), "group", "interval"
                                        (an rs_durability) */
    uint32_t durability_interval_ms; /* "durability_interval_ms": 1000 (interval mode) */
    uint32_t turn_packets;           /* "turn_packets": 32 packets per connection per turn */
    uint32_t turn_bytes;             /* "turn_bytes": 65536 bytes read per connection per turn */
    uint32_t rsa_turn_ms;            /* "rsa_turn_ms": 10 ms of RSA decryption per turn, all
                                        connections together (at least one per turn) */
    uint64_t max_output;             /* "max_output_per_connection": 262144 bytes of queued
                                        replies; no packet is handled beyond it */
    uint32_t output_stall_s;         /* "output_stall_timeout": 30 s without a reply byte
                                        taken while replies wait closes the connection */
    uint64_t max_buffered_total;     /* "max_buffered_total": 268435456 bytes of partial
                                        packets and queued replies over all connections */
    uint64_t max_packet;             /* "max_packet": 1048576 (also --max-packet) */
    uint32_t max_connections;        /* "max_connections": 4096 (also --max-connections) */
} rs_server_limits;

/* Fills *l with the defaults listed above. */
void rs_server_limits_defaults(rs_server_limits *l);

/* Everything the configuration file gives; owns the keys and strings. */
typedef struct rs_settings {
    residue_server_config server;          /* pointers into this struct */
    uint16_t connect_port;            /* default 8777 */
    uint16_t logging_port;            /* default 8778 */
    rp_rsa_key *server_private_key;   /* NULL when not configured */
    rp_rsa_key *server_public_key;
    residue_managed_client *managed;       /* managed_count entries */
    size_t managed_count;
    rp_rsa_key **managed_keys;        /* owned, one per managed client */
    char **managed_ids;               /* owned */
    /* Logger keys (docs/interfaces.md §4): owned strings behind server.managed_loggers,
     * server.loggers_blacklist and server.managed_client_loggers (managed_count entries). */
    char **logger_ids;                /* managed_loggers[].logger_id */
    size_t logger_count;
    char **blacklist;                 /* loggers_blacklist */
    size_t blacklist_count;
    residue_managed_loggers *client_loggers; /* [i] for managed[i]; strings owned */
    rs_server_limits limits;          /* residue-server's own bounds (issue 12) */
} rs_settings;

/* Fills *s with the defaults (residue_server_config_defaults, ports 8777/8778, no keys). */
void rs_settings_init(rs_settings *s);

/* Reads the file at path (at most 1 MiB) and applies it to *s (which rs_settings_init
 * prepared). Errors name the file, the key (JSON path) and the offset. On failure *s may
 * hold part of the file; rs_settings_free releases it either way. */
RP_CHECK_RESULT int rs_settings_load(rs_settings *s, const char *path, rp_error *err);

/* Frees every key and string. NULL is ignored. */
void rs_settings_free(rs_settings *s);

#endif /* RS_CONFIG_H */
