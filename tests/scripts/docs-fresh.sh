#!/usr/bin/env bash
# `rprotoc --emit docs`: docs/residue-reference.md is the current output for
# spec/residue.rproto (`make docs` rewrites it), the output is deterministic, and every
# construct of the language renders (all-constructs spec: string enums, maps, patterns ...).
set -u
build=${1:-build}
rp="$build/rprotoc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$rp" --emit docs spec/residue.rproto > "$tmp/ref.md" || { echo "docs-fresh: FAIL --emit docs failed" >&2; exit 1; }
if ! cmp -s "$tmp/ref.md" docs/residue-reference.md; then
    echo "docs-fresh: FAIL docs/residue-reference.md is not current (make docs rewrites it):" >&2
    diff -u docs/residue-reference.md "$tmp/ref.md" | head -30 >&2
    fail=1
fi
"$rp" --emit docs spec/residue.rproto -o "$tmp" && cmp -s "$tmp/ref.md" "$tmp/residue-reference.md" \
    || { echo "docs-fresh: FAIL -o DIR output differs" >&2; fail=1; }
"$rp" --emit docs tests/specs/valid/all-constructs.rproto > "$tmp/every.md" || fail=1
for want in '| `counts` | `counts` | map of uint16 | optional |' 'matches `^[a-z][a-z0-9_]{0,15}$`' \
            '| `DARK_BLUE` | `"dark-blue"` | since 2.0 |' 'may be `null`' '| `tags` | `tags` | list of uint8 | required |' \
            'A JSON string, one of the texts below.' 'Keys it does not know are **refused**.'; do
    grep -qF -- "$want" "$tmp/every.md" || { echo "docs-fresh: FAIL all-constructs reference lacks: $want" >&2; fail=1; }
done
# every declaration has its section
for name in $(grep -oE '^(message|array|enum|flags|charset) [A-Za-z_]+' tests/specs/valid/all-constructs.rproto | awk '{print $2}'); do
    grep -qE "^### <a id=\"[a-z]+-[a-z0-9_]+(-[0-9]+)?\"></a>$name\$" "$tmp/every.md" || { echo "docs-fresh: FAIL no section for $name" >&2; fail=1; }
done
# control bytes a string escape put in a key, a const or a delimiter are shown as escapes, never
# written raw (an ESC would reach the terminal of whoever cats the page)
printf '%s\n' 'protocol t;' 'peers a, b;' 'port p { framing = delimiter("\u0001\n"); max_packet = 100; }' \
    'port q { framing = delimiter("\u00e9\u007f\t\"\\\u202e|"); max_packet = 100; }' \
    'envelope json = json;' \
    'message M on p a -> b in json { required string s = "k\u001b[31m" [const "a\u0007b\nc"]; }' > "$tmp/ctl.rproto"
"$rp" --emit docs "$tmp/ctl.rproto" > "$tmp/ctl.md" || fail=1
for want in '| `k\u001b[31m` | `s` |' 'always `"a\u0007b\nc"`' 'each packet ends with `"\u0001\n"`' \
            '| `q` | each packet ends with `"é\u007f\t\"\\\u202e\|"` |'; do
    grep -qF -- "$want" "$tmp/ctl.md" || { echo "docs-fresh: FAIL control bytes: no '$want' in: $(grep -F '`' "$tmp/ctl.md" | head -5)" >&2; fail=1; }
done
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$tmp/ctl.md" && { echo "docs-fresh: FAIL a raw control byte in the page" >&2; fail=1; }
# '|' and '`' in code are shown as written: '|' escaped in a table cell only, a backtick by a
# longer fence (it was written as "'", and a join on "|" split its row)
printf '%s\n' 'protocol pp;' 'peers a, b;' 'port p { framing = delimiter("\n"); max_packet = 100; }' \
    'key k = aes(128);' 'envelope sep = join("|", hex(iv), base64(aes(k, json)));' \
    'envelope tick = join("`", hex(iv), base64(aes(k, json)));' 'enum S : string { B = "c`d"; }' \
    'charset bt = "a`|";' \
    'message M on p a -> b in sep { optional S s = "s"; optional string e = "e" [charset bt]; }' > "$tmp/pp.rproto"
"$rp" --emit docs "$tmp/pp.rproto" > "$tmp/pp.md" || fail=1
for want in '| `join("\|", hex(iv), base64(aes(k, json)))` |' '| ``join("`", hex(iv), base64(aes(k, json)))`` |' \
            '| `B` | ``"c`d"`` |' 'Characters: ``a`|``'; do
    grep -qF -- "$want" "$tmp/pp.md" || { echo "docs-fresh: FAIL pipes and backticks: no '$want' in: $(grep -F 'join' "$tmp/pp.md" | head -3)" >&2; fail=1; }
done
# a machine's table shows each transition's envelopes and actions: two transitions on one
# message in different envelopes are two different rows (they printed alike)
printf '%s\n' 'protocol dm;' 'peers c, s;' 'port p { framing = length(uint32, big_endian); max_packet = 4096; }' \
    'key k = aes(256);' 'envelope plain = json;' 'envelope sec = hex(aes(k, json));' \
    'message Hi on p c -> s in plain { optional uint8 x = "x"; }' \
    'message Data on p s -> c in sec { required uint8 kind = "kind" [const 1]; }' \
    'message Err on p s -> c in plain | sec { required uint8 kind = "kind" [const 2]; }' \
    'machine Client for c {' '  timer wait;' \
    '  state start [initial] { send Hi -> waiting [start(wait), establish(k)]; }' \
    '  /// Waits | for data,' '  /// or for an error.' '  state waiting {' '    receive Data -> start [stop(wait)];' '    receive Err in plain -> start [error, drop(k)];' \
    '    receive Err in sec -> start [error];' '    timer wait -> start [error];' '  }' '}' > "$tmp/dm.rproto"
"$rp" --emit docs "$tmp/dm.rproto" > "$tmp/dm.md" || fail=1
for want in '| `start` (initial) | send `Hi` | `plain` | `waiting` | establish `k`, start `wait` |' \
            '| `waiting` | receive `Err` | `plain` | `start` | drop `k`, error |' \
            '| `waiting` | receive `Err` | `sec` | `start` | error |' '| `waiting` | timer `wait` |  | `start` | error |'; do
    grep -qF -- "$want" "$tmp/dm.md" || { echo "docs-fresh: FAIL machine table: no '$want' in: $(grep -F '| `' "$tmp/dm.md" | tail -6)" >&2; fail=1; }
done
# the docs the spec has are shown: the peers' (one block for the statement), each profile's
# in its table, a machine's states' and timers' under its table (only those with a doc, a
# doc's '|' escaped and its lines joined), and the JSON nesting limit that applies
for want in 'The two peers are **client** and **server**. The logging application, and the residue server it logs to.' \
            '| profile | trailing bytes | float numbers | string numbers | duplicate keys | null | base64 | relaxed keys | description |' \
            '| wire, for a server that does not require timestamps: "_t" may be absent, and 0 means absent (reference §2.1). |' \
            '- `hello_received` — The hello carried the session key: prove it was read.' \
            '- `sweep` — The next integrity sweep, which removes dead clients.' \
            'A decoder reads JSON nested at most 32 levels deep (each object or array counts one): the default, as the spec sets no `option max_depth`.'; do
    grep -qF -- "$want" "$tmp/ref.md" || { echo "docs-fresh: FAIL residue reference lacks: $want" >&2; fail=1; }
done
grep -q '^States:$' "$tmp/ref.md" && grep -q '^Timers:$' "$tmp/ref.md" \
    || { echo "docs-fresh: FAIL residue reference: no States:/Timers: lists" >&2; fail=1; }
grep -qF 'A decoder reads JSON nested at most 40 levels deep (each object or array counts one), as the spec'"'"'s `option max_depth` sets.' "$tmp/every.md" \
    || { echo "docs-fresh: FAIL all-constructs reference: no max_depth sentence" >&2; fail=1; }
grep -qxF -- '- `waiting` — Waits \| for data, or for an error.' "$tmp/dm.md" \
    || { echo "docs-fresh: FAIL state doc: $(grep -F 'waiting` —' "$tmp/dm.md")" >&2; fail=1; }
grep -qF -- '- `start` —' "$tmp/dm.md" && { echo "docs-fresh: FAIL a state without a doc is listed" >&2; fail=1; }
grep -q '^Timers:$' "$tmp/dm.md" && { echo "docs-fresh: FAIL a Timers: list without a timer doc" >&2; fail=1; }
# without the option a message nested deeper than the default is read to its own depth
{ echo 'protocol deep;'; echo 'message M0 { optional uint8 x = "x"; }'
  for i in $(seq 1 33); do echo "message M$i { optional M$((i - 1)) m = \"m\"; }"; done; } > "$tmp/deep.rproto"
"$rp" --emit docs "$tmp/deep.rproto" > "$tmp/deep.md" || fail=1
grep -qF "at most 32 levels deep (each object or array counts one), or a message's own depth where that is more: the default" "$tmp/deep.md" \
    || { echo "docs-fresh: FAIL deep spec: $(grep -F 'levels deep' "$tmp/deep.md")" >&2; fail=1; }
# every link reaches its declaration: each "](#x)" has exactly one target x on the page (an
# explicit <a id="x"> or a heading's GitHub slug), and that target is the declaration the link
# names, under the section of its kind. Names here collide with the envelope row (hello), with
# section headings (Transport, Messages, Enums, Flags, Charsets) and in lower case (e, E).
printf '%s\n' 'protocol anch;' 'peers a, b;' 'port p { framing = delimiter("\n"); max_packet = 100; }' \
    'key k = aes(128);' 'envelope hello = json;' 'envelope e = hex(aes(k, json));' \
    'message Hello on p a -> b in hello { required uint8 x = "x" [const 1]; }' \
    'message Transport on p b -> a in e { required uint8 x = "x"; optional E f = "f"; optional Flags g = "g"; optional string s = "s" [charset Charsets]; }' \
    'message Messages { required Transport t = "t"; }' 'array Enums of Messages [len 1..2];' \
    'enum E : uint8 { A = 1; }' 'flags Flags : uint8 { B = 1; }' 'charset Charsets = "a-z";' > "$tmp/anch.rproto"
"$rp" --emit docs "$tmp/anch.rproto" > "$tmp/anch.md" || fail=1
for page in anch every ref; do
    python3 - "$tmp/$page.md" <<'PY' || { echo "docs-fresh: FAIL links of the $page page" >&2; fail=1; }
import re, sys, collections
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
targets = collections.Counter()
where = {}         # explicit id -> (section, name that follows it)
slugs = collections.Counter()
section = None
for line in lines:
    h = re.match(r"(#{1,6}) (.*)", line)
    if h:
        text = re.sub(r"<[^>]*>", "", h.group(2))
        # GitHub's slug: lower case, punctuation but '-' and '_' dropped, spaces to '-',
        # a repeated slug numbered -1, -2 ...
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        n = slugs[slug]
        slugs[slug] += 1
        targets[slug if n == 0 else f"{slug}-{n}"] += 1
        if len(h.group(1)) == 2:
            section = text
    for m in re.finditer(r'<a id="([^"]*)"></a>`?([A-Za-z0-9_]*)', line):
        targets[m.group(1)] += 1
        where[m.group(1)] = (section, m.group(2))
kinds = {"message": "Messages", "array": "Messages", "enum": "Enums", "flags": "Flags",
         "charset": "Charsets", "envelope": "Transport"}
bad = 0
links = 0
for line in lines:
    for m in re.finditer(r"\[([^\]]*)\]\(#([^)]*)\)", line):
        links += 1
        name, x = m.groups()
        if targets[x] != 1:
            print(f"link [{name}](#{x}): {targets[x]} targets", file=sys.stderr); bad = 1
        elif x not in where or where[x][1] != name or kinds.get(x.split("-")[0]) != where[x][0]:
            print(f"link [{name}](#{x}) lands on {where.get(x)}", file=sys.stderr); bad = 1
if links == 0:
    print("no links", file=sys.stderr); bad = 1
sys.exit(bad)
PY
done
[ "$fail" -eq 0 ] && echo "docs-fresh: docs/residue-reference.md is current; every construct renders"
exit $fail
