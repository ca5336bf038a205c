/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/core/impact_track.h"
#include "agent/util/grow.h"

static const char *const phase_names[] = {
	[CCM_PHASE_QUEUEING] = "queueing",
	[CCM_PHASE_BOUNCE] = "immediate-bounce",
	[CCM_PHASE_SOME_USERS] = "some-users",
	[CCM_PHASE_DELAYED] = "logins-delayed",
	[CCM_PHASE_UNLOGGED] = "unlogged",
};

const char *ccm_phase_name(enum ccm_phase p)
{
	return (unsigned)p < sizeof(phase_names) / sizeof(*phase_names) ?
		       phase_names[p] : "?";
}

void ccm_impact_track_init(struct ccm_impact_track *t)
{
	memset(t, 0, sizeof(*t));
}

void ccm_impact_track_release(struct ccm_impact_track *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].scope);
		free(t->v[i].phases);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static const enum ccm_alarm_type kinds[] = {
	CCM_ALARM_MESSAGING_BLOCKED, CCM_ALARM_GROUP_CHAT_BLOCKED,
	CCM_ALARM_MESSAGING_DEGRADED, CCM_ALARM_LOGGING_LOST,
};

/* Whether kind holds in im, in which phase, and since when that phase
 * holds by the model (*from: 0 for "now"). */
static bool holds(const struct ccm_impact *im, enum ccm_alarm_type kind,
		  enum ccm_phase *phase, ccm_ms *from)
{
	const struct ccm_class_impact *msg = &im->classes[CCM_CLASS_MESSAGE];
	const struct ccm_class_impact *gc = &im->classes[CCM_CLASS_GROUPCHAT];
	struct ccm_impact_alarms on;

	ccm_impact_alarms(im, &on);
	*from = 0;
	switch (kind) {
	case CCM_ALARM_MESSAGING_BLOCKED:
		*phase = msg->queueing ? CCM_PHASE_QUEUEING : CCM_PHASE_BOUNCE;
		*from = msg->phase_since;
		return on.messaging_blocked;
	case CCM_ALARM_GROUP_CHAT_BLOCKED:
		*phase = gc->queueing ? CCM_PHASE_QUEUEING : CCM_PHASE_BOUNCE;
		*from = gc->phase_since;
		return on.group_chat_blocked;
	case CCM_ALARM_MESSAGING_DEGRADED:
		*phase = msg->reach == CCM_REACH_SOME ||
				 gc->reach == CCM_REACH_SOME ?
			 CCM_PHASE_SOME_USERS : CCM_PHASE_DELAYED;
		/* by the model, the share waited from the loss on: the
		 * first seconds, before the loss was judged, included */
		*from = msg->reach == CCM_REACH_SOME ? msg->since :
			gc->reach == CCM_REACH_SOME  ? gc->since :
						       0;
		return on.messaging_degraded;
	case CCM_ALARM_LOGGING_LOST:
		*phase = CCM_PHASE_UNLOGGED;
		return on.logging_lost;
	default:
		return false;
	}
}

static struct ccm_impact_interval *open_interval(struct ccm_impact_track *t,
						 enum ccm_alarm_type kind,
						 const char *scope)
{
	for (size_t i = t->n; i-- > 0;)
		if (t->v[i].open && t->v[i].kind == kind &&
		    !strcasecmp(t->v[i].scope, scope))
			return &t->v[i];
	return NULL;
}

/* Adds the names of list (", "-separated) not yet in into. */
static void merge_names(char *into, const char *list)
{
	const char *p = list;

	while (*p) {
		const char *end = strstr(p, ", ");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		size_t len = strlen(into);
		bool have = false;

		for (const char *q = into; (q = strstr(q, p)) != NULL; q++)
			if (!strncmp(q, p, n) && (q == into || q[-1] == ' ') &&
			    (q[n] == ',' || q[n] == '\0')) {
				have = true;
				break;
			}
		if (!have && len + n + 3 < CCM_IMPACT_NAMES_MAX)
			snprintf(into + len, CCM_IMPACT_NAMES_MAX - len, "%s%.*s",
				 len ? ", " : "", (int)n, p);
		p += n;
		if (*p)
			p += 2;
	}
}

static void sum_effects(struct ccm_impact_interval *iv)
{
	iv->effects = 0;
	for (size_t k = 0; k < iv->nphases; k++)
		iv->effects |= iv->phases[k].effects;
}

/* The interval is in phase since from (within it, not after now): the
 * phases judged from then on were judged on less evidence, and go. */
static void add_phase(struct ccm_impact_track *t,
		      struct ccm_impact_interval *iv, ccm_ms now, ccm_ms from,
		      enum ccm_phase phase, unsigned effects)
{
	struct ccm_phase_change *v, *last;

	if (!from || from > now)
		from = now;
	if (from < iv->start)
		from = iv->start;
	while (iv->nphases && iv->phases[iv->nphases - 1].time >= from) {
		last = &iv->phases[iv->nphases - 1];
		if (last->phase == phase)
			effects |= last->effects;
		iv->nphases--;
	}
	last = iv->nphases ? &iv->phases[iv->nphases - 1] : NULL;
	if (last && last->phase == phase) {
		last->effects |= effects;
		sum_effects(iv);
		return;
	}
	v = realloc(iv->phases, (iv->nphases + 1) * sizeof(*v));
	if (!v) {
		t->oom = true;
		return;
	}
	iv->phases = v;
	v[iv->nphases++] = (struct ccm_phase_change){ from, phase, effects };
	sum_effects(iv);
}

static struct ccm_impact_interval *new_interval(struct ccm_impact_track *t,
						enum ccm_alarm_type kind,
						const char *scope, ccm_ms now)
{
	struct ccm_impact_interval *iv;

	if (CCM_GROW(t->v, t->cap, t->n, 16)) {
		t->oom = true;
		return NULL;
	}
	iv = &t->v[t->n];
	memset(iv, 0, sizeof(*iv));
	iv->scope = strdup(scope);
	if (!iv->scope) {
		t->oom = true;
		return NULL;
	}
	iv->kind = kind;
	iv->start = now;
	iv->open = true;
	t->n++;
	return iv;
}

/* When a new interval of kind in scope begins: when the model says it
 * began (a share of users waited from the loss on, though the loss was
 * judged a few seconds later), yet never before the end of the previous
 * one nor after now.  Blocked intervals begin when judged: their "from"
 * is the first loss of the class, which other servers may have absorbed
 * until the last of them went. */
static ccm_ms opened_at(const struct ccm_impact_track *t,
			enum ccm_alarm_type kind, const char *scope,
			ccm_ms from, ccm_ms now)
{
	if (!from || from >= now)
		return now;
	for (size_t i = t->n; i-- > 0;) {
		const struct ccm_impact_interval *iv = &t->v[i];

		if (iv->kind == kind && !strcmp(iv->scope, scope))
			return iv->end > from ? iv->end : from;
	}
	return from;
}

void ccm_impact_track_update(struct ccm_impact_track *t,
			     const struct ccm_impact *impacts, size_t n,
			     ccm_ms now)
{
	for (size_t i = 0; i < n; i++) {
		const struct ccm_impact *im = &impacts[i];

		for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
			enum ccm_phase phase;
			ccm_ms from;
			bool on = holds(im, kinds[k], &phase, &from);
			struct ccm_impact_interval *iv =
				open_interval(t, kinds[k], im->scope);

			if (!on) {
				if (iv) {
					iv->open = false;
					iv->end = now;
				}
				continue;
			}
			if (!iv)
				iv = new_interval(
					t, kinds[k], im->scope,
					kinds[k] == CCM_ALARM_MESSAGING_DEGRADED ?
						opened_at(t, kinds[k],
							  im->scope, from,
							  now) :
						now);
			if (!iv)
				continue;
			merge_names(iv->profiles, im->profiles);
			merge_names(iv->servers, im->servers);
			merge_names(iv->nodes, im->nodes);
			add_phase(t, iv, now, from, phase,
				  ccm_impact_effects(im));
		}
	}
}

ccm_ms ccm_impact_delayed(const struct ccm_impact_interval *iv, ccm_ms end)
{
	ccm_ms sum = 0;

	for (size_t k = 0; k < iv->nphases; k++) {
		ccm_ms until = k + 1 < iv->nphases ? iv->phases[k + 1].time : end;

		if ((iv->phases[k].phase == CCM_PHASE_QUEUEING ||
		     iv->phases[k].phase == CCM_PHASE_DELAYED) &&
		    until > iv->phases[k].time)
			sum += until - iv->phases[k].time;
	}
	return sum;
}
