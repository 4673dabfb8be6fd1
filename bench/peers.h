/* peers.h: the three peer JSON libraries, each wrapped to decode+validate into and encode
 * from the same generated residue structs as ours (see peer_msgs.inc for the checks). */
#ifndef PEERS_H
#define PEERS_H

#include <stddef.h>

#include "peer_util.h"
#include "residue.h"

typedef struct peer_codec {
    const char *name;
    int (*decode_connect)(const char *json, size_t len, residue_connect *m, peer_store *st);
    int (*decode_established)(const char *json, size_t len, residue_established *m,
                              peer_store *st);
    int (*decode_log_request)(const char *json, size_t len, residue_log_request *m,
                              peer_store *st);
    int (*encode_connect)(const residue_connect *m, char *buf, size_t cap, size_t *len);
    int (*encode_established)(const residue_established *m, char *buf, size_t cap,
                              size_t *len);
    int (*encode_log_request)(const residue_log_request *m, char *buf, size_t cap,
                              size_t *len);
} peer_codec;

extern const peer_codec peer_cjson;
extern const peer_codec peer_jansson;
extern const peer_codec peer_jsonc;

#endif /* PEERS_H */
