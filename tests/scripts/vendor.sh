#!/usr/bin/env bash
# Vendoring: `rprotoc --vendor DIR spec/residue.rproto` writes the generated pair and the
# runtime sources into DIR. That directory, copied alone to a temporary place (no source
# tree, no flex, bison or rprotoc), builds a small program with only `cc *.c -lcrypto -lz`,
# and the program decodes a real captured message and encodes a reply.
set -u
build=${1:-build}
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/rprotoc" --vendor "$tmp/out" spec/residue.rproto || { echo "vendor: rprotoc --vendor failed" >&2; exit 1; }
fail=0
for f in runtime/*/*.c runtime/*/*.h; do
    cmp -s "$f" "$tmp/out/$(basename "$f")" || { echo "vendor: $(basename "$f") missing or not a byte copy" >&2; fail=1; }
done
for f in residue.h residue.c; do
    cmp -s "generated/$f" "$tmp/out/$f" || { echo "vendor: $f differs from generated/$f" >&2; fail=1; }
done
mkdir -p "$tmp/elsewhere/app"
cp "$tmp/out/"* "$tmp/elsewhere/app/"
cp ../shared/vectors/A-unknown-plain/04-established.s2c.plain.json "$tmp/elsewhere/est.json"
cat > "$tmp/elsewhere/app/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "residue.h"
#include "residue_profiles.h"
#include "rp_crypto.h"

int main(int argc, char **argv)
{
    static char text[4096];
    static uint8_t mem[4096];
    FILE *f = fopen(argc > 1 ? argv[1] : "est.json", "rb");
    if (f == NULL)
        return 2;
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    rp_arena arena;
    rp_arena_init(&arena, mem, sizeof mem);
    residue_any any;
    rp_error err;
    if (residue_decode_any(text, n, RESIDUE_PORT_CONNECT, RESIDUE_DIR_S2C, &any, &arena,
                           &residue_profile_wire, &err) != 0 || any.id != RESIDUE_MSG_ESTABLISHED) {
        char line[256];
        rp_error_format(&err, line, sizeof line);
        fprintf(stderr, "decode: %s\n", line);
        return 1;
    }
    char out[RESIDUE_ESTABLISHED_MAX_SIZE + 1];
    size_t len;
    if (residue_established_encode(&any.u.established, out, sizeof out, &len, &err) != 0 ||
        len != n || memcmp(out, text, n) != 0)
        return 1;
    uint8_t key[32];
    if (rp_random_bytes(key, sizeof key, &err) != 0)
        return 1;
    printf("vendored build ok: %s, flags %u, port %u\n", residue_message_name(any.id),
           (unsigned)any.u.established.flags, (unsigned)any.u.established.logging_port);
    return 0;
}
C
cd "$tmp/elsewhere/app"
if ! out=$(cc *.c -lcrypto -lz -o ../prog 2>&1); then
    echo "vendor: 'cc *.c -lcrypto -lz' failed in the vendored directory:" >&2
    echo "$out" | head -30 >&2
    exit 1
fi
cd ..
./prog est.json || { echo "vendor: the vendored program failed" >&2; fail=1; }
cd "$root"
# make vendor writes the same directory
make --no-print-directory -s vendor BUILD="$build" VENDOR_DIR="$tmp/mk" >/dev/null 2>&1 &&
    diff -r "$tmp/out" "$tmp/mk" >/dev/null || { echo "vendor: make vendor differs from rprotoc --vendor" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "vendor: $(ls "$tmp/out" | wc -l) files; built and ran with only cc *.c -lcrypto -lz"
exit $fail
