#!/usr/bin/env bash
# Runs every tests/scripts/*.sh (integration tests: CLI, golden files, interop, demo).
# Each script gets the build directory as $1 and must exit non-zero on failure.
set -u
build=$1
passed=0; failed=0
for t in tests/scripts/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    echo "=== script: $name"
    start=$SECONDS
    if bash "$t" "$build"; then passed=$((passed + 1)); echo "=== PASS: $name ($((SECONDS - start)) s)"
    else failed=$((failed + 1)); echo "=== FAIL: $name ($((SECONDS - start)) s)"; fi
done
echo "scripts: $passed passed, $failed failed"
mkdir -p build && echo "scripts($build) $passed $failed" >> build/check-summary.txt
[ "$failed" -eq 0 ]
