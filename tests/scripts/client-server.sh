#!/usr/bin/env bash
# Our residue-client against our residue-server on loopback (issue 5 "Show").
#
#   tests/scripts/client-server.sh BUILD_DIR        (run from the project root)
#
# One server on free ports (port 0) with the 8192-bit sample server key and one managed
# client; four client runs, each a different mix:
#   unmanaged + plain CONNECT + AES-128, generated key pair, single uncompressed logs
#   unmanaged + RSA CONNECT   + AES-192, given key pair,     bulk compressed logs
#   managed   + plain CONNECT + AES-256 (requested),        single compressed logs
#   managed   + RSA CONNECT   + AES-192 (per-client),       bulk uncompressed logs
# 250 lines each = 1,000 lines; every one must be in the server's log file exactly once.
# Then a second server with allow_insecure_connection=false refuses a plain CONNECT, and an
# oversized packet closes only its own connection. Two servers writing the records to stdout
# (no --log-file, --log-file -) print their ports line on stderr: stdout has records only.
# Every server is killed on exit.
set -u
. "$(dirname "$0")/../../tools/lib/server-ports.sh"

build=${1:?usage: tests/scripts/client-server.sh BUILD_DIR}
server_bin=$build/residue-server
client_bin=$build/residue-client
vec=../shared/vectors
server_priv=$vec/B-unknown-rsa/keys/server-private.pem
server_pub=$vec/B-unknown-rsa/keys/server-public.pem
client_priv=$vec/A-unknown-plain/keys/client-private.pem
client_pub=$vec/A-unknown-plain/keys/client-public.pem
per_run=${CLIENT_SERVER_TIMEOUT:-60}

fail() { echo "FAIL: client-server: $*"; exit 1; }
for f in "$server_bin" "$client_bin"; do [ -x "$f" ] || fail "$f is not built"; done
for f in "$server_priv" "$server_pub" "$client_priv" "$client_pub"; do
    [ -r "$f" ] || fail "fixture $f missing (tests read ../shared in place)"
done
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/client-server.XXXXXX") || fail "mktemp failed"
pids=()
cleanup() {
    local p
    for p in "${pids[@]+"${pids[@]}"}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "FAIL: client-server: interrupted"; exit 1' INT TERM HUP

# start_server NAME CONFIG [extra args] -> sets $port (connect) and $pid
start_server() {
    local name=$1 config=$2
    shift 2
    "$server_bin" --config "$config" --connect-port 0 --logging-port 0 \
        --log-file "$tmp/$name.log" --ports-file "$tmp/$name.ports" "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids+=("$pid")
    port=$(server_connect_port "$tmp/$name.ports" "$pid")
    [ -n "$port" ] || { cat "$tmp/$name.err"; fail "server $name did not print its ports line"; }
    grep -q "^residue-server: connect_port=$port logging_port=[0-9]*$" "$tmp/$name.out" \
        || fail "server $name did not print the ports line on stdout"
}

# stop_server PID -> 0 when it exited 0 on SIGTERM within 5 s
stop_server() {
    local p=$1 i
    kill -TERM "$p" 2>/dev/null
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && return 1
    wait "$p"
}

cat > "$tmp/server.json" <<EOF
{"connect_port":0,"logging_port":0,
 "server_rsa_private_key":"$(abs "$server_priv")","server_rsa_public_key":"$(abs "$server_pub")",
 "allow_insecure_connection":true,"allow_unmanaged_clients":true,
 "managed_clients":[{"client_id":"script-managed","public_key":"$(abs "$client_pub")","key_size":192}],
 "requires_timestamp":true,"timestamp_validity":120,"compression":true,
 "allow_bulk_log_request":true,"max_items_in_bulk":50,
 "client_age":3600,"non_acknowledged_client_age":300,"default_key_size":256,
 "unknown_key_is_ignored":{"like":["the","real","server"]}}
EOF
start_server main "$tmp/server.json" -v
main_pid=$pid
main_port=$port
echo "client-server: server pid $main_pid: $(cat "$tmp/main.ports")"

: > "$tmp/expected"
problems=0
# run NAME EXPECTED_TRACE_REGEX... -- client args ; 250 lines on stdin
run() {
    local name=$1; shift
    local patterns=()
    while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
    shift
    local i
    for i in $(seq 250); do echo "cs $name line $i of 250"; done > "$tmp/$name.in"
    cat "$tmp/$name.in" >> "$tmp/expected"
    local start=$SECONDS
    timeout --kill-after=5 "$per_run" "$client_bin" -v --connect "127.0.0.1:$main_port" \
        --logger "cs-$name" --app client-server "$@" < "$tmp/$name.in" > "$tmp/$name.client" 2>&1
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "client-server: [$name] residue-client exited $rc:"; sed 's/^/    /' "$tmp/$name.client"
        problems=$((problems + 1)); return
    fi
    local p
    for p in "${patterns[@]}"; do
        if ! grep -Eq -- "$p" "$tmp/$name.client"; then
            echo "client-server: [$name] transcript lacks /$p/:"; sed 's/^/    /' "$tmp/$name.client"
            problems=$((problems + 1)); return
        fi
    done
    if grep -Eiq 'key=[0-9A-F]{32}' "$tmp/$name.client"; then
        echo "client-server: [$name] the transcript shows a key"; problems=$((problems + 1)); return
    fi
    echo "client-server: [$name] ok ($((SECONDS - start)) s): $(tail -1 "$tmp/$name.client")"
}

run unmanaged-plain-128 \
    '^-> CONNECT \(plain, [0-9]+ bytes\) \{"_t":[0-9]+,"type":1,"key_size":128,"rsa_public_key":"LS0t' \
    '^<- HELLO \(rsa, 348 bytes\) client_id=[a-z]{16} key=<128-bit, hidden> token=<present>' \
    '^-> ACK \(aes, [0-9]+ bytes\)' '^<- ESTABLISHED \(aes, [0-9]+ bytes\).* flags=1521 max_bulk_size=50 ' \
    '^-> LOG \(aes, [0-9]+ bytes\) \{"_t":' '250 accepted, 0 rejected' \
    -- --key-size 128 --bulk-size 1 --no-compression
run unmanaged-rsa-192 \
    '^-> CONNECT \(rsa, 1372 bytes\)' '^<- HELLO \(rsa, 348 bytes\) client_id=[a-z]{16} key=<192-bit, hidden>' \
    '^-> LOG-BULK \(aes\+zlib, [0-9]+ bytes\) bulk of 50 records' '250 log line\(s\) in 5 request\(s\): 250 accepted' \
    -- --server-public-key "$server_pub" --client-private-key "$client_priv" --key-size 192 --touch
run managed-plain-256 \
    '^-> CONNECT \(plain, [0-9]+ bytes\) \{"_t":[0-9]+,"type":1,"key_size":256,"client_id":"script-managed"\}' \
    '^<- HELLO \(rsa, 348 bytes\) client_id=script-managed key=<256-bit, hidden>' \
    '^-> LOG \(aes\+zlib, [0-9]+ bytes\)' '250 log line\(s\) in 250 request\(s\): 250 accepted' \
    -- --client-id script-managed --client-private-key "$client_priv" --key-size 256 --bulk-size 1
run managed-rsa-192 \
    '^-> CONNECT \(rsa, 1372 bytes\)' '^<- HELLO \(rsa, 348 bytes\) client_id=script-managed key=<(192|256)-bit, hidden>' \
    '^-> TOUCH \(aes' '^-> LOG-BULK \(aes, [0-9]+ bytes\) bulk of 25 records' '250 accepted, 0 rejected' \
    -- --client-id script-managed --client-private-key "$client_priv" --server-public-key "$server_pub" \
       --touch --bulk-size 25 --no-compression

# every line exactly once
sort "$tmp/expected" > "$tmp/want"
sed -n 's/^{"client_id":"[^"]*","logger":"cs-[^"]*","level":"info","msg":"\([^"]*\)","app":"client-server","datetime":[0-9]*}$/\1/p' \
    "$tmp/main.log" | sort > "$tmp/got"
lines=$(wc -l < "$tmp/main.log")
if ! cmp -s "$tmp/want" "$tmp/got" || [ "$lines" -ne 1000 ]; then
    echo "client-server: the log file has $lines lines; differences (< expected, > written):"
    diff "$tmp/want" "$tmp/got" | head -20 | sed 's/^/    /'
    problems=$((problems + 1))
else
    echo "client-server: all 1000 lines in the server's log file exactly once"
fi
dups=$(sort "$tmp/got" | uniq -d | wc -l)
[ "$dups" -eq 0 ] || { echo "client-server: $dups duplicated lines"; problems=$((problems + 1)); }

# ---- many clients at once, framing edge cases ------------------------------------------------
par_start=$SECONDS
par_pids=()
for c in $(seq 20); do
    for i in $(seq 10); do echo "par client $c line $i"; done > "$tmp/par$c.in"
    timeout --kill-after=5 "$per_run" "$client_bin" --connect "127.0.0.1:$main_port" \
        --client-private-key "$client_priv" --logger par --app client-server --bulk-size 3 \
        < "$tmp/par$c.in" > "$tmp/par$c.out" 2>&1 &
    par_pids+=($!)
done
par_failed=0
for p in "${par_pids[@]}"; do wait "$p" || par_failed=$((par_failed + 1)); done
cat "$tmp"/par*.in | sort > "$tmp/par.want"
grep '"logger":"par"' "$tmp/main.log" | sed -n 's/.*"msg":"\([^"]*\)".*/\1/p' | sort > "$tmp/par.got"
if [ "$par_failed" -ne 0 ] || ! cmp -s "$tmp/par.want" "$tmp/par.got"; then
    echo "client-server: 20 parallel clients: $par_failed failed; $(wc -l < "$tmp/par.got") of 200 lines written"
    cat "$tmp"/par*.out | head -20 | sed 's/^/    /'
    problems=$((problems + 1))
else
    echo "client-server: 20 clients at once: all 200 lines written exactly once ($((SECONDS - par_start)) s)"
fi
# a stdin line that is not UTF-8 is dropped with its line number; the others are sent
printf 'utf8 ok 1\n\nutf8 bad \377 here\nutf8 ok 4\n\303\n' > "$tmp/utf8.in"
timeout --kill-after=5 "$per_run" "$client_bin" --connect "127.0.0.1:$main_port" \
    --client-private-key "$client_priv" --logger utf8 --app client-server \
    < "$tmp/utf8.in" > "$tmp/utf8.out" 2> "$tmp/utf8.err"
utf8_rc=$?
utf8_got=$(grep '"logger":"utf8"' "$tmp/main.log" | sed -n 's/.*"msg":"\([^"]*\)".*/\1/p' | tr '\n' '|')
if [ "$utf8_rc" -ne 1 ] || [ "$utf8_got" != "utf8 ok 1|utf8 ok 4|" ] ||
   ! grep -qx 'residue-client: stdin:3: not UTF-8, line dropped (invalid UTF-8 byte 0xFF (byte never valid in UTF-8) at byte offset 9)' "$tmp/utf8.err" ||
   ! grep -qx 'residue-client: stdin:5: not UTF-8, line dropped (invalid UTF-8 byte 0xC3 (truncated sequence) at byte offset 0)' "$tmp/utf8.err" ||
   [ "$(wc -l < "$tmp/utf8.err")" -ne 2 ]; then
    echo "client-server: a stdin line not UTF-8: exit $utf8_rc (want 1), logged '$utf8_got':"
    sed 's/^/    /' "$tmp/utf8.err" "$tmp/utf8.out"; problems=$((problems + 1))
else
    echo "client-server: stdin lines 3 and 5 (not UTF-8) dropped with their line numbers, exit 1; lines 1 and 4 logged"
fi
# a packet split over three writes gets one reply; two packets in one write get two replies
invalid='{"status":1,"ack":0,"error_text":"Invalid connection request. Are you sending it to correct port?"}'
if exec 3<>"/dev/tcp/127.0.0.1/$main_port"; then
    printf 'x' >&3; sleep 0.2; printf 'y\r\n' >&3; sleep 0.2; printf '\r\n' >&3
    got=$(timeout 5 head -c 103 <&3 | tr -d '\r\n')
    [ "$got" = "$invalid" ] || { echo "client-server: split packet: got '$got'"; problems=$((problems + 1)); }
    printf 'a\r\n\r\nb\r\n\r\n' >&3
    got=$(timeout 5 head -c 206 <&3 | tr -d '\r\n')
    [ "$got" = "$invalid$invalid" ] || { echo "client-server: pipelined packets: got '$got'"; problems=$((problems + 1)); }
    exec 3>&-
else
    echo "client-server: cannot open a raw connection"; problems=$((problems + 1))
fi

# the server's -v trace names the steps and never a key
grep -q '^residue-server: <- CONNECT (rsa, 1372 bytes)' "$tmp/main.err" \
    || { echo "client-server: server trace lacks the RSA CONNECT"; problems=$((problems + 1)); }
if grep -Eiq '[0-9A-F]{32}' "$tmp/main.err"; then
    echo "client-server: the server trace shows key material"; problems=$((problems + 1))
fi

# ---- a server that refuses plain connections; an oversized packet ---------------------------
sed 's/"allow_insecure_connection":true/"allow_insecure_connection":false/' "$tmp/server.json" > "$tmp/secure.json"
start_server secure "$tmp/secure.json" --max-packet 4096 --max-connections 20
secure_pid=$pid
secure_port=$port
if timeout "$per_run" "$client_bin" --connect "127.0.0.1:$secure_port" "refused" > "$tmp/plain.out" 2>&1; then
    echo "client-server: a plain CONNECT was accepted with allow_insecure_connection=false"
    problems=$((problems + 1))
elif ! grep -q 'Plain connections not allowed by the server' "$tmp/plain.out"; then
    echo "client-server: plain CONNECT refused with the wrong reason:"; sed 's/^/    /' "$tmp/plain.out"
    problems=$((problems + 1))
fi
# 8 KiB without a delimiter on a 4 KiB server: that connection is closed, the server lives on
if exec 3<>"/dev/tcp/127.0.0.1/$secure_port"; then
    head -c 8192 /dev/zero | tr '\0' 'x' >&3 2>/dev/null
    if ! timeout 5 cat <&3 > /dev/null; then
        echo "client-server: the oversized packet's connection was not closed"; problems=$((problems + 1))
    fi
    exec 3>&-
fi
grep -q 'packet exceeds\|too big\|closing a connect-port connection' "$tmp/secure.err" \
    || { echo "client-server: no message about the oversized packet:"; sed 's/^/    /' "$tmp/secure.err"; problems=$((problems + 1)); }
if ! timeout "$per_run" "$client_bin" --connect "127.0.0.1:$secure_port" --server-public-key "$server_pub" \
        "after oversize" > "$tmp/after.out" 2>&1; then
    echo "client-server: the server did not serve a client after the oversized packet:"
    sed 's/^/    /' "$tmp/after.out"; problems=$((problems + 1))
fi
grep -q '"msg":"after oversize"' "$tmp/secure.log" \
    || { echo "client-server: 'after oversize' not logged"; problems=$((problems + 1)); }

# 40 idle half-open connections on a server with 20 slots: the idle ones make room, a real
# client still gets through
held=()
for i in $(seq 40); do
    if exec {fd}<>"/dev/tcp/127.0.0.1/$secure_port"; then printf '{"_t":' >&"$fd"; held+=("$fd"); fi
done
sleep 0.3
if ! timeout "$per_run" "$client_bin" --connect "127.0.0.1:$secure_port" --server-public-key "$server_pub" \
        "while crowded" > "$tmp/crowded.out" 2>&1; then
    echo "client-server: with 40 idle connections on 20 slots the client failed:"
    sed 's/^/    /' "$tmp/crowded.out"; problems=$((problems + 1))
fi
for fd in "${held[@]}"; do exec {fd}>&-; done
grep -q '"msg":"while crowded"' "$tmp/secure.log" \
    || { echo "client-server: 'while crowded' not logged"; problems=$((problems + 1)); }

# ---- records on stdout (no --log-file, or --log-file -): stdout carries records only, the
# ports line goes to stderr (and to --ports-file, unchanged) ---------------------------------
for variant in default dash; do
    log_args=()
    [ "$variant" = dash ] && log_args=(--log-file -)
    "$server_bin" --config "$tmp/server.json" --connect-port 0 --logging-port 0 \
        "${log_args[@]+"${log_args[@]}"}" --ports-file "$tmp/stdout-$variant.ports" \
        >"$tmp/stdout-$variant.out" 2>"$tmp/stdout-$variant.err" &
    so_pid=$!
    pids+=("$so_pid")
    so_port=$(server_connect_port "$tmp/stdout-$variant.ports" "$so_pid")
    if [ -z "$so_port" ]; then
        echo "client-server: [records on stdout, $variant] no ports line:"
        sed 's/^/    /' "$tmp/stdout-$variant.err"; problems=$((problems + 1)); continue
    fi
    for i in 1 2 3; do echo "to stdout $variant $i"; done |
        timeout "$per_run" "$client_bin" --connect "127.0.0.1:$so_port" \
            --client-private-key "$client_priv" --logger default --app client-server \
            > "$tmp/stdout-$variant.client" 2>&1 \
        || { echo "client-server: [records on stdout, $variant] client failed:"
             sed 's/^/    /' "$tmp/stdout-$variant.client"; problems=$((problems + 1)); }
    stop_server "$so_pid" \
        || { echo "client-server: [records on stdout, $variant] server did not exit 0"; problems=$((problems + 1)); }
    records=$(grep -c '^{"client_id":"[a-z]*","logger":"default","level":"info","msg":"to stdout '"$variant"' [123]","app":"client-server","datetime":[0-9]*}$' \
        "$tmp/stdout-$variant.out")
    total=$(wc -l < "$tmp/stdout-$variant.out")
    if [ "$records" -ne 3 ] || [ "$total" -ne 3 ]; then
        echo "client-server: [records on stdout, $variant] stdout has $total lines, $records records (want 3 and 3):"
        sed 's/^/    /' "$tmp/stdout-$variant.out" | head -10; problems=$((problems + 1))
    fi
    ports_line=$(cat "$tmp/stdout-$variant.ports")
    if ! grep -qxF -- "$ports_line" "$tmp/stdout-$variant.err" \
            || ! grep -q '^residue-server: connect_port=[0-9]* logging_port=[0-9]*$' "$tmp/stdout-$variant.err"; then
        echo "client-server: [records on stdout, $variant] the ports line is not on stderr:"
        sed 's/^/    /' "$tmp/stdout-$variant.err" | head -10; problems=$((problems + 1))
    else
        echo "client-server: [records on stdout, $variant] ok: stdout has the 3 records only, the ports line is on stderr"
    fi
done

# ---- started with stdout or stderr closed (>&-, as some supervisors do): the log file must not
# get descriptor 1 or 2, or the ports line and the diagnostics (-v) land among the records ----
for closed in stdout stderr; do
    cl_log=$tmp/closed-$closed.log
    if [ "$closed" = stdout ]; then
        "$server_bin" --config "$tmp/server.json" --connect-port 0 --logging-port 0 -v \
            --log-file "$cl_log" --ports-file "$tmp/closed-$closed.ports" >&- 2>"$tmp/closed-$closed.err" &
    else
        "$server_bin" --config "$tmp/server.json" --connect-port 0 --logging-port 0 -v \
            --log-file "$cl_log" --ports-file "$tmp/closed-$closed.ports" >"$tmp/closed-$closed.err" 2>&- &
    fi
    cl_pid=$!
    pids+=("$cl_pid")
    cl_port=$(server_connect_port "$tmp/closed-$closed.ports" "$cl_pid")
    [ -n "$cl_port" ] || { echo "client-server: [$closed closed] no ports file"; problems=$((problems + 1)); continue; }
    echo "with $closed closed" | timeout "$per_run" "$client_bin" --connect "127.0.0.1:$cl_port" \
        --client-private-key "$client_priv" --logger default --app client-server \
        > "$tmp/closed-$closed.client" 2>&1 \
        || { echo "client-server: [$closed closed] client failed:"; sed 's/^/    /' "$tmp/closed-$closed.client"
             problems=$((problems + 1)); }
    stop_server "$cl_pid" || { echo "client-server: [$closed closed] server did not exit 0"; problems=$((problems + 1)); }
    if [ "$(wc -l < "$cl_log")" -ne 1 ] || ! grep -q '"msg":"with '"$closed"' closed"' "$cl_log"; then
        echo "client-server: [$closed closed] the log file holds more than the one record:"
        sed 's/^/    /' "$cl_log" | head -5; problems=$((problems + 1))
    else
        echo "client-server: [$closed closed] ok: the log file holds the record only"
    fi
done

# ---- stdin and stdout edge cases of residue-client ----------------------------------------
# ce_run NAME WANT_RC -- client args: runs the client against the main server, stdout and stderr
# to $tmp/ce-NAME.out / .err (stdin as given by the caller, not by a pipe: the count of problems
# would stay in the pipe's subshell); complains unless it exits WANT_RC
ce_run() {
    local name=$1 want=$2 rc
    shift 3
    timeout --kill-after=5 10 "$client_bin" --connect "127.0.0.1:$main_port" \
        --client-private-key "$client_priv" --app client-server "$@" \
        > "$tmp/ce-$name.out" 2> "$tmp/ce-$name.err"
    rc=$?
    [ "$rc" -eq "$want" ] && return 0
    echo "client-server: [$name] residue-client exited $rc (want $want):"
    sed 's/^/    /' "$tmp/ce-$name.err" | head -10; problems=$((problems + 1)); return 1
}
ce_msgs() { grep "\"logger\":\"$1\"" "$tmp/main.log" | sed -n 's/.*"msg":"\([^"]*\)".*/\1/p'; }
# N10: the server's reserved logger is refused up front
if ce_run reserved 2 -- --logger residue "to the reserved logger" < /dev/null; then
    if ! grep -q '^residue-client: --logger residue: the server reserves the logger id "residue"' "$tmp/ce-reserved.err" ||
       grep -q 'to the reserved logger' "$tmp/main.log"; then
        echo "client-server: [--logger residue] stderr:"; sed 's/^/    /' "$tmp/ce-reserved.err"
        problems=$((problems + 1))
    else
        echo "client-server: [--logger residue] ok: usage error, exit 2"
    fi
fi
# N8: a read error on stdin is not end of input
if ce_run stdin-dir 1 -- --logger ce-dir < "$tmp"; then
    if [ "$(cat "$tmp/ce-stdin-dir.err")" != "residue-client: stdin: read error: Is a directory" ]; then
        echo "client-server: [stdin a directory] stderr:"; sed 's/^/    /' "$tmp/ce-stdin-dir.err"
        problems=$((problems + 1))
    else
        echo "client-server: [stdin a directory] ok: read error said, exit 1"
    fi
fi
# N6: the CR of a CRLF is not counted against --max-line (it is not sent either)
if ce_run crlf 0 -- --logger ce-crlf --max-line 10 < <(printf '1234567890\r\n'); then
    if [ "$(ce_msgs ce-crlf)" != "1234567890" ] || [ -s "$tmp/ce-crlf.err" ]; then
        echo "client-server: [CRLF at --max-line] stored '$(ce_msgs ce-crlf)', stderr:"
        sed 's/^/    /' "$tmp/ce-crlf.err"; problems=$((problems + 1))
    else
        echo "client-server: [CRLF at --max-line] ok: 1234567890 stored"
    fi
fi
if ce_run crlf-long 1 -- --logger ce-crlf-long --max-line 10 < <(printf '12345678901\r\n'); then
    if [ "$(cat "$tmp/ce-crlf-long.err")" != "residue-client: stdin:1: a line of 11 bytes is longer than --max-line 10; not sent" ] ||
       [ -n "$(ce_msgs ce-crlf-long)" ]; then
        echo "client-server: [CRLF over --max-line] stderr:"; sed 's/^/    /' "$tmp/ce-crlf-long.err"
        problems=$((problems + 1))
    else
        echo "client-server: [CRLF over --max-line] ok: 11 bytes refused, exit 1"
    fi
fi
# N13: -v's stdout goes away (| head -1): no SIGPIPE, tracing stops (said once), all delivered
seq 1 1000 | timeout --kill-after=5 "$per_run" "$client_bin" -v --connect "127.0.0.1:$main_port" \
    --client-private-key "$client_priv" --app client-server --logger ce-head 2> "$tmp/ce-head.err" | head -1 > /dev/null
head_rc=${PIPESTATUS[1]}
if [ "$head_rc" -ne 0 ] || [ "$(ce_msgs ce-head | wc -l)" -ne 1000 ]; then
    echo "client-server: [-v | head -1] exit $head_rc (want 0), $(ce_msgs ce-head | wc -l) of 1000 lines stored:"
    sed 's/^/    /' "$tmp/ce-head.err" | head -5; problems=$((problems + 1))
else
    echo "client-server: [-v | head -1] ok: exit 0, all 1000 lines stored"
fi
# the reader gone before the first trace line: EPIPE at once, deterministically
(sleep 0.5; exec timeout --kill-after=5 "$per_run" "$client_bin" -v --connect "127.0.0.1:$main_port" \
    --client-private-key "$client_priv" --app client-server --logger ce-epipe epipe-1 epipe-2 \
    2> "$tmp/ce-epipe.err") | true
epipe_rc=${PIPESTATUS[0]}
if [ "$epipe_rc" -ne 0 ] || [ "$(ce_msgs ce-epipe | tr '\n' '|')" != "epipe-1|epipe-2|" ] ||
   [ "$(cat "$tmp/ce-epipe.err")" != "residue-client: -v: stdout closed, tracing stopped" ]; then
    echo "client-server: [-v, stdout without reader] exit $epipe_rc (want 0), stored '$(ce_msgs ce-epipe | tr '\n' '|')', stderr:"
    sed 's/^/    /' "$tmp/ce-epipe.err" | head -5; problems=$((problems + 1))
else
    echo "client-server: [-v, stdout without reader] ok: exit 0, both stored, tracing stopped said once"
fi
# N7: stdin closed and no MESSAGE is an empty input (no hang on the logger's own pipe)
if ce_run stdin-closed 0 -- --logger ce-closed <&-; then
    if [ -s "$tmp/ce-stdin-closed.err" ] || [ -n "$(ce_msgs ce-closed)" ]; then
        echo "client-server: [stdin closed] stderr:"; sed 's/^/    /' "$tmp/ce-stdin-closed.err"
        problems=$((problems + 1))
    else
        echo "client-server: [stdin closed] ok: nothing sent, exit 0"
    fi
fi

for p in "$main_pid" "$secure_pid"; do
    if ! stop_server "$p"; then
        echo "client-server: server pid $p did not exit 0 on SIGTERM"; problems=$((problems + 1))
    fi
done
pids=()
[ "$problems" -eq 0 ] || fail "$problems problem(s)"
echo "client-server: PASS"
