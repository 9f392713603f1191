// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line words: numbers, SPIs, addresses, prefixes, keys, ports and
 * the names of protocols, modes, directions and actions.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "kipsec.h"

const char *kipsec_args_next(struct kipsec_args *a)
{
	if (a->argc <= 0)
		return NULL;
	a->argc--;
	return *a->argv++;
}

const char *kipsec_args_peek(const struct kipsec_args *a)
{
	return a->argc > 0 ? *a->argv : NULL;
}

bool kipsec_args_match(const char *word, const char *kw)
{
	return !strcmp(word, kw);
}

int kipsec_args_value(const struct kipsec_cli *c, struct kipsec_args *a,
		      const char *kw, const char **val)
{
	*val = kipsec_args_next(a);
	if (!*val) {
		kipsec_cli_usage_error(c, "missing value after \"%s\"", kw);
		return -1;
	}
	return 0;
}

int kipsec_args_dup(const struct kipsec_cli *c, bool seen, const char *kw)
{
	if (!seen)
		return 0;
	kipsec_cli_usage_error(c, "duplicate \"%s\"", kw);
	return -1;
}

/* decimal or 0x hex, no sign, no blanks */
static int kipsec_parse_ull(const char *str, unsigned long long max,
			    unsigned long long *v)
{
	int base = 10;
	char *end;

	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
		base = 16;
		str += 2;
	}
	if (!(base == 16 ? isxdigit((unsigned char)*str) :
			   isdigit((unsigned char)*str)))
		return -1;
	errno = 0;
	*v = strtoull(str, &end, base);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

int kipsec_parse_u32(const struct kipsec_cli *c, const char *kw,
		     const char *str, uint32_t *v)
{
	unsigned long long n;

	if (kipsec_parse_ull(str, UINT32_MAX, &n)) {
		kipsec_cli_usage_error(c, "invalid %s \"%s\" (a number from 0 to %u expected)",
				       kw, str, UINT32_MAX);
		return -1;
	}
	*v = n;
	return 0;
}

int kipsec_parse_u64(const struct kipsec_cli *c, const char *kw,
		     const char *str, uint64_t *v)
{
	unsigned long long n;

	if (kipsec_parse_ull(str, UINT64_MAX, &n)) {
		kipsec_cli_usage_error(c, "invalid %s \"%s\" (a number from 0 to %llu expected)",
				       kw, str, (unsigned long long)UINT64_MAX);
		return -1;
	}
	*v = n;
	return 0;
}

int kipsec_parse_u8(const struct kipsec_cli *c, const char *kw,
		    const char *str, uint8_t *v)
{
	unsigned long long n;

	if (kipsec_parse_ull(str, UINT8_MAX, &n)) {
		kipsec_cli_usage_error(c, "invalid %s \"%s\" (a number from 0 to 255 expected)",
				       kw, str);
		return -1;
	}
	*v = n;
	return 0;
}

int kipsec_parse_spi(const struct kipsec_cli *c, const char *str,
		     uint32_t *spi)
{
	unsigned long long n;

	if (kipsec_parse_ull(str, UINT32_MAX, &n)) {
		kipsec_cli_usage_error(c, "invalid SPI \"%s\" (decimal or 0x hex, 32 bits)",
				       str);
		return -1;
	}
	*spi = n;
	return 0;
}

int kipsec_parse_addr(const struct kipsec_cli *c, const char *kw,
		      const char *str, struct kipsec_addr *addr)
{
	if (kipsec_addr_parse(addr, str)) {
		kipsec_cli_usage_error(c, "invalid %s address \"%s\"", kw, str);
		return -1;
	}
	return 0;
}

int kipsec_parse_prefix(const struct kipsec_cli *c, const char *kw,
			const char *str, struct kipsec_addr *addr,
			uint8_t *plen)
{
	if (kipsec_prefix_parse(addr, plen, str)) {
		kipsec_cli_usage_error(c, "invalid %s prefix \"%s\" (ADDR[/LEN] expected)",
				       kw, str);
		return -1;
	}
	return 0;
}

static int kipsec_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* hex digits (without 0x) into @out; -1 not hex, -2 odd, -3 too long */
int kipsec_parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex);

	for (size_t i = 0; i < n; i++)
		if (kipsec_hex_digit(hex[i]) < 0)
			return -1;
	if (n % 2)
		return -2;
	if (n / 2 > max)
		return -3;
	for (size_t i = 0; i < n / 2; i++)
		out[i] = kipsec_hex_digit(hex[2 * i]) << 4 |
			 kipsec_hex_digit(hex[2 * i + 1]);
	*len = n / 2;
	return 0;
}

/* Read the hex key of @path (0x optional, surrounding blanks ignored). */
static int kipsec_read_key_file(const struct kipsec_cli *c, const char *path,
				char *buf, size_t size)
{
	size_t used = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kipsec_cli_usage_error(c, "cannot read key file \"%s\": %s",
				       path, strerror(errno));
		return -1;
	}
	while (used < size - 1) {
		n = read(fd, buf + used, size - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kipsec_cli_usage_error(c, "cannot read key file \"%s\": %s",
					       path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		used += n;
	}
	close(fd);
	buf[used] = '\0';
	return 0;
}

int kipsec_parse_key(const struct kipsec_cli *c, const char *str,
		     uint8_t *key, size_t max, size_t *len)
{
	char file[2 * KIPSEC_KEY_MAX + 64];
	const char *hex = str;
	int ret = -1;

	if (!str[0]) {
		/* "": the empty key of a null algorithm */
		*len = 0;
		return 0;
	}
	if (str[0] == '@') {
		char *end;

		if (kipsec_read_key_file(c, str + 1, file, sizeof(file)))
			goto out;
		hex = file;
		while (isspace((unsigned char)*hex))
			hex++;
		end = file + strlen(file);
		while (end > hex && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
			hex += 2;
	} else if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
		hex = str + 2;
	} else {
		kipsec_cli_usage_error(c, "invalid key: 0x followed by hex digits, \"\" or @FILE expected");
		goto out;
	}

	if (!hex[0]) {
		kipsec_cli_usage_error(c, "invalid key: empty");
		goto out;
	}
	switch (kipsec_parse_hex(hex, key, max, len)) {
	case 0:
		ret = 0;
		break;
	case -1:
		kipsec_cli_usage_error(c, "invalid key: not a hex string");
		break;
	case -2:
		kipsec_cli_usage_error(c, "invalid key: odd number of hex digits");
		break;
	default:
		kipsec_cli_usage_error(c, "invalid key: longer than %zu bytes",
				       max);
		break;
	}
out:
	explicit_bzero(file, sizeof(file));
	return ret;
}

static int kipsec_parse_port(const char *str, uint16_t *port)
{
	unsigned long long n;

	if (kipsec_parse_ull(str, UINT16_MAX, &n))
		return -1;
	*port = n;
	return 0;
}

int kipsec_parse_ports(const struct kipsec_cli *c, const char *kw,
		       const char *str, uint16_t *lo, uint16_t *hi)
{
	char buf[32];
	char *dash;

	if (strlen(str) >= sizeof(buf))
		goto bad;
	strcpy(buf, str);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (kipsec_parse_port(buf, lo))
		goto bad;
	*hi = *lo;
	if (dash && kipsec_parse_port(dash, hi))
		goto bad;
	if (*lo > *hi) {
		kipsec_cli_usage_error(c, "invalid %s range \"%s\" (LO-HI with LO <= HI expected)",
				       kw, str);
		return -1;
	}
	return 0;
bad:
	kipsec_cli_usage_error(c, "invalid %s \"%s\" (PORT or LO-HI, 0 to 65535, expected)",
			       kw, str);
	return -1;
}

/* IP protocols, by the names of /etc/protocols; the first name is printed */
static const struct {
	const char *name;
	uint8_t proto;
} kipsec_ipprotos[] = {
	{ "any", 0 },
	{ "icmp", IPPROTO_ICMP },
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "dccp", IPPROTO_DCCP },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE },
};

int kipsec_parse_ipproto(const struct kipsec_cli *c, const char *str,
			 uint8_t *proto)
{
	unsigned long long n;

	for (size_t i = 0; i < sizeof(kipsec_ipprotos) / sizeof(kipsec_ipprotos[0]); i++) {
		if (!strcmp(str, kipsec_ipprotos[i].name)) {
			*proto = kipsec_ipprotos[i].proto;
			return 0;
		}
	}
	if (kipsec_parse_ull(str, UINT8_MAX, &n)) {
		kipsec_cli_usage_error(c, "invalid proto \"%s\" (tcp, udp, icmp, ipv6-icmp, ... or 0-255)",
				       str);
		return -1;
	}
	*proto = n;
	return 0;
}

const char *kipsec_ipproto_name(uint32_t proto)
{
	for (size_t i = 0; i < sizeof(kipsec_ipprotos) / sizeof(kipsec_ipprotos[0]); i++)
		if (kipsec_ipprotos[i].proto == proto)
			return kipsec_ipprotos[i].name;
	return NULL;
}

int kipsec_parse_xfrm_proto(const struct kipsec_cli *c, const char *str,
			    uint32_t *proto)
{
	if (!strcmp(str, "esp") || !strcmp(str, "50")) {
		*proto = IPPROTO_ESP;
		return 0;
	}
	if (!strcmp(str, "ah") || !strcmp(str, "51")) {
		*proto = IPPROTO_AH;
		return 0;
	}
	kipsec_cli_usage_error(c, "unsupported proto \"%s\" (esp or ah)", str);
	return -1;
}

static const char *const kipsec_mode_names[] = {
	[KIPSEC_MODE_TRANSPORT] = "transport",
	[KIPSEC_MODE_TUNNEL] = "tunnel",
};

static const char *const kipsec_dir_names[] = {
	[KIPSEC_DIR_IN] = "in",
	[KIPSEC_DIR_OUT] = "out",
	[KIPSEC_DIR_FWD] = "fwd",
};

static const char *const kipsec_action_names[] = {
	[KIPSEC_ACTION_PROTECT] = "protect",
	[KIPSEC_ACTION_BYPASS] = "bypass",
	[KIPSEC_ACTION_DISCARD] = "discard",
};

static const char *const kipsec_state_names[] = {
	[KIPSEC_SA_STATE_LARVAL] = "larval",
	[KIPSEC_SA_STATE_VALID] = "valid",
};

static const char *const kipsec_df_names[] = {
	[KIPSEC_DF_COPY] = "copy",
	[KIPSEC_DF_SET] = "set",
	[KIPSEC_DF_CLEAR] = "clear",
};

static const char *const kipsec_expire_reason_names[] = {
	[KIPSEC_EXPIRE_BYTES] = "bytes",
	[KIPSEC_EXPIRE_PACKETS] = "packets",
	[KIPSEC_EXPIRE_ADD_TIME] = "add-time",
	[KIPSEC_EXPIRE_USE_TIME] = "use-time",
	[KIPSEC_EXPIRE_SEQ_OVERFLOW] = "seq-overflow",
};

/* SA flags by bit number, as ip-xfrm spells them */
static const char *const kipsec_sa_flag_names[] = {
	"esn", "noecn", "decap-dscp", "dont-encap-dscp", "insecure",
};

#define KIPSEC_NAME(table, v) \
	((v) < sizeof(table) / sizeof(table[0]) ? table[v] : NULL)

static int kipsec_parse_name(const char *const *table, size_t n,
			     const char *str, uint32_t *v)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i] && !strcmp(str, table[i])) {
			*v = i;
			return 0;
		}
	}
	return -1;
}

int kipsec_parse_mode(const struct kipsec_cli *c, const char *str,
		      uint32_t *mode)
{
	if (!kipsec_parse_name(kipsec_mode_names, 2, str, mode))
		return 0;
	kipsec_cli_usage_error(c, "invalid mode \"%s\" (transport or tunnel)", str);
	return -1;
}

int kipsec_parse_dir(const struct kipsec_cli *c, const char *str,
		     uint32_t *dir)
{
	if (!kipsec_parse_name(kipsec_dir_names, 3, str, dir))
		return 0;
	kipsec_cli_usage_error(c, "invalid dir \"%s\" (in, out or fwd)", str);
	return -1;
}

int kipsec_parse_df(const struct kipsec_cli *c, const char *str, uint32_t *df)
{
	if (!kipsec_parse_name(kipsec_df_names, 3, str, df))
		return 0;
	kipsec_cli_usage_error(c, "invalid df \"%s\" (copy, set or clear)", str);
	return -1;
}

/* a name of one KIPSEC_SA_FLAG_* as a bit, 0 if none */
uint32_t kipsec_sa_flag_bit(const char *str)
{
	uint32_t bit;

	if (kipsec_parse_name(kipsec_sa_flag_names,
			      sizeof(kipsec_sa_flag_names) / sizeof(kipsec_sa_flag_names[0]),
			      str, &bit))
		return 0;
	return 1u << bit;
}

const char *kipsec_sa_flag_name(unsigned int bit)
{
	return KIPSEC_NAME(kipsec_sa_flag_names, bit);
}

const char *kipsec_df_name(uint32_t df)
{
	return KIPSEC_NAME(kipsec_df_names, df);
}

const char *kipsec_expire_reason_name(uint32_t reason)
{
	return KIPSEC_NAME(kipsec_expire_reason_names, reason);
}

const char *kipsec_mode_name(uint32_t mode)
{
	return KIPSEC_NAME(kipsec_mode_names, mode);
}

const char *kipsec_dir_name(uint32_t dir)
{
	return KIPSEC_NAME(kipsec_dir_names, dir);
}

const char *kipsec_action_name(uint32_t action)
{
	return KIPSEC_NAME(kipsec_action_names, action);
}

const char *kipsec_state_name(uint32_t state)
{
	return KIPSEC_NAME(kipsec_state_names, state);
}
