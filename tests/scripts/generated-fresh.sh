#!/usr/bin/env bash
# generated/ is committed output of `rprotoc spec/residue.rproto -o generated` (the codec
# pair residue.[ch] and the machines pair residue_machines.[ch]). This test
# regenerates it into a temporary directory and fails on any byte of difference; then it
# runs the generator twice more, from two other directories with the spec given by another
# path and with other LC_ALL / TZ settings, and requires identical bytes every time.
set -u
build=${1:-build}
root=$(pwd)
rprotoc="$root/$build/rprotoc"
[ -x "$rprotoc" ] || { echo "generated-fresh: $rprotoc not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/a" "$tmp/b" "$tmp/c" "$tmp/cwd/deeper"
fail=0

"$rprotoc" spec/residue.rproto -o "$tmp/a" || { echo "generated-fresh: rprotoc failed" >&2; exit 1; }
# nothing in generated/ that a run does not write (a stale file would still be built)
for f in generated/*; do
    [ -e "$tmp/a/$(basename "$f")" ] || { echo "generated-fresh: $f is not written by rprotoc (stale?)" >&2; fail=1; }
done
for f in residue.h residue.c residue_machines.h residue_machines.c; do
    if ! cmp -s "generated/$f" "$tmp/a/$f"; then
        echo "generated-fresh: generated/$f differs from a fresh rprotoc run (run 'make regenerate'):" >&2
        diff -u "generated/$f" "$tmp/a/$f" | head -40 >&2
        fail=1
    fi
done

( cd "$tmp/cwd/deeper" && LC_ALL=C TZ=Pacific/Kiritimati "$rprotoc" "$root/spec/residue.rproto" -o "$tmp/b" ) || fail=1
( cd / && LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=America/St_Johns "$rprotoc" "${root#/}/spec/residue.rproto" -o "$tmp/c" ) || fail=1
for d in b c; do
    for f in residue.h residue.c residue_machines.h residue_machines.c; do
        if ! cmp -s "$tmp/a/$f" "$tmp/$d/$f"; then
            echo "generated-fresh: $f differs between runs (cwd / locale / TZ / spec path changed)" >&2
            diff -u "$tmp/a/$f" "$tmp/$d/$f" | head -20 >&2
            fail=1
        fi
    done
done
# Nothing time- or place-dependent may appear in the banner.
if grep -nE '/work/|/tmp/|[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}:[0-9]{2}:[0-9]{2}' "$tmp/a"/residue*.[ch] | grep -v 'SHA-256' >&2; then
    echo "generated-fresh: absolute path or timestamp in the generated code" >&2
    fail=1
fi
[ "$fail" -eq 0 ] && echo "generated-fresh: generated/ is fresh; 3 runs byte-identical"
exit $fail
