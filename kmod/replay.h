/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-replay window (RFC 4303 section 3.4.3): one bitmap algorithm.
 *
 * A packet is checked twice: kipsec_replay_check() before decryption, to
 * avoid spending crypto on an obvious replay, and kipsec_replay_commit()
 * after its ICV was checked, which is the authoritative check and the only
 * place the window moves.
 *
 * Commits happen in the order the packets went to the crypto API, not the
 * order the crypto API finished them.  A transform may finish one packet
 * asynchronously (cryptd, when SIMD is unusable in that softirq) and the
 * next ones synchronously; committed as they finish, a late packet would
 * find the window moved past it and be dropped as a replay although
 * nothing but our own crypto reordered it.  Each packet therefore takes a
 * ticket before it is submitted (kipsec_replay_ticket()), and a finished
 * packet waits in @held until every packet with an earlier ticket is
 * committed.  One CPU at a time commits (@busy) and calls the packets'
 * done functions without the lock, as kipsec_output_ordered() sends.
 */
#ifndef _KIPSEC_REPLAY_H
#define _KIPSEC_REPLAY_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#define KIPSEC_REPLAY_MAX	4096

/**
 * struct kipsec_replay - receive window of one SA
 * @lock: protects everything below but @tickets
 * @busy: a CPU is committing packets (and calling their done functions)
 * @top: highest sequence number accepted so far (0: none yet)
 * @window: configured size in packets, 0 = replay protection off
 * @nbits: size of @bitmap in bits, @window rounded up to BITS_PER_LONG;
 *	bit (seq % @nbits) says whether seq was seen
 * @bitmap: the window, a ring indexed by sequence number
 * @held: finished packets waiting for earlier tickets, in ticket order
 * @next: the ticket to commit next
 * @tickets: the next ticket to hand out
 */
struct kipsec_replay {
	spinlock_t lock;
	bool busy;
	u64 top;
	u32 window;
	u32 nbits;
	unsigned long *bitmap;
	struct list_head held;
	u32 next;
	atomic_t tickets;
};

/**
 * struct kipsec_replay_item - a packet on its way to the window, inside
 *	the protocol's per-packet context
 * @node: in kipsec_replay.held
 * @seq: its (inferred) sequence number
 * @ticket: its place in the commit order
 * @authentic: its ICV verified; a packet that failed still gives up its
 *	ticket through kipsec_replay_commit(), without touching the window
 */
struct kipsec_replay_item {
	struct list_head node;
	u64 seq;
	u32 ticket;
	bool authentic;
};

/* called once per item, in ticket order; @fresh: accepted by the window */
typedef void (*kipsec_replay_done_t)(struct kipsec_replay_item *item,
				     bool fresh);

int kipsec_replay_init(struct kipsec_replay *r, u32 window);
void kipsec_replay_destroy(struct kipsec_replay *r);
bool kipsec_replay_check(struct kipsec_replay *r, u64 seq);
void kipsec_replay_ticket(struct kipsec_replay *r,
			  struct kipsec_replay_item *item, u64 seq);
void kipsec_replay_commit(struct kipsec_replay *r,
			  struct kipsec_replay_item *item, bool authentic,
			  kipsec_replay_done_t done);
u64 kipsec_replay_infer(const struct kipsec_replay *r, u32 lo);
void kipsec_replay_set_top(struct kipsec_replay *r, u64 top);
void kipsec_replay_note_drop(const struct kipsec_replay *r, u64 seq,
			     __be32 spi, const char *when);

static inline u64 kipsec_replay_top(const struct kipsec_replay *r)
{
	return READ_ONCE(r->top);
}

#endif /* _KIPSEC_REPLAY_H */
