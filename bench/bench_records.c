/* bench_records.c: see bench_records.h. */
#include "bench_records.h"

#include <stdio.h>

void bench_log_records(residue_log_request *recs, char (*msgs)[BENCH_RECORD_MSG_CAP], size_t n)
{
    for (size_t k = 0; k < n; k++) {
        residue_log_request_init(&recs[k]);
        int ml = snprintf(msgs[k], BENCH_RECORD_MSG_CAP,
                          "bench: request served in %zu ms, status 200, bytes %zu", k + 3,
                          1000 + 37 * k);
        recs[k].datetime = 1795667583123u;
        recs[k].has_datetime = true;
        recs[k].msg.ptr = msgs[k];
        recs[k].msg.len = (size_t)ml;
        recs[k].has_msg = true;
        recs[k].logger.ptr = "default";
        recs[k].logger.len = 7;
        recs[k].has_logger = true;
        recs[k].app.ptr = "bench";
        recs[k].app.len = 5;
        recs[k].has_app = true;
        recs[k].level = RESIDUE_LEVEL_INFO;
        recs[k].has_level = true;
    }
}
