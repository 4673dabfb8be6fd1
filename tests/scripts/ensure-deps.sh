#!/usr/bin/env bash
# Dependency detection (tools/ensure-deps.sh, tools/ensure-node.sh) cannot be fooled by a file
# of the same name: against a fake include tree that holds only lzma/check.h (what
# liblzma-dev installs) and a package manager that reports nothing installed, the dry run
# reports Check (and the other two libraries) missing and installs nothing; told that Check
# is installed, it still reports it missing (installed but unusable: to be reinstalled). On
# this machine as it is, the real detection reports nothing missing. A fake apt-get first on
# PATH proves that no dry run ever calls it. Never removes or installs anything.
set -u
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say_fail() { echo "ensure-deps: FAIL: $*" >&2; fail=1; }

mkdir -p "$tmp/inc/lzma" "$tmp/bin"
printf '/* stand-in for liblzma-dev'"'"'s lzma/check.h */\n#define LZMA_CHECK_ID_MAX 15\n' >"$tmp/inc/lzma/check.h"
printf '#!/bin/sh\necho "apt-get $*" >>"%s/apt-called"\nexit 1\n' "$tmp" >"$tmp/bin/apt-get"
printf '#!/bin/sh\necho "unknown ok not-installed"\n' >"$tmp/query-none"
printf '#!/bin/sh\n[ "$1" = check ] && echo "install ok installed" || echo "unknown ok not-installed"\n' >"$tmp/query-check"
chmod +x "$tmp/bin/apt-get" "$tmp/query-none" "$tmp/query-check"
fake_path="$tmp/bin:$PATH"

# 1. lzma/check.h only, nothing installed: check is missing, so are the two other libraries
#    (their headers are not in the fake tree either); the tools are there (they are run,
#    not looked for).
out=$(PATH=$fake_path ENSURE_DEPS_QUERY="$tmp/query-none" \
      ENSURE_DEPS_PROBE_CFLAGS="-nostdinc -isystem $tmp/inc" \
      "$root/tools/ensure-deps.sh" --dry-run 2>"$tmp/err1")
rc=$?
[ "$rc" -eq 1 ] || say_fail "fake tree: exit $rc, want 1"
missing=$(printf '%s\n' "$out" | sed -n 's/^ensure-deps: missing packages: //p')
[ "$missing" = "check libssl-dev zlib1g-dev" ] || say_fail "fake tree: missing '$missing', want 'check libssl-dev zlib1g-dev'"
grep -q "^  check: not installed (.*check.h" "$tmp/err1" || say_fail "fake tree: no reason naming check.h: $(cat "$tmp/err1")"
grep -q "dry run, nothing installed; would run: apt-get install -y check libssl-dev zlib1g-dev" <<<"$out" \
    || say_fail "fake tree: dry-run line missing: $out"

# 2. the package manager says Check is installed, but it does not work here: still missing,
#    and the repair is a reinstall.
out=$(PATH=$fake_path ENSURE_DEPS_QUERY="$tmp/query-check" \
      ENSURE_DEPS_PROBE_CFLAGS="-nostdinc -isystem $tmp/inc" \
      "$root/tools/ensure-deps.sh" --dry-run 2>"$tmp/err2")
rc=$?
[ "$rc" -eq 1 ] || say_fail "installed-but-broken: exit $rc, want 1"
grep -q "^  check: installed according to the package manager but not usable" "$tmp/err2" \
    || say_fail "installed-but-broken: $(cat "$tmp/err2")"
grep -q "would run: apt-get install -y --reinstall check" <<<"$out" || say_fail "installed-but-broken: no --reinstall: $out"

# 3. the real detection on this machine: nothing missing (make check ran `make deps` first).
out=$(PATH=$fake_path "$root/tools/ensure-deps.sh" --dry-run 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [ -z "$out" ] || say_fail "real detection: exit $rc: $out"

# 4. ensure-node: a node that does not run is missing whatever the package manager says
#    nothing; the real detection agrees with what really runs here.
out=$(PATH=$fake_path ENSURE_DEPS_QUERY="$tmp/query-none" ENSURE_NODE_BIN="$tmp/no-such-node" \
      "$root/tools/ensure-node.sh" --dry-run 2>"$tmp/err4")
rc=$?
[ "$rc" -eq 1 ] || say_fail "ensure-node without node: exit $rc, want 1"
printf '%s\n' "$out" | grep -q "^ensure-node: missing packages: nodejs" || say_fail "ensure-node without node: $out"
want=""
node -e 0 >/dev/null 2>&1 || want="nodejs"
npm --version >/dev/null 2>&1 || want="${want:+$want }npm"
out=$(PATH=$fake_path "$root/tools/ensure-node.sh" --dry-run 2>/dev/null)
got=$(printf '%s\n' "$out" | sed -n 's/^ensure-node: missing packages: //p')
[ "$got" = "$want" ] || say_fail "ensure-node real detection: missing '$got', want '$want'"

[ ! -e "$tmp/apt-called" ] || say_fail "a dry run called apt-get: $(cat "$tmp/apt-called")"
[ "$fail" -eq 0 ] && echo "ensure-deps: fake lzma/check.h tree -> check missing; installed-but-broken -> reinstall; real detection: nothing missing"
exit "$fail"
