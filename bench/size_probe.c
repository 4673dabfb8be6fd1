/* size_probe: what the generated residue codecs cost a program, in linked bytes.
 *
 * Built twice at -Os with -ffunction-sections -fdata-sections and --gc-sections: once as
 * below (decode any residue message from stdin, encode it back to stdout — which pulls in
 * every generated decoder, validator and encoder and the runtime they need) and once with
 * -DSIZE_PROBE_EMPTY (the same stdio frame, no codec). bench/run.sh reports the
 * difference of their `size` text. Never run; only measured.
 */
#include <stdio.h>

#ifndef SIZE_PROBE_EMPTY
#include "residue.h"

/* residue's wire profile (residue_profiles.c is not part of what is measured here). */
static const rp_schema_profile wire = { "wire", 0, true, true, true, RP_DUPLICATES_FIRST, true, true };

static int encode_any(const residue_any *m, char *out, size_t cap, size_t *len)
{
    switch (m->id) {
    case RESIDUE_MSG_CONNECT: return residue_connect_encode(&m->u.connect, out, cap, len, NULL);
    case RESIDUE_MSG_ACKNOWLEDGEMENT:
        return residue_acknowledgement_encode(&m->u.acknowledgement, out, cap, len, NULL);
    case RESIDUE_MSG_TOUCH: return residue_touch_encode(&m->u.touch, out, cap, len, NULL);
    case RESIDUE_MSG_HELLO: return residue_hello_encode(&m->u.hello, out, cap, len, NULL);
    case RESIDUE_MSG_ESTABLISHED:
        return residue_established_encode(&m->u.established, out, cap, len, NULL);
    case RESIDUE_MSG_CONNECT_ERROR:
        return residue_connect_error_encode(&m->u.connect_error, out, cap, len, NULL);
    case RESIDUE_MSG_LOG_REQUEST:
        return residue_log_request_encode(&m->u.log_request, out, cap, len, NULL);
    case RESIDUE_MSG_LOG_BULK: return residue_log_bulk_encode(&m->u.log_bulk, out, cap, len, NULL);
    case RESIDUE_MSG_LOG_REPLY: return residue_log_reply_encode(&m->u.log_reply, out, cap, len, NULL);
    default: return -1;
    }
}
#endif

int main(int argc, char **argv)
{
    static char in[65536], out[65536];
    size_t n = fread(in, 1, sizeof in, stdin), len = n;
    (void)argv;
#ifndef SIZE_PROBE_EMPTY
    static residue_any any;
    static unsigned char store[65536];
    rp_arena arena;
    rp_arena_init(&arena, store, sizeof store);
    if (residue_decode_any(in, n, (residue_port)(argc & 1), (residue_peer)(argc >> 1 & 1), &any,
                           &arena, &residue_profile_wire, NULL) != 0
        || encode_any(&any, out, sizeof out, &len) != 0)
        return 1;
#else
    (void)argc;
    for (size_t i = 0; i < n; i++)
        out[i] = in[i];
#endif
    return fwrite(out, 1, len, stdout) == len ? 0 : 1;
}
