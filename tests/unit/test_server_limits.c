/* Check suite for what residue_server adds for a hostile network (issue 12): the log store
 * that can refuse (residue_server_handle_log_store), the per-source CONNECT limits and the
 * RSA deferral of residue_server_handle_connect_ex, the source table itself, and which
 * connection residue-server closes when its slots or its buffered memory run out
 * (rs_slot_victim_before, rs_memory_victim_before in tools/lib/rs_net.c).
 *
 * The client side is the real client session (residue_client) talking to the server session
 * in memory, so every packet is what a real peer would send.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_crypto.h"
#include "residue_session.h"
#include "residue_sources.h"
#include "support/session_fakes.h"
#include "../../tools/lib/rs_net.h"

#define VEC "../shared/vectors/"
#define T0 1700000000u

typedef struct fixture {
    fake_clock clock;
    fake_rng rng;
    residue_server_config cfg;
    residue_server *srv;
    rp_rsa_key *client_key;
    rp_rsa_key *server_key;      /* private (server side) */
    rp_rsa_key *server_pub;      /* for RSA CONNECTs */
    uint8_t reply[RESIDUE_SESSION_PACKET_MAX];
    size_t reply_len;
} fixture;

static rp_rsa_key *load_private(const char *path)
{
    rp_rsa_key *k = NULL;
    rp_error e;
    ck_assert_msg(rp_rsa_key_load_private_file(path, NULL, &k, &e) == 0, "%s: %s", path, e.message);
    return k;
}

static void fixture_start(fixture *f, void (*tweak)(residue_server_config *), bool rsa)
{
    memset(f, 0, sizeof *f);
    f->clock.now = T0;
    f->rng.state = 0x9E3779B97F4A7C15u;
    f->client_key = load_private(VEC "A-unknown-plain/keys/client-private.pem");
    residue_server_config_defaults(&f->cfg);
    f->cfg.max_items_in_bulk = 50;
    if (rsa) {
        f->server_key = load_private(VEC "B-unknown-rsa/keys/server-private.pem");
        rp_error e;
        ck_assert_int_eq(rp_rsa_key_load_public_file(VEC "B-unknown-rsa/keys/server-public.pem",
                                                     &f->server_pub, &e), 0);
        f->cfg.server_private_key = f->server_key;
    }
    if (tweak != NULL) tweak(&f->cfg);
    rp_error e;
    ck_assert_msg(residue_server_create(&f->cfg, fake_now, &f->clock, fake_random, &f->rng,
                                        &f->srv, &e) == 0, "create: %s", e.message);
}

static void fixture_stop(fixture *f)
{
    residue_server_free(f->srv);
    rp_rsa_key_free(f->client_key);
    rp_rsa_key_free(f->server_key);
    rp_rsa_key_free(f->server_pub);
}

static residue_client *new_client(fixture *f, bool rsa)
{
    residue_client_config cc;
    memset(&cc, 0, sizeof cc);
    cc.client_key = f->client_key;
    cc.server_public_key = rsa ? f->server_pub : NULL;
    residue_client *cl = NULL;
    rp_error e;
    ck_assert_msg(residue_client_create(&cc, fake_now, &f->clock, fake_random, &f->rng, &cl, &e) == 0,
                  "client: %s", e.message);
    return cl;
}

/* One connect-port exchange from source src (NULL = none). */
static int exchange(fixture *f, const char *src, residue_connect_call *call, const uint8_t *pkt,
                    size_t len)
{
    residue_connect_call local;
    memset(&local, 0, sizeof local);
    if (call == NULL) call = &local;
    call->source = (const uint8_t *)src;
    call->source_len = src != NULL ? strlen(src) : 0;
    rp_error why;
    /* The packet arrives with its delimiter; the session takes the payload. */
    return residue_server_handle_connect_ex(f->srv, call, pkt, len - 4u, f->reply, sizeof f->reply,
                                            &f->reply_len, &why);
}

/* CONNECT (+ ACK when ack) from src; returns 0 when the client ended up where asked, else
 * the client's status with its error text in msg. */
static int handshake(fixture *f, residue_client *cl, const char *src, bool ack, char *msg,
                     size_t msgcap)
{
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    rp_error e;
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, &e), 0);
    ck_assert_int_eq(exchange(f, src, NULL, out, n), 0);
    int r = residue_client_receive(cl, f->reply, f->reply_len - 4u, out, sizeof out, &n, &e);
    if (r < 0) {
        snprintf(msg, msgcap, "%s", e.message);
        return r;
    }
    if (!ack) return 0;
    ck_assert_int_eq(exchange(f, src, NULL, out, n), 0);
    r = residue_client_receive(cl, f->reply, f->reply_len - 4u, out, sizeof out, &n, &e);
    if (r < 0) snprintf(msg, msgcap, "%s", e.message);
    return r;
}

/* ---- the log store ----------------------------------------------------------------------- */

typedef struct test_store {
    size_t records, ends, kept, dropped;
    size_t fail_record_at;   /* 1-based record number that fails; 0 = none */
    int end_status;
    char last[64];
} test_store;

static int ts_record(void *ctx, const char *client_id, const residue_log_request *log)
{
    (void)client_id;
    test_store *t = ctx;
    t->records++;
    snprintf(t->last, sizeof t->last, "%.*s", (int)log->msg.len, log->msg.ptr);
    return t->fail_record_at != 0 && t->records == t->fail_record_at ? RP_E_IO : 0;
}

static int ts_end(void *ctx, bool keep)
{
    test_store *t = ctx;
    t->ends++;
    if (keep) t->kept++; else t->dropped++;
    return keep ? t->end_status : 0;
}

/* A log packet of count records msg "m1".."mN" from an established client. */
static size_t build_log(fixture *f, residue_client *cl, size_t count, uint8_t *out, size_t cap)
{
    residue_log_request recs[8];
    ck_assert_uint_le(count, 8);
    char msgs[8][8];
    for (size_t i = 0; i < count; i++) {
        residue_log_request_init(&recs[i]);
        snprintf(msgs[i], sizeof msgs[i], "m%zu", i + 1);
        recs[i].msg = rp_str_from_cstr(msgs[i]);
        recs[i].datetime = 1;
        recs[i].level = RESIDUE_LEVEL_INFO;
        recs[i].timestamp = f->clock.now;
        recs[i].has_msg = recs[i].has_datetime = recs[i].has_level = recs[i].has_timestamp = true;
    }
    size_t n = 0;
    rp_error e;
    ck_assert_msg(residue_client_build_log(cl, recs, count, out, cap, &n, &e) == 0, "%s", e.message);
    return n;
}

static int log_through(fixture *f, const uint8_t *pkt, size_t n, test_store *t)
{
    residue_log_store st = {ts_record, ts_end, t};
    rp_error why;
    ck_assert_int_eq(residue_server_handle_log_store(f->srv, pkt, n - 4u, &st, f->reply,
                                                     sizeof f->reply, &f->reply_len, &why), 0);
    ck_assert_uint_eq(f->reply_len, RESIDUE_LOG_REPLY_LEN);
    if (memcmp(f->reply, RESIDUE_LOG_REPLY_OK, RESIDUE_LOG_REPLY_LEN) == 0) return 0;
    ck_assert(memcmp(f->reply, RESIDUE_LOG_REPLY_FAILED, RESIDUE_LOG_REPLY_LEN) == 0);
    return 1;
}

START_TEST(store_decides_the_reply)
{
    fixture f;
    fixture_start(&f, NULL, false);
    residue_client *cl = new_client(&f, false);
    char msg[256];
    ck_assert_int_eq(handshake(&f, cl, NULL, true, msg, sizeof msg), 0);
    uint8_t pkt[8192];
    residue_server_stats st;

    /* Everything taken: {"r":0}, one end(keep) per packet, records in order. */
    test_store t = {0};
    size_t n = build_log(&f, cl, 3, pkt, sizeof pkt);
    ck_assert_int_eq(log_through(&f, pkt, n, &t), 0);
    ck_assert_uint_eq(t.records, 3);
    ck_assert_uint_eq(t.ends, 1);
    ck_assert_uint_eq(t.kept, 1);
    ck_assert_str_eq(t.last, "m3");

    /* end() fails (the write or fsync did not happen): {"r":1}, counted. */
    memset(&t, 0, sizeof t);
    t.end_status = RP_E_IO;
    n = build_log(&f, cl, 1, pkt, sizeof pkt);
    ck_assert_int_eq(log_through(&f, pkt, n, &t), 1);
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.log_store_failed, 1);

    /* The second record of a bulk is refused: the rest is not offered, end(drop), {"r":1}. */
    memset(&t, 0, sizeof t);
    t.fail_record_at = 2;
    n = build_log(&f, cl, 4, pkt, sizeof pkt);
    ck_assert_int_eq(log_through(&f, pkt, n, &t), 1);
    ck_assert_uint_eq(t.records, 2);
    ck_assert_uint_eq(t.ends, 1);
    ck_assert_uint_eq(t.dropped, 1);
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.log_store_failed, 2);

    /* A packet that is rejected anyway never reaches the store. */
    memset(&t, 0, sizeof t);
    ck_assert_int_eq(log_through(&f, (const uint8_t *)"garbage\r\n\r\n", 11, &t), 1);
    ck_assert_uint_eq(t.records + t.ends, 0);
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.log_store_failed, 2);

    /* The old entry point still works: a sink that cannot fail. */
    n = build_log(&f, cl, 2, pkt, sizeof pkt);
    rp_error why;
    ck_assert_int_eq(residue_server_handle_log(f.srv, pkt, n - 4u, NULL, NULL, f.reply,
                                               sizeof f.reply, &f.reply_len, &why), 0);
    ck_assert(memcmp(f.reply, RESIDUE_LOG_REPLY_OK, RESIDUE_LOG_REPLY_LEN) == 0);
    residue_client_free(cl);
    fixture_stop(&f);
}
END_TEST

static void line_limit_100(residue_server_config *c)
{
    c->max_log_line_size = 100;
}

/* N9, with a store that can drop (residue-server's): a bulk whose last item is over
 * max_log_line_size has its first items offered (one decoding of each), then dropped with
 * end(false); {"r":1}, nothing kept, the counts of the dropped items taken back. */
START_TEST(store_bulk_over_line_limit)
{
    fixture f;
    fixture_start(&f, line_limit_100, false);
    residue_client *cl = new_client(&f, false);
    char msg[256];
    ck_assert_int_eq(handshake(&f, cl, NULL, true, msg, sizeof msg), 0);
    uint8_t pkt[8192];
    char lng[102];
    memset(lng, 'x', 101);
    lng[101] = '\0';
    residue_log_request recs[3];
    for (size_t i = 0; i < 3; i++) {
        residue_log_request_init(&recs[i]);
        recs[i].msg = rp_str_from_cstr(i == 2 ? lng : "short");
        recs[i].datetime = 1;
        recs[i].level = RESIDUE_LEVEL_INFO;
        recs[i].timestamp = f.clock.now;
        recs[i].has_msg = recs[i].has_datetime = recs[i].has_level = recs[i].has_timestamp = true;
    }
    size_t n = 0;
    rp_error e;
    ck_assert_msg(residue_client_build_log(cl, recs, 3, pkt, sizeof pkt, &n, &e) == 0, "%s", e.message);
    residue_server_stats st0, st;
    residue_server_stats_get(f.srv, &st0);
    test_store t = {0};
    ck_assert_int_eq(log_through(&f, pkt, n, &t), 1);
    ck_assert_uint_eq(t.records, 2);
    ck_assert_uint_eq(t.ends, 1);
    ck_assert_uint_eq(t.dropped, 1);
    ck_assert_uint_eq(t.kept, 0);
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.bulk_refused_too_long, st0.bulk_refused_too_long + 1);
    ck_assert_uint_eq(st.log_records, st0.log_records);
    ck_assert_uint_eq(st.log_store_failed, st0.log_store_failed);

    /* 100 bytes: every item kept */
    lng[100] = '\0';
    recs[2].msg = rp_str_from_cstr(lng);
    ck_assert_msg(residue_client_build_log(cl, recs, 3, pkt, sizeof pkt, &n, &e) == 0, "%s", e.message);
    memset(&t, 0, sizeof t);
    ck_assert_int_eq(log_through(&f, pkt, n, &t), 0);
    ck_assert_uint_eq(t.records, 3);
    ck_assert_uint_eq(t.kept, 1);
    residue_client_free(cl);
    fixture_stop(&f);
}
END_TEST

/* ---- per-source limits ------------------------------------------------------------------- */

static void rate_2_burst_3(residue_server_config *c)
{
    c->source_connect_rate = 2;
    c->source_connect_burst = 3;
    c->source_max_unacknowledged = 0;
}

START_TEST(connect_rate_per_source)
{
    fixture f;
    fixture_start(&f, rate_2_burst_3, false);
    char msg[256];
    residue_client *cl = NULL;
#define handshake(f, c, src, ack, m, mc) (residue_client_free(cl), cl = new_client((f), false), \
                                          handshake((f), cl, (src), (ack), (m), (mc)))
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(handshake(&f, cl, "127.0.0.2", false, msg, sizeof msg), 0);
    }
    ck_assert_int_eq(handshake(&f, cl, "127.0.0.2", false, msg, sizeof msg), RP_E_REJECTED);
    ck_assert_str_eq(msg, "Too many connection requests from this address; try again later");
    /* Another source, and a call without a source, are not affected. */
    ck_assert_int_eq(handshake(&f, cl, "127.0.0.1", false, msg, sizeof msg), 0);
    ck_assert_int_eq(handshake(&f, cl, NULL, false, msg, sizeof msg), 0);
    size_t clients = residue_server_client_count(f.srv);
    ck_assert_uint_eq(clients, 5);
    /* One second later the source has 2 more. */
    f.clock.now += 1;
    ck_assert_int_eq(handshake(&f, cl, "127.0.0.2", false, msg, sizeof msg), 0);
    ck_assert_int_eq(handshake(&f, cl, "127.0.0.2", false, msg, sizeof msg), 0);
    ck_assert_int_eq(handshake(&f, cl, "127.0.0.2", false, msg, sizeof msg), RP_E_REJECTED);
    residue_server_stats st;
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.source_rate_refused, 2);
#undef handshake
    residue_client_free(cl);
    fixture_stop(&f);
}
END_TEST

static void unacked_2(residue_server_config *c)
{
    c->source_connect_rate = 0;
    c->source_max_unacknowledged = 2;
    c->non_acknowledged_client_age = 120;
}

/* CONNECT from src; on a hello, the ACK packet the client wants to send goes to ack. */
static int connect_only(fixture *f, residue_client *cl, const char *src, uint8_t *ack, size_t *ack_len,
                        char *msg, size_t msgcap)
{
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    rp_error e;
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, &e), 0);
    ck_assert_int_eq(exchange(f, src, NULL, out, n), 0);
    int r = residue_client_receive(cl, f->reply, f->reply_len - 4u, ack, RESIDUE_SESSION_PACKET_MAX,
                                   ack_len, &e);
    if (r < 0) snprintf(msg, msgcap, "%s", e.message);
    return r;
}

START_TEST(unacknowledged_per_source)
{
    fixture f;
    fixture_start(&f, unacked_2, false);
    residue_client *cl[6];
    for (int i = 0; i < 6; i++) cl[i] = new_client(&f, false);
    uint8_t ack[5][RESIDUE_SESSION_PACKET_MAX];
    size_t ack_len[5];
    char msg[256];
    const char *src = "10.0.0.7";
    ck_assert_int_eq(connect_only(&f, cl[0], src, ack[0], &ack_len[0], msg, sizeof msg), 0);
    ck_assert_int_eq(connect_only(&f, cl[1], src, ack[1], &ack_len[1], msg, sizeof msg), 0);
    /* A third unacknowledged client from the same address is refused, not registered. */
    ck_assert_int_eq(connect_only(&f, cl[2], src, ack[2], &ack_len[2], msg, sizeof msg), RP_E_REJECTED);
    ck_assert_str_eq(msg, "Too many unacknowledged clients from this address; acknowledge or "
                          "wait for them to expire");
    ck_assert_uint_eq(residue_server_client_count(f.srv), 2);
    /* Another address still registers (one address cannot fill the registry)... */
    ck_assert_int_eq(handshake(&f, cl[2], "10.0.0.8", true, msg, sizeof msg), 0);
    /* ...and a call without a source is not counted at all. */
    ck_assert_int_eq(handshake(&f, cl[5], NULL, false, msg, sizeof msg), 0);
    /* Acknowledging one frees its place. */
    ck_assert_int_eq(exchange(&f, src, NULL, ack[0], ack_len[0]), 0);
    size_t n = 0;
    rp_error e;
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    ck_assert_int_eq(residue_client_receive(cl[0], f.reply, f.reply_len - 4u, out, sizeof out, &n, &e), 0);
    ck_assert_int_eq(residue_client_get_state(cl[0]), RESIDUE_CLIENT_ESTABLISHED);
    ck_assert_int_eq(connect_only(&f, cl[3], src, ack[3], &ack_len[3], msg, sizeof msg), 0);
    ck_assert_int_eq(connect_only(&f, cl[4], src, ack[4], &ack_len[4], msg, sizeof msg), RP_E_REJECTED);
    /* Entries that expire unacknowledged free their places too. */
    f.clock.now += 121;
    ck_assert_int_eq(connect_only(&f, cl[4], src, ack[4], &ack_len[4], msg, sizeof msg), 0);
    residue_server_stats st;
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.source_unacked_refused, 2);
    for (int i = 0; i < 6; i++) residue_client_free(cl[i]);
    fixture_stop(&f);
}
END_TEST

/* ---- RSA deferral ------------------------------------------------------------------------ */

START_TEST(rsa_work_can_be_deferred)
{
    fixture f;
    fixture_start(&f, NULL, true);
    residue_client *cl = new_client(&f, true);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    rp_error e;
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, &e), 0);
    residue_connect_call call;
    memset(&call, 0, sizeof call);
    call.rsa_deferred = true;
    ck_assert_int_eq(exchange(&f, NULL, &call, out, n), 0);
    ck_assert(call.deferred);
    ck_assert(!call.rsa_used);
    ck_assert_uint_eq(f.reply_len, 0);
    residue_server_stats st;
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.connect_packets, 0);
    ck_assert_uint_eq(st.rsa_attempts, 0);
    ck_assert_uint_eq(residue_server_client_count(f.srv), 0);
    /* The same packet later, with RSA allowed: a hello. */
    call.rsa_deferred = false;
    ck_assert_int_eq(exchange(&f, NULL, &call, out, n), 0);
    ck_assert(!call.deferred);
    ck_assert(call.rsa_used);
    ck_assert_int_eq(residue_client_receive(cl, f.reply, f.reply_len - 4u, out, sizeof out, &n, &e), 0);
    residue_server_stats_get(f.srv, &st);
    ck_assert_uint_eq(st.rsa_attempts, 1);
    ck_assert_uint_eq(residue_server_client_count(f.srv), 1);
    /* The ACK (AES) and a plain CONNECT are never deferred. */
    call.rsa_deferred = true;
    ck_assert_int_eq(exchange(&f, NULL, &call, out, n), 0);
    ck_assert(!call.deferred && !call.rsa_used);
    ck_assert_int_eq(residue_client_receive(cl, f.reply, f.reply_len - 4u, out, sizeof out, &n, &e), 0);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_ESTABLISHED);
    residue_client *plain = new_client(&f, false);
    ck_assert_int_eq(residue_client_connect(plain, out, sizeof out, &n, &e), 0);
    ck_assert_int_eq(exchange(&f, NULL, &call, out, n), 0);
    ck_assert(!call.deferred && !call.rsa_used);
    ck_assert_int_eq(residue_client_receive(plain, f.reply, f.reply_len - 4u, out, sizeof out, &n, &e), 0);
    residue_client_free(plain);
    residue_client_free(cl);
    fixture_stop(&f);
}
END_TEST

/* ---- the source table -------------------------------------------------------------------- */

START_TEST(source_table_bounds)
{
    residue_sources t;
    ck_assert_int_eq(residue_sources_init(&t, 0, 1, 1, NULL), RP_E_ARGUMENT);
    ck_assert_int_eq(residue_sources_init(&t, 3, 1, 2, NULL), 0);
    uint8_t a[4] = {1, 2, 3, 0};
    residue_source *s[4];
    for (uint8_t i = 0; i < 3; i++) {
        a[3] = i;
        s[i] = residue_sources_get(&t, a, 4, 100);
        ck_assert_ptr_nonnull(s[i]);
    }
    /* Same bytes, same record; too long a name is refused. */
    a[3] = 1;
    ck_assert_ptr_eq(residue_sources_get(&t, a, 4, 100), s[1]);
    ck_assert_ptr_null(residue_sources_get(&t, a, RESIDUE_SOURCE_MAX + 1u, 100));
    /* Full: every record is idle with a full bucket, so one is pruned for the newcomer... */
    s[0]->unacked = 1;
    s[1]->unacked = 1;
    a[3] = 9;
    s[3] = residue_sources_get(&t, a, 4, 100);
    ck_assert_ptr_nonnull(s[3]);
    ck_assert_uint_eq(residue_sources_count(&t), 3);
    /* ...but not when every record still means something. */
    ck_assert(residue_sources_take(&t, s[3], 100));
    a[3] = 10;
    ck_assert_ptr_null(residue_sources_get(&t, a, 4, 100));
    /* Bucket: 2 tokens, then none until time passes (1 per second). */
    ck_assert(residue_sources_take(&t, s[0], 100));
    ck_assert(residue_sources_take(&t, s[0], 100));
    ck_assert(!residue_sources_take(&t, s[0], 100));
    ck_assert(residue_sources_take(&t, s[0], 101));
    ck_assert(!residue_sources_take(&t, s[0], 101));
    /* Pruning keeps records with unacknowledged entries. */
    s[0]->unacked = 0;
    ck_assert_uint_eq(residue_sources_prune(&t, 200), 2);
    ck_assert_uint_eq(residue_sources_count(&t), 1);
    residue_sources_free(&t);
}
END_TEST

/* ---- residue-server's eviction rules ------------------------------------------------------ */

typedef bool (*victim_rule)(const rs_conn_facts *, const rs_conn_facts *);

/* The connection the server closes first among n (its scan: the first of equals). */
static size_t first_victim(const rs_conn_facts *f, size_t n, victim_rule before)
{
    size_t v = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (v == SIZE_MAX || before(&f[i], &f[v])) v = i;
    }
    return v;
}

static rs_conn_facts facts(int64_t created, int64_t active, int64_t success, size_t held)
{
    rs_conn_facts f = {created, active, success, held};
    return f;
}

/* The tester's scene (ulimit -n 64: 48 slots): one client that logged 1.5 s ago holds a
 * logging connection; 47 peers send an empty packet (an error reply) every 100 ms, and 60
 * more connect one by one, each needing a slot. The client must never be the one closed. */
START_TEST(slot_eviction_ignores_error_replies)
{
    enum { SLOTS = 48, ARRIVALS = 60 };
    rs_conn_facts f[SLOTS];
    bool is_client[SLOTS];
    int64_t now = 3000;
    f[0] = facts(0, 1500, 1500, 0);
    is_client[0] = true;
    for (size_t i = 1; i < SLOTS; i++) {
        f[i] = facts(100 + (int64_t)i, now - 100 + (int64_t)i, -1, 4096);
        is_client[i] = false;
    }
    unsigned client_closed = 0;
    for (int k = 0; k < ARRIVALS; k++) {
        now += 10;
        size_t v = first_victim(f, SLOTS, rs_slot_victim_before);
        if (is_client[v]) client_closed++;
        f[v] = facts(now, now, -1, 0); /* the newcomer takes the slot and sends junk */
        is_client[v] = false;
        for (size_t i = 0; i < SLOTS; i++) {
            if (!is_client[i] && f[i].created_ms < now) f[i].last_active_ms = now;
        }
    }
    ck_assert_uint_eq(client_closed, 0);
    /* A connection whose requests succeeded once, long ago, and now only fail goes before a
     * client that succeeded recently but sent nothing since. */
    rs_conn_facts g[2] = {facts(0, 5000, 100, 0), facts(10, 4000, 4000, 0)};
    ck_assert_uint_eq(first_victim(g, 2, rs_slot_victim_before), 0);
    /* A connection accepted just now (nothing sent yet) is not closed before older ones
     * whose packets all failed, nor before an old silent one (slow loris). */
    rs_conn_facts h[3] = {facts(4950, 4950, -1, 0), facts(100, 4990, -1, 0), facts(50, 50, -1, 0)};
    ck_assert_uint_eq(first_victim(h, 3, rs_slot_victim_before), 2);
    ck_assert_uint_eq(first_victim(h, 2, rs_slot_victim_before), 1);
}
END_TEST

/* The tester's memory scene (max_buffered_total 8 MiB): 130 peers each hold 70 KB of a
 * packet that never ends and reconnect when closed; a client sends 20 bulks of about
 * 400 KB, 64 KiB per read, each read preceded by make_room's loop. The client must never
 * be the one closed, and the total must stay within the bound. */
enum { HOLDERS = 130, MEM_CONNS = HOLDERS + 1 };
#define MEM_BOUND (8u * 1024u * 1024u)

/* make_room before `self` reads `need` bytes: closes connections in the rule's order until
 * the total fits. Returns false when self was one of them. */
static bool sim_make_room(rs_conn_facts *f, bool *open, size_t *total, size_t self, size_t need,
                          victim_rule before)
{
    while (*total + need > MEM_BOUND) {
        size_t v = SIZE_MAX;
        for (size_t i = 0; i < MEM_CONNS; i++) {
            if (open[i] && f[i].held > 0 && (v == SIZE_MAX || before(&f[i], &f[v]))) v = i;
        }
        if (v == SIZE_MAX) break;
        *total -= f[v].held;
        f[v].held = 0;
        open[v] = false;
        if (v == self) return false;
    }
    return true;
}

/* One read of `need` bytes by conns[i] (a new connection when it was closed). */
static bool sim_read(rs_conn_facts *f, bool *open, size_t *total, size_t i, size_t need,
                     int64_t now, victim_rule before)
{
    if (!open[i]) {
        f[i] = facts(now, now, -1, 0);
        open[i] = true;
    }
    if (!sim_make_room(f, open, total, i, need, before)) return false;
    f[i].held += need;
    *total += need;
    ck_assert_uint_le(*total, MEM_BOUND);
    return true;
}

/* The holders closed so far reconnect and send their 70 KB (the tester's script does that
 * every 50 ms). */
static void sim_holders_return(rs_conn_facts *f, bool *open, size_t *total, int64_t now,
                               victim_rule before)
{
    for (size_t i = 1; i < MEM_CONNS; i++) {
        if (!open[i]) (void)sim_read(f, open, total, i, 70000, now, before);
    }
}

/* How many of the client's 20 bulks were closed under `before`. One millisecond per 64 KiB
 * read of the client; 100 ms between its bulks. */
static unsigned bulks_closed(victim_rule before)
{
    static rs_conn_facts f[MEM_CONNS];
    static bool open[MEM_CONNS];
    size_t total = 0;
    int64_t now = 1000;
    memset(open, 0, sizeof open);
    for (size_t i = 1; i < MEM_CONNS; i++) {
        ck_assert(sim_read(f, open, &total, i, 70000, (int64_t)i, before));
    }
    unsigned closed = 0;
    for (int bulk = 0; bulk < 20; bulk++) {
        if (!open[0]) { /* the client reconnects after a closed bulk */
            f[0] = facts(now, now, -1, 0);
            open[0] = true;
        }
        bool lost = false;
        for (size_t got = 0; got < 400000 && !lost; got += 65536) {
            if (++now % 50 == 0) sim_holders_return(f, open, &total, now, before);
            lost = !open[0] || !sim_read(f, open, &total, 0, 65536, now, before);
        }
        if (lost) {
            closed++;
        } else {
            f[0].last_active_ms = f[0].last_success_ms = now; /* {"r":0} */
            total -= f[0].held - 65536; /* the buffer is given back down to what it keeps */
            f[0].held = 65536;
        }
        for (int gap = 0; gap < 100; gap++) {
            if (++now % 50 == 0) sim_holders_return(f, open, &total, now, before);
        }
    }
    return closed;
}

START_TEST(memory_eviction_spares_progressing_requests)
{
    ck_assert_uint_eq(bulks_closed(rs_memory_victim_before), 0);
    /* Among peers with nothing to show, the one whose partial packet stopped growing first
     * goes, whatever its size; with equal progress the larger one goes; one with a
     * successful request goes last. */
    rs_conn_facts g[3] = {facts(0, 10, -1, 1000), facts(0, 900, -1, 500000), facts(5, 10, 100, 1000)};
    ck_assert_uint_eq(first_victim(g, 3, rs_memory_victim_before), 0);
    g[0].last_active_ms = 900;
    ck_assert_uint_eq(first_victim(g, 3, rs_memory_victim_before), 1);
    rs_conn_facts h[2] = {facts(0, 10, 10, 1000), facts(5, 900, -1, 1000)};
    ck_assert_uint_eq(first_victim(h, 2, rs_memory_victim_before), 1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("server_limits");
    TCase *tc = tcase_create("server_limits");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, store_decides_the_reply);
    tcase_add_test(tc, store_bulk_over_line_limit);
    tcase_add_test(tc, connect_rate_per_source);
    tcase_add_test(tc, unacknowledged_per_source);
    tcase_add_test(tc, rsa_work_can_be_deferred);
    tcase_add_test(tc, source_table_bounds);
    tcase_add_test(tc, slot_eviction_ignores_error_replies);
    tcase_add_test(tc, memory_eviction_spares_progressing_requests);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
