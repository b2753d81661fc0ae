#!/bin/bash
# Socket semantics on spliced connections, every case also run on plain
# TCP so the expectation itself is proven (lib/semantics.py): poll, select,
# epoll (edge-triggered both ways, RDHUP, HUP), SIOCINQ/SIOCOUTQ, MSG_PEEK
# (also across the startup bytes), MSG_WAITALL, MSG_DONTWAIT, SO_RCVLOWAT,
# SO_RCVTIMEO/SO_SNDTIMEO, backpressure, readv/writev, sendmmsg/recvmmsg,
# sendfile into and splice out of a socket, half-close, resets (unread data,
# SO_LINGER 0), kill -9 of blocked readers and writers, options and
# keepalive, SO_BUSY_POLL, connect(AF_UNSPEC) and reconnect, SO_PEEK_OFF,
# MSG_TRUNC, listen() after AF_UNSPEC, EPOLLOUT's low-water mark, bytes
# corked before pairing; then the ring memory limit and TCP_REPAIR sockets.
# timeout: 1200
source "$TSP_LIB/testlib.sh"
source "$TSP_LIB/netns.sh"

CG=/sys/fs/cgroup/tsp-sem
OUT=/sys/fs/cgroup/tsp-sem-out
mkdir -p $CG $OUT
c() { mod_counter "$1"; }

# cases MODE CGROUP [NETNS] -- [CASE...]: one TAP line per case reported by
# semantics.py, and one that every case reported.
cases() {
	local mode=$1 cg=$2 ns= line n=0 want
	shift 2
	[ "$1" != -- ] && { ns=$1; shift; }
	shift
	if [ $# -gt 0 ]; then want=$#; else want=$(python3 "$TSP_LIB/semantics.py" --list | wc -l); fi
	while read_case line; do
		case $line in
		"ok "*) n=$((n + 1)); t_ok "[$mode] ${line#ok }" ;;
		"not ok "*)
			n=$((n + 1)) line=${line#not ok }
			t_fail "[$mode] ${line%%: *}" "${line#*: }"
			;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <(run_in "$cg" $ns -- env TSP_CORK_PORT=7700 timeout 600 \
		python3 "$TSP_LIB/semantics.py" --mode "$mode" "$@" 2>&1 </dev/null)
	check_eq "[$mode] every case reported" "$want" "$n"
}

sysctl -qw net.ipv4.tcp_fastopen=0x207
check "enable on $CG (any port)" tcp-splice-ctl enable --cgroup $CG

cases tcp $OUT --
p0=$(c pairs_total)
cases splice $CG --
check_eq "... every case's connection was paired" "$(python3 "$TSP_LIB/semantics.py" --list | wc -l)" $(($(c pairs_total) - p0))
check "... freed" settle

# --- bytes corked before the server end pairs ---
# The handshake's first pure ACK to port 7700 is dropped: the server end
# pairs when its SYN-ACK is retransmitted, a second later, while the
# client's first bytes sit corked in its write queue (rto_min 10 s keeps
# TCP from probing them out first).
ip netns add tsp-cork
ip -n tsp-cork link set lo up
check "rto_min 10s on the netns' 127.0.0.1 route" ip -n tsp-cork route replace local 127.0.0.1 \
	dev lo table local proto kernel scope host src 127.0.0.1 rto_min 10s
for mode in tcp splice; do
	check "[$mode] drop the first handshake ACK to port 7700" \
		ip netns exec tsp-cork iptables -A OUTPUT -o lo -p tcp --dport 7700 \
		--tcp-flags ALL ACK -m statistic --mode nth --every 1000000 --packet 0 -j DROP
	cg=$OUT
	[ $mode = splice ] && cg=$CG
	cases $mode $cg tsp-cork -- cork_before_pairing
	ip netns exec tsp-cork iptables -F OUTPUT
done
ip netns del tsp-cork
check "... freed" settle

# --- the ring memory limit: rings beyond it leave their direction on TCP ---
# Rings take memory when their sender first sends: 6 connections that each
# send one way want 6 rings of 256 KiB; a 1 MiB limit holds 4.
P=/sys/module/tcp_splice/parameters
echo 256 >$P/ring_kbytes
echo 100 >$P/ring_netns_share
check "ring_limit_mbytes=1 accepted" sh -c "echo 1 >$P/ring_limit_mbytes"
p0=$(c pairs_total) l0=$(c refused_limit)
check "6 connections open at once with 256 KiB rings under a 1 MiB limit: all intact" \
	run_in $CG -- timeout 300 python3 - <<'PY'
import socket, sys, threading
sys.path.insert(0, __import__("os").environ["TSP_LIB"])
from semantics import pattern, recv_exact
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(8)
cs = [socket.create_connection(lst.getsockname()) for _ in range(6)]
ss = [lst.accept()[0] for _ in range(6)]
for i, (c, s) in enumerate(zip(cs, ss)):
    data = pattern(600000, i)
    t = threading.Thread(target=c.sendall, args=(data,)); t.start()
    assert recv_exact(s, len(data)) == data, i
    t.join()
print(open("/proc/net/tcp_splice_pairs").read())
PY
check_eq "... all six paired (idle pairs hold no ring memory)" $((p0 + 6)) "$(c pairs_total)"
check_eq "... two rings refused at the limit, counted" $((l0 + 2)) "$(c refused_limit)"
check "... freed" settle
check_eq "... the reservation is returned" 0 "$(c ring_reserved_kbytes)"
check_fails "ring_limit_mbytes=0 is refused" "error|out of range|Numerical result" \
	sh -c "echo 0 >$P/ring_limit_mbytes"
check "... and the kernel log says why" sh -c "dmesg | grep -q 'ring_limit_mbytes=0 out of range'"
check_fails "ring_netns_share=0 is refused" "error|out of range|Numerical result" \
	sh -c "echo 0 >$P/ring_netns_share"
echo 512 >$P/ring_limit_mbytes
echo 50 >$P/ring_netns_share
echo 64 >$P/ring_kbytes

# --- TCP_REPAIR sockets set their sequence numbers: never offered ---
# A repair-mode connect() skips the handshake: no SYN-ACK, so no token.
n0=$(prog_counter peer_no_option) k0=$(c kfunc_calls) p0=$(c pairs_total)
check "a TCP_REPAIR connect() in the cgroup" run_in $CG -- python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, 19, 1)  # TCP_REPAIR
s.connect(("127.0.0.1", 7901))
s.close()'
check_eq "... is not offered: no handshake token (counted)" $((n0 + 1)) "$(prog_counter peer_no_option)"
check_eq "... the kfunc is not called" "$k0" "$(c kfunc_calls)"
check_eq "... no pair" "$p0" "$(c pairs_total)"
check "... freed" settle

check "disable" tcp-splice-ctl disable
t_done
