/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACQUIRE: asking the IKE daemon for an SA a protect policy lacks.
 */
#ifndef _KIPSEC_ACQUIRE_H
#define _KIPSEC_ACQUIRE_H

struct kipsec_flow;
struct kipsec_net;
struct kipsec_policy;

void kipsec_acquire(struct kipsec_net *kn, struct kipsec_policy *pol,
		    const struct kipsec_flow *fl);

#endif /* _KIPSEC_ACQUIRE_H */
