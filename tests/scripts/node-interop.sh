#!/usr/bin/env bash
# Live interop: the real residue Node client (npm residue@2.0.1, pinned by
# tests/interop/package-lock.json) against our build/residue-server, in four modes:
# unmanaged/managed x plain/RSA CONNECT. Each mode gets a fresh server on free loopback ports
# and its own log file; tests/interop/driver.js sends log lines and asserts each arrives
# exactly once with its logger, level and text.
#
# Usage (from the project root): tests/scripts/node-interop.sh BUILD_DIR
# Never skips: no node/npm, no registry, no server binary => FAIL with the reason.
set -u
. "$(dirname "$0")/../../tools/lib/server-ports.sh"

build=${1:?usage: tests/scripts/node-interop.sh BUILD_DIR}
server_bin=$build/residue-server
interop_dir=tests/interop
driver=$interop_dir/driver.js
mode_timeout=${NODE_INTEROP_TIMEOUT:-60}   # seconds per mode for the Node driver

die() { echo "FAIL: node-interop: $*"; exit 1; }

[ -f "$driver" ] || die "run from the project root ($driver not found)"
[ -x "$server_bin" ] || die "$server_bin not built (run make first)"
vectors=$(cd ../shared/vectors 2>/dev/null && pwd) || die "../shared/vectors not found (tests read fixtures in place from ../shared)"
server_priv=$vectors/B-unknown-rsa/keys/server-private.pem    # 8192-bit: an unmanaged CONNECT is ~650 bytes
server_pub=$vectors/B-unknown-rsa/keys/server-public.pem
client_priv=$vectors/A-unknown-plain/keys/client-private.pem  # 2048-bit managed client pair
client_pub=$vectors/A-unknown-plain/keys/client-public.pem
for f in "$server_priv" "$server_pub" "$client_priv" "$client_pub"; do
    [ -r "$f" ] || die "fixture $f missing"
done

tools/ensure-node.sh || die "node/npm missing and could not be installed (see tools/ensure-node.sh output above)"

# npm ci wipes and refills tests/interop/node_modules: two runs at once in one work tree (gcc
# and clang builds, two developers) would pull it from under each other. Serialise on the
# directory itself (flock on a directory fd; nothing to git-ignore).
exec 9<"$interop_dir"
if command -v flock >/dev/null 2>&1; then
    flock -w 900 9 || die "another node-interop run held $interop_dir for 15 min"
fi

# ---- install residue@2.0.1 exactly as locked ----------------------------------------------
echo "node-interop: npm ci in $interop_dir (residue@2.0.1 from the npm registry, lockfile-pinned)"
if ! (cd "$interop_dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error); then
    die "npm ci failed: could not install residue@2.0.1 from the npm registry (is it reachable? proxy/offline?). This test does not skip."
fi
got=$(node -p "require('./$interop_dir/node_modules/residue/package.json').version" 2>/dev/null) || got=none
[ "$got" = "2.0.1" ] || die "installed residue is version '$got', expected 2.0.1"

# ---- node flags: residue.js decrypts the hello with crypto.privateDecrypt(RSA_PKCS1_PADDING),
# which Node refuses since the CVE-2023-46809 (Marvin) hardening unless reverted. A Node too old
# to know the flag is not hardened either, so it runs without it.
node_flags=()
if node --security-revert=CVE-2023-46809 -e 0 >/dev/null 2>&1; then
    node_flags=(--security-revert=CVE-2023-46809)
else
    echo "node-interop: note: $(node --version) does not know --security-revert=CVE-2023-46809; running without it"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/node-interop.XXXXXX") || die "mktemp failed"
server_pid=
stop_server() {
    # Stops the server started for the current mode; returns its exit status (0 expected).
    local pid=$server_pid rc=0 i
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
    if kill -0 "$pid" 2>/dev/null; then
        echo "node-interop: server pid $pid ignored SIGTERM for 5 s; killing it"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 1
    fi
    wait "$pid" 2>/dev/null; rc=$?
    return "$rc"
}
cleanup() { stop_server >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'echo "FAIL: node-interop: interrupted"; exit 1' INT TERM HUP

# write_config MODE -> $tmp/MODE.json (key paths absolute: the fixtures are read in place)
write_config() {
    local mode=$1 insecure=true unmanaged=true rsa_keys='' managed='[]' compression=true
    case $mode in
        unmanaged-plain) ;;
        unmanaged-rsa)   insecure=false
                         rsa_keys="\"server_rsa_private_key\":\"$server_priv\",\"server_rsa_public_key\":\"$server_pub\"," ;;
        managed-plain)   unmanaged=false; compression=false
                         managed="[{\"client_id\":\"node-interop-managed\",\"public_key\":\"$client_pub\",\"key_size\":128}]" ;;
        managed-rsa)     unmanaged=false; insecure=false
                         rsa_keys="\"server_rsa_private_key\":\"$server_priv\",\"server_rsa_public_key\":\"$server_pub\","
                         managed="[{\"client_id\":\"node-interop-managed\",\"public_key\":\"$client_pub\",\"key_size\":192}]" ;;
    esac
    cat > "$tmp/$mode.json" <<EOF
{"connect_port":0,"logging_port":0,$rsa_keys
 "allow_insecure_connection":$insecure,"allow_unmanaged_clients":$unmanaged,
 "managed_clients":$managed,
 "requires_timestamp":true,"timestamp_validity":120,"compression":$compression,
 "allow_bulk_log_request":true,"max_items_in_bulk":50,
 "client_age":3600,"non_acknowledged_client_age":300,"default_key_size":256}
EOF
}

# run_mode MODE -> 0 on PASS
run_mode() {
    local mode=$1 ports_file=$tmp/$1.ports log_file=$tmp/$1.log out=$tmp/$1.server.out
    local port rc args=()
    write_config "$mode"
    : > "$log_file"
    "$server_bin" --config "$tmp/$mode.json" --connect-port 0 --logging-port 0 \
        --log-file "$log_file" --ports-file "$ports_file" >"$out" 2>&1 &
    server_pid=$!
    port=$(server_connect_port "$ports_file" "$server_pid")
    if [ -z "$port" ]; then
        echo "node-interop: [$mode] server did not report its ports within 10 s; its output:"
        sed 's/^/    /' "$out"
        stop_server
        return 1
    fi
    echo "node-interop: [$mode] server pid $server_pid: $(head -1 "$ports_file")"

    case $mode in
        *-rsa) args+=(--server-public-key "$server_pub") ;;
    esac
    case $mode in
        managed-*) args+=(--client-id node-interop-managed --client-private-key "$client_priv" --client-public-key "$client_pub") ;;
    esac
    timeout --kill-after=5 "$mode_timeout" node "${node_flags[@]}" "$driver" \
        --mode "$mode" --port "$port" --log-file "$log_file" \
        --timeout-ms $(( (mode_timeout - 10) * 1000 )) "${args[@]}" 2>&1 | sed 's/^/    /'
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 124 ] && echo "node-interop: [$mode] driver timed out after ${mode_timeout} s"

    if ! stop_server; then
        echo "node-interop: [$mode] server did not stop cleanly (expected exit 0 on SIGTERM, docs/interfaces.md §4)"
        rc=1
    fi
    if [ "$rc" -ne 0 ]; then
        echo "node-interop: [$mode] server output:"; sed 's/^/    /' "$out"
        echo "node-interop: [$mode] server log file:"; sed 's/^/    /' "$log_file"
    fi
    return "$rc"
}

passed=0; failed=0; summary=()
for mode in unmanaged-plain unmanaged-rsa managed-plain managed-rsa; do
    start=$SECONDS
    if run_mode "$mode"; then
        passed=$((passed + 1)); summary+=("PASS  $mode ($((SECONDS - start)) s)")
    else
        failed=$((failed + 1)); summary+=("FAIL  $mode ($((SECONDS - start)) s)")
    fi
done
echo "node-interop: residue@2.0.1 ($(node --version) ${node_flags[*]}) against $server_bin:"
printf '    %s\n' "${summary[@]}"
echo "node-interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
