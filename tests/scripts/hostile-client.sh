#!/usr/bin/env bash
# The other direction of the hostile wire (issue 7): build/residue-client against a hostile
# server (build/hostile/fake-server) that turns hostile at the first reply, after a valid hello,
# or on the logging port. Every run must end on its own within its time bound with a non-zero
# exit status below 128 (no crash, no signal), say on stderr what went wrong, and nothing may
# hang. Prints "hostile-client: N passed, N failed".
#
#   tests/scripts/hostile-client.sh BUILD
set -u
build=${1:-build}
make --no-print-directory -s BUILD="$build" all hostile-tools || { echo "hostile-client: build failed"; exit 1; }
keys=../shared/vectors/A-unknown-plain/keys
work=$(mktemp -d /tmp/rproto-hostile-client.XXXXXX)
fake_pid=
trap '[ -n "$fake_pid" ] && kill -- -"$fake_pid" 2>/dev/null; rm -rf "$work"' EXIT
tmo=1500
# mode  expected-stderr-substring (optional)
cases="silent:
trickle:
flood:
garbage:
empty:
close:
error:fake refusal
r1:
rsa-short:
rsa-garbage:
many:
nul:
deep:
est-garbage:
est-aes-garbage:
est-bad-port:
est-closed-port:
est-wrong-status:
log-garbage:
log-silent:
log-r1:
log-close:"
passed=0; failed=0
while IFS=: read -r mode want; do
    rm -f "$work/ports"
    setsid "$build/hostile/fake-server" --mode "$mode" --ports-file "$work/ports" 2>"$work/fake.err" &
    fake_pid=$!
    for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.05; done
    port=$(sed -E 's/.*connect_port=([0-9]+).*/\1/' "$work/ports")
    start=$(date +%s%N)
    timeout 60 "$build/residue-client" --connect "127.0.0.1:$port" --client-private-key "$keys/client-private.pem" \
        --timeout-ms "$tmo" "hostile-client $mode" >"$work/out" 2>"$work/err"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    kill -- -"$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=
    msg=$(tr '\n' ' ' < "$work/err" | cut -c1-150)
    ok=1
    [ "$rc" -ge 1 ] && [ "$rc" -lt 124 ] || ok=0          # 124 = timeout(1) killed it; >=128 = signal
    [ "$ms" -le 12000 ] || ok=0                           # a few reply timeouts at most
    [ -s "$work/err" ] || ok=0
    [ -z "$want" ] || grep -q "$want" "$work/err" || ok=0
    if [ "$ok" -eq 1 ]; then passed=$((passed + 1)); tag="ok  "; else failed=$((failed + 1)); tag=FAIL; fi
    printf '%s %-18s exit %3s after %5s ms: %s\n' "$tag" "$mode" "$rc" "$ms" "$msg"
done <<<"$cases"
echo "hostile-client: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
