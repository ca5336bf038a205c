/* SPDX-License-Identifier: ISC */
/* Alarms: when a condition becomes a message to the operator, and when that
 * message is taken back.
 *
 * Pure decision logic.  The caller reports the truth of each condition and
 * supplies every time (log time when replaying, the wall clock in the live
 * agent); decisions come out through the callback given at creation, in
 * time order, before the call returns.
 *
 * An alarm is identified by (type, resource).  It is raised once and cleared
 * once: every RAISED is followed by exactly one CLEARED with the same id,
 * whatever the holds, the flap damping and the rate limit do in between.
 *
 * Guarantees, for one alarm with policy p:
 * - RAISED only after the condition held continuously for raise_hold, or at
 *   once when it is found flapping (flap_threshold changes of the condition
 *   within flap_window);
 * - CLEARED only after the condition has been absent continuously for
 *   clear_hold, or for max(clear_hold, flap_window) when it was flapping; a
 *   return of the condition before that cancels the clear silently;
 * - never more than rate_count messages within any rate_period: a message
 *   over the limit waits, and a waiting message that the opposite decision
 *   catches up with cancels against it (both vanish, counted as withheld
 *   and mentioned by the next message);
 * - hence a condition that changes at least flap_threshold times within
 *   every flap_window, for however long (10 times a second for an hour),
 *   yields at most flap_threshold + 1 messages: fewer than flap_threshold
 *   changes come before damping starts, each decides at most one message,
 *   the change that starts damping at most one more (a RAISED), then the
 *   alarm stays raised until the final CLEARED.  It yields exactly 2 when
 *   clear_hold outlasts the condition's absences (the usual case). */
#ifndef CCM_ALARM_H
#define CCM_ALARM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/timestamp.h"

/* Adding a type: a value here (before CCM_ALARM_NTYPES; snapshots store the
 * id string, not the number), a row in the table in alarm_types.c with a
 * fresh MESSAGE_ID (systemd-id128 new), and its entry in
 * units/ccmon.catalog. */
enum ccm_alarm_type {
	CCM_ALARM_COMPONENT_DOWN = 0, /* open-port component not ACTIVE   */
	CCM_ALARM_AUTH_FAILURE,       /* CONNECTED, not ACTIVE in time   */
	CCM_ALARM_ENDPOINT_REFUSED,   /* router's connects are refused   */
	CCM_ALARM_PROBE_FAILING,      /* our own probe of the server     */
	CCM_ALARM_LOG_SILENT,         /* no line while the log must grow */
	CCM_ALARM_LOG_UNREADABLE,     /* the log cannot be opened / read */
	/* what users suffer (agent/core/impact.h), resource: the scope */
	CCM_ALARM_MESSAGING_BLOCKED,  /* every user's IMs fail            */
	CCM_ALARM_GROUP_CHAT_BLOCKED, /* every user's group chat fails    */
	CCM_ALARM_MESSAGING_DEGRADED, /* some users' IMs, or logins wait  */
	CCM_ALARM_LOGGING_LOST,       /* events pass without being logged */
	CCM_ALARM_QUEUE_LATENCY_HIGH, /* events wait long on a component  */
	CCM_ALARM_LOG_FILES_LIMIT,    /* more logs than max_open_files    */
	/* names no [server] configures, resource: the node */
	CCM_ALARM_UNKNOWN_COMPONENTS, /* some of them are down, aggregated */
	CCM_ALARM_TOO_MANY_COMPONENTS, /* past max_components: untracked */
	CCM_ALARM_ENDPOINT_UNREACHABLE, /* router's connects fail, not by
					 * refusal: timeout, no route    */
	CCM_ALARM_XCP_ROUTER_RESTART, /* a node's router restarted (node) */
	CCM_ALARM_NTYPES
};

enum ccm_alarm_severity {
	CCM_SEV_CRITICAL = 0,
	CCM_SEV_MAJOR,
	CCM_SEV_MINOR,
	CCM_SEV_WARNING,
};

/* What the resource string of an alarm names. */
enum ccm_alarm_resource {
	CCM_RES_COMPONENT = 0, /* open-port component: "op-cs1.imp1-ex-com" */
	CCM_RES_SERVER,        /* compliance server: "10.53.52.205:7999"    */
	CCM_RES_LOG,           /* log file path                             */
	CCM_RES_SCOPE,         /* "cluster", or a node in per-node mode     */
};

/* What an alarm is in ITU-T X.733's terms, as RFC 3877 alarm consumers key
 * on it: the numbers of IANA's IANAItuProbableCause and IANAItuEventType
 * registries (IANA-ITU-ALARM-TC-MIB), the ones ccmon uses.  Why each type
 * has its pair: ccmond(8), "Alarm types for an NMS". */
enum ccm_probable_cause {
	CCM_CAUSE_CONNECTION_ESTABLISHMENT_ERROR = 22,
	CCM_CAUSE_REDUCED_LOGGING_CAPABILITY = 206,
	CCM_CAUSE_COMMUNICATIONS_SUBSYSTEM_FAILURE = 505,
	CCM_CAUSE_FILE_ERROR = 516,          /* fileErrorX733 */
	CCM_CAUSE_PERFORMANCE_DEGRADED = 532,
	CCM_CAUSE_RESOURCE_AT_OR_NEARING_CAPACITY = 541,
	CCM_CAUSE_RESPONSE_TIME_EXCESSIVE = 542, /* responseTimeExecessive */
	CCM_CAUSE_UNDERLYING_RESOURCE_UNAVAILABLE = 554,
	CCM_CAUSE_AUTHENTICATION_FAILURE = 600,
};

enum ccm_x733_event_type {
	CCM_EVENT_COMMUNICATIONS = 2,     /* communicationsAlarm   */
	CCM_EVENT_QUALITY_OF_SERVICE = 3, /* qualityOfServiceAlarm */
	CCM_EVENT_PROCESSING_ERROR = 4,   /* processingErrorAlarm  */
};

struct ccm_alarm_type_info {
	const char *id;         /* "component-down": CCMON_ALARM, snapshots  */
	const char *message_id; /* 32 lowercase hex digits, as in the catalog */
	enum ccm_alarm_severity severity;
	enum ccm_alarm_resource resource;
	enum ccm_probable_cause probable_cause;
	enum ccm_x733_event_type event_type;
	const char *raised;     /* text when the caller gives none            */
	const char *cleared;    /* the same for the clear                     */
	const char *remedy;     /* what to check, a sentence: doc/domain.md
				 * "Troubleshooting checklist"            */
};

const struct ccm_alarm_type_info *ccm_alarm_type_info(enum ccm_alarm_type t);
/* Returns 0 and sets *out, or -1 for an unknown id. */
int ccm_alarm_type_from_id(const char *id, enum ccm_alarm_type *out);
/* "critical" "major" "minor" "warning" / "CRITICAL" ... */
const char *ccm_alarm_severity_name(enum ccm_alarm_severity sev);
const char *ccm_alarm_severity_label(enum ccm_alarm_severity sev);
int ccm_alarm_severity_from_name(const char *name,
				 enum ccm_alarm_severity *out);
/* "component", "server", "log" */
const char *ccm_alarm_resource_name(enum ccm_alarm_resource res);

/* Damping of one type.  Negative times count as 0, times over a year as a
 * year. */
struct ccm_alarm_policy {
	ccm_ms raise_hold;       /* presence needed to raise; 0: at once   */
	ccm_ms clear_hold;       /* absence needed to clear; 0: at once    */
	ccm_ms flap_window;      /* flapping: flap_threshold changes of    */
	unsigned flap_threshold; /* the condition within flap_window;      */
				 /* below 2 turns damping off; at most     */
				 /* CCM_ALARM_FLAP_MAX                     */
	unsigned rate_count;     /* at most rate_count messages per alarm  */
	ccm_ms rate_period;      /* within any rate_period; either 0: off; */
				 /* at most CCM_ALARM_RATE_MAX             */
};
#define CCM_ALARM_FLAP_MAX 64u
#define CCM_ALARM_RATE_MAX 64u

/* raise 5 s, clear 30 s, flapping 6 changes in 60 s, 6 messages per 10 min */
#define CCM_ALARM_DEFAULT_RAISE_HOLD INT64_C(5000)
#define CCM_ALARM_DEFAULT_CLEAR_HOLD INT64_C(30000)
#define CCM_ALARM_DEFAULT_FLAP_WINDOW INT64_C(60000)
#define CCM_ALARM_DEFAULT_FLAP_THRESHOLD 6u
#define CCM_ALARM_DEFAULT_RATE_COUNT 6u
#define CCM_ALARM_DEFAULT_RATE_PERIOD INT64_C(600000)
void ccm_alarm_policy_default(struct ccm_alarm_policy *policy);

enum ccm_alarm_state {
	CCM_ALARM_RAISED = 0,
	CCM_ALARM_CLEARED,
	CCM_ALARM_CHANGED, /* still raised, with a new severity or phase */
};
/* "raised" "cleared" "changed" */
const char *ccm_alarm_state_name(enum ccm_alarm_state state);

/* The MESSAGE_ID of every CHANGED message, whatever the type. */
#define CCM_ALARM_CHANGED_MESSAGE_ID "d42044963e6b4a4aa8b492ed0a137d5b"

/* One message to send.  Pointers are valid during the callback only. */
struct ccm_alarm_decision {
	enum ccm_alarm_state state;
	uint64_t id;             /* 1, 2, ... per RAISED, engine-wide; a
				  * CLEARED or CHANGED carries its
				  * RAISED's id                           */
	enum ccm_alarm_type type;
	const struct ccm_alarm_type_info *info;
	const char *resource;
	enum ccm_alarm_severity severity;
	enum ccm_alarm_severity was; /* CHANGED: the severity before       */
	ccm_ms time;             /* when the decision took effect          */
	ccm_ms since;            /* when the condition began               */
	ccm_ms raised_at;        /* the RAISED's time                      */
	ccm_ms ended;            /* CLEARED: when the condition ended      */
	bool flapping;           /* RAISED: raised as flapping; CLEARED:
				  * it was flapping at the end            */
	uint64_t changes;        /* condition changes in this episode      */
	uint64_t withheld;       /* raise/clear pairs cancelled by the rate
				  * limit since this alarm's last message */
	const char *text;        /* RAISED: what is wrong, "flapping" and
				  * the count when it is; CHANGED: what is
				  * wrong now; CLEARED: what cleared and
				  * how long it lasted                    */
};

typedef void ccm_alarm_fn(void *ctx, const struct ccm_alarm_decision *d);

struct ccm_alarms;

/* policy NULL: ccm_alarm_policy_default() for every type.  The callback
 * must not call back into this object. */
struct ccm_alarms *ccm_alarms_new(const struct ccm_alarm_policy *policy,
				  ccm_alarm_fn *fn, void *ctx);
void ccm_alarms_free(struct ccm_alarms *alarms);

/* Who hears of the raises the rate limit withheld until their clear
 * caught up with them (neither message is sent; the next one counts the
 * pair as withheld): for a record of what the operator did not receive
 * (`ccmon analyze`).  d is the RAISED that was not sent: id 0, time when
 * it fell due, ended when the clear caught up.  fn NULL: nobody. */
void ccm_alarms_on_withheld(struct ccm_alarms *alarms, ccm_alarm_fn *fn,
			    void *ctx);

/* Policy of one type, for decisions from now on. */
void ccm_alarms_set_policy(struct ccm_alarms *alarms, enum ccm_alarm_type type,
			   const struct ccm_alarm_policy *policy);

/* Reports the current truth of a condition at now (advancing the clock
 * first; times earlier than the clock count as the clock).  text (may be
 * NULL: keep the last one) says what is wrong while the condition holds,
 * what ended it while it does not; a new text while raised replaces the
 * stored one without a message.  Texts are cleaned for display
 * (agent/util/text_clean.h: control characters and bytes that are not UTF-8
 * become U+FFFD) and cut at CCM_ALARM_TEXT_MAX bytes.  A resource that is
 * not fit to show or longer than CCM_ALARM_TEXT_MAX bytes is replaced by
 * its ccm_text_resource() form, cleaned, bounded and still distinct.
 * Reporting a condition absent for an alarm never seen costs nothing.
 * Returns 0, or -1 with errno ENOMEM, or EINVAL for an unknown type or an
 * empty resource. */
int ccm_alarms_set(struct ccm_alarms *alarms, enum ccm_alarm_type type,
		   const char *resource, bool condition, ccm_ms now,
		   const char *text);
#define CCM_ALARM_TEXT_MAX 1024

/* ccm_alarms_set() for an alarm whose severity is judged per instance
 * (what its condition does to users: ccmond(8), "What each alarm means
 * for users"), in a phase the caller numbers (0, 1, ...).  While the alarm
 * is raised and its condition present, a new severity or phase is one
 * CHANGED message with the alarm's id, its new severity and text (no
 * re-raise, no flap count; it counts against the rate limit, and waits
 * for it).  Before the raise, it only updates what will be raised; while
 * a clear is pending, nothing is said.  ccm_alarms_set() keeps the last
 * severity and phase given (the type's severity before any). */
int ccm_alarms_set_judged(struct ccm_alarms *alarms, enum ccm_alarm_type type,
			  const char *resource, bool condition, ccm_ms now,
			  const char *text, enum ccm_alarm_severity severity,
			  unsigned phase);

/* Moves the clock to now, deciding what falls due on the way. */
void ccm_alarms_advance(struct ccm_alarms *alarms, ccm_ms now);
ccm_ms ccm_alarms_now(const struct ccm_alarms *alarms);
/* When ccm_alarms_advance() next has something to decide: for the caller's
 * timer.  Returns false when nothing is pending. */
bool ccm_alarms_next_due(const struct ccm_alarms *alarms, ccm_ms *due);

/* The raised alarms (RAISED sent, CLEARED not) for status output and SNMP.
 * Pointers are valid until the next call that changes the object. */
struct ccm_alarm_view {
	uint64_t id;
	enum ccm_alarm_type type;
	const char *resource;
	enum ccm_alarm_severity severity; /* as last sent */
	ccm_ms since;
	ccm_ms raised_at;
	bool flapping;
	uint64_t changes;
	bool condition;   /* currently present (a clear may be pending) */
	const char *text; /* the latest text, updated without a message */
};
/* The raised alarm with the smallest id greater than after (0: the first),
 * as SNMP GETNEXT wants it.  Returns false when there is none. */
bool ccm_alarms_next_active(const struct ccm_alarms *alarms, uint64_t after,
			    struct ccm_alarm_view *out);
size_t ccm_alarms_count_active(const struct ccm_alarms *alarms);

/* Saving and restoring (agent/core/alarm_persist.h writes these as JSON
 * into the state file): what a raised alarm needs to go on across a
 * restart.  Strings belong to whoever filled the record. */
#define CCM_ALARM_PHASE_UNKNOWN UINT_MAX /* none saved: the next one judged
					  * is taken silently           */
/* Times beyond this, either side of 1970 (some 285,000 years), are no
 * time an alarm can have: the clock stops there. */
#define CCM_ALARM_TIME_MAX (INT64_C(1) << 53)
struct ccm_alarm_saved {
	enum ccm_alarm_type type;
	const char *resource;
	uint64_t id;
	enum ccm_alarm_severity severity; /* as last sent */
	ccm_ms since;
	ccm_ms raised_at;
	const char *text;     /* NULL: none was given (the type's) */
	bool flapping;
	uint64_t changes;
	unsigned phase;       /* CCM_ALARM_PHASE_UNKNOWN: none */
};

/* Whether a record can be restored: a known type and severity, a
 * resource, an id from 1 to INT64_MAX, changes up to INT64_MAX, times
 * within CCM_ALARM_TIME_MAX. */
bool ccm_alarm_saved_valid(const struct ccm_alarm_saved *saved);

/* Calls fn for each raised alarm in id order, as a record valid during
 * the call, until fn returns non-zero; returns that, or 0. */
int ccm_alarms_each_saved(const struct ccm_alarms *alarms,
			  int (*fn)(void *ctx,
				    const struct ccm_alarm_saved *saved),
			  void *ctx);
/* The id counter: the last id given to a RAISED. */
uint64_t ccm_alarms_last_id(const struct ccm_alarms *alarms);

/* Loads n records into an object that has no alarms yet, and the id
 * counter (at least the largest id loaded).  A loaded alarm counts as
 * raised (no second RAISED) with its condition present since its 'since',
 * until reported otherwise: reported absent, it clears once after its
 * clear hold.  Of two records of the same alarm the first stands.
 * Resources and texts are cleaned as ccm_alarms_set() does.  Returns the
 * number loaded, or -1 (errno EINVAL for a record that is not valid or a
 * counter over INT64_MAX, EBUSY when alarms exist, ENOMEM) leaving the
 * object as it was. */
int ccm_alarms_load(struct ccm_alarms *alarms,
		    const struct ccm_alarm_saved *saved, size_t n,
		    uint64_t last_id);

/* Restored alarms whose condition nobody reported since the restore count
 * as absent from now (so they clear after their clear hold): for the
 * caller to call once its first full look at the world is done. */
void ccm_alarms_expire_restored(struct ccm_alarms *alarms, ccm_ms now);

/* The MESSAGE line of a decision (malloc'd, NULL when out of memory):
 *   ccmon: CRITICAL raised component-down op-cs1: TEXT, since TIME. REMEDY
 *   ccmon: cleared component-down op-cs1 (was CRITICAL): TEXT.
 *   ccmon: MAJOR changed component-down op-cs1 (was CRITICAL): TEXT.
 * TIME is ccm_time_format()'s, with "Z" appended when utc says the times
 * are UTC wall-clock times (the live agent) rather than log times. */
char *ccm_alarm_message(const struct ccm_alarm_decision *d, bool utc);

/* ccm_time_format() plus "Z" when utc. */
const char *ccm_alarm_time(ccm_ms t, bool utc,
			   char buf[static CCM_TIME_STRLEN]);

#endif
