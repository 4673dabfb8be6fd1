#!/usr/bin/env bash
# A protocol that is not residue, end to end through what its spec declares (issue 11):
# tests/specs/valid/telemetry.rproto is vendored ALONE into an empty directory (rprotoc
# --vendor), and a program built there from those files only (gcc and clang, -Werror)
# sends one message of every route through the whole stack, in both directions:
#   encode -> rp_envelope_seal with the route's envelope (telemetry_protocol, generated)
#   -> rp_frame_write with the port's framing (newline delimiter; uint16 big-endian and
#   uint32 little-endian length prefixes) -> rp_framer fed one byte at a time -> classify
#   and open among every envelope that may arrive on that port from that peer ->
#   decode_any -> encode again: the same bytes.
# Keys: two RSA pairs made at run time and an AES link key whose id() is the device id.
# Then the refusals: a flipped bit in an AES packet is the one uniform decrypt error; a
# packet over the port's max_packet is refused by the framer. Finally no file of
# the directory mentions residue.
set -u
build=${1:-build}
rprotoc="$build/rprotoc"
[ -x "$rprotoc" ] || { echo "telemetry-transport: $rprotoc missing (make first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "telemetry-transport: FAIL $*" >&2; fail=1; }

dir="$tmp/vendored"
"$rprotoc" --vendor "$dir" tests/specs/valid/telemetry.rproto || { echo "telemetry-transport: --vendor failed" >&2; exit 1; }
for f in telemetry.h telemetry.c telemetry_transport.h telemetry_transport.c; do
    [ -e "$dir/$f" ] || bad "--vendor did not write $f"
done

cat > "$dir/main.c" <<'C'
#include <stdio.h>
#include <string.h>

#include "rp_crypto.h"
#include "telemetry_transport.h"

/* The keys both ends hold in this test (one process plays both peers). */
typedef struct keyring {
    rp_rsa_key *hub, *device;
    rp_aes_key link;
} keyring;

static int lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                  rp_key_value *out, size_t cap)
{
    keyring *k = ctx;
    (void)use;
    if (cap == 0) return 0;
    memset(out, 0, sizeof *out);
    switch (key) {
    case TELEMETRY_KEY_HUB_KEY: out->rsa = k->hub; return 1;
    case TELEMETRY_KEY_DEVICE_KEY: out->rsa = k->device; return 1;
    case TELEMETRY_KEY_LINK:
        if (use == RP_KEY_OPEN && id != NULL && (id_len != 5 || memcmp(id, "dev-7", 5) != 0))
            return 0; /* an id nobody enrolled */
        out->aes = &k->link;
        out->id = "dev-7";
        out->id_len = 5;
        return 1;
    }
    return 0;
}

static int counter_rng(void *ctx, uint8_t *out, size_t len)
{
    unsigned *n = ctx;
    for (size_t i = 0; i < len; i++) out[i] = (uint8_t)(*n * 31u + i);
    (*n)++;
    return 0;
}

typedef struct route_case {
    const char *json;
    telemetry_port port;
    telemetry_peer from;
    telemetry_envelope envelope;
    telemetry_message_id id;
} route_case;

static const route_case cases[] = {
    { "{\"kind\":\"enrol\",\"device\":\"dev-7\",\"fw\":3}", TELEMETRY_PORT_CONTROL,
      TELEMETRY_PEER_DEVICE, TELEMETRY_ENVELOPE_SEALED_TO_HUB, TELEMETRY_MSG_ENROL },
    { "{\"status\":0,\"key\":\"00112233445566778899AABBCCDDEEFF\",\"every\":30}",
      TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_HUB, TELEMETRY_ENVELOPE_SEALED_TO_DEVICE,
      TELEMETRY_MSG_ENROLLED },
    { "{\"kind\":\"set\",\"sensor\":2,\"on\":true}", TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_HUB,
      TELEMETRY_ENVELOPE_COMMAND, TELEMETRY_MSG_COMMAND },
    { "{\"kind\":\"reading\",\"sensor\":1,\"v\":-40,\"at\":1795667583}", TELEMETRY_PORT_DATA,
      TELEMETRY_PEER_DEVICE, TELEMETRY_ENVELOPE_READING, TELEMETRY_MSG_READING },
    { "[{\"kind\":\"reading\",\"sensor\":1,\"v\":21,\"at\":1},{\"kind\":\"reading\",\"sensor\":3,"
      "\"v\":1013,\"at\":2}]", TELEMETRY_PORT_BULK, TELEMETRY_PEER_DEVICE,
      TELEMETRY_ENVELOPE_UPLOAD, TELEMETRY_MSG_READINGS },
    { "{\"status\":0,\"n\":1}", TELEMETRY_PORT_DATA, TELEMETRY_PEER_HUB,
      TELEMETRY_ENVELOPE_HEX_SEALED, TELEMETRY_MSG_ACK },
    { "{\"status\":1}", TELEMETRY_PORT_BULK, TELEMETRY_PEER_HUB, TELEMETRY_ENVELOPE_CLEAR,
      TELEMETRY_MSG_ACK },
};

static telemetry_any any, again;
static char text[8192], plain[8192], reenc[8192], sealed[8192];
static uint8_t framed[8192], work[8192], inbuf[1048576 + 16], mem[8192];

static int encode_any(const telemetry_any *a, char *out, size_t cap, size_t *n, rp_error *err)
{
    switch (a->id) {
    case TELEMETRY_MSG_ENROL: return telemetry_enrol_encode(&a->u.enrol, out, cap, n, err);
    case TELEMETRY_MSG_ENROLLED: return telemetry_enrolled_encode(&a->u.enrolled, out, cap, n, err);
    case TELEMETRY_MSG_COMMAND: return telemetry_command_encode(&a->u.command, out, cap, n, err);
    case TELEMETRY_MSG_READING: return telemetry_reading_encode(&a->u.reading, out, cap, n, err);
    case TELEMETRY_MSG_READINGS: return telemetry_readings_encode(&a->u.readings, out, cap, n, err);
    case TELEMETRY_MSG_ACK: return telemetry_ack_encode(&a->u.ack, out, cap, n, err);
    default: return RP_E_ARGUMENT;
    }
}

static int uses_aes(unsigned envelope)
{
    const rp_envelope_desc *e = &telemetry_protocol.envelopes[envelope];
    for (size_t i = 0; i < e->layer_count; i++)
        if (e->layers[i].ops == &rp_layer_aes) return 1;
    return 0;
}

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return 1; } } while (0)

int main(void)
{
    keyring k;
    unsigned ivs = 0;
    rp_error err, detail;
    CHECK(rp_rsa_key_generate(2048, &k.hub, &err) == 0, "hub key: %s", err.message);
    CHECK(rp_rsa_key_generate(2048, &k.device, &err) == 0, "device key: %s", err.message);
    CHECK(rp_aes_key_from_hex(&k.link, "000102030405060708090A0B0C0D0E0F", 32, &err) == 0, "link key");
    rp_envelope_ctx cx = { &telemetry_protocol, lookup, &k, counter_rng, &ivs, 0 };
    size_t sizes[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const route_case *rc = &cases[i];
        const rp_port_desc *port = &telemetry_protocol.ports[rc->port - 1];
        rp_arena a;
        rp_arena_init(&a, mem, sizeof mem);
        size_t n = 0;
        CHECK(telemetry_decode_any(rc->json, strlen(rc->json), rc->port, rc->from, &any, &a, NULL, &err) == 0 &&
                  any.id == rc->id, "case %zu: decode_any: %s", i, err.message);
        CHECK(encode_any(&any, text, sizeof text, &n, &err) == 0, "case %zu: encode: %s", i, err.message);
        size_t sl = 0, fl = 0;
        CHECK(rp_envelope_seal(&cx, rc->envelope, text, n, sealed, sizeof sealed, work, sizeof work, &sl,
                               &err) == 0, "case %zu: seal: %s", i, err.message);
        CHECK(rp_frame_write(&port->framing, (const uint8_t *)sealed, sl, framed, sizeof framed, &fl,
                             &err) == 0, "case %zu: frame: %s", i, err.message);
        sizes[i] = fl;
        /* the receiving end: a framer on the port, fed one byte at a time */
        rp_framer fr;
        CHECK(rp_framer_init(&fr, &port->framing, inbuf, rp_framer_buffer_size(&port->framing, port->max_packet),
                             port->max_packet, &err) == 0, "case %zu: framer: %s", i, err.message);
        const uint8_t *pkt = NULL;
        size_t pl = 0;
        int got = 0;
        for (size_t b = 0; b < fl; b++) {
            size_t used = 0;
            CHECK(rp_framer_push(&fr, framed + b, 1, &used, &err) == 0 && used == 1, "case %zu: push", i);
            got = rp_framer_pop(&fr, &pkt, &pl);
            CHECK(got == 0 || b + 1 == fl, "case %zu: a packet before its end (byte %zu)", i, b);
        }
        CHECK(got == 1 && pl == sl && memcmp(pkt, sealed, sl) == 0, "case %zu: the framer did not give the packet back", i);
        uint32_t mask = rp_protocol_envelopes(&telemetry_protocol, rc->port, rc->from);
        CHECK(mask & TELEMETRY_ENVELOPE_BIT(rc->envelope), "case %zu: route mask 0x%x lacks the envelope", i, mask);
        rp_envelope_opened res;
        CHECK(rp_envelope_open_any(&cx, mask, (const char *)pkt, pl, plain, sizeof plain, work, sizeof work, &res,
                                   &err, &detail) == 0, "case %zu: open: %s (%s)", i, err.message, detail.message);
        CHECK(res.envelope == (unsigned)rc->envelope, "case %zu: opened as %s", i,
              telemetry_protocol.envelopes[res.envelope].name);
        CHECK(res.len == n && memcmp(plain, text, n) == 0, "case %zu: plaintext differs", i);
        rp_arena_init(&a, mem, sizeof mem);
        CHECK(telemetry_decode_any(plain, res.len, rc->port, rc->from, &again, &a, NULL, &err) == 0 &&
                  again.id == rc->id, "case %zu: decode after open: %s", i, err.message);
        size_t n2 = 0;
        CHECK(encode_any(&again, reenc, sizeof reenc, &n2, &err) == 0 && n2 == n && memcmp(reenc, text, n) == 0,
              "case %zu: the round trip changed the message", i);
        /* a reading under an id nobody enrolled: no key, the same uniform error */
        if (rc->envelope == TELEMETRY_ENVELOPE_READING) {
            static char other[8192];
            memcpy(other, sealed, sl);
            CHECK(memcmp(other, "dev-7;", 6) == 0, "case %zu: the id is not the first part", i);
            other[4] = '9';
            int rc3 = rp_envelope_open_any(&cx, mask, other, sl, plain, sizeof plain, work, sizeof work, &res,
                                           &err, NULL);
            CHECK(rc3 == RP_E_DECRYPT && strcmp(err.message, RP_DECRYPT_PUBLIC_MESSAGE) == 0,
                  "case %zu: an unknown id gave %d (%s)", i, rc3, err.message);
        }
        /* a flipped bit in the last cipher block of an AES packet (key and IVs are fixed
         * here, so the outcome is too): the one uniform error, nothing else */
        if (uses_aes(rc->envelope)) {
            sealed[sl - 6] ^= 1;
            int rc2 = rp_envelope_open_any(&cx, mask, sealed, sl, plain, sizeof plain, work, sizeof work, &res,
                                           &err, NULL);
            CHECK(rc2 == RP_E_DECRYPT || rc2 == RP_E_ENVELOPE, "case %zu: tampered packet gave %d", i, rc2);
            CHECK(rc2 != RP_E_DECRYPT || strcmp(err.message, RP_DECRYPT_PUBLIC_MESSAGE) == 0,
                  "case %zu: decrypt error says '%s'", i, err.message);
        }
    }
    /* a data packet over the port's max_packet is refused by its framer */
    {
        rp_framer fr;
        const rp_port_desc *data = &telemetry_protocol.ports[TELEMETRY_PORT_DATA - 1];
        static const uint8_t big[16384 + 3] = { 0 };
        uint8_t prefix[2] = { 0x40, 0x02 }; /* 16386 > max_packet 16384, big-endian */
        CHECK(rp_framer_init(&fr, &data->framing, inbuf, sizeof inbuf, data->max_packet, &err) == 0, "framer");
        size_t used = 0;
        int r = rp_framer_push(&fr, prefix, 2, &used, &err);
        if (r == 0) r = rp_framer_push(&fr, big, sizeof big, &used, &err);
        const uint8_t *pkt;
        size_t pl;
        if (r == 0) r = rp_framer_pop(&fr, &pkt, &pl);
        CHECK(r == RP_E_FRAME_TOO_BIG, "an oversized data packet gave %d", r);
    }
    printf("telemetry-transport ok:");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        printf(" %s=%zu", telemetry_protocol.envelopes[cases[i].envelope].name, sizes[i]);
    printf("\n");
    rp_rsa_key_free(k.hub);
    rp_rsa_key_free(k.device);
    rp_aes_key_wipe(&k.link);
    return 0;
}
C

for cc in gcc clang; do
    command -v "$cc" >/dev/null 2>&1 || { bad "$cc missing"; continue; }
    (cd "$dir" && "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -I. -o "$tmp/prog-$cc" ./*.c -lcrypto -lz) ||
        { bad "$cc: the vendored directory does not build"; continue; }
    out=$("$tmp/prog-$cc" 2>&1) || { bad "$cc: $out"; continue; }
    case "$out" in
        "telemetry-transport ok:"*) echo "telemetry-transport ($cc): ${out#telemetry-transport ok: }" ;;
        *) bad "$cc: printed '$out'" ;;
    esac
done
rm -f "$dir/main.c"
if grep -ril residue "$dir" >/dev/null; then
    bad "vendored files mention residue: $(grep -ril residue "$dir" | xargs -n1 basename | tr '\n' ' ')"
fi
[ "$fail" -eq 0 ] && echo "telemetry-transport: PASS"
exit "$fail"
