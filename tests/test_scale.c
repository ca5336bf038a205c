/* SPDX-License-Identifier: ISC */
/* Many names: the order of the alarm engine's decisions with thousands of
 * alarms due at once, and what a flood of component names that no
 * [server] configures makes of the alarms (one per node, not one per
 * name).  No time is measured: the counts of messages say it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/alarm.h"
#include "agent/core/monitor.h"
#include "tests/logmsg.h"

#define T0 (ccm_days_from_civil(2026, 11, 3) * CCM_MS_PER_DAY + 8 * 3600000)

/* ---- the alarm engine ---------------------------------------------------- */

struct seen {
	size_t n, raised, cleared;
	ccm_ms last_time;
	int last_type;
	char last_res[64];
	uint64_t last_id;
	bool in_order; /* time, then (type, resource) for equal times */
};

static void on_decision(void *ctx, const struct ccm_alarm_decision *d)
{
	struct seen *s = ctx;

	if (s->n && (d->time < s->last_time ||
		     (d->time == s->last_time &&
		      ((int)d->type < s->last_type ||
		       ((int)d->type == s->last_type &&
			strcmp(d->resource, s->last_res) <= 0)))))
		s->in_order = false;
	if (d->state == CCM_ALARM_RAISED) {
		s->raised++;
		if (d->id != s->last_id + 1)
			s->in_order = false;
		s->last_id = d->id;
	} else {
		s->cleared++;
	}
	s->n++;
	s->last_time = d->time;
	s->last_type = (int)d->type;
	snprintf(s->last_res, sizeof(s->last_res), "%s", d->resource);
}

static struct ccm_alarms *engine(struct seen *s, ccm_ms raise, ccm_ms clear)
{
	struct ccm_alarm_policy p;
	struct ccm_alarms *as;

	ccm_alarm_policy_default(&p);
	p.raise_hold = raise;
	p.clear_hold = clear;
	p.flap_threshold = 0;
	p.rate_count = 0;
	memset(s, 0, sizeof(*s));
	s->in_order = true;
	as = ccm_alarms_new(&p, on_decision, s);
	assert_non_null(as);
	return as;
}

/* 3,000 alarms of two types reported in a scrambled order at one time:
 * all fall due at once, and come out in (type, resource) order. */
static void test_equal_due_times(void **state)
{
	struct seen s;
	struct ccm_alarms *as = engine(&s, 5000, 0);
	char res[32];
	ccm_ms due;

	(void)state;
	for (unsigned i = 0; i < 3000; i++) {
		unsigned k = (i * 7919u) % 3000u; /* 7919 is prime to 3000 */

		snprintf(res, sizeof(res), "r%05u", k);
		assert_int_equal(ccm_alarms_set(as, k % 2 ?
						CCM_ALARM_COMPONENT_DOWN :
						CCM_ALARM_AUTH_FAILURE,
						res, true, T0, NULL), 0);
	}
	assert_true(ccm_alarms_next_due(as, &due));
	assert_true(due == T0 + 5000);
	ccm_alarms_advance(as, T0 + 4999);
	assert_int_equal(s.n, 0);
	ccm_alarms_advance(as, T0 + 5000);
	assert_int_equal(s.raised, 3000);
	assert_true(s.in_order);
	assert_false(ccm_alarms_next_due(as, &due));
	assert_int_equal(ccm_alarms_count_active(as), 3000);
	ccm_alarms_free(as);
}

/* Clears that fall due at many times, four at each, reported for
 * resources in an order unrelated to their names, then one late advance
 * over all of them: the callback sees one timeline, equal times in
 * resource order. */
static void test_many_due_times(void **state)
{
	struct seen s;
	struct ccm_alarms *as = engine(&s, 0, 60000);
	char res[32];

	(void)state;
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(res, sizeof(res), "c%04u", i);
		assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN,
						res, true, T0, NULL), 0);
	}
	assert_int_equal(s.raised, 2000);
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(res, sizeof(res), "c%04u", (i * 1237u) % 2000u);
		assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN,
						res, false, T0 + 1 + i / 4,
						NULL), 0);
	}
	assert_int_equal(s.cleared, 0);
	ccm_alarms_advance(as, T0 + 200000);
	assert_int_equal(s.cleared, 2000);
	assert_true(s.in_order);
	assert_int_equal(ccm_alarms_count_active(as), 0);
	ccm_alarms_free(as);
}

/* 100,000 alarms raised and cleared: each message once, GETNEXT walks
 * every raised one in id order, and all are forgotten in the end. */
static void test_hundred_thousand(void **state)
{
	enum { N = 100000 };
	struct seen s;
	struct ccm_alarms *as = engine(&s, 0, 0);
	struct ccm_alarm_view v;
	uint64_t after = 0;
	size_t walked = 0;
	char res[32];

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		snprintf(res, sizeof(res), "op-%06u.imp1-example-com", i);
		assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN,
						res, true, T0 + i, NULL), 0);
	}
	assert_int_equal(s.raised, N);
	assert_int_equal(ccm_alarms_count_active(as), N);
	/* every other one cleared: GETNEXT skips the holes */
	for (unsigned i = 0; i < N; i += 2) {
		snprintf(res, sizeof(res), "op-%06u.imp1-example-com", i);
		assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN,
						res, false, T0 + N + i, NULL),
				 0);
	}
	assert_int_equal(s.cleared, N / 2);
	while (ccm_alarms_next_active(as, after, &v)) {
		assert_true(v.id > after);
		after = v.id;
		walked++;
	}
	assert_int_equal(walked, N / 2);
	assert_int_equal(ccm_alarms_count_active(as), N / 2);
	for (unsigned i = 1; i < N; i += 2) {
		snprintf(res, sizeof(res), "op-%06u.imp1-example-com", i);
		assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN,
						res, false, T0 + 2 * N, NULL),
				 0);
	}
	assert_int_equal(s.cleared, N);
	assert_true(s.in_order);
	assert_false(ccm_alarms_next_active(as, 0, &v));
	ccm_alarms_free(as);
}

/* ---- the monitor ---------------------------------------------------------- */

static const char CONFIG[] =
	"[agent]\n"
	"log = /var/log/xcp/rtr-jsm-1_*.log\n"
	"node = imp1.example.com\n"
	"state_dir = /var/lib/ccmon\n"
	"log_silent_after = 0\n"
	"alarm_raise_hold = 0s\n"
	"alarm_clear_hold = 0s\n"
	"flap_window = 0s\n"
	"alarm_rate_limit = 1000/s\n"
	"max_components = %u\n"
	"[server cs1]\n"
	"host = 10.53.52.205\n"
	"port = 7999\n"
	"probe = none\n";

struct env {
	struct ccm_config *cfg;
	struct ccm_monitor *m;
};

static void env_new(struct env *e, unsigned max_components)
{
	char path[] = "/tmp/test_scale_XXXXXX";
	struct ccm_findings f;
	char err[256];
	FILE *fp;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fprintf(fp, CONFIG, max_components);
	fclose(fp);
	ccm_findings_init(&f);
	if (ccm_config_load(path, &e->cfg, &f))
		ccm_findings_print(&f, stderr);
	ccm_findings_release(&f);
	unlink(path);
	assert_non_null(e->cfg);
	e->m = ccm_monitor_new(e->cfg, NULL, err, sizeof(err));
	assert_non_null(e->m);
}

static void env_free(struct env *e)
{
	ccm_monitor_free(e->m);
	ccm_config_free(e->cfg);
}

static void state(struct env *e, ccm_ms t, const char *name,
		  enum ccm_state st)
{
	struct ccm_logmsg msg = msg_state(name, st);

	ccm_monitor_message(e->m, t, t, "rtr.log", 1, &msg, false);
}

struct counts {
	size_t raised[CCM_ALARM_NTYPES], cleared[CCM_ALARM_NTYPES];
	char text[CCM_ALARM_TEXT_MAX + 1]; /* the last unknown-components */
	char resource[64];
};

static void take(struct env *e, struct counts *c)
{
	const struct ccm_out *o;
	size_t n = ccm_monitor_take(e->m, &o);

	for (size_t i = 0; i < n; i++) {
		const struct ccm_alarm_decision *d = &o[i].decision;

		if (o[i].kind != CCM_OUT_ALARM)
			continue;
		if (d->state == CCM_ALARM_RAISED)
			c->raised[d->type]++;
		else
			c->cleared[d->type]++;
		if (d->type == CCM_ALARM_UNKNOWN_COMPONENTS) {
			snprintf(c->text, sizeof(c->text), "%s", d->text);
			snprintf(c->resource, sizeof(c->resource), "%s",
				 d->resource);
		}
	}
}

static const char *name_of(unsigned i, char buf[static 48])
{
	/* not in sorted order: the examples must be sorted anyway */
	snprintf(buf, 48, "op-x%05u.imp1-example-com", (i * 7919u) % 8000u);
	return buf;
}

/* 8,000 names no [server] configures go ACTIVE, then GONE: one
 * unknown-components RAISED for the node, no component-down; the
 * configured server's component still gets its own alarm. */
static void test_unknown_aggregated(void **st)
{
	struct env e;
	struct counts c = { 0 };
	char name[48];
	struct ccm_alarm_view v;

	(void)st;
	env_new(&e, 10000);
	ccm_monitor_synced(e.m, T0);
	take(&e, &c);
	for (unsigned i = 0; i < 8000; i++)
		state(&e, T0 + 1, name_of(i, name), CCM_STATE_ACTIVE);
	take(&e, &c);
	for (unsigned i = 0; i < 8000; i++) {
		state(&e, T0 + 2 + i, name_of(i, name), CCM_STATE_GONE);
		take(&e, &c);
	}
	assert_int_equal(c.raised[CCM_ALARM_UNKNOWN_COMPONENTS], 1);
	assert_int_equal(c.raised[CCM_ALARM_COMPONENT_DOWN], 0);
	assert_string_equal(c.resource, "imp1.example.com");
	/* the stored text follows the count */
	assert_true(ccm_alarms_next_active(ccm_monitor_alarms(e.m), 0, &v));
	assert_int_equal(v.type, CCM_ALARM_UNKNOWN_COMPONENTS);
	assert_string_equal(v.text,
		"8000 components that no [server] configures are down: "
		"op-x00000.imp1-example-com, op-x00001.imp1-example-com, "
		"op-x00002.imp1-example-com, op-x00003.imp1-example-com, "
		"op-x00004.imp1-example-com, ...");
	assert_int_equal(ccm_alarms_count_active(ccm_monitor_alarms(e.m)), 1);

	state(&e, T0 + 10000, "op-cs1.imp1-example-com", CCM_STATE_GONE);
	take(&e, &c);
	assert_int_equal(c.raised[CCM_ALARM_COMPONENT_DOWN], 1);

	/* all back: one CLEARED */
	for (unsigned i = 0; i < 8000; i++) {
		state(&e, T0 + 20000 + i, name_of(i, name), CCM_STATE_ACTIVE);
		take(&e, &c);
	}
	assert_int_equal(c.cleared[CCM_ALARM_UNKNOWN_COMPONENTS], 1);
	assert_int_equal(c.raised[CCM_ALARM_UNKNOWN_COMPONENTS], 1);
	env_free(&e);
}

/* 100,000 distinct names against max_components 1000: 1,000 tracked,
 * one too-many-components alarm, every further line counted. */
static void test_too_many(void **st)
{
	struct env e;
	struct counts c = { 0 };
	char name[48];
	const struct ccm_component *const *comps;

	(void)st;
	env_new(&e, 1000);
	ccm_monitor_synced(e.m, T0);
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "op-y%06u.imp1-example-com", i);
		state(&e, T0 + 1 + i, name, CCM_STATE_GONE);
		take(&e, &c);
	}
	/* the configured server's component, and 1,000 of the log's */
	assert_int_equal(ccm_engine_components(ccm_monitor_engine(e.m),
					       &comps), 1001);
	assert_int_equal(ccm_engine_untracked(ccm_monitor_engine(e.m)),
			 99000);
	assert_int_equal(c.raised[CCM_ALARM_TOO_MANY_COMPONENTS], 1);
	assert_int_equal(c.raised[CCM_ALARM_UNKNOWN_COMPONENTS], 1);
	assert_int_equal(c.raised[CCM_ALARM_COMPONENT_DOWN], 0);
	/* a configured component is tracked whatever the bound */
	state(&e, T0 + 200000, "op-cs1.imp1-example-com", CCM_STATE_GONE);
	take(&e, &c);
	assert_int_equal(c.raised[CCM_ALARM_COMPONENT_DOWN], 1);
	env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_due_times),
		cmocka_unit_test(test_many_due_times),
		cmocka_unit_test(test_hundred_thousand),
		cmocka_unit_test(test_unknown_aggregated),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
