// SPDX-License-Identifier: GPL-2.0
/*
 * Policies.  charon adds the same selector and direction more than once: a
 * trap policy and the CHILD_SA's own, the old and the new CHILD_SA during a
 * rekey, a shunt.  kipsec holds at most one policy per selector and
 * direction for us; the plugin keeps every user of it (struct kk_user), best
 * first, and the kernel policy follows the best one.  The kernel policy
 * goes only when its last user does.
 *
 * Order of users, as kernel-netlink orders them: lower priority value
 * first; among equal priorities the lower automatic priority, and then the
 * most recent user (a reqid beats none).
 *
 * Changing the kernel policy is make-before-break: the new policy is added
 * (kipsec allows several per selector and direction when their priorities
 * differ), then the old one is deleted by its index, so no packet ever
 * finds no policy.  When the new policy has the old one's priority, it is
 * added one step ahead (priority - 1), which lower-wins makes the winner.
 */
#include <errno.h>
#include <string.h>

#include "kernel_kipsec.h"

/* kernel-netlink's priority classes: the policies of both backends rank alike */
#define KK_PRIO_BASE	200000

/* A selector and direction, the key of the table; compared bytewise. */
struct kk_sel {
	uint8_t family;
	uint8_t dir;			/* policy_dir_t */
	uint8_t src_len, dst_len;
	uint8_t proto;
	bool has_type, has_code;	/* ICMP */
	uint8_t icmp_type, icmp_code;
	uint8_t src[16], dst[16];
	uint16_t sport_min, sport_max;	/* 0-65535: any */
	uint16_t dport_min, dport_max;
};

/* The kernel policy a user wants. */
struct kk_kpol {
	uint32_t priority;
	uint32_t action;		/* enum kipsec_action */
	uint32_t proto, mode, reqid, spi;	/* protect; spi host order */
	bool tunnel;
	struct kipsec_addr src, dst;	/* tunnel endpoints */
};

/* One add_policy call of charon. */
struct kk_user {
	uint32_t priority, auto_priority;
	policy_type_t type;
	host_t *src, *dst;
	ipsec_sa_cfg_t cfg;
	struct kk_kpol want;
};

struct kk_policy {
	struct kk_sel sel;
	linked_list_t *users;		/* struct kk_user, best first */
	bool installed;
	uint32_t index;			/* kernel's, when installed */
	struct kk_kpol kernel;		/* as installed, wanted priority */
	uint32_t kernel_prio;		/* the priority actually installed */
};

static u_int kk_sel_hash(const struct kk_sel *sel)
{
	return chunk_hash(chunk_create((u_char *)sel, sizeof(*sel)));
}

static bool kk_sel_equals(const struct kk_sel *a, const struct kk_sel *b)
{
	return memeq(a, b, sizeof(*a));
}

hashtable_t *kk_policy_table_create(void)
{
	return hashtable_create((hashtable_hash_t)kk_sel_hash,
				(hashtable_equals_t)kk_sel_equals, 32);
}

static void kk_user_destroy(struct kk_user *u)
{
	DESTROY_IF(u->src);
	DESTROY_IF(u->dst);
	free(u);
}

static void kk_policy_destroy(struct kk_policy *p)
{
	p->users->destroy_function(p->users, (void *)kk_user_destroy);
	free(p);
}

static bool kk_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP ||
	       proto == IPPROTO_UDPLITE;
}

static bool kk_is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* Prefix of @ts into @addr/@len; a range that is no prefix is widened. */
static void kk_sel_prefix(traffic_selector_t *ts, uint8_t *addr, uint8_t *len)
{
	host_t *net;
	chunk_t bytes;

	if (!ts->to_subnet(ts, &net, len))
		DBG1(DBG_KNL, "kipsec: %R is not a prefix, the policy covers %H/%u",
		     ts, net, *len);
	bytes = net->get_address(net);
	memcpy(addr, bytes.ptr, min(bytes.len, (size_t)16));
	net->destroy(net);
}

/*
 * ICMP type and code as strongSwan encodes them in a selector's ports:
 * type in the high byte, code in the low one.
 */
static void kk_sel_icmp(struct kk_sel *sel, traffic_selector_t *src,
			traffic_selector_t *dst)
{
	traffic_selector_t *ts = src;
	uint16_t from, to;

	if (src->get_from_port(src) == 0 && src->get_to_port(src) == 0xffff)
		ts = dst;
	from = ts->get_from_port(ts);
	to = ts->get_to_port(ts);
	if (from == 0 && to == 0xffff)
		return;
	if (traffic_selector_icmp_type(from) != traffic_selector_icmp_type(to)) {
		DBG1(DBG_KNL, "kipsec: ICMP types %u to %u in one selector: the policy covers all types",
		     traffic_selector_icmp_type(from),
		     traffic_selector_icmp_type(to));
		return;
	}
	sel->has_type = true;
	sel->icmp_type = traffic_selector_icmp_type(from);
	if (from == to) {
		sel->has_code = true;
		sel->icmp_code = traffic_selector_icmp_code(from);
	} else if (traffic_selector_icmp_code(from) != 0 ||
		   traffic_selector_icmp_code(to) != 0xff) {
		DBG1(DBG_KNL, "kipsec: ICMP codes %u to %u in one selector: the policy covers all codes",
		     traffic_selector_icmp_code(from),
		     traffic_selector_icmp_code(to));
	}
}

/* The selector of a policy; FALSE (logged) if kipsec cannot express it. */
static bool kk_sel_from_ts(struct kk_sel *sel, kernel_ipsec_policy_id_t *id)
{
	traffic_selector_t *src = id->src_ts, *dst = id->dst_ts;

	memset(sel, 0, sizeof(*sel));
	if (src->get_type(src) != dst->get_type(dst)) {
		DBG1(DBG_KNL, "kipsec: selectors %R and %R differ in address family",
		     src, dst);
		return FALSE;
	}
	sel->family = src->get_type(src) == TS_IPV4_ADDR_RANGE ? AF_INET :
								 AF_INET6;
	sel->dir = id->dir;
	kk_sel_prefix(src, sel->src, &sel->src_len);
	kk_sel_prefix(dst, sel->dst, &sel->dst_len);
	sel->proto = max(src->get_protocol(src), dst->get_protocol(dst));
	sel->sport_max = sel->dport_max = 0xffff;
	if (kk_is_icmp(sel->proto)) {
		kk_sel_icmp(sel, src, dst);
		return TRUE;
	}
	if (src->get_from_port(src) > src->get_to_port(src) ||
	    dst->get_from_port(dst) > dst->get_to_port(dst)) {
		DBG1(DBG_KNL, "kipsec: OPAQUE ports in %R === %R are not supported",
		     src, dst);
		return FALSE;
	}
	if (!kk_has_ports(sel->proto))
		return TRUE;
	sel->sport_min = src->get_from_port(src);
	sel->sport_max = src->get_to_port(src);
	sel->dport_min = dst->get_from_port(dst);
	sel->dport_max = dst->get_to_port(dst);
	return TRUE;
}

/* Leading bits @min and @max share: 16 for one port, 0 for any. */
static uint32_t kk_port_bits(uint16_t lo, uint16_t hi)
{
	uint32_t bits = 0;

	while (bits < 16 && !((lo ^ hi) & (0x8000 >> bits)))
		bits++;
	return bits;
}

/*
 * kernel-netlink's automatic priority: the class, minus what makes the
 * selector specific (prefix bits, a protocol, port bits), and trap policies
 * one step behind the CHILD_SA's own.  Lower wins, in kipsec as in XFRM.
 */
static uint32_t kk_priority(const struct kk_sel *sel, policy_priority_t prio)
{
	uint32_t p = KK_PRIO_BASE, sport, dport;

	switch (prio) {
	case POLICY_PRIORITY_FALLBACK:
		p += KK_PRIO_BASE;
		/* fall through */
	case POLICY_PRIORITY_ROUTED:
	case POLICY_PRIORITY_DEFAULT:
		p += KK_PRIO_BASE;
		/* fall through */
	case POLICY_PRIORITY_PASS:
		break;
	}
	if (kk_is_icmp(sel->proto)) {
		sport = sel->has_type ? 16 : 0;
		dport = sel->has_code ? 16 : 0;
	} else {
		sport = kk_port_bits(sel->sport_min, sel->sport_max);
		dport = kk_port_bits(sel->dport_min, sel->dport_max);
	}
	p -= (sel->src_len + sel->dst_len) * 512;
	p -= sel->proto ? 256 : 0;
	p -= (sport + dport) * 4;
	p -= prio != POLICY_PRIORITY_ROUTED;
	return p;
}

/* The kernel policy of a user; FALSE (logged) if kipsec cannot do it. */
static bool kk_kpol_from_user(struct kk_kpol *k, const struct kk_sel *sel,
			      struct kk_user *u)
{
	ipsec_sa_cfg_t *cfg = &u->cfg;

	memset(k, 0, sizeof(*k));
	k->priority = u->priority;
	switch (u->type) {
	case POLICY_PASS:
		k->action = KIPSEC_ACTION_BYPASS;
		return TRUE;
	case POLICY_DROP:
		k->action = KIPSEC_ACTION_DISCARD;
		return TRUE;
	case POLICY_IPSEC:
		k->action = KIPSEC_ACTION_PROTECT;
		break;
	}
	if (cfg->esp.use && cfg->ah.use) {
		DBG1(DBG_KNL, "kipsec: AH and ESP bundles are not supported");
		return FALSE;
	}
	if (cfg->ipcomp.transform != IPCOMP_NONE) {
		DBG1(DBG_KNL, "kipsec: IPComp is not supported");
		return FALSE;
	}
	switch (cfg->mode) {
	case MODE_TUNNEL:
		if (!u->src || !u->dst) {
			DBG1(DBG_KNL, "kipsec: a tunnel policy without endpoints");
			return FALSE;
		}
		k->mode = KIPSEC_MODE_TUNNEL;
		k->tunnel = true;
		kk_addr_from_host(&k->src, u->src);
		kk_addr_from_host(&k->dst, u->dst);
		break;
	case MODE_TRANSPORT:
		k->mode = KIPSEC_MODE_TRANSPORT;
		break;
	default:
		DBG1(DBG_KNL, "kipsec: mode %N is not supported (tunnel and transport only)",
		     ipsec_mode_names, cfg->mode);
		return FALSE;
	}
	k->proto = cfg->ah.use ? IPPROTO_AH : IPPROTO_ESP;
	k->reqid = cfg->reqid;
	/* outbound: exactly the CHILD_SA's SA (KERNEL_POLICY_SPI) */
	if (sel->dir == POLICY_OUT)
		k->spi = ntohl(cfg->ah.use ? cfg->ah.spi : cfg->esp.spi);
	return TRUE;
}

static uint32_t kk_dir(uint8_t dir)
{
	switch (dir) {
	case POLICY_IN:
		return KIPSEC_DIR_IN;
	case POLICY_OUT:
		return KIPSEC_DIR_OUT;
	default:
		return KIPSEC_DIR_FWD;
	}
}

static void kk_put_sel(struct nlmsghdr *nlh, const struct kk_sel *sel)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_SEL);
	struct kipsec_addr addr = { .family = sel->family };

	memcpy(addr.bytes, sel->src, sizeof(addr.bytes));
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_SRC, &addr);
	memcpy(addr.bytes, sel->dst, sizeof(addr.bytes));
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_DST, &addr);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_SRC_PREFIXLEN, sel->src_len);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_DST_PREFIXLEN, sel->dst_len);
	if (sel->proto)
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_PROTO, sel->proto);
	if (sel->sport_min != 0 || sel->sport_max != 0xffff) {
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MIN, sel->sport_min);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MAX, sel->sport_max);
	}
	if (sel->dport_min != 0 || sel->dport_max != 0xffff) {
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MIN, sel->dport_min);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MAX, sel->dport_max);
	}
	if (sel->has_type)
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_ICMP_TYPE, sel->icmp_type);
	if (sel->has_code)
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_ICMP_CODE, sel->icmp_code);
	mnl_attr_nest_end(nlh, nest);
}

static int kk_policy_index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *pol[KIPSEC_A_POLICY_MAX + 1];
	uint32_t *index = data;

	if (kipsec_attr_parse_msg(nlh, tb) || !tb[KIPSEC_A_POLICY] ||
	    kipsec_attr_parse_nest(tb[KIPSEC_A_POLICY], KIPSEC_SET_POLICY, pol) ||
	    !pol[KIPSEC_A_POLICY_INDEX]) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	*index = mnl_attr_get_u32(pol[KIPSEC_A_POLICY_INDEX]);
	return MNL_CB_OK;
}

/* Delete the kernel policy @index; one already gone is fine. */
static int kk_policy_kernel_del(kernel_kipsec_t *this, uint32_t index)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct kk_msg m;
	int ret;

	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_POLICY_DEL);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_INDEX, index);
	mnl_attr_nest_end(nlh, nest);
	ret = kk_request(this, nlh, NULL, NULL, -ENOENT, "deleting a policy");
	if (ret == -ENOENT) {
		DBG1(DBG_KNL, "kipsec: policy %u was already gone (flushed by someone else?)",
		     index);
		ret = 0;
	}
	return ret;
}

/* Make the kernel policy of @p the one @want describes. */
static bool kk_policy_install(kernel_kipsec_t *this, struct kk_policy *p,
			      const struct kk_kpol *want)
{
	struct kk_msg m;
	struct nlmsghdr *nlh;
	struct nlattr *nest, *tmpl;
	uint32_t prio = want->priority, index = 0;

	if (p->installed && memeq(&p->kernel, want, sizeof(*want)))
		return TRUE;
	if (p->installed && prio == p->kernel_prio)
		prio = prio ? prio - 1 : prio + 1;

	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_POLICY_ADD);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_DIR, kk_dir(p->sel.dir));
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_PRIORITY, prio);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_ACTION, want->action);
	kk_put_sel(nlh, &p->sel);
	if (want->action == KIPSEC_ACTION_PROTECT) {
		tmpl = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_TMPL);
		mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_PROTO, want->proto);
		mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_MODE, want->mode);
		if (want->tunnel) {
			kipsec_attr_put_addr(nlh, KIPSEC_A_TMPL_SRC, &want->src);
			kipsec_attr_put_addr(nlh, KIPSEC_A_TMPL_DST, &want->dst);
		}
		mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_REQID, want->reqid);
		if (want->spi)
			kipsec_attr_put_be32(nlh, KIPSEC_A_TMPL_SPI, want->spi);
		mnl_attr_nest_end(nlh, tmpl);
	}
	mnl_attr_nest_end(nlh, nest);
	if (kk_request(this, nlh, kk_policy_index_cb, &index, 0,
		       "adding a policy"))
		return FALSE;

	/* the new one is in place: the old one may go */
	if (p->installed && kk_policy_kernel_del(this, p->index))
		DBG1(DBG_KNL, "kipsec: policy %u stays beside its successor %u",
		     p->index, index);
	p->installed = true;
	p->index = index;
	p->kernel = *want;
	p->kernel_prio = prio;
	return TRUE;
}

/* Before the first user @u ranks ahead of, as kernel-netlink orders them. */
static bool kk_user_insert(struct kk_policy *p, struct kk_user *u)
{
	enumerator_t *e = p->users->create_enumerator(p->users);
	struct kk_user *cur;
	bool first = TRUE;

	while (e->enumerate(e, &cur)) {
		if (cur->priority > u->priority)
			break;
		if (cur->priority == u->priority &&
		    (cur->auto_priority > u->auto_priority ||
		     (cur->auto_priority == u->auto_priority &&
		      (!cur->cfg.reqid || u->cfg.reqid))))
			break;
		first = FALSE;
	}
	p->users->insert_before(p->users, e, u);
	e->destroy(e);
	return first;
}

static bool kk_policy_id_supported(kernel_ipsec_policy_id_t *id)
{
	if (id->mark.value || id->mark.mask) {
		DBG1(DBG_KNL, "kipsec: marks on policies are not supported");
		return FALSE;
	}
	if (id->if_id) {
		DBG1(DBG_KNL, "kipsec: interface IDs (XFRM interfaces) are not supported");
		return FALSE;
	}
	if (id->interface) {
		DBG1(DBG_KNL, "kipsec: policies restricted to interface %s are not supported",
		     id->interface);
		return FALSE;
	}
	if (id->label) {
		DBG1(DBG_KNL, "kipsec: security labels are not supported");
		return FALSE;
	}
	return TRUE;
}

status_t kk_add_policy(kernel_ipsec_t *public, kernel_ipsec_policy_id_t *id,
		       kernel_ipsec_manage_policy_t *data)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct kk_policy *p, *fresh = NULL;
	struct kk_user *u;
	struct kk_sel sel;
	bool first;

	if (!kk_policy_id_supported(id) || !kk_sel_from_ts(&sel, id))
		return NOT_SUPPORTED;
	INIT(u,
		.type = data->type,
		.src = data->src ? data->src->clone(data->src) : NULL,
		.dst = data->dst ? data->dst->clone(data->dst) : NULL,
		.cfg = *data->sa,
	);
	u->auto_priority = kk_priority(&sel, data->prio);
	u->priority = data->manual_prio ?: u->auto_priority;
	if (!kk_kpol_from_user(&u->want, &sel, u)) {
		kk_user_destroy(u);
		return NOT_SUPPORTED;
	}

	this->mutex->lock(this->mutex);
	p = this->policies->get(this->policies, &sel);
	if (!p) {
		INIT(fresh,
			.sel = sel,
			.users = linked_list_create(),
		);
		p = fresh;
		this->policies->put(this->policies, &p->sel, p);
	}
	first = kk_user_insert(p, u);
	if (first && !kk_policy_install(this, p, &u->want)) {
		DBG1(DBG_KNL, "kipsec: unable to install policy %R === %R %N",
		     id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		p->users->remove(p->users, u, NULL);
		kk_user_destroy(u);
		if (fresh) {
			this->policies->remove(this->policies, &p->sel);
			kk_policy_destroy(fresh);
		}
		this->mutex->unlock(this->mutex);
		return FAILED;
	}
	DBG2(DBG_KNL, "kipsec: policy %R === %R %N priority %u, %d users, kernel index %u%s",
	     id->src_ts, id->dst_ts, policy_dir_names, id->dir, u->priority,
	     p->users->get_count(p->users), p->index,
	     first ? "" : " (not the best: unchanged)");
	this->mutex->unlock(this->mutex);
	return SUCCESS;
}

static bool kk_host_equals(host_t *a, host_t *b)
{
	if (!a || !b)
		return a == b;
	return a->ip_equals(a, b);
}

status_t kk_del_policy(kernel_ipsec_t *public, kernel_ipsec_policy_id_t *id,
		       kernel_ipsec_manage_policy_t *data)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct kk_user *u, *found = NULL;
	uint32_t prio, auto_prio;
	bool was_first = TRUE, ok = TRUE;
	enumerator_t *e;
	struct kk_policy *p;
	struct kk_sel sel;

	if (!kk_policy_id_supported(id) || !kk_sel_from_ts(&sel, id))
		return NOT_SUPPORTED;
	auto_prio = kk_priority(&sel, data->prio);
	prio = data->manual_prio ?: auto_prio;

	this->mutex->lock(this->mutex);
	p = this->policies->get(this->policies, &sel);
	if (p) {
		e = p->users->create_enumerator(p->users);
		while (e->enumerate(e, &u)) {
			if (u->priority == prio && u->auto_priority == auto_prio &&
			    u->type == data->type &&
			    kk_host_equals(u->src, data->src) &&
			    kk_host_equals(u->dst, data->dst) &&
			    ipsec_sa_cfg_equals(&u->cfg, data->sa)) {
				p->users->remove_at(p->users, e);
				found = u;
				break;
			}
			was_first = FALSE;
		}
		e->destroy(e);
	}
	if (!found) {
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kipsec: deleting policy %R === %R %N failed: not found",
		     id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		return NOT_FOUND;
	}
	kk_user_destroy(found);

	if (p->users->get_count(p->users) == 0) {
		if (p->installed && kk_policy_kernel_del(this, p->index))
			ok = FALSE;
		this->policies->remove(this->policies, &p->sel);
		kk_policy_destroy(p);
	} else if (was_first) {
		p->users->get_first(p->users, (void **)&u);
		if (!kk_policy_install(this, p, &u->want)) {
			DBG1(DBG_KNL, "kipsec: policy %R === %R %N keeps its previous user's template",
			     id->src_ts, id->dst_ts, policy_dir_names, id->dir);
			ok = FALSE;
		}
	}
	this->mutex->unlock(this->mutex);
	DBG2(DBG_KNL, "kipsec: removed a user of policy %R === %R %N",
	     id->src_ts, id->dst_ts, policy_dir_names, id->dir);
	return ok ? SUCCESS : FAILED;
}

static int kk_policy_use_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *pol[KIPSEC_A_POLICY_MAX + 1];
	uint64_t *use = data;

	if (kipsec_attr_parse_msg(nlh, tb) || !tb[KIPSEC_A_POLICY] ||
	    kipsec_attr_parse_nest(tb[KIPSEC_A_POLICY], KIPSEC_SET_POLICY, pol)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (pol[KIPSEC_A_POLICY_USE_TIME])
		*use = mnl_attr_get_u64(pol[KIPSEC_A_POLICY_USE_TIME]);
	return MNL_CB_OK;
}

status_t kk_query_policy(kernel_ipsec_t *public, kernel_ipsec_policy_id_t *id,
			 kernel_ipsec_query_policy_t *data, time_t *use_time)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct kk_policy *p;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct kk_sel sel;
	struct kk_msg m;
	uint64_t use = 0;
	int ret;

	(void)data;
	if (!kk_policy_id_supported(id) || !kk_sel_from_ts(&sel, id))
		return NOT_SUPPORTED;
	this->mutex->lock(this->mutex);
	p = this->policies->get(this->policies, &sel);
	if (!p || !p->installed) {
		this->mutex->unlock(this->mutex);
		DBG2(DBG_KNL, "kipsec: policy %R === %R %N is not installed",
		     id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		return NOT_FOUND;
	}
	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_POLICY_GET);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_INDEX, p->index);
	mnl_attr_nest_end(nlh, nest);
	ret = kk_request(this, nlh, kk_policy_use_cb, &use, 0,
			 "querying a policy");
	this->mutex->unlock(this->mutex);
	if (ret)
		return FAILED;
	*use_time = kk_monotonic(use);
	return SUCCESS;
}

/* The users stay: a later change installs the best of them again. */
status_t kk_flush_policies(kernel_ipsec_t *public)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	enumerator_t *e;
	struct kk_policy *p;
	struct nlmsghdr *nlh;
	struct kk_msg m;
	int ret;

	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_POLICY_FLUSH);
	this->mutex->lock(this->mutex);
	ret = kk_request(this, nlh, NULL, NULL, 0, "flushing the SPD");
	if (!ret) {
		e = this->policies->create_enumerator(this->policies);
		while (e->enumerate(e, NULL, &p))
			p->installed = false;
		e->destroy(e);
	}
	this->mutex->unlock(this->mutex);
	return ret ? FAILED : SUCCESS;
}

/*
 * charon deletes its CHILD_SAs' and trap policies before the backend goes;
 * what is left was installed by us and is nobody's any more.
 */
void kk_policy_table_destroy(kernel_kipsec_t *this)
{
	enumerator_t *e;
	struct kk_policy *p;
	int left = 0;

	e = this->policies->create_enumerator(this->policies);
	while (e->enumerate(e, NULL, &p)) {
		if (p->installed && this->nl)
			kk_policy_kernel_del(this, p->index);
		kk_policy_destroy(p);
		left++;
	}
	e->destroy(e);
	if (left)
		DBG1(DBG_KNL, "kipsec: removed %d policies charon left behind",
		     left);
	this->policies->destroy(this->policies);
	this->policies = NULL;
}
