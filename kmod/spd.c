// SPDX-License-Identifier: GPL-2.0
/*
 * Security Policy Database: a tuple-space classifier, first match wins.
 *
 * The answer is the matching policy with the lowest priority number, the
 * oldest (lowest insertion seq) among equals.  Policies are grouped by
 * "shape", the part of a selector that is a mask:
 *
 *	(family, src prefix length, dst prefix length,
 *	 protocol given?, single destination port?)
 *
 * "single destination port" means a protocol is given and dport_min ==
 * dport_max.  Every shape owns an rhashtable of nodes; a node's key is a
 * selector's values under that mask (source and destination prefix, the
 * protocol if given, the port if single) and the node holds the policies
 * with exactly that key in an RCU list sorted by (priority, seq).  What the
 * key leaves out (port ranges, source ports, ICMP type and code, the IPv6
 * ND/MLD rule) is checked by kipsec_sel_match() while walking that list,
 * which is usually one policy long.
 *
 * A lookup masks the flow with each shape of its direction, looks the key
 * up (one hash, one bucket) and takes the first policy of the node that
 * matches; the best over all shapes wins.  The cost is O(shapes), not
 * O(policies): 100k host-pair policies are one shape, src-any policies to
 * /16../32 destinations with single ports or ranges at most 34, and a
 * shape with a protocol is skipped with one bit test when no policy of it
 * accepts the packet's destination port (a 64 Kibit map set on insert,
 * cleared only with the shape: stale bits cost a useless hash lookup,
 * never a wrong answer).  Shapes sit
 * in a copy-on-write array sorted by a lower bound of their policies'
 * priorities, so the walk stops at the first shape whose bound is worse
 * than the best match found.  The bound only goes down while the shape
 * lives (removing its best policy leaves it low): it stays a lower bound,
 * which is all the early exit needs, and it is exact again once the shape
 * empties and goes away.
 *
 * Writers (kn->lock): insert and find cost O(shapes) to find the shape (a
 * scan of the array) plus one hash lookup plus the node's list; the array
 * is rebuilt only when a shape appears, disappears or its bound drops, so
 * installing N policies of a few shapes costs O(N).  Nothing is moved in a
 * list readers walk: a policy is linked once at its place and unlinked once.
 * A node emptied is freed after a grace period (kfree_rcu); a shape emptied
 * leaves the array and is destroyed by an rcu_work (rhashtable_destroy()
 * sleeps).  If the smaller array cannot be allocated the empty shape stays
 * (it is harmless, reused by the next policy of its shape, and dropped by
 * the next rebuild or kipsec_spd_destroy()).
 *
 * Memory: the policy itself gains nothing; a node (~80 bytes) per distinct
 * key, and a shape (an rhashtable, a few hundred bytes, plus 8 KiB of port
 * map when it has a protocol) per distinct mask.
 * The classic weakness of tuple-space search is a set of selectors using
 * very many distinct masks (every prefix length pair): the lookup is then
 * linear in the number of masks, never in the number of policies.
 */
#include <linux/bitmap.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/ip.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/kipsec.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "compat.h"
#include "spd.h"

/*
 * The values of a selector (or a flow) under a shape's mask.  No padding:
 * the rhashtable hashes and compares it as bytes, built from a zeroed key.
 */
struct kipsec_spd_key {
	union kipsec_addr src;
	union kipsec_addr dst;
	u8 proto;	/* 0 unless the shape gives a protocol */
	u8 zero;
	u16 dport;	/* 0 unless the shape gives a single port */
};

/**
 * struct kipsec_spd_node - the policies of one shape with one key
 * @hnode: in kipsec_spd_shape.nodes
 * @key: the masked values all of @pols share
 * @pols: kipsec_policy.list, sorted by (priority, seq); RCU readers,
 *	writers kn->lock
 * @rcu: frees the node after readers are done
 */
struct kipsec_spd_node {
	struct rhash_head hnode;
	struct kipsec_spd_key key;
	struct list_head pols;
	struct rcu_head rcu;
};

/**
 * struct kipsec_spd_mask - what makes a shape
 * @family: AF_INET or AF_INET6
 * @src_plen: source prefix length
 * @dst_plen: destination prefix length
 * @proto: the key has the protocol
 * @dport: the key has a single destination port (implies @proto)
 */
struct kipsec_spd_mask {
	u8 family;
	u8 src_plen;
	u8 dst_plen;
	bool proto;
	bool dport;
};

/**
 * struct kipsec_spd_shape - the policies of one direction and mask
 * @nodes: kipsec_spd_node by key (rhashtable: RCU readers, writers kn->lock)
 * @mask: immutable
 * @count: policies in @nodes (kn->lock)
 * @bound: no policy in @nodes has a lower priority number (kn->lock;
 *	readers use the copy in the array)
 * @free_work: destroys @nodes after the grace period that follows the
 *	shape's removal from the array
 * @dports: shapes with a protocol: every destination port some policy of
 *	the shape accepts has its bit set (before the policy is linked); bits
 *	are never cleared, so a clear bit proves no policy can match.  NULL
 *	for shapes without a protocol.
 */
struct kipsec_spd_shape {
	struct rhashtable nodes;
	struct kipsec_spd_mask mask;
	u32 count;
	u32 bound;
	struct rcu_work free_work;
	unsigned long *dports;
};

/**
 * struct kipsec_spd_shapes - the shapes of one direction, immutable
 * @rcu: frees the array after readers are done
 * @n: entries in @slot
 * @slot: sorted by @slot.bound; @slot.family copies the shape's so that
 *	a lookup skips the other family without touching the shape
 */
struct kipsec_spd_shapes {
	struct rcu_head rcu;
	unsigned int n;
	struct kipsec_spd_slot {
		u32 bound;
		u8 family;
		struct kipsec_spd_shape *shape;
	} slot[];
};

static const struct rhashtable_params kipsec_spd_node_params = {
	.key_len = sizeof(struct kipsec_spd_key),
	.key_offset = offsetof(struct kipsec_spd_node, key),
	.head_offset = offsetof(struct kipsec_spd_node, hnode),
	.automatic_shrinking = true,
};

static struct kipsec_spd_shapes *kipsec_spd_shapes(struct kipsec_spd *spd,
						   u8 dir)
{
	/* writers hold kn->lock, which the SPD does not know about */
	return rcu_dereference_protected(spd->shapes[dir], true);
}

static void kipsec_spd_mask_of(struct kipsec_spd_mask *m,
			       const struct kipsec_sel *sel)
{
	m->family = sel->family;
	m->src_plen = sel->src_plen;
	m->dst_plen = sel->dst_plen;
	m->proto = sel->proto != 0;
	m->dport = sel->proto && sel->dport_min == sel->dport_max;
}

static bool kipsec_spd_mask_equal(const struct kipsec_spd_mask *a,
				  const struct kipsec_spd_mask *b)
{
	return a->family == b->family && a->src_plen == b->src_plen &&
	       a->dst_plen == b->dst_plen && a->proto == b->proto &&
	       a->dport == b->dport;
}

/* A selector's key (its prefixes are masked already). */
static void kipsec_spd_key_of_sel(struct kipsec_spd_key *k,
				  const struct kipsec_spd_mask *m,
				  const struct kipsec_sel *sel)
{
	memset(k, 0, sizeof(*k));
	k->src = sel->src;
	k->dst = sel->dst;
	if (m->proto)
		k->proto = sel->proto;
	if (m->dport)
		k->dport = sel->dport_min;
}

/* A flow's key under @m; false if no selector of that shape can match. */
static bool kipsec_spd_key_of_flow(struct kipsec_spd_key *k,
				   const struct kipsec_spd_mask *m,
				   const struct kipsec_flow *fl)
{
	if (m->dport && !fl->has_ports)
		return false;
	memset(k, 0, sizeof(*k));
	k->src = fl->saddr;
	k->dst = fl->daddr;
	kipsec_addr_mask(&k->src, m->family, m->src_plen);
	kipsec_addr_mask(&k->dst, m->family, m->dst_plen);
	if (m->proto)
		k->proto = fl->proto;
	if (m->dport)
		k->dport = fl->dport;
	return true;
}

static void kipsec_spd_shape_free_work(struct work_struct *work)
{
	struct kipsec_spd_shape *shape =
		container_of(to_rcu_work(work), struct kipsec_spd_shape,
			     free_work);

	WARN_ON(shape->count);
	rhashtable_destroy(&shape->nodes);
	bitmap_free(shape->dports);
	kfree(shape);
}

static struct kipsec_spd_shape *
kipsec_spd_shape_alloc(const struct kipsec_spd_mask *m)
{
	struct kipsec_spd_shape *shape;

	shape = kzalloc(sizeof(*shape), GFP_KERNEL);
	if (!shape)
		return NULL;
	if (m->proto) {
		shape->dports = bitmap_zalloc(65536, GFP_KERNEL);
		if (!shape->dports) {
			kfree(shape);
			return NULL;
		}
	}
	if (rhashtable_init(&shape->nodes, &kipsec_spd_node_params)) {
		bitmap_free(shape->dports);
		kfree(shape);
		return NULL;
	}
	shape->mask = *m;
	shape->bound = U32_MAX;
	INIT_RCU_WORK(&shape->free_work, kipsec_spd_shape_free_work);
	return shape;
}

/* The shape of @m in @arr, if any (empty ones included). */
static struct kipsec_spd_shape *
kipsec_spd_shape_find(const struct kipsec_spd_shapes *arr,
		      const struct kipsec_spd_mask *m)
{
	unsigned int i;

	for (i = 0; arr && i < arr->n; i++)
		if (kipsec_spd_mask_equal(&arr->slot[i].shape->mask, m))
			return arr->slot[i].shape;
	return NULL;
}

static int kipsec_spd_slot_cmp(const void *a, const void *b)
{
	const struct kipsec_spd_slot *x = a, *y = b;

	if (x->bound != y->bound)
		return x->bound < y->bound ? -1 : 1;
	return 0;
}

/*
 * A new array for @arr: the shapes that have policies, plus @shape (which
 * is about to get one) with @bound; sorted.  Not published yet.
 */
static struct kipsec_spd_shapes *
kipsec_spd_shapes_build(const struct kipsec_spd_shapes *arr,
			struct kipsec_spd_shape *shape, u32 bound)
{
	struct kipsec_spd_shapes *new;
	unsigned int i, n = 0, max = (arr ? arr->n : 0) + 1;

	new = kmalloc(struct_size(new, slot, max), GFP_KERNEL);
	if (!new)
		return NULL;
	for (i = 0; arr && i < arr->n; i++) {
		struct kipsec_spd_shape *s = arr->slot[i].shape;

		if (s == shape || !s->count)
			continue;
		new->slot[n].bound = s->bound;
		new->slot[n].family = s->mask.family;
		new->slot[n++].shape = s;
	}
	if (shape) {
		new->slot[n].bound = bound;
		new->slot[n].family = shape->mask.family;
		new->slot[n++].shape = shape;
	}
	new->n = n;
	sort(new->slot, n, sizeof(new->slot[0]), kipsec_spd_slot_cmp, NULL);
	return new;
}

/*
 * Publish @new in place of @old; the shapes of @old that @new left out
 * (empty ones) are destroyed after a grace period.
 */
static void kipsec_spd_shapes_publish(struct kipsec_spd *spd, u8 dir,
				      struct kipsec_spd_shapes *old,
				      struct kipsec_spd_shapes *new)
{
	unsigned int i, j;

	rcu_assign_pointer(spd->shapes[dir], new);
	for (i = 0; old && i < old->n; i++) {
		struct kipsec_spd_shape *s = old->slot[i].shape;

		for (j = 0; new && j < new->n; j++)
			if (new->slot[j].shape == s)
				break;
		if (!new || j == new->n)
			queue_rcu_work(kipsec_wq, &s->free_work);
	}
	if (old)
		kfree_rcu(old, rcu);
}

void kipsec_spd_init(struct kipsec_spd *spd)
{
	int i;

	for (i = 0; i < KIPSEC_NR_DIRS; i++)
		RCU_INIT_POINTER(spd->shapes[i], NULL);
	xa_init_flags(&spd->byindex, XA_FLAGS_ALLOC1);
	spd->next_index = 0;
	spd->next_seq = 0;
	spd->count = 0;
}

/* The SPD must be empty: kipsec_spd_remove() every policy first. */
void kipsec_spd_destroy(struct kipsec_spd *spd)
{
	int i;

	WARN_ON(spd->count);
	/* shapes left empty by a failed rebuild */
	for (i = 0; i < KIPSEC_NR_DIRS; i++)
		kipsec_spd_shapes_publish(spd, i, kipsec_spd_shapes(spd, i),
					  NULL);
	xa_destroy(&spd->byindex);
}

struct kipsec_policy *kipsec_policy_alloc(void)
{
	struct kipsec_policy *pol;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return NULL;
	pol->stats = alloc_percpu(struct kipsec_policy_stats);
	if (!pol->stats) {
		kfree(pol);
		return NULL;
	}
	pol->add_time = ktime_get_real_seconds();
	return pol;
}

void kipsec_policy_free(struct kipsec_policy *pol)
{
	/* readers are done with the policy, and so with its hint */
	kfree(rcu_dereference_protected(pol->sa_hint, true));
	free_percpu(pol->stats);
	kfree(pol);
}

static void kipsec_policy_free_rcu(struct rcu_head *head)
{
	kipsec_policy_free(container_of(head, struct kipsec_policy, rcu));
}

/*
 * Everything that can fail happens before the policy is linked: shape,
 * node and array are allocated (a new node is visible to readers, but
 * empty), then the index; linking and publishing cannot fail.
 */
int kipsec_spd_insert(struct kipsec_spd *spd, struct kipsec_policy *pol)
{
	struct kipsec_spd_shapes *arr = kipsec_spd_shapes(spd, pol->dir);
	struct kipsec_spd_shapes *new = NULL;
	struct kipsec_spd_shape *shape;
	struct kipsec_spd_node *node;
	struct kipsec_policy *pos;
	struct kipsec_spd_mask m;
	struct kipsec_spd_key k;
	bool new_shape = false, new_node = false;
	int err;

	kipsec_spd_mask_of(&m, &pol->sel);
	shape = kipsec_spd_shape_find(arr, &m);
	if (!shape) {
		shape = kipsec_spd_shape_alloc(&m);
		if (!shape)
			return -ENOMEM;
		new_shape = true;
	}
	kipsec_spd_key_of_sel(&k, &m, &pol->sel);
	node = rhashtable_lookup_fast(&shape->nodes, &k,
				      kipsec_spd_node_params);
	if (!node) {
		err = -ENOMEM;
		node = kzalloc(sizeof(*node), GFP_KERNEL);
		if (!node)
			goto err_shape;
		node->key = k;
		INIT_LIST_HEAD(&node->pols);
		err = rhashtable_insert_fast(&shape->nodes, &node->hnode,
					     kipsec_spd_node_params);
		if (err) {
			kfree(node);
			goto err_shape;
		}
		new_node = true;
	}
	if (new_shape || pol->priority < shape->bound) {
		err = -ENOMEM;
		new = kipsec_spd_shapes_build(arr, shape,
					      min(pol->priority, shape->bound));
		if (!new)
			goto err_node;
	}
	err = xa_alloc_cyclic(&spd->byindex, &pol->index, pol, xa_limit_32b,
			      &spd->next_index, GFP_KERNEL);
	if (err < 0)
		goto err_new;
	pol->seq = ++spd->next_seq;
	/*
	 * The bound and the port map are in place before the policy can be
	 * found (list_add_tail_rcu() orders), so that a reader never skips
	 * the shape for a policy it could see.
	 */
	if (new) {
		shape->bound = min(pol->priority, shape->bound);
		kipsec_spd_shapes_publish(spd, pol->dir, arr, new);
	}
	if (shape->dports)
		bitmap_set(shape->dports, pol->sel.dport_min,
			   pol->sel.dport_max - pol->sel.dport_min + 1);

	/* before the first policy of a higher number: ties keep their order */
	list_for_each_entry(pos, &node->pols, list) {
		if (pos->priority > pol->priority) {
			list_add_tail_rcu(&pol->list, &pos->list);
			goto linked;
		}
	}
	list_add_tail_rcu(&pol->list, &node->pols);
linked:
	shape->count++;
	spd->count++;
	return 0;

err_new:
	kfree(new);
err_node:
	if (new_node) {
		rhashtable_remove_fast(&shape->nodes, &node->hnode,
				       kipsec_spd_node_params);
		kfree_rcu(node, rcu);
	}
err_shape:
	if (new_shape) {
		/* never published: no reader saw it */
		rhashtable_destroy(&shape->nodes);
		bitmap_free(shape->dports);
		kfree(shape);
	}
	return err;
}

void kipsec_spd_remove(struct kipsec_spd *spd, struct kipsec_policy *pol)
{
	struct kipsec_spd_shapes *arr = kipsec_spd_shapes(spd, pol->dir);
	struct kipsec_spd_shapes *new;
	struct kipsec_spd_shape *shape;
	struct kipsec_spd_node *node;
	struct kipsec_spd_mask m;
	struct kipsec_spd_key k;

	kipsec_spd_mask_of(&m, &pol->sel);
	shape = kipsec_spd_shape_find(arr, &m);
	kipsec_spd_key_of_sel(&k, &m, &pol->sel);
	node = rhashtable_lookup_fast(&shape->nodes, &k,
				      kipsec_spd_node_params);

	list_del_rcu(&pol->list);
	xa_erase(&spd->byindex, pol->index);
	spd->count--;

	if (list_empty(&node->pols)) {
		rhashtable_remove_fast(&shape->nodes, &node->hnode,
				       kipsec_spd_node_params);
		kfree_rcu(node, rcu);
	}
	if (!--shape->count) {
		/* no memory: the empty shape stays until the next rebuild */
		new = kipsec_spd_shapes_build(arr, NULL, 0);
		if (new)
			kipsec_spd_shapes_publish(spd, pol->dir, arr, new);
	}
	/* last: we are no RCU reader, the policy may go any time after */
	call_rcu(&pol->rcu, kipsec_policy_free_rcu);
}

bool kipsec_sel_equal(const struct kipsec_sel *a, const struct kipsec_sel *b)
{
	return a->family == b->family &&
	       a->src_plen == b->src_plen && a->dst_plen == b->dst_plen &&
	       kipsec_addr_equal(&a->src, &b->src, a->family) &&
	       kipsec_addr_equal(&a->dst, &b->dst, a->family) &&
	       a->proto == b->proto &&
	       a->sport_min == b->sport_min && a->sport_max == b->sport_max &&
	       a->dport_min == b->dport_min && a->dport_max == b->dport_max &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
}

/*
 * The policy of @dir with selector @sel (and @priority, when given).  Writers
 * only (kn->lock).  *@n tells how many matched; the first is returned.  Equal
 * selectors have the same shape and key: one node holds them all.
 */
struct kipsec_policy *kipsec_spd_find(struct kipsec_spd *spd, u8 dir,
				      const struct kipsec_sel *sel,
				      const u32 *priority, unsigned int *n)
{
	struct kipsec_policy *pol, *found = NULL;
	struct kipsec_spd_shape *shape;
	struct kipsec_spd_node *node;
	struct kipsec_spd_mask m;
	struct kipsec_spd_key k;

	*n = 0;
	kipsec_spd_mask_of(&m, sel);
	shape = kipsec_spd_shape_find(kipsec_spd_shapes(spd, dir), &m);
	if (!shape)
		return NULL;
	kipsec_spd_key_of_sel(&k, &m, sel);
	node = rhashtable_lookup_fast(&shape->nodes, &k,
				      kipsec_spd_node_params);
	if (!node)
		return NULL;
	list_for_each_entry(pol, &node->pols, list) {
		if (priority && pol->priority != *priority)
			continue;
		if (!kipsec_sel_equal(&pol->sel, sel))
			continue;
		if (!found)
			found = pol;
		(*n)++;
	}
	return found;
}

static bool kipsec_ports_any(u16 min, u16 max)
{
	return min == 0 && max == 0xffff;
}

static bool kipsec_sel_match(const struct kipsec_sel *s,
			     const struct kipsec_flow *fl)
{
	if (s->family != fl->family)
		return false;
	/* ND and MLD: only for a selector that names ipv6-icmp */
	if (fl->link_ctl && s->proto != IPPROTO_ICMPV6)
		return false;
	if (!kipsec_addr_in(&fl->daddr, &s->dst, fl->family, s->dst_plen) ||
	    !kipsec_addr_in(&fl->saddr, &s->src, fl->family, s->src_plen))
		return false;
	if (!s->proto)
		return true;
	if (s->proto != fl->proto)
		return false;
	if (!kipsec_ports_any(s->sport_min, s->sport_max) ||
	    !kipsec_ports_any(s->dport_min, s->dport_max)) {
		if (!fl->has_ports)
			return false;
		if (fl->sport < s->sport_min || fl->sport > s->sport_max ||
		    fl->dport < s->dport_min || fl->dport > s->dport_max)
			return false;
	}
	if (s->icmp_type >= 0) {
		if (!fl->has_icmp || fl->icmp_type != s->icmp_type)
			return false;
		if (s->icmp_code >= 0 && fl->icmp_code != s->icmp_code)
			return false;
	}
	return true;
}

/* Is @a a better answer than @b (lower priority number, then older)? */
static bool kipsec_policy_before(const struct kipsec_policy *a,
				 const struct kipsec_policy *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->seq < b->seq;
}

/*
 * RCU read side.  NULL: no policy applies (= bypass).  One hash lookup per
 * shape of the direction, fewer when a match ends the walk early.
 */
struct kipsec_policy *kipsec_spd_lookup(struct kipsec_spd *spd, u8 dir,
					const struct kipsec_flow *fl)
{
	const struct kipsec_spd_shapes *arr = rcu_dereference(spd->shapes[dir]);
	struct kipsec_spd_shape *shape;
	struct kipsec_policy *pol, *best = NULL;
	const struct kipsec_spd_node *node;
	struct kipsec_spd_key k;
	unsigned int i;

	for (i = 0; arr && i < arr->n; i++) {
		const struct kipsec_spd_slot *slot = &arr->slot[i];

		/* no policy of this shape or the next ones can win */
		if (best && slot->bound > best->priority)
			break;
		shape = slot->shape;
		if (slot->family != fl->family ||
		    (fl->has_ports && shape->dports &&
		     !test_bit(fl->dport, shape->dports)) ||
		    !kipsec_spd_key_of_flow(&k, &shape->mask, fl))
			continue;
		node = rhashtable_lookup(&shape->nodes, &k,
					 kipsec_spd_node_params);
		if (!node)
			continue;
		list_for_each_entry_rcu(pol, &node->pols, list) {
			if (best && !kipsec_policy_before(pol, best))
				break;
			if (kipsec_sel_match(&pol->sel, fl)) {
				best = pol;
				break;
			}
		}
	}
	return best;
}

void kipsec_policy_read_stats(const struct kipsec_policy *pol,
			      struct kipsec_policy_stats *sum)
{
	int cpu;

	sum->packets = 0;
	sum->bytes = 0;
	for_each_possible_cpu(cpu) {
		const struct kipsec_policy_stats *s = per_cpu_ptr(pol->stats, cpu);

		sum->packets += READ_ONCE(s->packets);
		sum->bytes += READ_ONCE(s->bytes);
	}
}

/* Ports or ICMP type/code of the transport header at @off. */
static int kipsec_flow_l4(const struct sk_buff *skb, unsigned int off,
			  struct kipsec_flow *fl)
{
	u8 buf[4];
	const u8 *l4;

	switch (fl->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		l4 = skb_header_pointer(skb, off, 4, buf);
		if (!l4)
			return -EINVAL;
		fl->sport = get_unaligned_be16(l4);
		fl->dport = get_unaligned_be16(l4 + 2);
		fl->has_ports = true;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4 = skb_header_pointer(skb, off, 2, buf);
		if (!l4)
			return -EINVAL;
		fl->icmp_type = l4[0];
		fl->icmp_code = l4[1];
		fl->has_icmp = true;
		break;
	}
	return 0;
}

static int kipsec_flow_from_skb4(const struct sk_buff *skb,
				 struct kipsec_flow *fl)
{
	const struct iphdr *iph = ip_hdr(skb);

	fl->family = AF_INET;
	fl->saddr.ip4 = iph->saddr;
	fl->daddr.ip4 = iph->daddr;
	fl->proto = iph->protocol;
	if (iph->frag_off & htons(IP_OFFSET))
		return 0;	/* a later fragment: no transport header */
	return kipsec_flow_l4(skb, skb_network_offset(skb) + iph->ihl * 4, fl);
}

/*
 * Neighbour discovery and multicast listener messages keep a link working;
 * only a selector naming ipv6-icmp applies to them (see kipsec_sel_match).
 */
static bool kipsec_icmp6_link_ctl(u8 type)
{
	switch (type) {
	case ICMPV6_MGM_QUERY:
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
	case ICMPV6_MLD2_REPORT:
		return true;
	}
	return false;
}

static int kipsec_flow_from_skb6(const struct sk_buff *skb,
				 struct kipsec_flow *fl)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	__be16 frag_off;
	u8 nexthdr;
	int off;

	fl->family = AF_INET6;
	fl->saddr.ip6 = ip6h->saddr;
	fl->daddr.ip6 = ip6h->daddr;
	nexthdr = ip6h->nexthdr;
	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
			       &nexthdr, &frag_off);
	if (off < 0)
		return -EINVAL;
	fl->proto = nexthdr;
	if (frag_off & htons(IP6_OFFSET))
		return 0;	/* a later fragment: no transport header */
	if (kipsec_flow_l4(skb, off, fl))
		return -EINVAL;
	if (fl->proto == IPPROTO_ICMPV6)
		fl->link_ctl = kipsec_icmp6_link_ctl(fl->icmp_type);
	return 0;
}

/* The selector fields of an IPv4 or IPv6 packet. */
int kipsec_flow_from_skb(const struct sk_buff *skb, struct kipsec_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return kipsec_flow_from_skb4(skb, fl);
	case htons(ETH_P_IPV6):
		return kipsec_flow_from_skb6(skb, fl);
	}
	return -EAFNOSUPPORT;
}
