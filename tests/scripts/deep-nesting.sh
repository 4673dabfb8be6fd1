#!/usr/bin/env bash
# A spec nested 40 levels (tests/specs/valid/deep-nesting.rproto): rprotoc computes each
# message's nesting limit from the spec (D01: 40, above the default 32), and the generated
# encoder and decoder agree on it — a fully nested D01 encodes, decodes back to the same
# struct and re-encodes to the same bytes; one more level of unknown nesting is refused.
# The generated pair builds with -Wall -Wextra -Wpedantic -Werror against the core only.
set -u
build=${1:-build}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
spec=tests/specs/valid/deep-nesting.rproto
"$build/rprotoc" "$spec" -o "$tmp" || { echo "deep-nesting: rprotoc failed"; exit 1; }
grep -q "schema__d01 = {" "$tmp/deep.c" || { echo "deep-nesting: no D01 table"; exit 1; }
d01=$(awk '/schema__d01 = \{/{f=1} f && /max_depth/{print; exit}' "$tmp/deep.c")
case "$d01" in
    *".max_depth = 40,"*) ;;
    *) echo "deep-nesting: D01's limit is not 40: $d01"; exit 1 ;;
esac
cat > "$tmp/main.c" <<'C'
#include <stdio.h>
#include <string.h>

#include "deep.h"

static deep_d01 a, b;
static char one[4096], two[4096], worse[4096];
static uint8_t mem[64];

int main(void)
{
    /* fill every level: D01.v = 1, D01.next.v = 2, ... (a walk over the nested structs) */
    deep_d01_init(&a);
    a.v = 1;
    a.has_v = true;
    a.has_next = true;
    a.next.v = 2; a.next.has_v = true; a.next.has_next = true;
    /* The chain below is written by the generator of this test (see the shell script). */
#include "fill.inc"
    size_t n1 = 0, n2 = 0;
    rp_error err;
    if (deep_d01_encode(&a, one, sizeof one, &n1, &err) != 0) {
        fprintf(stderr, "encode: %s\n", err.message);
        return 1;
    }
    size_t depth = 0;
    for (size_t i = 0; i < n1; i++) depth += one[i] == '{';
    rp_arena ar;
    rp_arena_init(&ar, mem, sizeof mem);
    if (deep_d01_decode(one, n1, &b, &ar, NULL, &err) != 0) {
        fprintf(stderr, "decode: %s at %zu\n", err.message, err.offset);
        return 1;
    }
    if (deep_d01_encode(&b, two, sizeof two, &n2, &err) != 0 || n1 != n2 || memcmp(one, two, n1) != 0) {
        fprintf(stderr, "re-encode differs\n");
        return 1;
    }
    /* an unknown key one level deeper than the innermost message */
    const char *in = strstr(one, "{\"v\":40}");
    if (in == NULL) return 1;
    snprintf(worse, sizeof worse, "%.*s{\"v\":40,\"x\":{}}%s", (int)(in - one), one, in + 8);
    rp_arena_init(&ar, mem, sizeof mem);
    int rc = deep_d01_decode(worse, strlen(worse), &b, &ar, NULL, &err);
    if (rc != RP_E_JSON_DEPTH) {
        fprintf(stderr, "41 levels: rc %d, expected RP_E_JSON_DEPTH\n", rc);
        return 1;
    }
    printf("deep-nesting: %zu levels encoded (%zu bytes), decoded and re-encoded identically; "
           "41 refused (%s)\n", depth, n1, err.message);
    return 0;
}
C
# fill.inc: a.next.next.v = 3; ... down to level 40
{
    path="a.next"
    for i in $(seq 3 40); do
        path="$path.next"
        echo "    $path.v = $i; $path.has_v = true;"
        [ "$i" -lt 40 ] && echo "    $path.has_next = true;"
    done
} > "$tmp/fill.inc"
inc="-Iruntime/core -I$tmp"
if ! $cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror $inc "$tmp/main.c" "$tmp/deep.c" \
        "$build/librproto.a" -o "$tmp/deep" 2> "$tmp/cc.err"; then
    cat "$tmp/cc.err"; echo "deep-nesting: FAIL: does not build"; exit 1
fi
"$tmp/deep" || { echo "deep-nesting: FAIL"; exit 1; }
echo "deep-nesting: PASS"
