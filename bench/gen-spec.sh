#!/usr/bin/env bash
# Writes a synthetic rproto spec with N messages to OUT, for the generator benchmark.
#   usage: bench/gen-spec.sh N OUT [plain|routed]
#
# plain (default): every message looks like a residue message (doc comments, an enum
# field, constrained strings and bytes, one_of, a nested reference to the first message),
# so time per message is representative; the nesting is one level deep on purpose, so that
# growth measures the generator, not the size of ever deeper structs. No routes.
#
# routed: the same messages, each travelling on a port and told apart from the others by
# a required const field of one shared enum with N values (how residue's messages are told
# apart): this is the shape that used to cost quadratic time and output (each enum-typed
# field repeated the enum's whole value list, and every pair of routed messages was
# compared).
#
# Names and numbers have a fixed width (Msg00042, TYPE_00042 = 100042), and the routed
# spec's declarations start at line 100,000 (after a run of empty lines), so the spec
# locations the generated tables carry have six-digit line numbers at every N up to about
# 30,000: a message costs the same bytes of spec and of C at every N, and growth measures the
# generator, not the width of decimal numbers.
#
# The route syntax lives in transport() and route() below only: when the grammar of routes
# changes, those two functions change and nothing else.
set -euo pipefail
n=${1:?usage: gen-spec.sh N OUT [plain|routed]}
out=${2:?usage: gen-spec.sh N OUT [plain|routed]}
shape=${3:-plain}
case "$shape" in plain|routed) ;; *) echo "gen-spec.sh: unknown shape '$shape' (plain or routed)" >&2; exit 2;; esac
awk -v n="$n" -v shape="$shape" '
# Declarations a routed spec needs before its messages: its peers, a port and an envelope.
function transport() {
    return "peers client, server;\nport connect { framing = delimiter(\"\\r\\n\\r\\n\"); max_packet = 65536; }\nenvelope plain = json;\n"
}
# The route clause of message i, written between the message name and its "{".
function route(i) {
    return " on connect client -> server in plain"
}
function id(i) {
    return sprintf("%05d", i)
}
BEGIN {
    routed = shape == "routed"
    print "/// Synthetic spec for the rprotoc benchmark: " n " " (routed ? "routed, enum-discriminated" : "plain") " messages."
    print "protocol synth;"
    print ""
    if (routed)
        for (l = 3; l < 100000; l++)
            print ""
    t = transport()
    if (routed && t != "")
        print t
    print "/// Identifier characters."
    print "charset ident = \"A-Za-z0-9_.-\";"
    print ""
    print "/// A small enumeration shared by every message."
    print "enum Kind : uint8 {"
    print "  ALPHA = 1;"
    print "  BETA  = 2;"
    print "  GAMMA = 3;"
    print "}"
    if (routed) {
        print ""
        print "/// What each message is: one value per message, its discriminator."
        print "enum MsgType : uint32 {"
        for (i = 0; i < n; i++)
            print "  TYPE_" id(i) " = " (100000 + i) ";"
        print "}"
    }
    for (i = 0; i < n; i++) {
        print ""
        print "/// Synthetic message number " id(i) "."
        print "message Msg" id(i) (routed ? route(i) : "") " {"
        print "  option unknown_keys = ignore;"
        print ""
        if (routed) {
            print "  /// Which message this is."
            print "  required MsgType type     = \"type\"  [const TYPE_" id(i) "];"
        }
        print "  /// Unix seconds."
        print "  required uint64 timestamp = \"_t\"    [range 1..];"
        print "  /// What it is."
        print "  optional Kind   kind      = \"kind\";"
        print "  /// A name."
        print "  optional string name      = \"name\"  [len 1..64, charset ident];"
        print "  /// A key, hex on the wire."
        print "  optional bytes  key       = \"key\"   [hex, len {16, 24, 32}];"
        print "  /// Base64 payload."
        print "  optional bytes  blob      = \"blob\"  [base64, len 1..512];"
        print "  /// Size in bits."
        print "  optional uint16 bits      = \"bits\"  [one_of {128, 192, 256}];"
        print "  /// A counter."
        print "  optional uint32 count     = \"count\" [range 0..1000000];"
        print "  /// A flag."
        print "  optional bool   enabled   = \"enabled\";"
        if (i > 0) {
            print "  /// The first message, nested."
            print "  optional Msg" id(0) " base   = \"base\";"
        }
        print "}"
    }
}' > "$out"
