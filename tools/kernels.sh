# tools/kernels.sh - sourced by tools/check and tools/bench/run: which
# kernels can be used, and building kipsec.ko for one of them.
#
# Needs $top (the source tree) and die(); reads $W (kbuild warnings).
#
#   pick_kernels KVER   sets the array kernels: KVER "" = the newest
#                       kernel with headers, "all", or a release
#   build_module REL    build/REL/src (a copy of Kbuild, kmod/, uapi/) built
#                       there, the module copied to build/REL/kipsec.ko and
#                       the log to build/REL/build.log; returns 1 on failure

pick_kernels() {
	local kver=$1 img rel installed=()

	# a bootable image and headers to build against
	for img in /boot/vmlinuz-*; do
		[ -e "$img" ] || continue
		rel=${img#/boot/vmlinuz-}
		[ -d "/lib/modules/$rel/build" ] && installed+=("$rel")
	done
	[ "${#installed[@]}" -gt 0 ] || die "no kernel with headers installed (run 'make deps')"
	mapfile -t installed < <(printf '%s\n' "${installed[@]}" | sort -V)

	case "$kver" in
	"")	kernels=("${installed[-1]}") ;;
	all)	kernels=("${installed[@]}") ;;
	*)	[ -d "/lib/modules/$kver/build" ] && [ -e "/boot/vmlinuz-$kver" ] ||
			die "KVER=$kver: need /boot/vmlinuz-$kver and /lib/modules/$kver/build (installed: ${installed[*]})"
		kernels=("$kver") ;;
	esac
}

# Build products: never copied into build/REL/src, never deleted there.
products=('*.o' '*.ko' '*.mod' '*.mod.c' '.*.cmd' '*.a' '.*.d' modules.order Module.symvers)

# Bring build/REL/src up to date with Kbuild, kmod/ and uapi/ and build
# there.  tar keeps the mtimes, so kbuild recompiles only what changed; a
# source deleted here is deleted there too.
build_module() {
	local rel=$1 out=$top/build/$1 p excl=() prune=()
	for p in "${products[@]}"; do
		excl+=(--exclude="$p")
		prune+=(${prune[0]+-o} -name "$p")
	done
	mkdir -p "$out/src"
	tar -C "$top" -cf "$out/src.tar" "${excl[@]}" Kbuild kmod uapi
	tar -C "$out/src" -xf "$out/src.tar"
	(cd "$out/src" && comm -23 \
		<(find Kbuild kmod uapi \( "${prune[@]}" \) -prune -o -type f -print | sort) \
		<(tar -tf "$out/src.tar" | sort) | xargs -r rm -f --)
	rm -f "$out/src.tar" "$out/kipsec.ko"
	# MAKEFLAGS from an outer make carries KVER=all etc. and a jobserver;
	# kbuild gets only what it needs.
	MAKEFLAGS= make -C "/lib/modules/$rel/build" M="$out/src" ${W:+W="$W"} -j"$(nproc)" modules \
		>"$out/build.log" 2>&1 || return 1
	cp "$out/src/kmod/kipsec.ko" "$out/kipsec.ko"
}

