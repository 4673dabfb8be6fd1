#!/usr/bin/env bash
# make install into a temporary DESTDIR, then build and run a program against the installed
# copy using nothing but `pkg-config --cflags --libs rproto` (PKG_CONFIG_PATH and
# PKG_CONFIG_SYSROOT_DIR point into DESTDIR, the way a staged install is checked), once
# against the shared library and once against the static one.
set -u
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/dest"
prefix=/usr/local
if ! make --no-print-directory -s install BUILD="$build" DESTDIR="$dest" PREFIX="$prefix" >"$tmp/log" 2>&1; then
    echo "install: make install failed:" >&2; tail -30 "$tmp/log" >&2; exit 1
fi
fail=0
for f in bin/rprotoc lib/librproto.a lib/librproto.so lib/librproto.so.0 lib/pkgconfig/rproto.pc \
         include/rproto/residue.h include/rproto/rp_schema.h include/rproto/rp_json.h \
         include/rproto/residue_session.h; do
    [ -e "$dest$prefix/$f" ] || { echo "install: $prefix/$f not installed" >&2; fail=1; }
done
"$dest$prefix/bin/rprotoc" --version >/dev/null || { echo "install: installed rprotoc does not run" >&2; fail=1; }
# The installed rprotoc vendors from its embedded runtime copy, without the source tree.
( cd "$tmp" && "$dest$prefix/bin/rprotoc" --vendor "$tmp/v" "$OLDPWD/spec/residue.rproto" ) &&
    [ -f "$tmp/v/rp_schema.c" ] || { echo "install: installed rprotoc --vendor failed" >&2; fail=1; }

export PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$(pkg-config --cflags --libs rproto) || { echo "install: pkg-config does not know rproto" >&2; exit 1; }
case "$flags" in *"$dest"*) ;; *) echo "install: pkg-config flags do not point into DESTDIR: $flags" >&2; fail=1;; esac
cat > "$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <residue.h>
#include <rp_codec.h>

int main(void)
{
    const char *json = "{\"_t\":1795667583,\"type\":2,\"client_id\":\"iomjhtvrmyqdfqxu\"}";
    static uint8_t mem[256];
    rp_arena arena;
    rp_arena_init(&arena, mem, sizeof mem);
    residue_any any;
    rp_error err;
    if (residue_decode_any(json, strlen(json), RESIDUE_PORT_CONNECT, RESIDUE_DIR_C2S, &any,
                           &arena, NULL, &err) != 0)
        return 1;
    char b64[16];
    if (rp_base64_encode((const uint8_t *)"abc", 3, b64, sizeof b64, NULL, &err) != 0)
        return 1;
    printf("%s %s %s\n", residue_message_name(any.id), any.u.acknowledgement.client_id.ptr, b64);
    return strcmp(b64, "YWJj") != 0;
}
C
if cc "$tmp/prog.c" $flags -o "$tmp/prog-shared" 2>"$tmp/err"; then
    LD_LIBRARY_PATH="$dest$prefix/lib" "$tmp/prog-shared" >"$tmp/out" && grep -q '^Acknowledgement iomjhtvrmyqdfqxu YWJj$' "$tmp/out" ||
        { echo "install: program against the shared library failed" >&2; fail=1; }
    ldd "$tmp/prog-shared" | grep -q librproto.so || { echo "install: program not linked to librproto.so" >&2; fail=1; }
else
    echo "install: cc prog.c \$(pkg-config --cflags --libs rproto) failed:" >&2; cat "$tmp/err" >&2; fail=1
fi
# Static: the same flags, but the archive by name (-l:) and the private deps (--static).
static_libs=$(pkg-config --static --libs-only-l rproto | sed 's/-lrproto *//')
if cc "$tmp/prog.c" $(pkg-config --cflags --libs-only-L rproto) -l:librproto.a $static_libs \
      -o "$tmp/prog-static" 2>"$tmp/err"; then
    "$tmp/prog-static" >/dev/null || { echo "install: program against the static library failed" >&2; fail=1; }
    ldd "$tmp/prog-static" | grep -q librproto.so && { echo "install: static program still uses librproto.so" >&2; fail=1; }
else
    echo "install: static link failed:" >&2; cat "$tmp/err" >&2; fail=1
fi
[ "$fail" -eq 0 ] && echo "install: installed into DESTDIR; built and ran programs with pkg-config rproto (shared and static)"
exit $fail
