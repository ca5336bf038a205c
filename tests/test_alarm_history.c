/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/core/alarm_history.c: what the NOC received, recorded
 * from the alarm engine's decisions (agent/core/alarm.c) and the raises its
 * rate limit withheld. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "agent/core/alarm.h"
#include "agent/core/alarm_history.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raise_and_clear),
		cmocka_unit_test(test_changes_and_strangers),
		cmocka_unit_test(test_withheld_raise_is_suppressed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
