/* SPDX-License-Identifier: ISC */
/* Queue lines: the configured patterns, compiled once, tried on every line
 * that is not a component message.
 *
 * Byte mode, as the component recognizer (parsers/logline.c), and the same
 * match and depth limits: a pattern written by an operator must not make
 * one hostile line cost seconds. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/queue_lines.h"

#define MATCH_LIMIT 100000
#define DEPTH_LIMIT 1000

static const struct ccm_queue_rule builtin = {
	.name = (char *)CCM_QUEUE_BUILTIN,
	.match = (char *)"Bouncing packet intended for "
			 "(?<component>[^\\s\"'<>]+)",
};

const struct ccm_queue_rule *ccm_queue_rule_builtin(void)
{
	return &builtin;
}

struct pattern {
	pcre2_code *code;
	pcre2_match_data *md;
	int g_comp, g_key; /* g_key < 0: none */
};

struct qrule {
	enum ccm_msg_kind kind; /* of pats[0]: WAITED, or START with END */
	struct pattern pats[2];
	size_t npats;
	ccm_ms wait;
};

struct ccm_queue_lines {
	struct qrule *rules;
	size_t n;
	pcre2_match_context *mctx;
	/* the prefilter: the patterns' leading literals, unless every_line */
	bool every_line;
	size_t nlits;
	char *lits[CCM_QUEUE_FILTER_MAX];
	size_t lit_len[CCM_QUEUE_FILTER_MAX];
	size_t lit_rare[CCM_QUEUE_FILTER_MAX]; /* see rare_byte() */
};

static void pattern_free(struct pattern *p)
{
	pcre2_match_data_free(p->md);
	pcre2_code_free(p->code);
}

static int pattern_compile(struct pattern *p, const char *src, char *err,
			   size_t errlen)
{
	int code, n;
	PCRE2_SIZE off;

	memset(p, 0, sizeof(*p));
	p->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, 0,
				&code, &off, NULL);
	if (!p->code) {
		char msg[160];
		pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
		snprintf(err, errlen, "at offset %zu: %s", (size_t)off, msg);
		return -1;
	}
	n = pcre2_substring_number_from_name(p->code,
					     (PCRE2_SPTR)"component");
	if (n < 0) {
		snprintf(err, errlen, "has no group (?<component>...) naming"
			 " the component the event waits on");
		pattern_free(p);
		return -1;
	}
	p->g_comp = n;
	n = pcre2_substring_number_from_name(p->code, (PCRE2_SPTR)"key");
	p->g_key = n < 0 ? -1 : n;
	return 0;
}

int ccm_queue_pattern_check(const char *pattern, bool *has_key, char *err,
			    size_t errlen)
{
	struct pattern p;

	if (pattern_compile(&p, pattern, err, errlen))
		return -1;
	*has_key = p.g_key >= 0;
	pattern_free(&p);
	return 0;
}

void ccm_queue_lines_free(struct ccm_queue_lines *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		for (size_t k = 0; k < q->rules[i].npats; k++)
			pattern_free(&q->rules[i].pats[k]);
	free(q->rules);
	for (size_t i = 0; i < q->nlits; i++)
		free(q->lits[i]);
	pcre2_match_context_free(q->mctx);
	free(q);
}

/* Whether src has an alternation outside any group: then no literal
 * starts every match. */
static bool top_level_alternation(const char *src)
{
	int depth = 0;

	for (const char *p = src; *p; p++) {
		if (*p == '\\') {
			if (p[1] == 'Q')
				return true; /* quoted text: not worth parsing */
			if (p[1])
				p++;
		} else if (*p == '[') {
			/* a class: a ']' right after '[' or '[^' is a member */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			if (!*p)
				return true;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			depth--;
		} else if (*p == '|' && depth <= 0) {
			return true;
		}
	}
	return false;
}

/* The plain characters src starts with, which every match of it starts
 * with (compiled without options, so no (?x) or (?i) can come before
 * them): up to the first metacharacter, less the last one if a quantifier
 * follows it.  0 when there are fewer than 3 such characters. */
static size_t leading_literal(const char *src)
{
	size_t n = 0;

	if (top_level_alternation(src))
		return 0;
	while (src[n] && !strchr("\\^$.[|()?*+{", src[n]))
		n++;
	if (n && src[n] && strchr("?*+{", src[n]))
		n--;
	return n >= 3 ? n : 0;
}

/* The first byte of lit unlike running text (not a small letter, digit,
 * blank or common punctuation), which memchr finds far faster than memmem
 * finds the literal: the bounce's 'B'.  n when there is none. */
static size_t rare_byte(const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789 .:-/_=,;'\"",
			    lit[i]))
			return i;
	return n;
}

static void add_literal(struct ccm_queue_lines *q, const char *src)
{
	size_t n = leading_literal(src);

	if (q->every_line)
		return;
	for (size_t i = 0; n && i < q->nlits; i++)
		if (q->lit_len[i] == n && !memcmp(q->lits[i], src, n))
			return;
	if (!n || q->nlits == CCM_QUEUE_FILTER_MAX ||
	    !(q->lits[q->nlits] = strndup(src, n))) {
		q->every_line = true; /* out of memory too: no prefilter */
		return;
	}
	q->lit_rare[q->nlits] = rare_byte(src, n);
	q->lit_len[q->nlits++] = n;
}

static int add_pattern(struct qrule *r, const struct ccm_queue_rule *src,
		       const char *which, const char *pattern, char *err,
		       size_t errlen)
{
	struct pattern *p = &r->pats[r->npats];
	char why[256];

	if (pattern_compile(p, pattern, why, sizeof(why))) {
		snprintf(err, errlen, "queue_lines.c: [latency %s] %s %s",
			 src->name, which, why);
		return -1;
	}
	r->npats++;
	/* JIT fails where W^X is enforced; the interpreter answers alike. */
	(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
	p->md = pcre2_match_data_create_from_pattern(p->code, NULL);
	if (!p->md) {
		snprintf(err, errlen, "queue_lines.c: out of memory");
		return -1;
	}
	return 0;
}

struct ccm_queue_lines *ccm_queue_lines_new(const struct ccm_queue_rule *rules,
					    size_t n, ccm_ms default_wait,
					    char *err, size_t errlen)
{
	struct ccm_queue_lines *q = calloc(1, sizeof(*q));

	if (!q || !(q->rules = calloc(n + 1, sizeof(*q->rules))) ||
	    !(q->mctx = pcre2_match_context_create(NULL))) {
		snprintf(err, errlen, "queue_lines.c: out of memory");
		ccm_queue_lines_free(q);
		return NULL;
	}
	pcre2_set_match_limit(q->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(q->mctx, DEPTH_LIMIT);
	for (size_t i = 0; i < n; i++) {
		const struct ccm_queue_rule *src = &rules[i];
		struct qrule *r = &q->rules[i];
		int rc;

		q->n++;
		r->wait = src->wait > 0 ? src->wait : default_wait;
		if (src->match) {
			r->kind = CCM_MSG_QUEUE_WAITED;
			rc = add_pattern(r, src, "match", src->match, err,
					 errlen);
		} else if (src->start && src->end) {
			r->kind = CCM_MSG_QUEUE_START;
			rc = add_pattern(r, src, "start", src->start, err,
					 errlen);
			if (!rc)
				rc = add_pattern(r, src, "end", src->end, err,
						 errlen);
		} else {
			snprintf(err, errlen, "queue_lines.c: [latency %s] has"
				 " neither match nor start and end", src->name);
			rc = -1;
		}
		if (rc) {
			ccm_queue_lines_free(q);
			return NULL;
		}
		add_literal(q, src->match ? src->match : src->start);
		if (!src->match)
			add_literal(q, src->end);
	}
	return q;
}

static struct ccm_span group(const struct pattern *p, const char *line,
			     int g)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	struct ccm_span s = { line, 0 };

	if (g >= 0 && ov[2 * g] != PCRE2_UNSET) {
		s.p = line + ov[2 * g];
		s.n = ov[2 * g + 1] - ov[2 * g];
	}
	return s;
}

enum ccm_msg_kind ccm_queue_recognize(struct ccm_queue_lines *q,
				      const char *line, size_t len,
				      struct ccm_logmsg *msg)
{
	memset(msg, 0, sizeof(*msg));
	for (size_t i = 0; q && i < q->n; i++) {
		const struct qrule *r = &q->rules[i];

		for (size_t k = 0; k < r->npats; k++) {
			const struct pattern *p = &r->pats[k];
			struct ccm_span c;

			if (pcre2_match(p->code, (PCRE2_SPTR)line, len, 0, 0,
					p->md, q->mctx) < 0)
				continue; /* no match, or a limit: not ours */
			c = group(p, line, p->g_comp);
			/* the sentence's full stop is not the name's */
			while (c.n > 1 && (c.p[c.n - 1] == '.' ||
					   c.p[c.n - 1] == ',' ||
					   c.p[c.n - 1] == ';' ||
					   c.p[c.n - 1] == ':'))
				c.n--;
			if (!c.n)
				continue;
			msg->kind = k ? CCM_MSG_QUEUE_END : r->kind;
			msg->component = c;
			msg->key = group(p, line, p->g_key);
			msg->rule = (unsigned)i;
			msg->wait = r->kind == CCM_MSG_QUEUE_WAITED ? r->wait : 0;
			return msg->kind;
		}
	}
	return CCM_MSG_NONE;
}

/* The earliest literal i in [from, end). */
static const char *find_literal(const struct ccm_queue_lines *q, size_t i,
				const char *from, const char *end)
{
	const char *lit = q->lits[i];
	size_t n = q->lit_len[i], k = q->lit_rare[i];

	if (k == n)
		return memmem(from, (size_t)(end - from), lit, n);
	if ((size_t)(end - from) < n)
		return NULL;
	/* each round moves p on: bounded by end */
	for (const char *p = from + k;
	     p < end && (p = memchr(p, lit[k], (size_t)(end - p))); p++) {
		if ((size_t)(end - (p - k)) < n)
			return NULL;
		if (!memcmp(p - k, lit, n))
			return p - k;
	}
	return NULL;
}

void ccm_queue_filter_start(struct ccm_queue_filter *f,
			    const struct ccm_queue_lines *q, const char *buf,
			    size_t len)
{
	f->q = q && q->n ? q : NULL;
	f->end = buf + len;
	memset(f->known, 0, sizeof(f->known));
}

const char *ccm_queue_filter_from(struct ccm_queue_filter *f,
				  const char *from)
{
	const struct ccm_queue_lines *q = f->q;
	const char *best = NULL;

	if (!q)
		return NULL;
	if (q->every_line)
		return from;
	/* each literal's next occurrence is kept until passed: the region
	 * is read once per literal, however dense the others' */
	for (size_t i = 0; i < q->nlits; i++) {
		if (!f->known[i] || (f->next[i] && f->next[i] < from)) {
			f->next[i] = from < f->end ?
				find_literal(q, i, from, f->end) : NULL;
			f->known[i] = true;
		}
		if (f->next[i] && (!best || f->next[i] < best))
			best = f->next[i];
	}
	return best;
}
