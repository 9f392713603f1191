#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/spdtest/run.sh [ITERATIONS [SEEDS...]]: build and run spd_fuzz.c
# against kmod/spd.c in userspace (ASan, UBSan).  Nothing is written to
# the source tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$here/../..
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/inc/linux" "$tmp/inc/net"
for h in linux/icmp.h linux/icmpv6.h linux/ipv6.h linux/ip.h linux/rhashtable.h \
	 linux/skbuff.h linux/slab.h linux/sort.h linux/kipsec.h net/ip.h net/ipv6.h \
	 net/ndisc.h linux/list.h linux/percpu.h linux/rcupdate.h linux/timekeeping.h \
	 linux/xarray.h linux/bitmap.h linux/in.h linux/in6.h linux/socket.h linux/string.h compat.h; do
	: >"$tmp/inc/$h"
done
printf 'struct kipsec_tmpl { int x; };\nextern struct workqueue_struct *kipsec_wq;\n' >"$tmp/inc/sad.h"
cp "$top/kmod/spd.h" "$top/kmod/addr.h" "$tmp/inc/"
awk '/^\/\* Ports or ICMP type\/code/ { exit } { print }' "$top/kmod/spd.c" >"$tmp/spd_part.c"
cp "$here/spd_fuzz.c" "$tmp/"
${CC:-cc} -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Wall \
	-Wno-unused-function -I"$tmp" -I"$tmp/inc" -include "$here/shim.h" \
	"$tmp/spd_fuzz.c" -o "$tmp/spd_fuzz"
iters=${1:-200000}
shift || true
for seed in "${@:-1 2 3}"; do
	"$tmp/spd_fuzz" "$iters" "$seed"
done
