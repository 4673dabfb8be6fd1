#!/usr/bin/env bash
# `rprotoc validate SPEC MESSAGE [FILE|-]`: exit 0 for valid messages, 1 with one line per
# problem (every problem, each with path, offset, expectation and spec location), 2 for
# usage, I/O and unknown message names.
set -u
build=${1:-build}
rp="$build/rprotoc"
spec=spec/residue.rproto
# Spec lines of Connect's fields, so the expected reports follow the spec when it grows.
t_line=$(awk '/^message Connect /{m=1} m && /= "_t"/{print NR; exit}' "$spec")
ks_line=$(awk '/^message Connect /{m=1} m && /= "key_size"/{print NR; exit}' "$spec")
v=../shared/vectors
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, expected status, actual status
    if [ "$2" != "$3" ]; then echo "validate: FAIL $1: exit $3, want $2" >&2; fail=1; fi
}
expect_line() { # description, file, fixed string
    if ! grep -qF -- "$3" "$2"; then echo "validate: FAIL $1: no line with: $3" >&2; cat "$2" >&2; fail=1; fi
}

# Valid vectors, from files and from stdin.
"$rp" validate $spec Established $v/A-unknown-plain/04-established.s2c.plain.json >"$tmp/out" 2>&1
check "valid Established" 0 $?
[ -s "$tmp/out" ] && { echo "validate: FAIL valid input printed something" >&2; fail=1; }
"$rp" validate $spec LogBulk - < $v/A-unknown-plain/11-bulk-compressed.c2s.plain.json >"$tmp/out" 2>&1
check "valid LogBulk on stdin" 0 $?
"$rp" validate $spec Hello < $v/C-key-sizes/06-hello-aes192.s2c.plain.json >"$tmp/out" 2>&1
check "valid Hello, stdin implied" 0 $?

# One problem, fully described.
"$rp" validate $spec Connect $v/F-errors/07-connect-key-size-100.c2s.plain.json >"$tmp/out" 2>"$tmp/err"
check "key_size 100" 1 $?
expect_line "key_size 100" "$tmp/out" \
  "$v/F-errors/07-connect-key-size-100.c2s.plain.json: \$.key_size: offset 661: expected one of {128, 192, 256}, got 100 ($spec:$ks_line:59) [schema-range]"
[ "$(wc -l < "$tmp/out")" -eq 1 ] || { echo "validate: FAIL key_size 100: want exactly one line" >&2; fail=1; }

# Every problem, not just the first: six of them in one message.
printf '%s' '{"_t":0,"type":5,"key_size":100,"client_id":"a b","rsa_public_key":""}' > "$tmp/many.json"
"$rp" validate $spec Connect "$tmp/many.json" >"$tmp/out" 2>&1
check "many problems" 1 $?
[ "$(wc -l < "$tmp/out")" -eq 6 ] || { echo "validate: FAIL many problems: want 6 lines" >&2; cat "$tmp/out" >&2; fail=1; }
expect_line "many: _t" "$tmp/out" '$._t: offset 6: expected a value >= 1, got 0'
expect_line "many: type enum" "$tmp/out" '$.type: offset 15: expected a RequestType value (1, 2, 3), got 5'
expect_line "many: type const" "$tmp/out" '$.type: offset 15: expected CONNECT (1), got 5'
expect_line "many: charset" "$tmp/out" "\$.client_id: offset 46: expected characters of charset client_id"
expect_line "many: length" "$tmp/out" '$.rsa_public_key: offset 67: expected length 1..4096, got 0'

# Paths into arrays and nested objects.
printf '%s' '[{"_t":1,"datetime":1,"msg":"m","level":128},{"_t":1,"datetime":1,"level":3}]' > "$tmp/bulk.json"
"$rp" validate $spec LogBulk "$tmp/bulk.json" >"$tmp/out" 2>&1
check "bulk item problems" 1 $?
expect_line "bulk level" "$tmp/out" '$[1].level: offset 74: expected a Level value'
expect_line "bulk msg" "$tmp/out" '$[1].msg: offset 45: required key "msg" is missing'
printf '%s' '{"status":0,"ack":1,"flags":1,"max_bulk_size":5,"server_info":{"version":"v 1"},"key":"00","client_id":"c","logging_port":9}' > "$tmp/est.json"
"$rp" validate $spec Established "$tmp/est.json" >"$tmp/out" 2>&1
check "established problems" 1 $?
expect_line "nested charset" "$tmp/out" '$.server_info.version: offset 75: expected characters of charset version'
expect_line "key length" "$tmp/out" '$.key: offset 86: expected length one of {16, 24, 32}, got 1'

# Strict by default, --wire on request.
printf '%s' '{"_t":1795667583.5,"type":1}xyz' > "$tmp/wire.json"
"$rp" validate $spec Connect "$tmp/wire.json" >"$tmp/out" 2>&1
check "strict float" 1 $?
"$rp" validate --wire $spec Connect "$tmp/wire.json" >"$tmp/out" 2>&1
check "wire float + trailing bytes" 0 $?

# Not JSON: one problem at the JSON layer.
"$rp" validate $spec Connect $v/F-errors/01-garbage.c2s.plain.txt >"$tmp/out" 2>&1
check "garbage" 1 $?
expect_line "garbage" "$tmp/out" "[json-syntax]"

# Numbers are schema problems like any other, each with its spec location, and the check
# goes on after them: a float, a negative and an oversized number in one document.
printf '%s' '{"_t":1.5,"type":1,"key_size":-1,"client_id":"a b","rsa_public_key":""}' > "$tmp/nums.json"
"$rp" validate $spec Connect "$tmp/nums.json" >"$tmp/out" 2>&1
check "number problems" 1 $?
[ "$(wc -l < "$tmp/out")" -eq 4 ] || { echo "validate: FAIL number problems: want 4 lines" >&2; cat "$tmp/out" >&2; fail=1; }
expect_line "float in an integer field" "$tmp/out" "\$._t: offset 6: expected an integer, found 1.5 ($spec:$t_line:3) [schema-type]"
expect_line "negative for uint16" "$tmp/out" "\$.key_size: offset 30: -1 does not fit a 16-bit unsigned integer ($spec:$ks_line:3) [schema-range]"
expect_line "after the numbers" "$tmp/out" '$.rsa_public_key: offset 68: expected length 1..4096, got 0'
printf '%s' '{"_t":1,"type":1,"key_size":70000}' | "$rp" validate $spec Connect >"$tmp/out" 2>&1
expect_line "70000 reads like -1" "$tmp/out" "\$.key_size: offset 28: 70000 does not fit a 16-bit unsigned integer ($spec:$ks_line:3) [schema-range]"
# wire mode: a string where a number belongs counts as absent; a required key then says why
printf '%s' '{"_t":"7","type":1}' | "$rp" validate --wire $spec Connect >"$tmp/out" 2>&1
check "wire string number" 1 $?
expect_line "wire string number" "$tmp/out" '$._t: offset 6: required key "_t" is missing from the Connect object: the profile reads a string where a number belongs as absent'

# NDJSON: one document per line, numbered; blank lines skipped; offsets within the line.
printf '%s\n\n%s\n%s\n' '{"_t":1,"type":1}' '{"_t":0,"type":1}' '{"_t":1,"type":2}' > "$tmp/docs.ndjson"
"$rp" validate $spec Connect "$tmp/docs.ndjson" >"$tmp/out" 2>&1
check "ndjson" 1 $?
expect_line "ndjson line 3" "$tmp/out" "$tmp/docs.ndjson:3: \$._t: offset 6: expected a value >= 1, got 0"
expect_line "ndjson line 4" "$tmp/out" "$tmp/docs.ndjson:4: \$.type: offset 15: expected CONNECT (1), got 2"
[ "$(wc -l < "$tmp/out")" -eq 2 ] || { echo "validate: FAIL ndjson: want 2 lines" >&2; cat "$tmp/out" >&2; fail=1; }
cp "$tmp/docs.ndjson" "$tmp/docs.txt"
"$rp" validate --ndjson $spec Connect - < "$tmp/docs.txt" >"$tmp/out" 2>&1
check "--ndjson on stdin" 1 $?
expect_line "--ndjson on stdin" "$tmp/out" "-:3: \$._t: offset 6"
"$rp" validate $spec Connect "$tmp/docs.txt" >"$tmp/out" 2>&1
expect_line "without --ndjson a second document is trailing" "$tmp/out" "[json-trailing]"

# Several files: each checked, every problem reported, exit 1 if any is invalid; an unreadable
# one gives 2 without stopping the others.
"$rp" validate $spec Connect $v/A-unknown-plain/01-connect.c2s.plain.json "$tmp/nums.json" "$tmp/many.json" >"$tmp/out" 2>&1
check "several files" 1 $?
[ "$(grep -c "^$tmp/nums.json: " "$tmp/out")" -eq 4 ] && [ "$(grep -c "^$tmp/many.json: " "$tmp/out")" -eq 6 ] \
    || { echo "validate: FAIL several files: want 4 + 6 lines" >&2; cat "$tmp/out" >&2; fail=1; }
"$rp" validate $spec Connect $v/A-unknown-plain/01-connect.c2s.plain.json $v/C-key-sizes/01-connect-key-size-128.c2s.plain.json >"$tmp/out" 2>&1
check "several valid files" 0 $?
"$rp" validate $spec Connect "$tmp/missing.json" "$tmp/nums.json" >"$tmp/out" 2>"$tmp/err"
check "unreadable among several" 2 $?
expect_line "the readable one is still checked" "$tmp/out" "$tmp/nums.json: \$._t"
grep -q "missing.json" "$tmp/out" && { echo "validate: FAIL text format: the unreadable input reached stdout" >&2; fail=1; }

# --format json: one object per problem and a summary, every line JSON.
"$rp" validate --format json $spec Connect "$tmp/docs.ndjson" "$tmp/nums.json" >"$tmp/out" 2>&1
check "--format json" 1 $?
python3 - "$tmp/out" "$tmp/docs.ndjson" "$t_line" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
probs = [r for r in rows if r["kind"] == "problem"]
summ = rows[-1]
ok = (summ == {"kind": "summary", "documents": 4, "invalid": 3, "problems": 6, "unreadable": 0}
      and len(probs) == 6
      and probs[0] == {"kind": "problem", "input": sys.argv[2], "line": 3, "path": "$._t", "offset": 6,
                       "code": "schema-range", "layer": "schema", "message": "expected a value >= 1, got 0",
                       "spec": {"file": "spec/residue.rproto", "line": int(sys.argv[3]), "column": 59}}
      and "line" not in probs[2] and probs[2]["code"] == "schema-type")
if not ok:
    print("validate: FAIL --format json:", rows, file=sys.stderr)
    sys.exit(1)
PY
# An input that cannot be read (missing, a directory, over --max-input) is one record in
# order with the others and counted in the summary; the error line stays on stderr, exit 2.
printf '%s' '{"_t":1,"type":1,"key_size":100}' > "$tmp/big.json"
printf '%s' '{"_t":1,"type":1}' > "$tmp/small.json"
"$rp" validate --format json --max-input 20 $spec Connect "$tmp/missing.json" "$tmp/small.json" "$tmp/big.json" "$tmp" \
    >"$tmp/out" 2>"$tmp/err"
check "--format json, unreadable inputs" 2 $?
python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' < "$tmp/out" \
    || { echo "validate: FAIL unreadable inputs: stdout is not JSON lines" >&2; cat "$tmp/out" >&2; fail=1; }
cat > "$tmp/want" <<EOF
{"kind":"unreadable","input":"$tmp/missing.json","message":"No such file or directory"}
{"kind":"unreadable","input":"$tmp/big.json","message":"larger than 20 bytes (the --max-input limit)"}
{"kind":"unreadable","input":"$tmp","message":"Is a directory"}
{"kind":"summary","documents":1,"invalid":0,"problems":0,"unreadable":3}
EOF
cmp -s "$tmp/want" "$tmp/out" || { echo "validate: FAIL unreadable inputs: records" >&2; diff "$tmp/want" "$tmp/out" >&2; fail=1; }
expect_line "unreadable: stderr keeps its line" "$tmp/err" "rprotoc: error: cannot read '$tmp/big.json': larger than 20 bytes (the --max-input limit)"
[ "$(wc -l < "$tmp/err")" -eq 3 ] || { echo "validate: FAIL unreadable inputs: want 3 lines on stderr" >&2; cat "$tmp/err" >&2; fail=1; }
# its name is escaped like the other records' (a quote, a backslash, a control byte)
odd="$tmp/q\"b\\$(printf '\001')"
"$rp" validate --format json $spec Connect "$odd" >"$tmp/out" 2>"$tmp/err"
check "--format json, odd unreadable name" 2 $?
# on stderr the name is made inert as in the text report: the control byte as \u0001
grep -qF "cannot read '$tmp/q\"b\\\u0001'" "$tmp/err" && ! grep -q "$(printf '\001')" "$tmp/err" \
    || { echo "validate: FAIL odd unreadable name: raw on stderr" >&2; cat -v "$tmp/err" >&2; fail=1; }
python3 - "$tmp/out" "$odd" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
if rows != [{"kind": "unreadable", "input": sys.argv[2], "message": "No such file or directory"},
            {"kind": "summary", "documents": 0, "invalid": 0, "problems": 0, "unreadable": 1}]:
    print("validate: FAIL odd unreadable name:", rows, file=sys.stderr)
    sys.exit(1)
PY
grep -qF 'q\"b\\\u0001"' "$tmp/out" || { echo "validate: FAIL odd unreadable name: not escaped" >&2; cat "$tmp/out" >&2; fail=1; }
"$rp" validate --format xml $spec Connect "$tmp/nums.json" >"$tmp/out" 2>&1; check "bad --format" 2 $?

# The type system: string enums, float64, nullable, maps with key rules, patterns and a
# required list, checked by the interpreted descriptions (no generated code involved).
every=tests/specs/valid/all-constructs.rproto
printf '%s\n' '{"item":"shape","color":"red","x":0,"name":"a","parent":null,"tags":[1],"note":null,"scale":2.5,"counts":{"a":1},"kids":{"k":{"on":true}}}' \
  '{"item":"shape","color":"blue","x":1e999,"name":"9","parent":null,"tags":[],"scale":0,"counts":{"a b":0,"":1},"note":5}' > "$tmp/shapes.ndjson"
"$rp" validate $every Shape "$tmp/shapes.ndjson" >"$tmp/out" 2>&1
check "types" 1 $?
[ "$(grep -c "^$tmp/shapes.ndjson:2: " "$tmp/out")" -eq 9 ] && ! grep -q "^$tmp/shapes.ndjson:1: " "$tmp/out" \
    || { echo "validate: FAIL types: want 9 problems on line 2 and none on line 1" >&2; cat "$tmp/out" >&2; fail=1; }
expect_line "string enum" "$tmp/out" '$.color: offset 24: expected a Color value ("red", "green", "dark-blue"), got "blue"'
expect_line "float64 beyond range" "$tmp/out" '$.x: offset 35: 1e999 does not fit a float64 (beyond 1.7976931348623157e308)'
expect_line "pattern" "$tmp/out" '$.name: offset 48: expected a match of pattern "^[a-z][a-z0-9_]{0,15}$"'
expect_line "required list" "$tmp/out" '$.tags: offset 73: expected item count 1..4, got 0'
expect_line "float range" "$tmp/out" '$.scale: offset 84: expected a value in 0.001..1000, got 0'
expect_line "map key charset" "$tmp/out" '$.counts["a b"]: offset 96: expected a key of characters of charset ident'
expect_line "map value" "$tmp/out" '$.counts["a b"]: offset 102: expected a value >= 1, got 0'
expect_line "map key length" "$tmp/out" '$.counts[""]: offset 104: expected a key of length 1..16, got 0'
printf '%s' '{"item":"shape","color":"red","x":0,"name":"a","tags":[1]}' | "$rp" validate $every Shape >"$tmp/out" 2>&1
expect_line "a required nullable key" "$tmp/out" '$.parent: offset 0: required key "parent" is missing'

# --profile: a spec profile's settings and relaxes. residue's wire_untimed lets "_t" be 0
# (absent) where strict decoding refuses it; an unknown profile is a usage error.
untimed='{"_t":0,"type":3,"client_id":"abc"}'
printf '%s' "$untimed" | "$rp" validate $spec Touch - >"$tmp/out" 2>&1;          check "_t 0, strict" 1 $?
expect_line "_t 0 strict says why" "$tmp/out" '$._t: offset 6: expected a value >= 1, got 0'
printf '%s' "$untimed" | "$rp" validate --profile wire_untimed $spec Touch - >"$tmp/out" 2>&1
check "_t 0 under --profile wire_untimed" 0 $?
printf '%s' "$untimed" | "$rp" validate --profile=wire $spec Touch - >"$tmp/out" 2>&1
check "_t 0 under --profile=wire (no relax)" 1 $?
printf '%s' "$untimed" | "$rp" validate --profile nope $spec Touch - >"$tmp/out" 2>&1; check "unknown profile" 2 $?
expect_line "unknown profile lists the profiles" "$tmp/out" "it has: wire wire_untimed"
# --wire and --profile exclude each other, in either order: a usage error, nothing checked
for opts in "--wire --profile wire_untimed" "--profile=wire_untimed --wire"; do
    printf '%s' "$untimed" | "$rp" validate $opts $spec Touch - >"$tmp/out" 2>"$tmp/err"
    check "$opts" 2 $?
    [ -s "$tmp/out" ] && { echo "validate: FAIL $opts printed on stdout" >&2; fail=1; }
    [ "$(cat "$tmp/err")" = "rprotoc validate: error: options '--wire' and '--profile' cannot be used together: choose one
Try 'rprotoc validate --help' for more information." ] || { echo "validate: FAIL $opts: stderr" >&2; cat "$tmp/err" >&2; fail=1; }
done

# Usage and I/O errors.
"$rp" validate $spec >"$tmp/out" 2>&1;                     check "missing MESSAGE" 2 $?
"$rp" validate $spec NoSuchMessage "$tmp/many.json" >"$tmp/out" 2>&1; check "unknown message" 2 $?
expect_line "unknown message lists the messages" "$tmp/out" "Connect Acknowledgement Touch"
"$rp" validate $spec Connect "$tmp/does-not-exist" >"$tmp/out" 2>&1; check "missing file" 2 $?
"$rp" validate --bogus $spec Connect >"$tmp/out" 2>&1;      check "bad option" 2 $?
"$rp" validate "$tmp/nope.rproto" Connect "$tmp/many.json" >"$tmp/out" 2>&1; check "missing spec" 2 $?
"$rp" validate --help >"$tmp/out" 2>&1;                     check "help" 0 $?

# A failed write of the report or summary to stdout is an I/O error with a message.
if [ -w /dev/full ]; then
    "$rp" validate --format json $spec Established $v/A-unknown-plain/04-established.s2c.plain.json \
        >/dev/full 2>"$tmp/err"
    check "summary to /dev/full" 2 $?
    expect_line "summary to /dev/full says why" "$tmp/err" "rprotoc: error: writing standard output: No space left on device"
    "$rp" validate --help >/dev/full 2>"$tmp/err";         check "help to /dev/full" 2 $?
fi

[ "$fail" -eq 0 ] && echo "validate: all cases pass"
exit $fail
