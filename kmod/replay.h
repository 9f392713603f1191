/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-replay window (RFC 4303 section 3.4.3): one bitmap algorithm.
 *
 * A packet is checked twice: kipsec_replay_check() before decryption, to
 * avoid spending crypto on an obvious replay, and kipsec_replay_advance()
 * only after its ICV verified, which is the authoritative check and the
 * only place the window moves.
 */
#ifndef _KIPSEC_REPLAY_H
#define _KIPSEC_REPLAY_H

#include <linux/spinlock.h>
#include <linux/types.h>

#define KIPSEC_REPLAY_MAX	4096

/**
 * struct kipsec_replay - receive window of one SA
 * @lock: protects @top and @bitmap
 * @top: highest sequence number accepted so far (0: none yet)
 * @window: configured size in packets, 0 = replay protection off
 * @nbits: size of @bitmap in bits, @window rounded up to BITS_PER_LONG;
 *	bit (seq % @nbits) says whether seq was seen
 * @bitmap: the window, a ring indexed by sequence number
 */
struct kipsec_replay {
	spinlock_t lock;
	u64 top;
	u32 window;
	u32 nbits;
	unsigned long *bitmap;
};

int kipsec_replay_init(struct kipsec_replay *r, u32 window);
void kipsec_replay_destroy(struct kipsec_replay *r);
bool kipsec_replay_check(struct kipsec_replay *r, u64 seq);
bool kipsec_replay_advance(struct kipsec_replay *r, u64 seq);
u64 kipsec_replay_infer(const struct kipsec_replay *r, u32 lo);
void kipsec_replay_set_top(struct kipsec_replay *r, u64 top);
void kipsec_replay_note_drop(const struct kipsec_replay *r, u64 seq,
			     __be32 spi, const char *when);

static inline u64 kipsec_replay_top(const struct kipsec_replay *r)
{
	return READ_ONCE(r->top);
}

#endif /* _KIPSEC_REPLAY_H */
