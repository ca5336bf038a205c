/* SPDX-License-Identifier: ISC */
/* Which transitions, connect lines and incidents of the timeline belong
 * to which lane of the picture, found in one pass each: the picture walks
 * each lane's own, not the whole timeline per lane (quadratic on a log of
 * many component names). */
#ifndef CCM_REPORT_LANES_H
#define CCM_REPORT_LANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/report/model.h"

/* Items of each lane, in timeline order: lane l holds item[start[l]] ..
 * item[start[l + 1] - 1], indices into the timeline's array. */
struct ccm_lane_items {
	size_t *start;
	uint32_t *item; /* 4 bytes an item: millions of them */
};

/* Lanes 0 .. ncomps-1 are the engine's components in its order, then one
 * per orphan endpoint (connect lines, no component) in the engine's
 * order. */
struct ccm_lanes {
	size_t ncomps, norphans;
	const struct ccm_endpoint **orphans;
	struct ccm_lane_items transitions; /* timeline entries */
	struct ccm_lane_items connects;    /* timeline connects */
	struct ccm_lane_items incidents;   /* timeline incidents */
	struct ccm_lane_items waits;       /* timeline entries */
};

/* Which items to index; the others' lanes are empty. */
#define CCM_LANES_TRANSITIONS 1u
#define CCM_LANES_CONNECTS 2u
#define CCM_LANES_INCIDENTS 4u
#define CCM_LANES_WAITS 8u
#define CCM_LANES_ALL 15u

/* Returns 0, or -1 when out of memory (nothing to release then). */
int ccm_lanes_build(struct ccm_lanes *l, const struct ccm_analysis *a,
		    unsigned what);
void ccm_lanes_release(struct ccm_lanes *l);

#endif
