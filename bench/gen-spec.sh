#!/usr/bin/env bash
# Writes a synthetic rproto spec with N messages to OUT, for the generator benchmark.
# Every message looks like a residue message (doc comments, an enum field, constrained
# strings and bytes, one_of, a nested reference to the first message), so time per message
# is representative; the nesting is one level deep on purpose, so that growth measures the
# generator, not the size of ever deeper structs.
#   usage: bench/gen-spec.sh N OUT
set -euo pipefail
n=${1:?usage: gen-spec.sh N OUT}
out=${2:?usage: gen-spec.sh N OUT}
awk -v n="$n" 'BEGIN {
    print "/// Synthetic spec for the rprotoc benchmark: " n " messages."
    print "protocol synth;"
    print ""
    print "/// Identifier characters."
    print "charset ident = \"A-Za-z0-9_.-\";"
    print ""
    print "/// A small enumeration shared by every message."
    print "enum Kind : uint8 {"
    print "  ALPHA = 1;"
    print "  BETA  = 2;"
    print "  GAMMA = 3;"
    print "}"
    for (i = 0; i < n; i++) {
        print ""
        print "/// Synthetic message number " i "."
        print "message Msg" i " {"
        print "  option unknown_keys = ignore;"
        print ""
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
            print "  optional Msg0   base      = \"base\";"
        }
        print "}"
    }
}' > "$out"
