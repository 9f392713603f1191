// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz - a fuzzer for the kipsec generic netlink family.
 *
 * Builds requests for every command number (the real ones, the event
 * numbers, unknown ones; do and dump) from the attribute tables of
 * uapi/linux/kipsec.h, as a tree of attributes, and mutates the tree
 * (dropped, duplicated, retyped, resized, re-nested attributes, random
 * values) and the bytes (nest lengths, garbage after the attributes, bad
 * nlmsg_len, random flags, a second message in the same buffer).  A share
 * of the requests is left valid (SA add/del/get/flush, allocspi, policy
 * add/del/get/flush, stats, socket add/del with a bad fd, dumps) so that
 * the deep paths run, not only the attribute parser.
 *
 * Every buffer is followed by a NOOP with NLM_F_ACK and the replies are
 * read up to its ACK (and to the end of a dump), so nothing piles up in
 * the socket.  Every message the kernel will dispatch gets a sequence
 * number of its own and the family's type (a message hidden in garbage is
 * never sent to another family).
 *
 * Checks (exit 1 on the first failure, 0 at the end otherwise):
 *  - privileged, one worker: a model of the SA and policy tables.  A
 *    request that succeeded on a changing command is followed by dumps,
 *    and the difference must be what the command may do (one SA added
 *    for SA_ADD, the one asked for when the request was valid, ...);
 *    every 200 messages the dumps must equal the model (a failed request
 *    changed nothing).  SAs that may expire (larval, hard add-time) may go.
 *  - -u: drop to uid/gid 65534 before opening the socket; every message
 *    dispatched to an existing kipsec operation must get EPERM, any other
 *    reply is a failure.
 *  - -p: the namespace holds objects the fuzzer must not touch: they are
 *    read at the start, no flush is sent, a deleting or updating request
 *    that names one of them (SPI, policy index, selector address) is not
 *    sent; at the end the fuzzer deletes what it created and the tables
 *    must hold exactly the objects of the start.
 *  - -F: flush at the end; the dumps must then be empty.
 *
 * Usage: nlfuzz [-n COUNT] [-s SEED] [-j WORKERS] [-u] [-p] [-F]
 *		 [-o FILE] [-v]
 * COUNT is the total over the workers; the seed defaults to
 * $KIPSEC_FUZZ_SEED, else the time.  -o writes the tables expected at
 * the end (before -F): "sa DST SPI PROTO" and "policy INDEX" lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <linux/kipsec.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define SPI_BASE	0x7a000000u	/* the valid requests' SPIs */
#define SPI_RANGE	256
#define CHECK_EVERY	200
#define MAX_OBJ		1024
#define MAX_SUB		16

static const char *prog = "nlfuzz";
static int verbose;
static int worker_id;

#define fatal(...) do {							\
	fprintf(stderr, "%s[%d]: FAIL: ", prog, worker_id);		\
	fprintf(stderr, __VA_ARGS__);					\
	fprintf(stderr, "\n");						\
	exit(1);							\
} while (0)

/* ---- PRNG: xorshift64* ------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rn(100) < pct;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31)) | 1;
}

/* ---- attribute tables (from uapi/linux/kipsec.h) ----------------------- */

enum kind { K_U16BE, K_U32, K_U32BE, K_U64, K_ADDR, K_STR, K_BIN, K_FLAG,
	    K_NEST };

enum table { T_TOP, T_SA, T_ALG, T_SEL, T_TMPL, T_LIFE, T_ENCAP, T_SOCK,
	     T_SASTATS, T_POLICY, T_COUNTER, T_STATS, T_NUM };

struct aspec {
	uint8_t kind;
	uint8_t sub;	/* table of a nest */
};

static const struct aspec top_t[] = {
	[KIPSEC_A_SA] = { K_NEST, T_SA },
	[KIPSEC_A_POLICY] = { K_NEST, T_POLICY },
	[KIPSEC_A_STATS] = { K_NEST, T_STATS },
	[KIPSEC_A_EXPIRE_HARD] = { K_FLAG, 0 },
	[KIPSEC_A_EXPIRE_REASON] = { K_U32, 0 },
	[KIPSEC_A_PACKET] = { K_NEST, T_SEL },
	[KIPSEC_A_SOCK] = { K_NEST, T_SOCK },
	[KIPSEC_A_NEW_ADDR] = { K_ADDR, 0 },
	[KIPSEC_A_NEW_PORT] = { K_U16BE, 0 },
};

static const struct aspec sa_t[] = {
	[KIPSEC_A_SA_PAD] = { K_BIN, 0 },
	[KIPSEC_A_SA_SRC] = { K_ADDR, 0 },
	[KIPSEC_A_SA_DST] = { K_ADDR, 0 },
	[KIPSEC_A_SA_SPI] = { K_U32BE, 0 },
	[KIPSEC_A_SA_PROTO] = { K_U32, 0 },
	[KIPSEC_A_SA_MODE] = { K_U32, 0 },
	[KIPSEC_A_SA_REQID] = { K_U32, 0 },
	[KIPSEC_A_SA_AEAD] = { K_NEST, T_ALG },
	[KIPSEC_A_SA_ENC] = { K_NEST, T_ALG },
	[KIPSEC_A_SA_AUTH] = { K_NEST, T_ALG },
	[KIPSEC_A_SA_REPLAY_WINDOW] = { K_U32, 0 },
	[KIPSEC_A_SA_FLAGS] = { K_U32, 0 },
	[KIPSEC_A_SA_STATE] = { K_U32, 0 },
	[KIPSEC_A_SA_SPI_MIN] = { K_U32BE, 0 },
	[KIPSEC_A_SA_SPI_MAX] = { K_U32BE, 0 },
	[KIPSEC_A_SA_SEQ_OUT] = { K_U64, 0 },
	[KIPSEC_A_SA_SEQ_IN] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS] = { K_NEST, T_SASTATS },
	[KIPSEC_A_SA_LIFETIME_SOFT] = { K_NEST, T_LIFE },
	[KIPSEC_A_SA_LIFETIME_HARD] = { K_NEST, T_LIFE },
	[KIPSEC_A_SA_ADD_TIME] = { K_U64, 0 },
	[KIPSEC_A_SA_USE_TIME] = { K_U64, 0 },
	[KIPSEC_A_SA_LAST_USE_TIME] = { K_U64, 0 },
	[KIPSEC_A_SA_TUNNEL_DF] = { K_U32, 0 },
	[KIPSEC_A_SA_ENCAP] = { K_NEST, T_ENCAP },
};

static const struct aspec alg_t[] = {
	[KIPSEC_A_ALG_NAME] = { K_STR, 0 },
	[KIPSEC_A_ALG_KEY] = { K_BIN, 0 },
	[KIPSEC_A_ALG_ICV_LEN] = { K_U32, 0 },
	[KIPSEC_A_ALG_KEY_LEN] = { K_U32, 0 },
};

static const struct aspec sel_t[] = {
	[KIPSEC_A_SEL_SRC] = { K_ADDR, 0 },
	[KIPSEC_A_SEL_DST] = { K_ADDR, 0 },
	[KIPSEC_A_SEL_SRC_PREFIXLEN] = { K_U32, 0 },
	[KIPSEC_A_SEL_DST_PREFIXLEN] = { K_U32, 0 },
	[KIPSEC_A_SEL_PROTO] = { K_U32, 0 },
	[KIPSEC_A_SEL_SPORT_MIN] = { K_U16BE, 0 },
	[KIPSEC_A_SEL_SPORT_MAX] = { K_U16BE, 0 },
	[KIPSEC_A_SEL_DPORT_MIN] = { K_U16BE, 0 },
	[KIPSEC_A_SEL_DPORT_MAX] = { K_U16BE, 0 },
	[KIPSEC_A_SEL_ICMP_TYPE] = { K_U32, 0 },
	[KIPSEC_A_SEL_ICMP_CODE] = { K_U32, 0 },
};

static const struct aspec tmpl_t[] = {
	[KIPSEC_A_TMPL_PROTO] = { K_U32, 0 },
	[KIPSEC_A_TMPL_MODE] = { K_U32, 0 },
	[KIPSEC_A_TMPL_SRC] = { K_ADDR, 0 },
	[KIPSEC_A_TMPL_DST] = { K_ADDR, 0 },
	[KIPSEC_A_TMPL_REQID] = { K_U32, 0 },
	[KIPSEC_A_TMPL_SPI] = { K_U32BE, 0 },
};

static const struct aspec life_t[] = {
	[KIPSEC_A_LIFE_PAD] = { K_BIN, 0 },
	[KIPSEC_A_LIFE_BYTES] = { K_U64, 0 },
	[KIPSEC_A_LIFE_PACKETS] = { K_U64, 0 },
	[KIPSEC_A_LIFE_ADD_SECS] = { K_U64, 0 },
	[KIPSEC_A_LIFE_USE_SECS] = { K_U64, 0 },
};

static const struct aspec encap_t[] = {
	[KIPSEC_A_ENCAP_TYPE] = { K_U32, 0 },
	[KIPSEC_A_ENCAP_SPORT] = { K_U16BE, 0 },
	[KIPSEC_A_ENCAP_DPORT] = { K_U16BE, 0 },
};

static const struct aspec sock_t[] = {
	[KIPSEC_A_SOCK_FD] = { K_U32, 0 },
	[KIPSEC_A_SOCK_FLAGS] = { K_U32, 0 },
	[KIPSEC_A_SOCK_FAMILY] = { K_U32, 0 },
	[KIPSEC_A_SOCK_PROTO] = { K_U32, 0 },
	[KIPSEC_A_SOCK_ADDR] = { K_ADDR, 0 },
	[KIPSEC_A_SOCK_PORT] = { K_U16BE, 0 },
};

static const struct aspec sastats_t[] = {
	[KIPSEC_A_SA_STATS_PAD] = { K_BIN, 0 },
	[KIPSEC_A_SA_STATS_RX_PACKETS] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS_RX_BYTES] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS_TX_PACKETS] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS_TX_BYTES] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS_AUTH_FAIL] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS_REPLAY] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS_POLICY_FAIL] = { K_U64, 0 },
	[KIPSEC_A_SA_STATS_ERRORS] = { K_U64, 0 },
};

static const struct aspec policy_t[] = {
	[KIPSEC_A_POLICY_PAD] = { K_BIN, 0 },
	[KIPSEC_A_POLICY_INDEX] = { K_U32, 0 },
	[KIPSEC_A_POLICY_DIR] = { K_U32, 0 },
	[KIPSEC_A_POLICY_PRIORITY] = { K_U32, 0 },
	[KIPSEC_A_POLICY_ACTION] = { K_U32, 0 },
	[KIPSEC_A_POLICY_SEL] = { K_NEST, T_SEL },
	[KIPSEC_A_POLICY_TMPL] = { K_NEST, T_TMPL },
	[KIPSEC_A_POLICY_PACKETS] = { K_U64, 0 },
	[KIPSEC_A_POLICY_BYTES] = { K_U64, 0 },
	[KIPSEC_A_POLICY_ADD_TIME] = { K_U64, 0 },
	[KIPSEC_A_POLICY_USE_TIME] = { K_U64, 0 },
};

static const struct aspec counter_t[] = {
	[KIPSEC_A_COUNTER_PAD] = { K_BIN, 0 },
	[KIPSEC_A_COUNTER_NAME] = { K_STR, 0 },
	[KIPSEC_A_COUNTER_VALUE] = { K_U64, 0 },
};

static const struct aspec stats_t[] = {
	[KIPSEC_A_STATS_COUNTER] = { K_NEST, T_COUNTER },
	[KIPSEC_A_STATS_SA_COUNT] = { K_U32, 0 },
	[KIPSEC_A_STATS_POLICY_COUNT] = { K_U32, 0 },
};

static const struct {
	const struct aspec *a;
	unsigned int max;
} tables[T_NUM] = {
#define TBL(t, arr) [t] = { arr, ARRAY_SIZE(arr) - 1 }
	TBL(T_TOP, top_t), TBL(T_SA, sa_t), TBL(T_ALG, alg_t),
	TBL(T_SEL, sel_t), TBL(T_TMPL, tmpl_t), TBL(T_LIFE, life_t),
	TBL(T_ENCAP, encap_t), TBL(T_SOCK, sock_t),
	TBL(T_SASTATS, sastats_t), TBL(T_POLICY, policy_t),
	TBL(T_COUNTER, counter_t), TBL(T_STATS, stats_t),
#undef TBL
};

/* ---- a request as a tree of attributes --------------------------------- */

#define MAXN	512
#define ARENA	16384

struct node {
	uint16_t type;
	bool nest;
	uint8_t table;		/* the table of its children (nest) */
	int first, next;	/* children, siblings (-1: none) */
	uint32_t off, len;	/* data in the arena (scalars) */
};

struct tree {
	struct node n[MAXN];
	int nn;
	uint8_t arena[ARENA];
	uint32_t alen;
};

static int tnew(struct tree *t, int parent, uint16_t type, bool nest,
		uint8_t table)
{
	struct node *p;
	int i, c, k;

	if (t->nn >= MAXN)
		return -1;
	i = t->nn++;
	t->n[i] = (struct node){ .type = type, .nest = nest, .table = table,
				 .first = -1, .next = -1 };
	if (parent < 0)
		return i;
	p = &t->n[parent];
	if (p->first < 0) {
		p->first = i;
	} else {
		for (c = p->first, k = 0; t->n[c].next >= 0 && k < MAXN;
		     c = t->n[c].next, k++)
			;
		t->n[c].next = i;
	}
	return i;
}

static int tdata(struct tree *t, int parent, uint16_t type, const void *d,
		 uint32_t len)
{
	int i;

	if (parent < 0 || t->alen + len > ARENA)
		return -1;
	i = tnew(t, parent, type, false, 0);
	if (i < 0)
		return -1;
	t->n[i].off = t->alen;
	t->n[i].len = len;
	memcpy(t->arena + t->alen, d, len);
	t->alen += len;
	return i;
}

static void put_u32(struct tree *t, int p, uint16_t type, uint32_t v)
{
	tdata(t, p, type, &v, 4);
}

static void put_be32(struct tree *t, int p, uint16_t type, uint32_t v)
{
	v = htonl(v);
	tdata(t, p, type, &v, 4);
}

static void put_be16(struct tree *t, int p, uint16_t type, uint16_t v)
{
	v = htons(v);
	tdata(t, p, type, &v, 2);
}

static void put_u64(struct tree *t, int p, uint16_t type, uint64_t v)
{
	tdata(t, p, type, &v, 8);
}

static void put_str(struct tree *t, int p, uint16_t type, const char *s)
{
	tdata(t, p, type, s, strlen(s) + 1);
}

static int nest(struct tree *t, int p, uint16_t type, uint8_t table)
{
	if (p < 0)
		return -1;
	return tnew(t, p, type | NLA_F_NESTED, true, table);
}

/* ---- addresses and interesting values ---------------------------------- */

struct addr {
	uint8_t len;
	uint8_t b[16];
};

/* a pool of the fuzzer's own addresses: 10.99.0.1-4, fd00:99::1-4 */
static struct addr pool_addr(bool v6, unsigned int i)
{
	struct addr a = { 0 };

	if (v6) {
		a.len = 16;
		a.b[0] = 0xfd;
		a.b[3] = 0x99;
		a.b[15] = 1 + i % 4;
	} else {
		a.len = 4;
		a.b[0] = 10;
		a.b[1] = 99;
		a.b[3] = 1 + i % 4;
	}
	return a;
}

static void put_addr(struct tree *t, int p, uint16_t type, struct addr a)
{
	tdata(t, p, type, a.b, a.len);
}

static const uint32_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 12, 16, 31, 32, 33, 50, 51, 63, 64, 65, 96, 127,
	128, 129, 255, 256, 4095, 4096, 4097, 65535, 65536, 0x7fffffff,
	0x80000000, 0xfffffffe, 0xffffffff,
};

static uint32_t rand_u32(void)
{
	if (chance(50))
		return interesting[rn(ARRAY_SIZE(interesting))];
	return (uint32_t)rnd();
}

/* random bytes of a random length: short, usual or oversized */
static void put_rand(struct tree *t, int p, uint16_t type)
{
	uint8_t buf[2048];
	uint32_t len, i;

	switch (rn(4)) {
	case 0:
		len = rn(9);
		break;
	case 1:
		len = rn(41);
		break;
	case 2:
		len = 100 + rn(200);
		break;
	default:
		len = rn(sizeof(buf));
		break;
	}
	for (i = 0; i < len; i++)
		buf[i] = chance(30) ? 0 : (uint8_t)rnd();
	tdata(t, p, type, buf, len);
}

static void rand_attrs(struct tree *t, int p, uint8_t table, int depth);

/* a random attribute of @table: its own kind mostly, another one now and then */
static void rand_attr(struct tree *t, int p, uint8_t table, int depth)
{
	unsigned int max = tables[table].max;
	uint16_t type = chance(90) ? rn(max + 1) : rn(max + 8);
	uint8_t kind = type <= max ? tables[table].a[type].kind : K_BIN;
	uint8_t sub = type <= max ? tables[table].a[type].sub : 0;
	uint64_t v64;
	char s[64];
	int n;

	if (chance(15))
		kind = rn(K_NEST + 1);
	if (kind == K_NEST && depth > 4)
		kind = K_BIN;
	switch (kind) {
	case K_U16BE:
		put_be16(t, p, type, (uint16_t)rand_u32());
		break;
	case K_U32:
		put_u32(t, p, type, rand_u32());
		break;
	case K_U32BE:
		put_be32(t, p, type, chance(50) ? SPI_BASE + rn(SPI_RANGE) :
			 rand_u32());
		break;
	case K_U64:
		v64 = chance(50) ? rand_u32() : rnd();
		put_u64(t, p, type, v64);
		break;
	case K_ADDR:
		if (chance(80))
			put_addr(t, p, type, pool_addr(chance(30), rn(4)));
		else
			put_rand(t, p, type);
		break;
	case K_STR:
		n = snprintf(s, sizeof(s), "%s",
			     ((const char *[]){ "rfc4106(gcm(aes))", "cbc(aes)",
				"hmac(sha256)", "hmac(sha1)", "digest_null",
				"ecb(cipher_null)", "rfc7539esp(chacha20,poly1305)",
				"gcm(aes)", "", "x" })[rn(10)]);
		if (chance(10))
			tdata(t, p, type, s, n);	/* no NUL */
		else
			put_str(t, p, type, s);
		break;
	case K_FLAG:
		tdata(t, p, type, s, 0);
		break;
	case K_NEST:
		n = nest(t, p, type, sub);
		rand_attrs(t, n, sub, depth + 1);
		break;
	default:
		put_rand(t, p, type);
		break;
	}
}

static void rand_attrs(struct tree *t, int p, uint8_t table, int depth)
{
	unsigned int i, n = rn(chance(10) ? 20 : 6);

	for (i = 0; i < n && p >= 0; i++)
		rand_attr(t, p, table, depth);
}

/* ---- the model of the tables ------------------------------------------- */

struct sa_key {
	struct addr dst;
	uint32_t spi;		/* host order */
	uint32_t proto;
	struct addr src;
	bool expirable;
};

struct pol_key {
	uint32_t index;
	uint32_t dir;
	uint32_t prio;
	struct addr src, dst;	/* selector */
	uint32_t splen, dplen, proto;
};

struct tables {
	struct sa_key sa[MAX_OBJ];
	int nsa;
	struct pol_key pol[MAX_OBJ];
	int npol;
};

static struct tables model, cur, prot;
static bool model_on, protect, unpriv;

static void copy_tables(struct tables *to, const struct tables *from)
{
	to->nsa = from->nsa;
	to->npol = from->npol;
	memcpy(to->sa, from->sa, from->nsa * sizeof(from->sa[0]));
	memcpy(to->pol, from->pol, from->npol * sizeof(from->pol[0]));
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

static bool sa_eq(const struct sa_key *a, const struct sa_key *b)
{
	return a->spi == b->spi && a->proto == b->proto &&
	       addr_eq(&a->dst, &b->dst);
}

static int sa_find(const struct tables *t, const struct sa_key *k)
{
	int i;

	for (i = 0; i < t->nsa; i++)
		if (sa_eq(&t->sa[i], k))
			return i;
	return -1;
}

static int pol_find(const struct tables *t, uint32_t index)
{
	int i;

	for (i = 0; i < t->npol; i++)
		if (t->pol[i].index == index)
			return i;
	return -1;
}

static const char *addr_str(const struct addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int k;

	k = (k + 1) % 4;
	if (!inet_ntop(a->len == 16 ? AF_INET6 : AF_INET, a->b, buf[k],
		       sizeof(buf[k])))
		snprintf(buf[k], sizeof(buf[k]), "?");
	return buf[k];
}

/* ---- valid requests ---------------------------------------------------- */

static const uint8_t key36[36] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
	31, 32, 33, 34, 35, 36 };

static void alg(struct tree *t, int p, uint16_t type, const char *name,
		unsigned int klen, uint32_t icv)
{
	int a = nest(t, p, type, T_ALG);

	put_str(t, a, KIPSEC_A_ALG_NAME, name);
	tdata(t, a, KIPSEC_A_ALG_KEY, key36, klen);
	if (icv)
		put_u32(t, a, KIPSEC_A_ALG_ICV_LEN, icv);
}

/* an SA id: from the model (an existing SA) or a random one of the range */
static struct sa_key pick_sa(void)
{
	struct sa_key k = { 0 };
	bool v6 = chance(25);

	if (model.nsa && chance(70)) {
		k = model.sa[rn(model.nsa)];
		if (protect && sa_find(&prot, &k) >= 0)
			k.spi = SPI_BASE + rn(SPI_RANGE);
		return k;
	}
	k.src = pool_addr(v6, rn(4));
	k.dst = pool_addr(v6, rn(4));
	k.spi = SPI_BASE + rn(SPI_RANGE);
	k.proto = chance(80) ? IPPROTO_ESP : IPPROTO_AH;
	return k;
}

static void put_sa_id(struct tree *t, int sa, const struct sa_key *k,
		      bool src)
{
	if (src && k->src.len)
		put_addr(t, sa, KIPSEC_A_SA_SRC, k->src);
	put_addr(t, sa, KIPSEC_A_SA_DST, k->dst);
	put_be32(t, sa, KIPSEC_A_SA_SPI, k->spi);
	put_u32(t, sa, KIPSEC_A_SA_PROTO, k->proto);
}

static void valid_sa_add(struct tree *t, int root, struct sa_key *want,
			 bool update)
{
	int sa = nest(t, root, KIPSEC_A_SA, T_SA), l, e;
	struct sa_key k = pick_sa();

	if (!update && chance(60)) {
		k.spi = SPI_BASE + rn(SPI_RANGE);
		if (!k.src.len)
			k.src = pool_addr(k.dst.len == 16, rn(4));
	}
	if (!k.src.len)
		k.src = pool_addr(k.dst.len == 16, rn(4));
	*want = k;
	put_sa_id(t, sa, &k, true);
	put_u32(t, sa, KIPSEC_A_SA_MODE, rn(2));
	put_u32(t, sa, KIPSEC_A_SA_REQID, rn(8));
	if (k.proto == IPPROTO_AH) {
		alg(t, sa, KIPSEC_A_SA_AUTH, chance(50) ? "hmac(sha1)" :
		    "hmac(sha256)", chance(50) ? 20 : 32, 96);
	} else {
		switch (rn(3)) {
		case 0:
			alg(t, sa, KIPSEC_A_SA_AEAD, "rfc4106(gcm(aes))",
			    (const unsigned int[]){ 20, 28, 36 }[rn(3)],
			    (const uint32_t[]){ 64, 96, 128 }[rn(3)]);
			break;
		case 1:
			alg(t, sa, KIPSEC_A_SA_ENC, "cbc(aes)", 16, 0);
			alg(t, sa, KIPSEC_A_SA_AUTH, "hmac(sha256)", 32, 128);
			break;
		default:
			alg(t, sa, KIPSEC_A_SA_AEAD,
			    "rfc7539esp(chacha20,poly1305)", 36, 128);
			break;
		}
	}
	if (chance(50))
		put_u32(t, sa, KIPSEC_A_SA_REPLAY_WINDOW, rn(4097));
	if (chance(30))
		put_u32(t, sa, KIPSEC_A_SA_FLAGS, rn(32));
	if (chance(20))
		put_u64(t, sa, KIPSEC_A_SA_SEQ_OUT, rn(1000));
	if (chance(20))
		put_u32(t, sa, KIPSEC_A_SA_TUNNEL_DF, rn(3));
	if (chance(20)) {
		/* soft limits only: nothing of the model expires */
		l = nest(t, sa, KIPSEC_A_SA_LIFETIME_SOFT, T_LIFE);
		put_u64(t, l, KIPSEC_A_LIFE_BYTES, 1 + rn(1 << 20));
		put_u64(t, l, KIPSEC_A_LIFE_ADD_SECS, 3600 + rn(3600));
	}
	if (chance(15) && k.dst.len == 4) {
		e = nest(t, sa, KIPSEC_A_SA_ENCAP, T_ENCAP);
		put_u32(t, e, KIPSEC_A_ENCAP_TYPE, KIPSEC_ENCAP_ESPINUDP);
		put_be16(t, e, KIPSEC_A_ENCAP_SPORT, 4500);
		put_be16(t, e, KIPSEC_A_ENCAP_DPORT, 4500 + rn(3));
	}
}

static void valid_allocspi(struct tree *t, int root)
{
	int sa = nest(t, root, KIPSEC_A_SA, T_SA);
	bool v6 = chance(25);
	uint32_t lo = SPI_BASE + rn(SPI_RANGE), hi = lo + rn(8);

	put_addr(t, sa, KIPSEC_A_SA_SRC, pool_addr(v6, rn(4)));
	put_addr(t, sa, KIPSEC_A_SA_DST, pool_addr(v6, rn(4)));
	put_u32(t, sa, KIPSEC_A_SA_PROTO, chance(80) ? IPPROTO_ESP : IPPROTO_AH);
	if (hi >= SPI_BASE + SPI_RANGE)
		hi = SPI_BASE + SPI_RANGE - 1;
	put_be32(t, sa, KIPSEC_A_SA_SPI_MIN, lo);
	put_be32(t, sa, KIPSEC_A_SA_SPI_MAX, hi);
	if (chance(30))
		put_u32(t, sa, KIPSEC_A_SA_REQID, rn(8));
}

static struct pol_key pick_pol(void)
{
	struct pol_key p = { 0 };
	bool v6 = chance(25);

	if (model.npol && chance(70)) {
		p = model.pol[rn(model.npol)];
		if (!protect || pol_find(&prot, p.index) < 0)
			return p;
	}
	p.src = pool_addr(v6, rn(4));
	p.dst = pool_addr(v6, rn(4));
	p.splen = rn(v6 ? 129 : 33);
	p.dplen = rn(v6 ? 129 : 33);
	p.dir = rn(3);
	p.prio = rn(4);
	p.proto = chance(70) ? 0 : (const uint32_t[]){ 1, 6, 17, 58 }[rn(4)];
	p.index = 1 + rn(64);
	return p;
}

static void put_sel(struct tree *t, int p, const struct pol_key *k)
{
	int s = nest(t, p, KIPSEC_A_POLICY_SEL, T_SEL);

	put_addr(t, s, KIPSEC_A_SEL_SRC, k->src);
	put_addr(t, s, KIPSEC_A_SEL_DST, k->dst);
	put_u32(t, s, KIPSEC_A_SEL_SRC_PREFIXLEN, k->splen);
	put_u32(t, s, KIPSEC_A_SEL_DST_PREFIXLEN, k->dplen);
	if (k->proto)
		put_u32(t, s, KIPSEC_A_SEL_PROTO, k->proto);
	if (k->proto == 6 || k->proto == 17) {
		put_be16(t, s, KIPSEC_A_SEL_DPORT_MIN, 1000);
		put_be16(t, s, KIPSEC_A_SEL_DPORT_MAX, 1000 + rn(100));
	}
}

static void valid_policy_add(struct tree *t, int root)
{
	int p = nest(t, root, KIPSEC_A_POLICY, T_POLICY), tm;
	struct pol_key k = pick_pol();
	uint32_t action = rn(3);
	bool v6 = k.src.len == 16;

	k.splen = rn(v6 ? 129 : 33);
	put_u32(t, p, KIPSEC_A_POLICY_DIR, k.dir);
	put_u32(t, p, KIPSEC_A_POLICY_PRIORITY, rn(8));
	put_u32(t, p, KIPSEC_A_POLICY_ACTION, action);
	put_sel(t, p, &k);
	if (action == KIPSEC_ACTION_PROTECT) {
		tm = nest(t, p, KIPSEC_A_POLICY_TMPL, T_TMPL);
		put_u32(t, tm, KIPSEC_A_TMPL_PROTO,
			chance(80) ? IPPROTO_ESP : IPPROTO_AH);
		if (chance(50)) {
			put_u32(t, tm, KIPSEC_A_TMPL_MODE, KIPSEC_MODE_TUNNEL);
			put_addr(t, tm, KIPSEC_A_TMPL_SRC, pool_addr(v6, rn(4)));
			put_addr(t, tm, KIPSEC_A_TMPL_DST, pool_addr(v6, rn(4)));
		} else {
			put_u32(t, tm, KIPSEC_A_TMPL_MODE, KIPSEC_MODE_TRANSPORT);
		}
		put_u32(t, tm, KIPSEC_A_TMPL_REQID, rn(8));
		if (chance(20))
			put_be32(t, tm, KIPSEC_A_TMPL_SPI,
				 SPI_BASE + rn(SPI_RANGE));
	}
}

static void valid_policy_id(struct tree *t, int root)
{
	int p = nest(t, root, KIPSEC_A_POLICY, T_POLICY);
	struct pol_key k = pick_pol();

	if (chance(50)) {
		put_u32(t, p, KIPSEC_A_POLICY_INDEX, k.index);
		return;
	}
	put_u32(t, p, KIPSEC_A_POLICY_DIR, k.dir);
	if (chance(70))
		put_u32(t, p, KIPSEC_A_POLICY_PRIORITY, k.prio);
	put_sel(t, p, &k);
}

static int udp_fd = -1, null_fd = -1, nl_fd = -1;

static uint32_t pick_fd(void)
{
	switch (rn(6)) {
	case 0:
		return 9999;			/* not open */
	case 1:
		return 0xffffffff;
	case 2:
		return null_fd;			/* not a socket */
	case 3:
		return nl_fd;			/* not UDP */
	case 4:
		return rn(64);
	default:
		return udp_fd;			/* a real UDP socket */
	}
}

/*
 * The attributes of a valid request for @cmd.  @want: the SA a valid SA
 * add asks for.
 */
static void valid_attrs(struct tree *t, int root, int cmd, bool dump,
			struct sa_key *want)
{
	struct sa_key k;
	int a;

	switch (cmd) {
	case KIPSEC_CMD_SA_ADD:
	case KIPSEC_CMD_SA_UPDATE:
		valid_sa_add(t, root, want, cmd == KIPSEC_CMD_SA_UPDATE);
		break;
	case KIPSEC_CMD_SA_DEL:
	case KIPSEC_CMD_SA_GET:
		if (dump)
			break;
		k = pick_sa();
		*want = k;
		put_sa_id(t, nest(t, root, KIPSEC_A_SA, T_SA), &k, chance(50));
		break;
	case KIPSEC_CMD_SA_FLUSH:
		if (chance(30)) {
			a = nest(t, root, KIPSEC_A_SA, T_SA);
			put_u32(t, a, KIPSEC_A_SA_PROTO,
				chance(50) ? IPPROTO_ESP : IPPROTO_AH);
		}
		break;
	case KIPSEC_CMD_SA_ALLOCSPI:
		valid_allocspi(t, root);
		break;
	case KIPSEC_CMD_POLICY_ADD:
		valid_policy_add(t, root);
		break;
	case KIPSEC_CMD_POLICY_DEL:
	case KIPSEC_CMD_POLICY_GET:
		if (!dump)
			valid_policy_id(t, root);
		break;
	case KIPSEC_CMD_POLICY_FLUSH:
		if (chance(30)) {
			a = nest(t, root, KIPSEC_A_POLICY, T_POLICY);
			put_u32(t, a, KIPSEC_A_POLICY_DIR, rn(3));
		}
		break;
	case KIPSEC_CMD_SOCK_ADD:
		a = nest(t, root, KIPSEC_A_SOCK, T_SOCK);
		put_u32(t, a, KIPSEC_A_SOCK_FD, pick_fd());
		put_u32(t, a, KIPSEC_A_SOCK_FLAGS, rn(4));
		break;
	case KIPSEC_CMD_SOCK_DEL:
		a = nest(t, root, KIPSEC_A_SOCK, T_SOCK);
		put_u32(t, a, KIPSEC_A_SOCK_FD, pick_fd());
		break;
	default:
		/* STATS_GET, SOCK_GET, events, unknown: nothing, or junk */
		if (chance(50))
			rand_attrs(t, root, T_TOP, 0);
		break;
	}
}

/* ---- tree mutations ---------------------------------------------------- */

static int pick_node(struct tree *t)
{
	return t->nn > 1 ? 1 + (int)rn(t->nn - 1) : -1;
}

/* the parent of node @i, and the one before it among its siblings */
static int parent_of(struct tree *t, int i, int *prev)
{
	int p, c, pc, k;

	for (p = 0; p < t->nn; p++) {
		if (!t->n[p].nest)
			continue;
		for (pc = -1, c = t->n[p].first, k = 0; c >= 0 && k < MAXN;
		     pc = c, c = t->n[c].next, k++)
			if (c == i) {
				*prev = pc;
				return p;
			}
	}
	return -1;
}

static void set_rand_data(struct tree *t, int i)
{
	int tmp = tnew(t, -1, 0, false, 0), d;

	if (tmp < 0)
		return;
	t->n[tmp].nest = true;
	d = t->nn;
	put_rand(t, tmp, 0);
	if (t->nn > d) {
		t->n[i].off = t->n[d].off;
		t->n[i].len = t->n[d].len;
	}
	t->n[i].nest = false;
}

static void mutate_tree(struct tree *t)
{
	int i, p, prev, d;
	uint32_t v;

	i = pick_node(t);
	if (i < 0) {
		rand_attrs(t, 0, T_TOP, 0);
		return;
	}
	switch (rn(11)) {
	case 0:		/* drop */
		p = parent_of(t, i, &prev);
		if (p < 0)
			break;
		if (prev < 0)
			t->n[p].first = t->n[i].next;
		else
			t->n[prev].next = t->n[i].next;
		break;
	case 1:		/* duplicate (shares its children) */
		d = tnew(t, -1, 0, false, 0);
		if (d < 0)
			break;
		t->n[d] = t->n[i];
		t->n[i].next = d;
		break;
	case 2:		/* another type, or the flag bits */
		if (chance(50))
			t->n[i].type = (t->n[i].type & ~NLA_TYPE_MASK) |
				       rn(tables[t->n[i].table].max + 4);
		else
			t->n[i].type ^= chance(50) ? NLA_F_NESTED :
					NLA_F_NET_BYTEORDER;
		break;
	case 3:		/* random bytes, random length */
		set_rand_data(t, i);
		break;
	case 4:		/* scalar -> nest */
		if (t->n[i].nest)
			break;
		t->n[i].nest = true;
		t->n[i].first = -1;
		t->n[i].table = rn(T_NUM);
		rand_attrs(t, i, t->n[i].table, 1);
		break;
	case 5:		/* nest inside the nest, the same type */
		if (!t->n[i].nest)
			break;
		d = tnew(t, -1, 0, false, 0);
		if (d < 0)
			break;
		t->n[d] = t->n[i];
		t->n[d].next = -1;
		t->n[i].first = d;
		break;
	case 6:		/* more attributes, of the right table or not */
		p = t->n[i].nest ? i : 0;
		rand_attrs(t, p, chance(70) ? t->n[p].table : rn(T_NUM), 1);
		break;
	case 7:		/* an interesting value of the same size */
		if (t->n[i].nest || t->n[i].len < 4)
			break;
		v = rand_u32();
		memcpy(t->arena + t->n[i].off + rn(t->n[i].len - 3), &v, 4);
		break;
	case 8:		/* a bit flipped */
		if (t->n[i].nest || !t->n[i].len)
			break;
		t->arena[t->n[i].off + rn(t->n[i].len)] ^= 1 << rn(8);
		break;
	case 9:		/* shorter or longer by a few bytes */
		if (t->n[i].nest)
			break;
		if (chance(50) && t->n[i].len)
			t->n[i].len = rn(t->n[i].len);
		else if (t->n[i].off + t->n[i].len + 8 <= t->alen)
			t->n[i].len += 1 + rn(8);
		break;
	default:	/* nest -> scalar */
		if (t->n[i].nest)
			set_rand_data(t, i);
		break;
	}
}

/* ---- serialization ----------------------------------------------------- */

#define BUFSZ	65536

struct wbuf {
	uint8_t b[BUFSZ];
	uint32_t len;
	uint32_t nla[MAXN];	/* offsets of the nest headers written */
	int nnla;
};

static bool wput(struct wbuf *w, const void *d, uint32_t len)
{
	if (w->len + len > BUFSZ - 256)
		return false;
	memcpy(w->b + w->len, d, len);
	w->len += len;
	return true;
}

static void wpad(struct wbuf *w)
{
	static const uint8_t zero[4];

	wput(w, zero, NLA_ALIGN(w->len) - w->len);
}

static int visits;

static void write_node(struct wbuf *w, struct tree *t, int i, int depth)
{
	struct nlattr nla;
	uint32_t start = w->len, len;
	int c;

	if (depth > 32 || ++visits > 4 * MAXN)
		return;
	nla.nla_type = t->n[i].type;
	nla.nla_len = 0;
	if (!wput(w, &nla, sizeof(nla)))
		return;
	if (t->n[i].nest) {
		if (w->nnla < MAXN)
			w->nla[w->nnla++] = start;
		for (c = t->n[i].first; c >= 0; c = t->n[c].next)
			write_node(w, t, c, depth + 1);
	} else {
		wput(w, t->arena + t->n[i].off, t->n[i].len);
	}
	len = w->len - start;
	if (len > 0xffff)
		len = 0xffff;	/* oversized: the kernel sees a broken length */
	((struct nlattr *)(w->b + start))->nla_len = len;
	wpad(w);
}

/* ---- netlink ----------------------------------------------------------- */

static int sk = -1;
static uint16_t family;
static uint32_t seq = 1;

static void nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	int one = 1, sz = 4 << 20;

	sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sk < 0)
		fatal("netlink socket: %s", strerror(errno));
	if (setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(sk, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sk, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(sk, (struct sockaddr *)&sa, sizeof(sa)))
		fatal("bind: %s", strerror(errno));
	nl_fd = sk;
}

static void nl_send(const void *b, uint32_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	while (sendto(sk, b, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
			continue;
		/* a broken message may be refused at once */
		if (errno == EINVAL || errno == EMSGSIZE || errno == EFAULT)
			return;
		fatal("send: %s", strerror(errno));
	}
}

static uint8_t rbuf[1 << 20];
static unsigned long enobufs;

/* one datagram; 0: ENOBUFS (replies lost) */
static ssize_t nl_recv(void)
{
	ssize_t n;

	for (;;) {
		n = recv(sk, rbuf, sizeof(rbuf), 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			enobufs++;
			return 0;
		}
		fatal("recv: %s (a reply missing)", strerror(errno));
	}
}

static uint16_t attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

#define for_attrs(a, start, rem)					\
	for (a = (struct nlattr *)(start);				\
	     (rem) >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&	\
	     a->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN(a->nla_len),				\
	     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len)))

#define NLA_DATA(a)	((uint8_t *)(a) + NLA_HDRLEN)
#define NLA_PLEN(a)	((int)(a)->nla_len - NLA_HDRLEN)

static uint32_t nla_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (NLA_PLEN(a) >= 4)
		memcpy(&v, NLA_DATA(a), 4);
	return v;
}

static uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (NLA_PLEN(a) >= 8)
		memcpy(&v, NLA_DATA(a), 8);
	return v;
}

static struct addr nla_addr(const struct nlattr *a)
{
	struct addr r = { 0 };

	if (NLA_PLEN(a) == 4 || NLA_PLEN(a) == 16) {
		r.len = NLA_PLEN(a);
		memcpy(r.b, NLA_DATA(a), r.len);
	}
	return r;
}

static void resolve_family(void)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		uint8_t attrs[64];
	} req = { 0 };
	struct nlattr *a = (struct nlattr *)req.attrs, *b;
	struct nlmsghdr *h;
	ssize_t n;
	int rem;

	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(KIPSEC_FAMILY_NAME);
	memcpy(a + 1, KIPSEC_FAMILY_NAME, sizeof(KIPSEC_FAMILY_NAME));
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = seq++;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	nl_send(&req, req.n.nlmsg_len);
	n = nl_recv();
	h = (struct nlmsghdr *)rbuf;
	if (n < (ssize_t)NLMSG_HDRLEN || !NLMSG_OK(h, n))
		fatal("no reply to CTRL_CMD_GETFAMILY");
	if (h->nlmsg_type == NLMSG_ERROR)
		fatal("family %s: %s (is kipsec loaded?)", KIPSEC_FAMILY_NAME,
		      strerror(-((struct nlmsgerr *)NLMSG_DATA(h))->error));
	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for_attrs(b, (uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN, rem)
		if (attr_type(b) == CTRL_ATTR_FAMILY_ID)
			family = *(uint16_t *)NLA_DATA(b);
	if (!family)
		fatal("no family id in the reply");
}

/* ---- the messages of a buffer, as netlink_rcv_skb() will walk them ----- */

struct sub {
	uint32_t seq, len;
	uint16_t flags;
	uint8_t cmd, version;
	uint16_t reserved;
	bool req, dump, ack, short_hdr, bad_hdr, has_cmd, has_op;
	bool got_err, got_data;
	int err;
	bool got_index;
	uint32_t index;
};

static struct sub subs[MAX_SUB];
static int nsub;

static bool cmd_has_op(uint8_t cmd, bool dump)
{
	if (dump)
		return cmd == KIPSEC_CMD_SA_GET || cmd == KIPSEC_CMD_POLICY_GET ||
		       cmd == KIPSEC_CMD_SOCK_GET;
	return (cmd >= KIPSEC_CMD_SA_ADD && cmd <= KIPSEC_CMD_STATS_GET) ||
	       cmd == KIPSEC_CMD_SOCK_ADD || cmd == KIPSEC_CMD_SOCK_DEL;
}

/*
 * genl_header_check(): the reserved field must be 0, and the flags no
 * more than REQUEST, ACK, ECHO and DUMP (both bits)
 */
static bool bad_header(uint16_t flags, uint16_t reserved)
{
	if ((flags & NLM_F_DUMP) == NLM_F_DUMP)
		flags &= ~NLM_F_DUMP;
	return reserved || (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO));
}

/*
 * Every message the kernel will look at gets our family and a sequence
 * number of its own; record what we sent.
 */
static void walk_buffer(uint8_t *b, uint32_t len)
{
	uint32_t off = 0, ml;
	struct nlmsghdr *h;
	struct sub *s;

	nsub = 0;
	while (len - off >= NLMSG_HDRLEN) {
		h = (struct nlmsghdr *)(b + off);
		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - off)
			break;
		if (nsub == MAX_SUB) {
			h->nlmsg_len = 0;	/* stop here */
			break;
		}
		h->nlmsg_type = family;
		h->nlmsg_seq = seq++;
		s = &subs[nsub++];
		*s = (struct sub){ .seq = h->nlmsg_seq };
		s->len = h->nlmsg_len;
		s->flags = h->nlmsg_flags;
		s->req = h->nlmsg_flags & NLM_F_REQUEST;
		s->ack = h->nlmsg_flags & NLM_F_ACK;
		s->dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
		s->short_hdr = h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN);
		if (!s->short_hdr) {
			struct genlmsghdr *g = NLMSG_DATA(h);

			s->cmd = g->cmd;
			s->version = g->version;
			s->reserved = g->reserved;
		}
		s->bad_hdr = !s->short_hdr && bad_header(s->flags, s->reserved);
		s->has_cmd = !s->short_hdr && (cmd_has_op(s->cmd, false) ||
					       cmd_has_op(s->cmd, true));
		s->has_op = !s->short_hdr && cmd_has_op(s->cmd, s->dump);
		ml = NLMSG_ALIGN(h->nlmsg_len);
		if (ml > len - off)
			ml = len - off;
		off += ml;
	}
}

/* ---- protection of the objects of -p ----------------------------------- */

static bool prot_spi(uint32_t spi)
{
	int i;

	for (i = 0; i < prot.nsa; i++)
		if (prot.sa[i].spi == spi)
			return true;
	return false;
}

static bool prot_addr(const uint8_t *d, int len)
{
	int i;

	for (i = 0; i < prot.npol; i++)
		if ((len >= prot.pol[i].src.len &&
		     !memcmp(d, prot.pol[i].src.b, prot.pol[i].src.len)) ||
		    (len >= prot.pol[i].dst.len &&
		     !memcmp(d, prot.pol[i].dst.b, prot.pol[i].dst.len)))
			return true;
	return false;
}

/* could this message delete or change a protected object? */
static bool unsafe_msg(const struct nlmsghdr *h, uint8_t cmd)
{
	struct nlattr *a, *b, *c;
	int rem, rem2, rem3, i;
	bool src, dst;

	if (cmd == KIPSEC_CMD_SA_FLUSH || cmd == KIPSEC_CMD_POLICY_FLUSH)
		return true;
	if (cmd != KIPSEC_CMD_SA_DEL && cmd != KIPSEC_CMD_SA_UPDATE &&
	    cmd != KIPSEC_CMD_POLICY_DEL)
		return false;
	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for_attrs(a, (uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN, rem) {
		rem2 = NLA_PLEN(a);
		for_attrs(b, NLA_DATA(a), rem2) {
			if (cmd != KIPSEC_CMD_POLICY_DEL) {
				if (attr_type(a) == KIPSEC_A_SA &&
				    attr_type(b) == KIPSEC_A_SA_SPI &&
				    prot_spi(ntohl(nla_u32(b))))
					return true;
				continue;
			}
			if (attr_type(a) != KIPSEC_A_POLICY)
				continue;
			if (attr_type(b) == KIPSEC_A_POLICY_INDEX)
				for (i = 0; i < prot.npol; i++)
					if (prot.pol[i].index == nla_u32(b))
						return true;
			if (attr_type(b) != KIPSEC_A_POLICY_SEL)
				continue;
			src = dst = false;
			rem3 = NLA_PLEN(b);
			for_attrs(c, NLA_DATA(b), rem3) {
				if (attr_type(c) == KIPSEC_A_SEL_SRC)
					src = true;
				else if (attr_type(c) == KIPSEC_A_SEL_DST)
					dst = true;
				else
					continue;
				if (prot_addr(NLA_DATA(c), NLA_PLEN(c)))
					return true;
			}
			if (!src || !dst)
				return true;
		}
	}
	return false;
}

static bool unsafe_buffer(uint8_t *b)
{
	uint32_t off = 0;
	struct nlmsghdr *h;
	int i;

	for (i = 0; i < nsub; i++) {
		h = (struct nlmsghdr *)(b + off);
		if (subs[i].req && !subs[i].short_hdr &&
		    unsafe_msg(h, subs[i].cmd))
			return true;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	return false;
}

/* ---- replies ----------------------------------------------------------- */

static struct sub *sub_of(uint32_t s)
{
	int i;

	for (i = 0; i < nsub; i++)
		if (subs[i].seq == s)
			return &subs[i];
	return NULL;
}

static unsigned long n_eperm, n_err, n_ok, n_stray, n_sent, n_skipped;
static unsigned long n_valid, n_checks, n_changes;

static void unpriv_reply(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	struct sub *s = sub_of(h->nlmsg_seq);
	int want, also = 1;

	if (h->nlmsg_type != NLMSG_ERROR)
		fatal("unprivileged: a reply of type %u, seq %u (not an error)",
		      h->nlmsg_type, h->nlmsg_seq);
	if (!s)
		fatal("unprivileged: an error %d for seq %u, not ours",
		      e->error, h->nlmsg_seq);
	if (s->got_err)
		fatal("unprivileged: two replies for seq %u", s->seq);
	s->got_err = true;
	s->err = e->error;
	if (!s->req)
		want = 0;
	else if (s->short_hdr || s->bad_hdr)
		want = -EINVAL;
	else if (s->has_op)
		want = -EPERM;
	else if (s->has_cmd)
		/* 6.1 looks for the dump or do handler after the permission */
		want = -EOPNOTSUPP, also = -EPERM;
	else
		want = -EOPNOTSUPP;
	if (e->error != want && e->error != also)
		fatal("unprivileged: command %u%s: error %d (%s), want %d; message %d of %d, len %u flags 0x%x version %u reserved %u",
		      s->cmd, s->dump ? " (dump)" : "", e->error,
		      strerror(-e->error), want, (int)(s - subs), nsub,
		      s->len, s->flags, s->version, s->reserved);
	if (e->error == -EPERM)
		n_eperm++;
}

/*
 * Read up to the ACK of @sync_seq, and to the end of a dump.  @fn is
 * called for the kipsec messages (dump parts, replies).  Returns false if
 * replies were lost (ENOBUFS).
 */
static bool read_replies(uint32_t sync_seq,
			 void (*fn)(const struct nlmsghdr *, void *), void *arg)
{
	bool synced = false, dump_open = false, lost = false;
	struct nlmsghdr *h;
	struct nlmsgerr *e;
	struct sub *s;
	ssize_t n;

	while (!synced || dump_open) {
		n = nl_recv();
		if (!n) {
			/* replies lost; a new NOOP tells where we are */
			struct nlmsghdr noop = {
				.nlmsg_len = NLMSG_HDRLEN,
				.nlmsg_type = NLMSG_NOOP,
				.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
				.nlmsg_seq = seq++,
			};

			sync_seq = noop.nlmsg_seq;
			nl_send(&noop, noop.nlmsg_len);
			lost = true;
			synced = dump_open = false;
			continue;
		}
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq == sync_seq) {
				e = NLMSG_DATA(h);
				if (h->nlmsg_type != NLMSG_ERROR || e->error)
					fatal("the NOOP got type %u error %d",
					      h->nlmsg_type,
					      h->nlmsg_type == NLMSG_ERROR ?
					      e->error : 0);
				synced = true;
				continue;
			}
			if (unpriv && !lost) {
				unpriv_reply(h);
				continue;
			}
			s = sub_of(h->nlmsg_seq);
			if (h->nlmsg_type == NLMSG_DONE) {
				dump_open = false;
				if (s)
					s->got_data = true;
				continue;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				e = NLMSG_DATA(h);
				if (e->error > 0 || e->error < -4095)
					fatal("error %d for command %u",
					      e->error, s ? s->cmd : 0);
				if (!s) {
					n_stray++;
					continue;
				}
				s->got_err = true;
				s->err = e->error;
				continue;
			}
			if (h->nlmsg_type != family) {
				n_stray++;
				continue;
			}
			if (h->nlmsg_flags & NLM_F_MULTI)
				dump_open = true;
			if (s)
				s->got_data = true;
			if (fn)
				fn(h, arg);
		}
	}
	return !lost;
}

/* send @b (the messages in subs[]) and a NOOP, read all replies */
static bool transact(uint8_t *b, uint32_t len,
		     void (*fn)(const struct nlmsghdr *, void *), void *arg)
{
	struct nlmsghdr noop = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};

	nl_send(b, len);
	noop.nlmsg_seq = seq++;
	nl_send(&noop, noop.nlmsg_len);
	return read_replies(noop.nlmsg_seq, fn, arg);
}

/* a request built here: one message, our flags */
static bool simple(uint8_t cmd, uint16_t flags, struct tree *t,
		   void (*fn)(const struct nlmsghdr *, void *), void *arg)
{
	static struct wbuf w;
	struct nlmsghdr *h = (struct nlmsghdr *)w.b;
	struct genlmsghdr *g = NLMSG_DATA(h);
	int c;

	memset(w.b, 0, NLMSG_LENGTH(GENL_HDRLEN));
	w.len = NLMSG_LENGTH(GENL_HDRLEN);
	w.nnla = 0;
	visits = 0;
	if (t)
		for (c = t->n[0].first; c >= 0; c = t->n[c].next)
			write_node(&w, t, c, 0);
	h->nlmsg_len = w.len;
	h->nlmsg_flags = flags;
	g->cmd = cmd;
	g->version = KIPSEC_FAMILY_VERSION;
	walk_buffer(w.b, w.len);
	return transact(w.b, w.len, fn, arg);
}

/* ---- dumps ------------------------------------------------------------- */

static void parse_sa(const struct nlmsghdr *h, void *arg)
{
	struct tables *t = arg;
	struct nlattr *a, *b, *c;
	struct sa_key k = { 0 };
	int rem, rem2, rem3;

	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for_attrs(a, (uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN, rem) {
		if (attr_type(a) != KIPSEC_A_SA)
			continue;
		rem2 = NLA_PLEN(a);
		for_attrs(b, NLA_DATA(a), rem2) {
			switch (attr_type(b)) {
			case KIPSEC_A_SA_SRC:
				k.src = nla_addr(b);
				break;
			case KIPSEC_A_SA_DST:
				k.dst = nla_addr(b);
				break;
			case KIPSEC_A_SA_SPI:
				k.spi = ntohl(nla_u32(b));
				break;
			case KIPSEC_A_SA_PROTO:
				k.proto = nla_u32(b);
				break;
			case KIPSEC_A_SA_STATE:
				if (nla_u32(b) == KIPSEC_SA_STATE_LARVAL)
					k.expirable = true;
				break;
			case KIPSEC_A_SA_LIFETIME_HARD:
				rem3 = NLA_PLEN(b);
				for_attrs(c, NLA_DATA(b), rem3)
					if ((attr_type(c) == KIPSEC_A_LIFE_ADD_SECS ||
					     attr_type(c) == KIPSEC_A_LIFE_USE_SECS) &&
					    nla_u64(c))
						k.expirable = true;
				break;
			}
		}
		if (t->nsa >= MAX_OBJ)
			fatal("more than %d SAs", MAX_OBJ);
		t->sa[t->nsa++] = k;
	}
}

static void parse_sel(struct nlattr *b, struct pol_key *p)
{
	struct nlattr *c;
	int rem = NLA_PLEN(b);

	for_attrs(c, NLA_DATA(b), rem) {
		switch (attr_type(c)) {
		case KIPSEC_A_SEL_SRC:
			p->src = nla_addr(c);
			break;
		case KIPSEC_A_SEL_DST:
			p->dst = nla_addr(c);
			break;
		case KIPSEC_A_SEL_SRC_PREFIXLEN:
			p->splen = nla_u32(c);
			break;
		case KIPSEC_A_SEL_DST_PREFIXLEN:
			p->dplen = nla_u32(c);
			break;
		case KIPSEC_A_SEL_PROTO:
			p->proto = nla_u32(c);
			break;
		}
	}
}

static void parse_pol(const struct nlmsghdr *h, void *arg)
{
	struct tables *t = arg;
	struct nlattr *a, *b;
	struct pol_key p = { 0 };
	int rem, rem2;

	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for_attrs(a, (uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN, rem) {
		if (attr_type(a) != KIPSEC_A_POLICY)
			continue;
		rem2 = NLA_PLEN(a);
		for_attrs(b, NLA_DATA(a), rem2) {
			switch (attr_type(b)) {
			case KIPSEC_A_POLICY_INDEX:
				p.index = nla_u32(b);
				break;
			case KIPSEC_A_POLICY_DIR:
				p.dir = nla_u32(b);
				break;
			case KIPSEC_A_POLICY_PRIORITY:
				p.prio = nla_u32(b);
				break;
			case KIPSEC_A_POLICY_SEL:
				parse_sel(b, &p);
				break;
			}
		}
		if (t->npol >= MAX_OBJ)
			fatal("more than %d policies", MAX_OBJ);
		t->pol[t->npol++] = p;
	}
}

/* dump both tables into @t; retried when interrupted by a change */
static void dump_tables(struct tables *t)
{
	int tries;

	for (tries = 0; tries < 5; tries++) {
		t->nsa = t->npol = 0;
		if (!simple(KIPSEC_CMD_SA_GET, NLM_F_REQUEST | NLM_F_DUMP, NULL,
			    parse_sa, t) || subs[0].got_err)
			continue;
		if (!simple(KIPSEC_CMD_POLICY_GET, NLM_F_REQUEST | NLM_F_DUMP,
			    NULL, parse_pol, t) || subs[0].got_err)
			continue;
		return;
	}
	fatal("cannot dump the tables");
}

/* ---- checking the tables against the model ----------------------------- */

struct allow {
	int sa_add, sa_del, pol_add, pol_del;	/* -1: any number */
	bool exact;		/* a valid request: exactly that */
	const struct sa_key *sa;	/* the SA a valid add/del names */
	uint32_t index[MAX_SUB];	/* the indices policy adds replied */
	int nindex;
};

static bool index_replied(const struct allow *al, uint32_t index)
{
	int i;

	/* a policy add that did not reply an index: anything goes */
	if (al->nindex < al->pol_add)
		return true;
	for (i = 0; i < al->nindex; i++)
		if (al->index[i] == index)
			return true;
	return false;
}

static void show_tables(const char *what, const struct tables *t)
{
	int i;

	fprintf(stderr, "  %s: %d SAs, %d policies\n", what, t->nsa, t->npol);
	for (i = 0; i < t->nsa && i < 40; i++)
		fprintf(stderr, "    sa %s spi 0x%x proto %u%s\n",
			addr_str(&t->sa[i].dst), t->sa[i].spi, t->sa[i].proto,
			t->sa[i].expirable ? " (may expire)" : "");
	for (i = 0; i < t->npol && i < 40; i++)
		fprintf(stderr, "    policy %u dir %u\n", t->pol[i].index,
			t->pol[i].dir);
}

static void mismatch(const char *why, const char *ctx)
{
	fprintf(stderr, "%s[%d]: FAIL: %s (%s)\n", prog, worker_id, why, ctx);
	show_tables("model", &model);
	show_tables("kernel", &cur);
	exit(1);
}

static bool within(int n, int max, bool exact)
{
	return max < 0 || (exact ? n == max : n <= max);
}

/* dump, compare with the model and what @al allows, adopt the dump */
static void check_tables(const struct allow *al, const char *ctx)
{
	int i, sa_add = 0, sa_del = 0, pol_add = 0, pol_del = 0;
	bool sa_any = al->sa_del < 0;

	dump_tables(&cur);
	n_checks++;
	for (i = 0; i < cur.nsa; i++) {
		if (sa_find(&model, &cur.sa[i]) >= 0)
			continue;
		sa_add++;
		if (al->exact && al->sa && !sa_eq(al->sa, &cur.sa[i]))
			mismatch("an SA that was not asked for appeared", ctx);
	}
	for (i = 0; i < model.nsa; i++) {
		if (sa_find(&cur, &model.sa[i]) >= 0)
			continue;
		if (protect && sa_find(&prot, &model.sa[i]) >= 0)
			mismatch("a protected SA went away", ctx);
		if (model.sa[i].expirable && !sa_any &&
		    !(al->sa && sa_eq(al->sa, &model.sa[i])))
			continue;	/* expired */
		sa_del++;
		if (al->exact && al->sa && !sa_eq(al->sa, &model.sa[i]))
			mismatch("an SA that was not named went away", ctx);
	}
	for (i = 0; i < cur.npol; i++) {
		if (pol_find(&model, cur.pol[i].index) >= 0)
			continue;
		pol_add++;
		if (!index_replied(al, cur.pol[i].index))
			mismatch("a policy other than the ones added appeared",
				 ctx);
	}
	for (i = 0; i < model.npol; i++) {
		if (pol_find(&cur, model.pol[i].index) >= 0)
			continue;
		if (protect && pol_find(&prot, model.pol[i].index) >= 0)
			mismatch("a protected policy went away", ctx);
		pol_del++;
	}
	if (!within(sa_add, al->sa_add, al->exact) ||
	    !within(sa_del, al->sa_del, al->exact) ||
	    !within(pol_add, al->pol_add, al->exact) ||
	    !within(pol_del, al->pol_del, al->exact)) {
		char why[160];

		snprintf(why, sizeof(why),
			 "tables changed by +%d/-%d SAs, +%d/-%d policies; allowed %d/%d, %d/%d%s",
			 sa_add, sa_del, pol_add, pol_del, al->sa_add,
			 al->sa_del, al->pol_add, al->pol_del,
			 al->exact ? " exactly" : "");
		mismatch(why, ctx);
	}
	if (sa_add || sa_del || pol_add || pol_del)
		n_changes++;
	copy_tables(&model, &cur);
}

/* what a command that succeeded may change */
static void allow_cmd(struct allow *al, uint8_t cmd)
{
	switch (cmd) {
	case KIPSEC_CMD_SA_ADD:
	case KIPSEC_CMD_SA_ALLOCSPI:
		al->sa_add++;
		break;
	case KIPSEC_CMD_SA_DEL:
		al->sa_del++;
		break;
	case KIPSEC_CMD_SA_FLUSH:
		al->sa_del = -1;
		break;
	case KIPSEC_CMD_POLICY_ADD:
		al->pol_add++;
		break;
	case KIPSEC_CMD_POLICY_DEL:
		al->pol_del++;
		break;
	case KIPSEC_CMD_POLICY_FLUSH:
		al->pol_del = -1;
		break;
	}
}

static bool changes(uint8_t cmd)
{
	switch (cmd) {
	case KIPSEC_CMD_SA_ADD:
	case KIPSEC_CMD_SA_UPDATE:
	case KIPSEC_CMD_SA_DEL:
	case KIPSEC_CMD_SA_FLUSH:
	case KIPSEC_CMD_SA_ALLOCSPI:
	case KIPSEC_CMD_POLICY_ADD:
	case KIPSEC_CMD_POLICY_DEL:
	case KIPSEC_CMD_POLICY_FLUSH:
		return true;
	}
	return false;
}

/* a reply carrying a policy: its index */
static void reply_index(const struct nlmsghdr *h, void *arg)
{
	struct sub *s = sub_of(h->nlmsg_seq);
	struct nlattr *a, *b;
	int rem, rem2;

	(void)arg;
	if (!s || (h->nlmsg_flags & NLM_F_MULTI))
		return;
	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for_attrs(a, (uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN, rem) {
		if (attr_type(a) != KIPSEC_A_POLICY)
			continue;
		rem2 = NLA_PLEN(a);
		for_attrs(b, NLA_DATA(a), rem2)
			if (attr_type(b) == KIPSEC_A_POLICY_INDEX) {
				s->got_index = true;
				s->index = nla_u32(b);
			}
	}
}

/* ---- cleaning up ------------------------------------------------------- */

static void del_sa(const struct sa_key *k)
{
	static struct tree t;
	int sa;

	t.nn = 0;
	t.alen = 0;
	tnew(&t, -1, 0, true, T_TOP);
	sa = nest(&t, 0, KIPSEC_A_SA, T_SA);
	put_sa_id(&t, sa, k, false);
	simple(KIPSEC_CMD_SA_DEL, NLM_F_REQUEST | NLM_F_ACK, &t, NULL, NULL);
}

static void del_pol(uint32_t index)
{
	static struct tree t;
	int p;

	t.nn = 0;
	t.alen = 0;
	tnew(&t, -1, 0, true, T_TOP);
	p = nest(&t, 0, KIPSEC_A_POLICY, T_POLICY);
	put_u32(&t, p, KIPSEC_A_POLICY_INDEX, index);
	simple(KIPSEC_CMD_POLICY_DEL, NLM_F_REQUEST | NLM_F_ACK, &t, NULL,
	       NULL);
}

/* -p: delete what is not protected; the tables must then be the start's */
static void cleanup_own(bool final)
{
	int i;

	dump_tables(&cur);
	for (i = 0; i < cur.nsa; i++)
		if (sa_find(&prot, &cur.sa[i]) < 0)
			del_sa(&cur.sa[i]);
	for (i = 0; i < cur.npol; i++)
		if (pol_find(&prot, cur.pol[i].index) < 0)
			del_pol(cur.pol[i].index);
	dump_tables(&cur);
	copy_tables(&model, &cur);
	if (!final)
		return;
	if (cur.nsa != prot.nsa || cur.npol != prot.npol)
		mismatch("after deleting its own objects, the tables are not those of the start",
			 "end");
	for (i = 0; i < prot.nsa; i++)
		if (sa_find(&cur, &prot.sa[i]) < 0)
			mismatch("a protected SA is gone", "end");
	for (i = 0; i < prot.npol; i++)
		if (pol_find(&cur, prot.pol[i].index) < 0)
			mismatch("a protected policy is gone", "end");
}

static void flush_all(void)
{
	simple(KIPSEC_CMD_SA_FLUSH, NLM_F_REQUEST | NLM_F_ACK, NULL, NULL,
	       NULL);
	if (subs[0].err)
		fatal("SA flush: %s", strerror(-subs[0].err));
	simple(KIPSEC_CMD_POLICY_FLUSH, NLM_F_REQUEST | NLM_F_ACK, NULL, NULL,
	       NULL);
	if (subs[0].err)
		fatal("policy flush: %s", strerror(-subs[0].err));
}

/* ---- one fuzz message -------------------------------------------------- */

static const uint16_t flag_bits[] = {
	NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO, NLM_F_DUMP_INTR,
	NLM_F_DUMP_FILTERED, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC,
	NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND,
};

static uint8_t pick_cmd(void)
{
	uint8_t cmd;

	if (chance(85)) {
		/* few flushes, so that the tables fill up a little */
		do
			cmd = rn(KIPSEC_CMD_MAX + 1);
		while ((cmd == KIPSEC_CMD_SA_FLUSH ||
			cmd == KIPSEC_CMD_POLICY_FLUSH) && chance(85));
		return cmd;
	}
	if (chance(50))
		return KIPSEC_CMD_MAX + 1 + rn(8);
	return rn(256);
}

/*
 * Append one message to @w.  Returns whether it is a valid request;
 * @want: the SA it names (valid SA add, del).
 */
static bool build_msg(struct wbuf *w, uint8_t *cmdp, struct sa_key *want)
{
	static struct tree t;
	uint32_t start = w->len, i, n, nlen;
	bool valid = chance(40), dump;
	struct nlmsghdr *h;
	struct genlmsghdr *g;
	uint16_t flags;
	uint8_t cmd;
	int c;

	cmd = pick_cmd();
	dump = cmd_has_op(cmd, true) ? chance(40) : chance(10);
	if (cmd == KIPSEC_CMD_SOCK_GET)
		dump = !chance(10);
	t.nn = 0;
	t.alen = 0;
	tnew(&t, -1, 0, true, T_TOP);
	memset(want, 0, sizeof(*want));
	if (chance(81)) {
		valid_attrs(&t, 0, cmd, dump, want);
	} else if (chance(50)) {
		/* another command's attributes */
		valid_attrs(&t, 0, pick_cmd(), dump, want);
		valid = false;
	} else {
		rand_attrs(&t, 0, T_TOP, 0);
		valid = false;
	}
	if (!valid) {
		n = 1 + rn(chance(20) ? 8 : 3);
		for (i = 0; i < n; i++)
			mutate_tree(&t);
	}

	if (w->len + NLMSG_LENGTH(GENL_HDRLEN) > BUFSZ - 256)
		return false;
	memset(w->b + start, 0, NLMSG_LENGTH(GENL_HDRLEN));
	w->len += NLMSG_LENGTH(GENL_HDRLEN);
	w->nnla = 0;
	visits = 0;
	for (c = t.n[0].first; c >= 0; c = t.n[c].next)
		write_node(w, &t, c, 0);

	flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	h = (struct nlmsghdr *)(w->b + start);
	g = NLMSG_DATA(h);
	g->cmd = cmd;
	g->version = KIPSEC_FAMILY_VERSION;
	nlen = w->len - start;
	if (!valid) {
		/* a nest's length broken */
		if (w->nnla && chance(15)) {
			struct nlattr *a = (struct nlattr *)(w->b + w->nla[rn(w->nnla)]);

			a->nla_len = chance(50) ? rn(a->nla_len + 1) :
				     a->nla_len + 1 + rn(64);
		}
		/* garbage after the attributes */
		if (chance(10)) {
			n = 1 + rn(64);
			for (i = 0; i < n && w->len < BUFSZ - 256; i++)
				w->b[w->len++] = rnd();
			nlen = w->len - start;
			if (chance(50))
				nlen -= n;	/* or after the message */
		}
		if (chance(10))
			flags ^= flag_bits[rn(ARRAY_SIZE(flag_bits))];
		if (chance(3))
			flags = rnd();
		if (chance(5))
			g->version = rnd();
		if (chance(3))
			g->reserved = rnd();
		if (chance(5)) {
			/* bad nlmsg_len: short, long, tiny */
			switch (rn(3)) {
			case 0:
				nlen = rn(nlen + 1);
				break;
			case 1:
				nlen += 1 + rn(256);
				break;
			default:
				nlen = rn(NLMSG_LENGTH(GENL_HDRLEN) + 1);
				break;
			}
		}
	}
	h->nlmsg_len = nlen;
	h->nlmsg_flags = flags;
	/* the next message starts aligned, garbage or not */
	while (w->len % NLMSG_ALIGNTO && w->len < BUFSZ)
		w->b[w->len++] = 0;
	*cmdp = cmd;
	return valid;
}

static void fuzz_one(void)
{
	static struct wbuf w;
	struct allow al = { 0 };
	struct sa_key want;
	bool valid, changed = false, lost;
	uint8_t cmd;
	int i, tries;
	char ctx[96];

	for (tries = 0;; tries++) {
		w.len = 0;
		valid = build_msg(&w, &cmd, &want);
		if (chance(5)) {
			struct sa_key w2;
			uint8_t c2;

			build_msg(&w, &c2, &w2);
			valid = false;
		}
		walk_buffer(w.b, w.len);
		if (!protect || !unsafe_buffer(w.b))
			break;
		n_skipped++;
		if (tries > 1000)
			fatal("cannot build a safe message");
	}
	valid = valid && nsub == 1 && subs[0].req && subs[0].has_op;
	n_sent++;
	n_valid += valid;
	lost = !transact(w.b, w.len, model_on ? reply_index : NULL, NULL);

	if (unpriv && !lost)
		for (i = 0; i < nsub; i++)
			if ((subs[i].req || subs[i].ack) && !subs[i].got_err)
				fatal("unprivileged: no reply to command %u",
				      subs[i].cmd);
	/* counted in every mode, so that a worker's summary says what it got */
	for (i = 0; i < nsub; i++) {
		struct sub *s = &subs[i];

		if (!s->req || !s->has_op || s->dump)
			continue;
		if (s->got_err && s->err) {
			n_err++;
			continue;
		}
		n_ok++;
		if (!model_on || !changes(s->cmd))
			continue;
		changed = true;
		allow_cmd(&al, s->cmd);
		if (s->got_index && s->cmd == KIPSEC_CMD_POLICY_ADD)
			al.index[al.nindex++] = s->index;
	}
	if (!model_on)
		return;
	if (lost) {
		/* replies were lost: start again from what the kernel has */
		dump_tables(&model);
		return;
	}
	if (!changed && n_sent % CHECK_EVERY)
		return;
	snprintf(ctx, sizeof(ctx), "message %lu, command %u%s", n_sent, cmd,
		 valid ? ", valid" : "");
	if (valid && changed &&
	    (cmd == KIPSEC_CMD_SA_ADD || cmd == KIPSEC_CMD_SA_DEL)) {
		al.exact = true;
		al.sa = &want;
	}
	if (valid && changed && (cmd == KIPSEC_CMD_POLICY_ADD ||
				 cmd == KIPSEC_CMD_POLICY_DEL))
		al.exact = true;
	check_tables(&al, ctx);
}

/* ---- main -------------------------------------------------------------- */

static void write_expected(const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		fatal("%s: %s", path, strerror(errno));
	for (i = 0; i < model.nsa; i++)
		fprintf(f, "sa %s %u %u\n", addr_str(&model.sa[i].dst),
			model.sa[i].spi, model.sa[i].proto);
	for (i = 0; i < model.npol; i++)
		fprintf(f, "policy %u\n", model.pol[i].index);
	fclose(f);
}

static void drop_privileges(void)
{
	gid_t g = 65534;

	if (setgroups(1, &g) || setgid(65534) || setuid(65534))
		fatal("dropping privileges: %s", strerror(errno));
	if (!setuid(0))
		fatal("still root after dropping privileges");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(unsigned long count, const char *out, bool flush)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double t0 = now(), secs;
	unsigned long i;

	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp_fd >= 0)
		bind(udp_fd, (struct sockaddr *)&sin, sizeof(sin));
	if (unpriv)
		drop_privileges();
	nl_open();
	resolve_family();
	if (model_on) {
		dump_tables(&model);
		if (protect)
			copy_tables(&prot, &model);
		else if (model.nsa || model.npol)
			fatal("the namespace has %d SAs and %d policies: run in a namespace of its own, or with -p",
			      model.nsa, model.npol);
	}
	for (i = 0; i < count; i++) {
		fuzz_one();
		if (model_on && !protect &&
		    (model.nsa > 200 || model.npol > 200)) {
			flush_all();
			check_tables(&(struct allow){ .sa_del = -1,
						      .pol_del = -1 },
				     "flush");
		}
		if (model_on && protect &&
		    model.nsa + model.npol > prot.nsa + prot.npol + 200)
			cleanup_own(false);
		if (verbose && i && !(i % 10000))
			fprintf(stderr, "%s[%d]: %lu messages\n", prog,
				worker_id, i);
	}
	if (model_on) {
		check_tables(&(struct allow){ 0 }, "end");
		if (out)
			write_expected(out);
		if (protect)
			cleanup_own(true);
	}
	if (flush) {
		flush_all();
		dump_tables(&cur);
		if (cur.nsa || cur.npol)
			mismatch("tables not empty after the flush", "end");
	}
	secs = now() - t0;
	printf("%s[%d]: %lu buffers (%lu valid requests) in %.1f s, %.0f/s; %lu ok, %lu errors, %lu EPERM, %lu table checks, %lu changes, %lu unsafe skipped, %lu ENOBUFS, %lu stray replies\n",
	       prog, worker_id, n_sent, n_valid, secs,
	       secs > 0 ? n_sent / secs : 0.0, n_ok, n_err, n_eperm,
	       n_checks, n_changes, n_skipped, enobufs, n_stray);
	if (model_on)
		printf("%s[%d]: tables at the end: %d SAs, %d policies\n",
		       prog, worker_id, model.nsa, model.npol);
	if (unpriv && !n_eperm && count > 100)
		fatal("unprivileged: not a single EPERM");
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [-n COUNT] [-s SEED] [-j WORKERS] [-u] [-p] [-F] [-o FILE] [-v]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long count = 1000, per;
	const char *out = NULL, *env;
	uint64_t seed;
	int opt, jobs = 1, i, st, failed = 0;
	bool flush = false;
	pid_t pid;

	env = getenv("KIPSEC_FUZZ_SEED");
	seed = env && *env ? strtoull(env, NULL, 0) :
	       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((opt = getopt(argc, argv, "n:s:j:upFo:v")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			jobs = atoi(optarg);
			break;
		case 'u':
			unpriv = true;
			break;
		case 'p':
			protect = true;
			break;
		case 'F':
			flush = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (jobs < 1 || jobs > 64 || (protect && jobs > 1) ||
	    (unpriv && (protect || flush || out)))
		usage();
	printf("%s: seed %" PRIu64 " (KIPSEC_FUZZ_SEED=%" PRIu64
	       "), %lu messages, %d worker%s%s%s\n", prog, seed, seed, count,
	       jobs, jobs > 1 ? "s" : "", unpriv ? ", unprivileged" : "",
	       protect ? ", protecting the namespace's objects" : "");
	fflush(stdout);
	model_on = !unpriv && jobs == 1;
	if (jobs == 1) {
		rng = splitmix(seed);
		run(count, out, flush);
		return 0;
	}
	per = count / jobs;
	for (i = 0; i < jobs; i++) {
		pid = fork();
		if (pid < 0)
			fatal("fork: %s", strerror(errno));
		if (!pid) {
			worker_id = i + 1;
			rng = splitmix(seed + worker_id);
			run(per + (i == 0 ? count % jobs : 0), NULL, false);
			exit(0);
		}
	}
	while ((pid = wait(&st)) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			failed = 1;
	if (failed)
		fatal("a worker failed");
	if (flush && !unpriv) {
		rng = splitmix(seed);
		nl_open();
		resolve_family();
		flush_all();
		dump_tables(&cur);
		if (cur.nsa || cur.npol)
			mismatch("tables not empty after the flush", "end");
		printf("%s: flushed, tables empty\n", prog);
	}
	return 0;
}
