#!/usr/bin/env bash
# residue-server refuses a config it cannot take as written, before it listens: exit status 2,
# one message naming the JSON path, and nothing of a secret on stderr. The cases are those a
# plain truncation or a pass-through error got wrong: a key file name longer than a path
# (it used to be cut, and a shorter name that exists was loaded), a NUL byte in a file name
# (the part before it was loaded), a passphrase that is not hex (the hex decoder's message
# showed one of its characters), a server public key that is not the private key's (it was
# taken), and a directory as the config (a read error with no reason).
#
#   tests/scripts/server-config.sh BUILD
set -u
build=${1:-build}
make --no-print-directory -s BUILD="$build" all || { echo "server-config: build failed"; exit 1; }
keys=$PWD/../shared/vectors/B-unknown-rsa/keys
work=$(mktemp -d /tmp/rproto-server-config.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0; failed=0
bad() { echo "server-config: FAIL: $*"; failed=$((failed + 1)); }

# A name of 4,110 bytes whose first 4,095 name a file that exists: "././…/pub.pem" + tail.
cp "$keys/server-public.pem" "$work/pub.pem"
cp "$keys/server-private.pem" "$work/priv.pem"
cp "$keys/client-public.pem" "$work/other.pem"
long=$(printf './%.0s' $(seq 2044))pub.pem.does-not-exist

# name  config  expected-substring
run_case() {
    local name=$1 config=$2 want=$3
    [ -d "$work/$name.json" ] || printf '%s' "$config" > "$work/$name.json"
    (cd "$work" && timeout 10 "$OLDPWD/$build/residue-server" --config "$name.json" \
        --connect-port 0 --logging-port 0 --log-file /dev/null) > "$work/$name.out" 2> "$work/$name.err"
    local rc=$?
    if [ "$rc" -ne 2 ]; then bad "$name: exit status $rc, expected 2 ($(head -c 300 "$work/$name.err"))"; return; fi
    if ! grep -qF -- "$want" "$work/$name.err"; then bad "$name: no '$want' in: $(head -c 300 "$work/$name.err")"; return; fi
    if grep -q 'hunter' "$work/$name.err"; then bad "$name: the secret is on stderr"; return; fi
    passed=$((passed + 1))
}

run_case long-managed-key \
    "{\"allow_unmanaged_clients\":false,\"managed_clients\":[{\"client_id\":\"c1\",\"public_key\":\"$long\"}]}" \
    'at $.managed_clients[0].public_key (offset 83): a file name of 4110 bytes is too long (at most 4095)'
run_case long-server-key \
    "{\"server_rsa_private_key\":\"$long\",\"server_rsa_public_key\":\"pub.pem\"}" \
    'at $.server_rsa_private_key (offset 26): a file name of 4110 bytes is too long (at most 4095)'
run_case nul-in-name \
    '{"server_rsa_private_key":"priv.pem\u0000.old","server_rsa_public_key":"pub.pem"}' \
    'at $.server_rsa_private_key (offset 26): a file name cannot hold a NUL byte'
run_case secret-not-hex \
    '{"server_rsa_private_key":"priv.pem","server_rsa_public_key":"pub.pem","server_rsa_secret":"hunter2secret"}' \
    'at $.server_rsa_secret (offset 91): not the passphrase in hex'

run_case keys-do-not-match \
    '{"server_rsa_private_key":"priv.pem","server_rsa_public_key":"other.pem"}' \
    'server_rsa_public_key is not the public half of server_rsa_private_key'
# ... and the matching pair is taken: the server comes up.
printf '%s' '{"server_rsa_private_key":"priv.pem","server_rsa_public_key":"pub.pem"}' > "$work/match.json"
(cd "$work" && exec "$OLDPWD/$build/residue-server" --config match.json --connect-port 0 --logging-port 0 \
    --log-file /dev/null --ports-file ports) > /dev/null 2> "$work/match.err" &
server=$!
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.05; done
if [ -s "$work/ports" ]; then passed=$((passed + 1)); else bad "keys-match: did not start: $(head -c 300 "$work/match.err")"; fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
mkdir "$work/dir.json"
run_case dir '' 'read error: Is a directory'

# N11: two of --log-file, --ports-file, --stats-file naming one file: exit 2 before anything
# is written (the stats writer renamed its file over the log every second). The same path,
# the same path spelt differently (./, a symlinked directory), a hard link; the log's
# content is untouched.
mkdir -p "$work/n11/sub"
ln -s sub "$work/n11/alias"
same_case() {
    local name=$1; shift
    printf 'precious line\n' > "$work/n11/sub/log"
    (cd "$work/n11" && timeout 10 "$OLDPWD/$build/residue-server" --connect-port 0 --logging-port 0 "$@") \
        > "$work/n11/$name.out" 2> "$work/n11/$name.err"
    local rc=$?
    if [ "$rc" -ne 2 ]; then bad "same-file $name: exit status $rc, expected 2 ($(head -c 300 "$work/n11/$name.err"))"; return; fi
    if ! grep -q 'name the same file' "$work/n11/$name.err"; then bad "same-file $name: $(head -c 300 "$work/n11/$name.err")"; return; fi
    if [ "$(cat "$work/n11/sub/log")" != "precious line" ]; then bad "same-file $name: the log was changed"; return; fi
    passed=$((passed + 1))
}
same_case stats-is-log --log-file sub/log --stats-file sub/log
same_case ports-is-log --log-file sub/log --ports-file ./sub/log
same_case stats-via-link --log-file sub/log --stats-file alias/log
same_case stats-is-ports --log-file sub/log --ports-file sub/p --stats-file sub/../sub/p
ln "$work/n11/sub/log" "$work/n11/hard" 2>/dev/null && same_case stats-hard-link --log-file sub/log --stats-file hard
# ... three different files are taken: the server comes up, the log keeps its line.
printf 'precious line\n' > "$work/n11/sub/log"
(cd "$work/n11" && exec "$OLDPWD/$build/residue-server" --connect-port 0 --logging-port 0 \
    --log-file sub/log --ports-file sub/ports --stats-file sub/stats) > /dev/null 2> "$work/n11/ok.err" &
server=$!
for _ in $(seq 100); do [ -s "$work/n11/sub/stats" ] && break; sleep 0.05; done
if [ -s "$work/n11/sub/stats" ] && [ "$(head -1 "$work/n11/sub/log")" = "precious line" ]; then
    passed=$((passed + 1))
else
    bad "distinct files: did not start or the log changed: $(head -c 300 "$work/n11/ok.err")"
fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null

# N9 / N2 end to end: our residue-client sends three lines in one bulk, the second longer
# than max_log_line_size (1000). The bulk is refused whole ({"r":1}; it was answered {"r":0}
# with the long line skipped, and the client exited 0); bulk_refused_too_long=1 in
# --stats-file and a -v line say why. The logger then sends the lines again, fewer at a time:
# the two short ones are stored, the long one alone is refused (log_refused_too_long=1 and
# a -v line: R1, it was neither counted nor said), and the client exits 1.
mkdir -p "$work/n9"
printf '%s' '{"allow_insecure_connection":true,"allow_unmanaged_clients":true,"allow_bulk_log_request":true,"max_items_in_bulk":5,"max_log_line_size":1000,"compression":false}' > "$work/n9/c.json"
(cd "$work/n9" && exec "$OLDPWD/$build/residue-server" --config c.json --connect-port 0 --logging-port 0 \
    --log-file log --ports-file ports --stats-file stats -v) > /dev/null 2> "$work/n9/server.err" &
server=$!
for _ in $(seq 100); do [ -s "$work/n9/ports" ] && break; sleep 0.05; done
cport=$(sed -n 's/.*connect_port=\([0-9]*\).*/\1/p' "$work/n9/ports")
if [ -z "$cport" ]; then
    bad "n9: server did not start: $(head -c 300 "$work/n9/server.err")"
else
    { echo "short one"; head -c 1001 /dev/zero | tr '\0' x; echo; echo "short three"; } > "$work/n9/in"
    timeout 30 "$build/residue-client" --connect "127.0.0.1:$cport" --bulk-size 3 --timeout-ms 3000 \
        < "$work/n9/in" > "$work/n9/client.out" 2>&1
    crc=$?
    sleep 1.2 # one stats rewrite
    lines=$(wc -l < "$work/n9/log" 2>/dev/null || echo 0)
    if [ "$crc" -eq 0 ]; then bad "n9: residue-client exited 0 for a bulk with a line over max_log_line_size"
    elif [ "$lines" -ne 2 ] || ! grep -q '"msg":"short one"' "$work/n9/log" || ! grep -q '"msg":"short three"' "$work/n9/log"; then
        bad "n9: want the two short lines stored, got $lines line(s): $(head -c 300 "$work/n9/log")"
    elif grep -q xxxxxxxxxx "$work/n9/log"; then bad "n9: the long line was written"
    elif ! grep -q 'bulk_refused_too_long=1' "$work/n9/stats"; then bad "n9: stats: $(cat "$work/n9/stats")"
    elif ! grep -q 'over the size limit, the bulk refused whole' "$work/n9/server.err"; then bad "n9: no -v line for the refused bulk"
    # R1: the long line sent alone is refused as a single request: counted and said too
    elif ! grep -q 'log_refused_too_long=1' "$work/n9/stats"; then bad "n9: single refusal not counted: $(cat "$work/n9/stats")"
    elif ! grep -q 'LOG (aes, [0-9]* bytes) refused: msg of 1001 bytes is longer than max_log_line_size (1000)' "$work/n9/server.err"; then
        bad "n9: no -v line for the refused single request: $(grep -m3 'LOG ' "$work/n9/server.err")"
    else passed=$((passed + 1)); fi
fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null

# N3: a bulk larger than the server's --max-packet (five 700-byte lines, 4096 bytes) made the
# server close the connection, and the client gave all the lines up although each fits: the
# logger now sends them again, fewer at a time, on a new connection; all are stored. With
# bulks of 16 it takes four halvings: the lines are not given up as unanswered on the way.
for bulk in 5 16; do
    rm -rf "$work/n3"; mkdir -p "$work/n3"
    printf '{"max_items_in_bulk":%d}' "$bulk" > "$work/n3/c.json"
    (cd "$work/n3" && exec "$OLDPWD/$build/residue-server" --config c.json --connect-port 0 --logging-port 0 \
        --max-packet 4096 --log-file log --ports-file ports) > /dev/null 2> "$work/n3/server.err" &
    server=$!
    for _ in $(seq 100); do [ -s "$work/n3/ports" ] && break; sleep 0.05; done
    cport=$(sed -n 's/.*connect_port=\([0-9]*\).*/\1/p' "$work/n3/ports")
    if [ -z "$cport" ]; then
        bad "n3 ($bulk): server did not start: $(head -c 300 "$work/n3/server.err")"
    else
        for i in $(seq 16); do printf 'line %02d %s\n' "$i" "$(head -c 690 /dev/zero | tr '\0' y)"; done > "$work/n3/in"
        timeout 60 "$build/residue-client" --connect "127.0.0.1:$cport" --no-compression --timeout-ms 3000 \
            --bulk-size "$bulk" < "$work/n3/in" > "$work/n3/client.out" 2>&1
        crc=$?
        lines=$(wc -l < "$work/n3/log" 2>/dev/null || echo 0)
        if [ "$crc" -ne 0 ] || [ "$lines" -ne 16 ]; then
            bad "n3 ($bulk): client exit $crc, $lines of 16 lines stored: $(tail -3 "$work/n3/client.out")"
        else passed=$((passed + 1)); fi
    fi
    kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
done

# N12: an unusable --ports-file or --stats-file (a missing directory, a directory) stops the
# start, exit 2, before any port is announced (the ports file failed after the ports line was
# printed, exit 1; the stats file was said once and the server ran on without counters).
for bad_opt in "--ports-file $work/no-such-dir/p" "--stats-file $work" "--ports-file $work"; do
    # shellcheck disable=SC2086
    timeout 10 "$build/residue-server" --connect-port 0 --logging-port 0 --log-file /dev/null $bad_opt \
        > "$work/n12.out" 2> "$work/n12.err"
    rc=$?
    if [ "$rc" -ne 2 ] || [ -s "$work/n12.out" ] || ! grep -qF -- "${bad_opt%% *} " "$work/n12.err"; then
        bad "n12: $bad_opt: exit $rc (want 2), stdout '$(head -c 100 "$work/n12.out")', stderr '$(head -c 200 "$work/n12.err")'"
    else passed=$((passed + 1)); fi
done

echo "server-config: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
