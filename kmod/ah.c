// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302): not implemented yet; SAs are refused at setup.
 */
#include <linux/kipsec.h>

#include "ah.h"
#include "kipsec.h"

int kipsec_ah_setup(struct kipsec_sa *sa, const struct kipsec_alg_param *auth,
		    struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "AH is not supported yet");
	return -EOPNOTSUPP;
}

void kipsec_ah_output(struct kipsec_net *kn, struct sk_buff *skb,
		      struct kipsec_sa *sa)
{
	kfree_skb(skb);
	kipsec_sa_put(sa);
}

void kipsec_ah_input(struct kipsec_net *kn, struct sk_buff *skb,
		     struct kipsec_sa *sa, const struct kipsec_hdr_pos *pos)
{
	kfree_skb(skb);
	kipsec_sa_put(sa);
}
