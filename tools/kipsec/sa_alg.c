// SPDX-License-Identifier: GPL-2.0
/*
 * The algorithms of `kipsec sa add|update`, ip-xfrm style (aead, enc, auth,
 * auth-trunc) or IKE style (alg PROPOSAL KEY): parsing, the checks the
 * command line allows, and the nests.  Keys are wiped from argv as soon as
 * they are read; the caller wipes struct kipsec_sa_algs.
 */
#include <string.h>

#include "kipsec.h"

bool kipsec_sa_alg_word(const char *word)
{
	return !strcmp(word, "aead") || !strcmp(word, "enc") ||
	       !strcmp(word, "auth") || !strcmp(word, "auth-trunc") ||
	       !strcmp(word, "alg");
}

/* KEY of @word into @key, then out of /proc/PID/cmdline */
static int kipsec_sa_alg_key(const struct kipsec_cli *c, char *arg,
			     uint8_t *key, size_t *len)
{
	int ret = kipsec_parse_key(c, arg, key, KIPSEC_KEY_MAX, len);

	if (arg[0] != '@')
		explicit_bzero(arg, strlen(arg));
	return ret;
}

/* alg PROPOSAL KEY */
static int kipsec_sa_alg_ike(const struct kipsec_cli *c, struct kipsec_args *a,
			     struct kipsec_sa_algs *s)
{
	const char *name = kipsec_args_next(a);
	char *key = (char *)kipsec_args_next(a);	/* argv: writable */
	const struct kipsec_proposal *p;
	size_t want;

	if (s->proposal)
		return kipsec_cli_usage_error(c, "duplicate \"alg\"");
	if (!name || !key)
		return kipsec_cli_usage_error(c, "\"alg\" needs PROPOSAL KEY");
	if (kipsec_sa_alg_key(c, key, s->key, &s->key_len))
		return KIPSEC_EXIT_USAGE;
	p = kipsec_proposal_find(name);
	if (!p)
		return kipsec_cli_usage_error(c, "unknown proposal \"%s\" (see \"kipsec sa help\")",
					      name);
	want = kipsec_proposal_key_len(p);
	if (s->key_len != want && p->enc_key_len && p->auth_key_len)
		return kipsec_cli_usage_error(c, "proposal %s takes a key of %zu bytes (%u encryption, then %u integrity), not %zu",
					      name, want, p->enc_key_len,
					      p->auth_key_len, s->key_len);
	if (s->key_len != want)
		return kipsec_cli_usage_error(c, "proposal %s takes a key of %zu bytes, not %zu",
					      name, want, s->key_len);
	s->proposal = p;
	return 0;
}

/* aead NAME KEY ICV-BITS | enc NAME KEY | auth NAME KEY | auth-trunc NAME KEY BITS */
int kipsec_sa_alg_parse(const struct kipsec_cli *c, struct kipsec_args *a,
			struct kipsec_sa_algs *s, const char *word)
{
	bool trunc = !strcmp(word, "auth-trunc"), aead = !strcmp(word, "aead");
	struct kipsec_cli_alg *alg;
	const char *name, *icv = NULL;
	char *key;

	if (!strcmp(word, "alg"))
		return kipsec_sa_alg_ike(c, a, s);
	alg = aead ? &s->aead : !strcmp(word, "enc") ? &s->enc : &s->auth;
	if (alg == &s->auth && alg->given && strcmp(s->auth_word, word))
		return kipsec_cli_usage_error(c, "\"auth\" and \"auth-trunc\" exclude each other");
	if (alg->given)
		return kipsec_cli_usage_error(c, "duplicate \"%s\"", word);

	name = kipsec_args_next(a);
	key = (char *)kipsec_args_next(a);		/* argv: writable */
	if (aead || trunc)
		icv = kipsec_args_next(a);
	if (!name || !key || ((aead || trunc) && !icv))
		return kipsec_cli_usage_error(c, "\"%s\" needs %s", word,
					      aead ? "NAME KEY ICV-BITS" :
					      trunc ? "NAME KEY BITS" : "NAME KEY");
	if (kipsec_sa_alg_key(c, key, alg->key, &alg->key_len))
		return KIPSEC_EXIT_USAGE;
	if (strlen(name) >= sizeof(alg->name) || !name[0])
		return kipsec_cli_usage_error(c, "invalid algorithm name \"%s\"", name);
	strcpy(alg->name, name);
	if (icv && kipsec_parse_u32(c, aead ? "ICV length" : "truncation length",
				    icv, &alg->icv_len))
		return KIPSEC_EXIT_USAGE;
	/* plain "auth": no ICV length, the kernel applies ip-xfrm's default */
	alg->has_icv = icv != NULL;
	alg->given = true;
	if (alg == &s->auth)
		s->auth_word = trunc ? "auth-trunc" : "auth";
	return 0;
}

/* The combinations the grammar allows, once every word is read. */
int kipsec_sa_algs_check(const struct kipsec_cli *c,
			 const struct kipsec_sa_algs *s, uint32_t proto)
{
	const struct kipsec_proposal *p = s->proposal;

	if (p && (s->aead.given || s->enc.given || s->auth.given))
		return kipsec_cli_usage_error(c, "\"alg\" excludes \"aead\", \"enc\", \"auth\" and \"auth-trunc\"");
	if (s->aead.given && (s->enc.given || s->auth.given))
		return kipsec_cli_usage_error(c, "\"aead\" excludes \"enc\", \"auth\" and \"auth-trunc\"");

	if (proto == IPPROTO_AH) {
		if (s->aead.given || s->enc.given)
			return kipsec_cli_usage_error(c, "proto ah takes \"auth\" or \"auth-trunc\" only, not \"%s\"",
						      s->aead.given ? "aead" : "enc");
		if (p && p->proto != IPPROTO_AH)
			return kipsec_cli_usage_error(c, "proposal %s is for proto esp",
						      p->name);
		if (!p && !s->auth.given)
			return kipsec_cli_usage_error(c, "missing \"auth NAME KEY\", \"auth-trunc NAME KEY BITS\" or \"alg PROPOSAL KEY\"");
		return 0;
	}
	if (p && p->proto != IPPROTO_ESP)
		return kipsec_cli_usage_error(c, "proposal %s is for proto ah", p->name);
	if (s->enc.given && !s->auth.given)
		return kipsec_cli_usage_error(c, "\"enc\" needs \"auth\" or \"auth-trunc\" (proto esp)");
	if (s->auth.given && !s->enc.given)
		return kipsec_cli_usage_error(c, "\"%s\" needs \"enc\" with proto esp (integrity only: enc 'ecb(cipher_null)' \"\")",
					      s->auth_word);
	if (!p && !s->aead.given && !s->enc.given)
		return kipsec_cli_usage_error(c, "missing \"aead NAME KEY ICV-BITS\", \"enc NAME KEY\" with \"auth\", or \"alg PROPOSAL KEY\"");
	return 0;
}

static void kipsec_sa_alg_put(struct nlmsghdr *nlh, uint16_t type,
			      const struct kipsec_cli_alg *a)
{
	const struct kipsec_alg alg = {
		.name = a->name, .key = a->key, .key_len = a->key_len,
		.has_icv = a->has_icv, .icv_len = a->icv_len,
	};

	if (a->given)
		kipsec_attr_put_alg(nlh, type, &alg);
}

void kipsec_sa_algs_put(struct nlmsghdr *nlh, const struct kipsec_sa_algs *s)
{
	if (s->proposal) {
		/* the length was checked when parsing */
		kipsec_proposal_put(nlh, s->proposal, s->key, s->key_len);
		return;
	}
	kipsec_sa_alg_put(nlh, KIPSEC_A_SA_AEAD, &s->aead);
	kipsec_sa_alg_put(nlh, KIPSEC_A_SA_ENC, &s->enc);
	kipsec_sa_alg_put(nlh, KIPSEC_A_SA_AUTH, &s->auth);
}
