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
 * Key lengths in bytes: AES key plus the 4-byte salt (GCM, GMAC) or nonce
 * (CTR), HMAC key as long as the digest (RFC 4868).  ICV and truncation
 * lengths in bits, as IKE negotiates them.
 */
#define AEAD(n, kname, klen, icv) \
	{ .name = n, .proto = IPPROTO_ESP, .aead = kname, \
	  .enc_key_len = klen, .icv_len = icv }
#define GCM(bits, icv) \
	AEAD("aes" #bits "gcm" #icv, "rfc4106(gcm(aes))", bits / 8 + 4, icv * 8)
#define GMAC(bits) \
	AEAD("aes" #bits "gmac", "rfc4543(gcm(aes))", bits / 8 + 4, 128)

#define ENC_INTEG(n, ename, eklen, hash, hklen, trunc) \
	{ .name = n, .proto = IPPROTO_ESP, .enc = ename, \
	  .auth = "hmac(" hash ")", .enc_key_len = eklen, \
	  .auth_key_len = hklen, .icv_len = trunc }
#define HASHES(prefix, ename, eklen) \
	ENC_INTEG(prefix "-sha1", ename, eklen, "sha1", 20, 96), \
	ENC_INTEG(prefix "-sha256", ename, eklen, "sha256", 32, 128), \
	ENC_INTEG(prefix "-sha384", ename, eklen, "sha384", 48, 192), \
	ENC_INTEG(prefix "-sha512", ename, eklen, "sha512", 64, 256)
#define CBC(bits)	HASHES("aes" #bits, "cbc(aes)", bits / 8)
#define CTR(bits)	HASHES("aes" #bits "ctr", "rfc3686(ctr(aes))", bits / 8 + 4)

#define AH(hash, hklen, trunc) \
	{ .name = hash, .proto = IPPROTO_AH, .auth = "hmac(" hash ")", \
	  .auth_key_len = hklen, .icv_len = trunc }

static const struct kipsec_proposal kipsec_proposals[] = {
	GCM(128, 8), GCM(128, 12), GCM(128, 16),
	GCM(192, 8), GCM(192, 12), GCM(192, 16),
	GCM(256, 8), GCM(256, 12), GCM(256, 16),
	AEAD("chacha20poly1305", "rfc7539esp(chacha20,poly1305)", 32 + 4, 128),
	GMAC(128), GMAC(192), GMAC(256),
	CBC(128), CBC(192), CBC(256),
	CTR(128), CTR(192), CTR(256),
	HASHES("null", "ecb(cipher_null)", 0),
	AH("sha1", 20, 96), AH("sha256", 32, 128),
	AH("sha384", 48, 192), AH("sha512", 64, 256),
};

const struct kipsec_proposal *kipsec_proposal_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kipsec_proposals) / sizeof(kipsec_proposals[0]); i++)
		if (!strcmp(name, kipsec_proposals[i].name))
			return &kipsec_proposals[i];
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
