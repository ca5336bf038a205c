/* SPDX-License-Identifier: ISC */
/* Alarms: holds, flap damping, rate limit: when each alarm is raised,
 * changed and cleared.  The words are agent/core/alarm_types.c's, the
 * indexes agent/core/alarm_store.c's, the JSON agent/core/alarm_persist.c's.
 *
 * Each alarm keeps two states apart: whether it *should* be raised (the
 * conditions and holds decide) and whether it *is* raised as far as the
 * world knows (the messages sent).  A message goes out whenever the two
 * differ and the rate limit allows it; when the first catches up with the
 * second before that, nothing is sent.  That one rule gives the deferral,
 * the coalescing, and the raise/clear pairing. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/alarm.h"
#include "agent/core/alarm_store.h"
#include "parsers/duration.h"

/* Bounds that keep sums of times and spans far from overflow: a year for
 * a hold or period, CCM_ALARM_TIME_MAX for a time. */
#define MAX_SPAN (INT64_C(366) * CCM_MS_PER_DAY)
#define MAX_TIME CCM_ALARM_TIME_MAX

void ccm_alarm_policy_default(struct ccm_alarm_policy *p)
{
	*p = (struct ccm_alarm_policy){
		.raise_hold = CCM_ALARM_DEFAULT_RAISE_HOLD,
		.clear_hold = CCM_ALARM_DEFAULT_CLEAR_HOLD,
		.flap_window = CCM_ALARM_DEFAULT_FLAP_WINDOW,
		.flap_threshold = CCM_ALARM_DEFAULT_FLAP_THRESHOLD,
		.rate_count = CCM_ALARM_DEFAULT_RATE_COUNT,
		.rate_period = CCM_ALARM_DEFAULT_RATE_PERIOD,
	};
}

static ccm_ms span(ccm_ms d)
{
	return d < 0 ? 0 : d > MAX_SPAN ? MAX_SPAN : d;
}

static void sanitize_policy(struct ccm_alarm_policy *p)
{
	p->raise_hold = span(p->raise_hold);
	p->clear_hold = span(p->clear_hold);
	p->flap_window = span(p->flap_window);
	p->rate_period = span(p->rate_period);
	if (p->flap_threshold > CCM_ALARM_FLAP_MAX)
		p->flap_threshold = CCM_ALARM_FLAP_MAX;
	if (p->flap_threshold < 2 || p->flap_window == 0)
		p->flap_threshold = 0;
	if (p->rate_count > CCM_ALARM_RATE_MAX)
		p->rate_count = CCM_ALARM_RATE_MAX;
	if (p->rate_count == 0 || p->rate_period == 0) {
		p->rate_count = 0;
		p->rate_period = 0;
	}
}

static void reindex(struct ccm_alarms *as, struct alarm *a);

void ccm_alarms_set_policy(struct ccm_alarms *as, enum ccm_alarm_type type,
			   const struct ccm_alarm_policy *policy)
{
	if ((unsigned)type >= CCM_ALARM_NTYPES)
		return;
	if (policy)
		as->policy[type] = *policy;
	else
		ccm_alarm_policy_default(&as->policy[type]);
	sanitize_policy(&as->policy[type]);
	/* the holds moved the times due */
	for (size_t i = 0; i < as->n; i++)
		if (as->all[i]->type == type)
			reindex(as, as->all[i]);
}

struct ccm_alarms *ccm_alarms_new(const struct ccm_alarm_policy *policy,
				  ccm_alarm_fn *fn, void *ctx)
{
	struct ccm_alarms *as = calloc(1, sizeof(*as));

	if (!as)
		return NULL;
	for (unsigned t = 0; t < CCM_ALARM_NTYPES; t++)
		ccm_alarms_set_policy(as, (enum ccm_alarm_type)t, policy);
	as->fn = fn;
	as->ctx = ctx;
	return as;
}

void ccm_alarms_on_withheld(struct ccm_alarms *as, ccm_alarm_fn *fn,
			    void *ctx)
{
	as->withheld_fn = fn;
	as->withheld_ctx = ctx;
}

ccm_ms ccm_alarms_now(const struct ccm_alarms *as)
{
	return as->now;
}

static int store_text(char **slot, const char *s)
{
	char *t;

	if (!s || (*slot && strcmp(*slot, s) == 0))
		return 0;
	t = alarm_clean_text(s);
	if (!t)
		return -1;
	free(*slot);
	*slot = t;
	return 0;
}

/* ---- rings ------------------------------------------------------------- */

static void ring_push(ccm_ms *ring, unsigned size, unsigned *head,
		      unsigned *n, ccm_ms t)
{
	ring[*head] = t;
	*head = (*head + 1) % size;
	if (*n < size)
		(*n)++;
}

/* The k-th most recent entry, k >= 1 and k <= n. */
static ccm_ms ring_back(const ccm_ms *ring, unsigned size, unsigned head,
			unsigned k)
{
	return ring[(head + size - k) % size];
}

/* ---- decisions --------------------------------------------------------- */

static const struct ccm_alarm_type_info *type_of(const struct alarm *a)
{
	return ccm_alarm_type_info(a->type);
}

static const struct ccm_alarm_policy *policy_of(const struct ccm_alarms *as,
						const struct alarm *a)
{
	return &as->policy[a->type];
}

/* How long an absence must last to clear: a flapping condition must also
 * have stopped flapping, or the clear would be followed by a new raise. */
static ccm_ms clear_hold(const struct ccm_alarm_policy *p,
			 const struct alarm *a)
{
	if (a->flapping && p->flap_window > p->clear_hold)
		return p->flap_window;
	return p->clear_hold;
}

/* An absence this long ends an episode even when nothing was raised. */
static ccm_ms quiet_time(const struct ccm_alarm_policy *p)
{
	if (p->flap_threshold && p->flap_window > p->clear_hold)
		return p->flap_window;
	return p->clear_hold;
}

/* When the rate limit lets the next message out (INT64_MIN: it does). */
static ccm_ms rate_free(const struct ccm_alarm_policy *p,
			const struct alarm *a)
{
	if (!p->rate_count || a->nsent < p->rate_count)
		return INT64_MIN;
	return ring_back(a->sent, CCM_ALARM_RATE_MAX, a->sent_head,
			 p->rate_count) + p->rate_period;
}

/* Raised, its condition present, and judged otherwise than sent: a
 * CHANGED is due.  A pending clear says nothing more. */
static bool change_due(const struct alarm *a)
{
	return a->pub && a->want && a->cond &&
	       (a->want_sev != a->severity || a->want_phase != a->phase);
}

/* The earliest time something is due for a, maybe before the clock (it is
 * then due at once); false when nothing is. */
static bool alarm_due(const struct ccm_alarms *as, const struct alarm *a,
		      ccm_ms *due)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);
	bool have = false;
	ccm_ms d = 0;

	if (!a->want && a->cond) {
		d = a->cond_since + p->raise_hold;
		have = true;
	} else if (a->want && !a->cond) {
		d = a->absent_since + clear_hold(p, a);
		have = true;
	}
	if (a->pub != a->want || change_due(a)) {
		ccm_ms r = rate_free(p, a);

		if (!have || r < d)
			d = r;
		have = true;
	}
	if (have)
		*due = d;
	return have;
}

/* When an alarm that nothing keeps may be forgotten (idle() below); false
 * while something keeps it. */
static bool idle_from(const struct ccm_alarms *as, const struct alarm *a,
		      ccm_ms *when)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);
	ccm_ms t;

	if (a->cond || a->want || a->pub || a->restored || a->withheld)
		return false;
	t = a->absent_since + quiet_time(p);
	if (a->nsent) {
		ccm_ms r = ring_back(a->sent, CCM_ALARM_RATE_MAX, a->sent_head,
				     1) + p->rate_period;

		if (r > t)
			t = r;
	}
	*when = t;
	return true;
}

/* a changed: its places in the heaps and in the raised ones follow. */
static void reindex(struct ccm_alarms *as, struct alarm *a)
{
	ccm_ms due = 0, idle_at = 0;
	bool have_due = alarm_due(as, a, &due);
	bool have_idle = idle_from(as, a, &idle_at);

	/* Out of memory a raise or clear would never come: the heap's
	 * arrays only grow, so this fails only when the alarm is new to
	 * the heap, and the next call for it tries again. */
	alarm_place(as, a, have_due, due, have_idle, idle_at);
}

static char *raise_text(const struct alarm *a, ccm_ms t);

/* A raise still waiting for the rate limit met its clear: neither is
 * sent, and whoever records what was not sent hears of the raise. */
static void tell_withheld(struct ccm_alarms *as, const struct alarm *a,
			  ccm_ms t)
{
	struct ccm_alarm_decision d;
	char *text;

	if (!as->withheld_fn)
		return;
	text = raise_text(a, a->want_at);
	d = (struct ccm_alarm_decision){
		.state = CCM_ALARM_RAISED,
		.type = a->type,
		.info = type_of(a),
		.resource = a->resource,
		.severity = type_of(a)->severity,
		.time = a->want_at,
		.since = a->want_since,
		.raised_at = a->want_at,
		.ended = t,
		.flapping = a->flapping,
		.changes = a->changes,
		.withheld = a->withheld,
		.text = text ? text : a->text ? a->text :
				      type_of(a)->raised,
	};
	as->withheld_fn(as->withheld_ctx, &d);
	free(text);
}

static void set_want(struct ccm_alarms *as, struct alarm *a, bool want,
		     ccm_ms since, ccm_ms t)
{
	if (a->want == want)
		return;
	/* A message still waiting for the rate limit meets its opposite:
	 * neither goes out. */
	if (a->pub != a->want) {
		if (!a->pub)
			tell_withheld(as, a, t);
		a->withheld++;
	}
	a->want = want;
	if (want) {
		a->want_since = since;
		a->want_at = t;
	} else {
		a->end_flapping = a->flapping;
		a->end_changes = a->changes;
		a->in_episode = false;
		a->flapping = false;
	}
}

static char *raise_text(const struct alarm *a, ccm_ms t)
{
	const char *base = a->text ? a->text : type_of(a)->raised;
	char flap[96] = "", held[96] = "";
	char dur[CCM_DURATION_STRLEN];
	char *s;

	if (a->flapping)
		snprintf(flap, sizeof(flap), "; flapping: %" PRIu64
			 " changes in %s", a->changes,
			 ccm_duration_format(t - a->episode_start, dur));
	if (a->withheld)
		snprintf(held, sizeof(held), "; %" PRIu64 " raise/clear %s "
			 "withheld by the rate limit", a->withheld,
			 a->withheld == 1 ? "pair" : "pairs");
	if (asprintf(&s, "%s%s%s", base, flap, held) < 0)
		return NULL;
	return s;
}

static char *clear_text(const struct alarm *a)
{
	const char *base = a->clear_text ? a->clear_text :
					   type_of(a)->cleared;
	char flap[96] = "", held[96] = "";
	char dur[CCM_DURATION_STRLEN];
	char *s;

	if (a->end_flapping)
		snprintf(flap, sizeof(flap), ", flapping (%" PRIu64
			 " changes)", a->end_changes);
	if (a->withheld)
		snprintf(held, sizeof(held), "; %" PRIu64 " clear/raise %s "
			 "withheld by the rate limit", a->withheld,
			 a->withheld == 1 ? "pair" : "pairs");
	if (asprintf(&s, "%s; the condition lasted %s%s%s", base,
		     ccm_duration_format(a->absent_since - a->pub_since, dur),
		     flap, held) < 0)
		return NULL;
	return s;
}

static void publish(struct ccm_alarms *as, struct alarm *a, ccm_ms t)
{
	struct ccm_alarm_decision d;
	char *text;

	if (a->want) {
		a->id = ++as->last_id;
		a->pub_since = a->want_since;
		a->raised_at = t;
		a->severity = a->want_sev;
		a->phase = a->want_phase;
		text = raise_text(a, t);
	} else {
		text = clear_text(a);
	}
	a->pub = a->want;
	ring_push(a->sent, CCM_ALARM_RATE_MAX, &a->sent_head, &a->nsent, t);
	d = (struct ccm_alarm_decision){
		.state = a->pub ? CCM_ALARM_RAISED : CCM_ALARM_CLEARED,
		.id = a->id,
		.type = a->type,
		.info = type_of(a),
		.resource = a->resource,
		.severity = a->severity,
		.time = t,
		.since = a->pub_since,
		.raised_at = a->raised_at,
		.ended = a->pub ? 0 : a->absent_since,
		.flapping = a->pub ? a->flapping : a->end_flapping,
		.changes = a->pub ? a->changes : a->end_changes,
		.withheld = a->withheld,
		/* Out of memory: the message still goes, plainer. */
		.text = text ? text : a->pub ? (a->text ? a->text :
			type_of(a)->raised) : type_of(a)->cleared,
	};
	a->withheld = 0;
	if (as->fn)
		as->fn(as->ctx, &d);
	free(text);
}

/* The raised alarm is judged anew: same id, new severity and text. */
static void publish_change(struct ccm_alarms *as, struct alarm *a, ccm_ms t)
{
	struct ccm_alarm_decision d;
	enum ccm_alarm_severity was = a->severity;
	char *text = raise_text(a, t);

	a->severity = a->want_sev;
	a->phase = a->want_phase;
	ring_push(a->sent, CCM_ALARM_RATE_MAX, &a->sent_head, &a->nsent, t);
	d = (struct ccm_alarm_decision){
		.state = CCM_ALARM_CHANGED,
		.id = a->id,
		.type = a->type,
		.info = type_of(a),
		.resource = a->resource,
		.severity = a->severity,
		.was = was,
		.time = t,
		.since = a->pub_since,
		.raised_at = a->raised_at,
		.flapping = a->flapping,
		.changes = a->changes,
		.text = text ? text : a->text ? a->text :
						type_of(a)->raised,
	};
	if (as->fn)
		as->fn(as->ctx, &d);
	free(text);
}

/* Does what is due for a at t (alarm_due() said something is). */
static void fire(struct ccm_alarms *as, struct alarm *a, ccm_ms t)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);

	if (!a->want && a->cond && a->cond_since + p->raise_hold <= t)
		set_want(as, a, true, a->cond_since, t);
	else if (a->want && !a->cond &&
		 a->absent_since + clear_hold(p, a) <= t)
		set_want(as, a, false, 0, t);
	if (a->pub != a->want && rate_free(p, a) <= t)
		publish(as, a, t);
	else if (change_due(a) && rate_free(p, a) <= t)
		publish_change(as, a, t);
}

/* Nothing pending, nothing raised, nothing remembered that matters: the
 * next presence starts from scratch anyway. */
static bool idle(const struct ccm_alarms *as, const struct alarm *a)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);

	if (a->cond || a->want || a->pub || a->restored || a->withheld)
		return false;
	if (as->now - a->absent_since < quiet_time(p))
		return false;
	return a->nsent == 0 ||
	       ring_back(a->sent, CCM_ALARM_RATE_MAX, a->sent_head, 1) +
			       p->rate_period <= as->now;
}

/* Forgets the alarms that nothing keeps any more. */
static void prune(struct ccm_alarms *as)
{
	struct heap *hp = &as->heap[IDLE];

	while (hp->n && hp->v[0]->heap_key[IDLE] <= as->now) {
		struct alarm *a = hp->v[0];

		if (idle(as, a))
			alarm_forget(as, a);
		else
			reindex(as, a);
	}
}

void ccm_alarms_advance(struct ccm_alarms *as, ccm_ms now)
{
	struct heap *hp = &as->heap[DUE];

	if (now > MAX_TIME)
		now = MAX_TIME;
	else if (now < -MAX_TIME)
		now = -MAX_TIME;
	if (!as->started) {
		as->started = true;
		as->now = now;
	}
	/* Across alarms in time order, so that the callback sees one
	 * timeline however late the caller is. */
	while (hp->n && hp->v[0]->heap_key[DUE] <= now) {
		struct alarm *a = hp->v[0];
		ccm_ms t = a->heap_key[DUE];

		if (t > as->now)
			as->now = t;
		fire(as, a, as->now);
		reindex(as, a);
	}
	if (now > as->now)
		as->now = now;
	prune(as);
}

bool ccm_alarms_next_due(const struct ccm_alarms *as, ccm_ms *due)
{
	const struct heap *hp = &as->heap[DUE];

	if (!hp->n)
		return false;
	*due = hp->v[0]->heap_key[DUE];
	if (*due < as->now)
		*due = as->now;
	return true;
}

/* The condition changes at t. */
static void change(struct ccm_alarms *as, struct alarm *a, bool cond,
		   ccm_ms t)
{
	const struct ccm_alarm_policy *p = policy_of(as, a);

	if (cond && (!a->in_episode ||
		     (!a->want && t - a->absent_since >= quiet_time(p)))) {
		a->in_episode = true;
		a->flapping = false;
		a->episode_start = t;
		a->changes = 0;
	}
	a->cond = cond;
	if (cond)
		a->cond_since = t;
	else
		a->absent_since = t;
	a->changes++;
	ring_push(a->changed, CCM_ALARM_FLAP_MAX, &a->changed_head,
		  &a->nchanged, t);
	if (a->flapping || !p->flap_threshold ||
	    a->nchanged < p->flap_threshold ||
	    t - ring_back(a->changed, CCM_ALARM_FLAP_MAX, a->changed_head,
			  p->flap_threshold) >= p->flap_window)
		return;
	/* Flapping: raise now, whatever the hold, since the episode began;
	 * from here only a long enough quiet clears it. */
	a->flapping = true;
	set_want(as, a, true, a->episode_start, t);
}

/* How an alarm is judged: a severity and a phase, or NULL to keep the
 * last ones. */
struct judgement {
	enum ccm_alarm_severity severity;
	unsigned phase;
};

static void judge(struct alarm *a, const struct judgement *j)
{
	if (!j)
		return;
	/* restored from a snapshot without one: taken silently */
	if (a->phase == CCM_ALARM_PHASE_UNKNOWN)
		a->phase = j->phase;
	a->want_sev = j->severity;
	a->want_phase = j->phase;
}

static int set(struct ccm_alarms *as, enum ccm_alarm_type type,
	       const char *resource, bool cond, ccm_ms now, const char *text,
	       const struct judgement *j)
{
	char key[CCM_TEXT_RESOURCE_MAX + 1];
	struct alarm *a;
	int rc = 0;

	resource = alarm_resource_key(resource, key);
	if ((unsigned)type >= CCM_ALARM_NTYPES || !resource) {
		errno = EINVAL;
		return -1;
	}
	ccm_alarms_advance(as, now);
	a = alarm_find(as, type, resource);
	if (!a) {
		if (!cond)
			return 0;
		a = calloc(1, sizeof(*a));
		if (!a || !(a->resource = strdup(resource))) {
			alarm_free(a);
			errno = ENOMEM;
			return -1;
		}
		a->type = type;
		a->severity = ccm_alarm_type_info(type)->severity;
		a->want_sev = a->severity;
		if (alarm_insert(as, a)) {
			alarm_free(a);
			errno = ENOMEM;
			return -1;
		}
	}
	if (store_text(cond ? &a->text : &a->clear_text, text)) {
		errno = ENOMEM;
		rc = -1;
	}
	a->restored = false;
	/* a judgement given with the condition absent would change nothing
	 * said: the next presence brings its own */
	if (cond)
		judge(a, j);
	if (cond != a->cond)
		change(as, a, cond, as->now);
	reindex(as, a);
	ccm_alarms_advance(as, as->now);
	return rc;
}

int ccm_alarms_set(struct ccm_alarms *as, enum ccm_alarm_type type,
		   const char *resource, bool cond, ccm_ms now,
		   const char *text)
{
	return set(as, type, resource, cond, now, text, NULL);
}

int ccm_alarms_set_judged(struct ccm_alarms *as, enum ccm_alarm_type type,
			  const char *resource, bool cond, ccm_ms now,
			  const char *text, enum ccm_alarm_severity severity,
			  unsigned phase)
{
	const struct judgement j = { severity, phase };

	if ((unsigned)severity > CCM_SEV_WARNING) {
		errno = EINVAL;
		return -1;
	}
	return set(as, type, resource, cond, now, text, &j);
}

void ccm_alarms_expire_restored(struct ccm_alarms *as, ccm_ms now)
{
	ccm_alarms_advance(as, now);
	for (size_t i = 0; i < as->n; i++) {
		struct alarm *a = as->all[i];

		if (!a->restored)
			continue;
		a->restored = false;
		if (a->cond)
			change(as, a, false, as->now);
		reindex(as, a);
	}
	ccm_alarms_advance(as, as->now);
}
