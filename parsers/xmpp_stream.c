/* SPDX-License-Identifier: ISC */
/* The server's side of a component stream, byte by byte.
 *
 * A tag is gathered whole (up to CCM_XS_TAG_MAX) and then read: a probe's
 * answers are a few short tags, and reading a complete tag is simpler to get
 * right than a character-level XML state machine.  Quotes are tracked while
 * gathering so that a '>' inside an attribute value does not end the tag. */
#include <stdint.h>
#include <string.h>

#include "parsers/xmpp_stream.h"

#define STR_(x) #x
#define STR(x) STR_(x)

enum child {
	CHILD_NONE = 0,
	CHILD_OTHER,
	CHILD_HANDSHAKE,
	CHILD_ERROR,
};

struct span {
	const char *p;
	size_t n;
};

const char *ccm_xs_status_name(enum ccm_xs_status status)
{
	switch (status) {
	case CCM_XS_MORE:
		return "more";
	case CCM_XS_HEADER:
		return "header";
	case CCM_XS_HANDSHAKE_OK:
		return "handshake-ok";
	case CCM_XS_ERROR:
		return "error";
	case CCM_XS_END:
		return "end";
	case CCM_XS_BAD:
		return "bad";
	}
	return "invalid";
}

void ccm_xs_init(struct ccm_xs *xs)
{
	memset(xs, 0, sizeof(*xs));
	xs->status = CCM_XS_MORE;
}

static bool is_final(enum ccm_xs_status st)
{
	return st != CCM_XS_MORE && st != CCM_XS_HEADER;
}

static enum ccm_xs_status bad(struct ccm_xs *xs, const char *why)
{
	xs->status = CCM_XS_BAD;
	xs->reason = why;
	return CCM_XS_BAD;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ASCII only: the names a probe cares about are ASCII, and refusing the
 * rest keeps every name we copy printable. */
static bool is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       c == ':';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.';
}

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static struct span name_at(const char *t, size_t n, size_t *pos)
{
	size_t start = *pos;

	if (*pos < n && is_name_start(t[*pos])) {
		(*pos)++;
		while (*pos < n && is_name_char(t[*pos]))
			(*pos)++;
	}
	return (struct span){ t + start, *pos - start };
}

static void skip_ws(const char *t, size_t n, size_t *pos)
{
	while (*pos < n && is_ws(t[*pos]))
		(*pos)++;
}

/* "a:b" -> "a" and "b"; a name without a usable colon has no prefix. */
static void split(struct span name, struct span *prefix, struct span *local)
{
	const char *colon = memchr(name.p, ':', name.n);

	if (colon && colon > name.p && colon < name.p + name.n - 1) {
		*prefix = (struct span){ name.p, (size_t)(colon - name.p) };
		*local = (struct span){ colon + 1,
					name.n - prefix->n - 1 };
	} else {
		*prefix = (struct span){ name.p, 0 };
		*local = name;
	}
}

static void copy_span(char *dst, size_t size, struct span s)
{
	size_t n = s.n < size - 1 ? s.n : size - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The body of "&...;" (without & and ;) as a character, or -1. */
static int entity(struct span e, char out[4], size_t *len)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' },
		{ "quot", '"' }, { "apos", '\'' },
	};
	uint32_t cp = 0;
	size_t i = 1;
	bool hex;

	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		if (span_is(e, named[k].name)) {
			out[0] = named[k].c;
			*len = 1;
			return 0;
		}
	}
	if (e.n < 2 || e.p[0] != '#')
		return -1;
	hex = e.p[1] == 'x';
	if (hex)
		i = 2;
	if (i == e.n)
		return -1;
	for (; i < e.n; i++) {
		char c = e.p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		cp = cp * (hex ? 16 : 10) + d;
		if (cp > 0x10ffff)
			return -1;
	}
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = utf8_encode(cp, out);
	return 0;
}

/* Decodes an attribute value into out, NUL-terminated, truncating what does
 * not fit.  Returns 0, -1 when an entity is malformed, -2 when truncated. */
static int decode(struct span v, char *out, size_t size)
{
	size_t o = 0;
	int rc = 0;

	for (size_t i = 0; i < v.n;) {
		char ch[4];
		size_t len = 1;

		if (v.p[i] != '&') {
			ch[0] = v.p[i++];
		} else {
			const char *semi = memchr(v.p + i, ';', v.n - i);
			struct span e;

			if (!semi)
				return -1;
			e.p = v.p + i + 1;
			e.n = (size_t)(semi - e.p);
			if (entity(e, ch, &len))
				return -1;
			i = (size_t)(semi - v.p) + 1;
		}
		if (rc || o + len >= size) {
			rc = -2;
			continue;
		}
		memcpy(out + o, ch, len);
		o += len;
	}
	out[o] = '\0';
	return rc;
}

static bool is_stream_name(const struct ccm_xs *xs, struct span name,
			   const char *local)
{
	size_t pn = strlen(xs->prefix), ln = strlen(local);

	if (!pn)
		return span_is(name, local);
	return name.n == pn + 1 + ln && memcmp(name.p, xs->prefix, pn) == 0 &&
	       name.p[pn] == ':' && memcmp(name.p + pn + 1, local, ln) == 0;
}

struct header_attrs {
	struct span id, from, ns, prefix_ns;
	bool have_id, have_from, have_ns, have_prefix_ns;
};

static void note_header_attr(struct header_attrs *h, struct span prefix,
			     struct span an, struct span av)
{
	if (span_is(an, "id")) {
		h->id = av;
		h->have_id = true;
	} else if (span_is(an, "from")) {
		h->from = av;
		h->have_from = true;
	} else if (span_is(an, "xmlns")) {
		h->ns = av;
		h->have_ns = true;
	} else if (prefix.n && an.n == 6 + prefix.n &&
		   memcmp(an.p, "xmlns:", 6) == 0 &&
		   memcmp(an.p + 6, prefix.p, prefix.n) == 0) {
		h->prefix_ns = av;
		h->have_prefix_ns = true;
	}
}

static enum ccm_xs_status header(struct ccm_xs *xs, struct span prefix,
				 struct span local,
				 const struct header_attrs *h, bool selfclose)
{
	char ns[CCM_XS_NAME_MAX];
	bool bound;

	if (!span_is(local, "stream") || prefix.n >= sizeof(xs->prefix))
		return bad(xs, "the first element is not a stream header");
	/* The prefix must be bound to the streams namespace; a bare
	 * "stream:" passes too, as sloppy servers omit the declaration. */
	if (prefix.n && h->have_prefix_ns)
		bound = decode(h->prefix_ns, ns, sizeof(ns)) == 0 &&
			strcmp(ns, CCM_XS_NS_STREAMS) == 0;
	else if (prefix.n)
		bound = span_is(prefix, "stream");
	else
		bound = h->have_ns && decode(h->ns, ns, sizeof(ns)) == 0 &&
			strcmp(ns, CCM_XS_NS_STREAMS) == 0;
	if (!bound)
		return bad(xs, "the first element is not a stream header");
	if (h->have_id) {
		int rc = decode(h->id, xs->id, sizeof(xs->id));

		if (rc == -2)
			return bad(xs, "stream id of " STR(CCM_XS_ID_MAX)
				   " bytes or more");
		if (rc)
			return bad(xs, "malformed entity in the stream header");
		xs->have_id = xs->id[0] != '\0';
	}
	if ((h->have_from &&
	     decode(h->from, xs->from, sizeof(xs->from)) == -1) ||
	    (h->have_ns && decode(h->ns, xs->ns, sizeof(xs->ns)) == -1))
		return bad(xs, "malformed entity in the stream header");
	copy_span(xs->prefix, sizeof(xs->prefix), prefix);
	xs->header = true;
	xs->depth = 1;
	xs->status = CCM_XS_HEADER;
	if (selfclose) {
		xs->depth = 0;
		xs->status = CCM_XS_END;
	}
	return xs->status;
}

static enum ccm_xs_status close_child(struct ccm_xs *xs)
{
	int child = xs->child;

	xs->child = CHILD_NONE;
	if (child == CHILD_HANDSHAKE)
		xs->status = CCM_XS_HANDSHAKE_OK;
	else if (child == CHILD_ERROR)
		xs->status = CCM_XS_ERROR;
	return xs->status;
}

static enum ccm_xs_status start_tag(struct ccm_xs *xs, const char *t,
				    size_t n)
{
	struct header_attrs h = { 0 };
	struct span name, prefix, local;
	bool selfclose = false;
	size_t pos = 0;

	name = name_at(t, n, &pos);
	if (!name.n)
		return bad(xs, "malformed tag");
	split(name, &prefix, &local);
	for (;;) {
		size_t ws = pos;
		struct span an, av;
		char q;

		skip_ws(t, n, &pos);
		if (pos == n)
			break;
		if (t[pos] == '/' && pos == n - 1) {
			selfclose = true;
			break;
		}
		if (pos == ws)
			return bad(xs, "malformed tag");
		an = name_at(t, n, &pos);
		if (!an.n)
			return bad(xs, "malformed tag");
		skip_ws(t, n, &pos);
		if (pos == n || t[pos] != '=')
			return bad(xs, "malformed tag");
		pos++;
		skip_ws(t, n, &pos);
		if (pos == n || (t[pos] != '\'' && t[pos] != '"'))
			return bad(xs, "malformed tag");
		q = t[pos++];
		av.p = t + pos;
		while (pos < n && t[pos] != q) {
			if (t[pos] == '<')
				return bad(xs, "malformed tag");
			pos++;
		}
		if (pos == n)
			return bad(xs, "malformed tag");
		av.n = (size_t)(t + pos - av.p);
		pos++;
		if (xs->depth == 0)
			note_header_attr(&h, prefix, an, av);
	}

	if (xs->depth == 0)
		return header(xs, prefix, local, &h, selfclose);
	if (xs->depth == 1) {
		if (span_is(name, "handshake"))
			xs->child = CHILD_HANDSHAKE;
		else if (is_stream_name(xs, name, "error"))
			xs->child = CHILD_ERROR;
		else
			xs->child = CHILD_OTHER;
		if (selfclose)
			return close_child(xs);
		xs->depth++;
		return xs->status;
	}
	if (xs->depth == 2 && xs->child == CHILD_ERROR &&
	    !span_is(local, "text")) {
		copy_span(xs->condition, sizeof(xs->condition), local);
		xs->status = CCM_XS_ERROR;
		return xs->status;
	}
	if (!selfclose)
		xs->depth++;
	return xs->status;
}

static enum ccm_xs_status end_tag(struct ccm_xs *xs, const char *t, size_t n)
{
	size_t pos = 1;
	struct span name = name_at(t, n, &pos);

	skip_ws(t, n, &pos);
	if (!name.n || pos != n)
		return bad(xs, "malformed end tag");
	switch (xs->depth) {
	case 0:
		return bad(xs, "end tag before the stream header");
	case 1:
		if (!is_stream_name(xs, name, "stream"))
			return bad(xs, "end tag that closes no open element");
		xs->depth = 0;
		xs->status = CCM_XS_END;
		return xs->status;
	case 2:
		xs->depth = 1;
		return close_child(xs);
	default:
		xs->depth--;
		return xs->status;
	}
}

static enum ccm_xs_status pi(struct ccm_xs *xs, const char *t, size_t n)
{
	size_t pos = 1;
	struct span target = name_at(t, n, &pos);

	if (n < 2 || t[n - 1] != '?' || !target.n ||
	    (pos != n - 1 && !is_ws(t[pos])))
		return bad(xs, "malformed processing instruction");
	if (!span_is(target, "xml") || xs->header || xs->decl_seen)
		return bad(xs, "processing instruction in the stream");
	xs->decl_seen = true;
	return xs->status;
}

static enum ccm_xs_status tag(struct ccm_xs *xs)
{
	const char *t = xs->tag;
	size_t n = xs->taglen;

	if (n == 0)
		return bad(xs, "malformed tag");
	if (t[0] == '?')
		return pi(xs, t, n);
	if (t[0] == '/')
		return end_tag(xs, t, n);
	return start_tag(xs, t, n);
}

enum ccm_xs_status ccm_xs_feed(struct ccm_xs *xs, const void *buf, size_t len)
{
	const char *p = buf;

	for (size_t i = 0; i < len && !is_final(xs->status); i++) {
		char c = p[i];

		if (++xs->total > CCM_XS_MAX_INPUT)
			return bad(xs, "more than " STR(CCM_XS_MAX_INPUT)
				   " bytes without a final answer");
		if (c == '\0')
			return bad(xs, "NUL byte");
		if (!xs->in_tag) {
			if (c == '<') {
				xs->in_tag = true;
				xs->taglen = 0;
				xs->quote = 0;
			} else if (xs->depth == 0 && !is_ws(c)) {
				return bad(xs,
					   "not XML: text outside the stream");
			}
			continue;
		}
		if (xs->quote) {
			if (c == xs->quote)
				xs->quote = 0;
		} else if (c == '>') {
			xs->in_tag = false;
			tag(xs);
			continue;
		} else if (c == '<') {
			return bad(xs, "malformed tag");
		} else if (c == '\'' || c == '"') {
			xs->quote = c;
		} else if (c == '!' && xs->taglen == 0) {
			return bad(xs, "comment, CDATA or DTD in the stream");
		}
		if (xs->taglen == sizeof(xs->tag))
			return bad(xs, "tag longer than " STR(CCM_XS_TAG_MAX)
				   " bytes");
		xs->tag[xs->taglen++] = c;
	}
	return xs->status;
}
