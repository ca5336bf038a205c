/* SPDX-License-Identifier: ISC */
/* Recognition of the XCP Router component messages with PCRE2.
 *
 * Matching is in byte mode (no PCRE2_UTF): router logs carry stanzas in any
 * encoding and the occasional binary garbage, and a UTF check would reject
 * the whole line.  Every pattern is anchored on a literal that the prefilter
 * also looks for, so the regular expressions only ever see candidate lines. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/logline.h"
#include "parsers/queue_lines.h"

/* Lines are bounded (1 MiB by default) and the patterns are linear, so these
 * limits are never reached by real input; they cap the cost of a hostile
 * line instead of trusting the pattern analysis alone. */
#define MATCH_LIMIT 100000
#define DEPTH_LIMIT 1000

/* One alternation so that one pass over a candidate line decides; named
 * groups keep the extraction independent of group numbering. */
static const char PATTERN[] =
	"Component (?<comp>[^\\s\"']+) is (?<state>CONNECTED|ACTIVE|GONE)\\b"
	"|Connecting on fd (?<fd>\\d{1,9}) to host '(?<chost>[^']*)', "
	"port (?<cport>\\d{1,5})\\b"
	"|Unable to connect to host '(?<uhost>[^']*)', port (?<uport>\\d{1,5}) ?"
	":\\((?<errno>\\d{1,9})\\) ?(?<reason>[^\"\\r\\n]*)"
	"|Failed to connect to component (?<fcomp>[^\\s\"']+)";

/* The literals of the prefilter: "omponent " is in both component messages
 * (capital C and small c), " to host '" in both connect messages. */
static const char LIT_COMPONENT[] = "omponent ";
static const char LIT_HOST[] = " to host '";

struct ccm_recognizer {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	bool jit;
	struct ccm_queue_lines *queue;
	uint32_t g_comp, g_state, g_fd, g_chost, g_cport, g_uhost, g_uport,
		g_errno, g_reason, g_fcomp;
};

const char *ccm_state_name(enum ccm_state state)
{
	static const char *const names[CCM_STATE_COUNT] = {
		[CCM_STATE_UNKNOWN] = "unknown",
		[CCM_STATE_CONNECTED] = "connected",
		[CCM_STATE_ACTIVE] = "active",
		[CCM_STATE_GONE] = "gone",
	};
	return (unsigned)state < CCM_STATE_COUNT ? names[state] : "invalid";
}

static int group(struct ccm_recognizer *rec, const char *name, uint32_t *out,
		 char *err, size_t errlen)
{
	int n = pcre2_substring_number_from_name(rec->code,
						 (PCRE2_SPTR)name);
	if (n < 0) {
		snprintf(err, errlen, "logline.c: pattern lacks group %s", name);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

struct ccm_recognizer *ccm_recognizer_new(char *err, size_t errlen)
{
	struct ccm_recognizer *rec = calloc(1, sizeof(*rec));
	int code;
	PCRE2_SIZE off;

	if (!rec) {
		snprintf(err, errlen, "logline.c: out of memory");
		return NULL;
	}
	rec->code = pcre2_compile((PCRE2_SPTR)PATTERN, PCRE2_ZERO_TERMINATED,
				  0, &code, &off, NULL);
	if (!rec->code) {
		char msg[160];
		pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
		snprintf(err, errlen, "logline.c: pattern offset %zu: %s",
			 (size_t)off, msg);
		goto fail;
	}
	/* JIT fails where W^X is enforced (MemoryDenyWriteExecute=yes);
	 * the interpreter then gives the same answers, only slower. */
	rec->jit = pcre2_jit_compile(rec->code, PCRE2_JIT_COMPLETE) == 0;
	rec->md = pcre2_match_data_create_from_pattern(rec->code, NULL);
	rec->mctx = pcre2_match_context_create(NULL);
	if (!rec->md || !rec->mctx) {
		snprintf(err, errlen, "logline.c: out of memory");
		goto fail;
	}
	pcre2_set_match_limit(rec->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(rec->mctx, DEPTH_LIMIT);
	if (group(rec, "comp", &rec->g_comp, err, errlen) ||
	    group(rec, "state", &rec->g_state, err, errlen) ||
	    group(rec, "fd", &rec->g_fd, err, errlen) ||
	    group(rec, "chost", &rec->g_chost, err, errlen) ||
	    group(rec, "cport", &rec->g_cport, err, errlen) ||
	    group(rec, "uhost", &rec->g_uhost, err, errlen) ||
	    group(rec, "uport", &rec->g_uport, err, errlen) ||
	    group(rec, "errno", &rec->g_errno, err, errlen) ||
	    group(rec, "reason", &rec->g_reason, err, errlen) ||
	    group(rec, "fcomp", &rec->g_fcomp, err, errlen))
		goto fail;
	return rec;
fail:
	ccm_recognizer_free(rec);
	return NULL;
}

void ccm_recognizer_free(struct ccm_recognizer *rec)
{
	if (!rec)
		return;
	pcre2_match_context_free(rec->mctx);
	pcre2_match_data_free(rec->md);
	pcre2_code_free(rec->code);
	ccm_queue_lines_free(rec->queue);
	free(rec);
}

void ccm_recognizer_set_queue(struct ccm_recognizer *rec,
			      struct ccm_queue_lines *q)
{
	ccm_queue_lines_free(rec->queue);
	rec->queue = q;
}

enum ccm_msg_kind ccm_recognize_queue(struct ccm_recognizer *rec,
				      const char *line, size_t len,
				      struct ccm_logmsg *msg)
{
	if (!rec->queue) {
		memset(msg, 0, sizeof(*msg));
		return CCM_MSG_NONE;
	}
	return ccm_queue_recognize(rec->queue, line, len, msg);
}

const struct ccm_queue_lines *ccm_recognizer_queue(
	const struct ccm_recognizer *rec)
{
	return rec->queue;
}

bool ccm_recognizer_jit(const struct ccm_recognizer *rec)
{
	return rec->jit;
}

/* The search for the literals.  glibc's memmem builds a shift table at
 * every call, and candidate lines can be dense (a third of the lines in a
 * chatty trace mention some "component"), so that set-up, not the scan,
 * came to dominate.  Instead a vector filter looks, 16 positions at a time,
 * for a rare byte pair of each literal ("m..n" of "omponent ", " '" of
 * " to host '") and memcmp confirms.  Vector extensions keep it portable:
 * SSE2 on x86-64, NEON on arm64, scalar code elsewhere. */
struct literal {
	const char *text;
	size_t len;
};

/* find_literal() filters on bytes 1 and 4 of the first ("m", "n": the
 * pair that occurs least elsewhere in a trace; "mp" of every
 * "example.com" made seven times as many false hits), 8 and 9 of the
 * second. */
static const struct literal LITERALS[CCM_PREFILTER_LITERALS] = {
	{ LIT_COMPONENT, sizeof(LIT_COMPONENT) - 1 },
	{ LIT_HOST, sizeof(LIT_HOST) - 1 },
};

typedef char v16 __attribute__((vector_size(16)));

static v16 load16(const char *p)
{
	v16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static v16 splat(char ch)
{
	v16 v;

	memset(&v, ch, sizeof(v));
	return v;
}

/* Bit j set where byte j of m is (all ones, as comparisons give). */
static unsigned mask16(v16 m)
{
#ifdef __SSE2__
	return (unsigned)_mm_movemask_epi8((__m128i)m);
#else
	unsigned bits = 0;

	for (int j = 0; j < 16; j++)
		bits |= (unsigned)(m[j] != 0) << j;
	return bits;
#endif
}

/* Whether a literal starts at p (p + its length is within end). */
static bool literal_at(const char *p, const char *end)
{
	for (int i = 0; i < CCM_PREFILTER_LITERALS; i++) {
		const struct literal *l = &LITERALS[i];
		if ((size_t)(end - p) >= l->len && !memcmp(p, l->text, l->len))
			return true;
	}
	return false;
}

static const char *find_literal(const char *p, const char *end)
{
	/* the filter reads up to 16 + 9 bytes from p */
	const size_t reach = 16 + 9;
	const v16 c0a = splat(LIT_COMPONENT[1]), c0b = splat(LIT_COMPONENT[4]);
	const v16 c1a = splat(LIT_HOST[8]), c1b = splat(LIT_HOST[9]);

	while ((size_t)(end - p) >= reach) {
		v16 m = ((load16(p + 1) == c0a) & (load16(p + 4) == c0b)) |
			((load16(p + 8) == c1a) & (load16(p + 9) == c1b));

		for (unsigned bits = mask16(m); bits; bits &= bits - 1) {
			int j = __builtin_ctz(bits);

			if (literal_at(p + j, end))
				return p + j;
		}
		p += 16;
	}
	/* the tail, under 25 bytes: short lines live here, one in three a
	 * candidate, so the first byte decides before any memcmp */
	for (; p < end; p++)
		if ((*p == LIT_COMPONENT[0] || *p == LIT_HOST[0]) &&
		    literal_at(p, end))
			return p;
	return NULL;
}

void ccm_prefilter_start(struct ccm_prefilter *pf, const char *buf,
			 size_t len)
{
	pf->end = buf + len;
	pf->next = buf;
	pf->known = false;
}

const char *ccm_prefilter_from(struct ccm_prefilter *pf, const char *from)
{
	if (!pf->known || (pf->next && pf->next < from)) {
		pf->next = find_literal(from, pf->end);
		pf->known = true;
	}
	return pf->next;
}

/* PCRE2's \s without UTF or UCP: the C locale's spaces */
static bool is_name_byte(char c)
{
	return !(c == ' ' || (c >= '\t' && c <= '\r') || c == '"' ||
		 c == '\'');
}

static bool ends_with(const char *line, const char *at, const char *lit,
		      size_t n)
{
	return (size_t)(at - line) >= n && !memcmp(at - n, lit, n);
}

#define LIT(s) s, sizeof(s) - 1

static bool is_word_byte(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '_';
}

/* lit at p, then a word boundary (\b) */
static bool word_at(const char *p, const char *end, const char *lit,
		    size_t n)
{
	return (size_t)(end - p) >= n && !memcmp(p, lit, n) &&
	       (p + n == end || !is_word_byte(p[n]));
}

/* After the opening quote of a host at p: "[^']*', port " and a run of 1
 * to 5 digits (the pattern's \d{1,5}, which a sixth digit defeats, as
 * what must follow is no digit).  The end of the digits, or NULL. */
static const char *port_digits(const char *p, const char *end)
{
	const char *d;

	if ((size_t)(end - p) < 8 || memcmp(p, "', port ", 8))
		return NULL;
	d = p += 8;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p > d && p - d <= 5 ? p : NULL;
}

static const char *host_port(const char *p, const char *end)
{
	for (; p < end && *p != '\n'; p++)
		if (*p == '\'')
			return port_digits(p, end);
	return NULL;
}

/* Whether the literal found at hit can belong to a match of PATTERN: what
 * must stand around it in each alternative, checked by hand because most
 * lines that mention a component are none of these messages and a
 * regular expression costs ten times as much.  Never false for a line
 * PATTERN matches there, so the answers are PCRE2's. */
static bool plausible(const char *line, const char *hit, const char *end)
{
	const char *p;

	if (hit[0] == 'o') { /* "omponent " */
		p = hit + sizeof(LIT_COMPONENT) - 1;
		if (p == end || !is_name_byte(*p))
			return false;
		if (ends_with(line, hit, LIT("Failed to connect to c")))
			return true;
		if (hit == line || hit[-1] != 'C')
			return false;
		for (; p < end; p++)
			if (!is_name_byte(*p))
				break;
		if ((size_t)(end - p) < 4 || memcmp(p, " is ", 4))
			return false;
		p += 4;
		return word_at(p, end, LIT("CONNECTED")) ||
		       word_at(p, end, LIT("ACTIVE")) ||
		       word_at(p, end, LIT("GONE"));
	}
	/* " to host '" */
	if (ends_with(line, hit, LIT("Unable to connect"))) {
		/* then " ?:\(" */
		p = host_port(hit + sizeof(LIT_HOST) - 1, end);
		if (p && p < end && *p == ' ')
			p++;
		return p && (size_t)(end - p) >= 2 && !memcmp(p, ":(", 2);
	}
	p = hit;
	while (p > line && p[-1] >= '0' && p[-1] <= '9' && hit - p < 9)
		p--;
	if (p == hit || !ends_with(line, p, LIT("Connecting on fd ")))
		return false;
	/* then \b */
	p = host_port(hit + sizeof(LIT_HOST) - 1, end);
	return p && (p == end || !is_word_byte(*p));
}

const char *ccm_prefilter_line(struct ccm_prefilter *pf, const char *from)
{
	const char *hit = ccm_prefilter_from(pf, from);

	/* The region stands for the line: plausible() looks around hit only
	 * for literals and runs of name bytes or digits, none of which holds
	 * a newline, so it stops at the line's ends by itself.  Each round
	 * moves hit on: bounded by the region. */
	while (hit) {
		if (plausible(from, hit, pf->end))
			return hit;
		hit = ccm_prefilter_from(pf, hit + 1);
	}
	return NULL;
}

static bool span(const struct ccm_recognizer *rec, const char *line,
		 uint32_t g, struct ccm_span *out)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rec->md);

	if (ov[2 * g] == PCRE2_UNSET)
		return false;
	out->p = line + ov[2 * g];
	out->n = ov[2 * g + 1] - ov[2 * g];
	return true;
}

/* Digits were matched with a bounded \d{1,9}: no overflow possible. */
static unsigned number(struct ccm_span s)
{
	unsigned v = 0;
	for (size_t i = 0; i < s.n; i++)
		v = v * 10 + (unsigned)(s.p[i] - '0');
	return v;
}

static bool is_sentence_punct(char c)
{
	return c == '.' || c == ',' || c == ';' || c == ':';
}

static struct ccm_span trim_right(struct ccm_span s)
{
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

enum ccm_msg_kind ccm_recognize(struct ccm_recognizer *rec, const char *line,
				size_t len, struct ccm_logmsg *msg)
{
	struct ccm_prefilter pf;
	struct ccm_span s;
	const char *hit;
	int rc;

	memset(msg, 0, sizeof(*msg));
	ccm_prefilter_start(&pf, line, len);
	for (hit = ccm_prefilter_from(&pf, line);
	     hit && !plausible(line, hit, line + len);
	     hit = ccm_prefilter_from(&pf, hit + 1))
		;
	if (!hit)
		return CCM_MSG_NONE;
	rc = pcre2_match(rec->code, (PCRE2_SPTR)line, len, 0, 0, rec->md,
			 rec->mctx);
	if (rc < 0)
		return CCM_MSG_NONE; /* no match, or a limit hit: not ours */

	if (span(rec, line, rec->g_state, &s)) {
		msg->kind = CCM_MSG_COMPONENT_STATE;
		span(rec, line, rec->g_comp, &msg->component);
		msg->state = s.p[0] == 'C' ? CCM_STATE_CONNECTED :
			     s.p[0] == 'A' ? CCM_STATE_ACTIVE : CCM_STATE_GONE;
	} else if (span(rec, line, rec->g_cport, &s)) {
		msg->kind = CCM_MSG_CONNECTING;
		msg->port = number(s);
		span(rec, line, rec->g_chost, &msg->host);
		span(rec, line, rec->g_fd, &s);
		msg->fd = (int)number(s);
	} else if (span(rec, line, rec->g_uport, &s)) {
		msg->kind = CCM_MSG_CONNECT_FAILED;
		msg->port = number(s);
		span(rec, line, rec->g_uhost, &msg->host);
		span(rec, line, rec->g_errno, &s);
		msg->err = (int)number(s);
		span(rec, line, rec->g_reason, &msg->reason);
		msg->reason = trim_right(msg->reason);
	} else if (span(rec, line, rec->g_fcomp, &msg->component)) {
		msg->kind = CCM_MSG_COMPONENT_FAILED;
	}
	if (msg->port > 65535) {
		msg->kind = CCM_MSG_NONE;
		return CCM_MSG_NONE;
	}
	if (msg->kind != CCM_MSG_COMPONENT_STATE &&
	    msg->kind != CCM_MSG_COMPONENT_FAILED)
		return msg->kind;
	/* Trailing punctuation is the sentence's, not the name's. */
	while (msg->component.n > 1 &&
	       is_sentence_punct(msg->component.p[msg->component.n - 1]))
		msg->component.n--;
	return msg->kind;
}
