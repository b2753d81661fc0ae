#!/bin/bash
# containerd NRI plugin: real containerd (NRI enabled) creates host-network
# pods through CRI (our tsp-cri client) from a locally imported busybox
# image; tcp-splice-nri attaches annotated pods' containers (pod-level and
# per-container annotations), leaves unannotated ones alone, detaches on
# stop/remove, reconnects and reconciles across containerd and plugin
# restarts (malformed record files next to good ones are skipped and
# logged, never fatal, and one under a container's own name is replaced),
# fails strict pods with bad annotations at creation and strict pods whose
# attach fails at start, and a stopped or crashed plugin never blocks pod
# creation; containerd launches it pre-registered from its plugin_path
# (connection on fd 3). Two pods through a ClusterIP-style DNAT are
# spliced, each annotated with the port it sees.
# timeout: 1500
source "$TSP_LIB/testlib.sh"

W=/run/tsp-nri
CTD_SOCK=$W/containerd.sock
NRI_SOCK=$W/nri.sock
RECORDS=/run/tcp-splice/containers
LINKS=/sys/fs/bpf/tcp_splice/links
mkdir -p $W /var/log/tsp-pods
c() { mod_counter "$1"; }
cri() { timeout 120 tsp-cri --socket "unix://$CTD_SOCK" "$@"; }

# The config in the form this containerd documents: version 2 for 1.x;
# version 3 for 2.x, where the CRI plugin is split and sandbox_image became
# the images plugin's pinned_images.sandbox (2.x would migrate a version 2
# config to just this; writing it tests what a 2.x user writes). The NRI
# table is the same in both.
CTD_MAJOR=$(containerd --version | awk '{ v = $3; sub(/^v/, "", v); split(v, a, "."); print a[1] + 0 }')
if [ "${CTD_MAJOR:-1}" -ge 2 ]; then
	CTD_CONFIG_VERSION=3
	CTD_CONFIG_CRI="[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = \"localhost/tsp-pause:1\""
else
	CTD_CONFIG_VERSION=2
	CTD_CONFIG_CRI="[plugins.\"io.containerd.grpc.v1.cri\"]
  sandbox_image = \"localhost/tsp-pause:1\""
fi
cat >$W/config.toml <<EOF
version = $CTD_CONFIG_VERSION
root = "/var/lib/tsp-containerd"
state = "$W/state"
[grpc]
  address = "$CTD_SOCK"
$CTD_CONFIG_CRI
[plugins."io.containerd.nri.v1.nri"]
  disable = false
  disable_connections = false
  plugin_config_path = "$W/nri-conf.d"
  plugin_path = "$W/nri-plugins"
  plugin_registration_timeout = "5s"
  plugin_request_timeout = "2s"
  socket_path = "$NRI_SOCK"
EOF
mkdir -p $W/nri-conf.d $W/nri-plugins

ctd_start() {
	containerd --config $W/config.toml >>$W/containerd.log 2>&1 &
	CTD=$!
	for _ in $(seq 300); do
		[ -S $CTD_SOCK ] && cri version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
ctd_stop() {
	kill "$CTD" 2>/dev/null
	wait "$CTD" 2>/dev/null
	rm -f $CTD_SOCK
}
plugin_start() {
	tcp-splice-nri --socket $NRI_SOCK --stderr >>$W/plugin.log 2>&1 &
	PLUGIN=$!
}
# log_wait PATTERN [N]: the plugin log has PATTERN at least N times (default 1).
log_wait() {
	for _ in $(seq 150); do
		[ "$(grep -c -- "$1" $W/plugin.log)" -ge "${2:-1}" ] && return 0
		sleep 0.2
	done
	return 1
}
# has_record ID...: each container has its record and its pinned link.
has_record() {
	local id
	for id; do [ -n "$id" ] && [ -e "$RECORDS/ctr-$id.json" ] && [ -e "$LINKS/ctr-$id" ] || return 1; done
}
# no_record ID...: none of them has either.
no_record() {
	local id
	for id; do [ -n "$id" ] && ! [ -e "$RECORDS/ctr-$id.json" ] && ! [ -e "$LINKS/ctr-$id" ] || return 1; done
}
# pod NAME [--annotation K=V]...: a pod; prints its id.
pod() {
	mkdir -p "/var/log/tsp-pods/$1"
	cri runp "$@"
}
# run_ctr POD PODNAME NAME [create options] --sh SCRIPT: a started container; prints its id.
run_ctr() {
	local pod=$1 podname=$2 name=$3 id
	shift 3
	id=$(cri create "$pod" "$name" localhost/tsp-app:1 --pod-name "$podname" "$@") || return 1
	cri start "$id" || return 1
	echo "$id"
}
# An nc server and a client that writes a line a second: a live pair. Both
# loop, so neither container exits when a connection attempt comes early.
# (nc quits when its stdin ends, and a container's stdin is /dev/null.)
serve() { echo "while true; do sleep 100000 | nc -l -p $1 >/dev/null; done"; }
client() { echo "while true; do (while true; do echo ping; sleep 1; done) | nc 127.0.0.1 $1; sleep 1; done"; }
# established PORT: a TCP connection on PORT exists (spliced or not).
established() {
	for _ in $(seq 100); do
		[ -n "$(ss -Htn state established "( sport = :$1 )")" ] && return 0
		sleep 0.2
	done
	return 1
}
pair_on() { grep -q ":$1\b" /proc/net/tcp_splice_pairs; }
wait_pair() { for _ in $(seq 100); do pair_on "$1" && return 0; sleep 0.2; done; return 1; }

python3 "$TSP_LIB/oci_image.py" $W/image.tar localhost/tsp-pause:1 localhost/tsp-app:1
# Not inside check: its subshell would lose $CTD.
ctd_start
check_eq "containerd starts with NRI enabled" 0 "$?"
check "the busybox image imports into k8s.io" \
	ctr -a $CTD_SOCK -n k8s.io images import --all-platforms $W/image.tar
check "tsp-cri talks CRI" cri version

plugin_start
check "the plugin registers" log_wait "registered as 50-tcp-splice"
check "... is configured by containerd" log_wait "configured by containerd"
check "... and synchronized" log_wait "synchronized:"

# --- an annotated pod: both containers attached, their connection spliced ---
p0=$(c pairs_total)
A=$(pod tsp-a --annotation io.tcp-splice/ports=7000)
check "annotated pod runs" test -n "$A"
AS=$(run_ctr "$A" tsp-a srv --pod-annotation io.tcp-splice/ports=7000 --sh "$(serve 7000)")
AC=$(run_ctr "$A" tsp-a cli --pod-annotation io.tcp-splice/ports=7000 --sh "$(client 7000)")
check "... its containers run" test -n "$AS" -a -n "$AC"
check "... both containers attached (record and pinned link each)" has_record "$AS" "$AC"
check "... one log line per decision" log_wait "tsp/tsp-a/srv (${AS:0:12}): attached on"
check "... their connection is spliced" wait_pair 7000
check "... and the pair moves bytes through the ring" \
	sh -c "sleep 3; grep ':7000' /proc/net/tcp_splice_pairs | grep -vq 'bytes_ab=0 bytes_ba=0'"

# --- two pods through a ClusterIP-style DNAT: each end's policy on its own view ---
# The client pod dials the Service 10.96.0.30:80, DNAT'd to the node's
# 10.0.0.1:7010 where the server pod (host network) listens: the client is
# annotated with the port it dials, the server with the port it listens on.
# The guest has no default route: one for the Service address, as a node has.
ip addr add 10.0.0.1/32 dev tsp-dummy0 2>/dev/null
ip route add 10.96.0.30/32 dev tsp-dummy0
iptables -t nat -A OUTPUT -d 10.96.0.30/32 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1:7010
clientto() { echo "while true; do (while true; do echo ping; sleep 1; done) | nc $1 $2; sleep 1; done"; }
n0=$(c pairs_nat)
S=$(pod tsp-s --annotation io.tcp-splice/ports=7010)
SS=$(run_ctr "$S" tsp-s srv --pod-annotation io.tcp-splice/ports=7010 --sh "$(serve 7010)")
CP=$(pod tsp-c --annotation io.tcp-splice/ports=80)
CC=$(run_ctr "$CP" tsp-c cli --pod-annotation io.tcp-splice/ports=80 --sh "$(clientto 10.96.0.30 80)")
check "a server pod (ports=7010) and a client pod (ports=80) dialling the Service 10.96.0.30:80" \
	test -n "$SS" -a -n "$CC"
check "... their connection is spliced through the DNAT" wait_pair 7010
check "... marked nat=1, the client seeing the Service address" \
	sh -c "grep ':7010' /proc/net/tcp_splice_pairs | grep 'nat=1' | grep -q '10.96.0.30:80'"
check "... counted in pairs_nat" test "$(c pairs_nat)" -gt "$n0"
check "... and moves bytes through the ring" \
	sh -c "sleep 3; grep ':7010' /proc/net/tcp_splice_pairs | grep -vq 'bytes_ab=0 bytes_ba=0'"
for id in $CC $SS; do cri stop "$id" >/dev/null 2>&1; cri rm "$id" >/dev/null 2>&1; done
for id in $CP $S; do cri stopp "$id" >/dev/null 2>&1; cri rmp "$id" >/dev/null 2>&1; done
iptables -t nat -D OUTPUT -d 10.96.0.30/32 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1:7010
ip route del 10.96.0.30/32 dev tsp-dummy0
ip addr del 10.0.0.1/32 dev tsp-dummy0 2>/dev/null

# --- an unannotated pod: nothing attached, nothing spliced ---
B=$(pod tsp-b)
BS=$(run_ctr "$B" tsp-b srv --sh "$(serve 7001)")
BC=$(run_ctr "$B" tsp-b cli --sh "$(client 7001)")
check "unannotated pod: its containers are connected" established 7001
check "unannotated pod: no record, no link" no_record "$BS" "$BC"
check "... its connection is not spliced" sh -c '! grep -q ":7001\b" /proc/net/tcp_splice_pairs'

# --- per-container annotation on the pod: only that container ---
C=$(pod tsp-c --annotation io.tcp-splice/ports.container.cli=7002)
CS=$(run_ctr "$C" tsp-c srv --pod-annotation io.tcp-splice/ports.container.cli=7002 --sh "$(serve 7002)")
CC=$(run_ctr "$C" tsp-c cli --pod-annotation io.tcp-splice/ports.container.cli=7002 --sh "$(client 7002)")
check "ports.container.cli: the cli container is attached" has_record "$CC"
check "... the srv container is not" no_record "$CS"
check "... its containers are connected" established 7002
check "... so its connection stays TCP (one end only)" sh -c 'sleep 2; ! grep -q ":7002\b" /proc/net/tcp_splice_pairs'

# --- malformed annotations: the container runs, one line says why; strict fails it ---
D=$(pod tsp-d --annotation io.tcp-splice/ports=70000)
DC=$(run_ctr "$D" tsp-d app --pod-annotation io.tcp-splice/ports=70000 --sh "sleep 1000")
check "malformed annotation: the container still runs" test -n "$DC"
check "... not attached" no_record "$DC"
check "... and the plugin log says why" log_wait "tsp/tsp-d/app (${DC:0:12}): not attached: .*70000"
E=$(pod tsp-e --annotation io.tcp-splice/ports=abc --annotation io.tcp-splice/strict=true)
check_fails "strict with a malformed annotation: container creation fails, naming us" "tcp-splice" \
	cri create "$E" app localhost/tsp-app:1 --pod-name tsp-e \
	--pod-annotation io.tcp-splice/ports=abc --pod-annotation io.tcp-splice/strict=true --sh "sleep 1000"

# --- strict and the attach fails (no bpffs: a tmpfs hides it): the start ---
# --- fails with our reason in the CRI error; a non-strict container starts ---
mount -t tmpfs tsp-no-bpffs /sys/fs/bpf
K=$(pod tsp-k --annotation io.tcp-splice/ports=7008 --annotation io.tcp-splice/strict=true)
KC=$(cri create "$K" app localhost/tsp-app:1 --pod-name tsp-k --pod-annotation io.tcp-splice/ports=7008 \
	--pod-annotation io.tcp-splice/strict=true --sh "sleep 1000")
check "strict, attach failing: the container is created" test -n "$KC"
check_fails "... its start fails, the CRI error naming us and why" \
	"tcp-splice: container tsp/tsp-k/app \(${KC:0:12}\): strict and not attached: no BPF filesystem" \
	cri start "$KC"
check "... and the plugin log says so" log_wait "tsp/tsp-k/app (${KC:0:12}): strict and not attached: .*failing its start"
L=$(pod tsp-l --annotation io.tcp-splice/ports=7009)
LC=$(run_ctr "$L" tsp-l app --pod-annotation io.tcp-splice/ports=7009 --sh "sleep 1000")
check "non-strict, attach failing: the container still starts" test -n "$LC"
check "... with one log line saying why" log_wait "tsp/tsp-l/app (${LC:0:12}): not attached: no BPF filesystem"
umount /sys/fs/bpf
check "... neither left a record or a link" no_record "$KC" "$LC"

# --- stop and remove: detached ---
check "stop pod A" cri stopp "$A"
check "... both containers detached" no_record "$AS" "$AC"
check "... remove pod A" cri rmp "$A"

# --- containerd restarts under the plugin: it reconnects and resynchronizes, ---
# --- skipping (and logging) malformed records left next to the good ones ---
mkdir -p $RECORDS
echo '{"id":5}' >$RECORDS/ctr-junk-num.json
echo '[]' >$RECORDS/ctr-junk-array.json
echo '"x"' >$RECORDS/ctr-junk-string.json
printf '{"id":"junk-cut","cgroup":"/sys' >$RECORDS/ctr-junk-cut.json
mkdir -p $RECORDS/ctr-junk-dir.json
head -c 100000 /dev/zero | tr '\0' ' ' >$RECORDS/ctr-junk-big.json
n_sync=$(grep -c "synchronized:" $W/plugin.log)
ctd_stop
ctd_start
check_eq "containerd restarts" 0 "$?"
check "the plugin reconnected and synchronized again" log_wait "synchronized:" $((n_sync + 1))
check "... malformed records: the plugin is still running" kill -0 "$PLUGIN"
check "... and logged each one, naming the file" sh -c "
	for f in num array string cut dir big; do
		grep -q \"$RECORDS/ctr-junk-\$f.json.*skipped\" $W/plugin.log || exit 1
	done"
check "... the running attached container is still attached" has_record "$CC"
J=$(pod tsp-j --annotation io.tcp-splice/ports=7007)
JC=$(cri create "$J" app localhost/tsp-app:1 --pod-name tsp-j --pod-annotation io.tcp-splice/ports=7007 \
	--sh "sleep 1000")
echo '{"id":5}' >"$RECORDS/ctr-$JC.json"
check "a malformed record under a new container's own name: it starts" cri start "$JC"
check "... attached" has_record "$JC"
check "... its record replaced by a good one" grep -q "\"id\":\"$JC\"" "$RECORDS/ctr-$JC.json"
check "... and the plugin log says so" log_wait "container ${JC:0:12}: replaced a malformed record"
F=$(pod tsp-f --annotation io.tcp-splice/ports=7003)
FS=$(run_ctr "$F" tsp-f srv --pod-annotation io.tcp-splice/ports=7003 --sh "$(serve 7003)")
FC=$(run_ctr "$F" tsp-f cli --pod-annotation io.tcp-splice/ports=7003 --sh "$(client 7003)")
check "... new annotated pods are attached after the restart" has_record "$FS" "$FC"
check "... and spliced" wait_pair 7003

# --- the plugin away while a pod goes: reconciled when it comes back ---
kill "$PLUGIN"
wait "$PLUGIN"
check_eq "the plugin exits 0 on SIGTERM" 0 "$?"
cri stopp "$F" && cri rmp "$F"
check "... F's records are stale while it is away" has_record "$FC"
n_sync=$(grep -c "synchronized:" $W/plugin.log)
plugin_start
check "restarted plugin synchronizes" log_wait "synchronized:" $((n_sync + 1))
check "... and removes the stale attachments" no_record "$FS" "$FC"
check "... keeping the live ones" has_record "$CC"

# --- a stopped (unresponsive) plugin never blocks pod creation ---
kill -STOP "$PLUGIN"
G=$(pod tsp-g --annotation io.tcp-splice/ports=7004)
GC=$(run_ctr "$G" tsp-g app --pod-annotation io.tcp-splice/ports=7004 --sh "sleep 1000")
check "stopped plugin: the pod and its container still start" test -n "$G" -a -n "$GC"
kill -CONT "$PLUGIN"
check "... the plugin reconnects once it runs again" log_wait "synchronized:" $((n_sync + 2))
check "... and attaches the container it missed" has_record "$GC"

# --- a crashed plugin never blocks pod creation either ---
kill -9 "$PLUGIN"
wait "$PLUGIN" 2>/dev/null
H=$(pod tsp-h --annotation io.tcp-splice/ports=7005)
HC=$(run_ctr "$H" tsp-h app --pod-annotation io.tcp-splice/ports=7005 --sh "sleep 1000")
check "crashed plugin: the pod and its container still start" test -n "$H" -a -n "$HC"

# --- every pod gone: nothing left ---
plugin_start
check "plugin back" log_wait "synchronized:" $((n_sync + 3))
check "... still skipping the malformed records" log_wait "ctr-junk-num.json .*skipped" 3
rm -rf $RECORDS/ctr-junk-*
for p in $B $C $D $E $G $H $J $K $L; do cri stopp "$p" >/dev/null 2>&1; cri rmp "$p" >/dev/null 2>&1; done
check "every pod gone: no record left" sh -c "! ls $RECORDS/ 2>/dev/null | grep -q ."
kill "$PLUGIN"
wait "$PLUGIN"

# --- pre-registered: containerd launches the plugin (connection on fd 3) ---
install -m 0755 "$(command -v tcp-splice-nri)" $W/nri-plugins/60-tcp-splice
ctd_stop
ctd_start
check_eq "containerd restarts with the plugin in its plugin_path" 0 "$?"
# (The [s] keeps pgrep from matching a shell whose command line holds the pattern.)
launched() { pgrep -f 'nri-plugin[s]/60-tcp-splice' >/dev/null; }
check "... and launches it" launched
I=$(pod tsp-i --annotation io.tcp-splice/ports=7006)
IC=$(run_ctr "$I" tsp-i app --pod-annotation io.tcp-splice/ports=7006 --sh "sleep 1000")
check "the launched plugin attaches an annotated container" has_record "$IC"
cri stopp "$I" >/dev/null && cri rmp "$I" >/dev/null
check "... and detaches it when the pod goes" no_record "$IC"
ctd_stop
for _ in $(seq 50); do launched || break; sleep 0.2; done
check "containerd stopped: the launched plugin has exited" test -z "$(pgrep -f 'nri-plugin[s]/60-tcp-splice')"
echo "--- plugin log ---"
cat $W/plugin.log
for f in /var/log/tsp-pods/*/*.log; do
	echo "--- $f (tail) ---"
	tail -n 5 "$f"
done
echo "--- containerd log (tail) ---"
tail -n 60 $W/containerd.log
tcp-splice-ctl disable >/dev/null 2>&1
t_done
