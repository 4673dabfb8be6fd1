#!/usr/bin/env bash
# issue 14, item 5: the non-residue routed protocol's generated machines complete a session
# over loopback. tests/specs/valid/telemetry.rproto is vendored ALONE (no residue file, no
# residue word); a program built from that directory forks into a hub (DeviceRecord
# machine) and a device (Device machine) that talk over real TCP sockets on 127.0.0.1, one
# connection per port, each packet encoded by the generated codec, sealed and opened by the
# envelope engine with the generated tables, framed by the port's framing:
#   device: Enrol (control port, newline framing, RSA to the hub)      -> hub
#   hub:    Enrolled with a fresh link key (RSA to the device)          -> device
#   device: Reading (data port, uint16 length prefix, id;iv;AES link)  -> hub
#   hub:    Ack (hex of AES with the IV in front)                       -> device
# Every send and receive goes through the machines. Before that, each machine refuses what
# its state does not allow: the device's will not send a Reading while idle, the hub's will
# not send an Enrolled before any Enrol; and an Enrolled the hub sends around its machine
# (a rogue peer) is opened and decoded by the device, then refused by the device's machine
# before any handler runs, with an error naming the state and the message — and the session
# carries on.
set -u
build=${1:-build}
rprotoc="$build/rprotoc"
[ -x "$rprotoc" ] || { echo "telemetry-loopback: $rprotoc missing (make first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "telemetry-loopback: FAIL $*" >&2; fail=1; }

dir="$tmp/vendored"
"$rprotoc" --vendor "$dir" tests/specs/valid/telemetry.rproto || { echo "telemetry-loopback: --vendor failed" >&2; exit 1; }
[ -e "$dir/telemetry_machines.h" ] || bad "--vendor wrote no machines pair"
if grep -ril residue "$dir" >/dev/null; then
    bad "vendored files mention residue: $(grep -ril residue "$dir" | xargs -n1 basename | tr '\n' ' ')"
fi

cat > "$dir/main.c" <<'C'
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "rp_crypto.h"
#include "telemetry_machines.h"
#include "telemetry_transport.h"

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

/* One side's keys: both RSA pairs are made before the fork (each side uses its own
 * private half and the other's public half), the link key once the hub has made it. */
typedef struct side {
    const char *who;
    rp_rsa_key *hub_key, *device_key;
    rp_aes_key link;
    int has_link;
    rp_framer control_in, data_in;
    uint8_t control_buf[4096 + 16], data_buf[16384 + 16];
    int control_fd, data_fd;
    unsigned ivs;
} side;

static int lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                  rp_key_value *out, size_t cap)
{
    side *s = ctx;
    (void)use;
    if (cap == 0) return 0;
    memset(out, 0, sizeof *out);
    if (key == TELEMETRY_KEY_HUB_KEY) { out->rsa = s->hub_key; return 1; }
    if (key == TELEMETRY_KEY_DEVICE_KEY) { out->rsa = s->device_key; return 1; }
    if (key == TELEMETRY_KEY_LINK && s->has_link) {
        if (id != NULL && (id_len != 5 || memcmp(id, "dev-7", 5) != 0)) return 0;
        out->aes = &s->link;
        out->id = "dev-7";
        out->id_len = 5;
        return 1;
    }
    return 0;
}

static int iv_source(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    rp_error e;
    return rp_random_bytes(out, len, &e);
}

static uint64_t now_s(void) { return (uint64_t)time(NULL); }

static rp_envelope_ctx ecx(side *s)
{
    rp_envelope_ctx cx = { &telemetry_protocol, lookup, s, iv_source, NULL, 0 };
    return cx;
}

/* Encodes, seals and frames `json` for `port`, then writes it to fd. */
static void send_packet(side *s, telemetry_port port, telemetry_envelope env, const char *json, size_t n)
{
    static char sealed[16384];
    static uint8_t work[16384], framed[16384 + 16];
    rp_envelope_ctx cx = ecx(s);
    rp_error err;
    size_t sl = 0, fl = 0;
    if (rp_envelope_seal(&cx, env, json, n, sealed, sizeof sealed, work, sizeof work, &sl, &err) != 0)
        DIE("%s: seal: %s", s->who, err.message);
    if (rp_frame_write(&telemetry_protocol.ports[port - 1].framing, (const uint8_t *)sealed, sl, framed,
                       sizeof framed, &fl, &err) != 0)
        DIE("%s: frame: %s", s->who, err.message);
    int fd = port == TELEMETRY_PORT_CONTROL ? s->control_fd : s->data_fd;
    for (size_t off = 0; off < fl;) {
        ssize_t w = write(fd, framed + off, fl - off);
        if (w <= 0) DIE("%s: write failed", s->who);
        off += (size_t)w;
    }
}

/* Reads the next packet of `port`, opens it among what may arrive there from `from` and
 * decodes it into *any; returns the envelope it came in. */
static telemetry_envelope recv_message(side *s, telemetry_port port, telemetry_peer from,
                                       telemetry_any *any, rp_arena *a)
{
    rp_framer *f = port == TELEMETRY_PORT_CONTROL ? &s->control_in : &s->data_in;
    int fd = port == TELEMETRY_PORT_CONTROL ? s->control_fd : s->data_fd;
    const uint8_t *pkt;
    size_t pl;
    rp_error err, detail;
    while (rp_framer_pop(f, &pkt, &pl) != 1) {
        uint8_t chunk[512];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r <= 0) DIE("%s: connection closed while waiting on the %s port", s->who,
                        telemetry_protocol.ports[port - 1].name);
        size_t used = 0;
        if (rp_framer_push(f, chunk, (size_t)r, &used, &err) != 0 || used != (size_t)r)
            DIE("%s: framer: %s", s->who, err.message);
    }
    static char plain[16384 + 1];
    static uint8_t work[16384 + 1];
    rp_envelope_ctx cx = ecx(s);
    rp_envelope_opened res;
    if (rp_envelope_open_any(&cx, rp_protocol_envelopes(&telemetry_protocol, port, from), (const char *)pkt,
                             pl, plain, sizeof plain, work, sizeof work, &res, &err, &detail) != 0)
        DIE("%s: open: %s (%s)", s->who, err.message, detail.message);
    if (telemetry_decode_any(plain, res.len, port, from, any, a, NULL, &err) != 0)
        DIE("%s: decode: %s", s->who, err.message);
    return (telemetry_envelope)res.envelope;
}

static void framers(side *s)
{
    rp_error err;
    const rp_port_desc *c = &telemetry_protocol.ports[TELEMETRY_PORT_CONTROL - 1];
    const rp_port_desc *d = &telemetry_protocol.ports[TELEMETRY_PORT_DATA - 1];
    if (rp_framer_init(&s->control_in, &c->framing, s->control_buf, sizeof s->control_buf, c->max_packet, &err) != 0 ||
        rp_framer_init(&s->data_in, &d->framing, s->data_buf, sizeof s->data_buf, d->max_packet, &err) != 0)
        DIE("%s: framer init: %s", s->who, err.message);
}

/* ---- the hub ---------------------------------------------------------------------------- */

static int hub_take_enrol(void *ctx, telemetry_device_record *m, const telemetry_enrol *msg,
                          telemetry_envelope env, rp_error *err)
{
    (void)ctx; (void)m; (void)env;
    if (msg->device.len != 5 || memcmp(msg->device.ptr, "dev-7", 5) != 0)
        return rp_error_set(err, RP_E_REJECTED, RP_LAYER_SESSION, SIZE_MAX, "unknown device");
    return 0;
}

static int hub_run(side *s)
{
    telemetry_device_record rec;
    telemetry_device_record_init(&rec);
    telemetry_device_record_handlers h = { 0 };
    h.unknown_receive_enrol = hub_take_enrol;
    static telemetry_any any;
    static uint8_t mem[16384];
    rp_arena a;
    rp_error err;
    framers(s);

    /* the hub's machine will not send an Enrolled before any Enrol ... */
    static char json[16384];
    size_t n = 0;
    telemetry_enrolled rogue;
    telemetry_enrolled_init(&rogue);
    rogue.status = TELEMETRY_STATUS_OK;
    rogue.has_status = 1;
    static const uint8_t junk[16] = { 1, 2, 3 };
    rogue.link_key.ptr = junk;
    rogue.link_key.len = sizeof junk;
    rogue.has_link_key = 1;
    int rc = telemetry_device_record_send_enrolled(&rec, now_s(), TELEMETRY_ENVELOPE_SEALED_TO_DEVICE, &rogue,
                                                   NULL, NULL, &err);
    if (rc != RP_E_STATE) DIE("hub: an Enrolled in state unknown gave %d", rc);
    printf("hub: refused: %s\n", err.message);
    /* ... so the rogue one goes out around it, for the device's machine to refuse */
    if (telemetry_enrolled_encode(&rogue, json, sizeof json, &n, &err) != 0) DIE("hub: encode: %s", err.message);
    send_packet(s, TELEMETRY_PORT_CONTROL, TELEMETRY_ENVELOPE_SEALED_TO_DEVICE, json, n);

    rp_arena_init(&a, mem, sizeof mem);
    telemetry_envelope env = recv_message(s, TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_DEVICE, &any, &a);
    if (telemetry_device_record_receive(&rec, now_s(), env, &any, &h, s, &err) != 0)
        DIE("hub: Enrol: %s", err.message);
    printf("hub: Enrol from %.*s (firmware %u) in %s -> %s\n", (int)any.u.enrol.device.len,
           any.u.enrol.device.ptr, (unsigned)any.u.enrol.firmware, telemetry_protocol.envelopes[env].name,
           telemetry_device_record_state_name(&rec));

    /* the link key: fresh random bytes, sent in the Enrolled and used from now on */
    uint8_t key[16];
    if (rp_random_bytes(key, sizeof key, &err) != 0 || rp_aes_key_set(&s->link, key, sizeof key, &err) != 0)
        DIE("hub: link key: %s", err.message);
    s->has_link = 1;
    telemetry_enrolled ok;
    telemetry_enrolled_init(&ok);
    ok.status = TELEMETRY_STATUS_OK;
    ok.has_status = 1;
    ok.link_key.ptr = key;
    ok.link_key.len = sizeof key;
    ok.has_link_key = 1;
    ok.interval = 30;
    ok.has_interval = 1;
    if (telemetry_device_record_send_enrolled(&rec, now_s(), TELEMETRY_ENVELOPE_SEALED_TO_DEVICE, &ok, NULL,
                                              NULL, &err) != 0)
        DIE("hub: send Enrolled: %s", err.message);
    if (telemetry_enrolled_encode(&ok, json, sizeof json, &n, &err) != 0) DIE("hub: encode: %s", err.message);
    OPENSSL_cleanse(key, sizeof key);
    send_packet(s, TELEMETRY_PORT_CONTROL, TELEMETRY_ENVELOPE_SEALED_TO_DEVICE, json, n);
    OPENSSL_cleanse(json, n);
    if (!telemetry_device_record_has_key(&rec, TELEMETRY_KEY_LINK)) DIE("hub: no link key after Enrolled");

    rp_arena_init(&a, mem, sizeof mem);
    env = recv_message(s, TELEMETRY_PORT_DATA, TELEMETRY_PEER_DEVICE, &any, &a);
    if (telemetry_device_record_receive(&rec, now_s(), env, &any, NULL, NULL, &err) != 0)
        DIE("hub: Reading: %s", err.message);
    printf("hub: Reading %d from sensor %u in %s\n", (int)any.u.reading.value, (unsigned)any.u.reading.sensor,
           telemetry_protocol.envelopes[env].name);

    telemetry_ack ack;
    telemetry_ack_init(&ack);
    ack.status = TELEMETRY_STATUS_OK;
    ack.has_status = 1;
    ack.count = 1;
    ack.has_count = 1;
    if (telemetry_device_record_send_ack(&rec, now_s(), TELEMETRY_ENVELOPE_HEX_SEALED, &ack, NULL, NULL, &err) != 0)
        DIE("hub: send Ack: %s", err.message);
    if (telemetry_ack_encode(&ack, json, sizeof json, &n, &err) != 0) DIE("hub: encode Ack: %s", err.message);
    send_packet(s, TELEMETRY_PORT_DATA, TELEMETRY_ENVELOPE_HEX_SEALED, json, n);
    printf("hub: done in state %s\n", telemetry_device_record_state_name(&rec));
    return 0;
}

/* ---- the device ------------------------------------------------------------------------- */

static int device_take_link(void *ctx, telemetry_device *m, const telemetry_enrolled *msg,
                            telemetry_envelope env, rp_error *err)
{
    side *s = ctx;
    (void)env;
    int rc = rp_aes_key_set(&s->link, msg->link_key.ptr, msg->link_key.len, err);
    if (rc == 0) s->has_link = 1;
    /* the report timer the transition starts runs for the interval the hub asked for */
    if (rc == 0) rc = telemetry_device_set_timer(m, TELEMETRY_DEVICE_TIMER_REPORT, msg->interval, err);
    return rc;
}

static int device_run(side *s)
{
    telemetry_device dev;
    telemetry_device_init(&dev);
    telemetry_device_handlers h = { 0 };
    h.enrolling_receive_enrolled = device_take_link;
    static telemetry_any any;
    static uint8_t mem[16384];
    static char json[16384];
    rp_arena a;
    rp_error err;
    size_t n = 0;
    framers(s);

    telemetry_reading r;
    telemetry_reading_init(&r);
    r.sensor = TELEMETRY_SENSOR_TEMPERATURE;
    r.has_sensor = 1;
    r.value = -40;
    r.has_value = 1;
    r.at = now_s();
    r.has_at = 1;
    /* the device's own machine will not send a Reading before it is enrolled ... */
    int rc = telemetry_device_send_reading(&dev, now_s(), TELEMETRY_ENVELOPE_READING, &r, NULL, NULL, &err);
    if (rc != RP_E_STATE) DIE("device: a Reading while idle gave %d", rc);
    printf("device: refused: %s\n", err.message);
    /* an Enrolled before any Enrol (the hub sent it around its machine): opened and
     * decoded, then refused by the machine before the handler could take its key */
    rp_arena_init(&a, mem, sizeof mem);
    telemetry_envelope env = recv_message(s, TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_HUB, &any, &a);
    rc = telemetry_device_receive(&dev, now_s(), env, &any, &h, s, &err);
    if (rc != RP_E_STATE || strstr(err.message, "idle") == NULL || strstr(err.message, "Enrolled") == NULL ||
        s->has_link || telemetry_device_current(&dev) != TELEMETRY_DEVICE_STATE_IDLE)
        DIE("device: an Enrolled while idle gave %d: %s", rc, err.message);
    printf("device: refused: %s\n", err.message);

    telemetry_enrol e;
    telemetry_enrol_init(&e);
    e.device = rp_str_from_cstr("dev-7");
    e.has_device = 1;
    e.firmware = 3;
    e.has_firmware = 1;
    if (telemetry_device_send_enrol(&dev, now_s(), TELEMETRY_ENVELOPE_SEALED_TO_HUB, &e, NULL, NULL, &err) != 0)
        DIE("device: send Enrol: %s", err.message);
    if (telemetry_enrol_encode(&e, json, sizeof json, &n, &err) != 0) DIE("device: encode Enrol: %s", err.message);
    send_packet(s, TELEMETRY_PORT_CONTROL, TELEMETRY_ENVELOPE_SEALED_TO_HUB, json, n);

    rp_arena_init(&a, mem, sizeof mem);
    env = recv_message(s, TELEMETRY_PORT_CONTROL, TELEMETRY_PEER_HUB, &any, &a);
    if (telemetry_device_receive(&dev, now_s(), env, &any, &h, s, &err) != 0) DIE("device: Enrolled: %s", err.message);
    uint64_t due = 0;
    if (!telemetry_device_has_key(&dev, TELEMETRY_KEY_LINK) || !telemetry_device_next_deadline(&dev, &due) ||
        due < now_s() + 29 || due > now_s() + 30)
        DIE("device: Enrolled established no link key or no 30 s report timer");
    printf("device: Enrolled in %s -> %s, link key set, next report due in %llu s\n",
           telemetry_protocol.envelopes[env].name, telemetry_device_state_name(&dev),
           (unsigned long long)(due - now_s()));

    r.at = now_s();
    if (telemetry_device_send_reading(&dev, now_s(), TELEMETRY_ENVELOPE_READING, &r, NULL, NULL, &err) != 0)
        DIE("device: send Reading: %s", err.message);
    if (telemetry_reading_encode(&r, json, sizeof json, &n, &err) != 0) DIE("device: encode: %s", err.message);
    send_packet(s, TELEMETRY_PORT_DATA, TELEMETRY_ENVELOPE_READING, json, n);

    rp_arena_init(&a, mem, sizeof mem);
    env = recv_message(s, TELEMETRY_PORT_DATA, TELEMETRY_PEER_HUB, &any, &a);
    if (telemetry_device_receive(&dev, now_s(), env, &any, NULL, NULL, &err) != 0) DIE("device: Ack: %s", err.message);
    printf("device: Ack status %u count %u in %s, state %s\n", (unsigned)any.u.ack.status,
           (unsigned)any.u.ack.count, telemetry_protocol.envelopes[env].name, telemetry_device_state_name(&dev));
    return 0;
}

static int listen_on(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
        DIE("listen failed");
    *port = ntohs(sa.sin_port);
    return fd;
}

static int dial(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) DIE("connect failed");
    return fd;
}

int main(void)
{
    static side hub, device;
    rp_error err;
    if (rp_rsa_key_generate(2048, &hub.hub_key, &err) != 0 || rp_rsa_key_generate(2048, &hub.device_key, &err) != 0)
        DIE("keys: %s", err.message);
    device.hub_key = hub.hub_key;
    device.device_key = hub.device_key;
    hub.who = "hub";
    device.who = "device";
    uint16_t cport, dport;
    int cl = listen_on(&cport), dl = listen_on(&dport);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) DIE("fork failed");
    if (pid == 0) {
        close(cl);
        close(dl);
        device.control_fd = dial(cport);
        device.data_fd = dial(dport);
        int rc = device_run(&device);
        fflush(stdout);
        _exit(rc);
    }
    hub.control_fd = accept(cl, NULL, NULL);
    hub.data_fd = accept(dl, NULL, NULL);
    if (hub.control_fd < 0 || hub.data_fd < 0) DIE("accept failed");
    int rc = hub_run(&hub);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) DIE("device failed");
    rp_rsa_key_free(hub.hub_key);
    rp_rsa_key_free(hub.device_key);
    rp_aes_key_wipe(&hub.link);
    if (rc == 0) printf("telemetry-loopback ok\n");
    return rc;
}
C

for cc in gcc clang; do
    command -v "$cc" >/dev/null 2>&1 || { bad "$cc missing"; continue; }
    (cd "$dir" && "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -I. -o "$tmp/prog-$cc" ./*.c -lcrypto -lz) ||
        { bad "$cc: the vendored directory does not build"; continue; }
    out=$(timeout 60 "$tmp/prog-$cc" 2>&1); st=$?
    [ "$st" -eq 0 ] && echo "$out" | grep -qx 'telemetry-loopback ok' || { bad "$cc (status $st): $out"; continue; }
    [ "$cc" = gcc ] && echo "$out" | sed 's/^/  /'
done
[ "$fail" -eq 0 ] && echo "telemetry-loopback: PASS (gcc and clang)"
exit "$fail"
