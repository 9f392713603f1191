/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netfilter hooks and the data path entry points behind them.
 */
#ifndef _KIPSEC_HOOKS_H
#define _KIPSEC_HOOKS_H

#include <linux/netfilter.h>

struct kipsec_net;
struct kipsec_sa;

/*
 * kipsec runs at one priority on every hook: right after defragmentation
 * (where conntrack or nf_defrag are loaded), before raw, conntrack, mangle,
 * nat and filter.  See Documentation/design.rst.
 */
/* (NF_IP6_PRI_CONNTRACK_DEFRAG has the same value, -400) */
#define KIPSEC_NF_PRI	(NF_IP_PRI_CONNTRACK_DEFRAG + 1)

int kipsec_hooks_enable(struct kipsec_net *kn);
void kipsec_hooks_disable(struct kipsec_net *kn);

/* input.c */
unsigned int kipsec_input_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state);
unsigned int kipsec_input_policy_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state);
bool kipsec_input_accept(struct kipsec_net *kn, struct sk_buff *skb,
			 struct kipsec_sa *sa, unsigned int off);

/* output.c */
unsigned int kipsec_output_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state);
unsigned int kipsec_output_forward(struct kipsec_net *kn,
				   struct sk_buff *skb);
void kipsec_output_fixup(struct sk_buff *skb);
void kipsec_output_xmit(struct kipsec_net *kn, struct sk_buff *skb);
void kipsec_output_ordered(struct kipsec_net *kn, struct kipsec_sa *sa,
			   struct sk_buff *skb, u64 seq, bool drop);

#endif /* _KIPSEC_HOOKS_H */
