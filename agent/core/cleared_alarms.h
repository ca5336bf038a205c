/* SPDX-License-Identifier: ISC */
/* The last cleared alarms, newest kept: what ccmonAlarmHistoryTable
 * serves, so that a manager that missed a raise and its clear still
 * finds the alarm (ALARM-MIB's alarmClearTable, RFC 3877).  Bounded by
 * alarm_history of ccmon.conf; fed the CLEARED decisions as sent, with
 * their shown times.  Pure data. */
#ifndef CCM_CLEARED_ALARMS_H
#define CCM_CLEARED_ALARMS_H

#include <stddef.h>
#include <stdint.h>

#include "agent/core/alarm.h"

struct ccm_cleared_alarm {
	uint64_t id;                      /* the RAISED's id              */
	enum ccm_alarm_type type;
	char *resource;
	enum ccm_alarm_severity severity; /* the last it had while raised */
	ccm_ms since;                     /* the condition began          */
	ccm_ms raised_at;
	ccm_ms cleared_at;
	char *text;                       /* the CLEARED's text           */
};

struct ccm_cleared_alarms {
	struct ccm_cleared_alarm *v; /* a ring once n reaches max */
	size_t n, cap, max;
	size_t oldest;               /* index of the oldest in v  */
};

/* max 0: nothing is kept. */
void ccm_cleared_alarms_init(struct ccm_cleared_alarms *c, size_t max);
void ccm_cleared_alarms_release(struct ccm_cleared_alarms *c);

/* Keeps d when it is a CLEARED (anything else is ignored), dropping the
 * oldest past max.  Returns 0, or -1 out of memory (nothing kept). */
int ccm_cleared_alarms_add(struct ccm_cleared_alarms *c,
			   const struct ccm_alarm_decision *d);

/* A new bound: the newest max are kept.  Returns 0, or -1 out of memory
 * (then as it was). */
int ccm_cleared_alarms_set_max(struct ccm_cleared_alarms *c, size_t max);

/* The i-th kept, 0 the oldest; NULL past the last. */
const struct ccm_cleared_alarm *
ccm_cleared_alarms_get(const struct ccm_cleared_alarms *c, size_t i);

#endif
