/* session-faults: the residue client and server session machines in one process, no
 * sockets, for tests/scripts/alloc-faults.sh (run under failalloc.so, which makes the Nth
 * allocation fail). Two rounds, each through the public API (residue_session.h) only:
 *
 *   plain  an unmanaged client with the capture's key pair: plain CONNECT -> hello -> ACK ->
 *          established -> TOUCH -> established -> one compressed log request -> {"r":0}
 *   rsa    a managed client whose CONNECT goes RSA-encrypted to the server key (the
 *          B-unknown-rsa pair), then one uncompressed log request
 *
 * Every call's result is checked and so is what it claims: a success reply must lead to the
 * next state, the log record must reach the server's sink with the text sent. Exit status:
 *   0  every step worked
 *   1  an API call reported an error (a negative status with a message, or an error reply
 *      with its reason); the step and the message are on stderr
 *   3  a call claimed success but the result is wrong (or an error came without a message)
 * Everything created is freed on every path, so a leak checker sees only real leaks.
 *
 *   session-faults VECTORS_DIR       (../shared/vectors)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_crypto.h"
#include "rp_error.h"
#include "residue_session.h"

#define CAP 16384u

typedef struct run {
    residue_server *srv;
    residue_client *cl;
    uint64_t now;
    uint64_t rng;
    size_t records;          /* records the server's sink took */
    char last_msg[64];
    uint8_t out[CAP], reply[CAP];
} run;

static uint64_t fake_clock(void *ctx)
{
    return ((run *)ctx)->now;
}

/* splitmix64: deterministic, so every run makes the same allocations */
static int fake_rng(void *ctx, uint8_t *out, size_t len)
{
    run *r = ctx;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (r->rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        out[i] = (uint8_t)(z ^ (z >> 27));
    }
    return 0;
}

static void sink(void *ctx, const char *client_id, const residue_log_request *log)
{
    run *r = ctx;
    (void)client_id;
    r->records++;
    snprintf(r->last_msg, sizeof r->last_msg, "%.*s", (int)log->msg.len, log->msg.ptr);
}

/* An API error: 1 when it says what failed, else 3 (an error without a reason). */
static int api_error(const char *round, const char *step, int status, const rp_error *e)
{
    if (status == 0 && e->code == RP_OK) {
        fprintf(stderr, "session-faults: %s: %s: error reply without a reason\n", round, step);
        return 3;
    }
    if (e->message[0] == '\0') {
        fprintf(stderr, "session-faults: %s: %s: status %d without a message\n", round, step,
                status != 0 ? status : (int)e->code);
        return 3;
    }
    fprintf(stderr, "session-faults: %s: %s: error %d: %s\n", round, step,
            status != 0 ? status : (int)e->code, e->message);
    return 1;
}

static int wrong(const char *round, const char *step, const char *what)
{
    fprintf(stderr, "session-faults: %s: %s: claimed success but %s\n", round, step, what);
    return 3;
}

static bool has_delim(const uint8_t *p, size_t n)
{
    return n >= RESIDUE_SESSION_DELIM_LEN &&
           memcmp(p + n - RESIDUE_SESSION_DELIM_LEN, RESIDUE_SESSION_DELIM,
                  RESIDUE_SESSION_DELIM_LEN) == 0;
}

/* The server handles one connect-port packet; the client reads the reply. want: the client
 * state the reply must lead to. */
static int exchange(run *r, const char *round, const char *step, size_t n,
                    residue_client_state want, bool want_out, size_t *next)
{
    rp_error e;
    rp_error_clear(&e);
    size_t rn = 0, on = 0;
    int rc = residue_server_handle_connect(r->srv, r->out, n - RESIDUE_SESSION_DELIM_LEN,
                                           r->reply, CAP, &rn, &e);
    if (rc != 0)
        return api_error(round, step, rc, &e);
    if (!has_delim(r->reply, rn))
        return wrong(round, step, "the server's reply has no delimiter");
    bool refused = e.code != RP_OK; /* an error reply: the client must say so too */
    rp_error ce;
    rp_error_clear(&ce);
    rc = residue_client_receive(r->cl, r->reply, rn - RESIDUE_SESSION_DELIM_LEN, r->out, CAP,
                                &on, &ce);
    if (rc != 0) {
        if (refused)
            fprintf(stderr, "session-faults: %s: %s: server: %s\n", round, step, e.message);
        return api_error(round, step, rc, &ce);
    }
    if (refused)
        return wrong(round, step, "the client took an error reply");
    if (residue_client_get_state(r->cl) != want)
        return wrong(round, step, "the client is not in the state the reply leads to");
    if (want_out != (on > 0) || (on > 0 && !has_delim(r->out, on)))
        return wrong(round, step, "the client's next packet is missing or malformed");
    *next = on;
    return 0;
}

static int log_once(run *r, const char *round, bool compress)
{
    static const char text[] = "fault injection line";
    residue_log_request rec;
    residue_log_request_init(&rec);
    rec.msg.ptr = text;
    rec.msg.len = sizeof text - 1;
    rec.has_msg = true;
    rec.logger.ptr = "default";
    rec.logger.len = 7;
    rec.has_logger = true;
    rec.level = RESIDUE_LEVEL_INFO;
    rec.datetime = 1795667583000u;
    rec.has_datetime = true;
    rec.has_level = true;
    residue_client_set_compression(r->cl, compress);
    rp_error e;
    rp_error_clear(&e);
    size_t n = 0, rn = 0;
    int rc = residue_client_build_log(r->cl, &rec, 1, r->out, CAP, &n, &e);
    if (rc != 0)
        return api_error(round, "build log", rc, &e);
    size_t before = r->records;
    rc = residue_server_handle_log(r->srv, r->out, n - RESIDUE_SESSION_DELIM_LEN, sink, r,
                                   r->reply, CAP, &rn, &e);
    if (rc != 0)
        return api_error(round, "handle log", rc, &e);
    if (rn != RESIDUE_LOG_REPLY_LEN)
        return wrong(round, "handle log", "the reply is not a log reply");
    bool ok = memcmp(r->reply, RESIDUE_LOG_REPLY_OK, rn) == 0;
    if (ok != (e.code == RP_OK))
        return wrong(round, "handle log", ok ? "{\"r\":0} came with a reason"
                                             : "{\"r\":1} came without a reason");
    if (ok && (r->records != before + 1 || strcmp(r->last_msg, text) != 0))
        return wrong(round, "handle log", "{\"r\":0} but the sink did not get the record");
    if (!ok && r->records != before)
        return wrong(round, "handle log", "{\"r\":1} but the sink got the record");
    rp_error ce;
    rp_error_clear(&ce);
    rc = residue_client_log_reply(r->cl, r->reply, rn - RESIDUE_SESSION_DELIM_LEN, &ce);
    if (!ok) {
        if (rc == 0)
            return wrong(round, "log reply", "the client took {\"r\":1}");
        fprintf(stderr, "session-faults: %s: handle log: server: %s\n", round, e.message);
        return api_error(round, "log reply", rc, &ce);
    }
    if (rc != 0)
        return api_error(round, "log reply", rc, &ce);
    return 0;
}

static int one_round(const char *round, const residue_server_config *sc,
                     const residue_client_config *cc, bool touch, bool compress)
{
    static run r; /* 32 KiB of buffers: not on the stack */
    memset(&r, 0, sizeof r);
    r.now = 1795667583u;
    r.rng = 42;
    rp_error e;
    rp_error_clear(&e);
    int rc = residue_server_create(sc, fake_clock, &r, fake_rng, &r, &r.srv, &e);
    if (rc != 0)
        return api_error(round, "server create", rc, &e);
    int res = 0;
    rc = residue_client_create(cc, fake_clock, &r, fake_rng, &r, &r.cl, &e);
    if (rc != 0) {
        res = api_error(round, "client create", rc, &e);
        goto done;
    }
    size_t n = 0;
    rc = residue_client_connect(r.cl, r.out, CAP, &n, &e);
    if (rc != 0) {
        res = api_error(round, "connect", rc, &e);
        goto done;
    }
    if (residue_client_get_state(r.cl) != RESIDUE_CLIENT_AWAIT_HELLO || !has_delim(r.out, n)) {
        res = wrong(round, "connect", "no CONNECT packet or the state did not move");
        goto done;
    }
    res = exchange(&r, round, "hello", n, RESIDUE_CLIENT_AWAIT_ESTABLISHED, true, &n);
    if (res != 0)
        goto done;
    res = exchange(&r, round, "established", n, RESIDUE_CLIENT_ESTABLISHED, false, &n);
    if (res != 0)
        goto done;
    if (touch) {
        rc = residue_client_touch(r.cl, r.out, CAP, &n, &e);
        if (rc != 0) {
            res = api_error(round, "touch", rc, &e);
            goto done;
        }
        res = exchange(&r, round, "touch", n, RESIDUE_CLIENT_ESTABLISHED, false, &n);
        if (res != 0)
            goto done;
    }
    res = log_once(&r, round, compress);
done:
    residue_client_free(r.cl);
    residue_server_free(r.srv);
    return res;
}

static int load_pair(const char *vec, const char *dir, const char *who, rp_rsa_key **priv,
                     rp_rsa_key **pub)
{
    char path[4096];
    rp_error e;
    rp_error_clear(&e);
    snprintf(path, sizeof path, "%s/%s/keys/%s-private.pem", vec, dir, who);
    int rc = rp_rsa_key_load_private_file(path, NULL, priv, &e);
    if (rc != 0)
        return api_error("keys", path, rc, &e);
    snprintf(path, sizeof path, "%s/%s/keys/%s-public.pem", vec, dir, who);
    rc = rp_rsa_key_load_public_file(path, pub, &e);
    if (rc != 0)
        return api_error("keys", path, rc, &e);
    return 0;
}

int main(int argc, char **argv)
{
    const char *vec = argc > 1 ? argv[1] : "../shared/vectors";
    rp_rsa_key *cpriv = NULL, *cpub = NULL, *spriv = NULL, *spub = NULL;
    int res = load_pair(vec, "A-unknown-plain", "client", &cpriv, &cpub);
    if (res == 0)
        res = load_pair(vec, "B-unknown-rsa", "server", &spriv, &spub);
    if (res == 0) {
        residue_server_config sc;
        residue_server_config_defaults(&sc);
        sc.logging_port = 18778;
        residue_client_config cc = { NULL, cpriv, NULL, 0, 0 };
        res = one_round("plain", &sc, &cc, true, true);
        if (res == 0) {
            residue_managed_client m = { "faults-managed", cpub, 0 };
            sc.server_private_key = spriv;
            sc.managed_clients = &m;
            sc.managed_count = 1;
            residue_client_config mc = { m.client_id, cpriv, spub, 0, 0 };
            res = one_round("rsa", &sc, &mc, false, false);
        }
    }
    rp_rsa_key_free(cpriv);
    rp_rsa_key_free(cpub);
    rp_rsa_key_free(spriv);
    rp_rsa_key_free(spub);
    if (res == 0)
        puts("session-faults: ok");
    return res;
}
