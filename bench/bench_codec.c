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
    if (peer_simdjson != NULL)
        peers[NPEERS++] = peer_simdjson;
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
            size_t n = 0;
            for (size_t i = (size_t)first; i < NIMPL; i++) {
                ctx_init(&ctx[i], i == 0 ? NULL : peers[i - 1], m, json[m], len[m], &input[m]);
                if (!takes_part(i, op))
                    continue;
                impls[n].name = impl_name(&ctx[i]);
                impls[n].fn = op == 0 ? decode_op : encode_op;
                impls[n].ctx = &ctx[i];
                impls[n].yardstick = i > 0 && peers[i - 1] == &peer_floor;
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
                bench_report_times(name, impls, n);
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
