/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/core/alarm_history.c: what the NOC received, recorded
 * from the alarm engine's decisions (agent/core/alarm.c) and the raises its
 * rate limit withheld; and for agent/core/cleared_alarms.c, the bounded
 * record of cleared alarms that ccmonAlarmHistoryTable serves. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/alarm.h"
#include "agent/core/alarm_history.h"
#include "agent/core/cleared_alarms.h"

#define T0 INT64_C(1793693400000) /* 2026-11-03T08:10:00.000 */
#define COMP "op-cs1.imp1-example-com"
#define COMP2 "op-cs2.imp1-example-com"

static void on_decision(void *ctx, const struct ccm_alarm_decision *d)
{
	assert_int_equal(ccm_alarm_history_add(ctx, d), 0);
}

static void on_withheld(void *ctx, const struct ccm_alarm_decision *d)
{
	assert_int_equal(ccm_alarm_history_withheld(ctx, d, d->ended), 0);
}

/* Holds off, no damping, rate_count messages per minute at most. */
static struct ccm_alarms *engine(struct ccm_alarm_history *h,
				 unsigned rate_count)
{
	struct ccm_alarm_policy p = {
		.rate_count = rate_count,
		.rate_period = 60000,
	};
	struct ccm_alarms *as = ccm_alarms_new(&p, on_decision, h);

	assert_non_null(as);
	ccm_alarms_on_withheld(as, on_withheld, h);
	return as;
}

static void set(struct ccm_alarms *as, const char *res, bool on, ccm_ms t,
		const char *text)
{
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_COMPONENT_DOWN, res, on,
					t, text), 0);
}

static void test_raise_and_clear(void **state)
{
	struct ccm_alarm_history h;
	struct ccm_alarms *as;

	(void)state;
	ccm_alarm_history_init(&h);
	as = engine(&h, 0);
	set(as, COMP, true, T0, "cs1 is GONE");
	set(as, COMP2, true, T0 + 500, "cs2 is GONE");
	set(as, COMP, false, T0 + 1000, "cs1 is ACTIVE again");

	assert_int_equal(h.n, 2);
	assert_false(h.oom);
	assert_int_equal(h.v[0].id, 1);
	assert_int_equal(h.v[0].type, CCM_ALARM_COMPONENT_DOWN);
	assert_string_equal(h.v[0].resource, COMP);
	assert_int_equal(h.v[0].severity, CCM_SEV_CRITICAL);
	assert_int_equal(h.v[0].start, T0);
	assert_true(h.v[0].ended);
	assert_int_equal(h.v[0].end, T0 + 1000);
	assert_string_equal(h.v[0].text, "cs1 is GONE");
	assert_false(h.v[0].suppressed);
	assert_int_equal(h.v[0].nchanges, 0);
	/* still raised at the end */
	assert_int_equal(h.v[1].id, 2);
	assert_string_equal(h.v[1].resource, COMP2);
	assert_int_equal(h.v[1].start, T0 + 500);
	assert_false(h.v[1].ended);
	ccm_alarms_free(as);
	ccm_alarm_history_release(&h);
}

/* A message of a third kind (the alarm changed while raised) goes to its
 * alarm's changes; one about an alarm never raised here (restored from a
 * snapshot) is not invented. */
static void test_changes_and_strangers(void **state)
{
	struct ccm_alarm_history h;
	struct ccm_alarm_decision d = {
		.state = CCM_ALARM_RAISED,
		.id = 7,
		.type = CCM_ALARM_COMPONENT_DOWN,
		.resource = COMP,
		.severity = CCM_SEV_CRITICAL,
		.time = T0,
		.text = "IM blocked",
	};

	(void)state;
	ccm_alarm_history_init(&h);
	assert_int_equal(ccm_alarm_history_add(&h, &d), 0);
	d.state = (enum ccm_alarm_state)(CCM_ALARM_CLEARED + 1);
	d.severity = CCM_SEV_MAJOR;
	d.time = T0 + 30000;
	d.text = "re-routed after 30s";
	assert_int_equal(ccm_alarm_history_add(&h, &d), 0);
	d.id = 3; /* raised before the record began */
	d.state = CCM_ALARM_CLEARED;
	assert_int_equal(ccm_alarm_history_add(&h, &d), 0);
	d.id = 7;
	d.time = T0 + 60000;
	assert_int_equal(ccm_alarm_history_add(&h, &d), 0);

	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].severity, CCM_SEV_CRITICAL);
	assert_string_equal(h.v[0].text, "IM blocked");
	assert_int_equal(h.v[0].nchanges, 1);
	assert_int_equal(h.v[0].changes[0].time, T0 + 30000);
	assert_int_equal(h.v[0].changes[0].severity, CCM_SEV_MAJOR);
	assert_string_equal(h.v[0].changes[0].text, "re-routed after 30s");
	assert_true(h.v[0].ended);
	assert_int_equal(h.v[0].end, T0 + 60000);
	ccm_alarm_history_release(&h);
}

/* Two messages a minute: the second raise waits for the limit, its clear
 * catches up with it, neither is sent (ccmon.conf(5), alarm_rate_limit);
 * the record keeps it, suppressed, in order of start, and the next
 * message sent counts the pair. */
static void test_withheld_raise_is_suppressed(void **state)
{
	struct ccm_alarm_history h;
	struct ccm_alarms *as;

	(void)state;
	ccm_alarm_history_init(&h);
	as = engine(&h, 2);
	set(as, COMP, true, T0, "down 1");
	set(as, COMP, false, T0 + 1000, "up 1");
	set(as, COMP, true, T0 + 2000, "down 2");       /* waits */
	set(as, COMP2, true, T0 + 2500, "other down");  /* sent */
	set(as, COMP, false, T0 + 3000, "up 2");        /* cancels */
	set(as, COMP, true, T0 + 61000, "down 3");      /* sent */

	assert_int_equal(h.n, 4);
	assert_int_equal(h.v[0].id, 1);
	assert_int_equal(h.v[0].end, T0 + 1000);
	assert_true(h.v[1].suppressed);
	assert_int_equal(h.v[1].id, 0);
	assert_string_equal(h.v[1].resource, COMP);
	assert_int_equal(h.v[1].start, T0 + 2000);
	assert_true(h.v[1].ended);
	assert_int_equal(h.v[1].end, T0 + 3000);
	assert_string_equal(h.v[1].text, "down 2");
	assert_int_equal(h.v[2].id, 2);
	assert_string_equal(h.v[2].resource, COMP2);
	assert_false(h.v[2].suppressed);
	assert_int_equal(h.v[3].id, 3);
	assert_int_equal(h.v[3].start, T0 + 61000);
	assert_false(h.v[3].ended);
	assert_non_null(strstr(h.v[3].text, "1 raise/clear pair withheld"));
	ccm_alarms_free(as);
	ccm_alarm_history_release(&h);
}

/* ---- cleared_alarms ---------------------------------------------------- */

static void on_cleared(void *ctx, const struct ccm_alarm_decision *d)
{
	assert_int_equal(ccm_cleared_alarms_add(ctx, d), 0);
}

/* Component i of COMP-like names, down at T0 + i s, back 500 ms later:
 * alarm id i + 1, cleared at T0 + i s + 500 ms. */
static void down_and_back(struct ccm_alarms *as, unsigned i)
{
	char res[64];
	ccm_ms t = T0 + (ccm_ms)i * 1000;

	snprintf(res, sizeof(res), "op-cs%u.imp1-example-com", i);
	set(as, res, true, t, "GONE");
	set(as, res, false, t + 500, "ACTIVE again");
}

static void assert_cleared(const struct ccm_cleared_alarms *c, size_t i,
			   unsigned which)
{
	const struct ccm_cleared_alarm *a = ccm_cleared_alarms_get(c, i);
	char res[64];

	snprintf(res, sizeof(res), "op-cs%u.imp1-example-com", which);
	assert_non_null(a);
	assert_int_equal(a->id, which + 1);
	assert_string_equal(a->resource, res);
	assert_int_equal(a->since, T0 + (ccm_ms)which * 1000);
	assert_int_equal(a->raised_at, T0 + (ccm_ms)which * 1000);
	assert_int_equal(a->cleared_at, T0 + (ccm_ms)which * 1000 + 500);
	assert_int_equal(a->type, CCM_ALARM_COMPONENT_DOWN);
	assert_int_equal(a->severity, CCM_SEV_CRITICAL);
	/* the clear's own text, as sent */
	assert_string_equal(a->text, "ACTIVE again; the condition lasted 0.500s");
}

static void test_cleared_kept_newest_first_dropped(void **state)
{
	struct ccm_cleared_alarms c;
	struct ccm_alarms *as;

	(void)state;
	ccm_cleared_alarms_init(&c, 3);
	as = ccm_alarms_new(&(struct ccm_alarm_policy){ 0 }, on_cleared, &c);
	assert_non_null(as);
	/* a raise alone is not kept */
	set(as, "op-lone.imp1-example-com", true, T0 - 5000, "GONE");
	assert_null(ccm_cleared_alarms_get(&c, 0));
	for (unsigned i = 1; i <= 5; i++)
		down_and_back(as, i);
	/* the last three, oldest first: 3, 4, 5 */
	assert_int_equal(c.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_cleared(&c, i, (unsigned)i + 3);
	assert_null(ccm_cleared_alarms_get(&c, 3));

	/* a smaller bound keeps the newest; a larger one lets it grow */
	assert_int_equal(ccm_cleared_alarms_set_max(&c, 2), 0);
	assert_int_equal(c.n, 2);
	assert_cleared(&c, 0, 4);
	assert_cleared(&c, 1, 5);
	assert_int_equal(ccm_cleared_alarms_set_max(&c, 4), 0);
	down_and_back(as, 6);
	down_and_back(as, 7);
	down_and_back(as, 8);
	assert_int_equal(c.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_cleared(&c, i, (unsigned)i + 5);
	/* 0: nothing kept, nothing taken */
	assert_int_equal(ccm_cleared_alarms_set_max(&c, 0), 0);
	assert_null(ccm_cleared_alarms_get(&c, 0));
	down_and_back(as, 9);
	assert_null(ccm_cleared_alarms_get(&c, 0));
	ccm_alarms_free(as);
	ccm_cleared_alarms_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raise_and_clear),
		cmocka_unit_test(test_changes_and_strangers),
		cmocka_unit_test(test_withheld_raise_is_suppressed),
		cmocka_unit_test(test_cleared_kept_newest_first_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
