# Shared by tests/scripts/hostile-wire.sh and load.sh (sourced, not run): start and stop a
# residue-server on 127.0.0.1 with free ports, and read its memory from /proc.
#
#   start_server BUILD WORKDIR [extra config JSON members [server options...]]
#                                                            sets SERVER_PID, CPORT, LPORT, SERVER_LOG
#   stop_server                                              SIGTERM, waits; sets SERVER_RC
#   vm KEY                                                   VmRSS / VmHWM of the server, kB

KEYS_A=../shared/vectors/A-unknown-plain/keys
KEYS_B=../shared/vectors/B-unknown-rsa/keys

start_server() {
    local build=$1 dir=$2 extra=${3:-}
    shift 3 2>/dev/null || shift $#
    mkdir -p "$dir"
    SERVER_LOG=$dir/server-log.jsonl
    : > "$SERVER_LOG"
    cat > "$dir/residue.conf.json" <<JSON
{"allow_insecure_connection":true,"allow_unmanaged_clients":true,"requires_timestamp":true,
 "timestamp_validity":120,"compression":true,"allow_bulk_log_request":true,
 "max_items_in_bulk":50,"client_age":3600,"non_acknowledged_client_age":300${extra}}
JSON
    rm -f "$dir/ports"
    "$build/residue-server" --config "$dir/residue.conf.json" --connect-port 0 --logging-port 0 \
        --log-file "$SERVER_LOG" --ports-file "$dir/ports" "$@" >"$dir/server.out" 2>"$dir/server.err" &
    SERVER_PID=$!
    for _ in $(seq 100); do [ -s "$dir/ports" ] && break; sleep 0.05; done
    if [ ! -s "$dir/ports" ]; then
        echo "server did not start:"; cat "$dir/server.err"; return 1
    fi
    CPORT=$(sed -E 's/.*connect_port=([0-9]+).*/\1/' "$dir/ports")
    LPORT=$(sed -E 's/.*logging_port=([0-9]+).*/\1/' "$dir/ports")
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID"; SERVER_RC=$?
}

vm() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null; }
