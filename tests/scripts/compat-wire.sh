#!/usr/bin/env bash
# What the official clients send, and the real server's rules, over loopback (issue 10, issue
# 12 item 4): build/residue-server driven by build/hostile/compat-wire (an independent client,
# OpenSSL + zlib, not the rproto runtime), its log file checked line by line.
#   1. The Java client, unmanaged, plain and RSA: the PEM fixture exactly as residue-java
#      sends it gets a hello sealed to it (we do not hold its private key, so the session stops
#      there); a key pair of ours in the same PEM form goes through hello, ACK, TOUCH and a
#      log line, which must be in the log file once.
#   2. Every refused client key form gets the real server's raw refusal text.
#   3. A 300,000-byte line (over the old 65,536 limit) is written with the default settings.
#   4. The logger rules: reserved "residue", managed loggers used by an unmanaged client,
#      loggers_blacklist, allow_unmanaged_loggers false; a managed client's "loggers" do not
#      restrict it. Every request is answered {"r":0}; only the allowed lines are written.
#   5. max_log_line_size 1000: 1000 bytes written, 1001 answered {"r":1}.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")/../hostile" && pwd)
# shellcheck source=../hostile/server-lib.sh
. "$here/server-lib.sh"
make --no-print-directory -s BUILD="$build" "$build/hostile/compat-wire" || { echo "compat-wire: build failed"; exit 1; }
cw=$build/hostile/compat-wire
work=$(mktemp -d /tmp/rproto-compat.XXXXXX)
trap 'kill "$SERVER_PID" 2>/dev/null; rm -rf "$work"' EXIT
fail=0
bad() { echo "compat-wire: FAIL: $*" >&2; fail=1; }
KEYS_G=../shared/vectors/G-java-style/keys
FIXTURE=../shared/testdata/pem/java-client-public.pem
tag=$$

# written MSG: how many records with this msg the log file holds
written() { grep -c "\"msg\":\"$1\"" "$SERVER_LOG"; }

# A Java-form PEM of our G key: SPKI under "RSA PUBLIC KEY", base64 in 76-column lines, an
# empty line before END (the fixture's form, made here with the openssl tool).
{
    echo "-----BEGIN RSA PUBLIC KEY-----"
    openssl pkey -pubin -in "$KEYS_G/client-public.pem" -outform DER | base64 -w 76
    echo
    echo "-----END RSA PUBLIC KEY-----"
} > "$work/java-twin.pem"
grep -q '^$' "$work/java-twin.pem" || bad "the Java-form PEM has no empty line"

# ---- server A: defaults plus the 8192-bit server key pair --------------------------------
start_server "$build" "$work/a" ",\"server_rsa_private_key\":\"$PWD/$KEYS_B/server-private.pem\",\"server_rsa_public_key\":\"$PWD/$KEYS_B/server-public.pem\"" || exit 1
"$cw" --connect-port "$CPORT" java "$FIXTURE" - unused || bad "Java fixture, plain"
"$cw" --connect-port "$CPORT" --server-pub "$KEYS_B/server-public.pem" java "$FIXTURE" - unused || bad "Java fixture, RSA"
"$cw" --connect-port "$CPORT" java "$work/java-twin.pem" "$KEYS_G/client-private.pem" "java-plain-$tag" || bad "Java form, plain"
"$cw" --connect-port "$CPORT" --server-pub "$KEYS_B/server-public.pem" java "$work/java-twin.pem" \
    "$KEYS_G/client-private.pem" "java-rsa-$tag" || bad "Java form, RSA"
"$cw" --connect-port "$CPORT" badkeys "$KEYS_A/client-public.pem" || bad "refused key forms"
r=$("$cw" --connect-port "$CPORT" longline "$KEYS_A/client-private.pem" 300000) || bad "long line: no reply"
[ "$r" = 0 ] || bad "long line of 300000 bytes answered r=$r"
sleep 0.2
for m in "java-plain-$tag" "java-rsa-$tag"; do
    [ "$(written "$m")" = 1 ] || bad "line $m written $(written "$m") times, want 1"
done
long=$(awk 'index($0, "\"logger\":\"long\"") { print length($0) }' "$SERVER_LOG")
[ "${long:-0}" -gt 300000 ] || bad "the 300000-byte line is not in the log file (record length ${long:-none})"
stop_server
[ "$SERVER_RC" = 0 ] || bad "server A exit status $SERVER_RC"
echo "compat-wire: Java fixture sealed plain+RSA; Java form plain+RSA logged once each; refused keys ok; 300000-byte line written"

# ---- server B: logger rules and a line limit ----------------------------------------------
logger_conf=",\"managed_loggers\":[{\"logger_id\":\"app\",\"configuration_file\":\"unused\"}],\"loggers_blacklist\":[\"spam\"],\"max_log_line_size\":1000,\"managed_clients\":[{\"client_id\":\"m1\",\"public_key\":\"$PWD/$KEYS_A/client-public.pem\",\"loggers\":[\"app\"],\"default_logger\":\"app\"}]"
start_server "$build" "$work/b" "$logger_conf" || exit 1
expect_r() { # expect_r WANT ARGS... : one log request, its reply must be WANT
    local want=$1; shift
    local got
    got=$("$cw" --connect-port "$CPORT" "$@") || { bad "no reply for $*"; return; }
    [ "$got" = "$want" ] || bad "$*: r=$got, want $want"
}
U=("$KEYS_A/client-private.pem" -)
M=("$KEYS_A/client-private.pem" m1)
for lg in residue - default app spam anything; do expect_r 0 log "${U[@]}" "$lg" "u-$lg-$tag"; done
for lg in residue app billing default spam; do expect_r 0 log "${M[@]}" "$lg" "m-$lg-$tag"; done
expect_r 0 longline "$KEYS_A/client-private.pem" 1000
expect_r 1 longline "$KEYS_A/client-private.pem" 1001
sleep 0.2
check_written() { # check_written COUNT MSG...
    local want=$1; shift
    for m in "$@"; do
        [ "$(written "$m")" = "$want" ] || bad "logger rules: '$m' written $(written "$m") times, want $want"
    done
}
check_written 1 "u---$tag" "u-default-$tag" "u-anything-$tag" "m-app-$tag" "m-billing-$tag" "m-default-$tag"
check_written 0 "u-residue-$tag" "u-app-$tag" "u-spam-$tag" "m-residue-$tag" "m-spam-$tag"
lines=$(awk 'index($0, "\"logger\":\"long\"")' "$SERVER_LOG" | wc -l)
[ "$lines" = 1 ] || bad "max_log_line_size 1000: $lines long lines written, want 1"
stop_server
[ "$SERVER_RC" = 0 ] || bad "server B exit status $SERVER_RC"

# ---- server C: allow_unmanaged_loggers false ------------------------------------------------
start_server "$build" "$work/c" ",\"allow_unmanaged_loggers\":false,\"managed_loggers\":[{\"logger_id\":\"app\"}],\"managed_clients\":[{\"client_id\":\"m1\",\"public_key\":\"$PWD/$KEYS_A/client-public.pem\"}]" || exit 1
expect_r 0 log "${U[@]}" anything "c-u-anything-$tag"
expect_r 0 log "${U[@]}" default "c-u-default-$tag"
expect_r 0 log "${M[@]}" anything "c-m-anything-$tag"
expect_r 0 log "${M[@]}" app "c-m-app-$tag"
sleep 0.2
check_written 1 "c-u-default-$tag" "c-m-app-$tag"
check_written 0 "c-u-anything-$tag" "c-m-anything-$tag"
stop_server
[ "$SERVER_RC" = 0 ] || bad "server C exit status $SERVER_RC"

[ "$fail" -eq 0 ] && echo "compat-wire: logger rules (11 + 4 requests, every one {\"r\":0}, 8 written) and max_log_line_size ok"
exit "$fail"
