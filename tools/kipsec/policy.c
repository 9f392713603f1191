// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec policy { add | del | get | show | flush }
 *
 * As with `ip xfrm policy`, words after "tmpl" describe the template until
 * a word that is not a template word (dir, priority, action, ...) appears.
 */
#include <string.h>
#include <sys/socket.h>

#include "kipsec.h"

enum kipsec_policy_cmd {
	POLICY_ADD = 1 << 0,
	POLICY_DEL = 1 << 1,	/* also get */
	POLICY_FLUSH = 1 << 2,
};

enum kipsec_policy_action_word {
	ACTION_ALLOW,	/* protect with a tmpl, bypass without: the default */
	ACTION_PROTECT,
	ACTION_BYPASS,
	ACTION_DISCARD,
};

/* policy and selector words */
enum {
	PW_SRC, PW_DST, PW_PROTO, PW_SPORT, PW_DPORT, PW_TYPE, PW_CODE,
	PW_DIR, PW_PRIORITY, PW_ACTION, PW_INDEX, PW_TMPL, PW_N
};

static const struct {
	const char *word;
	unsigned int cmds;	/* commands taking it */
} kipsec_policy_words[PW_N] = {
	[PW_SRC] = { "src", POLICY_ADD | POLICY_DEL },
	[PW_DST] = { "dst", POLICY_ADD | POLICY_DEL },
	[PW_PROTO] = { "proto", POLICY_ADD | POLICY_DEL },
	[PW_SPORT] = { "sport", POLICY_ADD | POLICY_DEL },
	[PW_DPORT] = { "dport", POLICY_ADD | POLICY_DEL },
	[PW_TYPE] = { "type", POLICY_ADD | POLICY_DEL },
	[PW_CODE] = { "code", POLICY_ADD | POLICY_DEL },
	[PW_DIR] = { "dir", POLICY_ADD | POLICY_DEL | POLICY_FLUSH },
	[PW_PRIORITY] = { "priority", POLICY_ADD | POLICY_DEL },
	[PW_ACTION] = { "action", POLICY_ADD },
	[PW_INDEX] = { "index", POLICY_DEL },
	[PW_TMPL] = { "tmpl", POLICY_ADD },
};

/* template words */
enum { TW_SRC, TW_DST, TW_PROTO, TW_MODE, TW_REQID, TW_SPI, TW_N };

static const char *const kipsec_tmpl_words[TW_N] = {
	[TW_SRC] = "src", [TW_DST] = "dst", [TW_PROTO] = "proto",
	[TW_MODE] = "mode", [TW_REQID] = "reqid", [TW_SPI] = "spi",
};

struct kipsec_tmpl_args {
	bool seen[TW_N];
	struct kipsec_addr src, dst;
	uint32_t proto, mode, reqid, spi;
};

struct kipsec_policy_args {
	bool seen[PW_N];
	struct kipsec_addr src, dst;
	uint8_t src_len, dst_len, proto, type, code;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint32_t dir, priority, index;
	enum kipsec_policy_action_word action;
	struct kipsec_tmpl_args tmpl;
};

/* a template word: 0, -1 on error (printed), 1 if @word is not one */
static int kipsec_tmpl_word(struct kipsec_cli *c, struct kipsec_args *a,
			    struct kipsec_tmpl_args *t, const char *word)
{
	const char *val;
	int i;

	for (i = 0; i < TW_N; i++)
		if (!strcmp(word, kipsec_tmpl_words[i]))
			break;
	if (i == TW_N)
		return 1;
	if (t->seen[i]) {
		kipsec_cli_usage_error(c, "duplicate \"%s\" in tmpl", word);
		return -1;
	}
	if (kipsec_args_value(c, a, word, &val))
		return -1;
	t->seen[i] = true;

	switch (i) {
	case TW_SRC:
		return kipsec_parse_addr(c, "tmpl src", val, &t->src);
	case TW_DST:
		return kipsec_parse_addr(c, "tmpl dst", val, &t->dst);
	case TW_PROTO:
		return kipsec_parse_xfrm_proto(c, val, &t->proto);
	case TW_MODE:
		return kipsec_parse_mode(c, val, &t->mode);
	case TW_REQID:
		return kipsec_parse_u32(c, "reqid", val, &t->reqid);
	default:
		return kipsec_parse_spi(c, val, &t->spi);
	}
}

static int kipsec_policy_action(struct kipsec_cli *c, const char *val,
				enum kipsec_policy_action_word *action)
{
	static const struct {
		const char *word;
		enum kipsec_policy_action_word action;
	} words[] = {
		{ "protect", ACTION_PROTECT }, { "bypass", ACTION_BYPASS },
		{ "discard", ACTION_DISCARD }, { "allow", ACTION_ALLOW },
		{ "block", ACTION_DISCARD },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcmp(val, words[i].word)) {
			*action = words[i].action;
			return 0;
		}
	}
	kipsec_cli_usage_error(c, "invalid action \"%s\" (protect, bypass, discard, allow or block)",
			       val);
	return -1;
}

/* one word of the selector or the policy: 0, or -1 (error printed) */
static int kipsec_policy_word(struct kipsec_cli *c, struct kipsec_args *a,
			      struct kipsec_policy_args *p, const char *word,
			      enum kipsec_policy_cmd cmd)
{
	const char *val;
	int i;

	if (p->seen[PW_TMPL]) {
		int ret = kipsec_tmpl_word(c, a, &p->tmpl, word);

		if (ret <= 0)
			return ret;
	}
	for (i = 0; i < PW_N; i++)
		if (!strcmp(word, kipsec_policy_words[i].word))
			break;
	if (i == PW_N || !(kipsec_policy_words[i].cmds & cmd)) {
		kipsec_cli_unknown(c, word);
		return -1;
	}
	if (i == PW_TMPL && p->seen[i]) {
		kipsec_cli_usage_error(c, "only one tmpl is supported");
		return -1;
	}
	if (kipsec_args_dup(c, p->seen[i], word))
		return -1;
	p->seen[i] = true;
	if (i == PW_TMPL)
		return 0;
	if (kipsec_args_value(c, a, word, &val))
		return -1;

	switch (i) {
	case PW_SRC:
		return kipsec_parse_prefix(c, "src", val, &p->src, &p->src_len);
	case PW_DST:
		return kipsec_parse_prefix(c, "dst", val, &p->dst, &p->dst_len);
	case PW_PROTO:
		return kipsec_parse_ipproto(c, val, &p->proto);
	case PW_SPORT:
		return kipsec_parse_ports(c, "sport", val, &p->sport_lo,
					  &p->sport_hi);
	case PW_DPORT:
		return kipsec_parse_ports(c, "dport", val, &p->dport_lo,
					  &p->dport_hi);
	case PW_TYPE:
		return kipsec_parse_u8(c, "type", val, &p->type);
	case PW_CODE:
		return kipsec_parse_u8(c, "code", val, &p->code);
	case PW_DIR:
		return kipsec_parse_dir(c, val, &p->dir);
	case PW_PRIORITY:
		return kipsec_parse_u32(c, "priority", val, &p->priority);
	case PW_ACTION:
		return kipsec_policy_action(c, val, &p->action);
	default:
		return kipsec_parse_u32(c, "index", val, &p->index);
	}
}

static bool kipsec_proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP ||
	       proto == IPPROTO_UDPLITE;
}

static int kipsec_policy_parse(struct kipsec_cli *c, struct kipsec_args *a,
			       struct kipsec_policy_args *p,
			       enum kipsec_policy_cmd cmd)
{
	const bool *seen = p->seen;
	const char *word;

	memset(p, 0, sizeof(*p));
	while ((word = kipsec_args_next(a)))
		if (kipsec_policy_word(c, a, p, word, cmd))
			return KIPSEC_EXIT_USAGE;

	if (cmd == POLICY_FLUSH)
		return 0;
	if (seen[PW_INDEX]) {
		for (int i = 0; i < PW_N; i++)
			if (i != PW_INDEX && seen[i])
				return kipsec_cli_usage_error(c, "\"index\" replaces the selector, dir and priority");
		return 0;
	}
	if (!seen[PW_SRC])
		return kipsec_cli_usage_error(c, "missing \"src PREFIX\"");
	if (!seen[PW_DST])
		return kipsec_cli_usage_error(c, "missing \"dst PREFIX\"");
	if (!seen[PW_DIR])
		return kipsec_cli_usage_error(c, "missing \"dir DIR\"");
	if (p->src.family != p->dst.family)
		return kipsec_cli_usage_error(c, "src and dst address families differ");
	if ((seen[PW_SPORT] || seen[PW_DPORT]) &&
	    !(seen[PW_PROTO] && kipsec_proto_has_ports(p->proto)))
		return kipsec_cli_usage_error(c, "\"sport\" and \"dport\" need proto tcp, udp, sctp, dccp or udplite");
	if ((seen[PW_TYPE] || seen[PW_CODE]) &&
	    !(seen[PW_PROTO] && (p->proto == IPPROTO_ICMP ||
				 p->proto == IPPROTO_ICMPV6)))
		return kipsec_cli_usage_error(c, "\"type\" and \"code\" need proto icmp or ipv6-icmp");

	if (seen[PW_TMPL]) {
		const struct kipsec_tmpl_args *t = &p->tmpl;

		if (p->action != ACTION_ALLOW && p->action != ACTION_PROTECT)
			return kipsec_cli_usage_error(c, "\"tmpl\" goes with action protect only");
		if (t->seen[TW_SRC] != t->seen[TW_DST])
			return kipsec_cli_usage_error(c, "tmpl needs both src and dst, or neither");
		if (t->seen[TW_SRC] && t->src.family != t->dst.family)
			return kipsec_cli_usage_error(c, "tmpl src and dst address families differ");
	}
	return 0;
}

static void kipsec_policy_put_sel(struct nlmsghdr *nlh,
				  const struct kipsec_policy_args *p)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_SEL);

	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_SRC, &p->src);
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_DST, &p->dst);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_SRC_PREFIXLEN, p->src_len);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_DST_PREFIXLEN, p->dst_len);
	if (p->seen[PW_PROTO])
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_PROTO, p->proto);
	if (p->seen[PW_SPORT]) {
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MIN, p->sport_lo);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MAX, p->sport_hi);
	}
	if (p->seen[PW_DPORT]) {
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MIN, p->dport_lo);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MAX, p->dport_hi);
	}
	if (p->seen[PW_TYPE])
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_ICMP_TYPE, p->type);
	if (p->seen[PW_CODE])
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_ICMP_CODE, p->code);
	mnl_attr_nest_end(nlh, nest);
}

static void kipsec_policy_put_tmpl(struct nlmsghdr *nlh,
				   const struct kipsec_tmpl_args *t)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_TMPL);

	mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_PROTO,
			 t->seen[TW_PROTO] ? t->proto : IPPROTO_ESP);
	mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_MODE,
			 t->seen[TW_MODE] ? t->mode : KIPSEC_MODE_TRANSPORT);
	if (t->seen[TW_SRC])
		kipsec_attr_put_addr(nlh, KIPSEC_A_TMPL_SRC, &t->src);
	if (t->seen[TW_DST])
		kipsec_attr_put_addr(nlh, KIPSEC_A_TMPL_DST, &t->dst);
	mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_REQID, t->reqid);
	if (t->seen[TW_SPI])
		kipsec_attr_put_be32(nlh, KIPSEC_A_TMPL_SPI, t->spi);
	mnl_attr_nest_end(nlh, nest);
}

static uint32_t kipsec_policy_action_value(const struct kipsec_policy_args *p)
{
	switch (p->action) {
	case ACTION_PROTECT:
		return KIPSEC_ACTION_PROTECT;
	case ACTION_BYPASS:
		return KIPSEC_ACTION_BYPASS;
	case ACTION_DISCARD:
		return KIPSEC_ACTION_DISCARD;
	case ACTION_ALLOW:
		break;
	}
	return p->seen[PW_TMPL] ? KIPSEC_ACTION_PROTECT : KIPSEC_ACTION_BYPASS;
}

static void kipsec_policy_put(struct nlmsghdr *nlh,
			      const struct kipsec_policy_args *p,
			      enum kipsec_policy_cmd cmd)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);

	switch (cmd) {
	case POLICY_ADD:
		mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_DIR, p->dir);
		mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_PRIORITY, p->priority);
		mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_ACTION,
				 kipsec_policy_action_value(p));
		kipsec_policy_put_sel(nlh, p);
		if (p->seen[PW_TMPL])
			kipsec_policy_put_tmpl(nlh, &p->tmpl);
		break;
	case POLICY_DEL:
		if (p->seen[PW_INDEX]) {
			mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_INDEX, p->index);
			break;
		}
		mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_DIR, p->dir);
		if (p->seen[PW_PRIORITY])
			mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_PRIORITY,
					 p->priority);
		kipsec_policy_put_sel(nlh, p);
		break;
	case POLICY_FLUSH:
		mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_DIR, p->dir);
		break;
	}
	mnl_attr_nest_end(nlh, nest);
}

/* @p NULL: dump all policies */
static int kipsec_policy_request(struct kipsec_cli *c, uint8_t cmd,
				 const struct kipsec_policy_args *p,
				 enum kipsec_policy_cmd kind)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	struct kipsec_msgs msgs = { 0 };
	bool reply = cmd == KIPSEC_CMD_POLICY_GET;
	struct nlmsghdr *nlh;
	int ret;

	ret = kipsec_cli_msg(c, buf, cmd, &nlh);
	if (ret)
		return ret;
	if (p)
		kipsec_policy_put(nlh, p, kind);
	if (!p && reply)
		ret = kipsec_cli_dump(c, nlh, kipsec_msgs_reset,
				      kipsec_msgs_collect, &msgs);
	else
		ret = kipsec_cli_do(c, nlh, reply ? kipsec_msgs_collect : NULL,
				    &msgs);
	if (!ret && reply) {
		if (p && !msgs.n && !c->dry_run)
			ret = kipsec_cli_error(c, "no policy in the kernel's reply");
		else
			ret = kipsec_show_list(c, &msgs, KIPSEC_A_POLICY);
	}
	kipsec_msgs_reset(&msgs);
	return ret;
}

int kipsec_policy_main(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *cmd = kipsec_args_next(a);
	struct kipsec_policy_args p;
	int ret;

	if (!cmd || !strcmp(cmd, "show") || !strcmp(cmd, "list")) {
		const char *word = kipsec_args_next(a);

		if (word)
			return kipsec_cli_unknown(c, word);
		return kipsec_policy_request(c, KIPSEC_CMD_POLICY_GET, NULL,
					     POLICY_DEL);
	}
	if (!strcmp(cmd, "help")) {
		kipsec_usage_policy(stdout);
		return KIPSEC_EXIT_OK;
	}
	if (!strcmp(cmd, "add")) {
		ret = kipsec_policy_parse(c, a, &p, POLICY_ADD);
		return ret ? ret : kipsec_policy_request(c, KIPSEC_CMD_POLICY_ADD,
							 &p, POLICY_ADD);
	}
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete") ||
	    !strcmp(cmd, "get")) {
		ret = kipsec_policy_parse(c, a, &p, POLICY_DEL);
		if (ret)
			return ret;
		return kipsec_policy_request(c, cmd[0] == 'g' ?
					     KIPSEC_CMD_POLICY_GET :
					     KIPSEC_CMD_POLICY_DEL,
					     &p, POLICY_DEL);
	}
	if (!strcmp(cmd, "flush")) {
		ret = kipsec_policy_parse(c, a, &p, POLICY_FLUSH);
		if (ret)
			return ret;
		return kipsec_policy_request(c, KIPSEC_CMD_POLICY_FLUSH,
					     p.seen[PW_DIR] ? &p : NULL, POLICY_FLUSH);
	}
	return kipsec_cli_unknown(c, cmd);
}
