/* bench_records.h: the log records the server benchmarks send (bench_load over sockets,
 * bench_server in-process), so both measure the same bytes. */
#ifndef BENCH_RECORDS_H
#define BENCH_RECORDS_H

#include <stddef.h>

#include "residue.h"

/* The longest message text bench_log_records writes, with its NUL. */
#define BENCH_RECORD_MSG_CAP 96u

/* Fills recs[0..n) with typical info lines of logger "default", app "bench"; each msg points
 * into msgs[k], which must outlive the records. */
void bench_log_records(residue_log_request *recs, char (*msgs)[BENCH_RECORD_MSG_CAP], size_t n);

#endif /* BENCH_RECORDS_H */
