/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "agent/report/lanes.h"
#include "agent/report/model.h"

/* The one rule for both (agent/report/model.h). */
static ccm_ms span_end(const struct ccm_analysis *a, bool open, ccm_ms start,
		       ccm_ms end)
{
	if (!open)
		return end;
	return a->have_end ? a->end : start;
}

ccm_ms ccm_report_incident_end(const struct ccm_analysis *a,
			       const struct ccm_incident *inc)
{
	return span_end(a, inc->open, inc->start, inc->end);
}

ccm_ms ccm_report_impact_end(const struct ccm_analysis *a,
			     const struct ccm_impact_interval *iv)
{
	return span_end(a, iv->open, iv->start, iv->end);
}

bool ccm_report_window(const struct ccm_analysis *a, ccm_ms *t0, ccm_ms *t1)
{
	bool have0 = false;

	if (!a->have_end)
		return false;
	if (a->have_since) {
		*t0 = a->since;
		have0 = true;
	}
	for (size_t i = 0; !have0 && i < a->ninputs; i++)
		if (a->inputs[i].have_first) {
			*t0 = a->inputs[i].first;
			have0 = true;
		}
	if (!have0 || *t0 > a->end)
		*t0 = a->end;
	*t1 = a->end;
	return true;
}

bool ccm_report_impact_listed(const struct ccm_analysis *a,
			      const struct ccm_impact_interval *iv)
{
	return (!a->have_since || iv->open || iv->end >= a->since) &&
	       (!a->have_until || iv->start <= a->until);
}

bool ccm_report_alarm_listed(const struct ccm_analysis *a,
			     const struct ccm_alarm_record *r)
{
	return (!a->have_since || !r->ended || r->end >= a->since) &&
	       (!a->have_until || r->start <= a->until);
}

int ccm_report_latency(const struct ccm_analysis *a,
		       const struct ccm_lanes *ln, size_t lane,
		       struct ccm_qlat_stats *st)
{
	const struct ccm_component *const *comps;
	const struct ccm_component *c;

	ccm_engine_components(a->engine, &comps);
	c = comps[lane];
	/* no wait ever: no figures, as the live agent shows it */
	if (!c->latency.total) {
		memset(st, 0, sizeof(*st));
		return 0;
	}
	return ccm_timeline_latency_of(a->timeline,
				       ln->waits.item + ln->waits.start[lane],
				       ln->waits.start[lane + 1] -
					       ln->waits.start[lane],
				       st);
}

double ccm_seconds(ccm_ms d)
{
	return (double)d / 1000.0;
}
