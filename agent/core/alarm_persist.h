/* SPDX-License-Identifier: ISC */
/* The raised alarms as JSON: what ccmond keeps in its state file across a
 * restart (ccmond(8), FILES), and what `ccmon status` shows of them while
 * ccmond is down.  One reader and one writer of the format:
 *   {"version":1,"last_id":N,"alarms":[{"type":"component-down",
 *    "resource":"...","id":N,"severity":"critical","since":ms,
 *    "raised_at":ms,"text":"...","flapping":false,"changes":N,
 *    "phase":N}, ...]}
 * "text" is absent when none was given (the type's own is meant);
 * "severity", "text", "flapping", "changes" and "phase" may be absent
 * (the type's severity, none, false, 0, the next one judged taken
 * silently).  The object may hold other members (ccmond adds its own):
 * they are left alone. */
#ifndef CCM_ALARM_PERSIST_H
#define CCM_ALARM_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "agent/core/alarm.h"

struct json_object;

/* The raised alarms and the id counter.  Returns a new reference, or NULL
 * when out of memory. */
struct json_object *ccm_alarms_snapshot(const struct ccm_alarms *alarms);

/* ccm_alarm_snapshot_read() then ccm_alarms_load(): entries of unknown
 * types are skipped.  Returns the number of alarms restored, or -1 (errno
 * EINVAL for a malformed snapshot or NULL, EBUSY when alarms exist,
 * ENOMEM) leaving the object as it was. */
int ccm_alarms_restore(struct ccm_alarms *alarms,
		       const struct json_object *snapshot);

/* A snapshot read without an alarm object.  The strings of the records
 * are the snapshot's: valid while it is. */
struct ccm_alarm_snapshot {
	struct ccm_alarm_saved *v; /* in the snapshot's order */
	size_t n;
	uint64_t last_id;
};

/* Reads every entry of a known type (each ccm_alarm_saved_valid()).
 * Returns 0, or -1 with errno EINVAL (not a snapshot of this version, an
 * entry malformed) or ENOMEM, *out then empty. */
int ccm_alarm_snapshot_read(const struct json_object *snapshot,
			    struct ccm_alarm_snapshot *out);
void ccm_alarm_snapshot_release(struct ccm_alarm_snapshot *snap);

#endif
