#!/usr/bin/env bash
# Builds the seed corpora of the fuzz harnesses from the wire captures in ../shared/vectors,
# the JSON conformance cases, the specs in spec/ and tests/, and the regression inputs:
#
#   tests/fuzz/make-seeds.sh OUTDIR      -> OUTDIR/<target>/<name>
#
# Seeds are regenerated from scratch each time (they are build output, never committed).
# Harnesses whose input starts with a configuration byte (frame, zlib) get each seed twice,
# behind two different configuration bytes. Needs only bash and coreutils.
set -euo pipefail
out=${1:?usage: make-seeds.sh OUTDIR}
vec=../shared/vectors
jts=../shared/testdata/JSONTestSuite/test_parsing
rm -rf "$out"
mkdir -p "$out"

put() {   # put TARGET NAME FILE [PREFIX-BYTE-OCTAL]
    local t=$1 name=$2 file=$3 prefix=${4:-}
    mkdir -p "$out/$t"
    if [ -n "$prefix" ]; then
        { printf "\\$prefix"; cat "$file"; } > "$out/$t/$name"
    else
        cp "$file" "$out/$t/$name"
    fi
}
strip_delim() { head -c -4 "$1"; }   # wire files end with \r\n\r\n

if [ -d "$vec" ]; then
    for scen in "$vec"/*/; do
        s=$(basename "$scen")
        for f in "$scen"*.bin; do
            [ -e "$f" ] || continue
            b=$(basename "$f" .bin)
            put frame "$s-$b.000" "$f" 000
            put frame "$s-$b.203" "$f" 203
            tmp=$(mktemp)
            strip_delim "$f" > "$tmp"
            put envelope "$s-$b" "$tmp"
            put codec "$s-$b" "$tmp"
            rm -f "$tmp"
        done
        # server session: raw c2s packets (op 0 connect / 1 logging), and their plaintexts
        # re-sealed by the harness (op 2 connect / 3 logging, 4 compressed logging)
        for f in "$scen"*.c2s.bin; do
            [ -e "$f" ] || continue
            b=$(basename "$f" .c2s.bin)
            tmp=$(mktemp)
            strip_delim "$f" > "$tmp"
            case "$b" in *log*|*bulk*) put server "$s-$b.raw" "$tmp" 001 ;; *) put server "$s-$b.raw" "$tmp" 000 ;; esac
            rm -f "$tmp"
            p="$scen$b.c2s.plain.json"
            [ -e "$p" ] || continue
            case "$b" in
                *log*|*bulk*) put server "$s-$b.sealed" "$p" 003; put server "$s-$b.zlib" "$p" 004
                              put server "$s-$b.acked" "$p" 203; put server "$s-$b.managed" "$p" 103
                              put server "$s-$b.dead" "$p" 263 ;;
                *) put server "$s-$b.sealed" "$p" 002; put server "$s-$b.acked" "$p" 202
                   put server "$s-$b.rsa" "$p" 005; put server "$s-$b.managed" "$p" 302
                   put server "$s-$b.dead" "$p" 242 ;;
            esac
        done
        # client session: server replies, raw (op 0 hello / 2 established / 4 log reply) and as
        # plaintexts the harness seals (op 1 hello / 3 established / 5 touch reply)
        for f in "$scen"*.s2c.bin; do
            [ -e "$f" ] || continue
            b=$(basename "$f" .s2c.bin)
            tmp=$(mktemp)
            strip_delim "$f" > "$tmp"
            p="$scen$b.s2c.plain.json"
            case "$b" in
                *hello*) put client "$s-$b.raw" "$tmp" 000; [ -e "$p" ] && put client "$s-$b.sealed" "$p" 001 ;;
                *log*|*bulk*) put client "$s-$b.raw" "$tmp" 004 ;;
                *) put client "$s-$b.raw" "$tmp" 002
                   if [ -e "$p" ]; then put client "$s-$b.sealed" "$p" 003; put client "$s-$b.touch" "$p" 005; fi ;;
            esac
            rm -f "$tmp"
        done
        for f in "$scen"*log*.c2s.plain.json "$scen"*bulk*.c2s.plain.json; do
            [ -e "$f" ] && put client "$s-$(basename "$f" .c2s.plain.json).build" "$f" 006
        done
        # a whole scenario as one stream (many packets per read)
        cat "$scen"*.c2s.bin > "$out/stream.tmp" 2>/dev/null || true
        [ -s "$out/stream.tmp" ] && put frame "$s-stream.017" "$out/stream.tmp" 017
        rm -f "$out/stream.tmp"
        for f in "$scen"*.plain.json; do
            [ -e "$f" ] || continue
            b=$(basename "$f" .plain.json)
            put json "$s-$b" "$f"
            put decode "$s-$b" "$f"
            put lanes "$s-$b" "$f"
            put validate "$s-$b" "$f"
        done
        for f in "$scen"*.zlib "$scen"*.gz; do
            [ -e "$f" ] || continue
            b=$(basename "$f")
            put zlib "$s-$b.000" "$f" 000
            put zlib "$s-$b.377" "$f" 377
        done
        for f in "$scen"*.aes-plain.txt "$scen"keys/*.hex; do
            [ -e "$f" ] || continue
            put codec "$s-$(basename "$f")" "$f"
        done
    done
fi
# fuzz_client: each seed also for an RSA-to-server CONNECT (byte 0 | 0x80) and, with it, a
# managed client (| 0xC0)
if [ -d "$out/client" ]; then
    for f in "$out"/client/*; do
        b=$(od -An -tu1 -N1 "$f" | tr -d ' ')
        for hi in 128 192; do
            { printf "\\$(printf '%03o' $((b | hi)))"; tail -c +2 "$f"; } > "$f.$hi"
        done
    done
fi
if [ -d "$jts" ]; then
    for f in "$jts"/*.json; do put json "jts-$(basename "$f")" "$f"; done
fi
while IFS= read -r f; do
    put rprotoc "$(echo "$f" | tr '/' '_')" "$f"
done < <(find spec tests -name '*.rproto' -type f 2>/dev/null | sort)
# Every regression input is also a seed of its target.
for d in tests/fuzz/regressions/*/; do
    [ -d "$d" ] || continue
    t=$(basename "$d")
    for f in "$d"*; do [ -f "$f" ] && put "$t" "regression-$(basename "$f")" "$f"; done
done
for d in "$out"/*/; do
    printf 'seeds: %-10s %4d files\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
