#!/usr/bin/env bash
# Generated code compiles clean with the strictest warning set under gcc and clang, and its
# headers compile clean as C++ (g++, and clang++ when installed) — for the residue pair and
# for the all-constructs and orders (no routes) golden pairs, and the transport tables
# (<p>_transport.c) of the two specs with ports. The sources use C99 designated initializers, so they
# are C; C++ programs include the headers (extern "C") and link the C objects.
set -u
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CFLAGS_STRICT="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror"
CXXFLAGS_STRICT="-std=c++17 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror"
fail=0
checked=0
for cc in gcc clang; do
    if ! command -v "$cc" >/dev/null; then echo "generated-compile: $cc not installed" >&2; fail=1; continue; fi
    for src in generated/residue.c generated/residue_transport.c tests/golden/emit/every.c \
               tests/golden/emit/every_transport.c tests/golden/emit/orders.c; do
        if $cc $CFLAGS_STRICT -Iruntime/core -Iruntime/crypto -Iruntime/zlib -Iruntime/frame -Iruntime/envelope -I"$(dirname "$src")" -c "$src" -o "$tmp/x.o"; then
            checked=$((checked + 1))
        else
            echo "generated-compile: $cc rejects $src" >&2; fail=1
        fi
    done
done
cat > "$tmp/use.cpp" <<'CPP'
#include "residue.h"
#include "residue_transport.h"
#include "every.h"
#include "every_transport.h"
#include "orders.h"
int main()
{
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
    return static_cast<int>(c.type) + static_cast<int>(r.kind) + static_cast<int>(any.id) - 2;
}
CPP
for cxx in g++ clang++; do
    if ! command -v "$cxx" >/dev/null; then
        [ "$cxx" = g++ ] && { echo "generated-compile: g++ not installed" >&2; fail=1; }
        [ "$cxx" = clang++ ] && echo "generated-compile: clang++ not installed, C++ checked with g++ only"
        continue
    fi
    if $cxx $CXXFLAGS_STRICT -Iruntime/core -Iruntime/crypto -Iruntime/zlib -Iruntime/frame -Iruntime/envelope -Igenerated -Itests/golden/emit -c "$tmp/use.cpp" -o "$tmp/use.o"; then
        checked=$((checked + 1))
    else
        echo "generated-compile: $cxx rejects the generated headers" >&2; fail=1
    fi
done
# The C++ program links against the C objects and runs.
if command -v g++ >/dev/null && [ "$fail" -eq 0 ]; then
    gcc $CFLAGS_STRICT -Iruntime/core -Iruntime/crypto -Iruntime/zlib -Iruntime/frame -Iruntime/envelope -Itests/golden/emit -c tests/golden/emit/every.c -o "$tmp/every.o" &&
    gcc $CFLAGS_STRICT -Iruntime/core -Iruntime/crypto -Iruntime/zlib -Iruntime/frame -Iruntime/envelope -Itests/golden/emit -c tests/golden/emit/every_transport.c -o "$tmp/every_transport.o" &&
    gcc $CFLAGS_STRICT -Iruntime/core -Itests/golden/emit -c tests/golden/emit/orders.c -o "$tmp/orders.o" &&
    g++ -o "$tmp/use" "$tmp/use.o" "$tmp/every.o" "$tmp/every_transport.o" "$tmp/orders.o" "$build/libresidue.a" "$build/librproto.a" -lcrypto -lz &&
    "$tmp/use" || { echo "generated-compile: C++ program failed to link or run" >&2; fail=1; }
fi
[ "$fail" -eq 0 ] && echo "generated-compile: $checked strict compilations clean (gcc, clang, C++)"
exit $fail
