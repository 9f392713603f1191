// SPDX-License-Identifier: GPL-2.0
/*
 * Named per-namespace counters.
 */
#include "kipsec.h"

const char *const kipsec_stat_names[KIPSEC_STAT_MAX] = {
	[KIPSEC_STAT_RX_PACKETS]		= "rx_packets",
	[KIPSEC_STAT_TX_PACKETS]		= "tx_packets",
	[KIPSEC_STAT_RX_PMTU_LEARNED]		= "rx_pmtu_learned",
	[KIPSEC_STAT_TX_ACQUIRE]		= "tx_acquire",
	[KIPSEC_STAT_RX_NATT_MAPPING]		= "rx_natt_mapping",
	[KIPSEC_STAT_RX_NAT_SHARED]		= "rx_nat_shared",
	[KIPSEC_STAT_RX_AUTH_FAIL]		= "rx_auth_fail",
	[KIPSEC_STAT_RX_REPLAY]			= "rx_replay",
	[KIPSEC_STAT_RX_MALFORMED]		= "rx_malformed",
	[KIPSEC_STAT_RX_SA_LARVAL]		= "rx_sa_larval",
	[KIPSEC_STAT_RX_CLEARTEXT]		= "rx_cleartext",
	[KIPSEC_STAT_RX_POLICY_MISMATCH]	= "rx_policy_mismatch",
	[KIPSEC_STAT_RX_DISCARD]		= "rx_discard",
	[KIPSEC_STAT_RX_NO_ROUTE]		= "rx_no_route",
	[KIPSEC_STAT_RX_TOO_DEEP]		= "rx_too_deep",
	[KIPSEC_STAT_RX_NOMEM]			= "rx_nomem",
	[KIPSEC_STAT_RX_CRYPTO_ERROR]		= "rx_crypto_error",
	[KIPSEC_STAT_RX_SA_EXPIRED]		= "rx_sa_expired",
	[KIPSEC_STAT_RX_NO_SA]			= "rx_no_sa",
	[KIPSEC_STAT_RX_ENCAP_MISMATCH]		= "rx_encap_mismatch",
	[KIPSEC_STAT_TX_DISCARD]		= "tx_discard",
	[KIPSEC_STAT_TX_NO_SA]			= "tx_no_sa",
	[KIPSEC_STAT_TX_SEQ_OVERFLOW]		= "tx_seq_overflow",
	[KIPSEC_STAT_TX_NO_ROUTE]		= "tx_no_route",
	[KIPSEC_STAT_TX_TTL_EXCEEDED]		= "tx_ttl_exceeded",
	[KIPSEC_STAT_TX_GSO_ERROR]		= "tx_gso_error",
	[KIPSEC_STAT_TX_NOMEM]			= "tx_nomem",
	[KIPSEC_STAT_TX_CRYPTO_ERROR]		= "tx_crypto_error",
	[KIPSEC_STAT_TX_SA_EXPIRED]		= "tx_sa_expired",
	[KIPSEC_STAT_TX_MALFORMED]		= "tx_malformed",
	[KIPSEC_STAT_TX_TOO_BIG]		= "tx_too_big",
};

void kipsec_stats_inc(struct kipsec_net *kn, enum kipsec_stat s)
{
	this_cpu_inc(kn->stats->ctr[s]);
}

u64 kipsec_stats_read(struct kipsec_net *kn, enum kipsec_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(kn->stats, cpu)->ctr[s]);
	return sum;
}
