/* SPDX-License-Identifier: ISC */
/* Cleaning text for parsers and for people (agent/util/text_clean.h).
 *
 * Written here rather than taken from libunistring or GLib: the decoder is
 * thirty lines, the display classes are ccmon's own choice (neither library
 * has "what a terminal must not see" as one test), and GLib's
 * g_utf8_make_valid() replaces byte by byte, not by maximal subpart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/util/text_clean.h"

#define REPL_LEN 3

size_t ccm_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp,
		       size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	*bad = 1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07u;
	} else {
		return 0; /* continuation byte, C0, C1, F5..FF */
	}
	/* The second byte's range excludes overlongs (E0, F0), surrogates
	 * (ED) and values over U+10FFFF (F4). */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i; /* the maximal subpart: what was valid */
			return 0;
		}
		c = c << 6 | (s[i] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return len;
}

size_t ccm_utf8_incomplete_tail(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t bad;

	for (size_t k = 1; k <= 3 && k <= n; k++) {
		const unsigned char *q = p + n - k;

		if (*q >= 0x80 && *q <= 0xbf)
			continue; /* a continuation: its lead is further back */
		return *q >= 0xc2 && *q <= 0xf4 &&
		       !ccm_utf8_decode(q, k, &cp, &bad) && bad == k ? k : 0;
	}
	return 0;
}

bool ccm_text_hidden(uint32_t cp, enum ccm_text_mode mode)
{
	if (mode == CCM_TEXT_UTF8)
		return false;
	if (cp < 0x20)
		return !(mode == CCM_TEXT_DISPLAY_NL &&
			 (cp == '\t' || cp == '\n'));
	return (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfffe ||
	       cp == 0xffff;
}

/* The next piece of s: *len bytes, kept as they are or replaced. */
static bool next_piece(const unsigned char *s, size_t n,
		       enum ccm_text_mode mode, size_t *len)
{
	uint32_t cp;
	size_t bad;

	*len = ccm_utf8_decode(s, n, &cp, &bad);
	if (!*len) {
		*len = bad;
		return false;
	}
	return !ccm_text_hidden(cp, mode);
}

bool ccm_text_is_clean(const char *s, size_t n, enum ccm_text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n) {
		if (!next_piece(p + i, n - i, mode, &len))
			return false;
		i += len;
	}
	return true;
}

size_t ccm_text_clean_into(char *dst, size_t size, const char *s, size_t n,
			   enum ccm_text_mode mode, bool *cut)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, len;

	if (cut)
		*cut = false;
	while (i < n) {
		bool keep = next_piece(p + i, n - i, mode, &len);
		size_t out = keep ? len : REPL_LEN;

		if (o + out >= size) {
			if (cut)
				*cut = true;
			break;
		}
		memcpy(dst + o, keep ? s + i : CCM_TEXT_REPLACEMENT, out);
		o += out;
		i += len;
	}
	dst[o] = '\0';
	return o;
}

char *ccm_text_clean(const char *s, size_t n, enum ccm_text_mode mode,
		     size_t *len)
{
	size_t size, o;
	char *t;

	if (n > (SIZE_MAX - 1) / REPL_LEN)
		return NULL;
	size = REPL_LEN * n + 1;
	t = malloc(size);
	if (!t)
		return NULL;
	o = ccm_text_clean_into(t, size, s, n, mode, NULL);
	if (len)
		*len = o;
	return t;
}

char *ccm_text_clean_str(const char *s, enum ccm_text_mode mode)
{
	return s ? ccm_text_clean(s, strlen(s), mode, NULL) : NULL;
}

/* FNV-1a: distinct names, distinct marks; not a defence against anyone
 * crafting collisions, which would only merge two names' alarms. */
static uint32_t digest(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

bool ccm_text_resource(const char *name,
		       char out[static CCM_TEXT_RESOURCE_MAX + 1])
{
	size_t n = name ? strlen(name) : 0;
	char mark[64];
	size_t room, o;
	bool cut;

	if (!n) {
		snprintf(out, CCM_TEXT_RESOURCE_MAX + 1, "(no name)");
		return true;
	}
	if (n <= CCM_TEXT_RESOURCE_MAX &&
	    ccm_text_is_clean(name, n, CCM_TEXT_DISPLAY)) {
		memcpy(out, name, n + 1);
		return false;
	}
	/* the mark's length does not depend on the cut: measure it long */
	snprintf(mark, sizeof(mark), "... [cut from %zu bytes #%08x]", n,
		 (unsigned)digest(name, n));
	room = CCM_TEXT_RESOURCE_MAX + 1 - strlen(mark);
	o = ccm_text_clean_into(out, room, name, n, CCM_TEXT_DISPLAY, &cut);
	if (!cut)
		snprintf(mark, sizeof(mark), " [cleaned #%08x]",
			 (unsigned)digest(name, n));
	memcpy(out + o, mark, strlen(mark) + 1);
	return true;
}
