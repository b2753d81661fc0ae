#!/bin/bash
# Observability: a known workload between two runc containers (attached by
# the OCI hook) shows up exactly in `tcp-splice-ctl ps` (connections seen,
# spliced, refused by reason, bytes through rings, live ends) and in the
# Prometheus text of `tcp-splice-ctl metrics` and of the NRI plugin's
# /metrics, scraped with curl from another network namespace; a live pair
# looks the same in `tcp-splice-ctl sockets` as in `ss -tie`, from each
# end's namespace; the counters are readable from a network namespace that
# is not the host's with CAP_NET_ADMIN, and not by a tenant with
# CAP_NET_ADMIN in its own user namespace; `tcp-splice-ctl explain` names
# the gate that stopped a connection, for each gate.
# timeout: 900
source "$TSP_LIB/testlib.sh"
source "$TSP_LIB/netns.sh"

W=/tmp/obs
ROOTFS=$W/rootfs
HOOK=$TSP_STAGE/usr/libexec/tcp-splice/tcp-splice-hook
HOSTCG=/sys/fs/cgroup/tsp-obs-host
OUTCG=/sys/fs/cgroup/tsp-obs-out
P=/sys/module/tcp_splice/parameters
OBS="python3 $TSP_LIB/observe.py"
mkdir -p $W $ROOTFS/{usr,proc,dev,tmp,sys,t,etc,run} $HOSTCG $OUTCG
for d in bin lib lib64 sbin; do ln -sfn usr/$d $ROOTFS/$d; done

bundle() { python3 "$TSP_LIB/oci_bundle.py" "$W/b/$1" "$ROOTFS" "${@:2}"; }
quiet() { "$@" </dev/null >"$W/last.out" 2>&1 || { cat "$W/last.out"; return 1; }; }
start_bg() { quiet runc run -d -b "$W/b/$1" "tsp-$1"; }
# obs_check WHAT ARGS...: see lib/obs_check.py.
obs() { python3 "$TSP_LIB/obs_check.py" "$@"; }
# ss in NETNS, or in ours when NETNS is "".
ns_ss() { if [ -n "$1" ]; then ip netns exec "$1" ss "${@:2}"; else ss "${@:2}"; fi; }
# Local ports of the established connections in NETNS to PORT.
ports_to() { # NETNS PORT
	ns_ss "$1" -Htn state established "( dport = :$2 )" | awk '{ n = split($3, a, ":"); print a[n] }'
}
# The local port of a connection in NETNS to PORT that is not among BEFORE
# (the ports_to list from before it was started), once it is established.
new_port() { # NETNS PORT BEFORE
	local p
	for _ in $(seq 100); do
		p=$(ports_to "$1" "$2" | grep -vxF -f <(printf '%s\n' 0 $3) | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}
# Every socket of the two containers closed (TCP_CLOSE reached): accounted.
all_closed() { # NETNS PORT
	for _ in $(seq 100); do
		[ -z "$(ip netns exec "$1" ss -Htn state all "( sport = :$2 or dport = :$2 )" |
			grep -v -e LISTEN -e TIME-WAIT)" ] && return 0
		sleep 0.1
	done
	return 1
}

# Two containers on a bridge; the host reaches it at 10.78.0.254.
bridge_netns tsp-obr 10.78.0 tsp-os tsp-oc
ip addr add 10.78.0.254/24 dev tsp-obr
ANN=(--annotation io.tcp-splice/ports=7000)
bundle osrv --netns /run/netns/tsp-os --cgroup /tsp-obs/srv --hook $HOOK "${ANN[@]}" \
	-- sh -c "python3 /t/observe.py serve 0.0.0.0 7001 & exec python3 /t/observe.py serve 0.0.0.0 7000"
bundle ocli --netns /run/netns/tsp-oc --cgroup /tsp-obs/cli --hook $HOOK "${ANN[@]}" -- sleep 900
check "server container (ports=7000) starts" start_bg osrv
check "client container (ports=7000) starts" start_bg ocli
check "... server listening on 7000" wait_listen tsp-os 7000
check "... and on 7001" wait_listen tsp-os 7001

# --- a known workload: 7 connections of 100000 bytes each way, closed ---
check "7 connections of 100000 bytes, client container to server container, echoed intact" \
	quiet runc exec tsp-ocli python3 /t/observe.py connect 10.78.0.1 7000 7 100000
check "... every end closed" all_closed tsp-oc 7000
check "ps: the client's attachment saw 7, offered 7, 7 closed paired, none unpaired" \
	obs ps ctr-tsp-ocli container_id=tsp-ocli seen=7 why_offered=7 closed=7 paired=7 unpaired=0
check "ps: the server's attachment the same" \
	obs ps ctr-tsp-osrv container_id=tsp-osrv seen=7 why_offered=7 closed=7 paired=7 unpaired=0
check "ps: each side's bytes through rings within the 700000 it sent (and more than none)" \
	obs ps ctr-tsp-ocli 'bytes_ring<=700000' 'bytes_ring>0' 'bytes_ring+bytes_startup<=700000'
check "... the server's echo too" \
	obs ps ctr-tsp-osrv 'bytes_ring<=700000' 'bytes_ring>0'
check "2 connections to 7001, off the containers' policy" \
	quiet runc exec tsp-ocli python3 /t/observe.py connect 10.78.0.1 7001 2 1000
check "ps: counted as seen, outcome port, on both sides" \
	sh -c 'obs() { python3 "$0" "$@"; }; obs ps ctr-tsp-ocli seen=9 why_port=2 why_offered=7 &&
		obs ps ctr-tsp-osrv seen=9 why_port=2 why_offered=7' "$TSP_LIB/obs_check.py"
check "ps (text) lists both containers with 9 seen" \
	sh -c 'tcp-splice-ctl ps | grep -E "^ctr-tsp-ocli +tsp-ocli .* 9 +7 " &&
		tcp-splice-ctl ps | grep -E "^ctr-tsp-osrv +tsp-osrv .* 9 +7 "'

# --- a live pair: ps, sockets against ss -tie, explain, metrics ---
before=$(ports_to tsp-oc 7000)
runc exec tsp-ocli python3 /t/observe.py connect 10.78.0.1 7000 1 50000 --hold 60 \
	</dev/null >$W/hold.log 2>&1 &
HOLD=$!
cport=$(new_port tsp-oc 7000 "$before")
check "a held connection (client port $cport)" test -n "$cport"
check "ps: one live end on each side" \
	sh -c 'for _ in $(seq 50); do python3 "$0" ps ctr-tsp-ocli live_ends=1 >/dev/null &&
		python3 "$0" ps ctr-tsp-osrv live_ends=1 && exit 0; sleep 0.1; done; exit 1' \
	"$TSP_LIB/obs_check.py"
check "sockets: the client end is paired and agrees with ss -tie (inode, ports, ULP)" \
	obs sockets /run/netns/tsp-oc "$cport" 7000
check "sockets: the server end too, seen from its own namespace" \
	obs sockets /run/netns/tsp-os 7000 "$cport"
check "sockets: each end received through its ring what the other sent" \
	obs pair-bytes /run/netns/tsp-oc /run/netns/tsp-os "$cport"
check "explain: spliced, from the client's namespace (by --pid of the container)" \
	obs explain "--pid $(runc state tsp-ocli | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])') --port $cport" \
	"$cport" spliced ctr-tsp-ocli
# 10 seen (7 + 2 + the held one); bytes through rings are there (their
# bounds are checked in ps above: what went before the pairing went by TCP).
check "tcp-splice-ctl metrics: both containers' counters, labelled" \
	obs metrics-cmd 'tcp_splice_attachment_connections_total{*container_id="tsp-ocli"*} 10' \
	'tcp_splice_attachment_connections_total{*container_id="tsp-osrv"*} 10' \
	'tcp_splice_attachment_outcomes_total{*container_id="tsp-ocli"*outcome="offered"} 8' \
	'tcp_splice_attachment_outcomes_total{*container_id="tsp-osrv"*outcome="port"} 2' \
	'tcp_splice_attachment_paired_total{*container_id="tsp-ocli"*} 7' \
	'tcp_splice_attachment_live_ends{*container_id="tsp-ocli"*} 1' \
	'tcp_splice_attachment_ring_bytes_total{*container_id="tsp-ocli"*} *' \
	'tcp_splice_attachment_ring_bytes_total{*container_id="tsp-osrv"*} *' \
	'tcp_splice_pairs_live 1'

# --- the NRI plugin's /metrics, scraped from another network namespace ---
tcp-splice-nri --socket $W/no-nri.sock --metrics-address 10.78.0.254:9464 --stderr \
	>$W/plugin.log 2>&1 &
PLUGIN=$!
check "/metrics from the client container's namespace with curl: both containers, module counters" \
	sh -c 'for _ in $(seq 100); do
		ip netns exec tsp-oc curl -sf http://10.78.0.254:9464/metrics >$0/scrape.txt && break
		sleep 0.1; done
		grep -E "^tcp_splice_attachment_connections_total\{.*container_id=\"tsp-ocli\".*\} 10$" $0/scrape.txt &&
		grep -E "^tcp_splice_pairs_total [0-9]+" $0/scrape.txt &&
		grep -E "^tcp_splice_nri_up 0$" $0/scrape.txt' $W
check "... /healthz answers ok" sh -c 'ip netns exec tsp-oc curl -sf http://10.78.0.254:9464/healthz | grep -qx ok'
check_fails "... other paths are 404" "404" ip netns exec tsp-oc curl -sSf http://10.78.0.254:9464/nope
kill $PLUGIN 2>/dev/null
wait $PLUGIN 2>/dev/null

# --- counters from a network namespace that is not the host's ---
check "with CAP_NET_ADMIN in the initial user namespace (a privileged pod): /proc/net/tcp_splice" \
	sh -c 'unshare -n cat /proc/net/tcp_splice | grep -E "^pairs_live 1$"'
check "... and the pair list" sh -c "unshare -n cat /proc/net/tcp_splice_pairs | grep -q ':$cport '"
check "... tcp-splice-ctl metrics there (module counters)" \
	sh -c 'unshare -n tcp-splice-ctl metrics | grep -E "^tcp_splice_module_loaded 1$"'
check_fails "a tenant (CAP_NET_ADMIN only in its own user namespace): refused" \
	"Operation not permitted" unshare -Urn cat /proc/net/tcp_splice
check_fails "... the pair list too" "Operation not permitted" unshare -Urn cat /proc/net/tcp_splice_pairs
check "the host's own file stays readable by any user" \
	setpriv --reuid=65534 --regid=65534 --clear-groups cat /proc/net/tcp_splice
kill $HOLD 2>/dev/null
wait $HOLD 2>/dev/null

# --- explain: each gate ---
# Not attached: a host process outside any attached cgroup dials the server.
before=$(ports_to "" 7000)
run_in $OUTCG -- $OBS connect 10.78.0.1 7000 1 1000 --hold 30 >$W/out.log 2>&1 &
OUTC=$!
oport=$(new_port "" 7000 "$before")
check "explain: a client in no attached cgroup: not_attached" \
	obs explain "--port $oport" "$oport" not_attached
check "explain: its server end (attached, the client sent no token): peer_no_token" \
	obs explain "--netns /run/netns/tsp-os --port $oport" 7000 peer_no_token ctr-tsp-osrv
kill $OUTC 2>/dev/null
# Port off policy.
before=$(ports_to tsp-oc 7001)
runc exec tsp-ocli python3 /t/observe.py connect 10.78.0.1 7001 1 1000 --hold 30 \
	</dev/null >$W/port.log 2>&1 &
PORTC=$!
pport=$(new_port tsp-oc 7001 "$before")
check "explain: port 7001 is off the containers' policy: port" \
	obs explain "--netns /run/netns/tsp-oc --port 7001" "$pport" port ctr-tsp-ocli
# Loopback-only: the host's attachment, a connection over the bridge.
check "enable on the host cgroup, --loopback-only" tcp-splice-ctl enable --cgroup $HOSTCG --loopback-only
kill $OUTC $PORTC 2>/dev/null
before=$(ports_to "" 7000)
run_in $HOSTCG -- $OBS connect 10.78.0.1 7000 1 1000 --hold 30 >$W/lo.log 2>&1 &
LOC=$!
lport=$(new_port "" 7000 "$before")
check "explain: --loopback-only and a bridge address: loopback" \
	obs explain "--port $lport" "$lport" loopback host
kill $LOC 2>/dev/null
check "disable" tcp-splice-ctl disable
# Peer never arrived: a TCP_DEFER_ACCEPT server has no child until data comes.
check "enable on the host cgroup (any port)" tcp-splice-ctl enable --cgroup $HOSTCG
rm -f $W/w.ready $W/w.done
before=$(ports_to "" 7960)
run_in $HOSTCG -- tsp-waiters --waiting 1 --fresh 1 --port 7960 --dsts 1 \
	--ready $W/w.ready --hold-until $W/w.done >$W/waiters.log 2>&1 &
WAITERS=$!
for _ in $(seq 100); do [ -e $W/w.ready ] && break; sleep 0.1; done
wport=$(new_port "" 7960 "$before")
check "explain: an end whose peer never arrived: waiting" \
	obs explain "--port 7960" "$wport" waiting host
touch $W/w.done
wait $WAITERS 2>/dev/null
# Memory: a ring bigger than the module's limit leaves that direction to TCP.
limit0=$(cat $P/ring_limit_mbytes)
echo 4096 >$P/ring_kbytes
echo 4 >$P/ring_limit_mbytes
run_in $HOSTCG -- $OBS serve 127.0.0.1 7970 >$W/mem-srv.log 2>&1 &
MSRV=$!
run_in $HOSTCG -- $OBS connect 127.0.0.1 7970 1 100000 --hold 30 >$W/mem.log 2>&1 &
MEMC=$!
sleep 2
check "explain: a 4 MiB ring against a 4 MiB limit (2 MiB per namespace): ring_refused" \
	obs explain-any "--port 7970" ring_refused
kill $MSRV $MEMC 2>/dev/null
echo 64 >$P/ring_kbytes
echo "$limit0" >$P/ring_limit_mbytes

kill $(jobs -p) 2>/dev/null
wait 2>/dev/null
runc delete -f tsp-ocli >/dev/null 2>&1
runc delete -f tsp-osrv >/dev/null 2>&1
bridge_netns_del tsp-obr tsp-os tsp-oc
check "... freed" settle
check "disable" tcp-splice-ctl disable
t_done
