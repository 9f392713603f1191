// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hook registration, per namespace and on first use: a namespace
 * that never configured kipsec has no kipsec hook on its packet path.
 */
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>

#include "hooks.h"
#include "kipsec.h"

#define KIPSEC_HOOKS(family)						\
	{	/* inbound ESP/AH; outbound decision, forwarded packets */ \
		.hook		= kipsec_input_hook,			\
		.pf		= family,				\
		.hooknum	= NF_INET_PRE_ROUTING,			\
		.priority	= KIPSEC_NF_PRI,			\
	},								\
	{	/* outbound decision for local packets */		\
		.hook		= kipsec_output_hook,			\
		.pf		= family,				\
		.hooknum	= NF_INET_LOCAL_OUT,			\
		.priority	= KIPSEC_NF_PRI,			\
	},								\
	{	/* inbound policy, local delivery; reassembled ESP/AH */ \
		.hook		= kipsec_input_policy_hook,		\
		.pf		= family,				\
		.hooknum	= NF_INET_LOCAL_IN,			\
		.priority	= KIPSEC_NF_PRI,			\
	},								\
	{	/* inbound policy, forwarding */			\
		.hook		= kipsec_input_policy_hook,		\
		.pf		= family,				\
		.hooknum	= NF_INET_FORWARD,			\
		.priority	= KIPSEC_NF_PRI,			\
	}

static const struct nf_hook_ops kipsec_nf_ops[] = {
	KIPSEC_HOOKS(NFPROTO_IPV4),
	KIPSEC_HOOKS(NFPROTO_IPV6),
};

int kipsec_hooks_enable(struct kipsec_net *kn)
{
	int err;

	lockdep_assert_held(&kn->lock);
	if (kn->hooks_on)
		return 0;
	err = nf_register_net_hooks(kn->net, kipsec_nf_ops,
				    ARRAY_SIZE(kipsec_nf_ops));
	if (!err)
		kn->hooks_on = true;
	return err;
}

/* On return no hook runs any more (nf_unregister_net_hooks synchronizes). */
void kipsec_hooks_disable(struct kipsec_net *kn)
{
	lockdep_assert_held(&kn->lock);
	if (!kn->hooks_on)
		return;
	nf_unregister_net_hooks(kn->net, kipsec_nf_ops,
				ARRAY_SIZE(kipsec_nf_ops));
	kn->hooks_on = false;
}
