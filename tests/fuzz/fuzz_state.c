/* SPDX-License-Identifier: ISC */
/* Fuzz target: the state file ccmond reads at start (state.json).
 *
 * The input is the file's text, parsed with ccm_state_parse
 * (agent/io/state.c), what ccm_state_load does once it has read a file (it
 * opens no symbolic link, and "/proc/self/fd/N" is one).  When it loads,
 * its "alarms" snapshot goes to ccm_alarms_restore
 * (agent/core/alarm_persist.c) and its "notifications" to
 * ccm_snmp_queue_restore (agent/snmp/queue.c), as ccmond does; both are
 * then snapshot, serialised, restored again and
 * driven a little (the restored alarms expire and clear, a notification is
 * sent and answered).
 *
 * Oracles: the loader answers 1 or -1 (the file exists), with a reason and
 * a zeroed result on -1, and only complete file positions on 1; a failed
 * alarm restore leaves no alarm; the restored alarms are all raised; a
 * snapshot restores to the same snapshot (alarms and queue); the queue
 * keeps its bound and counts what it dropped; every restored alarm, once
 * its condition is reported gone, clears exactly once under its own id and
 * nothing is raised; nothing is left active after that; a new alarm then
 * takes the id after the snapshot's last_id.  The queue's oldest entry
 * goes out and is answered, the next is refused: the counters follow. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/core/alarm.h"
#include "agent/core/alarm_persist.h"
#include "agent/snmp/queue.h"
#include "agent/io/state.h"
#include "tests/fuzz/fuzz_common.h"

#define QUEUE_MAX 16
#define MAX_ALARMS 4096 /* restored alarms whose clears are tracked */

/* The decisions of the alarms under test. */
struct seen {
	size_t raised, cleared, bad;
	uint64_t raised_id, cleared_id; /* of the last such decision */
	size_t nids;
	uint64_t ids[MAX_ALARMS];   /* restored ids, in the snapshot's order */
	unsigned char hits[MAX_ALARMS]; /* CLEARED decisions per entry */
};
static struct seen seen;

static void on_decision(void *ctx, const struct ccm_alarm_decision *d)
{
	struct seen *s = ctx;
	char *msg;
	bool found = false;

	FUZZ_CHECK(d->info && d->resource && d->text, "incomplete decision");
	FUZZ_CHECK(d->info == ccm_alarm_type_info(d->type), "decision info");
	FUZZ_CHECK(strcmp(ccm_alarm_severity_name(d->severity), "invalid"),
		   "decision severity %d", (int)d->severity);
	if (d->state == CCM_ALARM_RAISED) {
		s->raised++;
		s->raised_id = d->id;
	} else {
		s->cleared++;
		s->cleared_id = d->id;
		for (size_t i = 0; i < s->nids; i++) {
			if (s->ids[i] == d->id && !s->hits[i]) {
				s->hits[i]++;
				found = true;
				break;
			}
		}
		s->bad += !found;
	}
	msg = ccm_alarm_message(d, true);
	FUZZ_CHECK(msg != NULL, "no message");
	free(msg);
}

static bool is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static char *to_string(struct json_object *o)
{
	const char *s = json_object_to_json_string(o);
	char *d;

	FUZZ_CHECK(s != NULL, "serialise");
	d = strdup(s);
	FUZZ_CHECK(d != NULL, "out of memory");
	return d;
}

/* The alarms part: restore, snapshot, restore the snapshot, expire. */
static void alarms(struct json_object *snap)
{
	struct ccm_alarms *as, *again;
	struct json_object *s1, *s2;
	struct ccm_alarm_view v;
	char *t1, *t2;
	uint64_t after = 0, last_id;
	size_t n = 0;
	ccm_ms due;
	int rc, rc2;
	/* 2026-11-25T13:05:07.890, like the seeds */
	const ccm_ms now = INT64_C(1795611907890);

	memset(&seen, 0, sizeof(seen));
	as = ccm_alarms_new(NULL, on_decision, &seen);
	FUZZ_CHECK(as != NULL, "out of memory");
	errno = 0;
	rc = ccm_alarms_restore(as, snap);
	FUZZ_CHECK(rc >= -1, "restore returned %d", rc);
	FUZZ_CHECK(rc >= 0 || errno == EINVAL, "restore failed, errno %d",
		   errno);
	FUZZ_CHECK((size_t)(rc < 0 ? 0 : rc) == ccm_alarms_count_active(as),
		   "restored %d, %zu active", rc, ccm_alarms_count_active(as));
	FUZZ_CHECK(seen.raised + seen.cleared == 0, "decision on restore");

	while (ccm_alarms_next_active(as, after, &v)) {
		FUZZ_CHECK(v.id > after, "ids not ascending");
		FUZZ_CHECK(v.resource && *v.resource && v.text,
			   "alarm view incomplete");
		FUZZ_CHECK(ccm_alarm_type_info(v.type), "alarm type %d",
			   (int)v.type);
		FUZZ_CHECK(v.condition, "restored alarm without its condition");
		after = v.id;
		n++;
	}
	FUZZ_CHECK(n <= ccm_alarms_count_active(as), "walk");

	/* the snapshot restores to itself */
	s1 = ccm_alarms_snapshot(as);
	FUZZ_CHECK(s1 != NULL, "snapshot");
	t1 = to_string(s1);
	again = ccm_alarms_new(NULL, NULL, NULL);
	FUZZ_CHECK(again != NULL, "out of memory");
	rc2 = ccm_alarms_restore(again, s1);
	FUZZ_CHECK(rc2 == (rc < 0 ? 0 : rc),
		   "snapshot of %d alarms restores %d", rc, rc2);
	s2 = ccm_alarms_snapshot(again);
	FUZZ_CHECK(s2 != NULL, "snapshot");
	t2 = to_string(s2);
	if (strcmp(t1, t2))
		fprintf(stderr, "--- first:\n%s\n--- second:\n%s\n", t1, t2);
	FUZZ_CHECK(!strcmp(t1, t2), "a restored snapshot differs");
	json_object_put(s2);
	free(t2);
	free(t1);
	ccm_alarms_free(again);

	/* the ids whose clears are expected, from the snapshot */
	{
		struct json_object *o;

		FUZZ_CHECK(json_object_object_get_ex(s1, "last_id", &o),
			   "snapshot without last_id");
		last_id = (uint64_t)json_object_get_int64(o);
		FUZZ_CHECK(last_id < UINT64_MAX, "last_id %llu",
			   (unsigned long long)last_id);
	}
	if (rc > 0) {
		struct json_object *arr, *o, *id;

		FUZZ_CHECK(json_object_object_get_ex(s1, "alarms", &arr),
			   "snapshot without alarms");
		FUZZ_CHECK(json_object_array_length(arr) == (size_t)rc,
			   "snapshot of %d alarms has %zu", rc,
			   json_object_array_length(arr));
		for (size_t i = 0; i < (size_t)rc && i < MAX_ALARMS; i++) {
			o = json_object_array_get_idx(arr, i);
			FUZZ_CHECK(json_object_object_get_ex(o, "id", &id),
				   "snapshot entry without an id");
			seen.ids[seen.nids++] = (uint64_t)json_object_get_int64(id);
		}
	}
	json_object_put(s1);

	/* nobody reports the conditions: each clears once after its hold
	 * (a minute at most), long before a year is over */
	ccm_alarms_expire_restored(as, now);
	ccm_alarms_advance(as, now + 366 * CCM_MS_PER_DAY);
	FUZZ_CHECK(!seen.raised, "%zu raised", seen.raised);
	FUZZ_CHECK(rc > MAX_ALARMS || !seen.bad,
		   "%zu clears of unknown or already cleared ids", seen.bad);
	FUZZ_CHECK(seen.cleared == (size_t)(rc < 0 ? 0 : rc),
		   "%d restored, %zu cleared", rc, seen.cleared);
	FUZZ_CHECK(ccm_alarms_count_active(as) == 0, "still active");
	FUZZ_CHECK(!ccm_alarms_next_due(as, &due), "still due");

	/* a new alarm takes the next id after the restored ones, and
	 * clears under it */
	memset(&seen, 0, sizeof(seen));
	FUZZ_CHECK(!ccm_alarms_set(as, CCM_ALARM_PROBE_FAILING, "cs1", true,
				   now + 367 * CCM_MS_PER_DAY, "refused"),
		   "set");
	ccm_alarms_advance(as, now + 368 * CCM_MS_PER_DAY);
	FUZZ_CHECK(seen.raised == 1 && !seen.cleared &&
		   seen.raised_id == last_id + 1,
		   "new alarm: %zu raised, id %llu after last_id %llu",
		   seen.raised, (unsigned long long)seen.raised_id,
		   (unsigned long long)last_id);
	FUZZ_CHECK(!ccm_alarms_set(as, CCM_ALARM_PROBE_FAILING, "cs1", false,
				   now + 369 * CCM_MS_PER_DAY, "answers"),
		   "set");
	ccm_alarms_advance(as, now + 370 * CCM_MS_PER_DAY);
	FUZZ_CHECK(seen.raised == 1 && seen.cleared == 1 &&
		   seen.cleared_id == seen.raised_id, "new alarm not cleared");
	FUZZ_CHECK(ccm_alarms_count_active(as) == 0, "still active");
	ccm_alarms_free(as);
}

/* The notifications part: restore, snapshot, restore the snapshot, send. */
static void notifications(struct json_object *snap)
{
	struct ccm_snmp_queue *q, *again;
	struct ccm_snmp_queue_stats st;
	struct ccm_snmp_notice *n;
	struct json_object *s1, *s2;
	char *t1, *t2;
	size_t got, got2, len = 0;

	if (snap && json_object_is_type(snap, json_type_array))
		len = json_object_array_length(snap);
	q = ccm_snmp_queue_new(QUEUE_MAX);
	FUZZ_CHECK(q != NULL, "out of memory");
	got = ccm_snmp_queue_restore(q, snap);
	FUZZ_CHECK(got <= len, "restored %zu of %zu", got, len);
	ccm_snmp_queue_stats(q, &st);
	FUZZ_CHECK(st.queued == (got < QUEUE_MAX ? got : QUEUE_MAX) &&
		   st.dropped == got - st.queued && !st.in_flight && !st.sent,
		   "stats after %zu restored: queued %llu dropped %llu", got,
		   (unsigned long long)st.queued,
		   (unsigned long long)st.dropped);

	s1 = ccm_snmp_queue_snapshot(q);
	FUZZ_CHECK(s1 != NULL, "snapshot");
	FUZZ_CHECK(json_object_array_length(s1) == st.queued,
		   "snapshot of %llu has %zu", (unsigned long long)st.queued,
		   json_object_array_length(s1));
	t1 = to_string(s1);
	again = ccm_snmp_queue_new(QUEUE_MAX);
	FUZZ_CHECK(again != NULL, "out of memory");
	got2 = ccm_snmp_queue_restore(again, s1);
	FUZZ_CHECK(got2 == st.queued, "snapshot of %llu restores %zu",
		   (unsigned long long)st.queued, got2);
	s2 = ccm_snmp_queue_snapshot(again);
	FUZZ_CHECK(s2 != NULL, "snapshot");
	t2 = to_string(s2);
	if (strcmp(t1, t2))
		fprintf(stderr, "--- first:\n%s\n--- second:\n%s\n", t1, t2);
	FUZZ_CHECK(!strcmp(t1, t2), "a restored queue snapshot differs");
	json_object_put(s2);
	json_object_put(s1);
	free(t2);
	free(t1);
	ccm_snmp_queue_free(again);

	/* the oldest goes out and is answered; the next is refused */
	n = ccm_snmp_queue_next(q);
	FUZZ_CHECK((n != NULL) == (st.queued > 0), "next");
	if (n) {
		uint64_t id = n->alarm_id;

		FUZZ_CHECK(n->resource && n->text && id, "notice incomplete");
		ccm_snmp_queue_sending(q, n, 7);
		FUZZ_CHECK(ccm_snmp_queue_requeue(q) == 1, "requeue");
		n = ccm_snmp_queue_next(q);
		ccm_snmp_queue_sending(q, n, 7);
		FUZZ_CHECK(ccm_snmp_queue_answered(q, 7, true) == id,
			   "answered");
		n = ccm_snmp_queue_next(q);
		if (n) {
			id = n->alarm_id;
			ccm_snmp_queue_sending(q, n, 8);
			FUZZ_CHECK(ccm_snmp_queue_answered(q, 8, false) == id,
				   "refused");
		}
		ccm_snmp_queue_stats(q, &st);
		/* got2 were queued, got - got2 dropped by the bound */
		FUZZ_CHECK(st.sent == 1 && !st.in_flight &&
			   st.queued == (got2 >= 2 ? got2 - 2 : 0) &&
			   st.dropped == got - got2 + (got2 >= 2),
			   "stats after sending: queued %llu dropped %llu",
			   (unsigned long long)st.queued,
			   (unsigned long long)st.dropped);
	}
	ccm_snmp_queue_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccm_saved st;
	char err[512];
	int rc;

	err[0] = '\0';
	rc = ccm_state_parse((const char *)data, size, "fuzz", &st, err,
			     sizeof(err));
	FUZZ_CHECK(rc == 1 || rc == -1, "load returned %d", rc);
	if (rc < 0) {
		FUZZ_CHECK(err[0], "no reason");
		FUZZ_CHECK(is_zero(&st, sizeof(st)),
			   "a failed load left something to release");
		ccm_state_release(&st);
		return 0;
	}
	for (size_t i = 0; i < st.nfiles; i++) {
		FUZZ_CHECK(st.files[i].path != NULL, "file %zu without a path",
			   i);
		FUZZ_CHECK(st.files[i].fp_len <= CCM_FP_MAX, "fp_len %u",
			   st.files[i].fp_len);
	}
	alarms(st.alarms);
	notifications(st.notifications);
	ccm_state_release(&st);
	return 0;
}
