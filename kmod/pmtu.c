// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU.  kipsec has no per-flow route of its own (XFRM has bundles),
 * so it keeps the outer path's MTU per SA and speaks for it to the inner
 * flows:
 *
 *  - outbound, a packet that would not fit the outer path once
 *    transformed, and may not be fragmented (IPv4 DF; IPv6 always), is
 *    dropped with an ICMP "fragmentation needed" / ICMPv6 "packet too big"
 *    to its source, announcing what does fit (RFC 4301 8.2).  Local
 *    sockets learn it like any other sender; a packet that may be
 *    fragmented (IPv4 without DF; a local IPv6 one the stack would
 *    fragment, ignore_df) is transformed and the outer packet fragmented;
 *  - the outer path: the route's MTU metric or the device MTU, lowered by
 *    ICMP errors that quote one of our outbound ESP/AH packets
 *    (kipsec_pmtu_learn, at LOCAL_IN), for ten minutes;
 *  - transformed packets leave marked so that the stack checks them
 *    against that device MTU, not against a route exception for the peer:
 *    in transport mode the exception our own ICMP made is the inner
 *    flow's, smaller by the transform's overhead (output.c).
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/kipsec.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_fib.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "ah.h"
#include "compat.h"
#include "encap.h"
#include "kipsec.h"
#include "pmtu.h"

#define KIPSEC_PMTU_EXPIRES	(10 * 60 * HZ)

static unsigned int kipsec_pmtu_outer(const struct kipsec_sa *sa,
				      struct dst_entry *dst)
{
	unsigned int learned = READ_ONCE(sa->pmtu);
	unsigned int mtu = 0;

	/*
	 * A configured route MTU counts; a learned one (IPv6 keeps it in
	 * the metrics of a cached exception route) may be the inner flow's
	 * in transport mode, so the device stands in for it.
	 */
	if (dst->ops->family == AF_INET ||
	    !(container_of(dst, struct rt6_info, dst)->rt6i_flags & RTF_CACHE))
		mtu = dst_metric_raw(dst, RTAX_MTU);
	if (!mtu)
		mtu = READ_ONCE(dst->dev->mtu);
	if (learned && time_before(jiffies, READ_ONCE(sa->pmtu_expires)))
		mtu = min(mtu, learned);
	return mtu;
}

/*
 * The longest inner packet that fits @mtu once transformed; @shared is the
 * length of the headers that stay in front in transport mode.
 */
static unsigned int kipsec_pmtu_inner(const struct kipsec_sa *sa,
				      unsigned int mtu, unsigned int shared)
{
	unsigned int outer, room, hdr;

	if (sa->mode == KIPSEC_MODE_TUNNEL)
		outer = sa->key.family == AF_INET ? sizeof(struct iphdr) :
						    sizeof(struct ipv6hdr);
	else
		outer = shared;
	if (sa->key.proto == IPPROTO_AH)
		hdr = kipsec_ah_hlen(sa);
	else
		hdr = 8 + sa->iv_len + sa->icv_len +
		      (sa->encap_type ? sizeof(struct udphdr) : 0);
	if (mtu < outer + hdr + sa->align + 2)
		return 0;
	room = mtu - outer - hdr;
	if (sa->key.proto != IPPROTO_AH)
		room = round_down(room, sa->align) - 2;	/* pad length, next */
	return sa->mode == KIPSEC_MODE_TUNNEL ? room : shared + room;
}

/* icmp_send() wants a route on the packet; a forwarded one has none yet. */
static void kipsec_pmtu_icmp4(struct kipsec_net *kn, struct sk_buff *skb,
			      unsigned int mtu)
{
	struct flowi4 fl4 = { .daddr = ip_hdr(skb)->saddr };
	struct rtable *rt;

	if (!skb_rtable(skb)) {
		rt = ip_route_output_key(kn->net, &fl4);
		if (IS_ERR(rt))
			return;
		skb_dst_set(skb, &rt->dst);
	}
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
}

/*
 * May @skb, about to be transformed by @sa and sent by way of @outer, go
 * on?  If not, the sender has been told the MTU and the caller drops it.
 */
bool kipsec_pmtu_ok(struct kipsec_net *kn, struct sk_buff *skb,
		    const struct kipsec_sa *sa, struct dst_entry *outer)
{
	struct kipsec_hdr_pos pos;
	unsigned int max;

	if (kipsec_encap_pos(skb, sa, &pos))
		return true;	/* the transform will count it */
	max = kipsec_pmtu_inner(sa, kipsec_pmtu_outer(sa, outer), pos.off);
	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, max) :
			      skb->len <= max)
		return true;

	if (skb->protocol == htons(ETH_P_IP)) {
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)) || skb->ignore_df)
			return true;	/* the outer packet gets fragmented */
		kipsec_pmtu_icmp4(kn, skb, max);
	} else {
		/*
		 * A local sender that lets the stack fragment (UDP, ping:
		 * ignore_df) gets the outer packet fragmented, as IPv6
		 * sources may; so does a path below the IPv6 minimum.
		 */
		if (skb->ignore_df || max < IPV6_MIN_MTU)
			return true;
		/* icmp6_send() wants a device; a local packet has none yet */
		if (!skb->dev)
			skb->dev = outer->dev;
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, max);
	}
	kipsec_stats_inc(kn, KIPSEC_STAT_TX_TOO_BIG);
	return false;
}

/* The SA whose outbound packet @quoted (network header) is, if ours. */
static struct kipsec_sa *kipsec_pmtu_sa(struct kipsec_net *kn,
					struct sk_buff *skb, unsigned int quoted,
					u8 family)
{
	struct kipsec_sa_key key = { .family = family };
	union kipsec_addr saddr = {};
	unsigned int hlen;
	__be32 _spi;
	const __be32 *spi;
	struct kipsec_sa *sa;

	if (family == AF_INET) {
		struct iphdr _iph;
		const struct iphdr *iph;

		iph = skb_header_pointer(skb, quoted, sizeof(_iph), &_iph);
		if (!iph || iph->ihl < 5)
			return NULL;
		key.proto = iph->protocol;
		key.daddr.ip4 = iph->daddr;
		saddr.ip4 = iph->saddr;
		hlen = iph->ihl * 4;
	} else {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;

		ip6h = skb_header_pointer(skb, quoted, sizeof(_ip6h), &_ip6h);
		if (!ip6h)
			return NULL;
		key.proto = ip6h->nexthdr;
		key.daddr.ip6 = ip6h->daddr;
		saddr.ip6 = ip6h->saddr;
		hlen = sizeof(*ip6h);
	}
	if (key.proto != IPPROTO_ESP && key.proto != IPPROTO_AH)
		return NULL;
	spi = skb_header_pointer(skb, quoted + hlen +
				 (key.proto == IPPROTO_AH ? 4 : 0),
				 sizeof(_spi), &_spi);
	if (!spi)
		return NULL;
	key.spi = *spi;
	sa = kipsec_sad_lookup(&kn->sad, &key);
	if (!sa || !kipsec_addr_equal(&sa->pair.saddr, &saddr, family))
		return NULL;
	return sa;
}

/*
 * At LOCAL_IN: an ICMP "fragmentation needed" or ICMPv6 "packet too big"
 * about an ESP/AH packet of one of our SAs lowers that SA's path MTU.
 * The ICMP message itself goes on to the stack.
 */
void kipsec_pmtu_learn(struct kipsec_net *kn, struct sk_buff *skb)
{
	unsigned int off = skb_network_offset(skb), mtu;
	struct kipsec_sa *sa;
	u8 family;

	if (skb->protocol == htons(ETH_P_IP)) {
		struct icmphdr _ih;
		const struct icmphdr *ih;

		if (ip_hdr(skb)->protocol != IPPROTO_ICMP ||
		    ip_is_fragment(ip_hdr(skb)))
			return;
		off += ip_hdrlen(skb);
		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (!ih || ih->type != ICMP_DEST_UNREACH ||
		    ih->code != ICMP_FRAG_NEEDED)
			return;
		mtu = max_t(unsigned int, ntohs(ih->un.frag.mtu), 552);
		family = AF_INET;
	} else {
		struct icmp6hdr _ih;
		const struct icmp6hdr *ih;

		if (ipv6_hdr(skb)->nexthdr != IPPROTO_ICMPV6)
			return;
		off += sizeof(struct ipv6hdr);
		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (!ih || ih->icmp6_type != ICMPV6_PKT_TOOBIG)
			return;
		mtu = max_t(unsigned int, ntohl(ih->icmp6_mtu), IPV6_MIN_MTU);
		family = AF_INET6;
	}
	sa = kipsec_pmtu_sa(kn, skb, off + 8, family);
	if (!sa)
		return;
	WRITE_ONCE(sa->pmtu_expires, jiffies + KIPSEC_PMTU_EXPIRES);
	if (READ_ONCE(sa->pmtu) != mtu) {
		WRITE_ONCE(sa->pmtu, mtu);
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_PMTU_LEARNED);
	}
}
