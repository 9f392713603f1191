/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec CLI: shared declarations.  The only state is struct kipsec_cli,
 * created in main() and passed down; it owns the netlink socket.
 */
#ifndef KIPSEC_CLI_H
#define KIPSEC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kipsec_nl.h"

#define KIPSEC_CLI_VERSION	"0.1"

/* exit codes, documented in the usage text */
enum {
	KIPSEC_EXIT_OK = 0,
	KIPSEC_EXIT_USAGE = 1,	/* bad command line, nothing was sent */
	KIPSEC_EXIT_ERROR = 2,	/* the kernel (or netlink) refused or failed */
};

/* longest key accepted on the command line, in bytes */
#define KIPSEC_KEY_MAX		128
/* longest algorithm name, with its NUL (the kernel's CRYPTO_MAX_ALG_NAME) */
#define KIPSEC_ALG_NAME_MAX	128

struct kipsec_cli {
	bool json;		/* -j: JSON output */
	bool debug;		/* KIPSEC_DEBUG_DUMP: decode requests on stderr */
	bool debug_raw;		/* ... and hex-dump them (keys wiped) */
	bool dry_run;		/* ... and do not send them */
	const char *object;	/* "sa", "policy", ...: for usage hints */
	struct kipsec_nl *nl;	/* opened on first use */
	bool nl_failed;		/* ... and that failed */
	const char *batch_name;	/* -batch FILE: errors name FILE:LINE */
	unsigned long batch_line;
};

/* command-line cursor */
struct kipsec_args {
	int argc;
	char **argv;
};

/* main.c */
int kipsec_cli_usage_error(const struct kipsec_cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int kipsec_cli_unknown(const struct kipsec_cli *c, const char *word);
int kipsec_cli_error(const struct kipsec_cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kipsec_usage_sa(FILE *f);
void kipsec_usage_policy(FILE *f);
void kipsec_usage_sock(FILE *f);

/* args.c: each parser prints its error and returns -1 */
const char *kipsec_args_next(struct kipsec_args *a);
const char *kipsec_args_peek(const struct kipsec_args *a);
bool kipsec_args_match(const char *word, const char *kw);
int kipsec_args_value(const struct kipsec_cli *c, struct kipsec_args *a,
		      const char *kw, const char **val);
int kipsec_args_dup(const struct kipsec_cli *c, bool seen, const char *kw);
int kipsec_parse_u32(const struct kipsec_cli *c, const char *kw,
		     const char *str, uint32_t *v);
int kipsec_parse_u64(const struct kipsec_cli *c, const char *kw,
		     const char *str, uint64_t *v);
int kipsec_parse_u8(const struct kipsec_cli *c, const char *kw,
		    const char *str, uint8_t *v);
int kipsec_parse_spi(const struct kipsec_cli *c, const char *str,
		     uint32_t *spi);
int kipsec_parse_addr(const struct kipsec_cli *c, const char *kw,
		      const char *str, struct kipsec_addr *addr);
int kipsec_parse_prefix(const struct kipsec_cli *c, const char *kw,
			const char *str, struct kipsec_addr *addr,
			uint8_t *plen);
int kipsec_parse_key(const struct kipsec_cli *c, const char *str,
		     uint8_t *key, size_t max, size_t *len);
int kipsec_parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len);
int kipsec_parse_ports(const struct kipsec_cli *c, const char *kw,
		       const char *str, uint16_t *lo, uint16_t *hi);
int kipsec_parse_ipproto(const struct kipsec_cli *c, const char *str,
			 uint8_t *proto);
int kipsec_parse_xfrm_proto(const struct kipsec_cli *c, const char *str,
			    uint32_t *proto);
int kipsec_parse_mode(const struct kipsec_cli *c, const char *str,
		      uint32_t *mode);
int kipsec_parse_dir(const struct kipsec_cli *c, const char *str,
		     uint32_t *dir);
int kipsec_parse_df(const struct kipsec_cli *c, const char *str, uint32_t *df);
uint32_t kipsec_sa_flag_bit(const char *str);
const char *kipsec_ipproto_name(uint32_t proto);
const char *kipsec_mode_name(uint32_t mode);
const char *kipsec_dir_name(uint32_t dir);
const char *kipsec_action_name(uint32_t action);
const char *kipsec_state_name(uint32_t state);
const char *kipsec_sa_flag_name(unsigned int bit);
const char *kipsec_df_name(uint32_t df);
const char *kipsec_expire_reason_name(uint32_t reason);

/* sa_alg.c: the algorithms of sa add and update */
struct kipsec_cli_alg {
	bool given;
	char name[KIPSEC_ALG_NAME_MAX];
	uint8_t key[KIPSEC_KEY_MAX];
	size_t key_len;
	bool has_icv;		/* aead, auth-trunc: icv_len is sent */
	uint32_t icv_len;
};

struct kipsec_sa_algs {
	struct kipsec_cli_alg aead, enc, auth;
	const char *auth_word;			/* "auth" or "auth-trunc" */
	const struct kipsec_proposal *proposal;	/* alg PROPOSAL KEY */
	uint8_t key[KIPSEC_KEY_MAX];		/* ... its KEY */
	size_t key_len;
};

bool kipsec_sa_alg_word(const char *word);
int kipsec_sa_alg_parse(const struct kipsec_cli *c, struct kipsec_args *a,
			struct kipsec_sa_algs *s, const char *word);
int kipsec_sa_algs_check(const struct kipsec_cli *c,
			 const struct kipsec_sa_algs *s, uint32_t proto);
void kipsec_sa_algs_put(struct nlmsghdr *nlh, const struct kipsec_sa_algs *s);

/* request.c */
void kipsec_cli_where(const struct kipsec_cli *c, FILE *f);
int kipsec_cli_msg(struct kipsec_cli *c, void *buf, uint8_t cmd,
		   struct nlmsghdr **nlhp);
int kipsec_cli_do(struct kipsec_cli *c, struct nlmsghdr *nlh,
		  mnl_cb_t cb, void *data);
int kipsec_cli_dump(struct kipsec_cli *c, struct nlmsghdr *nlh,
		    void (*reset)(void *data), mnl_cb_t cb, void *data);
int kipsec_cli_open(struct kipsec_cli *c);

/* messages collected from a reply or dump, printed once complete */
struct kipsec_msgs {
	struct nlmsghdr **v;
	size_t n, cap;
};
int kipsec_msgs_collect(const struct nlmsghdr *nlh, void *data);
void kipsec_msgs_reset(void *data);

/* batch.c: kipsec -batch FILE */
#define KIPSEC_BATCH_ARGS	256	/* words of one command */

struct kipsec_batch {
	char *line;		/* the physical line, from getline() */
	size_t line_cap;
	char *words;		/* the words of the command, NUL-separated */
	size_t words_len, words_cap;
	size_t word_start;	/* offset of the word being split */
	size_t word_off[KIPSEC_BATCH_ARGS];
	char *argv[KIPSEC_BATCH_ARGS + 1];
	int argc;
	bool in_word;
	char quote;		/* ' or " while in a quoted word */
	const char *error;	/* why the command could not be split */
	unsigned long first, last;	/* its physical lines, from 1 */
};

typedef int (*kipsec_batch_cmd_t)(struct kipsec_cli *c, struct kipsec_args *a);

int kipsec_batch_split(struct kipsec_batch *b, const char *line);
int kipsec_batch_read(struct kipsec_batch *b, FILE *f);
void kipsec_batch_args(struct kipsec_batch *b, struct kipsec_args *a);
void kipsec_batch_reset(struct kipsec_batch *b);
void kipsec_batch_free(struct kipsec_batch *b);
int kipsec_batch_run(struct kipsec_cli *c, const char *name, bool force,
		     kipsec_batch_cmd_t run);

/* decode.c */
void kipsec_decode_request(FILE *f, const struct nlmsghdr *nlh, bool raw);

/* json.c: a tiny JSON emitter, one top-level value per line */
#define KIPSEC_JSON_DEPTH	16
struct kipsec_json {
	FILE *f;
	unsigned int depth;
	bool comma[KIPSEC_JSON_DEPTH];
};
void kipsec_json_init(struct kipsec_json *j, FILE *f);
void kipsec_json_obj_begin(struct kipsec_json *j, const char *key);
void kipsec_json_obj_end(struct kipsec_json *j);
void kipsec_json_arr_begin(struct kipsec_json *j, const char *key);
void kipsec_json_arr_end(struct kipsec_json *j);
void kipsec_json_str(struct kipsec_json *j, const char *key, const char *s);
void kipsec_json_u64(struct kipsec_json *j, const char *key, uint64_t v);
void kipsec_json_bool(struct kipsec_json *j, const char *key, bool v);

/* show.c: SA and policy output; -EINVAL on a malformed nest */
int kipsec_show_sa(FILE *f, const char *first, const char *indent,
		   const struct nlattr *sa);
int kipsec_show_sa_json(struct kipsec_json *j, const char *key,
			const struct nlattr *sa);
int kipsec_show_policy(FILE *f, const char *first, const char *indent,
		       const struct nlattr *policy);
int kipsec_show_policy_json(struct kipsec_json *j, const char *key,
			    const struct nlattr *policy);
int kipsec_show_list(struct kipsec_cli *c, const struct kipsec_msgs *msgs,
		     uint16_t type);

/* sock.c: registered sockets; -EINVAL on a malformed nest */
int kipsec_show_sock(FILE *f, const char *first, const struct nlattr *sock);
int kipsec_show_sock_json(struct kipsec_json *j, const char *key,
			  const struct nlattr *sock);

/* commands */
int kipsec_sa_main(struct kipsec_cli *c, struct kipsec_args *a);
int kipsec_policy_main(struct kipsec_cli *c, struct kipsec_args *a);
int kipsec_stats_main(struct kipsec_cli *c, struct kipsec_args *a);
int kipsec_monitor_main(struct kipsec_cli *c, struct kipsec_args *a);
int kipsec_sock_main(struct kipsec_cli *c, struct kipsec_args *a);
int kipsec_natt_main(struct kipsec_cli *c, struct kipsec_args *a);
/* monitor.c: one event as monitor prints it; -EINVAL if malformed */
int kipsec_monitor_print(FILE *f, bool json, const struct nlmsghdr *nlh);

#endif /* KIPSEC_CLI_H */
