// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec -batch FILE: one command a line, like `ip -batch`.
 *
 * The words of a line are split as iproute2's batch mode splits them:
 * blanks separate words; a word that starts with ' or " runs to the same
 * quote, blanks and the other quote included, with no escapes inside ('' or
 * "" is an empty word); a quote inside a word is an ordinary character.  #
 * outside quotes starts a comment up to the end of the line.  A backslash
 * right before the end of a line joins the next line to it (no blank is
 * added, so a word or a quoted string may go on there).  Differences from
 * ip, which are errors here and silent surprises there: text right after a
 * closing quote ('a'b), and # inside quotes (ip cuts the line there).
 *
 * Every command runs through the same dispatch as the command line, on the
 * same struct kipsec_cli: the netlink socket is opened (and the family
 * resolved) once, by the first command that needs it, and reused by all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kipsec.h"

#define KIPSEC_STR_(x)	#x
#define KIPSEC_STR(x)	KIPSEC_STR_(x)

static bool kipsec_batch_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int kipsec_batch_putc(struct kipsec_batch *b, char ch)
{
	if (b->words_len == b->words_cap) {
		size_t cap = b->words_cap ? 2 * b->words_cap : 256;
		char *words = malloc(cap);

		if (!words)
			return -ENOMEM;
		/* copy by hand: the old buffer may hold a key, wipe it */
		if (b->words_len) {
			memcpy(words, b->words, b->words_len);
			explicit_bzero(b->words, b->words_cap);
		}
		free(b->words);
		b->words = words;
		b->words_cap = cap;
	}
	b->words[b->words_len++] = ch;
	return 0;
}

static int kipsec_batch_word_end(struct kipsec_batch *b)
{
	if (b->argc == KIPSEC_BATCH_ARGS) {
		b->error = "too many words (at most "
			   KIPSEC_STR(KIPSEC_BATCH_ARGS) ")";
		return -E2BIG;
	}
	b->word_off[b->argc++] = b->word_start;
	b->in_word = false;
	return kipsec_batch_putc(b, '\0');
}

/*
 * Split one physical line (NUL-terminated, with or without its newline)
 * into words, continuing the state of the previous one.  Returns 1 if the
 * command goes on on the next line, 0 if it is complete, -errno on an
 * error (b->error says which).
 */
int kipsec_batch_split(struct kipsec_batch *b, const char *line)
{
	const char *p = line;
	int ret;

	for (; *p; p++) {
		char ch = *p;

		if (ch == '\\' && (p[1] == '\n' || p[1] == '\0'))
			return 1;
		if (b->quote) {
			if (ch == '\n')
				break;
			if (ch != b->quote) {
				ret = kipsec_batch_putc(b, ch);
			} else {
				b->quote = 0;
				if (p[1] && !kipsec_batch_blank(p[1]) &&
				    p[1] != '#') {
					b->error = "text right after a closing quote";
					return -EINVAL;
				}
				ret = kipsec_batch_word_end(b);
			}
		} else if (kipsec_batch_blank(ch)) {
			ret = b->in_word ? kipsec_batch_word_end(b) : 0;
		} else if (ch == '#') {
			break;
		} else if (!b->in_word && (ch == '\'' || ch == '"')) {
			b->quote = ch;
			b->word_start = b->words_len;
			ret = 0;
		} else {
			if (!b->in_word) {
				b->in_word = true;
				b->word_start = b->words_len;
			}
			ret = kipsec_batch_putc(b, ch);
		}
		if (ret)
			return ret;
	}
	if (b->quote) {
		b->error = "unterminated quoted string";
		return -EINVAL;
	}
	return b->in_word ? kipsec_batch_word_end(b) : 0;
}

/* forget the words of the last command, and wipe them: keys */
void kipsec_batch_reset(struct kipsec_batch *b)
{
	if (b->words)
		explicit_bzero(b->words, b->words_len);
	b->words_len = 0;
	b->argc = 0;
	b->in_word = false;
	b->quote = 0;
	b->error = NULL;
}

/* the words split so far, as an argv */
void kipsec_batch_args(struct kipsec_batch *b, struct kipsec_args *a)
{
	for (int i = 0; i < b->argc; i++)
		b->argv[i] = b->words + b->word_off[i];
	b->argv[b->argc] = NULL;
	a->argc = b->argc;
	a->argv = b->argv;
}

void kipsec_batch_free(struct kipsec_batch *b)
{
	kipsec_batch_reset(b);
	free(b->words);
	if (b->line)
		explicit_bzero(b->line, b->line_cap);
	free(b->line);
	memset(b, 0, sizeof(*b));
}

/*
 * Read the next command: its words in b, b->first and b->last its physical
 * lines.  Returns 1 for a command (maybe of no words: a blank line or a
 * comment), 0 at the end of the file, -errno on a read error, and -EINVAL
 * with b->error set on a line that cannot be split.
 */
int kipsec_batch_read(struct kipsec_batch *b, FILE *f)
{
	ssize_t n;
	int ret;

	kipsec_batch_reset(b);
	b->first = b->last + 1;
	for (;;) {
		errno = 0;
		n = getline(&b->line, &b->line_cap, f);
		if (n < 0) {
			if (errno)
				return -errno;
			if (b->last >= b->first) {
				/* a backslash ended the last line */
				b->error = "missing continuation line";
				return -EINVAL;
			}
			return 0;
		}
		b->last++;
		if (memchr(b->line, '\0', n)) {
			b->error = "NUL byte in the line";
			ret = -EINVAL;
		} else {
			ret = kipsec_batch_split(b, b->line);
		}
		if (ret < 0) {
			/* skip the rest of the command: its other lines */
			while (n > 1 && b->line[n - 1] == '\n' &&
			       b->line[n - 2] == '\\' &&
			       (n = getline(&b->line, &b->line_cap, f)) > 0)
				b->last++;
			return ret;
		}
		if (ret == 0)
			return 1;
	}
}

/*
 * Commands that never end (monitor, natt listen) or that would change the
 * shared socket (monitor joins the event group) have no place in a batch.
 */
static const char *kipsec_batch_refused(const struct kipsec_args *a)
{
	const char *obj = a->argc > 0 ? a->argv[0] : NULL;
	const char *cmd = a->argc > 1 ? a->argv[1] : NULL;

	if (!obj)
		return NULL;
	if (!strcmp(obj, "monitor") && !(cmd && !strcmp(cmd, "help")))
		return "monitor runs until stopped: not in a batch";
	if (!strcmp(obj, "natt") && cmd && !strcmp(cmd, "listen"))
		return "natt listen runs until stopped: not in a batch";
	if (obj[0] == '-')
		return "options go before -batch, not on a line of the batch";
	return NULL;
}

int kipsec_batch_run(struct kipsec_cli *c, const char *name, bool force,
		     kipsec_batch_cmd_t run)
{
	struct kipsec_batch b = { 0 };
	struct kipsec_args a;
	const char *refused;
	FILE *f = stdin;
	int ret = KIPSEC_EXIT_OK, rc, n;

	if (strcmp(name, "-")) {
		f = fopen(name, "r");
		if (!f) {
			fprintf(stderr, "Error: cannot open \"%s\" for reading: %s\n",
				name, strerror(errno));
			return KIPSEC_EXIT_USAGE;
		}
	}
	c->batch_name = name;
	for (;;) {
		n = kipsec_batch_read(&b, f);
		if (n == 0)
			break;
		c->batch_line = b.first;
		c->object = NULL;
		if (n == -EINVAL || n == -E2BIG) {
			kipsec_cli_usage_error(c, "%s", b.error);
			rc = KIPSEC_EXIT_USAGE;
		} else if (n < 0) {
			fprintf(stderr, "%s:%lu: Error: reading: %s\n", name,
				b.first, strerror(-n));
			ret = KIPSEC_EXIT_ERROR;
			break;
		} else if (!b.argc) {
			continue;
		} else {
			kipsec_batch_args(&b, &a);
			refused = kipsec_batch_refused(&a);
			if (refused)
				rc = kipsec_cli_usage_error(c, "%s", refused);
			else
				rc = run(c, &a);
		}
		if (rc == KIPSEC_EXIT_OK)
			continue;
		fprintf(stderr, "Command failed %s:%lu\n", name, b.first);
		if (rc > ret)
			ret = rc;
		/* without a socket no later command can succeed either */
		if (!force || c->nl_failed)
			break;
	}
	c->batch_name = NULL;
	kipsec_batch_free(&b);
	if (f != stdin)
		fclose(f);
	return ret;
}
