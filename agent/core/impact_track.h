/* SPDX-License-Identifier: ISC */
/* The history of what users suffered: the impact conditions of every
 * scope as intervals, with the changes of phase within them.  Fed the
 * monitor's judgements in time order (by `ccmon analyze --config`), it
 * answers the review's questions: IM blocked from when to when, for whom,
 * queueing until when. */
#ifndef CCM_IMPACT_TRACK_H
#define CCM_IMPACT_TRACK_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/core/alarm.h"
#include "agent/core/impact.h"

enum ccm_phase {
	CCM_PHASE_QUEUEING = 0, /* each event waits up to queue_wait      */
	CCM_PHASE_BOUNCE,       /* bounced at once                        */
	CCM_PHASE_SOME_USERS,   /* a share of users, until re-routed      */
	CCM_PHASE_DELAYED,      /* logins wait up to queue_wait           */
	CCM_PHASE_UNLOGGED,     /* events pass without logging            */
};
/* "queueing" "immediate-bounce" "some-users" "logins-delayed" "unlogged" */
const char *ccm_phase_name(enum ccm_phase p);

struct ccm_phase_change {
	ccm_ms time;
	enum ccm_phase phase;
	unsigned effects;           /* (1 << enum ccm_effect) seen in it   */
};

struct ccm_impact_interval {
	enum ccm_alarm_type kind;   /* one of the four impact types        */
	char *scope;
	ccm_ms start, end;          /* end valid when !open               */
	bool open;
	char profiles[CCM_IMPACT_NAMES_MAX]; /* every one seen in it      */
	char servers[CCM_IMPACT_NAMES_MAX];
	char nodes[CCM_IMPACT_NAMES_MAX];
	struct ccm_phase_change *phases;
	size_t nphases;
	unsigned effects;           /* its phases' effects, together       */
};

struct ccm_impact_track {
	struct ccm_impact_interval *v; /* in order of start */
	size_t n, cap;
	bool oom;
};

void ccm_impact_track_init(struct ccm_impact_track *t);
void ccm_impact_track_release(struct ccm_impact_track *t);

/* What the model says events waited in an interval that lasted until
 * end: the time spent in phases where each event is held up to
 * queue_wait (queueing, logins delayed). */
ccm_ms ccm_impact_delayed(const struct ccm_impact_interval *iv, ccm_ms end);

/* The impacts of every scope at now (later than or equal to any time
 * given before).  A phase begins when the model says it began, not when
 * it was judged: evidence that comes later (refused reconnects showing a
 * graceful loss) rewrites the open interval's phases from then on, so
 * that no "queueing" is booked for a loss that bounced at once. */
void ccm_impact_track_update(struct ccm_impact_track *t,
			     const struct ccm_impact *impacts, size_t n,
			     ccm_ms now);

#endif
