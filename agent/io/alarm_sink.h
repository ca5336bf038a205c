/* SPDX-License-Identifier: ISC */
/* Alarm output: each decision as one journal entry, or one syslog line when
 * journald is not there.
 *
 * Journal fields: MESSAGE (ccm_alarm_message()), PRIORITY (critical 2,
 * major 3, minor and warning 4, any clear 5), MESSAGE_ID (per type, see
 * units/ccmon.catalog), SYSLOG_IDENTIFIER=ccmond, SYSLOG_FACILITY,
 * CCMON_ALARM (type id), CCMON_ALARM_ID, CCMON_STATE=raised|cleared,
 * CCMON_SEVERITY, CCMON_RESOURCE, CCMON_RESOURCE_KIND, CCMON_COMPONENT
 * and/or CCMON_SERVER (when known), CCMON_LOG (log alarms), CCMON_SINCE,
 * CCMON_RAISED_AT, and for a clear CCMON_ENDED; CCMON_FLAPPING=yes,
 * CCMON_CHANGES and CCMON_WITHHELD when they apply.  Every value, MESSAGE
 * included, is cleaned for display (agent/util/text_clean.h): valid UTF-8
 * without control characters, so journald stores text, not a blob.
 *
 * The syslog line is MESSAGE followed by the CCMON_* and MESSAGE_ID pairs as
 * KEY=value (values with spaces or quotes in double quotes, backslash
 * escaped), with openlog("ccmond", LOG_PID, facility).
 *
 * Times: ccm_alarm_time(), "Z" appended when the config says utc.  ccmond
 * runs on the wall clock as local civil time, the convention of the
 * router's own logs, so that log and wall time compare (utc = false);
 * utc = true is for a caller whose times are UTC.
 *
 * Writing never aborts nor retries: failures are counted, and a journal
 * entry that cannot be sent goes to syslog instead.  journald counts as
 * present when its socket exists (libsystemd itself drops entries silently
 * when it does not).  syslog(3) reports nothing: a line handed to it is
 * counted as written.  (libsystemd's socket
 * is blocking: a journald that stopped reading could hold a send until its
 * queue drains; nothing here can shorten that.) */
#ifndef CCM_ALARM_SINK_H
#define CCM_ALARM_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/core/alarm.h"

enum ccm_alarm_sink_mode {
	CCM_SINK_AUTO = 0, /* journald when its socket exists, else syslog */
	CCM_SINK_JOURNAL,  /* journald only: failures (and its absence)  */
			   /* are errors                                  */
	CCM_SINK_SYSLOG,   /* syslog(3) only                              */
};

struct ccm_alarm_sink_config {
	enum ccm_alarm_sink_mode mode;
	int facility;    /* syslog facility, 0 (LOG_KERN) means LOG_DAEMON */
	bool utc;        /* times are UTC wall-clock times                 */
	const char *journal_socket; /* NULL: /run/systemd/journal/socket    */
};

struct ccm_alarm_sink_stats {
	uint64_t journal;        /* entries journald took                */
	uint64_t syslog;         /* lines handed to syslog(3)            */
	uint64_t journal_errors; /* sends journald refused or missed     */
	uint64_t errors;         /* decisions not written at all         */
	int last_errno;          /* of the last failure, 0 if none       */
};

struct ccm_alarm_sink;

/* config NULL: AUTO, LOG_DAEMON, log time.  NULL when out of memory. */
struct ccm_alarm_sink *
ccm_alarm_sink_new(const struct ccm_alarm_sink_config *config);
/* Calls closelog() if the sink opened syslog. */
void ccm_alarm_sink_free(struct ccm_alarm_sink *sink);

/* Writes one decision.  component and server fill CCMON_COMPONENT and
 * CCMON_SERVER when the decision's resource is not already that kind of
 * thing (the server a component uses, ...); NULL when unknown.  Returns 0
 * when written (to either), -1 when not (counted in errors). */
int ccm_alarm_sink_write(struct ccm_alarm_sink *sink,
			 const struct ccm_alarm_decision *d,
			 const char *component, const char *server);

/* A ccm_alarm_fn for ccm_alarms_new() with the sink as ctx. */
void ccm_alarm_sink_fn(void *sink, const struct ccm_alarm_decision *d);

void ccm_alarm_sink_stats(const struct ccm_alarm_sink *sink,
			  struct ccm_alarm_sink_stats *out);

/* The journal priority (LOG_CRIT ...) of a decision. */
int ccm_alarm_priority(const struct ccm_alarm_decision *d);

#endif
