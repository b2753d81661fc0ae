#!/bin/bash
# Benchmarks, run inside the guest by `tests/integration/run --bench`.
# Every cell is measured in this one boot: baseline TCP, splice, and
# splice + busy-poll (net.core.busy_read and busy_poll at 50 us) one after the other, netperf
# pinned with -T 0,1 (loopback, two netns on a bridge, and through a
# ClusterIP DNAT between routed pods); the whole matrix is repeated TSP_BENCH_REPS times
# (default 5) so the report can take medians.
# Two peers beside them, in the same boot: "sockmap" (plain TCP with the
# sk_msg redirect of tsp-sockmap on the bench cgroup, as service meshes
# short-cut local sockets) and "unix" (an AF_UNIX stream socket, tsp-pingpong,
# pinned as netperf: the floor of a local byte stream). Unix is recorded on
# path loopback only (a unix socket does not cross a netns; report.py sets
# netns rows beside the loopback value of the same size and repetition).
# And pingpong_unpinned: tsp-pingpong's plain ping-pong with the server on
# CPU 1 and the client left to the scheduler (the 1 KB anomaly case).
# TSP_BENCH_CELLS (comma list, default all) runs a subset:
#   rr,stream,redis,clusterip,conn,pingpong
# TSP_BENCH_PROFILE: cells to profile after the repetitions (see below).
# Writes one JSON record per cell and repetition to $TSP_OUT/bench.jsonl.
set -u
OUT=$TSP_OUT/bench.jsonl
: >"$OUT"
# TSP_BENCH_CGROUP: another cgroup-v2 directory, for a dry run outside the
# guest (whose cgroup2 is at /sys/fs/cgroup).
CG=${TSP_BENCH_CGROUP:-/sys/fs/cgroup/tsp-bench}
mkdir -p $CG
SECS=${TSP_BENCH_SECS:-5}
REPS=${TSP_BENCH_REPS:-5}
REP=0
DATA_PORT=12866
REDIS_PORT=6379
PP_PORT=12867 # tsp-pingpong over TCP
PP_SOCK=/run/tsp-bench-pingpong.sock
CONN_PORT=7960 # tsp-waiters: waiting ends on it, fresh connections on the next
PORTS=$DATA_PORT,$REDIS_PORT,$PP_PORT,$CONN_PORT,$((CONN_PORT + 1)) # spliced / redirected
CELLS=,${TSP_BENCH_CELLS:-rr,stream,redis,clusterip,conn,pingpong},
# want CELL: whether TSP_BENCH_CELLS includes it.
want() { [[ "$CELLS" == *",$1,"* ]]; }

source "$TSP_LIB/netns.sh"
bridge_netns tsp-bbr 10.80.0 tsp-ba tsp-bb
# A Kubernetes ClusterIP: routed pods (as CNIs without a bridge), the
# Service 10.96.0.20 DNAT'd by the rules kube-proxy writes (iptables mode).
sysctl -qw net.ipv4.ip_forward=1
routed_pod tsp-bca 10.244.9.2
routed_pod tsp-bcb 10.244.9.3
for port in 12865 $DATA_PORT $REDIS_PORT; do
	iptables -t nat -A PREROUTING -d 10.96.0.20/32 -p tcp --dport $port \
		-j DNAT --to-destination 10.244.9.3:$port
done
# in_cg NETNS|loopback CMD...: run in the bench cgroup (and netns).
in_cg() {
	local ns=$1
	shift
	[ "$ns" = loopback ] && ns=
	run_in $CG $ns -- "$@"
}

# /proc/stat sample: busy and idle jiffies of the whole guest, context
# switches, and the time in ns.
cpu_sample() {
	awk '/^cpu / { b = $2+$3+$4+$6+$7+$8; i = $5 } /^ctxt / { c = $2 }
		END { print b, i, c }' /proc/stat
	date +%s%N
}
# Busy percent and context switches per second between two samples.
cpu_busy() { # BEFORE AFTER
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		busy = y[1] - x[1]; idle = y[2] - x[2]; secs = (y[4] - x[4]) / 1e9;
		# Parenthesised: a bare ">" in printf arguments is a redirection.
		printf "%.1f %.0f", ((busy + idle) ? 100 * busy / (busy + idle) : 0),
			((secs > 0) ? (y[3] - x[3]) / secs : 0) }'
}

record() { # TEST SIZE PATH MODE VALUE UNIT "CPU CTXT"
	local cpu=${7% *} ctxt=${7#* }
	printf '{"test":"%s","size":%s,"path":"%s","mode":"%s","value":%s,"unit":"%s","cpu_pct":%s,"ctxt_per_s":%s,"rep":%s,"ncpu":%s}\n' \
		"$1" "$2" "$3" "$4" "$5" "$6" "$cpu" "$ctxt" "$REP" "$(nproc)" >>"$OUT"
	echo "$*"
}

netperf_cell() { # MODE PATH HOST TEST SIZE
	local mode=$1 path=$2 host=$3 test=$4 size=$5 ns=loopback args line before after
	[ "$path" = netns ] && ns=tsp-ba
	[ "$path" = clusterip ] && ns=tsp-bca
	if [ "$test" = TCP_RR ]; then args="-r $size,$size"; else args="-m $size"; fi
	before=$(cpu_sample | paste -sd' ')
	line=$(in_cg $ns netperf -P 0 -H "$host" -t "$test" -l "$SECS" -T 0,1 -- -P ,$DATA_PORT $args \
		-o THROUGHPUT,THROUGHPUT_UNITS 2>&1 | tail -n 1)
	after=$(cpu_sample | paste -sd' ')
	local value=${line%%,*} unit=${line#*,}
	[[ "$value" =~ ^[0-9.]+$ ]] || { echo "netperf failed: $line"; value=0 unit=error; }
	record "$test" "$size" "$path" "$mode" "$value" "$unit" "$(cpu_busy "$before" "$after")"
}

# Connection setup with W ends already waiting in the registry for peers
# that never come (TCP_DEFER_ACCEPT): connect, accept, 1 B each way, close;
# FRESH such connections (default 2000). In splice mode every fresh
# connection must have paired (pairs_total), or the cell is not recorded as
# a splice value; in attached mode (the program on the cgroup, no port
# enabled: what its callbacks cost a connection) none may have.
conn_cell() { # MODE WAITING [FRESH]
	local mode=$1 waiting=$2 fresh=${3:-2000} line before after pairs0 pairs unit=conn/s
	pairs0=$(pairs_total)
	before=$(cpu_sample | paste -sd' ')
	line=$(in_cg loopback tsp-waiters --waiting "$waiting" --fresh "$fresh" --port $CONN_PORT 2>&1 |
		sed -n 's/.*fresh connections.*: \([0-9]*\)\/s, 0 failed/\1/p')
	after=$(cpu_sample | paste -sd' ')
	pairs=$(($(pairs_total) - pairs0))
	[[ "$line" =~ ^[0-9]+$ ]] || { echo "tsp-waiters failed"; line=0 unit=error; }
	if [ "$mode" = splice ] && [ "$pairs" -lt "$fresh" ]; then
		echo "conn_setup: $pairs of $fresh fresh connections paired"
		line=0 unit=error
	fi
	if [ "$mode" = attached ] && [ "$pairs" -ne 0 ]; then
		echo "conn_setup: $pairs connections paired with no port enabled"
		line=0 unit=error
	fi
	record conn_setup "$waiting" loopback "$mode" "$line" "$unit" "$(cpu_busy "$before" "$after")"
}
pairs_total() { awk '$1 == "pairs_total" { print $2 }' /proc/net/tcp_splice; }

# tsp-pingpong: the unix peer of TCP_RR and TCP_STREAM (client on CPU 0,
# server on CPU 1, as netperf -T 0,1), and pingpong_unpinned (the client not
# pinned) over unix or TCP.
pingpong_cell() { # MODE PATH TEST SIZE
	local mode=$1 path=$2 test=$3 size=$4 ns=loopback line before after
	local target=(--tcp "127.0.0.1:$PP_PORT") pin=(--cpu 0) kind=rr field=ops_per_s unit=Trans/s
	[ "$path" = netns ] && ns=tsp-ba target=(--tcp "10.80.0.2:$PP_PORT")
	[ "$mode" = unix ] && target=(--unix "$PP_SOCK")
	[ "$test" = pingpong_unpinned ] && pin=()
	[ "$test" = TCP_STREAM ] && kind=stream field=mbit_per_s unit=10^6bits/s
	before=$(cpu_sample | paste -sd' ')
	line=$(in_cg $ns tsp-pingpong client "${target[@]}" --mode $kind --size "$size" \
		--secs "$SECS" "${pin[@]}" 2>&1 | tail -n 1)
	after=$(cpu_sample | paste -sd' ')
	local value
	value=$(sed -n "s/^tsp-pingpong: .* $field=\([0-9.]*\).*/\1/p" <<<"$line")
	[[ "$value" =~ ^[0-9.]+$ ]] || { echo "tsp-pingpong failed: $line"; value=0 unit=error; }
	record "$test" "$size" "$path" "$mode" "$value" "$unit" "$(cpu_busy "$before" "$after")"
}

# Requests: about SECS seconds of plain TCP (-c 1 does ~4,000/s in the TCG
# guest, -c 50 ~20,000/s), so setup and teardown stay small beside them.
redis_cell() { # MODE CONC [PATH]
	local mode=$1 conc=$2 path=${3:-netns} line before after n=$((SECS * 4000))
	[ "$conc" -gt 1 ] && n=$((SECS * 20000))
	local ns=tsp-ba host=10.80.0.2
	[ "$path" = clusterip ] && ns=tsp-bca host=10.96.0.20
	before=$(cpu_sample | paste -sd' ')
	line=$(in_cg $ns redis-benchmark -h $host -p $REDIS_PORT -t get -c "$conc" -n $n --csv 2>&1 |
		awk -F'"' '$2 == "GET" { print $4 }')
	after=$(cpu_sample | paste -sd' ')
	[[ "$line" =~ ^[0-9.]+$ ]] || { echo "redis-benchmark failed"; line=0; }
	record redis_get "$conc" "$path" "$mode" "$line" ops/s "$(cpu_busy "$before" "$after")"
}

# TSP_BENCH_RR_SIZES, TSP_BENCH_STREAM_SIZES: a subset of the sizes (comma list).
# TSP_BENCH_SPIN_US: the module's spin_max_us for this run (a TCG guest is
# several times slower than hardware, wake-ups included).
# TSP_BENCH_RING_KB: the module's ring_kbytes for this run.
RR_SIZES=${TSP_BENCH_RR_SIZES:-1,64,1024,16384,65536}
RR_SIZES=${RR_SIZES//,/ }
STREAM_SIZES=${TSP_BENCH_STREAM_SIZES:-1024,4096,16384}
STREAM_SIZES=${STREAM_SIZES//,/ }
if [ -n "${TSP_BENCH_SPIN_US:-}" ]; then
	echo "$TSP_BENCH_SPIN_US" >/sys/module/tcp_splice/parameters/spin_max_us
fi
if [ -n "${TSP_BENCH_RING_KB:-}" ]; then
	echo "$TSP_BENCH_RING_KB" >/sys/module/tcp_splice/parameters/ring_kbytes
fi
echo "spin_max_us=$(cat /sys/module/tcp_splice/parameters/spin_max_us)" \
	"ring_kbytes=$(cat /sys/module/tcp_splice/parameters/ring_kbytes)"
sysctl -qw net.core.somaxconn=262144 net.ipv4.tcp_max_syn_backlog=262144 \
	net.ipv4.tcp_syncookies=0 net.ipv4.ip_local_port_range="10000 65000"
# The ClusterIP rules load conntrack: its table must hold conn_setup's
# 100,000 waiting connections too (a node running kube-proxy raises it).
sysctl -qw net.netfilter.nf_conntrack_max=524288
in_cg loopback netserver -L 127.0.0.1 -p 12865 >/dev/null 2>&1
in_cg tsp-bb netserver -L 10.80.0.2 -p 12865 >/dev/null 2>&1
in_cg tsp-bb redis-server --port $REDIS_PORT --bind 10.80.0.2 --protected-mode no --save '' --appendonly no \
	--daemonize yes >/dev/null
in_cg tsp-bcb netserver -L 10.244.9.3 -p 12865 >/dev/null 2>&1
in_cg tsp-bcb redis-server --port $REDIS_PORT --bind 10.244.9.3 --protected-mode no --save '' \
	--appendonly no --daemonize yes >/dev/null
# tsp-pingpong's servers (unix, loopback TCP, netns TCP), on CPU 1 as
# netserver's side of -T 0,1; left running at the end, as netserver is.
in_cg loopback tsp-pingpong server --unix $PP_SOCK --cpu 1 >/dev/null &
in_cg loopback tsp-pingpong server --tcp 127.0.0.1:$PP_PORT --cpu 1 >/dev/null &
in_cg tsp-bb tsp-pingpong server --tcp 10.80.0.2:$PP_PORT --cpu 1 >/dev/null &
sleep 1
[ -S $PP_SOCK ] || echo "tsp-pingpong: no server at $PP_SOCK"

# The sockmap peer: tsp-sockmap in the background while its mode lasts.
SOCKMAP_PID=
SOCKMAP_LOG=$TSP_OUT/tsp-sockmap.log
stop_sockmap() {
	[ -n "$SOCKMAP_PID" ] || return 0
	kill "$SOCKMAP_PID" 2>/dev/null
	wait "$SOCKMAP_PID"
	SOCKMAP_PID=
	tail -n 1 "$SOCKMAP_LOG" # its counters: redirected, passed
}
start_sockmap() {
	tsp-sockmap --cgroup $CG --ports $PORTS >"$SOCKMAP_LOG" 2>&1 &
	SOCKMAP_PID=$!
	for _ in $(seq 50); do
		grep -q '^tsp-sockmap: attached' "$SOCKMAP_LOG" && return 0
		kill -0 $SOCKMAP_PID 2>/dev/null || break
		sleep 0.1
	done
	echo "tsp-sockmap did not attach: $(cat "$SOCKMAP_LOG")"
	stop_sockmap
	return 1
}

# Modes alternate per cell, so drift over the run (TCG is noisy) hits all
# of them alike. Non-zero when the mode could not be set: the cell is skipped
# (a missing value, not a mislabelled one).
set_mode() {
	stop_sockmap >/dev/null
	tcp-splice-ctl disable >/dev/null 2>&1
	sysctl -qw net.core.busy_read=0
	case $1 in
	splice) tcp-splice-ctl enable --cgroup $CG --ports $PORTS >/dev/null ;;
	splice+busy) tcp-splice-ctl enable --cgroup $CG --ports $PORTS --busy-poll-us 50 >/dev/null ;;
	# The program on the cgroup, its policy matching no port: the hook's own cost.
	attached) tcp-splice-ctl enable --cgroup $CG --ports 1 >/dev/null ;;
	sockmap) start_sockmap ;;
	esac
}
# cell MODE CMD...: set the mode, then run the cell's command.
cell() {
	set_mode "$1" || { echo "skipped: mode $1 not set for: ${*:2}"; return 0; }
	"${@:2}"
}
MODES="baseline splice splice+busy"
PEERS="baseline splice splice+busy sockmap"
for REP in $(seq "$REPS"); do
if want rr; then
	for size in $RR_SIZES; do
		for mode in $PEERS unix; do
			if [ $mode = unix ]; then
				cell unix pingpong_cell unix loopback TCP_RR $size
			else
				cell $mode netperf_cell $mode loopback 127.0.0.1 TCP_RR $size
			fi
		done
		for mode in $PEERS; do
			cell $mode netperf_cell $mode netns 10.80.0.2 TCP_RR $size
		done
	done
fi
if want stream; then
	for size in $STREAM_SIZES; do
		for mode in $PEERS; do
			cell $mode netperf_cell $mode netns 10.80.0.2 TCP_STREAM $size
		done
		cell unix pingpong_cell unix loopback TCP_STREAM $size
	done
fi
if want redis; then
	for conc in 1 50; do
		for mode in $PEERS; do
			cell $mode redis_cell $mode $conc
		done
	done
fi
# Through a ClusterIP DNAT: the rules translate, the pair does not care.
if want clusterip; then
	for mode in $MODES; do
		cell $mode netperf_cell $mode clusterip 10.96.0.20 TCP_RR 1
	done
	for mode in $MODES; do
		cell $mode redis_cell $mode 1 clusterip
	done
fi
if want conn; then
	for waiting in 0 100000; do
		# attached: the hook's cost does not depend on the registry.
		for mode in baseline $([ $waiting = 0 ] && echo attached) splice; do
			cell $mode conn_cell $mode $waiting
		done
	done
fi
if want pingpong; then
	for size in 1 1024; do
		for mode in baseline splice unix; do
			cell $mode pingpong_cell $mode loopback pingpong_unpinned $size
		done
		for mode in baseline splice; do
			cell $mode pingpong_cell $mode netns pingpong_unpinned $size
		done
	done
fi
done

# TSP_BENCH_PROFILE (comma list of cells; empty: none) profiles cells after
# the measured repetitions, each in baseline and splice (and splice+busy for
# the rr_busy cells), with tsp-kprof (a cpu-clock sampler: the guest has no
# perf). Reports in $TSP_OUT/profile/, copied to bench/results/profile/.
# Cells: rr1, rr1k (loopback TCP_RR 1 B / 1 KiB), stream1k, stream16k (netns
# TCP_STREAM), each also as NAME_busy (splice+busy only); redis1, redis50
# (netns); conn (conn_setup with none waiting, about SECS seconds of fresh
# connections).
profile_cell() { # NAME MODE
	local name=$1 mode=$2 out
	mkdir -p "$TSP_OUT/profile"
	out="$TSP_OUT/profile/$name-$mode.txt"
	case $name in
	rr1k*) set -- netperf_cell "$mode" loopback 127.0.0.1 TCP_RR 1024 ;;
	rr1*) set -- netperf_cell "$mode" loopback 127.0.0.1 TCP_RR 1 ;;
	stream1k*) set -- netperf_cell "$mode" netns 10.80.0.2 TCP_STREAM 1024 ;;
	stream16k*) set -- netperf_cell "$mode" netns 10.80.0.2 TCP_STREAM 16384 ;;
	redis1) set -- redis_cell "$mode" 1 ;;
	redis50) set -- redis_cell "$mode" 50 ;;
	conn) set -- conn_cell "$mode" 0 $((SECS * 3000)) ;;
	*) echo "TSP_BENCH_PROFILE: unknown cell $name (rr1, rr1k, stream1k, stream16k, [NAME]_busy, redis1, redis50, conn)"; return 0 ;;
	esac
	set_mode "$mode" || return 0
	tsp-kprof -F 2999 -n 30 -o "$out" -d "$((SECS + 2))" &
	local prof=$!
	sleep 1
	"$@"
	wait $prof
	echo "profile $name $mode: $out"
}
PROFILE=${TSP_BENCH_PROFILE-rr1,rr1k,rr1_busy,rr1k_busy,stream1k_busy,stream16k,redis1,redis50,conn}
for name in ${PROFILE//,/ }; do
	modes="baseline splice"
	[[ $name == *_busy ]] && modes="splice+busy"
	for mode in $modes; do
		OUT=/dev/null profile_cell "$name" "$mode"
	done
done
cat /proc/net/tcp_splice
set_mode baseline
