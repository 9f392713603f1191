// SPDX-License-Identifier: GPL-2.0
/*
 * The "kipsec" generic netlink family.
 *
 * Every operation has its own attribute policy, so the netlink core
 * rejects, with an extack message, any attribute an operation does not
 * take.  Handlers check what policies cannot (presence, combinations) and
 * say why with NL_SET_ERR_MSG_ATTR.  A request either applies whole or
 * changes nothing.
 *
 * Keys are write-only: no reply, dump or event carries one, and the key
 * bytes in a request are wiped once the transform has them.
 *
 * Locking: handlers take kipsec_net.lock for every change and for lookups
 * that reply; dumps walk the tables under RCU and report a change between
 * two parts of a dump with NLM_F_DUMP_INTR (kipsec_net.gen).
 */
#include <linux/kipsec.h>
#include <linux/random.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "ah.h"
#include "algs.h"
#include "compat.h"
#include "esp.h"
#include "lifetime.h"
#include "hooks.h"
#include "kipsec.h"
#include "netlink.h"
#include "sock.h"

#define KIPSEC_MAX_KEY_LEN	64
#define KIPSEC_DEFAULT_REPLAY	64
#define KIPSEC_SPI_MIN		0x100

static struct genl_family kipsec_nl_family;

enum kipsec_nl_groups {
	KIPSEC_NLGRP_EVENTS,
};

static const struct genl_multicast_group kipsec_nl_mcgrps[] = {
	[KIPSEC_NLGRP_EVENTS] = {
		.name = KIPSEC_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static unsigned int larval_secs = 165;
module_param(larval_secs, uint, 0644);
MODULE_PARM_DESC(larval_secs,
		 "Lifetime of an SA reserved by ALLOCSPI and never completed, seconds (default 165, as XFRM's acquire state)");

/* ---- attribute policies ------------------------------------------------ */

#define KIPSEC_ADDR_POLICY { .type = NLA_BINARY, .len = sizeof(struct in6_addr) }

static const struct nla_policy kipsec_alg_nl_policy[KIPSEC_A_ALG_MAX + 1] = {
	[KIPSEC_A_ALG_NAME] = { .type = NLA_NUL_STRING,
				.len = CRYPTO_MAX_ALG_NAME - 1 },
	[KIPSEC_A_ALG_KEY] = { .type = NLA_BINARY, .len = KIPSEC_MAX_KEY_LEN },
	[KIPSEC_A_ALG_ICV_LEN] = { .type = NLA_U32 },
	/* KEY_LEN is for replies only */
};

static const struct nla_policy kipsec_life_nl_policy[KIPSEC_A_LIFE_MAX + 1] = {
	[KIPSEC_A_LIFE_BYTES] = { .type = NLA_U64 },
	[KIPSEC_A_LIFE_PACKETS] = { .type = NLA_U64 },
	[KIPSEC_A_LIFE_ADD_SECS] = { .type = NLA_U64 },
	[KIPSEC_A_LIFE_USE_SECS] = { .type = NLA_U64 },
};

static const struct nla_policy kipsec_encap_nl_policy[KIPSEC_A_ENCAP_MAX + 1] = {
	[KIPSEC_A_ENCAP_TYPE] = NLA_POLICY_RANGE(NLA_U32, KIPSEC_ENCAP_ESPINUDP,
						 KIPSEC_ENCAP_ESPINUDP),
	[KIPSEC_A_ENCAP_SPORT] = { .type = NLA_BE16 },
	[KIPSEC_A_ENCAP_DPORT] = { .type = NLA_BE16 },
};

static const struct nla_policy kipsec_sa_add_nl_policy[KIPSEC_A_SA_MAX + 1] = {
	[KIPSEC_A_SA_SRC] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SA_DST] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SA_SPI] = { .type = NLA_BE32 },
	[KIPSEC_A_SA_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
	[KIPSEC_A_SA_MODE] = NLA_POLICY_MAX(NLA_U32, KIPSEC_MODE_TUNNEL),
	[KIPSEC_A_SA_REQID] = { .type = NLA_U32 },
	[KIPSEC_A_SA_AEAD] = NLA_POLICY_NESTED(kipsec_alg_nl_policy),
	[KIPSEC_A_SA_ENC] = NLA_POLICY_NESTED(kipsec_alg_nl_policy),
	[KIPSEC_A_SA_AUTH] = NLA_POLICY_NESTED(kipsec_alg_nl_policy),
	[KIPSEC_A_SA_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32, KIPSEC_REPLAY_MAX),
	[KIPSEC_A_SA_FLAGS] = { .type = NLA_U32 },
	[KIPSEC_A_SA_SEQ_OUT] = { .type = NLA_U64 },
	[KIPSEC_A_SA_SEQ_IN] = { .type = NLA_U64 },
	[KIPSEC_A_SA_LIFETIME_SOFT] = NLA_POLICY_NESTED(kipsec_life_nl_policy),
	[KIPSEC_A_SA_LIFETIME_HARD] = NLA_POLICY_NESTED(kipsec_life_nl_policy),
	[KIPSEC_A_SA_TUNNEL_DF] = NLA_POLICY_MAX(NLA_U32, KIPSEC_DF_CLEAR),
	[KIPSEC_A_SA_ENCAP] = NLA_POLICY_NESTED(kipsec_encap_nl_policy),
};

static const struct nla_policy kipsec_sa_id_nl_policy[KIPSEC_A_SA_MAX + 1] = {
	[KIPSEC_A_SA_SRC] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SA_DST] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SA_SPI] = { .type = NLA_BE32 },
	[KIPSEC_A_SA_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
};

static const struct nla_policy kipsec_sa_allocspi_nl_policy[KIPSEC_A_SA_MAX + 1] = {
	[KIPSEC_A_SA_SRC] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SA_DST] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SA_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
	[KIPSEC_A_SA_MODE] = NLA_POLICY_MAX(NLA_U32, KIPSEC_MODE_TUNNEL),
	[KIPSEC_A_SA_REQID] = { .type = NLA_U32 },
	[KIPSEC_A_SA_SPI_MIN] = { .type = NLA_BE32 },
	[KIPSEC_A_SA_SPI_MAX] = { .type = NLA_BE32 },
	[KIPSEC_A_SA_LIFETIME_HARD] = NLA_POLICY_NESTED(kipsec_life_nl_policy),
};

static const struct nla_policy kipsec_sa_flush_nl_policy[KIPSEC_A_SA_MAX + 1] = {
	[KIPSEC_A_SA_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
};

static const struct nla_policy kipsec_sel_nl_policy[KIPSEC_A_SEL_MAX + 1] = {
	[KIPSEC_A_SEL_SRC] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SEL_DST] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_SEL_SRC_PREFIXLEN] = NLA_POLICY_MAX(NLA_U32, 128),
	[KIPSEC_A_SEL_DST_PREFIXLEN] = NLA_POLICY_MAX(NLA_U32, 128),
	[KIPSEC_A_SEL_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
	[KIPSEC_A_SEL_SPORT_MIN] = { .type = NLA_BE16 },
	[KIPSEC_A_SEL_SPORT_MAX] = { .type = NLA_BE16 },
	[KIPSEC_A_SEL_DPORT_MIN] = { .type = NLA_BE16 },
	[KIPSEC_A_SEL_DPORT_MAX] = { .type = NLA_BE16 },
	[KIPSEC_A_SEL_ICMP_TYPE] = NLA_POLICY_MAX(NLA_U32, 255),
	[KIPSEC_A_SEL_ICMP_CODE] = NLA_POLICY_MAX(NLA_U32, 255),
};

static const struct nla_policy kipsec_tmpl_nl_policy[KIPSEC_A_TMPL_MAX + 1] = {
	[KIPSEC_A_TMPL_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
	[KIPSEC_A_TMPL_MODE] = NLA_POLICY_MAX(NLA_U32, KIPSEC_MODE_TUNNEL),
	[KIPSEC_A_TMPL_SRC] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_TMPL_DST] = KIPSEC_ADDR_POLICY,
	[KIPSEC_A_TMPL_REQID] = { .type = NLA_U32 },
	[KIPSEC_A_TMPL_SPI] = { .type = NLA_BE32 },
};

static const struct nla_policy kipsec_policy_add_nl_policy[KIPSEC_A_POLICY_MAX + 1] = {
	[KIPSEC_A_POLICY_DIR] = NLA_POLICY_MAX(NLA_U32, KIPSEC_DIR_FWD),
	[KIPSEC_A_POLICY_PRIORITY] = { .type = NLA_U32 },
	[KIPSEC_A_POLICY_ACTION] = NLA_POLICY_MAX(NLA_U32, KIPSEC_ACTION_DISCARD),
	[KIPSEC_A_POLICY_SEL] = NLA_POLICY_NESTED(kipsec_sel_nl_policy),
	[KIPSEC_A_POLICY_TMPL] = NLA_POLICY_NESTED(kipsec_tmpl_nl_policy),
};

static const struct nla_policy kipsec_policy_id_nl_policy[KIPSEC_A_POLICY_MAX + 1] = {
	[KIPSEC_A_POLICY_INDEX] = { .type = NLA_U32 },
	[KIPSEC_A_POLICY_DIR] = NLA_POLICY_MAX(NLA_U32, KIPSEC_DIR_FWD),
	[KIPSEC_A_POLICY_PRIORITY] = { .type = NLA_U32 },
	[KIPSEC_A_POLICY_SEL] = NLA_POLICY_NESTED(kipsec_sel_nl_policy),
};

static const struct nla_policy kipsec_policy_flush_nl_policy[KIPSEC_A_POLICY_MAX + 1] = {
	[KIPSEC_A_POLICY_DIR] = NLA_POLICY_MAX(NLA_U32, KIPSEC_DIR_FWD),
};

/* top level, one per operation */
/*
 * Not NLA_POLICY_NESTED: the genetlink core would refuse a bad nest before
 * the handler runs, and echo the keys in it; kipsec_nl_parse_sa() applies
 * kipsec_sa_add_nl_policy, and the handler wipes the keys whatever happens.
 */
static const struct nla_policy kipsec_sa_add_op_policy[KIPSEC_A_SA + 1] = {
	[KIPSEC_A_SA] = { .type = NLA_NESTED },
};

static const struct nla_policy kipsec_sa_id_op_policy[KIPSEC_A_SA + 1] = {
	[KIPSEC_A_SA] = NLA_POLICY_NESTED(kipsec_sa_id_nl_policy),
};

static const struct nla_policy kipsec_sa_allocspi_op_policy[KIPSEC_A_SA + 1] = {
	[KIPSEC_A_SA] = NLA_POLICY_NESTED(kipsec_sa_allocspi_nl_policy),
};

static const struct nla_policy kipsec_sa_flush_op_policy[KIPSEC_A_SA + 1] = {
	[KIPSEC_A_SA] = NLA_POLICY_NESTED(kipsec_sa_flush_nl_policy),
};

static const struct nla_policy kipsec_policy_add_op_policy[KIPSEC_A_POLICY + 1] = {
	[KIPSEC_A_POLICY] = NLA_POLICY_NESTED(kipsec_policy_add_nl_policy),
};

static const struct nla_policy kipsec_policy_id_op_policy[KIPSEC_A_POLICY + 1] = {
	[KIPSEC_A_POLICY] = NLA_POLICY_NESTED(kipsec_policy_id_nl_policy),
};

static const struct nla_policy kipsec_policy_flush_op_policy[KIPSEC_A_POLICY + 1] = {
	[KIPSEC_A_POLICY] = NLA_POLICY_NESTED(kipsec_policy_flush_nl_policy),
};

static const struct nla_policy kipsec_sock_add_nl_policy[KIPSEC_A_SOCK_MAX + 1] = {
	[KIPSEC_A_SOCK_FD] = { .type = NLA_U32 },
	[KIPSEC_A_SOCK_FLAGS] = { .type = NLA_U32 },
};

static const struct nla_policy kipsec_sock_id_nl_policy[KIPSEC_A_SOCK_MAX + 1] = {
	[KIPSEC_A_SOCK_FD] = { .type = NLA_U32 },
};

static const struct nla_policy kipsec_sock_add_op_policy[KIPSEC_A_SOCK + 1] = {
	[KIPSEC_A_SOCK] = NLA_POLICY_NESTED(kipsec_sock_add_nl_policy),
};

static const struct nla_policy kipsec_sock_id_op_policy[KIPSEC_A_SOCK + 1] = {
	[KIPSEC_A_SOCK] = NLA_POLICY_NESTED(kipsec_sock_id_nl_policy),
};

/* takes no attribute at all */
static const struct nla_policy kipsec_none_op_policy[KIPSEC_A_MAX + 1] = {
};

/* ---- parsing helpers --------------------------------------------------- */

/* Is @type missing from @tb?  Then say so, naming @nest and the attribute. */
#define KIPSEC_NL_MISSING(extack, nest, tb, type, msg) ({		\
	bool __missing = !(tb)[type];					\
	if (__missing) {						\
		NL_SET_ERR_MSG(extack, msg);				\
		NL_SET_ERR_ATTR_MISS(extack, nest, type);		\
	}								\
	__missing;							\
})

static int kipsec_nl_addr(const struct nlattr *attr, union kipsec_addr *addr,
			  u8 *family, struct netlink_ext_ack *extack)
{
	switch (nla_len(attr)) {
	case 4:
		*family = AF_INET;
		break;
	case 16:
		*family = AF_INET6;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, nla_data(attr), nla_len(attr));
	return 0;
}

/* Both addresses of an object, of one family. */
static int kipsec_nl_addr_pair(const struct nlattr *a1, union kipsec_addr *addr1,
			       const struct nlattr *a2, union kipsec_addr *addr2,
			       u8 *family, struct netlink_ext_ack *extack)
{
	u8 f1, f2;
	int err;

	err = kipsec_nl_addr(a1, addr1, &f1, extack);
	if (!err)
		err = kipsec_nl_addr(a2, addr2, &f2, extack);
	if (err)
		return err;
	if (f1 != f2) {
		NL_SET_ERR_MSG_ATTR(extack, a2,
				    "source and destination must be of the same address family");
		return -EINVAL;
	}
	*family = f1;
	return 0;
}

static int kipsec_nl_proto(const struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	switch (nla_get_u32(attr)) {
	case IPPROTO_ESP:
	case IPPROTO_AH:
		return 0;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "protocol must be esp (50) or ah (51)");
		return -EINVAL;
	}
}

/*
 * Overwrite the key bytes a request carried: the reply to a failed request
 * echoes the request (unless the sender set NETLINK_CAP_ACK), and the
 * buffer lingers after it is freed.  Walks the request as received, not a
 * parsed table, so that it also covers a request refused by validation
 * (an unknown attribute next to the key, a value out of range): SA_ADD and
 * SA_UPDATE validate their nest in the handler for this reason.
 */
static void kipsec_nl_wipe_keys(struct genl_info *info)
{
	struct nlattr *sa = info->attrs[KIPSEC_A_SA], *alg, *a;
	int rem, rem2;

	if (!sa)
		return;
	nla_for_each_nested(alg, sa, rem) {
		if (nla_type(alg) != KIPSEC_A_SA_AEAD &&
		    nla_type(alg) != KIPSEC_A_SA_ENC &&
		    nla_type(alg) != KIPSEC_A_SA_AUTH)
			continue;
		nla_for_each_nested(a, alg, rem2)
			if (nla_type(a) == KIPSEC_A_ALG_KEY)
				memzero_explicit(nla_data(a), nla_len(a));
	}
}

/* The SA identity: (dst, spi, proto), plus src when given. */
static int kipsec_nl_sa_key(struct genl_info *info, struct nlattr **tb,
			    struct kipsec_sa_key *key, union kipsec_addr *src,
			    bool *has_src)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[KIPSEC_A_SA];
	u8 family;
	int err;

	if (KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_SA_DST,
			      "missing SA destination address") ||
	    KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_SA_SPI,
			      "missing SA SPI") ||
	    KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_SA_PROTO,
			      "missing SA protocol"))
		return -EINVAL;

	memset(key, 0, sizeof(*key));
	*has_src = !!tb[KIPSEC_A_SA_SRC];
	if (*has_src)
		err = kipsec_nl_addr_pair(tb[KIPSEC_A_SA_SRC], src,
					  tb[KIPSEC_A_SA_DST], &key->daddr,
					  &family, extack);
	else
		err = kipsec_nl_addr_pair(tb[KIPSEC_A_SA_DST], &key->daddr,
					  tb[KIPSEC_A_SA_DST], &key->daddr,
					  &family, extack);
	if (err)
		return err;
	err = kipsec_nl_proto(tb[KIPSEC_A_SA_PROTO], extack);
	if (err)
		return err;
	key->family = family;
	key->proto = nla_get_u32(tb[KIPSEC_A_SA_PROTO]);
	key->spi = nla_get_be32(tb[KIPSEC_A_SA_SPI]);
	return 0;
}

/* One KIPSEC_A_ALG_* nest into @p; @kind says which table to look in. */
static int kipsec_nl_alg(struct nlattr *attr, u8 kind,
			 struct kipsec_alg_param *p,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_A_ALG_MAX + 1];
	int err;

	err = nla_parse_nested(tb, KIPSEC_A_ALG_MAX, attr,
			       kipsec_alg_nl_policy, extack);
	if (err)
		return err;
	if (KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_ALG_NAME,
			      "missing algorithm name") ||
	    KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_ALG_KEY,
			      "missing algorithm key"))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->attr = attr;
	p->alg = kipsec_alg_find(kind, nla_data(tb[KIPSEC_A_ALG_NAME]), extack);
	if (!p->alg) {
		extack->bad_attr = tb[KIPSEC_A_ALG_NAME];
		return -EOPNOTSUPP;
	}
	p->key = nla_data(tb[KIPSEC_A_ALG_KEY]);
	p->key_len = nla_len(tb[KIPSEC_A_ALG_KEY]);
	if (tb[KIPSEC_A_ALG_ICV_LEN])
		p->icv_bits = nla_get_u32(tb[KIPSEC_A_ALG_ICV_LEN]);
	return 0;
}

/* The transform of @sa from its AEAD, ENC and AUTH nests. */
static int kipsec_nl_sa_algs(struct genl_info *info, struct nlattr **tb,
			     struct kipsec_sa *sa)
{
	struct netlink_ext_ack *extack = info->extack;
	struct kipsec_alg_param aead, enc, auth;
	int err;

	if (sa->key.proto == IPPROTO_AH) {
		if (tb[KIPSEC_A_SA_AEAD] || tb[KIPSEC_A_SA_ENC]) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[KIPSEC_A_SA_AEAD] ?: tb[KIPSEC_A_SA_ENC],
					    "AH takes an auth algorithm only");
			return -EINVAL;
		}
		if (KIPSEC_NL_MISSING(extack, info->attrs[KIPSEC_A_SA], tb,
				      KIPSEC_A_SA_AUTH,
				      "missing SA algorithm (auth)"))
			return -EINVAL;
		err = kipsec_nl_alg(tb[KIPSEC_A_SA_AUTH], KIPSEC_ALG_AUTH,
				    &auth, extack);
		return err ?: kipsec_ah_setup(sa, &auth, extack);
	}

	if (tb[KIPSEC_A_SA_AEAD]) {
		if (tb[KIPSEC_A_SA_ENC] || tb[KIPSEC_A_SA_AUTH]) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[KIPSEC_A_SA_ENC] ?: tb[KIPSEC_A_SA_AUTH],
					    "aead excludes enc and auth");
			return -EINVAL;
		}
		err = kipsec_nl_alg(tb[KIPSEC_A_SA_AEAD], KIPSEC_ALG_AEAD,
				    &aead, extack);
		return err ?: kipsec_esp_setup(sa, &aead, NULL, NULL, extack);
	}
	if (!tb[KIPSEC_A_SA_ENC] || !tb[KIPSEC_A_SA_AUTH]) {
		NL_SET_ERR_MSG(extack,
			       "ESP needs aead, or enc and auth (ecb(cipher_null) and digest_null for none)");
		NL_SET_ERR_ATTR_MISS(extack, info->attrs[KIPSEC_A_SA],
				     tb[KIPSEC_A_SA_ENC] ? KIPSEC_A_SA_AUTH :
							   KIPSEC_A_SA_ENC);
		return -EINVAL;
	}
	err = kipsec_nl_alg(tb[KIPSEC_A_SA_ENC], KIPSEC_ALG_ENC, &enc, extack);
	if (!err)
		err = kipsec_nl_alg(tb[KIPSEC_A_SA_AUTH], KIPSEC_ALG_AUTH,
				    &auth, extack);
	return err ?: kipsec_esp_setup(sa, NULL, &enc, &auth, extack);
}

static int kipsec_nl_lifetime(struct nlattr *attr, struct kipsec_lifetime *l,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_A_LIFE_MAX + 1];
	int err;

	memset(l, 0, sizeof(*l));
	if (!attr)
		return 0;
	err = nla_parse_nested(tb, KIPSEC_A_LIFE_MAX, attr,
			       kipsec_life_nl_policy, extack);
	if (err)
		return err;
	if (tb[KIPSEC_A_LIFE_BYTES])
		l->bytes = nla_get_u64(tb[KIPSEC_A_LIFE_BYTES]);
	if (tb[KIPSEC_A_LIFE_PACKETS])
		l->packets = nla_get_u64(tb[KIPSEC_A_LIFE_PACKETS]);
	if (tb[KIPSEC_A_LIFE_ADD_SECS])
		l->add_secs = nla_get_u64(tb[KIPSEC_A_LIFE_ADD_SECS]);
	if (tb[KIPSEC_A_LIFE_USE_SECS])
		l->use_secs = nla_get_u64(tb[KIPSEC_A_LIFE_USE_SECS]);
	return 0;
}

/* KIPSEC_A_SA_ENCAP: type and both ports, all required */
static int kipsec_nl_encap(struct nlattr *attr, u8 *type, u32 *ports,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_A_ENCAP_MAX + 1];
	u16 sport, dport;
	int err;

	err = nla_parse_nested(tb, KIPSEC_A_ENCAP_MAX, attr,
			       kipsec_encap_nl_policy, extack);
	if (err)
		return err;
	if (KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_ENCAP_TYPE,
			      "missing encapsulation type") ||
	    KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_ENCAP_SPORT,
			      "missing encapsulation source port") ||
	    KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_ENCAP_DPORT,
			      "missing encapsulation destination port"))
		return -EINVAL;
	sport = ntohs(nla_get_be16(tb[KIPSEC_A_ENCAP_SPORT]));
	dport = ntohs(nla_get_be16(tb[KIPSEC_A_ENCAP_DPORT]));
	if (!sport || !dport) {
		NL_SET_ERR_MSG_ATTR(extack, sport ? tb[KIPSEC_A_ENCAP_DPORT] :
						    tb[KIPSEC_A_ENCAP_SPORT],
				    "encapsulation port 0 is not allowed");
		return -EINVAL;
	}
	*type = nla_get_u32(tb[KIPSEC_A_ENCAP_TYPE]);
	*ports = (u32)sport << 16 | dport;
	return 0;
}

#define KIPSEC_SA_FLAGS_KNOWN	(KIPSEC_SA_FLAG_ESN | KIPSEC_SA_FLAG_NOECN | \
				 KIPSEC_SA_FLAG_DECAP_DSCP | \
				 KIPSEC_SA_FLAG_DONT_ENCAP_DSCP | \
				 KIPSEC_SA_FLAG_INSECURE)

/* A complete SA from SA_ADD / SA_UPDATE; not yet in any table. */
static int kipsec_nl_sa_build(struct genl_info *info, struct nlattr **tb,
			      struct kipsec_sa **out)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[KIPSEC_A_SA];
	struct kipsec_sa_key key;
	union kipsec_addr src;
	u64 seq_out = 0, seq_in = 0, seq_max;
	struct kipsec_sa *sa;
	u32 window, flags = 0;
	bool has_src;
	int err;

	if (KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_SA_SRC,
			      "missing SA source address"))
		return -EINVAL;
	err = kipsec_nl_sa_key(info, tb, &key, &src, &has_src);
	if (err)
		return err;
	if (!key.spi) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_SA_SPI],
				    "SPI 0 is reserved (RFC 4303)");
		return -EINVAL;
	}
	if (tb[KIPSEC_A_SA_FLAGS]) {
		flags = nla_get_u32(tb[KIPSEC_A_SA_FLAGS]);
		if (flags & ~KIPSEC_SA_FLAGS_KNOWN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_SA_FLAGS],
					    "unknown SA flags");
			return -EINVAL;
		}
	}
	seq_max = flags & KIPSEC_SA_FLAG_ESN ? U64_MAX : U32_MAX;
	if (tb[KIPSEC_A_SA_SEQ_OUT])
		seq_out = nla_get_u64(tb[KIPSEC_A_SA_SEQ_OUT]);
	if (tb[KIPSEC_A_SA_SEQ_IN])
		seq_in = nla_get_u64(tb[KIPSEC_A_SA_SEQ_IN]);
	if (seq_out > seq_max || seq_in > seq_max) {
		NL_SET_ERR_MSG_ATTR(extack,
				    seq_out > seq_max ? tb[KIPSEC_A_SA_SEQ_OUT] :
							tb[KIPSEC_A_SA_SEQ_IN],
				    "sequence numbers above 2^32 - 1 need ESN");
		return -EINVAL;
	}

	window = KIPSEC_DEFAULT_REPLAY;
	if (tb[KIPSEC_A_SA_REPLAY_WINDOW])
		window = nla_get_u32(tb[KIPSEC_A_SA_REPLAY_WINDOW]);

	sa = kipsec_sa_alloc(window);
	if (!sa)
		return -ENOMEM;
	sa->key = key;
	sa->pair.family = key.family;
	sa->pair.proto = key.proto;
	sa->pair.saddr = src;
	sa->pair.daddr = key.daddr;
	sa->state = KIPSEC_SA_STATE_VALID;
	sa->flags = flags;
	if (tb[KIPSEC_A_SA_MODE])
		sa->mode = nla_get_u32(tb[KIPSEC_A_SA_MODE]);
	if (tb[KIPSEC_A_SA_REQID])
		sa->reqid = nla_get_u32(tb[KIPSEC_A_SA_REQID]);
	if (tb[KIPSEC_A_SA_TUNNEL_DF])
		sa->tunnel_df = nla_get_u32(tb[KIPSEC_A_SA_TUNNEL_DF]);
	if (tb[KIPSEC_A_SA_ENCAP]) {
		err = -EINVAL;
		if (key.proto != IPPROTO_ESP) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_SA_ENCAP],
					    "UDP encapsulation is for ESP only");
			goto fail;
		}
		err = kipsec_nl_encap(tb[KIPSEC_A_SA_ENCAP], &sa->encap_type,
				      &sa->encap_ports, extack);
		if (err)
			goto fail;
	}
	atomic64_set(&sa->seq_out, seq_out);
	sa->txq.next = seq_out + 1;
	kipsec_replay_set_top(&sa->replay, seq_in);

	err = kipsec_nl_lifetime(tb[KIPSEC_A_SA_LIFETIME_SOFT], &sa->soft,
				 extack);
	if (!err)
		err = kipsec_nl_lifetime(tb[KIPSEC_A_SA_LIFETIME_HARD],
					 &sa->hard, extack);
	if (err)
		goto fail;
	sa->count_limits = sa->soft.bytes || sa->soft.packets ||
			   sa->hard.bytes || sa->hard.packets;

	err = kipsec_nl_sa_algs(info, tb, sa);
	if (err)
		goto fail;
	*out = sa;
	return 0;

fail:
	kipsec_sa_put(sa);
	return err;
}

static int kipsec_nl_sel(const struct nlattr *attr, struct kipsec_sel *sel,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_A_SEL_MAX + 1];
	unsigned int max_plen;
	bool ports, icmp;
	int err;

	err = nla_parse_nested(tb, KIPSEC_A_SEL_MAX, attr, kipsec_sel_nl_policy,
			       extack);
	if (err)
		return err;
	if (KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_SEL_SRC,
			      "missing selector source prefix") ||
	    KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_SEL_DST,
			      "missing selector destination prefix"))
		return -EINVAL;

	memset(sel, 0, sizeof(*sel));
	err = kipsec_nl_addr_pair(tb[KIPSEC_A_SEL_SRC], &sel->src,
				  tb[KIPSEC_A_SEL_DST], &sel->dst,
				  &sel->family, extack);
	if (err)
		return err;
	max_plen = kipsec_addr_len(sel->family) * 8;
	sel->src_plen = max_plen;
	sel->dst_plen = max_plen;
	if (tb[KIPSEC_A_SEL_SRC_PREFIXLEN])
		sel->src_plen = nla_get_u32(tb[KIPSEC_A_SEL_SRC_PREFIXLEN]);
	if (tb[KIPSEC_A_SEL_DST_PREFIXLEN])
		sel->dst_plen = nla_get_u32(tb[KIPSEC_A_SEL_DST_PREFIXLEN]);
	if (sel->src_plen > max_plen || sel->dst_plen > max_plen) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "prefix length longer than the address");
		return -EINVAL;
	}
	kipsec_addr_mask(&sel->src, sel->family, sel->src_plen);
	kipsec_addr_mask(&sel->dst, sel->family, sel->dst_plen);

	if (tb[KIPSEC_A_SEL_PROTO])
		sel->proto = nla_get_u32(tb[KIPSEC_A_SEL_PROTO]);

	ports = tb[KIPSEC_A_SEL_SPORT_MIN] || tb[KIPSEC_A_SEL_SPORT_MAX] ||
		tb[KIPSEC_A_SEL_DPORT_MIN] || tb[KIPSEC_A_SEL_DPORT_MAX];
	if (ports && sel->proto != IPPROTO_TCP && sel->proto != IPPROTO_UDP &&
	    sel->proto != IPPROTO_UDPLITE && sel->proto != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "ports need protocol tcp, udp, udplite or sctp");
		return -EINVAL;
	}
	sel->sport_min = 0;
	sel->sport_max = 0xffff;
	sel->dport_min = 0;
	sel->dport_max = 0xffff;
	if (tb[KIPSEC_A_SEL_SPORT_MIN])
		sel->sport_min = sel->sport_max =
			ntohs(nla_get_be16(tb[KIPSEC_A_SEL_SPORT_MIN]));
	if (tb[KIPSEC_A_SEL_SPORT_MAX])
		sel->sport_max = ntohs(nla_get_be16(tb[KIPSEC_A_SEL_SPORT_MAX]));
	if (tb[KIPSEC_A_SEL_DPORT_MIN])
		sel->dport_min = sel->dport_max =
			ntohs(nla_get_be16(tb[KIPSEC_A_SEL_DPORT_MIN]));
	if (tb[KIPSEC_A_SEL_DPORT_MAX])
		sel->dport_max = ntohs(nla_get_be16(tb[KIPSEC_A_SEL_DPORT_MAX]));
	if (sel->sport_min > sel->sport_max ||
	    sel->dport_min > sel->dport_max) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "port range ends below its start");
		return -EINVAL;
	}

	icmp = tb[KIPSEC_A_SEL_ICMP_TYPE] || tb[KIPSEC_A_SEL_ICMP_CODE];
	if (icmp && sel->proto != IPPROTO_ICMP && sel->proto != IPPROTO_ICMPV6) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "ICMP type and code need protocol icmp");
		return -EINVAL;
	}
	if (tb[KIPSEC_A_SEL_ICMP_CODE] && !tb[KIPSEC_A_SEL_ICMP_TYPE]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_SEL_ICMP_CODE],
				    "ICMP code needs an ICMP type");
		return -EINVAL;
	}
	sel->icmp_type = -1;
	sel->icmp_code = -1;
	if (tb[KIPSEC_A_SEL_ICMP_TYPE])
		sel->icmp_type = nla_get_u32(tb[KIPSEC_A_SEL_ICMP_TYPE]);
	if (tb[KIPSEC_A_SEL_ICMP_CODE])
		sel->icmp_code = nla_get_u32(tb[KIPSEC_A_SEL_ICMP_CODE]);
	return 0;
}

static int kipsec_nl_tmpl(const struct nlattr *attr, struct kipsec_tmpl *t,
			  u8 sel_family, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_A_TMPL_MAX + 1];
	int err;

	err = nla_parse_nested(tb, KIPSEC_A_TMPL_MAX, attr,
			       kipsec_tmpl_nl_policy, extack);
	if (err)
		return err;
	if (KIPSEC_NL_MISSING(extack, attr, tb, KIPSEC_A_TMPL_PROTO,
			      "missing template protocol"))
		return -EINVAL;
	err = kipsec_nl_proto(tb[KIPSEC_A_TMPL_PROTO], extack);
	if (err)
		return err;

	memset(t, 0, sizeof(*t));
	t->proto = nla_get_u32(tb[KIPSEC_A_TMPL_PROTO]);
	if (tb[KIPSEC_A_TMPL_MODE])
		t->mode = nla_get_u32(tb[KIPSEC_A_TMPL_MODE]);
	if (tb[KIPSEC_A_TMPL_REQID])
		t->reqid = nla_get_u32(tb[KIPSEC_A_TMPL_REQID]);
	if (tb[KIPSEC_A_TMPL_SPI])
		t->spi = nla_get_be32(tb[KIPSEC_A_TMPL_SPI]);

	if (!tb[KIPSEC_A_TMPL_SRC] != !tb[KIPSEC_A_TMPL_DST]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "template needs both endpoints or neither");
		return -EINVAL;
	}
	if (!tb[KIPSEC_A_TMPL_SRC]) {
		if (t->mode == KIPSEC_MODE_TUNNEL) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "tunnel mode template needs src and dst endpoints");
			return -EINVAL;
		}
		return 0;
	}
	err = kipsec_nl_addr_pair(tb[KIPSEC_A_TMPL_SRC], &t->src,
				  tb[KIPSEC_A_TMPL_DST], &t->dst, &t->family,
				  extack);
	if (err)
		return err;
	/* a tunnel may carry one family inside the other */
	if (t->family != sel_family && t->mode != KIPSEC_MODE_TUNNEL) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_TMPL_SRC],
				    "transport mode template endpoints must be of the selector's family");
		return -EINVAL;
	}
	return 0;
}

/* ---- replies and events ------------------------------------------------ */

/*
 * Runs of fixed-size attributes (@size 4 or 8 bytes) in one reservation: an
 * SA's reply is some 40 attributes, and a dump of 100k SAs spent its kernel
 * time mostly in nla_put()'s checks and calls (Documentation/performance.md,
 * "Dumps").  Where the architecture wants 64-bit values aligned,
 * nla_put_64bit() adds pad attributes (@padattr) and the run goes
 * attribute by attribute.
 */
struct kipsec_nl_val {
	u16 type;
	u64 v;
};

static int kipsec_nl_put_run(struct sk_buff *skb, const struct kipsec_nl_val *a,
			     int n, int size, int padattr)
{
	struct nlattr *nla;
	int i;

	if (size == sizeof(u64) &&
	    !IS_ENABLED(CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS)) {
		for (i = 0; i < n; i++)
			if (nla_put_u64_64bit(skb, a[i].type, a[i].v, padattr))
				return -EMSGSIZE;
		return 0;
	}
	if (skb_tailroom(skb) < n * nla_total_size(size))
		return -EMSGSIZE;
	nla = skb_put(skb, n * nla_total_size(size));
	for (i = 0; i < n; i++) {
		nla->nla_type = a[i].type;
		nla->nla_len = nla_attr_size(size);
		if (size == sizeof(u64))
			put_unaligned(a[i].v, (u64 *)nla_data(nla));
		else
			*(u32 *)nla_data(nla) = a[i].v;
		nla = (void *)nla + nla_total_size(size);
	}
	return 0;
}

static int kipsec_nl_put_addr(struct sk_buff *skb, int type,
			      const union kipsec_addr *addr, u8 family)
{
	return nla_put(skb, type, kipsec_addr_len(family), addr);
}

static int kipsec_nl_put_alg(struct sk_buff *skb, int type,
			     const struct kipsec_sa *sa, u8 kind)
{
	struct nlattr *nest;

	if (!sa->alg[kind])
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_string(skb, KIPSEC_A_ALG_NAME, sa->alg[kind]->name) ||
	    nla_put_u32(skb, KIPSEC_A_ALG_KEY_LEN, sa->key_bits[kind]) ||
	    (kind != KIPSEC_ALG_ENC &&
	     nla_put_u32(skb, KIPSEC_A_ALG_ICV_LEN, sa->icv_len * 8)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int kipsec_nl_put_lifetime(struct sk_buff *skb, int type,
				  const struct kipsec_lifetime *l)
{
	const struct kipsec_nl_val v[] = {
		{ KIPSEC_A_LIFE_BYTES, l->bytes },
		{ KIPSEC_A_LIFE_PACKETS, l->packets },
		{ KIPSEC_A_LIFE_ADD_SECS, l->add_secs },
		{ KIPSEC_A_LIFE_USE_SECS, l->use_secs },
	};
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest ||
	    kipsec_nl_put_run(skb, v, ARRAY_SIZE(v), sizeof(u64),
			      KIPSEC_A_LIFE_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int kipsec_nl_put_encap(struct sk_buff *skb, const struct kipsec_sa *sa)
{
	u32 ports = READ_ONCE(sa->encap_ports);
	struct nlattr *nest;

	if (sa->encap_type == KIPSEC_ENCAP_NONE)
		return 0;
	nest = nla_nest_start(skb, KIPSEC_A_SA_ENCAP);
	if (!nest ||
	    nla_put_u32(skb, KIPSEC_A_ENCAP_TYPE, sa->encap_type) ||
	    nla_put_be16(skb, KIPSEC_A_ENCAP_SPORT, htons(ports >> 16)) ||
	    nla_put_be16(skb, KIPSEC_A_ENCAP_DPORT, htons(ports & 0xffff)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int kipsec_nl_put_sa_stats(struct sk_buff *skb,
				  const struct kipsec_sa_stats *s)
{
	const struct kipsec_nl_val v[] = {
		{ KIPSEC_A_SA_STATS_RX_PACKETS, s->rx_packets },
		{ KIPSEC_A_SA_STATS_RX_BYTES, s->rx_bytes },
		{ KIPSEC_A_SA_STATS_TX_PACKETS, s->tx_packets },
		{ KIPSEC_A_SA_STATS_TX_BYTES, s->tx_bytes },
		{ KIPSEC_A_SA_STATS_AUTH_FAIL, s->auth_fail },
		{ KIPSEC_A_SA_STATS_REPLAY, s->replay },
		{ KIPSEC_A_SA_STATS_POLICY_FAIL, s->policy_fail },
		{ KIPSEC_A_SA_STATS_ERRORS, s->errors },
	};
	struct nlattr *nest;

	nest = nla_nest_start(skb, KIPSEC_A_SA_STATS);
	if (!nest ||
	    kipsec_nl_put_run(skb, v, ARRAY_SIZE(v), sizeof(u64),
			      KIPSEC_A_SA_STATS_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int kipsec_nl_fill_sa(struct sk_buff *skb, const struct kipsec_sa *sa)
{
	const struct kipsec_nl_val ids[] = {
		{ KIPSEC_A_SA_SPI, (__force u32)sa->key.spi },
		{ KIPSEC_A_SA_PROTO, sa->key.proto },
		{ KIPSEC_A_SA_MODE, sa->mode },
		{ KIPSEC_A_SA_REQID, sa->reqid },
		{ KIPSEC_A_SA_FLAGS, sa->flags },
		{ KIPSEC_A_SA_STATE, sa->state },
		{ KIPSEC_A_SA_REPLAY_WINDOW, sa->replay.window },
	};
	const struct kipsec_nl_val seqs[] = {
		{ KIPSEC_A_SA_SEQ_OUT, atomic64_read(&sa->seq_out) },
		{ KIPSEC_A_SA_SEQ_IN, kipsec_replay_top(&sa->replay) },
	};
	const struct kipsec_nl_val times[] = {
		{ KIPSEC_A_SA_ADD_TIME, sa->add_time },
		{ KIPSEC_A_SA_USE_TIME, READ_ONCE(sa->use_time) },
		{ KIPSEC_A_SA_LAST_USE_TIME, READ_ONCE(sa->last_use) },
	};
	struct kipsec_sa_stats stats;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KIPSEC_A_SA);
	if (!nest)
		return -EMSGSIZE;
	if (kipsec_nl_put_addr(skb, KIPSEC_A_SA_SRC, &sa->pair.saddr,
			       sa->key.family) ||
	    kipsec_nl_put_addr(skb, KIPSEC_A_SA_DST, &sa->key.daddr,
			       sa->key.family) ||
	    kipsec_nl_put_run(skb, ids, ARRAY_SIZE(ids), sizeof(u32), 0) ||
	    kipsec_nl_put_run(skb, seqs, ARRAY_SIZE(seqs), sizeof(u64),
			      KIPSEC_A_SA_PAD))
		goto cancel;

	/* names and sizes; never a key */
	if (kipsec_nl_put_alg(skb, KIPSEC_A_SA_AEAD, sa, KIPSEC_ALG_AEAD) ||
	    kipsec_nl_put_alg(skb, KIPSEC_A_SA_ENC, sa, KIPSEC_ALG_ENC) ||
	    kipsec_nl_put_alg(skb, KIPSEC_A_SA_AUTH, sa, KIPSEC_ALG_AUTH) ||
	    kipsec_nl_put_lifetime(skb, KIPSEC_A_SA_LIFETIME_SOFT, &sa->soft) ||
	    kipsec_nl_put_lifetime(skb, KIPSEC_A_SA_LIFETIME_HARD, &sa->hard) ||
	    kipsec_nl_put_run(skb, times, ARRAY_SIZE(times), sizeof(u64),
			      KIPSEC_A_SA_PAD) ||
	    nla_put_u32(skb, KIPSEC_A_SA_TUNNEL_DF, sa->tunnel_df) ||
	    kipsec_nl_put_encap(skb, sa))
		goto cancel;

	kipsec_sa_read_stats(sa, &stats);
	if (kipsec_nl_put_sa_stats(skb, &stats))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int kipsec_nl_fill_sel(struct sk_buff *skb, int type,
			      const struct kipsec_sel *sel)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (kipsec_nl_put_addr(skb, KIPSEC_A_SEL_SRC, &sel->src, sel->family) ||
	    kipsec_nl_put_addr(skb, KIPSEC_A_SEL_DST, &sel->dst, sel->family) ||
	    nla_put_u32(skb, KIPSEC_A_SEL_SRC_PREFIXLEN, sel->src_plen) ||
	    nla_put_u32(skb, KIPSEC_A_SEL_DST_PREFIXLEN, sel->dst_plen) ||
	    nla_put_u32(skb, KIPSEC_A_SEL_PROTO, sel->proto))
		goto cancel;
	if ((sel->sport_min || sel->sport_max != 0xffff) &&
	    (nla_put_be16(skb, KIPSEC_A_SEL_SPORT_MIN, htons(sel->sport_min)) ||
	     nla_put_be16(skb, KIPSEC_A_SEL_SPORT_MAX, htons(sel->sport_max))))
		goto cancel;
	if ((sel->dport_min || sel->dport_max != 0xffff) &&
	    (nla_put_be16(skb, KIPSEC_A_SEL_DPORT_MIN, htons(sel->dport_min)) ||
	     nla_put_be16(skb, KIPSEC_A_SEL_DPORT_MAX, htons(sel->dport_max))))
		goto cancel;
	if (sel->icmp_type >= 0 &&
	    nla_put_u32(skb, KIPSEC_A_SEL_ICMP_TYPE, sel->icmp_type))
		goto cancel;
	if (sel->icmp_code >= 0 &&
	    nla_put_u32(skb, KIPSEC_A_SEL_ICMP_CODE, sel->icmp_code))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int kipsec_nl_fill_tmpl(struct sk_buff *skb, const struct kipsec_tmpl *t)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, KIPSEC_A_POLICY_TMPL);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KIPSEC_A_TMPL_PROTO, t->proto) ||
	    nla_put_u32(skb, KIPSEC_A_TMPL_MODE, t->mode) ||
	    nla_put_u32(skb, KIPSEC_A_TMPL_REQID, t->reqid) ||
	    nla_put_be32(skb, KIPSEC_A_TMPL_SPI, t->spi))
		goto cancel;
	if (t->family &&
	    (kipsec_nl_put_addr(skb, KIPSEC_A_TMPL_SRC, &t->src, t->family) ||
	     kipsec_nl_put_addr(skb, KIPSEC_A_TMPL_DST, &t->dst, t->family)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int kipsec_nl_fill_policy(struct sk_buff *skb,
				 const struct kipsec_policy *pol)
{
	struct kipsec_policy_stats s;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KIPSEC_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	kipsec_policy_read_stats(pol, &s);
	if (nla_put_u32(skb, KIPSEC_A_POLICY_INDEX, pol->index) ||
	    nla_put_u32(skb, KIPSEC_A_POLICY_DIR, pol->dir) ||
	    nla_put_u32(skb, KIPSEC_A_POLICY_PRIORITY, pol->priority) ||
	    nla_put_u32(skb, KIPSEC_A_POLICY_ACTION, pol->action) ||
	    kipsec_nl_fill_sel(skb, KIPSEC_A_POLICY_SEL, &pol->sel) ||
	    (pol->action == KIPSEC_ACTION_PROTECT &&
	     kipsec_nl_fill_tmpl(skb, &pol->tmpl)) ||
	    nla_put_u64_64bit(skb, KIPSEC_A_POLICY_PACKETS, s.packets,
			      KIPSEC_A_POLICY_PAD) ||
	    nla_put_u64_64bit(skb, KIPSEC_A_POLICY_BYTES, s.bytes,
			      KIPSEC_A_POLICY_PAD) ||
	    nla_put_u64_64bit(skb, KIPSEC_A_POLICY_ADD_TIME, pol->add_time,
			      KIPSEC_A_POLICY_PAD) ||
	    nla_put_u64_64bit(skb, KIPSEC_A_POLICY_USE_TIME,
			      READ_ONCE(pol->last_use), KIPSEC_A_POLICY_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

typedef int (*kipsec_nl_fill_t)(struct sk_buff *skb, const void *obj);

static struct sk_buff *kipsec_nl_build(u32 portid, u32 seq, u8 cmd,
				       kipsec_nl_fill_t fill, const void *obj,
				       gfp_t gfp)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, portid, seq, &kipsec_nl_family, 0, cmd);
	if (!hdr || fill(msg, obj)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

static int kipsec_nl_reply(struct genl_info *info, kipsec_nl_fill_t fill,
			   const void *obj)
{
	struct sk_buff *msg;

	msg = kipsec_nl_build(info->snd_portid, info->snd_seq,
			      info->genlhdr->cmd, fill, obj, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return genlmsg_reply(msg, info);
}

/*
 * The caller keeps @obj alive (kn->lock, or RCU on the packet path, with
 * GFP_ATOMIC).  Returns whether the event went out to a listener.
 */
static bool kipsec_nl_notify_gfp(struct kipsec_net *kn, u8 cmd,
				 kipsec_nl_fill_t fill, const void *obj,
				 gfp_t gfp)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&kipsec_nl_family, kn->net, KIPSEC_NLGRP_EVENTS))
		return false;
	msg = kipsec_nl_build(0, 0, cmd, fill, obj, gfp);
	if (!msg)
		return false;
	return genlmsg_multicast_netns(&kipsec_nl_family, kn->net, msg, 0,
				       KIPSEC_NLGRP_EVENTS, gfp) == 0;
}

static void kipsec_nl_notify(struct kipsec_net *kn, u8 cmd,
			     kipsec_nl_fill_t fill, const void *obj)
{
	kipsec_nl_notify_gfp(kn, cmd, fill, obj, GFP_KERNEL);
}

static int kipsec_nl_fill_sa_obj(struct sk_buff *skb, const void *obj)
{
	return kipsec_nl_fill_sa(skb, obj);
}

static int kipsec_nl_fill_policy_obj(struct sk_buff *skb, const void *obj)
{
	return kipsec_nl_fill_policy(skb, obj);
}

static void kipsec_nl_notify_sa(struct kipsec_net *kn, u8 cmd,
				const struct kipsec_sa *sa)
{
	kipsec_nl_notify(kn, cmd, kipsec_nl_fill_sa_obj, sa);
}

static void kipsec_nl_notify_policy(struct kipsec_net *kn, u8 cmd,
				    const struct kipsec_policy *pol)
{
	kipsec_nl_notify(kn, cmd, kipsec_nl_fill_policy_obj, pol);
}

struct kipsec_nl_expire {
	const struct kipsec_sa *sa;
	u8 reason;
	bool hard;
};

static int kipsec_nl_fill_expire(struct sk_buff *skb, const void *obj)
{
	const struct kipsec_nl_expire *e = obj;

	if (kipsec_nl_fill_sa(skb, e->sa) ||
	    nla_put_u32(skb, KIPSEC_A_EXPIRE_REASON, e->reason) ||
	    (e->hard && nla_put_flag(skb, KIPSEC_A_EXPIRE_HARD)))
		return -EMSGSIZE;
	return 0;
}

/* Under kn->lock (lifetime.c). */
void kipsec_nl_notify_expire(struct kipsec_net *kn, const struct kipsec_sa *sa,
			     u8 reason, bool hard)
{
	struct kipsec_nl_expire e = { .sa = sa, .reason = reason, .hard = hard };

	lockdep_assert_held(&kn->lock);
	kipsec_nl_notify(kn, KIPSEC_CMD_SA_EXPIRE_NTF, kipsec_nl_fill_expire,
			 &e);
}

struct kipsec_nl_acquire {
	const struct kipsec_policy *pol;
	struct kipsec_sel pkt;
};

static int kipsec_nl_fill_acquire(struct sk_buff *skb, const void *obj)
{
	const struct kipsec_nl_acquire *a = obj;

	if (kipsec_nl_fill_policy(skb, a->pol) ||
	    kipsec_nl_fill_sel(skb, KIPSEC_A_PACKET, &a->pkt))
		return -EMSGSIZE;
	return 0;
}

/*
 * Packet path, under RCU: an outbound packet met protect policy @pol and
 * no SA.  The packet's own addresses, protocol and ports go along, as
 * host selectors, for the IKE daemon to narrow its proposal.
 */
bool kipsec_nl_notify_acquire(struct kipsec_net *kn,
			      const struct kipsec_policy *pol,
			      const struct kipsec_flow *fl)
{
	u8 full = fl->family == AF_INET ? 32 : 128;
	struct kipsec_nl_acquire a = {
		.pol = pol,
		.pkt = {
			.src = fl->saddr,
			.dst = fl->daddr,
			.family = fl->family,
			.src_plen = full,
			.dst_plen = full,
			.proto = fl->proto,
			.sport_max = 0xffff,
			.dport_max = 0xffff,
			.icmp_type = -1,
			.icmp_code = -1,
		},
	};

	if (fl->has_ports) {
		a.pkt.sport_min = a.pkt.sport_max = fl->sport;
		a.pkt.dport_min = a.pkt.dport_max = fl->dport;
	}
	return kipsec_nl_notify_gfp(kn, KIPSEC_CMD_ACQUIRE_NTF,
				    kipsec_nl_fill_acquire, &a, GFP_ATOMIC);
}

struct kipsec_nl_mapping {
	const struct kipsec_sa *sa;
	const union kipsec_addr *addr;
	__be16 port;
};

static int kipsec_nl_fill_mapping(struct sk_buff *skb, const void *obj)
{
	const struct kipsec_nl_mapping *m = obj;

	if (kipsec_nl_fill_sa(skb, m->sa) ||
	    kipsec_nl_put_addr(skb, KIPSEC_A_NEW_ADDR, m->addr,
			       m->sa->key.family) ||
	    nla_put_be16(skb, KIPSEC_A_NEW_PORT, m->port))
		return -EMSGSIZE;
	return 0;
}

/* Packet path: the peer of ESP-in-UDP SA @sa now sends from @addr:@port. */
bool kipsec_nl_notify_mapping(struct kipsec_net *kn, const struct kipsec_sa *sa,
			      const union kipsec_addr *addr, __be16 port)
{
	struct kipsec_nl_mapping m = { .sa = sa, .addr = addr, .port = port };

	return kipsec_nl_notify_gfp(kn, KIPSEC_CMD_SA_MAPPING_NTF,
				    kipsec_nl_fill_mapping, &m, GFP_ATOMIC);
}

/* ---- SA operations ----------------------------------------------------- */

static int kipsec_nl_parse_sa(struct genl_info *info,
			      const struct nla_policy *policy,
			      struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, KIPSEC_A_SA)) {
		NL_SET_ERR_MSG(info->extack, "missing SA");
		return -EINVAL;
	}
	return nla_parse_nested(tb, KIPSEC_A_SA_MAX, info->attrs[KIPSEC_A_SA],
				policy, info->extack);
}

static int kipsec_nl_sa_add(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_SA_MAX + 1];
	struct kipsec_sa *sa;
	int err;

	err = kipsec_nl_parse_sa(info, kipsec_sa_add_nl_policy, tb);
	if (!err)
		err = kipsec_nl_sa_build(info, tb, &sa);
	kipsec_nl_wipe_keys(info);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	err = kipsec_hooks_enable(kn);
	if (!err) {
		err = kipsec_sad_insert(&kn->sad, sa);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, tb[KIPSEC_A_SA_SPI],
					    "an SA with this destination, SPI and protocol exists");
	}
	if (!err) {
		kipsec_net_changed(kn);
		kipsec_nl_notify_sa(kn, KIPSEC_CMD_SA_ADD_NTF, sa);
		if (kipsec_sa_has_limits(sa))
			kipsec_life_kick(kn);
	}
	mutex_unlock(&kn->lock);
	if (err)
		kipsec_sa_put(sa);
	return err;
}

/* Under kn->lock: the SA @tb names, or NULL and an extack message. */
static struct kipsec_sa *kipsec_nl_sa_find(struct kipsec_net *kn,
					   struct genl_info *info,
					   struct nlattr **tb, int *err)
{
	struct kipsec_sa_key key;
	union kipsec_addr src;
	struct kipsec_sa *sa;
	bool has_src;

	*err = kipsec_nl_sa_key(info, tb, &key, &src, &has_src);
	if (*err)
		return NULL;
	rcu_read_lock();
	sa = kipsec_sad_lookup(&kn->sad, &key);
	rcu_read_unlock();
	if (sa && has_src &&
	    !kipsec_addr_equal(&sa->pair.saddr, &src, key.family))
		sa = NULL;
	if (!sa) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KIPSEC_A_SA_SPI],
				    "no such SA");
		*err = -ENOENT;
	}
	return sa;
}

/*
 * SA_UPDATE without algorithms: a valid ESP-in-UDP SA's ports change (the
 * peer's NAT mapping moved).  Nothing else of a valid SA can change.
 */
static int kipsec_nl_sa_set_encap(struct kipsec_net *kn, struct genl_info *info,
				  struct nlattr **tb)
{
	struct netlink_ext_ack *extack = info->extack;
	struct kipsec_sa *sa;
	u32 ports;
	u8 type;
	int err;

	if (!tb[KIPSEC_A_SA_ENCAP]) {
		NL_SET_ERR_MSG(extack,
			       "SA update needs the algorithms (larval SA) or ENCAP (valid SA)");
		return -EINVAL;
	}
	err = kipsec_nl_encap(tb[KIPSEC_A_SA_ENCAP], &type, &ports, extack);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	sa = kipsec_nl_sa_find(kn, info, tb, &err);
	if (!sa)
		goto out;
	err = -EINVAL;
	if (sa->state != KIPSEC_SA_STATE_VALID)
		NL_SET_ERR_MSG(extack, "a larval SA is completed with its algorithms");
	else if (sa->encap_type != type)
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_SA_ENCAP],
				    "an SA's encapsulation type cannot change");
	else
		err = 0;
	if (!err) {
		WRITE_ONCE(sa->encap_ports, ports);
		kipsec_net_changed(kn);
		kipsec_nl_notify_sa(kn, KIPSEC_CMD_SA_ADD_NTF, sa);
	}
out:
	mutex_unlock(&kn->lock);
	return err;
}

/*
 * Completes an SA reserved by SA_ALLOCSPI (a whole new SA takes its
 * place), or moves a valid SA's ESP-in-UDP ports.
 */
static int kipsec_nl_sa_update(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_SA_MAX + 1];
	struct kipsec_sa *sa, *old;
	int err;

	err = kipsec_nl_parse_sa(info, kipsec_sa_add_nl_policy, tb);
	if (err) {
		kipsec_nl_wipe_keys(info);
		return err;
	}
	if (!tb[KIPSEC_A_SA_AEAD] && !tb[KIPSEC_A_SA_ENC] &&
	    !tb[KIPSEC_A_SA_AUTH])
		return kipsec_nl_sa_set_encap(kn, info, tb);
	err = kipsec_nl_sa_build(info, tb, &sa);
	kipsec_nl_wipe_keys(info);
	if (err)
		return err;

	mutex_lock(&kn->lock);
	rcu_read_lock();
	old = kipsec_sad_lookup(&kn->sad, &sa->key);
	rcu_read_unlock();
	if (!old) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KIPSEC_A_SA_SPI],
				    "no SA with this destination, SPI and protocol");
		err = -ENOENT;
	} else if (old->state != KIPSEC_SA_STATE_LARVAL) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KIPSEC_A_SA_SPI],
				    "a valid SA keeps its algorithms: update only its ENCAP ports");
		err = -EOPNOTSUPP;
	} else if (!kipsec_addr_equal(&old->pair.saddr, &sa->pair.saddr,
				      sa->key.family)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KIPSEC_A_SA_SRC],
				    "source address differs from the reserved SA's");
		err = -EINVAL;
	} else {
		err = kipsec_sad_replace(&kn->sad, old, sa);
	}
	if (!err) {
		kipsec_net_changed(kn);
		kipsec_nl_notify_sa(kn, KIPSEC_CMD_SA_ADD_NTF, sa);
		if (kipsec_sa_has_limits(sa))
			kipsec_life_kick(kn);
	}
	mutex_unlock(&kn->lock);
	if (err)
		kipsec_sa_put(sa);
	return err;
}

static int kipsec_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_SA_MAX + 1];
	struct kipsec_sa *sa;
	int err;

	err = kipsec_nl_parse_sa(info, kipsec_sa_id_nl_policy, tb);
	if (err)
		return err;
	mutex_lock(&kn->lock);
	sa = kipsec_nl_sa_find(kn, info, tb, &err);
	if (sa) {
		kipsec_nl_notify_sa(kn, KIPSEC_CMD_SA_DEL_NTF, sa);
		kipsec_sad_remove(&kn->sad, sa);
		kipsec_net_changed(kn);
	}
	mutex_unlock(&kn->lock);
	return err;
}

static int kipsec_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_SA_MAX + 1];
	struct kipsec_sa *sa;
	int err;

	err = kipsec_nl_parse_sa(info, kipsec_sa_id_nl_policy, tb);
	if (err)
		return err;
	mutex_lock(&kn->lock);
	sa = kipsec_nl_sa_find(kn, info, tb, &err);
	if (sa)
		err = kipsec_nl_reply(info, kipsec_nl_fill_sa_obj, sa);
	mutex_unlock(&kn->lock);
	return err;
}

/* Dumps resume from the next SA id, a key that does not shift. */
static int kipsec_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_net(sock_net(skb->sk));
	unsigned long id;
	struct kipsec_sa *sa;
	void *hdr;

	rcu_read_lock();
	cb->seq = READ_ONCE(kn->gen);
	xa_for_each_start(&kn->sad.byid, id, sa, cb->args[0]) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kipsec_nl_family,
				  NLM_F_MULTI, KIPSEC_CMD_SA_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (kipsec_nl_fill_sa(skb, sa)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = id + 1;
	}
	rcu_read_unlock();
	return skb->len;
}

static int kipsec_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_SA_MAX + 1];
	struct kipsec_sa *sa;
	unsigned long id;
	u8 proto = 0;
	int err;

	if (info->attrs[KIPSEC_A_SA]) {
		err = nla_parse_nested(tb, KIPSEC_A_SA_MAX,
				       info->attrs[KIPSEC_A_SA],
				       kipsec_sa_flush_nl_policy, info->extack);
		if (err)
			return err;
		if (tb[KIPSEC_A_SA_PROTO]) {
			err = kipsec_nl_proto(tb[KIPSEC_A_SA_PROTO], info->extack);
			if (err)
				return err;
			proto = nla_get_u32(tb[KIPSEC_A_SA_PROTO]);
		}
	}

	mutex_lock(&kn->lock);
	xa_for_each(&kn->sad.byid, id, sa) {
		if (proto && sa->key.proto != proto)
			continue;
		kipsec_nl_notify_sa(kn, KIPSEC_CMD_SA_DEL_NTF, sa);
		kipsec_sad_remove(&kn->sad, sa);
	}
	kipsec_net_changed(kn);
	mutex_unlock(&kn->lock);
	return 0;
}

/* A uniformly random SPI in [min, max] nobody uses for (dst, proto). */
static int kipsec_nl_pick_spi(struct kipsec_net *kn, struct kipsec_sa *sa,
			      u32 min, u32 max)
{
	u64 range = (u64)max - min + 1;
	u64 i, tries = min_t(u64, range, 64);
	u32 first;
	int err;

	first = min + (u32)(((u64)get_random_u32() * range) >> 32);
	for (i = 0; i < tries; i++) {
		/* small ranges: every value once; large: random probes */
		u32 spi = range <= 64 ? min + (u32)((first - min + i) % range)
				      : min + (u32)(((u64)get_random_u32() * range) >> 32);

		sa->key.spi = htonl(spi);
		err = kipsec_sad_insert(&kn->sad, sa);
		if (err != -EEXIST)
			return err;
	}
	return -ENOSPC;
}

static int kipsec_nl_sa_allocspi(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[KIPSEC_A_SA_MAX + 1];
	struct nlattr *nest;
	u32 min = KIPSEC_SPI_MIN, max = U32_MAX;
	struct kipsec_sa *sa;
	int err;

	err = kipsec_nl_parse_sa(info, kipsec_sa_allocspi_nl_policy, tb);
	if (err)
		return err;
	nest = info->attrs[KIPSEC_A_SA];
	if (KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_SA_SRC,
			      "missing SA source address") ||
	    KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_SA_DST,
			      "missing SA destination address") ||
	    KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_SA_PROTO,
			      "missing SA protocol"))
		return -EINVAL;
	if (tb[KIPSEC_A_SA_SPI_MIN])
		min = ntohl(nla_get_be32(tb[KIPSEC_A_SA_SPI_MIN]));
	if (tb[KIPSEC_A_SA_SPI_MAX])
		max = ntohl(nla_get_be32(tb[KIPSEC_A_SA_SPI_MAX]));
	if (!min || min > max) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_SA_SPI_MIN] ?: nest,
				    "SPI range must be non-empty and exclude 0");
		return -EINVAL;
	}
	err = kipsec_nl_proto(tb[KIPSEC_A_SA_PROTO], extack);
	if (err)
		return err;

	sa = kipsec_sa_alloc(0);
	if (!sa)
		return -ENOMEM;
	err = kipsec_nl_addr_pair(tb[KIPSEC_A_SA_SRC], &sa->pair.saddr,
				  tb[KIPSEC_A_SA_DST], &sa->key.daddr,
				  &sa->key.family, extack);
	if (err)
		goto out_put;
	sa->key.proto = nla_get_u32(tb[KIPSEC_A_SA_PROTO]);
	sa->pair.family = sa->key.family;
	sa->pair.proto = sa->key.proto;
	sa->pair.daddr = sa->key.daddr;
	sa->state = KIPSEC_SA_STATE_LARVAL;
	/* a reservation nobody completes goes away, like XFRM's acquire state */
	err = kipsec_nl_lifetime(tb[KIPSEC_A_SA_LIFETIME_HARD], &sa->hard, extack);
	if (err)
		goto out_put;
	if (!sa->hard.add_secs)
		sa->hard.add_secs = larval_secs;
	if (tb[KIPSEC_A_SA_MODE])
		sa->mode = nla_get_u32(tb[KIPSEC_A_SA_MODE]);
	if (tb[KIPSEC_A_SA_REQID])
		sa->reqid = nla_get_u32(tb[KIPSEC_A_SA_REQID]);

	mutex_lock(&kn->lock);
	err = kipsec_hooks_enable(kn);
	if (!err)
		err = kipsec_nl_pick_spi(kn, sa, min, max);
	if (err) {
		/* not in the tables: the reference is still ours */
		mutex_unlock(&kn->lock);
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(extack, "no free SPI found in the range");
		goto out_put;
	}
	kipsec_net_changed(kn);
	err = kipsec_nl_reply(info, kipsec_nl_fill_sa_obj, sa);
	if (err) {	/* nobody learns the SPI: take it back (the tables' ref) */
		kipsec_sad_remove(&kn->sad, sa);
	} else {
		kipsec_nl_notify_sa(kn, KIPSEC_CMD_SA_ADD_NTF, sa);
		kipsec_life_kick(kn);
	}
	mutex_unlock(&kn->lock);
	return err;

out_put:
	kipsec_sa_put(sa);
	return err;
}

/* ---- policy operations ------------------------------------------------- */

static int kipsec_nl_parse_policy(struct genl_info *info,
				  const struct nla_policy *policy,
				  struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, KIPSEC_A_POLICY)) {
		NL_SET_ERR_MSG(info->extack, "missing policy");
		return -EINVAL;
	}
	return nla_parse_nested(tb, KIPSEC_A_POLICY_MAX,
				info->attrs[KIPSEC_A_POLICY], policy,
				info->extack);
}

static int kipsec_nl_policy_add(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[KIPSEC_A_POLICY_MAX + 1];
	struct kipsec_policy *pol;
	struct nlattr *nest;
	unsigned int n;
	int err;

	err = kipsec_nl_parse_policy(info, kipsec_policy_add_nl_policy, tb);
	if (err)
		return err;
	nest = info->attrs[KIPSEC_A_POLICY];
	if (KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_POLICY_DIR,
			      "missing policy direction") ||
	    KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_POLICY_ACTION,
			      "missing policy action") ||
	    KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_POLICY_SEL,
			      "missing policy selector"))
		return -EINVAL;

	pol = kipsec_policy_alloc();
	if (!pol)
		return -ENOMEM;
	pol->dir = nla_get_u32(tb[KIPSEC_A_POLICY_DIR]);
	pol->action = nla_get_u32(tb[KIPSEC_A_POLICY_ACTION]);
	if (tb[KIPSEC_A_POLICY_PRIORITY])
		pol->priority = nla_get_u32(tb[KIPSEC_A_POLICY_PRIORITY]);
	err = kipsec_nl_sel(tb[KIPSEC_A_POLICY_SEL], &pol->sel, extack);
	if (err)
		goto out_free;
	if (pol->action == KIPSEC_ACTION_PROTECT) {
		if (KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_POLICY_TMPL,
				      "a protect policy needs a template")) {
			err = -EINVAL;
			goto out_free;
		}
		err = kipsec_nl_tmpl(tb[KIPSEC_A_POLICY_TMPL], &pol->tmpl,
				     pol->sel.family, extack);
		if (err)
			goto out_free;
	} else if (tb[KIPSEC_A_POLICY_TMPL]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_POLICY_TMPL],
				    "only a protect policy takes a template");
		err = -EINVAL;
		goto out_free;
	}

	mutex_lock(&kn->lock);
	if (kipsec_spd_find(&kn->spd, pol->dir, &pol->sel, &pol->priority, &n)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_POLICY_SEL],
				    "a policy with this selector, direction and priority exists");
		err = -EEXIST;
	}
	if (!err)
		err = kipsec_hooks_enable(kn);
	if (!err)
		err = kipsec_spd_insert(&kn->spd, pol);
	if (!err) {
		kipsec_net_changed(kn);
		kipsec_nl_notify_policy(kn, KIPSEC_CMD_POLICY_ADD_NTF, pol);
		/* the reply tells the index; the policy stays either way */
		kipsec_nl_reply(info, kipsec_nl_fill_policy_obj, pol);
	}
	mutex_unlock(&kn->lock);
	if (err)
		goto out_free;
	return 0;

out_free:
	kipsec_policy_free(pol);
	return err;
}

/* Under kn->lock: the policy @tb names by index, or by selector and dir. */
static struct kipsec_policy *kipsec_nl_policy_find(struct kipsec_net *kn,
						   struct genl_info *info,
						   struct nlattr **tb,
						   int *err)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[KIPSEC_A_POLICY];
	struct kipsec_policy *pol;
	struct kipsec_sel sel;
	u32 priority;
	unsigned int n;

	if (tb[KIPSEC_A_POLICY_INDEX]) {
		pol = xa_load(&kn->spd.byindex,
			      nla_get_u32(tb[KIPSEC_A_POLICY_INDEX]));
		if (!pol) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_POLICY_INDEX],
					    "no policy with this index");
			*err = -ENOENT;
		}
		return pol;
	}
	if (KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_POLICY_SEL,
			      "give a policy index, or a selector and a direction") ||
	    KIPSEC_NL_MISSING(extack, nest, tb, KIPSEC_A_POLICY_DIR,
			      "missing policy direction")) {
		*err = -EINVAL;
		return NULL;
	}
	*err = kipsec_nl_sel(tb[KIPSEC_A_POLICY_SEL], &sel, extack);
	if (*err)
		return NULL;
	if (tb[KIPSEC_A_POLICY_PRIORITY])
		priority = nla_get_u32(tb[KIPSEC_A_POLICY_PRIORITY]);
	pol = kipsec_spd_find(&kn->spd, nla_get_u32(tb[KIPSEC_A_POLICY_DIR]),
			      &sel, tb[KIPSEC_A_POLICY_PRIORITY] ? &priority : NULL,
			      &n);
	if (!pol) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_POLICY_SEL],
				    "no such policy");
		*err = -ENOENT;
	} else if (n > 1) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_A_POLICY_SEL],
				    "several policies have this selector: give the priority or the index");
		*err = -EINVAL;
		pol = NULL;
	}
	return pol;
}

static int kipsec_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_POLICY_MAX + 1];
	struct kipsec_policy *pol;
	int err;

	err = kipsec_nl_parse_policy(info, kipsec_policy_id_nl_policy, tb);
	if (err)
		return err;
	mutex_lock(&kn->lock);
	pol = kipsec_nl_policy_find(kn, info, tb, &err);
	if (pol) {
		kipsec_nl_notify_policy(kn, KIPSEC_CMD_POLICY_DEL_NTF, pol);
		kipsec_spd_remove(&kn->spd, pol);
		kipsec_net_changed(kn);
	}
	mutex_unlock(&kn->lock);
	return err;
}

static int kipsec_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_POLICY_MAX + 1];
	struct kipsec_policy *pol;
	int err;

	err = kipsec_nl_parse_policy(info, kipsec_policy_id_nl_policy, tb);
	if (err)
		return err;
	mutex_lock(&kn->lock);
	pol = kipsec_nl_policy_find(kn, info, tb, &err);
	if (pol)
		err = kipsec_nl_reply(info, kipsec_nl_fill_policy_obj, pol);
	mutex_unlock(&kn->lock);
	return err;
}

static int kipsec_nl_policy_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_net(sock_net(skb->sk));
	struct kipsec_policy *pol;
	unsigned long index;
	void *hdr;

	rcu_read_lock();
	cb->seq = READ_ONCE(kn->gen);
	xa_for_each_start(&kn->spd.byindex, index, pol, cb->args[0]) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kipsec_nl_family,
				  NLM_F_MULTI, KIPSEC_CMD_POLICY_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (kipsec_nl_fill_policy(skb, pol)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = index + 1;
	}
	rcu_read_unlock();
	return skb->len;
}

static int kipsec_nl_policy_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_POLICY_MAX + 1];
	struct kipsec_policy *pol;
	unsigned long index;
	int dir = -1;
	int err;

	if (info->attrs[KIPSEC_A_POLICY]) {
		err = nla_parse_nested(tb, KIPSEC_A_POLICY_MAX,
				       info->attrs[KIPSEC_A_POLICY],
				       kipsec_policy_flush_nl_policy,
				       info->extack);
		if (err)
			return err;
		if (tb[KIPSEC_A_POLICY_DIR])
			dir = nla_get_u32(tb[KIPSEC_A_POLICY_DIR]);
	}

	mutex_lock(&kn->lock);
	xa_for_each(&kn->spd.byindex, index, pol) {
		if (dir >= 0 && pol->dir != dir)
			continue;
		kipsec_nl_notify_policy(kn, KIPSEC_CMD_POLICY_DEL_NTF, pol);
		kipsec_spd_remove(&kn->spd, pol);
	}
	kipsec_net_changed(kn);
	mutex_unlock(&kn->lock);
	return 0;
}

/* ---- sockets (sock.c) -------------------------------------------------- */

static int kipsec_nl_fill_sock(struct sk_buff *skb, const void *obj)
{
	const struct kipsec_sock_info *si = obj;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KIPSEC_A_SOCK);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KIPSEC_A_SOCK_FLAGS, si->flags) ||
	    nla_put_u32(skb, KIPSEC_A_SOCK_FAMILY, si->family) ||
	    nla_put_u32(skb, KIPSEC_A_SOCK_PROTO, si->proto) ||
	    kipsec_nl_put_addr(skb, KIPSEC_A_SOCK_ADDR, &si->addr,
			       si->family) ||
	    nla_put_be16(skb, KIPSEC_A_SOCK_PORT, si->port)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The file descriptor of SOCK_ADD/SOCK_DEL: the sender's own. */
static int kipsec_nl_parse_sock(struct genl_info *info,
				const struct nla_policy *policy,
				struct nlattr **tb)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KIPSEC_A_SOCK)) {
		NL_SET_ERR_MSG(info->extack, "missing socket");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, KIPSEC_A_SOCK_MAX, info->attrs[KIPSEC_A_SOCK],
			       policy, info->extack);
	if (err)
		return err;
	if (KIPSEC_NL_MISSING(info->extack, info->attrs[KIPSEC_A_SOCK], tb,
			      KIPSEC_A_SOCK_FD, "missing socket file descriptor"))
		return -EINVAL;
	return 0;
}

static int kipsec_nl_sock_add(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_SOCK_MAX + 1];
	struct kipsec_sock_info si;
	int err;

	err = kipsec_nl_parse_sock(info, kipsec_sock_add_nl_policy, tb);
	if (err)
		return err;
	if (KIPSEC_NL_MISSING(info->extack, info->attrs[KIPSEC_A_SOCK], tb,
			      KIPSEC_A_SOCK_FLAGS, "missing socket flags"))
		return -EINVAL;
	err = kipsec_sock_add(kn, nla_get_u32(tb[KIPSEC_A_SOCK_FD]),
			      nla_get_u32(tb[KIPSEC_A_SOCK_FLAGS]), &si,
			      info->extack);
	if (err)
		return err;
	return kipsec_nl_reply(info, kipsec_nl_fill_sock, &si);
}

static int kipsec_nl_sock_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_A_SOCK_MAX + 1];
	int err;

	err = kipsec_nl_parse_sock(info, kipsec_sock_id_nl_policy, tb);
	if (err)
		return err;
	return kipsec_sock_del(kn, nla_get_u32(tb[KIPSEC_A_SOCK_FD]),
			       info->extack);
}

/* Few sockets (an IKE daemon has four): one message each, in one go. */
static int kipsec_nl_sock_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_net(sock_net(skb->sk));
	struct kipsec_sock_info si;
	struct kipsec_sock *ks;
	long i = 0;
	void *hdr;

	mutex_lock(&kn->lock);
	kipsec_sock_sweep(kn);
	list_for_each_entry(ks, &kn->socks, list) {
		if (i++ < cb->args[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kipsec_nl_family,
				  NLM_F_MULTI, KIPSEC_CMD_SOCK_GET);
		if (!hdr)
			break;
		kipsec_sock_info(ks, &si);
		if (kipsec_nl_fill_sock(skb, &si)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = i;
	}
	mutex_unlock(&kn->lock);
	return skb->len;
}

/* ---- statistics -------------------------------------------------------- */

static int kipsec_nl_fill_stats(struct sk_buff *skb, const void *obj)
{
	struct kipsec_net *kn = (struct kipsec_net *)obj;
	struct nlattr *nest, *ctr;
	int i;

	nest = nla_nest_start(skb, KIPSEC_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < KIPSEC_STAT_MAX; i++) {
		ctr = nla_nest_start(skb, KIPSEC_A_STATS_COUNTER);
		if (!ctr ||
		    nla_put_string(skb, KIPSEC_A_COUNTER_NAME,
				   kipsec_stat_names[i]) ||
		    nla_put_u64_64bit(skb, KIPSEC_A_COUNTER_VALUE,
				      kipsec_stats_read(kn, i),
				      KIPSEC_A_COUNTER_PAD))
			goto cancel;
		nla_nest_end(skb, ctr);
	}
	if (nla_put_u32(skb, KIPSEC_A_STATS_SA_COUNT, READ_ONCE(kn->sad.count)) ||
	    nla_put_u32(skb, KIPSEC_A_STATS_POLICY_COUNT,
			READ_ONCE(kn->spd.count)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int kipsec_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return kipsec_nl_reply(info, kipsec_nl_fill_stats,
			       kipsec_net(genl_info_net(info)));
}

/* ---- the family -------------------------------------------------------- */

#define KIPSEC_OP(_cmd, _doit, _policy, _maxattr) {			\
	.cmd = (_cmd),							\
	.doit = (_doit),						\
	.policy = (_policy),						\
	.maxattr = (_maxattr),						\
	.flags = GENL_UNS_ADMIN_PERM,					\
}

static const struct genl_ops kipsec_nl_ops[] = {
	KIPSEC_OP(KIPSEC_CMD_SA_ADD, kipsec_nl_sa_add,
		  kipsec_sa_add_op_policy, KIPSEC_A_SA),
	KIPSEC_OP(KIPSEC_CMD_SA_UPDATE, kipsec_nl_sa_update,
		  kipsec_sa_add_op_policy, KIPSEC_A_SA),
	KIPSEC_OP(KIPSEC_CMD_SA_DEL, kipsec_nl_sa_del,
		  kipsec_sa_id_op_policy, KIPSEC_A_SA),
	{
		.cmd = KIPSEC_CMD_SA_GET,
		.doit = kipsec_nl_sa_get,
		.dumpit = kipsec_nl_sa_dump,
		.policy = kipsec_sa_id_op_policy,
		.maxattr = KIPSEC_A_SA,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	KIPSEC_OP(KIPSEC_CMD_SA_FLUSH, kipsec_nl_sa_flush,
		  kipsec_sa_flush_op_policy, KIPSEC_A_SA),
	KIPSEC_OP(KIPSEC_CMD_SA_ALLOCSPI, kipsec_nl_sa_allocspi,
		  kipsec_sa_allocspi_op_policy, KIPSEC_A_SA),
	KIPSEC_OP(KIPSEC_CMD_POLICY_ADD, kipsec_nl_policy_add,
		  kipsec_policy_add_op_policy, KIPSEC_A_POLICY),
	KIPSEC_OP(KIPSEC_CMD_POLICY_DEL, kipsec_nl_policy_del,
		  kipsec_policy_id_op_policy, KIPSEC_A_POLICY),
	{
		.cmd = KIPSEC_CMD_POLICY_GET,
		.doit = kipsec_nl_policy_get,
		.dumpit = kipsec_nl_policy_dump,
		.policy = kipsec_policy_id_op_policy,
		.maxattr = KIPSEC_A_POLICY,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	KIPSEC_OP(KIPSEC_CMD_POLICY_FLUSH, kipsec_nl_policy_flush,
		  kipsec_policy_flush_op_policy, KIPSEC_A_POLICY),
	KIPSEC_OP(KIPSEC_CMD_STATS_GET, kipsec_nl_stats_get,
		  kipsec_none_op_policy, KIPSEC_A_MAX),
	KIPSEC_OP(KIPSEC_CMD_SOCK_ADD, kipsec_nl_sock_add,
		  kipsec_sock_add_op_policy, KIPSEC_A_SOCK),
	KIPSEC_OP(KIPSEC_CMD_SOCK_DEL, kipsec_nl_sock_del,
		  kipsec_sock_id_op_policy, KIPSEC_A_SOCK),
	{
		.cmd = KIPSEC_CMD_SOCK_GET,
		.dumpit = kipsec_nl_sock_dump,
		.policy = kipsec_none_op_policy,
		.maxattr = KIPSEC_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family kipsec_nl_family __ro_after_init = {
	.name = KIPSEC_FAMILY_NAME,
	.version = KIPSEC_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = kipsec_nl_ops,
	.n_ops = ARRAY_SIZE(kipsec_nl_ops),
	.mcgrps = kipsec_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kipsec_nl_mcgrps),
};

int __init kipsec_nl_register(void)
{
	return genl_register_family(&kipsec_nl_family);
}

void kipsec_nl_unregister(void)
{
	genl_unregister_family(&kipsec_nl_family);
}
