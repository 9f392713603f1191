# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib_inject.sh - helpers for the issue-3 tests (replay window,
# ESN, lifetimes, sequence overflow).  Source it after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_inject.sh"
#
# PROTO_IMPL (or KIPSEC_PROTO_IMPL, which tools/vm/run passes into the VM)
# chooses the implementation under test: kipsec (the default) or xfrm.
# With xfrm every side is native XFRM, which validates a test's method,
# injections, captures and timings against the reference alone.  The words
# after the algorithm (replay-window, replay-seq, flag esn, limit ...) are
# spelled alike for both (the issue-3 CLI grammar follows ip-xfrm).
#
# Counter names are kipsec's; for XFRM they map onto /proc/net/xfrm_stat
# and `ip -s xfrm state`, so that a test reads one name for both.

PROTO_IMPL=${PROTO_IMPL:-${KIPSEC_PROTO_IMPL:-kipsec}}
case "$PROTO_IMPL" in
kipsec|xfrm) ;;
*) echo "PROTO_IMPL must be kipsec or xfrm, not '$PROTO_IMPL'"; exit $KSFT_FAIL ;;
esac

# require_impl: what the implementation under test and the XFRM oracle need
require_impl() {
	[ "$PROTO_IMPL" = xfrm ] || require_kipsec
	require_root
	require_xfrm
	require_cmds ip python3 timeout
	modprobe -q veth 2>/dev/null
	log "implementation under test: $PROTO_IMPL"
}

# --------------------------------------------------------------- SAs

# pt_sa IMPL NS SRC DST SPI KEY [WORD...]: a transport-mode AES-GCM SA
# (ICV 128, reqid $REQID or 1); WORDs as in ip-xfrm: replay-window N,
# replay-seq N, replay-oseq N, replay-seq-hi N, replay-oseq-hi N,
# flag esn, limit KIND N
pt_sa() {
	local impl=$1 ns=$2 src=$3 dst=$4 spi=$5 key=$6
	shift 6

	case "$impl" in
	kipsec)
		kip "$ns" sa add src "$src" dst "$dst" proto esp spi "$spi" \
			mode transport reqid "${REQID:-1}" aead "$ALGO" "$key" 128 "$@"
		;;
	xfrm)
		ip -n "$ns" xfrm state add src "$src" dst "$dst" proto esp spi "$spi" \
			mode transport reqid "${REQID:-1}" aead "$ALGO" "$key" 128 "$@"
		;;
	esac
}

# pt_sa_del IMPL NS SRC DST SPI
pt_sa_del() {
	case "$1" in
	kipsec) kip "$2" sa del src "$3" dst "$4" proto esp spi "$5" ;;
	xfrm) ip -n "$2" xfrm state del src "$3" dst "$4" proto esp spi "$5" ;;
	esac
}

# pt_pair IMPL NS LOCAL REMOTE SPI_OUT SPI_IN KEY_OUT KEY_IN [WORD...]:
# both SAs (WORDs on both) and the out and in protect policies
pt_pair() {
	local impl=$1 ns=$2 l=$3 r=$4 so=$5 si=$6 ko=$7 ki=$8
	shift 8

	pt_sa "$impl" "$ns" "$l" "$r" "$so" "$ko" "$@" &&
	pt_sa "$impl" "$ns" "$r" "$l" "$si" "$ki" "$@" &&
	ipsec_policy "$impl" "$ns" "$l/32" "$r/32" out "$l" "$r" transport &&
	ipsec_policy "$impl" "$ns" "$r/32" "$l/32" in "$r" "$l" transport
}

# xfrm_sa_stat NS SPI FIELD...: fields of an XFRM SA from `ip -s xfrm
# state`: bytes packets (lifetime current), replay_window replay failed
# (stats: drops left of the window, duplicates, ICV failures), seq_in
# seq_out (64-bit with ESN), window, add_time use_time (YYYY-MM-DDTHH:MM:SS,
# local time, "-" unused); "?" where absent
xfrm_sa_stat() {
	local ns=$1 spi=$2
	shift 2
	ip -s -n "$ns" xfrm state | awk -v spi="$(printf 'spi 0x%08x(' "$spi")" -v want="$*" '
		function h(x,  i, n) {	# mawk: no strtonum
			n = 0
			x = tolower(x); sub(/^0x/, "", x)
			for (i = 1; i <= length(x); i++)
				n = n * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1
			return n
		}
		/^src / { on = 0 }
		index($0, spi) { on = 1; found = 1 }
		!on { next }
		/^\treplay-window / { v["window"] = $2 }
		/replay_window [0-9]+,/ { sub(",", "", $2); v["window"] = $2 }
		/anti-replay context:/ {
			sub(",", "", $4); sub(",", "", $6)
			v["seq_in"] = sprintf("%.0f", h($4)); v["seq_out"] = sprintf("%.0f", h($6))
		}
		/seq-hi 0x/ {
			for (i = 1; i <= NF; i++) sub(",", "", $i)
			v["seq_in"] = sprintf("%.0f", h($2) * 4294967296 + h($4))
			v["seq_out"] = sprintf("%.0f", h($6) * 4294967296 + h($8))
		}
		/^\tlifetime current:/ { cur = 1; next }
		cur && /\(bytes\)/ {
			split($0, a, /[(), ]+/)
			v["bytes"] = a[2]; v["packets"] = a[4]; cur = 0
		}
		/^\t  add [0-9]/ { v["add_time"] = $2 "T" $3; v["use_time"] = $5 ($6 == "" ? "" : "T" $6); next }
		/^\tstats:/ { st = 1; next }
		st && /replay-window/ { v["replay_window"] = $2; v["replay"] = $4; v["failed"] = $6; st = 0 }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++)
				out = out (i > 1 ? " " : "") (found && (w[i] in v) ? v[w[i]] : "?")
			print out
		}'
}

# impl_sa_stat IMPL NS SPI FIELD...: kipsec's per-SA fields (kipsec_sa_stat
# names: rx_packets tx_packets rx_bytes tx_bytes replay auth_fail seq_in
# seq_out replay_window add_time use_time), for XFRM from xfrm_sa_stat
# (rx/tx_packets = packets, replay = left of the window + duplicates,
# auth_fail = failed, add/use_time in seconds since the epoch, 0 unused)
impl_sa_stat() {
	local impl=$1 ns=$2 spi=$3 f out=() v x
	shift 3

	if [ "$impl" = kipsec ]; then
		kipsec_sa_stat "$ns" "$spi" "$@"
		return
	fi
	read -r -a x <<<"$(xfrm_sa_stat "$ns" "$spi" packets bytes failed window replay_window replay seq_in seq_out add_time use_time)"
	for f; do
		case "$f" in
		rx_packets|tx_packets) v=${x[0]} ;;
		rx_bytes|tx_bytes) v=${x[1]} ;;
		auth_fail) v=${x[2]} ;;
		replay_window) v=${x[3]} ;;
		replay) if [ "${x[4]}" = "?" ]; then v="?"; else v=$((x[4] + x[5])); fi ;;
		seq_in) v=${x[6]} ;;
		seq_out) v=${x[7]} ;;
		add_time|use_time)
			v=${x[8]}
			[ "$f" = add_time ] || v=${x[9]}
			case "$v" in
			"?") ;;
			-) v=0 ;;
			*) v=$(date -d "${v/T/ }" +%s) ;;
			esac
			;;
		*) v="?" ;;
		esac
		out+=("$v")
	done
	echo "${out[*]}"
}

# impl_sa_exists IMPL NS SPI
impl_sa_exists() {
	case "$1" in
	kipsec) kip "$2" sa show | grep -q "spi $(printf 0x%08x "$3")" ;;
	xfrm) ip -n "$2" xfrm state | grep -q "spi $(printf 0x%08x "$3")" ;;
	esac
}

# impl_stat IMPL NS NAME: a namespace counter by kipsec's name; for XFRM:
# rx_replay = XfrmInStateSeqError, rx_auth_fail = XfrmInStateProtoError,
# tx_no_sa = XfrmOutNoStates, tx_seq_overflow = XfrmOutStateSeqError
impl_stat() {
	local x

	if [ "$1" = kipsec ]; then
		kipsec_stat "$2" "$3"
		return
	fi
	case "$3" in
	rx_replay) x=XfrmInStateSeqError ;;
	rx_auth_fail) x=XfrmInStateProtoError ;;
	tx_no_sa) x=XfrmOutNoStates ;;
	tx_seq_overflow) x=XfrmOutStateSeqError ;;
	*) echo "?"; return ;;
	esac
	xfrm_stat "$2" "$x"
}

# --------------------------------------------------------- ESP packets

# esp_gen NS DST PORT SPI SRC KEY BATCH...: make ESP packets with chosen
# sequence numbers.  NS sends UDP datagrams to DST:PORT through an XFRM
# SA SRC -> DST (SPI, KEY; NS has the out policy).  BATCH is FIRST:COUNT:
# the SA is made afresh with replay-oseq FIRST-1 and COUNT datagrams go
# out with the sequence numbers FIRST..FIRST+COUNT-1, each carrying the
# text "sSEQ".  Capture them on the way out.
esp_gen() {
	local ns=$1 dst=$2 port=$3 spi=$4 src=$5 key=$6
	shift 6

	ip netns exec "$ns" bash -s "$dst" "$port" "$spi" "$src" "$key" "$ALGO" "$@" <<'EOF'
dst=$1 port=$2 spi=$3 src=$4 key=$5 algo=$6
shift 6
for b; do
	first=${b%:*} count=${b#*:}
	ip xfrm state del src "$src" dst "$dst" proto esp spi "$spi" 2>/dev/null
	ip xfrm state add src "$src" dst "$dst" proto esp spi "$spi" mode transport \
		reqid 1 aead "$algo" "$key" 128 replay-oseq $((first - 1)) || exit 1
	for ((s = first; s < first + count; s++)); do
		echo -n "s$s" >"/dev/udp/$dst/$port" || exit 1
	done
done
EOF
}

# esp_seq_index PCAP: "SEQ INDEX" for each ESP frame of a capture whose
# frames are all ESP (tcpdump decodes faster than esp_frames' python)
esp_seq_index() {
	tcpdump -n -r "$1" 2>/dev/null | awk '
		function h(x,  i, n) {
			n = 0
			for (i = 3; i <= length(x); i++)
				n = n * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1
			return n
		}
		match($0, /ESP\(spi=0x[0-9a-f]+,seq=0x[0-9a-f]+\)/) {
			split(substr($0, RSTART, RLENGTH), f, /[=,)]/)
			printf "%.0f %d\n", h(f[4]), NR - 1
		}'
}

# esp_inject_list NS GAP_MS "IFACE..." PCAP INDEX...: send frames INDEX...
# of PCAP, in this order, out of each IFACE of NS in turn (frame 1 on every
# IFACE, then frame 2 ...), GAP_MS milliseconds apart, through a packet
# socket, unchanged (Ethernet padding removed)
esp_inject_list() {
	ip netns exec "$1" python3 -S - "$2" "$3" "$4" "${@:5}" <<'EOF'
import socket, struct, sys, time
gap, ifaces, path = float(sys.argv[1]) / 1000, sys.argv[2].split(), sys.argv[3]
with open(path, "rb") as f:
    data = f.read()
end = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
frames, off = [], 24
while off + 16 <= len(data):
    _, _, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
    fr = data[off + 16:off + 16 + incl]
    frames.append(fr[:14 + struct.unpack(">H", fr[16:18])[0]] if incl == orig else None)
    off += 16 + incl
socks = []
for ifname in ifaces:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    socks.append(s)
for i in sys.argv[4:]:
    fr = frames[int(i)]
    if fr is None:
        sys.exit("frame %s was truncated by the capture" % i)
    for s in socks:
        s.send(fr)
        time.sleep(gap)
EOF
}

# ------------------------------------------------------ UDP receivers

# udp_log_start NAME NS PORT [nowait]: log every datagram received on
# PORT as one line (its text) into $TMPD/udplog.NAME, in the background;
# returns once it listens, unless "nowait" (then: wait_listen NS udp PORT)
udp_log_start() {
	local name=$1 ns=$2 port=$3

	: >"$TMPD/udplog.$name"
	ip netns exec "$ns" python3 -S -u - "$port" "$TMPD/udplog.$name" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[1])))
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(65535).decode(errors="replace") + "\n")
        f.flush()
EOF
	BG_PIDS+=($!)
	[ "${4:-}" = nowait ] || wait_listen "$ns" udp "$port" $!
}

# udp_log NAME [SKIP]: set UDP_LOG to the texts received (after the first
# SKIP), space separated, and UDP_LINES to how many there are in all
# (bash only: no process to start)
udp_log() {
	local lines=()

	mapfile -t lines <"$TMPD/udplog.$1"
	UDP_LINES=${#lines[@]}
	UDP_LOG="${lines[*]:${2:-0}}"
}

# udp_log_wait NAME:LINES...: until each log NAME has LINES lines (3 s at
# most), then 0.2 s more for any beyond
udp_log_wait() {
	local i n

	for i in $(seq 60); do
		for n; do
			udp_log "${n%:*}"
			[ "$UDP_LINES" -ge "${n##*:}" ] || { sleep 0.05; continue 2; }
		done
		break
	done
	sleep 0.2
}

# ---------------------------------------------------------- expire events

# expire_mon_start NAME IMPL NS: watch SA events in NS (`kipsec monitor`,
# or `ip xfrm monitor expire SA`) into $TMPD/mon.NAME, each line prefixed
# with the time it arrived (seconds, like date +%s.%N).  Returns once the
# monitor is listening (expire_mon_sync).
expire_mon_start() {
	expire_mon_launch "$@" && expire_mon_sync "$@"
}

# expire_mon_launch NAME IMPL NS: start the monitor, do not wait for it
# (python starts slowly under TCG: launch several, then sync each)
expire_mon_launch() {
	local name=$1 impl=$2 ns=$3 cmd

	if [ "$impl" = kipsec ]; then
		cmd=("$KIPSEC" monitor)
	else
		cmd=(ip xfrm monitor expire SA)
	fi
	: >"$TMPD/mon.$name"
	ip netns exec "$ns" python3 -S -u - "$TMPD/mon.$name" "${cmd[@]}" <<'EOF' &
import signal, subprocess, sys, time
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, text=True)
def stop(*_):
    p.terminate()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
with open(sys.argv[1], "a") as f:
    while True:
        line = p.stdout.readline()
        if not line:
            break
        f.write("%.3f %s" % (time.time(), line))
        f.flush()
EOF
	BG_PIDS+=($!)
}

# expire_mon_sync NAME IMPL NS: wait until the monitor has seen a scratch
# SA (192.0.2.1 -> 192.0.2.2) being added, so that it misses no event
expire_mon_sync() {
	local name=$1 impl=$2 ns=$3 i spi

	for i in $(seq 30); do
		spi=$(printf 0x%08x $((0xfffe0000 + i)))
		pt_sa "$impl" "$ns" 192.0.2.1 192.0.2.2 $spi $KEY_A || break
		expire_mon_wait "$name" "spi $spi" 1
		pt_sa_del "$impl" "$ns" 192.0.2.1 192.0.2.2 $spi
		grep -q "spi $spi" "$TMPD/mon.$name" && return 0
	done
	fail "the $impl monitor in $ns does not report events"
	return 1
}

# expire_mon_wait NAME REGEX [SECONDS]: until a line of the monitor log
# matches REGEX (default 5 s)
expire_mon_wait() {
	local i

	for i in $(seq $((${3:-5} * 20))); do
		grep -Eq "$2" "$TMPD/mon.$1" && return 0
		sleep 0.05
	done
	return 1
}

# expire_events NAME: the expire events seen so far, one a line:
# "TIME soft|hard REASON SPI" (REASON "-": XFRM gives none)
expire_events() {
	awk '
		{
			t = $1
			text = substr($0, length($1) + 2)
		}
		text !~ /^[\t ]/ {
			on = text ~ /^(\[sa-expire\]|Expired)/
			spi = "?"
		}
		!on { next }
		match(text, /spi 0x[0-9a-f]+/) {
			spi = substr(text, RSTART + 4, RLENGTH - 4)
			sub(/^0x0*/, "0x", spi)
			if (spi == "0x") spi = "0x0"
		}
		text ~ /^[\t ]*expire (soft|hard)/ {		# kipsec
			n = split(text, w, /[\t ]+/)
			for (i = 1; i <= n && w[i] != "expire"; i++) ;
			print t, w[i + 1], (i + 2 <= n && w[i + 2] != "" ? w[i + 2] : "?"), spi
			on = 0
			next
		}
		text ~ /^[\t ]*hard [01][\t ]*$/ {		# ip xfrm monitor
			print t, (text ~ /1/ ? "hard" : "soft"), "-", spi
			on = 0
		}' "$TMPD/mon.$1"
}

# ---------------------------------------------------------- traffic

# tcp_xfer FROM_NS TO_NS TO_ADDR KBYTES PORT: tcp_transfer (lib.sh) in
# KBYTES, giving up after 20 s (a broken SA must not eat the test's time)
tcp_xfer() {
	local from=$1 to=$2 addr=$3 kb=$4 port=$5 src=$TMPD/xfer.$5 dst=$TMPD/xfer.$5.out rpid

	head -c "${kb}K" /dev/urandom >"$src"
	ip netns exec "$to" timeout 20 nc -n -l "$port" </dev/null >"$dst" &
	rpid=$!
	wait_listen "$to" tcp "$port" $rpid || { kill $rpid 2>/dev/null; return 1; }
	ip netns exec "$from" timeout 20 nc -n -N -w 5 "$addr" "$port" <"$src" >/dev/null ||
		log "tcp_xfer: the sender failed or timed out"
	wait $rpid || log "tcp_xfer: the receiver failed or timed out"
	log "tcp_xfer: $(stat -c %s "$dst") of $((kb * 1024)) bytes to $addr:$port"
	cmp -s "$src" "$dst"
}

# ping1 NS DST [SIZE]: one echo request, its reply within a second
ping1() {
	ip netns exec "$1" ping -q -n -c 1 -W 1 -s "${3:-56}" "$2" >/dev/null 2>&1
}
