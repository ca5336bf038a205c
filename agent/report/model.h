/* SPDX-License-Identifier: ISC */
/* What every report of `ccmon analyze` shows the same way, whatever it is
 * written in: the analysis itself, the window it spans, which incidents,
 * impacts and alarms fall in it, and how long an open one lasted.  The
 * renderers (text, JSON, HTML and its SVG picture) only format these. */
#ifndef CCM_REPORT_MODEL_H
#define CCM_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/core/alarm_history.h"
#include "agent/core/engine.h"
#include "agent/core/impact_track.h"
#include "agent/core/timeline.h"
#include "agent/io/input.h"

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

/* Where an incident or an impact interval ends in the reports: its end
 * once closed; while still open, the last time read (so its duration is
 * a lower bound, doc/analysis-json.md), or its start when nothing was
 * dated, so that a duration is never negative. */
ccm_ms ccm_report_incident_end(const struct ccm_analysis *a,
			       const struct ccm_incident *inc);
ccm_ms ccm_report_impact_end(const struct ccm_analysis *a,
			     const struct ccm_impact_interval *iv);

/* The window the picture spans; false when nothing is dated. */
bool ccm_report_window(const struct ccm_analysis *a, ccm_ms *t0, ccm_ms *t1);

/* Whether an impact interval overlaps the listed window. */
bool ccm_report_impact_listed(const struct ccm_analysis *a,
			      const struct ccm_impact_interval *iv);

/* Whether an alarm's time raised overlaps the listed window. */
bool ccm_report_alarm_listed(const struct ccm_analysis *a,
			     const struct ccm_alarm_record *r);

struct ccm_lanes;
/* The figures of the waits on the component of lane in the listed window
 * (count 0: none), from the lanes' index of waits (agent/report/lanes.h).
 * Returns 0, or -1 when out of memory. */
int ccm_report_latency(const struct ccm_analysis *a,
		       const struct ccm_lanes *ln, size_t lane,
		       struct ccm_qlat_stats *st);

/* Seconds with millisecond precision, as both reports print them. */
double ccm_seconds(ccm_ms d);

#endif
