/* SPDX-License-Identifier: ISC */
/* "What the NOC received": the alarms ccmond would have sent on the lines
 * analysed, in the text and HTML reports (the JSON's are in
 * agent/report/json.c).  doc/analysis-json.md, alarms, says what the times
 * are. */
#include <stdio.h>

#include "agent/report/markup.h"
#include "agent/report/report.h"

/* "#12 CRITICAL component-down op-cs1...: text" */
static void text_alarm(FILE *out, const struct ccm_alarm_record *r)
{
	char t1[CCM_TIME_STRLEN], t2[CCM_TIME_STRLEN];

	fprintf(out, "  %s .. %s  ", ccm_time_format(r->start, t1),
		r->ended ? ccm_time_format(r->end, t2) : "(still raised)");
	if (r->suppressed)
		fputs("(not sent: rate limit) ", out);
	else
		fprintf(out, "#%llu ", (unsigned long long)r->id);
	fprintf(out, "%s %s %s: %s\n", ccm_alarm_severity_label(r->severity),
		ccm_alarm_type_info(r->type)->id, r->resource, r->text);
	for (size_t k = 0; k < r->nchanges; k++)
		fprintf(out, "    changed %s to %s: %s\n",
			ccm_time_format(r->changes[k].time, t1),
			ccm_alarm_severity_label(r->changes[k].severity),
			r->changes[k].text);
}

void ccm_report_text_alarms(const struct ccm_analysis *a, FILE *out)
{
	size_t listed = 0;

	fputs("\nWhat the NOC received (the alarms ccmond would have sent, "
	      "raise .. clear)\n", out);
	for (size_t i = 0; i < a->alarms->n; i++) {
		if (!ccm_report_alarm_listed(a, &a->alarms->v[i]))
			continue;
		text_alarm(out, &a->alarms->v[i]);
		listed++;
	}
	if (!listed)
		fputs("  (no alarms)\n", out);
}

static void html_time(FILE *out, ccm_ms t)
{
	char buf[CCM_TIME_STRLEN];

	fputs(ccm_html_when(t, buf), out);
}

static void html_alarm(FILE *out, const struct ccm_alarm_record *r)
{
	fprintf(out, "<tr data-alarm=\"%s\"%s><td>",
		ccm_alarm_type_info(r->type)->id,
		r->suppressed ? " class=\"suppressed\"" : "");
	html_time(out, r->start);
	fputs("</td><td>", out);
	if (r->ended)
		html_time(out, r->end);
	else
		fputs("(still raised)", out);
	fprintf(out, "</td><td>%s</td><td>%s</td><td>",
		ccm_alarm_type_info(r->type)->id,
		ccm_alarm_severity_name(r->severity));
	ccm_html_escape(out, r->resource);
	fputs("</td><td>", out);
	if (r->suppressed)
		fputs("<b>not sent</b> (rate limit): ", out);
	ccm_html_escape(out, r->text);
	fputs("</td><td>", out);
	for (size_t k = 0; k < r->nchanges; k++) {
		fputs(k ? "<br/>" : "", out);
		html_time(out, r->changes[k].time);
		fprintf(out, " %s: ",
			ccm_alarm_severity_name(r->changes[k].severity));
		ccm_html_escape(out, r->changes[k].text);
	}
	fputs("</td></tr>\n", out);
}

void ccm_report_html_alarms(const struct ccm_analysis *a, FILE *out)
{
	fputs("<section id=\"alarms\"><h2>What the NOC received</h2>\n"
	      "<p>The alarms ccmond would have sent on these lines, by the "
	      "configuration's holds, damping and rate limit applied in log "
	      "time: when each was raised and cleared.</p>\n<table>\n"
	      "<tr><th>raised</th><th>cleared</th><th>alarm</th>"
	      "<th>severity</th><th>resource</th><th>text</th>"
	      "<th>changes</th></tr>\n", out);
	for (size_t i = 0; i < a->alarms->n; i++)
		if (ccm_report_alarm_listed(a, &a->alarms->v[i]))
			html_alarm(out, &a->alarms->v[i]);
	fputs("</table>\n</section>\n", out);
}
