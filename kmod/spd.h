/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Security Policy Database.
 */
#ifndef _KIPSEC_SPD_H
#define _KIPSEC_SPD_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>

#include "addr.h"
#include "sad.h"

#define KIPSEC_NR_DIRS	3

/**
 * struct kipsec_sel - traffic selector (RFC 4301 4.4.1.1)
 * @src: source prefix, host bits zero
 * @dst: destination prefix, host bits zero
 * @family: AF_INET or AF_INET6
 * @src_plen: source prefix length
 * @dst_plen: destination prefix length
 * @proto: IP protocol, 0 = any
 * @sport_min: source ports, inclusive range, host order (0-65535 = any)
 * @sport_max: see @sport_min
 * @dport_min: destination ports, likewise
 * @dport_max: see @dport_min
 * @icmp_type: ICMP type, -1 = any
 * @icmp_code: ICMP code, -1 = any
 */
struct kipsec_sel {
	union kipsec_addr src;
	union kipsec_addr dst;
	u8 family;
	u8 src_plen;
	u8 dst_plen;
	u8 proto;
	u16 sport_min;
	u16 sport_max;
	u16 dport_min;
	u16 dport_max;
	s16 icmp_type;
	s16 icmp_code;
};

struct kipsec_sa_hint;

struct kipsec_policy_stats {
	u64 packets;
	u64 bytes;
};

/**
 * struct kipsec_policy - one SPD entry
 * @list: in the list of its classifier node (the policies of @dir with
 *	the same shape and key, see spd.c), sorted by (@priority, @seq); RCU
 * @rcu: frees the policy after readers are done
 * @sel: the traffic it applies to
 * @tmpl: the SA it wants (action protect only)
 * @index: user-visible id, key of kipsec_spd.byindex
 * @priority: lower number wins
 * @seq: insertion order, breaks priority ties (older wins)
 * @dir: enum kipsec_dir
 * @action: enum kipsec_action
 * @stats: per-CPU packets/bytes matched
 * @add_time: wall-clock seconds when added
 * @last_use: wall-clock seconds of the latest match, 0 = never (packet
 *	path, racy but monotonic enough for idle timers)
 * @acquire_next: jiffies before which no ACQUIRE event is sent again
 *	(acquire.c; packet path, cmpxchg)
 * @sa_hint: the SA this protect policy last sent with (output.c; packet
 *	path, replaced with xchg, old ones freed after a grace period)
 *
 * Immutable once inserted except @stats, @last_use, @acquire_next and
 * @sa_hint.
 */
struct kipsec_policy {
	struct list_head list;
	struct rcu_head rcu;
	struct kipsec_sel sel;
	struct kipsec_tmpl tmpl;
	u32 index;
	u32 priority;
	u64 seq;
	u8 dir;
	u8 action;
	struct kipsec_policy_stats __percpu *stats;
	time64_t add_time;
	time64_t last_use;
	unsigned long acquire_next;
	struct kipsec_sa_hint __rcu *sa_hint;
};

struct kipsec_spd_shapes;

/**
 * struct kipsec_spd - SPD of a namespace
 * @shapes: per direction, the classifier's shapes (spd.c): an array
 *	replaced whole by writers (kn->lock), read under RCU; NULL = none
 * @byindex: every policy by index, for get/delete/dump
 * @next_index: cursor of the index allocator
 * @next_seq: insertion counter
 * @count: number of policies
 */
struct kipsec_spd {
	struct kipsec_spd_shapes __rcu *shapes[KIPSEC_NR_DIRS];
	struct xarray byindex;
	u32 next_index;
	u64 next_seq;
	u32 count;
};

void kipsec_spd_init(struct kipsec_spd *spd);
void kipsec_spd_destroy(struct kipsec_spd *spd);

struct kipsec_policy *kipsec_policy_alloc(void);
void kipsec_policy_free(struct kipsec_policy *pol);

int kipsec_spd_insert(struct kipsec_spd *spd, struct kipsec_policy *pol);
void kipsec_spd_remove(struct kipsec_spd *spd, struct kipsec_policy *pol);
struct kipsec_policy *kipsec_spd_find(struct kipsec_spd *spd, u8 dir,
				      const struct kipsec_sel *sel,
				      const u32 *priority, unsigned int *n);
struct kipsec_policy *kipsec_spd_lookup(struct kipsec_spd *spd, u8 dir,
					const struct kipsec_flow *fl);

bool kipsec_sel_equal(const struct kipsec_sel *a, const struct kipsec_sel *b);

/* Note the time of a use, writing the shared line once a second at most. */
static inline void kipsec_touch_time(time64_t *t)
{
	time64_t now = ktime_get_real_seconds();

	if (READ_ONCE(*t) != now)
		WRITE_ONCE(*t, now);
}

static inline void kipsec_policy_count(struct kipsec_policy *pol,
				       unsigned int len)
{
	struct kipsec_policy_stats *s = this_cpu_ptr(pol->stats);

	s->packets++;
	s->bytes += len;
	kipsec_touch_time(&pol->last_use);
}

void kipsec_policy_read_stats(const struct kipsec_policy *pol,
			      struct kipsec_policy_stats *sum);

#endif /* _KIPSEC_SPD_H */
