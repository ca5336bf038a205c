/* The outputs of `ccmon analyze`: human timeline and JSON document. */
#ifndef CCM_REPORT_H
#define CCM_REPORT_H

#include <stdio.h>

#include "agent/engine.h"
#include "agent/impact_track.h"
#include "agent/input.h"
#include "agent/timeline.h"

#define CCM_ANALYSIS_SCHEMA "ccmon.analysis/1"

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
	const char *config_path;
};

struct json_object;

/* The analysis as a ccmon.analysis/1 document; NULL when out of memory. */
struct json_object *ccm_report_json_object(const struct ccm_analysis *a);

/* Returns 0, or -1 on a write error or out of memory. */
int ccm_report_json(const struct ccm_analysis *a, FILE *out);
int ccm_report_text(const struct ccm_analysis *a, FILE *out);

/* Whether an impact interval overlaps the listed window. */
bool ccm_report_impact_listed(const struct ccm_analysis *a,
			      const struct ccm_impact_interval *iv);

/* Seconds with millisecond precision, as both reports print them. */
double ccm_seconds(ccm_ms d);

#endif
