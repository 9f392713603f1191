// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Algorithms of an SA: the algorithm nests, and the IKE proposal names
 * (strongSwan's) with the kernel algorithms and key layout each stands for.
 */
#include <errno.h>
#include <string.h>

#include "kipsec_nl.h"

void kipsec_attr_put_alg(struct nlmsghdr *nlh, uint16_t type,
			 const struct kipsec_alg *alg)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_strz(nlh, KIPSEC_A_ALG_NAME, alg->name);
	/* an empty key (null algorithms) is still a key: always sent */
	mnl_attr_put(nlh, KIPSEC_A_ALG_KEY, alg->key_len,
		     alg->key_len ? alg->key : (const void *)"");
	if (alg->has_icv)
		mnl_attr_put_u32(nlh, KIPSEC_A_ALG_ICV_LEN, alg->icv_len);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * IKEv2 transform IDs (IANA "Transform Type 1" encryption and "Transform
 * Type 3" integrity algorithms, RFC 7296 and later) of the proposals.
 */
enum {
	IKE_ENCR_NULL = 11,
	IKE_ENCR_AES_CBC = 12,
	IKE_ENCR_AES_CTR = 13,
	IKE_ENCR_AES_GCM_8 = 18,
	IKE_ENCR_AES_GCM_12 = 19,
	IKE_ENCR_AES_GCM_16 = 20,
	IKE_ENCR_NULL_AUTH_AES_GMAC = 21,
	IKE_ENCR_CHACHA20_POLY1305 = 28,

	IKE_AUTH_HMAC_SHA1_96 = 2,
	IKE_AUTH_HMAC_SHA2_256_128 = 12,
	IKE_AUTH_HMAC_SHA2_384_192 = 13,
	IKE_AUTH_HMAC_SHA2_512_256 = 14,
};

/*
 * Key lengths in bytes: AES key plus the 4-byte salt (GCM, GMAC) or nonce
 * (CTR), HMAC key as long as the digest (RFC 4868).  ICV and truncation
 * lengths in bits, as IKE negotiates them.
 */
#define AEAD(n, kname, klen, icv, encr) \
	{ .name = n, .proto = IPPROTO_ESP, .aead = kname, \
	  .enc_key_len = klen, .icv_len = icv, .ike_encr = encr }
#define GCM(bits, icv) \
	AEAD("aes" #bits "gcm" #icv, "rfc4106(gcm(aes))", bits / 8 + 4, \
	     icv * 8, IKE_ENCR_AES_GCM_ ## icv)
#define GMAC(bits) \
	AEAD("aes" #bits "gmac", "rfc4543(gcm(aes))", bits / 8 + 4, 128, \
	     IKE_ENCR_NULL_AUTH_AES_GMAC)

#define ENC_INTEG(n, ename, eklen, encr, hash, hklen, trunc, integ) \
	{ .name = n, .proto = IPPROTO_ESP, .enc = ename, \
	  .auth = "hmac(" hash ")", .enc_key_len = eklen, \
	  .auth_key_len = hklen, .icv_len = trunc, \
	  .ike_encr = encr, .ike_integ = integ }
#define HASHES(prefix, ename, eklen, encr) \
	ENC_INTEG(prefix "-sha1", ename, eklen, encr, "sha1", 20, 96, \
		  IKE_AUTH_HMAC_SHA1_96), \
	ENC_INTEG(prefix "-sha256", ename, eklen, encr, "sha256", 32, 128, \
		  IKE_AUTH_HMAC_SHA2_256_128), \
	ENC_INTEG(prefix "-sha384", ename, eklen, encr, "sha384", 48, 192, \
		  IKE_AUTH_HMAC_SHA2_384_192), \
	ENC_INTEG(prefix "-sha512", ename, eklen, encr, "sha512", 64, 256, \
		  IKE_AUTH_HMAC_SHA2_512_256)
#define CBC(bits)	HASHES("aes" #bits, "cbc(aes)", bits / 8, IKE_ENCR_AES_CBC)
#define CTR(bits)	HASHES("aes" #bits "ctr", "rfc3686(ctr(aes))", \
			       bits / 8 + 4, IKE_ENCR_AES_CTR)

#define AH(hash, hklen, trunc, integ) \
	{ .name = hash, .proto = IPPROTO_AH, .auth = "hmac(" hash ")", \
	  .auth_key_len = hklen, .icv_len = trunc, .ike_integ = integ }

static const struct kipsec_proposal kipsec_proposals[] = {
	GCM(128, 8), GCM(128, 12), GCM(128, 16),
	GCM(192, 8), GCM(192, 12), GCM(192, 16),
	GCM(256, 8), GCM(256, 12), GCM(256, 16),
	AEAD("chacha20poly1305", "rfc7539esp(chacha20,poly1305)", 32 + 4, 128,
	     IKE_ENCR_CHACHA20_POLY1305),
	GMAC(128), GMAC(192), GMAC(256),
	CBC(128), CBC(192), CBC(256),
	CTR(128), CTR(192), CTR(256),
	HASHES("null", "ecb(cipher_null)", 0, IKE_ENCR_NULL),
	AH("sha1", 20, 96, IKE_AUTH_HMAC_SHA1_96),
	AH("sha256", 32, 128, IKE_AUTH_HMAC_SHA2_256_128),
	AH("sha384", 48, 192, IKE_AUTH_HMAC_SHA2_384_192),
	AH("sha512", 64, 256, IKE_AUTH_HMAC_SHA2_512_256),
};

const struct kipsec_proposal *kipsec_proposal_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kipsec_proposals) / sizeof(kipsec_proposals[0]); i++)
		if (!strcmp(name, kipsec_proposals[i].name))
			return &kipsec_proposals[i];
	return NULL;
}

const struct kipsec_proposal *kipsec_proposal_find_ike(uint8_t proto,
						       uint16_t encr,
						       size_t enc_key_len,
						       uint16_t integ)
{
	for (size_t i = 0; i < sizeof(kipsec_proposals) / sizeof(kipsec_proposals[0]); i++) {
		const struct kipsec_proposal *p = &kipsec_proposals[i];

		if (p->proto == proto && p->ike_encr == encr &&
		    p->ike_integ == integ && p->enc_key_len == enc_key_len)
			return p;
	}
	return NULL;
}

const struct kipsec_proposal *kipsec_proposal_get(size_t i)
{
	if (i >= sizeof(kipsec_proposals) / sizeof(kipsec_proposals[0]))
		return NULL;
	return &kipsec_proposals[i];
}

size_t kipsec_proposal_key_len(const struct kipsec_proposal *p)
{
	return p->enc_key_len + p->auth_key_len;
}

int kipsec_proposal_put(struct nlmsghdr *nlh, const struct kipsec_proposal *p,
			const uint8_t *key, size_t key_len)
{
	struct kipsec_alg alg = { .has_icv = true, .icv_len = p->icv_len };

	if (key_len != kipsec_proposal_key_len(p))
		return -EINVAL;
	if (p->aead) {
		alg.name = p->aead;
		alg.key = key;
		alg.key_len = p->enc_key_len;
		kipsec_attr_put_alg(nlh, KIPSEC_A_SA_AEAD, &alg);
		return 0;
	}
	if (p->enc) {
		struct kipsec_alg enc = {
			.name = p->enc, .key = key, .key_len = p->enc_key_len,
		};

		kipsec_attr_put_alg(nlh, KIPSEC_A_SA_ENC, &enc);
	}
	alg.name = p->auth;
	alg.key = key + p->enc_key_len;
	alg.key_len = p->auth_key_len;
	kipsec_attr_put_alg(nlh, KIPSEC_A_SA_AUTH, &alg);
	return 0;
}
