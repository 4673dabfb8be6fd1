/* Check suite for the server state machine (runtime/residue_server.c, residue_registry.c).
 *
 * Two halves:
 *  1. Replays of every captured scenario in ../shared/vectors (A, B, C, F, G): each
 *     client->server packet is fed to a server whose RNG is scripted with what the real
 *     server chose (client id letters, session key, token, reply IVs) and whose clock
 *     follows the requests' `_t`; plain and AES replies must equal the captured bytes
 *     exactly, RSA replies (random padding) must decrypt to the captured plaintext.
 *  2. Synthetic tests with a fake clock for every transition and every error row of
 *     protocol reference §7 that the captures do not cover.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_codec.h"
#include "rp_crypto.h"
#include "residue_session.h"
#include "support/residue_seal.h"
#include "support/session_fakes.h"
#include "support/session_files.h"
#include "support/test_keys.h"
#include "support/vec_support.h"
#include "residue_profiles.h"
#include "residue_registry.h"

#define VEC "../shared/vectors/"
#define TXT_INVALID "{\"status\":1,\"ack\":0,\"error_text\":\"Invalid connection request. Are you sending it to correct port?\"}"

/* ---- fakes (clock and RNG in support/session_fakes.c) ------------------------------------ */

static void script_id(fake_rng *r, const char *id)
{
    for (const char *p = id; *p; p++) {
        uint8_t b = (uint8_t)(*p - 'a');
        fake_rng_script(r, &b, 1);
    }
}

/* ---- log sink ------------------------------------------------------------------------------ */

typedef struct sink {
    size_t count;
    char last_msg[256];
    char last_client[160];
    char last_logger[160];
    unsigned last_level;
    size_t last_msg_len;
} sink;

static void sink_fn(void *ctx, const char *client_id, const residue_log_request *log)
{
    sink *s = ctx;
    s->count++;
    snprintf(s->last_msg, sizeof s->last_msg, "%.*s", (int)log->msg.len, log->msg.ptr);
    snprintf(s->last_client, sizeof s->last_client, "%s", client_id);
    snprintf(s->last_logger, sizeof s->last_logger, "%.*s", (int)log->logger.len,
             log->logger.ptr != NULL ? log->logger.ptr : "");
    s->last_level = (unsigned)log->level;
    s->last_msg_len = log->msg.len;
}

/* ---- shared fixtures ----------------------------------------------------------------------- */

/* The configuration every capture was made with (server-config/residue.conf.json). */
static void capture_config(residue_server_config *cfg, const rp_rsa_key *server_key)
{
    residue_server_config_defaults(cfg);
    cfg->allow_insecure_connection = true;
    cfg->allow_unmanaged_clients = true;
    cfg->requires_timestamp = true;
    cfg->timestamp_validity = 120;
    cfg->compression = true;
    cfg->allow_bulk_log_request = true;
    cfg->max_items_in_bulk = 50;
    cfg->client_age = 3600;
    cfg->non_acknowledged_client_age = 300;
    cfg->default_key_size = 256;
    cfg->logging_port = 18778;
    cfg->server_private_key = server_key;
}

typedef struct harness {
    fake_clock clock;
    fake_rng rng;
    residue_server *srv;
    sink logs;
    uint8_t reply[RESIDUE_SESSION_PACKET_MAX];
    size_t reply_len;
    rp_error why;
} harness;

static void harness_start(harness *h, const residue_server_config *cfg, uint64_t now)
{
    memset(h, 0, sizeof *h);
    h->clock.now = now;
    h->rng.state = 0x9E3779B97F4A7C15u;
    rp_error e;
    ck_assert_msg(residue_server_create(cfg, fake_now, &h->clock, fake_random, &h->rng, &h->srv, &e) == 0,
                  "residue_server_create: %s", e.message);
}

static void harness_stop(harness *h)
{
    residue_server_free(h->srv);
    h->srv = NULL;
}

static void send_connect(harness *h, const char *pkt, size_t len)
{
    ck_assert_int_eq(residue_server_handle_connect(h->srv, (const uint8_t *)pkt, len, h->reply,
                                              sizeof h->reply, &h->reply_len, &h->why), 0);
    ck_assert_uint_ge(h->reply_len, 4);
    ck_assert(memcmp(h->reply + h->reply_len - 4, "\r\n\r\n", 4) == 0);
}

static void send_log(harness *h, const char *pkt, size_t len)
{
    ck_assert_int_eq(residue_server_handle_log(h->srv, (const uint8_t *)pkt, len, sink_fn, &h->logs,
                                          h->reply, sizeof h->reply, &h->reply_len, &h->why), 0);
}

/* The reply without its delimiter, as a C string (static buffer). */
static const char *reply_text(const harness *h)
{
    static char buf[RESIDUE_SESSION_PACKET_MAX + 1];
    memcpy(buf, h->reply, h->reply_len - 4);
    buf[h->reply_len - 4] = '\0';
    return buf;
}

static void expect_plain(const harness *h, const char *json)
{
    ck_assert_str_eq(reply_text(h), json);
}

static void expect_error_text(const harness *h, const char *text)
{
    char want[512];
    snprintf(want, sizeof want, "{\"status\":1,\"ack\":0,\"error_text\":\"%s\"}", text);
    expect_plain(h, want);
}

/* Opens an AES reply (server->client) and returns its plaintext (static buffer). */
static const char *open_aes_reply(const harness *h, const rp_aes_key *key)
{
    static char out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    rp_error e;
    rs_keys k = {.session = key};
    ck_assert_msg(rs_open(&k, RESIDUE_ENVELOPE_AES_TO_CLIENT, (const char *)h->reply, h->reply_len - 4,
                          out, sizeof out, &n, NULL, &e, NULL) == 0,
                  "reply is not AES under the expected key: %s", reply_text(h));
    return out;
}

static const char *open_rsa_reply(const harness *h, const rp_rsa_key *priv)
{
    static char out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    rp_error e;
    rs_keys k = {.client = priv};
    ck_assert_msg(rs_open(&k, RESIDUE_ENVELOPE_RSA_TO_CLIENT, (const char *)h->reply, h->reply_len - 4,
                          out, sizeof out, &n, NULL, &e, NULL) == 0,
                  "reply is not RSA to the client key: %.80s", reply_text(h));
    return out;
}

/* ---- 1. replays of the captures ------------------------------------------------------------ */

static char *read_in(const char *dir, const char *file, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *t = vec_read_file(path, len);
    ck_assert_msg(t != NULL, "cannot read %s", path);
    return t;
}

/* `_t` of a plaintext request, 0 when absent or not a number. */
static uint64_t request_t(const char *json)
{
    const char *p = strstr(json, "\"_t\":");
    if (p == NULL || p[5] < '0' || p[5] > '9') return 0;
    return strtoull(p + 5, NULL, 10);
}

/* Replays one scenario directory; returns the number of replies compared. */
static size_t replay(const char *dir, size_t expect_logs)
{
    size_t ilen = 0;
    char *itext = read_in(dir, "index.json", &ilen);
    char ebuf[128];
    vec_json *index = vec_json_parse(itext, ilen, ebuf, sizeof ebuf);
    ck_assert_msg(index != NULL, "%s/index.json: %s", dir, ebuf);
    const vec_json *steps = vec_json_get(index, "steps");
    ck_assert_ptr_nonnull(steps);

    rp_rsa_key *server_key = load_private_key(VEC "B-unknown-rsa/keys/server-private.pem");
    rp_rsa_key *client_key = load_private_key(VEC "A-unknown-plain/keys/client-private.pem");
    residue_server_config cfg;
    capture_config(&cfg, server_key);
    harness h;
    harness_start(&h, &cfg, 0);
    rp_aes_key keys[8];
    char key_ids[8][32];
    size_t nkeys = 0;
    size_t compared = 0;

    for (const vec_json *st = steps->child; st != NULL; st = st->next) {
        if (strcmp(vec_json_str(st, "direction"), "c2s") != 0) continue;
        const vec_json *reply_step = st->next;
        ck_assert_ptr_nonnull(reply_step);
        size_t wlen = 0, plen = 0, rlen = 0, rplen = 0;
        char *wire = read_in(dir, vec_json_str(st, "file"), &wlen);
        char *plain = read_in(dir, vec_json_str(st, "plaintext_file"), &plen);
        char *rwire = read_in(dir, vec_json_str(reply_step, "file"), &rlen);
        char *rplain = read_in(dir, vec_json_str(reply_step, "plaintext_file"), &rplen);
        /* Clock: follows each request's `_t` unless it is outside the window (a stale or
         * future request must not move the server's clock). */
        uint64_t t = request_t(plain);
        if (h.clock.now == 0) h.clock.now = t;
        if (t > h.clock.now && t - h.clock.now <= 60) h.clock.now = t;
        const char *renv = vec_json_str(reply_step, "envelope");
        bool is_connect = strcmp(vec_json_str(st, "port_role"), "connect") == 0;
        /* Script what the real server chose. */
        if (strcmp(renv, "rsa") == 0 && strstr(rplain, "\"status\":0") != NULL) {
            residue_hello hello;
            uint8_t ab[1024];
            rp_arena ar;
            rp_arena_init(&ar, ab, sizeof ab);
            ck_assert_int_eq(residue_hello_decode(rplain, rplen, &hello, &ar, &residue_profile_wire, NULL), 0);
            script_id(&h.rng, hello.client_id.ptr);
            fake_rng_script(&h.rng, hello.key.ptr, hello.key.len);
            fake_rng_script(&h.rng, hello.token.ptr, hello.token.len);
            ck_assert_uint_lt(nkeys, 8);
            ck_assert_int_eq(rp_aes_key_set(&keys[nkeys], hello.key.ptr, hello.key.len, NULL), 0);
            snprintf(key_ids[nkeys], sizeof key_ids[nkeys], "%s", hello.client_id.ptr);
            nkeys++;
        }
        const char *iv = vec_json_str(reply_step, "iv_hex");
        if (iv != NULL) fake_rng_script_hex(&h.rng, iv);
        size_t before = h.logs.count;
        if (is_connect) {
            send_connect(&h, wire, wlen - 4);
        } else {
            send_log(&h, wire, wlen - 4);
        }
        if (strcmp(renv, "rsa") == 0) {
            ck_assert_str_eq(open_rsa_reply(&h, client_key), rplain);
        } else {
            /* plain and AES (IV scripted): the whole packet must be the captured one */
            ck_assert_msg(h.reply_len == rlen && memcmp(h.reply, rwire, rlen) == 0,
                          "%s: reply to %s differs:\n  got  %.*s\n  want %s", dir,
                          vec_json_str(st, "file"), (int)h.reply_len, (const char *)h.reply, rwire);
        }
        if (!is_connect && strcmp(rplain, "{\"r\":0}") == 0) {
            ck_assert_uint_gt(h.logs.count, before);
            if (plain[0] == '{') {
                ck_assert_uint_eq(h.logs.count, before + 1);
                ck_assert(strstr(plain, h.logs.last_msg) != NULL);
            }
        } else if (!is_connect) {
            ck_assert_uint_eq(h.logs.count, before);
        }
        compared++;
        free(wire);
        free(plain);
        free(rwire);
        free(rplain);
    }
    ck_assert_uint_eq(h.logs.count, expect_logs);
    for (size_t i = 0; i < nkeys; i++) rp_aes_key_wipe(&keys[i]);
    harness_stop(&h);
    rp_rsa_key_free(server_key);
    rp_rsa_key_free(client_key);
    vec_json_free(index);
    free(itext);
    return compared;
}

START_TEST(replay_a_unknown_plain) { ck_assert_uint_eq(replay(VEC "A-unknown-plain", 5), 6); }
END_TEST
START_TEST(replay_b_unknown_rsa) { ck_assert_uint_eq(replay(VEC "B-unknown-rsa", 1), 3); }
END_TEST
START_TEST(replay_c_key_sizes) { ck_assert_uint_eq(replay(VEC "C-key-sizes", 2), 6); }
END_TEST
START_TEST(replay_f_errors) { ck_assert_uint_eq(replay(VEC "F-errors", 1), 18); }
END_TEST
START_TEST(replay_g_java_style) { ck_assert_uint_eq(replay(VEC "G-java-style", 1), 3); }
END_TEST

/* ---- 2. synthetic --------------------------------------------------------------------------- */

#define T0 1800000000u

/* A client as the tests drive it: its key pair, id and session key once known. */
typedef struct tclient {
    rp_rsa_key *priv;
    char pem_b64[2048];
    char id[160];
    rp_aes_key key;
} tclient;

static void tclient_init(tclient *c, const char *priv_path, const char *pub_path)
{
    memset(c, 0, sizeof *c);
    c->priv = load_private_key(priv_path);
    size_t plen = 0;
    char *pem = vec_read_file(pub_path, &plen);
    ck_assert_ptr_nonnull(pem);
    size_t n = 0;
    ck_assert_int_eq(rp_base64_encode((const uint8_t *)pem, plen, c->pem_b64, sizeof c->pem_b64, &n, NULL), 0);
    free(pem);
}

static void tclient_free(tclient *c)
{
    rp_rsa_key_free(c->priv);
    rp_aes_key_wipe(&c->key);
}

/* Takes id and key from a hello in h's reply. Returns the hello plaintext. */
static const char *take_hello(harness *h, tclient *c)
{
    const char *plain = open_rsa_reply(h, c->priv);
    residue_hello hello;
    uint8_t ab[1024];
    rp_arena ar;
    rp_arena_init(&ar, ab, sizeof ab);
    ck_assert_msg(residue_hello_decode(plain, strlen(plain), &hello, &ar, &residue_profile_wire, NULL) == 0,
                  "not a hello: %s", plain);
    snprintf(c->id, sizeof c->id, "%.*s", (int)hello.client_id.len, hello.client_id.ptr);
    ck_assert_int_eq(rp_aes_key_set(&c->key, hello.key.ptr, hello.key.len, NULL), 0);
    return plain;
}

static void connect_unmanaged(harness *h, tclient *c, const char *extra)
{
    char json[4096];
    snprintf(json, sizeof json, "{\"_t\":%llu,\"type\":1,\"rsa_public_key\":\"%s\"%s}",
             (unsigned long long)h->clock.now, c->pem_b64, extra != NULL ? extra : "");
    send_connect(h, json, strlen(json));
    take_hello(h, c);
}

/* Seals json into an AES c2s envelope naming env_id with key; sends it to the port. */
static void send_aes(harness *h, const rp_aes_key *key, const char *env_id, const char *json,
                     bool logging)
{
    static const uint8_t iv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char pkt[8192];
    size_t n = 0;
    rs_keys k = {.session = key, .id = env_id, .iv = iv};
    ck_assert_int_eq(rs_seal(&k, RESIDUE_ENVELOPE_AES_FROM_CLIENT, json, strlen(json), pkt, sizeof pkt,
                             &n, NULL), 0);
    if (logging) send_log(h, pkt, n);
    else send_connect(h, pkt, n);
}

/* Seals json as a compressed log (aes_zlib_from_client, zlib level `level`) naming env_id;
 * sends it to the logging port; returns the packet's length. */
static size_t send_aes_zlib(harness *h, const rp_aes_key *key, const char *env_id, const char *json,
                            int level)
{
    static const uint8_t iv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    rs_keys k = {.session = key, .id = env_id, .iv = iv, .zlib_level = level};
    size_t cap = rs_sealed_max(&k, RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT, strlen(json)), n = 0;
    char *pkt = malloc(cap);
    ck_assert_ptr_nonnull(pkt);
    ck_assert_int_eq(rs_seal(&k, RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT, json, strlen(json), pkt, cap,
                             &n, NULL), 0);
    send_log(h, pkt, n);
    free(pkt);
    return n;
}

static void send_request(harness *h, const tclient *c, int type, uint64_t t)
{
    char json[256];
    snprintf(json, sizeof json, "{\"_t\":%llu,\"type\":%d,\"client_id\":\"%s\"}",
             (unsigned long long)t, type, c->id);
    send_aes(h, &c->key, c->id, json, false);
}

static void expect_established(harness *h, const tclient *c, uint64_t date_created)
{
    const char *p = open_aes_reply(h, &c->key);
    ck_assert_msg(strstr(p, "\"status\":0,\"ack\":1,") == p + 1, "not established: %s", p);
    char want[64];
    snprintf(want, sizeof want, "\"date_created\":%llu}", (unsigned long long)date_created);
    ck_assert_msg(strstr(p, want) != NULL, "date_created: %s", p);
    ck_assert_uint_eq(h->why.code, RP_OK);
}

static void expect_aes_error(harness *h, const tclient *c, const char *text)
{
    char want[512];
    snprintf(want, sizeof want, "{\"status\":1,\"ack\":0,\"error_text\":\"%s\"}", text);
    ck_assert_str_eq(open_aes_reply(h, &c->key), want);
}

static const char *log_json(uint64_t t, const char *msg)
{
    static char buf[512];
    snprintf(buf, sizeof buf,
             "{\"_t\":%llu,\"datetime\":%llu123,\"logger\":\"unit\",\"msg\":\"%s\",\"level\":128}",
             (unsigned long long)t, (unsigned long long)t, msg);
    return buf;
}

typedef struct setup {
    harness h;
    residue_server_config cfg;
    tclient c;
    rp_rsa_key *server_key;
} setup;

static void setup_start(setup *s, void (*tweak)(residue_server_config *))
{
    memset(s, 0, sizeof *s);
    s->server_key = load_private_key(VEC "B-unknown-rsa/keys/server-private.pem");
    capture_config(&s->cfg, NULL);
    if (tweak != NULL) tweak(&s->cfg);
    harness_start(&s->h, &s->cfg, T0);
    tclient_init(&s->c, VEC "A-unknown-plain/keys/client-private.pem",
                 VEC "A-unknown-plain/keys/client-public.pem");
}

static void setup_stop(setup *s)
{
    tclient_free(&s->c);
    harness_stop(&s->h);
    rp_rsa_key_free(s->server_key);
}

START_TEST(unmanaged_full_lifecycle)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    ck_assert_uint_eq(strlen(s.c.id), 16);
    for (const char *p = s.c.id; *p; p++) ck_assert(*p >= 'a' && *p <= 'z');
    residue_server_client_info info;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, s.c.id, &info, NULL), 0);
    ck_assert(!info.acknowledged && !info.managed && info.has_token);
    ck_assert_uint_eq(info.age, 300);
    ck_assert_uint_eq(info.key_bits, 256);

    /* TOUCH before ACK: AES error with the client key */
    send_request(h, &s.c, 3, T0);
    expect_aes_error(h, &s.c, "Cannot touch a non-acknowledged client. Please ACKNOWLEDGE it first");

    /* ACK -> established (age = client_age, date_created = now) */
    h->clock.now = T0 + 5;
    send_request(h, &s.c, 2, T0 + 5);
    expect_established(h, &s.c, T0 + 5);
    const char *p = open_aes_reply(h, &s.c.key);
    ck_assert(strstr(p, "\"flags\":1521,\"max_bulk_size\":50,\"server_info\":{\"version\":\"2.3.6\"}") != NULL);
    ck_assert(strstr(p, "\"logging_port\":18778,\"age\":3600,") != NULL);

    /* re-ACK of an unmanaged client: RSA-encrypted error */
    send_request(h, &s.c, 2, T0 + 5);
    ck_assert_str_eq(open_rsa_reply(h, s.c.priv),
                     "{\"status\":1,\"ack\":0,\"error_text\":\"Cannot re-acknowledge unmanaged clients. Please TOUCH to refresh it.\"}");

    /* TOUCH after ACK: established with a new date_created, same key */
    h->clock.now = T0 + 1000;
    send_request(h, &s.c, 3, T0 + 1000);
    expect_established(h, &s.c, T0 + 1000);

    /* alive until date_created + age; TOUCH of a dead client is refused (AES) */
    h->clock.now = T0 + 1000 + 3600;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, s.c.id, &info, NULL), 0);
    ck_assert(info.alive);
    h->clock.now = T0 + 1000 + 3601;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, s.c.id, &info, NULL), 0);
    ck_assert(!info.alive);
    send_request(h, &s.c, 3, h->clock.now);
    expect_aes_error(h, &s.c, "Cannot touch dead client. Please reset the connection");

    /* logs of a dead, not yet swept client: {"r":0} but dropped (reference §8) */
    send_aes(h, &s.c.key, s.c.id, log_json(h->clock.now, "dropped"), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 0);

    /* the sweep removes it; then its envelope id is unknown: parser message, plain */
    ck_assert_uint_eq(residue_server_sweep(h->srv), 1);
    ck_assert_uint_eq(residue_server_client_count(h->srv), 0);
    send_request(h, &s.c, 3, h->clock.now);
    expect_error_text(h, "Unexpected character");
    send_aes(h, &s.c.key, s.c.id, log_json(h->clock.now, "gone"), true);
    expect_plain(h, "{\"r\":1}");
    setup_stop(&s);
}
END_TEST

START_TEST(non_acknowledged_expiry_and_tick)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    /* the sweep interval is max(300, min(3600, 300)) = 300 s */
    ck_assert_uint_eq(residue_server_tick(h->srv), 300);
    h->clock.now = T0 + 299;
    ck_assert_uint_eq(residue_server_tick(h->srv), 1);
    ck_assert_uint_eq(residue_server_client_count(h->srv), 1);
    h->clock.now = T0 + 301; /* non_acknowledged_client_age 300 passed, tick sweeps */
    ck_assert_uint_eq(residue_server_tick(h->srv), 300);
    ck_assert_uint_eq(residue_server_client_count(h->srv), 0);
    /* ACK after removal: the envelope id is unknown now */
    send_request(h, &s.c, 2, h->clock.now);
    expect_error_text(h, "Unexpected character");
    setup_stop(&s);
}
END_TEST

START_TEST(log_before_ack_is_accepted)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    send_aes(h, &s.c.key, s.c.id, log_json(T0, "before ack"), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 1);
    ck_assert_str_eq(h->logs.last_msg, "before ack");
    ck_assert_str_eq(h->logs.last_client, s.c.id);
    ck_assert_str_eq(h->logs.last_logger, "unit");
    ck_assert_uint_eq(h->logs.last_level, 128);
    setup_stop(&s);
}
END_TEST

START_TEST(timestamp_window)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    /* +125 and -125 rejected with the generic text, +100 and -100 accepted */
    send_request(h, &s.c, 2, T0 + 125);
    expect_plain(h, TXT_INVALID);
    send_request(h, &s.c, 2, T0 - 125);
    expect_plain(h, TXT_INVALID);
    send_request(h, &s.c, 2, T0 + 100);
    expect_established(h, &s.c, T0);
    send_request(h, &s.c, 3, T0 - 100);
    expect_established(h, &s.c, T0);
    send_request(h, &s.c, 3, T0 + 120);
    expect_established(h, &s.c, T0);
    send_request(h, &s.c, 3, T0 + 121);
    expect_plain(h, TXT_INVALID);
    /* CONNECT with a stale _t */
    char json[4096];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":1,\"rsa_public_key\":\"%s\"}", T0 - 500, s.c.pem_b64);
    send_connect(h, json, strlen(json));
    expect_plain(h, TXT_INVALID);
    /* without _t */
    snprintf(json, sizeof json, "{\"type\":1,\"rsa_public_key\":\"%s\"}", s.c.pem_b64);
    send_connect(h, json, strlen(json));
    expect_plain(h, TXT_INVALID);
    /* _t 0 */
    snprintf(json, sizeof json, "{\"_t\":0,\"type\":1,\"rsa_public_key\":\"%s\"}", s.c.pem_b64);
    send_connect(h, json, strlen(json));
    expect_plain(h, TXT_INVALID);
    /* logs: +100 accepted, +125 rejected */
    send_aes(h, &s.c.key, s.c.id, log_json(T0 + 100, "in window"), true);
    expect_plain(h, "{\"r\":0}");
    send_aes(h, &s.c.key, s.c.id, log_json(T0 + 125, "future"), true);
    expect_plain(h, "{\"r\":1}");
    ck_assert_uint_eq(h->logs.count, 1);
    setup_stop(&s);
}
END_TEST

static void no_timestamp(residue_server_config *c) { c->requires_timestamp = false; }

START_TEST(requires_timestamp_false)
{
    setup s;
    setup_start(&s, no_timestamp);
    harness *h = &s.h;
    char json[4096];
    snprintf(json, sizeof json, "{\"type\":1,\"rsa_public_key\":\"%s\"}", s.c.pem_b64);
    send_connect(h, json, strlen(json));
    take_hello(h, &s.c);
    snprintf(json, sizeof json, "{\"type\":2,\"client_id\":\"%s\"}", s.c.id);
    send_aes(h, &s.c.key, s.c.id, json, false);
    expect_established(h, &s.c, T0);
    /* a present _t is still checked */
    send_request(h, &s.c, 3, T0 + 500);
    expect_plain(h, TXT_INVALID);
    send_aes(h, &s.c.key, s.c.id, "{\"datetime\":1,\"msg\":\"no t\",\"level\":128}", true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_str_eq(h->logs.last_msg, "no t");
    /* `_t` 0 means "no timestamp" too */
    send_aes(h, &s.c.key, s.c.id, "{\"_t\":0,\"datetime\":1,\"msg\":\"t zero\",\"level\":128}", true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_str_eq(h->logs.last_msg, "t zero");
    snprintf(json, sizeof json, "{\"_t\":0,\"type\":3,\"client_id\":\"%s\"}", s.c.id);
    send_aes(h, &s.c.key, s.c.id, json, false);
    expect_established(h, &s.c, T0);
    /* with requires_timestamp (the default) `_t` 0 is refused: see timestamp_window */
    setup_stop(&s);
}
END_TEST

START_TEST(garbage_and_empty)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    static const char *bad[] = {"", "this is not json", "{", "[]", "{\"_t\":1800000000}", "null",
                                "{\"_t\":1800000000,\"type\":4}", "{\"_t\":1800000000,\"type\":\"1\",\"client_id\":\"x\"}",
                                "{\"_t\":1800000000,\"type\":1}", "{\"_t\":1800000000,\"type\":2}",
                                "{\"_t\":1800000000,\"type\":1,\"client_id\":\"x\",\"key_size\":100}",
                                "0123456789abcdef0123456789abcdef:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        send_connect(h, bad[i], strlen(bad[i]));
        expect_plain(h, TXT_INVALID);
        ck_assert_int_eq(h->why.code, RP_E_REJECTED);
    }
    /* logging port: garbage, empty, plain JSON -> {"r":1} */
    static const char *badlog[] = {"", "garbage", "{\"_t\":1800000000,\"datetime\":1,\"msg\":\"x\",\"level\":128}"};
    for (size_t i = 0; i < sizeof badlog / sizeof badlog[0]; i++) {
        send_log(h, badlog[i], strlen(badlog[i]));
        expect_plain(h, "{\"r\":1}");
    }
    ck_assert_uint_eq(h->logs.count, 0);
    setup_stop(&s);
}
END_TEST

START_TEST(unknown_envelope_ids_give_parser_messages)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    send_aes(h, &s.c.key, "unknownclientidz", "{}", false);
    expect_error_text(h, "Unexpected character");
    send_aes(h, &s.c.key, "7unknown", "{}", false);
    expect_error_text(h, "Bad number");
    send_aes(h, &s.c.key, "-unknown", "{}", false);
    expect_error_text(h, "Bad number");
    send_aes(h, &s.c.key, "tunknown", "{}", false);
    expect_error_text(h, "Unknown error - [hint: single quote keys are not allowed]");
    send_aes(h, &s.c.key, "nobody", "{}", false);
    expect_error_text(h, "Unknown error - [hint: single quote keys are not allowed]");
    /* IV and no second ':' at all */
    const char *noid = "0123456789abcdef0123456789abcdef:xyzxyz";
    send_connect(h, noid, strlen(noid));
    expect_error_text(h, "Unexpected character");
    /* ACK naming an unknown client inside a valid envelope */
    char json[256];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"unknownclientidz\"}", T0);
    send_aes(h, &s.c.key, s.c.id, json, false);
    expect_error_text(h, "Client with this ID does not exists. Please send CONNECT request first.");
    /* TOUCH naming an unknown client: the standard {"r":1} */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":3,\"client_id\":\"unknownclientidz\"}", T0);
    send_aes(h, &s.c.key, s.c.id, json, false);
    expect_plain(h, "{\"r\":1}");
    setup_stop(&s);
}
END_TEST

START_TEST(decryption_failures_are_uniform)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    rp_aes_key wrong;
    uint8_t kb[32];
    memset(kb, 0x42, sizeof kb);
    ck_assert_int_eq(rp_aes_key_set(&wrong, kb, 32, NULL), 0);
    char json[256];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"%s\"}", T0, s.c.id);
    send_aes(h, &wrong, s.c.id, json, false);
    char wrong_key_reply[RESIDUE_SESSION_PACKET_MAX + 1];
    snprintf(wrong_key_reply, sizeof wrong_key_reply, "%s", reply_text(h));
    expect_plain(h, TXT_INVALID);
    /* truncated ciphertext, bad base64, bad IV hex: the same reply */
    char pkt[512];
    snprintf(pkt, sizeof pkt, "0102030405060708090a0b0c0d0e0f10:%s:AAAA", s.c.id);
    send_connect(h, pkt, strlen(pkt));
    ck_assert_str_eq(reply_text(h), wrong_key_reply);
    snprintf(pkt, sizeof pkt, "0102030405060708090a0b0c0d0e0f10:%s:!!!!", s.c.id);
    send_connect(h, pkt, strlen(pkt));
    ck_assert_str_eq(reply_text(h), wrong_key_reply);
    snprintf(pkt, sizeof pkt, "zz02030405060708090a0b0c0d0e0f10:%s:AAAAAAAAAAAAAAAAAAAAAA==", s.c.id);
    send_connect(h, pkt, strlen(pkt));
    ck_assert_str_eq(reply_text(h), wrong_key_reply);
    /* and on the logging port always {"r":1} */
    send_aes(h, &wrong, s.c.id, log_json(T0, "x"), true);
    expect_plain(h, "{\"r\":1}");
    setup_stop(&s);
}
END_TEST

static void insecure_off(residue_server_config *c) { c->allow_insecure_connection = false; }

START_TEST(plain_not_allowed)
{
    setup s;
    /* allow_insecure_connection=false needs a server key: creation fails without one */
    residue_server_config cfg;
    capture_config(&cfg, NULL);
    insecure_off(&cfg);
    residue_server *bad = NULL;
    rp_error e;
    ck_assert_int_eq(residue_server_create(&cfg, NULL, NULL, NULL, NULL, &bad, &e), RP_E_ARGUMENT);
    ck_assert_ptr_null(bad);
    ck_assert(strstr(e.message, "allow_insecure_connection") != NULL);

    setup_start(&s, NULL);
    harness *h;
    harness_stop(&s.h);
    s.cfg.allow_insecure_connection = false;
    s.cfg.server_private_key = s.server_key;
    harness_start(&s.h, &s.cfg, T0);
    h = &s.h;
    char json[4096];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":1,\"rsa_public_key\":\"%s\"}", T0, s.c.pem_b64);
    send_connect(h, json, strlen(json));
    expect_error_text(h, "Plain connections not allowed by the server");
    /* the same CONNECT RSA-encrypted to the server key is accepted */
    rp_rsa_key *server_pub = load_public_key(VEC "B-unknown-rsa/keys/server-public.pem");
    char sealed[4096];
    size_t n = 0;
    rs_keys sk = {.server = server_pub};
    ck_assert_int_eq(rs_seal(&sk, RESIDUE_ENVELOPE_RSA_TO_SERVER, json, strlen(json), sealed, sizeof sealed, &n, NULL), 0);
    send_connect(h, sealed, n);
    take_hello(h, &s.c);
    /* plain ACK refused, enveloped ACK accepted */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"%s\"}", T0, s.c.id);
    send_connect(h, json, strlen(json));
    expect_error_text(h, "Plain connections not allowed by the server");
    send_request(h, &s.c, 2, T0);
    expect_established(h, &s.c, T0);
    const char *p = open_aes_reply(h, &s.c.key);
    ck_assert(strstr(p, "\"flags\":1393,") != NULL); /* 1521 without ALLOW_INSECURE (128) */
    rp_rsa_key_free(server_pub);
    setup_stop(&s);
}
END_TEST

START_TEST(plain_ack_accepted_when_insecure)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    char json[256];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"%s\"}", T0, s.c.id);
    send_connect(h, json, strlen(json));
    expect_established(h, &s.c, T0); /* reply still AES (reference §10.4 item 9) */
    setup_stop(&s);
}
END_TEST

static void unmanaged_off(residue_server_config *c) { c->allow_unmanaged_clients = false; }

START_TEST(unmanaged_not_allowed)
{
    setup s;
    setup_start(&s, unmanaged_off);
    char json[4096];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":1,\"rsa_public_key\":\"%s\"}", T0, s.c.pem_b64);
    send_connect(&s.h, json, strlen(json));
    expect_error_text(&s.h, "Unmanaged clients are not allowed by this server");
    ck_assert_uint_eq(residue_server_client_count(s.h.srv), 0);
    setup_stop(&s);
}
END_TEST

START_TEST(key_sizes)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    static const unsigned sizes[] = {128, 192, 256};
    for (size_t i = 0; i < 3; i++) {
        char extra[32];
        snprintf(extra, sizeof extra, ",\"key_size\":%u", sizes[i]);
        connect_unmanaged(h, &s.c, extra);
        ck_assert_uint_eq(s.c.key.len * 8u, sizes[i]);
        send_request(h, &s.c, 2, T0);
        expect_established(h, &s.c, T0);
    }
    /* default_key_size applies without key_size */
    harness_stop(h);
    s.cfg.default_key_size = 192;
    harness_start(h, &s.cfg, T0);
    connect_unmanaged(h, &s.c, NULL);
    ck_assert_uint_eq(s.c.key.len, 24);
    /* invalid default refused at creation */
    s.cfg.default_key_size = 100;
    residue_server *bad = NULL;
    ck_assert_int_eq(residue_server_create(&s.cfg, NULL, NULL, NULL, NULL, &bad, NULL), RP_E_ARGUMENT);
    setup_stop(&s);
}
END_TEST

/* Managed clients: two configured, one with its own key_size. */
typedef struct managed_setup {
    setup s;
    rp_rsa_key *pub;
    residue_managed_client managed[2];
} managed_setup;

static void managed_start(managed_setup *m)
{
    setup_start(&m->s, NULL);
    harness_stop(&m->s.h);
    m->pub = load_public_key(VEC "A-unknown-plain/keys/client-public.pem");
    m->managed[0] = (residue_managed_client){"muflihun00102030", m->pub, 0};
    m->managed[1] = (residue_managed_client){"small-key_client@x.y#1", m->pub, 128};
    m->s.cfg.managed_clients = m->managed;
    m->s.cfg.managed_count = 2;
    harness_start(&m->s.h, &m->s.cfg, T0);
}

static void managed_stop(managed_setup *m)
{
    setup_stop(&m->s);
    rp_rsa_key_free(m->pub);
}

static void connect_managed(harness *h, tclient *c, const char *id, const char *extra)
{
    (void)c;
    char json[512];
    snprintf(json, sizeof json, "{\"_t\":%llu,\"type\":1,\"client_id\":\"%s\"%s}",
             (unsigned long long)h->clock.now, id, extra != NULL ? extra : "");
    send_connect(h, json, strlen(json));
}

START_TEST(managed_clients)
{
    managed_setup m;
    managed_start(&m);
    harness *h = &m.s.h;
    tclient *c = &m.s.c;
    /* unknown managed id (even with a public key) */
    connect_managed(h, c, "no-such-managed-client", NULL);
    expect_error_text(h, "Client is unknown");
    char json[4096];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":1,\"client_id\":\"nope\",\"rsa_public_key\":\"%s\"}", T0, c->pem_b64);
    send_connect(h, json, strlen(json));
    expect_error_text(h, "Client is unknown");

    /* first CONNECT: new key and a token; per-client key_size 128, a request may override it */
    connect_managed(h, c, "small-key_client@x.y#1", NULL);
    const char *hello = take_hello(h, c);
    ck_assert(strstr(hello, "\"token\":") != NULL);
    ck_assert_uint_eq(c->key.len, 16);
    ck_assert_str_eq(c->id, "small-key_client@x.y#1");

    connect_managed(h, c, "muflihun00102030", ",\"key_size\":192");
    hello = take_hello(h, c);
    ck_assert_uint_eq(c->key.len, 24);
    rp_aes_key first = c->key;
    /* CONNECT again while alive: the same key, no token */
    connect_managed(h, c, "muflihun00102030", NULL);
    hello = take_hello(h, c);
    ck_assert(strstr(hello, "\"token\"") == NULL);
    ck_assert(memcmp(first.bytes, c->key.bytes, first.len) == 0 && first.len == c->key.len);
    /* managed clients may re-ACK */
    send_request(h, c, 2, T0);
    expect_established(h, c, T0);
    h->clock.now = T0 + 10;
    send_request(h, c, 2, T0 + 10);
    expect_established(h, c, T0 + 10);

    /* dead (age 3600 passed) but not swept: CONNECT rotates the key, the old key stays
     * acceptable (backup) until the sweep */
    h->clock.now = T0 + 10 + 3601;
    connect_managed(h, c, "muflihun00102030", NULL);
    take_hello(h, c);
    ck_assert(memcmp(first.bytes, c->key.bytes, first.len) != 0);
    residue_server_client_info info;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, "muflihun00102030", &info, NULL), 0);
    ck_assert(info.has_backup_key && info.managed && !info.alive);
    /* the old key still decrypts: a log under it is accepted (dead: dropped, r 0), a TOUCH
     * under it is answered "dead" with the current key */
    tclient old = *c;
    old.key = first;
    send_request(h, &old, 3, h->clock.now);
    expect_aes_error(h, c, "Cannot touch dead client. Please reset the connection");
    /* "Opens" is not enough: a TOUCH under the old key whose bytes the current key also
     * opens (valid padding, text starting like JSON — here the 9,736th IV tried; the
     * search is deterministic) is still taken with the backup key, because under the current key
     * it does not decode as a request. */
    {
        char json[256], pkt[1024], pt[1024];
        snprintf(json, sizeof json, "{\"_t\":%llu,\"type\":3,\"client_id\":\"%s\"}",
                 (unsigned long long)h->clock.now, c->id);
        uint8_t iv[16] = {0};
        size_t n = 0, tries = 0;
        rs_keys cur = {.session = &c->key, .id = c->id};
        for (uint32_t i = 0;; i++, tries++) {
            memcpy(iv, &i, sizeof i);
            rs_keys ok = {.session = &first, .id = c->id, .iv = iv};
            ck_assert_int_eq(rs_seal(&ok, RESIDUE_ENVELOPE_AES_FROM_CLIENT, json, strlen(json), pkt,
                                     sizeof pkt, &n, NULL), 0);
            if (rs_open(&cur, RESIDUE_ENVELOPE_AES_FROM_CLIENT, pkt, n, pt, sizeof pt, NULL, NULL,
                        NULL, NULL) == 0)
                break;
            ck_assert_uint_lt(tries, 2000000);
        }
        send_connect(h, pkt, n);
        expect_aes_error(h, c, "Cannot touch dead client. Please reset the connection");
    }
    /* ACK with the new key revives it */
    send_request(h, c, 2, h->clock.now);
    expect_established(h, c, h->clock.now);
    send_aes(h, &first, c->id, log_json(h->clock.now, "old key"), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_str_eq(h->logs.last_msg, "old key");
    /* the sweep drops the backup key: the old key is refused from then on */
    ck_assert_uint_eq(residue_server_sweep(h->srv), 1); /* the 128-bit client is dead by now */
    ck_assert_int_eq(residue_server_client_info_get(h->srv, "muflihun00102030", &info, NULL), 0);
    ck_assert(!info.has_backup_key);
    send_aes(h, &first, c->id, log_json(h->clock.now, "old key again"), true);
    expect_plain(h, "{\"r\":1}");
    send_request(h, &old, 3, h->clock.now);
    expect_plain(h, TXT_INVALID);
    send_aes(h, &c->key, c->id, log_json(h->clock.now, "new key"), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_str_eq(h->logs.last_msg, "new key");
    rp_aes_key_wipe(&first);
    managed_stop(&m);
}
END_TEST

/* CONNECT carrying rsa_public_key = base64(pem[0..len)); the reply is in h. */
static void connect_with_pem(harness *h, const char *pem, size_t len)
{
    static char b64[8192], json[9000];
    size_t n = 0;
    ck_assert_int_eq(rp_base64_encode((const uint8_t *)pem, len, b64, sizeof b64, &n, NULL), 0);
    snprintf(json, sizeof json, "{\"_t\":%llu,\"type\":1,\"rsa_public_key\":\"%s\"}",
             (unsigned long long)h->clock.now, b64);
    send_connect(h, json, strlen(json));
}

/* A client key the server cannot use gets the real server's raw exception text (not JSON,
 * not encrypted) and no client is kept; weak or abusive keys (issue 12 item 4) are refused
 * before any RSA operation with the text of its refused-key check. */
/* Of a key given twice the first wins, as in the real server 2.3.6 (its JSON lookup returns
 * the first member of a name; seen in a side-by-side run): the id that selects the managed
 * client, and the type that says which request it is. */
START_TEST(duplicate_keys_first_wins)
{
    managed_setup m;
    managed_start(&m);
    harness *h = &m.s.h;
    tclient *c = &m.s.c;
    char json[512];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":1,\"client_id\":\"muflihun00102030\",\"client_id\":\"nope\"}", T0);
    send_connect(h, json, strlen(json));
    take_hello(h, c);
    ck_assert_str_eq(c->id, "muflihun00102030");
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":1,\"client_id\":\"nope\",\"client_id\":\"muflihun00102030\"}", T0);
    send_connect(h, json, strlen(json));
    expect_error_text(h, "Client is unknown");
    /* a later "_t" out of the window is not read; a later type is checked (a const) */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"%s\",\"_t\":5}", T0, c->id);
    send_aes(h, &c->key, c->id, json, false);
    expect_established(h, c, T0);
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"type\":3,\"client_id\":\"%s\"}", T0, c->id);
    send_aes(h, &c->key, c->id, json, false);
    expect_error_text(h, "Invalid connection request. Are you sending it to correct port?");
    managed_stop(&m);
}
END_TEST

/* An empty client_id is no id (protocol reference §2.3: "no/empty client_id" is an unmanaged
 * client; the real server answers such a CONNECT with an unmanaged hello): the wire profile
 * reads it as absent. In an ACK, which needs the id, it is missing. */
START_TEST(empty_client_id_is_unmanaged)
{
    setup s;
    setup_start(&s, NULL);
    connect_unmanaged(&s.h, &s.c, ",\"client_id\":\"\"");
    ck_assert_uint_eq(strlen(s.c.id), 16);
    ck_assert_uint_eq(strspn(s.c.id, "abcdefghijklmnopqrstuvwxyz"), 16);
    char json[256];
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"\"}", T0);
    send_aes(&s.h, &s.c.key, s.c.id, json, false);
    expect_error_text(&s.h, "Invalid connection request. Are you sending it to correct port?");
    send_request(&s.h, &s.c, 2, T0);
    expect_established(&s.h, &s.c, T0);
    setup_stop(&s);
}
END_TEST

/* A plain CONNECT whose first ':' is at offset 32 is JSON, not an AES envelope: an IV is 32
 * hex digits, and '{' is none (the real server misreads it, reference §2.2). */
START_TEST(json_with_first_colon_at_32_is_plain)
{
    setup s;
    setup_start(&s, NULL);
    char json[4096];
    snprintf(json, sizeof json, "{\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzz\":0,\"_t\":%u,\"type\":1,\"rsa_public_key\":\"%s\"}",
             T0, s.c.pem_b64);
    ck_assert_ptr_eq(strchr(json, ':'), json + 32);
    send_connect(&s.h, json, strlen(json));
    take_hello(&s.h, &s.c);
    ck_assert_uint_eq(strlen(s.c.id), 16);
    setup_stop(&s);
}
END_TEST

START_TEST(bad_client_public_key)
{
    setup s;
    setup_start(&s, NULL);
    const char *pub = VEC "A-unknown-plain/keys/client-public.pem";
    size_t plen;
    char *good = vec_read_file(pub, &plen);
    char mismatch[1024], cert[1024], junk[] = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n";
    snprintf(mismatch, sizeof mismatch, "%.*sEND RSA PUBLIC KEY-----\n", (int)(strstr(good, "END PUBLIC") - good), good);
    snprintf(cert, sizeof cert, "-----BEGIN CERTIFICATE-----\n%s", strchr(good, '\n') + 1);
    char *priv = vec_read_file(VEC "A-unknown-plain/keys/client-private.pem", &plen);
    const struct {
        const char *pem, *reply;
    } texts[] = {
        {" \n", "PEM_Load: PEM object not available"},
        {"not a key", "PEM_NextObject: could not locate boundary header"},
        {"-----BEGIN PUBLIC KEY-----\nAAAA\n", "PEM_NextObject: could not locate boundary footer"},
        {mismatch, "PEM_StripEncapsulatedBoundary: '-----END PUBLIC KEY-----' not found"},
        {cert, "PEM_Load: not a RSA public key"},
        {priv, "PEM_Load: not a RSA public key"},
        {junk, "BER decode error"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        connect_with_pem(&s.h, texts[i].pem, strlen(texts[i].pem));
        ck_assert_msg(strcmp(reply_text(&s.h), texts[i].reply) == 0, "case %zu: '%s', want '%s'", i,
                      reply_text(&s.h), texts[i].reply);
        ck_assert_int_eq(s.h.why.code, RP_E_REJECTED);
        ck_assert_uint_eq(residue_server_client_count(s.h.srv), 0);
    }
    /* weak or abusive keys; a modulus below 1024 bits gets the real server's "message
     * length" text, worked out before any RSA operation */
    for (int kind = 0; kind < TK_COUNT; kind++) {
        size_t len;
        char *pem = tk_bad_key_pem((tk_bad)kind, pub, &len);
        connect_with_pem(&s.h, pem, len);
        const char *want = kind == TK_512
            ? "RSA/EME-PKCS1-v1_5: message length of 167 exceeds the maximum of 53 for this public key"
            : "Could not load public key";
        ck_assert_msg(strcmp(reply_text(&s.h), want) == 0, "%s: '%s', want '%s'", tk_bad_name((tk_bad)kind),
                      reply_text(&s.h), want);
        ck_assert_uint_eq(residue_server_client_count(s.h.srv), 0);
        free(pem);
    }
    /* a 1024-bit key cannot hold the 167-byte hello: the server's raw exception text */
    rp_rsa_key *small = NULL;
    ck_assert_int_eq(rp_rsa_key_generate(1024, &small, NULL), 0);
    char pem[2048];
    size_t n = 0;
    ck_assert_int_eq(rp_rsa_key_public_pem(small, pem, sizeof pem, &n, NULL), 0);
    connect_with_pem(&s.h, pem, n);
    ck_assert_str_eq(reply_text(&s.h),
                     "RSA/EME-PKCS1-v1_5: message length of 167 exceeds the maximum of 117 for this public key");
    ck_assert_uint_eq(residue_server_client_count(s.h.srv), 0);
    rp_rsa_key_free(small);
    /* the official clients' exponents still pass: C++ (Crypto++: e = 17) gets a hello */
    size_t len;
    char *e17 = tk_pem_with_exponent(pub, 17, &len);
    connect_with_pem(&s.h, e17, len);
    ck_assert_uint_eq(s.h.reply_len, 348);
    ck_assert_uint_eq(s.h.why.code, RP_OK);
    ck_assert_uint_eq(residue_server_client_count(s.h.srv), 1);
    free(e17);
    free(priv);
    free(good);
    setup_stop(&s);
}
END_TEST

/* ---- the Java client (residue-java HEAD, protocol §10.3) -------------------------------- */

/* What Base64.DEFAULT + Gson make of bytes inside a JSON string: base64 in 76-column lines
 * each ending in "\n" (escaped), '=' escaped as \u003d (Gson's HTML-safe default). */
static void java_b64_json(const uint8_t *in, size_t len, char *out, size_t cap)
{
    static char plain[16384];
    size_t n = 0, o = 0;
    ck_assert_int_eq(rp_base64_encode(in, len, plain, sizeof plain, &n, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        if (plain[i] == '=') o += (size_t)snprintf(out + o, cap - o, "\\u003d");
        else out[o++] = plain[i];
        if ((i + 1) % 76 == 0 || i + 1 == n) o += (size_t)snprintf(out + o, cap - o, "\\n");
        ck_assert_uint_lt(o + 8, cap);
    }
    out[o] = '\0';
}

/* Java's form of an AES envelope: uppercase hex IV, base64 wrapped at 76 with '\n'. */
static size_t java_style_envelope(const char *pkt, size_t len, char *out, size_t cap)
{
    size_t o = 0, colons = 0, since = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = pkt[i];
        if (i < 32 && ch >= 'a' && ch <= 'f') ch = (char)(ch - 'a' + 'A');
        out[o++] = ch;
        if (ch == ':') {
            colons++;
        } else if (colons == 2 && ++since % 76 == 0) {
            out[o++] = '\n';
        }
        ck_assert_uint_lt(o + 2, cap);
    }
    out[o++] = '\n';
    return o;
}

static void java_send_aes(harness *h, const rp_aes_key *key, const char *id, const char *json, bool logging)
{
    static const uint8_t iv[16] = {0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char pkt[8192], jpkt[9000];
    size_t n = 0;
    rs_keys k = {.session = key, .id = id, .iv = iv};
    ck_assert_int_eq(rs_seal(&k, RESIDUE_ENVELOPE_AES_FROM_CLIENT, json, strlen(json), pkt, sizeof pkt, &n, NULL), 0);
    n = java_style_envelope(pkt, n, jpkt, sizeof jpkt);
    if (logging) send_log(h, jpkt, n);
    else send_connect(h, jpkt, n);
}

/* One unmanaged Java session with the PEM text pem (plain, or RSA to server_pub): the
 * CONNECT as the Java client builds it (key_size 128 always, wrapped base64), the hello
 * sealed to that key, then ACK, TOUCH and a log line in Java's envelope style. The RNG is
 * scripted, so the session key is known without the private key; when priv is non-NULL the
 * hello is also opened with it and must carry that key. */
static void java_session(harness *h, const char *pem, size_t pem_len, const rp_rsa_key *server_pub,
                         const rp_rsa_key *priv, const char *id, const char *line)
{
    static const char key_hex[] = "00112233445566778899AABBCCDDEEFF";
    script_id(&h->rng, id);
    fake_rng_script_hex(&h->rng, key_hex);
    fake_rng_script_hex(&h->rng, "0F0E0D0C0B0A09080706050403020100");
    static char b64[16384], json[17000];
    java_b64_json((const uint8_t *)pem, pem_len, b64, sizeof b64);
    snprintf(json, sizeof json, "{\"_t\":%llu,\"type\":1,\"key_size\":128,\"rsa_public_key\":\"%s\"}",
             (unsigned long long)h->clock.now, b64);
    if (server_pub == NULL) {
        send_connect(h, json, strlen(json));
    } else {
        /* JSON unescaped first: the Java client RSA-encrypts the JSON text itself */
        static char sealed[4096], wrapped[4200];
        size_t n = 0, o = 0;
        rs_keys sk = {.server = server_pub};
        ck_assert_int_eq(rs_seal(&sk, RESIDUE_ENVELOPE_RSA_TO_SERVER, json, strlen(json), sealed, sizeof sealed, &n, NULL), 0);
        for (size_t i = 0; i < n; i++) {
            wrapped[o++] = sealed[i];
            if ((i + 1) % 76 == 0) wrapped[o++] = '\n';
        }
        wrapped[o++] = '\n';
        send_connect(h, wrapped, o);
    }
    /* the hello: one RSA block of the 2048-bit key (344 base64 characters), not an error */
    ck_assert_msg(h->reply_len == 348 && h->why.code == RP_OK, "not a hello: %.100s", reply_text(h));
    residue_server_client_info info;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, id, &info, NULL), 0);
    ck_assert(!info.managed && !info.acknowledged && info.key_bits == 128);
    if (priv != NULL) {
        char want[160];
        snprintf(want, sizeof want, "{\"status\":0,\"ack\":0,\"key\":\"%s\",\"client_id\":\"%s\",\"token\":"
                 "\"0F0E0D0C0B0A09080706050403020100\"}", key_hex, id);
        ck_assert_str_eq(open_rsa_reply(h, priv), want);
    }
    rp_aes_key key;
    ck_assert_int_eq(rp_aes_key_from_hex(&key, key_hex, 32, NULL), 0);
    char req[256];
    snprintf(req, sizeof req, "{\"_t\":%llu,\"type\":2,\"client_id\":\"%s\"}", (unsigned long long)h->clock.now, id);
    java_send_aes(h, &key, id, req, false);
    ck_assert_ptr_nonnull(strstr(open_aes_reply(h, &key), "\"status\":0,\"ack\":1,"));
    h->clock.now += 30;
    snprintf(req, sizeof req, "{\"_t\":%llu,\"type\":3,\"client_id\":\"%s\"}", (unsigned long long)h->clock.now, id);
    java_send_aes(h, &key, id, req, false);
    char want_date[64];
    snprintf(want_date, sizeof want_date, "\"date_created\":%llu}", (unsigned long long)h->clock.now);
    ck_assert_ptr_nonnull(strstr(open_aes_reply(h, &key), want_date));
    size_t before = h->logs.count;
    snprintf(req, sizeof req, "{\"_t\":%llu,\"datetime\":%llu000,\"logger\":\"default\",\"msg\":\"%s\","
             "\"file\":\"App.java\",\"line\":12,\"func\":\"main\",\"app\":\"java-app\",\"level\":128,"
             "\"vlevel\":0,\"thread\":\"main\"}", (unsigned long long)h->clock.now,
             (unsigned long long)h->clock.now, line);
    java_send_aes(h, &key, id, req, true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, before + 1);
    ck_assert_str_eq(h->logs.last_msg, line);
    ck_assert_str_eq(h->logs.last_client, id);
    rp_aes_key_wipe(&key);
}

/* The Java fixture exactly as sent (SPKI under "RSA PUBLIC KEY", a blank line before END),
 * unmanaged, plain and RSA; and a key of ours in the same form, whose hello we open. */
START_TEST(java_client_unmanaged)
{
    rp_rsa_key *server = load_private_key(VEC "B-unknown-rsa/keys/server-private.pem");
    rp_rsa_key *server_pub = load_public_key(VEC "B-unknown-rsa/keys/server-public.pem");
    rp_rsa_key *priv = load_private_key(VEC "G-java-style/keys/client-private.pem");
    residue_server_config cfg;
    capture_config(&cfg, server);
    harness h;
    harness_start(&h, &cfg, T0);
    size_t len;
    char *fixture = vec_read_file("../shared/testdata/pem/java-client-public.pem", &len);
    ck_assert_ptr_nonnull(fixture);
    ck_assert_ptr_nonnull(strstr(fixture, "AQAB\n\n-----END RSA PUBLIC KEY-----"));
    java_session(&h, fixture, len, NULL, NULL, "javafixtureplain", "java fixture plain");
    java_session(&h, fixture, len, server_pub, NULL, "javafixturersaaa", "java fixture rsa");
    size_t tl;
    char *twin = tk_java_pem(VEC "G-java-style/keys/client-public.pem", &tl);
    java_session(&h, twin, tl, NULL, priv, "javatwinplainbbb", "java twin plain");
    java_session(&h, twin, tl, server_pub, priv, "javatwinrsaccccc", "java twin rsa");
    ck_assert_uint_eq(residue_server_client_count(h.srv), 4);
    free(twin);
    free(fixture);
    harness_stop(&h);
    rp_rsa_key_free(priv);
    rp_rsa_key_free(server_pub);
    rp_rsa_key_free(server);
}
END_TEST

static const char *bulk_json(size_t n, uint64_t t, bool one_bad)
{
    static char buf[65536];
    size_t o = 0;
    buf[o++] = '[';
    for (size_t i = 0; i < n; i++) {
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s{\"_t\":%llu,\"datetime\":1,\"msg\":\"bulk %zu\",\"level\":%d}",
                              i ? "," : "", (unsigned long long)(one_bad && i == 1 ? t - 500 : t), i,
                              128);
    }
    buf[o++] = ']';
    buf[o] = '\0';
    return buf;
}

START_TEST(bulk_rules)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    /* every item validated alone: the stale one is dropped, the others written */
    send_aes(h, &s.c.key, s.c.id, bulk_json(3, T0, true), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 2);
    ck_assert_str_eq(h->logs.last_msg, "bulk 2");
    /* at most max_items_in_bulk (50) items are taken */
    h->logs.count = 0;
    send_aes(h, &s.c.key, s.c.id, bulk_json(60, T0, false), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 50);
    ck_assert_str_eq(h->logs.last_msg, "bulk 49");
    {
        /* N2: the skipped and the ignored items are counted */
        residue_server_stats st;
        residue_server_stats_get(h->srv, &st);
        ck_assert_uint_eq(st.bulk_items_invalid, 1);
        ck_assert_uint_eq(st.bulk_items_ignored, 10);
        ck_assert_uint_eq(st.bulk_refused_too_long, 0);
    }
    /* a malformed array is rejected */
    send_aes(h, &s.c.key, s.c.id, "[{\"_t\":1},", true);
    expect_plain(h, "{\"r\":1}");
    /* compressed bulk */
    h->logs.count = 0;
    send_aes_zlib(h, &s.c.key, s.c.id, bulk_json(5, T0, false), 0);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 5);
    setup_stop(&s);
}
END_TEST

static void no_bulk_no_compression(residue_server_config *c)
{
    c->allow_bulk_log_request = false;
    c->compression = false;
}

START_TEST(bulk_and_compression_disabled)
{
    setup s;
    setup_start(&s, no_bulk_no_compression);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    send_request(h, &s.c, 2, T0);
    ck_assert(strstr(open_aes_reply(h, &s.c.key), "\"flags\":1249,") != NULL); /* 1521-16-256 */
    /* bulk not allowed: {"r":0} like the real server, but nothing written */
    send_aes(h, &s.c.key, s.c.id, bulk_json(3, T0, false), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 0);
    {
        residue_server_stats st;
        residue_server_stats_get(h->srv, &st);
        ck_assert_uint_eq(st.bulk_dropped_disabled, 1);
        ck_assert_uint_eq(st.log_dropped_dead, 0);
    }
    /* compression disabled: a compressed log is not inflated -> not JSON -> {"r":1} */
    send_aes_zlib(h, &s.c.key, s.c.id, log_json(T0, "zipped"), 0);
    expect_plain(h, "{\"r\":1}");
    send_aes(h, &s.c.key, s.c.id, log_json(T0, "plain"), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 1);
    setup_stop(&s);
}
END_TEST

START_TEST(inflate_is_bounded)
{
    setup s;
    setup_start(&s, NULL);
    harness_stop(&s.h);
    s.cfg.max_log_size = 4096;
    harness_start(&s.h, &s.cfg, T0);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    /* 1 MiB of the same message compresses to ~1 KiB; inflated it exceeds the bound, so the
     * server falls back to the base64 text, which is not JSON */
    size_t big = 1024 * 1024;
    char *j = malloc(big + 200);
    ck_assert_ptr_nonnull(j);
    int o = snprintf(j, big + 200, "{\"_t\":%u,\"datetime\":1,\"level\":128,\"msg\":\"", T0);
    memset(j + o, 'a', big);
    strcpy(j + o + big, "\"}");
    ck_assert_uint_lt(send_aes_zlib(h, &s.c.key, s.c.id, j, 9), 4096);
    expect_plain(h, "{\"r\":1}");
    ck_assert_uint_eq(h->logs.count, 0);
    free(j);

    /* A packet longer than max_log_size: an uncompressed one is taken as before (its msg
     * within max_log_line_size, which follows max_log_size), a compressed one only when it
     * inflates to at most max_log_size. The msg is letters that do not repeat, so zlib
     * cannot make the packet shorter than the bound. */
    char *m = malloc(8192);
    ck_assert_ptr_nonnull(m);
    uint32_t x = 12345;
    for (size_t i = 0; i < 8000; i++) {
        x = x * 1103515245u + 12345u;
        m[i] = (char)('a' + (x >> 16) % 26u);
    }
    j = malloc(9000);
    ck_assert_ptr_nonnull(j);
    snprintf(j, 9000, "{\"_t\":%u,\"datetime\":1,\"level\":128,\"msg\":\"%.4000s\"}", T0, m);
    send_aes(h, &s.c.key, s.c.id, j, true); /* > 4096 bytes sealed, msg of 4000 */
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 1);
    /* 4,5xx bytes of JSON, msg within max_log_line_size: uncompressed it is taken, as a
     * compressed packet (also longer than 4096) it inflates beyond max_log_size: refused */
    snprintf(j, 9000, "{\"_t\":%u,\"datetime\":1,\"level\":128,\"msg\":\"%.4000s\",\"file\":\"%.500s\"}",
             T0, m, m + 4000);
    ck_assert_uint_gt(strlen(j), 4096);
    ck_assert_uint_gt(send_aes_zlib(h, &s.c.key, s.c.id, j, 9), 4096);
    expect_plain(h, "{\"r\":1}");
    ck_assert_uint_eq(h->logs.count, 1);
    send_aes(h, &s.c.key, s.c.id, j, true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 2);
    snprintf(j, 9000, "{\"_t\":%u,\"datetime\":1,\"level\":128,\"msg\":\"%.3000s\"}", T0, m);
    send_aes_zlib(h, &s.c.key, s.c.id, j, 9);
    expect_plain(h, "{\"r\":0}"); /* within the bound */
    ck_assert_uint_eq(h->logs.count, 3);
    free(j);
    free(m);
    setup_stop(&s);
}
END_TEST

/* The real server bounds none of logger, file, func, app and thread (a templated C++
 * function's name runs to kilobytes): 1,100 bytes of each (past the 128, 256 and 1024 this
 * spec once set) are taken and written. */
START_TEST(long_source_names_are_taken)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    char name[1101];
    memset(name, 'f', 1100);
    name[1100] = '\0';
    char *j = malloc(40000);
    ck_assert_ptr_nonnull(j);
    snprintf(j, 40000, "{\"_t\":%u,\"datetime\":1,\"level\":128,\"msg\":\"m\",\"logger\":\"%s\","
             "\"file\":\"%s\",\"func\":\"%s\",\"app\":\"%s\",\"thread\":\"%s\"}",
             T0, name, name, name, name, name);
    send_aes(h, &s.c.key, s.c.id, j, true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 1);
    free(j);
    setup_stop(&s);
}
END_TEST

START_TEST(stats_and_info)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    residue_server_client_info info;
    rp_error e;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, "nobody", &info, &e), RP_E_UNKNOWN_CLIENT);
    send_connect(h, "x", 1);
    connect_unmanaged(h, &s.c, NULL);
    send_aes(h, &s.c.key, s.c.id, log_json(T0, "one"), true);
    send_log(h, "x", 1);
    residue_server_stats st;
    residue_server_stats_get(h->srv, &st);
    ck_assert_uint_eq(st.connect_packets, 2);
    ck_assert_uint_eq(st.connect_errors, 1);
    ck_assert_uint_eq(st.log_packets, 2);
    ck_assert_uint_eq(st.log_rejected, 1);
    ck_assert_uint_eq(st.log_records, 1);
    /* a too small reply buffer is an error, not a truncated reply */
    size_t len = 0;
    uint8_t tiny[8];
    ck_assert_int_eq(residue_server_handle_connect(h->srv, (const uint8_t *)"x", 1, tiny, sizeof tiny, &len, &e),
                     RP_E_OVERFLOW);
    setup_stop(&s);
}
END_TEST

static void never_expire(residue_server_config *c) { c->client_age = 0; c->max_clients = 2; }

START_TEST(client_age_zero_and_max_clients)
{
    setup s;
    setup_start(&s, never_expire);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    send_request(h, &s.c, 2, T0);
    const char *p = open_aes_reply(h, &s.c.key);
    /* client_age 0: age and date_created are omitted, the client never expires */
    ck_assert_msg(strstr(p, "\"logging_port\":18778}") != NULL, "%s", p);
    ck_assert(strstr(p, "\"age\"") == NULL && strstr(p, "date_created") == NULL);
    h->clock.now = T0 + 10u * 365u * 86400u;
    ck_assert_uint_eq(residue_server_sweep(h->srv), 0);
    send_request(h, &s.c, 3, h->clock.now);
    ck_assert(strstr(open_aes_reply(h, &s.c.key), "\"status\":0,\"ack\":1,") != NULL);
    /* max_clients 2: a third live client is refused, said as such (not as a wrong port) and
     * counted */
    tclient c2 = s.c, c3 = s.c;
    connect_unmanaged(h, &c2, NULL);
    ck_assert_uint_eq(residue_server_client_count(h->srv), 2);
    char json[4096];
    snprintf(json, sizeof json, "{\"_t\":%llu,\"type\":1,\"rsa_public_key\":\"%s\"}",
             (unsigned long long)h->clock.now, c3.pem_b64);
    send_connect(h, json, strlen(json));
    expect_plain(h, "{\"status\":1,\"ack\":0,\"error_text\":\"Server is full: too many clients "
                    "registered, try again later\"}");
    ck_assert_uint_eq(residue_server_client_count(h->srv), 2);
    residue_server_stats st;
    residue_server_stats_get(h->srv, &st);
    ck_assert_uint_eq(st.clients_refused_full, 1);
    setup_stop(&s);
}
END_TEST

/* Hostile input: every captured client packet, truncated, bit-flipped and spliced, on both
 * ports. Each packet must get exactly one well-formed reply and never crash (ASan in
 * make check-san). */
START_TEST(mutated_packets_always_get_one_reply)
{
    static const char *files[] = {"A-unknown-plain/01-connect.c2s.bin", "A-unknown-plain/03-ack.c2s.bin",
                                  "A-unknown-plain/05-touch.c2s.bin", "A-unknown-plain/07-log-uncompressed.c2s.bin",
                                  "A-unknown-plain/09-log-compressed.c2s.bin", "A-unknown-plain/11-bulk-compressed.c2s.bin",
                                  "G-java-style/03-ack-java-style.c2s.bin"};
    rp_rsa_key *server_key = load_private_key(VEC "B-unknown-rsa/keys/server-private.pem");
    residue_server_config cfg;
    capture_config(&cfg, server_key);
    harness h;
    harness_start(&h, &cfg, 1795667582);
    /* register A's client with its real key so mutations reach decryption and decoding */
    size_t n = 0;
    char *hello_plain = vec_read_file(VEC "A-unknown-plain/02-hello.s2c.plain.json", &n);
    ck_assert_ptr_nonnull(hello_plain);
    residue_hello hello;
    uint8_t ab[1024];
    rp_arena ar;
    rp_arena_init(&ar, ab, sizeof ab);
    ck_assert_int_eq(residue_hello_decode(hello_plain, n, &hello, &ar, &residue_profile_wire, NULL), 0);
    script_id(&h.rng, hello.client_id.ptr);
    fake_rng_script(&h.rng, hello.key.ptr, hello.key.len);
    fake_rng_script(&h.rng, hello.token.ptr, hello.token.len);
    char *connect = vec_read_file(VEC "A-unknown-plain/01-connect.c2s.bin", &n);
    send_connect(&h, connect, n - 4);
    free(connect);
    free(hello_plain);
    uint64_t x = 0x2545F4914F6CDD1Du;
    size_t replies = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[256];
        snprintf(path, sizeof path, VEC "%s", files[f]);
        size_t len = 0;
        char *orig = vec_read_file(path, &len);
        ck_assert_ptr_nonnull(orig);
        len -= 4;
        char *buf = malloc(len + 64);
        for (int round = 0; round < 150; round++) {
            memcpy(buf, orig, len);
            size_t m = len;
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            switch (x % 4) {
            case 0: m = (size_t)(x >> 8) % (len + 1); break;                  /* truncate */
            case 1: buf[(x >> 8) % len] ^= (char)(1u << ((x >> 40) % 8)); break; /* flip a bit */
            case 2: buf[(x >> 8) % len] = (char)(x >> 32); break;              /* any byte */
            default: memcpy(buf + (x >> 8) % len, ":{[\"", 4 <= len ? 1 : 0); break;
            }
            for (int port = 0; port < 2; port++) {
                if (port == 0) {
                    send_connect(&h, buf, m);
                } else {
                    send_log(&h, buf, m);
                    ck_assert(h.reply_len == 11 && (memcmp(h.reply, "{\"r\":0}", 7) == 0 ||
                                                    memcmp(h.reply, "{\"r\":1}", 7) == 0));
                }
                replies++;
            }
        }
        free(buf);
        free(orig);
    }
    ck_assert_uint_eq(replies, 7u * 150u * 2u);
    harness_stop(&h);
    rp_rsa_key_free(server_key);
}
END_TEST

/* ---- logger rules (reference §6.2) and the line limit ------------------------------------- */

/* A log record for `logger` (NULL: no "logger" key, i.e. "default"). */
static const char *logger_json(uint64_t t, const char *logger, const char *msg)
{
    static char buf[512];
    char lg[160] = "";
    if (logger != NULL) snprintf(lg, sizeof lg, ",\"logger\":\"%s\"", logger);
    snprintf(buf, sizeof buf, "{\"_t\":%llu,\"datetime\":%llu123%s,\"msg\":\"%s\",\"level\":128}",
             (unsigned long long)t, (unsigned long long)t, lg, msg);
    return buf;
}

/* Sends one record for `logger`; it must be answered {"r":0}; returns whether it was written. */
static bool log_to(harness *h, const tclient *c, const char *logger)
{
    size_t before = h->logs.count;
    char msg[64];
    snprintf(msg, sizeof msg, "to %s", logger != NULL ? logger : "(none)");
    send_aes(h, &c->key, c->id, logger_json(h->clock.now, logger, msg), true);
    expect_plain(h, "{\"r\":0}");
    if (h->logs.count == before) return false;
    ck_assert_uint_eq(h->logs.count, before + 1);
    ck_assert_str_eq(h->logs.last_msg, msg);
    return true;
}

typedef struct logger_setup {
    harness h;
    residue_server_config cfg;
    rp_rsa_key *pub;
    residue_managed_client managed[1];
    residue_managed_loggers mlog[1];
    tclient un, mc;  /* an unmanaged and a managed client */
} logger_setup;

static const char *const managed_loggers[] = {"app", "billing"};
static const char *const blacklist[] = {"spam"};
static const char *const client_loggers[] = {"app"};

static void logger_config(logger_setup *l)
{
    capture_config(&l->cfg, NULL);
    l->managed[0].client_id = "muflihun00102030";
    l->managed[0].public_key = l->pub;
    l->managed[0].key_size = 0;
    l->mlog[0].loggers = client_loggers;
    l->mlog[0].logger_count = 1;
    l->mlog[0].default_logger = "app";
    l->cfg.managed_clients = l->managed;
    l->cfg.managed_count = 1;
    l->cfg.managed_client_loggers = l->mlog;
    l->cfg.managed_loggers = managed_loggers;
    l->cfg.managed_logger_count = 2;
    l->cfg.loggers_blacklist = blacklist;
    l->cfg.blacklist_count = 1;
}

static void logger_start(logger_setup *l, bool allow_unmanaged_loggers)
{
    memset(l, 0, sizeof *l);
    l->pub = load_public_key(VEC "A-unknown-plain/keys/client-public.pem");
    logger_config(l);
    l->cfg.allow_unmanaged_loggers = allow_unmanaged_loggers;
    harness_start(&l->h, &l->cfg, T0);
    tclient_init(&l->un, VEC "A-unknown-plain/keys/client-private.pem", VEC "A-unknown-plain/keys/client-public.pem");
    tclient_init(&l->mc, VEC "A-unknown-plain/keys/client-private.pem", VEC "A-unknown-plain/keys/client-public.pem");
    connect_unmanaged(&l->h, &l->un, NULL);
    connect_managed(&l->h, &l->mc, "muflihun00102030", NULL);
    take_hello(&l->h, &l->mc);
}

static void logger_stop(logger_setup *l)
{
    tclient_free(&l->un);
    tclient_free(&l->mc);
    harness_stop(&l->h);
    rp_rsa_key_free(l->pub);
}

/* Every rule of ClientQueueProcessor::isRequestAllowed: {"r":0} always, written or not. */
START_TEST(logger_rules)
{
    logger_setup l;
    logger_start(&l, true);
    harness *h = &l.h;
    /* unmanaged client */
    ck_assert(!log_to(h, &l.un, "residue"));   /* reserved */
    ck_assert(log_to(h, &l.un, NULL));         /* absent = "default" */
    ck_assert_str_eq(h->logs.last_logger, "default"); /* the spec's default */
    ck_assert(log_to(h, &l.un, "default"));
    ck_assert(!log_to(h, &l.un, "app"));       /* managed logger, unmanaged client */
    ck_assert(!log_to(h, &l.un, "spam"));      /* blacklisted */
    ck_assert(log_to(h, &l.un, "anything"));   /* unmanaged loggers allowed */
    /* managed client: its loggers list does not restrict it, as in the real server */
    ck_assert(!log_to(h, &l.mc, "residue"));
    ck_assert(log_to(h, &l.mc, "app"));
    ck_assert(log_to(h, &l.mc, "billing"));    /* managed, not in its "loggers" */
    ck_assert(log_to(h, &l.mc, "default"));
    ck_assert(!log_to(h, &l.mc, "spam"));
    ck_assert(log_to(h, &l.mc, "anything"));
    residue_server_stats st;
    residue_server_stats_get(h->srv, &st);
    ck_assert_uint_eq(st.log_dropped_logger, 5);
    /* a bulk: each item on its own (default, residue, app, spam, unit -> 2 written) */
    char bulk[2048];
    size_t o = 0;
    const char *lg[] = {"default", "residue", "app", "spam", "unit"};
    bulk[o++] = '[';
    for (int i = 0; i < 5; i++) {
        o += (size_t)snprintf(bulk + o, sizeof bulk - o, "%s%s", i ? "," : "", logger_json(T0, lg[i], lg[i]));
    }
    snprintf(bulk + o, sizeof bulk - o, "]");
    size_t before = h->logs.count;
    send_aes(h, &l.un.key, l.un.id, bulk, true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, before + 2);
    ck_assert_str_eq(h->logs.last_msg, "unit");
    logger_stop(&l);

    /* allow_unmanaged_loggers false: only managed loggers; flag 1 is not advertised */
    logger_start(&l, false);
    h = &l.h;
    ck_assert_uint_eq(residue_server_config_flags(&l.cfg) & 1u, 0);
    ck_assert(!log_to(h, &l.un, "anything"));
    ck_assert(log_to(h, &l.un, "default"));
    ck_assert(!log_to(h, &l.un, "app"));
    ck_assert(!log_to(h, &l.mc, "anything"));
    ck_assert(log_to(h, &l.mc, "app"));
    ck_assert(log_to(h, &l.mc, NULL));
    ck_assert(!log_to(h, &l.mc, "residue"));
    logger_stop(&l);
}
END_TEST

/* The real server's configuration checks of the logger keys: it refuses to start. */
START_TEST(logger_config_checks)
{
    logger_setup l;
    memset(&l, 0, sizeof l);
    l.pub = load_public_key(VEC "A-unknown-plain/keys/client-public.pem");
    static const char *const bad_black[] = {"spam", "app"};
    static const char *const black_default[] = {"default"};
    static const char *const unmanaged_one[] = {"app", "nope"};
    static const char *const no_default_ok[] = {"billing"};
    const struct {
        int which;
        const char *says;
    } cases[] = {
        {0, "Cannot blacklist [app] logger. Remove it from 'managed_loggers' first."},
        {1, "Cannot blacklist [default] logger."},
        {2, "Logger [nope] for client [muflihun00102030] is unmanaged"},
        {3, "Default logger [app] for client [muflihun00102030] is not part of [loggers] array"},
        {4, "Default logger [app] for client [muflihun00102030] is not part of [loggers] array"},
        {5, "maximum number of blacklisted loggers"},
    };
    static const char *many[10001];
    for (size_t i = 0; i < 10001; i++) many[i] = "x";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        logger_config(&l);
        switch (cases[i].which) {
        case 0: l.cfg.loggers_blacklist = bad_black; l.cfg.blacklist_count = 2; break;
        case 1: l.cfg.loggers_blacklist = black_default; break;
        case 2: l.mlog[0].loggers = unmanaged_one; l.mlog[0].logger_count = 2; break;
        case 3: l.mlog[0].loggers = no_default_ok; break;
        case 4: l.mlog[0].loggers = NULL; l.mlog[0].logger_count = 0; break;
        default: l.cfg.loggers_blacklist = many; l.cfg.blacklist_count = 10001; break;
        }
        residue_server *srv = NULL;
        rp_error e;
        ck_assert_int_eq(residue_server_create(&l.cfg, NULL, NULL, NULL, NULL, &srv, &e), RP_E_ARGUMENT);
        ck_assert_ptr_null(srv);
        ck_assert_msg(strstr(e.message, cases[i].says) != NULL, "case %zu: %s", i, e.message);
    }
    logger_config(&l);
    residue_server *srv = NULL;
    ck_assert_int_eq(residue_server_create(&l.cfg, NULL, NULL, NULL, NULL, &srv, NULL), 0);
    residue_server_free(srv);
    rp_rsa_key_free(l.pub);
}
END_TEST

/* A record of msg_len bytes of 'x', sealed (uncompressed) and sent; returns the reply r. */
static char send_long_line(harness *h, const tclient *c, size_t msg_len)
{
    size_t cap = msg_len + 256;
    char *json = malloc(cap);
    ck_assert_ptr_nonnull(json);
    int head = snprintf(json, cap, "{\"_t\":%llu,\"datetime\":1,\"level\":128,\"msg\":\"", (unsigned long long)h->clock.now);
    memset(json + head, 'x', msg_len);
    snprintf(json + (size_t)head + msg_len, cap - (size_t)head - msg_len, "\"}");
    size_t n = strlen(json);
    size_t pcap = RP_BASE64_ENCODED_LEN(RP_AES_CBC_SEALED_LEN(n)) + 256;
    char *pkt = malloc(pcap);
    ck_assert_ptr_nonnull(pkt);
    static const uint8_t iv[16] = {9};
    size_t plen = 0;
    rs_keys k = {.session = &c->key, .id = c->id, .iv = iv};
    ck_assert_int_eq(rs_seal(&k, RESIDUE_ENVELOPE_AES_FROM_CLIENT, json, n, pkt, pcap, &plen, NULL), 0);
    send_log(h, pkt, plen);
    free(pkt);
    free(json);
    ck_assert_uint_eq(h->reply_len, 11);
    return (char)h->reply[5];
}

static void tweak_line_limit(residue_server_config *cfg)
{
    cfg->max_log_line_size = 1000;
}

static void tweak_big_packets(residue_server_config *cfg)
{
    cfg->max_log_size = 4u * 1024u * 1024u;
}

/* max_log_line_size: by default a line as long as a packet can carry (1 MiB, far beyond the
 * old 65,536); a configured limit is enforced at its exact bound. */
START_TEST(log_line_limit)
{
    setup s;
    setup_start(&s, NULL);
    connect_unmanaged(&s.h, &s.c, NULL);
    ck_assert_int_eq(send_long_line(&s.h, &s.c, 65537), '0');
    ck_assert_uint_eq(s.h.logs.last_msg_len, 65537);
    ck_assert_int_eq(send_long_line(&s.h, &s.c, 700000), '0');
    ck_assert_uint_eq(s.h.logs.last_msg_len, 700000);
    setup_stop(&s);

    setup_start(&s, tweak_big_packets);
    connect_unmanaged(&s.h, &s.c, NULL);
    ck_assert_int_eq(send_long_line(&s.h, &s.c, 3u * 1024u * 1024u), '0');
    ck_assert_uint_eq(s.h.logs.last_msg_len, 3u * 1024u * 1024u);
    setup_stop(&s);

    setup_start(&s, tweak_line_limit);
    connect_unmanaged(&s.h, &s.c, NULL);
    ck_assert_int_eq(send_long_line(&s.h, &s.c, 1000), '0');
    ck_assert_uint_eq(s.h.logs.last_msg_len, 1000);
    size_t before = s.h.logs.count;
    residue_server_stats st0, st;
    residue_server_stats_get(s.h.srv, &st0);
    ck_assert_int_eq(send_long_line(&s.h, &s.c, 1001), '1');
    ck_assert_uint_eq(s.h.logs.count, before);
    ck_assert_ptr_nonnull(strstr(s.h.why.message, "max_log_line_size"));
    residue_server_stats_get(s.h.srv, &st);
    ck_assert_uint_eq(st.log_refused_too_long, st0.log_refused_too_long + 1); /* R1 */
    ck_assert_uint_eq(st.bulk_refused_too_long, st0.bulk_refused_too_long);
    setup_stop(&s);
}
END_TEST

static void tweak_line_limit_bulk5(residue_server_config *cfg)
{
    cfg->max_log_line_size = 1000;
    cfg->max_items_in_bulk = 5;
}

/* A bulk of n items, the one one's msg long_len bytes of 'x' (at index `at`); the
 * others "short N". */
static const char *bulk_with_long(uint64_t t, size_t n, size_t at, size_t long_len)
{
    static char buf[6000];
    size_t o = 0;
    buf[o++] = '[';
    for (size_t i = 0; i < n; i++) {
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s{\"_t\":%llu,\"datetime\":1,\"level\":128,\"msg\":\"",
                              i ? "," : "", (unsigned long long)t);
        if (i == at) {
            ck_assert_uint_lt(o + long_len + 16, sizeof buf);
            memset(buf + o, 'x', long_len);
            o += long_len;
        } else {
            o += (size_t)snprintf(buf + o, sizeof buf - o, "short %zu", i);
        }
        o += (size_t)snprintf(buf + o, sizeof buf - o, "\"}");
    }
    buf[o++] = ']';
    buf[o] = '\0';
    return buf;
}

/* N9: a bulk with an item over max_log_line_size is refused whole, {"r":1}, and nothing of
 * it stored (answered {"r":0} before: the sender counted the long line as stored); at the
 * bound, or past max_items_in_bulk (ignored, as by the real server), it is taken. */
START_TEST(bulk_line_limit)
{
    setup s;
    setup_start(&s, tweak_line_limit);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    residue_server_stats st0, st;
    residue_server_stats_get(h->srv, &st0);
    send_aes(h, &s.c.key, s.c.id, bulk_with_long(T0, 3, 1, 1001), true);
    expect_plain(h, "{\"r\":1}");
    ck_assert_uint_eq(h->logs.count, 0);
    ck_assert_ptr_nonnull(strstr(h->why.message, "max_log_line_size"));
    ck_assert_ptr_nonnull(strstr(h->why.message, "bulk item 1"));
    residue_server_stats_get(h->srv, &st);
    ck_assert_uint_eq(st.bulk_refused_too_long, st0.bulk_refused_too_long + 1);
    ck_assert_uint_eq(st.log_records, st0.log_records);
    ck_assert_uint_eq(st.log_rejected, st0.log_rejected + 1);
    /* the long item first or last: the same */
    send_aes(h, &s.c.key, s.c.id, bulk_with_long(T0, 3, 0, 1001), true);
    expect_plain(h, "{\"r\":1}");
    send_aes(h, &s.c.key, s.c.id, bulk_with_long(T0, 3, 2, 1001), true);
    expect_plain(h, "{\"r\":1}");
    ck_assert_uint_eq(h->logs.count, 0);
    /* at the bound: all three stored */
    send_aes(h, &s.c.key, s.c.id, bulk_with_long(T0, 3, 1, 1000), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 3);
    ck_assert_str_eq(h->logs.last_msg, "short 2");
    /* far over (beyond the decoding arena): refused too */
    send_aes(h, &s.c.key, s.c.id, bulk_with_long(T0, 2, 1, 4000), true);
    expect_plain(h, "{\"r\":1}");
    ck_assert_uint_eq(h->logs.count, 3);
    setup_stop(&s);

    /* past max_items_in_bulk (5) a long item is ignored, not looked at: {"r":0} */
    setup_start(&s, tweak_line_limit_bulk5);
    h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    send_aes(h, &s.c.key, s.c.id, bulk_with_long(T0, 6, 5, 1001), true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 5);
    residue_server_stats_get(h->srv, &st);
    ck_assert_uint_eq(st.bulk_items_ignored, 1);
    ck_assert_uint_eq(st.bulk_refused_too_long, 0);
    setup_stop(&s);
}
END_TEST

/* ---- 3. the entry's session machine (ClientEntry, generated/residue_machines.h) ------------- */

static void expect_state(harness *h, const char *id, const char *state, bool alive)
{
    residue_server_client_info info;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, id, &info, NULL), 0);
    ck_assert_str_eq(info.state, state);
    ck_assert(info.alive == alive);
}

/* A LogRequest (and a LogBulk, a TOUCH) for an entry in state dead gets the real server's
 * reply — {"r":0}, the record dropped; the dead TOUCH text — and the entry stays dead. */
START_TEST(entry_dead_log_request_stays_dead)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    expect_state(h, s.c.id, "unacknowledged", true);
    send_request(h, &s.c, 2, T0);
    expect_established(h, &s.c, T0);
    expect_state(h, s.c.id, "acknowledged", true);
    h->clock.now = T0 + 3601; /* client_age 3600 ran out */
    for (int i = 0; i < 2; i++) {
        send_aes(h, &s.c.key, s.c.id, log_json(h->clock.now, "after death"), true);
        ck_assert_uint_eq(h->reply_len, RESIDUE_LOG_REPLY_LEN);
        ck_assert(memcmp(h->reply, RESIDUE_LOG_REPLY_OK, RESIDUE_LOG_REPLY_LEN) == 0);
        ck_assert_uint_eq(h->logs.count, 0);
        expect_state(h, s.c.id, "dead", false);
    }
    char bulk[1200];
    snprintf(bulk, sizeof bulk, "[%s,", log_json(h->clock.now, "bulk 1"));
    snprintf(bulk + strlen(bulk), sizeof bulk - strlen(bulk), "%s]", log_json(h->clock.now, "bulk 2"));
    send_aes(h, &s.c.key, s.c.id, bulk, true);
    expect_plain(h, "{\"r\":0}");
    ck_assert_uint_eq(h->logs.count, 0);
    expect_state(h, s.c.id, "dead", false);
    send_request(h, &s.c, 3, h->clock.now);
    expect_aes_error(h, &s.c, "Cannot touch dead client. Please reset the connection");
    expect_state(h, s.c.id, "dead", false);
    residue_server_stats st;
    residue_server_stats_get(h->srv, &st);
    ck_assert_uint_eq(st.log_dropped_dead, 3);
    setup_stop(&s);
}
END_TEST

/* An ACK (and a TOUCH) naming a client the registry does not hold, never registered or
 * forgotten by the sweep, is refused by the generated machine in state unknown before any
 * residue logic; the reply is the real server's. */
START_TEST(entry_ack_on_unknown_or_forgotten_is_refused)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    const char *refusal = "receive Acknowledgement is not allowed in state unknown";
    char json[256];
    /* never registered (plain, allow_insecure_connection) */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"nosuchclientxyz\"}", T0);
    send_connect(h, json, strlen(json));
    expect_error_text(h, "Client with this ID does not exists. Please send CONNECT request first.");
    ck_assert_int_eq(h->why.code, RP_E_REJECTED);
    ck_assert_str_eq(h->why.message, refusal);
    ck_assert_uint_eq(residue_server_client_count(h->srv), 0);
    /* an envelope of a known client whose JSON names an unknown one (§10.4 item 10) */
    connect_unmanaged(h, &s.c, NULL);
    send_aes(h, &s.c.key, s.c.id, json, false);
    expect_error_text(h, "Client with this ID does not exists. Please send CONNECT request first.");
    ck_assert_str_eq(h->why.message, refusal);
    expect_state(h, s.c.id, "unacknowledged", true); /* its own session is untouched */
    /* forgotten: dead (non_acknowledged_client_age 300) and swept */
    h->clock.now = T0 + 301;
    ck_assert_uint_eq(residue_server_sweep(h->srv), 1);
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"%s\"}", T0 + 301, s.c.id);
    send_connect(h, json, strlen(json));
    expect_error_text(h, "Client with this ID does not exists. Please send CONNECT request first.");
    ck_assert_str_eq(h->why.message, refusal);
    /* a plain TOUCH of it: the logging port's standard response (§6.1) */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":3,\"client_id\":\"%s\"}", T0 + 301, s.c.id);
    send_connect(h, json, strlen(json));
    expect_plain(h, "{\"r\":1}");
    ck_assert_str_eq(h->why.message, "receive Touch is not allowed in state unknown");
    ck_assert_uint_eq(residue_server_client_count(h->srv), 0);
    setup_stop(&s);
}
END_TEST

/* The age timer moves acknowledged -> dead at exactly the injected time; the sweep timer then
 * forgets the entry at the next integrity sweep (and not before it dies). */
START_TEST(entry_age_then_sweep_timers)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    connect_unmanaged(h, &s.c, NULL);
    h->clock.now = T0 + 10;
    send_request(h, &s.c, 2, T0 + 10);
    expect_established(h, &s.c, T0 + 10);
    h->clock.now = T0 + 10 + 3600; /* alive <=> date_created + age >= now */
    expect_state(h, s.c.id, "acknowledged", true);
    ck_assert_uint_eq(residue_server_sweep(h->srv), 0);
    expect_state(h, s.c.id, "acknowledged", true);
    h->clock.now = T0 + 10 + 3601;
    expect_state(h, s.c.id, "dead", false);
    ck_assert_uint_eq(residue_server_client_count(h->srv), 1); /* dead until the sweep */
    ck_assert_uint_eq(residue_server_sweep(h->srv), 1);
    residue_server_client_info info;
    ck_assert_int_eq(residue_server_client_info_get(h->srv, s.c.id, &info, NULL), RP_E_UNKNOWN_CLIENT);
    ck_assert_uint_eq(residue_server_client_count(h->srv), 0);
    setup_stop(&s);
}
END_TEST

/* The real server opens whatever envelope a connect-port packet is in and only then reads its
 * type (reference §2.2), so the spec gives ACKNOWLEDGEMENT and TOUCH every client-to-server
 * envelope of the port: one RSA-encrypted to the server key is answered like an AES one. A
 * CONNECT inside a registered client's AES envelope, which the real server would also take
 * (no official client sends one), is refused here with the invalid-request reply: a first
 * CONNECT has no session key of its own (the spec's Connect route is plain | rsa_to_server). */
START_TEST(entry_envelopes_as_the_real_server)
{
    setup s;
    setup_start(&s, NULL);
    harness *h = &s.h;
    harness_stop(h);
    s.cfg.server_private_key = s.server_key;
    harness_start(h, &s.cfg, T0);
    connect_unmanaged(h, &s.c, NULL);
    rp_rsa_key *server_pub = load_public_key(VEC "B-unknown-rsa/keys/server-public.pem");
    char json[4096], sealed[4096];
    size_t n = 0;
    /* ACK, RSA to the server key: established */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":2,\"client_id\":\"%s\"}", T0, s.c.id);
    rs_keys sk = {.server = server_pub};
    ck_assert_int_eq(rs_seal(&sk, RESIDUE_ENVELOPE_RSA_TO_SERVER, json, strlen(json), sealed,
                             sizeof sealed, &n, NULL), 0);
    send_connect(h, sealed, n);
    expect_established(h, &s.c, T0);
    expect_state(h, s.c.id, "acknowledged", true);
    /* TOUCH, RSA to the server key: established again */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":3,\"client_id\":\"%s\"}", T0, s.c.id);
    ck_assert_int_eq(rs_seal(&sk, RESIDUE_ENVELOPE_RSA_TO_SERVER, json, strlen(json), sealed,
                             sizeof sealed, &n, NULL), 0);
    send_connect(h, sealed, n);
    expect_established(h, &s.c, T0);
    /* an unmanaged CONNECT inside the registered client's AES envelope: refused */
    snprintf(json, sizeof json, "{\"_t\":%u,\"type\":1,\"rsa_public_key\":\"%s\"}", T0, s.c.pem_b64);
    send_aes(h, &s.c.key, s.c.id, json, false);
    expect_plain(h, TXT_INVALID);
    ck_assert_str_eq(h->why.message, "receive Connect in aes_from_client is not allowed in state unknown");
    ck_assert_uint_eq(residue_server_client_count(h->srv), 1);
    /* the first client is untouched and still works */
    send_request(h, &s.c, 3, T0);
    expect_established(h, &s.c, T0);
    rp_rsa_key_free(server_pub);
    setup_stop(&s);
}
END_TEST

/* The same timers on a registry entry's machine, driven directly: the deadlines the registry
 * arms are the machine's, and its sweep removes what the machine has forgotten. */
START_TEST(registry_entry_machine_timers)
{
    residue_registry reg;
    ck_assert_int_eq(residue_registry_init(&reg, NULL), 0);
    residue_registry_entry *e = NULL;
    ck_assert_int_eq(residue_registry_add(&reg, "c1", 2, &e, NULL), 0);
    ck_assert_int_eq(residue_client_entry_current(&e->machine), RESIDUE_CLIENT_ENTRY_STATE_UNKNOWN);
    residue_any *any = calloc(1, sizeof *any);
    ck_assert_ptr_nonnull(any);
    any->id = RESIDUE_MSG_CONNECT;
    ck_assert_int_eq(residue_client_entry_receive(&e->machine, T0, RESIDUE_ENVELOPE_PLAIN, any, NULL,
                                                  NULL, NULL), 0);
    e->age = 300;
    e->date_created = T0;
    residue_registry_entry_arm_age(e, T0);
    residue_hello hello;
    residue_hello_init(&hello);
    ck_assert_int_eq(residue_client_entry_send_hello(&e->machine, T0, RESIDUE_ENVELOPE_RSA_TO_CLIENT,
                                                     &hello, NULL, NULL, NULL), 0);
    uint64_t at = 0;
    ck_assert(residue_client_entry_next_deadline(&e->machine, &at));
    ck_assert_uint_eq(at, T0 + 301);
    /* ACK at T0 + 100: age 3600 from then */
    any->id = RESIDUE_MSG_ACKNOWLEDGEMENT;
    ck_assert_int_eq(residue_client_entry_receive(&e->machine, T0 + 100, RESIDUE_ENVELOPE_AES_FROM_CLIENT,
                                                  any, NULL, NULL, NULL), 0);
    e->age = 3600;
    e->date_created = T0 + 100;
    residue_registry_entry_arm_age(e, T0 + 100);
    residue_established est;
    residue_established_init(&est);
    ck_assert_int_eq(residue_client_entry_send_established(&e->machine, T0 + 100,
                                                           RESIDUE_ENVELOPE_AES_TO_CLIENT, &est, NULL,
                                                           NULL, NULL), 0);
    ck_assert_int_eq(residue_client_entry_current(&e->machine), RESIDUE_CLIENT_ENTRY_STATE_ACKNOWLEDGED);
    ck_assert(residue_client_entry_next_deadline(&e->machine, &at));
    ck_assert_uint_eq(at, T0 + 100 + 3601);
    ck_assert(residue_registry_entry_advance(e, T0 + 100 + 3600));
    ck_assert(!rp_machine_timer_running(&e->machine.core, RESIDUE_CLIENT_ENTRY_TIMER_SWEEP));
    ck_assert(!residue_registry_entry_advance(e, T0 + 100 + 3601));
    ck_assert_int_eq(residue_client_entry_current(&e->machine), RESIDUE_CLIENT_ENTRY_STATE_DEAD);
    ck_assert(rp_machine_timer_running(&e->machine.core, RESIDUE_CLIENT_ENTRY_TIMER_SWEEP));
    /* dead: a LogRequest is taken and the entry stays dead; a Hello is refused */
    any->id = RESIDUE_MSG_LOG_REQUEST;
    ck_assert_int_eq(residue_client_entry_receive(&e->machine, T0 + 4000, RESIDUE_ENVELOPE_AES_FROM_CLIENT,
                                                  any, NULL, NULL, NULL), 0);
    ck_assert_int_eq(residue_client_entry_current(&e->machine), RESIDUE_CLIENT_ENTRY_STATE_DEAD);
    rp_error err;
    ck_assert_int_eq(residue_client_entry_send_hello(&e->machine, T0 + 4000,
                                                     RESIDUE_ENVELOPE_RSA_TO_CLIENT, &hello, NULL,
                                                     NULL, &err), RP_E_STATE);
    ck_assert_str_eq(err.message, "send Hello is not allowed in state dead");
    /* the sweep: the sweep timer fires, the machine forgets the entry, the registry drops it */
    ck_assert_uint_eq(residue_registry_sweep(&reg, T0 + 4000), 1);
    ck_assert_uint_eq(residue_registry_count(&reg), 0);
    free(any);
    residue_registry_free(&reg);
}
END_TEST

static Suite *session_server_suite(void)
{
    Suite *s = suite_create("session_server");
    TCase *replays = tcase_create("replay");
    tcase_set_timeout(replays, 60);
    tcase_add_test(replays, replay_a_unknown_plain);
    tcase_add_test(replays, replay_b_unknown_rsa);
    tcase_add_test(replays, replay_c_key_sizes);
    tcase_add_test(replays, replay_f_errors);
    tcase_add_test(replays, replay_g_java_style);
    suite_add_tcase(s, replays);
    TCase *tc = tcase_create("synthetic");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, unmanaged_full_lifecycle);
    tcase_add_test(tc, entry_dead_log_request_stays_dead);
    tcase_add_test(tc, entry_ack_on_unknown_or_forgotten_is_refused);
    tcase_add_test(tc, entry_age_then_sweep_timers);
    tcase_add_test(tc, registry_entry_machine_timers);
    tcase_add_test(tc, entry_envelopes_as_the_real_server);
    tcase_add_test(tc, non_acknowledged_expiry_and_tick);
    tcase_add_test(tc, log_before_ack_is_accepted);
    tcase_add_test(tc, timestamp_window);
    tcase_add_test(tc, requires_timestamp_false);
    tcase_add_test(tc, garbage_and_empty);
    tcase_add_test(tc, unknown_envelope_ids_give_parser_messages);
    tcase_add_test(tc, decryption_failures_are_uniform);
    tcase_add_test(tc, plain_not_allowed);
    tcase_add_test(tc, plain_ack_accepted_when_insecure);
    tcase_add_test(tc, unmanaged_not_allowed);
    tcase_add_test(tc, key_sizes);
    tcase_add_test(tc, managed_clients);
    tcase_add_test(tc, duplicate_keys_first_wins);
    tcase_add_test(tc, empty_client_id_is_unmanaged);
    tcase_add_test(tc, json_with_first_colon_at_32_is_plain);
    tcase_add_test(tc, bad_client_public_key);
    tcase_add_test(tc, java_client_unmanaged);
    tcase_add_test(tc, logger_rules);
    tcase_add_test(tc, logger_config_checks);
    tcase_add_test(tc, log_line_limit);
    tcase_add_test(tc, bulk_rules);
    tcase_add_test(tc, bulk_and_compression_disabled);
    tcase_add_test(tc, bulk_line_limit);
    tcase_add_test(tc, inflate_is_bounded);
    tcase_add_test(tc, long_source_names_are_taken);
    tcase_add_test(tc, stats_and_info);
    tcase_add_test(tc, client_age_zero_and_max_clients);
    tcase_add_test(tc, mutated_packets_always_get_one_reply);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(session_server_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
