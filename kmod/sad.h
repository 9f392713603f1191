/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Security Association Database.
 */
#ifndef _KIPSEC_SAD_H
#define _KIPSEC_SAD_H

#include <linux/crypto.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "addr.h"
#include "algs.h"
#include "replay.h"

/* inbound lookup key: the SA a received packet names (RFC 4301 4.1) */
struct kipsec_sa_key {
	union kipsec_addr daddr;
	__be32 spi;
	u8 proto;
	u8 family;
	u8 __pad[2];
};

/* outbound lookup key: the endpoints an SA protects traffic between */
struct kipsec_sa_pair {
	union kipsec_addr saddr;
	union kipsec_addr daddr;
	u8 proto;
	u8 family;
	u8 __pad[2];
};

/**
 * struct kipsec_tmpl - which SA a protect policy wants (RFC 4301 4.4.1.2)
 * @src: tunnel source; for transport mode, any = the packet's source
 * @dst: tunnel destination; for transport mode, any = the packet's dest.
 * @family: family of @src/@dst (0 when both are unset, transport mode)
 * @proto: IPPROTO_ESP or IPPROTO_AH
 * @mode: enum kipsec_mode
 * @reqid: 0 = any
 * @spi: 0 = any
 */
struct kipsec_tmpl {
	union kipsec_addr src;
	union kipsec_addr dst;
	u8 family;
	u8 proto;
	u8 mode;
	u32 reqid;
	__be32 spi;
};

/**
 * struct kipsec_txq - outbound packets leave in sequence-number order
 * @lock: protects the rest
 * @next: the sequence number to send next
 * @held: transformed packets waiting for an earlier one, by sequence
 * @busy: a CPU is sending from @held; others only add to it
 */
struct kipsec_txq {
	spinlock_t lock;
	u64 next;
	struct sk_buff_head held;
	bool busy;
};

/*
 * The peer address and UDP source port of an ESP-in-UDP SA's packets, as
 * last reported in a mapping event; @lock keeps the pair whole.
 */
struct kipsec_natt_mapping {
	spinlock_t lock;
	union kipsec_addr addr;
	__be16 port;
};

/* one set of lifetime limits; 0 = none */
struct kipsec_lifetime {
	u64 bytes;
	u64 packets;
	u64 add_secs;
	u64 use_secs;
};

struct kipsec_sa_stats {
	u64 rx_packets;
	u64 rx_bytes;
	u64 tx_packets;
	u64 tx_bytes;
	u64 auth_fail;
	u64 replay;
	u64 policy_fail;
	u64 errors;
};

/**
 * struct kipsec_sa - one security association
 * @byspi: node in kipsec_sad.byspi, keyed by @key (writers: kn->lock)
 * @bypair: on the list of @pair's node in kipsec_sad.bypair, newest first
 *	(RCU; writers: kn->lock)
 * @key: (daddr, spi, proto, family), immutable
 * @pair: (saddr, daddr, proto, family), immutable
 * @free_work: frees the SA a grace period after the last reference
 * @refcnt: one for the tables, one per packet in flight
 * @id: index in kipsec_sad.byid, dump order and resume point
 * @added: insertion order; outbound lookup prefers the newest SA
 * @reqid: request id, as in the policy template
 * @flags: enum kipsec_sa_flags
 * @mode: enum kipsec_mode
 * @state: enum kipsec_sa_state; immutable (a larval SA is replaced whole)
 * @icv_len: ICV length in bytes
 * @iv_len: ESP IV length in bytes
 * @align: ESP: payload and trailer end on a multiple of this
 * @tunnel_df: enum kipsec_df, IPv4 outer header in tunnel mode
 * @random_iv: ESP IVs are random (CBC), else the sequence number
 * @alg: the algorithms, by kind (enum kipsec_alg_kind), NULL where unused
 * @key_bits: key length of each algorithm in bits, salt included
 * @aead: ESP's transform, NULL for a larval SA; the only copy of the keys
 * @ahash: AH's transform
 * @life_node: node in kipsec_sad.life while the SA has limits (kn->lock)
 * @soft: soft limits: one expire event
 * @hard: hard limits: expire event, SA deleted
 * @add_time: wall-clock seconds when added
 * @use_time: first packet, 0 = none yet (packet path, racy but monotonic)
 * @last_use: latest packet (packet path)
 * @life_bytes: bytes counted against the limits (only with count limits)
 * @life_packets: packets counted against the limits (likewise)
 * @count_limits: byte or packet limits exist: count in @life_*
 * @soft_done: the soft event went out (kn->lock)
 * @dead: a hard limit was reached; packets no longer use the SA
 * @dead_reason: enum kipsec_expire_reason, set before @dead
 * @encap_type: enum kipsec_encap_type, immutable
 * @encap_ports: ESP-in-UDP source port << 16 | destination port, host
 *	order; SA_UPDATE may change it (one word: readers see a pair)
 * @mapped: the peer's NAT mapping last reported, natt.c (packet path)
 * @pmtu: outer path MTU learned from ICMP, 0 = none (pmtu.c)
 * @pmtu_expires: jiffies when @pmtu stops counting
 * @txq: puts transformed packets back in sequence order (output.c)
 * @seq_out: last sequence number sent
 * @stats: per-CPU counters
 * @replay: receive window, on its own cache line (written per packet)
 *
 * The layout keeps the SA within 512 bytes (kmalloc-512, half XFRM's
 * struct xfrm_state): holes filled, and @seq_out on @replay's line, as only
 * outbound SAs write the one and only inbound SAs the other.
 *
 * Everything but @seq_out, @stats and @replay is set before the SA is
 * published and never changes after; readers need only RCU or a reference.
 */
struct kipsec_sa {
	struct rhash_head byspi;
	struct list_head bypair;
	struct kipsec_sa_key key;
	struct kipsec_sa_pair pair;
	u32 pmtu;
	struct rcu_work free_work;
	refcount_t refcnt;
	u32 id;
	u64 added;
	u32 reqid;
	u32 flags;
	u8 mode;
	u8 state;
	u8 icv_len;
	u8 iv_len;
	u8 align;
	u8 tunnel_df;
	bool random_iv;
	u8 encap_type;
	const struct kipsec_alg *alg[3];
	u16 key_bits[3];
	bool count_limits;
	bool soft_done;
	struct crypto_aead *aead;
	struct crypto_ahash *ahash;
	struct list_head life_node;
	struct kipsec_lifetime soft;
	struct kipsec_lifetime hard;
	time64_t add_time;
	time64_t use_time;
	time64_t last_use;
	atomic64_t life_bytes;
	atomic64_t life_packets;
	int dead;
	u8 dead_reason;
	u32 encap_ports;
	struct kipsec_natt_mapping mapped;
	unsigned long pmtu_expires;
	struct kipsec_sa_stats __percpu *stats;
	struct kipsec_txq txq;
	/* one line for what each packet writes: an SA is used one way only */
	struct kipsec_replay replay ____cacheline_aligned_in_smp;
	atomic64_t seq_out;
};

/**
 * struct kipsec_sad - SA database of a namespace
 * @byspi: inbound lookups, RCU
 * @bypair: outbound lookups: a node per pair of endpoints (sad.c), RCU
 * @byid: every SA by id, for dumps
 * @next_id: cursor of the id allocator
 * @added: insertion counter
 * @count: number of SAs
 * @life: SAs with lifetime limits, for the expiry scan
 *
 * Writers hold kipsec_net.lock; packet-path readers hold rcu_read_lock.
 */
struct kipsec_sad {
	struct rhashtable byspi;
	struct rhashtable bypair;
	struct xarray byid;
	u32 next_id;
	u64 added;
	u32 count;
	struct list_head life;
};

extern struct workqueue_struct *kipsec_wq;

int kipsec_sad_init(struct kipsec_sad *sad);
void kipsec_sad_destroy(struct kipsec_sad *sad);

struct kipsec_sa *kipsec_sa_alloc(u32 replay_window);
void kipsec_sa_put(struct kipsec_sa *sa);

static inline bool kipsec_sa_hold(struct kipsec_sa *sa)
{
	return refcount_inc_not_zero(&sa->refcnt);
}

int kipsec_sad_insert(struct kipsec_sad *sad, struct kipsec_sa *sa);
int kipsec_sad_replace(struct kipsec_sad *sad, struct kipsec_sa *old,
		       struct kipsec_sa *sa);
void kipsec_sad_remove(struct kipsec_sad *sad, struct kipsec_sa *sa);

struct kipsec_sa *kipsec_sad_lookup(struct kipsec_sad *sad,
				    const struct kipsec_sa_key *key);
void kipsec_sad_out_pair(const struct kipsec_tmpl *t,
			 const struct kipsec_flow *fl, struct kipsec_sa_pair *pair);
struct kipsec_sa *kipsec_sad_find_out(struct kipsec_sad *sad,
				      const struct kipsec_tmpl *t,
				      const struct kipsec_sa_pair *pair);
bool kipsec_sa_has_limits(const struct kipsec_sa *sa);
bool kipsec_sa_matches_tmpl(const struct kipsec_sa *sa,
			    const struct kipsec_tmpl *t);
void kipsec_sa_read_stats(const struct kipsec_sa *sa,
			  struct kipsec_sa_stats *sum);

#endif /* _KIPSEC_SAD_H */
