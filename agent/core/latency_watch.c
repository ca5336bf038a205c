/* SPDX-License-Identifier: ISC */
/* queue-latency-high: the verdicts and the times to judge them again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/latency_watch.h"
#include "agent/util/grow.h"
#include "parsers/duration.h"

struct verdict {
	const struct ccm_component *c; /* the engine's: lives as long */
	bool on;       /* p95 at or over the threshold, last judged      */
	bool watch;    /* a wait at or over it is in the window          */
	ccm_ms due;    /* with watch: judge again then                   */
};

struct ccm_latency_watch {
	struct verdict *v;
	size_t n, cap;
};

struct ccm_latency_watch *ccm_latency_watch_new(void)
{
	return calloc(1, sizeof(struct ccm_latency_watch));
}

void ccm_latency_watch_free(struct ccm_latency_watch *w)
{
	if (!w)
		return;
	free(w->v);
	free(w);
}

/* A cluster has tens of components: a list is enough. */
static struct verdict *find(const struct ccm_latency_watch *w,
			    const struct ccm_component *c)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].c == c)
			return &w->v[i];
	return NULL;
}

static struct verdict *get(struct ccm_latency_watch *w,
			   const struct ccm_component *c)
{
	struct verdict *v = find(w, c);

	if (v)
		return v;
	if (CCM_GROW(w->v, w->cap, w->n, 8))
		return NULL;
	v = &w->v[w->n++];
	*v = (struct verdict){ .c = c };
	return v;
}

bool ccm_latency_watch_wait(struct ccm_latency_watch *w,
			    const struct ccm_component *c, ccm_ms wait,
			    ccm_ms high)
{
	const struct verdict *v = find(w, c);
	bool on = v && v->on;

	if (high <= 0)
		return on;
	return on ? wait < high : wait >= high;
}

int ccm_latency_watch_judge(struct ccm_latency_watch *w,
			    const struct ccm_component *c, ccm_ms t,
			    ccm_ms high, ccm_ms window, bool *on, char *text,
			    size_t len)
{
	struct verdict *v = get(w, c);
	struct ccm_qlat_stats st;
	char p95[CCM_DURATION_STRLEN], mx[CCM_DURATION_STRLEN],
	     win[CCM_DURATION_STRLEN], thr[CCM_DURATION_STRLEN];
	ccm_ms expiry;

	if (!v || ccm_qlat_stats(&c->latency, &st))
		return -1;
	v->on = high > 0 && st.count && st.p95 >= high;
	v->watch = high > 0 && st.count && st.max >= high &&
		   ccm_qlat_next_expiry(&c->latency, window, &expiry);
	if (v->watch)
		v->due = expiry > t + CCM_LATENCY_RECHECK ?
				 expiry : t + CCM_LATENCY_RECHECK;
	ccm_duration_format(st.p95, p95);
	ccm_duration_format(st.max, mx);
	ccm_duration_format_short(window, win);
	ccm_duration_format_short(high, thr);
	if (v->on)
		snprintf(text, len, "events wait long on %s: p95 %s, max %s "
			 "over %llu waits in the last %s (threshold %s)",
			 c->name, p95, mx, (unsigned long long)st.count, win,
			 thr);
	else
		snprintf(text, len, "events on %s wait less than %s again "
			 "(%llu waits in the last %s)", c->name, thr,
			 (unsigned long long)st.count, win);
	*on = v->on;
	return 0;
}

bool ccm_latency_watch_next_due(const struct ccm_latency_watch *w,
				ccm_ms *due)
{
	bool any = false;

	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].watch && (!any || w->v[i].due < *due)) {
			*due = w->v[i].due;
			any = true;
		}
	return any;
}

size_t ccm_latency_watch_due(const struct ccm_latency_watch *w, ccm_ms now,
			     const struct ccm_component **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < w->n && n < max; i++)
		if (w->v[i].watch && w->v[i].due <= now)
			out[n++] = w->v[i].c;
	return n;
}
