#!/usr/bin/env bash
# Line coverage of each fuzz harness's target code, measured by replaying its corpus
# (build/fuzz/corpus/<t>, the seeds and the regression inputs) through a clang source-based
# coverage build of the replay binaries (build/fuzz-cov). Prints one line per harness:
#   cover <target>  <lines covered>/<lines> = <percent>  (<files>)
#
#   tests/fuzz/coverage.sh [TARGET...]        (make fuzz-coverage)
set -u
cb=build/fuzz-cov
fb=${FUZZ_BUILD:-build/fuzz}
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed -E 's#.*/fuzz_(.*)\.c#\1#')}
make --no-print-directory -s CC=clang BUILD=$cb OPT="-O0 -g" \
    SANFLAGS="-fprofile-instr-generate -fcoverage-mapping" fuzz-replay >/dev/null || exit 1
files_of() {
    case $1 in
        frame) echo runtime/frame/rp_frame.c ;;
        json) echo runtime/core/rp_json_scan.c runtime/core/rp_json_number.c runtime/core/rp_json_text.c runtime/core/rp_json_write.c runtime/core/rp_json_path.c ;;
        zlib) echo runtime/zlib/rp_zlib.c ;;
        codec) echo runtime/core/rp_codec.c ;;
        envelope) echo runtime/envelope/rp_envelope.c runtime/envelope/rp_layer_*.c ;;
        decode) echo runtime/core/rp_schema.c generated/residue.c ;;
        encode_lanes) echo runtime/core/rp_lane_write.c generated/residue.c ;;
        validate) echo generator/validate.c runtime/core/rp_schema.c ;;
        server) echo runtime/residue/residue_server.c runtime/residue/residue_registry.c runtime/envelope/rp_envelope.c ;;
        client) echo runtime/residue/residue_client.c ;;
        rprotoc) echo generator/source.c generator/check.c generator/fe_build.c generator/emit_c_header.c generator/emit_c_source.c "$cb/gen/parser.c" "$cb/gen/lexer.c" ;;
        *) echo "" ;;
    esac
}
mkdir -p "$cb/prof"
for t in $targets; do
    rm -f "$cb/prof/$t"-*.profraw
    dirs=()
    for d in "$fb/corpus/$t" "$fb/seeds/$t" "tests/fuzz/regressions/$t"; do [ -d "$d" ] && dirs+=("$d"); done
    [ "${#dirs[@]}" -gt 0 ] || { echo "cover $t: no corpus"; continue; }
    LLVM_PROFILE_FILE="$cb/prof/$t-%p.profraw" "$cb/fuzz-replay/fuzz_$t" "${dirs[@]}" >/dev/null 2>&1
    llvm-profdata merge -sparse "$cb/prof/$t"-*.profraw -o "$cb/prof/$t.profdata"
    files=$(files_of "$t")
    # shellcheck disable=SC2086
    line=$(llvm-cov report "$cb/fuzz-replay/fuzz_$t" -instr-profile="$cb/prof/$t.profdata" $files 2>/dev/null | grep '^TOTAL')
    # TOTAL regions missed cover functions missed executed lines missed cover ...
    lines=$(awk '{print $8}' <<<"$line"); missed=$(awk '{print $9}' <<<"$line"); pct=$(awk '{print $10}' <<<"$line")
    n=$(find "${dirs[@]}" -type f | wc -l)
    printf 'cover %-9s lines %5s/%-5s = %-7s over %5s inputs (%s)\n' "$t" "$((lines - missed))" "$lines" "$pct" "$n" "$(echo $files | sed "s#$cb/##g")"
done
