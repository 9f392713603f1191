/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "kipsec" generic netlink family; Documentation/netlink/specs/kipsec.yaml
 * is its contract.
 */
#ifndef _KIPSEC_NETLINK_H
#define _KIPSEC_NETLINK_H

int kipsec_nl_register(void);
void kipsec_nl_unregister(void);

#endif /* _KIPSEC_NETLINK_H */
