#!/bin/bash
# Walking skeleton: module load, ring_kbytes, tcp-splice-ctl enable/status/
# disable, the program reaching the kfunc per policy, rmmod pinning, every
# precondition error leaving nothing half-done, gen_btf.sh-built module.
# timeout: 600
source "$TSP_LIB/testlib.sh"
source "$TSP_LIB/netns.sh"

CG=/sys/fs/cgroup/tsp-skel
OUTSIDE=/sys/fs/cgroup/tsp-outside
PIN=/sys/fs/bpf/tcp_splice
RING=/sys/module/tcp_splice/parameters/ring_kbytes
mkdir -p "$CG" "$OUTSIDE"

conn() { run_in "$1" -- python3 "$TSP_LIB/conn.py" "$2" "$3"; }
calls() { mod_counter kfunc_accepted; }
no_pins() { [ -z "$(find "$PIN" -mindepth 1 -not -type d 2>/dev/null)" ]; }

# --- module load ---
check "insmod printed the load line" \
	grep -q 'tcp_splice: loaded, bpf_tcp_splice_pair registered' <(dmesg)
check "module BTF present (/sys/kernel/btf/tcp_splice)" test -e /sys/kernel/btf/tcp_splice
check_eq "ring_kbytes defaults to 64" 64 "$(cat $RING)"

# --- ring_kbytes parameter ---
echo 100 >$RING
check_eq "ring_kbytes rounds 100 up to 128" 128 "$(cat $RING)"
check_fails "ring_kbytes=3 rejected" "Numerical result out of range|Invalid" bash -c "echo 3 >$RING"
check_fails "ring_kbytes=20000 rejected" "Numerical result out of range|Invalid" bash -c "echo 20000 >$RING"
check_fails "ring_kbytes=abc rejected" "Invalid argument" bash -c "echo abc >$RING"
check_eq "rejected writes leave ring_kbytes unchanged" 128 "$(cat $RING)"
echo 64 >$RING

# --- enable, policy, kfunc reached ---
check "enable --cgroup --ports 6390" tcp-splice-ctl enable --cgroup "$CG" --ports 6390
check_eq "status line" "tcp_splice: enabled (loopback_only=0, ports=6390)" \
	"$(tcp-splice-ctl status | head -n 1)"
check "link pinned under $PIN" test -n "$(find $PIN -name host)"
check "module pinned by the program (refcnt > 0)" test "$(cat /sys/module/tcp_splice/refcnt)" -gt 0

c0=$(calls)
check "connection in cgroup on port 6390" conn "$CG" 127.0.0.1 6390
check_eq "... reached the kfunc on both ends" $((c0 + 2)) "$(calls)"
c0=$(calls)
check "connection in cgroup on port 6391" conn "$CG" 127.0.0.1 6391
check_eq "... port outside --ports: kfunc not reached" "$c0" "$(calls)"
check "connection outside the cgroup on port 6390" conn "$OUTSIDE" 127.0.0.1 6390
check_eq "... outside the cgroup: kfunc not reached" "$c0" "$(calls)"
check "IPv6 loopback connection on port 6390" conn "$CG" ::1 6390
check_eq "... reached the kfunc on both ends" $((c0 + 2)) "$(calls)"

check_eq "kfunc refused nothing (op)" 0 "$(mod_counter refused_op)"
check_eq "kfunc refused nothing (socket state)" 0 "$(mod_counter refused_sock)"
check_eq "program counted every match as a kfunc call" \
	"$(tcp-splice-ctl status | sed -n 's/.*matched=\([0-9]*\).*/\1/p')" \
	"$(tcp-splice-ctl status | sed -n 's/.*kfunc_called=\([0-9]*\).*/\1/p')"

check "enable again with the same options is a no-op" \
	tcp-splice-ctl enable --cgroup "$CG" --ports 6390
check_fails "enable with other options refused" "already enabled" \
	tcp-splice-ctl enable --cgroup "$CG" --ports 6391
check_eq "... status unchanged" "tcp_splice: enabled (loopback_only=0, ports=6390)" \
	"$(tcp-splice-ctl status | head -n 1)"
check "status --json parses" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["enabled"]' \
	< <(tcp-splice-ctl status --json)

check_fails "rmmod refused while enabled" "in use" rmmod tcp_splice
check "disable" tcp-splice-ctl disable
check "disable leaves no pins" no_pins
check_eq "status after disable" "tcp_splice: disabled" "$(tcp-splice-ctl status | head -n 1)"
check "rmmod succeeds after disable" rmmod tcp_splice

# --- preconditions: each fails clearly and leaves nothing behind ---
check_fails "module not loaded" "not loaded.*insmod|modprobe" \
	tcp-splice-ctl enable --cgroup "$CG"
check "... no pins" no_pins
check "insmod again" insmod "$TSP_KO"

check_fails "path is not a cgroup-v2 directory" "not a cgroup-v2 directory" \
	tcp-splice-ctl enable --cgroup /tmp
check_fails "path does not exist" "not a cgroup-v2 directory" \
	tcp-splice-ctl enable --cgroup /sys/fs/cgroup/no-such-group
check_fails "bad port list (abc)" "abc" tcp-splice-ctl enable --cgroup "$CG" --ports abc
check_fails "bad port list (70000)" "70000" tcp-splice-ctl enable --cgroup "$CG" --ports 80,70000
check_fails "ring size out of range" "out of range" \
	tcp-splice-ctl enable --cgroup "$CG" --ring-kbytes 3
check_eq "... ring_kbytes unchanged" 64 "$(cat $RING)"
check_fails "not root" "root" \
	setpriv --reuid=65534 --regid=65534 --clear-groups tcp-splice-ctl enable --cgroup "$CG"
check_fails "kernel older than 6.15" "older than 6.15" \
	setarch x86_64 --uname-2.6 tcp-splice-ctl enable --cgroup "$CG"
umount /sys/fs/bpf
check_fails "bpffs not mounted" "mount -t bpf" tcp-splice-ctl enable --cgroup "$CG"
mount -t bpf bpf /sys/fs/bpf
check "... no pins after all bad inputs" no_pins
check_eq "... ring_kbytes unchanged after all bad inputs" 64 "$(cat $RING)"

# --- options that write kernel knobs ---
check "enable --loopback-only --ring-kbytes 100 --busy-poll-us 50" \
	tcp-splice-ctl enable --cgroup "$CG" --loopback-only --ring-kbytes 100 --busy-poll-us 50
check_eq "ring_kbytes set (rounded)" 128 "$(cat $RING)"
check_eq "net.core.busy_read set" 50 "$(sysctl -n net.core.busy_read)"
c0=$(calls)
check "non-loopback connection (192.0.2.1)" conn "$CG" 192.0.2.1 6392
check_eq "... --loopback-only: kfunc not reached" "$c0" "$(calls)"
check "loopback connection" conn "$CG" 127.0.0.2 6392
check_eq "... reached the kfunc" $((c0 + 2)) "$(calls)"
check "disable" tcp-splice-ctl disable
echo 64 >$RING
sysctl -qw net.core.busy_read=0

# --- module built by gen_btf.sh (headers without vmlinux) ---
check "rmmod" rmmod tcp_splice
n0=$(dmesg | grep -c 'tcp_splice: loaded, bpf_tcp_splice_pair registered')
check "insmod the gen_btf.sh-built module" insmod "$TSP_KO_NOBTF"
check "... has module BTF" test -e /sys/kernel/btf/tcp_splice
check_eq "... registered its kfunc" $((n0 + 1)) "$(dmesg | grep -c 'tcp_splice: loaded, bpf_tcp_splice_pair registered')"
check "... enable" tcp-splice-ctl enable --cgroup "$CG"
c0=$(calls)
check "... connection" conn "$CG" 127.0.0.1 6393
check_eq "... reached the kfunc" $((c0 + 2)) "$(calls)"
check "... disable" tcp-splice-ctl disable
check "... rmmod" rmmod tcp_splice
check "insmod the regular module again" insmod "$TSP_KO"

rmdir "$CG" "$OUTSIDE"
t_done
