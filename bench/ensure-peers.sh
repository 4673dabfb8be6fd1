#!/usr/bin/env bash
# Installs the benchmark peers (cJSON, jansson, json-c headers and libraries) and valgrind
# from Debian packages, but only those actually missing. As root it runs apt-get; as any
# other user it prints the exact command and exits non-zero so `make bench` stops.
set -euo pipefail

missing=()
have_header() { [ -e "/usr/include/$1" ]; }
have_cmd()    { command -v "$1" >/dev/null 2>&1; }

have_header cjson/cJSON.h    || missing+=(libcjson-dev)
have_header jansson.h        || missing+=(libjansson-dev)
have_header json-c/json.h    || missing+=(libjson-c-dev)
have_cmd valgrind            || missing+=(valgrind)

[ "${#missing[@]}" -eq 0 ] && exit 0

echo "bench: missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "bench: not root; install them and run make bench again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "${missing[@]}" || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }
echo "bench: installed ${missing[*]}"
