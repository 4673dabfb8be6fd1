#!/usr/bin/env bash
# The socket loops of residue-server under random byte streams (no libFuzzer harness can
# reach them: they are static functions of tools/residue-server.c, around poll()).
#
#   tests/fuzz/net-storm.sh BUILD [SECONDS [SEED]]      (defaults: 20 s, seed 1)
#
# Starts BUILD/residue-server on 127.0.0.1 (tests/hostile/server-lib.sh; --max-packet 65536
# so that oversized packets are cheap, --max-connections 100 so that tests/fuzz/net_storm.py,
# holding up to 150, makes it evict) and storms both ports for SECONDS. Passes when the
# server answered every probe during the storm (net_storm.py), a residue-client run after it
# logs its line (written once to the log file), its VmRSS is back within 32 MiB of where it
# started (not checked on an ASan build), it stops on SIGTERM with status 0 and its stderr holds no sanitizer report. Use a
# SAN=1 build (BUILD=build/san) for ASan+UBSan on the server.
set -u
build=${1:-build}
secs=${2:-20}
seed=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../hostile/server-lib.sh
. "$here/../hostile/server-lib.sh"
for p in residue-server residue-client; do
    [ -x "$build/$p" ] || { echo "net-storm: $build/$p missing (make BUILD=$build)"; exit 2; }
done
work=$(mktemp -d /tmp/rproto-net-storm.XXXXXX)
trap 'kill "$SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
# Many CONNECTs come from 127.0.0.1 and few are acknowledged: the per-source bound on
# unacknowledged clients would otherwise refuse the good client at the end.
start_server "$build" "$work" ',"source_max_unacknowledged":0' --max-packet 65536 \
    --max-connections 100 || exit 1
fail=0
good() {  # one residue-client run, logging line $1
    "$build/residue-client" --connect "127.0.0.1:$CPORT" --client-private-key "$KEYS_A/client-private.pem" \
        --timeout-ms 5000 "$1" >/dev/null 2>>"$work/client.err"
}
good "net-storm warmup" || { echo "net-storm: the server did not take a client before the storm"; cat "$work/client.err"; exit 1; }
sleep 0.3
base=$(vm VmRSS)
python3 "$here/net_storm.py" --connect-port "$CPORT" --logging-port "$LPORT" --seconds "$secs" \
    --seed "$seed" --max-packet 65536 --max-open 150 --vectors ../shared/vectors || fail=1
line="net-storm good client after seed $seed"
if good "$line"; then
    n=$(grep -c "\"msg\":\"$line\"" "$SERVER_LOG")
    [ "$n" -eq 1 ] || { echo "net-storm: FAIL the good client's line is in the log $n times"; fail=1; }
else
    echo "net-storm: FAIL residue-client after the storm:"; tail -n 5 "$work/client.err"; fail=1
fi
sleep 1
end=$(vm VmRSS); peak=$(vm VmHWM)
if [ -z "$end" ]; then
    echo "net-storm: FAIL the server is gone"; tail -n 20 "$work/server.err"; exit 1
fi
echo "net-storm: server VmRSS ${base} kB before, ${end} kB after, peak ${peak} kB"
# ASan keeps freed memory in its quarantine (256 MiB) and never gives its heap back, so
# the resident size says nothing there; LeakSanitizer's report at exit is the check.
if grep -aq __asan_init "$build/residue-server"; then
    echo "net-storm: memory baseline not checked (ASan build; LeakSanitizer runs at exit)"
elif [ "$end" -gt $((base + 32768)) ]; then
    echo "net-storm: FAIL memory did not come back near its baseline"; fail=1
fi
stop_server
[ "$SERVER_RC" -eq 0 ] || { echo "net-storm: FAIL the server exited with status $SERVER_RC"; fail=1; }
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$work/server.err"; then
    echo "net-storm: FAIL sanitizer report:"; grep -E -A 20 'AddressSanitizer|LeakSanitizer|runtime error:' "$work/server.err" | head -n 40
    fail=1
fi
[ "$fail" -eq 0 ] && echo "net-storm: ok"
[ "$fail" -eq 0 ]
