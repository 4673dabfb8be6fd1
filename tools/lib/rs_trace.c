/* rs_trace: one readable line per protocol step. See rs_trace.h. */
#include "rs_trace.h"

void rs_trace_print(void *ctx, const residue_trace *ev)
{
    const rs_trace_sink *sink = ctx;
    FILE *out = sink != NULL && sink->out != NULL ? sink->out : stderr;
    fprintf(out, "%s%s %s (%s, %zu bytes) %s\n", sink != NULL && sink->prefix ? sink->prefix : "",
            ev->outgoing ? "->" : "<-", ev->message, ev->envelope, ev->wire_size, ev->detail);
    fflush(out);
}
