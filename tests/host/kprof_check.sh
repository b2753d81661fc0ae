#!/bin/bash
# Host-tier check of tsp-kprof, the guest's kernel profiler: profile a dd that
# spends its time in read/write syscalls, then a fixed second, and check the
# report (header with samples > 0, a kernel symbol in the self table); a
# command's exit status comes back, a command that does not exist is an error.
# Needs root (system-wide perf events); a second or two in all.
# Usage: kprof_check.sh BUILD_DIR.  Closing line: "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/checklib.sh"
bin=$(tool "${1:-build}" tsp-kprof)
[ -n "$bin" ] || { bad "tsp-kprof: not built"; finish; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# report NAME FILE: the header has samples > 0 and the self table a kernel symbol.
report() {
	local name=$1 file=$2 header samples
	header=$(grep -m 1 '^tsp-kprof: samples=' "$file")
	samples=$(sed -n 's/^tsp-kprof: samples=\([0-9]*\) .*/\1/p' <<<"$header")
	if [ -n "$samples" ] && [ "$samples" -gt 0 ]; then
		ok "$name: $header"
	else
		bad "$name: no header with samples > 0: ${header:-none}"
	fi
	# Rows of the self table whose symbol is not [user] or [unknown].
	if sed -n '/^== self /,/^== /p' "$file" |
		grep -Eq '^ +[0-9.]+% +[0-9]+  [^[ ]'; then
		ok "$name: self table has kernel symbols"
	else
		bad "$name: no kernel symbol in the self table"
		sed 's/^/    /' "$file" | head -n 20
	fi
}
timeout 60 "$bin" -F 999 -o "$dir/dd.txt" -- dd if=/dev/zero of=/dev/null bs=1 count=300000 \
	2>"$dir/dd.err"
rc=$?
if [ "$rc" != 0 ]; then
	bad "dd under tsp-kprof: exit status $rc: $(head -n 3 "$dir/dd.err")"
	grep -Eq "perf_event_open|kallsyms" "$dir/dd.err" &&
		echo "     (this check needs root: system-wide perf events and kallsyms addresses)"
	finish
fi
ok "dd under tsp-kprof: exit status 0"
report dd "$dir/dd.txt"
if timeout 30 "$bin" -F 999 -d 1 >"$dir/d1.txt" 2>"$dir/d1.err"; then
	ok "-d 1: exit status 0"
	report "-d 1" "$dir/d1.txt"
else
	bad "-d 1: exit status $?: $(head -n 3 "$dir/d1.err")"
fi
timeout 30 "$bin" -F 999 -- sh -c 'exit 3' >/dev/null 2>&1
rc=$?
[ "$rc" = 3 ] && ok "a command's exit status 3 comes back" || bad "exit 3 came back as $rc"
timeout 30 "$bin" -F 999 -- "$dir/no-such-command" >/dev/null 2>"$dir/bad.err"
rc=$?
if [ "$rc" != 0 ] && grep -q "cannot run .*no-such-command" "$dir/bad.err"; then
	ok "a missing command: exit status $rc, $(head -n 1 "$dir/bad.err")"
else
	bad "a missing command: exit status $rc, stderr: $(head -n 1 "$dir/bad.err")"
fi
finish
