#!/usr/bin/env bash
# The residue logger library against build/residue-server over loopback (issue 16 "Show"):
#   1. build/logger/logger-test (tests/logger/logger-test.c): server killed and restarted
#      mid-stream, a full backlog under DROP_OLDEST and under BLOCK, a server that stops
#      reading (SIGSTOP), 8 threads at once, residue-cpp's configuration file, TOUCH before
#      expiry — each checked line by line in the server's log file;
#   2. the example of docs/examples/logger-example.c, built from the tree, against a server;
#   3. `make install` into a temporary DESTDIR, then the same example built with nothing but
#      `pkg-config --cflags --libs residue-logger` and run.
#
#   tests/scripts/logger.sh BUILD_DIR        (run from the project root)
set -u
. "$(dirname "$0")/../../tools/lib/server-ports.sh"
build=${1:-build}
fail() { echo "FAIL: logger: $*"; exit 1; }
make --no-print-directory -s BUILD="$build" all logger-tests >/dev/null || fail "build failed"
vec=../shared/vectors
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rproto-logger.XXXXXX") || fail "mktemp failed"
pid=
cleanup() {
    [ -n "$pid" ] && { kill -CONT "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "FAIL: logger: interrupted"; exit 1' INT TERM HUP

# RESIDUE_HOME with the keys: the managed client's key (plain and encrypted with the
# passphrase "logger-secret") and the server's key pair.
keys=$tmp/home/keys
mkdir -p "$keys" "$tmp/work"
cp "$vec/A-unknown-plain/keys/client-private.pem" "$keys/client.pem"
cp "$vec/A-unknown-plain/keys/client-public.pem" "$keys/client-public.pem"
cp "$vec/B-unknown-rsa/keys/server-private.pem" "$keys/server.pem"
cp "$vec/B-unknown-rsa/keys/server-public.pem" "$keys/server-public.pem"
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:logger-secret -in "$keys/client.pem" \
    -out "$keys/client-enc.pem" 2>/dev/null || fail "openssl could not encrypt the test key"
grep -q 'ENCRYPTED PRIVATE KEY' "$keys/client-enc.pem" || fail "the test key is not encrypted"

problems=0
echo "logger: scenarios (logger-test)"
if ! RESIDUE_HOME=$tmp/home timeout 600 "$build/logger/logger-test" --server "$build/residue-server" \
        --keys "$keys" --work "$tmp/work"; then
    problems=$((problems + 1))
fi

# The threaded scenarios again under ThreadSanitizer: any data race fails the run.
echo "logger: threads, stop and restart under ThreadSanitizer"
if make --no-print-directory -s BUILD="$build" logger-tests-tsan >"$tmp/tsan-build.log" 2>&1; then
    RESIDUE_HOME=$tmp/home TSAN_OPTIONS="halt_on_error=1 exitcode=66" timeout 600 \
        "$build/logger/logger-test-tsan" --server "$build/residue-server" --keys "$keys" \
        --work "$tmp/work" threads stop restart > "$tmp/tsan.out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && ! grep -q 'ThreadSanitizer' "$tmp/tsan.out"; then
        echo "logger: ThreadSanitizer: $(tail -1 "$tmp/tsan.out"), no data race reported"
    else
        echo "logger: ThreadSanitizer run failed (exit $rc):"; grep -v '^  ok' "$tmp/tsan.out" | head -40
        problems=$((problems + 1))
    fi
else
    echo "logger: the ThreadSanitizer build failed:"; tail -20 "$tmp/tsan-build.log"; problems=$((problems + 1))
fi

# ---- the example, against a server ------------------------------------------------------
start_server() {   # -> $pid, $port
    cat > "$tmp/ex-server.json" <<EOF
{"allow_insecure_connection":true,"allow_unmanaged_clients":true,"compression":true,
 "allow_bulk_log_request":true,"max_items_in_bulk":50,"client_age":3600}
EOF
    : > "$tmp/ex.log"
    rm -f "$tmp/ex.ports"   # else the previous server's ports line is read
    "$build/residue-server" --config "$tmp/ex-server.json" --connect-port 0 --logging-port 0 \
        --log-file "$tmp/ex.log" --ports-file "$tmp/ex.ports" >/dev/null 2>"$tmp/ex.err" &
    pid=$!
    port=$(server_connect_port "$tmp/ex.ports" "$pid")
    [ -n "$port" ] || { cat "$tmp/ex.err"; fail "server did not start"; }
    cat > "$tmp/ex-client.json" <<EOF
{"url":"127.0.0.1:$port","application_id":"com.example.app","main_thread_id":"main",
 "client_private_key":"\$RESIDUE_HOME/keys/client.pem","rsa_key_size":2048}
EOF
}
stop_server() { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=; }
# 1 + 2 x (5 + 1) + 1 lines, each once, app com.example.app
check_example() {   # NAME OUTPUT
    local name=$1 out=$2 n
    n=$(grep -c '"app":"com.example.app"' "$tmp/ex.log")
    if [ "$n" -eq 14 ] && [ "$(grep -c '"msg":"worker step 3 of 5"' "$tmp/ex.log")" -eq 2 ] &&
       [ "$(grep -c '"msg":"example started with 2 workers"' "$tmp/ex.log")" -eq 1 ] &&
       [ "$(grep -c '"level":"verbose"' "$tmp/ex.log")" -eq 2 ] &&
       grep -q '^logger-example: 14 lines logged, 14 accepted, 0 rejected, 0 dropped' "$out"; then
        echo "logger: $name: ok: $(head -1 "$out")"
    else
        echo "logger: $name: FAIL ($n lines written):"; sed 's/^/    /' "$out" "$tmp/ex.log" | head -30
        problems=$((problems + 1))
    fi
}
start_server
if RESIDUE_HOME=$tmp/home timeout 60 "$build/logger/logger-example" "$tmp/ex-client.json" > "$tmp/ex.out" 2>&1; then
    check_example "docs/examples/logger-example.c (built in the tree)" "$tmp/ex.out"
else
    echo "logger: the example failed:"; sed 's/^/    /' "$tmp/ex.out"; problems=$((problems + 1))
fi
stop_server

# ---- residue-client (built on the library): --vlevel and --max-line -------------------------
start_server
{ echo "fits exactly $(head -c 87 /dev/zero | tr '\0' f)"; head -c 101 /dev/zero | tr '\0' x; echo; printf 'after the long one\r\n'; } \
    > "$tmp/lines.in"   # 100 bytes, 101 bytes, a CRLF line
timeout 60 "$build/residue-client" -v --connect "127.0.0.1:$port" --level verbose --vlevel 5 --max-line 100 \
    --bulk-size 1 < "$tmp/lines.in" > "$tmp/rc.out" 2> "$tmp/rc.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'a line of 101 bytes is longer than --max-line 100; not sent' "$tmp/rc.err" &&
   grep -q '"msg":"after the long one",.*"level":64,"vlevel":5' "$tmp/rc.out" &&
   grep -q '2 log line(s) in 2 request(s): 2 accepted, 0 rejected' "$tmp/rc.out" &&
   [ "$(grep -c '"level":"verbose"' "$tmp/ex.log")" -eq 2 ] && grep -q '"msg":"after the long one"' "$tmp/ex.log" &&
   grep -q '"msg":"fits exactly ffff' "$tmp/ex.log" && ! grep -q xxxx "$tmp/ex.log"; then
    echo "logger: residue-client --vlevel 5 --max-line 100: ok (the 101-byte line refused, exit 1; 2 verbose lines sent, vlevel 5 on the wire)"
else
    echo "logger: residue-client --vlevel/--max-line: FAIL (exit $rc)"; sed 's/^/    /' "$tmp/rc.err" "$tmp/rc.out" "$tmp/ex.log" | head -30
    problems=$((problems + 1))
fi
timeout 10 "$build/residue-client" --connect "127.0.0.1:$port" --vlevel 10 x > /dev/null 2> "$tmp/rc2.err"
[ $? -eq 2 ] && grep -q -- '--vlevel must be 0..9' "$tmp/rc2.err" ||
    { echo "logger: residue-client --vlevel 10 was not refused"; problems=$((problems + 1)); }
stop_server

# ---- installed: make install, then pkg-config residue-logger ---------------------------------
dest=$tmp/dest
prefix=/usr/local
if ! make --no-print-directory -s install BUILD="$build" DESTDIR="$dest" PREFIX="$prefix" > "$tmp/install.log" 2>&1; then
    echo "logger: make install failed:"; tail -20 "$tmp/install.log"; problems=$((problems + 1))
else
    for f in lib/libresidue-logger.a include/residue/residue_logger.h lib/pkgconfig/residue-logger.pc; do
        [ -e "$dest$prefix/$f" ] || { echo "logger: $prefix/$f not installed"; problems=$((problems + 1)); }
    done
    export PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
    if flags=$(pkg-config --cflags --libs residue-logger) &&
       cc -std=c11 -Wall -Wextra -Werror docs/examples/logger-example.c $flags -o "$tmp/example-installed" 2> "$tmp/cc.err"; then
        start_server
        if RESIDUE_HOME=$tmp/home LD_LIBRARY_PATH="$dest$prefix/lib" timeout 60 "$tmp/example-installed" \
                "$tmp/ex-client.json" > "$tmp/ex2.out" 2>&1; then
            check_example "the example built with pkg-config residue-logger ($flags)" "$tmp/ex2.out"
        else
            echo "logger: the installed example failed:"; sed 's/^/    /' "$tmp/ex2.out"; problems=$((problems + 1))
        fi
        stop_server
    else
        echo "logger: cc logger-example.c \$(pkg-config --cflags --libs residue-logger) failed:"
        cat "$tmp/cc.err" 2>/dev/null | head -20; problems=$((problems + 1))
    fi
    make --no-print-directory -s uninstall BUILD="$build" DESTDIR="$dest" PREFIX="$prefix" > /dev/null 2>&1
    [ -e "$dest$prefix/lib/libresidue-logger.a" ] || [ -e "$dest$prefix/lib/pkgconfig/residue-logger.pc" ] &&
        { echo "logger: make uninstall left the logger's files"; problems=$((problems + 1)); }
fi

[ "$problems" -eq 0 ] || fail "$problems problem(s)"
echo "logger: PASS"
