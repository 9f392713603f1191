// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The kipsec generic netlink socket: family resolution, requests, dumps
 * (restarted when interrupted), extack errors and events.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"

struct kipsec_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t version;
	uint32_t mcgrp;
	bool has_mcgrp;
	struct kipsec_nl_error err;
	char rbuf[KIPSEC_NL_RECV_SIZE] __attribute__((aligned(8)));
};

/* One request and its replies, up to the ack, the error or NLMSG_DONE. */
struct kipsec_nl_txn {
	struct kipsec_nl *nl;
	const struct nlmsghdr *req;
	mnl_cb_t cb;
	void *data;
	int cb_err;		/* positive errno returned by cb */
	bool cb_stop;		/* cb wants no more messages */
	bool intr;		/* dump interrupted: restart it */
	bool done;
};

static void kipsec_nl_error_clear(struct kipsec_nl_error *err)
{
	memset(err, 0, sizeof(*err));
	err->attr_off = -1;
}

static int kipsec_nl_fail(struct kipsec_nl *nl, int err, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	kipsec_nl_error_clear(&nl->err);
	nl->err.err = err;
	va_start(ap, fmt);
	vsnprintf(nl->err.msg, sizeof(nl->err.msg), fmt, ap);
	va_end(ap);
	used = strlen(nl->err.msg);
	snprintf(nl->err.msg + used, sizeof(nl->err.msg) - used, "%s%s",
		 used ? ": " : "", strerror(err));
	return -err;
}

int kipsec_nl_fd(const struct kipsec_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

uint16_t kipsec_nl_family(const struct kipsec_nl *nl)
{
	return nl->family;
}

uint32_t kipsec_nl_version(const struct kipsec_nl *nl)
{
	return nl->version;
}

const struct kipsec_nl_error *kipsec_nl_error(const struct kipsec_nl *nl)
{
	return &nl->err;
}

struct nlmsghdr *kipsec_nl_msg_init(void *buf, uint16_t family, uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/* libmnl < 1.0.5 leaves attribute padding alone: send no stack bytes */
	memset(buf, 0, KIPSEC_NL_MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = KIPSEC_FAMILY_VERSION;
	return nlh;
}

uint8_t kipsec_nl_msg_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return KIPSEC_CMD_UNSPEC;
	return genl->cmd;
}

struct kipsec_nl_extack {
	const char *msg;
	bool has_off, has_miss, has_miss_nest;
	uint32_t off, miss_type, miss_nest;
};

static int kipsec_nl_extack_cb(const struct nlattr *attr, void *data)
{
	struct kipsec_nl_extack *ext = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			ext->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ext->off = mnl_attr_get_u32(attr);
			ext->has_off = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ext->miss_type = mnl_attr_get_u32(attr);
			ext->has_miss = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ext->miss_nest = mnl_attr_get_u32(attr);
			ext->has_miss_nest = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/*
 * Record a kernel error: @err is positive; the extended ack TLVs, if any,
 * start @hlen bytes into the payload of @nlh.
 */
static void kipsec_nl_kernel_error(struct kipsec_nl_txn *txn,
				   const struct nlmsghdr *nlh, int err,
				   size_t hlen)
{
	struct kipsec_nl_error *e = &txn->nl->err;
	struct kipsec_nl_extack ext = { 0 };
	/* name attributes only in our own family's requests */
	bool ours = txn->req->nlmsg_type == txn->nl->family;

	kipsec_nl_error_clear(e);
	e->err = err;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    hlen <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, hlen, kipsec_nl_extack_cb, &ext);

	if (ext.msg && ext.msg[0]) {
		snprintf(e->msg, sizeof(e->msg), "%s", ext.msg);
		e->extack = true;
	}
	if (ext.has_off) {
		e->attr_off = ext.off;
		if (ours)
			kipsec_attr_path(txn->req, ext.off, e->attr,
					 sizeof(e->attr));
	}
	if (ext.has_miss && ours) {
		enum kipsec_attr_set set = KIPSEC_SET_TOP;
		const struct kipsec_attr_spec *spec;
		size_t used;

		e->attr[0] = '\0';
		if (ext.has_miss_nest &&
		    kipsec_attr_locate(txn->req, ext.miss_nest, e->attr,
				       sizeof(e->attr), &set))
			e->attr[0] = '\0';
		used = strlen(e->attr);
		spec = kipsec_attr_spec(set, ext.miss_type);
		if (spec)
			snprintf(e->attr + used, sizeof(e->attr) - used,
				 "%s%s", used ? "." : "", spec->name);
		else
			snprintf(e->attr + used, sizeof(e->attr) - used,
				 "%s%u", used ? "." : "", ext.miss_type);
		if (!e->extack)
			snprintf(e->msg, sizeof(e->msg),
				 "missing attribute %s", e->attr);
	}
	if (!e->msg[0])
		snprintf(e->msg, sizeof(e->msg), "%s", strerror(err));
}

static int kipsec_nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kipsec_nl_txn *txn = data;
	const struct nlmsgerr *nerr = mnl_nlmsg_get_payload(nlh);
	size_t hlen = sizeof(*nerr);

	txn->done = true;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nerr)) {
		kipsec_nl_kernel_error(txn, nlh, EBADMSG, 0);
		return MNL_CB_STOP;
	}
	if (nerr->error == 0)
		return MNL_CB_STOP;	/* the ack */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += nerr->msg.nlmsg_len - sizeof(struct nlmsghdr);
	kipsec_nl_kernel_error(txn, nlh,
			       nerr->error < 0 ? -nerr->error : nerr->error,
			       hlen);
	return MNL_CB_STOP;
}

static int kipsec_nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kipsec_nl_txn *txn = data;
	int err;

	txn->done = true;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0)
		kipsec_nl_kernel_error(txn, nlh, -err, sizeof(err));
	return MNL_CB_STOP;
}

static int kipsec_nl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int kipsec_nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kipsec_nl_txn *txn = data;
	int ret;

	/* keep reading to the end of the transaction, deliver nothing more */
	if (!txn->cb || txn->cb_err || txn->cb_stop || txn->intr)
		return MNL_CB_OK;
	errno = 0;
	ret = txn->cb(nlh, txn->data);
	if (ret == MNL_CB_ERROR)
		txn->cb_err = errno ? errno : EPROTO;
	else if (ret == MNL_CB_STOP)
		txn->cb_stop = true;
	return MNL_CB_OK;
}

/*
 * libmnl fails a whole buffer on NLM_F_DUMP_INTR; we want to read the dump
 * to its end before restarting, so note the flag and clear it.
 */
static void kipsec_nl_check_intr(void *buf, size_t len,
				 struct kipsec_nl_txn *txn)
{
	struct nlmsghdr *nlh = buf;
	int left = len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			txn->intr = true;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

static int kipsec_nl_txn_run(struct kipsec_nl *nl, struct nlmsghdr *nlh,
			     uint16_t flags, mnl_cb_t cb, void *data,
			     bool *intr)
{
	struct kipsec_nl_txn txn = {
		.nl = nl, .req = nlh, .cb = cb, .data = data,
	};
	/* on the stack: libmnl < 1.0.5 takes a non-const array */
	mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = kipsec_nl_noop_cb,
		[NLMSG_ERROR] = kipsec_nl_error_cb,
		[NLMSG_DONE] = kipsec_nl_done_cb,
		[NLMSG_OVERRUN] = kipsec_nl_noop_cb,
	};
	ssize_t n;
	int ret;

	kipsec_nl_error_clear(&nl->err);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_pid = 0;
	if (++nl->seq == 0)
		nl->seq = 1;
	nlh->nlmsg_seq = nl->seq;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return kipsec_nl_fail(nl, errno, "sending request");

	while (!txn.done) {
		n = mnl_socket_recvfrom(nl->sock, nl->rbuf, sizeof(nl->rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return kipsec_nl_fail(nl, errno, "receiving reply");
		}
		kipsec_nl_check_intr(nl->rbuf, n, &txn);
		ret = mnl_cb_run2(nl->rbuf, n, nlh->nlmsg_seq, nl->portid,
				  kipsec_nl_data_cb, &txn, ctl_cbs,
				  NLMSG_MIN_TYPE);
		if (ret < 0)
			return kipsec_nl_fail(nl, errno, "reading reply");
	}
	if (nl->err.err)
		return -nl->err.err;
	if (txn.cb_err)
		return kipsec_nl_fail(nl, txn.cb_err, "parsing reply");
	if (intr)
		*intr = txn.intr;
	return 0;
}

int kipsec_nl_do(struct kipsec_nl *nl, struct nlmsghdr *nlh,
		 mnl_cb_t cb, void *data)
{
	return kipsec_nl_txn_run(nl, nlh, NLM_F_ACK, cb, data, NULL);
}

int kipsec_nl_dump(struct kipsec_nl *nl, struct nlmsghdr *nlh,
		   void (*reset)(void *data), mnl_cb_t cb, void *data)
{
	bool intr;
	int ret;

	for (int tries = 0; ; tries++) {
		ret = kipsec_nl_txn_run(nl, nlh, NLM_F_DUMP, cb, data, &intr);
		if (ret || !intr)
			return ret;
		if (reset)
			reset(data);
		if (tries == KIPSEC_NL_DUMP_RETRIES)
			return kipsec_nl_fail(nl, EINTR,
				"dump interrupted by changes %d times, giving up",
				tries + 1);
	}
}

/* CTRL_CMD_GETFAMILY reply */
static int kipsec_nl_family_grp_cb(const struct nlattr *grp, void *data)
{
	struct kipsec_nl *nl = data;
	const struct nlattr *attr, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (!mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
				name = attr;
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32))
				id = attr;
			break;
		}
	}
	if (name && id && !strcmp(mnl_attr_get_str(name), KIPSEC_MCGRP_EVENTS)) {
		nl->mcgrp = mnl_attr_get_u32(id);
		nl->has_mcgrp = true;
	}
	return MNL_CB_OK;
}

static int kipsec_nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kipsec_nl *nl = data;
	const struct nlattr *attr, *grp;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16))
				return MNL_CB_ERROR;
			nl->family = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(attr, MNL_TYPE_U32))
				return MNL_CB_ERROR;
			nl->version = mnl_attr_get_u32(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr)
				kipsec_nl_family_grp_cb(grp, nl);
			break;
		}
	}
	return MNL_CB_OK;
}

static int kipsec_nl_resolve(struct kipsec_nl *nl)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int ret;

	nlh = kipsec_nl_msg_init(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	genl = mnl_nlmsg_get_payload(nlh);
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KIPSEC_FAMILY_NAME);

	ret = kipsec_nl_do(nl, nlh, kipsec_nl_family_cb, nl);
	if (ret == -ENOENT) {
		kipsec_nl_error_clear(&nl->err);
		nl->err.err = ENOENT;
		snprintf(nl->err.msg, sizeof(nl->err.msg),
			 "kipsec module not loaded (family \"%s\" not found)",
			 KIPSEC_FAMILY_NAME);
		return -ENOENT;
	}
	if (ret)
		return ret;
	if (!nl->family)
		return kipsec_nl_fail(nl, EPROTO, "resolving family \"%s\"",
				      KIPSEC_FAMILY_NAME);
	return 0;
}

int kipsec_nl_open(struct kipsec_nl **nlp, struct kipsec_nl_error *err)
{
	struct kipsec_nl *nl;
	int one = 1, ret;

	*nlp = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		if (err) {
			kipsec_nl_error_clear(err);
			err->err = ENOMEM;
			snprintf(err->msg, sizeof(err->msg), "%s",
				 strerror(ENOMEM));
		}
		return -ENOMEM;
	}
	kipsec_nl_error_clear(&nl->err);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		ret = kipsec_nl_fail(nl, errno, "opening netlink socket");
		goto fail;
	}
	/* best effort: older kernels simply send less detail */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = kipsec_nl_fail(nl, errno, "binding netlink socket");
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	ret = kipsec_nl_resolve(nl);
	if (ret)
		goto fail;
	if (err)
		kipsec_nl_error_clear(err);
	*nlp = nl;
	return 0;
fail:
	if (err)
		*err = nl->err;
	kipsec_nl_close(nl);
	return ret;
}

void kipsec_nl_close(struct kipsec_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

int kipsec_nl_subscribe(struct kipsec_nl *nl)
{
	kipsec_nl_error_clear(&nl->err);
	if (!nl->has_mcgrp)
		return kipsec_nl_fail(nl, ENOENT,
				      "multicast group \"%s\" not found",
				      KIPSEC_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
				  &nl->mcgrp, sizeof(nl->mcgrp)) < 0)
		return kipsec_nl_fail(nl, errno,
				      "joining multicast group \"%s\"",
				      KIPSEC_MCGRP_EVENTS);
	return 0;
}

struct kipsec_nl_event {
	struct kipsec_nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int kipsec_nl_event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kipsec_nl_event *ev = data;

	if (nlh->nlmsg_type != ev->nl->family)
		return MNL_CB_OK;
	return ev->cb(nlh, ev->data);
}

int kipsec_nl_event_recv(struct kipsec_nl *nl, mnl_cb_t cb, void *data)
{
	struct kipsec_nl_event ev = { nl, cb, data };
	/* events carry no control messages we care about: ignore them all */
	mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = { NULL };
	ssize_t n;
	int ret;

	kipsec_nl_error_clear(&nl->err);
	n = mnl_socket_recvfrom(nl->sock, nl->rbuf, sizeof(nl->rbuf));
	if (n < 0) {
		if (errno == ENOBUFS)
			return kipsec_nl_fail(nl, ENOBUFS,
					      "events lost (receive queue overflow)");
		return kipsec_nl_fail(nl, errno, "receiving events");
	}
	errno = 0;
	ret = mnl_cb_run2(nl->rbuf, n, 0, 0, kipsec_nl_event_cb, &ev,
			  ctl_cbs, NLMSG_MIN_TYPE);
	if (ret < 0)
		return kipsec_nl_fail(nl, errno ? errno : EPROTO,
				      "handling event");
	return ret == MNL_CB_STOP ? 1 : 0;
}
