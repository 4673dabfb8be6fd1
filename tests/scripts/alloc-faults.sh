#!/usr/bin/env bash
# Allocation failures: every run below is repeated with its Nth allocation failing
# (build/hostile/failalloc.so, LD_PRELOAD; malloc, calloc, realloc, posix_memalign and
# aligned_alloc, OpenSSL's included), for N over the allocations the run makes, each under
# a timeout:
#   check      rprotoc --check spec/residue.rproto
#   gen        rprotoc spec/residue.rproto -o DIR
#   diagram    rprotoc --emit diagram spec/residue.rproto -o DIR (three files)
#   validate   rprotoc validate spec/residue.rproto MESSAGE VECTOR, three vectors
#   session    build/hostile/session-faults: the residue client and server sessions in one
#              process, handshake (plain and RSA), TOUCH, a log request
#   session-every   the same with every allocation from the Nth on failing
#   server     build/residue-server starting with the Nth allocation failing, then one
#              residue-client (not under the shim) logging one line to it
# Every run must end without a signal (nothing in the code has an abort-on-OOM policy;
# rprotoc's documented one is exit 2 with 'rprotoc: fatal error: out of memory') and:
#   rprotoc    exit 0 with exactly the output of a run without failures, or exit 2 with
#              a line on stderr naming the failure and, for -o, nothing in DIR (not even a
#              temporary); --check and text-format validate print nothing on stdout then
#   session    exit 0 (every step checked) or 1 (an API call returned an error with a
#              message, printed); 3 (a wrong success) fails
#   server     it does not start (non-zero exit, a message on stderr), or it runs: the
#              client either logs the line (then the log file has it once) or fails with
#              an error reply from the server or a line on the server's stderr, and the
#              server exits 0 on SIGTERM (an out-of-memory source table is refused with the
#              per-source limit's text, as residue_sources.h documents)
#   session-asan    (ALLOC_FAULTS_SAN=1, builds $BUILD/san) session under ASan+UBSan with
#              LeakSanitizer: also no sanitizer report, leaks on error paths included
# Coverage: every N of the first HEAD allocations of a run and of its last TAIL ones (where
# the work after the common front end or set-up is), and a stride over the rest so that a
# run sweeps about BUDGET values (the sweep_* calls at the end); each run prints its count
# and stride. About 3,900 runs, a minute on an idle machine. The rprotoc runs share
# their first ~3,080 allocations (the front end): --check sweeps them densely (stride ~6),
# validate mostly its own tail. ALLOC_FAULTS_FULL=1 sweeps every N of every run (about an
# hour).
#
#   tests/scripts/alloc-faults.sh BUILD
set -u
build=${1:-build}
make --no-print-directory -s BUILD="$build" all fault-tools || { echo "alloc-faults: build failed"; exit 1; }
shim=$(cd "$build/hostile" && pwd)/failalloc.so
rp=$build/rprotoc
vec=../shared/vectors
full=${ALLOC_FAULTS_FULL:-0}
work=$(mktemp -d /tmp/rproto-alloc-faults.XXXXXX)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

problems=0
traced=0
fail() {
    echo "alloc-faults: FAIL $*"
    problems=$((problems + 1))
}

# calls CMD... -> the number of allocations CMD makes (no failures)
calls() {
    RP_FAIL_ALLOC_REPORT=$work/report LD_PRELOAD=$shim "$@" >/dev/null 2>&1
    awk '{print $2}' "$work/report"
}

# points TOTAL BUDGET FULL TAIL -> the N to sweep, one a line (stride in $work/stride)
points() {
    local total=$1 budget=$2 head=$3 tail=$4 stride n
    if [ "$full" = 1 ] || [ "$total" -le $((head + tail + budget)) ]; then
        stride=1
    else
        stride=$(((total - head - tail + budget - 1) / budget))
    fi
    echo "$stride" > "$work/stride"
    for ((n = 1; n <= total; n++)); do
        if [ "$n" -le "$head" ] || [ "$n" -gt $((total - tail)) ] || [ $(((n - head) % stride)) -eq 0 ]; then
            echo "$n"
        fi
    done
}

# at N CMD... : runs CMD with its Nth allocation failing; rc, out in $work/out, err in $work/err
at() {
    local n=$1
    shift
    (RP_FAIL_ALLOC_AT=$n RP_FAIL_ALLOC_EVERY=${every:-0} LD_PRELOAD=$shim exec timeout 30 "$@" \
        >"$work/out" 2>"$work/err") 2>/dev/null
    rc=$?
}

# On a failure, the stack of the failing allocation (the first three failures only).
show_where() {
    local n=$1
    shift
    [ "$traced" -ge 3 ] && return
    traced=$((traced + 1))
    (RP_FAIL_ALLOC_TRACE=1 RP_FAIL_ALLOC_AT=$n RP_FAIL_ALLOC_EVERY=${every:-0} LD_PRELOAD=$shim \
        exec timeout 30 "$@" 2>&1 >/dev/null) 2>/dev/null | sed -n '/^failalloc:/,$p' | head -20 | sed 's/^/    /'
}

oom_message='out of memory|Cannot allocate memory|cannot compute SHA-256 of the spec \(OpenSSL\)'

# rprotoc runs: NAME WANT_RC OUT_ON_ERROR BUDGET HEAD TAIL then the command; its stdout
# without failures is the reference. OUT_ON_ERROR 1: exit 2 may print (validate's
# --format json summary line, which then counts what was read)
sweep_rprotoc() {
    local name=$1 want=$2 out_ok=$3 budget=$4 head=$5 tail=$6
    shift 6
    local total n bad=0 count=0 t0=$SECONDS
    "$@" > "$work/ref.out" 2>/dev/null
    [ $? -eq "$want" ] || { fail "$name: exit status without failures is not $want"; return; }
    total=$(calls "$@")
    for n in $(points "$total" "$budget" "$head" "$tail"); do
        count=$((count + 1))
        at "$n" "$@"
        local why=
        if [ "$rc" -eq "$want" ]; then
            cmp -s "$work/out" "$work/ref.out" || why="exit $rc but its output differs from a run without failures"
        elif [ "$rc" -eq 2 ]; then
            grep -Eq "$oom_message" "$work/err" || why="exit 2 without saying what failed: $(head -c 200 "$work/err")"
            [ "$out_ok" = 0 ] && [ -s "$work/out" ] && why="exit 2 but printed on stdout: $(head -c 100 "$work/out")"
        else
            why="exit $rc: $(head -c 200 "$work/err")"
        fi
        if [ -n "$why" ]; then
            fail "$name N=$n: $why"
            show_where "$n" "$@"
            bad=$((bad + 1))
            [ "$bad" -ge 5 ] && { echo "alloc-faults: $name: stopping after 5 failures"; return; }
        fi
    done
    echo "alloc-faults: $name: $total allocations, $count runs (stride $(cat "$work/stride")), $bad failed ($((SECONDS - t0)) s)"
}

# Runs writing into a directory: NAME BUDGET HEAD TAIL then rprotoc's arguments, to which
# "-o DIR" is appended; DIR must hold exactly what a run without failures writes, or
# nothing at all (exit 2).
sweep_dir() {
    local name=$1 budget=$2 head=$3 tail=$4
    shift 4
    local total n bad=0 count=0 t0=$SECONDS
    rm -rf "$work/ref" "$work/gen"
    mkdir -p "$work/ref" "$work/gen"
    "$rp" "$@" -o "$work/ref" || { fail "$name: rprotoc $* -o DIR fails without failures"; return; }
    total=$(calls "$rp" "$@" -o "$work/gen")
    for n in $(points "$total" "$budget" "$head" "$tail"); do
        count=$((count + 1))
        rm -rf "$work/gen"
        mkdir "$work/gen"
        at "$n" "$rp" "$@" -o "$work/gen"
        local why=
        if [ "$rc" -eq 0 ]; then
            diff -rq "$work/ref" "$work/gen" >/dev/null || why="exit 0 but DIR differs from a run without failures: $(ls -A "$work/gen" | tr '\n' ' ')"
        elif [ "$rc" -eq 2 ]; then
            grep -Eq "$oom_message" "$work/err" || why="exit 2 without saying what failed: $(head -c 200 "$work/err")"
            [ -n "$(ls -A "$work/gen")" ] && why="exit 2 but left in DIR: $(ls -A "$work/gen" | tr '\n' ' ')"
        else
            why="exit $rc: $(head -c 200 "$work/err")"
        fi
        if [ -n "$why" ]; then
            fail "$name N=$n: $why"
            show_where "$n" "$rp" "$@" -o "$work/gen"
            bad=$((bad + 1))
            [ "$bad" -ge 5 ] && { echo "alloc-faults: $name: stopping after 5 failures"; return; }
        fi
    done
    echo "alloc-faults: $name: $total allocations, $count runs (stride $(cat "$work/stride")), $bad failed ($((SECONDS - t0)) s)"
}

sweep_session() {
    local name=$1 budget=$2 total n bad=0 count=0 t0=$SECONDS
    local cmd=("$build/hostile/session-faults" "$vec")
    "${cmd[@]}" > /dev/null 2>&1 || { fail "$name: session-faults fails without failures"; return; }
    total=$(calls "${cmd[@]}")
    for n in $(points "$total" "$budget" 100 100); do
        count=$((count + 1))
        at "$n" "${cmd[@]}"
        local why=
        case $rc in
            0) grep -q '^session-faults: ok$' "$work/out" || why="exit 0 without 'ok'" ;;
            1) grep -q '^session-faults: .*: error -\?[0-9]*: .' "$work/err" || why="exit 1 without an API error: $(head -c 200 "$work/err")" ;;
            *) why="exit $rc: $(head -c 300 "$work/err" | tr '\n' '|')" ;;
        esac
        if [ -n "$why" ]; then
            fail "$name N=$n: $why"
            show_where "$n" "${cmd[@]}"
            bad=$((bad + 1))
            [ "$bad" -ge 5 ] && { echo "alloc-faults: $name: stopping after 5 failures"; return; }
        fi
    done
    echo "alloc-faults: $name: $total allocations, $count runs (stride $(cat "$work/stride")), $bad failed ($((SECONDS - t0)) s)"
}

# ---- the server ------------------------------------------------------------------------
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
client_priv=$(abs "$vec/A-unknown-plain/keys/client-private.pem")
cat > "$work/server.json" <<EOF
{"connect_port":0,"logging_port":0,"allow_insecure_connection":true,
 "allow_unmanaged_clients":true,"requires_timestamp":true,"compression":true}
EOF

# server_once N LINE -> sets srv_why ("" when every criterion held), srv_started, srv_logged
server_once() {
    local n=$1 line=$2 i port=
    srv_why=
    srv_started=0
    srv_logged=0
    rm -f "$work/ports" "$work/server.log"
    (RP_FAIL_ALLOC_AT=$n LD_PRELOAD=$shim RP_FAIL_ALLOC_REPORT=$work/server.report \
        exec "$build/residue-server" --config "$work/server.json" --connect-port 0 --logging-port 0 \
        --log-file "$work/server.log" --ports-file "$work/ports" >/dev/null 2>"$work/server.err") &
    server_pid=$!
    for i in $(seq 250); do
        port=$(sed -n 's/^residue-server: connect_port=\([0-9]*\) .*/\1/p' "$work/ports" 2>/dev/null)
        [ -n "$port" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.02
    done
    if [ -z "$port" ]; then
        if kill -0 "$server_pid" 2>/dev/null; then
            srv_why="neither started nor exited in 5 s"
        else
            wait "$server_pid"
            local src=$?
            if [ "$src" -ge 128 ]; then srv_why="died of signal $((src - 128)) starting: $(head -c 200 "$work/server.err")"
            elif [ "$src" -eq 0 ]; then srv_why="exited 0 without starting"
            elif [ ! -s "$work/server.err" ]; then srv_why="exit $src without a message"
            fi
        fi
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=
        return
    fi
    srv_started=1
    timeout 20 "$build/residue-client" --connect "127.0.0.1:$port" --client-private-key "$client_priv" \
        --timeout-ms 3000 "$line" >"$work/client.out" 2>&1
    local crc=$?
    kill -TERM "$server_pid" 2>/dev/null
    for i in $(seq 250); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.02; done
    if kill -0 "$server_pid" 2>/dev/null; then
        srv_why="did not stop in 5 s after SIGTERM"
        kill -KILL "$server_pid" 2>/dev/null
    fi
    wait "$server_pid" 2>/dev/null
    local src=$?
    server_pid=
    [ -n "$srv_why" ] && return
    if [ "$src" -ge 128 ]; then srv_why="died of signal $((src - 128)): $(head -c 300 "$work/server.err" | tr '\n' '|')"; return; fi
    [ "$src" -eq 0 ] || { srv_why="exit $src on SIGTERM: $(head -c 200 "$work/server.err")"; return; }
    local got
    got=$(grep -c -F "\"msg\":\"$line\"" "$work/server.log" 2>/dev/null)
    if [ "$crc" -eq 0 ]; then
        srv_logged=1
        [ "$got" = 1 ] || srv_why="the client logged the line but the log file has it $got times"
    elif [ "$crc" -ge 124 ]; then
        srv_why="the client exited $crc (timeout or signal): $(tail -c 200 "$work/client.out")"
    elif [ "${got:-0}" -gt 1 ]; then
        srv_why="the log file has the line $got times"
    elif [ ! -s "$work/server.err" ] && ! grep -q '(rejected)$' "$work/client.out"; then
        # the server failed the client and said nothing, neither to it nor on stderr
        srv_why="the client failed ($(tail -1 "$work/client.out")) and the server said nothing"
    fi
    if [ "${ALLOC_FAULTS_VERBOSE:-0}" = 1 ] && [ "$crc" -ne 0 ]; then
        echo "alloc-faults: server N=$n: client exit $crc: $(tail -1 "$work/client.out"); server: $(tr '\n' '|' < "$work/server.err")"
    fi
}

sweep_server() {
    local budget=$1 total n bad=0 count=0 started=0 logged=0 t0=$SECONDS
    server_once 0 "alloc-faults reference"
    [ -z "$srv_why" ] && [ "$srv_started" = 1 ] || { fail "server: without failures: ${srv_why:-it did not start}"; return; }
    total=$(awk '{print $2}' "$work/server.report")
    for n in $(points "$total" "$budget" 20 0); do
        count=$((count + 1))
        server_once "$n" "alloc-faults line $n"
        started=$((started + srv_started))
        logged=$((logged + srv_logged))
        if [ -n "$srv_why" ]; then
            fail "server N=$n: $srv_why"
            bad=$((bad + 1))
            [ "$bad" -ge 5 ] && { echo "alloc-faults: server: stopping after 5 failures"; return; }
        fi
    done
    echo "alloc-faults: server: $total allocations (start, one client, stop), $count runs (stride $(cat "$work/stride")), $started started, $logged logged the line, $bad failed ($((SECONDS - t0)) s)"
}

# The front end (the first ~3080 allocations) is the same in all four rprotoc runs: --check
# sweeps it densely, the validate runs mostly their own tail (reading and checking the
# document, printing the report).
sweep_rprotoc check 0 0 500 200 100 "$rp" --check spec/residue.rproto
sweep_dir gen 500 200 150 spec/residue.rproto
sweep_dir diagram 100 0 250 --emit diagram spec/residue.rproto
sweep_rprotoc validate-connect 0 0 100 0 200 \
    "$rp" validate spec/residue.rproto Connect "$vec/A-unknown-plain/01-connect.c2s.plain.json"
sweep_rprotoc validate-bulk 0 0 100 0 200 \
    "$rp" validate spec/residue.rproto LogBulk "$vec/A-unknown-plain/11-bulk-compressed.c2s.plain.json"
sweep_rprotoc validate-invalid 1 1 100 0 200 \
    "$rp" validate --format json spec/residue.rproto Connect "$vec/F-errors/07-connect-key-size-100.c2s.plain.json"
sweep_session session 300
every=1 sweep_session session-every 120
every=0
sweep_server 250

# Leaks and memory errors on the error paths: the ASan build of the driver (optional: the
# sanitizer build of the libraries takes minutes; make check builds it for check-san).
if [ "${ALLOC_FAULTS_SAN:-0}" = 1 ]; then
    san=$build/san
    if make --no-print-directory -s SAN=1 BUILD="$san" "$san/hostile/session-faults" "$san/hostile/failalloc.so"; then
        t0=$SECONDS
        cmd=("$san/hostile/session-faults" "$vec")
        sshim=$(cd "$san/hostile" && pwd)/failalloc.so
        total=$(RP_FAIL_ALLOC_REPORT=$work/report LD_PRELOAD=$sshim ASAN_OPTIONS=verify_asan_link_order=0 "${cmd[@]}" >/dev/null 2>&1; awk '{print $2}' "$work/report")
        bad=0 count=0
        for n in $(points "$total" "${ALLOC_FAULTS_SAN_BUDGET:-300}" 20 20); do
            count=$((count + 1))
            (ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1 RP_FAIL_ALLOC_AT=$n LD_PRELOAD=$sshim \
                exec timeout 60 "${cmd[@]}" >"$work/out" 2>"$work/err") 2>/dev/null
            rc=$?
            if [ "$rc" -gt 1 ] || grep -q 'Sanitizer' "$work/err"; then
                fail "session-asan N=$n: exit $rc: $(grep -E 'ERROR|SUMMARY' "$work/err" | head -2 | tr '\n' '|')"
                bad=$((bad + 1))
            fi
        done
        echo "alloc-faults: session-asan: $total allocations, $count runs (stride $(cat "$work/stride")), $bad failed ($((SECONDS - t0)) s)"
    else
        fail "session-asan: the sanitizer build failed"
    fi
fi

if [ "$problems" -eq 0 ]; then echo "alloc-faults: PASS"; else echo "alloc-faults: $problems problem(s)"; exit 1; fi
