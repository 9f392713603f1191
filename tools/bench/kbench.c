// SPDX-License-Identifier: GPL-2.0
/*
 * kbench - the two traffic patterns of `make bench` that iperf3 lacks
 * (netperf is not in Debian bookworm):
 *
 *   kbench udp-sink  -p PORT -t SECS        count UDP datagrams for SECS
 *   kbench udp-flood -c HOST -p PORT -t SECS [-s BYTES]
 *                                           send BYTES-payload datagrams
 *   kbench rr-server -p PORT                TCP echo, one byte at a time
 *   kbench rr-client -c HOST -p PORT -t SECS [-s BYTES]
 *                                           request/response transactions
 *
 * The sink prints "pps N packets N secs S": N packets over the interval
 * from the first to the last datagram it received (the rate the receiver
 * saw, not the rate the sender tried).  It stops at SECS, or 0.5 s after
 * the flood stopped.  The client prints "tps N" like
 * netperf's TCP_RR.  IPv4 only; results go to stdout, errors to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *host;
	int port;
	double secs;
	int size;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "kbench: %s: %s\n", what, strerror(errno));
	return 1;
}

static int addr_of(const struct opts *o, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(o->port);
	if (!o->host)
		return 0;
	if (inet_pton(AF_INET, o->host, &sin->sin_addr) != 1) {
		fprintf(stderr, "kbench: not an IPv4 address: %s\n", o->host);
		return -1;
	}
	return 0;
}

static int udp_sink(const struct opts *o)
{
	struct sockaddr_in sin;
	double first = 0, last = 0, end;
	unsigned long long n = 0;
	int fd, rcvbuf = 4 << 20;
	char buf[65536];

	if (addr_of(o, &sin))
		return 1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return die("bind");
	/* ready: the driver waits for this line before starting the flood */
	printf("ready\n");
	fflush(stdout);
	end = now() + o->secs;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = end - now();
		ssize_t r;

		if (n && left > 0.5)
			left = 0.5;	/* the flood has stopped */
		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			break;
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0)
			continue;
		last = now();
		if (!n++)
			first = last;
	}
	printf("pps %.0f packets %llu secs %.3f\n",
	       n > 1 && last > first ? (n - 1) / (last - first) : 0.0, n, last - first);
	return 0;
}

static int udp_flood(const struct opts *o)
{
	struct sockaddr_in sin;
	unsigned long long n = 0, err = 0;
	char buf[65536] = { 0 };
	double end;
	int fd;

	if (addr_of(o, &sin))
		return 1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return die("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return die("connect");
	end = now() + o->secs;
	while (now() < end) {
		int i;

		for (i = 0; i < 64; i++) {
			if (send(fd, buf, o->size, 0) < 0)
				err++;
			else
				n++;
		}
	}
	printf("sent %llu errors %llu\n", n, err);
	return 0;
}

static int rr_server(const struct opts *o)
{
	struct sockaddr_in sin;
	int fd, one = 1;
	char buf[65536];

	if (addr_of(o, &sin))
		return 1;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16))
		return die("bind/listen");
	/* a child per connection: a client that vanished without a FIN must
	 * not block the next one */
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int c = accept(fd, NULL, NULL);
		ssize_t r;

		if (c < 0)
			continue;
		if (fork()) {
			close(c);
			continue;
		}
		close(fd);
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((r = recv(c, buf, sizeof(buf), 0)) > 0)
			if (send(c, buf, r, 0) != r)
				break;
		_exit(0);
	}
	return 0;
}

static int rr_client(const struct opts *o)
{
	struct sockaddr_in sin;
	unsigned long long n = 0;
	char buf[65536] = { 0 };
	double start, end, t;
	int fd, one = 1;

	if (addr_of(o, &sin))
		return 1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return die("socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return die("connect");
	start = now();
	end = start + o->secs;
	while ((t = now()) < end) {
		int got = 0;

		if (send(fd, buf, o->size, 0) != o->size)
			return die("send");
		while (got < o->size) {
			ssize_t r = recv(fd, buf, o->size - got, 0);

			if (r <= 0)
				return die("recv");
			got += r;
		}
		n++;
	}
	printf("tps %.0f transactions %llu secs %.3f\n", n / (t - start), n, t - start);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .port = 5400, .secs = 1, .size = 1 };
	const char *mode = argc > 1 ? argv[1] : "";
	int c;

	optind = 2;
	while ((c = getopt(argc, argv, "c:p:t:s:")) != -1) {
		switch (c) {
		case 'c': o.host = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 't': o.secs = atof(optarg); break;
		case 's': o.size = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (o.size < 1 || o.size > 65000 || o.secs <= 0)
		goto usage;
	if (!strcmp(mode, "udp-sink"))
		return udp_sink(&o);
	if (!strcmp(mode, "udp-flood") && o.host)
		return udp_flood(&o);
	if (!strcmp(mode, "rr-server"))
		return rr_server(&o);
	if (!strcmp(mode, "rr-client") && o.host)
		return rr_client(&o);
usage:
	fprintf(stderr, "usage: kbench udp-sink -p PORT -t SECS\n"
		"       kbench udp-flood -c HOST -p PORT -t SECS [-s BYTES]\n"
		"       kbench rr-server -p PORT\n"
		"       kbench rr-client -c HOST -p PORT -t SECS [-s BYTES]\n");
	return 2;
}
