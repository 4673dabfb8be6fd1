#!/usr/bin/env bash
# Generated code compiles clean with the strictest warning set under gcc and clang, and its
# headers compile clean as C++ (g++, and clang++ when installed) — for the residue pairs and
# the all-constructs and orders (no routes) golden pairs, the transport tables
# (<p>_transport.c) of the two specs with ports, and for the telemetry pairs and a small
# edge-case spec generated here: codecs and session machines (<p>_machines.[ch]). A codec
# pair compiles without runtime/session on the include path. The sources use C99
# designated initializers, so they are C; C++ programs include the headers (extern "C") and
# link the C objects.
set -u
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CFLAGS_STRICT="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror"
CXXFLAGS_STRICT="-std=c++17 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror"
RT_CODEC="-Iruntime/core -Iruntime/crypto -Iruntime/zlib -Iruntime/frame -Iruntime/envelope"
RT_I="$RT_CODEC -Iruntime/session"
fail=0
checked=0
mkdir -p "$tmp/telemetry" "$tmp/edge"
"$build/rprotoc" tests/specs/valid/telemetry.rproto -o "$tmp/telemetry" || { echo "generated-compile: rprotoc failed on telemetry.rproto" >&2; exit 1; }
# Machine shapes the specs above do not have: the most timers a machine may hold, a peer that
# receives nothing, a spec without keys, one message twice in one state (by envelope).
cat > "$tmp/edge/edge.rproto" <<'SPEC'
protocol edge;
peers a, b;
port c { framing = delimiter("\n"); max_packet = 100; }
envelope plain = json;
envelope hexed = hex(json);
message M on c a -> b in plain | hexed { required uint8 x = "x"; }
machine Sender for a {
  timer t0; timer t1; timer t2; timer t3; timer t4; timer t5; timer t6; timer t7;
  state s [initial] {
    send M -> s [start(t0), start(t1), start(t2), start(t3), start(t4), start(t5), start(t6), start(t7)];
    timer t0 -> s; timer t1 -> s; timer t2 -> s; timer t3 -> s;
    timer t4 -> s; timer t5 -> s; timer t6 -> s; timer t7 -> s;
  }
}
machine Receiver for b {
  state open [initial] {
    receive M in plain -> open;
    receive M in hexed -> closed [error];
  }
  state closed [final] { }
}
SPEC
"$build/rprotoc" "$tmp/edge/edge.rproto" -o "$tmp/edge" || { echo "generated-compile: rprotoc failed on the edge spec" >&2; exit 1; }
# In C++ a member of <p>_any.u named like a type hides it: pv_value (message PvValue's member)
# beside pv_value (message Value's type).
mkdir -p "$tmp/pv"
cat > "$tmp/pv/pv.rproto" <<'SPEC'
protocol pv;
peers a, b;
port q { framing = delimiter("\n"); max_packet = 100; }
envelope e = json;
message PvValue on q a -> b in e { required uint8 t = "t" [const 1]; }
message Value on q a -> b in e { required uint8 t = "t" [const 2]; }
SPEC
"$build/rprotoc" "$tmp/pv/pv.rproto" -o "$tmp/pv" || { echo "generated-compile: rprotoc failed on the pv spec" >&2; exit 1; }
# Spec text copied into comments cannot end them, nor reorder the line: a raw RLO (U+202E)
# and a right-to-left isolate in docs, an escaped one in a wire key and a default, comment
# ends and starts, a trigraph (gcc's -Wbidi-chars, on by default, fails a build on a raw
# bidirectional character, -Wall on ??/ at a comment line's end).
mkdir -p "$tmp/txt"
rlo=$(printf '\xe2\x80\xae'); rli=$(printf '\xe2\x81\xa7')
cat > "$tmp/txt/txt.rproto" <<SPEC
protocol txt;
/// A doc with a raw RLO $rlo here, an isolate $rli, and */ int evil; /* too, and a trigraph??/
/// that would splice this line into the one above in ISO C modes.
message Note {
  /// field doc $rlo */ x
  required string a = "*/ int evil2; /*" [len ..8];
  optional string c = "x\u202Ey" [len ..16, default "a\u2067b*/"];
}
SPEC
"$build/rprotoc" "$tmp/txt/txt.rproto" -o "$tmp/txt" || { echo "generated-compile: rprotoc failed on the txt spec" >&2; exit 1; }
if grep -q -e "$rlo" -e "$rli" "$tmp/txt/txt.h" "$tmp/txt/txt.c"; then
    echo "generated-compile: a raw bidirectional control character reached the generated C" >&2; fail=1
fi
for cc in gcc clang; do
    if ! command -v "$cc" >/dev/null; then echo "generated-compile: $cc not installed" >&2; fail=1; continue; fi
    # codecs: without runtime/session (a codec-only program never needs it)
    for src in generated/residue.c generated/residue_transport.c tests/golden/emit/every.c \
               tests/golden/emit/every_transport.c tests/golden/emit/orders.c \
               "$tmp/telemetry/telemetry.c" "$tmp/edge/edge.c" "$tmp/txt/txt.c"; do
        if $cc $CFLAGS_STRICT $RT_CODEC -I"$(dirname "$src")" -c "$src" -o "$tmp/x.o"; then
            checked=$((checked + 1))
        else
            echo "generated-compile: $cc rejects $src" >&2; fail=1
        fi
    done
    for src in generated/residue_machines.c tests/golden/emit/every_machines.c \
               "$tmp/telemetry/telemetry_machines.c" "$tmp/edge/edge_machines.c"; do
        if $cc $CFLAGS_STRICT $RT_I -I"$(dirname "$src")" -c "$src" -o "$tmp/x.o"; then
            checked=$((checked + 1))
        else
            echo "generated-compile: $cc rejects $src" >&2; fail=1
        fi
    done
done
cat > "$tmp/use.cpp" <<'CPP'
#include "residue.h"
#include "residue_transport.h"
#include "residue_machines.h"
#include "every.h"
#include "every_transport.h"
#include "every_machines.h"
#include "orders.h"
#include "telemetry_machines.h"
#include "edge_machines.h"
#include "pv.h"
#include "txt.h"
int main()
{
    pv_any pv;
    pv.u.value.t = 2;
    pv.u.pv_value.t = 1;
    if (pv.u.pv_value.t != 1)
        return 1;
    orders_order o;
    orders_order_init(&o);
    if (o.priority != 2 || o.has_priority)
        return 1;
    residue_connect c;
    residue_connect_init(&c);
    every_request r;
    every_request_init(&r);
    residue_any any;
    any.id = RESIDUE_MSG_NONE;
    if (residue_protocol.port_count != 2 || every_protocol.envelope_count == 0)
        return 1;
    residue_client_session session;
    residue_client_session_init(&session);
    telemetry_device device;
    telemetry_device_init(&device);
    edge_receiver receiver;
    edge_receiver_init(&receiver);
    every_hub_side hub;
    every_hub_side_init(&hub);
    if (residue_client_session_current(&session) != RESIDUE_CLIENT_SESSION_STATE_DISCONNECTED ||
        telemetry_device_current(&device) != TELEMETRY_DEVICE_STATE_IDLE ||
        edge_receiver_current(&receiver) != EDGE_RECEIVER_STATE_OPEN ||
        every_hub_side_current(&hub) != EVERY_HUB_SIDE_STATE_SERVING)
        return 1;
    return static_cast<int>(c.type) + static_cast<int>(r.kind) + static_cast<int>(any.id) - 2;
}
CPP
for cxx in g++ clang++; do
    if ! command -v "$cxx" >/dev/null; then
        [ "$cxx" = g++ ] && { echo "generated-compile: g++ not installed" >&2; fail=1; }
        [ "$cxx" = clang++ ] && echo "generated-compile: clang++ not installed, C++ checked with g++ only"
        continue
    fi
    if $cxx $CXXFLAGS_STRICT $RT_I -Igenerated -Itests/golden/emit -I"$tmp/telemetry" -I"$tmp/edge" -I"$tmp/pv" -I"$tmp/txt" -c "$tmp/use.cpp" -o "$tmp/use.o"; then
        checked=$((checked + 1))
    else
        echo "generated-compile: $cxx rejects the generated headers" >&2; fail=1
    fi
done
# The C++ program links against the C objects and runs.
if command -v g++ >/dev/null && [ "$fail" -eq 0 ]; then
    objs=""
    for src in tests/golden/emit/every.c tests/golden/emit/every_transport.c \
               tests/golden/emit/every_machines.c tests/golden/emit/orders.c \
               "$tmp/telemetry/telemetry.c" "$tmp/telemetry/telemetry_machines.c" \
               "$tmp/edge/edge.c" "$tmp/edge/edge_machines.c"; do
        o="$tmp/$(basename "$src" .c).o"
        gcc $CFLAGS_STRICT $RT_I -I"$(dirname "$src")" -c "$src" -o "$o" || { fail=1; break; }
        objs="$objs $o"
    done
    [ "$fail" -eq 0 ] && g++ -o "$tmp/use" "$tmp/use.o" $objs "$build/libresidue.a" "$build/librproto.a" -lcrypto -lz &&
    "$tmp/use" || { echo "generated-compile: C++ program failed to link or run" >&2; fail=1; }
fi
[ "$fail" -eq 0 ] && echo "generated-compile: $checked strict compilations clean (gcc, clang, C++)"
exit $fail
