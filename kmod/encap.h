/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Framing shared by ESP and AH: where a transform header goes in a packet
 * of either family, in transport or tunnel mode, and taking it out again.
 */
#ifndef _KIPSEC_ENCAP_H
#define _KIPSEC_ENCAP_H

#include <linux/skbuff.h>

struct kipsec_net;
struct kipsec_sa;

/* The largest outer header kipsec builds (IPv6, no extension headers). */
#define KIPSEC_MAX_OUTER	40

/**
 * struct kipsec_hdr_pos - where a transform header is or will be
 * @off: its offset from the network header
 * @nhoff: offset from the network header of the byte naming it (IPv4
 *	protocol, IPv6 next header of the header before it)
 * @inner: transport mode: the protocol after it; tunnel mode, output:
 *	IPPROTO_IPIP or IPPROTO_IPV6
 */
struct kipsec_hdr_pos {
	unsigned int off;
	unsigned int nhoff;
	u8 inner;
};

int kipsec_encap_pos(struct sk_buff *skb, const struct kipsec_sa *sa,
		     struct kipsec_hdr_pos *pos);
void *kipsec_encap_push(struct kipsec_net *kn, struct sk_buff *skb,
			const struct kipsec_sa *sa,
			const struct kipsec_hdr_pos *pos, unsigned int hlen);

int kipsec_xform_find(struct sk_buff *skb, u8 *proto,
		      struct kipsec_hdr_pos *pos);
int kipsec_decap(struct sk_buff *skb, const struct kipsec_sa *sa,
		 const struct kipsec_hdr_pos *pos, unsigned int hlen,
		 u8 nexthdr);

/* IPv4 or IPv6 header at the network header: the family (0: neither). */
static inline u8 kipsec_skb_family(const struct sk_buff *skb)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return AF_INET;
	case htons(ETH_P_IPV6):
		return AF_INET6;
	}
	return 0;
}

#endif /* _KIPSEC_ENCAP_H */
