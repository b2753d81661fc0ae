#!/bin/bash
# Host-tier check of the Debian packages: `make deb` into a temporary BUILD
# directory, then what the .debs hold, lintian, dkms.conf (its
# BUILD_EXCLUSIVE_KERNEL regex on kernel versions), the maintainer scripts
# (syntax, and run twice each against stub commands in a private mount
# namespace), and DKMS itself on a private tree: `add` works and `build` is
# refused for a 6.1 kernel.
# Usage: deb_check.sh [DEB_DIR]   (DEB_DIR: check the .debs there instead of
# building). TSP_DEB_CHECK=skip skips it all (make deb takes minutes).
# Closing line: "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(cat "$top/VERSION")
passed=0 failed=0 skipped=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() { echo "skip $*"; skipped=$((skipped + 1)); }
check() { # DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
}

if [ "${TSP_DEB_CHECK:-}" = skip ]; then
	skip "Debian packages (TSP_DEB_CHECK=skip)"
	finish
fi
for tool in dpkg-buildpackage dh dh_dkms lintian fakeroot dkms; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "Debian packages: $tool not found (make deps installs the packaging tools)"
		finish
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- build -----------------------------------------------------------------
if [ $# -ge 1 ]; then
	debdir=$(cd "$1" && pwd)
else
	debdir=$work/build/deb
	start=$SECONDS
	if make -s -C "$top" deb BUILD="$work/build" >"$work/make-deb.log" 2>&1; then
		ok "make deb ($((SECONDS - start)) s)"
	else
		tail -n 40 "$work/make-deb.log"
		bad "make deb (log above)"
	fi
fi
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
tools=$(ls "$debdir"/tcp-splice_"$changelog"_*.deb 2>/dev/null | head -n 1)
dkms=$debdir/tcp-splice-dkms_"$changelog"_all.deb
check "changelog $changelog is VERSION $version" [ "${changelog%-*}" = "$version" ]
if [ -z "$tools" ] || [ ! -e "$dkms" ]; then
	bad "both .debs in $debdir (tcp-splice: ${tools:-missing}, tcp-splice-dkms: $([ -e "$dkms" ] && echo yes || echo missing))"
	finish
fi
ok "both .debs built: ${tools##*/} ${dkms##*/}"

# --- lintian ---------------------------------------------------------------
if lintian --fail-on error,warning "$tools" "$dkms" >"$work/lintian.log" 2>&1; then
	ok "lintian --fail-on error,warning"
else
	cat "$work/lintian.log"
	bad "lintian --fail-on error,warning"
fi

# --- contents --------------------------------------------------------------
dpkg-deb -c "$tools" | awk '{print $6}' | sed 's|^\./|/|' >"$work/tools.list"
dpkg-deb -c "$dkms" | awk '{print $6}' | sed 's|^\./|/|' >"$work/dkms.list"
has() { grep -qx -- "$2" "$work/$1.list"; }
for f in /usr/sbin/tcp-splice-ctl /usr/sbin/tcp-splice-runtime /usr/sbin/tcp-splice-nri \
	/usr/libexec/tcp-splice/tcp-splice-hook \
	/usr/share/containers/oci/hooks.d/50-tcp-splice-createruntime.json \
	/usr/share/containers/oci/hooks.d/50-tcp-splice-poststop.json \
	/etc/tcp-splice/config.json /usr/share/doc/tcp-splice/README.md \
	/usr/share/doc/tcp-splice/examples/tcp-splice.json \
	/usr/share/man/man8/tcp-splice-ctl.8.gz; do
	check "tcp-splice holds $f" has tools "$f"
done
check "tcp-splice holds the NRI unit" grep -qE '^(/usr)?/lib/systemd/system/tcp-splice-nri.service$' "$work/tools.list"
check "/etc/tcp-splice/config.json is a conffile" \
	bash -c "dpkg-deb -I '$tools' conffiles | grep -qx /etc/tcp-splice/config.json"
check "tcp-splice recommends tcp-splice-dkms (= $changelog)" \
	bash -c "dpkg-deb -f '$tools' Recommends | grep -qF 'tcp-splice-dkms (= $changelog)'"
mkdir -p "$work/tools" "$work/dkms"
dpkg-deb -x "$tools" "$work/tools"
dpkg-deb -x "$dkms" "$work/dkms"
dpkg-deb -e "$tools" "$work/tools/DEBIAN"
dpkg-deb -e "$dkms" "$work/dkms/DEBIAN"
for h in "$work"/tools/usr/share/containers/oci/hooks.d/*.json; do
	path=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' "$h" 2>/dev/null)
	check "${h##*/} is JSON naming the packaged hook ($path)" \
		[ "$path" = /usr/libexec/tcp-splice/tcp-splice-hook ]
done
check "the conffile is valid JSON" python3 -m json.tool "$work/tools/etc/tcp-splice/config.json" >/dev/null

src=/usr/src/tcp-splice-$version
for f in dkms.conf VERSION Kbuild Makefile gen_btf.sh dkms-build.sh \
	$(cd "$top/kernel" && git ls-files '*.c' '*.h' 2>/dev/null || ls *.c *.h | grep -v '\.mod\.c$'); do
	check "tcp-splice-dkms holds $src/$f" has dkms "$src/$f"
done
check "$src/VERSION says $version" [ "$(cat "$work/dkms$src/VERSION" 2>/dev/null)" = "$version" ]
check "gen_btf.sh and dkms-build.sh are executable" \
	test -x "$work/dkms$src/gen_btf.sh" -a -x "$work/dkms$src/dkms-build.sh"
check "modules-load.d loads tcp_splice" \
	grep -qx tcp_splice "$work/dkms/usr/lib/modules-load.d/tcp-splice.conf"
deps=$(dpkg-deb -f "$dkms" Depends)
check "tcp-splice-dkms depends on dkms and dwarves ($deps)" \
	bash -c "grep -qE '(^|, )dkms( |,|$)' <<<'$deps' && grep -qE '(^|, )dwarves( |,|$)' <<<'$deps'"

# --- dkms.conf -------------------------------------------------------------
conf=$work/dkms$src/dkms.conf
# Read it as dkms does (bash, with $kernelver set), in a subshell.
dkms_var() { # KERNELVER EXPRESSION
	(kernelver=$1 && source "$conf" >/dev/null 2>&1 && eval "printf '%s' \"$2\"")
}
check "PACKAGE_NAME=tcp-splice" [ "$(dkms_var x '$PACKAGE_NAME')" = tcp-splice ]
check "PACKAGE_VERSION=$version" [ "$(dkms_var x '$PACKAGE_VERSION')" = "$version" ]
check "BUILT_MODULE_NAME=tcp_splice" [ "$(dkms_var x '${BUILT_MODULE_NAME[0]}')" = tcp_splice ]
check "DEST_MODULE_LOCATION=/updates/dkms" [ "$(dkms_var x '${DEST_MODULE_LOCATION[0]}')" = /updates/dkms ]
check "AUTOINSTALL=yes" [ "$(dkms_var x '$AUTOINSTALL')" = yes ]
check "MAKE builds for the target kernel" \
	[ "$(dkms_var 7.3.0-1-amd64 '${MAKE[0]}')" = "sh ./dkms-build.sh 7.3.0-1-amd64" ]
re=$(dkms_var x '$BUILD_EXCLUSIVE_KERNEL')
for k in 6.15 6.15.0 6.15.0-1-amd64 6.16.3 6.19.0-rc2 6.20.1 6.99.0 6.150 6.150.1 \
	7.0.0 7.2.0 7.3.0-0.deb13.1-amd64 9.9 10.0 10.0.1 12.4.0; do
	if [[ $k =~ $re ]]; then ok "BUILD_EXCLUSIVE_KERNEL admits $k"; else bad "BUILD_EXCLUSIVE_KERNEL admits $k"; fi
done
for k in 6.1 6.1.0-28-amd64 6.1.150 6.9.0 6.10.2 6.14 6.14.11-amd64 5.15.0 5.19 4.19.0 3.16 \
	1.0 6 7; do
	if [[ $k =~ $re ]]; then bad "BUILD_EXCLUSIVE_KERNEL refuses $k"; else ok "BUILD_EXCLUSIVE_KERNEL refuses $k"; fi
done

# --- dkms-build.sh: the BTF base is always the target kernel's -------------
# A stand-in /lib/modules (TSP_DKMS_MODULES_DIR) and stubs for make and
# pahole that print their arguments.
mods=$work/modules
mkdir -p "$work/bstubs" "$mods/7.3.0-other/build" "$mods/7.3.0-vmlinux/build" "$mods/$(uname -r)/build"
for m in 7.3.0-other 7.3.0-vmlinux "$(uname -r)"; do : >"$mods/$m/build/Makefile"; done
: >"$mods/7.3.0-vmlinux/build/vmlinux"
printf '#!/bin/sh\necho "make $*"\n' >"$work/bstubs/make"
printf '#!/bin/sh\nexit 0\n' >"$work/bstubs/pahole"
chmod +x "$work/bstubs/make" "$work/bstubs/pahole"
dkms_build() { # KERNELVER: dkms-build.sh's output and status
	(cd "$work/dkms$src" && TSP_DKMS_MODULES_DIR=$mods PATH=$work/bstubs:$PATH sh ./dkms-build.sh "$1" 2>&1)
}
out=$(dkms_build 7.3.0-vmlinux)
check "headers with vmlinux: BTF base is that vmlinux" \
	grep -q "BTF_BASE=$mods/7.3.0-vmlinux/build/vmlinux modules" <<<"$out"
check "  and KDIR is the target's" grep -q "KDIR=$mods/7.3.0-vmlinux/build " <<<"$out"
out=$(dkms_build 7.3.0-other)
rc=$?
check "headers without vmlinux for a kernel not running: refused, saying to boot it" \
	bash -c "[ $rc != 0 ] && ! grep -q '^make ' <<<'$out' && grep -q 'Boot 7.3.0-other' <<<'$out'"
out=$(dkms_build "$(uname -r)")
rc=$?
if [ -r /sys/kernel/btf/vmlinux ]; then
	check "the running kernel without vmlinux: BTF base /sys/kernel/btf/vmlinux" \
		grep -q "BTF_BASE=/sys/kernel/btf/vmlinux modules" <<<"$out"
else
	check "the running kernel without vmlinux or /sys/kernel/btf/vmlinux: refused" \
		bash -c "[ $rc != 0 ] && grep -q CONFIG_DEBUG_INFO_BTF <<<'$out'"
fi
out=$(dkms_build 7.3.0-missing)
check "no headers: refused, naming linux-headers-7.3.0-missing" grep -q 'install linux-headers-7.3.0-missing' <<<"$out"

# --- maintainer scripts ----------------------------------------------------
for s in "$work"/tools/DEBIAN/{postinst,prerm,postrm} "$work"/dkms/DEBIAN/{postinst,prerm}; do
	name=$(basename "$(dirname "$(dirname "$s")")")/${s##*/}
	check "$name passes sh -n" sh -n "$s"
	check "$name runs under set -e" grep -qx 'set -e' "$s"
	# Repeatable: no bare rm/mkdir/ln that fails the second time.
	check "$name: rm -f/-rf, mkdir -p, ln -sf only" \
		bash -c "! grep -E '(^|[;&|[:space:]])(rm|mkdir|ln)[[:space:]]' '$s' | grep -vE '(rm -(r?f|fr)|mkdir -p|ln -sf) '"
done
check "tcp-splice postinst guards reload with 'reload --help'" \
	grep -q 'tcp-splice-ctl reload --help >/dev/null 2>&1' "$work/tools/DEBIAN/postinst"

# Run them, each twice, in a private mount namespace: tmpfs over /etc, /run,
# /sys/fs/bpf, /sys/module and /usr/lib/dkms, and stub commands that log
# their arguments (tcp-splice-ctl's behaviour set by STUB_CTL).
run_scripts() {
	local stubs=$work/stubs
	mkdir -p "$stubs"
	for c in tcp-splice-ctl deb-systemd-invoke deb-systemd-helper systemctl modprobe modinfo dkms; do
		cat >"$stubs/$c" <<-EOF
			#!/bin/sh
			echo "$c \$*" >>"$work/calls"
			case "$c:\$*" in
			tcp-splice-ctl:*--help*)
				[ "\${STUB_CTL:-new}" = new ] || [ "\${STUB_CTL}" = failing ] || exit 1
				echo "  --all  every attachment"; exit 0 ;;
			tcp-splice-ctl:*) [ "\${STUB_CTL:-new}" != failing ] ;;
			modinfo:*) [ -n "\${STUB_MODULE:-}" ] ;;
			modprobe:*) exit 1 ;;
			esac
		EOF
		chmod +x "$stubs/$c"
	done
	cat >"$work/in-ns.sh" <<-'EOF'
		set -u
		work=$1 stubs=$2
		for d in /etc /run /sys/fs/bpf /sys/module /usr/lib/dkms; do
			mount -t tmpfs tsp-check "$d" || { echo "cannot mount tmpfs on $d"; exit 3; }
		done
		printf '#!/bin/sh\necho "common.postinst $*" >>"%s/calls"\n' "$work" >/usr/lib/dkms/common.postinst
		chmod +x /usr/lib/dkms/common.postinst
		export PATH=$stubs:/usr/sbin:/usr/bin:/sbin:/bin
		t=$work/tools/DEBIAN d=$work/dkms/DEBIAN
		fails=0
		expect() { # DESCRIPTION CONDITION
			if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
		}
		twice() { # ENV... -- SCRIPT ARGS...: exit 0 both times
			local envs=() r1 r2
			while [ "$1" != -- ]; do envs+=("$1"); shift; done
			shift
			env "${envs[@]}" sh "$@" >>"$work/script.out" 2>&1; r1=$?
			env "${envs[@]}" sh "$@" >>"$work/script.out" 2>&1; r2=$?
			[ $r1 = 0 ] && [ $r2 = 0 ]
		}
		: >"$work/calls"
		expect "tcp-splice postinst configure (install) twice" "twice X=1 -- $t/postinst configure ''"
		expect "  no reload on a fresh install" "! grep -q 'tcp-splice-ctl reload' $work/calls"
		mkdir -p /sys/fs/bpf/tcp_splice/links && : >/sys/fs/bpf/tcp_splice/prog
		: >"$work/calls"
		expect "tcp-splice postinst configure (upgrade, program pinned) twice" "twice X=1 -- $t/postinst configure 0.1.0-1"
		expect "  ran 'tcp-splice-ctl reload'" "grep -qx 'tcp-splice-ctl reload' $work/calls"
		expect "upgrade with reload failing still succeeds" "twice STUB_CTL=failing -- $t/postinst configure 0.1.0-1"
		: >"$work/calls"
		expect "upgrade with a ctl that has no reload succeeds" "twice STUB_CTL=old -- $t/postinst configure 0.1.0-1"
		expect "  and does not call reload" "! grep -qx 'tcp-splice-ctl reload' $work/calls"
		: >"$work/calls"
		expect "tcp-splice prerm upgrade twice" "twice X=1 -- $t/prerm upgrade 0.3.0-1"
		expect "  disables nothing on upgrade" "! grep -q 'tcp-splice-ctl disable --all' $work/calls"
		: >"$work/calls"
		expect "tcp-splice prerm remove twice" "twice X=1 -- $t/prerm remove"
		expect "  ran 'tcp-splice-ctl disable --all'" "grep -qx 'tcp-splice-ctl disable --all' $work/calls"
		expect "prerm remove with disable failing still succeeds" "twice STUB_CTL=failing -- $t/prerm remove"
		mkdir -p /etc/tcp-splice /run/tcp-splice/containers
		: >/etc/tcp-splice/extra.json; : >/run/tcp-splice/containers/c1; : >/run/tcp-splice.lock
		expect "tcp-splice postrm remove twice" "twice X=1 -- $t/postrm remove"
		expect "  keeps /etc/tcp-splice on remove" "[ -e /etc/tcp-splice/extra.json ]"
		expect "tcp-splice postrm purge twice" "twice X=1 -- $t/postrm purge"
		expect "  purge removed /etc/tcp-splice, /run/tcp-splice, the lock and the pins" \
			"[ ! -e /etc/tcp-splice ] && [ ! -e /run/tcp-splice ] && [ ! -e /run/tcp-splice.lock ] && [ ! -e /sys/fs/bpf/tcp_splice ]"
		: >"$work/calls"
		expect "tcp-splice-dkms postinst configure twice (no module for this kernel)" "twice X=1 -- $d/postinst configure ''"
		expect "  ran dkms's common.postinst" "grep -q '^common.postinst tcp-splice $(cat $work/dkms/usr/src/tcp-splice-*/VERSION) ' $work/calls"
		expect "tcp-splice-dkms postinst configure twice (module built, modprobe fails)" "twice STUB_MODULE=1 -- $d/postinst configure 0.1.0-1"
		mkdir -p /sys/module/tcp_splice
		: >"$work/calls"
		expect "tcp-splice-dkms prerm remove twice (module busy)" "twice X=1 -- $d/prerm remove"
		expect "  tried 'modprobe -r tcp_splice'" "grep -qx 'modprobe -r tcp_splice' $work/calls"
		: >"$work/calls"
		expect "tcp-splice-dkms prerm upgrade twice" "twice X=1 -- $d/prerm upgrade 0.3.0-1"
		expect "  does not unload on upgrade" "! grep -q 'modprobe -r' $work/calls"
		exit $fails
	EOF
	unshare -m --propagation private bash "$work/in-ns.sh" "$work" "$stubs" >"$work/ns.out" 2>&1
	local rc=$?
	if [ $rc = 3 ] || ! grep -q '^ok\|^FAIL' "$work/ns.out"; then
		cat "$work/ns.out"
		skip "maintainer scripts run (needs root and unshare -m)"
		return
	fi
	while read -r status rest; do
		case $status in ok) ok "$rest" ;; FAIL) bad "$rest" ;; esac
	done <"$work/ns.out"
	[ $rc = 0 ] || sed 's/^/  script: /' "$work/script.out" | tail -n 30
}
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	run_scripts
else
	skip "maintainer scripts run (needs root and unshare -m)"
fi

# --- dkms on a private tree ------------------------------------------------
# add, then build for a 6.1 kernel: refused by BUILD_EXCLUSIVE_KERNEL
# before anything is built. The host's own trees are not touched.
if command -v dkms >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	tree=$work/dkms-tree srcs=$work/dkms-src
	mkdir -p "$tree" "$srcs"
	cp -a "$work/dkms$src" "$srcs/"
	d=(dkms --dkmstree "$tree" --sourcetree "$srcs")
	if "${d[@]}" add -m tcp-splice -v "$version" >"$work/dkms-add.log" 2>&1; then
		ok "dkms add tcp-splice/$version (private tree)"
	else
		cat "$work/dkms-add.log"
		bad "dkms add tcp-splice/$version (private tree)"
	fi
	"${d[@]}" build -m tcp-splice -v "$version" -k 6.1.0-99-amd64 >"$work/dkms-build.log" 2>&1
	rc=$?
	if [ $rc = 77 ] && grep -q BUILD_EXCLUSIVE "$work/dkms-build.log"; then
		ok "dkms build for 6.1.0-99-amd64 refused by BUILD_EXCLUSIVE (exit 77)"
	else
		cat "$work/dkms-build.log"
		bad "dkms build for 6.1.0-99-amd64 refused by BUILD_EXCLUSIVE (exit $rc)"
	fi
	check "nothing was built" [ ! -e "$tree/tcp-splice/$version/6.1.0-99-amd64" ]
	"${d[@]}" build -m tcp-splice -v "$version" -k 6.15.0-99-amd64 >"$work/dkms-build.log" 2>&1
	check "dkms build for 6.15.0-99-amd64 passes BUILD_EXCLUSIVE (then stops: no headers)" \
		bash -c "! grep -q BUILD_EXCLUSIVE '$work/dkms-build.log'"
else
	skip "dkms add/build on a private tree (needs dkms and root)"
fi
finish
