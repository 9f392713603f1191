# tools/kernels.sh - sourced by tools/check and tools/bench/run: which
# kernels can be used, and building kipsec.ko for one of them.
#
# Needs $top (the source tree) and die(); reads $W (kbuild warnings).
#
#   pick_kernels KVER   sets the array kernels from KVER, a list of words:
#                       "" = the newest kernel with headers, "all" = every
#                       one, "oldest", "newest", a release, or "debug" = the
#                       debug kernel of tools/debug-kernel (make check-debug)
#   build_module REL [KBUILD]
#                       build/REL/src (a copy of Kbuild, kmod/, uapi/) built
#                       there against KBUILD (default /lib/modules/REL/build),
#                       the module copied to build/REL/kipsec.ko and the log
#                       to build/REL/build.log; returns 1 on failure

pick_kernels() {
	local kver=$1 img rel w installed=()

	# a bootable image and headers to build against
	for img in /boot/vmlinuz-*; do
		[ -e "$img" ] || continue
		rel=${img#/boot/vmlinuz-}
		[ -d "/lib/modules/$rel/build" ] && installed+=("$rel")
	done
	mapfile -t installed < <(printf '%s\n' ${installed[@]+"${installed[@]}"} | sed '/^$/d' | sort -V)

	kernels=()
	for w in ${kver:-newest}; do
		case "$w" in
		debug)	kernels+=(debug); continue ;;
		esac
		[ "${#installed[@]}" -gt 0 ] || die "no kernel with headers installed (run 'make deps')"
		case "$w" in
		newest)	kernels+=("${installed[-1]}") ;;
		oldest)	kernels+=("${installed[0]}") ;;
		all)	kernels+=("${installed[@]}") ;;
		*)	[ -d "/lib/modules/$w/build" ] && [ -e "/boot/vmlinuz-$w" ] ||
				die "KVER=$w: need /boot/vmlinuz-$w and /lib/modules/$w/build (installed: ${installed[*]})"
			kernels+=("$w") ;;
		esac
	done
	# each kernel once, in the order given
	mapfile -t kernels < <(printf '%s\n' "${kernels[@]}" | awk '!seen[$0]++')
}

# Build products: never copied into build/REL/src, never deleted there.
products=('*.o' '*.ko' '*.mod' '*.mod.c' '.*.cmd' '*.a' '.*.d' modules.order Module.symvers)

# Bring build/REL/src up to date with Kbuild, kmod/ and uapi/ and build
# there.  tar keeps the mtimes, so kbuild recompiles only what changed; a
# source deleted here is deleted there too.
build_module() {
	local rel=$1 kbuild=${2:-/lib/modules/$1/build} out=$top/build/$1 p excl=() prune=()
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
	MAKEFLAGS= make -C "$kbuild" M="$out/src" ${W:+W="$W"} -j"$(nproc)" modules \
		>"$out/build.log" 2>&1 || return 1
	cp "$out/src/kmod/kipsec.ko" "$out/kipsec.ko"
}

