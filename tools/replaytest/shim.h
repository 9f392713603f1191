/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel API, in userspace, to run the anti-replay
 * window (kmod/replay.c) single-threaded: locks are counters that must
 * balance, bottom halves do not exist.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef unsigned long long u64;
typedef int32_t s32; typedef uint32_t __be32;
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, v) ((x) = (v))
#define WARN_ON_ONCE(x) assert(!(x))
#define BITS_PER_LONG (8 * (int)sizeof(unsigned long))
#define round_up(x, y) ((((x) + (y) - 1) / (y)) * (y))
#define GFP_KERNEL 0
#define ENOMEM 12
extern int lock_depth;
typedef struct { int held; } spinlock_t;
#define spin_lock_init(l) ((l)->held = 0)
#define spin_lock_bh(l) (assert(!(l)->held), (l)->held = 1, lock_depth++)
#define spin_unlock_bh(l) (assert((l)->held), (l)->held = 0, lock_depth--)
typedef struct { int v; } atomic_t;
#define atomic_set(a, x) ((a)->v = (x))
#define atomic_inc_return(a) (++(a)->v)
extern int dbg_lines;
#define net_dbg_ratelimited(fmt, ...) (dbg_lines++, (void)snprintf(NULL, 0, fmt, __VA_ARGS__))
static inline unsigned long *bitmap_zalloc(unsigned int n, int f)
{ (void)f; return calloc((n + BITS_PER_LONG - 1) / BITS_PER_LONG, sizeof(unsigned long)); }
#define bitmap_free free
static inline void bitmap_zero(unsigned long *m, unsigned int n)
{ memset(m, 0, (n + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(unsigned long)); }
static inline void set_bit(unsigned int i, unsigned long *m) { m[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG); }
static inline void clear_bit(unsigned int i, unsigned long *m) { m[i / BITS_PER_LONG] &= ~(1UL << (i % BITS_PER_LONG)); }
static inline bool test_bit(unsigned int i, const unsigned long *m) { return m[i / BITS_PER_LONG] >> (i % BITS_PER_LONG) & 1; }
struct list_head { struct list_head *next, *prev; };
static inline void INIT_LIST_HEAD(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline void list_add(struct list_head *n, struct list_head *after)
{ n->next = after->next; n->prev = after; after->next->prev = n; after->next = n; }
static inline void list_del(struct list_head *e)
{ e->prev->next = e->next; e->next->prev = e->prev; e->next = e->prev = NULL; }
#define list_entry(p, t, m) container_of(p, t, m)
#define list_first_entry_or_null(h, t, m) (list_empty(h) ? NULL : list_entry((h)->next, t, m))
#define list_for_each_entry_reverse(pos, head, member) \
	for (pos = list_entry((head)->prev, __typeof__(*pos), member); \
	     &pos->member != (head); \
	     pos = list_entry(pos->member.prev, __typeof__(*pos), member))
