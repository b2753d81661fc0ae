#!/bin/bash
# Data plane: both ends pair and every payload byte after the startup
# window moves through the rings, intact and in order: hundreds of
# concurrent pairs with random sizes both ways, Fast Open (bytes before
# either end pairs), IPv6 and v4-mapped, two netns over veth+bridge; a
# one-sided end stays TCP; a forged 4-tuple never pairs; disable with
# live pairs; 50 load/unload cycles; counters back to zero.
# timeout: 1500
source "$TSP_LIB/testlib.sh"
source "$TSP_LIB/netns.sh"

CG=/sys/fs/cgroup/tsp-stream
OUT=/sys/fs/cgroup/tsp-stream-out
mkdir -p $CG $OUT
c() { mod_counter "$1"; }
stream() { run_in $CG -- timeout 600 python3 "$TSP_LIB/stream.py" "$@"; }

sysctl -qw net.ipv4.tcp_fastopen=0x207
check "enable on $CG (any port)" tcp-splice-ctl enable --cgroup $CG

# --- hundreds of concurrent pairs, random sizes, both ways ---
p0=$(c pairs_total) b0=$(c bytes_ring)
check "200 pairs x 2 bursts x 128 KiB each way over 127.0.0.1: intact" \
	stream 127.0.0.1 7100 200 131072 2
check_eq "... 400 pairs made" $((p0 + 400)) "$(c pairs_total)"
check "... at least 95% of the bytes went through the rings" \
	test $(($(c bytes_ring) - b0)) -ge $((400 * 2 * 131072 * 95 / 100))
check "... every pair and socket freed after close" settle
check_eq "... no socket refused" "0 0 0 0" \
	"$(c refused_proto) $(c refused_nomem) $(c refused_ring) $(c refused_sock)"

# --- busy-polling receivers (net.core.busy_read) keep the stream intact ---
sysctl -qw net.core.busy_read=50
p0=$(c pairs_total)
check "busy_read=50: 20 pairs x 256 KiB: intact" stream 127.0.0.1 7110 20 262144 1
check_eq "... 20 pairs made" $((p0 + 20)) "$(c pairs_total)"
sysctl -qw net.core.busy_read=0
check "... freed" settle

# --- the adaptive spin of blocking readers: off, and at its longest ---
SPIN=/sys/module/tcp_splice/parameters/spin_max_us
check_eq "spin_max_us defaults to 200" 200 "$(cat $SPIN)"
port=7111
for us in 0 1000; do
	echo $us >$SPIN
	check "spin_max_us=$us: 20 pairs x 256 KiB: intact" stream 127.0.0.1 $port 20 262144 1
	check "... freed" settle
	port=$((port + 1))
done
echo 200 >$SPIN
# What the spin is, per socket (sock_diag): it grows against measured
# wake-ups in a ping-pong, falls to nothing before an idle peer, and is off
# with spin_max_us=0.
spin_py() { run_in $CG -- timeout 120 python3 "$TSP_LIB/spin.py" "$@"; }
run_in $CG -- tsp-pingpong server --tcp 127.0.0.1:7115 >/dev/null 2>&1 &
pp=$!
sleep 1
check "1 B ping-pong: the server's reader measured its wake-ups and spins" spin_py 7115 busy
check "a byte every 50 ms: that reader stops spinning" spin_py 7115 idle
echo 0 >$SPIN
check "spin_max_us=0: no reader spins or measures" spin_py 7115 off
echo 200 >$SPIN
kill $pp
wait $pp 2>/dev/null
check "... freed" settle

# --- bytes before either end pairs (Fast Open data in the SYN) ---
s0=$(c bytes_startup) p0=$(c pairs_total)
check "Fast Open: 20 pairs, first 1000 B in the SYN, then 256 KiB: intact" \
	stream --tfo 127.0.0.1 7101 20 262144 1
check_eq "... 20 pairs made" $((p0 + 20)) "$(c pairs_total)"
check "... startup bytes were read over TCP before the ring" \
	test $(($(c bytes_startup) - s0)) -gt 0
check "... freed" settle

# --- IPv6 ---
p0=$(c pairs_total)
check "::1: 20 pairs x 256 KiB: intact" stream ::1 7102 20 262144 1
check "v4-mapped ::ffff:127.0.0.1: 20 pairs x 256 KiB: intact" \
	stream ::ffff:127.0.0.1 7103 20 262144 1
check_eq "... 40 pairs made" $((p0 + 40)) "$(c pairs_total)"
check "... freed" settle

# --- two netns over veth+bridge ---
bridge_netns tsp-br1 10.78.0 tsp-sa tsp-sb
p0=$(c pairs_total)
run_in $CG tsp-sb -- timeout 600 python3 "$TSP_LIB/stream.py" --serve 10.78.0.2 7200 50 262144 1 \
	>/tmp/ns-serve.out 2>&1 &
srv=$!
check "netns a -> netns b over the bridge: 50 pairs x 256 KiB: intact" \
	run_in $CG tsp-sa -- timeout 600 python3 "$TSP_LIB/stream.py" --connect 10.78.0.2 7200 50 262144 1
check_wait "... server side intact too" $srv
cat /tmp/ns-serve.out
check_eq "... 50 pairs made across namespaces" $((p0 + 50)) "$(c pairs_total)"
check "... freed" settle

# --- one-sided: the other end is outside the cgroup ---
p0=$(c pairs_total)
run_in $CG -- python3 "$TSP_LIB/hold.py" serve 127.0.0.1 7300 3 &
srv=$!
check "server in the cgroup, client outside: works over TCP" \
	run_in $OUT -- python3 "$TSP_LIB/hold.py" connect 127.0.0.1 7300 0 0
wait $srv
check_eq "... no pair made" "$p0" "$(c pairs_total)"
check "... the waiting end left nothing behind" settle

# --- a forged 4-tuple in another namespace never pairs ---
# Two isolated netns pairs with the same addresses and ports. In f only the
# server is in the cgroup: its client's SYN carries no token, so it is never
# offered and nothing waits. g, the same 4-tuple with both ends in the
# cgroup, pairs with itself only.
for n in fa fb ga gb; do ip netns add tsp-$n; ip -n tsp-$n link set lo up; done
ip link add eth0 netns tsp-fa type veth peer name eth0 netns tsp-fb
ip link add eth0 netns tsp-ga type veth peer name eth0 netns tsp-gb
for n in fa ga; do ip -n tsp-$n addr add 10.79.0.1/24 dev eth0; ip -n tsp-$n link set eth0 up; done
for n in fb gb; do ip -n tsp-$n addr add 10.79.0.2/24 dev eth0; ip -n tsp-$n link set eth0 up; done
p0=$(c pairs_total) n0=$(prog_counter peer_no_option)
run_in $CG tsp-fb -- python3 "$TSP_LIB/hold.py" serve 10.79.0.2 7400 20 &
fsrv=$!
run_in $OUT tsp-fa -- python3 "$TSP_LIB/hold.py" connect 10.79.0.2 7400 40000 20 &
fcli=$!
sleep 3
check "... an end whose peer sent no token is not offered (counted)" \
	test "$(prog_counter peer_no_option)" -gt "$n0"
check_eq "... and nothing waits in the registry" 0 "$(c waiting)"
run_in $CG tsp-gb -- timeout 300 python3 "$TSP_LIB/stream.py" --serve 10.79.0.2 7400 1 1048576 1 \
	>/tmp/forge-serve.out 2>&1 &
gsrv=$!
check "same 4-tuple in another netns pair: 1 MiB each way intact" \
	run_in $CG tsp-ga -- timeout 300 python3 "$TSP_LIB/stream.py" --connect --bind-port 40000 \
	10.79.0.2 7400 1 1048576 1
check_wait "... its server side intact" $gsrv
check_eq "... exactly one pair made (the real one)" $((p0 + 1)) "$(c pairs_total)"
check_wait "... the other connection still works over TCP" $fcli
wait $fsrv
check "... freed" settle

# --- disable with live pairs: they keep their rings until they close ---
p0=$(c pairs_total)
run_in $CG -- python3 "$TSP_LIB/hold.py" serve 127.0.0.1 7500 15 &
hsrv=$!
run_in $CG -- python3 "$TSP_LIB/hold.py" connect 127.0.0.1 7500 0 15 &
hcli=$!
stream 127.0.0.1 7501 4 4194304 2 >/tmp/live.out 2>&1 &
live=$!
for _ in $(seq 100); do [ "$(c pairs_live)" -ge 2 ] && break; sleep 0.1; done
check "pairs live" test "$(c pairs_live)" -ge 2
check "the live pair list shows the held pair (both ends, netns, bytes, fill)" grep -Eq \
	'a=127\.0\.0\.1:[0-9]+ b=127\.0\.0\.1:[0-9]+ netns_a=[0-9]+ netns_b=[0-9]+ bytes_ab=[0-9]+ bytes_ba=[0-9]+ fill_ab=[0-9]+ fill_ba=[0-9]+ size=65536' \
	/proc/net/tcp_splice_pairs
# The streaming pairs come and go: compare the list with the counter read
# just before and just after it, until the two reads agree.
pairs_listed() {
	local a b n
	for _ in $(seq 50); do
		a=$(c pairs_live) n=$(wc -l </proc/net/tcp_splice_pairs) b=$(c pairs_live)
		[ "$a" = "$b" ] && [ "$n" = "$a" ] && return 0
		sleep 0.1
	done
	echo "the list has $n lines, pairs_live $a then $b"
	return 1
}
check "... one line per live pair" pairs_listed
check "tcp-splice-ctl status lists them" grep -q "^live pairs: [1-9]" <(tcp-splice-ctl status)
check "... and --json carries them" python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["pairs"] and all(p["size"] == 65536 and ":" in p["a"] for p in d["pairs"])' \
	< <(tcp-splice-ctl status --json)
check "disable while they are open and streaming" tcp-splice-ctl disable
check_fails "rmmod refused while spliced sockets live" "in use" rmmod tcp_splice
check_wait "... the streams started before disable finish intact" $live
cat /tmp/live.out
check_wait "... the held pair still answers" $hcli
wait $hsrv
p1=$(c pairs_total)
check "... new connections are not spliced" run_in $CG -- python3 "$TSP_LIB/conn.py" 127.0.0.1 7502
check_eq "... no pair made after disable" "$p1" "$(c pairs_total)"
check "... freed" settle
check "rmmod succeeds once they closed" rmmod tcp_splice

# --- 50 load/unload cycles with traffic in between ---
fails=0
for i in $(seq 1 50); do
	{ insmod "$TSP_KO" && tcp-splice-ctl enable --cgroup $CG >/dev/null &&
		run_in $CG -- python3 "$TSP_LIB/stream.py" 127.0.0.1 7600 2 65536 1 >/dev/null &&
		[ "$(c pairs_total)" = 2 ] && tcp-splice-ctl disable >/dev/null && settle &&
		rmmod tcp_splice; } || { fails=$((fails + 1)); echo "cycle $i failed"; }
done
check_eq "50 insmod/enable/stream/disable/rmmod cycles" 0 "$fails"
insmod "$TSP_KO"

for n in fa fb ga gb; do ip netns del tsp-$n; done
bridge_netns_del tsp-br1 tsp-sa tsp-sb
t_done
