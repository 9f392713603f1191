// SPDX-License-Identifier: GPL-2.0
/*
 * Outbound: the SPD decides, before routing, what happens to a packet this
 * host sends (LOCAL_OUT) or forwards (PRE_ROUTING): bypass, discard, or
 * protect with the SA its template selects.  A protected packet is stolen,
 * segmented if it is a GSO packet, transformed, routed to its tunnel
 * endpoint and sent with ip_local_out()/ip6_local_out(), marked
 * IPSKB_XFRM_TRANSFORMED/IP6SKB_XFRM_TRANSFORMED so that no IPsec
 * implementation transforms it again.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/kipsec.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "acquire.h"
#include "ah.h"
#include "compat.h"
#include "encap.h"
#include "esp.h"
#include "hooks.h"
#include "kipsec.h"
#include "natflow.h"
#include "pmtu.h"
#include "sock.h"

/*
 * Would the stack forward this packet?  Not if forwarding is off, nor if
 * it is addressed to this host, broadcast, multicast or link-local:
 * outbound policies apply to what leaves.
 */
static bool kipsec_output_forwarded(struct net *net, struct sk_buff *skb)
{
	struct in_device *in_dev;

	if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct in6_addr *daddr = &ipv6_hdr(skb)->daddr;

		if (!READ_ONCE(net->ipv6.devconf_all->forwarding))
			return false;
		if (ipv6_addr_type(daddr) & (IPV6_ADDR_MULTICAST |
					     IPV6_ADDR_LINKLOCAL |
					     IPV6_ADDR_LOOPBACK))
			return false;
		return !ipv6_chk_addr(net, daddr, NULL, 0);
	}
	in_dev = __in_dev_get_rcu(skb->dev);
	if (!in_dev || !IN_DEV_FORWARD(in_dev))
		return false;
	return inet_addr_type_dev_table(net, skb->dev, ip_hdr(skb)->daddr) ==
	       RTN_UNICAST;
}

/* The route the transformed packet will take, referenced. */
static struct dst_entry *kipsec_output_route(struct kipsec_net *kn,
					     struct sk_buff *skb,
					     const struct kipsec_sa *sa)
{
	bool tunnel = sa->mode == KIPSEC_MODE_TUNNEL;
	struct dst_entry *dst;

	if (!tunnel && skb_dst(skb))
		return dst_clone(skb_dst(skb));	/* a local packet's own */

	if (sa->key.family == AF_INET) {
		struct flowi4 fl4 = {
			.flowi4_proto = sa->key.proto,
			.flowi4_mark = skb->mark,
		};
		struct rtable *rt;

		fl4.daddr = tunnel ? sa->key.daddr.ip4 : ip_hdr(skb)->daddr;
		fl4.saddr = tunnel ? sa->pair.saddr.ip4 : ip_hdr(skb)->saddr;
		rt = ip_route_output_key(kn->net, &fl4);
		if (IS_ERR(rt))
			return NULL;
		dst = &rt->dst;
	} else {
		struct flowi6 fl6 = {
			.flowi6_proto = sa->key.proto,
			.flowi6_mark = skb->mark,
		};

		fl6.daddr = tunnel ? sa->key.daddr.ip6 : ipv6_hdr(skb)->daddr;
		fl6.saddr = tunnel ? sa->pair.saddr.ip6 : ipv6_hdr(skb)->saddr;
		dst = ip6_route_output(kn->net, NULL, &fl6);
		if (dst->error) {
			dst_release(dst);
			return NULL;
		}
	}
	return dst;
}

/* We stand in for ip_forward()/ip6_forward(): TTL or hop limit. */
static enum kipsec_stat kipsec_output_hop(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IPV6)) {
		if (ipv6_hdr(skb)->hop_limit <= 1)
			return KIPSEC_STAT_TX_TTL_EXCEEDED;
		if (skb_ensure_writable(skb, sizeof(struct ipv6hdr)))
			return KIPSEC_STAT_TX_NOMEM;
		ipv6_hdr(skb)->hop_limit--;
	} else {
		if (ip_hdr(skb)->ttl <= 1)
			return KIPSEC_STAT_TX_TTL_EXCEEDED;
		if (skb_ensure_writable(skb, sizeof(struct iphdr)))
			return KIPSEC_STAT_TX_NOMEM;
		ip_decrease_ttl(ip_hdr(skb));
	}
	skb_clear_tstamp(skb);
	return KIPSEC_STAT_MAX;
}

static void kipsec_output_xform(struct kipsec_net *kn, struct sk_buff *skb,
				struct kipsec_sa *sa)
{
	if (sa->key.proto == IPPROTO_AH)
		kipsec_ah_output(kn, skb, sa);
	else
		kipsec_esp_output(kn, skb, sa);
}

/* Takes the skb and a reference on @sa. */
static void kipsec_output_protect(struct kipsec_net *kn, struct sk_buff *skb,
				  struct kipsec_sa *sa, bool forwarded)
{
	struct sk_buff *segs, *next;
	struct dst_entry *dst;
	enum kipsec_stat why;

	if (forwarded) {
		why = kipsec_output_hop(skb);
		if (why != KIPSEC_STAT_MAX)
			goto drop;
	}
	dst = kipsec_output_route(kn, skb, sa);
	if (!dst) {
		why = KIPSEC_STAT_TX_NO_ROUTE;
		goto drop;
	}
	if (!kipsec_pmtu_ok(kn, skb, sa, dst)) {
		dst_release(dst);
		kfree_skb(skb);
		kipsec_sa_put(sa);
		return;
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	skb->dev = dst->dev;
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
			kipsec_output_xform(kn, skb, sa);
		}
		kipsec_sa_put(sa);
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		why = KIPSEC_STAT_TX_GSO_ERROR;
		goto drop;
	}
	kipsec_output_xform(kn, skb, sa);
	return;

drop:
	kipsec_stats_inc(kn, why);
	kfree_skb(skb);
	kipsec_sa_put(sa);
}

/*
 * What a protect policy last sent with, for a template that names both
 * endpoints (so the answer does not depend on the packet): right as long
 * as the SAD has not changed since (kn->gen, bumped after every change).
 * It spares each packet the walk over every SA between the endpoints
 * (kipsec_sad_find_out()), which a gateway with many SAs to one peer would
 * pay.  @sa holds no reference: while @gen is current, the SA has not been
 * removed, and readers reach it under RCU.
 */
struct kipsec_sa_hint {
	struct rcu_head rcu;
	struct kipsec_sa *sa;		/* NULL: no SA (acquire) */
	u32 gen;
};

/* The SA @pol's template selects for @fl, or NULL.  RCU read side. */
static struct kipsec_sa *kipsec_output_sa(struct kipsec_net *kn,
					  struct kipsec_policy *pol,
					  const struct kipsec_flow *fl,
					  bool no_hint)
{
	const struct kipsec_tmpl *t = &pol->tmpl;
	struct kipsec_sa_hint *h, *old;
	struct kipsec_sa_pair pair;
	struct kipsec_sa *sa;
	u32 gen;

	/* the generation first: a change after it makes the hint stale */
	gen = smp_load_acquire(&kn->gen);
	kipsec_sad_out_pair(t, fl, &pair);
	/* endpoints taken from the packet: no hint, flows would replace it */
	if (no_hint || !t->family || kipsec_addr_any(&t->src, t->family) ||
	    kipsec_addr_any(&t->dst, t->family))
		return kipsec_sad_find_out(&kn->sad, t, &pair);

	h = rcu_dereference(pol->sa_hint);
	if (h && h->gen == gen) {
		sa = h->sa;
		/* a hard lifetime ends an SA without a change of generation */
		if (!sa || !READ_ONCE(sa->dead))
			return sa;
	}

	sa = kipsec_sad_find_out(&kn->sad, t, &pair);
	/* no hint if memory is short: the next packet looks again */
	h = kmalloc(sizeof(*h), GFP_ATOMIC);
	if (h) {
		h->sa = sa;
		h->gen = gen;
		old = unrcu_pointer(xchg(&pol->sa_hint, RCU_INITIALIZER(h)));
		if (old)
			kfree_rcu(old, rcu);
	}
	return sa;
}

static unsigned int kipsec_output_policy(struct kipsec_net *kn,
					 struct sk_buff *skb, bool forwarded)
{
	struct kipsec_policy *pol;
	struct kipsec_flow fl;
	struct kipsec_sa *sa;

	if (kipsec_flow_from_skb(skb, &fl))
		return NF_ACCEPT;	/* the stack will drop it */
	pol = kipsec_spd_lookup(&kn->spd, KIPSEC_DIR_OUT, &fl);
	if (!pol)
		return NF_ACCEPT;
	if (forwarded && !kipsec_output_forwarded(kn->net, skb))
		return NF_ACCEPT;

	kipsec_policy_count(pol, skb->len);
	switch (pol->action) {
	case KIPSEC_ACTION_BYPASS:
		return NF_ACCEPT;
	case KIPSEC_ACTION_DISCARD:
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_DISCARD);
		return NF_DROP;
	}

	sa = kipsec_output_sa(kn, pol, &fl, false);
	/*
	 * Deleted while we looked (a rekey removing the old SA after adding
	 * its successor): its last reference goes only after it left the
	 * tables, so a second look, past the hint (whose generation may not
	 * have moved yet), finds the successor if there is one.
	 */
	if (sa && !kipsec_sa_hold(sa)) {
		sa = kipsec_output_sa(kn, pol, &fl, true);
		if (sa && !kipsec_sa_hold(sa))
			sa = NULL;
	}
	if (!sa) {
		/* like XFRM with larval_drop: drop, and ask IKE for an SA */
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_NO_SA);
		kipsec_acquire(kn, pol, &fl);
		if (fl.family == AF_INET)
			net_dbg_ratelimited("kipsec: no SA for %pI4 -> %pI4 (policy %u)\n",
					    &fl.saddr.ip4, &fl.daddr.ip4, pol->index);
		else
			net_dbg_ratelimited("kipsec: no SA for %pI6c -> %pI6c (policy %u)\n",
					    &fl.saddr.ip6, &fl.daddr.ip6, pol->index);
		return NF_DROP;
	}
	/* answering another host behind the NAT of a transport SA's peer */
	if (kipsec_natflow_clear_out(kn, sa, &fl)) {
		kipsec_sa_put(sa);
		return NF_ACCEPT;
	}
	kipsec_output_protect(kn, skb, sa, forwarded);
	return NF_STOLEN;
}

unsigned int kipsec_output_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct kipsec_net *kn;

	/* our own ESP/AH packets, and XFRM's, on their way out */
	if (state->pf == NFPROTO_IPV4 ?
	    IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED :
	    IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED)
		return NF_ACCEPT;
	kn = kipsec_net(state->net);
	/* the IKE daemon's own packets (sock.c) */
	if (kipsec_sock_bypass_out(kn, skb))
		return NF_ACCEPT;
	return kipsec_output_policy(kn, skb, false);
}

unsigned int kipsec_output_forward(struct kipsec_net *kn, struct sk_buff *skb)
{
	return kipsec_output_policy(kn, skb, true);
}

/*
 * The outer header is complete but for what depends on its final size.
 * IPv4: the checksum.  IPv6: the stack may fragment the packet at a route
 * exception for the peer, which in transport mode may be the inner flow's
 * (see pmtu.c); kipsec_pmtu_ok() already sized it for the path.
 */
void kipsec_output_fixup(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		ip_send_check(ip_hdr(skb));
	else
		skb->ignore_df = 1;
}

struct kipsec_tx_cb {
	u64 seq;
	bool drop;
};

#define KIPSEC_TX_CB(skb)	((struct kipsec_tx_cb *)(skb)->cb)

/*
 * Every packet that got a sequence number from @sa ends here, sent or
 * (@drop) dropped, once.  Transforms on several CPUs, or asynchronous
 * ones, finish out of order; the packets still leave in sequence-number
 * order, so that the receiver's window never sees a reordering we made.
 * One CPU at a time sends (@busy); the others leave their packet in @held
 * for it, so the lock is never held across a transmission.
 */
void kipsec_output_ordered(struct kipsec_net *kn, struct kipsec_sa *sa,
			   struct sk_buff *skb, u64 seq, bool drop)
{
	struct kipsec_txq *q = &sa->txq;
	struct sk_buff *pos;

	BUILD_BUG_ON(sizeof(struct kipsec_tx_cb) > sizeof(skb->cb));
	KIPSEC_TX_CB(skb)->seq = seq;
	KIPSEC_TX_CB(skb)->drop = drop;

	spin_lock_bh(&q->lock);
	/* completions come nearly in order: look from the tail */
	skb_queue_reverse_walk(&q->held, pos)
		if (KIPSEC_TX_CB(pos)->seq < seq)
			break;
	__skb_queue_after(&q->held, pos, skb);
	if (q->busy) {
		spin_unlock_bh(&q->lock);
		return;
	}
	q->busy = true;
	while ((skb = skb_peek(&q->held)) && KIPSEC_TX_CB(skb)->seq == q->next) {
		__skb_unlink(skb, &q->held);
		q->next++;
		spin_unlock_bh(&q->lock);
		if (KIPSEC_TX_CB(skb)->drop)
			kfree_skb(skb);
		else
			kipsec_output_xmit(kn, skb);
		spin_lock_bh(&q->lock);
	}
	q->busy = false;
	spin_unlock_bh(&q->lock);
}

void kipsec_output_xmit(struct kipsec_net *kn, struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		/*
		 * FORWARDED: the stack checks the size against the device,
		 * not a route exception for the peer (see pmtu.c)
		 */
		IPCB(skb)->flags = IPSKB_XFRM_TRANSFORMED | IPSKB_FORWARDED;
		ip_local_out(kn->net, skb->sk, skb);
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->flags = IP6SKB_XFRM_TRANSFORMED;
		ip6_local_out(kn->net, skb->sk, skb);
	}
}
