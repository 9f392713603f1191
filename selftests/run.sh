#!/usr/bin/env bash
# selftests/run.sh - run the kipsec selftests (inside the test VM) as TAP 13.
#
# Each selftests/test_*.sh runs on its own, in sorted order, from the
# selftests directory, with stdin from /dev/null and these in the environment:
#   KIPSEC            absolute path of the kipsec CLI
#   KIPSEC_KO         absolute path of kipsec.ko
#   KIPSEC_SELFTESTS  absolute path of this directory
# Before a test the module is loaded if it is not.  Exit 0 = pass, 4 = skip
# (kselftest's KSFT_SKIP; the last output line mentioning SKIP, or else the
# last line, is the reason), anything else = fail.  A line "# timeout: N" in
# a test sets its timeout (default 300 s); $KIPSEC_TEST_TIMEOUT raises every
# timeout to at least that (for big fuzz or stress runs), and
# $KIPSEC_TIMEOUT_SCALE multiplies them (the debug kernel is slower).
# After a test its leftover processes and every network namespace (with the
# processes in it) are removed, and the test fails if the kernel logged a
# WARNING/BUG/Oops/KASAN/UBSAN report meanwhile.
#
# On a kernel with kmemleak (the debug kernel of make check-debug) one more
# result, "kmemleak", comes last: what leaked during the run is scanned for
# (twice, after the tests) and every unreferenced object that kipsec
# allocated, or that was allocated through code no longer loaded (every
# other driver of that kernel is built in, so that is kipsec after an
# rmmod), fails it.  KIPSEC_KMEMLEAK=0 skips the scan.
#
# Time-bounded runs (tools/check with CHECK_END_BY, CI's debug lanes):
#   KIPSEC_END_AT     a time (seconds since the epoch): a test starts only if
#                     it would end by then, by its duration in
#                     KIPSEC_DURATIONS ("NAME SECONDS" lines; 300 s if not
#                     listed) and a fifth more; the others are skipped
#   KIPSEC_QUEUE      a directory shared by several VMs running the same
#                     list: a test runs in the VM that first makes
#                     KIPSEC_QUEUE/NAME (mkdir is atomic on the host);
#                     tests another VM took, or that would end too late,
#                     are left out of this VM's results (tools/check
#                     reports those no VM ran), and the plan comes last
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

usage() {
	cat <<EOF
usage: ${0##*/} [--ko PATH] [--kipsec PATH] [--results FILE] [TEST...]

  --ko PATH       kipsec.ko (default: \$KIPSEC_KO, build/\$(uname -r)/kipsec.ko,
                  kmod/kipsec.ko)
  --kipsec PATH   the CLI (default: \$KIPSEC, tools/kipsec/kipsec)
  --results FILE  also write the TAP stream to FILE (for tools/check)
  TEST            test_NAME, test_NAME.sh or a path (default: all)
EOF
}

ko=${KIPSEC_KO:-} cli=${KIPSEC:-} results=""
while [ "$#" -gt 0 ]; do
	case "$1" in
	--ko)		ko=${2:?--ko needs a path}; shift 2 ;;
	--kipsec)	cli=${2:?--kipsec needs a path}; shift 2 ;;
	--results)	results=${2:?--results needs a path}; shift 2 ;;
	-h|--help)	usage; exit 0 ;;
	--)		shift; break ;;
	-*)		usage >&2; exit 2 ;;
	*)		break ;;
	esac
done

if [ -z "$ko" ]; then
	ko=$top/kmod/kipsec.ko
	[ ! -f "$top/build/$(uname -r)/kipsec.ko" ] || ko=$top/build/$(uname -r)/kipsec.ko
fi
[ -n "$cli" ] || cli=$top/tools/kipsec/kipsec
KIPSEC_KO=$(readlink -m -- "$ko") KIPSEC=$(readlink -m -- "$cli") KIPSEC_SELFTESTS=$here
export KIPSEC KIPSEC_KO KIPSEC_SELFTESTS

[ "$(id -u)" = 0 ] || { echo "${0##*/}: must run as root (in the VM: make check)" >&2; exit 2; }
[ -f "$KIPSEC_KO" ] || echo "${0##*/}: warning: $KIPSEC_KO does not exist" >&2
[ -x "$KIPSEC" ] || echo "${0##*/}: warning: $KIPSEC is not an executable" >&2

tests=()
if [ "$#" -eq 0 ]; then
	while IFS= read -r t; do tests+=("$t"); done < <(LC_ALL=C ls -1 "$here"/test_*.sh 2>/dev/null)
else
	for t; do
		for c in "$t" "$here/$t" "$here/$t.sh"; do
			[ -f "$c" ] && { tests+=("$(readlink -f -- "$c")"); continue 2; }
		done
		echo "${0##*/}: no such test: $t" >&2; exit 2
	done
fi

# Same list as tools/vm/run uses on the console.
bad='WARNING:|BUG:|Oops|KASAN|UBSAN|general protection fault|kernel BUG|Kernel panic'
tmp=$(mktemp -d /tmp/kipsec-selftests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ -n "${KIPSEC_XTRACE:-}" ]; then
	mkdir -p "$KIPSEC_XTRACE" || exit 2
	# PS4 from the environment is ignored when running as root
	cat >"$tmp/xtrace.rc" <<'EOF'
PS4='+${EPOCHREALTIME} ${BASHPID} ${BASH_SOURCE##*/}:${LINENO}:${FUNCNAME[0]:-} '
BASH_XTRACEFD=199
set -x
EOF
fi
[ -z "$results" ] || : >"$results"

emit() {
	printf '%s\n' "$*"
	[ -z "$results" ] || printf '%s\n' "$*" >>"$results"
}

# Remove what a test left behind.  Processes in a namespace keep it alive
# after 'ip netns delete', and anything still holding the test's stdout
# would keep the output pipe below open, so they go first.
cleanup_after_test() {
	local pgid=$1 ns
	kill -KILL -- "-$pgid" 2>/dev/null
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	ip -all netns delete 2>/dev/null
	return 0
}

# Runs as the first element of the output pipeline: the test under timeout,
# then the cleanup, so that the pipeline ends when the test does.
run_test() {
	local t=$1 tmo=$2 pid rc
	if [ -x "$t" ]; then set -- "$t"; else set -- bash "$t"; fi
	if [ -n "${KIPSEC_XTRACE:-}" ]; then
		# every bash started below reads BASH_ENV, so the test's helper
		# scripts and 'bash -c's are traced too, into one file on fd 199
		# (on tmpfs: a write per traced command to a shared directory
		# would cost more than most commands; moved there at the end)
		exec 199>>"$tmp/xtrace"
		set -- env BASH_ENV="$tmp/xtrace.rc" "$@"
	fi
	# timeout puts itself and the test in a new process group: $pid is its id.
	timeout -k 10 "$tmo" "$@" </dev/null &
	pid=$!
	wait "$pid"
	rc=$?
	cleanup_after_test "$pid"
	echo "$rc" >"$tmp/rc"
}

kmemleak=/sys/kernel/debug/kmemleak leakscan=0
if [ "${KIPSEC_KMEMLEAK:-1}" != 0 ] && [ -w "$kmemleak" ]; then
	leakscan=1
	# no periodic scans while tests run (they take seconds under TCG);
	# what leaked before the suite, at boot, is not ours
	echo scan=off >"$kmemleak" 2>/dev/null
	echo clear >"$kmemleak"
fi

end_at=${KIPSEC_END_AT:-} queue=${KIPSEC_QUEUE:-}
declare -A dur=()
if [ -n "$end_at" ] && [ -r "${KIPSEC_DURATIONS:-}" ]; then
	while read -r k v _; do
		[[ "$k" == \#* ]] || dur[$k]=$v
	done <"$KIPSEC_DURATIONS"
fi

n=$((${#tests[@]} + leakscan)) i=0 passed=0 failed=0 skipped=0
emit "TAP version 13"
[ -n "$queue" ] || emit "1..$n"
for t in ${tests[@]+"${tests[@]}"}; do
	name=$(basename "$t" .sh)
	if [ -n "$end_at" ]; then
		est=$(( ${dur[$name]:-300} * 6 / 5 ))
		left=$(( end_at - $(date +%s) ))
		if [ "$est" -gt "$left" ]; then
			[ -z "$queue" ] || continue
			i=$((i + 1))
			emit "ok $i $name # SKIP not started: it takes about $est s, $left s were left (KIPSEC_END_AT)"
			skipped=$((skipped + 1))
			continue
		fi
	fi
	[ -z "$queue" ] || mkdir "$queue/$name" 2>/dev/null || continue
	i=$((i + 1))
	tmo=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$t" | head -n 1)
	tmo=${tmo:-300}
	[ "${KIPSEC_TEST_TIMEOUT:-0}" -le "$tmo" ] || tmo=$KIPSEC_TEST_TIMEOUT
	tmo=$((tmo * ${KIPSEC_TIMEOUT_SCALE:-1}))

	if [ ! -d /sys/module/kipsec ] && ! out=$(insmod "$KIPSEC_KO" 2>&1); then
		[ -z "$out" ] || emit "# $out"
		emit "not ok $i $name # cannot load $KIPSEC_KO"
		failed=$((failed + 1))
		continue
	fi

	rm -f "$tmp/rc"
	t_start=$(date +%s)
	marker="kipsec-selftests: begin $i $name $(date +%s%N)"
	echo "<6>$marker" >/dev/kmsg
	# awk, not sed: it also ends a last line that has no newline.
	(cd "$here" && run_test "$t" "$tmo") 2>&1 | tee "$tmp/out" | awk '{ print "# " $0; fflush() }' |
		if [ -n "$results" ]; then tee -a "$results"; else cat; fi
	rc=$(cat "$tmp/rc" 2>/dev/null || echo 255)
	[ -z "${KIPSEC_XTRACE:-}" ] || mv -f "$tmp/xtrace" "$KIPSEC_XTRACE/$name.xtrace" 2>/dev/null

	# The kernel log since the marker; if it was overwritten, all of it.
	klog=$(dmesg | awk -v m="$marker" 'seen; index($0, m) { seen = 1 }')
	dmesg | grep -qF "$marker" || klog=$(dmesg)
	kbad=$(printf '%s\n' "$klog" | grep -E "$bad")
	# how long each test takes, per kernel, is what CI's time budget is
	# planned from (tools/check, .ci/run)
	emit "# $name took $(($(date +%s) - t_start)) s"

	if [ -n "$kbad" ]; then
		printf '%s\n' "$kbad" | head -n 20 | while IFS= read -r l; do emit "# kernel: $l"; done
		emit "not ok $i $name # kernel reported a problem (exit $rc)"
		failed=$((failed + 1))
	elif [ "$rc" = 0 ]; then
		emit "ok $i $name"
		passed=$((passed + 1))
	elif [ "$rc" = 4 ]; then
		reason=$(grep -i skip "$tmp/out" | tail -n 1)
		[ -n "$reason" ] || reason=$(grep -v '^[[:space:]]*$' "$tmp/out" | tail -n 1)
		reason=$(printf '%s' "$reason" | sed -E 's/^[[:space:]#]*(\[?SKIP\]?:?)?[[:space:]]*//I')
		emit "ok $i $name # SKIP ${reason:-no reason given}"
		skipped=$((skipped + 1))
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		emit "not ok $i $name # TIMEOUT $tmo seconds"
		failed=$((failed + 1))
	else
		emit "not ok $i $name # exit code $rc"
		failed=$((failed + 1))
	fi
done
# The leak scan.  An object is reported once it has been unreferenced for
# two scans and is a few seconds old; SAs are freed from a worker after an
# RCU grace period, so let those finish first.
if [ "$leakscan" = 1 ]; then
	i=$((i + 1))
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	# one block per object: "unreferenced object 0x..." up to the next
	leaks=$(awk '
		/^unreferenced object / { if (blk != "" && ours) print blk; blk = ""; ours = 0 }
		{ blk = blk $0 "\n" }
		/kipsec/ || /\] 0x[0-9a-f]+$/ { ours = 1 }
		END { if (blk != "" && ours) print blk }' "$kmemleak")
	all=$(grep -c '^unreferenced object ' "$kmemleak")
	if [ -n "$leaks" ]; then
		printf '%s' "$leaks" | head -n 60 | while IFS= read -r l; do emit "# $l"; done
		emit "not ok $i kmemleak # $(printf '%s' "$leaks" | grep -c '^unreferenced object ') of $all unreferenced objects are kipsec's"
		failed=$((failed + 1))
	else
		emit "ok $i kmemleak # none of $all unreferenced objects are kipsec's"
		passed=$((passed + 1))
	fi
fi
[ -z "$queue" ] || emit "1..$i"
emit "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
