/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel-kipsec: strongSwan's kernel_ipsec_t over the kipsec generic netlink
 * family.  Private to the plugin: the object the files share.
 *
 *   kernel_kipsec_plugin.c   the plugin_t charon loads
 *   kernel_kipsec_ipsec.c    the object: requests, features, sockets
 *   kernel_kipsec_sa.c       SPIs and SAs
 *   kernel_kipsec_policy.c   policies, reference-counted per selector
 *   kernel_kipsec_events.c   acquire, expire and mapping events
 *
 * strongSwan's headers come first (they define bool, TRUE and friends
 * their own way), the kipsec library after.
 */
#ifndef KERNEL_KIPSEC_H_
#define KERNEL_KIPSEC_H_

#include <daemon.h>
#include <kernel/kernel_ipsec.h>
#include <collections/hashtable.h>
#include <threading/mutex.h>

#include "kipsec_nl.h"

typedef struct kernel_kipsec_t kernel_kipsec_t;

/**
 * The kernel_ipsec_t of the plugin.
 *
 * One mutex serialises everything that talks to the kernel through the
 * request handle (a kipsec_nl handle runs one transaction at a time) and
 * guards the policy table.  Events arrive on their own handle, read by
 * charon's watcher thread, which never takes the mutex.
 */
struct kernel_kipsec_t {
	kernel_ipsec_t public;

	mutex_t *mutex;
	struct kipsec_nl *nl;		/* requests, under mutex */
	struct kipsec_nl *events;	/* the "events" group, watcher only */
	hashtable_t *policies;		/* struct kk_policy, under mutex */
	uint32_t spi_min, spi_max;	/* host order */
	bool allocspi_default_life;	/* the kernel takes no larval lifetime */
};

/* A request buffer, aligned as libmnl wants it. */
struct kk_msg {
	char buf[KIPSEC_NL_MSG_SIZE] __attribute__((aligned(8)));
};

/*
 * Send @nlh on the request handle (the caller holds the mutex) and hand
 * replies to @cb.  Returns 0 or -errno; on failure logs "@what failed:
 * <kernel's message>" with DBG1, unless the error is @quiet (0: none).
 */
int kk_request(kernel_kipsec_t *this, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data, int quiet, const char *what);

/* The kernel's message for the last failure on the request handle. */
const char *kk_error(kernel_kipsec_t *this);

/* A host_t as a kipsec address, and back (port in host order). */
void kk_addr_from_host(struct kipsec_addr *addr, host_t *host);
host_t *kk_host_from_attr(const struct nlattr *attr, uint16_t port);

/* Wall-clock seconds from the kernel to charon's monotonic clock. */
time_t kk_monotonic(uint64_t wallclock);

/* kernel_kipsec_sa.c */
status_t kk_get_spi(kernel_ipsec_t *public, host_t *src, host_t *dst,
		    uint8_t protocol, uint32_t *spi);
status_t kk_add_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		   kernel_ipsec_add_sa_t *data);
status_t kk_update_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		      kernel_ipsec_update_sa_t *data);
status_t kk_query_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		     kernel_ipsec_query_sa_t *data, uint64_t *bytes,
		     uint64_t *packets, time_t *time);
status_t kk_del_sa(kernel_ipsec_t *public, kernel_ipsec_sa_id_t *id,
		   kernel_ipsec_del_sa_t *data);
status_t kk_flush_sas(kernel_ipsec_t *public);

/* kernel_kipsec_policy.c */
hashtable_t *kk_policy_table_create(void);
/* Delete what is still installed (logged), free the table. */
void kk_policy_table_destroy(kernel_kipsec_t *this);
status_t kk_add_policy(kernel_ipsec_t *public, kernel_ipsec_policy_id_t *id,
		       kernel_ipsec_manage_policy_t *data);
status_t kk_query_policy(kernel_ipsec_t *public, kernel_ipsec_policy_id_t *id,
			 kernel_ipsec_query_policy_t *data, time_t *use_time);
status_t kk_del_policy(kernel_ipsec_t *public, kernel_ipsec_policy_id_t *id,
		       kernel_ipsec_manage_policy_t *data);
status_t kk_flush_policies(kernel_ipsec_t *public);

/* kernel_kipsec_events.c: subscribe and register with lib->watcher */
bool kk_events_start(kernel_kipsec_t *this);
void kk_events_stop(kernel_kipsec_t *this);

/* kernel_kipsec_ipsec.c */
kernel_ipsec_t *kernel_kipsec_ipsec_create(void);

#endif /* KERNEL_KIPSEC_H_ */
