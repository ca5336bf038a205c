/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/core/alarm*.c: holds, flap damping, rate limit,
 * status, persistence, message text.
 *
 * Every decision is copied by the callback and rendered as one line
 * "TIME STATE #ID TYPE RESOURCE SEVERITY since=T [ended=T] [flapping=N]
 * [withheld=N] | TEXT" (times in ms after T0), so that a test asserts the
 * exact sequence and a failure shows the whole of it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/alarm.h"
#include "agent/core/alarm_persist.h"

#define T0 INT64_C(1793693400000) /* 2026-11-03T08:10:00.000 */

#define R "\xef\xbf\xbd" /* U+FFFD */
#define COMP "op-cs1.imp1-example-com"
#define COMP2 "op-cs2.imp1-example-com"
#define SERVER "10.53.52.205:7999"

/* ---- the callback ------------------------------------------------------ */

struct env {
	struct ccm_alarms *as;
	char *log;      /* rendered decisions since the last expect() */
	size_t len, cap;
	size_t count;   /* decisions since the last expect() */
	/* For the pairing checks: the decisions of every alarm, in order. */
	struct rec {
		enum ccm_alarm_state state;
		uint64_t id;
		enum ccm_alarm_type type;
		char resource[64];
		ccm_ms time;
	} *recs;
	size_t nrecs, caprecs;
};

static void append(struct env *v, const char *s)
{
	size_t n = strlen(s);

	if (v->len + n + 1 > v->cap) {
		size_t ncap = (v->len + n + 1) * 2;
		char *nl = realloc(v->log, ncap);

		assert_non_null(nl);
		v->log = nl;
		v->cap = ncap;
	}
	memcpy(v->log + v->len, s, n + 1);
	v->len += n;
}

static void on_decision(void *ctx, const struct ccm_alarm_decision *d)
{
	struct env *v = ctx;
	char line[2048], extra[128] = "";
	struct rec *r;

	assert_non_null(d->info);
	assert_ptr_equal(d->info, ccm_alarm_type_info(d->type));
	if (d->state == CCM_ALARM_CLEARED)
		snprintf(extra, sizeof(extra), " ended=%lld",
			 (long long)(d->ended - T0));
	if (d->flapping)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 " flapping=%" PRIu64, d->changes);
	if (d->withheld)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 " withheld=%" PRIu64, d->withheld);
	snprintf(line, sizeof(line),
		 "%lld %s #%" PRIu64 " %s %s %s since=%lld%s | %s\n",
		 (long long)(d->time - T0),
		 ccm_alarm_state_name(d->state), d->id, d->info->id,
		 d->resource, ccm_alarm_severity_name(d->severity),
		 (long long)(d->since - T0), extra, d->text);
	append(v, line);
	v->count++;

	if (v->nrecs == v->caprecs) {
		size_t ncap = v->caprecs ? v->caprecs * 2 : 64;
		struct rec *nr = realloc(v->recs, ncap * sizeof(*nr));

		assert_non_null(nr);
		v->recs = nr;
		v->caprecs = ncap;
	}
	r = &v->recs[v->nrecs++];
	*r = (struct rec){
		.state = d->state,
		.id = d->id,
		.type = d->type,
		.time = d->time,
	};
	snprintf(r->resource, sizeof(r->resource), "%s", d->resource);
}

/* Asserts that the decisions since the last check are exactly want, then
 * forgets them. */
static void expect(struct env *v, const char *want)
{
	const char *got = v->log ? v->log : "";

	if (strcmp(got, want) != 0)
		print_error("decisions differ\n--- want\n%s--- got\n%s---\n",
			    want, got);
	assert_string_equal(got, want);
	v->len = 0;
	if (v->log)
		v->log[0] = '\0';
	v->count = 0;
}

/* Forgets the decisions since the last check, unchecked (a test that
 * checks them another way). */
static void forget(struct env *v)
{
	v->len = 0;
	if (v->log)
		v->log[0] = '\0';
	v->count = 0;
}

/* Holds 0, damping and rate limit off: each change decides at once. */
static const struct ccm_alarm_policy immediate = { 0 };

static struct env *env_new(const struct ccm_alarm_policy *p)
{
	struct env *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->as = ccm_alarms_new(p, on_decision, v);
	assert_non_null(v->as);
	return v;
}

static void env_free(struct env *v)
{
	ccm_alarms_free(v->as);
	free(v->log);
	free(v->recs);
	free(v);
}

static int setup(void **state)
{
	*state = env_new(&immediate);
	return 0;
}

static int setup_default(void **state)
{
	*state = env_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	env_free(*state);
	return 0;
}

static void set(struct env *v, ccm_ms dt, enum ccm_alarm_type type,
		const char *res, bool cond, const char *text)
{
	assert_int_equal(ccm_alarms_set(v->as, type, res, cond, T0 + dt, text),
			 0);
}

static void down(struct env *v, ccm_ms dt, bool cond)
{
	set(v, dt, CCM_ALARM_COMPONENT_DOWN, COMP, cond, NULL);
}

static void adv(struct env *v, ccm_ms dt)
{
	ccm_alarms_advance(v->as, T0 + dt);
}

static void policy(struct env *v, enum ccm_alarm_type type, ccm_ms raise,
		   ccm_ms clear, unsigned flaps, ccm_ms window,
		   unsigned rate_count, ccm_ms rate_period)
{
	struct ccm_alarm_policy p = {
		.raise_hold = raise,
		.clear_hold = clear,
		.flap_threshold = flaps,
		.flap_window = window,
		.rate_count = rate_count,
		.rate_period = rate_period,
	};

	ccm_alarms_set_policy(v->as, type, &p);
}

/* ---- the type table ---------------------------------------------------- */

static void test_type_table(void **state)
{
	static const char *const ids[CCM_ALARM_NTYPES] = {
		"component-down", "auth-failure", "endpoint-refused",
		"probe-failing", "log-silent", "log-unreadable",
		"messaging-blocked", "group-chat-blocked",
		"messaging-degraded", "logging-lost", "queue-latency-high",
		"log-files-limit",
		"unknown-components", "too-many-components",
		"endpoint-unreachable", "xcp-router-restart",
	};
	enum ccm_alarm_type t;

	(void)state;
	for (unsigned i = 0; i < CCM_ALARM_NTYPES; i++) {
		const struct ccm_alarm_type_info *ti =
			ccm_alarm_type_info((enum ccm_alarm_type)i);

		assert_non_null(ti);
		assert_string_equal(ti->id, ids[i]);
		assert_int_equal(ccm_alarm_type_from_id(ids[i], &t), 0);
		assert_int_equal(t, i);
		assert_int_equal(strlen(ti->message_id), 32);
		assert_int_equal(strspn(ti->message_id, "0123456789abcdef"),
				 32);
		assert_non_null(ti->raised);
		assert_non_null(ti->cleared);
		assert_non_null(ti->remedy);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(
				ti->message_id,
				ccm_alarm_type_info((enum ccm_alarm_type)j)
					->message_id);
	}
	assert_null(ccm_alarm_type_info(CCM_ALARM_NTYPES));
	assert_int_equal(ccm_alarm_type_from_id("component-up", &t), -1);
	assert_string_equal(
		ccm_alarm_type_info(CCM_ALARM_COMPONENT_DOWN)->message_id,
		"18ec6a4e7fd04345ac710617df3ff348");
	assert_int_equal(
		ccm_alarm_type_info(CCM_ALARM_COMPONENT_DOWN)->severity,
		CCM_SEV_CRITICAL);
	assert_int_equal(
		ccm_alarm_type_info(CCM_ALARM_ENDPOINT_REFUSED)->resource,
		CCM_RES_SERVER);
	assert_int_equal(ccm_alarm_type_info(CCM_ALARM_LOG_SILENT)->resource,
			 CCM_RES_LOG);
	assert_string_equal(ccm_alarm_severity_name(CCM_SEV_MAJOR), "major");
	assert_string_equal(ccm_alarm_severity_label(CCM_SEV_WARNING),
			    "WARNING");
	assert_string_equal(ccm_alarm_state_name(CCM_ALARM_CLEARED),
			    "cleared");
}

/* ---- holds ------------------------------------------------------------- */

static void test_immediate(void **state)
{
	struct env *v = *state;

	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP, true,
	    "Component is GONE (cause: lost)");
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | Component is GONE (cause: lost)\n");
	down(v, 10, true); /* still true: nothing */
	adv(v, 5000);
	expect(v, "");
	set(v, 20000, CCM_ALARM_COMPONENT_DOWN, COMP, false,
	    "Component is ACTIVE");
	expect(v, "20000 cleared #1 component-down " COMP " critical since=0"
		  " ended=20000 | Component is ACTIVE; the condition lasted"
		  " 20.000s\n");
	/* Absent again, and absent for an alarm never seen: nothing. */
	down(v, 30000, false);
	set(v, 30000, CCM_ALARM_AUTH_FAILURE, COMP, false, NULL);
	expect(v, "");
	assert_int_equal(ccm_alarms_count_active(v->as), 0);
	/* The next episode is a new alarm, the default texts apply. */
	set(v, 40000, CCM_ALARM_AUTH_FAILURE, COMP, true, NULL);
	set(v, 41000, CCM_ALARM_AUTH_FAILURE, COMP, false, NULL);
	expect(v, "40000 raised #2 auth-failure " COMP " critical since=40000"
		  " | Component is CONNECTED but not ACTIVE: authentication"
		  " fails\n"
		  "41000 cleared #2 auth-failure " COMP " critical since=40000"
		  " ended=41000 | Component authenticated (ACTIVE); the"
		  " condition lasted 1.000s\n");
}

static void test_raise_hold(void **state)
{
	struct env *v = *state;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 5000, 0, 0, 0, 0, 0);
	/* Shorter than the hold: nothing, ever. */
	down(v, 0, true);
	down(v, 4999, false);
	adv(v, 100000);
	expect(v, "");
	/* Longer: raised at start + hold, since the start. */
	down(v, 110000, true);
	adv(v, 114999);
	expect(v, "");
	adv(v, 200000);
	expect(v, "115000 raised #1 component-down " COMP " critical"
		  " since=110000 | Component is not ACTIVE\n");
	down(v, 210000, false);
	expect(v, "210000 cleared #1 component-down " COMP " critical"
		  " since=110000 ended=210000 | Component is ACTIVE again;"
		  " the condition lasted 1m40.000s\n");
	/* Reported late: the raise still takes effect at start + hold. */
	down(v, 300000, true);
	down(v, 306000, true);
	expect(v, "305000 raised #2 component-down " COMP " critical"
		  " since=300000 | Component is not ACTIVE\n");
	/* Exactly the hold: raised. */
	down(v, 400000, false);
	down(v, 500000, true);
	down(v, 505000, false);
	expect(v, "400000 cleared #2 component-down " COMP " critical"
		  " since=300000 ended=400000 | Component is ACTIVE again;"
		  " the condition lasted 1m40.000s\n"
		  "505000 raised #3 component-down " COMP " critical"
		  " since=500000 | Component is not ACTIVE\n"
		  "505000 cleared #3 component-down " COMP " critical"
		  " since=500000 ended=505000 | Component is ACTIVE again;"
		  " the condition lasted 5.000s\n");
}

static void test_clear_hold_and_cancel(void **state)
{
	struct env *v = *state;
	ccm_ms due;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 0, 30000, 0, 0, 0, 0);
	down(v, 0, true);
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | Component is not ACTIVE\n");
	assert_false(ccm_alarms_next_due(v->as, &due));
	down(v, 1000, false);
	assert_true(ccm_alarms_next_due(v->as, &due));
	assert_int_equal(due - T0, 31000);
	/* Back within the hold: the clear is cancelled, nothing is sent. */
	down(v, 20000, true);
	assert_false(ccm_alarms_next_due(v->as, &due));
	adv(v, 60000);
	expect(v, "");
	down(v, 61000, false);
	adv(v, 90999);
	expect(v, "");
	adv(v, 200000);
	expect(v, "91000 cleared #1 component-down " COMP " critical since=0"
		  " ended=61000 | Component is ACTIVE again; the condition"
		  " lasted 1m01.000s\n");
	assert_false(ccm_alarms_next_due(v->as, &due));
}

/* Both holds, and conditions reported between the decisions. */
static void test_holds_combined(void **state)
{
	struct env *v = *state;

	policy(v, CCM_ALARM_PROBE_FAILING, 10000, 20000, 0, 0, 0, 0);
	set(v, 0, CCM_ALARM_PROBE_FAILING, SERVER, true,
	    "connect() to 10.53.52.205:7999: Connection refused");
	set(v, 5000, CCM_ALARM_PROBE_FAILING, SERVER, true,
	    "connect() to 10.53.52.205:7999: timed out");
	set(v, 12000, CCM_ALARM_PROBE_FAILING, SERVER, false, "probe answered");
	set(v, 25000, CCM_ALARM_PROBE_FAILING, SERVER, true, NULL);
	set(v, 40000, CCM_ALARM_PROBE_FAILING, SERVER, false, NULL);
	adv(v, 59999);
	expect(v, "10000 raised #1 probe-failing " SERVER " major since=0"
		  " | connect() to 10.53.52.205:7999: timed out\n");
	adv(v, 60000);
	expect(v, "60000 cleared #1 probe-failing " SERVER " major since=0"
		  " ended=40000 | probe answered; the condition lasted"
		  " 40.000s\n");
}

/* ---- flapping ---------------------------------------------------------- */

/* Ten changes a second for an hour, then quiet: with the default policy
 * one RAISED when damping starts and one CLEARED after the quiet. */
static void test_flapping_hour_default(void **state)
{
	struct env *v = *state;
	const ccm_ms hour = INT64_C(3600000);
	struct ccm_alarm_view av;
	ccm_ms t;
	bool cond = true;

	for (t = 0; t < hour; t += 50) {
		down(v, t, cond);
		cond = !cond;
	}
	/* The last change, at hour - 50, was to ACTIVE (cond is the next). */
	assert_true(cond);
	expect(v, "250 raised #1 component-down " COMP " critical since=0"
		  " flapping=6 | Component is not ACTIVE; flapping: 6 changes"
		  " in 0.250s\n");
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_int_equal(av.id, 1);
	assert_true(av.flapping);
	assert_int_equal(av.changes, 72000);
	assert_int_equal(av.since - T0, 0);
	assert_int_equal(av.raised_at - T0, 250);
	/* Flapping: the clear waits max(clear_hold, flap_window) = 60 s. */
	adv(v, hour - 50 + 59999);
	expect(v, "");
	adv(v, hour + 600000);
	expect(v, "3659950 cleared #1 component-down " COMP " critical since=0"
		  " ended=3599950 flapping=72000 | Component is ACTIVE again;"
		  " the condition lasted 59m59.950s, flapping (72000"
		  " changes)\n");
	assert_int_equal(v->nrecs, 2);
	assert_int_equal(ccm_alarms_count_active(v->as), 0);
}

/* No holds, damping at 4 changes in 10 s: the first changes each decide a
 * message, then damping holds the alarm: 4 messages, within the bound
 * flap_threshold + 1. */
static void test_flapping_hour_no_holds(void **state)
{
	struct env *v = *state;
	const ccm_ms hour = INT64_C(3600000);
	bool cond = true;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 0, 0, 4, 10000, 0, 0);
	for (ccm_ms t = 0; t < hour; t += 50) {
		down(v, t, cond);
		cond = !cond;
	}
	adv(v, hour + 60000);
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | Component is not ACTIVE\n"
		  "50 cleared #1 component-down " COMP " critical since=0"
		  " ended=50 | Component is ACTIVE again; the condition"
		  " lasted 0.050s\n"
		  "100 raised #2 component-down " COMP " critical since=100"
		  " | Component is not ACTIVE\n"
		  "3609950 cleared #2 component-down " COMP " critical"
		  " since=100 ended=3599950 flapping=71998 | Component is"
		  " ACTIVE again; the condition lasted 59m59.850s, flapping"
		  " (71998 changes)\n");
	assert_true(v->nrecs <= 4 + 1);
}

/* Flapping with a long raise hold: damping raises at once, since the
 * episode began, though the condition never held for the hold. */
static void test_flapping_beats_raise_hold(void **state)
{
	struct env *v = *state;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 60000, 5000, 3, 10000, 0, 0);
	down(v, 1000, true);
	down(v, 2000, false);
	expect(v, "");
	down(v, 3000, true);
	expect(v, "3000 raised #1 component-down " COMP " critical"
		  " since=1000 flapping=3 | Component is not ACTIVE;"
		  " flapping: 3 changes in 2.000s\n");
	/* Steady now: it stays raised, and clears after the quiet time
	 * (the flap window, longer than the clear hold). */
	down(v, 4000, false);
	adv(v, 13999);
	expect(v, "");
	adv(v, 14000);
	expect(v, "14000 cleared #1 component-down " COMP " critical"
		  " since=1000 ended=4000 flapping=4 | Component is ACTIVE"
		  " again; the condition lasted 3.000s, flapping (4"
		  " changes)\n");
	/* Slow changes do not count as flapping: a new episode. */
	down(v, 30000, true);
	down(v, 42000, false);
	down(v, 54000, true);
	adv(v, 200000);
	expect(v, "114000 raised #2 component-down " COMP " critical"
		  " since=54000 | Component is not ACTIVE\n");
}

/* ---- rate limit -------------------------------------------------------- */

/* Two messages per minute.  A raise over the limit waits; its clear,
 * coming first, cancels it; the next raise goes out when the limit allows
 * and says what was withheld.  Pairs stay intact. */
static void test_rate_limit_raise_deferred(void **state)
{
	struct env *v = *state;
	ccm_ms due;

	policy(v, CCM_ALARM_LOG_UNREADABLE, 0, 0, 0, 0, 2, 60000);
	set(v, 0, CCM_ALARM_LOG_UNREADABLE, "/var/log/rtr.log", true,
	    "open: Permission denied");
	set(v, 1000, CCM_ALARM_LOG_UNREADABLE, "/var/log/rtr.log", false,
	    "readable");
	expect(v, "0 raised #1 log-unreadable /var/log/rtr.log major since=0"
		  " | open: Permission denied\n"
		  "1000 cleared #1 log-unreadable /var/log/rtr.log major"
		  " since=0 ended=1000 | readable; the condition lasted"
		  " 1.000s\n");
	set(v, 2000, CCM_ALARM_LOG_UNREADABLE, "/var/log/rtr.log", true, NULL);
	assert_true(ccm_alarms_next_due(v->as, &due));
	assert_int_equal(due - T0, 60000);
	set(v, 3000, CCM_ALARM_LOG_UNREADABLE, "/var/log/rtr.log", false, NULL);
	set(v, 4000, CCM_ALARM_LOG_UNREADABLE, "/var/log/rtr.log", true,
	    "open: No such file or directory");
	adv(v, 59999);
	expect(v, "");
	adv(v, 60000);
	expect(v, "60000 raised #2 log-unreadable /var/log/rtr.log major"
		  " since=4000 withheld=1 | open: No such file or directory;"
		  " 1 raise/clear pair withheld by the rate limit\n");
	/* The clear is limited too: the last two were at 1000 and 60000. */
	set(v, 60500, CCM_ALARM_LOG_UNREADABLE, "/var/log/rtr.log", false,
	    NULL);
	adv(v, 60999);
	expect(v, "");
	adv(v, 61000);
	expect(v, "61000 cleared #2 log-unreadable /var/log/rtr.log major"
		  " since=4000 ended=60500 | readable; the condition lasted"
		  " 56.500s\n");
}

/* One message per minute: a clear over the limit waits; the condition's
 * return cancels it, so the alarm simply stays raised. */
static void test_rate_limit_clear_deferred(void **state)
{
	struct env *v = *state;
	struct ccm_alarm_view av;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 0, 0, 0, 0, 1, 60000);
	down(v, 0, true);
	down(v, 1000, false);
	down(v, 2000, true);
	down(v, 3000, false);
	down(v, 4000, true);
	adv(v, 100000);
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | Component is not ACTIVE\n");
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_int_equal(av.id, 1);
	assert_true(av.condition);
	down(v, 110000, false);
	expect(v, "110000 cleared #1 component-down " COMP " critical since=0"
		  " ended=110000 withheld=2 | Component is ACTIVE again; the"
		  " condition lasted 1m50.000s; 2 clear/raise pairs withheld"
		  " by the rate limit\n");
}

/* A deterministic storm on several alarms and policies: every RAISED is
 * followed by one CLEARED with its id, ids grow, no alarm exceeds its
 * rate, and after a quiet everything is cleared. */
static void test_pairing_under_storm(void **state)
{
	struct env *v = *state;
	static const char *const res[] = { "a", "b", "c" };
	uint32_t rnd = 12345;
	ccm_ms t = 0;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 0, 0, 0, 0, 3, 10000);
	policy(v, CCM_ALARM_AUTH_FAILURE, 200, 300, 5, 2000, 4, 5000);
	policy(v, CCM_ALARM_PROBE_FAILING, 0, 100, 3, 1000, 2, 3000);
	for (int i = 0; i < 20000; i++) {
		enum ccm_alarm_type type;

		rnd = rnd * 1103515245u + 12345u;
		t += (rnd >> 16) % 400;
		type = (enum ccm_alarm_type[]){ CCM_ALARM_COMPONENT_DOWN,
						CCM_ALARM_AUTH_FAILURE,
						CCM_ALARM_PROBE_FAILING }
			[(rnd >> 8) % 3];
		set(v, t, type, res[(rnd >> 4) % 3], (rnd >> 12) & 1, NULL);
	}
	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = 0; j < 3; j++)
			set(v, t + 1, (enum ccm_alarm_type[]){
				   CCM_ALARM_COMPONENT_DOWN,
				   CCM_ALARM_AUTH_FAILURE,
				   CCM_ALARM_PROBE_FAILING }[i],
			    res[j], false, NULL);
	adv(v, t + 3600000);
	assert_int_equal(ccm_alarms_count_active(v->as), 0);
	assert_true(v->nrecs > 100);

	uint64_t last_id = 0;
	for (size_t i = 0; i < v->nrecs; i++) {
		const struct rec *r = &v->recs[i];
		const struct rec *prev = NULL, *next = NULL;
		unsigned in_period = 0, limit;
		ccm_ms period;

		switch (r->type) {
		case CCM_ALARM_COMPONENT_DOWN:
			limit = 3, period = 10000;
			break;
		case CCM_ALARM_AUTH_FAILURE:
			limit = 4, period = 5000;
			break;
		default:
			limit = 2, period = 3000;
			break;
		}
		for (size_t j = 0; j < v->nrecs; j++) {
			const struct rec *o = &v->recs[j];

			if (o->type != r->type ||
			    strcmp(o->resource, r->resource) != 0)
				continue;
			if (j < i)
				prev = o;
			if (j > i && !next)
				next = o;
			if (o->time <= r->time && o->time > r->time - period)
				in_period++;
		}
		assert_true(in_period <= limit);
		if (r->state == CCM_ALARM_RAISED) {
			assert_true(r->id > last_id);
			last_id = r->id;
			assert_true(!prev || prev->state == CCM_ALARM_CLEARED);
			assert_non_null(next);
			assert_int_equal(next->state, CCM_ALARM_CLEARED);
			assert_int_equal(next->id, r->id);
		} else {
			assert_non_null(prev);
			assert_int_equal(prev->state, CCM_ALARM_RAISED);
			assert_int_equal(prev->id, r->id);
		}
	}
	forget(v);
}

/* ---- resources, texts, status ------------------------------------------ */

static void test_resources_independent(void **state)
{
	struct env *v = *state;
	struct ccm_alarm_view av;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 1000, 1000, 0, 0, 0, 0);
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP2, true, "GONE (cause: lost)");
	set(v, 500, CCM_ALARM_COMPONENT_DOWN, COMP, true, "GONE");
	set(v, 900, CCM_ALARM_COMPONENT_DOWN, COMP2, false, "ACTIVE");
	set(v, 1200, CCM_ALARM_ENDPOINT_REFUSED, SERVER, true,
	    "(111) Connection refused");
	adv(v, 1499);
	expect(v, "1200 raised #1 endpoint-refused " SERVER " major since=1200"
		  " | (111) Connection refused\n");
	adv(v, 1500);
	expect(v, "1500 raised #2 component-down " COMP " critical since=500"
		  " | GONE\n");
	assert_int_equal(ccm_alarms_count_active(v->as), 2);
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_int_equal(av.id, 1);
	assert_int_equal(av.type, CCM_ALARM_ENDPOINT_REFUSED);
	assert_string_equal(av.resource, SERVER);
	assert_int_equal(av.severity, CCM_SEV_MAJOR);
	assert_int_equal(av.since - T0, 1200);
	assert_int_equal(av.raised_at - T0, 1200);
	assert_true(ccm_alarms_next_active(v->as, av.id, &av));
	assert_int_equal(av.id, 2);
	assert_string_equal(av.resource, COMP);
	assert_int_equal(av.since - T0, 500);
	assert_int_equal(av.raised_at - T0, 1500);
	assert_false(ccm_alarms_next_active(v->as, av.id, &av));
	/* Clearing one leaves the other. */
	set(v, 2000, CCM_ALARM_ENDPOINT_REFUSED, SERVER, false, "connected");
	adv(v, 5000);
	expect(v, "2000 cleared #1 endpoint-refused " SERVER " major"
		  " since=1200 ended=2000 | connected; the condition lasted"
		  " 0.800s\n");
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_int_equal(av.id, 2);
	assert_int_equal(ccm_alarms_count_active(v->as), 1);
}

static void test_text_update_without_message(void **state)
{
	struct env *v = *state;
	struct ccm_alarm_view av;

	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP, true,
	    "Component is GONE (cause: lost)");
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | Component is GONE (cause: lost)\n");
	set(v, 3000, CCM_ALARM_COMPONENT_DOWN, COMP, true,
	    "Component is GONE (cause: refused: " SERVER
	    " refuses connections)");
	expect(v, "");
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_string_equal(av.text, "Component is GONE (cause: refused: "
			    SERVER " refuses connections)");
	assert_int_equal(av.raised_at - T0, 0);
	/* Control characters from a log line cannot break the line nor
	 * reach a terminal: U+FFFD each, as for stray bytes. */
	set(v, 4000, CCM_ALARM_COMPONENT_DOWN, COMP, true,
	    "bad\nline\t!\x1b]0;x\x07\xff\xe2\x80\xae.\xe2\x80\xac");
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_string_equal(av.text, "bad" R "line" R "!" R "]0;x" R R R "." R);
	set(v, 5000, CCM_ALARM_COMPONENT_DOWN, COMP, false, "ACTIVE at 08:10");
	expect(v, "5000 cleared #1 component-down " COMP " critical since=0"
		  " ended=5000 | ACTIVE at 08:10; the condition lasted"
		  " 5.000s\n");
}

static void test_invalid_arguments(void **state)
{
	struct env *v = *state;

	errno = 0;
	assert_int_equal(ccm_alarms_set(v->as, CCM_ALARM_NTYPES, COMP, true,
					T0, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ccm_alarms_set(v->as, CCM_ALARM_COMPONENT_DOWN, "",
					true, T0, NULL), -1);
	assert_int_equal(ccm_alarms_set(v->as, CCM_ALARM_COMPONENT_DOWN, NULL,
					true, T0, NULL), -1);
	assert_int_equal(errno, EINVAL);
	expect(v, "");
	assert_int_equal(ccm_alarms_count_active(v->as), 0);
}

/* A name with a control character or over CCM_ALARM_TEXT_MAX bytes was
 * refused (EINVAL, ignored by the caller): the component showed as gone
 * and no alarm said so.  Now it raises, under a cleaned, bounded
 * resource, one alarm per name, raised and cleared as any other. */
static void test_unfit_resources_raise(void **state)
{
	struct env *v = *state;
	char longres[CCM_ALARM_TEXT_MAX + 2], longres2[sizeof(longres)];
	struct ccm_alarm_view av;
	uint64_t after = 0;
	size_t n = 0;

	memset(longres, 'x', sizeof(longres) - 1);
	longres[sizeof(longres) - 1] = '\0';
	memcpy(longres2, longres, sizeof(longres));
	longres2[sizeof(longres) - 2] = 'y'; /* differs past any cut */
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, "op-\x1b[2Jx", true, "down");
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, "op-\x1b[3Jx", true, "down");
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, longres, true, "down");
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, longres2, true, "down");
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, "op-\xc3", true, "down");
	assert_int_equal(ccm_alarms_count_active(v->as), 5);
	while (ccm_alarms_next_active(v->as, after, &av)) {
		size_t len = strlen(av.resource);

		after = av.id;
		n++;
		assert_true(len <= CCM_ALARM_TEXT_MAX);
		for (size_t i = 0; i < len; i++)
			assert_true((unsigned char)av.resource[i] >= 0x20 &&
				    av.resource[i] != 0x7f);
		if (av.id == 1)
			assert_non_null(strstr(av.resource, "op-" R "[2Jx "
					       "[cleaned #"));
		if (av.id == 3)
			assert_non_null(strstr(av.resource, "xxx... [cut from"
					       " 1025 bytes #"));
		if (av.id == 5)
			assert_non_null(strstr(av.resource, "op-" R " ["));
	}
	assert_int_equal(n, 5);
	forget(v);
	/* the same name finds the same alarm again */
	set(v, 1000, CCM_ALARM_COMPONENT_DOWN, "op-\x1b[2Jx", false, "up");
	set(v, 1000, CCM_ALARM_COMPONENT_DOWN, longres, false, "up");
	assert_int_equal(ccm_alarms_count_active(v->as), 3);
	assert_int_equal(v->count, 2);
	forget(v);
}

/* A snapshot of an older version, whose resource is a raw name, restores
 * under the key the same name finds now: no second RAISED. */
static void test_restore_maps_raw_resource(void **state)
{
	struct env *v = *state;
	struct ccm_alarm_view av;
	struct json_object *o = json_tokener_parse(
		"{\"version\":1,\"last_id\":1,\"alarms\":[{\"type\":"
		"\"component-down\",\"resource\":\"a\\nb\",\"id\":1,"
		"\"since\":0,\"raised_at\":0}]}");

	assert_non_null(o);
	assert_int_equal(ccm_alarms_restore(v->as, o), 1);
	json_object_put(o);
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_non_null(strstr(av.resource, "a" R "b [cleaned #"));
	set(v, 1000, CCM_ALARM_COMPONENT_DOWN, "a\nb", true, "down");
	expect(v, "");
	assert_int_equal(ccm_alarms_count_active(v->as), 1);
}

/* A long text is cut on a character boundary. */
static void test_long_text(void **state)
{
	struct env *v = *state;
	char text[CCM_ALARM_TEXT_MAX + 100];
	struct ccm_alarm_view av;
	size_t i;

	/* "é" is two bytes: CCM_ALARM_TEXT_MAX falls inside one. */
	text[0] = 'x';
	for (i = 1; i + 2 < sizeof(text); i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[i] = '\0';
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP, true, text);
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_int_equal(strlen(av.text), CCM_ALARM_TEXT_MAX - 1);
	assert_int_equal(memcmp(av.text, text, CCM_ALARM_TEXT_MAX - 1), 0);
	assert_int_equal(v->count, 1);
	forget(v);
}

/* Times that run backwards count as the clock. */
static void test_time_never_runs_back(void **state)
{
	struct env *v = *state;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 1000, 0, 0, 0, 0, 0);
	down(v, 10000, true);
	down(v, 5000, false); /* at 10000 */
	down(v, 10500, true);
	adv(v, 9000);
	expect(v, "");
	assert_int_equal(ccm_alarms_now(v->as) - T0, 10500);
	adv(v, 20000);
	expect(v, "11500 raised #1 component-down " COMP " critical"
		  " since=10500 | Component is not ACTIVE\n");
}

/* Decisions of different alarms come out in time order. */
static void test_time_order_across_alarms(void **state)
{
	struct env *v = *state;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 3000, 0, 0, 0, 0, 0);
	policy(v, CCM_ALARM_LOG_SILENT, 1000, 0, 0, 0, 0, 0);
	down(v, 0, true);
	set(v, 100, CCM_ALARM_LOG_SILENT, "/var/log/rtr.log", true,
	    "no line for 5m00.000s");
	set(v, 200, CCM_ALARM_COMPONENT_DOWN, COMP2, true, NULL);
	adv(v, 10000);
	expect(v, "1100 raised #1 log-silent /var/log/rtr.log minor since=100"
		  " | no line for 5m00.000s\n"
		  "3000 raised #2 component-down " COMP " critical since=0"
		  " | Component is not ACTIVE\n"
		  "3200 raised #3 component-down " COMP2 " critical since=200"
		  " | Component is not ACTIVE\n");
}

/* ---- persistence ------------------------------------------------------- */

/* Through text, as the file will be. */
static struct json_object *reparse(struct json_object *snap)
{
	const char *s = json_object_to_json_string_ext(snap,
						       JSON_C_TO_STRING_PLAIN);
	struct json_object *o;

	assert_non_null(s);
	o = json_tokener_parse(s);
	assert_non_null(o);
	json_object_put(snap);
	return o;
}

static void test_snapshot_restore(void **state)
{
	struct env *v = *state, *w;
	struct json_object *snap;
	struct ccm_alarm_view av;

	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP, true, "GONE (cause: lost)");
	set(v, 100, CCM_ALARM_ENDPOINT_REFUSED, SERVER, true, "refused");
	set(v, 200, CCM_ALARM_LOG_SILENT, "/var/log/rtr.log", true, NULL);
	set(v, 300, CCM_ALARM_LOG_SILENT, "/var/log/rtr.log", false, NULL);
	set(v, 400, CCM_ALARM_COMPONENT_DOWN, COMP, true,
	    "GONE (cause: refused)");
	assert_int_equal(v->count, 4);
	forget(v);

	snap = ccm_alarms_snapshot(v->as);
	assert_non_null(snap);
	assert_string_equal(
		json_object_to_json_string_ext(snap, JSON_C_TO_STRING_PLAIN),
		"{\"version\":1,\"last_id\":3,\"alarms\":["
		"{\"type\":\"component-down\",\"resource\":\"" COMP "\","
		"\"id\":1,\"severity\":\"critical\",\"since\":1793693400000,"
		"\"raised_at\":1793693400000,"
		"\"text\":\"GONE (cause: refused)\",\"flapping\":false,"
		"\"changes\":1,\"phase\":0},"
		"{\"type\":\"endpoint-refused\",\"resource\":\"" SERVER "\","
		"\"id\":2,\"severity\":\"major\",\"since\":1793693400100,"
		"\"raised_at\":1793693400100,\"text\":\"refused\","
		"\"flapping\":false,\"changes\":1,\"phase\":0}]}");
	snap = reparse(snap);

	/* "Restart": a new object with a 30 s clear hold. */
	w = env_new(&immediate);
	policy(w, CCM_ALARM_COMPONENT_DOWN, 0, 30000, 0, 0, 0, 0);
	policy(w, CCM_ALARM_ENDPOINT_REFUSED, 0, 30000, 0, 0, 0, 0);
	assert_int_equal(ccm_alarms_restore(w->as, snap), 2);
	json_object_put(snap);
	assert_int_equal(ccm_alarms_count_active(w->as), 2);
	assert_true(ccm_alarms_next_active(w->as, 0, &av));
	assert_int_equal(av.id, 1);
	assert_int_equal(av.type, CCM_ALARM_COMPONENT_DOWN);
	assert_string_equal(av.resource, COMP);
	assert_int_equal(av.since - T0, 0);
	assert_int_equal(av.raised_at - T0, 0);
	assert_string_equal(av.text, "GONE (cause: refused)");
	assert_true(ccm_alarms_next_active(w->as, 1, &av));
	assert_int_equal(av.id, 2);
	assert_int_equal(av.severity, CCM_SEV_MAJOR);

	/* Still down after the restart: not raised again. */
	set(w, 60000, CCM_ALARM_COMPONENT_DOWN, COMP, true, NULL);
	adv(w, 120000);
	expect(w, "");
	/* Found absent: one clear, after the clear hold, with the old id. */
	set(w, 130000, CCM_ALARM_ENDPOINT_REFUSED, SERVER, false, "connected");
	set(w, 140000, CCM_ALARM_ENDPOINT_REFUSED, SERVER, false, NULL);
	adv(w, 200000);
	expect(w, "160000 cleared #2 endpoint-refused " SERVER " major"
		  " since=100 ended=130000 | connected; the condition lasted"
		  " 2m09.900s\n");
	/* The id counter went on: a new alarm is #4, after #3. */
	set(w, 210000, CCM_ALARM_AUTH_FAILURE, COMP2, true, NULL);
	expect(w, "210000 raised #4 auth-failure " COMP2 " critical"
		  " since=210000 | Component is CONNECTED but not ACTIVE:"
		  " authentication fails\n");
	set(w, 220000, CCM_ALARM_COMPONENT_DOWN, COMP, false, NULL);
	adv(w, 250000);
	expect(w, "250000 cleared #1 component-down " COMP " critical since=0"
		  " ended=220000 | Component is ACTIVE again; the condition"
		  " lasted 3m40.000s\n");
	env_free(w);
}

/* Restored alarms nobody reports clear once the caller says its first look
 * is done; those reported stay. */
static void test_restore_expire_unreported(void **state)
{
	struct env *v = *state, *w;
	struct json_object *snap;

	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP, true, NULL);
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP2, true, NULL);
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP2, false, NULL);
	set(v, 0, CCM_ALARM_COMPONENT_DOWN, COMP2, true, NULL);
	assert_int_equal(v->count, 4);
	forget(v);
	snap = reparse(ccm_alarms_snapshot(v->as));

	w = env_new(&immediate);
	policy(w, CCM_ALARM_COMPONENT_DOWN, 0, 10000, 0, 0, 0, 0);
	assert_int_equal(ccm_alarms_restore(w->as, snap), 2);
	json_object_put(snap);
	set(w, 50000, CCM_ALARM_COMPONENT_DOWN, COMP2, true, NULL);
	ccm_alarms_expire_restored(w->as, T0 + 60000);
	adv(w, 69999);
	expect(w, "");
	adv(w, 100000);
	expect(w, "70000 cleared #1 component-down " COMP " critical since=0"
		  " ended=60000 | Component is ACTIVE again; the condition"
		  " lasted 1m00.000s\n");
	assert_int_equal(ccm_alarms_count_active(w->as), 1);
	/* A second call finds nothing left to expire. */
	ccm_alarms_expire_restored(w->as, T0 + 200000);
	adv(w, 300000);
	expect(w, "");
	env_free(w);
}

/* A flapping alarm keeps its damping across the restart. */
static void test_restore_flapping(void **state)
{
	struct env *v = *state, *w;
	struct json_object *snap;
	struct ccm_alarm_view av;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 0, 1000, 3, 20000, 0, 0);
	down(v, 0, true);
	down(v, 100, false);
	down(v, 200, true);
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | Component is not ACTIVE\n");
	snap = reparse(ccm_alarms_snapshot(v->as));
	w = env_new(&immediate);
	policy(w, CCM_ALARM_COMPONENT_DOWN, 0, 1000, 3, 20000, 0, 0);
	assert_int_equal(ccm_alarms_restore(w->as, snap), 1);
	json_object_put(snap);
	assert_true(ccm_alarms_next_active(w->as, 0, &av));
	assert_true(av.flapping);
	assert_int_equal(av.changes, 3);
	down(w, 5000, false);
	adv(w, 24999);
	expect(w, "");
	adv(w, 25000);
	expect(w, "25000 cleared #1 component-down " COMP " critical since=0"
		  " ended=5000 flapping=4 | Component is ACTIVE again; the"
		  " condition lasted 5.000s, flapping (4 changes)\n");
	env_free(w);
}

/* A snapshot read without an alarm object (what `ccmon status` does while
 * ccmond is down): every member as alarm_persist.h gives it, the absent
 * ones at their stated defaults, unknown types left out. */
static void test_snapshot_read(void **state)
{
	struct ccm_alarm_snapshot snap;
	struct json_object *o;
	const struct ccm_alarm_saved *r;

	(void)state;
	o = json_tokener_parse(
		"{\"version\":1,\"last_id\":9,\"reachable\":[],\"alarms\":["
		"{\"type\":\"probe-failing\",\"resource\":\"cs1\",\"id\":3,"
		"\"severity\":\"critical\",\"since\":1793693400000,"
		"\"raised_at\":1793693400500,\"text\":\"refused\","
		"\"flapping\":true,\"changes\":4,\"phase\":2},"
		"{\"type\":\"from-a-newer-ccmond\",\"resource\":\"x\","
		"\"id\":4,\"since\":0,\"raised_at\":0},"
		"{\"type\":\"log-silent\",\"resource\":\"/l\",\"id\":5,"
		"\"since\":-5,\"raised_at\":7,\"severity\":\"no-such\"}]}");
	assert_non_null(o);
	assert_int_equal(ccm_alarm_snapshot_read(o, &snap), 0);
	assert_int_equal(snap.last_id, 9);
	assert_int_equal(snap.n, 2);
	r = &snap.v[0];
	assert_int_equal(r->type, CCM_ALARM_PROBE_FAILING);
	assert_string_equal(r->resource, "cs1");
	assert_int_equal(r->id, 3);
	assert_int_equal(r->severity, CCM_SEV_CRITICAL);
	assert_int_equal(r->since, T0);
	assert_int_equal(r->raised_at, T0 + 500);
	assert_string_equal(r->text, "refused");
	assert_true(r->flapping);
	assert_int_equal(r->changes, 4);
	assert_int_equal(r->phase, 2);
	/* absent members: the type's severity (an unknown name too), no
	 * text, not flapping, no changes, no phase */
	r = &snap.v[1];
	assert_int_equal(r->type, CCM_ALARM_LOG_SILENT);
	assert_string_equal(r->resource, "/l");
	assert_int_equal(r->id, 5);
	assert_int_equal(r->severity, CCM_SEV_MINOR);
	assert_int_equal(r->since, -5);
	assert_int_equal(r->raised_at, 7);
	assert_null(r->text);
	assert_false(r->flapping);
	assert_int_equal(r->changes, 0);
	assert_int_equal(r->phase, CCM_ALARM_PHASE_UNKNOWN);
	ccm_alarm_snapshot_release(&snap);
	assert_null(snap.v);
	assert_int_equal(snap.n, 0);
	json_object_put(o);

	/* One bad entry spoils the lot, as for a restore. */
	o = json_tokener_parse(
		"{\"version\":1,\"last_id\":0,\"alarms\":["
		"{\"type\":\"log-silent\",\"resource\":\"/l\",\"id\":5,"
		"\"since\":0,\"raised_at\":0},"
		"{\"type\":\"log-silent\",\"resource\":\"/m\",\"id\":6,"
		"\"since\":0,\"raised_at\":0,\"phase\":-1}]}");
	assert_non_null(o);
	errno = 0;
	assert_int_equal(ccm_alarm_snapshot_read(o, &snap), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(snap.v);
	assert_int_equal(snap.n, 0);
	json_object_put(o);
	errno = 0;
	assert_int_equal(ccm_alarm_snapshot_read(NULL, &snap), -1);
	assert_int_equal(errno, EINVAL);
}

static int count_saved(void *ctx, const struct ccm_alarm_saved *r)
{
	unsigned *n = ctx;

	(void)r;
	return ++*n == 2 ? 42 : 0;
}

/* Records straight into an object: nothing loads unless all are valid;
 * the walk stops where its callback says. */
static void test_load_records(void **state)
{
	struct env *v = *state;
	struct ccm_alarm_saved r[3] = {
		{ .type = CCM_ALARM_LOG_SILENT, .resource = "/a", .id = 1,
		  .severity = CCM_SEV_MINOR, .since = T0, .raised_at = T0,
		  .phase = CCM_ALARM_PHASE_UNKNOWN },
		{ .type = CCM_ALARM_LOG_SILENT, .resource = "/b", .id = 2,
		  .severity = CCM_SEV_MINOR, .since = T0, .raised_at = T0 },
		{ .type = CCM_ALARM_LOG_SILENT, .resource = "/c", .id = 3,
		  .severity = CCM_SEV_MINOR, .since = T0, .raised_at = T0 },
	};
	struct ccm_alarm_saved bad;
	unsigned n = 0;

	bad = r[2];
	bad.id = 0;
	assert_false(ccm_alarm_saved_valid(&bad));
	bad = r[2];
	bad.resource = "";
	assert_false(ccm_alarm_saved_valid(&bad));
	bad.resource = NULL;
	assert_false(ccm_alarm_saved_valid(&bad));
	bad = r[2];
	bad.since = CCM_ALARM_TIME_MAX + 1;
	assert_false(ccm_alarm_saved_valid(&bad));
	bad = r[2];
	bad.severity = (enum ccm_alarm_severity)(CCM_SEV_WARNING + 1);
	assert_false(ccm_alarm_saved_valid(&bad));
	bad = r[2];
	bad.type = CCM_ALARM_NTYPES;
	assert_false(ccm_alarm_saved_valid(&bad));
	bad = r[2];
	bad.changes = (uint64_t)INT64_MAX + 1;
	assert_false(ccm_alarm_saved_valid(&bad));

	r[2].id = 0;
	errno = 0;
	assert_int_equal(ccm_alarms_load(v->as, r, 3, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ccm_alarms_count_active(v->as), 0);
	r[2].id = 3;
	errno = 0;
	assert_int_equal(ccm_alarms_load(v->as, r, 3, (uint64_t)INT64_MAX + 1),
			 -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ccm_alarms_load(v->as, r, 3, 0), 3);
	assert_int_equal(ccm_alarms_last_id(v->as), 3);
	assert_int_equal(ccm_alarms_each_saved(v->as, count_saved, &n), 42);
	assert_int_equal(n, 2);
	expect(v, "");
}

static void test_restore_rejects(void **state)
{
	struct env *v = *state;
	struct json_object *o;

	static const char *const bad[] = {
		"[]",
		"{\"version\":2,\"last_id\":0,\"alarms\":[]}",
		"{\"version\":1,\"alarms\":[]}",
		"{\"version\":1,\"last_id\":-1,\"alarms\":[]}",
		"{\"version\":1,\"last_id\":0,\"alarms\":{}}",
		"{\"version\":1,\"last_id\":0,\"alarms\":[{\"type\":"
		"\"component-down\",\"id\":1,\"since\":0,\"raised_at\":0}]}",
		"{\"version\":1,\"last_id\":0,\"alarms\":[{\"type\":"
		"\"component-down\",\"resource\":\"x\",\"id\":0,\"since\":0,"
		"\"raised_at\":0}]}",
		"{\"version\":1,\"last_id\":0,\"alarms\":[{\"type\":"
		"\"component-down\",\"resource\":\"x\",\"id\":\"1\","
		"\"since\":0,\"raised_at\":0}]}",
		"{\"version\":1,\"last_id\":0,\"alarms\":[{\"type\":"
		"\"component-down\",\"resource\":\"x\",\"id\":1,"
		"\"since\":-9223372036854775807,\"raised_at\":0}]}",
		"{\"version\":1,\"last_id\":0,\"alarms\":[{\"type\":"
		"\"component-down\",\"resource\":\"\",\"id\":1,"
		"\"since\":0,\"raised_at\":0}]}",
		/* a good one, then a bad one: nothing stays */
		"{\"version\":1,\"last_id\":0,\"alarms\":[{\"type\":"
		"\"component-down\",\"resource\":\"x\",\"id\":1,\"since\":0,"
		"\"raised_at\":0},{\"type\":\"log-silent\"}]}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_tokener_parse(bad[i]);
		assert_non_null(o);
		errno = 0;
		assert_int_equal(ccm_alarms_restore(v->as, o), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(ccm_alarms_count_active(v->as), 0);
		json_object_put(o);
	}
	assert_int_equal(ccm_alarms_restore(v->as, NULL), -1);

	/* Unknown types are skipped; duplicates keep the first; the
	 * counter is at least the largest id. */
	o = json_tokener_parse(
		"{\"version\":1,\"last_id\":2,\"alarms\":["
		"{\"type\":\"no-such-type\",\"resource\":\"x\",\"id\":9,"
		"\"since\":0,\"raised_at\":0},"
		"{\"type\":\"log-silent\",\"resource\":\"/l\",\"id\":7,"
		"\"since\":1793693400005,\"raised_at\":1793693400006,"
		"\"severity\":\"warning\"},"
		"{\"type\":\"log-silent\",\"resource\":\"/l\",\"id\":8,"
		"\"since\":1793693400005,\"raised_at\":1793693400006}]}");
	assert_non_null(o);
	assert_int_equal(ccm_alarms_restore(v->as, o), 1);
	/* Not twice. */
	errno = 0;
	assert_int_equal(ccm_alarms_restore(v->as, o), -1);
	assert_int_equal(errno, EBUSY);
	json_object_put(o);
	set(v, 1000, CCM_ALARM_LOG_SILENT, "/l", false, NULL);
	set(v, 1000, CCM_ALARM_PROBE_FAILING, SERVER, true, NULL);
	expect(v, "1000 cleared #7 log-silent /l warning since=5 ended=1000"
		  " | The router log grows again; the condition lasted"
		  " 0.995s\n"
		  "1000 raised #8 probe-failing " SERVER " major since=1000"
		  " | The compliance server does not answer ccmon's probe\n");
}

/* ---- messages ---------------------------------------------------------- */

static void test_message_text(void **state)
{
	struct ccm_alarm_decision d = {
		.state = CCM_ALARM_RAISED,
		.id = 12,
		.type = CCM_ALARM_COMPONENT_DOWN,
		.info = ccm_alarm_type_info(CCM_ALARM_COMPONENT_DOWN),
		.resource = COMP,
		.severity = CCM_SEV_CRITICAL,
		.time = T0 + 5000,
		.since = T0,
		.raised_at = T0 + 5000,
		.text = "Component is GONE (cause: refused: " SERVER
			" refuses connections)",
	};
	char *m;

	(void)state;
	m = ccm_alarm_message(&d, true);
	assert_non_null(m);
	assert_string_equal(m, "ccmon: CRITICAL raised component-down " COMP
			    ": Component is GONE (cause: refused: " SERVER
			    " refuses connections), since"
			    " 2026-11-03T08:10:00.000Z. Check that the"
			    " compliance server is running and listening on"
			    " the host and port configured on IM and Presence;"
			    " the text says what its loss does to users.");
	free(m);
	d.state = CCM_ALARM_CLEARED;
	d.text = "Component is ACTIVE again; the condition lasted 5m02.000s";
	m = ccm_alarm_message(&d, false);
	assert_non_null(m);
	assert_string_equal(m, "ccmon: cleared component-down " COMP
			    " (was CRITICAL): Component is ACTIVE again; the"
			    " condition lasted 5m02.000s.");
	free(m);
	d.type = CCM_ALARM_AUTH_FAILURE;
	d.state = CCM_ALARM_RAISED;
	d.severity = CCM_SEV_MAJOR;
	d.text = "x";
	m = ccm_alarm_message(&d, false);
	assert_non_null(m);
	assert_string_equal(m, "ccmon: MAJOR raised auth-failure " COMP
			    ": x, since 2026-11-03T08:10:00.000. Check that"
			    " the password is the same on IM and Presence and"
			    " on the compliance server, and that the"
			    " compliance server is configured with this exact"
			    " component name.");
	free(m);
}

static void test_policy_defaults(void **state)
{
	struct ccm_alarm_policy p;

	(void)state;
	ccm_alarm_policy_default(&p);
	assert_int_equal(p.raise_hold, 5000);
	assert_int_equal(p.clear_hold, 30000);
	assert_int_equal(p.flap_window, 60000);
	assert_int_equal(p.flap_threshold, 6);
	assert_int_equal(p.rate_count, 6);
	assert_int_equal(p.rate_period, 600000);
}

/* Out-of-range settings are brought into range, not trusted. */
static void test_policy_limits(void **state)
{
	struct env *v = *state;
	const ccm_ms day = INT64_C(86400000);
	ccm_ms due;

	/* A hold beyond a year counts as a year. */
	policy(v, CCM_ALARM_LOG_SILENT, INT64_MAX, -5, 0, 0, 0, 0);
	set(v, 0, CCM_ALARM_LOG_SILENT, "/l", true, NULL);
	assert_true(ccm_alarms_next_due(v->as, &due));
	assert_int_equal(due - T0, 366 * day);
	adv(v, 400 * day);
	assert_int_equal(v->count, 1);
	/* A negative clear hold counts as 0. */
	set(v, 400 * day, CCM_ALARM_LOG_SILENT, "/l", false, NULL);
	assert_int_equal(v->count, 2);
	forget(v);

	/* A threshold of 1 would make every change flapping: off. */
	policy(v, CCM_ALARM_COMPONENT_DOWN, 0, 10, 1, 60000, 0, 0);
	down(v, 500 * day, true);
	down(v, 500 * day + 1, false);
	adv(v, 500 * day + 10);
	assert_int_equal(v->count, 1);
	adv(v, 500 * day + 11);
	assert_int_equal(v->count, 2);
	forget(v);

	/* A rate over CCM_ALARM_RATE_MAX counts as that: 100 changes in
	 * 100 ms give 64 messages, the rest folds away in pairs. */
	policy(v, CCM_ALARM_PROBE_FAILING, 0, 0, 0, 0, 1000, 60000);
	for (int i = 0; i < 100; i++)
		set(v, 600 * day + i, CCM_ALARM_PROBE_FAILING, SERVER,
		    i % 2 == 0, NULL);
	adv(v, 700 * day);
	assert_int_equal(v->count, CCM_ALARM_RATE_MAX);
	assert_int_equal(ccm_alarms_count_active(v->as), 0);
	forget(v);
}

/* The default policy end to end: a GONE of 3 s is not an alarm, one of a
 * minute is, raised after 5 s and cleared 30 s after ACTIVE. */
static void test_default_policy(void **state)
{
	struct env *v = *state;

	down(v, 0, true);
	down(v, 3000, false);
	down(v, 100000, true);
	down(v, 160000, false);
	adv(v, 189999);
	expect(v, "105000 raised #1 component-down " COMP " critical"
		  " since=100000 | Component is not ACTIVE\n");
	adv(v, 190000);
	expect(v, "190000 cleared #1 component-down " COMP " critical"
		  " since=100000 ended=160000 | Component is ACTIVE again;"
		  " the condition lasted 1m00.000s\n");
}

/* ---- judged alarms: severity per instance, CHANGED -------------------- */

static void judged(struct env *v, ccm_ms dt, bool cond,
		   enum ccm_alarm_severity sev, unsigned phase,
		   const char *text)
{
	assert_int_equal(ccm_alarms_set_judged(v->as,
					       CCM_ALARM_COMPONENT_DOWN, COMP,
					       cond, T0 + dt, text, sev,
					       phase), 0);
}

/* A raised alarm judged anew: one CHANGED with its id, no re-raise; the
 * clear carries the severity last sent. */
static void test_changed_same_id(void **state)
{
	struct env *v = *state;
	struct ccm_alarm_view av;

	judged(v, 0, true, CCM_SEV_CRITICAL, 0, "waits");
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | waits\n");
	/* same judgement, new text: no message */
	judged(v, 1000, true, CCM_SEV_CRITICAL, 0, "waits still");
	expect(v, "");
	judged(v, 2000, true, CCM_SEV_MAJOR, 1, "re-routed");
	expect(v, "2000 changed #1 component-down " COMP " major since=0"
		  " | re-routed\n");
	assert_true(ccm_alarms_next_active(v->as, 0, &av));
	assert_int_equal(av.severity, CCM_SEV_MAJOR);
	assert_string_equal(av.text, "re-routed");
	/* the phase alone is news too */
	judged(v, 3000, true, CCM_SEV_MAJOR, 2, "bounced");
	expect(v, "3000 changed #1 component-down " COMP " major since=0"
		  " | bounced\n");
	/* an unjudged report keeps the judgement */
	down(v, 4000, true);
	expect(v, "");
	judged(v, 5000, false, CCM_SEV_WARNING, 0, "ACTIVE");
	expect(v, "5000 cleared #1 component-down " COMP " major since=0"
		  " ended=5000 | ACTIVE; the condition lasted 5.000s\n");
}

/* During the raise hold a new judgement only changes what is raised; while
 * a clear is pending nothing is said. */
static void test_changed_in_holds(void **state)
{
	struct env *v = *state;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 5000, 10000, 0, 0, 0, 0);
	judged(v, 0, true, CCM_SEV_CRITICAL, 0, "waits");
	judged(v, 2000, true, CCM_SEV_WARNING, 1, "absorbed");
	expect(v, "");
	adv(v, 5000);
	expect(v, "5000 raised #1 component-down " COMP " warning since=0"
		  " | absorbed\n");
	judged(v, 6000, false, CCM_SEV_CRITICAL, 0, "ACTIVE");
	adv(v, 8000);
	expect(v, "");
	/* back before the clear: present again, judged otherwise */
	judged(v, 9000, true, CCM_SEV_MAJOR, 1, "some users");
	expect(v, "9000 changed #1 component-down " COMP " major since=0"
		  " | some users\n");
}

/* A change is a message for the rate limit: it waits its turn. */
static void test_changed_rate_limited(void **state)
{
	struct env *v = *state;

	policy(v, CCM_ALARM_COMPONENT_DOWN, 0, 0, 0, 0, 2, 10000);
	judged(v, 0, true, CCM_SEV_CRITICAL, 0, "a");
	judged(v, 1000, true, CCM_SEV_MAJOR, 1, "b");
	judged(v, 2000, true, CCM_SEV_WARNING, 2, "c");
	expect(v, "0 raised #1 component-down " COMP " critical since=0"
		  " | a\n"
		  "1000 changed #1 component-down " COMP " major since=0"
		  " | b\n");
	adv(v, 9999);
	expect(v, "");
	adv(v, 10000);
	expect(v, "10000 changed #1 component-down " COMP " warning"
		  " since=0 | c\n");
}

/* The judgement survives a restart: the same one again says nothing. */
static void test_changed_snapshot(void **state)
{
	struct env *v = *state, *w;
	struct json_object *snap;

	judged(v, 0, true, CCM_SEV_CRITICAL, 0, "a");
	judged(v, 1000, true, CCM_SEV_MAJOR, 3, "b");
	forget(v);
	snap = ccm_alarms_snapshot(v->as);
	assert_non_null(snap);
	w = env_new(&immediate);
	assert_int_equal(ccm_alarms_restore(w->as, snap), 1);
	judged(w, 2000, true, CCM_SEV_MAJOR, 3, "b");
	expect(w, "");
	judged(w, 3000, true, CCM_SEV_CRITICAL, 3, "c");
	expect(w, "3000 changed #1 component-down " COMP " critical"
		  " since=0 | c\n");
	json_object_put(snap);
	env_free(w);
}

static void test_changed_message(void **state)
{
	struct ccm_alarm_decision d = {
		.state = CCM_ALARM_CHANGED,
		.id = 12,
		.type = CCM_ALARM_COMPONENT_DOWN,
		.info = ccm_alarm_type_info(CCM_ALARM_COMPONENT_DOWN),
		.resource = COMP,
		.severity = CCM_SEV_MAJOR,
		.was = CCM_SEV_CRITICAL,
		.time = T0 + 5000,
		.since = T0,
		.raised_at = T0,
		.text = "re-routed",
	};
	char *m;

	(void)state;
	assert_string_equal(ccm_alarm_state_name(CCM_ALARM_CHANGED),
			    "changed");
	m = ccm_alarm_message(&d, false);
	assert_non_null(m);
	assert_string_equal(m, "ccmon: MAJOR changed component-down " COMP
			    " (was CRITICAL): re-routed, since"
			    " 2026-11-03T08:10:00.000.");
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_table),
		cmocka_unit_test(test_message_text),
		cmocka_unit_test(test_policy_defaults),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_immediate),
		T(test_raise_hold),
		T(test_clear_hold_and_cancel),
		T(test_holds_combined),
		T(test_flapping_hour_no_holds),
		T(test_flapping_beats_raise_hold),
		T(test_rate_limit_raise_deferred),
		T(test_rate_limit_clear_deferred),
		T(test_pairing_under_storm),
		T(test_resources_independent),
		T(test_text_update_without_message),
		T(test_invalid_arguments),
		T(test_long_text),
		T(test_unfit_resources_raise),
		T(test_restore_maps_raw_resource),
		T(test_time_never_runs_back),
		T(test_time_order_across_alarms),
		T(test_snapshot_restore),
		T(test_restore_expire_unreported),
		T(test_restore_flapping),
		T(test_restore_rejects),
		T(test_snapshot_read),
		T(test_load_records),
		T(test_policy_limits),
		T(test_changed_same_id),
		T(test_changed_in_holds),
		T(test_changed_rate_limited),
		T(test_changed_snapshot),
		T(test_changed_message),
#undef T
		cmocka_unit_test_setup_teardown(test_flapping_hour_default,
						setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_default_policy,
						setup_default, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
