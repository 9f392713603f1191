/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AH (RFC 4302) transforms.
 */
#ifndef _KIPSEC_AH_H
#define _KIPSEC_AH_H

#include <linux/netlink.h>
#include <linux/skbuff.h>

struct kipsec_net;
struct kipsec_sa;
struct kipsec_hdr_pos;
struct kipsec_alg_param;

/* Give @sa its AH transform (sa->ahash, sa->icv_len, alg, key_bits). */
int kipsec_ah_setup(struct kipsec_sa *sa, const struct kipsec_alg_param *auth,
		    struct netlink_ext_ack *extack);

/*
 * The AH header kipsec sends for @sa, ICV padding included: a multiple of
 * 8 bytes for IPv4 too, as XFRM sends and expects unless "flag align4"
 * (what an IPv4 peer may send is a multiple of 4).  For path MTU sums.
 */
unsigned int kipsec_ah_hlen(const struct kipsec_sa *sa);

/* As kipsec_esp_output() and kipsec_esp_input(). */
void kipsec_ah_output(struct kipsec_net *kn, struct sk_buff *skb,
		      struct kipsec_sa *sa);
void kipsec_ah_input(struct kipsec_net *kn, struct sk_buff *skb,
		     struct kipsec_sa *sa, const struct kipsec_hdr_pos *pos);

#endif /* _KIPSEC_AH_H */
