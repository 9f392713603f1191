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
	SA_W_AEAD = 1 << 6,
	SA_W_REPLAY = 1 << 7,
	SA_W_RANGE = 1 << 8,
};

struct kipsec_sa_args {
	unsigned int seen;	/* SA_W_* given */
	struct kipsec_addr src, dst;
	uint32_t proto, spi, mode, reqid, replay_window;
	uint32_t spi_min, spi_max;
	bool has_min, has_max;
	char alg[KIPSEC_ALG_NAME_MAX];
	uint8_t key[KIPSEC_KEY_MAX];
	size_t key_len;
	uint32_t icv_len;
};

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
		{ "aead", SA_W_AEAD }, { "replay-window", SA_W_REPLAY },
		{ "min", SA_W_RANGE }, { "max", SA_W_RANGE },
	};
	const char *val, *icv;
	unsigned int bit = 0;
	char *key;
	int ret;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(word, words[i].word))
			bit = words[i].bit;
	if (!(bit & allowed)) {
		if ((allowed & SA_W_AEAD) &&
		    (!strcmp(word, "enc") || !strcmp(word, "auth") ||
		     !strcmp(word, "auth-trunc") || !strcmp(word, "comp")))
			return kipsec_cli_usage_error(c, "\"%s\" is not supported, use aead", word);
		return kipsec_cli_unknown(c, word);
	}

	if (!strcmp(word, "min") || !strcmp(word, "max")) {
		bool *has = word[1] == 'i' ? &s->has_min : &s->has_max;
		uint32_t *v = word[1] == 'i' ? &s->spi_min : &s->spi_max;

		if (kipsec_args_dup(c, *has, word) ||
		    kipsec_args_value(c, a, word, &val) ||
		    kipsec_parse_spi(c, val, v))
			return KIPSEC_EXIT_USAGE;
		*has = true;
		return 0;
	}
	if (kipsec_args_dup(c, s->seen & bit, word) ||
	    kipsec_args_value(c, a, word, &val))
		return KIPSEC_EXIT_USAGE;
	s->seen |= bit;

	switch (bit) {
	case SA_W_SRC:
		return kipsec_parse_addr(c, "src", val, &s->src) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_DST:
		return kipsec_parse_addr(c, "dst", val, &s->dst) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_PROTO:
		return kipsec_parse_xfrm_proto(c, val, &s->proto) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_SPI:
		return kipsec_parse_spi(c, val, &s->spi) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_MODE:
		return kipsec_parse_mode(c, val, &s->mode) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_REQID:
		return kipsec_parse_u32(c, "reqid", val, &s->reqid) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_REPLAY:
		return kipsec_parse_u32(c, "replay-window", val,
					&s->replay_window) ? KIPSEC_EXIT_USAGE : 0;
	case SA_W_AEAD:
		/* aead ALGO KEY ICV-BITS */
		key = (char *)kipsec_args_next(a);	/* argv: writable */
		icv = kipsec_args_next(a);
		if (!key || !icv)
			return kipsec_cli_usage_error(c, "\"aead\" needs ALGO KEY ICV-BITS");
		if (strlen(val) >= sizeof(s->alg) || !val[0])
			return kipsec_cli_usage_error(c, "invalid algorithm name \"%s\"", val);
		strcpy(s->alg, val);
		ret = kipsec_parse_key(c, key, s->key, sizeof(s->key),
				       &s->key_len);
		/* keep the key out of /proc/PID/cmdline from now on */
		if (key[0] != '@')
			explicit_bzero(key, strlen(key));
		if (ret || kipsec_parse_u32(c, "ICV length", icv, &s->icv_len))
			return KIPSEC_EXIT_USAGE;
		return 0;
	}
	return kipsec_cli_unknown(c, word);
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
		{ SA_W_PROTO, "proto esp" }, { SA_W_SPI, "spi SPI" },
		{ SA_W_AEAD, "aead ALGO KEY ICV-BITS" },
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
	if (s->has_min != s->has_max)
		return kipsec_cli_usage_error(c, "\"min\" and \"max\" go together");
	if (s->has_min && s->spi_min > s->spi_max)
		return kipsec_cli_usage_error(c, "SPI range: min 0x%08x is above max 0x%08x",
					      s->spi_min, s->spi_max);
	return 0;
}

/* SA nest from what was parsed; @full adds mode, reqid and algorithms */
static void kipsec_sa_put(struct nlmsghdr *nlh, const struct kipsec_sa_args *s,
			  bool full)
{
	struct nlattr *nest, *alg;

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
		alg = mnl_attr_nest_start(nlh, KIPSEC_A_SA_AEAD);
		mnl_attr_put_strz(nlh, KIPSEC_A_ALG_NAME, s->alg);
		mnl_attr_put(nlh, KIPSEC_A_ALG_KEY, s->key_len, s->key);
		mnl_attr_put_u32(nlh, KIPSEC_A_ALG_ICV_LEN, s->icv_len);
		mnl_attr_nest_end(nlh, alg);
		if (s->seen & SA_W_REPLAY)
			mnl_attr_put_u32(nlh, KIPSEC_A_SA_REPLAY_WINDOW,
					 s->replay_window);
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
			ret = kipsec_cli_error("no SA in the kernel's reply");
		else
			ret = kipsec_show_list(c, &msgs, KIPSEC_A_SA);
	}
	kipsec_msgs_reset(&msgs);
	return ret;
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
	if (!strcmp(cmd, "add") || !strcmp(cmd, "update")) {
		ret = kipsec_sa_parse(c, a, &s,
				      SA_W_SRC | SA_W_DST | SA_W_PROTO | SA_W_SPI |
				      SA_W_MODE | SA_W_REQID | SA_W_AEAD |
				      SA_W_REPLAY,
				      SA_W_SRC | SA_W_DST | SA_W_PROTO | SA_W_SPI |
				      SA_W_AEAD);
		if (!ret)
			ret = kipsec_sa_request(c, cmd[0] == 'a' ?
						KIPSEC_CMD_SA_ADD :
						KIPSEC_CMD_SA_UPDATE,
						&s, true, false);
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
				      SA_W_SRC | SA_W_DST | SA_W_PROTO | SA_W_RANGE,
				      SA_W_SRC | SA_W_DST | SA_W_PROTO);
		if (ret)
			return ret;
		return kipsec_sa_request(c, KIPSEC_CMD_SA_ALLOCSPI, &s, false,
					 true);
	}
	return kipsec_cli_unknown(c, cmd);
}
