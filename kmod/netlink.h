/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "kipsec" generic netlink family; Documentation/netlink/specs/kipsec.yaml
 * is its contract.
 */
#ifndef _KIPSEC_NETLINK_H
#define _KIPSEC_NETLINK_H

#include <linux/types.h>

int kipsec_nl_register(void);
void kipsec_nl_unregister(void);

struct kipsec_flow;
struct kipsec_net;
struct kipsec_policy;
struct kipsec_sa;
union kipsec_addr;

void kipsec_nl_notify_expire(struct kipsec_net *kn, const struct kipsec_sa *sa,
			     u8 reason, bool hard);
bool kipsec_nl_notify_acquire(struct kipsec_net *kn,
			      const struct kipsec_policy *pol,
			      const struct kipsec_flow *fl);
bool kipsec_nl_notify_mapping(struct kipsec_net *kn, const struct kipsec_sa *sa,
			      const union kipsec_addr *addr, __be16 port);

#endif /* _KIPSEC_NETLINK_H */
