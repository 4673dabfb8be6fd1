#!/usr/bin/env bash
# Memory checking (issue 7) of every unit/session test binary and of the programs:
#   - valgrind memcheck (0 errors, 0 definite/indirect/possible leaks), CK_FORK=no so valgrind
#     sees the tests themselves, for every BUILD/tests/test_* binary;
#   - LeakSanitizer (the ASan+UBSan build in build/san, CK_FORK=no) instead, for the binaries
#     in LSAN_ONLY below, which take minutes under valgrind (measured on 2 cores: RSA key
#     generation in test_crypto ~43 s, the byte-by-byte splits of test_frame ~49 s, the
#     robustness corpus of test_frontend_robust ~163 s, the exhaustive base64 cases of
#     test_codec ~91 s; the lanes' differential tests test_lanes, test_lanes_specs and
#     test_encode_lanes run millions of decodes and encodes, 12 s, 8 s and 2 s natively, over
#     60 s under valgrind; test_crypto_oom and test_session_oom fork a child for each OpenSSL
#     allocation they make fail, and OpenSSL 3.0 keeps what it had half built then (its default
#     library context, its name map): valgrind reports that as each child's leak, while LSan
#     checks the parent and not the children, which end with _exit; test_session_oom also
#     takes over 60 s under valgrind), and for any other binary whose valgrind run exceeds MEMCHECK_TIMEOUT
#     (it is then re-run under LSan and the line says so). Every binary is checked one way or
#     the other; none is skipped;
#   - build/residue-server itself under valgrind while the whole hostile-wire suite (3000 ->
#     400 half-open sockets on a 200-connection server) and a 20 x 100 load run hit it, and
#     build/residue-client under valgrind for one handshake + logs against it: 0 errors, and
#     0 leaks when the server stops on SIGTERM.
#
#   tests/scripts/memcheck.sh BUILD      (MEMCHECK_TIMEOUT=seconds per valgrind run, default 60;
#                                        MEMCHECK_JOBS=binaries checked at once, default 2)
set -u
build=${1:-build}
LSAN_ONLY="test_codec test_crypto test_crypto_oom test_encode_lanes test_frame test_frontend_robust test_lanes \
           test_lanes_specs test_session_oom"
tmo=${MEMCHECK_TIMEOUT:-60}

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
lsan_build() {   # lsan_build NAME...: the ASan+UBSan binaries in build/san
    make --no-print-directory -s SAN=1 $(printf "build/san/tests/%s " "$@") >/dev/null
}
lsan_run() {     # lsan_run NAME LOGFILE
    CK_FORK=no ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "build/san/tests/$1" >"$2" 2>&1
}
lsan_list=""
for n in $LSAN_ONLY; do [ -f "tests/unit/$n.c" ] && lsan_list="$lsan_list $n"; done
if [ -n "$lsan_list" ]; then
    # shellcheck disable=SC2086
    lsan_build $lsan_list || { echo "memcheck: SAN build failed"; exit 1; }
fi

log=$(mktemp -d /tmp/rproto-memcheck.XXXXXX)
trap 'rm -rf "$log"' EXIT
# One unit binary, one way or the other; its verdict line goes to $log/NAME.verdict (and its
# output, when it failed, below it), so that MEMCHECK_JOBS of them can run at once.
check_one() {
    local n=$1 start how rc secs summary
    start=$(date +%s)
    if grep -qw "$n" <<<"$LSAN_ONLY"; then
        how=lsan
        lsan_run "$n" "$log/$n"; rc=$?
    else
        how=valgrind
        CK_FORK=no timeout "$tmo" valgrind -q --error-exitcode=99 --leak-check=full \
            --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
            "$build/tests/$n" >"$log/$n" 2>&1
        rc=$?
        if [ "$rc" -eq 124 ]; then
            echo "memcheck: note: $n took over ${tmo}s under valgrind; checking it with LSan instead (add it to LSAN_ONLY)" >"$log/$n.note"
            how="lsan*"
            # one make at a time in build/san
            if flock "$log/.make" bash -c "$(declare -f lsan_build); lsan_build $n"; then lsan_run "$n" "$log/$n"; rc=$?; else rc=98; fi
        fi
    fi
    secs=$(( $(date +%s) - start ))
    summary=$(grep -E '^[0-9]+%: Checks' "$log/$n" | tail -n 1)
    if [ "$rc" -eq 0 ] && [ -n "$summary" ] && ! grep -qE '^==[0-9]+== (Invalid|Conditional|Use of|Syscall)|ERROR: (Leak|Address)Sanitizer|runtime error:' "$log/$n"; then
        printf 'memcheck: ok   %-24s %-8s %4ss  %s\n' "$n" "$how" "$secs" "$summary" >"$log/$n.verdict"
    else
        { printf 'memcheck: FAIL %-24s %-8s %4ss  rc=%s\n' "$n" "$how" "$secs" "$rc"
          grep -vE '^(Running suite|[0-9]+%: Checks)' "$log/$n" | head -n 40 | sed 's/^/    /'; } >"$log/$n.verdict"
    fi
}
jobs=${MEMCHECK_JOBS:-2}
for n in $units; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    check_one "$n" &
done
wait
passed=0; failed=0
for n in $units; do   # in name order, whatever order they finished in
    [ -f "$log/$n.note" ] && cat "$log/$n.note"
    if [ -f "$log/$n.verdict" ] && grep -q '^memcheck: ok ' "$log/$n.verdict"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        [ -f "$log/$n.verdict" ] || echo "memcheck: FAIL $n: no verdict (the check itself failed)" >"$log/$n.verdict"
    fi
    cat "$log/$n.verdict"
done
# ---- the programs under valgrind --------------------------------------------------------------
# shellcheck source=../hostile/server-lib.sh
. tests/hostile/server-lib.sh
make --no-print-directory -s BUILD="$build" all hostile-tools >/dev/null || { echo "memcheck: build failed"; exit 1; }
vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible)
dir="$log/server"; mkdir -p "$dir"
cat > "$dir/residue.conf.json" <<JSON
{"server_rsa_private_key":"$PWD/$KEYS_B/server-private.pem","server_rsa_public_key":"$PWD/$KEYS_B/server-public.pem",
 "max_items_in_bulk":50,"allow_bulk_log_request":true,"compression":true}
JSON
start=$(date +%s)
"${vg[@]}" --log-file="$dir/valgrind.txt" "$build/residue-server" --config "$dir/residue.conf.json" \
    --connect-port 0 --logging-port 0 --log-file "$dir/log.jsonl" --ports-file "$dir/ports" \
    --max-connections 200 >/dev/null 2>"$dir/server.err" &
vpid=$!
for _ in $(seq 200); do [ -s "$dir/ports" ] && break; sleep 0.1; done
cport=$(sed -E 's/.*connect_port=([0-9]+).*/\1/' "$dir/ports" 2>/dev/null)
prog_ok=1
if [ -z "$cport" ]; then
    echo "memcheck: FAIL residue-server did not start under valgrind"; prog_ok=0
else
    "$build/hostile/hostile-wire" --connect-port "$cport" --client-key "$KEYS_A/client-private.pem" \
        --client-pub "$KEYS_A/client-public.pem" --server-pub "$KEYS_B/server-public.pem" \
        --log-file "$dir/log.jsonl" --max-bulk 50 --half-open 400 > "$dir/hostile.txt" 2>&1 || prog_ok=0
    tail -n 1 "$dir/hostile.txt" | sed 's/^/memcheck:   /'
    "$build/hostile/load-client" --connect-port "$cport" --client-key "$KEYS_A/client-private.pem" \
        --client-pub "$KEYS_A/client-public.pem" --clients 20 --lines 100 --tag vg > "$dir/load.txt" 2>&1 || prog_ok=0
    tail -n 1 "$dir/load.txt" | sed 's/^/memcheck:   /'
    if ! "${vg[@]}" "$build/residue-client" --connect "127.0.0.1:$cport" --client-private-key "$KEYS_A/client-private.pem" \
            --touch --bulk-size 3 one two three four five > "$dir/client.txt" 2>&1; then
        prog_ok=0; sed 's/^/    /' "$dir/client.txt" | head -n 30
    fi
fi
kill -TERM "$vpid" 2>/dev/null; wait "$vpid"; vrc=$?
secs=$(( $(date +%s) - start ))
if [ "$prog_ok" -eq 1 ] && [ "$vrc" -eq 0 ] && [ ! -s "$dir/valgrind.txt" ]; then
    passed=$((passed + 1))
    printf 'memcheck: ok   %-24s %-8s %4ss  hostile suite + load + residue-client, 0 errors, 0 leaks\n' residue-server valgrind "$secs"
else
    failed=$((failed + 1))
    printf 'memcheck: FAIL %-24s %-8s %4ss  server exit %s\n' residue-server valgrind "$secs" "$vrc"
    grep -E '^(FAIL|XPASS)' "$dir/hostile.txt" | head -n 10 | sed 's/^/    /'
    head -n 60 "$dir/valgrind.txt" | sed 's/^/    /'
fi

echo "memcheck: $passed passed, $failed failed (valgrind: 0 errors and 0 leaks required; LSan for: $LSAN_ONLY)"
[ "$failed" -eq 0 ]
