/* bench_codec: decode+validate and encode of residue messages, ours (generated code over
 * rp_json) against cJSON, jansson and json-c filling the same generated structs, simdjson
 * On-Demand (decode) and the hand-written encode floor (floor_encode.c); heap allocations per
 * operation; and, with --callgrind, the same operations bracketed for valgrind
 * --tool=callgrind instruction counts.
 *
 *   bench_codec [--vectors DIR] [--callgrind ITERS]
 *
 * Inputs are read in place from DIR (default ../shared/vectors, run from the project root):
 * the real 2.3.6 CONNECT (A-unknown-plain/01) and connection-established (04) plaintexts
 * and the uncompressed log request (07). Output: `bench:` lines (bench.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "peers.h"
#include "residue.h"

enum { MSG_CONNECT, MSG_ESTABLISHED, MSG_LOG, MSG_COUNT };
static const char *const msg_names[MSG_COUNT] = { "connect", "established", "log_request" };
static const char *const msg_files[MSG_COUNT] = {
    "A-unknown-plain/01-connect.c2s.plain.json",
    "A-unknown-plain/04-established.s2c.plain.json",
    "A-unknown-plain/07-log-uncompressed.c2s.plain.json",
};

typedef union any_msg {
    residue_connect c;
    residue_established e;
    residue_log_request l;
} any_msg;

#define STORE_CAP 16384
#define OUT_CAP 16384

typedef struct codec_ctx {
    const peer_codec *peer;     /* NULL: ours */
    int msg;
    const char *json;           /* decode input */
    size_t len;
    const any_msg *in;          /* encode input */
    any_msg out;
    peer_store st;
    uint8_t storage[STORE_CAP];
    char buf[OUT_CAP];
    size_t out_len;
#ifdef BENCH_HAVE_OURS
    rp_arena arena;
#endif
} codec_ctx;

static int decode_op(void *p)
{
    codec_ctx *c = p;
    if (c->peer == NULL) {
#ifdef BENCH_HAVE_OURS
        rp_arena_reset(&c->arena);
        switch (c->msg) {
        case MSG_CONNECT:
            return residue_connect_decode(c->json, c->len, &c->out.c, &c->arena,
                                          NULL, NULL);
        case MSG_ESTABLISHED:
            return residue_established_decode(c->json, c->len, &c->out.e, &c->arena,
                                              NULL, NULL);
        default:
            return residue_log_request_decode(c->json, c->len, &c->out.l, &c->arena,
                                              NULL, NULL);
        }
#else
        return -1;
#endif
    }
    peer_store_reset(&c->st);
    if (c->peer->decode_connect == NULL)
        return -1;
    switch (c->msg) {
    case MSG_CONNECT:
        return c->peer->decode_connect(c->json, c->len, &c->out.c, &c->st);
    case MSG_ESTABLISHED:
        return c->peer->decode_established(c->json, c->len, &c->out.e, &c->st);
    default:
        return c->peer->decode_log_request(c->json, c->len, &c->out.l, &c->st);
    }
}

static int encode_op(void *p)
{
    codec_ctx *c = p;
    if (c->peer == NULL) {
#ifdef BENCH_HAVE_OURS
        switch (c->msg) {
        case MSG_CONNECT:
            return residue_connect_encode(&c->in->c, c->buf, OUT_CAP, &c->out_len, NULL);
        case MSG_ESTABLISHED:
            return residue_established_encode(&c->in->e, c->buf, OUT_CAP, &c->out_len, NULL);
        default:
            return residue_log_request_encode(&c->in->l, c->buf, OUT_CAP, &c->out_len, NULL);
        }
#else
        return -1;
#endif
    }
    if (c->peer->encode_connect == NULL)
        return -1;
    switch (c->msg) {
    case MSG_CONNECT:
        return c->peer->encode_connect(&c->in->c, c->buf, OUT_CAP, &c->out_len);
    case MSG_ESTABLISHED:
        return c->peer->encode_established(&c->in->e, c->buf, OUT_CAP, &c->out_len);
    default:
        return c->peer->encode_log_request(&c->in->l, c->buf, OUT_CAP, &c->out_len);
    }
}

/* The peers in a fixed list (the timing loop rotates their order per repetition): the three
 * DOM libraries, simdjson when it was built, the floor last. */
#define MAX_PEERS 5
static const peer_codec *peers[MAX_PEERS];
static size_t NPEERS;
#define NIMPL (NPEERS + 1)
#define MAX_IMPL (MAX_PEERS + 1)

static void peers_init(void)
{
    peers[NPEERS++] = &peer_cjson;
    peers[NPEERS++] = &peer_jansson;
    peers[NPEERS++] = &peer_jsonc;
    if (peer_simdjson != NULL) {
        peers[NPEERS++] = peer_simdjson;
        printf("# simdjson kernel: %s\n", peer_simdjson_kernel());
    }
    else
        printf("# SKIPPED: peer simdjson: %s\n", peer_simdjson_skipped);
    peers[NPEERS++] = &peer_floor;
}

/* Does implementation i (0 = ours) take part in op (0 decode, 1 encode)? */
static bool takes_part(size_t i, int op)
{
    if (i == 0)
        return true;
    return op == 0 ? peers[i - 1]->decode_connect != NULL : peers[i - 1]->encode_connect != NULL;
}

static void ctx_init(codec_ctx *c, const peer_codec *peer, int msg, const char *json,
                     size_t len, const any_msg *in)
{
    memset(c, 0, sizeof *c);
    c->peer = peer;
    c->msg = msg;
    c->json = json;
    c->len = len;
    c->in = in;
    c->st.base = c->storage;
    c->st.cap = STORE_CAP;
#ifdef BENCH_HAVE_OURS
    rp_arena_init(&c->arena, c->storage, STORE_CAP);
#endif
}

static const char *impl_name(const codec_ctx *c) { return c->peer ? c->peer->name : "ours"; }

#ifdef BENCH_HAVE_OURS
/* Same checks? Inputs each of which breaks one rule (or is valid in an unusual way): every
 * decoding peer must accept or refuse it as ours does. Prints a note per disagreement and
 * returns their number. */
static int check_decode_agreement(void)
{
    static const struct { int msg; const char *json; } cases[] = {
        { MSG_CONNECT, "{\"_t\":1,\"type\":1}" },
        { MSG_CONNECT, "{\"type\":1,\"_t\":5,\"extra\":[1,{\"a\":null}]}" },
        { MSG_CONNECT, "{\"_t\":0,\"type\":1}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":2}" },
        { MSG_CONNECT, "{\"_t\":\"1\",\"type\":1}" },
        { MSG_CONNECT, "{\"_t\":-1,\"type\":1}" },
        { MSG_CONNECT, "{\"type\":1}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":1,\"key_size\":100}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":1,\"key_size\":192}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":1,\"client_id\":\"a b\"}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":1,\"client_id\":\"\"}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUJD\"}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QUJ\"}" },
        { MSG_CONNECT, "{\"_t\":1,\"type\":1,\"rsa_public_key\":\"QU=D\"}" },
        { MSG_CONNECT, "[1]" },
        { MSG_ESTABLISHED, "{\"status\":0,\"ack\":1,\"flags\":4096,\"max_bulk_size\":5,\"key\":\"000102030405060708090A0B0C0D0E0F\",\"client_id\":\"x\",\"logging_port\":1}" },
        { MSG_ESTABLISHED, "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":5,\"key\":\"000102030405060708090A0B0C0D0E0F\",\"client_id\":\"x\",\"logging_port\":1}" },
        { MSG_ESTABLISHED, "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":5,\"key\":\"000102030405060708090A0B0C0D0E\",\"client_id\":\"x\",\"logging_port\":1}" },
        { MSG_ESTABLISHED, "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":5,\"key\":\"000102030405060708090A0B0C0D0EXX\",\"client_id\":\"x\",\"logging_port\":1}" },
        { MSG_ESTABLISHED, "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":5,\"key\":\"000102030405060708090A0B0C0D0E0F\",\"client_id\":\"x\",\"logging_port\":0}" },
        { MSG_ESTABLISHED, "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":5,\"key\":\"000102030405060708090A0B0C0D0E0F\",\"client_id\":\"x\",\"logging_port\":1,\"server_info\":{\"version\":\"2 3\"}}" },
        { MSG_ESTABLISHED, "{\"status\":0,\"ack\":1,\"flags\":1,\"max_bulk_size\":5,\"key\":\"000102030405060708090A0B0C0D0E0F\",\"client_id\":\"x\",\"logging_port\":1,\"token\":\"0001\"}" },
        { MSG_LOG, "{\"_t\":1,\"datetime\":2,\"msg\":\"a\\u00e9\\n\",\"level\":4}" },
        { MSG_LOG, "{\"_t\":1,\"datetime\":2,\"msg\":\"a\",\"level\":3}" },
        { MSG_LOG, "{\"_t\":1,\"datetime\":2,\"msg\":\"\",\"level\":4}" },
        { MSG_LOG, "{\"_t\":1,\"datetime\":2,\"msg\":\"a\",\"level\":4,\"vlevel\":10}" },
        { MSG_LOG, "{\"_t\":1,\"datetime\":2,\"msg\":\"a\",\"level\":4,\"line\":1.5}" },
        { MSG_LOG, "{\"_t\":1,\"datetime\":2,\"msg\":\"a\",\"level\":4,\"logger\":\"\"}" },
    };
    int bad = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        static char text[1024];
        size_t n = strlen(cases[k].json);
        memset(text, 0, sizeof text);
        memcpy(text, cases[k].json, n); /* zero padding after it */
        static codec_ctx c;
        ctx_init(&c, NULL, cases[k].msg, text, n, NULL);
        bool ours_ok = decode_op(&c) == 0;
        for (size_t i = 1; i < NIMPL; i++) {
            if (!takes_part(i, 0))
                continue;
            ctx_init(&c, peers[i - 1], cases[k].msg, text, n, NULL);
            bool ok = decode_op(&c) == 0;
            if (ok != ours_ok) {
                printf("# note: %s %s %s, ours %s\n", peers[i - 1]->name,
                       ok ? "accepts" : "refuses", cases[k].json, ours_ok ? "accepts" : "refuses");
                bad++;
            }
        }
    }
    return bad;
}

/* The same for the encoders, on the log request's strings (escapes, UTF-8) and CONNECT's
 * charset: each must succeed or fail as ours does, with the same bytes. */
static int check_encode_agreement(const any_msg *base)
{
    static const char *const msgs[] = {
        "plain", "tab\there", "q\"b\\s/", "ctrl\x01\x1f", "\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
        "\xc3(", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "0123456789abcdefghij\"klmnop",
        "0123456789abcdef\xe2\x82\xac", "0123456789abcdef\xe2\x82", "\x7f",
    };
    static const char *const ids[] = { "ok_id@x.y-z#1", "bad id", "\xc3\xa9" };
    int bad = 0;
    for (size_t k = 0; k < sizeof msgs / sizeof msgs[0] + sizeof ids / sizeof ids[0]; k++) {
        any_msg in = *base;
        int msg = MSG_LOG;
        const char *what;
        if (k < sizeof msgs / sizeof msgs[0]) {
            what = msgs[k];
            in.l = base[MSG_LOG].l;
            in.l.msg.ptr = what;
            in.l.msg.len = strlen(what);
        } else {
            msg = MSG_CONNECT;
            what = ids[k - sizeof msgs / sizeof msgs[0]];
            in.c = base[MSG_CONNECT].c;
            in.c.client_id.ptr = what;
            in.c.client_id.len = strlen(what);
            in.c.has_client_id = true;
        }
        static codec_ctx o, p;
        ctx_init(&o, NULL, msg, NULL, 0, &in);
        int ro = encode_op(&o);
        for (size_t i = 1; i < NIMPL; i++) {
            if (!takes_part(i, 1) || peers[i - 1] != &peer_floor)
                continue; /* the libraries do not validate before encoding (docs/performance.md) */
            ctx_init(&p, peers[i - 1], msg, NULL, 0, &in);
            int rp = encode_op(&p);
            if ((ro == 0) != (rp == 0)
                || (ro == 0 && (o.out_len != p.out_len || memcmp(o.buf, p.buf, o.out_len) != 0))) {
                printf("# note: %s encodes %s differently from ours (rc %d vs %d)\n",
                       peers[i - 1]->name, msg == MSG_LOG ? "a msg" : "a client_id", rp, ro);
                bad++;
            }
        }
    }
    return bad;
}
#endif

int main(int argc, char **argv)
{
    const char *vectors = "../shared/vectors";
    long cg_iters = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc)
            vectors = argv[++i];
        else if (strcmp(argv[i], "--callgrind") == 0 && i + 1 < argc)
            cg_iters = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--vectors DIR] [--callgrind ITERS]\n", argv[0]);
            return 2;
        }
    }
    bench_config cfg;
    bench_config_from_env(&cfg);
    peers_init();

    static char *json[MSG_COUNT];
    static size_t len[MSG_COUNT];
    static any_msg input[MSG_COUNT];      /* the struct every encoder encodes */
    static codec_ctx ctx[MAX_IMPL];
    static codec_ctx holders[MSG_COUNT];
    int first = 0;
#ifndef BENCH_HAVE_OURS
    first = 1;  /* generated code not built yet: peers only, no comparisons */
    printf("# bench_codec: generated residue code not available, measuring peers only\n");
#endif

    for (int m = 0; m < MSG_COUNT; m++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", vectors, msg_files[m]);
        char *text = bench_read_file(path, &len[m]);
        /* Copied into a buffer with PEER_INPUT_PADDING zero bytes after the text. */
        json[m] = calloc(1, len[m] + PEER_INPUT_PADDING + 1);
        if (json[m] == NULL)
            return 2;
        memcpy(json[m], text, len[m]);
        free(text);
        /* The encode input: decoded once (by ours when built, else jansson) into a
         * context that stays alive, since the struct points into its storage. */
        ctx_init(&holders[m], first ? &peer_jansson : NULL, m, json[m], len[m], NULL);
        if (decode_op(&holders[m]) != 0) {
            fprintf(stderr, "bench_codec: %s: %s cannot decode %s\n", msg_names[m],
                    impl_name(&holders[m]), path);
            return 1;
        }
        input[m] = holders[m].out;
    }

#ifdef BENCH_HAVE_OURS
    /* Same work? Every peer's decoded struct, encoded by ours, must give the vector back:
     * then the peer filled every field exactly as our decoder does. */
    for (int m = 0; m < MSG_COUNT; m++) {
        for (size_t i = 1; i < NIMPL; i++) {
            static codec_ctx dec, enc;
            if (!takes_part(i, 0))
                continue;
            ctx_init(&dec, peers[i - 1], m, json[m], len[m], NULL);
            if (decode_op(&dec) != 0) {
                fprintf(stderr, "bench_codec: %s cannot decode %s\n", peers[i - 1]->name,
                        msg_names[m]);
                return 1;
            }
            ctx_init(&enc, NULL, m, json[m], len[m], &dec.out);
            if (encode_op(&enc) != 0 || enc.out_len != len[m]
                || memcmp(enc.buf, json[m], len[m]) != 0)
                printf("# note: %s's decode of %s differs from ours\n", peers[i - 1]->name,
                       msg_names[m]);
        }
    }
    printf("# checks: %d disagreement(s) with ours on decode rules, %d on the floor's encode\n",
           check_decode_agreement(), check_encode_agreement(input));
#endif

    if (cg_iters > 0) {
        for (int m = 0; m < MSG_COUNT; m++) {
            for (size_t i = (size_t)first; i < NIMPL; i++) {
                ctx_init(&ctx[i], i == 0 ? NULL : peers[i - 1], m, json[m], len[m], &input[m]);
                char label[128];
                snprintf(label, sizeof label, "decode_%s:%s", msg_names[m], impl_name(&ctx[i]));
                if (takes_part(i, 0) && bench_callgrind_run(label, decode_op, &ctx[i], cg_iters) != 0)
                    return 1;
                snprintf(label, sizeof label, "encode_%s:%s", msg_names[m], impl_name(&ctx[i]));
                if (takes_part(i, 1) && bench_callgrind_run(label, encode_op, &ctx[i], cg_iters) != 0)
                    return 1;
            }
        }
        return 0;
    }

    int failures = 0;
    for (int op = 0; op < 2; op++) {
        for (int m = 0; m < MSG_COUNT; m++) {
            bench_impl impls[MAX_IMPL];
            size_t n = 0, libs = 0;
            for (size_t i = (size_t)first; i < NIMPL; i++) {
                ctx_init(&ctx[i], i == 0 ? NULL : peers[i - 1], m, json[m], len[m], &input[m]);
                if (!takes_part(i, op))
                    continue;
                impls[n].name = impl_name(&ctx[i]);
                impls[n].fn = op == 0 ? decode_op : encode_op;
                impls[n].ctx = &ctx[i];
                if (i > 0 && peers[i - 1] != &peer_floor)
                    libs = n; /* the floor is last in peers[] */
                n++;
            }
            char name[64];
            snprintf(name, sizeof name, "%s_%s", op == 0 ? "decode" : "encode", msg_names[m]);
            if (bench_compare(&cfg, name, impls, n) != 0) {
                failures++;
                continue;
            }
            /* Same work? Every encoder must reproduce the compact vector byte for byte. */
            if (op == 1)
                for (size_t i = (size_t)first; i < NIMPL; i++)
                    if (takes_part(i, 1)
                        && (ctx[i].out_len != len[m] || memcmp(ctx[i].buf, json[m], len[m]) != 0))
                        printf("# note: %s %s output differs from the vector (%zu vs %zu bytes): %.*s\n",
                               name, impl_name(&ctx[i]), ctx[i].out_len, len[m],
                               (int)(ctx[i].out_len > 300 ? 300 : ctx[i].out_len), ctx[i].buf);
            if (first == 0) {
                bench_report_times(name, impls, n, libs);
            } else {
                for (size_t i = 0; i < n; i++)
                    printf("# %s %s %.1f ns/op\n", name, impls[i].name, impls[i].ns_per_op);
            }
        }
    }

    /* Heap allocations per operation (after a warm-up call). */
    for (int op = 0; op < 2; op++) {
        for (int m = 0; m < MSG_COUNT; m++) {
            uint64_t count[MAX_IMPL] = { 0 };
            for (size_t i = (size_t)first; i < NIMPL; i++) {
                ctx_init(&ctx[i], i == 0 ? NULL : peers[i - 1], m, json[m], len[m], &input[m]);
                if (!takes_part(i, op))
                    continue;
                bench_fn fn = op == 0 ? decode_op : encode_op;
                if (fn(&ctx[i]) != 0)
                    return 1;
                bench_alloc_start();
                int rc = fn(&ctx[i]);
                count[i] = bench_alloc_stop();
                if (rc != 0)
                    return 1;
            }
            char name[64];
            snprintf(name, sizeof name, "allocs_%s_%s", op == 0 ? "decode" : "encode", msg_names[m]);
            for (size_t i = 1; i < NIMPL; i++) {
                if (!takes_part(i, op))
                    continue;
                if (first == 0)
                    bench_report(name, (double)count[0], peers[i - 1]->name, (double)count[i], "allocs");
                else
                    printf("# %s %s %llu allocs\n", name, peers[i - 1]->name,
                           (unsigned long long)count[i]);
            }
        }
    }
    return failures == 0 ? 0 : 1;
}
