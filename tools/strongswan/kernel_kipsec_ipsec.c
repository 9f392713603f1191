// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel_ipsec_t object: the request handle, what the backend
 * supports, and charon's IKE sockets handed to kipsec by file descriptor.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "kernel_kipsec.h"

const char *kk_error(kernel_kipsec_t *this)
{
	return kipsec_nl_error(this->nl)->msg;
}

int kk_request(kernel_kipsec_t *this, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data, int quiet, const char *what)
{
	const struct kipsec_nl_error *e;
	int ret;

	ret = kipsec_nl_do(this->nl, nlh, cb, data);
	if (ret && ret != quiet) {
		e = kipsec_nl_error(this->nl);
		if (e->attr[0])
			DBG1(DBG_KNL, "kipsec: %s failed: %s (attribute %s)",
			     what, e->msg, e->attr);
		else
			DBG1(DBG_KNL, "kipsec: %s failed: %s", what, e->msg);
	}
	return ret;
}

void kk_addr_from_host(struct kipsec_addr *addr, host_t *host)
{
	chunk_t bytes = host->get_address(host);

	memset(addr, 0, sizeof(*addr));
	addr->family = host->get_family(host);
	memcpy(addr->bytes, bytes.ptr, min(bytes.len, sizeof(addr->bytes)));
}

host_t *kk_host_from_attr(const struct nlattr *attr, uint16_t port)
{
	struct kipsec_addr addr;

	if (!attr || kipsec_attr_get_addr(attr, &addr))
		return NULL;
	return host_create_from_chunk(addr.family,
				      chunk_create(addr.bytes,
						   kipsec_addr_len(&addr)),
				      port);
}

time_t kk_monotonic(uint64_t wallclock)
{
	time_t now = time(NULL);

	if (!wallclock)
		return 0;
	/* a time in the future (clock stepped back): call it now */
	if ((uint64_t)now < wallclock)
		return time_monotonic(NULL);
	return time_monotonic(NULL) - (now - (time_t)wallclock);
}

/*
 * ESP_V3_TFC: inbound tunnel-mode packets are cut to the inner header's
 * length, so TFC padding from the peer is accepted (kipsec adds none).
 * POLICY_SPI: an outbound template with an SPI selects exactly that SA,
 * so charon may install a new outbound SA before it moves the policy.
 */
static kernel_feature_t kk_get_features(kernel_ipsec_t *public)
{
	(void)public;
	return KERNEL_ESP_V3_TFC | KERNEL_POLICY_SPI;
}

static status_t kk_get_cpi(kernel_ipsec_t *public, host_t *src, host_t *dst,
			   uint16_t *cpi)
{
	(void)public;
	(void)cpi;
	DBG1(DBG_KNL, "kipsec: no IPComp, no CPI for %H == %H", src, dst);
	return NOT_SUPPORTED;
}

/*
 * Hand the socket @fd to kipsec with @flags.  kipsec resolves the
 * descriptor in the context of the process that sends the request: this
 * one, charon.
 */
static bool kk_sock_add(kernel_kipsec_t *this, int fd, uint32_t flags,
			const char *what)
{
	struct kk_msg m;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	if (fd < 0) {
		DBG1(DBG_KNL, "kipsec: %s: invalid socket %d", what, fd);
		return FALSE;
	}
	nlh = kipsec_nl_msg_init(m.buf, kipsec_nl_family(this->nl),
				 KIPSEC_CMD_SOCK_ADD);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SOCK);
	mnl_attr_put_u32(nlh, KIPSEC_A_SOCK_FD, fd);
	mnl_attr_put_u32(nlh, KIPSEC_A_SOCK_FLAGS, flags);
	mnl_attr_nest_end(nlh, nest);

	this->mutex->lock(this->mutex);
	ret = kk_request(this, nlh, NULL, NULL, 0, what);
	this->mutex->unlock(this->mutex);
	return ret == 0;
}

static bool kk_bypass_socket(kernel_ipsec_t *public, int fd, int family)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;

	DBG2(DBG_KNL, "kipsec: IKE socket %d (%s) bypasses the SPD", fd,
	     family == AF_INET ? "IPv4" : "IPv6");
	return kk_sock_add(this, fd, KIPSEC_SOCK_F_BYPASS,
			   "bypass for an IKE socket");
}

/* No UDP_ENCAP socket option: kipsec takes the socket's encapsulation over. */
static bool kk_enable_udp_decap(kernel_ipsec_t *public, int fd, int family,
				uint16_t port)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;

	DBG2(DBG_KNL, "kipsec: ESP-in-UDP decapsulation on socket %d (%s port %u)",
	     fd, family == AF_INET ? "IPv4" : "IPv6", port);
	return kk_sock_add(this, fd, KIPSEC_SOCK_F_ESPINUDP,
			   "ESP-in-UDP decapsulation for the NAT-T socket");
}

static void kk_destroy(kernel_ipsec_t *public)
{
	kernel_kipsec_t *this = (kernel_kipsec_t *)public;

	kk_events_stop(this);
	if (this->policies)
		kk_policy_table_destroy(this);
	if (this->nl)
		kipsec_nl_close(this->nl);
	DESTROY_IF(this->mutex);
	free(this);
}

kernel_ipsec_t *kernel_kipsec_ipsec_create(void)
{
	struct kipsec_nl_error err;
	kernel_kipsec_t *this;
	uint32_t lo, hi;

	INIT(this,
		.public = {
			.get_features = kk_get_features,
			.get_spi = kk_get_spi,
			.get_cpi = kk_get_cpi,
			.add_sa = kk_add_sa,
			.update_sa = kk_update_sa,
			.query_sa = kk_query_sa,
			.del_sa = kk_del_sa,
			.flush_sas = kk_flush_sas,
			.add_policy = kk_add_policy,
			.query_policy = kk_query_policy,
			.del_policy = kk_del_policy,
			.flush_policies = kk_flush_policies,
			.bypass_socket = kk_bypass_socket,
			.enable_udp_decap = kk_enable_udp_decap,
			.destroy = kk_destroy,
		},
		.mutex = mutex_create(MUTEX_TYPE_DEFAULT),
		.policies = kk_policy_table_create(),
	);

	/* the SPI range charon's kernel-netlink uses, and its settings */
	lo = lib->settings->get_int(lib->settings, "%s.spi_min",
				    KERNEL_SPI_MIN, lib->ns);
	hi = lib->settings->get_int(lib->settings, "%s.spi_max",
				    KERNEL_SPI_MAX, lib->ns);
	this->spi_min = min(lo, hi);
	this->spi_max = max(lo, hi);
	if (!this->spi_min) {
		DBG1(DBG_KNL, "kipsec: SPI 0 is reserved, allocating from 0x%08x",
		     KERNEL_SPI_MIN);
		this->spi_min = KERNEL_SPI_MIN;
		this->spi_max = max(this->spi_max, this->spi_min);
	}

	if (kipsec_nl_open(&this->nl, &err)) {
		DBG1(DBG_KNL, "kipsec: cannot open the kipsec netlink family: %s",
		     err.msg);
		kk_destroy(&this->public);
		return NULL;
	}
	/* starter has no threads and wants no events */
	if (!streq(lib->ns, "starter") && !kk_events_start(this)) {
		kk_destroy(&this->public);
		return NULL;
	}
	DBG1(DBG_KNL, "kipsec: IPsec backend ready (kipsec netlink family version %u)",
	     kipsec_nl_version(this->nl));
	return &this->public;
}
