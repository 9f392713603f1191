// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound: ESP for our SAs, decrypted and sent back through the stack as
 * the packet it carried; and the inbound policy check on what the stack
 * delivers or forwards.
 *
 *  PRE_ROUTING   ESP for an SA of ours -> kipsec_esp_input() -> (crypto) ->
 *                kipsec_input_deliver4(): the inner packet re-enters
 *                PRE_ROUTING and routing, marked as "decrypted by SA x"
 *  LOCAL_IN      reassembled ESP for an SA of ours, as above; then the
 *  FORWARD       SPD (dir in / fwd) judges every packet: a decrypted one
 *                must match a protect policy whose template the SA meets,
 *                a cleartext one must not match a protect policy.
 *
 * The mark is a per-CPU record of the skb being delivered and its SA.  It
 * is set and restored around the synchronous NF_HOOK() call, with bottom
 * halves off, so the LOCAL_IN/FORWARD hook it reaches runs on the same CPU
 * inside that call.  A packet held up on the way (queued to userspace,
 * say) loses the mark and is then judged as cleartext.
 */
#include <linux/ip.h>
#include <linux/netfilter_ipv4.h>
#include <linux/kipsec.h>
#include <net/esp.h>
#include <net/ip.h>
#include <net/route.h>

#include "esp.h"
#include "hooks.h"
#include "kipsec.h"

struct kipsec_rx_mark {
	struct sk_buff *skb;
	struct kipsec_sa *sa;
	unsigned int depth;
};

static DEFINE_PER_CPU(struct kipsec_rx_mark, kipsec_rx_mark);

/* An ESP packet for one of our SAs is stolen; anything else is left alone. */
static unsigned int kipsec_input_esp4(struct kipsec_net *kn,
				      struct sk_buff *skb)
{
	struct kipsec_sa_key key = {};
	const struct ip_esp_hdr *esph;
	const struct iphdr *iph;
	struct kipsec_sa *sa;
	unsigned int ihl;

	iph = ip_hdr(skb);
	if (ip_is_fragment(iph))
		return NF_ACCEPT;	/* reassembled before LOCAL_IN */
	ihl = iph->ihl * 4;
	if (!pskb_may_pull(skb, ihl + sizeof(*esph)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	esph = (const struct ip_esp_hdr *)(skb_network_header(skb) + ihl);

	key.family = AF_INET;
	key.proto = IPPROTO_ESP;
	key.daddr.ip4 = iph->daddr;
	key.spi = esph->spi;
	sa = kipsec_sad_lookup(&kn->sad, &key);
	if (!sa)
		return NF_ACCEPT;	/* not ours: native XFRM's, or nobody's */
	if (sa->state != KIPSEC_SA_STATE_VALID) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_SA_LARVAL);
		return NF_DROP;
	}
	if (!kipsec_sa_hold(sa))
		return NF_ACCEPT;	/* being deleted this instant */
	kipsec_esp_input(kn, skb, sa);
	return NF_STOLEN;
}

unsigned int kipsec_input_hook4(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct kipsec_net *kn = kipsec_net(state->net);

	if (ip_hdr(skb)->protocol == IPPROTO_ESP) {
		unsigned int verdict = kipsec_input_esp4(kn, skb);

		if (verdict != NF_ACCEPT)
			return verdict;
	}
	return kipsec_output_forward4(kn, skb);
}

unsigned int kipsec_input_policy_hook4(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct kipsec_net *kn = kipsec_net(state->net);
	struct kipsec_policy *pol;
	struct kipsec_rx_mark *m;
	struct kipsec_sa *sa = NULL;
	struct kipsec_flow fl;
	u8 dir;

	if (ip_hdr(skb)->protocol == IPPROTO_ESP) {
		/* the outer packet is no selector's business, as with XFRM */
		if (state->hook == NF_INET_LOCAL_IN)
			return kipsec_input_esp4(kn, skb);
		return NF_ACCEPT;
	}

	m = this_cpu_ptr(&kipsec_rx_mark);
	if (m->skb == skb) {
		sa = m->sa;
		m->skb = NULL;
	}

	dir = state->hook == NF_INET_LOCAL_IN ? KIPSEC_DIR_IN : KIPSEC_DIR_FWD;
	kipsec_flow_from_skb4(skb, &fl);
	pol = kipsec_spd_lookup(&kn->spd, dir, &fl);

	if (sa) {
		if (pol && pol->action == KIPSEC_ACTION_PROTECT &&
		    kipsec_sa_matches_tmpl(sa, &pol->tmpl)) {
			kipsec_policy_count(pol, skb->len);
			return NF_ACCEPT;
		}
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_POLICY_MISMATCH);
		this_cpu_inc(sa->stats->policy_fail);
		net_dbg_ratelimited("kipsec: %pI4 -> %pI4 proto %u decrypted by SPI 0x%08x is not allowed by the SPD\n",
				    &fl.saddr.ip4, &fl.daddr.ip4, fl.proto,
				    ntohl(sa->key.spi));
		return NF_DROP;
	}

	if (!pol)
		return NF_ACCEPT;
	kipsec_policy_count(pol, skb->len);
	switch (pol->action) {
	case KIPSEC_ACTION_BYPASS:
		return NF_ACCEPT;
	case KIPSEC_ACTION_DISCARD:
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_DISCARD);
		return NF_DROP;
	default:
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_CLEARTEXT);
		net_dbg_ratelimited("kipsec: cleartext %pI4 -> %pI4 proto %u needs protection\n",
				    &fl.saddr.ip4, &fl.daddr.ip4, fl.proto);
		return NF_DROP;
	}
}

/* Route the decrypted packet as if it had just arrived on its device. */
static int kipsec_input_finish4(struct net *net, struct sock *sk,
				struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				 skb->dev)) {
		kipsec_stats_inc(kipsec_net(net), KIPSEC_STAT_RX_NO_ROUTE);
		kfree_skb(skb);
		return NET_RX_DROP;
	}
	return dst_input(skb);
}

void kipsec_input_deliver4(struct kipsec_net *kn, struct sk_buff *skb,
			   struct kipsec_sa *sa)
{
	struct kipsec_rx_mark *m, saved;

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));

	local_bh_disable();
	rcu_read_lock();
	m = this_cpu_ptr(&kipsec_rx_mark);
	saved = *m;
	if (saved.depth >= KIPSEC_MAX_NEST) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_TOO_DEEP);
		kfree_skb(skb);
		goto out;
	}
	m->skb = skb;
	m->sa = sa;
	m->depth = saved.depth + 1;
	NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, kn->net, NULL, skb,
		skb->dev, NULL, kipsec_input_finish4);
	*this_cpu_ptr(&kipsec_rx_mark) = saved;
out:
	rcu_read_unlock();
	local_bh_enable();
}
