/* SPDX-License-Identifier: ISC */
/* Per-server probe figures: results counted, latencies summarised.
 *
 * Pure code: the agent feeds each probe report in and reads the figures out
 * (SNMP, status pages).  Latencies are microseconds, as in the report; the
 * histogram's buckets are powers of two in milliseconds, the unit operators
 * think in. */
#ifndef CCM_PROBE_STATS_H
#define CCM_PROBE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/core/probe_types.h"

/* Buckets: <= 1 ms, <= 2 ms, <= 4 ms, ... <= 4096 ms, then > 4096 ms. */
#define CCM_LATENCY_BUCKETS 14

struct ccm_latency {
	uint64_t count;
	int64_t last_us, min_us, max_us; /* valid when count > 0 */
	int64_t sum_us;
	uint64_t hist[CCM_LATENCY_BUCKETS];
};

struct ccm_probe_stats {
	uint64_t probes;
	uint64_t results[CCM_PROBE_NRESULTS]; /* by enum ccm_probe_result */
	bool have_last;
	enum ccm_probe_result last_result;
	struct ccm_latency connect;    /* probes that connected              */
	struct ccm_latency first_byte; /* probes that got an answer byte     */
};

/* The probe figures of a configured server, or NULL when there are none:
 * how the status document, the SNMP view and /metrics ask for them. */
typedef const struct ccm_probe_stats *ccm_probe_stats_fn(void *ctx,
							 const char *server);

void ccm_probe_stats_init(struct ccm_probe_stats *stats);

/* Counts one finished probe. */
void ccm_probe_stats_add(struct ccm_probe_stats *stats,
			 const struct ccm_probe_report *report);

/* One latency sample; negative samples (a clock gone wrong) count as 0. */
void ccm_latency_add(struct ccm_latency *lat, int64_t us);

/* Mean in microseconds, rounded down; 0 without samples. */
int64_t ccm_latency_mean_us(const struct ccm_latency *lat);

/* The bucket a latency falls in, and a bucket's upper bound in ms
 * (-1 for the last, unbounded one). */
unsigned ccm_latency_bucket(int64_t us);
int64_t ccm_latency_bucket_bound_ms(unsigned bucket);

#endif
