/* SPDX-License-Identifier: ISC */
/* When to judge queue-latency-high, and the judgement.
 *
 * Judging sorts a component's window (up to CCM_QLAT_SAMPLES waits), and
 * a storm of bounces brings hundreds of waits a second, exactly when the
 * agent must keep up.  So a component is judged again only when it can
 * matter:
 * - on a new wait that can change the verdict: one at or over the
 *   threshold while it is off, one under it while it is on (adding a wait
 *   on the side of the verdict cannot move the 95th percentile across
 *   the threshold);
 * - by the clock while its window holds a wait at or over the threshold
 *   (the window moving on can change the verdict either way): when the
 *   oldest wait leaves it, and at most once a second.
 * Pure code: the caller gives the times. */
#ifndef CCM_LATENCY_WATCH_H
#define CCM_LATENCY_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/core/engine.h"

/* The clock judges a component at most this often. */
#define CCM_LATENCY_RECHECK INT64_C(1000)

struct ccm_latency_watch;

struct ccm_latency_watch *ccm_latency_watch_new(void);
void ccm_latency_watch_free(struct ccm_latency_watch *w);

/* A wait ended on c: must c be judged now?  high is the threshold
 * (0: the alarm is off, and only a verdict still on needs judging). */
bool ccm_latency_watch_wait(struct ccm_latency_watch *w,
			    const struct ccm_component *c, ccm_ms wait,
			    ccm_ms high);

/* Judges c's window at t against high: *on is the verdict, text what the
 * alarm says (a raise or its clear).  Returns 0, or -1 when out of
 * memory (nothing judged). */
int ccm_latency_watch_judge(struct ccm_latency_watch *w,
			    const struct ccm_component *c, ccm_ms t,
			    ccm_ms high, ccm_ms window, bool *on, char *text,
			    size_t len);

/* When the clock must next judge some component; false when none. */
bool ccm_latency_watch_next_due(const struct ccm_latency_watch *w,
				ccm_ms *due);

/* The components due by now, at most max, into out; their count. */
size_t ccm_latency_watch_due(const struct ccm_latency_watch *w, ccm_ms now,
			     const struct ccm_component **out, size_t max);

#endif
