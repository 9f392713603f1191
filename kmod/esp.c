// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303), every algorithm through one AEAD transform (algs.c).
 *
 * On the wire:
 *
 *   [IP header(s)][SPI|seq][IV][payload|pad|padlen|next header][ICV]
 *
 * The transform sees two pieces: the associated data, SPI|seq (SPI|seq-hi|
 * seq-lo with extended sequence numbers, RFC 4303 2.2.1 and RFC 4106 5),
 * held in the packet's context because the high half never travels; then
 * the packet from the IV on, the IV counted as associated data as the
 * rfc4106/rfc4543/rfc7539esp templates and authenc expect it.  IVs are the
 * 64-bit sequence number where the algorithm only needs uniqueness (GCM,
 * GMAC, ChaCha20-Poly1305, CTR) and random bytes where it needs
 * unpredictability (CBC).
 *
 * Each packet in flight has one kipsec_esp_ctx holding its skb, its SA
 * reference and the crypto request.  A transform prepares the packet,
 * submits the request and, unless the crypto API answered -EINPROGRESS,
 * calls its completion function itself; an asynchronous driver calls the
 * same function later.  That function is the only place the packet moves
 * on or is dropped.
 */
#include <crypto/aead.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <linux/kipsec.h>
#include <net/dst.h>
#include <net/esp.h>
#include <net/ip.h>

#include "compat.h"
#include "encap.h"
#include "esp.h"
#include "hooks.h"
#include "kipsec.h"
#include "lifetime.h"
#include "natt.h"

#define KIPSEC_ESP_MAX_IV	16

struct kipsec_esp_ctx {
	struct kipsec_net *kn;
	struct sk_buff *skb;
	struct kipsec_sa *sa;
	struct net_device *dev;	/* input: held while the packet is away */
	u64 seq;		/* output: the packet's place in the SA's queue */
	struct kipsec_replay_item rx;	/* input: its place in the window's */
	unsigned int len;	/* output: plaintext bytes, for the counters */
	struct kipsec_hdr_pos pos;	/* input: where the ESP header is */
	__be16 encap_sport;	/* input: UDP source port of ESP in UDP, or 0 */
	u16 cpu;		/* input: where the request was submitted */
	bool async;		/* input: the transform answered -EINPROGRESS */
	struct scatterlist sg[2];
	__be32 ad[3];		/* SPI, [seq-hi,] seq-lo */
	u8 iv[KIPSEC_ESP_MAX_IV];
	/* struct aead_request follows, suitably aligned */
};

static unsigned int kipsec_esp_ctx_head(void)
{
	return ALIGN(sizeof(struct kipsec_esp_ctx), crypto_tfm_ctx_alignment());
}

static struct kipsec_esp_ctx *kipsec_esp_ctx_alloc(struct kipsec_net *kn,
						   struct sk_buff *skb,
						   struct kipsec_sa *sa)
{
	struct kipsec_esp_ctx *ctx;

	ctx = kmalloc(kipsec_esp_ctx_head() + sizeof(struct aead_request) +
		      crypto_aead_reqsize(sa->aead), GFP_ATOMIC);
	if (!ctx)
		return NULL;
	ctx->kn = kn;
	ctx->skb = skb;
	ctx->sa = sa;
	ctx->dev = NULL;
	return ctx;
}

static struct aead_request *kipsec_esp_req(struct kipsec_esp_ctx *ctx)
{
	return (void *)ctx + kipsec_esp_ctx_head();
}

/* The packet is gone (delivered, sent or dropped): release what it held. */
static void kipsec_esp_ctx_free(struct kipsec_esp_ctx *ctx)
{
	struct kipsec_net *kn = ctx->kn;

	if (ctx->dev)
		dev_put(ctx->dev);
	kipsec_sa_put(ctx->sa);
	kfree(ctx);
	kipsec_inflight_put(kn);
}

/*
 * Associated data and the two-piece scatterlist for a request on the
 * ESP header at @esph, whose crypto region runs @len bytes from the IV.
 * Returns assoclen.
 */
static unsigned int kipsec_esp_sg(struct kipsec_esp_ctx *ctx,
				  const struct ip_esp_hdr *esph,
				  unsigned int len, u64 seq)
{
	const struct kipsec_sa *sa = ctx->sa;
	unsigned int adlen;

	ctx->ad[0] = esph->spi;
	if (sa->flags & KIPSEC_SA_FLAG_ESN) {
		ctx->ad[1] = htonl(seq >> 32);
		ctx->ad[2] = esph->seq_no;
		adlen = 12;
	} else {
		ctx->ad[1] = esph->seq_no;
		adlen = 8;
	}
	sg_init_table(ctx->sg, 2);
	sg_set_buf(&ctx->sg[0], ctx->ad, adlen);
	sg_set_buf(&ctx->sg[1], (void *)esph->enc_data, len);
	return adlen + sa->iv_len;
}

/*
 * Make @skb linear, private, and give it @head bytes of headroom and
 * @tail of tailroom, so the transform can work on it in place.  Copies
 * only what is shared or missing (e.g. TCP's cloned segments).
 */
int kipsec_skb_make_room(struct sk_buff *skb, unsigned int head,
			 unsigned int tail)
{
	unsigned int nhead, ntail;

	if (skb_is_nonlinear(skb) && __skb_linearize(skb))
		return -ENOMEM;
	nhead = head > skb_headroom(skb) ? head - skb_headroom(skb) : 0;
	ntail = tail > skb_tailroom(skb) ? tail - skb_tailroom(skb) : 0;
	if (nhead || ntail || skb_cloned(skb))
		return pskb_expand_head(skb, nhead ? ALIGN(nhead, NET_SKB_PAD) : 0,
					ntail, GFP_ATOMIC);
	return 0;
}

/* ---- output ---------------------------------------------------------- */

static void kipsec_esp_output_done(struct kipsec_esp_ctx *ctx, int err)
{
	struct kipsec_sa_stats *s;

	if (unlikely(err)) {
		kipsec_stats_inc(ctx->kn, KIPSEC_STAT_TX_CRYPTO_ERROR);
		this_cpu_inc(ctx->sa->stats->errors);
		net_dbg_ratelimited("kipsec: encryption failed (%d)\n", err);
	} else {
		if (ctx->sa->encap_type && ctx->skb->protocol == htons(ETH_P_IPV6))
			kipsec_natt_csum6(ctx->skb);
		s = this_cpu_ptr(ctx->sa->stats);
		s->tx_packets++;
		s->tx_bytes += ctx->len;
		kipsec_stats_inc(ctx->kn, KIPSEC_STAT_TX_PACKETS);
	}
	/* before ctx_free: its SA reference keeps the SA's queue alive */
	kipsec_output_ordered(ctx->kn, ctx->sa, ctx->skb, ctx->seq, err);
	kipsec_esp_ctx_free(ctx);
}

static KIPSEC_CRYPTO_DONE(kipsec_esp_output_async)
{
	kipsec_esp_output_done(KIPSEC_CRYPTO_DATA(), err);
}

void kipsec_esp_output(struct kipsec_net *kn, struct sk_buff *skb,
		       struct kipsec_sa *sa)
{
	unsigned int plen, padlen, tlen, hlen, ulen, assoclen, i;
	struct kipsec_esp_ctx *ctx;
	struct kipsec_hdr_pos pos;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	u8 *tail;
	u64 seq;
	int err;

	kipsec_inflight_get(kn);
	ctx = kipsec_esp_ctx_alloc(kn, skb, sa);
	if (!ctx) {
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_NOMEM);
		kfree_skb(skb);
		kipsec_sa_put(sa);
		kipsec_inflight_put(kn);
		return;
	}

	err = kipsec_encap_pos(skb, sa, &pos);
	if (err) {
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_MALFORMED);
		goto drop;
	}
	hlen = sizeof(*esph) + sa->iv_len;
	ulen = sa->encap_type ? sizeof(struct udphdr) : 0;
	plen = skb->len - pos.off;
	ctx->len = plen;
	padlen = ALIGN(plen + 2, sa->align) - plen - 2;
	tlen = padlen + 2 + sa->icv_len;
	err = kipsec_skb_make_room(skb, KIPSEC_MAX_OUTER + ulen + hlen +
				   LL_RESERVED_SPACE(skb_dst(skb)->dev), tlen);
	if (err) {
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_NOMEM);
		goto drop;
	}
	if (!kipsec_sa_account(kn, sa, plen)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_SA_EXPIRED);
		goto drop;
	}
	/* from here on, the packet ends in kipsec_output_ordered() */
	if (!kipsec_sa_next_seq(kn, sa, &seq))
		goto drop;
	ctx->seq = seq;

	/* trailer: self-describing padding 1, 2, 3... (RFC 4303 2.4) */
	tail = skb_put(skb, tlen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = pos.inner;

	esph = kipsec_encap_push(kn, skb, sa, &pos, ulen + hlen);
	if (ulen) {
		kipsec_natt_push(skb, sa, &pos, esph);
		esph = (void *)esph + ulen;
	}
	kipsec_output_fixup(skb);

	esph->spi = sa->key.spi;
	esph->seq_no = htonl((u32)seq);
	if (sa->random_iv)
		get_random_bytes(ctx->iv, sa->iv_len);
	else
		put_unaligned_be64(seq, ctx->iv);
	memcpy(esph->enc_data, ctx->iv, sa->iv_len);

	assoclen = kipsec_esp_sg(ctx, esph, sa->iv_len + plen + tlen, seq);
	req = kipsec_esp_req(ctx);
	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, kipsec_esp_output_async, ctx);
	aead_request_set_crypt(req, ctx->sg, ctx->sg, plen + padlen + 2,
			       ctx->iv);
	aead_request_set_ad(req, assoclen);

	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return;
	kipsec_esp_output_done(ctx, err);
	return;

drop:
	this_cpu_inc(sa->stats->errors);
	kfree_skb(skb);
	kipsec_esp_ctx_free(ctx);
}

/* ---- input ----------------------------------------------------------- */

/* in ticket order (replay.h); @fresh: authentic and new to the window */
static void kipsec_esp_input_finish(struct kipsec_replay_item *item, bool fresh)
{
	struct kipsec_esp_ctx *ctx = container_of(item, struct kipsec_esp_ctx, rx);
	struct kipsec_net *kn = ctx->kn;
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	unsigned int end, padlen, hlen;
	u8 nexthdr;

	if (!item->authentic)
		goto drop;	/* counted in kipsec_esp_input_done() */
	if (!fresh) {
		char when[80];

		snprintf(when, sizeof(when),
			 "after its ICV verified (%s, submitted on CPU %u, done on CPU %u)",
			 ctx->async ? "asynchronously" : "synchronously",
			 ctx->cpu, raw_smp_processor_id());
		kipsec_replay_note_drop(&sa->replay, item->seq, sa->key.spi, when);
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_REPLAY);
		this_cpu_inc(sa->stats->replay);
		goto drop;
	}
	/* a fresh, authentic packet: where it came from counts */
	if (ctx->encap_sport)
		kipsec_natt_mapping(kn, sa, skb, ctx->encap_sport);

	hlen = sizeof(struct ip_esp_hdr) + sa->iv_len;
	end = skb->len - sa->icv_len;
	padlen = skb->data[end - 2];
	nexthdr = skb->data[end - 1];
	if (ctx->pos.off + hlen + 2 + padlen > end)
		goto malformed;
	if (pskb_trim(skb, end - 2 - padlen))
		goto malformed;
	if (kipsec_decap(skb, sa, &ctx->pos, hlen, nexthdr))
		goto malformed;

	if (!kipsec_input_accept(kn, skb, sa, ctx->pos.off))
		goto drop;
	kipsec_esp_ctx_free(ctx);
	return;

malformed:
	kipsec_stats_inc(kn, KIPSEC_STAT_RX_MALFORMED);
	this_cpu_inc(sa->stats->errors);
drop:
	net_dbg_ratelimited("kipsec: dropped inbound ESP, SPI 0x%08x seq %llu\n",
			    ntohl(sa->key.spi), item->seq);
	kfree_skb(skb);
	kipsec_esp_ctx_free(ctx);
}

/* the crypto API is done with the packet; the window takes it in order */
static void kipsec_esp_input_done(struct kipsec_esp_ctx *ctx, int err)
{
	struct kipsec_sa *sa = ctx->sa;

	if (unlikely(err)) {
		if (err == -EBADMSG) {
			kipsec_stats_inc(ctx->kn, KIPSEC_STAT_RX_AUTH_FAIL);
			this_cpu_inc(sa->stats->auth_fail);
		} else {
			kipsec_stats_inc(ctx->kn, KIPSEC_STAT_RX_CRYPTO_ERROR);
			this_cpu_inc(sa->stats->errors);
		}
	}
	kipsec_replay_commit(&sa->replay, &ctx->rx, !err,
			     kipsec_esp_input_finish);
}

static KIPSEC_CRYPTO_DONE(kipsec_esp_input_async)
{
	kipsec_esp_input_done(KIPSEC_CRYPTO_DATA(), err);
}

void kipsec_esp_input(struct kipsec_net *kn, struct sk_buff *skb,
		      struct kipsec_sa *sa, const struct kipsec_hdr_pos *pos,
		      __be16 encap_sport)
{
	unsigned int len, hlen, assoclen, bs;
	struct kipsec_esp_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	u64 seq;
	int err;

	kipsec_inflight_get(kn);
	if (kipsec_skb_make_room(skb, 0, 0)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_NOMEM);
		goto drop;
	}
	hlen = sizeof(*esph) + sa->iv_len;
	len = skb->len - pos->off;
	bs = crypto_aead_blocksize(sa->aead);
	/* header, IV, at least the 2 trailer bytes, ICV; whole blocks */
	if (len < hlen + 2 + sa->icv_len ||
	    (len - hlen - sa->icv_len) % bs) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_MALFORMED);
		this_cpu_inc(sa->stats->errors);
		goto drop;
	}
	esph = (struct ip_esp_hdr *)(skb_network_header(skb) + pos->off);
	if (sa->flags & KIPSEC_SA_FLAG_ESN)
		seq = kipsec_replay_infer(&sa->replay, ntohl(esph->seq_no));
	else
		seq = ntohl(esph->seq_no);
	if (!kipsec_replay_check(&sa->replay, seq)) {
		kipsec_replay_note_drop(&sa->replay, seq, sa->key.spi,
					"before decryption");
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_REPLAY);
		this_cpu_inc(sa->stats->replay);
		goto drop;
	}

	ctx = kipsec_esp_ctx_alloc(kn, skb, sa);
	if (!ctx) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_NOMEM);
		goto drop;
	}
	ctx->pos = *pos;
	ctx->encap_sport = encap_sport;
	ctx->dev = skb->dev;
	dev_hold(ctx->dev);
	memcpy(ctx->iv, esph->enc_data, sa->iv_len);

	assoclen = kipsec_esp_sg(ctx, esph, len - sizeof(*esph), seq);
	req = kipsec_esp_req(ctx);
	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, kipsec_esp_input_async, ctx);
	aead_request_set_crypt(req, ctx->sg, ctx->sg, len - hlen, ctx->iv);
	aead_request_set_ad(req, assoclen);

	/* from here on, the packet ends in kipsec_esp_input_done() */
	kipsec_replay_ticket(&sa->replay, &ctx->rx, seq);
	ctx->cpu = raw_smp_processor_id();
	ctx->async = true;	/* the completion may run before decrypt returns */
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
	ctx->async = false;
	kipsec_esp_input_done(ctx, err);
	return;

drop:
	kfree_skb(skb);
	kipsec_sa_put(sa);
	kipsec_inflight_put(kn);
}
