// SPDX-License-Identifier: GPL-2.0
/*
 * SPIs and SAs: get_spi reserves a larval SA (KIPSEC_CMD_SA_ALLOCSPI),
 * add_sa completes it (SA_UPDATE, inbound) or adds one (SA_ADD, outbound),
 * query_sa reads counters and the last use, update_sa moves the UDP
 * encapsulation ports after a NAT mapping change.
 *
 * SPIs come from charon in network order; kipsec_attr_put_be32() wants
 * host order.
 */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include <sa/task_manager.h>

#include "kernel_kipsec.h"

/* The id of an SA: source, destination, SPI, protocol. */
static void kk_sa_put_id(struct nlmsghdr *nlh, host_t *src, host_t *dst,
			 uint32_t spi, uint8_t proto)
{
	struct kipsec_addr addr;

	if (src) {
		kk_addr_from_host(&addr, src);
		kipsec_attr_put_addr(nlh, KIPSEC_A_SA_SRC, &addr);
	}
	kk_addr_from_host(&addr, dst);
	kipsec_attr_put_addr(nlh, KIPSEC_A_SA_DST, &addr);
	if (spi)
		kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI, ntohl(spi));
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_PROTO, proto);
}

struct kk_sa_reply {
	uint32_t spi;		/* host order */
	uint64_t bytes, packets, last_use;
	bool found;
};

static int kk_sa_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kk_sa_reply *r = data;
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	const struct nlattr *st[KIPSEC_A_SA_STATS_MAX + 1];

	if (kipsec_attr_parse_msg(nlh, tb) || !tb[KIPSEC_A_SA] ||
	    kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	r->found = true;
	if (sa[KIPSEC_A_SA_SPI])
		r->spi = kipsec_attr_get_be32(sa[KIPSEC_A_SA_SPI]);
	if (sa[KIPSEC_A_SA_LAST_USE_TIME])
		r->last_use = mnl_attr_get_u64(sa[KIPSEC_A_SA_LAST_USE_TIME]);
	if (sa[KIPSEC_A_SA_STATS] &&
	    !kipsec_attr_parse_nest(sa[KIPSEC_A_SA_STATS], KIPSEC_SET_SA_STATS,
				    st)) {
		/* an SA counts in one direction only: the sum is that one */
		if (st[KIPSEC_A_SA_STATS_RX_BYTES])
			r->bytes += mnl_attr_get_u64(st[KIPSEC_A_SA_STATS_RX_BYTES]);
		if (st[KIPSEC_A_SA_STATS_TX_BYTES])
			r->bytes += mnl_attr_get_u64(st[KIPSEC_A_SA_STATS_TX_BYTES]);
		if (st[KIPSEC_A_SA_STATS_RX_PACKETS])
			r->packets += mnl_attr_get_u64(st[KIPSEC_A_SA_STATS_RX_PACKETS]);
		if (st[KIPSEC_A_SA_STATS_TX_PACKETS])
			r->packets += mnl_attr_get_u64(st[KIPSEC_A_SA_STATS_TX_PACKETS]);
	}
	return MNL_CB_OK;
}

/* ALLOCSPI's request; @life: the larval SA's lifetime, 0 for the default */
static struct nlmsghdr *kk_allocspi_msg(kernel_kipsec_t *this, struct kk_msg *m,
					host_t *src, host_t *dst,
					uint8_t protocol, uint64_t life)
{
	struct nlattr *nest, *lt;
	struct nlmsghdr *nlh;

	nlh = kipsec_nl_msg_init(m->buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_SA_ALLOCSPI);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kk_sa_put_id(nlh, src, dst, 0, protocol);
	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI_MIN, this->spi_min);
	kipsec_attr_put_be32(nlh, KIPSEC_A_SA_SPI_MAX, this->spi_max);
	if (life) {
		lt = mnl_attr_nest_start(nlh, KIPSEC_A_SA_LIFETIME_HARD);
		mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_ADD_SECS, life);
		mnl_attr_nest_end(nlh, lt);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

status_t kk_get_spi(kernel_ipsec_t *public, host_t *src, host_t *dst,
		    uint8_t protocol, uint32_t *spi)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct kk_sa_reply r = { 0 };
	struct nlmsghdr *nlh;
	struct kk_msg m;
	uint64_t life = 0;
	int ret;

	/* the larval SA lives as long as IKE may retransmit, like XFRM's
	 * xfrm_acq_expires that kernel-netlink sets */
	if (!this->allocspi_default_life)
		life = task_manager_total_retransmit_timeout();
	nlh = kk_allocspi_msg(this, &m, src, dst, protocol, life);
	this->mutex->lock(this->mutex);
	ret = kipsec_nl_do(this->nl, nlh, kk_sa_reply_cb, &r);
	if (ret && life &&
	    !strncmp(kipsec_nl_error(this->nl)->attr, "sa.lifetime-hard", 16)) {
		/* a kipsec from before larval lifetimes: its default, 165 s */
		DBG1(DBG_KNL, "kipsec: %s; larval SAs get kipsec's default lifetime",
		     kk_error(this));
		this->allocspi_default_life = true;
		nlh = kk_allocspi_msg(this, &m, src, dst, protocol, 0);
		ret = kk_request(this, nlh, kk_sa_reply_cb, &r, 0,
				 "allocating an SPI");
	} else if (ret) {
		DBG1(DBG_KNL, "kipsec: allocating an SPI failed: %s",
		     kk_error(this));
	}
	this->mutex->unlock(this->mutex);
	if (ret)
		return FAILED;
	if (!r.spi) {
		DBG1(DBG_KNL, "kipsec: allocating an SPI failed: no SPI in the reply");
		return FAILED;
	}
	*spi = htonl(r.spi);
	DBG2(DBG_KNL, "kipsec: got SPI %.8x for %H == %H", r.spi, src, dst);
	return SUCCESS;
}

/* strongSwan's transform IDs are IKEv2's, "undefined" is IKE's "none". */
static uint16_t kk_ike_id(uint16_t alg, uint16_t undefined)
{
	return alg == undefined ? 0 : alg;
}

/* The algorithm nests of @data, or FALSE (logged) if kipsec lacks them. */
static bool kk_sa_put_algs(struct nlmsghdr *nlh, kernel_ipsec_sa_id_t *id,
			   kernel_ipsec_add_sa_t *data)
{
	const struct kipsec_proposal *p;
	uint16_t encr = kk_ike_id(data->enc_alg, ENCR_UNDEFINED);
	uint16_t integ = kk_ike_id(data->int_alg, AUTH_UNDEFINED);
	chunk_t key;
	bool ok;

	p = kipsec_proposal_find_ike(id->proto, encr, data->enc_key.len, integ);
	if (!p) {
		DBG1(DBG_KNL, "kipsec: %N with %d-bit key and %N is not supported",
		     encryption_algorithm_names, data->enc_alg,
		     (int)data->enc_key.len * 8, integrity_algorithm_names,
		     data->int_alg);
		return FALSE;
	}
	if (data->int_key.len != p->auth_key_len) {
		DBG1(DBG_KNL, "kipsec: %N takes a %u-byte key, not %zu",
		     integrity_algorithm_names, data->int_alg, p->auth_key_len,
		     data->int_key.len);
		return FALSE;
	}
	DBG2(DBG_KNL, "  using %s (kernel %s%s%s)", p->name,
	     p->aead ?: p->enc ?: "", p->auth && p->enc ? " + " : "",
	     p->auth ?: "");
	/* the proposal's key is the encryption key, then the integrity key */
	key = chunk_cat("cc", data->enc_key, data->int_key);
	ok = kipsec_proposal_put(nlh, p, key.ptr, key.len) == 0;
	chunk_clear(&key);
	if (!ok)
		DBG1(DBG_KNL, "kipsec: key of %zu bytes does not fit %s",
		     data->enc_key.len + data->int_key.len, p->name);
	return ok;
}

static void kk_sa_put_life(struct nlmsghdr *nlh, uint16_t type,
			   uint64_t bytes, uint64_t packets, uint64_t secs)
{
	struct nlattr *nest;

	if (!bytes && !packets && !secs)
		return;
	nest = mnl_attr_nest_start(nlh, type);
	if (bytes)
		mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_BYTES, bytes);
	if (packets)
		mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_PACKETS, packets);
	/* charon counts from the SA's addition, not its first use */
	if (secs)
		mnl_attr_put_u64(nlh, KIPSEC_A_LIFE_ADD_SECS, secs);
	mnl_attr_nest_end(nlh, nest);
}

static void kk_sa_put_encap(struct nlmsghdr *nlh, host_t *src, host_t *dst)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA_ENCAP);

	mnl_attr_put_u32(nlh, KIPSEC_A_ENCAP_TYPE, KIPSEC_ENCAP_ESPINUDP);
	kipsec_attr_put_be16(nlh, KIPSEC_A_ENCAP_SPORT, src->get_port(src));
	kipsec_attr_put_be16(nlh, KIPSEC_A_ENCAP_DPORT, dst->get_port(dst));
	mnl_attr_nest_end(nlh, nest);
}

/* What kipsec cannot do, each with the reason in the log. */
static bool kk_sa_supported(kernel_ipsec_sa_id_t *id,
			    kernel_ipsec_add_sa_t *data)
{
	if (id->proto != IPPROTO_ESP && id->proto != IPPROTO_AH) {
		DBG1(DBG_KNL, "kipsec: protocol %u is not supported (ESP and AH only)",
		     id->proto);
		return FALSE;
	}
	if (data->ipcomp != IPCOMP_NONE) {
		DBG1(DBG_KNL, "kipsec: IPComp is not supported");
		return FALSE;
	}
	if (data->mode != MODE_TRANSPORT && data->mode != MODE_TUNNEL) {
		DBG1(DBG_KNL, "kipsec: mode %N is not supported (tunnel and transport only)",
		     ipsec_mode_names, data->mode);
		return FALSE;
	}
	if (id->mark.value || id->mark.mask || data->mark.value ||
	    data->mark.mask) {
		DBG1(DBG_KNL, "kipsec: marks on SAs are not supported");
		return FALSE;
	}
	if (id->if_id) {
		DBG1(DBG_KNL, "kipsec: interface IDs (XFRM interfaces) are not supported");
		return FALSE;
	}
	if (data->hw_offload == HW_OFFLOAD_YES) {
		DBG1(DBG_KNL, "kipsec: hardware offload is not supported");
		return FALSE;
	}
	if (data->label) {
		DBG1(DBG_KNL, "kipsec: security labels are not supported");
		return FALSE;
	}
	if (data->encap && id->proto != IPPROTO_ESP) {
		DBG1(DBG_KNL, "kipsec: UDP encapsulation is for ESP only");
		return FALSE;
	}
	if (data->tfc && !data->inbound && id->proto == IPPROTO_ESP &&
	    data->mode == MODE_TUNNEL) {
		DBG1(DBG_KNL, "kipsec: sending TFC padding is not supported");
		return FALSE;
	}
	return TRUE;
}

/* SA flags and the DF choice, as kernel-netlink sets XFRM's */
static void kk_sa_put_tunnel(struct nlmsghdr *nlh, kernel_ipsec_add_sa_t *data)
{
	uint32_t flags = 0;

	if (!data->copy_ecn)
		flags |= KIPSEC_SA_FLAG_NOECN;
	if (data->inbound && (data->copy_dscp == DSCP_COPY_YES ||
			      data->copy_dscp == DSCP_COPY_IN_ONLY))
		flags |= KIPSEC_SA_FLAG_DECAP_DSCP;
	if (!data->inbound && (data->copy_dscp == DSCP_COPY_IN_ONLY ||
			       data->copy_dscp == DSCP_COPY_NO))
		flags |= KIPSEC_SA_FLAG_DONT_ENCAP_DSCP;
	if (data->esn)
		flags |= KIPSEC_SA_FLAG_ESN;
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_FLAGS, flags);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_TUNNEL_DF,
			 data->copy_df ? KIPSEC_DF_COPY : KIPSEC_DF_CLEAR);
}

status_t kk_add_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		   kernel_ipsec_add_sa_t *data)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	lifetime_cfg_t *lt = data->lifetime;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct kk_msg m;
	char what[64];
	int ret;

	if (!kk_sa_supported(id, data))
		return NOT_SUPPORTED;

	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 data->update ? KIPSEC_CMD_SA_UPDATE :
						KIPSEC_CMD_SA_ADD);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kk_sa_put_id(nlh, id->src, id->dst, id->spi, id->proto);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_MODE, data->mode == MODE_TUNNEL ?
			 KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT);
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_REQID, data->reqid);
	if (!kk_sa_put_algs(nlh, id, data)) {
		explicit_bzero(&m, sizeof(m));
		return NOT_SUPPORTED;
	}
	/* outbound SAs check no sequence numbers: no window */
	mnl_attr_put_u32(nlh, KIPSEC_A_SA_REPLAY_WINDOW,
			 data->inbound ? data->replay_window : 0);
	if (data->mode == MODE_TUNNEL) {
		kk_sa_put_tunnel(nlh, data);
	} else if (data->esn) {
		mnl_attr_put_u32(nlh, KIPSEC_A_SA_FLAGS, KIPSEC_SA_FLAG_ESN);
	}
	if (lt) {
		kk_sa_put_life(nlh, KIPSEC_A_SA_LIFETIME_SOFT, lt->bytes.rekey,
			       lt->packets.rekey, lt->time.rekey);
		kk_sa_put_life(nlh, KIPSEC_A_SA_LIFETIME_HARD, lt->bytes.life,
			       lt->packets.life, lt->time.life);
	}
	if (data->encap)
		kk_sa_put_encap(nlh, id->src, id->dst);
	mnl_attr_nest_end(nlh, nest);

	snprintf(what, sizeof(what), "%s SA %.8x (reqid %u)",
		 data->update ? "completing" : "adding", ntohl(id->spi),
		 data->reqid);
	this->mutex->lock(this->mutex);
	ret = kk_request(this, nlh, NULL, NULL,
			 data->update ? -ENOENT : 0, what);
	if (ret == -ENOENT && data->update) {
		/* the larval SA expired meanwhile: add the SA anew */
		DBG1(DBG_KNL, "kipsec: SPI %.8x no longer reserved, adding the SA",
		     ntohl(id->spi));
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd =
			KIPSEC_CMD_SA_ADD;
		ret = kk_request(this, nlh, NULL, NULL, 0, what);
	}
	this->mutex->unlock(this->mutex);
	explicit_bzero(&m, sizeof(m));		/* the keys */
	if (ret)
		return FAILED;
	DBG2(DBG_KNL, "kipsec: %s SA %.8x %H == %H reqid %u%s",
	     data->inbound ? "inbound" : "outbound", ntohl(id->spi), id->src,
	     id->dst, data->reqid, data->encap ? " (UDP encapsulated)" : "");
	return SUCCESS;
}

/*
 * kipsec can move a valid SA's UDP encapsulation ports (a NAT mapping
 * change); an SA's addresses are its identity and cannot change.
 */
status_t kk_update_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		      kernel_ipsec_update_sa_t *data)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct kk_msg m;
	int ret;

	if (!data->new_src->ip_equals(data->new_src, id->src) ||
	    !data->new_dst->ip_equals(data->new_dst, id->dst)) {
		DBG1(DBG_KNL, "kipsec: SA %.8x cannot move from %H == %H to %H == %H (addresses cannot change)",
		     ntohl(id->spi), id->src, id->dst, data->new_src,
		     data->new_dst);
		return NOT_SUPPORTED;
	}
	if (data->encap != data->new_encap) {
		DBG1(DBG_KNL, "kipsec: SA %.8x cannot %s UDP encapsulation",
		     ntohl(id->spi), data->new_encap ? "start" : "stop");
		return NOT_SUPPORTED;
	}
	if (!data->new_encap) {
		DBG2(DBG_KNL, "kipsec: SA %.8x: nothing to update",
		     ntohl(id->spi));
		return SUCCESS;
	}
	if (data->new_reqid) {
		DBG1(DBG_KNL, "kipsec: SA %.8x cannot change its reqid",
		     ntohl(id->spi));
		return NOT_SUPPORTED;
	}

	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_SA_UPDATE);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kk_sa_put_id(nlh, id->src, id->dst, id->spi, id->proto);
	kk_sa_put_encap(nlh, data->new_src, data->new_dst);
	mnl_attr_nest_end(nlh, nest);

	this->mutex->lock(this->mutex);
	ret = kk_request(this, nlh, NULL, NULL, 0,
			 "changing the UDP encapsulation ports of an SA");
	this->mutex->unlock(this->mutex);
	if (ret)
		return FAILED;
	DBG2(DBG_KNL, "kipsec: SA %.8x now encapsulated %#H == %#H",
	     ntohl(id->spi), data->new_src, data->new_dst);
	return SUCCESS;
}

status_t kk_query_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		     kernel_ipsec_query_sa_t *data, uint64_t *bytes,
		     uint64_t *packets, time_t *time)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct kk_sa_reply r = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct kk_msg m;
	int ret;

	(void)data;
	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_SA_GET);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kk_sa_put_id(nlh, id->src, id->dst, id->spi, id->proto);
	mnl_attr_nest_end(nlh, nest);

	this->mutex->lock(this->mutex);
	ret = kk_request(this, nlh, kk_sa_reply_cb, &r, -ENOENT,
			 "querying an SA");
	this->mutex->unlock(this->mutex);
	if (ret == -ENOENT) {
		DBG2(DBG_KNL, "kipsec: SA %.8x not found", ntohl(id->spi));
		return NOT_FOUND;
	}
	if (ret || !r.found) {
		if (!ret)
			DBG1(DBG_KNL, "kipsec: querying SA %.8x: no SA in the reply",
			     ntohl(id->spi));
		return FAILED;
	}
	if (bytes)
		*bytes = r.bytes;
	if (packets)
		*packets = r.packets;
	if (time)
		*time = kk_monotonic(r.last_use);
	return SUCCESS;
}

status_t kk_del_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		   kernel_ipsec_del_sa_t *data)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct kk_msg m;
	int ret;

	(void)data;
	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_SA_DEL);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	kk_sa_put_id(nlh, id->src, id->dst, id->spi, id->proto);
	mnl_attr_nest_end(nlh, nest);

	this->mutex->lock(this->mutex);
	ret = kk_request(this, nlh, NULL, NULL, -ENOENT, "deleting an SA");
	this->mutex->unlock(this->mutex);
	if (ret == -ENOENT) {
		/* expired (hard limit) or never completed */
		DBG2(DBG_KNL, "kipsec: SA %.8x already gone", ntohl(id->spi));
		return NOT_FOUND;
	}
	if (ret)
		return FAILED;
	DBG2(DBG_KNL, "kipsec: deleted SA %.8x", ntohl(id->spi));
	return SUCCESS;
}

status_t kk_flush_sas(kernel_ipsec_t *public)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;
	struct nlmsghdr *nlh;
	struct kk_msg m;
	int ret;

	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_SA_FLUSH);
	this->mutex->lock(this->mutex);
	ret = kk_request(this, nlh, NULL, NULL, 0, "flushing the SAD");
	this->mutex->unlock(this->mutex);
	return ret ? FAILED : SUCCESS;
}
