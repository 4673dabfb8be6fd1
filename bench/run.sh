#!/usr/bin/env bash
# Runs every benchmark of issue 6 and prints a table for people followed by the machine
# lines (`bench: <name> ours=<v><unit> peer=<peer>:<v><unit> ratio=<peer/ours>`).
# Called by `make bench` after the binaries are built; run from the project root.
#   usage: bench/run.sh BUILD_DIR        (BENCH_QUICK=1: short run, < 60 s)
# A part whose program is missing is reported as skipped (and the run exits non-zero).
set -u
build=${1:?usage: bench/run.sh BUILD_DIR}
bdir=$build/bench
quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
vectors=../shared/vectors
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rproto-bench.XXXXXX")
lines=$tmp/lines
: > "$lines"
skipped=0
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

say()  { printf '%s\n' "$*"; }
emit() { printf '%s\n' "$*" | tee -a "$lines"; }   # one machine line
skip() { say "# SKIPPED: $*"; skipped=$((skipped + 1)); }
skipped_peers=0   # an optional peer that could not be built: reported, not a failure
# ratio with two decimals, "inf" for a zero denominator
ratio() { awk -v p="$1" -v o="$2" 'BEGIN { if (o == 0) print (p == 0 ? "1.00" : "inf"); else printf "%.2f\n", p / o }'; }
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

started=$(date +%s)
say "== rproto benchmarks ($([ -n "$quick" ] && echo quick || echo full)) $(date -u +%Y-%m-%dT%H:%MZ)"
say "# machine: nproc=$(nproc), cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') @ $(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') MHz, $(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor: *\(.*\)/\1 guest, /p')kernel $(uname -r)"
say "# other compiler: $(clang --version 2>/dev/null | head -n1)"
say "# compiler: $(${CC:-cc} --version | head -n1); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "# peers: cJSON $(dpkg-query -W -f='${Version}' libcjson-dev 2>/dev/null), jansson $(dpkg-query -W -f='${Version}' libjansson-dev 2>/dev/null), json-c $(dpkg-query -W -f='${Version}' libjson-c-dev 2>/dev/null), simdjson $(dpkg-query -W -f='${Version}' libsimdjson-dev 2>/dev/null || echo none), OpenSSL $(openssl version 2>/dev/null | cut -d' ' -f2), zlib $(dpkg-query -W -f='${Version}' zlib1g-dev 2>/dev/null)"

# ---- 1, 2, 6a: decode+validate, encode, allocations -------------------------------------
say ""
say "== 1-2. decode+validate and encode, ours vs cJSON / jansson / json-c / simdjson (decode) / the floor writer (encode) (median thread-CPU ns/op; order rotated per repetition)"
if [ -x "$bdir/bench_codec" ]; then
    "$bdir/bench_codec" --vectors "$vectors" > "$tmp/codec.out" 2> "$tmp/codec.err" || { cat "$tmp/codec.err"; skip "bench_codec failed"; }
    grep '^#' "$tmp/codec.out"
    skipped_peers=$((skipped_peers + $(grep -c '^# SKIPPED: peer ' "$tmp/codec.out")))
    grep '^bench: ' "$tmp/codec.out" | grep -v '^bench: allocs_' | tee -a "$lines"
    say ""
    say "== 6a. heap allocations per operation (interposed malloc)"
    grep '^bench: allocs_' "$tmp/codec.out" | tee -a "$lines"
else
    skip "bench_codec not built (needs generated/residue.h and build/libresidue.a)"
fi

# ---- 3: envelope ------------------------------------------------------------------------
say ""
say "== 3. envelope: AES-256-CBC seal/open of a 1 KiB log request vs raw OpenSSL EVP"
if [ -x "$bdir/bench_envelope" ]; then
    "$bdir/bench_envelope" --vectors "$vectors" > "$tmp/env.out" 2> "$tmp/env.err" || { cat "$tmp/env.err"; skip "bench_envelope failed"; }
    grep '^#' "$tmp/env.out"
    grep '^bench: ' "$tmp/env.out" | tee -a "$lines"
else
    skip "bench_envelope not built (needs build/librproto.a and build/libresidue.a)"
fi

# ---- 4a: the server session in-process ---------------------------------------------------
say ""
say "== 4a. residue server session in-process on one core (bench_server: no sockets, no peer)"
if [ -x "$bdir/bench_server" ]; then
    if "$bdir/bench_server" --vectors "$vectors" > "$tmp/srv.out" 2> "$tmp/srv.err"; then
        grep '^#' "$tmp/srv.out"
        grep '^bench: ' "$tmp/srv.out" | tee -a "$lines"
    else
        cat "$tmp/srv.err"; skip "bench_server failed"
    fi
else
    skip "bench_server not built"
fi

# ---- 4 and 6b: server throughput, server memory -----------------------------------------
say ""
say "== 4. residue-server on loopback, load from a separate process (no peer server: absolute numbers)"
start_server() {   # sets server_pid and cport; non-zero when it does not come up
    rm -f "$tmp/ports"
    "$build/residue-server" --config "$tmp/server.json" --connect-port 0 --logging-port 0 \
        --ports-file "$tmp/ports" --log-file /dev/null > "$tmp/server.out" 2> "$tmp/server.err" &
    server_pid=$!
    for _ in $(seq 100); do [ -s "$tmp/ports" ] && break; sleep 0.05; done
    cport=$(sed -n 's/.*connect_port=\([0-9]*\).*/\1/p' "$tmp/ports" 2>/dev/null)
    [ -n "$cport" ] || { cat "$tmp/server.err"; return 1; }
}
stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=; }
field() { sed "s/.*$1=\([0-9.]*\).*/\1/" <<<"$2"; }
if [ -x "$build/residue-server" ] && [ -x "$bdir/bench_load" ]; then
    # bench/server.json: per-source limits off (6b registers 10,000 clients from one address
    # on purpose)
    cp bench/server.json "$tmp/server.json"
    key=$vectors/A-unknown-plain/keys/client-private.pem
    load() { "$bdir/bench_load" --port "$cport" --key "$key" --server-pid "$server_pid" "$@"; }
    if [ -n "$quick" ]; then nh=100; nl=1000; nb=200; else nh=1000; nl=10000; nb=2000; fi
    if start_server; then
        for spec in "handshake $nh handshakes" "log $nl log_requests" "bulk $nb bulk50_requests"; do
            set -- $spec
            if load "$1" "$2" > "$tmp/load.out" 2> "$tmp/load.err"; then
                grep '^#' "$tmp/load.out"
                r=$(grep '^result:' "$tmp/load.out")
                secs=$(field seconds "$r"); cpu=$(field server_cpu_us "$r"); lcpu=$(field load_cpu_us "$r")
                say "# $1 x $2: ${secs} s wall; server CPU $(awk -v c="$cpu" -v n="$2" 'BEGIN { printf "%.1f", c / n }') us/op, load generator CPU $(awk -v c="$lcpu" -v n="$2" 'BEGIN { printf "%.1f", c / n }') us/op"
                emit "bench: server_$3_per_s ours=$(awk -v n="$2" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')/s peer=none:n/a ratio=n/a"
                emit "bench: server_cpu_per_$3 ours=$(awk -v n="$2" -v c="$cpu" 'BEGIN { printf "%.1f", c / n }')us peer=none:n/a ratio=n/a"
                [ "$1" = bulk ] && emit "bench: server_bulk_records_per_s ours=$(awk -v n="$2" -v s="$secs" 'BEGIN { printf "%.0f", n * 50 / s }')/s peer=none:n/a ratio=n/a"
            else
                cat "$tmp/load.err"; skip "server $1 load failed"
            fi
        done
        stop_server
    else
        skip "residue-server did not start"
    fi
    # 6b. A fresh server holding exactly 10,000 registered clients (unacknowledged CONNECTs,
    # each one a new client with its own public key entry and session key).
    if start_server; then
        rss_idle=$(awk '/^VmRSS/ { print $2 }' /proc/$server_pid/status)
        if load register 10000 > "$tmp/load.out" 2> "$tmp/load.err"; then
            hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$server_pid/status)
            rss=$(awk '/^VmRSS/ { print $2 }' /proc/$server_pid/status)
            r=$(grep '^result:' "$tmp/load.out")
            secs=$(field seconds "$r"); cpu=$(field server_cpu_us "$r")
            say "# fresh server: RSS idle ${rss_idle} KiB; after 10000 CONNECTs RSS ${rss} KiB, peak ${hwm} KiB"
            emit "bench: server_connects_per_s ours=$(awk -v s="$secs" 'BEGIN { printf "%.0f", 10000 / s }')/s peer=none:n/a ratio=n/a"
            emit "bench: server_cpu_per_connect ours=$(awk -v c="$cpu" 'BEGIN { printf "%.1f", c / 10000 }')us peer=none:n/a ratio=n/a"
            emit "bench: server_peak_rss_10000_clients ours=${hwm}KiB peer=none:n/a ratio=n/a"
            emit "bench: server_rss_per_client ours=$(awk -v a="$rss" -v b="$rss_idle" 'BEGIN { printf "%.0f", (a - b) * 1024 / 10000 }')B peer=none:n/a ratio=n/a"
        else
            cat "$tmp/load.err"; skip "server register load failed"
        fi
        stop_server
    else
        skip "residue-server did not start (memory test)"
    fi
    # 6c. Lines per second into a real log file (in /tmp) for each durability setting
    # (docs/security.md "Durability"): one client, one request in flight, so "group" pays one
    # fsync per request here; bulks of 50 show what one fsync per turn buys.
    say ""
    say "== 6c. residue-server lines/s into a log file, per durability setting (/tmp: $(df -T /tmp | awk 'NR == 2 { print $2 }'))"
    for dur in flush group interval; do
        rm -f "$tmp/durability.jsonl"
        rm -f "$tmp/ports"
        "$build/residue-server" --config "$tmp/server.json" --connect-port 0 --logging-port 0 \
            --ports-file "$tmp/ports" --log-file "$tmp/durability.jsonl" --durability "$dur" \
            > "$tmp/server.out" 2> "$tmp/server.err" &
        server_pid=$!
        for _ in $(seq 100); do [ -s "$tmp/ports" ] && break; sleep 0.05; done
        cport=$(sed -n 's/.*connect_port=\([0-9]*\).*/\1/p' "$tmp/ports" 2>/dev/null)
        [ -n "$cport" ] || { cat "$tmp/server.err"; skip "server ($dur) did not start"; continue; }
        for spec in "log $nl 1" "bulk $nb 50"; do
            set -- $spec
            if load "$1" "$2" > "$tmp/load.out" 2> "$tmp/load.err"; then
                r=$(grep '^result:' "$tmp/load.out"); secs=$(field seconds "$r")
                emit "bench: server_lines_per_s_${dur}_$1 ours=$(awk -v n="$2" -v k="$3" -v s="$secs" 'BEGIN { printf "%.0f", n * k / s }')/s peer=none:n/a ratio=n/a"
            else
                cat "$tmp/load.err"; skip "durability $dur $1 load failed"
            fi
        done
        stop_server
    done
else
    skip "build/residue-server or bench_load not built"
fi

# ---- 5: generator -----------------------------------------------------------------------
say ""
say "== 5. rprotoc: spec/residue.rproto and synthetic specs (median CPU time)"
if [ -x "$build/rprotoc" ]; then
    # quick: 2 timed runs, no warm-up (the 10,000-message spec takes seconds per run)
    if [ -n "$quick" ]; then reps=2; else reps=5; fi
    # CPU time (perf stat task-clock) rather than wall time: the machine may be shared.
    one_run() {   # spec out -> CPU ms of one rprotoc run
        rm -rf "$2"; mkdir -p "$2"
        if command -v perf > /dev/null; then
            perf stat -x, -e task-clock -o "$tmp/perf.txt" "$build/rprotoc" "$1" -o "$2" > "$tmp/rprotoc.err" 2>&1 || return 1
            awk -F, '$3 == "task-clock" { print $1 }' "$tmp/perf.txt"
        else
            local t0 t1
            t0=$(date +%s%N)
            "$build/rprotoc" "$1" -o "$2" > "$tmp/rprotoc.err" 2>&1 || return 1
            t1=$(date +%s%N)
            echo $(( (t1 - t0) / 1000 )) | awk '{ print $1 / 1000 }'
        fi
    }
    time_rprotoc() {   # spec -> median CPU ms over $reps runs (full: after one warm-up)
        local spec=$1 out=$tmp/gen-out
        if [ -z "$quick" ]; then one_run "$spec" "$out" > /dev/null || return 1; fi
        for _ in $(seq "$reps"); do
            one_run "$spec" "$out" || return 1
        done | median | awk '{ printf "%.2f\n", $1 }'
    }
    if ms=$(time_rprotoc spec/residue.rproto); then
        emit "bench: rprotoc_residue ours=${ms}ms peer=none:n/a ratio=n/a"
    else
        cat "$tmp/rprotoc.err"; skip "rprotoc failed on spec/residue.rproto"
    fi
    prev_n=; prev_ms=
    for n in 100 1000 10000; do
        bench/gen-spec.sh "$n" "$tmp/synth$n.rproto" plain
        if ms=$(time_rprotoc "$tmp/synth$n.rproto"); then
            sz=$(cat "$tmp"/gen-out/* 2>/dev/null | wc -c)
            say "# synthetic spec of $n messages: $(wc -c < "$tmp/synth$n.rproto") bytes in, $sz bytes of C out"
            emit "bench: rprotoc_synth_$n ours=${ms}ms peer=none:n/a ratio=n/a"
            if [ -n "$prev_n" ]; then
                g=$(awk -v a="$ms" -v b="$prev_ms" 'BEGIN { printf "%.2f", a / b }')
                emit "bench: rprotoc_growth_${prev_n}_to_$n ours=${g}x peer=linear:10x ratio=$(ratio 10 "$g")"
            fi
            prev_n=$n; prev_ms=$ms
        else
            sed -n 1,5p "$tmp/rprotoc.err"; skip "rprotoc failed on the synthetic spec of $n messages"
            prev_n=
        fi
    done
    # Routed messages told apart by one enum discriminator of N values (the shape that used
    # to be quadratic): time, bytes of C and peak memory from 1,000 to 10,000 messages.
    peak_kb() {   # spec out -> peak RSS in KiB of one rprotoc run (empty without /usr/bin/time)
        rm -rf "$2"; mkdir -p "$2"
        [ -x /usr/bin/time ] || return 0
        /usr/bin/time -f %M -o "$tmp/peak.txt" "$build/rprotoc" "$1" -o "$2" > /dev/null 2>&1 && cat "$tmp/peak.txt"
    }
    for n in 1000 10000; do
        bench/gen-spec.sh "$n" "$tmp/routed$n.rproto" routed
        if ms=$(time_rprotoc "$tmp/routed$n.rproto"); then
            eval "routed_ms_$n=$ms"
            eval "routed_sz_$n=$(cat "$tmp"/gen-out/* | wc -c)"
            kb=$(peak_kb "$tmp/routed$n.rproto" "$tmp/gen-out")
            eval "routed_kb_$n=${kb:-0}"
            say "# routed spec of $n enum-discriminated messages: $(wc -c < "$tmp/routed$n.rproto") bytes in, $(eval echo \$routed_sz_$n) bytes of C out, ${ms} ms CPU, peak ${kb:-?} KiB"
            emit "bench: rprotoc_routed_$n ours=${ms}ms peer=none:n/a ratio=n/a"
        else
            sed -n 1,5p "$tmp/rprotoc.err"; skip "rprotoc failed on the routed spec of $n messages"
        fi
    done
    if [ -n "${routed_ms_1000:-}" ] && [ -n "${routed_ms_10000:-}" ]; then
        g=$(awk -v a="$routed_ms_10000" -v b="$routed_ms_1000" 'BEGIN { printf "%.2f", a / b }')
        emit "bench: rprotoc_routed_growth_time_1000_to_10000 ours=${g}x peer=linear:10x ratio=$(ratio 10 "$g")"
        g=$(awk -v a="$routed_sz_10000" -v b="$routed_sz_1000" 'BEGIN { printf "%.2f", a / b }')
        emit "bench: rprotoc_routed_growth_output_1000_to_10000 ours=${g}x peer=linear:10x ratio=$(ratio 10 "$g")"
        if [ "$routed_kb_1000" -gt 0 ]; then
            g=$(awk -v a="$routed_kb_10000" -v b="$routed_kb_1000" 'BEGIN { printf "%.2f", a / b }')
            emit "bench: rprotoc_routed_growth_memory_1000_to_10000 ours=${g}x peer=linear:10x ratio=$(ratio 10 "$g")"
        fi
    fi
else
    skip "build/rprotoc not built"
fi

# ---- 6c: code size ----------------------------------------------------------------------
say ""
say "== 6c. code size at -Os (text bytes; OpenSSL and zlib excluded: shared libraries)"
# The generic runtime's layers (the residue layer is counted with residue's generated code).
rt_objs() { ls "$bdir"/os/runtime/core/*.o "$bdir"/os/runtime/crypto/*.o "$bdir"/os/runtime/zlib/*.o \
               "$bdir"/os/runtime/frame/*.o "$bdir"/os/runtime/envelope/*.o 2>/dev/null; }
if [ -n "$(rt_objs)" ]; then
    text_of() { size "$@" | awk 'NR > 1 { t += $1 } END { print t + 0 }'; }
    size $(rt_objs) | awk 'NR == 1 { next } { n = $6; sub(".*/", "", n); printf "#   %-24s %7d text\n", n, $1 }'
    rt=$(text_of $(rt_objs))
    # What generated codecs need (JSON, schema engine, arena, errors, base64/hex), without
    # the crypto, envelope, framing, zlib and session modules of the protocol runtime.
    core=$(ls "$bdir"/os/runtime/core/*.o | grep -E '/rp_(json[a-z_]*|schema[a-z_]*|arena|error|codec|lane[a-z_]*)\.o$')
    ct=$(text_of $core)
    say "#   codec core = $(echo $core | xargs -n1 basename | tr '\n' ' ')"
    # Berkeley `size` text = .text + .rodata + .eh_frame; the split, for the curious:
    sections() { for o in "$@"; do size -A "$o"; done | awk '$1 ~ /^\.text/ { t += $2 } $1 ~ /^\.rodata/ { r += $2 } $1 == ".eh_frame" { e += $2 } END { printf ".text %d, .rodata %d, .eh_frame %d", t, r, e }'; }
    say "#   runtime: $(sections $(rt_objs)); codec core: $(sections $core)"
    emit "bench: size_runtime_text_Os ours=${rt}B peer=target:16384B ratio=$(ratio 16384 "$rt")"
    emit "bench: size_runtime_codec_core_text_Os ours=${ct}B peer=target:16384B ratio=$(ratio 16384 "$ct")"
    dottext() { for o in "$@"; do size -A "$o"; done | awk '$1 ~ /^\.text/ { t += $2 } END { print t + 0 }'; }
    # The codec core plus residue's generated codec and tables (generated/residue.o, made
    # with --optimize speed; its tables are mostly .data.rel.ro, shown beside).
    if [ -f "$bdir/os/generated/residue.o" ]; then
        crt=$(text_of $core "$bdir/os/generated/residue.o")
        crx=$(dottext $core "$bdir/os/generated/residue.o")
        crd=$(size -A "$bdir/os/generated/residue.o" | awk '$1 ~ /^\.data\.rel\.ro/ { d += $2 } END { print d + 0 }')
        say "#   --optimize speed: codec core + generated/residue.o: text ${crt} (.text sections ${crx}); residue tables in .data.rel.ro ${crd}"
        emit "bench: size_codec_core_plus_residue_speed_dottext_Os ours=${crx}B peer=none:n/a ratio=n/a"
    fi
    # Issue 13 target 2: with --optimize size, the codec core such a codec calls — the core
    # files `rprotoc --vendor --optimize size` writes for residue (no lanes, no
    # rp_schema_fast, no kinds residue lacks) — plus residue's codec and tables, <= 24 KiB of
    # .text; and the same linked into a program that decodes any residue message and encodes
    # each (size_probe_small).
    small="$bdir/small/residue.o"
    if [ -f "$small" ] && "$build/rprotoc" --vendor "$tmp/vendor-small" spec/residue.rproto --optimize size; then
        score=$(for o in $core; do b=${o##*/}; [ -e "$tmp/vendor-small/${b%.o}.c" ] && echo "$o"; done)
        srx=$(dottext $score "$small")
        say "#   --optimize size: codec core ($(echo $score | xargs -n1 basename | tr '\n' ' ')) + residue.o: .text ${srx}"
        for o in $score "$small"; do size -A "$o" | awk -v n="${o##*/}" '$1 ~ /^\.text/ { t += $2 } END { printf "#     %-24s %6d .text\n", n, t }'; done
        emit "bench: size_codec_core_plus_residue_dottext_Os ours=${srx}B peer=target:24576B ratio=$(ratio 24576 "$srx")"
        if [ -x "$bdir/size_probe_small" ] && [ -x "$bdir/size_probe_empty" ]; then
            sp=$(size -A "$bdir/size_probe_small" | awk '$1 == ".text" { print $2 + 0 }')
            se=$(size -A "$bdir/size_probe_empty" | awk '$1 == ".text" { print $2 + 0 }')
            emit "bench: size_linked_small_codecs_dottext_Os ours=$((sp - se))B peer=target:24576B ratio=$(ratio 24576 $((sp - se)))"
        fi
    else
        skip "residue --optimize size not built at -Os"
    fi
    json=$(text_of "$bdir"/os/runtime/core/rp_json*.o)
    cj=$(size -A /usr/lib/x86_64-linux-gnu/libcjson.so.1 2>/dev/null | awk '$1 == ".text" { print $2 }')
    [ -n "$cj" ] && emit "bench: size_json_text ours=${json}B peer=cjson-so:${cj}B ratio=$(ratio "$cj" "$json")"
    # What a program pays: every generated codec plus the runtime it pulls in, linked with
    # --gc-sections, minus the same program without codecs (bench/size_probe.c).
    if [ -x "$bdir/size_probe" ] && [ -x "$bdir/size_probe_empty" ]; then
        pt=$(size "$bdir/size_probe" | awk 'NR == 2 { print $1 }')
        pe=$(size "$bdir/size_probe_empty" | awk 'NR == 2 { print $1 }')
        sec() { size -A "$1" | awk -v s="$2" '$1 == s { print $2 + 0 }'; }
        say "#   linked codecs (size_probe - size_probe_empty): text $((pt - pe)) = .text $(( $(sec "$bdir/size_probe" .text) - $(sec "$bdir/size_probe_empty" .text) )), .rodata $(sec "$bdir/size_probe" .rodata), .eh_frame $(sec "$bdir/size_probe" .eh_frame), .rela.dyn $(( $(sec "$bdir/size_probe" .rela.dyn) - $(sec "$bdir/size_probe_empty" .rela.dyn) )) (PIE relocations of the schema tables); plus .data.rel.ro $(sec "$bdir/size_probe" .data.rel.ro)"
        emit "bench: size_linked_codecs_text_Os ours=$((pt - pe))B peer=target:16384B ratio=$(ratio 16384 $((pt - pe)))"
    else
        skip "size probe not built"
    fi
    if ls "$bdir"/os/generated/*.o > /dev/null 2>&1; then
        gt=$(text_of "$bdir"/os/generated/*.o)
        gd=$(size "$bdir"/os/generated/*.o | awk 'NR > 1 { t += $2 } END { print t + 0 }')
        say "#   generated residue code: text ${gt}, data ${gd}"
        emit "bench: size_generated_residue_text_Os ours=${gt}B peer=none:n/a ratio=n/a"
    else
        skip "generated residue code not built at -Os"
    fi
else
    skip "runtime not built at -Os"
fi

# ---- 7: callgrind instruction counts ----------------------------------------------------
say ""
say "== 7. instruction counts under valgrind --tool=callgrind (per operation)"
if [ -x "$bdir/bench_codec" ] && command -v valgrind > /dev/null; then
    if [ -n "$quick" ]; then it=100; else it=1000; fi
    mkdir -p "$tmp/cg"
    if valgrind --tool=callgrind --callgrind-out-file="$tmp/cg/out" \
            "$bdir/bench_codec" --vectors "$vectors" --callgrind "$it" > "$tmp/cg.out" 2> "$tmp/cg.err"; then
        sed -n 's/^# simdjson kernel: /# simdjson kernel under valgrind: /p' "$tmp/cg.out"
        for f in "$tmp"/cg/out.*; do
            label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
            ir=$(sed -n 's/^summary: //p' "$f")
            [ -n "$label" ] && echo "$label $ir"
        done > "$tmp/cg.txt"
        for op in decode encode; do
            for m in connect established log_request; do
                ours=$(awk -v k="${op}_$m:ours" -v it="$it" '$1 == k { printf "%.0f", $2 / it }' "$tmp/cg.txt")
                [ -z "$ours" ] && continue
                for p in cjson jansson json-c simdjson floor; do
                    pv=$(awk -v k="${op}_$m:$p" -v it="$it" '$1 == k { printf "%.0f", $2 / it }' "$tmp/cg.txt")
                    [ -n "$pv" ] && emit "bench: instr_${op}_$m ours=${ours}Ir peer=$p:${pv}Ir ratio=$(ratio "$pv" "$ours")"
                    # issue 13: encode within 1.2x the floor writer's instructions
                    if [ "$p" = floor ] && [ -n "$pv" ]; then
                        x=$(ratio "$ours" "$pv")
                        emit "bench: instr_encode_${m}_over_floor ours=${x}x peer=target:1.20x ratio=$(ratio 1.20 "$x")"
                    fi
                done
            done
        done
    else
        tail -n 5 "$tmp/cg.err"; skip "callgrind run failed"
    fi
else
    skip "callgrind: bench_codec or valgrind missing"
fi
# The envelope comparison too: repeatable where wall time on a busy machine is not.
if [ -x "$bdir/bench_envelope" ] && command -v valgrind > /dev/null; then
    if [ -n "$quick" ]; then it=100; else it=1000; fi
    rm -rf "$tmp/cge"; mkdir -p "$tmp/cge"
    if valgrind --tool=callgrind --callgrind-out-file="$tmp/cge/out" \
            "$bdir/bench_envelope" --vectors "$vectors" --callgrind "$it" > /dev/null 2> "$tmp/cge.err"; then
        for f in "$tmp"/cge/out.*; do
            label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
            ir=$(sed -n 's/^summary: //p' "$f")
            [ -n "$label" ] && echo "$label $ir"
        done > "$tmp/cge.txt"
        for op in seal open seal_zlib open_zlib; do
            ours=$(awk -v k="envelope_$op:ours" -v it="$it" '$1 == k { printf "%.0f", $2 / it }' "$tmp/cge.txt")
            for p in openssl-floor openssl-percall; do
                pv=$(awk -v k="envelope_$op:$p" -v it="$it" '$1 == k { printf "%.0f", $2 / it }' "$tmp/cge.txt")
                [ -n "$ours" ] && [ -n "$pv" ] && emit "bench: instr_envelope_$op ours=${ours}Ir peer=$p:${pv}Ir ratio=$(ratio "$pv" "$ours")"
            done
        done
    else
        tail -n 5 "$tmp/cge.err"; skip "callgrind run of bench_envelope failed"
    fi
fi

# The server session's packets (bench_server): per handshake and per log packet.
if [ -x "$bdir/bench_server" ] && command -v valgrind > /dev/null; then
    if [ -n "$quick" ]; then it=20; else it=100; fi
    rm -rf "$tmp/cgs"; mkdir -p "$tmp/cgs"
    if valgrind --tool=callgrind --callgrind-out-file="$tmp/cgs/out" \
            "$bdir/bench_server" --vectors "$vectors" --callgrind "$it" > /dev/null 2> "$tmp/cgs.err"; then
        for f in "$tmp"/cgs/out.*; do
            label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
            ir=$(sed -n 's/^summary: //p' "$f")
            [ -n "$label" ] && echo "$label $ir"
        done > "$tmp/cgs.txt"
        # handshakes: it per dump; log packets: 10 x it per dump
        for op in handshake connect handshake_rsa log log_plain bulk50; do
            case $op in handshake*|connect) per=$it ;; *) per=$((10 * it)) ;; esac
            v=$(awk -v k="server_$op:ours" -v n="$per" '$1 == k { printf "%.0f", $2 / n }' "$tmp/cgs.txt")
            [ -n "$v" ] && emit "bench: instr_server_$op ours=${v}Ir peer=none:n/a ratio=n/a"
        done
    else
        tail -n 5 "$tmp/cgs.err"; skip "callgrind run of bench_server failed"
    fi
fi

# ---- 8: the residue logger library ------------------------------------------------------
say ""
say "== 8. residue logger library (residue_logger.h) into residue-server on loopback (no peer: absolute numbers)"
if [ -x "$build/residue-server" ] && [ -x "$bdir/bench_logger" ]; then
    if [ -n "$quick" ]; then ll=50000; else ll=400000; fi
    if start_server; then
        for t in 1 4; do
            if "$bdir/bench_logger" --port "$cport" --key "$vectors/A-unknown-plain/keys/client-private.pem" \
                    --lines "$ll" --threads "$t" > "$tmp/logger.out" 2> "$tmp/logger.err"; then
                grep '^#' "$tmp/logger.out"
                r=$(grep '^result:' "$tmp/logger.out")
                emit "bench: logger_lines_per_s_${t}thread ours=$(field lines_per_s "$r")/s peer=none:n/a ratio=n/a"
                emit "bench: logger_log_call_cpu_${t}thread ours=$(field call_ns "$r")ns peer=none:n/a ratio=n/a"
            else
                cat "$tmp/logger.err"; skip "bench_logger with $t thread(s) failed"
            fi
        done
        stop_server
    else
        skip "residue-server did not start (logger)"
    fi
else
    skip "build/residue-server or bench_logger not built"
fi

# ---- the table --------------------------------------------------------------------------
say ""
say "== summary (ratio = peer/ours: > 1 means ours is faster or smaller)"
awk '{
    name = $2; o = $3; p = $4; r = $5
    sub(/^ours=/, "", o); sub(/^ratio=/, "", r); sub(/^peer=/, "", p)
    i = index(p, ":"); pn = substr(p, 1, i - 1); pv = substr(p, i + 1)
    printf "%-40s %14s  %-16s %14s  %7s\n", name, o, pn, pv, r
}' "$lines" | { printf '%-40s %14s  %-16s %14s  %7s\n' comparison ours peer "peer value" ratio; cat; }
say ""
say "== machine-readable lines"
cat "$lines"
say "# bench finished in $(( $(date +%s) - started )) s; skipped parts: $skipped; skipped optional peers: $skipped_peers"
[ "$skipped" -eq 0 ]
