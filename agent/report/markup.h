/* SPDX-License-Identifier: ISC */
/* Text in the HTML report and its SVG picture, written the same way by
 * both: escaped names, times, the words for an impact kind. */
#ifndef CCM_REPORT_MARKUP_H
#define CCM_REPORT_MARKUP_H

#include <stdio.h>

#include "agent/core/alarm.h"
#include "parsers/timestamp.h"

/* Text for HTML content or a quoted attribute value.  Names come from
 * logs: & < > " ' are escaped, and what the display rule of
 * agent/util/text_clean.h hides (ill-formed UTF-8, one U+FFFD per maximal
 * subpart; controls but tab and newline; bidi controls) becomes U+FFFD,
 * so no input can end an element, make the document ill-formed or
 * reorder what it shows. */
void ccm_html_escape(FILE *out, const char *s);
void ccm_html_escape_n(FILE *out, const char *s, size_t n);

/* What an impact kind means to a reader: "IM blocked", ... */
const char *ccm_html_impact_label(enum ccm_alarm_type kind);

/* "2026-11-02 23:58:02.117": a time as a reader reads it; returns buf. */
const char *ccm_html_when(ccm_ms t, char buf[static CCM_TIME_STRLEN]);

#endif
