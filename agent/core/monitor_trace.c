/* SPDX-License-Identifier: ISC */
/* Why the monitor decided what it did (agent/core/trace.h), for an
 * operator chasing a wrong alarm: every alarm condition goes through
 * mon_alarm_set(), which says when a condition starts to be held before
 * its raise, is suppressed by going before it, has its clear held, or comes
 * back while a clear is pending; the decisions themselves are said as they
 * come out (mon_trace_decision()).  Off (no trace function), nothing is
 * formatted and nothing remembered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/monitor_impl.h"

/* What an alarm was last seen doing, to say each change once. */
enum seen {
	SEEN_ABSENT = 0, /* no condition, nothing raised */
	SEEN_HELD,       /* condition present, not raised (yet) */
	SEEN_RAISED,     /* raised, condition present */
	SEEN_CLEARING,   /* raised, condition absent: the clear is held */
};

struct mon_traced {
	enum ccm_alarm_type type;
	char *resource;
	enum seen seen;
};

static struct mon_traced *traced(struct ccm_monitor *m,
				 enum ccm_alarm_type type, const char *res)
{
	struct mon_traced *n;

	for (size_t i = 0; i < m->ntraced; i++)
		if (m->traced[i].type == type &&
		    !strcmp(m->traced[i].resource, res))
			return &m->traced[i];
	n = realloc(m->traced, (m->ntraced + 1) * sizeof(*n));
	if (!n)
		return NULL;
	m->traced = n;
	n = &m->traced[m->ntraced];
	n->type = type;
	n->seen = SEEN_ABSENT;
	n->resource = strdup(res);
	if (!n->resource)
		return NULL;
	m->ntraced++;
	return n;
}

void mon_trace_free(struct ccm_monitor *m)
{
	for (size_t i = 0; i < m->ntraced; i++)
		free(m->traced[i].resource);
	free(m->traced);
	m->traced = NULL;
	m->ntraced = 0;
	free(m->impact_sig);
	m->impact_sig = NULL;
	m->nimpact_sig = 0;
}

/* Where the alarm layer stands on (type, res) after cond was reported. */
static enum seen now_seen(const struct ccm_monitor *m,
			  enum ccm_alarm_type type, const char *res, bool cond)
{
	struct ccm_alarm_view v;
	uint64_t after = 0;

	while (ccm_alarms_next_active(m->alarms, after, &v)) {
		after = v.id;
		if (v.type == type && !strcmp(v.resource, res))
			return v.condition ? SEEN_RAISED : SEEN_CLEARING;
	}
	return cond ? SEEN_HELD : SEEN_ABSENT;
}

static void say_seen(struct ccm_monitor *m, const char *id, const char *res,
		     enum seen was, enum seen is, ccm_ms t)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	char until[CCM_TIME_STRLEN];

	if (was == SEEN_ABSENT && is == SEEN_HELD)
		ccm_trace(&m->trace, "alarm %s %s: present, held until %s "
			  "(alarm_raise_hold %llds; the rate limit may hold "
			  "it longer)", id, res,
			  ccm_time_format(t + a->alarm_raise_hold +
					  m->wall_offset, until),
			  (long long)a->alarm_raise_hold / 1000);
	else if (was == SEEN_HELD && is == SEEN_ABSENT)
		ccm_trace(&m->trace, "alarm %s %s: gone before it was raised: "
			  "suppressed (shorter than alarm_raise_hold %llds)",
			  id, res, (long long)a->alarm_raise_hold / 1000);
	else if (was == SEEN_RAISED && is == SEEN_CLEARING)
		ccm_trace(&m->trace, "alarm %s %s: absent, clear held until %s "
			  "(alarm_clear_hold %llds; flap_window %llds when "
			  "flapping)", id, res,
			  ccm_time_format(t + a->alarm_clear_hold +
					  m->wall_offset, until),
			  (long long)a->alarm_clear_hold / 1000,
			  (long long)a->flap_window / 1000);
	else if (was == SEEN_CLEARING && is == SEEN_RAISED)
		ccm_trace(&m->trace, "alarm %s %s: present again: the "
			  "pending clear is cancelled", id, res);
}

/* After the alarm layer was told: says what changed, once. */
static void trace_set(struct ccm_monitor *m, enum ccm_alarm_type type,
		      const char *res, bool cond, ccm_ms t)
{
	struct mon_traced *tr = traced(m, type, res);
	enum seen is;

	if (!tr)
		return;
	is = now_seen(m, type, res, cond);
	if (is != tr->seen)
		say_seen(m, ccm_alarm_type_info(type)->id, res, tr->seen, is,
			 t);
	tr->seen = is;
}

void mon_alarm_set(struct ccm_monitor *m, enum ccm_alarm_type type,
		   const char *res, bool cond, ccm_ms t, const char *text)
{
	ccm_alarms_set(m->alarms, type, res, cond, t, text);
	if (mon_tracing(m))
		trace_set(m, type, res, cond, t);
}

void mon_alarm_set_judged(struct ccm_monitor *m, enum ccm_alarm_type type,
			  const char *res, bool cond, ccm_ms t,
			  const char *text, enum ccm_alarm_severity sev,
			  unsigned phase)
{
	ccm_alarms_set_judged(m->alarms, type, res, cond, t, text, sev, phase);
	if (mon_tracing(m))
		trace_set(m, type, res, cond, t);
}

void mon_trace_decision(struct ccm_monitor *m,
			const struct ccm_alarm_decision *d, bool withheld)
{
	char since[CCM_TIME_STRLEN];

	if (!mon_tracing(m))
		return;
	if (withheld) {
		ccm_trace(&m->trace, "alarm %s %s: raise withheld: the rate "
			  "limit held it until its clear caught up (never "
			  "sent)",
			  d->info->id, d->resource);
		return;
	}
	ccm_trace(&m->trace, "alarm %s %s %s #%llu: %s%s%s, since %s: %s",
		  ccm_alarm_state_name(d->state), d->info->id, d->resource,
		  (unsigned long long)d->id,
		  ccm_alarm_severity_name(d->severity),
		  d->state == CCM_ALARM_CHANGED ? " was " : "",
		  d->state == CCM_ALARM_CHANGED ?
			  ccm_alarm_severity_name(d->was) : "",
		  ccm_time_format(d->since + m->wall_offset, since),
		  d->flapping ? "flapping" : d->text ? d->text : "");
}

/* The verdicts of one scope as a number: the four conditions and the
 * phases of the first three. */
static unsigned impact_sig(const struct ccm_impact_alarms *on,
			   const unsigned phase[3])
{
	return (unsigned)on->messaging_blocked |
	       (unsigned)on->group_chat_blocked << 1 |
	       (unsigned)on->messaging_degraded << 2 |
	       (unsigned)on->logging_lost << 3 | phase[0] << 4 |
	       phase[1] << 12 | phase[2] << 20;
}

void mon_trace_impact(struct ccm_monitor *m, size_t k, size_t nscopes,
		      const struct ccm_impact *imp,
		      const struct ccm_impact_alarms *on,
		      const unsigned phase[3])
{
	unsigned sig = impact_sig(on, phase);

	if (!mon_tracing(m))
		return;
	if (m->nimpact_sig != nscopes) {
		unsigned *n = realloc(m->impact_sig, nscopes * sizeof(*n));

		if (!n)
			return;
		/* never judged: the first verdict is said */
		memset(n, 0xff, nscopes * sizeof(*n));
		m->impact_sig = n;
		m->nimpact_sig = nscopes;
	}
	if (k >= nscopes || m->impact_sig[k] == sig)
		return;
	m->impact_sig[k] = sig;
	ccm_trace(&m->trace, "impact %s: messaging-blocked %s (phase %u), "
		  "group-chat-blocked %s (phase %u), messaging-degraded %s "
		  "(phase %u), logging-lost %s; down servers: %s",
		  imp->scope, on->messaging_blocked ? "yes" : "no", phase[0],
		  on->group_chat_blocked ? "yes" : "no", phase[1],
		  on->messaging_degraded ? "yes" : "no", phase[2],
		  on->logging_lost ? "yes" : "no",
		  imp->servers[0] ? imp->servers : "none");
}
