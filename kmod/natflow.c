// SPDX-License-Identifier: GPL-2.0
/*
 * Hosts behind one NAT: transport-mode policies apply per flow.
 *
 * A transport-mode SA with a peer behind a NAT (an ESP-in-UDP SA) has
 * selectors on the NAT's public address: IKE negotiated "this host", but
 * on our side of the NAT every host behind it has that address.  Applied
 * per address, the policies would claim every other host's traffic too:
 * XFRM drops their cleartext for want of ESP and encrypts the replies
 * with the SA of a host that cannot use them.
 *
 * kipsec tells the flows apart.  For such a policy (protect, transport
 * mode, its SA ESP-in-UDP) and TCP/UDP/SCTP/... traffic with ports:
 *  - a flow seen decrypted by the SA is the SA's: from then on cleartext
 *    on it is refused (rx_cleartext) and our packets on it are protected;
 *  - a cleartext flow not known as the SA's comes from another host behind
 *    the NAT: it is accepted and remembered, and our replies on it leave
 *    in the clear (another host cannot decrypt them, and would otherwise
 *    never be answered);
 *  - a flow we start is protected, as the policy says.
 * A flow is forgotten after natflow_idle_secs without packets.  The table
 * is bounded (natflow_max entries); when full, new cleartext flows are
 * refused, the safe side.  Traffic without ports (ICMP) follows the policy
 * as written.
 */
#include <linux/jhash.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/kipsec.h>

#include "kipsec.h"
#include "natflow.h"

static unsigned int natflow_idle_secs = 300;
module_param(natflow_idle_secs, uint, 0644);
MODULE_PARM_DESC(natflow_idle_secs,
		 "Idle time after which a flow of a host behind a NAT is forgotten, s (default 300)");

static unsigned int natflow_max = 65536;
module_param(natflow_max, uint, 0644);
MODULE_PARM_DESC(natflow_max,
		 "Most flows remembered per namespace for hosts behind a NAT (default 65536)");

/* (remote address, local address, protocol, remote port, local port) */
struct kipsec_natflow_key {
	union kipsec_addr remote;
	union kipsec_addr local;
	u8 family;
	u8 proto;
	__be16 rport;
	__be16 lport;
};

struct kipsec_natflow {
	struct rhash_head node;
	struct kipsec_natflow_key key;
	struct rcu_head rcu;
	unsigned long seen;	/* jiffies, packet path */
	bool prot;		/* the SA's flow; set once, never cleared */
};

static const struct rhashtable_params kipsec_natflow_params = {
	.key_len = sizeof(struct kipsec_natflow_key),
	.key_offset = offsetof(struct kipsec_natflow, key),
	.head_offset = offsetof(struct kipsec_natflow, node),
	.automatic_shrinking = true,
};

/* Does the policy whose SA is @sa apply per flow to @fl? */
static bool kipsec_natflow_applies(const struct kipsec_sa *sa,
				   const struct kipsec_flow *fl)
{
	return sa && sa->encap_type && sa->mode == KIPSEC_MODE_TRANSPORT &&
	       fl->has_ports;
}

static void kipsec_natflow_key(struct kipsec_natflow_key *k,
			       const struct kipsec_flow *fl, bool inbound)
{
	memset(k, 0, sizeof(*k));
	k->family = fl->family;
	k->proto = fl->proto;
	if (inbound) {
		k->remote = fl->saddr;
		k->local = fl->daddr;
		k->rport = htons(fl->sport);
		k->lport = htons(fl->dport);
	} else {
		k->remote = fl->daddr;
		k->local = fl->saddr;
		k->rport = htons(fl->dport);
		k->lport = htons(fl->sport);
	}
}

/* RCU: the entry for @k, its time refreshed, or a new one (NULL if full). */
static struct kipsec_natflow *kipsec_natflow_get(struct kipsec_net *kn,
						 const struct kipsec_natflow_key *k,
						 bool prot)
{
	struct kipsec_natflow *f, *old;

	f = rhashtable_lookup(&kn->natflows, k, kipsec_natflow_params);
	if (f)
		goto found;
	if (atomic_read(&kn->natflow_count) >= READ_ONCE(natflow_max))
		return NULL;
	f = kzalloc(sizeof(*f), GFP_ATOMIC);
	if (!f)
		return NULL;
	f->key = *k;
	f->prot = prot;
	f->seen = jiffies;
	old = rhashtable_lookup_get_insert_fast(&kn->natflows, &f->node,
						kipsec_natflow_params);
	if (!old) {
		atomic_inc(&kn->natflow_count);
		/* a no-op while the collector is pending */
		queue_delayed_work(kipsec_wq, &kn->natflow_gc, HZ * 10);
		return f;
	}
	kfree(f);
	if (IS_ERR(old))
		return NULL;
	f = old;
found:
	if (READ_ONCE(f->seen) != jiffies)
		WRITE_ONCE(f->seen, jiffies);
	if (prot && !READ_ONCE(f->prot))
		WRITE_ONCE(f->prot, true);
	return f;
}

/* Inbound, decrypted by @sa and accepted: the flow is the SA's. */
void kipsec_natflow_protected(struct kipsec_net *kn, const struct kipsec_sa *sa,
			      const struct kipsec_flow *fl)
{
	struct kipsec_natflow_key k;

	if (!kipsec_natflow_applies(sa, fl))
		return;
	kipsec_natflow_key(&k, fl, true);
	kipsec_natflow_get(kn, &k, true);
}

/*
 * Inbound cleartext that a protect policy claims, @sa being the SA from
 * the packet's source that the policy's template finds: true if it comes
 * from another host behind the SA's NAT and may pass.
 */
bool kipsec_natflow_clear_in(struct kipsec_net *kn, const struct kipsec_sa *sa,
			     const struct kipsec_flow *fl)
{
	struct kipsec_natflow_key k;
	struct kipsec_natflow *f;

	if (!kipsec_natflow_applies(sa, fl))
		return false;
	kipsec_natflow_key(&k, fl, true);
	f = kipsec_natflow_get(kn, &k, false);
	return f && !READ_ONCE(f->prot);
}

/* Outbound with SA @sa: true if the packet answers a cleartext flow. */
bool kipsec_natflow_clear_out(struct kipsec_net *kn, const struct kipsec_sa *sa,
			      const struct kipsec_flow *fl)
{
	struct kipsec_natflow_key k;
	struct kipsec_natflow *f;

	if (!kipsec_natflow_applies(sa, fl) || !atomic_read(&kn->natflow_count))
		return false;
	kipsec_natflow_key(&k, fl, false);
	f = rhashtable_lookup(&kn->natflows, &k, kipsec_natflow_params);
	if (!f || READ_ONCE(f->prot))
		return false;
	if (READ_ONCE(f->seen) != jiffies)
		WRITE_ONCE(f->seen, jiffies);
	return true;
}

static void kipsec_natflow_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* Forget idle flows; runs while the table has entries. */
static void kipsec_natflow_gc(struct work_struct *work)
{
	struct kipsec_net *kn = container_of(to_delayed_work(work),
					     struct kipsec_net, natflow_gc);
	unsigned long idle = READ_ONCE(natflow_idle_secs) * HZ;
	struct rhashtable_iter iter;
	struct kipsec_natflow *f;

	rhashtable_walk_enter(&kn->natflows, &iter);
	rhashtable_walk_start(&iter);
	while ((f = rhashtable_walk_next(&iter))) {
		if (IS_ERR(f))
			continue;
		if (time_after(jiffies, READ_ONCE(f->seen) + idle) &&
		    !rhashtable_remove_fast(&kn->natflows, &f->node,
					    kipsec_natflow_params)) {
			atomic_dec(&kn->natflow_count);
			kfree_rcu(f, rcu);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	if (atomic_read(&kn->natflow_count))
		queue_delayed_work(kipsec_wq, &kn->natflow_gc, HZ * 10);
}

int kipsec_natflow_init(struct kipsec_net *kn)
{
	atomic_set(&kn->natflow_count, 0);
	INIT_DELAYED_WORK(&kn->natflow_gc, kipsec_natflow_gc);
	return rhashtable_init(&kn->natflows, &kipsec_natflow_params);
}

/* Namespace exit, after the hooks are gone and a grace period passed. */
void kipsec_natflow_destroy(struct kipsec_net *kn)
{
	cancel_delayed_work_sync(&kn->natflow_gc);
	rhashtable_free_and_destroy(&kn->natflows, kipsec_natflow_free, NULL);
}
