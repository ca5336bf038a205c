/* SPDX-License-Identifier: ISC */
/* The live agent's core: from engine changes, probe reports and tail
 * events to alarm conditions (agent/core/monitor_impl.h says which file
 * does what).  Here: its life cycle, its outputs, a new configuration,
 * and what it shows.
 *
 * Conditions are evaluated after each input, from the engine's state, not
 * from the individual changes: an input can emit several changes (a
 * transition, then the incident it opens), and the state between them is
 * not one an alarm should see. */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "agent/core/alarm_persist.h"
#include "agent/core/monitor_impl.h"
#include "agent/util/grow.h"

static void free_outs(struct ccm_monitor *m)
{
	for (size_t i = 0; i < m->nouts; i++) {
		struct ccm_out *o = &m->outs[i];
		free(o->text);
		free(o->component);
		free(o->server);
		free((char *)o->decision.resource);
		free((char *)o->decision.text);
	}
	m->nouts = 0;
	m->outs_taken = false;
}

static struct ccm_out *new_out(struct ccm_monitor *m, enum ccm_out_kind kind)
{
	struct ccm_out *o;

	if (m->outs_taken)
		free_outs(m);
	if (CCM_GROW(m->outs, m->capouts, m->nouts, 16))
		return NULL;
	o = &m->outs[m->nouts++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	return o;
}

__attribute__((format(printf, 3, 4)))
void mon_note(struct ccm_monitor *m, int priority, const char *fmt, ...)
{
	struct ccm_out *o = new_out(m, CCM_OUT_NOTE);
	va_list ap;

	if (!o)
		return;
	o->priority = priority;
	va_start(ap, fmt);
	if (vasprintf(&o->text, fmt, ap) < 0)
		o->text = NULL;
	va_end(ap);
}

const struct ccm_server *mon_server_of(const struct ccm_monitor *m,
				       const char *component)
{
	return ccm_config_server_by_component(m->cfg, component);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void on_alarm(void *ctx, const struct ccm_alarm_decision *d)
{
	struct ccm_monitor *m = ctx;
	struct ccm_out *o;
	const struct ccm_server *srv = NULL;

	mon_trace_decision(m, d, false);
	o = new_out(m, CCM_OUT_ALARM);

	if (!o)
		return;
	o->decision = *d;
	o->decision.resource = dup_or_null(d->resource);
	o->decision.text = dup_or_null(d->text);
	switch (d->info->resource) {
	case CCM_RES_COMPONENT:
		o->component = dup_or_null(d->resource);
		srv = mon_server_of(m, d->resource);
		o->server = srv ? strdup(srv->name) : NULL;
		break;
	case CCM_RES_SERVER:
		srv = ccm_config_server(m->cfg, d->resource);
		o->server = dup_or_null(d->resource);
		o->component = srv ? strdup(srv->component) : NULL;
		break;
	case CCM_RES_LOG:
	case CCM_RES_SCOPE:
		break;
	}
}

static void on_withheld(void *ctx, const struct ccm_alarm_decision *d)
{
	struct ccm_monitor *m = ctx;
	struct ccm_out *o;

	mon_trace_decision(m, d, true);
	o = new_out(m, CCM_OUT_WITHHELD);

	if (!o)
		return;
	o->decision = *d;
	o->decision.resource = dup_or_null(d->resource);
	o->decision.text = dup_or_null(d->text);
}

size_t ccm_monitor_take(struct ccm_monitor *m, const struct ccm_out **out)
{
	if (m->outs_taken)
		free_outs(m);
	*out = m->outs;
	m->outs_taken = true;
	return m->nouts;
}

void ccm_monitor_set_trace(struct ccm_monitor *m, const struct ccm_trace *t)
{
	m->trace = t ? *t : (struct ccm_trace){ .fn = NULL };
}

void ccm_monitor_set_wall_offset(struct ccm_monitor *m, ccm_ms offset)
{
	m->wall_offset = offset;
}

bool ccm_monitor_messaging_blocked(const struct ccm_monitor *m)
{
	return m->messaging_blocked;
}

size_t ccm_monitor_impacts(const struct ccm_monitor *m,
			   const struct ccm_impact **out)
{
	*out = m->impacts;
	return m->synced ? m->nimpacts : 0;
}

static void policy_from(const struct ccm_agent_config *a,
			struct ccm_alarm_policy *p)
{
	ccm_alarm_policy_default(p);
	p->raise_hold = a->alarm_raise_hold;
	p->clear_hold = a->alarm_clear_hold;
	p->flap_window = a->flap_window;
	p->flap_threshold = a->flap_threshold;
	p->rate_count = a->alarm_rate_limit.count;
	p->rate_period = a->alarm_rate_limit.period;
}

/* The nodes anew; the down names no [server] configures counted again
 * (a reload may configure some); the alarms of nodes gone clear. */
static int renode(struct ccm_monitor *m, const struct ccm_config *cfg)
{
	const struct ccm_component *const *comps;
	size_t nc;

	if (m->synced) {
		for (size_t i = 0; i < m->nnodes; i++) {
			bool kept = false;

			for (size_t k = 0; k <= cfg->nservers; k++) {
				const char *n = k ? cfg->servers[k - 1].node :
					cfg->agent.node ? cfg->agent.node :
					"local";
				kept |= n && !strcasecmp(n, m->nodes[i].node);
			}
			if (kept)
				continue;
			mon_alarm_set(m, CCM_ALARM_UNKNOWN_COMPONENTS,
				      m->nodes[i].node, false, m->now, NULL);
			mon_alarm_set(m, CCM_ALARM_TOO_MANY_COMPONENTS,
				      m->nodes[i].node, false, m->now, NULL);
		}
	}
	if (mon_build_nodes(m, cfg))
		return -1;
	if (!m->synced)
		return 0;
	m->cfg = cfg;
	nc = ccm_engine_components(m->engine, &comps);
	for (size_t i = 0; i < nc; i++) {
		const struct ccm_component *c = comps[i];
		struct node_state *ns;

		if (!c->have_incident || !c->incident.open ||
		    mon_server_of(m, c->name))
			continue;
		ns = mon_node_of(m, c->name, strlen(c->name));
		if (ns)
			mon_set_down(m, ns, c, true);
	}
	for (size_t i = 0; i < m->nnodes; i++) {
		mon_eval_unknown(m, &m->nodes[i], m->now);
		mon_eval_untracked(m, &m->nodes[i], m->now);
	}
	return 0;
}

int ccm_monitor_reconfigure(struct ccm_monitor *m,
			    const struct ccm_config *cfg)
{
	struct ccm_alarm_policy p;
	struct server_state *servers = calloc(cfg->nservers + 1,
					      sizeof(*servers));
	struct pattern_state *patterns = calloc(cfg->nlogs + 1,
						sizeof(*patterns));

	if (!servers || !patterns) {
		free(servers);
		free(patterns);
		return -1;
	}
	/* Probe figures survive a reload for servers that stay. */
	for (size_t i = 0; i < cfg->nservers; i++) {
		servers[i].srv = &cfg->servers[i];
		ccm_probe_stats_init(&servers[i].stats);
		for (size_t k = 0; k < m->nservers; k++)
			if (!strcmp(m->servers[k].srv->name, cfg->servers[i].name))
				servers[i].stats = m->servers[k].stats;
	}
	for (size_t i = 0; i < cfg->nlogs; i++) {
		patterns[i].pattern = cfg->logs[i];
		patterns[i].last_growth = m->now;
		for (size_t k = 0; k < m->npatterns; k++)
			if (!strcmp(m->patterns[k].pattern, cfg->logs[i]))
				patterns[i].last_growth =
					m->patterns[k].last_growth;
	}
	free(m->servers);
	free(m->patterns);
	m->servers = servers;
	m->nservers = cfg->nservers;
	m->comps_looked = SIZE_MAX; /* none looked up yet */
	m->patterns = patterns;
	m->npatterns = cfg->nlogs;
	m->cfg = cfg;
	policy_from(&cfg->agent, &p);
	for (int t = 0; t < CCM_ALARM_NTYPES; t++)
		ccm_alarms_set_policy(m->alarms, (enum ccm_alarm_type)t, &p);
	ccm_engine_set_latency_window(m->engine, cfg->agent.latency_window);
	ccm_engine_set_max_components(m->engine, cfg->agent.max_components);
	ccm_engine_set_restart(m->engine, cfg->agent.restart_silence,
			       cfg->agent.restart_burst);
	for (size_t i = 0; i < cfg->nservers; i++)
		if (ccm_engine_bind(m->engine, cfg->servers[i].component,
				    cfg->servers[i].host, cfg->servers[i].port))
			return -1;
	if (renode(m, cfg))
		return -1;
	mon_look_up_servers(m);
	/* the scopes name the configuration's strings: judged anew */
	mon_eval_impact(m, m->now);
	return 0;
}

/* Every change judges every configured server: with 1,000 servers a
 * lookup by name each time took a quarter of the agent's CPU. */
const struct ccm_component *mon_server_component(const struct ccm_monitor *m,
						 size_t i)
{
	const struct ccm_component *const *all;

	if (m->servers[i].comp ||
	    ccm_engine_components(m->engine, &all) == m->comps_looked)
		return m->servers[i].comp;
	return ccm_engine_component(m->engine, m->servers[i].srv->component);
}

void mon_look_up_servers(struct ccm_monitor *m)
{
	const struct ccm_component *const *all;
	size_t n = ccm_engine_components(m->engine, &all);

	if (n == m->comps_looked)
		return;
	for (size_t i = 0; i < m->nservers; i++)
		if (!m->servers[i].comp)
			m->servers[i].comp = ccm_engine_component(
				m->engine, m->servers[i].srv->component);
	m->comps_looked = n;
}

struct ccm_monitor *ccm_monitor_new(const struct ccm_config *cfg,
				    const struct json_object *snapshot,
				    char *err, size_t errlen)
{
	struct ccm_monitor *m = calloc(1, sizeof(*m));
	struct ccm_engine_config ec = {
		.auth_timeout = cfg->agent.auth_timeout,
		.latency_window = cfg->agent.latency_window,
		.max_components = cfg->agent.max_components,
		.restart_silence = cfg->agent.restart_silence,
		.restart_burst = cfg->agent.restart_burst,
	};

	if (!m)
		goto oom;
	m->cfg = cfg;
	m->engine = ccm_engine_new(&ec, mon_on_change, m);
	m->alarms = ccm_alarms_new(NULL, on_alarm, m);
	m->latency = ccm_latency_watch_new();
	if (!m->engine || !m->alarms || !m->latency)
		goto oom;
	ccm_alarms_on_withheld(m->alarms, on_withheld, m);
	if (snapshot && ccm_reachable_load(&m->saved_ok, snapshot))
		goto oom;
	if (snapshot && ccm_alarms_restore(m->alarms, snapshot) < 0) {
		/* a damaged snapshot costs the pairing of old alarms, not
		 * the start: their clears will not come */
		mon_note(m, LOG_WARNING, "the saved alarms could not be "
			 "restored; alarms raised before the restart will not "
			 "be cleared");
	}
	if (ccm_monitor_reconfigure(m, cfg))
		goto oom;
	return m;
oom:
	snprintf(err, errlen, "monitor.c: out of memory");
	ccm_monitor_free(m);
	return NULL;
}

void ccm_monitor_free(struct ccm_monitor *m)
{
	if (!m)
		return;
	free_outs(m);
	free(m->outs);
	free(m->dirty);
	free(m->eps);
	free(m->servers);
	free(m->patterns);
	free(m->impacts);
	for (size_t i = 0; i < m->nrestarts; i++)
		free(m->restarts[i].resource);
	free(m->restarts);
	mon_free_nodes(m);
	ccm_reachable_release(&m->saved_ok);
	ccm_alarms_free(m->alarms);
	ccm_engine_free(m->engine);
	ccm_latency_watch_free(m->latency);
	mon_trace_free(m);
	free(m);
}

const struct ccm_engine *ccm_monitor_engine(const struct ccm_monitor *m)
{
	return m->engine;
}

const struct ccm_alarms *ccm_monitor_alarms(const struct ccm_monitor *m)
{
	return m->alarms;
}

const struct ccm_probe_stats *ccm_monitor_probe_stats(
	const struct ccm_monitor *m, const char *server)
{
	for (size_t i = 0; i < m->nservers; i++)
		if (!strcmp(m->servers[i].srv->name, server))
			return &m->servers[i].stats;
	return NULL;
}

/* The endpoints reachable after their failures: until the first look is
 * complete, those the last run saved, carried over as they were. */
static int reachable(const struct ccm_monitor *m, struct json_object *arr)
{
	if (!m->synced) {
		for (size_t i = 0; i < m->saved_ok.n; i++)
			if (ccm_reachable_add(arr, m->saved_ok.v[i].host,
					      m->saved_ok.v[i].port,
					      m->saved_ok.v[i].failures))
				return -1;
		return 0;
	}
	for (size_t i = 0; i < m->neps; i++) {
		const struct endpoint_state *es = &m->eps[i];
		const struct ccm_endpoint *ep = es->ep;

		if (ep->have_failure && es->have_ok &&
		    es->last_ok >= ep->last_failure &&
		    ccm_reachable_add(arr, ep->host, ep->port, ep->failures))
			return -1;
	}
	return 0;
}

struct json_object *ccm_monitor_snapshot(const struct ccm_monitor *m)
{
	struct json_object *o = ccm_alarms_snapshot(m->alarms);
	struct json_object *arr = o ? json_object_new_array() : NULL;

	if (!arr || reachable(m, arr) ||
	    json_object_object_add(o, "reachable", arr)) {
		json_object_put(arr);
		json_object_put(o);
		return NULL;
	}
	return o;
}
