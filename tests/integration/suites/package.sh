#!/bin/bash
# The Debian packages on a guest with no build of ours: tcp-splice-dkms
# builds and installs the module for the running kernel through DKMS (BTF,
# the kfunc bound), and again on a (simulated) kernel upgrade; tcp-splice of
# the previous version drives a live spliced connection, and the upgrade to
# this version replaces the pinned program under it (nothing dropped, the
# attachment kept); runtime configure on the real containerd config brings
# up NRI for the packaged plugin; doctor is all ok; purge leaves nothing.
# timeout: 2400
source "$TSP_LIB/testlib.sh"

W=/tmp/pkg
D=$TSP_DEBS
KV=$(uname -r)
CG=/sys/fs/cgroup/tsp-pkg
PIN=/sys/fs/bpf/tcp_splice
mkdir -p $W $CG

# The packages' binaries, not the run's stage: the stage leaves PATH and
# its module is unloaded (guest-main inserted it).
# Suites before this one may have copied the stage into /usr (as `make
# install` lays it out): those files go too.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$TSP_BIN
"$TSP_STAGE/usr/sbin/tcp-splice-ctl" disable --all >/dev/null 2>&1
(cd "$TSP_STAGE" && find usr \( -type f -o -type l \) -print) | while read -r f; do rm -f "/$f"; done
for _ in $(seq 50); do rmmod tcp_splice 2>/dev/null && break; [ -d /sys/module/tcp_splice ] || break; sleep 0.2; done
check "no tcp-splice of ours installed or loaded" bash -c \
	"! command -v tcp-splice-ctl && ! [ -d /sys/module/tcp_splice ] && ! dpkg -s tcp-splice >/dev/null 2>&1"

new_dkms=$(echo $D/new/tcp-splice-dkms_*_all.deb)
new_tools=$(echo $D/new/tcp-splice_*_amd64.deb)
old_tools=$(echo $D/old/tcp-splice_*_amd64.deb)
new_ver=$(dpkg-deb -f "$new_tools" Version)
old_ver=$(dpkg-deb -f "$old_tools" Version)
ver=${new_ver%-*}
echo "packages: new $new_ver, old $old_ver"

# --- DKMS: built and installed for this kernel at install time ---
TSP_STEP_TIMEOUT=1500 check "dpkg -i tcp-splice-dkms (DKMS builds the module for $KV)" \
	dpkg -i "$new_dkms"
check "... dkms status: installed for $KV" bash -c \
	"dkms status tcp-splice | tee /dev/stderr | grep -q '$ver, $KV, .*: installed'"
check "... the module file has version $ver" test "$(modinfo -F version -k "$KV" tcp_splice)" = "$ver"
check "... modules-load.d names it" grep -qx tcp_splice /usr/lib/modules-load.d/tcp-splice.conf
check "modprobe tcp_splice" modprobe tcp_splice
check "... /sys/module/tcp_splice/version is $ver" test "$(cat /sys/module/tcp_splice/version)" = "$ver"
check "... its BTF loaded (split on this kernel's)" test -e /sys/kernel/btf/tcp_splice
check "... its kfunc in the module BTF" bash -c \
	"bpftool btf dump file /sys/kernel/btf/tcp_splice | grep -q \"FUNC 'bpf_tcp_splice_pair'\""

# --- the previous tcp-splice drives a live spliced connection ---
check "dpkg -i tcp-splice $old_ver (the previous version)" dpkg -i "$old_tools"
check "... tcp-splice-ctl --version says ${old_ver%-*}" bash -c \
	"tcp-splice-ctl --version | grep -qx 'tcp-splice-ctl ${old_ver%-*}'"
check "enable on a cgroup (ports 7100)" tcp-splice-ctl enable --cgroup $CG --ports 7100
check "... pinned program version ${old_ver%-*}" bash -c \
	"tcp-splice-ctl status --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"program_version\"] == \"${old_ver%-*}\"'"
in_cg() { sh -c "echo \$\$ >$CG/cgroup.procs && exec \"\$@\"" sh "$@"; }
in_cg python3 "$TSP_LIB/live.py" serve 127.0.0.1 7100 >$W/srv.out 2>&1 &
SRV=$!
in_cg python3 "$TSP_LIB/live.py" connect 127.0.0.1 7100 $W/go >$W/cli.out 2>&1 &
CLI=$!
for _ in $(seq 100); do grep -q "before ok" $W/cli.out && break; sleep 0.2; done
check "a connection in the cgroup carried 64 KiB" grep -q "before ok" $W/cli.out
for _ in $(seq 50); do [ "$(mod_counter pairs_live)" = 1 ] && break; sleep 0.1; done
check_eq "... spliced (one live pair)" 1 "$(mod_counter pairs_live)"
tcp-splice-ctl explain --port 7100
tcp-splice-ctl status
a0=$(mod_counter kfunc_accepted)

# --- upgrade: the new tcp-splice replaces the pinned program ---
check "dpkg -i tcp-splice $new_ver (upgrade)" dpkg -i "$new_tools"
check "... pinned program version is now $ver" bash -c \
	"tcp-splice-ctl status --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"program_version\"] == \"$ver\"'"
check "... the attachment is kept (same cgroup, same ports)" bash -c \
	"tcp-splice-ctl status | grep -q 'tcp_splice: enabled (.*7100' && tcp-splice-ctl status | grep -q 'cgroup: $CG'"
check_eq "... the live pair is still spliced" 1 "$(mod_counter pairs_live)"
touch $W/go
check_wait "... and carries 1 MiB more, byte-exact" $CLI
check "... (its client saw every byte)" grep -q "after ok" $W/cli.out
kill $SRV 2>/dev/null
wait $SRV 2>/dev/null
rm -f $W/go
in_cg python3 "$TSP_LIB/live.py" serve 127.0.0.1 7100 >$W/srv2.out 2>&1 &
SRV=$!
touch $W/go
check "a new connection after the upgrade carries 1 MiB" in_cg python3 "$TSP_LIB/live.py" connect 127.0.0.1 7100 $W/go
check_eq "... spliced by the new program (both ends)" $((a0 + 2)) "$(mod_counter kfunc_accepted)"
wait $SRV 2>/dev/null

# --- runtime configure on the real containerd config; doctor ---
CFG=/etc/containerd/config.toml
[ -e $CFG ] || { mkdir -p /etc/containerd && containerd config default >$CFG; }
cp $CFG $W/config.toml.orig
check "runtime configure --runtime containerd" tcp-splice-ctl runtime configure --runtime containerd
check "... backed up the original" cmp -s $CFG.tcp-splice.bak $W/config.toml.orig
check "... a second run changes nothing" bash -c \
	"tcp-splice-ctl runtime configure --runtime containerd | grep -q 'already configured'"
containerd >$W/containerd.log 2>&1 &
CTD=$!
for _ in $(seq 300); do [ -S /var/run/nri/nri.sock ] && break; sleep 0.2; done
check "containerd with that config opens the NRI socket" test -S /var/run/nri/nri.sock
tcp-splice-nri --stderr >$W/nri.log 2>&1 &
NRI=$!
for _ in $(seq 150); do grep -q "synchronized" $W/nri.log && break; sleep 0.2; done
check "the packaged NRI plugin registers with it" grep -q "synchronized" $W/nri.log
check "runtime configure --runtime podman: hooks.d from the package" bash -c \
	"tcp-splice-ctl runtime configure --runtime podman | grep -q 'already configured'"
tcp-splice-ctl doctor >$W/doctor.out 2>&1
rc=$?
cat $W/doctor.out
check_eq "doctor: all ok (exit 0)" 0 "$rc"
check "... no warn or fail line" bash -c "! grep -Eq '^(WARN|FAIL)' $W/doctor.out"
kill $NRI $CTD 2>/dev/null
wait $NRI $CTD 2>/dev/null

# --- a kernel upgrade: DKMS's kernel hook rebuilds the module ---
check "dkms unbuild (as if this kernel were new)" dkms unbuild -m tcp-splice -v "$ver" -k "$KV"
check "... no module file left for $KV" bash -c "! modinfo -k $KV tcp_splice >/dev/null 2>&1"
TSP_STEP_TIMEOUT=1500 check "the kernel's postinst.d/dkms hook rebuilds it" \
	/etc/kernel/postinst.d/dkms "$KV"
check "... dkms status: installed again" bash -c "dkms status tcp-splice | grep -q '$KV, .*: installed'"
check "... with version $ver" test "$(modinfo -F version -k "$KV" tcp_splice)" = "$ver"

# --- purge: nothing left ---
check "dpkg --purge tcp-splice tcp-splice-dkms" dpkg --purge tcp-splice tcp-splice-dkms
check "... no pins under bpffs" test ! -e $PIN
check "... no records" bash -c "! [ -d /run/tcp-splice ] || [ -z \"\$(ls -A /run/tcp-splice)\" ]"
check "... no files of either package" bash -c \
	"! ls /usr/src/tcp-splice-* /etc/tcp-splice /usr/sbin/tcp-splice-ctl /var/lib/dkms/tcp-splice 2>/dev/null | grep -q ."
check "... no module file for $KV" bash -c "! modinfo -k $KV tcp_splice >/dev/null 2>&1"
check "... the module is unloaded" test ! -d /sys/module/tcp_splice
check "... dpkg knows neither" bash -c "! dpkg -s tcp-splice >/dev/null 2>&1 && ! dpkg -s tcp-splice-dkms >/dev/null 2>&1"
rmdir $CG 2>/dev/null
t_done
