/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT traversal: ESP in UDP (RFC 3948).
 */
#ifndef _KIPSEC_NATT_H
#define _KIPSEC_NATT_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct kipsec_hdr_pos;
struct kipsec_net;
struct kipsec_sa;
struct sock;

int kipsec_natt_take(struct sock *sk);
void kipsec_natt_release(struct sock *sk);

void kipsec_natt_push(struct sk_buff *skb, const struct kipsec_sa *sa,
		      const struct kipsec_hdr_pos *pos, void *uh);
void kipsec_natt_csum6(struct sk_buff *skb);
void kipsec_natt_mapping(struct kipsec_net *kn, struct kipsec_sa *sa,
			 const struct sk_buff *skb, __be16 sport);

#endif /* _KIPSEC_NATT_H */
