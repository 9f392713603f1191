// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec sa { add | update | del | get | show | flush | allocspi }
 */
#include <string.h>

#include "kipsec.h"

/* which words a command takes */
enum {
	SA_W_SRC = 1 << 0,
	SA_W_DST = 1 << 1,
	SA_W_PROTO = 1 << 2,
	SA_W_SPI = 1 << 3,
	SA_W_MODE = 1 << 4,
	SA_W_REQID = 1 << 5,
	SA_W_ALGS = 1 << 6,	/* aead, enc, auth, auth-trunc, alg */
	SA_W_REPLAY = 1 << 7,
	SA_W_RANGE = 1 << 8,	/* min, max */
	SA_W_SEQ = 1 << 9,
	SA_W_SEQ_HI = 1 << 10,
	SA_W_OSEQ = 1 << 11,
	SA_W_OSEQ_HI = 1 << 12,
	SA_W_FLAG = 1 << 13,
	SA_W_EXTRA_FLAG = 1 << 14,
	SA_W_DF = 1 << 15,
	SA_W_LIMIT = 1 << 16,
	SA_W_ENCAP = 1 << 17,
};

/* words that may come more than once: they check duplicates themselves */
#define SA_W_REPEATABLE	(SA_W_ALGS | SA_W_RANGE | SA_W_FLAG | SA_W_LIMIT)
#define SA_W_ID		(SA_W_SRC | SA_W_DST | SA_W_PROTO | SA_W_SPI)
/* sa add and update */
#define SA_W_SETUP	(SA_W_ID | SA_W_MODE | SA_W_REQID | SA_W_ALGS | \
			 SA_W_REPLAY | SA_W_SEQ | SA_W_SEQ_HI | SA_W_OSEQ | \
			 SA_W_OSEQ_HI | SA_W_FLAG | SA_W_EXTRA_FLAG | SA_W_DF | \
			 SA_W_LIMIT | SA_W_ENCAP)

/* limit WORD N, as ip-xfrm spells them */
static const struct {
	const char *word;
	bool hard;
	uint16_t attr;		/* KIPSEC_A_LIFE_* */
} kipsec_sa_limits[] = {
	{ "time-soft", false, KIPSEC_A_LIFE_ADD_SECS },
	{ "time-hard", true, KIPSEC_A_LIFE_ADD_SECS },
	{ "time-use-soft", false, KIPSEC_A_LIFE_USE_SECS },
	{ "time-use-hard", true, KIPSEC_A_LIFE_USE_SECS },
	{ "byte-soft", false, KIPSEC_A_LIFE_BYTES },
	{ "byte-hard", true, KIPSEC_A_LIFE_BYTES },
	{ "packet-soft", false, KIPSEC_A_LIFE_PACKETS },
	{ "packet-hard", true, KIPSEC_A_LIFE_PACKETS },
};

struct kipsec_sa_life {
	unsigned int seen;	/* 1 << KIPSEC_A_LIFE_* */
	uint64_t v[KIPSEC_A_LIFE_MAX + 1];
};

struct kipsec_sa_args {
	unsigned int seen;	/* SA_W_* given */
	struct kipsec_addr src, dst;
	uint32_t proto, spi, mode, reqid, replay_window;
	uint64_t seq, oseq;	/* replay-seq, replay-oseq */
	uint32_t seq_hi, oseq_hi;
	uint32_t flags, df;
	struct kipsec_sa_life soft, hard;
	uint32_t spi_min, spi_max;
	bool has_min, has_max;
	uint16_t encap_sport, encap_dport;	/* encap espinudp SPORT DPORT */
	struct kipsec_sa_algs algs;
};

/* flag FLAG [ FLAG ... ]: a list, as ip-xfrm takes it */
static int kipsec_sa_flags(const struct kipsec_cli *c, struct kipsec_args *a,
			   struct kipsec_sa_args *s, const char *val)
{
	uint32_t bit = kipsec_sa_flag_bit(val);

	if (!bit)
		return kipsec_cli_usage_error(c, "invalid flag \"%s\" (esn, noecn, decap-dscp, dont-encap-dscp or insecure)",
					      val);
	s->flags |= bit;
	while ((val = kipsec_args_peek(a)) && (bit = kipsec_sa_flag_bit(val))) {
		kipsec_args_next(a);
		s->flags |= bit;
	}
	return 0;
}

/* limit WORD N */
static int kipsec_sa_limit(const struct kipsec_cli *c, struct kipsec_args *a,
			   struct kipsec_sa_args *s, const char *word)
{
	struct kipsec_sa_life *life;
	const char *val;
	char kw[32];
	size_t i;

	for (i = 0; i < sizeof(kipsec_sa_limits) / sizeof(kipsec_sa_limits[0]); i++)
		if (!strcmp(word, kipsec_sa_limits[i].word))
			break;
	if (i == sizeof(kipsec_sa_limits) / sizeof(kipsec_sa_limits[0]))
		return kipsec_cli_usage_error(c, "invalid limit \"%s\" (time-soft, time-hard, time-use-soft, time-use-hard, byte-soft, byte-hard, packet-soft or packet-hard)",
					      word);
	snprintf(kw, sizeof(kw), "limit %s", word);
	life = kipsec_sa_limits[i].hard ? &s->hard : &s->soft;
	if (kipsec_args_dup(c, life->seen & (1u << kipsec_sa_limits[i].attr), kw) ||
	    kipsec_args_value(c, a, kw, &val) ||
	    kipsec_parse_u64(c, kw, val, &life->v[kipsec_sa_limits[i].attr]))
		return KIPSEC_EXIT_USAGE;
	life->seen |= 1u << kipsec_sa_limits[i].attr;
	return 0;
}

/* a UDP port of encap: 1 to 65535 */
static int kipsec_sa_encap_port(const struct kipsec_cli *c, const char *kw,
				const char *str, uint16_t *port)
{
	uint32_t v;

	if (kipsec_parse_u32(c, kw, str, &v))
		return -1;
	if (!v || v > UINT16_MAX) {
		kipsec_cli_usage_error(c, "invalid %s \"%s\" (1 to 65535 expected)",
				       kw, str);
		return -1;
	}
	*port = v;
	return 0;
}

/*
 * encap espinudp SPORT DPORT [ OADDR ]: ip-xfrm's words.  OADDR, the
 * original address of a NAT-ed peer, is required by ip-xfrm and unused by
 * Linux (transport mode after a NAT trusts the ICV instead of fixing the
 * inner checksum with it); kipsec takes an address there and ignores it.
 */
static int kipsec_sa_encap(const struct kipsec_cli *c, struct kipsec_args *a,
			   struct kipsec_sa_args *s, const char *type)
{
	struct kipsec_addr oaddr;
	const char *val, *next;

	if (strcmp(type, "espinudp"))
		return kipsec_cli_usage_error(c, "unsupported encap \"%s\" (only espinudp)",
					      type);
	if (kipsec_args_value(c, a, "encap espinudp SPORT", &val) ||
	    kipsec_sa_encap_port(c, "encap source port", val, &s->encap_sport) ||
	    kipsec_args_value(c, a, "encap espinudp SPORT DPORT", &val) ||
	    kipsec_sa_encap_port(c, "encap destination port", val,
				 &s->encap_dport))
		return KIPSEC_EXIT_USAGE;
	next = kipsec_args_peek(a);
	if (next && !kipsec_addr_parse(&oaddr, next))
		kipsec_args_next(a);
	return 0;
}

static int kipsec_sa_word(struct kipsec_cli *c, struct kipsec_args *a,
			  struct kipsec_sa_args *s, const char *word,
			  unsigned int allowed)
{
	static const struct {
		const char *word;
		unsigned int bit;
	} words[] = {
		{ "src", SA_W_SRC }, { "dst", SA_W_DST },
		{ "proto", SA_W_PROTO }, { "spi", SA_W_SPI },
		{ "mode", SA_W_MODE }, { "reqid", SA_W_REQID },
		{ "aead", SA_W_ALGS }, { "enc", SA_W_ALGS },
		{ "auth", SA_W_ALGS }, { "auth-trunc", SA_W_ALGS },
		{ "alg", SA_W_ALGS }, { "replay-window", SA_W_REPLAY },
		{ "replay-seq", SA_W_SEQ }, { "replay-seq-hi", SA_W_SEQ_HI },
		{ "replay-oseq", SA_W_OSEQ }, { "replay-oseq-hi", SA_W_OSEQ_HI },
		{ "flag", SA_W_FLAG }, { "extra-flag", SA_W_EXTRA_FLAG },
		{ "df", SA_W_DF }, { "limit", SA_W_LIMIT },
		{ "min", SA_W_RANGE }, { "max", SA_W_RANGE },
		{ "encap", SA_W_ENCAP },
	};
	unsigned int bit = 0;
	const char *val;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(word, words[i].word))
			bit = words[i].bit;
	if (!(bit & allowed))
		return kipsec_cli_unknown(c, word);

	if (bit == SA_W_ALGS)
		return kipsec_sa_alg_parse(c, a, &s->algs, word);
	if (bit == SA_W_RANGE) {
		bool *has = word[1] == 'i' ? &s->has_min : &s->has_max;
		uint32_t *v = word[1] == 'i' ? &s->spi_min : &s->spi_max;

		if (kipsec_args_dup(c, *has, word) ||
		    kipsec_args_value(c, a, word, &val) ||
		    kipsec_parse_spi(c, val, v))
			return KIPSEC_EXIT_USAGE;
		*has = true;
		return 0;
	}
	if (kipsec_args_dup(c, (s->seen & bit) && !(bit & SA_W_REPEATABLE), word) ||
	    kipsec_args_value(c, a, word, &val))
		return KIPSEC_EXIT_USAGE;
	s->seen |= bit;

	switch (bit) {
	case SA_W_SRC:
		return kipsec_parse_addr(c, "src", val, &s->src) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_DST:
		return kipsec_parse_addr(c, "dst", val, &s->dst) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_PROTO:
		return kipsec_parse_xfrm_proto(c, val, &s->proto) ?
		       KIPSEC_EXIT_USAGE : 0;
	case SA_W_SPI:
		return kipsec_parse_spi(c, val, &s->spi) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_MODE:
		return kipsec_parse_mode(c, val, &s->mode) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_REQID:
		return kipsec_parse_u32(c, "reqid", val, &s->reqid) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_REPLAY:
		return kipsec_parse_u32(c, "replay-window", val,
					&s->replay_window) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_SEQ:
		return kipsec_parse_u64(c, word, val, &s->seq) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_OSEQ:
		return kipsec_parse_u64(c, word, val, &s->oseq) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_SEQ_HI:
		return kipsec_parse_u32(c, word, val, &s->seq_hi) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_OSEQ_HI:
		return kipsec_parse_u32(c, word, val, &s->oseq_hi) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_FLAG:
		return kipsec_sa_flags(c, a, s, val);
	case SA_W_EXTRA_FLAG:
		if (strcmp(val, "dont-encap-dscp"))
			return kipsec_cli_usage_error(c, "invalid extra-flag \"%s\" (only dont-encap-dscp)",
						      val);
		s->flags |= KIPSEC_SA_FLAG_DONT_ENCAP_DSCP;
		return 0;
	case SA_W_DF:
		return kipsec_parse_df(c, val, &s->df) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_LIMIT:
		return kipsec_sa_limit(c, a, s, val);
	case SA_W_ENCAP:
		return kipsec_sa_encap(c, a, s, val);
	}
	return kipsec_cli_unknown(c, word);
}

/* replay-seq N with replay-seq-hi M: N gives the low 32 bits only */
static int kipsec_sa_seq_check(const struct kipsec_cli *c,
			       const struct kipsec_sa_args *s, unsigned int lo,
			       unsigned int hi, uint64_t seq, const char *word)
{
	if ((s->seen & lo) && (s->seen & hi) && seq > UINT32_MAX)
		return kipsec_cli_usage_error(c, "\"%s\" above 32 bits and \"%s-hi\": give the high bits once",
					      word, word);
	return 0;
}

static int kipsec_sa_parse(struct kipsec_cli *c, struct kipsec_args *a,
			   struct kipsec_sa_args *s, unsigned int allowed,
			   unsigned int required)
{
	static const struct {
		unsigned int bit;
		const char *what;
	} needs[] = {
		{ SA_W_SRC, "src ADDR" }, { SA_W_DST, "dst ADDR" },
		{ SA_W_PROTO, "proto { esp | ah }" }, { SA_W_SPI, "spi SPI" },
	};
	const char *word;
	int ret;

	memset(s, 0, sizeof(*s));
	s->mode = KIPSEC_MODE_TRANSPORT;
	while ((word = kipsec_args_next(a))) {
		ret = kipsec_sa_word(c, a, s, word, allowed);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
		if ((required & needs[i].bit) && !(s->seen & needs[i].bit))
			return kipsec_cli_usage_error(c, "missing \"%s\"", needs[i].what);
	if ((s->seen & SA_W_SRC) && (s->seen & SA_W_DST) &&
	    s->src.family != s->dst.family)
		return kipsec_cli_usage_error(c, "src and dst address families differ");
	if ((required & SA_W_ALGS) &&
	    kipsec_sa_algs_check(c, &s->algs, s->proto))
		return KIPSEC_EXIT_USAGE;
	if ((s->seen & SA_W_ENCAP) && s->proto != IPPROTO_ESP)
		return kipsec_cli_usage_error(c, "encap is for proto esp only");
	if (kipsec_sa_seq_check(c, s, SA_W_SEQ, SA_W_SEQ_HI, s->seq, "replay-seq") ||
	    kipsec_sa_seq_check(c, s, SA_W_OSEQ, SA_W_OSEQ_HI, s->oseq, "replay-oseq"))
		return KIPSEC_EXIT_USAGE;
	if (s->has_min != s->has_max)
		return kipsec_cli_usage_error(c, "\"min\" and \"max\" go together");
	if (s->has_min && s->spi_min > s->spi_max)
		return kipsec_cli_usage_error(c, "SPI range: min 0x%08x is above max 0x%08x",
					      s->spi_min, s->spi_max);
	return 0;
}

static void kipsec_sa_put_life(struct nlmsghdr *nlh, uint16_t type,
			       const struct kipsec_sa_life *life)
{
	struct nlattr *nest;

	if (!life->seen)
		return;
	nest = mnl_attr_nest_start(nlh, type);
	for (uint16_t t = 0; t <= KIPSEC_A_LIFE_MAX; t++)
		if (life->seen & (1u << t))
			mnl_attr_put_u64(nlh, t, life->v[t]);
	mnl_attr_nest_end(nlh, nest);
}

/* SA nest from what was parsed; @full adds what sa add and update set */
static void kipsec_sa_put(struct nlmsghdr *nlh, const struct kipsec_sa_args *s,
			  bool full)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	if (s->seen & SA_W_SRC)
		kipsec_attr_put_addr(nlh, KIPSEC_A_SA_SRC, &s->src);
	if (s->seen & SA_W_DST)
		kipsec_attr_put_addr(nlh, KIPSEC_A_SA_DST, &s->dst);
	if (s->seen & SA_W_SPI)
		kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, s->spi);
	if (s->seen & SA_W_PROTO)
		mnl_attr_put_u32(nlh, KIPSEC_A_SA_PROTO, s->proto);
	if (full) {
		mnl_attr_put_u32(nlh, KIPSEC_A_SA_MODE, s->mode);
		mnl_attr_put_u32(nlh, KIPSEC_A_SA_REQID, s->reqid);
		kipsec_sa_algs_put(nlh, &s->algs);
		if (s->seen & SA_W_REPLAY)
			mnl_attr_put_u32(nlh, KIPSEC_A_SA_REPLAY_WINDOW,
					 s->replay_window);
		if (s->seen & (SA_W_FLAG | SA_W_EXTRA_FLAG))
			mnl_attr_put_u32(nlh, KIPSEC_A_SA_FLAGS, s->flags);
		if (s->seen & (SA_W_OSEQ | SA_W_OSEQ_HI))
			mnl_attr_put_u64(nlh, KIPSEC_A_SA_SEQ_OUT,
					 (uint64_t)s->oseq_hi << 32 | s->oseq);
		if (s->seen & (SA_W_SEQ | SA_W_SEQ_HI))
			mnl_attr_put_u64(nlh, KIPSEC_A_SA_SEQ_IN,
					 (uint64_t)s->seq_hi << 32 | s->seq);
		kipsec_sa_put_life(nlh, KIPSEC_A_SA_LIFETIME_SOFT, &s->soft);
		kipsec_sa_put_life(nlh, KIPSEC_A_SA_LIFETIME_HARD, &s->hard);
		if (s->seen & SA_W_DF)
			mnl_attr_put_u32(nlh, KIPSEC_A_SA_TUNNEL_DF, s->df);
	} else {
		/* allocspi: limit time-hard, the larval SA's life */
		kipsec_sa_put_life(nlh, KIPSEC_A_SA_LIFETIME_HARD, &s->hard);
	}
	if (s->seen & SA_W_ENCAP) {
		struct nlattr *encap;

		encap = mnl_attr_nest_start(nlh, KIPSEC_A_SA_ENCAP);
		mnl_attr_put_u32(nlh, KIPSEC_A_ENCAP_TYPE, KIPSEC_ENCAP_ESPINUDP);
		kipsec_attr_put_be16(nlh, KIPSEC_A_ENCAP_SPORT, s->encap_sport);
		kipsec_attr_put_be16(nlh, KIPSEC_A_ENCAP_DPORT, s->encap_dport);
		mnl_attr_nest_end(nlh, encap);
	}
	if (s->has_min) {
		kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI_MIN, s->spi_min);
		kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI_MAX, s->spi_max);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* a request that may be answered with SAs, printed like `sa show` */
static int kipsec_sa_request(struct kipsec_cli *c, uint8_t cmd,
			     const struct kipsec_sa_args *s, bool full,
			     bool reply)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	struct kipsec_msgs msgs = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	ret = kipsec_cli_msg(c, buf, cmd, &nlh);
	if (ret)
		return ret;
	if (s)
		kipsec_sa_put(nlh, s, full);
	if (cmd == KIPSEC_CMD_SA_GET && !s)
		ret = kipsec_cli_dump(c, nlh, kipsec_msgs_reset,
				      kipsec_msgs_collect, &msgs);
	else
		ret = kipsec_cli_do(c, nlh, reply ? kipsec_msgs_collect : NULL,
				    &msgs);
	explicit_bzero(buf, sizeof(buf));	/* the key, if any */
	if (!ret && reply && !s) {
		ret = kipsec_show_list(c, &msgs, KIPSEC_A_SA);
	} else if (!ret && reply && !c->dry_run) {
		if (!msgs.n)
			ret = kipsec_cli_error(c, "no SA in the kernel's reply");
		else
			ret = kipsec_show_list(c, &msgs, KIPSEC_A_SA);
	}
	kipsec_msgs_reset(&msgs);
	return ret;
}

static bool kipsec_sa_has_algs(const struct kipsec_sa_args *s)
{
	return s->algs.aead.given || s->algs.enc.given || s->algs.auth.given ||
	       s->algs.proposal;
}

/*
 * sa update: with algorithms, completes an SA reserved by allocspi (the
 * words of sa add); without, moves a valid SA's encap ports, and takes
 * nothing but the SA's identity and "encap".
 */
static int kipsec_sa_update(struct kipsec_cli *c, struct kipsec_args *a,
			    struct kipsec_sa_args *s)
{
	int ret;

	ret = kipsec_sa_parse(c, a, s, SA_W_SETUP, SA_W_ID);
	if (ret)
		return ret;
	if (!kipsec_sa_has_algs(s) && !(s->seen & SA_W_ENCAP))
		return kipsec_cli_usage_error(c, "missing the algorithms (to complete an SA from allocspi) or \"encap espinudp SPORT DPORT\" (to move a valid SA's ports)");
	if (kipsec_sa_has_algs(s)) {
		if (kipsec_sa_algs_check(c, &s->algs, s->proto))
			return KIPSEC_EXIT_USAGE;
		return kipsec_sa_request(c, KIPSEC_CMD_SA_UPDATE, s, true,
					 false);
	}
	if (s->seen & ~(SA_W_ID | SA_W_ENCAP))
		return kipsec_cli_usage_error(c, "without algorithms, sa update changes only the encap ports of a valid SA");
	return kipsec_sa_request(c, KIPSEC_CMD_SA_UPDATE, s, false, false);
}

static int kipsec_sa_none(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *word = kipsec_args_next(a);

	return word ? kipsec_cli_unknown(c, word) : 0;
}

int kipsec_sa_main(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *cmd = kipsec_args_next(a);
	struct kipsec_sa_args s;
	int ret;

	if (!cmd || !strcmp(cmd, "show") || !strcmp(cmd, "list")) {
		ret = kipsec_sa_none(c, a);
		return ret ? ret : kipsec_sa_request(c, KIPSEC_CMD_SA_GET, NULL,
						     false, true);
	}
	if (!strcmp(cmd, "help")) {
		kipsec_usage_sa(stdout);
		return KIPSEC_EXIT_OK;
	}
	if (!strcmp(cmd, "add")) {
		ret = kipsec_sa_parse(c, a, &s, SA_W_SETUP, SA_W_ID | SA_W_ALGS);
		if (!ret)
			ret = kipsec_sa_request(c, KIPSEC_CMD_SA_ADD, &s, true,
						false);
		explicit_bzero(&s, sizeof(s));
		return ret;
	}
	if (!strcmp(cmd, "update")) {
		ret = kipsec_sa_update(c, a, &s);
		explicit_bzero(&s, sizeof(s));
		return ret;
	}
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete") ||
	    !strcmp(cmd, "get")) {
		ret = kipsec_sa_parse(c, a, &s,
				      SA_W_SRC | SA_W_DST | SA_W_PROTO | SA_W_SPI,
				      SA_W_DST | SA_W_PROTO | SA_W_SPI);
		if (ret)
			return ret;
		if (!strcmp(cmd, "get"))
			return kipsec_sa_request(c, KIPSEC_CMD_SA_GET, &s,
						 false, true);
		return kipsec_sa_request(c, KIPSEC_CMD_SA_DEL, &s, false, false);
	}
	if (!strcmp(cmd, "flush")) {
		ret = kipsec_sa_parse(c, a, &s, SA_W_PROTO, 0);
		if (ret)
			return ret;
		return kipsec_sa_request(c, KIPSEC_CMD_SA_FLUSH,
					 s.seen ? &s : NULL, false, false);
	}
	if (!strcmp(cmd, "allocspi")) {
		ret = kipsec_sa_parse(c, a, &s,
				      SA_W_SRC | SA_W_DST | SA_W_PROTO | SA_W_RANGE |
				      SA_W_LIMIT,
				      SA_W_SRC | SA_W_DST | SA_W_PROTO);
		if (ret)
			return ret;
		if (s.soft.seen || s.hard.seen & ~(1u << KIPSEC_A_LIFE_ADD_SECS))
			return kipsec_cli_usage_error(c, "allocspi takes \"limit time-hard SECONDS\" only");
		return kipsec_sa_request(c, KIPSEC_CMD_SA_ALLOCSPI, &s, false,
					 true);
	}
	return kipsec_cli_unknown(c, cmd);
}
