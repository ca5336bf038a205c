/* SPDX-License-Identifier: ISC */
/* The I/O-free core: component state, endpoints and incidents.
 *
 * Components and endpoints live in engine_lookup.c's tables.  Times only
 * move forward: a line stamped earlier than the clock (a router thread
 * that wrote late) counts as happening now, so an incident can never end
 * before it starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/core/engine.h"
#include "agent/core/engine_impl.h"
#include "agent/util/grow.h"
#include "agent/util/text_clean.h"

const char *ccm_cause_name(enum ccm_cause cause)
{
	switch (cause) {
	case CCM_CAUSE_LOST:
		return "lost";
	case CCM_CAUSE_AUTH:
		return "auth";
	case CCM_CAUSE_REFUSED:
		return "refused";
	case CCM_CAUSE_TIMEOUT:
		return "timeout";
	case CCM_CAUSE_UNREACHABLE:
		return "unreachable";
	case CCM_CAUSE_ROUTER_RESTART:
		return "router-restart";
	}
	return "invalid";
}

/* Only a refusal proves the host up and the port closed, only a timeout
 * that packets vanish; every other error (no route (113), network down
 * (101), a name not resolved, ...) says the host is not reached: the
 * network path is where to look (doc/analysis-json.md). */
enum ccm_cause ccm_cause_of_errno(int err)
{
	switch (err) {
	case CCM_ROUTER_ECONNREFUSED:
		return CCM_CAUSE_REFUSED;
	case CCM_ROUTER_ETIMEDOUT:
		return CCM_CAUSE_TIMEOUT;
	default:
		return CCM_CAUSE_UNREACHABLE;
	}
}

/* How strong the evidence of a cause is: a failed connect names the
 * fault, a missing ACTIVE narrows it, a loss alone says nothing. */
static int cause_rank(enum ccm_cause cause)
{
	switch (cause) {
	case CCM_CAUSE_LOST:
		return 0;
	case CCM_CAUSE_AUTH:
		return 1;
	case CCM_CAUSE_REFUSED:
	case CCM_CAUSE_TIMEOUT:
	case CCM_CAUSE_UNREACHABLE:
	case CCM_CAUSE_ROUTER_RESTART: /* never a component's */
		break;
	}
	return 2;
}

struct ccm_engine *ccm_engine_new(const struct ccm_engine_config *config,
				  ccm_change_fn *fn, void *ctx)
{
	struct ccm_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (config)
		e->config = *config;
	if (e->config.auth_timeout <= 0)
		e->config.auth_timeout = CCM_DEFAULT_AUTH_TIMEOUT;
	if (e->config.latency_window <= 0)
		e->config.latency_window = CCM_DEFAULT_LATENCY_WINDOW;
	if (e->config.latency_pending_max <= 0)
		e->config.latency_pending_max = CCM_DEFAULT_LATENCY_PENDING_MAX;
	if (e->config.restart_silence <= 0)
		e->config.restart_silence = CCM_DEFAULT_RESTART_SILENCE;
	if (e->config.restart_burst <= 0)
		e->config.restart_burst = CCM_DEFAULT_RESTART_BURST;
	e->fn = fn;
	e->ctx = ctx;
	return e;
}

void ccm_engine_free(struct ccm_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->ncomps; i++) {
		ccm_qlat_release(&e->comps[i]->latency);
		free(e->comps[i]->name);
		free(e->comps[i]);
	}
	for (size_t i = 0; i < e->neps; i++) {
		free(e->eps[i]->host);
		free(e->eps[i]->last_error);
		free(e->eps[i]);
	}
	for (size_t i = 0; i < e->nnodes; i++)
		free(e->nodes[i]);
	free(e->nodes);
	free(e->restarts);
	free(e->comps);
	free(e->eps);
	free(e->auth);
	free(e);
}

ccm_ms ccm_engine_now(const struct ccm_engine *e)
{
	return e->now;
}

uint64_t ccm_engine_names_cleaned(const struct ccm_engine *e)
{
	return e->names_cleaned;
}

ccm_ms ccm_engine_latency_window(const struct ccm_engine *e)
{
	return e->config.latency_window;
}

void ccm_engine_set_latency_window(struct ccm_engine *e, ccm_ms window)
{
	if (window > 0)
		e->config.latency_window = window;
	/* every window is judged again at the next move of the clock */
	e->have_lat_next = true;
	e->lat_next = e->now;
}

/* The earliest time c's latency window or waiting starts can expire
 * lowers the engine's. */
static void lat_note(struct ccm_engine *e, const struct ccm_component *c)
{
	const struct ccm_qlat *l = &c->latency;
	ccm_ms t;

	if (ccm_qlat_next_expiry(l, e->config.latency_window, &t) &&
	    (!e->have_lat_next || t < e->lat_next)) {
		e->lat_next = t;
		e->have_lat_next = true;
	}
	/* ccm_qlat_expire() gives a start up once strictly older */
	if (l->nstarts) {
		t = l->starts[0].time + e->config.latency_pending_max + 1;
		if (!e->have_lat_next || t < e->lat_next) {
			e->lat_next = t;
			e->have_lat_next = true;
		}
	}
}

static bool auth_live(const struct auth_wait *w)
{
	return w->c->auth_pending && w->c->auth_deadline == w->deadline;
}

static struct auth_wait *auth_at(const struct ccm_engine *e, size_t i)
{
	return &e->auth[(e->auth_head + i) % e->capauth];
}

static int auth_push(struct ccm_engine *e, struct ccm_component *c)
{
	if (e->nauth == e->capauth) {
		size_t ncap = e->capauth ? e->capauth * 2 : 16;
		struct auth_wait *n = malloc(ncap * sizeof(*n));

		if (!n)
			return -1;
		for (size_t i = 0; i < e->nauth; i++)
			n[i] = *auth_at(e, i);
		free(e->auth);
		e->auth = n;
		e->auth_head = 0;
		e->capauth = ncap;
	}
	*auth_at(e, e->nauth++) = (struct auth_wait){ c, c->auth_deadline };
	return 0;
}

static void auth_pop(struct ccm_engine *e)
{
	e->auth_head = (e->auth_head + 1) % e->capauth;
	e->nauth--;
}

/* Stale entries at the head go, so that the head is the next deadline. */
static void auth_drop_stale(struct ccm_engine *e)
{
	while (e->nauth && !auth_live(auth_at(e, 0)))
		auth_pop(e);
}

bool ccm_engine_next_due(const struct ccm_engine *e, ccm_ms *due)
{
	/* a stale head (the component moved on since) only wakes early */
	if (!e->nauth)
		return false;
	*due = auth_at(e, 0)->deadline;
	return true;
}

size_t ccm_engine_components(const struct ccm_engine *e,
			     const struct ccm_component *const **out)
{
	*out = (const struct ccm_component *const *)e->comps;
	return e->ncomps;
}

size_t ccm_engine_endpoints(const struct ccm_engine *e,
			    const struct ccm_endpoint *const **out)
{
	*out = (const struct ccm_endpoint *const *)e->eps;
	return e->neps;
}

/* ---- changes ----------------------------------------------------------- */

static void emit(struct ccm_engine *e, enum ccm_change_kind kind,
		 const struct ccm_srcpos *pos, const struct ccm_component *c)
{
	struct ccm_change ch = {
		.kind = kind,
		.time = e->now,
		.component = c,
		.from = c->state,
		.to = c->state,
		.incident = c->have_incident ? &c->incident : NULL,
		.endpoint = c->endpoint,
	};

	if (pos)
		ch.pos = *pos;
	if (e->fn)
		e->fn(e->ctx, &ch);
}

static void set_cause(struct ccm_engine *e, struct ccm_component *c,
		      enum ccm_cause cause, const struct ccm_srcpos *pos)
{
	/* the strongest evidence names the cause; among failed connects the
	 * latest error */
	if (!c->have_incident || !c->incident.open ||
	    c->incident.cause == cause ||
	    cause_rank(c->incident.cause) > cause_rank(cause))
		return;
	c->incident.cause = cause;
	emit(e, CCM_CHANGE_INCIDENT_CAUSE, pos, c);
}

/* A failure on the endpoint since the component was last ACTIVE explains
 * its incident, even when the endpoint became known only after the
 * failures (the usual order: the refusals come first, the "Connecting"
 * before CONNECTED binds it last), and even when the failure came before
 * the GONE (the vendor's own sequence: Connecting, Unable to connect,
 * GONE). */
static bool endpoint_explains(const struct ccm_component *c)
{
	const struct ccm_endpoint *ep = c->endpoint;

	return ep && ep->have_failure &&
	       (!c->have_active || ep->last_failure >= c->active_at);
}

static void check_endpoint(struct ccm_engine *e, struct ccm_component *c,
			   const struct ccm_srcpos *pos)
{
	if (endpoint_explains(c) && c->have_incident && c->incident.open)
		set_cause(e, c, ccm_cause_of_errno(c->endpoint->last_errno),
			  pos);
}

/* An incident from start (the line start_pos), found at pos. */
static void open_incident_at(struct ccm_engine *e, struct ccm_component *c,
			     ccm_ms start, const struct ccm_srcpos *start_pos,
			     enum ccm_cause cause, const struct ccm_srcpos *pos)
{
	c->incident = (struct ccm_incident){
		.id = ++e->incident_seq,
		.start = start,
		.open = true,
		.cause = cause,
	};
	if (start_pos)
		c->incident.start_pos = *start_pos;
	c->have_incident = true;
	c->incidents++;
	emit(e, CCM_CHANGE_INCIDENT_OPEN, pos, c);
	check_endpoint(e, c, pos);
}

static void open_incident(struct ccm_engine *e, struct ccm_component *c,
			  const struct ccm_srcpos *pos)
{
	open_incident_at(e, c, e->now, pos, CCM_CAUSE_LOST, pos);
}

static void close_incident(struct ccm_engine *e, struct ccm_component *c,
			   const struct ccm_srcpos *pos)
{
	check_endpoint(e, c, pos);
	c->incident.open = false;
	c->incident.end = e->now;
	if (pos)
		c->incident.end_pos = *pos;
	c->downtime += c->incident.end - c->incident.start;
	emit(e, CCM_CHANGE_INCIDENT_CLOSE, pos, c);
}

static bool incident_open(const struct ccm_component *c)
{
	return c->have_incident && c->incident.open;
}

enum ccm_state ccm_component_judged_state(const struct ccm_component *c)
{
	if (c->state == CCM_STATE_CONNECTED && !incident_open(c))
		return CCM_STATE_UNKNOWN;
	return c->state;
}

static void bind(struct ccm_engine *e, struct ccm_component *c,
		 struct ccm_endpoint *ep, const struct ccm_srcpos *pos)
{
	if (c->endpoint == ep)
		return;
	c->endpoint = ep;
	emit(e, CCM_CHANGE_ENDPOINT_BOUND, pos, c);
	check_endpoint(e, c, pos);
}

int ccm_engine_bind(struct ccm_engine *e, const char *name, const char *host,
		    unsigned port)
{
	size_t at;
	bool logged = eng_find_component(e, name, strlen(name), &at) != NULL;
	struct ccm_component *c = eng_component(e, name, strlen(name));
	struct ccm_endpoint *ep = eng_endpoint(e, host, strlen(host), port);

	if (!c || !ep)
		return -1;
	/* named by the log first, configured now: off the bound */
	if (logged && !c->endpoint_configured && e->nlogged)
		e->nlogged--;
	c->endpoint_configured = true;
	bind(e, c, ep, NULL);
	return 0;
}

/* ---- clock ------------------------------------------------------------- */

static int by_name(const void *x, const void *y)
{
	const struct ccm_component *a = *(struct ccm_component *const *)x;
	const struct ccm_component *b = *(struct ccm_component *const *)y;

	return eng_name_cmp(a->name, b->name, strlen(b->name));
}

void ccm_engine_advance(struct ccm_engine *e, ccm_ms now)
{
	if (!e->started) {
		e->started = true;
		e->now = now;
	}
	for (;;) {
		struct ccm_component *due[16];
		size_t n = 0;
		ccm_ms t;

		auth_drop_stale(e);
		if (!e->nauth || auth_at(e, 0)->deadline > now)
			break;
		/* Those due at one time in name order, as they always were;
		 * more than 16 at once wait for the next turn, same time. */
		t = auth_at(e, 0)->deadline;
		while (n < 16 && e->nauth && auth_at(e, 0)->deadline == t) {
			if (auth_live(auth_at(e, 0)))
				due[n++] = auth_at(e, 0)->c;
			auth_pop(e);
		}
		qsort(due, n, sizeof(*due), by_name);
		if (t > e->now)
			e->now = t;
		for (size_t i = 0; i < n; i++) {
			struct ccm_component *c = due[i];

			c->auth_pending = false;
			/* a CONNECTED not after a loss is down from the
			 * CONNECTED on, now that ACTIVE is overdue */
			if (!incident_open(c))
				open_incident_at(e, c, c->last_change,
						 &c->change_pos,
						 CCM_CAUSE_AUTH, NULL);
			emit(e, CCM_CHANGE_AUTH_TIMEOUT, NULL, c);
			set_cause(e, c, CCM_CAUSE_AUTH, NULL);
		}
	}
	if (now > e->now)
		e->now = now;
	if (e->have_lat_next && e->lat_next <= e->now) {
		e->have_lat_next = false;
		for (size_t i = 0; i < e->ncomps; i++) {
			ccm_qlat_expire(&e->comps[i]->latency, e->now,
					e->config.latency_window,
					e->config.latency_pending_max);
			lat_note(e, e->comps[i]);
		}
	}
}

/* ---- router restarts ---------------------------------------------------- */

/* A silence of restart_silence before the message at the engine's time
 * opens a burst; a CONNECTED at most restart_burst after the previous
 * one of the burst (or after the silence's end) is part of it.  The
 * scanner measures the silence over every line of the log; without its
 * word (a message from no scanner), the time since the last message. */
static void watch_silence(struct ccm_engine *e, const struct ccm_logmsg *m,
			  const struct ccm_srcpos *pos)
{
	ccm_ms from = e->last_msg, to = e->now;
	bool have = e->have_last_msg;

	if (m->have_silence) {
		to = e->now - m->silence_ago;
		from = to - m->silence;
		have = true;
	}
	if (have && to - from >= e->config.restart_silence) {
		e->nrestarts = 0;
		e->in_burst = true;
		e->burst_last = to;
		e->gap = (struct ccm_incident){
			.start = from,
			.end = to,
			.cause = CCM_CAUSE_ROUTER_RESTART,
		};
		if (pos)
			e->gap.end_pos = *pos;
	}
	if (e->in_burst && e->now - e->burst_last > e->config.restart_burst)
		e->in_burst = false;
	e->have_last_msg = true;
	e->last_msg = e->now;
}

/* The node part of a component name ("op-cs1.imp1-example-com":
 * "imp1-example-com"), or the whole name when it has none. */
static const char *node_part(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot && dot[1] ? dot + 1 : name;
}

/* The engine's copy of node, or NULL when out of memory. */
static const char *intern_node(struct ccm_engine *e, const char *node)
{
	for (size_t i = 0; i < e->nnodes; i++)
		if (!strcasecmp(e->nodes[i], node))
			return e->nodes[i];
	if (CCM_GROW(e->nodes, e->capnodes, e->nnodes, 16))
		return NULL;
	e->nodes[e->nnodes] = strdup(node);
	return e->nodes[e->nnodes] ? e->nodes[e->nnodes++] : NULL;
}

/* c, ACTIVE before, CONNECTED: in a burst after a silence, its node's
 * router restarted (said once per node and burst). */
static int join_burst(struct ccm_engine *e, struct ccm_component *c,
		      const struct ccm_srcpos *pos)
{
	const char *node = node_part(c->name);
	struct restart *r;
	struct ccm_change ch;

	if (!e->in_burst || e->now - e->burst_last > e->config.restart_burst)
		return 0;
	e->burst_last = e->now;
	for (size_t i = 0; i < e->nrestarts; i++)
		if (!strcasecmp(e->restarts[i].node, node))
			return 0;
	if (CCM_GROW(e->restarts, e->caprestarts, e->nrestarts, 4))
		return -1;
	r = &e->restarts[e->nrestarts];
	r->node = intern_node(e, node);
	if (!r->node)
		return -1;
	e->nrestarts++;
	r->inc = e->gap;
	r->inc.id = ++e->incident_seq;
	if (pos) /* the line that showed it */
		r->inc.start_pos = *pos;
	ch = (struct ccm_change){
		.kind = CCM_CHANGE_RESTART,
		.time = e->now,
		.component = c,
		.from = c->state,
		.to = c->state,
		.incident = &r->inc,
		.endpoint = c->endpoint,
		.node = r->node,
	};
	if (pos)
		ch.pos = *pos;
	if (e->fn)
		e->fn(e->ctx, &ch);
	return 0;
}

/* ---- messages ---------------------------------------------------------- */

static int component_state(struct ccm_engine *e, const struct ccm_logmsg *m,
			   const struct ccm_srcpos *pos)
{
	int rc;
	struct ccm_component *c = eng_log_component(e, m->component.p,
						 m->component.n, &rc);
	struct ccm_change ch;
	enum ccm_state to = m->state;

	if (!c)
		return rc;
	if (e->pending_connect && !c->endpoint_configured &&
	    (to == CCM_STATE_CONNECTED || to == CCM_STATE_GONE))
		bind(e, c, e->pending_connect, pos);
	if (to == c->state)
		return 0;

	ch = (struct ccm_change){
		.kind = CCM_CHANGE_TRANSITION,
		.time = e->now,
		.component = c,
		.from = c->state,
		.to = to,
		.endpoint = c->endpoint,
	};
	if (pos)
		ch.pos = *pos;
	c->state = to;
	c->change_pos = pos ? *pos : (struct ccm_srcpos){ 0 };
	c->transitions++;
	c->last_change = e->now;
	c->have_change = true;
	c->auth_pending = to == CCM_STATE_CONNECTED;
	c->auth_deadline = e->now + e->config.auth_timeout;
	if (c->auth_pending && auth_push(e, c)) {
		c->auth_pending = false;
		return -1;
	}
	if (to == CCM_STATE_ACTIVE) {
		c->have_active = true;
		c->active_at = e->now;
	}
	if (e->fn)
		e->fn(e->ctx, &ch);
	/* a GONE shows the router running: whatever follows is no start */
	if (to == CCM_STATE_GONE)
		e->in_burst = false;
	/* a restart re-connects what was connected; one lost (GONE) while
	 * the router ran reconnects on its own */
	if (to == CCM_STATE_CONNECTED && ch.from == CCM_STATE_ACTIVE &&
	    join_burst(e, c, pos))
		return -1;

	/* CONNECTED outside an incident (first seen, a router starting) is
	 * not down: every start passes through it for a few milliseconds.
	 * Only auth_timeout without ACTIVE makes it an incident (see
	 * ccm_engine_advance()). */
	if (to == CCM_STATE_GONE && !incident_open(c))
		open_incident(e, c, pos);
	else if (to == CCM_STATE_ACTIVE && incident_open(c))
		close_incident(e, c, pos);
	return 0;
}

static int connect_failed(struct ccm_engine *e, const struct ccm_logmsg *m,
			  const struct ccm_srcpos *pos)
{
	struct ccm_endpoint *ep = eng_endpoint(e, m->host.p, m->host.n, m->port);
	char *text;

	if (!ep)
		return -1;
	ep->failures++;
	if (m->err == CCM_ROUTER_ECONNREFUSED)
		ep->refused++;
	if (asprintf(&text, "(%d) %.*s", m->err, (int)m->reason.n,
		     m->reason.p) < 0)
		return -1;
	free(ep->last_error);
	ep->last_error = text;
	ep->have_failure = true;
	ep->last_failure = e->now;
	ep->last_errno = m->err;
	e->failed_connect = ep;
	for (size_t i = 0; i < e->ncomps; i++) {
		struct ccm_component *c = e->comps[i];
		if (c->endpoint != ep)
			continue;
		c->connect_failures++;
		check_endpoint(e, c, pos);
	}
	return 0;
}

static int component_failed(struct ccm_engine *e, const struct ccm_logmsg *m,
			    const struct ccm_srcpos *pos,
			    struct ccm_endpoint *failed)
{
	int rc;
	struct ccm_component *c = eng_log_component(e, m->component.p,
						 m->component.n, &rc);

	if (!c)
		return rc;
	c->connect_failures++;
	/* Never seen before and already failing: first seen non-active. */
	if (c->state == CCM_STATE_UNKNOWN && !c->have_incident)
		open_incident(e, c, pos);
	/* Expressway: the failure of the connect just logged (the threads
	 * write them a few milliseconds apart) is this component's; its
	 * errno names the cause. */
	if (failed && !c->endpoint_configured &&
	    e->now - failed->last_failure <= CCM_FAILED_PAIR_MS)
		bind(e, c, failed, pos);
	if (endpoint_explains(c))
		check_endpoint(e, c, pos);
	else /* no errno: the router did not reach it, no more is known */
		set_cause(e, c, CCM_CAUSE_UNREACHABLE, pos);
	return 0;
}

static int queue_line(struct ccm_engine *e, const struct ccm_logmsg *m,
		      const struct ccm_srcpos *pos)
{
	int rc;
	struct ccm_component *c = eng_log_component(e, m->component.p,
						 m->component.n, &rc);
	ccm_ms wait = m->wait;

	if (!c)
		return rc;
	rc = 1;
	switch (m->kind) {
	case CCM_MSG_QUEUE_WAITED:
		rc = ccm_qlat_add(&c->latency, e->now, wait) ? -1 : 1;
		break;
	case CCM_MSG_QUEUE_START:
		rc = ccm_qlat_start(&c->latency, m->rule, m->key.p,
				       m->key.n, e->now);
		lat_note(e, c);
		return rc;
	case CCM_MSG_QUEUE_END:
		rc = ccm_qlat_end(&c->latency, m->rule, m->key.p, m->key.n,
				     e->now, &wait);
		break;
	default:
		return 0;
	}
	lat_note(e, c);
	if (rc == 1 && e->fn) {
		struct ccm_change ch = {
			.kind = CCM_CHANGE_LATENCY,
			.time = e->now,
			.component = c,
			.from = c->state,
			.to = c->state,
			.endpoint = c->endpoint,
			.wait = wait,
		};
		if (pos)
			ch.pos = *pos;
		e->fn(e->ctx, &ch);
	}
	return rc < 0 ? -1 : 0;
}

int ccm_engine_feed(struct ccm_engine *e, ccm_ms t,
		    const struct ccm_logmsg *m, const struct ccm_srcpos *pos)
{
	struct ccm_endpoint *pending = e->pending_connect;
	struct ccm_endpoint *failed = e->failed_connect;
	int rc = 0;

	ccm_engine_advance(e, t);
	if (m->kind != CCM_MSG_NONE)
		watch_silence(e, m, pos);
	e->pending_connect = NULL;
	e->failed_connect = NULL;
	switch (m->kind) {
	case CCM_MSG_QUEUE_WAITED:
	case CCM_MSG_QUEUE_START:
	case CCM_MSG_QUEUE_END:
		/* unrelated to a connect in progress */
		e->pending_connect = pending;
		e->failed_connect = failed;
		rc = queue_line(e, m, pos);
		break;
	case CCM_MSG_NONE:
		break;
	case CCM_MSG_CONNECTING:
		e->pending_connect = eng_endpoint(e, m->host.p, m->host.n, m->port);
		if (!e->pending_connect)
			return -1;
		e->pending_connect->attempts++;
		break;
	case CCM_MSG_CONNECT_FAILED:
		rc = connect_failed(e, m, pos);
		/* the vendor's order: Connecting, Unable to connect, then
		 * the GONE of the component that tried */
		if (pending && pending == e->failed_connect)
			e->pending_connect = pending;
		break;
	case CCM_MSG_COMPONENT_FAILED:
		rc = component_failed(e, m, pos, failed);
		break;
	case CCM_MSG_COMPONENT_STATE:
		e->pending_connect = pending;
		rc = component_state(e, m, pos);
		e->pending_connect = NULL;
		break;
	}
	auth_drop_stale(e);
	return rc;
}
