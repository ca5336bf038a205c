/* The I/O-free core: component state, endpoints and incidents.
 *
 * Components and endpoints live in sorted pointer arrays: a cluster has tens
 * of them, lookups are a bsearch, and reports walk them in name order for
 * free.  Times only move forward: a line stamped earlier than the clock (a
 * router thread that wrote late) counts as happening now, so an incident can
 * never end before it starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/engine.h"
#include "agent/text_clean.h"

struct ccm_engine {
	struct ccm_engine_config config;
	ccm_change_fn *fn;
	void *ctx;
	ccm_ms now;
	bool started;
	uint64_t incident_seq;
	struct ccm_component **comps;
	size_t ncomps, capcomps;
	struct ccm_endpoint **eps;
	size_t neps, capeps;
	/* The endpoint of the last message if it was "Connecting on fd":
	 * the next component line tells whose endpoint it is. */
	struct ccm_endpoint *pending_connect;
	uint64_t names_cleaned; /* components named unfit to show */
};

const char *ccm_cause_name(enum ccm_cause cause)
{
	switch (cause) {
	case CCM_CAUSE_LOST:
		return "lost";
	case CCM_CAUSE_AUTH:
		return "auth";
	case CCM_CAUSE_REFUSED:
		return "refused";
	}
	return "invalid";
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
	free(e->comps);
	free(e->eps);
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
}

bool ccm_engine_next_due(const struct ccm_engine *e, ccm_ms *due)
{
	bool any = false;

	for (size_t i = 0; i < e->ncomps; i++) {
		const struct ccm_component *c = e->comps[i];
		if (c->auth_pending && (!any || c->auth_deadline < *due)) {
			*due = c->auth_deadline;
			any = true;
		}
	}
	return any;
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

/* ---- lookup ------------------------------------------------------------ */

static int cmp_span(const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

/* Component names are domain names, which ignore case: the router may
 * spell one differently from the configuration. */
static int cmp_span_nocase(const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);
	int c = strncasecmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

static int grow(void *arrp, size_t *cap, size_t n)
{
	void ***arr = arrp;
	void **na;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	na = realloc(*arr, ncap * sizeof(**arr));
	if (!na)
		return -1;
	*arr = na;
	*cap = ncap;
	return 0;
}

/* The component named name[0..n) and *at its place, or NULL with *at
 * where it belongs. */
static struct ccm_component *find_component(const struct ccm_engine *e,
					    const char *name, size_t n,
					    size_t *at)
{
	size_t lo = 0, hi = e->ncomps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_span_nocase(e->comps[mid]->name, name, n);
		if (r == 0) {
			*at = mid;
			return e->comps[mid];
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

const struct ccm_component *ccm_engine_component(const struct ccm_engine *e,
						 const char *name)
{
	size_t at;

	return name ? find_component(e, name, strlen(name), &at) : NULL;
}

static struct ccm_component *component(struct ccm_engine *e,
				       const char *name, size_t n)
{
	size_t lo;
	struct ccm_component *c = find_component(e, name, n, &lo);

	if (c)
		return c;
	if (grow(&e->comps, &e->capcomps, e->ncomps))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strndup(name, n))) {
		free(c);
		return NULL;
	}
	memmove(e->comps + lo + 1, e->comps + lo,
		(e->ncomps - lo) * sizeof(*e->comps));
	e->comps[lo] = c;
	e->ncomps++;
	if (n > CCM_TEXT_RESOURCE_MAX ||
	    !ccm_text_is_clean(name, n, CCM_TEXT_DISPLAY))
		e->names_cleaned++;
	return c;
}

static int cmp_endpoint(const struct ccm_endpoint *ep, const char *host,
			size_t n, unsigned port)
{
	int c = cmp_span(ep->host, host, n);

	return c ? c : (ep->port > port) - (ep->port < port);
}

/* The endpoint host[0..n):port, or NULL with *at where it belongs. */
static struct ccm_endpoint *find_endpoint(const struct ccm_engine *e,
					  const char *host, size_t n,
					  unsigned port, size_t *at)
{
	size_t lo = 0, hi = e->neps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_endpoint(e->eps[mid], host, n, port);
		if (r == 0) {
			*at = mid;
			return e->eps[mid];
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

const struct ccm_endpoint *ccm_engine_endpoint(const struct ccm_engine *e,
					       const char *host, size_t n,
					       unsigned port)
{
	size_t at;

	return host ? find_endpoint(e, host, n, port, &at) : NULL;
}

static struct ccm_endpoint *endpoint(struct ccm_engine *e, const char *host,
				     size_t n, unsigned port)
{
	size_t lo;
	struct ccm_endpoint *ep = find_endpoint(e, host, n, port, &lo);

	if (ep)
		return ep;
	if (grow(&e->eps, &e->capeps, e->neps))
		return NULL;
	ep = calloc(1, sizeof(*ep));
	if (!ep || !(ep->host = strndup(host, n))) {
		free(ep);
		return NULL;
	}
	ep->port = port;
	memmove(e->eps + lo + 1, e->eps + lo, (e->neps - lo) * sizeof(*e->eps));
	e->eps[lo] = ep;
	e->neps++;
	return ep;
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
	/* refused > auth > lost: the strongest evidence names the cause. */
	if (!c->have_incident || !c->incident.open || c->incident.cause >= cause)
		return;
	c->incident.cause = cause;
	emit(e, CCM_CHANGE_INCIDENT_CAUSE, pos, c);
}

/* A failure on the endpoint since the incident began explains it, even when
 * the endpoint became known only after the failures (the usual order: the
 * refusals come first, the "Connecting" before CONNECTED binds it last). */
static void check_endpoint(struct ccm_engine *e, struct ccm_component *c,
			   const struct ccm_srcpos *pos)
{
	const struct ccm_endpoint *ep = c->endpoint;

	if (ep && ep->have_failure && c->have_incident && c->incident.open &&
	    ep->last_failure >= c->incident.start)
		set_cause(e, c, CCM_CAUSE_REFUSED, pos);
}

static void open_incident(struct ccm_engine *e, struct ccm_component *c,
			  const struct ccm_srcpos *pos)
{
	c->incident = (struct ccm_incident){
		.id = ++e->incident_seq,
		.start = e->now,
		.open = true,
		.cause = CCM_CAUSE_LOST,
	};
	if (pos)
		c->incident.start_pos = *pos;
	c->have_incident = true;
	c->incidents++;
	emit(e, CCM_CHANGE_INCIDENT_OPEN, pos, c);
	check_endpoint(e, c, pos);
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
	struct ccm_component *c = component(e, name, strlen(name));
	struct ccm_endpoint *ep = endpoint(e, host, strlen(host), port);

	if (!c || !ep)
		return -1;
	c->endpoint_configured = true;
	bind(e, c, ep, NULL);
	return 0;
}

/* ---- clock ------------------------------------------------------------- */

void ccm_engine_advance(struct ccm_engine *e, ccm_ms now)
{
	if (!e->started) {
		e->started = true;
		e->now = now;
	}
	for (;;) {
		struct ccm_component *due = NULL;

		for (size_t i = 0; i < e->ncomps; i++) {
			struct ccm_component *c = e->comps[i];
			if (c->auth_pending && c->auth_deadline <= now &&
			    (!due || c->auth_deadline < due->auth_deadline))
				due = c;
		}
		if (!due)
			break;
		if (due->auth_deadline > e->now)
			e->now = due->auth_deadline;
		due->auth_pending = false;
		emit(e, CCM_CHANGE_AUTH_TIMEOUT, NULL, due);
		set_cause(e, due, CCM_CAUSE_AUTH, NULL);
	}
	if (now > e->now)
		e->now = now;
	for (size_t i = 0; i < e->ncomps; i++)
		ccm_qlat_expire(&e->comps[i]->latency, e->now,
				   e->config.latency_window,
				   e->config.latency_pending_max);
}

/* ---- messages ---------------------------------------------------------- */

static int component_state(struct ccm_engine *e, const struct ccm_logmsg *m,
			   const struct ccm_srcpos *pos)
{
	struct ccm_component *c = component(e, m->component.p, m->component.n);
	struct ccm_change ch;
	enum ccm_state to = m->state;

	if (!c)
		return -1;
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
	c->transitions++;
	c->last_change = e->now;
	c->have_change = true;
	c->auth_pending = to == CCM_STATE_CONNECTED;
	c->auth_deadline = e->now + e->config.auth_timeout;
	if (e->fn)
		e->fn(e->ctx, &ch);

	if (to != CCM_STATE_ACTIVE && !incident_open(c))
		open_incident(e, c, pos);
	else if (to == CCM_STATE_ACTIVE && incident_open(c))
		close_incident(e, c, pos);
	return 0;
}

static int connect_failed(struct ccm_engine *e, const struct ccm_logmsg *m,
			  const struct ccm_srcpos *pos)
{
	struct ccm_endpoint *ep = endpoint(e, m->host.p, m->host.n, m->port);
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
			    const struct ccm_srcpos *pos)
{
	struct ccm_component *c = component(e, m->component.p, m->component.n);

	if (!c)
		return -1;
	c->connect_failures++;
	/* Never seen before and already failing: first seen non-active. */
	if (c->state == CCM_STATE_UNKNOWN && !c->have_incident)
		open_incident(e, c, pos);
	set_cause(e, c, CCM_CAUSE_REFUSED, pos);
	return 0;
}

static int queue_line(struct ccm_engine *e, const struct ccm_logmsg *m,
		      const struct ccm_srcpos *pos)
{
	struct ccm_component *c = component(e, m->component.p, m->component.n);
	ccm_ms wait = m->wait;
	int rc = 1;

	if (!c)
		return -1;
	switch (m->kind) {
	case CCM_MSG_QUEUE_WAITED:
		rc = ccm_qlat_add(&c->latency, e->now, wait) ? -1 : 1;
		break;
	case CCM_MSG_QUEUE_START:
		return ccm_qlat_start(&c->latency, m->rule, m->key.p,
					 m->key.n, e->now);
	case CCM_MSG_QUEUE_END:
		rc = ccm_qlat_end(&c->latency, m->rule, m->key.p, m->key.n,
				     e->now, &wait);
		break;
	default:
		return 0;
	}
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
	int rc = 0;

	ccm_engine_advance(e, t);
	e->pending_connect = NULL;
	switch (m->kind) {
	case CCM_MSG_QUEUE_WAITED:
	case CCM_MSG_QUEUE_START:
	case CCM_MSG_QUEUE_END:
		/* unrelated to a connect in progress */
		e->pending_connect = pending;
		rc = queue_line(e, m, pos);
		break;
	case CCM_MSG_NONE:
		break;
	case CCM_MSG_CONNECTING:
		e->pending_connect = endpoint(e, m->host.p, m->host.n, m->port);
		if (!e->pending_connect)
			return -1;
		e->pending_connect->attempts++;
		break;
	case CCM_MSG_CONNECT_FAILED:
		rc = connect_failed(e, m, pos);
		break;
	case CCM_MSG_COMPONENT_FAILED:
		rc = component_failed(e, m, pos);
		break;
	case CCM_MSG_COMPONENT_STATE:
		e->pending_connect = pending;
		rc = component_state(e, m, pos);
		e->pending_connect = NULL;
		break;
	}
	return rc;
}
