#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, but only those actually missing.
# Run as root on Debian 12; as another user it prints the exact command and stops.
set -euo pipefail

missing=()
have_cmd()    { command -v "$1" >/dev/null 2>&1; }
have_header() { [ -e "/usr/include/$1" ] || [ -n "$(find /usr/include -path "*/$1" -print -quit 2>/dev/null)" ]; }

have_cmd flex       || missing+=(flex)
have_cmd bison      || missing+=(bison)
have_cmd pkg-config || missing+=(pkg-config)
have_cmd cc         || missing+=(gcc)
have_cmd clang      || missing+=(clang)   # generated code must compile clean under clang too
have_cmd g++        || missing+=(g++)     # ... and its headers as C++ (tests/scripts/generated-compile.sh)
have_cmd make       || missing+=(make)
have_header check.h          || missing+=(check)
have_header openssl/evp.h    || missing+=(libssl-dev)
have_header zlib.h           || missing+=(zlib1g-dev)
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || missing+=(python3-jsonschema) # tests/scripts/jsonschema.sh

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

echo "ensure-deps: missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-deps: not root; run this and try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
echo "ensure-deps: installed ${missing[*]}"
