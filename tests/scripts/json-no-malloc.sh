#!/usr/bin/env bash
# The JSON core (rp_json_*, rp_arena, rp_error) and the decode lanes' loops (rp_lane) must
# never allocate: its object files may
# reference only the C library functions listed below (no malloc/calloc/realloc/free/
# strdup/...), plus sanitizer and compiler-support symbols. A static check: if an object
# does not reference an allocator, it cannot call one.
set -u
build=${1:-build}
# strtod: rp_json_float.c hands it at most ~800 digits and an exponent (glibc and musl read
# those with stack buffers; measured: no malloc call).
allowed='^(rp_|rpj_|__|_GLOBAL_OFFSET_TABLE_$|memcpy$|memcmp$|bcmp$|memset$|memmove$|memchr$|strlen$|strnlen$|snprintf$|vsnprintf$|strtod$)'
objs=$(ls "$build"/obj/runtime/core/rp_json_*.o "$build"/obj/runtime/core/rp_arena.o "$build"/obj/runtime/core/rp_error.o \
          "$build"/obj/runtime/core/rp_lane.o 2>/dev/null)
if [ -z "$objs" ]; then echo "json-no-malloc: no objects under $build/obj/runtime/core" >&2; exit 1; fi
bad=0
for o in $objs; do
    for sym in $(nm -u "$o" | awk '{print $NF}'); do
        # rp_arena_alloc carves caller memory; ASan's stack_malloc is its fake-stack helper.
        [[ $sym == rp_arena_alloc || $sym =~ ^__asan_stack_(malloc|free)_ ]] && continue
        if ! [[ $sym =~ $allowed ]] || [[ $sym =~ (alloc|free|strdup|strndup) ]]; then
            echo "json-no-malloc: $o references $sym" >&2; bad=1
        fi
    done
done
[ "$bad" -eq 0 ] && echo "json-no-malloc: $(echo $objs | wc -w) objects reference no allocator"
exit $bad
