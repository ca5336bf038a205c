/* SPDX-License-Identifier: ISC */
/* The live agent's core: the engine, the alarms and what feeds them,
 * without I/O.  ccmond calls it with agent time (local civil time, the
 * convention of the router's own logs, that never steps: see agent/daemon/clock.c) and
 * takes out what it decided: alarm decisions to send and notes to log,
 * after persisting its state.  Every duration (holds, damping, silence,
 * timeouts) is measured on the times it is given; the wall clock enters
 * only through ccm_monitor_set_wall_offset(), for what it says.
 *
 * Conditions watched (alarm type: resource):
 *   component-down: component   an incident is open (GONE, first seen
 *                               failing, or CONNECTED past auth_timeout);
 *                               the text names the cause, its severity and
 *                               text what the loss does to users
 *                               (ccm_impact_server()), changed as that
 *                               changes
 *   auth-failure: component     CONNECTED not ACTIVE within auth_timeout
 *   endpoint-refused: server    connects to its host:port are refused (111),
 *                               and none succeeded since (server name if
 *                               configured, else host:port)
 *   endpoint-unreachable: server  the same, failing otherwise (timeout, no
 *                               route, ...)
 *   xcp-router-restart: node    the router restarted (log silent, then a
 *                               burst of CONNECTED): held restart_silence
 *   probe-failing: server       the last probe of the server failed
 *   log-silent: pattern         nothing read for log_silent_after
 *   log-unreadable: pattern     a file or directory cannot be read
 *   log-files-limit: pattern    more files than max_open_files
 *   messaging-blocked, group-chat-blocked, messaging-degraded,
 *   logging-lost: scope         what users suffer (agent/core/impact.h), for
 *                               "cluster" or each node in per-node mode;
 *                               an ACTIVE server whose events bounce after
 *                               the full queue_wait (queue_bounces within
 *                               queue_window) counts as down there */
#ifndef CCM_MONITOR_H
#define CCM_MONITOR_H

#include "agent/core/alarm.h"
#include "agent/core/engine.h"
#include "agent/core/impact.h"
#include "agent/core/probe_stats.h"
#include "agent/core/probe_types.h"
#include "agent/core/tail_event.h"
#include "agent/core/trace.h"
#include "parsers/config.h"

enum ccm_out_kind {
	CCM_OUT_ALARM, /* an alarm decision, for the sink */
	CCM_OUT_NOTE,  /* something to log: a transition, a warning */
	CCM_OUT_WITHHELD, /* a RAISED the rate limit held back until its
			   * clear caught up: never sent, for a record of
			   * what was not (ccmon analyze); decision.ended
			   * says when */
};

struct ccm_out {
	enum ccm_out_kind kind;
	int priority;        /* NOTE: LOG_INFO, LOG_WARNING ... */
	char *text;          /* NOTE: the message */
	char *component;     /* the component concerned, or NULL */
	char *server;        /* the server concerned, or NULL */
	/* ALARM: the decision, its strings owned by this entry */
	struct ccm_alarm_decision decision;
};

struct ccm_monitor;
struct json_object;

/* snapshot: the last run's ccm_monitor_snapshot() (NULL if none): its
 * raised alarms, and the endpoints it proved reachable after their
 * failures (agent/core/reachable.h).  NULL on failure with the reason in
 * err. */
struct ccm_monitor *ccm_monitor_new(const struct ccm_config *config,
				    const struct json_object *snapshot,
				    char *err, size_t errlen);
void ccm_monitor_free(struct ccm_monitor *m);

/* A new configuration (after a reload): alarm policies, endpoints of the
 * configured components, servers.  config must outlive the monitor or
 * the next call. */
int ccm_monitor_reconfigure(struct ccm_monitor *m,
			    const struct ccm_config *config);

/* A recognised log line.  replay: read in an earlier run or before the
 * first start; it rebuilds state at log time and raises nothing. */
void ccm_monitor_message(struct ccm_monitor *m, ccm_ms now, ccm_ms log_time,
			 const char *path, uint64_t line,
			 const struct ccm_logmsg *msg, bool replay);
/* Bytes were read from path (the log is alive). */
void ccm_monitor_log_grew(struct ccm_monitor *m, ccm_ms now, const char *path);
/* Every configured log grew: ccmon analyze, whose inputs stand for the
 * logs the configuration names, wherever they were copied to. */
void ccm_monitor_logs_grew(struct ccm_monitor *m, ccm_ms now);
void ccm_monitor_log_event(struct ccm_monitor *m, ccm_ms now,
			   enum ccm_tail_event ev, const char *path, int err);
void ccm_monitor_probe(struct ccm_monitor *m, ccm_ms now, const char *server,
		       const struct ccm_probe_report *report);

/* The first look at the world is complete (history replayed, files
 * opened): conditions found are reported as of their start, alarms restored
 * from the last run and no longer present start to clear. */
void ccm_monitor_synced(struct ccm_monitor *m, ccm_ms now);

void ccm_monitor_advance(struct ccm_monitor *m, ccm_ms now);

/* The wall clock minus the times the monitor is given (0 until told): the
 * times it writes into texts are shown as wall times, and log time is
 * compared with the wall clock.  Decisions, status and snapshots keep the
 * times given: the caller moves them when it shows them. */
void ccm_monitor_set_wall_offset(struct ccm_monitor *m, ccm_ms offset);
bool ccm_monitor_next_due(const struct ccm_monitor *m, ccm_ms *due);

/* Who hears why the monitor decided what it did (agent/core/trace.h):
 * each component transition taken or ignored, each change of what users
 * suffer per scope, each alarm held, suppressed, raised, changed or
 * cleared.  t is copied; NULL (the default) turns it off, which costs
 * one test per decision. */
void ccm_monitor_set_trace(struct ccm_monitor *m, const struct ccm_trace *t);

/* The outputs decided since the last call, in order; they belong to the
 * monitor until the next call. */
size_t ccm_monitor_take(struct ccm_monitor *m, const struct ccm_out **out);

/* For status output and persistence. */
const struct ccm_engine *ccm_monitor_engine(const struct ccm_monitor *m);
const struct ccm_alarms *ccm_monitor_alarms(const struct ccm_monitor *m);
const struct ccm_probe_stats *ccm_monitor_probe_stats(
	const struct ccm_monitor *m, const char *server);
/* ccm_alarms_snapshot() plus "reachable" (agent/core/reachable.h). */
struct json_object *ccm_monitor_snapshot(const struct ccm_monitor *m);
/* Are instant messages blocked for every user in some scope (the
 * messaging-blocked condition)? */
bool ccm_monitor_messaging_blocked(const struct ccm_monitor *m);

/* The impact per scope as last judged (none before the first look is
 * complete); valid until the next call into the monitor. */
size_t ccm_monitor_impacts(const struct ccm_monitor *m,
			   const struct ccm_impact **out);

#endif
