/* SPDX-License-Identifier: ISC */
/* The monitor's conditions, judged from the engine's state: component-down
 * and auth-failure of configured components, endpoint-refused and
 * endpoint-unreachable, queue-latency-high, the names no [server]
 * configures (unknown-components, too-many-components) and router
 * restarts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "agent/core/monitor_impl.h"
#include "agent/util/grow.h"
#include "parsers/duration.h"

#define UNKNOWN_EXAMPLES 5

struct endpoint_state *mon_endpoint_state(struct ccm_monitor *m,
					  const struct ccm_endpoint *ep)
{
	for (size_t i = 0; i < m->neps; i++)
		if (m->eps[i].ep == ep)
			return &m->eps[i];
	if (CCM_GROW(m->eps, m->capeps, m->neps, 8))
		return NULL;
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
void mon_eval_endpoint(struct ccm_monitor *m, const struct ccm_endpoint *ep,
		       ccm_ms t)
{
	struct endpoint_state *es = mon_endpoint_state(m, ep);
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
	mon_alarm_set(m, CCM_ALARM_ENDPOINT_REFUSED, res,
		      failing && refused, t, failing && refused ? text :
		      failing ? "the connects now fail otherwise" : text);
	mon_alarm_set(m, CCM_ALARM_ENDPOINT_UNREACHABLE, res,
		      failing && !refused, t, failing && !refused ? text :
		      failing ? "the connects are now refused" : text);
}

/* queue-latency-high: the p95 of the waits in the window against the
 * threshold (agent/core/latency_watch.h says when it is worth judging). */
void mon_eval_latency(struct ccm_monitor *m, const struct ccm_component *c,
		      ccm_ms t)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	char text[700];
	bool on;

	if (ccm_latency_watch_judge(m->latency, c, t, a->queue_latency_high,
				    a->latency_window, &on, text,
				    sizeof(text))) {
		mon_note(m, LOG_ERR, "out of memory: queue latency of %s not "
			 "judged", c->name);
		return;
	}
	/* only a server on a live link accepts the connection; on a lost
	 * one, events wait for the link (doc/domain.md "Queueing, bounce and
	 * re-routing windows") */
	if (on) {
		size_t n = strlen(text);

		snprintf(text + n, sizeof(text) - n, "; %s",
			 c->state == CCM_STATE_ACTIVE ?
			 "the component is ACTIVE: the server accepts the "
			 "connection but answers events late or not at all" :
			 "the component is not ACTIVE: events wait for the "
			 "link, see component-down");
	}
	mon_alarm_set(m, CCM_ALARM_QUEUE_LATENCY_HIGH, c->name, on, t,
		      text);
}

/* " (10.0.0.5:7999: (111) Connection refused)", or "" */
void mon_endpoint_phrase(const struct ccm_component *c, char *buf,
			 size_t len)
{
	buf[0] = '\0';
	if (c->endpoint)
		snprintf(buf, len, " (%s:%u%s%s)", c->endpoint->host,
			 c->endpoint->port,
			 c->endpoint->last_error ? ": " : "",
			 c->endpoint->last_error ? c->endpoint->last_error : "");
}

void mon_eval_component(struct ccm_monitor *m, const struct ccm_component *c,
			ccm_ms t)
{
	bool down = c->have_incident && c->incident.open;
	bool auth = down && c->incident.cause == CCM_CAUSE_AUTH;
	char text[700], ep[300];

	mon_endpoint_phrase(c, ep, sizeof(ep));
	if (!mon_server_of(m, c->name)) {
		struct node_state *ns = mon_node_of(m, c->name, strlen(c->name));

		if (ns && mon_set_down(m, ns, c, down))
			mon_eval_unknown(m, ns, t);
		goto rest;
	}
	if (down)
		mon_judge_down(m, c, ep, t, NULL);
	else
		mon_alarm_set(m, CCM_ALARM_COMPONENT_DOWN, c->name,
			      false, t, "ACTIVE again");
	if (auth)
		snprintf(text, sizeof(text), "%s reached CONNECTED but not "
			 "ACTIVE within %llds%s", c->name,
			 (long long)m->cfg->agent.auth_timeout / 1000, ep);
	mon_alarm_set(m, CCM_ALARM_AUTH_FAILURE, c->name, auth, t,
		      auth ? text : "authentication completed");
rest:
	mon_eval_latency(m, c, t);

	/* A component that connects proves its endpoint reachable. */
	if (c->endpoint && (c->state == CCM_STATE_CONNECTED ||
			    c->state == CCM_STATE_ACTIVE)) {
		struct endpoint_state *es = mon_endpoint_state(m, c->endpoint);
		if (es && (!es->have_ok || es->last_ok < c->last_change)) {
			es->have_ok = true;
			es->last_ok = c->last_change;
		}
		mon_eval_endpoint(m, c->endpoint, t);
	}
}

void mon_mark_dirty(struct ccm_monitor *m, const struct ccm_component *c)
{
	for (size_t i = 0; i < m->ndirty; i++)
		if (m->dirty[i] == c)
			return;
	if (CCM_GROW(m->dirty, m->capdirty, m->ndirty, 8))
		return;
	m->dirty[m->ndirty++] = c;
}

void mon_eval_dirty(struct ccm_monitor *m, ccm_ms t)
{
	if (m->synced)
		for (size_t i = 0; i < m->ndirty; i++)
			mon_eval_component(m, m->dirty[i], t);
	m->ndirty = 0;
}

/* The node a component name ("op-NAME.NODE-DASHED") belongs to: a known
 * node, else the agent's own (its router wrote the line). */
struct node_state *mon_node_of(struct ccm_monitor *m, const char *name,
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
bool mon_set_down(struct ccm_monitor *m, struct node_state *ns,
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
	if (CCM_GROW(ns->down, ns->capdown, ns->ndown, 16)) {
		mon_note(m, LOG_ERR, "out of memory: %s not counted in "
			 "unknown-components", c->name);
		return false;
	}
	memmove(ns->down + at + 1, ns->down + at,
		(ns->ndown - at) * sizeof(*ns->down));
	ns->down[at] = c;
	ns->ndown++;
	return true;
}

void mon_eval_unknown(struct ccm_monitor *m, const struct node_state *ns,
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
	mon_alarm_set(m, CCM_ALARM_UNKNOWN_COMPONENTS, ns->node,
		      ns->ndown > 0, t, ns->ndown ? text :
		      "every component that no [server] configures is "
		      "ACTIVE again");
}

void mon_eval_untracked(struct ccm_monitor *m, const struct node_state *ns,
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
	mon_alarm_set(m, CCM_ALARM_TOO_MANY_COMPONENTS, ns->node, on,
		      t, text);
}

void mon_free_nodes(struct ccm_monitor *m)
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
int mon_build_nodes(struct ccm_monitor *m, const struct ccm_config *cfg)
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
void mon_note_restart(struct ccm_monitor *m, const struct ccm_change *ch)
{
	const struct ccm_agent_config *a = &m->cfg->agent;
	struct node_state *ns = mon_node_of(m, ch->component->name,
					    strlen(ch->component->name));
	struct restart_state *r = ns ? restart_state(m, ns->node) : NULL;
	char from[CCM_TIME_STRLEN], to[CCM_TIME_STRLEN];
	char d[CCM_DURATION_STRLEN];

	if (!r) {
		mon_note(m, LOG_ERR, "out of memory: a router restart not "
			 "alarmed");
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

void mon_eval_restarts(struct ccm_monitor *m, ccm_ms now)
{
	if (!m->synced)
		return;
	for (size_t i = 0; i < m->nrestarts; i++) {
		struct restart_state *r = &m->restarts[i];
		bool on = now < r->until;

		if (!on && !r->pending && !r->until)
			continue;
		mon_alarm_set(m, CCM_ALARM_XCP_ROUTER_RESTART,
			      r->resource, on, now, on ? r->text :
			      "the router runs again since its restart");
		r->pending = false;
		if (!on)
			r->until = 0;
	}
}
