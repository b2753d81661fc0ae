#!/bin/sh
# DKMS build of tcp_splice.ko for kernel KERNELVER (dkms.conf's MAKE).
#
# The module's kfunc needs module BTF, and module BTF is split BTF on top of
# the target kernel's own BTF: it must never be based on another kernel's.
# The base is the target's vmlinux from its headers when they ship one (then
# kbuild makes the BTF itself); otherwise /sys/kernel/btf/vmlinux, but only
# when KERNELVER is the running kernel; otherwise the build fails and says
# what to do.
set -eu
[ $# -eq 1 ] || { echo "usage: dkms-build.sh KERNELVER" >&2; exit 2; }
kver=$1
# TSP_DKMS_MODULES_DIR: tests/host/deb_check.sh's stand-in for /lib/modules.
kdir=${TSP_DKMS_MODULES_DIR:-/lib/modules}/$kver/build
running=$(uname -r)

if [ ! -e "$kdir/Makefile" ]; then
	echo "tcp-splice-dkms: no kernel headers at $kdir: install linux-headers-$kver" >&2
	exit 1
fi
if [ -e "$kdir/vmlinux" ]; then
	base=$kdir/vmlinux
elif [ "$kver" = "$running" ] && [ -r /sys/kernel/btf/vmlinux ]; then
	base=/sys/kernel/btf/vmlinux
elif [ "$kver" = "$running" ]; then
	echo "tcp-splice-dkms: $kdir has no vmlinux and the running kernel has no /sys/kernel/btf/vmlinux:" \
		"tcp_splice needs a kernel built with CONFIG_DEBUG_INFO_BTF=y" >&2
	exit 1
else
	echo "tcp-splice-dkms: cannot build for $kver now: its headers ($kdir) have no vmlinux, and" \
		"$kver is not the running kernel ($running), so its BTF (/sys/kernel/btf/vmlinux) is not" \
		"available either. Boot $kver, then run: dkms install tcp-splice/$(cat VERSION) -k $kver" >&2
	exit 1
fi
if ! command -v pahole >/dev/null 2>&1; then
	echo "tcp-splice-dkms: pahole not found: install dwarves (module BTF needs it)" >&2
	exit 1
fi
echo "tcp-splice-dkms: building for $kver against $kdir, BTF base $base"
exec make -j"$(nproc)" KVER="$kver" KDIR="$kdir" BTF_BASE="$base" modules
