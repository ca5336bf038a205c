/* SPDX-License-Identifier: ISC */
#include <stdint.h>
#include <string.h>

#include "agent/report/markup.h"
#include "agent/util/text_clean.h"

void ccm_html_escape_n(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		uint32_t cp;
		size_t bad, len = ccm_utf8_decode(p, (size_t)(end - p), &cp,
						  &bad);

		/* the display rule of every human output: one U+FFFD per
		 * ill-formed sequence and per control (agent/util/text_clean.h) */
		if (!len || ccm_text_hidden(cp, CCM_TEXT_DISPLAY_NL)) {
			fputs(CCM_TEXT_REPLACEMENT, out);
			p += len ? len : bad;
			continue;
		}
		if (len > 1) {
			fwrite(p, 1, len, out);
			p += len;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*p, out);
		}
		p++;
	}
}

void ccm_html_escape(FILE *out, const char *s)
{
	ccm_html_escape_n(out, s, strlen(s));
}


const char *ccm_html_impact_label(enum ccm_alarm_type k)
{
	switch (k) {
	case CCM_ALARM_MESSAGING_BLOCKED:
		return "IM blocked";
	case CCM_ALARM_GROUP_CHAT_BLOCKED:
		return "group chat blocked";
	case CCM_ALARM_MESSAGING_DEGRADED:
		return "IM degraded, logins delayed";
	case CCM_ALARM_LOGGING_LOST:
		return "logging lost";
	default:
		return ccm_alarm_type_info(k)->id;
	}
}

const char *ccm_html_when(ccm_ms t, char buf[static CCM_TIME_STRLEN])
{
	ccm_time_format(t, buf);
	buf[10] = ' ';
	return buf;
}
