#!/usr/bin/env bash
# Session diagrams (rprotoc --emit diagram): docs/residue-session.md and its SVGs are what
# the spec's machines give today (make diagrams rewrites them), every SVG is well-formed
# XML, the Markdown page holds one Mermaid diagram per machine, and a spec without machines
# is refused with exit 2.
set -u
build=${1:-build}
rprotoc=$build/rprotoc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "diagram: FAIL $*" >&2; fail=1; }

"$rprotoc" --emit diagram spec/residue.rproto -o "$tmp" || bad "rprotoc --emit diagram failed on residue"
for f in "$tmp"/*; do
    n=$(basename "$f")
    cmp -s "$f" "docs/$n" || bad "docs/$n is not current: run make diagrams"
done
[ "$(ls "$tmp" | wc -l)" -eq 3 ] || bad "expected 3 files for residue, got: $(ls "$tmp" | tr '\n' ' ')"
[ "$(grep -c '^```mermaid' "$tmp/residue-session.md")" -eq 2 ] || bad "residue-session.md: not one Mermaid block per machine"
grep -q 'server-xclient: ConnectError' "$tmp/residue-session.md" || bad "no error arrow for ConnectError"
grep -q 'Hello (rsa_to_client) \[establish session\]' "$tmp/residue-session.md" || bad "the hello does not establish the session"

mkdir -p "$tmp/t"
"$rprotoc" --emit diagram tests/specs/valid/telemetry.rproto -o "$tmp/t" || bad "rprotoc --emit diagram failed on telemetry"
for svg in "$tmp"/*.svg "$tmp"/t/*.svg; do
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$svg" 2>/dev/null ||
        bad "$(basename "$svg") is not well-formed XML"
done
grep -q 'participant device' "$tmp/t/telemetry-session.md" || bad "telemetry: no device participant"

"$rprotoc" --emit diagram tests/specs/valid/all-constructs.rproto -o "$tmp" > /dev/null 2>&1 || bad "all-constructs has machines: must succeed"
mkdir -p "$tmp/none"
printf 'protocol p;\nmessage M { required uint8 x = "x"; }\n' > "$tmp/none.rproto"
"$rprotoc" --emit diagram "$tmp/none.rproto" -o "$tmp/none" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || bad "a spec without machines: exit $rc, want 2"
grep -q 'declares no machine' "$tmp/err" || bad "a spec without machines: no reason given"
"$rprotoc" --emit pictures spec/residue.rproto -o "$tmp" 2> "$tmp/err"
[ $? -eq 2 ] && grep -q -- "--emit takes 'jsonschema', 'docs' or 'diagram', not 'pictures'" "$tmp/err" || bad "--emit of an unknown kind is not a usage error"

# labels longer than the default picture: it grows, and no label runs off it (12 px
# monospace: 7 px a character)
mkdir -p "$tmp/long"
"$rprotoc" --emit diagram tests/specs/valid/long-labels.rproto -o "$tmp/long" || bad "rprotoc --emit diagram failed on long-labels"
for svg in "$tmp"/long/*.svg; do
    python3 - "$svg" <<'PY' || bad "$(basename "$svg"): a label runs off the picture"
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
width = int(doc.documentElement.getAttribute("width"))
for t in doc.getElementsByTagName("text"):
    text = "".join(n.data for n in t.childNodes if n.nodeType == n.TEXT_NODE)
    w = len(text) * (8 if t.getAttribute("class") == "t" else 7)
    x, anchor = int(t.getAttribute("x")), t.getAttribute("text-anchor")
    lo, hi = (x - w / 2, x + w / 2) if anchor == "middle" else (x, x + w)
    if lo < 0 or hi > width:
        sys.exit(f"{text!r} spans {lo}..{hi}, the picture is {width} wide")
PY
done
[ "$fail" -eq 0 ] && echo "diagram: residue's 2 machines current in docs/, telemetry's drawn, SVGs well-formed"
exit $fail
