// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets an IKE daemon hands to kipsec (KIPSEC_CMD_SOCK_ADD).
 *
 * The daemon names a socket by its file descriptor.  The netlink handler
 * runs in the sender's process, so sockfd_lookup() resolves the number in
 * the daemon's own file table: nobody can name a socket it does not hold,
 * and a port number, which another process could bind after a restart,
 * never stands for a socket.  kipsec keeps a reference to the socket, so
 * its address stays unique while registered; an entry whose socket was
 * closed (SOCK_DEAD) is swept away at the next SOCK_ADD, SOCK_DEL or dump,
 * and with the namespace.
 *
 * Bypass, outbound: a packet whose skb->sk is a socket registered with
 * BYPASS skips the SPD (LOCAL_OUT); ESPINUDP alone does not let the
 * socket send cleartext past a protect policy.  Inbound: the SPD judges a
 * packet at LOCAL_IN, before the stack chose its socket, so for UDP kipsec
 * asks the stack which socket will receive it (udp4/6_lib_lookup, the same
 * lookup delivery makes) and lets it through if that is a registered one.
 * A socket with ESPINUDP is treated the same way inbound: what arrives on
 * it is IKE (kept by the socket) or ESP (decapsulated, then judged by the
 * SPD as any decrypted packet).
 */
#include <linux/file.h>
#include <linux/kipsec.h>
#include <linux/net.h>
#include <linux/udp.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "hooks.h"
#include "kipsec.h"
#include "natt.h"
#include "sock.h"

#define KIPSEC_SOCK_FLAGS_KNOWN	(KIPSEC_SOCK_F_BYPASS | KIPSEC_SOCK_F_ESPINUDP)

/* Under kn->lock. */
static struct kipsec_sock *kipsec_sock_find(struct kipsec_net *kn,
					    const struct sock *sk)
{
	struct kipsec_sock *ks;

	list_for_each_entry(ks, &kn->socks, list)
		if (ks->sk == sk)
			return ks;
	return NULL;
}

static void kipsec_sock_free_rcu(struct rcu_head *head)
{
	struct kipsec_sock *ks = container_of(head, struct kipsec_sock, rcu);

	sock_put(ks->sk);
	kfree(ks);
}

/* Under kn->lock: forget @ks; readers may still see it for a grace period. */
static void kipsec_sock_unlink(struct kipsec_net *kn, struct kipsec_sock *ks)
{
	if (ks->flags & KIPSEC_SOCK_F_ESPINUDP)
		kipsec_natt_release(ks->sk);
	list_del_rcu(&ks->list);
	WRITE_ONCE(kn->nsocks, kn->nsocks - 1);
	call_rcu(&ks->rcu, kipsec_sock_free_rcu);
}

void kipsec_sock_sweep(struct kipsec_net *kn)
{
	struct kipsec_sock *ks, *tmp;

	lockdep_assert_held(&kn->lock);
	list_for_each_entry_safe(ks, tmp, &kn->socks, list)
		if (sock_flag(ks->sk, SOCK_DEAD))
			kipsec_sock_unlink(kn, ks);
}

/* Namespace exit: every socket goes back to the stack as it was. */
void kipsec_sock_flush(struct kipsec_net *kn)
{
	struct kipsec_sock *ks, *tmp;

	lockdep_assert_held(&kn->lock);
	list_for_each_entry_safe(ks, tmp, &kn->socks, list)
		kipsec_sock_unlink(kn, ks);
}

void kipsec_sock_info(const struct kipsec_sock *ks,
		      struct kipsec_sock_info *info)
{
	const struct sock *sk = ks->sk;

	memset(info, 0, sizeof(*info));
	info->flags = ks->flags;
	info->family = sk->sk_family;
	info->proto = sk->sk_protocol;
	info->port = inet_sk(sk)->inet_sport;
	if (sk->sk_family == AF_INET)
		info->addr.ip4 = inet_sk(sk)->inet_rcv_saddr;
	else
		info->addr.ip6 = sk->sk_v6_rcv_saddr;
}

/* The socket behind @fd, referenced, or NULL with an extack message. */
static struct socket *kipsec_sock_get(struct kipsec_net *kn, int fd,
				      struct netlink_ext_ack *extack, int *err)
{
	struct socket *sock;

	sock = sockfd_lookup(fd, err);
	if (!sock) {
		NL_SET_ERR_MSG(extack, "not a socket of the calling process");
		return NULL;
	}
	*err = -EINVAL;
	if (sock->sk->sk_family != AF_INET && sock->sk->sk_family != AF_INET6) {
		NL_SET_ERR_MSG(extack, "socket must be IPv4 or IPv6");
		goto put;
	}
	if (!net_eq(sock_net(sock->sk), kn->net)) {
		NL_SET_ERR_MSG(extack, "socket belongs to another network namespace");
		goto put;
	}
	return sock;
put:
	sockfd_put(sock);
	return NULL;
}

int kipsec_sock_add(struct kipsec_net *kn, int fd, u32 flags,
		    struct kipsec_sock_info *info,
		    struct netlink_ext_ack *extack)
{
	struct kipsec_sock *ks, *new = NULL;
	struct socket *sock;
	struct sock *sk;
	int err;

	if (!flags || flags & ~KIPSEC_SOCK_FLAGS_KNOWN) {
		NL_SET_ERR_MSG(extack, "socket flags must be bypass and/or espinudp");
		return -EINVAL;
	}
	sock = kipsec_sock_get(kn, fd, extack, &err);
	if (!sock)
		return err;
	sk = sock->sk;
	if (flags & KIPSEC_SOCK_F_ESPINUDP &&
	    (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP)) {
		NL_SET_ERR_MSG(extack, "ESP-in-UDP needs a UDP socket");
		err = -EINVAL;
		goto out;
	}
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new) {
		err = -ENOMEM;
		goto out;
	}

	mutex_lock(&kn->lock);
	kipsec_sock_sweep(kn);
	ks = kipsec_sock_find(kn, sk);
	if (!ks) {
		err = kipsec_hooks_enable(kn);
		if (err)
			goto unlock;
		ks = new;
		new = NULL;
		sock_hold(sk);
		ks->sk = sk;
	}
	if (flags & ~ks->flags & KIPSEC_SOCK_F_ESPINUDP) {
		err = kipsec_natt_take(sk);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "socket already has another UDP encapsulation");
			if (!ks->flags) {	/* just made: undo */
				sock_put(sk);
				kfree(ks);
			}
			goto unlock;
		}
	}
	if (!ks->flags) {
		list_add_tail_rcu(&ks->list, &kn->socks);
		WRITE_ONCE(kn->nsocks, kn->nsocks + 1);
	}
	WRITE_ONCE(ks->flags, ks->flags | flags);
	kipsec_sock_info(ks, info);
	err = 0;
unlock:
	mutex_unlock(&kn->lock);
out:
	kfree(new);
	sockfd_put(sock);
	return err;
}

int kipsec_sock_del(struct kipsec_net *kn, int fd,
		    struct netlink_ext_ack *extack)
{
	struct kipsec_sock *ks;
	struct socket *sock;
	int err;

	sock = kipsec_sock_get(kn, fd, extack, &err);
	if (!sock)
		return err;
	mutex_lock(&kn->lock);
	kipsec_sock_sweep(kn);
	ks = kipsec_sock_find(kn, sock->sk);
	if (ks) {
		kipsec_sock_unlink(kn, ks);
	} else {
		NL_SET_ERR_MSG(extack, "socket is not registered");
		err = -ENOENT;
	}
	mutex_unlock(&kn->lock);
	sockfd_put(sock);
	return ks ? 0 : err;
}

/* RCU read side: is @sk registered with one of @flags? */
static bool kipsec_sock_registered(struct kipsec_net *kn, const struct sock *sk,
				   u32 flags)
{
	struct kipsec_sock *ks;

	list_for_each_entry_rcu(ks, &kn->socks, list)
		if (ks->sk == sk)
			return READ_ONCE(ks->flags) & flags;
	return false;
}

/*
 * LOCAL_OUT: sent by a socket registered with BYPASS?  ESPINUDP alone does
 * not let a socket's own datagrams past the SPD.
 */
bool kipsec_sock_bypass_out(struct kipsec_net *kn, const struct sk_buff *skb)
{
	if (!READ_ONCE(kn->nsocks) || !skb->sk)
		return false;
	return kipsec_sock_registered(kn, skb->sk, KIPSEC_SOCK_F_BYPASS);
}

/* LOCAL_IN, cleartext: will a registered UDP socket receive it? */
bool kipsec_sock_bypass_in(struct kipsec_net *kn, struct sk_buff *skb)
{
	struct udphdr _uh;
	const struct udphdr *uh;
	struct sock *sk;
	bool ours;

	if (!READ_ONCE(kn->nsocks))
		return false;
	uh = skb_header_pointer(skb, skb_transport_offset(skb), sizeof(_uh),
				&_uh);
	if (!uh)
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		if (ip_hdr(skb)->protocol != IPPROTO_UDP)
			return false;
		sk = udp4_lib_lookup(kn->net, ip_hdr(skb)->saddr, uh->source,
				     ip_hdr(skb)->daddr, uh->dest,
				     skb->dev ? skb->dev->ifindex : 0);
	} else {
		if (ipv6_hdr(skb)->nexthdr != IPPROTO_UDP)
			return false;
		sk = udp6_lib_lookup(kn->net, &ipv6_hdr(skb)->saddr, uh->source,
				     &ipv6_hdr(skb)->daddr, uh->dest,
				     skb->dev ? skb->dev->ifindex : 0);
	}
	if (!sk)
		return false;
	ours = kipsec_sock_registered(kn, sk, KIPSEC_SOCK_F_BYPASS |
					      KIPSEC_SOCK_F_ESPINUDP);
	sock_put(sk);
	return ours;
}
