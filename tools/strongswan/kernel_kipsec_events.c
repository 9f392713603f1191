// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec's "events" multicast group, read by charon's watcher thread on a
 * handle of its own, turned into charon's kernel events:
 *
 *   ACQUIRE_NTF     -> acquire(reqid of the policy's template, the
 *                      triggering packet's addresses, protocol and ports)
 *   SA_EXPIRE_NTF   -> expire(protocol, SPI, destination, hard)
 *   SA_MAPPING_NTF  -> mapping(protocol, SPI, destination, new address
 *                      and port of the peer)
 *
 * The group also carries every SA and policy change, ours included: those
 * are not charon's business and are skipped.
 */
#include <errno.h>
#include <fcntl.h>

#include <processing/watcher.h>

#include "kernel_kipsec.h"

/* One side of the triggering packet as a traffic selector. */
static traffic_selector_t *kk_packet_ts(const struct nlattr **sel, bool src)
{
	const struct nlattr *addr = sel[src ? KIPSEC_A_SEL_SRC : KIPSEC_A_SEL_DST];
	const struct nlattr *plen = sel[src ? KIPSEC_A_SEL_SRC_PREFIXLEN :
					      KIPSEC_A_SEL_DST_PREFIXLEN];
	const struct nlattr *port = sel[src ? KIPSEC_A_SEL_SPORT_MIN :
					      KIPSEC_A_SEL_DPORT_MIN];
	uint8_t proto = 0, len;
	uint16_t from = 0, to = 0xffff;
	traffic_selector_t *ts;
	host_t *host;

	host = kk_host_from_attr(addr, 0);
	if (!host)
		return NULL;
	len = host->get_family(host) == AF_INET ? 32 : 128;
	if (plen && mnl_attr_get_u32(plen) <= len)
		len = mnl_attr_get_u32(plen);
	if (sel[KIPSEC_A_SEL_PROTO])
		proto = mnl_attr_get_u32(sel[KIPSEC_A_SEL_PROTO]);
	if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) &&
	    sel[KIPSEC_A_SEL_ICMP_TYPE]) {
		/* strongSwan's encoding: type in the high byte, code low */
		from = mnl_attr_get_u32(sel[KIPSEC_A_SEL_ICMP_TYPE]) << 8;
		to = from | 0xff;
		if (sel[KIPSEC_A_SEL_ICMP_CODE]) {
			from |= mnl_attr_get_u32(sel[KIPSEC_A_SEL_ICMP_CODE]) & 0xff;
			to = from;
		}
	} else if (port) {
		from = to = kipsec_attr_get_be16(port);
	}
	ts = traffic_selector_create_from_subnet(host, len, proto, from, to);
	return ts;	/* took @host */
}

static void kk_event_acquire(const struct nlattr **tb)
{
	const struct nlattr *pol[KIPSEC_A_POLICY_MAX + 1];
	const struct nlattr *tmpl[KIPSEC_A_TMPL_MAX + 1];
	const struct nlattr *sel[KIPSEC_A_SEL_MAX + 1];
	kernel_acquire_data_t data = { 0 };
	uint32_t reqid = 0;

	if (!tb[KIPSEC_A_POLICY] ||
	    kipsec_attr_parse_nest(tb[KIPSEC_A_POLICY], KIPSEC_SET_POLICY, pol) ||
	    !pol[KIPSEC_A_POLICY_TMPL] ||
	    kipsec_attr_parse_nest(pol[KIPSEC_A_POLICY_TMPL], KIPSEC_SET_TMPL,
				   tmpl)) {
		DBG1(DBG_KNL, "kipsec: acquire without a policy template, ignored");
		return;
	}
	if (tmpl[KIPSEC_A_TMPL_REQID])
		reqid = mnl_attr_get_u32(tmpl[KIPSEC_A_TMPL_REQID]);
	if (tb[KIPSEC_A_PACKET] &&
	    !kipsec_attr_parse_nest(tb[KIPSEC_A_PACKET], KIPSEC_SET_SEL, sel)) {
		data.src = kk_packet_ts(sel, true);
		data.dst = kk_packet_ts(sel, false);
	} else {
		DBG1(DBG_KNL, "kipsec: acquire for reqid %u without the packet: charon uses the policy's selectors",
		     reqid);
	}
	DBG2(DBG_KNL, "kipsec: acquire reqid %u for %R === %R", reqid,
	     data.src, data.dst);
	charon->kernel->acquire(charon->kernel, reqid, &data);
	DESTROY_IF(data.src);
	DESTROY_IF(data.dst);
}

/* The SA nest of an event: protocol, SPI (network order), destination. */
static host_t *kk_event_sa(const struct nlattr **tb, uint8_t *proto,
			   uint32_t *spi, const char *what)
{
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	host_t *dst;

	if (!tb[KIPSEC_A_SA] ||
	    kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) ||
	    !sa[KIPSEC_A_SA_SPI] || !sa[KIPSEC_A_SA_PROTO] ||
	    !(dst = kk_host_from_attr(sa[KIPSEC_A_SA_DST], 0))) {
		DBG1(DBG_KNL, "kipsec: %s event without an SA id, ignored", what);
		return NULL;
	}
	*proto = mnl_attr_get_u32(sa[KIPSEC_A_SA_PROTO]);
	*spi = htonl(kipsec_attr_get_be32(sa[KIPSEC_A_SA_SPI]));
	return dst;
}

static void kk_event_expire(const struct nlattr **tb)
{
	bool hard = tb[KIPSEC_A_EXPIRE_HARD] != NULL;
	uint32_t spi;
	uint8_t proto;
	host_t *dst;

	dst = kk_event_sa(tb, &proto, &spi, "expire");
	if (!dst)
		return;
	DBG2(DBG_KNL, "kipsec: %s expire of SA %.8x to %H",
	     hard ? "hard" : "soft", ntohl(spi), dst);
	charon->kernel->expire(charon->kernel, proto, spi, dst, hard);
	dst->destroy(dst);
}

static void kk_event_mapping(const struct nlattr **tb)
{
	host_t *dst, *remote;
	uint32_t spi;
	uint8_t proto;

	dst = kk_event_sa(tb, &proto, &spi, "mapping");
	if (!dst)
		return;
	remote = kk_host_from_attr(tb[KIPSEC_A_NEW_ADDR],
				   tb[KIPSEC_A_NEW_PORT] ?
				   kipsec_attr_get_be16(tb[KIPSEC_A_NEW_PORT]) : 0);
	if (!remote || !tb[KIPSEC_A_NEW_PORT]) {
		DBG1(DBG_KNL, "kipsec: mapping event of SA %.8x without the new address and port, ignored",
		     ntohl(spi));
		DESTROY_IF(remote);
		dst->destroy(dst);
		return;
	}
	DBG2(DBG_KNL, "kipsec: SA %.8x: peer now at %#H", ntohl(spi), remote);
	charon->kernel->mapping(charon->kernel, proto, spi, dst, remote);
	remote->destroy(remote);
	dst->destroy(dst);
}

static int kk_event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	uint8_t cmd = kipsec_nl_msg_cmd(nlh);

	(void)data;
	switch (cmd) {
	case KIPSEC_CMD_ACQUIRE_NTF:
	case KIPSEC_CMD_SA_EXPIRE_NTF:
	case KIPSEC_CMD_SA_MAPPING_NTF:
		break;
	default:
		return MNL_CB_OK;
	}
	if (kipsec_attr_parse_msg(nlh, tb)) {
		DBG1(DBG_KNL, "kipsec: malformed %s event, ignored",
		     kipsec_cmd_name(cmd) ?: "?");
		return MNL_CB_OK;
	}
	if (cmd == KIPSEC_CMD_ACQUIRE_NTF)
		kk_event_acquire(tb);
	else if (cmd == KIPSEC_CMD_SA_EXPIRE_NTF)
		kk_event_expire(tb);
	else
		kk_event_mapping(tb);
	return MNL_CB_OK;
}

/* lib->watcher: the socket is readable; read what is there. */
static bool kk_events_read(void *data, int fd, watcher_event_t event)
{
	kernel_kipsec_t *this = data;
	int ret;

	(void)fd;
	(void)event;
	for (;;) {
		ret = kipsec_nl_event_recv(this->events, kk_event_cb, NULL);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			break;
		if (ret == -EINTR || ret >= 0)
			continue;
		DBG1(DBG_KNL, "kipsec: %s", kipsec_nl_error(this->events)->msg);
		if (ret != -ENOBUFS)
			break;
	}
	return TRUE;
}

bool kk_events_start(kernel_kipsec_t *this)
{
	struct kipsec_nl_error err;
	int fd, flags;

	if (kipsec_nl_open(&this->events, &err)) {
		DBG1(DBG_KNL, "kipsec: cannot open the event socket: %s",
		     err.msg);
		return FALSE;
	}
	if (kipsec_nl_subscribe(this->events)) {
		DBG1(DBG_KNL, "kipsec: cannot receive events: %s",
		     kipsec_nl_error(this->events)->msg);
		kipsec_nl_close(this->events);
		this->events = NULL;
		return FALSE;
	}
	fd = kipsec_nl_fd(this->events);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		DBG1(DBG_KNL, "kipsec: cannot make the event socket non-blocking: %s",
		     strerror(errno));
		kipsec_nl_close(this->events);
		this->events = NULL;
		return FALSE;
	}
	lib->watcher->add(lib->watcher, fd, WATCHER_READ, kk_events_read, this);
	return TRUE;
}

void kk_events_stop(kernel_kipsec_t *this)
{
	if (!this->events)
		return;
	lib->watcher->remove(lib->watcher, kipsec_nl_fd(this->events));
	kipsec_nl_close(this->events);
	this->events = NULL;
}
