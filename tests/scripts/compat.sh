#!/usr/bin/env bash
# `rprotoc compat OLD NEW`: each tests/specs/compat/CASE/{old,new}.rproto pair prints exactly
# CASE/expected on stderr (gcc-style, both spec locations) and exits 1 when it has an error
# (a breaking change), 0 otherwise (warnings only); a spec against itself is compatible;
# usage and spec errors exit 2.
set -u
build=${1:-build}
rp="$build/rprotoc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for d in tests/specs/compat/*; do
    [ -d "$d" ] || continue
    n=$((n + 1))
    "$rp" compat "$d/old.rproto" "$d/new.rproto" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    want=0
    grep -q ': error: ' "$d/expected" && want=1
    [ "$rc" -eq "$want" ] || { echo "compat: FAIL $d: exit $rc, want $want" >&2; fail=1; }
    [ -s "$tmp/out" ] && { echo "compat: FAIL $d: printed on stdout" >&2; fail=1; }
    if ! cmp -s "$tmp/err" "$d/expected"; then
        echo "compat: FAIL $d: output differs from $d/expected:" >&2
        diff -u "$d/expected" "$tmp/err" | head -20 >&2
        fail=1
    fi
done
[ "$n" -ge 6 ] || { echo "compat: FAIL only $n cases" >&2; fail=1; }
# every rule of the corpus is there, in both directions
for tag in 'breaks old senders -> new receivers' 'breaks new senders -> old receivers' 'breaks both directions'; do
    grep -qF "[$tag]" tests/specs/compat/*/expected || { echo "compat: FAIL no case shows [$tag]" >&2; fail=1; }
done
# the real spec against itself: compatible and silent
"$rp" compat spec/residue.rproto spec/residue.rproto >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] || { echo "compat: FAIL residue against itself: exit $rc" >&2; cat "$tmp/out" >&2; fail=1; }
# a narrowed residue: key_size loses 192
sed 's/one_of {128, 192, 256}/one_of {128, 256}/' spec/residue.rproto > "$tmp/residue-new.rproto"
"$rp" compat spec/residue.rproto "$tmp/residue-new.rproto" >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "values of field 'key_size' (\"key_size\") of 'Connect' narrowed from {128, 192, 256} to {128, 256} \[breaks old senders -> new receivers\]" "$tmp/out" \
    || { echo "compat: FAIL narrowed residue:" >&2; cat "$tmp/out" >&2; fail=1; }
# usage and spec errors
"$rp" compat spec/residue.rproto >/dev/null 2>&1; [ $? -eq 2 ] || { echo "compat: FAIL one spec: want exit 2" >&2; fail=1; }
"$rp" compat spec/residue.rproto "$tmp/none.rproto" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "compat: FAIL missing spec: want exit 2" >&2; fail=1; }
"$rp" compat tests/specs/invalid/sem-unknown-type.rproto spec/residue.rproto >/dev/null 2>&1; [ $? -eq 2 ] \
    || { echo "compat: FAIL invalid spec: want exit 2" >&2; fail=1; }
"$rp" compat --help >/dev/null 2>&1 || { echo "compat: FAIL --help" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "compat: $n spec pairs give exactly their expected reports"
exit $fail
