#!/usr/bin/env bash
# Golden test of the C emitter: the pairs generated for tests/specs/valid/all-constructs.rproto
# (every construct of the language: imports, int64 extremes, uint64 flags, signed enums,
# repeated fields, nested and top-level arrays, escaped keys, defaults, consts, versions,
# session machines) and for tests/specs/valid/orders.rproto (a spec without routes) must equal
# tests/golden/emit/{every,every_transport,every_machines,orders}.{h,c} byte for byte; the
# route-less pair must hold no routing code at all, a spec without machines gets no machines
# pair, and a codec pair never mentions the machines. `make update-golden` rewrites the golden
# files after a deliberate change.
set -u
build=${1:-build}
rprotoc="$build/rprotoc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for spec in tests/specs/valid/all-constructs.rproto tests/specs/valid/orders.rproto; do
    "$rprotoc" "$spec" -o "$tmp" || { echo "emit-golden: rprotoc failed on $spec" >&2; exit 1; }
done
for f in every.h every.c every_transport.h every_transport.c every_machines.h every_machines.c orders.h orders.c; do
    if ! cmp -s "tests/golden/emit/$f" "$tmp/$f"; then
        echo "emit-golden: $f differs from tests/golden/emit/$f (make update-golden if intended):" >&2
        diff -u "tests/golden/emit/$f" "$tmp/$f" | head -40 >&2
        fail=1
    fi
done
# No routes, no routing: no port/direction types, envelope bits, message ids, any-message
# union or decoder (a spec without routes used to get `union { } u;`, which is not C).
if grep -nE 'orders_(any|port|direction|message_id|decode_any|message_name)\b|ORDERS_(PORT|DIR|ENVELOPE|MSG)_|_ENVELOPES\b|union *\{' \
        "$tmp/orders.h" "$tmp/orders.c" >&2; then
    echo "emit-golden: the pair of a spec without routes holds routing code (above)" >&2
    fail=1
fi
grep -qi residue "$tmp/orders.h" "$tmp/orders.c" && { echo "emit-golden: orders.{h,c} mention residue" >&2; fail=1; }
[ -e "$tmp/orders_transport.h" ] && { echo "emit-golden: orders (no ports) got transport tables" >&2; fail=1; }
[ -e "$tmp/orders_machines.h" ] || [ -e "$tmp/orders_machines.c" ] && { echo "emit-golden: orders (no machines) got a machines pair" >&2; fail=1; }
grep -n 'rp_machine\|_machines\.h' "$tmp/every.h" "$tmp/every.c" >&2 && { echo "emit-golden: the codec pair of all-constructs mentions its machines (above)" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "emit-golden: every.{h,c}, every_transport.{h,c}, every_machines.{h,c} and orders.{h,c} match the golden files; orders has no routing code, no transport and no machines pair"
exit $fail
