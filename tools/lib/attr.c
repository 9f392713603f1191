// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Attribute schema of the kipsec UAPI: names and types of every attribute,
 * reply validation, attribute paths for extack offsets, big-endian helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>

#include "internal.h"

#define ATTR(t, n, ty)		[t] = { .name = n, .type = KIPSEC_ATTR_##ty }
#define NEST(t, n, set)		[t] = { .name = n, .type = KIPSEC_ATTR_NEST, \
					.nest = KIPSEC_SET_##set }

static const struct kipsec_attr_spec kipsec_attr_top[KIPSEC_A_MAX + 1] = {
	NEST(KIPSEC_A_SA, "sa", SA),
	NEST(KIPSEC_A_POLICY, "policy", POLICY),
	NEST(KIPSEC_A_STATS, "stats", STATS),
	ATTR(KIPSEC_A_EXPIRE_HARD, "expire-hard", FLAG),
	ATTR(KIPSEC_A_EXPIRE_REASON, "expire-reason", U32),
	NEST(KIPSEC_A_PACKET, "packet", SEL),
	NEST(KIPSEC_A_SOCK, "sock", SOCK),
	ATTR(KIPSEC_A_NEW_ADDR, "new-addr", ADDR),
	ATTR(KIPSEC_A_NEW_PORT, "new-port", BE16),
};

static const struct kipsec_attr_spec kipsec_attr_sa[KIPSEC_A_SA_MAX + 1] = {
	ATTR(KIPSEC_A_SA_SRC, "src", ADDR),
	ATTR(KIPSEC_A_SA_DST, "dst", ADDR),
	ATTR(KIPSEC_A_SA_SPI, "spi", BE32),
	ATTR(KIPSEC_A_SA_PROTO, "proto", U32),
	ATTR(KIPSEC_A_SA_MODE, "mode", U32),
	ATTR(KIPSEC_A_SA_REQID, "reqid", U32),
	NEST(KIPSEC_A_SA_AEAD, "aead", ALG),
	NEST(KIPSEC_A_SA_ENC, "enc", ALG),
	NEST(KIPSEC_A_SA_AUTH, "auth", ALG),
	ATTR(KIPSEC_A_SA_REPLAY_WINDOW, "replay-window", U32),
	ATTR(KIPSEC_A_SA_FLAGS, "flags", U32),
	ATTR(KIPSEC_A_SA_STATE, "state", U32),
	ATTR(KIPSEC_A_SA_SPI_MIN, "spi-min", BE32),
	ATTR(KIPSEC_A_SA_SPI_MAX, "spi-max", BE32),
	ATTR(KIPSEC_A_SA_SEQ_OUT, "seq-out", U64),
	ATTR(KIPSEC_A_SA_SEQ_IN, "seq-in", U64),
	NEST(KIPSEC_A_SA_STATS, "stats", SA_STATS),
	NEST(KIPSEC_A_SA_LIFETIME_SOFT, "lifetime-soft", LIFETIME),
	NEST(KIPSEC_A_SA_LIFETIME_HARD, "lifetime-hard", LIFETIME),
	ATTR(KIPSEC_A_SA_ADD_TIME, "add-time", U64),
	ATTR(KIPSEC_A_SA_USE_TIME, "use-time", U64),
	ATTR(KIPSEC_A_SA_LAST_USE_TIME, "last-use-time", U64),
	ATTR(KIPSEC_A_SA_TUNNEL_DF, "tunnel-df", U32),
	NEST(KIPSEC_A_SA_ENCAP, "encap", ENCAP),
};

static const struct kipsec_attr_spec kipsec_attr_encap[KIPSEC_A_ENCAP_MAX + 1] = {
	ATTR(KIPSEC_A_ENCAP_TYPE, "type", U32),
	ATTR(KIPSEC_A_ENCAP_SPORT, "sport", BE16),
	ATTR(KIPSEC_A_ENCAP_DPORT, "dport", BE16),
};

static const struct kipsec_attr_spec kipsec_attr_sock[KIPSEC_A_SOCK_MAX + 1] = {
	ATTR(KIPSEC_A_SOCK_FD, "fd", U32),
	ATTR(KIPSEC_A_SOCK_FLAGS, "flags", U32),
	ATTR(KIPSEC_A_SOCK_FAMILY, "family", U32),
	ATTR(KIPSEC_A_SOCK_PROTO, "proto", U32),
	ATTR(KIPSEC_A_SOCK_ADDR, "addr", ADDR),
	ATTR(KIPSEC_A_SOCK_PORT, "port", BE16),
};

static const struct kipsec_attr_spec kipsec_attr_alg[KIPSEC_A_ALG_MAX + 1] = {
	ATTR(KIPSEC_A_ALG_NAME, "name", STRING),
	ATTR(KIPSEC_A_ALG_KEY, "key", SECRET),
	ATTR(KIPSEC_A_ALG_ICV_LEN, "icv-len", U32),
	ATTR(KIPSEC_A_ALG_KEY_LEN, "key-len", U32),
};

static const struct kipsec_attr_spec
kipsec_attr_sa_stats[KIPSEC_A_SA_STATS_MAX + 1] = {
	ATTR(KIPSEC_A_SA_STATS_RX_PACKETS, "rx-packets", U64),
	ATTR(KIPSEC_A_SA_STATS_RX_BYTES, "rx-bytes", U64),
	ATTR(KIPSEC_A_SA_STATS_TX_PACKETS, "tx-packets", U64),
	ATTR(KIPSEC_A_SA_STATS_TX_BYTES, "tx-bytes", U64),
	ATTR(KIPSEC_A_SA_STATS_AUTH_FAIL, "auth-fail", U64),
	ATTR(KIPSEC_A_SA_STATS_REPLAY, "replay", U64),
	ATTR(KIPSEC_A_SA_STATS_POLICY_FAIL, "policy-fail", U64),
	ATTR(KIPSEC_A_SA_STATS_ERRORS, "errors", U64),
};

static const struct kipsec_attr_spec
kipsec_attr_lifetime[KIPSEC_A_LIFE_MAX + 1] = {
	ATTR(KIPSEC_A_LIFE_BYTES, "bytes", U64),
	ATTR(KIPSEC_A_LIFE_PACKETS, "packets", U64),
	ATTR(KIPSEC_A_LIFE_ADD_SECS, "add-secs", U64),
	ATTR(KIPSEC_A_LIFE_USE_SECS, "use-secs", U64),
};

static const struct kipsec_attr_spec kipsec_attr_policy[KIPSEC_A_POLICY_MAX + 1] = {
	ATTR(KIPSEC_A_POLICY_INDEX, "index", U32),
	ATTR(KIPSEC_A_POLICY_DIR, "dir", U32),
	ATTR(KIPSEC_A_POLICY_PRIORITY, "priority", U32),
	ATTR(KIPSEC_A_POLICY_ACTION, "action", U32),
	NEST(KIPSEC_A_POLICY_SEL, "sel", SEL),
	NEST(KIPSEC_A_POLICY_TMPL, "tmpl", TMPL),
	ATTR(KIPSEC_A_POLICY_PACKETS, "packets", U64),
	ATTR(KIPSEC_A_POLICY_BYTES, "bytes", U64),
	ATTR(KIPSEC_A_POLICY_ADD_TIME, "add-time", U64),
	ATTR(KIPSEC_A_POLICY_USE_TIME, "use-time", U64),
};

static const struct kipsec_attr_spec kipsec_attr_sel[KIPSEC_A_SEL_MAX + 1] = {
	ATTR(KIPSEC_A_SEL_SRC, "src", ADDR),
	ATTR(KIPSEC_A_SEL_DST, "dst", ADDR),
	ATTR(KIPSEC_A_SEL_SRC_PREFIXLEN, "src-prefixlen", U32),
	ATTR(KIPSEC_A_SEL_DST_PREFIXLEN, "dst-prefixlen", U32),
	ATTR(KIPSEC_A_SEL_PROTO, "proto", U32),
	ATTR(KIPSEC_A_SEL_SPORT_MIN, "sport-min", BE16),
	ATTR(KIPSEC_A_SEL_SPORT_MAX, "sport-max", BE16),
	ATTR(KIPSEC_A_SEL_DPORT_MIN, "dport-min", BE16),
	ATTR(KIPSEC_A_SEL_DPORT_MAX, "dport-max", BE16),
	ATTR(KIPSEC_A_SEL_ICMP_TYPE, "icmp-type", U32),
	ATTR(KIPSEC_A_SEL_ICMP_CODE, "icmp-code", U32),
};

static const struct kipsec_attr_spec kipsec_attr_tmpl[KIPSEC_A_TMPL_MAX + 1] = {
	ATTR(KIPSEC_A_TMPL_PROTO, "proto", U32),
	ATTR(KIPSEC_A_TMPL_MODE, "mode", U32),
	ATTR(KIPSEC_A_TMPL_SRC, "src", ADDR),
	ATTR(KIPSEC_A_TMPL_DST, "dst", ADDR),
	ATTR(KIPSEC_A_TMPL_REQID, "reqid", U32),
	ATTR(KIPSEC_A_TMPL_SPI, "spi", BE32),
};

static const struct kipsec_attr_spec kipsec_attr_stats[KIPSEC_A_STATS_MAX + 1] = {
	NEST(KIPSEC_A_STATS_COUNTER, "counter", COUNTER),
	ATTR(KIPSEC_A_STATS_SA_COUNT, "sa-count", U32),
	ATTR(KIPSEC_A_STATS_POLICY_COUNT, "policy-count", U32),
};

static const struct kipsec_attr_spec
kipsec_attr_counter[KIPSEC_A_COUNTER_MAX + 1] = {
	ATTR(KIPSEC_A_COUNTER_NAME, "name", STRING),
	ATTR(KIPSEC_A_COUNTER_VALUE, "value", U64),
};

static const struct {
	const char *name;
	const struct kipsec_attr_spec *attrs;
	unsigned int max;
} kipsec_attr_sets[] = {
	[KIPSEC_SET_TOP] = { "top", kipsec_attr_top, KIPSEC_A_MAX },
	[KIPSEC_SET_SA] = { "sa", kipsec_attr_sa, KIPSEC_A_SA_MAX },
	[KIPSEC_SET_ALG] = { "alg", kipsec_attr_alg, KIPSEC_A_ALG_MAX },
	[KIPSEC_SET_SA_STATS] = { "sa-stats", kipsec_attr_sa_stats,
				  KIPSEC_A_SA_STATS_MAX },
	[KIPSEC_SET_LIFETIME] = { "lifetime", kipsec_attr_lifetime,
				  KIPSEC_A_LIFE_MAX },
	[KIPSEC_SET_POLICY] = { "policy", kipsec_attr_policy,
				KIPSEC_A_POLICY_MAX },
	[KIPSEC_SET_SEL] = { "sel", kipsec_attr_sel, KIPSEC_A_SEL_MAX },
	[KIPSEC_SET_TMPL] = { "tmpl", kipsec_attr_tmpl, KIPSEC_A_TMPL_MAX },
	[KIPSEC_SET_STATS] = { "stats", kipsec_attr_stats, KIPSEC_A_STATS_MAX },
	[KIPSEC_SET_COUNTER] = { "counter", kipsec_attr_counter,
				 KIPSEC_A_COUNTER_MAX },
	[KIPSEC_SET_ENCAP] = { "encap", kipsec_attr_encap, KIPSEC_A_ENCAP_MAX },
	[KIPSEC_SET_SOCK] = { "sock", kipsec_attr_sock, KIPSEC_A_SOCK_MAX },
};

static const char *const kipsec_cmd_names[KIPSEC_CMD_MAX + 1] = {
	[KIPSEC_CMD_SA_ADD] = "sa-add",
	[KIPSEC_CMD_SA_UPDATE] = "sa-update",
	[KIPSEC_CMD_SA_DEL] = "sa-del",
	[KIPSEC_CMD_SA_GET] = "sa-get",
	[KIPSEC_CMD_SA_FLUSH] = "sa-flush",
	[KIPSEC_CMD_SA_ALLOCSPI] = "sa-allocspi",
	[KIPSEC_CMD_POLICY_ADD] = "policy-add",
	[KIPSEC_CMD_POLICY_DEL] = "policy-del",
	[KIPSEC_CMD_POLICY_GET] = "policy-get",
	[KIPSEC_CMD_POLICY_FLUSH] = "policy-flush",
	[KIPSEC_CMD_STATS_GET] = "stats-get",
	[KIPSEC_CMD_SA_ADD_NTF] = "sa-add-ntf",
	[KIPSEC_CMD_SA_DEL_NTF] = "sa-del-ntf",
	[KIPSEC_CMD_SA_EXPIRE_NTF] = "sa-expire-ntf",
	[KIPSEC_CMD_ACQUIRE_NTF] = "acquire-ntf",
	[KIPSEC_CMD_POLICY_ADD_NTF] = "policy-add-ntf",
	[KIPSEC_CMD_POLICY_DEL_NTF] = "policy-del-ntf",
	[KIPSEC_CMD_SOCK_ADD] = "sock-add",
	[KIPSEC_CMD_SOCK_DEL] = "sock-del",
	[KIPSEC_CMD_SOCK_GET] = "sock-get",
	[KIPSEC_CMD_SA_MAPPING_NTF] = "sa-mapping-ntf",
};

unsigned int kipsec_attr_max(enum kipsec_attr_set set)
{
	return kipsec_attr_sets[set].max;
}

const char *kipsec_attr_set_name(enum kipsec_attr_set set)
{
	return kipsec_attr_sets[set].name;
}

const struct kipsec_attr_spec *kipsec_attr_spec(enum kipsec_attr_set set,
						unsigned int type)
{
	const struct kipsec_attr_spec *spec;

	if (type > kipsec_attr_sets[set].max)
		return NULL;
	spec = &kipsec_attr_sets[set].attrs[type];
	return spec->type == KIPSEC_ATTR_UNUSED ? NULL : spec;
}

const char *kipsec_cmd_name(uint8_t cmd)
{
	return cmd <= KIPSEC_CMD_MAX ? kipsec_cmd_names[cmd] : NULL;
}

static bool kipsec_attr_valid(const struct nlattr *attr,
			      const struct kipsec_attr_spec *spec)
{
	uint16_t len = attr->nla_len - sizeof(*attr);
	const char *payload = (const char *)attr + sizeof(*attr);

	switch (spec->type) {
	case KIPSEC_ATTR_U32:
	case KIPSEC_ATTR_BE32:
		return len == sizeof(uint32_t);
	case KIPSEC_ATTR_U64:
		return len == sizeof(uint64_t);
	case KIPSEC_ATTR_BE16:
		return len == sizeof(uint16_t);
	case KIPSEC_ATTR_ADDR:
		return len == 4 || len == 16;
	case KIPSEC_ATTR_STRING:
		return len > 0 && payload[len - 1] == '\0';
	case KIPSEC_ATTR_FLAG:
		return len == 0;
	case KIPSEC_ATTR_NEST:
		return len == 0 || len >= sizeof(struct nlattr);
	case KIPSEC_ATTR_SECRET:
	case KIPSEC_ATTR_UNUSED:
		break;
	}
	return true;
}

/*
 * The attributes in [p, end) of @set into @tb, each checked against the
 * schema; attributes this tool does not know (a newer kernel) are skipped.
 * A loop rather than mnl_attr_parse() and a callback per attribute: a dump
 * of 100k SAs parses some 5M attributes.
 */
static int kipsec_attr_parse_range(const char *p, const char *end,
				   enum kipsec_attr_set set,
				   const struct nlattr **tb)
{
	memset(tb, 0, (kipsec_attr_max(set) + 1) * sizeof(*tb));
	while (end - p >= (ptrdiff_t)sizeof(struct nlattr)) {
		const struct nlattr *attr = (const struct nlattr *)p;
		const struct kipsec_attr_spec *spec;
		uint16_t type = attr->nla_type & NLA_TYPE_MASK;

		if (attr->nla_len < sizeof(*attr) || attr->nla_len > end - p)
			return -EINVAL;
		spec = kipsec_attr_spec(set, type);
		if (spec) {
			if (!kipsec_attr_valid(attr, spec))
				return -EINVAL;
			tb[type] = attr;
		}
		p += MNL_ALIGN(attr->nla_len);
	}
	return 0;
}

int kipsec_attr_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	const char *p = (const char *)nlh + NLMSG_HDRLEN + sizeof(struct genlmsghdr);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct genlmsghdr)) {
		memset(tb, 0, (kipsec_attr_max(KIPSEC_SET_TOP) + 1) * sizeof(*tb));
		return -EINVAL;
	}
	return kipsec_attr_parse_range(p, (const char *)nlh + nlh->nlmsg_len,
				       KIPSEC_SET_TOP, tb);
}

int kipsec_attr_parse_nest(const struct nlattr *nest, enum kipsec_attr_set set,
			   const struct nlattr **tb)
{
	const char *p = (const char *)nest + sizeof(*nest);

	return kipsec_attr_parse_range(p, (const char *)nest + nest->nla_len,
				       set, tb);
}

/* Walk the attributes in [start, end) of @set looking for offset @off. */
static int kipsec_attr_path_walk(const char *base, const char *start,
				 const char *end, enum kipsec_attr_set set,
				 uint32_t off, char *buf, size_t len,
				 enum kipsec_attr_set *nest)
{
	const struct nlattr *attr;

	while (end - start >= (ptrdiff_t)sizeof(*attr)) {
		const struct kipsec_attr_spec *spec;
		uint32_t at = start - base;
		size_t used = strlen(buf);
		const char *next;

		attr = (const struct nlattr *)start;
		if (attr->nla_len < sizeof(*attr) ||
		    attr->nla_len > end - start)
			return -ENOENT;
		next = start + MNL_ALIGN(attr->nla_len);
		if (off >= at && off < at + attr->nla_len) {
			spec = kipsec_attr_spec(set, mnl_attr_get_type(attr));
			if (spec)
				snprintf(buf + used, len - used, "%s%s",
					 used ? "." : "", spec->name);
			else
				snprintf(buf + used, len - used, "%s%u",
					 used ? "." : "",
					 mnl_attr_get_type(attr));
			if (off == at) {
				if (spec && spec->type == KIPSEC_ATTR_NEST &&
				    nest)
					*nest = spec->nest;
				return 0;
			}
			if (!spec || spec->type != KIPSEC_ATTR_NEST)
				return 0;	/* inside the payload: close */
			return kipsec_attr_path_walk(base,
					start + MNL_ATTR_HDRLEN,
					start + attr->nla_len, spec->nest,
					off, buf, len, nest);
		}
		if (next > end)
			break;
		start = next;
	}
	return -ENOENT;
}

int kipsec_attr_locate(const struct nlmsghdr *nlh, uint32_t off,
		       char *buf, size_t len, enum kipsec_attr_set *nest)
{
	const char *base = (const char *)nlh;
	const char *start = (const char *)mnl_nlmsg_get_payload_offset(nlh,
					sizeof(struct genlmsghdr));

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	if (nlh->nlmsg_len < (size_t)(start - base))
		return -ENOENT;
	return kipsec_attr_path_walk(base, start, base + nlh->nlmsg_len,
				     KIPSEC_SET_TOP, off, buf, len, nest);
}

int kipsec_attr_path(const struct nlmsghdr *nlh, uint32_t off,
		     char *buf, size_t len)
{
	return kipsec_attr_locate(nlh, off, buf, len, NULL);
}

void kipsec_attr_put_be16(struct nlmsghdr *nlh, uint16_t type, uint16_t v)
{
	mnl_attr_put_u16(nlh, type, htons(v));
}

void kipsec_attr_put_be32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	mnl_attr_put_u32(nlh, type, htonl(v));
}

uint16_t kipsec_attr_get_be16(const struct nlattr *attr)
{
	return ntohs(mnl_attr_get_u16(attr));
}

uint32_t kipsec_attr_get_be32(const struct nlattr *attr)
{
	return ntohl(mnl_attr_get_u32(attr));
}
