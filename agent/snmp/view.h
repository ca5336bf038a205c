/* SPDX-License-Identifier: ISC */
/* CCMON-MIB's objects as values: what the subagent answers, computed from
 * the agent's parts without net-snmp, so that every answer can be tested
 * without a master agent.
 *
 * A view is built for one request and freed after it: every varbind of the
 * request reads the same rows, and the loop feeds nothing in between, so
 * the values of one request are consistent with each other.
 *
 * OIDs are full (the root included), at most CCM_SNMP_OID_MAX sub-ids.
 * Instances in order: the ccmonAgent scalars (.0), the component table
 * column by column, rows by index (the lower-case name as a length-prefixed
 * string), the alarm table column by column, rows by alarm id, the impact
 * table column by column, rows by scope (as components), the alarm
 * history table column by column, rows by alarm id.  The notify objects
 * are accessible-for-notify only: no instance. */
#ifndef CCM_SNMP_VIEW_H
#define CCM_SNMP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/core/alarm.h"
#include "agent/core/cleared_alarms.h"
#include "agent/core/engine.h"
#include "agent/core/impact.h"
#include "agent/core/probe_stats.h"
#include "agent/core/tail_stats.h"
#include "agent/snmp/mib.h"
#include "parsers/config.h"

#define CCM_SNMP_OID_MAX 128
#define CCM_SNMP_OCTETS_MAX CCM_ALARM_TEXT_MAX

enum ccm_snmp_type {
	CCM_SNMP_INTEGER,
	CCM_SNMP_OCTETS,
	CCM_SNMP_COUNTER32,
	CCM_SNMP_GAUGE32,   /* also Unsigned32 */
	CCM_SNMP_TIMETICKS,
	CCM_SNMP_COUNTER64,
};

struct ccm_snmp_value {
	enum ccm_snmp_type type;
	uint64_t num;     /* INTEGER values are small and positive here */
	size_t len;       /* OCTETS */
	uint8_t octets[CCM_SNMP_OCTETS_MAX];
};

/* What the agent is made of when a request arrives.  Any pointer may be
 * NULL (an agent still starting): its objects read as zero or empty. */
struct ccm_snmp_source {
	const struct ccm_engine *engine;
	const struct ccm_alarms *alarms;
	const struct ccm_cleared_alarms *cleared; /* its times are shown
						   * times already */
	const struct ccm_config *config;
	ccm_probe_stats_fn *probe;
	void *probe_ctx;
	const struct ccm_tail_stats *tail;
	const struct ccm_impact *impacts; /* one per scope */
	size_t nimpacts;
	uint64_t uptime_cs;  /* hundredths of a second since the start */
	uint64_t alarms_changed_cs; /* uptime_cs of the last alarm decision
				     * (ccmonAlarmLastChanged); 0: none */
	ccm_ms now;          /* the engine's time of the request: the
			      * queue-latency windows end there (0: the
			      * engine's clock) */
	uint64_t queued, dropped, sent; /* notifications */
	ccm_ms wall_offset;  /* the wall clock minus the time of the engine,
			      * the alarms and the impacts (ccmond's agent
			      * time): added to the times served */
};

struct ccm_snmp_view;

/* NULL when out of memory. */
struct ccm_snmp_view *ccm_snmp_view_new(const struct ccm_snmp_source *src);
void ccm_snmp_view_free(struct ccm_snmp_view *view);

enum ccm_snmp_found {
	CCM_SNMP_FOUND = 0,
	CCM_SNMP_NO_SUCH_OBJECT,   /* not an object of ours */
	CCM_SNMP_NO_SUCH_INSTANCE, /* an object, not that instance */
};

/* The value of oid. */
enum ccm_snmp_found ccm_snmp_view_get(const struct ccm_snmp_view *view,
				      const uint32_t *oid, size_t len,
				      struct ccm_snmp_value *out);

/* The first instance after oid (GETNEXT): its OID in next (room for
 * CCM_SNMP_OID_MAX) and *next_len, and its value.  False past the last. */
bool ccm_snmp_view_next(const struct ccm_snmp_view *view, const uint32_t *oid,
			size_t len, uint32_t *next, size_t *next_len,
			struct ccm_snmp_value *out);

/* The length of s cut to at most max bytes, not inside a UTF-8
 * character (s NULL: 0). */
size_t ccm_snmp_utf8_cut(const char *s, size_t max);

/* s as a value of a string object (SnmpAdminString, CcmonText) in dst:
 * cleaned for display (agent/util/text_clean.h: valid UTF-8, no control
 * characters; the MIB's strings are UTF-8 text for operators), at most
 * max bytes (at most CCM_SNMP_OCTETS_MAX), cut between characters.
 * Returns its length; s NULL: 0. */
size_t ccm_snmp_text(uint8_t *dst, size_t max, const char *s);

/* A DateAndTime of 11 octets for local civil time t whose offset from UTC
 * is offset_min minutes east. */
void ccm_snmp_date_and_time(ccm_ms t, int offset_min,
			    uint8_t out[CCM_MIB_DATEANDTIME_LEN]);
/* ... with the offset t has in the process's time zone
 * (ccm_time_local_offset()). */
void ccm_snmp_local_date_and_time(ccm_ms t,
				  uint8_t out[CCM_MIB_DATEANDTIME_LEN]);

/* Enumerations of the MIB's textual conventions. */
long ccm_snmp_alarm_type(enum ccm_alarm_type type);        /* CcmonAlarmType */
long ccm_snmp_severity(enum ccm_alarm_severity sev);       /* CcmonAlarmSeverity */
long ccm_snmp_resource_type(enum ccm_alarm_resource res);
/* CcmonProbableCause and CcmonEventType: IANA's numbers, by alarm type. */
long ccm_snmp_probable_cause(enum ccm_alarm_type type);
long ccm_snmp_event_type(enum ccm_alarm_type type);

/* The root and its length, for the agent's registration. */
const uint32_t *ccm_snmp_root(size_t *len);

#endif
