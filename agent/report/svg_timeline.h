/* SPDX-License-Identifier: ISC */
/* The timeline picture of the HTML report. */
#ifndef CCM_REPORT_SVG_TIMELINE_H
#define CCM_REPORT_SVG_TIMELINE_H

#include <stdio.h>

#include "agent/report/model.h"

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

#endif
