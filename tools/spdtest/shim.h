/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel API, in userspace, to run the SPD classifier
 * (kmod/spd.c up to the packet parsing) single-threaded: RCU is immediate,
 * the rhashtable a list, allocations fail at fail_pct percent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <assert.h>
#include <stddef.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef int16_t s16; typedef uint32_t __be32; typedef uint16_t __be16; typedef int64_t time64_t;
#define __rcu
#define __percpu
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))
struct list_head { struct list_head *next, *prev; };
static inline void INIT_LIST_HEAD(struct list_head *h) { h->next = h->prev = h; }
static inline void list_add_tail_rcu(struct list_head *n, struct list_head *h)
{ n->prev = h->prev; n->next = h; h->prev->next = n; h->prev = n; }
static inline void list_del_rcu(struct list_head *e)
{ e->prev->next = e->next; e->next->prev = e->prev; e->prev = (void *)0x122; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
#define list_for_each_entry(pos, head, member) \
	for (pos = container_of((head)->next, __typeof__(*pos), member); \
	     &pos->member != (head); \
	     pos = container_of(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_rcu list_for_each_entry
struct rcu_head { int x; };
#define kfree_rcu(p, f) free(p)
#define call_rcu(h, f) (f)(h)
#define rcu_dereference(p) (p)
#define rcu_dereference_protected(p, c) (p)
#define rcu_assign_pointer(p, v) ((p) = (v))
#define RCU_INIT_POINTER(p, v) ((p) = (v))
extern int fail_pct;
static inline int failnow(void) { return fail_pct && rand() % 100 < fail_pct; }
#define GFP_KERNEL 0
#define kzalloc(n, f) (failnow() ? NULL : calloc(1, n))
#define kmalloc(n, f) (failnow() ? NULL : malloc(n))
#define kfree free
#define struct_size(p, m, n) (sizeof(*(p)) + sizeof((p)->m[0]) * (n))
#define sort(b, n, s, c, sw) qsort(b, n, s, c)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define U32_MAX UINT32_MAX
#define WARN_ON(x) assert(!(x))
struct work_struct { void (*fn)(struct work_struct *); };
struct rcu_work { struct work_struct work; };
struct workqueue_struct;
#define INIT_RCU_WORK(rw, f) ((rw)->work.fn = (f))
#define to_rcu_work(w) container_of(w, struct rcu_work, work)
#define queue_rcu_work(wq, rw) ((rw)->work.fn(&(rw)->work))
struct rhash_head { struct rhash_head *next; };
struct rhashtable_params { size_t key_len, key_offset, head_offset; bool automatic_shrinking; };
struct rhashtable { struct rhash_head *head; struct rhashtable_params p; int n; };
static inline int rhashtable_init(struct rhashtable *ht, const struct rhashtable_params *p)
{ if (failnow()) return -12; ht->head = NULL; ht->p = *p; ht->n = 0; return 0; }
static inline void rhashtable_destroy(struct rhashtable *ht) { assert(ht->n == 0); }
static inline void *rht_lookup(struct rhashtable *ht, const void *key)
{ struct rhash_head *h; for (h = ht->head; h; h = h->next) { char *o = (char *)h - ht->p.head_offset;
  if (!memcmp(o + ht->p.key_offset, key, ht->p.key_len)) return o; } return NULL; }
#define rhashtable_lookup_fast(ht, k, p) rht_lookup(ht, k)
#define rhashtable_lookup(ht, k, p) rht_lookup(ht, k)
static inline int rhashtable_insert_fast(struct rhashtable *ht, struct rhash_head *h, struct rhashtable_params p)
{ (void)p; if (failnow()) return -12; h->next = ht->head; ht->head = h; ht->n++; return 0; }
static inline int rhashtable_remove_fast(struct rhashtable *ht, struct rhash_head *h, struct rhashtable_params p)
{ struct rhash_head **pp; (void)p; for (pp = &ht->head; *pp; pp = &(*pp)->next) if (*pp == h) { *pp = h->next; ht->n--; return 0; } assert(0); return -2; }
struct xarray { void *a[1 << 20]; };
#define XA_FLAGS_ALLOC1 0
#define xa_limit_32b 0
static inline void xa_init_flags(struct xarray *x, int f) { (void)f; memset(x, 0, sizeof(*x)); }
static inline int xa_alloc_cyclic(struct xarray *x, u32 *id, void *e, int l, u32 *next, int g)
{ (void)l; (void)g; if (failnow()) return -12; *id = ++*next; assert(*id < (1 << 20)); x->a[*id] = e; return 0; }
static inline void xa_erase(struct xarray *x, unsigned long i) { assert(x->a[i]); x->a[i] = NULL; }
static inline void xa_destroy(struct xarray *x) { (void)x; }
#define alloc_percpu(t) calloc(1, sizeof(t))
#define free_percpu free
#define this_cpu_ptr(p) (p)
#define per_cpu_ptr(p, c) (p)
#define for_each_possible_cpu(c) for (c = 0; c < 1; c++)
#define ktime_get_real_seconds() 0
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, v) ((x) = (v))
#define htonl_(x) htonl(x)
static inline bool ipv6_addr_equal(const struct in6_addr *a, const struct in6_addr *b) { return !memcmp(a, b, 16); }
static inline bool ipv6_addr_any(const struct in6_addr *a) { static struct in6_addr z; return !memcmp(a, &z, 16); }
static inline void ipv6_addr_prefix(struct in6_addr *pfx, const struct in6_addr *a, int plen)
{ int o = plen / 8, b = plen % 8; memset(pfx, 0, 16); memcpy(pfx->s6_addr, a->s6_addr, o); if (b) pfx->s6_addr[o] = a->s6_addr[o] & (0xff00 >> b); }
static inline bool ipv6_prefix_equal(const struct in6_addr *a, const struct in6_addr *b, int plen)
{ struct in6_addr x, y; ipv6_addr_prefix(&x, a, plen); ipv6_addr_prefix(&y, b, plen); return !memcmp(&x, &y, 16); }
#define ICMPV6_MGM_QUERY 130
#define BITS_PER_LONG_ (8 * sizeof(unsigned long))
#define bitmap_zalloc(n, f) (failnow() ? NULL : calloc(((n) + BITS_PER_LONG_ - 1) / BITS_PER_LONG_, sizeof(unsigned long)))
#define bitmap_free free
static inline void bitmap_set(unsigned long *m, unsigned int start, unsigned int len)
{ for (unsigned int i = start; i < start + len; i++) m[i / BITS_PER_LONG_] |= 1UL << (i % BITS_PER_LONG_); }
static inline bool test_bit(unsigned int i, const unsigned long *m)
{ return m[i / BITS_PER_LONG_] >> (i % BITS_PER_LONG_) & 1; }
