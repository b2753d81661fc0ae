#!/bin/bash
# OCI runtime hook: runc containers carrying io.tcp-splice/* annotations get
# the shared program on their cgroup at createRuntime and lose it at
# poststop; annotated containers in two netns over veth+bridge reach the
# kfunc on both ends, unannotated ones do not; 20 parallel starts; fail-open
# and strict; the docker wrapper path; podman with hooks.d.
# timeout: 1200
source "$TSP_LIB/testlib.sh"
source "$TSP_LIB/netns.sh"

PIN=/sys/fs/bpf/tcp_splice
STATE=/run/tcp-splice/containers
W=/tmp/oci
ROOTFS=$W/rootfs
SYSLOG=$W/syslog.txt
HOOK=/usr/libexec/tcp-splice/tcp-splice-hook
HOOKSD=/usr/share/containers/oci/hooks.d
mkdir -p $W

calls() { mod_counter kfunc_accepted; }
no_pins() { [ -z "$(find $PIN -mindepth 1 -not -type d 2>/dev/null)" ]; }
links() { find $PIN/links -mindepth 1 2>/dev/null | wc -l; }
records() { find $STATE -name '*.json' 2>/dev/null | wc -l; }
bundle() { python3 "$TSP_LIB/oci_bundle.py" "$W/b/$1" "$ROOTFS" "${@:2}"; }
log_has() { grep -E -- "$1" $SYSLOG; }
# Commands whose children keep stdio open (detached containers) must not
# write into check's capture: their output goes to a file, shown on failure.
quiet() { "$@" </dev/null >"$W/last.out" 2>&1 || { cat "$W/last.out"; return 1; }; }
start_bg() { quiet runc run -d -b "$W/b/$1" "tsp-$1"; }

# --- install as `make install` lays it out ---
cp -a "$TSP_STAGE/usr/." /usr/
check "hook installed in /usr/libexec/tcp-splice" test -x $HOOK
check "runtime wrapper installed in /usr/sbin" test -x /usr/sbin/tcp-splice-runtime
check "hooks.d entries installed" test -f $HOOKSD/50-tcp-splice-createruntime.json -a \
	-f $HOOKSD/50-tcp-splice-poststop.json
check "hooks.d entries name the installed hook" grep -q "\"$HOOK\"" \
	$HOOKSD/50-tcp-splice-createruntime.json

python3 "$TSP_LIB/syslogd.py" $SYSLOG </dev/null >/dev/null 2>&1 3>&- &
SYSLOGD=$!
for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done

mkdir -p $ROOTFS/{usr,proc,dev,tmp,sys,t,etc,run}
for d in bin lib lib64 sbin; do ln -sfn usr/$d $ROOTFS/$d; done

# Two netns on a bridge, as container networks are.
bridge_netns tsp-br0 10.77.0 tsp-a tsp-b tsp-c tsp-d
check "netns a reaches b over the bridge" ip netns exec tsp-b ping -c1 -W5 10.77.0.1

# --- two annotated containers over veth+bridge ---
ANN=(--annotation io.tcp-splice/ports=6379)
bundle srv --netns /run/netns/tsp-a --cgroup /tsp-oci/srv --hook $HOOK "${ANN[@]}" \
	-- python3 /t/echo.py serve 10.77.0.1 6379 1
bundle cli --netns /run/netns/tsp-b --cgroup /tsp-oci/cli --hook $HOOK "${ANN[@]}" \
	-- python3 /t/echo.py connect 10.77.0.1 6379
c0=$(calls)
check "annotated server container starts (runc run -d)" \
	start_bg srv
check "... attached: link pinned under $PIN/links" test -e $PIN/links/ctr-tsp-srv
check "... record kept for poststop" test -f $STATE/ctr-tsp-srv.json
check "... record names the container's cgroup" grep -q '"/sys/fs/cgroup/tsp-oci/srv"' \
	$STATE/ctr-tsp-srv.json
check "... status lists the attachment" grep -q 'ctr-tsp-srv cgroup=/sys/fs/cgroup/tsp-oci/srv' \
	<(tcp-splice-ctl status)
check "... server listening" wait_listen tsp-a 6379
check "annotated client container talks to it (64 KiB echoed)" \
	runc run -b $W/b/cli tsp-cli </dev/null
check_eq "... both ends reached the kfunc" $((c0 + 2)) "$(calls)"
check "... hook logged the attach with the container id" \
	log_has 'tcp-splice-hook\[[0-9]+\]: container tsp-cli: attached on /sys/fs/cgroup/tsp-oci/cli \(loopback_only=0, ports=6379\)'
check "... client's pins removed at poststop (runc run exit)" test ! -e $PIN/links/ctr-tsp-cli
check "... client's record removed" test ! -e $STATE/ctr-tsp-cli.json
runc kill tsp-srv KILL 2>/dev/null
for _ in $(seq 50); do runc state tsp-srv 2>/dev/null | grep -q '"stopped"' && break; sleep 0.1; done
check "runc delete of the server" runc delete tsp-srv
check "... poststop logged the detach" log_has 'container tsp-srv: detached'
check "... nothing left under bpffs" no_pins
check "... no records left" test "$(records)" = 0

# --- unannotated containers are not touched ---
bundle usrv --netns /run/netns/tsp-c --cgroup /tsp-oci/usrv --hook $HOOK \
	-- python3 /t/echo.py serve 10.77.0.3 6379 1
bundle ucli --netns /run/netns/tsp-d --cgroup /tsp-oci/ucli --hook $HOOK \
	-- python3 /t/echo.py connect 10.77.0.3 6379
c0=$(calls)
start_bg usrv
wait_listen tsp-c 6379
check "unannotated client talks to unannotated server" runc run -b $W/b/ucli tsp-ucli </dev/null
check_eq "... kfunc not reached" "$c0" "$(calls)"
check "... nothing pinned" no_pins
runc delete -f tsp-usrv
check "... no hook log lines for them" bash -c "! grep -q 'container tsp-u' $SYSLOG"

# --- an annotated client of an unannotated server: stays TCP ---
bundle usrv2 --netns /run/netns/tsp-c --cgroup /tsp-oci/usrv2 --hook $HOOK \
	-- python3 /t/echo.py serve 10.77.0.3 6380 1
bundle acli --netns /run/netns/tsp-b --cgroup /tsp-oci/acli --hook $HOOK \
	--annotation io.tcp-splice/ports=6380 -- python3 /t/echo.py connect 10.77.0.3 6380
start_bg usrv2
wait_listen tsp-c 6380
c0=$(calls)
check "annotated client to unannotated server works" runc run -b $W/b/acli tsp-acli </dev/null
# The unannotated server answers without a token: the client is never offered.
check_eq "... neither end reached the kfunc (the server sent no token)" "$c0" "$(calls)"
runc delete -f tsp-usrv2
check "... nothing pinned afterwards" no_pins

# --- 20 containers started in parallel ---
for i in $(seq 1 20); do
	bundle p$i --cgroup /tsp-oci/p$i --hook $HOOK "${ANN[@]}" -- sleep 600
done
pids=()
for i in $(seq 1 20); do
	runc run -d -b $W/b/p$i tsp-p$i </dev/null >$W/p$i.out 2>&1 &
	pids+=($!)
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
check_eq "20 parallel runc run -d all started" 20 "$ok"
check_eq "... 20 links pinned" 20 "$(links)"
check_eq "... 20 records" 20 "$(records)"
check_eq "... 20 attach lines logged" 20 "$(grep -c 'container tsp-p[0-9]*: attached on' $SYSLOG)"
check "... each link on its own container's cgroup" bash -c '
	for i in $(seq 1 20); do
		tcp-splice-ctl status | grep -q "ctr-tsp-p$i cgroup=/sys/fs/cgroup/tsp-oci/p$i " || exit 1
	done'
pids=()
for i in $(seq 1 20); do
	runc delete -f tsp-p$i >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
check "... all stopped in parallel: nothing left under bpffs" no_pins
check_eq "... no records" 0 "$(records)"

# --- per-container policy next to a host-wide enable: the deepest decides ---
check "host-wide enable on the containers' parent cgroup, port 7000" \
	tcp-splice-ctl enable --cgroup /sys/fs/cgroup/tsp-oci --ports 7000
bundle co1 --netns /run/netns/tsp-c --cgroup /tsp-oci/co1 --hook $HOOK "${ANN[@]}" \
	-- python3 /t/conn.py 127.0.0.1 6379
c0=$(calls)
check "container with ports=6379 under it" runc run -b $W/b/co1 tsp-co1 </dev/null
check_eq "... its own policy applies (6379 reached the kfunc)" $((c0 + 2)) "$(calls)"
bundle co2 --netns /run/netns/tsp-c --cgroup /tsp-oci/co2 --hook $HOOK \
	--annotation io.tcp-splice/enabled=false -- python3 /t/conn.py 127.0.0.1 7000
c0=$(calls)
check "container with enabled=false on the host-wide port" runc run -b $W/b/co2 tsp-co2 </dev/null
check_eq "... opted out (kfunc not reached)" "$c0" "$(calls)"
bundle co3 --netns /run/netns/tsp-c --cgroup /tsp-oci/co3 --hook $HOOK \
	-- python3 /t/conn.py 127.0.0.1 7000
c0=$(calls)
check "unannotated container on the host-wide port" runc run -b $W/b/co3 tsp-co3 </dev/null
check_eq "... host-wide policy applies" $((c0 + 2)) "$(calls)"
check "host-wide disable" tcp-splice-ctl disable
check "... nothing left under bpffs" no_pins

# --- a retried createRuntime is harmless ---
bundle retry --cgroup /tsp-oci/retry --hook $HOOK "${ANN[@]}" -- sleep 600
start_bg retry
retry_state=$(runc state tsp-retry | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({"ociVersion":"1.2.0","id":d["id"],"status":"creating","pid":d["pid"],"bundle":d["bundle"],"annotations":{"io.tcp-splice/ports":"6379"}}))')
check "createRuntime run again for a running container" $HOOK createRuntime <<<"$retry_state"
check_eq "... still one link" 1 "$(links)"
check "... logged as already attached" log_has 'container tsp-retry: already attached'
runc delete -f tsp-retry
check "... removed at delete" no_pins

# --- malformed annotations: fail-open, one clear line ---
for bad in abc 70000 1-2-3 ''; do
	bundle bad --cgroup /tsp-oci/bad --hook $HOOK --annotation "io.tcp-splice/ports=$bad" -- true
	check "ports='$bad': container still runs" runc run -b $W/b/bad tsp-bad </dev/null
done
check "... one log line per start, naming the key and the fix" \
	test "$(grep -c 'container tsp-bad: io.tcp-splice/ports: bad port.*; container started without tcp-splice' $SYSLOG)" = 4
check "... nothing pinned" no_pins
bundle badb --cgroup /tsp-oci/badb --hook $HOOK "${ANN[@]}" \
	--annotation io.tcp-splice/loopback-only=yes -- true
check "loopback-only=yes: container still runs" runc run -b $W/b/badb tsp-badb </dev/null
check "... logged with the fix" log_has "container tsp-badb: bad io.tcp-splice/loopback-only='yes': use true or false"
bundle unk --cgroup /tsp-oci/unk --hook $HOOK "${ANN[@]}" --annotation io.tcp-splice/port=1 -- true
check "unknown key: container runs" runc run -b $W/b/unk tsp-unk </dev/null
check "... warned about the unknown key" log_has 'container tsp-unk: unknown annotation io.tcp-splice/port ignored'
check "... and attached anyway" log_has 'container tsp-unk: attached on'

# --- strict mode fails the container with that one line ---
bundle strict --cgroup /tsp-oci/strict --hook $HOOK --annotation io.tcp-splice/ports=abc \
	--annotation io.tcp-splice/strict=true -- true
check_fails "strict + ports=abc: runc refuses the container, showing the reason" \
	"tcp-splice: container tsp-strict: io.tcp-splice/ports: bad port 'abc'" \
	runc run -b $W/b/strict tsp-strict
runc delete -f tsp-strict 2>/dev/null
check "... nothing pinned" no_pins
echo '{"hook":{"strict":true}}' >$W/strict.json
bundle strict2 --cgroup /tsp-oci/strict2 --hook $HOOK --hook-env TCP_SPLICE_CONFIG=$W/strict.json \
	--annotation io.tcp-splice/ports=6379 --annotation io.tcp-splice/enabled=maybe -- true
check_fails "strict from the config file: enabled=maybe refused" \
	"tcp-splice: container tsp-strict2: bad io.tcp-splice/enabled='maybe'" \
	runc run -b $W/b/strict2 tsp-strict2
runc delete -f tsp-strict2 2>/dev/null
rmmod tcp_splice
bundle nomod --cgroup /tsp-oci/nomod --hook $HOOK "${ANN[@]}" -- true
check "module not loaded: container still runs" runc run -b $W/b/nomod tsp-nomod </dev/null
check "... logged what to do" log_has 'container tsp-nomod: .*not loaded.*insmod|modprobe'
bundle nomods --cgroup /tsp-oci/nomods --hook $HOOK "${ANN[@]}" \
	--annotation io.tcp-splice/strict=true -- true
check_fails "module not loaded + strict: refused with the reason" "tcp-splice: container tsp-nomods: .*not loaded" \
	runc run -b $W/b/nomods tsp-nomods
runc delete -f tsp-nomods 2>/dev/null
insmod "$TSP_KO"

# --- seccomp confinement: the allow-list covers everything the hook does ---
bundle sc --cgroup /tsp-oci/sc --hook $HOOK "${ANN[@]}" --hook-env TCP_SPLICE_SECCOMP=log -- true
check "with the filter in log mode the hook works" runc run -b $W/b/sc tsp-sc </dev/null
check "... and the audit log names no syscall outside the allow-list" \
	bash -c "! dmesg | grep -q 'comm=\"tcp-splice-hook\".*syscall='"

# --- docker path: runc through tcp-splice-runtime ---
bundle dsrv --netns /run/netns/tsp-a --cgroup /tsp-oci/dsrv "${ANN[@]}" \
	-- python3 /t/echo.py serve 10.77.0.1 6379 1
bundle dcli --netns /run/netns/tsp-b --cgroup /tsp-oci/dcli "${ANN[@]}" \
	-- python3 /t/echo.py connect 10.77.0.1 6379
check "config.json has no hooks before the wrapper" bash -c "! grep -q hooks $W/b/dsrv/config.json"
c0=$(calls)
check "tcp-splice-runtime create (shim-style arguments)" \
	quiet tcp-splice-runtime --root /run/runc --log $W/dsrv.log --log-format json create \
	--bundle $W/b/dsrv --pid-file $W/dsrv.pid tsp-dsrv
check "... the wrapper added both hooks to config.json" python3 -c "
import json; h = json.load(open('$W/b/dsrv/config.json'))['hooks']
assert h['createRuntime'][0]['path'] == '$HOOK' and h['poststop'][0]['path'] == '$HOOK'"
check "... attached at create" test -e $PIN/links/ctr-tsp-dsrv
check "tcp-splice-runtime start" tcp-splice-runtime --root /run/runc start tsp-dsrv
wait_listen tsp-a 6379
(cd $W/b/dcli && tcp-splice-runtime create tsp-dcli </dev/null >/dev/null 2>&1 &&
	tcp-splice-runtime start tsp-dcli)
for _ in $(seq 100); do runc state tsp-dcli 2>/dev/null | grep -q '"stopped"' && break; sleep 0.1; done
check_eq "... both wrapper-started ends reached the kfunc (bundle = cwd)" $((c0 + 2)) "$(calls)"
check "tcp-splice-runtime delete -f" tcp-splice-runtime delete -f tsp-dsrv
tcp-splice-runtime delete -f tsp-dcli
check "... nothing left under bpffs" no_pins
bundle dplain --cgroup /tsp-oci/dplain -- true
cp $W/b/dplain/config.json $W/dplain.before
check "unannotated: the wrapper only passes through" tcp-splice-runtime run -b $W/b/dplain tsp-dplain
check "... config.json untouched" cmp $W/b/dplain/config.json $W/dplain.before
check_fails "wrapper never execs itself" "no OCI runtime found" \
	env TCP_SPLICE_CONFIG=$W/self.json bash -c "echo '{\"runtime\":{\"runtimes\":[\"/usr/sbin/tcp-splice-runtime\"]}}' >$W/self.json && tcp-splice-runtime --version"

# --- podman with hooks.d and --annotation ---
PODMAN=(podman --cgroup-manager cgroupfs --events-backend file --runtime runc)
if "${PODMAN[@]}" info >$W/podman-info.txt 2>&1; then
	c0=$(calls)
	check "podman run --annotation io.tcp-splice/ports=6379 (hooks.d)" \
		"${PODMAN[@]}" run --rm --network none --annotation io.tcp-splice/ports=6379 \
		-v /usr:/usr:ro -v "$TSP_LIB":/t:ro --rootfs $ROOTFS \
		python3 /t/conn.py 127.0.0.1 6379
	check_eq "... both ends reached the kfunc" $((c0 + 2)) "$(calls)"
	check "... hook attached it" log_has 'container [0-9a-f]{12}: attached on /sys/fs/cgroup/.*libpod'
	check "... poststop removed it" no_pins
	# A published port (podman run -p, netavark's DNAT) reached from the
	# host: the container end attached by the hook, the host end by a
	# host cgroup of our own.
	mkdir -p /sys/fs/cgroup/tsp-oci-host
	ip addr add 10.0.0.1/32 dev tsp-dummy0 2>/dev/null
	check "podman run -d -p 18082:8080 --annotation io.tcp-splice/ports=8080 (netavark)" \
		"${PODMAN[@]}" run -d --name tsp-pub -p 18082:8080 --annotation io.tcp-splice/ports=8080 \
		-v /usr:/usr:ro -v "$TSP_LIB":/t:ro --rootfs $ROOTFS \
		python3 /t/nat.py serve 0.0.0.0 8080
	check "tcp-splice-ctl enable on a host cgroup (ports 18082)" \
		tcp-splice-ctl enable --cgroup /sys/fs/cgroup/tsp-oci-host --ports 18082
	check "... from the host to 10.0.0.1:18082: paired through the DNAT (nat=1), intact" \
		run_in /sys/fs/cgroup/tsp-oci-host -- timeout 120 python3 "$TSP_LIB/nat.py" connect \
		10.0.0.1 18082 3 65536 --expect-nat
	tcp-splice-ctl disable >/dev/null
	"${PODMAN[@]}" rm -f tsp-pub >/dev/null 2>&1
	ip addr del 10.0.0.1/32 dev tsp-dummy0 2>/dev/null
	check "... poststop removed it" no_pins
	c0=$(calls)
	check "podman run without the annotation" \
		"${PODMAN[@]}" run --rm --network none -v /usr:/usr:ro -v "$TSP_LIB":/t:ro \
		--rootfs $ROOTFS python3 /t/conn.py 127.0.0.1 6379
	check_eq "... kfunc not reached" "$c0" "$(calls)"
	check "... nothing pinned" no_pins
else
	cat $W/podman-info.txt
	t_fail "podman runs in the guest" "podman info failed"
fi

echo "--- syslog ---"
cat $SYSLOG
kill $SYSLOGD
bridge_netns_del tsp-br0 tsp-a tsp-b tsp-c tsp-d
t_done
