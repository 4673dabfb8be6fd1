#!/usr/bin/env bash
# Load test (issue 7): LOAD_CLIENTS concurrent clients (default 200), each a full handshake
# then LOAD_LINES log lines (default 500) as a mix of single, compressed, bulk and compressed
# bulk requests, against build/residue-server on 127.0.0.1, bounded by LOAD_DEADLINE seconds
# (default 150). Passes when every packet got {"r":0} in time and the server's log file holds
# every line exactly once (none lost, none duplicated, none foreign), each under the client id
# of the client that sent it, one distinct id per client. Reports throughput and the server's
# peak memory (VmHWM) and RSS sampled during the run.
#
#   tests/scripts/load.sh BUILD
set -u
build=${1:-build}
clients=${LOAD_CLIENTS:-200}
lines=${LOAD_LINES:-500}
deadline=${LOAD_DEADLINE:-150}
here=$(cd "$(dirname "$0")/../hostile" && pwd)
# shellcheck source=../hostile/server-lib.sh
. "$here/server-lib.sh"
make --no-print-directory -s BUILD="$build" hostile-tools || { echo "load: build failed"; exit 1; }
work=$(mktemp -d /tmp/rproto-load.XXXXXX)
trap 'kill "$sampler" 2>/dev/null; kill "$SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
start_server "$build" "$work" || exit 1
base=$(vm VmRSS)
# Sample the server's RSS every 0.2 s while the clients run.
( while kill -0 "$SERVER_PID" 2>/dev/null; do vm VmRSS; sleep 0.2; done ) > "$work/rss.txt" & sampler=$!
tag="r$$"
echo "load: $clients clients x $lines lines on ports $CPORT/$LPORT (deadline ${deadline}s)"
timeout $((deadline + 30)) "$build/hostile/load-client" --connect-port "$CPORT" \
    --client-key "$KEYS_A/client-private.pem" --client-pub "$KEYS_A/client-public.pem" \
    --clients "$clients" --lines "$lines" --tag "$tag" --deadline-s "$deadline"
rc=$?
sleep 0.5
peak=$(vm VmHWM); kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
max_sampled=$(sort -n "$work/rss.txt" | tail -n 1)
stop_server
fail=0
[ "$rc" -eq 0 ] || { echo "load: FAIL: load-client exited $rc"; fail=1; }
[ "$SERVER_RC" -eq 0 ] || { echo "load: FAIL: server exit status $SERVER_RC"; fail=1; }

# Exactly once: "client-index line-index client-id" for each of our lines in the log.
sed -nE "s/^\{\"client_id\":\"([^\"]*)\".*\"msg\":\"load-$tag-([0-9]+)-([0-9]+)\".*/\2 \3 \1/p" "$SERVER_LOG" \
    | sort -k1,1n -k2,2n > "$work/got.txt"
total=$(wc -l < "$SERVER_LOG")
ours=$(wc -l < "$work/got.txt")
dups=$(cut -d' ' -f1,2 "$work/got.txt" | uniq -d | wc -l)
uniq_lines=$(cut -d' ' -f1,2 "$work/got.txt" | uniq | wc -l)
missing=$((clients * lines - uniq_lines))
foreign=$((total - ours))
# Each client index maps to one client id, and the ids are distinct.
ids_per_client=$(awk '{print $1, $3}' "$work/got.txt" | sort -u | cut -d' ' -f1 | uniq -d | wc -l)
distinct_ids=$(awk '{print $3}' "$work/got.txt" | sort -u | wc -l)
echo "load: log file: $total lines, ours $ours, distinct $uniq_lines, missing $missing, duplicated $dups, foreign $foreign"
echo "load: client ids: $distinct_ids distinct for $clients clients, clients with more than one id: $ids_per_client"
[ "$missing" -eq 0 ] && [ "$dups" -eq 0 ] && [ "$foreign" -eq 0 ] || fail=1
[ "$distinct_ids" -eq "$clients" ] && [ "$ids_per_client" -eq 0 ] || fail=1
[ "${max_sampled:-0}" -gt "${peak:-0}" ] && peak=$max_sampled   # VmHWM is updated lazily
echo "load: server memory: VmRSS ${base} kB at start, peak ${peak:-?} kB (VmHWM or the highest 0.2 s sample)"
if [ "$fail" -eq 0 ]; then echo "load: passed"; else echo "load: FAILED"; fi
[ "$fail" -eq 0 ]
