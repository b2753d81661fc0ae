#!/bin/bash
# make demo: a redis server and a redis-benchmark client in two runc
# containers on a bridge (as container networks are), first plain, then with
# the annotation io.tcp-splice/ports=6379 on both; prints tcp-splice-ctl
# status while the spliced client runs and the requests per second of both.
# In the guest (tests/integration/run --script) the run's build is installed
# first; on a host it uses the installed tcp-splice (make install, or the
# packages) and the module, which must be loaded.
set -euo pipefail
REPS=${TSP_DEMO_REPS:-3}
N=${TSP_DEMO_REQUESTS:-20000}
here=$(cd "$(dirname "$0")" && pwd)
TSP_LIB=${TSP_LIB:-$here/../tests/integration/lib}
W=$(mktemp -d /tmp/tsp-demo.XXXXXX)
# shellcheck source=/dev/null
source "$TSP_LIB/netns.sh"

if [ -n "${TSP_STAGE:-}" ]; then cp -a "$TSP_STAGE/usr/." /usr/; fi
for t in runc redis-server redis-benchmark tcp-splice-ctl; do
	command -v $t >/dev/null || { echo "demo: $t not found (apt-get install runc redis-server redis-tools; make install)" >&2; exit 1; }
done
HOOK=
for h in /usr/libexec/tcp-splice/tcp-splice-hook /usr/local/libexec/tcp-splice/tcp-splice-hook; do
	[ -x "$h" ] && HOOK=$h && break
done
[ -n "$HOOK" ] || { echo "demo: tcp-splice-hook not installed (make install)" >&2; exit 1; }
[ -d /sys/module/tcp_splice ] || { echo "demo: the tcp_splice module is not loaded (modprobe tcp_splice)" >&2; exit 1; }

cleanup() {
	for c in $(runc list -q 2>/dev/null | grep '^tsp-demo-' || true); do runc delete -f "$c" >/dev/null 2>&1 || true; done
	bridge_netns_del tsp-demo-br demo-srv demo-cli >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
bridge_netns tsp-demo-br 10.88.0 demo-srv demo-cli
ROOTFS=$W/rootfs
mkdir -p $ROOTFS/{usr,proc,dev,tmp,sys,t,etc,run}
for d in bin lib lib64 sbin; do ln -sfn usr/$d $ROOTFS/$d; done

bundle() { python3 "$TSP_LIB/oci_bundle.py" "$W/b/$1" "$ROOTFS" "${@:2}"; }

# one MODE ANNOTATION...: one server, one benchmark run; prints requests/s.
one() {
	local mode=$1 id=$2
	shift 2
	bundle srv-$id --netns /run/netns/demo-srv --cgroup /tsp-demo/srv-$id --hook "$HOOK" "$@" \
		-- redis-server --port 6379 --bind 10.88.0.1 --protected-mode no --save '' --appendonly no
	bundle cli-$id --netns /run/netns/demo-cli --cgroup /tsp-demo/cli-$id --hook "$HOOK" "$@" \
		-- redis-benchmark -h 10.88.0.1 -p 6379 -t get -n "$N" -c 1 --csv
	runc run -d -b "$W/b/srv-$id" "tsp-demo-srv-$id" </dev/null >/dev/null 2>&1
	for _ in $(seq 100); do
		ip netns exec demo-srv ss -Htln "( sport = :6379 )" | grep -q . && break
		sleep 0.1
	done
	runc run -b "$W/b/cli-$id" "tsp-demo-cli-$id" </dev/null >"$W/out-$id" 2>&1 &
	local cli=$!
	if [ "$mode" = splice ] && [ "$id" = splice-1 ]; then
		sleep 2
		echo "---- tcp-splice-ctl status, while the spliced client runs ----" >&2
		tcp-splice-ctl status >&2 || true
		echo "----" >&2
	fi
	wait $cli || true
	runc delete -f "tsp-demo-srv-$id" >/dev/null 2>&1 || true
	sed -n 's/^"GET","\([0-9.]*\)".*/\1/p' "$W/out-$id"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "redis GET, 1 client, $N requests per run, $REPS runs each, alternating"
tcp=() spl=()
for i in $(seq "$REPS"); do
	tcp+=("$(one tcp tcp-$i)")
	spl+=("$(one splice splice-$i --annotation io.tcp-splice/ports=6379)")
	echo "  run $i: plain TCP ${tcp[-1]:-?} req/s, tcp-splice ${spl[-1]:-?} req/s"
done
t=$(printf '%s\n' "${tcp[@]}" | median)
s=$(printf '%s\n' "${spl[@]}" | median)
echo
printf 'plain TCP   %10.0f req/s (median)\n' "$t"
printf 'tcp-splice  %10.0f req/s (median)   %.2fx\n' "$s" "$(awk -v a="$s" -v b="$t" 'BEGIN { print (b > 0) ? a / b : 0 }')"
echo "(in an emulated guest, compare the ratio, not the numbers)"
