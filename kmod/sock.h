/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets handed to kipsec by file descriptor: an IKE daemon's sockets,
 * whose packets bypass the SPD, and its NAT-T port, where kipsec takes
 * ESP-in-UDP off the socket (natt.c).
 */
#ifndef _KIPSEC_SOCK_H
#define _KIPSEC_SOCK_H

#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "addr.h"

struct kipsec_net;

/**
 * struct kipsec_sock - one registered socket
 * @list: node in kipsec_net.socks (RCU readers, writers kn->lock)
 * @rcu: frees the entry, and drops @sk, after readers are done
 * @sk: the socket, referenced: the pointer stays unique while we hold it
 * @flags: enum kipsec_sock_flags (written under kn->lock, read under RCU)
 */
struct kipsec_sock {
	struct list_head list;
	struct rcu_head rcu;
	struct sock *sk;
	u32 flags;
};

/* What SOCK_ADD and SOCK_GET report of a socket. */
struct kipsec_sock_info {
	u32 flags;
	u8 family;
	u8 proto;
	__be16 port;
	union kipsec_addr addr;
};

int kipsec_sock_add(struct kipsec_net *kn, int fd, u32 flags,
		    struct kipsec_sock_info *info,
		    struct netlink_ext_ack *extack);
int kipsec_sock_del(struct kipsec_net *kn, int fd,
		    struct netlink_ext_ack *extack);
void kipsec_sock_info(const struct kipsec_sock *ks,
		      struct kipsec_sock_info *info);
void kipsec_sock_sweep(struct kipsec_net *kn);
void kipsec_sock_flush(struct kipsec_net *kn);

bool kipsec_sock_bypass_out(struct kipsec_net *kn, const struct sk_buff *skb);
bool kipsec_sock_bypass_in(struct kipsec_net *kn, struct sk_buff *skb);

#endif /* _KIPSEC_SOCK_H */
