// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes.  The packet path counts bytes and packets (only for SAs
 * with such limits) and notes the first and latest use; when a count
 * crosses a limit, or a sequence number space runs out, it marks the SA
 * and kicks the namespace's expiry work.  That work, in process context
 * under kn->lock, raises the expire events and deletes SAs past a hard
 * limit; it also watches the time limits, waking at the next deadline
 * (one-second resolution).
 *
 * A hard limit takes the SA out of use at once: the packet that finds it
 * used up (as in XFRM: a limit of N lets N packets through) is dropped
 * and marks the SA dead; outbound lookups skip a dead SA, inbound packets
 * for it are dropped and counted, even before the work removes it.
 */
#include <linux/kipsec.h>
#include <linux/workqueue.h>

#include "lifetime.h"
#include "netlink.h"

void kipsec_life_kick(struct kipsec_net *kn)
{
	mod_delayed_work(kipsec_wq, &kn->life_work, 0);
}

/* A hard limit was reached on the packet path: no more packets. */
void kipsec_sa_kill(struct kipsec_net *kn, struct kipsec_sa *sa, u8 reason)
{
	WRITE_ONCE(sa->dead_reason, reason);
	if (!xchg(&sa->dead, 1)) {
		WRITE_ONCE(kn->life_scan_all, true);
		kipsec_life_kick(kn);
	}
}

/* Did @count (after adding @n) just reach @limit? */
static bool kipsec_crossed(u64 count, u64 n, u64 limit)
{
	return limit && count >= limit && count - n < limit;
}

bool kipsec_sa_account_slow(struct kipsec_net *kn, struct kipsec_sa *sa,
			    unsigned int bytes)
{
	u64 p = atomic64_inc_return(&sa->life_packets);
	u64 b = atomic64_add_return(bytes, &sa->life_bytes);

	/*
	 * As with XFRM, a hard limit allows that many packets or bytes: the
	 * packet that finds it used up is dropped and ends the SA.
	 */
	if (sa->hard.packets && p > sa->hard.packets) {
		kipsec_sa_kill(kn, sa, KIPSEC_EXPIRE_PACKETS);
		return false;
	}
	if (sa->hard.bytes && b - bytes >= sa->hard.bytes) {
		kipsec_sa_kill(kn, sa, KIPSEC_EXPIRE_BYTES);
		return false;
	}
	if (kipsec_crossed(p, 1, sa->soft.packets) ||
	    kipsec_crossed(b, bytes, sa->soft.bytes))
		kipsec_life_kick(kn);
	return true;
}

/*
 * Which limit of @l has @sa reached by @now (-1: none)?  Byte and packet
 * counts only with @counts (hard ones end an SA on the packet path).
 * *@next becomes the earliest time limit still ahead.
 */
static int kipsec_life_reached(const struct kipsec_sa *sa,
			       const struct kipsec_lifetime *l, bool counts,
			       time64_t now, time64_t *next)
{
	time64_t use = READ_ONCE(sa->use_time), t;

	if (counts && l->bytes && atomic64_read(&sa->life_bytes) >= l->bytes)
		return KIPSEC_EXPIRE_BYTES;
	if (counts && l->packets &&
	    atomic64_read(&sa->life_packets) >= l->packets)
		return KIPSEC_EXPIRE_PACKETS;
	if (l->add_secs) {
		t = sa->add_time + min_t(u64, l->add_secs, S32_MAX);
		if (now >= t)
			return KIPSEC_EXPIRE_ADD_TIME;
		*next = min(*next, t);
	}
	if (l->use_secs && use) {
		t = use + min_t(u64, l->use_secs, S32_MAX);
		if (now >= t)
			return KIPSEC_EXPIRE_USE_TIME;
		*next = min(*next, t);
	}
	return -1;
}

/* Under kn->lock.  Returns true when @sa is gone. */
static bool kipsec_life_check(struct kipsec_net *kn, struct kipsec_sa *sa,
			      time64_t now, time64_t *next)
{
	int reason;

	if (READ_ONCE(sa->dead)) {
		reason = READ_ONCE(sa->dead_reason);
	} else {
		reason = kipsec_life_reached(sa, &sa->hard, false, now, next);
		if (reason >= 0)
			WRITE_ONCE(sa->dead, 1);
	}
	if (reason >= 0) {
		kipsec_nl_notify_expire(kn, sa, reason, true);
		kipsec_sad_remove(&kn->sad, sa);
		kipsec_net_changed(kn);
		return true;
	}
	if (!sa->soft_done) {
		reason = kipsec_life_reached(sa, &sa->soft, true, now, next);
		if (reason >= 0) {
			sa->soft_done = true;
			kipsec_nl_notify_expire(kn, sa, reason, false);
		}
	}
	return false;
}

void kipsec_life_work(struct work_struct *work)
{
	struct kipsec_net *kn = container_of(to_delayed_work(work),
					     struct kipsec_net, life_work);
	time64_t now = ktime_get_real_seconds(), next = TIME64_MAX;
	struct kipsec_sa *sa, *tmp;
	unsigned long id;

	mutex_lock(&kn->lock);
	if (READ_ONCE(kn->life_scan_all)) {
		/* a sequence number space ran out: that SA may have no limits */
		WRITE_ONCE(kn->life_scan_all, false);
		xa_for_each(&kn->sad.byid, id, sa)
			if (READ_ONCE(sa->dead) && list_empty(&sa->life_node))
				kipsec_life_check(kn, sa, now, &next);
	}
	list_for_each_entry_safe(sa, tmp, &kn->sad.life, life_node)
		kipsec_life_check(kn, sa, now, &next);
	/* (a kick meanwhile has queued it already, to run at once) */
	if (next != TIME64_MAX)
		queue_delayed_work(kipsec_wq, &kn->life_work,
				   next > now ? (next - now) * HZ : 0);
	mutex_unlock(&kn->lock);
}
