/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses and flows: what a selector or an SA compares a packet with.
 */
#ifndef _KIPSEC_ADDR_H
#define _KIPSEC_ADDR_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/ipv6.h>

/* An IPv4 address uses the first four bytes; the rest stays zero so that
 * addresses can be hashed and compared as bytes whatever the family.
 */
union kipsec_addr {
	__be32 ip4;
	struct in6_addr ip6;
};

static inline unsigned int kipsec_addr_len(u8 family)
{
	return family == AF_INET ? 4 : 16;
}

static inline bool kipsec_addr_equal(const union kipsec_addr *a,
				     const union kipsec_addr *b, u8 family)
{
	if (family == AF_INET)
		return a->ip4 == b->ip4;
	return ipv6_addr_equal(&a->ip6, &b->ip6);
}

static inline bool kipsec_addr_any(const union kipsec_addr *a, u8 family)
{
	if (family == AF_INET)
		return !a->ip4;
	return ipv6_addr_any(&a->ip6);
}

/* Zero the host bits beyond @plen. */
static inline void kipsec_addr_mask(union kipsec_addr *a, u8 family, u8 plen)
{
	struct in6_addr full;

	if (family == AF_INET) {
		a->ip4 &= plen ? htonl(~0U << (32 - plen)) : 0;
		return;
	}
	/* ipv6_addr_prefix() clears its output before reading its input */
	full = a->ip6;
	ipv6_addr_prefix(&a->ip6, &full, plen);
}

/* Does @addr fall in @prefix/@plen (prefix already masked)? */
static inline bool kipsec_addr_in(const union kipsec_addr *addr,
				  const union kipsec_addr *prefix, u8 family,
				  u8 plen)
{
	if (family == AF_INET)
		return !((addr->ip4 ^ prefix->ip4) &
			 (plen ? htonl(~0U << (32 - plen)) : 0));
	return ipv6_prefix_equal(&addr->ip6, &prefix->ip6, plen);
}

/**
 * struct kipsec_flow - the fields of a packet the SPD matches on
 * @saddr: source address
 * @daddr: destination address
 * @family: AF_INET or AF_INET6
 * @proto: IP protocol (next header after extension headers)
 * @has_ports: @sport/@dport are valid (TCP, UDP, UDP-Lite, SCTP; not for
 *	non-first fragments)
 * @has_icmp: @icmp_type/@icmp_code are valid
 * @link_ctl: ICMPv6 neighbour discovery or multicast listener message
 * @sport: source port, host order
 * @dport: destination port, host order
 * @icmp_type: ICMP type
 * @icmp_code: ICMP code
 */
struct kipsec_flow {
	union kipsec_addr saddr;
	union kipsec_addr daddr;
	u8 family;
	u8 proto;
	bool has_ports;
	bool has_icmp;
	bool link_ctl;
	u16 sport;
	u16 dport;
	u8 icmp_type;
	u8 icmp_code;
};

struct sk_buff;
int kipsec_flow_from_skb(const struct sk_buff *skb, struct kipsec_flow *fl);

#endif /* _KIPSEC_ADDR_H */
