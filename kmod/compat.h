/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version differences, and only those.  kipsec builds against
 * Debian 12's 6.1 and bookworm-backports' 6.12.
 */
#ifndef _KIPSEC_COMPAT_H
#define _KIPSEC_COMPAT_H

#include <linux/version.h>
#include <linux/crypto.h>

/* get_unaligned_*() moved from asm/ to linux/ in 6.12 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

/*
 * Crypto completion callbacks take the request's data pointer since 6.3;
 * before that they took the crypto_async_request.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define KIPSEC_CRYPTO_DONE(fn)	void fn(struct crypto_async_request *__areq, int err)
#define KIPSEC_CRYPTO_DATA()	(__areq->data)
#else
#define KIPSEC_CRYPTO_DONE(fn)	void fn(void *__data, int err)
#define KIPSEC_CRYPTO_DATA()	(__data)
#endif

/* skb_gso_segment() moved to net/gso.h in 6.5 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/*
 * Formatted extack messages exist since 6.2; before, the plain @msg.
 * KIPSEC_ERR_FMT(extack, msg, fmt, args...)
 */
#include <linux/netlink.h>
#ifdef NL_SET_ERR_MSG_FMT
#define KIPSEC_ERR_FMT(extack, msg, fmt, args...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##args)
#else
#define KIPSEC_ERR_FMT(extack, msg, fmt, args...) \
	NL_SET_ERR_MSG(extack, msg)
#endif

#endif /* _KIPSEC_COMPAT_H */
