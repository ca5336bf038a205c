/* SPDX-License-Identifier: ISC */
/* Queue latency of one component: a ring of the newest samples and the
 * starts waiting for their end. */
#include <stdlib.h>
#include <string.h>

#include "agent/core/queue_latency.h"
#include "agent/util/grow.h"

void ccm_qlat_init(struct ccm_qlat *l)
{
	memset(l, 0, sizeof(*l));
}

static void drop_start(struct ccm_qlat *l, size_t i)
{
	free(l->starts[i].key);
	memmove(&l->starts[i], &l->starts[i + 1],
		(l->nstarts - i - 1) * sizeof(*l->starts));
	l->nstarts--;
}

void ccm_qlat_release(struct ccm_qlat *l)
{
	for (size_t i = 0; i < l->nstarts; i++)
		free(l->starts[i].key);
	free(l->starts);
	free(l->ring);
	memset(l, 0, sizeof(*l));
}

int ccm_qlat_add(struct ccm_qlat *l, ccm_ms t, ccm_ms wait)
{
	if (!l->ring) {
		l->ring = malloc(CCM_QLAT_SAMPLES * sizeof(*l->ring));
		if (!l->ring)
			return -1;
	}
	if (wait < 0)
		wait = 0;
	if (l->n == CCM_QLAT_SAMPLES) {
		l->head = (l->head + 1) % CCM_QLAT_SAMPLES;
		l->n--;
		l->overflow++;
	}
	l->ring[(l->head + l->n) % CCM_QLAT_SAMPLES] =
		(struct ccm_qlat_sample){ .time = t, .wait = wait };
	l->n++;
	l->total++;
	if (wait > l->total_max)
		l->total_max = wait;
	l->have_last = true;
	l->last_time = t;
	l->last_wait = wait;
	return 0;
}

int ccm_qlat_start(struct ccm_qlat *l, unsigned rule, const char *key,
		      size_t n, ccm_ms t)
{
	char *k = malloc(n + 1);

	if (!k)
		return -1;
	memcpy(k, key, n);
	k[n] = '\0';
	if (l->nstarts == CCM_QLAT_PENDING) {
		drop_start(l, 0);
		l->abandoned++;
	}
	if (CCM_GROW(l->starts, l->capstarts, l->nstarts, 8)) {
		free(k);
		return -1;
	}
	l->starts[l->nstarts++] = (struct ccm_qlat_pending){
		.rule = rule, .key = k, .time = t,
	};
	return 0;
}

int ccm_qlat_end(struct ccm_qlat *l, unsigned rule, const char *key,
		    size_t n, ccm_ms t, ccm_ms *wait)
{
	for (size_t i = 0; i < l->nstarts; i++) {
		const struct ccm_qlat_pending *s = &l->starts[i];

		if (s->rule != rule || strlen(s->key) != n ||
		    memcmp(s->key, key, n))
			continue;
		*wait = t - s->time;
		drop_start(l, i);
		return ccm_qlat_add(l, t, *wait) ? -1 : 1;
	}
	l->unmatched++;
	return 0;
}

void ccm_qlat_expire(struct ccm_qlat *l, ccm_ms now, ccm_ms window,
			ccm_ms max_pending)
{
	while (l->n && l->ring[l->head].time <= now - window) {
		l->head = (l->head + 1) % CCM_QLAT_SAMPLES;
		l->n--;
	}
	while (l->nstarts && l->starts[0].time < now - max_pending) {
		drop_start(l, 0);
		l->abandoned++;
	}
}

bool ccm_qlat_next_expiry(const struct ccm_qlat *l, ccm_ms window,
			     ccm_ms *when)
{
	if (!l->n)
		return false;
	*when = l->ring[l->head].time + window;
	return true;
}

static int by_wait(const void *a, const void *b)
{
	ccm_ms x = *(const ccm_ms *)a, y = *(const ccm_ms *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p% of them at or
 * below it. */
static ccm_ms rank(const ccm_ms *sorted, size_t n, unsigned p)
{
	size_t r = (n * p + 99) / 100;

	return sorted[r ? r - 1 : 0];
}

void ccm_qlat_summarise(ccm_ms *waits, size_t n,
			   struct ccm_qlat_stats *out)
{
	ccm_ms sum = 0;

	out->count = n;
	out->mean = out->max = out->p50 = out->p95 = out->p99 = 0;
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		sum += waits[i];
	qsort(waits, n, sizeof(*waits), by_wait);
	out->mean = sum / (ccm_ms)n;
	out->max = waits[n - 1];
	out->p50 = rank(waits, n, 50);
	out->p95 = rank(waits, n, 95);
	out->p99 = rank(waits, n, 99);
}

int ccm_qlat_stats_since(const struct ccm_qlat *l, ccm_ms since,
			 struct ccm_qlat_stats *out)
{
	ccm_ms *v;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->total = l->total;
	out->total_max = l->total_max;
	out->overflow = l->overflow;
	out->unmatched = l->unmatched;
	out->abandoned = l->abandoned;
	out->pending = l->nstarts;
	out->have_last = l->have_last;
	out->last_time = l->last_time;
	out->last_wait = l->last_wait;
	if (!l->n)
		return 0;
	v = malloc(l->n * sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct ccm_qlat_sample *s =
			&l->ring[(l->head + i) % CCM_QLAT_SAMPLES];

		if (s->time > since)
			v[n++] = s->wait;
	}
	ccm_qlat_summarise(v, n, out);
	free(v);
	return 0;
}

int ccm_qlat_stats(const struct ccm_qlat *l,
		      struct ccm_qlat_stats *out)
{
	return ccm_qlat_stats_since(l, INT64_MIN, out);
}
