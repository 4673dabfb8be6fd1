#!/usr/bin/env bash
# `rprotoc --emit jsonschema`: the schema is valid draft 2020-12, deterministic, written to
# -o DIR, and python3-jsonschema gives the same verdict as `rprotoc validate` on every
# capture vector and on a corpus of documents with known verdicts.
#
# python3-jsonschema is a Debian package (tools/ensure-deps.sh installs it): it is importable
# by /usr/bin/python3, which need not be the python3 first on PATH (pyenv). Use whichever
# python3 can import it; none is a failure, not a skip.
set -u
build=${1:-build}
rp="$build/rprotoc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
py=
for cand in /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import jsonschema' 2>/dev/null; then py=$cand; break; fi
done
if [ -z "$py" ]; then
    echo "jsonschema: FAIL no python3 can import jsonschema (apt-get install python3-jsonschema)" >&2
    exit 1
fi

# deterministic, and -o DIR writes <protocol>.schema.json
"$rp" --emit jsonschema spec/residue.rproto > "$tmp/a.json" && "$rp" --emit jsonschema spec/residue.rproto > "$tmp/b.json" \
    || { echo "jsonschema: FAIL --emit jsonschema failed" >&2; exit 1; }
cmp -s "$tmp/a.json" "$tmp/b.json" || { echo "jsonschema: FAIL output differs between runs" >&2; fail=1; }
"$rp" --emit jsonschema spec/residue.rproto -o "$tmp" || fail=1
cmp -s "$tmp/a.json" "$tmp/residue.schema.json" || { echo "jsonschema: FAIL -o DIR output differs" >&2; fail=1; }
"$rp" --emit yaml spec/residue.rproto >/dev/null 2>&1; [ $? -eq 2 ] || { echo "jsonschema: FAIL --emit yaml: want exit 2" >&2; fail=1; }

"$py" tests/scripts/jsonschema_verdicts.py "$rp" "$tmp" || fail=1
# length bounds whose exact (ASCII) and widest (other text) forms are the same keywords are
# written once, not as an if/then/else with equal branches
printf '%s\n' 'protocol p;' 'message M { optional string a = "a" [len ..256]; optional string b = "b" [len 2..10]; }' > "$tmp/len.rproto"
"$rp" --emit jsonschema "$tmp/len.rproto" > "$tmp/len.json" || fail=1
"$py" -c '
import json, sys
p = json.load(open(sys.argv[1]))["$defs"]["M"]["properties"]
ok = "if" not in p["a"] and p["a"]["maxLength"] == 256 and p["b"]["then"]["minLength"] == 2 and p["b"]["else"]["minLength"] == 1
sys.exit(0 if ok else 1)' "$tmp/len.json" || { echo "jsonschema: FAIL length keywords: $(cat "$tmp/len.json")" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "jsonschema: all cases pass"
exit $fail
