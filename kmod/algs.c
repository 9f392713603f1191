// SPDX-License-Identifier: GPL-2.0
/*
 * Algorithms.  Users name them as they do for ip-xfrm; every ESP SA ends
 * up as one AEAD transform of the crypto API, so that the data path has a
 * single shape (esp.c):
 *
 *   aead NAME                  NAME itself: rfc4106(gcm(aes)),
 *                              rfc7539esp(chacha20,poly1305), rfc4543(gcm(aes))
 *   enc ENC + auth AUTH        authenc(AUTH,ENC), or authencesn(AUTH,ENC)
 *                              with extended sequence numbers
 *
 * authenc takes one key blob: an rtattr carrying the encryption key's
 * length, then the integrity key, then the encryption key.
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/kipsec.h>

#include "algs.h"
#include "compat.h"
#include "kipsec.h"

#define ICV(bits)	(1U << ((bits) / 32))

/*
 * For tests: put the ESP transform of SAs added from now on behind cryptd,
 * so that every request completes asynchronously, from a worker.
 */
static bool force_async;
module_param(force_async, bool, 0644);
MODULE_PARM_DESC(force_async,
		 "testing: ESP SAs added from now on use cryptd(...), always asynchronous");

static const struct kipsec_alg kipsec_algs[] = {
	/* combined mode: IV = the 64-bit sequence number, unique per key */
	{ .name = "rfc4106(gcm(aes))", .kind = KIPSEC_ALG_AEAD,
	  .key_min = 20, .key_max = 36, .key_step = 8, .salt = 4, .iv_len = 8,
	  .icv_bits = ICV(64) | ICV(96) | ICV(128) },
	{ .name = "rfc7539esp(chacha20,poly1305)", .kind = KIPSEC_ALG_AEAD,
	  .key_min = 36, .key_max = 36, .salt = 4, .iv_len = 8,
	  .icv_bits = ICV(128) },
	{ .name = "rfc4543(gcm(aes))", .kind = KIPSEC_ALG_AEAD,
	  .key_min = 20, .key_max = 36, .key_step = 8, .salt = 4, .iv_len = 8,
	  .icv_bits = ICV(128) },
	/* encryption */
	{ .name = "cbc(aes)", .kind = KIPSEC_ALG_ENC,
	  .key_min = 16, .key_max = 32, .key_step = 8, .iv_len = 16,
	  .random_iv = true },
	{ .name = "rfc3686(ctr(aes))", .kind = KIPSEC_ALG_ENC,
	  .key_min = 20, .key_max = 36, .key_step = 8, .salt = 4, .iv_len = 8 },
	{ .name = "ecb(cipher_null)", .kind = KIPSEC_ALG_ENC, .null = true },
	/* integrity; the default truncation is ip-xfrm's "auth" default */
	{ .name = "hmac(sha1)", .kind = KIPSEC_ALG_AUTH,
	  .key_min = 1, .key_max = 64, .icv_default = 96, .icv_max = 160 },
	{ .name = "hmac(sha256)", .kind = KIPSEC_ALG_AUTH,
	  .key_min = 1, .key_max = 64, .icv_default = 96, .icv_max = 256 },
	{ .name = "hmac(sha384)", .kind = KIPSEC_ALG_AUTH,
	  .key_min = 1, .key_max = 64, .icv_default = 192, .icv_max = 384 },
	{ .name = "hmac(sha512)", .kind = KIPSEC_ALG_AUTH,
	  .key_min = 1, .key_max = 64, .icv_default = 256, .icv_max = 512 },
	{ .name = "digest_null", .kind = KIPSEC_ALG_AUTH, .null = true },
};

const struct kipsec_alg *kipsec_alg_find(u8 kind, const char *name,
					 struct netlink_ext_ack *extack)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(kipsec_algs); i++)
		if (kipsec_algs[i].kind == kind &&
		    !strcmp(kipsec_algs[i].name, name))
			return &kipsec_algs[i];
	switch (kind) {
	case KIPSEC_ALG_AEAD:
		NL_SET_ERR_MSG(extack, "unsupported aead algorithm; supported: rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305), rfc4543(gcm(aes))");
		break;
	case KIPSEC_ALG_ENC:
		NL_SET_ERR_MSG(extack, "unsupported enc algorithm; supported: cbc(aes), rfc3686(ctr(aes)), ecb(cipher_null)");
		break;
	default:
		NL_SET_ERR_MSG(extack, "unsupported auth algorithm; supported: hmac(sha1), hmac(sha256), hmac(sha384), hmac(sha512), digest_null");
	}
	return NULL;
}

/* Key length and ICV of one algorithm, against its table entry. */
static int kipsec_alg_check(const struct kipsec_alg_param *p,
			    unsigned int *icv_bits,
			    struct netlink_ext_ack *extack)
{
	const struct kipsec_alg *a = p->alg;
	unsigned int len = p->key_len, icv;

	if (len < a->key_min || len > a->key_max ||
	    (a->key_step && (len - a->key_min) % a->key_step)) {
		KIPSEC_ERR_FMT(extack, "key length not valid for the algorithm",
			       "key length not valid for the algorithm: %u bytes, want %u to %u%s",
			       len, a->key_min, a->key_max,
			       a->salt ? " with salt" : "");
		return -EINVAL;
	}
	icv = p->icv_bits ?: a->icv_default;
	switch (a->kind) {
	case KIPSEC_ALG_AEAD:
		if (!p->icv_bits) {
			NL_SET_ERR_MSG(extack, "aead needs an ICV length");
			return -EINVAL;
		}
		if (icv % 32 || icv / 32 >= 32 || !(a->icv_bits & ICV(icv))) {
			KIPSEC_ERR_FMT(extack, "ICV length not valid for the algorithm",
				       "ICV length not valid for the algorithm: %u bits",
				       icv);
			return -EINVAL;
		}
		break;
	case KIPSEC_ALG_AUTH:
		if (a->null ? icv != 0 :
		    icv % 8 || icv < 96 || icv > a->icv_max) {
			KIPSEC_ERR_FMT(extack, "truncation not valid for the algorithm",
				       "truncation not valid for the algorithm: %u bits, want 96 to %u",
				       icv, a->icv_max);
			return -EINVAL;
		}
		break;
	default:
		if (p->icv_bits) {
			NL_SET_ERR_MSG(extack, "enc takes no ICV length");
			return -EINVAL;
		}
	}
	*icv_bits = icv;
	return 0;
}

/*
 * force_async: @tfm's implementation behind cryptd, named by its driver
 * name (cryptd instances take the name of what they wrap, so asking for
 * "cryptd(NAME)" can find one cryptd inside another).
 */
static struct crypto_aead *kipsec_aead_async(struct crypto_aead *tfm)
{
	char name[CRYPTO_MAX_ALG_NAME];

	if (crypto_aead_alg(tfm)->base.cra_flags & CRYPTO_ALG_ASYNC)
		return tfm;
	if (snprintf(name, sizeof(name), "cryptd(%s)",
		     crypto_aead_driver_name(tfm)) >= sizeof(name)) {
		crypto_free_aead(tfm);
		return ERR_PTR(-ENAMETOOLONG);
	}
	crypto_free_aead(tfm);
	return crypto_alloc_aead(name, 0, 0);
}

/* authenc's key blob; kfree_sensitive() it after use */
static u8 *kipsec_authenc_key(const struct kipsec_alg_param *enc,
			      const struct kipsec_alg_param *auth,
			      unsigned int *len)
{
	struct crypto_authenc_key_param *param;
	struct rtattr *rta;
	u8 *blob, *p;

	*len = RTA_SPACE(sizeof(*param)) + auth->key_len + enc->key_len;
	blob = kmalloc(*len, GFP_KERNEL);
	if (!blob)
		return NULL;
	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(enc->key_len);
	p = blob + RTA_SPACE(sizeof(*param));
	memcpy(p, auth->key, auth->key_len);
	memcpy(p + auth->key_len, enc->key, enc->key_len);
	return blob;
}

/*
 * Give @sa its ESP transform: @aead alone, or @enc with @auth.  sa->flags
 * must be final (ESN changes the transform).
 */
int kipsec_esp_setup(struct kipsec_sa *sa, const struct kipsec_alg_param *aead,
		     const struct kipsec_alg_param *enc,
		     const struct kipsec_alg_param *auth,
		     struct netlink_ext_ack *extack)
{
	char name[CRYPTO_MAX_ALG_NAME];
	unsigned int icv_bits, enc_icv, key_len;
	const struct kipsec_alg_param *bad;
	struct crypto_aead *tfm;
	const u8 *key;
	u8 *blob = NULL;
	int err;

	if (aead) {
		bad = aead;
		err = kipsec_alg_check(aead, &icv_bits, extack);
		if (err)
			goto fail;
		strscpy(name, aead->alg->name, sizeof(name));
		key = aead->key;
		key_len = aead->key_len;
	} else {
		bad = enc;
		err = kipsec_alg_check(enc, &enc_icv, extack);
		if (err)
			goto fail;
		bad = auth;
		err = kipsec_alg_check(auth, &icv_bits, extack);
		if (err)
			goto fail;
		if (enc->alg->null && auth->alg->null &&
		    !(sa->flags & KIPSEC_SA_FLAG_INSECURE)) {
			NL_SET_ERR_MSG(extack,
				       "ESP with neither encryption nor integrity needs the insecure flag");
			err = -EINVAL;
			goto fail;
		}
		if (auth->alg->null && !enc->alg->null) {
			NL_SET_ERR_MSG(extack,
				       "ESP encryption without integrity is not allowed (RFC 8221)");
			err = -EINVAL;
			goto fail;
		}
		if (snprintf(name, sizeof(name), "%s(%s,%s)",
			     sa->flags & KIPSEC_SA_FLAG_ESN ? "authencesn" :
							      "authenc",
			     auth->alg->name, enc->alg->name) >= sizeof(name)) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		blob = kipsec_authenc_key(enc, auth, &key_len);
		if (!blob)
			return -ENOMEM;
		key = blob;
	}

	tfm = crypto_alloc_aead(name, 0, 0);
	if (!IS_ERR(tfm) && READ_ONCE(force_async))
		tfm = kipsec_aead_async(tfm);
	if (IS_ERR(tfm)) {
		err = PTR_ERR(tfm);
		KIPSEC_ERR_FMT(extack, "the kernel crypto API lacks the transform",
			       "the kernel crypto API lacks the transform: %s (%d)",
			       name, err);
		goto fail;
	}
	err = crypto_aead_setkey(tfm, key, key_len);
	if (!err)
		err = crypto_aead_setauthsize(tfm, icv_bits / 8);
	if (!err && crypto_aead_ivsize(tfm) !=
		    (aead ? aead->alg->iv_len : enc->alg->iv_len))
		err = -EINVAL;
	if (err) {
		KIPSEC_ERR_FMT(extack, "the crypto API refused the key or ICV length",
			       "the crypto API refused the key or ICV length: %s (%d)",
			       name, err);
		crypto_free_aead(tfm);
		goto fail;
	}
	kfree_sensitive(blob);

	sa->aead = tfm;
	if (aead) {
		sa->alg[KIPSEC_ALG_AEAD] = aead->alg;
		sa->key_bits[KIPSEC_ALG_AEAD] = aead->key_len * 8;
		sa->iv_len = aead->alg->iv_len;
		sa->random_iv = aead->alg->random_iv;
	} else {
		sa->alg[KIPSEC_ALG_ENC] = enc->alg;
		sa->key_bits[KIPSEC_ALG_ENC] = enc->key_len * 8;
		sa->alg[KIPSEC_ALG_AUTH] = auth->alg;
		sa->key_bits[KIPSEC_ALG_AUTH] = auth->key_len * 8;
		sa->iv_len = enc->alg->iv_len;
		sa->random_iv = enc->alg->random_iv;
	}
	sa->icv_len = icv_bits / 8;
	/* RFC 4303 2.4: the payload ends on a 4-byte boundary at least */
	sa->align = max_t(unsigned int, crypto_aead_blocksize(tfm), 4);
	return 0;

fail:
	kfree_sensitive(blob);
	if (bad && !extack->bad_attr)
		extack->bad_attr = bad->attr;
	return err;
}
