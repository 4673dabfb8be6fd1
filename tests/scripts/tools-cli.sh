#!/usr/bin/env bash
# The command lines of residue-server and residue-client: --help exits 0 on stdout; a bad
# option, a missing value or a bad value exits 2 with one message naming it, and nothing
# is started or sent.
#
#   tests/scripts/tools-cli.sh BUILD_DIR        (run from the project root)
set -u
build=${1:?usage: tests/scripts/tools-cli.sh BUILD_DIR}
fails=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tools-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# expect RC PATTERN -- CMD...: CMD exits RC within 5 s and its stderr (stdout for rc 0)
# matches the extended regex PATTERN on its first line.
expect() {
    local want=$1 pattern=$2; shift 3
    timeout 5 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    local rc=$? where="$tmp/err"
    [ "$want" -eq 0 ] && where="$tmp/out"
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: tools-cli: '$*' exited $rc, want $want; stderr: $(head -c 300 "$tmp/err")"
        fails=$((fails + 1))
    elif ! head -n 1 "$where" | grep -Eq -- "$pattern"; then
        echo "FAIL: tools-cli: '$*': first line '$(head -n 1 "$where")' does not match '$pattern'"
        fails=$((fails + 1))
    fi
}

for prog in residue-server residue-client; do
    bin=$build/$prog
    [ -x "$bin" ] || { echo "FAIL: tools-cli: $bin is not built"; exit 1; }
    expect 0 "^usage: $prog " -- "$bin" --help
    expect 2 "^$prog: unknown option '--bogus'$" -- "$bin" --bogus
    expect 2 "^$prog: unknown option '--bogus'$" -- "$bin" --bogus value
done
srv=$build/residue-server cli=$build/residue-client
expect 2 "^residue-server: option --config needs a value$" -- "$srv" --config
expect 2 "^residue-server: --connect-port: '99999' is not a port number \(0..65535\)$" -- "$srv" --connect-port 99999
expect 2 "'abc' is not a port number" -- "$srv" --logging-port abc
expect 2 "^residue-server: --durability: durability 'bogus' is not flush, group or interval$" -- "$srv" --durability bogus
expect 2 "^residue-client: option --connect needs a value$" -- "$cli" --connect
expect 2 "^residue-client: --connect: 'nohost' is not HOST:PORT" -- "$cli" --connect nohost
expect 2 "^residue-client: --connect HOST:PORT is required$" -- "$cli"
expect 2 "^residue-client: --key-size must be 128, 192 or 256$" -- "$cli" --connect 127.0.0.1:1 --key-size 100
expect 2 "^residue-client: --bulk-size must be 1..500$" -- "$cli" --connect 127.0.0.1:1 --bulk-size 0
expect 2 "^residue-client: unknown --level 'loud'$" -- "$cli" --connect 127.0.0.1:1 --level loud
[ "$fails" -eq 0 ] && echo "tools-cli: all command lines answered as expected"
[ "$fails" -eq 0 ]
