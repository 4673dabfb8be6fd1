#!/usr/bin/env bash
# Runs libFuzzer harnesses for a fixed time each and summarises them.
#
#   tests/fuzz/run-fuzz.sh SECONDS JOBS TARGET...
#
# Uses $FUZZ_BUILD (default build/fuzz; give concurrent runs in one tree their own): binaries fuzz_<target>, seeds seeds/<target>/,
# growing corpus corpus/<target>/ (kept between runs), crashes in artifacts/<target>/,
# logs in logs/<target>.log. At most JOBS harnesses run at once (each is one process).
# Prints one line per harness (runs, execs/s, coverage edges, features, corpus size, peak RSS)
# into $FUZZ_BUILD/summary.txt and on stdout. Exits 1 when any harness found a crash, leak or
# timeout (its artifact path is printed: turn it into a regression input under
# tests/fuzz/regressions/<target>/ once fixed).
# When rprotoc is among the targets, its corpus, seeds and regression inputs are then compiled
# (tests/fuzz/compile-specs.sh, with $RPROTOC_BUILD/rprotoc, default build/rprotoc: every
# accepted spec's C with both --optimize options, cc -Werror) into $FUZZ_BUILD/compile/; a
# failure there counts as a finding too. FUZZ_COMPILE=0 skips it, FUZZ_COMPILE_MAX=N
# compiles only the first N files (by name) of the corpus.
set -u
secs=${1:?seconds}; jobs=${2:?jobs}; shift 2
fb=${FUZZ_BUILD:-build/fuzz}
mkdir -p "$fb/logs"
run_one() {
    local t=$1 bin="$fb/fuzz_$1"
    mkdir -p "$fb/corpus/$t" "$fb/artifacts/$t" "$fb/seeds/$t"
    local dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
    "$bin" "$fb/corpus/$t" "$fb/seeds/$t" "${dict[@]+"${dict[@]}"}" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$fb/artifacts/$t/" > "$fb/logs/$t.log" 2>&1
    echo $? > "$fb/logs/$t.rc"
}
running=0
for t in "$@"; do
    [ -x "$fb/fuzz_$t" ] || { echo "run-fuzz: $fb/fuzz_$t missing (make fuzz-build)"; echo 99 > "$fb/logs/$t.rc"; continue; }
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
fail=0
: > "$fb/summary.txt"
for t in "$@"; do
    log="$fb/logs/$t.log"; rc=$(cat "$fb/logs/$t.rc" 2>/dev/null || echo 99)
    # -a: the log may quote binary inputs; tail: the last run's numbers
    runs=$(grep -aE '^stat::number_of_executed_units:' "$log" 2>/dev/null | tail -n 1 | awk '{print $2}')
    eps=$(grep -aE '^stat::average_exec_per_sec:' "$log" 2>/dev/null | tail -n 1 | awk '{print $2}')
    rss=$(grep -aE '^stat::peak_rss_mb:' "$log" 2>/dev/null | tail -n 1 | awk '{print $2}')
    last=$(grep -aE '^#[0-9]+' "$log" 2>/dev/null | tail -n 1)
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last"); ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.*corp: ([0-9]+\/[0-9a-zA-Z]+).*/\1/p' <<<"$last")
    status=ok
    if [ "$rc" != 0 ]; then
        status="FAIL(rc=$rc)"; fail=1
        art=$(ls "$fb/artifacts/$t/" 2>/dev/null | head -n 3 | tr '\n' ' ')
        [ -n "$art" ] && status="$status artifacts: $art"
    fi
    printf 'fuzz %-9s %6ss runs=%-10s exec/s=%-7s cov=%-5s ft=%-6s corpus=%-10s rss=%sMB %s\n' \
        "$t" "$secs" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$status" \
        | tee -a "$fb/summary.txt"
done
if grep -qx rprotoc < <(printf '%s\n' "$@") && [ "${FUZZ_COMPILE:-1}" != 0 ]; then
    rb=${RPROTOC_BUILD:-build}
    corpus=("$fb/corpus/rprotoc")
    if [ -n "${FUZZ_COMPILE_MAX:-}" ]; then
        mapfile -t corpus < <(find "$fb/corpus/rprotoc" -maxdepth 1 -type f | sort | head -n "$FUZZ_COMPILE_MAX")
    fi
    regs=()
    [ -d tests/fuzz/regressions/rprotoc ] && regs=(tests/fuzz/regressions/rprotoc)
    if out=$(tests/fuzz/compile-specs.sh "$rb" "$fb/compile" "$fb/seeds/rprotoc" \
                 ${regs[@]+"${regs[@]}"} ${corpus[@]+"${corpus[@]}"} 2>&1); then
        status=ok
    else
        status="FAIL: specs in $fb/compile/failures/"; fail=1
    fi
    printf '%s\n' "$out" | tail -n 30 > "$fb/logs/compile.log"
    printf 'compile   %s %s\n' "$(printf '%s\n' "$out" | grep '^compile-specs: [0-9]' | cut -d' ' -f2-)" \
        "$status" | tee -a "$fb/summary.txt"
fi
if [ "$fail" -ne 0 ]; then
    echo "run-fuzz: findings above; logs in $fb/logs/"; exit 1
fi
exit 0
