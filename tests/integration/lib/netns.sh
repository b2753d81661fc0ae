# shellcheck shell=bash
# Network namespaces on a Linux bridge, as containers on one host have
# them, and running commands in a cgroup (and netns).

# bridge_netns BRIDGE SUBNET NS...: a bridge, and per NS a network namespace
# with lo up and eth0 at SUBNET.N/24 (N from 1, in argument order), a veth
# whose host end "v-NS" is on the bridge.
bridge_netns() {
	local br=$1 net=$2 n=0 ns
	shift 2
	ip link add "$br" type bridge && ip link set "$br" up
	for ns; do
		n=$((n + 1))
		ip netns add "$ns"
		ip link add "v-$ns" type veth peer name eth0 netns "$ns"
		ip link set "v-$ns" master "$br" up
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
		ip -n "$ns" addr add "$net.$n/24" dev eth0
	done
}

# bridge_netns_del BRIDGE NS...
bridge_netns_del() {
	local br=$1 ns
	shift
	for ns; do ip netns del "$ns"; done
	ip link del "$br"
}

# run_in CGROUP [NETNS] -- CMD...: CMD in that cgroup-v2 directory (and
# netns). The cgroup is joined first: ip netns exec remounts /sys.
run_in() {
	local cg=$1 ns=
	shift
	[ "$1" != -- ] && { ns=$1; shift; }
	shift
	if [ -n "$ns" ]; then
		bash -c 'echo $$ >"$0/cgroup.procs" && exec ip netns exec "$@"' "$cg" "$ns" "$@"
	else
		bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
	fi
}

# routed_pod NS ADDR: a network namespace routed from the host as
# Kubernetes CNIs without a bridge do (Calico's layout): eth0 with ADDR/32,
# a default route via a link-local gateway the host answers for, and a host
# route to ADDR through the namespace's veth "r-NS". The gateway address is
# the host's own (on tsp-dummy0): the guest has no default route, so proxy
# ARP alone, which answers only for routed addresses, would not do.
routed_pod() {
	local ns=$1 addr=$2
	ip addr add 169.254.1.1/32 dev tsp-dummy0 2>/dev/null
	ip netns add "$ns"
	ip link add "r-$ns" type veth peer name eth0 netns "$ns"
	ip link set "r-$ns" up
	echo 1 >"/proc/sys/net/ipv4/conf/r-$ns/proxy_arp"
	ip route add "$addr/32" dev "r-$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "$addr/32" dev eth0
	ip -n "$ns" route add 169.254.1.1 dev eth0 scope link
	ip -n "$ns" route add default via 169.254.1.1 dev eth0
}

# wait_listen NETNS PORT: something listens on PORT in NETNS (within 10 s).
wait_listen() {
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
