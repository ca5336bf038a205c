/* SPDX-License-Identifier: ISC */
/* The monitor's inputs and its clock: recognised lines and the engine's
 * changes they cause, events of the followed logs, probe reports, time
 * passing, and the first look at the world complete.  Each input is
 * applied, then the conditions it may have changed are evaluated. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "agent/core/monitor_impl.h"
#include "agent/util/safe_open.h"

/* Log time this far from the wall clock means a clock or time-zone problem
 * (or a stale file): say so once. */
#define DRIFT_WARN INT64_C(60000)

/* Why a change of the engine counts for what it does (or not). */
static const char *change_weight(const struct ccm_monitor *m)
{
	if (!m->live_input)
		return "; replayed: state rebuilt, nothing said";
	if (!m->synced)
		return "; judged once the first look is complete";
	return "";
}

static void trace_change(struct ccm_monitor *m, const struct ccm_change *ch)
{
	const struct ccm_component *c = ch->component;
	const struct ccm_incident *inc = ch->incident;
	char at[CCM_TIME_STRLEN];

	ccm_time_format(ch->time + m->wall_offset, at);
	switch (ch->kind) {
	case CCM_CHANGE_TRANSITION:
		ccm_trace(&m->trace, "component %s: %s -> %s at %s [%s:%llu]%s",
			  c->name, ccm_state_name(ch->from),
			  ccm_state_name(ch->to), at,
			  ch->pos.file ? ch->pos.file : "-",
			  (unsigned long long)ch->pos.line, change_weight(m));
		break;
	case CCM_CHANGE_INCIDENT_OPEN:
	case CCM_CHANGE_INCIDENT_CAUSE:
	case CCM_CHANGE_INCIDENT_CLOSE:
		ccm_trace(&m->trace, "component %s: incident #%llu %s at %s, "
			  "cause %s%s", c->name,
			  (unsigned long long)(inc ? inc->id : 0),
			  ch->kind == CCM_CHANGE_INCIDENT_OPEN ? "opened" :
			  ch->kind == CCM_CHANGE_INCIDENT_CLOSE ? "closed" :
			  "changed cause",
			  at, inc ? ccm_cause_name(inc->cause) : "?",
			  change_weight(m));
		break;
	case CCM_CHANGE_AUTH_TIMEOUT:
		ccm_trace(&m->trace, "component %s: CONNECTED without ACTIVE "
			  "for auth_timeout at %s", c->name, at);
		break;
	case CCM_CHANGE_RESTART:
		ccm_trace(&m->trace, "node of %s: router restart at %s%s",
			  c->name, at, change_weight(m));
		break;
	case CCM_CHANGE_ENDPOINT_BOUND:
	case CCM_CHANGE_LATENCY: /* no decision hangs on one of these */
		break;
	}
}

void mon_on_change(void *ctx, const struct ccm_change *ch)
{
	struct ccm_monitor *m = ctx;
	const struct ccm_component *c = ch->component;

	if (ch->kind == CCM_CHANGE_TRANSITION)
		m->transitions++;
	if (mon_tracing(m))
		trace_change(m, ch);
	if (ch->kind == CCM_CHANGE_RESTART)
		mon_note_restart(m, ch);

	if (ch->kind != CCM_CHANGE_LATENCY ||
	    ccm_latency_watch_wait(m->latency, c, ch->wait,
				   m->cfg->agent.queue_latency_high))
		mon_mark_dirty(m, c);
	if (!m->live_input && ch->kind != CCM_CHANGE_AUTH_TIMEOUT)
		return;
	switch (ch->kind) {
	case CCM_CHANGE_TRANSITION: {
		char logged[CCM_TIME_STRLEN];
		mon_note(m, LOG_INFO, "%s: %s -> %s [%s:%llu, logged %s]",
			 c->name, ccm_state_name(ch->from), ccm_state_name(ch->to),
			 ch->pos.file ? ch->pos.file : "-",
			 (unsigned long long)ch->pos.line,
			 ccm_time_format(m->log_time, logged));
		break;
	}
	case CCM_CHANGE_AUTH_TIMEOUT:
		if (m->synced)
			mon_note(m, LOG_WARNING, "%s: CONNECTED but not ACTIVE "
				 "after %llds: authentication not completed",
				 c->name,
				 (long long)m->cfg->agent.auth_timeout / 1000);
		break;
	case CCM_CHANGE_ENDPOINT_BOUND:
		if (ch->endpoint)
			mon_note(m, LOG_INFO, "%s: connects to %s:%u", c->name,
				 ch->endpoint->host, ch->endpoint->port);
		break;
	case CCM_CHANGE_RESTART: /* said by its alarm: mon_note_restart() */
	case CCM_CHANGE_INCIDENT_OPEN:
	case CCM_CHANGE_INCIDENT_CAUSE:
	case CCM_CHANGE_INCIDENT_CLOSE:
	case CCM_CHANGE_LATENCY: /* one wait is no news; the alarm is */
		break;
	}
}

static const struct ccm_endpoint *find_endpoint(const struct ccm_monitor *m,
						const struct ccm_span *host,
						unsigned port)
{
	const struct ccm_endpoint *const *eps;
	size_t n = ccm_engine_endpoints(m->engine, &eps);

	for (size_t i = 0; i < n; i++)
		if (eps[i]->port == port && strlen(eps[i]->host) == host->n &&
		    !memcmp(eps[i]->host, host->p, host->n))
			return eps[i];
	return NULL;
}

/* A line that changed nothing, and why (the engine says nothing of it). */
static void trace_ignored(struct ccm_monitor *m, const struct ccm_logmsg *msg,
			  bool untracked, uint64_t transitions)
{
	if (untracked)
		ccm_trace(&m->trace, "component %.*s: line not applied: "
			  "max_components (%zu) names are tracked",
			  (int)msg->component.n, msg->component.p,
			  m->cfg->agent.max_components);
	else if (msg->kind == CCM_MSG_COMPONENT_STATE &&
		 m->transitions == transitions)
		ccm_trace(&m->trace, "component %.*s: %s again: no transition",
			  (int)msg->component.n, msg->component.p,
			  ccm_state_name(msg->state));
}

void ccm_monitor_message(struct ccm_monitor *m, ccm_ms now, ccm_ms log_time,
			 const char *path, uint64_t line,
			 const struct ccm_logmsg *msg, bool replay)
{
	struct ccm_srcpos pos = { .file = path, .line = line };
	/* Until the first look is complete, even news is applied at the
	 * time it was logged: lines written while the agent was stopped
	 * keep their real order and durations. */
	ccm_ms t = m->synced ? now : log_time;
	uint64_t untracked = ccm_engine_untracked(m->engine);
	uint64_t transitions = m->transitions;
	ccm_ms wall = now + m->wall_offset;

	m->now = t;
	if (m->synced && !replay && !m->drift_warned &&
	    (wall - log_time > DRIFT_WARN || log_time - wall > DRIFT_WARN)) {
		char a[CCM_TIME_STRLEN], b[CCM_TIME_STRLEN];
		m->drift_warned = true;
		mon_note(m, LOG_WARNING, "%s:%llu is stamped %s but read at "
			 "%s: check the clocks and time zones of the router "
			 "and of this host (said once)", path,
			 (unsigned long long)line, ccm_time_format(log_time, a),
			 ccm_time_format(wall, b));
	}
	m->live_input = !replay;
	m->log_time = log_time;
	if (ccm_engine_feed(m->engine, t, msg, &pos))
		mon_note(m, LOG_ERR, "out of memory: %s:%llu not applied", path,
			 (unsigned long long)line);
	mon_look_up_servers(m);
	m->live_input = false;
	if (mon_tracing(m))
		trace_ignored(m, msg, ccm_engine_untracked(m->engine) !=
				      untracked, transitions);
	if (ccm_engine_untracked(m->engine) != untracked) {
		struct node_state *ns = mon_node_of(m, msg->component.p,
						    msg->component.n);
		if (ns) {
			ns->untracked++;
			if (m->synced)
				mon_eval_untracked(m, ns, t);
		}
	}
	if (m->synced && msg->kind == CCM_MSG_CONNECT_FAILED) {
		const struct ccm_endpoint *ep = find_endpoint(m, &msg->host,
							      msg->port);
		if (ep)
			mon_eval_endpoint(m, ep, t);
	}
	mon_eval_dirty(m, t);
	mon_eval_restarts(m, t);
	mon_eval_impact(m, t);
	if (m->synced)
		ccm_alarms_advance(m->alarms, t);
}

static void pattern_grew(struct ccm_monitor *m, struct pattern_state *p,
			 ccm_ms now)
{
	p->last_growth = now;
	if (m->synced)
		mon_alarm_set(m, CCM_ALARM_LOG_SILENT, p->pattern,
			      false, now, "the log is written again");
}

void ccm_monitor_log_grew(struct ccm_monitor *m, ccm_ms now, const char *path)
{
	for (size_t i = 0; i < m->npatterns; i++)
		if (fnmatch(m->patterns[i].pattern, path, FNM_PATHNAME) == 0)
			pattern_grew(m, &m->patterns[i], now);
}

void ccm_monitor_logs_grew(struct ccm_monitor *m, ccm_ms now)
{
	for (size_t i = 0; i < m->npatterns; i++)
		pattern_grew(m, &m->patterns[i], now);
}

void ccm_monitor_log_event(struct ccm_monitor *m, ccm_ms now,
			   enum ccm_tail_event ev, const char *path, int err)
{
	char text[600];

	switch (ev) {
	case CCM_TAIL_UNREADABLE:
		snprintf(text, sizeof(text), "%s cannot be read: %s", path,
			 ccm_open_strerror(err));
		mon_alarm_set(m, CCM_ALARM_LOG_UNREADABLE, path, true,
			      now, text);
		break;
	case CCM_TAIL_READABLE:
		mon_alarm_set(m, CCM_ALARM_LOG_UNREADABLE, path, false,
			      now, "readable again");
		break;
	case CCM_TAIL_LOST:
		mon_note(m, LOG_WARNING, "%s: the file read last time is "
			 "gone; lines written to it after the saved position "
			 "are lost", path);
		break;
	case CCM_TAIL_OVERFLOW:
		mon_note(m, LOG_WARNING, "inotify queue overflow: rescanned");
		break;
	case CCM_TAIL_ROTATED:
	case CCM_TAIL_TRUNCATED:
		mon_note(m, LOG_INFO, "%s %s", path,
			 ev == CCM_TAIL_ROTATED ? "rotated" : "truncated");
		break;
	case CCM_TAIL_FILES_LIMIT:
		snprintf(text, sizeof(text), "more log files to follow than "
			 "max_open_files (%d): the idle ones are closed and "
			 "opened again when they grow", err);
		mon_alarm_set(m, CCM_ALARM_LOG_FILES_LIMIT, path, true,
			      now, text);
		break;
	case CCM_TAIL_FILES_OK:
		mon_alarm_set(m, CCM_ALARM_LOG_FILES_LIMIT, path, false,
			      now, "every log file followed is kept open");
		break;
	case CCM_TAIL_OPENED:
	case CCM_TAIL_CLOSED:
		break;
	}
}

void ccm_monitor_probe(struct ccm_monitor *m, ccm_ms now, const char *server,
		       const struct ccm_probe_report *r)
{
	char text[700];
	bool failing = r->result != CCM_PROBE_OK;

	m->now = now;
	for (size_t i = 0; i < m->nservers; i++) {
		struct server_state *s = &m->servers[i];
		if (strcmp(s->srv->name, server) != 0)
			continue;
		ccm_probe_stats_add(&s->stats, r);
		snprintf(text, sizeof(text), "%s probe of %s:%u: %s%s%s",
			 ccm_probe_depth_name(r->depth), s->srv->host,
			 s->srv->port, ccm_probe_result_name(r->result),
			 r->detail[0] ? ": " : "", r->detail);
		mon_alarm_set(m, CCM_ALARM_PROBE_FAILING, server,
			      failing, now, text);
		break;
	}
	/* A probe that connects proves the endpoint reachable. */
	if (r->connected) {
		const struct ccm_endpoint *const *eps;
		size_t n = ccm_engine_endpoints(m->engine, &eps);
		const struct ccm_server *srv = ccm_config_server(m->cfg, server);
		for (size_t i = 0; srv && i < n; i++) {
			struct endpoint_state *es;
			if (eps[i]->port != srv->port ||
			    strcasecmp(eps[i]->host, srv->host))
				continue;
			es = mon_endpoint_state(m, eps[i]);
			if (es) {
				es->have_ok = true;
				es->last_ok = now;
			}
			mon_eval_endpoint(m, eps[i], now);
		}
	}
	mon_eval_impact(m, now);
	ccm_alarms_advance(m->alarms, now);
}

static void check_silence(struct ccm_monitor *m, ccm_ms now)
{
	ccm_ms after = m->cfg->agent.log_silent_after;
	char text[600], when[CCM_TIME_STRLEN];

	if (!m->synced || after <= 0)
		return;
	for (size_t i = 0; i < m->npatterns; i++) {
		struct pattern_state *p = &m->patterns[i];
		if (now - p->last_growth < after)
			continue;
		snprintf(text, sizeof(text), "nothing written to %s since %s "
			 "(log_silent_after %llds): is the XCP Router running "
			 "and tracing?", p->pattern,
			 ccm_time_format(p->last_growth + m->wall_offset,
					 when),
			 (long long)after / 1000);
		mon_alarm_set(m, CCM_ALARM_LOG_SILENT, p->pattern,
			      true, now, text);
	}
}

/* The windows moved on: the components whose verdict it may change. */
static void eval_latencies(struct ccm_monitor *m, ccm_ms now)
{
	const struct ccm_component *due[16];
	size_t n;

	if (!m->synced)
		return;
	/* each judgement moves the component's time on past now */
	while ((n = ccm_latency_watch_due(m->latency, now, due, 16)))
		for (size_t i = 0; i < n; i++)
			mon_eval_latency(m, due[i], now);
}

void ccm_monitor_advance(struct ccm_monitor *m, ccm_ms now)
{
	m->now = now;
	ccm_engine_advance(m->engine, now);
	mon_eval_dirty(m, now);
	eval_latencies(m, now);
	check_silence(m, now);
	mon_eval_restarts(m, now);
	mon_eval_impact(m, now);
	if (m->synced)
		ccm_alarms_advance(m->alarms, now);
}

bool ccm_monitor_next_due(const struct ccm_monitor *m, ccm_ms *due)
{
	bool any = false;
	ccm_ms t;

	if (ccm_engine_next_due(m->engine, &t)) {
		*due = t;
		any = true;
	}
	if (m->synced && ccm_alarms_next_due(m->alarms, &t) &&
	    (!any || t < *due)) {
		*due = t;
		any = true;
	}
	for (size_t i = 0; m->synced && i < m->nrestarts; i++) {
		t = m->restarts[i].until;
		if (t && t > m->now && (!any || t < *due)) {
			*due = t;
			any = true;
		}
	}
	if (m->synced && m->have_impact_due && (!any || m->impact_due < *due)) {
		*due = m->impact_due;
		any = true;
	}
	if (m->synced && ccm_latency_watch_next_due(m->latency, &t) &&
	    (!any || t < *due)) {
		*due = t;
		any = true;
	}
	if (m->synced && m->cfg->agent.log_silent_after > 0) {
		for (size_t i = 0; i < m->npatterns; i++) {
			t = m->patterns[i].last_growth +
			    m->cfg->agent.log_silent_after;
			/* already silent: nothing more to decide */
			if (t <= m->now)
				continue;
			if (!any || t < *due) {
				*due = t;
				any = true;
			}
		}
	}
	return any;
}

/* A probe-failing alarm restored from the last run stays until the next
 * probe of its server says otherwise: expiring it now would clear it, and
 * the first probe a second later raise it again. */
static void keep_probe_alarms(struct ccm_monitor *m, ccm_ms now)
{
	struct ccm_alarm_view v;
	uint64_t after = 0;
	char **keep = NULL;
	size_t n = 0;

	/* collected first: setting an alarm may change what is iterated */
	while (ccm_alarms_next_active(m->alarms, after, &v)) {
		const struct ccm_server *s;
		char **k;
		after = v.id;
		if (v.type != CCM_ALARM_PROBE_FAILING)
			continue;
		s = ccm_config_server(m->cfg, v.resource);
		if (!s || s->probe == CCM_PROBE_NONE)
			continue;
		k = realloc(keep, (n + 1) * sizeof(*keep));
		if (!k)
			break;
		keep = k;
		if ((keep[n] = strdup(v.resource)))
			n++;
	}
	for (size_t i = 0; i < n; i++) {
		mon_alarm_set(m, CCM_ALARM_PROBE_FAILING, keep[i],
			      true, now, NULL);
		free(keep[i]);
	}
	free(keep);
}

struct pending {
	ccm_ms since;
	const struct ccm_component *c;
	const struct ccm_endpoint *ep;
};

static int by_since(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	return (x->since > y->since) - (x->since < y->since);
}

void ccm_monitor_synced(struct ccm_monitor *m, ccm_ms now)
{
	const struct ccm_component *const *comps;
	const struct ccm_endpoint *const *eps;
	size_t nc = ccm_engine_components(m->engine, &comps);
	size_t ne = ccm_engine_endpoints(m->engine, &eps);
	struct pending *v = calloc(nc + ne + 1, sizeof(*v));
	size_t n = 0;

	m->synced = true;
	m->now = now;
	m->ndirty = 0;
	for (size_t i = 0; i < m->npatterns; i++)
		m->patterns[i].last_growth = now;
	/* What the history proves reachable first: a failure followed by a
	 * successful connect is over, whatever the order evaluated below. */
	for (size_t i = 0; i < nc; i++) {
		const struct ccm_component *c = comps[i];
		struct endpoint_state *es;
		if (!c->endpoint || (c->state != CCM_STATE_CONNECTED &&
				     c->state != CCM_STATE_ACTIVE))
			continue;
		es = mon_endpoint_state(m, c->endpoint);
		if (es && (!es->have_ok || es->last_ok < c->last_change)) {
			es->have_ok = true;
			es->last_ok = c->last_change;
		}
	}
	/* What the last run proved reachable and no line since refuted: a
	 * probe's success is in no log, and the replay must not raise again
	 * what that run cleared (agent/core/reachable.h). */
	for (size_t i = 0; i < ne; i++) {
		struct endpoint_state *es;
		uint64_t seen;

		if (!eps[i]->have_failure ||
		    !ccm_reachable_find(&m->saved_ok, eps[i]->host,
					eps[i]->port, &seen) ||
		    eps[i]->failures > seen)
			continue;
		es = mon_endpoint_state(m, eps[i]);
		if (es && (!es->have_ok || es->last_ok < eps[i]->last_failure)) {
			es->have_ok = true;
			es->last_ok = eps[i]->last_failure;
		}
	}
	/* Conditions found in the history are reported as of when they
	 * began, oldest first, so that each alarm says since when. */
	for (size_t i = 0; v && i < nc; i++) {
		const struct ccm_component *c = comps[i];
		v[n++] = (struct pending){
			.since = c->have_incident && c->incident.open ?
				 c->incident.start : now,
			.c = c,
		};
	}
	for (size_t i = 0; v && i < ne; i++)
		if (eps[i]->have_failure)
			v[n++] = (struct pending){ .since = eps[i]->last_failure,
						   .ep = eps[i] };
	if (v)
		qsort(v, n, sizeof(*v), by_since);
	for (size_t i = 0; i < n; i++) {
		ccm_ms t = v[i].since < now ? v[i].since : now;
		if (v[i].c)
			mon_eval_component(m, v[i].c, t);
		else
			mon_eval_endpoint(m, v[i].ep, t);
	}
	free(v);
	for (size_t i = 0; i < m->nnodes; i++)
		if (m->nodes[i].untracked)
			mon_eval_untracked(m, &m->nodes[i], now);
	mon_eval_restarts(m, now);
	mon_eval_impact(m, now);
	keep_probe_alarms(m, now);
	ccm_alarms_expire_restored(m->alarms, now);
	ccm_engine_advance(m->engine, now);
	mon_eval_dirty(m, now);
	ccm_alarms_advance(m->alarms, now);
	m->now = now;
}
