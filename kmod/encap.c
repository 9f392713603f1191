// SPDX-License-Identifier: GPL-2.0
/*
 * Transport and tunnel framing for IPv4 and IPv6 (RFC 4301 5.1.2, RFC 4303
 * 3.1, RFC 4302 3.1), shared by ESP and AH.
 *
 * Transport mode puts the transform header right after the IP header, and
 * for IPv6 after the extension headers that routers look at (hop-by-hop,
 * routing, and destination options before a routing header): those stay
 * in front, unprotected by ESP, where the fragment header would go.
 * Tunnel mode puts a new outer header of the SA's family in front of the
 * whole inner packet, which may be of the other family.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kipsec.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>

#include "encap.h"
#include "kipsec.h"

/* Where the transform header goes in @skb (network header at skb->data). */
int kipsec_encap_pos(struct sk_buff *skb, const struct kipsec_sa *sa,
		     struct kipsec_hdr_pos *pos)
{
	u8 *nh;
	int off;

	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		pos->off = 0;
		pos->nhoff = 0;
		pos->inner = skb->protocol == htons(ETH_P_IP) ? IPPROTO_IPIP :
								IPPROTO_IPV6;
		return 0;
	}
	if (skb->protocol == htons(ETH_P_IP)) {
		pos->off = ip_hdrlen(skb);
		pos->nhoff = offsetof(struct iphdr, protocol);
		pos->inner = ip_hdr(skb)->protocol;
		return 0;
	}
	off = ip6_find_1stfragopt(skb, &nh);
	if (off < 0)
		return off;
	pos->off = off;
	pos->nhoff = nh - skb_network_header(skb);
	pos->inner = *nh;
	return 0;
}

/* The outer header's DS field: the inner one's, per the SA's flags. */
static u8 kipsec_encap_dsfield(const struct kipsec_sa *sa, u8 inner)
{
	u8 ds = inner & ~INET_ECN_MASK;

	if (sa->flags & KIPSEC_SA_FLAG_DONT_ENCAP_DSCP)
		ds = 0;
	if (!(sa->flags & KIPSEC_SA_FLAG_NOECN))
		ds = INET_ECN_encapsulate(ds, inner);	/* RFC 6040 */
	return ds;
}

static void kipsec_encap_outer4(struct kipsec_net *kn, struct sk_buff *skb,
				const struct kipsec_sa *sa, u8 ds, __be16 df)
{
	struct iphdr *iph;

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = ds;
	switch (sa->tunnel_df) {
	case KIPSEC_DF_SET:
		df = htons(IP_DF);
		break;
	case KIPSEC_DF_CLEAR:
		df = 0;
		break;
	}
	iph->frag_off = df;
	iph->ttl = ip4_dst_hoplimit(skb_dst(skb));
	iph->protocol = sa->key.proto;
	iph->saddr = sa->pair.saddr.ip4;
	iph->daddr = sa->key.daddr.ip4;
	iph->tot_len = htons(skb->len);
	ip_select_ident(kn->net, skb, NULL);
	skb->protocol = htons(ETH_P_IP);
}

static void kipsec_encap_outer6(struct sk_buff *skb, const struct kipsec_sa *sa,
				u8 ds, __be32 label)
{
	struct ipv6hdr *ip6h;

	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, ds, label);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = sa->key.proto;
	ip6h->hop_limit = ip6_dst_hoplimit(skb_dst(skb));
	ip6h->saddr = sa->pair.saddr.ip6;
	ip6h->daddr = sa->key.daddr.ip6;
	skb->protocol = htons(ETH_P_IPV6);
}

/*
 * Insert @hlen bytes for the transform header at @pos, naming the SA's
 * protocol in the header before it, and set the outer lengths for the
 * packet as it now is (trailers already added).  The caller made the
 * room: KIPSEC_MAX_OUTER + @hlen of headroom.  The transform header
 * comes back uninitialised; an IPv4 header checksum is left to the caller
 * (AH needs the header as it is until its ICV is done).
 */
void *kipsec_encap_push(struct kipsec_net *kn, struct sk_buff *skb,
			const struct kipsec_sa *sa,
			const struct kipsec_hdr_pos *pos, unsigned int hlen)
{
	__be32 label = 0;
	__be16 df = 0;
	u8 *xh, ds;

	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		if (skb->protocol == htons(ETH_P_IP)) {
			ds = ip_hdr(skb)->tos;
			df = ip_hdr(skb)->frag_off & htons(IP_DF);
		} else {
			ds = ipv6_get_dsfield(ipv6_hdr(skb));
			label = ip6_flowlabel(ipv6_hdr(skb));
		}
		ds = kipsec_encap_dsfield(sa, ds);
		xh = skb_push(skb, hlen);
		if (sa->key.family == AF_INET)
			kipsec_encap_outer4(kn, skb, sa, ds, df);
		else
			kipsec_encap_outer6(skb, sa, ds, label);
	} else {
		skb_push(skb, hlen);
		memmove(skb->data, skb->data + hlen, pos->off);
		skb_reset_network_header(skb);
		xh = skb->data + pos->off;
		skb->data[pos->nhoff] = sa->key.proto;
		if (skb->protocol == htons(ETH_P_IP))
			ip_hdr(skb)->tot_len = htons(skb->len);
		else
			ipv6_hdr(skb)->payload_len =
				htons(skb->len - sizeof(struct ipv6hdr));
	}
	skb_set_transport_header(skb, xh - skb->data);
	return xh;
}

/*
 * Find the ESP or AH header of a received packet: *@proto is the protocol
 * after the IP header and the extension headers that may precede a
 * transform header.  Returns 0, or -ENOENT when the packet has none we
 * can work on here (including IPv6 fragments: reassembly comes later).
 */
int kipsec_xform_find(struct sk_buff *skb, u8 *proto,
		      struct kipsec_hdr_pos *pos)
{
	unsigned int off, nhoff, len;
	u8 buf[2], nexthdr;
	const u8 *h;

	if (skb->protocol == htons(ETH_P_IP)) {
		*proto = ip_hdr(skb)->protocol;
		if (*proto != IPPROTO_ESP && *proto != IPPROTO_AH)
			return -ENOENT;
		pos->off = ip_hdrlen(skb);
		pos->nhoff = offsetof(struct iphdr, protocol);
		return 0;
	}
	if (skb->protocol != htons(ETH_P_IPV6))
		return -ENOENT;

	off = sizeof(struct ipv6hdr);
	nhoff = offsetof(struct ipv6hdr, nexthdr);
	nexthdr = ipv6_hdr(skb)->nexthdr;
	for (;;) {
		switch (nexthdr) {
		case IPPROTO_ESP:
		case IPPROTO_AH:
			pos->off = off;
			pos->nhoff = nhoff;
			*proto = nexthdr;
			return 0;
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
			break;
		default:
			return -ENOENT;
		}
		h = skb_header_pointer(skb, skb_network_offset(skb) + off,
				       sizeof(buf), buf);
		if (!h)
			return -ENOENT;
		len = ipv6_optlen((const struct ipv6_opt_hdr *)h);
		nhoff = off;
		nexthdr = h[0];
		off += len;
		if (off > skb->len - skb_network_offset(skb))
			return -ENOENT;
	}
}

static bool kipsec_inner_ok4(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return false;
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5 ||
	    !pskb_may_pull(skb, iph->ihl * 4))
		return false;
	iph = ip_hdr(skb);
	len = ntohs(iph->tot_len);
	if (len < iph->ihl * 4 || len > skb->len)
		return false;
	if (ip_fast_csum((const u8 *)iph, iph->ihl))
		return false;
	return !pskb_trim(skb, len);
}

static bool kipsec_inner_ok6(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return false;
	ip6h = ipv6_hdr(skb);
	len = ntohs(ip6h->payload_len);
	/* no jumbograms (payload length 0) inside a tunnel */
	if (ip6h->version != 6 || !len || len + sizeof(*ip6h) > skb->len)
		return false;
	return !pskb_trim(skb, len + sizeof(*ip6h));
}

/*
 * Take the verified transform header (@hlen bytes at @pos) out of @skb;
 * @nexthdr is the protocol it said follows.  Transport mode restores the
 * original packet; tunnel mode leaves the inner packet, with the outer
 * header's congestion mark (and DSCP, if asked) carried over.  Returns 0
 * or -EINVAL for a malformed result.
 */
int kipsec_decap(struct sk_buff *skb, const struct kipsec_sa *sa,
		 const struct kipsec_hdr_pos *pos, unsigned int hlen,
		 u8 nexthdr)
{
	u8 ds;

	if (sa->mode == KIPSEC_MODE_TRANSPORT) {
		memmove(skb->data + hlen, skb->data, pos->off);
		__skb_pull(skb, hlen);
		skb_reset_network_header(skb);
		skb->data[pos->nhoff] = nexthdr;
		if (skb->protocol == htons(ETH_P_IP)) {
			ip_hdr(skb)->tot_len = htons(skb->len);
			ip_send_check(ip_hdr(skb));
		} else {
			ipv6_hdr(skb)->payload_len =
				htons(skb->len - sizeof(struct ipv6hdr));
		}
		skb_set_transport_header(skb, pos->off);
		return 0;
	}

	ds = skb->protocol == htons(ETH_P_IP) ? ip_hdr(skb)->tos :
						ipv6_get_dsfield(ipv6_hdr(skb));
	__skb_pull(skb, pos->off + hlen);
	skb_reset_network_header(skb);
	switch (nexthdr) {
	case IPPROTO_IPIP:
		if (!kipsec_inner_ok4(skb))
			return -EINVAL;
		skb->protocol = htons(ETH_P_IP);
		if (sa->flags & KIPSEC_SA_FLAG_DECAP_DSCP)
			ipv4_copy_dscp(ds, ip_hdr(skb));
		if (!(sa->flags & KIPSEC_SA_FLAG_NOECN) && INET_ECN_is_ce(ds))
			IP_ECN_set_ce(ip_hdr(skb));
		skb_set_transport_header(skb, ip_hdrlen(skb));
		return 0;
	case IPPROTO_IPV6:
		if (!kipsec_inner_ok6(skb))
			return -EINVAL;
		skb->protocol = htons(ETH_P_IPV6);
		if (sa->flags & KIPSEC_SA_FLAG_DECAP_DSCP)
			ipv6_copy_dscp(ds, ipv6_hdr(skb));
		if (!(sa->flags & KIPSEC_SA_FLAG_NOECN) && INET_ECN_is_ce(ds))
			IP6_ECN_set_ce(skb, ipv6_hdr(skb));
		skb_set_transport_header(skb, sizeof(struct ipv6hdr));
		return 0;
	}
	return -EINVAL;
}
