// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: configure the kipsec IPsec module, in `ip xfrm`'s words.
 *
 *	kipsec [ -n NETNS ] [ -j ] { sa | policy | stats | monitor | sock | natt } ...
 *	kipsec [ -n NETNS ] [ -j ] [ -force ] -batch FILE
 *
 * Global options, dispatch, usage and error reporting.  Everything else
 * lives in one file per object (sa.c, policy.c, stats.c, monitor.c,
 * sock.c, natt.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kipsec.h"

static const char kipsec_usage_head[] =
"Usage: kipsec [ OPTIONS ] OBJECT { COMMAND | help }\n"
"       kipsec [ -n NETNS ] [ -j[son] ] [ -force ] -b[atch] FILE\n"
"       kipsec { -h | help | -V }\n"
"OBJECT  := { sa | policy | stats | monitor | sock | natt }\n"
"OPTIONS := { -n[etns] NETNS | -j[son] | -h[elp] | -V }\n"
"-n NETNS: work in the named network namespace (/run/netns/NETNS, as\n"
"            `ip -n`; a NETNS with a / is a path), like `ip netns exec\n"
"            NETNS kipsec ...` without its cost.\n";

static const char kipsec_usage_sa_text[] =
"kipsec sa { add | update } src ADDR dst ADDR proto { esp | ah } spi SPI\n"
"                  [ mode { transport | tunnel } ] [ reqid N ] ALGOS\n"
"                  [ replay-window N ] [ replay-seq N ] [ replay-oseq N ]\n"
"                  [ replay-seq-hi N ] [ replay-oseq-hi N ]\n"
"                  [ flag FLAG [ FLAG ... ] ]... [ extra-flag dont-encap-dscp ]\n"
"                  [ df { copy | set | clear } ] [ LIMIT ]... [ ENCAP ]\n"
"kipsec sa update src ADDR dst ADDR proto esp spi SPI ENCAP\n"
"kipsec sa { del | get } [ src ADDR ] dst ADDR proto { esp | ah } spi SPI\n"
"kipsec sa [ show | list ]\n"
"kipsec sa flush [ proto { esp | ah } ]\n"
"kipsec sa allocspi src ADDR dst ADDR proto { esp | ah } [ min SPI max SPI ]\n"
"                  [ limit time-hard SECONDS ]\n";

static const char kipsec_usage_sa_defs[] =
"ADDR     := IPv4 or IPv6 address (src and dst of one family)\n"
"SPI, N   := decimal or 0x hex\n"
"ALGOS    := one of, words in any order:\n"
"              aead NAME KEY ICV-BITS                    (esp)\n"
"              enc NAME KEY auth NAME KEY                (esp)\n"
"              enc NAME KEY auth-trunc NAME KEY BITS     (esp)\n"
"              auth NAME KEY | auth-trunc NAME KEY BITS  (ah)\n"
"              alg PROPOSAL KEY    KEY: the encryption key (salt or nonce\n"
"                                  included), then the integrity key\n"
"NAME     := aead: 'rfc4106(gcm(aes))' | 'rfc7539esp(chacha20,poly1305)' |\n"
"                  'rfc4543(gcm(aes))'\n"
"            enc:  'cbc(aes)' | 'rfc3686(ctr(aes))' | 'ecb(cipher_null)'\n"
"            auth: 'hmac(sha1)' | 'hmac(sha256)' | 'hmac(sha384)' |\n"
"                  'hmac(sha512)' | digest_null\n"
"KEY      := 0xHEX | \"\" | @FILE   \"\": null algorithms; @FILE holds 0xHEX\n"
"            rfc4106, rfc4543, rfc3686: AES key then 4-byte salt or nonce;\n"
"            rfc7539esp: 32-byte key then 4-byte salt\n"
"ICV-BITS, BITS := ICV or truncation length in bits; \"auth\" truncates as\n"
"            ip-xfrm does: sha1 96, sha256 96, sha384 192, sha512 256\n"
"PROPOSAL := aes{128,192,256}gcm{8,12,16} | chacha20poly1305 |\n"
"            aes{128,192,256}gmac | aes{128,192,256}-sha{1,256,384,512} |\n"
"            aes{128,192,256}ctr-sha{1,256,384,512} |\n"
"            null-sha{1,256,384,512} | sha{1,256,384,512} (ah)\n"
"            (strongSwan's names; sha1 truncates to 96 bits, sha256 to 128,\n"
"            sha384 to 192, sha512 to 256)\n"
"FLAG     := esn | noecn | decap-dscp | dont-encap-dscp | insecure\n"
"            insecure: needed by enc 'ecb(cipher_null)' \"\" auth digest_null \"\"\n"
"LIMIT    := limit { time-soft | time-hard | time-use-soft | time-use-hard }\n"
"                  SECONDS\n"
"          | limit { byte-soft | byte-hard } N\n"
"          | limit { packet-soft | packet-hard } N\n"
"ENCAP    := encap espinudp SPORT DPORT [ OADDR ]\n"
"            ESP in UDP (NAT traversal, RFC 3948), SPORT and DPORT 1-65535;\n"
"            OADDR (ip-xfrm's original address) is accepted and ignored.\n"
"            The SA takes packets from a socket of \"kipsec natt listen\" (or an\n"
"            IKE daemon's); sa update with ENCAP alone moves a valid SA's ports.\n"
"replay-seq, replay-oseq: 64 bits, or the low 32 with -hi for the high 32 (ESN).\n"
"mode defaults to transport, reqid to 0, df to copy; keys are shown as (hidden).\n"
"allocspi: the reserved SPI's larval SA is deleted after time-hard seconds\n"
"(default: the module parameter larval_secs, 165).\n";

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
"TMPL     := [ src ADDR dst ADDR ] [ proto { esp | ah } ] [ mode { transport | tunnel } ]\n"
"            [ reqid N ] [ spi SPI ]\n"
"priority defaults to 0, lower wins; tmpl mode to transport, reqid to 0.\n";

static const char kipsec_usage_sock_text[] =
"kipsec sock [ show | list ]\n"
"kipsec natt listen [ port PORT ] [ family { inet | inet6 } ] [ bypass ]\n";

static const char kipsec_usage_sock_defs[] =
"sock show: the sockets handed to kipsec (family, protocol, address:port,\n"
"            flags bypass and espinudp).\n"
"natt listen: bind a UDP socket to the any-address and PORT (4500), hand it\n"
"            to kipsec for ESP in UDP (and to bypass the policies with\n"
"            \"bypass\"), print it, then discard what it receives (IKE,\n"
"            keepalives) until SIGINT or SIGTERM.  Manually keyed SAs with\n"
"            \"encap\" need such a socket on their port.\n";

static const char kipsec_usage_tail[] =
"kipsec stats\n"
"kipsec monitor\n"
"            events: sa-add, sa-del, sa-expire, acquire (policy, packet),\n"
"            sa-mapping (SA, old -> new peer address:port), policy-add, policy-del\n"
"\n"
"\n"
"-batch FILE (\"-\" for stdin): one command a line, without \"kipsec\" and\n"
"            without options, on one netlink socket.  Blanks separate words;\n"
"            a word starting with ' or \" runs to the same quote ('' and \"\" are\n"
"            empty words); # starts a comment; a backslash at the end of a line\n"
"            joins the next.  The batch stops at the first failed command\n"
"            (\"Command failed FILE:LINE\"; the commands before it stay done);\n"
"            -force reports each failure and goes on.  monitor and natt\n"
"            listen are refused.\n"
"\n"
"Exit status: 0 success; 1 bad command line (nothing was sent);\n"
"2 the kernel refused or failed (\"Error: <the kernel's message>\").\n"
"A batch exits with the highest status of its failed commands.\n";

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

void kipsec_usage_sock(FILE *f)
{
	fputs(kipsec_usage_sock_text, f);
	fputs(kipsec_usage_sock_defs, f);
}

static void kipsec_usage(FILE *f)
{
	fputs(kipsec_usage_head, f);
	fputc('\n', f);
	fputs(kipsec_usage_sa_text, f);
	fputs(kipsec_usage_policy_text, f);
	fputs(kipsec_usage_sock_text, f);
	fputs(kipsec_usage_tail, f);
	fputc('\n', f);
	fputs(kipsec_usage_sa_defs, f);
	fputs(kipsec_usage_policy_defs, f);
	fputs(kipsec_usage_sock_defs, f);
}

int kipsec_cli_usage_error(const struct kipsec_cli *c, const char *fmt, ...)
{
	va_list ap;

	kipsec_cli_where(c, stderr);
	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c && c->batch_name)
		return KIPSEC_EXIT_USAGE;	/* no hint on every failed line */
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

int kipsec_cli_error(const struct kipsec_cli *c, const char *fmt, ...)
{
	va_list ap;

	kipsec_cli_where(c, stderr);
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

/* OBJECT COMMAND ...: one command line, or one line of a batch */
static int kipsec_cli_command(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *word = kipsec_args_next(a);

	if (!word) {
		kipsec_usage(stderr);
		return KIPSEC_EXIT_USAGE;
	}
	if (!strcmp(word, "help")) {
		kipsec_usage(stdout);
		return KIPSEC_EXIT_OK;
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
	if (!strcmp(word, "sock")) {
		c->object = "sock";
		return kipsec_sock_main(c, a);
	}
	if (!strcmp(word, "natt")) {
		c->object = "natt";
		return kipsec_natt_main(c, a);
	}
	return kipsec_cli_unknown(c, word);
}

/*
 * -n NETNS: enter the network namespace before the netlink socket (and the
 * natt socket) is opened.  Only the network namespace changes: kipsec needs
 * neither the mounts nor /sys that `ip netns exec` sets up.
 */
static int kipsec_netns_enter(const struct kipsec_cli *c, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	if (!name[0] || !strcmp(name, ".") || !strcmp(name, ".."))
		return kipsec_cli_usage_error(c, "invalid network namespace name \"%s\"",
					      name);
	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else if (snprintf(path, sizeof(path), "/run/netns/%s", name) >= (int)sizeof(path))
		return kipsec_cli_usage_error(c, "network namespace name too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kipsec_cli_usage_error(c, "cannot open network namespace \"%s\": %s",
					      name, strerror(errno));
	err = setns(fd, CLONE_NEWNET);
	if (err)
		err = errno;
	close(fd);
	if (err)
		return kipsec_cli_usage_error(c, "cannot enter network namespace \"%s\": %s",
					      name, strerror(err));
	return 0;
}

static int kipsec_run(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *word, *batch = NULL, *netns = NULL;
	bool force = false;
	int ret;

	while ((word = kipsec_args_peek(a)) && word[0] == '-') {
		kipsec_args_next(a);
		if (!strcmp(word, "-j") || !strcmp(word, "-json") ||
		    !strcmp(word, "--json")) {
			c->json = true;
		} else if (!strcmp(word, "-b") || !strcmp(word, "-batch") ||
			   !strcmp(word, "--batch")) {
			if (kipsec_args_value(c, a, word, &batch))
				return KIPSEC_EXIT_USAGE;
		} else if (!strcmp(word, "-n") || !strcmp(word, "-netns") ||
			   !strcmp(word, "--netns")) {
			if (kipsec_args_value(c, a, word, &netns))
				return KIPSEC_EXIT_USAGE;
		} else if (!strcmp(word, "-force") || !strcmp(word, "--force")) {
			force = true;
		} else if (!strcmp(word, "-h") || !strcmp(word, "-help") ||
			   !strcmp(word, "--help")) {
			kipsec_usage(stdout);
			return KIPSEC_EXIT_OK;
		} else if (!strcmp(word, "-V") || !strcmp(word, "-Version") ||
			   !strcmp(word, "--version")) {
			printf("kipsec %s (netlink family \"%s\" version %d)\n",
			       KIPSEC_CLI_VERSION, KIPSEC_FAMILY_NAME,
			       KIPSEC_FAMILY_VERSION);
			return KIPSEC_EXIT_OK;
		} else {
			return kipsec_cli_unknown(c, word);
		}
	}
	if (netns) {
		ret = kipsec_netns_enter(c, netns);
		if (ret)
			return ret;
	}
	if (batch) {
		if (word)
			return kipsec_cli_usage_error(c,
				"unexpected \"%s\": -batch FILE takes the commands from FILE",
				word);
		return kipsec_batch_run(c, batch, force, kipsec_cli_command);
	}
	if (force)
		return kipsec_cli_usage_error(c, "-force goes with -batch FILE");
	return kipsec_cli_command(c, a);
}

/*
 * Into a pipe or a file, a dump of 100k SAs is some 50 MB: written in
 * 64 KiB pieces rather than stdio's 4 KiB, a system call each.  (glibc
 * ignores setvbuf's size without a buffer.)  monitor and natt listen flush
 * as they print.
 */
static char kipsec_stdout_buf[1 << 16];

int main(int argc, char *argv[])
{
	struct kipsec_cli c = { 0 };
	struct kipsec_args a = { argc - 1, argv + 1 };
	int ret;

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, kipsec_stdout_buf, _IOFBF,
			sizeof(kipsec_stdout_buf));
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
