/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hosts behind one NAT: transport-mode policies apply per flow.
 */
#ifndef _KIPSEC_NATFLOW_H
#define _KIPSEC_NATFLOW_H

#include <linux/types.h>

struct kipsec_flow;
struct kipsec_net;
struct kipsec_sa;

int kipsec_natflow_init(struct kipsec_net *kn);
void kipsec_natflow_destroy(struct kipsec_net *kn);

void kipsec_natflow_protected(struct kipsec_net *kn, const struct kipsec_sa *sa,
			      const struct kipsec_flow *fl);
bool kipsec_natflow_clear_in(struct kipsec_net *kn, const struct kipsec_sa *sa,
			     const struct kipsec_flow *fl);
bool kipsec_natflow_clear_out(struct kipsec_net *kn, const struct kipsec_sa *sa,
			      const struct kipsec_flow *fl);

#endif /* _KIPSEC_NATFLOW_H */
