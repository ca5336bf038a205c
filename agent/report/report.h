/* SPDX-License-Identifier: ISC */
/* The outputs of `ccmon analyze`: human timeline and JSON document. */
#ifndef CCM_REPORT_H
#define CCM_REPORT_H

#include <stdio.h>

#include "agent/core/alarm_history.h"
#include "agent/core/engine.h"
#include "agent/core/impact_track.h"
#include "agent/io/input.h"
#include "agent/core/timeline.h"

#define CCM_ANALYSIS_SCHEMA "ccmon.analysis/2"

/* Waits listed per component in the JSON document; the figures cover
 * every one. */
#define CCM_REPORT_WAITS_MAX 10000

struct ccm_analysis {
	const struct ccm_engine *engine;
	const struct ccm_timeline *timeline;
	const struct ccm_input *inputs; /* in processing order */
	size_t ninputs;
	bool have_since, have_until;
	ccm_ms since, until;
	bool have_end;
	ccm_ms end; /* the last time read: open incidents last at least to it */
	const struct ccm_impact_track *impact; /* --config, else NULL */
	const struct ccm_alarm_history *alarms; /* --config, else NULL */
	const char *config_path;
	/* the command as given, from "analyze" on: the HTML report shows
	 * what produced it */
	const char *const *argv;
	size_t argc;
};

struct json_object;

/* The analysis as a ccmon.analysis/2 document; NULL when out of memory. */
struct json_object *ccm_report_json_object(const struct ccm_analysis *a);

/* Returns 0, or -1 on a write error or out of memory. */
int ccm_report_json(const struct ccm_analysis *a, FILE *out);
int ccm_report_text(const struct ccm_analysis *a, FILE *out);

/* One self-contained HTML document (inline CSS and SVG; nothing it shows
 * is fetched): the timeline picture, the incidents, the impact, the
 * command and inputs.  Markup is also well-formed XML. */
int ccm_report_html(const struct ccm_analysis *a, FILE *out);

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

/* What the timeline picture holds, for the text around it. */
struct ccm_svg_stats {
	size_t lanes;          /* components, and endpoints of none     */
	size_t impact_lanes;   /* one per impact kind and scope         */
	size_t bands;          /* incident bands drawn                  */
	size_t band_incidents; /* incidents in them                     */
	size_t shared_bands;   /* bands standing for several incidents  */
	size_t shared_incidents; /* incidents in those                  */
	size_t merged_marks;   /* hatched marks standing for several    */
	size_t merged_changes; /* transitions and connects inside them  */
	ccm_ms column;         /* log time one drawing column spans     */
};

/* The timeline as an inline <svg>, or nothing when the analysis holds
 * no dated line.  Returns 0, or -1 on a write error. */
int ccm_svg_timeline(const struct ccm_analysis *a, FILE *out,
		     struct ccm_svg_stats *stats);

/* The window the picture spans; false when nothing is dated. */
bool ccm_report_window(const struct ccm_analysis *a, ccm_ms *t0, ccm_ms *t1);

/* Whether an impact interval overlaps the listed window. */
bool ccm_report_impact_listed(const struct ccm_analysis *a,
			      const struct ccm_impact_interval *iv);

/* Whether an alarm's time raised overlaps the listed window. */
bool ccm_report_alarm_listed(const struct ccm_analysis *a,
			     const struct ccm_alarm_record *r);

/* "What the NOC received": a->alarms (not NULL) as a section of the text
 * report and of the HTML report. */
void ccm_report_text_alarms(const struct ccm_analysis *a, FILE *out);
void ccm_report_html_alarms(const struct ccm_analysis *a, FILE *out);

/* Seconds with millisecond precision, as both reports print them. */
double ccm_seconds(ccm_ms d);

#endif
