#!/usr/bin/env bash
# Server CPU per full handshake over loopback, by where the two processes run
# (docs/performance.md, "Handshake and server figures"):
#
#   bench/loopback-handshake.sh [BUILD] [ROUNDS] [N]     (defaults: build 6 2000)
#   SERVERS="old/residue-server build/residue-server" bench/loopback-handshake.sh ...
#
# Each round runs, interleaved, every residue-server binary of $SERVERS (default
# BUILD/residue-server) with `bench_load handshake N`, and BUILD/bench/socket_floor in its
# old and min modes with the same client pattern, three ways: unpinned, server and client
# on the same CPU (taskset), and on different CPUs. Prints one line per run and the median
# (min-max) per case; the figures are server CPU time (/proc/PID/schedstat) per handshake.
set -u
build=${1:-build}
rounds=${2:-6}
n=${3:-2000}
servers=${SERVERS:-$build/residue-server}
vectors=../shared/vectors
key=$vectors/A-unknown-plain/keys/client-private.pem
tmp=$(mktemp -d /tmp/rproto-loopback.XXXXXX)
trap 'kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
pid=
command -v taskset > /dev/null || { echo "loopback-handshake: needs taskset"; exit 1; }
cp bench/server.json "$tmp/server.json" # the config of bench/run.sh section 4

pin() { if [ "$1" = - ]; then echo ""; else echo "taskset -c $1"; fi; }
wait_port() {
    for _ in $(seq 200); do [ -s "$tmp/ports" ] && break; sleep 0.02; done
    sed -n 's/.*connect_port=\([0-9]*\).*/\1/p' "$tmp/ports"
}
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=; rm -f "$tmp/ports"; }

# run_server BIN SCPU CCPU: prints µs of server CPU per handshake
run_server() {
    $(pin "$2") "$1" --config "$tmp/server.json" --connect-port 0 --logging-port 0 \
        --ports-file "$tmp/ports" --log-file /dev/null > /dev/null 2>&1 &
    pid=$!
    local port; port=$(wait_port)
    $(pin "$3") "$build/bench/bench_load" --port "$port" --key "$key" --server-pid "$pid" \
        handshake "$n" | sed -n 's/.*server_cpu_us=\([0-9.]*\).*/\1/p' \
        | awk -v n="$n" '{ printf "%.1f\n", $1 / n }'
    stop
}

# run_floor MODE SCPU CCPU (client pauses: 30 µs before the CONNECT, 600 µs before the ACK)
run_floor() {
    $(pin "$2") "$build/bench/socket_floor" serve "$tmp/ports" "$1" &
    pid=$!
    local port; port=$(wait_port)
    $(pin "$3") "$build/bench/socket_floor" load "$port" "$n" "$pid" 30 600 | sed 's/.*=//'
    stop
}

: > "$tmp/runs"
for r in $(seq "$rounds"); do
    a=$((r % 2)); b=$((1 - a))
    for place in "- - unpinned" "$a $a same-cpu" "$a $b cross-cpu"; do
        set -- $place
        for s in $servers; do
            echo "$3 $s $(run_server "$s" "$1" "$2")" | tee -a "$tmp/runs"
        done
        for m in old min; do
            echo "$3 socket_floor-$m $(run_floor "$m" "$1" "$2")" | tee -a "$tmp/runs"
        done
    done
done
echo "== median (min-max) server CPU us per handshake, $rounds runs of $n"
sort -k1,1 -k2,2 -k3,3n "$tmp/runs" | awk '
    { k = $1 " " $2; v[k, ++c[k]] = $3; if (!(k in seen)) { seen[k] = 1; order[++no] = k } }
    END { for (i = 1; i <= no; i++) { k = order[i]; m = c[k]
          med = (m % 2) ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2
          printf "%-40s %7.1f  (%.1f-%.1f)\n", k, med, v[k, 1], v[k, m] } }'
