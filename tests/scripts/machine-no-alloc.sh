#!/usr/bin/env bash
# The session machine engine (runtime/session) is sans IO and never allocates: its objects may
# reference only the error setters of the core, memset/memcpy, and sanitizer or compiler
# support symbols — no allocator, no clock, no I/O. A static check: what an object does not
# reference, it cannot call.
set -u
build=${1:-build}
allowed='^(rp_error_set|rp_error_set_spec|memset|memcpy|__.*|_GLOBAL_OFFSET_TABLE_)$'
objs=$(ls "$build"/obj/runtime/session/*.o 2>/dev/null)
if [ -z "$objs" ]; then echo "machine-no-alloc: no objects under $build/obj/runtime/session" >&2; exit 1; fi
bad=0
for o in $objs; do
    for sym in $(nm -u "$o" | awk '{print $NF}'); do
        [[ $sym =~ ^__asan_stack_(malloc|free)_ ]] && continue # ASan's fake-stack helpers
        if ! [[ $sym =~ $allowed ]] || [[ $sym =~ (alloc|free|time|clock) ]]; then
            echo "machine-no-alloc: $o references $sym" >&2; bad=1
        fi
    done
done
[ "$bad" -eq 0 ] && echo "machine-no-alloc: $(echo $objs | wc -w) object(s) reference only the error setters and memset/memcpy"
exit $bad
