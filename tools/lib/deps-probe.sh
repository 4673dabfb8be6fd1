# shellcheck shell=bash
# Sourced by tools/ensure-deps.sh and tools/ensure-node.sh. Decides whether a Debian package a
# build or test step needs is really there by USING it — compiling and linking a small
# program against a library's header, running a tool — and asks the package manager for the
# package's state to say why something is missing and how to repair it. A file of the same
# name elsewhere (liblzma-dev's /usr/include/lzma/check.h is not Check's check.h) can never
# make a package look installed.
#
# Environment (for tests; the defaults are what a real run uses):
#   ENSURE_DEPS_QUERY         command that prints a package's dpkg status when given the
#                             package name as one more argument
#                             (default: dpkg-query -W -f='${Status}'); "install ok installed"
#                             means installed, anything else (or a failing command) means not
#   ENSURE_DEPS_PROBE_CFLAGS  extra compiler flags for the library probes, e.g.
#                             "-nostdinc -isystem DIR" to probe against a fake include tree
#   ENSURE_DEPS_PROBE_CC      C compiler for the library probes (default: cc)
#
# Use: deps_begin; deps_need PKG PROBE_FUNCTION...; deps_end; then $DEPS_MISSING holds the
# packages whose probe failed and $DEPS_REINSTALL is 1 when one of them is installed
# according to the package manager (so apt-get must --reinstall it).

DEPS_MISSING=""
DEPS_REINSTALL=0
DEPS_TMP=""

# The one option every ensure script takes: sets dry_run to 1 for --dry-run (else 0); any
# other argument prints the usage line of script $1 and exits 2.
deps_parse_args() {
    local name=$1
    shift
    dry_run=0
    case "${1:-}" in
        "") ;;
        --dry-run) dry_run=1 ;;
        *) echo "usage: $name [--dry-run]" >&2; exit 2 ;;
    esac
}

deps_begin() {
    DEPS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ensure-deps.XXXXXX") || return 1
    DEPS_MISSING=""
    DEPS_REINSTALL=0
}

deps_end() {
    [ -n "$DEPS_TMP" ] && rm -rf "$DEPS_TMP"
    DEPS_TMP=""
}

# Prints "installed" or "not installed" for a Debian package, as the package manager says.
deps_pkg_state() {
    local status
    if [ -n "${ENSURE_DEPS_QUERY:-}" ]; then
        # shellcheck disable=SC2086  # the override is a command line, split on purpose
        status=$($ENSURE_DEPS_QUERY "$1" 2>/dev/null) || status=""
    else
        status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || status=""
    fi
    if [ "$status" = "install ok installed" ]; then echo "installed"; else echo "not installed"; fi
}

# Compiles and links $DEPS_TMP/$1.c (already written) with the probe compiler and flags plus
# the remaining arguments (libraries), then runs it. Fails with the compiler's first error
# line in $DEPS_TMP/$1.why.
deps_compile_run() {
    local name=$1; shift
    local cc=${ENSURE_DEPS_PROBE_CC:-cc}
    # shellcheck disable=SC2086  # flags are a list on purpose
    if ! $cc ${ENSURE_DEPS_PROBE_CFLAGS:-} -o "$DEPS_TMP/$name" "$DEPS_TMP/$name.c" "$@" \
            >"$DEPS_TMP/$name.log" 2>&1; then
        grep -m1 -E 'error|fatal|undefined' "$DEPS_TMP/$name.log" >"$DEPS_TMP/$name.why" \
            || head -1 "$DEPS_TMP/$name.log" >"$DEPS_TMP/$name.why"
        return 1
    fi
    if ! "$DEPS_TMP/$name" >"$DEPS_TMP/$name.log" 2>&1; then
        echo "probe program built but failed when run: $(head -1 "$DEPS_TMP/$name.log")" \
            >"$DEPS_TMP/$name.why"
        return 1
    fi
}

# Runs a command (a tool's own --version, say) as the probe of a tool.
deps_run_tool() {
    local name=$1; shift
    if ! "$@" >"$DEPS_TMP/$name.log" 2>&1; then
        echo "'$*' did not run: $(head -1 "$DEPS_TMP/$name.log")" >"$DEPS_TMP/$name.why"
        return 1
    fi
}

# deps_need PKG PROBE [ARGS...]: runs the probe; when it fails, PKG is missing. Prints one
# line per missing package on stderr: what failed and what the package manager says.
deps_need() {
    local pkg=$1; shift
    rm -f "$DEPS_TMP/$pkg.why"
    if "$@" "$pkg"; then
        return 0
    fi
    local state why=""
    state=$(deps_pkg_state "$pkg")
    [ -s "$DEPS_TMP/$pkg.why" ] && why=$(head -c 300 "$DEPS_TMP/$pkg.why")
    if [ "$state" = "installed" ]; then
        DEPS_REINSTALL=1
        echo "  $pkg: installed according to the package manager but not usable: ${why:-probe failed}" >&2
    else
        echo "  $pkg: not installed (${why:-probe failed})" >&2
    fi
    DEPS_MISSING="${DEPS_MISSING:+$DEPS_MISSING }$pkg"
}
