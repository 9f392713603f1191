#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/replaytest/run.sh [SEEDS...]: build replay_test.c against
# kmod/replay.c in userspace (ASan, UBSan) and run it.  Nothing is written
# to the source tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$here/../..
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/inc/linux"
for h in linux/atomic.h linux/bitmap.h linux/list.h linux/net.h linux/slab.h \
	 linux/spinlock.h linux/types.h; do
	: >"$tmp/inc/$h"
done
${CC:-cc} -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Wall \
	-I"$tmp/inc" -I"$top/kmod" -include "$here/shim.h" \
	"$top/kmod/replay.c" "$here/replay_test.c" -o "$tmp/replay_test"
for seed in "${@:-1 2 3}"; do
	"$tmp/replay_test" "$seed"
done
