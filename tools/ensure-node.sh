#!/usr/bin/env bash
# Makes sure `node` and `npm` work (the Node interop test needs both). Installs the Debian
# packages `nodejs` / `npm` only when something is missing. As root it runs apt-get; as
# another user it prints the exact command and stops with exit 1.
#
#   tools/ensure-node.sh            detect, then install what is missing (root) or print how
#   tools/ensure-node.sh --dry-run  detect and print what is missing; install nothing.
#                                   Exit 0 when nothing is missing, 1 otherwise.
#
# Present means working (tools/lib/deps-probe.sh): `node -e` runs a script, `npm --version`
# runs. npm counts as present when it works even if the package manager has no `npm`
# package (NodeSource's nodejs package bundles its own npm). For a missing one the package
# manager's view is printed too.
#
# Environment (for tests): ENSURE_DEPS_QUERY (package-state command, default
# dpkg-query -W -f='${Status}'), ENSURE_NODE_BIN (default node), ENSURE_NPM_BIN (default npm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/deps-probe.sh
. "$here/lib/deps-probe.sh"
deps_parse_args tools/ensure-node.sh "$@"

node_bin=${ENSURE_NODE_BIN:-node}
npm_bin=${ENSURE_NPM_BIN:-npm}
probe_node() { deps_run_tool "$1" "$node_bin" -e 'if (typeof process.versions.node !== "string") process.exit(1)'; }
probe_npm()  { deps_run_tool "$1" "$npm_bin" --version; }

deps_begin
trap deps_end EXIT
deps_need nodejs probe_node
deps_need npm    probe_npm

if [ -z "$DEPS_MISSING" ]; then
    exit 0
fi

echo "ensure-node: missing packages: $DEPS_MISSING"
reinstall=""
[ "$DEPS_REINSTALL" -eq 1 ] && reinstall="--reinstall "
if [ "$dry_run" -eq 1 ]; then
    echo "ensure-node: dry run, nothing installed; would run: apt-get install -y $reinstall$DEPS_MISSING"
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-node: not root; run this and try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $reinstall$DEPS_MISSING" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $reinstall$DEPS_MISSING
if ! "$0" --dry-run; then
    echo "ensure-node: apt-get finished but node/npm still do not work" >&2
    exit 1
fi
echo "ensure-node: installed $DEPS_MISSING ($("$node_bin" --version))"
