#!/usr/bin/env bash
# The envelope engine links only the layers a program's tables name (issue 11):
#   1. a program whose envelope tables use only json, base64, base64_lenient, hex and join
#      links against BUILD/librproto.a WITHOUT -lcrypto -lz, runs, and round-trips its
#      envelopes; its binary holds no OpenSSL or zlib symbol;
#   2. the same program with an aes layer added does not link without -lcrypto (so the
#      first result is not an accident of the archive);
#   3. no object of runtime/envelope references an allocator (nothing allocates on the
#      packet path; OpenSSL's own EVP context is rp_crypto's business).
set -u
build=${1:-build}
cc=${CC:-cc}
lib="$build/librproto.a"
[ -f "$lib" ] || { echo "envelope-layers: $lib missing (make first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

cat > "$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>

#include "rp_envelope.h"

static const rp_join_part parts[] = { { RP_JOIN_ID, 0 }, { RP_JOIN_PAYLOAD, 0 } };
static const rp_layer_desc plain[] = { { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_layer_desc hexed[] = { { &rp_layer_hex, 0, NULL, 0, NULL, 0 },
                                       { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_layer_desc b64hex[] = { { &rp_layer_base64, 0, NULL, 0, NULL, 0 },
                                        { &rp_layer_hex, 0, NULL, 0, NULL, 0 },
                                        { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
static const rp_layer_desc tagged[] = { { &rp_layer_join, 0, "|", 1, parts, 2 },
                                        { &rp_layer_base64_lenient, 0, NULL, 0, NULL, 0 },
                                        { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
#ifdef WITH_AES
static const rp_layer_desc secret[] = { { &rp_layer_hex, 0, NULL, 0, NULL, 0 },
                                        { &rp_layer_aes, 0, NULL, 0, NULL, 0 },
                                        { &rp_layer_json, 0, NULL, 0, NULL, 0 } };
#endif
static const rp_envelope_desc envs[] = {
    { "plain", plain, 1 }, { "hexed", hexed, 2 }, { "b64hex", b64hex, 3 }, { "tagged", tagged, 3 },
#ifdef WITH_AES
    { "secret", secret, 3 },
#endif
};
static const rp_key_desc keys[] = { { "tag", RP_KEY_AES, 0, 1 } };
static const rp_protocol proto = { "demo", { "a", "b" }, NULL, 0, keys, 1, envs,
                                   sizeof envs / sizeof envs[0], NULL, 0 };

static int lookup(void *ctx, unsigned key, rp_key_use use, const char *id, size_t id_len,
                  rp_key_value *out, size_t cap)
{
    (void)ctx; (void)key; (void)use; (void)id; (void)id_len; (void)cap;
    memset(out, 0, sizeof *out);
    out->id = "node-1";
    out->id_len = 6;
    return 1;
}

int main(void)
{
    const char *msg = "{\"n\":1,\"s\":\"text\"}";
    rp_envelope_ctx cx = { &proto, lookup, NULL, NULL, NULL, 0 };
    char pkt[512], out[512];
    uint8_t work[512];
    unsigned ok = 0;
    for (unsigned e = 0; e < 4; e++) {
        size_t n = 0;
        rp_envelope_opened res;
        if (rp_envelope_seal(&cx, e, msg, strlen(msg), pkt, sizeof pkt, work, sizeof work, &n, NULL) != 0) return 1;
        if (rp_envelope_open_any(&cx, 0xf, pkt, n, out, sizeof out, work, sizeof work, &res, NULL, NULL) != 0) return 2;
        if (res.envelope != e || strcmp(out, msg) != 0) return 3;
        printf("%s: %s\n", envs[e].name, pkt);
        ok++;
    }
    printf("round trips: %u\n", ok);
    return ok == 4 ? 0 : 4;
}
C
inc="-Iruntime/core -Iruntime/frame -Iruntime/envelope"
if ! $cc -std=c11 -Wall -Wextra -Wpedantic -Werror $inc "$tmp/prog.c" "$lib" -o "$tmp/prog" 2> "$tmp/link.err"; then
    cat "$tmp/link.err"; echo "envelope-layers: FAIL: a json+base64+hex+join program does not link without -lcrypto -lz"; fail=1
elif ! "$tmp/prog" > "$tmp/run.out"; then
    cat "$tmp/run.out"; echo "envelope-layers: FAIL: the program did not round-trip"; fail=1
else
    cat "$tmp/run.out"
    syms=$(nm "$tmp/prog" | grep -E ' (EVP_|RSA_|OPENSSL_|inflate|deflate|rp_aes_|rp_rsa_|rp_zlib_)' | head -5)
    if [ -n "$syms" ]; then
        echo "$syms"; echo "envelope-layers: FAIL: crypto/zlib code linked in"; fail=1
    else
        echo "envelope-layers: json+base64+hex+join program linked without -lcrypto -lz, no OpenSSL or zlib symbol in it"
    fi
fi
if $cc -std=c11 -DWITH_AES $inc "$tmp/prog.c" "$lib" -o "$tmp/prog2" 2> /dev/null; then
    echo "envelope-layers: FAIL: a program with an aes layer linked without -lcrypto (the check above proves nothing)"; fail=1
elif ! $cc -std=c11 -DWITH_AES $inc "$tmp/prog.c" "$lib" -lcrypto -o "$tmp/prog2" 2> "$tmp/link2.err"; then
    cat "$tmp/link2.err"; echo "envelope-layers: FAIL: a program with an aes layer does not link with -lcrypto"; fail=1
else
    echo "envelope-layers: with an aes layer it needs -lcrypto (and links with it, still without -lz)"
fi

objs=$(ls "$build"/obj/runtime/envelope/*.o 2>/dev/null)
[ -n "$objs" ] || { echo "envelope-layers: no objects under $build/obj/runtime/envelope" >&2; exit 1; }
for o in $objs; do
    if nm -u "$o" | awk '{print $NF}' | grep -Eq '^(malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign)$'; then
        echo "envelope-layers: FAIL: $o references an allocator"; fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "envelope-layers: $(echo $objs | wc -w) envelope objects reference no allocator"
[ "$fail" -eq 0 ] && echo "envelope-layers: PASS"
exit $fail
