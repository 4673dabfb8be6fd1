/* peer_simdjson_none.c: linked instead of peer_simdjson.cc when that cannot be built (no
 * libsimdjson-dev or no g++), so bench_codec still runs and reports the peer as skipped. */
#include <stddef.h>

#include "peers.h"

const peer_codec *const peer_simdjson = NULL;
const char *const peer_simdjson_skipped = "bench/peer_simdjson.cc did not build (libsimdjson-dev and g++ needed; see make's output)";

const char *peer_simdjson_kernel(void) { return "none"; }
