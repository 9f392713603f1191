// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny JSON emitter: compact output, one top-level value per line, strings
 * escaped per RFC 8259.  Keys are NULL inside arrays and at the top level.
 */
#include <inttypes.h>

#include "kipsec.h"

void kipsec_json_init(struct kipsec_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->comma[0] = false;
}

static void kipsec_json_string(struct kipsec_json *j, const char *s)
{
	fputc('"', j->f);
	for (; *s; s++) {
		unsigned char ch = *s;

		switch (ch) {
		case '"':
			fputs("\\\"", j->f);
			break;
		case '\\':
			fputs("\\\\", j->f);
			break;
		case '\b':
			fputs("\\b", j->f);
			break;
		case '\f':
			fputs("\\f", j->f);
			break;
		case '\n':
			fputs("\\n", j->f);
			break;
		case '\r':
			fputs("\\r", j->f);
			break;
		case '\t':
			fputs("\\t", j->f);
			break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				fprintf(j->f, "\\u%04x", ch);
			else
				fputc(ch, j->f);
		}
	}
	fputc('"', j->f);
}

/* separator and key before a value */
static void kipsec_json_key(struct kipsec_json *j, const char *key)
{
	if (j->comma[j->depth])
		fputc(',', j->f);
	j->comma[j->depth] = true;
	if (key) {
		kipsec_json_string(j, key);
		fputc(':', j->f);
	}
}

/* after a value: a complete top-level value ends its line */
static void kipsec_json_done(struct kipsec_json *j)
{
	if (j->depth == 0) {
		fputc('\n', j->f);
		j->comma[0] = false;
	}
}

static void kipsec_json_open(struct kipsec_json *j, const char *key, char ch)
{
	kipsec_json_key(j, key);
	fputc(ch, j->f);
	if (j->depth < KIPSEC_JSON_DEPTH - 1)
		j->depth++;
	j->comma[j->depth] = false;
}

static void kipsec_json_close(struct kipsec_json *j, char ch)
{
	fputc(ch, j->f);
	if (j->depth > 0)
		j->depth--;
	kipsec_json_done(j);
}

void kipsec_json_obj_begin(struct kipsec_json *j, const char *key)
{
	kipsec_json_open(j, key, '{');
}

void kipsec_json_obj_end(struct kipsec_json *j)
{
	kipsec_json_close(j, '}');
}

void kipsec_json_arr_begin(struct kipsec_json *j, const char *key)
{
	kipsec_json_open(j, key, '[');
}

void kipsec_json_arr_end(struct kipsec_json *j)
{
	kipsec_json_close(j, ']');
}

void kipsec_json_str(struct kipsec_json *j, const char *key, const char *s)
{
	kipsec_json_key(j, key);
	kipsec_json_string(j, s);
	kipsec_json_done(j);
}

void kipsec_json_u64(struct kipsec_json *j, const char *key, uint64_t v)
{
	kipsec_json_key(j, key);
	fprintf(j->f, "%" PRIu64, v);
	kipsec_json_done(j);
}

void kipsec_json_bool(struct kipsec_json *j, const char *key, bool v)
{
	kipsec_json_key(j, key);
	fputs(v ? "true" : "false", j->f);
	kipsec_json_done(j);
}
