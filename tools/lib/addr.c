// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * IPv4/IPv6 addresses and prefixes: text <-> binary <-> netlink attribute.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "kipsec_nl.h"

int kipsec_addr_parse(struct kipsec_addr *addr, const char *str)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, str, &addr->v4) == 1) {
		addr->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, str, &addr->v6) == 1) {
		addr->family = AF_INET6;
		return 0;
	}
	memset(addr, 0, sizeof(*addr));
	return -EINVAL;
}

int kipsec_prefix_parse(struct kipsec_addr *addr, uint8_t *plen,
			const char *str)
{
	char buf[KIPSEC_ADDR_STRLEN + 5];
	const char *slash = strchr(str, '/');
	unsigned long len, max;
	char *end;

	if (strlen(str) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, str);
	if (slash)
		buf[slash - str] = '\0';
	if (kipsec_addr_parse(addr, buf))
		return -EINVAL;
	max = addr->family == AF_INET ? 32 : 128;
	if (!slash) {
		*plen = max;
		return 0;
	}
	slash++;
	if (*slash < '0' || *slash > '9')
		return -EINVAL;
	errno = 0;
	len = strtoul(slash, &end, 10);
	if (errno || *end || len > max)
		return -EINVAL;
	*plen = len;
	return 0;
}

size_t kipsec_addr_len(const struct kipsec_addr *addr)
{
	switch (addr->family) {
	case AF_INET:
		return sizeof(addr->v4);
	case AF_INET6:
		return sizeof(addr->v6);
	}
	return 0;
}

/* dotted quad by hand: inet_ntop goes through sprintf, which dumps notice */
static void kipsec_ntop4(const uint8_t *b, char *buf)
{
	for (int i = 0; i < 4; i++) {
		unsigned int v = b[i];

		if (v >= 100)
			*buf++ = '0' + v / 100;
		if (v >= 10)
			*buf++ = '0' + v / 10 % 10;
		*buf++ = '0' + v % 10;
		*buf++ = i < 3 ? '.' : '\0';
	}
}

const char *kipsec_addr_ntop(const struct kipsec_addr *addr, char *buf,
			     size_t len)
{
	if (addr->family == AF_INET && len >= INET_ADDRSTRLEN) {
		kipsec_ntop4(addr->bytes, buf);
		return buf;
	}
	if (!inet_ntop(addr->family, addr->bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

void kipsec_attr_put_addr(struct nlmsghdr *nlh, uint16_t type,
			  const struct kipsec_addr *addr)
{
	mnl_attr_put(nlh, type, kipsec_addr_len(addr), addr->bytes);
}

int kipsec_attr_get_addr(const struct nlattr *attr, struct kipsec_addr *addr)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	memset(addr, 0, sizeof(*addr));
	switch (len) {
	case 4:
		addr->family = AF_INET;
		break;
	case 16:
		addr->family = AF_INET6;
		break;
	default:
		return -EINVAL;
	}
	memcpy(addr->bytes, mnl_attr_get_payload(attr), len);
	return 0;
}
