#!/usr/bin/env bash
# The slow half of fuzz_rprotoc: does the C that rprotoc writes for an accepted spec compile?
# fuzz_rprotoc checks everything else an emitter promises, but a compiler per input would
# cost it most of its speed, so the corpus is compiled here afterwards.
#
#   tests/fuzz/compile-specs.sh BUILD OUTDIR [FILE|DIR]...
#
# Every file (directories: the files in them, one level) that `BUILD/rprotoc --check`
# accepts is generated with --optimize speed and with --optimize size, and each generated .c
# is compiled with $COMPILE_CC (default cc) -std=c11 -Wall -Wextra -Wpedantic -Werror -c
# against the runtime headers, as a user of rprotoc would build it. Any failure is a
# generator bug: the spec is copied to OUTDIR/failures/ with the compiler's output beside it
# (<name>.log). Specs whose checked syntax tree is the same but for source positions give the
# same C but for line numbers, so only the first of them is compiled (OUTDIR/seen).
# COMPILE_JOBS (default 2) files are done at once; COMPILE_MAX (default: all) stops after
# that many files, in name order. Refused specs are skipped (the fuzzer writes mostly those).
# Exits 1 when any spec failed, 2 on a usage error; prints a one-line summary.
set -u
if [ "${1:-}" = --one ]; then  # one spec (the worker xargs runs): BUILD OUTDIR FILE
    build=$2 out=$3 f=$4
    name=$(basename "$f")
    work=$(mktemp -d "$out/work.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    if ! "$build/rprotoc" --dump-ast "$f" > "$work/ast" 2>/dev/null; then
        echo refused >> "$out/counts"; exit 0
    fi
    key=$(sed -E 's/ @[0-9]+:[0-9]+-[0-9]+:[0-9]+//g' "$work/ast" | sha1sum | cut -c1-40)
    # mkdir is atomic: the first worker with this tree takes it
    if ! mkdir "$out/seen/$key" 2>/dev/null; then
        echo duplicate >> "$out/counts"; exit 0
    fi
    inc=()
    for l in core crypto zlib frame envelope session; do inc+=("-Iruntime/$l"); done
    cc=${COMPILE_CC:-cc}
    bad=0
    for opt in speed size; do
        mkdir -p "$work/$opt"
        if ! "$build/rprotoc" --optimize "$opt" "$f" -o "$work/$opt" > "$work/$opt.log" 2>&1; then
            { echo "== rprotoc --optimize $opt failed on a spec --check accepted"; cat "$work/$opt.log"; } \
                >> "$work/fail.log"
            bad=1; continue
        fi
        for c in "$work/$opt"/*.c; do
            if ! "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror "${inc[@]}" -I"$work/$opt" \
                    -c -o /dev/null "$c" > "$work/cc.log" 2>&1; then
                { echo "== $cc -c $(basename "$c") (--optimize $opt)"; head -n 40 "$work/cc.log"; } \
                    >> "$work/fail.log"
                bad=1
            fi
        done
    done
    if [ "$bad" -ne 0 ]; then
        mkdir -p "$out/failures"
        cp "$f" "$out/failures/$name"
        cp "$work/fail.log" "$out/failures/$name.log"
        echo failed >> "$out/counts"
        exit 1
    fi
    echo compiled >> "$out/counts"
    exit 0
fi

build=${1:?usage: compile-specs.sh BUILD OUTDIR [FILE|DIR]...}
out=${2:?usage: compile-specs.sh BUILD OUTDIR [FILE|DIR]...}
shift 2
[ -x "$build/rprotoc" ] || { echo "compile-specs: $build/rprotoc missing (make)"; exit 2; }
rm -rf "$out"
mkdir -p "$out/seen"
: > "$out/counts"
t0=$(date +%s)
for a in "$@"; do
    if [ -d "$a" ]; then find "$a" -maxdepth 1 -type f; else printf '%s\n' "$a"; fi
done | sort | if [ -n "${COMPILE_MAX:-}" ]; then head -n "$COMPILE_MAX"; else cat; fi > "$out/list"
xargs -d '\n' -P "${COMPILE_JOBS:-2}" -n 1 "$0" --one "$build" "$out" < "$out/list"
rc=$?
count() { grep -cx "$1" "$out/counts"; }
printf 'compile-specs: %d files: %d compiled (speed and size), %d failed, %d refused, %d duplicates (%ss)\n' \
    "$(wc -l < "$out/list")" "$(count compiled)" "$(count failed)" "$(count refused)" \
    "$(count duplicate)" "$(( $(date +%s) - t0 ))"
if [ "$(count failed)" -gt 0 ] || [ "$rc" -ne 0 ]; then
    for l in "$out"/failures/*.log; do
        [ -e "$l" ] || continue
        echo "compile-specs: FAIL ${l%.log}"; head -n 12 "$l"
    done
    exit 1
fi
exit 0
