#!/usr/bin/env bash
# rprotoc front end: CLI behaviour, golden --dump-ast files, and the invalid-spec corpus
# (each tests/specs/invalid/X.rproto must fail with exit 1 and print exactly X.expected).
set -u
build=$1
rprotoc=$build/rprotoc
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bad() { echo "FAIL: $*"; fail=1; }

if [ ! -x "$rprotoc" ]; then echo "FAIL: $rprotoc is not built"; exit 1; fi

# expect_run EXIT_CODE DESCRIPTION -- command...   (stdout/stderr kept in $tmp/out, $tmp/err)
expect_run() {
    local want=$1 what=$2; shift 3
    "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || bad "$what: exit $rc, want $want ($(head -c 300 "$tmp/err"))"
}

# ---- the real spec checks clean and silently -----------------------------------------------
expect_run 0 "residue --check" -- "$rprotoc" --check spec/residue.rproto
[ -s "$tmp/out" ] || [ -s "$tmp/err" ] && bad "residue --check printed something"
for spec in tests/specs/valid/*.rproto; do
    expect_run 0 "$spec --check" -- "$rprotoc" --check "$spec"
    [ -s "$tmp/out" ] || [ -s "$tmp/err" ] && bad "$spec --check printed something"
done

# ---- golden AST dumps -----------------------------------------------------------------------
golden() {
    local spec=$1 want=$2
    expect_run 0 "--dump-ast $spec" -- "$rprotoc" --dump-ast "$spec"
    if ! cmp -s "$tmp/out" "$want"; then
        bad "--dump-ast $spec differs from $want (make update-golden rewrites it):"
        diff -u "$want" "$tmp/out" | head -20
    fi
}
golden spec/residue.rproto tests/golden/residue.ast
golden tests/specs/valid/all-constructs.rproto tests/golden/all-constructs.ast

# ---- invalid corpus -------------------------------------------------------------------------
n=0
for spec in tests/specs/invalid/*.rproto; do
    want=${spec%.rproto}.expected
    n=$((n + 1))
    if [ ! -f "$want" ]; then bad "$spec has no $want"; continue; fi
    expect_run 1 "$spec" -- "$rprotoc" --check -I tests/specs/invalid/lib "$spec"
    [ -s "$tmp/out" ] && bad "$spec: printed on stdout"
    if ! cmp -s "$tmp/err" "$want"; then
        bad "$spec: diagnostics differ from $want:"
        diff -u "$want" "$tmp/err" | head -20
    fi
    grep -q ': error: ' "$tmp/err" || bad "$spec: no error line"
done
[ "$n" -ge 40 ] || bad "only $n invalid specs (want at least 40)"
echo "frontend: $n invalid specs checked"
# Warnings: each tests/specs/warnings/X.rproto checks (exit 0) and prints exactly X.expected.
w=0
for spec in tests/specs/warnings/*.rproto; do
    want=${spec%.rproto}.expected
    w=$((w + 1))
    if [ ! -f "$want" ]; then bad "$spec has no $want"; continue; fi
    expect_run 0 "$spec" -- "$rprotoc" --check "$spec"
    cmp -s "$tmp/err" "$want" || { bad "$spec: diagnostics differ from $want:"; diff -u "$want" "$tmp/err" | head -20; }
    grep -q ': warning: ' "$tmp/err" || bad "$spec: no warning line"
done
echo "frontend: $w specs that check with warnings"
# The limit's other side: the first 15 of those messages have 16 distinct const keys.
head -n 80 tests/specs/invalid/sem-too-many-const-keys.rproto > "$tmp/const-keys-16.rproto"
expect_run 0 "16 distinct const keys on one port" -- \
    "$rprotoc" --check -I tests/specs/invalid/lib "$tmp/const-keys-16.rproto"

# ---- reserved names (generator/reserved_names.def, from tools/gen-reserved-names.sh) --------
# Every 15th name of the .def, each a field name: each must be refused, once (40 to a spec:
# rprotoc stops after 50 errors).
def=generator/reserved_names.def
sed -nE 's/^RP_RESERVED_(MACRO|TYPE|PREDEFINED|DEFINED)\("([A-Za-z0-9_]+)".*/\2/p' "$def" |
    awk 'NR % 15 == 1' > "$tmp/sample"
split -l 40 "$tmp/sample" "$tmp/sample."
: > "$tmp/refused.all"
errors=0
for part in "$tmp"/sample.*; do
    {
        echo "protocol p;"
        echo "message M {"
        awk '{ printf "  optional uint8 %s = \"k%d\";\n", $1, NR }' "$part"
        echo "}"
    } > "$tmp/reserved.rproto"
    "$rprotoc" --check "$tmp/reserved.rproto" > /dev/null 2> "$tmp/err"
    sed -nE "s/.*: error: field name '([A-Za-z0-9_]+)' is .*/\1/p" "$tmp/err" >> "$tmp/refused.all"
    errors=$((errors + $(grep -c ': error: ' "$tmp/err")))
done
missed=$(sort "$tmp/sample" | comm -23 - <(sort "$tmp/refused.all"))
[ -z "$missed" ] || bad "reserved names accepted as field names: $(echo $missed)"
[ "$errors" -eq "$(wc -l < "$tmp/sample")" ] ||
    bad "reserved names: $errors errors for $(wc -l < "$tmp/sample") names"

# Functions, tags and enum constants of the headers are refused at file scope only. Every
# 15th of them is a field name, which must be accepted; every 10th in lower case with a '_'
# in it, split there into a protocol and a message (open_memstream: protocol open, message
# memstream), must be refused as that message's C type (unless the protocol would shadow a
# header: that is refused first).
sed -nE 's/^RP_RESERVED_(FUNCTION|TAG)\("([A-Za-z][A-Za-z0-9_]*)".*/\2/p' "$def" | awk 'NR % 15 == 1' > "$tmp/members"
split -l 40 "$tmp/members" "$tmp/members."
for part in "$tmp"/members.*; do
    {
        echo "protocol p;"
        echo "message M {"
        awk '{ printf "  optional uint8 %s = \"k%d\";\n", $1, NR }' "$part"
        echo "}"
    } > "$tmp/members.rproto"
    "$rprotoc" --check "$tmp/members.rproto" > /dev/null 2> "$tmp/err" ||
        bad "library functions and tags refused as field names: $(head -n 1 "$tmp/err")"
done
files=0
sed -nE 's/^RP_RESERVED_HEADER\("([A-Za-z0-9_]+)".*/\1/p' "$def" > "$tmp/headers"
for name in $(sed -nE 's/^RP_RESERVED_(FUNCTION|TAG)\("([a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9])".*/\2/p' "$def" |
              grep -v '__' | awk -v hs="$tmp/headers" 'BEGIN { while ((getline h < hs) > 0) shadow[h] = 1 }
                                                        { split($0, w, "_") } !(w[1] in shadow)' |
              awk 'NR % 10 == 1'); do
    printf 'protocol %s;\nmessage %s { optional uint8 x = "x"; }\n' "${name%%_*}" "${name#*_}" > "$tmp/file.rproto"
    files=$((files + 1))
    expect_run 1 "$name as a C type" -- "$rprotoc" --check "$tmp/file.rproto"
    grep -q "'$name'" "$tmp/err" || bad "$name as a C type: $(head -n 1 "$tmp/err")"
done
[ "$files" -ge 20 ] || bad "only $files library functions and tags tried as C types"
# Every header a protocol would shadow: the protocol is refused.
headers=0
for h in $(sed -nE 's/^RP_RESERVED_HEADER\("([A-Za-z][A-Za-z0-9_]*)".*/\1/p' "$def"); do
    headers=$((headers + 1))
    printf 'protocol %s;\nmessage M {\n  optional uint8 x = "x";\n}\n' "$h" > "$tmp/h.rproto"
    expect_run 1 "protocol $h" -- "$rprotoc" --check "$tmp/h.rproto"
    grep -q "error: protocol name '$h' would name the generated header '$h.h'" "$tmp/err" ||
        bad "protocol $h: $(head -n 1 "$tmp/err")"
done
# Innocent names stay accepted, as field names and as the C types of protocol p.
{
    echo "protocol p;"
    echo "message M {"
    i=0
    for f in value time_ms count index error status type id name size data length offset flags \
             mode major minor time clock signal errno_text path file line level result code; do
        i=$((i + 1)); echo "  optional uint8 $f = \"k$i\";"
    done
    echo "}"
    for m in Value Time Status Size Data List Stat File Error; do echo "message $m { optional uint8 x = \"x\"; }"; done
} > "$tmp/innocent.rproto"
expect_run 0 "innocent names" -- "$rprotoc" --check "$tmp/innocent.rproto"
[ -s "$tmp/err" ] && bad "innocent names: $(head -n 3 "$tmp/err")"
echo "frontend: $(wc -l < "$tmp/sample") sampled reserved names refused, $headers headers refused as protocol names," \
     "$(wc -l < "$tmp/members") library functions and tags accepted as fields, $files refused as C types"

# ---- CLI ------------------------------------------------------------------------------------
expect_run 0 "--version" -- "$rprotoc" --version
grep -qx 'rprotoc [0-9]*\.[0-9]*\.[0-9]*' "$tmp/out" || bad "--version printed '$(cat "$tmp/out")'"
expect_run 0 "--help" -- "$rprotoc" --help
grep -q '^usage: rprotoc' "$tmp/out" || bad "--help has no usage line"
expect_run 2 "no arguments" -- "$rprotoc"
grep -q "^rprotoc: error: no spec file given" "$tmp/err" || bad "no-argument message: $(cat "$tmp/err")"
expect_run 2 "unknown option" -- "$rprotoc" --frobnicate spec/residue.rproto
# --optimize speed|size: speed is what generated/ holds (the default), size has no lanes
expect_run 2 "--optimize with a bad value" -- "$rprotoc" spec/residue.rproto --optimize fast -o "$tmp"
grep -q "^rprotoc: error: --optimize takes 'speed' or 'size', not 'fast'" "$tmp/err" \
    || bad "--optimize message: $(cat "$tmp/err")"
mkdir -p "$tmp/opt-size" "$tmp/opt-speed"
expect_run 0 "--optimize size" -- "$rprotoc" spec/residue.rproto --optimize size -o "$tmp/opt-size"
grep -q 'lane__\|rp_lane' "$tmp/opt-size/residue.c" && bad "--optimize size wrote decode lanes"
expect_run 0 "--optimize=speed" -- "$rprotoc" spec/residue.rproto --optimize=speed -o "$tmp/opt-speed"
cmp -s "$tmp/opt-speed/residue.c" generated/residue.c || bad "--optimize speed is not what generated/ holds"
expect_run 2 "missing -o" -- "$rprotoc" spec/residue.rproto
expect_run 2 "-o without value" -- "$rprotoc" spec/residue.rproto -o
expect_run 2 "missing file" -- "$rprotoc" --check "$tmp/does-not-exist.rproto"
grep -q "^rprotoc: error: cannot read '.*does-not-exist.rproto': No such file or directory" "$tmp/err" \
    || bad "missing-file message: $(cat "$tmp/err")"
expect_run 2 "directory as spec" -- "$rprotoc" --check "$tmp"
expect_run 1 "invalid spec exit code" -- "$rprotoc" --check tests/specs/invalid/sem-unknown-type.rproto

# -I: an import found only through an include directory
mkdir -p "$tmp/inc" "$tmp/main"
printf 'enum Color : uint8 { RED = 1; }\n' > "$tmp/inc/colors.rproto"
printf 'protocol p;\nimport "colors.rproto";\nmessage M { required Color c = "c"; }\n' > "$tmp/main/m.rproto"
expect_run 1 "import without -I" -- "$rprotoc" --check "$tmp/main/m.rproto"
grep -q "cannot find imported file 'colors.rproto'" "$tmp/err" || bad "import without -I: $(cat "$tmp/err")"
expect_run 0 "import with -I" -- "$rprotoc" --check -I "$tmp/inc" "$tmp/main/m.rproto"
expect_run 0 "import with -IDIR" -- "$rprotoc" --check "-I$tmp/inc" "$tmp/main/m.rproto"

# -M / -MF: make dependencies name the spec and its imports
expect_run 0 "-M" -- "$rprotoc" --check -M -I "$tmp/inc" "$tmp/main/m.rproto"
grep -q "^$tmp/main/m.rproto: $tmp/inc/colors.rproto\$" "$tmp/out" || bad "-M printed: $(cat "$tmp/out")"
expect_run 0 "-MF" -- "$rprotoc" --check -MF "$tmp/deps.d" tests/specs/valid/all-constructs.rproto
grep -q "tests/specs/valid/lib/common.rproto" "$tmp/deps.d" || bad "-MF file lacks the import"

# the compile mode checks and fails like --check on a bad spec, writing nothing
mkdir -p "$tmp/outdir"
expect_run 1 "compile invalid spec" -- "$rprotoc" tests/specs/invalid/sem-unknown-type.rproto -o "$tmp/outdir"
[ -z "$(ls -A "$tmp/outdir")" ] || bad "compile of an invalid spec wrote files"

# a failed write to stdout is an I/O error with a message, for large outputs (written before
# the final flush) and small ones alike
if [ -w /dev/full ]; then
    for args in "--dump-ast spec/residue.rproto" "--emit docs spec/residue.rproto" \
                "--emit jsonschema spec/residue.rproto" "--check -M spec/residue.rproto" "--help"; do
        # shellcheck disable=SC2086
        "$rprotoc" $args > /dev/full 2> "$tmp/err"
        rc=$?
        [ "$rc" -eq 2 ] || bad "$args > /dev/full: exit $rc, want 2"
        grep -qx "rprotoc: error: writing standard output: No space left on device" "$tmp/err" \
            || bad "$args > /dev/full: stderr: $(head -c 300 "$tmp/err")"
    done
fi

# determinism: the same diagnostics twice, whatever the locale
LC_ALL=C "$rprotoc" --check tests/specs/invalid/syn-multiple-errors.rproto 2> "$tmp/e1"
LC_ALL=C.UTF-8 "$rprotoc" --check tests/specs/invalid/syn-multiple-errors.rproto 2> "$tmp/e2"
cmp -s "$tmp/e1" "$tmp/e2" || bad "diagnostics depend on the locale"

exit $fail
