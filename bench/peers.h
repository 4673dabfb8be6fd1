/* peers.h: the peer JSON libraries, each wrapped to decode+validate into and/or encode from
 * the same generated residue structs as ours (see peer_msgs.inc for the checks): cJSON,
 * jansson and json-c (DOM, both ways), simdjson On-Demand (decode only: it has no writer)
 * and the hand-written encode floor (floor_encode.c; encode only). A NULL function means
 * the peer does not take part in that operation. */
#ifndef PEERS_H
#define PEERS_H

#include <stddef.h>

#include "peer_util.h"
#include "residue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every decode input has this many readable zero bytes after its end (simdjson reads up to
 * 64 bytes past the text; a caller receiving into a buffer with spare room has them). */
#define PEER_INPUT_PADDING 64

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
extern const peer_codec peer_floor;
/* &the simdjson peer, or NULL when bench/peer_simdjson.cc could not be built (then
 * peer_simdjson_none.c stands in and says why in peer_simdjson_skipped). */
extern const peer_codec *const peer_simdjson;
extern const char *const peer_simdjson_skipped;
/* The kernel simdjson chose for this CPU, and its version ("none" when not built). */
const char *peer_simdjson_kernel(void);

#ifdef __cplusplus
}
#endif

#endif /* PEERS_H */
