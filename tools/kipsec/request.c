// SPDX-License-Identifier: GPL-2.0
/*
 * Sending requests for the CLI: open the socket on first use, decode the
 * request on stderr when KIPSEC_DEBUG_DUMP asks for it, print the kernel's
 * error ("Error: <extack message>"), collect replies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kipsec.h"

/* in a batch, "FILE:LINE: " before a message about the current command */
void kipsec_cli_where(const struct kipsec_cli *c, FILE *f)
{
	if (c && c->batch_name)
		fprintf(f, "%s:%lu: ", c->batch_name, c->batch_line);
}

/*
 * The one socket of the process: a batch opens it with its first request
 * and sends every later one on it.
 */
int kipsec_cli_open(struct kipsec_cli *c)
{
	struct kipsec_nl_error err;

	if (c->nl || c->dry_run)
		return KIPSEC_EXIT_OK;
	if (kipsec_nl_open(&c->nl, &err)) {
		c->nl_failed = true;
		return kipsec_cli_error(c, "%s", err.msg);
	}
	return KIPSEC_EXIT_OK;
}

int kipsec_cli_msg(struct kipsec_cli *c, void *buf, uint8_t cmd,
		   struct nlmsghdr **nlhp)
{
	int ret = kipsec_cli_open(c);

	if (ret)
		return ret;
	*nlhp = kipsec_nl_msg_init(buf, c->nl ? kipsec_nl_family(c->nl) : 0,
				   cmd);
	return KIPSEC_EXIT_OK;
}

static int kipsec_cli_nl_error(const struct kipsec_cli *c)
{
	const struct kipsec_nl_error *err = kipsec_nl_error(c->nl);

	kipsec_cli_where(c, stderr);
	if (err->attr[0] && err->extack)
		fprintf(stderr, "Error: %s (attribute %s)\n", err->msg, err->attr);
	else
		fprintf(stderr, "Error: %s\n", err->msg);
	return KIPSEC_EXIT_ERROR;
}

static void kipsec_cli_debug(const struct kipsec_cli *c,
			     struct nlmsghdr *nlh, uint16_t flags)
{
	if (!c->debug)
		return;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	kipsec_decode_request(stderr, nlh, c->debug_raw);
}

int kipsec_cli_do(struct kipsec_cli *c, struct nlmsghdr *nlh,
		  mnl_cb_t cb, void *data)
{
	kipsec_cli_debug(c, nlh, NLM_F_ACK);
	if (c->dry_run)
		return KIPSEC_EXIT_OK;
	if (kipsec_nl_do(c->nl, nlh, cb, data))
		return kipsec_cli_nl_error(c);
	return KIPSEC_EXIT_OK;
}

int kipsec_cli_dump(struct kipsec_cli *c, struct nlmsghdr *nlh,
		    void (*reset)(void *data), mnl_cb_t cb, void *data)
{
	kipsec_cli_debug(c, nlh, NLM_F_DUMP);
	if (c->dry_run)
		return KIPSEC_EXIT_OK;
	if (kipsec_nl_dump(c->nl, nlh, reset, cb, data))
		return kipsec_cli_nl_error(c);
	return KIPSEC_EXIT_OK;
}

int kipsec_msgs_collect(const struct nlmsghdr *nlh, void *data)
{
	struct kipsec_msgs *msgs = data;
	struct nlmsghdr *copy;

	if (msgs->n == msgs->cap) {
		size_t cap = msgs->cap ? 2 * msgs->cap : 16;
		struct nlmsghdr **v = realloc(msgs->v, cap * sizeof(*v));

		if (!v)
			return MNL_CB_ERROR;	/* errno = ENOMEM */
		msgs->v = v;
		msgs->cap = cap;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return MNL_CB_ERROR;
	memcpy(copy, nlh, nlh->nlmsg_len);
	msgs->v[msgs->n++] = copy;
	return MNL_CB_OK;
}

/* also frees: call it once the messages are printed */
void kipsec_msgs_reset(void *data)
{
	struct kipsec_msgs *msgs = data;

	for (size_t i = 0; i < msgs->n; i++)
		free(msgs->v[i]);
	free(msgs->v);
	memset(msgs, 0, sizeof(*msgs));
}
