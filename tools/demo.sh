#!/usr/bin/env bash
# `make demo`: our residue-client against our residue-server on loopback.
#
#   tools/demo.sh [BUILD_DIR]      (make demo passes $(BUILD); default build)
#
# Starts build/residue-server on free 127.0.0.1 ports with a temporary config and log file,
# runs build/residue-client -v through CONNECT -> hello -> ACK -> established -> TOUCH ->
# three log lines, prints the client's decoded transcript (message, envelope kind, size),
# then the lines the server wrote to its log file, stops the server, and shows the server's
# own -v trace of the same exchange.
# Exit 0 only if every step worked and each of the three lines was written exactly once.
set -u
. "$(dirname "$0")/lib/server-ports.sh"

build=${1:-build}
server_bin=$build/residue-server
client_bin=$build/residue-client
step_timeout=${DEMO_TIMEOUT:-30}

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
fail() { echo; echo "demo: FAILED: $*"; exit 1; }
indent() { sed 's/^/    /'; }

for b in "$server_bin" "$client_bin"; do
    [ -x "$b" ] || fail "$b is not built (run: make demo, which builds it first)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rproto-demo.XXXXXX") || fail "mktemp failed"
server_pid=
stop_server() {
    local pid=$server_pid i rc
    [ -n "$pid" ] || return 0
    server_pid=
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null; rc=$?
        echo "residue-server (pid $pid) had already exited, status $rc, before it was asked to stop"
        [ "$rc" -eq 0 ] && rc=1
        return "$rc"
    fi
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return 1; fi
    wait "$pid" 2>/dev/null
}
trap 'stop_server >/dev/null 2>&1; rm -rf "$tmp"' EXIT
trap 'echo "demo: interrupted"; exit 1' INT TERM HUP

# The same keys the real residue server uses; defaults spelled out so the demo does not
# depend on them. Plain CONNECT from an unmanaged client: no server RSA key needed.
cat > "$tmp/server.json" <<'EOF'
{"connect_port":0,"logging_port":0,
 "allow_insecure_connection":true,"allow_unmanaged_clients":true,
 "requires_timestamp":true,"timestamp_validity":120,
 "compression":true,"allow_bulk_log_request":true,"max_items_in_bulk":50,
 "client_age":3600,"non_acknowledged_client_age":300,"default_key_size":256}
EOF
log_file=$tmp/server-log.jsonl
: > "$log_file"

bold "== 1. start residue-server (loopback, free ports)"
echo "    \$ $server_bin -v --config server.json --connect-port 0 --logging-port 0 --log-file server-log.jsonl --ports-file ports"
"$server_bin" -v --config "$tmp/server.json" --connect-port 0 --logging-port 0 \
    --log-file "$log_file" --ports-file "$tmp/ports" >"$tmp/server.out" 2>&1 &
server_pid=$!
port=$(server_connect_port "$tmp/ports" "$server_pid")
if [ -z "$port" ]; then
    indent < "$tmp/server.out"
    fail "residue-server did not start (no ports line within 10 s)"
fi
echo "    $(head -1 "$tmp/ports")   (pid $server_pid)"

messages=("demo line 1: hello from residue-client"
          "demo line 2: the handshake is done, this is a log request"
          "demo line 3: goodbye")
bold "== 2. residue-client -v: CONNECT -> hello -> ACK -> established -> TOUCH -> 3 log lines"
echo "    \$ $client_bin -v --connect 127.0.0.1:$port --touch --bulk-size 1 --logger demo --app rproto-demo --level info \\"
printf '        "%s" \\\n' "${messages[@]:0:2}"; printf '        "%s"\n' "${messages[2]}"
# --bulk-size 1: one log request per line, so the transcript shows each request and reply
# (without it the client would send the three lines as one compressed bulk request).
timeout --kill-after=5 "$step_timeout" "$client_bin" -v --connect "127.0.0.1:$port" --touch --bulk-size 1 \
    --logger demo --app rproto-demo --level info "${messages[@]}" >"$tmp/client.out" 2>&1
client_rc=$?
indent < "$tmp/client.out"
echo "    (residue-client exit status $client_rc)"

# Give the server a moment to flush (it writes each line flushed, but the client may exit
# as soon as it has its {"r":0} replies).
for _ in $(seq 20); do
    [ "$(grep -c . "$log_file")" -ge 3 ] && break
    sleep 0.1
done

bold "== 3. what the server wrote to its --log-file"
if [ -s "$log_file" ]; then indent < "$log_file"; else echo "    (nothing)"; fi

bold "== 4. stop residue-server (SIGTERM)"
stop_server; server_rc=$?
echo "    residue-server exit status $server_rc"

bold "== 5. the same exchange as the server saw it (residue-server -v, stderr)"
if [ -s "$tmp/server.out" ]; then indent < "$tmp/server.out"; else echo "    (nothing)"; fi

problems=()
[ "$client_rc" -eq 0 ] || problems+=("residue-client exited $client_rc")
[ "$server_rc" -eq 0 ] || problems+=("residue-server exited $server_rc on SIGTERM")
for m in "${messages[@]}"; do
    n=$(grep -cF "\"msg\":\"$m\"" "$log_file")
    [ "$n" -eq 1 ] || problems+=("log line \"$m\" written $n times (expected 1)")
done
echo
if [ "${#problems[@]}" -ne 0 ]; then
    printf 'demo: problem: %s\n' "${problems[@]}"
    fail "${#problems[@]} problem(s)"
fi
bold "demo: OK: handshake, TOUCH and 3 log lines, each written once by the server"
