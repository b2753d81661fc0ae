# shellcheck shell=bash
# In-guest test helpers. Results are TAP lines on fd 3; details go to
# stdout/stderr (the suite's log). A failed check never aborts the suite.
T_N=0
T_FAILED=0

_tap() { printf '%s\n' "$*" >&3; }

t_ok() {
	T_N=$((T_N + 1))
	_tap "ok $T_N - $1"
	echo "PASS: $1"
}

t_fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	_tap "not ok $T_N - $1"
	echo "FAIL: $1${2:+ ($2)}"
}

# Every step (check, check_fails, check_wait) has a deadline: a hung step
# must fail its suite within minutes, with the guest's blocked tasks in the
# log, instead of holding the run until the suite's own timeout. Override
# per step with TSP_STEP_TIMEOUT=SECONDS before the check (long soaks).
TSP_STEP_TIMEOUT=${TSP_STEP_TIMEOUT:-240}
T_STEP_RC_TIMEOUT=124

# blocked_tasks WHY: the kernel's view of every blocked (sysrq-w) and every
# (sysrq-t) task, and the module's counters, into the suite's log.
blocked_tasks() {
	local mark="tsp-blocked-$$-$RANDOM"
	echo "==== $1: blocked tasks (sysrq-w), then all tasks (sysrq-t) ===="
	echo 1 >/proc/sys/kernel/sysrq 2>/dev/null
	echo "$mark" >/dev/kmsg 2>/dev/null
	echo w >/proc/sysrq-trigger 2>/dev/null
	echo t >/proc/sysrq-trigger 2>/dev/null
	dmesg 2>/dev/null | sed -n "/$mark/,\$p" | tail -n 3000
	echo "---- /proc/net/tcp_splice ----"
	cat /proc/net/tcp_splice 2>/dev/null
	echo "---- /proc/net/tcp_splice_pairs (first 50) ----"
	head -n 50 /proc/net/tcp_splice_pairs 2>/dev/null
	echo "==== end of $1 ===="
}

# _kill_tree PID: PID and every process below it.
_kill_tree() {
	local child
	for child in $(pgrep -P "$1" 2>/dev/null); do _kill_tree "$child"; done
	kill -KILL "$1" 2>/dev/null
}

# _deadline PID SECONDS WHAT: after SECONDS, if PID still runs, log the
# blocked tasks and kill PID's tree (exit status of PID then 137).
_deadline() {
	local pid=$1 secs=$2 what=$3 i
	for ((i = 0; i < secs * 2; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	kill -0 "$pid" 2>/dev/null || return 0
	echo "step timed out after ${secs}s: $what" >"$T_STEP_MARK"
	blocked_tasks "step timed out after ${secs}s: $what" >&2
	_kill_tree "$pid"
}

# step CMD...: run CMD (a command or a shell function) under the step
# deadline; its output on stdout/stderr, its status, or 124 when it hung.
T_STEP_MARK=$(mktemp /tmp/tsp-step.XXXXXX)
step() {
	local pid wd rc
	: >"$T_STEP_MARK"
	# An explicit stdin keeps a heredoc fed to the check (a background
	# job's stdin is /dev/null otherwise).
	"$@" <&0 &
	pid=$!
	_deadline "$pid" "$TSP_STEP_TIMEOUT" "$*" &
	wd=$!
	wait "$pid"
	rc=$?
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	[ -s "$T_STEP_MARK" ] && rc=$T_STEP_RC_TIMEOUT
	return $rc
}

# A step that hung leaves the kernel in a state later steps cannot trust:
# the suite stops there, failed, with the blocked tasks in its log.
_hung() {
	t_fail "$1" "$(cat "$T_STEP_MARK"); blocked tasks in the suite log"
	echo "suite stopped: a step hung" >&2
	t_done
	exit 1
}

# read_case VAR: read one result line of a case runner into VAR; a runner
# that prints nothing for the step deadline hung: the suite stops there
# with the blocked tasks in its log.
read_case() {
	local _l _rc
	IFS= read -t "$TSP_STEP_TIMEOUT" -r _l
	_rc=$?
	if [ "$_rc" = 0 ]; then
		printf -v "$1" '%s' "$_l"
		return 0
	fi
	[ "$_rc" -gt 128 ] || return 1 # end of output
	echo "step timed out after ${TSP_STEP_TIMEOUT}s: a case runner printed nothing" >"$T_STEP_MARK"
	blocked_tasks "case runner silent for ${TSP_STEP_TIMEOUT}s" >&2
	pkill -KILL -f 'semantics.py|attacks.py'
	_hung "case runner"
}

# check NAME CMD...: CMD succeeds.
check() {
	local name=$1 out rc
	shift
	out=$(step "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		t_ok "$name"
		return 0
	fi
	printf '%s\n' "$out"
	[ "$rc" -eq "$T_STEP_RC_TIMEOUT" ] && [ -s "$T_STEP_MARK" ] && _hung "$name"
	t_fail "$name" "command failed: $*"
	return 1
}

# check_fails NAME PATTERN CMD...: CMD fails and its output matches PATTERN (ERE).
check_fails() {
	local name=$1 pat=$2 out rc
	shift 2
	out=$(step "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ "$rc" -eq "$T_STEP_RC_TIMEOUT" ] && [ -s "$T_STEP_MARK" ] && _hung "$name"
	if [ "$rc" -eq 0 ]; then
		t_fail "$name" "expected failure, got success: $*"
	elif ! grep -Eq -- "$pat" <<<"$out"; then
		t_fail "$name" "output lacks /$pat/"
	else
		t_ok "$name"
	fi
}

# check_wait NAME PID: the background job PID (started by this shell) exits
# 0 within the step deadline; waited for here, not in a subshell, which
# cannot wait for our children.
check_wait() {
	local name=$1 pid=$2 rc
	: >"$T_STEP_MARK"
	_deadline "$pid" "$TSP_STEP_TIMEOUT" "$name (background job $pid)" &
	local wd=$!
	wait "$pid"
	rc=$?
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	[ -s "$T_STEP_MARK" ] && _hung "$name"
	check_eq "$name" 0 "$rc"
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" == "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected '$2', got '$3'"
	fi
}

# Module counter from /proc/net/tcp_splice (0 when absent).
mod_counter() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' /proc/net/tcp_splice 2>/dev/null || echo 0
}

# Program counter (tcp-splice-ctl status --json, "program"), 0 when absent.
prog_counter() {
	tcp-splice-ctl status --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("program",{}).get(sys.argv[1],0))' "$1" 2>/dev/null ||
		echo 0
}

# Wait up to 30 s for the module's live pairs and sockets to reach 0; else
# say what is left.
settle() {
	for _ in $(seq 300); do
		[ "$(mod_counter pairs_live)" = 0 ] && [ "$(mod_counter socks_live)" = 0 ] && return 0
		sleep 0.1
	done
	echo "left: pairs_live=$(mod_counter pairs_live) socks_live=$(mod_counter socks_live) waiting=$(mod_counter waiting)"
	ss -tanie state all 2>/dev/null | grep -B1 tcp_splice | head -n 40
	return 1
}

t_done() {
	_tap "1..$T_N"
	echo "suite: $T_N tests, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}
