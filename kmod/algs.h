/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The algorithms kipsec offers, by the names ip-xfrm users know, and how
 * they become one kernel transform.
 */
#ifndef _KIPSEC_ALGS_H
#define _KIPSEC_ALGS_H

#include <linux/netlink.h>
#include <linux/types.h>

struct kipsec_sa;

enum kipsec_alg_kind {
	KIPSEC_ALG_AEAD,	/* combined mode: encryption and integrity */
	KIPSEC_ALG_ENC,		/* encryption, paired with an AUTH */
	KIPSEC_ALG_AUTH,	/* integrity: ESP's second half, or AH */
};

/**
 * struct kipsec_alg - one algorithm as the API names it
 * @name: the kernel crypto name users give (ip-xfrm's)
 * @kind: enum kipsec_alg_kind
 * @key_min: shortest key in bytes (salt or nonce included)
 * @key_max: longest key in bytes
 * @key_step: key lengths between min and max go in steps of this (0: any)
 * @salt: bytes of salt/nonce at the end of the key
 * @iv_len: ESP IV length in bytes (AEAD, ENC)
 * @icv_bits: allowed ICV lengths in bits, as a mask of 32-bit units (AEAD)
 * @icv_default: ICV/truncation when none is given, bits; 0 = required
 * @icv_max: longest truncation (AUTH), bits
 * @random_iv: the IV must be unpredictable (CBC); else the sequence number
 * @null: no protection at all (cipher_null, digest_null)
 */
struct kipsec_alg {
	const char *name;
	u8 kind;
	u8 key_min;
	u8 key_max;
	u8 key_step;
	u8 salt;
	u8 iv_len;
	u16 icv_default;
	u16 icv_max;
	u32 icv_bits;
	bool random_iv;
	bool null;
};

const struct kipsec_alg *kipsec_alg_find(u8 kind, const char *name,
					 struct netlink_ext_ack *extack);

/* A parsed KIPSEC_A_ALG_* nest. */
struct kipsec_alg_param {
	const struct kipsec_alg *alg;
	const u8 *key;
	unsigned int key_len;
	unsigned int icv_bits;	/* 0: absent */
	const struct nlattr *attr;	/* for extack */
};

int kipsec_esp_setup(struct kipsec_sa *sa, const struct kipsec_alg_param *aead,
		     const struct kipsec_alg_param *enc,
		     const struct kipsec_alg_param *auth,
		     struct netlink_ext_ack *extack);

#endif /* _KIPSEC_ALGS_H */
