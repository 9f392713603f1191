// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303) with an AEAD: rfc4106(gcm(aes)) (RFC 4106).
 *
 * Packet layout, in the order the transforms build and take it apart:
 *
 *   transport: [IP header][SPI|seq][IV][payload|pad|padlen|next][ICV]
 *   tunnel:    [outer IP][SPI|seq][IV][inner IP packet|pad|padlen|4][ICV]
 *
 * The AEAD sees SPI|seq as associated data and the IV as its nonce; with
 * the rfc4106 template the IV sits in the associated data area too, so
 * assoclen = 16 and the crypto region starts at the ESP header.  The IV is
 * the 64-bit sequence number, unique for the life of the key.
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
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/kipsec.h>
#include <net/dst.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>

#include "compat.h"
#include "esp.h"
#include "hooks.h"
#include "kipsec.h"

struct kipsec_esp_ctx {
	struct kipsec_net *kn;
	struct sk_buff *skb;
	struct kipsec_sa *sa;
	struct net_device *dev;	/* input: held while the packet is away */
	u64 seq;		/* input: committed to the window after the ICV */
	unsigned int len;	/* output: plaintext bytes, for the counters */
	struct scatterlist sg;
	u8 iv[KIPSEC_ESP_IV_LEN];
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

int kipsec_esp_init_aead(struct kipsec_sa *sa, const char *name,
			 const u8 *key, unsigned int key_len,
			 unsigned int icv_bits, struct netlink_ext_ack *extack)
{
	struct crypto_aead *aead;
	int err;

	if (strcmp(name, "rfc4106(gcm(aes))")) {
		NL_SET_ERR_MSG(extack,
			       "unsupported AEAD algorithm; supported: rfc4106(gcm(aes))");
		return -EOPNOTSUPP;
	}
	/* AES key and the 4-byte salt */
	if (key_len != 16 + 4 && key_len != 24 + 4 && key_len != 32 + 4) {
		NL_SET_ERR_MSG(extack,
			       "rfc4106(gcm(aes)) key must be an AES key of 128, 192 or 256 bits followed by a 32-bit salt");
		return -EINVAL;
	}
	if (icv_bits != 64 && icv_bits != 96 && icv_bits != 128) {
		NL_SET_ERR_MSG(extack,
			       "rfc4106(gcm(aes)) ICV length must be 64, 96 or 128 bits");
		return -EINVAL;
	}

	aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(aead)) {
		NL_SET_ERR_MSG(extack, "the kernel crypto API has no such AEAD");
		return PTR_ERR(aead);
	}
	err = crypto_aead_setkey(aead, key, key_len);
	if (!err)
		err = crypto_aead_setauthsize(aead, icv_bits / 8);
	if (!err && crypto_aead_ivsize(aead) != KIPSEC_ESP_IV_LEN)
		err = -EINVAL;
	if (err) {
		NL_SET_ERR_MSG(extack, "the crypto API refused the key or ICV length");
		crypto_free_aead(aead);
		return err;
	}
	sa->aead = aead;
	strscpy(sa->alg_name, name, sizeof(sa->alg_name));
	sa->key_bits = key_len * 8;
	sa->icv_len = icv_bits / 8;
	return 0;
}

/*
 * Make @skb linear, private, and give it @head bytes of headroom and
 * @tail of tailroom, so the transform can work on it in place.  Copies
 * only what is shared or missing (e.g. TCP's cloned segments).
 */
static int kipsec_skb_make_room(struct sk_buff *skb, unsigned int head,
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
		kfree_skb(ctx->skb);
	} else {
		s = this_cpu_ptr(ctx->sa->stats);
		s->tx_packets++;
		s->tx_bytes += ctx->len;
		kipsec_stats_inc(ctx->kn, KIPSEC_STAT_TX_PACKETS);
		kipsec_output_xmit4(ctx->kn, ctx->skb);
	}
	kipsec_esp_ctx_free(ctx);
}

static KIPSEC_CRYPTO_DONE(kipsec_esp_output_async)
{
	kipsec_esp_output_done(KIPSEC_CRYPTO_DATA(), err);
}

void kipsec_esp_output(struct kipsec_net *kn, struct sk_buff *skb,
		       struct kipsec_sa *sa)
{
	unsigned int ihl, outer, plen, padlen, tlen, align, i;
	struct kipsec_esp_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	struct iphdr *iph;
	u8 nexthdr, tos;
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

	/* without ESN the 32-bit counter must never wrap (RFC 4303 3.3.3) */
	seq = atomic64_inc_return(&sa->seq_out);
	if (unlikely(seq > U32_MAX)) {
		atomic64_set(&sa->seq_out, U32_MAX);
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_SEQ_OVERFLOW);
		goto drop;
	}

	iph = ip_hdr(skb);
	tos = iph->tos;
	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		ihl = 0;
		outer = sizeof(struct iphdr);
		nexthdr = IPPROTO_IPIP;
	} else {
		ihl = iph->ihl * 4;
		outer = 0;
		nexthdr = iph->protocol;
	}
	plen = skb->len - ihl;
	ctx->len = plen;
	align = max_t(unsigned int, crypto_aead_blocksize(sa->aead), 4);
	padlen = ALIGN(plen + 2, align) - plen - 2;
	tlen = padlen + 2 + sa->icv_len;

	err = kipsec_skb_make_room(skb, outer + KIPSEC_ESP_HLEN +
				   LL_RESERVED_SPACE(skb_dst(skb)->dev), tlen);
	if (err) {
		kipsec_stats_inc(kn, KIPSEC_STAT_TX_NOMEM);
		goto drop;
	}

	/* trailer: self-describing padding 1, 2, 3... (RFC 4303 2.4) */
	tail = skb_put(skb, tlen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = nexthdr;

	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		esph = skb_push(skb, KIPSEC_ESP_HLEN);
		iph = skb_push(skb, sizeof(*iph));
		skb_reset_network_header(skb);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = tos;
		iph->frag_off = 0;
		iph->ttl = ip4_dst_hoplimit(skb_dst(skb));
		iph->protocol = IPPROTO_ESP;
		iph->saddr = sa->pair.saddr.ip4;
		iph->daddr = sa->key.daddr.ip4;
		iph->tot_len = htons(skb->len);
		ip_select_ident(kn->net, skb, NULL);
	} else {
		skb_push(skb, KIPSEC_ESP_HLEN);
		memmove(skb->data, skb->data + KIPSEC_ESP_HLEN, ihl);
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		esph = (struct ip_esp_hdr *)(skb->data + ihl);
		iph->protocol = IPPROTO_ESP;
		iph->tot_len = htons(skb->len);
		/*
		 * Until PMTU is handled, an ESP packet larger than the path
		 * MTU is fragmented rather than dropped.
		 */
		if (skb->len > dst_mtu(skb_dst(skb)))
			iph->frag_off &= ~htons(IP_DF);
	}
	ip_send_check(iph);
	skb_set_transport_header(skb, (u8 *)esph - skb->data);
	skb->protocol = htons(ETH_P_IP);

	esph->spi = sa->key.spi;
	esph->seq_no = htonl((u32)seq);
	put_unaligned_be64(seq, ctx->iv);
	memcpy(esph->enc_data, ctx->iv, KIPSEC_ESP_IV_LEN);

	sg_init_one(&ctx->sg, esph, KIPSEC_ESP_HLEN + plen + tlen);
	req = kipsec_esp_req(ctx);
	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, kipsec_esp_output_async, ctx);
	aead_request_set_crypt(req, &ctx->sg, &ctx->sg, plen + padlen + 2,
			       ctx->iv);
	aead_request_set_ad(req, KIPSEC_ESP_HLEN);

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

/* The decrypted inner packet of a tunnel must be a sane IPv4 packet. */
static bool kipsec_inner_ok4(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return false;
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5 ||
	    !pskb_may_pull(skb, iph->ihl * 4))
		return false;
	iph = ip_hdr(skb);
	len = ntohs(iph->tot_len);
	if (len < iph->ihl * 4 || len > skb->len)
		return false;
	if (ip_fast_csum((const u8 *)iph, iph->ihl))
		return false;
	return !pskb_trim(skb, len);
}

static void kipsec_esp_input_done(struct kipsec_esp_ctx *ctx, int err)
{
	struct kipsec_net *kn = ctx->kn;
	struct sk_buff *skb = ctx->skb;
	struct kipsec_sa *sa = ctx->sa;
	unsigned int ihl, end, padlen, hdrs;
	struct kipsec_sa_stats *s;
	struct iphdr *iph;
	u8 nexthdr, tos;

	if (unlikely(err)) {
		if (err == -EBADMSG) {
			kipsec_stats_inc(kn, KIPSEC_STAT_RX_AUTH_FAIL);
			this_cpu_inc(sa->stats->auth_fail);
		} else {
			kipsec_stats_inc(kn, KIPSEC_STAT_RX_CRYPTO_ERROR);
			this_cpu_inc(sa->stats->errors);
		}
		goto drop;
	}
	/* the authoritative replay check: the ICV is good */
	if (!kipsec_replay_advance(&sa->replay, ctx->seq)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_REPLAY);
		this_cpu_inc(sa->stats->replay);
		goto drop;
	}

	iph = ip_hdr(skb);
	ihl = iph->ihl * 4;
	tos = iph->tos;
	hdrs = ihl + KIPSEC_ESP_HLEN;
	end = skb->len - sa->icv_len;
	padlen = skb->data[end - 2];
	nexthdr = skb->data[end - 1];
	if (hdrs + 2 + padlen > end)
		goto malformed;
	if (pskb_trim(skb, end - 2 - padlen))
		goto malformed;

	if (sa->mode == KIPSEC_MODE_TRANSPORT) {
		memmove(skb->data + KIPSEC_ESP_HLEN, skb->data, ihl);
		__skb_pull(skb, KIPSEC_ESP_HLEN);
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->protocol = nexthdr;
		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	} else {
		if (nexthdr != IPPROTO_IPIP)
			goto malformed;
		__skb_pull(skb, hdrs);
		skb_reset_network_header(skb);
		if (!kipsec_inner_ok4(skb))
			goto malformed;
		iph = ip_hdr(skb);
		/* a congestion mark on the way carries over (RFC 6040) */
		if (INET_ECN_is_ce(tos))
			IP_ECN_set_ce(iph);
		skb->protocol = htons(ETH_P_IP);
	}
	skb_set_transport_header(skb, ip_hdr(skb)->ihl * 4);
	/* the hardware's checksum covered the ciphertext */
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_drop(skb);
	nf_reset_ct(skb);

	/* bytes protected: the payload in transport mode, as on output */
	s = this_cpu_ptr(sa->stats);
	s->rx_packets++;
	s->rx_bytes += sa->mode == KIPSEC_MODE_TRANSPORT ?
		       skb->len - ihl : skb->len;
	kipsec_stats_inc(kn, KIPSEC_STAT_RX_PACKETS);
	kipsec_input_deliver4(kn, skb, sa);
	kipsec_esp_ctx_free(ctx);
	return;

malformed:
	kipsec_stats_inc(kn, KIPSEC_STAT_RX_MALFORMED);
	this_cpu_inc(sa->stats->errors);
drop:
	net_dbg_ratelimited("kipsec: dropped inbound ESP, SPI 0x%08x seq %llu\n",
			    ntohl(sa->key.spi), ctx->seq);
	kfree_skb(skb);
	kipsec_esp_ctx_free(ctx);
}

static KIPSEC_CRYPTO_DONE(kipsec_esp_input_async)
{
	kipsec_esp_input_done(KIPSEC_CRYPTO_DATA(), err);
}

void kipsec_esp_input(struct kipsec_net *kn, struct sk_buff *skb,
		      struct kipsec_sa *sa)
{
	struct kipsec_esp_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	unsigned int ihl, len;
	int err;

	kipsec_inflight_get(kn);
	if (kipsec_skb_make_room(skb, 0, 0)) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_NOMEM);
		goto drop;
	}
	ihl = ip_hdrlen(skb);
	len = skb->len - ihl;
	/* header, IV, at least the 2 trailer bytes, ICV */
	if (len < KIPSEC_ESP_HLEN + 2 + sa->icv_len) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_MALFORMED);
		this_cpu_inc(sa->stats->errors);
		goto drop;
	}
	esph = (struct ip_esp_hdr *)(skb_network_header(skb) + ihl);
	if (!kipsec_replay_check(&sa->replay, ntohl(esph->seq_no))) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_REPLAY);
		this_cpu_inc(sa->stats->replay);
		goto drop;
	}

	ctx = kipsec_esp_ctx_alloc(kn, skb, sa);
	if (!ctx) {
		kipsec_stats_inc(kn, KIPSEC_STAT_RX_NOMEM);
		goto drop;
	}
	ctx->seq = ntohl(esph->seq_no);
	ctx->dev = skb->dev;
	dev_hold(ctx->dev);
	memcpy(ctx->iv, esph->enc_data, KIPSEC_ESP_IV_LEN);

	sg_init_one(&ctx->sg, esph, len);
	req = kipsec_esp_req(ctx);
	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, kipsec_esp_input_async, ctx);
	aead_request_set_crypt(req, &ctx->sg, &ctx->sg, len - KIPSEC_ESP_HLEN,
			       ctx->iv);
	aead_request_set_ad(req, KIPSEC_ESP_HLEN);

	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
	kipsec_esp_input_done(ctx, err);
	return;

drop:
	kfree_skb(skb);
	kipsec_sa_put(sa);
	kipsec_inflight_put(kn);
}
