/* SPDX-License-Identifier: ISC */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/report/json_out.h"
#include "agent/util/text_clean.h"

void ccm_jw_init(struct ccm_jw *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

static void indent(struct ccm_jw *w, int level)
{
	for (int i = 0; i < level; i++)
		fputs("  ", w->out);
}

/* What goes before a value: nothing after its key; in an array, the
 * separator and the indentation of a member. */
static void before(struct ccm_jw *w)
{
	if (w->keyed) {
		w->keyed = false;
		return;
	}
	if (w->level == 0)
		return;
	if (w->had[w->level])
		fputs(",\n", w->out);
	w->had[w->level] = true;
	indent(w, w->level);
}

static void open_(struct ccm_jw *w, char c)
{
	before(w);
	fputc(c, w->out);
	fputc('\n', w->out);
	if (w->level + 1 >= CCM_JW_DEPTH) {
		w->err = true;
		return;
	}
	w->had[++w->level] = false;
}

static void close_(struct ccm_jw *w, char c)
{
	if (w->level == 0) {
		w->err = true;
		return;
	}
	if (w->had[w->level])
		fputc('\n', w->out);
	w->level--;
	indent(w, w->level);
	fputc(c, w->out);
}

void ccm_jw_object(struct ccm_jw *w)
{
	open_(w, '{');
}

void ccm_jw_array(struct ccm_jw *w)
{
	open_(w, '[');
}

void ccm_jw_end_object(struct ccm_jw *w)
{
	close_(w, '}');
}

void ccm_jw_end_array(struct ccm_jw *w)
{
	close_(w, ']');
}

void ccm_jw_key(struct ccm_jw *w, const char *key)
{
	if (w->had[w->level])
		fputs(",\n", w->out);
	w->had[w->level] = true;
	indent(w, w->level);
	fprintf(w->out, "\"%s\": ", key);
	w->keyed = true;
}

/* json-c's escapes: the two-letter ones, \u00xx for other controls;
 * '/' and bytes from 0x7f on as they are. */
static void escaped(FILE *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;
		char u[7];

		switch (c) {
		case '\b': e = "\\b"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\f': e = "\\f"; break;
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		default:
			if (c >= ' ')
				continue;
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 0xf];
			u[6] = '\0';
			e = u;
		}
		fwrite(s + from, 1, i - from, out);
		fputs(e, out);
		from = i + 1;
	}
	fwrite(s + from, 1, n - from, out);
}

void ccm_jw_string_len(struct ccm_jw *w, const char *s, size_t n)
{
	char *clean = NULL;

	before(w);
	if (!ccm_text_is_clean(s, n, CCM_TEXT_UTF8)) {
		clean = ccm_text_clean(s, n, CCM_TEXT_UTF8, &n);
		if (!clean) {
			w->err = true;
			fputs("null", w->out);
			return;
		}
		s = clean;
	}
	fputc('"', w->out);
	escaped(w->out, s, n);
	fputc('"', w->out);
	free(clean);
}

void ccm_jw_string(struct ccm_jw *w, const char *s)
{
	if (!s)
		ccm_jw_null(w);
	else
		ccm_jw_string_len(w, s, strlen(s));
}

void ccm_jw_u64(struct ccm_jw *w, uint64_t v)
{
	before(w);
	fprintf(w->out, "%" PRIu64, v);
}

void ccm_jw_int(struct ccm_jw *w, int v)
{
	before(w);
	fprintf(w->out, "%d", v);
}

void ccm_jw_bool(struct ccm_jw *w, bool v)
{
	ccm_jw_raw(w, v ? "true" : "false");
}

void ccm_jw_null(struct ccm_jw *w)
{
	ccm_jw_raw(w, "null");
}

void ccm_jw_raw(struct ccm_jw *w, const char *s)
{
	before(w);
	fputs(s, w->out);
}

int ccm_jw_status(const struct ccm_jw *w)
{
	return w->err || w->level || ferror(w->out) ? -1 : 0;
}
