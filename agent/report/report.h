/* SPDX-License-Identifier: ISC */
/* The outputs of `ccmon analyze`: human timeline, JSON document, HTML
 * report.  What they share is agent/report/model.h. */
#ifndef CCM_REPORT_H
#define CCM_REPORT_H

#include <stdio.h>

#include "agent/report/model.h"

#define CCM_ANALYSIS_SCHEMA "ccmon.analysis/2"

/* Waits listed per component in the JSON document; the figures cover
 * every one. */
#define CCM_REPORT_WAITS_MAX 10000

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

/* "What the NOC received": a->alarms (not NULL) as a section of the text
 * report and of the HTML report. */
void ccm_report_text_alarms(const struct ccm_analysis *a, FILE *out);
void ccm_report_html_alarms(const struct ccm_analysis *a, FILE *out);

#endif
