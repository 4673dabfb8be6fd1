#!/usr/bin/env bash
# residue-server's log file under faults (issue 12): {"r":0} only for a line that is whole in
# the file, no torn line ever, rotation without loss, escaped line separators.
#
#   1. disk full: the log on a small tmpfs (mount -t tmpfs; where mounting is not allowed,
#      a file size limit, ulimit -f, stands in and the "space comes back" half is skipped with
#      a message: the injected-fault unit test test_logfile covers it). A client logs 2 KB
#      lines while the disk fills and empties again, for durability flush and group. Every
#      line answered {"r":0} is in the file exactly once, none answered {"r":1} is, every line
#      of the file is a complete record, lines are stored again after space returns, and the
#      server counted the failed writes.
#   2. SIGHUP after a move (logrotate): the server lives on, the path is reopened, every
#      acknowledged line is in the old or the new file exactly once.
#   3. the file moved without a signal (noticed within 1 s, the path reopened), then deleted
#      (noticed at the next write): no acknowledged line lost, none written twice.
#   4. U+2028, U+2029, U+0085 in a message are written as \u2028, \u2029, \u0085.
#   5. SIGTERM: status 0.
#   6. deleted, then the server killed (SIGKILL) 0.2 s later, for flush and group: every line
#      acknowledged after the deletion is in the new file.
#   7. `truncate -s 37` of the log while a client logs: the next record starts on a new line.
#   8. a FIFO as the log: refused at start without a reader; with one, stored; the reader gone,
#      {"r":1} (nothing of it reaches a later reader); SIGHUP without a reader refused.
#   9. a slow fsync stalls no connection (L7): every fsync takes 2 s (slowsync.so); group:
#      while client A's turn is fsynced, client B's full handshake on the connect port completes
#      before A's {"r":0}; interval: B's handshake completes during the interval's fsync.
#
#   tests/scripts/server-durability.sh BUILD       (PRESSURE_HEAVY=1: more and longer)
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")/../hostile" && pwd)
# shellcheck source=../hostile/server-lib.sh
. "$here/server-lib.sh"
make --no-print-directory -s BUILD="$build" hostile-tools || { echo "durability: build failed"; exit 1; }
work=$(mktemp -d /tmp/rproto-durability.XXXXXX)
mnt=$work/mnt
mounted=0
cleanup() {
    [ -n "${loop:-}" ] && kill "$loop" 2>/dev/null
    [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    [ "$mounted" -eq 1 ] && umount "$mnt" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
heavy=${PRESSURE_HEAVY:-0}
lines=300; [ "$heavy" = 1 ] && lines=3000
problems=0
fail() { echo "durability: FAIL: $*"; problems=$((problems + 1)); }
P=("$build/hostile/pressure" --client-key "$KEYS_A/client-private.pem" --client-pub "$KEYS_A/client-public.pem")

stat_of() { sed -E "s/.* $1=([0-9]+).*/\1/" "$2"; }

# Every line of the log file is one whole record; every "ok" tag of the client's list is in
# the files given exactly once and no "r1" tag is in them. $1 = client list, rest = files.
check_lines() {
    local list=$1; shift
    local bad
    bad=$(cat "$@" | grep -cvE '^\{"client_id":"[a-z]{16}","logger":"default","level":"info","msg":".*","app":"","datetime":[0-9]+\}$')
    [ "$bad" -eq 0 ] || fail "$bad lines of $* are not whole records"
    cat "$@" | sed -E 's/.*"msg":"([^ "]*)[ "].*/\1/' | sort > "$work/stored"
    local dup; dup=$(uniq -d "$work/stored" | wc -l)
    [ "$dup" -eq 0 ] || fail "$dup lines stored twice"
    awk '$1 == "ok" {print $2}' "$list" | sort > "$work/acked"
    awk '$1 == "r1" {print $2}' "$list" | sort > "$work/refused"
    local lost; lost=$(comm -23 "$work/acked" "$work/stored" | wc -l)
    [ "$lost" -eq 0 ] || fail "$lost acknowledged lines are not in the file"
    local ghost; ghost=$(comm -12 "$work/refused" "$work/stored" | wc -l)
    [ "$ghost" -eq 0 ] || fail "$ghost lines answered {\"r\":1} are in the file"
}

# ---- 1. disk full ---------------------------------------------------------------------------
mkdir -p "$mnt"
if [ "${DURABILITY_NO_MOUNT:-0}" != 1 ] && mount -t tmpfs -o size=1m tmpfs "$mnt" 2>/dev/null; then
    mounted=1
fi
for mode in flush group; do
    if [ "$mounted" -eq 1 ]; then
        rm -f "$mnt"/*
        # leave about 96 KiB free: the client's 2 KB lines fill it after ~45 lines
        head -c $((1024 * 1024 - 96 * 1024)) /dev/zero > "$mnt/filler" 2>/dev/null
        log=$mnt/log.jsonl
        start_server "$build" "$work/s-$mode" "" --log-file "$log" --durability "$mode" \
            --stats-file "$work/s-$mode/stats" || exit 1
    else
        log=$work/s-$mode/full.jsonl
        mkdir -p "$work/s-$mode"
        # 96 blocks of 1 KiB: the same ~45 lines, then EFBIG for good
        printf '{}' > "$work/s-$mode/empty.json"
        rm -f "$work/s-$mode/ports"
        ( ulimit -f 96; exec "$build/residue-server" --config "$work/s-$mode/empty.json" --connect-port 0 \
            --logging-port 0 --log-file "$log" --durability "$mode" --ports-file "$work/s-$mode/ports" \
            --stats-file "$work/s-$mode/stats" ) >"$work/s-$mode/server.out" 2>"$work/s-$mode/server.err" &
        SERVER_PID=$!
        for _ in $(seq 100); do [ -s "$work/s-$mode/ports" ] && break; sleep 0.05; done
        CPORT=$(sed -E 's/.*connect_port=([0-9]+).*/\1/' "$work/s-$mode/ports")
    fi
    list=$work/list-$mode
    "${P[@]}" --connect-port "$CPORT" log-loop --out "$list" --lines "$lines" --msg-bytes 2000 \
        --interval-ms 5 --tag "full$mode" > "$work/loop.out" &
    loop=$!
    for _ in $(seq 200); do n=$(grep -c '^r1' "$list" 2>/dev/null); [ "${n:-0}" -ge 20 ] && break; sleep 0.05; done
    refused_before=$(grep -c '^r1' "$list")
    [ "$mounted" -eq 1 ] && rm -f "$mnt/filler"
    wait "$loop"; loop=
    sleep 1.2 # one stats period
    ok=$(grep -c '^ok' "$list"); r1=$(grep -c '^r1' "$list"); er=$(grep -c '^err' "$list")
    stored=$(wc -l < "$log")
    wf=$(stat_of write_failures "$work/s-$mode/stats"); sw=$(stat_of short_writes "$work/s-$mode/stats")
    echo "durability: disk full ($mode$([ "$mounted" -eq 1 ] && echo ', tmpfs 1 MiB' || echo ', ulimit -f')):" \
         "$ok answered {\"r\":0}, $r1 {\"r\":1}, $er errors; $stored lines in the file;" \
         "server counted $wf failed writes ($sw short, cut back)"
    [ "$refused_before" -ge 20 ] || fail "$mode: the full disk never refused a line"
    [ "$er" -eq 0 ] || fail "$mode: $er requests got no reply"
    [ "$wf" -ge "$r1" ] || fail "$mode: $r1 refusals but only $wf failed writes counted"
    [ "$stored" -eq "$ok" ] || fail "$mode: $ok acknowledged but $stored lines stored"
    check_lines "$list" "$log"
    if [ "$mounted" -eq 1 ]; then
        after=$(awk '$1 == "r1" {seen = 1} seen && $1 == "ok" {n++} END {print n + 0}' "$list")
        echo "durability: $mode: $after lines stored after the space came back"
        [ "$after" -ge 100 ] || fail "$mode: writing did not resume when space came back"
    else
        echo "durability: mount is not allowed here: the recovery half is covered by test_logfile only"
    fi
    stop_server
    [ "$SERVER_RC" -eq 0 ] || fail "$mode: server exit status $SERVER_RC"
done

# ---- 2./3. rotation -------------------------------------------------------------------------
start_server "$build" "$work/rot" "" --stats-file "$work/rot/stats" || exit 1
log=$SERVER_LOG
list=$work/list-rot
"${P[@]}" --connect-port "$CPORT" log-loop --out "$list" --lines $((lines * 3)) --interval-ms 5 --tag rot \
    > "$work/loop.out" &
loop=$!
sleep 0.7
mv "$log" "$log.1"; kill -HUP "$SERVER_PID"
sleep 0.5
kill -0 "$SERVER_PID" 2>/dev/null || fail "SIGHUP ended the server"
[ -s "$log" ] || fail "after SIGHUP the path was not reopened"
mv "$log" "$log.2"           # moved, no signal: noticed within 1 s
sleep 1.5
[ -s "$log" ] || fail "a moved log file was not noticed within 1 s"
# Deleted: the client is paused meanwhile so that what the deletion takes can be kept for the
# check (a line stored before the deletion goes with the file and is not written again). The
# line in flight when the client stopped may be answered after the deletion: mark + 1.
kill -STOP "$loop"; sleep 0.1
cp "$log" "$work/deleted"
mark=$(wc -l < "$list")
rm -f "$log"                 # deleted: noticed at the next write, no acknowledged line lost
kill -CONT "$loop"
sleep 0.5
[ -s "$log" ] || fail "a deleted log file was not replaced at the next write"
wait "$loop"; loop=
sleep 1.2
check_lines_rot() {
    # lines acknowledged after the deletion must all be in the new file
    awk -v m="$mark" '$1 == "ok" && NR > m + 1 {print $2}' "$list" | sort > "$work/acked-late"
    sed -E 's/.*"msg":"([^ "]*)[ "].*/\1/' "$log" | sort > "$work/stored-new"
    local lost; lost=$(comm -23 "$work/acked-late" "$work/stored-new" | wc -l)
    [ "$lost" -eq 0 ] || fail "$lost lines acknowledged after the deletion are missing"
}
check_lines_rot
# before the deletion: every line in exactly one of log.1, log.2 and the deleted file
awk -v m="$mark" '$1 == "ok" && NR <= m + 1' "$list" > "$work/list-early"
cat "$log.1" "$log.2" "$work/deleted" "$log" | sed -E 's/.*"msg":"([^ "]*)[ "].*/\1/' | sort > "$work/stored"
lost=$(awk '{print $2}' "$work/list-early" | sort | comm -23 - "$work/stored" | wc -l)
early=$(wc -l < "$work/list-early")
reopens=$(stat_of reopens "$work/rot/stats"); rew=$(stat_of rewritten_lines "$work/rot/stats")
echo "durability: rotation: $(grep -c '^ok' "$list") lines acknowledged; log.1 $(wc -l < "$log.1")," \
     "moved $(wc -l < "$log.2"), deleted $(wc -l < "$work/deleted"), new $(wc -l < "$log") lines;" \
     "$reopens reopens, $rew lines moved into the new file; lost before the deletion: $lost of $early"
[ "$lost" -eq 0 ] || fail "$lost lines acknowledged before the deletion are in none of the files"
[ "$reopens" -ge 3 ] || fail "expected 3 reopens (SIGHUP, move, delete), counted $reopens"
[ "$(grep -c '^ok' "$list")" -eq $((lines * 3)) ] || fail "not every line was acknowledged during rotation"
dups=$(cat "$log.1" "$log.2" "$work/deleted" "$log" | sed -E 's/.*"msg":"([^ "]*)[ "].*/\1/' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "$dups lines in two of the rotated, moved, deleted and new files"

# ---- 4. line separators ---------------------------------------------------------------------
"${P[@]}" --connect-port "$CPORT" log-loop --out "$work/list-sep" --lines 1 \
    --tag "sep$(printf '\xe2\x80\xa8')a$(printf '\xe2\x80\xa9')b$(printf '\xc2\x85')c" > /dev/null
sleep 0.2
if grep -q "$(printf '\xe2\x80\xa8')\|$(printf '\xe2\x80\xa9')\|$(printf '\xc2\x85')" "$log"; then
    fail "a raw U+2028/U+2029/U+0085 reached the log file"
fi
grep -qF 'sep\u2028a\u2029b\u0085c-1' "$log" || fail "the line separators were not written as \\u escapes"
echo "durability: U+2028, U+2029, U+0085 written as \\u2028, \\u2029, \\u0085"

stop_server
echo "durability: server exit status on SIGTERM: $SERVER_RC"
[ "$SERVER_RC" -eq 0 ] || fail "SIGTERM exit status $SERVER_RC"

# ---- 6. deleted, then the server killed at once -----------------------------------------------
# Lines acknowledged after the deletion must be in the new file even when the server dies
# before its once-a-second check (they went into the unlinked inode before, and were lost).
for mode in flush group; do
    start_server "$build" "$work/kill-$mode" "" --durability "$mode" || exit 1
    log=$SERVER_LOG
    list=$work/list-kill-$mode
    "${P[@]}" --connect-port "$CPORT" log-loop --out "$list" --lines 400 --interval-ms 2 \
        --tag "kill$mode" > "$work/loop.out" 2>&1 &
    loop=$!
    sleep 0.5
    kill -STOP "$loop"; sleep 0.05
    mark=$(wc -l < "$list")
    rm -f "$log"
    kill -CONT "$loop"
    sleep 0.2
    kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
    wait "$loop"; loop=
    awk -v m="$mark" '$1 == "ok" && NR > m + 1 {print $2}' "$list" | sort > "$work/acked-late"
    sed -E 's/.*"msg":"([^ "]*)[ "].*/\1/' "$log" 2>/dev/null | sort > "$work/stored-new"
    late=$(wc -l < "$work/acked-late")
    lost=$(comm -23 "$work/acked-late" "$work/stored-new" | wc -l)
    echo "durability: deleted, killed 0.2 s later ($mode): $late lines acknowledged after the" \
         "deletion, $lost of them not in the new file"
    [ "$late" -ge 10 ] || fail "$mode: only $late lines acknowledged between the deletion and the kill"
    [ "$lost" -eq 0 ] || fail "$mode: $lost lines acknowledged after the deletion were lost with the server"
done

# ---- 7. truncated to the middle of a line ------------------------------------------------------
# `truncate -s 37` while a client logs: the 37 bytes left are one broken line of their own, the
# next record is not glued to them, and every line acknowledged after it is a whole record.
start_server "$build" "$work/cut" "" || exit 1
log=$SERVER_LOG
list=$work/list-cut
"${P[@]}" --connect-port "$CPORT" log-loop --out "$list" --lines 200 --interval-ms 2 --tag cut \
    > "$work/loop.out" 2>&1 &
loop=$!
sleep 0.3
kill -STOP "$loop"; sleep 0.05
mark=$(wc -l < "$list")
truncate -s 37 "$log"
kill -CONT "$loop"
wait "$loop"; loop=
stop_server
first=$(head -n 1 "$log" | wc -c)
tail -n +2 "$log" > "$work/cut-rest"
awk -v m="$mark" '$1 == "ok" && NR > m + 1' "$list" > "$work/list-cut-late"
echo "durability: truncated to 37 bytes mid-line: first line now $((first - 1)) bytes," \
     "$(wc -l < "$work/cut-rest") lines after it"
[ "$first" -eq 38 ] || fail "the 37 bytes left by the truncation were continued by a record ($first bytes with its newline)"
check_lines "$work/list-cut-late" "$work/cut-rest"
# ---- 8. a FIFO as the log file ------------------------------------------------------------------
# No reader: refused at start (exit 2). With a reader: stored. The reader gone: {"r":1} (EPIPE),
# none of those lines reaches the next reader, SIGHUP's reopen is refused and the old
# descriptor kept, SIGTERM still exits 0.
fifo=$work/log.fifo
mkfifo "$fifo"
timeout 10 "$build/residue-server" --connect-port 0 --logging-port 0 --log-file "$fifo" \
    > "$work/fifo-none.out" 2> "$work/fifo-none.err"
rc=$?
if [ "$rc" -ne 2 ] || ! grep -qF "residue-server: --log-file: io error: $fifo is a FIFO that no process reads" "$work/fifo-none.err"; then
    fail "a FIFO without a reader: exit $rc (want 2), stderr: $(head -c 300 "$work/fifo-none.err")"
else
    echo "durability: FIFO without a reader: refused at start (exit 2)"
fi
# A reader blocked in its open counts as one: the server's non-blocking open then finds it.
# Wait until it is there (the kernel names the wait), at most 5 s where /proc does not say.
reader_waiting() {
    for _ in $(seq 100); do
        grep -q partner "/proc/$1/wchan" 2>/dev/null && return 0
        sleep 0.05
    done
}
cat "$fifo" > "$work/fifo-read" &
reader=$!
reader_waiting "$reader"
start_server "$build" "$work/fifo" "" --log-file "$fifo" || exit 1
"${P[@]}" --connect-port "$CPORT" log-loop --out "$work/list-fifo-a" --lines 20 --tag fifoa > /dev/null
for _ in $(seq 40); do [ "$(wc -l < "$work/fifo-read")" -ge 20 ] && break; sleep 0.05; done
kill "$reader"; wait "$reader" 2>/dev/null
"${P[@]}" --connect-port "$CPORT" log-loop --out "$work/list-fifo-b" --lines 5 --tag fifob > /dev/null
kill -HUP "$SERVER_PID"
for _ in $(seq 100); do grep -q 'SIGHUP: could not reopen' "$work/fifo/server.err" && break; sleep 0.05; done
cat "$fifo" > "$work/fifo-read2" &
reader=$!
reader_waiting "$reader"
"${P[@]}" --connect-port "$CPORT" log-loop --out "$work/list-fifo-c" --lines 5 --tag fifoc > /dev/null
for _ in $(seq 40); do [ "$(wc -l < "$work/fifo-read2")" -ge 5 ] && break; sleep 0.05; done
stop_server
wait "$reader" 2>/dev/null # EOF once the server closed its end
a_ok=$(grep -c '^ok ' "$work/list-fifo-a"); b_r1=$(grep -c '^r1 ' "$work/list-fifo-b")
c_ok=$(grep -c '^ok ' "$work/list-fifo-c")
echo "durability: FIFO: $a_ok of 20 stored while read; reader gone: $b_r1 of 5 answered {\"r\":1};" \
     "a new reader: $c_ok of 5 stored, $(grep -c fifob "$work/fifo-read2") refused lines reach it"
[ "$a_ok" -eq 20 ] || fail "FIFO with a reader: $a_ok of 20 lines acknowledged"
[ "$b_r1" -eq 5 ] || fail "FIFO whose reader went away: $b_r1 of 5 lines answered {\"r\":1}"
[ "$c_ok" -eq 5 ] || fail "FIFO with a new reader: $c_ok of 5 lines acknowledged"
check_lines "$work/list-fifo-a" "$work/fifo-read"
check_lines "$work/list-fifo-c" "$work/fifo-read2"
grep -q fifob "$work/fifo-read" "$work/fifo-read2" && fail "a line answered {\"r\":1} reached a reader"
grep -q 'write .*: Broken pipe' "$work/fifo/server.err" || fail "no Broken pipe reported: $(head -c 300 "$work/fifo/server.err")"
grep -q 'SIGHUP: could not reopen the log file, still writing the old one: .*is a FIFO that no process reads' \
    "$work/fifo/server.err" || fail "SIGHUP without a reader not reported: $(head -c 500 "$work/fifo/server.err")"
[ "$SERVER_RC" -eq 0 ] || fail "FIFO server: SIGTERM exit status $SERVER_RC"

# ---- 9. a slow fsync stalls no connection ------------------------------------------------------
# The fsync runs on the server's sync thread: the loop keeps serving. Orders, not timings:
# pressure sync-stall waits until slowsync.so marks the fsync started, then handshakes, and
# says whether that finished before A's reply and before the fsync's end mark.
make --no-print-directory -s BUILD="$build" "$build/hostile/slowsync.so" || { echo "durability: slowsync.so build failed"; exit 1; }
shim=$(cd "$build/hostile" && pwd)/slowsync.so
for mode in group interval; do
    mark=$work/fsync-mark-$mode
    rm -f "$mark"
    export LD_PRELOAD=$shim RP_SLOW_FSYNC_MS=2000 RP_SLOW_FSYNC_MARK=$mark
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
    start_server "$build" "$work/slow-$mode" "" --durability "$mode" --durability-interval-ms 100 || exit 1
    unset LD_PRELOAD RP_SLOW_FSYNC_MS RP_SLOW_FSYNC_MARK
    "${P[@]}" --connect-port "$CPORT" sync-stall --mark "$mark" > "$work/stall-$mode.out" 2>&1
    src=$?
    out=$(head -c 400 "$work/stall-$mode.out")
    echo "durability: fsyncs of 2 s ($mode): $out"
    [ "$src" -eq 0 ] || fail "$mode: sync-stall failed (status $src)"
    echo "$out" | grep -q 'log_r=0 ' || fail "$mode: client A's line was not answered {\"r\":0}"
    if [ "$mode" = group ]; then
        echo "$out" | grep -q 'handshake_before_reply=yes' ||
            fail "group: client B's handshake waited for client A's fsync (the event loop was stalled)"
    fi
    echo "$out" | grep -q 'handshake_during_fsync=yes' ||
        fail "$mode: client B's handshake did not complete while the fsync ran (the event loop was stalled)"
    stop_server
    [ "$SERVER_RC" -eq 0 ] || fail "$mode: slow fsync server: SIGTERM exit status $SERVER_RC"
    grep -q '"msg":"stall-1"' "$SERVER_LOG" || fail "$mode: client A's line is not in the log file"
done

if [ "$problems" -eq 0 ]; then echo "durability: PASS"; else echo "durability: $problems problem(s)"; exit 1; fi
