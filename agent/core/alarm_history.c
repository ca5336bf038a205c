/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "agent/core/alarm_history.h"
#include "agent/util/grow.h"

void ccm_alarm_history_init(struct ccm_alarm_history *h)
{
	memset(h, 0, sizeof(*h));
}

static void record_free(struct ccm_alarm_record *r)
{
	for (size_t i = 0; i < r->nchanges; i++)
		free(r->changes[i].text);
	free(r->changes);
	free(r->resource);
	free(r->text);
}

void ccm_alarm_history_release(struct ccm_alarm_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		record_free(&h->v[i]);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static int oom(struct ccm_alarm_history *h)
{
	h->oom = true;
	return -1;
}

static struct ccm_alarm_record *append(struct ccm_alarm_history *h,
				       const struct ccm_alarm_decision *d)
{
	struct ccm_alarm_record *r;

	if (CCM_GROW(h->v, h->cap, h->n, 16))
		return NULL;
	r = &h->v[h->n];
	memset(r, 0, sizeof(*r));
	r->id = d->id;
	r->type = d->type;
	r->severity = d->severity;
	r->start = d->time;
	r->resource = strdup(d->resource ? d->resource : "");
	r->text = strdup(d->text ? d->text : "");
	if (!r->resource || !r->text) {
		record_free(r);
		return NULL;
	}
	h->n++;
	return r;
}

/* The record a message about id belongs to: the last one raised with it
 * (ids grow with every RAISED, so it is near the end). */
static struct ccm_alarm_record *by_id(struct ccm_alarm_history *h,
				      uint64_t id)
{
	for (size_t i = h->n; i-- > 0;)
		if (!h->v[i].suppressed && h->v[i].id == id)
			return &h->v[i];
	return NULL;
}

static int add_change(struct ccm_alarm_history *h, struct ccm_alarm_record *r,
		      const struct ccm_alarm_decision *d)
{
	struct ccm_alarm_change *c = realloc(r->changes, (r->nchanges + 1) *
							 sizeof(*c));

	if (!c)
		return oom(h);
	r->changes = c;
	c = &r->changes[r->nchanges];
	c->time = d->time;
	c->severity = d->severity;
	c->text = strdup(d->text ? d->text : "");
	if (!c->text)
		return oom(h);
	r->nchanges++;
	return 0;
}

int ccm_alarm_history_add(struct ccm_alarm_history *h,
			  const struct ccm_alarm_decision *d)
{
	struct ccm_alarm_record *r;

	if (d->state == CCM_ALARM_RAISED)
		return append(h, d) ? 0 : oom(h);
	r = by_id(h, d->id);
	if (!r)
		return 0;
	if (d->state == CCM_ALARM_CLEARED) {
		r->ended = true;
		r->end = d->time;
		return 0;
	}
	/* neither raised nor cleared: it changed while raised */
	return add_change(h, r, d);
}

int ccm_alarm_history_withheld(struct ccm_alarm_history *h,
			       const struct ccm_alarm_decision *d, ccm_ms end)
{
	struct ccm_alarm_record *r = append(h, d);

	if (!r)
		return oom(h);
	r->id = 0;
	r->suppressed = true;
	r->ended = true;
	r->end = end;
	/* told when its clear caught up: put back among the raises of its
	 * time, for a list in order of start */
	for (size_t i = h->n - 1; i > 0 && h->v[i - 1].start > h->v[i].start;
	     i--) {
		struct ccm_alarm_record tmp = h->v[i - 1];

		h->v[i - 1] = h->v[i];
		h->v[i] = tmp;
	}
	return 0;
}
