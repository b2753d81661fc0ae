#!/bin/bash
# tsp-pingpong rr (1 B and 1 KiB, loopback) as plain TCP and spliced, in three
# pinnings: the server on CPU 1 and the client free (the bench's
# pingpong_unpinned), the client on CPU 1 and the server free, and both free;
# with --stats on both ends (receive calls, sleeps, migrations and affine
# wake-ups per op). A side run, not part of `make bench`:
#   tests/integration/run --script bench/pingpong-pinning.sh > OUT
#   bench/pingpong_pinning.py OUT          # the markdown table
# Env: TSP_BENCH_REPS (default 5), TSP_BENCH_SECS (default 3).
# Each output line: "PP orient=srv1|cli1|free rep=N mode=baseline|splice size=N
# paired=N | CLIENT LINE | SERVER LINE".
set -u
sysctl -qw kernel.sched_schedstats=1 2>/dev/null || echo "no schedstats: no wake-up counts"
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
CG=/sys/fs/cgroup/tsp-pp
mkdir -p $CG
echo $$ >$CG/cgroup.procs
PORT=12867
REPS=${TSP_BENCH_REPS:-5}
SECS=${TSP_BENCH_SECS:-3}
LOG=/tmp/tsp-pp-server.log
pairs() { awk '$1 == "pairs_total" { print $2 }' /proc/net/tcp_splice; }
for orient in srv1 cli1 free; do
	sargs=() cargs=()
	[ $orient = srv1 ] && sargs=(--cpu 1)
	[ $orient = cli1 ] && cargs=(--cpu 1)
	tsp-pingpong server --tcp 127.0.0.1:$PORT --stats "${sargs[@]}" >$LOG &
	server=$!
	for _ in $(seq 50); do grep -q listening $LOG && break; sleep 0.1; done
	for rep in $(seq "$REPS"); do
		for mode in baseline splice; do
			tcp-splice-ctl disable >/dev/null 2>&1
			if [ $mode = splice ]; then
				tcp-splice-ctl enable --cgroup $CG --ports $PORT >/dev/null || echo "enable failed"
			fi
			for size in 1 1024; do
				n0=$(wc -l <$LOG) p0=$(pairs)
				line=$(timeout $((SECS + 20)) tsp-pingpong client --tcp 127.0.0.1:$PORT \
					--size $size --secs "$SECS" --stats "${cargs[@]}" 2>&1 | tail -n 1)
				# The server's line follows the client's close.
				for _ in $(seq 50); do [ "$(wc -l <$LOG)" -gt "$n0" ] && break; sleep 0.1; done
				echo "PP orient=$orient rep=$rep mode=$mode size=$size paired=$(($(pairs) - p0))" \
					"| $line | $(tail -n +$((n0 + 1)) $LOG | tail -n 1)"
			done
		done
	done
	kill $server
	wait $server 2>/dev/null
done
tcp-splice-ctl disable >/dev/null 2>&1
