/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The life of an SA on the packet path: sequence numbers, use times,
 * lifetime limits (RFC 4301 4.4.2.1).
 */
#ifndef _KIPSEC_LIFETIME_H
#define _KIPSEC_LIFETIME_H

#include <linux/timekeeping.h>

#include "kipsec.h"

bool kipsec_sa_account_slow(struct kipsec_net *kn, struct kipsec_sa *sa,
			    unsigned int bytes);
void kipsec_sa_kill(struct kipsec_net *kn, struct kipsec_sa *sa, u8 reason);
void kipsec_life_kick(struct kipsec_net *kn);
void kipsec_life_work(struct work_struct *work);

/*
 * Count one packet of @bytes against @sa.  False: a hard limit is behind
 * the SA, the packet must not use it.
 */
static inline bool kipsec_sa_account(struct kipsec_net *kn,
				     struct kipsec_sa *sa, unsigned int bytes)
{
	time64_t now = ktime_get_real_seconds();

	if (unlikely(READ_ONCE(sa->dead)))
		return false;
	if (READ_ONCE(sa->last_use) != now) {
		WRITE_ONCE(sa->last_use, now);
		if (unlikely(!READ_ONCE(sa->use_time))) {
			WRITE_ONCE(sa->use_time, now);
			if (sa->soft.use_secs || sa->hard.use_secs)
				kipsec_life_kick(kn);
		}
	}
	if (sa->count_limits)
		return kipsec_sa_account_slow(kn, sa, bytes);
	return true;
}

/*
 * The next outbound sequence number.  Without ESN the 32-bit counter
 * never wraps (RFC 4303 3.3.3): at the end the SA dies, with a hard
 * expire event.
 */
static inline bool kipsec_sa_next_seq(struct kipsec_net *kn,
				      struct kipsec_sa *sa, u64 *seq)
{
	u64 limit = sa->flags & KIPSEC_SA_FLAG_ESN ? U64_MAX : U32_MAX;

	*seq = atomic64_inc_return(&sa->seq_out);
	if (likely(*seq <= limit && *seq))
		return true;
	atomic64_set(&sa->seq_out, limit);
	kipsec_stats_inc(kn, KIPSEC_STAT_TX_SEQ_OVERFLOW);
	kipsec_sa_kill(kn, sa, KIPSEC_EXPIRE_SEQ_OVERFLOW);
	return false;
}

#endif /* _KIPSEC_LIFETIME_H */
