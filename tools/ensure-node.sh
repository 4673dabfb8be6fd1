#!/usr/bin/env bash
# Makes sure `node` and `npm` are on PATH (the Node interop test needs both).
# Installs the Debian packages `nodejs npm` only when something is missing. As root it runs
# apt-get; as another user it prints the exact command and stops with exit 1.
set -euo pipefail

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm  >/dev/null 2>&1 || missing+=(npm)

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

echo "ensure-node: missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-node: not root; run this and try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
    echo "ensure-node: apt-get finished but node/npm are still not on PATH" >&2
    exit 1
}
echo "ensure-node: installed ${missing[*]} ($(node --version))"
