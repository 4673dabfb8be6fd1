/* rs_trace: prints rp_session trace events for people (residue-client -v, residue-server -v).
 *
 *   -> CONNECT (plain, 654 bytes) {"_t":1795667615,"type":1,"rsa_public_key":"LS0t…(604 base64 chars)"}
 *   <- HELLO (rsa, 348 bytes) client_id=teupbzjtyyljzjzx key=<256-bit, hidden> token=<present>
 */
#ifndef RS_TRACE_H
#define RS_TRACE_H

#include <stdio.h>

#include "residue_session.h"

/* Where and with which prefix to print; pass as the ctx of rs_trace_print. */
typedef struct rs_trace_sink {
    FILE *out;
    const char *prefix;   /* e.g. "" or "residue-server: " */
} rs_trace_sink;

/* residue_trace_fn that prints one line per event to sink->out (ctx is an rs_trace_sink *). */
void rs_trace_print(void *ctx, const residue_trace *ev);

#endif /* RS_TRACE_H */
