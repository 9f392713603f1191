// SPDX-License-Identifier: GPL-2.0
/*
 * Outbound: the SPD decides, before routing, what happens to a packet this
 * host sends (LOCAL_OUT) or forwards (PRE_ROUTING): bypass, discard, or
 * protect with the SA its template selects.  A protected packet is stolen,
 * segmented if it is a GSO packet, encrypted, routed to its tunnel endpoint
 * and sent with ip_local_out(), marked IPSKB_XFRM_TRANSFORMED so that no
 * IPsec implementation transforms it again.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/kipsec.h>
#include <net/ip.h>
#include <net/route.h>

#include "compat.h"
#include "esp.h"
#include "hooks.h"
#include "kipsec.h"

/*
 * Would the stack forward this packet?  Not if forwarding is off on the
 * input device, nor if it is addressed to this host, broadcast or
 * multicast: outbound policies apply to what leaves.
 */
static bool kipsec_output_forwarded4(struct net *net, struct sk_buff *skb)
{
	struct in_device *in_dev = __in_dev_get_rcu(skb->dev);

	if (!in_dev || !IN_DEV_FORWARD(in_dev))
		return false;
	return inet_addr_type_dev_table(net, skb->dev, ip_hdr(skb)->daddr) ==
	       RTN_UNICAST;
}

static int kipsec_output_route4(struct kipsec_net *kn, struct sk_buff *skb,
				const struct kipsec_sa *sa)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl4 = {};
	struct rtable *rt;

	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		fl4.daddr = sa->key.daddr.ip4;
		fl4.saddr = sa->pair.saddr.ip4;
	} else {
		fl4.daddr = iph->daddr;
		fl4.saddr = iph->saddr;
	}
	fl4.flowi4_proto = IPPROTO_ESP;
	fl4.flowi4_mark = skb->mark;
	rt = ip_route_output_key(kn->net, &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	skb->dev = rt->dst.dev;
	return 0;
}

/* Takes the skb and a reference on @sa. */
static void kipsec_output_protect4(struct kipsec_net *kn, struct sk_buff *skb,
				   struct kipsec_sa *sa, bool forwarded)
{
	struct sk_buff *segs, *next;
	enum kipsec_stat why;

	if (forwarded) {
		/* we stand in for ip_forward(), which would do this */
		if (ip_hdr(skb)->ttl <= 1) {
			why = KIPSEC_STAT_TX_TTL_EXCEEDED;
			goto drop;
		}
		if (skb_ensure_writable(skb, sizeof(struct iphdr))) {
			why = KIPSEC_STAT_TX_NOMEM;
			goto drop;
		}
		ip_decrease_ttl(ip_hdr(skb));
		skb_clear_tstamp(skb);
	}
	if (sa->mode == KIPSEC_MODE_TUNNEL || !skb_dst(skb)) {
		if (kipsec_output_route4(kn, skb, sa)) {
			why = KIPSEC_STAT_TX_NO_ROUTE;
			goto drop;
		}
	}
	nf_reset_ct(skb);

	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			why = KIPSEC_STAT_TX_GSO_ERROR;
			goto drop;
		}
		consume_skb(skb);
		skb_list_walk_safe(segs, skb, next) {
			skb_mark_not_on_list(skb);
			refcount_inc(&sa->refcnt);
			kipsec_esp_output(kn, skb, sa);
		}
		kipsec_sa_put(sa);
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		why = KIPSEC_STAT_TX_GSO_ERROR;
		goto drop;
	}
	kipsec_esp_output(kn, skb, sa);
	return;

drop:
	kipsec_stats_inc(kn, why);
	kfree_skb(skb);
	kipsec_sa_put(sa);
}

static unsigned int kipsec_output_policy4(struct kipsec_net *kn,
					  struct sk_buff *skb, bool forwarded)
{
	struct kipsec_policy *pol;
	struct kipsec_flow fl;
	struct kipsec_sa *sa;

	kipsec_flow_from_skb4(skb, &fl);
	pol = kipsec_spd_lookup(&kn->spd, KIPSEC_DIR_OUT, &fl);
	if (!pol)
		return NF_ACCEPT;
	if (forwarded && !kipsec_output_forwarded4(kn->net, skb))
		return NF_ACCEPT;

	kipsec_policy_count(pol, skb->len);
	switch (pol->action) {
	case KIPSEC_ACTION_BYPASS:
		return NF_ACCEPT;
	case KIPSEC_ACTION_DISCARD:
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_DISCARD);
		return NF_DROP;
	}

	sa = kipsec_sad_find_out(&kn->sad, &pol->tmpl, &fl);
	if (!sa || !kipsec_sa_hold(sa)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_NO_SA);
		net_dbg_ratelimited("kipsec: no SA for %pI4 -> %pI4 (policy %u)\n",
				    &fl.saddr.ip4, &fl.daddr.ip4, pol->index);
		return NF_DROP;
	}
	kipsec_output_protect4(kn, skb, sa, forwarded);
	return NF_STOLEN;
}

unsigned int kipsec_output_hook4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	/* our own ESP packets, and XFRM's, on their way out */
	if (IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED)
		return NF_ACCEPT;
	return kipsec_output_policy4(kipsec_net(state->net), skb, false);
}

unsigned int kipsec_output_forward4(struct kipsec_net *kn, struct sk_buff *skb)
{
	return kipsec_output_policy4(kn, skb, true);
}

void kipsec_output_xmit4(struct kipsec_net *kn, struct sk_buff *skb)
{
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	IPCB(skb)->flags = IPSKB_XFRM_TRANSFORMED;
	ip_local_out(kn->net, skb->sk, skb);
}
