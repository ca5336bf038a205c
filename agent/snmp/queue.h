/* SPDX-License-Identifier: ISC */
/* Alarm notifications on their way to the AgentX master.
 *
 * net-snmp's own send_v2trap() drops what it cannot send while the master
 * is away, and says nothing.  Here a notification stays queued until the
 * master has answered its Notify-PDU: a master that goes, or does not
 * answer, gets it again after it is back.  So nothing is lost across a
 * master restart; a master that forwarded a notification and died before
 * answering may forward it twice (at least once, by design).
 *
 * Bounded: over max entries the oldest is dropped and counted.  Pure data;
 * agent/snmp/agentx.c does the sending. */
#ifndef CCM_SNMP_QUEUE_H
#define CCM_SNMP_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/core/alarm.h"

struct json_object;

struct ccm_snmp_notice {
	enum ccm_alarm_state state;   /* raised or cleared */
	uint64_t alarm_id;
	enum ccm_alarm_type type;
	enum ccm_alarm_resource resource_type;
	char *resource;
	enum ccm_alarm_severity severity;
	char *text;
	ccm_ms time;                  /* when raised / cleared */
	ccm_ms since;                 /* when the condition began */
	long reqid;                   /* in flight under this id; 0: not */
};

struct ccm_snmp_queue_stats {
	uint64_t queued;    /* entries now, in flight or not */
	uint64_t in_flight;
	uint64_t dropped;   /* over the bound, or refused by the master */
	uint64_t sent;      /* answered by the master */
};

struct ccm_snmp_queue;

/* max >= 1 */
struct ccm_snmp_queue *ccm_snmp_queue_new(size_t max);
void ccm_snmp_queue_free(struct ccm_snmp_queue *q);

/* Appends a decision.  Returns 0, or -1 when out of memory (counted as
 * dropped). */
int ccm_snmp_queue_push(struct ccm_snmp_queue *q,
			const struct ccm_alarm_decision *d);

/* The oldest entry not in flight, NULL if none. */
struct ccm_snmp_notice *ccm_snmp_queue_next(struct ccm_snmp_queue *q);

/* The entry went out under reqid (not 0). */
void ccm_snmp_queue_sending(struct ccm_snmp_queue *q,
			    struct ccm_snmp_notice *n, long reqid);

/* The master answered reqid: ok, it took the notification (removed and
 * counted as sent); not ok, it refused it (removed and counted as dropped:
 * sending it again would be refused again).  Returns the entry's alarm
 * id, 0 for an unknown reqid (an entry already dropped or re-queued). */
uint64_t ccm_snmp_queue_answered(struct ccm_snmp_queue *q, long reqid,
				 bool ok);

/* Everything in flight goes back to waiting (the master went, or did not
 * answer), in its order.  Returns how many. */
size_t ccm_snmp_queue_requeue(struct ccm_snmp_queue *q);
/* ... only reqid. */
bool ccm_snmp_queue_requeue_one(struct ccm_snmp_queue *q, long reqid);

void ccm_snmp_queue_stats(const struct ccm_snmp_queue *q,
			  struct ccm_snmp_queue_stats *out);

/* Persistence, so that a restart of the agent loses none either: every
 * entry, in flight or not, oldest first:
 *   [{"state":"raised","id":N,"type":"component-down",
 *     "resource_type":"component","resource":"...","severity":"critical",
 *     "text":"...","time":"YYYY-MM-DDTHH:MM:SS.mmm","since":"..."}, ...]
 * Returns a new reference, or NULL when out of memory. */
struct json_object *ccm_snmp_queue_snapshot(const struct ccm_snmp_queue *q);

/* Appends the entries of a snapshot (not in flight), keeping the bound.
 * Entries that do not parse are skipped.  Returns the number appended. */
size_t ccm_snmp_queue_restore(struct ccm_snmp_queue *q,
			      const struct json_object *snapshot);

#endif
