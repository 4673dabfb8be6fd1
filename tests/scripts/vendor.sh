#!/usr/bin/env bash
# Vendoring: `rprotoc --vendor DIR SPEC` writes the generated pair and exactly the runtime
# files the spec needs into DIR. Each directory, copied alone to a temporary place (no source
# tree, no flex, bison or rprotoc), builds under gcc and clang with -Wall -Wextra -Wpedantic
# -Werror and links a small program with `cc *.c` plus only the libraries its envelopes need:
#   - orders.rproto (no routes): the codec core only, `cc *.c` with no -lcrypto or -lz;
#   - a routed spec that is not residue (RSA envelopes): core, framing, envelopes, crypto;
#   - spec/residue.rproto: core, framing, envelopes, crypto, zlib, and for its session
#     machines the session engine and residue_machines.[ch] — never the residue layer, which
#     `make vendor` adds explicitly (--vendor-with residue);
#   - tests/specs/valid/telemetry.rproto (machines, not residue): its codec and machines pairs
#     with the session engine, compiled and linked with -Wall -Wextra -Wpedantic -Werror, and
#     a program that drives its Device machine; specs without machines get neither the session
#     engine nor a machines pair.
# Neither the generated code of a non-residue spec nor the runtime files it pulls in mention
# residue. -M with --vendor lists every file written.
set -u
build=${1:-build}
root=$(pwd)
rprotoc=$root/$build/rprotoc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "vendor: $*" >&2; fail=1; }
STRICT="-std=c11 -Wall -Wextra -Wpedantic -Werror"
CORE_SIZE="rp_arena.c rp_arena.h rp_codec.c rp_codec.h rp_codec_internal.h rp_error.c rp_error.h rp_json.h
      rp_json_internal.h rp_json_number.c rp_json_number.h rp_json_path.c
      rp_json_scan.c rp_json_text.c rp_json_write.c rp_schema.c rp_schema.h rp_schema_internal.h
      rp_schema_decode.c rp_schema_encode.c rp_schema_classify.c" # what --optimize size needs
CORE="$CORE_SIZE rp_schema_fast.c rp_lane.c rp_lane.h rp_lane_write.c rp_lane_write.h" # + the lanes of speed

# vendor NAME SPEC [ARGS...]: rprotoc --vendor $tmp/NAME SPEC ARGS, with -MF $tmp/NAME.d
vendor() {
    local name=$1 spec=$2; shift 2
    "$rprotoc" --vendor "$tmp/$name" "$spec" -MF "$tmp/$name.d" "$@" || { bad "rprotoc --vendor failed on $spec"; return 1; }
    # -M lists exactly the files written
    sed -e 's/:.*//' -e 's/\\$//' "$tmp/$name.d" | tr ' ' '\n' | sed '/^$/d' | sed "s|^$tmp/$name/||" | sort > "$tmp/$name.deps"
    ls "$tmp/$name" | sort > "$tmp/$name.ls"
    cmp -s "$tmp/$name.deps" "$tmp/$name.ls" || { bad "$name: -MF targets differ from the files written:"; diff "$tmp/$name.deps" "$tmp/$name.ls" >&2; }
    grep -q "$spec" "$tmp/$name.d" || bad "$name: -MF does not name the spec"
    # every runtime file is a byte copy
    for f in "$tmp/$name"/rp_* "$tmp/$name"/residue_*; do
        [ -e "$f" ] || continue
        case "$(basename "$f")" in *_transport.[ch]|*_machines.[ch]) continue ;; esac # generated, not runtime
        src=$(ls runtime/*/"$(basename "$f")" 2>/dev/null | head -1)
        cmp -s "$f" "$src" || bad "$name: $(basename "$f") is not a byte copy of $src"
    done
}

# expect_files NAME WORDS...: the runtime files vendored into NAME are exactly WORDS
expect_files() {
    local name=$1; shift
    printf '%s\n' $* | sort > "$tmp/$name.want"
    ls "$tmp/$name" | grep -E '^(rp_|residue_)' | grep -vE '_(transport|machines)\.[ch]$' | sort > "$tmp/$name.got"
    cmp -s "$tmp/$name.want" "$tmp/$name.got" || { bad "$name: vendored runtime files differ from the expected set (< expected, > got):"; diff "$tmp/$name.want" "$tmp/$name.got" >&2; }
}

# build_alone NAME MAIN LIBS: copies the directory alone, adds MAIN as main.c, builds it
# under gcc and clang (-Werror), and with gcc -O3 too (its flow warnings such as
# -Wmaybe-uninitialized appear only when optimising; users build vendored code at any level),
# links with `cc *.c LIBS` and runs the program
build_alone() {
    local name=$1 main=$2 libs=$3 out
    rm -rf "$tmp/alone"; mkdir -p "$tmp/alone/app"
    cp "$tmp/$name"/* "$tmp/alone/app/"
    cp "$main" "$tmp/alone/app/main.c"
    local compiler
    for compiler in gcc clang "gcc -O3"; do
        if ! out=$(cd "$tmp/alone/app" && $compiler $STRICT -c *.c 2>&1); then
            bad "$name: '$compiler $STRICT -c *.c' failed in the vendored directory:"; echo "$out" | head -20 >&2
        fi
        rm -f "$tmp/alone/app"/*.o
    done
    if ! out=$(cd "$tmp/alone/app" && cc *.c $libs -o ../prog 2>&1); then
        bad "$name: 'cc *.c $libs' failed in the vendored directory:"; echo "$out" | head -20 >&2; return
    fi
    (cd "$tmp/alone" && ./prog) > "$tmp/$name.run" || bad "$name: the vendored program failed: $(cat "$tmp/$name.run")"
}

# no_residue NAME: neither the generated pair nor the runtime files mention residue. In the
# runtime files the code is checked strictly; comments that still name residue are reported
# as a note (the generic runtime's texts are being made protocol-neutral by issue 11).
no_residue() {
    local name=$1 f
    for f in "$tmp/$name"/*; do
        case $(basename "$f") in
        rp_*)
            gcc -fpreprocessed -dD -E -P "$f" 2>/dev/null | grep -qi residue && bad "$name: the code of $(basename "$f") mentions residue"
            grep -qi residue "$f" && echo "vendor: note: a comment of $(basename "$f") still mentions residue"
            ;;
        residue_*) bad "$name: vendored $(basename "$f") (the residue layer)" ;;
        *) grep -qi residue "$f" && bad "$name: the generated $(basename "$f") mentions residue" ;;
        esac
    done
}

# zlib_justified NAME USES_ZLIB: rp_zlib is vendored only when the spec's envelopes use zlib,
# or while the envelope engine itself still includes rp_zlib.h (before its split in layers)
zlib_justified() {
    local name=$1 uses=$2
    [ -e "$tmp/$name/rp_zlib.c" ] || { [ "$uses" = no ] || bad "$name: uses zlib but rp_zlib.c is missing"; return; }
    [ "$uses" = yes ] && return
    if grep -q '#include "rp_zlib.h"' "$tmp/$name"/rp_envelope.h "$tmp/$name"/rp_layer.h 2>/dev/null; then
        echo "vendor: note: $name gets rp_zlib only because the envelope engine includes rp_zlib.h"
    else
        bad "$name: rp_zlib vendored though no envelope uses zlib"
    fi
}

# ---- 1. a spec without routes: the codec core only, plain `cc *.c` ---------------------------
vendor orders tests/specs/valid/orders.rproto
expect_files orders $CORE
cat > "$tmp/orders-main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "orders.h"

int main(void)
{
    const char *json = "{\"sku\":\"A-1\",\"qty\":3,\"price\":{\"minor\":-5,\"currency\":\"EUR\"}}";
    static uint8_t mem[512];
    rp_arena arena;
    rp_arena_init(&arena, mem, sizeof mem);
    orders_line line;
    rp_error err;
    if (orders_line_decode(json, strlen(json), &line, &arena, NULL, &err) != 0)
        return 1;
    char out[ORDERS_LINE_MAX_SIZE + 1];
    size_t n;
    if (orders_line_encode(&line, out, sizeof out, &n, &err) != 0 || strcmp(out, json) != 0)
        return 1;
    printf("orders ok: %s x%u\n", line.sku.ptr, (unsigned)line.quantity);
    return 0;
}
C
build_alone orders "$tmp/orders-main.c" ""
grep -qx 'orders ok: A-1 x3' "$tmp/orders.run" 2>/dev/null || bad "orders: program printed '$(cat "$tmp/orders.run" 2>/dev/null)'"
no_residue orders
# --optimize size: the walks alone, so neither the lanes nor rp_schema_fast.c is vendored,
# and the same program builds and gives the same text.
vendor orders-small tests/specs/valid/orders.rproto --optimize size
expect_files orders-small $CORE_SIZE
build_alone orders-small "$tmp/orders-main.c" ""
grep -qx 'orders ok: A-1 x3' "$tmp/orders-small.run" 2>/dev/null || bad "orders-small: program printed '$(cat "$tmp/orders-small.run" 2>/dev/null)'"

# A spec with float64, string enum and map fields gets their kinds (and the double <-> text
# code) too; the others above do not.
cat > "$tmp/kinds.rproto" <<'SPEC'
protocol kinds;
enum Color : string { RED = "red"; DARK_BLUE = "dark-blue"; }
message Paint { required Color color = "c"; required float64 x = "x" [range -10..10];
                optional map<string, uint8> tags = "t" [count ..2]; }
SPEC
cat > "$tmp/kinds-main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "kinds.h"

int main(void)
{
    const char *json = "{\"c\":\"dark-blue\",\"x\":-2.5,\"t\":{\"a\":1}}";
    static uint8_t mem[256];
    rp_arena arena;
    rp_arena_init(&arena, mem, sizeof mem);
    kinds_paint p;
    rp_error err;
    if (kinds_paint_decode(json, strlen(json), &p, &arena, NULL, &err) != 0)
        return 1;
    char out[256]; /* no KINDS_PAINT_MAX_SIZE: the map keys are unbounded */
    size_t n;
    if (kinds_paint_encode(&p, out, sizeof out, &n, &err) != 0 || strcmp(out, json) != 0)
        return 1;
    double x = p.x;
    if (kinds_paint_decode("{\"c\":\"blue\",\"x\":1}", 20, &p, &arena, NULL, &err) != RP_E_SCHEMA_RANGE)
        return 1;
    printf("kinds ok: %g %s\n", x, err.message);
    return 0;
}
C
for opt in speed size; do
    vendor kinds-$opt "$tmp/kinds.rproto" --optimize $opt
    want="rp_schema_float.c rp_json_float.c rp_json_float.h rp_schema_strenum.c rp_schema_map.c"
    if [ $opt = speed ]; then want="$CORE $want"; else want="$CORE_SIZE $want"; fi
    expect_files kinds-$opt $want
    build_alone kinds-$opt "$tmp/kinds-main.c" ""
    grep -q '^kinds ok: -2.5 expected' "$tmp/kinds-$opt.run" 2>/dev/null || bad "kinds-$opt: program printed '$(cat "$tmp/kinds-$opt.run" 2>/dev/null)'"
done

# ---- 1b. ports but no route: the transport header still needs the envelope engine's types --
cat > "$tmp/portonly.rproto" <<'SPEC'
protocol portonly;
peers a, b;
port p { framing = delimiter("\n"); max_packet = 100; }
envelope plain = json;
message M { required uint8 x = "x"; }
SPEC
vendor portonly "$tmp/portonly.rproto"
cat > "$tmp/portonly-main.c" <<'C'
#include <stdio.h>
#include "portonly_transport.h"
int main(void)
{
    printf("portonly ok: %zu port\n", portonly_protocol.port_count);
    return 0;
}
C
build_alone portonly "$tmp/portonly-main.c" ""
grep -q '^portonly ok: 1 port' "$tmp/portonly.run" 2>/dev/null || bad "portonly: program printed '$(cat "$tmp/portonly.run" 2>/dev/null)'"

# ---- 2. a routed spec that is not residue: + framing, envelopes, crypto --------------------
cat > "$tmp/telemetry.rproto" <<'SPEC'
/// A device-telemetry handshake: the device says hello in RSA to the collector.
protocol telemetry;
peers device, collector;
port connect { framing = length(uint16, big_endian); max_packet = 4096; }
key collector_key = rsa(collector);
envelope sealed = base64(rsa(collector_key, json));
enum Kind : uint8 { HELLO = 1; READING = 2; }
message Hello on connect device -> collector in sealed {
  required Kind   kind   = "k" [const HELLO];
  required string device = "d" [len 1..32];
}
message Reading on connect device -> collector in sealed {
  required Kind   kind  = "k" [const READING];
  required int32  value = "v";
}
SPEC
vendor telemetry "$tmp/telemetry.rproto"
# the envelope engine and exactly the layers telemetry's envelopes name (json, base64, rsa)
want="$CORE rp_frame.c rp_frame.h rp_clock.c rp_clock.h rp_envelope.c rp_envelope.h rp_crypto.c rp_crypto.h rp_pem.c rp_pem.h"
want="$want rp_layer.h rp_layer_json.c rp_layer_base64.c rp_layer_rsa.c"
[ -e "$tmp/telemetry/rp_zlib.c" ] && want="$want rp_zlib.c rp_zlib.h"
expect_files telemetry $want
zlib_justified telemetry no
cat > "$tmp/telemetry-main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "telemetry.h"
#include "rp_crypto.h"

int main(void)
{
    const char *json = "{\"k\":2,\"v\":-40}";
    static uint8_t mem[256];
    rp_arena arena;
    rp_arena_init(&arena, mem, sizeof mem);
    telemetry_any any;
    rp_error err;
    if (telemetry_decode_any(json, strlen(json), TELEMETRY_PORT_CONNECT, TELEMETRY_PEER_DEVICE, &any,
                             &arena, NULL, &err) != 0 || any.id != TELEMETRY_MSG_READING)
        return 1;
    uint8_t key[16];
    if (rp_random_bytes(key, sizeof key, &err) != 0)
        return 1;
    printf("telemetry ok: %s %d\n", telemetry_message_name(any.id), (int)any.u.reading.value);
    return 0;
}
C
libs="-lcrypto"; [ -e "$tmp/telemetry/rp_zlib.c" ] && libs="$libs -lz"
build_alone telemetry "$tmp/telemetry-main.c" "$libs"
grep -qx 'telemetry ok: Reading -40' "$tmp/telemetry.run" 2>/dev/null || bad "telemetry: program printed '$(cat "$tmp/telemetry.run" 2>/dev/null)'"
no_residue telemetry

# ---- 3. residue: + zlib, still no residue layer ----------------------------------------------
vendor residue spec/residue.rproto
want="$CORE rp_frame.c rp_frame.h rp_clock.c rp_clock.h rp_envelope.c rp_envelope.h rp_crypto.c rp_crypto.h rp_pem.c rp_pem.h rp_zlib.c rp_zlib.h"
want="$want rp_layer.h rp_layer_json.c rp_layer_base64.c rp_layer_hex.c rp_layer_join.c rp_layer_zlib.c"
want="$want rp_layer_rsa.c rp_layer_aes.c rp_machine.c rp_machine.h"
expect_files residue $want
zlib_justified residue yes
for f in residue.h residue.c residue_transport.h residue_transport.c residue_machines.h residue_machines.c; do
    cmp -s "generated/$f" "$tmp/residue/$f" || bad "$f differs from generated/$f"
done
[ -e "$tmp/orders/orders_transport.h" ] && bad "orders (no ports) got transport tables"
cp ../shared/vectors/A-unknown-plain/04-established.s2c.plain.json "$tmp/est.json"
cat > "$tmp/residue-main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "residue.h"
#include "rp_crypto.h"

int main(void)
{
    static char text[4096];
    static uint8_t mem[4096];
    FILE *f = fopen("../est.json", "rb");
    if (f == NULL)
        return 2;
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    rp_arena arena;
    rp_arena_init(&arena, mem, sizeof mem);
    residue_any any;
    rp_error err;
    if (residue_decode_any(text, n, RESIDUE_PORT_CONNECT, RESIDUE_PEER_SERVER, &any, &arena,
                           &residue_profile_wire, &err) != 0 || any.id != RESIDUE_MSG_ESTABLISHED) {
        char line[256];
        rp_error_format(&err, line, sizeof line);
        fprintf(stderr, "decode: %s\n", line);
        return 1;
    }
    char out[RESIDUE_ESTABLISHED_MAX_SIZE + 1];
    size_t len;
    if (residue_established_encode(&any.u.established, out, sizeof out, &len, &err) != 0 ||
        len != n || memcmp(out, text, n) != 0)
        return 1;
    uint8_t key[32];
    if (rp_random_bytes(key, sizeof key, &err) != 0)
        return 1;
    printf("vendored build ok: %s, flags %u, port %u\n", residue_message_name(any.id),
           (unsigned)any.u.established.flags, (unsigned)any.u.established.logging_port);
    return 0;
}
C
build_alone residue "$tmp/residue-main.c" "-lcrypto -lz"
grep -q '^vendored build ok: Established' "$tmp/residue.run" 2>/dev/null || bad "residue: program printed '$(cat "$tmp/residue.run" 2>/dev/null)'"

# ---- 3b. a spec with machines that is not residue: + the session engine and its machines pair --
vendor telemetry-machines tests/specs/valid/telemetry.rproto
want="$CORE rp_frame.c rp_frame.h rp_clock.c rp_clock.h rp_envelope.c rp_envelope.h rp_crypto.c rp_crypto.h rp_pem.c rp_pem.h rp_zlib.c rp_zlib.h"
want="$want rp_layer.h rp_layer_json.c rp_layer_base64.c rp_layer_hex.c rp_layer_join.c rp_layer_zlib.c"
want="$want rp_layer_rsa.c rp_layer_aes.c rp_machine.c rp_machine.h"
expect_files telemetry-machines $want
for f in telemetry.h telemetry.c telemetry_machines.h telemetry_machines.c; do
    [ -e "$tmp/telemetry-machines/$f" ] || bad "telemetry-machines: $f not written"
done
# what has no machines gets no session engine and no machines pair
for name in orders telemetry; do
    ls "$tmp/$name" | grep -qE '^rp_machine|_machines\.' && bad "$name (no machines) got $(ls "$tmp/$name" | grep -E '^rp_machine|_machines\.' | tr '\n' ' ')"
done
cat > "$tmp/machines-main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "telemetry_machines.h"

/* The device's side: enrol, get the link key, then readings may go out. */
int main(void)
{
    telemetry_device dev;
    telemetry_device_init(&dev);
    rp_error err;
    if (telemetry_device_has_key(&dev, TELEMETRY_KEY_LINK))
        return 1;
    telemetry_reading reading;
    telemetry_reading_init(&reading);
    if (telemetry_device_send_reading(&dev, 10, TELEMETRY_ENVELOPE_READING, &reading, NULL, NULL, &err) !=
        RP_E_STATE)
        return 2; /* not enrolled yet: refused */
    telemetry_enrol enrol;
    telemetry_enrol_init(&enrol);
    if (telemetry_device_send_enrol(&dev, 11, TELEMETRY_ENVELOPE_SEALED_TO_HUB, &enrol, NULL, NULL, &err) != 0)
        return 3;
    telemetry_any any;
    memset(&any, 0, sizeof any);
    any.id = TELEMETRY_MSG_ENROLLED;
    telemetry_enrolled_init(&any.u.enrolled);
    if (telemetry_device_set_timer(&dev, TELEMETRY_DEVICE_TIMER_REPORT, 60, &err) != 0 ||
        telemetry_device_receive(&dev, 12, TELEMETRY_ENVELOPE_SEALED_TO_DEVICE, &any, NULL, NULL, &err) != 0)
        return 4;
    uint64_t at = 0;
    if (!telemetry_device_has_key(&dev, TELEMETRY_KEY_LINK) || !telemetry_device_next_deadline(&dev, &at) ||
        at != 72 || telemetry_device_current(&dev) != TELEMETRY_DEVICE_STATE_REPORTING)
        return 5;
    if (telemetry_device_send_reading(&dev, 13, TELEMETRY_ENVELOPE_READING, &reading, NULL, NULL, &err) != 0)
        return 6;
    printf("machines ok: %s, report due at %u\n", telemetry_device_state_name(&dev), (unsigned)at);
    return 0;
}
C
rm -rf "$tmp/alone"; mkdir -p "$tmp/alone/app"
cp "$tmp/telemetry-machines"/* "$tmp/alone/app/"
cp "$tmp/machines-main.c" "$tmp/alone/app/main.c"
for cc in gcc clang; do
    if ! out=$(cd "$tmp/alone/app" && $cc $STRICT *.c -lcrypto -lz -o ../prog 2>&1); then
        bad "telemetry-machines: '$cc $STRICT *.c -lcrypto -lz' failed in the vendored directory:"; echo "$out" | head -20 >&2
    elif ! (cd "$tmp/alone" && ./prog) > "$tmp/telemetry-machines.run"; then
        bad "telemetry-machines ($cc): the vendored program failed (exit $?)"
    fi
done
grep -qx 'machines ok: reporting, report due at 72' "$tmp/telemetry-machines.run" 2>/dev/null ||
    bad "telemetry-machines: program printed '$(cat "$tmp/telemetry-machines.run" 2>/dev/null)'"
no_residue telemetry-machines

# ---- 3b. aes without a join: rp_layer_aes.c must not need rp_layer_join.c ---------------------
cat > "$tmp/an.rproto" <<'SPEC'
protocol an;
peers a, b;
port p { framing = length(uint32, big_endian); max_packet = 4096; }
port q { framing = delimiter("\n"); max_packet = 4096; }
key k = aes(128);
envelope sealed = aes(k, json);
envelope hexed = hex(aes(k, json));
message M
  on p a -> b in sealed
  on q a -> b in hexed
{
  required uint8 t = "t" [const 1];
}
SPEC
vendor an "$tmp/an.rproto"
[ -e "$tmp/an/rp_layer_join.c" ] && bad "an (no join) got rp_layer_join.c"
cat > "$tmp/an-main.c" <<'C'
#include <stdio.h>
#include "an.h"
#include "an_transport.h"

/* aes of 10 bytes: one block and the IV before it (no join to carry the IV), and the NUL */
int main(void)
{
    printf("an ok: %zu %zu\n", rp_envelope_sealed_max(&an_protocol, AN_ENVELOPE_SEALED, 10, 0),
           rp_envelope_sealed_max(&an_protocol, AN_ENVELOPE_HEXED, 10, 0));
    return 0;
}
C
build_alone an "$tmp/an-main.c" "-lcrypto"
grep -qx 'an ok: 33 65' "$tmp/an.run" 2>/dev/null || bad "an: program printed '$(cat "$tmp/an.run" 2>/dev/null)'"

# ---- 3c. two specs in one program: vendored into one directory ------------------------------
# The directory holds the union of the runtime files both need, once; `cc *.c` builds both
# codecs (orders with --optimize size, kinds with speed: the lanes' files come with kinds).
# Two vendored directories compiled together would define the runtime twice.
"$rprotoc" --vendor "$tmp/two" tests/specs/valid/orders.rproto --optimize size &&
    "$rprotoc" --vendor "$tmp/two" "$tmp/kinds.rproto" || bad "two specs into one directory: rprotoc failed"
for f in $CORE orders.c kinds.c rp_schema_map.c rp_schema_float.c; do
    [ -e "$tmp/two/$f" ] || bad "two specs in one directory: $f missing"
done
sed 's/int main(void)/static int orders_main(void)/' "$tmp/orders-main.c" > "$tmp/two-main.c"
sed -e 's/int main(void)/static int kinds_main(void)/' -e '/#include <st/d' "$tmp/kinds-main.c" >> "$tmp/two-main.c"
printf 'int main(void) { return orders_main() || kinds_main(); }\n' >> "$tmp/two-main.c"
build_alone two "$tmp/two-main.c" ""
[ "$(grep -c ' ok: ' "$tmp/two.run" 2>/dev/null)" = 2 ] || bad "two specs: program printed '$(cat "$tmp/two.run" 2>/dev/null)'"

# ---- 4. make vendor: the residue layer, asked for explicitly ---------------------------------
vendor residue-layer spec/residue.rproto --vendor-with residue
for f in runtime/residue/*; do
    [ -e "$tmp/residue-layer/$(basename "$f")" ] || bad "--vendor-with residue lacks $(basename "$f")"
done
[ -e "$tmp/residue-layer/rp_clock.c" ] || bad "--vendor-with residue lacks rp_clock.c (the sessions need it)"
# (the envelope engine takes its RNG type from rp_clock.h, so residue alone has rp_clock too;
# a spec without routes must not)
[ -e "$tmp/orders/rp_clock.c" ] && bad "orders (no routes) got rp_clock.c"
mkdir -p "$tmp/layer-objs"
(cd "$tmp/layer-objs" && gcc $STRICT -I"$tmp/residue-layer" -c "$tmp/residue-layer"/*.c &&
    gcc -O3 $STRICT -I"$tmp/residue-layer" -c "$tmp/residue-layer"/*.c &&
    clang $STRICT -I"$tmp/residue-layer" -c "$tmp/residue-layer"/*.c) ||
    bad "--vendor-with residue does not compile"
if ! make --no-print-directory -s vendor BUILD="$build" VENDOR_DIR="$tmp/mk" > "$tmp/mk.out" 2>&1; then
    bad "make vendor failed: $(tail -n 3 "$tmp/mk.out")"
elif ! diff -r "$tmp/residue-layer" "$tmp/mk" > "$tmp/mk.diff" 2>&1; then
    bad "make vendor differs from rprotoc --vendor --vendor-with residue: $(head -n 5 "$tmp/mk.diff")"
fi
"$rprotoc" --vendor "$tmp/x" spec/residue.rproto --vendor-with nosuchlayer 2>/dev/null
[ $? -eq 2 ] || bad "--vendor-with an unknown layer is not a usage error"
# the residue layer for another protocol's spec would never build: refused, naming what is missing
"$rprotoc" --vendor "$tmp/wrong-layer" tests/specs/valid/orders.rproto --vendor-with residue 2>"$tmp/wrong-layer.err"
[ $? -eq 2 ] && grep -q "the 'residue' layer includes .*'residue.h'.*which this spec's generated code does not provide" "$tmp/wrong-layer.err" ||
    bad "--vendor-with residue for orders: $(cat "$tmp/wrong-layer.err")"

[ "$fail" -eq 0 ] && echo "vendor: orders $(ls "$tmp/orders" | wc -l) files (cc *.c, no libraries), telemetry $(ls "$tmp/telemetry" | wc -l), residue $(ls "$tmp/residue" | wc -l), telemetry with machines $(ls "$tmp/telemetry-machines" | wc -l), + residue layer $(ls "$tmp/residue-layer" | wc -l); each built with gcc, gcc -O3 and clang -Werror and ran"
exit $fail
