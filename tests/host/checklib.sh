# Shared by the host-tier check scripts: ok/bad tallies, a closing line
# "N passed, N failed" (exit status 0 only when none failed), and a built
# tool's path.
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}
# tool BUILD_DIR NAME: the executable NAME under BUILD_DIR, or empty.
tool() { find "$1" -type f -name "$2" -perm -u+x | head -n 1; }
