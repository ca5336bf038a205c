/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/core/engine.c: component states, endpoints, incidents.
 *
 * Every change the engine reports is copied by the sink and rendered as one
 * line "TIME COMPONENT WHAT @LINE" (TIME in ms after T0, "@-" for a change
 * without a source position), so that a test asserts the exact sequence and
 * a failure shows the whole of it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/engine.h"
#include "tests/logmsg.h"

#define FILE_NAME "rtr-jsm-1.log"
#define T0 INT64_C(1711387185000) /* 2024-03-25T17:19:45.000 */

#define E1_HOST "10.0.0.1"
#define E1_PORT 7999u

/* ---- the sink ---------------------------------------------------------- */

struct rec {
	enum ccm_change_kind kind;
	ccm_ms time;
	const char *component; /* the engine's copy: lives as long as it */
	enum ccm_state from, to;
	bool have_incident;
	uint64_t incident;
	enum ccm_cause cause;
	const char *file;
	uint64_t line;
	const struct ccm_endpoint *endpoint;
	const char *node;       /* RESTART: the engine's copy */
	ccm_ms start, end;      /* RESTART: the incident's span */
};

struct env {
	struct ccm_engine *e;
	struct rec *recs;
	size_t n, cap;
	uint64_t line; /* the line number of the last fed message */
};

static void sink(void *ctx, const struct ccm_change *ch)
{
	struct env *v = ctx;
	struct rec *r;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		struct rec *nr = realloc(v->recs, ncap * sizeof(*nr));
		assert_non_null(nr);
		v->recs = nr;
		v->cap = ncap;
	}
	assert_non_null(ch->component);
	r = &v->recs[v->n++];
	*r = (struct rec){
		.kind = ch->kind,
		.time = ch->time,
		.component = ch->component->name,
		.from = ch->from,
		.to = ch->to,
		.have_incident = ch->incident != NULL,
		.incident = ch->incident ? ch->incident->id : 0,
		.cause = ch->incident ? ch->incident->cause : CCM_CAUSE_LOST,
		.file = ch->pos.file,
		.line = ch->pos.line,
		.endpoint = ch->endpoint,
		.node = ch->node,
		.start = ch->incident ? ch->incident->start : 0,
		.end = ch->incident ? ch->incident->end : 0,
	};
}

static int setup_cfg(void **state, const struct ccm_engine_config *cfg)
{
	struct env *v = calloc(1, sizeof(*v));

	if (!v)
		return -1;
	v->e = ccm_engine_new(cfg, sink, v);
	if (!v->e) {
		free(v);
		return -1;
	}
	*state = v;
	return 0;
}

static int setup(void **state)
{
	return setup_cfg(state, NULL);
}

static int setup_auth5(void **state)
{
	struct ccm_engine_config cfg = { .auth_timeout = 5000 };

	return setup_cfg(state, &cfg);
}

static int setup_auth0(void **state)
{
	struct ccm_engine_config cfg = { .auth_timeout = 0 };

	return setup_cfg(state, &cfg);
}

static int teardown(void **state)
{
	struct env *v = *state;

	ccm_engine_free(v->e);
	free(v->recs);
	free(v);
	return 0;
}

static void render(const struct rec *r, char *buf, size_t len)
{
	char pos[48];
	int n;

	if (!r->file)
		snprintf(pos, sizeof(pos), "@-");
	else if (strcmp(r->file, FILE_NAME) == 0)
		snprintf(pos, sizeof(pos), "@%llu", (unsigned long long)r->line);
	else
		snprintf(pos, sizeof(pos), "@?%s:%llu", r->file,
			 (unsigned long long)r->line);

	n = snprintf(buf, len, "%lld %s ", (long long)(r->time - T0),
		     r->component);
	buf += n;
	len -= (size_t)n;
	switch (r->kind) {
	case CCM_CHANGE_TRANSITION:
		snprintf(buf, len, "%s>%s %s", ccm_state_name(r->from),
			 ccm_state_name(r->to), pos);
		break;
	case CCM_CHANGE_INCIDENT_OPEN:
		snprintf(buf, len, "open#%llu %s %s",
			 (unsigned long long)r->incident,
			 ccm_cause_name(r->cause), pos);
		break;
	case CCM_CHANGE_INCIDENT_CAUSE:
		snprintf(buf, len, "cause#%llu %s %s",
			 (unsigned long long)r->incident,
			 ccm_cause_name(r->cause), pos);
		break;
	case CCM_CHANGE_INCIDENT_CLOSE:
		snprintf(buf, len, "close#%llu %s %s",
			 (unsigned long long)r->incident,
			 ccm_cause_name(r->cause), pos);
		break;
	case CCM_CHANGE_AUTH_TIMEOUT:
		snprintf(buf, len, "authtimeout#%llu %s",
			 (unsigned long long)r->incident, pos);
		break;
	case CCM_CHANGE_ENDPOINT_BOUND:
		if (r->endpoint)
			snprintf(buf, len, "bound %s:%u %s", r->endpoint->host,
				 r->endpoint->port, pos);
		else
			snprintf(buf, len, "bound (null) %s", pos);
		break;
	case CCM_CHANGE_RESTART:
		snprintf(buf, len, "restart#%llu %s %s %lld..%lld %s",
			 (unsigned long long)r->incident, r->node,
			 ccm_cause_name(r->cause), (long long)(r->start - T0),
			 (long long)(r->end - T0), pos);
		break;
	default:
		snprintf(buf, len, "kind%d %s", (int)r->kind, pos);
		break;
	}
}

/* Asserts that the changes since the last check are exactly want (one
 * line each, every line ending in '\n'), then forgets them. */
static void expect(struct env *v, const char *want)
{
	size_t cap = 128 * (v->n + 1);
	char *got = malloc(cap), *p = got;

	assert_non_null(got);
	*p = '\0';
	for (size_t i = 0; i < v->n; i++) {
		render(&v->recs[i], p, cap - (size_t)(p - got) - 1);
		p += strlen(p);
		*p++ = '\n';
		*p = '\0';
	}
	v->n = 0;
	if (strcmp(got, want) != 0)
		print_error("changes differ\n--- want\n%s--- got\n%s---\n",
			    want, got);
	assert_string_equal(got, want);
	free(got);
}

/* ---- feeding ----------------------------------------------------------- */

static void feed(struct env *v, ccm_ms dt, const struct ccm_logmsg *m)
{
	struct ccm_srcpos pos = { FILE_NAME, ++v->line };

	assert_int_equal(ccm_engine_feed(v->e, T0 + dt, m, &pos), 0);
}

static void st(struct env *v, ccm_ms dt, const char *name,
	       enum ccm_state state)
{
	struct ccm_logmsg m = msg_state(name, state);

	feed(v, dt, &m);
}

static void connecting(struct env *v, ccm_ms dt, const char *host,
		       unsigned port)
{
	struct ccm_logmsg m = msg_connecting(host, port);

	feed(v, dt, &m);
}

static void failed(struct env *v, ccm_ms dt, const char *host, unsigned port,
		   int err, const char *reason)
{
	struct ccm_logmsg m = msg_failed(host, port, err, reason);

	feed(v, dt, &m);
}

static void refused(struct env *v, ccm_ms dt, const char *host, unsigned port)
{
	failed(v, dt, host, port, 111, "Connection refused");
}

static void compfail(struct env *v, ccm_ms dt, const char *name)
{
	struct ccm_logmsg m = {
		.kind = CCM_MSG_COMPONENT_FAILED,
		.component = span(name),
	};

	feed(v, dt, &m);
}

static void none(struct env *v, ccm_ms dt)
{
	struct ccm_logmsg m = { .kind = CCM_MSG_NONE };

	feed(v, dt, &m);
}

static void adv(struct env *v, ccm_ms dt)
{
	ccm_engine_advance(v->e, T0 + dt);
}

static const struct ccm_component *comp(struct env *v, const char *name)
{
	const struct ccm_component *const *cs;
	size_t n = ccm_engine_components(v->e, &cs);

	for (size_t i = 0; i < n; i++)
		if (strcmp(cs[i]->name, name) == 0)
			return cs[i];
	fail_msg("no component %s", name);
	return NULL;
}

static const struct ccm_endpoint *ep(struct env *v, const char *host,
				     unsigned port)
{
	const struct ccm_endpoint *const *es;
	size_t n = ccm_engine_endpoints(v->e, &es);

	for (size_t i = 0; i < n; i++)
		if (strcmp(es[i]->host, host) == 0 && es[i]->port == port)
			return es[i];
	fail_msg("no endpoint %s:%u", host, port);
	return NULL;
}

/* Binds by configuration; checks the one ENDPOINT_BOUND it reports. */
static void config_bind(struct env *v, const char *name, const char *host,
			unsigned port)
{
	assert_int_equal(ccm_engine_bind(v->e, name, host, port), 0);
	assert_int_equal(v->n, 1);
	assert_int_equal(v->recs[0].kind, CCM_CHANGE_ENDPOINT_BOUND);
	assert_string_equal(v->recs[0].component, name);
	assert_null(v->recs[0].file);
	assert_non_null(v->recs[0].endpoint);
	assert_string_equal(v->recs[0].endpoint->host, host);
	assert_int_equal(v->recs[0].endpoint->port, port);
	assert_true(comp(v, name)->endpoint_configured);
	v->n = 0;
}

/* ---- names ------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ccm_cause_name(CCM_CAUSE_LOST), "lost");
	assert_string_equal(ccm_cause_name(CCM_CAUSE_AUTH), "auth");
	assert_string_equal(ccm_cause_name(CCM_CAUSE_REFUSED), "refused");
	assert_non_null(ccm_cause_name((enum ccm_cause)42));
	assert_string_equal(ccm_state_name(CCM_STATE_UNKNOWN), "unknown");
	assert_string_equal(ccm_state_name(CCM_STATE_CONNECTED), "connected");
	assert_string_equal(ccm_state_name(CCM_STATE_ACTIVE), "active");
	assert_string_equal(ccm_state_name(CCM_STATE_GONE), "gone");
	assert_non_null(ccm_state_name((enum ccm_state)42));
	assert_int_equal(CCM_CAUSE_LOST < CCM_CAUSE_AUTH, 1);
	assert_int_equal(CCM_DEFAULT_AUTH_TIMEOUT, 10000);
}

/* ---- causes ------------------------------------------------------------ */

/* Names unfit to show are counted once each, whatever the messages that
 * name them, and whatever the spelling. */
static void test_names_cleaned_counted(void **state)
{
	struct env *v = *state;
	char *longname = malloc(1100);

	assert_non_null(longname);
	memset(longname, 'a', 1099);
	longname[1099] = '\0';
	st(v, 0, "op-ok", CCM_STATE_ACTIVE);
	st(v, 0, "op-caf\xc3\xa9", CCM_STATE_ACTIVE);
	assert_int_equal(ccm_engine_names_cleaned(v->e), 0);
	st(v, 0, "op-\x1b[2Jx", CCM_STATE_ACTIVE);
	st(v, 1, "OP-\x1b[2JX", CCM_STATE_GONE);
	compfail(v, 2, "op-\x1b[2Jx");
	st(v, 3, "op-\xff", CCM_STATE_GONE);
	st(v, 3, "op-\xe2\x80\xae\xe2\x80\xac", CCM_STATE_GONE);
	st(v, 3, longname, CCM_STATE_GONE);
	compfail(v, 4, "op-\xc2\x9b");
	assert_int_equal(ccm_engine_names_cleaned(v->e), 5);
	free(longname);
}

static void test_cause_lost(void **state)
{
	struct env *v = *state;
	const struct ccm_component *a;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	expect(v, "0 A unknown>active @1\n");
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n");
	st(v, 2000, "A", CCM_STATE_CONNECTED);
	expect(v, "2000 A gone>connected @3\n");
	st(v, 3000, "A", CCM_STATE_ACTIVE);
	expect(v, "3000 A connected>active @4\n"
		  "3000 A close#1 lost @4\n");
	adv(v, 60000);
	expect(v, "");

	a = comp(v, "A");
	assert_int_equal(a->state, CCM_STATE_ACTIVE);
	assert_int_equal(a->transitions, 4);
	assert_int_equal(a->incidents, 1);
	assert_int_equal(a->downtime, 2000);
	assert_true(a->have_change);
	assert_int_equal(a->last_change, T0 + 3000);
	assert_false(a->auth_pending);
	assert_null(a->endpoint);
	assert_true(a->have_incident);
	assert_int_equal(a->incident.id, 1);
	assert_false(a->incident.open);
	assert_int_equal(a->incident.start, T0 + 1000);
	assert_int_equal(a->incident.end, T0 + 3000);
	assert_int_equal(a->incident.cause, CCM_CAUSE_LOST);
	assert_string_equal(a->incident.start_pos.file, FILE_NAME);
	assert_int_equal(a->incident.start_pos.line, 2);
	assert_string_equal(a->incident.end_pos.file, FILE_NAME);
	assert_int_equal(a->incident.end_pos.line, 4);
	assert_int_equal(ccm_engine_now(v->e), T0 + 60000);
}

static void test_cause_refused_endpoint(void **state)
{
	struct env *v = *state;
	const struct ccm_endpoint *e;

	config_bind(v, "A", E1_HOST, E1_PORT);
	st(v, 0, "A", CCM_STATE_ACTIVE);
	expect(v, "0 A unknown>active @1\n");
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n");
	refused(v, 2000, E1_HOST, E1_PORT);
	expect(v, "2000 A cause#1 refused @3\n");
	refused(v, 2500, E1_HOST, E1_PORT);
	expect(v, "");
	connecting(v, 3000, E1_HOST, E1_PORT);
	st(v, 3000, "A", CCM_STATE_CONNECTED);
	expect(v, "3000 A gone>connected @6\n");
	st(v, 3500, "A", CCM_STATE_ACTIVE);
	expect(v, "3500 A connected>active @7\n"
		  "3500 A close#1 refused @7\n");

	e = ep(v, E1_HOST, E1_PORT);
	assert_ptr_equal(comp(v, "A")->endpoint, e);
	assert_int_equal(e->attempts, 1);
	assert_int_equal(e->failures, 2);
	assert_int_equal(e->refused, 2);
	assert_string_equal(e->last_error, "(111) Connection refused");
	assert_true(e->have_failure);
	assert_int_equal(e->last_failure, T0 + 2500);
	assert_int_equal(comp(v, "A")->connect_failures, 2);
	assert_int_equal(comp(v, "A")->incident.cause, CCM_CAUSE_REFUSED);
}

/* Any errno counts as a refusal of the component, not only 111. */
static void test_cause_refused_any_errno(void **state)
{
	struct env *v = *state;
	const struct ccm_endpoint *e;

	config_bind(v, "A", E1_HOST, E1_PORT);
	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>active @1\n"
		  "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n");
	failed(v, 2000, E1_HOST, E1_PORT, 113, "No route to host");
	expect(v, "2000 A cause#1 unreachable @3\n");
	st(v, 3000, "A", CCM_STATE_ACTIVE);
	expect(v, "3000 A gone>active @4\n"
		  "3000 A close#1 unreachable @4\n");

	e = ep(v, E1_HOST, E1_PORT);
	assert_int_equal(e->failures, 1);
	assert_int_equal(e->refused, 0);
	assert_string_equal(e->last_error, "(113) No route to host");
}

static void test_cause_refused_component_failed(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>active @1\n"
		  "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n");
	/* no errno: the router did not reach it, no more is known */
	compfail(v, 1500, "A");
	expect(v, "1500 A cause#1 unreachable @3\n");
	compfail(v, 1600, "A");
	expect(v, "");
	st(v, 2000, "A", CCM_STATE_ACTIVE);
	expect(v, "2000 A gone>active @5\n"
		  "2000 A close#1 unreachable @5\n");
	assert_int_equal(comp(v, "A")->connect_failures, 2);
}

/* A "Failed to connect" for a component that is ACTIVE is no incident. */
static void test_component_failed_while_active(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	compfail(v, 1000, "A");
	expect(v, "0 A unknown>active @1\n");
	assert_int_equal(comp(v, "A")->incidents, 0);
	assert_false(comp(v, "A")->have_incident);
}

static void test_cause_auth(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 1000, "A", CCM_STATE_GONE);
	st(v, 2000, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A unknown>active @1\n"
		  "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n"
		  "2000 A gone>connected @3\n");
	assert_true(comp(v, "A")->auth_pending);
	assert_int_equal(comp(v, "A")->auth_deadline, T0 + 12000);
	adv(v, 11999);
	expect(v, "");
	assert_int_equal(ccm_engine_now(v->e), T0 + 11999);
	adv(v, 12000);
	expect(v, "12000 A authtimeout#1 @-\n"
		  "12000 A cause#1 auth @-\n");
	assert_false(comp(v, "A")->auth_pending);
	adv(v, 30000);
	expect(v, "");
	st(v, 31000, "A", CCM_STATE_ACTIVE);
	expect(v, "31000 A connected>active @4\n"
		  "31000 A close#1 auth @4\n");
	assert_int_equal(comp(v, "A")->downtime, 30000);
}

/* ACTIVE exactly auth_timeout after CONNECTED is too late. */
static void test_auth_active_at_deadline(void **state)
{
	struct env *v = *state;

	/* first seen CONNECTED: down only once ACTIVE is overdue, then
	 * from the CONNECTED on */
	st(v, 0, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A unknown>connected @1\n");
	st(v, 10000, "A", CCM_STATE_ACTIVE);
	expect(v, "10000 A open#1 auth @-\n"
		  "10000 A authtimeout#1 @-\n"
		  "10000 A connected>active @2\n"
		  "10000 A close#1 auth @2\n");
}

static void test_auth_active_1ms_before_deadline(void **state)
{
	struct env *v = *state;

	/* a router start: CONNECTED, ACTIVE in time, no incident */
	st(v, 0, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A unknown>connected @1\n");
	st(v, 9999, "A", CCM_STATE_ACTIVE);
	expect(v, "9999 A connected>active @2\n");
	assert_int_equal(comp(v, "A")->incidents, 0);
	adv(v, 100000);
	expect(v, "");
}

static void test_auth_timeout_configured(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A unknown>connected @1\n");
	adv(v, 4999);
	expect(v, "");
	adv(v, 5000);
	expect(v, "5000 A open#1 auth @-\n"
		  "5000 A authtimeout#1 @-\n");
	assert_int_equal(comp(v, "A")->incident.start, T0);
}

/* auth_timeout 0 in the configuration means the default. */
static void test_auth_timeout_zero_is_default(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A unknown>connected @1\n");
	adv(v, 9999);
	expect(v, "");
	adv(v, 10000);
	expect(v, "10000 A open#1 auth @-\n"
		  "10000 A authtimeout#1 @-\n");
}

/* ---- precedence -------------------------------------------------------- */

static void test_refused_then_auth_stays_refused(void **state)
{
	struct env *v = *state;

	config_bind(v, "A", E1_HOST, E1_PORT);
	st(v, 0, "A", CCM_STATE_GONE);
	st(v, 0, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A unknown>gone @1\n"
		  "0 A open#1 lost @1\n"
		  "0 A gone>connected @2\n");
	refused(v, 1000, E1_HOST, E1_PORT);
	expect(v, "1000 A cause#1 refused @3\n");
	adv(v, 10000);
	expect(v, "10000 A authtimeout#1 @-\n");
	assert_int_equal(comp(v, "A")->incident.cause, CCM_CAUSE_REFUSED);
	st(v, 11000, "A", CCM_STATE_ACTIVE);
	expect(v, "11000 A connected>active @4\n"
		  "11000 A close#1 refused @4\n");
}

static void test_auth_then_refusal_upgrades(void **state)
{
	struct env *v = *state;

	config_bind(v, "A", E1_HOST, E1_PORT);
	st(v, 0, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A unknown>connected @1\n");
	adv(v, 10000);
	expect(v, "10000 A open#1 auth @-\n"
		  "10000 A authtimeout#1 @-\n");
	refused(v, 11000, E1_HOST, E1_PORT);
	expect(v, "11000 A cause#1 refused @2\n");
	st(v, 12000, "A", CCM_STATE_GONE);
	expect(v, "12000 A connected>gone @3\n");
	st(v, 13000, "A", CCM_STATE_ACTIVE);
	expect(v, "13000 A gone>active @4\n"
		  "13000 A close#1 refused @4\n");
}

/* ---- incidents --------------------------------------------------------- */

static void test_first_seen_states(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>gone @1\n"
		  "0 A open#1 lost @1\n");
	/* first seen CONNECTED: not down while ACTIVE may still come */
	st(v, 100, "B", CCM_STATE_CONNECTED);
	expect(v, "100 B unknown>connected @2\n");
	st(v, 200, "C", CCM_STATE_ACTIVE);
	expect(v, "200 C unknown>active @3\n");
	st(v, 300, "A", CCM_STATE_ACTIVE);
	expect(v, "300 A gone>active @4\n"
		  "300 A close#1 lost @4\n");
	st(v, 400, "B", CCM_STATE_ACTIVE);
	expect(v, "400 B connected>active @5\n");
	st(v, 500, "C", CCM_STATE_GONE);
	expect(v, "500 C active>gone @6\n"
		  "500 C open#2 lost @6\n");
	st(v, 600, "A", CCM_STATE_GONE);
	expect(v, "600 A active>gone @7\n"
		  "600 A open#3 lost @7\n");
	st(v, 700, "A", CCM_STATE_CONNECTED);
	expect(v, "700 A gone>connected @8\n");
	/* CONNECTED again after ACTIVE (a router start): not down */
	st(v, 800, "C", CCM_STATE_ACTIVE);
	st(v, 900, "C", CCM_STATE_CONNECTED);
	expect(v, "800 C gone>active @9\n"
		  "800 C close#2 lost @9\n"
		  "900 C active>connected @10\n");
	assert_int_equal(comp(v, "A")->incidents, 2);
	assert_int_equal(comp(v, "A")->incident.id, 3);
	assert_true(comp(v, "A")->incident.open);
	assert_int_equal(comp(v, "B")->incidents, 0);
	assert_int_equal(comp(v, "C")->incident.id, 2);
	assert_false(comp(v, "C")->incident.open);
	assert_int_equal(ccm_component_judged_state(comp(v, "C")),
			 CCM_STATE_UNKNOWN);
	assert_int_equal(ccm_component_judged_state(comp(v, "A")),
			 CCM_STATE_CONNECTED);
}

static void test_same_state_is_no_transition(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 100, "A", CCM_STATE_ACTIVE);
	expect(v, "0 A unknown>active @1\n");
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "1000 A active>gone @3\n"
		  "1000 A open#1 lost @3\n");
	st(v, 2000, "A", CCM_STATE_GONE);
	expect(v, "");
	st(v, 3000, "A", CCM_STATE_CONNECTED);
	expect(v, "3000 A gone>connected @5\n");
	/* A repeated CONNECTED does not restart the authentication clock. */
	st(v, 8000, "A", CCM_STATE_CONNECTED);
	expect(v, "");
	assert_int_equal(comp(v, "A")->transitions, 3);
	assert_int_equal(comp(v, "A")->last_change, T0 + 3000);
	adv(v, 12999);
	expect(v, "");
	adv(v, 13000);
	expect(v, "13000 A authtimeout#1 @-\n"
		  "13000 A cause#1 auth @-\n");
	assert_int_equal(comp(v, "A")->incidents, 1);
}

static void test_component_failed_unknown(void **state)
{
	struct env *v = *state;
	const struct ccm_component *x;

	compfail(v, 0, "X");
	expect(v, "0 X open#1 lost @1\n"
		  "0 X cause#1 unreachable @1\n");
	x = comp(v, "X");
	assert_int_equal(x->state, CCM_STATE_UNKNOWN);
	assert_int_equal(x->incidents, 1);
	assert_int_equal(x->connect_failures, 1);
	assert_true(x->incident.open);
	assert_int_equal(x->incident.start, T0);
	assert_int_equal(x->incident.start_pos.line, 1);
	compfail(v, 500, "X");
	expect(v, "");
	st(v, 1000, "X", CCM_STATE_CONNECTED);
	expect(v, "1000 X unknown>connected @3\n");
	st(v, 2000, "X", CCM_STATE_ACTIVE);
	expect(v, "2000 X connected>active @4\n"
		  "2000 X close#1 unreachable @4\n");
	assert_int_equal(x->incidents, 1);
	assert_int_equal(x->downtime, 2000);
}

static void test_downtime(void **state)
{
	struct env *v = *state;
	const struct ccm_component *a;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 0, "B", CCM_STATE_ACTIVE);
	st(v, 1000, "A", CCM_STATE_GONE);
	st(v, 3500, "A", CCM_STATE_ACTIVE);
	st(v, 10000, "A", CCM_STATE_GONE);
	st(v, 10500, "A", CCM_STATE_CONNECTED);
	st(v, 10750, "A", CCM_STATE_ACTIVE);
	st(v, 20000, "A", CCM_STATE_GONE);
	adv(v, 50000);
	a = comp(v, "A");
	assert_int_equal(a->incidents, 3);
	assert_int_equal(a->downtime, 3250); /* 2500 + 750, the open one not */
	assert_true(a->incident.open);
	assert_int_equal(a->incident.id, 3);
	assert_int_equal(a->transitions, 7);
	assert_int_equal(comp(v, "B")->downtime, 0);
	assert_int_equal(comp(v, "B")->incidents, 0);
}

/* ---- endpoints --------------------------------------------------------- */

static void test_endpoint_counters(void **state)
{
	struct env *v = *state;
	const struct ccm_endpoint *e;
	const struct ccm_component *const *cs;

	connecting(v, 0, E1_HOST, E1_PORT);
	refused(v, 0, E1_HOST, E1_PORT);
	connecting(v, 1000, E1_HOST, E1_PORT);
	refused(v, 1000, E1_HOST, E1_PORT);
	connecting(v, 2000, E1_HOST, E1_PORT);
	failed(v, 2000, E1_HOST, E1_PORT, 113, "No route to host");
	expect(v, ""); /* no component involved */

	e = ep(v, E1_HOST, E1_PORT);
	assert_int_equal(e->attempts, 3);
	assert_int_equal(e->failures, 3);
	assert_int_equal(e->refused, 2);
	assert_string_equal(e->last_error, "(113) No route to host");
	assert_true(e->have_failure);
	assert_int_equal(e->last_failure, T0 + 2000);

	connecting(v, 3000, "10.0.0.9", 7400);
	e = ep(v, "10.0.0.9", 7400);
	assert_int_equal(e->attempts, 1);
	assert_int_equal(e->failures, 0);
	assert_int_equal(e->refused, 0);
	assert_null(e->last_error);
	assert_false(e->have_failure);
	assert_int_equal(ccm_engine_components(v->e, &cs), 0);
}

/* The analyzer finds the endpoint of a connect line by its address, to
 * put the attempt on the timeline: exact host and port, span not
 * terminated, nothing created by looking. */
static void test_endpoint_lookup(void **state)
{
	struct env *v = *state;
	const struct ccm_endpoint *const *es;
	const char *line = "10.0.0.1', port 7999";

	assert_null(ccm_engine_endpoint(v->e, E1_HOST, strlen(E1_HOST),
					E1_PORT));
	assert_null(ccm_engine_endpoint(v->e, NULL, 0, E1_PORT));
	connecting(v, 0, E1_HOST, E1_PORT);
	connecting(v, 0, "10.0.0.10", E1_PORT);
	assert_ptr_equal(ccm_engine_endpoint(v->e, line, strlen(E1_HOST),
					     E1_PORT),
			 ep(v, E1_HOST, E1_PORT));
	assert_ptr_equal(ccm_engine_endpoint(v->e, "10.0.0.10", 9, E1_PORT),
			 ep(v, "10.0.0.10", E1_PORT));
	assert_null(ccm_engine_endpoint(v->e, E1_HOST, strlen(E1_HOST),
					7400));
	assert_null(ccm_engine_endpoint(v->e, "10.0.0.", 7, E1_PORT));
	assert_int_equal(ccm_engine_endpoints(v->e, &es), 2);
}

/* Spans are not NUL-terminated: only their n bytes count. */
static void test_spans_not_terminated(void **state)
{
	struct env *v = *state;
	static const char line[] =
		"Unable to connect to host '10.0.0.1', port 7999:(111) "
		"Connection refused  Component alphabet is GONE";
	struct ccm_logmsg m = {
		.kind = CCM_MSG_CONNECT_FAILED,
		.host = { line + 27, 8 },
		.port = 7999,
		.err = 111,
		.reason = { line + 54, 18 },
	};
	const struct ccm_endpoint *e;

	feed(v, 0, &m);
	m = (struct ccm_logmsg){
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = { strstr(line, "alphabet"), 5 },
		.state = CCM_STATE_GONE,
	};
	feed(v, 0, &m);
	expect(v, "0 alpha unknown>gone @2\n"
		  "0 alpha open#1 lost @2\n");
	e = ep(v, E1_HOST, E1_PORT);
	assert_string_equal(e->last_error, "(111) Connection refused");
	assert_int_equal(e->refused, 1);
}

static void test_bind_by_inference(void **state)
{
	struct env *v = *state;
	const struct ccm_component *a;

	connecting(v, 0, E1_HOST, E1_PORT);
	expect(v, "");
	st(v, 0, "A", CCM_STATE_CONNECTED);
	expect(v, "0 A bound 10.0.0.1:7999 @2\n"
		  "0 A unknown>connected @2\n");
	a = comp(v, "A");
	assert_ptr_equal(a->endpoint, ep(v, E1_HOST, E1_PORT));
	assert_false(a->endpoint_configured);
	st(v, 1000, "A", CCM_STATE_ACTIVE);
	expect(v, "1000 A connected>active @3\n");

	/* Connecting, then ACTIVE: no binding. */
	connecting(v, 2000, "10.0.0.2", 7999);
	st(v, 2000, "A", CCM_STATE_ACTIVE);
	expect(v, "");
	assert_ptr_equal(a->endpoint, ep(v, E1_HOST, E1_PORT));

	/* Connecting, another message, then GONE: no binding. */
	connecting(v, 3000, "10.0.0.2", 7999);
	none(v, 3000);
	st(v, 3000, "A", CCM_STATE_GONE);
	expect(v, "3000 A active>gone @8\n"
		  "3000 A open#1 lost @8\n");
	assert_ptr_equal(a->endpoint, ep(v, E1_HOST, E1_PORT));

	/* Connecting, a failure (elsewhere), then CONNECTED: no binding. */
	connecting(v, 4000, "10.0.0.2", 7999);
	refused(v, 4000, "10.0.0.3", 7999);
	st(v, 4000, "A", CCM_STATE_CONNECTED);
	expect(v, "4000 A gone>connected @11\n");
	assert_ptr_equal(a->endpoint, ep(v, E1_HOST, E1_PORT));

	/* Connecting, then GONE: bound again, to the new endpoint. */
	connecting(v, 5000, "10.0.0.2", 7999);
	st(v, 5000, "A", CCM_STATE_GONE);
	expect(v, "5000 A bound 10.0.0.2:7999 @13\n"
		  "5000 A connected>gone @13\n");
	assert_ptr_equal(a->endpoint, ep(v, "10.0.0.2", 7999));

	/* The same endpoint again: nothing new. */
	connecting(v, 6000, "10.0.0.2", 7999);
	st(v, 6000, "A", CCM_STATE_CONNECTED);
	expect(v, "6000 A gone>connected @15\n");

	/* The Connecting belongs to the very next message only. */
	connecting(v, 7000, E1_HOST, E1_PORT);
	st(v, 7000, "B", CCM_STATE_GONE);
	st(v, 7000, "C", CCM_STATE_GONE);
	expect(v, "7000 B bound 10.0.0.1:7999 @17\n"
		  "7000 B unknown>gone @17\n"
		  "7000 B open#2 lost @17\n"
		  "7000 C unknown>gone @18\n"
		  "7000 C open#3 lost @18\n");
	assert_ptr_equal(comp(v, "B")->endpoint, ep(v, E1_HOST, E1_PORT));
	assert_null(comp(v, "C")->endpoint);
	assert_int_equal(ep(v, E1_HOST, E1_PORT)->attempts, 2);
	assert_int_equal(ep(v, "10.0.0.2", 7999)->attempts, 5);
}

static void test_bind_config_not_overridden(void **state)
{
	struct env *v = *state;
	const struct ccm_component *a, *b;

	config_bind(v, "A", E1_HOST, E1_PORT);
	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>active @1\n"
		  "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n");
	refused(v, 1500, "10.0.0.2", 7999);
	connecting(v, 2000, "10.0.0.2", 7999);
	st(v, 2000, "A", CCM_STATE_CONNECTED);
	expect(v, "2000 A gone>connected @5\n");
	st(v, 3000, "A", CCM_STATE_ACTIVE);
	expect(v, "3000 A connected>active @6\n"
		  "3000 A close#1 lost @6\n");
	a = comp(v, "A");
	assert_ptr_equal(a->endpoint, ep(v, E1_HOST, E1_PORT));
	assert_true(a->endpoint_configured);
	assert_int_equal(a->connect_failures, 0);

	/* Configuration replaces an inferred binding, and then holds. */
	connecting(v, 4000, "10.0.0.2", 7999);
	st(v, 4000, "B", CCM_STATE_GONE);
	expect(v, "4000 B bound 10.0.0.2:7999 @8\n"
		  "4000 B unknown>gone @8\n"
		  "4000 B open#2 lost @8\n"
		  "4000 B cause#2 refused @8\n");
	assert_int_equal(ccm_engine_bind(v->e, "B", E1_HOST, E1_PORT), 0);
	expect(v, "4000 B bound 10.0.0.1:7999 @-\n");
	connecting(v, 5000, "10.0.0.2", 7999);
	st(v, 5000, "B", CCM_STATE_CONNECTED);
	expect(v, "5000 B gone>connected @10\n");
	b = comp(v, "B");
	assert_ptr_equal(b->endpoint, ep(v, E1_HOST, E1_PORT));
	assert_true(b->endpoint_configured);
}

/* The usual order: GONE, refusals, Connecting, CONNECTED (binds it). */
static void test_refusals_before_binding_learned(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>active @1\n"
		  "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n");
	refused(v, 2000, E1_HOST, E1_PORT);
	refused(v, 3000, E1_HOST, E1_PORT);
	connecting(v, 4000, E1_HOST, E1_PORT);
	expect(v, "");
	st(v, 4000, "A", CCM_STATE_CONNECTED);
	expect(v, "4000 A bound 10.0.0.1:7999 @6\n"
		  "4000 A cause#1 refused @6\n"
		  "4000 A gone>connected @6\n");
	st(v, 5000, "A", CCM_STATE_ACTIVE);
	expect(v, "5000 A connected>active @7\n"
		  "5000 A close#1 refused @7\n");
	assert_int_equal(comp(v, "A")->incident.cause, CCM_CAUSE_REFUSED);
}

/* A repeated GONE after a Connecting still binds, though no transition. */
static void test_bind_on_repeated_state(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>gone @1\n"
		  "0 A open#1 lost @1\n");
	refused(v, 1000, E1_HOST, E1_PORT);
	connecting(v, 2000, E1_HOST, E1_PORT);
	st(v, 2000, "A", CCM_STATE_GONE);
	expect(v, "2000 A bound 10.0.0.1:7999 @4\n"
		  "2000 A cause#1 refused @4\n");
	assert_int_equal(comp(v, "A")->transitions, 1);
}

/* A refusal stamped with the incident's start time counts ("at or after"). */
static void test_refusal_at_start_time_counts(void **state)
{
	struct env *v = *state;

	refused(v, 0, E1_HOST, E1_PORT);
	connecting(v, 0, E1_HOST, E1_PORT);
	st(v, 0, "B", CCM_STATE_GONE);
	expect(v, "0 B bound 10.0.0.1:7999 @3\n"
		  "0 B unknown>gone @3\n"
		  "0 B open#1 lost @3\n"
		  "0 B cause#1 refused @3\n");
}

static void test_refusals_since_active_count(void **state)
{
	struct env *v = *state;

	/* A refusal while ACTIVE, just before the GONE (the vendor's own
	 * sequence), explains it once the endpoint is known. */
	st(v, 0, "A", CCM_STATE_ACTIVE);
	refused(v, 500, E1_HOST, E1_PORT);
	st(v, 1000, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>active @1\n"
		  "1000 A active>gone @3\n"
		  "1000 A open#1 lost @3\n");
	connecting(v, 2000, E1_HOST, E1_PORT);
	st(v, 2000, "A", CCM_STATE_CONNECTED);
	expect(v, "2000 A bound 10.0.0.1:7999 @5\n"
		  "2000 A cause#1 refused @5\n"
		  "2000 A gone>connected @5\n");
	st(v, 3000, "A", CCM_STATE_ACTIVE);
	expect(v, "3000 A connected>active @6\n"
		  "3000 A close#1 refused @6\n");

	/* Bound by configuration: a refusal while ACTIVE, then the GONE. */
	config_bind(v, "B", "10.0.0.2", 7999);
	st(v, 4000, "B", CCM_STATE_ACTIVE);
	refused(v, 4500, "10.0.0.2", 7999);
	st(v, 5000, "B", CCM_STATE_GONE);
	st(v, 6000, "B", CCM_STATE_ACTIVE);
	expect(v, "4000 B unknown>active @7\n"
		  "5000 B active>gone @9\n"
		  "5000 B open#2 lost @9\n"
		  "5000 B cause#2 refused @9\n"
		  "6000 B gone>active @10\n"
		  "6000 B close#2 refused @10\n");
	assert_int_equal(comp(v, "B")->connect_failures, 1);

	/* A refusal after the incident closed leaves it alone. */
	refused(v, 7000, "10.0.0.2", 7999);
	expect(v, "");
	assert_int_equal(comp(v, "B")->incident.cause, CCM_CAUSE_REFUSED);

	/* First seen after refusals that came earlier: never ACTIVE
	 * since, they explain it. */
	refused(v, 8000, "10.0.0.3", 7999);
	connecting(v, 9000, "10.0.0.3", 7999);
	st(v, 9000, "C", CCM_STATE_GONE);
	expect(v, "9000 C bound 10.0.0.3:7999 @14\n"
		  "9000 C unknown>gone @14\n"
		  "9000 C open#3 lost @14\n"
		  "9000 C cause#3 refused @14\n");
	st(v, 9500, "C", CCM_STATE_ACTIVE);
	expect(v, "9500 C gone>active @15\n"
		  "9500 C close#3 refused @15\n");
}

/* The vendor's own sequence (doc/domain.md "Causes of an outage"),
 * unconfigured: Connecting, Unable to connect (111), then GONE.  The
 * refusal before the GONE names the cause. */
static void test_vendor_sequence_refused_before_gone(void **state)
{
	struct env *v = *state;

	st(v, 0, "A", CCM_STATE_ACTIVE);
	connecting(v, 1000, E1_HOST, E1_PORT);
	refused(v, 1001, E1_HOST, E1_PORT);
	st(v, 1002, "A", CCM_STATE_GONE);
	expect(v, "0 A unknown>active @1\n"
		  "1002 A bound 10.0.0.1:7999 @4\n"
		  "1002 A active>gone @4\n"
		  "1002 A open#1 lost @4\n"
		  "1002 A cause#1 refused @4\n");
	assert_int_equal(comp(v, "A")->incident.cause, CCM_CAUSE_REFUSED);
}

/* 111 refused, 110 timeout, anything else (113, 101, a resolver error)
 * unreachable; the latest failure names the cause. */
static void test_causes_follow_errno(void **state)
{
	struct env *v = *state;

	assert_int_equal(ccm_cause_of_errno(111), CCM_CAUSE_REFUSED);
	assert_int_equal(ccm_cause_of_errno(110), CCM_CAUSE_TIMEOUT);
	assert_int_equal(ccm_cause_of_errno(113), CCM_CAUSE_UNREACHABLE);
	assert_int_equal(ccm_cause_of_errno(101), CCM_CAUSE_UNREACHABLE);
	assert_int_equal(ccm_cause_of_errno(-2), CCM_CAUSE_UNREACHABLE);
	assert_string_equal(ccm_cause_name(CCM_CAUSE_TIMEOUT), "timeout");
	assert_string_equal(ccm_cause_name(CCM_CAUSE_UNREACHABLE),
			    "unreachable");

	config_bind(v, "A", E1_HOST, E1_PORT);
	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 1000, "A", CCM_STATE_GONE);
	failed(v, 2000, E1_HOST, E1_PORT, 110, "Connection timed out");
	failed(v, 3000, E1_HOST, E1_PORT, 110, "Connection timed out");
	refused(v, 4000, E1_HOST, E1_PORT);
	failed(v, 5000, E1_HOST, E1_PORT, 101, "Network is unreachable");
	expect(v, "0 A unknown>active @1\n"
		  "1000 A active>gone @2\n"
		  "1000 A open#1 lost @2\n"
		  "2000 A cause#1 timeout @3\n"
		  "4000 A cause#1 refused @5\n"
		  "5000 A cause#1 unreachable @6\n");
	/* a missing ACTIVE does not outrank a failed connect */
	st(v, 6000, "A", CCM_STATE_CONNECTED);
	adv(v, 20000);
	expect(v, "6000 A gone>connected @7\n"
		  "16000 A authtimeout#1 @-\n");
}

/* Expressway: "Failed to connect to component X" a few milliseconds after
 * "Unable to connect to host H, port P" (another thread) binds X to H:P,
 * and the errno names the cause. */
static void test_expressway_failed_binds(void **state)
{
	struct env *v = *state;

	connecting(v, 0, E1_HOST, E1_PORT);
	failed(v, 1, E1_HOST, E1_PORT, 113, "No route to host");
	compfail(v, 7, "X");
	expect(v, "7 X open#1 lost @3\n"
		  "7 X bound 10.0.0.1:7999 @3\n"
		  "7 X cause#1 unreachable @3\n");
	assert_ptr_equal(comp(v, "X")->endpoint, ep(v, E1_HOST, E1_PORT));
}

static void test_expressway_failed_far_apart_no_bind(void **state)
{
	struct env *v = *state;

	failed(v, 0, E1_HOST, E1_PORT, 111, "Connection refused");
	compfail(v, 5000, "X");
	expect(v, "5000 X open#1 lost @2\n"
		  "5000 X cause#1 unreachable @2\n");
	assert_null(comp(v, "X")->endpoint);
}

/* A router restart: its log silent for restart_silence (30 s), then its
 * components CONNECTED within restart_burst (5 s) of each other: one
 * event per node spanning the silence, no incident per component. */
static void test_router_restart(void **state)
{
	struct env *v = *state;

	st(v, 0, "op-a.imp1-example-com", CCM_STATE_ACTIVE);
	st(v, 10, "op-b.imp1-example-com", CCM_STATE_ACTIVE);
	expect(v, "0 op-a.imp1-example-com unknown>active @1\n"
		  "10 op-b.imp1-example-com unknown>active @2\n");
	connecting(v, 40010, E1_HOST, E1_PORT);
	st(v, 40011, "op-a.imp1-example-com", CCM_STATE_CONNECTED);
	st(v, 43000, "op-b.imp1-example-com", CCM_STATE_CONNECTED);
	st(v, 43020, "op-a.imp1-example-com", CCM_STATE_ACTIVE);
	st(v, 43030, "op-b.imp1-example-com", CCM_STATE_ACTIVE);
	expect(v, "40011 op-a.imp1-example-com bound 10.0.0.1:7999 @4\n"
		  "40011 op-a.imp1-example-com active>connected @4\n"
		  "40011 op-a.imp1-example-com restart#1 imp1-example-com "
		  "router-restart 10..40010 @4\n"
		  "43000 op-b.imp1-example-com active>connected @5\n"
		  "43020 op-a.imp1-example-com connected>active @6\n"
		  "43030 op-b.imp1-example-com connected>active @7\n");
	assert_int_equal(comp(v, "op-a.imp1-example-com")->incidents, 0);
	assert_int_equal(comp(v, "op-b.imp1-example-com")->incidents, 0);

	/* silent 29.999 s: no restart */
	st(v, 73029, "op-a.imp1-example-com", CCM_STATE_CONNECTED);
	st(v, 73040, "op-a.imp1-example-com", CCM_STATE_ACTIVE);
	expect(v, "73029 op-a.imp1-example-com active>connected @8\n"
		  "73040 op-a.imp1-example-com connected>active @9\n");

	/* a CONNECTED more than restart_burst after the silence: no
	 * restart either */
	refused(v, 110000, "10.0.0.9", 7999);
	st(v, 115001, "op-b.imp1-example-com", CCM_STATE_CONNECTED);
	expect(v, "115001 op-b.imp1-example-com active>connected @11\n");
}

static int setup_restart2s(void **state)
{
	struct ccm_engine_config cfg = {
		.restart_silence = 2000, .restart_burst = 100,
	};

	return setup_cfg(state, &cfg);
}

static void test_router_restart_configured(void **state)
{
	struct env *v = *state;
	st(v, 0, "op-a.n1", CCM_STATE_ACTIVE);
	st(v, 0, "op-b.n2", CCM_STATE_ACTIVE);
	st(v, 2000, "op-a.n1", CCM_STATE_CONNECTED);
	st(v, 2100, "op-b.n2", CCM_STATE_CONNECTED);
	/* never seen before: no re-connect, no sign of a restart */
	st(v, 2150, "op-c.n3", CCM_STATE_CONNECTED);
	expect(v, "0 op-a.n1 unknown>active @1\n"
		  "0 op-b.n2 unknown>active @2\n"
		  "2000 op-a.n1 active>connected @3\n"
		  "2000 op-a.n1 restart#1 n1 router-restart 0..2000 @3\n"
		  "2100 op-b.n2 active>connected @4\n"
		  "2100 op-b.n2 restart#2 n2 router-restart 0..2000 @4\n"
		  "2150 op-c.n3 unknown>connected @5\n");
}

static void test_two_components_two_endpoints(void **state)
{
	struct env *v = *state;
	const struct ccm_endpoint *e1, *e2;

	connecting(v, 0, E1_HOST, 7999);
	st(v, 0, "A", CCM_STATE_CONNECTED);
	st(v, 100, "A", CCM_STATE_ACTIVE);
	connecting(v, 200, E1_HOST, 7400);
	st(v, 200, "B", CCM_STATE_CONNECTED);
	st(v, 300, "B", CCM_STATE_ACTIVE);
	expect(v, "0 A bound 10.0.0.1:7999 @2\n"
		  "0 A unknown>connected @2\n"
		  "100 A connected>active @3\n"
		  "200 B bound 10.0.0.1:7400 @5\n"
		  "200 B unknown>connected @5\n"
		  "300 B connected>active @6\n");
	st(v, 1000, "A", CCM_STATE_GONE);
	st(v, 1000, "B", CCM_STATE_GONE);
	expect(v, "1000 A active>gone @7\n"
		  "1000 A open#1 lost @7\n"
		  "1000 B active>gone @8\n"
		  "1000 B open#2 lost @8\n");
	refused(v, 1500, E1_HOST, 7400);
	expect(v, "1500 B cause#2 refused @9\n");
	connecting(v, 2000, E1_HOST, 7999);
	st(v, 2000, "A", CCM_STATE_CONNECTED);
	st(v, 2500, "A", CCM_STATE_ACTIVE);
	connecting(v, 3000, E1_HOST, 7400);
	st(v, 3000, "B", CCM_STATE_CONNECTED);
	st(v, 3500, "B", CCM_STATE_ACTIVE);
	expect(v, "2000 A gone>connected @11\n"
		  "2500 A connected>active @12\n"
		  "2500 A close#1 lost @12\n"
		  "3000 B gone>connected @14\n"
		  "3500 B connected>active @15\n"
		  "3500 B close#2 refused @15\n");

	e1 = ep(v, E1_HOST, 7999);
	e2 = ep(v, E1_HOST, 7400);
	assert_ptr_equal(comp(v, "A")->endpoint, e1);
	assert_ptr_equal(comp(v, "B")->endpoint, e2);
	assert_int_equal(e1->attempts, 2);
	assert_int_equal(e1->failures, 0);
	assert_null(e1->last_error);
	assert_int_equal(e2->attempts, 2);
	assert_int_equal(e2->failures, 1);
	assert_int_equal(e2->refused, 1);
	assert_int_equal(comp(v, "A")->connect_failures, 0);
	assert_int_equal(comp(v, "B")->connect_failures, 1);
}

/* ---- clock ------------------------------------------------------------- */

static void test_out_of_order_time(void **state)
{
	struct env *v = *state;
	const struct ccm_component *a;

	st(v, 5000, "A", CCM_STATE_ACTIVE);
	st(v, 6000, "A", CCM_STATE_GONE);
	st(v, 4000, "A", CCM_STATE_ACTIVE); /* stamped before the GONE */
	expect(v, "5000 A unknown>active @1\n"
		  "6000 A active>gone @2\n"
		  "6000 A open#1 lost @2\n"
		  "6000 A gone>active @3\n"
		  "6000 A close#1 lost @3\n");
	a = comp(v, "A");
	assert_int_equal(a->incident.start, T0 + 6000);
	assert_int_equal(a->incident.end, T0 + 6000);
	assert_int_equal(a->downtime, 0);
	assert_int_equal(a->last_change, T0 + 6000);
	assert_int_equal(ccm_engine_now(v->e), T0 + 6000);

	adv(v, 1000);
	assert_int_equal(ccm_engine_now(v->e), T0 + 6000);

	st(v, 7000, "A", CCM_STATE_GONE);
	st(v, 7500, "A", CCM_STATE_CONNECTED);
	st(v, 2000, "B", CCM_STATE_ACTIVE);
	expect(v, "7000 A active>gone @4\n"
		  "7000 A open#2 lost @4\n"
		  "7500 A gone>connected @5\n"
		  "7500 B unknown>active @6\n");
	adv(v, 17499);
	expect(v, "");
	adv(v, 17500);
	expect(v, "17500 A authtimeout#2 @-\n"
		  "17500 A cause#2 auth @-\n");
}

/* A refusal line stamped before the incident, read after it: counts as now. */
static void test_out_of_order_refusal(void **state)
{
	struct env *v = *state;

	config_bind(v, "A", E1_HOST, E1_PORT);
	st(v, 0, "A", CCM_STATE_ACTIVE);
	st(v, 10000, "A", CCM_STATE_GONE);
	refused(v, 9000, E1_HOST, E1_PORT);
	expect(v, "0 A unknown>active @1\n"
		  "10000 A active>gone @2\n"
		  "10000 A open#1 lost @2\n"
		  "10000 A cause#1 refused @3\n");
	assert_int_equal(ep(v, E1_HOST, E1_PORT)->last_failure, T0 + 10000);
}

static void test_auth_timeouts_in_deadline_order(void **state)
{
	struct env *v = *state;

	st(v, 0, "C", CCM_STATE_CONNECTED);
	st(v, 1000, "B", CCM_STATE_CONNECTED);
	st(v, 3000, "A", CCM_STATE_CONNECTED);
	expect(v, "0 C unknown>connected @1\n"
		  "1000 B unknown>connected @2\n"
		  "3000 A unknown>connected @3\n");
	adv(v, 20000);
	expect(v, "10000 C open#1 auth @-\n"
		  "10000 C authtimeout#1 @-\n"
		  "11000 B open#2 auth @-\n"
		  "11000 B authtimeout#2 @-\n"
		  "13000 A open#3 auth @-\n"
		  "13000 A authtimeout#3 @-\n");
	assert_int_equal(ccm_engine_now(v->e), T0 + 20000);

	/* Due ones fire before the message that moves the clock past them. */
	st(v, 30000, "D", CCM_STATE_CONNECTED);
	st(v, 32000, "E", CCM_STATE_CONNECTED);
	expect(v, "30000 D unknown>connected @4\n"
		  "32000 E unknown>connected @5\n");
	st(v, 45000, "A", CCM_STATE_ACTIVE);
	expect(v, "40000 D open#4 auth @-\n"
		  "40000 D authtimeout#4 @-\n"
		  "42000 E open#5 auth @-\n"
		  "42000 E authtimeout#5 @-\n"
		  "45000 A connected>active @6\n"
		  "45000 A close#3 auth @6\n");
}

/* ---- ordering and scale ------------------------------------------------ */

static void test_sorting(void **state)
{
	struct env *v = *state;
	const struct ccm_component *const *cs;
	const struct ccm_endpoint *const *es;
	/* names ignore case, in order as in identity */
	static const char *const names[] = { "alp",   "alpha", "beta",
					     "Mid",   "omega", "zeta" };
	static const struct {
		const char *host;
		unsigned port;
	} eps[] = {
		{ "10.0.0.1", 80 },  { "10.0.0.1", 7999 },
		{ "10.0.0.10", 5 },  { "10.0.0.2", 80 },
		{ "a.example", 1 },
	};
	size_t n;

	st(v, 0, "zeta", CCM_STATE_ACTIVE);
	st(v, 0, "alpha", CCM_STATE_ACTIVE);
	st(v, 0, "Mid", CCM_STATE_GONE);
	st(v, 0, "beta", CCM_STATE_ACTIVE);
	compfail(v, 0, "alp");
	assert_int_equal(ccm_engine_bind(v->e, "omega", "a.example", 1), 0);
	connecting(v, 0, "10.0.0.2", 80);
	refused(v, 0, "10.0.0.1", 7999);
	connecting(v, 0, "10.0.0.1", 80);
	connecting(v, 0, "10.0.0.10", 5);
	connecting(v, 0, "10.0.0.1", 7999);

	n = ccm_engine_components(v->e, &cs);
	assert_int_equal(n, sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(cs[i]->name, names[i]);
	n = ccm_engine_endpoints(v->e, &es);
	assert_int_equal(n, sizeof(eps) / sizeof(eps[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(es[i]->host, eps[i].host);
		assert_int_equal(es[i]->port, eps[i].port);
	}
	assert_int_equal(ep(v, "10.0.0.1", 7999)->attempts, 1);
	assert_int_equal(ep(v, "10.0.0.1", 7999)->failures, 1);
	assert_int_equal(ep(v, "10.0.0.1", 80)->failures, 0);

	/* another spelling is the same component, named as first seen */
	st(v, 0, "MID", CCM_STATE_ACTIVE);
	assert_int_equal(ccm_engine_components(v->e, &cs),
			 sizeof(names) / sizeof(names[0]));
	assert_string_equal(cs[3]->name, "Mid");
	assert_int_equal(cs[3]->state, CCM_STATE_ACTIVE);
	assert_int_equal(cs[3]->transitions, 2);
}

/* A fixed LCG: the shuffles are the same on every run. */
static uint32_t rng(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static void shuffle(unsigned *a, size_t n, uint32_t *seed)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng(seed) % (i + 1);
		unsigned t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define MANY 500

static void test_many_components(void **state)
{
	struct env *v = *state;
	static char names[MANY][8];
	const char *sorted[MANY];
	unsigned order[MANY];
	uint32_t seed = 12345;
	uint64_t id_of[MANY];
	const struct ccm_component *const *cs;
	size_t n;

	for (unsigned i = 0; i < MANY; i++) {
		snprintf(names[i], sizeof(names[i]), "c%u", i);
		sorted[i] = names[i];
		order[i] = i;
	}
	qsort(sorted, MANY, sizeof(sorted[0]), cmp_str);

	shuffle(order, MANY, &seed);
	for (unsigned i = 0; i < MANY; i++)
		st(v, i, names[order[i]], CCM_STATE_ACTIVE);
	shuffle(order, MANY, &seed);
	for (unsigned i = 0; i < MANY; i++) {
		st(v, 1000 + i, names[order[i]], CCM_STATE_GONE);
		id_of[order[i]] = i + 1;
	}
	for (unsigned i = 0; i < MANY; i += 2)
		compfail(v, 2000, names[i]);
	assert_int_equal(v->n, MANY + 2 * MANY + MANY / 2);
	v->n = 0;

	n = ccm_engine_components(v->e, &cs);
	assert_int_equal(n, MANY);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(cs[i]->name, sorted[i]);
		if (i > 0)
			assert_true(strcmp(cs[i - 1]->name, cs[i]->name) < 0);
	}
	for (unsigned i = 0; i < MANY; i++) {
		const struct ccm_component *c = comp(v, names[i]);
		assert_int_equal(c->state, CCM_STATE_GONE);
		assert_int_equal(c->transitions, 2);
		assert_int_equal(c->incidents, 1);
		assert_int_equal(c->incident.id, id_of[i]);
		assert_true(c->incident.open);
		assert_int_equal(c->incident.cause,
				 i % 2 == 0 ? CCM_CAUSE_UNREACHABLE :
					      CCM_CAUSE_LOST);
		assert_int_equal(c->connect_failures, i % 2 == 0 ? 1 : 0);
	}

	/* Many endpoints, too. */
	shuffle(order, MANY, &seed);
	for (unsigned i = 0; i < MANY; i++)
		connecting(v, 3000, "10.1.0.1", 1000 + order[i]);
	{
		const struct ccm_endpoint *const *es;
		size_t ne = ccm_engine_endpoints(v->e, &es);
		assert_int_equal(ne, MANY);
		for (size_t i = 0; i < ne; i++) {
			assert_int_equal(es[i]->port, 1000 + i);
			assert_int_equal(es[i]->attempts, 1);
		}
	}
}

/* A message from no log line (a probe, a timer) carries no position. */
static void test_null_position(void **state)
{
	struct env *v = *state;
	struct ccm_logmsg gone = {
		.kind = CCM_MSG_COMPONENT_STATE,
		.component = span("A"),
		.state = CCM_STATE_GONE,
	};
	struct ccm_logmsg up = gone;

	up.state = CCM_STATE_ACTIVE;
	assert_int_equal(ccm_engine_feed(v->e, T0, &gone, NULL), 0);
	assert_int_equal(ccm_engine_feed(v->e, T0 + 5, &up, NULL), 0);
	expect(v, "0 A unknown>gone @-\n"
		  "0 A open#1 lost @-\n"
		  "5 A gone>active @-\n"
		  "5 A close#1 lost @-\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_names_cleaned_counted),
		T(test_cause_lost),
		T(test_cause_refused_endpoint),
		T(test_cause_refused_any_errno),
		T(test_cause_refused_component_failed),
		T(test_component_failed_while_active),
		T(test_cause_auth),
		T(test_auth_active_at_deadline),
		T(test_auth_active_1ms_before_deadline),
		cmocka_unit_test_setup_teardown(test_auth_timeout_configured,
						setup_auth5, teardown),
		cmocka_unit_test_setup_teardown(
			test_auth_timeout_zero_is_default, setup_auth0,
			teardown),
		T(test_refused_then_auth_stays_refused),
		T(test_auth_then_refusal_upgrades),
		T(test_first_seen_states),
		T(test_same_state_is_no_transition),
		T(test_component_failed_unknown),
		T(test_downtime),
		T(test_endpoint_counters),
		T(test_endpoint_lookup),
		T(test_spans_not_terminated),
		T(test_bind_by_inference),
		T(test_bind_config_not_overridden),
		T(test_refusals_before_binding_learned),
		T(test_bind_on_repeated_state),
		T(test_refusal_at_start_time_counts),
		T(test_refusals_since_active_count),
		T(test_vendor_sequence_refused_before_gone),
		T(test_causes_follow_errno),
		T(test_expressway_failed_binds),
		T(test_expressway_failed_far_apart_no_bind),
		T(test_router_restart),
		cmocka_unit_test_setup_teardown(test_router_restart_configured,
						setup_restart2s, teardown),
		T(test_two_components_two_endpoints),
		T(test_out_of_order_time),
		T(test_out_of_order_refusal),
		T(test_auth_timeouts_in_deadline_order),
		T(test_sorting),
		T(test_many_components),
		T(test_null_position),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
