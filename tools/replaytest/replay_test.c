// SPDX-License-Identifier: GPL-2.0
/*
 * The anti-replay window and its commit order (kmod/replay.c), in
 * userspace: packets take tickets in arrival order, the "crypto API"
 * finishes them in a shuffled order, and the window must still see them in
 * ticket order, so that no packet is refused for a reordering kipsec's own
 * crypto made.  Duplicates and packets behind the window stay refused.
 */
#include "replay.h"

int lock_depth, dbg_lines;

struct pkt {
	struct kipsec_replay_item rx;
	int id;		/* arrival order */
	bool done, fresh;
};

static int failed, checks;
#define CHECK(c, ...) do { checks++; if (!(c)) { failed++; \
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static int order[20000], norder;	/* ids in the order done() saw them */
static struct kipsec_replay *cur;
static struct pkt *nested;		/* committed from inside done() */

static void done(struct kipsec_replay_item *item, bool fresh)
{
	struct pkt *p = container_of(item, struct pkt, rx);

	assert(!p->done);
	assert(lock_depth == 0);	/* never called with the lock held */
	p->done = true;
	p->fresh = fresh;
	order[norder++] = p->id;
	if (nested && p->id == 0) {
		/* a decapsulated packet of the same SA, finished at once */
		struct pkt *n = nested;

		nested = NULL;
		kipsec_replay_commit(cur, &n->rx, true, done);
	}
}

/* shuffle with every element moved at most @dist places */
static void near_shuffle(int *v, int n, int dist)
{
	for (int i = 0; i < n; i++) {
		int j = i + rand() % (dist + 1);

		if (j < n) {
			int t = v[i];
			v[i] = v[j];
			v[j] = t;
		}
	}
}

/* N packets, seq = @first.., finished in a shuffled order: all fresh, in order */
static void reorder(u32 window, int n, int dist, int bad_every)
{
	struct kipsec_replay r;
	struct pkt *p = calloc(n, sizeof(*p));
	int *fin = malloc(n * sizeof(int)), ok = 1, fresh = 0;

	assert(!kipsec_replay_init(&r, window));
	for (int i = 0; i < n; i++) {
		p[i].id = i;
		assert(kipsec_replay_check(&r, i + 1));
		kipsec_replay_ticket(&r, &p[i].rx, i + 1);
		fin[i] = i;
	}
	near_shuffle(fin, n, dist);
	norder = 0;
	for (int i = 0; i < n; i++) {
		int k = fin[i];
		bool authentic = !bad_every || k % bad_every;

		kipsec_replay_commit(&r, &p[k].rx, authentic, done);
	}
	for (int i = 0; i < n; i++) {
		ok &= p[i].done && order[i] == i;
		fresh += p[i].fresh;
		if (bad_every && !(i % bad_every))
			ok &= !p[i].fresh;
	}
	CHECK(ok && norder == n, "window %u, %d packets finished up to %d apart: done() in ticket order",
	      window, n, dist);
	CHECK(fresh == n - (bad_every ? (n + bad_every - 1) / bad_every : 0),
	      "window %u, %d packets finished up to %d apart: %d accepted, want every authentic one",
	      window, n, dist, fresh);
	CHECK(list_empty(&r.held) && !r.busy && lock_depth == 0, "nothing left held");
	if (!bad_every)
		CHECK(kipsec_replay_top(&r) == (u64)n, "window %u: top %llu after %d packets",
		      window, kipsec_replay_top(&r), n);
	kipsec_replay_destroy(&r);
	free(p);
	free(fin);
}

/* one packet, finished at once: fresh or not */
static bool one(struct kipsec_replay *r, u64 seq)
{
	struct pkt p = { 0 };

	kipsec_replay_ticket(r, &p.rx, seq);
	kipsec_replay_commit(r, &p.rx, true, done);
	assert(p.done);
	return p.fresh;
}

static void semantics(void)
{
	struct kipsec_replay r;
	struct pkt a = { .id = 0 }, b = { .id = 1 }, c = { .id = 2 };

	assert(!kipsec_replay_init(&r, 32));
	CHECK(one(&r, 100), "first packet accepted");
	CHECK(!one(&r, 100), "duplicate refused");
	CHECK(one(&r, 69), "31 below the highest: inside a window of 32");
	CHECK(!one(&r, 68), "32 below the highest: behind the window");
	CHECK(!one(&r, 0), "sequence number 0 refused");
	CHECK(!kipsec_replay_check(&r, 100) && kipsec_replay_check(&r, 99),
	      "the pre-check sees what the window holds");

	/* two copies of one number in flight at once: the later ticket loses */
	kipsec_replay_ticket(&r, &a.rx, 200);
	kipsec_replay_ticket(&r, &b.rx, 200);
	kipsec_replay_commit(&r, &b.rx, true, done);
	CHECK(!b.done, "a packet waits for the earlier ticket");
	kipsec_replay_commit(&r, &a.rx, true, done);
	CHECK(a.done && a.fresh && b.done && !b.fresh,
	      "copies in flight: the first ticket accepted, the second refused");

	/* a failed ICV gives its ticket up without moving the window */
	kipsec_replay_ticket(&r, &c.rx, 10000);
	kipsec_replay_commit(&r, &c.rx, false, done);
	CHECK(c.done && !c.fresh && kipsec_replay_top(&r) == 200,
	      "unauthentic packet: refused, window unmoved");
	kipsec_replay_destroy(&r);

	/* no window: everything but 0 passes, the highest number is kept */
	assert(!kipsec_replay_init(&r, 0));
	CHECK(one(&r, 5) && one(&r, 5) && one(&r, 3) && !one(&r, 0) &&
	      kipsec_replay_top(&r) == 5, "no window: duplicates pass, top kept");
	kipsec_replay_destroy(&r);
}

/* done() commits another packet of the same SA: it is taken after */
static void reentry(void)
{
	struct kipsec_replay r;
	struct pkt p[3] = { { .id = 0 }, { .id = 1 }, { .id = 2 } };

	assert(!kipsec_replay_init(&r, 64));
	cur = &r;
	kipsec_replay_ticket(&r, &p[0].rx, 1);
	kipsec_replay_ticket(&r, &p[1].rx, 2);
	kipsec_replay_ticket(&r, &p[2].rx, 3);
	nested = &p[2];
	norder = 0;
	kipsec_replay_commit(&r, &p[1].rx, true, done);
	kipsec_replay_commit(&r, &p[0].rx, true, done);
	CHECK(norder == 3 && order[0] == 0 && order[1] == 1 && order[2] == 2 &&
	      p[0].fresh && p[1].fresh && p[2].fresh,
	      "a commit from inside done() waits its turn: order %d %d %d", order[0],
	      order[1], order[2]);
	kipsec_replay_destroy(&r);
}

int main(int argc, char **argv)
{
	int seed = argc > 1 ? atoi(argv[1]) : 1;

	srand(seed);
	semantics();
	reentry();
	for (u32 w = 0; w <= 64; w += 32) {
		reorder(w, 5000, 1, 0);
		reorder(w, 5000, 200, 0);	/* far beyond the window */
		reorder(w, 5000, 200, 7);	/* and some ICVs fail */
	}
	reorder(1, 3000, 50, 0);
	reorder(4096, 20000, 5000, 0);
	printf("replaytest seed %d: %d checks, %d failed\n", seed, checks, failed);
	return failed ? 1 : 0;
}
