// SPDX-License-Identifier: GPL-2.0
/*
 * Output of SAs and policies, for humans (modeled on `ip xfrm state` and
 * `ip xfrm policy`) and as JSON.  Keys are never shown: "(hidden)".
 *
 * An attribute the kernel did not send is left out, except inside
 * positional groups (the algorithm line, the stats line), where it reads 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include "kipsec.h"

/*
 * The lines of one SA or policy, built in a buffer and written with one
 * fwrite (kipsec_line_flush).  A dump of many objects is mostly printing:
 * printf's format parsing was half of it, and calls to memcpy and strlen
 * for a few bytes each cost more than copying them here
 * (Documentation/performance.md, "Dumps").
 */
struct kipsec_line {
	FILE *f;
	const char *lead;	/* before the first token of a line */
	bool started;
	size_t len;
	char buf[1024];
};

static void kipsec_line_flush(struct kipsec_line *l)
{
	fwrite(l->buf, 1, l->len, l->f);
	l->len = 0;
}

/*
 * One byte at @len, flushing a full buffer; returns the new length.  The
 * callers keep the length in a local: stores through char * would make
 * the compiler reload l->len for every byte.
 */
static inline size_t kipsec_put_c(struct kipsec_line *l, size_t len, char c)
{
	if (len == sizeof(l->buf)) {
		l->len = len;
		kipsec_line_flush(l);
		len = 0;
	}
	l->buf[len] = c;
	return len + 1;
}

static void kipsec_put_mem(struct kipsec_line *l, const char *s, size_t n)
{
	size_t len = l->len;

	while (n--)
		len = kipsec_put_c(l, len, *s++);
	l->len = len;
}

static void kipsec_put(struct kipsec_line *l, const char *s)
{
	size_t len = l->len;

	while (*s)
		len = kipsec_put_c(l, len, *s++);
	l->len = len;
}

static void kipsec_put_u64(struct kipsec_line *l, uint64_t v)
{
	char d[20], *p = d + sizeof(d);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	kipsec_put_mem(l, p, d + sizeof(d) - p);
}

/* "0x", then at least @width hex digits */
static void kipsec_put_hex(struct kipsec_line *l, uint32_t v, int width)
{
	char d[10], *p = d + sizeof(d);

	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
		width--;
	} while (v || width > 0);
	*--p = 'x';
	*--p = '0';
	kipsec_put_mem(l, p, d + sizeof(d) - p);
}

/* a token begins: @lead or a blank, then @word */
static void kipsec_tok(struct kipsec_line *l, const char *word)
{
	kipsec_put(l, l->started ? " " : l->lead);
	l->started = true;
	kipsec_put(l, word);
}

/* "WORD N" */
static void kipsec_tok_u(struct kipsec_line *l, const char *word, uint64_t v)
{
	kipsec_tok(l, word);
	kipsec_put(l, " ");
	kipsec_put_u64(l, v);
}

/* "WORD STRING" */
static void kipsec_tok_s(struct kipsec_line *l, const char *word,
			 const char *str)
{
	kipsec_tok(l, word);
	kipsec_put(l, " ");
	kipsec_put(l, str);
}

/* "WORD NAME", or "WORD N" for a value without a name */
static void kipsec_tok_name(struct kipsec_line *l, const char *word,
			    const char *name, uint32_t v)
{
	if (name)
		kipsec_tok_s(l, word, name);
	else
		kipsec_tok_u(l, word, v);
}

/* "WORD 0x%08x" */
static void kipsec_tok_spi(struct kipsec_line *l, const char *word, uint32_t v)
{
	kipsec_tok(l, word);
	kipsec_put(l, " ");
	kipsec_put_hex(l, v, 8);
}

/* the line ends (if it has a token); the next one starts with @lead */
static void kipsec_line_end(struct kipsec_line *l, const char *lead)
{
	if (l->started)
		kipsec_put(l, "\n");
	l->started = false;
	l->lead = lead;
}

static const char *kipsec_show_addr(const struct nlattr *attr, char *buf)
{
	struct kipsec_addr addr;

	if (kipsec_attr_get_addr(attr, &addr))
		return "?";
	return kipsec_addr_ntop(&addr, buf, KIPSEC_ADDR_STRLEN);
}

static uint32_t kipsec_u32(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u32(attr) : 0;
}

static uint64_t kipsec_u64(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u64(attr) : 0;
}

static void kipsec_show_proto(struct kipsec_line *l, uint32_t proto)
{
	kipsec_tok_name(l, "proto", kipsec_ipproto_name(proto), proto);
}

static void kipsec_json_name(struct kipsec_json *j, const char *key,
			     const char *name, uint32_t v)
{
	if (name)
		kipsec_json_str(j, key, name);
	else
		kipsec_json_u64(j, key, v);
}

/* SA */

struct kipsec_sa_tb {
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	const struct nlattr *aead[KIPSEC_A_ALG_MAX + 1];
	const struct nlattr *enc[KIPSEC_A_ALG_MAX + 1];
	const struct nlattr *auth[KIPSEC_A_ALG_MAX + 1];
	const struct nlattr *stats[KIPSEC_A_SA_STATS_MAX + 1];
	const struct nlattr *soft[KIPSEC_A_LIFE_MAX + 1];
	const struct nlattr *hard[KIPSEC_A_LIFE_MAX + 1];
	const struct nlattr *encap[KIPSEC_A_ENCAP_MAX + 1];
};

static int kipsec_sa_parse(const struct nlattr *nest, struct kipsec_sa_tb *t)
{
	if (kipsec_attr_parse_nest(nest, KIPSEC_SET_SA, t->sa))
		return -EINVAL;
	memset(t->aead, 0, sizeof(t->aead));
	memset(t->enc, 0, sizeof(t->enc));
	memset(t->auth, 0, sizeof(t->auth));
	memset(t->stats, 0, sizeof(t->stats));
	memset(t->soft, 0, sizeof(t->soft));
	memset(t->hard, 0, sizeof(t->hard));
	memset(t->encap, 0, sizeof(t->encap));
	if (t->sa[KIPSEC_A_SA_AEAD] &&
	    kipsec_attr_parse_nest(t->sa[KIPSEC_A_SA_AEAD], KIPSEC_SET_ALG,
				   t->aead))
		return -EINVAL;
	if (t->sa[KIPSEC_A_SA_ENC] &&
	    kipsec_attr_parse_nest(t->sa[KIPSEC_A_SA_ENC], KIPSEC_SET_ALG,
				   t->enc))
		return -EINVAL;
	if (t->sa[KIPSEC_A_SA_AUTH] &&
	    kipsec_attr_parse_nest(t->sa[KIPSEC_A_SA_AUTH], KIPSEC_SET_ALG,
				   t->auth))
		return -EINVAL;
	if (t->sa[KIPSEC_A_SA_STATS] &&
	    kipsec_attr_parse_nest(t->sa[KIPSEC_A_SA_STATS],
				   KIPSEC_SET_SA_STATS, t->stats))
		return -EINVAL;
	if (t->sa[KIPSEC_A_SA_LIFETIME_SOFT] &&
	    kipsec_attr_parse_nest(t->sa[KIPSEC_A_SA_LIFETIME_SOFT],
				   KIPSEC_SET_LIFETIME, t->soft))
		return -EINVAL;
	if (t->sa[KIPSEC_A_SA_LIFETIME_HARD] &&
	    kipsec_attr_parse_nest(t->sa[KIPSEC_A_SA_LIFETIME_HARD],
				   KIPSEC_SET_LIFETIME, t->hard))
		return -EINVAL;
	if (t->sa[KIPSEC_A_SA_ENCAP] &&
	    kipsec_attr_parse_nest(t->sa[KIPSEC_A_SA_ENCAP], KIPSEC_SET_ENCAP,
				   t->encap))
		return -EINVAL;
	return 0;
}

static const char *kipsec_encap_name(uint32_t type)
{
	return type == KIPSEC_ENCAP_ESPINUDP ? "espinudp" : NULL;
}

/* "encap type espinudp sport 4500 dport 4500", as ip-xfrm without addr */
static void kipsec_show_encap(struct kipsec_line *l, const struct nlattr **e)
{
	uint32_t type = kipsec_u32(e[KIPSEC_A_ENCAP_TYPE]);

	kipsec_tok(l, "encap");
	kipsec_tok_name(l, "type", kipsec_encap_name(type), type);
	if (e[KIPSEC_A_ENCAP_SPORT])
		kipsec_tok_u(l, "sport", kipsec_attr_get_be16(e[KIPSEC_A_ENCAP_SPORT]));
	if (e[KIPSEC_A_ENCAP_DPORT])
		kipsec_tok_u(l, "dport", kipsec_attr_get_be16(e[KIPSEC_A_ENCAP_DPORT]));
}

static void kipsec_json_encap(struct kipsec_json *j, const struct nlattr **e)
{
	uint32_t type = kipsec_u32(e[KIPSEC_A_ENCAP_TYPE]);

	kipsec_json_obj_begin(j, "encap");
	kipsec_json_name(j, "type", kipsec_encap_name(type), type);
	if (e[KIPSEC_A_ENCAP_SPORT])
		kipsec_json_u64(j, "sport", kipsec_attr_get_be16(e[KIPSEC_A_ENCAP_SPORT]));
	if (e[KIPSEC_A_ENCAP_DPORT])
		kipsec_json_u64(j, "dport", kipsec_attr_get_be16(e[KIPSEC_A_ENCAP_DPORT]));
	kipsec_json_obj_end(j);
}

static bool kipsec_alg_is(const struct nlattr *const *alg, const char *name)
{
	return alg[KIPSEC_A_ALG_NAME] &&
	       !strcmp(mnl_attr_get_str(alg[KIPSEC_A_ALG_NAME]), name);
}

/* ESP with neither encryption nor integrity (flag insecure) */
static bool kipsec_sa_insecure(const struct kipsec_sa_tb *t)
{
	return !t->sa[KIPSEC_A_SA_AEAD] &&
	       t->sa[KIPSEC_A_SA_ENC] && kipsec_alg_is(t->enc, "ecb(cipher_null)") &&
	       t->sa[KIPSEC_A_SA_AUTH] && kipsec_alg_is(t->auth, "digest_null");
}

/* lifetime nests: attribute, word for humans, JSON key */
static const struct {
	uint16_t attr;
	const char *word, *key;
} kipsec_life_fields[] = {
	{ KIPSEC_A_LIFE_BYTES, "bytes", "bytes" },
	{ KIPSEC_A_LIFE_PACKETS, "packets", "packets" },
	{ KIPSEC_A_LIFE_ADD_SECS, "add-secs", "add_secs" },
	{ KIPSEC_A_LIFE_USE_SECS, "use-secs", "use_secs" },
};

/* SA times: attribute, word for humans, JSON key */
static const struct {
	uint16_t attr;
	const char *word, *key;
} kipsec_time_fields[] = {
	{ KIPSEC_A_SA_ADD_TIME, "add-time", "add_time" },
	{ KIPSEC_A_SA_USE_TIME, "use-time", "use_time" },
	{ KIPSEC_A_SA_LAST_USE_TIME, "last-use-time", "last_use_time" },
};

/* policy times, as the SA's */
static const struct {
	uint16_t attr;
	const char *word, *key;
} kipsec_policy_time_fields[] = {
	{ KIPSEC_A_POLICY_ADD_TIME, "add-time", "add_time" },
	{ KIPSEC_A_POLICY_USE_TIME, "use-time", "use_time" },
};

/* "lifetime soft bytes N packets N add-secs N use-secs N" */
static void kipsec_show_life(struct kipsec_line *l, const char *what,
			     const struct nlattr **life)
{
	kipsec_tok_s(l, "lifetime", what);
	for (size_t i = 0; i < sizeof(kipsec_life_fields) / sizeof(kipsec_life_fields[0]); i++)
		if (life[kipsec_life_fields[i].attr])
			kipsec_tok_u(l, kipsec_life_fields[i].word,
				     mnl_attr_get_u64(life[kipsec_life_fields[i].attr]));
}

static void kipsec_json_life(struct kipsec_json *j, const char *key,
			     const struct nlattr **life)
{
	kipsec_json_obj_begin(j, key);
	for (size_t i = 0; i < sizeof(kipsec_life_fields) / sizeof(kipsec_life_fields[0]); i++)
		if (life[kipsec_life_fields[i].attr])
			kipsec_json_u64(j, kipsec_life_fields[i].key,
					mnl_attr_get_u64(life[kipsec_life_fields[i].attr]));
	kipsec_json_obj_end(j);
}

/* "flag esn noecn 0x40": names, then the bits without one in hex */
static void kipsec_show_flags(struct kipsec_line *l, uint32_t flags)
{
	uint32_t unknown = 0;

	if (!flags)
		return;
	kipsec_tok(l, "flag");
	for (unsigned int bit = 0; bit < 32; bit++) {
		const char *name = kipsec_sa_flag_name(bit);

		if (!(flags & (1u << bit)))
			continue;
		if (name)
			kipsec_tok(l, name);
		else
			unknown |= 1u << bit;
	}
	if (unknown) {
		kipsec_tok(l, "");
		kipsec_put_hex(l, unknown, 1);
	}
}

/* "aead NAME (hidden) KEYBITS ICVBITS", "enc NAME (hidden) KEYBITS" */
static void kipsec_show_alg(struct kipsec_line *l, const char *what,
			    const struct nlattr **alg, bool icv)
{
	const char *name = alg[KIPSEC_A_ALG_NAME] ?
			   mnl_attr_get_str(alg[KIPSEC_A_ALG_NAME]) : "?";

	kipsec_tok_s(l, what, name);
	kipsec_tok_u(l, "(hidden)", kipsec_u32(alg[KIPSEC_A_ALG_KEY_LEN]));
	if (icv) {
		kipsec_tok(l, "");
		kipsec_put_u64(l, kipsec_u32(alg[KIPSEC_A_ALG_ICV_LEN]));
	}
}

int kipsec_show_sa(FILE *f, const char *first, const char *indent,
		   const struct nlattr *nest)
{
	struct kipsec_line l = { .f = f, .lead = first };
	char buf[KIPSEC_ADDR_STRLEN];
	struct kipsec_sa_tb t;
	const struct nlattr **sa = t.sa, **st = t.stats;

	if (kipsec_sa_parse(nest, &t))
		return -EINVAL;

	if (sa[KIPSEC_A_SA_SRC])
		kipsec_tok_s(&l, "src", kipsec_show_addr(sa[KIPSEC_A_SA_SRC], buf));
	if (sa[KIPSEC_A_SA_DST])
		kipsec_tok_s(&l, "dst", kipsec_show_addr(sa[KIPSEC_A_SA_DST], buf));
	if (!l.started)
		kipsec_tok(&l, "sa");
	kipsec_line_end(&l, indent);

	if (sa[KIPSEC_A_SA_PROTO])
		kipsec_show_proto(&l, mnl_attr_get_u32(sa[KIPSEC_A_SA_PROTO]));
	if (sa[KIPSEC_A_SA_SPI])
		kipsec_tok_spi(&l, "spi", kipsec_attr_get_be32(sa[KIPSEC_A_SA_SPI]));
	if (sa[KIPSEC_A_SA_REQID])
		kipsec_tok_u(&l, "reqid", mnl_attr_get_u32(sa[KIPSEC_A_SA_REQID]));
	if (sa[KIPSEC_A_SA_MODE]) {
		uint32_t mode = mnl_attr_get_u32(sa[KIPSEC_A_SA_MODE]);

		kipsec_tok_name(&l, "mode", kipsec_mode_name(mode), mode);
	}
	kipsec_line_end(&l, indent);

	if (sa[KIPSEC_A_SA_REPLAY_WINDOW])
		kipsec_tok_u(&l, "replay-window",
			     mnl_attr_get_u32(sa[KIPSEC_A_SA_REPLAY_WINDOW]));
	if (sa[KIPSEC_A_SA_FLAGS])
		kipsec_show_flags(&l, mnl_attr_get_u32(sa[KIPSEC_A_SA_FLAGS]));
	if (sa[KIPSEC_A_SA_TUNNEL_DF]) {
		uint32_t df = mnl_attr_get_u32(sa[KIPSEC_A_SA_TUNNEL_DF]);

		kipsec_tok_name(&l, "df", kipsec_df_name(df), df);
	}
	if (sa[KIPSEC_A_SA_STATE]) {
		uint32_t state = mnl_attr_get_u32(sa[KIPSEC_A_SA_STATE]);

		kipsec_tok_name(&l, "state", kipsec_state_name(state), state);
	}
	kipsec_line_end(&l, indent);

	if (sa[KIPSEC_A_SA_AEAD]) {
		kipsec_show_alg(&l, "aead", t.aead, true);
		kipsec_line_end(&l, indent);
	}
	if (sa[KIPSEC_A_SA_ENC]) {
		kipsec_show_alg(&l, "enc", t.enc, false);
		kipsec_line_end(&l, indent);
	}
	if (sa[KIPSEC_A_SA_AUTH]) {
		kipsec_show_alg(&l, "auth-trunc", t.auth, true);
		kipsec_line_end(&l, indent);
	}
	if (kipsec_sa_insecure(&t)) {
		kipsec_tok(&l, "INSECURE");
		kipsec_line_end(&l, indent);
	}
	if (sa[KIPSEC_A_SA_ENCAP]) {
		kipsec_show_encap(&l, t.encap);
		kipsec_line_end(&l, indent);
	}

	if (sa[KIPSEC_A_SA_SEQ_OUT])
		kipsec_tok_u(&l, "seq-out", mnl_attr_get_u64(sa[KIPSEC_A_SA_SEQ_OUT]));
	if (sa[KIPSEC_A_SA_SEQ_IN])
		kipsec_tok_u(&l, "seq-in", mnl_attr_get_u64(sa[KIPSEC_A_SA_SEQ_IN]));
	kipsec_line_end(&l, indent);

	if (sa[KIPSEC_A_SA_LIFETIME_SOFT]) {
		kipsec_show_life(&l, "soft", t.soft);
		kipsec_line_end(&l, indent);
	}
	if (sa[KIPSEC_A_SA_LIFETIME_HARD]) {
		kipsec_show_life(&l, "hard", t.hard);
		kipsec_line_end(&l, indent);
	}
	for (size_t i = 0; i < sizeof(kipsec_time_fields) / sizeof(kipsec_time_fields[0]); i++)
		if (sa[kipsec_time_fields[i].attr])
			kipsec_tok_u(&l, kipsec_time_fields[i].word,
				     mnl_attr_get_u64(sa[kipsec_time_fields[i].attr]));
	kipsec_line_end(&l, indent);

	if (sa[KIPSEC_A_SA_STATS]) {
		kipsec_tok(&l, "stats:");
		kipsec_tok_u(&l, "rx", kipsec_u64(st[KIPSEC_A_SA_STATS_RX_PACKETS]));
		kipsec_tok_u(&l, "packets", kipsec_u64(st[KIPSEC_A_SA_STATS_RX_BYTES]));
		kipsec_tok(&l, "bytes,");
		kipsec_tok_u(&l, "tx", kipsec_u64(st[KIPSEC_A_SA_STATS_TX_PACKETS]));
		kipsec_tok_u(&l, "packets", kipsec_u64(st[KIPSEC_A_SA_STATS_TX_BYTES]));
		kipsec_tok(&l, "bytes,");
		kipsec_tok_u(&l, "auth-fail", kipsec_u64(st[KIPSEC_A_SA_STATS_AUTH_FAIL]));
		kipsec_put(&l, ",");
		kipsec_tok_u(&l, "replay", kipsec_u64(st[KIPSEC_A_SA_STATS_REPLAY]));
		kipsec_put(&l, ",");
		kipsec_tok_u(&l, "policy-fail", kipsec_u64(st[KIPSEC_A_SA_STATS_POLICY_FAIL]));
		kipsec_put(&l, ",");
		kipsec_tok_u(&l, "errors", kipsec_u64(st[KIPSEC_A_SA_STATS_ERRORS]));
		kipsec_line_end(&l, indent);
	}
	kipsec_line_flush(&l);
	return 0;
}

static void kipsec_json_alg(struct kipsec_json *j, const char *key,
			    const struct nlattr **alg)
{
	kipsec_json_obj_begin(j, key);
	if (alg[KIPSEC_A_ALG_NAME])
		kipsec_json_str(j, "name", mnl_attr_get_str(alg[KIPSEC_A_ALG_NAME]));
	if (alg[KIPSEC_A_ALG_KEY_LEN])
		kipsec_json_u64(j, "key_len", mnl_attr_get_u32(alg[KIPSEC_A_ALG_KEY_LEN]));
	if (alg[KIPSEC_A_ALG_ICV_LEN])
		kipsec_json_u64(j, "icv_len", mnl_attr_get_u32(alg[KIPSEC_A_ALG_ICV_LEN]));
	kipsec_json_str(j, "key", "(hidden)");
	kipsec_json_obj_end(j);
}

int kipsec_show_sa_json(struct kipsec_json *j, const char *key,
			const struct nlattr *nest)
{
	char buf[KIPSEC_ADDR_STRLEN];
	struct kipsec_sa_tb t;
	const struct nlattr **sa = t.sa, **st = t.stats;

	if (kipsec_sa_parse(nest, &t))
		return -EINVAL;

	kipsec_json_obj_begin(j, key);
	if (sa[KIPSEC_A_SA_SRC])
		kipsec_json_str(j, "src", kipsec_show_addr(sa[KIPSEC_A_SA_SRC], buf));
	if (sa[KIPSEC_A_SA_DST])
		kipsec_json_str(j, "dst", kipsec_show_addr(sa[KIPSEC_A_SA_DST], buf));
	if (sa[KIPSEC_A_SA_PROTO]) {
		uint32_t proto = mnl_attr_get_u32(sa[KIPSEC_A_SA_PROTO]);

		kipsec_json_name(j, "proto", kipsec_ipproto_name(proto), proto);
	}
	if (sa[KIPSEC_A_SA_SPI])
		kipsec_json_u64(j, "spi", kipsec_attr_get_be32(sa[KIPSEC_A_SA_SPI]));
	if (sa[KIPSEC_A_SA_MODE]) {
		uint32_t mode = mnl_attr_get_u32(sa[KIPSEC_A_SA_MODE]);

		kipsec_json_name(j, "mode", kipsec_mode_name(mode), mode);
	}
	if (sa[KIPSEC_A_SA_REQID])
		kipsec_json_u64(j, "reqid", mnl_attr_get_u32(sa[KIPSEC_A_SA_REQID]));
	if (sa[KIPSEC_A_SA_REPLAY_WINDOW])
		kipsec_json_u64(j, "replay_window",
				mnl_attr_get_u32(sa[KIPSEC_A_SA_REPLAY_WINDOW]));
	if (sa[KIPSEC_A_SA_FLAGS]) {
		uint32_t flags = mnl_attr_get_u32(sa[KIPSEC_A_SA_FLAGS]);

		/* names, and the bits without one as numbers */
		kipsec_json_arr_begin(j, "flags");
		for (unsigned int bit = 0; bit < 32; bit++) {
			const char *name = kipsec_sa_flag_name(bit);

			if (!(flags & (1u << bit)))
				continue;
			if (name)
				kipsec_json_str(j, NULL, name);
			else
				kipsec_json_u64(j, NULL, 1u << bit);
		}
		kipsec_json_arr_end(j);
	}
	if (sa[KIPSEC_A_SA_TUNNEL_DF]) {
		uint32_t df = mnl_attr_get_u32(sa[KIPSEC_A_SA_TUNNEL_DF]);

		kipsec_json_name(j, "tunnel_df", kipsec_df_name(df), df);
	}
	if (sa[KIPSEC_A_SA_STATE]) {
		uint32_t state = mnl_attr_get_u32(sa[KIPSEC_A_SA_STATE]);

		kipsec_json_name(j, "state", kipsec_state_name(state), state);
	}
	if (sa[KIPSEC_A_SA_AEAD])
		kipsec_json_alg(j, "aead", t.aead);
	if (sa[KIPSEC_A_SA_ENC])
		kipsec_json_alg(j, "enc", t.enc);
	if (sa[KIPSEC_A_SA_AUTH])
		kipsec_json_alg(j, "auth", t.auth);
	kipsec_json_bool(j, "insecure", kipsec_sa_insecure(&t));
	if (sa[KIPSEC_A_SA_ENCAP])
		kipsec_json_encap(j, t.encap);
	if (sa[KIPSEC_A_SA_SEQ_OUT])
		kipsec_json_u64(j, "seq_out", mnl_attr_get_u64(sa[KIPSEC_A_SA_SEQ_OUT]));
	if (sa[KIPSEC_A_SA_SEQ_IN])
		kipsec_json_u64(j, "seq_in", mnl_attr_get_u64(sa[KIPSEC_A_SA_SEQ_IN]));
	if (sa[KIPSEC_A_SA_LIFETIME_SOFT])
		kipsec_json_life(j, "lifetime_soft", t.soft);
	if (sa[KIPSEC_A_SA_LIFETIME_HARD])
		kipsec_json_life(j, "lifetime_hard", t.hard);
	for (size_t i = 0; i < sizeof(kipsec_time_fields) / sizeof(kipsec_time_fields[0]); i++)
		if (sa[kipsec_time_fields[i].attr])
			kipsec_json_u64(j, kipsec_time_fields[i].key,
					mnl_attr_get_u64(sa[kipsec_time_fields[i].attr]));
	if (sa[KIPSEC_A_SA_STATS]) {
		kipsec_json_obj_begin(j, "stats");
		kipsec_json_u64(j, "rx_packets", kipsec_u64(st[KIPSEC_A_SA_STATS_RX_PACKETS]));
		kipsec_json_u64(j, "rx_bytes", kipsec_u64(st[KIPSEC_A_SA_STATS_RX_BYTES]));
		kipsec_json_u64(j, "tx_packets", kipsec_u64(st[KIPSEC_A_SA_STATS_TX_PACKETS]));
		kipsec_json_u64(j, "tx_bytes", kipsec_u64(st[KIPSEC_A_SA_STATS_TX_BYTES]));
		kipsec_json_u64(j, "auth_fail", kipsec_u64(st[KIPSEC_A_SA_STATS_AUTH_FAIL]));
		kipsec_json_u64(j, "replay", kipsec_u64(st[KIPSEC_A_SA_STATS_REPLAY]));
		kipsec_json_u64(j, "policy_fail", kipsec_u64(st[KIPSEC_A_SA_STATS_POLICY_FAIL]));
		kipsec_json_u64(j, "errors", kipsec_u64(st[KIPSEC_A_SA_STATS_ERRORS]));
		kipsec_json_obj_end(j);
	}
	kipsec_json_obj_end(j);
	return 0;
}

/* policy */

struct kipsec_policy_tb {
	const struct nlattr *pol[KIPSEC_A_POLICY_MAX + 1];
	const struct nlattr *sel[KIPSEC_A_SEL_MAX + 1];
	const struct nlattr *tmpl[KIPSEC_A_TMPL_MAX + 1];
};

static int kipsec_policy_parse(const struct nlattr *nest,
			       struct kipsec_policy_tb *t)
{
	if (kipsec_attr_parse_nest(nest, KIPSEC_SET_POLICY, t->pol))
		return -EINVAL;
	memset(t->sel, 0, sizeof(t->sel));
	memset(t->tmpl, 0, sizeof(t->tmpl));
	if (t->pol[KIPSEC_A_POLICY_SEL] &&
	    kipsec_attr_parse_nest(t->pol[KIPSEC_A_POLICY_SEL], KIPSEC_SET_SEL,
				   t->sel))
		return -EINVAL;
	if (t->pol[KIPSEC_A_POLICY_TMPL] &&
	    kipsec_attr_parse_nest(t->pol[KIPSEC_A_POLICY_TMPL],
				   KIPSEC_SET_TMPL, t->tmpl))
		return -EINVAL;
	return 0;
}

/* "src 10.0.0.0/24": without a prefix length, a host prefix */
static void kipsec_show_prefix(struct kipsec_line *l, const char *what,
			       const struct nlattr *addr,
			       const struct nlattr *plen)
{
	char buf[KIPSEC_ADDR_STRLEN];
	struct kipsec_addr a;
	uint32_t len;

	if (kipsec_attr_get_addr(addr, &a)) {
		kipsec_tok_s(l, what, "?");
		return;
	}
	len = plen ? mnl_attr_get_u32(plen) : a.family == AF_INET ? 32 : 128;
	kipsec_tok_s(l, what, kipsec_addr_ntop(&a, buf, sizeof(buf)));
	kipsec_put(l, "/");
	kipsec_put_u64(l, len);
}

static void kipsec_show_ports(struct kipsec_line *l, const char *what,
			      const struct nlattr *min, const struct nlattr *max)
{
	uint16_t lo, hi;

	if (!min && !max)
		return;
	lo = min ? kipsec_attr_get_be16(min) : 0;
	hi = max ? kipsec_attr_get_be16(max) : lo;
	kipsec_tok_u(l, what, lo);
	if (lo != hi) {
		kipsec_put(l, "-");
		kipsec_put_u64(l, hi);
	}
}

int kipsec_show_policy(FILE *f, const char *first, const char *indent,
		       const struct nlattr *nest)
{
	struct kipsec_line l = { .f = f, .lead = first };
	char buf[KIPSEC_ADDR_STRLEN];
	struct kipsec_policy_tb t;
	const struct nlattr **pol = t.pol, **sel = t.sel, **tmpl = t.tmpl;

	if (kipsec_policy_parse(nest, &t))
		return -EINVAL;

	if (sel[KIPSEC_A_SEL_SRC])
		kipsec_show_prefix(&l, "src", sel[KIPSEC_A_SEL_SRC],
				   sel[KIPSEC_A_SEL_SRC_PREFIXLEN]);
	if (sel[KIPSEC_A_SEL_DST])
		kipsec_show_prefix(&l, "dst", sel[KIPSEC_A_SEL_DST],
				   sel[KIPSEC_A_SEL_DST_PREFIXLEN]);
	if (sel[KIPSEC_A_SEL_PROTO] && mnl_attr_get_u32(sel[KIPSEC_A_SEL_PROTO]))
		kipsec_show_proto(&l, mnl_attr_get_u32(sel[KIPSEC_A_SEL_PROTO]));
	kipsec_show_ports(&l, "sport", sel[KIPSEC_A_SEL_SPORT_MIN],
			  sel[KIPSEC_A_SEL_SPORT_MAX]);
	kipsec_show_ports(&l, "dport", sel[KIPSEC_A_SEL_DPORT_MIN],
			  sel[KIPSEC_A_SEL_DPORT_MAX]);
	if (sel[KIPSEC_A_SEL_ICMP_TYPE])
		kipsec_tok_u(&l, "type", mnl_attr_get_u32(sel[KIPSEC_A_SEL_ICMP_TYPE]));
	if (sel[KIPSEC_A_SEL_ICMP_CODE])
		kipsec_tok_u(&l, "code", mnl_attr_get_u32(sel[KIPSEC_A_SEL_ICMP_CODE]));
	if (!l.started)
		kipsec_tok(&l, "policy");
	kipsec_line_end(&l, indent);

	if (pol[KIPSEC_A_POLICY_DIR]) {
		uint32_t dir = mnl_attr_get_u32(pol[KIPSEC_A_POLICY_DIR]);

		kipsec_tok_name(&l, "dir", kipsec_dir_name(dir), dir);
	}
	if (pol[KIPSEC_A_POLICY_PRIORITY])
		kipsec_tok_u(&l, "priority",
			     mnl_attr_get_u32(pol[KIPSEC_A_POLICY_PRIORITY]));
	if (pol[KIPSEC_A_POLICY_ACTION]) {
		uint32_t action = mnl_attr_get_u32(pol[KIPSEC_A_POLICY_ACTION]);

		kipsec_tok_name(&l, "action", kipsec_action_name(action), action);
	}
	if (pol[KIPSEC_A_POLICY_INDEX])
		kipsec_tok_u(&l, "index", mnl_attr_get_u32(pol[KIPSEC_A_POLICY_INDEX]));
	kipsec_line_end(&l, indent);

	if (pol[KIPSEC_A_POLICY_TMPL]) {
		kipsec_tok(&l, "tmpl");
		if (tmpl[KIPSEC_A_TMPL_SRC])
			kipsec_tok_s(&l, "src",
				     kipsec_show_addr(tmpl[KIPSEC_A_TMPL_SRC], buf));
		if (tmpl[KIPSEC_A_TMPL_DST])
			kipsec_tok_s(&l, "dst",
				     kipsec_show_addr(tmpl[KIPSEC_A_TMPL_DST], buf));
		if (tmpl[KIPSEC_A_TMPL_PROTO])
			kipsec_show_proto(&l, mnl_attr_get_u32(tmpl[KIPSEC_A_TMPL_PROTO]));
		if (tmpl[KIPSEC_A_TMPL_MODE]) {
			uint32_t mode = mnl_attr_get_u32(tmpl[KIPSEC_A_TMPL_MODE]);

			kipsec_tok_name(&l, "mode", kipsec_mode_name(mode), mode);
		}
		if (tmpl[KIPSEC_A_TMPL_REQID])
			kipsec_tok_u(&l, "reqid",
				     mnl_attr_get_u32(tmpl[KIPSEC_A_TMPL_REQID]));
		if (tmpl[KIPSEC_A_TMPL_SPI])
			kipsec_tok_spi(&l, "spi",
				       kipsec_attr_get_be32(tmpl[KIPSEC_A_TMPL_SPI]));
		kipsec_line_end(&l, indent);
	}

	for (size_t i = 0; i < sizeof(kipsec_policy_time_fields) / sizeof(kipsec_policy_time_fields[0]); i++)
		if (pol[kipsec_policy_time_fields[i].attr])
			kipsec_tok_u(&l, kipsec_policy_time_fields[i].word,
				     mnl_attr_get_u64(pol[kipsec_policy_time_fields[i].attr]));
	kipsec_line_end(&l, indent);

	if (pol[KIPSEC_A_POLICY_PACKETS] || pol[KIPSEC_A_POLICY_BYTES]) {
		kipsec_tok(&l, "stats:");
		kipsec_tok(&l, "");
		kipsec_put_u64(&l, kipsec_u64(pol[KIPSEC_A_POLICY_PACKETS]));
		kipsec_tok_u(&l, "packets", kipsec_u64(pol[KIPSEC_A_POLICY_BYTES]));
		kipsec_tok(&l, "bytes");
		kipsec_line_end(&l, indent);
	}
	kipsec_line_flush(&l);
	return 0;
}

int kipsec_show_policy_json(struct kipsec_json *j, const char *key,
			    const struct nlattr *nest)
{
	char buf[KIPSEC_ADDR_STRLEN];
	struct kipsec_policy_tb t;
	const struct nlattr **pol = t.pol, **sel = t.sel, **tmpl = t.tmpl;

	if (kipsec_policy_parse(nest, &t))
		return -EINVAL;

	kipsec_json_obj_begin(j, key);
	if (pol[KIPSEC_A_POLICY_INDEX])
		kipsec_json_u64(j, "index", mnl_attr_get_u32(pol[KIPSEC_A_POLICY_INDEX]));
	if (pol[KIPSEC_A_POLICY_DIR]) {
		uint32_t dir = mnl_attr_get_u32(pol[KIPSEC_A_POLICY_DIR]);

		kipsec_json_name(j, "dir", kipsec_dir_name(dir), dir);
	}
	if (pol[KIPSEC_A_POLICY_PRIORITY])
		kipsec_json_u64(j, "priority",
				mnl_attr_get_u32(pol[KIPSEC_A_POLICY_PRIORITY]));
	if (pol[KIPSEC_A_POLICY_ACTION]) {
		uint32_t action = mnl_attr_get_u32(pol[KIPSEC_A_POLICY_ACTION]);

		kipsec_json_name(j, "action", kipsec_action_name(action), action);
	}
	if (pol[KIPSEC_A_POLICY_SEL]) {
		static const struct {
			const char *key;
			unsigned int attr;
		} ports[] = {
			{ "sport_min", KIPSEC_A_SEL_SPORT_MIN },
			{ "sport_max", KIPSEC_A_SEL_SPORT_MAX },
			{ "dport_min", KIPSEC_A_SEL_DPORT_MIN },
			{ "dport_max", KIPSEC_A_SEL_DPORT_MAX },
		};

		kipsec_json_obj_begin(j, "sel");
		if (sel[KIPSEC_A_SEL_SRC])
			kipsec_json_str(j, "src", kipsec_show_addr(sel[KIPSEC_A_SEL_SRC], buf));
		if (sel[KIPSEC_A_SEL_SRC_PREFIXLEN])
			kipsec_json_u64(j, "src_prefixlen",
					mnl_attr_get_u32(sel[KIPSEC_A_SEL_SRC_PREFIXLEN]));
		if (sel[KIPSEC_A_SEL_DST])
			kipsec_json_str(j, "dst", kipsec_show_addr(sel[KIPSEC_A_SEL_DST], buf));
		if (sel[KIPSEC_A_SEL_DST_PREFIXLEN])
			kipsec_json_u64(j, "dst_prefixlen",
					mnl_attr_get_u32(sel[KIPSEC_A_SEL_DST_PREFIXLEN]));
		if (sel[KIPSEC_A_SEL_PROTO]) {
			uint32_t proto = mnl_attr_get_u32(sel[KIPSEC_A_SEL_PROTO]);

			kipsec_json_name(j, "proto", kipsec_ipproto_name(proto), proto);
		}
		for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
			if (sel[ports[i].attr])
				kipsec_json_u64(j, ports[i].key,
						kipsec_attr_get_be16(sel[ports[i].attr]));
		if (sel[KIPSEC_A_SEL_ICMP_TYPE])
			kipsec_json_u64(j, "icmp_type",
					mnl_attr_get_u32(sel[KIPSEC_A_SEL_ICMP_TYPE]));
		if (sel[KIPSEC_A_SEL_ICMP_CODE])
			kipsec_json_u64(j, "icmp_code",
					mnl_attr_get_u32(sel[KIPSEC_A_SEL_ICMP_CODE]));
		kipsec_json_obj_end(j);
	}
	if (pol[KIPSEC_A_POLICY_TMPL]) {
		kipsec_json_obj_begin(j, "tmpl");
		if (tmpl[KIPSEC_A_TMPL_SRC])
			kipsec_json_str(j, "src", kipsec_show_addr(tmpl[KIPSEC_A_TMPL_SRC], buf));
		if (tmpl[KIPSEC_A_TMPL_DST])
			kipsec_json_str(j, "dst", kipsec_show_addr(tmpl[KIPSEC_A_TMPL_DST], buf));
		if (tmpl[KIPSEC_A_TMPL_PROTO]) {
			uint32_t proto = mnl_attr_get_u32(tmpl[KIPSEC_A_TMPL_PROTO]);

			kipsec_json_name(j, "proto", kipsec_ipproto_name(proto), proto);
		}
		if (tmpl[KIPSEC_A_TMPL_MODE]) {
			uint32_t mode = mnl_attr_get_u32(tmpl[KIPSEC_A_TMPL_MODE]);

			kipsec_json_name(j, "mode", kipsec_mode_name(mode), mode);
		}
		if (tmpl[KIPSEC_A_TMPL_REQID])
			kipsec_json_u64(j, "reqid", mnl_attr_get_u32(tmpl[KIPSEC_A_TMPL_REQID]));
		if (tmpl[KIPSEC_A_TMPL_SPI])
			kipsec_json_u64(j, "spi", kipsec_attr_get_be32(tmpl[KIPSEC_A_TMPL_SPI]));
		kipsec_json_obj_end(j);
	}
	if (pol[KIPSEC_A_POLICY_PACKETS])
		kipsec_json_u64(j, "packets", mnl_attr_get_u64(pol[KIPSEC_A_POLICY_PACKETS]));
	if (pol[KIPSEC_A_POLICY_BYTES])
		kipsec_json_u64(j, "bytes", mnl_attr_get_u64(pol[KIPSEC_A_POLICY_BYTES]));
	for (size_t i = 0; i < sizeof(kipsec_policy_time_fields) / sizeof(kipsec_policy_time_fields[0]); i++)
		if (pol[kipsec_policy_time_fields[i].attr])
			kipsec_json_u64(j, kipsec_policy_time_fields[i].key,
					mnl_attr_get_u64(pol[kipsec_policy_time_fields[i].attr]));
	kipsec_json_obj_end(j);
	return 0;
}

/*
 * Print the SAs (@type KIPSEC_A_SA), policies (KIPSEC_A_POLICY) or sockets
 * (KIPSEC_A_SOCK) of collected messages: blocks for humans, a JSON array
 * with -j.
 */
int kipsec_show_list(struct kipsec_cli *c, const struct kipsec_msgs *msgs,
		     uint16_t type)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct kipsec_json j;
	int ret = KIPSEC_EXIT_OK;

	kipsec_json_init(&j, stdout);
	if (c->json)
		kipsec_json_arr_begin(&j, NULL);
	for (size_t i = 0; i < msgs->n; i++) {
		int err;

		if (kipsec_attr_parse_msg(msgs->v[i], tb)) {
			err = -EINVAL;
		} else if (!tb[type]) {
			continue;
		} else if (type == KIPSEC_A_SA) {
			err = c->json ? kipsec_show_sa_json(&j, NULL, tb[type]) :
					kipsec_show_sa(stdout, "", "\t", tb[type]);
		} else if (type == KIPSEC_A_POLICY) {
			err = c->json ? kipsec_show_policy_json(&j, NULL, tb[type]) :
					kipsec_show_policy(stdout, "", "\t", tb[type]);
		} else {
			err = c->json ? kipsec_show_sock_json(&j, NULL, tb[type]) :
					kipsec_show_sock(stdout, "", tb[type]);
		}
		if (err) {
			kipsec_cli_where(c, stderr);
			fprintf(stderr, "Error: malformed %s in the kernel's reply, skipped\n",
				type == KIPSEC_A_SA ? "SA" :
				type == KIPSEC_A_POLICY ? "policy" : "socket");
			ret = KIPSEC_EXIT_ERROR;
		}
	}
	if (c->json)
		kipsec_json_arr_end(&j);
	return ret;
}
