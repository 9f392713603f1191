// SPDX-License-Identifier: GPL-2.0
/*
 * ACQUIRE (RFC 4301 4.4.1, the SPD's request to the key manager).
 *
 * An outbound packet that meets a protect policy for which no usable SA
 * exists is dropped (tx_no_sa), as XFRM does with its default larval_drop:
 * queueing would hold packets for as long as IKE takes, and TCP and ping
 * retry anyway.  The policy then raises one ACQUIRE_NTF event carrying the
 * policy (its template names the reqid) and the packet's own addresses,
 * protocol and ports, so the daemon can start IKE and narrow its traffic
 * selectors to the packet.
 *
 * Rate: one event per policy per acquire_interval_ms (default 1000 ms),
 * whatever the packet rate: a flood towards a missing SA costs one
 * message a second per policy.  XFRM instead keeps a larval state per
 * destination that suppresses acquires for net.core.xfrm_acq_expires
 * (165 s); kipsec's shorter interval lets traffic retry soon after a
 * failed negotiation or a deleted SA, while charon ignores acquires for a
 * negotiation it already has under way.
 */
#include <linux/jiffies.h>
#include <linux/moduleparam.h>

#include "acquire.h"
#include "kipsec.h"
#include "netlink.h"

static unsigned int acquire_interval_ms = 1000;
module_param(acquire_interval_ms, uint, 0644);
MODULE_PARM_DESC(acquire_interval_ms,
		 "Least time between two ACQUIRE events of one policy, ms (default 1000)");

/* Packet path, under RCU. */
void kipsec_acquire(struct kipsec_net *kn, struct kipsec_policy *pol,
		    const struct kipsec_flow *fl)
{
	unsigned long now = jiffies, next = READ_ONCE(pol->acquire_next);
	unsigned long until;

	if (next && time_before(now, next))
		return;
	until = now + msecs_to_jiffies(READ_ONCE(acquire_interval_ms));
	/* one CPU wins the slot; 0 means "never sent" */
	if (cmpxchg(&pol->acquire_next, next, until ?: 1) != next)
		return;
	if (kipsec_nl_notify_acquire(kn, pol, fl))
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_ACQUIRE);
}
