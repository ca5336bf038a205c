/* SPDX-License-Identifier: ISC */
/* The live agent's core: from engine changes, probe reports and tail
 * events to alarm conditions.
 *
 * Conditions are evaluated after each input, from the engine's state, not
 * from the individual changes: an input can emit several changes (a
 * transition, then the incident it opens), and the state between them is
 * not one an alarm should see. */
#include <fnmatch.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "agent/core/alarm_persist.h"
#include "agent/core/impact.h"
#include "agent/core/latency_watch.h"
#include "agent/core/monitor.h"
#include "agent/core/reachable.h"
#include "agent/util/grow.h"
#include "agent/util/safe_open.h"
#include "parsers/duration.h"

/* Log time this far from the wall clock means a clock or time-zone problem
 * (or a stale file): say so once. */
#define DRIFT_WARN INT64_C(60000)

struct server_state {
	const struct ccm_server *srv;
	struct ccm_probe_stats stats;
};

struct endpoint_state {
	const struct ccm_endpoint *ep;
	bool have_ok;
	ccm_ms last_ok; /* a connection to it last succeeded */
};

struct pattern_state {
	const char *pattern;
	ccm_ms last_growth;
};

/* Names no [server] configures, per node: the down ones make one
 * unknown-components alarm, the ones past max_components one
 * too-many-components alarm, so that a flood of names is no flood of
 * alarms. */
struct node_state {
	const char *node;   /* the configuration's string, or "local" */
	char *dashed;       /* as component names spell it */
	const struct ccm_component **down; /* by name, ignoring case */
	size_t ndown, capdown;
	uint64_t untracked; /* lines about names past the bound */
};
#define UNKNOWN_EXAMPLES 5

/* A router restart of a node: the xcp-router-restart alarm holds from the
 * burst to until (ccmond(8): an event, raised then cleared). */
struct restart_state {
	char *resource; /* the node, as node_state names it */
	ccm_ms until;
	bool pending;   /* said by the engine, not yet given to the alarms */
	char text[CCM_ALARM_TEXT_MAX];
};

struct ccm_monitor {
	const struct ccm_config *cfg;
	struct ccm_engine *engine;
	struct ccm_alarms *alarms;
	bool synced;
	bool live_input;   /* the input being applied is news, not replay */
	ccm_ms log_time;   /* ... and the time its line carries */
	bool drift_warned;
	ccm_ms now;
	ccm_ms wall_offset; /* the wall clock minus now: for what is said */
	struct server_state *servers;
	size_t nservers;
	struct endpoint_state *eps;
	size_t neps, capeps;
	struct pattern_state *patterns;
	size_t npatterns;
	const struct ccm_component **dirty; /* changed by the current input */
	size_t ndirty, capdirty;
	struct ccm_out *outs;
	size_t nouts, capouts;
	bool outs_taken;   /* outs were handed out: free them on next use */
	bool messaging_blocked; /* in some scope, at the last evaluation */
	struct ccm_impact *impacts; /* per scope, at the last evaluation */
	size_t nimpacts;
	bool have_impact_due;
	ccm_ms impact_due; /* the impact changes by itself then */
	struct ccm_latency_watch *latency; /* queue-latency-high verdicts */
	struct node_state *nodes; /* the agent's node first */
	size_t nnodes;
	struct restart_state *restarts; /* one per node that restarted */
	size_t nrestarts;
	/* what the last run proved reachable (agent/core/reachable.h) */
	struct ccm_reachable_set saved_ok;
};

static void eval_impact(struct ccm_monitor *m, ccm_ms now);

/* ---- outputs --------------------------------------------------------- */

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
static void note(struct ccm_monitor *m, int priority, const char *fmt, ...)
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

static const struct ccm_server *server_of_component(const struct ccm_monitor *m,
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
	struct ccm_out *o = new_out(m, CCM_OUT_ALARM);
	const struct ccm_server *srv = NULL;

	if (!o)
		return;
	o->decision = *d;
	o->decision.resource = dup_or_null(d->resource);
	o->decision.text = dup_or_null(d->text);
	switch (d->info->resource) {
	case CCM_RES_COMPONENT:
		o->component = dup_or_null(d->resource);
		srv = server_of_component(m, d->resource);
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
	struct ccm_out *o = new_out(m, CCM_OUT_WITHHELD);

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

/* ---- conditions ------------------------------------------------------ */

static struct endpoint_state *endpoint_state(struct ccm_monitor *m,
					     const struct ccm_endpoint *ep)
{
	for (size_t i = 0; i < m->neps; i++)
		if (m->eps[i].ep == ep)
			return &m->eps[i];
	if (m->neps == m->capeps) {
		size_t ncap = m->capeps ? m->capeps * 2 : 8;
		struct endpoint_state *n = realloc(m->eps, ncap * sizeof(*n));
		if (!n)
			return NULL;
		m->eps = n;
		m->capeps = ncap;
	}
	m->eps[m->neps] = (struct endpoint_state){ .ep = ep };
	return &m->eps[m->neps++];
}

/* The alarm resource of an endpoint: the configured server that uses it,
 * else host:port. */
static void endpoint_resource(const struct ccm_monitor *m,
			      const struct ccm_endpoint *ep, char *buf,
			      size_t len)
{
	for (size_t i = 0; i < m->cfg->nservers; i++) {
		const struct ccm_server *s = &m->cfg->servers[i];
		if (s->port == ep->port && !strcasecmp(s->host, ep->host)) {
			snprintf(buf, len, "%s", s->name);
			return;
		}
	}
	snprintf(buf, len, "%s:%u", ep->host, ep->port);
}

/* What the router's last connect error asks the operator to check
 * (ccmond(8), ALARMS). */
static const char *endpoint_advice(const struct ccm_endpoint *ep)
{
	switch (ccm_cause_of_errno(ep->last_errno)) {
	case CCM_CAUSE_REFUSED:
		return "the host answers but nothing listens on the port: "
		       "check that the compliance server is running and "
		       "listening there";
	case CCM_CAUSE_TIMEOUT:
		return "nothing answers: check that the host is up and the "
		       "network path (a firewall dropping the connection)";
	default:
		return "check the network path (routing, firewalls, the host "
		       "being up) and the address configured";
	}
}

/* endpoint-refused while the router's last connect was refused (111),
 * endpoint-unreachable while it failed otherwise: each sends the operator
 * to a different place (the service, or the network). */
static void eval_endpoint(struct ccm_monitor *m, const struct ccm_endpoint *ep,
			  ccm_ms t)
{
	struct endpoint_state *es = endpoint_state(m, ep);
	char res[300], text[800];
	bool failing, refused;

	if (!es)
		return;
	failing = ep->have_failure && (!es->have_ok ||
				       ep->last_failure > es->last_ok);
	refused = ep->have_failure &&
		  ep->last_errno == CCM_ROUTER_ECONNREFUSED;
	endpoint_resource(m, ep, res, sizeof(res));
	if (failing)
		snprintf(text, sizeof(text),
			 "%s: %s:%u, %s (%llu failed, %llu refused so far)",
			 ep->last_error ? ep->last_error : "?", ep->host,
			 ep->port, endpoint_advice(ep),
			 (unsigned long long)ep->failures,
			 (unsigned long long)ep->refused);
	else
		snprintf(text, sizeof(text), "%s:%u accepts connections again",
			 ep->host, ep->port);
	ccm_alarms_set(m->alarms, CCM_ALARM_ENDPOINT_REFUSED, res,
		       failing && refused, t, failing && refused ? text :
		       failing ? "the connects now fail otherwise" : text);
	ccm_alarms_set(m->alarms, CCM_ALARM_ENDPOINT_UNREACHABLE, res,
		       failing && !refused, t, failing && !refused ? text :
		       failing ? "the connects are now refused" : text);
}
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

/* queue-latency-high: the p95 of the waits in the window against the
 * threshold (agent/core/latency_watch.h says when it is worth judging). */
static void eval_latency(struct ccm_monitor *m, const struct ccm_component *c,
			 ccm_ms t)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	char text[700];
	bool on;

	if (ccm_latency_watch_judge(m->latency, c, t, a->queue_latency_high,
				    a->latency_window, &on, text,
				    sizeof(text))) {
		note(m, LOG_ERR, "out of memory: queue latency of %s not "
		     "judged", c->name);
		return;
	}
	/* only a server on a live link "accepts the connection"
	 * (doc/domain.md "Not answering while ACTIVE"); on a lost one,
	 * events wait for the link */
	if (on) {
		size_t n = strlen(text);

		snprintf(text + n, sizeof(text) - n, "; %s",
			 c->state == CCM_STATE_ACTIVE ?
			 "the component is ACTIVE: the server accepts the "
			 "connection but answers events late or not at all" :
			 "the component is not ACTIVE: events wait for the "
			 "link, see component-down");
	}
	ccm_alarms_set(m->alarms, CCM_ALARM_QUEUE_LATENCY_HIGH, c->name, on, t,
		       text);
}

/* ---- names no [server] configures ------------------------------------ */

/* The node a component name ("op-NAME.NODE-DASHED") belongs to: a known
 * node, else the agent's own (its router wrote the line). */
static struct node_state *node_of(struct ccm_monitor *m, const char *name,
				  size_t n)
{
	const char *dot = memchr(name, '.', n);

	if (dot) {
		size_t rest = n - (size_t)(dot + 1 - name);

		for (size_t i = 0; m->nodes && i < m->nnodes; i++)
			if (m->nodes[i].dashed &&
			    strlen(m->nodes[i].dashed) == rest &&
			    !strncasecmp(m->nodes[i].dashed, dot + 1, rest))
				return &m->nodes[i];
	}
	return m->nodes && m->nnodes ? &m->nodes[0] : NULL;
}

/* Where c is, or belongs, in ns->down. */
static size_t down_at(const struct node_state *ns,
		      const struct ccm_component *c, bool *found)
{
	size_t lo = 0, hi = ns->ndown;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcasecmp(ns->down[mid]->name, c->name);

		if (r == 0 && ns->down[mid] != c)
			r = ns->down[mid] < c ? -1 : 1;
		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Puts c in or out of its node's down set; false when nothing changed. */
static bool set_down(struct ccm_monitor *m, struct node_state *ns,
		     const struct ccm_component *c, bool down)
{
	bool found;
	size_t at = down_at(ns, c, &found);

	if (found == down)
		return false;
	if (!down) {
		memmove(ns->down + at, ns->down + at + 1,
			(ns->ndown - at - 1) * sizeof(*ns->down));
		ns->ndown--;
		return true;
	}
	if (ns->ndown == ns->capdown) {
		size_t ncap = ns->capdown ? ns->capdown * 2 : 16;
		const struct ccm_component **n = realloc(ns->down,
							 ncap * sizeof(*n));
		if (!n) {
			note(m, LOG_ERR, "out of memory: %s not counted in "
			     "unknown-components", c->name);
			return false;
		}
		ns->down = n;
		ns->capdown = ncap;
	}
	memmove(ns->down + at + 1, ns->down + at,
		(ns->ndown - at) * sizeof(*ns->down));
	ns->down[at] = c;
	ns->ndown++;
	return true;
}

static void eval_unknown(struct ccm_monitor *m, const struct node_state *ns,
			 ccm_ms t)
{
	char text[CCM_ALARM_TEXT_MAX];
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), "%zu %s that no [server] "
			       "configures %s down:", ns->ndown,
			       ns->ndown == 1 ? "component" : "components",
			       ns->ndown == 1 ? "is" : "are");
	for (size_t i = 0; i < ns->ndown && i < UNKNOWN_EXAMPLES &&
			   len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s %s", i ? "," : "",
					ns->down[i]->name);
	if (ns->ndown > UNKNOWN_EXAMPLES && len < sizeof(text))
		snprintf(text + len, sizeof(text) - len, ", ...");
	ccm_alarms_set(m->alarms, CCM_ALARM_UNKNOWN_COMPONENTS, ns->node,
		       ns->ndown > 0, t, ns->ndown ? text :
		       "every component that no [server] configures is "
		       "ACTIVE again");
}

static void eval_untracked(struct ccm_monitor *m, const struct node_state *ns,
			   ccm_ms t)
{
	char text[400];
	bool on = ns->untracked && ccm_engine_full(m->engine);

	if (on)
		snprintf(text, sizeof(text), "%zu component names that no "
			 "[server] configures are tracked (max_components); "
			 "%llu lines about further names were not applied",
			 m->cfg->agent.max_components,
			 (unsigned long long)ns->untracked);
	else
		snprintf(text, sizeof(text), "new component names are tracked "
			 "again (max_components %zu)",
			 m->cfg->agent.max_components);
	ccm_alarms_set(m->alarms, CCM_ALARM_TOO_MANY_COMPONENTS, ns->node, on,
		       t, text);
}

static void free_nodes(struct ccm_monitor *m)
{
	for (size_t i = 0; i < m->nnodes; i++) {
		free(m->nodes[i].dashed);
		free(m->nodes[i].down);
	}
	free(m->nodes);
	m->nodes = NULL;
	m->nnodes = 0;
}

/* The known nodes after a (re)configuration: the agent's, then the
 * servers'.  Down sets are rebuilt from the engine; counts carry over. */
static int build_nodes(struct ccm_monitor *m, const struct ccm_config *cfg)
{
	struct node_state *old = m->nodes;
	size_t nold = m->nnodes;
	struct node_state *ns = calloc(cfg->nservers + 1, sizeof(*ns));
	size_t n = 0;

	if (!ns)
		return -1;
	for (size_t i = 0; i <= cfg->nservers; i++) {
		const char *node = i ? cfg->servers[i - 1].node :
				       cfg->agent.node ? cfg->agent.node : "local";
		bool seen = false;

		for (size_t k = 0; node && k < n; k++)
			seen |= !strcasecmp(ns[k].node, node);
		if (!node || seen)
			continue;
		ns[n].node = node;
		ns[n].dashed = ccm_component_name("", node);
		if (!ns[n].dashed)
			goto oom;
		/* "op-." and the node: the node part only */
		memmove(ns[n].dashed, ns[n].dashed + 4,
			strlen(ns[n].dashed + 4) + 1);
		for (size_t k = 0; k < nold; k++)
			if (!strcasecmp(old[k].node, node))
				ns[n].untracked = old[k].untracked;
		n++;
	}
	m->nodes = ns;
	m->nnodes = n;
	for (size_t k = 0; k < nold; k++) {
		free(old[k].dashed);
		free(old[k].down);
	}
	free(old);
	return 0;
oom:
	for (size_t k = 0; k < n + 1; k++)
		free(ns[k].dashed);
	free(ns);
	return -1;
}

static void judge_down(struct ccm_monitor *m, const struct ccm_component *c,
		       const char *ep, ccm_ms t,
		       const struct ccm_server_status *given);

/* " (10.0.0.5:7999: (111) Connection refused)", or "" */
static void endpoint_phrase(const struct ccm_component *c, char *buf,
			    size_t len)
{
	buf[0] = '\0';
	if (c->endpoint)
		snprintf(buf, len, " (%s:%u%s%s)", c->endpoint->host,
			 c->endpoint->port,
			 c->endpoint->last_error ? ": " : "",
			 c->endpoint->last_error ? c->endpoint->last_error : "");
}

static void eval_component(struct ccm_monitor *m, const struct ccm_component *c,
			   ccm_ms t)
{
	bool down = c->have_incident && c->incident.open;
	bool auth = down && c->incident.cause == CCM_CAUSE_AUTH;
	char text[700], ep[300];

	endpoint_phrase(c, ep, sizeof(ep));
	if (!server_of_component(m, c->name)) {
		struct node_state *ns = node_of(m, c->name, strlen(c->name));

		if (ns && set_down(m, ns, c, down))
			eval_unknown(m, ns, t);
		goto rest;
	}
	if (down)
		judge_down(m, c, ep, t, NULL);
	else
		ccm_alarms_set(m->alarms, CCM_ALARM_COMPONENT_DOWN, c->name,
			       false, t, "ACTIVE again");
	if (auth)
		snprintf(text, sizeof(text), "%s reached CONNECTED but not "
			 "ACTIVE within %llds%s", c->name,
			 (long long)m->cfg->agent.auth_timeout / 1000, ep);
	ccm_alarms_set(m->alarms, CCM_ALARM_AUTH_FAILURE, c->name, auth, t,
		       auth ? text : "authentication completed");
rest:
	eval_latency(m, c, t);

	/* A component that connects proves its endpoint reachable. */
	if (c->endpoint && (c->state == CCM_STATE_CONNECTED ||
			    c->state == CCM_STATE_ACTIVE)) {
		struct endpoint_state *es = endpoint_state(m, c->endpoint);
		if (es && (!es->have_ok || es->last_ok < c->last_change)) {
			es->have_ok = true;
			es->last_ok = c->last_change;
		}
		eval_endpoint(m, c->endpoint, t);
	}
}

static void mark_dirty(struct ccm_monitor *m, const struct ccm_component *c)
{
	for (size_t i = 0; i < m->ndirty; i++)
		if (m->dirty[i] == c)
			return;
	if (m->ndirty == m->capdirty) {
		size_t ncap = m->capdirty ? m->capdirty * 2 : 8;
		const struct ccm_component **n = realloc(m->dirty,
							 ncap * sizeof(*n));
		if (!n)
			return;
		m->dirty = n;
		m->capdirty = ncap;
	}
	m->dirty[m->ndirty++] = c;
}

static void eval_dirty(struct ccm_monitor *m, ccm_ms t)
{
	if (m->synced)
		for (size_t i = 0; i < m->ndirty; i++)
			eval_component(m, m->dirty[i], t);
	m->ndirty = 0;
}

/* ---- router restarts ----------------------------------------------------- */

static struct restart_state *restart_state(struct ccm_monitor *m,
					   const char *resource)
{
	struct restart_state *n;

	for (size_t i = 0; i < m->nrestarts; i++)
		if (!strcasecmp(m->restarts[i].resource, resource))
			return &m->restarts[i];
	n = realloc(m->restarts, (m->nrestarts + 1) * sizeof(*n));
	if (!n)
		return NULL;
	m->restarts = n;
	n = &m->restarts[m->nrestarts];
	memset(n, 0, sizeof(*n));
	n->resource = strdup(resource);
	if (!n->resource)
		return NULL;
	m->nrestarts++;
	return n;
}

/* The engine saw a node's router restart.  It is known only once the
 * burst arrives, after the fact: the alarm is raised then and held for
 * restart_silence past alarm_raise_hold, so that it is raised whatever
 * the hold, and cleared after that (ccmond(8)). */
static void note_restart(struct ccm_monitor *m, const struct ccm_change *ch)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	struct node_state *ns = node_of(m, ch->component->name,
					strlen(ch->component->name));
	struct restart_state *r = ns ? restart_state(m, ns->node) : NULL;
	char from[CCM_TIME_STRLEN], to[CCM_TIME_STRLEN];
	char d[CCM_DURATION_STRLEN];

	if (!r) {
		note(m, LOG_ERR, "out of memory: a router restart not alarmed");
		return;
	}
	r->until = ch->time + a->restart_silence + a->alarm_raise_hold;
	r->pending = true;
	snprintf(r->text, sizeof(r->text), "the Cisco XCP Router of %s "
		 "restarted: its log was silent for %s (%s to %s), then its "
		 "components reconnected within %llds of each other; users "
		 "on this node could not send IM or group chat meanwhile "
		 "(events fail after up to %llds)", ns->node,
		 ccm_duration_format(ch->incident->end - ch->incident->start,
				     d),
		 ccm_time_format(ch->incident->start + m->wall_offset, from),
		 ccm_time_format(ch->incident->end + m->wall_offset, to),
		 (long long)a->restart_burst / 1000,
		 (long long)a->queue_wait / 1000);
}

static void eval_restarts(struct ccm_monitor *m, ccm_ms now)
{
	if (!m->synced)
		return;
	for (size_t i = 0; i < m->nrestarts; i++) {
		struct restart_state *r = &m->restarts[i];
		bool on = now < r->until;

		if (!on && !r->pending && !r->until)
			continue;
		ccm_alarms_set(m->alarms, CCM_ALARM_XCP_ROUTER_RESTART,
			       r->resource, on, now, on ? r->text :
			       "the router runs again since its restart");
		r->pending = false;
		if (!on)
			r->until = 0;
	}
}

static void on_change(void *ctx, const struct ccm_change *ch)
{
	struct ccm_monitor *m = ctx;
	const struct ccm_component *c = ch->component;

	if (ch->kind == CCM_CHANGE_RESTART)
		note_restart(m, ch);

	if (ch->kind != CCM_CHANGE_LATENCY ||
	    ccm_latency_watch_wait(m->latency, c, ch->wait,
				   m->cfg->agent.queue_latency_high))
		mark_dirty(m, c);
	if (!m->live_input && ch->kind != CCM_CHANGE_AUTH_TIMEOUT)
		return;
	switch (ch->kind) {
	case CCM_CHANGE_TRANSITION: {
		char logged[CCM_TIME_STRLEN];
		note(m, LOG_INFO, "%s: %s -> %s [%s:%llu, logged %s]", c->name,
		     ccm_state_name(ch->from), ccm_state_name(ch->to),
		     ch->pos.file ? ch->pos.file : "-",
		     (unsigned long long)ch->pos.line,
		     ccm_time_format(m->log_time, logged));
		break;
	}
	case CCM_CHANGE_AUTH_TIMEOUT:
		if (m->synced)
			note(m, LOG_WARNING, "%s: CONNECTED but not ACTIVE "
			     "after %llds: authentication not completed",
			     c->name,
			     (long long)m->cfg->agent.auth_timeout / 1000);
		break;
	case CCM_CHANGE_ENDPOINT_BOUND:
		if (ch->endpoint)
			note(m, LOG_INFO, "%s: connects to %s:%u", c->name,
			     ch->endpoint->host, ch->endpoint->port);
		break;
	case CCM_CHANGE_RESTART: /* said by its alarm: note_restart() */
	case CCM_CHANGE_INCIDENT_OPEN:
	case CCM_CHANGE_INCIDENT_CAUSE:
	case CCM_CHANGE_INCIDENT_CLOSE:
	case CCM_CHANGE_LATENCY: /* one wait is no news; the alarm is */
		break;
	}
}

/* ---- inputs ------------------------------------------------------------- */

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
	ccm_ms wall = now + m->wall_offset;

	m->now = t;
	if (m->synced && !replay && !m->drift_warned &&
	    (wall - log_time > DRIFT_WARN || log_time - wall > DRIFT_WARN)) {
		char a[CCM_TIME_STRLEN], b[CCM_TIME_STRLEN];
		m->drift_warned = true;
		note(m, LOG_WARNING, "%s:%llu is stamped %s but read at %s: "
		     "check the clocks and time zones of the router and of "
		     "this host (said once)", path, (unsigned long long)line,
		     ccm_time_format(log_time, a), ccm_time_format(wall, b));
	}
	m->live_input = !replay;
	m->log_time = log_time;
	if (ccm_engine_feed(m->engine, t, msg, &pos))
		note(m, LOG_ERR, "out of memory: %s:%llu not applied", path,
		     (unsigned long long)line);
	m->live_input = false;
	if (ccm_engine_untracked(m->engine) != untracked) {
		struct node_state *ns = node_of(m, msg->component.p,
						msg->component.n);
		if (ns) {
			ns->untracked++;
			if (m->synced)
				eval_untracked(m, ns, t);
		}
	}
	if (m->synced && msg->kind == CCM_MSG_CONNECT_FAILED) {
		const struct ccm_endpoint *ep = find_endpoint(m, &msg->host,
							      msg->port);
		if (ep)
			eval_endpoint(m, ep, t);
	}
	eval_dirty(m, t);
	eval_restarts(m, t);
	eval_impact(m, t);
	if (m->synced)
		ccm_alarms_advance(m->alarms, t);
}

static void pattern_grew(struct ccm_monitor *m, struct pattern_state *p,
			 ccm_ms now)
{
	p->last_growth = now;
	if (m->synced)
		ccm_alarms_set(m->alarms, CCM_ALARM_LOG_SILENT, p->pattern,
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
		ccm_alarms_set(m->alarms, CCM_ALARM_LOG_UNREADABLE, path, true,
			       now, text);
		break;
	case CCM_TAIL_READABLE:
		ccm_alarms_set(m->alarms, CCM_ALARM_LOG_UNREADABLE, path, false,
			       now, "readable again");
		break;
	case CCM_TAIL_LOST:
		note(m, LOG_WARNING, "%s: the file read last time is gone; "
		     "lines written to it after the saved position are lost",
		     path);
		break;
	case CCM_TAIL_OVERFLOW:
		note(m, LOG_WARNING, "inotify queue overflow: rescanned");
		break;
	case CCM_TAIL_ROTATED:
	case CCM_TAIL_TRUNCATED:
		note(m, LOG_INFO, "%s %s", path,
		     ev == CCM_TAIL_ROTATED ? "rotated" : "truncated");
		break;
	case CCM_TAIL_FILES_LIMIT:
		snprintf(text, sizeof(text), "more log files to follow than "
			 "max_open_files (%d): the idle ones are closed and "
			 "opened again when they grow", err);
		ccm_alarms_set(m->alarms, CCM_ALARM_LOG_FILES_LIMIT, path, true,
			       now, text);
		break;
	case CCM_TAIL_FILES_OK:
		ccm_alarms_set(m->alarms, CCM_ALARM_LOG_FILES_LIMIT, path, false,
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
		ccm_alarms_set(m->alarms, CCM_ALARM_PROBE_FAILING, server,
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
			es = endpoint_state(m, eps[i]);
			if (es) {
				es->have_ok = true;
				es->last_ok = now;
			}
			eval_endpoint(m, eps[i], now);
		}
	}
	eval_impact(m, now);
	ccm_alarms_advance(m->alarms, now);
}

/* ---- impact -------------------------------------------------------------- */

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
	const struct ccm_component *c =
		ccm_engine_component(m->engine, m->servers[i].srv->component);
	ccm_ms q = 0, e;

	memset(st, 0, sizeof(*st));
	st->state = c ? ccm_component_judged_state(c) : CCM_STATE_UNKNOWN;
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
static void judge_down(struct ccm_monitor *m, const struct ccm_component *c,
		       const char *ep, ccm_ms t,
		       const struct ccm_server_status *given)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	const struct ccm_impact_timing timing = {
		a->queue_wait, a->queue_window, a->reroute_after,
	};
	const struct ccm_server *srv = server_of_component(m, c->name);
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
	ccm_alarms_set_judged(m->alarms, CCM_ALARM_COMPONENT_DOWN, c->name,
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

/* What users suffer, judged again: the impact alarms of every scope. */
static void eval_impact(struct ccm_monitor *m, ccm_ms now)
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
	if (!st || !scopes) {
		free(st);
		free(scopes);
		note(m, LOG_ERR, "out of memory: user impact not judged");
		return;
	}
	ccm_impact_scopes(m->cfg, scopes, nscopes);
	if (nscopes != m->nimpacts) {
		struct ccm_impact *im = realloc(m->impacts,
						nscopes * sizeof(*im));
		if (!im && nscopes) {
			free(st);
			free(scopes);
			note(m, LOG_ERR, "out of memory: user impact not "
			     "judged");
			return;
		}
		m->impacts = im;
		m->nimpacts = nscopes;
	}
	for (size_t i = 0; i < m->nservers; i++) {
		ccm_ms due = 0;

		/* judged again when it changes by itself (stops pending,
		 * a bounce leaves the window) */
		if (server_status(m, i, &st[i], now, &due) && due > now &&
		    (!m->have_impact_due || due < m->impact_due)) {
			m->impact_due = due;
			m->have_impact_due = true;
		}
	}
	for (size_t k = 0; k < nscopes; k++) {
		struct ccm_impact *imp = &m->impacts[k];
		struct ccm_impact_alarms on;
		bool cond[4];
		ccm_ms due;

		ccm_impact_eval(m->cfg, &timing, st, scopes[k], now, imp);
		ccm_impact_alarms(imp, &on);
		cond[0] = on.messaging_blocked;
		cond[1] = on.group_chat_blocked;
		cond[2] = on.messaging_degraded;
		cond[3] = on.logging_lost;
		m->messaging_blocked |= on.messaging_blocked;
		for (size_t t = 0; t < 4; t++) {
			const struct ccm_alarm_type_info *info =
				ccm_alarm_type_info(impact_types[t]);
			char text[CCM_ALARM_TEXT_MAX];

			if (cond[t])
				impact_text(m, imp, info->id, text,
					    sizeof(text));
			ccm_alarms_set_judged(m->alarms, impact_types[t],
					      scopes[k], cond[t], now,
					      cond[t] ? text : NULL,
					      info->severity,
					      impact_phase(imp,
							   impact_types[t]));
		}
		if (ccm_impact_next_change(imp, now, &due) &&
		    (!m->have_impact_due || due < m->impact_due)) {
			m->impact_due = due;
			m->have_impact_due = true;
		}
	}
	/* the severity of each loss follows what it does now */
	for (size_t i = 0; i < m->nservers; i++) {
		const struct ccm_component *c = ccm_engine_component(
			m->engine, m->servers[i].srv->component);

		char ep[300];

		if (!c || !c->have_incident || !c->incident.open)
			continue;
		endpoint_phrase(c, ep, sizeof(ep));
		judge_down(m, c, ep, now, st);
	}
	free(st);
	free(scopes);
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

/* ---- clock ------------------------------------------------------------- */

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
		ccm_alarms_set(m->alarms, CCM_ALARM_LOG_SILENT, p->pattern,
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
			eval_latency(m, due[i], now);
}

void ccm_monitor_set_wall_offset(struct ccm_monitor *m, ccm_ms offset)
{
	m->wall_offset = offset;
}

void ccm_monitor_advance(struct ccm_monitor *m, ccm_ms now)
{
	m->now = now;
	ccm_engine_advance(m->engine, now);
	eval_dirty(m, now);
	eval_latencies(m, now);
	check_silence(m, now);
	eval_restarts(m, now);
	eval_impact(m, now);
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

/* ---- start ------------------------------------------------------------- */

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
		ccm_alarms_set(m->alarms, CCM_ALARM_PROBE_FAILING, keep[i],
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
		es = endpoint_state(m, c->endpoint);
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
		es = endpoint_state(m, eps[i]);
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
			eval_component(m, v[i].c, t);
		else
			eval_endpoint(m, v[i].ep, t);
	}
	free(v);
	for (size_t i = 0; i < m->nnodes; i++)
		if (m->nodes[i].untracked)
			eval_untracked(m, &m->nodes[i], now);
	eval_restarts(m, now);
	eval_impact(m, now);
	keep_probe_alarms(m, now);
	ccm_alarms_expire_restored(m->alarms, now);
	ccm_engine_advance(m->engine, now);
	eval_dirty(m, now);
	ccm_alarms_advance(m->alarms, now);
	m->now = now;
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
			ccm_alarms_set(m->alarms, CCM_ALARM_UNKNOWN_COMPONENTS,
				       m->nodes[i].node, false, m->now, NULL);
			ccm_alarms_set(m->alarms, CCM_ALARM_TOO_MANY_COMPONENTS,
				       m->nodes[i].node, false, m->now, NULL);
		}
	}
	if (build_nodes(m, cfg))
		return -1;
	if (!m->synced)
		return 0;
	m->cfg = cfg;
	nc = ccm_engine_components(m->engine, &comps);
	for (size_t i = 0; i < nc; i++) {
		const struct ccm_component *c = comps[i];
		struct node_state *ns;

		if (!c->have_incident || !c->incident.open ||
		    server_of_component(m, c->name))
			continue;
		ns = node_of(m, c->name, strlen(c->name));
		if (ns)
			set_down(m, ns, c, true);
	}
	for (size_t i = 0; i < m->nnodes; i++) {
		eval_unknown(m, &m->nodes[i], m->now);
		eval_untracked(m, &m->nodes[i], m->now);
	}
	return 0;
}

int ccm_monitor_reconfigure(struct ccm_monitor *m,
			    const struct ccm_config *cfg)
{
	struct ccm_alarm_policy p;
	struct server_state *servers = calloc(cfg->nservers + 1,
					      sizeof(*servers));
	struct pattern_state *patterns = calloc(cfg->agent.nlogs + 1,
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
	for (size_t i = 0; i < cfg->agent.nlogs; i++) {
		patterns[i].pattern = cfg->agent.logs[i];
		patterns[i].last_growth = m->now;
		for (size_t k = 0; k < m->npatterns; k++)
			if (!strcmp(m->patterns[k].pattern, cfg->agent.logs[i]))
				patterns[i].last_growth =
					m->patterns[k].last_growth;
	}
	free(m->servers);
	free(m->patterns);
	m->servers = servers;
	m->nservers = cfg->nservers;
	m->patterns = patterns;
	m->npatterns = cfg->agent.nlogs;
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
	/* the scopes name the configuration's strings: judged anew */
	eval_impact(m, m->now);
	return 0;
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
	m->engine = ccm_engine_new(&ec, on_change, m);
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
		note(m, LOG_WARNING, "the saved alarms could not be restored; "
		     "alarms raised before the restart will not be cleared");
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
	free_nodes(m);
	ccm_reachable_release(&m->saved_ok);
	ccm_alarms_free(m->alarms);
	ccm_engine_free(m->engine);
	ccm_latency_watch_free(m->latency);
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
