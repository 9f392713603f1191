/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP (RFC 4303) transforms.
 */
#ifndef _KIPSEC_ESP_H
#define _KIPSEC_ESP_H

#include <linux/netlink.h>
#include <linux/skbuff.h>

struct kipsec_net;
struct kipsec_sa;

#define KIPSEC_ESP_IV_LEN	8
#define KIPSEC_ESP_HLEN		(sizeof(struct ip_esp_hdr) + KIPSEC_ESP_IV_LEN)

int kipsec_esp_init_aead(struct kipsec_sa *sa, const char *name,
			 const u8 *key, unsigned int key_len,
			 unsigned int icv_bits, struct netlink_ext_ack *extack);

/*
 * Both take the skb and one reference on @sa, and give them back through
 * kipsec_output_xmit4() / kipsec_input_deliver4() or by dropping the
 * packet, synchronously or later from the crypto completion.
 */
void kipsec_esp_output(struct kipsec_net *kn, struct sk_buff *skb,
		       struct kipsec_sa *sa);
void kipsec_esp_input(struct kipsec_net *kn, struct sk_buff *skb,
		      struct kipsec_sa *sa);

#endif /* _KIPSEC_ESP_H */
