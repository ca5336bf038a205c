/* SPDX-License-Identifier: ISC */
/* Unit tests for agent/snmp/queue.c: the bounded queue of alarm
 * notifications on their way to the AgentX master.
 *
 * A notification is pushed from an alarm decision, handed out by next(),
 * marked in flight by sending(), and leaves the queue when the master
 * answers (sent or refused) or goes back to waiting when the master goes
 * (requeue).  Every test checks the counters and the order exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "agent/snmp/queue.h"

#define T0 INT64_C(1793693400000) /* 2026-11-03T08:10:00.000 */

/* ---- helpers ------------------------------------------------------------- */

/* A RAISED component-down decision with id, resource "op-N", text "text N",
 * at T0 + id seconds, condition since T0. */
static struct ccm_alarm_decision raised(uint64_t id, char res[32],
					char text[32])
{
	snprintf(res, 32, "op-%llu", (unsigned long long)id);
	snprintf(text, 32, "text %llu", (unsigned long long)id);
	return (struct ccm_alarm_decision){
		.state = CCM_ALARM_RAISED,
		.id = id,
		.type = CCM_ALARM_COMPONENT_DOWN,
		.info = ccm_alarm_type_info(CCM_ALARM_COMPONENT_DOWN),
		.resource = res,
		.severity = CCM_SEV_CRITICAL,
		.time = T0 + (ccm_ms)id * 1000,
		.since = T0,
		.raised_at = T0 + (ccm_ms)id * 1000,
		.text = text,
	};
}

static void push_raised(struct ccm_snmp_queue *q, uint64_t id)
{
	char res[32], text[32];
	struct ccm_alarm_decision d = raised(id, res, text);

	assert_int_equal(ccm_snmp_queue_push(q, &d), 0);
}

static void push_ids(struct ccm_snmp_queue *q, uint64_t first, uint64_t last)
{
	for (uint64_t id = first; id <= last; id++)
		push_raised(q, id);
}

static void expect_stats(const struct ccm_snmp_queue *q, uint64_t queued,
			 uint64_t in_flight, uint64_t dropped, uint64_t sent)
{
	struct ccm_snmp_queue_stats st;

	memset(&st, 0xA5, sizeof(st));
	ccm_snmp_queue_stats(q, &st);
	assert_int_equal(st.queued, queued);
	assert_int_equal(st.in_flight, in_flight);
	assert_int_equal(st.dropped, dropped);
	assert_int_equal(st.sent, sent);
}

/* Takes the next waiting notice, which must be alarm id, and sends it
 * under reqid. */
static struct ccm_snmp_notice *send_next(struct ccm_snmp_queue *q,
					 uint64_t id, long reqid)
{
	struct ccm_snmp_notice *n = ccm_snmp_queue_next(q);

	assert_non_null(n);
	assert_int_equal(n->alarm_id, id);
	assert_int_equal(n->reqid, 0);
	ccm_snmp_queue_sending(q, n, reqid);
	assert_int_equal(n->reqid, reqid);
	return n;
}

/* ---- sending and answers ------------------------------------------------- */

static void test_empty(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(4);

	(void)state;
	assert_non_null(q);
	expect_stats(q, 0, 0, 0, 0);
	assert_null(ccm_snmp_queue_next(q));
	assert_int_equal(ccm_snmp_queue_requeue(q), 0);
	assert_false(ccm_snmp_queue_requeue_one(q, 1));
	assert_int_equal(ccm_snmp_queue_answered(q, 1, true), 0);
	expect_stats(q, 0, 0, 0, 0);
	ccm_snmp_queue_free(q);
	ccm_snmp_queue_free(NULL);
}

static void test_answered_ok_counts_sent(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);

	(void)state;
	push_raised(q, 1);
	expect_stats(q, 1, 0, 0, 0);
	send_next(q, 1, 101);
	expect_stats(q, 1, 1, 0, 0);
	/* the only entry is in flight: nothing else waits */
	assert_null(ccm_snmp_queue_next(q));

	assert_int_equal(ccm_snmp_queue_answered(q, 101, true), 1);
	expect_stats(q, 0, 0, 0, 1);
	assert_null(ccm_snmp_queue_next(q));
	/* a second answer to the same reqid is unknown now */
	assert_int_equal(ccm_snmp_queue_answered(q, 101, true), 0);
	expect_stats(q, 0, 0, 0, 1);
	ccm_snmp_queue_free(q);
}

static void test_answered_refused_counts_dropped(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);

	(void)state;
	push_ids(q, 1, 2);
	send_next(q, 1, 101);
	assert_int_equal(ccm_snmp_queue_answered(q, 101, false), 1);
	expect_stats(q, 1, 0, 1, 0);
	/* the refused one is gone for good; the next one waits */
	send_next(q, 2, 102);
	assert_int_equal(ccm_snmp_queue_answered(q, 102, true), 2);
	expect_stats(q, 0, 0, 1, 1);
	ccm_snmp_queue_free(q);
}

static void test_answered_unknown_reqid_changes_nothing(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);
	struct ccm_snmp_notice *n;

	(void)state;
	push_ids(q, 1, 2);
	n = send_next(q, 1, 101);
	assert_int_equal(ccm_snmp_queue_answered(q, 999, true), 0);
	assert_int_equal(ccm_snmp_queue_answered(q, 999, false), 0);
	/* 0 is "not in flight", never a reqid, though entries carry it */
	assert_int_equal(ccm_snmp_queue_answered(q, 0, true), 0);
	expect_stats(q, 2, 1, 0, 0);
	assert_int_equal(n->reqid, 101);
	n = ccm_snmp_queue_next(q);
	assert_non_null(n);
	assert_int_equal(n->alarm_id, 2);
	assert_int_equal(n->reqid, 0);
	ccm_snmp_queue_free(q);
}

/* Answers may come in any order: each removes its own entry. */
static void test_answers_out_of_order(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);

	(void)state;
	push_ids(q, 1, 3);
	send_next(q, 1, 11);
	send_next(q, 2, 12);
	send_next(q, 3, 13);
	expect_stats(q, 3, 3, 0, 0);
	assert_int_equal(ccm_snmp_queue_answered(q, 12, true), 2);
	expect_stats(q, 2, 2, 0, 1);
	assert_int_equal(ccm_snmp_queue_answered(q, 13, false), 3);
	expect_stats(q, 1, 1, 1, 1);
	assert_int_equal(ccm_snmp_queue_answered(q, 11, true), 1);
	expect_stats(q, 0, 0, 1, 2);
	ccm_snmp_queue_free(q);
}

/* ---- the bound ----------------------------------------------------------- */

static void test_bound_drops_oldest(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(3);

	(void)state;
	push_ids(q, 1, 5);
	expect_stats(q, 3, 0, 2, 0);
	/* 1 and 2 are gone; 3, 4, 5 remain in their order */
	send_next(q, 3, 103);
	send_next(q, 4, 104);
	send_next(q, 5, 105);
	assert_null(ccm_snmp_queue_next(q));
	expect_stats(q, 3, 3, 2, 0);
	ccm_snmp_queue_free(q);
}

/* The bound counts entries in flight too: the oldest goes even when it is
 * in flight, and the master's late answer to it is then unknown. */
static void test_bound_drops_oldest_in_flight(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(2);

	(void)state;
	push_ids(q, 1, 2);
	send_next(q, 1, 101);
	push_raised(q, 3);
	expect_stats(q, 2, 0, 1, 0);
	assert_int_equal(ccm_snmp_queue_answered(q, 101, true), 0);
	expect_stats(q, 2, 0, 1, 0);
	send_next(q, 2, 102);
	send_next(q, 3, 103);
	ccm_snmp_queue_free(q);
}

/* ---- the master goes ----------------------------------------------------- */

static void test_requeue_keeps_order(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);

	(void)state;
	push_ids(q, 1, 4);
	send_next(q, 1, 11);
	send_next(q, 2, 12);
	send_next(q, 3, 13);
	expect_stats(q, 4, 3, 0, 0);

	assert_int_equal(ccm_snmp_queue_requeue(q), 3);
	expect_stats(q, 4, 0, 0, 0);
	/* answers under the old ids are unknown after the requeue */
	assert_int_equal(ccm_snmp_queue_answered(q, 12, true), 0);
	expect_stats(q, 4, 0, 0, 0);
	/* nothing in flight: a second requeue finds nothing */
	assert_int_equal(ccm_snmp_queue_requeue(q), 0);

	/* back in their original order, before the one never sent */
	send_next(q, 1, 21);
	send_next(q, 2, 22);
	send_next(q, 3, 23);
	send_next(q, 4, 24);
	assert_null(ccm_snmp_queue_next(q));
	expect_stats(q, 4, 4, 0, 0);
	for (long r = 21; r <= 24; r++)
		assert_int_equal(ccm_snmp_queue_answered(q, r, true),
				 (uint64_t)(r - 20));
	expect_stats(q, 0, 0, 0, 4);
	ccm_snmp_queue_free(q);
}

static void test_requeue_one(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);

	(void)state;
	push_ids(q, 1, 3);
	send_next(q, 1, 11);
	send_next(q, 2, 12);
	send_next(q, 3, 13);

	assert_true(ccm_snmp_queue_requeue_one(q, 12));
	expect_stats(q, 3, 2, 0, 0);
	/* once only, and only known ids */
	assert_false(ccm_snmp_queue_requeue_one(q, 12));
	assert_false(ccm_snmp_queue_requeue_one(q, 999));
	assert_false(ccm_snmp_queue_requeue_one(q, 0));
	expect_stats(q, 3, 2, 0, 0);

	send_next(q, 2, 22);
	assert_null(ccm_snmp_queue_next(q));
	/* the oldest requeued comes first again */
	assert_true(ccm_snmp_queue_requeue_one(q, 13));
	assert_true(ccm_snmp_queue_requeue_one(q, 11));
	expect_stats(q, 3, 1, 0, 0);
	send_next(q, 1, 31);
	send_next(q, 3, 33);

	assert_int_equal(ccm_snmp_queue_answered(q, 31, true), 1);
	assert_int_equal(ccm_snmp_queue_answered(q, 22, true), 2);
	assert_int_equal(ccm_snmp_queue_answered(q, 33, true), 3);
	expect_stats(q, 0, 0, 0, 3);
	ccm_snmp_queue_free(q);
}

/* ---- persistence --------------------------------------------------------- */

/* Everything owed, in flight or not, comes back in order with every field,
 * and waiting (a new master session has new request ids). */
static void test_snapshot_restore_round_trip(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8), *r;
	struct ccm_alarm_decision d = {
		.state = CCM_ALARM_CLEARED,
		.id = 7,
		.type = CCM_ALARM_LOG_UNREADABLE,
		.info = ccm_alarm_type_info(CCM_ALARM_LOG_UNREADABLE),
		.resource = "/var/log/rtr \"x\".log",
		.severity = CCM_SEV_MAJOR,
		.time = T0 + 1234,
		.since = T0 + 5,
		.text = "readable again after 1 s: caf\xC3\xA9",
	};
	struct json_object *snap, *back;
	struct ccm_snmp_notice *n;

	(void)state;
	push_ids(q, 1, 2);
	assert_int_equal(ccm_snmp_queue_push(q, &d), 0);
	ccm_snmp_queue_sending(q, ccm_snmp_queue_next(q), 99);
	snap = ccm_snmp_queue_snapshot(q);
	assert_non_null(snap);
	assert_int_equal(json_object_array_length(snap), 3);
	/* through text, as the state file does */
	back = json_tokener_parse(json_object_to_json_string(snap));
	assert_non_null(back);

	r = ccm_snmp_queue_new(8);
	assert_int_equal(ccm_snmp_queue_restore(r, back), 3);
	expect_stats(r, 3, 0, 0, 0);
	for (uint64_t id = 1; id <= 2; id++) {
		n = ccm_snmp_queue_next(r);
		assert_int_equal(n->alarm_id, id);
		assert_int_equal(n->state, CCM_ALARM_RAISED);
		assert_int_equal(n->type, CCM_ALARM_COMPONENT_DOWN);
		assert_int_equal(n->resource_type, CCM_RES_COMPONENT);
		assert_int_equal(n->severity, CCM_SEV_CRITICAL);
		assert_int_equal(n->time, T0 + (ccm_ms)id * 1000);
		assert_int_equal(n->since, T0);
		ccm_snmp_queue_sending(r, n, (long)id);
	}
	n = ccm_snmp_queue_next(r);
	assert_int_equal(n->alarm_id, 7);
	assert_int_equal(n->state, CCM_ALARM_CLEARED);
	assert_int_equal(n->type, CCM_ALARM_LOG_UNREADABLE);
	assert_int_equal(n->resource_type, CCM_RES_LOG);
	assert_string_equal(n->resource, d.resource);
	assert_int_equal(n->severity, CCM_SEV_MAJOR);
	assert_string_equal(n->text, d.text);
	assert_int_equal(n->time, T0 + 1234);
	assert_int_equal(n->since, T0 + 5);
	json_object_put(snap);
	json_object_put(back);
	ccm_snmp_queue_free(q);
	ccm_snmp_queue_free(r);
}

/* A change waiting for the master agent survives a restart as a change. */
static void test_changed_round_trip(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8), *r;
	char res[32], text[32];
	struct ccm_alarm_decision d = raised(3, res, text);
	struct json_object *snap, *back;
	struct ccm_snmp_notice *n;

	(void)state;
	d.state = CCM_ALARM_CHANGED;
	d.severity = CCM_SEV_WARNING;
	d.was = CCM_SEV_CRITICAL;
	assert_int_equal(ccm_snmp_queue_push(q, &d), 0);
	snap = ccm_snmp_queue_snapshot(q);
	assert_non_null(snap);
	back = json_tokener_parse(json_object_to_json_string(snap));
	assert_non_null(back);
	r = ccm_snmp_queue_new(8);
	assert_int_equal(ccm_snmp_queue_restore(r, back), 1);
	n = ccm_snmp_queue_next(r);
	assert_non_null(n);
	assert_int_equal(n->alarm_id, 3);
	assert_int_equal(n->state, CCM_ALARM_CHANGED);
	assert_int_equal(n->severity, CCM_SEV_WARNING);
	json_object_put(snap);
	json_object_put(back);
	ccm_snmp_queue_free(q);
	ccm_snmp_queue_free(r);
}

/* A damaged state file costs the entries that do not parse, no more; the
 * bound holds. */
static void test_restore_skips_bad_entries(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(2);
	struct json_object *snap = json_tokener_parse(
		"[{\"state\":\"raised\",\"id\":1,\"type\":\"nonsense\","
		"\"resource_type\":\"component\",\"resource\":\"a\","
		"\"severity\":\"critical\",\"text\":\"\","
		"\"time\":\"2026-11-03T08:10:00.000\","
		"\"since\":\"2026-11-03T08:10:00.000\"},"
		" 17, {\"state\":\"raised\"},"
		"{\"state\":\"raised\",\"id\":2,\"type\":\"log-silent\","
		"\"resource_type\":\"log\",\"resource\":\"/l\","
		"\"severity\":\"warning\",\"text\":\"t\","
		"\"time\":\"2026-11-03T08:10:00.000\","
		"\"since\":\"2026-11-03T08:09:00.000\"},"
		"{\"state\":\"cleared\",\"id\":2,\"type\":\"log-silent\","
		"\"resource_type\":\"log\",\"resource\":\"/l\","
		"\"severity\":\"warning\",\"text\":\"t\","
		"\"time\":\"2026-11-03T08:11:00.000\","
		"\"since\":\"2026-11-03T08:09:00.000\"},"
		"{\"state\":\"cleared\",\"id\":3,\"type\":\"log-silent\","
		"\"resource_type\":\"log\",\"resource\":\"/l\","
		"\"severity\":\"warning\",\"text\":\"t\","
		"\"time\":\"not a time\","
		"\"since\":\"2026-11-03T08:09:00.000\"}]");

	(void)state;
	assert_non_null(snap);
	assert_int_equal(ccm_snmp_queue_restore(q, snap), 2);
	expect_stats(q, 2, 0, 0, 0);
	assert_int_equal(ccm_snmp_queue_next(q)->time, T0);
	assert_int_equal(ccm_snmp_queue_restore(q, NULL), 0);
	json_object_put(snap);
	ccm_snmp_queue_free(q);
}

/* ---- what a notice holds ------------------------------------------------- */

static void test_notice_fields(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);
	struct ccm_alarm_decision d = {
		.state = CCM_ALARM_CLEARED,
		.id = 42,
		.type = CCM_ALARM_ENDPOINT_REFUSED,
		.info = ccm_alarm_type_info(CCM_ALARM_ENDPOINT_REFUSED),
		.resource = "10.53.52.205:7999",
		.severity = CCM_SEV_MAJOR,
		.time = T0 + 90000,
		.since = T0 + 1000,
		.raised_at = T0 + 6000,
		.ended = T0 + 60000,
		.text = "connects succeed again after 59 s",
	};
	struct ccm_snmp_notice *n;

	(void)state;
	assert_int_equal(ccm_snmp_queue_push(q, &d), 0);
	n = ccm_snmp_queue_next(q);
	assert_non_null(n);
	assert_int_equal(n->state, CCM_ALARM_CLEARED);
	assert_int_equal(n->alarm_id, 42);
	assert_int_equal(n->type, CCM_ALARM_ENDPOINT_REFUSED);
	assert_int_equal(n->resource_type, CCM_RES_SERVER);
	assert_string_equal(n->resource, "10.53.52.205:7999");
	assert_int_equal(n->severity, CCM_SEV_MAJOR);
	assert_string_equal(n->text, "connects succeed again after 59 s");
	assert_int_equal(n->time, T0 + 90000);
	assert_int_equal(n->since, T0 + 1000);
	assert_int_equal(n->reqid, 0);
	ccm_snmp_queue_free(q);
}

/* The resource type is the type info's, not guessed from the type. */
static void test_notice_resource_type_from_info(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);
	struct ccm_alarm_decision d = {
		.state = CCM_ALARM_RAISED,
		.id = 1,
		.type = CCM_ALARM_LOG_SILENT,
		.info = ccm_alarm_type_info(CCM_ALARM_LOG_SILENT),
		.resource = "/var/log/rtr-jsm-1_*.log",
		.severity = CCM_SEV_MINOR,
	};
	struct ccm_snmp_notice *n;

	(void)state;
	assert_int_equal(ccm_snmp_queue_push(q, &d), 0);
	/* without type info (and without strings): a component, "" */
	d.id = 2;
	d.info = NULL;
	d.resource = NULL;
	d.text = NULL;
	assert_int_equal(ccm_snmp_queue_push(q, &d), 0);

	n = send_next(q, 1, 1);
	assert_int_equal(n->resource_type, CCM_RES_LOG);
	assert_string_equal(n->text, "");
	n = send_next(q, 2, 2);
	assert_int_equal(n->resource_type, CCM_RES_COMPONENT);
	assert_string_equal(n->resource, "");
	assert_string_equal(n->text, "");
	ccm_snmp_queue_free(q);
}

/* The decision's strings live during the callback only: the queue copies
 * them. */
static void test_notice_strings_copied(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);
	char res[32], text[32];
	struct ccm_alarm_decision d = raised(7, res, text);
	struct ccm_snmp_notice *n;

	(void)state;
	assert_int_equal(ccm_snmp_queue_push(q, &d), 0);
	memset(res, 'X', sizeof(res) - 1);
	res[sizeof(res) - 1] = '\0';
	strcpy(text, "overwritten");
	n = ccm_snmp_queue_next(q);
	assert_non_null(n);
	assert_string_equal(n->resource, "op-7");
	assert_string_equal(n->text, "text 7");
	assert_ptr_not_equal(n->resource, res);
	assert_ptr_not_equal(n->text, text);
	ccm_snmp_queue_free(q);
}

/* Fed by real alarm decisions, as ccmond does: a RAISED then its CLEARED
 * with the same id, in order. */
static void push_decision(void *ctx, const struct ccm_alarm_decision *d)
{
	assert_int_equal(ccm_snmp_queue_push(ctx, d), 0);
}

static void test_fed_by_alarms(void **state)
{
	struct ccm_snmp_queue *q = ccm_snmp_queue_new(8);
	struct ccm_alarm_policy pol;
	struct ccm_alarms *as;
	struct ccm_snmp_notice *n;

	(void)state;
	ccm_alarm_policy_default(&pol);
	pol.raise_hold = 0;
	pol.clear_hold = 0;
	as = ccm_alarms_new(&pol, push_decision, q);
	assert_non_null(as);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_PROBE_FAILING, "cs1",
					true, T0 + 1000, "connection refused"),
			 0);
	ccm_alarms_advance(as, T0 + 2000);
	assert_int_equal(ccm_alarms_set(as, CCM_ALARM_PROBE_FAILING, "cs1",
					false, T0 + 5000, "probe ok"),
			 0);
	ccm_alarms_advance(as, T0 + 6000);
	ccm_alarms_free(as);
	expect_stats(q, 2, 0, 0, 0);

	n = send_next(q, 1, 1);
	assert_int_equal(n->state, CCM_ALARM_RAISED);
	assert_int_equal(n->type, CCM_ALARM_PROBE_FAILING);
	assert_int_equal(n->resource_type, CCM_RES_SERVER);
	assert_string_equal(n->resource, "cs1");
	assert_int_equal(n->severity, CCM_SEV_MAJOR);
	assert_int_equal(n->time, T0 + 1000);
	assert_int_equal(n->since, T0 + 1000);
	n = send_next(q, 1, 2);
	assert_int_equal(n->state, CCM_ALARM_CLEARED);
	assert_int_equal(n->time, T0 + 5000);
	assert_int_equal(n->since, T0 + 1000);
	assert_int_equal(n->severity, CCM_SEV_MAJOR);
	ccm_snmp_queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_answered_ok_counts_sent),
		cmocka_unit_test(test_answered_refused_counts_dropped),
		cmocka_unit_test(test_answered_unknown_reqid_changes_nothing),
		cmocka_unit_test(test_answers_out_of_order),
		cmocka_unit_test(test_bound_drops_oldest),
		cmocka_unit_test(test_bound_drops_oldest_in_flight),
		cmocka_unit_test(test_requeue_keeps_order),
		cmocka_unit_test(test_requeue_one),
		cmocka_unit_test(test_notice_fields),
		cmocka_unit_test(test_notice_resource_type_from_info),
		cmocka_unit_test(test_notice_strings_copied),
		cmocka_unit_test(test_fed_by_alarms),
		cmocka_unit_test(test_snapshot_restore_round_trip),
		cmocka_unit_test(test_changed_round_trip),
		cmocka_unit_test(test_restore_skips_bad_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
