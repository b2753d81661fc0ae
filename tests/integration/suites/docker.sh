#!/bin/bash
# Docker for real: Debian's docker.io (dockerd, containerd, runc) with
# tcp-splice registered by `tcp-splice-ctl runtime configure --runtime
# docker`; `docker run --runtime tcp-splice --annotation io.tcp-splice/...`
# splices two containers' connection over docker's bridge, byte-exact; an
# unannotated pair is not spliced; the wrapper as the default runtime;
# `runtime unconfigure` restores daemon.json.
# timeout: 900
source "$TSP_LIB/testlib.sh"

W=/tmp/docker
DJ=/etc/docker/daemon.json
PIN=/sys/fs/bpf/tcp_splice
mkdir -p $W /etc/docker
calls() { mod_counter kfunc_accepted; }
links() { find $PIN/links -mindepth 1 2>/dev/null | wc -l; }
quiet() { "$@" </dev/null >"$W/last.out" 2>&1 || { cat "$W/last.out"; return 1; }; }

# --- install as `make install` lays it out ---
cp -a "$TSP_STAGE/usr/." /usr/
check "docker.io present (dockerd, docker)" bash -c "command -v dockerd && command -v docker"

# --- runtime configure --runtime docker ---
echo '{"log-level": "warn", "features": {"buildkit": false}}' >$DJ
check "runtime configure --runtime docker --dry-run changes nothing" \
	bash -c "tcp-splice-ctl runtime configure --runtime docker --dry-run >$W/dry.out &&
		grep -q tcp-splice-runtime $W/dry.out && ! grep -q tcp-splice $DJ"
check "runtime configure --runtime docker" tcp-splice-ctl runtime configure --runtime docker
check "... daemon.json registers the wrapper, keeps the other settings" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["runtimes"]["tcp-splice"]["path"] == "/usr/sbin/tcp-splice-runtime", d
assert d["log-level"] == "warn" and d["features"] == {"buildkit": False}, d
' $DJ
cp $DJ $W/configured.json
check "... a second run is a no-op" bash -c \
	"tcp-splice-ctl runtime configure --runtime docker | grep -q 'already configured' && cmp -s $DJ $W/configured.json"

# dockerd without iptables (the guest has no uplink); containers still meet
# on docker0.
start_dockerd() {
	dockerd --iptables=false --ip6tables=false --data-root $W/data >$W/dockerd.log 2>&1 </dev/null 3>&- &
	DOCKERD=$!
	for _ in $(seq 600); do docker info >/dev/null 2>&1 && return 0; sleep 0.2; done
	tail -n 30 $W/dockerd.log
	return 1
}
stop_dockerd() {
	kill "$DOCKERD" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$DOCKERD" 2>/dev/null || return 0; sleep 0.2; done
	kill -9 "$DOCKERD" 2>/dev/null
}
# Not inside check: its subshell would lose $DOCKERD.
start_dockerd
check_eq "dockerd starts" 0 "$?"
check "... lists the tcp-splice runtime" bash -c "docker info --format '{{json .Runtimes}}' | grep -q tcp-splice"

# An image of busybox and socat (with its libraries), from the guest's files.
make_image() {
	local r=$W/img bin lib
	rm -rf $r
	mkdir -p $r/bin $r/lib64 $r/tmp
	cp /bin/busybox $r/bin/
	for a in sh cat head sha256sum sleep cmp seq; do ln -s busybox $r/bin/$a; done
	bin=$(command -v socat)
	cp "$bin" $r/bin/socat
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
	tar -C $r -c . | docker import - tsp/socat:1 >/dev/null
}
check "a local image (busybox + socat) imported" make_image

# run_server NAME RUNTIME ANNOTATION...: an echo server on :7000, listening
# (run by check, in a subshell: the caller sets IP with srv_ip NAME).
run_server() {
	local name=$1 rt=$2 pid
	shift 2
	quiet docker run -d --name "$name" ${rt:+--runtime "$rt"} "$@" tsp/socat:1 \
		socat TCP-LISTEN:7000,reuseaddr,fork EXEC:/bin/cat || return 1
	pid=$(docker inspect -f '{{.State.Pid}}' "$name")
	for _ in $(seq 100); do
		nsenter -t "$pid" -n ss -Htln "( sport = :7000 )" | grep -q . && [ -n "$(srv_ip "$name")" ] && return 0
		sleep 0.1
	done
	echo "server $name ($(srv_ip "$name")) not listening; its log:"
	docker logs "$name" 2>&1 | tail -n 20
	return 1
}
srv_ip() { docker inspect -f '{{.NetworkSettings.IPAddress}}' "$1"; }
# run_client NAME RUNTIME ANNOTATION...: 1 MiB through the echo server,
# compared end to end inside the client container.
run_client() {
	local name=$1 rt=$2
	shift 2
	docker run --rm --name "$name" ${rt:+--runtime "$rt"} "$@" tsp/socat:1 sh -c "
		head -c 1048576 /dev/urandom >/tmp/in
		socat -t 5 TCP:$IP:7000 - </tmp/in >/tmp/out
		cmp /tmp/in /tmp/out && echo same" </dev/null >$W/client.out 2>&1
	grep -qx same $W/client.out && return 0
	echo "client output:"
	cat $W/client.out
	return 1
}

# --- two annotated containers ---
ANN=(--annotation io.tcp-splice/ports=7000)
c0=$(calls)
check "annotated server (docker run --runtime tcp-splice)" run_server tsp-srv tcp-splice "${ANN[@]}"
IP=$(srv_ip tsp-srv)
check "... attached (a link pinned)" test "$(links)" -ge 1
check "annotated client: 1 MiB echoed byte-exact" run_client tsp-cli tcp-splice "${ANN[@]}"
check_eq "... the connection reached the kfunc on both ends" 2 $(($(calls) - c0))
check "... ps shows the server's container" bash -c \
	"tcp-splice-ctl ps | grep -q $(docker inspect -f '{{.Id}}' tsp-srv | cut -c1-12)"
quiet docker rm -f tsp-srv
check "... poststop detached the server (no links left)" test "$(links)" = 0

# --- unannotated: the wrapper passes through, nothing spliced ---
c0=$(calls)
check "unannotated server with the wrapper" run_server tsp-srv2 tcp-splice
IP=$(srv_ip tsp-srv2)
check "unannotated client: echoed byte-exact" run_client tsp-cli2 tcp-splice
check_eq "... not spliced (kfunc not reached)" "$c0" "$(calls)"
check_eq "... nothing attached" 0 "$(links)"
quiet docker rm -f tsp-srv2

# --- the wrapper as docker's default runtime ---
stop_dockerd
check "runtime configure --runtime docker --set-as-default" \
	tcp-splice-ctl runtime configure --runtime docker --set-as-default
check "... default-runtime set" python3 -c '
import json, sys; assert json.load(open(sys.argv[1]))["default-runtime"] == "tcp-splice"' $DJ
start_dockerd
check_eq "dockerd restarts with it" 0 "$?"
c0=$(calls)
check "annotated server, no --runtime" run_server tsp-srv3 "" "${ANN[@]}"
IP=$(srv_ip tsp-srv3)
check "annotated client, no --runtime: echoed byte-exact" run_client tsp-cli3 "" "${ANN[@]}"
check_eq "... spliced through the default runtime (both ends)" 2 $(($(calls) - c0))
quiet docker rm -f tsp-srv3
stop_dockerd

# --- unconfigure ---
check "runtime unconfigure --runtime docker" tcp-splice-ctl runtime unconfigure --runtime docker
check "... daemon.json has neither our runtime nor the default" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert "tcp-splice" not in d.get("runtimes", {}) and "default-runtime" not in d, d
assert d["log-level"] == "warn", d' $DJ
check "nothing left under bpffs" test "$(links)" = 0

t_done
