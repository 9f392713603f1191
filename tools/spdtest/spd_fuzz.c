// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of the SPD classifier: random inserts (with injected
 * allocation failures), removals and lookups, each lookup compared with a
 * linear scan of the live policies for the best (priority, seq) match, each
 * insert with kipsec_spd_find() against the same scan.  run.sh builds it
 * with ASan/UBSan against the current kmod/spd.c.
 */
#include "spd_part.c"	/* kmod/spd.c without the skb parsing */
int fail_pct;
struct workqueue_struct *kipsec_wq;
#define MAXP 20000
static struct kipsec_policy *live[MAXP];
static int nlive;
static struct kipsec_spd spd;

static u32 rnd(u32 n) { return (u32)rand() % n; }
static int sparse;	/* odd seeds: specific selectors, lookups mostly miss */
static const u8 plens4[] = { 0, 8, 16, 24, 30, 31, 32 };
static const u8 plens6[] = { 0, 64, 120, 128 };
static const u8 protos[] = { 0, 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 };

static void rnd_addr(union kipsec_addr *a, u8 fam)
{
	memset(a, 0, sizeof(*a));
	if (fam == AF_INET)
		a->ip4 = htonl(0x0a000000 | rnd(4) << 8 | rnd(4));
	else {
		a->ip6.s6_addr[0] = 0xfd;
		a->ip6.s6_addr[15] = rnd(4);
		a->ip6.s6_addr[8] = rnd(2);
	}
}

static void rnd_sel(struct kipsec_sel *s)
{
	memset(s, 0, sizeof(*s));
	s->family = rnd(5) ? AF_INET : AF_INET6;
	rnd_addr(&s->src, s->family);
	rnd_addr(&s->dst, s->family);
	if (s->family == AF_INET) {
		s->src_plen = plens4[sparse ? 3 + rnd(4) : rnd(sizeof(plens4))];
		s->dst_plen = plens4[sparse ? 3 + rnd(4) : rnd(sizeof(plens4))];
	} else {
		s->src_plen = plens6[rnd(sizeof(plens6))];
		s->dst_plen = plens6[rnd(sizeof(plens6))];
	}
	kipsec_addr_mask(&s->src, s->family, s->src_plen);
	kipsec_addr_mask(&s->dst, s->family, s->dst_plen);
	s->proto = protos[sparse ? 2 + rnd(4) : rnd(sizeof(protos))];
	s->sport_min = 0; s->sport_max = 0xffff;
	s->dport_min = 0; s->dport_max = 0xffff;
	s->icmp_type = s->icmp_code = -1;
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
		switch (rnd(4)) {
		case 0: s->dport_min = s->dport_max = rnd(sparse ? 8 : 4); break;
		case 1: s->dport_min = rnd(3); s->dport_max = s->dport_min + rnd(3); break;
		case 2: s->sport_min = s->sport_max = rnd(3); break;
		}
	} else if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6) {
		if (rnd(2)) { s->icmp_type = rnd(3); if (rnd(2)) s->icmp_code = rnd(2); }
	}
}

static void rnd_flow(struct kipsec_flow *f)
{
	static const u8 fp[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, 47 };
	memset(f, 0, sizeof(*f));
	f->family = rnd(5) ? AF_INET : AF_INET6;
	rnd_addr(&f->saddr, f->family);
	rnd_addr(&f->daddr, f->family);
	f->proto = fp[rnd(sizeof(fp))];
	if ((f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) && rnd(8)) {
		f->has_ports = true; f->sport = rnd(4); f->dport = rnd(6);
	}
	if ((f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6) && rnd(8)) {
		f->has_icmp = true; f->icmp_type = rnd(3); f->icmp_code = rnd(2);
		f->link_ctl = f->proto == IPPROTO_ICMPV6 && rnd(3) == 0;
	}
}

static struct kipsec_policy *ref_lookup(u8 dir, const struct kipsec_flow *f)
{
	struct kipsec_policy *b = NULL;
	for (int i = 0; i < nlive; i++) {
		struct kipsec_policy *p = live[i];
		if (p->dir != dir || !kipsec_sel_match(&p->sel, f))
			continue;
		if (!b || p->priority < b->priority || (p->priority == b->priority && p->seq < b->seq))
			b = p;
	}
	return b;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 200000;
	long lookups = 0, hits = 0, fails = 0;
	srand(argc > 2 ? atoi(argv[2]) : 1);
	sparse = (argc > 2 ? atoi(argv[2]) : 1) % 2;
	kipsec_spd_init(&spd);
	for (long it = 0; it < iters; it++) {
		int op = rnd(10);
		fail_pct = rnd(4) == 0 ? 20 : 0;
		if (op < 3 && nlive < MAXP) {
			struct kipsec_policy *p;
			unsigned int n, rn = 0;
			fail_pct = 0;
			p = kipsec_policy_alloc();
			fail_pct = rnd(4) == 0 ? 20 : 0;
			rnd_sel(&p->sel);
			p->dir = rnd(2);
			p->priority = rnd(6);
			struct kipsec_policy *fp = kipsec_spd_find(&spd, p->dir, &p->sel, &p->priority, &n);
			struct kipsec_policy *rf = NULL;
			for (int i = 0; i < nlive; i++)
				if (live[i]->dir == p->dir && live[i]->priority == p->priority &&
				    kipsec_sel_equal(&live[i]->sel, &p->sel)) { if (!rf) rf = live[i]; rn++; }
			assert(n == rn && (fp != NULL) == (rf != NULL));
			if (fp) { kipsec_policy_free(p); continue; }
			u32 cnt = spd.count;
			if (kipsec_spd_insert(&spd, p)) {
				fails++;
				assert(spd.count == cnt);
				assert(!kipsec_spd_find(&spd, p->dir, &p->sel, &p->priority, &n));
				kipsec_policy_free(p);
			} else {
				live[nlive++] = p;
				assert(kipsec_spd_find(&spd, p->dir, &p->sel, &p->priority, &n) == p && n == 1);
			}
		} else if (op < 5 && nlive) {
			int i = rnd(nlive);
			kipsec_spd_remove(&spd, live[i]);
			live[i] = live[--nlive];
		} else {
			struct kipsec_flow f;
			u8 dir = rnd(2);
			rnd_flow(&f);
			struct kipsec_policy *a = kipsec_spd_lookup(&spd, dir, &f), *b = ref_lookup(dir, &f);
			lookups++; hits += !!b;
			if (a != b) {
				printf("MISMATCH it=%ld got %p(prio %u seq %llu) want %p(prio %u seq %llu)\n", it,
				       (void *)a, a ? a->priority : 0, a ? (unsigned long long)a->seq : 0,
				       (void *)b, b ? b->priority : 0, b ? (unsigned long long)b->seq : 0);
				return 1;
			}
		}
		if (it % 50000 == 49999) {	/* drain all now and then: shapes go away */
			fail_pct = rnd(2) ? 30 : 0;
			while (nlive) { kipsec_spd_remove(&spd, live[nlive - 1]); nlive--; }
		}
	}
	fail_pct = 0;
	unsigned shapes = 0;
	for (int d = 0; d < 3; d++) if (spd.shapes[d]) shapes += spd.shapes[d]->n;
	while (nlive) { kipsec_spd_remove(&spd, live[nlive - 1]); nlive--; }
	kipsec_spd_destroy(&spd);
	printf("ok: %ld iterations, %ld lookups (%ld matched), %ld failed inserts, %u shapes at end\n",
	       iters, lookups, hits, fails, shapes);
	return 0;
}
