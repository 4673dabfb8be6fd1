/* residue_backlog: the logger's FIFO of unanswered lines. See residue_backlog_internal.h. */
#include "residue_backlog_internal.h"

#include <stdlib.h>
#include <string.h>

void residue_backlog_init(residue_backlog *q)
{
    memset(q, 0, sizeof *q);
}

static char *put(char *p, const char *s, size_t n, rp_str *out)
{
    if (n > 0) memcpy(p, s, n);
    p[n] = '\0';
    out->ptr = p;
    out->len = n;
    return p + n + 1;
}

residue_backlog_entry *residue_backlog_entry_new(const char *logger, size_t logger_len,
                                                 const char *msg, size_t msg_len,
                                                 const char *file, size_t file_len,
                                                 const char *func, size_t func_len,
                                                 const char *thread, size_t thread_len)
{
    if (logger == NULL) logger_len = 0;
    if (msg == NULL) msg_len = 0;
    if (file == NULL) file_len = 0;
    if (func == NULL) func_len = 0;
    if (thread == NULL) thread_len = 0;
    size_t text = logger_len + msg_len + file_len + func_len + thread_len;
    if (text > SIZE_MAX - sizeof(residue_backlog_entry) - 5u) {
        return NULL;
    }
    residue_backlog_entry *e = malloc(sizeof *e + text + 5u);
    if (e == NULL) {
        return NULL;
    }
    memset(e, 0, sizeof *e);
    char *p = e->data;
    p = put(p, logger, logger_len, &e->logger);
    p = put(p, msg, msg_len, &e->msg);
    p = put(p, file, file_len, &e->file);
    p = put(p, func, func_len, &e->func);
    (void)put(p, thread, thread_len, &e->thread);
    e->bytes = text;
    return e;
}

void residue_backlog_entry_free(residue_backlog_entry *e)
{
    free(e);
}

void residue_backlog_push(residue_backlog *q, residue_backlog_entry *e)
{
    e->next = NULL;
    e->in_flight = false;
    if (q->tail == NULL) {
        q->head = e;
    } else {
        q->tail->next = e;
    }
    q->tail = e;
    q->lines++;
    q->bytes += e->bytes;
}

size_t residue_backlog_unsent(const residue_backlog *q)
{
    return q->lines - q->in_flight;
}

residue_backlog_entry *residue_backlog_first_unsent(const residue_backlog *q)
{
    residue_backlog_entry *e = q->head;
    for (size_t i = 0; i < q->in_flight && e != NULL; i++) {
        e = e->next;
    }
    return e;
}

size_t residue_backlog_take(residue_backlog *q, size_t max, residue_backlog_entry **out)
{
    size_t n = 0;
    for (residue_backlog_entry *e = q->head; e != NULL && n < max; e = e->next) {
        e->in_flight = true;
        out[n++] = e;
    }
    q->in_flight = n;
    return n;
}

void residue_backlog_requeue(residue_backlog *q, bool sent)
{
    residue_backlog_entry *e = q->head;
    for (size_t i = 0; i < q->in_flight && e != NULL; i++, e = e->next) {
        e->in_flight = false;
        if (sent && e->attempts < UINT8_MAX) e->attempts++;
    }
    q->in_flight = 0;
}

static void unlink_after(residue_backlog *q, residue_backlog_entry *prev, residue_backlog_entry *e)
{
    if (prev == NULL) {
        q->head = e->next;
    } else {
        prev->next = e->next;
    }
    if (q->tail == e) {
        q->tail = prev;
    }
    q->lines--;
    q->bytes -= e->bytes;
    free(e);
}

void residue_backlog_release(residue_backlog *q, size_t n)
{
    for (size_t i = 0; i < n && q->head != NULL; i++) {
        unlink_after(q, NULL, q->head);
    }
    q->in_flight = 0;
}

bool residue_backlog_drop_oldest(residue_backlog *q)
{
    residue_backlog_entry *prev = NULL;
    for (residue_backlog_entry *e = q->head; e != NULL; prev = e, e = e->next) {
        if (!e->in_flight && e->attempts == 0) {
            unlink_after(q, prev, e);
            return true;
        }
    }
    return false;
}

void residue_backlog_drop_head(residue_backlog *q)
{
    if (q->head != NULL && !q->head->in_flight) {
        unlink_after(q, NULL, q->head);
    }
}

size_t residue_backlog_clear(residue_backlog *q)
{
    size_t n = 0;
    residue_backlog_entry *prev = NULL, *e = q->head;
    while (e != NULL) {
        residue_backlog_entry *next = e->next;
        if (e->in_flight) {
            prev = e;
        } else {
            unlink_after(q, prev, e);
            n++;
        }
        e = next;
    }
    return n;
}
