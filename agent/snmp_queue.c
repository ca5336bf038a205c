#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "agent/snmp_queue.h"

struct entry {
	struct ccm_snmp_notice n;
	TAILQ_ENTRY(entry) link;
};

TAILQ_HEAD(entries, entry);

struct ccm_snmp_queue {
	struct entries entries; /* oldest first */
	size_t max, count, in_flight;
	uint64_t dropped, sent;
};

struct ccm_snmp_queue *ccm_snmp_queue_new(size_t max)
{
	struct ccm_snmp_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	TAILQ_INIT(&q->entries);
	q->max = max ? max : 1;
	return q;
}

static void remove_entry(struct ccm_snmp_queue *q, struct entry *e)
{
	TAILQ_REMOVE(&q->entries, e, link);
	q->count--;
	if (e->n.reqid)
		q->in_flight--;
	free(e->n.resource);
	free(e->n.text);
	free(e);
}

void ccm_snmp_queue_free(struct ccm_snmp_queue *q)
{
	if (!q)
		return;
	while (!TAILQ_EMPTY(&q->entries))
		remove_entry(q, TAILQ_FIRST(&q->entries));
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
		if (e) {
			free(e->n.resource);
			free(e->n.text);
		}
		free(e);
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
	if (q->count == q->max) {
		remove_entry(q, TAILQ_FIRST(&q->entries));
		q->dropped++;
	}
	TAILQ_INSERT_TAIL(&q->entries, e, link);
	q->count++;
	return 0;
}

struct ccm_snmp_notice *ccm_snmp_queue_next(struct ccm_snmp_queue *q)
{
	struct entry *e;

	TAILQ_FOREACH(e, &q->entries, link)
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

static struct entry *find(struct ccm_snmp_queue *q, long reqid)
{
	struct entry *e;

	if (!reqid)
		return NULL;
	TAILQ_FOREACH(e, &q->entries, link)
		if (e->n.reqid == reqid)
			return e;
	return NULL;
}

uint64_t ccm_snmp_queue_answered(struct ccm_snmp_queue *q, long reqid,
				 bool ok)
{
	struct entry *e = find(q, reqid);
	uint64_t id;

	if (!e)
		return 0;
	id = e->n.alarm_id;
	if (ok)
		q->sent++;
	else
		q->dropped++;
	remove_entry(q, e);
	return id;
}

size_t ccm_snmp_queue_requeue(struct ccm_snmp_queue *q)
{
	struct entry *e;
	size_t n = 0;

	TAILQ_FOREACH(e, &q->entries, link) {
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
	struct entry *e = find(q, reqid);

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
