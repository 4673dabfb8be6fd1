/* bench_server: the residue server session (residue_session.h) on one core, in-process, no
 * sockets: what the server itself costs per connect-port and logging-port packet, without
 * the kernel's TCP work or the event loop (bench_load measures the whole residue-server
 * process on loopback).
 *
 *   bench_server [--vectors DIR] [--callgrind N]
 *
 * Handshakes (CONNECT -> hello -> ACK -> established) are recorded once with a real client
 * session, then replayed into fresh servers that get the same clock readings and the same
 * random bytes, so each replayed server makes exactly the recorded choices (client ids,
 * session keys) and the recorded ACKs are valid for it. Only the server works in the
 * replay; the client's RSA decryption of the hello is outside every figure. Two kinds:
 *   unmanaged: a plain CONNECT carrying the client's 2048-bit public key (what residue's
 *              clients send by default; the server parses the PEM and RSA-encrypts the
 *              hello to it)
 *   rsa:       a managed client's CONNECT RSA-encrypted to the server's 2048-bit key (one
 *              private-key operation on the server per CONNECT)
 * Log requests: one packet built by an established client and handled again and again
 * (the server takes the same packet every time; records go to a counting sink).
 *
 * Prints `#` lines and machine lines (peer=none):
 *   bench: server_session_handshake_us        server CPU per full unmanaged handshake
 *   bench: server_session_connect_us          its CONNECT alone (the ACK is the difference;
 *                                             in time too noisy to print, see --callgrind)
 *   bench: server_session_connect_packets_per_s  2 / handshake time (CONNECT and ACK mixed)
 *   bench: server_session_handshake_rsa_us    per full RSA handshake
 *   bench: server_session_log_us, _log_packets_per_s   one compressed single-record packet
 *   bench: server_session_log_plain_us, _log_plain_packets_per_s   the same uncompressed
 *   bench: server_session_bulk50_us, _bulk50_records_per_s   a compressed bulk of 50
 * The server's RNG returns the recorded bytes but first draws as many from an rp_random_pool,
 * the system RNG residue_server uses by default, so its cost is in every figure.
 * Time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), median of repetitions.
 * With --callgrind N (under valgrind --tool=callgrind): N handshakes
 * of each kind and 10 N log packets are counted between zeroing and dumping the counters,
 * dumps named server_<op>:ours, nothing timed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "rp_crypto.h"
#include "residue_session.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif

#define PKT_CAP RESIDUE_SESSION_PACKET_MAX
#define LOG_CAP 65536
#define T0 1795667583u

/* ---- clock and RNG: both sides read a fake clock; each side has its own RNG ---------------- */

typedef struct fake {
    uint64_t now;
    uint64_t rng;   /* splitmix64 state */
    /* The server's side also draws (and discards) as many bytes from the pool that
     * residue_server uses when given no RNG, so the figures include the system RNG's cost
     * while the bytes the server gets stay the recorded ones. */
    bool charge_system_rng;
    rp_random_pool pool;
} fake;

static uint64_t fake_clock(void *ctx)
{
    return ((fake *)ctx)->now;
}

static int fake_rng(void *ctx, uint8_t *out, size_t len)
{
    fake *f = ctx;
    if (f->charge_system_rng && rp_random_pool_draw(&f->pool, out, len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (f->rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        out[i] = (uint8_t)(z ^ (z >> 31));
    }
    return 0;
}

static double thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- keys and servers --------------------------------------------------------------------- */

static rp_rsa_key *client_priv, *client_pub;
static residue_managed_client managed = { "bench-managed", NULL, 0 };

static int load_keys(const char *vectors)
{
    char path[4096];
    rp_error e;
    snprintf(path, sizeof path, "%s/A-unknown-plain/keys/client-private.pem", vectors);
    if (rp_rsa_key_load_private_file(path, NULL, &client_priv, &e) != 0) {
        fprintf(stderr, "bench_server: %s: %s\n", path, e.message);
        return -1;
    }
    snprintf(path, sizeof path, "%s/A-unknown-plain/keys/client-public.pem", vectors);
    if (rp_rsa_key_load_public_file(path, &client_pub, &e) != 0) {
        fprintf(stderr, "bench_server: %s: %s\n", path, e.message);
        return -1;
    }
    managed.public_key = client_pub;
    return 0;
}

/* The configuration bench/run.sh gives residue-server (compression, bulk of 50), with ages
 * short enough that the periodic sweep keeps the registry small at one handshake per fake
 * second. rsa: the client pair also plays the server's key (the server only needs a
 * private key; an unmanaged CONNECT with its PEM does not fit one 2048-bit block, so the
 * RSA CONNECT is a managed client's). */
static int server_new(fake *f, bool rsa, residue_server **out)
{
    residue_server_config sc;
    residue_server_config_defaults(&sc);
    sc.compression = true;
    sc.allow_bulk_log_request = true;
    sc.max_items_in_bulk = 50;
    sc.client_age = 120;
    sc.non_acknowledged_client_age = 120;
    sc.client_integrity_task_interval = 60;
    if (rsa) {
        sc.server_private_key = client_priv;
        sc.managed_clients = &managed;
        sc.managed_count = 1;
    }
    f->now = T0;
    f->rng = 42;
    f->charge_system_rng = true;
    rp_random_pool_init(&f->pool);
    rp_error e;
    if (residue_server_create(&sc, fake_clock, f, fake_rng, f, out, &e) != 0) {
        fprintf(stderr, "bench_server: residue_server_create: %s\n", e.message);
        return -1;
    }
    return 0;
}

/* ---- handshakes: record, then replay ------------------------------------------------------ */

typedef struct recorded {
    size_t n;
    uint8_t (*connect)[PKT_CAP];
    size_t *connect_len;
    uint8_t (*ack)[PKT_CAP];
    size_t *ack_len;
} recorded;

static int server_packet(residue_server *srv, const uint8_t *pkt, size_t len, uint8_t *reply,
                         size_t *reply_len)
{
    rp_error why;
    why.code = RP_OK;
    if (residue_server_handle_connect(srv, pkt, len, reply, PKT_CAP, reply_len, &why) != 0)
        return -1;
    return why.code == RP_OK ? 0 : -1;
}

/* n handshakes between a fresh server and one client (reconnecting each time); the client's
 * packets are kept. The fake clock moves one second per handshake. */
static int record(bool rsa, size_t n, recorded *r)
{
    fake fs, fc = { 0, 7, false, { { 0 }, 0, 0 } };
    residue_server *srv = NULL;
    residue_client *cl = NULL;
    rp_error e;
    if (server_new(&fs, rsa, &srv) != 0)
        return -1;
    residue_client_config cc = { rsa ? managed.client_id : NULL, client_priv,
                                 rsa ? client_pub : NULL, 0, 0 };
    if (residue_client_create(&cc, fake_clock, &fs, fake_rng, &fc, &cl, &e) != 0) {
        fprintf(stderr, "bench_server: residue_client_create: %s\n", e.message);
        residue_server_free(srv);
        return -1;
    }
    r->n = n;
    r->connect = malloc(n * sizeof *r->connect);
    r->ack = malloc(n * sizeof *r->ack);
    r->connect_len = malloc(n * sizeof *r->connect_len);
    r->ack_len = malloc(n * sizeof *r->ack_len);
    int rc = r->connect && r->ack && r->connect_len && r->ack_len ? 0 : -1;
    uint8_t reply[PKT_CAP], scratch[PKT_CAP];
    for (size_t k = 0; k < n && rc == 0; k++) {
        size_t len = 0, rn = 0;
        fs.now++;
        (void)residue_server_tick(srv);
        rc = residue_client_connect(cl, r->connect[k], PKT_CAP, &len, &e);
        r->connect_len[k] = len - 4;
        if (rc == 0) rc = server_packet(srv, r->connect[k], r->connect_len[k], reply, &rn);
        if (rc == 0) rc = residue_client_receive(cl, reply, rn - 4, r->ack[k], PKT_CAP, &len, &e);
        r->ack_len[k] = len - 4;
        if (rc == 0) rc = server_packet(srv, r->ack[k], r->ack_len[k], reply, &rn);
        if (rc == 0) rc = residue_client_receive(cl, reply, rn - 4, scratch, sizeof scratch, &len, &e);
        if (rc == 0 && residue_client_get_state(cl) != RESIDUE_CLIENT_ESTABLISHED) rc = -1;
        if (rc != 0) fprintf(stderr, "bench_server: recording handshake %zu failed\n", k);
    }
    residue_client_free(cl);
    residue_server_free(srv);
    return rc;
}

static void recorded_free(recorded *r)
{
    free(r->connect);
    free(r->ack);
    free(r->connect_len);
    free(r->ack_len);
}

/* Replays r into a fresh server: with_ack false sends only the CONNECTs. Adds the server's
 * CPU time to *ns (only the packet calls and the tick are timed). */
static int replay(bool rsa, const recorded *r, bool with_ack, double *ns)
{
    fake fs;
    residue_server *srv = NULL;
    if (server_new(&fs, rsa, &srv) != 0)
        return -1;
    uint8_t reply[PKT_CAP];
    size_t rn = 0;
    int rc = 0;
    double t0 = thread_cpu_ns();
    for (size_t k = 0; k < r->n && rc == 0; k++) {
        fs.now++;
        (void)residue_server_tick(srv);
        rc = server_packet(srv, r->connect[k], r->connect_len[k], reply, &rn);
        if (rc == 0 && with_ack) rc = server_packet(srv, r->ack[k], r->ack_len[k], reply, &rn);
    }
    *ns += thread_cpu_ns() - t0;
    residue_server_stats st;
    residue_server_stats_get(srv, &st);
    if (rc != 0 || st.connect_errors != 0) {
        fprintf(stderr, "bench_server: replay failed (%llu error replies)\n",
                (unsigned long long)st.connect_errors);
        rc = -1;
    }
    residue_server_free(srv);
    return rc;
}

/* Median server microseconds per handshake (or per CONNECT) over reps replays. */
static int time_replays(bool rsa, const recorded *r, bool with_ack, int reps, double *us)
{
    double v[64];
    if (reps > 64) reps = 64;
    for (int i = 0; i < reps; i++) {
        double ns = 0;
        if (replay(rsa, r, with_ack, &ns) != 0)
            return -1;
        v[i] = ns / 1e3 / (double)r->n;
    }
    *us = median(v, (size_t)reps);
    return 0;
}

/* ---- log requests -------------------------------------------------------------------------- */

typedef struct log_ctx {
    fake fs, fc;
    residue_server *srv;
    residue_client *cl;
    uint8_t pkt[LOG_CAP];
    size_t pkt_len;
    size_t per;          /* records in the packet */
    size_t taken;        /* records the sink saw */
    uint8_t reply[PKT_CAP];
} log_ctx;

static void count_sink(void *ctx, const char *client_id, const residue_log_request *log)
{
    (void)client_id;
    (void)log;
    (*(size_t *)ctx)++;
}

static int log_once(void *p)
{
    log_ctx *c = p;
    size_t rn = 0, before = c->taken;
    if (residue_server_handle_log(c->srv, c->pkt, c->pkt_len, count_sink, &c->taken, c->reply,
                                  sizeof c->reply, &rn, NULL) != 0)
        return 1;
    return rn == RESIDUE_LOG_REPLY_LEN && memcmp(c->reply, RESIDUE_LOG_REPLY_OK, rn) == 0 &&
                   c->taken == before + c->per
               ? 0
               : 2;
}

/* A server, an established unmanaged client, and one log packet of `per` records like
 * bench_load's (a typical 60-byte message), compressed or not. */
static int log_setup(log_ctx *c, size_t per, bool zlib)
{
    memset(c, 0, sizeof *c);
    c->fc.rng = 9;
    c->per = per;
    rp_error e;
    if (server_new(&c->fs, false, &c->srv) != 0)
        return -1;
    residue_client_config cc = { NULL, client_priv, NULL, 0, 0 };
    if (residue_client_create(&cc, fake_clock, &c->fs, fake_rng, &c->fc, &c->cl, &e) != 0)
        return -1;
    uint8_t buf[PKT_CAP];
    size_t n = 0, rn = 0;
    if (residue_client_connect(c->cl, buf, sizeof buf, &n, &e) != 0 ||
        server_packet(c->srv, buf, n - 4, c->reply, &rn) != 0 ||
        residue_client_receive(c->cl, c->reply, rn - 4, buf, sizeof buf, &n, &e) != 0 ||
        server_packet(c->srv, buf, n - 4, c->reply, &rn) != 0 ||
        residue_client_receive(c->cl, c->reply, rn - 4, buf, sizeof buf, &n, &e) != 0)
        return -1;
    static residue_log_request recs[50];
    static char msgs[50][96];
    for (size_t k = 0; k < per; k++) {
        residue_log_request_init(&recs[k]);
        int ml = snprintf(msgs[k], sizeof msgs[k],
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
    residue_client_set_compression(c->cl, zlib);
    if (residue_client_build_log(c->cl, recs, per, c->pkt, sizeof c->pkt, &n, &e) != 0) {
        fprintf(stderr, "bench_server: build log: %s\n", e.message);
        return -1;
    }
    c->pkt_len = n - 4;
    return log_once(c);
}

static void log_free(log_ctx *c)
{
    residue_client_free(c->cl);
    residue_server_free(c->srv);
}

/* ---- main ---------------------------------------------------------------------------------- */

static void line(const char *name, double v, const char *unit)
{
    printf("bench: %s ours=%.*f%s peer=none:n/a ratio=n/a\n", name, v >= 100 ? 0 : 2, v, unit);
}

static int callgrind_part(long n)
{
#ifdef HAVE_CALLGRIND
    static const struct { const char *label; bool rsa, ack; } hs[] = {
        { "server_handshake:ours", false, true },
        { "server_connect:ours", false, false },
        { "server_handshake_rsa:ours", true, true },
    };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        recorded r;
        double ns = 0;
        if (record(hs[i].rsa, (size_t)n, &r) != 0 || replay(hs[i].rsa, &r, hs[i].ack, &ns) != 0)
            return 1;
        /* counted: the replay's packets only (server creation and freeing stay outside) */
        fake fs;
        residue_server *srv = NULL;
        if (server_new(&fs, hs[i].rsa, &srv) != 0) return 1;
        uint8_t reply[PKT_CAP];
        size_t rn = 0;
        int rc = 0;
        CALLGRIND_ZERO_STATS;
        for (size_t k = 0; k < r.n && rc == 0; k++) {
            fs.now++;
            (void)residue_server_tick(srv);
            rc = server_packet(srv, r.connect[k], r.connect_len[k], reply, &rn);
            if (rc == 0 && hs[i].ack) rc = server_packet(srv, r.ack[k], r.ack_len[k], reply, &rn);
        }
        CALLGRIND_DUMP_STATS_AT(hs[i].label);
        residue_server_free(srv);
        recorded_free(&r);
        if (rc != 0) return 1;
    }
    static const struct { const char *label; size_t per; bool zlib; } logs[] = {
        { "server_log:ours", 1, true },
        { "server_log_plain:ours", 1, false },
        { "server_bulk50:ours", 50, true },
    };
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        static log_ctx c;
        if (log_setup(&c, logs[i].per, logs[i].zlib) != 0) return 1;
        int rc = 0;
        CALLGRIND_ZERO_STATS;
        for (long k = 0; k < 10 * n && rc == 0; k++) rc = log_once(&c);
        CALLGRIND_DUMP_STATS_AT(logs[i].label);
        log_free(&c);
        if (rc != 0) return 1;
    }
    return 0;
#else
    (void)n;
    fprintf(stderr, "bench_server: built without valgrind/callgrind.h\n");
    return 1;
#endif
}

int main(int argc, char **argv)
{
    const char *vectors = "../shared/vectors";
    long cg = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc)
            vectors = argv[++i];
        else if (strcmp(argv[i], "--callgrind") == 0 && i + 1 < argc)
            cg = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--vectors DIR] [--callgrind N]\n", argv[0]);
            return 2;
        }
    }
    if (load_keys(vectors) != 0)
        return 1;
    int rc = 0;
    if (cg > 0) {
        rc = callgrind_part(cg);
    } else {
        bench_config cfg;
        bench_config_from_env(&cfg);
        size_t n = cfg.quick ? 200 : 1000;
        int reps = cfg.quick ? 5 : 15;
        recorded r, rr;
        double hs = 0, conn = 0, hs_rsa = 0;
        if (record(false, n, &r) != 0 || record(true, n / 4, &rr) != 0)
            return 1;
        if (time_replays(false, &r, true, reps, &hs) != 0 ||
            time_replays(false, &r, false, reps, &conn) != 0 ||
            time_replays(true, &rr, true, reps, &hs_rsa) != 0)
            return 1;
        printf("# server session in-process, one core: %zu unmanaged handshakes (plain CONNECT "
               "with a 2048-bit client key, session key 256 bits) replayed %d times, %zu "
               "RSA handshakes (2048-bit server key)\n", n, reps, n / 4);
        line("server_session_handshake_us", hs, "us");
        line("server_session_connect_us", conn, "us");
        line("server_session_connect_packets_per_s", 2e6 / hs, "/s");
        line("server_session_handshakes_per_s", 1e6 / hs, "/s");
        line("server_session_handshake_rsa_us", hs_rsa, "us");
        recorded_free(&r);
        recorded_free(&rr);
        static const struct { const char *name; size_t per; bool zlib; } logs[] = {
            { "log", 1, true }, { "log_plain", 1, false }, { "bulk50", 50, true },
        };
        for (size_t i = 0; i < sizeof logs / sizeof logs[0] && rc == 0; i++) {
            static log_ctx c;
            if (log_setup(&c, logs[i].per, logs[i].zlib) != 0) {
                fprintf(stderr, "bench_server: log setup (%s) failed\n", logs[i].name);
                return 1;
            }
            bench_impl impl = { "ours", log_once, &c, 0 };
            if (bench_compare(&cfg, logs[i].name, &impl, 1) != 0) {
                rc = 1;
                break;
            }
            char name[96];
            double us = impl.ns_per_op / 1e3;
            if (i == 0)
                printf("# logging port: one packet of %zu bytes (%s), handled repeatedly\n",
                       c.pkt_len, logs[i].zlib ? "AES+zlib" : "AES");
            snprintf(name, sizeof name, "server_session_%s_us", logs[i].name);
            line(name, us, "us");
            snprintf(name, sizeof name, "server_session_%s_packets_per_s", logs[i].name);
            line(name, 1e6 / us, "/s");
            if (logs[i].per > 1) {
                snprintf(name, sizeof name, "server_session_%s_records_per_s", logs[i].name);
                line(name, 1e6 * (double)logs[i].per / us, "/s");
            }
            log_free(&c);
        }
    }
    rp_rsa_key_free(client_priv);
    rp_rsa_key_free(client_pub);
    return rc;
}
