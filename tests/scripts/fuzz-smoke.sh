#!/usr/bin/env bash
# make check part of issue 7: every fuzz regression input replayed, every harness fuzzed briefly.
#
#   tests/scripts/fuzz-smoke.sh BUILD
#
# 1. Builds the harnesses with a plain main (tests/fuzz/replay_main.c) using the project's
#    compiler into BUILD/fuzz-replay/ and replays every file under tests/fuzz/regressions/<target>/
#    (works with gcc; no libFuzzer needed).
# 2. Builds the libFuzzer harnesses (clang, -fsanitize=fuzzer,address,undefined) into
#    build/fuzz/, replays the regression inputs through them (so ASan/UBSan see them), then
#    runs each harness for FUZZ_SMOKE_SECONDS (default 10) on the seed corpus, two at a time;
#    then compiles the C of the accepted rprotoc seeds, regression inputs and the first
#    FUZZ_SMOKE_COMPILE (default 40) corpus files (tests/fuzz/compile-specs.sh, via run-fuzz.sh).
# 3. Storms BUILD/residue-server's sockets for FUZZ_SMOKE_NET_SECONDS (default 5) with
#    tests/fuzz/net-storm.sh (random, cut, oversized and pipelined streams; the server must
#    keep answering and take a good client after).
# Fails on any crash, sanitizer report, broken invariant or missing harness. Step 2 needs clang
# with libFuzzer (tests/fuzz/ensure-fuzz-deps.sh installs it as root); without it the script
# fails unless FUZZ_SMOKE_ALLOW_NO_CLANG=1, and then says loudly what it skipped.
set -u
build=${1:-build}
secs=${FUZZ_SMOKE_SECONDS:-10}
jobs=${FUZZ_SMOKE_JOBS:-2}
fb=build/fuzz
regs=tests/fuzz/regressions
fail=0
mk() { make --no-print-directory -s "$@"; }
t0=$(date +%s)

targets=$(ls tests/fuzz/fuzz_*.c | sed -E 's#.*/fuzz_(.*)\.c#\1#')
for d in "$regs"/*/; do
    t=$(basename "$d")
    if ! grep -qx "$t" <<<"$targets"; then
        echo "fuzz-smoke: regressions/$t has no harness tests/fuzz/fuzz_$t.c"; fail=1
    fi
done

# ---- 1. replay with the project compiler ---------------------------------------------------
if ! mk BUILD="$build" fuzz-replay >"$build/fuzz-replay.log" 2>&1; then
    cat "$build/fuzz-replay.log"; echo "fuzz-smoke: replay build failed"; exit 1
fi
nreg=0
for t in $targets; do
    [ -d "$regs/$t" ] || continue
    n=$(find "$regs/$t" -type f | wc -l)
    if out=$("$build/fuzz-replay/fuzz_$t" "$regs/$t" 2>&1); then
        nreg=$((nreg + n))
    else
        printf '%s\n' "$out" | tail -n 20
        echo "fuzz-smoke: FAIL replay $t ($build build)"; fail=1
    fi
done
echo "fuzz-smoke: replayed $nreg regression inputs with the $build build"

# ---- 2. libFuzzer --------------------------------------------------------------------------
if ! tests/fuzz/ensure-fuzz-deps.sh; then
    if [ "${FUZZ_SMOKE_ALLOW_NO_CLANG:-0}" = 1 ]; then
        echo "fuzz-smoke: SKIPPED the libFuzzer part (no clang/libFuzzer; FUZZ_SMOKE_ALLOW_NO_CLANG=1)"
        [ "$fail" -eq 0 ]; exit
    fi
    echo "fuzz-smoke: FAIL: clang with libFuzzer is required"; exit 1
fi
if ! mk fuzz-build >"$fb-build.log" 2>&1; then
    tail -n 40 "$fb-build.log"; echo "fuzz-smoke: libFuzzer build failed"; exit 1
fi
mk fuzz-seeds >/dev/null
for t in $targets; do
    [ -d "$regs/$t" ] || continue
    files=$(find "$regs/$t" -type f | sort)
    # shellcheck disable=SC2086
    if ! out=$("$fb/fuzz_$t" -runs=1 $files 2>&1); then
        printf '%s\n' "$out" | grep -E 'ERROR|invariant|SUMMARY|Running' | tail -n 20
        echo "fuzz-smoke: FAIL sanitizer replay $t"; fail=1
    fi
done
echo "fuzz-smoke: replayed $nreg regression inputs under ASan+UBSan (libFuzzer build)"
# shellcheck disable=SC2086
if ! FUZZ_BUILD=$fb RPROTOC_BUILD=$build FUZZ_COMPILE_MAX=${FUZZ_SMOKE_COMPILE:-40} \
        tests/fuzz/run-fuzz.sh "$secs" "$jobs" $targets; then fail=1; fi

# ---- 3. the server's socket loops ----------------------------------------------------------
if ! tests/fuzz/net-storm.sh "$build" "${FUZZ_SMOKE_NET_SECONDS:-5}"; then
    echo "fuzz-smoke: FAIL net-storm"; fail=1
fi
echo "fuzz-smoke: $(wc -w <<<"$targets") harnesses, ${secs}s each, total $(( $(date +%s) - t0 ))s"
[ "$fail" -eq 0 ]
