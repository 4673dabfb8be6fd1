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
