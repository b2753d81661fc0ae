#!/bin/bash
# Host-tier check of the benchmarks' tsp-pingpong: rr over a unix socket and
# over loopback TCP for 1 s each, and stream over unix, each reporting ops > 0
# (a few seconds in all; the guest bench relies on its closing line); and
# --stats: the client's per-op counts, and the server's "served" line with
# the client's op count.
# Usage: pingpong_check.sh BUILD_DIR.  Closing line: "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/checklib.sh"
bin=$(tool "${1:-build}" tsp-pingpong)
[ -n "$bin" ] || { bad "tsp-pingpong: not built"; finish; }
dir=$(mktemp -d)
# A fixed port: tsp-pingpong names the port it was given, not one the kernel chose.
port=${TSP_PINGPONG_PORT:-47867}
"$bin" server --unix "$dir/pp.sock" --stats >"$dir/unix.log" 2>&1 &
unix_pid=$!
"$bin" server --tcp "127.0.0.1:$port" >"$dir/tcp.log" 2>&1 &
tcp_pid=$!
trap 'kill $unix_pid $tcp_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do
	grep -q listening "$dir/unix.log" && grep -q listening "$dir/tcp.log" && break
	sleep 0.1
done
# run NAME ARGS...: one client run, ok when its closing line has ops > 0.
run() {
	local name=$1 line
	shift
	line=$(timeout 10 "$bin" client "$@" --size 64 --secs 1 2>&1 | tail -n 1)
	if [[ "$line" =~ ops=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
		ok "$name: $line"
	else
		bad "$name: $line"
	fi
}
run "rr over unix" --unix "$dir/pp.sock" --mode rr
run "rr over tcp" --tcp "127.0.0.1:$port" --mode rr
run "stream over unix" --unix "$dir/pp.sock" --mode stream

# --stats: a full 64-byte echo takes at least one receive call per op, and
# the server served exactly the ops the client counted.
served0=$(grep -c '^tsp-pingpong: served' "$dir/unix.log")
line=$(timeout 10 "$bin" client --unix "$dir/pp.sock" --mode rr --size 64 --secs 1 --stats 2>&1 |
	tail -n 1)
for _ in $(seq 50); do
	[ "$(grep -c '^tsp-pingpong: served' "$dir/unix.log")" -gt "$served0" ] && break
	sleep 0.1
done
served=$(grep '^tsp-pingpong: served rr' "$dir/unix.log" | tail -n 1)
if [[ "$line" =~ ' 'ops=([0-9]+).*recvs_per_op=([0-9.]+)' 'vcsw_per_op=[0-9.]+' 'ivcsw_per_op=[0-9.]+ ]] &&
	awk -v r="${BASH_REMATCH[2]}" 'BEGIN { exit !(r >= 1) }' &&
	[[ "$served" == *" ops=${BASH_REMATCH[1]} "*recvs_per_op=* ]]; then
	ok "rr over unix with --stats: $line; $served"
else
	bad "rr over unix with --stats: client '$line', server '$served'"
fi
finish
