// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window.
 */
#include <linux/bitmap.h>
#include <linux/net.h>
#include <linux/slab.h>

#include "replay.h"

int kipsec_replay_init(struct kipsec_replay *r, u32 window)
{
	spin_lock_init(&r->lock);
	r->busy = false;
	INIT_LIST_HEAD(&r->held);
	r->next = 0;
	atomic_set(&r->tickets, 0);
	r->top = 0;
	r->window = window;
	r->nbits = 0;
	r->bitmap = NULL;
	if (!window)
		return 0;
	r->nbits = round_up(window, BITS_PER_LONG);
	r->bitmap = bitmap_zalloc(r->nbits, GFP_KERNEL);
	return r->bitmap ? 0 : -ENOMEM;
}

void kipsec_replay_destroy(struct kipsec_replay *r)
{
	/* every held packet holds a reference to the SA */
	WARN_ON_ONCE(!list_empty(&r->held));
	bitmap_free(r->bitmap);
	r->bitmap = NULL;
}

/* Caller holds r->lock, or accepts a racy answer (the pre-check). */
static bool kipsec_replay_ok(const struct kipsec_replay *r, u64 seq)
{
	u64 top = READ_ONCE(r->top);

	if (seq > top)
		return true;
	if (top - seq >= r->window)
		return false;
	return !test_bit(seq % r->nbits, r->bitmap);
}

/* Sequence number 0 is never sent (RFC 4303 3.3.3), so it is always bad. */
bool kipsec_replay_check(struct kipsec_replay *r, u64 seq)
{
	if (!seq)
		return false;
	if (!r->window)
		return true;
	return kipsec_replay_ok(r, seq);
}

/* the authoritative check, and the window moves; r->lock held */
static bool kipsec_replay_advance(struct kipsec_replay *r, u64 seq)
{
	u64 i, shift;

	if (!seq)
		return false;
	if (!r->window) {
		/* no window, but keep the highest number for `sa show` */
		if (seq > r->top)
			WRITE_ONCE(r->top, seq);
		return true;
	}
	if (!kipsec_replay_ok(r, seq))
		return false;
	if (seq > r->top) {
		/* forget the numbers that slide out of the window */
		shift = seq - r->top;
		if (shift >= r->nbits) {
			bitmap_zero(r->bitmap, r->nbits);
		} else {
			for (i = r->top + 1; i < seq; i++)
				clear_bit(i % r->nbits, r->bitmap);
		}
		WRITE_ONCE(r->top, seq);
	}
	set_bit(seq % r->nbits, r->bitmap);
	return true;
}

/* Before the packet goes to the crypto API, which must then finish it. */
void kipsec_replay_ticket(struct kipsec_replay *r,
			  struct kipsec_replay_item *item, u64 seq)
{
	item->seq = seq;
	item->ticket = atomic_inc_return(&r->tickets) - 1;
}

/*
 * The crypto API finished @item (@authentic: its ICV verified).  @done runs
 * for it, and for every held packet it was the last to wait for, in ticket
 * order, on this CPU or on the one already committing.  Bottom halves are
 * off (softirq, or a crypto completion), so @done may deliver the packet.
 */
void kipsec_replay_commit(struct kipsec_replay *r,
			  struct kipsec_replay_item *item, bool authentic,
			  kipsec_replay_done_t done)
{
	struct kipsec_replay_item *pos;
	bool fresh;

	item->authentic = authentic;
	spin_lock_bh(&r->lock);
	/* completions come nearly in order: look from the tail */
	list_for_each_entry_reverse(pos, &r->held, node)
		if ((s32)(pos->ticket - item->ticket) < 0)
			break;
	list_add(&item->node, &pos->node);
	if (r->busy) {
		spin_unlock_bh(&r->lock);
		return;
	}
	r->busy = true;
	while ((item = list_first_entry_or_null(&r->held,
						 struct kipsec_replay_item,
						 node)) &&
	       item->ticket == r->next) {
		list_del(&item->node);
		r->next++;
		fresh = item->authentic && kipsec_replay_advance(r, item->seq);
		spin_unlock_bh(&r->lock);
		done(item, fresh);
		spin_lock_bh(&r->lock);
	}
	r->busy = false;
	spin_unlock_bh(&r->lock);
}

/*
 * Extended sequence numbers (RFC 4303 appendix A2.2): only the low half
 * travels; the high half is the one that puts @lo inside or to the right
 * of the window.  Without a window, half the number space counts as
 * "behind".  The guess is checked by the ICV, which covers the high half.
 */
u64 kipsec_replay_infer(const struct kipsec_replay *r, u32 lo)
{
	u64 top = READ_ONCE(r->top);
	u32 th = top >> 32, tl = (u32)top;
	u32 w = r->window ?: 1U << 31;
	u32 bottom = tl - w + 1;	/* may wrap */

	if (tl >= w - 1) {
		/* the window lies within one epoch */
		if (lo < bottom)
			th++;
	} else if (lo >= bottom) {
		/* the window reaches into the previous epoch */
		if (th)
			th--;
	}
	return (u64)th << 32 | lo;
}

void kipsec_replay_set_top(struct kipsec_replay *r, u64 top)
{
	WRITE_ONCE(r->top, top);
}

/*
 * A refused sequence number, for dynamic debug (`module kipsec +p`): was it
 * a duplicate or behind the window, and how far?  rx_replay counts both;
 * this tells reordering from replays when the counter moves.  @when: at
 * which check, e.g. "before decryption".
 */
void kipsec_replay_note_drop(const struct kipsec_replay *r, u64 seq,
			     __be32 spi, const char *when)
{
	u64 top = READ_ONCE(r->top);

	net_dbg_ratelimited("kipsec: SA 0x%08x: sequence number %llu refused %s: %s, %llu below the highest (%llu), window %u\n",
			    ntohl(spi), seq, when,
			    !seq ? "zero" : top - seq < r->window ? "a duplicate" :
			    "behind the window", top - seq, top, r->window);
}
