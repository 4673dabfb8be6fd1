#!/usr/bin/env bash
# rprotoc's command line against hostile arguments and inputs: every case must end with the
# documented exit status (0 ok, 1 spec errors or problems found, 2 usage or I/O) and a
# message that names what was wrong, never a crash, a hang or an unbounded read.
set -u
build=${1:-build}
rp=$build/rprotoc
fail=0
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

bad() { echo "cli-hostile: FAIL: $*"; fail=1; }
if [ ! -x "$rp" ]; then echo "cli-hostile: FAIL: $rp is not built"; exit 1; fi

# Every command runs with at most 4 GB of address space, so an unbounded read fails fast
# instead of taking the machine's memory (not under ASan, which reserves far more).
vlimit=4000000
nm "$rp" 2>/dev/null | grep -q __asan_init && vlimit=unlimited
# run EXIT DESCRIPTION -- command...: stdout in $tmp/out, stderr in $tmp/err, at most 20 s
run() {
    local want=$1 what=$2; shift 3
    timeout 20 bash -c 'ulimit -v "$0" && exec "$@"' "$vlimit" "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || bad "$what: exit $rc, want $want ($(head -c 300 "$tmp/err"))"
}
# err_is DESCRIPTION TEXT: stderr is exactly TEXT (plus the final newline)
err_is() {
    printf '%s\n' "$2" | cmp -s - "$tmp/err" || { bad "$1: stderr is:"; head -c 600 "$tmp/err"; echo; }
}

# ---- usage errors of the subcommands name the bad option, as the main command does ----------
run 2 "main --bogus" -- "$rp" --bogus spec/residue.rproto
err_is "main --bogus" "rprotoc: error: unknown option '--bogus'
Try 'rprotoc --help' for more information."
for sub in validate compat; do
    run 2 "$sub --bogus" -- "$rp" $sub --bogus spec/residue.rproto spec/residue.rproto
    err_is "$sub --bogus" "rprotoc $sub: error: unknown option '--bogus'
Try 'rprotoc $sub --help' for more information."
    run 2 "$sub -I without a directory" -- "$rp" $sub spec/residue.rproto spec/residue.rproto -I
    err_is "$sub -I" "rprotoc $sub: error: option '-I' needs an argument
Try 'rprotoc $sub --help' for more information."
    run 0 "$sub --help" -- "$rp" $sub --help
    grep -q "^usage: rprotoc $sub" "$tmp/out" || bad "$sub --help printed no usage on stdout"
done
run 2 "validate --format without a value" -- "$rp" validate spec/residue.rproto Connect --format
err_is "validate --format" "rprotoc validate: error: option '--format' needs an argument: text or json
Try 'rprotoc validate --help' for more information."
run 2 "validate --format xml" -- "$rp" validate --format xml spec/residue.rproto Connect
err_is "validate --format xml" "rprotoc validate: error: --format takes 'text' or 'json', not 'xml'
Try 'rprotoc validate --help' for more information."
run 2 "validate without MESSAGE" -- "$rp" validate spec/residue.rproto
err_is "validate without MESSAGE" "rprotoc validate: error: no MESSAGE given: the message or array the documents are checked against
Try 'rprotoc validate --help' for more information."
run 2 "compat with one spec" -- "$rp" compat spec/residue.rproto
err_is "compat with one spec" "rprotoc compat: error: only one spec given: compat compares OLD and NEW
Try 'rprotoc compat --help' for more information."

# ---- "--" ends the options, so a spec named "-x.rproto" can be given -------------------------
cp spec/residue.rproto "$tmp/-r.rproto"
rpabs=$(cd "$(dirname "$rp")" && pwd)/rprotoc
run 0 "--check -- -r.rproto" -- bash -c 'cd "$1" && exec "$0" --check -- -r.rproto' "$rpabs" "$tmp"
run 0 "compat -- -r.rproto -r.rproto" -- bash -c 'cd "$1" && exec "$0" compat -- -r.rproto -r.rproto' "$rpabs" "$tmp"
run 2 "--check -- a b" -- "$rp" --check -- a b
err_is "--check -- a b" "rprotoc: error: more than one spec file given ('b')
Try 'rprotoc --help' for more information."

# ---- an empty output directory is refused: "" + "/p.h" wrote into the root directory ---------
probe=rprotoc_cli_hostile_probe
printf 'protocol %s;\nmessage M { required string s = "s"; }\n' "$probe" > "$tmp/probe.rproto"
for args in "-o" "--vendor" "--emit docs -o"; do
    # shellcheck disable=SC2086
    run 2 "$args ''" -- "$rp" "$tmp/probe.rproto" $args ""
    err_is "$args ''" "rprotoc: error: option '${args##* }' needs a directory, not an empty name
Try 'rprotoc --help' for more information."
    if ls /"$probe"* > /dev/null 2>&1; then bad "$args '' wrote into /"; rm -f /"$probe"*; fi
done

# ---- what a spec file may be ----------------------------------------------------------------
# /dev/null reads as an empty file (said 'Invalid argument'); a pipe and a FIFO as streams
: > "$tmp/empty.rproto"
run 1 "empty regular spec" -- "$rp" --check "$tmp/empty.rproto"
sed "s|$tmp/empty.rproto|/dev/null|" "$tmp/err" > "$tmp/want"
run 1 "/dev/null as the spec" -- "$rp" --check /dev/null
cmp -s "$tmp/want" "$tmp/err" || { bad "/dev/null is not read as an empty spec:"; cat "$tmp/err"; }
run 0 "spec from a pipe" -- "$rp" --check <(cat spec/residue.rproto)
mkfifo "$tmp/fifo.rproto"
(sleep 0.2; timeout 10 bash -c 'cat spec/residue.rproto > "$0"' "$tmp/fifo.rproto") &
run 0 "spec from a FIFO" -- "$rp" --check "$tmp/fifo.rproto"
wait
mkdir "$tmp/dir.rproto"
run 2 "directory as the spec" -- "$rp" --check "$tmp/dir.rproto"
err_is "directory as the spec" "rprotoc: error: cannot read '$tmp/dir.rproto': Is a directory"
# an endless spec stops at 64 MiB
run 2 "/dev/zero as the spec" -- "$rp" --check /dev/zero
err_is "/dev/zero as the spec" "rprotoc: error: cannot read '/dev/zero': larger than 64 MiB (the most rprotoc reads of a spec file)"

# ---- validate reads at most --max-input bytes of an input (64 MiB by default) ---------------
run 2 "validate /dev/zero" -- "$rp" validate spec/residue.rproto Connect /dev/zero
err_is "validate /dev/zero" "rprotoc: error: cannot read '/dev/zero': larger than 64 MiB (the --max-input limit)"
run 2 "validate endless stdin" -- bash -c "\"\$0\" validate spec/residue.rproto Connect < /dev/zero" "$rp"
err_is "validate endless stdin" "rprotoc: error: cannot read '-': larger than 64 MiB (the --max-input limit)"
doc='{"_t":1,"type":1}'
{ printf '%s' "$doc"; head -c $((10240 - ${#doc})) /dev/zero | tr '\0' ' '; } > "$tmp/10k.json"
{ cat "$tmp/10k.json"; printf ' '; } > "$tmp/10k1.json"
run 0 "validate 10 KiB with --max-input 10K" -- "$rp" validate --max-input 10K spec/residue.rproto Connect "$tmp/10k.json"
run 2 "validate 10 KiB + 1 with --max-input 10K" -- \
    "$rp" validate --max-input=10K spec/residue.rproto Connect "$tmp/10k1.json" "$tmp/10k.json"
err_is "validate 10 KiB + 1" "rprotoc: error: cannot read '$tmp/10k1.json': larger than 10 KiB (the --max-input limit)"
run 2 "validate 10 KiB + 1 on stdin" -- bash -c "\"\$0\" validate --max-input 10240 spec/residue.rproto Connect < \"\$1\"" "$rp" "$tmp/10k1.json"
err_is "validate 10 KiB + 1 on stdin" "rprotoc: error: cannot read '-': larger than 10 KiB (the --max-input limit)"
for m in 0 -1 1T x 99999999999999999999; do
    run 2 "--max-input $m" -- "$rp" validate --max-input "$m" spec/residue.rproto Connect "$tmp/10k.json"
    err_is "--max-input $m" "rprotoc validate: error: --max-input takes a size from 1 byte, e.g. 1048576 or 64M, not '$m'
Try 'rprotoc validate --help' for more information."
done

# ---- -M / -MF: paths escaped for make, which then reads them ---------------------------------
sdir="$tmp/spec dir \$x #1"; ldir="$tmp/lib: 50% \\ off"; odir="$tmp/out \$o #2"
mkdir -p "$sdir" "$ldir" "$odir"
printf 'enum Color : uint8 { RED = 1; }\n' > "$ldir/colors.rproto"
printf 'protocol p;\nimport "colors.rproto";\nmessage M { required Color c = "c"; }\n' > "$sdir/m.rproto"
run 0 "compile with -MF from odd directories" -- \
    "$rp" "$sdir/m.rproto" -I "$ldir" -o "$odir" -MF "$tmp/deps.mk"
run 0 "the same with -M" -- "$rp" "$sdir/m.rproto" -I "$ldir" -o "$odir" -M
cmp -s "$tmp/out" "$tmp/deps.mk" || bad "-M and -MF differ"
# make takes the recipe from a pattern rule; it must see the targets and both prerequisites
printf "%%.h:\n\t@echo 'remake [\$@] from [\$<]'\n%%.c:\n\t@echo 'remake [\$@]'\n" > "$tmp/recipe.mk"
mk() { run "$1" "$2" -- make -r --no-print-directory -C "$tmp" -f deps.mk -f recipe.mk "$odir/p.h"; }
mk 0 "make, fresh"
grep -q remake "$tmp/out" && bad "make remade fresh outputs: $(cat "$tmp/out")"
sleep 0.1
touch "$ldir/colors.rproto"
mk 0 "make, import newer"
grep -qxF "remake [$odir/p.h] from [$sdir/m.rproto]" "$tmp/out" \
    || bad "make after the import changed: $(cat "$tmp/out" "$tmp/err")"
rm "$ldir/colors.rproto"
mk 0 "make, import deleted"
grep -qxF "remake [$odir/p.h] from [$sdir/m.rproto]" "$tmp/out" || bad "make after the import went: $(cat "$tmp/err")"
# --check -M: the spec is the target, its imports the prerequisites (not the spec itself:
# make called that a circular dependency)
printf 'enum Color : uint8 { RED = 1; }\n' > "$ldir/colors.rproto"
run 0 "--check -M" -- "$rp" --check -M "$sdir/m.rproto" -I "$ldir"
t="$tmp/spec\\ dir\\ \$\$x\\ \\#1/m.rproto"
printf '%s: %s\n\n%s:\n' "$t" "$tmp/lib\\:\\ 50%\\ \\\\\\ off/colors.rproto" \
    "$tmp/lib\\:\\ 50\\%\\ \\\\\\ off/colors.rproto" | cmp -s - "$tmp/out" || bad "--check -M wrote: $(cat "$tmp/out")"
# with --emit -o DIR the targets are the files --emit writes (they were the C files)
mkdir -p "$tmp/emit"
for kind in jsonschema docs diagram; do
    run 0 "--emit $kind -o DIR -M" -- "$rp" --emit $kind spec/residue.rproto -o "$tmp/emit" -M
    case $kind in
        jsonschema) want="$tmp/emit/residue.schema.json" ;;
        docs) want="$tmp/emit/residue-reference.md" ;;
        diagram) want="$tmp/emit/residue-session.md $tmp/emit/residue-client-session.svg $tmp/emit/residue-client-entry.svg" ;;
    esac
    [ "$(cat "$tmp/out")" = "$want: spec/residue.rproto" ] || bad "--emit $kind -M wrote: $(cat "$tmp/out")"
    for t in $want; do [ -f "$t" ] || bad "--emit $kind -M names $t, which it did not write"; done
done
# a document on stdout and -M would share stdout (JSON that is no longer JSON): a usage
# error naming both; -MF FILE is fine, the spec its target as for --check
for kind in jsonschema docs; do
    run 2 "--emit $kind -M without -o" -- "$rp" --emit $kind spec/residue.rproto -M
    err_is "--emit $kind -M" "rprotoc: error: -M prints the dependencies on stdout, where --emit $kind without -o prints the document: use -MF FILE or -o DIR
Try 'rprotoc --help' for more information."
    [ -s "$tmp/out" ] && bad "--emit $kind -M without -o wrote on stdout: $(head -c 200 "$tmp/out")"
    run 0 "--emit $kind -MF without -o" -- "$rp" --emit $kind spec/residue.rproto -MF "$tmp/emit.d"
    [ "$(cat "$tmp/emit.d")" = "spec/residue.rproto:" ] || bad "--emit $kind -MF wrote: $(cat "$tmp/emit.d")"
done
"$rp" --emit jsonschema spec/residue.rproto -MF "$tmp/emit.d" | python3 -m json.tool >/dev/null ||
    bad "--emit jsonschema -MF: stdout is not JSON"
run 2 "--dump-ast -M" -- "$rp" --dump-ast spec/residue.rproto -M
err_is "--dump-ast -M" "rprotoc: error: -M prints the dependencies on stdout, where --dump-ast prints the tree: use -MF FILE
Try 'rprotoc --help' for more information."
[ -s "$tmp/out" ] && bad "--dump-ast -M wrote on stdout"
run 0 "--dump-ast -MF" -- "$rp" --dump-ast spec/residue.rproto -MF "$tmp/emit.d"
[ -s "$tmp/out" ] || bad "--dump-ast -MF printed no tree"
# a line break cannot be written for make at all: said, not written broken
nl=$'a\nb'
mkdir -p "$tmp/$nl"
cp spec/residue.rproto "$tmp/$nl/r.rproto"
run 2 "-M with a line break in the spec path" -- "$rp" --check -M "$tmp/$nl/r.rproto"
err_is "-M with a line break" "rprotoc: error: cannot write make dependencies: a path holds a line break: '$tmp/a\nb/r.rproto'"
[ -s "$tmp/out" ] && bad "-M with a line break wrote: $(cat "$tmp/out")"

# ---- no output replaces a file the run reads (S1, S2: the spec was overwritten, exit 0) -------
mkdir -p "$tmp/inp/lib"
cp spec/residue.rproto "$tmp/inp/spec.rproto"
printf 'protocol lib;\nmessage L { optional uint8 a = "a"; }\n' > "$tmp/inp/lib/l.rproto"
printf 'import "l.rproto";\nprotocol imp;\nmessage M { optional L l = "l"; }\n' > "$tmp/inp/m.rproto"
ln -sf spec.rproto "$tmp/inp/link.d"
keep=$(sha256sum "$tmp/inp/spec.rproto" "$tmp/inp/lib/l.rproto" | cut -c1-64)
for args in "-o $tmp/inp -MF $tmp/inp/spec.rproto" "--check -MF $tmp/inp/spec.rproto" \
            "--check -MF $tmp/inp/link.d" "--emit jsonschema -MF $tmp/inp/spec.rproto"; do
    # shellcheck disable=SC2086
    run 2 "$args (the spec as a target)" -- "$rp" "$tmp/inp/spec.rproto" $args
    grep -q "which this run reads: refusing to overwrite it" "$tmp/err" || bad "$args: $(head -n 2 "$tmp/err")"
done
cp "$tmp/inp/spec.rproto" "$tmp/inp/residue.schema.json"
run 2 "--emit jsonschema -o onto the spec" -- "$rp" --emit jsonschema "$tmp/inp/residue.schema.json" -o "$tmp/inp"
cmp -s "$tmp/inp/residue.schema.json" spec/residue.rproto || bad "--emit jsonschema -o replaced its own spec"
run 2 "-MF onto an import" -- "$rp" --check -I "$tmp/inp/lib" "$tmp/inp/m.rproto" -MF "$tmp/inp/lib/l.rproto"
err_is "-MF onto an import" "rprotoc: error: $tmp/inp/lib/l.rproto is an input, which this run reads: refusing to overwrite it"
[ "$(sha256sum "$tmp/inp/spec.rproto" "$tmp/inp/lib/l.rproto" | cut -c1-64)" = "$keep" ] ||
    bad "an input of the run was changed"
[ -z "$(find "$tmp/inp" -name '.*.tmp')" ] || bad "a refused run left a temporary: $(find "$tmp/inp" -name '.*.tmp')"

# ---- a run that fails leaves its directories exactly as they were ----------------------------
# The -MF file is written beside the outputs, with them, before any rename; a target that is
# a directory is refused before the first rename (it stopped them half-way: two generations).
# snap DIR: its listing and the checksum of every file
snap() { (cd "$1" && find . | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum); }
# old DIR FILE...: DIR holds an "old generation" of FILE...
old() { local d=$1 f; shift; mkdir -p "$d"; for f in "$@"; do echo "old $f" > "$d/$f"; done; }
# same WHAT DIR: DIR is as snap saved it in $tmp/before
same() { snap "$2" | cmp -s - "$tmp/before" || { bad "$1: the directory changed:"; snap "$2" | diff "$tmp/before" - | head -20; }; }
c_files="residue.h residue.c residue_machines.h residue_machines.c residue_transport.h residue_transport.c"
rm -rf "$tmp/gen"; old "$tmp/gen" $c_files keep.txt
snap "$tmp/gen" > "$tmp/before"
for args in "-o $tmp/gen" "--vendor $tmp/gen" "--emit jsonschema -o $tmp/gen" "--emit docs -o $tmp/gen" "--emit diagram -o $tmp/gen"; do
    # shellcheck disable=SC2086
    run 2 "$args -MF in a missing directory" -- "$rp" spec/residue.rproto $args -MF "$tmp/nonexist/x.d"
    err_is "$args -MF /nonexist" "rprotoc: error: cannot create $tmp/nonexist/.x.d.tmp: No such file or directory"
    same "$args -MF in a missing directory" "$tmp/gen"
done
run 2 "--vendor NEWDIR -MF in a missing directory" -- "$rp" --vendor "$tmp/newdir" spec/residue.rproto -MF "$tmp/nonexist/x.d"
[ -e "$tmp/newdir" ] && bad "--vendor NEWDIR: a failed run left $tmp/newdir"
# a directory where an output goes (here the fourth of six): nothing renamed
rm -rf "$tmp/gen"; old "$tmp/gen" $c_files keep.txt
rm "$tmp/gen/residue_machines.c"; mkdir "$tmp/gen/residue_machines.c"
snap "$tmp/gen" > "$tmp/before"
for args in "-o $tmp/gen" "--vendor $tmp/gen" "-o $tmp/gen -MF $tmp/gen.d"; do
    # shellcheck disable=SC2086
    run 2 "$args, a target is a directory" -- "$rp" spec/residue.rproto $args
    err_is "$args, a target is a directory" "rprotoc: error: cannot replace $tmp/gen/residue_machines.c: it is a directory (no file was written)"
    same "$args, a target is a directory" "$tmp/gen"
done
[ -e "$tmp/gen.d" ] && bad "a failed run wrote its -MF file"
# the -MF file a directory: refused the same way, the outputs not replaced
rm -rf "$tmp/gen"; old "$tmp/gen" $c_files keep.txt
mkdir -p "$tmp/deps-dir.d"
snap "$tmp/gen" > "$tmp/before"
run 2 "-MF DIRECTORY" -- "$rp" spec/residue.rproto -o "$tmp/gen" -MF "$tmp/deps-dir.d"
err_is "-MF DIRECTORY" "rprotoc: error: cannot replace $tmp/deps-dir.d: it is a directory (no file was written)"
same "-MF DIRECTORY" "$tmp/gen"
# what still works: -MF a device (written directly, last), -MF a link (its target replaced)
run 0 "-MF /dev/null" -- "$rp" spec/residue.rproto -o "$tmp/gen" -MF /dev/null
run 0 "-MF /dev/stdout" -- "$rp" spec/residue.rproto -o "$tmp/gen" -MF /dev/stdout
grep -q "^$tmp/gen/residue.h " "$tmp/out" || bad "-MF /dev/stdout wrote: $(head -c 300 "$tmp/out")"
echo old > "$tmp/real.d"; ln -sf real.d "$tmp/link.d"
run 0 "-MF LINK" -- "$rp" spec/residue.rproto -o "$tmp/gen" -MF "$tmp/link.d"
[ -L "$tmp/link.d" ] || bad "-MF LINK replaced the link"
grep -q "^$tmp/gen/residue.h " "$tmp/real.d" || bad "-MF LINK: its target holds $(cat "$tmp/real.d")"
ls -A "$tmp/gen" | grep -q '\.tmp$' && bad "temporaries left in $tmp/gen: $(ls -A "$tmp/gen")"

# ---- nothing a spec or a document holds reaches the terminal as a control sequence -----------
mkdir -p "$tmp/esc"
printf 'enum Color : uint8 { RED = 1 }\n' > "$tmp/esc/"$'\e[31mx.rproto'
printf 'protocol p;\nimport "\\u001b[31mx.rproto";\nimport "\\u001b]0;title\\u0007.rproto";\n' > "$tmp/esc/m.rproto"
run 1 "control characters in import names" -- "$rp" --check "$tmp/esc/m.rproto"
grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$tmp/err" && bad "control characters on stderr: $(cat -v "$tmp/err")"
grep -qF "$tmp/esc/\u001b[31mx.rproto:1:30: error: unexpected '}', expected ';' or '['" "$tmp/err" \
    || bad "escaped file name: $(cat -v "$tmp/err")"
grep -qF "error: cannot find imported file '\u001b]0;title\u0007.rproto'" "$tmp/err" \
    || bad "escaped import name: $(cat -v "$tmp/err")"
printf '{"item":"shape","color":"\xe2\x80\xaered","x":1}' > "$tmp/rlo.json"
run 1 "validate: U+202E in a value" -- "$rp" validate -I tests/specs/valid/lib tests/specs/valid/all-constructs.rproto Shape "$tmp/rlo.json"
grep -q $'\xe2\x80\xae' "$tmp/out" && bad "U+202E on stdout: $(head -1 "$tmp/out")"
grep -qF 'got "\u202ered"' "$tmp/out" || bad "validate did not show U+202E as \\u202e: $(head -1 "$tmp/out")"

# ---- NUL bytes: flex rescanned the token so far at each one (80,000 in a comment took 23 s);
#      4 MB of them in a comment, a string and a block comment end at once, each named -------
python3 -c '
import sys
n = 1 << 20
sys.stdout.buffer.write(b"protocol t;\n// " + b"\0" * n + b"\nmessage M { required string s = \"" +
                        b"\0" * n + b"\"; }\n/* " + b"\0" * n + b" */\n" + b"\0" * n + b"\n")' > "$tmp/nul.rproto"
run 1 "a spec of NUL bytes" -- "$rp" --check "$tmp/nul.rproto"
for want in "nul.rproto:2:4: error: control character 0x00 not allowed here" \
            "nul.rproto:3:34: error: control character 0x00 in string; write an escape" \
            "nul.rproto:4:4: error: control character 0x00 not allowed here" \
            "nul.rproto:5:1: error: stray byte 0x00 in input"; do
    grep -qF "$want" "$tmp/err" || bad "NUL bytes: no '$want' in: $(grep error: "$tmp/err" | head -c 600)"
done

# ---- large specs are checked in about linear time: each of these took minutes when a check
#      compared every pair (duplicate fields, string enum values, one_of members, alike routed
#      messages) or suggested a name for every misspelling, shown or not ---------------------
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
def w(name, head, body):
    with open(f"{d}/{name}.rproto", "w") as f:
        f.write("protocol t;\n" + head + "".join(body))
w("big-dup-fields", "message M {\n",
  [f'  optional uint8 f{i} = "k{i}";\n  optional uint8 f{i} = "k{i}";\n' for i in range(100000)] + ["}\n"])
w("big-string-enum", "enum S : string {\n",
  [f'  V{i} = "v{i}";\n' for i in range(100000)] + ['  W = "v0";\n}\nmessage M { optional S e = "e"; }\n'])
w("big-one-of", 'message M { optional uint32 x = "x" [one_of {',
  [", ".join(str(i) for i in range(400000)), ", 7}]; }\n"])
w("big-misspelt", "", [f'message Mess{i} {{ optional Mesz{i} a = "a"; }}\n' for i in range(20000)])
w("big-alike-routes",
  'peers a, b;\nport p { framing = delimiter("\\n"); max_packet = 1000; }\nenvelope json = json;\n',
  [f'message M{i} on p a -> b in json {{ required uint32 t = "t" [const 1]; }}\n' for i in range(20000)])
PY
big_first_error() { # NAME TEXT: rprotoc --check NAME exits 1 within run's 20 s, and its first error has TEXT
    run 1 "$1" -- "$rp" --check "$tmp/$1.rproto"
    grep -m1 ': error: ' "$tmp/err" | grep -qF "$2" || bad "$1: first error is not '$2': $(grep -m1 error: "$tmp/err")"
}
big_first_error big-dup-fields "4:18: error: duplicate field name 'f0' in message 'M'"
big_first_error big-string-enum "100003:7: error: 'W' has the same string \"v0\" as 'V0'"
big_first_error big-one-of "error: duplicate value 7 in one_of"
big_first_error big-misspelt "2:26: error: unknown type 'Mesz0'; did you mean 'Mess0'?"
big_first_error big-alike-routes "error: messages 'M0' and 'M1' both arrive from 'a' on port 'p' in 'json'"

# ---- compat of two large specs: declarations, fields and enum values are matched by lookup
#      (50,000 of each took minutes, compared in pairs) --------------------------------------
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
def spec(last_value):
    n = 50000
    return ("protocol t;\n" + "".join(f'message M{i} {{ optional uint8 a = "a"; }}\n' for i in range(n)) +
            "message Wide {\n" + "".join(f'  optional uint8 f{i} = "k{i}";\n' for i in range(n)) + "}\n" +
            "enum E : uint32 {\n" + "".join(f"  V{i} = {i};\n" for i in range(n - 1)) +
            (f"  V{n - 1} = {n - 1};\n" if last_value else "") + "}\n")
open(f"{d}/big-old.rproto", "w").write(spec(True))
open(f"{d}/big-new.rproto", "w").write(spec(False))
PY
run 1 "compat of large specs" -- "$rp" compat "$tmp/big-old.rproto" "$tmp/big-new.rproto"
grep -qF "value V49999 (49999) of 'E' removed: new receivers refuse it" "$tmp/out" "$tmp/err" ||
    bad "compat of large specs: no report of V49999 removed: $(head -c 400 "$tmp/out")"

# ---- string-enum texts and string consts are quoted as JSON in messages, comments and docs:
#      "\"q\"" and "\\" (they were ""q"" and "\", and a TAB or LF raw) ----------------------
cat > "$tmp/quoted.rproto" <<'SPEC'
protocol qt;
enum Txt : string { QUOTE = "\"q\""; CTRL = "\t\n"; BS = "\\"; }
message M { optional Txt txt = "txt"; optional string ss = "ss" [default "\"\\"]; }
SPEC
printf '{"txt":"x"}\n' > "$tmp/quoted.json"
run 1 "validate: a string enum's texts" -- "$rp" validate "$tmp/quoted.rproto" M "$tmp/quoted.json"
grep -qF 'expected a Txt value ("\"q\"", "\t\n", "\\"), got "x"' "$tmp/out" ||
    bad "validate: enum texts not quoted as JSON: $(head -1 "$tmp/out")"
mkdir -p "$tmp/quoted"
run 0 "the header of quoted texts" -- "$rp" "$tmp/quoted.rproto" -o "$tmp/quoted"
grep -qF '/** On the wire: "\"q\"". */' "$tmp/quoted/qt.h" && grep -qF 'default "\"\\"' "$tmp/quoted/qt.h" ||
    bad "header comments do not quote texts as JSON: $(grep -n 'On the wire\|default' "$tmp/quoted/qt.h" | head -4)"

# ---- a charset error names the character, not the first byte of its UTF-8 ('got 0xC3') ----------
cat > "$tmp/cs.rproto" <<'SPEC'
protocol cs;
charset keychars = "A-Za-z0-9_";
message M {
  required string key = "key" [charset keychars];
  optional map<string, uint8> m = "m" [key_charset keychars, count ..4];
}
SPEC
printf '{"key":"ab\xc3\xa9"}\n{"key":"a\\u0001"}\n{"key":"a","m":{"k\xe2\x80\xae":1}}\n' > "$tmp/cs.ndjson"
run 1 "validate: characters outside a charset" -- "$rp" validate --ndjson "$tmp/cs.rproto" M "$tmp/cs.ndjson"
for want in 'got U+00E9 at index 2' 'got 0x01 at index 1' 'got U+202E at index 1'; do
    grep -qF "$want" "$tmp/out" || bad "charset error: no '$want' in: $(cat "$tmp/out")"
done

exit $fail
