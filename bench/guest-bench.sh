#!/bin/bash
# Benchmarks, run inside the guest by `tests/integration/run --bench`.
# Every cell is measured in this one boot: baseline TCP, splice, and
# splice + busy-poll (net.core.busy_read=50) one after the other, netperf
# pinned with -T 0,1.
# Writes one JSON record per cell to $TSP_OUT/bench.jsonl.
set -u
OUT=$TSP_OUT/bench.jsonl
: >"$OUT"
CG=/sys/fs/cgroup/tsp-bench
mkdir -p $CG
SECS=${TSP_BENCH_SECS:-5}
DATA_PORT=12866
REDIS_PORT=6379

ip link add tsp-bbr type bridge && ip link set tsp-bbr up
for n in a b; do
	ip netns add tsp-b$n
	ip link add tsp-b$n type veth peer name eth0 netns tsp-b$n
	ip link set tsp-b$n master tsp-bbr up
	ip -n tsp-b$n link set lo up
	ip -n tsp-b$n link set eth0 up
done
ip -n tsp-ba addr add 10.80.0.1/24 dev eth0
ip -n tsp-bb addr add 10.80.0.2/24 dev eth0

# in_cg [NETNS] CMD...: run in the bench cgroup (and netns).
in_cg() {
	if [ "$1" = loopback ]; then
		shift
		bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' $CG "$@"
	else
		local ns=$1
		shift
		bash -c 'echo $$ >"$0/cgroup.procs" && exec ip netns exec "$@"' $CG "$ns" "$@"
	fi
}

# Busy CPU percent of the whole guest between two /proc/stat samples.
cpu_sample() { awk '/^cpu / { print $2+$3+$4+$6+$7+$8, $5 }' /proc/stat; }
cpu_busy() { # BEFORE AFTER
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		busy = y[1] - x[1]; idle = y[2] - x[2];
		printf "%.1f", (busy + idle) ? 100 * busy / (busy + idle) : 0 }'
}

record() { # TEST SIZE PATH MODE VALUE UNIT CPU
	printf '{"test":"%s","size":%s,"path":"%s","mode":"%s","value":%s,"unit":"%s","cpu_pct":%s}\n' \
		"$@" >>"$OUT"
	echo "$*"
}

netperf_cell() { # MODE PATH HOST TEST SIZE
	local mode=$1 path=$2 host=$3 test=$4 size=$5 ns=loopback args line before after
	[ "$path" = netns ] && ns=tsp-ba
	if [ "$test" = TCP_RR ]; then args="-r $size,$size"; else args="-m $size"; fi
	before=$(cpu_sample)
	line=$(in_cg $ns netperf -P 0 -H "$host" -t "$test" -l "$SECS" -T 0,1 -- -P ,$DATA_PORT $args \
		-o THROUGHPUT,THROUGHPUT_UNITS 2>&1 | tail -n 1)
	after=$(cpu_sample)
	local value=${line%%,*} unit=${line#*,}
	[[ "$value" =~ ^[0-9.]+$ ]] || { echo "netperf failed: $line"; value=0 unit=error; }
	record "$test" "$size" "$path" "$mode" "$value" "$unit" "$(cpu_busy "$before" "$after")"
}

redis_cell() { # MODE CONC
	local mode=$1 conc=$2 line before after n=$((SECS * 4000))
	before=$(cpu_sample)
	line=$(in_cg tsp-ba redis-benchmark -h 10.80.0.2 -p $REDIS_PORT -t get -c "$conc" -n $n --csv 2>&1 |
		awk -F'"' '$2 == "GET" { print $4 }')
	after=$(cpu_sample)
	[[ "$line" =~ ^[0-9.]+$ ]] || { echo "redis-benchmark failed"; line=0; }
	record redis_get "$conc" netns "$mode" "$line" ops/s "$(cpu_busy "$before" "$after")"
}

in_cg loopback netserver -L 127.0.0.1 -p 12865 >/dev/null 2>&1
in_cg tsp-bb netserver -L 10.80.0.2 -p 12865 >/dev/null 2>&1
in_cg tsp-bb redis-server --port $REDIS_PORT --bind 10.80.0.2 --protected-mode no --save '' --appendonly no \
	--daemonize yes >/dev/null
sleep 1

# Modes alternate per cell, so drift over the run (TCG is noisy) hits all
# three alike.
set_mode() {
	tcp-splice-ctl disable >/dev/null 2>&1
	sysctl -qw net.core.busy_read=0
	case $1 in
	splice) tcp-splice-ctl enable --cgroup $CG --ports $DATA_PORT,$REDIS_PORT >/dev/null ;;
	splice+busy)
		tcp-splice-ctl enable --cgroup $CG --ports $DATA_PORT,$REDIS_PORT --busy-poll-us 50 \
			>/dev/null
		;;
	esac
}
MODES="baseline splice splice+busy"
for size in 1 64 1024 16384 65536; do
	for path in loopback netns; do
		host=127.0.0.1
		[ $path = netns ] && host=10.80.0.2
		for mode in $MODES; do
			set_mode $mode
			netperf_cell $mode $path $host TCP_RR $size
		done
	done
done
for size in 1024 4096 16384; do
	for mode in $MODES; do
		set_mode $mode
		netperf_cell $mode netns 10.80.0.2 TCP_STREAM $size
	done
done
for conc in 1 50; do
	for mode in $MODES; do
		set_mode $mode
		redis_cell $mode $conc
	done
done
cat /proc/net/tcp_splice
set_mode baseline
