/* residue_backlog: the residue logger's queue of lines not yet answered {"r":0}.
 *
 * A FIFO of heap entries, one per line, each a single allocation holding the line's strings.
 * The batch in flight (sent, reply awaited) is always a prefix of the queue: the dispatcher
 * takes the oldest lines, and lines whose request failed stay at the front to be sent again
 * first, so lines reach the server in the order they were logged (a resend may repeat some).
 *
 * Accounting: `lines` and `bytes` count every entry, in flight or not; an entry's bytes are
 * the bytes of its strings (msg, logger, file, func, thread). These are what the logger's
 * backlog_lines / backlog_bytes bound.
 *
 * Not thread-safe: the logger holds its mutex around every call. No globals.
 */
#ifndef RESIDUE_BACKLOG_INTERNAL_H
#define RESIDUE_BACKLOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_arena.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct residue_backlog_entry {
    struct residue_backlog_entry *next;
    uint64_t seq;           /* 1, 2, ... in logging order */
    uint64_t queued_ms;     /* monotonic ms when logged (for dispatch_delay) */
    uint64_t datetime_ms;   /* the record's "datetime" */
    size_t bytes;           /* string bytes, as counted by the backlog */
    uint32_t line;
    uint16_t level;
    uint8_t vlevel;
    uint8_t attempts;       /* requests carrying this line that got no reply */
    bool in_flight;
    bool resent_after_r1;   /* already sent again once after {"r":1} + a lost session */
    rp_str logger, msg, file, func, thread;   /* point into data[], NUL-terminated */
    char data[];
} residue_backlog_entry;

typedef struct residue_backlog {
    residue_backlog_entry *head, *tail;
    size_t lines, bytes;    /* all entries */
    size_t in_flight;       /* entries at the front marked in flight */
} residue_backlog;

/* Empties *q (which must not be NULL). */
void residue_backlog_init(residue_backlog *q);

/* Allocates an entry with room for the given strings (copied, each NUL-terminated; NULL
 * pointers are empty strings) and fills its text fields and bytes; the caller sets the
 * numbers. Returns NULL when out of memory. Free with residue_backlog_entry_free unless
 * pushed. */
residue_backlog_entry *residue_backlog_entry_new(const char *logger, size_t logger_len,
                                                 const char *msg, size_t msg_len,
                                                 const char *file, size_t file_len,
                                                 const char *func, size_t func_len,
                                                 const char *thread, size_t thread_len);

/* Frees one entry (not in any queue), wiping nothing: log lines are not secrets. */
void residue_backlog_entry_free(residue_backlog_entry *e);

/* Appends e (owned by the queue from now on). */
void residue_backlog_push(residue_backlog *q, residue_backlog_entry *e);

/* Number of entries not in flight. */
size_t residue_backlog_unsent(const residue_backlog *q);

/* The oldest entry not in flight, or NULL. */
residue_backlog_entry *residue_backlog_first_unsent(const residue_backlog *q);

/* Marks up to max of the oldest entries in flight (nothing may be in flight already) and
 * stores them in out[0..n); returns n. */
size_t residue_backlog_take(residue_backlog *q, size_t max, residue_backlog_entry **out);

/* The batch in flight got no answer: its entries are no longer in flight and their attempts
 * count goes up by one when `sent` (the request may have reached the server), else stays. */
void residue_backlog_requeue(residue_backlog *q, bool sent);

/* Removes and frees the n entries in flight (the batch was answered). n must equal
 * q->in_flight. */
void residue_backlog_release(residue_backlog *q, size_t n);

/* Removes and frees the oldest entry that is not in flight and was never sent (attempts
 * 0): a line the server cannot have seen. Returns true when one was dropped. */
bool residue_backlog_drop_oldest(residue_backlog *q);

/* Removes and frees the first entry (which must not be in flight). */
void residue_backlog_drop_head(residue_backlog *q);

/* Removes and frees every entry not in flight; returns how many. */
size_t residue_backlog_clear(residue_backlog *q);

#ifdef __cplusplus
}
#endif

#endif /* RESIDUE_BACKLOG_INTERNAL_H */
