/* residue_logger_dispatch: the dispatcher thread. It alone owns the sockets and the sans-IO
 * session; it takes the logger's mutex only to look at the backlog and to publish results,
 * never across network I/O or crypto.
 *
 * One loop: decide (under the mutex) what is due — connect, TOUCH, send a batch, or wait —
 * then do it without the mutex. Exactly one request is outstanding at a time on each port:
 * the real server drops pipelined requests (protocol reference §1.2, §10.4 item 12).
 */
#include "residue_logger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

typedef enum step { STEP_WAIT, STEP_EXIT, STEP_CONNECT, STEP_TOUCH, STEP_SEND } step;

int residue_logger_session_create(residue_logger *lg, rp_error *err)
{
    residue_client_free(lg->session);
    lg->session = NULL;
    residue_client_config sc = {lg->client_id, lg->client_key, lg->server_key,
                                lg->cfg.key_size, 0};
    int rc = residue_client_create(&sc, NULL, NULL, NULL, NULL, &lg->session, err);
    if (rc == 0) {
        residue_client_set_trace(lg->session, lg->cfg.trace, lg->cfg.trace_ctx);
        residue_client_set_compression(lg->session, lg->cfg.compression);
    }
    return rc;
}

/* ---- sockets ------------------------------------------------------------------------- */

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Drops both connections; the next step is a new handshake. A session caught between a
 * request and its reply cannot send again, so it is replaced (same keys, same id). */
static void unlink_session(residue_logger *lg)
{
    close_fd(&lg->cfd);
    close_fd(&lg->lfd);
    rp_framer_reset(&lg->cframer);
    rp_framer_reset(&lg->lframer);
    lg->linked = false;
    residue_client_state s = residue_client_get_state(lg->session);
    if (s == RESIDUE_CLIENT_AWAIT_HELLO || s == RESIDUE_CLIENT_AWAIT_ESTABLISHED ||
        s == RESIDUE_CLIENT_AWAIT_TOUCH) {
        rp_error e;
        if (residue_logger_session_create(lg, &e) < 0) {
            residue_logger_emit(lg, RESIDUE_LOGGER_EV_CONNECT_FAILED, 4, 0, &e,
                                "cannot reset the session: %s", e.message);
        }
    }
}

/* The session's life is timed on our own monotonic clock from the moment its established
 * reply arrived (the server's date_created is the server's clock: a skewed client clock must
 * neither TOUCH in a loop nor miss the expiry). Called after every established reply. */
static void note_life(residue_logger *lg)
{
    uint32_t age = residue_client_age(lg->session);
    uint64_t now = residue_net_now_ms();
    lg->life_end_ms = age == 0 ? 0 : now + (uint64_t)age * 1000u;
    lg->last_touch_ms = now;
}

/* Sends one connect-port packet and feeds the reply to the session; a reply that needs an
 * answer (the hello needs the ACK) is answered in turn, until the session waits for
 * nothing. err->message is prefixed with the step. */
static int exchange(residue_logger *lg, const uint8_t *pkt, size_t len, const char *step,
                    rp_error *err)
{
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    const int tmo = lg->cfg.reply_timeout_ms;
    for (;;) {
        int rc = residue_net_send(lg->cfd, pkt, len, tmo, lg->wake[0], err);
        const uint8_t *reply = NULL;
        size_t rlen = 0, out_len = 0;
        if (rc == 0) rc = residue_net_recv_packet(lg->cfd, &lg->cframer, tmo, lg->wake[0], &reply,
                                                  &rlen, err);
        if (rc == 0) rc = residue_client_receive(lg->session, reply, rlen, out, sizeof out,
                                                 &out_len, err);
        if (rc < 0) {
            if (err != NULL) {
                residue_logger_prefix_error(err, step);
            }
            OPENSSL_cleanse(out, sizeof out);
            return rc;
        }
        if (out_len == 0) {
            return 0;
        }
        pkt = out;
        len = out_len;
        step = "ACK";
    }
}

static int open_connect_port(residue_logger *lg, rp_error *err)
{
    close_fd(&lg->cfd);
    rp_framer_reset(&lg->cframer);
    int rc = residue_net_connect(lg->host, lg->port, lg->cfg.connect_timeout_ms, lg->wake[0],
                                 &lg->cfd, err);
    if (rc < 0 && err != NULL) {
        residue_logger_prefix_error(err, "connect port");
    }
    return rc;
}

/* CONNECT -> hello -> ACK -> established, on a fresh connect-port connection. */
static int handshake(residue_logger *lg, rp_error *err)
{
    unlink_session(lg);
    int rc = open_connect_port(lg, err);
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t len = 0;
    if (rc == 0) {
        rc = residue_client_connect(lg->session, pkt, sizeof pkt, &len, err);
        if (rc < 0) unlink_session(lg);
    }
    if (rc == 0) rc = exchange(lg, pkt, len, "CONNECT", err);
    if (rc == 0 && residue_client_get_state(lg->session) != RESIDUE_CLIENT_ESTABLISHED) {
        rc = rp_error_set(err, RP_E_PROTOCOL, RP_LAYER_SESSION, SIZE_MAX,
                          "the handshake did not end established");
    }
    if (rc == 0) {
        lg->linked = true;
        note_life(lg);
    } else {
        unlink_session(lg);
    }
    return rc;
}

/* TOUCH on the connect port (reopened if the server closed it). */
static int touch_exchange(residue_logger *lg, rp_error *err)
{
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t len = 0;
    int rc = lg->cfd >= 0 ? 0 : open_connect_port(lg, err);
    if (rc == 0) rc = residue_client_touch(lg->session, pkt, sizeof pkt, &len, err);
    if (rc == 0) rc = exchange(lg, pkt, len, "TOUCH", err);
    if (rc == 0) note_life(lg);
    return rc;
}

/* ---- bookkeeping (called with mu held) ------------------------------------------------- */

/* A failed attempt: back off, and give the backlog up after max_attempts in a row.
 * Returns the number of lines given up (0 if none). */
static size_t note_failure(residue_logger *lg, const rp_error *e)
{
    lg->connected = false;
    lg->last_error = *e;
    lg->failures++;
    lg->retry_at = residue_net_now_ms() + lg->backoff_ms;
    lg->backoff_ms = lg->backoff_ms > lg->cfg.reconnect_max_ms / 2u ? lg->cfg.reconnect_max_ms
                                                                    : lg->backoff_ms * 2u;
    size_t n = 0;
    if (lg->cfg.max_attempts != 0 && lg->failures >= lg->cfg.max_attempts) {
        residue_backlog_requeue(&lg->q, false);
        n = residue_backlog_clear(&lg->q);
        lg->st.failed += n;
        lg->giveup_gen++;
        lg->connect_requested = false;
        lg->failures = 0;
        if (lg->touch_done < lg->touch_req) {
            lg->touch_done = lg->touch_req;
            lg->touch_rc = (int)e->code;
            lg->touch_err = *e;
        }
        pthread_cond_broadcast(&lg->progress);
    }
    return n;
}

static void report_giveup(residue_logger *lg, size_t n, const rp_error *e)
{
    if (n == SIZE_MAX) return;
    residue_logger_emit(lg, RESIDUE_LOGGER_EV_GAVE_UP, 4, n, e,
                        "gave up after %u failed attempt(s) in a row: %zu line(s) not delivered (%s)",
                        (unsigned)lg->cfg.max_attempts, n, e->message);
}

static size_t batch_target(residue_logger *lg)
{
    size_t n = residue_client_bulk_capacity(lg->session);
    if (lg->cfg.bulk_size != 0 && lg->cfg.bulk_size < n) n = lg->cfg.bulk_size;
    if (n > lg->batch_cap) n = lg->batch_cap;
    return n < 1 ? 1 : n;
}

/* When the next TOUCH is due (monotonic ms), 0 = never: touch_margin_s before the end of
 * the session's life, and never more often than once a second. */
static uint64_t touch_at(const residue_logger *lg)
{
    if (lg->life_end_ms == 0) return 0;
    uint64_t margin = (uint64_t)lg->cfg.touch_margin_s * 1000u;
    uint64_t at = lg->life_end_ms > margin ? lg->life_end_ms - margin : 0;
    return at > lg->last_touch_ms + 1000u ? at : lg->last_touch_ms + 1000u;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (a == 0) return b;
    if (b == 0) return a;
    return a < b ? a : b;
}

/* What to do next; *wait_ms_at is the deadline of a STEP_WAIT (0 = until signalled). */
static step decide(residue_logger *lg, uint64_t now, uint64_t *wait_at)
{
    *wait_at = 0;
    lg->wake_unsent = 1;
    lg->wake_on_full = false;
    size_t unsent = residue_backlog_unsent(&lg->q);
    bool touch_wanted = lg->touch_req > lg->touch_done;
    bool established = lg->linked && residue_client_get_state(lg->session) == RESIDUE_CLIENT_ESTABLISHED;
    uint64_t t_at = established ? touch_at(lg) : 0;
    if (established && lg->life_end_ms != 0 && now >= lg->life_end_ms) {
        established = false;  /* expired: a new handshake (not a failure) */
        lg->linked = false;
        lg->expired = true;
        lg->connected = false;
    } else if (established && t_at != 0 && now >= t_at) {
        touch_wanted = true;
    }
    if (!established) {
        if (!(lg->connect_requested || unsent > 0 || touch_wanted)) {
            return lg->closing && lg->q.lines == 0 ? STEP_EXIT : STEP_WAIT;
        }
        if (lg->closing && lg->q.lines == 0 && !touch_wanted) {
            return STEP_EXIT;
        }
        if (now < lg->retry_at) {
            lg->wake_unsent = SIZE_MAX;
            *wait_at = lg->retry_at;
            return STEP_WAIT;
        }
        return STEP_CONNECT;
    }
    if (touch_wanted) {
        return STEP_TOUCH;
    }
    if (unsent > 0) {
        size_t batch = batch_target(lg);
        const residue_backlog_entry *first = residue_backlog_first_unsent(&lg->q);
        uint32_t delay = lg->cfg.dispatch_delay;
        bool due = delay != RESIDUE_LOGGER_DISPATCH_WHEN_FULL && first->queued_ms + delay <= now;
        bool full = lg->q.lines >= lg->cfg.backlog_lines ||
                    lg->q.bytes + lg->cfg.max_line_size > lg->cfg.backlog_bytes;
        if (unsent >= batch || due || full || lg->closing || first->seq <= lg->flush_target ||
            first->attempts > 0) {
            return STEP_SEND;
        }
        lg->wake_unsent = batch;
        lg->wake_on_full = true;
        if (delay != RESIDUE_LOGGER_DISPATCH_WHEN_FULL) *wait_at = earliest(t_at, first->queued_ms + delay);
        else *wait_at = t_at;
        return STEP_WAIT;
    }
    if (lg->closing && lg->q.lines == 0) {
        return STEP_EXIT;
    }
    *wait_at = t_at;
    return STEP_WAIT;
}

/* ---- steps (called without mu) ----------------------------------------------------------- */

static void do_connect(residue_logger *lg)
{
    rp_error e;
    rp_error_clear(&e);
    if (lg->expired) {
        lg->expired = false;
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_INFO, 2, 0, NULL,
                            "session expired, connecting again");
    }
    int rc = handshake(lg, &e);
    size_t given_up = SIZE_MAX;
    pthread_mutex_lock(&lg->mu);
    if (rc == 0) {
        lg->connected = true;
        lg->st.connects++;
        if (lg->ever_connected) lg->st.reconnects++;
        lg->ever_connected = true;
        lg->failures = 0;
        lg->backoff_ms = lg->cfg.reconnect_min_ms;
        lg->connect_requested = false;
        pthread_cond_broadcast(&lg->progress);
    } else {
        lg->st.connect_failures++;
        uint64_t gen = lg->giveup_gen;
        size_t n = note_failure(lg, &e);
        if (lg->giveup_gen != gen) given_up = n;
    }
    pthread_mutex_unlock(&lg->mu);
    if (rc == 0) {
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_INFO, 2, 0, NULL,
                            "connected as %s (logging port %u, max_bulk_size %u, flags %u)",
                            residue_client_id(lg->session),
                            (unsigned)residue_client_logging_port(lg->session),
                            (unsigned)residue_client_max_bulk_size(lg->session),
                            (unsigned)residue_client_flags(lg->session));
    } else {
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_CONNECT_FAILED, 4, 0, &e, "%s", e.message);
        report_giveup(lg, given_up, &e);
    }
}

/* The connection failed while established (or a TOUCH / log exchange broke). */
static void connection_lost(residue_logger *lg, const rp_error *e, bool lines_sent)
{
    unlink_session(lg);
    size_t given_up = SIZE_MAX;
    pthread_mutex_lock(&lg->mu);
    residue_backlog_requeue(&lg->q, lines_sent);
    lg->st.disconnects++;
    uint64_t gen = lg->giveup_gen;
    size_t n = note_failure(lg, e);
    if (lg->giveup_gen != gen) given_up = n;
    pthread_cond_broadcast(&lg->progress);
    pthread_mutex_unlock(&lg->mu);
    residue_logger_emit(lg, RESIDUE_LOGGER_EV_DISCONNECTED, 3, 0, e, "%s", e->message);
    report_giveup(lg, given_up, e);
}

static void do_touch(residue_logger *lg)
{
    pthread_mutex_lock(&lg->mu);
    uint64_t req = lg->touch_req;
    pthread_mutex_unlock(&lg->mu);
    rp_error e;
    rp_error_clear(&e);
    int rc = touch_exchange(lg, &e);
    bool answered = rc == 0 || residue_client_get_state(lg->session) == RESIDUE_CLIENT_DISCONNECTED;
    if (rc < 0 && !answered) {
        connection_lost(lg, &e, false);
    } else if (rc < 0) {
        unlink_session(lg); /* refused (e.g. dead client): a new handshake follows */
        pthread_mutex_lock(&lg->mu);
        lg->connected = false;
        pthread_mutex_unlock(&lg->mu);
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_DISCONNECTED, 3, 0, &e, "%s", e.message);
    }
    pthread_mutex_lock(&lg->mu);
    if (rc == 0) lg->st.touches++;
    if (lg->touch_done < req) {
        lg->touch_done = req;
        lg->touch_rc = rc;
        lg->touch_err = e;
    }
    pthread_cond_broadcast(&lg->progress);
    pthread_mutex_unlock(&lg->mu);
    if (rc == 0) {
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_INFO, 1, 0, NULL, "touched: %u s of life",
                            (unsigned)residue_client_age(lg->session));
    }
}

static void fill_record(const residue_logger *lg, const residue_backlog_entry *en,
                        residue_log_request *r)
{
    residue_log_request_init(r);
    r->timestamp = 0; /* the session stamps "_t" when it builds the request */
    r->has_timestamp = false;
    r->datetime = en->datetime_ms;
    r->logger = en->logger;
    r->msg = en->msg;
    r->file = en->file;
    r->line = en->line;
    r->func = en->func;
    r->app.ptr = lg->app;
    r->app.len = lg->app_len;
    r->level = (residue_level)en->level;
    r->vlevel = en->vlevel;
    r->thread = en->thread;
    r->has_datetime = r->has_logger = r->has_msg = r->has_level = r->has_vlevel = true;
    r->has_file = en->file.len > 0;
    r->has_line = en->line > 0;
    r->has_func = en->func.len > 0;
    r->has_app = lg->app != NULL;
    r->has_thread = en->thread.len > 0;
}

static int ensure_packet_buffer(residue_logger *lg, size_t need, rp_error *err)
{
    if (lg->pkt_cap >= need) return 0;
    uint8_t *p = malloc(need);
    if (p == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_SESSION, SIZE_MAX, "out of memory");
    }
    if (lg->pkt != NULL) OPENSSL_cleanse(lg->pkt, lg->pkt_cap);
    free(lg->pkt);
    lg->pkt = p;
    lg->pkt_cap = need;
    return 0;
}

/* Builds the packet for recs[0..*n), halving *n while the packet exceeds max_request_bytes. */
static int build_packet(residue_logger *lg, size_t *n, size_t *len, rp_error *err)
{
    for (;;) {
        size_t cap = 4096;
        for (size_t i = 0; i < *n; i++) {
            const residue_log_request *r = &lg->recs[i];
            cap += 12u * (r->msg.len + r->logger.len + r->file.len + r->func.len + r->app.len +
                          r->thread.len) + 1024u;
        }
        int rc = ensure_packet_buffer(lg, cap, err);
        if (rc == 0) rc = residue_client_build_log(lg->session, lg->recs, *n, lg->pkt, lg->pkt_cap, len, err);
        if (rc < 0 || *len <= lg->cfg.max_request_bytes || *n == 1) return rc;
        *n /= 2u;
    }
}

/* The first n lines of the backlog are settled: a split under way counts them off (they are
 * the lines of the request it splits, which stay at the head in order). Under lg->mu. */
static void split_count_off(residue_logger *lg, size_t n)
{
    if (lg->split_left == 0) return;
    lg->split_left = n >= lg->split_left ? 0 : lg->split_left - n;
    if (lg->split_left == 0) lg->split_max = 0;
}

/* A request of n > 1 lines failed in a way one of its lines may cause: its lines go back to
 * the head of the backlog and are sent again in requests of half as many, and the failure
 * does not count toward max_attempts (each split request needs a working connection, so at
 * most log2(n) more). sent: no reply came, so the server may have stored them (counted as
 * attempts and, when sent again, as retried, like any unanswered line); after a {"r":1} it did
 * not. Under lg->mu. */
static void split_request(residue_logger *lg, size_t n, bool sent)
{
    residue_backlog_requeue(&lg->q, sent);
    if (lg->split_left < n) lg->split_left = n;
    lg->split_max = n / 2u;
}

/* Lines left the backlog answered: accepted (r0) or rejected. */
static void settle(residue_logger *lg, size_t n, bool accepted)
{
    pthread_mutex_lock(&lg->mu);
    split_count_off(lg, n);
    residue_backlog_release(&lg->q, n);
    if (accepted) lg->st.accepted += n;
    else lg->st.rejected += n;
    lg->failures = 0;
    pthread_cond_broadcast(&lg->progress);
    pthread_mutex_unlock(&lg->mu);
}

static void do_send(residue_logger *lg)
{
    rp_error e;
    rp_error_clear(&e);
    pthread_mutex_lock(&lg->mu);
    residue_backlog_entry *head = lg->q.head;
    /* (not while a split may still send it in a smaller request: it may not be the line at
     * fault) */
    if (head != NULL && head->attempts >= RESIDUE_LOGGER_POISON_ATTEMPTS && lg->split_max < 2) {
        /* The server closed the connection (or never answered) on every request carrying
         * this line, each time on a fresh connection: resending it would block the backlog
         * forever. Reported, like a {"r":1}. */
        unsigned tries = head->attempts;
        split_count_off(lg, 1);
        residue_backlog_drop_head(&lg->q);
        lg->st.rejected++;
        pthread_cond_broadcast(&lg->progress);
        pthread_mutex_unlock(&lg->mu);
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_REJECTED, 4, 1, NULL,
                            "a line got no reply to %u requests; reported, not sent again", tries);
        return;
    }
    size_t want = batch_target(lg);
    if (head != NULL && head->attempts > 0) {
        want >>= head->attempts; /* smaller batches after unanswered ones */
        if (want < 1) want = 1;
    }
    if (lg->split_max > 0 && want > lg->split_max) want = lg->split_max;
    size_t n = residue_backlog_take(&lg->q, want, lg->batch);
    for (size_t i = 0; i < n; i++) fill_record(lg, lg->batch[i], &lg->recs[i]);
    pthread_mutex_unlock(&lg->mu);
    if (n == 0) return;

    size_t len = 0, built = n;
    int rc = build_packet(lg, &built, &len, &e);
    if (rc < 0) {
        /* log() validated every field, so this is memory or a session bug: report the
         * lines rather than loop on them. */
        settle(lg, n, false);
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_REJECTED, 4, n, &e,
                            "%zu line(s) could not be encoded: %s", n, e.message);
        return;
    }
    if (built < n) {
        pthread_mutex_lock(&lg->mu);
        residue_backlog_requeue(&lg->q, false);
        n = residue_backlog_take(&lg->q, built, lg->batch);
        pthread_mutex_unlock(&lg->mu);
    }
    if (lg->lfd < 0) {
        rp_framer_reset(&lg->lframer);
        rc = residue_net_connect(lg->host, residue_client_logging_port(lg->session),
                                 lg->cfg.connect_timeout_ms, lg->wake[0], &lg->lfd, &e);
        if (rc < 0) {
            residue_logger_prefix_error(&e, "logging port");
            connection_lost(lg, &e, false);
            return;
        }
    }
    uint64_t resent = 0;
    for (size_t i = 0; i < n; i++) resent += lg->batch[i]->attempts > 0;
    rc = residue_net_send(lg->lfd, lg->pkt, len, lg->cfg.reply_timeout_ms, lg->wake[0], &e);
    pthread_mutex_lock(&lg->mu);
    lg->st.sent += n;
    lg->st.retried += resent;
    lg->st.requests++;
    pthread_mutex_unlock(&lg->mu);
    const uint8_t *reply = NULL;
    size_t rlen = 0;
    if (rc == 0) {
        rc = residue_net_recv_packet(lg->lfd, &lg->lframer, lg->cfg.reply_timeout_ms, lg->wake[0],
                                     &reply, &rlen, &e);
    }
    if (rc < 0 && n > 1) {
        /* The server may have closed on the size of the request (its packet limit): the
         * lines again, fewer at a time, on a new connection. */
        residue_logger_prefix_error(&e, "log request");
        unlink_session(lg);
        pthread_mutex_lock(&lg->mu);
        split_request(lg, n, true);
        lg->st.disconnects++;
        lg->connected = false;
        pthread_mutex_unlock(&lg->mu);
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_DISCONNECTED, 3, 0, &e,
                            "%s; sending its %zu lines again, at most %zu a request", e.message, n,
                            n / 2u);
        return;
    }
    if (rc < 0) {
        residue_logger_prefix_error(&e, "log request");
        connection_lost(lg, &e, true);
        return;
    }
    rc = residue_client_log_reply(lg->session, reply, rlen, &e);
    if (rc == 0) {
        settle(lg, n, true);
        return;
    }
    if (rc != RP_E_REJECTED) {
        connection_lost(lg, &e, true);
        return;
    }
    /* {"r":1}: the lines were not queued by the server. If it has forgotten this client
     * (restarted, swept), connect again and send them once more; else they are bad. */
    bool again = false;
    for (size_t i = 0; i < n; i++) again = again || lg->batch[i]->resent_after_r1;
    if (!again) {
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_INFO, 2, 0, NULL,
                            "log request rejected; checking the session with a TOUCH");
        rp_error te;
        rp_error_clear(&te);
        int trc = touch_exchange(lg, &te);
        if (trc < 0) {
            bool lost = residue_client_get_state(lg->session) == RESIDUE_CLIENT_DISCONNECTED;
            pthread_mutex_lock(&lg->mu);
            for (size_t i = 0; i < n; i++) lg->batch[i]->resent_after_r1 = true;
            pthread_mutex_unlock(&lg->mu);
            if (lost) {
                residue_logger_emit(lg, RESIDUE_LOGGER_EV_INFO, 2, 0, NULL,
                                    "the server lost the session, connecting again");
                unlink_session(lg);
                pthread_mutex_lock(&lg->mu);
                residue_backlog_requeue(&lg->q, false);
                lg->connected = false;
                pthread_mutex_unlock(&lg->mu);
            } else {
                connection_lost(lg, &te, false);
            }
            return;
        }
        pthread_mutex_lock(&lg->mu);
        lg->st.touches++;
        pthread_mutex_unlock(&lg->mu);
    }
    if (n > 1) {
        /* The session is fine, so the request itself was refused: maybe for one of its lines
         * (too long for the server), maybe for its size once inflated. Fewer at a time. */
        pthread_mutex_lock(&lg->mu);
        split_request(lg, n, false);
        pthread_mutex_unlock(&lg->mu);
        residue_logger_emit(lg, RESIDUE_LOGGER_EV_INFO, 2, 0, NULL,
                            "log request of %zu lines rejected ({\"r\":1}); sending them again, at "
                            "most %zu a request", n, n / 2u);
        return;
    }
    settle(lg, n, false);
    residue_logger_emit(lg, RESIDUE_LOGGER_EV_REJECTED, 4, n, &e,
                        "log request of %zu line(s) rejected by the server ({\"r\":1})", n);
}

/* ---- the loop ---------------------------------------------------------------------------- */

void *residue_logger_dispatch_main(void *arg)
{
    residue_logger *lg = arg;
    pthread_mutex_lock(&lg->mu);
    for (;;) {
        if (lg->stop) break;
        uint64_t wait_at = 0;
        step s = decide(lg, residue_net_now_ms(), &wait_at);
        if (s == STEP_EXIT) break;
        if (s == STEP_WAIT) {
            lg->dispatcher_idle = true;
            if (wait_at == 0) {
                pthread_cond_wait(&lg->work, &lg->mu);
            } else if (wait_at > residue_net_now_ms()) {
                struct timespec ts;
                residue_logger_deadline(&ts, wait_at);
                pthread_cond_timedwait(&lg->work, &lg->mu, &ts);
            }
            lg->dispatcher_idle = false;
            continue;
        }
        pthread_mutex_unlock(&lg->mu);
        if (s == STEP_CONNECT) do_connect(lg);
        else if (s == STEP_TOUCH) do_touch(lg);
        else do_send(lg);
        pthread_mutex_lock(&lg->mu);
    }
    pthread_mutex_unlock(&lg->mu);
    unlink_session(lg);
    return NULL;
}
