// SPDX-License-Identifier: GPL-2.0
/*
 * Security Association Database: tables, lookups, life cycle of an SA.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <linux/slab.h>
#include <linux/kipsec.h>

#include "sad.h"

static const struct rhashtable_params kipsec_byspi_params = {
	.key_len = sizeof(struct kipsec_sa_key),
	.key_offset = offsetof(struct kipsec_sa, key),
	.head_offset = offsetof(struct kipsec_sa, byspi),
	.automatic_shrinking = true,
};

/*
 * Outbound lookups: one node per pair of endpoints, its SAs on an RCU list,
 * newest first (an SA is linked at the head when it gets the highest
 * kipsec_sa.added).  Removing an SA is O(1) however many share its pair;
 * an rhltable would walk its list, and a flush of n SAs to one peer would
 * take n^2/2 steps.
 */
struct kipsec_sa_pairs {
	struct rhash_head node;
	struct kipsec_sa_pair pair;
	struct list_head sas;
	struct rcu_head rcu;
};

static const struct rhashtable_params kipsec_bypair_params = {
	.key_len = sizeof(struct kipsec_sa_pair),
	.key_offset = offsetof(struct kipsec_sa_pairs, pair),
	.head_offset = offsetof(struct kipsec_sa_pairs, node),
	.automatic_shrinking = true,
};

int kipsec_sad_init(struct kipsec_sad *sad)
{
	int err;

	err = rhashtable_init(&sad->byspi, &kipsec_byspi_params);
	if (err)
		return err;
	err = rhashtable_init(&sad->bypair, &kipsec_bypair_params);
	if (err) {
		rhashtable_destroy(&sad->byspi);
		return err;
	}
	xa_init_flags(&sad->byid, XA_FLAGS_ALLOC1);
	sad->next_id = 0;
	sad->added = 0;
	sad->count = 0;
	INIT_LIST_HEAD(&sad->life);
	return 0;
}

/* The SAD must be empty: kipsec_sad_remove() every SA first. */
void kipsec_sad_destroy(struct kipsec_sad *sad)
{
	WARN_ON(sad->count);
	rhashtable_destroy(&sad->bypair);
	rhashtable_destroy(&sad->byspi);
	xa_destroy(&sad->byid);
}

static void kipsec_sa_free_work(struct work_struct *work)
{
	struct kipsec_sa *sa = container_of(to_rcu_work(work),
					    struct kipsec_sa, free_work);

	/* the crypto API frees transforms with kfree_sensitive() */
	if (sa->aead)
		crypto_free_aead(sa->aead);
	if (sa->ahash)
		crypto_free_ahash(sa->ahash);
	/* every sequence number handed out was sent or dropped */
	WARN_ON_ONCE(!skb_queue_empty(&sa->txq.held));
	kipsec_replay_destroy(&sa->replay);
	free_percpu(sa->stats);
	kfree_sensitive(sa);
}

struct kipsec_sa *kipsec_sa_alloc(u32 replay_window)
{
	struct kipsec_sa *sa;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return NULL;
	sa->stats = alloc_percpu(struct kipsec_sa_stats);
	if (!sa->stats)
		goto err;
	if (kipsec_replay_init(&sa->replay, replay_window))
		goto err;
	refcount_set(&sa->refcnt, 1);
	INIT_LIST_HEAD(&sa->life_node);
	sa->add_time = ktime_get_real_seconds();
	spin_lock_init(&sa->txq.lock);
	spin_lock_init(&sa->mapped.lock);
	__skb_queue_head_init(&sa->txq.held);
	sa->txq.next = 1;
	INIT_RCU_WORK(&sa->free_work, kipsec_sa_free_work);
	return sa;
err:
	free_percpu(sa->stats);
	kfree(sa);
	return NULL;
}

/*
 * The last reference may go in softirq (a packet finishing); freeing the
 * transform may sleep, so it happens in process context, after a grace
 * period for RCU readers that found the SA in a table.
 */
void kipsec_sa_put(struct kipsec_sa *sa)
{
	if (refcount_dec_and_test(&sa->refcnt))
		queue_rcu_work(kipsec_wq, &sa->free_work);
}

/* Link @sa at the head of its pair's list (writers). */
static int kipsec_sad_link_pair(struct kipsec_sad *sad, struct kipsec_sa *sa)
{
	struct kipsec_sa_pairs *p;
	int err;

	p = rhashtable_lookup_fast(&sad->bypair, &sa->pair, kipsec_bypair_params);
	if (!p) {
		p = kmalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		p->pair = sa->pair;
		INIT_LIST_HEAD(&p->sas);
		err = rhashtable_insert_fast(&sad->bypair, &p->node,
					     kipsec_bypair_params);
		if (err) {
			kfree(p);
			return err;
		}
	}
	list_add_rcu(&sa->bypair, &p->sas);
	return 0;
}

/* Unlink @sa; the last SA of a pair takes the node with it (writers). */
static void kipsec_sad_unlink_pair(struct kipsec_sad *sad,
				   struct kipsec_sa *sa)
{
	struct kipsec_sa_pairs *p;

	p = rhashtable_lookup_fast(&sad->bypair, &sa->pair, kipsec_bypair_params);
	list_del_rcu(&sa->bypair);
	if (p && list_empty(&p->sas)) {
		rhashtable_remove_fast(&sad->bypair, &p->node,
				       kipsec_bypair_params);
		kfree_rcu(p, rcu);
	}
}

int kipsec_sad_insert(struct kipsec_sad *sad, struct kipsec_sa *sa)
{
	int err;

	err = xa_alloc_cyclic(&sad->byid, &sa->id, sa, xa_limit_32b,
			      &sad->next_id, GFP_KERNEL);
	if (err < 0)
		return err;
	err = rhashtable_lookup_insert_fast(&sad->byspi, &sa->byspi,
					    kipsec_byspi_params);
	if (err)
		goto err_id;
	err = kipsec_sad_link_pair(sad, sa);
	if (err)
		goto err_spi;
	sa->added = ++sad->added;
	sad->count++;
	if (kipsec_sa_has_limits(sa))
		list_add_tail(&sa->life_node, &sad->life);
	return 0;

err_spi:
	rhashtable_remove_fast(&sad->byspi, &sa->byspi, kipsec_byspi_params);
err_id:
	xa_erase(&sad->byid, sa->id);
	return err;
}

/* Drops the tables' reference. */
void kipsec_sad_remove(struct kipsec_sad *sad, struct kipsec_sa *sa)
{
	rhashtable_remove_fast(&sad->byspi, &sa->byspi, kipsec_byspi_params);
	kipsec_sad_unlink_pair(sad, sa);
	xa_erase(&sad->byid, sa->id);
	list_del_init(&sa->life_node);
	sad->count--;
	kipsec_sa_put(sa);
}

/*
 * Put @sa in the place of @old (same key), as one step for lookups:
 * rhashtable_replace_fast() swaps the node, so a reader finds one or the
 * other, never none.  @old loses the tables' reference.
 */
int kipsec_sad_replace(struct kipsec_sad *sad, struct kipsec_sa *old,
		       struct kipsec_sa *sa)
{
	int err;

	err = kipsec_sad_link_pair(sad, sa);
	if (err)
		return err;
	err = rhashtable_replace_fast(&sad->byspi, &old->byspi, &sa->byspi,
				      kipsec_byspi_params);
	if (err) {
		kipsec_sad_unlink_pair(sad, sa);
		return err;
	}
	kipsec_sad_unlink_pair(sad, old);
	sa->id = old->id;
	xa_store(&sad->byid, sa->id, sa, GFP_KERNEL);
	sa->added = ++sad->added;
	list_del_init(&old->life_node);
	if (kipsec_sa_has_limits(sa))
		list_add_tail(&sa->life_node, &sad->life);
	kipsec_sa_put(old);
	return 0;
}

/* RCU read side; no reference taken. */
struct kipsec_sa *kipsec_sad_lookup(struct kipsec_sad *sad,
				    const struct kipsec_sa_key *key)
{
	return rhashtable_lookup(&sad->byspi, key, kipsec_byspi_params);
}

bool kipsec_sa_has_limits(const struct kipsec_sa *sa)
{
	static const struct kipsec_lifetime none;

	return memcmp(&sa->soft, &none, sizeof(none)) ||
	       memcmp(&sa->hard, &none, sizeof(none));
}

bool kipsec_sa_matches_tmpl(const struct kipsec_sa *sa,
			    const struct kipsec_tmpl *t)
{
	if (sa->key.proto != t->proto || sa->mode != t->mode)
		return false;
	if (t->reqid && sa->reqid != t->reqid)
		return false;
	if (t->spi && sa->key.spi != t->spi)
		return false;
	if (!t->family)
		return true;
	if (sa->key.family != t->family)
		return false;
	if (!kipsec_addr_any(&t->src, t->family) &&
	    !kipsec_addr_equal(&t->src, &sa->pair.saddr, t->family))
		return false;
	if (!kipsec_addr_any(&t->dst, t->family) &&
	    !kipsec_addr_equal(&t->dst, &sa->key.daddr, t->family))
		return false;
	return true;
}

/*
 * The endpoints of the SA a protect policy's template selects for @fl:
 * the template's, where it names them, else the packet's (transport mode).
 */
void kipsec_sad_out_pair(const struct kipsec_tmpl *t,
			 const struct kipsec_flow *fl, struct kipsec_sa_pair *pair)
{
	u8 family = t->family ? t->family : fl->family;

	memset(pair, 0, sizeof(*pair));
	pair->family = family;
	pair->proto = t->proto;
	if (t->family && !kipsec_addr_any(&t->src, family))
		pair->saddr = t->src;
	else
		pair->saddr = fl->saddr;
	if (t->family && !kipsec_addr_any(&t->dst, family))
		pair->daddr = t->dst;
	else
		pair->daddr = fl->daddr;
}

/*
 * The SA to send with, for a protect policy's template: a valid SA between
 * the endpoints @pair (kipsec_sad_out_pair()) that the template accepts.
 * Where several qualify (a rekey in progress), the newest wins: the first
 * on the pair's list.  This may walk every SA between the two endpoints;
 * the packet path asks a policy's remembered answer first (output.c).
 * RCU read side.
 */
struct kipsec_sa *kipsec_sad_find_out(struct kipsec_sad *sad,
				      const struct kipsec_tmpl *t,
				      const struct kipsec_sa_pair *pair)
{
	struct kipsec_sa_pairs *p;
	struct kipsec_sa *sa;

	p = rhashtable_lookup(&sad->bypair, pair, kipsec_bypair_params);
	if (!p)
		return NULL;
	list_for_each_entry_rcu(sa, &p->sas, bypair) {
		if (sa->state != KIPSEC_SA_STATE_VALID || READ_ONCE(sa->dead))
			continue;
		if (kipsec_sa_matches_tmpl(sa, t))
			return sa;
	}
	return NULL;
}

void kipsec_sa_read_stats(const struct kipsec_sa *sa,
			  struct kipsec_sa_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct kipsec_sa_stats *s = per_cpu_ptr(sa->stats, cpu);

		sum->rx_packets += READ_ONCE(s->rx_packets);
		sum->rx_bytes += READ_ONCE(s->rx_bytes);
		sum->tx_packets += READ_ONCE(s->tx_packets);
		sum->tx_bytes += READ_ONCE(s->tx_bytes);
		sum->auth_fail += READ_ONCE(s->auth_fail);
		sum->replay += READ_ONCE(s->replay);
		sum->policy_fail += READ_ONCE(s->policy_fail);
		sum->errors += READ_ONCE(s->errors);
	}
}
