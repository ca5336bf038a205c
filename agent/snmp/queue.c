/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/snmp/queue.h"
#include "agent/util/json_add.h"

/* A singly linked list, oldest first: appends at the tail, answers mostly
 * at the head. */
struct entry {
	struct ccm_snmp_notice n;
	struct entry *next;
};

struct ccm_snmp_queue {
	struct entry *head, *tail;
	size_t max, count, in_flight;
	uint64_t dropped, sent;
};

struct ccm_snmp_queue *ccm_snmp_queue_new(size_t max)
{
	struct ccm_snmp_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->max = max ? max : 1;
	return q;
}

static void free_entry(struct entry *e)
{
	free(e->n.resource);
	free(e->n.text);
	free(e);
}

/* Unlinks e, which follows prev (NULL: e is the head), and frees it. */
static void remove_entry(struct ccm_snmp_queue *q, struct entry *prev,
			 struct entry *e)
{
	if (prev)
		prev->next = e->next;
	else
		q->head = e->next;
	if (q->tail == e)
		q->tail = prev;
	q->count--;
	if (e->n.reqid)
		q->in_flight--;
	free_entry(e);
}

void ccm_snmp_queue_free(struct ccm_snmp_queue *q)
{
	struct entry *e, *next;

	if (!q)
		return;
	for (e = q->head; e; e = next) {
		next = e->next;
		free_entry(e);
	}
	free(q);
}

int ccm_snmp_queue_push(struct ccm_snmp_queue *q,
			const struct ccm_alarm_decision *d)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (e) {
		e->n.resource = strdup(d->resource ? d->resource : "");
		e->n.text = strdup(d->text ? d->text : "");
	}
	if (!e || !e->n.resource || !e->n.text) {
		if (e)
			free_entry(e);
		q->dropped++;
		return -1;
	}
	e->n.state = d->state;
	e->n.alarm_id = d->id;
	e->n.type = d->type;
	e->n.resource_type = d->info ? d->info->resource : CCM_RES_COMPONENT;
	e->n.severity = d->severity;
	e->n.time = d->time;
	e->n.since = d->since;
	if (q->count == q->max && q->head) {
		remove_entry(q, NULL, q->head);
		q->dropped++;
	}
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->count++;
	return 0;
}

struct ccm_snmp_notice *ccm_snmp_queue_next(struct ccm_snmp_queue *q)
{
	for (struct entry *e = q->head; e; e = e->next)
		if (!e->n.reqid)
			return &e->n;
	return NULL;
}

void ccm_snmp_queue_sending(struct ccm_snmp_queue *q,
			    struct ccm_snmp_notice *n, long reqid)
{
	if (!n->reqid && reqid)
		q->in_flight++;
	n->reqid = reqid;
}

/* The entry in flight under reqid and its predecessor, or NULL. */
static struct entry *find(struct ccm_snmp_queue *q, long reqid,
			  struct entry **prev)
{
	*prev = NULL;
	if (!reqid)
		return NULL;
	for (struct entry *e = q->head; e; *prev = e, e = e->next)
		if (e->n.reqid == reqid)
			return e;
	return NULL;
}

uint64_t ccm_snmp_queue_answered(struct ccm_snmp_queue *q, long reqid,
				 bool ok)
{
	struct entry *prev, *e = find(q, reqid, &prev);
	uint64_t id;

	if (!e)
		return 0;
	id = e->n.alarm_id;
	if (ok)
		q->sent++;
	else
		q->dropped++;
	remove_entry(q, prev, e);
	return id;
}

size_t ccm_snmp_queue_requeue(struct ccm_snmp_queue *q)
{
	size_t n = 0;

	for (struct entry *e = q->head; e; e = e->next) {
		if (e->n.reqid) {
			e->n.reqid = 0;
			n++;
		}
	}
	q->in_flight = 0;
	return n;
}

bool ccm_snmp_queue_requeue_one(struct ccm_snmp_queue *q, long reqid)
{
	struct entry *prev, *e = find(q, reqid, &prev);

	if (!e)
		return false;
	e->n.reqid = 0;
	q->in_flight--;
	return true;
}

void ccm_snmp_queue_stats(const struct ccm_snmp_queue *q,
			  struct ccm_snmp_queue_stats *out)
{
	out->queued = q->count;
	out->in_flight = q->in_flight;
	out->dropped = q->dropped;
	out->sent = q->sent;
}

/* ---- persistence --------------------------------------------------------- */

struct json_object *ccm_snmp_queue_snapshot(const struct ccm_snmp_queue *q)
{
	struct json_object *arr = json_object_new_array();
	char buf[CCM_TIME_STRLEN];

	if (!arr)
		return NULL;
	for (const struct entry *e = q->head; e; e = e->next) {
		const struct ccm_snmp_notice *n = &e->n;
		const struct ccm_alarm_type_info *info =
			ccm_alarm_type_info(n->type);
		struct json_object *o = json_object_new_object();

		if (!o || !info) {
			json_object_put(o);
			continue;
		}
		ccm_json_add(o, "state", json_object_new_string(
			ccm_alarm_state_name(n->state)));
		ccm_json_add(o, "id", json_object_new_uint64(n->alarm_id));
		ccm_json_add(o, "type", json_object_new_string(info->id));
		ccm_json_add(o, "resource_type", json_object_new_string(
			ccm_alarm_resource_name(n->resource_type)));
		ccm_json_add(o, "resource", json_object_new_string(n->resource));
		ccm_json_add(o, "severity", json_object_new_string(
			ccm_alarm_severity_name(n->severity)));
		ccm_json_add(o, "text", json_object_new_string(n->text));
		ccm_json_add(o, "time", json_object_new_string(
			ccm_time_format(n->time, buf)));
		ccm_json_add(o, "since", json_object_new_string(
			ccm_time_format(n->since, buf)));
		json_object_array_add(arr, o);
	}
	return arr;
}

static const char *get_str(const struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool restore_one(const struct json_object *o,
			struct ccm_alarm_decision *d)
{
	static const enum ccm_alarm_resource resources[] = {
		CCM_RES_COMPONENT, CCM_RES_SERVER, CCM_RES_LOG, CCM_RES_SCOPE,
	};
	const char *state = get_str(o, "state"), *type = get_str(o, "type");
	const char *restype = get_str(o, "resource_type");
	const char *sev = get_str(o, "severity"), *t = get_str(o, "time");
	const char *since = get_str(o, "since");
	struct json_object *id;
	bool res_ok = false;

	memset(d, 0, sizeof(*d));
	if (!state || !type || !restype || !sev || !t || !since ||
	    !json_object_object_get_ex(o, "id", &id) ||
	    !json_object_is_type(id, json_type_int))
		return false;
	if (!strcmp(state, ccm_alarm_state_name(CCM_ALARM_RAISED)))
		d->state = CCM_ALARM_RAISED;
	else if (!strcmp(state, ccm_alarm_state_name(CCM_ALARM_CLEARED)))
		d->state = CCM_ALARM_CLEARED;
	else if (!strcmp(state, ccm_alarm_state_name(CCM_ALARM_CHANGED)))
		d->state = CCM_ALARM_CHANGED;
	else
		return false;
	if (ccm_alarm_type_from_id(type, &d->type) ||
	    ccm_alarm_severity_from_name(sev, &d->severity) ||
	    ccm_time_parse(t, &d->time) || ccm_time_parse(since, &d->since))
		return false;
	d->info = ccm_alarm_type_info(d->type);
	for (size_t i = 0; i < sizeof(resources) / sizeof(*resources); i++)
		res_ok |= !strcmp(restype, ccm_alarm_resource_name(
						   resources[i]));
	d->id = json_object_get_uint64(id);
	d->resource = get_str(o, "resource");
	d->text = get_str(o, "text");
	return res_ok && d->info && d->id && d->resource;
}

size_t ccm_snmp_queue_restore(struct ccm_snmp_queue *q,
			      const struct json_object *snapshot)
{
	size_t n = 0;

	if (!snapshot || !json_object_is_type(snapshot, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(snapshot); i++) {
		struct ccm_alarm_decision d;

		if (restore_one(json_object_array_get_idx(snapshot, i), &d) &&
		    !ccm_snmp_queue_push(q, &d))
			n++;
	}
	return n;
}
