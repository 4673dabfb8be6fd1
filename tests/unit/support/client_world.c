/* Our server and one client in-process for the client suites; see client_world.h. */
#include "client_world.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_files.h"

#define CLIENT_KEY "../shared/vectors/A-unknown-plain/keys/client-private.pem"

void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    w->clock.now = 1800000000u;
    w->srv_rng.state = 11;
    w->cl_rng.state = 13;
    w->client_key = load_private_key(CLIENT_KEY);
    residue_server_config_defaults(&w->cfg);
    w->cfg.logging_port = 9999;
}

void world_serve(world *w)
{
    residue_server_free(w->srv);
    w->srv = NULL;
    ck_assert_int_eq(residue_server_create(&w->cfg, fake_now, &w->clock, fake_random, &w->srv_rng,
                                           &w->srv, NULL), 0);
}

void world_client(world *w, const char *id, uint16_t key_size, bool rsa)
{
    residue_client_free(w->cl);
    w->cl = NULL;
    residue_client_config cfg = {id, w->client_key, rsa ? w->server_pub : NULL, key_size, 0};
    ck_assert_int_eq(residue_client_create(&cfg, fake_now, &w->clock, fake_random, &w->cl_rng,
                                           &w->cl, NULL), 0);
}

void world_stop(world *w)
{
    residue_client_free(w->cl);
    residue_server_free(w->srv);
    rp_rsa_key_free(w->client_key);
    rp_rsa_key_free(w->server_priv);
    rp_rsa_key_free(w->server_pub);
    rp_rsa_key_free(w->managed_pub);
}

int world_exchange(world *w, const uint8_t *pkt, size_t len, rp_error *e)
{
    uint8_t buf[RESIDUE_SESSION_PACKET_MAX], reply[RESIDUE_SESSION_PACKET_MAX];
    memcpy(buf, pkt, len);
    for (;;) {
        size_t rn = 0, on = 0;
        ck_assert_int_eq(residue_server_handle_connect(w->srv, buf, len - 4, reply, sizeof reply,
                                                       &rn, NULL), 0);
        /* the follow-up goes into buf: the packet it answers is no longer needed */
        int rc = residue_client_receive(w->cl, reply, rn - 4, buf, sizeof buf, &on, e);
        if (rc < 0 || on == 0)
            return rc;
        len = on;
    }
}

/* What writes a packet for the connect port: residue_client_connect or _touch. */
typedef int packet_writer(residue_client *cl, uint8_t *out, size_t cap, size_t *out_len,
                          rp_error *err);

/* The packet writer makes, carried by world_exchange. */
static int send_packet(world *w, packet_writer *writer, rp_error *e)
{
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    int rc = writer(w->cl, pkt, sizeof pkt, &n, e);
    if (rc < 0)
        return rc;
    return world_exchange(w, pkt, n, e);
}

int world_handshake(world *w, rp_error *e)
{
    return send_packet(w, residue_client_connect, e);
}

int world_touch(world *w, rp_error *e)
{
    return send_packet(w, residue_client_touch, e);
}

/* residue_log_sink_fn of world_log: counts the record and keeps its msg. */
static void took_log(void *ctx, const char *client_id, const residue_log_request *log)
{
    world *w = ctx;
    (void)client_id;
    w->logs++;
    snprintf(w->last_msg, sizeof w->last_msg, "%.*s", (int)log->msg.len, log->msg.ptr);
}

int world_log(world *w, const residue_log_request *recs, size_t count, rp_error *e)
{
    size_t cap = 1 << 20, n = 0, rn = 0;
    uint8_t *pkt = malloc(cap);
    ck_assert_ptr_nonnull(pkt);
    uint8_t reply[64];
    int rc = residue_client_build_log(w->cl, recs, count, pkt, cap, &n, e);
    if (rc == 0) {
        ck_assert_int_eq(residue_server_handle_log(w->srv, pkt, n - 4, took_log, w, reply,
                                                   sizeof reply, &rn, NULL), 0);
        rc = residue_client_log_reply(w->cl, reply, rn - 4, e);
    }
    free(pkt);
    return rc;
}

void world_log_record(residue_log_request *r, const char *msg)
{
    residue_log_request_init(r);
    r->datetime = 1800000000123u;
    r->has_datetime = true;
    r->msg = rp_str_from_cstr(msg);
    r->has_msg = true;
    r->logger = rp_str_from_cstr("unit");
    r->has_logger = true;
    r->level = RESIDUE_LEVEL_INFO;
    r->has_level = true;
}
