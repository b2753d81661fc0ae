#!/bin/bash
# Pairing through address translation, with the rules kube-proxy and Docker
# write: pods in routed network namespaces (as CNIs without a bridge lay
# them out), a ClusterIP Service with two endpoints picked at random
# (iptables-nft, nftables and IPVS modes), a pod reaching its own Service
# (hairpin masquerade), a published host port DNAT'd into a pod. Every such
# connection pairs, marked nat=1, and moves its bytes through the rings;
# flushing the rules mid-connection leaves the pair intact; an end whose
# peer takes no part stays TCP; each end applies the policy to its own
# view (the client the Service port, the server its own; --loopback-only
# is not fooled by a DNAT to 127.0.0.1); the same addresses in another
# namespace still never pair with them.
# timeout: 1200
source "$TSP_LIB/testlib.sh"
source "$TSP_LIB/netns.sh"

CG=/sys/fs/cgroup/tsp-nat
OUT=/sys/fs/cgroup/tsp-nat-out
mkdir -p $CG $OUT
mkdir -p $CG/a $CG/b $CG/c $CG/host
c() { mod_counter "$1"; }
NAT="python3 $TSP_LIB/nat.py"
sysctl -qw net.ipv4.ip_forward=1

# Pods: a client (a) and two endpoints (b, c) of one Service.
routed_pod tsp-pa 10.244.0.2
routed_pod tsp-pb 10.244.0.3
routed_pod tsp-pc 10.244.0.4
# The node's own address (masquerade picks it, and the published port is on it).
ip addr add 10.0.0.1/32 dev tsp-dummy0 2>/dev/null
run_in $CG/b tsp-pb -- $NAT serve 0.0.0.0 8080 >/tmp/nat-b.log 2>&1 &
run_in $CG/c tsp-pc -- $NAT serve 0.0.0.0 8080 >/tmp/nat-c.log 2>&1 &
sleep 1
check "enable on $CG (any port)" tcp-splice-ctl enable --cgroup $CG
# The servers listened before the attachment, each in its pod's netns.
check "pod to pod, no translation (listeners older than the attachment): paired, nat=0" \
	run_in $CG/a tsp-pa -- $NAT connect 10.244.0.3 8080 3 65536

# iptables mode, as kube-proxy writes it (iptables-nft).
kube_iptables() {
	iptables -t nat -N KUBE-SERVICES &&
		iptables -t nat -A PREROUTING -j KUBE-SERVICES &&
		iptables -t nat -A OUTPUT -j KUBE-SERVICES &&
		iptables -t nat -N KUBE-MARK-MASQ &&
		iptables -t nat -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000 &&
		iptables -t nat -N KUBE-POSTROUTING &&
		iptables -t nat -A POSTROUTING -j KUBE-POSTROUTING &&
		iptables -t nat -A KUBE-POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE &&
		iptables -t nat -N KUBE-SVC-TSP &&
		iptables -t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-SVC-TSP &&
		iptables -t nat -N KUBE-SEP-B &&
		iptables -t nat -A KUBE-SEP-B -s 10.244.0.3/32 -j KUBE-MARK-MASQ &&
		iptables -t nat -A KUBE-SEP-B -p tcp -j DNAT --to-destination 10.244.0.3:8080 &&
		iptables -t nat -N KUBE-SEP-C &&
		iptables -t nat -A KUBE-SEP-C -s 10.244.0.4/32 -j KUBE-MARK-MASQ &&
		iptables -t nat -A KUBE-SEP-C -p tcp -j DNAT --to-destination 10.244.0.4:8080 &&
		iptables -t nat -A KUBE-SVC-TSP -m statistic --mode random --probability 0.5 -j KUBE-SEP-B &&
		iptables -t nat -A KUBE-SVC-TSP -j KUBE-SEP-C
}
kube_iptables_flush() {
	iptables -t nat -F && iptables -t nat -X
}
check "kube-proxy iptables rules: ClusterIP 10.96.0.10:80 -> 10.244.0.{3,4}:8080" kube_iptables
p0=$(c pairs_total) n0=$(c pairs_nat)
check "[iptables] 10 connections to the ClusterIP: each paired, nat=1, bytes through the rings, intact" \
	run_in $CG/a tsp-pa -- $NAT connect 10.96.0.10 80 10 65536 --expect-nat
check_eq "... 10 pairs made through NAT" "$((p0 + 10)) $((n0 + 10))" "$(c pairs_total) $(c pairs_nat)"
check "[iptables] hairpin: pod b reaches its own Service (masquerade): paired, nat=1" \
	run_in $CG/b tsp-pb -- $NAT connect 10.96.0.10 80 6 65536 --expect-nat
check "[iptables] a client outside the cgroups: stays TCP" \
	run_in $OUT tsp-pa -- $NAT connect 10.96.0.10 80 3 65536 --expect-tcp
run_in $CG/a tsp-pa -- $NAT connect 10.96.0.10 80 1 1048576 --hold 3 --expect-nat >/tmp/nat-hold.log 2>&1 &
hold=$!
sleep 2
check "... tcp-splice-ctl status lists it through NAT, the client seeing the ClusterIP" \
	sh -c 'tcp-splice-ctl status | grep -Eq " nat \((a sees 10.96.0.10:80, b sees 10.244.0.2:|a sees 10.244.0.2:[0-9]+, b sees 10.96.0.10:80)"'
check "... and counts pairs_nat, waited_unpaired" \
	sh -c 'tcp-splice-ctl status | grep "module counters" | grep -q "pairs_nat=[1-9].* waited_unpaired="'
check "[iptables] the rules flushed while a spliced connection is open" kube_iptables_flush
check_wait "... it stays paired and finishes intact" $hold
cat /tmp/nat-hold.log

# nftables mode, as kube-proxy's nftables backend writes it.
kube_nft() {
	nft -f - <<'NFT'
table ip kube-proxy {
	chain mark-for-masquerade {
		meta mark set meta mark | 0x4000
	}
	chain nat-prerouting {
		type nat hook prerouting priority dstnat
		jump services
	}
	chain nat-output {
		type nat hook output priority dstnat
		jump services
	}
	chain nat-postrouting {
		type nat hook postrouting priority srcnat
		meta mark & 0x4000 == 0x4000 masquerade
	}
	chain endpoint-b {
		ip saddr 10.244.0.3 jump mark-for-masquerade
		meta l4proto tcp dnat to 10.244.0.3:8080
	}
	chain endpoint-c {
		ip saddr 10.244.0.4 jump mark-for-masquerade
		meta l4proto tcp dnat to 10.244.0.4:8080
	}
	chain service-tsp {
		numgen random mod 2 vmap { 0 : goto endpoint-b, 1 : goto endpoint-c }
	}
	chain services {
		ip daddr 10.96.0.11 tcp dport 80 goto service-tsp
	}
}
NFT
}
check "kube-proxy nftables rules: ClusterIP 10.96.0.11:80" kube_nft
p0=$(c pairs_nat)
check "[nftables] 10 connections to the ClusterIP: each paired, nat=1, intact" \
	run_in $CG/a tsp-pa -- $NAT connect 10.96.0.11 80 10 65536 --expect-nat
check "[nftables] hairpin: pod c reaches its own Service: paired, nat=1" \
	run_in $CG/c tsp-pc -- $NAT connect 10.96.0.11 80 6 65536 --expect-nat
check_eq "... 16 pairs made through NAT" "$((p0 + 16))" "$(c pairs_nat)"

# Policy: each end matches its own view of the connection, the client the
# Service port it dials (80), the server the port it listens on (8080).
reenable() { tcp-splice-ctl disable >/dev/null && tcp-splice-ctl enable --cgroup $CG "$@" >/dev/null; }
# policy_case EXPECT ENABLE-OPTIONS...: pod a to the nftables ClusterIP.
policy_case() {
	local expect=$1
	shift
	reenable "$@" && run_in $CG/a tsp-pa -- $NAT connect 10.96.0.11 80 2 65536 "$expect"
}
check "[policy] --ports 80 (the Service port): the server end does not match, stays TCP" \
	policy_case --expect-tcp --ports 80
check "[policy] --ports 8080 (the pod port): the client end does not match, stays TCP" \
	policy_case --expect-tcp --ports 8080
check "[policy] --ports 80,8080: paired, nat=1" policy_case --expect-nat --ports 80,8080
nft delete table ip kube-proxy

# --loopback-only and a DNAT to 127.0.0.1 (as a port published on the
# node's address to a loopback-bound server): the client dialled 10.0.0.1,
# the server sees 10.0.0.1 as its peer; neither end is loopback in its own
# view, so the connection stays TCP, while a direct loopback one pairs.
sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.lo.route_localnet=1
run_in $CG/host -- $NAT serve 127.0.0.1 8081 >/tmp/nat-lo.log 2>&1 &
lsrv=$!
sleep 1
iptables -t nat -A OUTPUT -d 10.0.0.1/32 -p tcp --dport 18081 -j DNAT --to-destination 127.0.0.1:8081
check "enable --loopback-only" reenable --loopback-only
check "[policy] --loopback-only: 10.0.0.1:18081 DNAT'd to 127.0.0.1:8081 stays TCP" \
	run_in $CG/host -- $NAT connect 10.0.0.1 18081 2 65536 --expect-tcp
check "[policy] --loopback-only: 127.0.0.1:8081 directly: paired" \
	run_in $CG/host -- $NAT connect 127.0.0.1 8081 2 65536
iptables -t nat -F
kill $lsrv 2>/dev/null
sysctl -qw net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.lo.route_localnet=0
check "back to any port" reenable

# IPVS mode: the ClusterIP on a dummy device, a virtual service in NAT mode.
if modprobe ip_vs 2>/dev/null && command -v ipvsadm >/dev/null; then
	ip link add kube-ipvs0 type dummy
	ip addr add 10.96.0.12/32 dev kube-ipvs0
	check "IPVS virtual service 10.96.0.12:80, round robin, masquerading to 10.244.0.{3,4}:8080" \
		sh -c 'ipvsadm -A -t 10.96.0.12:80 -s rr &&
			ipvsadm -a -t 10.96.0.12:80 -r 10.244.0.3:8080 -m &&
			ipvsadm -a -t 10.96.0.12:80 -r 10.244.0.4:8080 -m'
	check "[ipvs] 6 connections to the ClusterIP: each paired, nat=1, intact" \
		run_in $CG/a tsp-pa -- $NAT connect 10.96.0.12 80 6 65536 --expect-nat
	ipvsadm -C
	ip link del kube-ipvs0
else
	t_fail "IPVS (ip_vs and ipvsadm)" "not available in the guest"
fi

# A published port (docker run -p 18080:8080): the node's address DNAT'd
# into pod b, reached from the host's own processes.
check "published port: 10.0.0.1:18080 -> 10.244.0.3:8080" sh -c '
	iptables -t nat -A OUTPUT -d 10.0.0.1/32 -p tcp --dport 18080 -j DNAT --to-destination 10.244.0.3:8080 &&
	iptables -t nat -A PREROUTING -d 10.0.0.1/32 -p tcp --dport 18080 -j DNAT --to-destination 10.244.0.3:8080'
check "[published port] from the host: paired, nat=1, intact" \
	run_in $CG/host -- $NAT connect 10.0.0.1 18080 6 65536 --expect-nat
check "[published port] from pod a: paired, nat=1, intact" \
	run_in $CG/a tsp-pa -- $NAT connect 10.0.0.1 18080 3 65536 --expect-nat
iptables -t nat -F

# The same addresses in another namespace never pair with these.
ip netns add tsp-px
ip -n tsp-px link set lo up
ip -n tsp-px addr add 10.244.0.2/32 dev lo
ip -n tsp-px addr add 10.244.0.3/32 dev lo
run_in $CG/b tsp-px -- $NAT serve 10.244.0.3 8080 >/tmp/nat-x.log 2>&1 &
xsrv=$!
sleep 1
p0=$(c pairs_total) n0=$(c pairs_nat)
check "a namespace holding pod a's and pod b's addresses: its connections pair with themselves" \
	run_in $CG/a tsp-px -- $NAT connect 10.244.0.3 8080 3 65536
check "... and pod a's to pod b still pair with pod b" \
	run_in $CG/a tsp-pa -- $NAT connect 10.244.0.3 8080 3 65536
check_eq "... 6 pairs, none through NAT" "$((p0 + 6)) $n0" "$(c pairs_total) $(c pairs_nat)"
kill $xsrv 2>/dev/null

kill $(jobs -p) 2>/dev/null
wait 2>/dev/null
for ns in tsp-pa tsp-pb tsp-pc tsp-px; do ip netns del $ns; done
ip addr del 10.0.0.1/32 dev tsp-dummy0 2>/dev/null
ip addr del 169.254.1.1/32 dev tsp-dummy0 2>/dev/null
check "... freed" settle
check "disable" tcp-splice-ctl disable
t_done
