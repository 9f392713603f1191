// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: configure the kipsec IPsec module, in `ip xfrm`'s words.
 *
 *	kipsec [ -j ] { sa | policy | stats | monitor } ...
 *
 * Global options, dispatch, usage and error reporting.  Everything else
 * lives in one file per object (sa.c, policy.c, stats.c, monitor.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kipsec.h"

static const char kipsec_usage_head[] =
"Usage: kipsec [ OPTIONS ] OBJECT { COMMAND | help }\n"
"       kipsec { -h | help | -V }\n"
"OBJECT  := { sa | policy | stats | monitor }\n"
"OPTIONS := { -j[son] | -h[elp] | -V }\n";

static const char kipsec_usage_sa_text[] =
"kipsec sa { add | update } src ADDR dst ADDR proto esp spi SPI\n"
"                  [ mode { transport | tunnel } ] [ reqid N ]\n"
"                  aead ALGO KEY ICV-BITS [ replay-window N ]\n"
"kipsec sa { del | get } [ src ADDR ] dst ADDR proto esp spi SPI\n"
"kipsec sa [ show | list ]\n"
"kipsec sa flush [ proto esp ]\n"
"kipsec sa allocspi src ADDR dst ADDR proto esp [ min SPI max SPI ]\n";

static const char kipsec_usage_sa_defs[] =
"ADDR     := IPv4 or IPv6 address (src and dst of one family)\n"
"SPI, N   := decimal or 0x hex\n"
"ALGO     := 'rfc4106(gcm(aes))'\n"
"KEY      := 0xHEX | @FILE    AES key then 4-byte salt (20 bytes for AES-128,\n"
"                             36 for AES-256); @FILE: a file holding 0xHEX\n"
"ICV-BITS := 64 | 96 | 128\n"
"mode defaults to transport, reqid to 0; keys are shown as (hidden).\n";

static const char kipsec_usage_policy_text[] =
"kipsec policy add SELECTOR dir DIR [ priority N ] [ action ACTION ]\n"
"                  [ tmpl TMPL ]\n"
"kipsec policy { del | get } { SELECTOR dir DIR [ priority N ] | index N }\n"
"kipsec policy [ show | list ]\n"
"kipsec policy flush [ dir DIR ]\n";

static const char kipsec_usage_policy_defs[] =
"SELECTOR := src PREFIX dst PREFIX [ proto PROTO [ sport PORTS ] [ dport PORTS ]\n"
"            [ type N [ code N ] ] ]\n"
"PREFIX   := ADDR[/LEN]       without /LEN a host prefix (/32 or /128)\n"
"PROTO    := { tcp | udp | sctp | dccp | udplite | icmp | ipv6-icmp | ... | N }\n"
"PORTS    := PORT | LO-HI     (tcp, udp, sctp, dccp, udplite)\n"
"            type/code: icmp and ipv6-icmp only\n"
"DIR      := { in | out | fwd }\n"
"ACTION   := { protect | bypass | discard | allow | block }\n"
"            allow = protect with a tmpl, bypass without (the default);\n"
"            block = discard\n"
"TMPL     := [ src ADDR dst ADDR ] [ proto esp ] [ mode { transport | tunnel } ]\n"
"            [ reqid N ] [ spi SPI ]\n"
"priority defaults to 0, lower wins; tmpl mode to transport, reqid to 0.\n";

static const char kipsec_usage_tail[] =
"kipsec stats\n"
"kipsec monitor\n"
"\n"
"Exit status: 0 success; 1 bad command line (nothing was sent);\n"
"2 the kernel refused or failed (\"Error: <the kernel's message>\").\n";

void kipsec_usage_sa(FILE *f)
{
	fputs(kipsec_usage_sa_text, f);
	fputs(kipsec_usage_sa_defs, f);
}

void kipsec_usage_policy(FILE *f)
{
	fputs(kipsec_usage_policy_text, f);
	fputs(kipsec_usage_policy_defs, f);
}

static void kipsec_usage(FILE *f)
{
	fputs(kipsec_usage_head, f);
	fputc('\n', f);
	fputs(kipsec_usage_sa_text, f);
	fputs(kipsec_usage_policy_text, f);
	fputs(kipsec_usage_tail, f);
	fputc('\n', f);
	fputs(kipsec_usage_sa_defs, f);
	fputs(kipsec_usage_policy_defs, f);
}

int kipsec_cli_usage_error(const struct kipsec_cli *c, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c && c->object)
		fprintf(stderr, "Try \"kipsec %s help\".\n", c->object);
	else
		fputs("Try \"kipsec help\".\n", stderr);
	return KIPSEC_EXIT_USAGE;
}

int kipsec_cli_unknown(const struct kipsec_cli *c, const char *word)
{
	return kipsec_cli_usage_error(c, "unknown argument \"%s\"", word);
}

int kipsec_cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return KIPSEC_EXIT_ERROR;
}

/*
 * KIPSEC_DEBUG_DUMP=1: decode each request on stderr before sending it;
 * words (comma separated) "raw" add a hex dump, "dry" sends nothing (no
 * socket is opened, so the module need not be loaded).  Not in the usage.
 */
static void kipsec_debug_env(struct kipsec_cli *c)
{
	const char *env = getenv("KIPSEC_DEBUG_DUMP");
	char buf[64], *word, *save;

	if (!env || !*env || !strcmp(env, "0") || strlen(env) >= sizeof(buf))
		return;
	c->debug = true;
	strcpy(buf, env);
	for (word = strtok_r(buf, ",", &save); word;
	     word = strtok_r(NULL, ",", &save)) {
		if (!strcmp(word, "raw"))
			c->debug_raw = true;
		else if (!strcmp(word, "dry"))
			c->dry_run = true;
	}
}

static int kipsec_run(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *word;

	while ((word = kipsec_args_next(a))) {
		if (!strcmp(word, "-j") || !strcmp(word, "-json") ||
		    !strcmp(word, "--json")) {
			c->json = true;
		} else if (!strcmp(word, "-h") || !strcmp(word, "-help") ||
			   !strcmp(word, "--help") || !strcmp(word, "help")) {
			kipsec_usage(stdout);
			return KIPSEC_EXIT_OK;
		} else if (!strcmp(word, "-V") || !strcmp(word, "-Version") ||
			   !strcmp(word, "--version")) {
			printf("kipsec %s (netlink family \"%s\" version %d)\n",
			       KIPSEC_CLI_VERSION, KIPSEC_FAMILY_NAME,
			       KIPSEC_FAMILY_VERSION);
			return KIPSEC_EXIT_OK;
		} else if (word[0] == '-') {
			return kipsec_cli_unknown(c, word);
		} else {
			break;
		}
	}
	if (!word) {
		kipsec_usage(stderr);
		return KIPSEC_EXIT_USAGE;
	}

	/* `state` for `ip xfrm state` habits */
	if (!strcmp(word, "sa") || !strcmp(word, "state")) {
		c->object = "sa";
		return kipsec_sa_main(c, a);
	}
	if (!strcmp(word, "policy")) {
		c->object = "policy";
		return kipsec_policy_main(c, a);
	}
	if (!strcmp(word, "stats")) {
		c->object = "stats";
		return kipsec_stats_main(c, a);
	}
	if (!strcmp(word, "monitor")) {
		c->object = "monitor";
		return kipsec_monitor_main(c, a);
	}
	return kipsec_cli_unknown(c, word);
}

int main(int argc, char *argv[])
{
	struct kipsec_cli c = { 0 };
	struct kipsec_args a = { argc - 1, argv + 1 };
	int ret;

	kipsec_debug_env(&c);
	ret = kipsec_run(&c, &a);
	kipsec_nl_close(c.nl);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "Error: writing output: %s\n", strerror(errno));
		if (!ret)
			ret = KIPSEC_EXIT_ERROR;
	}
	return ret;
}
