#!/bin/bash
# Adversarial and resource cases: nobody but the two real ends of a
# connection can join it (a tenant in its own user and network namespace
# with CAP_NET_ADMIN there, replaying or forging the handshake); closing,
# disconnecting and repair-mode ends leave the registry first; kernel
# sockets (NVMe/TCP) are never spliced; idle pairs reserve no ring memory
# and one tenant cannot take another's; a tight memory cgroup gets TCP
# instead of the OOM killer, and a pair only within half of its limit; 100,000 waiting ends do not stop others pairing;
# connection churn loses and stalls nothing; a tenant's sockets do not show
# where their peers live.
# TSP_SOAK=1 runs the churn for at least 200,000 connections (long);
# TSP_SECTIONS="1 7" runs only those sections.
# timeout: 2400
source "$TSP_LIB/testlib.sh"
source "$TSP_LIB/netns.sh"

CG=/sys/fs/cgroup/tsp-att
OUT=/sys/fs/cgroup/tsp-att-out
MAIN=$CG/main
mkdir -p $CG $OUT
echo "+memory +pids" >$CG/cgroup.subtree_control
mkdir -p $MAIN $CG/victim $CG/server $CG/attacker $CG/tA $CG/tB $CG/oom
P=/sys/module/tcp_splice/parameters
c() { mod_counter "$1"; }
# section N: run section N (all when TSP_SECTIONS is empty, else the listed ones).
section() { [ -z "${TSP_SECTIONS:-}" ] || [[ " $TSP_SECTIONS " == *" $1 "* ]]; }
D=/tmp/tsp-att
rm -rf $D
mkdir -p $D
modprobe tun
modprobe kcm
# wait_file FILE [SECONDS]: FILE appears.
wait_file() {
	local i
	for ((i = 0; i < ${2:-30} * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "no $1 after ${2:-30} s"
	return 1
}

check "enable on $CG (any port)" tcp-splice-ctl enable --cgroup $CG

# --- 1. a pairing nobody else can join -------------------------------------
# The victim (netns tsp-va) connects to a server (netns tsp-vb) that defers
# its accept until data comes: the victim's end is offered and waits for
# its peer. Attackers, each in its own user and network namespace (root
# and CAP_NET_ADMIN only there), try to become that peer.
if section 1; then
bridge_netns tsp-abr 10.77.0 tsp-va tsp-vb
head -c 48 /dev/urandom | base64 >$D/secret
FORGE="python3 $TSP_LIB/forge.py"
run_in $CG/server tsp-vb -- $FORGE server 10.77.0.2 8080 $D/server.out >$D/server.log 2>&1 &
srv=$!
check "a server that defers accept until data comes" wait_file $D/server.out.ready
ip netns exec tsp-va $FORGE sniff eth0 8080 $D/sniffed >$D/sniff.log 2>&1 &
sniff=$!
check "a sniffer on the victim's side (what an attacker may learn)" wait_file $D/sniffed.ready
k0=$(c kfunc_calls) p0=$(c pairs_total)
run_in $CG/victim tsp-va -- $FORGE victim 10.77.0.2 8080 40001 $D >$D/victim.log 2>&1 &
vic=$!
check "the victim connects from port 40001" wait_file $D/victim.ready
check_wait "... the handshake is captured (both ISNs, the SYN's options)" $sniff
cat $D/sniffed
check "... the victim's end reached the kfunc and waits for its peer" \
	test "$(c kfunc_calls)" -gt "$k0"

ATTACK="unshare --user --map-root-user --net --kill-child"
run_in $CG/attacker -- $ATTACK $FORGE passive $D/sniffed >$D/passive.log 2>&1 &
pas=$!
check "passive attacker: replays the victim's SYN (its options too) into its own listener" \
	sh -c "for i in \$(seq 100); do grep -q 'child is established' $D/passive.log && exit 0; sleep 0.1; done; cat $D/passive.log; exit 1"
run_in $CG/attacker -- $ATTACK $FORGE active $D/sniffed >$D/active.log 2>&1 &
act=$!
check "active attacker: TCP_REPAIR-preset ISN, its SYN answered from a TUN device" \
	sh -c "for i in \$(seq 100); do grep -q 'handshake done' $D/active.log && exit 0; sleep 0.1; done; cat $D/active.log; exit 1"
cat $D/passive.log $D/active.log
check_eq "... both attackers' ends reached the kfunc" 1 \
	"$(test "$(c kfunc_calls)" -ge $((k0 + 3)) && echo 1)"
check_eq "... 0 pairs formed" "$p0" "$(c pairs_total)"
touch $D/go
check_wait "the victim sends its secret" $vic
check_wait "... the passive attacker got none of it" $pas
check_wait "... the active attacker got none of it" $act
check_wait "... the real server read it" $srv
check_eq "... intact" "$(cat $D/secret)" "$(cat $D/server.out)"
check_eq "... through a pair with the real server (1 pair)" $((p0 + 1)) "$(c pairs_total)"

# The plain forged 4-tuple: another netns holds both addresses and opens
# the very 4-tuple of a waiting victim, without any repair mode.
ip netns add tsp-vx
ip -n tsp-vx link set lo up
ip -n tsp-vx addr add 10.77.0.1/32 dev lo
ip -n tsp-vx addr add 10.77.0.2/32 dev lo
rm -f $D/go $D/server.out* $D/victim.ready
run_in $CG/server tsp-vb -- $FORGE server 10.77.0.2 8081 $D/server.out >$D/server2.log 2>&1 &
srv=$!
wait_file $D/server.out.ready
p0=$(c pairs_total)
run_in $CG/victim tsp-va -- $FORGE victim 10.77.0.2 8081 40002 $D >$D/victim2.log 2>&1 &
vic=$!
check "a second victim waits on 10.77.0.1:40002 -> 10.77.0.2:8081" wait_file $D/victim.ready
check "the same 4-tuple opened in another netns pairs with itself, intact" \
	run_in $CG/attacker tsp-vx -- timeout 120 python3 "$TSP_LIB/stream.py" --bind-port 40002 \
	10.77.0.2 8081 1 65536
check_eq "... one pair (its own two ends)" $((p0 + 1)) "$(c pairs_total)"
touch $D/go
check_wait "... the victim's secret still reaches the real server" $srv
check_wait "... victim done" $vic
check_eq "... intact" "$(cat $D/secret)" "$(cat $D/server.out)"
check_eq "... through its own pair" $((p0 + 2)) "$(c pairs_total)"
ip netns del tsp-vx
bridge_netns_del tsp-abr tsp-va tsp-vb
check "... freed" settle
fi

# --- 2. closing, disconnecting and repair-mode ends -------------------------
# cases MODE CGROUP: one TAP line per case of attacks.py.
if section 2; then
cases() {
	local mode=$1 cg=$2 line n=0
	while read_case line; do
		case $line in
		"ok "*) n=$((n + 1)); t_ok "[$mode] ${line#ok }" ;;
		"not ok "*) n=$((n + 1)) line=${line#not ok }; t_fail "[$mode] ${line%%: *}" "${line#*: }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <(run_in "$cg" -- timeout 900 python3 "$TSP_LIB/attacks.py" --mode "$mode" 2>&1 </dev/null)
	check_eq "[$mode] every case reported" "$(python3 "$TSP_LIB/attacks.py" --list | wc -l)" "$n"
}
cases tcp $OUT
cases splice $MAIN
check "... freed" settle
fi

# --- 3. kernel sockets: NVMe/TCP over loopback is never spliced -------------
# Attached at the root cgroup, so the kernel's own sockets are covered.
if section 3; then
N=/sys/kernel/config/nvmet
nvme_setup() {
	modprobe nvmet && modprobe nvmet-tcp && modprobe nvme-tcp || return 1
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	truncate -s 64M /tmp/tsp-nvme.img
	mkdir $N/subsystems/tsp-nvme &&
		echo 1 >$N/subsystems/tsp-nvme/attr_allow_any_host &&
		mkdir $N/subsystems/tsp-nvme/namespaces/1 &&
		echo -n /tmp/tsp-nvme.img >$N/subsystems/tsp-nvme/namespaces/1/device_path &&
		echo 1 >$N/subsystems/tsp-nvme/namespaces/1/enable &&
		mkdir $N/ports/1 &&
		echo tcp >$N/ports/1/addr_trtype && echo ipv4 >$N/ports/1/addr_adrfam &&
		echo 127.0.0.1 >$N/ports/1/addr_traddr && echo 4420 >$N/ports/1/addr_trsvcid &&
		ln -s $N/subsystems/tsp-nvme $N/ports/1/subsystems/tsp-nvme
}
nvme_ctrl() { grep -l '^tsp-nvme$' /sys/class/nvme/nvme*/subsysnqn 2>/dev/null | head -n 1 | xargs -r dirname | xargs -r basename; }
nvme_connect() {
	local id
	id=$(cat /proc/sys/kernel/random/uuid)
	echo "transport=tcp,traddr=127.0.0.1,trsvcid=4420,nqn=tsp-nvme,hostnqn=nqn.2014-08.org.nvmexpress:uuid:$id,hostid=$id" >/dev/nvme-fabrics
}
nvme_io() {
	local ctrl dev i
	ctrl=$(nvme_ctrl)
	[ -n "$ctrl" ] || { echo "no controller for tsp-nvme"; return 1; }
	for i in $(seq 100); do
		dev=$(ls -d /dev/${ctrl}n* 2>/dev/null | head -n 1)
		[ -n "$dev" ] && break
		sleep 0.1
	done
	[ -b "$dev" ] || { echo "no namespace block device for $ctrl"; return 1; }
	head -c 4194304 /dev/urandom >/tmp/tsp-nvme.pat
	dd if=/tmp/tsp-nvme.pat of="$dev" bs=1M oflag=direct status=none &&
		dd if="$dev" of=/tmp/tsp-nvme.back bs=1M count=4 iflag=direct status=none &&
		cmp /tmp/tsp-nvme.pat /tmp/tsp-nvme.back
}
nvme_teardown() {
	local ctrl
	ctrl=$(nvme_ctrl)
	[ -n "$ctrl" ] && echo 1 >/sys/class/nvme/$ctrl/delete_controller
	rm -f $N/ports/1/subsystems/tsp-nvme
	rmdir $N/ports/1 2>/dev/null
	echo 0 >$N/subsystems/tsp-nvme/namespaces/1/enable 2>/dev/null
	rmdir $N/subsystems/tsp-nvme/namespaces/1 $N/subsystems/tsp-nvme 2>/dev/null
	rm -f /tmp/tsp-nvme.*
}
tcp-splice-ctl disable >/dev/null
if check "an NVMe/TCP target on 127.0.0.1:4420 (nvmet, file-backed namespace)" nvme_setup; then
	check "enable at the root cgroup, port 4420" \
		tcp-splice-ctl enable --cgroup /sys/fs/cgroup --ports 4420
	k0=$(c refused_kernel) p0=$(c pairs_total) n0=$(c kfunc_calls)
	check "the kernel's NVMe/TCP host connects to it" nvme_connect
	check "4 MiB written and read back through /dev/nvmeXn1, intact" nvme_io
	check "... the kernel sockets reached the kfunc" test "$(c kfunc_calls)" -gt "$n0"
	check "... and were refused as kernel sockets (counted)" test "$(c refused_kernel)" -ge $((k0 + 2))
	check_eq "... none paired" "$p0" "$(c pairs_total)"
	nvme_teardown
	check "disable" tcp-splice-ctl disable
fi
check "enable on $CG again" tcp-splice-ctl enable --cgroup $CG
fi

# --- 4. ring memory: idle pairs hold none; one tenant cannot starve another -
if section 4; then
echo 64 >$P/ring_kbytes
echo 4 >$P/ring_limit_mbytes
p0=$(c pairs_total) l0=$(c refused_limit)
rm -f $D/idle.*
run_in $MAIN -- tsp-pairs --active 0 --idle 100 --port 7911 --ready $D/idle.ready \
	--hold-until $D/idle.done >$D/idle.log 2>&1 &
idle=$!
check "100 idle connections (2 x 64 KiB rings each would be 12.5 MiB, limit 4 MiB)" \
	wait_file $D/idle.ready 120
sleep 1
check_eq "... all 100 paired" $((p0 + 100)) "$(c pairs_total)"
check_eq "... none refused at the limit" "$l0" "$(c refused_limit)"
check_eq "... idle pairs reserve no ring memory" 0 "$(c ring_reserved_kbytes)"
b0=$(c bytes_ring)
check "meanwhile 8 active pairs stream 1 MiB each way, intact" \
	run_in $MAIN -- tsp-pairs --active 8 --idle 0 --bytes 1048576 --port 7912
check "... through their rings" test $(($(c bytes_ring) - b0)) -ge $((8 * 2 * 1048576))
touch $D/idle.done
check_wait "... the idle connections close" $idle
check "... freed" settle
check_eq "... nothing reserved" 0 "$(c ring_reserved_kbytes)"

# Two tenants, each in its own cgroup and network namespace, share a 2 MiB
# limit; ring_netns_share=50 lets one network namespace hold at most half.
echo 2 >$P/ring_limit_mbytes
check "ring_netns_share=50 accepted" sh -c "echo 50 >$P/ring_netns_share"
ip netns add tsp-tA
ip netns add tsp-tB
ip -n tsp-tA link set lo up
ip -n tsp-tB link set lo up
rm -f $D/tA.*
l0=$(c refused_limit)
run_in $CG/tA tsp-tA -- tsp-pairs --active 40 --idle 0 --bytes 262144 --port 7913 \
	--ready $D/tA.ready --hold-until $D/tA.done >$D/tA.log 2>&1 &
ta=$!
check "tenant A: 40 active pairs (80 rings of 64 KiB wanted, 5 MiB)" \
	sh -c "for i in \$(seq 600); do grep -q intact $D/tA.log && exit 0; grep -q FAILED $D/tA.log && exit 1; sleep 0.2; done; exit 1"
cat $D/tA.log
check "... some of its rings refused at its share (those directions stay TCP)" \
	test "$(c refused_limit)" -gt "$l0"
check "... its reservation stays within its share (1 MiB)" \
	test "$(c ring_reserved_kbytes)" -le 1024
l1=$(c refused_limit) b0=$(c bytes_ring)
check "tenant B, while A holds its rings: 8 active pairs, 256 KiB each way, intact" \
	run_in $CG/tB tsp-tB -- tsp-pairs --active 8 --idle 0 --bytes 262144 --port 7914
check_eq "... none of B's rings refused" "$l1" "$(c refused_limit)"
check "... B's bytes all went through rings" test $(($(c bytes_ring) - b0)) -ge $((8 * 2 * 262144))
touch $D/tA.done
check_wait "... tenant A's streams intact" $ta
ip netns del tsp-tA
ip netns del tsp-tB
check "... freed" settle

# A ring reserves what it holds: its 4 KiB first buffer until it grows, and
# the rest of its size when it does. A tenant's cheap connections (a byte
# each way, then idle) cannot take the limit from the others for 1/16 of its
# price: what a tenant reserves, its own memory cgroup pays for.
ip netns add tsp-tC
ip -n tsp-tC link set lo up
rm -f $D/tC.*
l0=$(c refused_limit) g0=$(c ring_grow_limited)
run_in $CG/tA tsp-tC -- tsp-pairs --active 40 --idle 0 --bytes 1 --port 7918 \
	--ready $D/tC.ready --hold-until $D/tC.done >$D/tC.log 2>&1 &
tc=$!
check "tenant C: 40 pairs move 1 byte each way, then stay open (80 rings)" \
	sh -c "for i in \$(seq 600); do grep -q intact $D/tC.log && exit 0; grep -q FAILED $D/tC.log && exit 1; sleep 0.2; done; exit 1"
check_eq "... none of them refused at the limit" "$l0" "$(c refused_limit)"
check_eq "... each reserves its 4 KiB first buffer: 320 KiB, not 80 x 64 KiB" 320 \
	"$(c ring_reserved_kbytes)"
check "... 16 more of C's rings that grow within its 1 MiB share: 256 KiB each, intact" \
	run_in $CG/tA tsp-tC -- timeout 300 python3 - <<'PY'
import os, socket, sys, threading
sys.path.insert(0, os.environ["TSP_LIB"])
from semantics import pattern, recv_exact
lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(16)
pairs = []
for i in range(16):
    c = socket.create_connection(lst.getsockname()); s = lst.accept()[0]
    c.sendall(b"x")  # engages the ring with its first buffer
    assert recv_exact(s, 1) == b"x", i
    pairs.append((c, s))
for i, (c, s) in enumerate(pairs):  # all held open: the growths add up
    data = pattern(262144, i)
    t = threading.Thread(target=c.sendall, args=(data,)); t.start()
    assert recv_exact(s, len(data)) == data, i
    t.join()
PY
check "... those past the share kept their first buffer, counted (ring_grow_limited)" \
	test "$(c ring_grow_limited)" -gt "$g0"
check "... C's reservation stayed within its share" test "$(c ring_reserved_kbytes)" -le 1024
touch $D/tC.done
check_wait "... tenant C's pairs intact" $tc
ip netns del tsp-tC
echo 100 >$P/ring_netns_share 2>/dev/null
echo 512 >$P/ring_limit_mbytes
check "... freed" settle
check_eq "... nothing reserved" 0 "$(c ring_reserved_kbytes)"
fi

# --- 5. a tight memory cgroup gets TCP, never the OOM killer ----------------
if section 5; then
echo 1024 >$P/ring_kbytes
echo 8M >$CG/oom/memory.max
echo 0 >$CG/oom/memory.swap.max 2>/dev/null
r0=$(c refused_ring)
check "memory.max 8M, 1 MiB rings: 16 active and 48 idle pairs, 4 MiB each way, intact" \
	run_in $CG/oom -- tsp-pairs --active 16 --idle 48 --bytes 4194304 --port 7915
check_eq "... the OOM killer never ran" "0" "$(awk '$1 == "oom_kill" { print $2 }' $CG/oom/memory.events)"
echo "memory.peak $(cat $CG/oom/memory.peak 2>/dev/null)"
check "... rings that did not fit were refused (those directions stayed TCP)" \
	test "$(c refused_ring)" -gt "$r0"
echo 64 >$P/ring_kbytes
check "... freed" settle
# A pair (with its rings' first buffers) is charged to the connecting end's
# cgroup, only within half of its limit: past it, no pair, and TCP.
mkdir -p $CG/half $D/fill
echo 32M >$CG/half/memory.max
echo 0 >$CG/half/memory.swap.max 2>/dev/null
mount -t tmpfs tsp-fill $D/fill
check "memory.max 32M: 20 MiB of tmpfs pages charged to it" \
	run_in $CG/half -- dd if=/dev/zero of=$D/fill/f bs=1M count=20 status=none
echo "memory.current $(cat $CG/half/memory.current)"
n0=$(c refused_nomem) p0=$(c pairs_total)
check "... 4 pairs connected from it, 256 KiB each way, intact" \
	run_in $CG/half -- tsp-pairs --active 4 --idle 0 --bytes 262144 --port 7916
check_eq "... none paired" "$p0" "$(c pairs_total)"
check "... each refused for memory (refused_nomem)" test "$(c refused_nomem)" -ge $((n0 + 4))
check_eq "... the OOM killer never ran" "0" "$(awk '$1 == "oom_kill" { print $2 }' $CG/half/memory.events)"
rm -f $D/fill/f
p1=$(c pairs_total)
check "... with the room back, 4 more from it, intact" \
	run_in $CG/half -- tsp-pairs --active 4 --idle 0 --bytes 262144 --port 7917
check "... all 4 paired" test "$(c pairs_total)" -ge $((p1 + 4))
umount $D/fill
fi

# --- 6. 100,000 waiting ends, and others still pair -------------------------
if section 6; then
W=${TSP_WAITERS:-100000}
sysctl -qw net.core.somaxconn=262144 net.ipv4.tcp_max_syn_backlog=262144 \
	net.ipv4.tcp_syncookies=0 net.ipv4.ip_local_port_range="10000 65000"
# Once any NAT rule loaded conntrack, its table must hold them all too.
[ -e /proc/sys/net/netfilter/nf_conntrack_max ] && sysctl -qw net.netfilter.nf_conntrack_max=524288
check "2000 fresh pairs with no end waiting" run_in $MAIN -- tsp-waiters --waiting 0 --fresh 2000 --port 7920
rm -f $D/w.*
p0=$(c pairs_total)
run_in $MAIN -- tsp-waiters --waiting "$W" --fresh 2000 --port 7922 --ready $D/w.ready \
	--hold-until $D/w.done >$D/w.log 2>&1 &
wj=$!
TSP_STEP_TIMEOUT=900 check "$W ends waiting for peers that never come (TCP_DEFER_ACCEPT)" \
	wait_file $D/w.ready 900
check "... all $W in the registry" test "$(c waiting)" -ge "$W"
TSP_STEP_TIMEOUT=600 check "... meanwhile 2000 fresh connections pair and echo" \
	sh -c "for i in \$(seq 3000); do grep -q 'fresh connections' $D/w.log && exit 0; sleep 0.2; done; exit 1"
cat $D/w.log
check_eq "... 2000 pairs made" $((p0 + 2000)) "$(c pairs_total)"
touch $D/w.done
TSP_STEP_TIMEOUT=600 check_wait "... the waiting ends close" $wj
TSP_STEP_TIMEOUT=300 check "... and leave the registry" sh -c 'for i in $(seq 600); do [ "$(awk "\$1==\"waiting\"{print \$2}" /proc/net/tcp_splice)" = 0 ] && exit 0; sleep 0.5; done; exit 1'
sysctl -qw net.ipv4.tcp_syncookies=1 net.ipv4.ip_local_port_range="32768 60999"
check "... freed" settle
fi

# --- 7. churn: nothing lost, nothing stalled ---------------------------------
if section 7; then
sysctl -qw net.ipv4.tcp_fastopen=0x207 net.ipv4.tcp_tw_reuse=1 \
	net.ipv4.ip_local_port_range="40000 40999"
if [ "${TSP_SOAK:-0}" = 1 ]; then
	ECHO_CONNS=3200 MIXED_SECS=900 STEP=3600
else
	ECHO_CONNS=300 MIXED_SECS=60 STEP=600
fi
churn() { [[ " ${TSP_CHURN:-echo mixed} " == *" $1 "* ]]; }
# churn_run NAME CGROUP ARGS...: tsp-churn in CGROUP, its summary kept in
# the log whatever the result.
churn_run() {
	local name=$1 cg=$2
	shift 2
	run_in "$cg" -- tsp-churn "$@" >"$D/churn-$name.out" 2>&1
	local rc=$?
	cat "$D/churn-$name.out"
	return $rc
}
# The same load on plain TCP first: a loss there is the test's, not ours.
if churn echo; then
	TSP_STEP_TIMEOUT=$STEP check "[tcp] echo churn: 64 threads x $ECHO_CONNS short connections, 0 lost" \
		churn_run tcp-echo $OUT echo --threads 64 --conns $ECHO_CONNS --timeout 3 --port 7929
	tail -n 1 "$D/churn-tcp-echo.out"
	TSP_STEP_TIMEOUT=$STEP check "echo churn: 64 threads x $ECHO_CONNS short connections, 4-tuples reused, 0 lost" \
		churn_run echo $MAIN echo --threads 64 --conns $ECHO_CONNS --timeout 3 --port 7930
	tail -n 1 "$D/churn-echo.out"
fi
if churn mixed; then
	TSP_STEP_TIMEOUT=$STEP check "mixed churn: 64 workers for ${MIXED_SECS} s (sizes, half-closes, resets, late accepts, Fast Open, poll), 0 lost or stalled" \
		churn_run mixed $MAIN mixed --workers 64 --seconds $MIXED_SECS --stall 20 --port 7931
	tail -n 1 "$D/churn-mixed.out"
fi
sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
check "... freed" settle
fi

# --- 8. a tenant's sockets do not show where their peers live ---------------
# sock_diag's details name the peer end's network namespace only for a
# requester with CAP_NET_ADMIN in the initial user namespace; a tenant with
# it in its own user and network namespace gets the rest.
if section 8; then
rm -f $D/tn.*
run_in $MAIN -- unshare --user --map-root-user --net --kill-child python3 - \
	>$D/tn.log 2>&1 <<PY &
import json, os, socket, subprocess, time
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
lst = socket.socket(); lst.bind(("127.0.0.1", 7940)); lst.listen(1)
c = socket.create_connection(("127.0.0.1", 7940)); s, _ = lst.accept()
c.sendall(b"x"); assert s.recv(1) == b"x"
s.sendall(b"y"); assert c.recv(1) == b"y"
out = subprocess.run(["tcp-splice-ctl", "sockets", "--port", "7940", "--json"],
                     capture_output=True, text=True).stdout
print(out)
ends = [e for e in json.loads(out or "[]") if e.get("splice")]
print("tenant: paired", sum(e["splice"] == "paired" for e in ends),
      "peer_netns", sum("peer_netns" in e for e in ends), flush=True)
open("$D/tn.pid", "w").write(str(os.getpid()))
while not os.path.exists("$D/tn.done"):
    time.sleep(0.1)
PY
tn=$!
check "a tenant's loopback pair in its own user and network namespace" wait_file $D/tn.pid 60
cat $D/tn.log
check "... its sockets show both ends paired, without the peer's namespace" \
	grep -q "^tenant: paired 2 peer_netns 0$" $D/tn.log
check "... the host's administrator sees the peer's namespace of both" \
	sh -c "nsenter --net=/proc/\$(cat $D/tn.pid)/ns/net tcp-splice-ctl sockets --port 7940 --json |
		python3 -c 'import json, sys; e = [x for x in json.load(sys.stdin) if x.get(\"splice\") == \"paired\"]; sys.exit(not (len(e) == 2 and all(\"peer_netns\" in x for x in e)))'"
touch $D/tn.done
check_wait "... the tenant's pair closes" $tn
check "... freed" settle
fi

check "disable" tcp-splice-ctl disable
t_done
