#!/usr/bin/env bash
# Memory checking of every unit/session test binary (issue 7):
#   - valgrind memcheck (0 errors, 0 definite/indirect/possible leaks), CK_FORK=no so valgrind
#     sees the tests themselves, for every BUILD/tests/test_* binary;
#   - LeakSanitizer (the ASan+UBSan build in build/san, CK_FORK=no) instead, for the binaries
#     in LSAN_ONLY below, which take minutes under valgrind (measured on 2 cores: RSA key
#     generation in test_crypto ~43 s, the byte-by-byte splits of test_frame ~49 s, the
#     robustness corpus of test_frontend_robust ~163 s). Every binary is checked one way or
#     the other; none is skipped.
#
#   tests/scripts/memcheck.sh BUILD      (MEMCHECK_TIMEOUT=seconds per valgrind run, default 180)
set -u
build=${1:-build}
LSAN_ONLY="test_crypto test_frame test_frontend_robust"
tmo=${MEMCHECK_TIMEOUT:-180}

if ! command -v valgrind >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null 2>&1 || apt-get update -qq && \
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
    fi
    command -v valgrind >/dev/null 2>&1 || { echo "memcheck: FAIL: valgrind is not installed (apt-get install valgrind)"; exit 1; }
fi
units=$(ls tests/unit/test_*.c 2>/dev/null | sed -E 's#tests/unit/(.*)\.c#\1#')
[ -n "$units" ] || { echo "memcheck: no unit tests"; exit 1; }
make --no-print-directory -s BUILD="$build" $(printf "$build/tests/%s " $units) >/dev/null || { echo "memcheck: build failed"; exit 1; }
lsan_bins=""
for n in $LSAN_ONLY; do [ -f "tests/unit/$n.c" ] && lsan_bins="$lsan_bins build/san/tests/$n"; done
if [ -n "$lsan_bins" ]; then
    make --no-print-directory -s SAN=1 $lsan_bins >/dev/null || { echo "memcheck: SAN build failed"; exit 1; }
fi

log=$(mktemp -d /tmp/rproto-memcheck.XXXXXX)
trap 'rm -rf "$log"' EXIT
passed=0; failed=0
for n in $units; do
    start=$(date +%s)
    if grep -qw "$n" <<<"$LSAN_ONLY"; then
        how=lsan
        CK_FORK=no ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "build/san/tests/$n" >"$log/$n" 2>&1
        rc=$?
    else
        how=valgrind
        CK_FORK=no timeout "$tmo" valgrind -q --error-exitcode=99 --leak-check=full \
            --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
            --track-origins=yes "$build/tests/$n" >"$log/$n" 2>&1
        rc=$?
    fi
    secs=$(( $(date +%s) - start ))
    summary=$(grep -E '^[0-9]+%: Checks' "$log/$n" | tail -n 1)
    if [ "$rc" -eq 0 ] && [ -n "$summary" ] && ! grep -qE '^==[0-9]+== (Invalid|Conditional|Use of|Syscall)|ERROR: (Leak|Address)Sanitizer|runtime error:' "$log/$n"; then
        passed=$((passed + 1)); printf 'memcheck: ok   %-24s %-8s %4ss  %s\n' "$n" "$how" "$secs" "$summary"
    else
        failed=$((failed + 1)); printf 'memcheck: FAIL %-24s %-8s %4ss  rc=%s\n' "$n" "$how" "$secs" "$rc"
        [ "$rc" -eq 124 ] && echo "memcheck:   valgrind took over ${tmo}s: add $n to LSAN_ONLY in $0"
        grep -vE '^(Running suite|[0-9]+%: Checks)' "$log/$n" | head -n 40 | sed 's/^/    /'
    fi
done
echo "memcheck: $passed passed, $failed failed (valgrind: 0 errors and 0 leaks required; LSan for: $LSAN_ONLY)"
[ "$failed" -eq 0 ]
