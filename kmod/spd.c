// SPDX-License-Identifier: GPL-2.0
/*
 * Security Policy Database: ordered lists per direction, first match wins.
 *
 * The lookup walks the direction's list, sorted by priority and then
 * insertion order, and returns the first policy whose selector matches.
 * This is linear in the number of policies; the scale benchmark (issue 5)
 * is where a flat-cost classifier replaces it behind the same interface.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/kipsec.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "compat.h"
#include "spd.h"

void kipsec_spd_init(struct kipsec_spd *spd)
{
	int i;

	for (i = 0; i < KIPSEC_NR_DIRS; i++)
		INIT_LIST_HEAD(&spd->dir[i]);
	xa_init_flags(&spd->byindex, XA_FLAGS_ALLOC1);
	spd->next_index = 0;
	spd->next_seq = 0;
	spd->count = 0;
}

/* The SPD must be empty: kipsec_spd_remove() every policy first. */
void kipsec_spd_destroy(struct kipsec_spd *spd)
{
	WARN_ON(spd->count);
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
	free_percpu(pol->stats);
	kfree(pol);
}

static void kipsec_policy_free_rcu(struct rcu_head *head)
{
	kipsec_policy_free(container_of(head, struct kipsec_policy, rcu));
}

int kipsec_spd_insert(struct kipsec_spd *spd, struct kipsec_policy *pol)
{
	struct list_head *head = &spd->dir[pol->dir];
	struct kipsec_policy *pos;
	int err;

	err = xa_alloc_cyclic(&spd->byindex, &pol->index, pol, xa_limit_32b,
			      &spd->next_index, GFP_KERNEL);
	if (err < 0)
		return err;
	pol->seq = ++spd->next_seq;

	/* before the first policy of a higher number: ties keep their order */
	list_for_each_entry(pos, head, list) {
		if (pos->priority > pol->priority) {
			list_add_tail_rcu(&pol->list, &pos->list);
			goto out;
		}
	}
	list_add_tail_rcu(&pol->list, head);
out:
	spd->count++;
	return 0;
}

void kipsec_spd_remove(struct kipsec_spd *spd, struct kipsec_policy *pol)
{
	list_del_rcu(&pol->list);
	xa_erase(&spd->byindex, pol->index);
	spd->count--;
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
 * only (kn->lock).  *@n tells how many matched; the first is returned.
 */
struct kipsec_policy *kipsec_spd_find(struct kipsec_spd *spd, u8 dir,
				      const struct kipsec_sel *sel,
				      const u32 *priority, unsigned int *n)
{
	struct kipsec_policy *pol, *found = NULL;

	*n = 0;
	list_for_each_entry(pol, &spd->dir[dir], list) {
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

/* RCU read side.  NULL: no policy applies (= bypass). */
struct kipsec_policy *kipsec_spd_lookup(struct kipsec_spd *spd, u8 dir,
					const struct kipsec_flow *fl)
{
	struct kipsec_policy *pol;

	list_for_each_entry_rcu(pol, &spd->dir[dir], list) {
		if (kipsec_sel_match(&pol->sel, fl))
			return pol;
	}
	return NULL;
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
