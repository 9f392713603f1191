// SPDX-License-Identifier: GPL-2.0
/*
 * KIPSEC_DEBUG_DUMP: decode a request before it is sent, one attribute per
 * line, indented by nesting.  Key material is never shown, not even in the
 * raw hex dump (it is wiped in a copy first).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include "kipsec.h"

static void kipsec_decode_attrs(FILE *f, const char *start, int len,
				enum kipsec_attr_set set, int depth)
{
	const struct nlattr *attr = (const struct nlattr *)start;

	while (mnl_attr_ok(attr, len)) {
		unsigned int type = mnl_attr_get_type(attr);
		const struct kipsec_attr_spec *spec = kipsec_attr_spec(set, type);
		uint16_t plen = mnl_attr_get_payload_len(attr);
		char buf[KIPSEC_ADDR_STRLEN];
		struct kipsec_addr addr;

		fprintf(f, "%*s", 2 * depth, "");
		if (!spec) {
			fprintf(f, "attr %u (%u bytes, unknown in %s)\n", type,
				plen, kipsec_attr_set_name(set));
			goto next;
		}
		fputs(spec->name, f);
		switch (spec->type) {
		case KIPSEC_ATTR_U32:
			if (plen != 4)
				goto bad;
			fprintf(f, " %" PRIu32 "\n", mnl_attr_get_u32(attr));
			break;
		case KIPSEC_ATTR_BE32:
			if (plen != 4)
				goto bad;
			fprintf(f, " 0x%08" PRIx32 "\n", kipsec_attr_get_be32(attr));
			break;
		case KIPSEC_ATTR_BE16:
			if (plen != 2)
				goto bad;
			fprintf(f, " %u\n", kipsec_attr_get_be16(attr));
			break;
		case KIPSEC_ATTR_U64:
			if (plen != 8)
				goto bad;
			fprintf(f, " %" PRIu64 "\n", mnl_attr_get_u64(attr));
			break;
		case KIPSEC_ATTR_ADDR:
			if (kipsec_attr_get_addr(attr, &addr))
				goto bad;
			fprintf(f, " %s\n", kipsec_addr_ntop(&addr, buf, sizeof(buf)));
			break;
		case KIPSEC_ATTR_STRING:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
				goto bad;
			fprintf(f, " %s\n", mnl_attr_get_str(attr));
			break;
		case KIPSEC_ATTR_SECRET:
			fprintf(f, " (%u bytes, hidden)\n", plen);
			break;
		case KIPSEC_ATTR_NEST:
			fputc('\n', f);
			kipsec_decode_attrs(f, mnl_attr_get_payload(attr), plen,
					    spec->nest, depth + 1);
			break;
		case KIPSEC_ATTR_FLAG:
		case KIPSEC_ATTR_UNUSED:
			fputc('\n', f);
			break;
		}
		goto next;
bad:
		fprintf(f, " (bad length %u)\n", plen);
next:
		len -= MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
}

/* zero every key in a copy of a request */
static void kipsec_decode_wipe(char *start, int len, enum kipsec_attr_set set)
{
	struct nlattr *attr = (struct nlattr *)start;

	while (mnl_attr_ok(attr, len)) {
		const struct kipsec_attr_spec *spec =
			kipsec_attr_spec(set, mnl_attr_get_type(attr));

		if (spec && spec->type == KIPSEC_ATTR_SECRET)
			memset(mnl_attr_get_payload(attr), 0,
			       mnl_attr_get_payload_len(attr));
		else if (spec && spec->type == KIPSEC_ATTR_NEST)
			kipsec_decode_wipe(mnl_attr_get_payload(attr),
					   mnl_attr_get_payload_len(attr),
					   spec->nest);
		len -= MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
}

void kipsec_decode_request(FILE *f, const struct nlmsghdr *nlh, bool raw)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const char *name = kipsec_cmd_name(genl->cmd);
	const char *attrs = mnl_nlmsg_get_payload_offset(nlh, sizeof(*genl));
	int len = (const char *)nlh + nlh->nlmsg_len - attrs;

	fprintf(f, "request %s (cmd %u) version %u flags", name ? name : "?",
		genl->cmd, genl->version);
	if (nlh->nlmsg_flags & NLM_F_REQUEST)
		fputs(" request", f);
	if (nlh->nlmsg_flags & NLM_F_ACK)
		fputs(" ack", f);
	if ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		fputs(" dump", f);
	fprintf(f, " len %u\n", nlh->nlmsg_len);
	kipsec_decode_attrs(f, attrs, len, KIPSEC_SET_TOP, 1);

	if (raw) {
		char *copy = malloc(nlh->nlmsg_len);

		if (!copy)
			return;
		memcpy(copy, nlh, nlh->nlmsg_len);
		kipsec_decode_wipe(copy + (attrs - (const char *)nlh), len,
				   KIPSEC_SET_TOP);
		mnl_nlmsg_fprintf(f, copy, nlh->nlmsg_len, sizeof(*genl));
		free(copy);
	}
	fflush(f);
}
