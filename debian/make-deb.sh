#!/bin/bash
# make deb: build tcp-splice and tcp-splice-dkms from a clean copy of the
# tree under OUT/src (dpkg-buildpackage writes its results to the parent
# directory), leave the .debs in OUT and run lintian on them.
# Usage: debian/make-deb.sh OUT
# Env:   TSP_DEB_NO_LINTIAN=1  skip lintian (the guest's build, whose
#                              packages the host tier already lints)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: debian/make-deb.sh OUT_DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
src=$out/src

lint=lintian
[ "${TSP_DEB_NO_LINTIAN:-0}" = 1 ] && lint=
for tool in dpkg-buildpackage dpkg-parsechangelog dh dh_dkms $lint fakeroot cmake tar; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "make deb: $tool not found: run 'make deps' (or apt-get install debhelper dh-dkms dkms lintian fakeroot cmake)" >&2; exit 1; }
done

version=$(cat "$top/VERSION")
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "${changelog%-*}" != "$version" ]; then
	echo "make deb: VERSION is $version but debian/changelog is at $changelog: run 'make deb-changelog' (adds $version-1) and commit it" >&2
	exit 1
fi

# The clean copy: what git tracks plus new files it does not ignore (so
# uncommitted edits are built), or, outside a checkout, the tree without
# build products.
rm -rf "$src"
mkdir -p "$src"
case "$out/" in "$top"/*) inside=${out#"$top"/} ;; *) inside= ;; esac
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		{ if [ -n "$inside" ]; then grep -z -v -e "^${inside%%/*}/" || true; else cat; fi; } |
		while IFS= read -r -d '' f; do [ -e "$top/$f" ] && printf '%s\0' "$f"; done |
		tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
	excludes=(--exclude=./.git --exclude=./build --exclude='*.o' --exclude='*.ko' --exclude='*.mod'
		--exclude='*.mod.c' --exclude='*.cmd' --exclude='*.order' --exclude='*.symvers'
		--exclude='./obj-*' --exclude=./debian/tmp --exclude=./debian/.debhelper)
	[ -z "$inside" ] || excludes+=(--exclude="./${inside%%/*}")
	tar -C "$top" "${excludes[@]}" -cf - . | tar -C "$src" -xf -
fi

rm -f "$out"/tcp-splice*.deb "$out"/tcp-splice_*.changes "$out"/tcp-splice_*.buildinfo
jobs=$(nproc)
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$jobs noautodbgsym}"
echo "make deb: building in $src (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
# Nothing of the calling make (BUILD=..., -j) reaches debian/rules.
(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILD \
	dpkg-buildpackage -us -uc -b)

debs=("$out"/tcp-splice_"$changelog"_*.deb "$out"/tcp-splice-dkms_"$changelog"_all.deb)
for d in "${debs[@]}"; do
	[ -e "$d" ] || { echo "make deb: $d was not built" >&2; exit 1; }
done
if [ -n "$lint" ]; then
	echo "make deb: lintian ${debs[*]##*/}"
	lintian --fail-on error,warning "${debs[@]}"
fi
echo "make deb: done: ${debs[*]}"
