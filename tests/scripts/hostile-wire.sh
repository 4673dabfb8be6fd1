#!/usr/bin/env bash
# Hostile-wire suite (issue 7): build/residue-server on 127.0.0.1 (RSA key: the 8192-bit sample
# pair of ../shared/vectors/B-unknown-rsa, read in place) gets 150+ hostile cases from
# build/hostile/hostile-wire, while build/residue-client logs in a loop as a well-behaved
# client. Passes when every case got the protocol's reply or a clean close, the server answered
# a health probe after each case, every background client run succeeded and its line was
# written exactly once, the server's VmRSS came back to within 16 MiB of its baseline, and
# SIGTERM stopped it with status 0.
#
#   tests/scripts/hostile-wire.sh BUILD        (HOSTILE_XFAIL="name,name" marks known bugs)
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")/../hostile" && pwd)
# shellcheck source=../hostile/server-lib.sh
. "$here/server-lib.sh"
make --no-print-directory -s BUILD="$build" hostile-tools || { echo "hostile: build failed"; exit 1; }
work=$(mktemp -d /tmp/rproto-hostile.XXXXXX)
trap 'kill "$bg" 2>/dev/null; kill "$SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT

# --max-connections 1000 so that the half-open case (3000 sockets) really fills the server.
start_server "$build" "$work" ",\"server_rsa_private_key\":\"$PWD/$KEYS_B/server-private.pem\",\"server_rsa_public_key\":\"$PWD/$KEYS_B/server-public.pem\"" \
    --max-connections "${HOSTILE_MAX_CONNECTIONS:-1000}" || exit 1
echo "hostile: server pid $SERVER_PID, connect port $CPORT, logging port $LPORT"

# Known server bugs, reported as XFAIL and counted apart (docs/security.md, "Known gaps"); a
# fixed one shows up as XPASS and fails the run, so this list must then shrink.
#  (none: half-open was fixed — residue-server now has --max-connections, default 4096 capped
#   by the fd limit, and closes the longest-idle connection without a complete packet to make
#   room for a new one)
xfail=${HOSTILE_XFAIL-}

# The well-behaved client: one residue-client run after another, each logging one tagged line.
bg_loop() {
    local i=0 ok=0 bad=0
    while [ ! -e "$work/stop" ]; do
        i=$((i + 1))
        if "$build/residue-client" --connect "127.0.0.1:$CPORT" --client-private-key "$KEYS_A/client-private.pem" \
            --timeout-ms 5000 "well-behaved $i" >/dev/null 2>>"$work/bg.err"; then ok=$((ok + 1))
        else bad=$((bad + 1)); echo "run $i failed at $(date +%T)" >>"$work/bg.err"; fi
        sleep 0.2
    done
    echo "$ok $bad $i" > "$work/bg.result"
}
"$build/residue-client" --connect "127.0.0.1:$CPORT" --client-private-key "$KEYS_A/client-private.pem" warmup >/dev/null 2>&1
sleep 0.3
base=$(vm VmRSS)
bg_loop & bg=$!

common=(--connect-port "$CPORT" --client-key "$KEYS_A/client-private.pem" --client-pub "$KEYS_A/client-public.pem"
        --server-pub "$KEYS_B/server-public.pem" --server-pid "$SERVER_PID" --log-file "$SERVER_LOG" --max-bulk 50)
"$build/hostile/hostile-wire" "${common[@]}" --skip "half-open" ${xfail:+--xfail "$xfail"} | tee "$work/cases.txt"
rc1=${PIPESTATUS[0]}
touch "$work/stop"; wait "$bg"
read -r bg_ok bg_bad bg_runs < "$work/bg.result"
# Half-open connections last, without the background loop (its runs would be refused while
# the connections are held if the server has no room, which the case itself reports).
"$build/hostile/hostile-wire" "${common[@]}" --only "half-open" --half-open "${HOSTILE_HALF_OPEN:-3000}" ${xfail:+--xfail "$xfail"} \
    | grep -v '^hostile: server' | tee -a "$work/cases.txt"
rc2=${PIPESTATUS[0]}
sleep 1
end=$(vm VmRSS); peak=$(vm VmHWM)

fail=0
passed=$(grep -c '^ok ' "$work/cases.txt"); failed=$(grep -cE '^(FAIL|XPASS)' "$work/cases.txt")
xf=$(grep -c '^XFAIL' "$work/cases.txt")
[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] || fail=1
echo "hostile: well-behaved residue-client during the cases: $bg_ok ok, $bg_bad failed"
[ "$bg_ok" -ge 1 ] && [ "$bg_bad" -eq 0 ] || { fail=1; cat "$work/bg.err"; }
# Every background line exactly once.
missing=0; dup=0
for i in $(seq "$bg_runs"); do
    n=$(grep -c "\"msg\":\"well-behaved $i\"" "$SERVER_LOG")
    grep -q "^run $i failed" "$work/bg.err" 2>/dev/null && continue
    [ "$n" -eq 0 ] && missing=$((missing + 1)); [ "$n" -gt 1 ] && dup=$((dup + 1))
done
echo "hostile: background lines missing $missing, duplicated $dup"
[ "$missing" -eq 0 ] && [ "$dup" -eq 0 ] || fail=1
echo "hostile: server VmRSS baseline ${base} kB, after ${end} kB, peak (VmHWM) ${peak} kB"
[ "$end" -le $((base + 16384)) ] || { echo "hostile: memory did not return near its baseline"; fail=1; }
stop_server
echo "hostile: server exit status on SIGTERM: $SERVER_RC"
[ "$SERVER_RC" -eq 0 ] || fail=1
[ -s "$work/server.err" ] && { echo "hostile: server stderr (last lines):"; tail -n 5 "$work/server.err"; }
if [ "$xf" -gt 0 ]; then echo "hostile: $passed passed, $failed failed, $xf known bugs (XFAIL)"
else echo "hostile: $passed passed, $failed failed"; fi
[ "$fail" -eq 0 ] && [ "$failed" -eq 0 ]
