/* Check suite for the client state machine (runtime/residue_client.c).
 *
 *  - Against the captures in ../shared/vectors: with the capture's client key pair, clock
 *    and IVs, the client's CONNECT, ACK, TOUCH and log packets must equal the captured
 *    client->server bytes, and it must accept the captured server replies (hello, established,
 *    error replies of every encryption).
 *  - Against our server state machine in-process (fake clock, deterministic RNG): every
 *    transition, TOUCH timing, expiry and reconnect, key sizes, managed clients, RSA CONNECT,
 *    bulk and compression choices, and the state errors.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_codec.h"
#include "rp_crypto.h"
#include "residue_session.h"
#include "support/client_world.h"
#include "support/residue_seal.h"
#include "support/session_fakes.h"
#include "support/session_files.h"
#include "support/vec_support.h"

#define VEC "../shared/vectors/"
#define A VEC "A-unknown-plain/"
#define F VEC "F-errors/"

static char *rd(const char *path, size_t *len)
{
    char *t = vec_read_file(path, len);
    ck_assert_msg(t != NULL, "cannot read %s", path);
    return t;
}

static uint64_t json_u64(const char *json, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(json, k);
    ck_assert_ptr_nonnull(p);
    return strtoull(p + strlen(k), NULL, 10);
}

static void expect_packet(const uint8_t *got, size_t got_len, const char *path)
{
    size_t n = 0;
    char *want = rd(path, &n);
    ck_assert_msg(got_len == n && memcmp(got, want, n) == 0, "%s differs:\n got  %.*s\n want %s",
                  path, (int)got_len, (const char *)got, want);
    free(want);
}

/* ---- trace capture -------------------------------------------------------------------------- */

typedef struct trace_log {
    char text[8192];
    size_t len;
    size_t events;
} trace_log;

static void trace_fn(void *ctx, const residue_trace *ev)
{
    trace_log *t = ctx;
    t->events++;
    int n = snprintf(t->text + t->len, sizeof t->text - t->len, "%s %s (%s, %zu bytes) %s\n",
                     ev->outgoing ? "->" : "<-", ev->message, ev->envelope, ev->wire_size, ev->detail);
    if (n > 0 && t->len + (size_t)n < sizeof t->text) t->len += (size_t)n;
}

/* ---- against the captures ------------------------------------------------------------------- */

START_TEST(capture_a_byte_for_byte)
{
    rp_rsa_key *key = load_private_key(A "keys/client-private.pem");
    fake_clock clk = {0};
    fake_rng rng = {.state = 7};
    residue_client_config cfg = {NULL, key, NULL, 0, 0};
    residue_client *cl = NULL;
    ck_assert_int_eq(residue_client_create(&cfg, fake_now, &clk, fake_random, &rng, &cl, NULL), 0);
    trace_log tr = {0};
    residue_client_set_trace(cl, trace_fn, &tr);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_NEW);
    ck_assert_int_eq(residue_client_next_action(cl), RESIDUE_CLIENT_ACTION_CONNECT);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0, len = 0;
    char *plain;

    /* CONNECT: the same JSON and the same base64 of the same PEM */
    plain = rd(A "01-connect.c2s.plain.json", &len);
    clk.now = json_u64(plain, "_t");
    free(plain);
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    expect_packet(out, n, A "01-connect.c2s.bin");
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_AWAIT_HELLO);
    ck_assert_int_eq(residue_client_next_action(cl), RESIDUE_CLIENT_ACTION_WAIT);

    /* hello -> ACK, byte for byte with the captured IV and _t */
    plain = rd(A "03-ack.c2s.plain.json", &len);
    clk.now = json_u64(plain, "_t");
    free(plain);
    fake_rng_script_hex(&rng, "de63a15365e28ff009f2de5730d32108");
    char *hello = read_captured_packet(A "02-hello.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)hello, len, out, sizeof out, &n, NULL), 0);
    free(hello);
    expect_packet(out, n, A "03-ack.c2s.bin");
    ck_assert_str_eq(residue_client_id(cl), "iomjhtvrmyqdfqxu");
    ck_assert_uint_eq(residue_client_key_bits(cl), 256);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_AWAIT_ESTABLISHED);

    /* established: remembered facts */
    char *est = read_captured_packet(A "04-established.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)est, len, out, sizeof out, &n, NULL), 0);
    free(est);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_ESTABLISHED);
    plain = rd(A "04-established.s2c.plain.json", &len);
    ck_assert_uint_eq(residue_client_flags(cl), json_u64(plain, "flags"));
    ck_assert_uint_eq(residue_client_max_bulk_size(cl), json_u64(plain, "max_bulk_size"));
    ck_assert_uint_eq(residue_client_logging_port(cl), json_u64(plain, "logging_port"));
    ck_assert_uint_eq(residue_client_age(cl), json_u64(plain, "age"));
    ck_assert_uint_eq(residue_client_date_created(cl), json_u64(plain, "date_created"));
    free(plain);
    ck_assert_uint_eq(residue_client_bulk_capacity(cl), 50);
    ck_assert_int_eq(residue_client_next_action(cl), RESIDUE_CLIENT_ACTION_NONE);

    /* TOUCH, byte for byte */
    plain = rd(A "05-touch.c2s.plain.json", &len);
    clk.now = json_u64(plain, "_t");
    free(plain);
    fake_rng_script_hex(&rng, "e09f339037660539656e496da079cb0f");
    ck_assert_int_eq(residue_client_touch(cl, out, sizeof out, &n, NULL), 0);
    expect_packet(out, n, A "05-touch.c2s.bin");
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_AWAIT_TOUCH);
    est = read_captured_packet(A "06-established-after-touch.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)est, len, out, sizeof out, &n, NULL), 0);
    free(est);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_ESTABLISHED);

    /* the uncompressed log, byte for byte (record decoded from the capture's plaintext) */
    uint8_t ab[4096];
    rp_arena ar;
    rp_arena_init(&ar, ab, sizeof ab);
    residue_log_request rec;
    plain = rd(A "07-log-uncompressed.c2s.plain.json", &len);
    ck_assert_int_eq(residue_log_request_decode(plain, len, &rec, &ar, NULL, NULL), 0);
    residue_client_set_compression(cl, false);
    fake_rng_script_hex(&rng, "eb4315b88057906a47840679a7ba2404");
    uint8_t big[8192];
    ck_assert_int_eq(residue_client_build_log(cl, &rec, 1, big, sizeof big, &n, NULL), 0);
    expect_packet(big, n, A "07-log-uncompressed.c2s.bin");
    free(plain);
    ck_assert_int_eq(residue_client_log_reply(cl, (const uint8_t *)"{\"r\":0}", 7, NULL), 0);

    /* compressed: the AES plaintext must inflate to the same JSON */
    residue_client_set_compression(cl, true);
    rp_arena_reset(&ar);
    plain = rd(A "09-log-compressed.c2s.plain.json", &len);
    ck_assert_int_eq(residue_log_request_decode(plain, len, &rec, &ar, NULL, NULL), 0);
    ck_assert_int_eq(residue_client_build_log(cl, &rec, 1, big, sizeof big, &n, NULL), 0);
    char *key_hex = rd(A "keys/session-key.iomjhtvrmyqdfqxu.hex", &len);
    rp_aes_key k;
    ck_assert_int_eq(rp_aes_key_from_hex(&k, key_hex, len, NULL), 0);
    free(key_hex);
    rs_keys sk = {.session = &k, .id = "iomjhtvrmyqdfqxu"};
    char json[8192];
    size_t jn = 0;
    rp_envelope_opened res;
    ck_assert_int_eq(rs_open(&sk, RS_ANY_OF(RESIDUE_LOG_REQUEST_ENVELOPES), (const char *)big, n - 4,
                             json, sizeof json, &jn, &res, NULL, NULL), 0);
    ck_assert_int_eq(res.envelope, RESIDUE_ENVELOPE_AES_ZLIB_FROM_CLIENT);
    ck_assert_str_eq(json, plain);
    free(plain);

    /* the trace never shows a key */
    ck_assert(strstr(tr.text, "-> CONNECT (plain, 654 bytes) {\"_t\":") != NULL);
    ck_assert(strstr(tr.text, "<- HELLO (rsa, 348 bytes) client_id=iomjhtvrmyqdfqxu key=<256-bit, hidden>") != NULL);
    ck_assert(strstr(tr.text, "-> ACK (aes, 142 bytes)") != NULL);
    ck_assert(strstr(tr.text, "<- ESTABLISHED (aes, 445 bytes)") != NULL);
    char upper[65];
    size_t un = 0;
    ck_assert_int_eq(rp_hex_encode(k.bytes, k.len, RP_HEX_UPPER, upper, sizeof upper, &un, NULL), 0);
    ck_assert(strstr(tr.text, upper) == NULL);
    rp_aes_key_wipe(&k);
    residue_client_free(cl);
    rp_rsa_key_free(key);
}
END_TEST

START_TEST(capture_b_rsa_connect)
{
    rp_rsa_key *key = load_private_key(A "keys/client-private.pem");
    rp_rsa_key *server_pub = load_public_key(VEC "B-unknown-rsa/keys/server-public.pem");
    rp_rsa_key *server_priv = load_private_key(VEC "B-unknown-rsa/keys/server-private.pem");
    fake_clock clk = {0};
    size_t len = 0;
    char *plain = rd(VEC "B-unknown-rsa/01-connect-rsa.c2s.plain.json", &len);
    clk.now = json_u64(plain, "_t");
    residue_client_config cfg = {NULL, key, server_pub, 0, 0};
    residue_client *cl = NULL;
    ck_assert_int_eq(residue_client_create(&cfg, fake_now, &clk, NULL, NULL, &cl, NULL), 0);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    ck_assert_uint_eq(n, 1368 + 4); /* base64 of one 8192-bit block */
    char dec[2048];
    size_t dn = 0;
    rs_keys rk = {.server = server_priv};
    ck_assert_int_eq(rs_open(&rk, RESIDUE_ENVELOPE_RSA_TO_SERVER, (const char *)out, n - 4, dec, sizeof dec, &dn, NULL, NULL, NULL), 0);
    ck_assert_str_eq(dec, plain);
    free(plain);
    /* the capture's hello completes the handshake */
    char *hello = read_captured_packet(VEC "B-unknown-rsa/02-hello.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)hello, len, out, sizeof out, &n, NULL), 0);
    free(hello);
    char *est = read_captured_packet(VEC "B-unknown-rsa/04-established.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)est, len, out, sizeof out, &n, NULL), 0);
    free(est);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_ESTABLISHED);
    residue_client_free(cl);
    rp_rsa_key_free(key);
    rp_rsa_key_free(server_pub);
    rp_rsa_key_free(server_priv);
}
END_TEST

START_TEST(capture_c_key_size_request)
{
    rp_rsa_key *key = load_private_key(A "keys/client-private.pem");
    fake_clock clk = {1795667590};
    residue_client_config cfg = {NULL, key, NULL, 128, 0};
    residue_client *cl = NULL;
    ck_assert_int_eq(residue_client_create(&cfg, fake_now, &clk, NULL, NULL, &cl, NULL), 0);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0, len = 0;
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    /* same fields as the capture (key order differs: the spec puts key_size third) */
    residue_connect mine, theirs;
    uint8_t a1[8192], a2[8192];
    rp_arena r1, r2;
    rp_arena_init(&r1, a1, sizeof a1);
    rp_arena_init(&r2, a2, sizeof a2);
    ck_assert_int_eq(residue_connect_decode((const char *)out, n - 4, &mine, &r1, NULL, NULL), 0);
    char *plain = rd(VEC "C-key-sizes/01-connect-key-size-128.c2s.plain.json", &len);
    ck_assert_int_eq(residue_connect_decode(plain, len, &theirs, &r2, NULL, NULL), 0);
    free(plain);
    ck_assert(mine.has_key_size && mine.key_size == 128 && theirs.key_size == 128);
    ck_assert_uint_eq(mine.timestamp, theirs.timestamp);
    ck_assert_uint_eq(mine.rsa_public_key.len, theirs.rsa_public_key.len);
    ck_assert(memcmp(mine.rsa_public_key.ptr, theirs.rsa_public_key.ptr, mine.rsa_public_key.len) == 0);
    char *hello = read_captured_packet(VEC "C-key-sizes/02-hello-aes128.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)hello, len, out, sizeof out, &n, NULL), 0);
    free(hello);
    ck_assert_uint_eq(residue_client_key_bits(cl), 128);
    residue_client_free(cl);
    rp_rsa_key_free(key);
}
END_TEST

/* Every encryption of an error reply, from F-errors. */
START_TEST(capture_f_error_replies)
{
    rp_rsa_key *key = load_private_key(A "keys/client-private.pem");
    fake_clock clk = {1795667615};
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0, len = 0;
    rp_error e;

    /* plain: "Client is unknown" to a managed CONNECT */
    residue_client_config mcfg = {"no-such-managed-client", key, NULL, 0, 0};
    residue_client *m = NULL;
    ck_assert_int_eq(residue_client_create(&mcfg, fake_now, &clk, NULL, NULL, &m, NULL), 0);
    ck_assert_int_eq(residue_client_connect(m, out, sizeof out, &n, NULL), 0);
    expect_packet(out, n, F "09-connect-unknown-managed-id.c2s.bin");
    char *r = read_captured_packet(F "10-connect-unknown-managed-id-reply.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(m, (const uint8_t *)r, len, out, sizeof out, &n, &e), RP_E_REJECTED);
    ck_assert_str_eq(e.message, "Client is unknown");
    ck_assert_int_eq(residue_client_get_state(m), RESIDUE_CLIENT_DISCONNECTED);
    ck_assert_int_eq(residue_client_next_action(m), RESIDUE_CLIENT_ACTION_CONNECT);
    free(r);
    residue_client_free(m);

    /* the unmanaged client X of F: hello, then the AES error to a TOUCH... */
    residue_client_config cfg = {NULL, key, NULL, 0, 0};
    residue_client *cl = NULL;
    ck_assert_int_eq(residue_client_create(&cfg, fake_now, &clk, NULL, NULL, &cl, NULL), 0);
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    expect_packet(out, n, F "11-connect.c2s.bin");
    r = read_captured_packet(F "12-hello.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)r, len, out, sizeof out, &n, NULL), 0);
    free(r);
    ck_assert_str_eq(residue_client_id(cl), "teupbzjtyyljzjzx");
    /* ... (we are awaiting established: an AES error reply ends the attempt) */
    r = read_captured_packet(F "14-touch-before-ack-reply.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)r, len, out, sizeof out, &n, &e), RP_E_REJECTED);
    ck_assert_str_eq(e.message, "Cannot touch a non-acknowledged client. Please ACKNOWLEDGE it first");
    free(r);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_DISCONNECTED);

    /* RSA-encrypted error (re-ACK) after a fresh CONNECT with the same hello */
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    r = read_captured_packet(F "12-hello.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)r, len, out, sizeof out, &n, NULL), 0);
    free(r);
    r = read_captured_packet(F "22-re-ack-reply.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)r, len, out, sizeof out, &n, &e), RP_E_REJECTED);
    ck_assert_str_eq(e.message, "Cannot re-acknowledge unmanaged clients. Please TOUCH to refresh it.");
    free(r);

    /* plain parser message; raw text; garbage */
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    r = read_captured_packet(F "24-envelope-unknown-client-id-reply.s2c.bin", &len);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)r, len, out, sizeof out, &n, &e), RP_E_REJECTED);
    ck_assert_str_eq(e.message, "Unexpected character");
    free(r);
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    const char *raw = "RSA/EME-PKCS1-v1_5: message length of 167 exceeds the maximum of 117 for this public key";
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)raw, strlen(raw), out, sizeof out, &n, &e), RP_E_REJECTED);
    ck_assert(strstr(e.message, "message length of 167") != NULL);
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    /* {"r":1} on the connect port: the server does not know the client (reference §6.1) */
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)"{\"r\":1}", 7, out, sizeof out, &n, &e),
                     RP_E_REJECTED);
    ck_assert_str_eq(e.message, "the server does not know this client");
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_DISCONNECTED);
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)"{\"x\":1}", 7, out, sizeof out, &n, &e),
                     RP_E_PROTOCOL);
    ck_assert_int_eq(e.code, RP_E_PROTOCOL);
    ck_assert_int_eq(e.layer, RP_LAYER_SCHEMA); /* what found it */
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_DISCONNECTED);
    /* a reply cut inside a string: the JSON layer's reason and offset, the code PROTOCOL */
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)"{\"status\":1,\"error_text\":\"cu", 27,
                                            out, sizeof out, &n, &e), RP_E_PROTOCOL);
    ck_assert_int_eq(e.layer, RP_LAYER_JSON);
    ck_assert_msg(strstr(e.message, "unterminated string") != NULL, "%s", e.message);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_DISCONNECTED);
    /* an RSA block that does not decrypt with our key (base64 of 256 zero bytes) */
    char zeros[345];
    memset(zeros, 'A', 344);
    zeros[342] = zeros[343] = '=';
    zeros[344] = '\0';
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    ck_assert_int_eq(residue_client_receive(cl, (const uint8_t *)zeros, 344, out, sizeof out, &n, &e),
                     RP_E_PROTOCOL);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_DISCONNECTED);

    /* log replies */
    ck_assert_int_eq(residue_client_log_reply(cl, (const uint8_t *)"{\"r\":0}", 7, NULL), 0);
    ck_assert_int_eq(residue_client_log_reply(cl, (const uint8_t *)"{\"r\":1}", 7, &e), RP_E_REJECTED);
    ck_assert_int_eq(residue_client_log_reply(cl, (const uint8_t *)"nope", 4, &e), RP_E_PROTOCOL);
    residue_client_free(cl);
    rp_rsa_key_free(key);
}
END_TEST

/* ---- against our server ------------------------------------------------------------------- */

/* The server of these tests: sessions of an hour, bulks of up to 50, one managed client
 * ("managed-unit", 192-bit session keys) and, with_server_key, the key pair of
 * B-unknown-rsa for RSA CONNECTs. No client yet (world_client). */
static void world_start(world *w, bool with_server_key)
{
    world_init(w);
    w->managed_pub = load_public_key(A "keys/client-public.pem");
    w->managed[0] = (residue_managed_client){"managed-unit", w->managed_pub, 192};
    w->cfg.client_age = 3600;
    w->cfg.max_items_in_bulk = 50;
    w->cfg.managed_clients = w->managed;
    w->cfg.managed_count = 1;
    if (with_server_key) {
        w->server_priv = load_private_key(VEC "B-unknown-rsa/keys/server-private.pem");
        w->server_pub = load_public_key(VEC "B-unknown-rsa/keys/server-public.pem");
        w->cfg.server_private_key = w->server_priv;
    }
    world_serve(w);
}

START_TEST(transitions_and_touch_timing)
{
    world w;
    world_start(&w, false);
    world_client(&w, NULL, 0, false);
    rp_error e;
    uint8_t pkt[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    /* not allowed before established */
    ck_assert_int_eq(residue_client_touch(w.cl, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_int_eq(residue_client_receive(w.cl, (const uint8_t *)"x", 1, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    residue_log_request rec;
    world_log_record(&rec, "too early");
    ck_assert_int_eq(residue_client_build_log(w.cl, &rec, 1, pkt, sizeof pkt, &n, &e), RP_E_STATE);
    ck_assert_int_eq(residue_client_connect(w.cl, pkt, sizeof pkt, &n, NULL), 0);
    uint8_t pkt2[RESIDUE_SESSION_PACKET_MAX];
    size_t n2 = 0;
    ck_assert_int_eq(residue_client_connect(w.cl, pkt2, sizeof pkt2, &n2, &e), RP_E_STATE);
    ck_assert_int_eq(world_exchange(&w, pkt, n, &e), 0);
    ck_assert_int_eq(residue_client_get_state(w.cl), RESIDUE_CLIENT_ESTABLISHED);
    ck_assert_uint_eq(residue_client_logging_port(w.cl), 9999);
    ck_assert_uint_eq(residue_client_age(w.cl), 3600);
    uint64_t dc = residue_client_date_created(w.cl);
    ck_assert_uint_eq(dc, w.clock.now);
    /* TOUCH only when less than 60 s remain */
    w.clock.now = dc + 3540;
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_NONE);
    w.clock.now = dc + 3541;
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_TOUCH);
    ck_assert_int_eq(world_touch(&w, &e), 0);
    ck_assert_uint_eq(residue_client_date_created(w.cl), dc + 3541);
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_NONE);
    /* dead: reconnect, not TOUCH */
    w.clock.now = dc + 3541 + 3601;
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_CONNECT);
    const char *old_id = residue_client_id(w.cl);
    char old[32];
    snprintf(old, sizeof old, "%s", old_id);
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    ck_assert_str_ne(residue_client_id(w.cl), old);
    ck_assert_int_eq(residue_client_get_state(w.cl), RESIDUE_CLIENT_ESTABLISHED);
    world_stop(&w);
}
END_TEST

START_TEST(forgotten_by_server_reconnects)
{
    world w;
    world_start(&w, false);
    world_client(&w, NULL, 0, false);
    rp_error e;
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    /* the server sweeps the client away (dead), the client's TOUCH is refused */
    w.clock.now += 3601;
    ck_assert_uint_eq(residue_server_sweep(w.srv), 1);
    w.clock.now -= 30; /* the client believes it has 29 s left */
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_TOUCH);
    ck_assert_int_eq(world_touch(&w, &e), RP_E_REJECTED);
    ck_assert_str_eq(e.message, "Unexpected character");
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_CONNECT);
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    residue_log_request rec;
    world_log_record(&rec, "after reconnect");
    ck_assert_int_eq(world_log(&w, &rec, 1, &e), 0);
    ck_assert_str_eq(w.last_msg, "after reconnect");
    world_stop(&w);
}
END_TEST

START_TEST(key_sizes_and_rsa_connect)
{
    world w;
    world_start(&w, true);
    static const uint16_t sizes[] = {0, 128, 192, 256};
    for (int rsa = 0; rsa < 2; rsa++) {
        for (size_t i = 0; i < 4; i++) {
            world_client(&w, NULL, sizes[i], rsa != 0);
            rp_error e;
            ck_assert_msg(world_handshake(&w, &e) == 0, "%s", e.message);
            ck_assert_uint_eq(residue_client_key_bits(w.cl), sizes[i] == 0 ? 256 : sizes[i]);
            residue_log_request rec;
            world_log_record(&rec, "sized");
            ck_assert_int_eq(world_log(&w, &rec, 1, &e), 0);
        }
    }
    ck_assert_uint_eq(w.logs, 8);
    world_stop(&w);
}
END_TEST

START_TEST(managed_client)
{
    world w;
    world_start(&w, true);
    rp_error e;
    world_client(&w, "managed-unit", 0, false);
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    ck_assert_str_eq(residue_client_id(w.cl), "managed-unit");
    ck_assert_uint_eq(residue_client_key_bits(w.cl), 192); /* per-client key_size */
    world_client(&w, "managed-unit", 0, true);       /* RSA CONNECT, same client again */
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    world_client(&w, "not-configured", 0, false);
    ck_assert_int_eq(world_handshake(&w, &e), RP_E_REJECTED);
    ck_assert_str_eq(e.message, "Client is unknown");
    world_stop(&w);
}
END_TEST

START_TEST(bulk_and_compression)
{
    world w;
    world_start(&w, false);
    world_client(&w, NULL, 0, false);
    rp_error e;
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    ck_assert_uint_eq(residue_client_bulk_capacity(w.cl), 50);
    residue_log_request recs[51];
    char msgs[51][32];
    for (int i = 0; i < 51; i++) {
        snprintf(msgs[i], sizeof msgs[i], "bulk line %d", i);
        world_log_record(&recs[i], msgs[i]);
    }
    uint8_t pkt[8];
    size_t n = 0;
    ck_assert_int_eq(residue_client_build_log(w.cl, recs, 51, pkt, sizeof pkt, &n, &e), RP_E_LIMIT);
    ck_assert_int_eq(residue_client_build_log(w.cl, recs, 0, pkt, sizeof pkt, &n, &e), RP_E_LIMIT);
    ck_assert_int_eq(residue_client_build_log(w.cl, recs, 1, pkt, sizeof pkt, &n, &e), RP_E_OVERFLOW);
    trace_log tr = {0};
    residue_client_set_trace(w.cl, trace_fn, &tr);
    ck_assert_int_eq(world_log(&w, recs, 50, &e), 0);
    ck_assert_uint_eq(w.logs, 50);
    ck_assert_str_eq(w.last_msg, "bulk line 49");
    ck_assert(strstr(tr.text, "-> LOG-BULK (aes+zlib, ") != NULL);
    residue_client_set_compression(w.cl, false);
    ck_assert_int_eq(world_log(&w, recs + 50, 1, &e), 0);
    ck_assert(strstr(tr.text, "-> LOG (aes, ") != NULL);
    ck_assert_str_eq(w.last_msg, "bulk line 50");
    world_stop(&w);

    /* a server without bulk and compression: capacity 1, plain AES */
    world_start(&w, false);
    w.cfg.allow_bulk_log_request = false;
    w.cfg.compression = false;
    world_serve(&w);
    world_client(&w, NULL, 0, false);
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    ck_assert_uint_eq(residue_client_bulk_capacity(w.cl), 1);
    ck_assert_int_eq(residue_client_build_log(w.cl, recs, 2, pkt, sizeof pkt, &n, &e), RP_E_LIMIT);
    ck_assert_int_eq(world_log(&w, recs, 1, &e), 0);
    ck_assert_uint_eq(w.logs, 1);
    world_stop(&w);
}
END_TEST

START_TEST(never_expiring_session)
{
    world w;
    world_start(&w, false);
    w.cfg.client_age = 0; /* the server omits age and date_created */
    world_serve(&w);
    world_client(&w, NULL, 0, false);
    rp_error e;
    ck_assert_int_eq(world_handshake(&w, &e), 0);
    ck_assert_uint_eq(residue_client_age(w.cl), 0);
    ck_assert_uint_eq(residue_client_date_created(w.cl), 0);
    w.clock.now += 100u * 86400u;
    ck_assert_int_eq(residue_client_next_action(w.cl), RESIDUE_CLIENT_ACTION_NONE);
    residue_log_request rec;
    world_log_record(&rec, "still here");
    ck_assert_int_eq(world_log(&w, &rec, 1, &e), 0);
    ck_assert_str_eq(w.last_msg, "still here");
    world_stop(&w);
}
END_TEST

START_TEST(config_errors)
{
    rp_rsa_key *key = load_private_key(A "keys/client-private.pem");
    rp_rsa_key *pub = load_public_key(A "keys/client-public.pem");
    residue_client *cl = NULL;
    rp_error e;
    residue_client_config c1 = {"id", NULL, NULL, 0, 0};
    ck_assert_int_eq(residue_client_create(&c1, NULL, NULL, NULL, NULL, &cl, &e), RP_E_ARGUMENT);
    residue_client_config c2 = {NULL, key, NULL, 100, 0};
    ck_assert_int_eq(residue_client_create(&c2, NULL, NULL, NULL, NULL, &cl, &e), RP_E_ARGUMENT);
    residue_client_config c3 = {"", key, NULL, 0, 0};
    ck_assert_int_eq(residue_client_create(&c3, NULL, NULL, NULL, NULL, &cl, &e), RP_E_ARGUMENT);
    residue_client_config c4 = {NULL, pub, NULL, 0, 0};
    ck_assert_int_eq(residue_client_create(&c4, NULL, NULL, NULL, NULL, &cl, &e), RP_E_KEY);
    ck_assert_ptr_null(cl);
    /* an unmanaged CONNECT (~650 bytes) does not fit one block of a 2048-bit server key */
    residue_client_config c5 = {NULL, key, pub, 0, 0};
    ck_assert_int_eq(residue_client_create(&c5, NULL, NULL, NULL, NULL, &cl, NULL), 0);
    uint8_t out[RESIDUE_SESSION_PACKET_MAX];
    size_t n = 0;
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, &e), RP_E_TOO_LONG);
    ck_assert(strstr(e.message, "2048-bit server key") != NULL);
    ck_assert_int_eq(residue_client_get_state(cl), RESIDUE_CLIENT_NEW);
    residue_client_free(cl);
    /* a generated key pair (unmanaged, no key given) */
    residue_client_config c6 = {NULL, NULL, NULL, 0, 1024};
    ck_assert_int_eq(residue_client_create(&c6, NULL, NULL, NULL, NULL, &cl, NULL), 0);
    ck_assert_int_eq(residue_client_connect(cl, out, sizeof out, &n, NULL), 0);
    ck_assert(memcmp(out, "{\"_t\":", 6) == 0);
    residue_client_free(cl);
    rp_rsa_key_free(key);
    rp_rsa_key_free(pub);
}
END_TEST

static Suite *session_client_suite(void)
{
    Suite *s = suite_create("session_client");
    TCase *cap = tcase_create("captures");
    tcase_set_timeout(cap, 60);
    tcase_add_test(cap, capture_a_byte_for_byte);
    tcase_add_test(cap, capture_b_rsa_connect);
    tcase_add_test(cap, capture_c_key_size_request);
    tcase_add_test(cap, capture_f_error_replies);
    suite_add_tcase(s, cap);
    TCase *tc = tcase_create("against_server");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, transitions_and_touch_timing);
    tcase_add_test(tc, forgotten_by_server_reconnects);
    tcase_add_test(tc, key_sizes_and_rsa_connect);
    tcase_add_test(tc, managed_client);
    tcase_add_test(tc, bulk_and_compression);
    tcase_add_test(tc, config_errors);
    tcase_add_test(tc, never_expiring_session);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(session_client_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
