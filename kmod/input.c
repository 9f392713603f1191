// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound: ESP and AH for our SAs, verified and sent back through the
 * stack as the packet they carried; and the inbound policy check on what
 * the stack delivers or forwards.  IPv4 and IPv6 alike.
 *
 *  PRE_ROUTING   ESP/AH for an SA of ours -> kipsec_esp_input() (or AH) ->
 *                (crypto) -> kipsec_input_deliver(): the inner packet
 *                re-enters PRE_ROUTING and routing, marked as "decrypted
 *                by SA x"
 *  LOCAL_IN      reassembled IPv4 ESP/AH for an SA of ours, as above; then
 *  FORWARD       the SPD (dir in / fwd) judges every packet: a decrypted
 *                one must match a protect policy whose template the SA
 *                meets, a cleartext one must not match a protect policy.
 *
 * The mark is a per-CPU record of the skb being delivered and its SA.  It
 * is set and restored around the synchronous NF_HOOK() call, with bottom
 * halves off, so the LOCAL_IN/FORWARD hook it reaches runs on the same CPU
 * inside that call.  A packet held up on the way (queued to userspace,
 * say) loses the mark and is then judged as cleartext.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/kipsec.h>
#include <net/esp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>

#include "ah.h"
#include "encap.h"
#include "esp.h"
#include "hooks.h"
#include "kipsec.h"
#include "lifetime.h"
#include "natflow.h"
#include "pmtu.h"
#include "sock.h"

struct kipsec_rx_mark {
	struct sk_buff *skb;
	struct kipsec_sa *sa;
	unsigned int depth;
};

static DEFINE_PER_CPU(struct kipsec_rx_mark, kipsec_rx_mark);

/* An ESP/AH packet for one of our SAs is stolen; anything else is left alone. */
static unsigned int kipsec_input_xform(struct kipsec_net *kn,
				       struct sk_buff *skb)
{
	struct kipsec_sa_key key = {};
	struct kipsec_hdr_pos pos;
	struct kipsec_sa *sa;
	unsigned int spi_off;
	__be32 _spi;
	const __be32 *spi;

	if (skb->protocol == htons(ETH_P_IP) && ip_is_fragment(ip_hdr(skb)))
		return NF_ACCEPT;	/* reassembled before LOCAL_IN */
	if (kipsec_xform_find(skb, &key.proto, &pos))
		return NF_ACCEPT;
	spi_off = pos.off + (key.proto == IPPROTO_AH ? 4 : 0);
	spi = skb_header_pointer(skb, skb_network_offset(skb) + spi_off,
				 sizeof(_spi), &_spi);
	if (!spi)
		return NF_ACCEPT;

	key.spi = *spi;
	if (skb->protocol == htons(ETH_P_IP)) {
		key.family = AF_INET;
		key.daddr.ip4 = ip_hdr(skb)->daddr;
	} else {
		key.family = AF_INET6;
		key.daddr.ip6 = ipv6_hdr(skb)->daddr;
	}
	sa = kipsec_sad_lookup(&kn->sad, &key);
	if (!sa)
		return NF_ACCEPT;	/* not ours: native XFRM's, or nobody's */
	if (sa->state != KIPSEC_SA_STATE_VALID) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_SA_LARVAL);
		return NF_DROP;
	}
	if (sa->encap_type != KIPSEC_ENCAP_NONE) {
		/* an ESP-in-UDP SA takes its packets from the socket only */
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_ENCAP_MISMATCH);
		return NF_DROP;
	}
	if (!kipsec_sa_hold(sa))
		return NF_ACCEPT;	/* being deleted this instant */
	if (key.proto == IPPROTO_AH)
		kipsec_ah_input(kn, skb, sa, &pos);
	else
		kipsec_esp_input(kn, skb, sa, &pos, 0);
	return NF_STOLEN;
}

unsigned int kipsec_input_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct kipsec_net *kn = kipsec_net(state->net);
	unsigned int verdict;

	verdict = kipsec_input_xform(kn, skb);
	if (verdict != NF_ACCEPT)
		return verdict;
	return kipsec_output_forward(kn, skb);
}

static void kipsec_input_dbg(const char *what, const struct kipsec_flow *fl,
			     const struct kipsec_sa *sa)
{
	if (fl->family == AF_INET)
		net_dbg_ratelimited("kipsec: %s %pI4 -> %pI4 proto %u SPI 0x%08x\n",
				    what, &fl->saddr.ip4, &fl->daddr.ip4,
				    fl->proto, sa ? ntohl(sa->key.spi) : 0);
	else
		net_dbg_ratelimited("kipsec: %s %pI6c -> %pI6c proto %u SPI 0x%08x\n",
				    what, &fl->saddr.ip6, &fl->daddr.ip6,
				    fl->proto, sa ? ntohl(sa->key.spi) : 0);
}

unsigned int kipsec_input_policy_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct kipsec_net *kn = kipsec_net(state->net);
	struct kipsec_policy *pol;
	struct kipsec_rx_mark *m;
	struct kipsec_sa *sa = NULL;
	struct kipsec_hdr_pos pos;
	struct kipsec_sa_pair pair;
	struct kipsec_flow fl;
	u8 proto, dir;

	if (!kipsec_xform_find(skb, &proto, &pos)) {
		/* the outer packet is no selector's business, as with XFRM */
		if (state->hook == NF_INET_LOCAL_IN)
			return kipsec_input_xform(kn, skb);
		return NF_ACCEPT;
	}

	m = this_cpu_ptr(&kipsec_rx_mark);
	if (m->skb == skb) {
		sa = m->sa;
		m->skb = NULL;
	}
	if (state->hook == NF_INET_LOCAL_IN)
		kipsec_pmtu_learn(kn, skb);

	if (kipsec_flow_from_skb(skb, &fl))
		return NF_ACCEPT;	/* the stack will drop it */
	dir = state->hook == NF_INET_LOCAL_IN ? KIPSEC_DIR_IN : KIPSEC_DIR_FWD;
	pol = kipsec_spd_lookup(&kn->spd, dir, &fl);

	if (sa) {
		if (pol && pol->action == KIPSEC_ACTION_PROTECT &&
		    kipsec_sa_matches_tmpl(sa, &pol->tmpl)) {
			kipsec_policy_count(pol, skb->len);
			kipsec_natflow_protected(kn, sa, &fl);
			return NF_ACCEPT;
		}
		/* ND the peer chose to protect: no selector speaks for it */
		if (!pol && fl.link_ctl)
			return NF_ACCEPT;
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_POLICY_MISMATCH);
		this_cpu_inc(sa->stats->policy_fail);
		kipsec_input_dbg("SPD refuses decrypted", &fl, sa);
		return NF_DROP;
	}

	if (!pol)
		return NF_ACCEPT;
	/* IKE and ESP-in-UDP for a socket the daemon handed us (sock.c) */
	if (state->hook == NF_INET_LOCAL_IN && kipsec_sock_bypass_in(kn, skb))
		return NF_ACCEPT;
	kipsec_policy_count(pol, skb->len);
	switch (pol->action) {
	case KIPSEC_ACTION_BYPASS:
		return NF_ACCEPT;
	case KIPSEC_ACTION_DISCARD:
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_DISCARD);
		return NF_DROP;
	default:
		/* another host behind the NAT of a transport-mode SA's peer */
		if (pol->tmpl.mode == KIPSEC_MODE_TRANSPORT) {
			kipsec_sad_out_pair(&pol->tmpl, &fl, &pair);
			if (kipsec_natflow_clear_in(kn,
					kipsec_sad_find_out(&kn->sad, &pol->tmpl,
							    &pair), &fl)) {
				kipsec_stats_inc(kn, KIPSEC_STAT_RX_NAT_SHARED);
				return NF_ACCEPT;
			}
		}
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_CLEARTEXT);
		kipsec_input_dbg("needs protection: cleartext", &fl, NULL);
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

static int kipsec_input_finish6(struct net *net, struct sock *sk,
				struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowlabel = ip6_flowinfo(ip6h),
		.flowi6_mark = skb->mark,
		.flowi6_proto = ip6h->nexthdr,
	};
	struct dst_entry *dst;

	/* ip6_route_input() is not for modules; its lookup is */
	dst = ip6_route_input_lookup(net, skb->dev, &fl6, skb,
				     RT6_LOOKUP_F_HAS_SADDR);
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	return dst_input(skb);	/* an error route answers and drops */
}

/*
 * What ipv6_rcv() would have set up: protocol delivery starts after a
 * hop-by-hop header (whose options are not looked at again).
 */
static void kipsec_input_hbh6(struct sk_buff *skb)
{
	unsigned int len;

	IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
	skb_set_transport_header(skb, sizeof(struct ipv6hdr));
	if (ipv6_hdr(skb)->nexthdr != NEXTHDR_HOP ||
	    !pskb_may_pull(skb, sizeof(struct ipv6hdr) + 8))
		return;
	len = ipv6_optlen((struct ipv6_opt_hdr *)(skb_network_header(skb) +
						  sizeof(struct ipv6hdr)));
	if (!pskb_may_pull(skb, sizeof(struct ipv6hdr) + len))
		return;
	IP6CB(skb)->nhoff = sizeof(struct ipv6hdr);
	skb_set_transport_header(skb, sizeof(struct ipv6hdr) + len);
}

static void kipsec_input_deliver(struct kipsec_net *kn, struct sk_buff *skb,
				 struct kipsec_sa *sa)
{
	struct kipsec_rx_mark *m, saved;

	if (skb->protocol == htons(ETH_P_IP)) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->iif = skb->dev->ifindex;
		kipsec_input_hbh6(skb);
	}

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
	if (skb->protocol == htons(ETH_P_IP))
		NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, kn->net, NULL, skb,
			skb->dev, NULL, kipsec_input_finish4);
	else
		NF_HOOK(NFPROTO_IPV6, NF_INET_PRE_ROUTING, kn->net, NULL, skb,
			skb->dev, NULL, kipsec_input_finish6);
	*this_cpu_ptr(&kipsec_rx_mark) = saved;
out:
	rcu_read_unlock();
	local_bh_enable();
}

/*
 * A verified, decapsulated packet of @sa: count it and send it back into
 * the stack.  @off is where the payload starts in transport mode (bytes
 * protected are counted as on output).  False: the SA is past a hard
 * lifetime limit; the packet is the caller's to drop.
 */
bool kipsec_input_accept(struct kipsec_net *kn, struct sk_buff *skb,
			 struct kipsec_sa *sa, unsigned int off)
{
	unsigned int bytes;
	struct kipsec_sa_stats *s;

	bytes = sa->mode == KIPSEC_MODE_TRANSPORT ? skb->len - off : skb->len;
	if (!kipsec_sa_account(kn, sa, bytes)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_SA_EXPIRED);
		return false;
	}
	/*
	 * A hardware checksum covered the ESP/AH packet, not this one.  In
	 * transport mode across a NAT, the inner TCP/UDP checksum covers
	 * addresses the NAT changed: the ICV vouches for it (RFC 3948 3.1.2).
	 */
	if (sa->encap_type && sa->mode == KIPSEC_MODE_TRANSPORT)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	else
		skb->ip_summed = CHECKSUM_NONE;
	skb_dst_drop(skb);
	nf_reset_ct(skb);

	s = this_cpu_ptr(sa->stats);
	s->rx_packets++;
	s->rx_bytes += bytes;
	kipsec_stats_inc(kn, KIPSEC_STAT_RX_PACKETS);
	kipsec_input_deliver(kn, skb, sa);
	return true;
}
