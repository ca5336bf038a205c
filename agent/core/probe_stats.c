/* SPDX-License-Identifier: ISC */
/* Probe figures.  Bucket bounds are inclusive: exactly 1 ms is "<= 1 ms",
 * 1.001 ms is "<= 2 ms". */
#include <string.h>

#include "agent/core/probe_stats.h"

void ccm_probe_stats_init(struct ccm_probe_stats *s)
{
	memset(s, 0, sizeof(*s));
}

unsigned ccm_latency_bucket(int64_t us)
{
	int64_t bound = 1000;
	unsigned b = 0;

	while (b < CCM_LATENCY_BUCKETS - 1 && us > bound) {
		bound *= 2;
		b++;
	}
	return b;
}

int64_t ccm_latency_bucket_bound_ms(unsigned bucket)
{
	if (bucket >= CCM_LATENCY_BUCKETS - 1)
		return -1;
	return INT64_C(1) << bucket;
}

void ccm_latency_add(struct ccm_latency *l, int64_t us)
{
	if (us < 0)
		us = 0;
	if (!l->count || us < l->min_us)
		l->min_us = us;
	if (!l->count || us > l->max_us)
		l->max_us = us;
	l->last_us = us;
	/* A year of samples of an hour each stays far below INT64_MAX;
	 * saturate rather than wrap all the same. */
	l->sum_us = us > INT64_MAX - l->sum_us ? INT64_MAX : l->sum_us + us;
	l->count++;
	l->hist[ccm_latency_bucket(us)]++;
}

int64_t ccm_latency_mean_us(const struct ccm_latency *l)
{
	return l->count ? l->sum_us / (int64_t)l->count : 0;
}

void ccm_probe_stats_add(struct ccm_probe_stats *s,
			 const struct ccm_probe_report *r)
{
	s->probes++;
	if ((unsigned)r->result < CCM_PROBE_NRESULTS)
		s->results[r->result]++;
	s->have_last = true;
	s->last_result = r->result;
	if (r->connected)
		ccm_latency_add(&s->connect, r->connect_us);
	if (r->have_first_byte)
		ccm_latency_add(&s->first_byte, r->first_byte_us);
}
