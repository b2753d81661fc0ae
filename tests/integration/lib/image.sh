# shellcheck shell=bash
# Guest image cache: one directory per recipe hash under $TSP_CACHE.
#   guest_image_ensure   sets GUEST_DIR (rootfs/, base.img, vmlinuz, initrd.img, kver)
#   guest_chroot CMD...  runs CMD in the guest rootfs with $TSP_WORK bound at /work
# Env: TCP_SPLICE_GUEST_FLAVOR  "default" (trixie + trixie-backports kernel;
#        guest/packages, guest/build-image) or "sid" (trixie userland with
#        sid's kernel, headers, gcc, bpftool and containerd; guest/packages.sid
#        over guest/packages, guest/build-image.sid), in guest-sid-<hash>

TSP_CACHE=${TCP_SPLICE_GUEST_CACHE:-/var/cache/tcp-splice}
TSP_RECIPE_DIR=$TSP_ITEST/guest
TSP_FLAVOR=${TCP_SPLICE_GUEST_FLAVOR:-default}

# The default key hashes exactly what it always did, so that flavors leave
# the default image's cache alone.
guest_recipe_key() {
	case "$TSP_FLAVOR" in
	default)
		cat "$TSP_RECIPE_DIR/packages" "$TSP_RECIPE_DIR/build-image" "$TSP_RECIPE_DIR/init" |
			sha256sum | cut -c1-16
		;;
	sid)
		printf 'sid-'
		cat "$TSP_RECIPE_DIR/packages" "$TSP_RECIPE_DIR/packages.sid" \
			"$TSP_RECIPE_DIR/apt-preferences.sid" "$TSP_RECIPE_DIR/build-image.sid" \
			"$TSP_RECIPE_DIR/init" | sha256sum | cut -c1-16
		;;
	*) die "unknown TCP_SPLICE_GUEST_FLAVOR '$TSP_FLAVOR' (default or sid)" ;;
	esac
}

guest_build_script() {
	case "$TSP_FLAVOR" in
	default) echo "$TSP_RECIPE_DIR/build-image" ;;
	*) echo "$TSP_RECIPE_DIR/build-image.$TSP_FLAVOR" ;;
	esac
}

guest_image_ensure() {
	local key tmp
	key=$(guest_recipe_key)
	GUEST_DIR=$TSP_CACHE/guest-$key
	mkdir -p "$TSP_CACHE"
	exec {lockfd}>"$TSP_CACHE/.lock-$key"
	flock "$lockfd"
	if [ ! -e "$GUEST_DIR/ready" ]; then
		log "building guest image $key ($TSP_FLAVOR flavor) into $GUEST_DIR (first run with this recipe; a few minutes)"
		tmp=$TSP_CACHE/.build-$key
		rm -rf "$tmp"
		if ! "$(guest_build_script)" "$tmp" >"$TSP_CACHE/build-$key.log" 2>&1; then
			tail -n 30 "$TSP_CACHE/build-$key.log" >&2
			die "guest image build failed; full log: $TSP_CACHE/build-$key.log"
		fi
		rm -rf "$GUEST_DIR"
		mv "$tmp" "$GUEST_DIR"
		touch "$GUEST_DIR/ready"
	fi
	flock -u "$lockfd"
	GUEST_KVER=$(cat "$GUEST_DIR/kver")
}

# Private mount namespace: the binds vanish with the process, even on failure.
guest_chroot() {
	unshare --mount --propagation private -- bash -eu -c '
		root=$1 work=$2; shift 2
		mkdir -p "$root/work"
		mount --bind "$work" "$root/work"
		mount -t proc proc "$root/proc"
		mount --bind /dev "$root/dev"
		mount -t tmpfs tmpfs "$root/tmp"
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
	' guest-chroot "$GUEST_DIR/rootfs" "$TSP_WORK" "$@"
}
