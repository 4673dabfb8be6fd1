#!/usr/bin/env bash
# Prints the suites' counts from the summary file and the closing total line of make check.
set -u
file=$1
passed=0; failed=0
while read -r name p f; do
    printf '  %-22s %5d passed, %d failed\n' "$name" "$p" "$f"
    passed=$((passed + p)); failed=$((failed + f))
done < "$file"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
