#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Give an out-of-tree module the BTF its kfunc needs when the kernel headers
# ship no vmlinux (kbuild then prints "Skipping BTF generation" and the kfunc
# later fails to register).
#
# kbuild already knows how to make module BTF (pahole flags, resolve_btfids,
# .BTF.base), it only lacks the base. So build once more against a shadow of
# KDIR, made of symlinks plus a "vmlinux" that holds the running kernel's
# BTF, and let kbuild's own BTF step run. Nothing under KDIR is modified.
#
# Usage: gen_btf.sh [--if-missing] [--kdir KDIR] [--base BTF] MODULE.ko
#   --if-missing  do nothing when MODULE.ko already has a .BTF section
#   --kdir        kernel build dir (default /lib/modules/$(uname -r)/build)
#   --base        base BTF, raw or ELF (default /sys/kernel/btf/vmlinux)
set -eu

kdir=/lib/modules/$(uname -r)/build
base=/sys/kernel/btf/vmlinux
if_missing=0
while [ $# -gt 1 ]; do
	case "$1" in
	--if-missing) if_missing=1; shift ;;
	--kdir) kdir=$2; shift 2 ;;
	--base) base=$2; shift 2 ;;
	*) echo "gen_btf.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: gen_btf.sh [--if-missing] [--kdir KDIR] [--base BTF] MODULE.ko" >&2; exit 2; }
ko=$1

has_section() {
	objdump -h "$ko" | awk -v s="$1" '$2 == s { f = 1 } END { exit !f }'
}

if [ "$if_missing" = 1 ] && has_section .BTF; then
	exit 0
fi
if [ ! -r "$base" ]; then
	echo "gen_btf.sh: no base BTF at $base: boot a kernel with CONFIG_DEBUG_INFO_BTF=y or pass --base FILE" >&2
	exit 1
fi
for tool in pahole objdump; do
	command -v $tool >/dev/null 2>&1 || { echo "gen_btf.sh: $tool not found: install dwarves and binutils" >&2; exit 1; }
done

kdir=$(cd "$kdir" && pwd -P)
moddir=$(cd "$(dirname "$ko")" && pwd -P)
shadow=$(mktemp -d)
trap 'rm -rf "$shadow"' EXIT

for f in "$kdir"/* "$kdir"/.[!.]*; do
	[ -e "$f" ] || continue
	case "${f##*/}" in
	vmlinux|Makefile) ;;
	*) ln -s "$f" "$shadow/${f##*/}" ;;
	esac
done
# A distro wrapper Makefile may pin KBUILD_OUTPUT to KDIR: point it here.
sed "s|^KBUILD_OUTPUT[[:space:]]*=.*|KBUILD_OUTPUT=$shadow|" "$kdir/Makefile" >"$shadow/Makefile"
cp "$base" "$shadow/vmlinux"

echo "gen_btf.sh: adding BTF to $ko (base $base)"
make -s -C "$shadow" M="$moddir" modules

if ! has_section .BTF || ! has_section .BTF_ids; then
	echo "gen_btf.sh: $ko still lacks .BTF/.BTF_ids: check pahole (dwarves) and resolve_btfids in $kdir" >&2
	exit 1
fi
