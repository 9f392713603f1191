// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec sock show: the sockets handed to kipsec (an IKE daemon's, or
 * `kipsec natt listen`'s), one line each:
 *
 *	inet udp 0.0.0.0:4500 flags bypass espinudp
 *
 * or with -j a JSON array of objects.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "kipsec.h"

/* KIPSEC_SOCK_F_* by bit number, as the spec names them */
static const char *const kipsec_sock_flag_names[] = { "bypass", "espinudp" };

static const char *kipsec_sock_flag_name(unsigned int bit)
{
	return bit < sizeof(kipsec_sock_flag_names) / sizeof(kipsec_sock_flag_names[0]) ?
	       kipsec_sock_flag_names[bit] : NULL;
}

static const char *kipsec_family_name(uint32_t family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : NULL;
}

struct kipsec_sock_view {
	const struct nlattr *tb[KIPSEC_A_SOCK_MAX + 1];
	char addr[KIPSEC_ADDR_STRLEN];
	bool v6;
};

static int kipsec_sock_parse(const struct nlattr *nest,
			     struct kipsec_sock_view *v)
{
	struct kipsec_addr addr;

	if (kipsec_attr_parse_nest(nest, KIPSEC_SET_SOCK, v->tb))
		return -EINVAL;
	strcpy(v->addr, "?");
	v->v6 = false;
	if (v->tb[KIPSEC_A_SOCK_ADDR]) {
		if (kipsec_attr_get_addr(v->tb[KIPSEC_A_SOCK_ADDR], &addr))
			return -EINVAL;
		kipsec_addr_ntop(&addr, v->addr, sizeof(v->addr));
		v->v6 = addr.family == AF_INET6;
	}
	return 0;
}

int kipsec_show_sock(FILE *f, const char *first, const struct nlattr *nest)
{
	struct kipsec_sock_view v;
	const struct nlattr **tb = v.tb;
	uint32_t family, proto, flags;
	const char *name;

	if (kipsec_sock_parse(nest, &v))
		return -EINVAL;
	fputs(first, f);
	family = tb[KIPSEC_A_SOCK_FAMILY] ? mnl_attr_get_u32(tb[KIPSEC_A_SOCK_FAMILY]) : 0;
	name = kipsec_family_name(family);
	if (name)
		fputs(name, f);
	else
		fprintf(f, "family %" PRIu32, family);
	proto = tb[KIPSEC_A_SOCK_PROTO] ? mnl_attr_get_u32(tb[KIPSEC_A_SOCK_PROTO]) : 0;
	name = kipsec_ipproto_name(proto);
	if (name)
		fprintf(f, " %s", name);
	else
		fprintf(f, " proto %" PRIu32, proto);
	fprintf(f, v.v6 ? " [%s]" : " %s", v.addr);
	if (tb[KIPSEC_A_SOCK_PORT])
		fprintf(f, ":%u", kipsec_attr_get_be16(tb[KIPSEC_A_SOCK_PORT]));
	flags = tb[KIPSEC_A_SOCK_FLAGS] ? mnl_attr_get_u32(tb[KIPSEC_A_SOCK_FLAGS]) : 0;
	if (flags) {
		fputs(" flags", f);
		for (unsigned int bit = 0; bit < 32; bit++) {
			if (!(flags & (1u << bit)))
				continue;
			name = kipsec_sock_flag_name(bit);
			if (name)
				fprintf(f, " %s", name);
			else
				fprintf(f, " 0x%x", 1u << bit);
		}
	}
	fputc('\n', f);
	return 0;
}

int kipsec_show_sock_json(struct kipsec_json *j, const char *key,
			  const struct nlattr *nest)
{
	struct kipsec_sock_view v;
	const struct nlattr **tb = v.tb;
	const char *name;

	if (kipsec_sock_parse(nest, &v))
		return -EINVAL;
	kipsec_json_obj_begin(j, key);
	if (tb[KIPSEC_A_SOCK_FAMILY]) {
		uint32_t family = mnl_attr_get_u32(tb[KIPSEC_A_SOCK_FAMILY]);

		name = kipsec_family_name(family);
		if (name)
			kipsec_json_str(j, "family", name);
		else
			kipsec_json_u64(j, "family", family);
	}
	if (tb[KIPSEC_A_SOCK_PROTO]) {
		uint32_t proto = mnl_attr_get_u32(tb[KIPSEC_A_SOCK_PROTO]);

		name = kipsec_ipproto_name(proto);
		if (name)
			kipsec_json_str(j, "proto", name);
		else
			kipsec_json_u64(j, "proto", proto);
	}
	if (tb[KIPSEC_A_SOCK_ADDR])
		kipsec_json_str(j, "addr", v.addr);
	if (tb[KIPSEC_A_SOCK_PORT])
		kipsec_json_u64(j, "port", kipsec_attr_get_be16(tb[KIPSEC_A_SOCK_PORT]));
	if (tb[KIPSEC_A_SOCK_FLAGS]) {
		uint32_t flags = mnl_attr_get_u32(tb[KIPSEC_A_SOCK_FLAGS]);

		kipsec_json_arr_begin(j, "flags");
		for (unsigned int bit = 0; bit < 32; bit++) {
			if (!(flags & (1u << bit)))
				continue;
			name = kipsec_sock_flag_name(bit);
			if (name)
				kipsec_json_str(j, NULL, name);
			else
				kipsec_json_u64(j, NULL, 1u << bit);
		}
		kipsec_json_arr_end(j);
	}
	kipsec_json_obj_end(j);
	return 0;
}

int kipsec_sock_main(struct kipsec_cli *c, struct kipsec_args *a)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	struct kipsec_msgs msgs = { 0 };
	const char *word = kipsec_args_next(a);
	struct nlmsghdr *nlh;
	int ret;

	if (word && !strcmp(word, "help")) {
		kipsec_usage_sock(stdout);
		return KIPSEC_EXIT_OK;
	}
	if (word && (!strcmp(word, "show") || !strcmp(word, "list")))
		word = kipsec_args_next(a);
	if (word)
		return kipsec_cli_unknown(c, word);
	ret = kipsec_cli_msg(c, buf, KIPSEC_CMD_SOCK_GET, &nlh);
	if (ret)
		return ret;
	ret = kipsec_cli_dump(c, nlh, kipsec_msgs_reset, kipsec_msgs_collect,
			      &msgs);
	if (!ret)
		ret = kipsec_show_list(c, &msgs, KIPSEC_A_SOCK);
	kipsec_msgs_reset(&msgs);
	return ret;
}
