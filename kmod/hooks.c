// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hook registration, per namespace and on first use: a namespace
 * that never configured kipsec has no kipsec hook on its packet path.
 */
#include <linux/module.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>

#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

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

/*
 * IPv6 reassembles after LOCAL_IN, in the protocol handlers, where kipsec
 * does not see the result; nf_defrag_ipv6 reassembles at PRE_ROUTING
 * (-400), just before kipsec's hook.  It is asked for by symbol, loaded on
 * demand and held while the namespace uses kipsec, so that it is not a
 * dependency of the module: where it is missing, fragmented IPv6 ESP/AH
 * is not handled.
 */
static void kipsec_defrag6_enable(struct kipsec_net *kn)
{
	int (*enable)(struct net *net) = symbol_request(nf_defrag_ipv6_enable);

	if (!enable) {
		pr_warn_once("kipsec: nf_defrag_ipv6 unavailable: fragmented IPv6 ESP/AH will be dropped\n");
		return;
	}
	if (enable(kn->net)) {
		symbol_put(nf_defrag_ipv6_enable);
		return;
	}
	kn->defrag6 = true;
}

static void kipsec_defrag6_disable(struct kipsec_net *kn)
{
	void (*disable)(struct net *net);

	if (!kn->defrag6)
		return;
	disable = symbol_get(nf_defrag_ipv6_disable);
	if (disable) {
		disable(kn->net);
		symbol_put(nf_defrag_ipv6_disable);
	}
	symbol_put(nf_defrag_ipv6_enable);
	kn->defrag6 = false;
}

int kipsec_hooks_enable(struct kipsec_net *kn)
{
	int err;

	lockdep_assert_held(&kn->lock);
	if (kn->hooks_on)
		return 0;
	err = nf_register_net_hooks(kn->net, kipsec_nf_ops,
				    ARRAY_SIZE(kipsec_nf_ops));
	if (err)
		return err;
	kn->hooks_on = true;
	kipsec_defrag6_enable(kn);
	return 0;
}

/* On return no hook runs any more (nf_unregister_net_hooks synchronizes). */
void kipsec_hooks_disable(struct kipsec_net *kn)
{
	lockdep_assert_held(&kn->lock);
	if (!kn->hooks_on)
		return;
	nf_unregister_net_hooks(kn->net, kipsec_nf_ops,
				ARRAY_SIZE(kipsec_nf_ops));
	kipsec_defrag6_disable(kn);
	kn->hooks_on = false;
}
