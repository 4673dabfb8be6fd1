#!/usr/bin/env bash
# Installs the benchmark peers from Debian packages, but only those actually missing:
# cJSON, jansson and json-c (required), valgrind (required: instruction counts) and simdjson
# (optional: without it `make bench` reports that peer as SKIPPED). As root it runs apt-get;
# as any other user it prints the exact command and, when a required one is missing, exits
# non-zero so `make bench` stops.
#
#   bench/ensure-peers.sh            detect, then install what is missing (root) or print how
#   bench/ensure-peers.sh --dry-run  detect and print what is missing; install nothing
#                                    (exit 1 when a required package is missing)
#
# A package counts as present only when it works, never because a header of that name is
# somewhere (the approach of tools/ensure-deps.sh, whose probes live in
# tools/lib/deps-probe.sh): each library by compiling, linking and running a small program
# against it, valgrind by running it. For each missing package the package manager's view
# (dpkg-query) is printed too; one it calls installed but that does not work is reinstalled.
set -euo pipefail

dry_run=0
case "${1:-}" in
    "") ;;
    --dry-run) dry_run=1 ;;
    *) echo "usage: bench/ensure-peers.sh [--dry-run]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/lib/deps-probe.sh
. "$here/../tools/lib/deps-probe.sh"

probe_cjson() {
    cat >"$DEPS_TMP/$1.c" <<'C'
#include <cjson/cJSON.h>
int main(void)
{
    cJSON *j = cJSON_Parse("{\"a\":1}");
    int ok = j != NULL && cJSON_GetObjectItemCaseSensitive(j, "a") != NULL;
    cJSON_Delete(j);
    return ok ? 0 : 1;
}
C
    deps_compile_run "$1" -lcjson
}

probe_jansson() {
    cat >"$DEPS_TMP/$1.c" <<'C'
#include <jansson.h>
int main(void)
{
    json_t *j = json_loadb("{\"a\":1}", 7, 0, NULL);
    int ok = j != NULL && json_integer_value(json_object_get(j, "a")) == 1;
    json_decref(j);
    return ok ? 0 : 1;
}
C
    deps_compile_run "$1" -ljansson
}

probe_jsonc() {
    cat >"$DEPS_TMP/$1.c" <<'C'
#include <json-c/json.h>
int main(void)
{
    json_object *j = json_tokener_parse("{\"a\":1}");
    json_object *a = NULL;
    int ok = j != NULL && json_object_object_get_ex(j, "a", &a) && json_object_get_int(a) == 1;
    json_object_put(j);
    return ok ? 0 : 1;
}
C
    deps_compile_run "$1" -ljson-c
}

probe_valgrind() {   # the tool, and the header the callgrind brackets need
    deps_run_tool "$1" valgrind --version || return 1
    cat >"$DEPS_TMP/$1.c" <<'C'
#include <valgrind/callgrind.h>
int main(void) { CALLGRIND_ZERO_STATS; return RUNNING_ON_VALGRIND; }
C
    deps_compile_run "$1"
}

probe_simdjson() {   # C++: g++ with the On-Demand API, as bench/peer_simdjson.cc uses it
    local pkg=$1
    cat >"$DEPS_TMP/$pkg.cc" <<'CC'
#include <simdjson.h>
int main()
{
    simdjson::ondemand::parser p;
    simdjson::padded_string s(std::string("{\"a\":1}"));
    simdjson::ondemand::document d;
    uint64_t v = 0;
    if (p.iterate(s).get(d) != simdjson::SUCCESS || d["a"].get_uint64().get(v) != simdjson::SUCCESS)
        return 1;
    return v == 1 ? 0 : 1;
}
CC
    if ! g++ -std=c++17 -o "$DEPS_TMP/$pkg" "$DEPS_TMP/$pkg.cc" -lsimdjson >"$DEPS_TMP/$pkg.log" 2>&1; then
        grep -m1 -E 'error|fatal|undefined' "$DEPS_TMP/$pkg.log" >"$DEPS_TMP/$pkg.why" \
            || head -1 "$DEPS_TMP/$pkg.log" >"$DEPS_TMP/$pkg.why"
        return 1
    fi
    if ! "$DEPS_TMP/$pkg" >"$DEPS_TMP/$pkg.log" 2>&1; then
        echo "probe program built but failed when run" >"$DEPS_TMP/$pkg.why"
        return 1
    fi
}

deps_begin
trap deps_end EXIT
deps_need libcjson-dev   probe_cjson
deps_need libjansson-dev probe_jansson
deps_need libjson-c-dev  probe_jsonc
deps_need valgrind       probe_valgrind
required_missing=$DEPS_MISSING
deps_need libsimdjson-dev probe_simdjson
optional_missing=${DEPS_MISSING#"$required_missing"}
optional_missing=${optional_missing# }

if [ -z "$DEPS_MISSING" ]; then
    exit 0
fi

echo "bench: missing packages: $DEPS_MISSING"
reinstall=""
[ "$DEPS_REINSTALL" -eq 1 ] && reinstall="--reinstall "
if [ "$dry_run" -eq 1 ] || [ "$(id -u)" -ne 0 ]; then
    if [ "$dry_run" -eq 1 ]; then
        echo "bench: dry run, nothing installed; would run: apt-get install -y $reinstall$DEPS_MISSING"
    else
        echo "bench: not root; install them and run make bench again:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y $reinstall$DEPS_MISSING" >&2
    fi
    if [ -n "$required_missing" ]; then exit 1; fi
    echo "bench: only optional peers are missing ($optional_missing): they will be SKIPPED" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if [ -n "$required_missing" ]; then
    apt-get install -y -qq $reinstall$required_missing \
        || { apt-get update -qq && apt-get install -y -qq $reinstall$required_missing; }
fi
# shellcheck disable=SC2086
if [ -n "$optional_missing" ]; then
    apt-get install -y -qq $reinstall$optional_missing \
        || { apt-get update -qq && apt-get install -y -qq $reinstall$optional_missing; } \
        || echo "bench: could not install $optional_missing: that peer will be SKIPPED" >&2
fi
echo "bench: installed what apt-get could of: $DEPS_MISSING"
# Prove it: the required probes must pass now.
"$0" --dry-run
