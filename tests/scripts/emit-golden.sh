#!/usr/bin/env bash
# Golden test of the C emitter: the pair generated for tests/specs/valid/all-constructs.rproto
# (every construct of the language: imports, int64 extremes, uint64 flags, signed enums,
# repeated fields, nested and top-level arrays, escaped keys, defaults, consts, versions)
# must equal tests/golden/emit/every.{h,c} byte for byte, and must compile clean.
# `make update-golden` rewrites the golden files after a deliberate change.
set -u
build=${1:-build}
rprotoc="$build/rprotoc"
spec=tests/specs/valid/all-constructs.rproto
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$rprotoc" "$spec" -o "$tmp" || { echo "emit-golden: rprotoc failed on $spec" >&2; exit 1; }
fail=0
for f in every.h every.c; do
    if ! cmp -s "tests/golden/emit/$f" "$tmp/$f"; then
        echo "emit-golden: $f differs from tests/golden/emit/$f (make update-golden if intended):" >&2
        diff -u "tests/golden/emit/$f" "$tmp/$f" | head -40 >&2
        fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "emit-golden: every.h and every.c match the golden files"
exit $fail
