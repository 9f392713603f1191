/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec: per network namespace state and the types every file shares.
 */
#ifndef _KIPSEC_H
#define _KIPSEC_H

#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/atomic.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "sad.h"
#include "spd.h"
#include "stats.h"

/* Deepest nesting of decapsulations handled inline (ESP inside ESP...). */
#define KIPSEC_MAX_NEST	4

/**
 * struct kipsec_net - kipsec state of one network namespace
 * @net: the namespace
 * @lock: serialises every configuration change (netlink handlers, exit)
 * @hooks_on: netfilter hooks registered; set on first configuration,
 *	cleared at namespace exit (protected by @lock)
 * @defrag6: nf_defrag_ipv6 enabled for the namespace (with @hooks_on)
 * @gen: generation, bumped under @lock on every change; dumps compare it
 * @sad: security association database
 * @spd: security policy database
 * @stats: per-CPU named counters, see stats.h
 * @inflight: packets owned by kipsec (crypto in progress); namespace exit
 *	waits for zero after the hooks are gone
 * @life_work: raises expire events and removes expired SAs (lifetime.c)
 * @life_scan_all: the next @life_work run looks at every SA, not only
 *	those with limits (a sequence number space ran out)
 * @socks: sockets handed over by an IKE daemon, struct kipsec_sock
 *	(sock.c; RCU readers, writers @lock)
 * @nsocks: entries in @socks; the packet path skips the lookup at 0
 * @natflows: flows of hosts behind the NAT of a transport-mode ESP-in-UDP
 *	SA (natflow.c; RCU, packet-path inserts)
 * @natflow_count: entries in @natflows
 * @natflow_gc: forgets idle flows
 */
struct kipsec_net {
	struct net *net;
	struct mutex lock;
	bool hooks_on;
	bool defrag6;
	u32 gen;
	struct kipsec_sad sad;
	struct kipsec_spd spd;
	struct kipsec_stats __percpu *stats;
	atomic_t inflight;
	struct delayed_work life_work;
	bool life_scan_all;
	struct list_head socks;
	unsigned int nsocks;
	struct rhashtable natflows;
	atomic_t natflow_count;
	struct delayed_work natflow_gc;
};

extern unsigned int kipsec_net_id;

static inline struct kipsec_net *kipsec_net(const struct net *net)
{
	return net_generic(net, kipsec_net_id);
}

/*
 * Called under kn->lock after every change of the SAD or SPD.  Release:
 * whoever reads the new generation (acquire) sees the change (output.c's
 * SA hints rely on it).
 */
static inline void kipsec_net_changed(struct kipsec_net *kn)
{
	smp_store_release(&kn->gen, kn->gen + 1);
}

static inline void kipsec_inflight_get(struct kipsec_net *kn)
{
	atomic_inc(&kn->inflight);
}

static inline void kipsec_inflight_put(struct kipsec_net *kn)
{
	if (atomic_dec_and_test(&kn->inflight))
		wake_up_var(&kn->inflight);
}

#endif /* _KIPSEC_H */
