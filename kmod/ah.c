// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302): integrity for the whole packet, the IP header included,
 * through one keyed hash (an hmac of the kipsec_alg AUTH table).
 *
 * On the wire:
 *
 *   [IP header(s)][next|len|reserved|SPI|seq|ICV|pad][payload]
 *
 * The ICV covers the packet as the final destination will see it: fields
 * that routers change on the way (RFC 4302 3.3.3.1) count as zero, a
 * source-routed packet counts with its final destination, and the ICV
 * field itself counts as zero.  The header is padded to a multiple of 8
 * bytes for both families, as XFRM does: IPv6 requires it (RFC 4302 2.6),
 * and for IPv4 it is still a legal multiple of 4 and what XFRM expects
 * unless its peer says "flag align4".  On input IPv4 accepts both.  With
 * extended sequence numbers the high half, which never travels, is
 * hashed after the packet (RFC 4302 2.5.1).
 *
 * The hash runs on the packet in place.  Before it, the bytes from the
 * network header to AH are copied into the packet's context and the
 * mutable fields zeroed; afterwards the copy goes back.  The context, not
 * the stack, holds the copy, so the request may complete later.  As in
 * esp.c, each packet has one kipsec_ah_ctx, and each direction one
 * completion function, called either right after a synchronous hash or
 * by an asynchronous driver: the only place the packet moves on or is
 * dropped.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/kipsec.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "ah.h"
#include "compat.h"
#include "encap.h"
#include "esp.h"
#include "hooks.h"
#include "kipsec.h"
#include "lifetime.h"

/* next header, payload length, reserved, SPI, sequence number */
#define KIPSEC_AH_FIXED		offsetof(struct ip_auth_hdr, auth_data)

/* IPv4 options RFC 4302 A.1 names immutable, besides EOL and NOP */
#define KIPSEC_IPOPT_ESEC	133	/* extended security, RFC 1108 */
#define KIPSEC_IPOPT_SDB	149	/* directed multi-destination, RFC 1770 */

/* IPv6 option type bit: the data may change en route (RFC 8200 4.2) */
#define KIPSEC_IPV6_OPT_MUTABLE	0x20

struct kipsec_ah_ctx {
	struct kipsec_net *kn;
	struct sk_buff *skb;
	struct kipsec_sa *sa;
	struct net_device *dev;	/* input: held while the packet is away */
	struct kipsec_replay_item rx;	/* input: its place in the window's order */
	unsigned int len;	/* output: payload bytes, for the counters */
	struct kipsec_hdr_pos pos;	/* input: where the AH header is */
	unsigned int hlen;	/* AH header length, padding included */
	unsigned int hdrs;	/* bytes before AH, saved in @saved */
	struct scatterlist sg[2];
	__be32 seqhi;		/* ESN: hashed after the packet */
	u8 icv[HASH_MAX_DIGESTSIZE];	/* input: the ICV received */
	u8 digest[HASH_MAX_DIGESTSIZE];	/* the ICV computed */
	u8 saved[];		/* @hdrs bytes; the ahash_request follows */
};

static unsigned int kipsec_ah_ctx_head(unsigned int hdrs)
{
	return ALIGN(sizeof(struct kipsec_ah_ctx) + hdrs,
		     crypto_tfm_ctx_alignment());
}

static struct kipsec_ah_ctx *kipsec_ah_ctx_alloc(struct kipsec_net *kn,
						 struct sk_buff *skb,
						 struct kipsec_sa *sa,
						 unsigned int hdrs)
{
	struct kipsec_ah_ctx *ctx;

	ctx = kmalloc(kipsec_ah_ctx_head(hdrs) + sizeof(struct ahash_request) +
		      crypto_ahash_reqsize(sa->ahash), GFP_ATOMIC);
	if (!ctx)
		return NULL;
	ctx->kn = kn;
	ctx->skb = skb;
	ctx->sa = sa;
	ctx->dev = NULL;
	ctx->hdrs = hdrs;
	return ctx;
}

static struct ahash_request *kipsec_ah_req(struct kipsec_ah_ctx *ctx)
{
	return (void *)ctx + kipsec_ah_ctx_head(ctx->hdrs);
}

/* The packet is gone (delivered, sent or dropped): release what it held. */
static void kipsec_ah_ctx_free(struct kipsec_ah_ctx *ctx)
{
	struct kipsec_net *kn = ctx->kn;

	if (ctx->dev)
		dev_put(ctx->dev);
	kipsec_sa_put(ctx->sa);
	kfree(ctx);
	kipsec_inflight_put(kn);
}

unsigned int kipsec_ah_hlen(const struct kipsec_sa *sa)
{
	return ALIGN(KIPSEC_AH_FIXED + sa->icv_len, 8);
}

/* ---- mutable fields (RFC 4302 3.3.3.1) ------------------------------- */

/*
 * IPv4 header and options (3.3.3.1.1).  The options have not been
 * checked by the stack yet when a packet reaches us in PRE_ROUTING, so
 * every length is.  On output a source route puts its last address, the
 * final destination, in the header; on input the header already holds it.
 */
static int kipsec_ah_mute4(u8 *nh, unsigned int len, bool out)
{
	struct iphdr *iph = (struct iphdr *)nh;
	u8 *opt = nh + sizeof(*iph), *end = nh + len;
	unsigned int olen;

	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = 0;
	iph->check = 0;

	while (opt < end) {
		if (opt[0] == IPOPT_END)
			break;
		if (opt[0] == IPOPT_NOOP) {
			opt++;
			continue;
		}
		if (end - opt < 2)
			return -EINVAL;
		olen = opt[1];
		if (olen < 2 || olen > end - opt)
			return -EINVAL;
		switch (opt[0]) {
		case IPOPT_SEC:
		case KIPSEC_IPOPT_ESEC:
		case IPOPT_CIPSO:
		case IPOPT_RA:
		case KIPSEC_IPOPT_SDB:
			break;
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			/* type, length, pointer, then at least one address */
			if (olen < 7)
				return -EINVAL;
			if (out)
				memcpy(&iph->daddr, opt + olen - 4, 4);
			fallthrough;
		default:
			memset(opt, 0, olen);
		}
		opt += olen;
	}
	return 0;
}

/* Hop-by-hop or destination options: the data of options that may change. */
static int kipsec_ah_mute6_opts(u8 *h, unsigned int len)
{
	unsigned int off = 2, olen;

	while (off < len) {
		if (h[off] == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (len - off < 2)
			return -EINVAL;
		olen = h[off + 1] + 2;
		if (olen > len - off)
			return -EINVAL;
		if (h[off] & KIPSEC_IPV6_OPT_MUTABLE)
			memset(h + off + 2, 0, olen - 2);
		off += olen;
	}
	return 0;
}

/*
 * A routing header and the destination address as they will be when the
 * packet arrives (3.3.3.1.2): each hop still ahead swaps the destination
 * with the next address of the list, so in the end the list starts
 * with today's destination where the unvisited part began, and the
 * destination is the last address.  Types 0 (RFC 2460, deprecated) and 2
 * (Mobile IPv6) have that plain list after 8 bytes, and are the ones
 * XFRM rearranges alike; a segment routing header (type 4) or anything
 * else still to be routed is refused: we cannot tell its final form.
 */
static int kipsec_ah_rt_final(struct ipv6hdr *ip6h, u8 *h, unsigned int len)
{
	struct ipv6_rt_hdr *rth = (struct ipv6_rt_hdr *)h;
	struct in6_addr *addr = (struct in6_addr *)(h + 8), final;
	unsigned int n, left = rth->segments_left;

	if (!left)
		return 0;
	if (rth->type != IPV6_SRCRT_TYPE_0 && rth->type != IPV6_SRCRT_TYPE_2)
		return -EOPNOTSUPP;
	n = rth->hdrlen / 2;
	if (left > n)
		return -EINVAL;
	final = addr[n - 1];
	memmove(&addr[n - left + 1], &addr[n - left],
		(left - 1) * sizeof(*addr));
	addr[n - left] = ip6h->daddr;
	ip6h->daddr = final;
	rth->segments_left = 0;
	return 0;
}

/*
 * IPv6 header and the extension headers before AH (3.3.3.1.2): only
 * hop-by-hop, destination and routing headers can be there (see
 * kipsec_encap_pos() and kipsec_xform_find()).
 */
static int kipsec_ah_mute6(u8 *nh, unsigned int len)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)nh;
	unsigned int off = sizeof(*ip6h), hl;
	u8 nexthdr = ip6h->nexthdr;
	int err;

	ip6_flow_hdr(ip6h, 0, 0);	/* traffic class, flow label */
	ip6h->hop_limit = 0;

	while (off < len) {
		if (len - off < 8)
			return -EINVAL;
		hl = ipv6_optlen((struct ipv6_opt_hdr *)(nh + off));
		if (hl > len - off)
			return -EINVAL;
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			err = kipsec_ah_mute6_opts(nh + off, hl);
			break;
		case NEXTHDR_ROUTING:
			err = kipsec_ah_rt_final(ip6h, nh + off, hl);
			break;
		default:
			err = -EINVAL;
		}
		if (err)
			return err;
		nexthdr = nh[off];
		off += hl;
	}
	return 0;
}

/*
 * Save the ctx->hdrs bytes before AH and zero what may change in them;
 * the caller hashes, then puts them back with kipsec_ah_restore().
 */
static int kipsec_ah_mute(struct kipsec_ah_ctx *ctx, bool out)
{
	u8 *nh = skb_network_header(ctx->skb);

	memcpy(ctx->saved, nh, ctx->hdrs);
	if (ctx->skb->protocol == htons(ETH_P_IP))
		return kipsec_ah_mute4(nh, ctx->hdrs, out);
	return kipsec_ah_mute6(nh, ctx->hdrs);
}

static void kipsec_ah_restore(struct kipsec_ah_ctx *ctx)
{
	memcpy(skb_network_header(ctx->skb), ctx->saved, ctx->hdrs);
}

/*
 * Start hashing the (linear) packet plus, with ESN, @seq's high half into
 * ctx->digest.  Returns what crypto_ahash_digest() returns.
 */
static int kipsec_ah_hash(struct kipsec_ah_ctx *ctx, u64 seq,
			  crypto_completion_t done)
{
	struct ahash_request *req = kipsec_ah_req(ctx);
	struct sk_buff *skb = ctx->skb;
	unsigned int len = skb->len;

	sg_init_table(ctx->sg, 2);
	sg_set_buf(&ctx->sg[0], skb->data, skb->len);
	if (ctx->sa->flags & KIPSEC_SA_FLAG_ESN) {
		ctx->seqhi = htonl(seq >> 32);
		sg_set_buf(&ctx->sg[1], &ctx->seqhi, sizeof(ctx->seqhi));
		len += sizeof(ctx->seqhi);
	} else {
		sg_mark_end(&ctx->sg[0]);
	}
	ahash_request_set_tfm(req, ctx->sa->ahash);
	ahash_request_set_callback(req, 0, done, ctx);
	ahash_request_set_crypt(req, ctx->sg, ctx->digest, len);
	return crypto_ahash_digest(req);
}

/* ---- setup ----------------------------------------------------------- */

int kipsec_ah_setup(struct kipsec_sa *sa, const struct kipsec_alg_param *auth,
		    struct netlink_ext_ack *extack)
{
	const struct kipsec_alg *a = auth->alg;
	struct crypto_ahash *tfm;
	unsigned int icv;
	int err;

	if (a->null) {
		NL_SET_ERR_MSG_ATTR(extack, auth->attr,
				    "AH needs an integrity algorithm: digest_null is not valid for AH");
		return -EINVAL;
	}
	if (auth->key_len < a->key_min || auth->key_len > a->key_max) {
		KIPSEC_ERR_FMT(extack, "key length not valid for the algorithm",
			       "auth %s: a key of %u bytes is not valid (%u to %u bytes)",
			       a->name, auth->key_len, a->key_min, a->key_max);
		extack->bad_attr = auth->attr;
		return -EINVAL;
	}
	icv = auth->icv_bits ?: a->icv_default;
	if (icv % 32) {
		NL_SET_ERR_MSG_ATTR(extack, auth->attr,
				    "AH ICV length must be a multiple of 32 bits (RFC 4302 2.6)");
		return -EINVAL;
	}
	if (icv < 96 || icv > a->icv_max) {
		KIPSEC_ERR_FMT(extack, "truncation not valid for the algorithm",
			       "%s: truncation to %u bits is not valid (96 to %u)",
			       a->name, icv, a->icv_max);
		extack->bad_attr = auth->attr;
		return -EINVAL;
	}

	tfm = crypto_alloc_ahash(a->name, 0, 0);
	if (IS_ERR(tfm)) {
		err = PTR_ERR(tfm);
		KIPSEC_ERR_FMT(extack, "the kernel crypto API lacks the transform",
			       "the kernel crypto API has no %s (%d)", a->name, err);
		extack->bad_attr = auth->attr;
		return err;
	}
	if (crypto_ahash_digestsize(tfm) < icv / 8 ||
	    crypto_ahash_digestsize(tfm) > HASH_MAX_DIGESTSIZE) {
		KIPSEC_ERR_FMT(extack, "the transform's digest is shorter than the ICV",
			       "%s gives %u bytes, short of the %u-bit ICV",
			       a->name, crypto_ahash_digestsize(tfm), icv);
		err = -EINVAL;
		goto fail;
	}
	err = crypto_ahash_setkey(tfm, auth->key, auth->key_len);
	if (err) {
		KIPSEC_ERR_FMT(extack, "the crypto API refused the key",
			       "%s refused the key (%d)", a->name, err);
		goto fail;
	}

	sa->ahash = tfm;
	sa->icv_len = icv / 8;
	sa->alg[KIPSEC_ALG_AUTH] = a;
	sa->key_bits[KIPSEC_ALG_AUTH] = auth->key_len * 8;
	return 0;

fail:
	extack->bad_attr = auth->attr;
	crypto_free_ahash(tfm);
	return err;
}

/* ---- output ---------------------------------------------------------- */

static void kipsec_ah_output_done(struct kipsec_ah_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa_stats *s;
	struct ip_auth_hdr *ah;

	if (unlikely(err)) {
		kipsec_stats_inc(ctx->kn, KIPSEC_STAT_TX_CRYPTO_ERROR);
		this_cpu_inc(ctx->sa->stats->errors);
		net_dbg_ratelimited("kipsec: AH hash failed (%d)\n", err);
		kfree_skb(skb);
	} else {
		kipsec_ah_restore(ctx);
		ah = (struct ip_auth_hdr *)(skb_network_header(skb) + ctx->hdrs);
		memcpy(ah->auth_data, ctx->digest, ctx->sa->icv_len);
		s = this_cpu_ptr(ctx->sa->stats);
		s->tx_packets++;
		s->tx_bytes += ctx->len;
		kipsec_stats_inc(ctx->kn, KIPSEC_STAT_TX_PACKETS);
		kipsec_output_xmit(ctx->kn, skb);
	}
	kipsec_ah_ctx_free(ctx);
}

static KIPSEC_CRYPTO_DONE(kipsec_ah_output_async)
{
	kipsec_ah_output_done(KIPSEC_CRYPTO_DATA(), err);
}

void kipsec_ah_output(struct kipsec_net *kn, struct sk_buff *skb,
		      struct kipsec_sa *sa)
{
	unsigned int hlen = kipsec_ah_hlen(sa), plen;
	struct kipsec_ah_ctx *ctx;
	struct kipsec_hdr_pos pos;
	struct ip_auth_hdr *ah;
	enum kipsec_stat why;
	u64 seq;
	int err;

	kipsec_inflight_get(kn);
	if (kipsec_encap_pos(skb, sa, &pos)) {
		why = KIPSEC_STAT_TX_MALFORMED;
		goto drop;
	}
	plen = skb->len - pos.off;
	if (!kipsec_sa_account(kn, sa, plen)) {
		why = KIPSEC_STAT_TX_SA_EXPIRED;
		goto drop;
	}
	if (!kipsec_sa_next_seq(kn, sa, &seq)) {
		why = KIPSEC_STAT_MAX;	/* counted as tx_seq_overflow */
		goto drop;
	}
	if (kipsec_skb_make_room(skb, KIPSEC_MAX_OUTER + hlen +
				 LL_RESERVED_SPACE(skb_dst(skb)->dev), 0)) {
		why = KIPSEC_STAT_TX_NOMEM;
		goto drop;
	}

	ah = kipsec_encap_push(kn, skb, sa, &pos, hlen);
	kipsec_output_fixup(skb);
	ah->nexthdr = pos.inner;
	ah->hdrlen = hlen / 4 - 2;	/* in 32-bit words, minus 2 */
	ah->reserved = 0;
	ah->spi = sa->key.spi;
	ah->seq_no = htonl((u32)seq);
	memset(ah->auth_data, 0, hlen - KIPSEC_AH_FIXED);

	ctx = kipsec_ah_ctx_alloc(kn, skb, sa, skb_network_header_len(skb));
	if (!ctx) {
		why = KIPSEC_STAT_TX_NOMEM;
		goto drop;
	}
	ctx->len = plen;
	ctx->hlen = hlen;
	err = kipsec_ah_mute(ctx, true);
	if (err) {
		/* bad options, or a routing header we cannot resolve */
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_MALFORMED);
		this_cpu_inc(sa->stats->errors);
		net_dbg_ratelimited("kipsec: AH cannot protect this packet's IP header (%d)\n",
				    err);
		kfree_skb(skb);
		kipsec_ah_ctx_free(ctx);
		return;
	}

	err = kipsec_ah_hash(ctx, seq, kipsec_ah_output_async);
	if (err == -EINPROGRESS)
		return;
	kipsec_ah_output_done(ctx, err);
	return;

drop:
	if (why != KIPSEC_STAT_MAX)
		kipsec_stats_inc(kn, why);
	this_cpu_inc(sa->stats->errors);
	kfree_skb(skb);
	kipsec_sa_put(sa);
	kipsec_inflight_put(kn);
}

/* ---- input ----------------------------------------------------------- */

/* in ticket order (replay.h); @fresh: authentic and new to the window */
static void kipsec_ah_input_finish(struct kipsec_replay_item *item, bool fresh)
{
	struct kipsec_ah_ctx *ctx = container_of(item, struct kipsec_ah_ctx, rx);
	struct kipsec_net *kn = ctx->kn;
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	u8 nexthdr;

	if (!item->authentic)
		goto drop;	/* counted in kipsec_ah_input_done() */
	if (!fresh) {
		kipsec_replay_note_drop(&sa->replay, item->seq, sa->key.spi,
					"after its ICV verified");
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_REPLAY);
		this_cpu_inc(sa->stats->replay);
		goto drop;
	}

	kipsec_ah_restore(ctx);
	nexthdr = skb_network_header(skb)[ctx->pos.off];
	if (kipsec_decap(skb, sa, &ctx->pos, ctx->hlen, nexthdr)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_MALFORMED);
		this_cpu_inc(sa->stats->errors);
		goto drop;
	}

	if (!kipsec_input_accept(kn, skb, sa, ctx->pos.off))
		goto drop;
	kipsec_ah_ctx_free(ctx);
	return;

drop:
	net_dbg_ratelimited("kipsec: dropped inbound AH, SPI 0x%08x seq %llu\n",
			    ntohl(sa->key.spi), item->seq);
	kfree_skb(skb);
	kipsec_ah_ctx_free(ctx);
}

/* the hash is done; the ICV is compared, the window takes it in order */
static void kipsec_ah_input_done(struct kipsec_ah_ctx *ctx, int err)
{
	struct kipsec_sa *sa = ctx->sa;
	bool authentic = false;

	if (unlikely(err)) {
		kipsec_stats_inc(ctx->kn, KIPSEC_STAT_RX_CRYPTO_ERROR);
		this_cpu_inc(sa->stats->errors);
	} else if (crypto_memneq(ctx->digest, ctx->icv, sa->icv_len)) {
		kipsec_stats_inc(ctx->kn, KIPSEC_STAT_RX_AUTH_FAIL);
		this_cpu_inc(sa->stats->auth_fail);
	} else {
		authentic = true;
	}
	kipsec_replay_commit(&sa->replay, &ctx->rx, authentic,
			     kipsec_ah_input_finish);
}

static KIPSEC_CRYPTO_DONE(kipsec_ah_input_async)
{
	kipsec_ah_input_done(KIPSEC_CRYPTO_DATA(), err);
}

/* Is @hlen, from the header's length field, the one @sa's ICV makes? */
static bool kipsec_ah_hlen_ok(const struct sk_buff *skb,
			      const struct kipsec_sa *sa, unsigned int hlen)
{
	if (hlen == kipsec_ah_hlen(sa))
		return true;
	/* IPv4 needs only 4-byte alignment: peers with "align4" */
	return skb->protocol == htons(ETH_P_IP) &&
	       hlen == ALIGN(KIPSEC_AH_FIXED + sa->icv_len, 4);
}

void kipsec_ah_input(struct kipsec_net *kn, struct sk_buff *skb,
		     struct kipsec_sa *sa, const struct kipsec_hdr_pos *pos)
{
	struct kipsec_ah_ctx *ctx;
	struct ip_auth_hdr *ah;
	unsigned int len, hlen;
	u64 seq;
	int err;

	kipsec_inflight_get(kn);
	if (kipsec_skb_make_room(skb, 0, 0)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_NOMEM);
		goto drop;
	}
	len = skb->len - pos->off;
	ah = (struct ip_auth_hdr *)(skb_network_header(skb) + pos->off);
	if (len < KIPSEC_AH_FIXED)
		goto malformed;
	hlen = (ah->hdrlen + 2) * 4;
	if (!kipsec_ah_hlen_ok(skb, sa, hlen) || hlen > len)
		goto malformed;

	if (sa->flags & KIPSEC_SA_FLAG_ESN)
		seq = kipsec_replay_infer(&sa->replay, ntohl(ah->seq_no));
	else
		seq = ntohl(ah->seq_no);
	if (!kipsec_replay_check(&sa->replay, seq)) {
		kipsec_replay_note_drop(&sa->replay, seq, sa->key.spi,
					"before its ICV check");
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_REPLAY);
		this_cpu_inc(sa->stats->replay);
		goto drop;
	}

	ctx = kipsec_ah_ctx_alloc(kn, skb, sa, pos->off);
	if (!ctx) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_NOMEM);
		goto drop;
	}
	ctx->pos = *pos;
	ctx->hlen = hlen;
	ctx->dev = skb->dev;
	dev_hold(ctx->dev);

	/* the ICV field counts as zero; the padding after it as it came */
	memcpy(ctx->icv, ah->auth_data, sa->icv_len);
	memset(ah->auth_data, 0, sa->icv_len);
	if (kipsec_ah_mute(ctx, false)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_MALFORMED);
		this_cpu_inc(sa->stats->errors);
		net_dbg_ratelimited("kipsec: inbound AH, SPI 0x%08x: unusable IP options or headers\n",
				    ntohl(sa->key.spi));
		kfree_skb(skb);
		kipsec_ah_ctx_free(ctx);
		return;
	}

	/* from here on, the packet ends in kipsec_ah_input_done() */
	kipsec_replay_ticket(&sa->replay, &ctx->rx, seq);
	err = kipsec_ah_hash(ctx, seq, kipsec_ah_input_async);
	if (err == -EINPROGRESS)
		return;
	kipsec_ah_input_done(ctx, err);
	return;

malformed:
	kipsec_stats_inc(kn, KIPSEC_STAT_RX_MALFORMED);
	this_cpu_inc(sa->stats->errors);
drop:
	kfree_skb(skb);
	kipsec_sa_put(sa);
	kipsec_inflight_put(kn);
}
