/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path MTU for protected traffic.
 */
#ifndef _KIPSEC_PMTU_H
#define _KIPSEC_PMTU_H

#include <linux/skbuff.h>

struct dst_entry;
struct kipsec_net;
struct kipsec_sa;

bool kipsec_pmtu_ok(struct kipsec_net *kn, struct sk_buff *skb,
		    const struct kipsec_sa *sa, struct dst_entry *outer);
void kipsec_pmtu_learn(struct kipsec_net *kn, struct sk_buff *skb);

#endif /* _KIPSEC_PMTU_H */
