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

# check NAME CMD...: CMD succeeds.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		t_ok "$name"
	else
		printf '%s\n' "$out"
		t_fail "$name" "command failed: $*"
	fi
}

# check_fails NAME PATTERN CMD...: CMD fails and its output matches PATTERN (ERE).
check_fails() {
	local name=$1 pat=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ "$rc" -eq 0 ]; then
		t_fail "$name" "expected failure, got success: $*"
	elif ! grep -Eq -- "$pat" <<<"$out"; then
		t_fail "$name" "output lacks /$pat/"
	else
		t_ok "$name"
	fi
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

# Wait up to 10 s for the module's live pairs and sockets to reach 0.
settle() {
	for _ in $(seq 100); do
		[ "$(mod_counter pairs_live)" = 0 ] && [ "$(mod_counter socks_live)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

t_done() {
	_tap "1..$T_N"
	echo "suite: $T_N tests, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}
