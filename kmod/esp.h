/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP (RFC 4303) transforms.
 */
#ifndef _KIPSEC_ESP_H
#define _KIPSEC_ESP_H

#include <linux/skbuff.h>

struct kipsec_net;
struct kipsec_sa;
struct kipsec_hdr_pos;

/*
 * Both take the skb and one reference on @sa, and give them back through
 * kipsec_output_ordered() / kipsec_input_accept() or by dropping the
 * packet, synchronously or later from the crypto completion.
 * Output: @skb is the packet to protect, routed to where the result goes.
 * Input: @pos says where the ESP header is.
 */
void kipsec_esp_output(struct kipsec_net *kn, struct sk_buff *skb,
		       struct kipsec_sa *sa);
/* @encap_sport: the UDP source port of ESP-in-UDP (natt.c), else 0 */
void kipsec_esp_input(struct kipsec_net *kn, struct sk_buff *skb,
		      struct kipsec_sa *sa, const struct kipsec_hdr_pos *pos,
		      __be16 encap_sport);

int kipsec_skb_make_room(struct sk_buff *skb, unsigned int head,
			 unsigned int tail);

#endif /* _KIPSEC_ESP_H */
