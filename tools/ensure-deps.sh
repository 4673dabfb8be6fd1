#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, but only those actually missing.
# Run as root on Debian 12; as another user it prints the exact command and stops.
#
#   tools/ensure-deps.sh            detect, then install what is missing (root) or print how
#   tools/ensure-deps.sh --dry-run  detect and print what is missing; install nothing.
#                                   Exit 0 when nothing is missing, 1 otherwise.
#
# A package counts as present only when it works (tools/lib/deps-probe.sh): the libraries by
# compiling and linking a probe against their header — <check.h> with -lcheck, <zlib.h> with
# -lz, <openssl/evp.h> with -lcrypto and OpenSSL 3.x checked at compile and at run time —
# and the tools by running them (flex, bison, pkg-config, make) or compiling and linking a
# program (gcc, clang, g++). A header of the same name elsewhere cannot fool it. For each
# missing package the package manager's view is printed too; one that it calls installed
# but that does not work is reinstalled.
#
# Environment (for tests): ENSURE_DEPS_QUERY (package-state command, default
# dpkg-query -W -f='${Status}'), ENSURE_DEPS_PROBE_CFLAGS (extra flags for the library probes,
# e.g. "-nostdinc -isystem DIR"), ENSURE_DEPS_PROBE_CC (default cc). See tools/lib/deps-probe.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/deps-probe.sh
. "$here/lib/deps-probe.sh"
deps_parse_args tools/ensure-deps.sh "$@"

probe_tool_version() { deps_run_tool "$2" "$1" --version; }   # $1 command, $2 package

probe_c_compiler() {   # $1 compiler, $2 package: compiles and links C11
    local cc=$1 pkg=$2
    printf '#include <stdio.h>\nint main(void) { return puts("") < 0; }\n' >"$DEPS_TMP/$pkg.c"
    if ! "$cc" -std=c11 -Werror -o "$DEPS_TMP/$pkg" "$DEPS_TMP/$pkg.c" >"$DEPS_TMP/$pkg.log" 2>&1; then
        echo "$cc cannot compile and link a C program: $(head -1 "$DEPS_TMP/$pkg.log")" >"$DEPS_TMP/$pkg.why"
        return 1
    fi
}

probe_cxx_compiler() {   # generated headers are also compiled as C++
    local pkg=$1
    printf '#include <cstdio>\nint main() { return std::puts("") < 0; }\n' >"$DEPS_TMP/$pkg.cc"
    if ! g++ -o "$DEPS_TMP/$pkg" "$DEPS_TMP/$pkg.cc" >"$DEPS_TMP/$pkg.log" 2>&1; then
        echo "g++ cannot compile and link a C++ program: $(head -1 "$DEPS_TMP/$pkg.log")" >"$DEPS_TMP/$pkg.why"
        return 1
    fi
}

probe_check() {
    cat >"$DEPS_TMP/$1.c" <<'C'
#include <check.h>
int main(void)
{
    SRunner *r = srunner_create(suite_create("probe"));
    srunner_free(r);
    return 0;
}
C
    # The same link line the Makefile uses (LIBS_CHECK).
    local libs
    libs=$(pkg-config --libs check 2>/dev/null) || libs="-lcheck -lsubunit -lm -lrt -lpthread"
    # shellcheck disable=SC2086
    deps_compile_run "$1" $libs
}

probe_openssl() {
    cat >"$DEPS_TMP/$1.c" <<'C'
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#if !defined(OPENSSL_VERSION_MAJOR) || OPENSSL_VERSION_MAJOR < 3
#error "OpenSSL 3.x headers are required"
#endif
int main(void)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    int ok = c != NULL && OPENSSL_version_major() >= 3;
    EVP_CIPHER_free(c);
    return ok ? 0 : 1;
}
C
    deps_compile_run "$1" -lcrypto
}

probe_zlib() {
    cat >"$DEPS_TMP/$1.c" <<'C'
#include <zlib.h>
int main(void) { return zlibVersion()[0] == ZLIB_VERSION[0] ? 0 : 1; }
C
    deps_compile_run "$1" -lz
}

probe_jsonschema() {   # tests/scripts/jsonschema.sh: Debian's python3 with its jsonschema module
    if ! /usr/bin/python3 -c 'import jsonschema; jsonschema.Draft202012Validator' >"$DEPS_TMP/$1.log" 2>&1; then
        echo "/usr/bin/python3 cannot import jsonschema with draft 2020-12: $(tail -1 "$DEPS_TMP/$1.log")" >"$DEPS_TMP/$1.why"
        return 1
    fi
}

deps_begin
trap deps_end EXIT
deps_need flex       probe_tool_version flex
deps_need bison      probe_tool_version bison
deps_need pkg-config probe_tool_version pkg-config
deps_need gcc        probe_c_compiler gcc
deps_need clang      probe_c_compiler clang      # generated code must compile clean under clang too
deps_need g++        probe_cxx_compiler          # ... and its headers as C++ (tests/scripts/generated-compile.sh)
deps_need make       probe_tool_version make
deps_need check      probe_check
deps_need libssl-dev probe_openssl
deps_need zlib1g-dev probe_zlib
deps_need python3-jsonschema probe_jsonschema

if [ -z "$DEPS_MISSING" ]; then
    exit 0
fi

echo "ensure-deps: missing packages: $DEPS_MISSING"
reinstall=""
[ "$DEPS_REINSTALL" -eq 1 ] && reinstall="--reinstall "
if [ "$dry_run" -eq 1 ]; then
    echo "ensure-deps: dry run, nothing installed; would run: apt-get install -y $reinstall$DEPS_MISSING"
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-deps: not root; run this and try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $reinstall$DEPS_MISSING" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $reinstall$DEPS_MISSING
echo "ensure-deps: installed $DEPS_MISSING"
# Prove it: the same probes must pass now.
if ! "$0" --dry-run; then
    echo "ensure-deps: apt-get finished but the probes above still fail" >&2
    exit 1
fi
