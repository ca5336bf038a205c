#include <stdlib.h>
#include <string.h>

#include "agent/snmp_queue.h"

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
