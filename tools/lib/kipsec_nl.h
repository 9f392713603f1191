/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kipsec_nl - a small library to talk to the kipsec generic netlink family.
 *
 * Shared by the kipsec CLI and, later, the strongSwan charon plugin, so it
 * never prints, never exits and keeps no global state: everything lives in
 * a struct kipsec_nl handle (one netlink socket).  Functions return 0 or a
 * negative errno; the details of the last failure (the kernel's extack
 * message and the offending attribute) are in kipsec_nl_error().
 *
 * Building on libmnl: requests are plain struct nlmsghdr built with
 * kipsec_nl_msg_init() and the mnl_attr_put*() family; replies are handed to
 * an mnl_cb_t callback and parsed with kipsec_attr_parse_*().
 *
 * A handle runs one transaction at a time.  Use one handle for requests and
 * a separate one for events (kipsec_nl_subscribe), so that events are never
 * interleaved with replies.
 */
#ifndef KIPSEC_NL_H
#define KIPSEC_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/kipsec.h>

/* Size of a request buffer: requests are small (< 1 KiB). */
#define KIPSEC_NL_MSG_SIZE	8192
/* Receive buffer: large enough for the biggest skb the kernel dumps into. */
#define KIPSEC_NL_RECV_SIZE	32768
/* How often kipsec_nl_dump() restarts a dump interrupted by a change. */
#define KIPSEC_NL_DUMP_RETRIES	10

struct kipsec_nl;

/* Details of the last failure. */
struct kipsec_nl_error {
	int err;		/* positive errno, 0 if none */
	bool extack;		/* msg is the kernel's extack message */
	char msg[256];		/* never empty when err != 0 */
	int32_t attr_off;	/* offset of the offending attribute in the
				 * request, -1 if the kernel gave none */
	char attr[96];		/* dotted name of the offending (or missing)
				 * attribute, e.g. "sa.aead.key"; "" if none */
};

/*
 * Open a generic netlink socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK
 * enabled, and resolve the "kipsec" family and its "events" multicast group.
 * Returns 0 and sets *nlp, or -errno with @err filled (-ENOENT:
 * "kipsec module not loaded (family \"kipsec\" not found)").  @err may be
 * NULL.
 */
int kipsec_nl_open(struct kipsec_nl **nlp, struct kipsec_nl_error *err);
void kipsec_nl_close(struct kipsec_nl *nl);

/* The socket, for poll()/non-blocking use by event loops. */
int kipsec_nl_fd(const struct kipsec_nl *nl);
/* The resolved family id, for kipsec_nl_msg_init(). */
uint16_t kipsec_nl_family(const struct kipsec_nl *nl);
/* The family version the kernel announced (KIPSEC_FAMILY_VERSION). */
uint32_t kipsec_nl_version(const struct kipsec_nl *nl);
/* Details of the last failure on this handle. */
const struct kipsec_nl_error *kipsec_nl_error(const struct kipsec_nl *nl);

/*
 * Start a request in @buf (KIPSEC_NL_MSG_SIZE bytes, suitably aligned, zeroed
 * here so that no padding byte leaks stack contents):
 * netlink header of type @family, genlmsghdr with @cmd and
 * KIPSEC_FAMILY_VERSION.  Flags and sequence number are set when sending.
 * Append attributes with mnl_attr_put*() and mnl_attr_nest_start/end().
 */
struct nlmsghdr *kipsec_nl_msg_init(void *buf, uint16_t family, uint8_t cmd);
/* The genl command of a message (request, reply or event). */
uint8_t kipsec_nl_msg_cmd(const struct nlmsghdr *nlh);

/*
 * Reply and event callbacks are libmnl's mnl_cb_t:
 *	int cb(const struct nlmsghdr *nlh, void *data);
 * returning MNL_CB_OK to go on, MNL_CB_STOP to ignore the rest of the
 * reply, or MNL_CB_ERROR with errno set to fail the call with -errno.
 * The transaction is always read to its end, so the handle stays usable.
 */

/*
 * Send a "do" request (NLM_F_REQUEST | NLM_F_ACK) and wait for the
 * acknowledgement; reply messages, if any, go to @cb (may be NULL).
 * Returns 0, or -errno (kernel error: see kipsec_nl_error()).
 * The library keeps no copy of @nlh: wipe key material in it afterwards
 * (explicit_bzero(buf, KIPSEC_NL_MSG_SIZE)).
 */
int kipsec_nl_do(struct kipsec_nl *nl, struct nlmsghdr *nlh,
		 mnl_cb_t cb, void *data);

/*
 * Send a dump request (NLM_F_REQUEST | NLM_F_DUMP); every object goes to @cb.
 * If the kernel flags the dump NLM_F_DUMP_INTR (the table changed meanwhile),
 * the dump is read to its end, @reset (may be NULL) is called so the caller
 * drops what it collected, and the dump restarts from scratch, at most
 * KIPSEC_NL_DUMP_RETRIES times (then -EINTR).  Callers that print should
 * collect first and print after a successful return.
 */
int kipsec_nl_dump(struct kipsec_nl *nl, struct nlmsghdr *nlh,
		   void (*reset)(void *data), mnl_cb_t cb, void *data);

/*
 * Join the "events" multicast group (needs CAP_NET_ADMIN in the netns).
 * Then call kipsec_nl_event_recv() in a loop: it reads one datagram
 * (blocking unless the socket was made non-blocking) and hands each kipsec
 * event to @cb.  Returns 0, 1 if @cb returned MNL_CB_STOP, or -errno:
 * -ENOBUFS means events were lost (the socket stays usable), -EINTR a
 * signal, -EAGAIN nothing to read on a non-blocking socket.
 */
int kipsec_nl_subscribe(struct kipsec_nl *nl);
int kipsec_nl_event_recv(struct kipsec_nl *nl, mnl_cb_t cb, void *data);

/*
 * Attribute schema of the UAPI header, used to validate replies, to name
 * attributes in error messages and to decode messages for debugging.
 */
enum kipsec_attr_set {
	KIPSEC_SET_TOP,		/* KIPSEC_A_* */
	KIPSEC_SET_SA,		/* KIPSEC_A_SA_* */
	KIPSEC_SET_ALG,		/* KIPSEC_A_ALG_* */
	KIPSEC_SET_SA_STATS,	/* KIPSEC_A_SA_STATS_* */
	KIPSEC_SET_POLICY,	/* KIPSEC_A_POLICY_* */
	KIPSEC_SET_SEL,		/* KIPSEC_A_SEL_* */
	KIPSEC_SET_TMPL,	/* KIPSEC_A_TMPL_* */
	KIPSEC_SET_STATS,	/* KIPSEC_A_STATS_* */
	KIPSEC_SET_COUNTER,	/* KIPSEC_A_COUNTER_* */
	KIPSEC_SET_LIFETIME,	/* KIPSEC_A_LIFE_* */
	KIPSEC_SET_ENCAP,	/* KIPSEC_A_ENCAP_* */
	KIPSEC_SET_SOCK,	/* KIPSEC_A_SOCK_* */
};

enum kipsec_attr_type {
	KIPSEC_ATTR_UNUSED,	/* unspec / pad */
	KIPSEC_ATTR_U32,
	KIPSEC_ATTR_U64,
	KIPSEC_ATTR_BE16,
	KIPSEC_ATTR_BE32,
	KIPSEC_ATTR_ADDR,	/* 4 or 16 bytes */
	KIPSEC_ATTR_STRING,	/* NUL-terminated */
	KIPSEC_ATTR_SECRET,	/* binary key material, never shown */
	KIPSEC_ATTR_FLAG,
	KIPSEC_ATTR_NEST,
};

struct kipsec_attr_spec {
	const char *name;		/* spec name, e.g. "replay-window" */
	enum kipsec_attr_type type;
	enum kipsec_attr_set nest;	/* for KIPSEC_ATTR_NEST */
};

/* Highest attribute type of @set: tb arrays have kipsec_attr_max() + 1 slots. */
unsigned int kipsec_attr_max(enum kipsec_attr_set set);
const char *kipsec_attr_set_name(enum kipsec_attr_set set);
/* Spec of attribute @type in @set, NULL if unknown (newer kernel) or unused. */
const struct kipsec_attr_spec *kipsec_attr_spec(enum kipsec_attr_set set,
						unsigned int type);
/* "sa-add", ... or NULL for an unknown command. */
const char *kipsec_cmd_name(uint8_t cmd);

/*
 * Fill tb[0..kipsec_attr_max(set)] from the attributes of a message (after
 * its genlmsghdr, set KIPSEC_SET_TOP) or of a nest.  Attributes are checked
 * against the schema (lengths, NUL termination); unknown ones are ignored,
 * for compatibility with newer kernels.  Returns 0 or -EINVAL.
 */
int kipsec_attr_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb);
int kipsec_attr_parse_nest(const struct nlattr *nest, enum kipsec_attr_set set,
			   const struct nlattr **tb);

/*
 * Dotted name of the attribute starting at byte @off of the request @nlh
 * ("sa.aead.key"), for extack offsets.  Returns 0 or -ENOENT.
 */
int kipsec_attr_path(const struct nlmsghdr *nlh, uint32_t off,
		     char *buf, size_t len);

/* Big-endian integers (SPIs, ports), host order on the caller's side. */
void kipsec_attr_put_be16(struct nlmsghdr *nlh, uint16_t type, uint16_t v);
void kipsec_attr_put_be32(struct nlmsghdr *nlh, uint16_t type, uint32_t v);
uint16_t kipsec_attr_get_be16(const struct nlattr *attr);
uint32_t kipsec_attr_get_be32(const struct nlattr *attr);

/* An IPv4 or IPv6 address; the family follows from the length on the wire. */
struct kipsec_addr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* Longest string kipsec_addr_ntop() writes, with its NUL. */
#define KIPSEC_ADDR_STRLEN	INET6_ADDRSTRLEN

/* Parse an IPv4 or IPv6 address.  Returns 0 or -EINVAL. */
int kipsec_addr_parse(struct kipsec_addr *addr, const char *str);
/*
 * Parse ADDR[/LEN]; without /LEN the prefix is a host prefix (32 or 128).
 * Returns 0 or -EINVAL.
 */
int kipsec_prefix_parse(struct kipsec_addr *addr, uint8_t *plen,
			const char *str);
/* 4 or 16 (0 for an unset address). */
size_t kipsec_addr_len(const struct kipsec_addr *addr);
/* Write @addr into @buf (KIPSEC_ADDR_STRLEN bytes); returns @buf. */
const char *kipsec_addr_ntop(const struct kipsec_addr *addr, char *buf,
			     size_t len);
/* Put @addr as a 4 or 16 byte binary attribute. */
void kipsec_attr_put_addr(struct nlmsghdr *nlh, uint16_t type,
			  const struct kipsec_addr *addr);
/* Read a 4 or 16 byte binary attribute.  Returns 0 or -EINVAL. */
int kipsec_attr_get_addr(const struct nlattr *attr, struct kipsec_addr *addr);

/* One algorithm of an SA: the content of an aead, enc or auth nest. */
struct kipsec_alg {
	const char *name;	/* kernel crypto API name, e.g. "cbc(aes)" */
	const uint8_t *key;	/* may be NULL when key_len is 0 */
	size_t key_len;		/* bytes; 0 for null algorithms */
	bool has_icv;		/* send icv_len; else the kernel's default */
	uint32_t icv_len;	/* bits: aead ICV or auth truncation */
};

/*
 * Put @alg as nest @type (KIPSEC_A_SA_AEAD, _ENC or _AUTH).  The key
 * attribute is always sent, empty for a null algorithm.  Leave has_icv
 * false for enc, and for auth to get ip-xfrm's "auth" default truncation.
 */
void kipsec_attr_put_alg(struct nlmsghdr *nlh, uint16_t type,
			 const struct kipsec_alg *alg);

/*
 * IKE proposals: strongSwan's names of ESP and AH algorithm combinations
 * ("aes128gcm16", "aes256-sha256", "null-sha1", "sha256" for AH) and the
 * kernel algorithms each stands for.  The key of a proposal is the keying
 * material of one direction as IKE derives it: the encryption key (salt or
 * nonce included) followed by the integrity key.
 */
struct kipsec_proposal {
	const char *name;
	uint8_t proto;		/* IPPROTO_ESP or IPPROTO_AH */
	const char *aead;	/* kernel names, NULL where unused: aead, */
	const char *enc;	/* or enc with auth (ESP), */
	const char *auth;	/* or auth alone (AH) */
	uint32_t enc_key_len;	/* bytes of the aead or enc key */
	uint32_t auth_key_len;	/* bytes of the auth key */
	uint32_t icv_len;	/* bits: aead ICV or auth truncation */
	uint16_t ike_encr;	/* IKEv2 transform IDs (IANA): encryption, */
	uint16_t ike_integ;	/* integrity; 0 where unused */
};

/* The proposal called @name, NULL if there is none. */
const struct kipsec_proposal *kipsec_proposal_find(const char *name);
/*
 * The proposal an IKE daemon negotiated: @proto (IPPROTO_ESP or _AH), the
 * IKEv2 transform IDs @encr (0 for none: AH) and @integ (0 for none: AEAD),
 * and an encryption key of @enc_key_len bytes, salt or nonce included (the
 * key length tells AES-128 from AES-256).  NULL if kipsec has none.
 */
const struct kipsec_proposal *kipsec_proposal_find_ike(uint8_t proto,
						       uint16_t encr,
						       size_t enc_key_len,
						       uint16_t integ);
/* The @i-th proposal, NULL past the last: to list them all. */
const struct kipsec_proposal *kipsec_proposal_get(size_t i);
/* Bytes of key @p takes: enc_key_len + auth_key_len. */
size_t kipsec_proposal_key_len(const struct kipsec_proposal *p);
/*
 * Put the algorithm nests of @p, splitting @key between them, each with
 * its explicit ICV length.  Returns 0, or -EINVAL (nothing put) unless
 * @key_len is kipsec_proposal_key_len(@p).  The message then holds key
 * material: wipe it after sending.
 */
int kipsec_proposal_put(struct nlmsghdr *nlh, const struct kipsec_proposal *p,
			const uint8_t *key, size_t key_len);

#endif /* KIPSEC_NL_H */
