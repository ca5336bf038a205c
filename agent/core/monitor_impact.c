/* SPDX-License-Identifier: ISC */
/* What users suffer, as the monitor judges it: the status of each
 * configured server (down, graceful or not, pending, hung), the impact
 * alarms of every scope (agent/core/impact.h), and the severity and text
 * of component-down that follow what a loss does now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "agent/core/monitor_impl.h"

static const char *state_word(enum ccm_state s)
{
	switch (s) {
	case CCM_STATE_CONNECTED:
		return "CONNECTED (not ACTIVE)";
	case CCM_STATE_ACTIVE:
		return "ACTIVE";
	case CCM_STATE_GONE:
		return "GONE";
	case CCM_STATE_UNKNOWN:
		break;
	}
	return "not connected";
}

/* A loss is graceful when the server's host answers and refuses: the
 * compliance service stopped, the router knows at once.  Silence (a
 * timeout, no route) is an ungraceful loss.  The engine's cause holds the
 * router's evidence, in whichever order the refusal and the GONE came. */
static bool graceful_loss(const struct ccm_monitor *m, size_t i,
			  const struct ccm_component *c)
{
	const struct server_state *s = &m->servers[i];

	if (c->have_incident && c->incident.open &&
	    c->incident.cause == CCM_CAUSE_REFUSED)
		return true;
	return s->stats.have_last && s->stats.last_result == CCM_PROBE_REFUSED;
}

/* How long after a loss the router's refused reconnects (or a refused
 * probe) may take to show it was graceful: until then it is pending. */
#define LOSS_EVIDENCE_WAIT INT64_C(3000)

/* The router's bounces of events that waited the full queue_wait (the
 * built-in bounce rule, or a pair of lines that far apart), ending in
 * (from, to]: how many, and when the first of them was queued.  A tenth
 * of queue_wait is allowed for the lines' own delays. */
static unsigned full_bounces(const struct ccm_monitor *m,
			     const struct ccm_component *c, ccm_ms from,
			     ccm_ms to, ccm_ms *first_queued,
			     ccm_ms *first_end)
{
	const struct ccm_qlat *l = &c->latency;
	ccm_ms full = m->cfg->agent.queue_wait - m->cfg->agent.queue_wait / 10;
	unsigned n = 0;

	/* newest first, in time order: only the recent ones are read */
	for (size_t k = l->n; l->ring && k-- > 0;) {
		const struct ccm_qlat_sample *sm =
			&l->ring[(l->head + k) % CCM_QLAT_SAMPLES];

		if (sm->time <= from)
			break;
		if (sm->time > to || sm->wait < full)
			continue;
		n++;
		*first_queued = sm->time - sm->wait;
		*first_end = sm->time;
	}
	return n;
}

/* Events that ended (answered or bounced) in (from, to] after less than a
 * third of queue_wait: the router did not queue them. */
static bool quick_bounce(const struct ccm_monitor *m,
			 const struct ccm_component *c, ccm_ms from, ccm_ms to)
{
	const struct ccm_qlat *l = &c->latency;

	for (size_t k = l->n; l->ring && k-- > 0;) {
		const struct ccm_qlat_sample *sm =
			&l->ring[(l->head + k) % CCM_QLAT_SAMPLES];

		if (sm->time <= from)
			break;
		if (sm->time <= to &&
		    sm->wait < m->cfg->agent.queue_wait / 3)
			return true;
	}
	return false;
}

/* ACTIVE but not answering: at least queue_bounces full-wait bounces
 * within queue_window since it became ACTIVE (ccmond(8)).  *due: when the
 * oldest of them leaves the window and the verdict may change. */
static bool hung(const struct ccm_monitor *m, const struct ccm_component *c,
		 ccm_ms now, ccm_ms *since, ccm_ms *due)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	ccm_ms from = now - a->queue_window, first_end = 0;
	unsigned n;

	if (c->have_change && c->last_change > from)
		from = c->last_change;
	n = full_bounces(m, c, from, now, since, &first_end);
	if (!n)
		return false;
	*due = first_end + a->queue_window;
	if (*since < from)
		*since = from;
	return n >= a->queue_bounces;
}

/* The status of configured server i at now; *due set (and true returned)
 * when it changes by itself later. */
static bool server_status(const struct ccm_monitor *m, size_t i,
			  struct ccm_server_status *st, ccm_ms now,
			  ccm_ms *due)
{
	const struct ccm_component *c = mon_server_component(m, i);
	ccm_ms q = 0, e;

	memset(st, 0, sizeof(*st));
	st->state = c ? ccm_component_judged_state(c) : CCM_STATE_UNKNOWN;
	st->unknown = ccm_server_unknown(m->cfg, m->servers[i].srv,
					 st->state);
	if (c && c->state == CCM_STATE_ACTIVE) {
		st->hung = hung(m, c, now, &st->down_since, due);
		return st->hung || *due > now;
	}
	if (st->state != CCM_STATE_CONNECTED && st->state != CCM_STATE_GONE)
		return false;
	st->down_since = c->have_incident && c->incident.open ?
				 c->incident.start : c->last_change;
	st->graceful = graceful_loss(m, i, c);
	st->pending = !st->graceful &&
		      now < st->down_since + LOSS_EVIDENCE_WAIT;
	/* Events that waited the full queue_wait after the loss: the router
	 * queues, whatever the reconnects say (doc/ccmond.8). */
	if (full_bounces(m, c, st->down_since, now, &q, &e)) {
		st->graceful = false;
		st->pending = false;
	} else if (now < st->down_since + m->cfg->agent.queue_window &&
		   quick_bounce(m, c, st->down_since, now)) {
		/* bounced at once while an ungraceful loss would still
		 * queue: the router knows the server is gone */
		st->graceful = true;
		st->pending = false;
	}
	*due = st->down_since + LOSS_EVIDENCE_WAIT;
	return st->pending;
}

/* The phase of an impact alarm, for ccm_alarms_set_judged(): a new one
 * while raised is a CHANGED message. */
static unsigned class_phase(const struct ccm_class_impact *ci)
{
	return ci->hung ? 3 : ci->pending ? 2 : ci->queueing ? 1 : 0;
}

static unsigned impact_phase(const struct ccm_impact *im,
			     enum ccm_alarm_type type)
{
	const struct ccm_class_impact *c = im->classes;

	switch (type) {
	case CCM_ALARM_MESSAGING_BLOCKED:
		return class_phase(&c[CCM_CLASS_MESSAGE]);
	case CCM_ALARM_GROUP_CHAT_BLOCKED:
		return class_phase(&c[CCM_CLASS_GROUPCHAT]);
	case CCM_ALARM_MESSAGING_DEGRADED:
		return (c[CCM_CLASS_MESSAGE].reach == CCM_REACH_SOME ||
			c[CCM_CLASS_GROUPCHAT].reach == CCM_REACH_SOME ? 0 :
									 4) +
		       class_phase(&c[CCM_CLASS_MESSAGE]);
	default:
		return 0;
	}
}

static const enum ccm_alarm_severity loss_severity[] = {
	[CCM_LOSS_BLOCKS] = CCM_SEV_CRITICAL,
	[CCM_LOSS_DEGRADES] = CCM_SEV_MAJOR,
	[CCM_LOSS_LOGGING] = CCM_SEV_MAJOR,
	[CCM_LOSS_ABSORBED] = CCM_SEV_WARNING,
};

/* The status of every configured server (nservers + 1 entries, calloc'd),
 * or NULL when out of memory. */
static struct ccm_server_status *all_status(const struct ccm_monitor *m,
					    ccm_ms now)
{
	struct ccm_server_status *st = calloc(m->nservers + 1, sizeof(*st));
	ccm_ms due;

	for (size_t i = 0; st && i < m->nservers; i++)
		server_status(m, i, &st[i], now, &due);
	return st;
}

/* component-down of a configured server's component: its severity and
 * text from what its loss does to users (doc/ccmond.8, "What each alarm
 * means for users"). */
void mon_judge_down(struct ccm_monitor *m, const struct ccm_component *c,
		    const char *ep, ccm_ms t,
		    const struct ccm_server_status *given)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	const struct ccm_impact_timing timing = {
		a->queue_wait, a->queue_window, a->reroute_after,
	};
	const struct ccm_server *srv = mon_server_of(m, c->name);
	/* judged as things are now, even for an alarm dated back to when
	 * its condition began (the first look at the world) */
	ccm_ms now = t > m->now ? t : m->now;
	struct ccm_server_status *own = given ? NULL : all_status(m, now);
	const struct ccm_server_status *st = given ? given : own;
	struct ccm_server_impact si;
	enum ccm_alarm_severity sev = CCM_SEV_CRITICAL;
	char text[CCM_ALARM_TEXT_MAX], gist[800] = "";
	unsigned phase = 0;
	size_t i = srv ? (size_t)(srv - m->cfg->servers) : 0;

	if (st && srv && i < m->nservers) {
		const struct ccm_class_impact *cl;

		ccm_impact_server(m->cfg, &timing, st, i, now, &si);
		cl = si.impact.classes;
		/* shown as wall times */
		for (size_t k = 0; k < CCM_NCLASSES; k++) {
			if (si.impact.classes[k].queue_until)
				si.impact.classes[k].queue_until +=
					m->wall_offset;
			if (si.impact.classes[k].reroute_at)
				si.impact.classes[k].reroute_at +=
					m->wall_offset;
		}
		ccm_server_impact_text(&si, gist, sizeof(gist));
		sev = loss_severity[si.loss];
		phase = (unsigned)si.loss * 8 +
			class_phase(cl[CCM_CLASS_MESSAGE].reach ?
				    &cl[CCM_CLASS_MESSAGE] :
				    cl[CCM_CLASS_GROUPCHAT].reach ?
				    &cl[CCM_CLASS_GROUPCHAT] :
				    &cl[CCM_CLASS_LOGIN]);
	}
	free(own);
	snprintf(text, sizeof(text), "%s is %s, cause %s%s%s%s", c->name,
		 state_word(c->state), ccm_cause_name(c->incident.cause), ep,
		 *gist ? ": " : "", gist);
	mon_alarm_set_judged(m, CCM_ALARM_COMPONENT_DOWN, c->name,
			     true, t, text, sev, phase);
}

static const enum ccm_alarm_type impact_types[] = {
	CCM_ALARM_MESSAGING_BLOCKED, CCM_ALARM_GROUP_CHAT_BLOCKED,
	CCM_ALARM_MESSAGING_DEGRADED, CCM_ALARM_LOGGING_LOST,
};

/* The text of one impact alarm, its times shown as wall times. */
static void impact_text(const struct ccm_monitor *m,
			const struct ccm_impact *imp, const char *which,
			char *buf, size_t len)
{
	struct ccm_impact shown = *imp;

	for (size_t c = 0; c < CCM_NCLASSES; c++) {
		struct ccm_class_impact *ci = &shown.classes[c];
		ci->since += m->wall_offset;
		/* 0: none */
		if (ci->queue_until)
			ci->queue_until += m->wall_offset;
		if (ci->reroute_at)
			ci->reroute_at += m->wall_offset;
	}
	shown.logging_lost_since += m->wall_offset;
	ccm_impact_text(&shown, which, buf, len);
}

/* A time at which the impact changes by itself: judged again then. */
static void impact_due(struct ccm_monitor *m, ccm_ms due)
{
	if (!m->have_impact_due || due < m->impact_due) {
		m->impact_due = due;
		m->have_impact_due = true;
	}
}

/* The status of every configured server into st. */
static void servers_status(struct ccm_monitor *m,
			   struct ccm_server_status *st, ccm_ms now)
{
	for (size_t i = 0; i < m->nservers; i++) {
		ccm_ms due = 0;

		/* judged again when it changes by itself (stops pending,
		 * a bounce leaves the window) */
		if (server_status(m, i, &st[i], now, &due) && due > now)
			impact_due(m, due);
	}
}

/* The impact alarms of scope k (of nscopes). */
static void judge_scope(struct ccm_monitor *m,
			const struct ccm_impact_timing *timing,
			const struct ccm_server_status *st, const char *scope,
			size_t k, size_t nscopes, ccm_ms now)
{
	struct ccm_impact *imp = &m->impacts[k];
	struct ccm_impact_alarms on;
	unsigned phase[4];
	bool cond[4];
	ccm_ms due;

	ccm_impact_eval(m->cfg, timing, st, scope, now, imp);
	ccm_impact_alarms(imp, &on);
	cond[0] = on.messaging_blocked;
	cond[1] = on.group_chat_blocked;
	cond[2] = on.messaging_degraded;
	cond[3] = on.logging_lost;
	for (size_t t = 0; t < 4; t++)
		phase[t] = impact_phase(imp, impact_types[t]);
	mon_trace_impact(m, k, nscopes, imp, &on, phase);
	m->messaging_blocked |= on.messaging_blocked;
	for (size_t t = 0; t < 4; t++) {
		const struct ccm_alarm_type_info *info =
			ccm_alarm_type_info(impact_types[t]);
		char text[CCM_ALARM_TEXT_MAX];

		if (cond[t])
			impact_text(m, imp, info->id, text, sizeof(text));
		mon_alarm_set_judged(m, impact_types[t], scope, cond[t], now,
				     cond[t] ? text : NULL, info->severity,
				     phase[t]);
	}
	if (ccm_impact_next_change(imp, now, &due))
		impact_due(m, due);
}

/* The severity of each loss follows what it does now. */
static void judge_losses(struct ccm_monitor *m,
			 const struct ccm_server_status *st, ccm_ms now)
{
	for (size_t i = 0; i < m->nservers; i++) {
		const struct ccm_component *c = mon_server_component(m, i);
		char ep[300];

		if (!c || !c->have_incident || !c->incident.open)
			continue;
		mon_endpoint_phrase(c, ep, sizeof(ep));
		mon_judge_down(m, c, ep, now, st);
	}
}

/* The impact of each scope as last judged, nscopes of them. */
static int size_impacts(struct ccm_monitor *m, size_t nscopes)
{
	struct ccm_impact *im;

	if (nscopes == m->nimpacts)
		return 0;
	im = realloc(m->impacts, nscopes * sizeof(*im));
	if (!im && nscopes)
		return -1;
	m->impacts = im;
	m->nimpacts = nscopes;
	return 0;
}

/* What users suffer, judged again: the impact alarms of every scope. */
void mon_eval_impact(struct ccm_monitor *m, ccm_ms now)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	const struct ccm_impact_timing timing = {
		a->queue_wait, a->queue_window, a->reroute_after,
	};
	struct ccm_server_status *st;
	const char **scopes;
	size_t nscopes;

	m->messaging_blocked = false;
	m->have_impact_due = false;
	if (!m->synced)
		return;
	nscopes = ccm_impact_scopes(m->cfg, NULL, 0);
	st = calloc(m->nservers + 1, sizeof(*st));
	scopes = calloc(nscopes + 1, sizeof(*scopes));
	if (!st || !scopes || size_impacts(m, nscopes)) {
		free(st);
		free(scopes);
		mon_note(m, LOG_ERR, "out of memory: user impact not judged");
		return;
	}
	ccm_impact_scopes(m->cfg, scopes, nscopes);
	servers_status(m, st, now);
	for (size_t k = 0; k < nscopes; k++)
		judge_scope(m, &timing, st, scopes[k], k, nscopes, now);
	judge_losses(m, st, now);
	free(st);
	free(scopes);
}
