/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "agent/core/cleared_alarms.h"
#include "agent/util/grow.h"

void ccm_cleared_alarms_init(struct ccm_cleared_alarms *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max;
}

static void release_one(struct ccm_cleared_alarm *a)
{
	free(a->resource);
	free(a->text);
}

void ccm_cleared_alarms_release(struct ccm_cleared_alarms *c)
{
	for (size_t i = 0; i < c->n; i++)
		release_one(&c->v[i]);
	free(c->v);
	ccm_cleared_alarms_init(c, c->max);
}

const struct ccm_cleared_alarm *
ccm_cleared_alarms_get(const struct ccm_cleared_alarms *c, size_t i)
{
	return i < c->n ? &c->v[(c->oldest + i) % c->n] : NULL;
}

int ccm_cleared_alarms_add(struct ccm_cleared_alarms *c,
			   const struct ccm_alarm_decision *d)
{
	struct ccm_cleared_alarm a = {
		.id = d->id,
		.type = d->type,
		.severity = d->severity,
		.since = d->since,
		.raised_at = d->raised_at,
		.cleared_at = d->time,
	};

	if (d->state != CCM_ALARM_CLEARED || !c->max)
		return 0;
	a.resource = strdup(d->resource ? d->resource : "");
	a.text = strdup(d->text ? d->text : "");
	if (!a.resource || !a.text)
		goto oom;
	if (c->n < c->max) {
		if (CCM_GROW(c->v, c->cap, c->n, 16))
			goto oom;
		/* below max nothing was dropped: oldest is 0 */
		c->v[c->n++] = a;
		return 0;
	}
	release_one(&c->v[c->oldest]);
	c->v[c->oldest] = a;
	c->oldest = (c->oldest + 1) % c->n;
	return 0;
oom:
	release_one(&a);
	return -1;
}

int ccm_cleared_alarms_set_max(struct ccm_cleared_alarms *c, size_t max)
{
	size_t keep = c->n < max ? c->n : max;
	size_t drop = c->n - keep;
	struct ccm_cleared_alarm *v = NULL;

	if (keep) {
		v = calloc(keep, sizeof(*v));
		if (!v)
			return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct ccm_cleared_alarm *a = &c->v[(c->oldest + i) % c->n];

		if (i < drop)
			release_one(a);
		else
			v[i - drop] = *a;
	}
	free(c->v);
	c->v = v;
	c->n = c->cap = keep;
	c->oldest = 0;
	c->max = max;
	return 0;
}
