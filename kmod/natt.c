// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal: ESP in UDP (RFC 3948).
 *
 * Input.  The IKE daemon hands its NAT-T socket (UDP 4500) to kipsec
 * (SOCK_ADD with ESPINUDP, sock.c); kipsec becomes the socket's UDP
 * encapsulation handler, called by the stack for every datagram the
 * socket receives, after the UDP checksum was verified.  A datagram
 * starting with four zero bytes (the non-ESP marker: IKE) or a one-byte
 * 0xff (NAT keepalive) goes on to the socket, and so to the daemon.
 * Anything else is ESP: the UDP header is taken out, the IP header moved
 * up over it, and the packet goes to the ESP input of the SA its SPI names,
 * which must be an ESP-in-UDP SA (a plain SA never takes encapsulated
 * packets, nor the reverse: rx_encap_mismatch).  Once the ICV verified, the
 * peer's address and source port are compared with the SA's; a change is
 * reported once as a mapping event, for the daemon to move the outbound
 * SA (SA_UPDATE of its ENCAP ports).  Transport-mode packets that crossed
 * a NAT carry TCP/UDP checksums over the original addresses: as RFC 3948
 * 3.1.2 allows, the ICV stands for them (CHECKSUM_UNNECESSARY, input.c).
 *
 * Output.  An ESP-in-UDP SA's packets get a UDP header between the (outer)
 * IP header and ESP, with the SA's ports; checksum 0 over IPv4 (RFC 3948
 * 2.1), computed over IPv6 once the ESP packet is complete.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/kipsec.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "compat.h"
#include "encap.h"
#include "esp.h"
#include "kipsec.h"
#include "natt.h"
#include "netlink.h"

/* The socket's encap_rcv: 1 = the socket's to receive, 0 = taken. */
static int kipsec_natt_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct kipsec_net *kn = kipsec_net(sock_net(sk));
	struct kipsec_sa_key key = { .proto = IPPROTO_ESP };
	struct kipsec_hdr_pos pos;
	enum kipsec_stat why;
	unsigned int len, nhlen;
	struct kipsec_sa *sa;
	__be16 sport;
	const u8 *data;

	/* skb->data is at the UDP header */
	len = skb->len - sizeof(struct udphdr);
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + min(len, 8U)))
		return 1;
	data = skb->data + sizeof(struct udphdr);
	if (len <= sizeof(struct ip_esp_hdr) || !get_unaligned((u32 *)data))
		return 1;	/* IKE (non-ESP marker), keepalive, runt */

	sport = udp_hdr(skb)->source;
	nhlen = skb_transport_header(skb) - skb_network_header(skb);
	if (skb->protocol == htons(ETH_P_IP)) {
		key.family = AF_INET;
		pos.nhoff = offsetof(struct iphdr, protocol);
	} else {
		key.family = AF_INET6;
		pos.nhoff = IP6CB(skb)->nhoff;
	}
	key.spi = get_unaligned((__be32 *)data);

	/* take the UDP header out: the IP header moves up over it */
	__skb_push(skb, nhlen);
	if (skb_ensure_writable(skb, nhlen + sizeof(struct udphdr))) {
		why = KIPSEC_STAT_RX_NOMEM;
		goto drop;
	}
	memmove(skb->data + sizeof(struct udphdr), skb->data, nhlen);
	__skb_pull(skb, sizeof(struct udphdr));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, nhlen);
	skb->data[pos.nhoff] = IPPROTO_ESP;
	if (key.family == AF_INET) {
		ip_hdr(skb)->tot_len = htons(skb->len);
		ip_send_check(ip_hdr(skb));
		key.daddr.ip4 = ip_hdr(skb)->daddr;
	} else {
		ipv6_hdr(skb)->payload_len = htons(skb->len -
						   sizeof(struct ipv6hdr));
		key.daddr.ip6 = ipv6_hdr(skb)->daddr;
	}
	skb->ip_summed = CHECKSUM_NONE;
	pos.off = nhlen;

	sa = kipsec_sad_lookup(&kn->sad, &key);
	if (!sa) {
		why = KIPSEC_STAT_RX_NO_SA;
		goto drop;
	}
	if (sa->state != KIPSEC_SA_STATE_VALID) {
		why = KIPSEC_STAT_RX_SA_LARVAL;
		goto drop;
	}
	if (sa->encap_type != KIPSEC_ENCAP_ESPINUDP) {
		why = KIPSEC_STAT_RX_ENCAP_MISMATCH;
		goto drop;
	}
	if (!kipsec_sa_hold(sa)) {
		why = KIPSEC_STAT_RX_NO_SA;
		goto drop;
	}
	kipsec_esp_input(kn, skb, sa, &pos, sport);
	return 0;

drop:
	kipsec_stats_inc(kn, why);
	kfree_skb(skb);
	return 0;
}

/* Become @sk's UDP encapsulation handler (socket lock taken here). */
int kipsec_natt_take(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);
	int err = 0;

	lock_sock(sk);
	if (up->encap_type || READ_ONCE(up->encap_rcv)) {
		err = -EBUSY;
	} else {
		up->encap_type = UDP_ENCAP_ESPINUDP;
		WRITE_ONCE(up->encap_rcv, kipsec_natt_rcv);
		/* static keys; never turned off again, which costs nothing */
		if (sk->sk_family == AF_INET6)
			udpv6_encap_enable();
		udp_encap_enable();
	}
	release_sock(sk);
	return err;
}

/*
 * Give @sk back to plain UDP.  Datagrams already inside kipsec_natt_rcv()
 * finish under RCU; the caller waits for a grace period before the
 * namespace (or module) goes.
 */
void kipsec_natt_release(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);

	lock_sock(sk);
	if (READ_ONCE(up->encap_rcv) == kipsec_natt_rcv) {
		WRITE_ONCE(up->encap_rcv, NULL);
		up->encap_type = 0;
	}
	release_sock(sk);
}

/*
 * Output: fill the UDP header at @uh, which kipsec_encap_push() made room
 * for in front of ESP, and name UDP in the header before it.
 */
void kipsec_natt_push(struct sk_buff *skb, const struct kipsec_sa *sa,
		      const struct kipsec_hdr_pos *pos, void *uh)
{
	u32 ports = READ_ONCE(sa->encap_ports);
	struct udphdr *udp = uh;

	udp->source = htons(ports >> 16);
	udp->dest = htons(ports & 0xffff);
	udp->len = htons(skb_tail_pointer(skb) - (u8 *)uh);
	udp->check = 0;
	if (sa->mode == KIPSEC_MODE_TRANSPORT)
		skb->data[pos->nhoff] = IPPROTO_UDP;
	else if (sa->key.family == AF_INET)
		ip_hdr(skb)->protocol = IPPROTO_UDP;
	else
		ipv6_hdr(skb)->nexthdr = IPPROTO_UDP;
	skb_set_transport_header(skb, (u8 *)uh - skb->data);
}

/* IPv6 forbids a zero UDP checksum: compute it over the finished packet. */
void kipsec_natt_csum6(struct sk_buff *skb)
{
	struct udphdr *uh = udp_hdr(skb);
	unsigned int off = skb_transport_offset(skb);
	unsigned int len = skb->len - off;

	uh->check = 0;
	uh->check = csum_ipv6_magic(&ipv6_hdr(skb)->saddr,
				    &ipv6_hdr(skb)->daddr, len, IPPROTO_UDP,
				    skb_checksum(skb, off, len, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
}

/*
 * A verified ESP-in-UDP packet of inbound SA @sa came from the outer
 * source address of @skb, UDP port @sport.  If that is not where the SA
 * says its peer is, and not what was reported last, report it.
 */
void kipsec_natt_mapping(struct kipsec_net *kn, struct kipsec_sa *sa,
			 const struct sk_buff *skb, __be16 sport)
{
	u32 ports = READ_ONCE(sa->encap_ports);
	union kipsec_addr addr = {};
	u8 family = sa->key.family;
	bool moved;

	if (family == AF_INET)
		addr.ip4 = ip_hdr(skb)->saddr;
	else
		addr.ip6 = ipv6_hdr(skb)->saddr;
	if (sport == htons(ports >> 16) &&
	    kipsec_addr_equal(&addr, &sa->pair.saddr, family))
		return;

	spin_lock_bh(&sa->mapped.lock);
	moved = sa->mapped.port != sport ||
		!kipsec_addr_equal(&addr, &sa->mapped.addr, family);
	if (moved) {
		sa->mapped.addr = addr;
		sa->mapped.port = sport;
	}
	spin_unlock_bh(&sa->mapped.lock);
	if (moved && kipsec_nl_notify_mapping(kn, sa, &addr, sport))
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_NATT_MAPPING);
}
