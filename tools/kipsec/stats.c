// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec stats: the namespace's named counters, one "name value" per line,
 * then sa_count and policy_count; with -j one object name -> value.
 */
#include <inttypes.h>
#include <string.h>

#include "kipsec.h"

static int kipsec_stats_print(struct kipsec_cli *c, const struct nlattr *nest)
{
	const struct nlattr *tb[KIPSEC_A_STATS_MAX + 1];
	const struct nlattr *ctb[KIPSEC_A_COUNTER_MAX + 1];
	const struct nlattr *attr;
	struct kipsec_json j;

	if (kipsec_attr_parse_nest(nest, KIPSEC_SET_STATS, tb))
		return -1;
	kipsec_json_init(&j, stdout);
	if (c->json)
		kipsec_json_obj_begin(&j, NULL);
	mnl_attr_for_each_nested(attr, nest) {
		const char *name;
		uint64_t value;

		if (mnl_attr_get_type(attr) != KIPSEC_A_STATS_COUNTER)
			continue;
		if (kipsec_attr_parse_nest(attr, KIPSEC_SET_COUNTER, ctb))
			return -1;
		if (!ctb[KIPSEC_A_COUNTER_NAME])
			continue;
		name = mnl_attr_get_str(ctb[KIPSEC_A_COUNTER_NAME]);
		value = ctb[KIPSEC_A_COUNTER_VALUE] ?
			mnl_attr_get_u64(ctb[KIPSEC_A_COUNTER_VALUE]) : 0;
		if (c->json)
			kipsec_json_u64(&j, name, value);
		else
			printf("%s %" PRIu64 "\n", name, value);
	}
	if (tb[KIPSEC_A_STATS_SA_COUNT]) {
		uint32_t n = mnl_attr_get_u32(tb[KIPSEC_A_STATS_SA_COUNT]);

		if (c->json)
			kipsec_json_u64(&j, "sa_count", n);
		else
			printf("sa_count %" PRIu32 "\n", n);
	}
	if (tb[KIPSEC_A_STATS_POLICY_COUNT]) {
		uint32_t n = mnl_attr_get_u32(tb[KIPSEC_A_STATS_POLICY_COUNT]);

		if (c->json)
			kipsec_json_u64(&j, "policy_count", n);
		else
			printf("policy_count %" PRIu32 "\n", n);
	}
	if (c->json)
		kipsec_json_obj_end(&j);
	return 0;
}

int kipsec_stats_main(struct kipsec_cli *c, struct kipsec_args *a)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct kipsec_msgs msgs = { 0 };
	const char *word = kipsec_args_next(a);
	struct nlmsghdr *nlh;
	int ret;

	if (word && !strcmp(word, "help")) {
		printf("kipsec stats\n");
		return KIPSEC_EXIT_OK;
	}
	/* `kipsec stats show` reads naturally too */
	if (word && (!strcmp(word, "show") || !strcmp(word, "list")))
		word = kipsec_args_next(a);
	if (word)
		return kipsec_cli_unknown(c, word);

	ret = kipsec_cli_msg(c, buf, KIPSEC_CMD_STATS_GET, &nlh);
	if (ret)
		return ret;
	ret = kipsec_cli_do(c, nlh, kipsec_msgs_collect, &msgs);
	if (ret || c->dry_run)
		goto out;
	for (size_t i = 0; i < msgs.n; i++) {
		if (kipsec_attr_parse_msg(msgs.v[i], tb) || !tb[KIPSEC_A_STATS])
			continue;
		if (kipsec_stats_print(c, tb[KIPSEC_A_STATS]))
			ret = kipsec_cli_error(c, "malformed statistics in the kernel's reply");
		goto out;
	}
	ret = kipsec_cli_error(c, "no statistics in the kernel's reply");
out:
	kipsec_msgs_reset(&msgs);
	return ret;
}
