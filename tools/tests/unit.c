// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the pieces of tools/lib and the CLI that run without the
 * kernel module: hex keys, addresses and prefixes, the attribute schema
 * (validation, attribute paths for extack offsets), the IKE proposal
 * table, algorithm words, SA and event output, and JSON escaping.
 * Kernel replies and events are crafted here the way the kernel builds
 * them (attribute by attribute, per the spec) and printed into memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "kipsec.h"

static int passed, failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* main.c is not linked: the parsers report errors through these */
int kipsec_cli_usage_error(const struct kipsec_cli *c, const char *fmt, ...)
{
	(void)c;
	(void)fmt;
	return KIPSEC_EXIT_USAGE;
}

int kipsec_cli_unknown(const struct kipsec_cli *c, const char *word)
{
	(void)c;
	(void)word;
	return KIPSEC_EXIT_USAGE;
}

int kipsec_cli_error(const struct kipsec_cli *c, const char *fmt, ...)
{
	(void)c;
	(void)fmt;
	return KIPSEC_EXIT_ERROR;
}

void kipsec_usage_sock(FILE *f)
{
	(void)f;
}

static void test_hex(void)
{
	uint8_t out[8];
	size_t len = 0;

	CHECK(kipsec_parse_hex("00ff10Ab", out, sizeof(out), &len) == 0 &&
	      len == 4 && out[0] == 0x00 && out[1] == 0xff && out[2] == 0x10 &&
	      out[3] == 0xab, "hex bytes");
	CHECK(kipsec_parse_hex("abc", out, sizeof(out), &len) == -2, "odd");
	CHECK(kipsec_parse_hex("zz", out, sizeof(out), &len) == -1, "not hex");
	CHECK(kipsec_parse_hex("0x00", out, sizeof(out), &len) == -1, "0x inside");
	CHECK(kipsec_parse_hex("000102030405060708", out, sizeof(out), &len) == -3,
	      "too long");
}

static void test_key(void)
{
	struct kipsec_cli c = { 0 };
	uint8_t key[KIPSEC_KEY_MAX];
	char path[] = "/tmp/kipsec-unit-XXXXXX";
	size_t len = 0;
	FILE *f;
	int fd;

	CHECK(kipsec_parse_key(&c, "0x0102", key, sizeof(key), &len) == 0 &&
	      len == 2 && key[0] == 1 && key[1] == 2, "0x key");
	CHECK(kipsec_parse_key(&c, "0102", key, sizeof(key), &len) == -1,
	      "key without 0x");
	CHECK(kipsec_parse_key(&c, "0x", key, sizeof(key), &len) == -1, "empty key");
	CHECK(kipsec_parse_key(&c, "", key, sizeof(key), &len) == 0 && len == 0,
	      "\"\": the empty key of null algorithms");

	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs("  0xA0b1c2\n", f);
	fclose(f);
	{
		char arg[sizeof(path) + 1] = "@";

		strcat(arg, path);
		CHECK(kipsec_parse_key(&c, arg, key, sizeof(key), &len) == 0 &&
		      len == 3 && key[0] == 0xa0 && key[1] == 0xb1 &&
		      key[2] == 0xc2, "@file key");
	}
	unlink(path);
	CHECK(kipsec_parse_key(&c, "@/nonexistent/kipsec", key, sizeof(key),
			       &len) == -1, "missing key file");
}

static void test_numbers(void)
{
	struct kipsec_cli c = { 0 };
	uint16_t lo, hi;
	uint32_t v;
	uint8_t p;

	CHECK(kipsec_parse_spi(&c, "0x1000", &v) == 0 && v == 0x1000, "hex spi");
	CHECK(kipsec_parse_spi(&c, "4096", &v) == 0 && v == 4096, "dec spi");
	CHECK(kipsec_parse_spi(&c, "0xffffffff", &v) == 0 && v == 0xffffffff,
	      "max spi");
	CHECK(kipsec_parse_spi(&c, "4294967296", &v) == -1, "spi overflow");
	CHECK(kipsec_parse_spi(&c, "-1", &v) == -1, "negative spi");
	CHECK(kipsec_parse_spi(&c, " 1", &v) == -1, "blank spi");
	CHECK(kipsec_parse_spi(&c, "0x", &v) == -1, "bare 0x");
	CHECK(kipsec_parse_spi(&c, "12a", &v) == -1, "trailing junk");
	CHECK(kipsec_parse_u32(&c, "reqid", "010", &v) == 0 && v == 10,
	      "no octal");
	CHECK(kipsec_parse_ports(&c, "dport", "80", &lo, &hi) == 0 &&
	      lo == 80 && hi == 80, "single port");
	CHECK(kipsec_parse_ports(&c, "dport", "1024-65535", &lo, &hi) == 0 &&
	      lo == 1024 && hi == 65535, "port range");
	CHECK(kipsec_parse_ports(&c, "dport", "90-80", &lo, &hi) == -1,
	      "reversed range");
	CHECK(kipsec_parse_ports(&c, "dport", "65536", &lo, &hi) == -1,
	      "port overflow");
	CHECK(kipsec_parse_ipproto(&c, "ipv6-icmp", &p) == 0 && p == 58, "ipv6-icmp");
	CHECK(kipsec_parse_ipproto(&c, "132", &p) == 0 && p == 132, "proto number");
	CHECK(kipsec_parse_ipproto(&c, "256", &p) == -1, "proto overflow");
	CHECK(!strcmp(kipsec_ipproto_name(58), "ipv6-icmp"), "proto name");
}

static void test_addr(void)
{
	char buf[KIPSEC_ADDR_STRLEN];
	struct kipsec_addr a;
	uint8_t plen;

	CHECK(kipsec_addr_parse(&a, "10.0.0.1") == 0 && a.family == AF_INET &&
	      kipsec_addr_len(&a) == 4, "ipv4");
	CHECK(kipsec_addr_parse(&a, "fd00::1") == 0 && a.family == AF_INET6 &&
	      kipsec_addr_len(&a) == 16, "ipv6");
	CHECK(!strcmp(kipsec_addr_ntop(&a, buf, sizeof(buf)), "fd00::1"), "ntop");
	CHECK(kipsec_addr_parse(&a, "10.0.0.256") == -EINVAL, "bad ipv4");
	/* the hand-written dotted quad against inet_ntop, digits of every width */
	for (unsigned int i = 0; i < 256; i++) {
		char want[INET_ADDRSTRLEN];

		a.family = AF_INET;
		a.v4.s_addr = htonl(i << 24 | (255 - i) << 16 | (i * 7 % 256) << 8 | i / 3);
		inet_ntop(AF_INET, &a.v4, want, sizeof(want));
		CHECK(!strcmp(kipsec_addr_ntop(&a, buf, sizeof(buf)), want),
		      "ntop %s: %s", want, buf);
	}
	CHECK(kipsec_prefix_parse(&a, &plen, "10.0.0.0/8") == 0 && plen == 8,
	      "prefix");
	CHECK(kipsec_prefix_parse(&a, &plen, "10.0.0.1") == 0 && plen == 32,
	      "host prefix v4");
	CHECK(kipsec_prefix_parse(&a, &plen, "::1") == 0 && plen == 128,
	      "host prefix v6");
	CHECK(kipsec_prefix_parse(&a, &plen, "::/0") == 0 && plen == 0, "::/0");
	CHECK(kipsec_prefix_parse(&a, &plen, "10.0.0.0/33") == -EINVAL, "/33");
	CHECK(kipsec_prefix_parse(&a, &plen, "fd00::/129") == -EINVAL, "/129");
	CHECK(kipsec_prefix_parse(&a, &plen, "10.0.0.0/") == -EINVAL, "empty len");
	CHECK(kipsec_prefix_parse(&a, &plen, "10.0.0.0/-1") == -EINVAL, "neg len");
	CHECK(kipsec_prefix_parse(&a, &plen, "10.0.0.0/8x") == -EINVAL, "junk len");
}

/* a request: sa { src, dst, spi, aead { name, key, icv-len } } */
static struct nlmsghdr *build_sa(char *buf, uint32_t *key_off,
				 uint32_t *aead_off)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_ADD);
	struct nlattr *sa, *aead;
	struct kipsec_addr a;
	uint8_t key[20] = { 0 };

	sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kipsec_addr_parse(&a, "10.0.0.1");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SA_SRC, &a);
	kipsec_addr_parse(&a, "fd00::2");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SA_DST, &a);
	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, 0x1000);
	*aead_off = (char *)mnl_nlmsg_get_payload_tail(nlh) - buf;
	aead = mnl_attr_nest_start(nlh, KIPSEC_A_SA_AEAD);
	mnl_attr_put_strz(nlh, KIPSEC_A_ALG_NAME, "rfc4106(gcm(aes))");
	*key_off = (char *)mnl_nlmsg_get_payload_tail(nlh) - buf;
	mnl_attr_put(nlh, KIPSEC_A_ALG_KEY, sizeof(key), key);
	mnl_attr_put_u32(nlh, KIPSEC_A_ALG_ICV_LEN, 128);
	mnl_attr_nest_end(nlh, aead);
	mnl_attr_nest_end(nlh, sa);
	return nlh;
}

static void test_schema(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	char path[96];
	uint32_t key_off, aead_off;
	struct nlmsghdr *nlh = build_sa(buf, &key_off, &aead_off);
	struct kipsec_addr a;

	CHECK(kipsec_nl_msg_cmd(nlh) == KIPSEC_CMD_SA_ADD, "cmd");
	CHECK(kipsec_attr_parse_msg(nlh, tb) == 0 && tb[KIPSEC_A_SA], "parse msg");
	CHECK(kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) == 0,
	      "parse sa");
	CHECK(sa[KIPSEC_A_SA_SPI] &&
	      kipsec_attr_get_be32(sa[KIPSEC_A_SA_SPI]) == 0x1000, "be32 spi");
	CHECK(sa[KIPSEC_A_SA_DST] &&
	      kipsec_attr_get_addr(sa[KIPSEC_A_SA_DST], &a) == 0 &&
	      a.family == AF_INET6, "addr attr");

	CHECK(kipsec_attr_path(nlh, key_off, path, sizeof(path)) == 0 &&
	      !strcmp(path, "sa.aead.key"), "path of key: %s", path);
	CHECK(kipsec_attr_path(nlh, aead_off, path, sizeof(path)) == 0 &&
	      !strcmp(path, "sa.aead"), "path of aead: %s", path);
	CHECK(kipsec_attr_path(nlh, 20, path, sizeof(path)) == 0 &&
	      !strcmp(path, "sa"), "path of sa: %s", path);
	CHECK(kipsec_attr_path(nlh, nlh->nlmsg_len + 4, path, sizeof(path)) ==
	      -ENOENT, "path out of range");

	/* an SPI of the wrong size is refused, an unknown attribute ignored */
	nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_GET);
	{
		struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);

		mnl_attr_put_u16(nlh, KIPSEC_A_SA_SPI, 1);
		mnl_attr_nest_end(nlh, nest);
	}
	CHECK(kipsec_attr_parse_msg(nlh, tb) == 0 &&
	      kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) == -EINVAL,
	      "short spi refused");
	nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_GET);
	mnl_attr_put_u32(nlh, 200, 1);
	CHECK(kipsec_attr_parse_msg(nlh, tb) == 0, "unknown attribute ignored");

	/* a string without its NUL, and an attribute running past its nest */
	nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_GET);
	{
		struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA_AEAD);

		mnl_attr_put_u32(nlh, KIPSEC_A_ALG_KEY_LEN, 128);
		mnl_attr_put(nlh, KIPSEC_A_ALG_NAME, 3, "gcm");
		mnl_attr_nest_end(nlh, nest);
		CHECK(kipsec_attr_parse_nest(nest, KIPSEC_SET_ALG, sa) == -EINVAL,
		      "string without NUL refused");
		nest->nla_len = sizeof(*nest) + 6;	/* cuts the key length short */
		CHECK(kipsec_attr_parse_nest(nest, KIPSEC_SET_ALG, sa) == -EINVAL,
		      "attribute longer than its nest refused");
		nest->nla_len = sizeof(*nest) + 2;	/* less than a header: ignored */
		CHECK(kipsec_attr_parse_nest(nest, KIPSEC_SET_ALG, sa) == 0 &&
		      !sa[KIPSEC_A_ALG_KEY_LEN], "trailing bytes short of a header ignored");
	}
	nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_GET);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	CHECK(kipsec_attr_parse_msg(nlh, tb) == -EINVAL, "message shorter than genl header");
	CHECK(kipsec_attr_spec(KIPSEC_SET_SA, KIPSEC_A_SA_PAD) == NULL, "pad");
	CHECK(!strcmp(kipsec_cmd_name(KIPSEC_CMD_POLICY_DEL_NTF), "policy-del-ntf"),
	      "cmd name");
}

/* every attribute of the UAPI header has a name and type, but the pads */
static void test_schema_complete(void)
{
	static const struct {
		enum kipsec_attr_set set;
		unsigned int max, pad;	/* pad 0: none */
	} sets[] = {
		{ KIPSEC_SET_TOP, KIPSEC_A_MAX, 0 },
		{ KIPSEC_SET_SA, KIPSEC_A_SA_MAX, KIPSEC_A_SA_PAD },
		{ KIPSEC_SET_ALG, KIPSEC_A_ALG_MAX, 0 },
		{ KIPSEC_SET_SA_STATS, KIPSEC_A_SA_STATS_MAX, KIPSEC_A_SA_STATS_PAD },
		{ KIPSEC_SET_POLICY, KIPSEC_A_POLICY_MAX, KIPSEC_A_POLICY_PAD },
		{ KIPSEC_SET_SEL, KIPSEC_A_SEL_MAX, 0 },
		{ KIPSEC_SET_TMPL, KIPSEC_A_TMPL_MAX, 0 },
		{ KIPSEC_SET_STATS, KIPSEC_A_STATS_MAX, 0 },
		{ KIPSEC_SET_COUNTER, KIPSEC_A_COUNTER_MAX, KIPSEC_A_COUNTER_PAD },
		{ KIPSEC_SET_LIFETIME, KIPSEC_A_LIFE_MAX, KIPSEC_A_LIFE_PAD },
	};

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		CHECK(kipsec_attr_max(sets[i].set) == sets[i].max,
		      "max of set %s", kipsec_attr_set_name(sets[i].set));
		for (unsigned int t = 1; t <= sets[i].max; t++)
			if (t != sets[i].pad)
				CHECK(kipsec_attr_spec(sets[i].set, t) != NULL,
				      "set %s attribute %u has no spec",
				      kipsec_attr_set_name(sets[i].set), t);
	}
}

/* sa { lifetime-hard { packets } }: paths into the lifetime set */
static void test_schema_lifetime(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	const struct nlattr *life[KIPSEC_A_LIFE_MAX + 1];
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_ADD);
	struct nlattr *nest, *lt;
	char path[96];
	uint32_t off;

	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_TUNNEL_DF, KIPSEC_DF_SET);
	lt = mnl_attr_nest_start(nlh, KIPSEC_A_SA_LIFETIME_HARD);
	off = (char *)mnl_nlmsg_get_payload_tail(nlh) - buf;
	mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_PACKETS, 1000);
	mnl_attr_nest_end(nlh, lt);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, KIPSEC_A_EXPIRE_REASON, KIPSEC_EXPIRE_PACKETS);

	CHECK(kipsec_attr_path(nlh, off, path, sizeof(path)) == 0 &&
	      !strcmp(path, "sa.lifetime-hard.packets"), "lifetime path: %s", path);
	CHECK(kipsec_attr_parse_msg(nlh, tb) == 0 && tb[KIPSEC_A_SA] &&
	      tb[KIPSEC_A_EXPIRE_REASON] &&
	      mnl_attr_get_u32(tb[KIPSEC_A_EXPIRE_REASON]) == KIPSEC_EXPIRE_PACKETS,
	      "expire-reason parsed");
	CHECK(tb[KIPSEC_A_SA] &&
	      kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) == 0 &&
	      sa[KIPSEC_A_SA_TUNNEL_DF] && sa[KIPSEC_A_SA_LIFETIME_HARD] &&
	      kipsec_attr_parse_nest(sa[KIPSEC_A_SA_LIFETIME_HARD],
				     KIPSEC_SET_LIFETIME, life) == 0 &&
	      life[KIPSEC_A_LIFE_PACKETS] &&
	      mnl_attr_get_u64(life[KIPSEC_A_LIFE_PACKETS]) == 1000,
	      "lifetime parsed");
}

/* the proposal table, restated from the grammar, one entry at a time */
struct want_proposal {
	char name[32];
	uint8_t proto;
	const char *aead, *enc, *auth;
	size_t enc_len, auth_len;
	uint32_t icv;
};

static size_t want_proposals(struct want_proposal *w)
{
	static const unsigned int aes[] = { 128, 192, 256 };
	static const struct {
		const char *name;
		size_t len;
		uint32_t trunc;
	} sha[] = {
		{ "sha1", 20, 96 }, { "sha256", 32, 128 },
		{ "sha384", 48, 192 }, { "sha512", 64, 256 },
	};
	static const unsigned int gcm_icv[] = { 8, 12, 16 };
	static char hmac[4][16];
	size_t n = 0;

	for (size_t h = 0; h < 4; h++)
		snprintf(hmac[h], sizeof(hmac[h]), "hmac(%s)", sha[h].name);
	for (size_t a = 0; a < 3; a++) {
		for (size_t i = 0; i < 3; i++) {
			snprintf(w[n].name, sizeof(w[n].name), "aes%ugcm%u",
				 aes[a], gcm_icv[i]);
			w[n].proto = IPPROTO_ESP;
			w[n].aead = "rfc4106(gcm(aes))";
			w[n].enc_len = aes[a] / 8 + 4;
			w[n++].icv = gcm_icv[i] * 8;
		}
		snprintf(w[n].name, sizeof(w[n].name), "aes%ugmac", aes[a]);
		w[n].proto = IPPROTO_ESP;
		w[n].aead = "rfc4543(gcm(aes))";
		w[n].enc_len = aes[a] / 8 + 4;
		w[n++].icv = 128;
		for (size_t h = 0; h < 4; h++) {
			snprintf(w[n].name, sizeof(w[n].name), "aes%u-%s",
				 aes[a], sha[h].name);
			w[n].proto = IPPROTO_ESP;
			w[n].enc = "cbc(aes)";
			w[n].enc_len = aes[a] / 8;
			w[n].auth = hmac[h];
			w[n].auth_len = sha[h].len;
			w[n++].icv = sha[h].trunc;
			snprintf(w[n].name, sizeof(w[n].name), "aes%uctr-%s",
				 aes[a], sha[h].name);
			w[n].proto = IPPROTO_ESP;
			w[n].enc = "rfc3686(ctr(aes))";
			w[n].enc_len = aes[a] / 8 + 4;
			w[n].auth = hmac[h];
			w[n].auth_len = sha[h].len;
			w[n++].icv = sha[h].trunc;
		}
	}
	strcpy(w[n].name, "chacha20poly1305");
	w[n].proto = IPPROTO_ESP;
	w[n].aead = "rfc7539esp(chacha20,poly1305)";
	w[n].enc_len = 36;
	w[n++].icv = 128;
	for (size_t h = 0; h < 4; h++) {
		snprintf(w[n].name, sizeof(w[n].name), "null-%s", sha[h].name);
		w[n].proto = IPPROTO_ESP;
		w[n].enc = "ecb(cipher_null)";
		w[n].auth = hmac[h];
		w[n].auth_len = sha[h].len;
		w[n++].icv = sha[h].trunc;
		snprintf(w[n].name, sizeof(w[n].name), "%s", sha[h].name);
		w[n].proto = IPPROTO_AH;
		w[n].auth = hmac[h];
		w[n].auth_len = sha[h].len;
		w[n++].icv = sha[h].trunc;
	}
	return n;
}

/*
 * The nest @type of @sa holds algorithm @name with key @key (@len bytes)
 * and ICV @icv (-1: no ICV attribute); a NULL @name: no such nest.
 */
static bool alg_is(const struct nlattr **sa, unsigned int type,
		   const char *name, const uint8_t *key, size_t len, int64_t icv)
{
	const struct nlattr *alg[KIPSEC_A_ALG_MAX + 1];

	if (!name)
		return !sa[type];
	if (!sa[type] ||
	    kipsec_attr_parse_nest(sa[type], KIPSEC_SET_ALG, alg) ||
	    !alg[KIPSEC_A_ALG_NAME] || !alg[KIPSEC_A_ALG_KEY] ||
	    strcmp(mnl_attr_get_str(alg[KIPSEC_A_ALG_NAME]), name) ||
	    mnl_attr_get_payload_len(alg[KIPSEC_A_ALG_KEY]) != len ||
	    (len && memcmp(mnl_attr_get_payload(alg[KIPSEC_A_ALG_KEY]), key, len)))
		return false;
	if (icv < 0)
		return !alg[KIPSEC_A_ALG_ICV_LEN];
	return alg[KIPSEC_A_ALG_ICV_LEN] &&
	       mnl_attr_get_u32(alg[KIPSEC_A_ALG_ICV_LEN]) == icv;
}

static void test_proposals(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	struct want_proposal w[64] = { 0 };
	size_t n = want_proposals(w), listed = 0;
	const struct kipsec_proposal *p;
	uint8_t key[KIPSEC_KEY_MAX];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = i + 1;
	CHECK(n == 45, "grammar restated: %zu proposals", n);
	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *nlh;
		struct nlattr *nest;
		size_t len = w[i].enc_len + w[i].auth_len;
		uint32_t before;

		p = kipsec_proposal_find(w[i].name);
		CHECK(p != NULL, "proposal %s missing", w[i].name);
		if (!p)
			continue;
		CHECK(p->proto == w[i].proto, "%s: proto %u", w[i].name, p->proto);
		CHECK(kipsec_proposal_key_len(p) == len, "%s: key length %zu",
		      w[i].name, kipsec_proposal_key_len(p));

		nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_ADD);
		nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
		before = nlh->nlmsg_len;
		CHECK(kipsec_proposal_put(nlh, p, key, len + 1) == -EINVAL &&
		      nlh->nlmsg_len == before, "%s: long key refused", w[i].name);
		CHECK(kipsec_proposal_put(nlh, p, key, len - 1) == -EINVAL &&
		      nlh->nlmsg_len == before, "%s: short key refused", w[i].name);
		CHECK(kipsec_proposal_put(nlh, p, key, len) == 0, "%s: put",
		      w[i].name);
		mnl_attr_nest_end(nlh, nest);
		if (kipsec_attr_parse_msg(nlh, tb) || !tb[KIPSEC_A_SA] ||
		    kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa)) {
			CHECK(false, "%s: parse", w[i].name);
			continue;
		}
		/* aead: the whole key; else enc key first, integrity key after */
		CHECK(alg_is(sa, KIPSEC_A_SA_AEAD, w[i].aead, key, w[i].enc_len,
			     w[i].icv), "%s: aead nest", w[i].name);
		CHECK(alg_is(sa, KIPSEC_A_SA_ENC, w[i].enc, key, w[i].enc_len, -1),
		      "%s: enc nest", w[i].name);
		CHECK(alg_is(sa, KIPSEC_A_SA_AUTH, w[i].auth, key + w[i].enc_len,
			     w[i].auth_len, w[i].icv), "%s: auth nest", w[i].name);
	}
	for (size_t i = 0; (p = kipsec_proposal_get(i)); i++) {
		bool known = false;

		for (size_t k = 0; k < n; k++)
			known |= !strcmp(p->name, w[k].name);
		CHECK(known, "proposal %s is not in the grammar", p->name);
		listed++;
	}
	CHECK(listed == n, "%zu proposals listed, %zu in the grammar", listed, n);
	CHECK(kipsec_proposal_find("aes128gcm20") == NULL &&
	      kipsec_proposal_find("AES128GCM16") == NULL &&
	      kipsec_proposal_find("") == NULL, "unknown proposals");
}

/* IKEv2 transform IDs (RFC 7296, 4106, 4543, 7634, 4868) to proposals */
static void test_proposals_ike(void)
{
	static const struct {
		uint8_t proto;
		uint16_t encr;
		size_t key_len;
		uint16_t integ;
		const char *name;	/* NULL: none */
	} cases[] = {
		{ IPPROTO_ESP, 20, 20, 0, "aes128gcm16" },
		{ IPPROTO_ESP, 20, 36, 0, "aes256gcm16" },
		{ IPPROTO_ESP, 18, 28, 0, "aes192gcm8" },
		{ IPPROTO_ESP, 19, 36, 0, "aes256gcm12" },
		{ IPPROTO_ESP, 21, 20, 0, "aes128gmac" },
		{ IPPROTO_ESP, 28, 36, 0, "chacha20poly1305" },
		{ IPPROTO_ESP, 12, 16, 12, "aes128-sha256" },
		{ IPPROTO_ESP, 12, 32, 2, "aes256-sha1" },
		{ IPPROTO_ESP, 13, 20, 14, "aes128ctr-sha512" },
		{ IPPROTO_ESP, 11, 0, 13, "null-sha384" },
		{ IPPROTO_AH, 0, 0, 12, "sha256" },
		{ IPPROTO_AH, 0, 0, 2, "sha1" },
		{ IPPROTO_ESP, 20, 16, 0, NULL },	/* GCM without salt */
		{ IPPROTO_ESP, 12, 16, 0, NULL },	/* CBC without integrity */
		{ IPPROTO_ESP, 12, 16, 1, NULL },	/* HMAC-MD5 */
		{ IPPROTO_ESP, 3, 24, 2, NULL },	/* 3DES */
		{ IPPROTO_AH, 0, 0, 9, NULL },		/* AES-XCBC */
		{ IPPROTO_AH, 12, 16, 12, NULL },	/* AH with encryption */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kipsec_proposal *p =
			kipsec_proposal_find_ike(cases[i].proto, cases[i].encr,
						 cases[i].key_len, cases[i].integ);

		if (cases[i].name)
			CHECK(p && !strcmp(p->name, cases[i].name),
			      "ike %u/%zu/%u: %s, want %s", cases[i].encr,
			      cases[i].key_len, cases[i].integ,
			      p ? p->name : "none", cases[i].name);
		else
			CHECK(!p, "ike %u/%zu/%u: %s, want none", cases[i].encr,
			      cases[i].key_len, cases[i].integ, p ? p->name : "");
	}
}

/* an empty key is sent as an empty attribute; ICV only when asked */
static void test_put_alg(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	struct kipsec_alg enc = { .name = "ecb(cipher_null)" };
	struct kipsec_alg auth = { .name = "digest_null", .has_icv = true };
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_ADD);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);

	kipsec_attr_put_alg(nlh, KIPSEC_A_SA_ENC, &enc);
	kipsec_attr_put_alg(nlh, KIPSEC_A_SA_AUTH, &auth);
	mnl_attr_nest_end(nlh, nest);
	CHECK(kipsec_attr_parse_msg(nlh, tb) == 0 && tb[KIPSEC_A_SA] &&
	      kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) == 0 &&
	      alg_is(sa, KIPSEC_A_SA_ENC, "ecb(cipher_null)", NULL, 0, -1) &&
	      alg_is(sa, KIPSEC_A_SA_AUTH, "digest_null", NULL, 0, 0),
	      "null algorithms with empty keys, ICV 0 sent");
}

/* "0x" and @n bytes 1, 2, 3, ... in hex */
static void hex_key(char *arg, size_t n, uint8_t first)
{
	strcpy(arg, "0x");
	for (size_t i = 0; i < n; i++)
		sprintf(arg + 2 + 2 * i, "%02x", (uint8_t)(first + i));
}

static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* algorithms from the command line: keys leave argv, land in the nests */
static void test_sa_algs(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	char w_alg[] = "alg", w_prop[] = "aes128-sha256", ike_key[2 + 96 + 1];
	char w_enc[] = "enc", w_cbc[] = "cbc(aes)", enc_key[2 + 32 + 1];
	char w_auth[] = "auth", w_hmac[] = "hmac(sha1)", auth_key[2 + 40 + 1];
	char w_trunc[] = "auth-trunc", w_bits[] = "160";
	char *ike_argv[] = { w_prop, ike_key };
	char *xfrm_argv[] = { w_cbc, enc_key, w_hmac, auth_key };
	struct kipsec_args a = { 2, ike_argv };
	struct kipsec_cli c = { 0 };
	struct kipsec_sa_algs s = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint8_t want[48];

	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = 0x40 + i;

	/* alg PROPOSAL KEY: 16 bytes of AES key, then 32 of HMAC key */
	hex_key(ike_key, 48, 0x40);
	CHECK(kipsec_sa_alg_parse(&c, &a, &s, w_alg) == 0 &&
	      kipsec_sa_algs_check(&c, &s, IPPROTO_ESP) == 0, "alg parsed");
	CHECK(all_zero(ike_key, sizeof(ike_key)), "alg key wiped from argv");
	nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_ADD);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kipsec_sa_algs_put(nlh, &s);
	mnl_attr_nest_end(nlh, nest);
	CHECK(kipsec_attr_parse_msg(nlh, tb) == 0 && tb[KIPSEC_A_SA] &&
	      kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) == 0 &&
	      alg_is(sa, KIPSEC_A_SA_AEAD, NULL, NULL, 0, 0) &&
	      alg_is(sa, KIPSEC_A_SA_ENC, "cbc(aes)", want, 16, -1) &&
	      alg_is(sa, KIPSEC_A_SA_AUTH, "hmac(sha256)", want + 16, 32, 128),
	      "alg aes128-sha256: key split, ICV 128");
	CHECK(kipsec_sa_algs_check(&c, &s, IPPROTO_AH) != 0,
	      "aes128-sha256 refused for AH");

	/* enc NAME KEY auth NAME KEY: no ICV for plain auth */
	memset(&s, 0, sizeof(s));
	a.argc = 4;
	a.argv = xfrm_argv;
	hex_key(enc_key, 16, 0x40);
	hex_key(auth_key, 20, 0x50);
	CHECK(kipsec_sa_alg_parse(&c, &a, &s, w_enc) == 0 &&
	      kipsec_sa_alg_parse(&c, &a, &s, w_auth) == 0 &&
	      kipsec_sa_algs_check(&c, &s, IPPROTO_ESP) == 0, "enc, auth parsed");
	CHECK(all_zero(enc_key, sizeof(enc_key)) &&
	      all_zero(auth_key, sizeof(auth_key)), "enc, auth keys wiped");
	nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_ADD);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kipsec_sa_algs_put(nlh, &s);
	mnl_attr_nest_end(nlh, nest);
	CHECK(kipsec_attr_parse_msg(nlh, tb) == 0 && tb[KIPSEC_A_SA] &&
	      kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) == 0 &&
	      alg_is(sa, KIPSEC_A_SA_ENC, "cbc(aes)", want, 16, -1) &&
	      alg_is(sa, KIPSEC_A_SA_AUTH, "hmac(sha1)", want + 16, 20, -1),
	      "enc and auth nests, auth without ICV");

	/* auth-trunc NAME KEY BITS, for AH */
	{
		char *argv[] = { w_hmac, auth_key, w_bits };

		memset(&s, 0, sizeof(s));
		a.argc = 3;
		a.argv = argv;
		hex_key(auth_key, 20, 0x40);
		CHECK(kipsec_sa_alg_parse(&c, &a, &s, w_trunc) == 0 &&
		      kipsec_sa_algs_check(&c, &s, IPPROTO_AH) == 0,
		      "auth-trunc parsed");
		CHECK(kipsec_sa_algs_check(&c, &s, IPPROTO_ESP) != 0,
		      "auth-trunc alone refused for ESP");
		nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_ADD);
		nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
		kipsec_sa_algs_put(nlh, &s);
		mnl_attr_nest_end(nlh, nest);
		CHECK(kipsec_attr_parse_msg(nlh, tb) == 0 && tb[KIPSEC_A_SA] &&
		      kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) == 0 &&
		      alg_is(sa, KIPSEC_A_SA_ENC, NULL, NULL, 0, 0) &&
		      alg_is(sa, KIPSEC_A_SA_AUTH, "hmac(sha1)", want, 20, 160),
		      "auth-trunc nest with ICV 160");
	}
}

/* a kernel reply (or event) as the kernel builds it, attribute by attribute */
static void put_alg_reply(struct nlmsghdr *nlh, uint16_t type, const char *name,
			  uint32_t key_bits, int64_t icv)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_strz(nlh, KIPSEC_A_ALG_NAME, name);
	if (icv >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_A_ALG_ICV_LEN, icv);
	mnl_attr_put_u32(nlh, KIPSEC_A_ALG_KEY_LEN, key_bits);
	mnl_attr_nest_end(nlh, nest);
}

static void put_addrs(struct nlmsghdr *nlh, const char *src, const char *dst)
{
	struct kipsec_addr a;

	kipsec_addr_parse(&a, src);
	kipsec_attr_put_addr(nlh, KIPSEC_A_SA_SRC, &a);
	kipsec_addr_parse(&a, dst);
	kipsec_attr_put_addr(nlh, KIPSEC_A_SA_DST, &a);
}

/* an ESP tunnel SA with every reply attribute of issue 3 */
static struct nlmsghdr *reply_full(char *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, cmd);
	struct nlattr *sa, *nest;

	sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	put_addrs(nlh, "10.0.0.1", "10.0.0.2");
	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, 0x1000);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_MODE, KIPSEC_MODE_TUNNEL);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_REQID, 7);
	put_alg_reply(nlh, KIPSEC_A_SA_ENC, "rfc3686(ctr(aes))", 160, -1);
	put_alg_reply(nlh, KIPSEC_A_SA_AUTH, "hmac(sha256)", 256, 96);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_REPLAY_WINDOW, 64);
	/* a flag this tool has no name for: 1 << 6 */
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_FLAGS, KIPSEC_SA_FLAG_ESN |
			 KIPSEC_SA_FLAG_NOECN | KIPSEC_SA_FLAG_DECAP_DSCP |
			 KIPSEC_SA_FLAG_DONT_ENCAP_DSCP | 1 << 6);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_STATE, KIPSEC_SA_STATE_VALID);
	mnl_attr_put_u64(nlh, KIPSEC_A_SA_SEQ_OUT, 0x100000002ull);
	mnl_attr_put_u64(nlh, KIPSEC_A_SA_SEQ_IN, 10);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA_LIFETIME_SOFT);
	mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_BYTES, 1000000);
	mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_ADD_SECS, 3000);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA_LIFETIME_HARD);
	mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_BYTES, 2000000);
	mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_PACKETS, 20);
	mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_ADD_SECS, 3600);
	mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_USE_SECS, 600);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, KIPSEC_A_SA_ADD_TIME, 1700000000);
	mnl_attr_put_u64(nlh, KIPSEC_A_SA_USE_TIME, 1700000005);
	mnl_attr_put_u64(nlh, KIPSEC_A_SA_LAST_USE_TIME, 1700000100);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_TUNNEL_DF, KIPSEC_DF_SET);
	if (cmd == KIPSEC_CMD_SA_GET) {
		/* every counter different, two past 32 bits; POLICY_FAIL left out */
		nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA_STATS);
		mnl_attr_put_u64(nlh, KIPSEC_A_SA_STATS_RX_PACKETS, 1);
		mnl_attr_put_u64(nlh, KIPSEC_A_SA_STATS_RX_BYTES, 1ull << 40);
		mnl_attr_put_u64(nlh, KIPSEC_A_SA_STATS_TX_PACKETS, 30);
		mnl_attr_put_u64(nlh, KIPSEC_A_SA_STATS_TX_BYTES, 18446744073709551615ull);
		mnl_attr_put_u64(nlh, KIPSEC_A_SA_STATS_AUTH_FAIL, 5);
		mnl_attr_put_u64(nlh, KIPSEC_A_SA_STATS_REPLAY, 6);
		mnl_attr_put_u64(nlh, KIPSEC_A_SA_STATS_ERRORS, 8);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_nest_end(nlh, sa);
	return nlh;
}

/* ESP NULL/NULL, allowed by flag insecure; a df value without a name */
static struct nlmsghdr *reply_null(char *buf)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_GET);
	struct nlattr *sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA);

	put_addrs(nlh, "fd00::1", "fd00::2");
	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, 0x2000);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_PROTO, IPPROTO_ESP);
	put_alg_reply(nlh, KIPSEC_A_SA_ENC, "ecb(cipher_null)", 0, -1);
	put_alg_reply(nlh, KIPSEC_A_SA_AUTH, "digest_null", 0, 0);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_FLAGS, KIPSEC_SA_FLAG_INSECURE);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_TUNNEL_DF, 9);
	mnl_attr_nest_end(nlh, sa);
	return nlh;
}

/* AH; ESP NULL encryption with real integrity; AEAD: none is INSECURE */
static struct nlmsghdr *reply_other(char *buf, int which)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_GET);
	struct nlattr *sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA);

	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, 0x3000);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_PROTO, which ? IPPROTO_ESP : IPPROTO_AH);
	if (which == 1)
		put_alg_reply(nlh, KIPSEC_A_SA_ENC, "ecb(cipher_null)", 0, -1);
	if (which < 2)
		put_alg_reply(nlh, KIPSEC_A_SA_AUTH, "hmac(sha1)", 160, 96);
	else
		put_alg_reply(nlh, KIPSEC_A_SA_AEAD, "rfc4543(gcm(aes))", 160, 128);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_FLAGS, 0);
	mnl_attr_nest_end(nlh, sa);
	return nlh;
}

/*
 * The SA (@type KIPSEC_A_SA) or policy (KIPSEC_A_POLICY) of a reply as
 * `sa show` or `policy show` prints it, or its JSON; NULL if refused.
 */
static char *show_obj(const struct nlmsghdr *nlh, uint16_t type, bool json)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct kipsec_json j;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int err = -EINVAL;

	if (kipsec_attr_parse_msg(nlh, tb) == 0 && tb[type]) {
		kipsec_json_init(&j, f);
		if (type == KIPSEC_A_SA)
			err = json ? kipsec_show_sa_json(&j, NULL, tb[type]) :
				     kipsec_show_sa(f, "", "\t", tb[type]);
		else
			err = json ? kipsec_show_policy_json(&j, NULL, tb[type]) :
				     kipsec_show_policy(f, "", "\t", tb[type]);
	}
	fclose(f);
	if (!err)
		return out;
	free(out);
	return NULL;
}

static char *show_sa(const struct nlmsghdr *nlh, bool json)
{
	return show_obj(nlh, KIPSEC_A_SA, json);
}

#define CHECK_TEXT(got, want, what) do {				\
	char *g_ = (got);						\
									\
	CHECK(g_ && !strcmp(g_, want), "%s:\n--- want\n%s--- got\n%s",	\
	      what, want, g_ ? g_ : "(refused)\n");			\
	free(g_);							\
} while (0)

static void test_show_sa(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));

	CHECK_TEXT(show_sa(reply_full(buf, KIPSEC_CMD_SA_GET), false),
		"src 10.0.0.1 dst 10.0.0.2\n"
		"\tproto esp spi 0x00001000 reqid 7 mode tunnel\n"
		"\treplay-window 64 flag esn noecn decap-dscp dont-encap-dscp 0x40 df set state valid\n"
		"\tenc rfc3686(ctr(aes)) (hidden) 160\n"
		"\tauth-trunc hmac(sha256) (hidden) 256 96\n"
		"\tseq-out 4294967298 seq-in 10\n"
		"\tlifetime soft bytes 1000000 add-secs 3000\n"
		"\tlifetime hard bytes 2000000 packets 20 add-secs 3600 use-secs 600\n"
		"\tadd-time 1700000000 use-time 1700000005 last-use-time 1700000100\n"
		"\tstats: rx 1 packets 1099511627776 bytes, tx 30 packets 18446744073709551615 bytes,"
		" auth-fail 5, replay 6, policy-fail 0, errors 8\n",
		"show: every new attribute");
	CHECK_TEXT(show_sa(reply_full(buf, KIPSEC_CMD_SA_GET), true),
		"{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"proto\":\"esp\",\"spi\":4096,"
		"\"mode\":\"tunnel\",\"reqid\":7,\"replay_window\":64,"
		"\"flags\":[\"esn\",\"noecn\",\"decap-dscp\",\"dont-encap-dscp\",64],"
		"\"tunnel_df\":\"set\",\"state\":\"valid\","
		"\"enc\":{\"name\":\"rfc3686(ctr(aes))\",\"key_len\":160,\"key\":\"(hidden)\"},"
		"\"auth\":{\"name\":\"hmac(sha256)\",\"key_len\":256,\"icv_len\":96,\"key\":\"(hidden)\"},"
		"\"insecure\":false,\"seq_out\":4294967298,\"seq_in\":10,"
		"\"lifetime_soft\":{\"bytes\":1000000,\"add_secs\":3000},"
		"\"lifetime_hard\":{\"bytes\":2000000,\"packets\":20,\"add_secs\":3600,\"use_secs\":600},"
		"\"add_time\":1700000000,\"use_time\":1700000005,\"last_use_time\":1700000100,"
		"\"stats\":{\"rx_packets\":1,\"rx_bytes\":1099511627776,\"tx_packets\":30,"
		"\"tx_bytes\":18446744073709551615,\"auth_fail\":5,\"replay\":6,"
		"\"policy_fail\":0,\"errors\":8}}\n",
		"json: every new attribute");

	CHECK_TEXT(show_sa(reply_null(buf), false),
		"src fd00::1 dst fd00::2\n"
		"\tproto esp spi 0x00002000\n"
		"\tflag insecure df 9\n"
		"\tenc ecb(cipher_null) (hidden) 0\n"
		"\tauth-trunc digest_null (hidden) 0 0\n"
		"\tINSECURE\n",
		"show: NULL/NULL is INSECURE");
	CHECK_TEXT(show_sa(reply_null(buf), true),
		"{\"src\":\"fd00::1\",\"dst\":\"fd00::2\",\"proto\":\"esp\",\"spi\":8192,"
		"\"flags\":[\"insecure\"],\"tunnel_df\":9,"
		"\"enc\":{\"name\":\"ecb(cipher_null)\",\"key_len\":0,\"key\":\"(hidden)\"},"
		"\"auth\":{\"name\":\"digest_null\",\"key_len\":0,\"icv_len\":0,\"key\":\"(hidden)\"},"
		"\"insecure\":true}\n",
		"json: NULL/NULL is insecure");

	CHECK_TEXT(show_sa(reply_other(buf, 0), false),
		"sa\n"
		"\tproto ah spi 0x00003000\n"
		"\tauth-trunc hmac(sha1) (hidden) 160 96\n",
		"show: AH");
	CHECK_TEXT(show_sa(reply_other(buf, 1), false),
		"sa\n"
		"\tproto esp spi 0x00003000\n"
		"\tenc ecb(cipher_null) (hidden) 0\n"
		"\tauth-trunc hmac(sha1) (hidden) 160 96\n",
		"show: NULL encryption with integrity is not INSECURE");
	/* longer than the line buffer: written in pieces, nothing lost */
	{
		struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SA_GET);
		struct nlattr *sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
		char name[3000], *want;

		for (size_t i = 0; i < sizeof(name) - 1; i++)
			name[i] = 'a' + i % 26;
		name[sizeof(name) - 1] = '\0';
		kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, 0x3000);
		put_alg_reply(nlh, KIPSEC_A_SA_AUTH, name, 160, 96);
		mnl_attr_nest_end(nlh, sa);
		if (asprintf(&want, "sa\n\tspi 0x00003000\n\tauth-trunc %s (hidden) 160 96\n",
			     name) > 0) {
			CHECK_TEXT(show_sa(nlh, false), want, "show: a 3000-byte line");
			free(want);
		}
	}
	CHECK_TEXT(show_sa(reply_other(buf, 2), true),
		"{\"proto\":\"esp\",\"spi\":12288,\"flags\":[],"
		"\"aead\":{\"name\":\"rfc4543(gcm(aes))\",\"key_len\":160,\"icv_len\":128,\"key\":\"(hidden)\"},"
		"\"insecure\":false}\n",
		"json: GMAC, no flags");
}

/* a policy as the kernel dumps it: @which 0 protect with ports, 1 IPv6 ICMP
 * discard, 2 nothing but an index */
static struct nlmsghdr *reply_policy(char *buf, int which)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42,
						  KIPSEC_CMD_POLICY_GET);
	struct nlattr *pol = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY), *nest;
	struct kipsec_addr a;

	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_INDEX, 4000000000u + which);
	if (which == 2)
		goto out;
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_DIR, which ? KIPSEC_DIR_IN :
			 KIPSEC_DIR_OUT);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_PRIORITY, which ? 0 : 4294967295u);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_ACTION, which ?
			 KIPSEC_ACTION_DISCARD : KIPSEC_ACTION_PROTECT);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_SEL);
	kipsec_addr_parse(&a, which ? "2001:db8::" : "192.168.0.0");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_SRC, &a);
	kipsec_addr_parse(&a, which ? "::ffff:10.1.2.3" : "255.255.255.255");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_DST, &a);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_SRC_PREFIXLEN, which ? 32 : 16);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_DST_PREFIXLEN, which ? 128 : 32);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_PROTO, which ? IPPROTO_ICMPV6 :
			 IPPROTO_TCP);
	if (which) {
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_ICMP_TYPE, 128);
		mnl_attr_put_u32(nlh, KIPSEC_A_SEL_ICMP_CODE, 0);
	} else {
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MIN, 1024);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MAX, 65535);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MIN, 443);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MAX, 443);
	}
	mnl_attr_nest_end(nlh, nest);
	if (!which) {
		nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_TMPL);
		mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_PROTO, IPPROTO_ESP);
		mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_MODE, KIPSEC_MODE_TUNNEL);
		mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_REQID, 1);
		kipsec_attr_put_be32(nlh, KIPSEC_A_TMPL_SPI, 0xc0ffee);
		kipsec_addr_parse(&a, "0.0.0.1");
		kipsec_attr_put_addr(nlh, KIPSEC_A_TMPL_SRC, &a);
		kipsec_addr_parse(&a, "100.64.10.200");
		kipsec_attr_put_addr(nlh, KIPSEC_A_TMPL_DST, &a);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_PACKETS, which ? 0 : 18446744073709551615ull);
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_BYTES, which ? 0 : 1234567890123ull);
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_ADD_TIME, 1795403829);
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_USE_TIME, which ? 0 : 1795403830);
out:
	mnl_attr_nest_end(nlh, pol);
	return nlh;
}

static char *show_policy(const struct nlmsghdr *nlh, bool json)
{
	return show_obj(nlh, KIPSEC_A_POLICY, json);
}

static void test_show_policy(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));

	CHECK_TEXT(show_policy(reply_policy(buf, 0), false),
		"src 192.168.0.0/16 dst 255.255.255.255/32 proto tcp sport 1024-65535 dport 443\n"
		"\tdir out priority 4294967295 action protect index 4000000000\n"
		"\ttmpl src 0.0.0.1 dst 100.64.10.200 proto esp mode tunnel reqid 1 spi 0x00c0ffee\n"
		"\tadd-time 1795403829 use-time 1795403830\n"
		"\tstats: 18446744073709551615 packets 1234567890123 bytes\n",
		"show policy: protect, ports, extremes");
	CHECK_TEXT(show_policy(reply_policy(buf, 1), false),
		"src 2001:db8::/32 dst ::ffff:10.1.2.3/128 proto ipv6-icmp type 128 code 0\n"
		"\tdir in priority 0 action discard index 4000000001\n"
		"\tadd-time 1795403829 use-time 0\n"
		"\tstats: 0 packets 0 bytes\n",
		"show policy: IPv6 ICMP");
	CHECK_TEXT(show_policy(reply_policy(buf, 2), false),
		"policy\n"
		"\tindex 4000000002\n",
		"show policy: nothing but an index");
	CHECK_TEXT(show_policy(reply_policy(buf, 0), true),
		"{\"index\":4000000000,\"dir\":\"out\",\"priority\":4294967295,\"action\":\"protect\","
		"\"sel\":{\"src\":\"192.168.0.0\",\"src_prefixlen\":16,\"dst\":\"255.255.255.255\","
		"\"dst_prefixlen\":32,\"proto\":\"tcp\",\"sport_min\":1024,\"sport_max\":65535,"
		"\"dport_min\":443,\"dport_max\":443},"
		"\"tmpl\":{\"src\":\"0.0.0.1\",\"dst\":\"100.64.10.200\",\"proto\":\"esp\","
		"\"mode\":\"tunnel\",\"reqid\":1,\"spi\":12648430},"
		"\"packets\":18446744073709551615,\"bytes\":1234567890123,"
		"\"add_time\":1795403829,\"use_time\":1795403830}\n",
		"json policy: protect");
}

/* sa-expire-ntf: a small SA, expire-hard if @hard, a reason unless < 0 */
static struct nlmsghdr *expire_event(char *buf, bool hard, int64_t reason)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42,
						  KIPSEC_CMD_SA_EXPIRE_NTF);
	struct nlattr *sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA);

	put_addrs(nlh, "10.0.0.1", "10.0.0.2");
	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, 0x1000);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_PROTO, IPPROTO_ESP);
	mnl_attr_nest_end(nlh, sa);
	if (hard)
		mnl_attr_put(nlh, KIPSEC_A_EXPIRE_HARD, 0, NULL);
	if (reason >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_A_EXPIRE_REASON, reason);
	return nlh;
}

/* an event as `kipsec monitor` (-j) prints it; NULL if refused */
static char *monitor(const struct nlmsghdr *nlh, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int err = kipsec_monitor_print(f, json, nlh);

	fclose(f);
	if (!err)
		return out;
	free(out);
	return NULL;
}

static void test_monitor_expire(void)
{
	static const char *const reasons[] = {
		[KIPSEC_EXPIRE_BYTES] = "bytes",
		[KIPSEC_EXPIRE_PACKETS] = "packets",
		[KIPSEC_EXPIRE_ADD_TIME] = "add-time",
		[KIPSEC_EXPIRE_USE_TIME] = "use-time",
		[KIPSEC_EXPIRE_SEQ_OVERFLOW] = "seq-overflow",
	};
	static const char sa_text[] =
		"[sa-expire] src 10.0.0.1 dst 10.0.0.2\n"
		"\tproto esp spi 0x00001000\n";
	static const char sa_json[] =
		"\"sa\":{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"proto\":\"esp\","
		"\"spi\":4096,\"insecure\":false}}\n";
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	char want[512];

	for (unsigned int r = 0; r < sizeof(reasons) / sizeof(reasons[0]); r++) {
		for (int hard = 0; hard < 2; hard++) {
			snprintf(want, sizeof(want), "%s\texpire %s %s\n", sa_text,
				 hard ? "hard" : "soft", reasons[r]);
			CHECK_TEXT(monitor(expire_event(buf, hard, r), false), want,
				   "monitor: expire with a reason");
			snprintf(want, sizeof(want),
				 "{\"event\":\"sa-expire\",\"hard\":%s,\"reason\":\"%s\",%s",
				 hard ? "true" : "false", reasons[r], sa_json);
			CHECK_TEXT(monitor(expire_event(buf, hard, r), true), want,
				   "monitor -j: expire with a reason");
		}
	}

	/* an older kernel: no reason; a newer one: a reason without a name */
	snprintf(want, sizeof(want), "%s\texpire hard\n", sa_text);
	CHECK_TEXT(monitor(expire_event(buf, true, -1), false), want,
		   "monitor: expire without a reason");
	snprintf(want, sizeof(want), "{\"event\":\"sa-expire\",\"hard\":true,%s",
		 sa_json);
	CHECK_TEXT(monitor(expire_event(buf, true, -1), true), want,
		   "monitor -j: expire without a reason");
	snprintf(want, sizeof(want), "%s\texpire soft 42\n", sa_text);
	CHECK_TEXT(monitor(expire_event(buf, false, 42), false), want,
		   "monitor: a reason without a name");
	snprintf(want, sizeof(want),
		 "{\"event\":\"sa-expire\",\"hard\":false,\"reason\":42,%s", sa_json);
	CHECK_TEXT(monitor(expire_event(buf, false, 42), true), want,
		   "monitor -j: a reason without a name");

	/* the whole SA is printed as by show, then the expire line */
	CHECK_TEXT(monitor(reply_full(buf, KIPSEC_CMD_SA_EXPIRE_NTF), false),
		"[sa-expire] src 10.0.0.1 dst 10.0.0.2\n"
		"\tproto esp spi 0x00001000 reqid 7 mode tunnel\n"
		"\treplay-window 64 flag esn noecn decap-dscp dont-encap-dscp 0x40 df set state valid\n"
		"\tenc rfc3686(ctr(aes)) (hidden) 160\n"
		"\tauth-trunc hmac(sha256) (hidden) 256 96\n"
		"\tseq-out 4294967298 seq-in 10\n"
		"\tlifetime soft bytes 1000000 add-secs 3000\n"
		"\tlifetime hard bytes 2000000 packets 20 add-secs 3600 use-secs 600\n"
		"\tadd-time 1700000000 use-time 1700000005 last-use-time 1700000100\n"
		"\texpire soft\n",
		"monitor: a full SA");
}

/* sa-mapping-ntf: an ESP-in-UDP transport SA whose peer moved */
static struct nlmsghdr *mapping_event(char *buf, bool v6)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42,
						  KIPSEC_CMD_SA_MAPPING_NTF);
	struct nlattr *sa, *encap;
	struct kipsec_addr a;

	sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	put_addrs(nlh, v6 ? "fd00::2" : "10.0.0.2", v6 ? "fd00::1" : "10.0.0.1");
	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, 0x2000);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_REQID, 3);
	encap = mnl_attr_nest_start(nlh, KIPSEC_A_SA_ENCAP);
	mnl_attr_put_u32(nlh, KIPSEC_A_ENCAP_TYPE, KIPSEC_ENCAP_ESPINUDP);
	kipsec_attr_put_be16(nlh, KIPSEC_A_ENCAP_SPORT, 4500);
	kipsec_attr_put_be16(nlh, KIPSEC_A_ENCAP_DPORT, 4500);
	mnl_attr_nest_end(nlh, encap);
	mnl_attr_nest_end(nlh, sa);
	kipsec_addr_parse(&a, v6 ? "fd00::9" : "192.0.2.9");
	kipsec_attr_put_addr(nlh, KIPSEC_A_NEW_ADDR, &a);
	kipsec_attr_put_be16(nlh, KIPSEC_A_NEW_PORT, 4501);
	return nlh;
}

/* acquire-ntf: the out policy with its template, the packet */
static struct nlmsghdr *acquire_event(char *buf, bool ports)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42,
						  KIPSEC_CMD_ACQUIRE_NTF);
	struct nlattr *pol, *nest;
	struct kipsec_addr a;

	pol = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_INDEX, 12);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_DIR, KIPSEC_DIR_OUT);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_PRIORITY, 0);
	mnl_attr_put_u32(nlh, KIPSEC_A_POLICY_ACTION, KIPSEC_ACTION_PROTECT);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_SEL);
	kipsec_addr_parse(&a, "10.0.0.1");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_SRC, &a);
	kipsec_addr_parse(&a, "10.0.0.0");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_DST, &a);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_SRC_PREFIXLEN, 32);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_DST_PREFIXLEN, 24);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_PROTO, 0);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY_TMPL);
	mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_MODE, KIPSEC_MODE_TRANSPORT);
	mnl_attr_put_u32(nlh, KIPSEC_A_TMPL_REQID, 7);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_PACKETS, 1);
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_BYTES, 84);
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_ADD_TIME, 1700000000);
	mnl_attr_put_u64(nlh, KIPSEC_A_POLICY_USE_TIME, 1700000009);
	mnl_attr_nest_end(nlh, pol);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_PACKET);
	kipsec_addr_parse(&a, "10.0.0.1");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_SRC, &a);
	kipsec_addr_parse(&a, "10.0.0.2");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SEL_DST, &a);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_SRC_PREFIXLEN, 32);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_DST_PREFIXLEN, 32);
	mnl_attr_put_u32(nlh, KIPSEC_A_SEL_PROTO, ports ? IPPROTO_UDP : IPPROTO_ICMP);
	if (ports) {
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MIN, 1024);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_SPORT_MAX, 1024);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MIN, 53);
		kipsec_attr_put_be16(nlh, KIPSEC_A_SEL_DPORT_MAX, 53);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_monitor_ike(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	static const char policy_text[] =
		"[acquire] src 10.0.0.1/32 dst 10.0.0.0/24\n"
		"\tdir out priority 0 action protect index 12\n"
		"\ttmpl proto esp mode transport reqid 7\n"
		"\tadd-time 1700000000 use-time 1700000009\n"
		"\tstats: 1 packets 84 bytes\n";
	static const char policy_json[] =
		"{\"event\":\"acquire\",\"policy\":{\"index\":12,\"dir\":\"out\","
		"\"priority\":0,\"action\":\"protect\",\"sel\":{\"src\":\"10.0.0.1\","
		"\"src_prefixlen\":32,\"dst\":\"10.0.0.0\",\"dst_prefixlen\":24,"
		"\"proto\":\"any\"},\"tmpl\":{\"proto\":\"esp\",\"mode\":\"transport\","
		"\"reqid\":7},\"packets\":1,\"bytes\":84,\"add_time\":1700000000,"
		"\"use_time\":1700000009},";
	char want[1024];

	snprintf(want, sizeof(want), "%s%s", policy_text,
		 "\tpacket src 10.0.0.1 dst 10.0.0.2 proto udp sport 1024 dport 53\n");
	CHECK_TEXT(monitor(acquire_event(buf, true), false), want,
		   "monitor: acquire with ports");
	snprintf(want, sizeof(want), "%s%s", policy_text,
		 "\tpacket src 10.0.0.1 dst 10.0.0.2 proto icmp\n");
	CHECK_TEXT(monitor(acquire_event(buf, false), false), want,
		   "monitor: acquire without ports");
	snprintf(want, sizeof(want), "%s%s", policy_json,
		 "\"packet\":{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\","
		 "\"proto\":\"udp\",\"sport\":1024,\"dport\":53}}\n");
	CHECK_TEXT(monitor(acquire_event(buf, true), true), want,
		   "monitor -j: acquire");

	CHECK_TEXT(monitor(mapping_event(buf, false), false),
		"[sa-mapping] src 10.0.0.2 dst 10.0.0.1\n"
		"\tproto esp spi 0x00002000 reqid 3\n"
		"\tencap type espinudp sport 4500 dport 4500\n"
		"\tmapping 10.0.0.2:4500 -> 192.0.2.9:4501\n",
		"monitor: mapping");
	CHECK_TEXT(monitor(mapping_event(buf, true), false),
		"[sa-mapping] src fd00::2 dst fd00::1\n"
		"\tproto esp spi 0x00002000 reqid 3\n"
		"\tencap type espinudp sport 4500 dport 4500\n"
		"\tmapping [fd00::2]:4500 -> [fd00::9]:4501\n",
		"monitor: mapping, IPv6");
	CHECK_TEXT(monitor(mapping_event(buf, false), true),
		"{\"event\":\"sa-mapping\",\"sa\":{\"src\":\"10.0.0.2\",\"dst\":\"10.0.0.1\","
		"\"proto\":\"esp\",\"spi\":8192,\"reqid\":3,\"insecure\":false,"
		"\"encap\":{\"type\":\"espinudp\",\"sport\":4500,\"dport\":4500}},"
		"\"old\":{\"addr\":\"10.0.0.2\",\"port\":4500},"
		"\"new\":{\"addr\":\"192.0.2.9\",\"port\":4501}}\n",
		"monitor -j: mapping");
}

/* a sock-get reply; @flags of the socket */
static struct nlmsghdr *sock_reply(char *buf, bool v6, uint32_t flags)
{
	struct nlmsghdr *nlh = kipsec_nl_msg_init(buf, 0x42, KIPSEC_CMD_SOCK_GET);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_SOCK);
	struct kipsec_addr a;

	mnl_attr_put_u32(nlh, KIPSEC_A_SOCK_FLAGS, flags);
	mnl_attr_put_u32(nlh, KIPSEC_A_SOCK_FAMILY, v6 ? AF_INET6 : AF_INET);
	mnl_attr_put_u32(nlh, KIPSEC_A_SOCK_PROTO, IPPROTO_UDP);
	kipsec_addr_parse(&a, v6 ? "::" : "0.0.0.0");
	kipsec_attr_put_addr(nlh, KIPSEC_A_SOCK_ADDR, &a);
	kipsec_attr_put_be16(nlh, KIPSEC_A_SOCK_PORT, 4500);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static char *show_sock(const struct nlmsghdr *nlh, bool json)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct kipsec_json j;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int err = -EINVAL;

	if (kipsec_attr_parse_msg(nlh, tb) == 0 && tb[KIPSEC_A_SOCK]) {
		kipsec_json_init(&j, f);
		err = json ? kipsec_show_sock_json(&j, NULL, tb[KIPSEC_A_SOCK]) :
			     kipsec_show_sock(f, "", tb[KIPSEC_A_SOCK]);
	}
	fclose(f);
	if (!err)
		return out;
	free(out);
	return NULL;
}

static void test_show_sock_encap(void)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));

	CHECK_TEXT(show_sock(sock_reply(buf, false, KIPSEC_SOCK_F_ESPINUDP), false),
		   "inet udp 0.0.0.0:4500 flags espinudp\n", "sock show");
	CHECK_TEXT(show_sock(sock_reply(buf, true, KIPSEC_SOCK_F_ESPINUDP |
					KIPSEC_SOCK_F_BYPASS | 1 << 5), false),
		   "inet6 udp [::]:4500 flags bypass espinudp 0x20\n",
		   "sock show: IPv6, a flag without a name");
	CHECK_TEXT(show_sock(sock_reply(buf, true, KIPSEC_SOCK_F_BYPASS), true),
		   "{\"family\":\"inet6\",\"proto\":\"udp\",\"addr\":\"::\","
		   "\"port\":4500,\"flags\":[\"bypass\"]}\n", "sock show -j");
	/* the SA of a mapping event is an ordinary SA with encap */
	CHECK_TEXT(show_sa(mapping_event(buf, false), false),
		"src 10.0.0.2 dst 10.0.0.1\n"
		"\tproto esp spi 0x00002000 reqid 3\n"
		"\tencap type espinudp sport 4500 dport 4500\n",
		"show: encap");
}

static void test_json(void)
{
	struct kipsec_json j;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	kipsec_json_init(&j, f);
	kipsec_json_arr_begin(&j, NULL);
	kipsec_json_obj_begin(&j, NULL);
	kipsec_json_str(&j, "s", "a\"b\\c\n\x01");
	kipsec_json_u64(&j, "n", 18446744073709551615ull);
	kipsec_json_bool(&j, "b", true);
	kipsec_json_obj_end(&j);
	kipsec_json_obj_begin(&j, NULL);
	kipsec_json_obj_end(&j);
	kipsec_json_arr_end(&j);
	fclose(f);
	CHECK(!strcmp(out, "[{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,\"b\":true},{}]\n"),
	      "json: %s", out);
	free(out);
}


/* split a whole text as batch lines: the words of its first command, joined by | */
static int batch_words(const char *text, char *out, size_t len,
		       const char **error, unsigned long *first,
		       unsigned long *last)
{
	struct kipsec_batch b = { 0 };
	struct kipsec_args a;
	size_t used = 0;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	out[0] = '\0';
	ret = kipsec_batch_read(&b, f);
	*error = b.error;
	*first = b.first;
	*last = b.last;
	if (ret == 1) {
		kipsec_batch_args(&b, &a);
		for (int i = 0; i < a.argc; i++)
			used += snprintf(out + used, len - used, "%s%s",
					 i ? "|" : "", a.argv[i]);
		if (a.argv[a.argc])
			ret = -99;	/* argv must end with NULL */
	}
	kipsec_batch_free(&b);
	fclose(f);
	return ret;
}

static void test_batch_split(void)
{
	static const struct {
		const char *text, *words;
		int ret;
		unsigned long first, last;
	} t[] = {
		{ "sa show\n", "sa|show", 1, 1, 1 },
		{ "  sa\t show  \r\n", "sa|show", 1, 1, 1 },
		{ "sa show", "sa|show", 1, 1, 1 },	/* no newline at the end */
		{ "\n", "", 1, 1, 1 },			/* blank: no words */
		{ "# only a comment\n", "", 1, 1, 1 },
		{ "sa show # a comment\n", "sa|show", 1, 1, 1 },
		{ "sa show#comment\n", "sa|show", 1, 1, 1 },	/* as ip */
		{ "enc 'cbc(aes)' 0x00\n", "enc|cbc(aes)|0x00", 1, 1, 1 },
		{ "a \"x 'y' #z\" b\n", "a|x 'y' #z|b", 1, 1, 1 },
		{ "key \"\" auth ''\n", "key||auth|", 1, 1, 1 },
		{ "a 'b'# c\n", "a|b", 1, 1, 1 },
		{ "it's\n", "it's", 1, 1, 1 },		/* quote inside a word */
		{ "a\\b\n", "a\\b", 1, 1, 1 },		/* backslash inside */
		{ "a b \\\n c d\n", "a|b|c|d", 1, 1, 2 },
		{ "a b\\\nc d\n", "a|bc|d", 1, 1, 2 },	/* joined, no blank */
		{ "a 'b \\\nc' d\n", "a|b c|d", 1, 1, 2 },	/* in quotes */
		{ "a \\\n\\\n b\n", "a|b", 1, 1, 3 },
		{ "a # b \\\nc\n", "a", 1, 1, 1 },	/* \ in a comment */
		{ "a 'b\n", "", -EINVAL, 1, 1 },	/* unterminated */
		{ "a 'b'c\n", "", -EINVAL, 1, 1 },	/* text after quote */
		{ "a \\\n", "", -EINVAL, 1, 1 },	/* continuation at EOF */
		{ "a \\", "", -EINVAL, 1, 1 },
		{ "a 'b'c \\\n d\ne\n", "", -EINVAL, 1, 2 },	/* skips line 2 */
		{ "", "", 0, 1, 0 },
	};
	const char *error;
	unsigned long first, last;
	char out[256];
	int ret;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ret = batch_words(t[i].text, out, sizeof(out), &error, &first,
				  &last);
		CHECK(ret == t[i].ret && (ret != 1 || !strcmp(out, t[i].words)) &&
		      first == t[i].first && last == t[i].last &&
		      (ret != -EINVAL || error),
		      "batch split \"%s\": ret %d words \"%s\" lines %lu-%lu",
		      t[i].text, ret, out, first, last);
	}
	/* too many words */
	{
		char text[3 * KIPSEC_BATCH_ARGS + 8];
		size_t n = 0;

		for (int i = 0; i <= KIPSEC_BATCH_ARGS; i++)
			n += sprintf(text + n, "w ");
		strcpy(text + n, "\n");
		ret = batch_words(text, out, sizeof(out), &error, &first, &last);
		CHECK(ret == -E2BIG && error, "batch: too many words");
	}
}

/* the fake command of test_batch_run: records, and fails on "fail" */
static char batch_log[512];
static int batch_cmd(struct kipsec_cli *c, struct kipsec_args *a)
{
	size_t used = strlen(batch_log);
	const char *w;

	snprintf(batch_log + used, sizeof(batch_log) - used, "%lu:", c->batch_line);
	while ((w = kipsec_args_next(a))) {
		used = strlen(batch_log);
		snprintf(batch_log + used, sizeof(batch_log) - used, "%s,", w);
		if (!strcmp(w, "fail"))
			return KIPSEC_EXIT_USAGE;
		if (!strcmp(w, "kfail"))
			return KIPSEC_EXIT_ERROR;
		if (!strcmp(w, "nosock")) {
			c->nl_failed = true;
			return KIPSEC_EXIT_ERROR;
		}
	}
	used = strlen(batch_log);
	snprintf(batch_log + used, sizeof(batch_log) - used, " ");
	return KIPSEC_EXIT_OK;
}

/* run @text as a batch file; stderr goes to @err */
static int batch_run(const char *text, bool force, char *err, size_t len)
{
	char path[] = "/tmp/kipsec-unit-XXXXXX";
	struct kipsec_cli c = { 0 };
	int fd = mkstemp(path), saved, ret;
	FILE *e = tmpfile();
	size_t n;

	if (fd < 0 || !e || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(e), 2);
	batch_log[0] = '\0';
	ret = kipsec_batch_run(&c, path, force, batch_cmd);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(e);
	n = fread(err, 1, len - 1, e);
	err[n] = '\0';
	fclose(e);
	/* name-independent messages */
	for (char *p; (p = strstr(err, path)); )
		memmove(p + 1, p + strlen(path), strlen(p + strlen(path)) + 1), *p = 'F';
	unlink(path);
	return ret;
}

static void test_batch_run(void)
{
	const char *text = "a 1\n# c\n\nb \\\n fail\nc 3\nd kfail\ne 5\n";
	char err[512];
	int ret;

	ret = batch_run(text, false, err, sizeof(err));
	CHECK(ret == KIPSEC_EXIT_USAGE &&
	      !strcmp(batch_log, "1:a,1, 4:b,fail,") &&
	      !strcmp(err, "Command failed F:4\n"),
	      "batch stops at the first failure: %d \"%s\" \"%s\"", ret,
	      batch_log, err);

	ret = batch_run(text, true, err, sizeof(err));
	CHECK(ret == KIPSEC_EXIT_ERROR &&
	      !strcmp(batch_log, "1:a,1, 4:b,fail,6:c,3, 7:d,kfail,8:e,5, ") &&
	      !strcmp(err, "Command failed F:4\nCommand failed F:7\n"),
	      "-force goes on, exits with the highest status: %d \"%s\" \"%s\"",
	      ret, batch_log, err);

	ret = batch_run("a 'x\nb\n", true, err, sizeof(err));
	CHECK(ret == KIPSEC_EXIT_USAGE && !strcmp(batch_log, "2:b, ") &&
	      !strcmp(err, "Command failed F:1\n"),
	      "-force goes on after a line that cannot be split: %d \"%s\" \"%s\"",
	      ret, batch_log, err);

	ret = batch_run("a nosock\nb\n", true, err, sizeof(err));
	CHECK(ret == KIPSEC_EXIT_ERROR && !strcmp(batch_log, "1:a,nosock,"),
	      "no socket: even -force stops: %d \"%s\"", ret, batch_log);

	ret = batch_run("monitor\nnatt listen\nnatt help\n-j sa show\nmonitor help\n",
			true, err, sizeof(err));
	CHECK(ret == KIPSEC_EXIT_USAGE &&
	      !strcmp(batch_log, "3:natt,help, 5:monitor,help, ") &&
	      !strcmp(err, "Command failed F:1\nCommand failed F:2\n"
			   "Command failed F:4\n"),
	      "monitor, natt listen and options refused: %d \"%s\" \"%s\"",
	      ret, batch_log, err);

	ret = batch_run("", false, err, sizeof(err));
	CHECK(ret == KIPSEC_EXIT_OK && !batch_log[0] && !err[0],
	      "empty batch: %d", ret);
}

int main(void)
{
	test_hex();
	test_key();
	test_numbers();
	test_addr();
	test_schema();
	test_schema_complete();
	test_schema_lifetime();
	test_proposals();
	test_proposals_ike();
	test_put_alg();
	test_sa_algs();
	test_show_sa();
	test_show_policy();
	test_monitor_expire();
	test_monitor_ike();
	test_show_sock_encap();
	test_json();
	test_batch_split();
	test_batch_run();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
