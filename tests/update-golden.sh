#!/usr/bin/env bash
# Rewrites the committed golden files from the current build (make update-golden).
# Review the diff (git diff tests/) before committing: a golden file is a promise.
#
#   $1  build directory holding rprotoc (default: build)
set -eu
build=${1:-build}
rprotoc=$build/rprotoc

# ---- front end: --dump-ast of the valid specs ----------------------------------------------
"$rprotoc" --dump-ast spec/residue.rproto > tests/golden/residue.ast
"$rprotoc" --dump-ast tests/specs/valid/all-constructs.rproto > tests/golden/all-constructs.ast

# ---- front end: expected diagnostics of the invalid specs ----------------------------------
for spec in tests/specs/invalid/*.rproto; do
    set +e
    "$rprotoc" --check -I tests/specs/invalid/lib "$spec" > /dev/null 2> "${spec%.rproto}.expected"
    set -e
done

# ---- emitters: add their golden files below ------------------------------------------------
"$rprotoc" tests/specs/valid/all-constructs.rproto -o tests/golden/emit   # C emitter: every.h, every.c,
                                                                          # every_machines.h, every_machines.c
"$rprotoc" tests/specs/valid/orders.rproto -o tests/golden/emit           # no routes: orders.h, orders.c

echo "update-golden: rewrote tests/golden/*.ast and tests/specs/invalid/*.expected"
