// SPDX-License-Identifier: GPL-2.0
/*
 * espfuzz: mutated ESP, AH and ESP-in-UDP packets sent at live kipsec SAs
 * from the peer's side of a veth, through a packet socket (so that nothing
 * of the outer IP header is fixed up by the sender's stack).
 *
 * The SAs (all IPv4 transport mode, 10.0.0.2 -> 10.0.0.1, one key pair):
 *   kind 0  ESP cbc(aes)-128 + hmac(sha256)-128, SPI --spi0, UDP port 5001
 *   kind 1  ESP ecb(cipher_null) + hmac(sha256)-128,         UDP port 5002
 *   kind 2  AH hmac(sha256)-128,                             UDP port 5003
 *   kind 3  ESP-in-UDP (4500 -> 4500), as kind 0,            UDP port 5004
 * Inner packets are UDP datagrams to those ports carrying a unique marker
 * "FZ%08x".  The crypto is done here with AF_ALG.
 *
 * Packets go out in batches, one mutation class per batch with valid
 * packets interleaved.  For every packet the expected outcome is known (a
 * vector of counter increments: kipsec's `kipsec stats`, the receiver's
 * /proc/net/{snmp,netstat,xfrm_stat}); after each batch the counters must
 * have moved by exactly the sum, or the batch fails.  Every marker sent is
 * logged with whether the application must receive it (--log); the test
 * compares that with what the application got.
 *
 * Usage: espfuzz --dev IF --dmac MAC --kipsec PATH --ns NS --pid PID
 *        --spi S0,S1,S2,S3 --ekey HEX16 --akey HEX32 --log FILE
 *        [--seed N] [--count N] [--batch N] [--secs N]
 * --secs: stop sending new batches after N seconds.
 * PID is a process in the receiver's namespace (for its /proc/PID/net).
 * Exit 0: every batch accounted for exactly; 1: some batch was not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_alg.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NKIND	4
#define K_CBC	0
#define K_NULL	1
#define K_AH	2
#define K_UDP	3
#define ICV	16
#define AH_HLEN	32		/* 12 + ICV, 8-byte aligned */
#define MTU	1500
#define MAXPKT	65535

/* counter buckets */
enum {
	C_RX,		/* kipsec rx_packets */
	C_AUTH,		/* rx_auth_fail */
	C_REPLAY,	/* rx_replay */
	C_MALF,		/* rx_malformed */
	C_POLMIS,	/* rx_policy_mismatch */
	C_NOSA,		/* rx_no_sa */
	C_ENCMIS,	/* rx_encap_mismatch */
	C_KOTHER,	/* every other kipsec rx drop counter */
	C_UDPIN,	/* Udp InDatagrams */
	C_UDPERR,	/* Udp InErrors */
	C_UDPCSUM,	/* Udp InCsumErrors */
	C_IPHDR,	/* Ip InHdrErrors */
	C_IPCSUM,	/* IpExt InCsumErrors */
	C_IPTRUNC,	/* IpExt InTruncatedPkts */
	C_STACKESP,	/* ESP/AH no SA of kipsec: InUnknownProtos, Xfrm* */
	C_REASMTO,	/* Ip ReasmTimeout */
	C_REASMOV,	/* IpExt ReasmOverlaps */
	NC
};

static const char *const cname[NC] = {
	"rx_packets", "rx_auth_fail", "rx_replay", "rx_malformed",
	"rx_policy_mismatch", "rx_no_sa", "rx_encap_mismatch", "kipsec_other",
	"Udp.InDatagrams", "Udp.InErrors", "Udp.InCsumErrors", "Ip.InHdrErrors",
	"IpExt.InCsumErrors", "IpExt.InTruncatedPkts",
	"ESP/AH-not-kipsec", "Ip.ReasmTimeout", "IpExt.ReasmOverlaps",
};

enum {
	CL_VALID, CL_TRUNC, CL_ICV, CL_SPI, CL_REPLAY, CL_BIG, CL_FRAG,
	CL_BADPAD, CL_PADEAT, CL_PADBYTES, CL_NEXTHDR, CL_INNER, CL_OUTER,
	CL_UDPENC, CL_AH, NCLASS
};

static const char *const clname[NCLASS] = {
	"valid", "truncated", "bad-icv", "wrong-spi", "replay", "max-size",
	"fragments", "bad-padlen", "padlen-eats-inner", "pad-bytes",
	"bad-nexthdr", "bad-inner", "outer-ip", "udp-encap", "ah-fields",
};

struct sa {
	int kind;
	uint32_t spi;
	uint32_t top;		/* highest sequence number it accepted */
	uint8_t last[MAXPKT];	/* its last valid packet, whole IP */
	int lastlen;
};

static struct sa sas[NKIND];
static int pkt_fd, hmac_fd, aes_fd;
static struct sockaddr_ll dst_ll;
static long exp_c[NC];		/* expected increments, this batch */
static long sent_class[NCLASS], pkts_class[NCLASS];
static long sum_class[NCLASS][NC];
static int cur_class;
static long total_pkts;
static uint32_t marker_id;
static uint16_t ip_id = 1;
static FILE *logf;
static const char *kipsec_path, *ns_name;
static int app_pid;
static uint64_t rng;
static int need_long_wait;
/*
 * ESP with its sequence number changed (the high bit, so far ahead that it
 * is not a replay): 0 never, 1 (the default) one bad-ICV case in 8, 2 all.
 * The ICV covers the sequence number: each must count as rx_auth_fail and
 * leave the window where it was.
 */
static int seqflip = 1;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 2685821657736338717ULL) >> 32;
}

static uint32_t rnd_n(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	exit(2);
}

/* ---- AF_ALG ---------------------------------------------------------- */

static int alg_open(const char *type, const char *name, const uint8_t *key,
		    int klen)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int tfm, op;

	strcpy((char *)sa.salg_type, type);
	strcpy((char *)sa.salg_name, name);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)))
		die("AF_ALG %s %s", type, name);
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, klen))
		die("AF_ALG setkey %s", name);
	op = accept(tfm, NULL, 0);
	if (op < 0)
		die("AF_ALG accept %s", name);
	return op;
}

/* HMAC-SHA256 of @len bytes at @p, truncated to ICV bytes */
static void hmac(const uint8_t *p, int len, uint8_t *icv)
{
	uint8_t d[32];

	if (send(hmac_fd, p, len, 0) != len)
		die("hmac send");
	if (read(hmac_fd, d, 32) != 32)
		die("hmac read");
	memcpy(icv, d, ICV);
}

static void aes_cbc_enc(const uint8_t *iv, uint8_t *buf, int len)
{
	char cbuf[CMSG_SPACE(sizeof(uint32_t)) +
		  CMSG_SPACE(sizeof(struct af_alg_iv) + 16)] = {};
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct af_alg_iv *aiv;
	struct cmsghdr *c;

	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	*(uint32_t *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + 16);
	aiv = (void *)CMSG_DATA(c);
	aiv->ivlen = 16;
	memcpy(aiv->iv, iv, 16);
	if (sendmsg(aes_fd, &msg, 0) != len)
		die("aes sendmsg");
	if (read(aes_fd, buf, len) != len)
		die("aes read");
}

/* ---- packets ---------------------------------------------------------- */

static uint16_t csum(const void *p, int len)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		s += b[i] << 8 | b[i + 1];
	if (len & 1)
		s += b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* a 20-byte IPv4 header 10.0.0.2 -> 10.0.0.1 */
static void ip4(uint8_t *p, int proto, int totlen)
{
	uint16_t id = ip_id++;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, totlen);
	put16(p + 4, id);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, 0x0a000002);
	put32(p + 16, 0x0a000001);
	put16(p + 10, csum(p, 20));
}

static void ip4_fix(uint8_t *p)
{
	int ihl = (p[0] & 15) * 4;

	put16(p + 10, 0);
	put16(p + 10, csum(p, ihl));
}

/* a UDP datagram to the kind's port, with a new marker; returns its length */
static int inner_udp(uint8_t *p, int kind, int plen, uint32_t *id)
{
	int i;

	if (plen < 10)
		plen = 10;
	*id = ++marker_id;
	put16(p, 6000);
	put16(p + 2, 5001 + kind);
	put16(p + 4, 8 + plen);
	put16(p + 6, 0);
	snprintf((char *)p + 8, 11, "FZ%08x", *id);
	for (i = 10; i < plen; i++)
		p[8 + i] = rnd();
	return 8 + plen;
}

static void note_marker(uint32_t id, int deliver)
{
	fprintf(logf, "%08x %d %s\n", id, deliver, clname[cur_class]);
}

static void expect(int c, int n)
{
	exp_c[c] += n;
}

static void send_frame(const uint8_t *p, int len)
{
	if (sendto(pkt_fd, p, len, 0, (struct sockaddr *)&dst_ll,
		   sizeof(dst_ll)) != len)
		die("sendto %d bytes", len);
	pkts_class[cur_class]++;
	total_pkts++;
}

/* ESP options */
struct espopt {
	int padlen;		/* -1: minimal; else the pad length byte */
	int realpad;		/* pad bytes actually there (-1: minimal) */
	int badpad;		/* pad bytes not 1, 2, 3... */
	int nexthdr;		/* -1: UDP */
};

#define ESPOPT_DEFAULT { -1, -1, 0, -1 }

/*
 * ESP of @inner for SA @s with sequence number @seq, written at @p (the
 * SPI); returns its length.
 */
static int esp_build(uint8_t *p, const struct sa *s, uint32_t seq,
		     const uint8_t *inner, int ilen, const struct espopt *o)
{
	int ivlen = s->kind == K_NULL ? 0 : 16;
	int bs = s->kind == K_NULL ? 4 : 16;
	int pad, plen, i;
	uint8_t *pt;

	put32(p, s->spi);
	put32(p + 4, seq);
	for (i = 0; i < ivlen; i++)
		p[8 + i] = rnd();
	pt = p + 8 + ivlen;
	memcpy(pt, inner, ilen);
	pad = (bs - (ilen + 2) % bs) % bs;
	if (o->realpad >= 0)
		pad = o->realpad;
	for (i = 0; i < pad; i++)
		pt[ilen + i] = o->badpad ? (int)rnd() : i + 1;
	if (o->badpad && pad)
		pt[ilen] = 7;	/* never 1: surely not monotone */
	pt[ilen + pad] = o->padlen >= 0 ? o->padlen : pad;
	pt[ilen + pad + 1] = o->nexthdr >= 0 ? o->nexthdr : 17;
	plen = ilen + pad + 2;
	if (ivlen)
		aes_cbc_enc(p + 8, pt, plen);
	hmac(p, 8 + ivlen + plen, pt + plen);
	return 8 + ivlen + plen + ICV;
}

/* the ICV of AH over the whole IPv4 packet @p, written into it */
static void ah_sign(uint8_t *p, int len)
{
	uint8_t save[4], ttl;
	int ihl = (p[0] & 15) * 4;

	/* mutable: TOS, flags+offset, TTL, checksum (no options here) */
	save[0] = p[1];
	memcpy(save + 1, p + 6, 2);
	ttl = p[8];
	save[3] = p[10];
	p[1] = 0;
	memset(p + 6, 0, 2);
	p[8] = 0;
	put16(p + 10, 0);
	memset(p + ihl + 12, 0, AH_HLEN - 12);
	hmac(p, len, p + ihl + 12);
	p[1] = save[0];
	memcpy(p + 6, save + 1, 2);
	p[8] = ttl;
	p[10] = save[3];
	ip4_fix(p);
}

/* a whole IPv4 packet for SA @s carrying @inner; returns its length */
static int pkt_build(uint8_t *p, struct sa *s, uint32_t seq,
		     const uint8_t *inner, int ilen, const struct espopt *o)
{
	int len;

	if (s->kind == K_AH) {
		len = 20 + AH_HLEN + ilen;
		ip4(p, 51, len);
		p[20] = o->nexthdr >= 0 ? o->nexthdr : 17;
		p[21] = AH_HLEN / 4 - 2;
		put16(p + 22, 0);
		put32(p + 24, s->spi);
		put32(p + 28, seq);
		memcpy(p + 20 + AH_HLEN, inner, ilen);
		ah_sign(p, len);
		return len;
	}
	if (s->kind == K_UDP) {
		len = 28 + esp_build(p + 28, s, seq, inner, ilen, o);
		ip4(p, 17, len);
		put16(p + 20, 4500);
		put16(p + 22, 4500);
		put16(p + 24, len - 20);
		put16(p + 26, 0);
		return len;
	}
	len = 20 + esp_build(p + 20, s, seq, inner, ilen, o);
	ip4(p, 50, len);
	return len;
}

/* where the ESP/AH header starts in a packet of @s */
static int xoff(const struct sa *s)
{
	return s->kind == K_UDP ? 28 : 20;
}

/* the set-up lengths of ESP for @s: header+IV, block size */
static int esp_hlen(const struct sa *s)
{
	return s->kind == K_NULL ? 8 : 24;
}

static int esp_bs(const struct sa *s)
{
	return s->kind == K_NULL ? 1 : 16;
}

/*
 * What becomes of ESP of SA @s (or AH) of @t bytes (from the SPI on), not
 * authentic as it stands (a truncated or damaged valid packet), sequence
 * number @seq.
 */
static void expect_damaged(const struct sa *s, int t, uint32_t seq)
{
	int h;

	if (s->kind == K_AH) {
		if (t < 8)
			expect(C_STACKESP, 1);
		else if (t < 12 || t < AH_HLEN)
			expect(C_MALF, 1);
		else if (seq <= s->top)
			expect(C_REPLAY, 1);
		else
			expect(C_AUTH, 1);
		return;
	}
	if (s->kind == K_UDP) {
		/* taken by the socket's encap_rcv or queued: a datagram */
		expect(C_UDPIN, 1);
		if (t <= 8)
			return;	/* the socket's: IKE, keepalive, runt */
	}
	if (t < 4) {
		expect(C_STACKESP, 1);
		return;
	}
	h = esp_hlen(s);
	if (t < h + 2 + ICV || (t - h - ICV) % esp_bs(s))
		expect(C_MALF, 1);
	else if (seq <= s->top)
		expect(C_REPLAY, 1);
	else
		expect(C_AUTH, 1);
}

static void expect_deliver(void)
{
	expect(C_RX, 1);
	expect(C_UDPIN, 1);
}

/* ESP in UDP whole to the socket: its encap_rcv's datagram (Udp
 * InDatagrams counts what encap_rcv consumed) */
static void expect_encap(const struct sa *s)
{
	if (s->kind == K_UDP)
		expect(C_UDPIN, 1);
}

/* fragments of the IPv4 packet @p; mode 0 in order, 1 reversed,
 * 2 shuffled, 3 overlap (queue killed), 4 one missing */
static void send_frags(const uint8_t *p, int len, int mode)
{
	static uint8_t f[MTU];
	int off[64], n = 0, i, j, plen = len - 20, chunk = 1480, o, l;
	for (o = 0; o < plen; o += chunk)
		off[n++] = o;
	if (mode == 1) {
		for (i = 0; i < n / 2; i++) {
			j = off[i];
			off[i] = off[n - 1 - i];
			off[n - 1 - i] = j;
		}
	} else if (mode == 2) {
		for (i = n - 1; i > 0; i--) {
			j = rnd_n(i + 1);
			o = off[i];
			off[i] = off[j];
			off[j] = o;
		}
	} else if (mode == 4) {
		j = rnd_n(n);
		off[j] = off[--n];
	}
	for (i = 0; i < n; i++) {
		o = off[i];
		if (mode == 3 && i == 1)
			o = 8;	/* overlaps the first */
		l = plen - o < chunk ? plen - o : chunk;
		memcpy(f, p, 20);
		memcpy(f + 20, p + 20 + o, l);
		put16(f + 2, 20 + l);
		put16(f + 6, (o / 8) | (o + l < plen ? 0x2000 : 0));
		ip4_fix(f);
		send_frame(f, 20 + l);
		if (mode == 3 && i == 1)
			break;
	}
}

static void send_pkt(const uint8_t *p, int len)
{
	if (len > MTU)
		send_frags(p, len, 0);
	else
		send_frame(p, len);
}

static uint8_t pbuf[MAXPKT + 64], ibuf[MAXPKT];

/* a valid packet for @s with a payload of @plen; sent whole (or in
 * fragments, @fmode); expected delivered */
static void gen_valid_sized(struct sa *s, int plen, int fmode)
{
	struct espopt o = ESPOPT_DEFAULT;
	uint32_t id;
	int il, len;

	il = inner_udp(ibuf, s->kind, plen, &id);
	len = pkt_build(pbuf, s, s->top + 1, ibuf, il, &o);
	if (len > MTU || fmode)
		send_frags(pbuf, len, fmode);
	else
		send_frame(pbuf, len);
	if (fmode >= 3) {
		note_marker(id, 0);
		expect(fmode == 3 ? C_REASMOV : C_REASMTO, 1);
		if (fmode == 4)
			need_long_wait = 1;
		return;
	}
	s->top++;
	memcpy(s->last, pbuf, len);
	s->lastlen = len;
	note_marker(id, 1);
	expect_deliver();
	expect_encap(s);
}

static struct sa *pick(int no_ah, int no_udp)
{
	struct sa *s;

	do
		s = &sas[rnd_n(NKIND)];
	while ((no_ah && s->kind == K_AH) || (no_udp && s->kind == K_UDP));
	return s;
}

static void gen_valid(void)
{
	gen_valid_sized(pick(0, 0), rnd_n(200), 0);
}

/* a fresh packet for @s, not sent; returns its length */
static int fresh(struct sa *s, int plen, const struct espopt *o)
{
	uint32_t id;
	int il;

	il = inner_udp(ibuf, s->kind, plen, &id);
	note_marker(id, 0);
	return pkt_build(pbuf, s, s->top + 1, ibuf, il, o);
}

static void gen_trunc(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = pick(0, 0);
	static uint8_t t[MTU];
	int len, x = xoff(s), n;

	len = fresh(s, rnd_n(60), &o);
	memcpy(t, pbuf, len);
	for (n = 0; n < len - x; n++) {
		if (s->kind == K_UDP) {
			put16(t + 24, 8 + n);
			put16(t + 2, x + n);
		} else {
			put16(t + 2, x + n);
		}
		ip4_fix(t);
		send_frame(t, x + n);
		expect_damaged(s, n, s->top + 1);
	}
}

static void gen_icv(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = pick(0, 0);
	int len, x = xoff(s), bit, from;

	len = fresh(s, rnd_n(200), &o);
	if (s->kind == K_AH) {
		/* the ICV, the payload, or the high sequence number byte */
		do
			from = rnd_n(len - x) + x;
		while (from < x + 12 && from != x + 8);
	} else {
		/* the sequence number (its high byte), the IV, ciphertext or ICV */
		from = x + 8 + rnd_n(len - x - 8);
		if (seqflip == 2 || (seqflip == 1 && rnd_n(8) == 0))
			from = x + 4;
	}
	bit = rnd_n(8);
	if (from == x + 4 || from == x + 8)
		bit = 7;	/* far ahead: not a replay */
	pbuf[from] ^= 1 << bit;
	if (getenv("KIPSEC_FUZZ_DEBUG"))
		fprintf(stderr, "icv %08x kind %d off %d bit %d len %d\n",
			marker_id, s->kind, from - x, bit, len - x);
	send_frame(pbuf, len);
	expect(C_AUTH, 1);
	expect_encap(s);
}

static void gen_spi(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = pick(0, 0);
	int len, x = xoff(s), i, cross = rnd_n(3) == 0;
	uint32_t spi;

	len = fresh(s, rnd_n(100), &o);
	if (cross && s->kind != K_AH) {
		/* plain ESP under the ESP-in-UDP SA's SPI or the reverse */
		spi = s->kind == K_UDP ? sas[rnd_n(2)].spi : sas[K_UDP].spi;
		expect(C_ENCMIS, 1);
	} else {
		do {
			spi = rnd();
			for (i = 0; i < NKIND; i++)
				if (sas[i].spi == spi)
					break;
		} while (i < NKIND || spi < 256);
		expect(s->kind == K_UDP ? C_NOSA : C_STACKESP, 1);
	}
	put32(pbuf + x + (s->kind == K_AH ? 4 : 0), spi);
	send_frame(pbuf, len);
	expect_encap(s);
}

static void gen_replay(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = pick(0, 0);
	uint32_t id, seq;
	int il, len;

	if (!s->lastlen || rnd_n(2)) {
		/* a valid packet with an old sequence number */
		seq = 1 + rnd_n(s->top);
		if (rnd_n(2) && s->top > 64)
			seq = s->top - rnd_n(64);
		il = inner_udp(ibuf, s->kind, rnd_n(100), &id);
		len = pkt_build(pbuf, s, seq, ibuf, il, &o);
		note_marker(id, 0);
		send_pkt(pbuf, len);
	} else {
		send_pkt(s->last, s->lastlen);	/* exact duplicate */
	}
	expect(C_REPLAY, 1);
	expect_encap(s);
}

static void gen_big(void)
{
	struct sa *s = pick(0, 0);
	/* AH reaches 65535 exactly; ESP's block padding stops short */
	int over = s->kind == K_AH ? 20 + AH_HLEN + 8 : 100;
	int plen = MTU + rnd_n(MAXPKT - MTU - over);

	if (rnd_n(4) == 0)
		plen = MAXPKT - over;	/* as big as it gets */
	gen_valid_sized(s, plen, 0);
}

static void gen_frag(void)
{
	gen_valid_sized(pick(0, 0), MTU + rnd_n(5000), 1 + rnd_n(4));
}

static void gen_badpad(void)
{
	struct sa *s = pick(1, 0);
	struct espopt o = ESPOPT_DEFAULT;
	int plen = rnd_n(100), il, room;

	il = 8 + (plen < 10 ? 10 : plen);
	room = il + (esp_bs(s) == 1 ? (4 - (il + 2) % 4) % 4 :
		     (16 - (il + 2) % 16) % 16);
	/* more than everything before the trailer */
	o.padlen = room + 1 + rnd_n(256 - room - 1);
	send_pkt(pbuf, fresh(s, plen, &o));
	s->top++;
	expect(C_MALF, 1);
	expect_encap(s);
}

static void gen_padeat(void)
{
	struct sa *s = pick(1, 0);
	struct espopt o = ESPOPT_DEFAULT;
	int plen = 10 + rnd_n(100), il = 8 + plen, pad;

	/* the pad length takes in part or all of the inner UDP datagram */
	pad = (esp_bs(s) == 1 ? (4 - (il + 2) % 4) % 4 :
	       (16 - (il + 2) % 16) % 16);
	o.padlen = pad + 1 + rnd_n(il);
	send_pkt(pbuf, fresh(s, plen, &o));
	s->top++;
	expect(C_RX, 1);
	expect(C_UDPERR, 1);
	expect_encap(s);
}

static void gen_padbytes(void)
{
	struct sa *s = pick(1, 0);
	struct espopt o = ESPOPT_DEFAULT;
	uint32_t id;
	int il, len;

	o.badpad = 1;
	il = inner_udp(ibuf, s->kind, rnd_n(100), &id);
	o.realpad = (esp_bs(s) == 1 ? (4 - (il + 2) % 4) % 4 :
		     (16 - (il + 2) % 16) % 16);
	o.realpad += esp_bs(s) == 1 ? 4 * (1 + rnd_n(40)) : 16 * (1 + rnd_n(10));
	len = pkt_build(pbuf, s, s->top + 1, ibuf, il, &o);
	send_pkt(pbuf, len);
	s->top++;
	/* RFC 4303 2.4: the receiver MAY check; kipsec does not */
	note_marker(id, 1);
	expect_deliver();
	expect_encap(s);
}

static void gen_nexthdr(void)
{
	static const int nh[] = { 0, 59, 255, 6, 1, 253, 50, 51 };
	struct sa *s = pick(0, 0);
	struct espopt o = ESPOPT_DEFAULT;
	int i = rnd_n(sizeof(nh) / sizeof(nh[0]));

	o.nexthdr = nh[i];
	send_pkt(pbuf, fresh(s, rnd_n(100), &o));
	s->top++;
	expect(C_RX, 1);
	/*
	 * ESP or AH inside: a nested transform, not the SPD's to judge; the
	 * UDP bytes make an SPI of no SA, and the stack drops it
	 */
	expect(nh[i] == 50 || nh[i] == 51 ? C_STACKESP : C_POLMIS, 1);
	expect_encap(s);
}

static void gen_inner(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = pick(0, 0);
	uint32_t id;
	int il, len, what = rnd_n(3);

	il = inner_udp(ibuf, s->kind, 10 + rnd_n(100), &id);
	note_marker(id, 0);
	if (what == 0) {
		/* an IPv4 packet as the transport payload, next header 4 */
		memmove(ibuf + 20, ibuf, il);
		ip4(ibuf, 17, il + 20);
		il += 20;
		o.nexthdr = 4;
	} else if (what == 1) {
		/* an IPv6 header, next header 41 */
		memmove(ibuf + 40, ibuf, il);
		memset(ibuf, 0, 40);
		ibuf[0] = 0x60;
		put16(ibuf + 4, il);
		ibuf[6] = 17;
		ibuf[7] = 64;
		ibuf[23] = 2;
		ibuf[39] = 1;
		il += 40;
		o.nexthdr = rnd_n(2) ? 41 : 4;
	} else {
		/* UDP length beyond the datagram */
		put16(ibuf + 4, il + 1 + rnd_n(1000));
	}
	len = pkt_build(pbuf, s, s->top + 1, ibuf, il, &o);
	send_pkt(pbuf, len);
	s->top++;
	expect(C_RX, 1);
	expect(what == 2 ? C_UDPERR : C_POLMIS, 1);
	expect_encap(s);
}

static void gen_outer(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = pick(1, 1);
	static uint8_t t[MTU + 64];
	uint32_t id;
	int il, len, what = rnd_n(5), opt, l;

	il = inner_udp(ibuf, s->kind, rnd_n(100), &id);
	len = pkt_build(pbuf, s, s->top + 1, ibuf, il, &o);
	switch (what) {
	case 0:
		/* IPv4 options (NOPs, then EOL): valid */
		opt = 4 * (1 + rnd_n(10));
		memcpy(t, pbuf, 20);
		memset(t + 20, 1, opt);
		t[20 + opt - 1] = 0;
		memcpy(t + 20 + opt, pbuf + 20, len - 20);
		t[0] = 0x45 + opt / 4;
		put16(t + 2, len + opt);
		ip4_fix(t);
		send_frame(t, len + opt);
		s->top++;
		note_marker(id, 1);
		expect_deliver();
		return;
	case 1:
		/* IHL below 5 */
		pbuf[0] = 0x40 | rnd_n(5);
		ip4_fix(pbuf);
		pbuf[10] = pbuf[11] = 0;
		expect(C_IPHDR, 1);
		break;
	case 2:
		/* header checksum wrong */
		pbuf[10] ^= 1 + rnd_n(255);
		expect(C_IPHDR, 1);
		expect(C_IPCSUM, 1);
		break;
	case 3:
		/* total length beyond the frame */
		put16(pbuf + 2, len + 1 + rnd_n(1000));
		ip4_fix(pbuf);
		expect(C_IPTRUNC, 1);
		break;
	default:
		/* total length short of the frame: the stack trims it */
		l = 20 + rnd_n(len - 20);
		put16(pbuf + 2, l);
		ip4_fix(pbuf);
		expect_damaged(s, l - 20, s->top + 1);
		break;
	}
	note_marker(id, 0);
	send_frame(pbuf, len);
}

static void gen_udpenc(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = &sas[K_UDP];
	int len, what = rnd_n(6), n, l;

	len = fresh(s, rnd_n(100), &o);
	switch (what) {
	case 0:
		/* NAT keepalive: one byte 0xff */
		pbuf[28] = 0xff;
		len = 29;
		put16(pbuf + 24, 9);
		expect(C_UDPIN, 1);
		break;
	case 1:
		/* non-ESP marker: IKE, for the socket */
		put32(pbuf + 28, 0);
		expect(C_UDPIN, 1);
		break;
	case 2:
		/* UDP length beyond the datagram */
		put16(pbuf + 24, len - 20 + 1 + rnd_n(100));
		expect(C_UDPERR, 1);
		break;
	case 3:
		/* UDP length short: the rest is cut off */
		n = rnd_n(len - 28);
		put16(pbuf + 24, 8 + n);
		expect_damaged(s, n, s->top + 1);
		break;
	case 4:
		/* a checksum, wrong */
		put16(pbuf + 26, 1 + rnd_n(0xfffe));
		expect(C_UDPERR, 1);
		expect(C_UDPCSUM, 1);
		break;
	default:
		/* ESP of a plain SA in UDP */
		l = fresh(&sas[rnd_n(2)], rnd_n(100), &o);
		memmove(pbuf + 28, pbuf + 20, l - 20);
		len = l + 8;
		ip4(pbuf, 17, len);
		put16(pbuf + 20, 4500);
		put16(pbuf + 22, 4500);
		put16(pbuf + 24, len - 20);
		put16(pbuf + 26, 0);
		expect(C_ENCMIS, 1);
		expect(C_UDPIN, 1);
		break;
	}
	put16(pbuf + 2, len);
	ip4_fix(pbuf);
	send_frame(pbuf, len);
}

static void gen_ah(void)
{
	struct espopt o = ESPOPT_DEFAULT;
	struct sa *s = &sas[K_AH];
	int len, what = rnd_n(3), v;
	uint32_t id;
	int il;

	il = inner_udp(ibuf, s->kind, rnd_n(100), &id);
	len = pkt_build(pbuf, s, s->top + 1, ibuf, il, &o);
	switch (what) {
	case 0:
		/* the length field: neither 5 (4-byte aligned) nor 6 */
		do
			v = rnd_n(256);
		while (v == 5 || v == 6);
		pbuf[21] = v;
		note_marker(id, 0);
		expect(C_MALF, 1);
		break;
	case 1:
		/* mutable fields: TOS, DF, TTL; still authentic */
		pbuf[1] = rnd();
		pbuf[6] ^= 0x40;
		pbuf[8] = 1 + rnd_n(255);
		ip4_fix(pbuf);
		s->top++;
		note_marker(id, 1);
		expect_deliver();
		break;
	default:
		/* an immutable field: the identification */
		pbuf[4] ^= 1 + rnd_n(255);
		ip4_fix(pbuf);
		note_marker(id, 0);
		expect(C_AUTH, 1);
		break;
	}
	send_frame(pbuf, len);
}

/* ---- counters -------------------------------------------------------- */

static long kv_get(const char *text, const char *key)
{
	const char *p = text;
	size_t kl = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == '\n') && p[kl] == ' ')
			return atol(p + kl + 1);
		p += kl;
	}
	return 0;
}

/* "Ip: a b c\nIp: 1 2 3": the value of @name in section @sec */
static long snmp_get(const char *text, const char *sec, const char *name)
{
	char hdr[64], names[4096], vals[4096], *sn, *sv, *n, *v;
	const char *p;

	snprintf(hdr, sizeof(hdr), "\n%s:", sec);
	p = strstr(text, hdr);
	if (!p)
		return 0;
	if (sscanf(p + 1, "%*s %4095[^\n]\n%*s %4095[^\n]", names, vals) != 2)
		return 0;
	for (n = strtok_r(names, " ", &sn), v = strtok_r(vals, " ", &sv);
	     n && v; n = strtok_r(NULL, " ", &sn), v = strtok_r(NULL, " ", &sv)) {
		if (!strcmp(n, name))
			return atol(v);
	}
	return 0;
}

static char *slurp(const char *cmd_or_path, int is_cmd)
{
	static char buf[3][65536];
	static int which;
	char *b = buf[which++ % 3];
	FILE *f = is_cmd ? popen(cmd_or_path, "r") : fopen(cmd_or_path, "r");
	size_t n = 1;

	b[0] = '\n';
	if (f) {
		n += fread(b + 1, 1, sizeof(buf[0]) - 2, f);
		if (is_cmd)
			pclose(f);
		else
			fclose(f);
	}
	b[n] = 0;
	return b;
}

static void read_counters(long *c)
{
	static const char *const other[] = {
		"rx_sa_larval", "rx_cleartext", "rx_discard", "rx_no_route",
		"rx_too_deep", "rx_nomem", "rx_crypto_error", "rx_sa_expired",
	};
	char cmd[512], path[64], *k, *snmp, *ns;
	unsigned int i;

	snprintf(cmd, sizeof(cmd), "%s -n %s stats", kipsec_path, ns_name);
	k = slurp(cmd, 1);
	memset(c, 0, NC * sizeof(*c));
	c[C_RX] = kv_get(k + 1, "rx_packets");
	c[C_AUTH] = kv_get(k + 1, "rx_auth_fail");
	c[C_REPLAY] = kv_get(k + 1, "rx_replay");
	c[C_MALF] = kv_get(k + 1, "rx_malformed");
	c[C_POLMIS] = kv_get(k + 1, "rx_policy_mismatch");
	c[C_NOSA] = kv_get(k + 1, "rx_no_sa");
	c[C_ENCMIS] = kv_get(k + 1, "rx_encap_mismatch");
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		c[C_KOTHER] += kv_get(k + 1, other[i]);
	snprintf(path, sizeof(path), "/proc/%d/net/snmp", app_pid);
	snmp = slurp(path, 0);
	c[C_UDPIN] = snmp_get(snmp, "Udp", "InDatagrams");
	c[C_UDPERR] = snmp_get(snmp, "Udp", "InErrors");
	c[C_UDPCSUM] = snmp_get(snmp, "Udp", "InCsumErrors");
	c[C_IPHDR] = snmp_get(snmp, "Ip", "InHdrErrors");
	c[C_STACKESP] = snmp_get(snmp, "Ip", "InUnknownProtos");
	c[C_REASMTO] = snmp_get(snmp, "Ip", "ReasmTimeout");
	snprintf(path, sizeof(path), "/proc/%d/net/netstat", app_pid);
	ns = slurp(path, 0);
	c[C_IPCSUM] = snmp_get(ns, "IpExt", "InCsumErrors");
	c[C_IPTRUNC] = snmp_get(ns, "IpExt", "InTruncatedPkts");
	c[C_REASMOV] = snmp_get(ns, "IpExt", "ReasmOverlaps");
	snprintf(path, sizeof(path), "/proc/%d/net/xfrm_stat", app_pid);
	ns = slurp(path, 0);
	c[C_STACKESP] += kv_get(ns + 1, "XfrmInNoStates") +
			 kv_get(ns + 1, "XfrmInHdrError");
}

static int batch_fails;

/* wait until the counters moved as expected; 0 if they did */
static int settle(const long *before)
{
	long now[NC], d[NC];
	int i, ok = 0;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	time_t end = time(NULL) + (need_long_wait ? 5 : 3);

	while (time(NULL) < end) {
		read_counters(now);
		ok = 1;
		for (i = 0; i < NC; i++) {
			d[i] = now[i] - before[i];
			if (d[i] != exp_c[i])
				ok = 0;
		}
		if (ok) {
			/* and nothing more comes in late */
			nanosleep(&ts, NULL);
			read_counters(now);
			for (i = 0; i < NC; i++) {
				d[i] = now[i] - before[i];
				if (d[i] != exp_c[i])
					ok = 0;
			}
			if (ok)
				return 0;
		}
		nanosleep(&ts, NULL);
	}
	if (batch_fails++ < 20) {
		printf("FAIL: batch of class %s: counters moved otherwise:",
		       clname[cur_class]);
		for (i = 0; i < NC; i++)
			if (d[i] != exp_c[i])
				printf(" %s %+ld (want %+ld)", cname[i], d[i],
				       exp_c[i]);
		printf("\n");
	}
	return 1;
}

typedef void (*gen_fn)(void);
static const gen_fn gens[NCLASS] = {
	gen_valid, gen_trunc, gen_icv, gen_spi, gen_replay, gen_big, gen_frag,
	gen_badpad, gen_padeat, gen_padbytes, gen_nexthdr, gen_inner,
	gen_outer, gen_udpenc, gen_ah,
};

/* one case of class @cls, its expected outcome added to the class's */
static void gen_one(int cls)
{
	long e0[NC];
	int j;

	memcpy(e0, exp_c, sizeof(e0));
	cur_class = cls;
	gens[cls]();
	sent_class[cls]++;
	for (j = 0; j < NC; j++)
		sum_class[cls][j] += exp_c[j] - e0[j];
}

static void run_batch(int cls, int n)
{
	long before[NC];
	int i;

	read_counters(before);
	memset(exp_c, 0, sizeof(exp_c));
	need_long_wait = 0;
	for (i = 0; i < n; i++) {
		gen_one(cls);
		if (rnd_n(3) == 0)
			gen_one(CL_VALID);
	}
	fflush(logf);
	settle(before);
}

static int hexkey(const char *h, uint8_t *k, int n)
{
	int i;
	unsigned int b;

	if (!strncmp(h, "0x", 2))
		h += 2;
	if ((int)strlen(h) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &b) != 1)
			return -1;
		k[i] = b;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *dmac = NULL, *logpath = NULL, *spis = NULL;
	uint8_t ekey[16], akey[32];
	unsigned int m[6];
	long count = 2000, batch = 0, seed = time(NULL), secs = 0;
	int i, j, have_e = 0, have_a = 0;
	int order[NCLASS];
	struct timespec t0, t1;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (!strcmp(o, "--dev"))
			dev = v;
		else if (!strcmp(o, "--dmac"))
			dmac = v;
		else if (!strcmp(o, "--kipsec"))
			kipsec_path = v;
		else if (!strcmp(o, "--ns"))
			ns_name = v;
		else if (!strcmp(o, "--pid"))
			app_pid = atoi(v);
		else if (!strcmp(o, "--spi"))
			spis = v;
		else if (!strcmp(o, "--ekey"))
			have_e = !hexkey(v, ekey, 16);
		else if (!strcmp(o, "--akey"))
			have_a = !hexkey(v, akey, 32);
		else if (!strcmp(o, "--log"))
			logpath = v;
		else if (!strcmp(o, "--seed"))
			seed = strtol(v, NULL, 0);
		else if (!strcmp(o, "--count"))
			count = strtol(v, NULL, 0);
		else if (!strcmp(o, "--secs"))
			secs = strtol(v, NULL, 0);
		else if (!strcmp(o, "--batch"))
			batch = strtol(v, NULL, 0);
	}
	if (!dev || !dmac || !kipsec_path || !ns_name || !app_pid || !spis ||
	    !have_e || !have_a || !logpath) {
		fprintf(stderr, "espfuzz: missing or bad arguments (see the source)\n");
		return 2;
	}
	for (i = 0; i < NKIND; i++) {
		sas[i].kind = i;
		sas[i].spi = strtoul(spis, (char **)&spis, 0);
		if (*spis == ',')
			spis++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("KIPSEC_FUZZ_SEQFLIP"))
		seqflip = atoi(getenv("KIPSEC_FUZZ_SEQFLIP"));
	if (batch <= 0)	/* a counter check costs ~0.2 s in a TCG VM */
		batch = count > 20000 ? 400 : 40;
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	printf("espfuzz: seed %ld, %ld packets, batches of %ld\n", seed, count,
	       batch);

	logf = fopen(logpath, "w");
	if (!logf)
		die("%s", logpath);
	hmac_fd = alg_open("hash", "hmac(sha256)", akey, 32);
	aes_fd = alg_open("skcipher", "cbc(aes)", ekey, 16);

	pkt_fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (pkt_fd < 0)
		die("packet socket");
	dst_ll.sll_family = AF_PACKET;
	dst_ll.sll_protocol = htons(ETH_P_IP);
	dst_ll.sll_ifindex = if_nametoindex(dev);
	dst_ll.sll_halen = 6;
	if (!dst_ll.sll_ifindex ||
	    sscanf(dmac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5]) != 6)
		die("device %s / MAC %s", dev, dmac);
	for (i = 0; i < 6; i++)
		dst_ll.sll_addr[i] = m[i];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* warm up: every SA past its first 64 sequence numbers */
	{
		long before[NC];

		read_counters(before);
		cur_class = CL_VALID;
		for (i = 0; i < 70 * NKIND; i++) {
			gen_valid_sized(&sas[i % NKIND], rnd_n(100), 0);
			sent_class[CL_VALID]++;
		}
		for (j = 0; j < NC; j++)
			sum_class[CL_VALID][j] += exp_c[j];
		fflush(logf);
		settle(before);
	}

	while (total_pkts < count) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (secs && t1.tv_sec - t0.tv_sec >= secs) {
			printf("espfuzz: stopped after %ld s, as asked\n", secs);
			break;
		}
		for (i = 0; i < NCLASS; i++)
			order[i] = i;
		for (i = NCLASS - 1; i > 0; i--) {
			j = rnd_n(i + 1);
			int t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < NCLASS && total_pkts < count; i++)
			run_batch(order[i],
				  order[i] == CL_TRUNC || order[i] == CL_BIG ?
				  1 + batch / 10 : batch);
	}
	fclose(logf);

	printf("%-18s %9s %9s  expected outcomes\n", "class", "cases", "frames");
	for (i = 0; i < NCLASS; i++) {
		printf("%-18s %9ld %9ld ", clname[i], sent_class[i],
		       pkts_class[i]);
		for (j = 0; j < NC; j++)
			if (sum_class[i][j])
				printf(" %s=%ld", cname[j], sum_class[i][j]);
		printf("\n");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("espfuzz: seed %ld, %ld frames sent, %d batches miscounted, %.0f frames/s\n",
	       seed, total_pkts, batch_fails,
	       total_pkts / (t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9));
	return batch_fails ? 1 : 0;
}
