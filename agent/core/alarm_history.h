/* SPDX-License-Identifier: ISC */
/* What the NOC received: the alarm messages of a run, one record per
 * alarm from its raise to its clear, with the changes sent in between.
 * Fed the decisions of agent/core/alarm.h in the order they were made (by
 * `ccmon analyze --config`, replaying the live agent's monitor at log
 * time), and the raises the rate limit withheld, which are kept as
 * records too, marked suppressed: the NOC did not receive them. */
#ifndef CCM_ALARM_HISTORY_H
#define CCM_ALARM_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/core/alarm.h"

struct ccm_alarm_change {
	ccm_ms time;
	enum ccm_alarm_severity severity;
	char *text;
};

struct ccm_alarm_record {
	uint64_t id;          /* the RAISED's id; 0 when suppressed       */
	enum ccm_alarm_type type;
	char *resource;
	enum ccm_alarm_severity severity; /* as raised                    */
	ccm_ms start;         /* when the RAISED was sent (would have been,
			       * when suppressed)                        */
	bool ended;
	ccm_ms end;           /* when the CLEARED was sent (valid if ended) */
	char *text;           /* the RAISED's text                         */
	bool suppressed;      /* withheld by the rate limit: never sent    */
	struct ccm_alarm_change *changes; /* in time order                 */
	size_t nchanges;
};

struct ccm_alarm_history {
	struct ccm_alarm_record *v; /* in order of start */
	size_t n, cap;
	bool oom;                   /* a record or change could not be kept */
};

void ccm_alarm_history_init(struct ccm_alarm_history *h);
void ccm_alarm_history_release(struct ccm_alarm_history *h);

/* One decision as sent: a RAISED opens a record, a CLEARED ends the
 * record of its id, any other kind (a change of severity or text while
 * raised) is appended to that record's changes.  A decision for an id
 * never raised here is ignored (a restored alarm).  Returns 0, or -1 out
 * of memory (oom is then set). */
int ccm_alarm_history_add(struct ccm_alarm_history *h,
			  const struct ccm_alarm_decision *d);

/* A raise the rate limit held back until its clear caught up with it:
 * d as the RAISED would have been (d->time: when it was due), ended at
 * end.  Returns 0, or -1 out of memory. */
int ccm_alarm_history_withheld(struct ccm_alarm_history *h,
			       const struct ccm_alarm_decision *d, ccm_ms end);

#endif
