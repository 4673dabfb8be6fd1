#!/usr/bin/env bash
# Runs every Check unit-test binary given, from the project root, and sums their results.
# Prints a closing "N passed, N failed" line; exits non-zero if any test failed or crashed.
set -u
build=$1; shift
passed=0; failed=0; broken=()
for bin in "$@"; do
    name=$(basename "$bin")
    out=$(CK_FORK=yes "$bin" 2>&1); rc=$?
    printf '%s\n' "$out" | sed "s/^/[$name] /"
    # Check prints e.g. "100%: Checks: 12, Failures: 0, Errors: 0"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
    if [ -z "$line" ]; then
        broken+=("$name (rc=$rc, no Check summary)"); failed=$((failed + 1)); continue
    fi
    n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
    e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + n - f - e)); failed=$((failed + f + e))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$e" -eq 0 ]; then
        broken+=("$name (rc=$rc)"); failed=$((failed + 1))
    fi
done
for b in "${broken[@]+"${broken[@]}"}"; do echo "BROKEN: $b"; done
echo "unit ($build): $passed passed, $failed failed"
mkdir -p build && echo "unit($build) $passed $failed" >> build/check-summary.txt
[ "$failed" -eq 0 ]
