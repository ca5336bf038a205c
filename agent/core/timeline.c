/* SPDX-License-Identifier: ISC */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/timeline.h"
#include "agent/util/grow.h"

void ccm_timeline_init(struct ccm_timeline *tl, bool have_since, ccm_ms since)
{
	memset(tl, 0, sizeof(*tl));
	tl->have_since = have_since;
	tl->since = since;
}

void ccm_timeline_release(struct ccm_timeline *tl)
{
	free(tl->entries);
	free(tl->incidents);
	free(tl->connects);
	memset(tl, 0, sizeof(*tl));
}

static void *push(void *arrp, size_t *n, size_t *cap, size_t size)
{
	char **arr = arrp;
	char *na = ccm_grow_array(*arr, cap, *n, size, 64);

	if (!na)
		return NULL;
	*arr = na;
	return na + (*n)++ * size;
}

static void track_incident(struct ccm_timeline *tl, const struct ccm_change *ch)
{
	const struct ccm_incident *inc = ch->incident;
	struct ccm_tl_incident *t;

	if (ch->kind == CCM_CHANGE_INCIDENT_OPEN) {
		t = push(&tl->incidents, &tl->nincidents, &tl->capincidents,
			 sizeof(*t));
		if (!t) {
			tl->oom = true;
			return;
		}
		t->component = ch->component->name;
	} else if (ch->kind == CCM_CHANGE_RESTART) {
		t = push(&tl->incidents, &tl->nincidents, &tl->capincidents,
			 sizeof(*t));
		if (!t) {
			tl->oom = true;
			return;
		}
		t->component = ch->node;
	} else {
		/* Later changes concern an incident already recorded: ids are
		 * handed out in order, so the newest with that id is it. */
		size_t i = tl->nincidents;
		while (i > 0 && tl->incidents[i - 1].inc.id != inc->id)
			i--;
		if (i == 0)
			return;
		t = &tl->incidents[i - 1];
	}
	t->inc = *inc;
}

void ccm_timeline_record(void *ctx, const struct ccm_change *ch)
{
	struct ccm_timeline *tl = ctx;
	struct ccm_tl_entry *e;

	if (ch->incident && ch->kind != CCM_CHANGE_TRANSITION &&
	    ch->kind != CCM_CHANGE_ENDPOINT_BOUND)
		track_incident(tl, ch);
	if (tl->have_since && ch->time < tl->since)
		return;
	/* an endpoint from the configuration is no event of the log */
	if ((ch->kind == CCM_CHANGE_ENDPOINT_BOUND && !ch->pos.file) ||
	    (tl->skip_kinds & (1u << ch->kind)))
		return;
	e = push(&tl->entries, &tl->nentries, &tl->capentries, sizeof(*e));
	if (!e) {
		tl->oom = true;
		return;
	}
	*e = (struct ccm_tl_entry){
		.kind = ch->kind,
		.time = ch->time,
		.component = ch->kind == CCM_CHANGE_RESTART ? ch->node :
			     ch->component->name,
		.from = ch->from,
		.to = ch->to,
		.pos = ch->pos,
		.incident = ch->incident ? ch->incident->id : 0,
		.cause = ch->incident ? ch->incident->cause : CCM_CAUSE_LOST,
		.endpoint = ch->endpoint,
	};
	if (ch->kind == CCM_CHANGE_RESTART)
		e->since = ch->incident ? ch->incident->start : 0;
	else
		e->wait = ch->wait;
}

void ccm_timeline_connect(struct ccm_timeline *tl,
			  const struct ccm_tl_connect *c)
{
	struct ccm_tl_connect *e;

	if (tl->skip_connects || (tl->have_since && c->time < tl->since))
		return;
	e = push(&tl->connects, &tl->nconnects, &tl->capconnects,
		 sizeof(*e));
	if (!e) {
		tl->oom = true;
		return;
	}
	*e = *c;
}

void ccm_timeline_message(struct ccm_timeline *tl,
			  const struct ccm_engine *engine,
			  const struct ccm_logmsg *msg,
			  const struct ccm_srcpos *pos)
{
	struct ccm_tl_connect c = {
		.time = ccm_engine_now(engine),
		.failed = msg->kind != CCM_MSG_CONNECTING,
		.refused = msg->kind == CCM_MSG_CONNECT_FAILED &&
			   msg->err == CCM_ROUTER_ECONNREFUSED,
	};
	const struct ccm_component *comp;
	char *name;

	if (pos)
		c.pos = *pos;
	switch (msg->kind) {
	case CCM_MSG_CONNECTING:
	case CCM_MSG_CONNECT_FAILED:
		c.endpoint = ccm_engine_endpoint(engine, msg->host.p,
						 msg->host.n, msg->port);
		if (!c.endpoint)
			return;
		break;
	case CCM_MSG_COMPONENT_FAILED:
		/* rare lines: a copy to look the span up by is cheap */
		name = strndup(msg->component.p, msg->component.n);
		if (!name) {
			tl->oom = true;
			return;
		}
		comp = ccm_engine_component(engine, name);
		free(name);
		if (!comp)
			return;
		c.component = comp->name;
		break;
	default:
		return;
	}
	ccm_timeline_connect(tl, &c);
}

bool ccm_timeline_listed(const struct ccm_timeline *tl,
			 const struct ccm_tl_incident *t)
{
	return !tl->have_since || t->inc.open || t->inc.end >= tl->since;
}

int ccm_timeline_latency_of(const struct ccm_timeline *tl, const uint32_t *ix,
			    size_t n, struct ccm_qlat_stats *out)
{
	ccm_ms *v = malloc((n ? n : 1) * sizeof(*v));

	memset(out, 0, sizeof(*out));
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct ccm_tl_entry *e = &tl->entries[ix[i]];

		v[i] = e->wait;
		out->total++;
		out->have_last = true;
		out->last_time = e->time;
		out->last_wait = e->wait;
		if (e->wait > out->total_max)
			out->total_max = e->wait;
	}
	ccm_qlat_summarise(v, n, out);
	free(v);
	return 0;
}
