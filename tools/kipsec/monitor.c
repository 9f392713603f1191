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
	[KIPSEC_CMD_SA_MAPPING_NTF] = "sa-mapping",
};

/* the packet of an acquire: a selector with host prefixes and single ports */
struct kipsec_monitor_packet {
	const struct nlattr *sel[KIPSEC_A_SEL_MAX + 1];
	char src[KIPSEC_ADDR_STRLEN], dst[KIPSEC_ADDR_STRLEN];
	uint32_t proto;
	bool ports;
	uint16_t sport, dport;
};

static int kipsec_monitor_packet(const struct nlattr *nest,
				 struct kipsec_monitor_packet *p)
{
	const struct nlattr **sel = p->sel;
	struct kipsec_addr src, dst;

	if (kipsec_attr_parse_nest(nest, KIPSEC_SET_SEL, sel) ||
	    !sel[KIPSEC_A_SEL_SRC] || !sel[KIPSEC_A_SEL_DST] ||
	    kipsec_attr_get_addr(sel[KIPSEC_A_SEL_SRC], &src) ||
	    kipsec_attr_get_addr(sel[KIPSEC_A_SEL_DST], &dst))
		return -EINVAL;
	kipsec_addr_ntop(&src, p->src, sizeof(p->src));
	kipsec_addr_ntop(&dst, p->dst, sizeof(p->dst));
	p->proto = sel[KIPSEC_A_SEL_PROTO] ?
		   mnl_attr_get_u32(sel[KIPSEC_A_SEL_PROTO]) : 0;
	p->ports = sel[KIPSEC_A_SEL_SPORT_MIN] && sel[KIPSEC_A_SEL_DPORT_MIN];
	if (p->ports) {
		p->sport = kipsec_attr_get_be16(sel[KIPSEC_A_SEL_SPORT_MIN]);
		p->dport = kipsec_attr_get_be16(sel[KIPSEC_A_SEL_DPORT_MIN]);
	}
	return 0;
}

/* "\tpacket src 10.0.0.1 dst 10.0.0.2 proto udp sport 1024 dport 53" */
static int kipsec_monitor_packet_human(FILE *f, const struct nlattr *nest)
{
	struct kipsec_monitor_packet p;
	const char *name;

	if (kipsec_monitor_packet(nest, &p))
		return -EINVAL;
	fprintf(f, "\tpacket src %s dst %s", p.src, p.dst);
	name = kipsec_ipproto_name(p.proto);
	if (name)
		fprintf(f, " proto %s", name);
	else
		fprintf(f, " proto %" PRIu32, p.proto);
	if (p.ports)
		fprintf(f, " sport %u dport %u", p.sport, p.dport);
	fputc('\n', f);
	return 0;
}

static int kipsec_monitor_packet_json(struct kipsec_json *j,
				      const struct nlattr *nest)
{
	struct kipsec_monitor_packet p;
	const char *name;

	if (kipsec_monitor_packet(nest, &p))
		return -EINVAL;
	kipsec_json_obj_begin(j, "packet");
	kipsec_json_str(j, "src", p.src);
	kipsec_json_str(j, "dst", p.dst);
	name = kipsec_ipproto_name(p.proto);
	if (name)
		kipsec_json_str(j, "proto", name);
	else
		kipsec_json_u64(j, "proto", p.proto);
	if (p.ports) {
		kipsec_json_u64(j, "sport", p.sport);
		kipsec_json_u64(j, "dport", p.dport);
	}
	kipsec_json_obj_end(j);
	return 0;
}

/*
 * A mapping event: where the SA says its peer is (src, encap sport) and
 * where it now sends from (new-addr, new-port).
 */
struct kipsec_monitor_mapping {
	char old_addr[KIPSEC_ADDR_STRLEN], new_addr[KIPSEC_ADDR_STRLEN];
	uint16_t old_port, new_port;
	bool v6;
};

static int kipsec_monitor_mapping(const struct nlattr **tb,
				  struct kipsec_monitor_mapping *m)
{
	const struct nlattr *sa[KIPSEC_A_SA_MAX + 1];
	const struct nlattr *encap[KIPSEC_A_ENCAP_MAX + 1];
	struct kipsec_addr old, new;

	if (!tb[KIPSEC_A_SA] || !tb[KIPSEC_A_NEW_ADDR] || !tb[KIPSEC_A_NEW_PORT] ||
	    kipsec_attr_parse_nest(tb[KIPSEC_A_SA], KIPSEC_SET_SA, sa) ||
	    !sa[KIPSEC_A_SA_SRC] || !sa[KIPSEC_A_SA_ENCAP] ||
	    kipsec_attr_parse_nest(sa[KIPSEC_A_SA_ENCAP], KIPSEC_SET_ENCAP, encap) ||
	    !encap[KIPSEC_A_ENCAP_SPORT] ||
	    kipsec_attr_get_addr(sa[KIPSEC_A_SA_SRC], &old) ||
	    kipsec_attr_get_addr(tb[KIPSEC_A_NEW_ADDR], &new))
		return -EINVAL;
	kipsec_addr_ntop(&old, m->old_addr, sizeof(m->old_addr));
	kipsec_addr_ntop(&new, m->new_addr, sizeof(m->new_addr));
	m->old_port = kipsec_attr_get_be16(encap[KIPSEC_A_ENCAP_SPORT]);
	m->new_port = kipsec_attr_get_be16(tb[KIPSEC_A_NEW_PORT]);
	m->v6 = new.family == AF_INET6;
	return 0;
}

/* "\tmapping 10.0.0.2:4500 -> 192.0.2.1:4501", IPv6 as [fd00::2]:4500 */
static void kipsec_monitor_mapping_human(FILE *f,
					 const struct kipsec_monitor_mapping *m)
{
	const char *l = m->v6 ? "[" : "", *r = m->v6 ? "]" : "";

	fprintf(f, "\tmapping %s%s%s:%u -> %s%s%s:%u\n", l, m->old_addr, r,
		m->old_port, l, m->new_addr, r, m->new_port);
}

static int kipsec_monitor_mapping_json(struct kipsec_json *j,
				       const struct nlattr **tb)
{
	struct kipsec_monitor_mapping m;

	if (kipsec_monitor_mapping(tb, &m))
		return -EINVAL;
	kipsec_json_obj_begin(j, "old");
	kipsec_json_str(j, "addr", m.old_addr);
	kipsec_json_u64(j, "port", m.old_port);
	kipsec_json_obj_end(j);
	kipsec_json_obj_begin(j, "new");
	kipsec_json_str(j, "addr", m.new_addr);
	kipsec_json_u64(j, "port", m.new_port);
	kipsec_json_obj_end(j);
	return 0;
}

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
	struct kipsec_monitor_mapping m;
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
		/* the policy (index, template with the reqid), the packet */
		if (!tb[KIPSEC_A_POLICY])
			return -EINVAL;
		err = kipsec_show_policy(f, first, "\t", tb[KIPSEC_A_POLICY]);
		if (!err && tb[KIPSEC_A_PACKET])
			err = kipsec_monitor_packet_human(f, tb[KIPSEC_A_PACKET]);
		return err;
	case KIPSEC_CMD_SA_MAPPING_NTF:
		/* the SA, then where its peer was and now is */
		if (kipsec_monitor_mapping(tb, &m))
			return -EINVAL;
		err = kipsec_show_sa(f, first, "\t", tb[KIPSEC_A_SA]);
		if (!err)
			kipsec_monitor_mapping_human(f, &m);
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
	if (!err && tb[KIPSEC_A_PACKET])
		err = kipsec_monitor_packet_json(&j, tb[KIPSEC_A_PACKET]);
	if (!err && cmd == KIPSEC_CMD_SA_MAPPING_NTF)
		err = kipsec_monitor_mapping_json(&j, tb);
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
		return kipsec_cli_error(c, "%s", kipsec_nl_error(c->nl)->msg);
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
			return kipsec_cli_error(c, "%s", kipsec_nl_error(c->nl)->msg);
	}
}
