/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Named per-namespace counters.  Every packet kipsec drops increments
 * exactly one of the drop counters; `kipsec stats` prints them by name.
 */
#ifndef _KIPSEC_STATS_H
#define _KIPSEC_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

enum kipsec_stat {
	/* totals, not drops */
	KIPSEC_STAT_RX_PACKETS,		/* decrypted and passed on */
	KIPSEC_STAT_TX_PACKETS,		/* encrypted and sent */
	KIPSEC_STAT_RX_PMTU_LEARNED,	/* ICMP lowered an SA's path MTU */
	KIPSEC_STAT_TX_ACQUIRE,		/* ACQUIRE events sent */
	KIPSEC_STAT_RX_NATT_MAPPING,	/* NAT mapping change events sent */
	KIPSEC_STAT_RX_NAT_SHARED,	/* cleartext of another host behind a
					 * transport SA peer's NAT, let in */
	/* inbound drops */
	KIPSEC_STAT_RX_AUTH_FAIL,	/* ICV did not verify */
	KIPSEC_STAT_RX_REPLAY,		/* duplicate or left of the window */
	KIPSEC_STAT_RX_MALFORMED,	/* too short, bad padding, bad inner header */
	KIPSEC_STAT_RX_SA_LARVAL,	/* SA has no keys yet (allocspi) */
	KIPSEC_STAT_RX_CLEARTEXT,	/* cleartext matched an inbound protect policy */
	KIPSEC_STAT_RX_POLICY_MISMATCH,	/* decrypted packet not allowed by the SPD */
	KIPSEC_STAT_RX_DISCARD,		/* inbound discard policy */
	KIPSEC_STAT_RX_NO_ROUTE,	/* decrypted packet unroutable */
	KIPSEC_STAT_RX_TOO_DEEP,	/* decapsulation nested too deep */
	KIPSEC_STAT_RX_NOMEM,
	KIPSEC_STAT_RX_CRYPTO_ERROR,	/* crypto API error other than a bad ICV */
	KIPSEC_STAT_RX_SA_EXPIRED,	/* SA past a hard lifetime limit */
	KIPSEC_STAT_RX_NO_SA,		/* ESP-in-UDP for no SA of ours */
	KIPSEC_STAT_RX_ENCAP_MISMATCH,	/* ESP in UDP for a plain SA, or the reverse */
	/* outbound drops */
	KIPSEC_STAT_TX_DISCARD,		/* outbound discard policy */
	KIPSEC_STAT_TX_NO_SA,		/* protect policy without a usable SA */
	KIPSEC_STAT_TX_SEQ_OVERFLOW,	/* SA used up its sequence numbers */
	KIPSEC_STAT_TX_NO_ROUTE,	/* no route to the tunnel endpoint */
	KIPSEC_STAT_TX_TTL_EXCEEDED,	/* forwarded packet with TTL <= 1 */
	KIPSEC_STAT_TX_GSO_ERROR,	/* segmentation or checksum failed */
	KIPSEC_STAT_TX_NOMEM,
	KIPSEC_STAT_TX_CRYPTO_ERROR,
	KIPSEC_STAT_TX_SA_EXPIRED,	/* SA past a hard lifetime limit */
	KIPSEC_STAT_TX_MALFORMED,	/* IPv6 headers of the packet unusable */
	KIPSEC_STAT_TX_TOO_BIG,		/* too big for the path: ICMP sent */

	KIPSEC_STAT_MAX
};

struct kipsec_stats {
	u64 ctr[KIPSEC_STAT_MAX];
};

extern const char *const kipsec_stat_names[KIPSEC_STAT_MAX];

struct kipsec_net;

void kipsec_stats_inc(struct kipsec_net *kn, enum kipsec_stat s);
u64 kipsec_stats_read(struct kipsec_net *kn, enum kipsec_stat s);

#endif /* _KIPSEC_STATS_H */
