/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * kipsec generic netlink API.
 *
 * The contract is Documentation/netlink/specs/kipsec.yaml; this header
 * follows it.  Attribute sets below are nests: an SA is KIPSEC_A_SA
 * containing KIPSEC_A_SA_* attributes, and so on.
 *
 * Conventions:
 *  - addresses are binary, 4 bytes (IPv4) or 16 bytes (IPv6), network order;
 *    the family of an object follows from the length of its addresses;
 *  - SPIs are u32 big-endian, ports u16 big-endian, every other integer is
 *    host order;
 *  - keys (KIPSEC_A_ALG_KEY) are write-only: no reply, dump or event ever
 *    carries them.
 */
#ifndef _UAPI_LINUX_KIPSEC_H
#define _UAPI_LINUX_KIPSEC_H

#define KIPSEC_FAMILY_NAME	"kipsec"
#define KIPSEC_FAMILY_VERSION	1
#define KIPSEC_MCGRP_EVENTS	"events"

/* SA and template encapsulation mode */
enum kipsec_mode {
	KIPSEC_MODE_TRANSPORT,
	KIPSEC_MODE_TUNNEL,
};

/* policy direction, with ip-xfrm's meaning */
enum kipsec_dir {
	KIPSEC_DIR_IN,		/* inbound, delivered locally */
	KIPSEC_DIR_OUT,		/* outbound, local or forwarded */
	KIPSEC_DIR_FWD,		/* inbound, forwarded */
};

enum kipsec_action {
	KIPSEC_ACTION_PROTECT,
	KIPSEC_ACTION_BYPASS,
	KIPSEC_ACTION_DISCARD,
};

enum kipsec_sa_state {
	KIPSEC_SA_STATE_LARVAL,	/* SPI reserved by ALLOCSPI, no keys yet */
	KIPSEC_SA_STATE_VALID,
};

/* KIPSEC_A_SA_FLAGS */
enum kipsec_sa_flags {
	KIPSEC_SA_FLAG_ESN = 1 << 0,		/* 64-bit sequence numbers (RFC 4304) */
	KIPSEC_SA_FLAG_NOECN = 1 << 1,		/* tunnel: no ECN propagation */
	KIPSEC_SA_FLAG_DECAP_DSCP = 1 << 2,	/* tunnel: outer DSCP to inner on input */
	KIPSEC_SA_FLAG_DONT_ENCAP_DSCP = 1 << 3,/* tunnel: outer DSCP 0 on output */
	KIPSEC_SA_FLAG_INSECURE = 1 << 4,	/* allow ESP NULL/NULL (benchmarks) */
};

/* KIPSEC_A_ENCAP_TYPE: UDP encapsulation of ESP */
enum kipsec_encap_type {
	KIPSEC_ENCAP_NONE,
	KIPSEC_ENCAP_ESPINUDP,	/* RFC 3948, with the non-ESP marker for IKE */
};

/* KIPSEC_A_SOCK_FLAGS: what kipsec does for a registered socket */
enum kipsec_sock_flags {
	KIPSEC_SOCK_F_BYPASS = 1 << 0,	/* its packets bypass the SPD (IKE) */
	KIPSEC_SOCK_F_ESPINUDP = 1 << 1,/* UDP socket: decapsulate ESP-in-UDP
					 * arriving on it (RFC 3948) */
};

/* KIPSEC_A_SA_TUNNEL_DF: DF bit of an IPv4 outer header in tunnel mode */
enum kipsec_df {
	KIPSEC_DF_COPY,		/* from the inner IPv4 header; IPv6 inner: clear */
	KIPSEC_DF_SET,
	KIPSEC_DF_CLEAR,
};

/* KIPSEC_A_EXPIRE_REASON: which limit an SA reached */
enum kipsec_expire_reason {
	KIPSEC_EXPIRE_BYTES,
	KIPSEC_EXPIRE_PACKETS,
	KIPSEC_EXPIRE_ADD_TIME,
	KIPSEC_EXPIRE_USE_TIME,
	KIPSEC_EXPIRE_SEQ_OVERFLOW,	/* outbound sequence numbers used up */
};

/*
 * algorithm: KIPSEC_A_SA_AEAD, or KIPSEC_A_SA_ENC with KIPSEC_A_SA_AUTH
 * (ESP), or KIPSEC_A_SA_AUTH alone (AH)
 */
enum {
	KIPSEC_A_ALG_UNSPEC,
	KIPSEC_A_ALG_NAME,	/* string, kernel crypto name */
	KIPSEC_A_ALG_KEY,	/* binary, write-only */
	KIPSEC_A_ALG_ICV_LEN,	/* u32, ICV (aead) or truncation (auth), bits;
				 * auth default: as ip-xfrm's "auth" */
	KIPSEC_A_ALG_KEY_LEN,	/* u32, key length in bits, salt included (replies) */

	__KIPSEC_A_ALG_MAX,
	KIPSEC_A_ALG_MAX = (__KIPSEC_A_ALG_MAX - 1)
};

/* traffic selector: KIPSEC_A_POLICY_SEL */
enum {
	KIPSEC_A_SEL_UNSPEC,
	KIPSEC_A_SEL_SRC,		/* binary, 4 or 16 bytes */
	KIPSEC_A_SEL_DST,		/* binary, 4 or 16 bytes */
	KIPSEC_A_SEL_SRC_PREFIXLEN,	/* u32 */
	KIPSEC_A_SEL_DST_PREFIXLEN,	/* u32 */
	KIPSEC_A_SEL_PROTO,		/* u32, IP protocol, 0 = any */
	KIPSEC_A_SEL_SPORT_MIN,		/* u16 be, inclusive */
	KIPSEC_A_SEL_SPORT_MAX,		/* u16 be, inclusive */
	KIPSEC_A_SEL_DPORT_MIN,		/* u16 be, inclusive */
	KIPSEC_A_SEL_DPORT_MAX,		/* u16 be, inclusive */
	KIPSEC_A_SEL_ICMP_TYPE,		/* u32, 0..255 */
	KIPSEC_A_SEL_ICMP_CODE,		/* u32, 0..255 */

	__KIPSEC_A_SEL_MAX,
	KIPSEC_A_SEL_MAX = (__KIPSEC_A_SEL_MAX - 1)
};

/* template of a protect policy: KIPSEC_A_POLICY_TMPL */
enum {
	KIPSEC_A_TMPL_UNSPEC,
	KIPSEC_A_TMPL_PROTO,		/* u32, IPPROTO_ESP (AH later) */
	KIPSEC_A_TMPL_MODE,		/* u32, enum kipsec_mode */
	KIPSEC_A_TMPL_SRC,		/* binary, tunnel endpoint */
	KIPSEC_A_TMPL_DST,		/* binary, tunnel endpoint */
	KIPSEC_A_TMPL_REQID,		/* u32, 0 = any */
	KIPSEC_A_TMPL_SPI,		/* u32 be, 0 = any */

	__KIPSEC_A_TMPL_MAX,
	KIPSEC_A_TMPL_MAX = (__KIPSEC_A_TMPL_MAX - 1)
};

/* lifetime limits: KIPSEC_A_SA_LIFETIME_SOFT/_HARD; absent or 0 = none */
enum {
	KIPSEC_A_LIFE_UNSPEC,
	KIPSEC_A_LIFE_PAD,
	KIPSEC_A_LIFE_BYTES,		/* u64, bytes protected */
	KIPSEC_A_LIFE_PACKETS,		/* u64, packets protected */
	KIPSEC_A_LIFE_ADD_SECS,		/* u64, seconds since the SA was added */
	KIPSEC_A_LIFE_USE_SECS,		/* u64, seconds since its first use */

	__KIPSEC_A_LIFE_MAX,
	KIPSEC_A_LIFE_MAX = (__KIPSEC_A_LIFE_MAX - 1)
};

/* UDP encapsulation of an SA: KIPSEC_A_SA_ENCAP */
enum {
	KIPSEC_A_ENCAP_UNSPEC,
	KIPSEC_A_ENCAP_TYPE,		/* u32, enum kipsec_encap_type */
	KIPSEC_A_ENCAP_SPORT,		/* u16 be, source port of the SA's packets */
	KIPSEC_A_ENCAP_DPORT,		/* u16 be, destination port */

	__KIPSEC_A_ENCAP_MAX,
	KIPSEC_A_ENCAP_MAX = (__KIPSEC_A_ENCAP_MAX - 1)
};

/* a socket handed to kipsec: KIPSEC_A_SOCK */
enum {
	KIPSEC_A_SOCK_UNSPEC,
	KIPSEC_A_SOCK_FD,		/* u32, the caller's file descriptor (requests) */
	KIPSEC_A_SOCK_FLAGS,		/* u32, enum kipsec_sock_flags; SOCK_ADD adds
					 * them to the socket's */
	KIPSEC_A_SOCK_FAMILY,		/* u32, AF_INET or AF_INET6 (replies) */
	KIPSEC_A_SOCK_PROTO,		/* u32, IPPROTO_UDP, ... (replies) */
	KIPSEC_A_SOCK_ADDR,		/* binary, bound address (replies) */
	KIPSEC_A_SOCK_PORT,		/* u16 be, bound port (replies) */

	__KIPSEC_A_SOCK_MAX,
	KIPSEC_A_SOCK_MAX = (__KIPSEC_A_SOCK_MAX - 1)
};

/* per-SA counters: KIPSEC_A_SA_STATS, all u64 */
enum {
	KIPSEC_A_SA_STATS_UNSPEC,
	KIPSEC_A_SA_STATS_PAD,
	KIPSEC_A_SA_STATS_RX_PACKETS,
	KIPSEC_A_SA_STATS_RX_BYTES,
	KIPSEC_A_SA_STATS_TX_PACKETS,
	KIPSEC_A_SA_STATS_TX_BYTES,
	KIPSEC_A_SA_STATS_AUTH_FAIL,
	KIPSEC_A_SA_STATS_REPLAY,
	KIPSEC_A_SA_STATS_POLICY_FAIL,	/* decrypted, refused by the SPD */
	KIPSEC_A_SA_STATS_ERRORS,	/* malformed, no memory, crypto errors */

	__KIPSEC_A_SA_STATS_MAX,
	KIPSEC_A_SA_STATS_MAX = (__KIPSEC_A_SA_STATS_MAX - 1)
};

/* security association: KIPSEC_A_SA */
enum {
	KIPSEC_A_SA_UNSPEC,
	KIPSEC_A_SA_PAD,
	KIPSEC_A_SA_SRC,		/* binary, 4 or 16 bytes */
	KIPSEC_A_SA_DST,		/* binary, 4 or 16 bytes */
	KIPSEC_A_SA_SPI,		/* u32 be */
	KIPSEC_A_SA_PROTO,		/* u32, IPPROTO_ESP or IPPROTO_AH */
	KIPSEC_A_SA_MODE,		/* u32, enum kipsec_mode */
	KIPSEC_A_SA_REQID,		/* u32 */
	KIPSEC_A_SA_AEAD,		/* nest, KIPSEC_A_ALG_* */
	KIPSEC_A_SA_ENC,		/* nest, KIPSEC_A_ALG_* */
	KIPSEC_A_SA_AUTH,		/* nest, KIPSEC_A_ALG_* */
	KIPSEC_A_SA_REPLAY_WINDOW,	/* u32, packets, 0 = off */
	KIPSEC_A_SA_FLAGS,		/* u32, enum kipsec_sa_flags */
	KIPSEC_A_SA_STATE,		/* u32, enum kipsec_sa_state (replies) */
	KIPSEC_A_SA_SPI_MIN,		/* u32 be, ALLOCSPI only */
	KIPSEC_A_SA_SPI_MAX,		/* u32 be, ALLOCSPI only */
	KIPSEC_A_SA_SEQ_OUT,		/* u64, last sequence number sent;
					 * settable on add (ip-xfrm replay-oseq) */
	KIPSEC_A_SA_SEQ_IN,		/* u64, highest sequence number accepted;
					 * settable on add (ip-xfrm replay-seq) */
	KIPSEC_A_SA_STATS,		/* nest, KIPSEC_A_SA_STATS_* (replies) */
	KIPSEC_A_SA_LIFETIME_SOFT,	/* nest, KIPSEC_A_LIFE_*: expire event */
	KIPSEC_A_SA_LIFETIME_HARD,	/* nest, KIPSEC_A_LIFE_*: event, SA deleted */
	KIPSEC_A_SA_ADD_TIME,		/* u64, wall-clock seconds (replies) */
	KIPSEC_A_SA_USE_TIME,		/* u64, first use, 0 = unused (replies) */
	KIPSEC_A_SA_LAST_USE_TIME,	/* u64, latest packet, 0 = unused (replies) */
	KIPSEC_A_SA_TUNNEL_DF,		/* u32, enum kipsec_df, default copy */
	KIPSEC_A_SA_ENCAP,		/* nest, KIPSEC_A_ENCAP_*: ESP in UDP */


	__KIPSEC_A_SA_MAX,
	KIPSEC_A_SA_MAX = (__KIPSEC_A_SA_MAX - 1)
};

/* security policy: KIPSEC_A_POLICY */
enum {
	KIPSEC_A_POLICY_UNSPEC,
	KIPSEC_A_POLICY_PAD,
	KIPSEC_A_POLICY_INDEX,		/* u32, assigned by the kernel */
	KIPSEC_A_POLICY_DIR,		/* u32, enum kipsec_dir */
	KIPSEC_A_POLICY_PRIORITY,	/* u32, lower wins, ties: older wins */
	KIPSEC_A_POLICY_ACTION,		/* u32, enum kipsec_action */
	KIPSEC_A_POLICY_SEL,		/* nest, KIPSEC_A_SEL_* */
	KIPSEC_A_POLICY_TMPL,		/* nest, KIPSEC_A_TMPL_*, protect only */
	KIPSEC_A_POLICY_PACKETS,	/* u64, packets matched (replies) */
	KIPSEC_A_POLICY_BYTES,		/* u64, bytes matched (replies) */
	KIPSEC_A_POLICY_ADD_TIME,	/* u64, wall-clock seconds (replies) */
	KIPSEC_A_POLICY_USE_TIME,	/* u64, latest match, 0 = never (replies) */

	__KIPSEC_A_POLICY_MAX,
	KIPSEC_A_POLICY_MAX = (__KIPSEC_A_POLICY_MAX - 1)
};

/* one named counter: KIPSEC_A_STATS_COUNTER */
enum {
	KIPSEC_A_COUNTER_UNSPEC,
	KIPSEC_A_COUNTER_PAD,
	KIPSEC_A_COUNTER_NAME,		/* string, e.g. "rx_replay" */
	KIPSEC_A_COUNTER_VALUE,		/* u64 */

	__KIPSEC_A_COUNTER_MAX,
	KIPSEC_A_COUNTER_MAX = (__KIPSEC_A_COUNTER_MAX - 1)
};

/* namespace statistics: KIPSEC_A_STATS */
enum {
	KIPSEC_A_STATS_UNSPEC,
	KIPSEC_A_STATS_COUNTER,		/* nest, multi-attr, KIPSEC_A_COUNTER_* */
	KIPSEC_A_STATS_SA_COUNT,	/* u32 */
	KIPSEC_A_STATS_POLICY_COUNT,	/* u32 */

	__KIPSEC_A_STATS_MAX,
	KIPSEC_A_STATS_MAX = (__KIPSEC_A_STATS_MAX - 1)
};

/* top level */
enum {
	KIPSEC_A_UNSPEC,
	KIPSEC_A_SA,			/* nest, KIPSEC_A_SA_* */
	KIPSEC_A_POLICY,		/* nest, KIPSEC_A_POLICY_* */
	KIPSEC_A_STATS,			/* nest, KIPSEC_A_STATS_* */
	KIPSEC_A_EXPIRE_HARD,		/* flag, in SA_EXPIRE_NTF */
	KIPSEC_A_EXPIRE_REASON,		/* u32, enum kipsec_expire_reason, in SA_EXPIRE_NTF */
	KIPSEC_A_PACKET,		/* nest, KIPSEC_A_SEL_*: the packet that raised
					 * an ACQUIRE_NTF (host prefixes, its ports) */
	KIPSEC_A_SOCK,			/* nest, KIPSEC_A_SOCK_* */
	KIPSEC_A_NEW_ADDR,		/* binary, SA_MAPPING_NTF: peer's new address */
	KIPSEC_A_NEW_PORT,		/* u16 be, SA_MAPPING_NTF: peer's new port */

	__KIPSEC_A_MAX,
	KIPSEC_A_MAX = (__KIPSEC_A_MAX - 1)
};

enum {
	KIPSEC_CMD_UNSPEC,
	KIPSEC_CMD_SA_ADD,		/* do: A_SA (full) */
	KIPSEC_CMD_SA_UPDATE,		/* do: A_SA, completes a larval SA, or
					 * changes a valid SA's ENCAP ports */
	KIPSEC_CMD_SA_DEL,		/* do: A_SA (dst, spi, proto) */
	KIPSEC_CMD_SA_GET,		/* do: A_SA id -> A_SA; dump: all SAs */
	KIPSEC_CMD_SA_FLUSH,		/* do: optional A_SA (proto) */
	KIPSEC_CMD_SA_ALLOCSPI,		/* do: A_SA (src, dst, proto, range,
					 * optional LIFETIME_HARD add-secs of the
					 * larval SA, default 165) -> A_SA */
	KIPSEC_CMD_POLICY_ADD,		/* do: A_POLICY -> A_POLICY (index) */
	KIPSEC_CMD_POLICY_DEL,		/* do: A_POLICY (index, or sel+dir) */
	KIPSEC_CMD_POLICY_GET,		/* do: A_POLICY id -> A_POLICY; dump */
	KIPSEC_CMD_POLICY_FLUSH,	/* do: optional A_POLICY (dir) */
	KIPSEC_CMD_STATS_GET,		/* do: -> A_STATS */
	KIPSEC_CMD_SA_ADD_NTF,		/* event: A_SA */
	KIPSEC_CMD_SA_DEL_NTF,		/* event: A_SA */
	KIPSEC_CMD_SA_EXPIRE_NTF,	/* event: A_SA, A_EXPIRE_REASON, A_EXPIRE_HARD if hard */
	KIPSEC_CMD_ACQUIRE_NTF,		/* event: A_POLICY (out, with TMPL), A_PACKET */
	KIPSEC_CMD_POLICY_ADD_NTF,	/* event: A_POLICY */
	KIPSEC_CMD_POLICY_DEL_NTF,	/* event: A_POLICY */
	KIPSEC_CMD_SOCK_ADD,		/* do: A_SOCK (fd, flags) -> A_SOCK */
	KIPSEC_CMD_SOCK_DEL,		/* do: A_SOCK (fd): forget the socket */
	KIPSEC_CMD_SOCK_GET,		/* dump: registered sockets */
	KIPSEC_CMD_SA_MAPPING_NTF,	/* event: A_SA (id, reqid, old ENCAP),
					 * A_NEW_ADDR, A_NEW_PORT */

	__KIPSEC_CMD_MAX,
	KIPSEC_CMD_MAX = (__KIPSEC_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_KIPSEC_H */
