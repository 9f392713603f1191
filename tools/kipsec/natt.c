// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec natt listen [ port PORT ] [ family { inet | inet6 } ] [ bypass ]
 *
 * What manually keyed NAT traversal needs: a UDP socket on the NAT-T port
 * (4500), handed to kipsec with sock-add (espinudp, and bypass if asked),
 * so that ESP-in-UDP arriving on the port is decapsulated by kipsec.  The
 * socket lives as long as the process: this command prints the
 * registration, then stays in the foreground reading and discarding what
 * the socket itself receives (IKE and NAT keepalives, which kipsec leaves
 * to it) until SIGINT or SIGTERM; then it gives the socket back (sock-del)
 * and exits 0.  With XFRM, the same job falls to a process that holds a
 * socket with the UDP_ENCAP option open.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "kipsec.h"

struct kipsec_natt_args {
	uint16_t port;
	int family;
	bool bypass;
};

static int kipsec_natt_parse(struct kipsec_cli *c, struct kipsec_args *a,
			     struct kipsec_natt_args *n)
{
	bool has_port = false, has_family = false;
	const char *word, *val;
	uint32_t v;

	n->port = 4500;
	n->family = AF_INET;
	n->bypass = false;
	while ((word = kipsec_args_next(a))) {
		if (!strcmp(word, "port")) {
			if (kipsec_args_dup(c, has_port, word) ||
			    kipsec_args_value(c, a, word, &val) ||
			    kipsec_parse_u32(c, word, val, &v))
				return KIPSEC_EXIT_USAGE;
			if (!v || v > UINT16_MAX)
				return kipsec_cli_usage_error(c, "invalid port \"%s\" (1 to 65535 expected)",
							      val);
			n->port = v;
			has_port = true;
		} else if (!strcmp(word, "family")) {
			if (kipsec_args_dup(c, has_family, word) ||
			    kipsec_args_value(c, a, word, &val))
				return KIPSEC_EXIT_USAGE;
			if (!strcmp(val, "inet"))
				n->family = AF_INET;
			else if (!strcmp(val, "inet6"))
				n->family = AF_INET6;
			else
				return kipsec_cli_usage_error(c, "invalid family \"%s\" (inet or inet6)",
							      val);
			has_family = true;
		} else if (!strcmp(word, "bypass")) {
			if (kipsec_args_dup(c, n->bypass, word))
				return KIPSEC_EXIT_USAGE;
			n->bypass = true;
		} else {
			return kipsec_cli_unknown(c, word);
		}
	}
	return 0;
}

/* A UDP socket bound to the any-address and @n's port (not in a dry run). */
static int kipsec_natt_socket(const struct kipsec_cli *c,
			      const struct kipsec_natt_args *n)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, one = 1, err;

	fd = socket(n->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		kipsec_cli_error(c, "cannot open a UDP socket: %s", strerror(errno));
		return -1;
	}
	if (c->dry_run)
		return fd;
	if (n->family == AF_INET6) {
		/* IPv4 has its own socket on the port, as an IKE daemon's */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		sin6.sin6_port = htons(n->port);
		err = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	} else {
		sin.sin_port = htons(n->port);
		err = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	if (err) {
		kipsec_cli_error(c, "cannot bind UDP port %u: %s", n->port,
				 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* sock-add (@flags) or, with @flags 0, sock-del of @fd */
static int kipsec_natt_request(struct kipsec_cli *c, int fd, uint32_t flags,
			       struct kipsec_msgs *msgs)
{
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	ret = kipsec_cli_msg(c, buf, flags ? KIPSEC_CMD_SOCK_ADD :
					     KIPSEC_CMD_SOCK_DEL, &nlh);
	if (ret)
		return ret;
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SOCK);
	mnl_attr_put_u32(nlh, KIPSEC_A_SOCK_FD, fd);
	if (flags)
		mnl_attr_put_u32(nlh, KIPSEC_A_SOCK_FLAGS, flags);
	mnl_attr_nest_end(nlh, nest);
	return kipsec_cli_do(c, nlh, msgs ? kipsec_msgs_collect : NULL, msgs);
}

/* Read and drop what arrives on @fd until SIGINT or SIGTERM (in @sigs). */
static int kipsec_natt_serve(int fd, const sigset_t *sigs)
{
	char buf[2048];
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .events = POLLIN },
	};

	p[1].fd = signalfd(-1, sigs, SFD_CLOEXEC);
	if (p[1].fd < 0)
		return kipsec_cli_error(NULL, "signalfd: %s", strerror(errno));
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			close(p[1].fd);
			return kipsec_cli_error(NULL, "poll: %s", strerror(errno));
		}
		if (p[1].revents)
			break;
		if (p[0].revents)
			while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
				;
	}
	close(p[1].fd);
	return KIPSEC_EXIT_OK;
}

static int kipsec_natt_listen(struct kipsec_cli *c, struct kipsec_args *a)
{
	struct kipsec_msgs msgs = { 0 };
	struct kipsec_natt_args n;
	uint32_t flags;
	sigset_t sigs;
	int fd, ret;

	ret = kipsec_natt_parse(c, a, &n);
	if (ret)
		return ret;
	ret = kipsec_cli_open(c);
	if (ret)
		return ret;
	/* signals wait for the loop from now on, none is lost before it */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	fd = kipsec_natt_socket(c, &n);
	if (fd < 0)
		return KIPSEC_EXIT_ERROR;
	flags = KIPSEC_SOCK_F_ESPINUDP | (n.bypass ? KIPSEC_SOCK_F_BYPASS : 0);
	ret = kipsec_natt_request(c, fd, flags, &msgs);
	if (!ret && !c->dry_run) {
		ret = kipsec_show_list(c, &msgs, KIPSEC_A_SOCK);
		fflush(stdout);
	}
	kipsec_msgs_reset(&msgs);
	if (!ret && !c->dry_run) {
		ret = kipsec_natt_serve(fd, &sigs);
		if (!ret)
			ret = kipsec_natt_request(c, fd, 0, NULL);
	}
	close(fd);
	return ret;
}

int kipsec_natt_main(struct kipsec_cli *c, struct kipsec_args *a)
{
	const char *cmd = kipsec_args_next(a);

	if (!cmd || !strcmp(cmd, "help")) {
		kipsec_usage_sock(cmd ? stdout : stderr);
		return cmd ? KIPSEC_EXIT_OK : KIPSEC_EXIT_USAGE;
	}
	if (!strcmp(cmd, "listen"))
		return kipsec_natt_listen(c, a);
	return kipsec_cli_unknown(c, cmd);
}
