// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec monitor: print each event of the "events" multicast group until
 * interrupted, in `show`'s format behind a tag ("[sa-add] src ..."), or with
 * -j as one JSON object per line.  stdout is flushed after every event.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "kipsec.h"

static const char *const kipsec_event_tags[KIPSEC_CMD_MAX + 1] = {
	[KIPSEC_CMD_SA_ADD_NTF] = "sa-add",
	[KIPSEC_CMD_SA_DEL_NTF] = "sa-del",
	[KIPSEC_CMD_SA_EXPIRE_NTF] = "sa-expire",
	[KIPSEC_CMD_ACQUIRE_NTF] = "acquire",
	[KIPSEC_CMD_POLICY_ADD_NTF] = "policy-add",
	[KIPSEC_CMD_POLICY_DEL_NTF] = "policy-del",
};

/* "\texpire hard bytes": the reason is left out if the kernel gave none */
static void kipsec_monitor_expire(FILE *f, const struct nlattr **tb)
{
	fprintf(f, "\texpire %s", tb[KIPSEC_A_EXPIRE_HARD] ? "hard" : "soft");
	if (tb[KIPSEC_A_EXPIRE_REASON]) {
		uint32_t reason = mnl_attr_get_u32(tb[KIPSEC_A_EXPIRE_REASON]);
		const char *name = kipsec_expire_reason_name(reason);

		if (name)
			fprintf(f, " %s", name);
		else
			fprintf(f, " %" PRIu32, reason);
	}
	fputc('\n', f);
}

static int kipsec_monitor_human(FILE *f, uint8_t cmd, const char *tag,
				const struct nlattr **tb)
{
	char first[32];
	int err = 0;

	snprintf(first, sizeof(first), "[%s] ", tag);
	switch (cmd) {
	case KIPSEC_CMD_SA_ADD_NTF:
	case KIPSEC_CMD_SA_DEL_NTF:
	case KIPSEC_CMD_SA_EXPIRE_NTF:
		if (!tb[KIPSEC_A_SA])
			return -EINVAL;
		err = kipsec_show_sa(f, first, "\t", tb[KIPSEC_A_SA]);
		if (!err && cmd == KIPSEC_CMD_SA_EXPIRE_NTF)
			kipsec_monitor_expire(f, tb);
		return err;
	case KIPSEC_CMD_POLICY_ADD_NTF:
	case KIPSEC_CMD_POLICY_DEL_NTF:
		if (!tb[KIPSEC_A_POLICY])
			return -EINVAL;
		return kipsec_show_policy(f, first, "\t", tb[KIPSEC_A_POLICY]);
	case KIPSEC_CMD_ACQUIRE_NTF:
		/* the SA wanted, then the policy that wants it */
		if (tb[KIPSEC_A_SA]) {
			err = kipsec_show_sa(f, first, "\t", tb[KIPSEC_A_SA]);
			if (!err && tb[KIPSEC_A_POLICY])
				err = kipsec_show_policy(f, "\tpolicy ", "\t\t",
							 tb[KIPSEC_A_POLICY]);
		} else if (tb[KIPSEC_A_POLICY]) {
			err = kipsec_show_policy(f, first, "\t",
						 tb[KIPSEC_A_POLICY]);
		} else {
			fprintf(f, "[%s]\n", tag);
		}
		return err;
	}
	fprintf(f, "[%s]\n", tag);
	return 0;
}

static int kipsec_monitor_json(FILE *f, uint8_t cmd, const char *tag,
			       bool known, const struct nlattr **tb)
{
	struct kipsec_json j;
	int err = 0;

	kipsec_json_init(&j, f);
	kipsec_json_obj_begin(&j, NULL);
	kipsec_json_str(&j, "event", tag);
	if (!known)
		kipsec_json_u64(&j, "cmd", cmd);
	if (cmd == KIPSEC_CMD_SA_EXPIRE_NTF)
		kipsec_json_bool(&j, "hard", tb[KIPSEC_A_EXPIRE_HARD]);
	if (cmd == KIPSEC_CMD_SA_EXPIRE_NTF && tb[KIPSEC_A_EXPIRE_REASON]) {
		uint32_t reason = mnl_attr_get_u32(tb[KIPSEC_A_EXPIRE_REASON]);
		const char *name = kipsec_expire_reason_name(reason);

		if (name)
			kipsec_json_str(&j, "reason", name);
		else
			kipsec_json_u64(&j, "reason", reason);
	}
	if (tb[KIPSEC_A_SA])
		err = kipsec_show_sa_json(&j, "sa", tb[KIPSEC_A_SA]);
	if (!err && tb[KIPSEC_A_POLICY])
		err = kipsec_show_policy_json(&j, "policy", tb[KIPSEC_A_POLICY]);
	/* the printers parse before they print: nothing is left open */
	kipsec_json_obj_end(&j);
	return err;
}

int kipsec_monitor_print(FILE *f, bool json, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	uint8_t cmd = kipsec_nl_msg_cmd(nlh);
	const char *tag = cmd <= KIPSEC_CMD_MAX ? kipsec_event_tags[cmd] : NULL;
	bool known = tag != NULL;
	char unknown[24];
	int err;

	if (!known) {
		snprintf(unknown, sizeof(unknown), "event-%u", cmd);
		tag = unknown;
	}
	if (kipsec_attr_parse_msg(nlh, tb))
		err = -EINVAL;
	else if (json)
		err = kipsec_monitor_json(f, cmd, tag, known, tb);
	else
		err = kipsec_monitor_human(f, cmd, tag, tb);
	if (err)
		fprintf(stderr, "Warning: malformed %s event\n", tag);
	return err;
}

static int kipsec_monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct kipsec_cli *c = data;

	kipsec_monitor_print(stdout, c->json, nlh);
	fflush(stdout);
	return MNL_CB_OK;
}

int kipsec_monitor_main(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *word = kipsec_args_next(a);
	int rcvbuf = 1 << 20;
	int ret;

	if (word && !strcmp(word, "help")) {
		printf("kipsec monitor\n");
		return KIPSEC_EXIT_OK;
	}
	if (word)
		return kipsec_cli_unknown(c, word);
	ret = kipsec_cli_open(c);
	if (ret || c->dry_run)
		return ret;
	if (kipsec_nl_subscribe(c->nl))
		return kipsec_cli_error("%s", kipsec_nl_error(c->nl)->msg);
	/* best effort: a deeper queue loses fewer events in bursts */
	setsockopt(kipsec_nl_fd(c->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));

	for (;;) {
		ret = kipsec_nl_event_recv(c->nl, kipsec_monitor_cb, c);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "Warning: %s\n",
				kipsec_nl_error(c->nl)->msg);
			continue;
		}
		if (ret == -EINTR)
			continue;
		if (ret < 0)
			return kipsec_cli_error("%s", kipsec_nl_error(c->nl)->msg);
	}
}
